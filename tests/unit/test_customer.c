/*  test_customer — the customer module (§6.1), run in-process as the
    daemon runs it (qf_test_daemon.h) on a real SQLite store: the unified
    social credit code is checked by every rule of GB 32100-2015, a second
    customer with the same code is refused naming the first and its owner,
    a salesperson owns what they add and changes only what they own, and
    every refusal leaves the store as it was.
*/
#include "customer/customer.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

/* Valid codes (their 18th character is the check character). */
#define CODE_A "91350100M000100Y43"
#define CODE_B "91340100MA2N01110K"
#define CODE_C "12340000485003213M"

/* Adds a customer with code `code` as `role` by `user`: its id, or 0
   with d->error saying why. */
static long long
s_add (qf_test_daemon_t *d, const char *role, const char *user, const char *code, const char *owner)
{
    json_t *record = NULL;
    d->user = user;
    int rc = owner ? qf_test_run (d, role, "customer.add", &record, "{s:s, s:s, s:s, s:s, s:s}",
                                  "name", "Hefei Builders", "credit_code", code, "industry",
                                  "construction", "region", "Hefei", "owner", owner)
                   : qf_test_run (d, role, "customer.add", &record, "{s:s, s:s, s:s, s:s}", "name",
                                  "Hefei Builders", "credit_code", code, "industry", "construction",
                                  "region", "Hefei");
    d->user = NULL;
    long long id = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    return id;
}

/* How many customers the store holds. */
static int
s_customers (qf_test_daemon_t *d)
{
    json_t *list = NULL;
    d->user = "boss";
    int rc = qf_test_run (d, "management", "customer.list", &list, "{s:i}", "limit", 1000);
    d->user = NULL;
    int count = rc ? -1 : (int)json_array_size (json_object_get (list, "items"));
    json_decref (list);
    return count;
}

/* Opens the test daemon with one customer, owned by zhang: its id, or 0. */
static long long
s_open (qf_test_daemon_t *d)
{
    if (qf_test_daemon_open (d, QF_TEST_POLICY))
        return 0;
    return s_add (d, "sales", "zhang", CODE_A, NULL);
}

QF_TEST (credit_code_rules)
{
    char normal[QF_CREDIT_CODE_LEN + 1], why[200];
    QF_CHECK_EQ_INT (qf_customer_credit_code_check (CODE_A, normal, why, sizeof why), 0);
    QF_CHECK_STR (normal, CODE_A);
    QF_CHECK_EQ_INT (qf_customer_credit_code_check (CODE_C, normal, why, sizeof why), 0);
    /* Lower case and blanks around it are the same code. */
    QF_CHECK_EQ_INT (
        qf_customer_credit_code_check (" 91340100ma2n01110k ", normal, why, sizeof why), 0);
    QF_CHECK_STR (normal, CODE_B);
    /* Length. */
    QF_CHECK_EQ_INT (qf_customer_credit_code_check ("91350100M000100Y4", normal, why, sizeof why),
                     QF_EINVAL);
    QF_CHECK (strstr (why, "has 17 characters") && strstr (why, "has 18"));
    QF_CHECK_EQ_INT (qf_customer_credit_code_check ("", normal, why, sizeof why), QF_EINVAL);
    /* Letters GB 32100-2015 leaves out, and other characters. */
    QF_CHECK_EQ_INT (qf_customer_credit_code_check ("91350100M000100I43", normal, why, sizeof why),
                     QF_EINVAL);
    QF_CHECK (strstr (why, "character 16 is 'I'") && strstr (why, "never use I, O, Z, S or V"));
    QF_CHECK_EQ_INT (qf_customer_credit_code_check ("91350100M00-100Y43", normal, why, sizeof why),
                     QF_EINVAL);
    QF_CHECK (strstr (why, "character 12 is not 0-9 or A-Z"));
    /* A wrong check character says which it should be. */
    QF_CHECK_EQ_INT (qf_customer_credit_code_check ("91350100M000100Y44", normal, why, sizeof why),
                     QF_EINVAL);
    QF_CHECK (strstr (why, "is '4' but the first 17 give '3'"));
    /* One mistyped character in the first 17 is caught by the check. */
    QF_CHECK_EQ_INT (qf_customer_credit_code_check ("91350100M000101Y43", normal, why, sizeof why),
                     QF_EINVAL);
    QF_CHECK (strstr (why, "check character"));
}

