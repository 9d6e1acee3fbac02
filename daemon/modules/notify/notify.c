/*  notify — the daemon's side of notifications. The qualflow-notify
    worker turns each routed event into messages, one per endpoint, and
    hands them in with notify.enqueue in the result that acknowledges the
    event, so an event is either acknowledged with its messages on record
    or delivered again (and then adds nothing: msg ids are stable). The
    worker then asks notify.due for what is due, which leases it the
    messages for notify.lease_ms: a worker killed mid-send leaves them to
    be sent again, with the same id, once the lease ends. Each attempt is
    reported with notify.attempt, which records it and either marks the
    message sent (a 2xx), schedules the next attempt from
    notify.retry_schedule, or marks it failed and raises notify.exhausted;
    an endpoint whose attempts have all failed for notify.disable_after_s
    is disabled (notify.endpoint_disabled) and gets nothing until
    notify.enable. */
#include "notify/notify_config.h"
#include "notify/notify_store.h"
#include "notify/notify_wait.h"
#include "staff/staff.h"
#include "qf.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The endpoint's state ("enabled" or "disabled") and since when all its
   attempts have failed (0: its last attempt succeeded, or none). */
static int
s_endpoint_state (qf_ctx_t *ctx, const char *name, char *state, size_t size,
                  int64_t *failing_since_p, int64_t *since_p)
{
    json_t *row = NULL;
    int rc = qf_store_notify_endpoint_get (ctx->store, name, &row);
    snprintf (state, size, "enabled");
    *failing_since_p = 0;
    *since_p = 0;
    if (rc == QF_ENOTFOUND)
        return 0;
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read endpoint %s: %s", name,
                             qf_strerror (rc));
    snprintf (state, size, "%s", json_string_value (json_object_get (row, "state")));
    *failing_since_p = json_integer_value (json_object_get (row, "failing_since"));
    *since_p = json_integer_value (json_object_get (row, "since"));
    json_decref (row);
    return 0;
}

/* The message of args.msg_id (*message_p, caller owns); 404 when none. */
static int
s_message (qf_ctx_t *ctx, json_t *args, json_t **message_p)
{
    const char *msg_id = json_string_value (json_object_get (args, "msg_id"));
    int rc = qf_store_notify_get (ctx->store, msg_id, message_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.msg_id",
                             "no notification with msg_id %.80s; `qualflow notify log` lists "
                             "them",
                             msg_id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read notification %.80s: %s", msg_id,
                             qf_strerror (rc));
    return 0;
}

/*  The body of a robot's or an email's message: the event's (type,
    timestamp, data) with its subject and the contacts of its recipients
    (data.recipients, people of the staff directory): "to", their
    {"address", "name"} for email; "mobiles" for DingTalk's @mentions.
    Recipients without an address (a role nobody holds, a person with no
    email or mobile) are left out; *contacts_p says how many are in.
    Caller owns *text_p. */
static int
s_channel_body (qf_ctx_t *ctx, json_t *parsed, int kind, const char *subject,
                const qf_notify_route_t *route, char **text_p, size_t *contacts_p)
{
    json_t *body = json_deep_copy (parsed);
    json_t *contacts = json_array ();
    if (!body || !contacts) {
        json_decref (body);
        json_decref (contacts);
        return QF_ENOMEM;
    }
    json_t *recipients = qf_notify_people (ctx->store, route, json_object_get (body, "data"));
    if (!recipients) {
        json_decref (body);
        json_decref (contacts);
        return QF_ENOMEM;
    }
    size_t i;
    json_t *item;
    json_array_foreach (recipients, i, item)
    {
        json_t *person = NULL;
        if (!json_is_string (item) ||
            qf_staff_get (ctx->store, json_string_value (item), &person) != 0)
            continue;
        const char *email = json_string_value (json_object_get (person, "email"));
        const char *mobile = json_string_value (json_object_get (person, "mobile"));
        const char *name = json_string_value (json_object_get (person, "name"));
        if (kind == QF_NOTIFY_EMAIL && email && *email)
            json_array_append_new (contacts, json_pack ("{s:s, s:s?}", "address", email, "name",
                                                        name));
        else if (kind == QF_NOTIFY_DINGTALK && mobile && *mobile)
            json_array_append_new (contacts, json_string (mobile));
        json_decref (person);
    }
    json_decref (recipients);
    *contacts_p = json_array_size (contacts);
    json_object_set_new (body, kind == QF_NOTIFY_EMAIL ? "to" : "mobiles", contacts);
    if (subject)
        json_object_set_new (body, "subject", json_string (subject));
    *text_p = json_dumps (body, JSON_COMPACT);
    json_decref (body);
    return *text_p ? 0 : QF_ENOMEM;
}

