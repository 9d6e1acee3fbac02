/*  qf_timers — generic durable timers, for every business module.

    A timer is (kind, subject, due time, payload), one row in the database:
      kind     what it does when due: a qf_timer_kind_t that a module
               declares in its descriptor (qf_module_t.timer_kinds), with a
               fire function; the engine knows no kind by name;
      subject  the record it follows, "PREFIX/ID" ("qualification/7",
               "policy/3"), as the subject of events;
      due      placed from an anchor day (an expiry day, an effective date)
               and a lead in days, by the kind's rule, in policy.timezone:
               QF_TIMER_AT_REMINDER: lead days before the anchor, moved to
               a working day (calendar.holidays, calendar.workdays,
               calendar.holiday_shift), at calendar.reminder_time;
               QF_TIMER_AT_DAY_START: 00:00 of the day lead days before it;
      payload  a JSON object the module gives when it adds the timer and
               gets back when it fires.
    The kinds today: renewal's expiring and expired
    (renewal/renewal_timers.h), policy's policy_effective
    (policy/policy_timers.h).

    Only the pending timers that are due are read, earliest first, through
    a partial index, so the daemon never holds them in memory. A record's
    timers follow it: its module cancels them by subject when the record's
    date moves or it goes away, and adds new ones.

    When the calendar changes (holidays, make-up days, reminder time,
    holiday shift, time zone), by SIGHUP or by a restart with another file,
    every pending timer is placed again from its anchor, in the transaction
    that applies the change: the database keeps a fingerprint of the
    calendar its pending timers were placed by.

    Firing is idempotent: a timer fires once, in the transaction that
    runs its kind's fire function (which appends its events) and marks it
    fired. After downtime each missed timer fires once at start-up, marked
    late (never once per missed day); so does one that a calendar change
    placed before the present. A pending timer of a kind that no linked
    module declares (its module removed) is left pending, neither fired nor
    placed again, and named in a warning at start and on SIGHUP.

    To give a module a timer kind: define a NULL-name-terminated table of
    qf_timer_kind_t in its folder, point .timer_kinds of its descriptor at
    it, and call qf_timers_add / qf_timers_cancel from its handlers.
*/
#ifndef QF_TIMERS_H
#define QF_TIMERS_H

#include "qf_config.h"
#include "qf_module.h"
#include "qf_store.h"

#include <stdbool.h>
#include <stdint.h>

/* A timer firing more than this after its due time is reported late. */
#define QF_TIMER_LATE_MS 60000

/* How a kind's due time follows from a timer's anchor day and lead days,
   in policy.timezone. */
typedef enum {
    /* lead_days before the anchor, moved off days off to a working day
       (calendar.holiday_shift, calendar.holidays, calendar.workdays), at
       calendar.reminder_time */
    QF_TIMER_AT_REMINDER,
    /* 00:00 of the day lead_days before the anchor */
    QF_TIMER_AT_DAY_START
} qf_timer_placement_t;

/*  Fires one due timer, inside the transaction that marks it fired: appends
    its events (qf_store_event_append, subject timer->subject) and changes
    its records. `late` when it fires more than QF_TIMER_LATE_MS after its
    due time (the daemon was down) or a calendar change placed it before
    the moment it was placed. A failure fails the pass (qf_timers_fire):
    its work is rolled back and its timers stay pending for the next. */
typedef int (qf_timer_fire_fn) (qf_store_t *store, const qf_config_t *config,
                                const qf_timer_t *timer, int64_t now, bool late);

/* A kind of timer, declared by its module (qf_module_t.timer_kinds). */
struct qf_timer_kind_t {
    const char *name;               /* in the database, unique among all modules;
                                       at most QF_TIMER_KIND_MAX bytes */
    qf_timer_placement_t placement; /* how its due time is placed */
    /* Made even when its time has passed, so that it fires at once (a
       qualification approved on or after its expiry day must still
       expire); a timer of another kind whose time has passed is not made. */
    bool due_when_past;
    qf_timer_fire_fn *fire; /* what it does when due */
};

/*  Adds a pending timer of `kind` (a declared kind's name) about `subject`
    ("qualification/7": the record it follows), placed from day `anchor`
    and `lead_days` by the kind's rule under `config`, with `payload` (a
    JSON object handed to the fire function; NULL: {}; not taken). Not
    made when its time has passed unless the kind is due_when_past; one
    due this very millisecond is made. Inside a transaction. QF_EINVAL for
    a kind no module declares or whose name is longer than
    QF_TIMER_KIND_MAX, a subject longer than QF_TIMER_SUBJECT_MAX, or a
    payload that is not an object. */
int qf_timers_add (qf_store_t *store, const qf_config_t *config, const char *kind,
                   const char *subject, int32_t anchor, int lead_days, json_t *payload,
                   int64_t now);

/*  Cancels the pending timers of `subject`, only those of `kind` unless it
    is NULL: a record's timers follow it (its date moved, it went away).
    Inside a transaction. */
int qf_timers_cancel (qf_store_t *store, const char *subject, const char *kind);

/*  The timers of `subject` that are not cancelled, by due time, as a new
    JSON array of {kind, lead_days, due, state, fired_at when fired}. */
int qf_timers_list (qf_store_t *store, const char *subject, json_t **list_p);

/*  A timer's subject is built by qf_subject (qf_emit.h), like an event's.
    The id of a subject "PREFIX/ID" (e.g. "qualification", 7); QF_EINVAL when
    the subject is not of that form. */
int qf_timers_subject_id (const char *subject, const char *prefix, int64_t *id_p);

/*  Fires up to `limit` due timers of declared kinds, earliest first: runs
    each one's fire function and marks it fired. Inside a transaction; a
    failure leaves the caller to roll back the pass, and its timers stay
    pending for the next. *fired_p counts them. */
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

/*  Logs a warning naming those years and what to do, when there are any,
    and one for each kind of pending timer that no linked module declares;
    `when` names the occasion ("start", "SIGHUP"). */
void qf_timers_warn_uncovered (qf_store_t *store, const qf_config_t *config, const char *when);

/*  The calendar part of the daemon's status: {holiday_years, fingerprint,
    timers_without_holidays, and a warning when that is not empty}. Caller
    owns the result; NULL when out of memory. */
json_t *qf_timers_calendar_status (qf_store_t *store, const qf_config_t *config);

#endif
