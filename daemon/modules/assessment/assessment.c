/*  The assessment module's handlers (§5.2): the KPI report and the
    assessments (specs in assessment_spec.c). */
#include "assessment/assessment_config.h"
#include "assessment/assessment_kpi.h"
#include "assessment/assessment_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "qf_time.h"

#include <stdlib.h>
#include <string.h>

#define PERIOD_RULE "is not a quarter (2027Q1) or a year (2027)"

/* The period of policy.assessment_period that holds `day`. */
static void
s_period_of (const qf_config_t *config, int32_t day, qf_feedback_period_t *period)
{
    int kind = qf_assessment_config (config)->period == 0 ? QF_DIGEST_QUARTER : QF_DIGEST_YEAR;
    qf_feedback_period_of (kind, day, period);
}

/* Adds the period's name and dates to an object. */
static void
s_set_period (json_t *object, const qf_feedback_period_t *period)
{
    char from[16], to[16];
    qf_date_format (period->first_day, from, sizeof from);
    qf_date_format (period->last_day, to, sizeof to);
    json_object_set_new (object, "period", json_string (period->name));
    json_object_set_new (object, "from", json_string (from));
    json_object_set_new (object, "to", json_string (to));
}

/* A person's scorecards over the periods from `first` to today. */
static int
s_history (qf_ctx_t *ctx, const char *person, json_t **result_p)
{
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    qf_feedback_period_t period;
    /* From four years back: the report covers the recent periods. */
    s_period_of (ctx->config, today - 4 * 366, &period);
    json_t *items = json_array ();
    int rc = items ? 0 : QF_ENOMEM;
    while (!rc && period.first_day <= today) {
        json_t *cards = NULL;
        rc = qf_kpi_scorecards (ctx->store, ctx->config, &period, person, &cards);
        json_t *card = rc ? NULL : json_array_get (cards, 0);
        if (card && (json_integer_value (json_object_get (card, "contracts")) ||
                     json_integer_value (json_object_get (card, "scores")) ||
                     json_array_size (json_object_get (card, "violations")))) {
            s_set_period (card, &period);
            json_array_append (items, card);
        }
        json_decref (cards);
        s_period_of (ctx->config, period.last_day + 1, &period);
    }
    json_t *assessments = NULL;
    if (!rc)
        rc = qf_assessment_store_list (ctx->store, person, &assessments);
    if (rc) {
        json_decref (items);
        return qf_ctx_error (ctx, rc, NULL, "could not compute the KPIs: %s", qf_strerror (rc));
    }
    *result_p = json_pack ("{s:s, s:o, s:o}", "person", person, "items", items, "assessments",
                           assessments);
    return 0;
}

static int
s_report (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *text = json_string_value (json_object_get (args, "period"));
    const char *person = json_string_value (json_object_get (args, "person"));
    if (text && person)
        return qf_ctx_error (ctx, QF_EINVAL, "args.person",
                             "--person gives every period of the person: leave out --period");
    if (person)
        return s_history (ctx, person, result_p);
    qf_feedback_period_t period;
    if (!text)
        s_period_of (ctx->config, qf_calendar_today (ctx->config, ctx->now), &period);
    else if (qf_kpi_period_parse (text, &period))
        return qf_ctx_error (ctx, QF_EINVAL, "args.period", "period %s " PERIOD_RULE, text);
    json_t *cards = NULL;
    int rc = qf_kpi_scorecards (ctx->store, ctx->config, &period, NULL, &cards);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not compute the KPIs: %s", qf_strerror (rc));
    json_t *result = json_pack ("{s:o}", "items", cards);
    s_set_period (result, &period);
    size_t i;
    json_t *card;
    json_array_foreach (cards, i, card)
        json_object_set_new (card, "period", json_string (period.name));
    *result_p = result;
    return 0;
}

/* §5.2 "rewards for the best, an improvement plan for those under
   target": nonzero (ctx->error set) when a reward is recorded under
   assessment.reward_from, or no plan under assessment.plan_below. */
