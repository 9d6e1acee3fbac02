/*  qf_worker — the worker side of a QFLOW/1 consumer-group session.

    Every worker process (legal, finance, technical, ...) links this class.
    It owns one DEALER socket to the daemon's worker endpoint and speaks
    section 6 of proto/PROTOCOL.md: HELLO, then WELCOME; DELIVER answered by
    ACK or NACK; HEARTBEAT both ways; BYE on a clean stop.  When the daemon
    goes silent for 3 x heartbeat_ms, or answers ERROR 404 with seq 0 (it
    restarted and lost the session), the worker drops the socket, opens a new
    one and says HELLO again, retrying with exponential backoff (100 ms
    doubling to 5 s).  The daemon keeps undelivered events in its log, so a
    restarted daemon or worker carries on where it stopped.

    The handler runs in the worker's own thread, one delivery at a time, in
    sequence order.  A handler that works longer than the lease calls
    qf_worker_extend() now and then.  Acks with an empty result are held
    while more deliveries wait on the socket and go out together as one
    ACKS (when the daemon's WELCOME offers acks_max): each waits at most
    2 ms and one handler's run, and all go before any other message.

    A worker declares what it handles as a dispatch table, topic pattern
    to handler; the library calls the handler of the first row whose
    pattern matches a delivery's topic.  Usage:

        static int
        s_expiring (qf_worker_t *worker, const qf_worker_event_t *delivery,
                    qf_outcome_t *outcome, void *arg)
        {
            outcome->result = json_pack ("{s:s, s:{}}", "command", "ping", "args");
            return 0;                       // ACK with outcome->result
        }

        static const qf_worker_route_t s_routes[] = {
            {"certificate.expiring", s_expiring, NULL},
            {NULL, NULL, NULL},
        };

        qf_worker_t *worker = qf_worker_new ("ipc://run/worker.sock", "renewal", NULL, 0);
        qf_worker_set_routes (worker, s_routes, config);
        qf_worker_run (worker);             // until SIGINT/SIGTERM or qf_worker_stop
        qf_worker_destroy (&worker);

    Or, for a worker binary, the whole main():

        int main (int argc, char **argv)
        { return qf_worker_main (argc, argv, "renewal", s_routes); }
*/
#ifndef QF_WORKER_H
#define QF_WORKER_H

#include "qf_msg.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _qf_worker_t qf_worker_t;

/* One delivered event, as the handler sees it. Everything is borrowed from
   the worker and valid only during the handler call. */
typedef struct {
    uint64_t seq;         /* the event's sequence number in the log */
    const char *event_id; /* 32 lowercase hex characters */
    const char *topic;    /* e.g. "qualification.review_requested" */
    const char *subject;  /* e.g. "qualification/7"; "" when none */
    int64_t time;         /* commit time, ms since the epoch */
    uint32_t attempt;     /* 1 on the first delivery */
    uint32_t flags;       /* QF_DELIVER_* bits as received */
    bool processed;       /* flags & QF_DELIVER_PROCESSED: result already recorded,
                                 ack without repeating side effects */
    json_t *payload;      /* the parsed payload object */
    const void *route;    /* the data of the dispatch table's row that matched; NULL
                             without a table */
} qf_worker_event_t;

/* What the handler decided; zeroed by the worker before each call. */
typedef struct {
    json_t *result;                 /* ACK: {"command":..., "args":...} or NULL for {};
                                        the worker takes ownership (also on NACK) */
    int64_t delay_ms;               /* NACK: ms before redelivery; 0 = daemon's backoff */
    char reason[QF_REASON_MAX + 1]; /* NACK: why, UTF-8; empty = the error's name */
} qf_outcome_t;

/*  A delivery handler. Returns 0 to ACK with outcome->result, or a negative
    QF_E* code to NACK with outcome->delay_ms and outcome->reason. `arg` is
    the pointer given to qf_worker_set_handler or qf_worker_set_routes
    (qf_worker_main passes the loaded `const qf_config_t *`). */
typedef int (*qf_worker_fn) (qf_worker_t *worker, const qf_worker_event_t *delivery,
                             qf_outcome_t *outcome, void *arg);

/* One row of a worker's dispatch table: deliveries whose topic matches
   `topic` go to `handler`, which finds `data` in delivery->route (so one
   handler can serve several rows, or several workers). A table ends with
   a row whose topic is NULL. */
typedef struct {
    const char *topic;    /* an exact topic, a prefix ending in "*", or "*" for all */
    qf_worker_fn handler; /* answers the deliveries of the topic */
    const void *data;     /* for the handler (borrowed), or NULL */
} qf_worker_route_t;

/*  Creates a worker for `group` that will connect to `endpoint`. `instance`
    names this process in the group; NULL means "<group>-<hostname>-<pid>".
    `window` is the most unacknowledged deliveries to hold (1-10000), or 0
    for the daemon's default. Nothing is connected until qf_worker_run.
    Returns NULL when an argument is invalid (group not [a-z0-9._-]{1,64},
    instance not 1-64 printable ASCII, window out of range) or on no memory.
    Caller owns return value; free with qf_worker_destroy. */
