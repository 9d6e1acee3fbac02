/*  test_risk — the risk register, its responses (§7.1, §7.2) and
    emergencies (§7.3), run in-process on a real SQLite store as the
    daemon runs them (qf_test_daemon.h): a risk is scored by the
    configured matrix, never typed in, and risk.high goes to management
    once per crossing of the alert level; a signed contract whose delivery
    is at risk raises a processing risk, scored again as late when its
    date passes undelivered, and closed by the delivery; a policy change
    raises a policy risk naming the suspended qualifications and the
    contracts already signed for them; a dispute raises a legal risk; each
    strategy needs what it records; overdue actions are reminded on
    working days. An incident tells management at once, keeps its team,
    timeline and communication log (never edited: the store's triggers
    refuse it) and closes only with a conclusion and lessons. Every
    refusal names the field and changes nothing (the store and the event
    log are read back).
*/
#include "incident/incident_store.h"
#include "qf_store_int.h"
#include "qf_test.h"
#include "qf_test_daemon.h"
#include "risk/risk_config.h"
#include "risk/risk_store.h"

#include <sqlite3.h>

#define CODE_A "91350100M000100Y43"

/* The test's policy, prices, templates and contract settings, then
   `risk_keys` under risk:. */
#define YAML_WITH(risk_keys)                                                                       \
    QF_TEST_POLICY                                                                                 \
    "  min_validity_for_sale_days: 0\n"                                                            \
    "list_prices:\n  - name: construction-general\n    price: 200000\n"                            \
    "  - name: survey\n    price: 100000\n"                                                        \
    "processing_steps:\n  - name: survey\n    text: \"现场勘察 site survey\"\n"                \
    "after_sales_services:\n  - name: callback\n    text: \"回访 callback\"\n"                   \
    "contract:\n  delivery_at_risk_days: 3\n"                                                      \
    "contract_clauses:\n  - name: rights\n    text: \"甲方保证资质合法有效\"\n"          \
    "payment_terms:\n  - name: full\n    text: \"一次付清\"\n    instalments: 1\n"             \
    "risk:\n" risk_keys
#define YAML YAML_WITH ("  loss_ratio: 0.2\n")

typedef struct {
    qf_test_daemon_t d;
    long long qual[2], customer, contract;
} fixture_t;

/* Runs `command` as `role` by `user` with args packed from `format`. */
#define RUN_AS(f, user_, role, command, result_p, ...)                                             \
    ((f)->d.user = (user_), qf_test_run (&(f)->d, role, command, result_p, __VA_ARGS__))

/* Fires the due timers at d->now, as the server's loop does: how many. */
static int
s_fire (qf_test_daemon_t *d)
{
    int fired = 0;
    if (qf_store_begin (d->store))
        return -1;
    if (qf_timers_fire (d->store, d->config, d->now, 64, &fired)) {
        qf_store_rollback (d->store);
        return -1;
    }
    return qf_store_commit (d->store) ? -1 : fired;
}

/* Two approved qualifications (construction-general and survey), a
   customer of li.lei, and a contract of both, approved by the three
   departments and signed (delivery 2026-06-30): 0, or -1. */
static int
s_setup_with (fixture_t *f, const char *yaml)
{
    memset (f, 0, sizeof *f);
    if (qf_test_daemon_open (&f->d, yaml))
        return -1;
    f->qual[0] = qf_test_qual_add (&f->d, 1, "construction-general", "2030-01-01");
    f->qual[1] = qf_test_qual_add (&f->d, 2, "survey", "2029-06-30");
    if (!f->qual[0] || !f->qual[1] || qf_test_qual_approve (&f->d, f->qual[0]) ||
        qf_test_qual_approve (&f->d, f->qual[1]))
        return -1;
    json_t *record = NULL;
    int rc = RUN_AS (f, "li.lei", "sales", "customer.add", &record, "{s:s, s:s}", "name",
                     "合肥建工 Hefei Builders", "credit_code", CODE_A);
    f->customer = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    char lines[64];
    snprintf (lines, sizeof lines, "%lld:200000, %lld:100000", f->qual[0], f->qual[1]);
    if (rc == 0)
        rc = RUN_AS (f, "li.lei", "sales", "proposal.create", &record, "{s:I, s:s, s:s, s:s, s:s}",
                     "customer_id", (json_int_t)f->customer, "lines", lines, "steps", "survey",
                     "services", "callback", "delivery", "2026-06-30");
    json_int_t proposal = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    if (rc == 0)
        rc = RUN_AS (f, "li.lei", "sales", "proposal.send", NULL, "{s:I}", "id", proposal);
    if (rc == 0)
        rc = RUN_AS (f, "li.lei", "sales", "proposal.accept", NULL, "{s:I}", "id", proposal);
    record = NULL;
    if (rc == 0)
        rc = RUN_AS (f, "li.lei", "sales", "contract.draft", &record, "{s:I, s:s, s:s}",
                     "proposal_id", proposal, "payment_term", "full", "schedule",
                     "2026-03-20:300000");
    f->contract = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    if (rc == 0)
        rc = RUN_AS (f, "li.lei", "sales", "contract.submit", NULL, "{s:I}", "id",
                     (json_int_t)f->contract);
    const char *const departments[] = {"legal", "finance", "sales"};
    f->d.from_worker = true;
    for (size_t i = 0; rc == 0 && i < 3; i++)
        rc = RUN_AS (f, departments[i], i == 2 ? "supervisor" : departments[i], "contract.report",
                     NULL, "{s:I, s:s, s:s}", "id", (json_int_t)f->contract, "department",
                     departments[i], "verdict", "pass");
    f->d.from_worker = false;
    if (rc == 0)
        rc = RUN_AS (f, "li.lei", "sales", "contract.sign", NULL, "{s:I, s:s}", "id",
                     (json_int_t)f->contract, "copy", "sha256:0123abcd");
    f->d.user = NULL;
    if (rc)
        printf ("# setup: %s (%s)\n", f->d.error, f->d.field);
    return rc ? -1 : 0;
}

