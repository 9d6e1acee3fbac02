/*  notify_quiet — quiet hours (notify_wait.h): people's messages that come
    outside working time are held per recipient and go out as one digest
    each when working time begins. */
#include "notify/notify_store.h"
#include "notify/notify_wait.h"
#include "notify/notify_wait_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGESTS_PER_PASS 16 /* (endpoint, recipient) digests made per tick pass at most */

int
qf_notify_hold (qf_ctx_t *ctx, const qf_notify_endpoint_t *endpoint, const char *event_id,
                const char *topic, const char *body, bool *held_p)
{
    *held_p = false;
    const qf_notify_config_t *notify = qf_notify_config (ctx->config);
    if (!notify->quiet_hours || !endpoint || endpoint->kind == QF_NOTIFY_WEBHOOK ||
        qf_notify_urgent (ctx->config, topic) ||
        qf_calendar_is_working_time (ctx->config, ctx->now))
        return 0;
    int64_t release = qf_calendar_working_time_from (ctx->config, ctx->now);
    if (release <= ctx->now)
        return 0; /* no working time ahead in the calendar: sent rather than lost */
    /* An email's recipients each get their own digest; a robot's group is
       one recipient. */
    json_t *parsed = endpoint->kind == QF_NOTIFY_EMAIL ? json_loads (body, 0, NULL) : NULL;
    json_t *to = json_object_get (parsed, "to");
    int rc = 0;
    size_t count = json_array_size (to) ? json_array_size (to) : 1;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        const char *address =
            json_string_value (json_object_get (json_array_get (to, i), "address"));
        rc = qf_store_held_add (ctx->store, endpoint->name, address ? address : "", event_id, topic,
                                body, release, ctx->now, NULL);
    }
    json_decref (parsed);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not hold the message of %s for %s: %s", event_id,
                             endpoint->name, qf_strerror (rc));
    *held_p = true;
    return 0;
}

/* Appends the unique strings of `from` to `into`. */
static void
s_merge (json_t *into, json_t *from)
{
    size_t i, j;
    json_t *item, *have;
    json_array_foreach (from, i, item)
    {
        bool there = false;
        json_array_foreach (into, j, have)
        {
            there = there || json_equal (have, item);
        }
        if (!there)
            json_array_append (into, item);
    }
}

/* One digest: the held messages of (endpoint, recipient) released at
   `now`, as one pending message of type notify.digest. */
static int
s_digest (qf_store_t *store, const qf_config_t *config, int64_t now, const char *endpoint,
          const char *recipient)
{
    const qf_notify_config_t *notify = qf_notify_config (config);
    const qf_notify_endpoint_t *configured = qf_notify_endpoint (config, endpoint);
    json_t *held = NULL;
    int rc = qf_store_held_of (store, endpoint, recipient, now, notify->digest_max, &held);
    if (rc || json_array_size (held) == 0) {
        json_decref (held);
        return rc;
    }
    char when[32];
    qf_time_format (now, when, sizeof when);
    json_t *items = json_array (), *to = json_array (), *mobiles = json_array ();
    size_t i;
    json_t *row;
    json_array_foreach (held, i, row)
    {
        json_t *body = json_loads (json_string_value (json_object_get (row, "body")), 0, NULL);
        if (!json_is_object (body)) {
            json_decref (body);
            continue; /* written by this module: not expected */
        }
        json_t *mine = json_object_get (body, "to");
        size_t j;
        json_t *contact;
        json_array_foreach (mine, j, contact)
        {
            const char *address = json_string_value (json_object_get (contact, "address"));
            if (address && strcmp (address, recipient) == 0 && json_array_size (to) == 0)
                json_array_append (to, contact);
        }
        s_merge (mobiles, json_object_get (body, "mobiles"));
        json_array_append_new (items, json_pack ("{s:O?, s:O?, s:O?, s:O?, s:O?}", "type",
                                                 json_object_get (body, "type"), "timestamp",
                                                 json_object_get (body, "timestamp"), "data",
                                                 json_object_get (body, "data"), "subject",
                                                 json_object_get (body, "subject"), "event_id",
                                                 json_object_get (row, "event_id")));
        json_decref (body);
    }
    int64_t first = json_integer_value (json_object_get (json_array_get (held, 0), "id"));
    char event_id[48], msg_id[160];
    snprintf (event_id, sizeof event_id, "digest-%lld", (long long)first);
    snprintf (msg_id, sizeof msg_id, "msg_%s_%s", event_id, endpoint);
    json_t *digest =
        json_pack ("{s:s, s:s, s:{s:I, s:s, s:o}, s:o, s:o}", "type", QF_NOTIFY_DIGEST, "timestamp",
                   when, "data", "count", (json_int_t)json_array_size (items), "recipient",
                   recipient, "items", items, "to", to, "mobiles", mobiles);
    char *text = digest ? json_dumps (digest, JSON_COMPACT) : NULL;
    json_decref (digest);
    rc = text ? 0 : QF_ENOMEM;
    if (rc == 0)
        rc = qf_store_notify_enqueue (
            store, msg_id, endpoint,
            qf_notify_kind_names[configured ? configured->kind : QF_NOTIFY_WEBHOOK], event_id,
            QF_NOTIFY_DIGEST, text, now, NULL);
    free (text);
    json_array_foreach (held, i, row)
    {
        if (rc == 0)
            rc = qf_store_held_delete (store, json_integer_value (json_object_get (row, "id")));
    }
    json_decref (held);
    return rc;
}

int
qf_notify_digests_release (qf_store_t *store, const qf_config_t *config, int64_t now, int *made_p)
{
    json_t *pairs = NULL;
    int rc = qf_store_held_due (store, now, DIGESTS_PER_PASS, &pairs);
    size_t i;
    json_t *pair;
    json_array_foreach (pairs, i, pair)
    {
        if (rc == 0)
            rc = s_digest (store, config, now,
                           json_string_value (json_object_get (pair, "endpoint")),
                           json_string_value (json_object_get (pair, "recipient")));
        if (rc == 0 && made_p)
            (*made_p)++;
    }
    json_decref (pairs);
    return rc;
}

int
qf_notify_held_cmd (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit_arg = json_object_get (args, "limit");
    int limit = limit_arg ? (int)json_integer_value (limit_arg) : 100;
    json_t *items = NULL;
    int rc = qf_store_held_list (ctx->store, json_integer_value (json_object_get (args, "next")),
                                 limit, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list the held notifications: %s",
                             qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, limit));
    return *result_p ? 0 : QF_ENOMEM;
}
