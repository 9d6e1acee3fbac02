/*  Codec tests: every message type round-trips over real ZeroMQ sockets, and
    malformed input (truncated, wrong version, unknown type, oversized,
    invalid JSON, invalid UTF-8, bad numbers) gives QF_EPROTO, never a crash. */
#include "qf.h"
#include "qf_test.h"

#include <czmq.h>

/* A connected DEALER -> ROUTER pair over inproc, plus PUB -> SUB. */
static zsock_t *s_router, *s_dealer, *s_pub, *s_sub;

static void
s_setup (void)
{
    s_router = zsock_new_router ("inproc://test-msg");
    s_dealer = zsock_new_dealer ("inproc://test-msg");
    s_pub = zsock_new_pub ("inproc://test-msg-pub");
    s_sub = zsock_new_sub ("inproc://test-msg-pub", "");
    zsock_set_rcvtimeo (s_router, 2000);
    zsock_set_rcvtimeo (s_dealer, 2000);
    zsock_set_rcvtimeo (s_sub, 2000);
    zclock_sleep (50);
}

static void
s_teardown (void)
{
    zsock_destroy (&s_router);
    zsock_destroy (&s_dealer);
    zsock_destroy (&s_pub);
    zsock_destroy (&s_sub);
}

/* Sends msg from the dealer and receives it on the router. */
static int
s_roundtrip (qf_msg_t *out, qf_msg_t *in)
{
    int rc = qf_msg_send (out, zsock_resolve (s_dealer), 0);
    if (rc)
        return rc;
    return qf_msg_recv (in, zsock_resolve (s_router), true, 0);
}

/* Sends raw frames from the dealer; returns what the router's recv says. */
static int
s_raw (qf_msg_t *in, int count, const char **frames, const size_t *sizes)
{
    for (int i = 0; i < count; i++)
        zmq_send (zsock_resolve (s_dealer), frames[i], sizes ? sizes[i] : strlen (frames[i]),
                  i + 1 < count ? ZMQ_SNDMORE : 0);
    return qf_msg_recv (in, zsock_resolve (s_router), true, 0);
}

QF_TEST (request_roundtrip)
{
    qf_msg_t out = {0}, in = {0};
    out.id = QF_MSG_REQUEST;
    strcpy (out.request_id, "r-1");
    strcpy (out.command, "qual.add");
    out.body = json_pack ("{s:s, s:{s:s}}", "role", "admin", "args", "scope", "建筑 '; --");
    QF_CHECK_EQ_INT (s_roundtrip (&out, &in), 0);
    QF_CHECK_EQ_INT (in.id, QF_MSG_REQUEST);
    QF_CHECK_STR (in.request_id, "r-1");
    QF_CHECK_STR (in.command, "qual.add");
    QF_CHECK (in.routing_size > 0);
    QF_CHECK (json_equal (in.body, out.body));
    qf_msg_reset (&out);
    qf_msg_reset (&in);
}

QF_TEST (every_worker_type_roundtrips)
{
    qf_msg_id_t types[] = {QF_MSG_REPLY, QF_MSG_HELLO, QF_MSG_WELCOME,  QF_MSG_DELIVER,
                           QF_MSG_ACK,   QF_MSG_NACK,  QF_MSG_EXTEND,   QF_MSG_BYE,
                           QF_MSG_ERROR, QF_MSG_HEARTBEAT};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        qf_msg_t out = {0}, in = {0};
        out.id = types[i];
        strcpy (out.request_id, "id-7");
        out.status = 409;
        out.seq = 1234567890123ULL;
        strcpy (out.event_id, "0123456789abcdef0123456789abcdef");
        strcpy (out.topic, "qualification.review_requested");
        strcpy (out.subject, "qualification/42");
        out.time = 1790000000123LL;
        out.attempt = 3;
        out.flags = QF_DELIVER_PROCESSED;
        out.delay = 2500;
        strcpy (out.reason, "失败: timeout");
        out.body = json_pack ("{s:i}", "n", (int)i);
        QF_CHECK_EQ_INT (s_roundtrip (&out, &in), 0);
        QF_CHECK_EQ_INT (in.id, types[i]);
        switch (types[i]) {
        case QF_MSG_REPLY:
            QF_CHECK_STR (in.request_id, "id-7");
            QF_CHECK_EQ_INT (in.status, 409);
            break;
        case QF_MSG_DELIVER:
            QF_CHECK_EQ_INT (in.seq, 1234567890123LL);
            QF_CHECK_STR (in.event_id, out.event_id);
            QF_CHECK_STR (in.topic, out.topic);
            QF_CHECK_STR (in.subject, out.subject);
            QF_CHECK_EQ_INT (in.time, out.time);
            QF_CHECK_EQ_INT (in.attempt, 3);
            QF_CHECK_EQ_INT (in.flags, QF_DELIVER_PROCESSED);
            QF_CHECK (json_equal (in.body, out.body));
            break;
        case QF_MSG_ACK:
            QF_CHECK_STR (in.event_id, out.event_id);
            QF_CHECK (json_equal (in.body, out.body));
            break;
        case QF_MSG_NACK:
            QF_CHECK_EQ_INT (in.delay, 2500);
            QF_CHECK_STR (in.reason, out.reason);
            break;
        case QF_MSG_ERROR:
            QF_CHECK_EQ_INT (in.status, 409);
            QF_CHECK_STR (in.reason, out.reason);
            break;
        default: break;
        }
        qf_msg_reset (&out);
        qf_msg_reset (&in);
    }
}

