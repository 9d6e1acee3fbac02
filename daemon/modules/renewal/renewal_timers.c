/*  renewal_timers — a qualification's expiry reminders and its expiry, as
    durable timers (renewal_timers.h). */
#include "renewal/renewal_timers.h"
#include "renewal/renewal_config.h"
#include "qualification/qualification_store.h"
#include "proposal/proposal.h"
#include "qf_emit.h"
#include "qf.h"
#include "qf_calendar.h"

#include <string.h>

#define SUBJECT_PREFIX "qualification"

int
qf_renewal_schedule (qf_store_t *store, const qf_config_t *config, int64_t qual_id, int32_t expires,
                     int64_t now)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, SUBJECT_PREFIX, qual_id);
    int rc = qf_timers_cancel (store, subject, NULL);
    for (size_t i = 0; rc == 0 && i < qf_renewal_config (config)->renewal_lead_count; i++)
        rc = qf_timers_add (store, config, "expiring", subject, expires,
                            qf_renewal_config (config)->renewal_lead_days[i], NULL, now);
    return rc ? rc : qf_timers_add (store, config, "expired", subject, expires, 0, NULL, now);
}

/* certificate.expiring or certificate.expired of a qualification; at
   "expired", an approved one stops being sellable: the state says so. */
static int
s_fire (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
        bool late)
{
    int64_t qual_id = 0;
    json_t *record = NULL;
    int rc = qf_timers_subject_id (timer->subject, SUBJECT_PREFIX, &qual_id);
    if (rc == 0)
        rc = qf_store_qual_get (store, qual_id, &record);
    if (rc == QF_ENOTFOUND || rc == QF_EINVAL) {
        qf_warn ("timer %lld (%s): no qualification %s: it fires without an event",
                 (long long)timer->id, timer->kind, timer->subject);
        return 0;
    }
    if (rc)
        return rc;
    bool expired = strcmp (timer->kind, "expired") == 0;
    int32_t today = qf_calendar_today (config, now);
    if (expired &&
        strcmp (json_string_value (json_object_get (record, "state")), "approved") == 0) {
        rc = qf_store_qual_set_state (store, qual_id, "expired",
                                      (int)json_integer_value (json_object_get (record, "round")),
                                      now);
        json_decref (record);
        record = NULL;
        char reason[128], day[16];
        snprintf (reason, sizeof reason,
                  "qualification %lld expired on %s (§4.3): no longer sellable", (long long)qual_id,
                  qf_date_format (timer->anchor, day, sizeof day));
        /* The open proposals holding it are flagged with the expiry (§6.2). */
        if (rc == 0)
            rc = qf_proposal_flag_qualification (store, now, qual_id, reason, 0, NULL);
        if (rc == 0)
            rc = qf_store_qual_get (store, qual_id, &record);
        if (rc)
            return rc;
    }
    char expires[16];
    qf_date_format (timer->anchor, expires, sizeof expires);
    json_t *payload =
        json_pack ("{s:o, s:s, s:i, s:i, s:I, s:b}", "qualification", record, "expires", expires,
                   "lead_days", timer->lead_days, "days_left", (int)(timer->anchor - today), "due",
                   (json_int_t)timer->due, "late", late);
    return qf_emit (store, now, expired ? "certificate.expired" : "certificate.expiring",
                    SUBJECT_PREFIX, qual_id, payload);
}

const qf_timer_kind_t qf_renewal_timer_kinds[] = {
    {"expiring", QF_TIMER_AT_REMINDER, false, s_fire},
    {"expired", QF_TIMER_AT_DAY_START, true, s_fire},
    {NULL},
};