/* notify.exhausted of `message` (a row of notify_messages), failed after
   `attempts` with the last `status` and `error`. */
static int
s_exhausted (qf_ctx_t *ctx, json_t *message, int64_t attempts, int64_t status, const char *error)
{
    return qf_ctx_emit (
        ctx, "notify.exhausted", "notify_message",
        json_integer_value (json_object_get (message, "id")),
        json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:s?, s:[s]}", "msg_id",
                   json_string_value (json_object_get (message, "msg_id")), "endpoint",
                   json_string_value (json_object_get (message, "endpoint")), "topic",
                   json_string_value (json_object_get (message, "topic")), "event_id",
                   json_string_value (json_object_get (message, "event_id")), "attempts",
                   (json_int_t)attempts, "last_status", (json_int_t)status, "last_error", error,
                   "recipients", "admin"));
}

/* An email none of whose recipients has an address cannot be sent: failed
   at once, with notify.exhausted, rather than attempted on the schedule
   (each attempt refused by the server, counted against the endpoint,
   which could end disabled for everyone) or held for a digest to nobody. */
#define NOBODY_ERROR                                                                               \
    "no recipient of this message has an email address in the staff directory: give them one "     \
    "(staff.update --email) or route the topic to another endpoint"

static int
s_nobody (qf_ctx_t *ctx, const char *msg_id)
{
    json_t *message = NULL;
    int rc = qf_store_notify_get (ctx->store, msg_id, &message);
    if (rc == 0)
        rc = qf_store_notify_set (ctx->store, json_integer_value (json_object_get (message, "id")),
                                  "failed", 0, ctx->now, ctx->now);
    if (rc == 0)
        rc = s_exhausted (ctx, message, 0, 0, NOBODY_ERROR);
    json_decref (message);
    return rc;
}

static int
s_enqueue (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *event_id = json_string_value (json_object_get (args, "event_id"));
    const char *topic = json_string_value (json_object_get (args, "topic"));
    const char *body = json_string_value (json_object_get (args, "body"));
    const char *subject = json_string_value (json_object_get (args, "subject"));
    json_t *channel_arg = json_object_get (args, "channel");
    json_t *endpoints = json_object_get (args, "endpoints");
    json_t *parsed = json_loads (body, 0, NULL);
    bool object = json_is_object (parsed);
    if (!object)
        json_decref (parsed);
    if (!object)
        return qf_ctx_error (ctx, QF_EINVAL, "args.body",
                             "args.body must be a JSON object, the message's body as it is sent");
    for (size_t i = 0; i < strlen (event_id); i++)
        if (!strchr ("0123456789abcdefghijklmnopqrstuvwxyz-", event_id[i]))
            return qf_ctx_error (ctx, QF_EINVAL, "args.event_id",
                                 "args.event_id must be an event id: lowercase letters, digits "
                                 "and '-'");
    json_t *ids = json_array ();
    json_t *data = json_object_get (parsed, "data");
    int added = 0, held_count = 0, rc = ids ? 0 : QF_ENOMEM;
    size_t i;
    json_t *item;
    json_array_foreach (endpoints, i, item)
    {
        const char *endpoint = json_string_value (item);
        if (rc)
            break;
        /* Without a channel given, each endpoint's kind is its channel. */
        const qf_notify_endpoint_t *configured = qf_notify_endpoint (ctx->config, endpoint);
        const char *channel = channel_arg ? json_string_value (channel_arg)
                              : configured ? qf_notify_kind_names[configured->kind]
                                           : "webhook";
        if (strcmp (channel, "webhook") == 0 && !configured) {
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.endpoints",
                               "args.endpoints names %.64s, which is not in notify_endpoints: "
                               "add it to the configuration or leave it out",
                               endpoint);
            break;
        }
        char msg_id[160];
        snprintf (msg_id, sizeof msg_id, "msg_%s_%s", event_id, endpoint);
        bool fresh = false;
        char *own = NULL;
        bool held = false;
        size_t contacts = 0;
        if (configured && configured->kind != QF_NOTIFY_WEBHOOK)
            rc = s_channel_body (ctx, parsed, configured->kind, subject,
                                 /* an escalation tells its level, not the route's own */
                                 strcmp (topic, QF_NOTIFY_ESCALATED) == 0
                                     ? NULL
                                     : qf_notify_route_for (ctx->config, topic, data, endpoint),
                                 &own, &contacts);
        bool nobody = configured && configured->kind == QF_NOTIFY_EMAIL && contacts == 0;
        /* Outside working time a person's message waits for its digest. */
        if (!rc && !nobody)
            rc = qf_notify_hold (ctx, configured, event_id, topic, own ? own : body, &held);
        if (!rc && !held)
            rc = qf_store_notify_enqueue (ctx->store, msg_id, endpoint, channel, event_id, topic,
                                          own ? own : body, ctx->now, &fresh);
        if (!rc && nobody && fresh)
            rc = s_nobody (ctx, msg_id);
        free (own);
        if (rc && !ctx->error[0])
            rc = qf_ctx_error (ctx, rc, NULL, "could not enqueue %s: %s", msg_id,
                               qf_strerror (rc));
        else if (!rc && !held && json_array_append_new (ids, json_string (msg_id)) != 0)
            rc = QF_ENOMEM;
        added += fresh;
        held_count += held;
    }
    if (!rc)
        rc = qf_notify_escalations_open (ctx, event_id, topic, subject, data);
    json_decref (parsed);
    if (rc) {
        json_decref (ids);
        return rc;
    }
    *result_p = json_pack ("{s:i, s:o, s:i}", "added", added, "messages", ids, "held", held_count);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_due (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const qf_notify_config_t *notify = qf_notify_config (ctx->config);
    json_t *limit = json_object_get (args, "limit");
    json_t *per_endpoint = json_object_get (args, "per_endpoint");
    int most = limit ? (int)json_integer_value (limit) : 100;
    json_t *items = NULL;
    int rc = qf_store_notify_due (ctx->store, qf_ctx_who (ctx), ctx->now,
                                  ctx->now + notify->lease_ms, most,
                                  per_endpoint ? (int)json_integer_value (per_endpoint) : most,
                                  json_object_get (args, "exclude"), &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the due notifications: %s",
                             qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:I}", "items", items, "lease_until",
                           (json_int_t)(ctx->now + notify->lease_ms));
    return *result_p ? 0 : QF_ENOMEM;
}