QF_TEST (add_show_list)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    uint64_t mark = qf_test_mark (&d);
    /* A wrong check character is refused naming the field and the right one. */
    QF_CHECK_EQ_INT (s_add (&d, "sales", "zhang", "91350100M000100Y44", NULL), 0);
    QF_CHECK_STR (d.field, "args.credit_code");
    QF_CHECK (strstr (d.error, "the first 17 give '3'") != NULL);
    QF_CHECK_EQ_INT (s_customers (&d), 0);
    /* A salesperson owns what they add. */
    long long id = s_add (&d, "sales", "zhang", CODE_A, NULL);
    QF_CHECK (id > 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_customer_get (d.store, id, &record), 0);
    QF_CHECK_STR (qf_test_str (record, "owner"), "zhang");
    QF_CHECK_STR (qf_test_str (record, "credit_code"), CODE_A);
    QF_CHECK_STR (qf_test_str (record, "industry"), "construction");
    QF_CHECK (json_is_array (json_object_get (record, "contacts")));
    json_decref (record);
    QF_CHECK_EQ_INT (qf_customer_get (d.store, id + 1, &record), QF_ENOTFOUND);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "customer.created"), 1);
    /* A salesperson cannot add for another; a supervisor must name the owner. */
    QF_CHECK_EQ_INT (s_add (&d, "sales", "zhang", CODE_B, "li"), 0);
    QF_CHECK_STR (d.field, "args.owner");
    QF_CHECK_EQ_INT (s_add (&d, "supervisor", "wu", CODE_B, NULL), 0);
    QF_CHECK_STR (d.field, "args.owner");
    QF_CHECK_EQ_INT (s_customers (&d), 1);
    long long second = s_add (&d, "supervisor", "wu", CODE_B, "li");
    QF_CHECK (second > id);
    /* Other roles may not. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "finance", "customer.add", NULL, "{s:s, s:s}", "name", "X",
                                  "credit_code", CODE_C),
                     QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (
        qf_test_run (&d, "sales", "customer.show", &record, "{s:I}", "id", (json_int_t)second), 0);
    QF_CHECK_STR (qf_test_str (record, "owner"), "li");
    json_decref (record);
    QF_CHECK_EQ_INT (
        qf_test_run (&d, "sales", "customer.show", NULL, "{s:I}", "id", (json_int_t)999),
        QF_ENOTFOUND);
    QF_CHECK_STR (d.field, "args.id");
    /* Paged by id; filtered. */
    json_t *page = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "customer.list", &page, "{s:i}", "limit", 1), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (page, "items")), 1);
    QF_CHECK_EQ_INT (qf_test_int (page, "next"), id);
    json_decref (page);
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "customer.list", &page, "{s:i, s:I}", "limit", 1,
                                  "next", (json_int_t)id),
                     0);
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (json_object_get (page, "items"), 0), "id"),
                     second);
    json_decref (page);
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "customer.list", &page, "{s:s}", "owner", "li"), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (page, "items")), 1);
    QF_CHECK (json_is_null (json_object_get (page, "next")));
    json_decref (page);
    /* Each filter alone (its own index) and together. */
    static const struct {
        const char *industry, *region; /* NULL: not given */
        int count;                     /* customers listed */
    } filters[] = {{"construction", NULL, 2},
                   {NULL, "Hefei", 2},
                   {NULL, "Wuhu", 0},
                   {"construction", "Hefei", 2},
                   {"survey", "Hefei", 0}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "customer.list", &page, "{s:s?, s:s?}",
                                      "industry", filters[i].industry, "region", filters[i].region),
                         0);
        QF_CHECK_EQ_INT (json_array_size (json_object_get (page, "items")), filters[i].count);
        json_decref (page);
    }
    qf_test_daemon_close (&d);
}

