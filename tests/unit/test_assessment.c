/*  test_assessment — §5.2: the KPIs computed from the records (contracts
    signed and their prices, callback scores, first contracts of
    customers, the previous period's sales), checked against a hand
    calculation; assessments recorded by the supervisor and refused with
    no state change (a KPI figure typed in, a role that may not record, a
    bad period); staff.assessment_due once at the period's end.
    The contracts and callbacks are written as rows of the contract and
    after-sales modules' tables (their own tests cover how they get
    there), so that the figures here are exactly the hand calculation's. */
#include "assessment/assessment_config.h"
#include "assessment/assessment_kpi.h"
#include "qf_calendar.h"
#include "qf_store_int.h"
#include "qf_timers.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

#include <math.h>

#define RUN_AS(d, user_, role, command, result_p, ...)                                             \
    ((d)->user = (user_), qf_test_run ((d), role, command, result_p, __VA_ARGS__))

/* alice: 2025Q4 one contract of 200 000 (customer 1); 2026Q1 customer 1
   again 300 000 and customer 2 (new) 150 000, a cancelled one that does
   not count, callbacks scored 4 and 5 in Q1 and 2 in Q2. bob: 2026Q1
   customer 2 (not new: alice's first) 100 000, customer 4 (new) 50 000. */
static const char *const s_rows[] = {
    "INSERT INTO contracts (id, number, proposal_id, customer_id, owner, state, version, created,"
    " created_by, updated, signed_on) VALUES"
    " (1, 'C1', 1, 1, 'alice', 'delivered', 1, 0, 'alice', 0, '2025-11-10'),"
    " (2, 'C2', 2, 1, 'alice', 'signed', 1, 0, 'alice', 0, '2026-01-15'),"
    " (3, 'C3', 3, 2, 'alice', 'delivered', 1, 0, 'alice', 0, '2026-02-20'),"
    " (4, 'C4', 4, 3, 'alice', 'cancelled', 1, 0, 'alice', 0, '2026-03-01'),"
    " (5, 'C5', 5, 2, 'bob', 'signed', 1, 0, 'bob', 0, '2026-03-05'),"
    " (6, 'C6', 6, 4, 'bob', 'signed', 1, 0, 'bob', 0, '2026-03-31'),"
    " (7, 'C7', 7, 5, 'bob', 'approved', 1, 0, 'bob', 0, NULL)",
    "INSERT INTO contract_versions (contract_id, version, body, price, delivery, who, role, at)"
    " VALUES (1, 1, '{}', 200000, '2026-01-01', 'alice', 'sales', 0),"
    " (2, 1, '{}', 300000, '2026-06-01', 'alice', 'sales', 0),"
    " (3, 1, '{}', 150000, '2026-06-01', 'alice', 'sales', 0),"
    " (4, 1, '{}', 999999, '2026-06-01', 'alice', 'sales', 0),"
    " (5, 1, '{}', 100000, '2026-06-01', 'bob', 'sales', 0),"
    " (6, 1, '{}', 50000, '2026-06-01', 'bob', 'sales', 0),"
    " (7, 1, '{}', 777777, '2026-06-01', 'bob', 'sales', 0)",
    /* The price contract.sign keeps on a signed contract. */
    /* alice's conduct: one violation in 2026Q1, one in 2025Q4. */
    "INSERT INTO staff_violations (person, type, severity, occurred, description, source,"
    " recorded, by) VALUES ('alice', 'other', 'minor', '2026-02-10', 'late report', 'recorded',"
    " 0, 'hr1'), ('alice', 'other', 'serious', '2025-12-01', 'earlier', 'recorded', 0, 'hr1')",
    "UPDATE contracts SET signed_price = (SELECT price FROM contract_versions v"
    " WHERE v.contract_id = contracts.id AND v.version = contracts.version)"
    " WHERE signed_on IS NOT NULL",
    "INSERT INTO callbacks (id, contract_id, number, customer_id, customer, owner, assignee,"
    " interval_days, delivered_on, day, state, scheduled_at, score) VALUES"
    " (1, 1, 'C1', 1, 'c1', 'alice', 'alice', 30, '2025-12-01', '2026-01-01', 'done', 0, 4),"
    " (2, 3, 'C3', 2, 'c2', 'alice', 'alice', 30, '2026-02-25', '2026-03-10', 'done', 0, 5),"
    " (3, 1, 'C1', 1, 'c1', 'alice', 'alice', 90, '2025-12-01', '2026-04-02', 'done', 0, 2)",
    "INSERT INTO callback_calls (callback_id, attempt, made_on, recorded, by, role, reached,"
    " score, problems) VALUES (1, 1, '2026-02-01', 0, 'alice', 'sales', 1, 4, '[]'),"
    " (2, 1, '2026-03-10', 0, 'alice', 'sales', 1, 5, '[]'),"
    " (3, 1, '2026-04-02', 0, 'alice', 'sales', 1, 2, '[]')",
};

