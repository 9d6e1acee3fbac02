/*  feedback_timers — the feedback module's durable timers (§6.4, §3.3),
    their kinds declared in its module descriptor (qf_timers.h):
      feedback_overdue  the first working day after a case's deadline, at
                        calendar.reminder_time: if the case is not closed,
                        it is marked overdue and feedback.overdue goes to
                        its owner and its department, once. Subject
                        "case/ID".
      feedback_digest   00:00 of the first day after a period
                        (feedback.digest_period) ends: feedback.digest to
                        each department a category names, with the
                        period's figures of its categories; then the next
                        period's is placed. Subject "digest/DAY", DAY the
                        day number of the next period's first day.
*/
#ifndef QF_FEEDBACK_TIMERS_H
#define QF_FEEDBACK_TIMERS_H

#include <stdint.h>

#include "qf_timers.h"

extern const qf_timer_kind_t qf_feedback_timer_kinds[];

/*  Places case `id`'s overdue timer for its `deadline` (day number). */
int qf_feedback_watch_case (qf_store_t *store, const qf_config_t *config, int64_t id,
                            int32_t deadline, int64_t now);
/*  Cancels it: the case is closed. */
int qf_feedback_unwatch_case (qf_store_t *store, int64_t id);

/*  Places the digest's timer for the end of the period holding `now`
    unless one is pending (the chain of digests starts with the first
    feedback and goes on by itself). */
int qf_feedback_watch_digest (qf_store_t *store, const qf_config_t *config, int64_t now);

#endif
