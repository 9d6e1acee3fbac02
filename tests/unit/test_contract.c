/*  test_contract — the contract module (§6.3), run in-process on a real
    SQLite store as the daemon runs it (qf_test_daemon.h): a contract is
    drafted from an accepted proposal with the records' lines, an allowed
    payment term and a schedule that adds up to the price, and a number of
    the configured pattern with a gap-free yearly sequence; it is reviewed
    by the configured departments (a fail returns it with the findings, a
    new version goes through again, all passes approve it and reserve its
    qualifications); signed, its receivables made once, paid, reminded on
    each working day while overdue, at risk before its delivery date and
    delivered. Every refusal names the field and the rule and changes
    nothing (the store and the event log are read back).
*/
#include "contract/contract.h"
#include "contract/contract_config.h"
#include "contract/contract_store.h"
#include "finance/finance_contract.h"
#include "legal/legal_contract.h"
#include "sales/sales_rules.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

#include <math.h>

#define CODE_A "91350100M000100Y43"

/* The test's policy: discount limits, list prices, templates, and the
   contract settings (Chinese clause text). */
#define YAML_WITH(contract_keys)                                                                   \
    QF_TEST_POLICY                                                                                 \
    "  min_validity_for_sale_days: 0\n  max_discount_sales: 5\n"                                   \
    "  max_discount_supervisor: 10\n  max_discount_management: 20\n"                               \
    "list_prices:\n  - name: construction-general\n    price: 200000\n"                            \
    "  - name: survey\n    price: 100000\n"                                                        \
    "processing_steps:\n  - name: survey\n    text: \"现场勘察 site survey\"\n"                \
    "after_sales_services:\n  - name: callback\n    text: \"交付后1个月、3个月回访\"\n"  \
    "contract:\n  number_pattern: \"HF-{year}-{seq:4}\"\n  delivery_at_risk_days: "                \
    "3\n" contract_keys                                                                            \
    "contract_clauses:\n  - name: rights\n    text: \"甲方保证资质合法有效\"\n"          \
    "  - name: disputes\n    text: \"争议提交合肥仲裁委员会仲裁\"\n"                  \
    "payment_terms:\n  - name: full\n    text: \"一次付清\"\n    instalments: 1\n"             \
    "  - name: split\n    text: \"首付30%\"\n    instalments: 2\n"
#define YAML YAML_WITH ("")

/* Both lines' price (200000 + 100000) and a schedule of `split` for it. */
#define SCHEDULE "2026-03-20:90000, 2026-04-20:210000"

typedef struct {
    qf_test_daemon_t d;
    long long qual[2], customer, proposal;
} fixture_t;

/* Runs `command` on contract `id` as `role` by `user` with `format`
   args after the id. */
static int
s_do (fixture_t *f, const char *user, const char *role, const char *command, long long id,
      json_t **result_p)
{
    f->d.user = user;
    int rc = qf_test_run (&f->d, role, command, result_p, "{s:I}", "id", (json_int_t)id);
    f->d.user = NULL;
    return rc;
}

/* A proposal of `lines` for the customer, sent by `sender` and accepted:
   its id, or 0. */
static long long
s_accepted (fixture_t *f, const char *sender, const char *role, const char *lines)
{
    json_t *record = NULL;
    f->d.user = sender;
    int rc = qf_test_run (&f->d, role, "proposal.create", &record, "{s:I, s:s, s:s, s:s, s:s}",
                          "customer_id", (json_int_t)f->customer, "lines", lines, "steps", "survey",
                          "services", "callback", "delivery", "2026-06-30");
    long long id = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    if (id && qf_test_run (&f->d, role, "proposal.send", NULL, "{s:I}", "id", (json_int_t)id))
        id = 0;
    if (id && qf_test_run (&f->d, role, "proposal.accept", NULL, "{s:I}", "id", (json_int_t)id))
        id = 0;
    f->d.user = NULL;
    if (!id)
        fprintf (stderr, "proposal: %s (%s)\n", f->d.error, f->d.field);
    return id;
}

/* Two approved qualifications, a customer of li.lei, and a proposal of
   both at their list prices, accepted; the configuration `yaml`. */
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
    f->d.user = "li.lei";
    int rc = qf_test_run (&f->d, "sales", "customer.add", &record, "{s:s, s:s}", "name",
                          "合肥建工 Hefei Builders", "credit_code", CODE_A);
    f->d.user = NULL;
    f->customer = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    char lines[64];
    snprintf (lines, sizeof lines, "%lld:200000, %lld:100000", f->qual[0], f->qual[1]);
    f->proposal = f->customer ? s_accepted (f, "li.lei", "sales", lines) : 0;
    return f->proposal ? 0 : -1;
}

/* s_setup_with the test's configuration. */
static int
s_setup (fixture_t *f)
{
    return s_setup_with (f, YAML);
}

/* Drafts a contract from `proposal` as li.lei with term `term`,
   `schedule` and the clauses less `omit` (may be NULL): its id, or 0. */
