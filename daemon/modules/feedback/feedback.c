/*  feedback — after-sales feedback and its cases (§6.4, §3.3). Feedback
    comes from a callback (qf_feedback_add, called by the after-sales
    module), from a person (feedback.add) or from an integration such as a
    web form (feedback.add with the integration role); each is classified
    technical or service and in a configured category, and opens a case
    at once: a technical case for the technical group, a service case as
    an investigation with an owner. Every case has a deadline in working
    days by category and severity, and a durable timer for when it
    passes. A case is acknowledged (its first response), investigated
    (findings), its outcome told to the customer (with the apology for a
    service problem, the channel and the time), and only then closed
    (§3.3). The transitions are one table checked in one function. */
#include "feedback/feedback.h"
#include "contract/contract_store.h"
#include "customer/customer.h"
#include "feedback/feedback_config.h"
#include "feedback/feedback_report.h"
#include "feedback/feedback_store.h"
#include "feedback/feedback_timers.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_LIMIT 4000 /* bytes of what the customer said */

/* States ------------------------------------------------------------------- */

/* A case's transitions: for each action, the states it may be done in
   and what a refusal says. open -> acknowledged (first response) ->
   told (the outcome told to the customer) -> closed. The one place that
   says which state allows what. */
static const struct {
    const char *action, *from, *rule;
} s_transitions[] = {
    {"acknowledge", "open acknowledged told", "a closed case is not answered again"},
    {"assign", "open acknowledged told", "a closed case keeps its owner"},
    {"findings", "open acknowledged",
     "findings are recorded before the outcome is told; once told, close the case"},
    {"tell", "open acknowledged",
     "the outcome was told already, or the case is closed: a case is told once"},
    {"close", "told",
     "a case is closed only after its outcome was told to the customer (§3.3): record it "
     "with 'qualflow case tell' first"},
};

/* Whether `action` may be done in `state`; *rule_p what a refusal says. */
static bool
s_allows (const char *state, const char *action, const char **rule_p)
{
    for (size_t i = 0; i < sizeof s_transitions / sizeof s_transitions[0]; i++)
        if (strcmp (s_transitions[i].action, action) == 0) {
            *rule_p = s_transitions[i].rule;
            return state && qf_word_in (state, s_transitions[i].from);
        }
    assert (!"no such case action in s_transitions");
    return false;
}

/* Dates -------------------------------------------------------------------- */

/* The working day `count` working days after `day` (day itself not
   counted, so a case opened on a day off starts on the next working day). */
static int32_t
s_working_days_after (const qf_config_t *config, int32_t day, int count)
{
    for (int i = 0; i < count; i++)
        day = qf_calendar_next_working_day (config, day);
    return day;
}

/* Writes a day number as YYYY-MM-DD into a JSON object under `key`. */
static void
s_set_date (json_t *record, const char *key)
{
    json_t *value = json_object_get (record, key);
    if (!json_is_integer (value))
        return;
    char text[16];
    qf_date_format ((int32_t)json_integer_value (value), text, sizeof text);
    json_object_set_new (record, key, json_string (text));
}

/* A case's row as the commands answer it: its days as dates, its opening
   instant as opened_at, without the months the report reads. */
static void
s_present (json_t *record)
{
    s_set_date (record, "day");
    s_set_date (record, "deadline");
    s_set_date (record, "response_due");
    json_object_set (record, "opened_at", json_object_get (record, "at"));
    json_object_del (record, "at");
    json_object_del (record, "month");
    json_object_del (record, "responded_month");
    json_object_del (record, "closed_month");
}

/* Adding feedback ------------------------------------------------------------- */

/* Why an input was refused: the field and the sentence. */
typedef struct {
    char field[64];
    char why[512];
} s_refusal_t;