qf_worker_t *qf_worker_new (const char *endpoint, const char *group, const char *instance,
                            int window);

/*  Stops the session if it is live (sends BYE), closes the socket, frees
    the worker and sets *self_p to NULL. Safe when *self_p is NULL. */
void qf_worker_destroy (qf_worker_t **self_p);

/*  Sets one handler, and its argument, for every delivery (replacing a
    dispatch table). Without a handler or a table every delivery is acked
    with an empty result. */
void qf_worker_set_handler (qf_worker_t *self, qf_worker_fn handler, void *arg);

/*  Dispatches deliveries by topic (replacing a single handler): the first
    row of `routes` (borrowed; NULL-topic-terminated) whose pattern matches
    a delivery's topic handles it, with `arg`. A delivery whose topic no row
    matches is acked with an empty result, and so is one the group already
    processed (QF_DELIVER_PROCESSED: its result is recorded), without
    calling a handler, so handlers never repeat a side effect. */
void qf_worker_set_routes (qf_worker_t *self, const qf_worker_route_t *routes, void *arg);

/*  Sets the heartbeat interval used before the daemon's WELCOME says
    otherwise (default 1000 ms; 10 ms to 1 hour). Returns 0 or QF_EINVAL. */
int qf_worker_set_heartbeat (qf_worker_t *self, int heartbeat_ms);

/*  Runs the session loop until SIGINT/SIGTERM (czmq's zsys_interrupted) or
    qf_worker_stop. Reconnects by itself; a daemon that is down is waited
    for. Returns 0 after a clean stop (BYE sent), QF_EINVAL when the
    endpoint cannot be used, or QF_ENOMEM. */
int qf_worker_run (qf_worker_t *self);

/*  Asks qf_worker_run to return after the current delivery. Safe to call
    from the handler and from a signal handler. */
void qf_worker_stop (qf_worker_t *self);

/*  Tells the daemon the handler is still working on (seq, event_id): the
    lease restarts from now. Call it from a long handler more often than
    qf_worker_ack_wait_ms(). Returns 0, QF_EINVAL (no such delivery in
    progress, or no session), or QF_EAGAIN/QF_EIO when the socket refused. */
int qf_worker_extend (qf_worker_t *self, uint64_t seq, const char *event_id);

/*  Fills outcome's NACK reason (printf format, truncated at a UTF-8
    boundary) and delay; returns QF_EIO so a handler can end with
        return qf_outcome_nack (outcome, 0, "database %s is down", name); */
int qf_outcome_nack (qf_outcome_t *outcome, int64_t delay_ms, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

/*  The session as negotiated; valid after WELCOME (before it, what was
    asked for). */
const char *qf_worker_group (qf_worker_t *self);
const char *qf_worker_instance (qf_worker_t *self);
int qf_worker_heartbeat_ms (qf_worker_t *self);
int64_t qf_worker_ack_wait_ms (qf_worker_t *self); /* 0 until WELCOME */
int qf_worker_window (qf_worker_t *self);          /* 0 = daemon default until WELCOME */
/*  Whether a session is live (WELCOME received and not lost since). */
bool qf_worker_connected (qf_worker_t *self);
/*  How many sessions were opened (WELCOMEs received) since qf_worker_new. */
uint64_t qf_worker_sessions (qf_worker_t *self);

/*  main() for a worker binary of `group`. Parses
        -c CONFIG        (default $QUALFLOW_CONFIG, else config/qualflow.yaml)
        --instance NAME  (default <group>-<hostname>-<pid>)
        --window N       (default: the daemon's delivery.window)
        -v               debug logging
        -h               help
    loads the configuration (prints the error and returns 1 when invalid),
    logs as "qualflow-<group>", connects to worker_endpoint and dispatches
    deliveries by `routes` (see qf_worker_set_routes), with the
    `const qf_config_t *` as the handlers' argument, until SIGINT or
    SIGTERM. Returns the process exit status: 0 after a clean stop, 1 on an
    error, 2 on a usage error. */
int qf_worker_main (int argc, char **argv, const char *group, const qf_worker_route_t *routes);

struct qf_config_t; /* qf_config.h */

/* Work a worker does beside its deliveries (the notify worker's sending):
   started once the configuration is loaded and the worker made, before
   the session loop; stopped after it returns. */
typedef struct {
    /* Starts it (a thread of its own) with the loaded configuration and
       the worker's instance name; 0, or a QF_E* code that ends main(). */
    int (*start) (const struct qf_config_t *config, const char *instance, void **state_p);
    /* Stops it and frees its state; called once when start succeeded. */
    void (*stop) (void *state);
} qf_worker_side_t;

/*  qf_worker_main() with `side` (borrowed) started beside the session. */
int qf_worker_main_side (int argc, char **argv, const char *group, const qf_worker_route_t *routes,
                         const qf_worker_side_t *side);

#endif
