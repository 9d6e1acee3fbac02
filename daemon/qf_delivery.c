/*  qf_delivery — durable consumer groups: delivered, acknowledged, retried. */
#include "qf_delivery.h"
#include "qf_security.h"
#include "qf_tail.h"
#include "qf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

typedef struct group_s group_t;
typedef struct member_s member_t;

typedef enum { E_INFLIGHT, E_WAITING, E_ACKED } entry_state_t;

/* An event a group has handed out and not yet seen acknowledged. */
typedef struct {
    uint64_t seq;                 /* event sequence number */
    char event_id[QF_ID_MAX + 1]; /* checked against ACKs */
    member_t *member;             /* holder while E_INFLIGHT */
    int64_t deadline;             /* E_INFLIGHT: lease end; E_WAITING: not before */
    uint32_t attempt;             /* deliveries so far */
    entry_state_t state;
    bool failed;          /* has a row in the deliveries table */
    bool pinned;          /* a dead letter sent back: below the position */
    char last_error[256]; /* why the last attempt failed */
} entry_t;

/* A change to the durable delivery state, written before the batch commits. */
typedef enum { OP_FAILED, OP_DEAD, OP_CLEARED } op_kind_t;
typedef struct {
    op_kind_t kind;
    uint64_t seq;
    uint32_t attempts;
    bool pinned;
    char event_id[QF_ID_MAX + 1];
    char error[256];
} op_t;

/* Attempts of a failed event, remembered across restarts. */
typedef struct {
    uint64_t seq;
    uint32_t attempts;
} restored_attempt_t;

/* A live worker instance: one DEALER socket that said HELLO. */
struct member_s {
    unsigned char routing[QF_ROUTING_MAX]; /* ROUTER peer id */
    size_t routing_size;
    char instance[QF_ID_MAX + 1];  /* the worker's name for itself */
    char key[QF_PEER_KEY_MAX + 1]; /* with CURVE: the public key that said HELLO */
    char owner[QF_NAME_MAX + 1];   /* with CURVE: that certificate's name */
    group_t *group;                /* the group it belongs to */
    int window;                    /* most unacknowledged events */
    int in_flight;                 /* events it holds now */
    int64_t last_heard;            /* monotonic ms of its last message */
    int64_t last_sent;             /* monotonic ms of our last message to it */
    bool welcome_pending;          /* WELCOME waits for the batch commit */
    bool dead;                     /* to be removed after the current pass */
    member_t *next;                /* in the delivery's member list */
};

/* A consumer group: durable position plus what is in flight. */
struct group_s {
    char name[QF_NAME_MAX + 1];
    char role[QF_NAME_MAX + 1]; /* role its results run with; "" for none */
    char **topics;              /* subscription patterns (owned) */
    size_t topic_count;
    char *topics_json; /* as stored */
    int64_t ack_wait_ms;
    int max_deliveries;
    bool configured;       /* declared in the configuration */
    bool deleting;         /* groups.delete in the open batch: gone once it commits */
    uint64_t floor;        /* persisted: all <= floor are done */
    uint64_t next_seq;     /* next event to consider handing out */
    uint64_t replay_until; /* after a seek: events below were seen before */
    entry_t *entries;      /* handed out, sorted by seq, from `head` */
    size_t head, count, cap;
    uint64_t *restored; /* acks above the floor found at load */
    size_t restored_count, restored_at;
    uint64_t *batch_acks; /* acks of the open batch, to persist */
    size_t batch_ack_count, batch_ack_cap;
    op_t *ops; /* delivery-state changes of the open batch */
    size_t op_count, op_cap;
    restored_attempt_t *attempts; /* failed events above the floor, at load */
    size_t attempt_count, attempt_cap, attempt_at;
    entry_t *retries; /* dead letters sent back, below the floor */
    size_t retry_count, retry_cap;
    bool dirty;           /* position may have moved */
    size_t rr;            /* round-robin cursor */
    uint64_t acked_total; /* since start, for status */
    uint64_t redelivered_total;
    group_t *next;
};

/* A message that may only be sent after the batch commits. */
typedef struct {
    member_t *member;
    qf_msg_t msg;
} deferred_t;

struct qf_delivery_t {
    qf_store_t *store;         /* not owned */
    const qf_config_t *config; /* not owned */
    void *socket;              /* worker ROUTER, not owned */
    group_t *groups;           /* owned list */
    member_t *members;         /* owned list */
    size_t member_count;
    uint64_t recovered_seq; /* last seq at start: redeliveries may repeat */
    deferred_t *deferred;   /* sent after commit */
    size_t deferred_count, deferred_cap;
    struct result_ref {
        group_t *group;
        uint64_t seq;
    } * result_entries;
    /* acked with results in the open batch */
    size_t result_count, result_cap;
    int64_t last_tick;
    uint64_t dropped;   /* sessions ended because the worker's queue was full */
    uint64_t log_reads; /* reads of the event log by dispatch, for status */
};

