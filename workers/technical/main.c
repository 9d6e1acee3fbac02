/*  qualflow-technical — the technical department's worker.

    Consumes the "technical" consumer group:
    - qualification.review_requested: the technical review of DOMAIN.md §4.2:
      the category is configured and serves the industry, the scope is
      stated, in technical_rules.c, answered with review.report by the
      review scaffold (workers/qf_review.c).
    - feedback.received of a technical problem (§6.4): the technical
      group takes the case, answered with case.acknowledge, which records
      the group's receipt on the case (the first response to the customer
      stays a person's); service problems are not its to answer.
    The session and the dispatch by topic are in workers/qf_worker.c.
*/
#include "technical_rules.h"
#include "qf_worker.h"

#include <string.h>

/* A technical case came in: the technical group takes it. */
static int
s_feedback (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome,
            void *arg)
{
    (void)worker;
    (void)arg;
    const char *kind = json_string_value (json_object_get (delivery->payload, "kind"));
    json_t *id = json_object_get (delivery->payload, "case_id");
    if (!kind || strcmp (kind, "technical") != 0 || !json_is_integer (id))
        return 0; /* a service case: the after-sales staff's, not ours */
    outcome->result = json_pack ("{s:s, s:{s:O}}", "command", "case.acknowledge", "args", "id", id);
    return outcome->result ? 0 : qf_outcome_nack (outcome, 0, "out of memory");
}

static const qf_worker_route_t s_routes[] = {
    {QF_REVIEW_REQUESTED, qf_review_route, &qf_technical_review},
    {"feedback.received", s_feedback, NULL},
    {NULL, NULL, NULL},
};

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "technical", s_routes);
}
