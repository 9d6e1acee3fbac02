/*  customer_timers — the customer module's durable timer (§3.3, §6.1),
    its kind declared in its module descriptor (qf_timers.h):
      customer_next_step  a next step of the contact log past its due date:
                          placed at calendar.reminder_time of the first
                          working day after the due date; raises
                          customer.next_step_overdue to the customer's
                          owner, once per next step.
    Its subject is the contact log entry ("customer_contact/12"), its
    anchor that first working day, its payload empty. Recording the step
    as done, or a later contact, cancels it.
*/
#ifndef QF_CUSTOMER_TIMERS_H
#define QF_CUSTOMER_TIMERS_H

#include "qf_timers.h"

/* The kinds, NULL-name-terminated (qf_module_t.timer_kinds). */
extern const qf_timer_kind_t qf_customer_timer_kinds[];

/*  Schedules the overdue reminder of entry `log_id`'s next step, due on
    day `due`: made even when that is past, so that it fires at once (on
    a working day). Inside a transaction. */
int qf_customer_schedule_step (qf_store_t *store, const qf_config_t *config, int64_t log_id,
                               int32_t due, int64_t now);

/*  Cancels it: the step was done, or a later contact replaced it. Inside a
    transaction. */
int qf_customer_cancel_step (qf_store_t *store, int64_t log_id);

#endif
