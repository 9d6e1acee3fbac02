/*  qf_timers — durable timers: each kind's placement and firing, in one
    table (s_kinds), so that a new kind is one row and one fire function. */
#include "qf_timers.h"
#include "qf.h"
#include "qf_calendar.h"
#include "policy/policy.h"
#include "qualification/qualification_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a kind's due time follows from its anchor day and lead. */
typedef enum {
    PLACE_REMINDER, /* lead days before the anchor, on a working day, at reminder_time */
    PLACE_DAY_START /* 00:00 of the anchor day */
} placement_t;

/* Fires one due timer inside the open transaction; `late` as reported. */
typedef int (fire_fn) (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer,
                       int64_t now, bool late);

/* One kind of timer: its name in the database, placement and firing. */
typedef struct {
    const char *kind;
    placement_t placement;
    fire_fn *fire;
    /* Made even when its time has passed, so it fires at once: a
       qualification approved on or after its expiry day must still move to
       expired and tell sales. Other kinds whose time has passed are missed. */
    bool due_when_past;
} timer_kind_t;

static fire_fn s_fire_expiry, s_fire_policy;

static const timer_kind_t s_kinds[] = {
    {"expiring", PLACE_REMINDER, s_fire_expiry, false},
    {"expired", PLACE_DAY_START, s_fire_expiry, true},
    {"policy_effective", PLACE_DAY_START, s_fire_policy, false},
};
#define KIND_COUNT (sizeof s_kinds / sizeof s_kinds[0])

/* The row of s_kinds named `kind`, or NULL. */
static const timer_kind_t *
s_kind (const char *kind)
{
    for (size_t i = 0; i < KIND_COUNT; i++)
        if (strcmp (s_kinds[i].kind, kind) == 0)
            return &s_kinds[i];
    return NULL;
}

/* A timer's due time under `config`: the one rule for scheduling and for
   placing again when the calendar changes. */
static int64_t
s_place (const qf_config_t *config, const timer_kind_t *kind, int32_t anchor, int lead_days)
{
    int32_t day = anchor - lead_days;
    if (kind->placement == PLACE_REMINDER)
        return qf_calendar_reminder_at (config, qf_calendar_working_day (config, day));
    return qf_calendar_day_start (config, day);
}

/* Adds a timer of `kind` unless its time has passed (a timer due this very
   millisecond is not yet missed). */
static int
s_add (qf_store_t *store, const qf_config_t *config, qf_timer_t *timer, int64_t now)
{
    const timer_kind_t *kind = s_kind (timer->kind);
    timer->due = s_place (config, kind, timer->anchor, timer->lead_days);
    return timer->due >= now || kind->due_when_past ? qf_store_timer_add (store, timer, now) : 0;
}

int
qf_timers_schedule (qf_store_t *store, const qf_config_t *config, int64_t qual_id, int32_t expires,
                    int64_t now)
{
    int rc = qf_store_timers_cancel (store, qual_id);
    qf_timer_t timer = {.qualification_id = qual_id, .anchor = expires};
    snprintf (timer.kind, sizeof timer.kind, "expiring");
    for (size_t i = 0; rc == 0 && i < config->renewal_lead_count; i++) {
        timer.lead_days = config->renewal_lead_days[i];
        rc = s_add (store, config, &timer, now);
    }
    snprintf (timer.kind, sizeof timer.kind, "expired");
    timer.lead_days = 0;
    return rc ? rc : s_add (store, config, &timer, now);
}

int
qf_timers_schedule_policy (qf_store_t *store, const qf_config_t *config, int64_t policy_id,
                           int32_t effective, int64_t now)
{
    qf_timer_t timer = {.policy_id = policy_id, .anchor = effective};
    snprintf (timer.kind, sizeof timer.kind, "policy_effective");
    return s_add (store, config, &timer, now);
}

/* certificate.expiring or certificate.expired of a qualification. */
static int
s_fire_expiry (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
               bool late)
{
    json_t *record = NULL;
    int rc = qf_store_qual_get (store, timer->qualification_id, &record);
    if (rc == QF_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    bool expired = strcmp (timer->kind, "expired") == 0;
    int32_t today = qf_calendar_today (config, now);
    if (expired &&
        strcmp (json_string_value (json_object_get (record, "state")), "approved") == 0) {
        /* It stops being sellable: the state says so. */
        rc = qf_store_qual_set_state (store, timer->qualification_id, "expired",
                                      (int)json_integer_value (json_object_get (record, "round")),
                                      now);
        json_decref (record);
        record = NULL;
        if (rc == 0)
            rc = qf_store_qual_get (store, timer->qualification_id, &record);
        if (rc)
            return rc;
    }
    char expires[16], subject[64];
    qf_date_format (timer->anchor, expires, sizeof expires);
    snprintf (subject, sizeof subject, "qualification/%lld", (long long)timer->qualification_id);
    json_t *payload =
        json_pack ("{s:o, s:s, s:i, s:i, s:I, s:b}", "qualification", record, "expires", expires,
                   "lead_days", timer->lead_days, "days_left", (int)(timer->anchor - today), "due",
                   (json_int_t)timer->due, "late", late);
    if (!payload)
        return QF_ENOMEM;
    rc = qf_store_event_append (store, expired ? "certificate.expired" : "certificate.expiring",
                                subject, payload, now, NULL);
    json_decref (payload);
    return rc;
}

/* A pending policy change takes effect on its date. */
static int
s_fire_policy (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
               bool late)
{
    (void)config;
    return qf_policy_take_effect (store, timer->policy_id, now, late);
}

/* Fires one timer inside the open transaction. */
static int
s_fire (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now)
{
    /* Late: the daemon was down at its time, or a calendar change placed it
       before the moment it was placed. */
    bool late = now - timer->due > QF_TIMER_LATE_MS || timer->placed > timer->due;
    const timer_kind_t *kind = s_kind (timer->kind);
    int rc = 0;
    if (kind)
        rc = kind->fire (store, config, timer, now, late);
    else
        qf_warn ("timer %lld has unknown kind \"%s\": marked fired without an event",
                 (long long)timer->id, timer->kind);
    if (rc == 0)
        rc = qf_store_timer_fired (store, timer->id, now);
    if (rc == 0 && late) {
        char anchor[16];
        qf_info ("timer %lld (%s, %d days before %s) of %s %lld fired late: it was due %lld s "
                 "ago",
                 (long long)timer->id, timer->kind, timer->lead_days,
                 qf_date_format (timer->anchor, anchor, sizeof anchor),
                 timer->policy_id ? "policy" : "qualification",
                 (long long)(timer->policy_id ? timer->policy_id : timer->qualification_id),
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
        rc = s_fire (store, config, &timers[i], now);
        if (rc == 0)
            (*fired_p)++;
    }
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
            const timer_kind_t *kind = s_kind (timer->kind);
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
        for (size_t i = 0; rc == 0 && i < KIND_COUNT; i++) {
            if (s_kinds[i].placement != PLACE_REMINDER)
                continue;
            rc = qf_store_timers_count (store, s_kinds[i].kind, start, end, &count);
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

void
qf_timers_warn_uncovered (qf_store_t *store, const qf_config_t *config, const char *when)
{
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
