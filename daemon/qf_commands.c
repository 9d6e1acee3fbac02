/*  qf_commands — the command table and the handlers. */
#include "qf_commands.h"
#include "qf.h"
#include "qf_command.h"
#include "qf_calendar.h"
#include "qf_delivery.h"
#include "qf_role.h"
#include "qf_store_custody.h"
#include "qf_policy.h"
#include "qf_timers.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The length of text cut to at most max bytes without splitting a UTF-8
   character: replies carry messages as JSON strings, which must stay valid. */
static int
s_utf8_cut (const char *text, size_t max)
{
    if (strlen (text) <= max)
        return (int)strlen (text);
    while (max > 0 && ((unsigned char)text[max] & 0xc0) == 0x80)
        max--;
    return (int)max;
}

int
qf_ctx_error (qf_ctx_t *ctx, int rc, const char *field, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int length = vsnprintf (ctx->error, sizeof ctx->error, format, args);
    va_end (args);
    if (length >= (int)sizeof ctx->error) {
        /* A message cut to fit: drop its last character if it was cut in two. */
        size_t end = sizeof ctx->error - 1, lead = end;
        while (lead > 0 && ((unsigned char)ctx->error[lead - 1] & 0xc0) == 0x80)
            lead--;
        unsigned char c = lead > 0 ? (unsigned char)ctx->error[lead - 1] : 0;
        size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (lead > 0 && lead - 1 + need > end)
            ctx->error[lead - 1] = '\0';
    }
    snprintf (ctx->field, sizeof ctx->field, "%s", field ? field : "");
    return rc;
}

