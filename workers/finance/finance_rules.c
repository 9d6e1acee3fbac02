/*  finance_rules — the finance department's review (DOMAIN.md §4.2). */
#include "finance_rules.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The 'qual rectify' options of the fields finance checks. */
#define OPT_COST    "--cost N"
#define OPT_REVENUE "--revenue N"

/* Amounts and the minimum are decimals, but their binary forms are off by
   parts in 10^16: 8.04 / 6.70 computes 1.1999999999999997 for an exact 1.2.
   A ratio within one part in 10^12 of the minimum meets it, which still
   tells apart one fen in ten billion yuan. */
#define RATIO_SLACK 1e-12

/* Reads a money field: 1 with the value, 0 when absent or null, -1 when
   present but not a number >= 0 (with a finding naming `option`). */
static int
s_amount (json_t *record, const char *key, const char *option, double *value_p, qf_review_t *review)
{
    json_t *value = json_object_get (record, key);
    if (!value || json_is_null (value))
        return 0;
    if (!json_is_number (value) || json_number_value (value) < 0 ||
        !isfinite (json_number_value (value))) {
        qf_review_finding (review, option, 0, "%s is not a number of at least 0", key);
        return -1;
    }
    *value_p = json_number_value (value);
    return 1;
}

/* Decimal places to show a ratio and its minimum with: at least 2, enough
   to write the minimum exactly and, when the ratio fails, to show it apart
   from the minimum ("1.1999 is below 1.2000", never "1.20 is below 1.20"). */
static int
s_ratio_places (double ratio, double minimum, bool meets)
{
    int places = 2;
    for (; places < 12; places++) {
        char shown[64], least[64];
        snprintf (least, sizeof least, "%.*f", places, minimum);
        snprintf (shown, sizeof shown, "%.*f", places, ratio);
        if (strtod (least, NULL) == minimum && (meets || strcmp (shown, least) != 0))
            break;
    }
    return places;
}

static int
s_finance (const qf_config_t *cfg, json_t *qualification, json_t *payload, int32_t today,
           qf_review_t *review)
{
    (void)payload;
    (void)today;
    double cost = 0, revenue = 0;
    int has_cost = s_amount (qualification, "acquisition_cost", OPT_COST, &cost, review);
    int has_revenue = s_amount (qualification, "expected_revenue", OPT_REVENUE, &revenue, review);
    if (has_cost < 0 || has_revenue < 0)
        return 0;
    if (!has_cost || !has_revenue) {
        /* §4.2: finance weighs cost against expected revenue; without them it cannot pass. */
        if (!has_cost)
            qf_review_option (review, OPT_COST);
        qf_review_finding (review, has_revenue ? NULL : OPT_REVENUE, 0,
                           "no cost data: %s not recorded; record them and resubmit",
                           !has_cost && !has_revenue ? "acquisition_cost and expected_revenue"
                           : !has_cost               ? "acquisition_cost"
                                                     : "expected_revenue");
        return 0;
    }
    if (cost <= 0) {
        qf_review_finding (review, OPT_COST, 0,
                           "acquisition cost is 0, so the return ratio (expected revenue %.15g / "
                           "cost) cannot be computed; record the real acquisition cost",
                           revenue);
        return 0;
    }
    double ratio = revenue / cost, minimum = qf_qualification_config (cfg)->min_return_ratio;
    bool meets = ratio >= minimum * (1 - RATIO_SLACK);
    int places = s_ratio_places (ratio, minimum, meets);
    if (meets) {
        qf_review_finding (review, NULL, 0,
                           "return ratio %.*f (expected revenue %.15g / acquisition cost %.15g) "
                           "meets the minimum %.*f",
                           places, ratio, revenue, cost, places, minimum);
        return 1;
    }
    qf_review_option (review, OPT_COST);
    qf_review_finding (review, OPT_REVENUE, QF_REVIEW_REJECT,
                       "return ratio %.*f (expected revenue %.15g / acquisition cost %.15g) is "
                       "below the minimum %.*f",
                       places, ratio, revenue, cost, places, minimum);
    return 0;
}

const qf_review_department_t qf_finance_review = {"finance", s_finance};
