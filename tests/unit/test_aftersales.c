/*  test_aftersales — the after-sales callbacks (§6.4, §3.3), run
    in-process on a real SQLite store as the daemon runs it
    (qf_test_daemon.h): a delivered contract's callbacks are scheduled in
    the delivery's transaction, each on the working day it falls on (a
    holiday moves it to the previous one); its timer raises
    aftersales.callback_due once; the worker's callback.open opens the
    task once however often it is asked; a call that does not reach the
    customer is tried again on the next working day, and after the
    configured number escalated to the supervisor; a reached one is done
    with its score and what was said; a task not done by its due date is
    overdue to its owner and later to the owner's supervisor. Every
    refusal names the field and the rule and changes nothing (the tables
    and the event log are read back).
*/
#include "aftersales/aftersales.h"
#include "aftersales/aftersales_config.h"
#include "aftersales/aftersales_store.h"
#include "feedback/feedback.h"
#include "qf_calendar.h"
#include "qf_msg.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

/* The test's policy: prices, templates, a contract term and
   `aftersales_keys` (indented, under aftersales:); SUPERVISORS says who
   supervises li.lei. */
#define YAML_WITH(aftersales_keys)                                                                 \
    QF_TEST_POLICY                                                                                 \
    "  min_validity_for_sale_days: 0\n"                                                            \
    "list_prices:\n  - name: construction-general\n    price: 200000\n"                            \
    "processing_steps:\n  - name: survey\n    text: \"现场勘察 site survey\"\n"                \
    "after_sales_services:\n  - name: callback\n    text: \"交付后1个月、3个月回访\"\n"  \
    "contract_clauses:\n  - name: rights\n    text: \"甲方保证资质合法有效\"\n"          \
    "payment_terms:\n  - name: full\n    text: \"一次付清\"\n    instalments: 1\n"             \
    "aftersales:\n  due_days: 3\n" aftersales_keys
#define SUPERVISORS "supervisors:\n  - name: li.lei\n    supervisor: zhao\n"
/* Two categories of feedback, one of each kind. */
#define CATEGORIES                                                                                 \
    "feedback_categories:\n  - name: slow-response\n    kind: service\n"                           \
    "    department: sales\n  - name: certificate-invalid\n    kind: technical\n"                  \
    "    department: technical\n"
#define YAML YAML_WITH ("") SUPERVISORS

/* Delivered on Tuesday 2026-09-01: its 30-day callback falls on 2026-10-01,
   a holiday (QF_TEST_DAEMON_YAML), and comes on Wednesday 2026-09-30; the
   90-day one on Monday 2026-11-30. */
#define DELIVERED "2026-09-01"

typedef struct {
    qf_test_daemon_t d;
    long long contract;    /* delivered */
    long long callback[2]; /* its 30- and 90-day callbacks */
} fixture_t;

/* Runs `command` as `role` by `user` with args {id}: its status. */
static int
s_as (fixture_t *f, const char *user, const char *role, const char *command, json_int_t id,
      json_t **result_p)
{
    f->d.user = user;
    int rc = qf_test_run (&f->d, role, command, result_p, "{s:I}", "id", id);
    f->d.user = NULL;
    return rc;
}

/* The id in a command's result *result_p, which is freed; 0 when the
   command failed (its status `rc`). */
static long long
s_id (int rc, json_t **result_p)
{
    long long id = rc ? 0 : qf_test_int (*result_p, "id");
    json_decref (*result_p);
    *result_p = NULL;
    return id;
}

/* Every open delivery task of contract `id` done by its team. */
static int
s_hand_over (fixture_t *f, long long qual)
{
    json_t *tasks = NULL;
    int rc = qf_test_run (&f->d, "logistics", "custody.archive", NULL, "{s:I, s:s, s:s, s:s}",
                          "qualification_id", (json_int_t)qual, "custodian", "王芳", "location",
                          "档案柜 A-3", "acquired", "2026-01-05");
    if (rc == 0)
        rc = qf_test_run (&f->d, "sales", "handover.list", &tasks, "{s:I}", "contract_id",
                          (json_int_t)f->contract);
    json_t *items = json_object_get (tasks, "items");
    for (size_t i = 0; rc == 0 && i < json_array_size (items); i++) {
        json_t *task = json_array_get (items, i);
        rc = s_as (f, "staff", qf_test_str (task, "team"), "handover.done",
                   qf_test_int (task, "id"), NULL);
    }
    json_decref (tasks);
    return rc;
}

/* A contract of li.lei's customer for one qualification: drafted from an
   accepted proposal, passed by the three departments, signed, handed
   over and delivered on DELIVERED at 10:00; the configuration `yaml`.
   0, or -1 with why printed. */
