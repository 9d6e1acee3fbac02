/*  customer_timers — a next step past its due date, as a durable timer
    (customer_timers.h). */
#include "customer/customer_timers.h"
#include "customer/customer.h"
#include "customer/customer_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_emit.h"

#include <stdio.h>
#include <string.h>

#define KIND           "customer_next_step"
#define SUBJECT_PREFIX "customer_contact"

/* Places the timer at the reminder time of working day `day` (its anchor;
   the placement keeps a working day where it is). */
static int
s_place (qf_store_t *store, const qf_config_t *config, int64_t log_id, int32_t day, int64_t now)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, SUBJECT_PREFIX, log_id);
    return qf_timers_add (store, config, KIND, subject, day, 0, NULL, now);
}

int
qf_customer_schedule_step (qf_store_t *store, const qf_config_t *config, int64_t log_id,
                           int32_t due, int64_t now)
{
    /* Overdue means the due day has ended: the first working day after it. */
    return s_place (store, config, log_id, qf_calendar_next_working_day (config, due), now);
}

int
qf_customer_cancel_step (qf_store_t *store, int64_t log_id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, SUBJECT_PREFIX, log_id);
    return qf_timers_cancel (store, subject, KIND);
}

/* Raises customer.next_step_overdue for an open step, once, on a working
   day after its due date from the reminder time; a timer that fires on
   another day (it was late: the daemon was down, or the calendar changed)
   places itself again on the next such day instead. */
static int
s_fire (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
        bool late)
{
    int64_t log_id = 0;
    json_t *entry = NULL, *customer = NULL;
    int rc = qf_timers_subject_id (timer->subject, SUBJECT_PREFIX, &log_id);
    if (rc == 0)
        rc = qf_customer_store_log_get (store, log_id, &entry);
    if (rc == QF_ENOTFOUND || rc == QF_EINVAL) {
        qf_warn ("timer %lld (%s): no contact log entry %s: it fires without an event",
                 (long long)timer->id, timer->kind, timer->subject);
        return 0;
    }
    if (rc)
        return rc;
    const char *state = json_string_value (json_object_get (entry, "step_state"));
    if (!state || strcmp (state, "open") != 0 ||
        !json_is_null (json_object_get (entry, "overdue_raised"))) {
        json_decref (entry);
        return 0; /* done, superseded or already raised: nothing is overdue */
    }
    int32_t due = 0, today = qf_calendar_today (config, now);
    qf_date_parse (json_string_value (json_object_get (entry, "next_due")), &due);
    int32_t wait = qf_calendar_overdue_wait (config, now, due);
    if (wait) {
        json_decref (entry);
        return s_place (store, config, log_id, wait, now);
    }
    int64_t customer_id = json_integer_value (json_object_get (entry, "customer_id"));
    rc = qf_customer_get (store, customer_id, &customer);
    if (rc) {
        json_decref (entry);
        return rc == QF_ENOTFOUND ? 0 : rc;
    }
    const char *owner = json_string_value (json_object_get (customer, "owner"));
    rc = qf_customer_store_step_overdue (store, log_id, now);
    if (rc == 0) {
        char what[320];
        snprintf (what, sizeof what, "%.200s: due %s, overdue",
                  json_string_value (json_object_get (entry, "next_step")),
                  json_string_value (json_object_get (entry, "next_due")));
        rc = qf_customer_store_journal (store, customer_id, "step_overdue", NULL, what, entry, now);
    }
    if (rc == 0)
        rc = qf_emit (store, now, "customer.next_step_overdue", "customer", customer_id,
                      json_pack ("{s:I, s:s, s:s, s:[s], s:o, s:s, s:i, s:b}", "customer_id",
                                 (json_int_t)customer_id, "customer",
                                 json_string_value (json_object_get (customer, "name")), "owner",
                                 owner, "recipients", owner, "contact", entry, "due",
                                 json_string_value (json_object_get (entry, "next_due")),
                                 "days_overdue", (int)(today - due), "late", late));
    else
        json_decref (entry);
    json_decref (customer);
    return rc;
}

const qf_timer_kind_t qf_customer_timer_kinds[] = {
    {KIND, QF_TIMER_AT_REMINDER, true, s_fire},
    {NULL},
};
