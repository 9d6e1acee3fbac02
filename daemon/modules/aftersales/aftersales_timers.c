/*  aftersales_timers — a callback's day, its retries and its overdue, as
    durable timers (aftersales_timers.h). */
#include "aftersales/aftersales_timers.h"
#include "aftersales/aftersales.h"
#include "aftersales/aftersales_config.h"
#include "aftersales/aftersales_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_emit.h"

#include <string.h>

#define DUE            "callback_due"
#define RETRY          QF_AFTERSALES_RETRY
#define OVERDUE        "callback_overdue"
#define SUBJECT_PREFIX "callback"
#define LEVEL_OWNER    "owner"
#define LEVEL_SUPER    "supervisor"

int32_t
qf_aftersales_working_days_after (const qf_config_t *config, int32_t day, int count)
{
    if (!qf_calendar_is_working_day (config, day))
        day = qf_calendar_next_working_day (config, day);
    for (int n = 0; n < count; n++)
        day = qf_calendar_next_working_day (config, day);
    return day;
}

/* Adds a timer of `kind` for callback `id` at `anchor`, with `payload`
   (may be NULL; taken). */
static int
s_place (qf_store_t *store, const qf_config_t *config, const char *kind, int64_t id, int32_t anchor,
         json_t *payload, int64_t now)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, SUBJECT_PREFIX, id);
    int rc = qf_timers_add (store, config, kind, subject, anchor, 0, payload, now);
    json_decref (payload);
    return rc;
}

int
qf_aftersales_watch_due (qf_store_t *store, const qf_config_t *config, int64_t id, int32_t anchor,
                         int64_t now)
{
    return s_place (store, config, DUE, id, anchor, NULL, now);
}

int
qf_aftersales_watch_retry (qf_store_t *store, const qf_config_t *config, int64_t id, int32_t day,
                           int attempt, int64_t now)
{
    int rc = qf_aftersales_unwatch (store, id, RETRY);
    json_t *payload = json_pack ("{s:i}", "attempt", attempt);
    return rc ? (json_decref (payload), rc) : s_place (store, config, RETRY, id, day, payload, now);
}

/* Places the overdue timer of `level` at the reminder time of working day `day`. */
static int
s_place_overdue (qf_store_t *store, const qf_config_t *config, int64_t id, const char *level,
                 int32_t day, int64_t now)
{
    return s_place (store, config, OVERDUE, id, day, json_pack ("{s:s}", "level", level), now);
}

int
qf_aftersales_watch_overdue (qf_store_t *store, const qf_config_t *config, int64_t id, int32_t due,
                             int64_t now)
{
    /* Overdue means the due day has ended: the first working day after it. */
    return s_place_overdue (store, config, id, LEVEL_OWNER,
                            qf_calendar_next_working_day (config, due), now);
}

int
qf_aftersales_unwatch (qf_store_t *store, int64_t id, const char *kind)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return qf_timers_cancel (store, qf_subject (subject, sizeof subject, SUBJECT_PREFIX, id), kind);
}

/* The callback a timer follows (*callback_p, caller owns), or NULL with
   a warning when it is gone: the timer then fires without an event. */
static int
s_load (qf_store_t *store, const qf_timer_t *timer, json_t **callback_p)
{
    int64_t id = 0;
    *callback_p = NULL;
    int rc = qf_timers_subject_id (timer->subject, SUBJECT_PREFIX, &id);
    if (rc == 0)
        rc = qf_store_callback_get (store, id, callback_p);
    if (rc == QF_ENOTFOUND || rc == QF_EINVAL) {
        qf_warn ("timer %lld (%s): no callback %s: it fires without an event", (long long)timer->id,
                 timer->kind, timer->subject);
        return 0;
    }
    return rc;
}

/* Whether the callback is in `state`. */
static bool
s_in (json_t *callback, const char *state)
{
    const char *now = json_string_value (json_object_get (callback, "state"));
    return now && strcmp (now, state) == 0;
}

/* The callback's day has come: aftersales.callback_due to the after-sales
   worker, which opens the task; once, late when the daemon was down at
   its time. A callback recorded early (no longer scheduled) needs none. */
static int
s_due (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
       bool late)
{
    json_t *callback = NULL;
    int rc = s_load (store, timer, &callback);
    if (rc == 0 && callback && s_in (callback, "scheduled")) {
        char day[16];
        qf_date_format (qf_calendar_working_day (config, timer->anchor), day, sizeof day);
        rc = qf_aftersales_emit (store, now, "aftersales.callback_due", json_incref (callback),
                                 json_pack ("[s]", "aftersales"),
                                 json_pack ("{s:s, s:I, s:b}", "day", day, "due_at",
                                            (json_int_t)timer->due, "late", late));
    }
    json_decref (callback);
    return rc;
}

