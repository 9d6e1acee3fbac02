/*  test_worker — the worker library (qf_worker_t) against a real ROUTER.

    The test plays the daemon: it binds a ROUTER on a private ipc endpoint,
    reads the worker's messages with the codec (proto/qf_msg.h) and answers
    as section 6 of proto/PROTOCOL.md says.  The worker runs qf_worker_run
    in a thread of its own and is stopped with qf_worker_stop.  The handler,
    in the worker's thread, records what it saw under a mutex and answers
    the way the test's mode says.

    Heartbeats are 100 ms so that liveness shows within a second.  Every
    wait is bounded, and alarm() kills a test that hangs anyway.
*/
#include "qf_error.h"
#include "qf_log.h"
#include "qf_msg.h"
#include "qf_test.h"
#include "qf_time.h"
#include "qf_worker.h"

#include <czmq.h>
#include <pthread.h>
#include <unistd.h>

#define HEARTBEAT_MS 100
#define WAIT_MS      2000 /* the longest wait for one expected message */
#define TEST_LIMIT_S 20   /* alarm() per test */
#define EVENT_ID     "0123456789abcdef0123456789abcdef"

/* How the handler answers. */
typedef enum {
    H_ACK_RESULT = 0, /* ACK with {"command": "qual.submit", "args": {"id": payload.id}} */
    H_ACK_EMPTY,      /* ACK with no result ({} on the wire) */
    H_NACK,           /* qf_outcome_nack (outcome, 1500, "database %s is down", "qf") */
    H_NACK_PLAIN,     /* sets a result, then returns QF_EIO without a reason */
    H_BAD_RESULT,     /* returns 0 with a result that is a JSON array */
    H_EXTEND,         /* qf_worker_extend twice (right and wrong seq), then ACK {} */
    H_ROUTES,         /* the dispatch table s_routes instead of one handler; its
                         review row answers as H_ACK_RESULT */
    H_BATCH,          /* seq 1 sleeps 100 ms, seq 4 answers as H_ACK_RESULT, others as
                         H_ACK_EMPTY */
} handler_mode_t;

/* What the handler saw; written in the worker's thread under the fixture's
   lock, read in the test's. */
typedef struct {
    int calls;    /* handler invocations */
    uint64_t seq; /* fields of the last delivery */
    char event_id[QF_ID_MAX + 1];
    char topic[QF_TOPIC_MAX + 1];
    char subject[QF_SUBJECT_MAX + 1];
    int64_t time;
    uint32_t attempt;
    uint32_t flags;
    bool processed;
    json_t *payload;       /* deep copy of the last payload (owned) */
    int extend_rc;         /* qf_worker_extend on the delivery being handled */
    int extend_wrong_rc;   /* ... on a seq that is not being handled */
    int certificate_calls; /* s_certificate invocations (H_ROUTES) */
    /* The accessors, read in the worker's own thread during the handler
       (the worker is not meant to be read from another thread while it runs). */
    bool connected;
    uint64_t sessions;
    int64_t ack_wait_ms;
    int window;
    int heartbeat_ms;
} seen_t;

/* One test's daemon side and worker. Owned by the test function. */
typedef struct {
    char endpoint[128];                 /* ipc:///tmp/qf-test-worker-<pid>.sock */
    zsock_t *router;                    /* the fake daemon's worker socket */
    void *handle;                       /* its libzmq handle */
    qf_worker_t *worker;                /* under test */
    pthread_t thread;                   /* runs qf_worker_run */
    bool running;                       /* the thread was started and not joined */
    int run_rc;                         /* what qf_worker_run returned */
    int heartbeats;                     /* HEARTBEATs from the worker skipped by s_recv */
    unsigned char peer[QF_ROUTING_MAX]; /* routing id of the last HELLO */
    size_t peer_size;
    handler_mode_t mode;  /* how the handler answers; set before the start */
    bool packed;          /* deliveries go as PACKED, not DELIVER */
    pthread_mutex_t lock; /* guards seen */
    seen_t seen;
    uint64_t sessions_at_end; /* qf_worker_sessions after the thread ended */
    bool connected_at_end;    /* qf_worker_connected after the thread ended */
} fixture_t;

static int
s_handler (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome, void *arg)
{
    fixture_t *f = arg;
    seen_t *seen = &f->seen;
    pthread_mutex_lock (&f->lock);
    seen->calls++;
    seen->seq = delivery->seq;
    snprintf (seen->event_id, sizeof seen->event_id, "%s", delivery->event_id);
    snprintf (seen->topic, sizeof seen->topic, "%s", delivery->topic);
    snprintf (seen->subject, sizeof seen->subject, "%s", delivery->subject);
    seen->time = delivery->time;
    seen->attempt = delivery->attempt;
    seen->flags = delivery->flags;
    seen->processed = delivery->processed;
    json_decref (seen->payload);
    seen->payload = delivery->payload ? json_deep_copy (delivery->payload) : NULL;
    seen->connected = qf_worker_connected (worker);
    seen->sessions = qf_worker_sessions (worker);
    seen->ack_wait_ms = qf_worker_ack_wait_ms (worker);
    seen->window = qf_worker_window (worker);
    seen->heartbeat_ms = qf_worker_heartbeat_ms (worker);
    handler_mode_t mode = f->mode;
    pthread_mutex_unlock (&f->lock);

    switch (mode) {
    case H_ROUTES:
    case H_ACK_RESULT:
        outcome->result =
            json_pack ("{s:s, s:{s:I}}", "command", "qual.submit", "args", "id",
                       json_integer_value (json_object_get (delivery->payload, "id")));
        return 0;
    case H_ACK_EMPTY: return 0;
    case H_BATCH:
        if (delivery->seq == 1)
            usleep (100 * 1000); /* the deliveries after it queue up meanwhile */
        if (delivery->seq == 4)
            outcome->result = json_pack ("{s:s}", "command", "ping");
        return 0;
    case H_NACK: return qf_outcome_nack (outcome, 1500, "database %s is down", "qf");
    case H_NACK_PLAIN:
        /* The worker owns the result also on NACK: ASan sees a leak otherwise. */
        outcome->result = json_pack ("{s:s}", "command", "ping");
        return QF_EIO;
    case H_BAD_RESULT: outcome->result = json_pack ("[i]", 1); return 0;
    case H_EXTEND: {
        int rc = qf_worker_extend (worker, delivery->seq, delivery->event_id);
        int wrong = qf_worker_extend (worker, delivery->seq + 1, delivery->event_id);
        pthread_mutex_lock (&f->lock);
        seen->extend_rc = rc;
        seen->extend_wrong_rc = wrong;
        pthread_mutex_unlock (&f->lock);
        return 0;
    }
    }
    return 0;
}

