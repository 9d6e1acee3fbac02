/*  test_staff — the staff module (§5.1, §5.3 and the directory), run
    in-process on a real SQLite store as the daemon runs it
    (qf_test_daemon.h): the directory and the roles people act in (a person
    of the directory only in the roles it gives them, not at all once they
    left; with staff.require_directory only its people); supervisors and
    the people of a role for the recipients of events; onboarding training
    before a salesperson sends a proposal, named when it is missing; the
    overdue onboarding and the yearly hours on durable timers, once per
    period; violations recorded by HR, management or a supervisor for their
    own people, and by the rule that refuses a discount beyond the rules
    (a row that survives the refusal, as its event does), serious ones told
    to management and HR. Every refusal changes nothing (the store is read
    back).
*/
#include "staff/staff.h"
#include "staff/staff_store.h"
#include "qf_emit.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

#define CODE_A "91350100M000100Y43"

/* The test's policy: list prices and templates for proposals, a 5 %
   discount limit, and the staff settings: 2 days of 8 hours of onboarding
   over three topics within 20 days, 40 hours a year checked 45 days
   before the year ends. */
#define YAML_WITH(staff_keys)                                                                      \
    QF_TEST_POLICY                                                                                 \
    "  min_validity_for_sale_days: 0\n  max_discount_sales: 5\n"                                   \
    "  onboarding_training_days: 2\n"                                                              \
    "list_prices:\n  - name: construction-general\n    price: 200000\n"                            \
    "processing_steps:\n  - name: survey\n    text: \"现场勘察 site survey\"\n"                \
    "after_sales_services:\n  - name: callback\n    text: \"交付后1个月、3个月回访\"\n"  \
    "staff:\n  onboarding_topics: [laws, products, sales-skills]\n"                                \
    "  onboarding_window_days: 20\n  yearly_training_hours: 40\n"                                  \
    "  training_check_lead_days: 45\n" staff_keys
#define YAML YAML_WITH ("")

/* Runs `command` as `role` by `user` with args packed from `format`
   (qf_test_run); the next commands are the tester's again. */
static int
AS (qf_test_daemon_t *d, const char *user, const char *role, const char *command, json_t **result_p,
    const char *format, ...)
{
    va_list ap;
    va_start (ap, format);
    json_t *args = json_vpack_ex (NULL, 0, format, ap);
    va_end (ap);
    d->user = user;
    int rc = args ? qf_test_run (d, role, command, result_p, "O", args) : QF_ENOMEM;
    d->user = NULL;
    json_decref (args);
    return rc;
}

/* Adds `person` to the directory as hr: the command's status. */
static int
s_add (qf_test_daemon_t *d, const char *person, const char *roles, const char *supervisor,
       const char *started)
{
    return AS (d, "hr.wang", "hr", "staff.add", NULL, "{s:s, s:s, s:s, s:s, s:s?, s:s}", "person",
               person, "name", person, "department", "sales", "roles", roles, "supervisor",
               supervisor, "started", started);
}

/* The directory as the store holds it, to show a refusal changed nothing. */
static char *
s_directory (qf_test_daemon_t *d)
{
    json_t *people = NULL, *sessions = NULL, *violations = NULL;
    qf_staff_store_people_list (d->store, NULL, NULL, NULL, NULL, 0, 1000, &people);
    qf_staff_store_training_list (d->store, NULL, NULL, NULL, NULL, 0, 1000, &sessions);
    qf_staff_store_violations (d->store, NULL, NULL, NULL, NULL, 0, 1000, &violations);
    json_t *all = json_pack ("{s:o?, s:o?, s:o?}", "people", people, "sessions", sessions,
                             "violations", violations);
    char *text = json_dumps (all, JSON_SORT_KEYS);
    json_decref (all);
    return text;
}

/* Whether `list` (a JSON array of names) is exactly `names`
   (space-separated, in order). */
static bool
s_names (json_t *list, const char *names)
{
    char text[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < json_array_size (list) && used < sizeof text; i++)
        used += (size_t)snprintf (text + used, sizeof text - used, "%s%s", i ? " " : "",
                                  json_string_value (json_array_get (list, i)));
    if (strcmp (text, names) != 0)
        printf ("    names: [%s], expected [%s]\n", text, names);
    return strcmp (text, names) == 0;
}

/* The pending timers of a person. */
static int
s_timers (qf_test_daemon_t *d, const char *person)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    json_t *timers = NULL;
    snprintf (subject, sizeof subject, "staff/%s", person);
    if (qf_timers_list (d->store, subject, &timers))
        return -1;
    int pending = 0;
    for (size_t i = 0; i < json_array_size (timers); i++)
        pending += strcmp (qf_test_str (json_array_get (timers, i), "state"), "pending") == 0;
    json_decref (timers);
    return pending;
}

/* Adds a session as hr: its id, or 0. */
static long long
s_session (qf_test_daemon_t *d, const char *kind, const char *topic, const char *date, double hours)
{
    json_t *session = NULL;
    int rc = AS (d, "hr.wang", "hr", "training.add", &session, "{s:s, s:s, s:s, s:s, s:f}", "kind",
                 kind, "topic", topic, "title", "课程 course", "date", date, "hours", hours);
    long long id = rc ? 0 : qf_test_int (session, "id");
    json_decref (session);
    return id;
}

