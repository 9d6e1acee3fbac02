/*  test_sync — qf_sync on a real file: generations asked for become
    durable in order and one sync covers all asked for while it ran; the
    descriptor wakes a poll and is emptied; a WAL file that cannot be
    opened is a failure that stays, with its reason, and wakes the loop;
    destroy returns with requests outstanding.
*/
#include "qf_sync.h"
#include "qf_test.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A temporary file standing for the WAL; its path in `path`. */
static void
s_wal (char *path, size_t size)
{
    snprintf (path, size, "/tmp/qf-test-sync-XXXXXX");
    int fd = mkstemp (path);
    if (fd >= 0) {
        (void)!write (fd, "frames", 6);
        close (fd);
    }
}

static bool
s_readable (int fd, int timeout_ms)
{
    struct pollfd item = {fd, POLLIN, 0};
    return poll (&item, 1, timeout_ms) == 1;
}

QF_TEST (test_generations_become_durable)
{
    char path[64], error[256];
    s_wal (path, sizeof path);
    qf_sync_t *sync = qf_sync_new (path, error, sizeof error);
    QF_CHECK (sync != NULL);
    if (!sync)
        return;
    QF_CHECK (qf_sync_peek (sync) == 0);
    QF_CHECK (!s_readable (qf_sync_fd (sync), 0));
    /* No sync yet: the figures are zeros. */
    json_t *none = qf_sync_status (sync);
    QF_CHECK (json_integer_value (json_object_get (none, "syncs")) == 0);
    QF_CHECK (json_real_value (json_object_get (json_object_get (none, "sync_ms"), "max")) == 0);
    json_decref (none);
    /* Nothing asked: waiting for it returns at once. */
    QF_CHECK (qf_sync_wait (sync, 5) == 0);
    qf_sync_request (sync, 1);
    QF_CHECK (qf_sync_wait (sync, 1) >= 1);
    QF_CHECK (s_readable (qf_sync_fd (sync), 1000));
    QF_CHECK (qf_sync_done (sync) == 1);
    QF_CHECK (!s_readable (qf_sync_fd (sync), 0)); /* emptied */
    /* Many asked in a row: the last is reached, by fewer syncs than asks. */
    for (uint64_t gen = 2; gen <= 200; gen++)
        qf_sync_request (sync, gen);
    QF_CHECK (qf_sync_wait (sync, 200) == 200);
    qf_sync_done (sync);
    /* An older generation asked again changes nothing. */
    qf_sync_request (sync, 150);
    QF_CHECK (qf_sync_peek (sync) == 200);
    json_t *status = qf_sync_status (sync);
    json_int_t syncs = json_integer_value (json_object_get (status, "syncs"));
    QF_CHECK (syncs >= 2 && syncs <= 200);
    QF_CHECK (json_real_value (json_object_get (status, "generations_per_sync")) >= 1.0);
    QF_CHECK (json_object_get (json_object_get (status, "sync_ms"), "p99") != NULL);
    json_decref (status);
    char why[256];
    QF_CHECK (qf_sync_failed (sync, why, sizeof why) == 0);
    qf_sync_request (sync, 201);
    qf_sync_destroy (&sync); /* with a request perhaps in hand */
    QF_CHECK (sync == NULL);
    unlink (path);
}

QF_TEST (test_a_wal_that_cannot_be_opened_fails_and_stays_failed)
{
    char error[256], why[256];
    qf_sync_t *sync = qf_sync_new ("/nonexistent-dir/db-wal", error, sizeof error);
    QF_CHECK (sync != NULL);
    if (!sync)
        return;
    qf_sync_request (sync, 1);
    QF_CHECK (qf_sync_wait (sync, 1) == 0);
    QF_CHECK (s_readable (qf_sync_fd (sync), 1000)); /* the loop is woken */
    QF_CHECK (qf_sync_failed (sync, why, sizeof why) == 1);
    QF_CHECK (strstr (why, "/nonexistent-dir/db-wal") != NULL);
    QF_CHECK (strstr (why, "No such file") != NULL);
    qf_sync_request (sync, 2);
    QF_CHECK (qf_sync_wait (sync, 2) == 0);
    QF_CHECK (qf_sync_failed (sync, why, sizeof why) == 1);
    qf_sync_destroy (&sync);
}

int
main (void)
{
    s_test_suite = "sync";
    QF_RUN (test_generations_become_durable);
    QF_RUN (test_a_wal_that_cannot_be_opened_fails_and_stays_failed);
    return qf_test_done ();
}
