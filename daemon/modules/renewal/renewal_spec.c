/*  The renewal module's commands, described once (qf_command_spec.h):
    renewing, reminders, renewal cases (§4.3). Handlers: renewal.c. */
#include "qf.h"
#include "qf_command_spec.h"

const qf_command_spec_t qf_renewal_specs[] = {
    {.name = "qual.renew",
     .roles = "review",
     .writes = true,
     .args = {{"id", A_INT, true, 1, INT64_MAX, .option = "ID"},
              {"expires", A_DATE, true, .option = "--expires",
               .help = "the new end of validity, after the current one",
               .doc = "after the current expiry"},
              {NULL}},
     .result = "the record, `in_review` again with the next round: a renewed qualification "
               "must comply again",
     .brief = "renew an approved or expired qualification",
     .help = "Record a renewed certificate's new expiry date: the qualification goes to review "
             "again in a new round, and its expiry timers start over once it is approved.",
     .output = QF_OUT_QUAL},
    {.name = "renewal.remind",
     .roles = "renewal",
     .writes = true,
     .args = {{"qualification_id", A_INT, true, 1, INT64_MAX},
              {"lead_days", A_INT, true, 0, 3650, .doc = "0 = expired"},
              {NULL}},
     .result = "opens or raises the renewal case; `{qualification_id, urgency, days_left}`",
     .cli = QF_SPEC_NO_CLI},
    {.name = "renewal.list",
     .roles = "*",
     .args = {{"state", A_ENUM, false, 0, 0, "open closed", .option = "--state",
               .help = "only this state"},
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [{qualification_id, expires, opened, updated, urgency, "
               "last_lead_days, state}]}`",
     .brief = "list renewal cases",
     .help = "List renewal cases, opened by expiry reminders: qualification, state, urgency, "
             "expiry date, the last reminder's lead days, when opened and last updated.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "QUAL_ID:qualification_id STATE:state URGENCY:urgency EXPIRES:expires "
                "LAST_LEAD_DAYS:last_lead_days OPENED:opened UPDATED:updated"},
    {NULL},
};