/* The H_ROUTES table's row for certificate.*: counts, and answers with
   the topic and the row's data it was given. */
static int
s_certificate (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome,
               void *arg)
{
    (void)worker;
    fixture_t *f = arg;
    pthread_mutex_lock (&f->lock);
    f->seen.certificate_calls++;
    pthread_mutex_unlock (&f->lock);
    outcome->result = json_pack ("{s:s, s:{s:s, s:s?}}", "command", "renewal.remind", "args",
                                 "topic", delivery->topic, "route", (const char *)delivery->route);
    return 0;
}

/* The dispatch table of H_ROUTES: an exact topic and a prefix. */
static const qf_worker_route_t s_routes[] = {
    {"qualification.review_requested", s_handler, NULL},
    {"certificate.*", s_certificate, "certificates"},
    {NULL, NULL, NULL},
};

static void *
s_worker_thread (void *arg)
{
    fixture_t *f = arg;
    f->run_rc = qf_worker_run (f->worker);
    return NULL;
}

/*  Binds the fake daemon, creates the worker (instance and window as
    given) and starts its loop. Returns 0, or -1 with everything released. */
static int
s_setup (fixture_t *f, const char *instance, int window, handler_mode_t mode)
{
    memset (f, 0, sizeof *f);
    pthread_mutex_init (&f->lock, NULL);
    f->mode = mode;
    f->run_rc = -100;
    snprintf (f->endpoint, sizeof f->endpoint, "ipc:///tmp/qf-test-worker-%ld.sock",
              (long)getpid ());
    f->router = zsock_new (ZMQ_ROUTER);
    if (!f->router)
        goto fail;
    zsock_set_linger (f->router, 0);
    if (zsock_bind (f->router, "%s", f->endpoint) != 0)
        goto fail;
    f->handle = zsock_resolve (f->router);
    f->worker = qf_worker_new (f->endpoint, "legal", instance, window);
    if (!f->worker)
        goto fail;
    if (mode == H_ROUTES)
        qf_worker_set_routes (f->worker, s_routes, f);
    else
        qf_worker_set_handler (f->worker, s_handler, f);
    if (qf_worker_set_heartbeat (f->worker, HEARTBEAT_MS) != 0)
        goto fail;
    if (pthread_create (&f->thread, NULL, s_worker_thread, f) != 0)
        goto fail;
    f->running = true;
    return 0;
fail:
    qf_worker_destroy (&f->worker);
    zsock_destroy (&f->router);
    pthread_mutex_destroy (&f->lock);
    return -1;
}

/* Stops the worker and joins its thread (once); notes the accessors. */
static void
s_stop (fixture_t *f)
{
    if (!f->running)
        return;
    qf_worker_stop (f->worker);
    pthread_join (f->thread, NULL);
    f->running = false;
    f->sessions_at_end = qf_worker_sessions (f->worker);
    f->connected_at_end = qf_worker_connected (f->worker);
}

/* Stops the worker if running and frees everything. */
static void
s_teardown (fixture_t *f)
{
    s_stop (f);
    qf_worker_destroy (&f->worker);
    zsock_destroy (&f->router);
    json_decref (f->seen.payload);
    f->seen.payload = NULL;
    pthread_mutex_destroy (&f->lock);
}

/*  Receives the next message from the worker within timeout_ms, skipping
    (and counting) HEARTBEATs when asked. Returns 0, QF_ETIMEOUT, or the
    codec's error. A HELLO's routing id becomes the peer to answer. */
static int
s_recv (fixture_t *f, qf_msg_t *msg, int timeout_ms, bool skip_heartbeats)
{
    int64_t deadline = qf_time_mono_ms () + timeout_ms;
    while (true) {
        int64_t left = deadline - qf_time_mono_ms ();
        if (left <= 0)
            return QF_ETIMEOUT;
        zmq_pollitem_t item = {f->handle, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, (long)left) <= 0)
            continue;
        int rc = qf_msg_recv (msg, f->handle, true, ZMQ_DONTWAIT);
        if (rc == QF_EAGAIN)
            continue;
        if (rc != 0)
            return rc;
        if (msg->id == QF_MSG_HEARTBEAT && skip_heartbeats) {
            f->heartbeats++;
            continue;
        }
        if (msg->id == QF_MSG_HELLO) {
            memcpy (f->peer, msg->routing, msg->routing_size);
            f->peer_size = msg->routing_size;
        }
        return 0;
    }
}

/* Sends msg to the worker (the peer of the last HELLO); releases its body. */
static int
s_send (fixture_t *f, qf_msg_t *msg)
{
    memcpy (msg->routing, f->peer, f->peer_size);
    msg->routing_size = f->peer_size;
    int rc = qf_msg_send (msg, f->handle, 0);
    qf_msg_reset (msg);
    return rc;
}

/* WELCOME; with acks_max > 0 it says the daemon takes ACKS of that many. */
static int
s_send_welcome_acks (fixture_t *f, const char *instance, int acks_max)
{
    qf_msg_t msg = {.id = QF_MSG_WELCOME};
    msg.body = json_pack ("{s:s, s:s, s:i, s:i, s:i, s:i, s:[s]}", "group", "legal", "instance",
                          instance, "window", 5, "heartbeat_ms", HEARTBEAT_MS, "ack_wait_ms", 30000,
                          "max_deliveries", 5, "topics", "qualification.review_requested");
    if (acks_max)
        json_object_set_new (msg.body, "acks_max", json_integer (acks_max));
    return s_send (f, &msg);
}

