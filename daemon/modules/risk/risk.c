/*  risk — the risk register (§7.1) and its responses (§7.2).

    A risk has a type (policy, processing, market, legal), a description,
    what it concerns (qualifications, contracts, customers), a likelihood
    and an impact (1-5 each) from which the configured matrix gives its
    score and level (never typed in), an expected loss in yuan, an owner
    and a review date. People record them (risk.add) and score them again
    (risk.assess); the system raises them by itself in the transaction of
    what causes them: a contract whose delivery is at risk (processing),
    a policy change applied (policy), a dispute recorded on a contract
    (legal). When a risk's level reaches risk.alert_level, risk.high goes
    to management once per crossing: scored again while it stays there
    raises nothing; dropped below and back, it raises again.

    Each risk gets a strategy (avoid, reduce, transfer, accept) with what
    the strategy needs on record, and actions with owners and due dates,
    reminded by durable timers on the business calendar when overdue. */
#include "risk/risk.h"
#include "contract/contract_store.h"
#include "customer/customer.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "qualification/qualification_store.h"
#include "risk/risk_config.h"
#include "risk/risk_store.h"
#include "risk/risk_timers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Who raises what the system raises by itself. */
#define SYSTEM "system"

/* The roles that record and decide risks (risk_spec.c says the same). */
#define DECIDERS "management leader legal supervisor market"

/* Yuan rounded to the fen. */
static double
s_fen (double yuan)
{
    return floor (yuan * 100 + 0.5) / 100;
}

/* A day number as YYYY-MM-DD into `text` (16 bytes). */
static const char *
s_date (int32_t day, char *text)
{
    return qf_date_format (day, text, 16);
}

/* The scoring of a likelihood, an impact and an expected loss as JSON:
   {likelihood, impact, score, level, expected_loss}, by the matrix. */
static json_t *
s_scoring (const qf_config_t *config, int likelihood, int impact, double loss)
{
    int score = qf_risk_score (config, likelihood, impact);
    return json_pack ("{s:i, s:i, s:i, s:s, s:f}", "likelihood", likelihood, "impact", impact,
                      "score", score, "level", qf_risk_levels[qf_risk_level (config, score)],
                      "expected_loss", s_fen (loss));
}

/* The scoring a risk record holds, as s_scoring gives it. */
static json_t *
s_scoring_of (json_t *risk)
{
    return json_pack (
        "{s:O, s:O, s:O, s:O, s:O}", "likelihood", json_object_get (risk, "likelihood"), "impact",
        json_object_get (risk, "impact"), "score", json_object_get (risk, "score"), "level",
        json_object_get (risk, "level"), "expected_loss", json_object_get (risk, "expected_loss"));
}

/* risk.high about `risk` (its record), to management. */
static int
s_high (qf_store_t *store, int64_t now, json_t *risk)
{
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    return qf_emit (
        store, now, "risk.high", "risk", id,
        json_pack (
            "{s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O?, s:[s]}", "risk_id",
            id, "type", json_object_get (risk, "type"), "description",
            json_object_get (risk, "description"), "likelihood",
            json_object_get (risk, "likelihood"), "impact", json_object_get (risk, "impact"),
            "score", json_object_get (risk, "score"), "level", json_object_get (risk, "level"),
            "expected_loss", json_object_get (risk, "expected_loss"), "owner",
            json_object_get (risk, "owner"), "qualifications",
            json_object_get (risk, "qualifications"), "contracts",
            json_object_get (risk, "contracts"), "customers", json_object_get (risk, "customers"),
            "source", json_object_get (risk, "source"), "recipients", "management"));
}

/* Adds `risk` (type, description, qualifications, contracts, customers,
   likelihood, impact, expected_loss, owner, review, source, raised_by,
   details; scored here) to the register with its first assessment and
   review timer; appends risk.raised, and risk.high when it is already at
   the alert level. *id_p gets its id. */
static int
s_raise (qf_store_t *store, const qf_config_t *config, int64_t now, json_t *risk, int64_t *id_p)
{
    json_t *scoring =
        s_scoring (config, (int)json_integer_value (json_object_get (risk, "likelihood")),
                   (int)json_integer_value (json_object_get (risk, "impact")),
                   json_number_value (json_object_get (risk, "expected_loss")));
    if (!scoring)
        return QF_ENOMEM;
    bool high = qf_risk_alerts (
        config,
        qf_risk_level (config, (int)json_integer_value (json_object_get (scoring, "score"))));
    json_object_update (risk, scoring);
    json_object_set_new (risk, "alerted", json_boolean (high));
    int64_t id = 0;
    json_t *record = NULL;
    int rc = qf_store_risk_add (store, risk, now, &id);
    if (rc == 0)
        rc = qf_store_risk_assessment_add (store, id, scoring, "raised",
                                           json_string_value (json_object_get (risk, "raised_by")),
                                           now);
    if (rc == 0)
        rc = qf_risk_watch_review (store, config, id,
                                   json_string_value (json_object_get (risk, "review")), now);
    if (rc == 0)
        rc = qf_store_risk_get (store, id, &record);
    if (rc == 0)
        rc = qf_emit (store, now, "risk.raised", "risk", id,
                      json_pack ("{s:O, s:[O]}", "risk", record, "recipients",
                                 json_object_get (record, "owner")));
    if (rc == 0 && high)
        rc = s_high (store, now, record);
    json_decref (record);
    json_decref (scoring);
    if (rc == 0 && id_p)
        *id_p = id;
    return rc;
}

