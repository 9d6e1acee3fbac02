/*  test_phases — qf_phases: idle wake-ups are not kept, the window keeps
    the newest batches, status gives each phase's p50/p99/max and the
    phases of the batch at the 99th percentile and of the slowest, and a
    slow batch is described with its largest phases first; the commands'
    own times give the phases of the command at the 99th percentile.
*/
#include "qf_phases.h"
#include "qf_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A batch of one message with `commit_us` in commit and 10 us in execute. */
static qf_batch_time_t
s_batch (int64_t start_ms, int64_t commit_us)
{
    qf_batch_time_t batch = {0};
    batch.start_ns = start_ms * 1000000;
    batch.messages = 1;
    batch.ns[QF_PHASE_EXECUTE] = 10000;
    batch.ns[QF_PHASE_COMMIT] = commit_us * 1000;
    return batch;
}

static double
s_get (json_t *status, const char *a, const char *b, const char *c)
{
    json_t *value = json_object_get (status, a);
    if (b)
        value = json_object_get (value, b);
    if (c)
        value = json_object_get (value, c);
    return json_number_value (value);
}

QF_TEST (test_idle_wakeups_not_kept)
{
    qf_phases_t *phases = qf_phases_new ();
    QF_CHECK (phases != NULL);
    qf_batch_time_t idle = {0};
    idle.ns[QF_PHASE_DELIVER] = 500; /* nothing received, under a microsecond */
    QF_CHECK (qf_phases_add (phases, &idle) == 500);
    json_t *status = qf_phases_status (phases);
    QF_CHECK_EQ_INT ((int)json_integer_value (json_object_get (status, "batches")), 0);
    QF_CHECK (json_object_get (status, "p99_batch") == NULL);
    json_decref (status);
    idle.ns[QF_PHASE_DELIVER] = 2000000; /* a delivery pass of 2 ms is kept */
    qf_phases_add (phases, &idle);
    status = qf_phases_status (phases);
    QF_CHECK_EQ_INT ((int)json_integer_value (json_object_get (status, "batches")), 1);
    json_decref (status);
    qf_phases_destroy (&phases);
    QF_CHECK (phases == NULL);
    qf_phases_destroy (&phases); /* twice is safe */
}

QF_TEST (test_percentiles_and_the_p99_batch)
{
    qf_phases_t *phases = qf_phases_new ();
    /* 1000 batches: commits of 1..1000 us, one of them slow (50 ms). */
    for (int i = 1; i <= 1000; i++)
        qf_phases_add (phases, &(qf_batch_time_t){0}); /* idle: ignored */
    for (int i = 1; i <= 1000; i++) {
        qf_batch_time_t batch = s_batch (i, i == 500 ? 50000 : i);
        QF_CHECK (qf_phases_add (phases, &batch) == batch.ns[QF_PHASE_COMMIT] + 10000);
    }
    json_t *status = qf_phases_status (phases);
    QF_CHECK_EQ_INT ((int)json_integer_value (json_object_get (status, "batches")), 1000);
    QF_CHECK (fabs (s_get (status, "window_s", NULL, NULL) - 0.999) < 1e-9);
    QF_CHECK (fabs (s_get (status, "phases_ms", "commit", "max") - 50.0) < 1e-9);
    QF_CHECK (fabs (s_get (status, "phases_ms", "commit", "p50") - 0.502) < 1e-9);
    QF_CHECK (fabs (s_get (status, "phases_ms", "execute", "p99") - 0.010) < 1e-9);
    QF_CHECK (fabs (s_get (status, "phases_ms", "reply", "max")) < 1e-9);
    /* The batch at p99 of total time: index 990 of 1000 sorted (1..499, 501..1000, 50000). */
    QF_CHECK (fabs (s_get (status, "p99_batch", "commit", NULL) - 0.992) < 1e-9);
    QF_CHECK (fabs (s_get (status, "p99_batch", "total", NULL) - 1.002) < 1e-9);
    QF_CHECK (fabs (s_get (status, "slowest_batch", "commit", NULL) - 50.0) < 1e-9);
    QF_CHECK_EQ_INT ((int)s_get (status, "slowest_batch", "messages", NULL), 1);
    json_decref (status);
    qf_phases_destroy (&phases);
}

