/*  qualflow-renewal — the renewal worker (DOMAIN.md §4.3).

    Consumes the "renewal" consumer group: certificate.expiring (a reminder
    at each configured lead time before expiry) and certificate.expired.
    For each it reports renewal.remind, which opens the qualification's
    renewal case (or raises its urgency as expiry nears) and tells the
    custodian and management, and sales once it has expired. Reports are
    applied once per event even when an event is delivered again.
*/
#include "qf.h"
#include "qf_config.h"
#include "qf_worker.h"

#include <string.h>

/*  Answers certificate.expiring and certificate.expired alike. */
static int
s_remind (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome, void *arg)
{
    (void)worker;
    (void)arg;
    bool expired = strcmp (delivery->topic, "certificate.expired") == 0;
    json_t *qualification = json_object_get (delivery->payload, "qualification");
    json_t *id = json_object_get (qualification, "id");
    json_t *lead = json_object_get (delivery->payload, "lead_days");
    if (!json_is_integer (id) || !json_is_integer (lead))
        return qf_outcome_nack (outcome, 0,
                                "malformed %s payload: no qualification.id or "
                                "lead_days",
                                delivery->topic);
    outcome->result = json_pack ("{s:s, s:{s:O, s:O}}", "command", "renewal.remind", "args",
                                 "qualification_id", id, "lead_days", lead);
    qf_info ("qualification %lld: %s%s, renewal reminder", (long long)json_integer_value (id),
             expired ? "expired" : "expiring",
             json_is_true (json_object_get (delivery->payload, "late")) ? " (late)" : "");
    return outcome->result ? 0 : QF_ENOMEM;
}

static const qf_worker_route_t s_routes[] = {
    {"certificate.expiring", s_remind, NULL},
    {"certificate.expired", s_remind, NULL},
    {NULL, NULL, NULL},
};

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "renewal", s_routes);
}
