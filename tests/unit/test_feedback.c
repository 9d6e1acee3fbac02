/*  test_feedback — the feedback module (§6.4, §3.3), run in-process on a
    real SQLite store as the daemon runs it (qf_test_daemon.h): feedback
    from a person, an integration and a callback opens a technical case
    (for the technical group) or a service investigation (with an owner),
    with a deadline of working days by category and severity; the case
    is answered, investigated, its outcome told and only then closed; the
    deadline's timer raises feedback.overdue once, on working days, also
    across a restart; the customer's profile and proposals show the open
    cases; the report's figures match what the test computes from the
    data it made. Every refusal names the field and the rule and changes
    nothing (the case, the event log and the timers are read back).
*/
#include "feedback/feedback.h"
#include "feedback/feedback_config.h"
#include "feedback/feedback_report.h"
#include "feedback/feedback_store.h"
#include "qf_calendar.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

#include <math.h>

#define CODE_A "91350100M000100Y43"
#define CODE_B "91340100MA2N01110K"

/* The test's policy: what a proposal and a contract need, and the
   feedback settings: a technical category with deadlines of its own, two
   service ones of two departments, and the defaults for the rest. */
#define YAML                                                                                       \
    QF_TEST_POLICY                                                                                 \
    "  min_validity_for_sale_days: 0\n"                                                            \
    "list_prices:\n  - name: construction-general\n    price: 200000\n"                            \
    "  - name: survey\n    price: 100000\n"                                                        \
    "processing_steps:\n  - name: survey\n    text: \"现场勘察 site survey\"\n"                \
    "after_sales_services:\n  - name: callback\n    text: \"交付后回访\"\n"                   \
    "contract_clauses:\n  - name: rights\n    text: \"甲方保证资质合法有效\"\n"          \
    "payment_terms:\n  - name: full\n    text: \"一次付清\"\n    instalments: 1\n"             \
    "feedback:\n  deadline_normal_days: 4\n  response_days: 1\n  digest_period: month\n"           \
    "  open_age_days: [2, 5]\n"                                                                    \
    "feedback_categories:\n"                                                                       \
    "  - name: certificate-invalid\n    kind: technical\n    department: technical\n"              \
    "    high_days: 3\n"                                                                           \
    "  - name: staff-conduct\n    kind: service\n    department: sales\n"                          \
    "    title: \"销售人员服务 (conduct)\"\n"                                                \
    "  - name: late-delivery\n    kind: service\n    department: logistics\n"

typedef struct {
    qf_test_daemon_t d;
    long long qual[2], customer, other, proposal, contract;
} fixture_t;

/* Runs `command` on case `id` as `role` by `user`: the command's code. */
static int
s_do (fixture_t *f, const char *user, const char *role, const char *command, long long id,
      json_t **result_p)
{
    f->d.user = user;
    int rc = qf_test_run (&f->d, role, command, result_p, "{s:I}", "id", (json_int_t)id);
    f->d.user = NULL;
    return rc;
}

/* A customer of `owner` with credit code `code`: its id, or 0. */
static long long
s_customer (fixture_t *f, const char *owner, const char *name, const char *code)
{
    json_t *record = NULL;
    f->d.user = owner;
    int rc = qf_test_run (&f->d, "sales", "customer.add", &record, "{s:s, s:s}", "name", name,
                          "credit_code", code);
    f->d.user = NULL;
    long long id = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    return id;
}

/* Two approved qualifications (construction-general, survey), a customer
   of li.lei and one of wang.fang, a proposal of both qualifications to
   li.lei's customer, accepted, and its contract drafted. */
static int
s_setup (fixture_t *f)
{
    memset (f, 0, sizeof *f);
    if (qf_test_daemon_open (&f->d, YAML))
        return -1;
    f->qual[0] = qf_test_qual_add (&f->d, 1, "construction-general", "2030-01-01");
    f->qual[1] = qf_test_qual_add (&f->d, 2, "survey", "2029-06-30");
    if (!f->qual[0] || !f->qual[1] || qf_test_qual_approve (&f->d, f->qual[0]) ||
        qf_test_qual_approve (&f->d, f->qual[1]))
        return -1;
    f->customer = s_customer (f, "li.lei", "合肥建工 Hefei Builders", CODE_A);
    f->other = s_customer (f, "wang.fang", "安徽路桥 Anhui Roads", CODE_B);
    if (!f->customer || !f->other)
        return -1;
    char lines[64];
    snprintf (lines, sizeof lines, "%lld:200000, %lld:100000", f->qual[0], f->qual[1]);
    json_t *record = NULL;
    f->d.user = "li.lei";
    int rc = qf_test_run (&f->d, "sales", "proposal.create", &record, "{s:I, s:s, s:s, s:s, s:s}",
                          "customer_id", (json_int_t)f->customer, "lines", lines, "steps", "survey",
                          "services", "callback", "delivery", "2026-06-30");
    f->proposal = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    if (f->proposal && (qf_test_run (&f->d, "sales", "proposal.send", NULL, "{s:I}", "id",
                                     (json_int_t)f->proposal) ||
                        qf_test_run (&f->d, "sales", "proposal.accept", NULL, "{s:I}", "id",
                                     (json_int_t)f->proposal)))
        f->proposal = 0;
    if (f->proposal && qf_test_run (&f->d, "sales", "contract.draft", &record, "{s:I, s:s, s:s}",
                                    "proposal_id", (json_int_t)f->proposal, "payment_term", "full",
                                    "schedule", "2026-04-01:300000") == 0)
        f->contract = qf_test_int (record, "id");
    json_decref (record);
    f->d.user = NULL;
    if (!f->contract)
        fprintf (stderr, "setup: %s (%s)\n", f->d.error, f->d.field);
    return f->contract ? 0 : -1;
}

