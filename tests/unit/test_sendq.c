/*  test_sendq — qf_sendq over a real ROUTER and DEALER (inproc, so that
    libzmq frees a message when the DEALER reads it): a peer that does not
    read gets no more than its budget, the rest is dropped and counted; once
    it reads, its count falls back to zero and it is sent to again; a
    message to a peer that is gone frees its body (the sanitizers would
    report a leak) and is not counted as dropped.
*/
#include "qf_error.h"
#include "qf_sendq.h"
#include "qf_test.h"

#include <czmq.h>
#include <string.h>

#define BODY   10240
#define BUDGET (6 * (BODY + QF_SENDQ_OVERHEAD) + 100)

/* A REPLY to `routing`, and a body of BODY bytes that the send queue takes. */
static char *
s_reply (qf_msg_t *msg, const unsigned char *routing, size_t routing_size)
{
    memset (msg, 0, sizeof *msg);
    msg->id = QF_MSG_REPLY;
    memcpy (msg->routing, routing, routing_size);
    msg->routing_size = routing_size;
    snprintf (msg->request_id, sizeof msg->request_id, "r1");
    msg->status = 200;
    char *body = malloc (BODY + 1);
    memset (body, ' ', BODY);
    body[0] = '{';
    body[BODY - 1] = '}';
    body[BODY] = 0;
    return body;
}

QF_TEST (test_budget_per_peer)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    zsock_set_router_mandatory (router, 1);
    QF_CHECK (zsock_bind (router, "inproc://sendq") == 0);
    zsock_t *dealer = zsock_new_dealer (">inproc://sendq");
    QF_CHECK (dealer != NULL);
    /* The DEALER speaks first, so that the ROUTER knows its id. */
    zstr_send (dealer, "hello");
    zmsg_t *first = zmsg_recv (router);
    QF_CHECK (first != NULL);
    zframe_t *id = zmsg_pop (first);
    qf_sendq_t *sendq = qf_sendq_new (BUDGET);
    QF_CHECK (sendq != NULL);

    qf_msg_t msg;
    int sent = 0, rc = 0;
    while (sent < 100) {
        char *body = s_reply (&msg, zframe_data (id), zframe_size (id));
        rc = qf_sendq_send (sendq, &msg, body, BODY, zsock_resolve (router));
        if (rc)
            break;
        sent++;
    }
    QF_CHECK_EQ_INT (rc, QF_EAGAIN);
    QF_CHECK_EQ_INT (sent, 6);
    QF_CHECK_EQ_INT ((int)qf_sendq_dropped (sendq), 1);
    QF_CHECK (qf_sendq_queued (sendq, zframe_data (id), zframe_size (id)) <= BUDGET);
    QF_CHECK_EQ_INT ((int)qf_sendq_peers (sendq), 1);

    /* The peer reads: libzmq frees each body, and its count follows. */
    for (int i = 0; i < sent; i++) {
        zmsg_t *reply = zmsg_recv (dealer);
        QF_CHECK (reply != NULL);
        zframe_t *last = zmsg_last (reply);
        QF_CHECK_EQ_INT ((int)zframe_size (last), BODY);
        zmsg_destroy (&reply);
    }
    QF_CHECK_EQ_INT ((int)qf_sendq_queued (sendq, zframe_data (id), zframe_size (id)), 0);
    char *body = s_reply (&msg, zframe_data (id), zframe_size (id));
    QF_CHECK_EQ_INT (qf_sendq_send (sendq, &msg, body, BODY, zsock_resolve (router)), 0);
    zmsg_t *reply = zmsg_recv (dealer);
    QF_CHECK (reply != NULL);
    zmsg_destroy (&reply);

    /* Nothing queued: the sweep forgets the peer. */
    qf_sendq_sweep (sendq);
    QF_CHECK_EQ_INT ((int)qf_sendq_peers (sendq), 0);

    /* A peer that is gone: the body is freed, nothing counted as dropped. */
    body = s_reply (&msg, (const unsigned char *)"\0nobody", 7);
    QF_CHECK (qf_sendq_send (sendq, &msg, body, BODY, zsock_resolve (router)) == QF_EIO);
    QF_CHECK_EQ_INT ((int)qf_sendq_dropped (sendq), 1);
    qf_sendq_sweep (sendq);
    QF_CHECK_EQ_INT ((int)qf_sendq_peers (sendq), 0);

    qf_sendq_destroy (&sendq);
    qf_sendq_destroy (&sendq);
    QF_CHECK (sendq == NULL);
    zframe_destroy (&id);
    zmsg_destroy (&first);
    zsock_destroy (&dealer);
    zsock_destroy (&router);
}

/* A queue destroyed while a peer still holds unread messages: the bodies
   are freed when libzmq drops them, after the queue is gone. */
QF_TEST (test_destroy_with_messages_in_flight)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    zsock_set_router_mandatory (router, 1);
    QF_CHECK (zsock_bind (router, "inproc://sendq-late") == 0);
    zsock_t *dealer = zsock_new_dealer (">inproc://sendq-late");
    zstr_send (dealer, "hello");
    zmsg_t *first = zmsg_recv (router);
    QF_CHECK (first != NULL);
    zframe_t *id = zmsg_pop (first);
    qf_sendq_t *sendq = qf_sendq_new (BUDGET);
    qf_msg_t msg;
    for (int i = 0; i < 3; i++) {
        char *body = s_reply (&msg, zframe_data (id), zframe_size (id));
        QF_CHECK_EQ_INT (qf_sendq_send (sendq, &msg, body, BODY, zsock_resolve (router)), 0);
    }
    qf_sendq_destroy (&sendq);
    zmsg_t *reply = zmsg_recv (dealer);
    QF_CHECK (reply != NULL);
    zmsg_destroy (&reply);
    zframe_destroy (&id);
    zmsg_destroy (&first);
    zsock_destroy (&dealer);
    zsock_destroy (&router);
}

int
main (void)
{
    s_test_suite = "sendq";
    QF_RUN (test_budget_per_peer);
    QF_RUN (test_destroy_with_messages_in_flight);
    return qf_test_done ();
}
