/*  test_calendar — qf_calendar: weekdays, holidays, make-up working days,
    the holiday shift both ways, the next working day, the reminder instant
    and today's date in policy.timezone.

    Every configuration is loaded from YAML text with qf_test_config, as the
    daemon loads its file.  The base fixture is
    China's 2026 calendar as published by the State Council on 2025-11-04:
    National Day is 10-01 to 10-07, and 09-20 (Sun) and 10-10 (Sat) are
    make-up working days.
*/
#include "qf_calendar.h"
#include "qf_config.h"
#include "qf_error.h"
#include "qf_test.h"
#include "qf_test_config.h"
#include "qf_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* China 2026 (State Council notice of 2025-11-04), as shipped. */
#define CALENDAR_2026                                                                              \
    "  holidays:\n"                                                                                \
    "    2026: [2026-01-01, 2026-01-02, 2026-01-03,\n"                                             \
    "           2026-02-15, 2026-02-16, 2026-02-17, 2026-02-18, 2026-02-19,\n"                     \
    "           2026-02-20, 2026-02-21, 2026-02-22, 2026-02-23,\n"                                 \
    "           2026-04-04, 2026-04-05, 2026-04-06,\n"                                             \
    "           2026-05-01, 2026-05-02, 2026-05-03, 2026-05-04, 2026-05-05,\n"                     \
    "           2026-06-19, 2026-06-20, 2026-06-21,\n"                                             \
    "           2026-09-25, 2026-09-26, 2026-09-27,\n"                                             \
    "           2026-10-01, 2026-10-02, 2026-10-03, 2026-10-04, 2026-10-05,\n"                     \
    "           2026-10-06, 2026-10-07%s]\n"                                                       \
    "    2027: [2027-01-01]\n"                                                                     \
    "  workdays:\n"                                                                                \
    "    2026: [2026-01-04, 2026-02-14, 2026-02-28, 2026-05-09, 2026-09-20, 2026-10-10]\n"

/*  The 2026 calendar in `timezone`, with reminder_time `time`, holiday_shift
    `shift`, and `extra` holidays appended to 2026 (", 2026-10-08" or ""). */
static qf_config_t *
s_load_2026 (const char *timezone, const char *time, const char *shift, const char *extra)
{
    char calendar[4096], yaml[4096 + 256];
    snprintf (calendar, sizeof calendar, CALENDAR_2026, extra);
    snprintf (yaml, sizeof yaml,
              "policy:\n  timezone: \"%s\"\ncalendar:\n  reminder_time: \"%s\"\n"
              "  holiday_shift: %s\n%s",
              timezone, time, shift, calendar);
    return qf_test_config (yaml);
}

/*  The day number of a date; INT32_MIN when the text is not one. */
static int32_t
s_day (const char *date)
{
    int32_t day;
    return qf_date_parse (date, &day) == 0 ? day : INT32_MIN;
}

/*  One of two static buffers, in turn: a check may show two values. */
#define SLOT_SIZE 32
static char *
s_slot (void)
{
    static char buffer[2][SLOT_SIZE];
    static int which = 0;
    which = !which;
    return buffer[which];
}

/*  A day number as "YYYY-MM-DD" in a static buffer (one call per check). */
static const char *
s_date (int32_t day)
{
    return qf_date_format (day, s_slot (), SLOT_SIZE);
}

QF_TEST (test_weekday)
{
    QF_CHECK_EQ_INT (qf_calendar_weekday (0), 3); /* 1970-01-01, a Thursday */
    QF_CHECK_EQ_INT (qf_calendar_weekday (s_day ("1970-01-05")), 0);
    QF_CHECK_EQ_INT (qf_calendar_weekday (s_day ("1969-12-31")), 2); /* before day 0 */
    QF_CHECK_EQ_INT (qf_calendar_weekday (s_day ("1969-12-28")), 6);
    QF_CHECK_EQ_INT (qf_calendar_weekday (s_day ("2026-10-01")), 3);
    QF_CHECK_EQ_INT (qf_calendar_weekday (s_day ("2026-10-10")), 5);
    QF_CHECK_EQ_INT (qf_calendar_weekday (s_day ("2026-10-04")), 6);
    QF_CHECK_EQ_INT (qf_calendar_weekday (s_day ("2000-02-29")), 1);
    /* Seven days apart is the same weekday everywhere, extremes included. */
    for (int32_t day = -3000; day < 3000; day += 37)
        QF_CHECK_EQ_INT (qf_calendar_weekday (day), qf_calendar_weekday (day + 7));
    QF_CHECK (qf_calendar_weekday (INT32_MIN) >= 0 && qf_calendar_weekday (INT32_MIN) <= 6);
    QF_CHECK (qf_calendar_weekday (INT32_MAX) >= 0 && qf_calendar_weekday (INT32_MAX) <= 6);
}

