/*  qualflow-finance — the finance department's worker.

    Consumes the "finance" consumer group:
    - qualification.review_requested: the finance review of DOMAIN.md §4.2:
      expected revenue against acquisition cost (policy.min_return_ratio),
      in finance_rules.c, answered with review.report by the review
      scaffold (workers/qf_review.c).
    The session and the dispatch by topic are in workers/qf_worker.c.
*/
#include "finance_rules.h"
#include "qf_worker.h"

static const qf_worker_route_t s_routes[] = {
    {QF_REVIEW_REQUESTED, qf_review_route, &qf_finance_review},
    {NULL, NULL, NULL},
};

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "finance", s_routes);
}
