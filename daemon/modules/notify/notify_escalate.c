/*  notify_escalate — a route's action and its escalation (notify_wait.h):
    opened when the event's messages are handed in, ended by the done
    event's own commit (the observe hook), raised a level at a time from
    the module's tick. */
#include "notify/notify_wait.h"
#include "notify/notify_wait_store.h"
#include "staff/staff.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_commands.h"
#include "qf_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ESCALATIONS_PER_TICK 32 /* escalations raised per tick pass at most */
#define MANAGEMENT           "management"

/* Whether a store may have escalations that an event could end, so that
   the observe hook, which every event of every command pays, costs a
   look at one flag while there are none. A store is watched from its
   store_open to its store_close (a few at once in tests). Set when an
   escalation opens; cleared by the tick only when the committed state
   has none (a rolled-back batch cannot bring one back behind it). */
#define WATCHED_MAX 16
static struct {
    const qf_store_t *store;
    bool maybe;
} s_watched[WATCHED_MAX];

/* The slot of `store` (NULL: a free one); -1 when none. */
static int
s_slot (const qf_store_t *store)
{
    for (int i = 0; i < WATCHED_MAX; i++)
        if (s_watched[i].store == store)
            return i;
    return -1;
}

void
qf_notify_watch (const qf_store_t *store, bool on)
{
    int slot = s_slot (on ? NULL : store);
    if (slot < 0)
        return; /* more stores than slots: theirs look at every event */
    s_watched[slot].store = on ? store : NULL;
    s_watched[slot].maybe = true;
}

/* Whether events in `store` may end an escalation: true unless its
   committed state was seen to have none since the last one opened. */
static bool
s_maybe (const qf_store_t *store)
{
    int slot = s_slot (store);
    return slot < 0 || s_watched[slot].maybe;
}

static void
s_set_maybe (const qf_store_t *store, bool maybe)
{
    int slot = s_slot (store);
    if (slot >= 0)
        s_watched[slot].maybe = maybe;
}

json_t *
qf_notify_people (qf_store_t *store, const qf_notify_route_t *route, json_t *payload)
{
    json_t *people = json_array ();
    json_t *given = json_object_get (payload, "recipients");
    size_t i;
    json_t *item;
    int rc = people ? 0 : QF_ENOMEM;
    json_array_foreach (given, i, item)
    {
        if (rc == 0 && json_is_string (item))
            rc = qf_staff_name_add (people, json_string_value (item));
    }
    for (size_t r = 0; rc == 0 && route && r < route->recipient_count; r++)
        rc = qf_staff_name_add (people, route->recipients[r]);
    if (rc == 0)
        rc = qf_staff_address (store, people);
    if (rc) {
        json_decref (people);
        return NULL;
    }
    return people;
}

/* The route's done topics as a JSON array. */
static json_t *
s_done (const qf_notify_route_t *route)
{
    json_t *done = json_array ();
    for (size_t i = 0; done && i < route->done_count; i++)
        if (json_array_append_new (done, json_string (route->done[i]))) {
            json_decref (done);
            return NULL;
        }
    return done;
}

/* Opens route's escalation of the event. */
static int
s_open (qf_ctx_t *ctx, const qf_notify_route_t *route, const char *event_id, const char *topic,
        const char *subject, json_t *payload)
{
    json_t *done = s_done (route);
    json_t *people = qf_notify_people (ctx->store, route, payload);
    char *done_text = done ? json_dumps (done, JSON_COMPACT) : NULL;
    char *people_text = people ? json_dumps (people, JSON_COMPACT) : NULL;
    char *payload_text = json_dumps (payload, JSON_COMPACT);
    int rc = done_text && people_text && payload_text ? 0 : QF_ENOMEM;
    bool already = false;
    int64_t added = 0;
    if (rc == 0)
        rc = qf_store_escalation_done_since (ctx->store, event_id, ctx->event_seq, subject, done,
                                             &already);
    int64_t due = qf_calendar_add_working_minutes (ctx->config, ctx->now,
                                                   (int64_t)route->escalate_after_hours * 60);
    if (rc == 0)
        rc = qf_store_escalation_open (ctx->store, route->name, event_id, topic, subject, done_text,
                                       people_text, payload_text, due, ctx->now, &added);
    if (rc == 0 && added)
        s_set_maybe (ctx->store, true);
    /* Done before the worker handed the event in: on record, and ended
       (this one: others of the subject wait for their own actions). */
    if (rc == 0 && added && already)
        rc = qf_store_escalation_done (ctx->store, added, "(before the escalation opened)",
                                       ctx->now);
    free (done_text);
    free (people_text);
    free (payload_text);
    json_decref (done);
    json_decref (people);
    return rc;
}