static long long
s_draft (fixture_t *f, long long proposal, const char *term, const char *schedule, const char *omit)
{
    json_t *record = NULL;
    f->d.user = "li.lei";
    int rc = qf_test_run (&f->d, "sales", "contract.draft", &record, "{s:I, s:s, s:s, s:s?}",
                          "proposal_id", (json_int_t)proposal, "payment_term", term, "schedule",
                          schedule, "omit", omit);
    f->d.user = NULL;
    if (rc && getenv ("QF_TEST_VERBOSE"))
        fprintf (stderr, "draft: %s (%s)\n", f->d.error, f->d.field);
    long long id = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    return id;
}

/* A department's report as its worker sends it. */
static int
s_report (fixture_t *f, long long id, const char *department, const char *verdict,
          const char *findings)
{
    f->d.from_worker = true;
    f->d.user = department;
    int rc = qf_test_run (&f->d, qf_contract_department_role (department), "contract.report", NULL,
                          "{s:I, s:s, s:s, s:s?}", "id", (json_int_t)id, "department", department,
                          "verdict", verdict, "findings", findings);
    f->d.from_worker = false;
    f->d.user = NULL;
    return rc;
}

/* The contract's state, "" when it cannot be read. */
static const char *
s_state (fixture_t *f, long long id)
{
    static char state[32];
    json_t *record = NULL;
    state[0] = '\0';
    if (qf_store_contract_get (f->d.store, id, &record) == 0)
        snprintf (state, sizeof state, "%s", qf_test_str (record, "state"));
    json_decref (record);
    return state;
}

/* Submits, and all three departments pass: 0 when approved. */
static int
s_approve (fixture_t *f, long long id)
{
    int rc = s_do (f, "li.lei", "sales", "contract.submit", id, NULL);
    const char *const departments[] = {"legal", "finance", "sales"};
    for (size_t i = 0; rc == 0 && i < 3; i++)
        rc = s_report (f, id, departments[i], "pass", NULL);
    return rc == 0 && strcmp (s_state (f, id), "approved") == 0 ? 0 : -1;
}

/* Signs contract `id` as li.lei: the command's status. */
static int
s_sign (fixture_t *f, long long id)
{
    f->d.user = "li.lei";
    int rc = qf_test_run (&f->d, "sales", "contract.sign", NULL, "{s:I, s:s}", "id",
                          (json_int_t)id, "copy", "sha256:0123abcd");
    f->d.user = NULL;
    return rc;
}

/* Runs `command` with args {id, ...} as `role` by `user`. */
static int
s_task (fixture_t *f, const char *role, const char *command, json_int_t id)
{
    f->d.user = role;
    int rc = qf_test_run (&f->d, role, command, NULL, "{s:I}", "id", id);
    f->d.user = NULL;
    return rc;
}

/* Archives the certificate of qualification `qual` (§4.3). */
static int
s_archive (fixture_t *f, long long qual)
{
    return qf_test_run (&f->d, "logistics", "custody.archive", NULL, "{s:I, s:s, s:s, s:s}",
                        "qualification_id", (json_int_t)qual, "custodian", "王芳", "location",
                        "档案柜 A-3", "acquired", "2026-01-05");
}

/* The delivery tasks of contract `id` (handover.list), oldest first. */
static json_t *
s_tasks (fixture_t *f, long long id, const char *state)
{
    json_t *result = NULL;
    if (qf_test_run (&f->d, "sales", "handover.list", &result, "{s:I, s:s?}", "contract_id",
                     (json_int_t)id, "state", state))
        return json_array ();
    json_t *items = json_incref (json_object_get (result, "items"));
    json_decref (result);
    return items;
}

/* Archives both certificates and finishes every open delivery task of
   contract `id` by its team: 0 when none is left open. */
static int
s_hand_over (fixture_t *f, long long id)
{
    int rc = s_archive (f, f->qual[0]) || s_archive (f, f->qual[1]) ? -1 : 0;
    json_t *open = s_tasks (f, id, "open");
    for (size_t i = 0; rc == 0 && i < json_array_size (open); i++) {
        json_t *task = json_array_get (open, i);
        rc = s_task (f, qf_test_str (task, "team"), "handover.done", qf_test_int (task, "id"));
    }
    json_decref (open);
    json_t *left = s_tasks (f, id, "open");
    rc = rc == 0 && json_array_size (left) == 0 ? 0 : -1;
    json_decref (left);
    return rc;
}