int
qf_risk_rescore (qf_store_t *store, const qf_config_t *config, int64_t now, int64_t id,
                 int likelihood, int impact, double expected_loss, const char *reason,
                 const char *by)
{
    json_t *risk = NULL, *record = NULL;
    int rc = qf_store_risk_get (store, id, &risk);
    if (rc)
        return rc;
    if (strcmp (json_string_value (json_object_get (risk, "state")), "open") != 0) {
        json_decref (risk);
        return QF_ECONFLICT;
    }
    json_t *before = s_scoring_of (risk);
    json_t *after = s_scoring (config, likelihood, impact, expected_loss);
    int score = (int)json_integer_value (json_object_get (after, "score"));
    bool was = json_integer_value (json_object_get (risk, "alerted")) != 0;
    bool high = qf_risk_alerts (config, qf_risk_level (config, score));
    rc = before && after ? 0 : QF_ENOMEM;
    if (rc == 0)
        rc = qf_store_risk_score (store, id, likelihood, impact, score,
                                  json_string_value (json_object_get (after, "level")),
                                  json_number_value (json_object_get (after, "expected_loss")),
                                  high, now);
    if (rc == 0)
        rc = qf_store_risk_assessment_add (store, id, after, reason, by, now);
    if (rc == 0)
        rc = qf_store_risk_get (store, id, &record);
    /* Only a crossing from below raises risk.high: once per crossing. */
    if (rc == 0)
        rc = qf_emit (store, now, "risk.assessed", "risk", id,
                      json_pack ("{s:I, s:O, s:O, s:O, s:s?, s:s, s:b, s:[O]}", "risk_id",
                                 (json_int_t)id, "type", json_object_get (risk, "type"), "before",
                                 before, "after", after, "reason", reason, "by", by, "crossed",
                                 high && !was, "recipients", json_object_get (risk, "owner")));
    if (rc == 0 && high && !was)
        rc = s_high (store, now, record);
    json_decref (before);
    json_decref (after);
    json_decref (record);
    json_decref (risk);
    return rc;
}

/* Raised by the system -------------------------------------------------------- */

/* Source names of the risks the system raises: one open risk each. */
static const char *
s_source (char *text, size_t size, const char *kind, int64_t id, const char *what)
{
    snprintf (text, size, "%s/%lld%s%s", kind, (long long)id, what ? "/" : "", what ? what : "");
    return text;
}

/* The ids of the qualifications contract `id`'s current version sells. */
static int
s_contract_quals (qf_store_t *store, int64_t id, json_t **ids_p)
{
    json_t *versions = NULL, *ids = json_array ();
    int rc = ids ? qf_store_contract_versions (store, id, &versions) : QF_ENOMEM;
    json_t *body = json_object_get (
        json_array_get (versions, json_array_size (versions) ? json_array_size (versions) - 1 : 0),
        "body");
    json_t *lines = json_object_get (body, "lines");
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++)
        json_array_append (ids, json_object_get (json_array_get (lines, i), "qualification_id"));
    json_decref (versions);
    if (rc)
        json_decref (ids);
    else
        *ids_p = ids;
    return rc;
}

int
qf_risk_delivery_at_risk (qf_store_t *store, const qf_config_t *config, int64_t now,
                          json_t *contract, int working_days_left)
{
    const qf_risk_config_t *settings = qf_risk_config (config);
    json_int_t id = json_integer_value (json_object_get (contract, "id"));
    char source[64];
    int64_t open = 0;
    int rc = qf_store_risk_by_source (
        store, s_source (source, sizeof source, "contract", id, "delivery"), &open);
    if (rc || open)
        return rc; /* already on the register: its late timer watches it */
    const char *delivery = json_string_value (json_object_get (contract, "delivery"));
    const char *number = json_string_value (json_object_get (contract, "number"));
    int32_t due = 0, today = qf_calendar_today (config, now);
    qf_date_parse (delivery, &due);
    bool late = today > due;
    char review[16], description[256];
    s_date (late ? today : due, review);
    snprintf (description, sizeof description,
              late ? "contract %s is late: its delivery date %s has passed undelivered"
                   : "contract %s may be delivered late: due %s, %d working day(s) left",
              number ? number : "?", delivery ? delivery : "?", working_days_left);
    json_t *quals = NULL;
    rc = s_contract_quals (store, id, &quals);
    if (rc)
        return rc;
    json_t *risk =
        json_pack ("{s:s, s:s, s:o, s:[I], s:[O], s:i, s:i, s:f, s:O, s:s, s:s, s:s, "
                   "s:{s:s, s:I, s:O, s:O, s:i}}",
                   "type", "processing", "description", description, "qualifications", quals,
                   "contracts", id, "customers", json_object_get (contract, "customer_id"),
                   "likelihood", late ? settings->late_likelihood : settings->delivery_likelihood,
                   "impact", settings->delivery_impact, "expected_loss",
                   json_number_value (json_object_get (contract, "price")) * settings->loss_ratio,
                   "owner", json_object_get (contract, "owner"), "review", review, "source", source,
                   "raised_by", SYSTEM, "details", "raised_for", "delivery_at_risk", "contract_id",
                   id, "number", json_object_get (contract, "number"), "delivery",
                   json_object_get (contract, "delivery"), "working_days_left", working_days_left);
    int64_t risk_id = 0;
    rc = risk ? s_raise (store, config, now, risk, &risk_id) : QF_ENOMEM;
    if (rc == 0 && !late)
        rc = qf_risk_watch_late (store, config, risk_id, delivery, now);
    json_decref (risk);
    return rc;
}