/* feedback.add as `role` by `user` for customer `customer` of `category`
   and `severity` (NULL: the default): the case's id, or 0 (d.error). */
static long long
s_add (fixture_t *f, const char *role, const char *user, long long customer, const char *category,
       const char *severity)
{
    json_t *record = NULL;
    f->d.user = user;
    int rc = qf_test_run (&f->d, role, "feedback.add", &record, "{s:I, s:s, s:s?, s:s, s:s}",
                          "customer_id", (json_int_t)customer, "category", category, "severity",
                          severity, "text", "证书查询不到 the certificate is not found online",
                          "channel", "phone");
    f->d.user = NULL;
    long long id = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    if (rc && getenv ("QF_TEST_VERBOSE"))
        fprintf (stderr, "feedback.add: %s (%s)\n", f->d.error, f->d.field);
    return id;
}

/* The stored case (the caller's), or NULL. */
static json_t *
s_case (fixture_t *f, long long id)
{
    json_t *record = NULL;
    return qf_store_feedback_get (f->d.store, id, &record) == 0 ? record : NULL;
}

/* The working day `count` working days after `day`, counted the test's
   own way: Monday to Friday but the test's holiday 2026-10-01. */
static int32_t
s_after (int32_t day, int count)
{
    int32_t holiday = 0;
    qf_date_parse ("2026-10-01", &holiday);
    while (count > 0) {
        day++;
        int weekday = (int)(((day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday: 0 = Monday */
        if (weekday < 5 && day != holiday)
            count--;
    }
    return day;
}

/* A day as YYYY-MM-DD, in a static buffer (one at a time). */
static const char *
s_date (int32_t day)
{
    static char text[16];
    return qf_date_format (day, text, sizeof text);
}

/* The day number of YYYY-MM-DD. */
static int32_t
s_day (const char *date)
{
    int32_t day = 0;
    qf_date_parse (date, &day);
    return day;
}

/* The pending timer of case `id`: its due time, 0 when none. */
static int64_t
s_timer_due (fixture_t *f, long long id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    json_t *timers = NULL;
    int64_t due = 0;
    if (qf_timers_list (f->d.store, qf_subject (subject, sizeof subject, "case", id), &timers))
        return -1;
    for (size_t i = 0; i < json_array_size (timers); i++) {
        json_t *timer = json_array_get (timers, i);
        if (strcmp (qf_test_str (timer, "state"), "pending") == 0)
            due = json_integer_value (json_object_get (timer, "due"));
    }
    json_decref (timers);
    return due;
}

/* Tests -------------------------------------------------------------------------- */

QF_TEST (periods)
{
    qf_feedback_period_t p;
    QF_CHECK_EQ_INT (qf_feedback_period_parse ("2027Q1", &p), 0);
    QF_CHECK_STR (s_date (p.first_day), "2027-01-01");
    QF_CHECK_STR (s_date (p.last_day), "2027-03-31");
    QF_CHECK_EQ_INT (p.m1, 202701);
    QF_CHECK_EQ_INT (p.m2, 202703);
    QF_CHECK_EQ_INT (qf_feedback_period_parse ("2027Q4", &p), 0);
    QF_CHECK_STR (s_date (p.last_day), "2027-12-31");
    QF_CHECK_EQ_INT (qf_feedback_period_parse ("2028-02", &p), 0);
    QF_CHECK_STR (s_date (p.first_day), "2028-02-01");
    QF_CHECK_STR (s_date (p.last_day), "2028-02-29"); /* a leap year */
    QF_CHECK_EQ_INT (qf_feedback_period_parse ("2027", &p), 0);
    QF_CHECK_EQ_INT (p.m1, 202701);
    QF_CHECK_EQ_INT (p.m2, 202712);
    const char *bad[] = {"2027Q5", "2027Q0", "27Q1", "2027-13", "2027-00",   "2027-3",
                         "",       "abcd",   "1969", "2027q1",  "2027-03-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        QF_CHECK_EQ_INT (qf_feedback_period_parse (bad[i], &p), QF_EINVAL);
    qf_feedback_period_of (QF_DIGEST_QUARTER, s_day ("2026-08-15"), &p);
    QF_CHECK_STR (p.name, "2026Q3");
    QF_CHECK_STR (s_date (p.first_day), "2026-07-01");
    qf_feedback_period_of (QF_DIGEST_MONTH, s_day ("2026-12-31"), &p);
    QF_CHECK_STR (p.name, "2026-12");
    QF_CHECK_STR (s_date (p.last_day), "2026-12-31");
}

QF_TEST (technical_and_service_cases)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    uint64_t mark = qf_test_mark (&f.d);
    int32_t today = s_day (QF_TEST_MONDAY);
    /* A technical problem, high: the category's own 3 working days. */
    long long tech =
        s_add (&f, "aftersales", "zhou.min", f.customer, "certificate-invalid", "high");
    QF_CHECK (tech > 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (s_do (&f, "zhou.min", "aftersales", "case.show", tech, &record), 0);
    QF_CHECK_STR (qf_test_str (record, "kind"), "technical");
    QF_CHECK_STR (qf_test_str (record, "state"), "open");
    QF_CHECK_STR (qf_test_str (record, "source"), "direct");
    QF_CHECK_STR (qf_test_str (record, "department"), "technical");
    QF_CHECK (json_is_null (json_object_get (record, "owner")));
    QF_CHECK_STR (qf_test_str (record, "deadline"), s_date (s_after (today, 3)));
    QF_CHECK_STR (qf_test_str (record, "response_due"), s_date (s_after (today, 1)));
    json_decref (record);
    /* Its timer: the first working day after the deadline, at 09:00. */
    QF_CHECK_EQ_INT (s_timer_due (&f, tech),
                     qf_test_at (s_date (s_after (s_after (today, 3), 1)), 9, 0));
    /* A service problem, severity by default normal: feedback.deadline_normal_days. */
    long long service = s_add (&f, "sales", "li.lei", f.customer, "staff-conduct", NULL);
    QF_CHECK (service > 0);
    record = s_case (&f, service);
    QF_CHECK_STR (qf_test_str (record, "kind"), "service");
    QF_CHECK_STR (qf_test_str (record, "severity"), "normal");
    QF_CHECK_STR (qf_test_str (record, "owner"), "li.lei"); /* the customer's salesperson */
    QF_CHECK_EQ_INT (qf_test_int (record, "deadline"), s_after (today, 4));
    json_decref (record);
    /* An integration (a web form) hands one in: its source says so. */
    long long web = s_add (&f, "integration", "webform", f.other, "late-delivery", "low");
    QF_CHECK (web > 0);
    record = s_case (&f, web);
    QF_CHECK_STR (qf_test_str (record, "source"), "integration");
    QF_CHECK_STR (qf_test_str (record, "owner"), "wang.fang");
    QF_CHECK_EQ_INT (qf_test_int (record, "deadline"), s_after (today, 10)); /* the default */
    json_decref (record);
    /* feedback.received: the technical case to the technical group, the
       service case to its department and owner. */
    json_t *events = qf_test_events (&f.d, mark, "feedback.received");
    QF_CHECK_EQ_INT (json_array_size (events), 3);
    json_t *first = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (first, "recipients"), 0)),
                  "technical");
    QF_CHECK_STR (qf_test_str (first, "kind"), "technical");
    QF_CHECK_EQ_INT (qf_test_int (first, "case_id"), tech);
    json_t *second = json_object_get (json_array_get (events, 1), "payload");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (second, "recipients"), 0)),
                  "sales");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (second, "recipients"), 1)),
                  "li.lei");
    QF_CHECK_STR (qf_test_str (second, "title"), "销售人员服务 (conduct)");
    json_decref (events);
    /* The customer's profile and proposals show the open cases. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "supervisor", "customer.show", &record, "{s:I}", "id",
                                  (json_int_t)f.customer),
                     0);
    json_t *open = json_object_get (record, "open_cases");
    QF_CHECK_EQ_INT (json_array_size (open), 2);
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (open, 0), "id"), tech);
    QF_CHECK_STR (qf_test_str (json_array_get (open, 0), "deadline"), s_date (s_after (today, 3)));
    json_decref (record);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "supervisor", "proposal.show", &record, "{s:I}", "id",
                                  (json_int_t)f.proposal),
                     0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (record, "open_cases")), 2);
    json_decref (record);
    int open_count = -1;
    QF_CHECK_EQ_INT (qf_feedback_open_cases (f.d.store, f.other, &open_count), 0);
    QF_CHECK_EQ_INT (open_count, 1);
    /* The technical worker's receipt: the group took it, nothing else changes. */
    f.d.from_worker = true;
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_do (&f, "technical", "technical", "case.acknowledge", tech, NULL), 0);
    f.d.from_worker = false;
    record = s_case (&f, tech);
    QF_CHECK_STR (qf_test_str (record, "state"), "open");
    QF_CHECK_STR (qf_test_str (record, "routed_by"), "technical");
    QF_CHECK (json_is_null (json_object_get (record, "responded_at")));
    json_decref (record);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    /* A person of technical answers it: the first response, on time. */
    f.d.now += 3600000;
    QF_CHECK_EQ_INT (s_do (&f, "chen.jie", "technical", "case.acknowledge", tech, NULL), 0);
    record = s_case (&f, tech);
    QF_CHECK_STR (qf_test_str (record, "state"), "acknowledged");
    QF_CHECK_EQ_INT (qf_test_int (record, "response_ms"), 3600000);
    QF_CHECK_EQ_INT (qf_test_int (record, "responded_on_time"), 1);
    json_decref (record);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "case.acknowledged"), 1);
    /* Again: no second response. */
    QF_CHECK_EQ_INT (s_do (&f, "chen.jie", "technical", "case.acknowledge", tech, NULL), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "case.acknowledged"), 1);
    /* Findings, the outcome told (no apology needed for a technical
       problem), closed within its deadline: the timer is gone. */
    f.d.user = "chen.jie";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "technical", "case.findings", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)tech, "text", "省厅系统延迟同步 the registry lags"),
                     0);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "technical", "case.tell", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)tech, "outcome", "已同步 synchronised", "channel",
                                  "phone"),
                     0);
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "technical", "case.close", &record, "{s:I}", "id", (json_int_t)tech), 0);
    f.d.user = NULL;
    QF_CHECK_STR (qf_test_str (record, "state"), "closed");
    QF_CHECK_EQ_INT (qf_test_int (record, "closed_on_time"), 1);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (record, "findings")), 1);
    json_decref (record);
    QF_CHECK_EQ_INT (s_timer_due (&f, tech), 0);
    QF_CHECK_EQ_INT (qf_feedback_open_cases (f.d.store, f.customer, &open_count), 0);
    QF_CHECK_EQ_INT (open_count, 1);
    qf_test_daemon_close (&f.d);
}

