/*  qualflow-technical — the technical department's worker.

    Consumes the "technical" consumer group:
    - qualification.review_requested: the technical review of DOMAIN.md §4.2:
      the category is configured and serves the industry, the scope is
      stated, in technical_rules.c, answered with review.report by the
      review scaffold (workers/qf_review.c).
    The session and the dispatch by topic are in workers/qf_worker.c.
*/
#include "technical_rules.h"
#include "qf_worker.h"

static const qf_worker_route_t s_routes[] = {
    {QF_REVIEW_REQUESTED, qf_review_route, &qf_technical_review},
    {NULL, NULL, NULL},
};

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "technical", s_routes);
}