static int
s_send_welcome (fixture_t *f, const char *instance)
{
    return s_send_welcome_acks (f, instance, 0);
}

/* Turns a DELIVER into a PACKED of `copies` deliveries: this one, then the
   same with the next seqs. */
static int
s_pack (qf_msg_t *msg, int copies)
{
    char *payload = json_dumps (msg->body, JSON_COMPACT);
    msg->packed = calloc (1, sizeof *msg->packed);
    int rc = payload && msg->packed ? 0 : -1;
    for (int i = 0; rc == 0 && i < copies; i++, msg->seq++)
        rc = qf_packed_append (msg->packed, msg, payload, strlen (payload));
    free (payload);
    msg->id = QF_MSG_PACKED;
    return rc;
}

static int
s_send_deliver_topic (fixture_t *f, uint64_t seq, uint32_t attempt, uint32_t flags,
                      const char *topic)
{
    qf_msg_t msg = {.id = f->packed ? QF_MSG_PACKED : QF_MSG_DELIVER,
                    .seq = seq,
                    .time = 1764199777123LL,
                    .attempt = attempt,
                    .flags = flags};
    snprintf (msg.event_id, sizeof msg.event_id, "%s", EVENT_ID);
    snprintf (msg.topic, sizeof msg.topic, "%s", topic);
    snprintf (msg.subject, sizeof msg.subject, "%s", "qualification/7");
    msg.body = json_pack ("{s:i, s:s, s:[s,s]}", "id", 7, "name", "二级资质", "departments",
                          "legal", "finance");
    if (f->packed && s_pack (&msg, 1))
        return -1;
    return s_send (f, &msg);
}

static int
s_send_deliver (fixture_t *f, uint64_t seq, uint32_t attempt, uint32_t flags)
{
    return s_send_deliver_topic (f, seq, attempt, flags, "qualification.review_requested");
}

static int
s_send_error (fixture_t *f, int status, uint64_t seq, const char *reason)
{
    qf_msg_t msg = {.id = QF_MSG_ERROR, .status = status, .seq = seq};
    snprintf (msg.reason, sizeof msg.reason, "%s", reason);
    return s_send (f, &msg);
}

/* A copy of what the handler saw; its payload stays owned by the fixture
   and is valid until the next delivery. */
static seen_t
s_seen (fixture_t *f)
{
    pthread_mutex_lock (&f->lock);
    seen_t seen = f->seen;
    pthread_mutex_unlock (&f->lock);
    return seen;
}

/* Delivers `seq` and expects an ACK for it within WAIT_MS. */
static void
s_deliver_expect_ack (const char *s_test_name, fixture_t *f, uint64_t seq)
{
    QF_CHECK_EQ_INT (s_send_deliver (f, seq, 1, 0), 0);
    qf_msg_t msg = {0};
    QF_CHECK_EQ_INT (s_recv (f, &msg, WAIT_MS, true), 0);
    qf_msg_id_t id = msg.id;
    uint64_t acked = msg.seq;
    qf_msg_reset (&msg);
    QF_CHECK_STR (qf_msg_type_name (id), "ACK");
    QF_CHECK_EQ_INT (acked, seq);
}

/* --------------------------------------------------------------------------
   Test bodies: they may return early on a failed check; the QF_TEST wrapper
   tears down in any case. */

/*  Expects a HELLO within WAIT_MS and checks its body. `window` 0 means
    the HELLO must not ask for one. */
static void
s_expect_hello (const char *s_test_name, fixture_t *f, qf_msg_t *msg, const char *instance,
                int window)
{
    int rc = s_recv (f, msg, WAIT_MS, true);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_STR (qf_msg_type_name (msg->id), "HELLO");
    QF_CHECK (json_is_object (msg->body));
    QF_CHECK_STR (json_string_value (json_object_get (msg->body, "group")), "legal");
    QF_CHECK_STR (json_string_value (json_object_get (msg->body, "instance")), instance);
    json_t *w = json_object_get (msg->body, "window");
    if (window)
        QF_CHECK_EQ_INT (json_integer_value (w), window);
    else
        QF_CHECK (w == NULL);
    /* A configured group: topics are omitted (section 6.2). */
    QF_CHECK (json_object_get (msg->body, "topics") == NULL);
    /* Deliveries in two frames, please. */
    QF_CHECK (json_is_true (json_object_get (msg->body, "packed")));
}

/* HELLO, then WELCOME; on return the session is live. */
static void
s_open_session (const char *s_test_name, fixture_t *f, const char *instance)
{
    qf_msg_t msg = {0};
    s_expect_hello (s_test_name, f, &msg, instance, 7);
    qf_msg_reset (&msg);
    if (s_test_current_failed)
        return;
    QF_CHECK_EQ_INT (s_send_welcome (f, instance), 0);
}

static void
s_body_hello (const char *s_test_name, fixture_t *f)
{
    qf_msg_t msg = {0};
    s_expect_hello (s_test_name, f, &msg, "legal-test-1", 7);
    qf_msg_reset (&msg);
    if (s_test_current_failed)
        return;
    /* The worker waits for WELCOME: no second HELLO within 2 heartbeats. */
    int rc = s_recv (f, &msg, 2 * HEARTBEAT_MS, true);
    qf_msg_reset (&msg);
    QF_CHECK_EQ_INT (rc, QF_ETIMEOUT);
    QF_CHECK_EQ_INT (s_send_welcome (f, "legal-test-1"), 0);
    s_deliver_expect_ack (s_test_name, f, 1);
    if (s_test_current_failed)
        return;
    seen_t seen = s_seen (f);
    QF_CHECK (seen.connected);
    QF_CHECK_EQ_INT (seen.sessions, 1);
}