static int
s_open (qf_test_daemon_t *d)
{
    if (qf_test_daemon_open (d, QF_TEST_POLICY))
        return -1;
    for (size_t i = 0; i < sizeof s_rows / sizeof s_rows[0]; i++)
        if (sqlite3_exec (d->store->db, s_rows[i], NULL, NULL, NULL) != SQLITE_OK) {
            printf ("# %s\n", sqlite3_errmsg (d->store->db));
            return -1;
        }
    return 0;
}

static long long
s_count (qf_test_daemon_t *d, const char *table)
{
    char sql[128];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2 (d->store->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW)
        n = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    return n;
}

static double
s_real (json_t *o, const char *key)
{
    return json_number_value (json_object_get (o, key));
}

#define NEAR(a, b) (fabs ((a) - (b)) < 0.006)

/* The defaults: cost ratio 0.6; weights 30 20 20 15 15; targets
   1 000 000, 400 000, 4.5, 5, 10 %. */
QF_TEST (figures_match_the_hand_calculation)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d) == 0);
    json_t *report = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "report.kpi", &report, "{s:s}", "period",
                             "2026Q1"),
                     0);
    QF_CHECK_STR (qf_test_str (report, "from"), "2026-01-01");
    QF_CHECK_STR (qf_test_str (report, "to"), "2026-03-31");
    json_t *items = json_object_get (report, "items");
    QF_CHECK_EQ_INT (json_array_size (items), 2);
    json_t *alice = json_array_get (items, 0), *bob = json_array_get (items, 1);
    QF_CHECK_STR (qf_test_str (alice, "person"), "alice");
    /* alice: sales 300 000 + 150 000 (the cancelled one and Q4's not);
       profit 450 000 × 0.4; satisfaction (4 + 5) / 2; one new customer
       (customer 1 was new in Q4); growth (450 000 − 200 000) / 200 000. */
    QF_CHECK_EQ_INT (qf_test_int (alice, "contracts"), 2);
    QF_CHECK (NEAR (s_real (alice, "sales"), 450000.0));
    QF_CHECK (NEAR (s_real (alice, "profit"), 180000.0));
    QF_CHECK (NEAR (s_real (alice, "satisfaction"), 4.5));
    QF_CHECK_EQ_INT (qf_test_int (alice, "new_customers"), 1);
    QF_CHECK (NEAR (s_real (alice, "growth"), 125.0));
    /* 30 × 0.45 + 20 × 0.45 + 20 × 1 + 15 × 0.2 + 15 × 1 (capped) = 60.5 */
    QF_CHECK (NEAR (s_real (alice, "score"), 60.5));
    /* bob: 150 000, 60 000, no callback, one new customer (customer 2
       was alice's first), no previous sales: 100 × (30 × 0.15 + 20 ×
       0.15 + 15 × 0.2) / (30 + 20 + 15) = 16.15 */
    QF_CHECK_STR (qf_test_str (bob, "person"), "bob");
    QF_CHECK (NEAR (s_real (bob, "sales"), 150000.0));
    QF_CHECK (json_is_null (json_object_get (bob, "satisfaction")));
    QF_CHECK (json_is_null (json_object_get (bob, "growth")));
    QF_CHECK_EQ_INT (qf_test_int (bob, "new_customers"), 1);
    QF_CHECK (NEAR (s_real (bob, "score"), 1050.0 / 65.0));
    /* The period's violations are on the scorecard (§5.3 in §5.2). */
    json_t *violations = json_object_get (alice, "violations");
    QF_CHECK_EQ_INT (json_array_size (violations), 1);
    QF_CHECK_STR (qf_test_str (json_array_get (violations, 0), "description"), "late report");
    QF_CHECK_EQ_INT (json_array_size (json_object_get (bob, "violations")), 0);
    json_decref (report);
    /* A year (policy.assessment_period: year): all of 2026's contracts. */
    QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "report.kpi", &report, "{s:s}", "period",
                             "2026"),
                     0);
    QF_CHECK_STR (qf_test_str (report, "to"), "2026-12-31");
    QF_CHECK (NEAR (s_real (json_array_get (json_object_get (report, "items"), 0), "sales"),
                    450000.0));
    json_decref (report);
    /* A person's history: Q4 2025 and Q1 2026 (the Q2 callback too). */
    QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "report.kpi", &report, "{s:s}", "person",
                             "alice"),
                     0);
    items = json_object_get (report, "items");
    QF_CHECK_EQ_INT (json_array_size (items), 2);
    QF_CHECK_STR (qf_test_str (json_array_get (items, 0), "period"), "2025Q4");
    QF_CHECK (NEAR (s_real (json_array_get (items, 0), "sales"), 200000.0));
    json_decref (report);
    qf_test_daemon_close (&d);
}