QF_TEST (event_roundtrips_on_pub_sub)
{
    qf_msg_t out = {0}, in = {0};
    out.id = QF_MSG_EVENT;
    strcpy (out.topic, "qualification.created");
    out.seq = 9;
    strcpy (out.event_id, "abc");
    strcpy (out.subject, "qualification/9");
    out.time = 5;
    const char *payload = "{\"id\":9}";
    out.raw = payload;
    out.raw_size = strlen (payload);
    QF_CHECK_EQ_INT (qf_msg_send (&out, zsock_resolve (s_pub), 0), 0);
    QF_CHECK_EQ_INT (qf_msg_recv (&in, zsock_resolve (s_sub), false, 0), 0);
    QF_CHECK_EQ_INT (in.id, QF_MSG_EVENT);
    QF_CHECK_STR (in.topic, "qualification.created");
    QF_CHECK_EQ_INT (in.seq, 9);
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (in.body, "id")), 9);
    qf_msg_reset (&in);
}

QF_TEST (raw_body_is_sent_verbatim)
{
    qf_msg_t out = {0}, in = {0};
    out.id = QF_MSG_ACK;
    out.seq = 1;
    strcpy (out.event_id, "e");
    out.raw = "{\"command\":\"x\"}";
    out.raw_size = strlen (out.raw);
    QF_CHECK_EQ_INT (s_roundtrip (&out, &in), 0);
    QF_CHECK_STR (json_string_value (json_object_get (in.body, "command")), "x");
    qf_msg_reset (&in);
}

QF_TEST (wrong_version_is_refused)
{
    qf_msg_t in = {0};
    const char *frames[] = {"QFLOW/2", "REQUEST", "1", "ping", "{}"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, frames, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "unsupported protocol") != NULL);
    QF_CHECK (in.routing_size > 0);
}

QF_TEST (truncated_message_is_refused)
{
    qf_msg_t in = {0};
    const char *frames[] = {QF_PROTOCOL, "REQUEST", "r-9", "ping"};
    QF_CHECK_EQ_INT (s_raw (&in, 4, frames, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "takes 3 field frames") != NULL);
    /* The request id survives so the sender can be told. */
    QF_CHECK_STR (in.request_id, "r-9");
    const char *only[] = {QF_PROTOCOL};
    QF_CHECK_EQ_INT (s_raw (&in, 1, only, NULL), QF_EPROTO);
}

QF_TEST (extra_frames_are_refused)
{
    qf_msg_t in = {0};
    const char *frames[] = {QF_PROTOCOL, "HEARTBEAT", "extra"};
    QF_CHECK_EQ_INT (s_raw (&in, 3, frames, NULL), QF_EPROTO);
    const char *many[20];
    for (int i = 0; i < 20; i++)
        many[i] = "x";
    many[0] = QF_PROTOCOL;
    many[1] = "REQUEST";
    many[4] = "{}";
    QF_CHECK_EQ_INT (s_raw (&in, 20, many, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "REQUEST takes 3 field frames, got more than") != NULL);
}

QF_TEST (decode_needs_no_socket)
{
    /* Frames are sized bytes, not strings: none of these is NUL-terminated. */
    const char bytes[] = "\x01\x02" QF_PROTOCOL "REQUESTr-1pingx{\"role\":\"admin\"}";
    qf_frame_t frames[] = {{bytes, 2},      {"", 0},         {bytes + 2, 7},  {bytes + 9, 7},
                           {bytes + 16, 3}, {bytes + 19, 4}, {bytes + 24, 16}};
    qf_msg_t in = {0};
    QF_CHECK_EQ_INT (qf_msg_decode (&in, frames, 7, true), 0);
    QF_CHECK_EQ_INT (in.id, QF_MSG_REQUEST);
    QF_CHECK (in.req_envelope && in.routing_size == 2);
    QF_CHECK_STR (in.request_id, "r-1");
    QF_CHECK_STR (in.command, "ping");
    QF_CHECK_STR (json_string_value (json_object_get (in.body, "role")), "admin");
    qf_msg_reset (&in);
    QF_CHECK_EQ_INT (qf_msg_decode (&in, frames, 0, true), QF_EPROTO);
    QF_CHECK (strstr (in.error, "routing id") != NULL);
    QF_CHECK_EQ_INT (qf_msg_decode (&in, frames + 2, 0, false), QF_EPROTO);
    QF_CHECK (strstr (in.error, "no QFLOW/1 protocol frame") != NULL);
}

