/*  test_delivery — qf_delivery in-process, on a real store (a temporary
    SQLite file) and a real worker socket (a ROUTER bound in-process, with
    one DEALER as the worker): the retry delay (delivery.backoff_*) at its
    edges, then the paths an event takes through the split units — acks
    out of order and the position (qf_groups.c), a NACK delay over the cap,
    an expired lease, a dead letter after max_deliveries and its retry
    (qf_dispatch.c), a session begun with HELLO (qf_sessions.c). The
    backoff's dice is chosen, so those values are exact; every wait for a
    message is bounded.
*/
#include "qf.h"
#include "qf_config.h"
#include "qf_delivery.h"
#include "qf_test.h"
#include "qf_test_config.h"

#include <stdint.h>
#include <unistd.h>
#include <zmq.h>

static qf_config_t *s_default = NULL; /* backoff 1000 ms doubling to 60000 ms */
static qf_config_t *s_power = NULL;   /* backoff 1000 ms doubling to exactly 8000 ms */
static qf_config_t *s_least = NULL;   /* backoff 1 ms, at most 1 ms */

/* The delay without jitter: a dice of delay / 5 moves it by nothing. */
static int64_t
s_plain (const qf_config_t *config, uint32_t attempt, int64_t expected)
{
    return qf_delivery_backoff_ms (config, attempt, (long)(expected / 5));
}

QF_TEST (delay_doubles_up_to_the_cap)
{
    const struct {
        qf_config_t **config;
        uint32_t attempt;
        int64_t delay;
    } cases[] = {
        {&s_default, 1, 1000}, /* the first retry waits the initial delay */
        {&s_default, 0, 1000}, /* not a count the daemon passes; waits as 1 does */
        {&s_default, 2, 2000},  {&s_default, 3, 4000},
        {&s_default, 6, 32000}, {&s_default, 7, 60000}, /* 1000 * 2^6 = 64000 overshoots: the cap */
        {&s_default, 8, 60000}, {&s_default, UINT32_MAX, 60000},
        {&s_power, 3, 4000},    {&s_power, 4, 8000}, /* the cap reached exactly */
        {&s_power, 5, 8000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t delay = s_plain (*cases[i].config, cases[i].attempt, cases[i].delay);
        if (delay != cases[i].delay)
            printf ("# case %zu: attempt %u waits %lld ms, not %lld\n", i, cases[i].attempt,
                    (long long)delay, (long long)cases[i].delay);
        QF_CHECK_EQ_INT (delay, cases[i].delay);
    }
}

QF_TEST (jitter_is_at_most_a_fifth_either_way)
{
    /* 1000 ms: jitter 200, so the dice picks 800 ... 1200 and wraps. */
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 1, 0), 800);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 1, 1), 801);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 1, 400), 1200);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 1, 401), 800);
    /* At the cap too: 60000 +- 12000. */
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 9, 0), 48000);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 9, 24000), 72000);
    /* Any dice at all stays inside the bounds. */
    long dice[] = {-1, -401, 12345, 2147483647L, -2147483647L - 1};
    for (size_t i = 0; i < sizeof dice / sizeof dice[0]; i++) {
        int64_t delay = qf_delivery_backoff_ms (s_default, 1, dice[i]);
        QF_CHECK (delay >= 800 && delay <= 1200);
    }
}

QF_TEST (least_delay_has_no_jitter)
{
    /* 1 ms: a fifth of it is 0, so there is nothing to move. */
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_least, 1, 0), 1);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_least, 1, 7), 1);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_least, 40, 7), 1);
}

/* In-process delivery ------------------------------------------------------- */

/* A delivery engine over a fresh database, and one worker "w1" of group g. */
typedef struct {
    char path[128];            /* the database file */
    qf_config_t *config;       /* owned */
    qf_store_t *store;         /* owned */
    qf_delivery_t *delivery;   /* owned */
    void *zmq;                 /* libzmq context, owned */
    void *router;              /* the daemon's worker socket */
    void *dealer;              /* the worker's socket, routing id "w1" */
    qf_event_list_t committed; /* events of the last batch */
} fixture_t;

