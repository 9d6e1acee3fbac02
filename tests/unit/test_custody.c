/*  test_custody — the custody module (§4.3), run in-process as the daemon
    runs it (qf_test_daemon.h): only an approved qualification's
    certificate is archived; a loan is requested, approved by a leader,
    lent and returned, or refused, each move from its one state only; and
    the periodic work raises custody.borrow_overdue for a lent loan past
    its due day once per working day, from the reminder time, until it is
    back.
*/
#include "qualification/qualification_config.h"
#include "custody/custody_store.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

/* An approved qualification with its archive record: its id, or 0. */
static long long
s_archived (qf_test_daemon_t *d)
{
    long long id = qf_test_qual_add (d, 1, "construction-general", "2030-01-01");
    if (!id || qf_test_qual_approve (d, id) ||
        qf_test_run (d, "logistics", "custody.archive", NULL, "{s:I, s:s, s:s, s:s}",
                     "qualification_id", (json_int_t)id, "custodian", "Wang", "location",
                     "cabinet 3", "acquired", "2026-02-01"))
        return 0;
    return id;
}

/* Requests a loan of qualification `id` due on `due`: its id, or 0. */
static long long
s_request (qf_test_daemon_t *d, long long id, const char *due)
{
    json_t *loan = NULL;
    if (qf_test_run (d, "sales", "loan.request", &loan, "{s:I, s:s, s:s, s:s}", "qualification_id",
                     (json_int_t)id, "borrower", "Li", "purpose", "a tender", "due", due))
        return 0;
    long long loan_id = qf_test_int (loan, "id");
    json_decref (loan);
    return loan_id;
}

/* Runs the loan command `command` on `loan_id` as `role`: its QF_E* code. */
static int
s_move (qf_test_daemon_t *d, const char *role, const char *command, long long loan_id)
{
    return qf_test_run (d, role, command, NULL, "{s:I}", "loan_id", (json_int_t)loan_id);
}

/* The stored state of loan `loan_id` ("" when it cannot be read). */
static const char *
s_loan_state (qf_test_daemon_t *d, long long loan_id)
{
    static char state[32];
    json_t *loan = NULL;
    state[0] = '\0';
    if (qf_store_loan_get (d->store, loan_id, 0, &loan) == 0)
        snprintf (state, sizeof state, "%s", qf_test_str (loan, "state"));
    json_decref (loan);
    return state;
}

QF_TEST (archive_only_approved)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = qf_test_qual_add (&d, 1, "construction-general", "2030-01-01");
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    /* A draft, then a qualification in review: not yet the company's. */
    for (int step = 0; step < 2; step++) {
        QF_CHECK_EQ_INT (qf_test_run (&d, "logistics", "custody.archive", NULL,
                                      "{s:I, s:s, s:s, s:s}", "qualification_id", (json_int_t)id,
                                      "custodian", "Wang", "location", "cabinet 3", "acquired",
                                      "2026-02-01"),
                         QF_ECONFLICT);
        QF_CHECK_STR (d.field, "args.qualification_id");
        json_t *archive = NULL;
        QF_CHECK_EQ_INT (qf_store_archive_get (d.store, id, &archive), QF_ENOTFOUND);
        if (step == 0)
            QF_CHECK_EQ_INT (
                qf_test_run (&d, "review", "qual.submit", NULL, "{s:I}", "id", (json_int_t)id), 0);
    }
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "custody.archived"), 0);
    for (size_t i = 0; i < qf_qualification_config (d.config)->review_department_count; i++)
        QF_CHECK_EQ_INT (qf_test_report (&d, id, 1,
                                         qf_qualification_config (d.config)->review_departments[i],
                                         "pass"),
                         0);
    /* Approved: archived, but never acquired after today. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "logistics", "custody.archive", NULL, "{s:I, s:s, s:s, s:s}",
                                  "qualification_id", (json_int_t)id, "custodian", "Wang",
                                  "location", "cabinet 3", "acquired", "2026-03-03"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "args.acquired");
    QF_CHECK_EQ_INT (qf_test_run (&d, "logistics", "custody.archive", NULL, "{s:I, s:s, s:s, s:s}",
                                  "qualification_id", (json_int_t)id, "custodian", "Wang",
                                  "location", "cabinet 3", "acquired", QF_TEST_MONDAY),
                     0);
    json_t *archive = NULL;
    QF_CHECK_EQ_INT (qf_store_archive_get (d.store, id, &archive), 0);
    QF_CHECK_STR (qf_test_str (archive, "custodian"), "Wang");
    QF_CHECK_STR (qf_test_str (archive, "acquired"), QF_TEST_MONDAY);
    json_decref (archive);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "custody.archived"), 1);
    qf_test_daemon_close (&d);
}

QF_TEST (loan_request_approve_lend_return)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    /* No archive record, nothing to borrow. */
    long long bare = qf_test_qual_add (&d, 2, "construction-general", "2030-01-01");
    QF_CHECK (bare > 0);
    QF_CHECK_EQ_INT (s_request (&d, bare, "2026-03-04"), 0);
    QF_CHECK (strstr (d.error, "cannot be borrowed before custody.archive") != NULL);
    long long id = s_archived (&d);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    /* A deadline in the past or today is refused. */
    QF_CHECK_EQ_INT (s_request (&d, id, QF_TEST_MONDAY), 0);
    QF_CHECK_STR (d.field, "args.due");
    long long loan = s_request (&d, id, "2026-03-04");
    QF_CHECK (loan > 0);
    QF_CHECK_STR (s_loan_state (&d, loan), "requested");
    /* One open loan per certificate. */
    QF_CHECK_EQ_INT (s_request (&d, id, "2026-03-05"), 0);
    QF_CHECK (strstr (d.error, "already has loan") != NULL);
    /* Lent only after a leader's approval, which only a leader gives. */
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.lend", loan), QF_ECONFLICT);
    QF_CHECK (strstr (d.error, "needs a leader's approval") != NULL);
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.approve", loan), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.return", loan), QF_ECONFLICT);
    QF_CHECK_STR (s_loan_state (&d, loan), "requested");
    QF_CHECK_EQ_INT (s_move (&d, "leader", "loan.approve", loan), 0);
    QF_CHECK_STR (s_loan_state (&d, loan), "approved");
    QF_CHECK_EQ_INT (s_move (&d, "leader", "loan.approve", loan), QF_ECONFLICT);
    QF_CHECK_EQ_INT (s_move (&d, "leader", "loan.refuse", loan), QF_ECONFLICT);
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.lend", loan), 0);
    QF_CHECK_STR (s_loan_state (&d, loan), "lent");
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.lend", loan), QF_ECONFLICT);
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.return", loan), 0);
    QF_CHECK_STR (s_loan_state (&d, loan), "returned");
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.return", loan), QF_ECONFLICT);
    char want[96];
    snprintf (want, sizeof want, "loan %lld is returned; only a lent loan can be returned", loan);
    QF_CHECK_STR (d.error, want);
    /* Each move raised its event once, about the qualification. */
    const char *topics[] = {"custody.borrow_requested", "custody.borrow_approved", "custody.lent",
                            "custody.returned"};
    for (size_t i = 0; i < 4; i++) {
        json_t *events = qf_test_events (&d, mark, topics[i]);
        QF_CHECK_EQ_INT (json_array_size (events), 1);
        json_t *payload = json_object_get (json_array_get (events, 0), "payload");
        QF_CHECK_EQ_INT (qf_test_int (json_object_get (payload, "loan"), "id"), loan);
        json_decref (events);
    }
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "custody.borrow_refused"), 0);
    /* Back in the cabinet: it may be borrowed again. */
    QF_CHECK (s_request (&d, id, "2026-03-06") > 0);
    qf_test_daemon_close (&d);
}

