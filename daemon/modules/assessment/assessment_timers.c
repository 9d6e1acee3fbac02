/*  assessment_timers — staff.assessment_due at the end of each period
    (assessment_timers.h). */
#include "assessment/assessment_timers.h"
#include "assessment/assessment_config.h"
#include "assessment/assessment_kpi.h"
#include "assessment/assessment_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_emit.h"

#include <stdio.h>
#include <string.h>

#define DUE    "assessment_due"
#define PREFIX "assessment"

/* The period of policy.assessment_period that holds `day`. */
static void
s_period_of (const qf_config_t *config, int32_t day, qf_feedback_period_t *period)
{
    int kind = qf_assessment_config (config)->period == 0 ? QF_DIGEST_QUARTER : QF_DIGEST_YEAR;
    qf_feedback_period_of (kind, day, period);
}

typedef struct {
    const qf_config_t *config;
    int64_t now;
} place_t;

/* Places the timer of the end of the period holding today, unless it is
   there (pending or fired). */
static int
s_place (qf_store_t *store, void *arg)
{
    place_t *place = arg;
    qf_feedback_period_t period;
    s_period_of (place->config, qf_calendar_today (place->config, place->now), &period);
    int32_t next = period.last_day + 1;
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, PREFIX, next);
    json_t *timers = NULL, *timer;
    int rc = qf_timers_list (store, subject, &timers);
    /* One that an earlier version placed on a working day before the
       period's end (moved back by holiday_shift) is placed again. */
    bool early = false, placed = false;
    size_t i;
    json_array_foreach (timers, i, timer)
    {
        bool pending =
            strcmp (json_string_value (json_object_get (timer, "state")), "pending") == 0;
        bool before = json_integer_value (json_object_get (timer, "due")) <
                      qf_calendar_day_start (place->config, next);
        early |= pending && before;
        placed |= !(pending && before);
    }
    json_decref (timers);
    if (rc == 0 && early)
        rc = qf_timers_cancel (store, subject, DUE);
    if (rc || placed)
        return rc;
    json_t *payload = json_pack ("{s:s, s:i, s:i}", "period", period.name, "first_day",
                                 (int)period.first_day, "last_day", (int)period.last_day);
    /* Due on the first working day after the period, never before its end:
       not qf_calendar_working_day, which calendar.holiday_shift "previous"
       would move back into the period when a holiday follows it. */
    rc = payload ? qf_timers_add (store, place->config, DUE, subject,
                                  qf_calendar_next_working_day (place->config, period.last_day), 0,
                                  payload, place->now)
                 : QF_ENOMEM;
    json_decref (payload);
    return rc;
}

int
qf_assessment_tick (qf_store_t *store, const qf_config_t *config, int64_t now, int *raised_p)
{
    /* The day already checked, and in which store: a cache of "the
       timer is there" that only saves a query per tick (the check is
       idempotent), kept per store since one process may open several. */
    static const qf_store_t *s_store;
    static int32_t s_checked = -1;
    if (raised_p)
        *raised_p = 0;
    int32_t today = qf_calendar_today (config, now);
    if (store == s_store && today == s_checked)
        return 0;
    place_t place = {config, now};
    int rc = qf_store_in_savepoint (store, s_place, &place);
    if (rc)
        qf_error ("the assessment period's timer could not be placed (%s); tried again",
                  qf_strerror (rc));
    else
        s_store = store, s_checked = today;
    return rc;
}

/* The period ended: staff.assessment_due with the scorecards, to the
   sales supervisors and HR of the directory (or the roles' names). */
static int
s_due (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
       bool late)
{
    const char *name = json_string_value (json_object_get (timer->payload, "period"));
    qf_feedback_period_t period;
    if (!name || qf_kpi_period_parse (name, &period)) {
        qf_warn ("timer %lld (%s): no period in its payload: it fires without an event",
                 (long long) timer->id, timer->kind);
        return 0;
    }
    int rc = qf_assessment_store_announce (store, period.name, now);
    if (rc)
        return rc < 0 ? rc : 0; /* 1: announced already */
    json_t *cards = NULL;
    rc = qf_kpi_scorecards (store, config, &period, NULL, &cards);
    /* The roles' people of the directory when it commits (qf_staff_address). */
    json_t *recipients = rc ? NULL : json_pack ("[s, s]", "supervisor", "hr");
    char from[16], to[16];
    qf_date_format (period.first_day, from, sizeof from);
    qf_date_format (period.last_day, to, sizeof to);
    if (!rc)
        rc = qf_emit_named (store, now, "staff.assessment_due", "assessment", period.name,
                            json_pack ("{s:s, s:s, s:s, s:O, s:O, s:b}", "period", period.name,
                                       "from", from, "to", to, "scorecards", cards, "recipients",
                                       recipients, "late", late));
    json_decref (cards);
    json_decref (recipients);
    /* The next period's, in the same transaction: the chain does not
       wait for the next tick. */
    place_t place = {config, now};
    return rc ? rc : s_place (store, &place);
}

const qf_timer_kind_t qf_assessment_timer_kinds[] = {
    {DUE, QF_TIMER_AT_DAY_START, true, s_due},
    {NULL},
};