QF_TEST (test_hello_fields)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-1", 7, H_ACK_EMPTY), 0);
    s_body_hello (s_test_name, &f);
    s_teardown (&f);
    QF_CHECK_EQ_INT (f.run_rc, 0);
    QF_CHECK_EQ_INT (f.sessions_at_end, 1);
    QF_CHECK (!f.connected_at_end);
}

/* window 0 (the daemon's default) leaves the window out of HELLO; a NULL
   instance becomes "<group>-<host>-<pid>". */
static void
s_body_hello_defaults (const char *s_test_name, fixture_t *f)
{
    char pid[32];
    snprintf (pid, sizeof pid, "-%ld", (long)getpid ());
    const char *instance = qf_worker_instance (f->worker);
    QF_CHECK (instance != NULL);
    QF_CHECK (strncmp (instance, "legal-", 6) == 0);
    QF_CHECK (strlen (instance) > strlen (pid) &&
              strcmp (instance + strlen (instance) - strlen (pid), pid) == 0);
    qf_msg_t msg = {0};
    s_expect_hello (s_test_name, f, &msg, instance, 0);
    qf_msg_reset (&msg);
}

QF_TEST (test_hello_defaults)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, NULL, 0, H_ACK_EMPTY), 0);
    s_body_hello_defaults (s_test_name, &f);
    s_teardown (&f);
}

QF_TEST (test_new_rejects_invalid)
{
    qf_worker_t *w = qf_worker_new ("ipc:///tmp/x", "Legal", NULL, 0);
    QF_CHECK (w == NULL);
    w = qf_worker_new ("ipc:///tmp/x", "legal", "has space", 0);
    QF_CHECK (w == NULL);
    w = qf_worker_new ("ipc:///tmp/x", "legal", NULL, 10001);
    QF_CHECK (w == NULL);
    w = qf_worker_new ("ipc:///tmp/x", "legal", NULL, -1);
    QF_CHECK (w == NULL);
    w = qf_worker_new ("", "legal", NULL, 0);
    QF_CHECK (w == NULL);
    w = qf_worker_new (NULL, "legal", NULL, 0);
    QF_CHECK (w == NULL);
    w = qf_worker_new ("ipc:///tmp/x", "legal", "legal-1", 10000);
    QF_CHECK (w != NULL);
    QF_CHECK_EQ_INT (qf_worker_set_heartbeat (w, 5), QF_EINVAL);
    QF_CHECK_EQ_INT (qf_worker_set_heartbeat (w, 10), 0);
    QF_CHECK_EQ_INT (qf_worker_window (w), 10000);
    QF_CHECK_EQ_INT (qf_worker_ack_wait_ms (w), 0);
    QF_CHECK (!qf_worker_connected (w));
    /* No session: nothing to extend. */
    QF_CHECK_EQ_INT (qf_worker_extend (w, 1, EVENT_ID), QF_EINVAL);
    qf_worker_destroy (&w);
    QF_CHECK (w == NULL);
    qf_worker_destroy (&w);
}

static void
s_body_deliver_ack (const char *s_test_name, fixture_t *f)
{
    s_open_session (s_test_name, f, "legal-test-2");
    if (s_test_current_failed)
        return;
    QF_CHECK_EQ_INT (s_send_deliver (f, 42, 1, 0), 0);
    qf_msg_t msg = {0};
    int rc = s_recv (f, &msg, WAIT_MS, true);
    QF_CHECK_EQ_INT (rc, 0);
    qf_msg_id_t id = msg.id;
    uint64_t seq = msg.seq;
    char event_id[QF_ID_MAX + 1];
    snprintf (event_id, sizeof event_id, "%s", msg.event_id);
    json_t *expected = json_pack ("{s:s, s:{s:i}}", "command", "qual.submit", "args", "id", 7);
    bool same = msg.body && json_equal (msg.body, expected);
    json_decref (expected);
    qf_msg_reset (&msg);
    QF_CHECK_STR (qf_msg_type_name (id), "ACK");
    QF_CHECK_EQ_INT (seq, 42);
    QF_CHECK_STR (event_id, EVENT_ID);
    QF_CHECK (same);

    seen_t s = s_seen (f);
    const char *name = json_string_value (json_object_get (s.payload, "name"));
    bool payload_ok = json_is_object (s.payload) &&
                      json_integer_value (json_object_get (s.payload, "id")) == 7 &&
                      json_array_size (json_object_get (s.payload, "departments")) == 2 && name &&
                      strcmp (name, "二级资质") == 0;
    QF_CHECK_EQ_INT (s.calls, 1);
    QF_CHECK_EQ_INT (s.seq, 42);
    QF_CHECK_STR (s.event_id, EVENT_ID);
    QF_CHECK_STR (s.topic, "qualification.review_requested");
    QF_CHECK_STR (s.subject, "qualification/7");
    QF_CHECK_EQ_INT (s.time, 1764199777123LL);
    QF_CHECK_EQ_INT (s.attempt, 1);
    QF_CHECK_EQ_INT (s.flags, 0);
    QF_CHECK (!s.processed);
    QF_CHECK (payload_ok);
    /* WELCOME's values are in force. */
    QF_CHECK (s.connected);
    QF_CHECK_EQ_INT (s.ack_wait_ms, 30000);
    QF_CHECK_EQ_INT (s.window, 5);
    QF_CHECK_EQ_INT (s.heartbeat_ms, HEARTBEAT_MS);
}

QF_TEST (test_deliver_ack_result)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-2", 7, H_ACK_RESULT), 0);
    s_body_deliver_ack (s_test_name, &f);
    s_teardown (&f);
}

/* The same delivery as a PACKED: the handler sees the same fields. */
QF_TEST (test_packed_delivery)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-2", 7, H_ACK_RESULT), 0);
    f.packed = true;
    s_body_deliver_ack (s_test_name, &f);
    s_teardown (&f);
}

/* One PACKED of three deliveries: the handler sees each in turn, and each
   is answered, in order. */