static bool
s_grow (void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *grown = realloc (*items, n * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = n;
    return true;
}

static bool
s_group_matches (group_t *group, const char *topic)
{
    for (size_t i = 0; i < group->topic_count; i++)
        if (qf_topic_matches (group->topics[i], topic))
            return true;
    return false;
}

static void
s_group_free (group_t *group)
{
    for (size_t i = 0; i < group->topic_count; i++)
        free (group->topics[i]);
    free (group->topics);
    free (group->topics_json);
    free (group->entries);
    free (group->restored);
    free (group->batch_acks);
    free (group->ops);
    free (group->attempts);
    free (group->retries);
    free (group);
}

/* The group of that name; one being deleted is no longer found. */
static group_t *
s_group_find (qf_delivery_t *self, const char *name)
{
    for (group_t *group = self->groups; group; group = group->next)
        if (!group->deleting && strcmp (group->name, name) == 0)
            return group;
    return NULL;
}

/* Groups that HELLOs created (or that the configuration no longer
   declares), which delivery.hello_groups_max bounds. */
static int
s_hello_groups (qf_delivery_t *self)
{
    int count = 0;
    for (group_t *group = self->groups; group; group = group->next)
        count += !group->configured && !group->deleting;
    return count;
}

/* Sets a group's topics from a JSON array of patterns; 0 or QF_EINVAL. */
static int
s_group_set_topics (group_t *group, json_t *topics)
{
    size_t n = json_array_size (topics);
    char **list = calloc (n ? n : 1, sizeof *list);
    char *text = json_dumps (topics, JSON_COMPACT);
    if (!list || !text) {
        free (list);
        free (text);
        return QF_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        list[i] = strdup (json_string_value (json_array_get (topics, i)));
    for (size_t i = 0; i < group->topic_count; i++)
        free (group->topics[i]);
    free (group->topics);
    free (group->topics_json);
    group->topics = list;
    group->topic_count = n;
    group->topics_json = text;
    return 0;
}

static group_t *
s_group_new (qf_delivery_t *self, const char *name, json_t *topics, uint64_t floor)
{
    group_t *group = calloc (1, sizeof *group);
    if (!group)
        return NULL;
    snprintf (group->name, sizeof group->name, "%s", name);
    /* A group that is not configured was named by whoever said HELLO
       first: with CURVE, its name grants nothing, so its results run no
       command (s_group_configure gives a configured group its role).
       Without CURVE any client may claim any role anyway. */
    snprintf (group->role, sizeof group->role, "%s", self->config->curve ? "" : name);
    group->ack_wait_ms = self->config->ack_wait_ms;
    group->max_deliveries = self->config->max_deliveries;
    if (s_group_set_topics (group, topics)) {
        s_group_free (group);
        return NULL;
    }
    group->floor = floor;
    group->next_seq = floor + 1;
    group->next = self->groups;
    self->groups = group;
    return group;
}

/* Applies a configured group's role and delivery policy. */
static void
s_group_configure (group_t *group, const qf_group_config_t *config)
{
    group->configured = true;
    snprintf (group->role, sizeof group->role, "%s", config->role ? config->role : group->name);
    group->ack_wait_ms = config->ack_wait_ms;
    group->max_deliveries = config->max_deliveries;
}

static json_t *
s_topics_json (const qf_group_config_t *config)
{
    json_t *topics = json_array ();
    for (size_t i = 0; i < config->topic_count; i++)
        json_array_append_new (topics, json_string (config->topics[i]));
    return topics;
}

static int
s_restore_ack (uint64_t seq, void *arg)
{
    group_t *group = arg;
    size_t cap = group->restored_count;
    if (!s_grow ((void **)&group->restored, &cap, group->restored_count + 1, sizeof (uint64_t)))
        return 1;
    group->restored[group->restored_count++] = seq;
    return 0;
}

static int
s_restore_delivery (uint64_t seq, uint32_t attempts, const char *last_error, bool pinned, void *arg)
{
    group_t *group = arg;
    if (pinned && seq <= group->floor) {
        if (!s_grow ((void **)&group->retries, &group->retry_cap, group->retry_count + 1,
                     sizeof (entry_t)))
            return 1;
        entry_t *entry = &group->retries[group->retry_count++];
        memset (entry, 0, sizeof *entry);
        entry->seq = seq;
        entry->attempt = attempts;
        entry->state = E_WAITING;
        entry->failed = entry->pinned = true;
        snprintf (entry->last_error, sizeof entry->last_error, "%s", last_error ? last_error : "");
        return 0;
    }
    if (!s_grow ((void **)&group->attempts, &group->attempt_cap, group->attempt_count + 1,
                 sizeof (restored_attempt_t)))
        return 1;
    group->attempts[group->attempt_count].seq = seq;
    group->attempts[group->attempt_count++].attempts = attempts;
    return 0;
}

static int
s_load_group (const char *name, const char *topics_json, uint64_t floor, void *arg)
{
    qf_delivery_t *self = arg;
    json_t *topics = json_loads (topics_json ? topics_json : "[]", 0, NULL);
    if (!json_is_array (topics)) {
        qf_error ("group %s has unreadable topics in the database; skipping it", name);
        json_decref (topics);
        return 0;
    }
    group_t *group = s_group_new (self, name, topics, floor);
    json_decref (topics);
    if (!group)
        return 1;
    return 0;
}

qf_delivery_t *
qf_delivery_new (qf_store_t *store, const qf_config_t *config, void *socket)
{
    qf_delivery_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->config = config;
    self->socket = socket;
    return self;
}

void
qf_delivery_destroy (qf_delivery_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_delivery_t *self = *self_p;
    while (self->groups) {
        group_t *next = self->groups->next;
        s_group_free (self->groups);
        self->groups = next;
    }
    while (self->members) {
        member_t *next = self->members->next;
        free (self->members);
        self->members = next;
    }
    for (size_t i = 0; i < self->deferred_count; i++)
        qf_msg_reset (&self->deferred[i].msg);
    free (self->deferred);
    free (self->result_entries);
    free (self);
    *self_p = NULL;
}

int
qf_delivery_load (qf_delivery_t *self, int64_t now)
{
    self->recovered_seq = qf_store_last_seq (self->store);
    int rc = qf_store_groups_load (self->store, s_load_group, self);
    if (rc)
        return rc;
    for (size_t i = 0; i < self->config->group_count; i++) {
        const qf_group_config_t *config = &self->config->groups[i];
        json_t *topics = s_topics_json (config);
        group_t *group = s_group_find (self, config->name);
        if (!group)
            group = s_group_new (self, config->name, topics, 0);
        else if (s_group_set_topics (group, topics))
            group = NULL;
        json_decref (topics);
        if (!group)
            return QF_ENOMEM;
        s_group_configure (group, config);
        rc = qf_store_group_upsert (self->store, group->name, group->topics_json, now);
        if (rc)
            return rc;
    }
    for (group_t *group = self->groups; group; group = group->next) {
        rc = qf_store_group_acks_load (self->store, group->name, s_restore_ack, group);
        if (rc == 0)
            rc = qf_store_deliveries_load (self->store, group->name, s_restore_delivery, group);
        if (rc)
            return rc;
        qf_info ("group %s: position %llu, %zu acks above it, %zu failed events to retry, "
                 "topics %s",
                 group->name, (unsigned long long)group->floor, group->restored_count,
                 group->attempt_count + group->retry_count, group->topics_json);
    }
    return 0;
}

void
qf_delivery_set_config (qf_delivery_t *self, const qf_config_t *config)
{
    self->config = config;
    for (group_t *group = self->groups; group; group = group->next) {
        const qf_group_config_t *gc = qf_config_group (config, group->name);
        if (gc)
            s_group_configure (group, gc);
        else {
            group->ack_wait_ms = config->ack_wait_ms;
            group->max_deliveries = config->max_deliveries;
        }
    }
}

/* Sending ------------------------------------------------------------------ */

/* Sends a message to a member now; marks it dead when it is unreachable. */
static void
s_send (qf_delivery_t *self, member_t *member, qf_msg_t *msg)
{
    memcpy (msg->routing, member->routing, member->routing_size);
    msg->routing_size = member->routing_size;
    int rc = qf_msg_send (msg, self->socket, ZMQ_DONTWAIT);
    if (rc == QF_EAGAIN && !member->dead) {
        /* Its window bounds the deliveries; what fills the queue past them
           is messages it never reads (daemon.peer_queue_bytes). */
        qf_warn ("worker %s of group %s leaves its messages unread and its queue is full; "
                 "ending its session and re-delivering its events",
                 member->instance, member->group ? member->group->name : "?");
        self->dropped++;
        member->dead = true;
    } else if (rc && !member->dead) {
        qf_warn ("worker %s of group %s is unreachable (%s); re-delivering its events",
                 member->instance, member->group ? member->group->name : "?", qf_strerror (rc));
        member->dead = true;
    }
    member->last_sent = qf_time_mono_ms ();
}

static void
s_send_error_to (qf_delivery_t *self, const unsigned char *routing, size_t routing_size, int status,
                 uint64_t seq, const char *reason)
{
    qf_msg_t msg = {0};
    msg.id = QF_MSG_ERROR;
    memcpy (msg.routing, routing, routing_size);
    msg.routing_size = routing_size;
    msg.status = status;
    msg.seq = seq;
    snprintf (msg.reason, sizeof msg.reason, "%s", reason);
    qf_msg_send (&msg, self->socket, ZMQ_DONTWAIT);
}

static void
s_defer (qf_delivery_t *self, member_t *member, qf_msg_t *msg)
{
    if (!s_grow ((void **)&self->deferred, &self->deferred_cap, self->deferred_count + 1,
                 sizeof (deferred_t))) {
        qf_msg_reset (msg);
        return;
    }
    self->deferred[self->deferred_count].member = member;
    self->deferred[self->deferred_count].msg = *msg;
    self->deferred_count++;
    memset (msg, 0, sizeof *msg);
}

/* Entries ----------------------------------------------------------------- */

static entry_t *
s_entry_find (group_t *group, uint64_t seq)
{
    size_t lo = group->head, hi = group->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (group->entries[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < group->count && group->entries[lo].seq == seq)
        return &group->entries[lo];
    for (size_t i = 0; i < group->retry_count; i++)
        if (group->retries[i].seq == seq)
            return &group->retries[i];
    return NULL;
}

/* Calls fn on every entry a group holds: the window and the retries. */
#define FOR_EACH_ENTRY(group, entry, body)                                                         \
    do {                                                                                           \
        for (size_t _i = (group)->head; _i < (group)->count; _i++) {                               \
            entry_t *entry = &(group)->entries[_i];                                                \
            body;                                                                                  \
        }                                                                                          \
        for (size_t _i = 0; _i < (group)->retry_count; _i++) {                                     \
            entry_t *entry = &(group)->retries[_i];                                                \
            body;                                                                                  \
        }                                                                                          \
    } while (0)

/* Drops acknowledged entries from the front; the floor follows. */
static void
s_group_compact (group_t *group)
{
    size_t kept = 0;
    for (size_t i = 0; i < group->retry_count; i++)
        if (group->retries[i].state != E_ACKED)
            group->retries[kept++] = group->retries[i];
    group->retry_count = kept;
    while (group->head < group->count && group->entries[group->head].state == E_ACKED)
        group->head++;
    if (group->head == group->count)
        group->head = group->count = 0;
    else if (group->head > 1024 && group->head * 2 > group->count) {
        memmove (group->entries, group->entries + group->head,
                 (group->count - group->head) * sizeof (entry_t));
        group->count -= group->head;
        group->head = 0;
    }
}

/* The position: everything below the first entry not yet acknowledged. */
static uint64_t
s_group_floor (group_t *group)
{
    for (size_t i = group->head; i < group->count; i++)
        if (group->entries[i].state != E_ACKED)
            return group->entries[i].seq - 1;
    return group->next_seq - 1;
}

int64_t
qf_delivery_backoff_ms (const qf_config_t *config, uint32_t attempt, long dice)
{
    int64_t delay = config->backoff_initial_ms;
    for (uint32_t i = 1; i < attempt && delay < config->backoff_max_ms; i++)
        delay *= 2;
    if (delay > config->backoff_max_ms)
        delay = config->backoff_max_ms;
    /* +-20% so that retries of a burst do not arrive together. */
    int64_t jitter = delay / 5;
    if (jitter > 0) {
        int64_t roll = (int64_t)dice % (2 * jitter + 1);
        delay += (roll < 0 ? -roll : roll) - jitter;
    }
    return delay;
}

/* Takes an entry back from its holder: it waits to be handed out again. */
static void
s_entry_release (entry_t *entry, int64_t not_before)
{
    if (entry->state == E_INFLIGHT && entry->member)
        entry->member->in_flight--;
    entry->member = NULL;
    entry->state = E_WAITING;
    entry->deadline = not_before;
}

/* Records a change to write before the batch commits. */
static void
s_op (group_t *group, op_kind_t kind, entry_t *entry)
{
    group->dirty = true;
    if (!s_grow ((void **)&group->ops, &group->op_cap, group->op_count + 1, sizeof (op_t))) {
        qf_error ("out of memory recording delivery state of event %llu in group %s",
                  (unsigned long long)entry->seq, group->name);
        return;
    }
    op_t *op = &group->ops[group->op_count++];
    op->kind = kind;
    op->seq = entry->seq;
    op->attempts = entry->attempt;
    op->pinned = entry->pinned;
    snprintf (op->event_id, sizeof op->event_id, "%s", entry->event_id);
    snprintf (op->error, sizeof op->error, "%s", entry->last_error);
}

static void s_ack_done (qf_delivery_t *self, group_t *group, entry_t *entry, member_t *member);
static void s_finish_deletes (qf_delivery_t *self, bool committed);

/* An attempt failed: retry after `delay` ms (-1: exponential backoff), or
   move the event to the dead-letter list after max_deliveries attempts. */
static void
s_entry_fail (qf_delivery_t *self, group_t *group, entry_t *entry, const char *error, int64_t delay)
{
    snprintf (entry->last_error, sizeof entry->last_error, "%s", error);
    if (entry->attempt >= (uint32_t)group->max_deliveries) {
        qf_warn ("group %s: event %llu failed %u times, the most allowed; moved to the "
                 "dead-letter list (last error: %s); see 'qualflow dlq list %s'",
                 group->name, (unsigned long long)entry->seq, entry->attempt, error, group->name);
        s_op (group, OP_DEAD, entry);
        entry->failed = false;
        s_ack_done (self, group, entry, NULL);
        return;
    }
    int64_t wait =
        delay >= 0 ? delay : qf_delivery_backoff_ms (self->config, entry->attempt, random ());
    s_entry_release (entry, qf_time_mono_ms () + wait);
    entry->failed = true;
    s_op (group, OP_FAILED, entry);
}

static void
s_member_remove (qf_delivery_t *self, member_t *member, const char *why)
{
    group_t *group = member->group;
    int released = 0;
    if (group) {
        bool clean = strcmp (why, "said BYE") == 0;
        char error[256];
        snprintf (error, sizeof error, "worker %s left while holding it (%s)", member->instance,
                  why);
        FOR_EACH_ENTRY (group, entry, {
            if (entry->state == E_INFLIGHT && entry->member == member) {
                /* A worker that vanished with the event counts as a failed attempt,
                   so an event that crashes its workers ends as a dead letter. */
                if (clean) {
                    /* A worker that said BYE failed nothing: the delivery it
                       gave back is not an attempt (PROTOCOL.md 6.4.8). */
                    s_entry_release (entry, qf_time_mono_ms ());
                    if (entry->attempt > 0)
                        entry->attempt--;
                } else
                    s_entry_fail (self, group, entry, error, 0);
                released++;
            }
        });
    }
    qf_info ("worker %s left group %s (%s); %d events to re-deliver", member->instance,
             group ? group->name : "?", why, released);
    for (size_t i = 0; i < self->deferred_count; i++)
        if (self->deferred[i].member == member)
            self->deferred[i].member = NULL;
    member_t **link = &self->members;
    while (*link && *link != member)
        link = &(*link)->next;
    if (*link)
        *link = member->next;
    self->member_count--;
    free (member);
}

static void
s_reap_dead (qf_delivery_t *self)
{
    member_t *member = self->members;
    while (member) {
        member_t *next = member->next;
        if (member->dead)
            s_member_remove (self, member, "unreachable");
        member = next;
    }
}

static member_t *
s_member_by_routing (qf_delivery_t *self, const qf_msg_t *msg)
{
    for (member_t *member = self->members; member; member = member->next)
        if (member->routing_size == msg->routing_size &&
            memcmp (member->routing, msg->routing, msg->routing_size) == 0)
            return member;
    return NULL;
}

/* Handling ---------------------------------------------------------------- */

static void
s_hello_error (qf_delivery_t *self, qf_msg_t *msg, int status, const char *reason)
{
    qf_warn ("refused HELLO: %s", reason);
    s_send_error_to (self, msg->routing, msg->routing_size, status, 0, reason);
}

static void
s_handle_hello (qf_delivery_t *self, qf_msg_t *msg, qf_ctx_t *ctx)
{
    char reason[512];
    json_t *body = msg->body;
    const char *key;
    json_t *value;
    json_object_foreach (body, key, value)
    {
        if (strcmp (key, "group") && strcmp (key, "instance") && strcmp (key, "topics") &&
            strcmp (key, "window")) {
            snprintf (reason, sizeof reason,
                      "HELLO has unknown key \"%.40s\"; allowed: group, instance, topics, window",
                      key);
            return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST, reason);
        }
    }
    const char *name = json_string_value (json_object_get (body, "group"));
    const char *instance = json_string_value (json_object_get (body, "instance"));
    json_t *topics = json_object_get (body, "topics");
    json_t *window_j = json_object_get (body, "window");
    /* A value over its limit is 413, like any field (PROTOCOL.md 4). */
    if ((name && strlen (name) > QF_NAME_MAX) || (instance && strlen (instance) > QF_ID_MAX))
        return s_hello_error (self, msg, QF_STATUS_TOO_LARGE,
                              "HELLO group and instance are at most 64 bytes each");
    if (json_array_size (topics) > 32)
        return s_hello_error (self, msg, QF_STATUS_TOO_LARGE,
                              "HELLO topics has more than 32 items");
    if (!name || !qf_valid_token (name, QF_NAME_MAX))
        return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                              "HELLO group must be 1-64 characters of [a-z0-9._-]");
    if (!instance || !qf_valid_printable (instance, QF_ID_MAX))
        return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                              "HELLO instance must be 1-64 printable ASCII characters");
    const qf_peer_t *peer = ctx->peer;
    if (peer && !qf_security_allows (peer->groups, name)) {
        snprintf (reason, sizeof reason,
                  "certificate \"%s\" may join groups: %s; not %s (add the group to its "
                  "certificate's groups)",
                  peer->name, peer->groups[0] ? peer->groups : "none", name);
        qf_warn ("worker %s refused: %s", instance, reason);
        return s_hello_error (self, msg, QF_STATUS_FORBIDDEN, reason);
    }
    if (topics) {
        bool ok = json_is_array (topics) && json_array_size (topics) >= 1;
        size_t i;
        json_array_foreach (topics, i, value)
        {
            const char *t = json_string_value (value);
            size_t len = t ? strlen (t) : 0;
            if (len > QF_TOPIC_MAX)
                return s_hello_error (self, msg, QF_STATUS_TOO_LARGE,
                                      "HELLO topics: a pattern is at most 128 bytes");
            char stem[QF_TOPIC_MAX + 1] = "";
            if (len && t[len - 1] == '*' && len <= QF_TOPIC_MAX)
                snprintf (stem, sizeof stem, "%.*s", (int)(len - 1), t);
            if (!t || !(qf_valid_token (t, QF_TOPIC_MAX) || strcmp (t, "*") == 0 ||
                        (stem[0] && qf_valid_token (stem, QF_TOPIC_MAX))))
                ok = false;
        }
        if (!ok)
            return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                                  "HELLO topics must be a list of 1-32 topics or prefixes "
                                  "ending in *");
    }
    int window = self->config->window;
    if (window_j) {
        if (!json_is_integer (window_j) || json_integer_value (window_j) < 1 ||
            json_integer_value (window_j) > 10000)
            return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                                  "HELLO window must be an integer from 1 to 10000");
        if (json_integer_value (window_j) < window)
            window = (int)json_integer_value (window_j);
        else if (json_integer_value (window_j) > window)
            qf_info ("worker %s asked for window %lld; granted delivery.window %d", instance,
                     (long long)json_integer_value (window_j), window);
    }
    group_t *group = s_group_find (self, name);
    const qf_group_config_t *configured = qf_config_group (self->config, name);
    if (configured && topics) {
        json_t *expected = s_topics_json (configured);
        bool same = json_equal (expected, topics);
        json_decref (expected);
        if (!same) {
            snprintf (reason, sizeof reason,
                      "group %s is configured with topics %s; omit topics from HELLO or match "
                      "them",
                      name, group ? group->topics_json : "?");
            return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST, reason);
        }
    }
    if (!group) {
        if (!topics) {
            snprintf (reason, sizeof reason,
                      "group %s does not exist; send topics in HELLO to create it", name);
            return s_hello_error (self, msg, QF_STATUS_NOT_FOUND, reason);
        }
        /* Each group costs a row, memory and a place in status: a peer may
           not create them without end. */
        if (s_hello_groups (self) >= self->config->hello_groups_max) {
            /* One text for every refusal, so that qf_log counts the repeats. */
            qf_warn ("refused a HELLO that would create a group: workers have created "
                     "delivery.hello_groups_max groups already");
            snprintf (reason, sizeof reason,
                      "group %s does not exist, and workers have created %d groups, the most "
                      "delivery.hello_groups_max allows; join an existing group, declare this "
                      "one in the configuration, or have an admin delete one (qualflow groups "
                      "delete)",
                      name, self->config->hello_groups_max);
            s_send_error_to (self, msg->routing, msg->routing_size, QF_STATUS_CONFLICT, 0, reason);
            return;
        }
        group = s_group_new (self, name, topics, 0);
        if (!group)
            return s_hello_error (self, msg, QF_STATUS_SERVER_ERROR, "out of memory");
        qf_info ("group %s created by worker %s with topics %s", name, instance,
                 group->topics_json);
    } else if (topics && !group->configured) {
        if (s_group_set_topics (group, topics))
            return s_hello_error (self, msg, QF_STATUS_SERVER_ERROR, "out of memory");
    }
    if (!group->configured) {
        int rc = qf_store_begin (self->store);
        if (rc == 0)
            rc = qf_store_group_upsert (self->store, group->name, group->topics_json, ctx->now);
        if (rc)
            return s_hello_error (self, msg, QF_STATUS_SERVER_ERROR,
                                  "could not save the group; see the daemon log");
    }
    /* A new session for this socket or this instance name replaces the old one. */
    member_t *old = s_member_by_routing (self, msg);
    if (old)
        s_member_remove (self, old, "said HELLO again");
    for (member_t *m = self->members; m; m = m->next)
        if (m->group == group && strcmp (m->instance, instance) == 0) {
            s_member_remove (self, m, "replaced by a new session of the same instance");
            break;
        }
    member_t *member = calloc (1, sizeof *member);
    if (!member)
        return s_hello_error (self, msg, QF_STATUS_SERVER_ERROR, "out of memory");
    memcpy (member->routing, msg->routing, msg->routing_size);
    member->routing_size = msg->routing_size;
    snprintf (member->instance, sizeof member->instance, "%s", instance);
    if (peer) {
        qf_copy (member->key, sizeof member->key, peer->key);
        qf_copy (member->owner, sizeof member->owner, peer->name);
    }
    member->group = group;
    member->window = window;
    member->last_heard = member->last_sent = qf_time_mono_ms ();
    member->welcome_pending = true;
    member->next = self->members;
    self->members = member;
    self->member_count++;

    qf_msg_t welcome = {0};
    welcome.id = QF_MSG_WELCOME;
    /* window_max and position tell the worker what it asked cannot: that a
       larger window was capped, and where the group starts (PROTOCOL.md 6.2). */
    welcome.body = json_pack (
        "{s:s, s:s, s:i, s:i, s:i, s:I, s:i, s:o, s:I}", "group", group->name, "instance",
        member->instance, "window", window, "window_max", self->config->window, "heartbeat_ms",
        self->config->heartbeat_ms, "ack_wait_ms", (json_int_t)group->ack_wait_ms, "max_deliveries",
        group->max_deliveries, "topics", json_loads (group->topics_json, 0, NULL), "position",
        (json_int_t)group->floor);
    s_defer (self, member, &welcome);
    qf_info ("worker %s joined group %s (window %d)", member->instance, group->name, window);
}

