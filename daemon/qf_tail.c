/*  qf_tail — the newest committed events in memory; see qf_tail.h. */
#include "qf_tail.h"

#include <stdlib.h>
#include <string.h>

#define RING_SIZE 256 /* commits held at most */

struct _qf_tail_t {
    qf_event_list_t ring[RING_SIZE]; /* oldest at `first`, `count` in use */
    size_t ring_bytes[RING_SIZE];    /* payload bytes of each commit */
    size_t first, count;
    size_t events, bytes; /* totals over the ring */
    size_t max_events, max_bytes;
};

static size_t
s_list_bytes (const qf_event_list_t *list)
{
    size_t bytes = 0;
    for (size_t i = 0; i < list->count; i++)
        bytes += list->items[i].payload_size;
    return bytes;
}

/* Drops the oldest commit. */
static void
s_drop_oldest (qf_tail_t *self)
{
    qf_event_list_t *oldest = &self->ring[self->first];
    self->events -= oldest->count;
    self->bytes -= self->ring_bytes[self->first];
    qf_event_list_free (oldest);
    self->first = (self->first + 1) % RING_SIZE;
    self->count--;
}

qf_tail_t *
qf_tail_new (size_t max_events, size_t max_bytes)
{
    qf_tail_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->max_events = max_events;
    self->max_bytes = max_bytes;
    return self;
}

void
qf_tail_destroy (qf_tail_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_tail_t *self = *self_p;
    while (self->count)
        s_drop_oldest (self);
    free (self);
    *self_p = NULL;
}

void
qf_tail_push (qf_tail_t *self, qf_event_list_t *list)
{
    if (list->count == 0) {
        qf_event_list_free (list);
        return;
    }
    size_t bytes = s_list_bytes (list);
    while (self->count &&
           (self->count == RING_SIZE || self->events + list->count > self->max_events ||
            self->bytes + bytes > self->max_bytes))
        s_drop_oldest (self);
    size_t slot = (self->first + self->count) % RING_SIZE;
    self->ring[slot] = *list;
    self->ring_bytes[slot] = bytes;
    self->count++;
    self->events += list->count;
    self->bytes += bytes;
    memset (list, 0, sizeof *list);
}

const qf_event_t *
qf_tail_find (qf_tail_t *self, uint64_t seq, size_t *run_p)
{
    /* Newest first: a caught-up group asks for the last commit. */
    for (size_t k = self->count; k-- > 0;) {
        const qf_event_list_t *list = &self->ring[(self->first + k) % RING_SIZE];
        uint64_t low = list->items[0].seq, high = list->items[list->count - 1].seq;
        if (seq > high)
            return NULL; /* newer than anything held */
        if (seq < low)
            continue;
        size_t at = (size_t)(seq - low);
        if (at >= list->count || list->items[at].seq != seq)
            return NULL; /* not consecutive: let the log answer */
        size_t run = 1;
        while (at + run < list->count && list->items[at + run].seq == seq + run)
            run++;
        *run_p = run;
        return &list->items[at];
    }
    return NULL;
}

size_t
qf_tail_events (qf_tail_t *self)
{
    return self->events;
}

size_t
qf_tail_bytes (qf_tail_t *self)
{
    return self->bytes;
}
