/*  qf_msg — the QFLOW/1 wire codec. proto/PROTOCOL.md is the authority;
    this file follows it.

    Every message is one ZeroMQ multipart message:

        [routing id] [empty delimiter]  "QFLOW/1"  TYPE  field...

    The routing id is present only on the daemon's ROUTER sockets; the empty
    delimiter only when the peer sent one (a REQ socket does): it is read
    when present and sent back only when `req_envelope` is set. On the PUB
    socket the topic comes first so SUB prefix filtering works:

        topic  "QFLOW/1"  "EVENT"  seq  event_id  subject  time  payload

    A qf_msg_t is a plain value: the fields that a type uses are filled, the
    others are zero. Text fields are NUL-terminated copies; `body` is parsed
    JSON owned by the message; `raw`/`raw_size` point at bytes that the
    caller owns and that are sent as the body/payload frame without being
    encoded again (the daemon sends an event's stored payload this way).
*/
#ifndef QF_MSG_H
#define QF_MSG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QF_PROTOCOL      "QFLOW/1"
#define QF_ID_MAX        64 /* request ids, event ids, instance names */
#define QF_NAME_MAX      64 /* commands, groups */
#define QF_TOPIC_MAX     128
#define QF_SUBJECT_MAX   128
#define QF_REASON_MAX    1024
#define QF_DELAY_MAX     86400000          /* NACK delay: 24 h in ms (PROTOCOL.md 6.3) */
#define QF_BODY_MAX      (1024 * 1024)     /* JSON body or payload frame */
#define QF_WIRE_MAX      (2 * 1024 * 1024) /* ZMQ_MAXMSGSIZE on every socket */
#define QF_ROUTING_MAX   256
#define QF_PEER_LIST_MAX 255 /* a certificate's roles or groups (its metadata) */
#define QF_ACKS_MAX      1024 /* seqs in one ACKS (PROTOCOL.md 6.3) */
#define QF_SEQS_MAX      (QF_ACKS_MAX * 20) /* its seqs frame: 19 digits and a comma each */
/* One line of PACKED's heads frame: seq event_id topic subject time
   attempt flags size, at their longest, and the seven spaces between them
   (PROTOCOL.md 2). A PACKED carries at most QF_PACKED_MAX events, whose
   payloads together are at most QF_BODY_MAX bytes. */
#define QF_HEAD_MAX   (19 + QF_ID_MAX + QF_TOPIC_MAX + QF_SUBJECT_MAX + 19 + 10 + 10 + 7 + 7)
#define QF_PACKED_MAX 256
#define QF_HEADS_MAX  (QF_PACKED_MAX * (QF_HEAD_MAX + 1))

/* The request_id of a REPLY to a request whose own id could not be read;
   reserved, so a client never uses it (PROTOCOL.md 5). */
#define QF_REQUEST_ID_UNKNOWN "-"

/* Reply and error status codes, as in HTTP. */
#define QF_STATUS_OK           200
#define QF_STATUS_BAD_REQUEST  400
#define QF_STATUS_FORBIDDEN    403
#define QF_STATUS_NOT_FOUND    404
#define QF_STATUS_CONFLICT     409
#define QF_STATUS_TOO_LARGE    413
#define QF_STATUS_SERVER_ERROR 500
#define QF_STATUS_UNAVAILABLE  503

typedef enum {
    QF_MSG_NONE = 0,
    QF_MSG_REQUEST,   /* client -> daemon: request_id command body */
    QF_MSG_REPLY,     /* daemon -> client: request_id status body */
    QF_MSG_HELLO,     /* worker -> daemon: body */
    QF_MSG_WELCOME,   /* daemon -> worker: body */
    QF_MSG_DELIVER,   /* daemon -> worker: seq event_id topic subject time attempt flags payload */
    QF_MSG_ACK,       /* worker -> daemon: seq event_id body (result or {}) */
    QF_MSG_NACK,      /* worker -> daemon: seq event_id delay reason */
    QF_MSG_EXTEND,    /* worker -> daemon: seq event_id (extend the lease) */
    QF_MSG_HEARTBEAT, /* both ways: no fields */
    QF_MSG_BYE,       /* worker -> daemon: no fields */
    QF_MSG_ERROR,     /* daemon -> worker: status seq reason */
    QF_MSG_EVENT,     /* daemon PUB -> observers: topic seq event_id subject time payload */
    QF_MSG_ACKS,      /* worker -> daemon: seqs (ACK with {} of each) */
    QF_MSG_PACKED,    /* daemon -> worker: heads payloads (DELIVERs, several in 2 frames) */
    QF_MSG_COUNT
} qf_msg_id_t;