/* Validates a result object {command, args}; returns NULL when acceptable. */
static const char *
s_check_result (json_t *result)
{
    const char *key;
    json_t *value;
    json_object_foreach (result, key, value)
    {
        if (strcmp (key, "command") != 0 && strcmp (key, "args") != 0)
            return "an ACK result may only have the keys command and args";
    }
    json_t *command = json_object_get (result, "command");
    if (!json_is_string (command) || !qf_valid_token (json_string_value (command), QF_NAME_MAX))
        return "an ACK result needs \"command\", a command name";
    json_t *args = json_object_get (result, "args");
    if (args && !json_is_object (args))
        return "an ACK result's \"args\" must be an object";
    return NULL;
}

static void
s_ack_done (qf_delivery_t *self, group_t *group, entry_t *entry, member_t *member)
{
    (void)self;
    if (entry->state == E_INFLIGHT && entry->member)
        entry->member->in_flight--;
    (void)member;
    entry->member = NULL;
    entry->state = E_ACKED;
    if (entry->failed) {
        s_op (group, OP_CLEARED, entry);
        entry->failed = false;
    }
    group->acked_total++;
    group->dirty = true;
    size_t cap = group->batch_ack_cap;
    if (s_grow ((void **)&group->batch_acks, &cap, group->batch_ack_count + 1, sizeof (uint64_t))) {
        group->batch_ack_cap = cap;
        group->batch_acks[group->batch_ack_count++] = entry->seq;
    }
}