static int
s_setup_with (fixture_t *f, const char *yaml)
{
    memset (f, 0, sizeof *f);
    if (qf_test_daemon_open (&f->d, yaml))
        return -1;
    long long qual = qf_test_qual_add (&f->d, 1, "construction-general", "2030-01-01");
    if (!qual || qf_test_qual_approve (&f->d, qual))
        return -1;
    json_t *result = NULL;
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:200000", qual);
    f->d.user = "li.lei";
    long long customer =
        s_id (qf_test_run (&f->d, "sales", "customer.add", &result, "{s:s, s:s}", "name",
                           "合肥建工 Hefei Builders", "credit_code", "91350100M000100Y43"),
              &result);
    long long proposal =
        s_id (qf_test_run (&f->d, "sales", "proposal.create", &result, "{s:I, s:s, s:s, s:s, s:s}",
                           "customer_id", (json_int_t)customer, "lines", lines, "steps", "survey",
                           "services", "callback", "delivery", "2026-06-30"),
              &result);
    int rc = proposal ? 0 : -1;
    if (rc == 0)
        rc = s_as (f, "li.lei", "sales", "proposal.send", proposal, NULL);
    if (rc == 0)
        rc = s_as (f, "li.lei", "sales", "proposal.accept", proposal, NULL);
    f->d.user = "li.lei";
    if (rc == 0)
        f->contract = s_id (qf_test_run (&f->d, "sales", "contract.draft", &result,
                                         "{s:I, s:s, s:s}", "proposal_id", (json_int_t)proposal,
                                         "payment_term", "full", "schedule", "2026-03-20:200000"),
                            &result);
    if (rc == 0)
        rc = s_as (f, "li.lei", "sales", "contract.submit", f->contract, NULL);
    const char *const departments[][2] = {
        {"legal", "legal"}, {"finance", "finance"}, {"sales", "supervisor"}};
    f->d.from_worker = true;
    for (size_t i = 0; rc == 0 && i < 3; i++)
        rc = qf_test_run (&f->d, departments[i][1], "contract.report", NULL, "{s:I, s:s, s:s}",
                          "id", (json_int_t)f->contract, "department", departments[i][0], "verdict",
                          "pass");
    f->d.from_worker = false;
    f->d.user = "li.lei";
    if (rc == 0)
        rc = qf_test_run (&f->d, "sales", "contract.sign", NULL, "{s:I, s:s}", "id",
                          (json_int_t)f->contract, "copy", "sha256:0123abcd");
    f->d.user = NULL;
    if (rc == 0)
        rc = s_hand_over (f, qual);
    f->d.now = qf_test_at (DELIVERED, 10, 0);
    if (rc == 0)
        rc = s_as (f, "li.lei", "sales", "contract.deliver", f->contract, NULL);
    json_t *callbacks = NULL;
    if (rc == 0)
        rc = qf_aftersales_of (f->d.store, f->contract, &callbacks);
    for (size_t i = 0; rc == 0 && i < 2; i++)
        f->callback[i] = qf_test_int (json_array_get (callbacks, i), "id");
    json_decref (callbacks);
    if (rc)
        printf ("# setup: %s (%s)\n", f->d.error, f->d.field);
    return rc ? -1 : 0;
}

static int
s_setup (fixture_t *f)
{
    return s_setup_with (f, YAML);
}

/* Fires the due timers at d->now, as the server's loop does: how many. */
static int
s_fire (fixture_t *f)
{
    int fired = 0;
    if (qf_store_begin (f->d.store))
        return -1;
    if (qf_timers_fire (f->d.store, f->d.config, f->d.now, 64, &fired)) {
        qf_store_rollback (f->d.store);
        return -1;
    }
    return qf_store_commit (f->d.store) ? -1 : fired;
}

/* The stored callback `id` with its calls (the caller's), or NULL. */
static json_t *
s_callback (fixture_t *f, long long id)
{
    json_t *callback = NULL, *calls = NULL;
    if (qf_store_callback_get (f->d.store, id, &callback) ||
        qf_store_callback_calls (f->d.store, id, &calls)) {
        json_decref (callback);
        return NULL;
    }
    json_object_set_new (callback, "calls", calls);
    return callback;
}

/* Both callbacks, their calls and the timers, as text: what a refused
   command must leave as it was. */
