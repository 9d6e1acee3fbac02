/*  test_client — qf_client and qf_sub against real sockets.

    Each test starts a fake daemon: an actor thread that binds a ROUTER on a
    private ipc endpoint and answers REQUESTs the way its mode says
    (correctly, late, with stale replies first, malformed, or not at all).
    The subscriber tests bind a PUB socket in the test itself.
*/
#include "qf_client.h"
#include "qf_error.h"
#include "qf_msg.h"
#include "qf_test.h"
#include "qf_time.h"

#include <czmq.h>
#include <unistd.h>

/* What the fake daemon is told: where to bind and how to answer. */
typedef struct {
    char endpoint[128]; /* ipc endpoint to bind */
    const char *mode;   /* see s_server_actor */
} server_args_t;

/* Sends raw frames to a ROUTER peer: routing id, then NULL-terminated strings. */
static void
s_send_raw (zsock_t *router, const qf_msg_t *to, ...)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, to->routing, to->routing_size);
    va_list ap;
    va_start (ap, to);
    const char *frame;
    while ((frame = va_arg (ap, const char *)))
        zmsg_addstr (msg, frame);
    va_end (ap);
    zmsg_send (&msg, router);
}

/* Answers a request: status and a body built from the request. */
static void
s_reply (zsock_t *router, const qf_msg_t *req, const char *request_id, int status, json_t *body)
{
    qf_msg_t reply;
    memset (&reply, 0, sizeof reply);
    reply.id = QF_MSG_REPLY;
    memcpy (reply.routing, req->routing, req->routing_size);
    reply.routing_size = req->routing_size;
    snprintf (reply.request_id, sizeof reply.request_id, "%s", request_id);
    reply.status = status;
    reply.body = body;
    qf_msg_send (&reply, zsock_resolve (router), 0);
    qf_msg_reset (&reply);
}

/* The echo answer: {"result": {"command": ..., "request": <request body>}}. */
static json_t *
s_echo_body (const qf_msg_t *req)
{
    return json_pack ("{s:{s:s, s:O}}", "result", "command", req->command, "request", req->body);
}

/*  The fake daemon. Modes:
    echo        200 with the request echoed
    error       409 with an error body
    stale       first a REPLY for another id, then a malformed REPLY for
                another id, then the right answer
    slow-first  answers the first request after 400 ms, others at once
    silent      never answers
    bad-body    REPLY whose body is not JSON
    bad-frames  REPLY without its body frame
    bad-proto   REPLY with protocol "QFLOW/2"
    not-reply   answers with a WELCOME
    reverse3    waits for three requests and answers them last first */
static void
s_server_actor (zsock_t *pipe, void *arg)
{
    server_args_t *args = arg;
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    zsock_set_linger (router, 0);
    int rc = zsock_bind (router, "%s", args->endpoint);
    zsock_signal (pipe, rc == 0 ? 0 : 1);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    qf_msg_t held[3];
    memset (held, 0, sizeof held);
    int count = 0;
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which != router)
            break; /* $TERM from the pipe, or interrupted */
        qf_msg_t req;
        memset (&req, 0, sizeof req);
        if (qf_msg_recv (&req, zsock_resolve (router), true, 0) != 0) {
            qf_msg_reset (&req);
            continue;
        }
        const char *mode = args->mode;
        if (streq (mode, "echo"))
            s_reply (router, &req, req.request_id, 200, s_echo_body (&req));
        else if (streq (mode, "error"))
            s_reply (router, &req, req.request_id, 409,
                     json_pack ("{s:{s:i, s:s, s:s}}", "error", "status", 409, "message",
                                "qualification 7 is in_review", "field", "args.id"));
        else if (streq (mode, "stale")) {
            s_reply (router, &req, "stale-1", 500, json_pack ("{s:{}}", "error"));
            s_send_raw (router, &req, "QFLOW/1", "REPLY", "stale-2", "abc", "{}", NULL);
            s_reply (router, &req, req.request_id, 200, s_echo_body (&req));
        } else if (streq (mode, "slow-first")) {
            if (count++ == 0)
                zclock_sleep (400);
            s_reply (router, &req, req.request_id, 200, s_echo_body (&req));
        } else if (streq (mode, "bad-body"))
            s_send_raw (router, &req, "QFLOW/1", "REPLY", req.request_id, "200", "{not json", NULL);
        else if (streq (mode, "bad-frames"))
            s_send_raw (router, &req, "QFLOW/1", "REPLY", req.request_id, "200", NULL);
        else if (streq (mode, "bad-proto"))
            s_send_raw (router, &req, "QFLOW/2", "REPLY", req.request_id, "200", "{}", NULL);
        else if (streq (mode, "not-reply"))
            s_send_raw (router, &req, "QFLOW/1", "WELCOME", "{}", NULL);
        else if (streq (mode, "reverse3")) {
            held[count++] = req;
            memset (&req, 0, sizeof req);
            if (count == 3) {
                for (int i = 2; i >= 0; i--) {
                    s_reply (router, &held[i], held[i].request_id, 200,
                             json_pack ("{s:{s:i}}", "result", "n", i));
                    qf_msg_reset (&held[i]);
                }
                count = 0;
            }
        }
        /* "silent": nothing */
        qf_msg_reset (&req);
    }
    for (int i = 0; i < 3; i++)
        qf_msg_reset (&held[i]);
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

