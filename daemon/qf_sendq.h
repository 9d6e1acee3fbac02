/*  =========================================================================
    qf_sendq — bytes queued for each peer of a ROUTER socket, bounded

    libzmq queues what the daemon sends to a peer until the peer reads it,
    and bounds that queue in messages only (ZMQ_SNDHWM). A client that sends
    requests and never reads the replies would make the daemon hold every
    reply. The send queue hands each reply's body to libzmq without a copy
    and counts its bytes against the peer until libzmq frees them (from its
    I/O thread, once they are written to the connection, or dropped with
    it): a reply that would take a peer past its budget is not sent. A peer
    that reads costs nothing here, however deep it pipelines; only what it
    leaves unread counts.

    Owned by the server, used from its thread; libzmq's I/O thread only
    lowers the counts, through the free function.
    =========================================================================
*/
#ifndef QF_SENDQ_H_INCLUDED
#define QF_SENDQ_H_INCLUDED

#include "qf_msg.h"

#include <stddef.h>
#include <stdint.h>

typedef struct _qf_sendq_t qf_sendq_t;

/* What a message costs besides its body: the frames libzmq keeps for it
   (a zmq_msg_t of 64 bytes each, routing id and fields). */
#define QF_SENDQ_OVERHEAD 512

/*  A send queue that lets each peer have at most `budget` bytes queued
    (body plus QF_SENDQ_OVERHEAD per message). NULL when out of memory. */
qf_sendq_t *qf_sendq_new (size_t budget);

/*  Forgets the peers; messages still in libzmq free their counts later.
    Safe to call twice. */
void qf_sendq_destroy (qf_sendq_t **self_p);

/*  Sends `msg` to the peer its routing id names, with `body` (`size`
    bytes, malloc'd; taken whatever happens) as its body frame. Returns 0,
    QF_EAGAIN when the peer's queue is full (its budget, or libzmq's high
    water mark): the message is dropped and counted; or another code from
    qf_msg_send (the peer is gone: QF_EIO). */
int qf_sendq_send (qf_sendq_t *self, qf_msg_t *msg, char *body, size_t size, void *socket);

/*  Forgets the peers that have nothing queued, so that the table holds
    only peers with unread messages. */
void qf_sendq_sweep (qf_sendq_t *self);

/*  Messages dropped because their peer's queue was full, since start. */
uint64_t qf_sendq_dropped (qf_sendq_t *self);

/*  Bytes queued now for the peer of a routing id (0 when unknown), and
    peers in the table: for tests. */
size_t qf_sendq_queued (qf_sendq_t *self, const unsigned char *routing, size_t routing_size);
size_t qf_sendq_peers (qf_sendq_t *self);

#endif
