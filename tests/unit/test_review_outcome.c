/*  test_review_outcome — the qualification module's review (§4.2), run
    in-process as the daemon runs it (qf_test_daemon.h): every department's
    final pass approves and schedules the expiry timers; any final fail
    sends to rectification; a verdict a person must confirm waits for
    review.decide; a second report of a department in a round is 409; a
    report for another round than the current one is refused.
*/
#include "qf_test.h"
#include "qf_test_daemon.h"

/* The state of qualification `id`, as stored ("" when it cannot be read). */
static const char *
s_state (qf_test_daemon_t *d, long long id)
{
    static char state[32];
    json_t *record = qf_test_qual (d, id);
    snprintf (state, sizeof state, "%s", qf_test_str (record, "state"));
    json_decref (record);
    return state;
}

/* A qualification added and submitted: round 1 in review. */
static long long
s_submitted (qf_test_daemon_t *d)
{
    long long id = qf_test_qual_add (d, 1, "construction-general", "2030-01-01");
    if (id && qf_test_run (d, "review", "qual.submit", NULL, "{s:I}", "id", (json_int_t)id))
        return 0;
    return id;
}

QF_TEST (all_final_passes_approve)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_submitted (&d);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    /* Two of three passes: still in review, nothing scheduled. */
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "legal", "pass"), 0);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "finance", "pass"), 0);
    QF_CHECK_STR (s_state (&d, id), "in_review");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.approved"), 0);
    QF_CHECK_EQ_INT (qf_test_timers (&d, "qualification", id), 0);
    /* The last pass approves, once, and starts the expiry reminders (§4.3). */
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "technical", "pass"), 0);
    QF_CHECK_STR (s_state (&d, id), "approved");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.reviewed"), 3);
    json_t *approved = qf_test_events (&d, mark, "qualification.approved");
    QF_CHECK_EQ_INT (json_array_size (approved), 1);
    json_t *payload = json_object_get (json_array_get (approved, 0), "payload");
    QF_CHECK_EQ_INT (qf_test_int (payload, "round"), 1);
    QF_CHECK_STR (qf_test_str (json_object_get (payload, "qualification"), "state"), "approved");
    json_decref (approved);
    QF_CHECK (qf_test_timers (&d, "qualification", id) >=
              2); /* "expiring" reminders and "expired" */
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.review_failed"), 0);
    qf_test_daemon_close (&d);
}

QF_TEST (any_final_fail_rectifies)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_submitted (&d);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "legal", "pass"), 0);
    /* One fail is enough: rectification at once, without waiting for the rest. */
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "finance", "fail"), 0);
    QF_CHECK_STR (s_state (&d, id), "rectification");
    json_t *failed = qf_test_events (&d, mark, "qualification.review_failed");
    QF_CHECK_EQ_INT (json_array_size (failed), 1);
    QF_CHECK_STR (
        qf_test_str (json_object_get (json_array_get (failed, 0), "payload"), "department"),
        "finance");
    json_decref (failed);
    /* The others still report on the round; a pass does not approve it. */
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "technical", "pass"), 0);
    QF_CHECK_STR (s_state (&d, id), "rectification");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.approved"), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.review_failed"), 1);
    QF_CHECK_EQ_INT (qf_test_timers (&d, "qualification", id), 0);
    /* The report is complete: every department has a final verdict. */
    json_t *report = NULL;
    QF_CHECK_EQ_INT (
        qf_test_run (&d, "review", "qual.report", &report, "{s:I}", "id", (json_int_t)id), 0);
    QF_CHECK_STR (qf_test_str (report, "outcome"), "rectification or rejection");
    json_decref (report);
    qf_test_daemon_close (&d);
}