static int
s_setup (fixture_t *f)
{
    return s_setup_with (f, YAML);
}

/* The stored risk `id` (the caller's), or NULL. */
static json_t *
s_risk (fixture_t *f, long long id)
{
    json_t *risk = NULL;
    return qf_store_risk_get (f->d.store, id, &risk) == 0 ? risk : NULL;
}

/* How many risks the register holds; -1 when it cannot be read. */
static int
s_risk_count (fixture_t *f)
{
    json_t *list = NULL;
    if (qf_store_risk_list (f->d.store, NULL, NULL, NULL, 0, 1000, &list))
        return -1;
    int n = (int)json_array_size (list);
    json_decref (list);
    return n;
}

/* Records a market risk as market research: its id, or 0. */
static long long
s_add (fixture_t *f, int likelihood, int impact)
{
    json_t *risk = NULL;
    int rc = RUN_AS (f, "zhou", "market", "risk.add", &risk, "{s:s, s:s, s:i, s:i, s:f, s:s}",
                     "type", "market", "description", "a competitor undercuts survey prices",
                     "likelihood", likelihood, "impact", impact, "loss", 50000.0, "owner", "zhou");
    long long id = rc ? 0 : qf_test_int (risk, "id");
    json_decref (risk);
    return id;
}

/* Scores risk `id` again as management with `format` args after the id. */
#define ASSESS(f, id, format, ...)                                                                 \
    RUN_AS (f, "boss", "management", "risk.assess", NULL, "{s:I, " format "}", "id",               \
            (json_int_t)(id), __VA_ARGS__)

/* The matrix and thresholds of the configuration give score and level. */
QF_TEST (scored_by_the_configured_matrix)
{
    fixture_t f;
    memset (&f, 0, sizeof f);
    QF_CHECK_EQ_INT (qf_test_daemon_open (&f.d, YAML), 0);
    QF_CHECK_EQ_INT (qf_risk_score (f.d.config, 3, 4), 12);
    QF_CHECK_EQ_INT (qf_risk_score (f.d.config, 5, 5), 25);
    QF_CHECK_EQ_INT (qf_risk_score (f.d.config, 6, 1), 0);
    QF_CHECK_STR (qf_risk_levels[qf_risk_level (f.d.config, 4)], "low");
    QF_CHECK_STR (qf_risk_levels[qf_risk_level (f.d.config, 9)], "medium");
    QF_CHECK_STR (qf_risk_levels[qf_risk_level (f.d.config, 10)], "high");
    QF_CHECK_STR (qf_risk_levels[qf_risk_level (f.d.config, 20)], "critical");
    QF_CHECK (qf_risk_alerts (f.d.config, 2) && !qf_risk_alerts (f.d.config, 1));
    qf_test_daemon_close (&f.d);
    /* Another matrix (impact weighs double) and other thresholds. */
    QF_CHECK_EQ_INT (qf_test_daemon_open (
                         &f.d, YAML_WITH ("  matrix: [1, 4, 6, 8, 10, 2, 8, 12, 16, 20, 3, 12, 18, "
                                          "24, 30, 4, 16, 24, 32, 40, 5, 20, 30, 40, 50]\n"
                                          "  medium_from: 10\n  high_from: 24\n  critical_from: "
                                          "40\n  alert_level: critical\n")),
                     0);
    QF_CHECK_EQ_INT (qf_risk_score (f.d.config, 3, 4), 24);
    QF_CHECK_STR (qf_risk_levels[qf_risk_level (f.d.config, 24)], "high");
    QF_CHECK (!qf_risk_alerts (f.d.config, 2) && qf_risk_alerts (f.d.config, 3));
    json_t *risk = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhou", "market", "risk.add", &risk,
                             "{s:s, s:s, s:i, s:i, s:i, s:s}", "type", "market", "description",
                             "price war", "likelihood", 3, "impact", 4, "loss", 1000, "owner",
                             "zhou"),
                     0);
    QF_CHECK_EQ_INT (qf_test_int (risk, "score"), 24);
    QF_CHECK_STR (qf_test_str (risk, "level"), "high");
    json_decref (risk);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, 0, "risk.high"), 0);
    /* A thresholds' order that does not hold is refused by the loader. */
    qf_test_daemon_close (&f.d);
    char text[4096];
    snprintf (text, sizeof text, "%s%s", QF_TEST_DAEMON_YAML,
              YAML_WITH ("  medium_from: 12\n  high_from: 8\n"));
    qf_config_t *config = qf_test_config (text);
    QF_CHECK (!config);
}

/* Recorded by a person: scored, never typed in; the refusals change
   nothing. */