QF_TEST (test_plain_week)
{
    /* No calendar: Monday to Friday work, the weekend does not. */
    qf_config_t *c = qf_test_config ("policy:\n  timezone: UTC\n");
    QF_CHECK (c != NULL);
    int32_t monday = s_day ("2026-10-05");
    bool ok = true;
    for (int i = 0; i < 7; i++)
        ok = ok && qf_calendar_is_working_day (c, monday + i) == (i < 5);
    QF_CHECK_EQ_INT (qf_calendar_working_day (c, monday + 5), monday + 4); /* Sat -> Fri */
    QF_CHECK_EQ_INT (qf_calendar_next_working_day (c, monday + 4), monday + 7);
    qf_config_destroy (&c);
    QF_CHECK (ok);
}

QF_TEST (test_holiday_is_not_working)
{
    qf_config_t *c = s_load_2026 ("+08:00", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    bool ok = !qf_calendar_is_working_day (c, s_day ("2026-10-05"))    /* Monday */
              && !qf_calendar_is_working_day (c, s_day ("2026-01-01")) /* Thursday */
              && !qf_calendar_is_working_day (c, s_day ("2026-02-16")) /* Monday, 除夕 */
              && !qf_calendar_is_working_day (c, s_day ("2027-01-01")) /* Friday */
              && !qf_calendar_is_working_day (c, s_day ("2026-10-03")) /* Saturday listed */
              && qf_calendar_is_working_day (c, s_day ("2026-10-08"))  /* Thursday after */
              && qf_calendar_is_working_day (c, s_day ("2026-09-30")) &&
              qf_calendar_is_working_day (c, s_day ("2026-12-31"));
    qf_config_destroy (&c);
    QF_CHECK (ok);
}

QF_TEST (test_makeup_day_is_working)
{
    qf_config_t *c = s_load_2026 ("+08:00", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    bool ok = qf_calendar_is_working_day (c, s_day ("2026-10-10"))      /* Saturday */
              && qf_calendar_is_working_day (c, s_day ("2026-02-14"))   /* Saturday */
              && qf_calendar_is_working_day (c, s_day ("2026-01-04"))   /* Sunday */
              && qf_calendar_is_working_day (c, s_day ("2026-09-20"))   /* Sunday */
              && !qf_calendar_is_working_day (c, s_day ("2026-10-11"))  /* plain Sunday */
              && !qf_calendar_is_working_day (c, s_day ("2026-10-17")); /* plain Saturday */
    qf_config_destroy (&c);
    QF_CHECK (ok);
}

QF_TEST (test_working_day_is_itself)
{
    const char *shifts[] = {"previous", "next"};
    for (size_t i = 0; i < 2; i++) {
        qf_config_t *c = s_load_2026 ("+08:00", "09:00", shifts[i], "");
        QF_CHECK (c != NULL);
        int32_t a = qf_calendar_working_day (c, s_day ("2026-09-30"));
        int32_t b = qf_calendar_working_day (c, s_day ("2026-10-10")); /* make-up Saturday */
        qf_config_destroy (&c);
        QF_CHECK_STR (s_date (a), "2026-09-30");
        QF_CHECK_STR (s_date (b), "2026-10-10");
    }
}

QF_TEST (test_shift_previous)
{
    qf_config_t *c = s_load_2026 ("+08:00", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    QF_CHECK_EQ_INT (c->holiday_shift, QF_SHIFT_PREVIOUS);
    /* Across the National Day week, back before the Mid-Autumn weekend too. */
    int32_t national = qf_calendar_working_day (c, s_day ("2026-10-05"));
    int32_t first = qf_calendar_working_day (c, s_day ("2026-10-01"));
    int32_t last = qf_calendar_working_day (c, s_day ("2026-10-07"));
    int32_t spring = qf_calendar_working_day (c, s_day ("2026-02-20"));
    int32_t sunday = qf_calendar_working_day (c, s_day ("2026-10-11"));
    int32_t new_year = qf_calendar_working_day (c, s_day ("2027-01-01"));
    qf_config_destroy (&c);
    QF_CHECK_STR (s_date (national), "2026-09-30");
    QF_CHECK_STR (s_date (first), "2026-09-30");
    QF_CHECK_STR (s_date (last), "2026-09-30");
    QF_CHECK_STR (s_date (spring), "2026-02-14"); /* the make-up Saturday before */
    QF_CHECK_STR (s_date (sunday), "2026-10-10"); /* the make-up Saturday */
    QF_CHECK_STR (s_date (new_year), "2026-12-31");
}

QF_TEST (test_shift_next)
{
    qf_config_t *c = s_load_2026 ("+08:00", "09:00", "next", "");
    QF_CHECK (c != NULL);
    QF_CHECK_EQ_INT (c->holiday_shift, QF_SHIFT_NEXT);
    int32_t national = qf_calendar_working_day (c, s_day ("2026-10-05"));
    int32_t spring = qf_calendar_working_day (c, s_day ("2026-02-15"));
    int32_t saturday = qf_calendar_working_day (c, s_day ("2026-02-21"));
    int32_t new_year = qf_calendar_working_day (c, s_day ("2026-01-01"));
    qf_config_destroy (&c);
    QF_CHECK_STR (s_date (national), "2026-10-08"); /* 10-01..10-07 off, as published */
    QF_CHECK_STR (s_date (spring), "2026-02-24");
    QF_CHECK_STR (s_date (saturday), "2026-02-24");
    QF_CHECK_STR (s_date (new_year), "2026-01-04"); /* the make-up Sunday */

    /* Had the break run to 10-08 (Thursday), the next working day is Friday. */
    c = s_load_2026 ("+08:00", "09:00", "next", ", 2026-10-08");
    QF_CHECK (c != NULL);
    national = qf_calendar_working_day (c, s_day ("2026-10-05"));
    int32_t after = qf_calendar_next_working_day (c, s_day ("2026-09-30"));
    qf_config_destroy (&c);
    QF_CHECK_STR (s_date (national), "2026-10-09");
    QF_CHECK_STR (s_date (after), "2026-10-09");
}

QF_TEST (test_next_working_day)
{
    qf_config_t *c = s_load_2026 ("+08:00", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    int32_t national = qf_calendar_next_working_day (c, s_day ("2026-09-30"));
    int32_t makeup = qf_calendar_next_working_day (c, s_day ("2026-10-09")); /* Fri -> Sat */
    int32_t weekday = qf_calendar_next_working_day (c, s_day ("2026-10-12"));
    int32_t spring = qf_calendar_next_working_day (c, s_day ("2026-02-14"));
    int32_t inside = qf_calendar_next_working_day (c, s_day ("2026-10-03"));
    int32_t year_end = qf_calendar_next_working_day (c, s_day ("2026-12-31"));
    qf_config_destroy (&c);
    QF_CHECK_STR (s_date (national), "2026-10-08");
    QF_CHECK_STR (s_date (makeup), "2026-10-10");
    QF_CHECK_STR (s_date (weekday), "2026-10-13"); /* strictly after, not the day itself */
    QF_CHECK_STR (s_date (spring), "2026-02-24");
    QF_CHECK_STR (s_date (inside), "2026-10-08");
    QF_CHECK_STR (s_date (year_end), "2027-01-04"); /* 2027-01-01 listed, then a weekend */
}

/* A reminder that something due on 2026-09-30 is past due: it waits for
   09:00 of the first working day after it (8 October, after National Day),
   and from any moment before that it names the day to wait for. */
QF_TEST (test_overdue_wait)
{
    qf_config_t *c = s_load_2026 ("Asia/Shanghai", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    int32_t due = s_day ("2026-09-30");
    int64_t on_due = qf_calendar_reminder_at (c, due) + 3600000;         /* the due day */
    int64_t holiday = qf_calendar_reminder_at (c, s_day ("2026-10-03")); /* National Day */
    int64_t early = qf_calendar_reminder_at (c, s_day ("2026-10-08")) - 60000;
    int64_t time = qf_calendar_reminder_at (c, s_day ("2026-10-08"));
    int64_t later = qf_calendar_reminder_at (c, s_day ("2026-10-10")) + 3600000; /* make-up Sat */
    int64_t sunday = qf_calendar_reminder_at (c, s_day ("2026-10-11"));
    int32_t waits[] = {
        qf_calendar_overdue_wait (c, on_due, due), qf_calendar_overdue_wait (c, holiday, due),
        qf_calendar_overdue_wait (c, early, due),  qf_calendar_overdue_wait (c, time, due),
        qf_calendar_overdue_wait (c, later, due),  qf_calendar_overdue_wait (c, sunday, due)};
    qf_config_destroy (&c);
    QF_CHECK_STR (s_date (waits[0]), "2026-10-08");
    QF_CHECK_STR (s_date (waits[1]), "2026-10-08");
    QF_CHECK_STR (s_date (waits[2]), "2026-10-08");
    QF_CHECK_EQ_INT (waits[3], 0); /* its time */
    QF_CHECK_EQ_INT (waits[4], 0);
    QF_CHECK_STR (s_date (waits[5]), "2026-10-12"); /* a Sunday: Monday */
}

QF_TEST (test_reminder_at)
{
    char text[32];
    qf_config_t *c = s_load_2026 ("Asia/Shanghai", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    QF_CHECK_EQ_INT (c->reminder_minute, 9 * 60);
    int64_t at = qf_calendar_reminder_at (c, s_day ("2026-10-09"));
    int32_t back = qf_calendar_today (c, at);
    qf_config_destroy (&c);
    QF_CHECK_STR (qf_time_format (at, text, sizeof text), "2026-10-09T01:00:00.000Z");
    QF_CHECK_STR (s_date (back), "2026-10-09");

    /* West of UTC, late in the day: the instant falls on the next UTC day. */
    c = s_load_2026 ("-03:30", "23:59", "previous", "");
    QF_CHECK (c != NULL);
    at = qf_calendar_reminder_at (c, s_day ("2026-10-09"));
    back = qf_calendar_today (c, at);
    qf_config_destroy (&c);
    QF_CHECK_STR (qf_time_format (at, text, sizeof text), "2026-10-10T03:29:00.000Z");
    QF_CHECK_STR (s_date (back), "2026-10-09");

    /* Midnight UTC before 1970. */
    c = qf_test_config ("policy:\n  timezone: UTC\ncalendar:\n  reminder_time: \"00:00\"\n");
    QF_CHECK (c != NULL);
    at = qf_calendar_reminder_at (c, s_day ("1969-12-31"));
    qf_config_destroy (&c);
    QF_CHECK_EQ_INT (at, -86400000);
}

/* An instant as UTC text, in a static buffer (one call per check). */
static const char *
s_at (int64_t ms)
{
    return qf_time_format (ms, s_slot (), SLOT_SIZE);
}

/* Hefei local time "YYYY-MM-DD HH:MM" as ms. */
static int64_t
s_local (const qf_config_t *c, const char *date, int hour, int minute)
{
    return qf_calendar_day_start (c, s_day (date)) + ((int64_t)hour * 60 + minute) * 60000;
}

/* Working time, 08:30 to 17:30 by default, on working days only: whether
   an instant is in it, when it next begins, and working hours added
   across evenings, weekends, National Day and a make-up Saturday. */
QF_TEST (test_working_time)
{
    qf_config_t *c = s_load_2026 ("Asia/Shanghai", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    QF_CHECK_EQ_INT (c->work_start_minute, 8 * 60 + 30);
    QF_CHECK_EQ_INT (c->work_end_minute, 17 * 60 + 30);
    /* Friday 2026-09-18: 08:29 no, 08:30 yes, 17:29 yes, 17:30 no. */
    QF_CHECK (!qf_calendar_is_working_time (c, s_local (c, "2026-09-18", 8, 29)));
    QF_CHECK (qf_calendar_is_working_time (c, s_local (c, "2026-09-18", 8, 30)));
    QF_CHECK (qf_calendar_is_working_time (c, s_local (c, "2026-09-18", 17, 29)));
    QF_CHECK (!qf_calendar_is_working_time (c, s_local (c, "2026-09-18", 17, 30)));
    /* Saturday 09-19 no; Sunday 09-20, a make-up working day, yes. */
    QF_CHECK (!qf_calendar_is_working_time (c, s_local (c, "2026-09-19", 10, 0)));
    QF_CHECK (qf_calendar_is_working_time (c, s_local (c, "2026-09-20", 10, 0)));
    /* When it next begins: now in it; this morning; the next working day. */
    int64_t now = s_local (c, "2026-09-18", 10, 0);
    QF_CHECK_EQ_INT (qf_calendar_working_time_from (c, now), now);
    QF_CHECK_STR (s_at (qf_calendar_working_time_from (c, s_local (c, "2026-09-18", 7, 0))),
                  "2026-09-18T00:30:00.000Z");
    QF_CHECK_STR (s_at (qf_calendar_working_time_from (c, s_local (c, "2026-09-18", 18, 0))),
                  "2026-09-20T00:30:00.000Z"); /* the make-up Sunday */
    /* National Day: from Wednesday 09-30 evening to Thursday 10-08. */
    QF_CHECK_STR (s_at (qf_calendar_working_time_from (c, s_local (c, "2026-09-30", 20, 0))),
                  "2026-10-08T00:30:00.000Z");
    /* Working hours added: within the day; across the evening; 8 hours
       from Wednesday 09-30 16:00 (1.5 today, 6.5 on 10-08: 15:00). */
    QF_CHECK_STR (s_at (qf_calendar_add_working_minutes (c, s_local (c, "2026-09-18", 9, 0), 120)),
                  "2026-09-18T03:00:00.000Z");
    QF_CHECK_STR (s_at (qf_calendar_add_working_minutes (c, s_local (c, "2026-09-18", 16, 0), 240)),
                  "2026-09-20T03:00:00.000Z"); /* 1.5 h Friday, 2.5 h Sunday: 11:00 */
    QF_CHECK_STR (s_at (qf_calendar_add_working_minutes (c, s_local (c, "2026-09-30", 16, 0), 480)),
                  "2026-10-08T07:00:00.000Z");
    /* From outside working time: counted from its next beginning; 0 and a
       negative count: that beginning. */
    QF_CHECK_STR (s_at (qf_calendar_add_working_minutes (c, s_local (c, "2026-10-03", 12, 0), 60)),
                  "2026-10-08T01:30:00.000Z");
    QF_CHECK_STR (s_at (qf_calendar_add_working_minutes (c, s_local (c, "2026-10-03", 12, 0), -5)),
                  "2026-10-08T00:30:00.000Z");
    /* A whole working day (two days of 9 hours) ends at the same time two
       working days later. */
    QF_CHECK_STR (s_at (qf_calendar_add_working_minutes (c, s_local (c, "2026-09-21", 9, 0), 18 * 60)),
                  "2026-09-23T01:00:00.000Z");
    qf_config_destroy (&c);

    /* work_end equal to work_start: the whole working day counts. */
    c = qf_test_config ("policy:\n  timezone: Asia/Shanghai\ncalendar:\n  work_start: \"09:00\"\n"
                        "  work_end: \"09:00\"\n");
    QF_CHECK (c != NULL);
    QF_CHECK (qf_calendar_is_working_time (c, s_local (c, "2026-09-18", 23, 59)));
    QF_CHECK (!qf_calendar_is_working_time (c, s_local (c, "2026-09-19", 12, 0)));
    QF_CHECK_STR (s_at (qf_calendar_add_working_minutes (c, s_local (c, "2026-09-18", 23, 0), 120)),
                  "2026-09-20T17:00:00.000Z"); /* Monday 09-21 01:00 in Hefei */
    qf_config_destroy (&c);
    /* work_end before work_start is refused at load (the message names
       both: test_config's cross-key checks). */
    c = qf_test_config ("calendar:\n  work_start: \"18:00\"\n  work_end: \"09:00\"\n");
    QF_CHECK (c == NULL);
    qf_config_destroy (&c);
}

QF_TEST (test_today)
{
    qf_config_t *shanghai = s_load_2026 ("Asia/Shanghai", "09:00", "previous", "");
    qf_config_t *utc = qf_test_config ("policy:\n  timezone: UTC\n");
    QF_CHECK (shanghai != NULL && utc != NULL);
    /* 2026-11-26T20:00:00Z */
    int64_t evening = (int64_t)s_day ("2026-11-26") * 86400000 + 20 * 3600000;
    int32_t local = qf_calendar_today (shanghai, evening);
    int32_t in_utc = qf_calendar_today (utc, evening);
    /* 16:00Z is midnight in Shanghai: the last millisecond before is still the 26th. */
    int64_t midnight = (int64_t)s_day ("2026-11-26") * 86400000 + 16 * 3600000;
    int32_t before = qf_calendar_today (shanghai, midnight - 1);
    int32_t after = qf_calendar_today (shanghai, midnight);
    int32_t old = qf_calendar_today (utc, -1);
    qf_config_destroy (&shanghai);
    qf_config_destroy (&utc);
    QF_CHECK_STR (s_date (local), "2026-11-27");
    QF_CHECK_STR (s_date (in_utc), "2026-11-26");
    QF_CHECK_STR (s_date (before), "2026-11-26");
    QF_CHECK_STR (s_date (after), "2026-11-27");
    QF_CHECK_STR (s_date (old), "1969-12-31");
}

QF_TEST (test_search_is_bounded)
{
    /* Every weekday from 2026-10-15 to 2027-03-15 is a holiday (at most 64 a
       year, so the run spans two years): from 2026-12-31 no working day lies
       within 60 days either way. */
    char yaml[8192];
    size_t used = (size_t)snprintf (yaml, sizeof yaml, "calendar:\n  holidays:\n");
    int year = 0;
    size_t per_year = 0;
    bool fits = true;
    for (int32_t day = s_day ("2026-10-15"); day <= s_day ("2027-03-15"); day++) {
        if (qf_calendar_weekday (day) >= 5)
            continue;
        const char *date = s_date (day);
        int this_year = atoi (date);
        if (this_year != year) {
            used += (size_t)snprintf (yaml + used, sizeof yaml - used, "%s    %d: [%s",
                                      year ? "]\n" : "", this_year, date);
            year = this_year;
            per_year = 1;
        } else {
            used += (size_t)snprintf (yaml + used, sizeof yaml - used, ", %s", date);
            per_year++;
        }
        fits = fits && per_year <= 64 && used < sizeof yaml - 8;
    }
    snprintf (yaml + used, sizeof yaml - used, "]\n");
    QF_CHECK (fits);
    qf_config_t *c = qf_test_config (yaml);
    QF_CHECK (c != NULL);
    int32_t middle = s_day ("2026-12-31");
    int32_t previous = qf_calendar_working_day (c, middle);
    int32_t next = qf_calendar_next_working_day (c, middle);
    int32_t far = qf_calendar_next_working_day (c, s_day ("2027-01-29")); /* 45 days on */
    int32_t start = qf_calendar_working_day (c, s_day ("2026-10-20"));
    qf_config_destroy (&c);
    QF_CHECK_EQ_INT (previous, middle); /* nothing found: the day itself */
    QF_CHECK_EQ_INT (next, middle + 1);
    QF_CHECK_STR (s_date (far), "2027-03-16");
    QF_CHECK_STR (s_date (start), "2026-10-14");
}

QF_TEST (test_years_and_day_start)
{
    QF_CHECK_EQ_INT (qf_calendar_year (s_day ("2029-10-03")), 2029);
    QF_CHECK_EQ_INT (qf_calendar_year (s_day ("1969-12-31")), 1969);
    QF_CHECK_STR (s_date (qf_calendar_year_start (2027)), "2027-01-01");
    QF_CHECK_STR (s_date (qf_calendar_year_start (2028) - 1), "2027-12-31");
    qf_config_t *c = s_load_2026 ("Asia/Shanghai", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    int64_t start = qf_calendar_day_start (c, s_day ("2026-10-09"));
    bool listed = qf_calendar_has_year (c, 2026) && qf_calendar_has_year (c, 2027) &&
                  !qf_calendar_has_year (c, 2028);
    qf_config_destroy (&c);
    char text[32];
    QF_CHECK_STR (qf_time_format (start, text, sizeof text), "2026-10-08T16:00:00.000Z");
    QF_CHECK (listed);
}

QF_TEST (test_fingerprint)
{
    /* Equal calendars, equal prints; each setting that places a timer changes it. */
    char base[QF_CALENDAR_FINGERPRINT_SIZE], other[QF_CALENDAR_FINGERPRINT_SIZE];
    qf_config_t *c = s_load_2026 ("+08:00", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    qf_calendar_fingerprint (c, base, sizeof base);
    qf_config_destroy (&c);
    QF_CHECK_EQ_INT (strlen (base), 16);
    c = s_load_2026 ("Asia/Shanghai", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    qf_calendar_fingerprint (c, other, sizeof other);
    qf_config_destroy (&c);
    QF_CHECK_STR (other, base); /* the same offset, however written */
    struct {
        const char *timezone, *time, *shift, *extra;
    } changes[] = {{"+09:00", "09:00", "previous", ""},
                   {"+08:00", "09:01", "previous", ""},
                   {"+08:00", "09:00", "next", ""},
                   {"+08:00", "09:00", "previous", ", 2026-10-08"}};
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        c = s_load_2026 (changes[i].timezone, changes[i].time, changes[i].shift, changes[i].extra);
        QF_CHECK (c != NULL);
        qf_calendar_fingerprint (c, other, sizeof other);
        qf_config_destroy (&c);
        QF_CHECK (strcmp (other, base) != 0);
    }
    /* A make-up day moved from the holidays to the workdays changes it too. */
    c = qf_test_config ("calendar:\n  holidays:\n    2026: [2026-10-10]\n");
    QF_CHECK (c != NULL);
    qf_calendar_fingerprint (c, base, sizeof base);
    qf_config_destroy (&c);
    c = qf_test_config ("calendar:\n  workdays:\n    2026: [2026-10-10]\n");
    QF_CHECK (c != NULL);
    qf_calendar_fingerprint (c, other, sizeof other);
    qf_config_destroy (&c);
    QF_CHECK (strcmp (other, base) != 0);
}

QF_TEST (test_coverage)
{
    char text[1024];
    qf_config_t *c = s_load_2026 ("+08:00", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    bool covered_2026 = qf_calendar_coverage (c, s_day ("2026-06-01"), text, sizeof text);
    char covered_text[1024];
    snprintf (covered_text, sizeof covered_text, "%s", text);
    bool missing_2028 = qf_calendar_coverage (c, s_day ("2027-06-01"), text, sizeof text);
    qf_config_destroy (&c);
    QF_CHECK (!covered_2026);
    QF_CHECK (strstr (covered_text, "calendar.holidays lists 2026, 2027;") != NULL);
    QF_CHECK (missing_2028);
    QF_CHECK (strstr (text, "2028 has none") != NULL);
    c = qf_test_config ("policy:\n  timezone: UTC\n");
    QF_CHECK (c != NULL);
    bool none = qf_calendar_coverage (c, s_day ("2026-06-01"), text, sizeof text);
    qf_config_destroy (&c);
    QF_CHECK (none);
    QF_CHECK (strstr (text, "lists no year; 2026 and 2027 have none") != NULL);
    /* A small buffer is cut, never overrun. */
    c = s_load_2026 ("+08:00", "09:00", "previous", "");
    QF_CHECK (c != NULL);
    char small[12];
    qf_calendar_coverage (c, s_day ("2027-06-01"), small, sizeof small);
    qf_config_destroy (&c);
    QF_CHECK_EQ_INT (strlen (small), sizeof small - 1);
}

int
main (void)
{
    s_test_suite = "calendar";
    QF_RUN (test_weekday);
    QF_RUN (test_plain_week);
    QF_RUN (test_holiday_is_not_working);
    QF_RUN (test_makeup_day_is_working);
    QF_RUN (test_working_day_is_itself);
    QF_RUN (test_shift_previous);
    QF_RUN (test_shift_next);
    QF_RUN (test_next_working_day);
    QF_RUN (test_overdue_wait);
    QF_RUN (test_reminder_at);
    QF_RUN (test_working_time);
    QF_RUN (test_today);
    QF_RUN (test_search_is_bounded);
    QF_RUN (test_years_and_day_start);
    QF_RUN (test_fingerprint);
    QF_RUN (test_coverage);
    return qf_test_done ();
}