QF_TEST (duplicate_refused)
{
    qf_test_daemon_t d;
    long long id = s_open (&d);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    /* The same code, even in lower case, is the same company. */
    QF_CHECK_EQ_INT (s_add (&d, "sales", "li", "91350100m000100y43", NULL), 0);
    QF_CHECK_STR (d.field, "args.credit_code");
    char expect[128];
    snprintf (expect, sizeof expect, "already customer %lld, owned by zhang", id);
    QF_CHECK (strstr (d.error, expect) != NULL);
    QF_CHECK_EQ_INT (s_customers (&d), 1);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, NULL), 0);
    qf_test_daemon_close (&d);
}

/* Runs `command` on customer `id` as `role` by `user` with the further
   args of json_pack format `more` (which begins with ", " or is ""). */
#define RUN_AS(d, role, who, command, result_p, id, more, ...)                                     \
    ((d)->user = (who),                                                                            \
     s_done ((d), qf_test_run ((d), (role), (command), (result_p), "{s:I" more "}", "id",          \
                               (json_int_t)(id), ##__VA_ARGS__)))

/* Clears the acting user after a command; returns its code. */
static int
s_done (qf_test_daemon_t *d, int rc)
{
    d->user = NULL;
    return rc;
}

/* How many items customer `id`'s history holds (-1 when unreadable). */
static int
s_history (qf_test_daemon_t *d, long long id, json_t **items_p)
{
    json_t *result = NULL;
    if (RUN_AS (d, "supervisor", "wu", "customer.history", &result, id, ""))
        return -1;
    json_t *items = json_object_get (result, "items");
    int count = (int)json_array_size (items);
    if (items_p)
        *items_p = json_incref (items);
    json_decref (result);
    return count;
}

/* The due time of the one pending timer of contact log entry `log_id`, 0
   when there is none (or more than one). */
static int64_t
s_step_due (qf_test_daemon_t *d, long long log_id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    json_t *timers = NULL;
    int64_t due = 0;
    int pending = 0;
    if (qf_timers_list (d->store, qf_subject (subject, sizeof subject, "customer_contact", log_id),
                        &timers))
        return 0;
    for (size_t i = 0; i < json_array_size (timers); i++) {
        json_t *timer = json_array_get (timers, i);
        if (strcmp (qf_test_str (timer, "state"), "pending") == 0) {
            pending++;
            due = json_integer_value (json_object_get (timer, "due"));
        }
    }
    json_decref (timers);
    return pending == 1 ? due : 0;
}

/* Logs a phone call with customer `id` on `on` by `user`, with a next step
   due on `due` (NULL: none): the entry's id, or 0. */
static long long
s_contact (qf_test_daemon_t *d, const char *user, long long id, const char *on, const char *due)
{
    json_t *entry = NULL;
    int rc =
        due ? RUN_AS (d, "sales", user, "customer.contact", &entry, id, ", s:s, s:s, s:s, s:s, s:s",
                      "channel", "phone", "summary", "wants a survey qualification", "on", on,
                      "next_step", "send a proposal", "next_due", due)
            : RUN_AS (d, "sales", user, "customer.contact", &entry, id, ", s:s, s:s, s:s",
                      "channel", "visit", "summary", "met the manager", "on", on);
    long long log_id = rc ? 0 : qf_test_int (entry, "id");
    json_decref (entry);
    return log_id;
}

QF_TEST (ownership)
{
    qf_test_daemon_t d;
    long long id = s_open (&d);
    QF_CHECK (id > 0);
    int before = s_history (&d, id, NULL);
    uint64_t mark = qf_test_mark (&d);
    /* Another salesperson reads it but changes nothing of it. */
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "li", "customer.show", NULL, id, ""), 0);
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "li", "customer.note", NULL, id, ", s:s, s:s", "kind",
                             "need", "text", "a survey licence"),
                     QF_EFORBIDDEN);
    QF_CHECK_STR (d.field, "args.id");
    QF_CHECK (strstr (d.error, "owned by zhang, not li") != NULL);
    QF_CHECK_EQ_INT (
        RUN_AS (&d, "sales", "li", "customer.update", NULL, id, ", s:s", "region", "Wuhu"),
        QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "li", "customer.person", NULL, id, ", s:s, s:s", "name",
                             "Chen", "phone", "0551-6000000"),
                     QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_contact (&d, "li", id, QF_TEST_MONDAY, "2026-03-04"), 0);
    QF_CHECK_STR (d.field, "args.id");
    /* A salesperson may not reassign, not even their own. */
    QF_CHECK_EQ_INT (
        RUN_AS (&d, "sales", "zhang", "customer.reassign", NULL, id, ", s:s", "to", "li"),
        QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_history (&d, id, NULL), before);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, NULL), 0);
    /* The owner, a supervisor and management may. */
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "zhang", "customer.note", NULL, id, ", s:s, s:s", "kind",
                             "need", "text", "a survey licence"),
                     0);
    QF_CHECK_EQ_INT (RUN_AS (&d, "supervisor", "wu", "customer.note", NULL, id, ", s:s, s:s",
                             "kind", "concern", "text", "price"),
                     0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&d, "management", "boss", "customer.update", &record, id, ", s:s, s:s",
                             "region", "Wuhu", "size", "large"),
                     0);
    QF_CHECK_STR (qf_test_str (record, "region"), "Wuhu");
    QF_CHECK_STR (qf_test_str (record, "industry"), "construction");
    json_decref (record);
    qf_test_daemon_close (&d);
}