/* Closes open risk `id` with `reason`, by `by`: its timers and its open
   actions' go; risk.closed to its owner. */
static int
s_close (qf_store_t *store, int64_t now, int64_t id, const char *reason, const char *by)
{
    json_t *risk = NULL, *actions = NULL;
    int rc = qf_store_risk_close (store, id, by, reason, now);
    if (rc == 0)
        rc = qf_store_risk_rows (store, id, "actions", &actions);
    if (rc == 0)
        rc = qf_risk_unwatch (store, id, actions);
    if (rc == 0)
        rc = qf_store_risk_get (store, id, &risk);
    if (rc == 0)
        rc = qf_emit (store, now, "risk.closed", "risk", id,
                      json_pack ("{s:I, s:O, s:O, s:s, s:s, s:[O]}", "risk_id", (json_int_t)id,
                                 "type", json_object_get (risk, "type"), "level",
                                 json_object_get (risk, "level"), "reason", reason, "by", by,
                                 "recipients", json_object_get (risk, "owner")));
    json_decref (actions);
    json_decref (risk);
    return rc;
}

int
qf_risk_contract_closed (qf_store_t *store, int64_t now, int64_t contract_id, const char *why,
                         const char *by)
{
    char source[64];
    int64_t open = 0;
    int rc = qf_store_risk_by_source (
        store, s_source (source, sizeof source, "contract", contract_id, "delivery"), &open);
    return rc || !open ? rc : s_close (store, now, open, why, by && by[0] ? by : SYSTEM);
}

/* Adds to `list` (an array) each item of `more` it does not hold yet. */
static void
s_union (json_t *list, json_t *more)
{
    for (size_t i = 0; i < json_array_size (more); i++) {
        bool seen = false;
        for (size_t k = 0; !seen && k < json_array_size (list); k++)
            seen = json_equal (json_array_get (list, k), json_array_get (more, i));
        if (!seen)
            json_array_append (list, json_array_get (more, i));
    }
}

/* Of the contracts `ids`, the signed ones' ids, their customers' and
   the sum of their prices. */
static int
s_signed_of (qf_store_t *store, json_t *ids, json_t *signed_ids, json_t *customers, double *price_p)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++) {
        json_t *contract = NULL;
        rc = qf_store_contract_get (store, json_integer_value (json_array_get (ids, i)), &contract);
        const char *state = json_string_value (json_object_get (contract, "state"));
        if (rc == 0 && state && strcmp (state, "signed") == 0) {
            json_t *one = json_pack ("[O]", json_object_get (contract, "id"));
            json_t *customer = json_pack ("[O]", json_object_get (contract, "customer_id"));
            s_union (signed_ids, one);
            s_union (customers, customer);
            json_decref (one);
            json_decref (customer);
            *price_p += json_number_value (json_object_get (contract, "price"));
        }
        json_decref (contract);
    }
    return rc;
}