bool
qf_word_in (const char *word, const char *list)
{
    size_t len = strlen (word);
    for (const char *p = list; *p;) {
        const char *end = strchr (p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen (p);
        if (n == len && strncmp (p, word, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

/* Handlers ------------------------------------------------------------------ */

static int
s_ping (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    (void)args;
    *result_p = json_pack ("{s:b, s:I}", "pong", 1, "time", (json_int_t)ctx->now);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_status (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    (void)args;
    *result_p = ctx->status_fn ? ctx->status_fn (ctx->status_arg) : json_object ();
    return *result_p ? 0 : QF_ENOMEM;
}

/* Sets a qualification's record as the result, encoded once: the bytes of
   the event just appended, which carries the same record. */
static int
s_result_is_last_payload (qf_ctx_t *ctx, json_t *record, json_t **result_p)
{
    size_t size = 0;
    const char *text = qf_store_last_payload (ctx->store, &size);
    ctx->result_text = text ? strndup (text, size) : NULL;
    if (!ctx->result_text) {
        *result_p = record;
        return 0;
    }
    json_decref (record);
    *result_p = NULL;
    return 0;
}

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

static int
s_qual_add (qf_ctx_t *ctx, json_t *args, json_t **result_p)
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
    /* The record as qf_store_qual_get() would read it back, without the read. */
    json_t *cost = json_object_get (args, "acquisition_cost");
    json_t *revenue = json_object_get (args, "expected_revenue");
    json_t *record = json_pack (
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
    if (!record)
        return qf_ctx_error (ctx, QF_ENOMEM, NULL, "out of memory");
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", (long long)id);
    rc = qf_store_event_append (ctx->store, "qualification.created", subject, record, ctx->now,
                                NULL);
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    }
    return s_result_is_last_payload (ctx, record, result_p);
}

int
qf_ctx_emit (qf_ctx_t *ctx, const char *topic, const char *kind, int64_t id, json_t *payload)
{
    char subject[QF_SUBJECT_MAX + 1];
    snprintf (subject, sizeof subject, "%s/%lld", kind, (long long)id);
    int rc = payload ? qf_store_event_append (ctx->store, topic, subject, payload, ctx->now, NULL)
                     : QF_ENOMEM;
    json_decref (payload);
    return rc;
}

/* The tail of a command that changed one qualification: read it back,
   raise `topic` with {"qualification": record} plus `extra`, answer the
   record. */
static int
s_qual_changed (qf_ctx_t *ctx, int rc, json_int_t id, const char *topic, json_t *extra,
                const char *what, json_t **result_p)
{
    json_t *record = NULL;
    if (rc == 0)
        rc = qf_store_qual_get (ctx->store, id, &record);
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
    json_t *departments = json_array ();
    for (size_t i = 0; departments && i < ctx->config->review_department_count; i++)
        json_array_append_new (departments, json_string (ctx->config->review_departments[i]));
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

int
qf_ctx_load_qual_in (qf_ctx_t *ctx, json_t *args, const char *key, const char *states,
                     const char *rule, json_t **record_p)
{
    int rc = qf_ctx_load_qual (ctx, args, key, record_p);
    if (rc)
        return rc;
    const char *state = json_string_value (json_object_get (*record_p, "state"));
    if (state && qf_word_in (state, states))
        return 0;
    char field[64];
    snprintf (field, sizeof field, "args.%s", key);
    rc = qf_ctx_error (ctx, QF_ECONFLICT, field, "qualification %lld is %s; %s",
                       (long long)json_integer_value (json_object_get (*record_p, "id")),
                       state ? state : "unknown", rule);
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
s_sellable_from (qf_ctx_t *ctx)
{
    int days = ctx->config->min_validity_for_sale_days;
    return qf_calendar_today (ctx->config, ctx->now) + (days > 0 ? days : 1);
}

/* §3.1: approved, in validity with the minimum left, not suspended. */
static bool
s_sellable (qf_ctx_t *ctx, json_t *record)
{
    int32_t expires = 0;
    if (qf_date_parse (json_string_value (json_object_get (record, "expires")), &expires))
        return false;
    return strcmp (json_string_value (json_object_get (record, "state")), "approved") == 0 &&
           !json_is_true (json_object_get (record, "suspended")) &&
           expires >= s_sellable_from (ctx);
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
    if (qf_store_timers_json (ctx->store, json_integer_value (json_object_get (record, "id")),
                              &timers) == 0)
        json_object_set_new (record, "timers", timers);
    json_object_set_new (record, "sellable", json_boolean (s_sellable (ctx, record)));
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
        from = s_sellable_from (ctx);
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
    int rc = qf_ctx_load_qual (ctx, args, "id", &record);
    if (rc)
        return rc;
    const char *state = json_string_value (json_object_get (record, "state"));
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    if (strcmp (state, "draft") != 0 && strcmp (state, "rectification") != 0) {
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                           "qualification %lld is %s; only a draft or a qualification under "
                           "rectification can be submitted for review",
                           (long long)id, state);
        json_decref (record);
        return rc;
    }
    int round = (int)json_integer_value (json_object_get (record, "round")) + 1;
    rc = qf_store_qual_set_state (ctx->store, id, "in_review", round, ctx->now);
    json_decref (record);
    if (rc == 0)
        rc = qf_store_qual_get (ctx->store, id, &record);
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

static bool
s_in_list (char *const *list, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp (list[i], name) == 0)
            return true;
    return false;
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
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", (long long)id);
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
    bool fail_now = failed > 0 && strcmp (state, "in_review") == 0;
    if (fail_now) {
        next_state = "rectification";
        topic = "qualification.review_failed";
    } else if (strcmp (state, "in_review") == 0 && passed == ctx->config->review_department_count) {
        next_state = "approved";
        topic = "qualification.approved";
        int32_t expires = 0;
        qf_date_parse (json_string_value (json_object_get (record, "expires")), &expires);
        if (rc == 0)
            rc = qf_timers_schedule (ctx->store, ctx->config, id, expires, ctx->now);
        if (rc == 0)
            rc = qf_store_renewal_close (ctx->store, id, ctx->now);
        if (rc == 0)
            rc = qf_policy_approved (ctx, record, round);
    }
    if (rc == 0 && next_state) {
        rc = qf_store_qual_set_state (ctx->store, id, next_state, round, ctx->now);
        json_decref (record);
        record = NULL;
        if (rc == 0)
            rc = qf_store_qual_get (ctx->store, id, &record);
        if (rc == 0) {
            json_t *payload = json_pack ("{s:O, s:i}", "qualification", record, "round", round);
            if (fail_now) {
                json_object_set_new (payload, "department", json_string (department));
                json_object_set (payload, "findings", findings ? findings : json_array ());
                json_object_set_new (payload, "suggestions",
                                     json_string (suggestions ? suggestions : ""));
            }
            rc = qf_store_event_append (ctx->store, topic, subject, payload, ctx->now, NULL);
            json_decref (payload);
        }
    }
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not complete the review: %s", qf_strerror (rc));
    }
    *result_p = json_pack ("{s:o, s:b}", "qualification", record, "complete",
                           final == ctx->config->review_department_count);
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
    if (round != current ||
        (strcmp (state, "in_review") != 0 && strcmp (state, "rectification") != 0)) {
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
    bool proposed = ctx->from_worker && s_in_list (ctx->config->review_confirm,
                                                   ctx->config->review_confirm_count, department);
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
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", (long long)id);
    json_t *reviewed = json_pack (
        "{s:I, s:i, s:s, s:s, s:O, s:s, s:s}", "qualification_id", id, "round", round, "department",
        department, "verdict", verdict, "findings", findings, "suggestions",
        suggestions ? suggestions : "", "status", proposed ? "proposed" : "final");
    rc = qf_store_event_append (
        ctx->store, proposed ? "qualification.review_proposed" : "qualification.reviewed", subject,
        reviewed, ctx->now, NULL);
    json_decref (reviewed);
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
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", (long long)id);
    json_t *payload = json_pack ("{s:I, s:i, s:s, s:s, s:s, s:s}", "qualification_id", id, "round",
                                 round, "department", department, "verdict", verdict, "note",
                                 note ? note : "", "decided_by", ctx->user ? ctx->user : "");
    if (rc == 0)
        rc = qf_store_event_append (ctx->store, "qualification.reviewed", subject, payload,
                                    ctx->now, NULL);
    json_decref (payload);
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
    if (rc == 0 && final < ctx->config->review_department_count)
        rc = QF_ECONFLICT;
    if (rc) {
        json_decref (reviews);
        json_decref (record);
        return qf_ctx_error (ctx, rc == QF_ENOTFOUND ? QF_ECONFLICT : rc, "args.id",
                             "qualification %lld has no complete review yet: %zu of %zu "
                             "departments have a final verdict in round %d",
                             (long long)id, final, ctx->config->review_department_count, round);
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
    int rc =
        qf_ctx_load_qual_in (ctx, args, "id", "draft in_review rectification",
                             "only one in draft, review or rectification can be rejected", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int round = (int)json_integer_value (json_object_get (record, "round"));
    json_decref (record);
    rc = qf_store_qual_set_state (ctx->store, id, "rejected", round, ctx->now);
    if (rc == 0)
        rc = qf_store_timers_cancel (ctx->store, id);
    return s_qual_changed (ctx, rc, id, "qualification.rejected",
                           json_pack ("{s:O}", "reason", json_object_get (args, "reason")),
                           "reject", result_p);
}

static int
s_events_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit");
    json_t *events = NULL;
    int rc = qf_store_events_json (ctx->store, json_integer_value (json_object_get (args, "after")),
                                   limit ? (int)json_integer_value (limit) : 100,
                                   json_string_value (json_object_get (args, "topic")), &events);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the event log: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:I}", "events", events, "last_seq",
                           (json_int_t)qf_store_last_seq (ctx->store));
    return *result_p ? 0 : QF_ENOMEM;
}

/* Rectification (§4.2): correct what a failed review found, then resubmit. */
static int
s_qual_rectify (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc =
        qf_ctx_load_qual_in (ctx, args, "id", "draft rectification",
                             "only a draft or one under rectification can be corrected", &record);
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
    rc = qf_store_qual_rectify (ctx->store, id, args, ctx->now);
    return s_qual_changed (ctx, rc, id, "qualification.rectified", NULL, "correct", result_p);
}

/* Renewal (§4.3) ------------------------------------------------------------ */

/* A renewed qualification must comply again: new expiry, review again. */
static int
s_qual_renew (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc =
        qf_ctx_load_qual_in (ctx, args, "id", "approved expired",
                             "only an approved or expired qualification can be renewed", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int32_t old_expires = 0, new_expires = 0;
    qf_date_parse (json_string_value (json_object_get (record, "expires")), &old_expires);
    qf_date_parse (json_string_value (json_object_get (args, "expires")), &new_expires);
    if (new_expires <= old_expires)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.expires",
                           "the renewed expiry date must be after the current one (%s)",
                           json_string_value (json_object_get (record, "expires")));
    int round = (int)json_integer_value (json_object_get (record, "round")) + 1;
    json_t *previous = json_incref (json_object_get (record, "expires"));
    json_decref (record);
    record = NULL;
    if (rc == 0)
        rc = qf_store_qual_set_expires (ctx->store, id, new_expires, ctx->now);
    if (rc == 0)
        rc = qf_store_timers_cancel (ctx->store, id);
    if (rc == 0)
        rc = qf_store_qual_set_state (ctx->store, id, "in_review", round, ctx->now);
    if (rc == 0)
        rc = qf_store_qual_get (ctx->store, id, &record);
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", (long long)id);
    if (rc == 0) {
        json_t *payload =
            json_pack ("{s:O, s:O}", "qualification", record, "previous_expires", previous);
        rc = qf_store_event_append (ctx->store, "qualification.renewal_requested", subject, payload,
                                    ctx->now, NULL);
        json_decref (payload);
    }
    if (rc == 0)
        rc = qf_ctx_request_review (ctx, record, round, json_pack ("{s:b}", "renewal", 1));
    json_decref (previous);
    if (rc) {
        json_decref (record);
        if (!ctx->error[0])
            qf_ctx_error (ctx, rc, NULL, "could not renew: %s", qf_strerror (rc));
        return rc;
    }
    *result_p = record;
    return 0;
}

/* The renewal worker's report of a reminder: open the case, raise its
   urgency, and tell the custodian and management (and sales when expired). */
static int
s_renewal_remind (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = qf_ctx_load_qual (ctx, args, "qualification_id", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int lead = (int)json_integer_value (json_object_get (args, "lead_days"));
    int32_t expires = 0;
    qf_date_parse (json_string_value (json_object_get (record, "expires")), &expires);
    int days_left = expires - qf_calendar_today (ctx->config, ctx->now);
    const char *urgency = days_left <= 0    ? "critical"
                          : days_left <= 7  ? "urgent"
                          : days_left <= 30 ? "high"
                                            : "normal";
    rc = qf_store_renewal_put (ctx->store, id, expires, ctx->now, urgency, lead);
    /* The named custodian of the archive record (§4.3), when there is one. */
    json_t *archive = NULL, *custodian = NULL;
    if (rc == 0 && qf_store_archive_get (ctx->store, id, &archive) == 0)
        custodian = json_object_get (archive, "custodian");
    json_t *recipients = json_pack ("[s, s]", "custodian", "management");
    if (json_is_string (custodian))
        json_array_append (recipients, custodian);
    json_decref (archive);
    if (days_left <= 0)
        json_array_append_new (recipients, json_string ("sales"));
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", (long long)id);
    json_t *payload =
        json_pack ("{s:o, s:s, s:i, s:i, s:o}", "qualification", record, "urgency", urgency,
                   "lead_days", lead, "days_left", days_left, "recipients", recipients);
    if (rc == 0)
        rc = payload ? qf_store_event_append (ctx->store, "renewal.reminder", subject, payload,
                                              ctx->now, NULL)
                     : QF_ENOMEM;
    json_decref (payload);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the reminder: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:I, s:s, s:i}", "qualification_id", id, "urgency", urgency,
                           "days_left", days_left);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_renewal_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int rc =
        qf_store_renewals_json (ctx->store, json_string_value (json_object_get (args, "state")),
                                limit ? (int)json_integer_value (limit) : 100, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read renewal cases: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o}", "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

/* Consumer groups and dead letters ------------------------------------------ */

/* Fails with 404 unless the group named by args.group exists. */
static int
s_need_group (qf_ctx_t *ctx, json_t *args, const char **name_p)
{
    *name_p = json_string_value (json_object_get (args, "group"));
    if (!qf_delivery_has_group (ctx->delivery, *name_p))
        return qf_ctx_error (ctx, QF_ENOTFOUND, "args.group",
                             "no consumer group %s; see 'qualflow groups'", *name_p);
    return 0;
}

static int
s_groups_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    (void)args;
    *result_p = json_pack ("{s:o, s:I}", "groups", qf_delivery_groups (ctx->delivery), "last_seq",
                           (json_int_t)qf_store_last_seq (ctx->store));
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_groups_seek (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    json_t *seq_j = json_object_get (args, "seq"), *time_j = json_object_get (args, "time");
    if ((seq_j != NULL) == (time_j != NULL))
        return qf_ctx_error (ctx, QF_EINVAL, "args.seq",
                             "groups.seek needs exactly one of args.seq and args.time");
    uint64_t seq = (uint64_t)json_integer_value (seq_j);
    if (time_j) {
        rc = qf_store_event_seq_at (ctx->store, json_integer_value (time_j), &seq);
        if (rc)
            return qf_ctx_error (ctx, rc, NULL, "could not search the log by time");
    }
    /* Past the end, the group would silently skip the events still to come. */
    uint64_t end = qf_store_last_seq (ctx->store) + 1;
    if (seq > end)
        return qf_ctx_error (ctx, QF_EINVAL, "args.seq",
                             "args.seq %llu is beyond the end of the log (last seq %llu); use at "
                             "most %llu, which skips every event so far",
                             (unsigned long long)seq, (unsigned long long)(end - 1),
                             (unsigned long long)end);
    rc = qf_delivery_seek (ctx->delivery, name, seq);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not move group %s: %s", name, qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:I}", "group", name, "next_seq", (json_int_t)seq);
    return *result_p ? 0 : QF_ENOMEM;
}

/* Deletes a group that HELLO created (delivery.hello_groups_max counts
   them), with everything recorded for it. */
static int
s_groups_delete (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    int64_t dead = 0;
    int members = 0;
    rc = qf_store_dlq_count (ctx->store, name, &dead);
    if (rc == 0)
        rc = qf_delivery_delete (ctx->delivery, name, &members);
    if (rc == QF_ECONFLICT)
        return qf_ctx_error (ctx, rc, "args.group",
                             "group %s is declared in the configuration (groups:); remove it "
                             "there and restart qualflowd, then delete it",
                             name);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not delete group %s: %s", name,
                             qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:I, s:i}", "group", name, "dead_letters", (json_int_t)dead,
                           "workers", members);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_dlq_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    rc = qf_store_dlq_list (ctx->store, name, json_integer_value (json_object_get (args, "after")),
                            limit ? (int)json_integer_value (limit) : 100, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read dead letters: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:o}", "group", name, "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_event_into (const qf_event_t *event, void *arg)
{
    json_t *item = arg;
    json_t *payload = json_loadb (event->payload, event->payload_size, 0, NULL);
    json_object_set_new (item, "event",
                         json_pack ("{s:I, s:s, s:I, s:s, s:s, s:o}", "seq", (json_int_t)event->seq,
                                    "id", event->id, "time", (json_int_t)event->time, "topic",
                                    event->topic, "subject", event->subject, "payload",
                                    payload ? payload : json_object ()));
    return 1;
}

static int
s_dlq_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    uint64_t seq = (uint64_t)json_integer_value (json_object_get (args, "seq"));
    json_t *item = NULL;
    rc = qf_store_dlq_get (ctx->store, name, seq, &item);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.seq", "group %s has no dead letter %llu", name,
                             (unsigned long long)seq);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the dead letter: %s", qf_strerror (rc));
    qf_store_event_get (ctx->store, seq, s_event_into, item);
    *result_p = item;
    return 0;
}

static int
s_dlq_change (qf_ctx_t *ctx, json_t *args, json_t **result_p, bool retry)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    uint64_t seq = (uint64_t)json_integer_value (json_object_get (args, "seq"));
    rc = retry ? qf_delivery_dlq_retry (ctx->delivery, name, seq)
               : qf_store_dlq_delete (ctx->store, name, seq);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.seq", "group %s has no dead letter %llu", name,
                             (unsigned long long)seq);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not change the dead letter: %s",
                             qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:I, s:s}", "group", name, "seq", (json_int_t)seq, "done",
                           retry ? "sent back for delivery" : "dropped");
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_dlq_retry (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_dlq_change (ctx, args, result_p, true);
}