/* A message reused for the next reads as a fresh one: qf_msg_reset
   empties every field a DELIVER and an ERROR filled, and a REPLY decoded
   after them carries none of theirs. */
static void
s_check_empty_but (const char *s_test_name, const qf_msg_t *m)
{
    QF_CHECK (m->routing_size == 0 && !m->req_envelope && m->command[0] == 0);
    QF_CHECK (m->seq == 0 && m->event_id[0] == 0 && m->topic[0] == 0 && m->subject[0] == 0);
    QF_CHECK (m->time == 0 && m->attempt == 0 && m->flags == 0 && m->delay == 0);
    QF_CHECK (m->reason[0] == 0 && m->raw == NULL && m->raw_size == 0 && m->raw_free == NULL);
    QF_CHECK (m->raw_hint == NULL && m->error[0] == 0 && m->error_field[0] == 0);
    QF_CHECK (m->error_status == 0 && m->seqs == NULL && m->seq_count == 0 && m->packed == NULL);
}

QF_TEST (reset_leaves_nothing_of_the_last_message)
{
    const char *deliver[] = {QF_PROTOCOL, "DELIVER", "7", "e-1", "t.x", "s/1", "1700", "2", "1",
                             "{\"a\":1}"};
    const char *error[] = {QF_PROTOCOL, "ERROR", "409", "7", "too late"};
    const char *reply[] = {QF_PROTOCOL, "REPLY", "r-9", "200", "{}"};
    qf_frame_t frames[10];
    qf_msg_t m;
    memset (&m, 0xa5, sizeof m); /* whatever the stack held */
    m.body = NULL;
    m.seqs = NULL;
    m.packed = NULL;
    for (int i = 0; i < 10; i++)
        frames[i] = (qf_frame_t){deliver[i], strlen (deliver[i])};
    QF_CHECK_EQ_INT (qf_msg_decode (&m, frames, 10, false), 0);
    QF_CHECK (m.seq == 7 && m.attempt == 2 && m.flags == 1 && strcmp (m.subject, "s/1") == 0);
    m.raw = "x";
    m.raw_size = 1;
    m.error_status = 413;
    qf_msg_reset (&m);
    QF_CHECK (m.id == QF_MSG_NONE && m.body == NULL && m.request_id[0] == 0 && m.status == 0);
    s_check_empty_but (s_test_name, &m);
    for (int i = 0; i < 5; i++)
        frames[i] = (qf_frame_t){error[i], strlen (error[i])};
    QF_CHECK_EQ_INT (qf_msg_decode (&m, frames, 5, false), 0);
    QF_CHECK (m.status == 409 && strcmp (m.reason, "too late") == 0);
    for (int i = 0; i < 5; i++)
        frames[i] = (qf_frame_t){reply[i], strlen (reply[i])};
    QF_CHECK_EQ_INT (qf_msg_decode (&m, frames, 5, false), 0);
    QF_CHECK (m.id == QF_MSG_REPLY && m.status == 200 && strcmp (m.request_id, "r-9") == 0);
    QF_CHECK (json_is_object (m.body) && json_object_size (m.body) == 0);
    s_check_empty_but (s_test_name, &m);
    qf_msg_reset (&m);
}

QF_TEST (unknown_type_is_refused)
{
    qf_msg_t in = {0};
    const char *frames[] = {QF_PROTOCOL, "EXPLODE", "{}"};
    QF_CHECK_EQ_INT (s_raw (&in, 3, frames, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "unknown message type") != NULL);
}

QF_TEST (invalid_json_is_refused)
{
    qf_msg_t in = {0};
    const char *frames[] = {QF_PROTOCOL, "REQUEST", "1", "ping", "{\"role\": "};
    QF_CHECK_EQ_INT (s_raw (&in, 5, frames, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "not valid JSON") != NULL);
    const char *array[] = {QF_PROTOCOL, "REQUEST", "1", "ping", "[1,2]"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, array, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "JSON object") != NULL);
    const char *dup[] = {QF_PROTOCOL, "REQUEST", "1", "ping", "{\"a\":1,\"a\":2}"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, dup, NULL), QF_EPROTO);
}

