/*  qualification — the qualification's record and its review (§4.2): add,
    read, list, submit, the departments' reports and the people's
    decisions, rectification and rejection. The review outcome (all final
    passes approve; any final fail sends to rectification) is
    s_review_outcome. */
#include "qualification/qualification.h"
#include "qualification/qualification_config.h"
#include "qualification/qualification_store.h"
#include "renewal/renewal_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_timers.h"
#include "qf_emit.h"
#include "qf_json.h"
#include "custody/custody_store.h"
#include "policy/policy.h"
#include "renewal/renewal_timers.h"

#include <assert.h>
#include <string.h>

/* A certificate's validity: the expiry after the date of issue (both already
   valid dates). `field` names the argument to blame. */
static int
s_dates_in_order (qf_ctx_t *ctx, const char *issued, const char *expires, const char *field)
{
    int32_t from = 0, to = 0;
    qf_date_parse (issued, &from);
    qf_date_parse (expires, &to);
    if (to > from)
        return 0;
    return qf_ctx_error (ctx, QF_EINVAL, field,
                         "the expiry date (%s) must be after the date of issue (%s)", expires,
                         issued);
}

/* Puts a literal: punctuation and keys. */
#define PUT(out, literal) qf_json_put_raw (out, literal, sizeof literal - 1)

/* Puts `"key":` and the value of args.key (NULL: the writer fails, as
   json_pack's "O" does). */
static void
s_put_arg (qf_json_out_t *out, const char *key_colon, json_t *args, const char *key)
{
    qf_json_put_raw (out, key_colon, strlen (key_colon));
    qf_json_put_value (out, json_object_get (args, key));
}

/* A number argument as the record has it: a real, or null when absent. */
static void
s_put_real_arg (qf_json_out_t *out, const char *key_colon, json_t *args, const char *key)
{
    json_t *value = json_object_get (args, key);
    qf_json_put_raw (out, key_colon, strlen (key_colon));
    if (value)
        qf_json_put_real (out, json_number_value (value));
    else
        qf_json_put_raw (out, "null", 4);
}

/* The new qualification's record as JSON text, written without its tree:
   the same bytes as s_new_record's tree encoded (qf_json_encode), in the
   same order. NULL when out of memory. */
static char *
s_new_record_text (qf_ctx_t *ctx, json_t *args, int64_t id, size_t *size_p)
{
    qf_json_out_t out = {0};
    PUT (&out, "{\"id\":");
    qf_json_put_integer (&out, id);
    s_put_arg (&out, ",\"name\":", args, "name");
    s_put_arg (&out, ",\"cert_no\":", args, "cert_no");
    s_put_arg (&out, ",\"authority\":", args, "authority");
    s_put_arg (&out, ",\"category\":", args, "category");
    s_put_arg (&out, ",\"scope\":", args, "scope");
    s_put_arg (&out, ",\"issued\":", args, "issued");
    s_put_arg (&out, ",\"expires\":", args, "expires");
    PUT (&out, ",\"state\":\"draft\",\"round\":0,\"created\":");
    qf_json_put_integer (&out, ctx->now);
    PUT (&out, ",\"updated\":");
    qf_json_put_integer (&out, ctx->now);
    PUT (&out, ",\"created_by\":");
    const char *user = ctx->user ? ctx->user : "";
    qf_json_put_string (&out, user, strlen (user));
    s_put_real_arg (&out, ",\"acquisition_cost\":", args, "acquisition_cost");
    s_put_real_arg (&out, ",\"expected_revenue\":", args, "expected_revenue");
    PUT (&out, ",\"suspended\":false,\"industry\":");
    json_t *industry = json_object_get (args, "industry");
    if (json_is_string (industry))
        qf_json_put_string (&out, json_string_value (industry), json_string_length (industry));
    else
        PUT (&out, "\"\"");
    PUT (&out, "}");
    return qf_json_take (&out, size_p);
}

/* The new qualification's record as qf_store_qual_get() would read it
   back, without the read. */