/* One event of a PACKED: DELIVER's fields. */
typedef struct {
    uint64_t seq;
    char event_id[QF_ID_MAX + 1];
    char topic[QF_TOPIC_MAX + 1];
    char subject[QF_SUBJECT_MAX + 1];
    int64_t time;
    uint32_t attempt;
    uint32_t flags;
    size_t size;  /* its payload's bytes */
    json_t *body; /* its payload, parsed (owned by the message) */
} qf_packed_event_t;

/* A PACKED's events. Received: `events` holds `count` of them, parsed.
   To send: `heads` and `payloads` are the two frames, built with
   qf_packed_append (their bytes are owned by the pack). */
typedef struct {
    size_t count;
    qf_packed_event_t *events; /* received (owned) */
    char *heads;               /* to send: the heads frame (owned) */
    size_t heads_size, heads_cap;
    char *payloads; /* to send: the payloads frame (owned) */
    size_t payloads_size, payloads_cap;
} qf_packed_t;

/* Frees the bytes of a message's `raw` that libzmq took without a copy. */
typedef void (qf_msg_free_fn) (void *data, void *hint);

/* DELIVER flags (a decimal bit field on the wire). */
#define QF_DELIVER_PROCESSED 1 /* this group already recorded a result for the event */

typedef struct {
    qf_msg_id_t id;                        /* message type */
    unsigned char routing[QF_ROUTING_MAX]; /* ROUTER peer id, routing_size bytes */
    size_t routing_size;                   /* 0 when not on a ROUTER socket */
    bool req_envelope;                     /* peer is REQ: an empty delimiter follows the id */
    char request_id[QF_ID_MAX + 1];        /* REQUEST, REPLY */
    char command[QF_NAME_MAX + 1];         /* REQUEST */
    int status;                            /* REPLY, ERROR */
    uint64_t seq;                          /* DELIVER, ACK, NACK, EXTEND, ERROR, EVENT */
    char event_id[QF_ID_MAX + 1];          /* DELIVER, ACK, NACK, EXTEND, EVENT */
    char topic[QF_TOPIC_MAX + 1];          /* DELIVER, EVENT */
    char subject[QF_SUBJECT_MAX + 1];      /* DELIVER, EVENT */
    int64_t time;                          /* DELIVER, EVENT: commit time, ms since epoch */
    uint32_t attempt;                      /* DELIVER: 1 on first delivery */
    uint32_t flags;                        /* DELIVER: QF_DELIVER_* bits
                                              (DELIVER's fields are PACKED's too) */
    int64_t delay;                         /* NACK: ms before the retry */
    char reason[QF_REASON_MAX + 1];        /* NACK, ERROR */
    uint64_t *seqs;                        /* ACKS: seq_count seqs (owned, malloc'd) */
    qf_packed_t *packed;                   /* PACKED: its events (owned) */
    size_t seq_count;                      /* ACKS: 1..QF_ACKS_MAX */
    json_t *body;                          /* decoded JSON object (owned), or NULL */
    const char *raw;                       /* when sending: body/payload bytes (borrowed) */
    size_t raw_size;                       /* length of raw */
    qf_msg_free_fn *raw_free;              /* when sending, if set: libzmq takes raw without a
                                              copy and calls raw_free (raw, raw_hint) once done
                                              with it, maybe from its I/O thread */
    void *raw_hint;                        /* passed to raw_free */
    char error[256];                       /* after QF_EPROTO: what was wrong */
    char error_field[16];                  /* after QF_EPROTO: the frame to blame (PROTOCOL.md 4) */
    int error_status;                      /* after QF_EPROTO: 413 when a frame is over its
                                              limit, else 400 */
} qf_msg_t;

#define QF_PEER_KEY_MAX 40 /* a CURVE public key in Z85 */

/* Who sent a message over CURVE (see qf_security.h). The codec fills only
   `key`, the one property of a message that the peer cannot choose;
   qf_security_identify() fills the rest from the daemon's own table of
   certificates. Kept out of qf_msg_t, which every message in flight
   carries. */
typedef struct {
    char key[QF_PEER_KEY_MAX + 1];     /* public key CURVE authenticated, or "" */
    bool authenticated;                /* a certificate in clients_dir has the key */
    char name[QF_NAME_MAX + 1];        /* its certificate's name */
    char roles[QF_PEER_LIST_MAX + 1];  /* roles it may claim, space-separated */
    char groups[QF_PEER_LIST_MAX + 1]; /* groups it may join, space-separated */
} qf_peer_t;

