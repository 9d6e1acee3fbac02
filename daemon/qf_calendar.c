/*  qf_calendar — the business calendar over a loaded configuration.

    calendar.holidays and calendar.workdays arrive from qf_config as sorted
    arrays of day numbers (the loader sorts them and refuses a date in both),
    so each question is a binary search.
*/
#include "qf_calendar.h"

#include "qf_text.h"
#include "qf_time.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define MS_PER_DAY    INT64_C (86400000)
#define MS_PER_MINUTE INT64_C (60000)

/*  Whether `day` is in the ascending array days[0..count). */
static bool
s_contains (const int32_t *days, size_t count, int32_t day)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (days[middle] < day)
            low = middle + 1;
        else if (days[middle] > day)
            high = middle;
        else
            return true;
    }
    return false;
}

int
qf_calendar_weekday (int32_t day)
{
    /* Day 0, 1970-01-01, was a Thursday (3); 64 bits so day + 3 cannot overflow. */
    int64_t shifted = ((int64_t)day + 3) % 7;
    return (int)(shifted < 0 ? shifted + 7 : shifted);
}

bool
qf_calendar_is_working_day (const qf_config_t *config, int32_t day)
{
    assert (config);
    if (qf_calendar_weekday (day) >= 5)
        return s_contains (config->workdays, config->workday_count, day);
    return !s_contains (config->holidays, config->holiday_count, day);
}

int32_t
qf_calendar_working_day (const qf_config_t *config, int32_t day)
{
    assert (config);
    int step = config->holiday_shift == QF_SHIFT_NEXT ? 1 : -1;
    int64_t candidate = day;
    for (int i = 0; i <= QF_CALENDAR_SEARCH_DAYS; i++, candidate += step) {
        if (candidate < INT32_MIN || candidate > INT32_MAX)
            break;
        if (qf_calendar_is_working_day (config, (int32_t)candidate))
            return (int32_t)candidate;
    }
    return day;
}

int32_t
qf_calendar_next_working_day (const qf_config_t *config, int32_t day)
{
    assert (config);
    for (int64_t candidate = (int64_t)day + 1;
         candidate <= (int64_t)day + QF_CALENDAR_SEARCH_DAYS && candidate <= INT32_MAX; candidate++)
        if (qf_calendar_is_working_day (config, (int32_t)candidate))
            return (int32_t)candidate;
    return day < INT32_MAX ? day + 1 : day;
}

int32_t
qf_calendar_overdue_wait (const qf_config_t *config, int64_t now, int32_t due)
{
    int32_t today = qf_calendar_today (config, now);
    if (today > due && qf_calendar_is_working_day (config, today) &&
        now >= qf_calendar_reminder_at (config, today))
        return 0;
    int32_t day = today > due ? today : due;
    if (!qf_calendar_is_working_day (config, day) || day == due ||
        now >= qf_calendar_reminder_at (config, day))
        day = qf_calendar_next_working_day (config, day);
    return day;
}

int64_t
qf_calendar_day_start (const qf_config_t *config, int32_t day)
{
    assert (config);
    return (int64_t)day * MS_PER_DAY - (int64_t)config->utc_offset_minutes * MS_PER_MINUTE;
}

int64_t
qf_calendar_reminder_at (const qf_config_t *config, int32_t day)
{
    return qf_calendar_day_start (config, day) + (int64_t)config->reminder_minute * MS_PER_MINUTE;
}

/* Working time on `day`: [*from_p, *to_p) in ms. */
static void
s_work_window (const qf_config_t *config, int32_t day, int64_t *from_p, int64_t *to_p)
{
    int64_t start = qf_calendar_day_start (config, day);
    bool whole = config->work_end_minute <= config->work_start_minute;
    *from_p = start + (whole ? 0 : (int64_t)config->work_start_minute * MS_PER_MINUTE);
    *to_p = whole ? qf_calendar_day_start (config, day + 1)
                  : start + (int64_t)config->work_end_minute * MS_PER_MINUTE;
}

bool
qf_calendar_is_working_time (const qf_config_t *config, int64_t now)
{
    int32_t day = qf_calendar_today (config, now);
    int64_t from, to;
    s_work_window (config, day, &from, &to);
    return qf_calendar_is_working_day (config, day) && now >= from && now < to;
}