static json_t *
s_new_record (qf_ctx_t *ctx, json_t *args, int64_t id)
{
    json_t *cost = json_object_get (args, "acquisition_cost");
    json_t *revenue = json_object_get (args, "expected_revenue");
    return json_pack (
        "{s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:i, s:I, s:I, s:s, s:o, s:o, s:b, s:s}",
        "id", (json_int_t)id, "name", json_object_get (args, "name"), "cert_no",
        json_object_get (args, "cert_no"), "authority", json_object_get (args, "authority"),
        "category", json_object_get (args, "category"), "scope", json_object_get (args, "scope"),
        "issued", json_object_get (args, "issued"), "expires", json_object_get (args, "expires"),
        "state", "draft", "round", 0, "created", (json_int_t)ctx->now, "updated",
        (json_int_t)ctx->now, "created_by", ctx->user ? ctx->user : "", "acquisition_cost",
        cost ? json_real (json_number_value (cost)) : json_null (), "expected_revenue",
        revenue ? json_real (json_number_value (revenue)) : json_null (), "suspended", 0,
        "industry",
        json_is_string (json_object_get (args, "industry"))
            ? json_string_value (json_object_get (args, "industry"))
            : "");
}

/* Adds the qualification and raises qualification.created. With record_p,
   the record's tree is built and given; without, the record is written
   as text only (qual.add answers with the event's bytes). */
static int
s_add (qf_ctx_t *ctx, json_t *args, json_t **record_p)
{
    int rc =
        s_dates_in_order (ctx, json_string_value (json_object_get (args, "issued")),
                          json_string_value (json_object_get (args, "expires")), "args.expires");
    if (rc)
        return rc;
    if (!json_object_get (args, "name"))
        json_object_set (args, "name", json_object_get (args, "cert_no"));
    int64_t id = 0;
    rc = qf_store_qual_insert (ctx->store, args, ctx->now, ctx->user, &id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not store the qualification: %s",
                             qf_strerror (rc));
    json_t *record = NULL;
    if (record_p) {
        record = s_new_record (ctx, args, id);
        if (!record)
            return qf_ctx_error (ctx, QF_ENOMEM, NULL, "out of memory");
        rc = qf_ctx_emit (ctx, "qualification.created", "qualification", id,
                          json_incref (record));
    } else {
        size_t size = 0;
        char *text = s_new_record_text (ctx, args, id, &size);
        if (!text)
            return qf_ctx_error (ctx, QF_ENOMEM, NULL, "out of memory");
        rc = qf_ctx_emit_text (ctx, "qualification.created", "qualification", id, text, size);
    }
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    }
    if (record_p)
        *record_p = record;
    return 0;
}

int
qf_qualification_add (qf_ctx_t *ctx, json_t *args, json_t **record_p)
{
    return s_add (ctx, args, record_p);
}

/* qual.add answers with the record, the very bytes of its event. */
static int
s_qual_add (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    int rc = s_add (ctx, args, NULL);
    if (rc)
        return rc;
    size_t size = 0;
    const char *text = qf_store_last_payload (ctx->store, &size);
    ctx->result_text = text ? strndup (text, size) : NULL;
    *result_p = NULL;
    return ctx->result_text ? 0 : qf_ctx_error (ctx, QF_ENOMEM, NULL, "out of memory");
}

/* The tail of a command that changed one qualification: raise `topic`
   with {"qualification": record} plus `extra`, answer the record (the
   new record, as the change returned it; taken, like extra). */
static int
s_qual_changed (qf_ctx_t *ctx, int rc, json_t *record, const char *topic, json_t *extra,
                const char *what, json_t **result_p)
{
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    if (rc == 0) {
        json_t *payload = json_pack ("{s:O}", "qualification", record);
        if (payload && extra)
            json_object_update (payload, extra);
        rc = qf_ctx_emit (ctx, topic, "qualification", id, payload);
    }
    json_decref (extra);
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not %s: %s", what, qf_strerror (rc));
    }
    *result_p = record;
    return 0;
}