/* After a failed attempt at `endpoint`: notes since when it fails, and
   disables it once that is notify.disable_after_s ago. */
static int
s_endpoint_failed (qf_ctx_t *ctx, const char *endpoint, int64_t status, const char *error)
{
    char state[16];
    int64_t failing_since, since;
    int rc = s_endpoint_state (ctx, endpoint, state, sizeof state, &failing_since, &since);
    if (rc)
        return rc;
    if (strcmp (state, "enabled") != 0)
        return 0;
    if (!failing_since)
        return qf_store_notify_endpoint_put (ctx->store, endpoint, "enabled", since ? since : ctx->now,
                                             ctx->now, NULL);
    int64_t after = qf_notify_config (ctx->config)->disable_after_s * 1000;
    if (ctx->now - failing_since < after)
        return 0;
    char reason[256];
    snprintf (reason, sizeof reason, "every attempt failed for %lld s (last: %s%lld%s%.120s)",
              (long long)((ctx->now - failing_since) / 1000), status ? "HTTP " : "status ",
              (long long)status, error ? ", " : "", error ? error : "");
    rc = qf_store_notify_endpoint_put (ctx->store, endpoint, "disabled", ctx->now, failing_since,
                                       reason);
    if (rc)
        return rc;
    return qf_emit_named (ctx->store, ctx->now, "notify.endpoint_disabled", "notify_endpoint",
                          endpoint,
                          json_pack ("{s:s, s:I, s:s, s:[s]}", "endpoint", endpoint,
                                   "failing_since", (json_int_t)failing_since, "reason", reason,
                                   "recipients", "admin"));
}

/* Records one attempt (`report`: status, latency_ms, error) of `message`
   (a row of notify_messages) and what follows from it; *result_p gets
   {msg_id, state, attempts, next_at}. */