static void
s_body_packed_three (const char *s_test_name, fixture_t *f)
{
    s_open_session (s_test_name, f, "legal-test-12");
    if (s_test_current_failed)
        return;
    qf_msg_t msg = {.id = QF_MSG_DELIVER, .seq = 21, .time = 1764199777123LL, .attempt = 1};
    snprintf (msg.event_id, sizeof msg.event_id, "%s", EVENT_ID);
    snprintf (msg.topic, sizeof msg.topic, "%s", "qualification.review_requested");
    msg.body = json_pack ("{s:i}", "id", 7);
    QF_CHECK_EQ_INT (s_pack (&msg, 3), 0);
    QF_CHECK_EQ_INT (s_send (f, &msg), 0);
    for (uint64_t seq = 21; seq <= 23; seq++) {
        qf_msg_t answer = {0};
        QF_CHECK_EQ_INT (s_recv (f, &answer, WAIT_MS, true), 0);
        qf_msg_id_t id = answer.id;
        uint64_t got = answer.seq;
        qf_msg_reset (&answer);
        QF_CHECK_STR (qf_msg_type_name (id), "ACK");
        QF_CHECK_EQ_INT (got, seq);
    }
    seen_t seen = s_seen (f);
    QF_CHECK_EQ_INT (seen.calls, 3);
    QF_CHECK_EQ_INT (seen.seq, 23);
    QF_CHECK_STR (seen.subject, "");
}

QF_TEST (test_packed_three)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-12", 7, H_ACK_RESULT), 0);
    s_body_packed_three (s_test_name, &f);
    s_teardown (&f);
}

/* Delivers seq 9 and returns the answer in *msg. */
static void
s_deliver_and_answer (const char *s_test_name, fixture_t *f, const char *instance, uint32_t attempt,
                      uint32_t flags, qf_msg_t *msg)
{
    s_open_session (s_test_name, f, instance);
    if (s_test_current_failed)
        return;
    QF_CHECK_EQ_INT (s_send_deliver (f, 9, attempt, flags), 0);
    QF_CHECK_EQ_INT (s_recv (f, msg, WAIT_MS, true), 0);
}

static void
s_body_nack (const char *s_test_name, fixture_t *f, handler_mode_t mode)
{
    qf_msg_t msg = {0};
    s_deliver_and_answer (s_test_name, f, "legal-test-3", 2, 0, &msg);
    qf_msg_id_t id = msg.id;
    uint64_t seq = msg.seq;
    int64_t delay = msg.delay;
    char reason[QF_REASON_MAX + 1], event_id[QF_ID_MAX + 1];
    snprintf (reason, sizeof reason, "%s", msg.reason);
    snprintf (event_id, sizeof event_id, "%s", msg.event_id);
    qf_msg_reset (&msg);
    if (s_test_current_failed)
        return;
    QF_CHECK_STR (qf_msg_type_name (id), "NACK");
    QF_CHECK_EQ_INT (seq, 9);
    QF_CHECK_STR (event_id, EVENT_ID);
    if (mode == H_NACK) {
        QF_CHECK_EQ_INT (delay, 1500);
        QF_CHECK_STR (reason, "database qf is down");
    } else if (mode == H_NACK_PLAIN) {
        /* No delay: the daemon's backoff; no reason: the error's name. */
        QF_CHECK_EQ_INT (delay, 0);
        QF_CHECK_STR (reason, qf_strerror (QF_EIO));
    } else {
        QF_CHECK_EQ_INT (delay, 0);
        QF_CHECK (strstr (reason, "not a JSON object") != NULL);
    }
    QF_CHECK_EQ_INT (s_seen (f).calls, 1);
}

QF_TEST (test_handler_failure_nacks)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-3", 7, H_NACK), 0);
    s_body_nack (s_test_name, &f, H_NACK);
    s_teardown (&f);
}

QF_TEST (test_handler_failure_default_reason)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-3", 7, H_NACK_PLAIN), 0);
    s_body_nack (s_test_name, &f, H_NACK_PLAIN);
    s_teardown (&f);
}

QF_TEST (test_result_not_object_nacks)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-3", 7, H_BAD_RESULT), 0);
    s_body_nack (s_test_name, &f, H_BAD_RESULT);
    s_teardown (&f);
}

static void
s_body_processed (const char *s_test_name, fixture_t *f)
{
    qf_msg_t msg = {0};
    s_deliver_and_answer (s_test_name, f, "legal-test-4", 3, QF_DELIVER_PROCESSED, &msg);
    qf_msg_id_t id = msg.id;
    bool empty = msg.body == NULL || json_object_size (msg.body) == 0;
    qf_msg_reset (&msg);
    if (s_test_current_failed)
        return;
    QF_CHECK_STR (qf_msg_type_name (id), "ACK");
    QF_CHECK (empty);
    seen_t seen = s_seen (f);
    QF_CHECK (seen.processed);
    QF_CHECK_EQ_INT (seen.flags, QF_DELIVER_PROCESSED);
    QF_CHECK_EQ_INT (seen.attempt, 3);
}

QF_TEST (test_processed_flag)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-4", 7, H_ACK_EMPTY), 0);
    s_body_processed (s_test_name, &f);
    s_teardown (&f);
}

/* A handler's qf_worker_extend sends EXTEND for its delivery before the ACK. */
static void
s_body_extend (const char *s_test_name, fixture_t *f)
{
    qf_msg_t msg = {0};
    s_deliver_and_answer (s_test_name, f, "legal-test-5", 1, 0, &msg);
    qf_msg_id_t id = msg.id;
    uint64_t seq = msg.seq;
    char event_id[QF_ID_MAX + 1];
    snprintf (event_id, sizeof event_id, "%s", msg.event_id);
    qf_msg_reset (&msg);
    if (s_test_current_failed)
        return;
    QF_CHECK_STR (qf_msg_type_name (id), "EXTEND");
    QF_CHECK_EQ_INT (seq, 9);
    QF_CHECK_STR (event_id, EVENT_ID);
    QF_CHECK_EQ_INT (s_recv (f, &msg, WAIT_MS, true), 0);
    id = msg.id;
    qf_msg_reset (&msg);
    QF_CHECK_STR (qf_msg_type_name (id), "ACK");
    seen_t seen = s_seen (f);
    QF_CHECK_EQ_INT (seen.extend_rc, 0);
    QF_CHECK_EQ_INT (seen.extend_wrong_rc, QF_EINVAL);
}