static void
s_handle_ack (qf_delivery_t *self, member_t *member, qf_msg_t *msg, qf_ctx_t *ctx)
{
    group_t *group = member->group;
    entry_t *entry = s_entry_find (group, msg->seq);
    char reason[QF_REASON_MAX];
    if (msg->id == QF_MSG_NACK && msg->delay > QF_DELAY_MAX) {
        /* Larger delays would overflow the retry time, or park the event
           for ever; the event stays with the worker, its lease running. */
        snprintf (reason, sizeof reason,
                  "NACK delay %lld ms is over the %d ms (24 h) allowed; nothing was changed; "
                  "send at most that, or 0 for the daemon's backoff",
                  (long long)msg->delay, QF_DELAY_MAX);
        qf_warn ("worker %s: a NACK was refused: its delay is over %d ms", member->instance,
                 QF_DELAY_MAX);
        s_send_error_to (self, msg->routing, msg->routing_size, QF_STATUS_BAD_REQUEST, msg->seq,
                         reason);
        return;
    }
    if (!entry || entry->state == E_ACKED) {
        snprintf (reason, sizeof reason,
                  "event %llu is not awaiting an ack from group %s (duplicate, unknown, or "
                  "another group's)",
                  (unsigned long long)msg->seq, group->name);
        qf_warn ("worker %s: %s", member->instance, reason);
        s_send_error_to (self, msg->routing, msg->routing_size, QF_STATUS_CONFLICT, msg->seq,
                         reason);
        return;
    }
    if (strcmp (entry->event_id, msg->event_id) != 0) {
        snprintf (reason, sizeof reason, "event %llu has id %s, not %s",
                  (unsigned long long)msg->seq, entry->event_id, msg->event_id);
        qf_warn ("worker %s: %s", member->instance, reason);
        s_send_error_to (self, msg->routing, msg->routing_size, QF_STATUS_BAD_REQUEST, msg->seq,
                         reason);
        return;
    }
    if (msg->id != QF_MSG_ACK && !(entry->state == E_INFLIGHT && entry->member == member)) {
        /* A late NACK or EXTEND from an instance whose lease ended changes nothing. */
        qf_debug ("group %s: ignoring %s of event %llu from %s, which no longer holds it",
                  group->name, qf_msg_type_name (msg->id), (unsigned long long)msg->seq,
                  member->instance);
        return;
    }
    if (msg->id == QF_MSG_EXTEND) {
        entry->deadline = qf_time_mono_ms () + group->ack_wait_ms;
        return;
    }
    if (msg->id == QF_MSG_NACK) {
        qf_info ("group %s: event %llu failed in %s (attempt %u of %d): %s", group->name,
                 (unsigned long long)msg->seq, member->instance, entry->attempt,
                 group->max_deliveries, msg->reason);
        s_entry_fail (self, group, entry, msg->reason[0] ? msg->reason : "NACK without reason",
                      msg->delay > 0 ? msg->delay : -1);
        return;
    }
    json_t *result = msg->body;
    if (result && json_object_size (result) > 0) {
        const char *problem = s_check_result (result);
        int rc = 0;
        if (!problem && !group->role[0]) {
            snprintf (ctx->error, sizeof ctx->error,
                      "group %s has no role: it is not in the configuration, so its results "
                      "run no command; declare it under groups: with a role, or ack with {}",
                      group->name);
            problem = ctx->error;
            rc = QF_EFORBIDDEN;
        }
        bool seen = false;
        if (!problem)
            rc = qf_store_result_seen (self->store, group->name, entry->event_id, &seen);
        if (!problem && rc == 0 && !seen) {
            char user[QF_NAME_MAX + QF_ID_MAX + 4];
            snprintf (user, sizeof user, "%s/%s", group->name, member->instance);
            ctx->role = group->role;
            ctx->user = user;
            ctx->from_worker = true;
            json_t *reply = NULL;
            rc = qf_store_begin (self->store);
            if (rc == 0)
                rc = qf_store_savepoint (self->store);
            if (rc == 0)
                rc = qf_commands_execute (ctx,
                                          json_string_value (json_object_get (result, "command")),
                                          json_object_get (result, "args"), &reply);
            json_decref (reply);
            if (rc == 0)
                rc = qf_store_result_add (self->store, group->name, entry->event_id, ctx->now);
            if (rc == 0)
                rc = qf_store_release (self->store);
            else {
                if (!ctx->error[0])
                    snprintf (ctx->error, sizeof ctx->error, "%s", qf_strerror (rc));
                qf_store_rollback_savepoint (self->store);
                problem = ctx->error;
            }
        } else if (rc && !problem)
            problem = "the daemon could not read its results table; see its log";
        if (problem) {
            int status = rc ? qf_status_from_error (rc) : QF_STATUS_BAD_REQUEST;
            snprintf (reason, sizeof reason, "result of event %llu refused: %s",
                      (unsigned long long)msg->seq, problem);
            qf_warn ("group %s worker %s: %s", group->name, member->instance, reason);
            s_send_error_to (self, msg->routing, msg->routing_size, status, msg->seq, reason);
            if (entry->state == E_INFLIGHT && entry->member)
                s_entry_fail (self, group, entry, reason, -1);
            return;
        }
        if (!seen && s_grow ((void **)&self->result_entries, &self->result_cap,
                             self->result_count + 1, sizeof (struct result_ref))) {
            self->result_entries[self->result_count].group = group;
            self->result_entries[self->result_count++].seq = entry->seq;
        }
    }
    s_ack_done (self, group, entry, member);
}

