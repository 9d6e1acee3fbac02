/*  proposal_timers — the end of a qualification's sale window flags the
    open proposal that offers it (proposal_timers.h). */
#include "proposal/proposal_timers.h"
#include "proposal/proposal.h"
#include "proposal/proposal_store.h"
#include "qualification/qualification.h"
#include "qualification/qualification_config.h"
#include "qualification/qualification_store.h"
#include "qf.h"
#include "qf_emit.h"

#include <stdio.h>

#define KIND           "proposal_sale_window"
#define SUBJECT_PREFIX "proposal"

int
qf_proposal_watch (qf_store_t *store, const qf_config_t *config, int64_t id, json_t *lines,
                   int64_t now)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, SUBJECT_PREFIX, id);
    int rc = qf_timers_cancel (store, subject, KIND);
    /* Sellable while expires >= today + days: the window ends days - 1
       days before the expiry day. */
    int days = qf_qualification_config (config)->min_validity_for_sale_days;
    /* With no minimum the window ends on the expiry day, which the expiry
       timer already marks (renewal_timers.c). */
    for (size_t i = 0; rc == 0 && days > 0 && i < json_array_size (lines); i++) {
        json_t *line = json_array_get (lines, i);
        int32_t expires = 0;
        if (qf_date_parse (json_string_value (json_object_get (line, "expires")), &expires))
            continue;
        json_t *payload =
            json_pack ("{s:O}", "qualification_id", json_object_get (line, "qualification_id"));
        rc = payload ? qf_timers_add (store, config, KIND, subject, expires, days - 1, payload, now)
                     : QF_ENOMEM;
        json_decref (payload);
    }
    return rc;
}

int
qf_proposal_unwatch (qf_store_t *store, int64_t id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return qf_timers_cancel (store, qf_subject (subject, sizeof subject, SUBJECT_PREFIX, id), KIND);
}

/* Whether proposal `id`'s current version is already flagged for
   qualification `qual_id` (suspended or expired the same day): one flag
   says it. */
static bool
s_flagged_for (qf_store_t *store, int64_t id, int64_t qual_id)
{
    json_t *versions = NULL, *flags = NULL;
    bool flagged = false;
    if (qf_store_proposal_versions (store, id, &versions) == 0 &&
        qf_store_proposal_flags (store, id, &flags) == 0) {
        json_t *current = json_array_get (versions, json_array_size (versions) - 1);
        json_int_t since = json_integer_value (json_object_get (current, "at"));
        for (size_t i = 0; i < json_array_size (flags); i++) {
            json_t *flag = json_array_get (flags, i);
            flagged |= json_integer_value (json_object_get (flag, "qualification_id")) == qual_id &&
                       json_integer_value (json_object_get (flag, "at")) >= since;
        }
    }
    json_decref (versions);
    json_decref (flags);
    return flagged;
}

/* The window of one line's qualification ended: flag the proposal if it
   is still open, still offers it, and it is indeed no longer sellable
   (the configuration may have changed since the timer was placed). */
static int
s_fire (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
        bool late)
{
    (void)late;
    int64_t id = 0;
    json_int_t qual_id = json_integer_value (json_object_get (timer->payload, "qualification_id"));
    if (qf_timers_subject_id (timer->subject, SUBJECT_PREFIX, &id)) {
        qf_warn ("timer %lld (%s): %s is not a proposal: it fires without an event",
                 (long long)timer->id, timer->kind, timer->subject);
        return 0;
    }
    json_t *holding = NULL, *record = NULL;
    int rc = qf_store_proposals_holding (store, qual_id, false, 0, &holding);
    bool held = false;
    for (size_t i = 0; rc == 0 && i < json_array_size (holding); i++)
        held |= json_integer_value (json_array_get (holding, i)) == id;
    json_decref (holding);
    if (rc || !held)
        return rc;
    rc = qf_store_qual_get (store, qual_id, &record);
    char why[256];
    if (rc == 0 && !qf_qualification_sellable (config, now, record, why, sizeof why) &&
        !s_flagged_for (store, id, qual_id)) {
        char reason[320];
        snprintf (reason, sizeof reason, "qualification %lld is no longer sellable: %s (§3.1)",
                  (long long)qual_id, why);
        rc = qf_proposal_flag (store, now, id, qual_id, reason);
    }
    json_decref (record);
    return rc == QF_ENOTFOUND ? 0 : rc;
}

const qf_timer_kind_t qf_proposal_timer_kinds[] = {
    {KIND, QF_TIMER_AT_DAY_START, false, s_fire},
    {NULL},
};
