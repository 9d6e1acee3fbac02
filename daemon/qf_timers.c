/*  qf_timers — generic durable timers: placement by a kind's rule, firing
    once, placing again when the calendar changes (qf_timers.h). */
#include "qf_timers.h"
#include "qf.h"
#include "qf_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kind named `name`, declared by a module linked into this program,
   or NULL. A few modules of a few kinds each: a walk is as quick as any
   index would be. */
static const qf_timer_kind_t *
s_kind (const char *name)
{
    for (const qf_module_t *const *module = qf_modules; *module; module++)
        for (const qf_timer_kind_t *kind = (*module)->timer_kinds; kind && kind->name; kind++)
            if (strcmp (kind->name, name) == 0)
                return kind;
    return NULL;
}

/* A timer's due time under `config`: the one rule for scheduling and for
   placing again when the calendar changes. */
static int64_t
s_place (const qf_config_t *config, const qf_timer_kind_t *kind, int32_t anchor, int lead_days)
{
    int32_t day = anchor - lead_days;
    if (kind->placement == QF_TIMER_AT_REMINDER)
        return qf_calendar_reminder_at (config, qf_calendar_working_day (config, day));
    return qf_calendar_day_start (config, day);
}

int
qf_timers_add (qf_store_t *store, const qf_config_t *config, const char *kind_name,
               const char *subject, int32_t anchor, int lead_days, json_t *payload, int64_t now)
{
    const qf_timer_kind_t *kind = s_kind (kind_name);
    const char *wrong = !kind                                     ? "no module declares its kind"
                        : strlen (kind->name) > QF_TIMER_KIND_MAX ? "its kind's name is too long"
                        : strlen (subject) > QF_TIMER_SUBJECT_MAX ? "its subject is too long"
                        : payload && !json_is_object (payload)    ? "its payload is not an object"
                                                                  : NULL;
    if (wrong) {
        qf_error ("timer \"%s\" of %s not made: %s", kind_name, subject, wrong);
        return QF_EINVAL;
    }
    qf_timer_t timer = {.anchor = anchor, .lead_days = lead_days, .payload = payload};
    qf_copy (timer.kind, sizeof timer.kind, kind->name);
    qf_copy (timer.subject, sizeof timer.subject, subject);
    timer.due = s_place (config, kind, anchor, lead_days);
    /* A timer due this very millisecond is not yet missed. */
    if (timer.due < now && !kind->due_when_past)
        return 0;
    return qf_store_timer_add (store, &timer, now);
}

int
qf_timers_cancel (qf_store_t *store, const char *subject, const char *kind)
{
    return qf_store_timers_cancel (store, subject, kind);
}

int
qf_timers_list (qf_store_t *store, const char *subject, json_t **list_p)
{
    return qf_store_timers_json (store, subject, list_p);
}

int
qf_timers_subject_id (const char *subject, const char *prefix, int64_t *id_p)
{
    size_t length = strlen (prefix);
    if (strncmp (subject, prefix, length) != 0 || subject[length] != '/')
        return QF_EINVAL;
    const char *digits = subject + length + 1;
    char *end = NULL;
    long long id = strtoll (digits, &end, 10);
    if (end == digits || *end || id <= 0)
        return QF_EINVAL;
    *id_p = id;
    return 0;
}

/* Fires one timer of `kind` inside the open transaction. */
static int
s_fire (qf_store_t *store, const qf_config_t *config, const qf_timer_kind_t *kind,
        const qf_timer_t *timer, int64_t now)
{
    /* Late: the daemon was down at its time, or a calendar change placed it
       before the moment it was placed. */
    bool late = now - timer->due > QF_TIMER_LATE_MS || timer->placed > timer->due;
    int rc = kind->fire (store, config, timer, now, late);
    if (rc == 0)
        rc = qf_store_timer_fired (store, timer->id, now);
    if (rc == 0 && late) {
        char anchor[16];
        qf_info ("timer %lld (%s, %d days before %s) of %s fired late: it was due %lld s ago",
                 (long long)timer->id, timer->kind, timer->lead_days,
                 qf_date_format (timer->anchor, anchor, sizeof anchor), timer->subject,
                 (long long)((now - timer->due) / 1000));
    }
    return rc;
}