int
qf_notify_escalations_open (qf_ctx_t *ctx, const char *event_id, const char *topic,
                            const char *subject, json_t *payload)
{
    /* An escalation's own event asks for nothing more. */
    if (strcmp (topic, QF_NOTIFY_ESCALATED) == 0 || !subject || !*subject)
        return 0;
    const qf_notify_config_t *notify = qf_notify_config (ctx->config);
    for (size_t r = 0; r < notify->route_count; r++) {
        const qf_notify_route_t *route = &notify->routes[r];
        if (route->done_count == 0 || !qf_notify_route_takes (route, topic, payload))
            continue;
        int rc = s_open (ctx, route, event_id, topic, subject, payload);
        if (rc)
            return qf_ctx_error (ctx, rc, NULL, "could not open the escalation of %s by %s: %s",
                                 event_id, route->name, qf_strerror (rc));
    }
    return 0;
}

int
qf_notify_observe (qf_store_t *store, int64_t time, const char *topic, const char *subject)
{
    if (!s_maybe (store))
        return 0;
    json_t *open = NULL;
    int rc = qf_store_escalations_of (store, subject, &open);
    size_t i;
    json_t *row;
    json_array_foreach (open, i, row)
    {
        json_t *done = json_loads (json_string_value (json_object_get (row, "done")), 0, NULL);
        size_t j;
        json_t *pattern;
        bool matches = false;
        json_array_foreach (done, j, pattern)
        {
            matches = matches || qf_topic_matches (json_string_value (pattern), topic);
        }
        json_decref (done);
        if (rc == 0 && matches)
            rc = qf_store_escalation_done (store, json_integer_value (json_object_get (row, "id")),
                                           topic, time);
    }
    json_decref (open);
    return rc;
}

/* The next level's people after `level` ones: their supervisors (staff
   directory, the nearest active one up each chain), or management when
   none of them has one or when it is the last of at least two levels;
   *final_p says that no level follows. A new array. */
static json_t *
s_next_level (qf_store_t *store, json_t *level, int next, int depth, bool *final_p)
{
    json_t *people = json_array ();
    if (!people)
        return NULL;
    *final_p = next >= depth;
    if (!(next >= 2 && next >= depth)) {
        size_t i;
        json_t *item;
        json_array_foreach (level, i, item)
        {
            char supervisor[128];
            if (json_is_string (item) &&
                qf_staff_supervisor_of (store, json_string_value (item), supervisor,
                                        sizeof supervisor) == 0 &&
                qf_staff_name_add (people, supervisor) != 0) {
                json_decref (people);
                return NULL;
            }
        }
    }
    if (json_array_size (people) == 0) {
        *final_p = true;
        if (qf_staff_name_add (people, MANAGEMENT) != 0 || qf_staff_address (store, people) != 0) {
            json_decref (people);
            return NULL;
        }
    }
    return people;
}

typedef struct {
    const qf_config_t *config;
    int64_t now;
    json_t *due;
    int raised;
} s_pass_t;

