/*  qf_sendq — bytes queued for each peer of a ROUTER socket; see qf_sendq.h. */
#include "qf_sendq.h"
#include "qf_error.h"
#include "qf_text.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define BUCKETS 256

/* One peer with messages in libzmq. Freed by whoever drops the last
   reference: the table (a sweep) or libzmq's I/O thread (the last free). */
typedef struct peer_s {
    atomic_size_t bytes;                   /* queued in libzmq now */
    atomic_int refs;                       /* 1 while in the table, plus 1 per message in libzmq */
    struct peer_s *next;                   /* in its bucket; server thread only */
    size_t routing_size;                   /* bytes of routing */
    unsigned char routing[QF_ROUTING_MAX]; /* the ROUTER's id of the peer */
} peer_t;

/* What one message in libzmq holds: its peer and what it counts there. */
typedef struct {
    peer_t *peer;
    size_t bytes;
} ticket_t;

struct _qf_sendq_t {
    peer_t *buckets[BUCKETS]; /* peers by hash of their routing id */
    size_t peers;             /* peers in the table */
    size_t budget;            /* most bytes queued per peer */
    uint64_t dropped;         /* messages not sent for a full queue */
};

static void
s_unref (peer_t *peer)
{
    if (atomic_fetch_sub (&peer->refs, 1) == 1)
        free (peer);
}

/* libzmq is done with a body: called from its I/O thread, or from the
   server's when a send fails. */
static void
s_freed (void *data, void *hint)
{
    ticket_t *ticket = hint;
    free (data);
    atomic_fetch_sub (&ticket->peer->bytes, ticket->bytes);
    s_unref (ticket->peer);
    free (ticket);
}

static size_t
s_hash (const unsigned char *routing, size_t size)
{
    return qf_text_fnv1a (QF_FNV1A_BASIS, routing, size) % BUCKETS;
}

static peer_t *
s_find (qf_sendq_t *self, const unsigned char *routing, size_t size)
{
    for (peer_t *peer = self->buckets[s_hash (routing, size)]; peer; peer = peer->next)
        if (peer->routing_size == size && memcmp (peer->routing, routing, size) == 0)
            return peer;
    return NULL;
}

qf_sendq_t *
qf_sendq_new (size_t budget)
{
    qf_sendq_t *self = calloc (1, sizeof *self);
    if (self)
        self->budget = budget;
    return self;
}

void
qf_sendq_destroy (qf_sendq_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_sendq_t *self = *self_p;
    for (size_t i = 0; i < BUCKETS; i++)
        while (self->buckets[i]) {
            peer_t *next = self->buckets[i]->next;
            s_unref (self->buckets[i]);
            self->buckets[i] = next;
        }
    free (self);
    *self_p = NULL;
}

int
qf_sendq_send (qf_sendq_t *self, qf_msg_t *msg, char *body, size_t size, void *socket)
{
    size_t cost = size + QF_SENDQ_OVERHEAD;
    peer_t *peer = s_find (self, msg->routing, msg->routing_size);
    if (peer && atomic_load (&peer->bytes) + cost > self->budget) {
        free (body);
        self->dropped++;
        return QF_EAGAIN;
    }
    ticket_t *ticket = malloc (sizeof *ticket);
    if (!peer && ticket) {
        peer = calloc (1, sizeof *peer);
        if (peer) {
            atomic_init (&peer->bytes, 0);
            atomic_init (&peer->refs, 1);
            peer->routing_size = msg->routing_size;
            memcpy (peer->routing, msg->routing, msg->routing_size);
            size_t bucket = s_hash (msg->routing, msg->routing_size);
            peer->next = self->buckets[bucket];
            self->buckets[bucket] = peer;
            self->peers++;
        }
    }
    if (!ticket || !peer) {
        free (ticket);
        free (body);
        return QF_ENOMEM;
    }
    ticket->peer = peer;
    ticket->bytes = cost;
    atomic_fetch_add (&peer->refs, 1);
    atomic_fetch_add (&peer->bytes, cost);
    msg->raw = body;
    msg->raw_size = size;
    msg->raw_free = s_freed;
    msg->raw_hint = ticket;
    int rc = qf_msg_send (msg, socket, ZMQ_DONTWAIT);
    msg->raw = NULL;
    msg->raw_free = NULL;
    msg->raw_hint = NULL;
    if (rc == QF_EAGAIN)
        self->dropped++;
    return rc;
}

void
qf_sendq_sweep (qf_sendq_t *self)
{
    for (size_t i = 0; i < BUCKETS; i++) {
        peer_t **link = &self->buckets[i];
        while (*link) {
            peer_t *peer = *link;
            if (atomic_load (&peer->bytes) == 0) {
                *link = peer->next;
                self->peers--;
                s_unref (peer);
            } else
                link = &peer->next;
        }
    }
}

uint64_t
qf_sendq_dropped (qf_sendq_t *self)
{
    return self->dropped;
}

size_t
qf_sendq_queued (qf_sendq_t *self, const unsigned char *routing, size_t routing_size)
{
    peer_t *peer = s_find (self, routing, routing_size);
    return peer ? atomic_load (&peer->bytes) : 0;
}

size_t
qf_sendq_peers (qf_sendq_t *self)
{
    return self->peers;
}
