/*  qualflow-sales — the sales department's worker (the sales supervisor's
    review of a contract, DOMAIN.md §6.3).

    Consumes the "sales" consumer group, whose role is supervisor
    (config/qualflow.yaml): contract.review_requested, answered with
    contract.report for department sales (sales_rules.c: the delivery date
    against the processing days of each qualification's category).

    A worker of its own rather than a rule set in another: each reviewing
    department is its own consumer group with its own role, so its verdict
    is reported with the role that may report it (the daemon refuses a
    sales verdict from the legal or finance role), its backlog and
    failures do not hold up the other two, and a person can stand in for it
    (contract.confirmed_by_person) without touching the others.
    The session and the dispatch by topic are in workers/qf_worker.c.
*/
#include "sales_rules.h"
#include "qf_worker.h"

static const qf_worker_route_t s_routes[] = {
    {QF_CONTRACT_REVIEW_REQUESTED, qf_contract_review_route, &qf_sales_contract_review},
    {NULL, NULL, NULL},
};

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "sales", s_routes);
}
