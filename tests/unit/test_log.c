/*  test_log — qf_log's repeat limiting: an identical warning or error is
    printed once per window and counted in between, the count comes out as
    "repeated N more times" when the window ends or at a flush, nothing is
    lost when more texts repeat than the table holds or when threads log at
    once, and debug and info records are never held back.
*/
#include "qf_log.h"
#include "qf_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the records wrote to stderr between s_capture_begin and _end. */
typedef struct {
    FILE *file;   /* where stderr went */
    int saved;    /* the real stderr */
    char *text;   /* after _end: what was written (owned) */
    int lines;    /* ... its lines */
    long records; /* ... and the records they stand for: a summary line
                     "(repeated N more times ...)" stands for its N */
} capture_t;

/* Sends stderr to a file, with a repeat window of `repeat_ms`. */
static void
s_capture_begin (capture_t *capture, int repeat_ms)
{
    qf_log_set_repeat_ms (repeat_ms);
    memset (capture, 0, sizeof *capture);
    fflush (stderr);
    capture->file = tmpfile ();
    capture->saved = dup (2);
    dup2 (fileno (capture->file), 2);
}

/* Prints every pending count (qf_log_flush), restores stderr and the
   default window, and counts. */
static void
s_capture_end (capture_t *capture)
{
    qf_log_flush (true);
    qf_log_set_repeat_ms (10000);
    fflush (stderr);
    dup2 (capture->saved, 2);
    close (capture->saved);
    long size = ftell (capture->file);
    capture->text = calloc (1, (size_t)(size > 0 ? size : 0) + 1);
    rewind (capture->file);
    if (size > 0 && fread (capture->text, 1, (size_t)size, capture->file) != (size_t)size)
        capture->text[0] = '\0';
    fclose (capture->file);
    for (const char *p = capture->text; *p; p++)
        capture->lines += *p == '\n';
    capture->records = capture->lines;
    const char *mark = "(repeated ";
    for (const char *p = strstr (capture->text, mark); p; p = strstr (p + 1, mark))
        capture->records += strtol (p + strlen (mark), NULL, 10) - 1;
}

static void
s_sleep_ms (int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep (&ts, NULL);
}

QF_TEST (test_identical_errors_are_counted)
{
    capture_t capture;
    s_capture_begin (&capture, 60000);
    for (int i = 0; i < 1000; i++)
        qf_error ("database x.db: COMMIT failed: database or disk is full");
    qf_warn ("database x.db: COMMIT failed: database or disk is full"); /* another level */
    qf_error ("something else");
    s_capture_end (&capture);
    bool summary =
        strstr (capture.text, "ERROR database x.db: COMMIT failed: database or disk is full "
                              "(repeated 999 more times in the last ") != NULL;
    free (capture.text);
    QF_CHECK_EQ_INT (capture.lines, 4);
    QF_CHECK_EQ_INT (capture.records, 1002);
    QF_CHECK (summary);
}

QF_TEST (test_debug_and_info_are_never_held_back)
{
    qf_log_set_level (QF_LOG_DEBUG);
    capture_t capture;
    s_capture_begin (&capture, 60000);
    for (int i = 0; i < 5; i++) {
        qf_info ("worker legal-1 joined group legal");
        qf_debug ("reply could not be sent");
    }
    s_capture_end (&capture);
    free (capture.text);
    qf_log_set_level (QF_LOG_INFO);
    QF_CHECK_EQ_INT (capture.lines, 10);
}

QF_TEST (test_window_end_prints_the_count)
{
    /* Only waits longer than the window: a slow machine cannot change the result. */
    capture_t capture;
    s_capture_begin (&capture, 1000);
    for (int i = 0; i < 10; i++)
        qf_error ("disk full");
    qf_log_flush (false); /* the window is open: nothing yet */
    s_sleep_ms (1100);
    qf_log_flush (false); /* the window ended: its count */
    s_sleep_ms (1100);
    qf_log_flush (false);   /* a quiet window: nothing */
    qf_error ("disk full"); /* quiet for a window: printed again */
    s_capture_end (&capture);
    bool nine =
        strstr (capture.text, "ERROR disk full (repeated 9 more times in the last ") != NULL;
    free (capture.text);
    QF_CHECK_EQ_INT (capture.lines, 3);
    QF_CHECK (nine);
}

QF_TEST (test_more_texts_than_slots_lose_nothing)
{
    capture_t capture;
    s_capture_begin (&capture, 60000);
    /* 40 texts, each three times in a row: every count is printed when
       its slot is taken by a newer text or at the flush. */
    for (int t = 0; t < 40; t++)
        for (int i = 0; i < 3; i++)
            qf_error ("failure number %d", t);
    s_capture_end (&capture);
    free (capture.text);
    QF_CHECK_EQ_INT (capture.records, 120);
    QF_CHECK_EQ_INT (capture.lines, 80);
}

static void *
s_storm (void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++)
        qf_error ("checkpoint failed: database or disk is full");
    return NULL;
}

QF_TEST (test_threads_share_the_count)
{
    capture_t capture;
    s_capture_begin (&capture, 60000);
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        pthread_create (&threads[i], NULL, s_storm, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join (threads[i], NULL);
    s_capture_end (&capture);
    free (capture.text);
    QF_CHECK_EQ_INT (capture.records, 20000);
    QF_CHECK_EQ_INT (capture.lines, 2);
}

QF_TEST (test_zero_window_prints_every_record)
{
    capture_t capture;
    s_capture_begin (&capture, 0);
    for (int i = 0; i < 7; i++)
        qf_warn ("same");
    s_capture_end (&capture);
    free (capture.text);
    QF_CHECK_EQ_INT (capture.lines, 7);
}

/* A record quoting what a peer sent stays one line: its newline, escape
   sequence and bidirectional control are written as escapes, in every
   kind of line (a record, and the summary of its repeats). */
QF_TEST (test_records_are_escaped)
{
    capture_t capture;
    s_capture_begin (&capture, 60000);
    const char *reason = "bad\n2026-12-01T08:00:00.000Z test_log ERROR forged\x1b[31m\xe2\x80\xae!";
    qf_info ("event 7 failed: %s", reason);
    qf_warn ("event 8 failed: %s", reason);
    qf_warn ("event 8 failed: %s", reason);
    s_capture_end (&capture);
    QF_CHECK_EQ_INT (capture.lines, 3);
    QF_CHECK (strstr (capture.text, "INFO event 7 failed: bad\\n2026-12-01T08:00:00.000Z test_log "
                                    "ERROR forged\\x1b[31m\\u202e!\n"));
    QF_CHECK (strstr (capture.text, "WARN event 8 failed: bad\\n2026-12-01T08:00:00.000Z test_log "
                                    "ERROR forged\\x1b[31m\\u202e! (repeated 1 more times"));
    QF_CHECK (!strchr (capture.text, '\x1b'));
    QF_CHECK (!strstr (capture.text, "\xe2\x80\xae"));
    free (capture.text);
}

int
main (void)
{
    s_test_suite = "test_log";
    qf_log_init ("test_log", QF_LOG_INFO, false);
    QF_RUN (test_identical_errors_are_counted);
    QF_RUN (test_debug_and_info_are_never_held_back);
    QF_RUN (test_window_end_prints_the_count);
    QF_RUN (test_more_texts_than_slots_lose_nothing);
    QF_RUN (test_threads_share_the_count);
    QF_RUN (test_zero_window_prints_every_record);
    QF_RUN (test_records_are_escaped);
    return qf_test_done ();
}