/* A fresh ipc endpoint for each server, so no test sees another's traffic. */
static void
s_endpoint (char *buf, size_t size)
{
    static int counter = 0;
    snprintf (buf, size, "ipc:///tmp/qf-test-client-%ld-%d.sock", (long)getpid (), ++counter);
}

static zactor_t *
s_server_new (server_args_t *args, const char *mode)
{
    s_endpoint (args->endpoint, sizeof args->endpoint);
    args->mode = mode;
    return zactor_new (s_server_actor, args);
}

/* Calls `command` with args {"x": "值"} and checks a 200 echo. */
QF_TEST (test_round_trip)
{
    server_args_t args;
    zactor_t *server = s_server_new (&args, "echo");
    qf_client_t *client = qf_client_new (args.endpoint);
    QF_CHECK (client);
    QF_CHECK_STR (qf_client_endpoint (client), args.endpoint);
    json_t *call_args = json_pack ("{s:s, s:i}", "x", "值 'quoted'; --", "n", 42);
    int status = 0;
    json_t *reply = NULL;
    int rc =
        qf_client_call (client, "qual.get", "admin", "zhang.wei", call_args, 2000, &status, &reply);
    json_decref (call_args);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (status, 200);
    QF_CHECK (reply);
    json_t *result = json_object_get (reply, "result");
    QF_CHECK_STR (json_string_value (json_object_get (result, "command")), "qual.get");
    json_t *request = json_object_get (result, "request");
    QF_CHECK_STR (json_string_value (json_object_get (request, "role")), "admin");
    QF_CHECK_STR (json_string_value (json_object_get (request, "user")), "zhang.wei");
    json_t *echoed = json_object_get (request, "args");
    QF_CHECK_STR (json_string_value (json_object_get (echoed, "x")), "值 'quoted'; --");
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (echoed, "n")), 42);
    json_decref (reply);

    /* Without user and args both are left out; NULL out-pointers are fine. */
    rc = qf_client_call (client, "ping", "sales", NULL, NULL, 2000, NULL, &reply);
    QF_CHECK_EQ_INT (rc, 0);
    request = json_object_get (json_object_get (reply, "result"), "request");
    QF_CHECK (json_object_get (request, "user") == NULL);
    QF_CHECK (json_object_get (request, "args") == NULL);
    json_decref (reply);
    QF_CHECK_EQ_INT (qf_client_call (client, "ping", "sales", NULL, NULL, 2000, NULL, NULL), 0);

    qf_client_destroy (&client);
    QF_CHECK (client == NULL);
    qf_client_destroy (&client); /* safe twice */
    zactor_destroy (&server);
}

