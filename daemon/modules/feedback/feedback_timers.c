/*  feedback_timers — a case's deadline passing and the end of a digest's
    period, as durable timers (feedback_timers.h). */
#include "feedback/feedback_timers.h"
#include "feedback/feedback_config.h"
#include "feedback/feedback_report.h"
#include "feedback/feedback_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_emit.h"

#include <stdio.h>
#include <string.h>

#define OVERDUE       "feedback_overdue"
#define DIGEST        "feedback_digest"
#define CASE_PREFIX   "case"
#define DIGEST_PREFIX "digest"

/* The overdue timer of case `id` at working day `day`. */
static int
s_place_overdue (qf_store_t *store, const qf_config_t *config, int64_t id, int32_t day, int64_t now)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, CASE_PREFIX, id);
    int rc = qf_timers_cancel (store, subject, OVERDUE);
    return rc ? rc : qf_timers_add (store, config, OVERDUE, subject, day, 0, NULL, now);
}

int
qf_feedback_watch_case (qf_store_t *store, const qf_config_t *config, int64_t id, int32_t deadline,
                        int64_t now)
{
    /* Past the deadline means its day has ended: the first working day after it. */
    return s_place_overdue (store, config, id, qf_calendar_next_working_day (config, deadline),
                            now);
}

int
qf_feedback_unwatch_case (qf_store_t *store, int64_t id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return qf_timers_cancel (store, qf_subject (subject, sizeof subject, CASE_PREFIX, id), OVERDUE);
}

/* The deadline passed: a case not closed is marked overdue and its owner
   and department are told, once. A timer that fires too soon
   (qf_calendar_overdue_wait) places itself on the day to wait for. */
static int
s_overdue (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
           bool late)
{
    int64_t id = 0;
    json_t *record = NULL;
    int rc = qf_timers_subject_id (timer->subject, CASE_PREFIX, &id);
    if (rc == 0)
        rc = qf_store_feedback_get (store, id, &record);
    if (rc) {
        qf_warn ("timer %lld (%s): no case %s: it fires without an event", (long long)timer->id,
                 timer->kind, timer->subject);
        return 0;
    }
    int32_t deadline = (int32_t)json_integer_value (json_object_get (record, "deadline"));
    int32_t wait = qf_calendar_overdue_wait (config, now, deadline);
    const char *state = json_string_value (json_object_get (record, "state"));
    if (strcmp (state, "closed") == 0) {
        rc = 0;
    } else if (wait) {
        rc = s_place_overdue (store, config, id, wait, now);
    } else {
        bool marked = false;
        rc = qf_store_feedback_overdue (store, id, now, &marked);
        if (rc == 0 && marked) {
            char due[16];
            qf_date_format (deadline, due, sizeof due);
            json_t *owner = json_object_get (record, "owner");
            json_t *department = json_object_get (record, "department");
            json_t *recipients = json_is_string (owner) ? json_pack ("[O, O]", department, owner)
                                                        : json_pack ("[O]", department);
            rc = qf_emit (store, now, "feedback.overdue", CASE_PREFIX, id,
                          json_pack ("{s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:O, s:o, "
                                     "s:b}",
                                     "case_id", (json_int_t)id, "customer_id",
                                     json_object_get (record, "customer_id"), "contract_id",
                                     json_object_get (record, "contract_id"), "kind",
                                     json_object_get (record, "kind"), "category",
                                     json_object_get (record, "category"), "severity",
                                     json_object_get (record, "severity"), "department", department,
                                     "owner", owner, "deadline", due, "state",
                                     json_object_get (record, "state"), "recipients", recipients,
                                     "late", late));
        }
    }
    json_decref (record);
    return rc;
}

/* The digest ----------------------------------------------------------------- */

/* Places the digest's timer for the end of the period that holds `day`:
   00:00 of the next period's first day, whose day number names it. */
static int
s_place_digest (qf_store_t *store, const qf_config_t *config, int32_t day, int64_t now)
{
    qf_feedback_period_t period;
    qf_feedback_period_of (qf_feedback_config (config)->digest_period, day, &period);
    int32_t next = period.last_day + 1;
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, DIGEST_PREFIX, next);
    json_t *payload = json_pack ("{s:s, s:i, s:i}", "period", period.name, "first_day",
                                 (int)period.first_day, "last_day", (int)period.last_day);
    int rc = payload ? qf_timers_cancel (store, subject, DIGEST) : QF_ENOMEM;
    if (rc == 0)
        rc = qf_timers_add (store, config, DIGEST, subject, next, 0, payload, now);
    if (rc == 0)
        rc = qf_store_feedback_digest_mark (store, next, false, now);
    json_decref (payload);
    return rc;
}

int
qf_feedback_watch_digest (qf_store_t *store, const qf_config_t *config, int64_t now)
{
    bool pending = false;
    int rc = qf_store_feedback_digest_pending (store, &pending);
    if (rc || pending)
        return rc;
    return s_place_digest (store, config, qf_calendar_today (config, now), now);
}

/* The period ended: feedback.digest to each department a category names,
   with the figures of its categories; then the next period's timer. */
static int
s_digest (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
          bool late)
{
    int64_t next = 0;
    int rc = qf_timers_subject_id (timer->subject, DIGEST_PREFIX, &next);
    if (rc) {
        qf_warn ("timer %lld (%s): subject %s is not a digest's: it fires without an event",
                 (long long)timer->id, timer->kind, timer->subject);
        return 0;
    }
    qf_feedback_period_t period;
    json_t *first = json_object_get (timer->payload, "first_day");
    json_t *last = json_object_get (timer->payload, "last_day");
    const char *name = json_string_value (json_object_get (timer->payload, "period"));
    memset (&period, 0, sizeof period);
    snprintf (period.name, sizeof period.name, "%s", name ? name : "");
    period.first_day = (int32_t)json_integer_value (first);
    period.last_day = (int32_t)json_integer_value (last);
    period.m1 = qf_feedback_month (period.first_day);
    period.m2 = qf_feedback_month (period.last_day);
    const qf_feedback_config_t *settings = qf_feedback_config (config);
    for (size_t i = 0; rc == 0 && i < settings->category_count; i++) {
        const char *department = settings->categories[i].department;
        bool seen = false; /* one digest per department, however many categories name it */
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp (settings->categories[j].department, department) == 0;
        if (seen)
            continue;
        json_t *report = NULL;
        rc = qf_feedback_report (store, config, now, &period, department, &report);
        if (rc == 0) {
            json_object_set_new (report, "recipients", json_pack ("[s]", department));
            json_object_set_new (report, "late", json_boolean (late));
            rc = qf_emit_named (store, now, "feedback.digest", "department", department, report);
        }
    }
    if (rc == 0)
        rc = qf_store_feedback_digest_mark (store, (int32_t)next, true, now);
    /* The next period: the one that holds today (after downtime, the
       periods missed are not sent one by one). */
    if (rc == 0)
        rc = s_place_digest (store, config, qf_calendar_today (config, now), now);
    return rc;
}

const qf_timer_kind_t qf_feedback_timer_kinds[] = {
    {OVERDUE, QF_TIMER_AT_REMINDER, true, s_overdue},
    {DIGEST, QF_TIMER_AT_DAY_START, true, s_digest},
    {NULL},
};