static int s_refuse (s_refusal_t *refusal, int rc, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_refuse (s_refusal_t *refusal, int rc, const char *field, const char *format, ...)
{
    snprintf (refusal->field, sizeof refusal->field, "%s", field ? field : "");
    va_list ap;
    va_start (ap, format);
    vsnprintf (refusal->why, sizeof refusal->why, format, ap);
    va_end (ap);
    return rc;
}

/* An optional integer member >= 0 (0 when absent). */
static int
s_id_member (json_t *feedback, const char *key, int64_t *value_p, s_refusal_t *refusal)
{
    json_t *value = json_object_get (feedback, key);
    *value_p = 0;
    if (!value || json_is_null (value))
        return 0;
    if (!json_is_integer (value) || json_integer_value (value) < 0)
        return s_refuse (refusal, QF_EINVAL, key,
                         "%s must be an integer >= 0 (0: none); give the record's id", key);
    *value_p = json_integer_value (value);
    return 0;
}

/* An optional string member: one of the space-separated `allowed`
   words when they are given; *value_p NULL when absent. */
static int
s_word_member (json_t *feedback, const char *key, const char *allowed, const char **value_p,
               s_refusal_t *refusal)
{
    json_t *value = json_object_get (feedback, key);
    *value_p = NULL;
    if (!value || json_is_null (value))
        return 0;
    const char *text = json_string_value (value);
    if (!text || (allowed && !qf_word_in (text, allowed)))
        return s_refuse (refusal, QF_EINVAL, key, "%s must be one of: %s", key, allowed);
    *value_p = text;
    return 0;
}

/* The checked input of qf_feedback_add. */
typedef struct {
    int64_t customer_id, contract_id, callback_id;
    const char *source, *kind, *severity, *text, *channel;
    const qf_feedback_category_t *category;
    json_t *customer, *contract; /* records read (contract NULL when none) */
} s_input_t;

/* Checks the feedback object, reading its customer and contract. */
static int
s_check (qf_store_t *store, const qf_config_t *config, json_t *feedback, s_input_t *in,
         s_refusal_t *refusal)
{
    static const char *const known[] = {"customer_id", "contract_id", "callback_id", "source",
                                        "kind",        "category",    "severity",    "text",
                                        "channel",     NULL};
    if (!json_is_object (feedback))
        return s_refuse (refusal, QF_EINVAL, "feedback", "feedback must be a JSON object");
    const char *key;
    json_t *value;
    json_object_foreach (feedback, key, value)
    {
        bool ok = false;
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp (known[i], key) == 0;
        if (!ok)
            return s_refuse (refusal, QF_EINVAL, key,
                             "%s is not a member of feedback; leave it out (members: "
                             "customer_id, contract_id, callback_id, source, kind, category, "
                             "severity, text, channel)",
                             key);
    }
    json_t *customer_id = json_object_get (feedback, "customer_id");
    if (!json_is_integer (customer_id) || json_integer_value (customer_id) < 1)
        return s_refuse (refusal, QF_EINVAL, "customer_id",
                         "customer_id is required, an integer >= 1: the customer's id");
    in->customer_id = json_integer_value (customer_id);
    int rc = s_id_member (feedback, "contract_id", &in->contract_id, refusal);
    if (rc == 0)
        rc = s_id_member (feedback, "callback_id", &in->callback_id, refusal);
    if (rc == 0)
        rc =
            s_word_member (feedback, "source", "callback direct integration", &in->source, refusal);
    if (rc == 0 && !in->source)
        rc = s_refuse (refusal, QF_EINVAL, "source",
                       "source is required: callback, direct or integration");
    if (rc == 0 && strcmp (in->source, "callback") == 0 && in->callback_id == 0)
        rc = s_refuse (refusal, QF_EINVAL, "callback_id",
                       "feedback from a callback names it: give callback_id >= 1");
    if (rc == 0 && strcmp (in->source, "callback") != 0 && in->callback_id != 0)
        rc = s_refuse (refusal, QF_EINVAL, "callback_id",
                       "callback_id is given only with source callback; leave it out");
    if (rc)
        return rc;
    /* The category, and the kind it is of. */
    json_t *category = json_object_get (feedback, "category");
    in->category = qf_feedback_category (config, json_string_value (category));
    if (!in->category) {
        char names[512] = "";
        const qf_feedback_config_t *settings = qf_feedback_config (config);
        for (size_t i = 0, used = 0; i < settings->category_count && used < sizeof names; i++)
            used += (size_t)snprintf (names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                      settings->categories[i].name);
        return s_refuse (refusal, QF_EINVAL, "category",
                         "category %s%s%s is not one of feedback_categories: (%s); use one of "
                         "them or add it to the configuration",
                         category ? "\"" : "",
                         json_is_string (category) ? json_string_value (category) : "(missing)",
                         category ? "\"" : "", names[0] ? names : "none configured");
    }
    const char *kind_of_category = qf_feedback_kinds[in->category->kind];
    rc = s_word_member (feedback, "kind", "technical service", &in->kind, refusal);
    if (rc == 0 && in->kind && strcmp (in->kind, kind_of_category) != 0)
        rc = s_refuse (refusal, QF_EINVAL, "kind",
                       "kind %s does not match category %s, which is %s; leave kind out or "
                       "choose a %s category",
                       in->kind, in->category->name, kind_of_category, in->kind);
    in->kind = kind_of_category;
    if (rc == 0)
        rc = s_word_member (feedback, "severity", "low normal high critical", &in->severity,
                            refusal);
    if (rc == 0 && !in->severity)
        in->severity = "normal";
    if (rc == 0)
        rc = s_word_member (feedback, "channel", "phone email visit web wechat letter",
                            &in->channel, refusal);
    if (rc)
        return rc;
    in->text = json_string_value (json_object_get (feedback, "text"));
    size_t length = in->text ? strlen (in->text) : 0;
    if (!in->text || strspn (in->text, " \t\r\n") == length || length > TEXT_LIMIT)
        return s_refuse (refusal, QF_EINVAL, "text",
                         "text is required: what the customer said, 1 to %d bytes, not only "
                         "blanks",
                         TEXT_LIMIT);
    /* The records it names. */
    rc = qf_customer_get (store, in->customer_id, &in->customer);
    if (rc == QF_ENOTFOUND)
        return s_refuse (refusal, rc, "customer_id", "no customer with id %lld",
                         (long long)in->customer_id);
    if (rc)
        return s_refuse (refusal, rc, NULL, "could not read the customer: %s", qf_strerror (rc));
    if (in->contract_id) {
        rc = qf_store_contract_get (store, in->contract_id, &in->contract);
        if (rc == QF_ENOTFOUND)
            return s_refuse (refusal, rc, "contract_id", "no contract with id %lld",
                             (long long)in->contract_id);
        if (rc)
            return s_refuse (refusal, rc, NULL, "could not read the contract: %s",
                             qf_strerror (rc));
        json_int_t of = json_integer_value (json_object_get (in->contract, "customer_id"));
        if (of != in->customer_id)
            return s_refuse (refusal, QF_ECONFLICT, "contract_id",
                             "contract %s is customer %lld's, not customer %lld's; give the "
                             "customer's own contract or none",
                             json_string_value (json_object_get (in->contract, "number")),
                             (long long)of, (long long)in->customer_id);
    }
    return 0;
}

/* The work of qf_feedback_add inside its savepoint. */
typedef struct {
    const qf_config_t *config;
    int64_t now;
    const char *by;
    s_input_t *in;
    int64_t id;
    s_refusal_t *refusal;
} s_add_t;

static int
s_add_work (qf_store_t *store, void *arg)
{
    s_add_t *work = arg;
    s_input_t *in = work->in;
    const qf_config_t *config = work->config;
    const qf_feedback_config_t *settings = qf_feedback_config (config);
    int32_t today = qf_calendar_today (config, work->now);
    int severity = qf_feedback_severity_index (in->severity);
    const char *customer_owner = json_string_value (json_object_get (in->customer, "owner"));
    const char *salesperson =
        in->contract ? json_string_value (json_object_get (in->contract, "owner")) : customer_owner;
    bool service = strcmp (in->kind, "service") == 0;
    const char *owner = !service                  ? NULL
                        : settings->service_owner ? settings->service_owner
                                                  : salesperson;
    qf_feedback_case_t row = {
        .customer_id = in->customer_id,
        .contract_id = in->contract_id,
        .callback_id = in->callback_id,
        .source = in->source,
        .kind = in->kind,
        .category = in->category->name,
        .department = in->category->department,
        .severity = in->severity,
        .channel = in->channel,
        .text = in->text,
        .salesperson = salesperson,
        .owner = owner,
        .by = work->by,
        .at = work->now,
        .day = today,
        .month = qf_feedback_month (today),
        .deadline = s_working_days_after (config, today, in->category->deadline[severity]),
        .response_due = s_working_days_after (config, today, settings->response_days),
    };
    int rc = qf_store_feedback_insert (store, &row, &work->id);
    if (rc == QF_ECONFLICT)
        return s_refuse (work->refusal, rc, "callback_id",
                         "callback %lld already gave feedback of category %s; one case per "
                         "problem: add to that case (case findings)",
                         (long long)in->callback_id, in->category->name);
    if (rc == 0)
        rc = qf_store_feedback_count_opened (store, row.month, row.category, row.kind,
                                             row.department, row.severity);
    if (rc == 0)
        rc = qf_feedback_watch_case (store, config, work->id, row.deadline, work->now);
    if (rc == 0)
        rc = qf_feedback_watch_digest (store, config, work->now);
    if (rc) {
        if (!work->refusal->why[0])
            s_refuse (work->refusal, rc, NULL, "could not record the feedback: %s",
                      qf_strerror (rc));
        return rc;
    }
    char deadline[16], response_due[16];
    qf_date_format (row.deadline, deadline, sizeof deadline);
    qf_date_format (row.response_due, response_due, sizeof response_due);
    json_t *recipients = !service ? json_pack ("[s]", "technical")
                         : owner  ? json_pack ("[s, s]", row.department, owner)
                                  : json_pack ("[s]", row.department);
    rc = qf_emit (
        store, work->now, "feedback.received", "case", work->id,
        json_pack ("{s:I, s:I, s:O, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:s?, "
                   "s:s?, s:s, s:s, s:o}",
                   "case_id", (json_int_t)work->id, "customer_id", (json_int_t)in->customer_id,
                   "customer", json_object_get (in->customer, "name"), "contract_id",
                   (json_int_t)in->contract_id, "callback_id", (json_int_t)in->callback_id,
                   "source", in->source, "kind", in->kind, "category", in->category->name, "title",
                   in->category->title, "department", row.department, "severity", in->severity,
                   "channel", in->channel, "text", in->text, "owner", owner, "salesperson",
                   salesperson, "deadline", deadline, "response_due", response_due, "recipients",
                   recipients));
    if (rc)
        s_refuse (work->refusal, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    return rc;
}

/* qf_feedback_add with the field of a refusal in `refusal`. */
static int
s_add (qf_store_t *store, const qf_config_t *config, int64_t now, json_t *feedback, const char *by,
       int64_t *id_p, s_refusal_t *refusal)
{
    memset (refusal, 0, sizeof *refusal);
    s_input_t in;
    memset (&in, 0, sizeof in);
    int rc = s_check (store, config, feedback, &in, refusal);
    s_add_t work = {config, now, by, &in, 0, refusal};
    if (rc == 0)
        rc = qf_store_in_savepoint (store, s_add_work, &work);
    json_decref (in.customer);
    json_decref (in.contract);
    if (rc == 0 && id_p)
        *id_p = work.id;
    return rc;
}

int
qf_feedback_add (qf_store_t *store, const qf_config_t *config, int64_t now, json_t *feedback,
                 const char *by, int64_t *id_p, char *why, size_t why_size)
{
    s_refusal_t refusal;
    int rc = s_add (store, config, now, feedback, by, id_p, &refusal);
    if (rc && why && why_size)
        snprintf (why, why_size, "%s", refusal.why[0] ? refusal.why : qf_strerror (rc));
    return rc;
}

/* Scores (feedback.h) ---------------------------------------------------------- */

/* The categories of the qualifications of contract `id`'s current
   version, each once (a new array). */
static int
s_contract_categories (qf_store_t *store, int64_t id, json_t **categories_p)
{
    json_t *versions = NULL, *categories = json_array ();
    int rc = categories ? qf_store_contract_versions (store, id, &versions) : QF_ENOMEM;
    json_t *body =
        json_object_get (json_array_get (versions, json_array_size (versions) - 1), "body");
    json_t *lines = json_object_get (body, "lines");
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        json_t *category = json_object_get (json_array_get (lines, i), "category");
        bool seen = !json_is_string (category);
        for (size_t j = 0; j < json_array_size (categories) && !seen; j++)
            seen = json_equal (json_array_get (categories, j), category);
        if (!seen && json_array_append (categories, category))
            rc = QF_ENOMEM;
    }
    json_decref (versions);
    if (rc) {
        json_decref (categories);
        return rc;
    }
    *categories_p = categories;
    return 0;
}

typedef struct {
    int64_t callback_id, contract_id, now;
    int month, score;
    json_t *contract, *categories;
} s_score_t;

static int
s_score_work (qf_store_t *store, void *arg)
{
    s_score_t *work = arg;
    const char *salesperson = json_string_value (json_object_get (work->contract, "owner"));
    char month[32];
    snprintf (month, sizeof month, "%04d-%02d", work->month / 100, work->month % 100);
    bool added = false;
    int rc = qf_store_feedback_score_add (
        store, work->callback_id, work->contract_id,
        json_integer_value (json_object_get (work->contract, "customer_id")), salesperson,
        work->month, work->score, work->now, &added);
    if (rc || !added)
        return rc;
    rc = qf_store_feedback_satisfaction_add (store, work->month, "month", month, work->score);
    if (rc == 0)
        rc = qf_store_feedback_satisfaction_add (store, work->month, "salesperson", salesperson,
                                                 work->score);
    for (size_t i = 0; rc == 0 && i < json_array_size (work->categories); i++)
        rc = qf_store_feedback_satisfaction_add (
            store, work->month, "category",
            json_string_value (json_array_get (work->categories, i)), work->score);
    return rc;
}

int
qf_feedback_score (qf_store_t *store, int64_t now, int64_t callback_id, int64_t contract_id,
                   const char *date, int score, char *why, size_t why_size)
{
    int32_t day = 0;
    int rc = 0;
    const char *reason = NULL;
    if (score < 1 || score > 5)
        rc = QF_EINVAL, reason = "score must be 1 to 5 (1 very unsatisfied, 5 very satisfied)";
    else if (callback_id < 1)
        rc = QF_EINVAL, reason = "callback_id must be >= 1: the callback scored";
    else if (!date || qf_date_parse (date, &day))
        rc = QF_EINVAL, reason = "date must be YYYY-MM-DD: the day of the call";
    s_score_t work = {callback_id, contract_id, now, qf_feedback_month (day), score, NULL, NULL};
    if (rc == 0) {
        rc = qf_store_contract_get (store, contract_id, &work.contract);
        if (rc == QF_ENOTFOUND)
            reason = "no such contract: give the contract the callback follows";
    }
    if (rc == 0)
        rc = s_contract_categories (store, contract_id, &work.categories);
    if (rc == 0)
        rc = qf_store_in_savepoint (store, s_score_work, &work);
    json_decref (work.contract);
    json_decref (work.categories);
    if (rc && why && why_size)
        snprintf (why, why_size, "%s", reason ? reason : qf_strerror (rc));
    return rc;
}

/* Open cases (feedback.h) ---------------------------------------------------- */

int
qf_feedback_open_case_list (qf_store_t *store, int64_t customer_id, json_t **cases_p)
{
    return qf_store_feedback_open_of (store, customer_id, cases_p);
}

int
qf_feedback_open_cases (qf_store_t *store, int64_t customer_id, int *open_p)
{
    json_t *list = NULL;
    int rc = qf_store_feedback_open_of (store, customer_id, &list);
    *open_p = rc ? 0 : (int)json_array_size (list);
    json_decref (list);
    return rc;
}

/* Who may act ----------------------------------------------------------------- */

/* Whether the user sees the case: a salesperson only their own
   customers' (or a case they own); the other roles of the spec any. */
static int
s_read_check (qf_ctx_t *ctx, json_t *record)
{
    if (strcmp (ctx->role, "sales") != 0)
        return 0;
    const char *owner = json_string_value (json_object_get (record, "owner"));
    if (owner && ctx->user && strcmp (owner, ctx->user) == 0)
        return 0;
    json_t *customer = NULL;
    int rc = qf_customer_get (
        ctx->store, json_integer_value (json_object_get (record, "customer_id")), &customer);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the customer: %s", qf_strerror (rc));
    const char *customer_owner = json_string_value (json_object_get (customer, "owner"));
    rc = customer_owner && ctx->user && strcmp (customer_owner, ctx->user) == 0
             ? 0
             : qf_ctx_error (ctx, QF_EFORBIDDEN, "args.id",
                             "case %lld is customer %lld's, owned by %s; a salesperson sees "
                             "only their own customers' cases (§5.3 confidentiality)",
                             (long long)json_integer_value (json_object_get (record, "id")),
                             (long long)json_integer_value (json_object_get (customer, "id")),
                             customer_owner ? customer_owner : "nobody");
    json_decref (customer);
    return rc;
}

/* Whether the user may work the case: aftersales, supervisor and
   management any; technical a technical case; anyone the case they own. */
static int
s_work_check (qf_ctx_t *ctx, json_t *record)
{
    const char *kind = json_string_value (json_object_get (record, "kind"));
    const char *owner = json_string_value (json_object_get (record, "owner"));
    if (qf_word_in (ctx->role, "aftersales supervisor management") ||
        (strcmp (kind, "technical") == 0 && strcmp (ctx->role, "technical") == 0) ||
        (owner && ctx->user && strcmp (owner, ctx->user) == 0))
        return 0;
    return qf_ctx_error (ctx, QF_EFORBIDDEN, "args.id",
                         "case %lld is a %s case owned by %s; role %s may not work it: %s "
                         "works it, or its owner, aftersales, a supervisor or management",
                         (long long)json_integer_value (json_object_get (record, "id")), kind,
                         owner ? owner : "nobody (the technical group)", ctx->role,
                         strcmp (kind, "technical") == 0 ? "technical" : "the owner");
}

/* Loads case args.id (404), with the read check. */
static int
s_load (qf_ctx_t *ctx, json_t *args, json_t **record_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    int rc = qf_store_feedback_get (ctx->store, id, record_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id", "no case with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read case %lld: %s", (long long)id,
                             qf_strerror (rc));
    rc = s_read_check (ctx, *record_p);
    if (rc) {
        json_decref (*record_p);
        *record_p = NULL;
    }
    return rc;
}

/* s_load, the work check, and a 409 unless `action` is allowed in its
   state. */
static int
s_load_for (qf_ctx_t *ctx, json_t *args, const char *action, json_t **record_p)
{
    int rc = s_load (ctx, args, record_p);
    if (rc == 0)
        rc = s_work_check (ctx, *record_p);
    const char *rule = NULL;
    const char *state = json_string_value (json_object_get (*record_p, "state"));
    if (rc == 0 && !s_allows (state, action, &rule))
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id", "case %lld is %s; %s",
                           (long long)json_integer_value (json_object_get (*record_p, "id")), state,
                           rule);
    if (rc) {
        json_decref (*record_p);
        *record_p = NULL;
    }
    return rc;
}