static void
s_revoked_reason (char *reason, size_t size, const char *key)
{
    snprintf (reason, size,
              "no certificate in security.clients_dir has this connection's public key %s any "
              "more: it was revoked",
              key && *key ? key : "(none)");
}

void
qf_delivery_revoke (qf_delivery_t *self, bool (*known) (const char *key, void *arg), void *arg)
{
    member_t *member = self->members;
    while (member) {
        member_t *next = member->next;
        if (member->key[0] && !known (member->key, arg)) {
            char reason[QF_REASON_MAX];
            s_revoked_reason (reason, sizeof reason, member->key);
            s_send_error_to (self, member->routing, member->routing_size, QF_STATUS_FORBIDDEN, 0,
                             reason);
            s_member_remove (self, member, "its certificate was revoked");
        }
        member = next;
    }
}

/*  With CURVE, whether the sender may speak for the session of its routing
    id: a session belongs to the public key that said its HELLO, so a peer
    that connects later with the same routing id (ZMQ_ROUTING_ID is the
    peer's choice) cannot act in it, nor replace it. A revoked certificate
    loses its session. Refuses with ERROR 403 and returns false. */
static bool
s_same_sender (qf_delivery_t *self, qf_msg_t *msg, const qf_peer_t *peer, member_t *member)
{
    if (!peer || (peer->authenticated && (!member || strcmp (member->key, peer->key) == 0)))
        return true;
    char reason[QF_REASON_MAX];
    if (!peer->authenticated) {
        s_revoked_reason (reason, sizeof reason, peer->key);
        if (member && strcmp (member->key, peer->key) == 0)
            s_member_remove (self, member, "its certificate was revoked");
    } else
        snprintf (reason, sizeof reason,
                  "this routing id belongs to a session of certificate \"%s\", not \"%s\": "
                  "connect with a routing id of your own (or none), or wait until that session "
                  "ends",
                  member->owner, peer->name);
    qf_warn ("refused %s: %s", qf_msg_type_name (msg->id), reason);
    s_send_error_to (self, msg->routing, msg->routing_size, QF_STATUS_FORBIDDEN, 0, reason);
    return false;
}

