/*  qf_contract_review — the department side of the contract review
    (DOMAIN.md §6.3): the scaffold every reviewing worker (legal, finance,
    sales) shares, as qf_review.h is for qualifications.

    contract.review_requested carries the version under review whole
    ("contract": parties, lines, price, payment_term, schedule, delivery,
    clauses), the facts only the daemon knows ("qualifications": each
    sellable or not and which contract reserves it), the discount approval
    of the proposal ("discount_approval") with the submitter's role and
    limit, and the departments asked ("departments"). A department's rule
    reads them with the configuration and appends its findings; the
    scaffold answers with

        {"command": "contract.report", "args": {"id", "version",
         "department", "verdict": "pass"|"fail", "findings": "a; b"}}

    which the daemon runs with the group's role, in the transaction that
    records the delivery's result: a redelivered request whose result is
    recorded is acked without running the rule again (qf_worker.h).
*/
#ifndef QF_CONTRACT_REVIEW_H
#define QF_CONTRACT_REVIEW_H

#include "qf_config.h"
#include "qf_worker.h"

#include <jansson.h>
#include <stdint.h>

#define QF_CONTRACT_REVIEW_REQUESTED "contract.review_requested"

/*  A department's rule: 1 when the contract passes, 0 when a check fails
    (with at least one finding appended to `findings`, texts without ';'),
    or a negative QF_E* code. `today` is the request's day in the
    company's time zone. */
typedef int (*qf_contract_rule_fn) (const qf_config_t *cfg, json_t *payload, int32_t today,
                                    json_t *findings);

typedef struct {
    const char *name;         /* "legal", "finance", "sales" */
    qf_contract_rule_fn rule; /* its checks */
} qf_contract_department_t;

/*  Appends one printf-formatted finding (';' written as ','). */
void qf_contract_finding (json_t *findings, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

/*  Answers `payload` for `department`: *result_p is the contract.report
    command, or NULL when the department is not among the payload's
    departments. 0, QF_EINVAL (no contract_id, version or contract) or
    QF_ENOMEM. */
int qf_contract_review_run (const qf_config_t *cfg, const qf_contract_department_t *department,
                            json_t *payload, int32_t today, json_t **result_p);

/*  The contract.review_requested row of a dispatch table whose data is the
    department; `config` is the configuration. */
int qf_contract_review_route (qf_worker_t *worker, const qf_worker_event_t *delivery,
                              qf_outcome_t *outcome, void *config);

#endif