QF_TEST (reassignment)
{
    qf_test_daemon_t d;
    long long id = s_open (&d);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (
        RUN_AS (&d, "supervisor", "wu", "customer.reassign", NULL, id, ", s:s", "to", "zhang"),
        QF_ECONFLICT);
    QF_CHECK_STR (d.field, "args.to");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, NULL), 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&d, "supervisor", "wu", "customer.reassign", &record, id, ", s:s, s:s",
                             "to", "li", "reason", "zhang moved to Wuhu"),
                     0);
    QF_CHECK_STR (qf_test_str (record, "owner"), "li");
    json_decref (record);
    /* The event tells both; the history says who, from, to. */
    json_t *events = qf_test_events (&d, mark, "customer.reassigned");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (qf_test_str (payload, "from"), "zhang");
    QF_CHECK_STR (qf_test_str (payload, "to"), "li");
    QF_CHECK_STR (qf_test_str (payload, "by"), "wu");
    json_decref (events);
    json_t *items = NULL;
    QF_CHECK_EQ_INT (s_history (&d, id, &items), 2);
    json_t *last = json_array_get (items, 1);
    QF_CHECK_STR (qf_test_str (last, "type"), "reassigned");
    QF_CHECK_STR (qf_test_str (last, "by"), "wu");
    QF_CHECK_STR (qf_test_str (json_object_get (last, "detail"), "from"), "zhang");
    QF_CHECK_STR (qf_test_str (json_object_get (last, "detail"), "to"), "li");
    json_decref (items);
    /* Now li changes it and zhang does not. */
    QF_CHECK_EQ_INT (s_contact (&d, "zhang", id, QF_TEST_MONDAY, NULL), 0);
    QF_CHECK (strstr (d.error, "owned by li") != NULL);
    QF_CHECK (s_contact (&d, "li", id, QF_TEST_MONDAY, NULL) > 0);
    qf_test_daemon_close (&d);
}