/* Records ----------------------------------------------------------------------- */

/* The case as the commands answer it: its row, days as dates, its findings. */
static int
s_show_record (qf_ctx_t *ctx, int64_t id, json_t **record_p)
{
    json_t *record = NULL, *findings = NULL;
    int rc = qf_store_feedback_get (ctx->store, id, &record);
    if (rc == 0)
        rc = qf_store_feedback_findings (ctx->store, id, &findings);
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not read case %lld: %s", (long long)id,
                             qf_strerror (rc));
    }
    const qf_feedback_category_t *category = qf_feedback_category (
        ctx->config, json_string_value (json_object_get (record, "category")));
    if (category)
        json_object_set_new (record, "title", json_string (category->title));
    s_present (record);
    json_object_set_new (record, "findings", findings);
    *record_p = record;
    return 0;
}

/* The tail of a command that changed case `id`: appends `topic` with
   `payload` (taken, NULL: none) plus case_id and answers the case. */
static int
s_changed (qf_ctx_t *ctx, int rc, int64_t id, const char *topic, json_t *payload, json_t **result_p)
{
    if (rc == 0 && payload) {
        json_object_set_new (payload, "case_id", json_integer (id));
        json_object_set_new (payload, "by", json_string (qf_ctx_who (ctx)));
        rc = qf_ctx_emit (ctx, topic, "case", id, payload);
    } else
        json_decref (payload);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record %s: %s", topic,
                                             qf_strerror (rc));
    return s_show_record (ctx, id, result_p);
}