/* The score of the pure function for a configuration of its own. */
QF_TEST (score_reweights_missing_kpis)
{
    qf_assessment_config_t settings = {.cost_ratio = 0.5,
                                       .weight = {50, 0, 50, 0, 0},
                                       .target = {100, 1, 5, 1, 10}};
    qf_scorecard_t card = {.sales = 50, .scores = 0};
    qf_kpi_score (&settings, &card);
    QF_CHECK (NEAR (card.score, 50.0)); /* satisfaction left out: 50 × 0.5 / 50 */
    card.scores = 2;
    card.score_sum = 10;
    qf_kpi_score (&settings, &card);
    QF_CHECK (NEAR (card.score, 75.0)); /* (50 × 0.5 + 50 × 1) / 100 */
    QF_CHECK (NEAR (card.value[QF_KPI_PROFIT], 25.0));
}

QF_TEST (assessment_recorded_and_refused)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d) == 0);
    d.now = qf_test_at ("2026-04-10", 10, 0);
    /* A KPI figure typed in: refused, nothing recorded. */
    QF_CHECK (RUN_AS (&d, "sun", "supervisor", "assessment.record", NULL,
                      "{s:s, s:s, s:s, s:s, s:f}", "person", "alice", "period", "2026Q1",
                      "rating", "good", "comments", "steady", "score", 99.0) != 0);
    QF_CHECK_EQ_INT (s_count (&d, "assessments"), 0);
    QF_CHECK (RUN_AS (&d, "sun", "supervisor", "report.kpi", NULL, "{s:s, s:f}", "period",
                      "2026Q1", "sales", 1e9) != 0);
    /* A role that may not record. */
    QF_CHECK (RUN_AS (&d, "alice", "sales", "assessment.record", NULL, "{s:s, s:s, s:s, s:s}",
                      "person", "alice", "period", "2026Q1", "rating", "excellent", "comments",
                      "me") != 0);
    QF_CHECK_EQ_INT (s_count (&d, "assessments"), 0);
    /* Bad periods: a month, Q5, one not ended. */
    const char *const bad[] = {"2026-03", "2026Q5", "2026Q2"};
    for (int i = 0; i < 3; i++) {
        QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "assessment.record", NULL,
                                 "{s:s, s:s, s:s, s:s}", "person", "alice", "period", bad[i],
                                 "rating", "good", "comments", "x"),
                         QF_EINVAL);
        QF_CHECK_STR (d.field, "args.period");
    }
    QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "report.kpi", NULL, "{s:s}", "period",
                             "2026-03"),
                     QF_EINVAL);
    /* A plan needs its goals and review date. */
    QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "assessment.record", NULL,
                             "{s:s, s:s, s:s, s:s, s:s}", "person", "bob", "period", "2026Q1",
                             "rating", "poor", "comments", "slow", "plan", "call more"),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (s_count (&d, "assessments"), 0);
    /* Rewards for the best, a plan for those under target: bob scored
       16.15, under assessment.plan_below (60) and reward_from (90). */
    QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "assessment.record", NULL,
                             "{s:s, s:s, s:s, s:s}", "person", "bob", "period", "2026Q1",
                             "rating", "poor", "comments", "slow"),
                     QF_EINVAL);
    QF_CHECK (strcmp (d.field, "args.plan") == 0 && strstr (d.error, "16.15") &&
              strstr (d.error, "assessment.plan_below 60"));
    QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "assessment.record", NULL,
                             "{s:s, s:s, s:s, s:s, s:s}", "person", "bob", "period", "2026Q1",
                             "rating", "excellent", "comments", "great", "reward", "bonus"),
                     QF_EINVAL);
    QF_CHECK (strcmp (d.field, "args.reward") == 0 &&
              strstr (d.error, "assessment.reward_from 90"));
    QF_CHECK_EQ_INT (s_count (&d, "assessments"), 0);
    uint64_t mark = qf_test_mark (&d);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&d, "sun", "supervisor", "assessment.record", &record,
                             "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "person", "bob", "period",
                             "2026Q1", "rating", "poor", "comments", "slow start", "plan",
                             "two visits a week", "goals", "300 000 yuan in Q2", "review",
                             "2026-07-15"),
                     0);
    json_t *card = json_object_get (record, "scorecard");
    QF_CHECK (NEAR (s_real (card, "score"), 1050.0 / 65.0));
    QF_CHECK_STR (qf_test_str (record, "plan"), "two visits a week");
    json_decref (record);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "staff.assessed"), 1);
    /* Once per person and period. */
    QF_CHECK_EQ_INT (RUN_AS (&d, "hr1", "hr", "assessment.record", NULL,
                             "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "person", "bob", "period",
                             "2026Q1", "rating", "good", "comments", "again", "plan", "visits",
                             "goals", "more", "review", "2026-07-15"),
                     QF_ECONFLICT);
    QF_CHECK_EQ_INT (s_count (&d, "assessments"), 1);
    qf_test_daemon_close (&d);
}