int64_t
qf_calendar_working_time_from (const qf_config_t *config, int64_t now)
{
    int32_t day = qf_calendar_today (config, now);
    for (int i = 0; i <= QF_CALENDAR_SEARCH_DAYS; i++, day++) {
        int64_t from, to;
        s_work_window (config, day, &from, &to);
        if (qf_calendar_is_working_day (config, day) && now < to)
            return now > from ? now : from;
    }
    return now;
}

int64_t
qf_calendar_add_working_minutes (const qf_config_t *config, int64_t from, int64_t minutes)
{
    int64_t at = qf_calendar_working_time_from (config, from);
    int64_t left = (minutes > 0 ? minutes : 0) * MS_PER_MINUTE;
    /* Each turn uses up one working day's time (or finds none ahead). */
    for (int64_t turns = left / MS_PER_MINUTE + QF_CALENDAR_SEARCH_DAYS; turns > 0; turns--) {
        int64_t start, end;
        s_work_window (config, qf_calendar_today (config, at), &start, &end);
        if (end - at >= left || !qf_calendar_is_working_time (config, at))
            return at + left;
        left -= end - at;
        at = qf_calendar_working_time_from (config, end);
    }
    return at + left;
}

int32_t
qf_calendar_today (const qf_config_t *config, int64_t now_ms)
{
    assert (config);
    return qf_date_from_ms (now_ms, config->utc_offset_minutes);
}

int
qf_calendar_year (int32_t day)
{
    char date[16];
    return atoi (qf_date_format (day, date, sizeof date));
}

int32_t
qf_calendar_year_start (int year)
{
    char date[16];
    snprintf (date, sizeof date, "%04d-01-01", year < 1900 ? 1900 : year > 9999 ? 9999 : year);
    int32_t day = 0;
    int rc = qf_date_parse (date, &day);
    assert (rc == 0);
    (void)rc;
    return day;
}

bool
qf_calendar_has_year (const qf_config_t *config, int year)
{
    assert (config);
    for (size_t i = 0; i < config->holiday_years.count; i++)
        if (config->holiday_years.year[i] == year)
            return true;
    return false;
}

void
qf_calendar_fingerprint (const qf_config_t *config, char *text, size_t size)
{
    assert (config && size >= QF_CALENDAR_FINGERPRINT_SIZE);
    /* Each part's length goes in first, so that no two calendars run together. */
    int32_t settings[5] = {config->utc_offset_minutes, config->reminder_minute,
                           (int32_t)config->holiday_shift, (int32_t)config->holiday_count,
                           (int32_t)config->workday_count};
    uint64_t hash = qf_text_fnv1a (QF_FNV1A_BASIS, settings, sizeof settings);
    if (config->holiday_count)
        hash = qf_text_fnv1a (hash, config->holidays, config->holiday_count * sizeof (int32_t));
    if (config->workday_count)
        hash = qf_text_fnv1a (hash, config->workdays, config->workday_count * sizeof (int32_t));
    snprintf (text, size, "%016llx", (unsigned long long)hash);
}

bool
qf_calendar_coverage (const qf_config_t *config, int32_t today, char *text, size_t size)
{
    assert (config && size > 0);
    int year = qf_calendar_year (today);
    size_t used = 0;
    text[0] = '\0';
    if (config->holiday_years.count == 0)
        used += (size_t)snprintf (text, size, "calendar.holidays lists no year");
    else {
        used += (size_t)snprintf (text, size, "calendar.holidays lists");
        for (size_t i = 0; i < config->holiday_years.count && used < size; i++)
            used += (size_t)snprintf (text + used, size - used, "%s %d", i ? "," : "",
                                      config->holiday_years.year[i]);
    }
    bool this_year = qf_calendar_has_year (config, year);
    bool next_year = qf_calendar_has_year (config, year + 1);
    if (used < size && (!this_year || !next_year)) {
        char missing[32];
        if (!this_year && !next_year)
            snprintf (missing, sizeof missing, "%d and %d have", year, year + 1);
        else
            snprintf (missing, sizeof missing, "%d has", this_year ? year + 1 : year);
        snprintf (text + used, size - used,
                  "; %s none: reminders and deadlines then fall on any Monday to Friday, public "
                  "holidays included; add each year's holidays and make-up working days from "
                  "the State Council notice (published around November) and reload",
                  missing);
    } else if (used < size)
        snprintf (text + used, size - used,
                  "; a year not listed has no holidays: reminders in it fall on any Monday to "
                  "Friday");
    return !this_year || !next_year;
}
