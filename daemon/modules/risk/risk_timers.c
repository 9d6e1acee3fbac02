/*  risk_timers — a risk's review date, an action past its due date and a
    delivery date passed undelivered, as durable timers (risk_timers.h). */
#include "risk/risk_timers.h"
#include "contract/contract_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_emit.h"
#include "risk/risk.h"
#include "risk/risk_config.h"
#include "risk/risk_store.h"

#include <stdio.h>
#include <string.h>

#define REVIEW        "risk_review_due"
#define OVERDUE       "risk_action_overdue"
#define LATE          "risk_delivery_late"
#define RISK_PREFIX   "risk"
#define ACTION_PREFIX "risk_action"

/* Places a timer of `kind` about PREFIX/`id` at the reminder time of day
   `day` (a day off is moved to a working day by the placement). */
static int
s_place (qf_store_t *store, const qf_config_t *config, const char *kind, const char *prefix,
         int64_t id, int32_t day, int64_t now)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, prefix, id);
    return qf_timers_add (store, config, kind, subject, day, 0, NULL, now);
}

/* Replaces PREFIX/`id`'s timer of `kind` with one on the first working
   day after `date` (YYYY-MM-DD), or on `date` itself when `on_the_day`. */
static int
s_watch (qf_store_t *store, const qf_config_t *config, const char *kind, const char *prefix,
         int64_t id, const char *date, bool on_the_day, int64_t now)
{
    int32_t day = 0;
    if (qf_date_parse (date, &day))
        return QF_EINVAL;
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    int rc = qf_timers_cancel (store, qf_subject (subject, sizeof subject, prefix, id), kind);
    return rc ? rc
              : s_place (store, config, kind, prefix, id,
                         on_the_day ? day : qf_calendar_next_working_day (config, day), now);
}

int
qf_risk_watch_review (qf_store_t *store, const qf_config_t *config, int64_t id, const char *review,
                      int64_t now)
{
    return s_watch (store, config, REVIEW, RISK_PREFIX, id, review, true, now);
}

int
qf_risk_watch_action (qf_store_t *store, const qf_config_t *config, int64_t id, const char *due,
                      int64_t now)
{
    return s_watch (store, config, OVERDUE, ACTION_PREFIX, id, due, false, now);
}

int
qf_risk_watch_late (qf_store_t *store, const qf_config_t *config, int64_t id, const char *delivery,
                    int64_t now)
{
    return s_watch (store, config, LATE, RISK_PREFIX, id, delivery, false, now);
}

int
qf_risk_unwatch_action (qf_store_t *store, int64_t id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return qf_timers_cancel (store, qf_subject (subject, sizeof subject, ACTION_PREFIX, id),
                             OVERDUE);
}

int
qf_risk_unwatch (qf_store_t *store, int64_t id, json_t *actions)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    int rc = qf_timers_cancel (store, qf_subject (subject, sizeof subject, RISK_PREFIX, id), NULL);
    for (size_t i = 0; rc == 0 && i < json_array_size (actions); i++)
        rc = qf_risk_unwatch_action (
            store, json_integer_value (json_object_get (json_array_get (actions, i), "id")));
    return rc;
}

/* Whether a timer for what was due on day `due` fires at its moment: a
   working day after `due`, from the reminder time. If not (it fired
   late, or the calendar changed), *day_p gets the day to place it on
   instead. */
static bool
s_in_time (const qf_config_t *config, int64_t now, int32_t due, int32_t *day_p)
{
    int32_t today = qf_calendar_today (config, now), first = due + 1;
    if (today >= first && qf_calendar_is_working_day (config, today) &&
        now >= qf_calendar_reminder_at (config, today))
        return true;
    int32_t day = today > first ? today : first;
    if (!qf_calendar_is_working_day (config, day) || now >= qf_calendar_reminder_at (config, day))
        day = qf_calendar_next_working_day (config, day);
    *day_p = day;
    return false;
}

/* The risk a timer of subject risk/ID follows; NULL (with a warning) when
   it is gone, or closed. */
static json_t *
s_open_risk (qf_store_t *store, const qf_timer_t *timer)
{
    int64_t id = 0;
    json_t *risk = NULL;
    if (qf_timers_subject_id (timer->subject, RISK_PREFIX, &id) ||
        qf_store_risk_get (store, id, &risk)) {
        qf_warn ("timer %lld (%s): no risk %s: it fires without an event", (long long)timer->id,
                 timer->kind, timer->subject);
        return NULL;
    }
    if (strcmp (json_string_value (json_object_get (risk, "state")), "open") == 0)
        return risk;
    json_decref (risk);
    return NULL;
}

/* The review date has come: risk.review_due to the owner, once. A review
   recorded meanwhile moved the date and replaced the timer. */
