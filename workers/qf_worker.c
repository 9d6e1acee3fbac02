/*  qf_worker — the worker side of a QFLOW/1 consumer-group session.

    The loop is a small state machine over one DEALER socket:

        no socket --open--> hello sent --WELCOME--> live
            ^                   |                     |
            |   timeout/ERROR   |   silence/ERROR 404 |
            +-------------------+---------------------+

    While waiting for WELCOME the socket stays open with the HELLO queued in
    it, so a daemon that comes up during the wait is picked up as soon as
    libzmq reconnects; the wait itself is the backoff (3 x heartbeat, or the
    backoff when longer).  A refused HELLO (ERROR) closes the socket and
    waits out the backoff before the next attempt.
*/
#include "qf_worker.h"
#include "qf_config.h"
#include "qf_security.h"
#include "qf_error.h"
#include "qf_log.h"
#include "qf_time.h"

#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BACKOFF_INITIAL_MS 100
#define BACKOFF_MAX_MS     5000
#define HEARTBEAT_DEFAULT  1000
#define WINDOW_MAX         10000
#define ACK_HOLD_MS        2 /* most an empty-result ack is held for an ACKS, between handlers */

/* Where the session is; see the diagram above. */
typedef enum { S_CLOSED = 0, S_HELLO_SENT, S_LIVE } state_t;

struct _qf_worker_t {
    char *endpoint;                  /* owned copy of the worker endpoint */
    char group[QF_NAME_MAX + 1];     /* consumer group */
    char instance[QF_ID_MAX + 1];    /* this process's name in the group */
    int window_asked;                /* HELLO window, 0 = daemon default */
    int window;                      /* WELCOME window */
    int heartbeat_ms;                /* heartbeat interval in force */
    int64_t ack_wait_ms;             /* lease length from WELCOME */
    int max_deliveries;              /* from WELCOME, informational */
    qf_worker_fn handler;            /* one handler for every delivery, or NULL */
    const qf_worker_route_t *routes; /* or a dispatch table by topic (borrowed), or NULL */
    void *handler_arg;               /* the handlers' argument (borrowed) */

    zsock_t *sock;                  /* DEALER, NULL while closed */
    void *handle;                   /* libzmq handle of sock */
    state_t state;                  /* session state */
    uint64_t sessions;              /* WELCOMEs received */
    int64_t hello_at;               /* mono ms the HELLO was sent */
    int64_t hello_wait_ms;          /* how long this HELLO may wait */
    int64_t reopen_at;              /* mono ms of the next attempt while closed */
    int64_t backoff_ms;             /* the next backoff to use */
    int64_t last_heard;             /* mono ms of the last message from the daemon */
    int64_t last_sent;              /* mono ms of the last message we sent */
    volatile sig_atomic_t stopping; /* set by qf_worker_stop */

    bool busy;         /* a handler is running */
    uint64_t busy_seq; /* ... on this delivery */
    char busy_event_id[QF_ID_MAX + 1];
    qf_msg_t in; /* receive buffer, reused */

    /* Empty-result acks held to go out together as one ACKS (PROTOCOL.md
       6.3), when the daemon's WELCOME says it takes them (acks_max). */
    size_t acks_max;              /* from WELCOME; 0 = send each ACK alone */
    size_t ack_count;             /* held now */
    int64_t ack_held_at;          /* mono ms when the first of them was held */
    uint64_t acks[QF_ACKS_MAX];   /* their seqs */
};