/* Records the first response to the case (a person's first action on it)
   unless it has one, with case.acknowledged. */
static int
s_respond (qf_ctx_t *ctx, json_t *record, const char *note)
{
    if (!json_is_null (json_object_get (record, "responded_at")))
        return 0;
    int64_t id = json_integer_value (json_object_get (record, "id"));
    int64_t at = json_integer_value (json_object_get (record, "at"));
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    int32_t due = (int32_t)json_integer_value (json_object_get (record, "response_due"));
    bool first = false;
    int rc =
        qf_store_feedback_respond (ctx->store, id, qf_ctx_who (ctx), ctx->now,
                                   ctx->now - at, qf_feedback_month (today), today <= due, &first);
    if (rc || !first)
        return rc ? qf_ctx_error (ctx, rc, NULL, "could not record the response: %s",
                                  qf_strerror (rc))
                  : 0;
    char due_text[16];
    qf_date_format (due, due_text, sizeof due_text);
    json_t *owner = json_object_get (record, "owner");
    return qf_ctx_emit (
        ctx, "case.acknowledged", "case", id,
        json_pack ("{s:I, s:O, s:O, s:s, s:s?, s:s, s:b, s:I, s:[O]}", "case_id", (json_int_t)id,
                   "customer_id", json_object_get (record, "customer_id"), "kind",
                   json_object_get (record, "kind"), "by", qf_ctx_who (ctx),
                   "note", note, "response_due", due_text, "on_time", today <= due, "response_ms",
                   (json_int_t)(ctx->now - at), "recipients",
                   json_is_string (owner) ? owner : json_object_get (record, "department")));
}