QF_TEST (proposed_verdict_waits_for_decide)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (
        qf_test_daemon_open (&d, QF_TEST_POLICY "  review_confirmed_by_person: [technical]\n"), 0);
    long long id = s_submitted (&d);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "legal", "pass"), 0);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "finance", "pass"), 0);
    /* The technical worker only proposes: nothing is decided yet. */
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "technical", "pass"), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.review_proposed"), 1);
    QF_CHECK_STR (s_state (&d, id), "in_review");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.approved"), 0);
    QF_CHECK_EQ_INT (qf_test_timers (&d, "qualification", id), 0);
    json_t *reviews = NULL;
    QF_CHECK_EQ_INT (qf_store_reviews_get (d.store, id, 1, &reviews), 0);
    int proposed = 0;
    for (size_t i = 0; i < json_array_size (reviews); i++)
        proposed += strcmp (qf_test_str (json_array_get (reviews, i), "status"), "proposed") == 0;
    json_decref (reviews);
    QF_CHECK_EQ_INT (proposed, 1);
    /* A department decides only for itself. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "legal", "review.decide", NULL, "{s:I, s:i, s:s, s:s}",
                                  "qualification_id", (json_int_t)id, "round", 1, "department",
                                  "technical", "verdict", "pass"),
                     QF_EFORBIDDEN);
    /* A person of the department decides: that final pass approves. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "technical", "review.decide", NULL,
                                  "{s:I, s:i, s:s, s:s, s:s}", "qualification_id", (json_int_t)id,
                                  "round", 1, "department", "technical", "verdict", "pass", "note",
                                  "checked"),
                     0);
    QF_CHECK_STR (s_state (&d, id), "approved");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.approved"), 1);
    QF_CHECK (qf_test_timers (&d, "qualification", id) >= 2);
    qf_test_daemon_close (&d);
}

/* A proposed fail, confirmed, rectifies; nothing else waits for a decision. */
QF_TEST (decided_fail_rectifies)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (
        qf_test_daemon_open (&d, QF_TEST_POLICY "  review_confirmed_by_person: [legal]\n"), 0);
    long long id = s_submitted (&d);
    QF_CHECK (id > 0);
    /* A decision where no verdict was proposed is refused. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "finance", "review.decide", NULL, "{s:I, s:i, s:s, s:s}",
                                  "qualification_id", (json_int_t)id, "round", 1, "department",
                                  "finance", "verdict", "pass"),
                     QF_ECONFLICT);
    QF_CHECK (strstr (d.error, "no verdict of finance awaits a decision") != NULL);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "legal", "fail"), 0);
    QF_CHECK_STR (s_state (&d, id), "in_review"); /* a proposed fail is not final */
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (qf_test_run (&d, "legal", "review.decide", NULL, "{s:I, s:i, s:s, s:s}",
                                  "qualification_id", (json_int_t)id, "round", 1, "department",
                                  "legal", "verdict", "fail"),
                     0);
    QF_CHECK_STR (s_state (&d, id), "rectification");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.review_failed"), 1);
    qf_test_daemon_close (&d);
}

QF_TEST (second_report_of_a_department_is_409)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_submitted (&d);
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "legal", "pass"), 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "legal", "fail"), QF_ECONFLICT);
    QF_CHECK_STR (d.field, "args.department");
    char want[128];
    snprintf (want, sizeof want,
              "department legal has already reported on qualification %lld "
              "round 1",
              id);
    QF_CHECK_STR (d.error, want);
    /* The refused report changed nothing and raised nothing. */
    QF_CHECK_STR (s_state (&d, id), "in_review");
    QF_CHECK_EQ_INT (qf_test_mark (&d), mark);
    /* Its department may not report for another. */
    d.from_worker = true;
    QF_CHECK_EQ_INT (qf_test_run (&d, "legal", "review.report", NULL, "{s:I, s:i, s:s, s:s}",
                                  "qualification_id", (json_int_t)id, "round", 1, "department",
                                  "finance", "verdict", "pass"),
                     QF_EFORBIDDEN);
    qf_test_daemon_close (&d);
}

QF_TEST (stale_round_refused)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_submitted (&d);
    QF_CHECK (id > 0);
    /* A round not yet open is refused too. */
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 2, "legal", "pass"), QF_ECONFLICT);
    QF_CHECK_STR (d.field, "args.round");
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "legal", "fail"), 0);
    QF_CHECK_EQ_INT (qf_test_run (&d, "review", "qual.rectify", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "scope", "corrected scope"),
                     0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (
        qf_test_run (&d, "review", "qual.submit", &record, "{s:I}", "id", (json_int_t)id), 0);
    QF_CHECK_EQ_INT (qf_test_int (record, "round"), 2);
    json_decref (record);
    /* Round 1 is over: its late reports are refused, whatever they say. */
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 1, "finance", "pass"), QF_ECONFLICT);
    QF_CHECK_STR (d.field, "args.round");
    char want[160];
    snprintf (want, sizeof want,
              "qualification %lld is in_review in review round 2; a review for round 1 is not "
              "accepted",
              id);
    QF_CHECK_STR (d.error, want);
    QF_CHECK_EQ_INT (qf_test_mark (&d), mark);
    json_t *reviews = NULL;
    QF_CHECK_EQ_INT (qf_store_reviews_get (d.store, id, 1, &reviews), 0);
    QF_CHECK_EQ_INT (json_array_size (reviews), 1);
    json_decref (reviews);
    /* Round 2 is open to every department, legal included. */
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 2, "legal", "pass"), 0);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 2, "finance", "pass"), 0);
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 2, "technical", "pass"), 0);
    QF_CHECK_STR (s_state (&d, id), "approved");
    /* Once approved, no round takes reports. */
    QF_CHECK_EQ_INT (qf_test_report (&d, id, 2, "legal", "fail"), QF_ECONFLICT);
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "review_outcome";
    QF_RUN (all_final_passes_approve);
    QF_RUN (any_final_fail_rectifies);
    QF_RUN (proposed_verdict_waits_for_decide);
    QF_RUN (decided_fail_rectifies);
    QF_RUN (second_report_of_a_department_is_409);
    QF_RUN (stale_round_refused);
    return qf_test_done ();
}