static char *
s_snapshot (fixture_t *f)
{
    json_t *all = json_array ();
    for (size_t i = 0; i < 2; i++) {
        char subject[64];
        json_t *timers = NULL;
        qf_timers_list (f->d.store,
                        qf_subject (subject, sizeof subject, "callback", f->callback[i]), &timers);
        json_array_append_new (all, s_callback (f, f->callback[i]));
        json_array_append_new (all, timers);
    }
    char *text = json_dumps (all, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref (all);
    return text;
}

/* Records a call on callback `id` as li.lei (sales): reached "yes" or
   "no", with a score (0: none) and what was said (may be NULL). */
static int
s_call (fixture_t *f, long long id, const char *reached, int score, const char *said)
{
    f->d.user = "li.lei";
    int rc =
        score ? qf_test_run (&f->d, "sales", "callback.record", NULL, "{s:I, s:s, s:i, s:s?}", "id",
                             (json_int_t)id, "reached", reached, "score", score, "said", said)
              : qf_test_run (&f->d, "sales", "callback.record", NULL, "{s:I, s:s, s:s?}", "id",
                             (json_int_t)id, "reached", reached, "said", said);
    f->d.user = NULL;
    return rc;
}

/* The worker's answer to aftersales.callback_due: callback.open as the
   aftersales group. Returns its status; *created_p whether it opened. */
static int
s_open (fixture_t *f, long long contract, int interval, bool *created_p)
{
    json_t *result = NULL;
    f->d.from_worker = true;
    int rc = qf_test_run (&f->d, "aftersales", "callback.open", &result, "{s:I, s:i}",
                          "contract_id", (json_int_t)contract, "interval_days", interval);
    f->d.from_worker = false;
    if (created_p)
        *created_p = json_is_true (json_object_get (result, "created"));
    json_decref (result);
    return rc;
}

/* s_setup_with `yaml`, then the 30-day callback's day comes (09:00 on
   2026-09-30): its timer fires and the worker opens it. 0, or -1. */
static int
s_opened (fixture_t *f, const char *yaml)
{
    if (s_setup_with (f, yaml))
        return -1;
    f->d.now = qf_test_at ("2026-09-30", 9, 0);
    return s_fire (f) >= 1 && s_open (f, f->contract, 30, NULL) == 0 ? 0 : -1;
}

/* The pending timer of `kind` of callback `id`: its due time, or -1. */
static int64_t
s_timer_due (fixture_t *f, long long id, const char *kind)
{
    char subject[64];
    json_t *timers = NULL;
    int64_t due = -1;
    qf_timers_list (f->d.store, qf_subject (subject, sizeof subject, "callback", id), &timers);
    for (size_t i = 0; i < json_array_size (timers); i++) {
        json_t *timer = json_array_get (timers, i);
        if (strcmp (qf_test_str (timer, "kind"), kind) == 0 &&
            strcmp (qf_test_str (timer, "state"), "pending") == 0)
            due = qf_test_int (timer, "due");
    }
    json_decref (timers);
    return due;
}

/* The payload of the only event of `topic` after `mark` (borrowed from
   *events_p, which the caller frees), or NULL when there is not one. */
static json_t *
s_only (fixture_t *f, uint64_t mark, const char *topic, json_t **events_p)
{
    *events_p = qf_test_events (&f->d, mark, topic);
    if (json_array_size (*events_p) != 1)
        return NULL;
    return json_object_get (json_array_get (*events_p, 0), "payload");
}

/* Delivery schedules one callback per interval, on working days; the
   intervals are the module's configuration now. */
QF_TEST (scheduled_at_delivery)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    QF_CHECK_EQ_INT (qf_aftersales_config (f.d.config)->callback_interval_count, 2);
    QF_CHECK_EQ_INT (qf_aftersales_config (f.d.config)->callback_intervals_days[1], 90);
    json_t *first = s_callback (&f, f.callback[0]), *second = s_callback (&f, f.callback[1]);
    QF_CHECK (first && second);
    QF_CHECK_STR (qf_test_str (first, "state"), "scheduled");
    QF_CHECK_EQ_INT (qf_test_int (first, "interval_days"), 30);
    QF_CHECK_STR (qf_test_str (first, "day"), "2026-09-30");
    QF_CHECK_STR (qf_test_str (first, "delivered_on"), DELIVERED);
    QF_CHECK_STR (qf_test_str (first, "owner"), "li.lei");
    QF_CHECK_STR (qf_test_str (first, "assignee"), "li.lei");
    QF_CHECK_STR (qf_test_str (first, "customer"), "合肥建工 Hefei Builders");
    QF_CHECK_STR (qf_test_str (second, "day"), "2026-11-30");
    json_decref (first);
    json_decref (second);
    /* Their timers: 09:00 on those working days. */
    QF_CHECK_EQ_INT (s_timer_due (&f, f.callback[0], "callback_due"),
                     qf_test_at ("2026-09-30", 9, 0));
    QF_CHECK_EQ_INT (s_timer_due (&f, f.callback[1], "callback_due"),
                     qf_test_at ("2026-11-30", 9, 0));
    json_t *events = NULL;
    json_t *scheduled = s_only (&f, 0, "aftersales.callbacks_scheduled", &events);
    QF_CHECK (scheduled != NULL);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (scheduled, "callbacks")), 2);
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (scheduled, "recipients"), 0)),
                  "li.lei");
    json_decref (events);
    /* Listed through each filter's index: the contract's, the state's. */
    const char *const filters[][2] = {{"scheduled", "2"}, {"open", "0"}};
    for (size_t i = 0; i < 2; i++) {
        json_t *list = NULL;
        QF_CHECK_EQ_INT (qf_test_run (&f.d, "supervisor", "callback.list", &list, "{s:s}", "state",
                                      filters[i][0]),
                         0);
        QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), atoi (filters[i][1]));
        json_decref (list);
        QF_CHECK_EQ_INT (qf_test_run (&f.d, "supervisor", "callback.list", &list, "{s:I, s:s}",
                                      "contract_id", (json_int_t)f.contract, "state",
                                      filters[i][0]),
                         0);
        QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), atoi (filters[i][1]));
        json_decref (list);
    }
    /* Nothing fires before its time. */
    f.d.now = qf_test_at ("2026-09-30", 8, 59);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK (s_fire (&f) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "aftersales.callback_due"), 0);
    qf_test_daemon_close (&f.d);
}