static int
s_record (qf_ctx_t *ctx, json_t *message, json_t *report, json_t **result_p)
{
    int rc;
    int64_t id = json_integer_value (json_object_get (message, "id"));
    int64_t attempts = json_integer_value (json_object_get (message, "attempts"));
    const char *endpoint = json_string_value (json_object_get (message, "endpoint"));
    const char *state = json_string_value (json_object_get (message, "state"));
    int64_t status = json_integer_value (json_object_get (report, "status"));
    int64_t latency = json_integer_value (json_object_get (report, "latency_ms"));
    const char *error = json_string_value (json_object_get (report, "error"));
    /* A robot answering 200 with an error code is a failed attempt: the
       worker reports its status with the error. */
    bool ok = status >= 200 && status < 300 && !error;
    const qf_notify_config_t *notify = qf_notify_config (ctx->config);

    /* An attempt of a message no longer pending (sent by another worker
       once the lease of a slow one ended) is recorded and changes
       nothing: at least once, and never back. */
    bool pending = strcmp (state, "pending") == 0;
    rc = qf_store_notify_attempt_add (ctx->store, id, attempts + 1, ctx->now, status, latency,
                                      error, qf_ctx_who (ctx));
    const char *next_state = state;
    int64_t next_at = json_integer_value (json_object_get (message, "next_at"));
    if (rc == 0 && pending) {
        attempts++;
        if (ok)
            next_state = "sent";
        else if ((size_t)attempts >= notify->retry_count)
            next_state = "failed";
        else
            next_at = ctx->now + (int64_t)notify->retry_schedule[attempts] * 1000;
        rc = qf_store_notify_set (ctx->store, id, next_state, attempts, next_at, ctx->now);
    }
    if (rc == 0 && ok) {
        char endpoint_state[16];
        int64_t failing_since, since;
        rc = s_endpoint_state (ctx, endpoint, endpoint_state, sizeof endpoint_state,
                               &failing_since, &since);
        if (rc == 0 && failing_since)
            rc = qf_store_notify_endpoint_put (ctx->store, endpoint, endpoint_state, since, 0,
                                               NULL);
    } else if (rc == 0)
        rc = s_endpoint_failed (ctx, endpoint, status, error);
    if (rc == 0 && pending && strcmp (next_state, "failed") == 0)
        rc = s_exhausted (ctx, message, attempts, status, error);
    if (rc == 0) {
        *result_p = json_pack ("{s:s, s:s, s:I, s:I}", "msg_id",
                               json_string_value (json_object_get (message, "msg_id")), "state",
                               next_state, "attempts", (json_int_t)attempts, "next_at",
                               (json_int_t)next_at);
        rc = *result_p ? 0 : QF_ENOMEM;
    } else if (!ctx->error[0])
        rc = qf_ctx_error (ctx, rc, NULL, "could not record the attempt: %s", qf_strerror (rc));
    return rc;
}

static int
s_attempt (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *message = NULL;
    int rc = s_message (ctx, args, &message);
    if (rc == 0)
        rc = s_record (ctx, message, args, result_p);
    json_decref (message);
    return rc;
}

/* Checks report i of notify.attempts as the spec checks notify.attempt's
   arguments; 0 or QF_EINVAL with the field and the rule said. */
static int
s_report_check (qf_ctx_t *ctx, size_t i, json_t *report)
{
    static const struct {
        const char *key;
        bool text, required;
        int64_t min, max;
    } rules[] = {{"msg_id", true, true, 1, 160},
                 {"status", false, true, 0, 999},
                 {"latency_ms", false, true, 0, 86400000},
                 {"error", true, false, 1, 512}};
    char field[64];
    if (!json_is_object (report)) {
        snprintf (field, sizeof field, "args.reports[%zu]", i);
        return qf_ctx_error (ctx, QF_EINVAL, field,
                             "%s must be an object {msg_id, status, latency_ms, error}", field);
    }
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        json_t *value = json_object_get (report, rules[r].key);
        snprintf (field, sizeof field, "args.reports[%zu].%s", i, rules[r].key);
        if ((!value || json_is_null (value)) && !rules[r].required)
            continue;
        int64_t size = !value          ? -1
                       : rules[r].text ? (json_is_string (value)
                                              ? (int64_t)json_string_length (value)
                                              : -1)
                       : json_is_integer (value) ? json_integer_value (value)
                                                 : -1;
        if (size < rules[r].min || size > rules[r].max)
            return qf_ctx_error (ctx, QF_EINVAL, field,
                                 "%s must be %s %lld to %lld%s, as notify.attempt takes it",
                                 field, rules[r].text ? "a text of" : "an integer from",
                                 (long long)rules[r].min, (long long)rules[r].max,
                                 rules[r].text ? " bytes" : "");
    }
    return 0;
}

/* notify.attempt for many: each report recorded as notify.attempt records
   it, in one command (one round trip, one savepoint). A report of a
   message not on record is answered with its error and the others are
   recorded; a report not well formed refuses them all. */
