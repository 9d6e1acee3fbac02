/*  incident — emergencies (§7.3): legality questioned by a government
    body, a major dispute, or another. Opening one tells management at
    once (incident.opened); an emergency team of named people runs the
    response; a timeline records its actions, and a communication log
    what was said with government, customers, partners and media (who,
    channel, summary, time). Both logs are only appended to: an entry is
    never edited (the store has no statement that could, and its triggers
    refuse one), a correction is a new entry naming the one it corrects,
    and a request to write over an entry on record is refused. Closing
    needs a conclusion and the lessons learned. */
#include "contract/contract_store.h"
#include "incident/incident_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "risk/risk_store.h"
#include "staff/staff.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Whether `text` has something other than blanks. */
static bool
s_blank (const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++)
        if (!isspace (*p))
            return false;
    return true;
}

/* The incident of args.id, open unless `any_state` (*incident_p, caller
   owns). */
static int
s_load (qf_ctx_t *ctx, json_t *args, bool any_state, json_t **incident_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    int rc = qf_store_incident_get (ctx->store, id, incident_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id", "no incident with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the incident: %s", qf_strerror (rc));
    if (any_state ||
        strcmp (json_string_value (json_object_get (*incident_p, "state")), "open") == 0)
        return 0;
    json_decref (*incident_p);
    *incident_p = NULL;
    return qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                         "incident %lld is closed: its record is final; open a new incident "
                         "for what follows",
                         (long long)id);
}

/* When something happened: args.at, "YYYY-MM-DD HH:MM" in policy.timezone
   (not after now), else now. Fills `text` (17 bytes) and *ms_p. */
static int
s_when (qf_ctx_t *ctx, json_t *args, char *text, int64_t *ms_p)
{
    const char *at = json_string_value (json_object_get (args, "at"));
    int32_t day = qf_calendar_today (ctx->config, ctx->now);
    int64_t ms = ctx->now - (ctx->now - qf_calendar_day_start (ctx->config, day)) % 60000;
    if (at) {
        char date[11] = "";
        int hh = -1, mm = -1, used = 0;
        if (strlen (at) == 16 && sscanf (at, "%10s %2d:%2d%n", date, &hh, &mm, &used) == 3 &&
            used == 16 && at[10] == ' ' && at[13] == ':' && isdigit ((unsigned char)at[11]) &&
            isdigit ((unsigned char)at[14]) && qf_date_parse (date, &day) == 0 && hh >= 0 &&
            hh < 24 && mm >= 0 && mm < 60)
            ms = qf_calendar_day_start (ctx->config, day) + (int64_t)(hh * 60 + mm) * 60000;
        else
            return qf_ctx_error (ctx, QF_EINVAL, "args.at",
                                 "args.at \"%.40s\" is not a time \"YYYY-MM-DD HH:MM\" (in "
                                 "policy.timezone)",
                                 at);
        if (ms > ctx->now)
            return qf_ctx_error (ctx, QF_EINVAL, "args.at",
                                 "args.at %s is in the future: record what has happened", at);
    }
    day = qf_calendar_today (ctx->config, ms);
    unsigned minutes = (unsigned)((ms - qf_calendar_day_start (ctx->config, day)) / 60000) % 1440;
    char date[16];
    qf_date_format (day, date, sizeof date);
    snprintf (text, 17, "%.10s %02u:%02u", date, minutes / 60, minutes % 60);
    *ms_p = ms;
    return 0;
}

/* The status of `name` in the staff directory: "active", "left", or NULL
   when it names nobody there (an outsider: a lawyer, a partner). */
static const char *
s_directory_status (qf_ctx_t *ctx, const char *name)
{
    json_t *person = NULL;
    if (qf_staff_get (ctx->store, name, &person))
        return NULL;
    bool active = strcmp (json_string_value (json_object_get (person, "status")), "active") == 0;
    json_decref (person);
    return active ? "active" : "left";
}

/* An event about incident `id` to management and the team's people of
   the staff directory, with `payload` (taken). */
