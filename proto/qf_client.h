/*  qf_client — the client side of the daemon's command and event sockets.

    qf_client_t is one DEALER socket connected to the daemon's command
    endpoint (proto/PROTOCOL.md section 5). qf_client_call() is one request
    and its reply; qf_client_send() and qf_client_recv() keep many requests
    in flight and match replies by request id (benchmarks do this).

    qf_sub_t is one SUB socket connected to the daemon's event endpoint
    (section 7). PUB/SUB is best-effort: a subscriber that needs every event
    detects gaps in seq and fills them with the events.list command.

    Neither class is thread-safe: use one instance per thread. Both reconnect
    by themselves when the daemon restarts (ZeroMQ does this), and neither
    logs: every failure is a return code, and a malformed message leaves its
    explanation in the message's `error` field.

    Example:

        qf_client_t *client = qf_client_new ("ipc://run/command.sock");
        int status;
        json_t *reply = NULL;
        int rc = qf_client_call (client, "ping", "admin", "zhang.wei", NULL, 5000,
                                 &status, &reply);
        if (rc == 0 && status == QF_STATUS_OK)
            ... json_object_get (reply, "result") ...
        json_decref (reply);
        qf_client_destroy (&client);
*/
#ifndef QF_CLIENT_H
#define QF_CLIENT_H

#include "qf_msg.h"

#include <jansson.h>

typedef struct _qf_client_t qf_client_t;
typedef struct _qf_sub_t qf_sub_t;

/*  Creates a client connected to a command endpoint ("ipc://run/command.sock",
    "tcp://host:port"). Connecting succeeds even when nothing listens yet:
    requests wait in the socket until the daemon appears or a call times
    out. Returns NULL when the endpoint is malformed or no socket could be
    made. Caller owns the return value. */
qf_client_t *qf_client_new (const char *endpoint);

/*  Destroys a client, dropping unsent requests, and sets *self_p to NULL.
    Safe when *self_p is NULL. */
void qf_client_destroy (qf_client_t **self_p);

/*  The endpoint this client was created with. */
const char *qf_client_endpoint (qf_client_t *self);

/*  Why the last qf_client_call() returned QF_EPROTO ("" before any). */
const char *qf_client_error (qf_client_t *self);

/*  Sends one REQUEST and waits for its REPLY.

    The request body is {"role": role, "user": user, "args": args}; `user`
    and `args` are left out when NULL. `args` is borrowed (a JSON object).
    `command` must be a name ([a-z0-9._-], 1-64 bytes) and `role` must not
    be NULL; otherwise QF_EINVAL and nothing is sent.

    Waits at most timeout_ms (negative = forever) for the reply carrying
    this request's id; replies with other ids (late answers to requests
    that timed out earlier) are discarded, malformed ones too when their
    request id is readable and not ours.

    Returns 0 when the reply arrived, whatever its status: *status_p gets
    the status (200, 400, ...) and *reply_p the reply body, which the caller
    owns ({"result": ...} or {"error": {...}}). Either pointer may be NULL.
    Returns QF_ETIMEOUT when no reply came in time, QF_EPROTO for a
    malformed reply to this request, QF_EINTR when a signal interrupted the
    wait or the ZeroMQ context is closing, QF_EINVAL, QF_ETOOBIG (body
    over 1 MiB) or QF_ENOMEM. On failure *reply_p is set to NULL.

    A request that timed out stays queued in the socket until the client
    is destroyed: if the daemon appears meanwhile it still runs it, so
    after QF_ETIMEOUT a state change may or may not have happened. */
int qf_client_call (qf_client_t *self, const char *command, const char *role, const char *user,
                    json_t *args, int timeout_ms, int *status_p, json_t **reply_p);

/*  qf_client_call() with an idempotency key in the request body (NULL for
    none): retrying a state-changing command with the same key returns the
    first answer and changes nothing (PROTOCOL.md section 5). */
int qf_client_call_keyed (qf_client_t *self, const char *command, const char *role,
                          const char *user, json_t *args, const char *key, int timeout_ms,
                          int *status_p, json_t **reply_p);

/*  Pipelining: queues one REQUEST without waiting for its reply, with a
    fresh request id written to request_id_out (QF_ID_MAX + 1 bytes, may be
    NULL). Arguments as for qf_client_call(). Never blocks: returns 0 when
    queued, QF_EAGAIN when the socket's send queue is full (receive some
    replies first), QF_EINVAL, QF_ETOOBIG, QF_ENOMEM or QF_EIO. */
int qf_client_send (qf_client_t *self, const char *command, const char *role, const char *user,
                    json_t *args, char *request_id_out);

/*  Pipelining, for load generators that send the same body many times:
    queues one REQUEST whose body (a JSON object, size bytes) the caller
    encoded once. The daemon validates it like any other. */
int qf_client_send_encoded (qf_client_t *self, const char *command, const char *body, size_t size,
                            char *request_id_out);

/*  Pipelining: receives the next REPLY, whichever request it answers, into
    `reply` (which the caller resets with qf_msg_reset() when done; a
    previous content is released). Waits at most timeout_ms (0 = do not
    wait, negative = forever). Returns 0, QF_ETIMEOUT, QF_EPROTO (malformed,
    or not a REPLY; reply->error says why and reply->request_id is kept
    when it was readable) or QF_EINTR. */
int qf_client_recv (qf_client_t *self, int timeout_ms, qf_msg_t *reply);

/*  qf_client_recv without parsing the reply's body (reply->body is NULL):
    for a client that sends many commands and needs only their status and
    request id, such as a bulk import or the benchmark's load, to which
    parsing each reply's record was half its cost. */
int qf_client_recv_status (qf_client_t *self, int timeout_ms, qf_msg_t *reply);

/*  Waits at most timeout_ns nanoseconds (not rounded to milliseconds, as
    zmq_poll's timeout is) until a reply can be received. For open-loop
    load generators, which must send on time without spinning. Returns 1
    when a reply is ready, 0 when the time passed, QF_EINTR. */
int qf_client_wait_ns (qf_client_t *self, int64_t timeout_ns);

/*  Creates a subscriber connected to an event endpoint, receiving the
    events whose topic starts with topic_prefix (NULL or "" = all).
    Returns NULL on a malformed endpoint. Caller owns the return value. */
qf_sub_t *qf_sub_new (const char *endpoint, const char *topic_prefix);

/*  Destroys a subscriber and sets *self_p to NULL. Safe when *self_p is
    NULL. */
void qf_sub_destroy (qf_sub_t **self_p);

/*  Receives the next EVENT into `event` (topic, seq, event_id, subject,
    time and the payload in body; a previous content is released). Waits at
    most timeout_ms (0 = do not wait, negative = forever). Returns 0,
    QF_ETIMEOUT, QF_EPROTO (event->error says why) or QF_EINTR. */
int qf_sub_recv (qf_sub_t *self, int timeout_ms, qf_msg_t *event);

#endif