static char s_dir[64];

/* Opens the fixture; group g takes topics t.* with the given lease and
   most deliveries. Returns 0, or prints why and returns -1. */
/* delivery.window of the next s_open. */
static int s_window = 64;

static int
s_open (fixture_t *f, int ack_wait_ms, int max_deliveries)
{
    static int n = 0;
    memset (f, 0, sizeof *f);
    n++;
    snprintf (f->path, sizeof f->path, "%s/delivery-%d.db", s_dir, n);
    char yaml[512];
    snprintf (yaml, sizeof yaml,
              "daemon:\n  heartbeat_ms: 60000\n"
              "delivery:\n  backoff_initial_ms: 1\n  backoff_max_ms: 1\n  window: %d\n"
              "groups:\n  - name: g\n    topics: [t.*]\n    ack_wait_ms: %d\n"
              "    max_deliveries: %d\n",
              s_window, ack_wait_ms, max_deliveries);
    f->config = qf_test_config (yaml);
    char error[512] = "";
    f->store = f->config ? qf_store_new (f->path, QF_DURABILITY_FULL, error, sizeof error) : NULL;
    if (!f->store) {
        printf ("# cannot open a store at %s: %s\n", f->path, error);
        return -1;
    }
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://delivery-%d", n);
    int one = 1;
    f->zmq = zmq_ctx_new ();
    f->router = zmq_socket (f->zmq, ZMQ_ROUTER);
    f->dealer = zmq_socket (f->zmq, ZMQ_DEALER);
    zmq_setsockopt (f->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt (f->dealer, ZMQ_ROUTING_ID, "w1", 2);
    if (zmq_bind (f->router, endpoint) || zmq_connect (f->dealer, endpoint)) {
        printf ("# cannot connect %s: %s\n", endpoint, zmq_strerror (zmq_errno ()));
        return -1;
    }
    f->delivery = qf_delivery_new (f->store, f->config, f->router);
    int rc = qf_store_begin (f->store);
    if (rc == 0)
        rc = qf_delivery_load (f->delivery, qf_time_now_ms ());
    if (rc == 0)
        rc = qf_store_commit (f->store);
    if (rc)
        printf ("# cannot load the groups: %s\n", qf_strerror (rc));
    return rc ? -1 : 0;
}

static void
s_close (fixture_t *f)
{
    qf_delivery_destroy (&f->delivery);
    qf_event_list_free (&f->committed);
    qf_store_destroy (&f->store);
    qf_config_destroy (&f->config);
    int zero = 0;
    if (f->router)
        zmq_setsockopt (f->router, ZMQ_LINGER, &zero, sizeof zero);
    if (f->dealer)
        zmq_setsockopt (f->dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close (f->router);
    zmq_close (f->dealer);
    if (f->zmq)
        zmq_ctx_term (f->zmq);
    const char *suffixes[] = {"", "-wal", "-shm", ".lock"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char path[160];
        snprintf (path, sizeof path, "%s%s", f->path, suffixes[i]);
        unlink (path);
    }
}

/* Ends a batch as the server does: delivery's state is written, the
   batch commits, then delivery hears that it did. Keeps its events. */
static int
s_batch (fixture_t *f)
{
    int rc = qf_store_in_transaction (f->store) ? 0 : qf_store_begin (f->store);
    if (rc == 0)
        rc = qf_delivery_before_commit (f->delivery);
    if (rc == 0)
        rc = qf_store_commit (f->store);
    else
        qf_store_rollback (f->store);
    qf_delivery_after_commit (f->delivery, rc == 0);
    qf_event_list_free (&f->committed);
    qf_store_take_committed (f->store, &f->committed);
    return rc;
}

/* Commits `count` events of topic t.x, as a command would append them. */
static int
s_append (fixture_t *f, int count)
{
    int rc = qf_store_begin (f->store);
    for (int i = 0; rc == 0 && i < count; i++) {
        json_t *payload = json_pack ("{s:i}", "i", i);
        rc = qf_store_event_append (f->store, "t.x", "thing/1", payload, qf_time_now_ms (), NULL);
        json_decref (payload);
    }
    return rc ? rc : s_batch (f);
}

/* Hands a message from the worker to delivery, as the server would; the
   message keeps what it holds (seqs the caller owns). */
static void
s_handle_borrowed (fixture_t *f, qf_msg_t *msg)
{
    qf_ctx_t ctx;
    memset (&ctx, 0, sizeof ctx);
    ctx.store = f->store;
    ctx.config = f->config;
    ctx.delivery = f->delivery;
    ctx.now = qf_time_now_ms ();
    memcpy (msg->routing, "w1", 2);
    msg->routing_size = 2;
    qf_delivery_handle (f->delivery, msg, &ctx);
}

/* s_handle_borrowed, then the message is emptied. */
static void
s_handle (fixture_t *f, qf_msg_t *msg)
{
    s_handle_borrowed (f, msg);
    qf_msg_reset (msg);
}

/* Sends ACK, NACK or EXTEND of a delivered event. */
static void
s_answer (fixture_t *f, qf_msg_id_t id, const qf_msg_t *deliver, int64_t delay, const char *reason)
{
    qf_msg_t msg = {0};
    msg.id = id;
    msg.seq = deliver->seq;
    snprintf (msg.event_id, sizeof msg.event_id, "%s", deliver->event_id);
    msg.delay = delay;
    snprintf (msg.reason, sizeof msg.reason, "%s", reason ? reason : "");
    if (id == QF_MSG_ACK)
        msg.body = json_object ();
    s_handle (f, &msg);
}

/* Receives the worker's next message, waiting at most 10 s meanwhile
   running the daemon's loop: timers when `tick`, dispatch, and a batch
   when delivery needs one. 0, or QF_EAGAIN when nothing came. */
static int
s_next (fixture_t *f, qf_msg_t *msg, bool tick)
{
    qf_msg_reset (msg);
    int64_t until = qf_time_mono_ms () + 10000;
    while (qf_time_mono_ms () < until) {
        if (qf_msg_recv (msg, f->dealer, false, ZMQ_DONTWAIT) == 0)
            return 0;
        if (tick)
            qf_delivery_tick (f->delivery);
        qf_delivery_dispatch (f->delivery, qf_store_last_seq (f->store), NULL);
        if (qf_delivery_must_commit (f->delivery) || qf_delivery_dirty (f->delivery))
            s_batch (f);
        zmq_pollitem_t item = {f->dealer, 0, ZMQ_POLLIN, 0};
        zmq_poll (&item, 1, 5);
    }
    return QF_EAGAIN;
}

/* Joins group g as w1 and reads the WELCOME, which waits for the commit;
   `packed` asks for PACKED deliveries. */
static int
s_join_as (fixture_t *f, bool packed)
{
    qf_msg_t msg = {0};
    msg.id = QF_MSG_HELLO;
    msg.body = json_pack ("{s:s, s:s, s:b}", "group", "g", "instance", "w1", "packed", packed);
    s_handle (f, &msg);
    int rc = s_batch (f);
    if (rc == 0)
        rc = s_next (f, &msg, false);
    if (rc == 0 && msg.id != QF_MSG_WELCOME)
        rc = QF_EPROTO;
    qf_msg_reset (&msg);
    return rc;
}

static int
s_join (fixture_t *f)
{
    return s_join_as (f, false);
}

/* Group g's position as delivery reports it (groups.list). */
static int64_t
s_position (fixture_t *f)
{
    json_t *groups = qf_delivery_groups (f->delivery);
    json_int_t position =
        json_integer_value (json_object_get (json_array_get (groups, 0), "position"));
    json_decref (groups);
    return position;
}

/* A number of group g's status (in_flight, waiting, members). */
static int64_t
s_status (fixture_t *f, const char *key)
{
    json_t *status = qf_delivery_status (f->delivery);
    json_t *group = json_array_get (json_object_get (status, "groups"), 0);
    json_int_t value = json_integer_value (json_object_get (group, key));
    json_decref (status);
    return value;
}

static int
s_floor_of (const char *name, const char *topics_json, uint64_t floor, void *arg)
{
    (void)topics_json;
    if (strcmp (name, "g") == 0)
        *(int64_t *)arg = (int64_t)floor;
    return 0;
}

/* Group g's position as the database has it. */
static int64_t
s_stored_position (fixture_t *f)
{
    int64_t floor = -1;
    qf_store_groups_load (f->store, s_floor_of, &floor);
    return floor;
}

/* The failed attempt the database remembers for an event of group g. */
typedef struct {
    int rows;             /* rows found */
    uint32_t attempts;    /* of the last */
    char last_error[256]; /* of the last */
} failed_t;

static int
s_failed_row (uint64_t seq, uint32_t attempts, const char *last_error, bool pinned, void *arg)
{
    (void)seq;
    (void)pinned;
    failed_t *failed = arg;
    failed->rows++;
    failed->attempts = attempts;
    snprintf (failed->last_error, sizeof failed->last_error, "%s", last_error ? last_error : "");
    return 0;
}

/* A packed session gets the events of one pass in one PACKED, in seq
   order with their payloads, and one ACKS acknowledges them all. */
QF_TEST (a_pass_goes_to_a_packed_session_in_one_message)
{
    fixture_t f;
    QF_CHECK (s_open (&f, 30000, 5) == 0);
    QF_CHECK_EQ_INT (s_join_as (&f, true), 0);
    QF_CHECK_EQ_INT (s_append (&f, 3), 0);
    qf_msg_t msg = {0};
    QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
    QF_CHECK_EQ_INT (msg.id, QF_MSG_PACKED);
    QF_CHECK (msg.packed && msg.packed->count == 3);
    for (size_t i = 0; msg.packed && i < msg.packed->count; i++) {
        const qf_packed_event_t *e = &msg.packed->events[i];
        QF_CHECK_EQ_INT (e->seq, i + 1);
        QF_CHECK_STR (e->topic, "t.x");
        QF_CHECK_STR (e->subject, "thing/1");
        QF_CHECK_EQ_INT (e->attempt, 1);
        QF_CHECK_EQ_INT (json_integer_value (json_object_get (e->body, "i")), (int)i);
    }
    qf_msg_reset (&msg);
    QF_CHECK_EQ_INT (s_status (&f, "in_flight"), 3);
    uint64_t seqs[] = {1, 2, 3};
    qf_msg_t acks = {.id = QF_MSG_ACKS, .seqs = seqs, .seq_count = 3};
    s_handle_borrowed (&f, &acks);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (s_position (&f), 3);
    QF_CHECK_EQ_INT (s_stored_position (&f), 3);
    QF_CHECK_EQ_INT (s_status (&f, "in_flight"), 0);
    s_close (&f);
}

/* A pass of 300 events to one packed session: a full PACKED of 256, then
   one of the other 44. */
QF_TEST (a_full_pack_is_sent_and_another_begun)
{
    fixture_t f;
    s_window = 1000;
    int rc = s_open (&f, 30000, 5);
    s_window = 64;
    QF_CHECK (rc == 0);
    QF_CHECK_EQ_INT (s_join_as (&f, true), 0);
    QF_CHECK_EQ_INT (s_append (&f, 300), 0);
    qf_msg_t msg = {0};
    size_t counts[2] = {0, 0};
    uint64_t next = 1;
    for (int i = 0; i < 2; i++) {
        QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
        QF_CHECK_EQ_INT (msg.id, QF_MSG_PACKED);
        for (size_t k = 0; msg.packed && k < msg.packed->count; k++)
            QF_CHECK_EQ_INT (msg.packed->events[k].seq, next++);
        counts[i] = msg.packed ? msg.packed->count : 0;
        qf_msg_reset (&msg);
    }
    QF_CHECK_EQ_INT (counts[0], QF_PACKED_MAX);
    QF_CHECK_EQ_INT (counts[1], 300 - QF_PACKED_MAX);
    s_close (&f);
}

QF_TEST (acks_out_of_order_move_the_position_once_the_gap_closes)
{
    fixture_t f;
    QF_CHECK (s_open (&f, 30000, 5) == 0);
    QF_CHECK_EQ_INT (s_join (&f), 0);
    QF_CHECK_EQ_INT (s_append (&f, 3), 0);
    qf_msg_t delivered[3] = {{0}};
    for (int i = 0; i < 3; i++) {
        QF_CHECK_EQ_INT (s_next (&f, &delivered[i], false), 0);
        QF_CHECK_EQ_INT (delivered[i].id, QF_MSG_DELIVER);
        QF_CHECK_EQ_INT (delivered[i].seq, i + 1);
        QF_CHECK_EQ_INT (delivered[i].attempt, 1);
    }
    /* 3, then 2: acks above the floor, which stays until 1 is done. */
    s_answer (&f, QF_MSG_ACK, &delivered[2], 0, NULL);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (s_position (&f), 0);
    QF_CHECK_EQ_INT (s_stored_position (&f), 0);
    s_answer (&f, QF_MSG_ACK, &delivered[1], 0, NULL);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (s_position (&f), 0);
    QF_CHECK_EQ_INT (s_status (&f, "in_flight"), 1);
    s_answer (&f, QF_MSG_ACK, &delivered[0], 0, NULL);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (s_position (&f), 3);
    QF_CHECK_EQ_INT (s_stored_position (&f), 3);
    QF_CHECK_EQ_INT (s_status (&f, "in_flight"), 0);
    /* An ack of an event already done is refused: 409, nothing moves. */
    s_answer (&f, QF_MSG_ACK, &delivered[0], 0, NULL);
    qf_msg_t error = {0};
    QF_CHECK_EQ_INT (s_next (&f, &error, false), 0);
    QF_CHECK_EQ_INT (error.id, QF_MSG_ERROR);
    QF_CHECK_EQ_INT (error.status, QF_STATUS_CONFLICT);
    QF_CHECK_EQ_INT (error.seq, 1);
    for (int i = 0; i < 3; i++)
        qf_msg_reset (&delivered[i]);
    qf_msg_reset (&error);
    s_close (&f);
}

QF_TEST (acks_above_the_position_survive_a_restart)
{
    fixture_t f;
    QF_CHECK (s_open (&f, 30000, 5) == 0);
    QF_CHECK_EQ_INT (s_join (&f), 0);
    QF_CHECK_EQ_INT (s_append (&f, 3), 0);
    qf_msg_t msg = {0};
    for (int i = 0; i < 3; i++) {
        QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
        if (msg.seq == 2)
            s_answer (&f, QF_MSG_ACK, &msg, 0, NULL);
    }
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (s_stored_position (&f), 0);
    /* A new engine over the same database: 2 was done, 1 and 3 were not. */
    qf_delivery_destroy (&f.delivery);
    f.delivery = qf_delivery_new (f.store, f.config, f.router);
    QF_CHECK (f.delivery);
    QF_CHECK_EQ_INT (qf_store_begin (f.store), 0);
    QF_CHECK_EQ_INT (qf_delivery_load (f.delivery, qf_time_now_ms ()), 0);
    QF_CHECK_EQ_INT (qf_store_commit (f.store), 0);
    QF_CHECK_EQ_INT (s_join (&f), 0);
    QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
    QF_CHECK_EQ_INT (msg.id, QF_MSG_DELIVER);
    QF_CHECK_EQ_INT (msg.seq, 1);
    s_answer (&f, QF_MSG_ACK, &msg, 0, NULL);
    QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
    QF_CHECK_EQ_INT (msg.id, QF_MSG_DELIVER);
    QF_CHECK_EQ_INT (msg.seq, 3);
    s_answer (&f, QF_MSG_ACK, &msg, 0, NULL);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (s_position (&f), 3);
    QF_CHECK_EQ_INT (s_stored_position (&f), 3);
    qf_msg_reset (&msg);
    s_close (&f);
}

QF_TEST (nack_delay_over_the_cap_is_refused_and_changes_nothing)
{
    fixture_t f;
    QF_CHECK (s_open (&f, 30000, 5) == 0);
    QF_CHECK_EQ_INT (s_join (&f), 0);
    QF_CHECK_EQ_INT (s_append (&f, 1), 0);
    qf_msg_t deliver = {0}, reply = {0};
    QF_CHECK_EQ_INT (s_next (&f, &deliver, false), 0);
    QF_CHECK_EQ_INT (deliver.id, QF_MSG_DELIVER);
    s_answer (&f, QF_MSG_NACK, &deliver, QF_DELAY_MAX + 1, "later");
    QF_CHECK_EQ_INT (s_next (&f, &reply, false), 0);
    QF_CHECK_EQ_INT (reply.id, QF_MSG_ERROR);
    QF_CHECK_EQ_INT (reply.status, QF_STATUS_BAD_REQUEST);
    QF_CHECK_EQ_INT (reply.seq, 1);
    QF_CHECK_STR (reply.reason, "NACK delay 86400001 ms is over the 86400000 ms (24 h) allowed; "
                                "nothing was changed; send at most that, or 0 for the daemon's "
                                "backoff");
    /* The worker still holds the event, its lease running. */
    QF_CHECK_EQ_INT (s_status (&f, "in_flight"), 1);
    QF_CHECK_EQ_INT (s_status (&f, "waiting"), 0);
    QF_CHECK (!qf_delivery_must_commit (f.delivery));
    /* The most allowed is taken: the event waits, failed, for a day. */
    s_answer (&f, QF_MSG_NACK, &deliver, QF_DELAY_MAX, "later");
    QF_CHECK_EQ_INT (s_status (&f, "in_flight"), 0);
    QF_CHECK_EQ_INT (s_status (&f, "waiting"), 1);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    failed_t failed = {0};
    QF_CHECK_EQ_INT (qf_store_deliveries_load (f.store, "g", s_failed_row, &failed), 0);
    QF_CHECK_EQ_INT (failed.rows, 1);
    QF_CHECK_EQ_INT (failed.attempts, 1);
    QF_CHECK_STR (failed.last_error, "later");
    qf_delivery_dispatch (f.delivery, qf_store_last_seq (f.store), NULL);
    QF_CHECK_EQ_INT (s_status (&f, "waiting"), 1);
    qf_msg_reset (&deliver);
    qf_msg_reset (&reply);
    s_close (&f);
}

QF_TEST (an_expired_lease_delivers_the_event_again)
{
    fixture_t f;
    QF_CHECK (s_open (&f, 100, 5) == 0);
    QF_CHECK_EQ_INT (s_join (&f), 0);
    QF_CHECK_EQ_INT (s_append (&f, 1), 0);
    qf_msg_t first = {0}, again = {0};
    QF_CHECK_EQ_INT (s_next (&f, &first, false), 0);
    QF_CHECK_EQ_INT (first.id, QF_MSG_DELIVER);
    QF_CHECK_EQ_INT (first.attempt, 1);
    /* No answer: the timers find the lease over and the event goes again. */
    QF_CHECK_EQ_INT (s_next (&f, &again, true), 0);
    QF_CHECK_EQ_INT (again.id, QF_MSG_DELIVER);
    QF_CHECK_EQ_INT (again.seq, 1);
    QF_CHECK_STR (again.event_id, first.event_id);
    QF_CHECK_EQ_INT (again.attempt, 2);
    failed_t failed = {0};
    QF_CHECK_EQ_INT (qf_store_deliveries_load (f.store, "g", s_failed_row, &failed), 0);
    QF_CHECK_EQ_INT (failed.rows, 1);
    QF_CHECK_EQ_INT (failed.attempts, 1);
    QF_CHECK_STR (failed.last_error, "lease of 100 ms expired in worker w1");
    /* A late ACK of the first delivery still counts: the event is done. */
    s_answer (&f, QF_MSG_ACK, &first, 0, NULL);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (s_position (&f), 1);
    failed.rows = 0;
    QF_CHECK_EQ_INT (qf_store_deliveries_load (f.store, "g", s_failed_row, &failed), 0);
    QF_CHECK_EQ_INT (failed.rows, 0);
    qf_msg_reset (&first);
    qf_msg_reset (&again);
    s_close (&f);
}

QF_TEST (dead_letter_after_max_deliveries_then_retry)
{
    fixture_t f;
    QF_CHECK (s_open (&f, 30000, 2) == 0);
    QF_CHECK_EQ_INT (s_join (&f), 0);
    QF_CHECK_EQ_INT (s_append (&f, 1), 0);
    qf_msg_t msg = {0};
    QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
    QF_CHECK_EQ_INT (msg.attempt, 1);
    s_answer (&f, QF_MSG_NACK, &msg, 1, "boom");
    QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
    QF_CHECK_EQ_INT (msg.id, QF_MSG_DELIVER);
    QF_CHECK_EQ_INT (msg.attempt, 2);
    char event_id[QF_ID_MAX + 1];
    snprintf (event_id, sizeof event_id, "%s", msg.event_id);
    /* The second failure is the last allowed: a dead letter, and done. */
    s_answer (&f, QF_MSG_NACK, &msg, 1, "boom again");
    QF_CHECK (qf_delivery_must_commit (f.delivery));
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (s_position (&f), 1);
    int64_t dead = 0;
    QF_CHECK_EQ_INT (qf_store_dlq_count (f.store, "g", &dead), 0);
    QF_CHECK_EQ_INT (dead, 1);
    /* Operators hear of it in the same commit. */
    QF_CHECK_EQ_INT (f.committed.count, 1);
    qf_event_t *event = &f.committed.items[0];
    QF_CHECK_STR (event->topic, "delivery.dead_lettered");
    QF_CHECK_STR (event->subject, "group/g");
    json_t *payload = json_loads (event->payload, 0, NULL);
    QF_CHECK (payload);
    QF_CHECK_STR (json_string_value (json_object_get (payload, "group")), "g");
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (payload, "seq")), 1);
    QF_CHECK_STR (json_string_value (json_object_get (payload, "event_id")), event_id);
    QF_CHECK_STR (json_string_value (json_object_get (payload, "topic")), "t.x");
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (payload, "attempts")), 2);
    QF_CHECK_STR (json_string_value (json_object_get (payload, "last_error")), "boom again");
    json_decref (payload);
    failed_t failed = {0};
    QF_CHECK_EQ_INT (qf_store_deliveries_load (f.store, "g", s_failed_row, &failed), 0);
    QF_CHECK_EQ_INT (failed.rows, 0);

    /* dlq retry: sent back below the position, with its attempts reset. */
    QF_CHECK_EQ_INT (qf_store_begin (f.store), 0);
    QF_CHECK_EQ_INT (qf_delivery_dlq_retry (f.delivery, "nope", 1), QF_ENOTFOUND);
    QF_CHECK_EQ_INT (qf_delivery_dlq_retry (f.delivery, "g", 7), QF_ENOTFOUND);
    QF_CHECK_EQ_INT (qf_delivery_dlq_retry (f.delivery, "g", 1), 0);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK_EQ_INT (qf_store_dlq_count (f.store, "g", &dead), 0);
    QF_CHECK_EQ_INT (dead, 0);
    QF_CHECK_EQ_INT (qf_delivery_min_position (f.delivery), 0);
    QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
    QF_CHECK_EQ_INT (msg.id, QF_MSG_DELIVER);
    QF_CHECK_EQ_INT (msg.seq, 1);
    QF_CHECK_STR (msg.event_id, event_id);
    QF_CHECK_EQ_INT (msg.attempt, 1);
    s_answer (&f, QF_MSG_ACK, &msg, 0, NULL);
    QF_CHECK_EQ_INT (s_batch (&f), 0);
    QF_CHECK (qf_delivery_min_position (f.delivery) >= 1);
    QF_CHECK_EQ_INT (qf_store_dlq_count (f.store, "g", &dead), 0);
    QF_CHECK_EQ_INT (dead, 0);
    failed.rows = 0;
    QF_CHECK_EQ_INT (qf_store_deliveries_load (f.store, "g", s_failed_row, &failed), 0);
    QF_CHECK_EQ_INT (failed.rows, 0);
    qf_msg_reset (&msg);
    s_close (&f);
}

