/*  The feedback module's commands, described once (qf_command_spec.h):
    feedback handed in, its cases worked to their close, and the report
    (§6.4, §3.3). Handlers: feedback.c. */
#include "feedback/feedback_config.h"
#include "qf.h"
#include "qf_command_spec.h"

// clang-format off
#define CASE_ID_ARG {"id", A_INT, true, 1, INT64_MAX, .option = "ID"}
#define NOTE_ARG(what)                                                                         \
    {"note", A_TEXT, false, 1, TEXT_MAX, .option = "--note", .placeholder = "TEXT",            \
     .help = what}
// clang-format on
#define WORK_ROLES "technical aftersales supervisor management sales logistics finance legal"
#define READ_ROLES "technical aftersales supervisor management sales logistics finance legal market"
#define WORK_NOTE                                                                                  \
    "technical works technical cases; aftersales, supervisor, management any; others the cases "   \
    "they own"
#define READ_NOTE "a salesperson sees only their own customers' cases"
#define CASE_COLUMNS                                                                               \
    "ID:id CUSTOMER:customer_id KIND:kind CATEGORY:category SEVERITY:severity STATE:state "        \
    "OWNER:owner DEADLINE:deadline OVERDUE:overdue"
#define AS_SHOWN "the case as `case.show` gives it"
#define SHOWN                                                                                      \
    "the case: what came in (`customer_id`, `contract_id`, `callback_id`, `source`, `kind`, "      \
    "`category`, `department`, `severity`, `channel`, `text`, `opened_at`), its `state` (open, "   \
    "acknowledged, told, closed), `owner`, `deadline` and `response_due` (YYYY-MM-DD, working "    \
    "days), `overdue`, the first response, what the customer was told (`apology`, `outcome`, "     \
    "`told_channel`, `told_at`), the closing, and its `findings`"

