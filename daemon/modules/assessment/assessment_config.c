/*  The assessment module's configuration keys (columns of qf_config_keys.h). */
#include "assessment/assessment_config.h"

#include "qf.h"
#include "qf_config_keys.h"

#include <assert.h>

#define AS(field) offsetof (qf_assessment_config_t, field)

const char *const qf_kpi_names[] = {"sales", "profit", "satisfaction", "new_customers", "growth",
                                    NULL};
static const char *const s_periods[] = {"quarter", "year", NULL};

/* clang-format off */
static const qf_key_t s_policy[] = {
    QF_ENUM   ("policy.assessment_period",          AS (period), 0, s_periods, QF_RELOAD, "§5.2 assessment: how often staff are assessed (quarters or years in policy.timezone); staff.assessment_due at each one's end"),
};
static const qf_key_t s_assessment[] = {
    QF_DOUBLE ("assessment.cost_ratio",             AS (cost_ratio), 0.6, 0.0, 1.0, QF_RELOAD, "§5.2 profit: the share of a signed contract's price that is cost, for every contract; profit = price × (1 − ratio)"),
    QF_INT    ("assessment.weight_sales",           AS (weight[QF_KPI_SALES]), 30, 0, 100, QF_RELOAD, "§5.2 weight of the sales amount KPI in the score"),
    QF_INT    ("assessment.weight_profit",          AS (weight[QF_KPI_PROFIT]), 20, 0, 100, QF_RELOAD, "§5.2 weight of the profit KPI in the score"),
    QF_INT    ("assessment.weight_satisfaction",    AS (weight[QF_KPI_SATISFACTION]), 20, 0, 100, QF_RELOAD, "§5.2 weight of the customer satisfaction KPI (average callback score) in the score"),
    QF_INT    ("assessment.weight_new_customers",   AS (weight[QF_KPI_NEW_CUSTOMERS]), 15, 0, 100, QF_RELOAD, "§5.2 weight of the new customers KPI in the score"),
    QF_INT    ("assessment.weight_growth",          AS (weight[QF_KPI_GROWTH]), 15, 0, 100, QF_RELOAD, "§5.2 weight of the sales growth KPI in the score; left out (the others re-weighted) when the previous period sold nothing"),
    QF_DOUBLE ("assessment.target_sales",           AS (target[QF_KPI_SALES]), 1000000.0, 1.0, 1e12, QF_RELOAD, "§5.2 target of sales in a period, yuan"),
    QF_DOUBLE ("assessment.target_profit",          AS (target[QF_KPI_PROFIT]), 400000.0, 1.0, 1e12, QF_RELOAD, "§5.2 target of profit in a period, yuan"),
    QF_DOUBLE ("assessment.target_satisfaction",    AS (target[QF_KPI_SATISFACTION]), 4.5, 1.0, 5.0, QF_RELOAD, "§5.2 target of the average callback score (1 to 5)"),
    QF_DOUBLE ("assessment.target_new_customers",   AS (target[QF_KPI_NEW_CUSTOMERS]), 5.0, 1.0, 1e6, QF_RELOAD, "§5.2 target of new customers in a period"),
    QF_INT    ("assessment.plan_below",             AS (plan_below), 60, 0, 100, QF_RELOAD, "§5.2 an improvement plan for those under target: an assessment of a person whose score (0 to 100) is below this must record one (--plan, --goals, --review); 0: never required"),
    QF_INT    ("assessment.reward_from",            AS (reward_from), 90, 0, 100, QF_RELOAD, "§5.2 rewards for the best: the least score (0 to 100) at which an assessment may record a reward", .at_least = "assessment.plan_below"),
    QF_DOUBLE ("assessment.target_growth",          AS (target[QF_KPI_GROWTH]), 10.0, 1, 1e4, QF_RELOAD, "§5.2 target of sales growth against the previous period, percent"),
};
static const qf_section_t s_sections[] = {
    QF_MAPPING ("policy", s_policy),
    QF_MAPPING ("assessment", s_assessment),
    {.name = NULL},
};
/* clang-format on */

const qf_config_part_t qf_assessment_config_part = {
    .module = "assessment",
    .sections = s_sections,
    .size = sizeof (qf_assessment_config_t),
};

const qf_assessment_config_t *
qf_assessment_config (const qf_config_t *config)
{
    const qf_assessment_config_t *self = qf_config_part (config, &qf_assessment_config_part);
    assert (self);
    return self;
}