int
qf_ctx_request_review (qf_ctx_t *ctx, json_t *record, int round, json_t *extra)
{
    const qf_qualification_config_t *settings = qf_qualification_config (ctx->config);
    json_t *departments = json_array ();
    for (size_t i = 0; departments && i < settings->review_department_count; i++)
        json_array_append_new (departments, json_string (settings->review_departments[i]));
    json_t *payload = json_pack (
        "{s:O, s:i, s:o, s:o}", "qualification", record, "round", round, "departments", departments,
        "active_policies",
        qf_policy_active (ctx, json_string_value (json_object_get (record, "category"))));
    if (payload && extra)
        json_object_update (payload, extra);
    json_decref (extra);
    return qf_ctx_emit (ctx, "qualification.review_requested", "qualification",
                        json_integer_value (json_object_get (record, "id")), payload);
}

/* The qualification's transitions: for each action, the states it may be
   done in, the state it leaves the qualification in (NULL: it stays), and
   what a refusal says is allowed. The one place that says which state
   allows what (§4.2 review, §4.3 renewal and expiry, §7.2 suspension). */
typedef struct {
    const char *action; /* what is done */
    const char *from;   /* the states it may be done in, space-separated */
    const char *to;     /* the state it leaves; NULL: the state stays */
    const char *rule;   /* what is allowed, for the refusal */
} qf_qual_transition_t;

static const qf_qual_transition_t s_transitions[] = {
    {"submit", "draft rectification", "in_review",
     "only a draft or a qualification under rectification can be submitted for review"},
    {"review", "in_review rectification", NULL,
     "reviews are accepted in review and in rectification"},
    {"fail", "in_review", "rectification", "only a qualification in review fails its review"},
    {"approve", "in_review", "approved", "only a qualification in review is approved"},
    {"reject", "draft in_review rectification", "rejected",
     "only one in draft, review or rectification can be rejected"},
    {"rectify", "draft rectification", NULL,
     "only a draft or one under rectification can be corrected"},
    {"renew", "approved expired", "in_review",
     "only an approved or expired qualification can be renewed"},
    {"recheck", "approved", "in_review",
     "only an approved qualification is reviewed again when its suspension is lifted"},
    {"expire", "approved", "expired", "only an approved qualification expires"},
    {"archive", "approved", NULL, "only an approved certificate is archived"},
};

static const qf_qual_transition_t *
s_transition (const char *action)
{
    for (size_t i = 0; i < sizeof s_transitions / sizeof s_transitions[0]; i++)
        if (strcmp (s_transitions[i].action, action) == 0)
            return &s_transitions[i];
    assert (!"no such qualification action in s_transitions");
    return NULL;
}

bool
qf_qual_allows (const char *state, const char *action, const char **to_p)
{
    const qf_qual_transition_t *transition = s_transition (action);
    bool allowed = transition && state && qf_word_in (state, transition->from);
    if (to_p)
        *to_p = allowed ? transition->to : NULL;
    return allowed;
}

int
qf_ctx_load_qual_for (qf_ctx_t *ctx, json_t *args, const char *key, const char *action,
                      json_t **record_p, const char **to_p)
{
    int rc = qf_ctx_load_qual (ctx, args, key, record_p);
    if (rc)
        return rc;
    const char *state = json_string_value (json_object_get (*record_p, "state"));
    if (qf_qual_allows (state, action, to_p))
        return 0;
    const qf_qual_transition_t *transition = s_transition (action);
    char field[64];
    snprintf (field, sizeof field, "args.%s", key);
    rc = qf_ctx_error (ctx, QF_ECONFLICT, field, "qualification %lld is %s; %s",
                       (long long)json_integer_value (json_object_get (*record_p, "id")),
                       state ? state : "unknown", transition ? transition->rule : action);
    json_decref (*record_p);
    *record_p = NULL;
    return rc;
}