static int
s_event (qf_ctx_t *ctx, const char *topic, json_int_t id, json_t *payload)
{
    json_t *team = NULL, *recipients = json_pack ("[s]", "management");
    int rc = recipients ? qf_store_incident_rows (ctx->store, id, "team", &team) : QF_ENOMEM;
    /* incident.opened names its lead before they join the team. */
    json_t *lead = json_pack ("{s:O?}", "name", json_object_get (payload, "lead"));
    if (rc == 0 && (!lead || json_array_append (team, lead)))
        rc = QF_ENOMEM;
    json_decref (lead);
    for (size_t i = 0; rc == 0 && i < json_array_size (team); i++) {
        json_t *name = json_object_get (json_array_get (team, i), "name");
        if (!json_is_string (name))
            continue;
        const char *status = s_directory_status (ctx, json_string_value (name));
        if (status && strcmp (status, "active") == 0 && json_array_append (recipients, name))
            rc = QF_ENOMEM;
    }
    json_decref (team);
    if (rc == 0 && payload && json_object_set (payload, "recipients", recipients))
        rc = QF_ENOMEM;
    json_decref (recipients);
    if (rc) {
        json_decref (payload);
        return rc;
    }
    return qf_ctx_emit (ctx, topic, "incident", id, payload);
}

/* The incident of `id` with its team, timeline and communication log. */
static int
s_record (qf_ctx_t *ctx, json_int_t id, json_t **record_p)
{
    json_t *incident = NULL;
    int rc = qf_store_incident_get (ctx->store, id, &incident);
    const char *const parts[] = {"team", "timeline", "comms"};
    const char *const keys[] = {"team", "timeline", "communications"};
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        json_t *rows = NULL;
        rc = qf_store_incident_rows (ctx->store, id, parts[i], &rows);
        if (rc == 0)
            json_object_set_new (incident, keys[i], rows);
    }
    if (rc) {
        json_decref (incident);
        return qf_ctx_error (ctx, rc, NULL, "could not read incident %lld: %s", (long long)id,
                             qf_strerror (rc));
    }
    *record_p = incident;
    return 0;
}

/* Adds `name` to the team of incident `id` as `duty`. */
static int
s_member (qf_ctx_t *ctx, json_int_t id, const char *name, const char *duty)
{
    const char *status = s_directory_status (ctx, name);
    if (status && strcmp (status, "left") == 0)
        return qf_ctx_error (ctx, QF_ECONFLICT, "args.name",
                             "%s has left the company (staff directory): name a person who "
                             "can act",
                             name);
    int rc = qf_store_incident_member_add (ctx->store, id, name, duty, qf_ctx_who (ctx), ctx->now);
    if (rc == QF_ECONFLICT)
        return qf_ctx_error (ctx, rc, "args.name", "%s is already in the team of incident %lld",
                             name, (long long)id);
    if (rc == 0)
        rc = s_event (ctx, "incident.member_added", id,
                      json_pack ("{s:I, s:s, s:s, s:s}", "incident_id", id, "name", name, "duty",
                                 duty, "by", qf_ctx_who (ctx)));
    return rc;
}

/* incident.open: reported to management at once. */
static int
s_open (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    json_int_t contract_id = json_integer_value (json_object_get (args, "contract_id"));
    json_int_t risk_id = json_integer_value (json_object_get (args, "risk_id"));
    int rc = contract_id ? qf_store_contract_get (ctx->store, contract_id, &record) : 0;
    json_decref (record);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.contract_id", "no contract with id %lld",
                             (long long)contract_id);
    record = NULL;
    rc = rc ? rc : risk_id ? qf_store_risk_get (ctx->store, risk_id, &record) : 0;
    json_decref (record);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.risk_id", "no risk with id %lld", (long long)risk_id);
    if (rc == 0 && (s_blank (json_string_value (json_object_get (args, "title"))) ||
                    s_blank (json_string_value (json_object_get (args, "summary")))))
        return qf_ctx_error (ctx, QF_EINVAL, "args.summary",
                             "an incident needs a title and a summary that say what happened");
    int64_t id = 0;
    if (rc == 0)
        rc = qf_store_incident_add (ctx->store, args, qf_ctx_who (ctx), ctx->now, &id);
    const char *lead = json_string_value (json_object_get (args, "lead"));
    json_t *incident = NULL;
    if (rc == 0)
        rc = qf_store_incident_get (ctx->store, id, &incident);
    if (rc == 0)
        rc = s_event (ctx, "incident.opened", id,
                      json_pack ("{s:O, s:s?}", "incident", incident, "lead", lead));
    json_decref (incident);
    if (rc == 0 && lead)
        rc = s_member (ctx, id, lead, "lead");
    if (rc == 0)
        rc = s_record (ctx, id, result_p);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not open the incident: %s", qf_strerror (rc));
    return rc;
}

