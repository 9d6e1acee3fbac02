/*  test_proposal — the proposal module (§6.2, §5.3), run in-process on a
    real SQLite store as the daemon runs it (qf_test_daemon.h): only
    sellable qualifications are offered; scope and validity come from the
    record, never from the request (§3.2); a discount within the sender's
    limit is sent, one beyond it is refused naming the line, the discount,
    the limit and the role that may approve, and recorded as a conduct
    event although the send is refused; an approval by a role allowed the
    discount lets it through; negotiation rounds are kept as versions; a
    suspension, an expiry or an acceptance elsewhere flags the open
    proposals that hold the qualification. Every refusal changes nothing
    else (the store is read back).
*/
#include "proposal/proposal.h"
#include "proposal/proposal_store.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

#define CODE_A "91350100M000100Y43"
#define CODE_B "91340100MA2N01110K"

/* The test's policy: the discount limits, a minimum validity of 0 (a
   qualification expiring soon is still sellable), the list prices and the
   templates (Chinese text). YAML_DAYS (30): another minimum. */
#define YAML_DAYS(days)                                                                            \
    QF_TEST_POLICY                                                                                 \
    "  min_validity_for_sale_days: " #days "\n  max_discount_sales: 5\n"                           \
    "  max_discount_supervisor: 10\n  max_discount_management: 20\n"                               \
    "list_prices:\n  - name: construction-general\n    price: 200000\n"                            \
    "  - name: survey\n    price: 100000\n"                                                        \
    "processing_steps:\n  - name: survey\n    text: \"现场勘察 site survey\"\n"                \
    "  - name: transfer\n    text: \"证书转让 transfer of the certificate\"\n"                 \
    "after_sales_services:\n  - name: callback\n    text: \"交付后1个月、3个月回访\"\n"

/* Opens the daemon with the test's policy and an approved qualification
   of construction-general expiring on `expires`: its id in *qual_p. */
static int
s_open (qf_test_daemon_t *d, const char *expires, long long *qual_p)
{
    if (qf_test_daemon_open (d, YAML_DAYS (0)))
        return -1;
    *qual_p = qf_test_qual_add (d, 1, "construction-general", expires);
    return *qual_p && qf_test_qual_approve (d, *qual_p) == 0 ? 0 : -1;
}

/* Adds a customer owned by salesperson `owner`: its id, or 0. */
static long long
s_customer (qf_test_daemon_t *d, const char *code, const char *owner)
{
    json_t *record = NULL;
    d->user = owner;
    int rc = qf_test_run (d, "sales", "customer.add", &record, "{s:s, s:s}", "name",
                          "合肥建工 Hefei Builders", "credit_code", code);
    d->user = NULL;
    long long id = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    return id;
}

/* s_open with a qualification valid until 2030 (*qual_p), a customer of
   li.lei (*customer_p) and `lines` offering the qualification at `price`. */
static int
s_setup (qf_test_daemon_t *d, long long *qual_p, long long *customer_p, char *lines, size_t size,
         int price)
{
    if (s_open (d, "2030-01-01", qual_p))
        return -1;
    *customer_p = s_customer (d, CODE_A, "li.lei");
    snprintf (lines, size, "%lld:%d", *qual_p, price);
    return *customer_p ? 0 : -1;
}

/* Runs a proposal command on proposal `id` as `role` by `user`: its code. */
static int
s_do (qf_test_daemon_t *d, const char *user, const char *role, const char *command, long long id,
      json_t **result_p)
{
    d->user = user;
    int rc = qf_test_run (d, role, command, result_p, "{s:I}", "id", (json_int_t)id);
    d->user = NULL;
    return rc;
}

/* Creates a proposal for `customer` by salesperson `user` with `lines`:
   its id, or 0 (d->error says why). */
static long long
s_create (qf_test_daemon_t *d, const char *user, long long customer, const char *lines)
{
    json_t *record = NULL;
    d->user = user;
    int rc = qf_test_run (d, "sales", "proposal.create", &record, "{s:I, s:s, s:s, s:s, s:s}",
                          "customer_id", (json_int_t)customer, "lines", lines, "steps",
                          "survey, transfer", "services", "callback", "delivery", "2026-04-30");
    d->user = NULL;
    long long id = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    return id;
}

