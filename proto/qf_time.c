/*  qf_time — clock and calendar-date helpers. */
#include "qf_time.h"
#include "qf_error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t
qf_time_now_ms (void)
{
    /* Test-only override; see the header. Read on every call so a test can
       advance time while the daemon runs. */
    const char *path = getenv ("QUALFLOW_TEST_CLOCK_FILE");
    if (path && *path) {
        FILE *file = fopen (path, "r");
        if (file) {
            long long ms = 0;
            int n = fscanf (file, "%lld", &ms);
            fclose (file);
            if (n == 1 && ms > 0)
                return (int64_t)ms;
        }
    }
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
qf_time_mono_ms (void)
{
    return qf_time_mono_ns () / 1000000;
}

int64_t
qf_time_mono_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *
qf_time_format (int64_t ms, char *buf, size_t size)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r (&secs, &tm);
    char stamp[24];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (buf, size, "%s.%03dZ", stamp, (int)(ms % 1000));
    return buf;
}

/* Days from civil, after Howard Hinnant's public-domain algorithm. */
static int32_t
s_days_from_civil (int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
s_civil_from_days (int32_t z, int *y_p, int *m_p, int *d_p)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    *y_p = y + (m <= 2);
    *m_p = m;
    *d_p = d;
}

int
qf_date_parse (const char *text, int32_t *day_p)
{
    if (!text || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
        return QF_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit ((unsigned char)text[i]))
            return QF_EINVAL;
    /* The digits are checked: read them in place (atoi's strtol costs more
       than the rest, and every dated command parses its dates twice). */
#define D(i) (text[i] - '0')
    int y = D (0) * 1000 + D (1) * 100 + D (2) * 10 + D (3), m = D (5) * 10 + D (6),
        d = D (8) * 10 + D (9);
#undef D
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
        return QF_EINVAL;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    if (d > max)
        return QF_EINVAL;
    *day_p = s_days_from_civil (y, m, d);
    return 0;
}

char *
qf_date_format (int32_t day, char *buf, size_t size)
{
    int y, m, d;
    s_civil_from_days (day, &y, &m, &d);
    snprintf (buf, size, "%04d-%02d-%02d", y, m, d);
    return buf;
}

int32_t
qf_date_from_ms (int64_t ms, int offset_minutes)
{
    int64_t local = ms + (int64_t)offset_minutes * 60000;
    int64_t day = local / 86400000;
    if (local < 0 && local % 86400000)
        day--;
    return (int32_t)day;
}
