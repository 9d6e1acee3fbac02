/*  risk_timers — the risk module's durable timers (§7.1, §7.2), their
    kinds declared in its module descriptor (qf_timers.h):
      risk_review_due      calendar.reminder_time of a risk's review date
                           (a day off moved to a working day by
                           calendar.holiday_shift): risk.review_due to its
                           owner while it is open. Subject "risk/ID".
      risk_action_overdue  calendar.reminder_time of the first working day
                           after an action's due date, then of each next
                           working day while it is open:
                           risk.action_overdue to the action's owner and
                           the risk's. Subject "risk_action/ID".
      risk_delivery_late   calendar.reminder_time of the first working day
                           after the delivery date of a contract whose
                           delivery was at risk: if it is still signed and
                           not delivered, its processing risk is scored
                           again with risk.late_likelihood. Subject
                           "risk/ID".
    A timer that fires on a day off or before the reminder time (late
    after downtime, or the calendar changed) places itself on the next
    working day instead.
*/
#ifndef QF_RISK_TIMERS_H
#define QF_RISK_TIMERS_H

#include <stdint.h>

#include "qf_timers.h"

extern const qf_timer_kind_t qf_risk_timer_kinds[];

/*  Places risk `id`'s review timer on `review` (YYYY-MM-DD), replacing
    the one it had. */
int qf_risk_watch_review (qf_store_t *store, const qf_config_t *config, int64_t id,
                          const char *review, int64_t now);
/*  Places action `id`'s overdue timer after its `due` date (YYYY-MM-DD). */
int qf_risk_watch_action (qf_store_t *store, const qf_config_t *config, int64_t id, const char *due,
                          int64_t now);
/*  Places risk `id`'s late-delivery timer after the `delivery` date,
    replacing the one it had. */
int qf_risk_watch_late (qf_store_t *store, const qf_config_t *config, int64_t id,
                        const char *delivery, int64_t now);
/*  Cancels a risk's pending timers (it is closed), and those of its
    actions `actions` (an array of action records, may be NULL). */
int qf_risk_unwatch (qf_store_t *store, int64_t id, json_t *actions);
/*  Cancels action `id`'s overdue timer (it is done). */
int qf_risk_unwatch_action (qf_store_t *store, int64_t id);

#endif
