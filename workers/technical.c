/*  qualflow-technical — the technical department's worker.

    Consumes the "technical" consumer group and answers
    qualification.review_requested with a review.report after the technical
    review of DOMAIN.md §4.2: the category is configured and serves an
    industry, the scope is stated.
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
    return qf_rules_handle_review ((const qf_config_t *)arg, "technical", delivery, outcome);
}

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "technical", s_handle);
}
