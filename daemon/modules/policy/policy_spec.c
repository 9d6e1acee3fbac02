/*  The policy module's commands, described once (qf_command_spec.h):
    recording, suspending, lifting policy changes (§7.2). Handlers:
    policy.c. */
#include "qf.h"
#include "qf_command_spec.h"
#include "qualification/qualification_config.h"

/* The policy change's id, the argument of policy.apply and policy.lift. */
// clang-format off
#define POLICY_ID_ARG {"policy_id", A_INT, true, 1, INT64_MAX, .option = "POLICY_ID"}
// clang-format on

const qf_command_spec_t qf_policy_specs[] = {
    {.name = "policy.record",
     .roles = "legal management",
     .writes = true,
     .args = {{"category", A_TOKEN, true, 1, 64, .in = &qf_qualification_categories,
               .option = "--category", .placeholder = "C",
               .help = "the qualification category it covers"},
              {"description", A_TEXT, true, 1, TEXT_MAX, .option = "--description",
               .placeholder = "TEXT", .help = "what changed"},
              {"effective", A_DATE, true, .option = "--effective",
               .help = "the day it takes effect; a later day than today waits for it"},
              {NULL}},
     .result = "the policy `{id, category, description, effective, state, recorded, "
               "recorded_by, lifted}`: `active` at once (raises `policy.changed`) when "
               "`effective` is today or earlier in `policy.timezone`; else `pending` (raises "
               "`policy.scheduled`) until 00:00 of that date, when a durable timer makes it "
               "`active` and raises `policy.changed` (once, marked late in the log if the daemon "
               "was down then)",
     .brief = "record a policy change",
     .help = "Record a policy change covering a category. From its effective date (at once "
             "when that is today or earlier; until then it is pending) the legal department "
             "suspends that category's qualifications (no longer sellable) until it is "
             "lifted."},
    {.name = "policy.apply",
     .roles = "legal",
     .writes = true,
     .args = {POLICY_ID_ARG, {NULL}},
     .result = "suspends the category's qualifications: `{policy_id, suspended: [ids]}` (the "
               "legal worker's answer to `policy.changed`); 409 for a `pending` policy (before "
               "its date) or a `lifted` one",
     .brief = "suspend what a policy change covers",
     .help = "Suspend the qualifications a policy change covers (the legal worker does this by "
             "itself)."},
    {.name = "policy.lift",
     .roles = "legal management",
     .writes = true,
     .args = {POLICY_ID_ARG, {NULL}},
     .result = "`{policy_id, reviewed: [ids], unsuspended: [ids]}`: every qualification the "
               "policy suspended is no longer suspended, whatever its state (`unsuspended`), "
               "unless another active policy suspended it too; the approved ones among them go "
               "to a new review (`reviewed`), whose approval raises `qualification.reinstated`. "
               "A `pending` policy lifted before its date never takes effect. 409 when already "
               "lifted",
     .brief = "lift a policy change",
     .help = "Lift a policy change: every qualification it suspended is no longer suspended, "
             "whatever its state; the approved ones go to review again, and their approval "
             "reinstates them. A pending policy lifted before its date never takes effect."},
    {.name = "policy.list",
     .roles = "*",
     .args = {{"state", A_ENUM, false, 0, 0, "pending active lifted", .option = "--state",
               .help = "only this state"},
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [policy…]}`",
     .brief = "list policy changes",
     .help = "List policy changes: id, category, state (pending until its effective date, then "
             "active until lifted), effective date, when recorded and lifted, and the "
             "description, which is cut to fit the line.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "ID:id CATEGORY:category STATE:state EFFECTIVE:effective RECORDED:recorded "
                "LIFTED:lifted DESCRIPTION:description"},
    {NULL},
};
