/*  qf_cli_request — one request with a body the caller builds. */
#include "qf_cli_request.h"
#include "qf_error.h"
#include "qf_msg.h"
#include "qf_time.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A command-socket DEALER. Owned by its creator. */
struct _qf_cli_request_t {
    zsock_t *dealer;  /* connected to the command endpoint */
    long pid;         /* prefix of request ids, so the daemon's log tells processes apart */
    uint64_t next_id; /* counter part of the next request id */
    char error[256];  /* why the last call got QF_EPROTO */
};

qf_cli_request_t *
qf_cli_request_new (const char *endpoint)
{
    if (!endpoint || !*endpoint)
        return NULL;
    qf_cli_request_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer)
        goto fail;
    /* A client that gives up must not hang the process at exit. */
    zsock_set_linger (self->dealer, 0);
    zsock_set_maxmsgsize (self->dealer, QF_WIRE_MAX);
    if (zsock_connect (self->dealer, "%s", endpoint) != 0)
        goto fail;
    self->pid = (long) getpid ();
    self->next_id = 1;
    return self;
fail:
    qf_cli_request_destroy (&self);
    return NULL;
}

void
qf_cli_request_destroy (qf_cli_request_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_cli_request_t *self = *self_p;
    zsock_destroy (&self->dealer);
    free (self);
    *self_p = NULL;
}

const char *
qf_cli_request_error (qf_cli_request_t *self)
{
    return self ? self->error : "";
}

/* Milliseconds left before the monotonic deadline, never negative; -1
   (wait forever) when the deadline is -1. */
static long
s_left (int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - qf_time_mono_ms ();
    return left > 0 ? (long) left : 0;
}

/* Waits until the socket can do `events` (ZMQ_POLLIN or ZMQ_POLLOUT) or
   the deadline passes. Returns 0, QF_ETIMEOUT or QF_EINTR. */
static int
s_wait (void *socket, short events, int64_t deadline)
{
    while (true) {
        zmq_pollitem_t item = {socket, 0, events, 0};
        int rc = zmq_poll (&item, 1, s_left (deadline));
        if (rc < 0)
            return QF_EINTR;
        if (rc > 0 && (item.revents & events))
            return 0;
        if (deadline >= 0 && qf_time_mono_ms () >= deadline)
            return QF_ETIMEOUT;
    }
}

int
qf_cli_request_call (qf_cli_request_t *self, const char *command, json_t *body, int timeout_ms,
                     int *status_p, json_t **reply_p)
{
    *reply_p = NULL;
    if (!self || !command || !qf_valid_token (command, QF_NAME_MAX) || !json_is_object (body))
        return QF_EINVAL;
    int64_t deadline = timeout_ms < 0 ? -1 : qf_time_mono_ms () + timeout_ms;
    void *socket = zsock_resolve (self->dealer);
    char *encoded = json_dumps (body, JSON_COMPACT);
    if (!encoded)
        return QF_ENOMEM;
    size_t size = strlen (encoded);
    if (size > QF_BODY_MAX) {
        free (encoded);
        return QF_ETOOBIG;
    }
    qf_msg_t request;
    memset (&request, 0, sizeof request);
    request.id = QF_MSG_REQUEST;
    snprintf (request.request_id, sizeof request.request_id, "%ld-k%llu", self->pid,
              (unsigned long long) self->next_id++);
    snprintf (request.command, sizeof request.command, "%s", command);
    request.raw = encoded;
    request.raw_size = size;
    int rc;
    /* The send queue is full only while the daemon is away: wait for room. */
    while ((rc = qf_msg_send (&request, socket, ZMQ_DONTWAIT)) == QF_EAGAIN) {
        rc = s_wait (socket, ZMQ_POLLOUT, deadline);
        if (rc)
            break;
    }
    request.raw = NULL;
    free (encoded);
    if (rc)
        return rc;

    qf_msg_t reply;
    memset (&reply, 0, sizeof reply);
    while (true) {
        rc = s_wait (socket, ZMQ_POLLIN, deadline);
        if (rc)
            break;
        rc = qf_msg_recv (&reply, socket, false, ZMQ_DONTWAIT);
        if (rc == QF_EAGAIN)
            continue;
        if (rc == QF_EINTR)
            break;
        bool ours = strcmp (reply.request_id, request.request_id) == 0;
        if (!ours && (rc == 0 || reply.request_id[0]))
            continue; /* a late answer to a request that timed out earlier */
        if (rc == 0 && reply.id != QF_MSG_REPLY) {
            snprintf (reply.error, sizeof reply.error, "expected REPLY, got %s",
                      qf_msg_type_name (reply.id));
            rc = QF_EPROTO;
        }
        if (rc == QF_EPROTO) {
            snprintf (self->error, sizeof self->error, "%s", reply.error);
            break;
        }
        *status_p = reply.status;
        *reply_p = reply.body;
        reply.body = NULL;
        break;
    }
    qf_msg_reset (&reply);
    return rc;
}
