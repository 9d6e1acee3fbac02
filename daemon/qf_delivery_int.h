/*  qf_delivery_int — the insides of delivery, shared by its files only:

      qf_delivery.c  the object and the batch: new/destroy, before and
                     after commit, timers, status
      qf_groups.c    consumer groups: the position (ack floor), acks above
                     it, the events each group holds, and their durable
                     state (positions, acks, failed attempts)
      qf_sessions.c  worker sessions: HELLO/WELCOME, the window granted,
                     heartbeats and silence, which key owns a session, BYE
      qf_dispatch.c  what is delivered to whom: choosing the next event for
                     a session with room, DELIVER, ACK/NACK/EXTEND and a
                     result's command, leases, retry with backoff, dead
                     letters and their retry

    Nothing outside daemon/qf_delivery.c, qf_groups.c, qf_sessions.c and
    qf_dispatch.c includes this; the server sees qf_delivery.h only.
*/
#ifndef QF_DELIVERY_INT_H
#define QF_DELIVERY_INT_H

#include "qf_delivery.h"
#include "qf.h"

#include <stdlib.h>
#include <string.h>

typedef struct qf_group_t qf_group_t;
typedef struct qf_member_t qf_member_t;

typedef enum { E_INFLIGHT, E_WAITING, E_ACKED } qf_entry_state_t;

/* An event a group has handed out and not yet seen acknowledged. Owned by
   its group (entries or retries). */
typedef struct {
    uint64_t seq;                 /* event sequence number */
    char event_id[QF_ID_MAX + 1]; /* checked against ACKs */
    qf_member_t *member;          /* holder while E_INFLIGHT */
    int64_t deadline;             /* E_INFLIGHT: lease end; E_WAITING: not before */
    uint32_t attempt;             /* deliveries so far */
    qf_entry_state_t state;       /* in flight, waiting to go again, or acknowledged */
    bool failed;                  /* has a row in the deliveries table */
    bool pinned;                  /* a dead letter sent back: below the position */
    char last_error[256];         /* why the last attempt failed */
} qf_entry_t;

/* A change to the durable delivery state, written before the batch commits. */
typedef enum { OP_FAILED, OP_DEAD, OP_CLEARED } qf_op_kind_t;
typedef struct {
    qf_op_kind_t kind;            /* an attempt failed, a dead letter, or done */
    uint64_t seq;                 /* the event */
    uint32_t attempts;            /* deliveries so far */
    bool pinned;                  /* a dead letter sent back: below the position */
    char event_id[QF_ID_MAX + 1]; /* the event's id, for the dead-letter list */
    char error[256];              /* why the last attempt failed */
} qf_op_t;

/* Attempts of a failed event, remembered across restarts. */
typedef struct {
    uint64_t seq;      /* the event */
    uint32_t attempts; /* deliveries before the restart */
} qf_restored_attempt_t;

/* A live worker instance: one DEALER socket that said HELLO. Owned by the
   delivery's member list. */
struct qf_member_t {
    unsigned char routing[QF_ROUTING_MAX]; /* ROUTER peer id */
    size_t routing_size;                   /* bytes of routing */
    char instance[QF_ID_MAX + 1];          /* the worker's name for itself */
    char key[QF_PEER_KEY_MAX + 1];         /* with CURVE: the public key that said HELLO */
    char owner[QF_NAME_MAX + 1];           /* with CURVE: that certificate's name */
    qf_group_t *group;                     /* the group it belongs to */
    int window;                            /* most unacknowledged events */
    int in_flight;                         /* events it holds now */
    int64_t last_heard;                    /* monotonic ms of its last message */
    int64_t last_sent;                     /* monotonic ms of our last message to it */
    bool welcome_pending;                  /* WELCOME waits for the batch commit */
    bool packed;                           /* HELLO asked for PACKED, not DELIVER */
    qf_packed_t *pack;                     /* its deliveries of this pass, sent together at
                                              its end (qf_sessions__flush); owned */
    bool dead;                             /* to be removed after the current pass */
    qf_member_t *next;                     /* in the delivery's member list */
};

/* A consumer group: durable position plus what is in flight. Owned by the
   delivery's group list. */