QF_TEST (loan_refused)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_archived (&d);
    QF_CHECK (id > 0);
    long long loan = s_request (&d, id, "2026-03-04");
    QF_CHECK (loan > 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_move (&d, "sales", "loan.refuse", loan), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_move (&d, "leader", "loan.refuse", loan), 0);
    QF_CHECK_STR (s_loan_state (&d, loan), "refused");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "custody.borrow_refused"), 1);
    /* Refused is final. */
    QF_CHECK_EQ_INT (s_move (&d, "leader", "loan.approve", loan), QF_ECONFLICT);
    char want[96];
    snprintf (want, sizeof want, "loan %lld is refused; only a requested loan can be approved",
              loan);
    QF_CHECK_STR (d.error, want);
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.lend", loan), QF_ECONFLICT);
    QF_CHECK_STR (s_loan_state (&d, loan), "refused");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "custody.borrow_approved"), 0);
    /* A refused request does not hold the certificate. */
    QF_CHECK (s_request (&d, id, "2026-03-05") > 0);
    QF_CHECK_EQ_INT (s_move (&d, "leader", "loan.approve", 999), QF_ENOTFOUND);
    qf_test_daemon_close (&d);
}

/* Runs the periodic work at `date` hh:00: the overdue reminders raised. */
static int
s_tick_at (qf_test_daemon_t *d, const char *date, int hh)
{
    d->now = qf_test_at (date, hh, 0);
    uint64_t mark = qf_test_mark (d);
    int raised = qf_test_tick (d);
    int counted = qf_test_count (d, mark, "custody.borrow_overdue");
    return raised == counted ? counted : -1;
}

QF_TEST (overdue_once_per_working_day)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_archived (&d);
    QF_CHECK (id > 0);
    long long loan = s_request (&d, id, "2026-03-04"); /* due Wednesday */
    QF_CHECK (loan > 0);
    QF_CHECK_EQ_INT (s_move (&d, "leader", "loan.approve", loan), 0);
    /* Approved but not lent: not overdue, ever. */
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-05", 10), 0);
    d.now = qf_test_at ("2026-03-04", 10, 0);
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.lend", loan), 0);
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-04", 10), 0); /* due today: not late */
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-05", 8), 0);  /* before the reminder time */
    uint64_t thursday = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-05", 10), 1);
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-05", 15), 0); /* once a day */
    json_t *events = qf_test_events (&d, thursday, "custody.borrow_overdue");
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_EQ_INT (qf_test_int (payload, "days_overdue"), 1);
    QF_CHECK_EQ_INT (qf_test_int (json_object_get (payload, "loan"), "id"), loan);
    json_decref (events);
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-06", 9), 1);  /* Friday, from 09:00 */
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-07", 10), 0); /* Saturday */
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-08", 10), 0); /* Sunday */
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-09", 10), 1); /* Monday */
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-09", 23), 0);
    /* Returned: no more reminders. */
    QF_CHECK_EQ_INT (s_move (&d, "logistics", "loan.return", loan), 0);
    QF_CHECK_EQ_INT (s_tick_at (&d, "2026-03-10", 10), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, thursday, "custody.borrow_overdue"), 3);
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "custody";
    QF_RUN (archive_only_approved);
    QF_RUN (loan_request_approve_lend_return);
    QF_RUN (loan_refused);
    QF_RUN (overdue_once_per_working_day);
    return qf_test_done ();
}