int
qf_risk_policy_applied (qf_store_t *store, const qf_config_t *config, int64_t now, json_t *policy,
                        json_t *suspended, json_t *flagged, const char *by)
{
    const qf_risk_config_t *settings = qf_risk_config (config);
    json_int_t policy_id = json_integer_value (json_object_get (policy, "id"));
    char source[64];
    int64_t open = 0;
    int rc = qf_store_risk_by_source (
        store, s_source (source, sizeof source, "policy", policy_id, NULL), &open);
    json_t *risk = NULL, *quals = json_array (), *contracts = json_array (),
           *customers = json_array (), *details = NULL;
    if (rc == 0 && open)
        rc = qf_store_risk_get (store, open, &risk);
    if (rc == 0 && !(quals && contracts && customers))
        rc = QF_ENOMEM;
    /* Applied again: what it named stays, what is new is added. */
    if (rc == 0 && risk) {
        s_union (quals, json_object_get (risk, "qualifications"));
        s_union (contracts, json_object_get (risk, "contracts"));
        s_union (customers, json_object_get (risk, "customers"));
    }
    s_union (quals, suspended);
    double price = 0;
    json_t *all = json_array ();
    if (all) {
        s_union (all, contracts);
        s_union (all, flagged);
    }
    json_array_clear (contracts);
    if (rc == 0)
        rc = all ? s_signed_of (store, all, contracts, customers, &price) : QF_ENOMEM;
    json_decref (all);
    const char *category = json_string_value (json_object_get (policy, "category"));
    char description[512];
    snprintf (description, sizeof description,
              "policy change %lld (%s): %.300s, effective %s: %zu qualification(s) suspended, "
              "%zu signed contract(s) to handle",
              (long long)policy_id, category ? category : "?",
              json_string_value (json_object_get (policy, "description")),
              json_string_value (json_object_get (policy, "effective")), json_array_size (quals),
              json_array_size (contracts));
    if (rc == 0)
        details =
            json_pack ("{s:s, s:I, s:O, s:O, s:O}", "raised_for", "policy_change", "policy_id",
                       policy_id, "category", json_object_get (policy, "category"), "effective",
                       json_object_get (policy, "effective"), "policy",
                       json_object_get (policy, "description"));
    if (rc == 0 && !details)
        rc = QF_ENOMEM;
    double loss = price * settings->loss_ratio;
    if (rc == 0 && risk) {
        rc = qf_store_risk_concerns (store, open, quals, contracts, customers, details, now);
        if (rc == 0 && s_fen (loss) != json_number_value (json_object_get (risk, "expected_loss")))
            rc = qf_risk_rescore (store, config, now, open,
                                  (int)json_integer_value (json_object_get (risk, "likelihood")),
                                  (int)json_integer_value (json_object_get (risk, "impact")), loss,
                                  "the policy was applied again", SYSTEM);
    } else if (rc == 0) {
        char review[16];
        s_date (qf_calendar_today (config, now) + settings->review_days, review);
        json_t *raised =
            json_pack ("{s:s, s:s, s:O, s:O, s:O, s:i, s:i, s:f, s:s, s:s, s:s, s:s, s:O}", "type",
                       "policy", "description", description, "qualifications", quals, "contracts",
                       contracts, "customers", customers, "likelihood", settings->policy_likelihood,
                       "impact", settings->policy_impact, "expected_loss", loss, "owner",
                       settings->policy_owner, "review", review, "source", source, "raised_by",
                       by && by[0] ? by : SYSTEM, "details", details);
        rc = raised ? s_raise (store, config, now, raised, NULL) : QF_ENOMEM;
        json_decref (raised);
    }
    json_decref (details);
    json_decref (risk);
    json_decref (quals);
    json_decref (contracts);
    json_decref (customers);
    return rc;
}

/* Handlers ---------------------------------------------------------------------- */

/* The risk of args.`key`, open unless `any_state` (*risk_p, caller owns). */
static int
s_load (qf_ctx_t *ctx, json_t *args, const char *key, bool any_state, json_t **risk_p)
{
    json_int_t id = json_integer_value (json_object_get (args, key));
    int rc = qf_store_risk_get (ctx->store, id, risk_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id", "no risk with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the risk: %s", qf_strerror (rc));
    const char *state = json_string_value (json_object_get (*risk_p, "state"));
    if (any_state || strcmp (state, "open") == 0)
        return 0;
    json_decref (*risk_p);
    *risk_p = NULL;
    return qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                         "risk %lld is closed; record a new risk with 'qualflow risk add'",
                         (long long)id);
}

/* Whether record `id` of `key` (qualifications, contracts, customers) exists. */
static int
s_exists (qf_ctx_t *ctx, const char *key, int64_t id)
{
    json_t *record = NULL;
    int rc = strcmp (key, "qualifications") == 0 ? qf_store_qual_get (ctx->store, id, &record)
             : strcmp (key, "contracts") == 0    ? qf_store_contract_get (ctx->store, id, &record)
                                                 : qf_customer_get (ctx->store, id, &record);
    json_decref (record);
    return rc;
}

/* The ids given in args.`key` ("3, 5"), each of an existing record, as a
   new array (empty when absent). */
static int
s_ids (qf_ctx_t *ctx, json_t *args, const char *key, json_t **ids_p)
{
    const char *text = json_string_value (json_object_get (args, key));
    json_t *ids = json_array ();
    int rc = ids ? 0 : QF_ENOMEM;
    char field[40];
    snprintf (field, sizeof field, "args.%s", key);
    for (const char *p = text; rc == 0 && p && *p;) {
        size_t length = strcspn (p, ",");
        char item[32] = "";
        const char *start = p, *end = p + length;
        while (start < end && *start == ' ')
            start++;
        while (end > start && end[-1] == ' ')
            end--;
        size_t n = (size_t)(end - start);
        if (n < sizeof item)
            memcpy (item, start, n), item[n] = '\0';
        char *stop = NULL;
        long long id =
            n && n < 19 && strspn (item, "0123456789") == n ? strtoll (item, &stop, 10) : 0;
        if (id < 1)
            rc = qf_ctx_error (ctx, QF_EINVAL, field,
                               "%s: \"%.*s\" is not an id; give positive ids separated by ','",
                               field, (int)(n > 32 ? 32 : n), start);
        else if ((rc = s_exists (ctx, key, id)) == QF_ENOTFOUND)
            qf_ctx_error (ctx, rc, field, "%s: no %s with id %lld", field,
                          strcmp (key, "qualifications") == 0 ? "qualification"
                          : strcmp (key, "contracts") == 0    ? "contract"
                                                              : "customer",
                          id);
        else if (rc)
            qf_ctx_error (ctx, rc, field, "could not read %s: %s", field, qf_strerror (rc));
        else {
            json_t *one = json_pack ("[I]", (json_int_t)id);
            s_union (ids, one);
            json_decref (one);
        }
        p = p[length] ? p + length + 1 : NULL;
    }
    if (rc)
        json_decref (ids);
    else
        *ids_p = ids;
    return rc;
}

