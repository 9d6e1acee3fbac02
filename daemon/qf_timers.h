/*  qf_timers — expiry and renewal reminders (§4.3) as durable timers.

    A qualification's timers live in the database, one row each, and
    follow its record: approving it schedules a reminder at each
    policy.renewal_lead_days before expiry, on a working day at
    calendar.reminder_time (moved off holidays per calendar.holiday_shift),
    plus "expired" at the start of the expiry day (made even when that has
    passed, so it fires at once); moving the expiry date
    or renewing cancels them and schedules new ones. Only the pending ones
    that are due are read, through a partial index, so the daemon never
    holds them in memory.

    Firing is idempotent: a timer fires once, in the transaction that
    appends its event and marks it fired. After downtime each missed timer
    fires once at start-up, marked late (never once per missed day).
*/
#ifndef QF_TIMERS_H
#define QF_TIMERS_H

#include "qf_config.h"
#include "qf_store.h"

/* A timer firing more than this after its due time is reported late. */
#define QF_TIMER_LATE_MS 60000

/*  Replaces a qualification's pending timers with those of its expiry day.
    Inside a transaction. Reminders whose time has passed are not made;
    one due exactly now is. The "expired" timer is always made. */
int qf_timers_schedule (qf_store_t *store, const qf_config_t *config, int64_t qual_id,
                        int32_t expires, int64_t now);

/*  Fires up to `limit` due timers: appends certificate.expiring or
    certificate.expired (and moves an approved qualification to expired),
    marks each fired. Inside a transaction. *fired_p counts them. */
int qf_timers_fire (qf_store_t *store, const qf_config_t *config, int64_t now, int limit,
                    int *fired_p);

#endif