QF_TEST (draft_from_records)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, NULL);
    QF_CHECK (id > 0);
    json_t *shown = NULL;
    QF_CHECK_EQ_INT (s_do (&f, "boss", "management", "contract.show", id, &shown), 0);
    QF_CHECK_STR (qf_test_str (shown, "number"), "HF-2026-0001");
    QF_CHECK_STR (qf_test_str (shown, "state"), "draft");
    json_t *line = json_array_get (json_object_get (shown, "lines"), 1);
    QF_CHECK_STR (qf_test_str (line, "scope"), "general contracting");
    QF_CHECK_STR (qf_test_str (line, "expires"), "2029-06-30");
    QF_CHECK_EQ_INT (json_array_size (json_object_get (shown, "clauses")), 2);
    QF_CHECK_STR (qf_test_str (json_object_get (json_object_get (shown, "parties"), "customer"),
                               "credit_code"),
                  CODE_A);
    json_decref (shown);
    /* The rendering is the record: number, clause text, schedule. */
    json_t *rendered = NULL;
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "contract.render", &rendered, "{s:I, s:s}", "id",
                                  (json_int_t)id, "format", "markdown"),
                     0);
    f.d.user = NULL;
    const char *text = qf_test_str (rendered, "text");
    QF_CHECK (text && strstr (text, "# ") && strstr (text, "HF-2026-0001") &&
              strstr (text, "争议提交合肥仲裁委员会仲裁") && strstr (text, "210000.00") &&
              strstr (text, "general contracting"));
    json_decref (rendered);
    /* A second contract from the same proposal is refused naming the first. */
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_draft (&f, f.proposal, "split", SCHEDULE, NULL), 0);
    QF_CHECK_STR (f.d.field, "args.proposal_id");
    QF_CHECK (strstr (f.d.error, "HF-2026-0001"));
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    qf_test_daemon_close (&f.d);
}

QF_TEST (draft_refusals_change_nothing)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    uint64_t mark = qf_test_mark (&f.d);
    /* The schedule must add up to the price. */
    QF_CHECK_EQ_INT (s_draft (&f, f.proposal, "split", "2026-03-20:90000, 2026-04-20:200000", NULL),
                     0);
    QF_CHECK_STR (f.d.field, "args.schedule");
    QF_CHECK (strstr (f.d.error, "adds up to 290000.00") && strstr (f.d.error, "300000.00") &&
              strstr (f.d.error, "§6.3"));
    /* As many instalments as the term has; a term of the allowed list. */
    QF_CHECK_EQ_INT (s_draft (&f, f.proposal, "full", SCHEDULE, NULL), 0);
    QF_CHECK_STR (f.d.field, "args.schedule");
    QF_CHECK_EQ_INT (s_draft (&f, f.proposal, "monthly", SCHEDULE, NULL), 0);
    QF_CHECK_STR (f.d.field, "args.payment_term");
    QF_CHECK (strstr (f.d.error, "full, split"));
    QF_CHECK_EQ_INT (s_draft (&f, f.proposal, "split", SCHEDULE, "nosuch"), 0);
    QF_CHECK_STR (f.d.field, "args.omit");
    /* A salesperson who does not own the customer. */
    f.d.user = "wang";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "contract.draft", NULL, "{s:I, s:s, s:s}",
                                  "proposal_id", (json_int_t)f.proposal, "payment_term", "split",
                                  "schedule", SCHEDULE),
                     QF_EFORBIDDEN);
    QF_CHECK_STR (f.d.field, "args.proposal_id");
    /* A role that may not draft. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "contract.draft", NULL, "{s:I, s:s, s:s}",
                                  "proposal_id", (json_int_t)f.proposal, "payment_term", "split",
                                  "schedule", SCHEDULE),
                     QF_EFORBIDDEN);
    f.d.user = NULL;
    json_t *list = NULL;
    QF_CHECK_EQ_INT (qf_store_contract_list (f.d.store, 0, NULL, NULL, 0, 100, &list), 0);
    QF_CHECK_EQ_INT (json_array_size (list), 0);
    json_decref (list);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    /* No gap: the refused drafts took no number. */
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, NULL);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_store_contract_get (f.d.store, id, &record), 0);
    QF_CHECK_STR (qf_test_str (record, "number"), "HF-2026-0001");
    json_decref (record);
    /* contract.list pages: a full page says where the next begins, a page
       with room to spare that nothing comes next. */
    json_t *page = NULL;
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "management", "contract.list", &page, "{s:i}", "limit", 1), 0);
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (page, "next")), id);
    json_decref (page);
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "management", "contract.list", &page, "{s:i}", "limit", 2), 0);
    QF_CHECK (json_is_null (json_object_get (page, "next")));
    QF_CHECK_EQ_INT (json_array_size (json_object_get (page, "items")), 1);
    json_decref (page);
    qf_test_daemon_close (&f.d);
}

