/*  contract_config — the contract module's configuration part (§6.3):
    the company that signs (name, credit code, address, representative),
    the clauses every contract must carry (id and text template, Chinese
    welcome), the payment terms a contract may use, the contract number
    pattern with its yearly sequence, which departments review a contract
    and which of them a person confirms, the processing days of each
    category (the sales check of the delivery date), how many working
    days before the delivery date a contract not yet delivered is at
    risk, and whether a qualification is sold once per period of use.

    The rows are in contract_config.c; the daemon and the workers read the
    settings through qf_contract_config().
*/
#ifndef QF_CONTRACT_CONFIG_H
#define QF_CONTRACT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "qf_config.h"

/* A required clause: its id and the text every contract states. */
typedef struct {
    char *name; /* its id, [a-z0-9._-] */
    char *text; /* the clause as the customer reads it, UTF-8 */
} qf_contract_clause_t;

/* An allowed payment term. */
typedef struct {
    char *name;      /* its id */
    char *text;      /* what the contract says of it */
    int instalments; /* how many instalments its schedule has, exactly */
} qf_payment_term_t;

/* Processing days of a category (§6.3: the delivery date must leave them). */
typedef struct {
    char *name; /* a category of categories: */
    int days;   /* calendar days from submission to delivery, at least */
} qf_processing_days_t;

typedef struct {
    char *company_name;                           /* contract.company_name */
    char *company_credit_code;                    /* contract.company_credit_code */
    char *company_address;                        /* contract.company_address */
    char *company_representative;                 /* contract.company_representative */
    char *number_pattern;                         /* contract.number_pattern: {year}, {seq:N} */
    char *breach_liability;                       /* contract.breach_liability */
    char *review_departments[QF_CONFIG_LIST_MAX]; /* contract.departments */
    size_t review_department_count;
    char *confirmed_by_person[QF_CONFIG_LIST_MAX]; /* contract.confirmed_by_person */
    size_t confirmed_count;
    int delivery_at_risk_days;     /* contract.delivery_at_risk_days (working days) */
    int default_processing_days;   /* contract.default_processing_days */
    bool sold_once_per_period;     /* contract.sold_once_per_period */
    qf_contract_clause_t *clauses; /* contract_clauses: */
    size_t clause_count;
    qf_payment_term_t *terms; /* payment_terms: */
    size_t term_count;
    qf_processing_days_t *processing; /* processing_days: */
    size_t processing_count;
} qf_contract_config_t;

/* The part (qf_config_keys.h), listed by the build in qf_config_parts[]. */
extern const qf_config_part_t qf_contract_config_part;

/*  The module's settings in a loaded configuration. */
const qf_contract_config_t *qf_contract_config (const qf_config_t *config);

/*  The payment term of that id; NULL when it is not configured. */
const qf_payment_term_t *qf_contract_term (const qf_config_t *config, const char *id);

/*  The required clause of that id; NULL when it is not configured. */
const qf_contract_clause_t *qf_contract_clause (const qf_config_t *config, const char *id);

/*  The processing days of `category`: its processing_days: entry, else
    contract.default_processing_days. */
int qf_contract_processing_days (const qf_config_t *config, const char *category);

/*  Whether `department` reviews contracts (contract.departments),
    and whether a person confirms its verdict. */
bool qf_contract_reviews (const qf_config_t *config, const char *department);
bool qf_contract_confirmed_by_person (const qf_config_t *config, const char *department);

/*  The role that reports for `department`: sales -> supervisor, finance
    -> finance, legal -> legal. */
const char *qf_contract_department_role (const char *department);

/*  Writes the contract number of `seq` in `year` by `pattern` ({year}:
    the year; {seq:N}: the sequence zero-padded to N digits, {seq}: as
    is; other text as it stands) into `out`. 0, or QF_EINVAL when the
    pattern has another placeholder, no {seq}, or does not fit. Pure. */
int qf_contract_number (const char *pattern, int year, long long seq, char *out, size_t size);

#endif