int
qf_ctx_load_qual (qf_ctx_t *ctx, json_t *args, const char *key, json_t **record_p)
{
    json_int_t id = json_integer_value (json_object_get (args, key));
    int rc = qf_store_qual_get (ctx->store, id, record_p);
    if (rc == QF_ENOTFOUND) {
        char field[64];
        snprintf (field, sizeof field, "args.%s", key);
        return qf_ctx_error (ctx, rc, field, "no qualification with id %lld", (long long)id);
    }
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read qualification: %s", qf_strerror (rc));
    return 0;
}

/* The first expiry day a sellable qualification may have today: the
   minimum validity ahead, and never today itself, since a certificate
   expires when its expiry day begins (even with a minimum of 0). */
static int32_t
s_sellable_from (const qf_config_t *config, int64_t now)
{
    int days = qf_qualification_config (config)->min_validity_for_sale_days;
    return qf_calendar_today (config, now) + (days > 0 ? days : 1);
}

bool
qf_qualification_sellable (const qf_config_t *config, int64_t now, json_t *record, char *why,
                           size_t size)
{
    char none[8];
    if (!why)
        why = none, size = sizeof none;
    const char *state = json_string_value (json_object_get (record, "state"));
    const char *expires = json_string_value (json_object_get (record, "expires"));
    int32_t day = 0;
    if (!state || strcmp (state, "approved") != 0)
        snprintf (why, size, "it is %s, not approved", state ? state : "in no state");
    else if (json_is_true (json_object_get (record, "suspended")))
        snprintf (why, size, "it is suspended by a policy change (§7.2)");
    else if (!expires || qf_date_parse (expires, &day) || day < s_sellable_from (config, now))
        snprintf (why, size,
                  "its validity ends on %s, less than policy.min_validity_for_sale_days (%d) "
                  "from today",
                  expires ? expires : "no date",
                  qf_qualification_config (config)->min_validity_for_sale_days);
    else
        return true;
    return false;
}

static int
s_qual_get (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL, *reviews = NULL;
    int rc = qf_ctx_load_qual (ctx, args, "id", &record);
    if (rc)
        return rc;
    rc = qf_store_reviews_get (ctx->store, json_integer_value (json_object_get (record, "id")), -1,
                               &reviews);
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not read reviews: %s", qf_strerror (rc));
    }
    json_object_set_new (record, "reviews", reviews);
    json_t *timers = NULL;
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, "qualification",
                json_integer_value (json_object_get (record, "id")));
    if (qf_timers_list (ctx->store, subject, &timers) == 0)
        json_object_set_new (record, "timers", timers);
    json_object_set_new (
        record, "sellable",
        json_boolean (qf_qualification_sellable (ctx->config, ctx->now, record, NULL, 0)));
    *result_p = record;
    return 0;
}