/* What a refusal must leave as it was: the cases, the events, the timers. */
typedef struct {
    json_t *cases;
    uint64_t mark;
    int64_t due;
} s_state_t;

static void
s_keep (fixture_t *f, s_state_t *state, long long timer_case)
{
    qf_store_feedback_list (f->d.store, 0, NULL, NULL, NULL, 0, 1000, &state->cases);
    state->mark = qf_test_mark (&f->d);
    state->due = s_timer_due (f, timer_case);
}

/* Whether nothing changed since s_keep. */
static bool
s_unchanged (fixture_t *f, s_state_t *state, long long timer_case)
{
    json_t *cases = NULL;
    qf_store_feedback_list (f->d.store, 0, NULL, NULL, NULL, 0, 1000, &cases);
    bool same = cases && json_equal (cases, state->cases) &&
                qf_test_count (&f->d, state->mark, NULL) == 0 &&
                s_timer_due (f, timer_case) == state->due;
    json_decref (cases);
    return same;
}

QF_TEST (add_refusals_change_nothing)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    long long first = s_add (&f, "aftersales", "zhou.min", f.customer, "staff-conduct", NULL);
    QF_CHECK (first > 0);
    s_state_t state;
    s_keep (&f, &state, first);
    /* An unknown category: the daemon names the configured ones. */
    QF_CHECK_EQ_INT (s_add (&f, "aftersales", "zhou.min", f.customer, "weather", NULL), 0);
    QF_CHECK_STR (f.d.field, "args.category");
    QF_CHECK (strstr (f.d.error, "certificate-invalid") &&
              strstr (f.d.error, "feedback_categories"));
    /* A bad severity. */
    QF_CHECK_EQ_INT (s_add (&f, "aftersales", "zhou.min", f.customer, "staff-conduct", "urgent"),
                     0);
    QF_CHECK_STR (f.d.field, "args.severity");
    /* A kind that is not the category's. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "aftersales", "feedback.add", NULL, "{s:I, s:s, s:s, s:s}",
                                  "customer_id", (json_int_t)f.customer, "category",
                                  "staff-conduct", "kind", "technical", "text", "rude"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.kind");
    QF_CHECK (strstr (f.d.error, "service"));
    /* Only blanks. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "aftersales", "feedback.add", NULL, "{s:I, s:s, s:s}",
                                  "customer_id", (json_int_t)f.customer, "category",
                                  "staff-conduct", "text", "   "),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.text");
    /* No such customer; a contract of another customer. */
    QF_CHECK_EQ_INT (s_add (&f, "aftersales", "zhou.min", 9999, "staff-conduct", NULL), 0);
    QF_CHECK_STR (f.d.field, "args.customer_id");
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "aftersales", "feedback.add", NULL, "{s:I, s:I, s:s, s:s}",
                                  "customer_id", (json_int_t)f.other, "contract_id",
                                  (json_int_t)f.contract, "category", "staff-conduct", "text",
                                  "late"),
                     QF_ECONFLICT);
    QF_CHECK_STR (f.d.field, "args.contract_id");
    /* Roles that may not: finance at all, a salesperson for another's customer. */
    QF_CHECK_EQ_INT (s_add (&f, "finance", "qian.li", f.customer, "staff-conduct", NULL), 0);
    QF_CHECK (strstr (f.d.error, "finance"));
    QF_CHECK_EQ_INT (s_add (&f, "sales", "wang.fang", f.customer, "staff-conduct", NULL), 0);
    QF_CHECK_STR (f.d.field, "args.customer_id");
    QF_CHECK (strstr (f.d.error, "li.lei"));
    /* The C function: unknown members, a callback without its id, an id
       without a callback. */
    char why[512];
    json_t *feedback =
        json_pack ("{s:I, s:s, s:s, s:s, s:s}", "customer_id", (json_int_t)f.customer, "source",
                   "callback", "category", "staff-conduct", "text", "rude", "mood", "bad");
    QF_CHECK_EQ_INT (qf_store_begin (f.d.store), 0);
    int rc = qf_feedback_add (f.d.store, f.d.config, f.d.now, feedback, "aftersales", NULL, why,
                              sizeof why);
    QF_CHECK_EQ_INT (rc, QF_EINVAL);
    QF_CHECK (strstr (why, "mood"));
    json_object_del (feedback, "mood");
    rc = qf_feedback_add (f.d.store, f.d.config, f.d.now, feedback, "aftersales", NULL, why,
                          sizeof why);
    QF_CHECK_EQ_INT (rc, QF_EINVAL);
    QF_CHECK (strstr (why, "callback_id"));
    json_object_set_new (feedback, "source", json_string ("direct"));
    json_object_set_new (feedback, "callback_id", json_integer (7));
    rc = qf_feedback_add (f.d.store, f.d.config, f.d.now, feedback, "aftersales", NULL, why,
                          sizeof why);
    QF_CHECK_EQ_INT (rc, QF_EINVAL);
    /* A callback gives one case per category: the second is refused and
       leaves nothing, though the first stands. */
    json_object_set_new (feedback, "source", json_string ("callback"));
    int64_t from_callback = 0;
    QF_CHECK_EQ_INT (qf_feedback_add (f.d.store, f.d.config, f.d.now, feedback, "aftersales",
                                      &from_callback, why, sizeof why),
                     0);
    QF_CHECK_EQ_INT (qf_feedback_add (f.d.store, f.d.config, f.d.now, feedback, "aftersales", NULL,
                                      why, sizeof why),
                     QF_ECONFLICT);
    QF_CHECK (strstr (why, "callback 7"));
    QF_CHECK_EQ_INT (qf_store_rollback (f.d.store), 0);
    json_decref (feedback);
    QF_CHECK (from_callback > first);
    QF_CHECK (s_unchanged (&f, &state, first));
    json_decref (state.cases);
    qf_test_daemon_close (&f.d);
}