QF_TEST (next_step_timer)
{
    qf_test_daemon_t d;
    long long id = s_open (&d);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    /* Due Wednesday: overdue from Thursday's reminder time. */
    long long step = s_contact (&d, "zhang", id, QF_TEST_MONDAY, "2026-03-04");
    QF_CHECK (step > 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "customer.contacted"), 1);
    QF_CHECK_EQ_INT (s_step_due (&d, step), qf_test_at ("2026-03-05", 9, 0));
    d.now = qf_test_at ("2026-03-04", 23, 0);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 0);
    d.now = qf_test_at ("2026-03-05", 9, 30);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 1);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 0);
    json_t *events = qf_test_events (&d, mark, "customer.next_step_overdue");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (qf_test_str (payload, "owner"), "zhang");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (payload, "recipients"), 0)),
                  "zhang");
    QF_CHECK_EQ_INT (qf_test_int (payload, "days_overdue"), 1);
    QF_CHECK_EQ_INT (qf_test_int (json_object_get (payload, "contact"), "id"), step);
    json_decref (events);
    /* Due Friday: the next working day is Monday; done before then, never raised. */
    long long friday = s_contact (&d, "zhang", id, "2026-03-05", "2026-03-06");
    QF_CHECK (friday > 0);
    QF_CHECK_EQ_INT (qf_test_timers (&d, "customer_contact", step), 0);
    QF_CHECK_EQ_INT (s_step_due (&d, friday), qf_test_at ("2026-03-09", 9, 0));
    json_t *entry = NULL;
    d.user = "zhang";
    QF_CHECK_EQ_INT (
        qf_test_run (&d, "sales", "customer.done", &entry, "{s:I}", "log_id", (json_int_t)friday),
        0);
    QF_CHECK_STR (qf_test_str (entry, "step_state"), "done");
    json_decref (entry);
    QF_CHECK_EQ_INT (qf_test_timers (&d, "customer_contact", friday), 0);
    /* Done once only, and nothing changes on a refusal. */
    QF_CHECK_EQ_INT (
        qf_test_run (&d, "sales", "customer.done", NULL, "{s:I}", "log_id", (json_int_t)friday),
        QF_ECONFLICT);
    QF_CHECK_STR (d.field, "args.log_id");
    QF_CHECK (strstr (d.error, "done already") != NULL);
    d.user = NULL;
    /* A later contact replaces an open step: its timer goes. */
    long long open = s_contact (&d, "zhang", id, "2026-03-05", "2026-03-10");
    QF_CHECK (open > 0 && s_step_due (&d, open) == qf_test_at ("2026-03-11", 9, 0));
    QF_CHECK (s_contact (&d, "zhang", id, "2026-03-05", NULL) > 0);
    QF_CHECK_EQ_INT (qf_test_timers (&d, "customer_contact", open), 0);
    d.now = qf_test_at ("2026-03-12", 10, 0);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "customer.next_step_overdue"), 1);
    json_t *items = NULL;
    QF_CHECK (s_history (&d, id, &items) > 0);
    int done = 0, superseded = 0;
    for (size_t i = 0; i < json_array_size (items); i++) {
        done += strcmp (qf_test_str (json_array_get (items, i), "type"), "step_done") == 0;
        superseded +=
            strcmp (qf_test_str (json_array_get (items, i), "type"), "step_superseded") == 0;
    }
    json_decref (items);
    QF_CHECK_EQ_INT (done, 1);
    QF_CHECK_EQ_INT (superseded, 2);
    qf_test_daemon_close (&d);
}