/* How many proposals the store holds; -1 on error. */
static int
s_count (qf_test_daemon_t *d)
{
    json_t *list = NULL;
    if (qf_store_proposal_list (d->store, 0, NULL, NULL, 0, 1000, &list))
        return -1;
    int n = (int)json_array_size (list);
    json_decref (list);
    return n;
}

/* The proposal as proposal.show answers it (the caller's), or NULL. */
static json_t *
s_show (qf_test_daemon_t *d, long long id)
{
    json_t *record = NULL;
    return s_do (d, "boss", "management", "proposal.show", id, &record) == 0 ? record : NULL;
}

QF_TEST (unsellable_refused)
{
    qf_test_daemon_t d;
    long long qual = 0;
    QF_CHECK_EQ_INT (s_open (&d, "2030-01-01", &qual), 0);
    long long customer = s_customer (&d, CODE_A, "li.lei");
    QF_CHECK (customer > 0);
    long long draft = qf_test_qual_add (&d, 2, "construction-general", "2030-01-01");
    QF_CHECK (draft > 0);
    uint64_t mark = qf_test_mark (&d);
    char lines[64];
    snprintf (lines, sizeof lines, "%lld:200000, %lld:200000", qual, draft);
    QF_CHECK_EQ_INT (s_create (&d, "li.lei", customer, lines), 0);
    QF_CHECK_STR (d.field, "args.lines");
    QF_CHECK (strstr (d.error, "line 2") && strstr (d.error, "not sellable") &&
              strstr (d.error, "draft") && strstr (d.error, "§3.1"));
    /* No such qualification, and a line that is not ID:PRICE. */
    QF_CHECK_EQ_INT (s_create (&d, "li.lei", customer, "999:100"), 0);
    QF_CHECK (strstr (d.error, "no qualification with id 999"));
    QF_CHECK_EQ_INT (s_create (&d, "li.lei", customer, "1:100:scope=all"), 0);
    QF_CHECK_STR (d.field, "args.lines");
    QF_CHECK (strstr (d.error, "§3.2"));
    QF_CHECK_EQ_INT (s_count (&d), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, NULL), 0);
    qf_test_daemon_close (&d);
}

QF_TEST (typed_scope_refused)
{
    qf_test_daemon_t d;
    long long qual = 0;
    QF_CHECK_EQ_INT (s_open (&d, "2030-01-01", &qual), 0);
    long long customer = s_customer (&d, CODE_A, "li.lei");
    uint64_t mark = qf_test_mark (&d);
    const char *const typed[] = {"scope", "validity", "expires", "issued"};
    for (size_t i = 0; i < 4; i++) {
        d.user = "li.lei";
        char lines[32], field[32];
        snprintf (lines, sizeof lines, "%lld:200000", qual);
        QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "proposal.create", NULL,
                                      "{s:I, s:s, s:s, s:s, s:s, s:s}", "customer_id",
                                      (json_int_t)customer, "lines", lines, "steps", "survey",
                                      "services", "callback", "delivery", "2026-04-30", typed[i],
                                      "all construction"),
                         QF_EINVAL);
        d.user = NULL;
        snprintf (field, sizeof field, "args.%s", typed[i]);
        QF_CHECK_STR (d.field, field);
        QF_CHECK (strstr (d.error, "§3.2"));
    }
    QF_CHECK_EQ_INT (s_count (&d), 0);
    /* The lines say what the record says; a revision that types it is refused too. */
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:200000", qual);
    long long id = s_create (&d, "li.lei", customer, lines);
    QF_CHECK (id > 0);
    json_t *shown = s_show (&d, id), *line = json_array_get (json_object_get (shown, "lines"), 0);
    QF_CHECK_STR (qf_test_str (line, "scope"), "general contracting");
    QF_CHECK_STR (qf_test_str (line, "expires"), "2030-01-01");
    QF_CHECK_STR (qf_test_str (json_array_get (json_object_get (shown, "steps"), 0), "text"),
                  "现场勘察 site survey");
    json_decref (shown);
    mark = qf_test_mark (&d);
    d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "proposal.revise", NULL, "{s:I, s:s, s:s}", "id",
                                  (json_int_t)id, "lines", lines, "expires", "2031-01-01"),
                     QF_EINVAL);
    d.user = NULL;
    QF_CHECK_STR (d.field, "args.expires");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, NULL), 0);
    qf_test_daemon_close (&d);
}