static int
s_qual_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit");
    json_t *expiring = json_object_get (args, "expiring_days");
    json_t *items = NULL;
    int32_t from = INT32_MIN, to = INT32_MIN;
    if (json_is_true (json_object_get (args, "sellable"))) {
        if (expiring || json_object_get (args, "state"))
            return qf_ctx_error (ctx, QF_EINVAL, "args.sellable",
                                 "args.sellable cannot be combined with args.state or "
                                 "args.expiring_days");
        from = s_sellable_from (ctx->config, ctx->now);
    } else if (expiring) {
        /* Today in the policy's time zone, through the expiry index. */
        from = qf_date_from_ms (ctx->now, ctx->config->utc_offset_minutes);
        to = from + (int32_t)json_integer_value (expiring);
    }
    int rc = qf_store_qual_list_expiring (
        ctx->store, json_string_value (json_object_get (args, "state")),
        json_integer_value (json_object_get (args, "after_id")),
        limit ? (int)json_integer_value (limit) : 100, from, to, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list qualifications: %s", qf_strerror (rc));
    size_t n = json_array_size (items);
    json_int_t next =
        n ? json_integer_value (json_object_get (json_array_get (items, n - 1), "id")) : 0;
    *result_p = json_pack ("{s:o, s:I}", "items", items, "next_after_id", next);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_qual_submit (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    const char *to = NULL;
    int rc = qf_ctx_load_qual_for (ctx, args, "id", "submit", &record, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int round = (int)json_integer_value (json_object_get (record, "round")) + 1;
    json_decref (record);
    record = NULL;
    rc = qf_store_qual_move (ctx->store, id, to, round, ctx->now, &record);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not update qualification: %s", qf_strerror (rc));
    rc = qf_ctx_request_review (ctx, record, round, NULL);
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    }
    *result_p = record;
    return 0;
}

int
qf_qualification_submit (qf_ctx_t *ctx, int64_t id, json_t **record_p)
{
    json_t *args = json_pack ("{s:I}", "id", (json_int_t)id);
    int rc = args ? s_qual_submit (ctx, args, record_p) : QF_ENOMEM;
    json_decref (args);
    return rc;
}

/* After a final verdict: any final fail sends the qualification to
   rectification; all departments' final passes approve it (§4.2), which
   starts its expiry reminders (§4.3) and may lift a suspension (§7.2).
   Takes ownership of record; *complete_p says every department has a
   final verdict. */
static int
s_review_outcome (qf_ctx_t *ctx, json_t *record, int round, const char *department,
                  json_t *findings, const char *suggestions, json_t **result_p)
{
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    const char *state = json_string_value (json_object_get (record, "state"));
    json_t *reviews = NULL;
    int rc = qf_store_reviews_get (ctx->store, id, round, &reviews);
    size_t passed = 0, failed = 0, final = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (reviews); i++) {
        json_t *review = json_array_get (reviews, i);
        if (strcmp (json_string_value (json_object_get (review, "status")), "final") != 0)
            continue;
        final++;
        if (strcmp (json_string_value (json_object_get (review, "verdict")), "pass") == 0)
            passed++;
        else
            failed++;
    }
    json_decref (reviews);
    const char *next_state = NULL, *topic = NULL;
    bool fail_now = failed > 0 && qf_qual_allows (state, "fail", &next_state);
    if (fail_now) {
        topic = "qualification.review_failed";
    } else if (passed == qf_qualification_config (ctx->config)->review_department_count &&
               qf_qual_allows (state, "approve", &next_state)) {
        topic = "qualification.approved";
        int32_t expires = 0;
        qf_date_parse (json_string_value (json_object_get (record, "expires")), &expires);
        if (rc == 0)
            rc = qf_renewal_schedule (ctx->store, ctx->config, id, expires, ctx->now);
        if (rc == 0)
            rc = qf_store_renewal_close (ctx->store, id, ctx->now);
        if (rc == 0)
            rc = qf_policy_approved (ctx, record, round);
    }
    if (rc == 0 && next_state) {
        json_decref (record);
        record = NULL;
        rc = qf_store_qual_move (ctx->store, id, next_state, round, ctx->now, &record);
        if (rc == 0) {
            json_t *payload = json_pack ("{s:O, s:i}", "qualification", record, "round", round);
            if (fail_now) {
                json_object_set_new (payload, "department", json_string (department));
                json_object_set (payload, "findings", findings ? findings : json_array ());
                json_object_set_new (payload, "suggestions",
                                     json_string (suggestions ? suggestions : ""));
            }
            rc = qf_ctx_emit (ctx, topic, "qualification", id, payload);
        }
    }
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not complete the review: %s", qf_strerror (rc));
    }
    *result_p = json_pack ("{s:o, s:b}", "qualification", record, "complete",
                           final == qf_qualification_config (ctx->config)->review_department_count);
    return *result_p ? 0 : QF_ENOMEM;
}

