/*  risk — the risk register (§7.1) and its responses (§7.2): what the
    other business modules call to raise the risks the system sees by
    itself, in the transaction of what causes them. Modules call each
    other through these C functions, never through the wire dispatcher.

    Every risk is scored from its likelihood and impact by the configured
    matrix (risk.matrix, risk.*_from), never typed in; when its level
    reaches risk.alert_level, risk.high goes to management once, and again
    only after it has dropped below and reached it anew.
*/
#ifndef QF_RISK_H
#define QF_RISK_H

#include <jansson.h>
#include <stdint.h>

#include "qf_config.h"
#include "qf_store.h"

/*  Contract `contract` (its row: id, number, owner, customer_id, price,
    delivery, state) is signed, not delivered, and its delivery date is
    `working_days_left` working days away (contract.delivery_at_risk):
    raises its processing risk (risk.delivery_likelihood, or
    risk.late_likelihood when the date has passed; risk.delivery_impact;
    the price times risk.loss_ratio), owned by its salesperson and
    reviewed on its delivery date, and places the timer that scores it
    again if the date passes undelivered. Nothing new when its delivery
    risk is already open. In the caller's transaction. */
int qf_risk_delivery_at_risk (qf_store_t *store, const qf_config_t *config, int64_t now,
                              json_t *contract, int working_days_left);

/*  Contract `contract_id` was delivered or cancelled (`why`, by `by`):
    its open delivery risk, if any, is closed with that reason. */
int qf_risk_contract_closed (qf_store_t *store, int64_t now, int64_t contract_id, const char *why,
                             const char *by);

/*  Policy change `policy` (its record: id, category, description,
    effective) was applied by `by`: it suspended the qualifications
    `suspended` (ids) and flagged the open contracts `flagged` (ids).
    Raises its policy risk (one per policy; applied again, it adds what is
    new) naming the qualifications and the contracts among the flagged
    that are already signed, with their customers; scored by
    risk.policy_likelihood and risk.policy_impact, the expected loss
    being those contracts' price times risk.loss_ratio; owned by
    risk.policy_owner, reviewed risk.review_days later. */
int qf_risk_policy_applied (qf_store_t *store, const qf_config_t *config, int64_t now,
                            json_t *policy, json_t *suspended, json_t *flagged, const char *by);

/*  Scores open risk `id` again with `likelihood` and `impact` (1-5) and
    `expected_loss` (yuan), `reason` and `by` on record: an assessment is
    added, risk.assessed appended, and risk.high when its level reaches
    risk.alert_level from below. QF_ENOTFOUND, QF_ECONFLICT when it is
    closed. In the caller's transaction. */
int qf_risk_rescore (qf_store_t *store, const qf_config_t *config, int64_t now, int64_t id,
                     int likelihood, int impact, double expected_loss, const char *reason,
                     const char *by);

#endif
