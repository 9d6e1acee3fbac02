/*  qf_calendar — the business calendar: working days, holidays and the
    time of day at which reminders fire.

    Pure functions over a loaded configuration (calendar: and
    policy.timezone); they keep no state and may be called from any thread.
    Days are day numbers as in proto/qf_time.h: days since 1970-01-01,
    reckoned in policy.timezone.

    A working day is Monday to Friday unless calendar.holidays lists it;
    Saturday and Sunday are working days only when calendar.workdays lists
    them (the make-up days, 调休, of China's holiday arrangements).

    A year that calendar.holidays does not list has no holidays at all: its
    reminders fall on any Monday to Friday, National Day week included.
    The State Council publishes each year's arrangement around November, so
    the coming year is usually missing until then; qf_calendar_coverage()
    and the daemon's warnings (qf_timers_uncovered) say so.
*/
#ifndef QF_CALENDAR_H
#define QF_CALENDAR_H

#include "qf_config.h"

#include <stdbool.h>
#include <stdint.h>

/*  Most days qf_calendar_working_day() and qf_calendar_next_working_day()
    look at before giving up: no real calendar has a longer run of days off. */
#define QF_CALENDAR_SEARCH_DAYS 60

/*  Whether `day` (day number) is a working day: Monday–Friday unless listed
    in calendar.holidays; Saturday/Sunday only when listed in
    calendar.workdays. */
bool qf_calendar_is_working_day (const qf_config_t *config, int32_t day);

/*  `day` itself when it is a working day, else the previous (or next, per
    calendar.holiday_shift) working day.  The search is bounded: when no
    working day is found within QF_CALENDAR_SEARCH_DAYS days (a calendar
    that lists every day as a holiday), returns `day` itself, so a reminder
    is late rather than lost. */
int32_t qf_calendar_working_day (const qf_config_t *config, int32_t day);

/*  The next working day strictly after `day`; `day` + 1 when none is found
    within QF_CALENDAR_SEARCH_DAYS days. */
int32_t qf_calendar_next_working_day (const qf_config_t *config, int32_t day);

/*  When a reminder that something due on `due` is past due may go out:
    0 when `now` is at or after calendar.reminder_time of a working day
    after `due` (it is time), else the working day to wait for (a timer
    that fired on a day off, before the reminder time or on the due day
    itself, after downtime or a calendar change, places itself there). */
int32_t qf_calendar_overdue_wait (const qf_config_t *config, int64_t now, int32_t due);

/*  The instant (ms since the epoch) of calendar.reminder_time on `day`, in
    policy.timezone (config->utc_offset_minutes). */
int64_t qf_calendar_reminder_at (const qf_config_t *config, int32_t day);

/*  Working time: from calendar.work_start to calendar.work_end (local
    time) on each working day; the whole working day when the two are
    equal. Whether `now` (ms) is in it. */
bool qf_calendar_is_working_time (const qf_config_t *config, int64_t now);

/*  `now` when it is working time, else the instant the next working time
    begins (work_start of the next working day, or of today when it is a
    working day not yet begun). `now` itself when no working day is found
    within QF_CALENDAR_SEARCH_DAYS days, so that what waits for it is late
    rather than lost. */
int64_t qf_calendar_working_time_from (const qf_config_t *config, int64_t now);

/*  The instant `minutes` minutes of working time after `from`: what is
    left of today's working time counts, then each working day's, so 8
    working hours from Friday 16:00 end on Monday at 15:00 with 08:30 to
    17:30. Bounded like the search for a working day. */
int64_t qf_calendar_add_working_minutes (const qf_config_t *config, int64_t from, int64_t minutes);

/*  The day number of an instant (ms since the epoch) in policy.timezone. */
int32_t qf_calendar_today (const qf_config_t *config, int64_t now_ms);

/*  Day of week of a day number: 0 = Monday … 6 = Sunday. */
int qf_calendar_weekday (int32_t day);

/*  The instant (ms since the epoch) at which `day` begins in
    policy.timezone: 00:00 local time. */
int64_t qf_calendar_day_start (const qf_config_t *config, int32_t day);

/*  The year of a day number, and the day number of 1 January of `year`
    (years 1900 to 9999; outside, the nearest of the two ends). */
int qf_calendar_year (int32_t day);
int32_t qf_calendar_year_start (int year);

/*  Whether calendar.holidays lists `year` (its holidays are configured). */
bool qf_calendar_has_year (const qf_config_t *config, int year);

/*  Size of a fingerprint's text, with its terminating NUL. */
#define QF_CALENDAR_FINGERPRINT_SIZE 17

/*  Writes into text (QF_CALENDAR_FINGERPRINT_SIZE bytes) 16 hex digits that
    change whenever a setting that places a timer changes: holidays,
    make-up working days, reminder time, holiday shift, time zone. The
    daemon keeps the one its pending timers were placed by. */
void qf_calendar_fingerprint (const qf_config_t *config, char *text, size_t size);

/*  Writes one line for people about which years calendar.holidays covers,
    naming this year (of `today`) and the next when they are missing, e.g.
    "holidays are configured for 2026, 2027; 2028 has none: ...". Returns
    true when this year or the next is missing. */
bool qf_calendar_coverage (const qf_config_t *config, int32_t today, char *text, size_t size);

#endif