QF_TEST (case_rules_change_nothing)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    long long service = s_add (&f, "aftersales", "zhou.min", f.customer, "staff-conduct", NULL);
    QF_CHECK (service > 0);
    s_state_t state;
    s_keep (&f, &state, service);
    /* Closing before the outcome was told (§3.3). */
    QF_CHECK_EQ_INT (s_do (&f, "zhou.min", "aftersales", "case.close", service, NULL),
                     QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "told") && strstr (f.d.error, "§3.3"));
    /* Telling a service problem's outcome before any finding, or without the apology. */
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.tell", NULL, "{s:I, s:s, s:s, s:s}", "id",
                                  (json_int_t)service, "outcome", "retrained", "apology", "sorry",
                                  "channel", "phone"),
                     QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "findings"));
    /* Roles that may not: technical on a service case, integration at
       all, a salesperson who does not own it. */
    QF_CHECK_EQ_INT (s_do (&f, "chen.jie", "technical", "case.acknowledge", service, NULL),
                     QF_EFORBIDDEN);
    QF_CHECK (strstr (f.d.error, "service"));
    QF_CHECK_EQ_INT (s_do (&f, "webform", "integration", "case.close", service, NULL),
                     QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_do (&f, "wang.fang", "sales", "case.acknowledge", service, NULL),
                     QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_do (&f, "wang.fang", "sales", "case.show", service, NULL), QF_EFORBIDDEN);
    QF_CHECK (s_unchanged (&f, &state, service));
    json_decref (state.cases);
    /* The owner investigates: the first response and a finding. */
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.findings", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)service, "text",
                                  "承诺了未授权的折扣 promised a discount"),
                     0);
    s_keep (&f, &state, service);
    /* No apology; a time in the future; a time before the case. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.tell", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)service, "outcome", "retrained", "channel", "phone"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.apology");
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.tell", NULL, "{s:I, s:s, s:s, s:s, s:s}",
                                  "id", (json_int_t)service, "outcome", "retrained", "apology",
                                  "sorry", "channel", "phone", "at", "2026-03-03T10:00"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.at");
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.tell", NULL, "{s:I, s:s, s:s, s:s, s:s}",
                                  "id", (json_int_t)service, "outcome", "retrained", "apology",
                                  "sorry", "channel", "phone", "at", "2026-03-01T10:00"),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.tell", NULL, "{s:I, s:s, s:s, s:s, s:s}",
                                  "id", (json_int_t)service, "outcome", "retrained", "apology",
                                  "sorry", "channel", "phone", "at", "2026-03-02 10:00"),
                     QF_EINVAL);
    f.d.user = NULL;
    QF_CHECK (s_unchanged (&f, &state, service));
    json_decref (state.cases);
    /* Told: the apology and outcome with channel and time. */
    f.d.now += 2 * 3600000;
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.tell", NULL, "{s:I, s:s, s:s, s:s, s:s}",
                                  "id", (json_int_t)service, "outcome",
                                  "已培训并退还差价 retrained", "apology", "非常抱歉 we are sorry",
                                  "channel", "visit", "at", "2026-03-02T11:30"),
                     0);
    json_t *record = s_case (&f, service);
    QF_CHECK_STR (qf_test_str (record, "state"), "told");
    QF_CHECK_STR (qf_test_str (record, "told_channel"), "visit");
    QF_CHECK_EQ_INT (qf_test_int (record, "told_at"), qf_test_at ("2026-03-02", 11, 30));
    json_decref (record);
    s_keep (&f, &state, service);
    /* Told once; no findings after it. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.tell", NULL, "{s:I, s:s, s:s, s:s}", "id",
                                  (json_int_t)service, "outcome", "x", "apology", "y", "channel",
                                  "phone"),
                     QF_ECONFLICT);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "case.findings", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)service, "text", "more"),
                     QF_ECONFLICT);
    QF_CHECK (s_unchanged (&f, &state, service));
    json_decref (state.cases);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "sales", "case.close", &record, "{s:I}", "id", (json_int_t)service), 0);
    f.d.user = NULL;
    QF_CHECK_STR (qf_test_str (record, "state"), "closed");
    QF_CHECK_EQ_INT (qf_test_int (record, "resolution_ms"), 2 * 3600000);
    json_decref (record);
    json_t *events = qf_test_events (&f.d, mark, "case.closed");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    QF_CHECK (json_is_true (
        json_object_get (json_object_get (json_array_get (events, 0), "payload"), "on_time")));
    json_decref (events);
    /* Closed: closed again, or answered, is refused. */
    s_keep (&f, &state, service);
    QF_CHECK_EQ_INT (s_do (&f, "zhou.min", "aftersales", "case.close", service, NULL),
                     QF_ECONFLICT);
    QF_CHECK_EQ_INT (s_do (&f, "zhou.min", "aftersales", "case.acknowledge", service, NULL),
                     QF_ECONFLICT);
    QF_CHECK (s_unchanged (&f, &state, service));
    json_decref (state.cases);
    qf_test_daemon_close (&f.d);
}

