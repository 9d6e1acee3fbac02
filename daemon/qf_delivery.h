/*  qf_delivery — durable consumer groups on the worker socket: where an
    event is delivered, acknowledged and retried.

    The event log is the queue. Each group keeps a durable position (its ack
    floor: every event at or below it is done) and, in memory, the events
    it has handed out and not yet seen acknowledged. Events are read from
    the log in sequence order and handed to the group's live instances, no
    more than each instance's window at once; an event not acknowledged
    within its lease (ack_wait), or whose instance goes silent, is handed
    out again. Acks are applied inside the server's batch transaction and
    the position is written just before the batch commits.

    Memory is bounded by the windows: a stopped worker holds at most its
    window; everything else waits in the log.

    One API for the server; the work is split by concern: consumer groups
    and their positions in qf_groups.c, worker sessions in qf_sessions.c,
    and what is delivered, acknowledged, retried and dead-lettered in
    qf_dispatch.c (their shared insides: qf_delivery_int.h).
*/
#ifndef QF_DELIVERY_H
#define QF_DELIVERY_H

#include <jansson.h>
#include <stdint.h>

#include "qf_commands.h"
#include "qf_config.h"
#include "qf_msg.h"
#include "qf_store.h"
#include "qf_tail.h"

typedef struct qf_delivery_t qf_delivery_t;

/*  Creates the delivery engine over a store and the worker ROUTER socket
    (a raw libzmq handle, not owned). Call qf_delivery_load() next. */
qf_delivery_t *qf_delivery_new (qf_store_t *store, const qf_config_t *config, void *socket);
void qf_delivery_destroy (qf_delivery_t **self_p);

/*  Loads the groups of the configuration and of the database, creating
    configured groups that are new; must run inside a transaction. */
int qf_delivery_load (qf_delivery_t *self, int64_t now);

/*  The wait before an event is handed out again after its attempt-th
    delivery failed (attempt >= 1): delivery.backoff_initial_ms, doubled
    for each failure before this one, at most delivery.backoff_max_ms; then
    moved by up to a fifth either way as `dice` says (any value, e.g.
    random(); a dice of exactly delay / 5 leaves the delay unmoved), so
    the retries of a burst do not arrive together. */
int64_t qf_delivery_backoff_ms (const qf_config_t *config, uint32_t attempt, long dice);

/*  Uses a new configuration (after SIGHUP): delivery defaults and leases. */
void qf_delivery_set_config (qf_delivery_t *self, const qf_config_t *config);

/*  Handles one message from the worker socket inside the open batch
    transaction. `ctx` is used to run results as commands. Replies that
    depend on the commit (WELCOME) wait for qf_delivery_after_commit(). */
void qf_delivery_handle (qf_delivery_t *self, qf_msg_t *msg, qf_ctx_t *ctx);

/*  Writes the positions and acks changed in this batch; call just before
    the batch commits, inside its transaction. */
int qf_delivery_before_commit (qf_delivery_t *self);

/*  After the batch: `committed` says whether it reached the disk. Sends the
    replies that waited for it; on failure, events whose results were lost
    with the batch are handed out again. */
void qf_delivery_after_commit (qf_delivery_t *self, bool committed);

/*  Hands out events up to `last_seq` to instances with room in their
    window. `tail` (may be NULL) holds the newest committed events, so groups
    that are caught up or a little behind take them from memory instead of
    the log. Returns 1 when work remains (call again soon), else 0. */
int qf_delivery_dispatch (qf_delivery_t *self, uint64_t last_seq, qf_tail_t *tail);

/*  With CURVE: ends, with ERROR 403, the session of every instance whose
    certificate `known` no longer finds (revoked), so that no event goes
    to it after the daemon has seen the revocation. */
void qf_delivery_revoke (qf_delivery_t *self, bool (*known) (const char *key, void *arg),
                         void *arg);

/*  Timers: expired leases, silent instances, heartbeats. */
void qf_delivery_tick (qf_delivery_t *self);

/*  Status of groups and workers for the `status` command (new object). */
json_t *qf_delivery_status (qf_delivery_t *self);

/*  Whether positions or replies wait for a commit. */
bool qf_delivery_dirty (qf_delivery_t *self);

/*  Whether what waits cannot wait: a WELCOME, a result, a failure or a dead
    letter. Plain acks can: losing them in a crash only means the events
    are delivered again, so they ride along with the next commit, or with
    one of their own after daemon.ack_flush_ms at most. */
bool qf_delivery_must_commit (qf_delivery_t *self);

/*  Groups with position, lag, in flight, members, redeliveries and dead
    letters (new array). */
json_t *qf_delivery_groups (qf_delivery_t *self);
bool qf_delivery_has_group (qf_delivery_t *self, const char *name);

/*  Moves a group's position so that delivery restarts at `seq` (history is
    processed again, or skipped). Inside the batch transaction. */
int qf_delivery_seek (qf_delivery_t *self, const char *name, uint64_t seq);

/*  Deletes a consumer group that the configuration does not declare: its
    row, position, acks, delivery attempts, dead letters and recorded
    results, in the batch transaction. Once the batch commits its workers
    get ERROR 404 and their sessions end, and HELLO may create a group of
    that name again. *members_p is how many sessions end. QF_ENOTFOUND: no
    such group; QF_ECONFLICT: the configuration declares it. */
int qf_delivery_delete (qf_delivery_t *self, const char *name, int *members_p);

/*  Sends a dead letter back for delivery, with its attempts reset. Inside
    the batch transaction; QF_ENOTFOUND when there is no such dead letter. */
int qf_delivery_dlq_retry (qf_delivery_t *self, const char *name, uint64_t seq);

/*  The lowest position of any group: every event at or below it is done
    for every group (0 when there are no groups), for retention. */
uint64_t qf_delivery_min_position (qf_delivery_t *self);

/*  Counts for tests and status. */
size_t qf_delivery_member_count (qf_delivery_t *self);

/*  Worker sessions ended because the worker left its messages unread until
    its queue was full, since start. */
uint64_t qf_delivery_dropped (qf_delivery_t *self);

#endif