QF_TEST (test_extend_from_handler)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-5", 7, H_EXTEND), 0);
    s_body_extend (s_test_name, &f);
    s_teardown (&f);
}

/* A DELIVER before WELCOME is not handed to the handler. */
static void
s_body_deliver_before_welcome (const char *s_test_name, fixture_t *f)
{
    qf_msg_t msg = {0};
    s_expect_hello (s_test_name, f, &msg, "legal-test-6", 7);
    qf_msg_reset (&msg);
    if (s_test_current_failed)
        return;
    QF_CHECK_EQ_INT (s_send_deliver (f, 5, 1, 0), 0);
    int rc = s_recv (f, &msg, 200, true);
    qf_msg_id_t id = msg.id;
    qf_msg_reset (&msg);
    QF_CHECK (rc == QF_ETIMEOUT || id == QF_MSG_HELLO);
    QF_CHECK_EQ_INT (s_seen (f).calls, 0);
}

QF_TEST (test_no_delivery_before_welcome)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-6", 7, H_ACK_EMPTY), 0);
    s_body_deliver_before_welcome (s_test_name, &f);
    s_teardown (&f);
}

/* The daemon ends the session with ERROR `status` and seq 0: the worker
   says HELLO again from a new socket and works on in its second session.
   The daemon side keeps heartbeating meanwhile, so only the ERROR can
   cause that HELLO, never the worker's silence detection. */
static void
s_error_ends_session (const char *s_test_name, fixture_t *f, int status, const char *reason,
                      const char *instance, uint64_t next_seq)
{
    unsigned char first[QF_ROUTING_MAX];
    size_t first_size = f->peer_size;
    memcpy (first, f->peer, first_size);
    QF_CHECK_EQ_INT (s_send_error (f, status, 0, reason), 0);
    qf_msg_t msg = {0};
    bool hello = false;
    int64_t end = qf_time_mono_ms () + WAIT_MS;
    while (!hello && qf_time_mono_ms () < end) {
        qf_msg_t beat = {.id = QF_MSG_HEARTBEAT};
        QF_CHECK_EQ_INT (s_send (f, &beat), 0);
        if (s_recv (f, &msg, HEARTBEAT_MS / 2, true) == 0 && msg.id == QF_MSG_HELLO) {
            hello = true;
            QF_CHECK_STR (json_string_value (json_object_get (msg.body, "instance")), instance);
            QF_CHECK_EQ_INT (json_integer_value (json_object_get (msg.body, "window")), 7);
        }
        qf_msg_reset (&msg);
    }
    QF_CHECK (hello);
    if (s_test_current_failed)
        return;
    QF_CHECK (f->peer_size != first_size || memcmp (f->peer, first, first_size) != 0);
    QF_CHECK_EQ_INT (s_send_welcome (f, instance), 0);
    s_deliver_expect_ack (s_test_name, f, next_seq);
    if (s_test_current_failed)
        return;
    QF_CHECK_EQ_INT (s_seen (f).sessions, 2);
}

/* ERROR 404 with seq 0: no session (the daemon restarted), say HELLO again
   at once. An ERROR about one event (seq != 0) leaves the session alone. */
static void
s_body_error_404 (const char *s_test_name, fixture_t *f)
{
    s_open_session (s_test_name, f, "legal-test-7");
    if (s_test_current_failed)
        return;
    unsigned char first[QF_ROUTING_MAX];
    size_t first_size = f->peer_size;
    memcpy (first, f->peer, first_size);
    QF_CHECK_EQ_INT (s_send_error (f, QF_STATUS_CONFLICT, 9, "event 9 is done"), 0);
    s_deliver_expect_ack (s_test_name, f, 10);
    if (s_test_current_failed)
        return;
    QF_CHECK (f->peer_size == first_size && memcmp (f->peer, first, first_size) == 0);
    s_error_ends_session (s_test_name, f, QF_STATUS_NOT_FOUND,
                          "no session for this socket; send HELLO", "legal-test-7", 11);
}

QF_TEST (test_error_404_says_hello_again)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-7", 7, H_ACK_EMPTY), 0);
    s_body_error_404 (s_test_name, &f);
    s_teardown (&f);
    QF_CHECK_EQ_INT (f.sessions_at_end, 2);
}

/* ERROR 403 with seq 0: the daemon ended the session (a revoked
   certificate); the worker stops using it and says HELLO again after a
   backoff, instead of heartbeating into nothing. */
static void
s_body_error_403 (const char *s_test_name, fixture_t *f)
{
    s_open_session (s_test_name, f, "legal-test-9");
    if (s_test_current_failed)
        return;
    s_error_ends_session (s_test_name, f, QF_STATUS_FORBIDDEN, "certificate revoked",
                          "legal-test-9", 14);
}

QF_TEST (test_error_403_ends_the_session)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-9", 7, H_ACK_EMPTY), 0);
    s_body_error_403 (s_test_name, &f);
    s_teardown (&f);
    QF_CHECK_EQ_INT (f.sessions_at_end, 2);
}

/* While the daemon heartbeats, the worker keeps its session and heartbeats
   too; when the daemon falls silent for 3 heartbeats, it reconnects. */
