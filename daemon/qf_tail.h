/*  =========================================================================
    qf_tail — the newest committed events, kept in memory for delivery

    Every commit hands its events (already encoded, the bytes that were
    stored) to the tail. Delivery reads a group's next events from here
    while they are recent, and from the log only when the group is further
    behind than the tail reaches: a worker that lags a little behind, or an
    event retried soon after it failed, costs no SQLite read. The tail is
    bounded by a number of events and of payload bytes; the oldest commits
    leave first. It is a cache: the log stays the truth.
    =========================================================================
*/
#ifndef QF_TAIL_H_INCLUDED
#define QF_TAIL_H_INCLUDED

#include "qf_store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct _qf_tail_t qf_tail_t;

/*  A tail that holds at most `max_events` events and about `max_bytes` of
    payload (a single commit larger than that is still kept, alone). */
qf_tail_t *qf_tail_new (size_t max_events, size_t max_bytes);
void qf_tail_destroy (qf_tail_t **self_p);

/*  Takes over the events of one commit (the list is left empty). Commits
    come in sequence order. */
void qf_tail_push (qf_tail_t *self, qf_event_list_t *list);

/*  The event with sequence number `seq`, or NULL when the tail does not
    hold it; *run_p is how many events from it on, with consecutive
    sequence numbers, follow in memory (at least 1). */
const qf_event_t *qf_tail_find (qf_tail_t *self, uint64_t seq, size_t *run_p);

/*  Events and payload bytes held, for status and tests. */
size_t qf_tail_events (qf_tail_t *self);
size_t qf_tail_bytes (qf_tail_t *self);

#endif
