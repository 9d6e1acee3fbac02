/*  test_policy — policy changes (§7.2), run in-process as the daemon runs
    them (qf_test_daemon.h): a policy recorded ahead of its date is pending
    with a durable timer and raises policy.scheduled (from its date,
    policy.changed at once); only an active policy is applied (409 naming
    why for a pending or a lifted one); applying suspends the category's
    qualifications; lifting clears those suspensions and sends the approved
    ones to a new review; lifting twice is 409.
*/
#include "qualification/qualification_config.h"
#include "policy/policy_store.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

/* Records a policy on `category` effective on `effective`: its id, or 0. */
static long long
s_record (qf_test_daemon_t *d, const char *category, const char *effective)
{
    json_t *policy = NULL;
    if (qf_test_run (d, "legal", "policy.record", &policy, "{s:s, s:s, s:s}", "category", category,
                     "description", "a new rule on contractors", "effective", effective))
        return 0;
    long long id = qf_test_int (policy, "id");
    json_decref (policy);
    return id;
}

/* Runs policy command `command` on `policy_id` as `role`: its QF_E* code. */
static int
s_policy (qf_test_daemon_t *d, const char *role, const char *command, long long policy_id,
          json_t **result_p)
{
    return qf_test_run (d, role, command, result_p, "{s:I}", "policy_id", (json_int_t)policy_id);
}

/* The stored state of policy `id` ("" when it cannot be read). */
static const char *
s_state (qf_test_daemon_t *d, long long id)
{
    static char state[32];
    json_t *policy = NULL;
    state[0] = '\0';
    if (qf_store_policy_get (d->store, id, &policy) == 0)
        snprintf (state, sizeof state, "%s", qf_test_str (policy, "state"));
    json_decref (policy);
    return state;
}

/* Whether qualification `id` is stored as suspended (-1: unreadable). */
static int
s_suspended (qf_test_daemon_t *d, long long id)
{
    json_t *record = qf_test_qual (d, id);
    int suspended = record ? json_is_true (json_object_get (record, "suspended")) : -1;
    json_decref (record);
    return suspended;
}

/* Whether the JSON array `ids` holds exactly the integers `want` (in order). */
static bool
s_ids (json_t *ids, const long long *want, size_t count)
{
    if (json_array_size (ids) != count)
        return false;
    for (size_t i = 0; i < count; i++)
        if (json_integer_value (json_array_get (ids, i)) != want[i])
            return false;
    return true;
}

QF_TEST (future_date_is_pending)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    uint64_t mark = qf_test_mark (&d);
    long long later = s_record (&d, "construction-general", "2026-03-03");
    QF_CHECK (later > 0);
    QF_CHECK_STR (s_state (&d, later), "pending");
    QF_CHECK_EQ_INT (qf_test_timers (&d, "policy", later), 1);
    json_t *scheduled = qf_test_events (&d, mark, "policy.scheduled");
    QF_CHECK_EQ_INT (json_array_size (scheduled), 1);
    QF_CHECK_EQ_INT (
        qf_test_int (
            json_object_get (json_object_get (json_array_get (scheduled, 0), "payload"), "policy"),
            "id"),
        later);
    json_decref (scheduled);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "policy.changed"), 0);
    /* From its date (today, or earlier) a policy acts at once. */
    mark = qf_test_mark (&d);
    long long today = s_record (&d, "construction-general", QF_TEST_MONDAY);
    QF_CHECK (today > 0);
    QF_CHECK_STR (s_state (&d, today), "active");
    QF_CHECK_EQ_INT (qf_test_timers (&d, "policy", today), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "policy.changed"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "policy.scheduled"), 0);
    qf_test_daemon_close (&d);
}

QF_TEST (apply_needs_an_active_policy)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long qual = qf_test_qual_add (&d, 1, "construction-general", "2030-01-01");
    QF_CHECK (qual > 0);
    long long id = s_record (&d, "construction-general", "2026-03-10");
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_policy (&d, "legal", "policy.apply", id, NULL), QF_ECONFLICT);
    QF_CHECK_STR (d.field, "args.policy_id");
    char want[160];
    snprintf (want, sizeof want,
              "policy %lld takes effect on 2026-03-10; it can be applied from then "
              "(policy.changed is raised on that date)",
              id);
    QF_CHECK_STR (d.error, want);
    QF_CHECK_EQ_INT (s_suspended (&d, qual), 0);
    /* Lifted before its date: it never takes effect, nor is applied. */
    QF_CHECK_EQ_INT (s_policy (&d, "legal", "policy.lift", id, NULL), 0);
    QF_CHECK_STR (s_state (&d, id), "lifted");
    QF_CHECK_EQ_INT (qf_test_timers (&d, "policy", id), 0);
    QF_CHECK_EQ_INT (s_policy (&d, "legal", "policy.apply", id, NULL), QF_ECONFLICT);
    snprintf (want, sizeof want, "policy %lld is lifted; only an active policy suspends", id);
    QF_CHECK_STR (d.error, want);
    QF_CHECK_EQ_INT (s_suspended (&d, qual), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "policy.applied"), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.suspended"), 0);
    /* Applying is the legal department's. */
    long long active = s_record (&d, "construction-general", QF_TEST_MONDAY);
    QF_CHECK_EQ_INT (s_policy (&d, "management", "policy.apply", active, NULL), QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_policy (&d, "legal", "policy.apply", 999, NULL), QF_ENOTFOUND);
    qf_test_daemon_close (&d);
}