QF_TEST (invalid_utf8_is_refused)
{
    qf_msg_t in = {0};
    const char *frames[] = {QF_PROTOCOL, "REQUEST", "1", "ping", "{\"a\":\"\xc3\x28\"}"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, frames, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "UTF-8") != NULL);
    const char *reason[] = {QF_PROTOCOL, "NACK", "1", "e", "0", "\xed\xa0\x80"};
    QF_CHECK_EQ_INT (s_raw (&in, 6, reason, NULL), QF_EPROTO);
    QF_CHECK (!qf_valid_utf8 ("\xc0\xaf", 2));         /* overlong */
    QF_CHECK (!qf_valid_utf8 ("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    QF_CHECK (!qf_valid_utf8 ("\xe4\xb8", 2));         /* truncated */
    QF_CHECK (qf_valid_utf8 ("资质", strlen ("资质")));
}

QF_TEST (oversized_body_is_refused)
{
    size_t size = QF_BODY_MAX + 10;
    char *big = malloc (size);
    QF_CHECK (big);
    memset (big, ' ', size);
    big[0] = '{';
    big[size - 1] = '}';
    const char *frames[] = {QF_PROTOCOL, "REQUEST", "1", "ping", big};
    size_t sizes[] = {strlen (QF_PROTOCOL), 7, 1, 4, size};
    qf_msg_t in = {0};
    int rc = s_raw (&in, 5, frames, sizes);
    free (big);
    QF_CHECK_EQ_INT (rc, QF_EPROTO);
    QF_CHECK (strstr (in.error, "1 MiB") != NULL);
    QF_CHECK_STR (in.error_field, "body");
    QF_CHECK_EQ_INT (in.error_status, QF_STATUS_TOO_LARGE);
    QF_CHECK_STR (in.request_id, "1");
}

QF_TEST (bad_fields_are_refused)
{
    qf_msg_t in = {0};
    const char *bad_cmd[] = {QF_PROTOCOL, "REQUEST", "1", "Qual Add", "{}"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, bad_cmd, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "command") != NULL);
    const char *bad_seq[] = {QF_PROTOCOL, "ACK", "-5", "e", "{}"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, bad_seq, NULL), QF_EPROTO);
    QF_CHECK (strstr (in.error, "seq") != NULL);
    const char *huge_seq[] = {QF_PROTOCOL, "ACK", "99999999999999999999", "e", "{}"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, huge_seq, NULL), QF_EPROTO);
    const char *empty_id[] = {QF_PROTOCOL, "REQUEST", "", "ping", "{}"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, empty_id, NULL), QF_EPROTO);
    const char *status[] = {QF_PROTOCOL, "ERROR", "20", "0", "x"};
    QF_CHECK_EQ_INT (s_raw (&in, 5, status, NULL), QF_EPROTO);
    const char *nul[] = {QF_PROTOCOL, "REQUEST", "a\0b", "ping", "{}"};
    size_t nul_sizes[] = {7, 7, 3, 4, 2};
    QF_CHECK_EQ_INT (s_raw (&in, 5, nul, nul_sizes), QF_EPROTO);
}

