/*  qualflow-aftersales — the after-sales worker (DOMAIN.md §6.4).

    Consumes the "aftersales" consumer group: aftersales.callback_due, raised
    by a callback's durable timer on the working day it falls on (30 and 90
    days after delivery by default). For each it reports callback.open,
    which opens the callback task for the contract's salesperson (or the
    configured after-sales role) with its due date. The command is
    idempotent per contract and interval, and a result is applied once per
    event, so an event delivered again (the worker killed while it held
    it, a replay of the group) opens no second task.
*/
#include "qf.h"
#include "qf_config.h"
#include "qf_worker.h"

/*  Answers aftersales.callback_due with callback.open. */
static int
s_due (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome, void *arg)
{
    (void)worker;
    (void)arg;
    json_t *contract = json_object_get (delivery->payload, "contract_id");
    json_t *interval = json_object_get (delivery->payload, "interval_days");
    if (!json_is_integer (contract) || !json_is_integer (interval))
        return qf_outcome_nack (outcome, 0, "malformed %s payload: no contract_id or interval_days",
                                delivery->topic);
    outcome->result = json_pack ("{s:s, s:{s:O, s:O}}", "command", "callback.open", "args",
                                 "contract_id", contract, "interval_days", interval);
    qf_info ("contract %lld: callback %lld days after delivery is due%s, opening its task",
             (long long)json_integer_value (contract), (long long)json_integer_value (interval),
             json_is_true (json_object_get (delivery->payload, "late")) ? " (late)" : "");
    return outcome->result ? 0 : QF_ENOMEM;
}

static const qf_worker_route_t s_routes[] = {
    {"aftersales.callback_due", s_due, NULL},
    {NULL, NULL, NULL},
};

int
main (int argc, char **argv)
{
    return qf_worker_main (argc, argv, "aftersales", s_routes);
}