/* A refusal is still a reply: rc 0 with the status and the error body. */
QF_TEST (test_error_status)
{
    server_args_t args;
    zactor_t *server = s_server_new (&args, "error");
    qf_client_t *client = qf_client_new (args.endpoint);
    QF_CHECK (client);
    int status = 0;
    json_t *reply = NULL;
    json_t *call_args = json_pack ("{s:i}", "id", 7);
    int rc =
        qf_client_call (client, "qual.submit", "review", "cli", call_args, 2000, &status, &reply);
    json_decref (call_args);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (status, 409);
    json_t *error = json_object_get (reply, "error");
    QF_CHECK_STR (json_string_value (json_object_get (error, "field")), "args.id");
    json_decref (reply);
    qf_client_destroy (&client);
    zactor_destroy (&server);
}

/* Replies for other request ids, well-formed or not, are skipped. */
QF_TEST (test_stale_reply_first)
{
    server_args_t args;
    zactor_t *server = s_server_new (&args, "stale");
    qf_client_t *client = qf_client_new (args.endpoint);
    QF_CHECK (client);
    int status = 0;
    json_t *reply = NULL;
    int rc = qf_client_call (client, "ping", "admin", NULL, NULL, 2000, &status, &reply);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (status, 200);
    QF_CHECK_STR (
        json_string_value (json_object_get (json_object_get (reply, "result"), "command")), "ping");
    json_decref (reply);
    qf_client_destroy (&client);
    zactor_destroy (&server);
}

/* A call that timed out gets its answer late; the next call skips it. */
QF_TEST (test_late_reply_after_timeout)
{
    server_args_t args;
    zactor_t *server = s_server_new (&args, "slow-first");
    qf_client_t *client = qf_client_new (args.endpoint);
    QF_CHECK (client);
    json_t *first = json_pack ("{s:i}", "n", 1);
    json_t *second = json_pack ("{s:i}", "n", 2);
    json_t *reply = NULL;
    int status = 0;
    int rc = qf_client_call (client, "ping", "admin", NULL, first, 100, &status, &reply);
    QF_CHECK_EQ_INT (rc, QF_ETIMEOUT);
    QF_CHECK (reply == NULL);
    rc = qf_client_call (client, "ping", "admin", NULL, second, 3000, &status, &reply);
    json_decref (first);
    json_decref (second);
    QF_CHECK_EQ_INT (rc, 0);
    json_t *request = json_object_get (json_object_get (reply, "result"), "request");
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (json_object_get (request, "args"), "n")),
                     2);
    json_decref (reply);
    qf_client_destroy (&client);
    zactor_destroy (&server);
}

/* Nobody answers: QF_ETIMEOUT after the timeout, not much later. */
QF_TEST (test_timeout)
{
    server_args_t args;
    zactor_t *server = s_server_new (&args, "silent");
    qf_client_t *client = qf_client_new (args.endpoint);
    QF_CHECK (client);
    json_t *reply = json_object (); /* must come back NULL */
    json_t *keep = reply;
    int64_t start = qf_time_mono_ms ();
    int rc = qf_client_call (client, "ping", "admin", NULL, NULL, 200, NULL, &reply);
    int64_t elapsed = qf_time_mono_ms () - start;
    json_decref (keep);
    QF_CHECK_EQ_INT (rc, QF_ETIMEOUT);
    QF_CHECK (reply == NULL);
    QF_CHECK (elapsed >= 195);
    QF_CHECK (elapsed < 700);
    qf_client_destroy (&client);
    zactor_destroy (&server);
}

/* No daemon bound at all: the request waits in the socket, then times out. */
QF_TEST (test_no_daemon)
{
    char endpoint[128];
    s_endpoint (endpoint, sizeof endpoint);
    qf_client_t *client = qf_client_new (endpoint);
    QF_CHECK (client);
    int64_t start = qf_time_mono_ms ();
    int rc = qf_client_call (client, "ping", "admin", NULL, NULL, 150, NULL, NULL);
    int64_t elapsed = qf_time_mono_ms () - start;
    QF_CHECK_EQ_INT (rc, QF_ETIMEOUT);
    QF_CHECK (elapsed >= 145 && elapsed < 650);
    /* Zero timeout: do not wait at all. */
    rc = qf_client_call (client, "ping", "admin", NULL, NULL, 0, NULL, NULL);
    QF_CHECK_EQ_INT (rc, QF_ETIMEOUT);
    qf_client_destroy (&client);
}

