/*  qf_cli_request — one request with a body the caller builds, on the
    daemon's command socket (proto/PROTOCOL.md section 5).

    qf_client_call() builds the request body itself, {"role", "user",
    "args"}, and has no place for the body's optional "idempotency_key".
    The CLI sends its requests through this class when --idempotency-key
    is given; otherwise through qf_client. It behaves as qf_client_call()
    does: one DEALER socket, a fresh request id per call, replies to other
    ids (late answers to calls that timed out) discarded. When qf_client
    gains a way to send a whole body, this class should go.

    Example:

        qf_cli_request_t *request = qf_cli_request_new ("ipc://run/command.sock");
        json_t *body = json_pack ("{s:s, s:s, s:{s:I}}", "role", "admin",
                                  "idempotency_key", "order-7", "args", "id", 1);
        int status;
        json_t *reply;
        int rc = qf_cli_request_call (request, "qual.submit", body, 5000, &status, &reply);
        ...
        json_decref (reply);
        json_decref (body);
        qf_cli_request_destroy (&request);
*/
#ifndef QF_CLI_REQUEST_H
#define QF_CLI_REQUEST_H

#include <jansson.h>

typedef struct _qf_cli_request_t qf_cli_request_t;

/*  Creates a DEALER connected to a command endpoint. Returns NULL when the
    endpoint is malformed or no socket could be made. Caller owns the
    return value. */
qf_cli_request_t *qf_cli_request_new (const char *endpoint);

/*  Destroys the socket, dropping unsent requests, and sets *self_p to
    NULL. Safe when *self_p is NULL. */
void qf_cli_request_destroy (qf_cli_request_t **self_p);

/*  Why the last qf_cli_request_call() returned QF_EPROTO ("" before any). */
const char *qf_cli_request_error (qf_cli_request_t *self);

/*  Sends one REQUEST with `body` (borrowed; a JSON object, sent as it is)
    and waits at most timeout_ms (negative = forever) for its REPLY.
    `command` must be a name ([a-z0-9._-], 1-64 bytes).

    Returns 0 when the reply arrived, whatever its status: *status_p gets
    the status and *reply_p the reply body (caller owns). Otherwise sets
    *reply_p to NULL and returns QF_ETIMEOUT, QF_EPROTO (a malformed reply
    to this request), QF_EINTR, QF_EINVAL, QF_ETOOBIG (body over 1 MiB) or
    QF_ENOMEM. As with qf_client_call(), a request that timed out may still
    run when the daemon appears. */
int qf_cli_request_call (qf_cli_request_t *self, const char *command, json_t *body,
                         int timeout_ms, int *status_p, json_t **reply_p);

#endif