struct qf_group_t {
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
    qf_entry_t *entries;   /* handed out, sorted by seq, from `head` */
    size_t head, count, cap;
    uint64_t *restored; /* acks above the floor found at load */
    size_t restored_count, restored_at;
    uint64_t *batch_acks; /* acks of the open batch, to persist */
    size_t batch_ack_count, batch_ack_cap;
    qf_op_t *ops; /* delivery-state changes of the open batch */
    size_t op_count, op_cap;
    qf_restored_attempt_t *attempts; /* failed events above the floor, at load */
    size_t attempt_count, attempt_cap, attempt_at;
    qf_entry_t *retries; /* dead letters sent back, below the floor */
    size_t retry_count, retry_cap;
    bool dirty;           /* position may have moved */
    size_t rr;            /* round-robin cursor */
    uint64_t acked_total; /* since start, for status */
    uint64_t redelivered_total;
    qf_group_t *next;
};

/* A message that may only be sent after the batch commits. */
typedef struct {
    qf_member_t *member; /* its session, or NULL once that has ended */
    qf_msg_t msg;        /* owned */
} qf_deferred_t;

/* An event acknowledged with a result in the open batch: if the batch is
   lost, so is the result, and the event goes out again. */
typedef struct {
    qf_group_t *group;
    uint64_t seq;
} qf_result_ref_t;

/* The delivery engine. Owned by the server. */
struct qf_delivery_t {
    qf_store_t *store;         /* not owned */
    const qf_config_t *config; /* not owned */
    void *socket;              /* worker ROUTER, not owned */
    qf_group_t *groups;        /* owned list */
    qf_member_t *members;      /* owned list */
    size_t member_count;
    uint64_t recovered_seq;  /* last seq at start: redeliveries may repeat */
    qf_deferred_t *deferred; /* sent after commit */
    size_t deferred_count, deferred_cap;
    qf_result_ref_t *result_entries; /* acked with results in the open batch */
    size_t result_count, result_cap;
    uint64_t dropped;   /* sessions ended because the worker's queue was full */
    uint64_t log_reads; /* reads of the event log by dispatch, for status */
};

/*  Makes room for `need` items of `size` bytes in *items (capacity *cap),
    doubling; false when out of memory (the items are kept). */
static inline bool
qf_delivery__grow (void **items, size_t *cap, size_t need, size_t size)
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

/*  Whether an event of `topic` is one the group subscribes to (inline: it
    is asked for every event dispatch reads). */
static inline bool
qf_groups__matches (const qf_group_t *group, const char *topic)
{
    for (size_t i = 0; i < group->topic_count; i++)
        if (qf_topic_matches (group->topics[i], topic))
            return true;
    return false;
}

/* Runs `body` with `entry` set to every entry a group holds: the window
   and the retries. */
#define FOR_EACH_ENTRY(group, entry, body)                                                         \
    do {                                                                                           \
        for (size_t _i = (group)->head; _i < (group)->count; _i++) {                               \
            qf_entry_t *entry = &(group)->entries[_i];                                             \
            body;                                                                                  \
        }                                                                                          \
        for (size_t _i = 0; _i < (group)->retry_count; _i++) {                                     \
            qf_entry_t *entry = &(group)->retries[_i];                                             \
            body;                                                                                  \
        }                                                                                          \
    } while (0)

/* qf_groups.c --------------------------------------------------------------- */

/*  Creates a group at position `floor` with the topics of a JSON array and
    links it first in the delivery's list; NULL when out of memory. */
qf_group_t *qf_groups__new (qf_delivery_t *self, const char *name, json_t *topics, uint64_t floor);
void qf_groups__free (qf_group_t *group);

/*  The group of that name; one being deleted is no longer found. */
qf_group_t *qf_groups__find (qf_delivery_t *self, const char *name);

/*  Sets a group's topics from a JSON array of patterns; 0 or QF_ENOMEM. */
int qf_groups__set_topics (qf_group_t *group, json_t *topics);

/*  A configured group's topics as a JSON array (new). */
json_t *qf_groups__topics_json (const qf_group_config_t *config);

/*  Groups that HELLOs created (or that the configuration no longer
    declares), which delivery.hello_groups_max bounds. */