/* A date argument that may not be before today (a review, a due date). */
static int
s_not_past (qf_ctx_t *ctx, json_t *args, const char *key)
{
    const char *text = json_string_value (json_object_get (args, key));
    int32_t day = 0, today = qf_calendar_today (ctx->config, ctx->now);
    if (!text || qf_date_parse (text, &day) || day >= today)
        return 0;
    char now[16], field[40];
    snprintf (field, sizeof field, "args.%s", key);
    return qf_ctx_error (ctx, QF_EINVAL, field,
                         "%s %s is before today (%s); give today or a later date", field, text,
                         s_date (today, now));
}

/* The review date: args.review, else risk.review_days from today, into
   `review` (16 bytes). */
static void
s_review_date (qf_ctx_t *ctx, json_t *args, char *review)
{
    const char *given = json_string_value (json_object_get (args, "review"));
    if (given)
        snprintf (review, 16, "%s", given);
    else
        s_date (qf_calendar_today (ctx->config, ctx->now) +
                    qf_risk_config (ctx->config)->review_days,
                review);
}

/* risk.add: a risk a person records. */
static int
s_add (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *quals = NULL, *contracts = NULL, *customers = NULL;
    int rc = s_ids (ctx, args, "qualifications", &quals);
    if (rc == 0)
        rc = s_ids (ctx, args, "contracts", &contracts);
    if (rc == 0)
        rc = s_ids (ctx, args, "customers", &customers);
    if (rc == 0)
        rc = s_not_past (ctx, args, "review");
    char review[16];
    s_review_date (ctx, args, review);
    json_t *risk = NULL;
    if (rc == 0)
        risk = json_pack (
            "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:f, s:O, s:s, s:n, s:s, s:{}}", "type",
            json_object_get (args, "type"), "description", json_object_get (args, "description"),
            "qualifications", quals, "contracts", contracts, "customers", customers, "likelihood",
            json_object_get (args, "likelihood"), "impact", json_object_get (args, "impact"),
            "expected_loss", json_number_value (json_object_get (args, "loss")), "owner",
            json_object_get (args, "owner"), "review", review, "source", "raised_by", qf_ctx_who (ctx),
            "details");
    json_decref (quals);
    json_decref (contracts);
    json_decref (customers);
    if (rc)
        return rc;
    int64_t id = 0;
    rc = risk ? s_raise (ctx->store, ctx->config, ctx->now, risk, &id) : QF_ENOMEM;
    json_decref (risk);
    if (rc == 0)
        rc = qf_store_risk_get (ctx->store, id, result_p);
    return rc ? qf_ctx_error (ctx, rc, NULL, "could not record the risk: %s", qf_strerror (rc)) : 0;
}

/* risk.assess: a new likelihood, impact or expected loss; the score and
   level follow from them. */
static int
s_assess (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *likelihood = json_object_get (args, "likelihood");
    json_t *impact = json_object_get (args, "impact"), *loss = json_object_get (args, "loss");
    if (!likelihood && !impact && !loss)
        return qf_ctx_error (ctx, QF_EINVAL, "args",
                             "give at least one of --likelihood, --impact and --loss: the score "
                             "and level are computed from them, never given");
    json_t *risk = NULL;
    int rc = s_load (ctx, args, "id", false, &risk);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    rc = qf_risk_rescore (
        ctx->store, ctx->config, ctx->now, id,
        (int)json_integer_value (likelihood ? likelihood : json_object_get (risk, "likelihood")),
        (int)json_integer_value (impact ? impact : json_object_get (risk, "impact")),
        json_number_value (loss ? loss : json_object_get (risk, "expected_loss")),
        json_string_value (json_object_get (args, "reason")), qf_ctx_who (ctx));
    json_decref (risk);
    if (rc == 0)
        rc = qf_store_risk_get (ctx->store, id, result_p);
    return rc ? qf_ctx_error (ctx, rc, NULL, "could not assess the risk: %s", qf_strerror (rc)) : 0;
}

/* The contracts a policy risk names, as they stand now: what "avoid"
   lists to handle (§7.2: handle those already sold). */