/* incident.team: a named person joins the emergency team. */
static int
s_team (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *incident = NULL;
    int rc = s_load (ctx, args, false, &incident);
    json_decref (incident);
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    if (rc == 0)
        rc = s_member (ctx, id, json_string_value (json_object_get (args, "name")),
                       json_string_value (json_object_get (args, "duty")));
    if (rc == 0)
        rc = s_record (ctx, id, result_p);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not add to the team: %s", qf_strerror (rc));
    return rc;
}

/* The number the next entry of `log` takes; with args.entry given, it
   must be that number: an entry on record is never written over. */
static int
s_next_entry (qf_ctx_t *ctx, json_t *args, json_int_t id, const char *log, const char *what,
              int64_t *entry_p)
{
    int64_t count = 0;
    int rc = qf_store_incident_entries (ctx->store, id, log, &count);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the %s: %s", what, qf_strerror (rc));
    json_t *given = json_object_get (args, "entry");
    json_int_t n = json_integer_value (given);
    if (given && n <= count)
        return qf_ctx_error (ctx, QF_ECONFLICT, "args.entry",
                             "entry %lld of the %s of incident %lld is on record and is never "
                             "edited (§7.3); append a new entry (it will be number %lld), with "
                             "--corrects %lld if it corrects that one",
                             (long long)n, what, (long long)id, (long long)count + 1, (long long)n);
    if (given && n != count + 1)
        return qf_ctx_error (ctx, QF_EINVAL, "args.entry",
                             "the %s of incident %lld has %lld entries: the next is number %lld",
                             what, (long long)id, (long long)count, (long long)count + 1);
    *entry_p = count + 1;
    return 0;
}

/* incident.action: an action of the response on the timeline. */
static int
s_action (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *incident = NULL;
    int rc = s_load (ctx, args, false, &incident);
    json_decref (incident);
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    char happened[17] = "";
    int64_t at = 0, entry = 0;
    if (rc == 0)
        rc = s_when (ctx, args, happened, &at);
    if (rc == 0)
        rc = s_next_entry (ctx, args, id, "timeline", "timeline", &entry);
    const char *text = json_string_value (json_object_get (args, "text"));
    const char *actor = json_string_value (json_object_get (args, "by"));
    actor = actor ? actor : qf_ctx_who (ctx);
    if (rc == 0)
        rc = qf_store_incident_action_add (ctx->store, id, entry, text, actor, happened, at,
                                           qf_ctx_who (ctx), ctx->now);
    if (rc == 0)
        rc = s_event (ctx, "incident.action_recorded", id,
                      json_pack ("{s:I, s:I, s:s, s:s, s:s}", "incident_id", id, "entry",
                                 (json_int_t)entry, "action", text, "by", actor, "happened",
                                 happened));
    if (rc == 0)
        rc = s_record (ctx, id, result_p);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not record the action: %s", qf_strerror (rc));
    return rc;
}

/* incident.log: what was said with government, customers, partners or
   media, appended to the communication log. */