QF_TEST (overdue_on_working_days_once)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    /* Opened Tuesday 2026-09-29, high: three working days, the holiday of
       Thursday 1 October and the weekend not counted: Monday 5 October. */
    f.d.now = qf_test_at ("2026-09-29", 15, 0);
    long long id = s_add (&f, "aftersales", "zhou.min", f.customer, "certificate-invalid", "high");
    QF_CHECK (id > 0);
    json_t *record = s_case (&f, id);
    QF_CHECK_EQ_INT (qf_test_int (record, "deadline"), s_after (s_day ("2026-09-29"), 3));
    QF_CHECK_STR (s_date ((int32_t)qf_test_int (record, "deadline")), "2026-10-05");
    json_decref (record);
    uint64_t mark = qf_test_mark (&f.d);
    /* Not on the deadline day, not before the reminder time of the next. */
    f.d.now = qf_test_at ("2026-10-05", 23, 0);
    QF_CHECK (qf_test_fire (&f.d) >= 0); /* September's digest fires meanwhile */
    f.d.now = qf_test_at ("2026-10-06", 8, 59);
    QF_CHECK (qf_test_fire (&f.d) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "feedback.overdue"), 0);
    QF_CHECK (s_timer_due (&f, id) == qf_test_at ("2026-10-06", 9, 0));
    /* A restart across its time: the store is closed and opened again. */
    qf_store_destroy (&f.d.store);
    char error[256];
    f.d.store = qf_store_new (f.d.path, QF_DURABILITY_NORMAL, error, sizeof error);
    QF_CHECK (f.d.store);
    f.d.now = qf_test_at ("2026-10-08", 10, 0);
    QF_CHECK_EQ_INT (qf_test_fire (&f.d), 1);
    json_t *events = qf_test_events (&f.d, mark, "feedback.overdue");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK (json_is_true (json_object_get (payload, "late")));
    QF_CHECK_STR (qf_test_str (payload, "deadline"), "2026-10-05");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (payload, "recipients"), 0)),
                  "technical");
    json_decref (events);
    record = s_case (&f, id);
    QF_CHECK_EQ_INT (qf_test_int (record, "overdue"), 1);
    json_decref (record);
    /* Once: no timer left, nothing more on the next days. */
    QF_CHECK_EQ_INT (s_timer_due (&f, id), 0);
    f.d.now = qf_test_at ("2026-10-09", 10, 0);
    QF_CHECK (qf_test_fire (&f.d) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "feedback.overdue"), 1);
    /* An overdue case is still closed the usual way, late. */
    f.d.user = "chen.jie";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "technical", "case.tell", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)id, "outcome", "fixed", "channel", "email"),
                     0);
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "technical", "case.close", &record, "{s:I}", "id", (json_int_t)id), 0);
    f.d.user = NULL;
    QF_CHECK_EQ_INT (qf_test_int (record, "closed_on_time"), 0);
    json_decref (record);
    /* A case closed before its deadline never goes overdue. */
    f.d.now = qf_test_at ("2026-10-12", 10, 0);
    long long quick = s_add (&f, "aftersales", "zhou.min", f.customer, "certificate-invalid", NULL);
    f.d.user = "chen.jie";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "technical", "case.tell", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)quick, "outcome", "fixed", "channel", "email"),
                     0);
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "technical", "case.close", NULL, "{s:I}", "id", (json_int_t)quick), 0);
    f.d.user = NULL;
    f.d.now = qf_test_at ("2026-11-30", 10, 0);
    QF_CHECK (qf_test_fire (&f.d) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "feedback.overdue"), 1);
    qf_test_daemon_close (&f.d);
}