const qf_command_spec_t qf_feedback_specs[] = {
    {.name = "feedback.add",
     .roles = "sales supervisor management aftersales technical integration",
     .writes = true,
     .args = {{"customer_id", A_INT, true, 1, INT64_MAX, .option = "--customer",
               .placeholder = "ID", .help = "the customer it comes from"},
              {"contract_id", A_INT, false, 1, INT64_MAX, .option = "--contract",
               .placeholder = "ID", .help = "the contract it concerns, one of the customer's"},
              {"category", A_TOKEN, true, 1, 64, .in = &qf_feedback_category_names,
               .option = "--category", .placeholder = "C",
               .help = "its category, one of feedback_categories:"},
              {"kind", A_ENUM, false, 0, 0, "technical service", .option = "--kind",
               .placeholder = "K", .help = "default the category's kind",
               .doc = "must be the category's"},
              {"severity", A_ENUM, false, 0, 0, "low normal high critical", .option = "--severity",
               .placeholder = "S", .help = "sets the deadline; default normal"},
              {"text", A_TEXT, true, 1, 4000, .option = "--text", .placeholder = "TEXT",
               .help = "what the customer said"},
              {"channel", A_ENUM, false, 0, 0, "phone email visit web wechat letter",
               .option = "--channel", .placeholder = "CH", .help = "how it came"},
              {NULL}},
     .roles_note = "a salesperson only for the customers they own; integration (a web form) "
                   "hands feedback in and may do nothing else",
     .result = SHOWN "; raises `feedback.received` (consumer: group `technical` for a technical "
                     "case); the deadline's timer `feedback_overdue` is placed",
     .brief = "hand in a customer's feedback",
     .help = "Record a customer's feedback and open its case: a technical problem goes to the "
             "technical group, a service problem becomes an investigation owned by "
             "feedback.service_owner or the customer's salesperson. Its deadline is the "
             "category's working days for the severity.",
     .list_key = "findings",
     .columns = "TEXT:text BY:by AT:at"},
    {.name = "case.show",
     .roles = READ_ROLES,
     .args = {CASE_ID_ARG, {NULL}},
     .roles_note = READ_NOTE,
     .result = SHOWN,
     .brief = "a feedback case with its findings",
     .help = "Show a case: what the customer said, its deadline, state, owner, findings, what "
             "the customer was told and its closing.",
     .list_key = "findings",
     .columns = "TEXT:text BY:by AT:at"},
    {.name = "case.list",
     .roles = READ_ROLES,
     .args = {{"customer_id", A_INT, false, 1, INT64_MAX, .option = "--customer",
               .placeholder = "ID", .help = "only this customer's"},
              {"owner", A_TEXT, false, 1, 64, .option = "--owner", .placeholder = "USER",
               .help = "only the cases this person owns"},
              {"kind", A_ENUM, false, 0, 0, "technical service", .option = "--kind",
               .placeholder = "K", .help = "only technical or service cases"},
              {"state", A_ENUM, false, 0, 0, "open overdue acknowledged told closed",
               .option = "--state", .placeholder = "S", .help = "only this state",
               .doc = "`open`: not closed; `overdue`: open past its deadline"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .roles_note = READ_NOTE,
     .result = "`{\"items\": [case…], \"next\": n|null}`, by id; `next` is given when the page "
               "is full",
     .brief = "list feedback cases",
     .help = "List cases by id, optionally one customer's, one owner's, one kind or one state "
             "(open, overdue, ...); --next takes the page after the one that printed it.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = CASE_COLUMNS},
    {.name = "case.acknowledge",
     .roles = WORK_ROLES,
     .writes = true,
     .args = {CASE_ID_ARG, NOTE_ARG ("what was done first"), {NULL}},
     .roles_note = WORK_NOTE,
     .result = AS_SHOWN "; the first response (`acknowledged`, `case.acknowledged`); again it "
                        "changes nothing; from the technical worker (a result of group "
                        "`technical`) it records only that the group took the case (`routed_at`)",
     .brief = "record a case's first response",
     .help = "Record the first response to a case (feedback.response_days working days are "
             "allowed); the technical worker's acknowledgement records that the technical "
             "group took it.",
     .list_key = "findings",
     .columns = "TEXT:text BY:by AT:at"},
    {.name = "case.assign",
     .roles = "technical aftersales supervisor management",
     .writes = true,
     .args = {CASE_ID_ARG,
              {"owner", A_TEXT, true, 1, 64, .option = "--owner", .placeholder = "USER",
               .help = "who works the case now"},
              {NULL}},
     .roles_note = WORK_NOTE,
     .result = AS_SHOWN "; raises `case.assigned` to the new owner",
     .brief = "give a case to a person",
     .help = "Give an open case to the person who works it from now on.",
     .list_key = "findings",
     .columns = "TEXT:text BY:by AT:at"},
    {.name = "case.findings",
     .roles = WORK_ROLES,
     .writes = true,
     .args = {CASE_ID_ARG,
              {"text", A_TEXT, true, 1, TEXT_MAX, .option = "--text", .placeholder = "TEXT",
               .help = "what the investigation found"},
              {NULL}},
     .roles_note = WORK_NOTE,
     .result = AS_SHOWN "; raises `case.findings`",
     .brief = "record what a case's investigation found",
     .help = "Add a finding to a case that is open or acknowledged; a service case needs one "
             "before the outcome is told.",
     .list_key = "findings",
     .columns = "TEXT:text BY:by AT:at"},
    {.name = "case.tell",
     .roles = WORK_ROLES,
     .writes = true,
     .args = {CASE_ID_ARG,
              {"outcome", A_TEXT, true, 1, TEXT_MAX, .option = "--outcome", .placeholder = "TEXT",
               .help = "the outcome the customer was told"},
              {"apology", A_TEXT, false, 1, TEXT_MAX, .option = "--apology", .placeholder = "TEXT",
               .help = "the apology made (required for a service case)",
               .doc = "required for a service case (§6.4)"},
              {"channel", A_ENUM, true, 0, 0, "phone email visit letter wechat",
               .option = "--channel", .placeholder = "CH", .help = "how the customer was told"},
              {"at", A_TEXT, false, 16, 16, .option = "--at", .placeholder = "YYYY-MM-DDTHH:MM",
               .help = "when, local time; default now",
               .doc = "`YYYY-MM-DDTHH:MM` in policy.timezone, not before the case opened nor "
                      "in the future; default now"},
              {NULL}},
     .roles_note = WORK_NOTE,
     .result = AS_SHOWN "; `told`; raises `case.told`",
     .brief = "record the outcome told to the customer",
     .help = "Record what the customer was told, how and when: the outcome and, for a service "
             "problem, the apology (§6.4). A service case needs a finding first.",
     .list_key = "findings",
     .columns = "TEXT:text BY:by AT:at"},
    {.name = "case.close",
     .roles = WORK_ROLES,
     .writes = true,
     .args = {CASE_ID_ARG, {NULL}},
     .roles_note = WORK_NOTE,
     .result = AS_SHOWN "; `closed`, with `resolution_ms` and `closed_on_time` against the "
                        "deadline; raises `case.closed`; a case whose outcome was not told to the "
                        "customer is refused (409, §3.3)",
     .brief = "close a case",
     .help = "Close a case once its outcome was told to the customer (§3.3: never before); "
             "its overdue timer is cancelled.",
     .list_key = "findings",
     .columns = "TEXT:text BY:by AT:at"},
    {.name = "report.feedback",
     .roles = "aftersales supervisor management market",
     .args = {{"period", A_TEXT, false, 4, 7, .option = "--period", .placeholder = "P",
               .help = "2027Q1, 2027 or 2027-03; default this quarter",
               .doc = "a quarter `YYYYQn`, a year `YYYY` or a month `YYYY-MM`; default the "
                      "quarter of today"},
              {NULL}},
     .result = "`{\"period\", \"from\", \"to\", \"cases\": {received, technical, service, overdue, "
               "closed}, \"response\" and \"resolution\": {count, median_hours, p90_hours, "
               "on_time, on_time_share}, \"categories\": [{category, kind, department, cases, "
               "overdue, by_severity}] most first, \"open\": {as_of, cases, overdue, by_age}, "
               "\"satisfaction\": {callbacks, average, low, scores, by_salesperson, "
               "by_category, by_month}}`",
     .brief = "the feedback analysis of a period",
     .help = "Satisfaction from the callbacks of the period by salesperson, category of "
             "qualification and month; the response times of the cases first answered in it "
             "and the resolution times of those closed in it (median, p90, and how many within "
             "their deadlines); the cases received by category, most frequent first; the cases "
             "open at the period's end (or now) by age in working days.",
     .output = QF_OUT_SECTIONS},
    {NULL},
};