static int
s_log (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *incident = NULL, *entry = NULL;
    int rc = s_load (ctx, args, false, &incident);
    json_decref (incident);
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    char happened[17] = "";
    int64_t at = 0, n = 0;
    if (rc == 0)
        rc = s_next_entry (ctx, args, id, "comms", "communication log", &n);
    json_int_t corrects = json_integer_value (json_object_get (args, "corrects"));
    if (rc == 0 && corrects && corrects >= n)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.corrects",
                           "args.corrects %lld is not an entry on record: the log has %lld",
                           (long long)corrects, (long long)(n - 1));
    if (rc == 0)
        rc = s_when (ctx, args, happened, &at);
    if (rc == 0) {
        entry = json_pack ("{s:O, s:O, s:O, s:O, s:s, s:I, s:I}", "party",
                           json_object_get (args, "party"), "who", json_object_get (args, "who"),
                           "channel", json_object_get (args, "channel"), "summary",
                           json_object_get (args, "summary"), "happened", happened, "happened_ms",
                           (json_int_t)at, "corrects", corrects);
        rc = entry ? qf_store_incident_comm_add (ctx->store, id, n, entry, qf_ctx_who (ctx), ctx->now)
                   : QF_ENOMEM;
    }
    if (rc == 0) {
        json_object_del (entry, "happened_ms");
        json_object_set_new (entry, "entry", json_integer (n));
        if (!corrects)
            json_object_del (entry, "corrects");
        rc = s_event (
            ctx, "incident.communication_logged", id,
            json_pack ("{s:I, s:O, s:s}", "incident_id", id, "entry", entry, "by", qf_ctx_who (ctx)));
    }
    json_decref (entry);
    if (rc == 0)
        rc = s_record (ctx, id, result_p);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not log the communication: %s", qf_strerror (rc));
    return rc;
}

/* incident.close: only with a conclusion and the lessons learned. */
static int
s_close (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *conclusion = json_string_value (json_object_get (args, "conclusion"));
    const char *lessons = json_string_value (json_object_get (args, "lessons"));
    if (s_blank (conclusion))
        return qf_ctx_error (ctx, QF_EINVAL, "args.conclusion",
                             "closing an incident needs its conclusion (--conclusion): how it "
                             "ended (§7.3)");
    if (s_blank (lessons))
        return qf_ctx_error (ctx, QF_EINVAL, "args.lessons",
                             "closing an incident needs the lessons learned (--lessons)");
    json_t *incident = NULL;
    int rc = s_load (ctx, args, false, &incident);
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    if (rc == 0)
        rc = qf_store_incident_close (ctx->store, id, conclusion, lessons, qf_ctx_who (ctx), ctx->now);
    if (rc == 0)
        rc = s_event (ctx, "incident.closed", id,
                      json_pack ("{s:I, s:O, s:O, s:s, s:s, s:s}", "incident_id", id, "kind",
                                 json_object_get (incident, "kind"), "title",
                                 json_object_get (incident, "title"), "conclusion", conclusion,
                                 "lessons", lessons, "by", qf_ctx_who (ctx)));
    json_decref (incident);
    if (rc == 0)
        rc = s_record (ctx, id, result_p);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not close the incident: %s", qf_strerror (rc));
    return rc;
}

/* incident.show */
static int
s_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *incident = NULL;
    int rc = s_load (ctx, args, true, &incident);
    json_decref (incident);
    return rc ? rc : s_record (ctx, json_integer_value (json_object_get (args, "id")), result_p);
}

/* incident.list: paged by id. */
static int
s_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int n = limit ? (int)json_integer_value (limit) : 100;
    int rc =
        qf_store_incident_list (ctx->store, json_string_value (json_object_get (args, "state")),
                                json_string_value (json_object_get (args, "kind")),
                                json_integer_value (json_object_get (args, "next")), n, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list incidents: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, n));
    return *result_p ? 0 : QF_ENOMEM;
}

/* The handlers of the commands described in incident_spec.c. */
const qf_handler_t qf_incident_handlers[] = {
    {"incident.open", s_open},     {"incident.team", s_team},
    {"incident.action", s_action}, {"incident.log", s_log},
    {"incident.close", s_close},   {"incident.show", s_show},
    {"incident.list", s_list},     {NULL},
};