void
qf_delivery_handle (qf_delivery_t *self, qf_msg_t *msg, qf_ctx_t *ctx)
{
    member_t *member = s_member_by_routing (self, msg);
    if (!s_same_sender (self, msg, ctx->peer, member))
        return;
    if (msg->id == QF_MSG_HELLO) {
        s_handle_hello (self, msg, ctx);
        return;
    }
    if (!member) {
        if (msg->id != QF_MSG_BYE)
            s_send_error_to (self, msg->routing, msg->routing_size, QF_STATUS_NOT_FOUND, 0,
                             "no session for this socket; send HELLO");
        return;
    }
    member->last_heard = qf_time_mono_ms ();
    if (member->group->deleting && msg->id != QF_MSG_BYE) {
        /* Nothing may be recorded for a group whose rows this batch deletes. */
        s_send_error_to (self, msg->routing, msg->routing_size, QF_STATUS_NOT_FOUND, msg->seq,
                         "this worker's group is being deleted (groups.delete); nothing was "
                         "changed");
        return;
    }
    switch (msg->id) {
    case QF_MSG_HEARTBEAT: break;
    case QF_MSG_BYE: s_member_remove (self, member, "said BYE"); break;
    case QF_MSG_ACK:
    case QF_MSG_NACK:
    case QF_MSG_EXTEND: s_handle_ack (self, member, msg, ctx); break;
    default: {
        char reason[128];
        snprintf (reason, sizeof reason, "%s is not a message a worker sends",
                  qf_msg_type_name (msg->id));
        s_send_error_to (self, msg->routing, msg->routing_size, QF_STATUS_BAD_REQUEST, 0, reason);
    }
    }
}

static int
s_topic_of (const qf_event_t *event, void *arg)
{
    snprintf (arg, QF_TOPIC_MAX + 1, "%s", event->topic);
    return 1;
}

/* Writes one delivery-state change; dead letters also raise an event. */
static int
s_write_op (qf_delivery_t *self, group_t *group, op_t *op)
{
    if (op->kind == OP_FAILED)
        return qf_store_delivery_put (self->store, group->name, op->seq, op->attempts, op->error,
                                      op->pinned);
    int rc = qf_store_delivery_delete (self->store, group->name, op->seq);
    if (rc || op->kind == OP_CLEARED)
        return rc;
    char topic[QF_TOPIC_MAX + 1] = "";
    qf_store_event_get (self->store, op->seq, s_topic_of, topic);
    int64_t now = qf_time_now_ms ();
    rc = qf_store_dlq_put (self->store, group->name, op->seq, op->event_id, topic, op->attempts,
                           op->error, now);
    /* Tell operators; never about a dead-letter event itself, so no chain. */
    if (rc == 0 && strcmp (topic, "delivery.dead_lettered") != 0) {
        json_t *payload = json_pack ("{s:s, s:I, s:s, s:s, s:i, s:s}", "group", group->name, "seq",
                                     (json_int_t)op->seq, "event_id", op->event_id, "topic", topic,
                                     "attempts", (int)op->attempts, "last_error", op->error);
        char subject[QF_SUBJECT_MAX + 1];
        snprintf (subject, sizeof subject, "group/%s", group->name);
        rc = payload ? qf_store_event_append (self->store, "delivery.dead_lettered", subject,
                                              payload, now, NULL)
                     : QF_ENOMEM;
        json_decref (payload);
    }
    return rc;
}

int
qf_delivery_before_commit (qf_delivery_t *self)
{
    for (group_t *group = self->groups; group; group = group->next) {
        if (!group->dirty || group->deleting)
            continue;
        uint64_t floor = s_group_floor (group);
        int rc = 0;
        if (floor != group->floor)
            rc = qf_store_group_set_floor (self->store, group->name, floor);
        for (size_t i = 0; rc == 0 && i < group->batch_ack_count; i++) {
            uint64_t seq = group->batch_acks[i];
            entry_t *entry = s_entry_find (group, seq);
            /* An ack whose result was lost with a failed batch is no ack. */
            if (seq > floor && (!entry || entry->state == E_ACKED))
                rc = qf_store_group_ack_add (self->store, group->name, seq);
        }
        for (size_t i = 0; rc == 0 && i < group->op_count; i++)
            rc = s_write_op (self, group, &group->ops[i]);
        if (rc)
            return rc;
    }
    return 0;
}

void
qf_delivery_after_commit (qf_delivery_t *self, bool committed)
{
    for (group_t *group = self->groups; group; group = group->next) {
        if (group->dirty && committed) {
            group->floor = s_group_floor (group);
            group->batch_ack_count = 0;
            group->op_count = 0;
            group->dirty = false;
            s_group_compact (group);
        }
    }
    if (!committed) {
        /* The results were lost with the batch: hand those events out again. */
        for (size_t i = 0; i < self->result_count; i++) {
            entry_t *entry =
                s_entry_find (self->result_entries[i].group, self->result_entries[i].seq);
            if (entry && entry->state == E_ACKED) {
                entry->state = E_WAITING;
                entry->deadline = qf_time_mono_ms ();
                /* The worker did its part: the daemon's failure is not an attempt. */
                if (entry->attempt > 0)
                    entry->attempt--;
            }
        }
    }
    self->result_count = 0;
    for (size_t i = 0; i < self->deferred_count; i++) {
        deferred_t *d = &self->deferred[i];
        if (d->member && !d->member->dead) {
            if (committed)
                s_send (self, d->member, &d->msg);
            else
                s_member_remove (self, d->member, "its HELLO could not be committed");
            if (d->msg.id == QF_MSG_WELCOME && d->member)
                d->member->welcome_pending = false;
        }
        qf_msg_reset (&d->msg);
    }
    self->deferred_count = 0;
    s_reap_dead (self);
    s_finish_deletes (self, committed);
}

/* Ends what groups.delete began in the batch that just ended: once it has
   committed, the group's workers are told and their sessions end, and the
   group is gone; if it failed, the group stays as it was. */
static void
s_finish_deletes (qf_delivery_t *self, bool committed)
{
    group_t **link = &self->groups;
    while (*link) {
        group_t *group = *link;
        if (!group->deleting) {
            link = &group->next;
            continue;
        }
        if (!committed) {
            group->deleting = false;
            link = &group->next;
            continue;
        }
        /* Its events are forgotten, not failed: no attempt is counted. */
        group->head = group->count = group->retry_count = 0;
        member_t *member = self->members;
        while (member) {
            member_t *next = member->next;
            if (member->group == group) {
                char reason[256];
                snprintf (reason, sizeof reason,
                          "group %s was deleted by an operator (groups.delete); this session "
                          "has ended",
                          group->name);
                s_send_error_to (self, member->routing, member->routing_size, QF_STATUS_NOT_FOUND,
                                 0, reason);
                s_member_remove (self, member, "its group was deleted");
            }
            member = next;
        }
        qf_info ("group %s deleted", group->name);
        *link = group->next;
        s_group_free (group);
    }
}

/* Dispatch ---------------------------------------------------------------- */

/* Picks the next live member of a group with room in its window. */
static member_t *
s_pick_member (qf_delivery_t *self, group_t *group)
{
    size_t n = 0;
    for (member_t *m = self->members; m; m = m->next)
        n++;
    if (n == 0)
        return NULL;
    member_t *best = NULL;
    size_t index = 0, start = group->rr % n;
    /* Round robin from the cursor: first member with room after it. */
    for (size_t pass = 0; pass < 2 && !best; pass++) {
        index = 0;
        for (member_t *m = self->members; m; m = m->next, index++) {
            if (pass == 0 && index < start)
                continue;
            if (m->group == group && !m->dead && !m->welcome_pending && m->in_flight < m->window) {
                best = m;
                break;
            }
        }
        start = 0;
    }
    if (best)
        group->rr = index + 1;
    return best;
}