/* Records that `people` attended session `id`, as hr: the status. */
static int
s_attend (qf_test_daemon_t *d, long long id, const char *people, json_t **result_p)
{
    return AS (d, "hr.wang", "hr", "training.attend", result_p, "{s:I, s:s}", "id", (json_int_t)id,
               "people", people);
}

QF_TEST (directory_and_roles)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML), 0);
    QF_CHECK_EQ_INT (s_add (&d, "boss", "management", NULL, "2020-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "zhao", "supervisor,sales", "boss", "2021-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "li.lei", "sales", "zhao", "2026-03-02"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "hr.wang", "hr", "boss", "2022-01-01"), 0);

    /* Refused, naming the field and the rule, changing nothing. */
    char *before = s_directory (&d);
    QF_CHECK_EQ_INT (s_add (&d, "li.lei", "sales", NULL, "2026-03-02"), QF_ECONFLICT);
    QF_CHECK_STR (d.field, "args.person");
    QF_CHECK_EQ_INT (s_add (&d, "wu", "sales,cook", NULL, "2026-03-02"), QF_EINVAL);
    QF_CHECK (strcmp (d.field, "args.roles") == 0 && strstr (d.error, "cook"));
    QF_CHECK_EQ_INT (s_add (&d, "wu", "sales, sales", NULL, "2026-03-02"), QF_EINVAL);
    QF_CHECK (strstr (d.error, "twice"));
    QF_CHECK_EQ_INT (s_add (&d, "wu", "sales", "nobody", "2026-03-02"), QF_EINVAL);
    QF_CHECK (strcmp (d.field, "args.supervisor") == 0 && strstr (d.error, "nobody"));
    QF_CHECK_EQ_INT (s_add (&d, "wu", "sales", "wu", "2026-03-02"), QF_EINVAL);
    QF_CHECK (strstr (d.error, "themselves"));
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.add", NULL, "{s:s, s:s, s:s, s:s, s:s}",
                         "person", "wu", "name", "吴", "department", "kitchen", "roles", "sales",
                         "started", "2026-03-02"),
                     QF_EINVAL);
    QF_CHECK (strcmp (d.field, "args.department") == 0 && strstr (d.error, "staff.departments"));
    /* A circle of supervisors is refused. */
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.update", NULL, "{s:s, s:s}", "person", "boss",
                         "supervisor", "li.lei"),
                     QF_EINVAL);
    QF_CHECK (strstr (d.error, "under boss"));
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.update", NULL, "{s:s, s:s}", "person",
                         "li.lei", "roles", "sales"),
                     QF_EINVAL);
    QF_CHECK (strstr (d.error, "nothing to change"));
    /* Roles that may not write the directory. */
    QF_CHECK_EQ_INT (AS (&d, "zhao", "supervisor", "staff.add", NULL, "{s:s, s:s, s:s, s:s, s:s}",
                         "person", "wu", "name", "吴", "department", "sales", "roles", "sales",
                         "started", "2026-03-02"),
                     QF_EFORBIDDEN);
    QF_CHECK_STR (d.field, "role");
    char *after = s_directory (&d);
    QF_CHECK_STR (after, before);
    free (after);
    free (before);

    /* A person of the directory acts only in its roles; others as before. */
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "sales", "staff.list", NULL, "{}"), 0);
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "management", "staff.list", NULL, "{}"), QF_EFORBIDDEN);
    QF_CHECK (strcmp (d.field, "user") == 0 && strstr (d.error, "li.lei") &&
              strstr (d.error, "sales") && strstr (d.error, "management"));
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "admin", "staff.list", NULL, "{}"), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (AS (&d, "stranger", "management", "staff.list", NULL, "{}"), 0);
    QF_CHECK_EQ_INT (AS (&d, "", "management", "staff.list", NULL, "{}"), 0);
    /* A worker's result runs in its group's role, not as a person. */
    d.from_worker = true;
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "legal", "staff.list", NULL, "{}"), 0);
    d.from_worker = false;

    /* The roles given replace the old ones, and count at once. */
    uint64_t mark = qf_test_mark (&d);
    json_t *shown = NULL;
    QF_CHECK_EQ_INT (AS (&d, "boss", "management", "staff.update", &shown, "{s:s, s:s}", "person",
                         "li.lei", "roles", "sales,market"),
                     0);
    QF_CHECK (s_names (json_object_get (shown, "roles"), "sales market"));
    json_decref (shown);
    json_t *events = qf_test_events (&d, mark, "staff.updated");
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK (json_object_get (json_object_get (payload, "changes"), "roles") != NULL);
    QF_CHECK (s_names (json_object_get (payload, "recipients"), "li.lei zhao"));
    json_decref (events);
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "market", "staff.list", NULL, "{}"), 0);
    json_t *list = NULL;
    QF_CHECK_EQ_INT (AS (&d, "boss", "management", "staff.list", &list, "{s:s}", "role", "market"),
                     0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 1);
    json_decref (list);
    QF_CHECK_EQ_INT (AS (&d, "boss", "management", "staff.list", NULL, "{s:s}", "role", "cook"),
                     QF_EINVAL);
    QF_CHECK (strcmp (d.field, "args.role") == 0 && strstr (d.error, "supervisor"));
    QF_CHECK_EQ_INT (
        AS (&d, "boss", "management", "staff.list", NULL, "{s:s}", "department", "kitchen"),
        QF_EINVAL);
    QF_CHECK_STR (d.field, "args.department");

    /* Recipients come from the directory. */
    char boss[QF_STAFF_PERSON_SIZE];
    QF_CHECK_EQ_INT (qf_staff_supervisor_of (d.store, "li.lei", boss, sizeof boss), 0);
    QF_CHECK_STR (boss, "zhao");
    QF_CHECK_EQ_INT (qf_staff_supervisor_of (d.store, "boss", boss, sizeof boss), QF_ENOTFOUND);
    QF_CHECK_EQ_INT (qf_staff_supervisor_of (d.store, "stranger", boss, sizeof boss), QF_ENOTFOUND);
    json_t *people = NULL;
    QF_CHECK_EQ_INT (qf_staff_people_in (d.store, "sales", NULL, &people), 0);
    QF_CHECK (s_names (people, "li.lei zhao"));
    json_decref (people);
    QF_CHECK_EQ_INT (qf_staff_people_in (d.store, NULL, "sales", &people), 0);
    QF_CHECK_EQ_INT (json_array_size (people), 4);
    json_decref (people);
    json_t *recipients = json_pack ("[s, s]", "hr", "legal");
    QF_CHECK_EQ_INT (qf_staff_address (d.store, recipients), 0);
    QF_CHECK (s_names (recipients, "hr.wang legal"));
    json_decref (recipients);

    /* Every event's recipients name people (qf_staff_address, which
       qf_emit calls): a role's holders, a department's people (fang of
       processing holds no role called so), a person as they are, a role
       or department nobody holds and a name the directory cannot hold as
       written; no name twice. */
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.add", NULL, "{s:s, s:s, s:s, s:s, s:s}",
                         "person", "fang", "name", "方", "department", "processing", "roles",
                         "review", "started", "2024-01-01"),
                     0);
    recipients = json_pack ("[s, s, s, s, s, s, s]", "supervisor", "processing", "li.lei", "legal",
                            "sales", "王芳", "leader");
    QF_CHECK_EQ_INT (qf_staff_address (d.store, recipients), 0);
    QF_CHECK (s_names (recipients, "zhao fang li.lei legal 王芳 leader"));
    json_decref (recipients);
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (qf_store_begin (d.store), 0);
    QF_CHECK_EQ_INT (qf_emit (d.store, d.now, "test.addressed", "test", 1,
                              json_pack ("{s:[s, s]}", "recipients", "management", "review")),
                     0);
    QF_CHECK_EQ_INT (qf_store_commit (d.store), 0);
    events = qf_test_events (&d, mark, "test.addressed");
    payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK (s_names (json_object_get (payload, "recipients"), "boss fang"));
    json_decref (events);

    /* A supervisor who leaves: their people go to the next one up, they
       act no more, their timers stop. */
    QF_CHECK (s_timers (&d, "zhao") > 0);
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.leave", &shown, "{s:s, s:s}", "person", "zhao",
                         "reason", "辞职 resigned"),
                     0);
    QF_CHECK_STR (qf_test_str (shown, "status"), "left");
    QF_CHECK_STR (qf_test_str (shown, "left_on"), QF_TEST_MONDAY);
    json_decref (shown);
    events = qf_test_events (&d, mark, "staff.left");
    payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK (s_names (json_object_get (payload, "without_supervisor"), "li.lei"));
    QF_CHECK (s_names (json_object_get (payload, "recipients"), "boss hr.wang"));
    json_decref (events);
    QF_CHECK_EQ_INT (s_timers (&d, "zhao"), 0);
    QF_CHECK_EQ_INT (qf_staff_supervisor_of (d.store, "li.lei", boss, sizeof boss), 0);
    QF_CHECK_STR (boss, "boss");
    QF_CHECK_EQ_INT (AS (&d, "zhao", "supervisor", "staff.list", NULL, "{}"), QF_EFORBIDDEN);
    QF_CHECK (strstr (d.error, "left the company"));
    before = s_directory (&d);
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.leave", NULL, "{s:s, s:s}", "person", "zhao",
                         "reason", "again"),
                     QF_ECONFLICT);
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.update", NULL, "{s:s, s:s}", "person", "zhao",
                         "name", "赵"),
                     QF_ECONFLICT);
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.update", NULL, "{s:s, s:s}", "person",
                         "li.lei", "supervisor", "zhao"),
                     QF_EINVAL);
    QF_CHECK (strstr (d.error, "left the company"));
    after = s_directory (&d);
    QF_CHECK_STR (after, before);
    free (before);
    free (after);
    d.user = NULL;
    qf_test_daemon_close (&d);
}