/* Loads the qualification of a review and checks the round is open. */
static int
s_review_target (qf_ctx_t *ctx, json_t *args, const char *department, int round, json_t **record_p)
{
    /* A department speaks for itself: its people, and its worker's
       results, which run in its group's role. */
    if (strcmp (ctx->role, department) != 0)
        return qf_ctx_error (ctx, QF_EFORBIDDEN, "args.department",
                             "role %s may not review for department %s; only role %s may",
                             ctx->role, department, department);
    int rc = qf_ctx_load_qual (ctx, args, "qualification_id", record_p);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (*record_p, "id"));
    const char *state = json_string_value (json_object_get (*record_p, "state"));
    int current = (int)json_integer_value (json_object_get (*record_p, "round"));
    /* Reviews are independent: a report for the current round is recorded
       even after another department has already failed it. */
    if (round != current || !qf_qual_allows (state, "review", NULL)) {
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.round",
                           "qualification %lld is %s in review round %d; a review for round %d "
                           "is not accepted",
                           (long long)id, state, current, round);
        json_decref (*record_p);
        *record_p = NULL;
    }
    return rc;
}

static int
s_review_report (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *department = json_string_value (json_object_get (args, "department"));
    const char *verdict = json_string_value (json_object_get (args, "verdict"));
    int round = (int)json_integer_value (json_object_get (args, "round"));
    json_t *record = NULL;
    int rc = s_review_target (ctx, args, department, round, &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    json_t *findings = json_object_get (args, "findings");
    if (!findings) {
        findings = json_array ();
        json_object_set_new (args, "findings", findings);
    }
    const char *suggestions = json_string_value (json_object_get (args, "suggestions"));
    /* §4.2: configured departments' worker verdicts wait for a person. */
    const qf_qualification_config_t *settings = qf_qualification_config (ctx->config);
    bool proposed = ctx->from_worker && qf_name_in (settings->review_confirm,
                                                    settings->review_confirm_count, department);
    rc = qf_store_review_put (ctx->store, id, round, department, verdict, findings, suggestions,
                              ctx->user, ctx->now, proposed);
    if (rc == QF_ECONFLICT) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, "args.department",
                             "department %s has already reported on qualification %lld round %d",
                             department, (long long)id, round);
    }
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not record the review: %s", qf_strerror (rc));
    }
    json_t *reviewed = json_pack (
        "{s:I, s:i, s:s, s:s, s:O, s:s, s:s}", "qualification_id", id, "round", round, "department",
        department, "verdict", verdict, "findings", findings, "suggestions",
        suggestions ? suggestions : "", "status", proposed ? "proposed" : "final");
    rc = qf_ctx_emit (ctx, proposed ? "qualification.review_proposed" : "qualification.reviewed",
                      "qualification", id, reviewed);
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    }
    return s_review_outcome (ctx, record, round, department, findings, suggestions, result_p);
}

/* A person confirms (or overrides) a proposed verdict (§4.2). */
static int
s_review_decide (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *department = json_string_value (json_object_get (args, "department"));
    const char *verdict = json_string_value (json_object_get (args, "verdict"));
    const char *note = json_string_value (json_object_get (args, "note"));
    int round = (int)json_integer_value (json_object_get (args, "round"));
    json_t *record = NULL;
    int rc = s_review_target (ctx, args, department, round, &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    rc = qf_store_review_decide (ctx->store, id, round, department, verdict, note, ctx->user);
    if (rc == QF_ENOTFOUND) {
        json_decref (record);
        return qf_ctx_error (ctx, QF_ECONFLICT, "args.department",
                             "no verdict of %s awaits a decision for qualification %lld round %d",
                             department, (long long)id, round);
    }
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "qualification.reviewed", "qualification", id,
                          json_pack ("{s:I, s:i, s:s, s:s, s:s, s:s}", "qualification_id", id,
                                     "round", round, "department", department, "verdict", verdict,
                                     "note", note ? note : "", "decided_by",
                                     ctx->user ? ctx->user : ""));
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not record the decision: %s", qf_strerror (rc));
    }
    json_t *findings = json_pack ("[s]", note ? note : "decided by a person");
    rc = s_review_outcome (ctx, record, round, department, findings, note, result_p);
    json_decref (findings);
    return rc;
}

