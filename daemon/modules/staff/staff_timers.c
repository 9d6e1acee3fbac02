/*  staff_timers — a person's durable timers (§5.1), subject staff/PERSON:
      staff_onboarding_due  calendar.reminder_time of the first working day
                            after a salesperson's onboarding window
                            (staff.onboarding_window_days after the start
                            date): if their onboarding is not complete,
                            staff.onboarding_overdue to them, their
                            supervisor and HR. Made even when that has
                            passed; cancelled when onboarding completes or
                            they leave.
      staff_training_hours  calendar.reminder_time, staff.training_check_lead_days
                            before the year ends: if the person attended
                            fewer hours of periodic training and experience
                            sharing than staff.yearly_training_hours (in
                            proportion for a year begun later),
                            staff.training_short to them, their supervisor
                            and HR; then placed for the next year. Once per
                            year per person: one timer, fired once. */
#include "qf.h"
#include "qf_calendar.h"
#include "qf_emit.h"
#include "qf_timers.h"
#include "staff/staff.h"
#include "staff/staff_config.h"
#include "staff/staff_int.h"
#include "staff/staff_store.h"

#include <stdio.h>
#include <string.h>

/* The subject of a person's timers, "staff/PERSON". */
static const char *
s_subject (const char *person, char *subject, size_t size)
{
    snprintf (subject, size, "%s/%s", QF_STAFF_SUBJECT, person);
    return subject;
}

/* The last day of `year`, from which the yearly check is placed. */
static int32_t
s_year_end (int year)
{
    return qf_calendar_year_start (year + 1) - 1;
}

/* Places the yearly check of `person` for `year`. */
static int
s_place_year (qf_store_t *store, const qf_config_t *config, const char *subject, int year,
              int64_t now)
{
    json_t *payload = json_pack ("{s:i}", "year", year);
    int rc =
        payload ? qf_timers_add (store, config, QF_STAFF_TRAINING_HOURS, subject, s_year_end (year),
                                 qf_staff_config (config)->training_check_lead_days, payload, now)
                : QF_ENOMEM;
    json_decref (payload);
    return rc;
}

int
qf_staff__watch (qf_store_t *store, const qf_config_t *config, json_t *person, int64_t now)
{
    const qf_staff_config_t *settings = qf_staff_config (config);
    const char *name = json_string_value (json_object_get (person, "person"));
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    s_subject (name, subject, sizeof subject);
    int rc = qf_timers_cancel (store, subject, NULL);
    if (rc || strcmp (json_string_value (json_object_get (person, "status")), "active") != 0)
        return rc;
    int32_t started = 0, today = qf_calendar_today (config, now);
    qf_date_parse (json_string_value (json_object_get (person, "started")), &started);
    if (qf_staff__holds (person, "sales") &&
        !json_is_string (json_object_get (person, "onboarded")))
        rc = qf_timers_add (
            store, config, QF_STAFF_ONBOARDING_DUE, subject,
            qf_calendar_next_working_day (config, started + settings->onboarding_window_days), 0,
            NULL, now);
    if (rc == 0 && settings->yearly_training_hours > 0) {
        /* This year's check unless its day has passed, then next year's. */
        int year = qf_calendar_year (today);
        if (today > s_year_end (year) - settings->training_check_lead_days)
            year++;
        rc = s_place_year (store, config, subject, year, now);
    }
    return rc;
}

int
qf_staff__unwatch (qf_store_t *store, const char *person, const char *kind)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return qf_timers_cancel (store, s_subject (person, subject, sizeof subject), kind);
}

/* The active person a timer follows, or NULL (they left, or are gone). */
static json_t *
s_person (qf_store_t *store, const qf_timer_t *timer)
{
    size_t prefix = strlen (QF_STAFF_SUBJECT);
    json_t *person = NULL;
    if (strncmp (timer->subject, QF_STAFF_SUBJECT "/", prefix + 1) != 0 ||
        qf_staff_get (store, timer->subject + prefix + 1, &person) != 0) {
        qf_warn ("timer %lld (%s): no person %s in the staff directory: it fires without an "
                 "event",
                 (long long)timer->id, timer->kind, timer->subject);
        return NULL;
    }
    if (strcmp (json_string_value (json_object_get (person, "status")), "active") != 0) {
        json_decref (person);
        return NULL;
    }
    return person;
}

/* The onboarding window ended: overdue unless it is complete. */
static int
s_onboarding_due (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer,
                  int64_t now, bool late)
{
    json_t *person = s_person (store, timer), *onboarding = NULL;
    if (!person)
        return 0;
    const char *name = json_string_value (json_object_get (person, "person"));
    int rc = qf_staff__onboarding (store, config, person, &onboarding);
    if (rc == 0 && json_is_true (json_object_get (onboarding, "required")) &&
        !json_is_true (json_object_get (onboarding, "complete")))
        rc = qf_emit_named (
            store, now, "staff.onboarding_overdue", QF_STAFF_SUBJECT, name,
            json_pack ("{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:b, s:o?}", "person", name, "started",
                       json_object_get (person, "started"), "due",
                       json_object_get (onboarding, "due"), "hours",
                       json_object_get (onboarding, "hours"), "required_hours",
                       json_object_get (onboarding, "required_hours"), "missing_topics",
                       json_object_get (onboarding, "missing_topics"), "supervisor",
                       json_object_get (person, "supervisor"), "late", late, "recipients",
                       qf_staff__recipients (store, person, true, true, "hr")));
    json_decref (onboarding);
    json_decref (person);
    return rc;
}

/* The year's check of training hours, then the next year's. */
static int
s_training_hours (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer,
                  int64_t now, bool late)
{
    json_t *person = s_person (store, timer), *training = NULL;
    if (!person)
        return 0;
    const char *name = json_string_value (json_object_get (person, "person"));
    int year = (int)json_integer_value (json_object_get (timer->payload, "year"));
    if (year < 1900)
        year = qf_calendar_year (qf_calendar_today (config, now));
    int rc = qf_staff__year (store, config, person, year, &training);
    double hours = json_number_value (json_object_get (training, "hours"));
    double required = json_number_value (json_object_get (training, "required_hours"));
    if (rc == 0 && json_is_true (json_object_get (training, "short")))
        rc = qf_emit_named (
            store, now, "staff.training_short", QF_STAFF_SUBJECT, name,
            json_pack ("{s:s, s:i, s:f, s:f, s:f, s:i, s:b, s:o?}", "person", name, "year", year,
                       "hours", hours, "required_hours", required, "short_by", required - hours,
                       "yearly_hours", qf_staff_config (config)->yearly_training_hours, "late",
                       late, "recipients", qf_staff__recipients (store, person, true, true, "hr")));
    if (rc == 0 && qf_staff_config (config)->yearly_training_hours > 0)
        rc = s_place_year (store, config, timer->subject, year + 1, now);
    json_decref (training);
    json_decref (person);
    return rc;
}

const qf_timer_kind_t qf_staff_timer_kinds[] = {
    {QF_STAFF_ONBOARDING_DUE, QF_TIMER_AT_REMINDER, true, s_onboarding_due},
    {QF_STAFF_TRAINING_HOURS, QF_TIMER_AT_REMINDER, true, s_training_hours},
    {NULL},
};
