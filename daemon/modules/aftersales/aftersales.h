/*  aftersales — callbacks after delivery (§6.4, §3.3): what the other
    business modules call. Modules call each other through these C
    functions, never through the wire dispatcher. */
#ifndef QF_AFTERSALES_H
#define QF_AFTERSALES_H

#include <jansson.h>
#include <stdint.h>

#include "qf_config.h"
#include "qf_store.h"

/*  Contract `contract` (its row: id, number, customer_id, owner) was
    delivered on `delivered_on` (YYYY-MM-DD): schedules its callbacks in
    the caller's transaction (the delivery's), one for each interval of
    policy.callback_intervals_days, each followed by a durable timer
    (kind callback_due) at calendar.reminder_time of the working day
    that many days after the delivery (a day off moves it by
    calendar.holiday_shift), and appends aftersales.callbacks_scheduled
    to the salesperson. A contract is delivered once, so its callbacks
    are scheduled once; QF_ECONFLICT should they exist. */
int qf_aftersales_schedule (qf_store_t *store, const qf_config_t *config, int64_t now,
                            json_t *contract, const char *delivered_on);

/*  The owner's supervisor, who is told of an escalated or long overdue
    callback: the staff directory's (qf_staff_supervisor_of, §5) when it
    names one, else the configured one (supervisors:, then
    aftersales.supervisor_role). Returns `buffer` or a configured name. */
const char *qf_aftersales_supervisor_of (qf_store_t *store, const qf_config_t *config,
                                         const char *owner, char *buffer, size_t size);

/*  The callbacks of contract `contract_id`, by interval (caller owns):
    each {id, contract_id, number, customer_id, owner, interval_days, day,
    due, state (scheduled, open, done, escalated), attempts, score, ...}. */
int qf_aftersales_of (qf_store_t *store, int64_t contract_id, json_t **callbacks_p);

/*  For the module's own files (its timers): appends `topic` about
    callback `callback` (its row) to `recipients` (a JSON array, taken),
    with `extra` fields (may be NULL; taken): {callback_id, contract_id,
    number, customer_id, customer, owner, assignee, interval_days, day,
    due, state, attempts, recipients, ...extra}, subject callback/ID. */
int qf_aftersales_emit (qf_store_t *store, int64_t now, const char *topic, json_t *callback,
                        json_t *recipients, json_t *extra);

#endif