/* The day of another call has come: aftersales.callback_retry to the
   assignee, when the callback is open and that call is still to be made. */
static int
s_retry (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
         bool late)
{
    json_t *callback = NULL;
    int rc = s_load (store, timer, &callback);
    json_int_t attempt = json_integer_value (json_object_get (timer->payload, "attempt"));
    if (rc == 0 && callback && s_in (callback, "open") &&
        json_integer_value (json_object_get (callback, "attempts")) + 1 == attempt) {
        int max = qf_aftersales_config (config)->max_attempts;
        rc = qf_aftersales_emit (
            store, now, "aftersales.callback_retry", json_incref (callback),
            json_pack ("[O]", json_object_get (callback, "assignee")),
            json_pack ("{s:I, s:i, s:b, s:s}", "attempt", attempt, "max_attempts", max, "late",
                       late, "what", "call the customer again: the last call did not reach them"));
    }
    json_decref (callback);
    return rc;
}

/* Who is told at `level`: the assignee and the owner (once each), or the
   owner's supervisor (qf_aftersales_supervisor_of). */
static json_t *
s_told (qf_store_t *store, const qf_config_t *config, json_t *callback, const char *level)
{
    char boss[128];
    const char *owner = json_string_value (json_object_get (callback, "owner"));
    const char *assignee = json_string_value (json_object_get (callback, "assignee"));
    if (strcmp (level, LEVEL_SUPER) == 0)
        return json_pack ("[s]",
                          qf_aftersales_supervisor_of (store, config, owner, boss, sizeof boss));
    if (strcmp (assignee, owner) == 0)
        return json_pack ("[s]", owner);
    return json_pack ("[s, s]", assignee, owner);
}

/* aftersales.callback_overdue at `level` for an open callback past its
   due date `due` on `today`, marked on the callback. */
static int
s_tell_overdue (qf_store_t *store, const qf_config_t *config, json_t *callback, const char *level,
                int32_t due, int32_t today, int64_t now, bool late)
{
    int rc = qf_store_callback_overdue (
        store, json_integer_value (json_object_get (callback, "id")), level);
    if (rc == 0)
        rc = json_object_set_new (callback, "overdue", json_string (level)) ? QF_ENOMEM : 0;
    if (rc == 0)
        rc = qf_aftersales_emit (
            store, now, "aftersales.callback_overdue", json_incref (callback),
            s_told (store, config, callback, level),
            json_pack ("{s:s, s:i, s:b, s:s}", "level", level, "days_overdue", (int)(today - due),
                       "late", late, "what",
                       "§3.3 customer first: the customer was not called back by the due date"));
    return rc;
}

/* An open callback past its due date: aftersales.callback_overdue to its
   owner, then aftersales.supervisor_after_days working days later to the
   owner's supervisor. An owner's timer that fires on a day off, before
   the reminder time or on its due day (it was late, or the calendar
   changed) places itself on the day qf_calendar_overdue_wait gives
   instead. */
static int
s_overdue (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
           bool late)
{
    json_t *callback = NULL;
    int rc = s_load (store, timer, &callback);
    if (rc || !callback || !s_in (callback, "open")) {
        json_decref (callback);
        return rc; /* done or escalated: nothing is overdue */
    }
    int64_t id = json_integer_value (json_object_get (callback, "id"));
    const char *level = json_string_value (json_object_get (timer->payload, "level"));
    if (!level)
        level = LEVEL_OWNER;
    int32_t due = 0, today = qf_calendar_today (config, now);
    qf_date_parse (json_string_value (json_object_get (callback, "due")), &due);
    int32_t wait =
        strcmp (level, LEVEL_OWNER) == 0 ? qf_calendar_overdue_wait (config, now, due) : 0;
    if (wait) {
        json_decref (callback);
        return s_place_overdue (store, config, id, LEVEL_OWNER, wait, now);
    }
    rc = s_tell_overdue (store, config, callback, level, due, today, now, late);
    int after = qf_aftersales_config (config)->supervisor_after_days;
    if (rc == 0 && strcmp (level, LEVEL_OWNER) == 0) {
        if (after == 0)
            rc = s_tell_overdue (store, config, callback, LEVEL_SUPER, due, today, now, late);
        else
            rc = s_place_overdue (store, config, id, LEVEL_SUPER,
                                  qf_aftersales_working_days_after (config, today, after), now);
    }
    json_decref (callback);
    return rc;
}

const qf_timer_kind_t qf_aftersales_timer_kinds[] = {
    {DUE, QF_TIMER_AT_REMINDER, true, s_due},
    {RETRY, QF_TIMER_AT_REMINDER, true, s_retry},
    {OVERDUE, QF_TIMER_AT_REMINDER, true, s_overdue},
    {NULL},
};