/* Commands --------------------------------------------------------------------- */

/* feedback.add: a person or an integration hands feedback in. */
static int
s_feedback_add (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t customer_id = json_integer_value (json_object_get (args, "customer_id"));
    if (strcmp (ctx->role, "sales") == 0) {
        json_t *customer = NULL;
        int rc = qf_customer_get (ctx->store, customer_id, &customer);
        if (rc == QF_ENOTFOUND)
            return qf_ctx_error (ctx, rc, "args.customer_id", "no customer with id %lld",
                                 (long long)customer_id);
        const char *owner = json_string_value (json_object_get (customer, "owner"));
        rc = rc ? qf_ctx_error (ctx, rc, NULL, "could not read the customer: %s", qf_strerror (rc))
             : owner && ctx->user && strcmp (owner, ctx->user) == 0
                 ? 0
                 : qf_ctx_error (ctx, QF_EFORBIDDEN, "args.customer_id",
                                 "customer %lld is %s's; a salesperson records feedback only "
                                 "for the customers they own (§6.1): its owner, aftersales or "
                                 "a supervisor may",
                                 (long long)customer_id, owner ? owner : "nobody's");
        json_decref (customer);
        if (rc)
            return rc;
    }
    json_t *feedback = json_deep_copy (args);
    if (!feedback ||
        json_object_set_new (
            feedback, "source",
            json_string (strcmp (ctx->role, "integration") == 0 ? "integration" : "direct"))) {
        json_decref (feedback);
        return QF_ENOMEM;
    }
    s_refusal_t refusal;
    int64_t id = 0;
    int rc = s_add (ctx->store, ctx->config, ctx->now, feedback, qf_ctx_who (ctx),
                    &id, &refusal);
    json_decref (feedback);
    if (rc) {
        char field[80] = "";
        if (refusal.field[0])
            snprintf (field, sizeof field, "args.%s", refusal.field);
        return qf_ctx_error (ctx, rc, field[0] ? field : NULL, "%s",
                             refusal.why[0] ? refusal.why : qf_strerror (rc));
    }
    return s_show_record (ctx, id, result_p);
}