QF_TEST (recorded_and_refused)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    uint64_t mark = qf_test_mark (&f.d);
    char ids[32];
    snprintf (ids, sizeof ids, "%lld, %lld", f.qual[0], f.qual[1]);
    json_t *risk = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhou", "market", "risk.add", &risk,
                             "{s:s, s:s, s:s, s:I, s:i, s:i, s:f, s:s, s:s}", "type", "market",
                             "description", "竞争对手降价 a competitor cuts prices",
                             "qualifications", ids, "customers", f.customer, "likelihood", 2,
                             "impact", 3, "loss", 80000.5, "owner", "zhou", "review", "2026-04-01"),
                     QF_EINVAL); /* customers is a text of ids */
    QF_CHECK_STR (f.d.field, "args.customers");
    char customers[24];
    snprintf (customers, sizeof customers, "%lld", f.customer);
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhou", "market", "risk.add", &risk,
                             "{s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:s, s:s}", "type", "market",
                             "description", "竞争对手降价 a competitor cuts prices",
                             "qualifications", ids, "customers", customers, "likelihood", 2,
                             "impact", 3, "loss", 80000.5, "owner", "zhou", "review", "2026-04-01"),
                     0);
    long long id = qf_test_int (risk, "id");
    QF_CHECK_EQ_INT (qf_test_int (risk, "score"), 6);
    QF_CHECK_STR (qf_test_str (risk, "level"), "medium");
    QF_CHECK_STR (qf_test_str (risk, "state"), "open");
    QF_CHECK_STR (qf_test_str (risk, "raised_by"), "zhou");
    QF_CHECK_EQ_INT (json_array_size (json_object_get (risk, "qualifications")), 2);
    QF_CHECK_EQ_INT (json_integer_value (json_array_get (json_object_get (risk, "customers"), 0)),
                     f.customer);
    QF_CHECK (json_number_value (json_object_get (risk, "expected_loss")) == 80000.5);
    QF_CHECK (json_is_null (json_object_get (risk, "source")));
    json_decref (risk);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.raised"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 0);
    /* Refusals: likelihood and impact outside 1-5, a score typed in, a
       role that may not record, an unknown contract, a review date past,
       nothing to assess. */
    mark = qf_test_mark (&f.d);
    int before = s_risk_count (&f);
    const int bad[][2] = {{6, 3}, {0, 3}, {3, 6}, {3, 0}};
    for (size_t i = 0; i < 4; i++) {
        QF_CHECK_EQ_INT (RUN_AS (&f, "zhou", "market", "risk.add", NULL,
                                 "{s:s, s:s, s:i, s:i, s:i, s:s}", "type", "market", "description",
                                 "x", "likelihood", bad[i][0], "impact", bad[i][1], "loss", 1,
                                 "owner", "zhou"),
                         QF_EINVAL);
        QF_CHECK_STR (f.d.field, i < 2 ? "args.likelihood" : "args.impact");
        QF_CHECK (strstr (f.d.error, "from 1 to 5"));
    }
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:i", "likelihood", 7), QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.likelihood");
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhou", "market", "risk.add", NULL,
                             "{s:s, s:s, s:i, s:i, s:i, s:s, s:i}", "type", "market", "description",
                             "x", "likelihood", 1, "impact", 1, "loss", 1, "owner", "zhou", "score",
                             25),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args");
    QF_CHECK (strstr (f.d.error, "score"));
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:s", "level", "critical"), QF_EINVAL);
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:s", "reason", "nothing given"), QF_EINVAL);
    QF_CHECK (strstr (f.d.error, "computed"));
    const char *const outsiders[] = {"sales", "hr", "finance", "admin"};
    for (size_t i = 0; i < 4; i++) {
        QF_CHECK_EQ_INT (RUN_AS (&f, "li.lei", outsiders[i], "risk.add", NULL,
                                 "{s:s, s:s, s:i, s:i, s:i, s:s}", "type", "market", "description",
                                 "x", "likelihood", 1, "impact", 1, "loss", 1, "owner", "li.lei"),
                         QF_EFORBIDDEN);
        QF_CHECK_STR (f.d.field, "role");
    }
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhou", "market", "risk.add", NULL,
                             "{s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "type", "legal", "description",
                             "x", "contracts", "99", "likelihood", 1, "impact", 1, "loss", 1,
                             "owner", "zhou"),
                     QF_ENOTFOUND);
    QF_CHECK_STR (f.d.field, "args.contracts");
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhou", "market", "risk.add", NULL,
                             "{s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "type", "legal", "description",
                             "x", "contracts", "1,x", "likelihood", 1, "impact", 1, "loss", 1,
                             "owner", "zhou"),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhou", "market", "risk.add", NULL,
                             "{s:s, s:s, s:i, s:i, s:i, s:s, s:s}", "type", "market", "description",
                             "x", "likelihood", 1, "impact", 1, "loss", 1, "owner", "zhou",
                             "review", "2026-03-01"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.review");
    QF_CHECK_EQ_INT (s_risk_count (&f), before);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    risk = s_risk (&f, id);
    QF_CHECK_EQ_INT (qf_test_int (risk, "likelihood"), 2);
    json_decref (risk);
    qf_test_daemon_close (&f.d);
}

/* risk.high once per crossing of the alert level, not per re-score. */
QF_TEST (high_once_per_crossing)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    uint64_t mark = qf_test_mark (&f.d);
    long long id = s_add (&f, 2, 3); /* 6: medium */
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:i, s:s", "likelihood", 4, "reason", "two rivals"), 0);
    json_t *risk = s_risk (&f, id);
    QF_CHECK_EQ_INT (qf_test_int (risk, "score"), 12);
    QF_CHECK_STR (qf_test_str (risk, "level"), "high");
    json_decref (risk);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 1);
    json_t *high = qf_test_events (&f.d, mark, "risk.high");
    json_t *payload = json_object_get (json_array_get (high, 0), "payload");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (payload, "recipients"), 0)),
                  "management");
    QF_CHECK_EQ_INT (qf_test_int (payload, "score"), 12);
    json_decref (high);
    /* Scored again while at or above it: nothing more, critical included. */
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:i", "impact", 4), 0);
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:i", "impact", 5), 0);
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:f", "loss", 90000.0), 0);
    risk = s_risk (&f, id);
    QF_CHECK_STR (qf_test_str (risk, "level"), "critical");
    json_decref (risk);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.assessed"), 4);
    /* Below, then back: a new crossing, a new risk.high. */
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:i", "likelihood", 1), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 1);
    QF_CHECK_EQ_INT (ASSESS (&f, id, "s:i", "likelihood", 3), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 2);
    /* Every assessment is on record, with who and why. */
    json_t *shown = NULL;
    QF_CHECK_EQ_INT (
        RUN_AS (&f, "li.lei", "sales", "risk.show", &shown, "{s:I}", "id", (json_int_t)id), 0);
    json_t *assessments = json_object_get (shown, "assessments");
    QF_CHECK_EQ_INT (json_array_size (assessments), 7);
    QF_CHECK_STR (qf_test_str (json_array_get (assessments, 1), "reason"), "two rivals");
    QF_CHECK_STR (qf_test_str (json_array_get (assessments, 1), "by"), "boss");
    json_decref (shown);
    /* A risk recorded at the alert level tells management at once. */
    QF_CHECK (s_add (&f, 5, 2) > 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 3);
    qf_test_daemon_close (&f.d);
}