/* Each malformed answer to our request is QF_EPROTO with a reason. */
QF_TEST (test_malformed_reply)
{
    const char *modes[] = {"bad-body", "bad-frames", "bad-proto", "not-reply"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        server_args_t args;
        zactor_t *server = s_server_new (&args, modes[i]);
        qf_client_t *client = qf_client_new (args.endpoint);
        QF_CHECK (client);
        int status = -1;
        json_t *reply = NULL;
        int64_t start = qf_time_mono_ms ();
        int rc = qf_client_call (client, "ping", "admin", NULL, NULL, 2000, &status, &reply);
        int64_t elapsed = qf_time_mono_ms () - start;
        if (rc != QF_EPROTO)
            printf ("# mode %s: rc %d\n", modes[i], rc);
        QF_CHECK_EQ_INT (rc, QF_EPROTO);
        QF_CHECK (elapsed < 1000); /* reported at once, not after the timeout */
        QF_CHECK (reply == NULL);
        QF_CHECK_EQ_INT (status, -1);
        QF_CHECK (strlen (qf_client_error (client)) > 0);
        qf_client_destroy (&client);
        zactor_destroy (&server);
    }
}

/* Pipelining: three requests in flight, answered in reverse order. */
QF_TEST (test_pipelining)
{
    server_args_t args;
    zactor_t *server = s_server_new (&args, "reverse3");
    qf_client_t *client = qf_client_new (args.endpoint);
    QF_CHECK (client);
    /* Nothing to read: qf_client_wait_ns waits its time, not less. */
    int64_t before = qf_time_mono_ns ();
    QF_CHECK_EQ_INT (qf_client_wait_ns (client, 3000000), 0);
    QF_CHECK (qf_time_mono_ns () - before >= 3000000);
    char ids[3][QF_ID_MAX + 1];
    for (int i = 0; i < 3; i++) {
        QF_CHECK_EQ_INT (qf_client_send (client, "ping", "admin", "bench", NULL, ids[i]), 0);
        QF_CHECK (qf_valid_printable (ids[i], QF_ID_MAX));
    }
    QF_CHECK (strcmp (ids[0], ids[1]) != 0 && strcmp (ids[1], ids[2]) != 0);
    char prefix[32];
    snprintf (prefix, sizeof prefix, "%ld-", (long)getpid ());
    QF_CHECK (strncmp (ids[0], prefix, strlen (prefix)) == 0);
    qf_msg_t reply;
    memset (&reply, 0, sizeof reply);
    for (int i = 2; i >= 0; i--) {
        /* A reply waiting in the socket (i < 2) or on its way: ready. */
        QF_CHECK_EQ_INT (qf_client_wait_ns (client, 2000000000LL), 1);
        int rc = qf_client_recv (client, 0, &reply);
        if (rc)
            qf_msg_reset (&reply);
        QF_CHECK_EQ_INT (rc, 0);
        QF_CHECK_EQ_INT (reply.id, QF_MSG_REPLY);
        bool match = strcmp (reply.request_id, ids[i]) == 0;
        json_int_t n =
            json_integer_value (json_object_get (json_object_get (reply.body, "result"), "n"));
        qf_msg_reset (&reply);
        QF_CHECK (match);
        QF_CHECK_EQ_INT (n, i);
    }
    QF_CHECK_EQ_INT (qf_client_recv (client, 0, &reply), QF_ETIMEOUT);
    QF_CHECK_EQ_INT (qf_client_wait_ns (client, 1000000), 0);
    QF_CHECK_EQ_INT (qf_client_wait_ns (NULL, 0), QF_EINVAL);
    qf_msg_reset (&reply);
    qf_client_destroy (&client);
    zactor_destroy (&server);
}

/* qf_client_recv_status: the request id and status of each reply, its
   body left unparsed, so even a body that is not JSON passes; a reply
   that is malformed otherwise is still refused. */