static int
s_case_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = s_load (ctx, args, &record);
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    json_decref (record);
    return rc ? rc : s_show_record (ctx, id, result_p);
}

/* case.list: a salesperson lists their own customers' cases. */
static int
s_case_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t customer_id = json_integer_value (json_object_get (args, "customer_id"));
    if (strcmp (ctx->role, "sales") == 0) {
        if (!customer_id)
            return qf_ctx_error (ctx, QF_EFORBIDDEN, "args.customer_id",
                                 "a salesperson lists the cases of one of their customers "
                                 "(§5.3 confidentiality): give --customer");
        json_t *customer = NULL;
        int rc = qf_customer_get (ctx->store, customer_id, &customer);
        const char *owner = json_string_value (json_object_get (customer, "owner"));
        if (rc == 0 && !(owner && ctx->user && strcmp (owner, ctx->user) == 0))
            rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "args.customer_id",
                               "customer %lld is %s's; a salesperson lists only their own "
                               "customers' cases (§5.3 confidentiality)",
                               (long long)customer_id, owner ? owner : "nobody's");
        else if (rc)
            rc = qf_ctx_error (ctx, rc, "args.customer_id", "no customer with id %lld",
                               (long long)customer_id);
        json_decref (customer);
        if (rc)
            return rc;
    }
    json_t *limit_arg = json_object_get (args, "limit"), *items = NULL;
    int limit = limit_arg ? (int)json_integer_value (limit_arg) : 100;
    int rc = qf_store_feedback_list (
        ctx->store, customer_id, json_string_value (json_object_get (args, "owner")),
        json_string_value (json_object_get (args, "kind")),
        json_string_value (json_object_get (args, "state")),
        json_integer_value (json_object_get (args, "next")), limit, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list cases: %s", qf_strerror (rc));
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) s_present (item);
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, limit));
    return *result_p ? 0 : QF_ENOMEM;
}