/* A signed contract's delivery at risk raises a processing risk in the
   timer's transaction; its date passed undelivered, it is scored again
   as late and crosses the alert level once; cancelled, it is closed. */
QF_TEST (late_delivery_processing_risk)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    /* Three working days before Tuesday 2026-06-30: Thursday 06-25. */
    f.d.now = qf_test_at ("2026-06-24", 10, 0);
    QF_CHECK_EQ_INT (s_fire (&f.d), 0);
    QF_CHECK_EQ_INT (s_risk_count (&f), 0);
    uint64_t mark = qf_test_mark (&f.d);
    f.d.now = qf_test_at ("2026-06-25", 10, 0);
    QF_CHECK (s_fire (&f.d) >= 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.delivery_at_risk"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.raised"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 0);
    json_t *risk = s_risk (&f, 1);
    QF_CHECK_STR (qf_test_str (risk, "type"), "processing");
    QF_CHECK_STR (qf_test_str (risk, "owner"), "li.lei");
    QF_CHECK_STR (qf_test_str (risk, "review"), "2026-06-30");
    QF_CHECK_STR (qf_test_str (risk, "raised_by"), "system");
    QF_CHECK_EQ_INT (qf_test_int (risk, "score"), 9);
    QF_CHECK_STR (qf_test_str (risk, "level"), "medium");
    QF_CHECK (json_number_value (json_object_get (risk, "expected_loss")) == 60000);
    QF_CHECK_EQ_INT (json_integer_value (json_array_get (json_object_get (risk, "contracts"), 0)),
                     f.contract);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (risk, "qualifications")), 2);
    QF_CHECK_EQ_INT (qf_test_int (json_object_get (risk, "details"), "working_days_left"), 3);
    char source[48];
    snprintf (source, sizeof source, "contract/%lld/delivery", f.contract);
    QF_CHECK_STR (qf_test_str (risk, "source"), source);
    json_decref (risk);
    /* Reduce: on a delay the customer is told, with a solution. */
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhao", "supervisor", "risk.respond", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "strategy", "reduce", "solution", "加急办理 expedite"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.told");
    QF_CHECK (strstr (f.d.error, "told promptly"));
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhao", "supervisor", "risk.respond", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "strategy", "reduce", "told", "2026-06-26"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.solution");
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhao", "supervisor", "risk.respond", NULL, "{s:i, s:s, s:s, s:s}",
                             "id", 1, "strategy", "reduce", "told", "2026-06-26", "solution",
                             "加急办理 expedite"),
                     QF_EINVAL); /* after today */
    QF_CHECK_STR (f.d.field, "args.told");
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    json_t *responded = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhao", "supervisor", "risk.respond", &responded,
                             "{s:i, s:s, s:s, s:s}", "id", 1, "strategy", "reduce", "told",
                             "2026-06-25", "solution", "加急办理 expedite"),
                     0);
    QF_CHECK_STR (qf_test_str (responded, "strategy"), "reduce");
    QF_CHECK_STR (qf_test_str (json_object_get (responded, "response"), "customer_told"),
                  "2026-06-25");
    json_decref (responded);
    /* The delivery date passes undelivered: scored again as late, and
       the alert level crossed once. Wednesday 07-01 is the first working
       day after it. */
    f.d.now = qf_test_at ("2026-06-30", 23, 0);
    QF_CHECK_EQ_INT (s_fire (&f.d) >= 0, 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 0);
    f.d.now = qf_test_at ("2026-07-01", 9, 30);
    QF_CHECK (s_fire (&f.d) >= 1);
    risk = s_risk (&f, 1);
    QF_CHECK_EQ_INT (qf_test_int (risk, "likelihood"), 5);
    QF_CHECK_EQ_INT (qf_test_int (risk, "score"), 15);
    QF_CHECK_STR (qf_test_str (risk, "level"), "high");
    json_decref (risk);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 1);
    json_t *assessed = qf_test_events (&f.d, mark, "risk.assessed");
    QF_CHECK_EQ_INT (json_array_size (assessed), 1);
    json_t *payload = json_object_get (json_array_get (assessed, 0), "payload");
    QF_CHECK (strstr (qf_test_str (payload, "reason"), "not delivered by its delivery date"));
    QF_CHECK (json_is_true (json_object_get (payload, "crossed")));
    json_decref (assessed);
    /* Scored again while high: no new risk.high. */
    QF_CHECK_EQ_INT (ASSESS (&f, 1, "s:i", "impact", 4), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 1);
    f.d.now = qf_test_at ("2026-07-02", 10, 0);
    QF_CHECK_EQ_INT (s_fire (&f.d), 0);
    /* Cancelled: the delivery risk is over. */
    QF_CHECK_EQ_INT (RUN_AS (&f, "zhao", "supervisor", "contract.cancel", NULL, "{s:I, s:s}", "id",
                             (json_int_t)f.contract, "reason", "客户取消"),
                     0);
    risk = s_risk (&f, 1);
    QF_CHECK_STR (qf_test_str (risk, "state"), "closed");
    QF_CHECK_STR (qf_test_str (risk, "close_reason"), "the contract was cancelled");
    json_decref (risk);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.closed"), 1);
    QF_CHECK_EQ_INT (ASSESS (&f, 1, "s:i", "impact", 1), QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "closed"));
    qf_test_daemon_close (&f.d);
}

