/*  fuzz_msg — the QFLOW/1 decoder (qf_msg_decode) on arbitrary frames.

    Input: the first byte says the socket (odd: a ROUTER, so the first
    frame is a routing id); the rest is the message's frames separated by
    the byte 0xFF, which never occurs in UTF-8 text, so the seeds stay
    readable and a frame can still hold any other byte, NUL included.

    Invariants: the decoder returns 0 or QF_EPROTO; on success the type
    is known, the text fields are NUL-terminated within their buffers and
    the body, if any, is a JSON object, an ACKS holds 1 to QF_ACKS_MAX
    seqs and a PACKED 1 to QF_PACKED_MAX events with object payloads; on
    failure there is a message and neither body, seqs nor events. ASan and
    UBSan check every byte read.
*/
#include "qf_fuzz.h"

#include "qf_error.h"
#include "qf_msg.h"

#include <string.h>

#define SEPARATOR 0xFF

/*  Whether text holds a NUL within its `cap` bytes. */
static int
s_terminated (const char *text, size_t cap)
{
    return memchr (text, 0, cap) != NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool routed = data[0] & 1;
    qf_frame_t frames[QF_MSG_FRAMES_MAX + 1];
    int count = 0;
    const uint8_t *at = data + 1, *end = data + size;
    /* The last frame that fits takes the rest, separators and all. */
    while (count < QF_MSG_FRAMES_MAX + 1) {
        const uint8_t *cut =
            count < QF_MSG_FRAMES_MAX ? memchr (at, SEPARATOR, (size_t)(end - at)) : NULL;
        frames[count].data = at;
        frames[count].size = (size_t)((cut ? cut : end) - at);
        count++;
        if (!cut)
            break;
        at = cut + 1;
    }

    qf_msg_t msg;
    memset (&msg, 0, sizeof msg);
    int rc = qf_msg_decode (&msg, frames, count, routed);
    QF_FUZZ_REQUIRE (rc == 0 || rc == QF_EPROTO);
    if (rc == 0) {
        QF_FUZZ_REQUIRE (msg.id > QF_MSG_NONE && msg.id < QF_MSG_COUNT);
        QF_FUZZ_REQUIRE (qf_msg_type_name (msg.id) != NULL);
        QF_FUZZ_REQUIRE (!msg.body || json_is_object (msg.body));
        QF_FUZZ_REQUIRE (routed == (msg.routing_size > 0));
        QF_FUZZ_REQUIRE (msg.routing_size <= QF_ROUTING_MAX);
        QF_FUZZ_REQUIRE ((msg.id == QF_MSG_ACKS) == (msg.seqs != NULL));
        QF_FUZZ_REQUIRE ((msg.id == QF_MSG_PACKED) == (msg.packed != NULL));
        QF_FUZZ_REQUIRE (msg.id != QF_MSG_PACKED ||
                         (msg.packed->count >= 1 && msg.packed->count <= QF_PACKED_MAX));
        for (size_t i = 0; msg.packed && i < msg.packed->count; i++)
            QF_FUZZ_REQUIRE (json_is_object (msg.packed->events[i].body) &&
                             s_terminated (msg.packed->events[i].topic,
                                           sizeof msg.packed->events[i].topic));
        QF_FUZZ_REQUIRE (msg.id != QF_MSG_ACKS ||
                         (msg.seq_count >= 1 && msg.seq_count <= QF_ACKS_MAX));
    } else {
        QF_FUZZ_REQUIRE (msg.error[0] != '\0' && s_terminated (msg.error, sizeof msg.error));
        QF_FUZZ_REQUIRE (msg.body == NULL && msg.seqs == NULL && msg.seq_count == 0 &&
                         msg.packed == NULL);
    }
    QF_FUZZ_REQUIRE (s_terminated (msg.request_id, sizeof msg.request_id));
    QF_FUZZ_REQUIRE (s_terminated (msg.command, sizeof msg.command));
    QF_FUZZ_REQUIRE (s_terminated (msg.event_id, sizeof msg.event_id));
    QF_FUZZ_REQUIRE (s_terminated (msg.topic, sizeof msg.topic));
    QF_FUZZ_REQUIRE (s_terminated (msg.subject, sizeof msg.subject));
    QF_FUZZ_REQUIRE (s_terminated (msg.reason, sizeof msg.reason));
    qf_msg_reset (&msg);
    return 0;
}