static int
s_attempts (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *reports = json_loads (json_string_value (json_object_get (args, "reports")), 0, NULL);
    if (!json_is_array (reports) || json_array_size (reports) > QF_NOTIFY_REPORTS_MAX) {
        json_decref (reports);
        return qf_ctx_error (ctx, QF_EINVAL, "args.reports",
                             "args.reports must be a JSON array of at most %d reports "
                             "{msg_id, status, latency_ms, error}",
                             QF_NOTIFY_REPORTS_MAX);
    }
    json_t *items = json_array ();
    int rc = items ? 0 : QF_ENOMEM;
    size_t i;
    json_t *report;
    json_array_foreach (reports, i, report)
    {
        if (rc == 0)
            rc = s_report_check (ctx, i, report);
    }
    json_array_foreach (reports, i, report)
    {
        if (rc)
            break;
        const char *msg_id = json_string_value (json_object_get (report, "msg_id"));
        json_t *message = NULL, *result = NULL;
        rc = qf_store_notify_get (ctx->store, msg_id, &message);
        if (rc == QF_ENOTFOUND) {
            result = json_pack ("{s:s, s:s}", "msg_id", msg_id, "error",
                                "no notification with this msg_id");
            rc = result ? 0 : QF_ENOMEM;
        } else if (rc)
            rc = qf_ctx_error (ctx, rc, NULL, "could not read notification %.80s: %s", msg_id,
                               qf_strerror (rc));
        else
            rc = s_record (ctx, message, report, &result);
        json_decref (message);
        if (rc == 0 && json_array_append_new (items, result) != 0)
            rc = QF_ENOMEM;
    }
    json_decref (reports);
    if (rc) {
        json_decref (items);
        return rc;
    }
    *result_p = json_pack ("{s:o}", "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_endpoints (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    (void)args;
    const qf_notify_config_t *notify = qf_notify_config (ctx->config);
    json_t *items = json_array ();
    int rc = items ? 0 : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < notify->endpoint_count; i++) {
        const qf_notify_endpoint_t *endpoint = &notify->endpoints[i];
        char state[16];
        int64_t failing_since, since;
        json_t *counts = NULL, *last = NULL;
        rc = s_endpoint_state (ctx, endpoint->name, state, sizeof state, &failing_since, &since);
        if (rc == 0)
            rc = qf_store_notify_counts (ctx->store, endpoint->name, &counts, &last);
        if (rc)
            break;
        json_t *types = json_array ();
        for (size_t t = 0; types && t < endpoint->event_type_count; t++)
            json_array_append_new (types, json_string (endpoint->event_types[t]));
        int64_t until = qf_notify_utc_ms (endpoint->previous_until);
        json_t *no = json_null ();
        json_t *row = json_pack (
            "{s:s, s:s, s:s, s:o, s:o, s:o, s:i, s:b, s:O, s:O, s:O, s:O, s:O}", "name",
            endpoint->name, "url", endpoint->url, "state", state, "since",
            since ? json_integer (since) : json_null (), "failing_since",
            failing_since ? json_integer (failing_since) : json_null (), "event_types",
            types ? types : json_array (), "rate_per_second", endpoint->rate_per_second,
            "rotating", endpoint->previous_secret && endpoint->previous_secret[0] && until > ctx->now, "pending",
            json_object_get (counts, "pending"), "sent", json_object_get (counts, "sent"),
            "failed", json_object_get (counts, "failed"), "last_status",
            json_is_object (last) ? json_object_get (last, "status") : no, "last_error",
            json_is_object (last) && json_object_get (last, "error")
                ? json_object_get (last, "error")
                : no);
        json_decref (counts);
        json_decref (last);
        if (!row || json_array_append_new (items, row) != 0)
            rc = QF_ENOMEM;
    }
    if (rc) {
        json_decref (items);
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not list the endpoints: %s",
                                             qf_strerror (rc));
    }
    *result_p = json_pack ("{s:o}", "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_log (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    if (json_object_get (args, "msg_id")) {
        json_t *message = NULL, *attempts = NULL;
        int rc = s_message (ctx, args, &message);
        if (rc)
            return rc;
        rc = qf_store_notify_attempts (ctx->store,
                                       json_integer_value (json_object_get (message, "id")),
                                       &attempts);
        if (rc == 0)
            rc = json_object_set_new (message, "attempt_log", attempts) ? QF_ENOMEM : 0;
        if (rc) {
            json_decref (message);
            return qf_ctx_error (ctx, rc, NULL, "could not read the attempts: %s",
                                 qf_strerror (rc));
        }
        *result_p = message;
        return 0;
    }
    json_t *limit_arg = json_object_get (args, "limit");
    int limit = limit_arg ? (int)json_integer_value (limit_arg) : 100;
    json_t *items = NULL;
    int rc = qf_store_notify_list (
        ctx->store, json_string_value (json_object_get (args, "endpoint")),
        json_string_value (json_object_get (args, "state")),
        json_integer_value (json_object_get (args, "next")), limit, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list the notifications: %s",
                             qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, limit));
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_replay (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *message = NULL;
    int rc = s_message (ctx, args, &message);
    if (rc)
        return rc;
    const char *endpoint = json_string_value (json_object_get (message, "endpoint"));
    char state[16];
    int64_t failing_since, since;
    rc = s_endpoint_state (ctx, endpoint, state, sizeof state, &failing_since, &since);
    if (rc == 0 && strcmp (state, "enabled") != 0)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.msg_id",
                           "endpoint %s is disabled: enable it first (`qualflow notify enable "
                           "%s`)",
                           endpoint, endpoint);
    if (rc == 0)
        rc = qf_store_notify_set (ctx->store, json_integer_value (json_object_get (message, "id")),
                                  "pending", 0, ctx->now, ctx->now);
    if (rc == 0) {
        json_decref (message);
        message = NULL;
        rc = s_message (ctx, args, &message);
    }
    if (rc) {
        json_decref (message);
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not replay: %s",
                                             qf_strerror (rc));
    }
    json_object_del (message, "body");
    *result_p = message;
    return 0;
}

