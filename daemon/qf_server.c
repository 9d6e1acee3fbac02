/*  qf_server — the daemon's poll loop: batch, commit, then answer, publish
    and deliver. */
#include "qf_server.h"
#include "qf.h"
#include "qf_commands.h"
#include "qf_command.h"
#include "qf_delivery.h"
#include "qf_files.h"
#include "qf_json.h"
#include "qf_store.h"
#include "qf_module.h"
#include "qf_phases.h"
#include "qf_timers.h"
#include "qf_security.h"
#include "qf_sendq.h"
#include "qf_subs.h"
#include "qf_sync.h"

#include <czmq.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set by signal handlers, read by the loop: the only process-wide flags. */
static volatile sig_atomic_t s_stop_requested = 0;
static volatile sig_atomic_t s_reload_requested = 0;

/* A reply held until the batch that produced it has committed: its body is
   encoded once, when the command ends, and only those bytes are kept. */
typedef struct {
    qf_msg_t msg; /* routing, request_id and status; no body */
    bool writes;  /* its command changed state */
    char *raw;    /* the encoded body (owned) */
    size_t size;  /* bytes of raw */
    int64_t read_ns; /* when its request was read (qf_phases_request) */
    uint64_t gen;    /* the commit it waits for (held replies) */
    int64_t commit_ns; /* when its batch began to commit */
} reply_t;

/* What one commit made, held until the sync that covers it (qf_sync.h):
   its events, to publish and hand to delivery, and the log's end then. */
typedef struct {
    uint64_t gen;
    uint64_t last_seq;
    qf_event_list_t events;
} held_commit_t;

struct qf_server_t {
    qf_config_t *config;     /* owned; replaced on reload */
    qf_store_t *store;       /* owned */
    qf_delivery_t *delivery; /* owned */
    zsock_t *command;        /* ROUTER */
    zsock_t *worker;         /* ROUTER */
    zsock_t *events;         /* XPUB */
    qf_subs_t *subs;         /* its subscriptions: whether anyone listens */
    qf_security_t *security; /* CURVE server, or NULL when security.curve is off */
    /* Replies waiting, oldest first from reply_head: those of commits not
       yet on disk (each with its commit's number), then the `reply_open`
       of the open batch (s_reply, s_finish_batch, s_release). */
    reply_t *replies;
    size_t reply_head, reply_count, reply_cap, reply_open;
    size_t reply_bytes;         /* bytes of the replies given in the open batch */
    qf_sendq_t *sendq;          /* what each client has left unread, bounded */
    int event_hwm;              /* ZMQ_SNDHWM of the event socket now */
    size_t event_largest;       /* largest payload published lately */
    uint64_t event_largest_seq; /* the seq of that event */
    int64_t started;            /* wall clock ms at start */
    int64_t next_tick;          /* monotonic ms of the next timer pass */
    uint64_t batches, commands; /* counters for status */
    uint64_t published, skipped; /* events published, and not: nobody subscribed */
    qf_tail_t *tail;            /* the newest committed events, for dispatch */
    int64_t last_commit;        /* monotonic ms of the last commit */
    int64_t last_retention;     /* wall ms of the last retention pass */
    uint64_t security_seen;     /* qf_security_generation() at the last revocation sweep */
    qf_phases_t *phases;        /* the newest batches' phase times, for status (owned) */
    qf_batch_time_t batch;      /* the open batch's phase times */
    int64_t read_ns;            /* when the command being handled was read */
    bool partial;               /* a command failed after it changed rows: the batch
                                   must be rolled back (s_finish_batch) */
    qf_sync_t *sync;            /* the WAL's fsync beside the loop (durability full), or NULL */
    uint64_t commit_gen;        /* commits so far (generations, qf_sync.h) */
    uint64_t durable_gen;       /* the newest commit known on disk */
    uint64_t durable_seq;       /* the log's end at that commit: delivery stops there */
    held_commit_t *commits;     /* commits not yet on disk, oldest at commits_head */
    size_t commits_head, commits_count, commits_cap;
    int64_t slow_logged;        /* monotonic ms of the last slow batch's log line */
    uint64_t slow_unlogged;     /* slow batches since then, not logged one by one */
};

static void
s_signal (int sig)
{
    if (sig == SIGHUP)
        s_reload_requested = 1;
    else
        s_stop_requested = 1;
}

void
qf_server_install_signals (void)
{
    /* czmq would install its own SIGINT handler; ours decides when to stop. */
    zsys_handler_set (NULL);
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_signal;
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    sigaction (SIGHUP, &action, NULL);
    signal (SIGPIPE, SIG_IGN);
}

/* The newest events kept in memory for delivery (qf_tail.h): a group up to
   this far behind reads no log. Payloads average well under 1 KiB. */
#define TAIL_EVENTS 8192
#define TAIL_BYTES  (8u << 20)

/* What an EVENT costs a subscriber's queue besides its payload: its other
   frames and their zmq_msg_t. */
#define EVENT_OVERHEAD 1024
/* The largest worker message that no window bounds: an ERROR and its reason. */
#define WORKER_SMALL_MAX (QF_REASON_MAX + QF_SENDQ_OVERHEAD)
/* The most DELIVERs one worker holds: the largest window (PROTOCOL.md 6.2). */
#define WINDOW_LIMIT 10000
/* The largest frame a subscriber sends: a subscription is one byte and a
   topic prefix (at most QF_TOPIC_MAX), and the handshake's commands (CURVE
   INITIATE, about 300 bytes with its metadata) must fit too. */
#define SUBSCRIBER_FRAME_MAX 512

/* How many messages libzmq may queue for one peer: the byte budget over the
   largest message, at least 1 and at most what an int holds. */
static int
s_hwm (int64_t budget, int64_t largest)
{
    int64_t hwm = budget / largest;
    return hwm < 1 ? 1 : hwm > INT32_MAX ? INT32_MAX : (int)hwm;
}

/* Creates, tunes and binds one socket; NULL with a message on failure.
   `sndhwm` bounds what waits for each peer, `frame_max` each frame a peer
   sends (libzmq disconnects a peer that sends a larger one). */
static zsock_t *
s_bind (qf_security_t *security, int type, const char *endpoint, const char *key, int sndhwm,
        int frame_max, char *error, size_t error_size)
{
    zsock_t *sock = zsock_new (type);
    if (!sock) {
        snprintf (error, error_size, "cannot create a socket for %s", key);
        return NULL;
    }
    if (security)
        qf_security_server_apply (security, sock);
    zsock_set_linger (sock, 200);
    zsock_set_maxmsgsize (sock, frame_max);
    zsock_set_sndhwm (sock, sndhwm);
    zsock_set_rcvhwm (sock, 200000);
    /* A full queue makes the send fail instead of dropping the message
       silently, so that the daemon knows and counts it. */
    if (type == ZMQ_ROUTER)
        zsock_set_router_mandatory (sock, 1);
    if (zsock_bind (sock, "%s", endpoint) < 0) {
        snprintf (error, error_size,
                  "cannot bind %s %s: %s; check that its directory exists and that no other "
                  "process uses it, or change %s",
                  key, endpoint, zmq_strerror (zmq_errno ()), key);
        zsock_destroy (&sock);
        return NULL;
    }
    return sock;
}