QF_TEST (discount_within_limit)
{
    qf_test_daemon_t d;
    long long qual = 0, customer = 0;
    char lines[32];
    QF_CHECK_EQ_INT (s_setup (&d, &qual, &customer, lines, sizeof lines, 190000), 0);
    long long id = s_create (&d, "li.lei", customer, lines);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    json_t *sent = NULL;
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", id, &sent), 0);
    QF_CHECK_STR (qf_test_str (sent, "state"), "sent");
    json_decref (sent);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "proposal.sent"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "staff.conduct_recorded"), 0);
    /* Nothing to approve within the salesperson's limit. */
    QF_CHECK_EQ_INT (s_do (&d, "zhao", "supervisor", "proposal.approve_discount", id, NULL),
                     QF_ECONFLICT);
    /* The pricing rule other modules reuse. */
    json_t *record = qf_test_qual (&d, qual);
    qf_price_check_t check;
    QF_CHECK_EQ_INT (qf_proposal_price_check (d.config, "sales", record, 185000, &check), 0);
    QF_CHECK (check.needs_approval && check.floor == 190000 && check.limit == 5);
    QF_CHECK_STR (check.approver, "supervisor");
    QF_CHECK_EQ_INT (qf_proposal_price_check (d.config, "supervisor", record, 185000, &check), 0);
    QF_CHECK (!check.needs_approval);
    QF_CHECK_EQ_INT (qf_proposal_price_check (d.config, "sales", record, 150000, &check), 0);
    QF_CHECK (check.needs_approval && check.approver == NULL && check.discount == 25);
    json_decref (record);
    qf_test_daemon_close (&d);
}

QF_TEST (discount_beyond_limit_needs_approval)
{
    qf_test_daemon_t d;
    long long qual = 0, customer = 0;
    char lines[32];
    QF_CHECK_EQ_INT (s_setup (&d, &qual, &customer, lines, sizeof lines, 184000), 0);
    long long id = s_create (&d, "li.lei", customer, lines);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", id, NULL), QF_EFORBIDDEN);
    QF_CHECK_STR (d.field, "lines[1].price");
    QF_CHECK (strstr (d.error, "8.00 %") && strstr (d.error, "at most 5 %") &&
              strstr (d.error, "supervisor") && strstr (d.error, "§5.3"));
    /* Refused: still a draft, nothing sent; the conduct event committed. */
    json_t *shown = s_show (&d, id);
    QF_CHECK_STR (qf_test_str (shown, "state"), "draft");
    json_decref (shown);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "proposal.sent"), 0);
    json_t *conduct = qf_test_events (&d, mark, "staff.conduct_recorded");
    QF_CHECK_EQ_INT (json_array_size (conduct), 1);
    json_t *event = json_array_get (conduct, 0);
    json_t *payload = json_object_get (event, "payload");
    QF_CHECK_STR (qf_test_str (event, "subject"), "staff/li.lei");
    QF_CHECK_STR (qf_test_str (payload, "severity"), "serious");
    QF_CHECK_EQ_INT (qf_test_int (payload, "proposal_id"), id);
    QF_CHECK_EQ_INT (qf_test_int (payload, "limit"), 5);
    json_decref (conduct);
    /* A salesperson may not approve; a supervisor may, up to 10 %. */
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.approve_discount", id, NULL),
                     QF_EFORBIDDEN);
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_do (&d, "zhao", "supervisor", "proposal.approve_discount", id, &shown), 0);
    json_t *approval = json_array_get (json_object_get (shown, "approvals"), 0);
    QF_CHECK_STR (qf_test_str (approval, "by"), "zhao");
    QF_CHECK_STR (qf_test_str (approval, "role"), "supervisor");
    QF_CHECK_EQ_INT (qf_test_int (approval, "at"), d.now);
    json_decref (shown);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "discount.approved"), 1);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", id, NULL), 0);
    /* A new round at 15 %: the approval was of version 1; a supervisor
       may not approve 15 %, management may. */
    d.user = "li.lei";
    snprintf (lines, sizeof lines, "%lld:170000", qual);
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "proposal.revise", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "lines", lines),
                     0);
    d.user = NULL;
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", id, NULL), QF_EFORBIDDEN);
    QF_CHECK (strstr (d.error, "management"));
    QF_CHECK_EQ_INT (s_do (&d, "zhao", "supervisor", "proposal.approve_discount", id, NULL),
                     QF_EFORBIDDEN);
    QF_CHECK_STR (d.field, "args.id");
    QF_CHECK (strstr (d.error, "15.00 %") && strstr (d.error, "management may"));
    QF_CHECK_EQ_INT (s_do (&d, "wu", "management", "proposal.approve_discount", id, NULL), 0);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", id, NULL), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, 0, "staff.conduct_recorded"), 2);
    qf_test_daemon_close (&d);
}