QF_TEST (test_status_only)
{
    server_args_t args;
    zactor_t *server = s_server_new (&args, "reverse3");
    qf_client_t *client = qf_client_new (args.endpoint);
    QF_CHECK (client);
    char ids[3][QF_ID_MAX + 1];
    for (int i = 0; i < 3; i++)
        QF_CHECK_EQ_INT (qf_client_send (client, "ping", "admin", "bench", NULL, ids[i]), 0);
    qf_msg_t reply;
    memset (&reply, 0, sizeof reply);
    for (int i = 2; i >= 0; i--) {
        QF_CHECK_EQ_INT (qf_client_recv_status (client, 2000, &reply), 0);
        QF_CHECK_STR (reply.request_id, ids[i]);
        QF_CHECK_EQ_INT (reply.status, 200);
        QF_CHECK (reply.body == NULL);
        qf_msg_reset (&reply);
    }
    qf_client_destroy (&client);
    zactor_destroy (&server);
    const char *modes[] = {"bad-body", "bad-frames"};
    for (size_t i = 0; i < 2; i++) {
        server = s_server_new (&args, modes[i]);
        client = qf_client_new (args.endpoint);
        char id[QF_ID_MAX + 1];
        QF_CHECK_EQ_INT (qf_client_send (client, "ping", "admin", NULL, NULL, id), 0);
        QF_CHECK_EQ_INT (qf_client_recv_status (client, 2000, &reply), i == 0 ? 0 : QF_EPROTO);
        QF_CHECK (reply.body == NULL);
        qf_msg_reset (&reply);
        qf_client_destroy (&client);
        zactor_destroy (&server);
    }
    QF_CHECK_EQ_INT (qf_client_recv_status (NULL, 0, &reply), QF_EINVAL);
}