qf_server_t *
qf_server_new (qf_config_t **config_p, char *error, size_t error_size)
{
    qf_server_t *self = calloc (1, sizeof *self);
    if (!self) {
        qf_config_destroy (config_p);
        snprintf (error, error_size, "out of memory");
        return NULL;
    }
    self->config = *config_p;
    *config_p = NULL;
    self->started = qf_time_now_ms ();
    /* A command described without a handler, or the reverse, is a
       programming error: found here, before anything is opened. */
    if (qf_commands_init (error, error_size))
        goto fail;
    if (qf_files_check (self->config, error, error_size))
        goto fail;
    self->store =
        qf_store_new (self->config->database, self->config->durability, error, error_size);
    if (!self->store)
        goto fail;
    if (self->config->curve) {
        self->security = qf_security_server_new (self->config->server_secret,
                                                 self->config->clients_dir, error, error_size);
        if (!self->security)
            goto fail;
    }
    /* Each peer may have daemon.peer_queue_bytes waiting for it: a client's
       replies are counted in bytes by the send queue (the high water mark
       only backs it up); a worker holds its window of deliveries plus that
       budget of small messages; a subscriber, that budget of events as
       large as the largest lately (s_event_hwm), since libzmq counts only
       messages. */
    int64_t budget = self->config->peer_queue_bytes;
    self->event_hwm = s_hwm (budget, EVENT_OVERHEAD);
    self->sendq = qf_sendq_new ((size_t)budget);
    if (!self->sendq) {
        snprintf (error, error_size, "out of memory");
        goto fail;
    }
    self->command = s_bind (self->security, ZMQ_ROUTER, self->config->command_endpoint,
                            "daemon.command_endpoint", s_hwm (budget, QF_SENDQ_OVERHEAD),
                            QF_WIRE_MAX, error, error_size);
    if (!self->command)
        goto fail;
    self->worker =
        s_bind (self->security, ZMQ_ROUTER, self->config->worker_endpoint, "daemon.worker_endpoint",
                s_hwm (budget, WORKER_SMALL_MAX) + WINDOW_LIMIT, QF_WIRE_MAX, error, error_size);
    if (!self->worker)
        goto fail;
    self->events =
        s_bind (self->security, ZMQ_XPUB, self->config->event_endpoint, "daemon.event_endpoint",
                self->event_hwm, SUBSCRIBER_FRAME_MAX, error, error_size);
    if (!self->events)
        goto fail;
    if (qf_files_restrict_sockets (self->config, error, error_size))
        goto fail;
    self->delivery = qf_delivery_new (self->store, self->config, zsock_resolve (self->worker));
    self->tail = qf_tail_new (TAIL_EVENTS, TAIL_BYTES);
    self->phases = qf_phases_new ();
    self->subs = qf_subs_new ();
    if (!self->delivery || !self->tail || !self->phases || !self->subs) {
        snprintf (error, error_size, "out of memory");
        goto fail;
    }
    int rc = qf_store_begin (self->store);
    if (rc == 0)
        rc = qf_delivery_load (self->delivery, self->started);
    /* A file changed while the daemon was down moves the timers too. */
    if (rc == 0)
        rc = qf_timers_calendar_sync (self->store, self->config, self->started, "start", NULL);
    if (rc == 0)
        rc = qf_store_commit (self->store);
    if (rc) {
        qf_store_rollback (self->store);
        snprintf (error, error_size,
                  "cannot load consumer groups or place timers by the calendar from %s: %s",
                  self->config->database, qf_strerror (rc));
        goto fail;
    }
    qf_timers_warn_uncovered (self->store, self->config, "start");
    /* From here on, with durability full, commits are made durable by the
       sync thread while the loop goes on (qf_sync.h). */
    if (self->config->durability == QF_DURABILITY_FULL) {
        char wal[4096];
        if (qf_store_defer_sync (self->store, wal, sizeof wal)) {
            snprintf (error, error_size, "cannot set up the WAL's sync for %s",
                      self->config->database);
            goto fail;
        }
        self->sync = qf_sync_new (wal, error, error_size);
        if (!self->sync)
            goto fail;
    }
    self->durable_seq = qf_store_last_seq (self->store);
    qf_info ("qualflowd %s started: database %s (schema %d, last seq %llu), commands %s, "
             "workers %s, events %s; %s",
             QF_VERSION, self->config->database, qf_store_schema_version (),
             (unsigned long long)qf_store_last_seq (self->store), self->config->command_endpoint,
             self->config->worker_endpoint, self->config->event_endpoint,
             self->security ? "CURVE on: only peers with a certificate in security.clients_dir"
                            : "CURVE off: roles are not authenticated");
    return self;
fail:
    qf_server_destroy (&self);
    return NULL;
}

void
qf_server_destroy (qf_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_server_t *self = *self_p;
    qf_sync_destroy (&self->sync);
    qf_delivery_destroy (&self->delivery);
    zsock_destroy (&self->command);
    zsock_destroy (&self->worker);
    zsock_destroy (&self->events);
    qf_subs_destroy (&self->subs);
    qf_security_server_destroy (&self->security);
    qf_store_destroy (&self->store);
    for (size_t i = self->reply_head; i < self->reply_count; i++)
        free (self->replies[i].raw);
    free (self->replies);
    for (size_t i = self->commits_head; i < self->commits_count; i++)
        qf_event_list_free (&self->commits[i].events);
    free (self->commits);
    qf_sendq_destroy (&self->sendq);
    qf_tail_destroy (&self->tail);
    qf_phases_destroy (&self->phases);
    qf_config_destroy (&self->config);
    free (self);
    *self_p = NULL;
}

/* The file name of the library whose malloc the process uses: the build
   links mimalloc first (Makefile, ALLOCATOR), which status shows. */