static int
s_fits_score (qf_ctx_t *ctx, json_t *card, const char *person, const char *period, bool reward,
              bool plan)
{
    const qf_assessment_config_t *settings = qf_assessment_config (ctx->config);
    double score = json_number_value (json_object_get (card, "score"));
    if (reward && score < settings->reward_from)
        return qf_ctx_error (ctx, QF_EINVAL, "args.reward",
                             "a reward is for the best: %s scored %.2f for %s, below "
                             "assessment.reward_from %d",
                             person, score, period, settings->reward_from);
    if (!plan && score < settings->plan_below)
        return qf_ctx_error (ctx, QF_EINVAL, "args.plan",
                             "%s scored %.2f for %s, under assessment.plan_below %d: record an "
                             "improvement plan (--plan, --goals, --review)",
                             person, score, period, settings->plan_below);
    return 0;
}

static int
s_record (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *person = json_string_value (json_object_get (args, "person"));
    const char *text = json_string_value (json_object_get (args, "period"));
    qf_feedback_period_t period;
    if (qf_kpi_period_parse (text, &period))
        return qf_ctx_error (ctx, QF_EINVAL, "args.period", "period %s " PERIOD_RULE, text);
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    if (period.last_day >= today)
        return qf_ctx_error (ctx, QF_EINVAL, "args.period",
                             "period %s has not ended: assess it after its last day", text);
    bool reward = json_object_get (args, "reward") != NULL;
    bool plan = json_object_get (args, "plan") != NULL;
    bool goals = json_object_get (args, "goals") != NULL;
    const char *review = json_string_value (json_object_get (args, "review"));
    if (reward && (plan || goals || review))
        return qf_ctx_error (ctx, QF_EINVAL, "args.reward",
                             "a reward or an improvement plan, not both: leave out one");
    if ((plan || goals || review) && !(plan && goals && review))
        return qf_ctx_error (ctx, QF_EINVAL, plan ? (goals ? "args.review" : "args.goals")
                                                  : "args.plan",
                             "an improvement plan needs --plan, --goals and --review together");
    int32_t review_day = 0;
    if (review && (qf_date_parse (review, &review_day) || review_day <= today))
        return qf_ctx_error (ctx, QF_EINVAL, "args.review",
                             "review date %s must be a date after today (YYYY-MM-DD)", review);
    json_t *cards = NULL;
    int rc = qf_kpi_scorecards (ctx->store, ctx->config, &period, person, &cards);
    if (rc == 0 && s_fits_score (ctx, json_array_get (cards, 0), person, period.name, reward, plan))
        rc = QF_EINVAL;
    char *scorecard = rc ? NULL : json_dumps (json_array_get (cards, 0), JSON_COMPACT);
    json_decref (cards);
    if (rc == QF_EINVAL)
        return rc;
    if (!rc && !scorecard)
        rc = QF_ENOMEM;
    json_t *record = json_deep_copy (args);
    json_object_set_new (record, "period", json_string (period.name));
    int64_t id = 0;
    if (!rc)
        rc = qf_assessment_store_add (ctx->store, record, scorecard, ctx->user, ctx->role,
                                      ctx->now, &id);
    free (scorecard);
    json_decref (record);
    if (rc == QF_ECONFLICT)
        return qf_ctx_error (ctx, rc, "args.person",
                             "%s already has an assessment for %s: it is recorded once", person,
                             period.name);
    json_t *list = NULL;
    if (!rc)
        rc = qf_assessment_store_list (ctx->store, person, &list);
    if (rc) {
        json_decref (list);
        return qf_ctx_error (ctx, rc, NULL, "could not record the assessment: %s",
                             qf_strerror (rc));
    }
    json_t *shown = NULL;
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item)
        if (json_integer_value (json_object_get (item, "id")) == id)
            shown = json_incref (item);
    json_decref (list);
    json_t *event = json_deep_copy (shown);
    json_object_del (event, "scorecard");
    rc = qf_emit (ctx->store, ctx->now, "staff.assessed", "assessment", id, event);
    if (rc) {
        json_decref (shown);
        return qf_ctx_error (ctx, rc, NULL, "could not raise staff.assessed: %s",
                             qf_strerror (rc));
    }
    *result_p = shown;
    return 0;
}

const qf_handler_t qf_assessment_handlers[] = {
    {"report.kpi", s_report},
    {"assessment.record", s_record},
    {NULL},
};