/* The day comes: the timer raises aftersales.callback_due once; the
   worker's callback.open opens the task once, however often it comes. */
QF_TEST (due_opens_once)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    f.d.now = qf_test_at ("2026-09-30", 9, 0);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK (s_fire (&f) >= 1);
    QF_CHECK (s_fire (&f) >= 0);
    json_t *events = NULL;
    json_t *due = s_only (&f, mark, "aftersales.callback_due", &events);
    QF_CHECK (due != NULL);
    QF_CHECK_EQ_INT (qf_test_int (due, "interval_days"), 30);
    QF_CHECK_EQ_INT (qf_test_int (due, "contract_id"), f.contract);
    QF_CHECK_STR (qf_test_str (due, "day"), "2026-09-30");
    QF_CHECK (json_is_false (json_object_get (due, "late")));
    json_decref (events);
    bool created = false;
    QF_CHECK_EQ_INT (s_open (&f, f.contract, 30, &created), 0);
    QF_CHECK (created);
    json_t *callback = s_callback (&f, f.callback[0]);
    QF_CHECK_STR (qf_test_str (callback, "state"), "open");
    QF_CHECK_STR (qf_test_str (callback, "due"), "2026-10-06"); /* 3 working days on */
    QF_CHECK_STR (qf_test_str (callback, "next_attempt"), "2026-09-30");
    json_decref (callback);
    json_t *opened = s_only (&f, mark, "aftersales.callback_opened", &events);
    QF_CHECK (opened != NULL);
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (opened, "recipients"), 0)),
                  "li.lei");
    json_decref (events);
    /* Asked again (a redelivery, a replay): nothing changes. */
    char *before = s_snapshot (&f);
    QF_CHECK_EQ_INT (s_open (&f, f.contract, 30, &created), 0);
    QF_CHECK (!created);
    char *after = s_snapshot (&f);
    QF_CHECK_STR (before, after);
    free (before);
    free (after);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "aftersales.callback_opened"), 1);
    /* A contract without such a callback is refused, naming the field. */
    QF_CHECK_EQ_INT (s_open (&f, f.contract, 45, NULL), QF_ENOTFOUND);
    QF_CHECK_STR (f.d.field, "args.contract_id");
    qf_test_daemon_close (&f.d);
}

/* Not reached twice, tried again on the next working days; reached on
   the third call with its result: done, its timers gone. */
QF_TEST (retried_then_reached)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_opened (&f, YAML), 0);
    long long id = f.callback[0];
    f.d.now = qf_test_at ("2026-09-30", 10, 0);
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_call (&f, id, "no", 0, "无人接听 no answer"), 0);
    json_t *callback = s_callback (&f, id);
    QF_CHECK_STR (qf_test_str (callback, "state"), "open");
    QF_CHECK_EQ_INT (qf_test_int (callback, "attempts"), 1);
    /* The next working day: Friday 2 October (1 October is a holiday). */
    QF_CHECK_STR (qf_test_str (callback, "next_attempt"), "2026-10-02");
    json_decref (callback);
    QF_CHECK_EQ_INT (s_timer_due (&f, id, "callback_retry"), qf_test_at ("2026-10-02", 9, 0));
    f.d.now = qf_test_at ("2026-10-02", 9, 0);
    QF_CHECK (s_fire (&f) >= 1);
    json_t *events = NULL;
    json_t *retry = s_only (&f, mark, "aftersales.callback_retry", &events);
    QF_CHECK (retry != NULL);
    QF_CHECK_EQ_INT (qf_test_int (retry, "attempt"), 2);
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (retry, "recipients"), 0)),
                  "li.lei");
    json_decref (events);
    QF_CHECK_EQ_INT (s_call (&f, id, "no", 0, NULL), 0);
    f.d.now = qf_test_at ("2026-10-05", 11, 0);
    QF_CHECK_EQ_INT (s_call (&f, id, "yes", 2, "回访及时，但客服回复慢 slow service"), 0);
    callback = s_callback (&f, id);
    QF_CHECK_STR (qf_test_str (callback, "state"), "done");
    QF_CHECK_EQ_INT (qf_test_int (callback, "attempts"), 3);
    QF_CHECK_EQ_INT (qf_test_int (callback, "score"), 2);
    QF_CHECK_STR (qf_test_str (callback, "closed_by"), "li.lei");
    json_t *calls = json_object_get (callback, "calls");
    QF_CHECK_EQ_INT (json_array_size (calls), 3);
    QF_CHECK (json_is_false (json_object_get (json_array_get (calls, 0), "reached")));
    QF_CHECK (json_is_true (json_object_get (json_array_get (calls, 2), "reached")));
    QF_CHECK_STR (qf_test_str (json_array_get (calls, 2), "made_on"), "2026-10-05");
    json_decref (callback);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "aftersales.callback_recorded"), 3);
    QF_CHECK_EQ_INT (s_timer_due (&f, id, "callback_overdue"), -1);
    QF_CHECK_EQ_INT (s_timer_due (&f, id, "callback_retry"), -1);
    /* Done: another call is refused, and the due date passing raises nothing. */
    QF_CHECK_EQ_INT (s_call (&f, id, "yes", 4, "ok"), QF_ECONFLICT);
    QF_CHECK (strstr (f.d.error, "is done"));
    mark = qf_test_mark (&f.d);
    f.d.now = qf_test_at ("2026-10-12", 9, 0);
    QF_CHECK (s_fire (&f) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "aftersales.callback_overdue"), 0);
    qf_test_daemon_close (&f.d);
}