/* A policy change applied raises a policy risk naming the suspended
   qualifications and the contracts signed for them (not the unsigned);
   "avoid" lists the signed contracts to handle. */
QF_TEST (policy_change_policy_risk)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    /* Another customer's contract of a third qualification, only drafted. */
    long long third = qf_test_qual_add (&f.d, 3, "construction-general", "2030-01-01");
    QF_CHECK_EQ_INT (qf_test_qual_approve (&f.d, third), 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "wang", "sales", "customer.add", &record, "{s:s, s:s}", "name",
                             "芜湖建设", "credit_code", "91340100MA2N01110K"),
                     0);
    json_int_t other = qf_test_int (record, "id");
    json_decref (record);
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:200000", third);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wang", "sales", "proposal.create", &record,
                             "{s:I, s:s, s:s, s:s, s:s}", "customer_id", other, "lines", lines,
                             "steps", "survey", "services", "callback", "delivery", "2026-06-30"),
                     0);
    json_int_t proposal = qf_test_int (record, "id");
    json_decref (record);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wang", "sales", "proposal.send", NULL, "{s:I}", "id", proposal),
                     0);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wang", "sales", "proposal.accept", NULL, "{s:I}", "id", proposal),
                     0);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wang", "sales", "contract.draft", NULL, "{s:I, s:s, s:s}",
                             "proposal_id", proposal, "payment_term", "full", "schedule",
                             "2026-03-20:200000"),
                     0);
    json_t *policy = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "policy.record", &policy, "{s:s, s:s, s:s}",
                             "category", "construction-general", "description",
                             "施工总承包资质标准调整", "effective", QF_TEST_MONDAY),
                     0);
    json_int_t policy_id = qf_test_int (policy, "id");
    json_decref (policy);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (
        RUN_AS (&f, "legal", "legal", "policy.apply", NULL, "{s:I}", "policy_id", policy_id), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.flagged"), 2);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.raised"), 1);
    /* 5 x 4 = 20: critical, management is told. */
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 1);
    json_t *list = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, NULL, "admin", "risk.list", &list, "{s:s}", "type", "policy"), 0);
    json_t *risk = json_array_get (json_object_get (list, "items"), 0);
    QF_CHECK (risk);
    json_int_t id = qf_test_int (risk, "id");
    json_t *quals = json_object_get (risk, "qualifications");
    QF_CHECK_EQ_INT (json_array_size (quals), 2);
    QF_CHECK_EQ_INT (json_integer_value (json_array_get (quals, 0)), f.qual[0]);
    QF_CHECK_EQ_INT (json_integer_value (json_array_get (quals, 1)), third);
    json_t *contracts = json_object_get (risk, "contracts");
    QF_CHECK_EQ_INT (json_array_size (contracts), 1);
    QF_CHECK_EQ_INT (json_integer_value (json_array_get (contracts, 0)), f.contract);
    QF_CHECK_EQ_INT (json_integer_value (json_array_get (json_object_get (risk, "customers"), 0)),
                     f.customer);
    QF_CHECK_STR (qf_test_str (risk, "owner"), "legal");
    QF_CHECK_STR (qf_test_str (risk, "review"), "2026-04-01");
    QF_CHECK_STR (qf_test_str (risk, "raised_by"), "legal");
    QF_CHECK (json_number_value (json_object_get (risk, "expected_loss")) == 60000);
    QF_CHECK (strstr (qf_test_str (risk, "description"), "1 signed contract(s) to handle"));
    json_decref (list);
    /* Applied again: still one risk, nothing new. */
    QF_CHECK_EQ_INT (
        RUN_AS (&f, "legal", "legal", "policy.apply", NULL, "{s:I}", "policy_id", policy_id), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.raised"), 1);
    QF_CHECK_EQ_INT (s_risk_count (&f), 1);
    /* Avoid: selling stopped with the suspension; the signed contracts to handle. */
    json_t *responded = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.respond", &responded, "{s:I, s:s}", "id", id,
                             "strategy", "avoid"),
                     0);
    json_t *response = json_object_get (responded, "response");
    json_t *handle = json_object_get (response, "contracts_to_handle");
    QF_CHECK_EQ_INT (json_array_size (handle), 1);
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (handle, 0), "contract_id"), f.contract);
    QF_CHECK_STR (qf_test_str (json_array_get (handle, 0), "state"), "signed");
    QF_CHECK_STR (qf_test_str (json_array_get (handle, 0), "owner"), "li.lei");
    QF_CHECK_EQ_INT (json_array_size (json_object_get (response, "selling_stopped")), 2);
    json_decref (responded);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.responded"), 1);
    qf_test_daemon_close (&f.d);
}

/* A dispute on a signed contract raises a legal risk; transfer and
   accept need what they record; actions are reminded when overdue on
   working days until done; the review date reminds the owner. */