/* Truncates text in place so it does not end inside a UTF-8 sequence. */
static void
s_utf8_trim (char *text)
{
    size_t n = strlen (text);
    size_t start = n;
    /* Find the start of the last character and check it is complete. */
    while (start > 0 && ((unsigned char)text[start - 1] & 0xc0) == 0x80)
        start--;
    if (start == 0)
        return;
    unsigned char lead = (unsigned char)text[start - 1];
    size_t need = lead < 0x80 ? 1 : (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 : 4;
    if (n - (start - 1) < need)
        text[start - 1] = 0;
}

qf_worker_t *
qf_worker_new (const char *endpoint, const char *group, const char *instance, int window)
{
    if (!endpoint || !*endpoint || !group || !qf_valid_token (group, QF_NAME_MAX))
        return NULL;
    if (window < 0 || window > WINDOW_MAX)
        return NULL;
    if (instance && !qf_valid_printable (instance, QF_ID_MAX))
        return NULL;
    qf_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->endpoint = strdup (endpoint);
    if (!self->endpoint) {
        free (self);
        return NULL;
    }
    snprintf (self->group, sizeof self->group, "%s", group);
    if (instance)
        snprintf (self->instance, sizeof self->instance, "%s", instance);
    else {
        char host[256] = "";
        if (gethostname (host, sizeof host - 1) != 0 || !*host)
            snprintf (host, sizeof host, "localhost");
        /* Keep only what an id frame allows, and leave room for the pid. */
        char clean[sizeof host];
        size_t n = 0;
        for (const char *p = host; *p && n < sizeof clean - 1; p++)
            if (*p >= 0x21 && *p <= 0x7e)
                clean[n++] = *p;
        clean[n] = 0;
        char pid[16];
        snprintf (pid, sizeof pid, "%ld", (long)getpid ());
        int room = QF_ID_MAX - (int)strlen (group) - (int)strlen (pid) - 2;
        if (room < 0)
            room = 0;
        snprintf (self->instance, sizeof self->instance, "%s-%.*s-%s", group, room, clean, pid);
        /* "<group>--<pid>" when the host name did not fit still identifies us. */
    }
    self->window_asked = window;
    self->heartbeat_ms = HEARTBEAT_DEFAULT;
    self->backoff_ms = BACKOFF_INITIAL_MS;
    return self;
}

/* Closes the socket without a word to the daemon. */
static void
s_close (qf_worker_t *self)
{
    if (self->sock)
        zsock_destroy (&self->sock);
    self->handle = NULL;
    self->state = S_CLOSED;
    /* Held acks go with the session: the daemon delivers those events again. */
    self->ack_count = 0;
}

static int s_send (qf_worker_t *self, qf_msg_t *msg);

/* Sends the held acks as one ACKS. */
static void
s_flush_acks (qf_worker_t *self)
{
    if (!self->ack_count)
        return;
    qf_msg_t acks = {.id = QF_MSG_ACKS, .seqs = self->acks, .seq_count = self->ack_count};
    self->ack_count = 0; /* before s_send, which flushes first */
    s_send (self, &acks);
}

/* Sends one message without blocking and notes the time. */
static int
s_send (qf_worker_t *self, qf_msg_t *msg)
{
    if (!self->handle)
        return QF_EINVAL;
    /* Held acks go first, so the daemon sees this worker's answers in the
       order it gave them. */
    s_flush_acks (self);
    int rc = qf_msg_send (msg, self->handle, ZMQ_DONTWAIT);
    if (rc == 0)
        self->last_sent = qf_time_mono_ms ();
    else
        qf_warn ("could not send %s to %s: %s", qf_msg_type_name (msg->id), self->endpoint,
                 qf_strerror (rc));
    return rc;
}

void
qf_worker_destroy (qf_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_worker_t *self = *self_p;
    if (self->state == S_LIVE) {
        qf_msg_t bye = {.id = QF_MSG_BYE};
        s_send (self, &bye);
    }
    s_close (self);
    qf_msg_reset (&self->in);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

void
qf_worker_set_handler (qf_worker_t *self, qf_worker_fn handler, void *arg)
{
    if (!self)
        return;
    self->handler = handler;
    self->routes = NULL;
    self->handler_arg = arg;
}

void
qf_worker_set_routes (qf_worker_t *self, const qf_worker_route_t *routes, void *arg)
{
    if (!self)
        return;
    self->handler = NULL;
    self->routes = routes;
    self->handler_arg = arg;
}

int
qf_worker_set_heartbeat (qf_worker_t *self, int heartbeat_ms)
{
    if (!self || heartbeat_ms < 10 || heartbeat_ms > 3600 * 1000)
        return QF_EINVAL;
    self->heartbeat_ms = heartbeat_ms;
    return 0;
}

void
qf_worker_stop (qf_worker_t *self)
{
    if (self)
        self->stopping = 1;
}

const char *
qf_worker_group (qf_worker_t *self)
{
    return self ? self->group : NULL;
}

const char *
qf_worker_instance (qf_worker_t *self)
{
    return self ? self->instance : NULL;
}

int
qf_worker_heartbeat_ms (qf_worker_t *self)
{
    return self ? self->heartbeat_ms : 0;
}

int64_t
qf_worker_ack_wait_ms (qf_worker_t *self)
{
    return self ? self->ack_wait_ms : 0;
}

int
qf_worker_window (qf_worker_t *self)
{
    return self ? (self->window ? self->window : self->window_asked) : 0;
}

bool
qf_worker_connected (qf_worker_t *self)
{
    return self && self->state == S_LIVE;
}

uint64_t
qf_worker_sessions (qf_worker_t *self)
{
    return self ? self->sessions : 0;
}

int
qf_outcome_nack (qf_outcome_t *outcome, int64_t delay_ms, const char *format, ...)
{
    if (!outcome)
        return QF_EIO;
    /* The daemon refuses a longer delay (PROTOCOL.md 6.3). */
    outcome->delay_ms = delay_ms <= 0 ? 0 : delay_ms > QF_DELAY_MAX ? QF_DELAY_MAX : delay_ms;
    va_list args;
    va_start (args, format);
    vsnprintf (outcome->reason, sizeof outcome->reason, format, args);
    va_end (args);
    s_utf8_trim (outcome->reason);
    return QF_EIO;
}

int
qf_worker_extend (qf_worker_t *self, uint64_t seq, const char *event_id)
{
    if (!self || !event_id || self->state != S_LIVE)
        return QF_EINVAL;
    if (!self->busy || self->busy_seq != seq || strcmp (self->busy_event_id, event_id) != 0)
        return QF_EINVAL;
    qf_msg_t msg = {.id = QF_MSG_EXTEND, .seq = seq};
    snprintf (msg.event_id, sizeof msg.event_id, "%s", event_id);
    int rc = s_send (self, &msg);
    if (rc == 0)
        qf_debug ("extended the lease on seq %llu", (unsigned long long)seq);
    return rc;
}

/* Opens a new socket and sends HELLO. Returns 0, QF_EINVAL when the
   endpoint is unusable, or QF_ENOMEM. */
static int
s_open (qf_worker_t *self)
{
    s_close (self);
    self->sock = zsock_new (ZMQ_DEALER);
    if (!self->sock)
        return QF_ENOMEM;
    zsock_set_linger (self->sock, 0);
    zsock_set_maxmsgsize (self->sock, QF_WIRE_MAX);
    /* No high-water mark: what a worker sends (ACK, NACK, EXTEND) is bounded
       by its window, and dropping an ACK at a full queue would stall the
       event until its lease ends. */
    zsock_set_sndhwm (self->sock, 0);
    zsock_set_rcvhwm (self->sock, 0);
    qf_security_client_apply (self->sock);
    if (zsock_connect (self->sock, "%s", self->endpoint) != 0) {
        qf_error ("cannot connect to worker endpoint %s: %s; check daemon.worker_endpoint",
                  self->endpoint, zmq_strerror (zmq_errno ()));
        s_close (self);
        return QF_EINVAL;
    }
    self->handle = zsock_resolve (self->sock);

    qf_msg_t hello = {.id = QF_MSG_HELLO};
    /* packed: deliveries as PACKED, DELIVER's fields in one frame (half the
       frames for the daemon to send and for us to read). */
    hello.body = json_pack ("{s:s, s:s, s:b}", "group", self->group, "instance", self->instance,
                            "packed", 1);
    if (!hello.body) {
        s_close (self);
        return QF_ENOMEM;
    }
    if (self->window_asked > 0)
        json_object_set_new (hello.body, "window", json_integer (self->window_asked));
    int rc = s_send (self, &hello);
    qf_msg_reset (&hello);
    int64_t now = qf_time_mono_ms ();
    self->state = S_HELLO_SENT;
    self->hello_at = now;
    int64_t wait = 3 * (int64_t)self->heartbeat_ms;
    self->hello_wait_ms = wait > self->backoff_ms ? wait : self->backoff_ms;
    if (rc != 0)
        qf_debug ("HELLO not queued (%s); will retry", qf_strerror (rc));
    qf_debug ("HELLO sent to %s as %s/%s; waiting up to %lld ms", self->endpoint, self->group,
              self->instance, (long long)self->hello_wait_ms);
    return 0;
}

/* The next backoff: 100 ms doubling to 5 s. */
static int64_t
s_backoff (qf_worker_t *self)
{
    int64_t current = self->backoff_ms;
    self->backoff_ms = current * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : current * 2;
    return current;
}

/* Drops the session. `wait` says whether to wait out a backoff before the
   next HELLO (a refused HELLO) or to try at once (a lost session). */
static void
s_lose_session (qf_worker_t *self, bool wait)
{
    s_close (self);
    self->reopen_at = qf_time_mono_ms () + (wait ? s_backoff (self) : 0);
}

static int64_t
s_json_int (json_t *object, const char *key, int64_t fallback)
{
    json_t *value = json_object_get (object, key);
    return json_is_integer (value) ? (int64_t)json_integer_value (value) : fallback;
}

static void
s_on_welcome (qf_worker_t *self, qf_msg_t *msg)
{
    if (self->state == S_LIVE) {
        qf_debug ("ignoring a second WELCOME");
        return;
    }
    int64_t heartbeat = s_json_int (msg->body, "heartbeat_ms", self->heartbeat_ms);
    if (heartbeat >= 10 && heartbeat <= 3600 * 1000)
        self->heartbeat_ms = (int)heartbeat;
    self->ack_wait_ms = s_json_int (msg->body, "ack_wait_ms", 0);
    int64_t window = s_json_int (msg->body, "window", self->window_asked);
    self->window = window > 0 && window <= WINDOW_MAX ? (int)window : self->window_asked;
    self->max_deliveries = (int)s_json_int (msg->body, "max_deliveries", 0);
    int64_t acks_max = s_json_int (msg->body, "acks_max", 0);
    self->acks_max = acks_max > 1 ? (size_t)(acks_max < QF_ACKS_MAX ? acks_max : QF_ACKS_MAX) : 0;
    self->ack_count = 0;
    self->state = S_LIVE;
    self->sessions++;
    self->backoff_ms = BACKOFF_INITIAL_MS;
    qf_info ("session %llu open on %s: group %s, instance %s, window %d, heartbeat %d ms, "
             "ack wait %lld ms",
             (unsigned long long)self->sessions, self->endpoint, self->group, self->instance,
             self->window, self->heartbeat_ms, (long long)self->ack_wait_ms);
}

static void
s_on_error (qf_worker_t *self, qf_msg_t *msg)
{
    if (self->state == S_HELLO_SENT) {
        /* 400 will not cure itself, but the operator may fix the config
           while we retry; 409 clears when the daemon expires our old session. */
        if (msg->status == QF_STATUS_CONFLICT)
            qf_warn ("daemon refused HELLO for %s/%s: %d %s; retrying", self->group, self->instance,
                     msg->status, msg->reason);
        else
            qf_error ("daemon refused HELLO for %s/%s: %d %s; check the group's configuration",
                      self->group, self->instance, msg->status, msg->reason);
        s_lose_session (self, true);
        return;
    }
    if (msg->seq == 0 && msg->status == QF_STATUS_FORBIDDEN) {
        /* The daemon ended the session: the certificate was revoked or no
           longer allows the group. Heartbeating on would only be ignored;
           say HELLO again after a backoff, so that a restored certificate
           brings the worker back by itself. */
        qf_error ("daemon ended the session of %s/%s: %d %s; check its certificate in "
                  "security.clients_dir; saying HELLO again after a backoff",
                  self->group, self->instance, msg->status, msg->reason);
        s_lose_session (self, true);
        return;
    }
    if (msg->seq == 0 && msg->status == QF_STATUS_NOT_FOUND) {
        qf_warn ("daemon has no session for %s (it restarted?): %s; saying HELLO again",
                 self->instance, msg->reason);
        s_lose_session (self, false);
        return;
    }
    if (msg->seq)
        qf_warn ("daemon refused the answer for seq %llu: %d %s: %s; it will deliver again",
                 (unsigned long long)msg->seq, msg->status, qf_status_name (msg->status),
                 msg->reason);
    else
        qf_warn ("daemon reports %d %s: %s", msg->status, qf_status_name (msg->status),
                 msg->reason);
}

/*  Runs what answers a delivery: the single handler, else the first row
    of the dispatch table whose pattern matches the topic; a delivery no
    row matches, or one already processed, is acked with nothing. */
static int
s_dispatch (qf_worker_t *self, qf_worker_event_t *delivery, qf_outcome_t *outcome)
{
    if (self->handler)
        return self->handler (self, delivery, outcome, self->handler_arg);
    for (const qf_worker_route_t *row = self->routes; row && row->topic; row++) {
        if (!qf_topic_matches (row->topic, delivery->topic))
            continue;
        if (delivery->processed) {
            qf_debug ("seq %llu %s already processed by %s; acking without a new result",
                      (unsigned long long)delivery->seq, delivery->topic, self->group);
            return 0;
        }
        delivery->route = row->data;
        return row->handler (self, delivery, outcome, self->handler_arg);
    }
    qf_debug ("seq %llu %s: %s has no handler for the topic; acking without a result",
              (unsigned long long)delivery->seq, delivery->topic, self->group);
    return 0;
}

/* Runs the handler on one delivery and answers it (or holds its ack). */
static void
s_handle_delivery (qf_worker_t *self, qf_worker_event_t *d)
{
    qf_debug ("DELIVER seq %llu %s %s attempt %u flags %u", (unsigned long long)d->seq,
              d->topic, d->subject, d->attempt, d->flags);
    qf_outcome_t outcome;
    memset (&outcome, 0, sizeof outcome);
    /* A handler may take long: held acks older than ACK_HOLD_MS leave
       before it runs, so none waits for more than that and one handler. */
    if (self->ack_count && qf_time_mono_ms () - self->ack_held_at >= ACK_HOLD_MS)
        s_flush_acks (self);
    self->busy = true;
    self->busy_seq = d->seq;
    snprintf (self->busy_event_id, sizeof self->busy_event_id, "%s", d->event_id);
    int rc = s_dispatch (self, d, &outcome);
    self->busy = false;
    if (rc == 0 && outcome.result && !json_is_object (outcome.result)) {
        qf_error ("handler for %s returned a result that is not a JSON object", d->topic);
        rc = qf_outcome_nack (&outcome, 0, "worker bug: result is not a JSON object");
    }
    if (!self->handle || self->state != S_LIVE) {
        /* The session went away while the handler ran; the daemon delivers again. */
        json_decref (outcome.result);
        return;
    }
    if (rc == 0 && !outcome.result && self->acks_max) {
        if (!self->ack_count)
            self->ack_held_at = qf_time_mono_ms ();
        self->acks[self->ack_count++] = d->seq;
        if (self->ack_count >= self->acks_max)
            s_flush_acks (self);
        return;
    }
    qf_msg_t answer;
    memset (&answer, 0, sizeof answer);
    answer.seq = d->seq;
    snprintf (answer.event_id, sizeof answer.event_id, "%s", d->event_id);
    if (rc == 0) {
        answer.id = QF_MSG_ACK;
        answer.body = outcome.result; /* qf_msg_reset releases it */
        outcome.result = NULL;
    } else {
        answer.id = QF_MSG_NACK;
        answer.delay = outcome.delay_ms > 0 ? outcome.delay_ms : 0;
        if (!outcome.reason[0])
            snprintf (outcome.reason, sizeof outcome.reason, "%s", qf_strerror (rc));
        snprintf (answer.reason, sizeof answer.reason, "%s", outcome.reason);
        json_decref (outcome.result);
        qf_info ("NACK seq %llu %s: %s", (unsigned long long)d->seq, d->topic, answer.reason);
    }
    s_send (self, &answer);
    qf_msg_reset (&answer);
}

static void
s_on_deliver (qf_worker_t *self, qf_msg_t *msg)
{
    if (self->state != S_LIVE) {
        qf_warn ("DELIVER seq %llu before WELCOME ignored", (unsigned long long)msg->seq);
        return;
    }
    qf_worker_event_t delivery = {
        .seq = msg->seq,
        .event_id = msg->event_id,
        .topic = msg->topic,
        .subject = msg->subject,
        .time = msg->time,
        .attempt = msg->attempt,
        .flags = msg->flags,
        .processed = (msg->flags & QF_DELIVER_PROCESSED) != 0,
        .payload = msg->body,
    };
    s_handle_delivery (self, &delivery);
}

/* A PACKED: its deliveries in order, as if each had come alone, until the
   session ends (the daemon hands the rest out again). */
static void
s_on_packed (qf_worker_t *self, qf_msg_t *msg)
{
    if (self->state != S_LIVE) {
        qf_warn ("PACKED of %zu events before WELCOME ignored", msg->packed->count);
        return;
    }
    for (size_t i = 0; i < msg->packed->count && self->state == S_LIVE && !self->stopping; i++) {
        const qf_packed_event_t *e = &msg->packed->events[i];
        qf_worker_event_t delivery = {
            .seq = e->seq,
            .event_id = e->event_id,
            .topic = e->topic,
            .subject = e->subject,
            .time = e->time,
            .attempt = e->attempt,
            .flags = e->flags,
            .processed = (e->flags & QF_DELIVER_PROCESSED) != 0,
            .payload = e->body,
        };
        s_handle_delivery (self, &delivery);
    }
}

/* Handles one message from the daemon. */
static void
s_on_message (qf_worker_t *self, qf_msg_t *msg)
{
    self->last_heard = qf_time_mono_ms ();
    switch (msg->id) {
    case QF_MSG_WELCOME: s_on_welcome (self, msg); break;
    case QF_MSG_ERROR: s_on_error (self, msg); break;
    case QF_MSG_DELIVER: s_on_deliver (self, msg); break;
    case QF_MSG_PACKED: s_on_packed (self, msg); break;
    case QF_MSG_HEARTBEAT: break;
    default: qf_warn ("unexpected %s from the daemon ignored", qf_msg_type_name (msg->id)); break;
    }
}

/* Reads everything waiting on the socket. */
static void
s_drain (qf_worker_t *self)
{
    while (self->handle && !self->stopping && !zsys_interrupted) {
        void *handle = self->handle;
        int rc = qf_msg_recv (&self->in, handle, false, ZMQ_DONTWAIT);
        if (rc == QF_EAGAIN || rc == QF_EINTR)
            break;
        if (rc == QF_EPROTO) {
            qf_warn ("malformed message from the daemon ignored: %s", self->in.error);
            self->last_heard = qf_time_mono_ms ();
            continue;
        }
        s_on_message (self, &self->in);
        qf_msg_reset (&self->in);
    }
    qf_msg_reset (&self->in);
    s_flush_acks (self); /* nothing more waiting: the acks held go now */
}

int
qf_worker_run (qf_worker_t *self)
{
    if (!self)
        return QF_EINVAL;
    self->stopping = 0;
    self->reopen_at = 0;
    while (!self->stopping && !zsys_interrupted) {
        int64_t now = qf_time_mono_ms ();
        if (self->state == S_CLOSED) {
            if (now < self->reopen_at) {
                zmq_poll (NULL, 0, (long)(self->reopen_at - now));
                continue;
            }
            int rc = s_open (self);
            if (rc != 0)
                return rc;
            continue;
        }
        /* When must we wake up next? */
        int64_t deadline;
        if (self->state == S_HELLO_SENT)
            deadline = self->hello_at + self->hello_wait_ms;
        else {
            int64_t beat = self->last_sent + self->heartbeat_ms;
            int64_t dead = self->last_heard + 3 * (int64_t)self->heartbeat_ms;
            deadline = beat < dead ? beat : dead;
        }
        int64_t timeout = deadline > now ? deadline - now : 0;
        zmq_pollitem_t item = {self->handle, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll (&item, 1, (long)timeout);
        if (n < 0) {
            if (zmq_errno () == EINTR)
                continue;
            qf_warn ("poll on %s failed: %s; reconnecting", self->endpoint,
                     zmq_strerror (zmq_errno ()));
            s_lose_session (self, true);
            continue;
        }
        if (n > 0 && (item.revents & ZMQ_POLLIN))
            s_drain (self);
        if (self->stopping || zsys_interrupted)
            break;

        qf_log_flush (false); /* the counts of repeated warnings that have stopped */
        now = qf_time_mono_ms ();
        if (self->state == S_HELLO_SENT && now - self->hello_at >= self->hello_wait_ms) {
            qf_warn ("no WELCOME from %s after %lld ms; is qualflowd running? retrying",
                     self->endpoint, (long long)(now - self->hello_at));
            /* The wait was the backoff: open again at once, wait longer next time. */
            s_backoff (self);
            s_lose_session (self, false);
        } else if (self->state == S_LIVE) {
            if (now - self->last_heard >= 3 * (int64_t)self->heartbeat_ms) {
                qf_warn ("nothing heard from %s for %lld ms; reconnecting", self->endpoint,
                         (long long)(now - self->last_heard));
                s_lose_session (self, false);
            } else if (now - self->last_sent >= self->heartbeat_ms) {
                qf_msg_t beat = {.id = QF_MSG_HEARTBEAT};
                s_send (self, &beat);
            }
        }
    }
    if (self->state == S_LIVE) {
        qf_msg_t bye = {.id = QF_MSG_BYE};
        s_send (self, &bye);
        qf_info ("session closed: BYE sent for %s/%s", self->group, self->instance);
    }
    s_close (self);
    qf_log_flush (true); /* no count of repeated messages is lost */
    return 0;
}

/* --------------------------------------------------------------------------
   main() for worker binaries */

static void
s_usage (FILE *file, const char *program)
{
    fprintf (file,
             "usage: %s [-c CONFIG] [--instance NAME] [--window N] [--cert FILE] [-v] [-h]\n"
             "  -c CONFIG        configuration file (default $QUALFLOW_CONFIG, else %s)\n"
             "  --instance NAME  name of this process in its group (default "
             "<group>-<host>-<pid>)\n"
             "  --window N       most unacknowledged events to hold, 1-%d (default: the "
             "daemon's)\n"
             "  --cert FILE      with security.curve: this worker's secret certificate\n"
             "                   (default security.certificate)\n"
             "  -v               debug logging\n"
             "  -h               this help\n",
             program, QF_CONFIG_DEFAULT_PATH, WINDOW_MAX);
}

int
qf_worker_main (int argc, char **argv, const char *group, const qf_worker_route_t *routes)
{
    return qf_worker_main_side (argc, argv, group, routes, NULL);
}

int
qf_worker_main_side (int argc, char **argv, const char *group, const qf_worker_route_t *routes,
                     const qf_worker_side_t *side)
{
    char program[QF_NAME_MAX + 16];
    snprintf (program, sizeof program, "qualflow-%s", group ? group : "worker");
    const char *path = getenv ("QUALFLOW_CONFIG");
    if (!path || !*path)
        path = QF_CONFIG_DEFAULT_PATH;
    const char *instance = NULL, *cert = NULL;
    int window = 0;
    bool verbose = false;

    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"instance", required_argument, NULL, 'i'},
        {"window", required_argument, NULL, 'w'},
        {"verbose", no_argument, NULL, 'v'},
        {"cert", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "c:vh", options, NULL)) != -1) {
        switch (opt) {
        case 'c': path = optarg; break;
        case 'i':
            if (!qf_valid_printable (optarg, QF_ID_MAX)) {
                fprintf (stderr, "%s: --instance must be 1-%d printable ASCII characters\n",
                         program, QF_ID_MAX);
                return 2;
            }
            instance = optarg;
            break;
        case 'w': {
            char *end = NULL;
            long value = strtol (optarg, &end, 10);
            if (!*optarg || *end || value < 1 || value > WINDOW_MAX) {
                fprintf (stderr, "%s: --window must be a number from 1 to %d, got \"%s\"\n",
                         program, WINDOW_MAX, optarg);
                return 2;
            }
            window = (int)value;
            break;
        }
        case 'v': verbose = true; break;
        case 'k': cert = optarg; break;
        case 'h': s_usage (stdout, program); return 0;
        default: s_usage (stderr, program); return 2;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "%s: unexpected argument \"%s\"\n", program, argv[optind]);
        s_usage (stderr, program);
        return 2;
    }
    if (!group || !qf_valid_token (group, QF_NAME_MAX)) {
        fprintf (stderr, "%s: invalid group name\n", program);
        return 1;
    }

    qf_config_t *config = NULL;
    char error[1024] = "";
    int rc = qf_config_load (path, &config, error, sizeof error);
    if (rc != 0 || !config) {
        fprintf (stderr, "%s: %s\n", program, error[0] ? error : qf_strerror (rc));
        return 1;
    }
    qf_log_init (program, verbose ? QF_LOG_DEBUG : (qf_log_level_t)config->log_level,
                 config->syslog);

    int status = 1;
    qf_worker_t *worker = NULL;
    if (config->curve && qf_security_client_set (cert ? cert : config->certificate,
                                                 config->server_public, error, sizeof error)) {
        qf_error ("%s", error);
        goto done;
    }
    worker = qf_worker_new (config->worker_endpoint, group, instance, window);
    if (!worker) {
        qf_error ("cannot create the %s worker for %s", group, config->worker_endpoint);
        goto done;
    }
    qf_worker_set_heartbeat (worker, config->heartbeat_ms);
    qf_worker_set_routes (worker, routes, config);
    qf_info ("starting %s as %s with %s, worker endpoint %s", program, qf_worker_instance (worker),
             config->path ? config->path : path, config->worker_endpoint);
    void *side_state = NULL;
    if (side && (rc = side->start (config, qf_worker_instance (worker), &side_state)) != 0) {
        qf_error ("%s could not start: %s", program, qf_strerror (rc));
        goto done;
    }
    rc = qf_worker_run (worker);
    if (side)
        side->stop (side_state);
    if (rc == 0) {
        status = 0;
        qf_info ("%s stopped", program);
    } else
        qf_error ("%s stopped: %s", program, qf_strerror (rc));
done:
    qf_worker_destroy (&worker);
    qf_security_client_reset ();
    qf_config_destroy (&config);
    return status;
}
