/*  technical_rules — the technical department's review (DOMAIN.md §4.2):
    feasibility in real use.
*/
#ifndef TECHNICAL_RULES_H
#define TECHNICAL_RULES_H

#include "qf_review.h"

/*  The technical department: "technical" and its rule. The rule passes
    when the category is configured and serves at least one industry (the
    record's industry, when it names one) and the scope is stated. `today`
    is unused. */
extern const qf_review_department_t qf_technical_review;

#endif