QF_TEST (test_window_keeps_the_newest)
{
    qf_phases_t *phases = qf_phases_new ();
    qf_batch_time_t slow = s_batch (0, 90000);
    qf_phases_add (phases, &slow);
    for (int i = 1; i <= QF_PHASES_WINDOW; i++) {
        qf_batch_time_t batch = s_batch (i, 100);
        qf_phases_add (phases, &batch);
    }
    json_t *status = qf_phases_status (phases);
    QF_CHECK_EQ_INT ((int)json_integer_value (json_object_get (status, "batches")),
                     QF_PHASES_WINDOW);
    /* The 90 ms batch has left the window. */
    QF_CHECK (fabs (s_get (status, "slowest_batch", "commit", NULL) - 0.1) < 1e-9);
    json_decref (status);
    qf_phases_destroy (&phases);
}

QF_TEST (test_requests_and_the_p99_request)
{
    qf_phases_t *phases = qf_phases_new ();
    qf_batch_time_t batch = s_batch (1, 100);
    qf_phases_add (phases, &batch);
    /* A command that waited for no commit, then the window's worth of
       commands: 0.1 ms in their batch, a commit of i us, a reply of 5 us;
       the slowest commit 40 ms. */
    qf_phases_request (phases, &(qf_request_time_t){900000000, 0, 0}); /* leaves the window */
    for (int i = 1; i <= QF_PHASES_WINDOW; i++) {
        int64_t commit = (i == 7 ? 40000 : i) * 1000;
        qf_phases_request (phases, &(qf_request_time_t){100000, commit, 5000});
    }
    json_t *status = qf_phases_status (phases);
    json_t *requests = json_object_get (status, "requests");
    QF_CHECK_EQ_INT ((int)json_integer_value (json_object_get (requests, "count")),
                     QF_PHASES_WINDOW);
    QF_CHECK (fabs (s_get (requests, "slowest_request", "commit", NULL) - 40.0) < 1e-9);
    QF_CHECK (fabs (s_get (requests, "slowest_request", "total", NULL) - 40.105) < 1e-9);
    /* The p99 command: index 4055 of 4096 sorted (1..6, 8..4096 us, 40 ms). */
    QF_CHECK (fabs (s_get (requests, "p99_request", "commit", NULL) - 4.057) < 1e-9);
    QF_CHECK (fabs (s_get (requests, "p99_request", "batch", NULL) - 0.1) < 1e-9);
    QF_CHECK (fabs (s_get (requests, "p99_request", "reply", NULL) - 0.005) < 1e-9);
    QF_CHECK (fabs (s_get (requests, "total_ms", "max", NULL) - 40.105) < 1e-9);
    json_decref (status);
    qf_phases_destroy (&phases);
}

QF_TEST (test_describe_largest_first)
{
    qf_batch_time_t batch = s_batch (0, 120000);
    batch.ns[QF_PHASE_CHECKPOINT] = 30000000;
    batch.ns[QF_PHASE_REPLY] = 40000; /* under 0.05 ms: left out */
    char text[256];
    qf_phases_describe (&batch, text, sizeof text);
    QF_CHECK_STR (text, "commit 120.00 ms, checkpoint 30.00 ms");
    char small[20];
    qf_phases_describe (&batch, small, sizeof small);
    QF_CHECK_STR (small, "commit 120.00 ms");
    QF_CHECK_STR (qf_phase_name (QF_PHASE_PUBLISH), "publish");
}

int
main (void)
{
    s_test_suite = "phases";
    QF_RUN (test_idle_wakeups_not_kept);
    QF_RUN (test_percentiles_and_the_p99_batch);
    QF_RUN (test_window_keeps_the_newest);
    QF_RUN (test_requests_and_the_p99_request);
    QF_RUN (test_describe_largest_first);
    return qf_test_done ();
}