QF_TEST (versions_kept)
{
    qf_test_daemon_t d;
    long long qual = 0, customer = 0;
    char lines[32];
    QF_CHECK_EQ_INT (s_setup (&d, &qual, &customer, lines, sizeof lines, 200000), 0);
    long long id = s_create (&d, "li.lei", customer, lines);
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", id, NULL), 0);
    d.now += 3600000;
    uint64_t mark = qf_test_mark (&d);
    json_t *shown = NULL;
    d.user = "li.lei";
    snprintf (lines, sizeof lines, "%lld:195000", qual);
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "proposal.revise", &shown, "{s:I, s:s, s:s, s:s}",
                                  "id", (json_int_t)id, "lines", lines, "delivery", "2026-05-15",
                                  "services", "callback"),
                     0);
    d.user = NULL;
    QF_CHECK_STR (qf_test_str (shown, "state"), "draft");
    QF_CHECK_EQ_INT (qf_test_int (shown, "version"), 2);
    json_t *versions = json_object_get (shown, "versions");
    QF_CHECK_EQ_INT (json_array_size (versions), 2);
    json_t *first = json_array_get (versions, 0), *second = json_array_get (versions, 1);
    QF_CHECK (json_number_value (json_object_get (
                  json_array_get (json_object_get (first, "lines"), 0), "price")) == 200000);
    QF_CHECK_STR (qf_test_str (first, "delivery"), "2026-04-30");
    QF_CHECK_STR (qf_test_str (second, "delivery"), "2026-05-15");
    QF_CHECK_EQ_INT (json_array_size (json_object_get (second, "changed")), 2);
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (second, "changed"), 0)),
                  "price");
    QF_CHECK_STR (qf_test_str (second, "by"), "li.lei");
    QF_CHECK_EQ_INT (qf_test_int (second, "at"), d.now);
    json_decref (shown);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "proposal.revised"), 1);
    /* Nothing differs: refused, no version added. */
    d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "proposal.revise", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "lines", lines),
                     QF_EINVAL);
    /* Another salesperson may not touch li.lei's customer's proposal. */
    d.user = "wang";
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "proposal.revise", NULL, "{s:I, s:s}", "id",
                                  (json_int_t)id, "note", "mine now"),
                     QF_EFORBIDDEN);
    d.user = NULL;
    QF_CHECK_STR (d.field, "args.id");
    shown = s_show (&d, id);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (shown, "versions")), 2);
    json_decref (shown);
    /* Sent, accepted; a closed proposal is not revised. */
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.accept", id, NULL), QF_ECONFLICT);
    QF_CHECK (strstr (d.error, "only a sent proposal"));
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", id, NULL), 0);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.accept", id, NULL), 0);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.withdraw", id, NULL), QF_ECONFLICT);
    qf_test_daemon_close (&d);
}

