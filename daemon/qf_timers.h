/*  qf_timers — durable timers: expiry and renewal reminders (§4.3) and the
    day a policy change takes effect (§7.2).

    Timers live in the database, one row each, and only the pending ones
    that are due are read, through a partial index, so the daemon never
    holds them in memory. A timer keeps the day it is placed from (its
    anchor: the expiry day, the effective date) and its lead in days; its
    kind says how its due time follows from them, in policy.timezone:
      expiring          lead_days before expiry, on a working day at
                        calendar.reminder_time (moved off days off per
                        calendar.holiday_shift);
      expired           00:00 of the expiry day (made even when that has
                        passed, so it fires at once);
      policy_effective  00:00 of the policy's effective date.
    A qualification's timers follow its record: approving it schedules a
    reminder at each policy.renewal_lead_days and "expired"; moving the
    expiry date or renewing cancels them and schedules new ones.

    When the calendar changes (holidays, make-up days, reminder time,
    holiday shift, time zone), by SIGHUP or by a restart with another file,
    every pending timer is placed again from its anchor, in the transaction
    that applies the change: the database keeps a fingerprint of the
    calendar its pending timers were placed by.

    Firing is idempotent: a timer fires once, in the transaction that
    appends its event and marks it fired. After downtime each missed timer
    fires once at start-up, marked late (never once per missed day); so
    does one that a calendar change placed before the present.
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

/*  Schedules the start of a pending policy's effective date, when the
    policy takes effect (qf_policy_take_effect). Inside a transaction. */
int qf_timers_schedule_policy (qf_store_t *store, const qf_config_t *config, int64_t policy_id,
                               int32_t effective, int64_t now);

/*  Fires up to `limit` due timers: appends each kind's events (and moves
    an approved qualification to expired, makes a policy active), marks
    each fired. Inside a transaction. *fired_p counts them. */
int qf_timers_fire (qf_store_t *store, const qf_config_t *config, int64_t now, int limit,
                    int *fired_p);

/*  When the calendar's fingerprint differs from the one the database
    keeps (or none is kept yet), places every pending timer again from its
    anchor and keeps the new fingerprint; logs the change with the number
    of timers moved. Inside the transaction that applies the configuration;
    `when` names the occasion in the log ("start", "SIGHUP"). *moved_p
    (may be NULL) counts the timers moved. */
int qf_timers_calendar_sync (qf_store_t *store, const qf_config_t *config, int64_t now,
                             const char *when, int *moved_p);

/*  The pending reminders placed on working days that fall in years
    calendar.holidays does not list, as a new JSON object {"YEAR": count}
    (empty when there are none). Caller owns *years_p. */
int qf_timers_uncovered (qf_store_t *store, const qf_config_t *config, json_t **years_p);

/*  Logs a warning naming those years and what to do, when there are any;
    `when` names the occasion ("start", "SIGHUP"). */
void qf_timers_warn_uncovered (qf_store_t *store, const qf_config_t *config, const char *when);

/*  The calendar part of the daemon's status: {holiday_years, fingerprint,
    timers_without_holidays, and a warning when that is not empty}. Caller
    owns the result; NULL when out of memory. */
json_t *qf_timers_calendar_status (qf_store_t *store, const qf_config_t *config);

#endif
