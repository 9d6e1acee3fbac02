/*  finance_rules — the finance department's review (DOMAIN.md §4.2):
    expected revenue against acquisition cost (policy.min_return_ratio).
*/
#ifndef FINANCE_RULES_H
#define FINANCE_RULES_H

#include "qf_review.h"

/*  The finance department: "finance" and its rule. With acquisition_cost
    and expected_revenue recorded, the rule passes iff cost > 0 and
    revenue / cost >= policy.min_return_ratio, the ratio counted as meeting
    the minimum within one part in 10^12 (decimal amounts such as
    8.04 / 6.70 are inexact in binary). The finding gives the ratio either
    way, with enough decimals to tell a failing one from the minimum.
    Without them it fails with the finding "no cost data: ... not
    recorded". `today` is unused. */
extern const qf_review_department_t qf_finance_review;

#endif
