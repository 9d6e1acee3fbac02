/*  qualflow-finance — the finance department's worker.

    Consumes the "finance" consumer group:
    - qualification.review_requested: the finance review of DOMAIN.md §4.2:
      expected revenue against acquisition cost (policy.min_return_ratio),
      in finance_rules.c, answered with review.report by the review
      scaffold (workers/qf_review.c);
    - contract.review_requested: the finance review of a contract (§6.3,
      §5.3) in finance_contract.c, answered with contract.report by the
      contract review scaffold (workers/qf_contract_review.c);
    - contract.signed: the receivables of the payment schedule, made by
      payment.receivables. The daemon records the command's result with
      the delivery's, so a redelivered contract.signed whose result is
      recorded is acked without asking again; and payment.receivables makes
      an instalment's receivable only once, so even a redelivery after a
      lost ack creates none twice. For a contract cancelled before this
      worker got to it (it was down or behind), the daemon makes none and
      records the result, so the event is not retried.
    The session and the dispatch by topic are in workers/qf_worker.c.
*/
#include "finance_contract.h"
#include "finance_rules.h"
#include "qf_error.h"
#include "qf_log.h"
#include "qf_worker.h"

static int
s_signed (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome,
          void *config)
{
    (void)worker;
    (void)config;
    json_t *id = json_object_get (delivery->payload, "contract_id");
    if (!json_is_integer (id))
        return qf_outcome_nack (outcome, 0, "malformed contract.signed payload: no contract_id");
    outcome->result =
        json_pack ("{s:s, s:{s:O}}", "command", "payment.receivables", "args", "contract_id", id);
    qf_info ("contract %lld signed: making its receivables", (long long)json_integer_value (id));
    return outcome->result ? 0 : QF_ENOMEM;
}

static const qf_worker_route_t s_routes[] = {
    {QF_REVIEW_REQUESTED, qf_review_route, &qf_finance_review},
    {QF_CONTRACT_REVIEW_REQUESTED, qf_contract_review_route, &qf_finance_contract_review},
    {"contract.signed", s_signed, NULL},
    {NULL, NULL, NULL},
};

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "finance", s_routes);
}
