/*  The after-sales module's commands, described once (qf_command_spec.h):
    the callbacks after delivery (§6.4, §3.3). Handlers: aftersales.c. */
#include "qf.h"
#include "qf_command_spec.h"

#define READ_ROLES "sales aftersales supervisor management"
#define CALLBACK_RESULT                                                                            \
    "the callback: `id`, `contract_id`, `number`, `customer_id`, `customer`, `owner` (the "        \
    "contract's salesperson), `assignee`, `interval_days`, `delivered_on`, `day` (the working "    \
    "day it falls on), `due`, `state` (`scheduled`, `open`, `done`, `escalated`), `attempts`, "    \
    "`next_attempt`, `scheduled_at`, `opened`, `opened_by`, `closed_at`, `closed_by`, `score`, "   \
    "`said`, `overdue` (null, `owner`, `supervisor`) and its `calls` ({attempt, made_on, "         \
    "recorded, by, role, reached, score, said, problems: [{kind, category, text, feedback_id}]})"
#define CALL_COLUMNS "ATTEMPT:attempt MADE_ON:made_on BY:by REACHED:reached SCORE:score SAID:said"

const qf_command_spec_t qf_aftersales_specs[] = {
    {.name = "callback.open",
     .roles = "aftersales",
     .writes = true,
     .args = {{"contract_id", A_INT, true, 1, INT64_MAX},
              {"interval_days", A_INT, true, 1, 3650, .doc = "one of the contract's callbacks"},
              {NULL}},
     .result = CALLBACK_RESULT ", and `created`: true when this opened it (`open`, "
                               "`aftersales.callback_opened` to its assignee), false when it was "
                               "open already (nothing changes: the after-sales worker's answer to "
                               "`aftersales.callback_due`, idempotent per contract and interval)",
     .cli = QF_SPEC_NO_CLI},
    {.name = "callback.record",
     .roles = "sales aftersales supervisor management",
     .writes = true,
     /* a problem's kind is checked as its feedback case is added */
     .savepoint = true,
     .args = {{"id", A_INT, true, 1, INT64_MAX, .option = "ID"},
              {"reached", A_ENUM, true, 0, 0, "yes no", .option = "--reached|--not-reached",
               .help = "the call reached the customer (give --score and --said)|it did not (tried "
                       "again on the next working day)"},
              {"score", A_INT, false, 1, 5, .option = "--score", .placeholder = "N",
               .help = "the customer's satisfaction, 1 (poor) to 5 (very satisfied)",
               .doc = "the customer's satisfaction; required with `reached` yes"},
              {"said", A_TEXT, false, 1, TEXT_MAX, .option = "--said", .placeholder = "TEXT",
               .help = "what the customer said",
               .doc = "required with `reached` yes; a note on a call that did not reach them"},
              {"problems", A_TEXT, false, 1, TEXT_MAX, .option = "--problems",
               .placeholder = "K:C:TEXT;...",
               .help = "problems the customer raised: technical or service, a category of "
                       "feedback.categories and what they said, separated by ';'",
               .doc = "`KIND:CATEGORY:TEXT`, `;`-separated, at most 16: KIND `technical` or "
                      "`service`; each becomes feedback with its case"},
              {"severity", A_ENUM, false, 0, 0, "low normal high critical", .option = "--severity",
               .placeholder = "S", .help = "the problems' severity (default normal)",
               .doc = "of the problems; default `normal`"},
              {"on", A_DATE, false, .option = "--on", .help = "the day of the call, default today",
               .doc = "not before the delivery date, not after today; default today"},
              {NULL}},
     .roles_note = "a salesperson only for their own contracts",
     .result = CALLBACK_RESULT "; raises `aftersales.callback_recorded`. Reached: `done` with the "
                               "score and what was said, each problem given to feedback "
                               "(`feedback.received`, its case). Not reached: tried again on the "
                               "next working day (`next_attempt`, `aftersales.callback_retry`) "
                               "up to `aftersales.max_attempts` calls, then `escalated` "
                               "(`aftersales.callback_escalated`). 400 for a call before the "
                               "delivery date, a reached call without its score or what was "
                               "said, a score outside 1–5; 409 when it is done",
     .brief = "record a callback's call",
     .help = "Record a call to the customer for a callback: reached, with their satisfaction score "
             "(1-5), what they said and the problems they raised (each becomes feedback with its "
             "case: technical to the technical staff, service investigated), which closes it; or "
             "not reached, tried again on the next working day until aftersales.max_attempts "
             "calls, then escalated to the supervisor. A call before the delivery date is refused "
             "(§3.3), and so is closing a callback without its result.",
     .list_key = "calls",
     .columns = CALL_COLUMNS},
    {.name = "callback.show",
     .roles = READ_ROLES,
     .args = {{"id", A_INT, true, 1, INT64_MAX, .option = "ID"}, {NULL}},
     .roles_note = "a salesperson only for their own contracts",
     .result = CALLBACK_RESULT ", and its `timers` (`callback_due`, `callback_retry`, "
                               "`callback_overdue`: due time and state)",
     .brief = "show a callback",
     .help = "Show a callback after delivery: its contract, day, due date, state, the calls made "
             "and their results, and its timers (the day it falls on, the next call, overdue).",
     .output = QF_OUT_SECTIONS},
    {.name = "callback.list",
     .roles = READ_ROLES,
     .args = {{"state", A_ENUM, false, 0, 0, "scheduled open done escalated", .option = "--state",
               .placeholder = "S", .help = "only this state"},
              {"contract_id", A_INT, false, 1, INT64_MAX, .option = "--contract",
               .placeholder = "ID", .help = "only the callbacks of this contract"},
              {"owner", A_TEXT, false, 1, 64, .option = "--owner", .placeholder = "USER",
               .help = "only the callbacks of this salesperson's contracts"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .roles_note = "a salesperson sees only their own",
     .result = "`{\"items\": [callback…], \"next\": N|null}`, by id, without their calls",
     .brief = "list callbacks",
     .help = "List the callbacks after delivery, oldest first: scheduled ones (their day to "
             "come), open ones (to be called, with the next call's day and the due date), done "
             "ones with their score, escalated ones.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "ID:id CONTRACT:number CUSTOMER:customer DAYS:interval_days DAY:day DUE:due "
                "STATE:state CALLS:attempts NEXT:next_attempt ASSIGNEE:assignee SCORE:score"},
    {NULL},
};