QF_TEST (flagged_on_suspension)
{
    qf_test_daemon_t d;
    long long qual = 0, customer = 0;
    char lines[32];
    QF_CHECK_EQ_INT (s_setup (&d, &qual, &customer, lines, sizeof lines, 200000), 0);
    long long draft = s_create (&d, "li.lei", customer, lines);
    long long sent = s_create (&d, "li.lei", customer, lines);
    long long closed = s_create (&d, "li.lei", customer, lines);
    QF_CHECK (draft && sent && closed);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", sent, NULL), 0);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.withdraw", closed, NULL), 0);
    json_t *policy = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&d, "legal", "policy.record", &policy, "{s:s, s:s, s:s}",
                                  "category", "construction-general", "description",
                                  "资质暂停 new rules", "effective", QF_TEST_MONDAY),
                     0);
    long long policy_id = qf_test_int (policy, "id");
    json_decref (policy);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (qf_test_run (&d, "legal", "policy.apply", NULL, "{s:I}", "policy_id",
                                  (json_int_t)policy_id),
                     0);
    /* In the suspension's transaction: both open ones, not the withdrawn one. */
    json_t *flagged = qf_test_events (&d, mark, "proposal.flagged");
    QF_CHECK_EQ_INT (json_array_size (flagged), 2);
    json_decref (flagged);
    json_t *applied = qf_test_events (&d, mark, "policy.applied");
    QF_CHECK_EQ_INT (
        json_array_size (json_object_get (json_object_get (json_array_get (applied, 0), "payload"),
                                          "flagged_proposals")),
        2);
    json_decref (applied);
    json_t *shown = s_show (&d, sent);
    QF_CHECK (strstr (qf_test_str (shown, "flagged"), "suspended"));
    json_t *flag = json_array_get (json_object_get (shown, "flags"), 0);
    QF_CHECK_EQ_INT (qf_test_int (flag, "qualification_id"), qual);
    QF_CHECK (strstr (qf_test_str (flag, "reason"), "资质暂停"));
    json_decref (shown);
    shown = s_show (&d, closed);
    QF_CHECK (json_is_null (json_object_get (shown, "flagged")));
    json_decref (shown);
    /* Neither sent nor accepted while it is not sellable. */
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", draft, NULL), QF_ECONFLICT);
    QF_CHECK_STR (d.field, "lines[1]");
    QF_CHECK (strstr (d.error, "suspended"));
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.accept", sent, NULL), QF_ECONFLICT);
    shown = s_show (&d, sent);
    QF_CHECK_STR (qf_test_str (shown, "state"), "sent");
    json_decref (shown);
    qf_test_daemon_close (&d);
}

QF_TEST (flagged_on_expiry_and_acceptance)
{
    qf_test_daemon_t d;
    long long qual = 0;
    QF_CHECK_EQ_INT (s_open (&d, "2026-03-10", &qual), 0);
    long long other = qf_test_qual_add (&d, 3, "survey", "2030-01-01");
    QF_CHECK (other > 0 && qf_test_qual_approve (&d, other) == 0);
    long long a = s_customer (&d, CODE_A, "li.lei"), b = s_customer (&d, CODE_B, "wang");
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:200000", qual);
    long long expiring = s_create (&d, "li.lei", a, lines);
    snprintf (lines, sizeof lines, "%lld:100000", other);
    long long first = s_create (&d, "li.lei", a, lines);
    long long second = s_create (&d, "wang", b, lines);
    QF_CHECK (expiring && first && second);
    /* The expiry timer at 00:00 of the expiry day flags it. */
    d.now = qf_test_at ("2026-03-10", 0, 1);
    uint64_t mark = qf_test_mark (&d);
    int fired = 0;
    QF_CHECK_EQ_INT (qf_store_begin (d.store), 0);
    QF_CHECK_EQ_INT (qf_timers_fire (d.store, d.config, d.now, 100, &fired), 0);
    QF_CHECK_EQ_INT (qf_store_commit (d.store), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "proposal.flagged"), 1);
    json_t *shown = s_show (&d, expiring);
    QF_CHECK (strstr (qf_test_str (shown, "flagged"), "expired on 2026-03-10"));
    json_decref (shown);
    /* Accepted for customer a: customer b's proposal is flagged, and no
       new proposal may take it. */
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.send", first, NULL), 0);
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.accept", first, NULL), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "proposal.flagged"), 1);
    shown = s_show (&d, second);
    QF_CHECK (strstr (qf_test_str (shown, "flagged"), "sold once"));
    json_decref (shown);
    QF_CHECK_EQ_INT (s_do (&d, "wang", "sales", "proposal.send", second, NULL), QF_ECONFLICT);
    QF_CHECK (strstr (d.error, "accepted by the customer of proposal"));
    QF_CHECK_EQ_INT (s_create (&d, "wang", b, lines), 0);
    QF_CHECK_STR (d.field, "args.lines");
    qf_test_daemon_close (&d);
}