static int
s_review_due (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
              bool late)
{
    (void)config;
    json_t *risk = s_open_risk (store, timer);
    if (!risk)
        return 0;
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    int rc = qf_emit (
        store, now, "risk.review_due", "risk", id,
        json_pack ("{s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:[O], s:b}", "risk_id", id, "type",
                   json_object_get (risk, "type"), "description",
                   json_object_get (risk, "description"), "level", json_object_get (risk, "level"),
                   "score", json_object_get (risk, "score"), "review",
                   json_object_get (risk, "review"), "owner", json_object_get (risk, "owner"),
                   "recipients", json_object_get (risk, "owner"), "late", late));
    json_decref (risk);
    return rc;
}

/* An action past its due date and open: risk.action_overdue to its owner
   and the risk's, then again on the next working day. */
static int
s_overdue (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
           bool late)
{
    int64_t id = 0;
    json_t *action = NULL, *risk = NULL;
    int rc = qf_timers_subject_id (timer->subject, ACTION_PREFIX, &id);
    if (rc == 0)
        rc = qf_store_risk_action_get (store, id, &action);
    if (rc == 0)
        rc = qf_store_risk_get (store, json_integer_value (json_object_get (action, "risk_id")),
                                &risk);
    if (rc) {
        json_decref (action);
        qf_warn ("timer %lld (%s): no risk action %s: it fires without an event",
                 (long long)timer->id, timer->kind, timer->subject);
        return 0;
    }
    int32_t due = 0, day = 0, today = qf_calendar_today (config, now);
    qf_date_parse (json_string_value (json_object_get (action, "due")), &due);
    if (strcmp (json_string_value (json_object_get (action, "state")), "open") != 0 ||
        strcmp (json_string_value (json_object_get (risk, "state")), "open") != 0)
        rc = 0; /* done, or its risk closed: nothing is overdue */
    else if (!s_in_time (config, now, due, &day))
        rc = s_place (store, config, OVERDUE, ACTION_PREFIX, id, day, now);
    else {
        rc =
            qf_emit (store, now, "risk.action_overdue", "risk",
                     json_integer_value (json_object_get (action, "risk_id")),
                     json_pack ("{s:O, s:O, s:O, s:O, s:i, s:[O, O], s:b}", "risk_id",
                                json_object_get (action, "risk_id"), "action", action, "type",
                                json_object_get (risk, "type"), "risk_owner",
                                json_object_get (risk, "owner"), "days_overdue", (int)(today - due),
                                "recipients", json_object_get (action, "owner"),
                                json_object_get (risk, "owner"), "late", late));
        /* Again on each working day until it is done. */
        if (rc == 0)
            rc = s_place (store, config, OVERDUE, ACTION_PREFIX, id,
                          qf_calendar_next_working_day (config, today), now);
    }
    json_decref (action);
    json_decref (risk);
    return rc;
}

/* The delivery date passed and the contract is still signed, not
   delivered: the processing risk is scored again as late (§7.1). */
static int
s_late (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
        bool late)
{
    json_t *risk = s_open_risk (store, timer), *contract = NULL;
    if (!risk)
        return 0;
    json_t *details = json_object_get (risk, "details");
    const char *delivery = json_string_value (json_object_get (details, "delivery"));
    int32_t due = 0, day = 0;
    qf_date_parse (delivery, &due);
    int rc = qf_store_contract_get (
        store, json_integer_value (json_object_get (details, "contract_id")), &contract);
    const char *state = rc == 0 ? json_string_value (json_object_get (contract, "state")) : NULL;
    json_int_t id = json_integer_value (json_object_get (risk, "id"));
    if (!state || strcmp (state, "signed") != 0)
        rc = 0; /* delivered or cancelled meanwhile */
    else if (!s_in_time (config, now, due, &day))
        rc = s_place (store, config, LATE, RISK_PREFIX, id, day, now);
    else {
        char reason[160];
        snprintf (reason, sizeof reason, "contract %s was not delivered by its delivery date %s%s",
                  json_string_value (json_object_get (contract, "number")), delivery,
                  late ? " (seen late: the daemon was down)" : "");
        rc = qf_risk_rescore (store, config, now, id, qf_risk_config (config)->late_likelihood,
                              (int)json_integer_value (json_object_get (risk, "impact")),
                              json_number_value (json_object_get (risk, "expected_loss")), reason,
                              "system");
    }
    json_decref (contract);
    json_decref (risk);
    return rc;
}

const qf_timer_kind_t qf_risk_timer_kinds[] = {
    {REVIEW, QF_TIMER_AT_REMINDER, true, s_review_due},
    {OVERDUE, QF_TIMER_AT_REMINDER, true, s_overdue},
    {LATE, QF_TIMER_AT_REMINDER, true, s_late},
    {NULL},
};
