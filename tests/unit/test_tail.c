/*  test_tail — qf_tail: finding events by sequence number with the run of
    consecutive ones that follows, the bounds on events and bytes (oldest
    commits leave first, a commit larger than the bound stays alone), and
    what it must refuse to answer (gaps, newer and older events).
*/
#include "qf_tail.h"
#include "qf_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A commit of `n` events from `seq` on, each with a payload of `size` bytes. */
static qf_event_list_t
s_commit (uint64_t seq, size_t n, size_t size)
{
    qf_event_list_t list = {0};
    list.items = calloc (n, sizeof *list.items);
    list.arena = calloc (n, sizeof *list.arena);
    for (size_t i = 0; i < n; i++) {
        char *payload = malloc (size + 1);
        memset (payload, 'x', size);
        payload[size] = '\0';
        list.arena[list.arena_count++] = payload;
        list.items[i].seq = seq + i;
        snprintf (list.items[i].id, sizeof list.items[i].id, "%032llx",
                  (unsigned long long)(seq + i));
        list.items[i].topic = "qualification.created";
        list.items[i].subject = "qualification/1";
        list.items[i].payload = payload;
        list.items[i].payload_size = size;
    }
    list.count = n;
    return list;
}

QF_TEST (test_find_with_runs)
{
    qf_tail_t *tail = qf_tail_new (100, 1 << 20);
    qf_event_list_t a = s_commit (1, 3, 10), b = s_commit (4, 2, 10);
    qf_tail_push (tail, &a);
    qf_tail_push (tail, &b);
    QF_CHECK (a.count == 0 && a.items == NULL); /* taken over */
    size_t run = 0;
    const qf_event_t *e = qf_tail_find (tail, 2, &run);
    QF_CHECK (e && e->seq == 2 && run == 2); /* 2 and 3; 4 is in the next commit */
    e = qf_tail_find (tail, 4, &run);
    QF_CHECK (e && e->seq == 4 && run == 2 && e[1].seq == 5);
    QF_CHECK (qf_tail_find (tail, 6, &run) == NULL); /* not committed yet */
    QF_CHECK (qf_tail_find (tail, 0, &run) == NULL);
    QF_CHECK_EQ_INT ((int)qf_tail_events (tail), 5);
    QF_CHECK_EQ_INT ((int)qf_tail_bytes (tail), 50);
    qf_tail_destroy (&tail);
    QF_CHECK (tail == NULL);
}

QF_TEST (test_bounds_drop_oldest_commits)
{
    qf_tail_t *tail = qf_tail_new (10, 1 << 20);
    for (uint64_t seq = 1; seq <= 16; seq += 4) {
        qf_event_list_t list = s_commit (seq, 4, 8);
        qf_tail_push (tail, &list);
    }
    /* 16 events pushed in commits of 4, at most 10 kept: the last two commits. */
    size_t run;
    QF_CHECK_EQ_INT ((int)qf_tail_events (tail), 8);
    QF_CHECK (qf_tail_find (tail, 8, &run) == NULL);
    QF_CHECK (qf_tail_find (tail, 9, &run) != NULL && run == 4);
    qf_tail_destroy (&tail);

    tail = qf_tail_new (1000, 100);
    qf_event_list_t small = s_commit (1, 2, 40), big = s_commit (3, 3, 60);
    qf_tail_push (tail, &small);
    qf_tail_push (tail, &big); /* 180 bytes: alone, over the bound */
    QF_CHECK (qf_tail_find (tail, 1, &run) == NULL);
    QF_CHECK (qf_tail_find (tail, 3, &run) != NULL && run == 3);
    QF_CHECK_EQ_INT ((int)qf_tail_bytes (tail), 180);
    qf_event_list_t next = s_commit (6, 1, 10);
    qf_tail_push (tail, &next);
    QF_CHECK (qf_tail_find (tail, 3, &run) == NULL && qf_tail_find (tail, 6, &run) != NULL);
    qf_event_list_t empty = {0};
    qf_tail_push (tail, &empty); /* nothing committed: nothing changes */
    QF_CHECK_EQ_INT ((int)qf_tail_events (tail), 1);
    qf_tail_destroy (&tail);
}

QF_TEST (test_gap_is_left_to_the_log)
{
    qf_tail_t *tail = qf_tail_new (100, 1 << 20);
    qf_event_list_t list = s_commit (10, 4, 5);
    list.items[2].seq = 20; /* never happens; the tail must not guess */
    list.items[3].seq = 21;
    qf_tail_push (tail, &list);
    size_t run = 0;
    QF_CHECK (qf_tail_find (tail, 10, &run) != NULL && run == 2);
    QF_CHECK (qf_tail_find (tail, 12, &run) == NULL);
    qf_tail_destroy (&tail);
}

QF_TEST (test_ring_of_many_small_commits)
{
    qf_tail_t *tail = qf_tail_new (100000, 1 << 24);
    for (uint64_t seq = 1; seq <= 1000; seq++) {
        qf_event_list_t list = s_commit (seq, 1, 4);
        qf_tail_push (tail, &list);
    }
    /* More commits than the ring has slots: the newest ones stay, in order. */
    size_t run;
    const qf_event_t *e = qf_tail_find (tail, 1000, &run);
    QF_CHECK (e && e->seq == 1000 && run == 1);
    QF_CHECK (qf_tail_find (tail, 1, &run) == NULL);
    QF_CHECK (qf_tail_events (tail) > 0 && qf_tail_events (tail) < 1000);
    uint64_t oldest = 1000 - qf_tail_events (tail) + 1;
    QF_CHECK (qf_tail_find (tail, oldest, &run) != NULL);
    QF_CHECK (qf_tail_find (tail, oldest - 1, &run) == NULL);
    qf_tail_destroy (&tail);
}

int
main (void)
{
    s_test_suite = "tail";
    QF_RUN (test_find_with_runs);
    QF_RUN (test_bounds_drop_oldest_commits);
    QF_RUN (test_gap_is_left_to_the_log);
    QF_RUN (test_ring_of_many_small_commits);
    return qf_test_done ();
}