QF_TEST (past_due_on_working_days)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    d.now = qf_test_at ("2026-03-07", 10, 0); /* a Saturday */
    long long id = s_add (&d, "sales", "zhang", CODE_A, NULL);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    /* Recorded late: the step was due last Thursday. */
    long long step = s_contact (&d, "zhang", id, "2026-02-25", "2026-02-26");
    QF_CHECK (step > 0);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 1); /* due at once, but Saturday is no working day */
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "customer.next_step_overdue"), 0);
    QF_CHECK_EQ_INT (s_step_due (&d, step), qf_test_at ("2026-03-09", 9, 0));
    d.now = qf_test_at ("2026-03-09", 9, 0);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 1);
    json_t *events = qf_test_events (&d, mark, "customer.next_step_overdue");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    QF_CHECK_EQ_INT (
        qf_test_int (json_object_get (json_array_get (events, 0), "payload"), "days_overdue"), 11);
    json_decref (events);
    d.now = qf_test_at ("2026-03-10", 9, 0);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "customer.next_step_overdue"), 1);
    qf_test_daemon_close (&d);
}

QF_TEST (refusals_change_nothing)
{
    qf_test_daemon_t d;
    long long id = s_open (&d);
    QF_CHECK (id > 0);
    int before = s_history (&d, id, NULL);
    uint64_t mark = qf_test_mark (&d);
    static const struct {
        const char *command, *field, *rule; /* the refused command, its field, words of its rule */
        int rc;
    } cases[] = {
        {"customer.contact", "args.on", "is after today", QF_EINVAL},
        {"customer.contact", "args.next_due", "before the contact's date", QF_EINVAL},
        {"customer.contact", "args.next_due", "needs both", QF_EINVAL},
        {"customer.person", "args.phone", "not a phone number", QF_EINVAL},
        {"customer.person", "args.email", "not an email address", QF_EINVAL},
        {"customer.person", "args.phone", "needs a phone", QF_EINVAL},
        {"customer.update", "args", "nothing to change", QF_EINVAL},
    };
    int rc[7];
    d.user = "zhang";
    rc[0] = qf_test_run (&d, "sales", "customer.contact", NULL, "{s:I, s:s, s:s, s:s}", "id",
                         (json_int_t)id, "channel", "phone", "summary", "x", "on", "2026-03-03");
    QF_CHECK_STR (d.field, cases[0].field);
    QF_CHECK (strstr (d.error, cases[0].rule) != NULL);
    rc[1] = qf_test_run (&d, "sales", "customer.contact", NULL, "{s:I, s:s, s:s, s:s, s:s}", "id",
                         (json_int_t)id, "channel", "phone", "summary", "x", "next_step", "call",
                         "next_due", "2026-03-01");
    QF_CHECK_STR (d.field, cases[1].field);
    QF_CHECK (strstr (d.error, cases[1].rule) != NULL);
    rc[2] = qf_test_run (&d, "sales", "customer.contact", NULL, "{s:I, s:s, s:s, s:s}", "id",
                         (json_int_t)id, "channel", "phone", "summary", "x", "next_step", "call");
    QF_CHECK_STR (d.field, cases[2].field);
    QF_CHECK (strstr (d.error, cases[2].rule) != NULL);
    rc[3] = qf_test_run (&d, "sales", "customer.person", NULL, "{s:I, s:s, s:s}", "id",
                         (json_int_t)id, "name", "Chen", "phone", "call me");
    QF_CHECK_STR (d.field, cases[3].field);
    QF_CHECK (strstr (d.error, cases[3].rule) != NULL);
    rc[4] = qf_test_run (&d, "sales", "customer.person", NULL, "{s:I, s:s, s:s}", "id",
                         (json_int_t)id, "name", "Chen", "email", "chen@localhost");
    QF_CHECK_STR (d.field, cases[4].field);
    QF_CHECK (strstr (d.error, cases[4].rule) != NULL);
    rc[5] = qf_test_run (&d, "sales", "customer.person", NULL, "{s:I, s:s, s:s}", "id",
                         (json_int_t)id, "name", "Chen", "position", "manager");
    QF_CHECK_STR (d.field, cases[5].field);
    QF_CHECK (strstr (d.error, cases[5].rule) != NULL);
    rc[6] = qf_test_run (&d, "sales", "customer.update", NULL, "{s:I}", "id", (json_int_t)id);
    QF_CHECK_STR (d.field, cases[6].field);
    QF_CHECK (strstr (d.error, cases[6].rule) != NULL);
    d.user = NULL;
    for (int i = 0; i < 7; i++)
        QF_CHECK_EQ_INT (rc[i], cases[i].rc);
    QF_CHECK_EQ_INT (s_history (&d, id, NULL), before);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, NULL), 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_customer_get (d.store, id, &record), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (record, "contacts")), 0);
    QF_CHECK_STR (qf_test_str (record, "region"), "Hefei");
    json_decref (record);
    qf_test_daemon_close (&d);
}