/* Whether a live member of the group has room in its window. */
static bool
s_group_has_room (qf_delivery_t *self, group_t *group)
{
    for (member_t *m = self->members; m; m = m->next)
        if (m->group == group && !m->dead && !m->welcome_pending && m->in_flight < m->window)
            return true;
    return false;
}

/* The number of the next attempt after `attempts` failed ones. It never
   passes max_deliveries: an event already at the maximum when a reload or
   a restart lowered it gets one last attempt, numbered max_deliveries. */
static uint32_t
s_next_attempt (const group_t *group, uint32_t attempts)
{
    uint32_t max = group->max_deliveries > 0 ? (uint32_t)group->max_deliveries : 1;
    return attempts < max ? attempts + 1 : max;
}

typedef struct {
    qf_delivery_t *self;
    group_t *group;
    entry_t *entry; /* redelivery: the entry being handed out again */
    int scanned;
    bool stalled; /* no member has room */
} dispatch_t;

static void
s_deliver (qf_delivery_t *self, group_t *group, member_t *member, entry_t *entry,
           const qf_event_t *event)
{
    qf_msg_t msg = {0};
    msg.id = QF_MSG_DELIVER;
    msg.seq = event->seq;
    qf_copy (msg.event_id, sizeof msg.event_id, event->id);
    qf_copy (msg.topic, sizeof msg.topic, event->topic);
    qf_copy (msg.subject, sizeof msg.subject, event->subject);
    msg.time = event->time;
    msg.attempt = entry->attempt;
    qf_copy (entry->event_id, sizeof entry->event_id, event->id);
    if (entry->attempt > 1 || event->seq <= self->recovered_seq ||
        event->seq < group->replay_until) {
        bool seen = false;
        if (qf_store_result_seen (self->store, group->name, event->id, &seen) == 0 && seen)
            msg.flags |= QF_DELIVER_PROCESSED;
    }
    msg.raw = event->payload;
    msg.raw_size = event->payload_size;
    entry->state = E_INFLIGHT;
    entry->member = member;
    entry->deadline = qf_time_mono_ms () + group->ack_wait_ms;
    member->in_flight++;
    s_send (self, member, &msg);
}

static int
s_dispatch_new (const qf_event_t *event, void *arg)
{
    dispatch_t *d = arg;
    group_t *group = d->group;
    d->scanned++;
    bool wanted = s_group_matches (group, event->topic);
    /* Skip what was acknowledged before a restart. */
    while (group->restored_at < group->restored_count &&
           group->restored[group->restored_at] < event->seq)
        group->restored_at++;
    if (group->restored_at < group->restored_count &&
        group->restored[group->restored_at] == event->seq)
        wanted = false;
    if (!wanted) {
        group->next_seq = event->seq + 1;
        if (group->head == group->count)
            group->dirty = true;
        return 0;
    }
    member_t *member = s_pick_member (d->self, group);
    if (!member) {
        d->stalled = true;
        return 1;
    }
    size_t cap = group->cap;
    if (!s_grow ((void **)&group->entries, &cap, group->count + 1, sizeof (entry_t))) {
        d->stalled = true;
        return 1;
    }
    group->cap = cap;
    entry_t *entry = &group->entries[group->count++];
    memset (entry, 0, sizeof *entry);
    entry->seq = event->seq;
    qf_copy (entry->event_id, sizeof entry->event_id, event->id);
    entry->attempt = 1;
    /* An event that failed before a restart keeps counting its attempts. */
    while (group->attempt_at < group->attempt_count &&
           group->attempts[group->attempt_at].seq < event->seq)
        group->attempt_at++;
    if (group->attempt_at < group->attempt_count &&
        group->attempts[group->attempt_at].seq == event->seq) {
        entry->attempt = s_next_attempt (group, group->attempts[group->attempt_at].attempts);
        entry->failed = true;
    }
    group->next_seq = event->seq + 1;
    s_deliver (d->self, group, member, entry, event);
    return 0;
}

static int
s_redeliver (const qf_event_t *event, void *arg)
{
    dispatch_t *d = arg;
    member_t *member = s_pick_member (d->self, d->group);
    if (!member) {
        d->stalled = true;
        return 1;
    }
    d->entry->attempt = s_next_attempt (d->group, d->entry->attempt);
    d->group->redelivered_total++;
    s_deliver (d->self, d->group, member, d->entry, event);
    return 0;
}

int
qf_delivery_dispatch (qf_delivery_t *self, uint64_t last_seq, qf_tail_t *tail)
{
    int more = 0;
    int64_t now = qf_time_mono_ms ();
    for (group_t *group = self->groups; group; group = group->next) {
        /* A group that no live worker has room in has nothing to do: it
           neither reads the log nor holds the loop (an idle group, or one
           whose workers are busy, costs nothing). */
        if (group->deleting || !s_group_has_room (self, group))
            continue;
        dispatch_t d = {self, group, NULL, 0, false};
        /* Events to hand out again come first: dead letters sent back, then
           failed events in sequence order. */
        for (size_t i = 0; i < group->retry_count + group->count && !d.stalled; i++) {
            if (i >= group->retry_count && i - group->retry_count < group->head)
                continue;
            entry_t *entry = i < group->retry_count ? &group->retries[i]
                                                    : &group->entries[i - group->retry_count];
            if (entry->state != E_WAITING || entry->deadline > now)
                continue;
            d.entry = entry;
            size_t run = 0;
            const qf_event_t *held = tail ? qf_tail_find (tail, entry->seq, &run) : NULL;
            if (held) {
                s_redeliver (held, &d);
                continue;
            }
            self->log_reads++;
            if (qf_store_event_get (self->store, entry->seq, s_redeliver, &d) == QF_ENOTFOUND) {
                qf_error ("group %s: event %llu vanished from the log; dropping it", group->name,
                          (unsigned long long)entry->seq);
                s_ack_done (self, group, entry, NULL);
            }
        }
        /* Then new events: recent ones straight from the tail in memory, the
           bytes encoded once; older ones from the log, a bounded slice per pass. */
        while (!d.stalled && group->next_seq <= last_seq && d.scanned < 4096) {
            size_t run = 0;
            const qf_event_t *held = tail ? qf_tail_find (tail, group->next_seq, &run) : NULL;
            if (held) {
                for (size_t i = 0; i < run && !s_dispatch_new (&held[i], &d); i++)
                    ;
                continue;
            }
            int before = d.scanned;
            self->log_reads++;
            if (qf_store_events_after (self->store, group->next_seq - 1, 256, s_dispatch_new, &d))
                break;
            if (d.scanned == before)
                break;
        }
        if (!d.stalled && group->next_seq <= last_seq)
            more = 1;
    }
    s_reap_dead (self);
    return more;
}

void
qf_delivery_tick (qf_delivery_t *self)
{
    int64_t now = qf_time_mono_ms ();
    int64_t heartbeat = self->config->heartbeat_ms;
    for (member_t *member = self->members; member; member = member->next) {
        if (now - member->last_heard > 3 * heartbeat) {
            qf_warn ("worker %s of group %s silent for %lld ms (3 heartbeats); re-delivering "
                     "its %d events",
                     member->instance, member->group->name, (long long)(now - member->last_heard),
                     member->in_flight);
            member->dead = true;
        } else if (now - member->last_sent >= heartbeat && !member->welcome_pending) {
            qf_msg_t msg = {0};
            msg.id = QF_MSG_HEARTBEAT;
            s_send (self, member, &msg);
        }
    }
    s_reap_dead (self);
    for (group_t *group = self->groups; group; group = group->next)
        FOR_EACH_ENTRY (group, entry, {
            if (entry->state == E_INFLIGHT && entry->deadline <= now) {
                char error[256];
                snprintf (error, sizeof error, "lease of %lld ms expired in worker %s",
                          (long long)group->ack_wait_ms,
                          entry->member ? entry->member->instance : "?");
                qf_info ("group %s: event %llu: %s; delivering it again", group->name,
                         (unsigned long long)entry->seq, error);
                s_entry_fail (self, group, entry, error, -1);
            }
        });
}