int
qf_timers_fire (qf_store_t *store, const qf_config_t *config, int64_t now, int limit, int *fired_p)
{
    qf_timer_t timers[64];
    if (limit > 64)
        limit = 64;
    int count = 0;
    *fired_p = 0;
    int rc = qf_store_timers_due (store, now, limit, timers, &count);
    for (int i = 0; rc == 0 && i < count; i++) {
        /* The store reads only the kinds a module declares: none is
           missing here, but should one be, it stays pending. */
        const qf_timer_kind_t *kind = s_kind (timers[i].kind);
        if (!kind)
            continue;
        rc = s_fire (store, config, kind, &timers[i], now);
        if (rc == 0)
            (*fired_p)++;
    }
    qf_store_timers_free (timers, count);
    return rc;
}

/* Places every pending timer again under `config`, a page at a time;
   *moved_p counts those whose time changed, *past_p those of them now due. */
static int
s_place_all (qf_store_t *store, const qf_config_t *config, int64_t now, int *moved_p, int *past_p)
{
    qf_timer_t timers[256];
    int64_t after = 0;
    int count = 0, rc;
    do {
        rc = qf_store_timers_pending (store, after, 256, timers, &count);
        for (int i = 0; rc == 0 && i < count; i++) {
            const qf_timer_t *timer = &timers[i];
            const qf_timer_kind_t *kind = s_kind (timer->kind);
            after = timer->id;
            int64_t due = kind ? s_place (config, kind, timer->anchor, timer->lead_days) : 0;
            if (!kind || due == timer->due)
                continue;
            rc = qf_store_timer_move (store, timer->id, due, now);
            (*moved_p)++;
            if (due <= now)
                (*past_p)++;
        }
    } while (rc == 0 && count == 256);
    return rc;
}

/* The setting that keeps the fingerprint of the calendar in use. */
#define CALENDAR_SETTING "calendar"

int
qf_timers_calendar_sync (qf_store_t *store, const qf_config_t *config, int64_t now,
                         const char *when, int *moved_p)
{
    char fingerprint[QF_CALENDAR_FINGERPRINT_SIZE];
    qf_calendar_fingerprint (config, fingerprint, sizeof fingerprint);
    char *kept = NULL;
    int rc = qf_store_setting_get (store, CALENDAR_SETTING, &kept);
    if (rc == QF_ENOTFOUND)
        rc = 0;
    int moved = 0, past = 0;
    bool changed = rc == 0 && (!kept || strcmp (kept, fingerprint) != 0);
    if (changed)
        rc = s_place_all (store, config, now, &moved, &past);
    if (changed && rc == 0)
        rc = qf_store_setting_put (store, CALENDAR_SETTING, fingerprint);
    /* A new database has nothing to say; one from before fingerprints only
       when a timer moved. */
    if (rc == 0 && changed && (kept || moved))
        qf_info ("%s: the business calendar changed (holidays, make-up working days, reminder "
                 "time, holiday shift or time zone): %d pending timer%s moved, placed again "
                 "from %s expiry or effective date; %d of them %s already due and fire%s now, "
                 "marked late",
                 when, moved, moved == 1 ? "" : "s", moved == 1 ? "its" : "their", past,
                 past == 1 ? "was" : "were", past == 1 ? "s" : "");
    free (kept);
    if (moved_p)
        *moved_p = moved;
    return rc;
}

int
qf_timers_uncovered (qf_store_t *store, const qf_config_t *config, json_t **years_p)
{
    int64_t first = INT64_MAX, last = INT64_MIN;
    int rc = qf_store_timer_next (store, &first);
    if (rc == 0)
        rc = qf_store_timer_last (store, &last);
    if (rc)
        return rc;
    json_t *years = json_object ();
    if (!years)
        return QF_ENOMEM;
    int from = first == INT64_MAX ? 1 : qf_calendar_year (qf_calendar_today (config, first));
    int to = last == INT64_MIN ? 0 : qf_calendar_year (qf_calendar_today (config, last));
    /* Years that are listed cost nothing; each other one is a count over
       the pending-timer index. */
    for (int year = from; rc == 0 && year <= to; year++) {
        if (qf_calendar_has_year (config, year))
            continue;
        int64_t start = qf_calendar_day_start (config, qf_calendar_year_start (year));
        int64_t end = qf_calendar_day_start (config, qf_calendar_year_start (year + 1));
        int64_t total = 0, count = 0;
        for (const qf_module_t *const *module = qf_modules; rc == 0 && *module; module++)
            for (const qf_timer_kind_t *kind = (*module)->timer_kinds;
                 rc == 0 && kind && kind->name; kind++) {
                if (kind->placement != QF_TIMER_AT_REMINDER)
                    continue;
                rc = qf_store_timers_count (store, kind->name, start, end, &count);
                total += count;
            }
        char name[16];
        snprintf (name, sizeof name, "%d", year);
        if (rc == 0 && total > 0)
            json_object_set_new (years, name, json_integer (total));
    }
    if (rc) {
        json_decref (years);
        return rc;
    }
    *years_p = years;
    return 0;
}