/* §3.3 and the roles: each refusal names its field and changes nothing. */
QF_TEST (refusals_change_nothing)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_opened (&f, YAML), 0);
    long long id = f.callback[0];
    uint64_t mark = qf_test_mark (&f.d);
    char *before = s_snapshot (&f);
    /* Before the delivery date. */
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL,
                                  "{s:I, s:s, s:i, s:s, s:s}", "id", (json_int_t)id, "reached",
                                  "yes", "score", 4, "said", "ok", "on", "2026-08-31"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.on");
    QF_CHECK (strstr (f.d.error, "before the delivery date") && strstr (f.d.error, DELIVERED));
    /* After today. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)id, "reached", "no", "on", "2026-10-02"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.on");
    f.d.user = NULL;
    /* Closed without its result: no score, no words. */
    QF_CHECK_EQ_INT (s_call (&f, id, "yes", 0, "ok"), QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.score");
    QF_CHECK_EQ_INT (s_call (&f, id, "yes", 5, NULL), QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.said");
    /* A score outside 1-5, and one for a call that reached nobody. */
    QF_CHECK_EQ_INT (s_call (&f, id, "yes", 6, "great"), QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.score");
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL, "{s:I, s:s, s:i, s:s}",
                                  "id", (json_int_t)id, "reached", "yes", "score", 0, "said", "x"),
                     QF_EINVAL);
    f.d.user = NULL;
    QF_CHECK_STR (f.d.field, "args.score");
    QF_CHECK_EQ_INT (s_call (&f, id, "no", 3, NULL), QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.score");
    /* A problem that is neither technical nor service. */
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL,
                                  "{s:I, s:s, s:i, s:s, s:s}", "id", (json_int_t)id, "reached",
                                  "yes", "score", 3, "said", "ok", "problems",
                                  "billing:invoice:wrong amount"),
                     QF_EINVAL);
    QF_CHECK_STR (f.d.field, "args.problems");
    QF_CHECK (strstr (f.d.error, "technical") && strstr (f.d.error, "service"));
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL,
                                  "{s:I, s:s, s:i, s:s, s:s}", "id", (json_int_t)id, "reached",
                                  "yes", "score", 3, "said", "ok", "problems", "service only"),
                     QF_EINVAL);
    QF_CHECK (strstr (f.d.error, "KIND:CATEGORY:TEXT"));
    /* Quoted in the message without cutting a character in two. */
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL,
                                  "{s:I, s:s, s:i, s:s, s:s}", "id", (json_int_t)id, "reached",
                                  "yes", "score", 3, "said", "ok", "problems",
                                  "客服回复太慢客服回复太慢客服回复太慢客服回复太慢客服回复太慢"
                                  "客服回复太慢客服回复太慢"),
                     QF_EINVAL);
    QF_CHECK (qf_valid_utf8 (f.d.error, strlen (f.d.error)));
    QF_CHECK (strstr (f.d.error, "客服回复太慢客服回复太慢"));
    f.d.user = NULL;
    /* Roles: finance may not record; another salesperson may not record li.lei's. */
    QF_CHECK_EQ_INT (s_as (&f, "qian", "finance", "callback.show", id, NULL), QF_EFORBIDDEN);
    f.d.user = "qian";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "finance", "callback.record", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "reached", "no"),
                     QF_EFORBIDDEN);
    f.d.user = "wang";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "reached", "no"),
                     QF_EFORBIDDEN);
    f.d.user = NULL;
    QF_CHECK_STR (f.d.field, "args.id");
    QF_CHECK (strstr (f.d.error, "li.lei"));
    /* The worker's command is the aftersales group's alone. */
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.open", NULL, "{s:I, s:i}", "contract_id",
                                  (json_int_t)f.contract, "interval_days", 90),
                     QF_EFORBIDDEN);
    f.d.user = NULL;
    char *after = s_snapshot (&f);
    QF_CHECK_STR (before, after);
    free (before);
    free (after);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    /* A salesperson lists only their own. */
    json_t *list = NULL;
    f.d.user = "wang";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.list", &list, "{}"), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 0);
    json_decref (list);
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.list", &list, "{}"), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 2);
    json_decref (list);
    f.d.user = NULL;
    qf_test_daemon_close (&f.d);
}