QF_TEST (dispute_responses_actions_reviews)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    uint64_t mark = qf_test_mark (&f.d);
    json_t *risk = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.dispute", &risk, "{s:I, s:s, s:f}",
                             "contract_id", (json_int_t)f.contract, "summary",
                             "客户主张资质范围不符 the customer disputes the scope", "claim",
                             150000.0),
                     0);
    json_int_t id = qf_test_int (risk, "id");
    QF_CHECK_STR (qf_test_str (risk, "type"), "legal");
    QF_CHECK_EQ_INT (qf_test_int (risk, "score"), 12);
    QF_CHECK_STR (qf_test_str (risk, "owner"), "wu");
    QF_CHECK (json_number_value (json_object_get (risk, "expected_loss")) == 150000);
    QF_CHECK_STR (qf_test_str (json_object_get (risk, "details"), "raised_for"), "dispute");
    json_decref (risk);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.high"), 1);
    /* Only on a signed contract; only by legal, management or a supervisor. */
    QF_CHECK_EQ_INT (RUN_AS (&f, "li.lei", "sales", "risk.dispute", NULL, "{s:I, s:s}",
                             "contract_id", (json_int_t)f.contract, "summary", "x"),
                     QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.dispute", NULL, "{s:I, s:s}", "contract_id",
                             (json_int_t)99, "summary", "x"),
                     QF_ENOTFOUND);
    /* Transfer: the insurer and the policy; accept: why. */
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.respond", NULL, "{s:I, s:s, s:s}", "id", id,
                             "strategy", "transfer", "insurer", "平安保险"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.insurance_policy");
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.respond", NULL, "{s:I, s:s}", "id", id,
                             "strategy", "accept"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.note");
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.respond", NULL, "{s:I, s:s}", "id", id,
                             "strategy", "hope"),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    json_t *responded = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.respond", &responded, "{s:I, s:s, s:s, s:s}",
                             "id", id, "strategy", "transfer", "insurer", "平安保险 Ping An",
                             "insurance_policy", "PA-2026-0042"),
                     0);
    QF_CHECK_STR (qf_test_str (json_object_get (responded, "response"), "insurance_policy"),
                  "PA-2026-0042");
    json_decref (responded);
    /* An action due Friday 03-06: reminded Monday 03-09 and Tuesday 03-10,
       not at the weekend, to its owner and the risk's. */
    json_t *action = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.action", &action, "{s:I, s:s, s:s, s:s}",
                             "id", id, "text", "send the policy to the insurer", "owner", "li.lei",
                             "due", "2026-03-06"),
                     0);
    json_int_t action_id = qf_test_int (action, "id");
    json_decref (action);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.action", NULL, "{s:I, s:s, s:s, s:s}", "id",
                             id, "text", "x", "owner", "li.lei", "due", "2026-03-01"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.due");
    mark = qf_test_mark (&f.d);
    const char *const days[] = {"2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09",
                                "2026-03-10"};
    for (size_t i = 0; i < 5; i++) {
        f.d.now = qf_test_at (days[i], 10, 0);
        QF_CHECK (s_fire (&f.d) >= 0);
    }
    json_t *overdue = qf_test_events (&f.d, mark, "risk.action_overdue");
    QF_CHECK_EQ_INT (json_array_size (overdue), 2);
    json_t *first = json_object_get (json_array_get (overdue, 0), "payload");
    QF_CHECK_EQ_INT (qf_test_int (first, "days_overdue"), 3);
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (first, "recipients"), 0)),
                  "li.lei");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (first, "recipients"), 1)),
                  "wu");
    json_decref (overdue);
    /* Its owner finishes it (not another salesperson): no more reminders. */
    QF_CHECK_EQ_INT (
        RUN_AS (&f, "wang", "sales", "risk.action_done", NULL, "{s:I}", "id", action_id),
        QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (RUN_AS (&f, "li.lei", "sales", "risk.action_done", NULL, "{s:I, s:s}", "id",
                             action_id, "note", "sent"),
                     0);
    QF_CHECK_EQ_INT (
        RUN_AS (&f, "li.lei", "sales", "risk.action_done", NULL, "{s:I}", "id", action_id),
        QF_ECONFLICT);
    f.d.now = qf_test_at ("2026-03-11", 10, 0);
    QF_CHECK_EQ_INT (s_fire (&f.d), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.action_overdue"), 2);
    /* Reviewed: the next review date reminds the owner on that day. */
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.review", NULL, "{s:I, s:s, s:s}", "id", id,
                             "note", "仲裁中 in arbitration", "next", "2026-03-11"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.next");
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "risk.review", NULL, "{s:I, s:s, s:s}", "id", id,
                             "note", "仲裁中 in arbitration", "next", "2026-03-13"),
                     0);
    f.d.now = qf_test_at ("2026-03-13", 8, 0);
    QF_CHECK_EQ_INT (s_fire (&f.d), 0);
    f.d.now = qf_test_at ("2026-03-13", 9, 1);
    QF_CHECK_EQ_INT (s_fire (&f.d), 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "risk.review_due"), 1);
    json_t *shown = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, NULL, "admin", "risk.show", &shown, "{s:I}", "id", id), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (shown, "reviews")), 1);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (shown, "responses")), 1);
    QF_CHECK_STR (qf_test_str (json_array_get (json_object_get (shown, "actions"), 0), "state"),
                  "done");
    json_decref (shown);
    /* Closed: its reminders go. */
    QF_CHECK_EQ_INT (
        RUN_AS (&f, "wu", "legal", "risk.close", NULL, "{s:I, s:s}", "id", id, "reason", "settled"),
        0);
    QF_CHECK_EQ_INT (qf_test_timers (&f.d, "risk", id), 0);
    qf_test_daemon_close (&f.d);
}

