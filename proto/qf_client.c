/*  qf_client — the client side of the daemon's command and event sockets. */
#include "qf_client.h"
#include "qf_error.h"
#include "qf_security.h"
#include "qf_time.h"

#include <czmq.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A command-socket client. Owned by its creator. */
struct _qf_client_t {
    zsock_t *dealer;  /* DEALER connected to the command endpoint */
    char *endpoint;   /* as given to qf_client_new() */
    long pid;         /* prefix of request ids, so a log tells processes apart */
    uint64_t next_id; /* counter part of the next request id */
    char error[256];  /* why the last call got QF_EPROTO */
};

/* An event-stream subscriber. Owned by its creator. */
struct _qf_sub_t {
    zsock_t *sub; /* SUB connected to the event endpoint */
};

/* Makes a socket of `type` with the options every qualflow peer sets and
   connects it; returns NULL when the endpoint is refused. */
static zsock_t *
s_socket_new (int type, const char *endpoint)
{
    if (!endpoint || !*endpoint)
        return NULL;
    zsock_t *sock = zsock_new (type);
    if (!sock)
        return NULL;
    /* A client that gives up must not hang the process at exit. */
    zsock_set_linger (sock, 0);
    zsock_set_maxmsgsize (sock, QF_WIRE_MAX);
    qf_security_client_apply (sock);
    if (zsock_connect (sock, "%s", endpoint) != 0) {
        zsock_destroy (&sock);
        return NULL;
    }
    return sock;
}

/* Waits until `socket` has something to read or the monotonic deadline
   passes (deadline < 0: wait forever). Returns 0, QF_ETIMEOUT or QF_EINTR. */
static int
s_wait_readable (void *socket, int64_t deadline)
{
    while (true) {
        long wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - qf_time_mono_ms ();
            wait = left > 0 ? (long)left : 0;
        }
        zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll (&item, 1, wait);
        if (rc < 0)
            return QF_EINTR;
        if (rc > 0 && (item.revents & ZMQ_POLLIN))
            return 0;
        if (deadline >= 0 && qf_time_mono_ms () >= deadline)
            return QF_ETIMEOUT;
    }
}

/* Converts a relative timeout to a monotonic deadline (-1 = none). */
static int64_t
s_deadline (int timeout_ms)
{
    return timeout_ms < 0 ? -1 : qf_time_mono_ms () + timeout_ms;
}

/* Receives one message of type `want` before the deadline. Returns 0,
   QF_ETIMEOUT, QF_EPROTO or QF_EINTR. */
static int
s_recv_type (void *socket, int64_t deadline, qf_msg_id_t want, qf_msg_t *msg, int flags)
{
    while (true) {
        int rc = s_wait_readable (socket, deadline);
        if (rc)
            return rc;
        rc = qf_msg_recv (msg, socket, false, ZMQ_DONTWAIT | flags);
        if (rc == QF_EAGAIN)
            continue;
        if (rc)
            return rc;
        if (msg->id != want) {
            /* Keep request_id: a misdirected message still names its request. */
            snprintf (msg->error, sizeof msg->error, "expected %s, got %s", qf_msg_type_name (want),
                      qf_msg_type_name (msg->id));
            if (msg->body) {
                json_decref (msg->body);
                msg->body = NULL;
            }
            return QF_EPROTO;
        }
        return 0;
    }
}

qf_client_t *
qf_client_new (const char *endpoint)
{
    qf_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->endpoint = endpoint ? strdup (endpoint) : NULL;
    if (!self->endpoint)
        goto fail;
    self->dealer = s_socket_new (ZMQ_DEALER, endpoint);
    if (!self->dealer)
        goto fail;
    self->pid = (long)getpid ();
    self->next_id = 1;
    return self;
fail:
    free (self->endpoint);
    free (self);
    return NULL;
}