static int
s_dlq_drop (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_dlq_change (ctx, args, result_p, false);
}

/* The table --------------------------------------------------------------- */

static const qf_command_t s_commands[] = {
    {"ping", "*", false, s_ping, {{NULL}}},
    {"status", "*", false, s_status, {{NULL}}},
    {"qual.add",
     "review",
     true,
     s_qual_add,
     {{"cert_no", A_TEXT, true, 1, 128},
      {"authority", A_AUTHORITY, true, 1, 256},
      {"category", A_CATEGORY, true, 1, 64},
      {"scope", A_TEXT, true, 1, TEXT_MAX},
      {"issued", A_DATE, true},
      {"expires", A_DATE, true},
      {"name", A_TEXT, false, 1, 256},
      {"acquisition_cost", A_NUMBER, false},
      {"expected_revenue", A_NUMBER, false},
      {"industry", A_TEXT, false, 1, 128},
      {NULL}}},
    {"qual.get", "*", false, s_qual_get, {{"id", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {"qual.list",
     "*",
     false,
     s_qual_list,
     {{"state", A_ENUM, false, 0, 0, "draft in_review rectification approved rejected expired"},
      {"after_id", A_INT, false, 0, INT64_MAX},
      {"limit", A_INT, false, 1, 1000},
      {"expiring_days", A_INT, false, 0, 3650},
      {"sellable", A_BOOL, false},
      {NULL}}},
    {"qual.submit", "review", true, s_qual_submit, {{"id", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {"review.report",
     "legal finance technical",
     true,
     s_review_report,
     {{"qualification_id", A_INT, true, 1, INT64_MAX},
      {"round", A_INT, true, 1, 1000000},
      {"department", A_DEPARTMENT, true, 1, 64},
      {"verdict", A_ENUM, true, 0, 0, "pass fail"},
      {"findings", A_TEXT_LIST, false, 0, 100},
      {"suggestions", A_TEXT, false, 0, TEXT_MAX},
      {NULL}}},
    {"review.decide",
     "legal finance technical",
     true,
     s_review_decide,
     {{"qualification_id", A_INT, true, 1, INT64_MAX},
      {"round", A_INT, true, 1, 1000000},
      {"department", A_DEPARTMENT, true, 1, 64},
      {"verdict", A_ENUM, true, 0, 0, "pass fail"},
      {"note", A_TEXT, false, 0, TEXT_MAX},
      {NULL}}},
    {"qual.report", "*", false, s_qual_report, {{"id", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {"qual.reject",
     "management",
     true,
     s_qual_reject,
     {{"id", A_INT, true, 1, INT64_MAX}, {"reason", A_TEXT, true, 1, TEXT_MAX}, {NULL}}},
    {"qual.rectify",
     "review",
     true,
     s_qual_rectify,
     {{"id", A_INT, true, 1, INT64_MAX},
      {"name", A_TEXT, false, 1, 256},
      {"cert_no", A_TEXT, false, 1, 128},
      {"authority", A_AUTHORITY, false, 1, 256},
      {"category", A_CATEGORY, false, 1, 64},
      {"scope", A_TEXT, false, 1, TEXT_MAX},
      {"issued", A_DATE, false},
      {"expires", A_DATE, false},
      {"acquisition_cost", A_NUMBER, false},
      {"expected_revenue", A_NUMBER, false},
      {"industry", A_TEXT, false, 1, 128},
      {NULL}}},
    {"qual.renew",
     "review",
     true,
     s_qual_renew,
     {{"id", A_INT, true, 1, INT64_MAX}, {"expires", A_DATE, true}, {NULL}}},
    {"renewal.remind",
     "renewal",
     true,
     s_renewal_remind,
     {{"qualification_id", A_INT, true, 1, INT64_MAX},
      {"lead_days", A_INT, true, 0, 3650},
      {NULL}}},
    {"renewal.list",
     "*",
     false,
     s_renewal_list,
     {{"state", A_ENUM, false, 0, 0, "open closed"}, {"limit", A_INT, false, 1, 1000}, {NULL}}},
    {"groups.list", "*", false, s_groups_list, {{NULL}}},
    {"groups.seek",
     "admin",
     true,
     s_groups_seek,
     {{"group", A_TOKEN, true, 1, QF_NAME_MAX},
      {"seq", A_INT, false, 1, INT64_MAX},
      {"time", A_INT, false, 0, INT64_MAX},
      {NULL}}},
    {"groups.delete",
     "admin",
     true,
     s_groups_delete,
     {{"group", A_TOKEN, true, 1, QF_NAME_MAX}, {NULL}}},
    {"dlq.list",
     "*",
     false,
     s_dlq_list,
     {{"group", A_TOKEN, true, 1, QF_NAME_MAX},
      {"after", A_INT, false, 0, INT64_MAX},
      {"limit", A_INT, false, 1, 1000},
      {NULL}}},
    {"dlq.show",
     "*",
     false,
     s_dlq_show,
     {{"group", A_TOKEN, true, 1, QF_NAME_MAX}, {"seq", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {"dlq.retry",
     "admin",
     true,
     s_dlq_retry,
     {{"group", A_TOKEN, true, 1, QF_NAME_MAX}, {"seq", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {"dlq.drop",
     "admin",
     true,
     s_dlq_drop,
     {{"group", A_TOKEN, true, 1, QF_NAME_MAX}, {"seq", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {"events.list",
     "*",
     false,
     s_events_list,
     {{"after", A_INT, false, 0, INT64_MAX},
      {"limit", A_INT, false, 1, 1000},
      {"topic", A_TOKEN, false, 1, QF_TOPIC_MAX},
      {NULL}}},
};
/* Every table of commands: this file's, and one per domain module. */
static const struct {
    const qf_command_t *commands;
    const size_t *count;
} s_tables[] = {
    {s_commands, NULL},
    {qf_custody_commands, &qf_custody_command_count},
    {qf_policy_commands, &qf_policy_command_count},
    {qf_acquisition_commands, &qf_acquisition_command_count},
};

static const qf_command_t *
s_lookup (const char *name)
{
    for (size_t t = 0; t < sizeof s_tables / sizeof s_tables[0]; t++) {
        size_t n =
            s_tables[t].count ? *s_tables[t].count : sizeof s_commands / sizeof s_commands[0];
        for (size_t i = 0; i < n; i++)
            if (strcmp (s_tables[t].commands[i].name, name) == 0)
                return &s_tables[t].commands[i];
    }
    return NULL;
}

bool
qf_commands_exists (const char *name)
{
    return s_lookup (name) != NULL;
}

bool
qf_commands_writes (const char *name)
{
    const qf_command_t *command = s_lookup (name);
    return command && command->writes;
}

/* Checks one text value's length (in bytes) against the spec. */
static int
s_check_text (qf_ctx_t *ctx, const qf_arg_spec_t *spec, const char *field, json_t *value)
{
    if (!json_is_string (value))
        return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be a string", field);
    size_t len = json_string_length (value);
    int64_t min = spec->min, max = spec->max ? spec->max : TEXT_MAX;
    if ((int64_t)len < min)
        return qf_ctx_error (ctx, QF_EINVAL, field, "%s must not be empty", field);
    if ((int64_t)len > max)
        return qf_ctx_error (ctx, QF_ETOOBIG, field,
                             "%s is %zu bytes long; at most %lld are allowed", field, len,
                             (long long)max);
    /* jansson accepts escaped NULs only with JSON_ALLOW_NUL, which we never set. */
    return 0;
}

static int
s_check_token (qf_ctx_t *ctx, const qf_arg_spec_t *spec, const char *field, json_t *value)
{
    if (json_is_string (value) && json_string_length (value) > (size_t)spec->max)
        return qf_ctx_error (ctx, QF_ETOOBIG, field,
                             "%s is %zu characters long; at most %lld are allowed", field,
                             json_string_length (value), (long long)spec->max);
    if (!json_is_string (value) || !qf_valid_token (json_string_value (value), (size_t)spec->max))
        return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be 1-%lld characters of [a-z0-9._-]",
                             field, (long long)spec->max);
    return 0;
}

/* Refuses a value the configuration does not list, naming what is
   allowed. The configured entries are `count` structs `stride` bytes
   apart, each starting with its name (qf_category_t, qf_authority_t, or
   a plain array of names); `key` is where the configuration lists them. */
static int
s_not_configured (qf_ctx_t *ctx, const char *field, json_t *value, const char *what,
                  const char *key, const void *entries, size_t count, size_t stride)
{
    char allowed[320] = "";
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        const char *name = *(char *const *)((const char *)entries + i * stride);
        /* Whole names only, with room left for ", ...". */
        if (used + strlen (name) + 2 + 6 >= sizeof allowed) {
            snprintf (allowed + used, sizeof allowed - used, ", ...");
            break;
        }
        used +=
            (size_t)snprintf (allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "", name);
    }
    const char *text = json_string_value (value);
    return qf_ctx_error (ctx, QF_EINVAL, field,
                         "%s \"%.*s\" is not a configured %s; use one of: %s (%s in the "
                         "configuration)",
                         field, s_utf8_cut (text, 64), text, what,
                         count ? allowed : "none configured", key);
}

static int
s_check_arg (qf_ctx_t *ctx, const qf_arg_spec_t *spec, json_t *value)
{
    /* "args.NAME", built without snprintf: this runs for every argument of
       every command, and the name is only ever shown on an error. */
    char field[80] = "args.";
    size_t n = strlen (spec->name);
    assert (n + 6 <= sizeof field);
    memcpy (field + 5, spec->name, n + 1);
    switch (spec->type) {
    case A_TEXT: return s_check_text (ctx, spec, field, value);
    case A_TOKEN: return s_check_token (ctx, spec, field, value);
    case A_CATEGORY: {
        const qf_config_t *config = ctx->config;
        int rc = s_check_token (ctx, spec, field, value);
        if (rc == 0 && !qf_config_category (config, json_string_value (value)))
            rc = s_not_configured (ctx, field, value, "category", "categories", config->categories,
                                   config->category_count, sizeof *config->categories);
        return rc;
    }
    case A_AUTHORITY: {
        const qf_config_t *config = ctx->config;
        int rc = s_check_text (ctx, spec, field, value);
        if (rc == 0 && !qf_config_authority (config, json_string_value (value)))
            rc = s_not_configured (ctx, field, value, "issuing authority", "authorities",
                                   config->authorities, config->authority_count,
                                   sizeof *config->authorities);
        return rc;
    }
    case A_DEPARTMENT: {
        const qf_config_t *config = ctx->config;
        int rc = s_check_token (ctx, spec, field, value);
        if (rc == 0 && !s_in_list (config->review_departments, config->review_department_count,
                                   json_string_value (value)))
            rc = s_not_configured (ctx, field, value, "review department",
                                   "policy.review_departments", config->review_departments,
                                   config->review_department_count,
                                   sizeof config->review_departments[0]);
        return rc;
    }
    case A_INT:
        if (!json_is_integer (value))
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be an integer", field);
        if (json_integer_value (value) < spec->min || json_integer_value (value) > spec->max)
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be from %lld to %lld, got %lld",
                                 field, (long long)spec->min, (long long)spec->max,
                                 (long long)json_integer_value (value));
        return 0;
    case A_NUMBER:
        if (!json_is_number (value) || json_number_value (value) < 0 ||
            !isfinite (json_number_value (value)) || json_number_value (value) > 1e15)
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be a number from 0 to 1e15",
                                 field);
        return 0;
    case A_DATE: {
        int32_t day;
        if (!json_is_string (value) || qf_date_parse (json_string_value (value), &day))
            return qf_ctx_error (ctx, QF_EINVAL, field,
                                 "%s must be a real calendar date YYYY-MM-DD (1900-9999)", field);
        return 0;
    }
    case A_BOOL:
        if (!json_is_boolean (value))
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be true or false", field);
        return 0;
    case A_ENUM:
        if (!json_is_string (value) || !qf_word_in (json_string_value (value), spec->values))
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be one of: %s", field,
                                 spec->values);
        return 0;
    case A_TEXT_LIST: {
        if (!json_is_array (value))
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be a list of strings", field);
        if ((int64_t)json_array_size (value) > spec->max)
            return qf_ctx_error (ctx, QF_ETOOBIG, field, "%s has more than %lld items", field,
                                 (long long)spec->max);
        qf_arg_spec_t item = {spec->name, A_TEXT, true, 1, TEXT_MAX, NULL};
        size_t i;
        json_t *element;
        json_array_foreach (value, i, element)
        {
            int rc = s_check_text (ctx, &item, field, element);
            if (rc)
                return rc;
        }
        return 0;
    }
    }
    return QF_EINVAL;
}

/*  Checks a command's arguments (an object) against its table entry: no
    unknown key, each value of its type and range (null stands for an
    absent optional argument), every required one present. */
static int
s_check_args (qf_ctx_t *ctx, const qf_command_t *command, json_t *args)
{
    const char *key;
    json_t *value;
    json_object_foreach (args, key, value)
    {
        const qf_arg_spec_t *spec = command->args;
        while (spec->name && strcmp (spec->name, key) != 0)
            spec++;
        if (!spec->name)
            return qf_ctx_error (ctx, QF_EINVAL, "args", "%s takes no argument \"%.40s\"",
                                 command->name, key);
        if (json_is_null (value) && !spec->required)
            continue;
        int rc = s_check_arg (ctx, spec, value);
        if (rc)
            return rc;
    }
    for (const qf_arg_spec_t *spec = command->args; spec->name; spec++)
        if (spec->required && !json_object_get (args, spec->name))
            return qf_ctx_error (ctx, QF_EINVAL, spec->name, "%s needs the argument args.%s",
                                 command->name, spec->name);
    return 0;
}

int
qf_commands_envelope (qf_ctx_t *ctx, json_t *body, const char **role_p, const char **user_p,
                      json_t **args_p, const char **key_p)
{
    const char *key;
    json_t *value;
    json_object_foreach (body, key, value)
    {
        if (strcmp (key, "role") != 0 && strcmp (key, "user") != 0 && strcmp (key, "args") != 0 &&
            strcmp (key, "idempotency_key") != 0)
            return qf_ctx_error (ctx, QF_EINVAL, key,
                                 "unknown key \"%.40s\" in the request body; allowed: role, user, "
                                 "args, idempotency_key",
                                 key);
    }
    json_t *idem = json_object_get (body, "idempotency_key");
    if (json_is_string (idem) && json_string_length (idem) > QF_ID_MAX)
        return qf_ctx_error (ctx, QF_ETOOBIG, "idempotency_key",
                             "idempotency_key is %zu bytes long; at most %d are allowed",
                             json_string_length (idem), QF_ID_MAX);
    if (idem &&
        (!json_is_string (idem) || !qf_valid_printable (json_string_value (idem), QF_ID_MAX)))
        return qf_ctx_error (ctx, QF_EINVAL, "idempotency_key",
                             "idempotency_key must be 1-64 printable ASCII characters");
    *key_p = idem ? json_string_value (idem) : NULL;
    json_t *role = json_object_get (body, "role");
    if (!json_is_string (role) || !qf_role_known (json_string_value (role))) {
        /* The daemon never picks a role for a client: a request says who
           it acts as, and admin is no default for business commands. */
        char roles[256];
        qf_role_list (roles, sizeof roles, ", ");
        if (!role)
            return qf_ctx_error (ctx, QF_EINVAL, "role",
                                 "the request has no role; set role to one of: %s", roles);
        if (json_is_string (role))
            return qf_ctx_error (ctx, QF_EINVAL, "role", "role \"%.*s\" is unknown; use one of: %s",
                                 s_utf8_cut (json_string_value (role), 64),
                                 json_string_value (role), roles);
        return qf_ctx_error (ctx, QF_EINVAL, "role", "role must be a string, one of: %s", roles);
    }
    json_t *user = json_object_get (body, "user");
    if (user && !json_is_string (user))
        return qf_ctx_error (ctx, QF_EINVAL, "user", "user must be a string of at most 64 bytes");
    if (user && json_string_length (user) > QF_ID_MAX)
        return qf_ctx_error (ctx, QF_ETOOBIG, "user",
                             "user is %zu bytes long; at most %d are allowed",
                             json_string_length (user), QF_ID_MAX);
    json_t *args = json_object_get (body, "args");
    if (args && !json_is_object (args))
        return qf_ctx_error (ctx, QF_EINVAL, "args", "args must be a JSON object");
    *role_p = json_string_value (role);
    *user_p = user ? json_string_value (user) : "";
    *args_p = args;
    return 0;
}

int
qf_commands_authorize (qf_ctx_t *ctx, const char *name)
{
    const qf_command_t *command = s_lookup (name);
    if (!command)
        return qf_ctx_error (ctx, QF_EINVAL, "command", "unknown command \"%s\"", name);
    if (strcmp (command->roles, "*") == 0 || qf_word_in (ctx->role, command->roles))
        return 0;
    if (strcmp (ctx->role, QF_ROLE_OPERATIONS) == 0)
        return qf_ctx_error (ctx, QF_EFORBIDDEN, "role",
                             "role %s may not run %s: %s runs operations, not business "
                             "decisions; allowed roles: %s",
                             ctx->role, name, ctx->role, command->roles);
    return qf_ctx_error (ctx, QF_EFORBIDDEN, "role", "role %s may not run %s; allowed roles: %s",
                         ctx->role, name, command->roles);
}

int
qf_commands_execute (qf_ctx_t *ctx, const char *name, json_t *args, json_t **result_p)
{
    ctx->error[0] = ctx->field[0] = 0;
    const qf_command_t *command = s_lookup (name);
    if (!command)
        return qf_ctx_error (ctx, QF_EINVAL, "command",
                             "unknown command \"%s\"; see PROTOCOL.md 5.1", name);
    int rc = qf_commands_authorize (ctx, name);
    if (rc)
        return rc;
    /* Validate a private (shallow) copy so handlers may fill defaults in. */
    json_t *copy = args ? json_copy (args) : json_object ();
    if (!copy)
        return qf_ctx_error (ctx, QF_ENOMEM, NULL, "out of memory");
    rc = s_check_args (ctx, command, copy);
    if (rc == 0) {
        /* Optional arguments given as null are treated as absent. */
        for (const qf_arg_spec_t *spec = command->args; spec->name; spec++)
            if (json_is_null (json_object_get (copy, spec->name)))
                json_object_del (copy, spec->name);
        rc = command->handler (ctx, copy, result_p);
    }
    json_decref (copy);
    return rc;
}

int
qf_commands_check (qf_ctx_t *ctx, const char *name, json_t *args)
{
    ctx->error[0] = ctx->field[0] = 0;
    const qf_command_t *command = s_lookup (name);
    if (!command)
        return qf_ctx_error (ctx, QF_EINVAL, "command",
                             "unknown command \"%s\"; see PROTOCOL.md 5.1", name);
    if (!json_is_object (args))
        return qf_ctx_error (ctx, QF_EINVAL, "args", "args must be a JSON object");
    return s_check_args (ctx, command, args);
}
