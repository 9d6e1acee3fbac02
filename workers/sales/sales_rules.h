/*  sales_rules — the sales department's contract review (DOMAIN.md §6.3),
    made by the sales supervisor's worker: the delivery date leaves each
    qualification the processing days of its category (processing_days:,
    else contract.default_processing_days), counted from the day the
    contract was submitted. */
#ifndef SALES_RULES_H
#define SALES_RULES_H

#include "qf_contract_review.h"

extern const qf_contract_department_t qf_sales_contract_review;

#endif