/* Not reached in aftersales.max_attempts calls: escalated to li.lei's
   supervisor (zhao) and to li.lei; its timers go. */
QF_TEST (escalated_after_max_attempts)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_opened (&f, YAML_WITH ("  max_attempts: 2\n") SUPERVISORS), 0);
    long long id = f.callback[0];
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK_EQ_INT (s_call (&f, id, "no", 0, NULL), 0);
    f.d.now = qf_test_at ("2026-10-02", 10, 0);
    QF_CHECK_EQ_INT (s_call (&f, id, "no", 0, "号码停机 number out of service"), 0);
    json_t *callback = s_callback (&f, id);
    QF_CHECK_STR (qf_test_str (callback, "state"), "escalated");
    QF_CHECK_EQ_INT (qf_test_int (callback, "attempts"), 2);
    json_decref (callback);
    json_t *events = NULL;
    json_t *escalated = s_only (&f, mark, "aftersales.callback_escalated", &events);
    QF_CHECK (escalated != NULL);
    json_t *to = json_object_get (escalated, "recipients");
    QF_CHECK_STR (json_string_value (json_array_get (to, 0)), "zhao");
    QF_CHECK_STR (json_string_value (json_array_get (to, 1)), "li.lei");
    QF_CHECK_EQ_INT (qf_test_int (escalated, "calls"), 2);
    json_decref (events);
    QF_CHECK_EQ_INT (s_timer_due (&f, id, "callback_overdue"), -1);
    QF_CHECK_EQ_INT (s_timer_due (&f, id, "callback_retry"), -1);
    /* Another call that does not reach them is recorded, not escalated again. */
    f.d.user = "zhao";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "supervisor", "callback.record", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "reached", "no"),
                     0);
    f.d.user = NULL;
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "aftersales.callback_escalated"), 1);
    callback = s_callback (&f, id);
    QF_CHECK_STR (qf_test_str (callback, "state"), "escalated");
    QF_CHECK_EQ_INT (qf_test_int (callback, "attempts"), 3);
    json_decref (callback);
    /* The supervisor reaches the customer later: done. */
    f.d.user = "zhao";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "supervisor", "callback.record", NULL,
                                  "{s:I, s:s, s:i, s:s}", "id", (json_int_t)id, "reached", "yes",
                                  "score", 3, "said", "换了号码 changed number"),
                     0);
    f.d.user = NULL;
    callback = s_callback (&f, id);
    QF_CHECK_STR (qf_test_str (callback, "state"), "done");
    QF_CHECK_STR (qf_test_str (callback, "closed_by"), "zhao");
    json_decref (callback);
    qf_test_daemon_close (&f.d);
}

/* Not done by its due date: overdue to its owner on the next working day,
   then supervisor_after_days working days later to the owner's
   supervisor; once each. */
QF_TEST (overdue_to_owner_then_supervisor)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_opened (&f, YAML), 0);
    long long id = f.callback[0];
    /* Due Tuesday 6 October; overdue from Wednesday 7 October 09:00. */
    QF_CHECK_EQ_INT (s_timer_due (&f, id, "callback_overdue"), qf_test_at ("2026-10-07", 9, 0));
    uint64_t mark = qf_test_mark (&f.d);
    f.d.now = qf_test_at ("2026-10-06", 18, 0);
    QF_CHECK (s_fire (&f) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "aftersales.callback_overdue"), 0);
    f.d.now = qf_test_at ("2026-10-07", 9, 0);
    QF_CHECK (s_fire (&f) >= 1);
    json_t *events = NULL;
    json_t *overdue = s_only (&f, mark, "aftersales.callback_overdue", &events);
    QF_CHECK (overdue != NULL);
    QF_CHECK_STR (qf_test_str (overdue, "level"), "owner");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (overdue, "recipients"), 0)),
                  "li.lei");
    QF_CHECK_EQ_INT (qf_test_int (overdue, "days_overdue"), 1);
    json_decref (events);
    /* Two working days later (Friday 9 October), the supervisor. */
    QF_CHECK_EQ_INT (s_timer_due (&f, id, "callback_overdue"), qf_test_at ("2026-10-09", 9, 0));
    f.d.now = qf_test_at ("2026-10-09", 9, 0);
    QF_CHECK (s_fire (&f) >= 1);
    QF_CHECK (s_fire (&f) >= 0);
    events = qf_test_events (&f.d, mark, "aftersales.callback_overdue");
    QF_CHECK_EQ_INT (json_array_size (events), 2);
    json_t *second = json_object_get (json_array_get (events, 1), "payload");
    QF_CHECK_STR (qf_test_str (second, "level"), "supervisor");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (second, "recipients"), 0)),
                  "zhao");
    json_decref (events);
    json_t *callback = s_callback (&f, id);
    QF_CHECK_STR (qf_test_str (callback, "overdue"), "supervisor");
    QF_CHECK_STR (qf_test_str (callback, "state"), "open");
    json_decref (callback);
    /* Nothing more however long it stays open. */
    mark = qf_test_mark (&f.d);
    f.d.now = qf_test_at ("2026-10-30", 9, 0);
    QF_CHECK (s_fire (&f) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "aftersales.callback_overdue"), 0);
    qf_test_daemon_close (&f.d);
}

