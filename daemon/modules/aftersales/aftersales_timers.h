/*  aftersales_timers — the after-sales module's durable timers (§6.4),
    their kinds declared in its module descriptor (qf_timers.h); every one
    has the subject "callback/ID":
      callback_due       the callback's day, interval_days after the
                         delivery, at the reminder time, moved off a day
                         off by calendar.holiday_shift: if it is still
                         scheduled, aftersales.callback_due (the
                         after-sales worker opens the task).
      callback_retry     the working day after a call that did not reach
                         the customer, at the reminder time:
                         aftersales.callback_retry to its assignee.
      callback_overdue   the reminder time of the first working day after
                         an open callback's due date: aftersales.
                         callback_overdue to its owner, then, placed again
                         aftersales.supervisor_after_days working days
                         later, to the owner's supervisor.
    A callback done or escalated cancels its timers.
*/
#ifndef QF_AFTERSALES_TIMERS_H
#define QF_AFTERSALES_TIMERS_H

#include <stdint.h>

#include "qf_timers.h"

extern const qf_timer_kind_t qf_aftersales_timer_kinds[];

/*  Places callback `id`'s timer for its day, `anchor` (the delivery day
    plus its interval; the placement moves a day off). */
int qf_aftersales_watch_due (qf_store_t *store, const qf_config_t *config, int64_t id,
                             int32_t anchor, int64_t now);
/*  Places the reminder of call `attempt` of callback `id` on working day `day`. */
int qf_aftersales_watch_retry (qf_store_t *store, const qf_config_t *config, int64_t id,
                               int32_t day, int attempt, int64_t now);
/*  Places callback `id`'s overdue timer for its due date `due`. */
int qf_aftersales_watch_overdue (qf_store_t *store, const qf_config_t *config, int64_t id,
                                 int32_t due, int64_t now);
/*  Cancels every pending timer of callback `id`, or only those of `kind`
    (may be NULL). */
int qf_aftersales_unwatch (qf_store_t *store, int64_t id, const char *kind);

/*  The working day `count` working days after `day` (`day` itself when
    count is 0 and it is a working day, else the next one). */
int32_t qf_aftersales_working_days_after (const qf_config_t *config, int32_t day, int count);

#define QF_AFTERSALES_RETRY "callback_retry"

#endif
