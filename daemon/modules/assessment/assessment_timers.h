/*  assessment_timers — the end of each assessment period as a durable
    timer (kind `assessment_due`, subject assessment/DAY: DAY the day
    number of the next period's first day), placed by the module's tick
    for the period that holds today and firing at the start of the first
    working day after the period; it raises staff.assessment_due once
    per period (the period is marked in assessment_periods). */
#ifndef QF_ASSESSMENT_TIMERS_H
#define QF_ASSESSMENT_TIMERS_H

#include <stdint.h>

#include "qf_config.h"
#include "qf_store.h"
#include "qf_timers.h"

extern const qf_timer_kind_t qf_assessment_timer_kinds[];

/*  The module's tick: places the timer of the current period's end when
    it has none (once a day at most per process). */
int qf_assessment_tick (qf_store_t *store, const qf_config_t *config, int64_t now,
                        int *raised_p);

#endif