static void
s_body_silence (const char *s_test_name, fixture_t *f)
{
    s_open_session (s_test_name, f, "legal-test-8");
    if (s_test_current_failed)
        return;
    unsigned char first[QF_ROUTING_MAX];
    size_t first_size = f->peer_size;
    memcpy (first, f->peer, first_size);

    /* 10 heartbeat intervals with our HEARTBEATs: no new HELLO. */
    qf_msg_t msg = {0};
    int64_t end = qf_time_mono_ms () + 10 * HEARTBEAT_MS;
    while (qf_time_mono_ms () < end) {
        qf_msg_t beat = {.id = QF_MSG_HEARTBEAT};
        QF_CHECK_EQ_INT (s_send (f, &beat), 0);
        int rc = s_recv (f, &msg, HEARTBEAT_MS / 2, true);
        qf_msg_id_t id = msg.id;
        qf_msg_reset (&msg);
        QF_CHECK (rc == QF_ETIMEOUT || id != QF_MSG_HELLO);
        zclock_sleep (HEARTBEAT_MS / 2);
    }
    /* Several heartbeats were skipped by s_recv: the worker sends them when idle. */
    QF_CHECK (f->heartbeats >= 4);
    s_deliver_expect_ack (s_test_name, f, 12);
    if (s_test_current_failed)
        return;
    QF_CHECK (f->peer_size == first_size && memcmp (f->peer, first, first_size) == 0);
    QF_CHECK_EQ_INT (s_seen (f).sessions, 1);

    /* Now silence. */
    int64_t quiet_from = qf_time_mono_ms ();
    f->heartbeats = 0;
    QF_CHECK_EQ_INT (s_recv (f, &msg, WAIT_MS, true), 0);
    int64_t waited = qf_time_mono_ms () - quiet_from;
    qf_msg_id_t id = msg.id;
    qf_msg_reset (&msg);
    QF_CHECK_STR (qf_msg_type_name (id), "HELLO");
    QF_CHECK (waited >= 3 * HEARTBEAT_MS - 60);
    QF_CHECK (waited < 3 * HEARTBEAT_MS + 1000);
    QF_CHECK (f->heartbeats >= 1);
    QF_CHECK (f->peer_size != first_size || memcmp (f->peer, first, first_size) != 0);
    QF_CHECK_EQ_INT (s_send_welcome (f, "legal-test-8"), 0);
    s_deliver_expect_ack (s_test_name, f, 13);
    if (s_test_current_failed)
        return;
    QF_CHECK_EQ_INT (s_seen (f).sessions, 2);
}

QF_TEST (test_silence_reconnects)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-8", 7, H_ACK_EMPTY), 0);
    s_body_silence (s_test_name, &f);
    s_teardown (&f);
}

/* qf_worker_stop on a live session: BYE from the session's socket, and
   qf_worker_run returns 0. */
static void
s_body_bye (const char *s_test_name, fixture_t *f)
{
    s_open_session (s_test_name, f, "legal-test-9");
    if (s_test_current_failed)
        return;
    /* Live: a delivery is answered. */
    s_deliver_expect_ack (s_test_name, f, 14);
    if (s_test_current_failed)
        return;
    unsigned char first[QF_ROUTING_MAX];
    size_t first_size = f->peer_size;
    memcpy (first, f->peer, first_size);

    int64_t asked = qf_time_mono_ms ();
    qf_worker_stop (f->worker);
    qf_msg_t msg = {0};
    int rc = s_recv (f, &msg, WAIT_MS, true);
    qf_msg_id_t id = msg.id;
    bool same_peer = msg.routing_size == first_size && memcmp (msg.routing, first, first_size) == 0;
    qf_msg_reset (&msg);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_STR (qf_msg_type_name (id), "BYE");
    QF_CHECK (same_peer);
    s_stop (f);
    QF_CHECK (qf_time_mono_ms () - asked < 2 * HEARTBEAT_MS + 500);
    QF_CHECK_EQ_INT (f->run_rc, 0);
    QF_CHECK (!f->connected_at_end);
    QF_CHECK_EQ_INT (f->sessions_at_end, 1);
    /* Nothing after BYE. */
    rc = s_recv (f, &msg, 3 * HEARTBEAT_MS, false);
    qf_msg_reset (&msg);
    QF_CHECK_EQ_INT (rc, QF_ETIMEOUT);
}

QF_TEST (test_bye_on_stop)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-9", 7, H_ACK_EMPTY), 0);
    s_body_bye (s_test_name, &f);
    s_teardown (&f);
}

/*  Delivers `seq` of `topic` and expects an ACK for it within WAIT_MS,
    whose body (NULL for {}) goes to *body_p (caller owns it). */
static void
s_route_ack (const char *s_test_name, fixture_t *f, uint64_t seq, uint32_t flags, const char *topic,
             json_t **body_p)
{
    *body_p = NULL;
    QF_CHECK_EQ_INT (s_send_deliver_topic (f, seq, 1, flags, topic), 0);
    qf_msg_t msg = {0};
    QF_CHECK_EQ_INT (s_recv (f, &msg, WAIT_MS, true), 0);
    qf_msg_id_t id = msg.id;
    uint64_t acked = msg.seq;
    if (json_object_size (msg.body) > 0)
        *body_p = json_incref (msg.body);
    qf_msg_reset (&msg);
    QF_CHECK_STR (qf_msg_type_name (id), "ACK");
    QF_CHECK_EQ_INT (acked, seq);
}

/* A dispatch table: each topic goes to the first row that matches it;
   a topic no row matches and an event already processed are acked with
   nothing, without calling a handler. */