/* The number of rows of an incident's table, read directly. */
static int
s_rows (fixture_t *f, const char *table)
{
    json_t *rows = NULL;
    if (qf_store_incident_rows (f->d.store, 1, table, &rows))
        return -1;
    int n = (int)json_array_size (rows);
    json_decref (rows);
    return n;
}

/* §7.3: management told at once; a team; a timeline; a communication
   log appended, never edited; closed only with a conclusion and lessons. */
QF_TEST (incident_story)
{
    fixture_t f;
    memset (&f, 0, sizeof f);
    QF_CHECK_EQ_INT (qf_test_daemon_open (&f.d, YAML), 0);
    uint64_t mark = qf_test_mark (&f.d);
    json_t *incident = NULL;
    QF_CHECK_EQ_INT (
        RUN_AS (&f, "boss", "management", "incident.open", &incident, "{s:s, s:s, s:s, s:s}",
                "kind", "government", "title", "住建厅质询 the housing office asks", "summary",
                "the provincial housing office questions a certificate's legality", "lead", "王总"),
        0);
    QF_CHECK_EQ_INT (qf_test_int (incident, "id"), 1);
    QF_CHECK_STR (qf_test_str (incident, "state"), "open");
    QF_CHECK_EQ_INT (json_array_size (json_object_get (incident, "team")), 1);
    json_decref (incident);
    json_t *opened = qf_test_events (&f.d, mark, "incident.opened");
    QF_CHECK_EQ_INT (json_array_size (opened), 1);
    json_t *payload = json_object_get (json_array_get (opened, 0), "payload");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (payload, "recipients"), 0)),
                  "management");
    json_decref (opened);
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.team", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "name", "吴律师", "duty", "legal counsel"),
                     0);
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.team", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "name", "吴律师", "duty", "again"),
                     QF_ECONFLICT);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "incident.action", NULL, "{s:i, s:s, s:s}", "id", 1,
                             "text", "gathered the certificate's file", "at", "2026-03-02 09:15"),
                     0);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "incident.action", NULL, "{s:i, s:s, s:s}", "id", 1,
                             "text", "x", "at", "2026-03-02 11:00"),
                     QF_EINVAL); /* in the future */
    QF_CHECK_STR (f.d.field, "args.at");
    const char *const parties[] = {"government", "customer", "media"};
    const char *const channels[] = {"meeting", "phone", "press"};
    for (int i = 0; i < 3; i++)
        QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "incident.log", NULL,
                                 "{s:i, s:s, s:s, s:s, s:s}", "id", 1, "party", parties[i], "who",
                                 "李处长", "channel", channels[i], "summary", "说明情况 explained"),
                         0);
    QF_CHECK_EQ_INT (s_rows (&f, "comms"), 3);
    /* Editing an entry is refused, by the command and by the store. */
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "incident.log", NULL,
                             "{s:i, s:s, s:s, s:s, s:s, s:i}", "id", 1, "party", "customer", "who",
                             "陈经理", "channel", "phone", "summary", "rewritten", "entry", 2),
                     QF_ECONFLICT);
    QF_CHECK_STR (f.d.field, "args.entry");
    QF_CHECK (strstr (f.d.error, "never edited") && strstr (f.d.error, "number 4"));
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "incident.log", NULL,
                             "{s:i, s:s, s:s, s:s, s:s, s:i}", "id", 1, "party", "customer", "who",
                             "陈经理", "channel", "phone", "summary", "x", "entry", 9),
                     QF_EINVAL);
    /* A role that may not record. */
    QF_CHECK_EQ_INT (RUN_AS (&f, "li.lei", "sales", "incident.log", NULL,
                             "{s:i, s:s, s:s, s:s, s:s}", "id", 1, "party", "customer", "who",
                             "陈经理", "channel", "phone", "summary", "x"),
                     QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (RUN_AS (&f, "li.lei", "sales", "incident.open", NULL, "{s:s, s:s, s:s}",
                             "kind", "other", "title", "x", "summary", "y"),
                     QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    QF_CHECK_EQ_INT (s_rows (&f, "comms"), 3);
    sqlite3 *db = NULL;
    QF_CHECK_EQ_INT (sqlite3_open (f.d.path, &db), SQLITE_OK);
    sqlite3_busy_timeout (db, 1000);
    char *error = NULL;
    QF_CHECK (sqlite3_exec (db, "UPDATE incident_comms SET summary = 'forged' WHERE entry = 2",
                            NULL, NULL, &error) != SQLITE_OK);
    QF_CHECK (error && strstr (error, "append-only"));
    sqlite3_free (error);
    error = NULL;
    QF_CHECK (sqlite3_exec (db, "DELETE FROM incident_comms", NULL, NULL, &error) != SQLITE_OK);
    sqlite3_free (error);
    error = NULL;
    QF_CHECK (sqlite3_exec (db, "DELETE FROM incident_timeline", NULL, NULL, &error) != SQLITE_OK);
    sqlite3_free (error);
    sqlite3_close (db);
    json_t *comms = NULL;
    QF_CHECK_EQ_INT (qf_store_incident_rows (f.d.store, 1, "comms", &comms), 0);
    QF_CHECK_STR (qf_test_str (json_array_get (comms, 1), "summary"), "说明情况 explained");
    json_decref (comms);
    /* A correction is a new entry naming the one it corrects. */
    json_t *shown = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "incident.log", &shown,
                             "{s:i, s:s, s:s, s:s, s:s, s:i, s:i}", "id", 1, "party", "customer",
                             "who", "陈经理", "channel", "phone", "summary", "correction",
                             "corrects", 2, "entry", 4),
                     0);
    json_t *fourth = json_array_get (json_object_get (shown, "communications"), 3);
    QF_CHECK_EQ_INT (qf_test_int (fourth, "corrects"), 2);
    QF_CHECK_STR (
        qf_test_str (json_array_get (json_object_get (shown, "communications"), 1), "summary"),
        "说明情况 explained");
    json_decref (shown);
    /* Closing needs a conclusion and lessons; blank ones are refused. */
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.close", NULL, "{s:i, s:s}", "id",
                             1, "lessons", "keep files ready"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "conclusion");
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.close", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "conclusion", "   ", "lessons", "keep files ready"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.conclusion");
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.close", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "conclusion", "the certificate is lawful", "lessons", " "),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.lessons");
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    incident = NULL;
    QF_CHECK_EQ_INT (qf_store_incident_get (f.d.store, 1, &incident), 0);
    QF_CHECK_STR (qf_test_str (incident, "state"), "open");
    json_decref (incident);
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.close", &incident,
                             "{s:i, s:s, s:s}", "id", 1, "conclusion",
                             "the office confirmed the certificate is lawful", "lessons",
                             "keep each certificate's file ready for inspection"),
                     0);
    QF_CHECK_STR (qf_test_str (incident, "state"), "closed");
    json_decref (incident);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "incident.closed"), 1);
    /* Closed: final. */
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "incident.log", NULL, "{s:i, s:s, s:s, s:s, s:s}",
                             "id", 1, "party", "media", "who", "记者", "channel", "press",
                             "summary", "late"),
                     QF_ECONFLICT);
    QF_CHECK_EQ_INT (s_rows (&f, "comms"), 4);
    qf_test_daemon_close (&f.d);
}

