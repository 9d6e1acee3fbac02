/*  notify_wait_store — the notifications that wait, in the store (the
    module's migration 2, module.c). See qf_store.h for the conventions: 0
    or a QF_E* code, inside the batch transaction, JSON records owned by
    the caller.

    An escalation is a row per (route, event) whose route asks for an
    action (notify_routes' done): the event's subject, the done topics (a
    JSON array of patterns), its level (0: the event's own recipients were
    told), the recipients of that level (a JSON array), the payload the
    event carried, when the next level is due, and its state: open (the
    next level waits for due_at), escalated (the last level was told; it
    still ends when the action is done) or done (done_by: the topic that
    did it, done_at).

    A held message is a row per (event, endpoint, recipient) that arrived
    outside working time for people: the body it would have been sent
    with, and when working time begins (release_at). A recipient is an
    email address for email endpoints, "" for a group robot (the group is
    the recipient). */
#ifndef QF_NOTIFY_WAIT_STORE_H
#define QF_NOTIFY_WAIT_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (from the module's store_open). */
int qf_notify_wait_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Opens the escalation of `event_id` by `route` unless one is on record
    (*id_p: the new one's id, 0 when it was there). done and recipients are JSON arrays as text,
    payload a JSON object as text. */
int qf_store_escalation_open (qf_store_t *self, const char *route, const char *event_id,
                              const char *topic, const char *subject, const char *done,
                              const char *recipients, const char *payload, int64_t due_at,
                              int64_t now, int64_t *id_p);

/*  The escalations of `subject` that an action may still end (open or
    escalated): [{id, done}] (done: the JSON array as text). */
int qf_store_escalations_of (qf_store_t *self, const char *subject, json_t **list_p);

/*  Marks escalation `id` done by `topic` at `now`. */
int qf_store_escalation_done (qf_store_t *self, int64_t id, const char *topic, int64_t now);

/*  At most `limit` open escalations due at `now`, soonest first: [{id,
    route, event_id, topic, subject, level, recipients, payload}]
    (recipients and payload as text). */
int qf_store_escalations_due (qf_store_t *self, int64_t now, int limit, json_t **list_p);

/*  Sets escalation `id`'s level, recipients (JSON text), state and next
    due time. */
int qf_store_escalation_set (qf_store_t *self, int64_t id, int64_t level, const char *recipients,
                             const char *state, int64_t due_at, int64_t now);

/*  Escalations with id > after, by id, at most `limit`; state ignored
    when NULL: [{id, route, event_id, topic, subject, level, recipients
    (an array), state, due_at, done_by, done_at, created, updated}]. */
int qf_store_escalations_list (qf_store_t *self, const char *state, int64_t after, int limit,
                               json_t **list_p);

/*  Whether an event of one of `done` (a JSON array of topic patterns)
    about `subject` was appended after event `event_id`: the action was
    done before its escalation was opened (the worker was behind). Reads
    at most QF_NOTIFY_DONE_SCAN events after it. `seq` is the event's seq
    when the caller knows it (a worker's result: qf_ctx_t.event_seq), else
    0: the event is then looked for by id among the newest
    QF_NOTIFY_ID_SCAN events (the log has no index on ids), and one not
    found there counts as not done. */
#define QF_NOTIFY_DONE_SCAN 100000
#define QF_NOTIFY_ID_SCAN   10000
int qf_store_escalation_done_since (qf_store_t *self, const char *event_id, uint64_t seq,
                                    const char *subject,
                                    json_t *done, bool *done_p);

/*  Whether any escalation may still end (open or escalated), into
    *any_p; *settled_p says whether that is the committed state (no
    transaction is open, so no rollback can bring one back). */
int qf_store_escalations_any (qf_store_t *self, bool *any_p, bool *settled_p);

/*  Holds a message for `recipient` of `endpoint` until release_at,
    unless it is held already (*added_p says which). */
int qf_store_held_add (qf_store_t *self, const char *endpoint, const char *recipient,
                       const char *event_id, const char *topic, const char *body,
                       int64_t release_at, int64_t now, bool *added_p);

/*  At most `limit` (endpoint, recipient) pairs with messages released at
    `now`: [{endpoint, recipient}]. */
int qf_store_held_due (qf_store_t *self, int64_t now, int limit, json_t **list_p);

/*  The first `limit` held messages of the pair released at `now`, by id:
    [{id, event_id, topic, body}] (body as text). */
int qf_store_held_of (qf_store_t *self, const char *endpoint, const char *recipient, int64_t now,
                      int limit, json_t **list_p);

/*  Forgets held message `id` (it went out in a digest). */
int qf_store_held_delete (qf_store_t *self, int64_t id);

/*  Held messages with id > after, by id, at most `limit`: [{id, endpoint,
    recipient, event_id, topic, release_at, created}]. */
int qf_store_held_list (qf_store_t *self, int64_t after, int limit, json_t **list_p);

#endif