/* case.acknowledge: the first response; from the worker of the group the
   case went to, the receipt that the group took it (no state change). */
static int
s_case_acknowledge (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    /* A worker's receipt is taken in any state: refused, it would be
       delivered again and again until dead-lettered. */
    int rc = ctx->from_worker ? s_load (ctx, args, &record)
                              : s_load_for (ctx, args, "acknowledge", &record);
    if (rc == 0 && ctx->from_worker && (rc = s_work_check (ctx, record)) != 0)
        json_decref (record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    const char *note = json_string_value (json_object_get (args, "note"));
    if (ctx->from_worker) {
        rc = qf_store_feedback_routed (ctx->store, id, qf_ctx_who (ctx), ctx->now);
        json_decref (record);
        return s_changed (ctx, rc, id, NULL, NULL, result_p);
    }
    rc = s_respond (ctx, record, note);
    if (rc == 0 && note && json_string_value (json_object_get (record, "state")) &&
        qf_word_in (json_string_value (json_object_get (record, "state")), "open acknowledged"))
        rc = qf_store_feedback_finding_add (ctx->store, id, note, qf_ctx_who (ctx),
                                            ctx->now);
    json_decref (record);
    return s_changed (ctx, rc, id, NULL, NULL, result_p);
}

/* case.assign: someone else works it from now on. */
static int
s_case_assign (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = s_load_for (ctx, args, "assign", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    const char *owner = json_string_value (json_object_get (args, "owner"));
    json_t *previous = json_object_get (record, "owner");
    rc = qf_store_feedback_assign (ctx->store, id, owner, ctx->now);
    json_t *payload = rc ? NULL
                         : json_pack ("{s:O, s:O, s:O, s:s, s:O, s:[s]}", "customer_id",
                                      json_object_get (record, "customer_id"), "kind",
                                      json_object_get (record, "kind"), "category",
                                      json_object_get (record, "category"), "owner", owner,
                                      "previous", previous, "recipients", owner);
    json_decref (record);
    return s_changed (ctx, rc, id, "case.assigned", payload, result_p);
}

/* case.findings: what the investigation found. */
static int
s_case_findings (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = s_load_for (ctx, args, "findings", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    const char *text = json_string_value (json_object_get (args, "text"));
    rc = s_respond (ctx, record, NULL);
    if (rc == 0)
        rc = qf_store_feedback_finding_add (ctx->store, id, text, qf_ctx_who (ctx),
                                            ctx->now);
    json_t *payload =
        rc ? NULL
           : json_pack ("{s:O, s:O, s:s}", "customer_id", json_object_get (record, "customer_id"),
                        "kind", json_object_get (record, "kind"), "text", text);
    json_decref (record);
    return s_changed (ctx, rc, id, "case.findings", payload, result_p);
}

/* The instant of "YYYY-MM-DDTHH:MM" in policy.timezone; QF_EINVAL when
   it is not one. */
static int
s_local_time (const qf_config_t *config, const char *text, int64_t *at_p)
{
    char date[11];
    int32_t day = 0;
    if (!text || strlen (text) != 16 || text[10] != 'T' || text[13] != ':')
        return QF_EINVAL;
    memcpy (date, text, 10);
    date[10] = '\0';
    if (qf_date_parse (date, &day) || strspn (text + 11, "0123456789") != 2 ||
        strspn (text + 14, "0123456789") != 2)
        return QF_EINVAL;
    int hours = atoi (text + 11), minutes = atoi (text + 14);
    if (hours > 23 || minutes > 59)
        return QF_EINVAL;
    *at_p =
        qf_calendar_day_start (config, day) + (int64_t)hours * 3600000 + (int64_t)minutes * 60000;
    return 0;
}

/* case.tell: the outcome (and for a service problem the apology) told to
   the customer, how and when. */
static int
s_case_tell (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL, *findings = NULL;
    int rc = s_load_for (ctx, args, "tell", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    bool service = strcmp (json_string_value (json_object_get (record, "kind")), "service") == 0;
    const char *apology = json_string_value (json_object_get (args, "apology"));
    const char *outcome = json_string_value (json_object_get (args, "outcome"));
    const char *channel = json_string_value (json_object_get (args, "channel"));
    const char *at_text = json_string_value (json_object_get (args, "at"));
    int64_t opened = json_integer_value (json_object_get (record, "at"));
    int64_t told_at = ctx->now;
    if (at_text && s_local_time (ctx->config, at_text, &told_at))
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.at",
                           "at (%s) must be a local time YYYY-MM-DDTHH:MM, e.g. "
                           "2027-02-03T14:30",
                           at_text);
    else if (told_at > ctx->now)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.at",
                           "at (%s) is in the future: record what was told, when it was told",
                           at_text);
    else if (told_at / 60000 < opened / 60000)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.at",
                           "at (%s) is before case %lld was opened: give the time the customer "
                           "was told",
                           at_text, (long long)id);
    else if (service && !apology)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.apology",
                           "a service problem is answered with an apology and the outcome "
                           "(§6.4): give --apology with what was said");
    if (rc == 0 && service) {
        rc = qf_store_feedback_findings (ctx->store, id, &findings);
        if (rc == 0 && json_array_size (findings) == 0)
            rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                               "service case %lld has no findings: a service problem is "
                               "investigated before the customer is told the outcome (§6.4); "
                               "record them with 'qualflow case findings'",
                               (long long)id);
        else if (rc)
            rc = qf_ctx_error (ctx, rc, NULL, "could not read the findings: %s", qf_strerror (rc));
        json_decref (findings);
    }
    if (rc == 0)
        rc = s_respond (ctx, record, NULL);
    if (rc == 0)
        rc = qf_store_feedback_tell (ctx->store, id, apology, outcome, channel, told_at,
                                     qf_ctx_who (ctx), ctx->now);
    json_t *payload = NULL;
    if (rc == 0) {
        char when[32];
        payload =
            json_pack ("{s:O, s:O, s:O, s:s?, s:s, s:s, s:s, s:[O]}", "customer_id",
                       json_object_get (record, "customer_id"), "contract_id",
                       json_object_get (record, "contract_id"), "kind",
                       json_object_get (record, "kind"), "apology", apology, "outcome", outcome,
                       "channel", channel, "told_at", qf_time_format (told_at, when, sizeof when),
                       "recipients", json_object_get (record, "department"));
    }
    json_decref (record);
    return s_changed (ctx, rc, id, "case.told", payload, result_p);
}