QF_TEST (history_in_time_order)
{
    qf_test_daemon_t d;
    long long id = s_open (&d);
    QF_CHECK (id > 0);
    /* All at the same time, as in one batch: the order is the order recorded. */
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "zhang", "customer.person", NULL, id, ", s:s, s:s",
                             "name", "Chen", "email", "chen@example.cn"),
                     0);
    QF_CHECK (s_contact (&d, "zhang", id, QF_TEST_MONDAY, "2026-03-04") > 0);
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "zhang", "customer.note", NULL, id, ", s:s, s:s", "kind",
                             "concern", "text", "delivery time"),
                     0);
    QF_CHECK_EQ_INT (
        RUN_AS (&d, "management", "boss", "customer.reassign", NULL, id, ", s:s", "to", "li"), 0);
    QF_CHECK_EQ_INT (
        RUN_AS (&d, "sales", "li", "customer.update", NULL, id, ", s:s", "size", "medium"), 0);
    QF_CHECK (s_contact (&d, "li", id, QF_TEST_MONDAY, NULL) > 0);
    json_t *items = NULL;
    QF_CHECK_EQ_INT (s_history (&d, id, &items), 8);
    static const char *const types[] = {"created",         "contact_person", "contact",
                                        "concern",         "reassigned",     "updated",
                                        "step_superseded", "contact"};
    for (size_t i = 0; i < 8; i++)
        QF_CHECK_STR (qf_test_str (json_array_get (items, i), "type"), types[i]);
    /* What was true then: created with owner zhang, by zhang. */
    json_t *created = json_array_get (items, 0);
    QF_CHECK_STR (qf_test_str (created, "by"), "zhang");
    QF_CHECK_STR (qf_test_str (json_object_get (created, "detail"), "owner"), "zhang");
    QF_CHECK_STR (qf_test_str (json_array_get (items, 4), "what"), "zhang -> li");
    QF_CHECK_STR (qf_test_str (json_array_get (items, 5), "what"), "changed size");
    long long third = qf_test_int (json_array_get (items, 2), "id");
    json_decref (items);
    /* Paged like customer.list. */
    json_t *page = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "li", "customer.history", &page, id, ", s:i", "limit", 3),
                     0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (page, "items")), 3);
    QF_CHECK_EQ_INT (qf_test_int (page, "next"), third);
    json_decref (page);
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "li", "customer.history", &page, id, ", s:I, s:i", "next",
                             (json_int_t)third, "limit", 10),
                     0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (page, "items")), 5);
    QF_CHECK (json_is_null (json_object_get (page, "next")));
    json_decref (page);
    /* show carries the notes; the open step was superseded. */
    json_t *record = NULL;
    QF_CHECK_EQ_INT (RUN_AS (&d, "sales", "li", "customer.show", &record, id, ""), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (record, "notes")), 1);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (record, "open_steps")), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (record, "contacts")), 1);
    QF_CHECK_STR (qf_test_str (record, "size"), "medium");
    json_decref (record);
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "customer";
    QF_RUN (credit_code_rules);
    QF_RUN (add_show_list);
    QF_RUN (duplicate_refused);
    QF_RUN (ownership);
    QF_RUN (reassignment);
    QF_RUN (next_step_timer);
    QF_RUN (past_due_on_working_days);
    QF_RUN (refusals_change_nothing);
    QF_RUN (history_in_time_order);
    return qf_test_done ();
}