/* How a person is reached: an email address and a mobile number, kept
   and shown; one that could smuggle a header or an SMTP command in, or is
   no number, refused naming the field, changing nothing. */
QF_TEST (contact_fields)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML), 0);
    json_t *shown = NULL;
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.add", &shown,
                         "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "person", "li.lei", "name", "李雷",
                         "department", "sales", "roles", "sales", "started", "2026-03-02",
                         "email", "li.lei@hfqual.cn", "mobile", "+8613800138000"),
                     0);
    QF_CHECK_STR (qf_test_str (shown, "email"), "li.lei@hfqual.cn");
    QF_CHECK_STR (qf_test_str (shown, "mobile"), "+8613800138000");
    json_decref (shown);
    char *before = s_directory (&d);
    const char *const bad_email[] = {"li.lei", "@hfqual.cn", "li@hfqual", "li lei@hfqual.cn",
                                     "li@hfqual.cn\r\nBcc: x@y.z", "<li@hfqual.cn>",
                                     "a@b@c.cn"};
    for (size_t i = 0; i < sizeof bad_email / sizeof bad_email[0]; i++) {
        QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.update", NULL, "{s:s, s:s}", "person",
                             "li.lei", "email", bad_email[i]),
                         QF_EINVAL);
        QF_CHECK_STR (d.field, "args.email");
    }
    const char *const bad_mobile[] = {"138-0013-8000", "1380013800x", "+", "12"};
    for (size_t i = 0; i < sizeof bad_mobile / sizeof bad_mobile[0]; i++) {
        QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.update", NULL, "{s:s, s:s}", "person",
                             "li.lei", "mobile", bad_mobile[i]),
                         QF_EINVAL);
        QF_CHECK_STR (d.field, "args.mobile");
    }
    char *after = s_directory (&d);
    QF_CHECK_STR (after, before);
    free (before);
    free (after);
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.update", &shown, "{s:s, s:s}", "person",
                         "li.lei", "mobile", "13900139000"),
                     0);
    QF_CHECK_STR (qf_test_str (shown, "mobile"), "13900139000");
    QF_CHECK_STR (qf_test_str (shown, "email"), "li.lei@hfqual.cn");
    json_decref (shown);
    qf_test_daemon_close (&d);
}