QF_TEST (review_returns_then_approves)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, "disputes");
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_do (&f, "li.lei", "sales", "contract.submit", id, NULL), 0);
    json_t *events = qf_test_events (&f.d, mark, "contract.review_requested");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_EQ_INT (json_array_size (json_object_get (payload, "departments")), 3);
    QF_CHECK_EQ_INT (
        json_array_size (json_object_get (json_object_get (payload, "contract"), "clauses")), 1);
    json_decref (events);
    /* The wrong role for a department, and a fail without findings. */
    f.d.from_worker = true;
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "contract.report", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)id, "department", "legal", "verdict", "pass"),
                     QF_EFORBIDDEN);
    QF_CHECK_STR (f.d.field, "args.department");
    f.d.from_worker = false;
    QF_CHECK_EQ_INT (s_report (&f, id, "legal", "fail", NULL), QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.findings");
    /* Legal fails the missing clause: returned with the findings. */
    QF_CHECK_EQ_INT (s_report (&f, id, "finance", "pass", NULL), 0);
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_report (&f, id, "legal", "fail", "required clause disputes is missing"), 0);
    QF_CHECK_STR (s_state (&f, id), "returned");
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.returned"), 1);
    /* The sales worker's verdict arriving after the return is kept, not
       counted (a refusal would only have it delivered again). */
    QF_CHECK_EQ_INT (s_report (&f, id, "sales", "pass", NULL), 0);
    QF_CHECK_STR (s_state (&f, id), "returned");
    json_t *reports = NULL;
    QF_CHECK_EQ_INT (qf_store_contract_reports (f.d.store, id, &reports), 0);
    json_t *late = json_array_get (reports, json_array_size (reports) - 1);
    QF_CHECK_STR (qf_test_str (late, "department"), "sales");
    QF_CHECK_EQ_INT ((int)qf_test_int (late, "counted"), 0);
    json_decref (reports);
    /* Signing before approval is refused naming the rule. */
    mark = qf_test_mark (&f.d);
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "contract.sign", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "copy", "sha256:abc"),
                     QF_ECONFLICT);
    QF_CHECK_STR (f.d.field, "args.id");
    QF_CHECK (strstr (f.d.error, "returned") && strstr (f.d.error, "approved"));
    /* A returned contract is not submitted again as it is. */
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "sales", "contract.submit", NULL, "{s:I}", "id", (json_int_t)id),
        QF_ECONFLICT);
    /* A new version with every clause. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "contract.revise", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "note", "clause restored"),
                     0);
    f.d.user = NULL;
    QF_CHECK_STR (s_state (&f, id), "draft");
    QF_CHECK_EQ_INT (s_approve (&f, id), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.approved"), 1);
    json_t *versions = NULL;
    QF_CHECK_EQ_INT (qf_store_contract_versions (f.d.store, id, &versions), 0);
    QF_CHECK_EQ_INT (json_array_size (versions), 2);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (
                         json_object_get (json_array_get (versions, 0), "body"), "clauses")),
                     1);
    json_decref (versions);
    /* Reserved: another contract taking the qualification is refused naming this one. */
    int64_t holder = 0;
    char *number = NULL;
    QF_CHECK_EQ_INT (qf_contract_reserved_by (f.d.store, f.qual[0], "2030-01-01", &holder, &number),
                     0);
    QF_CHECK_EQ_INT ((int)holder, (int)id);
    QF_CHECK_STR (number, "HF-2026-0001");
    free (number);
    /* A new proposal offering it is refused naming the contract. */
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:200000", f.qual[0]);
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "proposal.create", NULL,
                                  "{s:I, s:s, s:s, s:s, s:s}", "customer_id",
                                  (json_int_t)f.customer, "lines", lines, "steps", "survey",
                                  "services", "callback", "delivery", "2026-06-30"),
                     QF_ECONFLICT);
    f.d.user = NULL;
    QF_CHECK_STR (f.d.field, "args.lines");
    QF_CHECK (strstr (f.d.error, "reserved by contract HF-2026-0001"));
    qf_test_daemon_close (&f.d);
}

QF_TEST (reserved_qualification_refused)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    /* Contract B, of another qualification, holds the first qualification's
       period of use (as an approval of B would have reserved it; the
       proposal rules keep two accepted proposals of one qualification
       apart, so the reservation is written as B's approval writes it). */
    long long qual = qf_test_qual_add (&f.d, 3, "construction-general", "2031-01-01");
    QF_CHECK (qual > 0 && qf_test_qual_approve (&f.d, qual) == 0);
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:200000", qual);
    long long proposal = s_accepted (&f, "li.lei", "sales", lines);
    long long holder_id = s_draft (&f, proposal, "full", "2026-04-01:200000", NULL);
    QF_CHECK (holder_id > 0);
    QF_CHECK_EQ_INT (qf_store_begin (f.d.store), 0);
    QF_CHECK_EQ_INT (qf_store_contract_reserve (f.d.store, f.qual[0], "2030-01-01", holder_id, 0),
                     0);
    QF_CHECK_EQ_INT (qf_store_commit (f.d.store), 0);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_draft (&f, f.proposal, "split", SCHEDULE, NULL), 0);
    QF_CHECK_STR (f.d.field, "lines[1]");
    QF_CHECK (strstr (f.d.error, "reserved by contract HF-2026-0001") &&
              strstr (f.d.error, "sold once per period of use"));
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    /* Cancelling the holder frees it. */
    f.d.user = "boss";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "management", "contract.cancel", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)holder_id, "reason", "customer withdrew"),
                     0);
    f.d.user = NULL;
    int64_t holder = 0;
    QF_CHECK_EQ_INT (qf_contract_reserved_by (f.d.store, f.qual[0], "2030-01-01", &holder, NULL),
                     0);
    QF_CHECK_EQ_INT ((int)holder, 0);
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, NULL);
    QF_CHECK (id > 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_store_contract_get (f.d.store, id, &record), 0);
    QF_CHECK_STR (qf_test_str (record, "number"), "HF-2026-0002");
    json_decref (record);
    qf_test_daemon_close (&f.d);
}

