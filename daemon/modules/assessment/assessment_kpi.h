/*  assessment_kpi — the KPIs of §5.2, computed from the records, never
    typed in: per salesperson and period, the sales amount (current price
    of the contracts signed in the period, signed or delivered now), the
    profit (sales × (1 − assessment.cost_ratio)), the customer satisfaction
    (average score of the callbacks reached in the period, of the
    contracts the person owns), the new customers (customers whose first
    signed contract, of anyone, falls in the period and is the person's),
    and the growth of sales against the previous period (percent; none
    when the previous period sold nothing).

    Score: each KPI's achievement is actual / target, at most 1; the score
    is 100 × Σ weight × achievement / Σ weight over the KPIs that have a
    figure (satisfaction without a scored callback and growth without a
    previous period are left out and the others re-weighted). */
#ifndef QF_ASSESSMENT_KPI_H
#define QF_ASSESSMENT_KPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "assessment/assessment_config.h"
#include "feedback/feedback_config.h"
#include "feedback/feedback_report.h"
#include "qf_store.h"

/* A person's scorecard in a period. */
typedef struct {
    char person[65];
    int64_t contracts;         /* signed in the period */
    double sales;              /* yuan */
    double previous_sales;     /* yuan, the previous period */
    int64_t scores;            /* callbacks scored in the period */
    double score_sum;          /* their scores' sum */
    int64_t new_customers;     /* first signed contracts */
    double value[QF_KPI_COUNT];        /* each KPI's figure */
    bool has[QF_KPI_COUNT];            /* whether it has one */
    double achievement[QF_KPI_COUNT];  /* value / target, at most 1 */
    double score;                      /* 0 to 100 */
} qf_scorecard_t;

/*  Fills a scorecard's values, achievements and score from its counts
    (contracts, sales, previous_sales, scores, score_sum, new_customers)
    and the configuration. Pure. */
void qf_kpi_score (const qf_assessment_config_t *settings, qf_scorecard_t *card);

/*  Parses an assessment period: a quarter "2027Q1" or a year "2027"
    (a month is refused). 0, or QF_EINVAL. Pure. */
int qf_kpi_period_parse (const char *text, qf_feedback_period_t *period);

/*  The period before `period` (the quarter or year before). Pure. */
void qf_kpi_period_previous (const qf_feedback_period_t *period, qf_feedback_period_t *previous);

/*  The scorecards of `period` as JSON (*cards_p, caller owns: an array of
    {person, contracts, sales, profit, satisfaction, scores, new_customers,
    previous_sales, growth, achievement {kpi: share}, score, violations}),
    one per salesperson of the staff directory and per owner of a contract
    signed or callback scored in the period, by person; only `person`'s
    when given. */
int qf_kpi_scorecards (qf_store_t *store, const qf_config_t *config,
                       const qf_feedback_period_t *period, const char *person, json_t **cards_p);

/*  The JSON of one scorecard (caller owns). */
json_t *qf_kpi_card_json (const qf_scorecard_t *card);

#endif