QF_TEST (require_directory)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML_WITH ("  require_directory: true\n")), 0);
    /* An empty directory is not set up yet: its first people go in. */
    QF_CHECK_EQ_INT (AS (&d, "anyone", "management", "staff.list", NULL, "{}"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "hr.wang", "hr", NULL, "2022-01-01"), 0);
    /* Then only its people act in a business role; admin runs operations. */
    QF_CHECK_EQ_INT (AS (&d, "anyone", "management", "staff.list", NULL, "{}"), QF_EFORBIDDEN);
    QF_CHECK (strcmp (d.field, "user") == 0 && strstr (d.error, "anyone") &&
              strstr (d.error, "staff.require_directory"));
    QF_CHECK_EQ_INT (AS (&d, "", "management", "staff.list", NULL, "{}"), QF_EFORBIDDEN);
    QF_CHECK (strstr (d.error, "names no user"));
    QF_CHECK_EQ_INT (AS (&d, "ops", "admin", "staff.list", NULL, "{}"), 0);
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.list", NULL, "{}"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "li.lei", "sales", NULL, "2026-03-02"), 0);
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "sales", "staff.show", NULL, "{s:s}", "person", "li.lei"),
                     0);
    d.user = NULL;
    qf_test_daemon_close (&d);
}

/* Authorization reads a person once per store generation (one batch of
   the server's): a change to the directory inside the transaction, and
   its rollback, are seen by the next command all the same. */
static int
s_authorize (qf_test_daemon_t *d, const char *user, const char *role, const char *command)
{
    qf_ctx_t ctx;
    d->user = user;
    qf_test_ctx (d, role, &ctx);
    d->user = NULL;
    return qf_commands_authorize (&ctx, qf_commands_find (command));
}