QF_TEST (unapproved_discount_refused)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    /* A supervisor sent 8 % off (within their limit, no approval needed);
       a salesperson may grant 5 %: their submission is refused. */
    long long qual = qf_test_qual_add (&f.d, 3, "construction-general", "2031-01-01");
    QF_CHECK (qual > 0 && qf_test_qual_approve (&f.d, qual) == 0);
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:184000", qual);
    long long proposal = s_accepted (&f, "zhang", "supervisor", lines);
    QF_CHECK (proposal > 0);
    long long id = s_draft (&f, proposal, "full", "2026-04-01:184000", NULL);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_do (&f, "li.lei", "sales", "contract.submit", id, NULL), QF_EFORBIDDEN);
    QF_CHECK_STR (f.d.field, "lines[1].price");
    QF_CHECK (strstr (f.d.error, "8.00 %") && strstr (f.d.error, "policy.max_discount_sales") &&
              strstr (f.d.error, "conduct"));
    QF_CHECK_STR (s_state (&f, id), "draft");
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.review_requested"), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "staff.conduct_recorded"), 1);
    /* The supervisor may submit it. */
    QF_CHECK_EQ_INT (s_do (&f, "zhang", "supervisor", "contract.submit", id, NULL), 0);
    qf_test_daemon_close (&f.d);
}

QF_TEST (signed_receivables_payments_delivery)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, NULL);
    QF_CHECK_EQ_INT (s_approve (&f, id), 0);
    /* Delivery before signing is refused. */
    QF_CHECK_EQ_INT (s_do (&f, "li.lei", "sales", "contract.deliver", id, NULL), QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "only a signed contract is delivered"));
    /* No receivables before signing. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "payment.receivables", NULL, "{s:I}",
                                  "contract_id", (json_int_t)id),
                     QF_ECONFLICT);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_sign (&f, id), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.signed"), 1);
    /* Made once: asked again (a redelivery), none is made. */
    json_t *made = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "payment.receivables", &made, "{s:I}",
                                  "contract_id", (json_int_t)id),
                     0);
    QF_CHECK_EQ_INT ((int)qf_test_int (made, "created"), 2);
    json_int_t first = json_integer_value (
        json_object_get (json_array_get (json_object_get (made, "items"), 0), "id"));
    json_int_t second = json_integer_value (
        json_object_get (json_array_get (json_object_get (made, "items"), 1), "id"));
    json_decref (made);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "payment.receivables", &made, "{s:I}",
                                  "contract_id", (json_int_t)id),
                     0);
    QF_CHECK_EQ_INT ((int)qf_test_int (made, "created"), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (made, "items")), 2);
    json_decref (made);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "receivable.created"), 2);
    /* More than is due is refused, naming the amount. */
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "payment.record", NULL, "{s:I, s:f}",
                                  "receivable_id", first, "amount", 90000.5),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.amount");
    QF_CHECK (strstr (f.d.error, "90000.50") && strstr (f.d.error, "90000.00 still due"));
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "payment.record", NULL, "{s:I, s:f}",
                                  "receivable_id", first, "amount", 100.0),
                     QF_EFORBIDDEN);
    /* The first instalment paid; the second overdue on each working day. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "payment.record", NULL, "{s:I, s:f}",
                                  "receivable_id", first, "amount", 90000.0),
                     0);
    f.d.now = qf_test_at ("2026-03-23", 10, 0); /* Monday after the first due date */
    QF_CHECK (qf_test_fire (&f.d) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "payment.overdue"), 0);
    /* Delivery 2026-06-30 (Tuesday): at risk 3 working days before, 2026-06-25. */
    f.d.now = qf_test_at ("2026-04-21", 10, 0); /* Tuesday after the second due date */
    mark = qf_test_mark (&f.d);
    QF_CHECK (qf_test_fire (&f.d) >= 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "payment.overdue"), 1);
    f.d.now = qf_test_at ("2026-04-22", 10, 0);
    QF_CHECK (qf_test_fire (&f.d) >= 1);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "payment.overdue"), 2);
    /* Saturday: none; Monday: one. */
    f.d.now = qf_test_at ("2026-04-25", 10, 0);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "payment.record", NULL, "{s:I, s:f, s:s}",
                                  "receivable_id", second, "amount", 10000.0, "date", "2026-04-24"),
                     0);
    int before = qf_test_count (&f.d, mark, "payment.overdue");
    qf_test_fire (&f.d);
    qf_test_fire (&f.d);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "payment.overdue"), before);
    f.d.now = qf_test_at ("2026-04-27", 10, 0);
    qf_test_fire (&f.d);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "payment.overdue"), before + 1);
    json_t *overdue = qf_test_events (&f.d, mark, "payment.overdue");
    json_t *last =
        json_object_get (json_array_get (overdue, json_array_size (overdue) - 1), "payload");
    QF_CHECK (fabs (json_number_value (json_object_get (last, "outstanding")) - 200000) < 0.01);
    json_decref (overdue);
    /* At risk: before 2026-06-25 nothing, then once. */
    mark = qf_test_mark (&f.d);
    f.d.now = qf_test_at ("2026-06-24", 10, 0);
    qf_test_fire (&f.d);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.delivery_at_risk"), 0);
    f.d.now = qf_test_at ("2026-06-25", 10, 0);
    qf_test_fire (&f.d);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.delivery_at_risk"), 1);
    /* Delivered, once handed over. */
    QF_CHECK_EQ_INT (s_hand_over (&f, id), 0);
    QF_CHECK_EQ_INT (s_do (&f, "li.lei", "sales", "contract.deliver", id, NULL), 0);
    QF_CHECK_STR (s_state (&f, id), "delivered");
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.delivered"), 1);
    qf_test_daemon_close (&f.d);
}