/* The review report of the latest round: refused until every department
   has a final verdict. */
static int
s_qual_report (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = qf_ctx_load_qual (ctx, args, "id", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int round = (int)json_integer_value (json_object_get (record, "round"));
    json_t *reviews = NULL;
    rc = round > 0 ? qf_store_reviews_get (ctx->store, id, round, &reviews) : QF_ENOTFOUND;
    size_t final = 0, failed = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (reviews); i++) {
        json_t *review = json_array_get (reviews, i);
        if (strcmp (json_string_value (json_object_get (review, "status")), "final") == 0) {
            final++;
            failed += strcmp (json_string_value (json_object_get (review, "verdict")), "fail") == 0;
        }
    }
    if (rc == 0 && final < qf_qualification_config (ctx->config)->review_department_count)
        rc = QF_ECONFLICT;
    if (rc) {
        json_decref (reviews);
        json_decref (record);
        return qf_ctx_error (ctx, rc == QF_ENOTFOUND ? QF_ECONFLICT : rc, "args.id",
                             "qualification %lld has no complete review yet: %zu of %zu "
                             "departments have a final verdict in round %d",
                             (long long)id, final,
                             qf_qualification_config (ctx->config)->review_department_count, round);
    }
    const char *outcome = failed ? "rectification or rejection" : "approved";
    *result_p = json_pack ("{s:o, s:i, s:o, s:s}", "qualification", record, "round", round,
                           "reviews", reviews, "outcome", outcome);
    return *result_p ? 0 : QF_ENOMEM;
}

/* Management rejects a qualification that failed its review (§4.2). */
static int
s_qual_reject (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    const char *to = NULL;
    int rc = qf_ctx_load_qual_for (ctx, args, "id", "reject", &record, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int round = (int)json_integer_value (json_object_get (record, "round"));
    json_decref (record);
    record = NULL;
    rc = qf_store_qual_move (ctx->store, id, to, round, ctx->now, &record);
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    if (rc == 0)
        rc = qf_timers_cancel (ctx->store,
                               qf_subject (subject, sizeof subject, "qualification", id), NULL);
    return s_qual_changed (ctx, rc, record, "qualification.rejected",
                           json_pack ("{s:O}", "reason", json_object_get (args, "reason")),
                           "reject", result_p);
}

/* Rectification (§4.2): correct what a failed review found, then resubmit. */
static int
s_qual_rectify (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = qf_ctx_load_qual_for (ctx, args, "id", "rectify", &record, NULL);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    /* The dates as they will be: a correction of one must still fit the other. */
    const char *issued = json_string_value (json_object_get (args, "issued"));
    const char *expires = json_string_value (json_object_get (args, "expires"));
    if (json_object_size (args) < 2)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args",
                           "qual.rectify needs at least one field to correct");
    else
        rc = s_dates_in_order (
            ctx, issued ? issued : json_string_value (json_object_get (record, "issued")),
            expires ? expires : json_string_value (json_object_get (record, "expires")),
            expires ? "args.expires" : "args.issued");
    json_decref (record);
    if (rc)
        return rc;
    record = NULL;
    rc = qf_store_qual_rectify (ctx->store, id, args, ctx->now, &record);
    return s_qual_changed (ctx, rc, record, "qualification.rectified", NULL, "correct", result_p);
}

/* Commands ------------------------------------------------------------------ */

/* The handlers of the commands described in qualification_spec.c. */
// clang-format off
const qf_handler_t qf_qualification_handlers[] = {
    {"qual.add", s_qual_add},
    {"qual.get", s_qual_get},
    {"qual.list", s_qual_list},
    {"qual.submit", s_qual_submit},
    {"review.report", s_review_report},
    {"review.decide", s_review_decide},
    {"qual.report", s_qual_report},
    {"qual.reject", s_qual_reject},
    {"qual.rectify", s_qual_rectify},
    {NULL},
};
// clang-format on