/* How many staff.assessment_due were appended after `mark` once the
   timers due at `date` hh:mm (Shanghai) have fired; -1 on error. */
static int
s_due_at (qf_test_daemon_t *d, uint64_t mark, const char *date, int hh, int mm)
{
    d->now = qf_test_at (date, hh, mm);
    return qf_test_fire (d) < 0 ? -1 : qf_test_count (d, mark, "staff.assessment_due");
}

/* The payload of the one staff.assessment_due appended after `mark` (a
   new reference), NULL unless there is exactly one. */
static json_t *
s_due_payload (qf_test_daemon_t *d, uint64_t mark)
{
    json_t *events = qf_test_events (d, mark, "staff.assessment_due");
    json_t *event = json_array_size (events) == 1 ? json_array_get (events, 0) : NULL;
    json_t *payload = json_object_get (event, "payload");
    payload = json_incref (payload ? payload : event);
    json_decref (events);
    return payload;
}

/* staff.assessment_due at the end of Q1 (the first working day after it,
   at its start), with the scorecards, once. */
QF_TEST (due_at_the_period_end_once)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d) == 0);
    QF_CHECK_EQ_INT (qf_test_tick (&d), 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-03-31", 23, 0), 0);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-04-01", 0, 30), 1);
    json_t *payload = s_due_payload (&d, mark);
    QF_CHECK_STR (qf_test_str (payload, "period"), "2026Q1");
    json_t *cards = json_object_get (payload, "scorecards");
    QF_CHECK_EQ_INT (json_array_size (cards), 2);
    QF_CHECK (NEAR (s_real (json_array_get (cards, 0), "score"), 60.5));
    json_t *recipients = json_object_get (payload, "recipients");
    QF_CHECK_STR (json_string_value (json_array_get (recipients, 0)), "supervisor");
    QF_CHECK_STR (json_string_value (json_array_get (recipients, 1)), "hr");
    json_decref (payload);
    /* Firing placed Q2's (the chain, with no tick); nothing fires again
       for Q1; Q2's fires on the first working day of July (Wednesday
       2026-07-01). */
    json_t *timers = NULL;
    QF_CHECK_EQ_INT (qf_timers_list (d.store, "assessment/20635", &timers), 0);
    QF_CHECK_EQ_INT (json_array_size (timers), 1);
    QF_CHECK_STR (qf_test_str (json_array_get (timers, 0), "kind"), "assessment_due");
    QF_CHECK_STR (qf_test_str (json_array_get (timers, 0), "state"), "pending");
    json_decref (timers);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-04-02", 10, 0), 1);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-07-01", 0, 30), 2);
    qf_test_daemon_close (&d);
}

