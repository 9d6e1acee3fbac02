/*  qualflow-legal — the legal department's worker.

    Consumes the "legal" consumer group and answers
    qualification.review_requested with a review.report after the legal
    review of DOMAIN.md §4.2: the issuing authority is allowed, the
    certificate number has that authority's format, enough validity is left
    to sell, the scope is stated and allowed for the category.
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
    return qf_rules_handle_review ((const qf_config_t *)arg, "legal", delivery, outcome);
}

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "legal", s_handle);
}
