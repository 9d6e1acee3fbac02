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
    qf_test_daemon_close (&d);
}

QF_TEST (duplicate_refused)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_add (&d, "sales", "zhang", CODE_A, NULL);
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

int
main (void)
{
    s_test_suite = "customer";
    QF_RUN (credit_code_rules);
    QF_RUN (add_show_list);
    QF_RUN (duplicate_refused);
    return qf_test_done ();
}
