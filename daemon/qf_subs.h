/*  =========================================================================
    qf_subs — who listens on the event socket, from its XPUB's subscriptions

    Publishing an event costs libzmq its frames even when nobody is
    subscribed (about 4,000 instructions per event). The event socket is an
    XPUB, which hands the daemon the subscriptions its peers send: without
    ZMQ_XPUB_VERBOSE, the first subscribe of a prefix (1 and the prefix) and
    the last unsubscribe of it (0 and the prefix, also sent for each prefix
    of a peer that disconnects). The set of prefixes subscribed now says
    whether anyone listens; the server publishes only then.

    libzmq also passes up an unsubscribe of a prefix the sending peer never
    subscribed (no ZeroMQ SUB sends one): one of a prefix not in the set is
    ignored. Anything else a peer sends (a frame that is not 1 or 0 and a
    prefix, a prefix longer than a topic (QF_TOPIC_MAX) or holding a NUL
    byte, which no topic matches) is dropped and counted. Past SUBS_MAX
    distinct prefixes the set stops growing and everyone is taken to
    listen from then on, so that a flood of prefixes costs a bounded
    memory and never silences a subscriber.

    Owned by the server, used from its thread.
    =========================================================================
*/
#ifndef QF_SUBS_H_INCLUDED
#define QF_SUBS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _qf_subs_t qf_subs_t;

/* The most distinct prefixes kept. */
#define QF_SUBS_MAX 10000

/* An empty set; NULL when out of memory. */
qf_subs_t *qf_subs_new (void);

/* Safe to call twice. */
void qf_subs_destroy (qf_subs_t **self_p);

/*  Reads at most `max` messages waiting on the XPUB `socket`, without
    waiting, and applies them. Returns how many it read: `max` means more
    may wait. */
int qf_subs_read (qf_subs_t *self, void *socket, int max);

/* Whether anyone listens: a prefix is subscribed, or the set overflowed. */
bool qf_subs_any (const qf_subs_t *self);

/* Distinct prefixes subscribed now (those kept: at most QF_SUBS_MAX). */
size_t qf_subs_prefixes (const qf_subs_t *self);

/* Messages dropped since start because they were not a subscription. */
uint64_t qf_subs_ignored (const qf_subs_t *self);

/* Whether the set overflowed QF_SUBS_MAX (since start). */
bool qf_subs_overflowed (const qf_subs_t *self);

#endif
