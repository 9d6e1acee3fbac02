/*  qualflow-legal — the legal department's worker.

    Consumes the "legal" consumer group:
    - qualification.review_requested: the legal review of DOMAIN.md §4.2
      (legal_rules.c), answered with review.report by the review scaffold
      (workers/qf_review.c);
    - contract.review_requested: the legal review of a contract (§6.3) in
      legal_contract.c: required clauses present and unaltered, each
      qualification sellable and not another contract's, answered with
      contract.report (workers/qf_contract_review.c);
    - policy.changed: §7.2, the legal department suspends what a policy
      change affects, with policy.apply.
    The session and the dispatch by topic are in workers/qf_worker.c.
*/
#include "legal_contract.h"
#include "legal_rules.h"
#include "qf_error.h"
#include "qf_log.h"
#include "qf_worker.h"

/*  §7.2: a policy change suspends the qualifications it affects; the
    daemon finds them (policy.apply), this worker decides to. */
static int
s_policy_changed (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome,
                  void *config)
{
    (void)worker;
    (void)config;
    json_t *id = json_object_get (json_object_get (delivery->payload, "policy"), "id");
    if (!json_is_integer (id))
        return qf_outcome_nack (outcome, 0, "malformed policy.changed payload: no policy.id");
    outcome->result =
        json_pack ("{s:s, s:{s:O}}", "command", "policy.apply", "args", "policy_id", id);
    qf_info ("policy %lld changed: suspending the qualifications it affects",
             (long long)json_integer_value (id));
    return outcome->result ? 0 : QF_ENOMEM;
}

static const qf_worker_route_t s_routes[] = {
    {QF_REVIEW_REQUESTED, qf_review_route, &qf_legal_review},
    {QF_CONTRACT_REVIEW_REQUESTED, qf_contract_review_route, &qf_legal_contract_review},
    {"policy.changed", s_policy_changed, NULL},
    {NULL, NULL, NULL},
};

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "legal", s_routes);
}