static int
s_to_handle (qf_ctx_t *ctx, json_t *risk, json_t **list_p)
{
    json_t *ids = json_object_get (risk, "contracts"), *list = json_array ();
    int rc = list ? 0 : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++) {
        json_t *contract = NULL;
        rc = qf_store_contract_get (ctx->store, json_integer_value (json_array_get (ids, i)),
                                    &contract);
        if (rc == 0)
            json_array_append_new (list,
                                   json_pack ("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "contract_id",
                                              json_object_get (contract, "id"), "number",
                                              json_object_get (contract, "number"), "customer_id",
                                              json_object_get (contract, "customer_id"), "owner",
                                              json_object_get (contract, "owner"), "state",
                                              json_object_get (contract, "state"), "price",
                                              json_object_get (contract, "price"), "delivery",
                                              json_object_get (contract, "delivery")));
        json_decref (contract);
    }
    if (rc)
        json_decref (list);
    else
        *list_p = list;
    return rc;
}

/* Refuses a strategy that lacks what it must have on record. */
static int
s_needs (qf_ctx_t *ctx, json_t *args, const char *key, const char *option, const char *strategy,
         const char *why)
{
    if (json_object_get (args, key))
        return 0;
    char field[40];
    snprintf (field, sizeof field, "args.%s", key);
    return qf_ctx_error (ctx, QF_EINVAL, field, "strategy %s needs %s: %s", strategy, option, why);
}

/* What strategy `strategy` records for `risk` (*details_p, caller owns). */
static int
s_strategy (qf_ctx_t *ctx, json_t *args, json_t *risk, const char *strategy, json_t **details_p)
{
    const char *type = json_string_value (json_object_get (risk, "type"));
    int rc = 0;
    if (strcmp (strategy, "avoid") == 0) {
        if (strcmp (type, "policy") != 0) {
            rc = s_needs (ctx, args, "note", "--note", strategy,
                          "say what is dropped or no longer done to avoid it (§7.2)");
            *details_p = rc ? NULL : json_object ();
            return rc ? rc : *details_p ? 0 : QF_ENOMEM;
        }
        json_t *contracts = NULL;
        rc = s_to_handle (ctx, risk, &contracts);
        if (rc)
            return qf_ctx_error (ctx, rc, NULL, "could not read the contracts: %s",
                                 qf_strerror (rc));
        *details_p = json_pack (
            "{s:O, s:s, s:o}", "selling_stopped", json_object_get (risk, "qualifications"), "how",
            "suspended by the policy change: no longer sellable, and the open proposals "
            "and contracts holding them are flagged (§7.2)",
            "contracts_to_handle", contracts);
    } else if (strcmp (strategy, "reduce") == 0) {
        rc = s_needs (ctx, args, "solution", "--solution", strategy,
                      "the solution offered or the better processing (§7.2)");
        /* A delay: the customer is told promptly, with a solution. */
        if (rc == 0 && strcmp (type, "processing") == 0 &&
            json_array_size (json_object_get (risk, "contracts")))
            rc = s_needs (ctx, args, "told", "--told DATE", strategy,
                          "on a delay the customer is told promptly, with a solution (§7.2): "
                          "give the day they were told");
        int32_t day = 0;
        const char *told = json_string_value (json_object_get (args, "told"));
        if (rc == 0 && told && qf_date_parse (told, &day) == 0 &&
            day > qf_calendar_today (ctx->config, ctx->now))
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.told",
                               "args.told %s is after today: record that the customer was told "
                               "once they are",
                               told);
        if (rc == 0)
            *details_p = json_pack ("{s:O?, s:O}", "customer_told", json_object_get (args, "told"),
                                    "solution", json_object_get (args, "solution"));
    } else if (strcmp (strategy, "transfer") == 0) {
        rc = s_needs (ctx, args, "insurer", "--insurer", strategy,
                      "the insurer that carries the risk (§7.2)");
        if (rc == 0)
            rc = s_needs (ctx, args, "insurance_policy", "--insurance-policy", strategy,
                          "the number of the insurance policy (§7.2)");
        if (rc == 0)
            *details_p = json_pack ("{s:O, s:O}", "insurer", json_object_get (args, "insurer"),
                                    "insurance_policy", json_object_get (args, "insurance_policy"));
    } else {
        rc = s_needs (ctx, args, "note", "--note", strategy, "say why the risk is accepted");
        if (rc == 0)
            *details_p = json_object ();
    }
    return rc ? rc : *details_p ? 0 : QF_ENOMEM;
}

/* risk.respond: the strategy and what it needs. */
static int
s_respond (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *risk = NULL, *details = NULL;
    int rc = s_load (ctx, args, "id", false, &risk);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    const char *strategy = json_string_value (json_object_get (args, "strategy"));
    const char *note = json_string_value (json_object_get (args, "note"));
    rc = s_strategy (ctx, args, risk, strategy, &details);
    if (rc == 0 && note)
        json_object_set (details, "note", json_object_get (args, "note"));
    if (rc == 0)
        rc = qf_store_risk_respond (ctx->store, id, strategy, details, ctx->now);
    if (rc == 0)
        rc = qf_store_risk_response_add (ctx->store, id, strategy, details, note, qf_ctx_who (ctx),
                                         ctx->now);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "risk.responded", "risk", id,
                          json_pack ("{s:I, s:O, s:s, s:O, s:s, s:[O]}", "risk_id", id, "type",
                                     json_object_get (risk, "type"), "strategy", strategy,
                                     "response", details, "by", qf_ctx_who (ctx), "recipients",
                                     json_object_get (risk, "owner")));
    json_decref (details);
    json_decref (risk);
    if (rc == 0)
        rc = qf_store_risk_get (ctx->store, id, result_p);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not record the response: %s", qf_strerror (rc));
    return rc;
}