QF_TEST (bye_gives_events_back_without_counting_an_attempt)
{
    fixture_t f;
    QF_CHECK (s_open (&f, 30000, 5) == 0);
    QF_CHECK_EQ_INT (s_join (&f), 0);
    QF_CHECK_EQ_INT (s_append (&f, 1), 0);
    qf_msg_t msg = {0};
    QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
    QF_CHECK_EQ_INT (msg.attempt, 1);
    QF_CHECK_EQ_INT (qf_delivery_member_count (f.delivery), 1);
    qf_msg_t bye = {0};
    bye.id = QF_MSG_BYE;
    s_handle (&f, &bye);
    QF_CHECK_EQ_INT (qf_delivery_member_count (f.delivery), 0);
    QF_CHECK_EQ_INT (s_status (&f, "waiting"), 1);
    QF_CHECK (!qf_delivery_must_commit (f.delivery));
    /* The next session gets it as the same attempt. */
    QF_CHECK_EQ_INT (s_join (&f), 0);
    QF_CHECK_EQ_INT (s_next (&f, &msg, false), 0);
    QF_CHECK_EQ_INT (msg.id, QF_MSG_DELIVER);
    QF_CHECK_EQ_INT (msg.seq, 1);
    QF_CHECK_EQ_INT (msg.attempt, 1);
    qf_msg_reset (&msg);
    s_close (&f);
}

