/*  finance_contract — the finance department's contract review (DOMAIN.md
    §6.3, §5.3): each line's price against the floor of the submitter's
    discount limit (policy.max_discount_ROLE) unless the proposal's
    approval covers it, the payment term in the allowed list
    (payment_terms:) with its number of instalments, and the schedule
    adding up to the price. */
#ifndef FINANCE_CONTRACT_H
#define FINANCE_CONTRACT_H

#include "qf_contract_review.h"

extern const qf_contract_department_t qf_finance_contract_review;

#endif