QF_TEST (authorize_sees_changes_in_its_transaction)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML_WITH ("  require_directory: true\n")), 0);
    QF_CHECK_EQ_INT (s_add (&d, "hr.wang", "hr", NULL, "2022-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "li.lei", "sales", NULL, "2026-03-02"), 0);
    json_t *legal = json_pack ("{s:[s]}", "roles", "legal");
    QF_CHECK_EQ_INT (qf_store_begin (d.store), 0);
    QF_CHECK_EQ_INT (s_authorize (&d, "li.lei", "sales", "staff.list"), 0);
    QF_CHECK_EQ_INT (s_authorize (&d, "li.lei", "sales", "staff.list"), 0);
    /* Another role, then a person added, in the same transaction. */
    QF_CHECK_EQ_INT (qf_store_savepoint (d.store), 0);
    QF_CHECK_EQ_INT (qf_staff_store_person_update (d.store, "li.lei", legal, "hr.wang", d.now), 0);
    QF_CHECK_EQ_INT (s_authorize (&d, "li.lei", "sales", "staff.list"), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_authorize (&d, "li.lei", "legal", "staff.list"), 0);
    QF_CHECK_EQ_INT (s_authorize (&d, "wu.min", "sales", "staff.list"), QF_EFORBIDDEN);
    json_t *wu = json_pack ("{s:s, s:s, s:s, s:[s], s:s}", "person", "wu.min", "name", "Wu",
                            "department", "sales", "roles", "sales", "started", "2026-01-05");
    QF_CHECK_EQ_INT (qf_staff_store_person_add (d.store, wu, "hr.wang", d.now), 0);
    QF_CHECK_EQ_INT (s_authorize (&d, "wu.min", "sales", "staff.list"), 0);
    /* Undone: as before. */
    QF_CHECK_EQ_INT (qf_store_rollback_savepoint (d.store), 0);
    QF_CHECK_EQ_INT (s_authorize (&d, "wu.min", "sales", "staff.list"), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_authorize (&d, "li.lei", "sales", "staff.list"), 0);
    QF_CHECK_EQ_INT (qf_staff_store_person_leave (d.store, "li.lei", "2026-06-01", "moved",
                                                  "hr.wang", d.now),
                     0);
    QF_CHECK_EQ_INT (s_authorize (&d, "li.lei", "sales", "staff.list"), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (qf_store_rollback (d.store), 0);
    QF_CHECK_EQ_INT (s_authorize (&d, "li.lei", "sales", "staff.list"), 0);
    json_decref (wu);
    json_decref (legal);
    qf_test_daemon_close (&d);
}

/* A qualification, a customer of li.lei and a proposal of it at `price`:
   its id, or 0. */
static long long
s_proposal (qf_test_daemon_t *d, int price)
{
    long long qual = qf_test_qual_add (d, 1, "construction-general", "2030-01-01");
    if (!qual || qf_test_qual_approve (d, qual))
        return 0;
    json_t *record = NULL;
    int rc = AS (d, "li.lei", "sales", "customer.add", &record, "{s:s, s:s}", "name",
                 "合肥建工 Hefei Builders", "credit_code", CODE_A);
    long long customer = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    char lines[32];
    snprintf (lines, sizeof lines, "%lld:%d", qual, price);
    rc = customer ? AS (d, "li.lei", "sales", "proposal.create", &record,
                        "{s:I, s:s, s:s, s:s, s:s}", "customer_id", (json_int_t)customer, "lines",
                        lines, "steps", "survey", "services", "callback", "delivery", "2026-04-30")
                  : -1;
    long long id = rc ? 0 : qf_test_int (record, "id");
    json_decref (record);
    return id;
}

QF_TEST (onboarding_before_selling)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML), 0);
    QF_CHECK_EQ_INT (s_add (&d, "zhao", "supervisor", NULL, "2021-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "li.lei", "sales", "zhao", QF_TEST_MONDAY), 0);
    long long proposal = s_proposal (&d, 200000);
    QF_CHECK (proposal > 0);
    json_t *shown = NULL;
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "sales", "staff.show", &shown, "{s:s}", "person", "li.lei"),
                     0);
    json_t *onboarding = json_object_get (shown, "onboarding");
    QF_CHECK (json_is_true (json_object_get (onboarding, "required")));
    QF_CHECK (json_is_false (json_object_get (onboarding, "complete")));
    QF_CHECK_EQ_INT (qf_test_int (onboarding, "required_hours"), 16);
    QF_CHECK_STR (qf_test_str (onboarding, "due"), "2026-03-22");
    json_decref (shown);

    /* Refused, naming what is missing; nothing sent. */
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (
        AS (&d, "li.lei", "sales", "proposal.send", NULL, "{s:I}", "id", (json_int_t)proposal),
        QF_EFORBIDDEN);
    QF_CHECK_STR (d.field, "user");
    QF_CHECK (strstr (d.error, "may not send a proposal") && strstr (d.error, "0.0 of 16 hours") &&
              strstr (d.error, "laws, products, sales-skills") && strstr (d.error, "2026-03-22") &&
              strstr (d.error, "§5.1"));
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, NULL), 0);

    /* Sessions: an onboarding topic must be configured, hours in halves,
       a role that may not add them is refused; nothing changes. */
    char *before = s_directory (&d);
    QF_CHECK_EQ_INT (s_session (&d, "onboarding", "cooking", QF_TEST_MONDAY, 8), 0);
    QF_CHECK (strcmp (d.field, "args.topic") == 0 && strstr (d.error, "laws, products"));
    QF_CHECK_EQ_INT (s_session (&d, "periodic", "law-update", QF_TEST_MONDAY, 0.3), 0);
    QF_CHECK_STR (d.field, "args.hours");
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "sales", "training.add", NULL, "{s:s, s:s, s:s, s:s, s:f}",
                         "kind", "periodic", "topic", "x", "title", "t", "date", QF_TEST_MONDAY,
                         "hours", 1.0),
                     QF_EFORBIDDEN);
    char *after = s_directory (&d);
    QF_CHECK_STR (after, before);
    free (after);
    free (before);

    long long laws = s_session (&d, "onboarding", "laws", QF_TEST_MONDAY, 8);
    long long products = s_session (&d, "onboarding", "products", QF_TEST_MONDAY, 4);
    long long later = s_session (&d, "onboarding", "sales-skills", "2026-03-04", 4);
    QF_CHECK (laws && products && later);
    json_t *result = NULL;
    QF_CHECK_EQ_INT (s_attend (&d, laws, "li.lei, zhao", &result), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (result, "attendees")), 2);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (result, "completed")), 0);
    json_decref (result);
    QF_CHECK_EQ_INT (s_attend (&d, products, "li.lei", NULL), 0);
    /* Attendance of a session not yet held, twice, or of a stranger. */
    before = s_directory (&d);
    QF_CHECK_EQ_INT (s_attend (&d, later, "li.lei", NULL), QF_ECONFLICT);
    QF_CHECK (strstr (d.error, "after today"));
    QF_CHECK_EQ_INT (s_attend (&d, laws, "li.lei", NULL), QF_ECONFLICT);
    QF_CHECK (strstr (d.error, "recorded already"));
    QF_CHECK_EQ_INT (s_attend (&d, products, "stranger", NULL), QF_EINVAL);
    QF_CHECK_EQ_INT (s_attend (&d, 999, "li.lei", NULL), QF_ENOTFOUND);
    after = s_directory (&d);
    QF_CHECK_STR (after, before);
    free (after);
    free (before);
    QF_CHECK_EQ_INT (
        AS (&d, "li.lei", "sales", "proposal.send", NULL, "{s:I}", "id", (json_int_t)proposal),
        QF_EFORBIDDEN);
    QF_CHECK (strstr (d.error, "12.0 of 16 hours") && strstr (d.error, "sales-skills") &&
              !strstr (d.error, "laws"));

    /* The last session completes it on its day: told, and allowed. */
    d.now = qf_test_at ("2026-03-04", 15, 0);
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_attend (&d, later, "li.lei", &result), 0);
    QF_CHECK (s_names (json_object_get (result, "completed"), "li.lei"));
    json_decref (result);
    json_t *events = qf_test_events (&d, mark, "staff.onboarding_completed");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (qf_test_str (payload, "date"), "2026-03-04");
    QF_CHECK (s_names (json_object_get (payload, "recipients"), "li.lei zhao"));
    json_decref (events);
    QF_CHECK_EQ_INT (AS (&d, "li.lei", "sales", "staff.show", &shown, "{s:s}", "person", "li.lei"),
                     0);
    QF_CHECK_STR (qf_test_str (shown, "onboarded"), "2026-03-04");
    json_decref (shown);
    QF_CHECK_EQ_INT (
        AS (&d, "li.lei", "sales", "proposal.send", NULL, "{s:I}", "id", (json_int_t)proposal), 0);
    /* The window's end passes without a word: it was complete. */
    d.now = qf_test_at ("2026-03-23", 10, 0);
    mark = qf_test_mark (&d);
    QF_CHECK (qf_test_fire (&d) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "staff.onboarding_overdue"), 0);

    /* Someone trained before the directory, and a manager, need nothing. */
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.add", NULL, "{s:s, s:s, s:s, s:s, s:s, s:s}",
                         "person", "wang", "name", "王", "department", "sales", "roles", "sales",
                         "started", "2019-01-01", "onboarded", "2019-02-01"),
                     0);
    d.user = "wang";
    QF_CHECK_EQ_INT (
        qf_staff_require_onboarding (
            &(qf_ctx_t){.store = d.store, .config = d.config, .user = "wang"}, "sign a contract"),
        0);
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.add", NULL, "{s:s, s:s, s:s, s:s, s:s, s:s}",
                         "person", "late", "name", "迟", "department", "sales", "roles", "sales",
                         "started", "2026-03-23", "onboarded", "2026-03-24"),
                     QF_EINVAL);
    QF_CHECK (strstr (d.error, "after today"));
    d.user = NULL;
    qf_test_daemon_close (&d);
}