static void
s_body_routes (const char *s_test_name, fixture_t *f)
{
    s_open_session (s_test_name, f, "legal-test-10");
    if (s_test_current_failed)
        return;
    json_t *review = NULL, *certificate = NULL, *unmatched = NULL, *processed = NULL;
    s_route_ack (s_test_name, f, 1, 0, "qualification.review_requested", &review);
    s_route_ack (s_test_name, f, 2, 0, "certificate.expiring", &certificate);
    s_route_ack (s_test_name, f, 3, 0, "custody.transferred", &unmatched);
    s_route_ack (s_test_name, f, 4, QF_DELIVER_PROCESSED, "certificate.expired", &processed);
    const char *command = json_string_value (json_object_get (review, "command"));
    const char *topic =
        json_string_value (json_object_get (json_object_get (certificate, "args"), "topic"));
    bool review_ok = command && strcmp (command, "qual.submit") == 0;
    const char *route =
        json_string_value (json_object_get (json_object_get (certificate, "args"), "route"));
    bool certificate_ok = topic && strcmp (topic, "certificate.expiring") == 0 && route &&
                          strcmp (route, "certificates") == 0;
    bool nothing = unmatched == NULL && processed == NULL;
    json_decref (review);
    json_decref (certificate);
    json_decref (unmatched);
    json_decref (processed);
    if (s_test_current_failed)
        return;
    QF_CHECK (review_ok);
    QF_CHECK (certificate_ok);
    QF_CHECK (nothing);
    seen_t seen = s_seen (f);
    QF_CHECK_EQ_INT (seen.calls, 1);
    QF_CHECK_EQ_INT (seen.certificate_calls, 1);
    QF_CHECK_STR (seen.topic, "qualification.review_requested");
}

QF_TEST (test_routes_dispatch_by_topic)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-10", 7, H_ROUTES), 0);
    s_body_routes (s_test_name, &f);
    s_teardown (&f);
}

/*  With a daemon whose WELCOME says acks_max 4: empty-result acks of the
    deliveries read together go out as ACKS of at most 4 seqs; an ACK with
    a result is sent after the acks held before it (the daemon sees the
    answers in their order); the last ones leave once nothing more waits.
    Thirteen deliveries, the first handled slowly so the rest queue up. */
static void
s_body_acks (const char *s_test_name, fixture_t *f)
{
    qf_msg_t msg = {0};
    s_expect_hello (s_test_name, f, &msg, "legal-test-11", 7);
    qf_msg_reset (&msg);
    if (s_test_current_failed)
        return;
    QF_CHECK_EQ_INT (s_send_welcome_acks (f, "legal-test-11", 4), 0);
    for (uint64_t seq = 1; seq <= 13; seq++)
        QF_CHECK_EQ_INT (s_send_deliver (f, seq, 1, 0), 0);
    int acked[14] = {0}, total = 0, acks_messages = 0, largest = 0;
    bool result_ok = false, order_ok = true;
    while (total < 13) {
        if (s_recv (f, &msg, WAIT_MS, true) != 0)
            break;
        if (msg.id == QF_MSG_ACK) {
            result_ok = msg.seq == 4 && msg.body &&
                        json_is_string (json_object_get (msg.body, "command"));
            for (uint64_t before = 1; before < 4; before++)
                order_ok = order_ok && acked[before] == 1;
            if (msg.seq <= 13)
                acked[msg.seq]++;
            total++;
        } else if (msg.id == QF_MSG_ACKS) {
            acks_messages++;
            if ((int)msg.seq_count > largest)
                largest = (int)msg.seq_count;
            for (size_t i = 0; i < msg.seq_count; i++) {
                if (msg.seqs[i] >= 1 && msg.seqs[i] <= 13)
                    acked[msg.seqs[i]]++;
                total++;
            }
        } else {
            QF_CHECK_STR (qf_msg_type_name (msg.id), "ACK or ACKS");
            total = 100;
        }
        qf_msg_reset (&msg);
    }
    QF_CHECK_EQ_INT (total, 13);
    for (int seq = 1; seq <= 13; seq++)
        QF_CHECK_EQ_INT (acked[seq], 1);
    QF_CHECK (result_ok);
    QF_CHECK (order_ok);
    QF_CHECK (largest > 1 && largest <= 4);
    QF_CHECK (acks_messages >= 3); /* 12 empty acks, at most 4 a message */
    /* A delivery read alone is acked at once, not held. */
    QF_CHECK_EQ_INT (s_send_deliver (f, 14, 1, 0), 0);
    QF_CHECK_EQ_INT (s_recv (f, &msg, WAIT_MS, true), 0);
    QF_CHECK_STR (qf_msg_type_name (msg.id), "ACKS");
    QF_CHECK (msg.seq_count == 1 && msg.seqs && msg.seqs[0] == 14);
    qf_msg_reset (&msg);
}

QF_TEST (test_empty_acks_go_together)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f, "legal-test-11", 7, H_BATCH), 0);
    s_body_acks (s_test_name, &f);
    s_teardown (&f);
}

/* Runs one test under a watchdog: a hang kills the process (the runner
   counts that as a failure) instead of stalling. */
#define RUN_BOUNDED(name)                                                                          \
    do {                                                                                           \
        alarm (TEST_LIMIT_S);                                                                      \
        QF_RUN (name);                                                                             \
        alarm (0);                                                                                 \
    } while (0)

int
main (void)
{
    s_test_suite = "worker";
    /* The worker logs its reconnections at warn; the test provokes them. */
    qf_log_init ("test_worker", QF_LOG_ERROR, false);
    RUN_BOUNDED (test_new_rejects_invalid);
    RUN_BOUNDED (test_hello_fields);
    RUN_BOUNDED (test_hello_defaults);
    RUN_BOUNDED (test_deliver_ack_result);
    RUN_BOUNDED (test_packed_delivery);
    RUN_BOUNDED (test_packed_three);
    RUN_BOUNDED (test_handler_failure_nacks);
    RUN_BOUNDED (test_handler_failure_default_reason);
    RUN_BOUNDED (test_result_not_object_nacks);
    RUN_BOUNDED (test_processed_flag);
    RUN_BOUNDED (test_routes_dispatch_by_topic);
    RUN_BOUNDED (test_extend_from_handler);
    RUN_BOUNDED (test_no_delivery_before_welcome);
    RUN_BOUNDED (test_error_404_says_hello_again);
    RUN_BOUNDED (test_error_403_ends_the_session);
    RUN_BOUNDED (test_silence_reconnects);
    RUN_BOUNDED (test_bye_on_stop);
    RUN_BOUNDED (test_empty_acks_go_together);
    return qf_test_done ();
}