/* §6.3 execution: signing gives the processing team and logistics their
   delivery tasks; the certificate leaves custody only after its
   processing, only from custody and only by logistics, and the contract
   is delivered only once every task is done. Each refusal changes
   nothing. */
QF_TEST (handover_before_delivery)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, NULL);
    QF_CHECK_EQ_INT (s_approve (&f, id), 0);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_sign (&f, id), 0);
    /* One processing and one transfer task per qualification, to their teams. */
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "handover.opened"), 4);
    json_t *tasks = s_tasks (&f, id, NULL);
    QF_CHECK_EQ_INT (json_array_size (tasks), 4);
    json_t *processing = json_array_get (tasks, 0), *transfer = json_array_get (tasks, 1);
    QF_CHECK_STR (qf_test_str (processing, "kind"), "processing");
    QF_CHECK_STR (qf_test_str (processing, "team"), "review");
    QF_CHECK_STR (qf_test_str (transfer, "kind"), "transfer");
    QF_CHECK_STR (qf_test_str (transfer, "team"), "logistics");
    QF_CHECK_STR (qf_test_str (transfer, "due"), "2026-06-30");
    QF_CHECK_STR (qf_test_str (transfer, "customer"), "合肥建工 Hefei Builders");
    QF_CHECK_EQ_INT (qf_test_int (processing, "qualification_id"), f.qual[0]);
    /* The steps the proposal quoted, on the processing task only. */
    QF_CHECK_EQ_INT (json_array_size (json_object_get (processing, "steps")), 1);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (transfer, "steps")), 0);
    json_t *opened = qf_test_events (&f.d, mark, "handover.opened");
    json_t *first = json_object_get (json_array_get (opened, 0), "payload");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (first, "recipients"), 0)),
                  "review");
    json_decref (opened);
    json_int_t p_id = qf_test_int (processing, "id"), t_id = qf_test_int (transfer, "id");
    /* Refused, changing nothing: delivery before the handover, a task of
       another team, a transfer before its processing, a transfer of a
       certificate not in custody. */
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_do (&f, "li.lei", "sales", "contract.deliver", id, NULL), QF_ECONFLICT);
    QF_CHECK_STR (f.d.field, "args.id");
    QF_CHECK (strstr (f.d.error, "4 open delivery task(s)") && strstr (f.d.error, "handover done"));
    QF_CHECK_EQ_INT (s_task (&f, "logistics", "handover.done", p_id), QF_EFORBIDDEN);
    QF_CHECK (strstr (f.d.error, "the review team's"));
    QF_CHECK_EQ_INT (s_task (&f, "sales", "handover.done", p_id), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_task (&f, "logistics", "handover.done", t_id), QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "follows its processing"));
    QF_CHECK_EQ_INT (s_task (&f, "review", "handover.done", p_id), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "handover.done"), 1);
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_task (&f, "logistics", "handover.done", t_id), QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "no archive record") && strstr (f.d.error, "custody.archive"));
    /* Out on a loan: refused until the loan is closed. */
    QF_CHECK_EQ_INT (s_archive (&f, f.qual[0]), 0);
    json_t *loan = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "loan.request", &loan, "{s:I, s:s, s:s, s:s}",
                                  "qualification_id", (json_int_t)f.qual[0], "borrower", "张伟",
                                  "purpose", "tender", "due", "2026-03-20"),
                     0);
    json_int_t loan_id = qf_test_int (loan, "id");
    json_decref (loan);
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_task (&f, "logistics", "handover.done", t_id), QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "open loan"));
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "leader", "loan.refuse", NULL, "{s:I}", "loan_id", loan_id),
                     0);
    /* Handed over: the archive record names the customer and the contract. */
    mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_task (&f, "logistics", "handover.done", t_id), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "custody.transferred"), 1);
    json_t *archive = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "custody.show", &archive, "{s:I}",
                                  "qualification_id", (json_int_t)f.qual[0]),
                     0);
    QF_CHECK_STR (qf_test_str (archive, "transferred_to"), "合肥建工 Hefei Builders");
    QF_CHECK_EQ_INT (qf_test_int (archive, "transfer_contract"), id);
    json_decref (archive);
    /* Done once; the certificate no longer lent out. */
    QF_CHECK_EQ_INT (s_task (&f, "logistics", "handover.done", t_id), QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "is done"));
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "loan.request", NULL, "{s:I, s:s, s:s, s:s}",
                                  "qualification_id", (json_int_t)f.qual[0], "borrower", "张伟",
                                  "purpose", "tender", "due", "2026-03-20"),
                     QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "handed over"));
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "handover.completed"), 0);
    /* The last task done tells the salesperson; then it is delivered. */
    QF_CHECK_EQ_INT (s_hand_over (&f, id), 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "handover.completed"), 1);
    QF_CHECK_EQ_INT (s_do (&f, "li.lei", "sales", "contract.deliver", id, NULL), 0);
    QF_CHECK_STR (s_state (&f, id), "delivered");
    json_decref (tasks);
    qf_test_daemon_close (&f.d);
}