/* The median and p90 (nearest rank) of `n` times in ms, as hours to two
   decimals: the report's definition, computed here on its own. */
static void
s_expected (int64_t *ms, size_t n, double *median_p, double *p90_p)
{
    for (size_t i = 0; i < n; i++) /* insertion sort: a handful of values */
        for (size_t j = i; j > 0 && ms[j - 1] > ms[j]; j--) {
            int64_t t = ms[j];
            ms[j] = ms[j - 1];
            ms[j - 1] = t;
        }
    double middle = n % 2 ? (double)ms[n / 2] : ((double)ms[n / 2 - 1] + (double)ms[n / 2]) / 2;
    size_t rank = (size_t)ceil (0.9 * (double)n);
    *median_p = round (middle / 3600000.0 * 100) / 100;
    *p90_p = round ((double)ms[rank - 1] / 3600000.0 * 100) / 100;
}

/* The row of `list` whose `key` is `value`, or NULL. */
static json_t *
s_row (json_t *list, const char *key, const char *value)
{
    for (size_t i = 0; i < json_array_size (list); i++)
        if (strcmp (qf_test_str (json_array_get (list, i), key), value) == 0)
            return json_array_get (list, i);
    return NULL;
}

QF_TEST (report_figures)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    char why[256];
    /* Scores of callbacks on the contract (li.lei's; construction-general
       and survey): March 4 and 2, April 5; one scored twice counts once. */
    const struct {
        long long callback;
        const char *date;
        int score;
    } scores[] = {
        {1, "2026-03-10", 4}, {2, "2026-03-20", 2}, {3, "2026-04-02", 5}, {2, "2026-03-21", 1}};
    QF_CHECK_EQ_INT (qf_store_begin (f.d.store), 0);
    for (size_t i = 0; i < 4; i++)
        QF_CHECK_EQ_INT (qf_feedback_score (f.d.store, f.d.now, scores[i].callback, f.contract,
                                            scores[i].date, scores[i].score, why, sizeof why),
                         0);
    QF_CHECK_EQ_INT (
        qf_feedback_score (f.d.store, f.d.now, 4, f.contract, "2026-03-10", 6, why, sizeof why),
        QF_EINVAL);
    QF_CHECK (strstr (why, "1 to 5"));
    QF_CHECK_EQ_INT (
        qf_feedback_score (f.d.store, f.d.now, 4, 9999, "2026-03-10", 3, why, sizeof why),
        QF_ENOTFOUND);
    QF_CHECK_EQ_INT (qf_store_commit (f.d.store), 0);
    /* Cases opened in March: each answered and closed after its own
       number of hours (the clock moves on between them). */
    const int64_t respond_h[] = {1, 3, 30, 2};
    const int64_t close_h[] = {5, 8, 100, 20};
    const char *categories[] = {"certificate-invalid", "staff-conduct", "staff-conduct",
                                "late-delivery"};
    int64_t response_ms[4], resolution_ms[4];
    long long ids[4];
    int64_t start = qf_test_at ("2026-03-03", 9, 0);
    for (size_t i = 0; i < 4; i++) {
        f.d.now = start;
        ids[i] = s_add (&f, "aftersales", "zhou.min", i == 3 ? f.other : f.customer, categories[i],
                        NULL);
        QF_CHECK (ids[i] > 0);
        f.d.now = start + respond_h[i] * 3600000;
        f.d.user = "zhou.min";
        QF_CHECK_EQ_INT (qf_test_run (&f.d, "aftersales", "case.findings", NULL, "{s:I, s:s}", "id",
                                      (json_int_t)ids[i], "text", "looked into it"),
                         0);
        f.d.now = start + close_h[i] * 3600000;
        QF_CHECK_EQ_INT (qf_test_run (&f.d, "aftersales", "case.tell", NULL, "{s:I, s:s, s:s, s:s}",
                                      "id", (json_int_t)ids[i], "outcome", "done", "apology",
                                      "sorry", "channel", "phone"),
                         0);
        QF_CHECK_EQ_INT (
            qf_test_run (&f.d, "aftersales", "case.close", NULL, "{s:I}", "id", (json_int_t)ids[i]),
            0);
        f.d.user = NULL;
        response_ms[i] = respond_h[i] * 3600000;
        resolution_ms[i] = close_h[i] * 3600000;
    }
    /* Two open at the end of March: one opened on 2026-03-30 (Monday), one
       on 2026-03-16. */
    f.d.now = qf_test_at ("2026-03-16", 10, 0);
    long long old_open = s_add (&f, "aftersales", "zhou.min", f.customer, "staff-conduct", "low");
    f.d.now = qf_test_at ("2026-03-30", 10, 0);
    long long new_open = s_add (&f, "aftersales", "zhou.min", f.customer, "late-delivery", NULL);
    QF_CHECK (old_open > 0 && new_open > 0);
    /* The report of 2026Q1, asked on 2026-04-15. */
    f.d.now = qf_test_at ("2026-04-15", 10, 0);
    json_t *report = NULL;
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "management", "report.feedback", &report, "{s:s}", "period", "2026Q1"),
        0);
    QF_CHECK_STR (qf_test_str (report, "from"), "2026-01-01");
    QF_CHECK_STR (qf_test_str (report, "to"), "2026-03-31");
    /* Satisfaction: the March scores 4 and 2 (callback 2's second score
       not counted); April's 5 is another quarter's. */
    json_t *sat = json_object_get (report, "satisfaction");
    QF_CHECK_EQ_INT (qf_test_int (sat, "callbacks"), 2);
    QF_CHECK (fabs (json_number_value (json_object_get (sat, "average")) - (4 + 2) / 2.0) < 1e-9);
    QF_CHECK_EQ_INT (qf_test_int (sat, "low"), 1);
    json_t *person = s_row (json_object_get (sat, "by_salesperson"), "salesperson", "li.lei");
    QF_CHECK (person);
    QF_CHECK_EQ_INT (qf_test_int (person, "callbacks"), 2);
    json_t *category = s_row (json_object_get (sat, "by_category"), "category", "survey");
    QF_CHECK (category && qf_test_int (category, "callbacks") == 2);
    QF_CHECK (s_row (json_object_get (sat, "by_category"), "category", "construction-general"));
    QF_CHECK (s_row (json_object_get (sat, "by_month"), "month", "2026-03"));
    QF_CHECK (!s_row (json_object_get (sat, "by_month"), "month", "2026-04"));
    /* Cases: six opened, four closed; the times as computed here. */
    json_t *cases = json_object_get (report, "cases");
    QF_CHECK_EQ_INT (qf_test_int (cases, "received"), 6);
    QF_CHECK_EQ_INT (qf_test_int (cases, "technical"), 1);
    QF_CHECK_EQ_INT (qf_test_int (cases, "service"), 5);
    QF_CHECK_EQ_INT (qf_test_int (cases, "closed"), 4);
    double median = 0, p90 = 0;
    s_expected (resolution_ms, 4, &median, &p90);
    json_t *resolution = json_object_get (report, "resolution");
    QF_CHECK (fabs (json_number_value (json_object_get (resolution, "median_hours")) - median) <
              1e-9);
    QF_CHECK (fabs (json_number_value (json_object_get (resolution, "p90_hours")) - p90) < 1e-9);
    s_expected (response_ms, 4, &median, &p90);
    json_t *response = json_object_get (report, "response");
    QF_CHECK (fabs (json_number_value (json_object_get (response, "median_hours")) - median) <
              1e-9);
    QF_CHECK (fabs (json_number_value (json_object_get (response, "p90_hours")) - p90) < 1e-9);
    /* Answered within one working day: by the end of 2026-03-04. */
    int64_t on_time = 0;
    for (size_t i = 0; i < 4; i++)
        on_time += start + response_ms[i] < qf_test_at ("2026-03-05", 0, 0);
    QF_CHECK_EQ_INT (qf_test_int (response, "on_time"), on_time);
    /* The most frequent category first. */
    json_t *list = json_object_get (report, "categories");
    QF_CHECK_STR (qf_test_str (json_array_get (list, 0), "category"), "staff-conduct");
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (list, 0), "cases"), 3);
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (list, 1), "cases"), 2);
    /* Open at the quarter's end, by age in working days: 2026-03-30 has 1
       (the 31st), 2026-03-16 has 11. */
    json_t *open = json_object_get (report, "open");
    QF_CHECK_STR (qf_test_str (open, "as_of"), "2026-03-31");
    QF_CHECK_EQ_INT (qf_test_int (open, "cases"), 2);
    json_t *ages = json_object_get (open, "by_age");
    QF_CHECK_EQ_INT (json_array_size (ages), 3);
    QF_CHECK_STR (qf_test_str (json_array_get (ages, 0), "working_days"), "0-2");
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (ages, 0), "cases"), 1);
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (ages, 1), "cases"), 0);
    QF_CHECK_STR (qf_test_str (json_array_get (ages, 2), "working_days"), "6+");
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (ages, 2), "cases"), 1);
    json_decref (report);
    /* The month and the year; the second quarter has April's score only. */
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "management", "report.feedback", &report, "{s:s}", "period", "2026-04"),
        0);
    sat = json_object_get (report, "satisfaction");
    QF_CHECK_EQ_INT (qf_test_int (sat, "callbacks"), 1);
    QF_CHECK_EQ_INT (qf_test_int (json_object_get (report, "cases"), "received"), 0);
    QF_CHECK_EQ_INT (qf_test_int (json_object_get (report, "open"), "cases"), 2); /* as of today */
    json_decref (report);
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "management", "report.feedback", &report, "{s:s}", "period", "2026"), 0);
    QF_CHECK_EQ_INT (qf_test_int (json_object_get (report, "satisfaction"), "callbacks"), 3);
    json_decref (report);
    /* A bad period; a role that may not read it. */
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "management", "report.feedback", NULL, "{s:s}", "period", "2026Q5"),
        QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.period");
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "report.feedback", NULL, "{}"), QF_EFORBIDDEN);
    qf_test_daemon_close (&f.d);
}

