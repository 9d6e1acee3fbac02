/*  assessment_config — the assessment module's configuration part (§5.2):
    the period staff are assessed over (policy.assessment_period), the cost
    ratio that gives a contract's profit, and each KPI's weight and target.

    Costs: one configured ratio of the signed price (assessment.cost_ratio)
    for every contract; profit = price × (1 − cost_ratio). The contracts
    carry no cost field of their own today, so a ratio is the one figure
    the records can support; it is the same for every salesperson, which
    keeps the profit KPI comparable.

    The rows are in assessment_config.c; read them with qf_assessment_config().
*/
#ifndef QF_ASSESSMENT_CONFIG_H
#define QF_ASSESSMENT_CONFIG_H

#include "qf_config.h"

/* The KPIs, in the order of the weights and targets below. */
typedef enum {
    QF_KPI_SALES,         /* yuan signed in the period */
    QF_KPI_PROFIT,        /* yuan: sales × (1 − cost_ratio) */
    QF_KPI_SATISFACTION,  /* average callback score, 1 to 5 */
    QF_KPI_NEW_CUSTOMERS, /* customers whose first signed contract is in the period */
    QF_KPI_GROWTH,        /* percent: sales against the previous period's */
    QF_KPI_COUNT
} qf_kpi_t;

extern const char *const qf_kpi_names[]; /* sales profit satisfaction new_customers growth, NULL */

typedef struct {
    int period;                  /* policy.assessment_period: 0 quarter, 1 year */
    double cost_ratio;           /* assessment.cost_ratio */
    int weight[QF_KPI_COUNT];    /* assessment.weight_<kpi> */
    double target[QF_KPI_COUNT]; /* assessment.target_<kpi> */
    int plan_below;              /* assessment.plan_below: a plan is required under it */
    int reward_from;             /* assessment.reward_from: a reward only from it */
} qf_assessment_config_t;

extern const qf_config_part_t qf_assessment_config_part;

const qf_assessment_config_t *qf_assessment_config (const qf_config_t *config);

#endif