/* Once the staff directory names the owner's supervisor (§5), it is the
   one told, not the configured one (supervisors:). */
QF_TEST (supervisor_from_the_directory)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_opened (&f, YAML), 0);
    f.d.user = "hr.wang";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "hr", "staff.add", NULL, "{s:s, s:s, s:s, s:s, s:s}",
                                  "person", "sun", "name", "孙", "department", "sales", "roles",
                                  "supervisor", "started", "2020-01-06"),
                     0);
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "hr", "staff.add", NULL,
                                  "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "person", "li.lei", "name",
                                  "李雷", "department", "sales", "roles", "sales", "supervisor",
                                  "sun", "started", "2020-01-06", "onboarded", "2020-02-01"),
                     0);
    f.d.user = NULL;
    uint64_t mark = qf_test_mark (&f.d);
    f.d.now = qf_test_at ("2026-10-07", 9, 0);
    QF_CHECK (s_fire (&f) >= 1);
    f.d.now = qf_test_at ("2026-10-09", 9, 0);
    QF_CHECK (s_fire (&f) >= 1);
    json_t *events = qf_test_events (&f.d, mark, "aftersales.callback_overdue");
    QF_CHECK_EQ_INT (json_array_size (events), 2);
    json_t *second = json_object_get (json_array_get (events, 1), "payload");
    QF_CHECK_STR (qf_test_str (second, "level"), "supervisor");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (second, "recipients"), 0)),
                  "sun");
    json_decref (events);
    qf_test_daemon_close (&f.d);
}

/* With the after-sales role as assignee and no supervisor configured for
   the owner: the role gets the task, and the supervisor role is told. */
QF_TEST (assigned_to_role)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup_with (&f, YAML_WITH ("  assignee: aftersales\n"
                                                  "  supervisor_after_days: 0\n"
                                                  "  supervisor_role: management\n")),
                     0);
    /* A call before the callback's day (and after delivery) opens it. */
    f.d.now = qf_test_at ("2026-09-15", 10, 0);
    uint64_t mark = qf_test_mark (&f.d);
    f.d.user = "sun";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "aftersales", "callback.record", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)f.callback[1], "reached", "no"),
                     0);
    f.d.user = NULL;
    json_t *callback = s_callback (&f, f.callback[1]);
    QF_CHECK_STR (qf_test_str (callback, "state"), "open");
    QF_CHECK_STR (qf_test_str (callback, "assignee"), "aftersales");
    QF_CHECK_STR (qf_test_str (callback, "next_attempt"), "2026-09-16");
    json_decref (callback);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, "aftersales.callback_opened"), 1);
    QF_CHECK_EQ_INT (s_timer_due (&f, f.callback[1], "callback_due"), -1);
    /* The 30-day one, opened by the worker, overdue: the role and the
       owner, then at once (0 days) management. */
    f.d.now = qf_test_at ("2026-09-30", 9, 0);
    QF_CHECK (s_fire (&f) >= 1);
    QF_CHECK_EQ_INT (s_open (&f, f.contract, 30, NULL), 0);
    mark = qf_test_mark (&f.d);
    f.d.now = qf_test_at ("2026-10-07", 9, 30);
    QF_CHECK (s_fire (&f) >= 1);
    json_t *events = qf_test_events (&f.d, mark, "aftersales.callback_overdue");
    QF_CHECK_EQ_INT (json_array_size (events), 2);
    json_t *owner = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (owner, "recipients"), 0)),
                  "aftersales");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (owner, "recipients"), 1)),
                  "li.lei");
    json_t *supervisor = json_object_get (json_array_get (events, 1), "payload");
    QF_CHECK_STR (
        json_string_value (json_array_get (json_object_get (supervisor, "recipients"), 0)),
        "management");
    json_decref (events);
    qf_test_daemon_close (&f.d);
}

/* The daemon down across the callback's day: it fires once, late. */
QF_TEST (late_after_downtime)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_setup (&f), 0);
    f.d.now = qf_test_at ("2026-12-02", 15, 0); /* both days passed */
    uint64_t mark = qf_test_mark (&f.d);
    QF_CHECK (s_fire (&f) >= 2);
    QF_CHECK (s_fire (&f) >= 0);
    json_t *events = qf_test_events (&f.d, mark, "aftersales.callback_due");
    QF_CHECK_EQ_INT (json_array_size (events), 2);
    for (size_t i = 0; i < 2; i++)
        QF_CHECK (json_is_true (
            json_object_get (json_object_get (json_array_get (events, i), "payload"), "late")));
    json_decref (events);
    /* Opened late, the first call is today. */
    QF_CHECK_EQ_INT (s_open (&f, f.contract, 90, NULL), 0);
    json_t *callback = s_callback (&f, f.callback[1]);
    QF_CHECK_STR (qf_test_str (callback, "next_attempt"), "2026-12-02");
    QF_CHECK_STR (qf_test_str (callback, "due"), "2026-12-03");
    json_decref (callback);
    qf_test_daemon_close (&f.d);
}