/* risk.action: an action of the response, with its owner and due date. */
static int
s_action (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *risk = NULL, *action = NULL;
    int rc = s_load (ctx, args, "id", false, &risk);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    const char *due = json_string_value (json_object_get (args, "due"));
    int64_t action_id = 0;
    rc = s_not_past (ctx, args, "due");
    if (rc == 0)
        rc = qf_store_risk_action_add (ctx->store, id,
                                       json_string_value (json_object_get (args, "text")),
                                       json_string_value (json_object_get (args, "owner")), due,
                                       qf_ctx_who (ctx), ctx->now, &action_id);
    if (rc == 0)
        rc = qf_risk_watch_action (ctx->store, ctx->config, action_id, due, ctx->now);
    if (rc == 0)
        rc = qf_store_risk_action_get (ctx->store, action_id, &action);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "risk.action_added", "risk", id,
                          json_pack ("{s:I, s:O, s:O, s:[O]}", "risk_id", id, "action", action,
                                     "strategy", json_object_get (risk, "strategy"), "recipients",
                                     json_object_get (action, "owner")));
    json_decref (risk);
    if (rc == 0)
        *result_p = action;
    else
        json_decref (action);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not record the action: %s", qf_strerror (rc));
    return rc;
}

/* risk.action_done: an action finished; by a decider, or by its owner. */
static int
s_action_done (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    json_t *action = NULL, *risk = NULL;
    int rc = qf_store_risk_action_get (ctx->store, id, &action);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id", "no risk action with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the action: %s", qf_strerror (rc));
    const char *owner = json_string_value (json_object_get (action, "owner"));
    if (!qf_word_in (ctx->role, DECIDERS) && (!ctx->user || strcmp (ctx->user, owner) != 0))
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "args.id",
                           "action %lld is %s's; role %s finishes only its own actions (%s may "
                           "finish any)",
                           (long long)id, owner, ctx->role, DECIDERS);
    else if (strcmp (json_string_value (json_object_get (action, "state")), "open") != 0)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id", "action %lld is already done",
                           (long long)id);
    const char *note = json_string_value (json_object_get (args, "note"));
    json_int_t risk_id = json_integer_value (json_object_get (action, "risk_id"));
    if (rc == 0)
        rc = qf_store_risk_action_done (ctx->store, id, qf_ctx_who (ctx), note, ctx->now);
    if (rc == 0)
        rc = qf_risk_unwatch_action (ctx->store, id);
    if (rc == 0)
        rc = qf_store_risk_get (ctx->store, risk_id, &risk);
    json_decref (action);
    action = NULL;
    if (rc == 0)
        rc = qf_store_risk_action_get (ctx->store, id, &action);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "risk.action_done", "risk", risk_id,
                          json_pack ("{s:I, s:O, s:s, s:[O]}", "risk_id", risk_id, "action", action,
                                     "by", qf_ctx_who (ctx), "recipients",
                                     json_object_get (risk, "owner")));
    json_decref (risk);
    if (rc == 0)
        *result_p = action;
    else
        json_decref (action);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not finish the action: %s", qf_strerror (rc));
    return rc;
}

/* risk.review: a review on record and the next review date. */
static int
s_review (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *risk = NULL;
    int rc = s_load (ctx, args, "id", false, &risk);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    const char *next = json_string_value (json_object_get (args, "next"));
    const char *note = json_string_value (json_object_get (args, "note"));
    int32_t day = 0;
    qf_date_parse (next, &day);
    if (day <= qf_calendar_today (ctx->config, ctx->now))
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.next",
                           "args.next %s is not after today: the next review comes later", next);
    if (rc == 0)
        rc = qf_store_risk_review_add (ctx->store, id, note, next, qf_ctx_who (ctx), ctx->now);
    if (rc == 0)
        rc = qf_store_risk_review_date (ctx->store, id, next, ctx->now);
    if (rc == 0)
        rc = qf_risk_watch_review (ctx->store, ctx->config, id, next, ctx->now);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "risk.reviewed", "risk", id,
                          json_pack ("{s:I, s:O, s:s, s:s, s:s, s:[O]}", "risk_id", id, "level",
                                     json_object_get (risk, "level"), "note", note, "next", next,
                                     "by", qf_ctx_who (ctx), "recipients",
                                     json_object_get (risk, "owner")));
    json_decref (risk);
    if (rc == 0)
        rc = qf_store_risk_get (ctx->store, id, result_p);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not record the review: %s", qf_strerror (rc));
    return rc;
}

/* risk.close */
static int
s_close_cmd (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *risk = NULL;
    int rc = s_load (ctx, args, "id", false, &risk);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    json_decref (risk);
    rc = s_close (ctx->store, ctx->now, id, json_string_value (json_object_get (args, "reason")),
                  qf_ctx_who (ctx));
    if (rc == 0)
        rc = qf_store_risk_get (ctx->store, id, result_p);
    return rc ? qf_ctx_error (ctx, rc, NULL, "could not close the risk: %s", qf_strerror (rc)) : 0;
}