/* A signed contract cancelled: its open tasks are cancelled, told to the teams. */
QF_TEST (handover_cancelled_with_contract)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, NULL);
    QF_CHECK_EQ_INT (s_approve (&f, id), 0);
    QF_CHECK_EQ_INT (s_sign (&f, id), 0);
    json_t *tasks = s_tasks (&f, id, "open");
    QF_CHECK_EQ_INT (s_task (&f, "review", "handover.done", qf_test_int (json_array_get (tasks, 0), "id")), 0);
    json_decref (tasks);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "supervisor", "contract.cancel", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "reason", "customer withdrew"),
                     0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "handover.cancelled"), 3);
    tasks = s_tasks (&f, id, "open");
    QF_CHECK_EQ_INT (json_array_size (tasks), 0);
    json_decref (tasks);
    tasks = s_tasks (&f, id, "cancelled");
    QF_CHECK_EQ_INT (json_array_size (tasks), 3);
    json_decref (tasks);
    qf_test_daemon_close (&f.d);
}

QF_TEST (number_pattern)
{
    char out[64];
    QF_CHECK_EQ_INT (qf_contract_number ("HF-{year}-{seq:4}", 2027, 1, out, sizeof out), 0);
    QF_CHECK_STR (out, "HF-2027-0001");
    QF_CHECK_EQ_INT (qf_contract_number ("合同{year}/{seq}", 2027, 12345, out, sizeof out), 0);
    QF_CHECK_STR (out, "合同2027/12345");
    QF_CHECK_EQ_INT (qf_contract_number ("HF-{year}", 2027, 1, out, sizeof out), QF_EINVAL);
    QF_CHECK_EQ_INT (qf_contract_number ("HF-{month}-{seq}", 2027, 1, out, sizeof out), QF_EINVAL);
    QF_CHECK_EQ_INT (qf_contract_number ("HF-{year}-{seq:4}", 2027, 1, out, 8), QF_EINVAL);
}

QF_TEST (flagged_on_suspension)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, NULL);
    QF_CHECK_EQ_INT (s_approve (&f, id), 0);
    json_t *policy = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "legal", "policy.record", &policy, "{s:s, s:s, s:s}",
                                  "category", "survey", "description", "测绘资质暂停 new rules",
                                  "effective", QF_TEST_MONDAY),
                     0);
    long long policy_id = qf_test_int (policy, "id");
    json_decref (policy);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "legal", "policy.apply", NULL, "{s:I}", "policy_id",
                                  (json_int_t)policy_id),
                     0);
    /* In the suspension's transaction: the approved contract is flagged. */
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "contract.flagged"), 1);
    json_t *applied = qf_test_events (&f.d, mark, "policy.applied");
    json_t *flagged = json_object_get (json_object_get (json_array_get (applied, 0), "payload"),
                                       "flagged_contracts");
    QF_CHECK_EQ_INT (json_array_size (flagged), 1);
    QF_CHECK_EQ_INT ((int)json_integer_value (json_array_get (flagged, 0)), (int)id);
    json_decref (applied);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_store_contract_get (f.d.store, id, &record), 0);
    QF_CHECK (strstr (qf_test_str (record, "flagged"), "测绘资质暂停"));
    json_decref (record);
    qf_test_daemon_close (&f.d);
}

/* The worker's answer of `department` to the last contract.review_requested. */
static json_t *
s_worker_answer (fixture_t *f, const qf_contract_department_t *department, int32_t today)
{
    json_t *events = qf_test_events (&f->d, 0, "contract.review_requested"), *result = NULL;
    json_t *payload =
        json_object_get (json_array_get (events, json_array_size (events) - 1), "payload");
    if (qf_contract_review_run (f->d.config, department, payload, today, &result))
        result = NULL;
    json_decref (events);
    return result;
}

/* The verdict and findings of a worker's answer. */
static const char *
s_verdict (json_t *answer)
{
    return qf_test_str (json_object_get (answer, "args"), "verdict");
}

static const char *
s_findings (json_t *answer)
{
    const char *text = qf_test_str (json_object_get (answer, "args"), "findings");
    return text ? text : "";
}