/* A period followed by a day off (2026Q3, then the holiday 2026-10-01):
   still due after the period, on the first working day after it
   (2026-10-02), never on a working day before its end, whatever
   calendar.holiday_shift says for reminders (previous, the default). */
QF_TEST (due_after_the_period_when_a_holiday_follows)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d) == 0);
    d.now = qf_test_at ("2026-09-28", 10, 0);
    QF_CHECK_EQ_INT (qf_test_tick (&d), 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-09-30", 23, 0), 0);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-10-01", 12, 0), 0);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-10-02", 0, 30), 1);
    json_t *payload = s_due_payload (&d, mark);
    QF_CHECK_STR (qf_test_str (payload, "period"), "2026Q3");
    QF_CHECK_STR (qf_test_str (payload, "to"), "2026-09-30");
    json_decref (payload);
    qf_test_daemon_close (&d);
}

/* A database whose 2026Q3 timer an earlier version placed on 2026-09-30
   (moved back off the holiday): the next tick places it again on
   2026-10-02, and it fires there, once. */
QF_TEST (early_timer_of_an_earlier_version_placed_again)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d) == 0);
    d.now = qf_test_at ("2026-09-29", 10, 0);
    int32_t early = 0, next = 0;
    qf_date_parse ("2026-09-30", &early);
    qf_date_parse ("2026-10-01", &next);
    char subject[32];
    snprintf (subject, sizeof subject, "assessment/%d", (int)next);
    json_t *payload =
        json_pack ("{s:s, s:i, s:i}", "period", "2026Q3", "first_day", 0, "last_day", 0);
    QF_CHECK (qf_store_begin (d.store) == 0);
    QF_CHECK_EQ_INT (
        qf_timers_add (d.store, d.config, "assessment_due", subject, early, 0, payload, d.now), 0);
    QF_CHECK (qf_store_commit (d.store) == 0);
    json_decref (payload);
    QF_CHECK_EQ_INT (qf_test_tick (&d), 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-09-30", 23, 0), 0);
    /* The next day's tick leaves the new one and the cancelled one alone. */
    d.now = qf_test_at ("2026-10-01", 12, 0);
    QF_CHECK_EQ_INT (qf_test_tick (&d), 0);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-10-01", 12, 0), 0);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-10-02", 0, 30), 1);
    QF_CHECK_EQ_INT (s_due_at (&d, mark, "2026-10-09", 10, 0), 1);
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "assessment";
    QF_RUN (figures_match_the_hand_calculation);
    QF_RUN (score_reweights_missing_kpis);
    QF_RUN (assessment_recorded_and_refused);
    QF_RUN (due_at_the_period_end_once);
    QF_RUN (due_after_the_period_when_a_holiday_follows);
    QF_RUN (early_timer_of_an_earlier_version_placed_again);
    return qf_test_done ();
}
