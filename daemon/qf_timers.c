/*  qf_timers — expiry and renewal reminders as durable timers. */
#include "qf_timers.h"
#include "qf.h"
#include "qf_calendar.h"

#include <stdio.h>
#include <string.h>

int
qf_timers_schedule (qf_store_t *store, const qf_config_t *config, int64_t qual_id, int32_t expires,
                    int64_t now)
{
    int rc = qf_store_timers_cancel (store, qual_id);
    for (size_t i = 0; rc == 0 && i < config->renewal_lead_count; i++) {
        int lead = config->renewal_lead_days[i];
        int32_t day = qf_calendar_working_day (config, expires - lead);
        int64_t due = qf_calendar_reminder_at (config, day);
        /* A reminder due this very millisecond is not yet missed. */
        if (due >= now)
            rc = qf_store_timer_add (store, due, "expiring", qual_id, lead, expires);
    }
    /* Expired: from the first moment of the expiry day, in the policy's time
       zone. Made even when that moment has come: a qualification approved
       on or after its expiry day must still move to expired and tell sales. */
    int64_t expired_at = (int64_t)expires * 86400000 - (int64_t)config->utc_offset_minutes * 60000;
    if (rc == 0)
        rc = qf_store_timer_add (store, expired_at, "expired", qual_id, 0, expires);
    return rc;
}

/* Fires one timer inside the open transaction. */
static int
s_fire (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now)
{
    json_t *record = NULL;
    int rc = qf_store_qual_get (store, timer->qualification_id, &record);
    if (rc == QF_ENOTFOUND)
        return qf_store_timer_fired (store, timer->id, now);
    if (rc)
        return rc;
    bool late = now - timer->due > QF_TIMER_LATE_MS;
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
    qf_date_format (timer->expires, expires, sizeof expires);
    snprintf (subject, sizeof subject, "qualification/%lld", (long long)timer->qualification_id);
    json_t *payload =
        json_pack ("{s:o, s:s, s:i, s:i, s:I, s:b}", "qualification", record, "expires", expires,
                   "lead_days", timer->lead_days, "days_left", (int)(timer->expires - today), "due",
                   (json_int_t)timer->due, "late", late);
    if (!payload)
        return QF_ENOMEM;
    rc = qf_store_event_append (store, expired ? "certificate.expired" : "certificate.expiring",
                                subject, payload, now, NULL);
    json_decref (payload);
    if (rc == 0)
        rc = qf_store_timer_fired (store, timer->id, now);
    if (rc == 0 && late)
        qf_info ("timer %lld (%s, %d days before %s) of qualification %lld fired late: it was "
                 "due %lld s ago",
                 (long long)timer->id, timer->kind, timer->lead_days, expires,
                 (long long)timer->qualification_id, (long long)((now - timer->due) / 1000));
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
