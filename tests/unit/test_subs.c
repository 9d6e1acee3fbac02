/*  test_subs — qf_subs over a real XPUB and real SUB and XSUB sockets
    (inproc): the first subscribe of a prefix and its last unsubscribe are
    what libzmq passes on, so two subscribers of one prefix count once and
    the second leaving keeps it; a subscriber that goes unsubscribes its
    prefixes; frames that are no subscription are counted and dropped; a
    read takes at most the messages it is allowed; past QF_SUBS_MAX
    prefixes everyone is taken to listen.
*/
#include "qf_msg.h"
#include "qf_subs.h"
#include "qf_test.h"

#include <czmq.h>

/* Reads what the XPUB has until `want` messages were read or 2 s passed
   (inproc hands messages over asynchronously); returns how many. */
static int
s_read (qf_subs_t *subs, zsock_t *xpub, int want)
{
    int got = 0;
    for (int turn = 0; turn < 200 && got < want; turn++) {
        zmq_pollitem_t item = {zsock_resolve (xpub), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, 10) > 0)
            got += qf_subs_read (subs, zsock_resolve (xpub), want - got);
    }
    return got;
}

QF_TEST (test_prefixes_follow_subscribers)
{
    zsock_t *xpub = zsock_new (ZMQ_XPUB);
    QF_CHECK (zsock_bind (xpub, "inproc://subs-1") == 0);
    qf_subs_t *subs = qf_subs_new ();
    QF_CHECK (subs && !qf_subs_any (subs));
    zsock_t *first = zsock_new_sub (">inproc://subs-1", "qualification.");
    QF_CHECK_EQ_INT (s_read (subs, xpub, 1), 1);
    QF_CHECK (qf_subs_any (subs));
    QF_CHECK_EQ_INT ((int)qf_subs_prefixes (subs), 1);
    /* The same prefix again, from another subscriber: libzmq passes nothing. */
    zsock_t *second = zsock_new_sub (">inproc://subs-1", "qualification.");
    zsock_set_subscribe (second, "contract.");
    QF_CHECK_EQ_INT (s_read (subs, xpub, 1), 1);
    QF_CHECK_EQ_INT ((int)qf_subs_prefixes (subs), 2);
    zsock_destroy (&second); /* its contract. goes; qualification. stays the first's */
    QF_CHECK_EQ_INT (s_read (subs, xpub, 1), 1);
    QF_CHECK_EQ_INT ((int)qf_subs_prefixes (subs), 1);
    QF_CHECK_EQ_INT (s_read (subs, xpub, 1), 0);
    QF_CHECK (qf_subs_any (subs));
    zsock_set_unsubscribe (first, "qualification.");
    QF_CHECK_EQ_INT (s_read (subs, xpub, 1), 1);
    QF_CHECK (!qf_subs_any (subs));
    zsock_set_subscribe (first, "");
    QF_CHECK_EQ_INT (s_read (subs, xpub, 1), 1);
    QF_CHECK (qf_subs_any (subs));
    zsock_destroy (&first);
    QF_CHECK_EQ_INT (s_read (subs, xpub, 1), 1);
    QF_CHECK (!qf_subs_any (subs));
    QF_CHECK_EQ_INT ((int)qf_subs_ignored (subs), 0);
    qf_subs_destroy (&subs);
    qf_subs_destroy (&subs);
    zsock_destroy (&xpub);
}

QF_TEST (test_malformed_frames_are_dropped)
{
    zsock_t *xpub = zsock_new (ZMQ_XPUB);
    QF_CHECK (zsock_bind (xpub, "inproc://subs-2") == 0);
    qf_subs_t *subs = qf_subs_new ();
    zsock_t *xsub = zsock_new (ZMQ_XSUB);
    QF_CHECK (zsock_connect (xsub, "inproc://subs-2") == 0);
    char longest[1 + QF_TOPIC_MAX], too_long[1 + QF_TOPIC_MAX + 1];
    longest[0] = too_long[0] = 1;
    memset (longest + 1, 'q', QF_TOPIC_MAX);
    memset (too_long + 1, 'q', QF_TOPIC_MAX + 1);
    zmq_send (zsock_resolve (xsub), "", 0, 0);
    zmq_send (zsock_resolve (xsub), "\x02x", 2, 0);
    zmq_send (zsock_resolve (xsub), "\x01\x61\x00b", 4, 0); /* a NUL: no topic has one */
    zmq_send (zsock_resolve (xsub), too_long, sizeof too_long, 0);
    zmq_send (zsock_resolve (xsub), "\x05x", 2, ZMQ_SNDMORE);
    zmq_send (zsock_resolve (xsub), "y", 1, 0);
    zmq_send (zsock_resolve (xsub), longest, sizeof longest, 0);
    QF_CHECK_EQ_INT (s_read (subs, xpub, 7), 7);
    QF_CHECK_EQ_INT ((int)qf_subs_ignored (subs), 6);
    QF_CHECK_EQ_INT ((int)qf_subs_prefixes (subs), 1); /* the longest a topic may be */
    zsock_destroy (&xsub);
    QF_CHECK_EQ_INT (s_read (subs, xpub, 2), 2); /* both its prefixes go */
    QF_CHECK (!qf_subs_any (subs));
    qf_subs_destroy (&subs);
    zsock_destroy (&xpub);
}

QF_TEST (test_reads_are_bounded_and_the_set_too)
{
    zsock_t *xpub = zsock_new (ZMQ_XPUB);
    zsock_set_rcvhwm (xpub, 0);
    QF_CHECK (zsock_bind (xpub, "inproc://subs-3") == 0);
    qf_subs_t *subs = qf_subs_new ();
    zsock_t *xsub = zsock_new (ZMQ_XSUB);
    zsock_set_sndhwm (xsub, 0);
    QF_CHECK (zsock_connect (xsub, "inproc://subs-3") == 0);
    int total = QF_SUBS_MAX + 500;
    for (int i = 0; i < total; i++) {
        char sub[16];
        int size = snprintf (sub, sizeof sub, "\x01p%d", i);
        zmq_send (zsock_resolve (xsub), sub, (size_t)size, 0);
    }
    zmq_pollitem_t item = {zsock_resolve (xpub), 0, ZMQ_POLLIN, 0};
    QF_CHECK (zmq_poll (&item, 1, 2000) == 1);
    QF_CHECK_EQ_INT (qf_subs_read (subs, zsock_resolve (xpub), 1000), 1000);
    QF_CHECK_EQ_INT ((int)qf_subs_prefixes (subs), 1000);
    QF_CHECK_EQ_INT (s_read (subs, xpub, total - 1000), total - 1000);
    QF_CHECK_EQ_INT ((int)qf_subs_prefixes (subs), QF_SUBS_MAX);
    QF_CHECK (qf_subs_overflowed (subs));
    zsock_destroy (&xsub);
    QF_CHECK_EQ_INT (s_read (subs, xpub, total), total);
    QF_CHECK_EQ_INT ((int)qf_subs_prefixes (subs), 0);
    QF_CHECK (qf_subs_any (subs)); /* the prefixes not kept cannot be told gone */
    qf_subs_destroy (&subs);
    zsock_destroy (&xpub);
}

int
main (void)
{
    s_test_suite = "subs";
    QF_RUN (test_prefixes_follow_subscribers);
    QF_RUN (test_malformed_frames_are_dropped);
    QF_RUN (test_reads_are_bounded_and_the_set_too);
    return qf_test_done ();
}