QF_TEST (onboarding_overdue_once)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML), 0);
    QF_CHECK_EQ_INT (s_add (&d, "zhao", "supervisor", NULL, "2021-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "hr.wang", "hr", NULL, "2021-01-01"), 0);
    /* Started on 2026-03-02: due by 2026-03-22, a Sunday; told on Monday
       2026-03-23 at the reminder time, once. */
    QF_CHECK_EQ_INT (s_add (&d, "li.lei", "sales", "zhao", QF_TEST_MONDAY), 0);
    QF_CHECK_EQ_INT (s_add (&d, "mgr", "management", NULL, QF_TEST_MONDAY), 0);
    uint64_t mark = qf_test_mark (&d);
    d.now = qf_test_at ("2026-03-23", 8, 59);
    QF_CHECK (qf_test_fire (&d) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "staff.onboarding_overdue"), 0);
    d.now = qf_test_at ("2026-03-23", 9, 0);
    QF_CHECK (qf_test_fire (&d) >= 1);
    json_t *events = qf_test_events (&d, mark, "staff.onboarding_overdue");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    json_t *event = json_array_get (events, 0);
    json_t *payload = json_object_get (event, "payload");
    QF_CHECK_STR (qf_test_str (event, "subject"), "staff/li.lei");
    QF_CHECK_STR (qf_test_str (payload, "due"), "2026-03-22");
    QF_CHECK (s_names (json_object_get (payload, "missing_topics"), "laws products sales-skills"));
    QF_CHECK (s_names (json_object_get (payload, "recipients"), "li.lei zhao hr.wang"));
    json_decref (events);
    d.now = qf_test_at ("2026-03-24", 9, 0);
    QF_CHECK (qf_test_fire (&d) >= 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "staff.onboarding_overdue"), 1);
    d.user = NULL;
    qf_test_daemon_close (&d);
}

