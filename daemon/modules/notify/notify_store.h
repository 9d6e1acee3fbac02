/*  notify_store — the notification state in the store. See qf_store.h for
    the conventions: 0 or a QF_E* code, inside the batch transaction, JSON
    records owned by the caller.

    A message is a row: its msg_id ("msg_<event id>_<endpoint>", stable
    across its retries), endpoint, channel, the event it tells of, the
    body as it is sent, its state (pending, sent, failed), the attempts
    made, when the next is due, and the lease of the worker sending it
    (lease_until, lease_owner). Each attempt is a row of its own. An
    endpoint's row holds its state (enabled or disabled, since when) and
    since when all its attempts have failed; an endpoint without a row is
    enabled and has not failed. */
#ifndef QF_NOTIFY_STORE_H
#define QF_NOTIFY_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_notify_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Adds a pending message due at `now` unless one with msg_id is there
    (*added_p says which). */
int qf_store_notify_enqueue (qf_store_t *self, const char *msg_id, const char *endpoint,
                             const char *channel, const char *event_id, const char *topic,
                             const char *body, int64_t now, bool *added_p);

/*  Leases to `owner` until lease_until at most `limit` pending messages
    (`per_endpoint` of one endpoint at most) due at `now` whose lease has
    expired and whose endpoint is not
    disabled nor in `exclude` (a JSON array of names, NULL: none), soonest
    first; *list_p gets them (id, msg_id, endpoint, channel, event_id,
    topic, body, attempt: the number of this one). Each endpoint's due
    messages are found on their own, so one endpoint's backlog costs the
    others nothing. */
int qf_store_notify_due (qf_store_t *self, const char *owner, int64_t now, int64_t lease_until,
                         int limit, int per_endpoint, json_t *exclude, json_t **list_p);

/*  The message with that msg_id (id, msg_id, endpoint, channel, event_id,
    topic, body, state, attempts, next_at, lease_until, lease_owner,
    created, updated); QF_ENOTFOUND when none. */
int qf_store_notify_get (qf_store_t *self, const char *msg_id, json_t **message_p);

/*  Records an attempt of message `id` (its number, time, HTTP status or 0
    when none came, latency, error or NULL, the worker). */
int qf_store_notify_attempt_add (qf_store_t *self, int64_t id, int64_t attempt, int64_t now,
                                 int64_t status, int64_t latency_ms, const char *error,
                                 const char *worker);

/*  Sets message `id`'s state, attempts and next attempt, and ends its lease. */
int qf_store_notify_set (qf_store_t *self, int64_t id, const char *state, int64_t attempts,
                         int64_t next_at, int64_t now);

/*  The endpoint's state row (name, state, since, failing_since, reason);
    QF_ENOTFOUND when it has none (enabled, never failing). */
int qf_store_notify_endpoint_get (qf_store_t *self, const char *name, json_t **endpoint_p);

/*  Writes the endpoint's state row; failing_since 0 is none, reason may
    be NULL. */
int qf_store_notify_endpoint_put (qf_store_t *self, const char *name, const char *state,
                                  int64_t since, int64_t failing_since, const char *reason);

/*  Messages with id > after, newest last, at most `limit`; endpoint and
    state filters ignored when NULL. */
int qf_store_notify_list (qf_store_t *self, const char *endpoint, const char *state, int64_t after,
                          int limit, json_t **list_p);

/*  The attempts of message `id`, in order (attempt, at, status,
    latency_ms, error, worker). */
int qf_store_notify_attempts (qf_store_t *self, int64_t id, json_t **list_p);

/*  The endpoint's message counts by state, into *counts_p
    ({"pending": N, "sent": N, "failed": N}) and its last attempt
    (*last_p: at, status, error; JSON null when none). */
int qf_store_notify_counts (qf_store_t *self, const char *endpoint, json_t **counts_p,
                            json_t **last_p);

#endif
