/*  qf_subs — who listens on the event socket; see qf_subs.h. */
#include "qf_subs.h"
#include "qf_msg.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

struct _qf_subs_t {
    zhashx_t *prefixes; /* prefix (string) -> itself; subscribed now */
    uint64_t ignored;   /* messages that were no subscription */
    bool overflowed;    /* a subscribe found the set full */
};

qf_subs_t *
qf_subs_new (void)
{
    qf_subs_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->prefixes = zhashx_new ();
    if (!self->prefixes) {
        free (self);
        return NULL;
    }
    return self;
}

void
qf_subs_destroy (qf_subs_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->prefixes);
    free (*self_p);
    *self_p = NULL;
}

/* Applies one message: 1 or 0, then a prefix. */
static void
s_apply (qf_subs_t *self, const unsigned char *data, size_t size)
{
    char prefix[QF_TOPIC_MAX + 1];
    size_t length = size ? size - 1 : 0;
    if (size == 0 || data[0] > 1 || length > QF_TOPIC_MAX || memchr (data + 1, 0, length) != NULL) {
        self->ignored++;
        return;
    }
    memcpy (prefix, data + 1, length);
    prefix[length] = 0;
    if (data[0] == 0)
        zhashx_delete (self->prefixes, prefix); /* one never subscribed changes nothing */
    else if (zhashx_size (self->prefixes) < QF_SUBS_MAX)
        zhashx_insert (self->prefixes, prefix, self); /* any item but NULL */
    else if (!zhashx_lookup (self->prefixes, prefix)) {
        /* Not kept, so its unsubscribe could not be told apart: from now
           on, everyone is taken to listen. */
        self->overflowed = true;
    }
}

int
qf_subs_read (qf_subs_t *self, void *socket, int max)
{
    int read = 0;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (read < max && zmq_msg_recv (&msg, socket, ZMQ_DONTWAIT) >= 0) {
        s_apply (self, zmq_msg_data (&msg), zmq_msg_size (&msg));
        read++;
    }
    zmq_msg_close (&msg);
    return read;
}

bool
qf_subs_any (const qf_subs_t *self)
{
    return self->overflowed || zhashx_size (self->prefixes) > 0;
}

size_t
qf_subs_prefixes (const qf_subs_t *self)
{
    return zhashx_size (self->prefixes);
}

uint64_t
qf_subs_ignored (const qf_subs_t *self)
{
    return self->ignored;
}

bool
qf_subs_overflowed (const qf_subs_t *self)
{
    return self->overflowed;
}