QF_TEST (digest_per_department)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    uint64_t mark = qf_test_mark (&f.d);
    /* March: two cases of sales' category, one of logistics'; none of technical's. */
    QF_CHECK (s_add (&f, "aftersales", "zhou.min", f.customer, "staff-conduct", NULL) > 0);
    QF_CHECK (s_add (&f, "aftersales", "zhou.min", f.customer, "staff-conduct", NULL) > 0);
    QF_CHECK (s_add (&f, "aftersales", "zhou.min", f.other, "late-delivery", NULL) > 0);
    /* Not before the month ends. */
    f.d.now = qf_test_at ("2026-03-31", 23, 59);
    QF_CHECK (qf_test_fire (&f.d) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "feedback.digest"), 0);
    f.d.now = qf_test_at ("2026-04-01", 0, 0);
    QF_CHECK (qf_test_fire (&f.d) >= 1);
    json_t *events = qf_test_events (&f.d, mark, "feedback.digest");
    QF_CHECK_EQ_INT (json_array_size (events), 3); /* technical, sales, logistics */
    for (size_t i = 0; i < 3; i++) {
        json_t *event = json_array_get (events, i);
        json_t *payload = json_object_get (event, "payload");
        const char *department = qf_test_str (payload, "department");
        QF_CHECK_STR (qf_test_str (payload, "period"), "2026-03");
        long long expected = strcmp (department, "sales") == 0       ? 2
                             : strcmp (department, "logistics") == 0 ? 1
                                                                     : 0;
        QF_CHECK_EQ_INT (qf_test_int (json_object_get (payload, "cases"), "received"), expected);
        QF_CHECK_STR (
            json_string_value (json_array_get (json_object_get (payload, "recipients"), 0)),
            department);
        /* The satisfaction concerns sales, not the others. */
        QF_CHECK ((strcmp (department, "sales") == 0) ==
                  (json_object_get (payload, "satisfaction") != NULL));
    }
    json_decref (events);
    /* Once; the next at the end of April. */
    QF_CHECK_EQ_INT (qf_test_fire (&f.d), 0);
    f.d.now = qf_test_at ("2026-05-01", 0, 1);
    QF_CHECK (qf_test_fire (&f.d) >= 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "feedback.digest"), 6);
    qf_test_daemon_close (&f.d);
}

int
main (void)
{
    s_test_suite = "feedback";
    QF_RUN (periods);
    QF_RUN (technical_and_service_cases);
    QF_RUN (add_refusals_change_nothing);
    QF_RUN (case_rules_change_nothing);
    QF_RUN (overdue_on_working_days_once);
    QF_RUN (report_figures);
    QF_RUN (digest_per_department);
    return qf_test_done ();
}