/* risk.dispute: a legal dispute recorded on a contract the customer
   signed raises a legal risk about it. */
static int
s_dispute (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const qf_risk_config_t *settings = qf_risk_config (ctx->config);
    json_int_t contract_id = json_integer_value (json_object_get (args, "contract_id"));
    json_t *contract = NULL;
    int rc = qf_store_contract_get (ctx->store, contract_id, &contract);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.contract_id", "no contract with id %lld",
                             (long long)contract_id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the contract: %s", qf_strerror (rc));
    const char *state = json_string_value (json_object_get (contract, "state"));
    if (!qf_word_in (state, "signed delivered cancelled"))
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.contract_id",
                           "contract %s is %s: a dispute is recorded on a contract the customer "
                           "signed (signed, delivered or cancelled since)",
                           json_string_value (json_object_get (contract, "number")), state);
    if (rc == 0)
        rc = s_not_past (ctx, args, "review");
    json_t *quals = NULL;
    if (rc == 0)
        rc = s_contract_quals (ctx->store, contract_id, &quals);
    if (rc) {
        json_decref (contract);
        return rc;
    }
    json_t *claim = json_object_get (args, "claim");
    double loss =
        claim ? json_number_value (claim)
              : json_number_value (json_object_get (contract, "price")) * settings->loss_ratio;
    json_t *likelihood = json_object_get (args, "likelihood"),
           *impact = json_object_get (args, "impact");
    const char *summary = json_string_value (json_object_get (args, "summary"));
    char description[512], review[16];
    snprintf (description, sizeof description, "dispute on contract %s: %.400s",
              json_string_value (json_object_get (contract, "number")), summary);
    s_review_date (ctx, args, review);
    const char *owner = json_string_value (json_object_get (args, "owner"));
    json_t *risk = json_pack (
        "{s:s, s:s, s:o, s:[I], s:[O], s:I, s:I, s:f, s:s, s:s, s:n, s:s, "
        "s:{s:s, s:I, s:O, s:s, s:O?, s:s}}",
        "type", "legal", "description", description, "qualifications", quals, "contracts",
        contract_id, "customers", json_object_get (contract, "customer_id"), "likelihood",
        likelihood ? json_integer_value (likelihood) : (json_int_t)settings->dispute_likelihood,
        "impact", impact ? json_integer_value (impact) : (json_int_t)settings->dispute_impact,
        "expected_loss", loss, "owner", owner ? owner : qf_ctx_who (ctx), "review", review, "source",
        "raised_by", qf_ctx_who (ctx), "details", "raised_for", "dispute", "contract_id", contract_id,
        "number", json_object_get (contract, "number"), "dispute", summary, "claim", claim,
        "contract_state", state);
    json_decref (contract);
    int64_t id = 0;
    rc = risk ? s_raise (ctx->store, ctx->config, ctx->now, risk, &id) : QF_ENOMEM;
    json_decref (risk);
    if (rc == 0)
        rc = qf_store_risk_get (ctx->store, id, result_p);
    return rc ? qf_ctx_error (ctx, rc, NULL, "could not record the dispute: %s", qf_strerror (rc))
              : 0;
}

/* risk.show: the risk with its assessments, responses, reviews, actions. */
static int
s_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *risk = NULL;
    int rc = s_load (ctx, args, "id", true, &risk);
    if (rc)
        return rc;
    const char *const parts[] = {"assessments", "responses", "reviews", "actions"};
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    for (size_t i = 0; rc == 0 && i < sizeof parts / sizeof parts[0]; i++) {
        json_t *rows = NULL;
        rc = qf_store_risk_rows (ctx->store, id, parts[i], &rows);
        if (rc == 0)
            json_object_set_new (risk, parts[i], rows);
    }
    if (rc) {
        json_decref (risk);
        return qf_ctx_error (ctx, rc, NULL, "could not read the risk: %s", qf_strerror (rc));
    }
    *result_p = risk;
    return 0;
}

/* risk.list: paged by id. */
static int
s_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int n = limit ? (int)json_integer_value (limit) : 100;
    int rc = qf_store_risk_list (ctx->store, json_string_value (json_object_get (args, "type")),
                                 json_string_value (json_object_get (args, "level")),
                                 json_string_value (json_object_get (args, "state")),
                                 json_integer_value (json_object_get (args, "next")), n, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list risks: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, n));
    return *result_p ? 0 : QF_ENOMEM;
}

/* The handlers of the commands described in risk_spec.c. */
const qf_handler_t qf_risk_handlers[] = {
    {"risk.add", s_add},
    {"risk.assess", s_assess},
    {"risk.respond", s_respond},
    {"risk.action", s_action},
    {"risk.action_done", s_action_done},
    {"risk.review", s_review},
    {"risk.close", s_close_cmd},
    {"risk.dispute", s_dispute},
    {"risk.show", s_show},
    {"risk.list", s_list},
    {NULL},
};