QF_TEST (refusals_name_the_field_and_status)
{
    /* Each refusal names the frame to blame; over its limit is 413. */
    struct {
        int count;
        const char *frames[6];
        const char *field;
        int status;
        const char *request_id; /* what the sender can still be told */
    } cases[] = {
        {5, {QF_PROTOCOL, "REQUEST", "", "ping", "{}"}, "request_id", 400, ""},
        {5, {QF_PROTOCOL, "REQUEST", "a b", "ping", "{}"}, "request_id", 400, ""},
        {2, {QF_PROTOCOL, "REQUEST"}, "request_id", 400, ""},
        {3, {QF_PROTOCOL, "REQUEST", "r1"}, "command", 400, "r1"},
        {5, {QF_PROTOCOL, "REQUEST", "r2", "Ping", "{}"}, "command", 400, "r2"},
        {5, {QF_PROTOCOL, "REQUEST", "r3", "ping", "{"}, "body", 400, "r3"},
        {6, {QF_PROTOCOL, "REQUEST", "r4", "ping", "{}", "x"}, "frames", 400, "r4"},
        {5, {"QFLOW/2", "REQUEST", "r5", "ping", "{}"}, "protocol", 400, "r5"},
        {5, {QF_PROTOCOL, "REQUESTS", "r6", "ping", "{}"}, "type", 400, "r6"},
        /* Not a REQUEST's five frames: nothing to recover. */
        {4, {QF_PROTOCOL, "NOPE", "r7", "ping"}, "type", 400, ""},
        {1, {"QFLOW/2"}, "protocol", 400, ""},
        {5, {QF_PROTOCOL, "ACK", "x", "e", "{}"}, "seq", 400, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qf_msg_t in = {0};
        QF_CHECK_EQ_INT (s_raw (&in, cases[i].count, cases[i].frames, NULL), QF_EPROTO);
        QF_CHECK_STR (in.error_field, cases[i].field);
        QF_CHECK_EQ_INT (in.error_status, cases[i].status);
        QF_CHECK_STR (in.request_id, cases[i].request_id);
        qf_msg_reset (&in);
    }
    char long_id[QF_ID_MAX + 2], long_name[QF_NAME_MAX + 2], long_reason[QF_REASON_MAX + 2];
    memset (long_id, 'r', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    memset (long_name, 'c', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    memset (long_reason, 'x', sizeof long_reason - 1);
    long_reason[sizeof long_reason - 1] = 0;
    struct {
        int count;
        const char *frames[6];
        const char *field;
    } large[] = {
        {5, {QF_PROTOCOL, "REQUEST", long_id, "ping", "{}"}, "request_id"},
        {5, {QF_PROTOCOL, "REQUEST", "r", long_name, "{}"}, "command"},
        {6, {QF_PROTOCOL, "NACK", "1", "e", "0", long_reason}, "reason"},
        {4, {QF_PROTOCOL, "EXTEND", "1", long_id}, "event_id"},
    };
    for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
        qf_msg_t in = {0};
        QF_CHECK_EQ_INT (s_raw (&in, large[i].count, large[i].frames, NULL), QF_EPROTO);
        QF_CHECK_STR (in.error_field, large[i].field);
        QF_CHECK_EQ_INT (in.error_status, QF_STATUS_TOO_LARGE);
        QF_CHECK (strstr (in.error, "at most") != NULL);
    }
    /* At the limit is fine. */
    long_id[QF_ID_MAX] = 0;
    long_reason[QF_REASON_MAX] = 0;
    const char *at_limit[] = {QF_PROTOCOL, "NACK", "1", long_id, "0", long_reason};
    qf_msg_t in = {0};
    QF_CHECK_EQ_INT (s_raw (&in, 6, at_limit, NULL), 0);
    QF_CHECK_EQ_INT ((int)strlen (in.reason), QF_REASON_MAX);
}

/* ACKS carries 1 to QF_ACKS_MAX seqs in one frame, comma-separated; it
   round-trips, a message reused after it holds none of them, and any
   other spelling is refused naming the frame (over the limit: 413). */
QF_TEST (acks_carry_a_list_of_seqs)
{
    uint64_t seqs[QF_ACKS_MAX];
    for (size_t i = 0; i < QF_ACKS_MAX; i++)
        seqs[i] = i == 0 ? UINT64_C (9223372036854775807) : (uint64_t)i * 7;
    qf_msg_t out = {.id = QF_MSG_ACKS, .seqs = seqs, .seq_count = QF_ACKS_MAX};
    qf_msg_t in = {0};
    QF_CHECK_EQ_INT (s_roundtrip (&out, &in), 0);
    QF_CHECK_EQ_INT (in.id, QF_MSG_ACKS);
    QF_CHECK_EQ_INT ((int)in.seq_count, QF_ACKS_MAX);
    QF_CHECK (memcmp (in.seqs, seqs, sizeof seqs) == 0);
    out.seq_count = 1;
    QF_CHECK_EQ_INT (s_roundtrip (&out, &in), 0);
    QF_CHECK (in.seq_count == 1 && in.seqs[0] == seqs[0]);
    const char *hello[] = {QF_PROTOCOL, "HELLO", "{}"};
    QF_CHECK_EQ_INT (s_raw (&in, 3, hello, NULL), 0);
    QF_CHECK (in.seqs == NULL && in.seq_count == 0);
    /* Nothing to send is the sender's bug, not a frame. */
    out.seq_count = 0;
    QF_CHECK_EQ_INT (qf_msg_send (&out, zsock_resolve (s_dealer), 0), QF_EINVAL);

    const char *bad[] = {"", ",", "1,", ",1", "1,,2", "1 ,2", "1;2", "-1", "+1", "0x10",
                         "12345678901234567890"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *frames[] = {QF_PROTOCOL, "ACKS", bad[i]};
        QF_CHECK_EQ_INT (s_raw (&in, 3, frames, NULL), QF_EPROTO);
        QF_CHECK_STR (in.error_field, "seqs");
        QF_CHECK_EQ_INT (in.error_status, QF_STATUS_BAD_REQUEST);
        QF_CHECK (in.seqs == NULL);
    }
    /* 1,025 seqs, and a frame longer than 1,024 seqs can be. */
    static char many[QF_SEQS_MAX + 2];
    size_t n = 0;
    for (int i = 0; i <= QF_ACKS_MAX; i++)
        n += (size_t)sprintf (many + n, i ? ",%d" : "%d", i + 1);
    const char *too_many[] = {QF_PROTOCOL, "ACKS", many};
    QF_CHECK_EQ_INT (s_raw (&in, 3, too_many, NULL), QF_EPROTO);
    QF_CHECK_EQ_INT (in.error_status, QF_STATUS_TOO_LARGE);
    QF_CHECK (strstr (in.error, "1025 seqs; at most 1024") != NULL);
    memset (many, '1', QF_SEQS_MAX + 1);
    many[QF_SEQS_MAX + 1] = 0;
    QF_CHECK_EQ_INT (s_raw (&in, 3, too_many, NULL), QF_EPROTO);
    QF_CHECK_EQ_INT (in.error_status, QF_STATUS_TOO_LARGE);
    QF_CHECK_STR (in.error_field, "seqs");
    const char *two[] = {QF_PROTOCOL, "ACKS", "1", "2"};
    QF_CHECK_EQ_INT (s_raw (&in, 4, two, NULL), QF_EPROTO);
    QF_CHECK_STR (in.error_field, "frames");
    qf_msg_reset (&in);
}

/* PACKED carries several deliveries in two frames: a line per event of
   DELIVER's seven small fields and its payload's size, then the payloads
   one after another. The longest fields, an empty subject and UTF-8 come
   through; a pack is full at QF_PACKED_MAX events or QF_BODY_MAX bytes of
   payloads; every field is checked as its own frame would be, and the
   lines, sizes and payloads as a whole too. */
QF_TEST (packed_carries_deliveries_in_two_frames)
{
    qf_packed_t *pack = calloc (1, sizeof *pack);
    QF_CHECK (pack != NULL);
    qf_msg_t fields = {.seq = UINT64_C (9223372036854775807),
                       .time = INT64_MAX,
                       .attempt = UINT32_MAX,
                       .flags = UINT32_MAX};
    memset (fields.event_id, 'e', QF_ID_MAX);
    memset (fields.topic, 't', QF_TOPIC_MAX);
    memset (fields.subject, 's', QF_SUBJECT_MAX);
    QF_CHECK_EQ_INT (qf_packed_append (pack, &fields, "{\"id\":7}", 8), 0);
    fields.seq = 5;
    fields.subject[0] = 0;
    strcpy (fields.topic, "qualification.created");
    fields.time = 1700;
    fields.attempt = 1;
    fields.flags = 0;
    QF_CHECK_EQ_INT (qf_packed_append (pack, &fields, "{}", 2), 0);
    fields.seq = 6;
    strcpy (fields.subject, "qualification/7");
    const char *chinese = "{\"n\":\"二级\"}";
    QF_CHECK_EQ_INT (qf_packed_append (pack, &fields, chinese, strlen (chinese)), 0);
    qf_msg_t out = {.id = QF_MSG_PACKED, .packed = pack};
    QF_CHECK_EQ_INT (qf_msg_send (&out, zsock_resolve (s_dealer), 0), 0);
    zmsg_t *wire = zmsg_recv (s_router);
    QF_CHECK (wire && zmsg_size (wire) == 5); /* routing, QFLOW/1, PACKED, heads, payloads */
    zframe_t *heads = zmsg_first (wire);
    for (int i = 0; i < 3 && heads; i++)
        heads = zmsg_next (wire);
    /* The first line is as long as a line can be but for its size's 6 digits. */
    const char *lf = heads ? memchr (zframe_data (heads), '\n', zframe_size (heads)) : NULL;
    QF_CHECK (lf && lf - (const char *)zframe_data (heads) == QF_HEAD_MAX - 6);
    zmsg_destroy (&wire);
    qf_msg_t in = {0};
    QF_CHECK_EQ_INT (s_roundtrip (&out, &in), 0);
    QF_CHECK_EQ_INT (in.id, QF_MSG_PACKED);
    QF_CHECK (in.packed && in.packed->count == 3);
    if (s_test_current_failed)
        return;
    const qf_packed_event_t *e = in.packed->events;
    QF_CHECK (e[0].seq == UINT64_C (9223372036854775807) && e[0].time == INT64_MAX);
    QF_CHECK (e[0].attempt == UINT32_MAX && e[0].flags == UINT32_MAX);
    QF_CHECK (strlen (e[0].event_id) == QF_ID_MAX && strlen (e[0].topic) == QF_TOPIC_MAX);
    QF_CHECK (strlen (e[0].subject) == QF_SUBJECT_MAX);
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (e[0].body, "id")), 7);
    QF_CHECK (e[1].seq == 5 && e[1].subject[0] == 0 && json_object_size (e[1].body) == 0);
    QF_CHECK_STR (e[1].topic, "qualification.created");
    QF_CHECK_STR (e[2].subject, "qualification/7");
    QF_CHECK_STR (json_string_value (json_object_get (e[2].body, "n")), "二级");
    qf_msg_reset (&in);
    QF_CHECK (in.packed == NULL);

    /* Full at QF_PACKED_MAX events, or at QF_BODY_MAX bytes of payloads;
       an empty pack takes a payload of QF_BODY_MAX. */
    qf_packed_clear (pack);
    for (int i = 0; i < QF_PACKED_MAX; i++)
        QF_CHECK_EQ_INT (qf_packed_append (pack, &fields, "{}", 2), 0);
    QF_CHECK_EQ_INT (qf_packed_append (pack, &fields, "{}", 2), QF_ETOOBIG);
    QF_CHECK_EQ_INT (s_roundtrip (&out, &in), 0);
    QF_CHECK (in.packed && in.packed->count == QF_PACKED_MAX);
    qf_msg_reset (&in);
    qf_packed_clear (pack);
    char *big = malloc (QF_BODY_MAX);
    QF_CHECK (big != NULL);
    if (!big)
        return;
    memset (big, 'a', QF_BODY_MAX);
    memcpy (big, "{\"x\":\"", 6);
    memcpy (big + QF_BODY_MAX - 2, "\"}", 2);
    QF_CHECK_EQ_INT (qf_packed_append (pack, &fields, big, QF_BODY_MAX), 0);
    QF_CHECK_EQ_INT (qf_packed_append (pack, &fields, "{}", 2), QF_ETOOBIG);
    QF_CHECK_EQ_INT (s_roundtrip (&out, &in), 0);
    QF_CHECK (in.packed && in.packed->count == 1 && in.packed->events[0].size == QF_BODY_MAX);
    qf_msg_reset (&in);
    /* Numbers the head cannot hold in 19 digits are the sender's bug, and
       so is a PACKED with nothing in it. */
    qf_packed_clear (pack);
    fields.seq = UINT64_C (9223372036854775808);
    QF_CHECK_EQ_INT (qf_packed_append (pack, &fields, "{}", 2), QF_EINVAL);
    QF_CHECK_EQ_INT (qf_msg_send (&out, zsock_resolve (s_dealer), 0), QF_EINVAL);
    qf_packed_destroy (&pack);

    struct {
        const char *heads;
        const char *payloads;
        const char *field;
    } bad[] = {
        {"1 e t.x s 1700 1 0", "{}", "heads"},        /* no size */
        {"1 e t.x s 1700 1 0 2 9", "{}", "heads"},    /* nine fields */
        {"1 e t.x s  1700 1 0 2", "{}", "time"},      /* a double space: an empty time */
        {"", "{}", "heads"},
        {"1 e t.x s 1700 1 0 2\n", "{}", "heads"},    /* an empty last line */
        {"x e t.x s 1700 1 0 2", "{}", "seq"},
        {"1  t.x s 1700 1 0 2", "{}", "event_id"},    /* empty id */
        {"1 e T.x s 1700 1 0 2", "{}", "topic"},
        {"1 e t.x s\x01 1700 1 0 2", "{}", "subject"},
        {"1 e t.x s -1 1 0 2", "{}", "time"},
        {"1 e t.x s 1700 4294967296 0 2", "{}", "attempt"},
        {"1 e t.x s 1700 1 0x1 2", "{}", "flags"},
        {"1 e t.x s 1700 1 0 1", "{}", "heads"},      /* a payload under 2 bytes */
        {"1 e t.x s 1700 1 0 3", "{}", "payloads"},   /* sizes add up to 3, not 2 */
        {"1 e t.x s 1700 1 0 2", "[]", "payloads"},   /* not an object */
        {"1 e t.x s 1700 1 0 2\n2 e t.x s 1700 1 0 3", "{}{\"", "payloads"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *frames[] = {QF_PROTOCOL, "PACKED", bad[i].heads, bad[i].payloads};
        QF_CHECK_EQ_INT (s_raw (&in, 4, frames, NULL), QF_EPROTO);
        QF_CHECK_STR (in.error_field, bad[i].field);
        QF_CHECK_EQ_INT (in.error_status, QF_STATUS_BAD_REQUEST);
        QF_CHECK (in.packed == NULL);
    }
    /* 257 lines, heads longer than 256 lines can be, payloads over 1 MiB. */
    size_t line = strlen ("1 e t.x s 1700 1 0 2\n");
    char *many = malloc ((QF_PACKED_MAX + 1) * line + 1);
    char *payloads = malloc (2 * (QF_PACKED_MAX + 1) + 1);
    char *long_heads = malloc (QF_HEADS_MAX + 2);
    QF_CHECK (many && payloads && long_heads);
    if (!many || !payloads || !long_heads) {
        free (many);
        free (payloads);
        free (long_heads);
        free (big);
        return;
    }
    for (int i = 0; i <= QF_PACKED_MAX; i++) {
        memcpy (many + i * line, "1 e t.x s 1700 1 0 2\n", line);
        memcpy (payloads + 2 * i, "{}", 2);
    }
    many[(QF_PACKED_MAX + 1) * line - 1] = 0;
    payloads[2 * (QF_PACKED_MAX + 1)] = 0;
    memset (long_heads, '1', QF_HEADS_MAX + 1);
    long_heads[QF_HEADS_MAX + 1] = 0;
    const char *over[][2] = {{many, payloads}, {long_heads, "{}"}};
    const char *over_field[] = {"heads", "heads"};
    for (int i = 0; i < 2; i++) {
        const char *frames[] = {QF_PROTOCOL, "PACKED", over[i][0], over[i][1]};
        QF_CHECK_EQ_INT (s_raw (&in, 4, frames, NULL), QF_EPROTO);
        QF_CHECK_STR (in.error_field, over_field[i]);
        QF_CHECK_EQ_INT (in.error_status, QF_STATUS_TOO_LARGE);
    }
    const char *huge[] = {QF_PROTOCOL, "PACKED", "1 e t.x s 1700 1 0 2", big};
    size_t huge_sizes[] = {7, 6, strlen (huge[2]), QF_BODY_MAX + 1};
    char *bigger = realloc (big, QF_BODY_MAX + 1);
    QF_CHECK (bigger != NULL);
    if (bigger) {
        huge[3] = big = bigger;
        QF_CHECK_EQ_INT (s_raw (&in, 4, huge, huge_sizes), QF_EPROTO);
        QF_CHECK_STR (in.error_field, "payloads");
        QF_CHECK_EQ_INT (in.error_status, QF_STATUS_TOO_LARGE);
    }
    const char *no_payloads[] = {QF_PROTOCOL, "PACKED", "1 e t.x s 1700 1 0 2"};
    QF_CHECK_EQ_INT (s_raw (&in, 3, no_payloads, NULL), QF_EPROTO);
    QF_CHECK_STR (in.error_field, "payloads");
    QF_CHECK (in.packed == NULL);
    qf_msg_reset (&in);
    free (many);
    free (payloads);
    free (long_heads);
    free (big);
}

QF_TEST (nonblocking_recv_says_eagain)
{
    qf_msg_t in = {0};
    QF_CHECK_EQ_INT (qf_msg_recv (&in, zsock_resolve (s_router), true, ZMQ_DONTWAIT), QF_EAGAIN);
}

QF_TEST (status_mapping)
{
    QF_CHECK_EQ_INT (qf_status_from_error (QF_OK), 200);
    QF_CHECK_EQ_INT (qf_status_from_error (QF_EINVAL), 400);
    QF_CHECK_EQ_INT (qf_status_from_error (QF_EFORBIDDEN), 403);
    QF_CHECK_EQ_INT (qf_status_from_error (QF_ENOTFOUND), 404);
    QF_CHECK_EQ_INT (qf_status_from_error (QF_ECONFLICT), 409);
    QF_CHECK_EQ_INT (qf_status_from_error (QF_EIO), 500);
    QF_CHECK_STR (qf_status_name (403), "forbidden");
    QF_CHECK_STR (qf_msg_type_name (QF_MSG_DELIVER), "DELIVER");
}

QF_TEST (dates)
{
    int32_t day;
    QF_CHECK_EQ_INT (qf_date_parse ("1970-01-01", &day), 0);
    QF_CHECK_EQ_INT (day, 0);
    QF_CHECK_EQ_INT (qf_date_parse ("2024-02-29", &day), 0);
    char buf[16];
    QF_CHECK_STR (qf_date_format (day, buf, sizeof buf), "2024-02-29");
    QF_CHECK (qf_date_parse ("2023-02-29", &day) != 0);
    QF_CHECK (qf_date_parse ("2025-13-01", &day) != 0);
    QF_CHECK (qf_date_parse ("2025-1-01", &day) != 0);
    QF_CHECK (qf_date_parse ("20250101", &day) != 0);
    QF_CHECK (qf_date_parse ("", &day) != 0);
    QF_CHECK (qf_date_parse (NULL, &day) != 0);
    /* 2026-11-26T20:00Z is 2026-11-27 in Shanghai (UTC+8). */
    int64_t ms = 1795723200000LL;
    QF_CHECK_STR (qf_date_format (qf_date_from_ms (ms, 0), buf, sizeof buf), "2026-11-26");
    QF_CHECK_STR (qf_date_format (qf_date_from_ms (ms, 480), buf, sizeof buf), "2026-11-27");
}

int
main (void)
{
    s_test_suite = "msg";
    s_setup ();
    QF_RUN (request_roundtrip);
    QF_RUN (every_worker_type_roundtrips);
    QF_RUN (event_roundtrips_on_pub_sub);
    QF_RUN (raw_body_is_sent_verbatim);
    QF_RUN (wrong_version_is_refused);
    QF_RUN (truncated_message_is_refused);
    QF_RUN (extra_frames_are_refused);
    QF_RUN (decode_needs_no_socket);
    QF_RUN (reset_leaves_nothing_of_the_last_message);
    QF_RUN (unknown_type_is_refused);
    QF_RUN (invalid_json_is_refused);
    QF_RUN (invalid_utf8_is_refused);
    QF_RUN (oversized_body_is_refused);
    QF_RUN (bad_fields_are_refused);
    QF_RUN (refusals_name_the_field_and_status);
    QF_RUN (acks_carry_a_list_of_seqs);
    QF_RUN (packed_carries_deliveries_in_two_frames);
    QF_RUN (nonblocking_recv_says_eagain);
    QF_RUN (status_mapping);
    QF_RUN (dates);
    s_teardown ();
    zsys_shutdown ();
    return qf_test_done ();
}