QF_TEST (worker_rules)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    int32_t today = 0;
    qf_date_parse (QF_TEST_MONDAY, &today);
    /* Legal: a required clause left out fails, naming it. */
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, "disputes");
    QF_CHECK_EQ_INT (s_do (&f, "li.lei", "sales", "contract.submit", id, NULL), 0);
    json_t *answer = s_worker_answer (&f, &qf_legal_contract_review, today);
    QF_CHECK_STR (qf_test_str (answer, "command"), "contract.report");
    QF_CHECK_STR (s_verdict (answer), "fail");
    QF_CHECK (strstr (s_findings (answer), "required clause disputes is missing"));
    json_decref (answer);
    /* Finance passes it (list prices, allowed term, schedule adds up). */
    answer = s_worker_answer (&f, &qf_finance_contract_review, today);
    QF_CHECK_STR (s_verdict (answer), "pass");
    json_decref (answer);
    /* Sales: delivery 2026-06-30 leaves 120 days; construction-general
       takes the default 30 here, so it passes; a day 100 days later fails. */
    answer = s_worker_answer (&f, &qf_sales_contract_review, today);
    QF_CHECK_STR (s_verdict (answer), "pass");
    json_decref (answer);
    answer = s_worker_answer (&f, &qf_sales_contract_review, today + 100);
    QF_CHECK_STR (s_verdict (answer), "fail");
    QF_CHECK (strstr (s_findings (answer), "processing takes 30"));
    json_decref (answer);
    /* The legal answer run as the worker's result returns the contract. */
    f.d.from_worker = true;
    answer = s_worker_answer (&f, &qf_legal_contract_review, today);
    json_t *args = json_object_get (answer, "args");
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "legal", "contract.report", NULL,
                                  "{s:O, s:O, s:O, s:O, s:O}", "id", json_object_get (args, "id"),
                                  "version", json_object_get (args, "version"), "department",
                                  json_object_get (args, "department"), "verdict",
                                  json_object_get (args, "verdict"), "findings",
                                  json_object_get (args, "findings")),
                     0);
    f.d.from_worker = false;
    json_decref (answer);
    QF_CHECK_STR (s_state (&f, id), "returned");
    /* Finance on a tampered version: term not allowed, schedule short. */
    json_t *events = qf_test_events (&f.d, 0, "contract.review_requested");
    json_t *payload = json_deep_copy (json_object_get (json_array_get (events, 0), "payload"));
    json_decref (events);
    json_t *contract = json_object_get (payload, "contract");
    json_object_set_new (json_object_get (contract, "payment_term"), "id", json_string ("never"));
    json_object_set_new (contract, "price", json_real (310000));
    json_t *result = NULL;
    QF_CHECK_EQ_INT (
        qf_contract_review_run (f.d.config, &qf_finance_contract_review, payload, today, &result),
        0);
    QF_CHECK_STR (s_verdict (result), "fail");
    QF_CHECK (strstr (s_findings (result), "not in the allowed list") &&
              strstr (s_findings (result), "adds up to 300000.00, not the price 310000.00"));
    json_decref (result);
    json_decref (payload);
    qf_test_daemon_close (&f.d);
}

QF_TEST (person_confirms)
{
    fixture_t f;
    /* Legal's worker verdict counts only once a person confirms it. */
    QF_CHECK_EQ_INT (s_setup_with (&f, YAML_WITH ("  confirmed_by_person: [legal]\n")), 0);
    long long id = s_draft (&f, f.proposal, "split", SCHEDULE, NULL);
    QF_CHECK_EQ_INT (s_do (&f, "li.lei", "sales", "contract.submit", id, NULL), 0);
    QF_CHECK_EQ_INT (s_report (&f, id, "finance", "pass", NULL), 0);
    QF_CHECK_EQ_INT (s_report (&f, id, "sales", "pass", NULL), 0);
    QF_CHECK_EQ_INT (s_report (&f, id, "legal", "pass", NULL), 0);
    QF_CHECK_STR (s_state (&f, id), "in_review");
    f.d.user = "liu";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "legal", "contract.report", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)id, "department", "legal", "verdict", "pass"),
                     0);
    /* Once is enough. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "legal", "contract.report", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)id, "department", "legal", "verdict", "pass"),
                     QF_ECONFLICT);
    f.d.user = NULL;
    QF_CHECK_STR (s_state (&f, id), "approved");
    qf_test_daemon_close (&f.d);
}

int
main (void)
{
    s_test_suite = "contract";
    QF_RUN (number_pattern);
    QF_RUN (draft_from_records);
    QF_RUN (draft_refusals_change_nothing);
    QF_RUN (review_returns_then_approves);
    QF_RUN (reserved_qualification_refused);
    QF_RUN (unapproved_discount_refused);
    QF_RUN (signed_receivables_payments_delivery);
    QF_RUN (handover_before_delivery);
    QF_RUN (handover_cancelled_with_contract);
    QF_RUN (flagged_on_suspension);
    QF_RUN (worker_rules);
    QF_RUN (person_confirms);
    return qf_test_done ();
}
