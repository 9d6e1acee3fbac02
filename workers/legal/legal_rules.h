/*  legal_rules — the legal department's review (DOMAIN.md §4.2, §7.2).

    The issuing authority is allowed, the certificate number has that
    authority's format, enough validity is left to sell, the scope is
    stated and allowed for the category, the category is configured; and
    in a review request, no active policy change covers the category.
*/
#ifndef LEGAL_RULES_H
#define LEGAL_RULES_H

#include "qf_review.h"

/*  The legal department: "legal" and its rule. The rule passes when the
    authority is on the allowed list; the certificate number matches that
    authority's pattern; the certificate has not expired (it expires when
    its expiry day begins) and the remaining validity (expires minus
    today) is at least policy.min_validity_for_sale_days; the scope is
    stated (not blank) and, when the category lists scopes, is one of
    them; the category is configured; and, when every check passes, the
    request names no active policy change (active_policies). */
extern const qf_review_department_t qf_legal_review;

#endif
