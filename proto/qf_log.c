/*  qf_log — levelled logging to stderr or syslog. */
#include "qf_log.h"
#include "qf_text.h"
#include "qf_time.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
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

/* Longest record text, in bytes before escaping; a longer one is cut. */
#define QF_LOG_TEXT_MAX 2047

/* Warnings and errors printed lately, to count their repeats. More distinct
   messages than slots in one window push the oldest out (its count is
   printed first), so a storm of many texts is limited less, never lost. */
#define REPEAT_SLOTS 16
#define REPEAT_TEXT  256

/* One recent message. Owned by the table below. */
typedef struct {
    uint64_t hash;          /* of the level and the whole text; 0 when the slot is free */
    qf_log_level_t level;   /* the level it is printed at */
    char text[REPEAT_TEXT]; /* the text (its start when longer), for the summary */
    int64_t since;          /* monotonic ms when the window opened */
    unsigned long count;    /* identical records not printed since then */
} repeat_t;

/* The recent messages and the window, under s_repeat_lock: the checkpoint
   thread logs too. */
static pthread_mutex_t s_repeat_lock = PTHREAD_MUTEX_INITIALIZER;
static repeat_t s_repeats[REPEAT_SLOTS];
static int s_repeat_ms = 10000;

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

/* Writes one line to stderr, and to syslog when on. The text is escaped
   here, on its way out, so that no caller can forget to: a string a peer
   sent (a NACK reason, a HELLO key) cannot end the line and forge the next
   one, nor send a terminal escape sequence. */
static void
s_emit (qf_log_level_t level, const char *raw)
{
    char text[QF_TEXT_ESCAPED_SIZE (QF_LOG_TEXT_MAX)];
    qf_text_escape (raw, QF_TEXT_PLAIN, text, sizeof text);
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

/* FNV-1a over the level and the text; never 0, which marks a free slot. */
static uint64_t
s_hash (qf_log_level_t level, const char *text)
{
    uint64_t hash = qf_text_fnv1a (QF_FNV1A_BASIS ^ (uint64_t)level, text, strlen (text));
    return hash ? hash : 1;
}

/* Prints how often a slot's text was held back, then opens a new window. */
static void
s_summarize (repeat_t *slot, int64_t now)
{
    char line[REPEAT_TEXT + 96];
    long long seconds = (now - slot->since + 500) / 1000;
    snprintf (line, sizeof line, "%s (repeated %lu more times in the last %lld s)", slot->text,
              slot->count, seconds > 0 ? seconds : 1);
    s_emit (slot->level, line);
    slot->since = now;
    slot->count = 0;
}

/* The summaries due; with `all`, every pending one, then an empty table. */
static void
s_flush_locked (int64_t now, bool all)
{
    for (int i = 0; i < REPEAT_SLOTS; i++) {
        repeat_t *slot = &s_repeats[i];
        if (slot->hash && slot->count && (all || now - slot->since >= s_repeat_ms))
            s_summarize (slot, now);
        if (all)
            slot->hash = 0;
    }
}

void
qf_log (qf_log_level_t level, const char *format, ...)
{
    if (level < s_level)
        return;
    char text[QF_LOG_TEXT_MAX + 1];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    if (level < QF_LOG_WARN) {
        s_emit (level, text);
        return;
    }
    pthread_mutex_lock (&s_repeat_lock);
    if (s_repeat_ms <= 0) {
        s_emit (level, text);
        pthread_mutex_unlock (&s_repeat_lock);
        return;
    }
    int64_t now = qf_time_mono_ms ();
    s_flush_locked (now, false);
    uint64_t hash = s_hash (level, text);
    repeat_t *slot = NULL, *victim = NULL;
    for (int i = 0; i < REPEAT_SLOTS && !slot; i++) {
        repeat_t *r = &s_repeats[i];
        if (r->hash == hash && strncmp (r->text, text, REPEAT_TEXT - 1) == 0)
            slot = r;
        /* For a new text: a free slot, else the one whose window opened first. */
        else if (!victim || (victim->hash && (!r->hash || r->since < victim->since)))
            victim = r;
    }
    if (slot && now - slot->since < s_repeat_ms) {
        slot->count++;
        pthread_mutex_unlock (&s_repeat_lock);
        return;
    }
    if (!slot) {
        slot = victim;
        if (slot->hash && slot->count)
            s_summarize (slot, now);
        slot->hash = hash;
        slot->level = level;
        size_t len = strnlen (text, sizeof slot->text - 1);
        memcpy (slot->text, text, len);
        slot->text[len] = '\0';
    }
    slot->since = now;
    slot->count = 0;
    s_emit (level, text);
    pthread_mutex_unlock (&s_repeat_lock);
}

void
qf_log_flush (bool all)
{
    pthread_mutex_lock (&s_repeat_lock);
    s_flush_locked (qf_time_mono_ms (), all);
    pthread_mutex_unlock (&s_repeat_lock);
}

void
qf_log_set_repeat_ms (int ms)
{
    pthread_mutex_lock (&s_repeat_lock);
    s_repeat_ms = ms;
    pthread_mutex_unlock (&s_repeat_lock);
}
