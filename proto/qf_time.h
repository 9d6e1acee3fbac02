/*  qf_time — the one clock every qualflow process reads, and dates.

    qf_time_now_ms() is wall-clock time in milliseconds since the Unix
    epoch.  TEST-ONLY OVERRIDE: when the environment variable
    QUALFLOW_TEST_CLOCK_FILE names a file, the clock reads an integer
    (milliseconds since the epoch) from that file on each call, so tests can
    move time forward by rewriting the file.  Production never sets it.

    qf_time_mono_ms() is a monotonic clock for timeouts and heartbeats; it is
    never overridden.
*/
#ifndef QF_TIME_H
#define QF_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

int64_t qf_time_now_ms (void);
int64_t qf_time_mono_ms (void);
/*  The same clock in nanoseconds, for phase timings and precise waits. */
int64_t qf_time_mono_ns (void);

/*  Formats epoch milliseconds as RFC 3339 UTC "2026-11-26T23:09:37.123Z"
    into buf (at least 25 bytes). Returns buf. */
char *qf_time_format (int64_t ms, char *buf, size_t size);

/*  Parses a calendar date "YYYY-MM-DD" strictly (real day of a real month,
    years 1900..9999) into a day number (days since 1970-01-01).
    Returns 0 or QF_EINVAL. */
int qf_date_parse (const char *text, int32_t *day_p);
/*  Formats a day number as "YYYY-MM-DD" into buf (at least 11 bytes). */
char *qf_date_format (int32_t day, char *buf, size_t size);
/*  The day number of an epoch-milliseconds instant in UTC+offset_minutes. */
int32_t qf_date_from_ms (int64_t ms, int offset_minutes);

#endif