QF_TEST (apply_suspends_lift_clears)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long approved = qf_test_qual_add (&d, 1, "construction-general", "2030-01-01");
    long long draft = qf_test_qual_add (&d, 2, "construction-general", "2030-01-01");
    long long other = qf_test_qual_add (&d, 3, "survey", "2030-01-01");
    QF_CHECK (approved > 0 && draft > 0 && other > 0);
    QF_CHECK_EQ_INT (qf_test_qual_approve (&d, approved), 0);
    QF_CHECK_EQ_INT (qf_test_qual_approve (&d, other), 0);
    long long id = s_record (&d, "construction-general", QF_TEST_MONDAY);
    QF_CHECK (id > 0);
    uint64_t mark = qf_test_mark (&d);
    json_t *result = NULL;
    QF_CHECK_EQ_INT (s_policy (&d, "legal", "policy.apply", id, &result), 0);
    const long long both[] = {approved, draft};
    QF_CHECK (s_ids (json_object_get (result, "suspended"), both, 2));
    json_decref (result);
    /* The category's qualifications are suspended, the other one is not. */
    QF_CHECK_EQ_INT (s_suspended (&d, approved), 1);
    QF_CHECK_EQ_INT (s_suspended (&d, draft), 1);
    QF_CHECK_EQ_INT (s_suspended (&d, other), 0);
    json_t *ids = NULL;
    QF_CHECK_EQ_INT (qf_store_policy_suspended (d.store, id, &ids), 0);
    QF_CHECK (s_ids (ids, both, 2));
    json_decref (ids);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.suspended"), 2);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "policy.applied"), 1);
    /* Sales may not offer a suspended qualification. */
    json_t *sellable = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "qual.list", &sellable, "{s:b}", "sellable", 1), 0);
    json_t *items = json_object_get (sellable, "items");
    QF_CHECK_EQ_INT (json_array_size (items), 1);
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (items, 0), "id"), other);
    json_decref (sellable);

    /* Lifting clears every suspension it caused; the approved one must
       comply again: a new review round. */
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_policy (&d, "management", "policy.lift", id, &result), 0);
    QF_CHECK (s_ids (json_object_get (result, "unsuspended"), both, 2));
    QF_CHECK (s_ids (json_object_get (result, "reviewed"), &approved, 1));
    json_decref (result);
    QF_CHECK_STR (s_state (&d, id), "lifted");
    QF_CHECK_EQ_INT (s_suspended (&d, approved), 0);
    QF_CHECK_EQ_INT (s_suspended (&d, draft), 0);
    json_t *record = qf_test_qual (&d, approved);
    QF_CHECK_STR (qf_test_str (record, "state"), "in_review");
    QF_CHECK_EQ_INT (qf_test_int (record, "round"), 2);
    json_decref (record);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "policy.lifted"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.review_requested"), 1);
    /* Twice is 409, and changes nothing more. */
    mark = qf_test_mark (&d);
    QF_CHECK_EQ_INT (s_policy (&d, "legal", "policy.lift", id, NULL), QF_ECONFLICT);
    char want[64];
    snprintf (want, sizeof want, "policy %lld is already lifted", id);
    QF_CHECK_STR (d.error, want);
    QF_CHECK_EQ_INT (qf_test_mark (&d), mark);
    /* Its new review passed, the qualification is reinstated. */
    for (size_t i = 0; i < qf_qualification_config (d.config)->review_department_count; i++)
        QF_CHECK_EQ_INT (qf_test_report (&d, approved, 2,
                                         qf_qualification_config (d.config)->review_departments[i],
                                         "pass"),
                         0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.reinstated"), 1);
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "policy";
    QF_RUN (future_date_is_pending);
    QF_RUN (apply_needs_an_active_policy);
    QF_RUN (apply_suspends_lift_clears);
    return qf_test_done ();
}
