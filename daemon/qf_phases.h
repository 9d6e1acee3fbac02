/*  =========================================================================
    qf_phases — where the daemon's loop spends each batch's time

    The loop reads the monotonic clock (qf_time_mono_ns) between the phases
    of every batch (a few reads per batch, one pair per message) and hands
    the durations here. The newest QF_PHASES_WINDOW batches are kept; `status` reports,
    per phase, the median, the 99th percentile and the maximum over them,
    and the phases of the batch at the 99th percentile of total time and of
    the slowest: a request waits for the batch in progress when it arrives
    and then for its own, so the slow requests are those that meet the slow
    batches, and these say which phase made them slow.

    Phases, in the order of a batch:
      timers      due timers, module ticks and retention (at a tick only)
      receive     reading messages from the sockets (drain time less execute)
      execute     running the commands and worker messages
      commit      COMMIT: writing the WAL (its fsync runs beside the loop, qf_sync.h)
      reply       sending the replies held for the commit
      publish     publishing the committed events
      deliver     handing events to the workers and the periodic ticks
      checkpoint  copying the WAL into the database in the loop, if any
    =========================================================================
*/
#ifndef QF_PHASES_H_INCLUDED
#define QF_PHASES_H_INCLUDED

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    QF_PHASE_TIMERS,
    QF_PHASE_RECEIVE,
    QF_PHASE_EXECUTE,
    QF_PHASE_COMMIT,
    QF_PHASE_REPLY,
    QF_PHASE_PUBLISH,
    QF_PHASE_DELIVER,
    QF_PHASE_CHECKPOINT,
    QF_PHASE_COUNT
} qf_phase_t;

/* How many of the newest batches the figures cover. */
#define QF_PHASES_WINDOW 4096

/* One batch's timing, filled by the loop. */
typedef struct {
    int64_t start_ns;           /* CLOCK_MONOTONIC when the batch began */
    int64_t ns[QF_PHASE_COUNT]; /* time in each phase */
    uint32_t messages;          /* commands and worker messages received */
} qf_batch_time_t;

typedef struct _qf_phases_t qf_phases_t;

/*  A recorder for the newest QF_PHASES_WINDOW batches; NULL when out of
    memory. */
qf_phases_t *qf_phases_new (void);
void qf_phases_destroy (qf_phases_t **self_p);


/*  Records one batch. A batch that received nothing and spent under a
    microsecond is an idle wake-up and is not kept. Returns the batch's
    total time in ns. */
int64_t qf_phases_add (qf_phases_t *self, const qf_batch_time_t *batch);

/*  The figures over the window, in milliseconds: {"batches": N,
    "window_s": seconds covered, "phases_ms": {phase: {"p50", "p99",
    "max"}}, "total_ms": {...}, "p99_batch": {phase: ms, ..., "messages"},
    "slowest_batch": {...}, "requests": {"count": N, "total_ms": {...},
    "p99_request": {"batch", "commit", "reply", "total"}, "slowest_request":
    {...}}}. Caller owns the result. */
json_t *qf_phases_status (qf_phases_t *self);

/*  {"p50", "p99", "max"} in milliseconds of `count` durations in ns
    (`values` is sorted here); zeros when there are none. */
json_t *qf_phases_spread (int64_t *values, size_t count);

/*  One command's time in the daemon, from its read off the socket to its
    reply's send: `batch` until its batch began to commit (its own work and
    the rest of the batch's), `commit` (0 for a reply that waited for no
    commit; else until the WAL sync that covers it, qf_sync.h, had
    returned and the loop saw it) and `reply` from then to its send. The newest
    QF_PHASES_WINDOW commands are kept. The time before the read (in the
    socket, while the loop finishes the batch in hand) is not seen here:
    a client's latency less this is that time and the transport's. */
typedef struct {
    int64_t batch_ns, commit_ns, reply_ns;
} qf_request_time_t;

void qf_phases_request (qf_phases_t *self, const qf_request_time_t *request);

/*  The phases of one batch as "commit 3.1 ms, reply 0.2 ms, ..." (the
    phases over 0.05 ms, largest first), for a log line. */
void qf_phases_describe (const qf_batch_time_t *batch, char *text, size_t size);

/*  The name of a phase, as in status. */
const char *qf_phase_name (qf_phase_t phase);

#endif