/* Whether the payload of the last `topic` event since `mark` goes to
   exactly `names` (space-separated, in order). */
static bool
s_recipients (fixture_t *f, uint64_t mark, const char *topic, const char *names)
{
    json_t *events = qf_test_events (&f->d, mark, topic);
    json_t *last = json_array_get (events, json_array_size (events) - 1);
    json_t *list = json_object_get (json_object_get (last, "payload"), "recipients");
    char text[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < json_array_size (list) && used < sizeof text; i++)
        used += (size_t)snprintf (text + used, sizeof text - used, "%s%s", i ? " " : "",
                                  json_string_value (json_array_get (list, i)));
    json_decref (events);
    if (strcmp (text, names) != 0)
        printf ("    %s to [%s], expected [%s]\n", topic, text, names);
    return strcmp (text, names) == 0;
}

/* The emergency team's people of the staff directory get the incident's
   events with management's; an outsider may join but gets nothing from
   here; a person who has left is refused, changing nothing. */
QF_TEST (incident_team_from_the_directory)
{
    fixture_t f;
    memset (&f, 0, sizeof f);
    QF_CHECK_EQ_INT (qf_test_daemon_open (&f.d, YAML), 0);
    const char *const people[][3] = {
        {"boss", "management", "management"}, {"wang.zong", "leader", "management"},
        {"wu", "legal", "legal"},              {"chen", "sales", "sales"}};
    for (size_t i = 0; i < 4; i++)
        QF_CHECK_EQ_INT (RUN_AS (&f, "hr.wang", "hr", "staff.add", NULL,
                                 "{s:s, s:s, s:s, s:s, s:s, s:s}", "person", people[i][0], "name",
                                 people[i][0], "department", people[i][2], "roles", people[i][1],
                                 "started", "2020-01-01", "onboarded", "2020-01-20"),
                         0);
    QF_CHECK_EQ_INT (RUN_AS (&f, "hr.wang", "hr", "staff.leave", NULL, "{s:s, s:s}", "person",
                             "chen", "reason", "辞职 resigned"),
                     0);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.open", NULL,
                             "{s:s, s:s, s:s, s:s}", "kind", "dispute", "title", "重大纠纷 dispute",
                             "summary", "a customer disputes a transfer", "lead", "wang.zong"),
                     0);
    QF_CHECK (s_recipients (&f, mark, "incident.opened", "boss wang.zong"));
    QF_CHECK (s_recipients (&f, mark, "incident.member_added", "boss wang.zong"));
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.team", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "name", "wu", "duty", "legal counsel"),
                     0);
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.team", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "name", "外聘律师 outside counsel", "duty", "advice"),
                     0);
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (RUN_AS (&f, "wu", "legal", "incident.log", NULL, "{s:i, s:s, s:s, s:s, s:s}",
                             "id", 1, "party", "customer", "who", "陈经理", "channel", "phone",
                             "summary", "说明情况 explained"),
                     0);
    QF_CHECK (s_recipients (&f, mark, "incident.communication_logged", "boss wang.zong wu"));
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (RUN_AS (&f, "boss", "management", "incident.team", NULL, "{s:i, s:s, s:s}",
                             "id", 1, "name", "chen", "duty", "customer contact"),
                     QF_ECONFLICT);
    QF_CHECK (strcmp (f.d.field, "args.name") == 0 && strstr (f.d.error, "left the company"));
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    QF_CHECK_EQ_INT (s_rows (&f, "team"), 3);
    f.d.user = NULL;
    qf_test_daemon_close (&f.d);
}

int
main (void)
{
    s_test_suite = "risk";
    QF_RUN (scored_by_the_configured_matrix);
    QF_RUN (recorded_and_refused);
    QF_RUN (high_once_per_crossing);
    QF_RUN (late_delivery_processing_risk);
    QF_RUN (policy_change_policy_risk);
    QF_RUN (dispute_responses_actions_reviews);
    QF_RUN (incident_story);
    QF_RUN (incident_team_from_the_directory);
    return qf_test_done ();
}
