/*  qf_log — levelled logging to stderr or syslog. */
#include "qf_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>

/* Process-wide log settings, written at start-up and on reload only. */
static char s_name[32] = "qualflow";
static qf_log_level_t s_level = QF_LOG_INFO;
static bool s_syslog = false;

static const char *s_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void
qf_log_init (const char *name, qf_log_level_t level, bool use_syslog)
{
    snprintf (s_name, sizeof s_name, "%s", name ? name : "qualflow");
    s_level = level;
    if (use_syslog && !s_syslog)
        openlog (s_name, LOG_PID, LOG_DAEMON);
    else if (!use_syslog && s_syslog)
        closelog ();
    s_syslog = use_syslog;
}

void
qf_log_set_level (qf_log_level_t level)
{
    s_level = level;
}

int
qf_log_level_parse (const char *text)
{
    for (int i = 0; i < 4; i++)
        if (text && strcasecmp (text, s_names[i]) == 0)
            return i;
    if (text && strcasecmp (text, "warning") == 0)
        return QF_LOG_WARN;
    return -1;
}

const char *
qf_log_level_name (qf_log_level_t level)
{
    return (level >= 0 && level <= 3) ? s_names[level] : "?";
}

bool
qf_log_enabled (qf_log_level_t level)
{
    return level >= s_level;
}

void
qf_log (qf_log_level_t level, const char *format, ...)
{
    if (level < s_level)
        return;
    char text[2048];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);

    struct timeval tv;
    gettimeofday (&tv, NULL);
    struct tm tm;
    gmtime_r (&tv.tv_sec, &tm);
    char stamp[32];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    /* One fprintf so concurrent processes sharing a terminal do not interleave. */
    fprintf (stderr, "%s.%03dZ %s %s %s\n", stamp, (int)(tv.tv_usec / 1000), s_name, s_names[level],
             text);
    if (s_syslog) {
        static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
        syslog (prio[level], "%s", text);
    }
}