/* Bad arguments are refused before anything is sent. */
QF_TEST (test_invalid_arguments)
{
    QF_CHECK (qf_client_new (NULL) == NULL);
    QF_CHECK (qf_client_new ("") == NULL);
    QF_CHECK (qf_client_new ("no-such-transport://x") == NULL);
    QF_CHECK (qf_sub_new ("bogus", NULL) == NULL);
    char endpoint[128];
    s_endpoint (endpoint, sizeof endpoint);
    qf_client_t *client = qf_client_new (endpoint);
    QF_CHECK (client);
    json_t *reply = NULL;
    QF_CHECK_EQ_INT (qf_client_call (client, "Bad Command", "admin", NULL, NULL, 100, NULL, &reply),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (qf_client_call (client, "", "admin", NULL, NULL, 100, NULL, NULL), QF_EINVAL);
    QF_CHECK_EQ_INT (qf_client_call (client, NULL, "admin", NULL, NULL, 100, NULL, NULL),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (qf_client_call (client, "ping", NULL, NULL, NULL, 100, NULL, NULL), QF_EINVAL);
    QF_CHECK_EQ_INT (qf_client_call (NULL, "ping", "admin", NULL, NULL, 100, NULL, NULL),
                     QF_EINVAL);
    json_t *array = json_array ();
    int rc = qf_client_call (client, "ping", "admin", NULL, array, 100, NULL, NULL);
    json_decref (array);
    QF_CHECK_EQ_INT (rc, QF_EINVAL);
    /* A body over 1 MiB never leaves the process. */
    size_t big = QF_BODY_MAX + 10;
    char *text = malloc (big + 1);
    QF_CHECK (text);
    memset (text, 'a', big);
    text[big] = 0;
    json_t *huge = json_pack ("{s:s}", "scope", text);
    free (text);
    rc = qf_client_send (client, "qual.add", "admin", NULL, huge, NULL);
    json_decref (huge);
    QF_CHECK_EQ_INT (rc, QF_ETOOBIG);
    QF_CHECK (reply == NULL);
    QF_CHECK_EQ_INT (qf_client_recv (NULL, 0, NULL), QF_EINVAL);
    qf_client_destroy (&client);
    qf_client_destroy (NULL);
    qf_sub_destroy (NULL);
}

/* Publishes one EVENT with the given topic and seq on a PUB socket. */
static void
s_publish (zsock_t *pub, const char *topic, uint64_t seq)
{
    qf_msg_t event;
    memset (&event, 0, sizeof event);
    event.id = QF_MSG_EVENT;
    snprintf (event.topic, sizeof event.topic, "%s", topic);
    event.seq = seq;
    snprintf (event.event_id, sizeof event.event_id, "%032llx", (unsigned long long)seq);
    snprintf (event.subject, sizeof event.subject, "qualification/%llu", (unsigned long long)seq);
    event.time = 1764198577123;
    event.body = json_pack ("{s:s}", "scope", "建筑工程施工总承包二级");
    qf_msg_send (&event, zsock_resolve (pub), 0);
    qf_msg_reset (&event);
}

/* The subscriber gets events under its prefix only, with every field. */
QF_TEST (test_subscriber)
{
    char endpoint[128];
    s_endpoint (endpoint, sizeof endpoint);
    zsock_t *pub = zsock_new (ZMQ_PUB);
    QF_CHECK (pub);
    zsock_set_linger (pub, 0);
    QF_CHECK_EQ_INT (zsock_bind (pub, "%s", endpoint), 0);
    qf_sub_t *sub = qf_sub_new (endpoint, "qualification.");
    QF_CHECK (sub);
    qf_msg_t event;
    memset (&event, 0, sizeof event);
    /* The subscription takes a moment to reach the publisher: keep sending
       until one arrives. */
    int rc = QF_ETIMEOUT;
    for (int i = 0; i < 100 && rc == QF_ETIMEOUT; i++) {
        s_publish (pub, "contract.signed", 1000 + (uint64_t)i);
        s_publish (pub, "qualification.created", 1 + (uint64_t)i);
        rc = qf_sub_recv (sub, 50, &event);
    }
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (event.id, QF_MSG_EVENT);
    bool ok = strcmp (event.topic, "qualification.created") == 0 && event.seq >= 1 &&
              event.seq < 1000 && event.time == 1764198577123 && strlen (event.event_id) == 32 &&
              strncmp (event.subject, "qualification/", 14) == 0;
    const char *scope = json_string_value (json_object_get (event.body, "scope"));
    ok = ok && scope && strcmp (scope, "建筑工程施工总承包二级") == 0;
    qf_msg_reset (&event);
    QF_CHECK (ok);
    /* Drain: every further event is under the prefix. */
    while ((rc = qf_sub_recv (sub, 100, &event)) == 0) {
        ok = strncmp (event.topic, "qualification.", 14) == 0;
        qf_msg_reset (&event);
        QF_CHECK (ok);
    }
    QF_CHECK_EQ_INT (rc, QF_ETIMEOUT);

    /* A malformed event is QF_EPROTO, and the next good one still arrives. */
    zmsg_t *bad = zmsg_new ();
    zmsg_addstr (bad, "qualification.created");
    zmsg_addstr (bad, "QFLOW/1");
    zmsg_addstr (bad, "EVENT");
    zmsg_addstr (bad, "not-a-number");
    zmsg_send (&bad, pub);
    rc = qf_sub_recv (sub, 1000, &event);
    bool has_error = strlen (event.error) > 0;
    qf_msg_reset (&event);
    QF_CHECK_EQ_INT (rc, QF_EPROTO);
    QF_CHECK (has_error);
    s_publish (pub, "qualification.approved", 77);
    rc = qf_sub_recv (sub, 1000, &event);
    uint64_t seq = event.seq;
    qf_msg_reset (&event);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (seq, 77);
    qf_sub_destroy (&sub);
    QF_CHECK (sub == NULL);
    qf_sub_destroy (&sub);
    zsock_destroy (&pub);
}

int
main (void)
{
    s_test_suite = "client";
    QF_RUN (test_round_trip);
    QF_RUN (test_error_status);
    QF_RUN (test_stale_reply_first);
    QF_RUN (test_late_reply_after_timeout);
    QF_RUN (test_timeout);
    QF_RUN (test_no_daemon);
    QF_RUN (test_malformed_reply);
    QF_RUN (test_pipelining);
    QF_RUN (test_status_only);
    QF_RUN (test_invalid_arguments);
    QF_RUN (test_subscriber);
    return qf_test_done ();
}