void
qf_client_destroy (qf_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_client_t *self = *self_p;
    zsock_destroy (&self->dealer);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

const char *
qf_client_endpoint (qf_client_t *self)
{
    return self ? self->endpoint : NULL;
}

const char *
qf_client_error (qf_client_t *self)
{
    return self ? self->error : "";
}

static int s_send_encoded (qf_client_t *self, const char *command, const char *encoded, size_t size,
                           char *request_id_out, int64_t deadline);

/* Builds and queues one REQUEST, waiting for room in the send queue until
   the deadline (0 = not at all). Returns 0 or a QF_E* code. */
static int
s_send_request (qf_client_t *self, const char *command, const char *role, const char *user,
                json_t *args, const char *key, char *request_id_out, int64_t deadline)
{
    if (!self || !command || !qf_valid_token (command, QF_NAME_MAX) || !role ||
        (args && !json_is_object (args)))
        return QF_EINVAL;

    int rc = QF_ENOMEM;
    char *encoded = NULL;
    json_t *body = json_object ();
    if (!body)
        goto done;
    json_t *jrole = json_string (role);
    if (!jrole || json_object_set_new (body, "role", jrole) != 0) {
        rc = QF_EINVAL; /* role is not valid UTF-8 */
        goto done;
    }
    if (user) {
        json_t *juser = json_string (user);
        if (!juser || json_object_set_new (body, "user", juser) != 0) {
            rc = QF_EINVAL;
            goto done;
        }
    }
    if (args && json_object_set (body, "args", args) != 0)
        goto done;
    if (key) {
        json_t *jkey = json_string (key);
        if (!jkey || json_object_set_new (body, "idempotency_key", jkey) != 0) {
            rc = QF_EINVAL;
            goto done;
        }
    }
    /* Encode here rather than in the codec so an oversized body is refused
       before the daemon's libzmq drops the connection over it. */
    encoded = json_dumps (body, JSON_COMPACT);
    if (!encoded)
        goto done;
    rc = s_send_encoded (self, command, encoded, strlen (encoded), request_id_out, deadline);
done:
    free (encoded);
    json_decref (body);
    return rc;
}

/* Queues one REQUEST whose body is already encoded, waiting for room in the
   send queue until the deadline (0 = not at all). */
static int
s_send_encoded (qf_client_t *self, const char *command, const char *encoded, size_t size,
                char *request_id_out, int64_t deadline)
{
    if (size > QF_BODY_MAX)
        return QF_ETOOBIG;
    int rc = 0;
    qf_msg_t msg;
    memset (&msg, 0, sizeof msg);
    msg.id = QF_MSG_REQUEST;
    snprintf (msg.request_id, sizeof msg.request_id, "%ld-%llu", self->pid,
              (unsigned long long)self->next_id++);
    snprintf (msg.command, sizeof msg.command, "%s", command);
    msg.raw = encoded;
    msg.raw_size = size;
    void *socket = zsock_resolve (self->dealer);
    while (true) {
        rc = qf_msg_send (&msg, socket, ZMQ_DONTWAIT);
        if (rc != QF_EAGAIN || deadline == 0)
            break;
        /* The queue is full (the daemon is away or slow): wait for room. */
        long wait = -1;
        if (deadline > 0) {
            int64_t left = deadline - qf_time_mono_ms ();
            if (left <= 0) {
                rc = QF_ETIMEOUT;
                break;
            }
            wait = (long)left;
        }
        zmq_pollitem_t item = {socket, 0, ZMQ_POLLOUT, 0};
        if (zmq_poll (&item, 1, wait) < 0) {
            rc = QF_EINTR;
            break;
        }
    }
    if (rc == 0 && request_id_out)
        memcpy (request_id_out, msg.request_id, sizeof msg.request_id);
    msg.raw = NULL;
    qf_msg_reset (&msg);
    return rc;
}

int
qf_client_send_encoded (qf_client_t *self, const char *command, const char *body, size_t size,
                        char *request_id_out)
{
    if (!self || !command || !qf_valid_token (command, QF_NAME_MAX) || !body)
        return QF_EINVAL;
    return s_send_encoded (self, command, body, size, request_id_out, 0);
}

int
qf_client_send (qf_client_t *self, const char *command, const char *role, const char *user,
                json_t *args, char *request_id_out)
{
    return s_send_request (self, command, role, user, args, NULL, request_id_out, 0);
}

int
qf_client_recv (qf_client_t *self, int timeout_ms, qf_msg_t *reply)
{
    if (!self || !reply)
        return QF_EINVAL;
    return s_recv_type (zsock_resolve (self->dealer), s_deadline (timeout_ms), QF_MSG_REPLY, reply,
                        0);
}

int
qf_client_recv_status (qf_client_t *self, int timeout_ms, qf_msg_t *reply)
{
    if (!self || !reply)
        return QF_EINVAL;
    return s_recv_type (zsock_resolve (self->dealer), s_deadline (timeout_ms), QF_MSG_REPLY, reply,
                        QF_MSG_NO_BODY);
}

int
qf_client_wait_ns (qf_client_t *self, int64_t timeout_ns)
{
    if (!self)
        return QF_EINVAL;
    void *socket = zsock_resolve (self->dealer);
    int64_t deadline = qf_time_mono_ns () + (timeout_ns > 0 ? timeout_ns : 0);
    while (true) {
        /* ZMQ_FD signals a change of ZMQ_EVENTS, not readability: ask
           ZMQ_EVENTS first, and wait on the descriptor only when it says
           nothing is ready (zmq_getsockopt(3)). */
        int events = 0, fd = -1;
        size_t size = sizeof events;
        if (zmq_getsockopt (socket, ZMQ_EVENTS, &events, &size) == 0 && (events & ZMQ_POLLIN))
            return 1;
        int64_t left = deadline - qf_time_mono_ns ();
        if (left <= 0)
            return 0;
        size = sizeof fd;
        if (zmq_getsockopt (socket, ZMQ_FD, &fd, &size) != 0)
            return QF_EINTR;
        struct pollfd item = {fd, POLLIN, 0};
        struct timespec wait = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
        if (ppoll (&item, 1, &wait, NULL) < 0 && errno != EINTR)
            return QF_EINTR;
    }
}

int
qf_client_call (qf_client_t *self, const char *command, const char *role, const char *user,
                json_t *args, int timeout_ms, int *status_p, json_t **reply_p)
{
    return qf_client_call_keyed (self, command, role, user, args, NULL, timeout_ms, status_p,
                                 reply_p);
}

int
qf_client_call_keyed (qf_client_t *self, const char *command, const char *role, const char *user,
                      json_t *args, const char *key, int timeout_ms, int *status_p,
                      json_t **reply_p)
{
    if (reply_p)
        *reply_p = NULL;
    int64_t deadline = s_deadline (timeout_ms);
    char request_id[QF_ID_MAX + 1];
    /* -1 means "wait forever" to s_send_request, 0 "do not wait". */
    int rc = s_send_request (self, command, role, user, args, key, request_id,
                             deadline < 0   ? -1
                             : deadline > 0 ? deadline
                                            : 1);
    if (rc)
        return rc;

    qf_msg_t reply;
    memset (&reply, 0, sizeof reply);
    void *socket = zsock_resolve (self->dealer);
    while (true) {
        rc = s_recv_type (socket, deadline, QF_MSG_REPLY, &reply, 0);
        bool ours = strcmp (reply.request_id, request_id) == 0;
        if (rc == QF_EPROTO && reply.request_id[0] && !ours)
            continue; /* a malformed late answer to an older request */
        if (rc == QF_EPROTO)
            snprintf (self->error, sizeof self->error, "%s", reply.error);
        if (rc)
            break;
        if (!ours)
            continue; /* a late answer to a request that timed out */
        if (status_p)
            *status_p = reply.status;
        if (reply_p) {
            *reply_p = reply.body;
            reply.body = NULL;
        }
        break;
    }
    qf_msg_reset (&reply);
    return rc;
}

qf_sub_t *
qf_sub_new (const char *endpoint, const char *topic_prefix)
{
    qf_sub_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->sub = s_socket_new (ZMQ_SUB, endpoint);
    if (!self->sub) {
        free (self);
        return NULL;
    }
    zsock_set_subscribe (self->sub, topic_prefix ? topic_prefix : "");
    return self;
}

void
qf_sub_destroy (qf_sub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_sub_t *self = *self_p;
    zsock_destroy (&self->sub);
    free (self);
    *self_p = NULL;
}

int
qf_sub_recv (qf_sub_t *self, int timeout_ms, qf_msg_t *event)
{
    if (!self || !event)
        return QF_EINVAL;
    return s_recv_type (zsock_resolve (self->sub), s_deadline (timeout_ms), QF_MSG_EVENT, event, 0);
}
