/*  contract_timers — the contract module's durable timers (§6.3, §7.2),
    their kinds declared in its module descriptor (qf_timers.h):
      contract_delivery_at_risk  contract.delivery_at_risk_days working
                                 days before a signed contract's delivery
                                 date, at the reminder time: if it is not
                                 delivered, contract.delivery_at_risk to
                                 its salesperson. Subject "contract/ID".
      contract_payment_overdue   the first working day after an
                                 instalment's due date, at the reminder
                                 time, and each working day after while it
                                 is not paid: payment.overdue to finance
                                 and the salesperson. Subject
                                 "receivable/ID".
*/
#ifndef QF_CONTRACT_TIMERS_H
#define QF_CONTRACT_TIMERS_H

#include <stdint.h>

#include "qf_timers.h"

extern const qf_timer_kind_t qf_contract_timer_kinds[];

/*  Places contract `id`'s delivery timer for `delivery` (YYYY-MM-DD). */
int qf_contract_watch_delivery (qf_store_t *store, const qf_config_t *config, int64_t id,
                                const char *delivery, int64_t now);
/*  Cancels it: delivered or cancelled. */
int qf_contract_unwatch_delivery (qf_store_t *store, int64_t id);
/*  Places receivable `receivable_id`'s overdue timer for its `due` date. */
int qf_contract_watch_payment (qf_store_t *store, const qf_config_t *config, int64_t receivable_id,
                               const char *due, int64_t now);
/*  Cancels it: paid. */
int qf_contract_unwatch_payment (qf_store_t *store, int64_t receivable_id);

#endif