/* One line about `years` ({"YEAR": count}, not empty) for people. */
static void
s_uncovered_text (json_t *years, char *text, size_t size)
{
    size_t used = (size_t)snprintf (text, size,
                                    "pending reminders fall in years with no holidays in "
                                    "calendar.holidays:");
    const char *year;
    json_t *count;
    bool first = true;
    json_object_foreach (years, year, count)
    {
        if (used < size)
            used += (size_t)snprintf (text + used, size - used, "%s %s (%lld)", first ? "" : ",",
                                      year, (long long)json_integer_value (count));
        first = false;
    }
    if (used < size)
        snprintf (text + used, size - used,
                  "; they are placed on Monday to Friday, public holidays included: add each "
                  "year's holidays and make-up working days from the State Council notice, "
                  "then reload (SIGHUP)");
}

/* Warns of each kind of pending timer that no linked module declares (its
   module was removed): such timers stay pending, neither fired nor
   placed again, until a module declaring the kind is linked again. One
   index seek per kind present, and a count for each unknown one. */
static void
s_warn_unknown (qf_store_t *store, const char *when)
{
    char kind[QF_TIMER_KIND_MAX + 1] = "";
    int rc;
    while ((rc = qf_store_timer_kind_after (store, kind, kind)) == 0) {
        int64_t count = 0;
        if (s_kind (kind) || qf_store_timers_count (store, kind, INT64_MIN, INT64_MAX, &count))
            continue;
        qf_warn ("%s: %lld pending timer%s of kind \"%s\", which no module of this qualflowd "
                 "declares (was its module removed?): %s pending, and fire%s when a module "
                 "declaring that kind is built in again",
                 when, (long long)count, count == 1 ? "" : "s", kind,
                 count == 1 ? "it stays" : "they stay", count == 1 ? "s" : "");
    }
    if (rc != QF_ENOTFOUND)
        qf_warn ("%s: could not check the kinds of pending timers: %s", when, qf_strerror (rc));
}

void
qf_timers_warn_uncovered (qf_store_t *store, const qf_config_t *config, const char *when)
{
    s_warn_unknown (store, when);
    json_t *years = NULL;
    int rc = qf_timers_uncovered (store, config, &years);
    if (rc)
        qf_warn ("%s: could not check the years of pending timers: %s", when, qf_strerror (rc));
    else if (json_object_size (years) > 0) {
        char text[1024];
        s_uncovered_text (years, text, sizeof text);
        qf_warn ("%s: %s", when, text);
    }
    json_decref (years);
}

json_t *
qf_timers_calendar_status (qf_store_t *store, const qf_config_t *config)
{
    char fingerprint[QF_CALENDAR_FINGERPRINT_SIZE];
    qf_calendar_fingerprint (config, fingerprint, sizeof fingerprint);
    json_t *listed = json_array ();
    for (size_t i = 0; listed && i < config->holiday_years.count; i++)
        json_array_append_new (listed, json_integer (config->holiday_years.year[i]));
    json_t *years = NULL;
    if (qf_timers_uncovered (store, config, &years))
        years = json_object ();
    json_t *status = json_pack ("{s:o, s:s, s:o}", "holiday_years", listed, "fingerprint",
                                fingerprint, "timers_without_holidays", years);
    if (status && json_object_size (years) > 0) {
        char text[1024];
        s_uncovered_text (years, text, sizeof text);
        json_object_set_new (status, "warning", json_string (text));
    }
    return status;
}
