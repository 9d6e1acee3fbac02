/*  qf_calendar — the business calendar over a loaded configuration.

    calendar.holidays and calendar.workdays arrive from qf_config as sorted
    arrays of day numbers (the loader sorts them and refuses a date in both),
    so each question is a binary search.
*/
#include "qf_calendar.h"

#include "qf_time.h"

#include <assert.h>
#include <stddef.h>

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

int64_t
qf_calendar_reminder_at (const qf_config_t *config, int32_t day)
{
    assert (config);
    return (int64_t)day * MS_PER_DAY + (int64_t)config->reminder_minute * MS_PER_MINUTE -
           (int64_t)config->utc_offset_minutes * MS_PER_MINUTE;
}

int32_t
qf_calendar_today (const qf_config_t *config, int64_t now_ms)
{
    assert (config);
    return qf_date_from_ms (now_ms, config->utc_offset_minutes);
}