json_t *
qf_delivery_status (qf_delivery_t *self)
{
    json_t *groups = json_array (), *workers = json_array ();
    int64_t now = qf_time_mono_ms ();
    for (group_t *group = self->groups; group; group = group->next) {
        if (group->deleting)
            continue;
        int in_flight = 0, waiting = 0, members = 0;
        for (size_t i = group->head; i < group->count; i++) {
            if (group->entries[i].state == E_INFLIGHT)
                in_flight++;
            else if (group->entries[i].state == E_WAITING)
                waiting++;
        }
        for (member_t *m = self->members; m; m = m->next)
            members += m->group == group;
        json_t *topics = json_loads (group->topics_json, 0, NULL);
        json_array_append_new (
            groups, json_pack ("{s:s, s:o, s:I, s:I, s:i, s:i, s:i, s:I, s:I}", "name", group->name,
                               "topics", topics ? topics : json_array (), "position",
                               (json_int_t)group->floor, "next_seq", (json_int_t)group->next_seq,
                               "in_flight", in_flight, "waiting", waiting, "members", members,
                               "acked", (json_int_t)group->acked_total, "redelivered",
                               (json_int_t)group->redelivered_total));
    }
    for (member_t *m = self->members; m; m = m->next)
        json_array_append_new (workers, json_pack ("{s:s, s:s, s:i, s:i, s:I}", "group",
                                                   m->group->name, "instance", m->instance,
                                                   "in_flight", m->in_flight, "window", m->window,
                                                   "idle_ms", (json_int_t)(now - m->last_heard)));
    return json_pack ("{s:o, s:o, s:I}", "groups", groups, "workers", workers, "log_reads",
                      (json_int_t)self->log_reads);
}

bool
qf_delivery_dirty (qf_delivery_t *self)
{
    for (group_t *group = self->groups; group; group = group->next)
        if (group->dirty)
            return true;
    return self->deferred_count > 0;
}

bool
qf_delivery_must_commit (qf_delivery_t *self)
{
    if (self->deferred_count > 0 || self->result_count > 0)
        return true;
    for (group_t *group = self->groups; group; group = group->next)
        if (group->op_count > 0)
            return true;
    return false;
}

size_t
qf_delivery_member_count (qf_delivery_t *self)
{
    return self->member_count;
}

uint64_t
qf_delivery_dropped (qf_delivery_t *self)
{
    return self->dropped;
}

/* Operations for commands ---------------------------------------------------- */

json_t *
qf_delivery_groups (qf_delivery_t *self)
{
    json_t *status = qf_delivery_status (self);
    json_t *groups = json_incref (json_object_get (status, "groups"));
    json_decref (status);
    uint64_t last = qf_store_last_seq (self->store);
    size_t i;
    json_t *item;
    json_array_foreach (groups, i, item)
    {
        int64_t dead = 0;
        const char *name = json_string_value (json_object_get (item, "name"));
        qf_store_dlq_count (self->store, name, &dead);
        json_int_t position = json_integer_value (json_object_get (item, "position"));
        json_object_set_new (item, "lag", json_integer ((json_int_t)last - position));
        json_object_set_new (item, "dead_letters", json_integer (dead));
        group_t *group = s_group_find (self, name);
        if (group) {
            json_object_set_new (item, "ack_wait_ms", json_integer (group->ack_wait_ms));
            json_object_set_new (item, "max_deliveries", json_integer (group->max_deliveries));
            json_object_set_new (item, "configured", json_boolean (group->configured));
        }
    }
    return groups;
}

bool
qf_delivery_has_group (qf_delivery_t *self, const char *name)
{
    return s_group_find (self, name) != NULL;
}

int
qf_delivery_seek (qf_delivery_t *self, const char *name, uint64_t seq)
{
    group_t *group = s_group_find (self, name);
    if (!group)
        return QF_ENOTFOUND;
    if (seq < 1)
        seq = 1;
    int rc = qf_store_group_reset (self->store, name, seq - 1);
    if (rc)
        return rc;
    /* Whatever members hold now will be refused when they ack it. */
    FOR_EACH_ENTRY (group, entry, {
        if (entry->state == E_INFLIGHT && entry->member)
            entry->member->in_flight--;
    });
    if (group->next_seq > group->replay_until)
        group->replay_until = group->next_seq;
    group->head = group->count = 0;
    group->retry_count = 0;
    group->restored_count = group->restored_at = 0;
    group->attempt_count = group->attempt_at = 0;
    group->batch_ack_count = group->op_count = 0;
    group->floor = seq - 1;
    group->next_seq = seq;
    group->dirty = false;
    qf_info ("group %s moved to sequence %llu: events from there on are delivered again", name,
             (unsigned long long)seq);
    return 0;
}

int
qf_delivery_delete (qf_delivery_t *self, const char *name, int *members_p)
{
    group_t *group = s_group_find (self, name);
    if (!group)
        return QF_ENOTFOUND;
    if (group->configured)
        return QF_ECONFLICT;
    int rc = qf_store_group_delete (self->store, name);
    if (rc)
        return rc;
    int members = 0;
    for (member_t *m = self->members; m; m = m->next)
        members += m->group == group;
    *members_p = members;
    group->deleting = true;
    return 0;
}

int
qf_delivery_dlq_retry (qf_delivery_t *self, const char *name, uint64_t seq)
{
    group_t *group = s_group_find (self, name);
    if (!group)
        return QF_ENOTFOUND;
    int rc = qf_store_dlq_delete (self->store, name, seq);
    if (rc)
        return rc;
    rc = qf_store_group_ack_delete (self->store, name, seq);
    if (rc == 0)
        rc = qf_store_delivery_put (self->store, name, seq, 0,
                                    "sent back from the dead-letter list", seq <= group->floor);
    if (rc)
        return rc;
    entry_t *entry = s_entry_find (group, seq);
    if (!entry && seq >= group->next_seq)
        return 0; /* not reached yet: it will be delivered from the log */
    if (!entry) {
        if (!s_grow ((void **)&group->retries, &group->retry_cap, group->retry_count + 1,
                     sizeof (entry_t)))
            return QF_ENOMEM;
        entry = &group->retries[group->retry_count++];
        memset (entry, 0, sizeof *entry);
        entry->seq = seq;
        entry->pinned = seq <= group->floor;
    }
    entry->state = E_WAITING;
    entry->attempt = 0;
    entry->failed = true;
    entry->deadline = 0;
    entry->member = NULL;
    qf_info ("group %s: dead letter %llu sent back for delivery", name, (unsigned long long)seq);
    return 0;
}

uint64_t
qf_delivery_min_position (qf_delivery_t *self)
{
    uint64_t min = UINT64_MAX;
    for (group_t *group = self->groups; group; group = group->next) {
        if (group->deleting)
            continue;
        uint64_t position = group->floor;
        /* Dead letters sent back are below the position and still needed. */
        for (size_t i = 0; i < group->retry_count; i++)
            if (group->retries[i].seq - 1 < position)
                position = group->retries[i].seq - 1;
        if (position < min)
            min = position;
    }
    return min == UINT64_MAX ? 0 : min;
}