QF_TEST (yearly_hours_once_a_year)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML), 0);
    QF_CHECK_EQ_INT (s_add (&d, "hr.wang", "hr", NULL, "2021-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "short", "market", NULL, "2020-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "full", "market", NULL, "2020-01-01"), 0);
    /* From 1 July: 184 of 365 days, 20.2 hours of 40. */
    QF_CHECK_EQ_INT (s_add (&d, "new", "market", NULL, "2026-07-01"), 0);
    long long a = s_session (&d, "periodic", "regulations", QF_TEST_MONDAY, 10);
    long long b = s_session (&d, "sharing", "big-deal", QF_TEST_MONDAY, 30);
    long long c = s_session (&d, "periodic", "products", "2026-07-01", 20);
    /* Onboarding hours do not count toward the year's. */
    long long o = s_session (&d, "onboarding", "laws", QF_TEST_MONDAY, 30);
    QF_CHECK (a && b && c && o);
    QF_CHECK_EQ_INT (s_attend (&d, a, "short, full", NULL), 0);
    QF_CHECK_EQ_INT (s_attend (&d, b, "full", NULL), 0);
    QF_CHECK_EQ_INT (s_attend (&d, o, "short", NULL), 0);
    d.now = qf_test_at ("2026-07-01", 12, 0);
    QF_CHECK_EQ_INT (s_attend (&d, c, "new", NULL), 0);
    json_t *shown = NULL;
    QF_CHECK_EQ_INT (AS (&d, "new", "market", "staff.show", &shown, "{s:s}", "person", "new"), 0);
    json_t *training = json_object_get (shown, "training");
    QF_CHECK (json_number_value (json_object_get (training, "required_hours")) == 20.2);
    QF_CHECK (json_number_value (json_object_get (training, "hours")) == 20);
    QF_CHECK (json_is_true (json_object_get (training, "short")));
    json_decref (shown);
    /* A person's record, with its hours. */
    json_t *list = NULL;
    QF_CHECK_EQ_INT (AS (&d, "full", "market", "training.list", &list, "{s:s}", "person", "full"),
                     0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 2);
    json_decref (list);
    QF_CHECK_EQ_INT (AS (&d, "full", "market", "staff.show", &shown, "{s:s}", "person", "full"), 0);
    QF_CHECK (json_number_value (json_object_get (json_object_get (shown, "training"), "hours")) ==
              40);
    json_decref (shown);

    /* 45 days before the year ends: Monday 2026-11-16. hr.wang attended
       nothing; full has the 40 hours. */
    uint64_t mark = qf_test_mark (&d);
    d.now = qf_test_at ("2026-11-16", 10, 0);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 4);
    json_t *events = qf_test_events (&d, mark, "staff.training_short");
    QF_CHECK_EQ_INT (json_array_size (events), 3);
    json_t *told[3] = {NULL, NULL, NULL};
    const char *const who[3] = {"short", "new", "hr.wang"};
    for (size_t i = 0; i < json_array_size (events); i++)
        for (size_t k = 0; k < 3; k++) {
            json_t *p = json_object_get (json_array_get (events, i), "payload");
            if (strcmp (qf_test_str (p, "person"), who[k]) == 0)
                told[k] = p;
        }
    QF_CHECK (told[0] && told[1] && told[2]);
    QF_CHECK (json_number_value (json_object_get (told[0], "hours")) == 10);
    QF_CHECK (json_number_value (json_object_get (told[0], "short_by")) == 30);
    QF_CHECK_EQ_INT (qf_test_int (told[0], "year"), 2026);
    QF_CHECK (s_names (json_object_get (told[0], "recipients"), "short hr.wang"));
    QF_CHECK (json_number_value (json_object_get (told[1], "required_hours")) == 20.2);
    json_decref (events);
    /* Once per year: next year's check is placed, nothing more now. */
    QF_CHECK_EQ_INT (s_timers (&d, "short"), 1);
    d.now = qf_test_at ("2026-12-30", 10, 0);
    QF_CHECK_EQ_INT (qf_test_fire (&d), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "staff.training_short"), 3);
    d.user = NULL;
    qf_test_daemon_close (&d);
}

QF_TEST (conduct)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, YAML), 0);
    QF_CHECK_EQ_INT (s_add (&d, "boss", "management", NULL, "2020-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "zhao", "supervisor", "boss", "2021-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "qian", "supervisor", "boss", "2021-01-01"), 0);
    QF_CHECK_EQ_INT (s_add (&d, "hr.wang", "hr", NULL, "2021-01-01"), 0);
    QF_CHECK_EQ_INT (AS (&d, "hr.wang", "hr", "staff.add", NULL,
                         "{s:s, s:s, s:s, s:s, s:s, s:s, "
                         "s:s}",
                         "person", "li.lei", "name", "李雷", "department", "sales", "roles",
                         "sales", "supervisor", "zhao", "started", "2025-01-01", "onboarded",
                         "2025-01-20"),
                     0);

    /* Who may not record, and what may not be recorded: nothing changes. */
    char *before = s_directory (&d);
