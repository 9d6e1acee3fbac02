/*  legal_contract — the legal department's contract review (DOMAIN.md
    §6.3): every required clause (contract_clauses:) present and
    unaltered, and each qualification still sellable and not reserved by
    another contract. */
#ifndef LEGAL_CONTRACT_H
#define LEGAL_CONTRACT_H

#include "qf_contract_review.h"

extern const qf_contract_department_t qf_legal_contract_review;

#endif