QF_TEST (flagged_when_sale_window_ends)
{
    /* 30 days of validity must be left: a qualification expiring on 1 June
       is sellable until 2 May and not from 3 May, with no event of its own. */
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML_DAYS (30)), 0);
    long long qual = qf_test_qual_add (&d, 1, "construction-general", "2026-06-01");
    QF_CHECK (qual > 0 && qf_test_qual_approve (&d, qual) == 0);
    long long customer = s_customer (&d, CODE_A, "li.lei");
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:200000", qual);
    long long open = s_create (&d, "li.lei", customer, lines);
    long long closed = s_create (&d, "li.lei", customer, lines);
    QF_CHECK (open && closed);
    QF_CHECK_EQ_INT (s_do (&d, "li.lei", "sales", "proposal.withdraw", closed, NULL), 0);
    QF_CHECK_EQ_INT (qf_test_timers (&d, "proposal", open), 1);
    QF_CHECK_EQ_INT (qf_test_timers (&d, "proposal", closed), 0);
    int fired = 0;
    for (int step = 0; step < 2; step++) {
        d.now = qf_test_at (step ? "2026-05-03" : "2026-05-02", 0, 1);
        uint64_t mark = qf_test_mark (&d);
        QF_CHECK_EQ_INT (qf_store_begin (d.store), 0);
        QF_CHECK_EQ_INT (qf_timers_fire (d.store, d.config, d.now, 100, &fired), 0);
        QF_CHECK_EQ_INT (qf_store_commit (d.store), 0);
        QF_CHECK_EQ_INT (qf_test_count (&d, mark, "proposal.flagged"), step);
    }
    json_t *shown = s_show (&d, open);
    QF_CHECK (strstr (qf_test_str (shown, "flagged"), "policy.min_validity_for_sale_days"));
    json_decref (shown);
    qf_test_daemon_close (&d);
}

QF_TEST (owner_and_templates)
{
    qf_test_daemon_t d;
    long long qual = 0, customer = 0;
    char lines[32];
    QF_CHECK_EQ_INT (s_setup (&d, &qual, &customer, lines, sizeof lines, 200000), 0);
    QF_CHECK_EQ_INT (s_create (&d, "wang", customer, lines), 0);
    QF_CHECK_STR (d.field, "args.customer_id");
    QF_CHECK (strstr (d.error, "li.lei"));
    d.user = "zhao";
    QF_CHECK_EQ_INT (qf_test_run (&d, "supervisor", "proposal.create", NULL,
                                  "{s:I, s:s, s:s, s:s, s:s}", "customer_id", (json_int_t)customer,
                                  "lines", lines, "steps", "survey, teleport", "services",
                                  "callback", "delivery", "2026-04-30"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "args.steps");
    QF_CHECK (strstr (d.error, "teleport") && strstr (d.error, "survey, transfer"));
    QF_CHECK_EQ_INT (qf_test_run (&d, "supervisor", "proposal.create", NULL,
                                  "{s:I, s:s, s:s, s:s, s:s}", "customer_id", (json_int_t)customer,
                                  "lines", lines, "steps", "survey", "services", "callback",
                                  "delivery", QF_TEST_MONDAY),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "args.delivery");
    d.user = NULL;
    QF_CHECK_EQ_INT (s_count (&d), 0);
    /* The list: a salesperson sees their own customers' only. */
    QF_CHECK (s_create (&d, "li.lei", customer, lines) > 0);
    json_t *list = NULL;
    d.user = "wang";
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "proposal.list", &list, "{}"), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 0);
    json_decref (list);
    d.user = "li.lei";
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "proposal.list", &list, "{s:s}", "state", "open"),
                     0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 1);
    json_decref (list);
    d.user = NULL;
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "proposal";
    QF_RUN (unsellable_refused);
    QF_RUN (typed_scope_refused);
    QF_RUN (discount_within_limit);
    QF_RUN (discount_beyond_limit_needs_approval);
    QF_RUN (versions_kept);
    QF_RUN (flagged_on_suspension);
    QF_RUN (flagged_on_expiry_and_acceptance);
    QF_RUN (flagged_when_sale_window_ends);
    QF_RUN (owner_and_templates);
    return qf_test_done ();
}