#define RECORD(user, role, type, severity, date)                                                   \
    AS (&d, user, role, "conduct.record", NULL, "{s:s, s:s, s:s, s:s?, s:s}", "person", "li.lei",  \
        "type", type, "severity", severity, "date", date, "description", "泄露客户名单")
    QF_CHECK_EQ_INT (RECORD ("li.lei", "sales", "confidentiality-breach", "minor", NULL),
                     QF_EFORBIDDEN);
    QF_CHECK_STR (d.field, "role");
    QF_CHECK_EQ_INT (RECORD ("qian", "supervisor", "confidentiality-breach", "minor", NULL),
                     QF_EFORBIDDEN);
    QF_CHECK (strcmp (d.field, "args.person") == 0 && strstr (d.error, "zhao"));
    QF_CHECK_EQ_INT (RECORD ("zhao", "supervisor", "gossip", "minor", NULL), QF_EINVAL);
    QF_CHECK (strcmp (d.field, "args.type") == 0 && strstr (d.error, "staff.violation_types"));
    QF_CHECK_EQ_INT (RECORD ("zhao", "supervisor", "other", "minor", "2026-03-03"), QF_EINVAL);
    QF_CHECK_STR (d.field, "args.date");
    QF_CHECK_EQ_INT (AS (&d, "zhao", "supervisor", "conduct.list", NULL, "{}"), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (
        AS (&d, "qian", "supervisor", "conduct.list", NULL, "{s:s}", "person", "li.lei"),
        QF_EFORBIDDEN);
    char *after = s_directory (&d);
    QF_CHECK_STR (after, before);
    free (after);
    free (before);

    /* A minor one goes to the supervisor and HR; a serious one also to
       management. */
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (RECORD ("zhao", "supervisor", "confidentiality-breach", "minor", "2026-02-27"),
                     0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "staff.conduct_serious"), 0);
    json_t *events = qf_test_events (&d, mark, "staff.conduct_recorded");
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (qf_test_str (payload, "source"), "recorded");
    QF_CHECK_STR (qf_test_str (payload, "by"), "zhao");
    QF_CHECK (s_names (json_object_get (payload, "recipients"), "zhao hr.wang"));
    json_decref (events);
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (RECORD ("hr.wang", "hr", "bribe-kickback", "grave", NULL), 0);
    events = qf_test_events (&d, mark, "staff.conduct_serious");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (qf_test_str (payload, "severity"), "grave");
    QF_CHECK (s_names (json_object_get (payload, "recipients"), "boss hr.wang"));
    json_decref (events);

    /* The rule that refuses a discount beyond the limit records one too,
       although the send is refused and rolled back. */
    long long proposal = s_proposal (&d, 184000); /* 8 % off, the limit is 5 % */
    QF_CHECK (proposal > 0);
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (
        AS (&d, "li.lei", "sales", "proposal.send", NULL, "{s:I}", "id", (json_int_t)proposal),
        QF_EFORBIDDEN);
    QF_CHECK_STR (d.field, "lines[1].price");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "proposal.sent"), 0);
    events = qf_test_events (&d, mark, "staff.conduct_recorded");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (qf_test_str (json_array_get (events, 0), "subject"), "staff/li.lei");
    QF_CHECK_STR (qf_test_str (payload, "source"), "automatic");
    QF_CHECK_STR (qf_test_str (payload, "type"), QF_STAFF_DISCOUNT_VIOLATION);
    QF_CHECK_EQ_INT (qf_test_int (payload, "proposal_id"), proposal);
    QF_CHECK_EQ_INT (qf_test_int (payload, "limit"), 5);
    long long automatic = qf_test_int (payload, "violation_id");
    QF_CHECK (automatic > 0);
    json_decref (events);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "staff.conduct_serious"), 1);

    /* For the assessment: a person's violations of a period. */
    json_t *all = NULL;
    QF_CHECK_EQ_INT (qf_staff_violations (d.store, "li.lei", NULL, NULL, &all), 0);
    QF_CHECK_EQ_INT (json_array_size (all), 3);
    json_t *last = json_array_get (all, 2);
    QF_CHECK_EQ_INT (qf_test_int (last, "id"), automatic);
    QF_CHECK_STR (qf_test_str (last, "source"), "automatic");
    QF_CHECK_STR (qf_test_str (last, "severity"), "serious");
    QF_CHECK_STR (qf_test_str (last, "date"), QF_TEST_MONDAY);
    QF_CHECK (strstr (qf_test_str (last, "rule"), "§5.3"));
    QF_CHECK_EQ_INT (qf_test_int (json_object_get (last, "details"), "proposal_id"), proposal);
    json_decref (all);
    QF_CHECK_EQ_INT (qf_staff_violations (d.store, "li.lei", "2026-03-01", "2026-03-31", &all), 0);
    QF_CHECK_EQ_INT (json_array_size (all), 2);
    json_decref (all);
    QF_CHECK_EQ_INT (qf_staff_violations (d.store, "zhao", NULL, NULL, &all), 0);
    QF_CHECK_EQ_INT (json_array_size (all), 0);
    json_decref (all);
    json_t *list = NULL;
    QF_CHECK_EQ_INT (AS (&d, "zhao", "supervisor", "conduct.list", &list, "{s:s, s:s}", "person",
                         "li.lei", "severity", "grave"),
                     0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 1);
    json_decref (list);
    d.user = NULL;
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "staff";
    QF_RUN (directory_and_roles);
    QF_RUN (contact_fields);
    QF_RUN (require_directory);
    QF_RUN (onboarding_before_selling);
    QF_RUN (onboarding_overdue_once);
    QF_RUN (yearly_hours_once_a_year);
    QF_RUN (conduct);
    QF_RUN (authorize_sees_changes_in_its_transaction);
    return qf_test_done ();
}