int
main (void)
{
    s_test_suite = "delivery";
    s_default = qf_test_config ("delivery:\n  backoff_initial_ms: 1000\n  backoff_max_ms: 60000\n");
    s_power = qf_test_config ("delivery:\n  backoff_initial_ms: 1000\n  backoff_max_ms: 8000\n");
    s_least = qf_test_config ("delivery:\n  backoff_initial_ms: 1\n  backoff_max_ms: 1\n");
    if (!s_default || !s_power || !s_least) {
        printf ("FAIL delivery: setup: a test configuration does not load\n");
        return 1;
    }
    QF_RUN (delay_doubles_up_to_the_cap);
    QF_RUN (jitter_is_at_most_a_fifth_either_way);
    QF_RUN (least_delay_has_no_jitter);
    snprintf (s_dir, sizeof s_dir, "/tmp/qf-test-delivery-XXXXXX");
    if (!mkdtemp (s_dir)) {
        printf ("FAIL delivery: setup: cannot make a temporary directory\n");
        return 1;
    }
    QF_RUN (a_pass_goes_to_a_packed_session_in_one_message);
    QF_RUN (a_full_pack_is_sent_and_another_begun);
    QF_RUN (acks_out_of_order_move_the_position_once_the_gap_closes);
    QF_RUN (acks_above_the_position_survive_a_restart);
    QF_RUN (nack_delay_over_the_cap_is_refused_and_changes_nothing);
    QF_RUN (an_expired_lease_delivers_the_event_again);
    QF_RUN (dead_letter_after_max_deliveries_then_retry);
    QF_RUN (bye_gives_events_back_without_counting_an_attempt);
    rmdir (s_dir);
    qf_config_destroy (&s_default);
    qf_config_destroy (&s_power);
    qf_config_destroy (&s_least);
    return qf_test_done ();
}
