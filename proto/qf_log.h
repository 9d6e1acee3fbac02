/*  qf_log — levelled logging to stderr or syslog.

    One line per record: "2026-11-26T23:09:37.123Z qualflowd INFO message".
    The level and destination are process-wide and set once at start-up
    (or on SIGHUP reload). Messages say what happened, to what, and what to
    do about it.

    Escaped: every record's text goes through qf_text_escape() (qf_text.h)
    on its way out, so a control character ("\n", ESC), a bidirectional
    control or invalid UTF-8 in a string a peer sent is written as a
    visible escape ("\n", "\x1b", "\u202e", "\xff"): one record is one
    line, whatever it quotes.

    Repeats: a warning or an error whose text is identical to one printed
    less than the repeat window ago (10 s) is counted instead of printed;
    when the window ends, one line "TEXT (repeated N more times in the last
    S s)" says how many there were, and a new window opens. A failure that
    repeats for every request (a full disk) thus writes one line per window,
    not one per request. Debug and info records are always printed. The
    table of recent texts is the module's other process-wide state; it is
    locked, so any thread may log.
*/
#ifndef QF_LOG_H
#define QF_LOG_H

#include <stdbool.h>

typedef enum {
    QF_LOG_DEBUG = 0,
    QF_LOG_INFO = 1,
    QF_LOG_WARN = 2,
    QF_LOG_ERROR = 3
} qf_log_level_t;

/*  Sets the program name shown in every line, the minimum level, and
    whether records also go to syslog (LOG_DAEMON). */
void qf_log_init (const char *name, qf_log_level_t level, bool use_syslog);
void qf_log_set_level (qf_log_level_t level);
/*  Parses "debug", "info", "warn" or "error"; returns -1 when unknown. */
int qf_log_level_parse (const char *text);
const char *qf_log_level_name (qf_log_level_t level);
bool qf_log_enabled (qf_log_level_t level);

void qf_log (qf_log_level_t level, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

/*  Prints the summary line of every repeated message whose window has
    ended. A process calls it from its loop now and then, so the count of
    a failure that stopped is not held back until the next record; with
    `all`, prints every pending count at once and forgets the table (at
    exit, so no count is lost). */
void qf_log_flush (bool all);

/*  Sets the repeat window in milliseconds (default 10000); 0 prints every
    record. For tests and for debugging a failure line by line. */
void qf_log_set_repeat_ms (int ms);

#define qf_debug(...)                                                                              \
    do {                                                                                           \
        if (qf_log_enabled (QF_LOG_DEBUG))                                                         \
            qf_log (QF_LOG_DEBUG, __VA_ARGS__);                                                    \
    } while (0)
#define qf_info(...)  qf_log (QF_LOG_INFO, __VA_ARGS__)
#define qf_warn(...)  qf_log (QF_LOG_WARN, __VA_ARGS__)
#define qf_error(...) qf_log (QF_LOG_ERROR, __VA_ARGS__)

#endif