int qf_groups__created_by_hello (qf_delivery_t *self);

/*  The entry of event `seq` in the group's window or retries, or NULL. */
qf_entry_t *qf_groups__entry (qf_group_t *group, uint64_t seq);

/*  Marks an entry acknowledged and records the ack for the batch: the
    position moves past it once the entries below are acknowledged too. */
void qf_groups__ack (qf_group_t *group, qf_entry_t *entry);

/*  Records a change to the durable delivery state of `entry`, written by
    qf_groups__persist before the batch commits. */
void qf_groups__record (qf_group_t *group, qf_op_kind_t kind, qf_entry_t *entry);

/*  Writes the positions, acks and delivery-state changes of the batch. */
int qf_groups__persist (qf_delivery_t *self);

/*  After the batch: once it has committed, the positions move and the
    acknowledged entries are dropped. */
void qf_groups__settle (qf_delivery_t *self, bool committed);

/*  Ends what groups.delete began in the batch that just ended. */
void qf_groups__finish_deletes (qf_delivery_t *self, bool committed);

/* qf_sessions.c ------------------------------------------------------------- */

/*  Sends a message to a session now; marks it dead when it is unreachable. */
void qf_sessions__send (qf_delivery_t *self, qf_member_t *member, qf_msg_t *msg);

/*  Sends each packed member's deliveries of this pass as one PACKED (or a
    few, at QF_PACKED_MAX events or QF_BODY_MAX bytes of payloads). */
void qf_sessions__flush (qf_delivery_t *self);

/*  Sends `member`'s pack now, if it holds anything. */
void qf_sessions__flush_member (qf_delivery_t *self, qf_member_t *member);

/*  Sends ERROR `status` to a routing id, session or not. */
void qf_sessions__send_error (qf_delivery_t *self, const unsigned char *routing,
                              size_t routing_size, int status, uint64_t seq, const char *reason);

/*  Ends a session: its events are released (a failed attempt, unless it
    said BYE) and it is freed. */
void qf_sessions__remove (qf_delivery_t *self, qf_member_t *member, const char *why);

/*  Removes the sessions marked dead in the pass that just ended. */
void qf_sessions__reap (qf_delivery_t *self);

/*  Sends what waited for the batch (WELCOME), or ends those sessions when
    the batch failed. */
void qf_sessions__after_commit (qf_delivery_t *self, bool committed);

/*  Heartbeats to quiet sessions; silent ones are marked dead. */
void qf_sessions__tick (qf_delivery_t *self, int64_t now);

/* qf_dispatch.c ------------------------------------------------------------- */

/*  Takes an entry back from its holder: it waits to be handed out again
    from `not_before` (monotonic ms). */
void qf_dispatch__release (qf_entry_t *entry, int64_t not_before);

/*  An attempt failed: retry after `delay` ms (-1: exponential backoff), or
    move the event to the dead-letter list after max_deliveries attempts. */
void qf_dispatch__fail (qf_delivery_t *self, qf_group_t *group, qf_entry_t *entry,
                        const char *error, int64_t delay);

/*  Handles ACK, NACK and EXTEND from a session. */
void qf_dispatch__ack (qf_delivery_t *self, qf_member_t *member, qf_msg_t *msg, qf_ctx_t *ctx);

/*  An ACKS from `member`: each of its seqs acked as by an ACK with {}.
    Seqs not awaiting an ack from the member's group are refused with one
    ERROR 409 for the message, naming how many and the first. */
void qf_dispatch__acks (qf_delivery_t *self, qf_member_t *member, qf_msg_t *msg);

/*  Writes a dead letter recorded in the batch: its row in the dead-letter
    list and the delivery.dead_lettered event. */
int qf_dispatch__dead_letter (qf_delivery_t *self, qf_group_t *group, const qf_op_t *op);

/*  After the batch: when it failed, the events whose results it lost go
    out again, with no attempt counted. */
void qf_dispatch__after_commit (qf_delivery_t *self, bool committed);

/*  Fails the events whose lease has run out, for redelivery. */
void qf_dispatch__expire_leases (qf_delivery_t *self, int64_t now);

#endif
