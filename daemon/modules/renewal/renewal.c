/*  renewal — renewal of qualifications (§4.3): renewing one (a new expiry
    date, reviewed again), the renewal worker's reminders opening and
    raising renewal cases, and their list. The reminders themselves are
    durable timers (renewal_timers.c). */
#include "qualification/qualification.h"
#include "qualification/qualification_store.h"
#include "proposal/proposal.h"
#include "renewal/renewal_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_timers.h"
#include "qf_emit.h"
#include "custody/custody_store.h"

#include <string.h>

/* A renewed qualification must comply again: new expiry, review again. */
static int
s_qual_renew (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    const char *to = NULL;
    int rc = qf_ctx_load_qual_for (ctx, args, "id", "renew", &record, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int32_t old_expires = 0, new_expires = 0;
    qf_date_parse (json_string_value (json_object_get (record, "expires")), &old_expires);
    qf_date_parse (json_string_value (json_object_get (args, "expires")), &new_expires);
    if (new_expires <= old_expires)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.expires",
                           "the renewed expiry date must be after the current one (%s)",
                           json_string_value (json_object_get (record, "expires")));
    int round = (int)json_integer_value (json_object_get (record, "round")) + 1;
    json_t *previous = json_incref (json_object_get (record, "expires"));
    json_decref (record);
    record = NULL;
    if (rc == 0)
        rc = qf_store_qual_set_expires (ctx->store, id, new_expires, ctx->now);
    char subject[QF_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, "qualification", id);
    if (rc == 0)
        rc = qf_timers_cancel (ctx->store, subject, NULL);
    if (rc == 0)
        rc = qf_store_qual_move (ctx->store, id, to, round, ctx->now, &record);
    /* In review again it is not sellable: the open proposals holding it
       are flagged in the same transaction (§6.2). */
    char reason[128];
    snprintf (reason, sizeof reason,
              "qualification %lld is being renewed and is in review again (§4.3): not sellable "
              "until approved",
              (long long)id);
    if (rc == 0)
        rc = qf_proposal_flag_qualification (ctx->store, ctx->now, id, reason, 0, NULL);
    if (rc == 0)
        rc = qf_ctx_emit (
            ctx, "qualification.renewal_requested", "qualification", id,
            json_pack ("{s:O, s:O}", "qualification", record, "previous_expires", previous));
    if (rc == 0)
        rc = qf_ctx_request_review (ctx, record, round, json_pack ("{s:b}", "renewal", 1));
    json_decref (previous);
    if (rc) {
        json_decref (record);
        if (!ctx->error[0])
            qf_ctx_error (ctx, rc, NULL, "could not renew: %s", qf_strerror (rc));
        return rc;
    }
    *result_p = record;
    return 0;
}

/* The renewal worker's report of a reminder: open the case, raise its
   urgency, and tell the custodian and management (and sales when expired). */
static int
s_renewal_remind (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = qf_ctx_load_qual (ctx, args, "qualification_id", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    int lead = (int)json_integer_value (json_object_get (args, "lead_days"));
    int32_t expires = 0;
    qf_date_parse (json_string_value (json_object_get (record, "expires")), &expires);
    int days_left = expires - qf_calendar_today (ctx->config, ctx->now);
    const char *urgency = days_left <= 0    ? "critical"
                          : days_left <= 7  ? "urgent"
                          : days_left <= 30 ? "high"
                                            : "normal";
    rc = qf_store_renewal_put (ctx->store, id, expires, ctx->now, urgency, lead);
    /* The named custodian of the archive record (§4.3), when there is one. */
    json_t *archive = NULL, *custodian = NULL;
    if (rc == 0 && qf_store_archive_get (ctx->store, id, &archive) == 0)
        custodian = json_object_get (archive, "custodian");
    /* The named custodian, else logistics, which keeps the archive; the
       staff directory turns either into people (qf_staff_address). */
    json_t *recipients = json_is_string (custodian)
                             ? json_pack ("[O, s]", custodian, "management")
                             : json_pack ("[s, s]", "logistics", "management");
    json_decref (archive);
    if (days_left <= 0)
        json_array_append_new (recipients, json_string ("sales"));
    json_t *payload =
        json_pack ("{s:o, s:s, s:i, s:i, s:o}", "qualification", record, "urgency", urgency,
                   "lead_days", lead, "days_left", days_left, "recipients", recipients);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "renewal.reminder", "qualification", id, payload);
    else
        json_decref (payload);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the reminder: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:I, s:s, s:i}", "qualification_id", id, "urgency", urgency,
                           "days_left", days_left);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_renewal_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int rc =
        qf_store_renewals_json (ctx->store, json_string_value (json_object_get (args, "state")),
                                limit ? (int)json_integer_value (limit) : 100, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read renewal cases: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o}", "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

/* Commands ------------------------------------------------------------------ */

/* The handlers of the commands described in renewal_spec.c. */
const qf_handler_t qf_renewal_handlers[] = {
    {"qual.renew", s_qual_renew},
    {"renewal.remind", s_renewal_remind},
    {"renewal.list", s_renewal_list},
    {NULL},
};