/* Reached with problems: the score goes to the feedback report and each
   problem becomes feedback with its case (feedback/feedback.h); a problem
   the feedback module refuses (an unknown category, one of the other
   kind) refuses the whole call, naming it, and nothing changes. */
QF_TEST (problems_become_feedback)
{
    fixture_t f;
    QF_CHECK_EQ_INT (s_opened (&f, YAML CATEGORIES), 0);
    long long id = f.callback[0];
    f.d.now = qf_test_at ("2026-09-30", 10, 0);
    uint64_t mark = qf_test_mark (&f.d);
    char *before = s_snapshot (&f);
    const char *const wrong[] = {"service:billing:发票金额有误", "technical:slow-response:回复慢"};
    for (size_t i = 0; i < 2; i++) {
        f.d.user = "li.lei";
        QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL,
                                      "{s:I, s:s, s:i, s:s, s:s}", "id", (json_int_t)id, "reached",
                                      "yes", "score", 2, "said", "回复太慢", "problems", wrong[i]),
                         QF_EINVAL);
        f.d.user = NULL;
        QF_CHECK_STR (f.d.field, "args.problems");
        QF_CHECK (strstr (f.d.error, "problem 1") &&
                  strstr (f.d.error, i == 0 ? "billing" : "slow-response"));
    }
    char *after = s_snapshot (&f);
    QF_CHECK_STR (before, after);
    free (before);
    free (after);
    QF_CHECK_EQ_INT (qf_test_count (&f.d, mark, NULL), 0);
    /* Both problems, one of each kind: two cases, the score recorded. */
    f.d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&f.d, "sales", "callback.record", NULL,
                                  "{s:I, s:s, s:i, s:s, s:s, s:s}", "id", (json_int_t)id, "reached",
                                  "yes", "score", 2, "said", "回复太慢，证书查询不到", "problems",
                                  "service:slow-response:客服三天未回复; "
                                  "technical:certificate-invalid:官网查询不到证书",
                                  "severity", "high"),
                     0);
    f.d.user = NULL;
    json_t *callback = s_callback (&f, id);
    QF_CHECK_STR (qf_test_str (callback, "state"), "done");
    json_t *problems =
        json_object_get (json_array_get (json_object_get (callback, "calls"), 0), "problems");
    QF_CHECK_EQ_INT (json_array_size (problems), 2);
    QF_CHECK_STR (qf_test_str (json_array_get (problems, 0), "category"), "slow-response");
    QF_CHECK_STR (qf_test_str (json_array_get (problems, 1), "text"), "官网查询不到证书");
    QF_CHECK (qf_test_int (json_array_get (problems, 0), "feedback_id") > 0);
    QF_CHECK (qf_test_int (json_array_get (problems, 1), "feedback_id") >
              qf_test_int (json_array_get (problems, 0), "feedback_id"));
    json_t *received = qf_test_events (&f.d, mark, "feedback.received");
    QF_CHECK_EQ_INT (json_array_size (received), 2);
    json_decref (received);
    int open = 0;
    QF_CHECK_EQ_INT (
        qf_feedback_open_cases (f.d.store, qf_test_int (callback, "customer_id"), &open), 0);
    QF_CHECK_EQ_INT (open, 2);
    json_decref (callback);
    /* The report has the callback's score. */
    json_t *report = NULL;
    QF_CHECK_EQ_INT (
        qf_test_run (&f.d, "supervisor", "report.feedback", &report, "{s:s}", "period", "2026Q3"),
        0);
    json_t *satisfaction = json_object_get (report, "satisfaction");
    QF_CHECK_EQ_INT (qf_test_int (satisfaction, "callbacks"), 1);
    QF_CHECK (json_number_value (json_object_get (satisfaction, "average")) == 2.0);
    json_decref (report);
    qf_test_daemon_close (&f.d);
}

int
main (void)
{
    s_test_suite = "aftersales";
    QF_RUN (scheduled_at_delivery);
    QF_RUN (due_opens_once);
    QF_RUN (retried_then_reached);
    QF_RUN (refusals_change_nothing);
    QF_RUN (escalated_after_max_attempts);
    QF_RUN (overdue_to_owner_then_supervisor);
    QF_RUN (supervisor_from_the_directory);
    QF_RUN (assigned_to_role);
    QF_RUN (late_after_downtime);
    QF_RUN (problems_become_feedback);
    return qf_test_done ();
}