/* case.close: only once the outcome was told (§3.3). */
static int
s_case_close (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = s_load_for (ctx, args, "close", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    int32_t deadline = (int32_t)json_integer_value (json_object_get (record, "deadline"));
    int64_t resolution = ctx->now - json_integer_value (json_object_get (record, "at"));
    char closed_on[16], deadline_text[16];
    qf_date_format (today, closed_on, sizeof closed_on);
    qf_date_format (deadline, deadline_text, sizeof deadline_text);
    rc = qf_store_feedback_close (ctx->store, id, qf_ctx_who (ctx), ctx->now,
                                  closed_on, qf_feedback_month (today), resolution,
                                  today <= deadline);
    if (rc == 0)
        rc = qf_feedback_unwatch_case (ctx->store, id);
    json_t *payload =
        rc ? NULL
           : json_pack ("{s:O, s:O, s:O, s:O, s:s, s:s, s:b, s:I, s:O, s:[O]}", "customer_id",
                        json_object_get (record, "customer_id"), "kind",
                        json_object_get (record, "kind"), "category",
                        json_object_get (record, "category"), "severity",
                        json_object_get (record, "severity"), "closed_on", closed_on, "deadline",
                        deadline_text, "on_time", today <= deadline, "resolution_ms",
                        (json_int_t)resolution, "outcome", json_object_get (record, "outcome"),
                        "recipients", json_object_get (record, "department"));
    json_decref (record);
    return s_changed (ctx, rc, id, "case.closed", payload, result_p);
}

/* report.feedback: the period's analysis. */
static int
s_report (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *text = json_string_value (json_object_get (args, "period"));
    qf_feedback_period_t period;
    if (!text)
        qf_feedback_period_of (QF_DIGEST_QUARTER, qf_calendar_today (ctx->config, ctx->now),
                               &period);
    else if (qf_feedback_period_parse (text, &period))
        return qf_ctx_error (ctx, QF_EINVAL, "args.period",
                             "period %s is not a quarter (2027Q1), a year (2027) or a month "
                             "(2027-03)",
                             text);
    int rc = qf_feedback_report (ctx->store, ctx->config, ctx->now, &period, NULL, result_p);
    return rc ? qf_ctx_error (ctx, rc, NULL, "could not make the report: %s", qf_strerror (rc)) : 0;
}

/* The table ------------------------------------------------------------------ */

const qf_handler_t qf_feedback_handlers[] = {
    {"feedback.add", s_feedback_add}, {"case.show", s_case_show},
    {"case.list", s_case_list},       {"case.acknowledge", s_case_acknowledge},
    {"case.assign", s_case_assign},   {"case.findings", s_case_findings},
    {"case.tell", s_case_tell},       {"case.close", s_case_close},
    {"report.feedback", s_report},    {NULL},
};