static int
s_test (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *endpoint = json_string_value (json_object_get (args, "endpoint"));
    char when[32], event_id[40], msg_id[160];
    qf_time_format (ctx->now, when, sizeof when);
    /* A test message tells of no event: its id is made from the time, and
       two tests of one endpoint in the same millisecond are one. */
    snprintf (event_id, sizeof event_id, "test-%lld", (long long)ctx->now);
    snprintf (msg_id, sizeof msg_id, "msg_%s_%s", event_id, endpoint);
    json_t *body = json_pack ("{s:s, s:s, s:{s:s, s:s}}", "type", "notify.test", "timestamp",
                              when, "data", "endpoint", endpoint, "by", qf_ctx_who (ctx));
    char *text = body ? json_dumps (body, JSON_COMPACT) : NULL;
    json_decref (body);
    if (!text)
        return QF_ENOMEM;
    /* A robot's or an email's test goes by its kind; it names no
       recipient, so an email test has nobody to go to (its log says so). */
    const qf_notify_endpoint_t *configured = qf_notify_endpoint (ctx->config, endpoint);
    int kind = configured ? configured->kind : QF_NOTIFY_WEBHOOK;
    char *own = NULL;
    int rc = 0;
    if (kind != QF_NOTIFY_WEBHOOK) {
        json_t *parsed = json_loads (text, 0, NULL);
        size_t contacts = 0;
        rc = parsed ? s_channel_body (ctx, parsed, kind, "notify.test", NULL, &own, &contacts)
                    : QF_ENOMEM;
        json_decref (parsed);
    }
    bool fresh = false;
    if (rc == 0)
        rc = qf_store_notify_enqueue (ctx->store, msg_id, endpoint, qf_notify_kind_names[kind],
                                      event_id, "notify.test", own ? own : text, ctx->now, &fresh);
    free (own);
    free (text);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not enqueue the test: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:s, s:b}", "msg_id", msg_id, "endpoint", endpoint, "added",
                           fresh);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_enable (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *endpoint = json_string_value (json_object_get (args, "endpoint"));
    int rc = qf_store_notify_endpoint_put (ctx->store, endpoint, "enabled", ctx->now, 0, NULL);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not enable %s: %s", endpoint,
                             qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:s, s:I}", "endpoint", endpoint, "state", "enabled", "since",
                           (json_int_t)ctx->now);
    return *result_p ? 0 : QF_ENOMEM;
}

const qf_handler_t qf_notify_handlers[] = {
    {"notify.enqueue", s_enqueue},     {"notify.due", s_due},
    {"notify.attempt", s_attempt},     {"notify.attempts", s_attempts},
    {"notify.endpoints", s_endpoints}, {"notify.log", s_log},
    {"notify.replay", s_replay},       {"notify.test", s_test},
    {"notify.enable", s_enable},       {"notify.escalations", qf_notify_escalations_cmd},
    {"notify.held", qf_notify_held_cmd}, {NULL, NULL},
};
