/*  qualflow-finance — the finance department's worker.

    Consumes the "finance" consumer group and answers
    qualification.review_requested with a review.report after the finance
    review of DOMAIN.md §4.2: expected revenue against acquisition cost
    (policy.min_return_ratio).
    The rules live in qf_rules.c; the session in qf_worker.c.
*/
#include "qf_config.h"
#include "qf_rules.h"
#include "qf_worker.h"

/*  Handles one delivery with the configuration as `arg`; see
    qf_rules_handle_review. */
static int
s_handle (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome, void *arg)
{
    (void)worker;
    return qf_rules_handle_review ((const qf_config_t *)arg, "finance", delivery, outcome);
}

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "finance", s_handle);
}