/*  Resets a message to empty, releasing its body. Safe on a zeroed struct. */
void qf_msg_reset (qf_msg_t *self);

/*  Name of a type on the wire ("REQUEST", ...), or NULL. */
const char *qf_msg_type_name (qf_msg_id_t id);

/*  Receives one message from a libzmq socket handle (use zsock_resolve()).
    `routed` says the socket is a ROUTER, so the first frame is a peer id.
    `flags` is 0 or ZMQ_DONTWAIT, and QF_MSG_NO_BODY: the body frame is
    checked against its size limit but not parsed (self->body stays NULL),
    for a receiver that needs only the other fields. Returns 0, QF_EAGAIN (nothing to read),
    QF_EINTR (interrupted or the context is closing), or QF_EPROTO with
    self->error saying what was wrong, self->error_field naming the frame
    and self->error_status the status to answer with (413 for a frame over
    its limit, else 400). On QF_EPROTO the routing id and the best
    request_id that can be read are kept so the sender can be told: the
    REQUEST's own, or, when the protocol frame or the type is wrong, the
    third frame of a five-frame message if it is a valid id. */
#define QF_MSG_NO_BODY 0x10000
int qf_msg_recv (qf_msg_t *self, void *socket, bool routed, int flags);

/* One frame of a received message: its bytes, borrowed. */
typedef struct {
    const void *data;
    size_t size;
} qf_frame_t;

#define QF_MSG_FRAMES_MAX 14 /* most frames a message may have, envelope included */

/*  Decodes a message whose `count` frames were already received, as
    qf_msg_recv does once it has read them all; `routed` as there. A count
    above QF_MSG_FRAMES_MAX is a protocol error. Returns 0 or QF_EPROTO
    with self->error, keeping the routing id and request_id as qf_msg_recv
    does. Needs no socket, so tests and the fuzz harness call it on bytes. */
int qf_msg_decode (qf_msg_t *self, const qf_frame_t *frames, int count, bool routed);

/*  qf_msg_recv, and when `peer` is not NULL, the public key that CURVE
    authenticated on a ROUTER socket (the ZAP User-Id) in peer->key; every
    other field of `peer` is cleared, for qf_security_identify(). */
int qf_msg_recv_from (qf_msg_t *self, void *socket, bool routed, int flags, qf_peer_t *peer);

/*  Sends a message. Text fields and body must be valid for the type; when
    `raw` is set it is sent in place of json-encoding `body`, and when
    `raw_free` is set too, raw_free always runs, whatever is returned (the
    sender uses it to learn when the bytes have left its queue). Returns 0,
    QF_EINVAL for a message that breaks the protocol's own rules, or
    QF_EAGAIN/QF_EIO when the socket refused it. */
int qf_msg_send (qf_msg_t *self, void *socket, int flags);

/*  Adds one event to a PACKED to send: its DELIVER fields as in `fields`
    (seq, event_id, topic, subject, time, attempt, flags) and its payload.
    Returns 0, QF_ETOOBIG when the pack is full (QF_PACKED_MAX events, or
    the payloads would pass QF_BODY_MAX: send it and start another; an
    empty pack takes any payload up to QF_BODY_MAX), QF_EINVAL for a field
    the head cannot hold, or QF_ENOMEM. */
int qf_packed_append (qf_packed_t *self, const qf_msg_t *fields, const char *payload, size_t size);

/*  Empties a pack for reuse, keeping its buffers. */
void qf_packed_clear (qf_packed_t *self);

/*  Frees a pack's buffers and events, and the pack; safe on NULL. */
void qf_packed_destroy (qf_packed_t **self_p);

/*  Validators used by the codec, exported for modules that check fields. */
bool qf_valid_token (const char *text, size_t max);     /* [a-z0-9._-]+ */
bool qf_valid_printable (const char *text, size_t max); /* 0x21..0x7e */
bool qf_valid_utf8 (const char *text, size_t size);

/*  Copies a string into a buffer of `cap` bytes, cutting it to fit; always
    NUL-terminates. The hot paths use it instead of snprintf ("%s"). */
void qf_copy (char *dest, size_t cap, const char *src);

/*  Maps a QF_E* error code to a reply status. */
int qf_status_from_error (int rc);
const char *qf_status_name (int status);

#endif