static const char *
s_allocator (void)
{
    Dl_info info;
    void *fn = dlsym (RTLD_DEFAULT, "malloc");
    if (!fn || !dladdr (fn, &info) || !info.dli_fname)
        return "unknown";
    const char *slash = strrchr (info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

static json_t *
s_status (void *arg)
{
    qf_server_t *self = arg;
    json_t *status = qf_delivery_status (self->delivery);
    json_object_set_new (status, "version", json_string (QF_VERSION));
    /* The pid tells a starter (scripts/run-all) that the daemon answering
       is the one it started, not another one already serving the endpoint. */
    json_object_set_new (status, "pid", json_integer ((json_int_t)getpid ()));
    json_object_set_new (status, "uptime_s",
                         json_integer ((qf_time_now_ms () - self->started) / 1000));
    json_object_set_new (status, "allocator", json_string (s_allocator ()));
    json_object_set_new (status, "database", json_string (self->config->database));
    json_object_set_new (status, "security", json_string (self->security ? "curve" : "none"));
    if (self->security)
        json_object_set_new (status, "server_public_key",
                             json_string (qf_security_server_public (self->security)));
    json_object_set_new (status, "schema_version", json_integer (qf_store_schema_version ()));
    json_object_set_new (status, "last_seq",
                         json_integer ((json_int_t)qf_store_last_seq (self->store)));
    json_object_set_new (status, "endpoints",
                         json_pack ("{s:s, s:s, s:s}", "command", self->config->command_endpoint,
                                    "worker", self->config->worker_endpoint, "event",
                                    self->config->event_endpoint));
    /* With durability full: the WAL's syncs beside the loop (qf_sync.h). */
    json_t *sync = self->sync ? qf_sync_status (self->sync) : json_null ();
    if (sync && self->sync)
        json_object_set_new (sync, "waiting_commits",
                             json_integer ((json_int_t)(self->commit_gen - self->durable_gen)));
    json_object_set_new (status, "wal_sync", sync);
    uint64_t first = 0;
    if (qf_store_event_first (self->store, &first) == 0)
        json_object_set_new (status, "first_seq", json_integer ((json_int_t)first));
    int64_t next_due = INT64_MAX;
    if (qf_store_timer_next (self->store, &next_due) == 0 && next_due != INT64_MAX)
        json_object_set_new (status, "next_timer_due", json_integer (next_due));
    qf_store_storage_t storage;
    qf_store_storage (self->store, &storage);
    json_t *disk = json_pack ("{s:s, s:I, s:I}", "state",
                              storage.full  ? "full"
                              : storage.low ? "low"
                                            : "ok",
                              "free_bytes", (json_int_t)storage.free_bytes, "wal_bytes",
                              (json_int_t)storage.wal_bytes);
    if (storage.full) {
        json_object_set_new (disk, "since", json_integer (storage.since));
        json_object_set_new (disk, "refused_commits", json_integer ((json_int_t)storage.refused));
        json_object_set_new (disk, "message",
                             json_string ("no space left on the database's disk: commits are "
                                          "refused; free space there and they resume by "
                                          "themselves"));
    } else if (storage.low)
        json_object_set_new (disk, "message",
                             json_string ("little space left on the database's disk: free space "
                                          "there before commits are refused"));
    json_object_set_new (status, "storage", disk);
    json_object_set_new (status, "calendar", qf_timers_calendar_status (self->store, self->config));
    json_object_set_new (
        status, "send_queues",
        json_pack ("{s:I, s:I, s:i, s:I, s:I}", "peer_queue_bytes",
                   (json_int_t)self->config->peer_queue_bytes, "clients_with_unread_replies",
                   (json_int_t)qf_sendq_peers (self->sendq), "event_messages_per_subscriber",
                   self->event_hwm, "replies_dropped", (json_int_t)qf_sendq_dropped (self->sendq),
                   "workers_dropped", (json_int_t)qf_delivery_dropped (self->delivery)));
    json_object_set_new (
        status, "event_stream",
        json_pack ("{s:I, s:b, s:I, s:I, s:I}", "subscribed_prefixes",
                   (json_int_t)qf_subs_prefixes (self->subs), "prefixes_overflowed",
                   qf_subs_overflowed (self->subs), "events_published",
                   (json_int_t)self->published, "events_skipped", (json_int_t)self->skipped,
                   "messages_ignored", (json_int_t)qf_subs_ignored (self->subs)));
    json_object_set_new (status, "batches", json_integer ((json_int_t)self->batches));
    json_object_set_new (status, "commands", json_integer ((json_int_t)self->commands));
    json_object_set_new (status, "batch_phases", qf_phases_status (self->phases));
    return status;
}

/* Sends a reply now, through the send queue, which takes `raw`. A client
   that leaves its replies unread loses those past daemon.peer_queue_bytes. */
static void
s_send_reply (qf_server_t *self, qf_msg_t *msg, char *raw, size_t size)
{
    int rc = qf_sendq_send (self->sendq, msg, raw, size, zsock_resolve (self->command));
    /* One text for every client, so that qf_log counts the repeats. */
    if (rc == QF_EAGAIN)
        qf_warn ("a client leaves its replies unread: daemon.peer_queue_bytes of them wait for "
                 "it, so a reply to it was dropped (status shows send_queues.replies_dropped)");
    else if (rc)
        qf_debug ("reply to request %s could not be sent (client gone)", msg->request_id);
}

/* Makes room for one more item at the end of a queue of `size`-byte items
   whose live ones are [*head, *count): when the array is full and at least
   half of it was taken off the front, the rest moves to the front, else
   the array doubles, so a queue that is never empty stays bounded by its
   most live items. False when out of memory (the items are kept). */
static bool
s_queue_room (void **items, size_t *head, size_t *count, size_t *cap, size_t size)
{
    if (*count < *cap)
        return true;
    if (*head > 0 && *head >= *count / 2) {
        memmove (*items, (char *)*items + *head * size, (*count - *head) * size);
        *count -= *head;
        *head = 0;
        return true;
    }
    size_t grown_cap = *cap ? *cap * 2 : 256;
    void *grown = realloc (*items, grown_cap * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = grown_cap;
    return true;
}

/* Answers the request in `request` (its routing is reused) with an encoded
   body, taking `raw`. A reply that changed nothing, given while the batch
   has changed nothing either, goes out at once: it depends on no commit.
   Any other waits for the batch's commit. */
static void
s_reply (qf_server_t *self, qf_msg_t *request, int status, char *raw, bool writes)
{
    if (!raw) {
        qf_error ("out of memory encoding a reply; the client will time out");
        return;
    }
    qf_msg_t now = {0}, *msg = &now;
    /* While a commit is not yet on disk, even a reply that changed nothing
       waits for it: it may show what that commit changed. */
    if (writes || qf_store_in_transaction (self->store) || self->durable_gen < self->commit_gen) {
        if (!s_queue_room ((void **)&self->replies, &self->reply_head, &self->reply_count,
                           &self->reply_cap, sizeof *self->replies)) {
            free (raw);
            qf_error ("out of memory queueing a reply; the client will time out");
            return;
        }
        reply_t *reply = &self->replies[self->reply_count++];
        self->reply_open++;
        memset (reply, 0, sizeof *reply);
        reply->writes = writes;
        reply->raw = raw;
        reply->size = strlen (raw);
        reply->read_ns = self->read_ns;
        msg = &reply->msg;
    }
    /* Bounds the batch's work as well as the replies it holds. */
    self->reply_bytes += strlen (raw);
    msg->id = QF_MSG_REPLY;
    memcpy (msg->routing, request->routing, request->routing_size);
    msg->routing_size = request->routing_size;
    msg->req_envelope = request->req_envelope;
    qf_copy (msg->request_id, sizeof msg->request_id,
             request->request_id[0] ? request->request_id : QF_REQUEST_ID_UNKNOWN);
    msg->status = status;
    if (msg == &now) {
        s_send_reply (self, msg, raw, strlen (raw));
        qf_request_time_t time = {qf_time_mono_ns () - self->read_ns, 0, 0};
        qf_phases_request (self->phases, &time);
    }
}

/* Encodes a reply's body once; the tree is released. NULL when out of memory. */
static char *
s_encode (json_t *body)
{
    char *raw = json_is_object (body) ? qf_json_encode (body, NULL) : NULL;
    json_decref (body);
    return raw;
}

static void
s_reply_error (qf_server_t *self, qf_msg_t *request, int status, const char *message,
               const char *field)
{
    json_t *error = json_pack ("{s:i, s:s}", "status", status, "message", message);
    if (!error) {
        /* Only invalid UTF-8 in a message makes this fail: never lose the reply. */
        qf_error ("internal: unencodable error message for status %d", status);
        error = json_pack ("{s:i, s:s}", "status", status, "message", qf_status_name (status));
    }
    if (field && *field)
        json_object_set_new (error, "field", json_string (field));
    s_reply (self, request, status, s_encode (json_pack ("{s:o}", "error", error)), false);
}

/* The body of a successful reply, {"result": ...}, encoded once from the
   result tree (released) or from the result the command already encoded
   (an event's payload, taken from ctx->result_text). A body larger than a
   client may read (QF_BODY_MAX) is refused with QF_ETOOBIG. */
static int
s_encode_result (qf_ctx_t *ctx, json_t *result, char **raw_p)
{
    char *text = ctx->result_text;
    ctx->result_text = NULL;
    size_t len = 0;
    if (text)
        len = strlen (text);
    else
        text = qf_json_encode (result, &len);
    json_decref (result);
    char *raw = text ? malloc (len + 12) : NULL;
    if (raw) {
        memcpy (raw, "{\"result\":", 10);
        memcpy (raw + 10, text, len);
        memcpy (raw + 10 + len, "}", 2);
    }
    free (text);
    if (!raw)
        return QF_ENOMEM;
    if (len + 11 > QF_BODY_MAX) {
        free (raw);
        return qf_ctx_error (ctx, QF_ETOOBIG, NULL,
                             "the reply would be %zu bytes, over the %d a body may have; ask for "
                             "less (a smaller limit)",
                             len + 11, QF_BODY_MAX);
    }
    *raw_p = raw;
    return 0;
}

/* Opens the batch transaction on first need; 0 or a QF_E* code. */
static int
s_need_transaction (qf_server_t *self)
{
    return qf_store_in_transaction (self->store) ? 0 : qf_store_begin (self->store);
}

/* What a command runs with: this batch's store, configuration and time. */
static void
s_ctx_init (qf_server_t *self, qf_ctx_t *ctx, int64_t now)
{
    memset (ctx, 0, sizeof *ctx);
    ctx->store = self->store;
    ctx->config = self->config;
    ctx->now = now;
    ctx->status_fn = s_status;
    ctx->status_arg = self;
    ctx->delivery = self->delivery;
}

/* A command's work after its checks. A command that writes runs it in a
   savepoint (qf_store_in_savepoint), so that its failure undoes it. */
typedef struct {
    qf_server_t *self;
    qf_msg_t *msg;        /* the request */
    qf_ctx_t *ctx;        /* what the command runs with; ctx->error says why */
    const qf_command_t *command; /* looked up once, authorized */
    json_t *args;         /* the request's args (borrowed) */
    const char *idem_key; /* a command that writes: its idempotency_key, or NULL */
    const char *owner;    /* whose key it is */
    bool ran;             /* the work ran: its savepoint could be opened */
    bool answered;        /* a retried key was answered with the first reply */
    bool done;            /* the command ran and its reply is encoded */
    char *raw;            /* the encoded reply (owned) */
} command_work_t;

static int
s_command_work (qf_store_t *store, void *arg)
{
    command_work_t *work = arg;
    qf_server_t *self = work->self;
    qf_msg_t *msg = work->msg;
    qf_ctx_t *ctx = work->ctx;
    const char *idem_key = work->idem_key;
    work->ran = true;
    if (idem_key) {
        /* A retried command with the same key gets the first answer again. */
        char *first_command = NULL, *first_reply = NULL;
        int rc =
            qf_store_idempotency_get (store, work->owner, idem_key, &first_command, &first_reply);
        if (rc != QF_ENOTFOUND) {
            work->answered = true;
            if (rc)
                s_reply_error (self, msg, QF_STATUS_SERVER_ERROR,
                               "could not read idempotency keys; retry later", NULL);
            else if (strcmp (first_command, msg->command) != 0) {
                char text[256];
                snprintf (text, sizeof text,
                          "idempotency_key %s was first used for %s, not %s; "
                          "use a new key for a new command",
                          idem_key, first_command, msg->command);
                s_reply_error (self, msg, QF_STATUS_CONFLICT, text, "idempotency_key");
            } else {
                json_t *body = json_loads (first_reply, 0, NULL);
                if (body) {
                    s_reply (self, msg, QF_STATUS_OK, first_reply, true);
                    first_reply = NULL;
                } else
                    s_reply_error (self, msg, QF_STATUS_SERVER_ERROR,
                                   "the stored reply for this idempotency_key is unreadable", NULL);
                json_decref (body);
            }
            free (first_command);
            free (first_reply);
            return 0;
        }
    }
    json_t *result = NULL;
    /* The request's args serve this command only: run on them, not a copy. */
    int rc = qf_commands_run_own (ctx, work->command, work->args, &result);
    /* Encoded before the savepoint is released, so that a reply too large
       to send undoes its change. */
    if (rc == 0)
        rc = s_encode_result (ctx, result, &work->raw);
    else {
        json_decref (result);
        free (ctx->result_text);
        ctx->result_text = NULL;
    }
    if (rc == 0 && idem_key) {
        rc = qf_store_idempotency_put (store, work->owner, idem_key, msg->command, work->raw,
                                       ctx->now);
        if (rc)
            qf_ctx_error (ctx, rc, NULL,
                          "could not record the idempotency_key; nothing was changed; retry");
    }
    work->done = rc == 0;
    return rc;
}

/* Appends the events a command kept (qf_ctx_keep), in a savepoint. */
static int
s_append_kept (qf_store_t *store, void *arg)
{
    (void)store;
    return qf_ctx_append_kept (arg);
}

static void
s_handle_command (qf_server_t *self, qf_msg_t *msg, const qf_peer_t *peer, int recv_rc, int64_t now)
{
    if (recv_rc == QF_EPROTO) {
        qf_warn ("malformed request refused: %s", msg->error);
        if (msg->routing_size)
            s_reply_error (self, msg, msg->error_status, msg->error, msg->error_field);
        return;
    }
    if (msg->id != QF_MSG_REQUEST) {
        char text[128];
        snprintf (text, sizeof text, "the command socket takes REQUEST messages only, not %s",
                  qf_msg_type_name (msg->id));
        msg->request_id[0] = 0;
        s_reply_error (self, msg, QF_STATUS_BAD_REQUEST, text, "type");
        return;
    }
    /* "-" answers requests whose id could not be read; a client's own "-"
       could not be told apart from those. */
    if (strcmp (msg->request_id, QF_REQUEST_ID_UNKNOWN) == 0) {
        s_reply_error (self, msg, QF_STATUS_BAD_REQUEST,
                       "request_id \"-\" is reserved for replies to requests whose id could not "
                       "be read; use another",
                       "request_id");
        return;
    }
    self->commands++;
    qf_ctx_t ctx;
    s_ctx_init (self, &ctx, now);
    json_t *args = NULL;
    const char *idem_key = NULL;
    int rc = qf_commands_envelope (&ctx, msg->body, &ctx.role, &ctx.user, &args, &idem_key);
    if (rc) {
        s_reply_error (self, msg, qf_status_from_error (rc), ctx.error, ctx.field);
        return;
    }
    /* With CURVE, the role claimed must be one the certificate allows, and
       the user is the certificate's name, whatever the request says. */
    if (peer) {
        /* Fail closed: with CURVE on, a message that carries no identity is
           refused, whatever let it in. */
        if (!peer->authenticated || !qf_security_allows (peer->roles, ctx.role)) {
            char text[QF_PEER_LIST_MAX + 256];
            if (!peer->authenticated && peer->key[0])
                snprintf (text, sizeof text,
                          "no certificate in security.clients_dir has this connection's public "
                          "key %s any more: it was revoked",
                          peer->key);
            else if (!peer->authenticated)
                snprintf (text, sizeof text, "no CURVE identity came with the request");
            else
                snprintf (text, sizeof text,
                          "certificate \"%s\" may act as: %s; not as %s (add the role to its "
                          "certificate's roles, or use one it has)",
                          peer->name, peer->roles[0] ? peer->roles : "no role", ctx.role);
            qf_warn ("refused %s from %s: %s", msg->command,
                     peer->authenticated ? peer->name : "a revoked certificate", text);
            s_reply_error (self, msg, QF_STATUS_FORBIDDEN, text, "role");
            return;
        }
        ctx.user = peer->name;
    }
    /* An idempotency key is the sender's own: the certificate's with CURVE,
       else the declared user's, so that one client's key never returns
       another's reply. */
    char owner[8 + QF_ID_MAX + QF_PEER_KEY_MAX] = "";
    if (idem_key)
        snprintf (owner, sizeof owner, "%s:%s", peer ? "curve" : "user",
                  peer ? peer->key : ctx.user);
    /* Looked up once, then passed on. Authorize before anything else, so
       a stored reply is never shown to a role that may not run it. */
    const qf_command_t *command = qf_commands_find (msg->command);
    rc = command ? qf_commands_authorize (&ctx, command)
                 : qf_ctx_error (&ctx, QF_EINVAL, "command", "unknown command \"%s\"",
                                 msg->command);
    if (rc) {
        s_reply_error (self, msg, qf_status_from_error (rc), ctx.error, ctx.field);
        return;
    }
    bool writes = qf_commands_writes (command);
    command_work_t work = {self, msg, &ctx, command, args, writes ? idem_key : NULL, owner};
    if (writes) {
        /* Most commands check everything before they change anything, and
           run without a savepoint; those that may fail after a change run
           in one (qf_store_unguarded: a savepoint copies every page the
           command changes). One that fails after a change all the same
           takes its batch with it: the batch is rolled back, and every
           request in it told that nothing was changed. */
        bool partial = false;
        rc = qf_commands_needs_savepoint (command)
                 ? qf_store_in_savepoint (self->store, s_command_work, &work)
                 : qf_store_unguarded (self->store, s_command_work, &work, &partial);
        if (partial) {
            qf_error ("command %s failed after it had changed rows (%s): its batch is rolled "
                      "back and its clients are told to retry; this is a bug of the command: "
                      "its spec should ask for a savepoint",
                      msg->command, ctx.error[0] ? ctx.error : qf_strerror (rc));
            self->partial = true;
        }
        if (!work.ran) {
            s_reply_error (self, msg, QF_STATUS_SERVER_ERROR,
                           "the database could not start a transaction; nothing was changed; "
                           "retry later",
                           NULL);
            return;
        }
        if (work.answered)
            return;
        if (rc && work.done)
            qf_ctx_error (&ctx, rc, NULL, "database error; nothing was changed");
        /* What the command kept is appended after its savepoint, so that a
           refusal it must record commits with the batch (qf_ctx_keep). */
        if (ctx.kept && qf_store_in_savepoint (self->store, s_append_kept, &ctx) != 0)
            qf_warn ("command %s: the events it kept could not be appended", msg->command);
    } else
        rc = s_command_work (self->store, &work);
    json_decref (ctx.kept);
    ctx.kept = NULL;
    if (rc) {
        free (work.raw);
        if (rc != QF_EINVAL && rc != QF_ENOTFOUND && rc != QF_ECONFLICT && rc != QF_EFORBIDDEN &&
            rc != QF_ETOOBIG)
            qf_warn ("command %s failed: %s", msg->command, ctx.error);
        s_reply_error (self, msg, qf_status_from_error (rc),
                       ctx.error[0] ? ctx.error : qf_strerror (rc), ctx.field);
        return;
    }
    s_reply (self, msg, QF_STATUS_OK, work.raw, writes);
}

static void
s_handle_worker (qf_server_t *self, qf_msg_t *msg, const qf_peer_t *peer, int recv_rc, int64_t now)
{
    if (recv_rc == QF_EPROTO) {
        qf_warn ("malformed worker message refused: %s", msg->error);
        qf_msg_t error = {0};
        error.id = QF_MSG_ERROR;
        memcpy (error.routing, msg->routing, msg->routing_size);
        error.routing_size = msg->routing_size;
        error.status = msg->error_status;
        snprintf (error.reason, sizeof error.reason, "%s", msg->error);
        if (msg->routing_size)
            qf_msg_send (&error, zsock_resolve (self->worker), ZMQ_DONTWAIT);
        return;
    }
    qf_ctx_t ctx;
    s_ctx_init (self, &ctx, now);
    ctx.peer = peer;
    qf_delivery_handle (self->delivery, msg, &ctx);
    /* A worker's result is retried until it is taken: a refusal it kept
       would be recorded once per attempt, so it is not kept. */
    json_decref (ctx.kept);
}

/* Sets the event socket's high water mark from daemon.peer_queue_bytes and
   the largest event published lately, before publishing `list`: libzmq
   counts a subscriber's queue in messages only, so a subscriber that never
   reads holds about that budget, and one that reads keeps a queue long
   enough for many small events at once. The largest is forgotten after
   EVENT_WINDOW events without one as large; messages queued under it were
   counted by it, so a stalled subscriber holds at most about twice the
   budget while it shrinks. */
#define EVENT_WINDOW 4096

static void
s_event_hwm (qf_server_t *self, const qf_event_list_t *list)
{
    if (list->count == 0)
        return;
    size_t largest = 0;
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i].payload_size > largest)
            largest = list->items[i].payload_size;
    uint64_t seq = list->items[list->count - 1].seq;
    if (largest >= self->event_largest || seq > self->event_largest_seq + EVENT_WINDOW) {
        self->event_largest = largest;
        self->event_largest_seq = seq;
    }
    int hwm =
        s_hwm (self->config->peer_queue_bytes, (int64_t)(self->event_largest + EVENT_OVERHEAD));
    if (hwm != self->event_hwm) {
        zsock_set_sndhwm (self->events, hwm);
        self->event_hwm = hwm;
    }
}

/* The most messages read from the event socket in one turn of the loop:
   a peer that floods it with subscriptions gets no more of the daemon's
   time than a batch of commands. */
#define SUBS_PER_TURN 1000

/* A sync of the WAL failed: what the disk kept is unknown, so nothing it
   should have covered may be answered. The daemon stops at once, without
   a last checkpoint; at its next start SQLite recovers what the disk kept
   (qf_sync.h). */
static void
s_sync_failed (qf_server_t *self)
{
    char why[512];
    qf_sync_failed (self->sync, why, sizeof why);
    qf_error ("the database's WAL could not be made durable (%s): qualflowd stops now without "
              "answering the %zu requests that waited for it, which were not confirmed and "
              "may be lost; check the disk (dmesg), then start qualflowd again: it recovers "
              "what was written",
              why, self->reply_count - self->reply_head - self->reply_open);
    qf_log_flush (true);
    _exit (QF_EXIT_SYNC_FAILED);
}

/* Sends the replies and publishes the events of every commit now on disk:
   all of them without a sync thread (durability normal). */
static void
s_release (qf_server_t *self)
{
    uint64_t durable = self->commit_gen;
    if (self->sync) {
        durable = qf_sync_peek (self->sync);
        if (qf_sync_failed (self->sync, NULL, 0))
            s_sync_failed (self);
    }
    self->durable_gen = durable;
    qf_batch_time_t *batch = &self->batch;
    int64_t t0 = qf_time_mono_ns ();
    size_t i = self->reply_head, closed = self->reply_count - self->reply_open;
    for (; i < closed && self->replies[i].gen <= durable; i++) {
        reply_t *reply = &self->replies[i];
        int64_t start = qf_time_mono_ns ();
        if (reply->raw)
            s_send_reply (self, &reply->msg, reply->raw, reply->size);
        reply->raw = NULL;
        qf_request_time_t time = {reply->commit_ns - reply->read_ns, start - reply->commit_ns,
                                  qf_time_mono_ns () - start};
        qf_phases_request (self->phases, &time);
    }
    self->reply_head = i;
    if (self->reply_head == self->reply_count)
        self->reply_head = self->reply_count = 0;
    int64_t t1 = qf_time_mono_ns ();
    batch->ns[QF_PHASE_REPLY] += t1 - t0;
    void *events = zsock_resolve (self->events);
    for (i = self->commits_head; i < self->commits_count && self->commits[i].gen <= durable; i++) {
        /* Publish from the bytes encoded once at append time; only while
           someone is subscribed (a subscription that came since the poll
           counts), since libzmq takes every frame even for nobody. */
        qf_event_list_t *list = &self->commits[i].events;
        self->durable_seq = self->commits[i].last_seq;
        s_event_hwm (self, list);
        if (list->count && !qf_subs_any (self->subs))
            qf_subs_read (self->subs, events, SUBS_PER_TURN);
        bool listened = qf_subs_any (self->subs);
        if (listened)
            self->published += list->count;
        else
            self->skipped += list->count;
        for (size_t k = 0; listened && k < list->count; k++) {
            qf_event_t *event = &list->items[k];
            qf_msg_t msg = {0};
            msg.id = QF_MSG_EVENT;
            qf_copy (msg.topic, sizeof msg.topic, event->topic);
            msg.seq = event->seq;
            qf_copy (msg.event_id, sizeof msg.event_id, event->id);
            qf_copy (msg.subject, sizeof msg.subject, event->subject);
            msg.time = event->time;
            msg.raw = event->payload;
            msg.raw_size = event->payload_size;
            qf_msg_send (&msg, events, ZMQ_DONTWAIT);
        }
        /* Delivery takes them from memory while they are recent. */
        qf_tail_push (self->tail, list);
        qf_event_list_free (list);
    }
    self->commits_head = i;
    if (self->commits_head == self->commits_count)
        self->commits_head = self->commits_count = 0;
    batch->ns[QF_PHASE_PUBLISH] += qf_time_mono_ns () - t1;
}

/* After a commit: numbers it, asks for its sync and holds its events
   (taken from the store) until then. */
static void
s_committed (qf_server_t *self)
{
    self->commit_gen++;
    if (self->sync)
        qf_sync_request (self->sync, self->commit_gen);
    qf_event_list_t list;
    qf_store_take_committed (self->store, &list);
    if (!s_queue_room ((void **)&self->commits, &self->commits_head, &self->commits_count,
                       &self->commits_cap, sizeof *self->commits)) {
        /* Publishing is best effort and delivery reads the log: only the
           events are lost to the stream, and delivery waits for the next. */
        qf_error ("out of memory holding %zu committed events to publish", list.count);
        qf_event_list_free (&list);
        return;
    }
    held_commit_t *commit = &self->commits[self->commits_count++];
    commit->gen = self->commit_gen;
    commit->last_seq = qf_store_last_seq (self->store);
    commit->events = list;
}

/* Whether so much waits for the sync in hand that the loop should wait for
   it before reading more: what a stalled disk makes the daemon hold stays
   bounded (the clients' windows bound it too). */
#define HELD_COMMITS_MAX 64
static bool
s_held_too_much (qf_server_t *self)
{
    return self->reply_count - self->reply_head - self->reply_open >
               4 * (size_t)self->config->batch_max ||
           self->commits_count - self->commits_head >= HELD_COMMITS_MAX;
}

/* Commits the batch, then holds its replies and events until the commit is
   on disk (s_release). Plain acks alone wait up to ACK_FLUSH_MS for company
   (`force` commits them). */
#define ACK_FLUSH_MS 50

static void
s_finish_batch (qf_server_t *self, bool force)
{
    int rc = 0;
    qf_batch_time_t *batch = &self->batch;
    int64_t t0 = qf_time_mono_ns ();
    int64_t mono = qf_time_mono_ms ();
    bool acks_due =
        qf_delivery_dirty (self->delivery) && (force || mono - self->last_commit >= ACK_FLUSH_MS);
    bool wrote = false;
    if (qf_store_in_transaction (self->store) || qf_delivery_must_commit (self->delivery) ||
        acks_due) {
        self->last_commit = mono;
        /* A command failed after it changed rows (s_handle_command): the
           batch is rolled back whole, as one whose commit failed. */
        bool partial = self->partial;
        self->partial = false;
        rc = partial ? QF_EINVAL : s_need_transaction (self);
        if (rc == 0)
            rc = qf_delivery_before_commit (self->delivery);
        if (rc == 0)
            rc = qf_store_commit (self->store);
        else
            qf_store_rollback (self->store);
        /* The same text for every failed batch, so that qf_log counts the
           repeats of a lasting failure instead of printing each. */
        if (rc && !partial) /* that one was logged with the command's name */
            qf_error ("a batch could not be committed: %s; nothing in it was changed; its "
                      "clients are told to retry",
                      qf_strerror (rc));
        qf_delivery_after_commit (self->delivery, rc == 0);
        self->batches++;
        wrote = rc == 0;
    }
    int64_t t1 = qf_time_mono_ns ();
    int64_t checkpoint = qf_store_take_checkpoint_ns (self->store);
    batch->ns[QF_PHASE_COMMIT] += t1 - t0 - checkpoint;
    batch->ns[QF_PHASE_CHECKPOINT] += checkpoint;
    if (wrote)
        s_committed (self);
    const char *why = rc == QF_EFULL
                          ? "storage full: the database's disk has no space left, so the daemon "
                            "could not commit this request; nothing was changed; retry after the "
                            "operator has freed space there (qualflow status shows storage)"
                          : "the daemon could not commit this request; nothing was changed; "
                            "retry later";
    for (size_t i = self->reply_count - self->reply_open; i < self->reply_count; i++) {
        reply_t *reply = &self->replies[i];
        if (rc && reply->writes) {
            free (reply->raw);
            reply->msg.status = QF_STATUS_SERVER_ERROR;
            reply->raw =
                s_encode (json_pack ("{s:{s:i, s:s}}", "error", "status", 500, "message", why));
            reply->size = reply->raw ? strlen (reply->raw) : 0;
        }
        /* Each waits for the newest commit: its own, or one it may have seen. */
        reply->gen = self->commit_gen;
        reply->commit_ns = t0;
    }
    self->reply_open = 0;
    self->reply_bytes = 0;
    s_release (self);
}

/* The loop's checkpoint (qf_store_checkpoint_due), after the batch's
   replies, publication and deliveries: never between a commit and its
   replies. */
static void
s_checkpoint (qf_server_t *self)
{
    if (qf_store_checkpoint_due (self->store))
        qf_store_checkpoint (self->store); /* a failure is logged there; tried again later */
    self->batch.ns[QF_PHASE_CHECKPOINT] += qf_store_take_checkpoint_ns (self->store);
}

/* Records the batch's phases; a batch over SLOW_BATCH_MS is logged, at
   most one line a second (the others counted in the next). */
#define SLOW_BATCH_MS 100

static void
s_end_batch (qf_server_t *self)
{
    int64_t total = qf_phases_add (self->phases, &self->batch);
    if (total >= SLOW_BATCH_MS * 1000000LL) {
        int64_t mono = qf_time_mono_ms ();
        if (mono - self->slow_logged >= 1000) {
            char phases[256];
            qf_phases_describe (&self->batch, phases, sizeof phases);
            qf_info ("a batch of %u messages took %.1f ms: %s (and %llu other batches over %d "
                     "ms since the last such line)",
                     self->batch.messages, total / 1e6, phases,
                     (unsigned long long)self->slow_unlogged, SLOW_BATCH_MS);
            self->slow_logged = mono;
            self->slow_unlogged = 0;
        } else
            self->slow_unlogged++;
    }
}

/* One pass of timers, in a savepoint (qf_store_in_savepoint). */
typedef struct {
    const qf_config_t *config;
    int64_t now;
    int fired; /* timers that fired */
} timer_pass_t;

static int
s_timer_pass (qf_store_t *store, void *arg)
{
    timer_pass_t *pass = arg;
    return qf_timers_fire (store, pass->config, pass->now, 64, &pass->fired);
}

/* Fires the timers that are due, in the batch's transaction, each in its
   savepoint so that a failure loses no other work. Returns 1 when more
   are due than one pass fires. */
static int
s_fire_timers (qf_server_t *self, int64_t now)
{
    /* Each module's periodic work (custody's overdue loans, §4.3, …). */
    for (const qf_module_t *const *module = qf_modules; *module; module++)
        if ((*module)->tick)
            (*module)->tick (self->store, self->config, now, NULL);
    int64_t due = INT64_MAX;
    if (qf_store_timer_next (self->store, &due) || due > now)
        return 0;
    timer_pass_t pass = {self->config, now, 0};
    int rc = qf_store_in_savepoint (self->store, s_timer_pass, &pass);
    if (rc)
        qf_error ("timers could not fire (%s); they will be tried again", qf_strerror (rc));
    return pass.fired == 64;
}

/* Retention: once a minute at most, deletes a slice of events older than
   daemon.retention_days that every group is past, with the results recorded
   for them, and idempotency keys older than daemon.idempotency_hours. Dead
   letters keep their own record; a seek below the oldest event starts at
   the oldest. */
static void
s_retain (qf_server_t *self, int64_t now)
{
    if (now - self->last_retention < 60000)
        return;
    self->last_retention = now;
    if (s_need_transaction (self))
        return;
    int deleted = 0;
    int64_t before = now - (int64_t)self->config->idempotency_hours * 3600000;
    int rc = qf_store_idempotency_prune (self->store, before, 10000, &deleted);
    if (rc)
        qf_error ("retention: could not delete old idempotency keys (%s); will try again",
                  qf_strerror (rc));
    else if (deleted)
        qf_info ("retention: forgot %d idempotency keys older than %d hours", deleted,
                 self->config->idempotency_hours);
    uint64_t up_to = qf_delivery_min_position (self->delivery);
    if (self->config->retention_days == 0 || up_to == 0)
        return;
    before = now - (int64_t)self->config->retention_days * 86400000;
    rc = qf_store_events_prune (self->store, up_to, before, 10000, &deleted);
    if (rc)
        qf_error ("retention: could not delete old events (%s); will try again", qf_strerror (rc));
    else if (deleted)
        qf_info ("retention: deleted %d events older than %d days", deleted,
                 self->config->retention_days);
}

static void
s_reload (qf_server_t *self)
{
    char error[1024];
    qf_config_t *next = NULL;
    if (qf_config_load (self->config->path, &next, error, sizeof error)) {
        qf_error ("SIGHUP: configuration not reloaded, keeping the running one: %s", error);
        return;
    }
    if (qf_config_reload_check (self->config, next, error, sizeof error)) {
        qf_error ("SIGHUP: configuration not reloaded, keeping the running one: %s", error);
        qf_config_destroy (&next);
        return;
    }
    /* The timers move with the calendar in one transaction: either the new
       configuration with its timers, or the old one with theirs. */
    int rc = s_need_transaction (self);
    if (rc == 0)
        rc = qf_timers_calendar_sync (self->store, next, qf_time_now_ms (), "SIGHUP", NULL);
    if (rc == 0)
        rc = qf_store_commit (self->store);
    if (rc == 0)
        s_committed (self);
    if (rc) {
        qf_store_rollback (self->store);
        qf_error ("SIGHUP: configuration not reloaded, keeping the running one: the pending "
                  "timers could not be placed by the new calendar (%s); send SIGHUP again",
                  qf_strerror (rc));
        qf_config_destroy (&next);
        return;
    }
    qf_delivery_set_config (self->delivery, next);
    qf_config_destroy (&self->config);
    self->config = next;
    qf_log_init ("qualflowd", (qf_log_level_t)next->log_level, next->syslog);
    qf_info ("SIGHUP: configuration reloaded from %s", next->path);
    qf_timers_warn_uncovered (self->store, self->config, "SIGHUP");
}

static bool
s_key_known (const char *key, void *arg)
{
    return qf_security_knows (arg, key);
}

/* Looks at the client directory now and then; once it has changed, the
   sessions of workers whose certificate went end at once. */
static void
s_security_tick (qf_server_t *self)
{
    qf_security_tick (self->security);
    uint64_t generation = qf_security_generation (self->security);
    if (generation != self->security_seen) {
        self->security_seen = generation;
        qf_delivery_revoke (self->delivery, s_key_known, self->security);
    }
}

/* Receives one message without waiting; with CURVE, `peer` says who sent
   it, from the daemon's own table of certificates (qf_security.h). */
static int
s_recv (qf_server_t *self, qf_msg_t *msg, void *socket, qf_peer_t *peer)
{
    int rc = qf_msg_recv_from (msg, socket, true, ZMQ_DONTWAIT, peer);
    if (peer && (rc == 0 || rc == QF_EPROTO))
        qf_security_identify (self->security, peer);
    return rc;
}

int
qf_server_run (qf_server_t *self)
{
    /* The event socket's subscriptions are read as they come, so that they
       do not pile up (qf_subs.h). With CURVE, the ZAP handler is polled
       too: it answers new connections between batches (qf_security.h). */
    zmq_pollitem_t items[5] = {
        {zsock_resolve (self->command), 0, ZMQ_POLLIN, 0},
        {zsock_resolve (self->worker), 0, ZMQ_POLLIN, 0},
        {zsock_resolve (self->events), 0, ZMQ_POLLIN, 0},
    };
    int nitems = 3, zap_item = -1, sync_item = -1;
    if (self->sync) {
        sync_item = nitems++;
        items[sync_item] = (zmq_pollitem_t){NULL, qf_sync_fd (self->sync), ZMQ_POLLIN, 0};
    }
    if (self->security) {
        zap_item = nitems++;
        items[zap_item] =
            (zmq_pollitem_t){qf_security_zap_socket (self->security), 0, ZMQ_POLLIN, 0};
    }
    int more = 0;
    qf_msg_t msg = {0};
    /* Who sent each message: read only with CURVE, where it decides. */
    qf_peer_t peer_store;
    qf_peer_t *peer = self->security ? &peer_store : NULL;
    while (!s_stop_requested) {
        if (s_reload_requested) {
            s_reload_requested = 0;
            s_reload (self);
        }
        int64_t mono = qf_time_mono_ms ();
        long timeout = more ? 0 : (long)(self->next_tick > mono ? self->next_tick - mono : 0);
        if (zmq_poll (items, nitems, timeout) < 0 && zmq_errno () != EINTR) {
            qf_error ("poll failed: %s", zmq_strerror (zmq_errno ()));
            break;
        }
        int64_t now = qf_time_now_ms ();
        qf_batch_time_t *batch = &self->batch;
        memset (batch, 0, sizeof *batch);
        batch->start_ns = qf_time_mono_ns ();
        int timers_more = 0;
        if (qf_time_mono_ms () >= self->next_tick) {
            timers_more = s_fire_timers (self, now);
            s_retain (self, now);
        }
        int64_t drain_start = qf_time_mono_ns ();
        batch->ns[QF_PHASE_TIMERS] = drain_start - batch->start_ns;
        /* New connections' handshakes, answered once per batch: no peer's
           messages come before its handshake, so the drain need not ask. */
        if (zap_item >= 0 && (items[zap_item].revents & ZMQ_POLLIN))
            qf_security_zap_handle (self->security);
        if (items[2].revents & ZMQ_POLLIN)
            qf_subs_read (self->subs, items[2].socket, SUBS_PER_TURN);
        /* Commits the sync thread has made durable since: answered first.
           Too much held for a slow disk: wait for it before reading more. */
        if (sync_item >= 0) {
            if (items[sync_item].revents & ZMQ_POLLIN)
                qf_sync_done (self->sync);
            if (s_held_too_much (self))
                qf_sync_wait (self->sync, self->commit_gen);
            if (qf_sync_peek (self->sync) > self->durable_gen)
                s_release (self);
        }
        int handled = 0;
        bool progress = true;
        /* Drain both sockets in turn, never waiting on either, until the
           batch has its most messages or its replies their most bytes. */
        bool full = false;
        while (progress && !full) {
            progress = false;
            int rc = s_recv (self, &msg, items[0].socket, peer);
            if (rc == 0 || rc == QF_EPROTO) {
                int64_t start = qf_time_mono_ns ();
                self->read_ns = start;
                s_handle_command (self, &msg, peer, rc, now);
                batch->ns[QF_PHASE_EXECUTE] += qf_time_mono_ns () - start;
                progress = true;
                handled++;
                if (self->partial)
                    break; /* nothing more on top of half a command */
            }
            /* A sync that ended meanwhile: its replies need not wait for
               this batch. */
            if (self->sync && qf_sync_peek (self->sync) > self->durable_gen)
                s_release (self);
            rc = s_recv (self, &msg, items[1].socket, peer);
            if (rc == 0 || rc == QF_EPROTO) {
                int64_t start = qf_time_mono_ns ();
                s_handle_worker (self, &msg, peer, rc, now);
                batch->ns[QF_PHASE_EXECUTE] += qf_time_mono_ns () - start;
                progress = true;
                handled++;
            }
            full = handled >= self->config->batch_max ||
                   self->reply_bytes >= (size_t)self->config->batch_max_bytes;
        }
        qf_msg_reset (&msg);
        batch->messages = (uint32_t)handled;
        batch->ns[QF_PHASE_RECEIVE] =
            qf_time_mono_ns () - drain_start - batch->ns[QF_PHASE_EXECUTE];
        s_finish_batch (self, false);
        int64_t deliver_start = qf_time_mono_ns ();
        mono = qf_time_mono_ms ();
        if (mono >= self->next_tick) {
            qf_delivery_tick (self->delivery);
            qf_sendq_sweep (self->sendq);
            if (self->security)
                s_security_tick (self);
            qf_log_flush (false); /* the counts of repeated failures that have stopped */
            int interval = self->config->heartbeat_ms / 4;
            self->next_tick = mono + (interval < ACK_FLUSH_MS ? interval : ACK_FLUSH_MS);
        }
        more = qf_delivery_dispatch (self->delivery, self->durable_seq, self->tail);
        batch->ns[QF_PHASE_DELIVER] += qf_time_mono_ns () - deliver_start;
        s_checkpoint (self);
        s_end_batch (self);
        if (full || timers_more)
            more = 1;
    }
    /* Stop: the batch in hand is committed, the acks too, and answered
       once on disk. */
    s_finish_batch (self, true);
    if (self->sync) {
        qf_sync_wait (self->sync, self->commit_gen);
        s_release (self);
    }
    qf_info ("qualflowd stopping: %llu batches, %llu commands, last seq %llu",
             (unsigned long long)self->batches, (unsigned long long)self->commands,
             (unsigned long long)qf_store_last_seq (self->store));
    return 0;
}