/* Raises one due escalation a level. */
static int
s_escalate (qf_store_t *store, s_pass_t *pass, json_t *row)
{
    int64_t id = json_integer_value (json_object_get (row, "id"));
    int64_t level = json_integer_value (json_object_get (row, "level")) + 1;
    const char *name = json_string_value (json_object_get (row, "route"));
    const qf_notify_route_t *route = qf_notify_route_named (pass->config, name);
    json_t *before = json_object_get (row, "recipients");
    if (!route || route->done_count == 0) {
        /* Its route is gone from the configuration: nobody to tell. */
        qf_warn ("escalation %lld: route %s no longer asks for an action; it stops", (long long)id,
                 name);
        char *text = json_dumps (before, JSON_COMPACT);
        int rc =
            text ? qf_store_escalation_set (store, id, level - 1, text, "escalated", 0, pass->now)
                 : QF_ENOMEM;
        free (text);
        return rc;
    }
    bool final = false;
    json_t *people = s_next_level (store, before, (int)level, route->escalate_depth, &final);
    json_t *payload = json_loads (json_string_value (json_object_get (row, "payload")), 0, NULL);
    char *text = people ? json_dumps (people, JSON_COMPACT) : NULL;
    int rc = text && json_is_object (payload) ? 0 : QF_ENOMEM;
    int64_t hours = route->escalate_after_hours;
    if (rc == 0) {
        json_object_set (payload, "recipients", people);
        json_object_set_new (payload, "route", json_string (route->name));
        json_object_set_new (
            payload, "escalation",
            json_pack ("{s:I, s:I, s:I, s:b, s:s, s:s, s:s, s:O, s:I}", "id", (json_int_t)id,
                       "level", (json_int_t)level, "depth", (json_int_t)route->escalate_depth,
                       "final", final, "event_id",
                       json_string_value (json_object_get (row, "event_id")), "topic",
                       json_string_value (json_object_get (row, "topic")), "subject",
                       json_string_value (json_object_get (row, "subject")), "previous", before,
                       "after_hours", (json_int_t)(hours * level)));
        rc = qf_emit (store, pass->now, QF_NOTIFY_ESCALATED, "notify_escalation", id,
                      json_incref (payload));
    }
    if (rc == 0)
        rc = qf_store_escalation_set (
            store, id, level, text, final ? "escalated" : "open",
            final ? 0 : qf_calendar_add_working_minutes (pass->config, pass->now, hours * 60),
            pass->now);
    if (rc == 0)
        pass->raised++;
    free (text);
    json_decref (payload);
    json_decref (people);
    return rc;
}

static int
s_escalate_due (qf_store_t *store, void *arg)
{
    s_pass_t *pass = arg;
    size_t i;
    json_t *row;
    json_array_foreach (pass->due, i, row)
    {
        int rc = s_escalate (store, pass, row);
        if (rc)
            return rc;
    }
    return 0;
}

static int
s_release (qf_store_t *store, void *arg)
{
    s_pass_t *pass = arg;
    return qf_notify_digests_release (store, pass->config, pass->now, &pass->raised);
}

int
qf_notify_tick (qf_store_t *store, const qf_config_t *config, int64_t now, int *raised_p)
{
    s_pass_t pass = {config, now, NULL, 0};
    if (raised_p)
        *raised_p = 0;
    int rc = qf_store_escalations_due (store, now, ESCALATIONS_PER_TICK, &pass.due);
    if (rc == 0 && json_array_size (pass.due) > 0)
        rc = qf_store_in_savepoint (store, s_escalate_due, &pass);
    json_decref (pass.due);
    if (rc) {
        qf_error ("escalations could not be raised (%s); they will be tried again",
                  qf_strerror (rc));
        return rc;
    }
    int escalated = pass.raised;
    bool any = true, settled = false;
    if (s_maybe (store) && qf_store_escalations_any (store, &any, &settled) == 0 && settled)
        s_set_maybe (store, any);
    json_t *held = NULL;
    rc = qf_store_held_due (store, now, 1, &held);
    if (rc == 0 && json_array_size (held) > 0) {
        pass.raised = 0;
        rc = qf_store_in_savepoint (store, s_release, &pass);
        if (rc == 0 && pass.raised)
            qf_info ("%d digest%s of notifications held outside working time", pass.raised,
                     pass.raised == 1 ? "" : "s");
    }
    json_decref (held);
    if (rc) {
        qf_error ("held notifications could not be released (%s); they will be tried again",
                  qf_strerror (rc));
        return rc;
    }
    if (escalated)
        qf_info ("%d escalation%s raised", escalated, escalated == 1 ? "" : "s");
    if (raised_p)
        *raised_p = escalated;
    return 0;
}

int
qf_notify_escalations_cmd (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit_arg = json_object_get (args, "limit");
    int limit = limit_arg ? (int)json_integer_value (limit_arg) : 100;
    json_t *items = NULL;
    int rc = qf_store_escalations_list (
        ctx->store, json_string_value (json_object_get (args, "state")),
        json_integer_value (json_object_get (args, "next")), limit, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list the escalations: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, limit));
    return *result_p ? 0 : QF_ENOMEM;
}
