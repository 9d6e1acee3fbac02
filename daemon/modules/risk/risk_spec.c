/*  The risk module's commands, described once (qf_command_spec.h): the
    risk register (§7.1), responses and their actions (§7.2). Handlers:
    risk.c. */
#include "qf.h"
#include "qf_command_spec.h"

/* Who records and decides risks; everyone reads them. */
#define DECIDERS "management leader legal supervisor market"
/* Who may finish an action: the deciders, and an action's own owner. */
#define DOERS DECIDERS " sales finance review logistics technical"

// clang-format off
#define RISK_ID_ARG {"id", A_INT, true, 1, INT64_MAX, .option = "ID"}
#define LIKELIHOOD_ARG(required)                                                               \
    {"likelihood", A_INT, required, 1, 5, .option = "--likelihood", .placeholder = "1-5",      \
     .help = "how likely it is, 1 (rare) to 5 (almost certain)"}
#define IMPACT_ARG(required)                                                                   \
    {"impact", A_INT, required, 1, 5, .option = "--impact", .placeholder = "1-5",              \
     .help = "how much it would hurt, 1 (slight) to 5 (severe)"}
#define OWNER_ARG(required, what)                                                              \
    {"owner", A_TEXT, required, 1, 64, .option = "--owner", .placeholder = "USER",             \
     .help = what}
#define REVIEW_ARG                                                                             \
    {"review", A_DATE, false, .option = "--review",                                            \
     .help = "its review date, default risk.review_days from today",                          \
     .doc = "today or later; default `risk.review_days` from today"}
// clang-format on

#define SHOWN                                                                                      \
    "the risk: `id`, `type`, `description`, `qualifications`, `contracts`, `customers` (ids), "    \
    "`likelihood`, `impact`, `score` and `level` (by `risk.matrix` and `risk.*_from`), "           \
    "`expected_loss`, `alerted` (1 while at or above `risk.alert_level` since risk.high was "      \
    "raised), `owner`, `review`, `state`, `source` (what raised it by itself, or null), "          \
    "`raised_by`, `details`, `strategy`, `response`, `created`, `updated`, `closed`, "             \
    "`closed_by`, `close_reason`"
#define RECORD "the risk, as `risk.show` gives it without its history"
#define RISK_COLUMNS                                                                               \
    "ID:id TYPE:type LEVEL:level SCORE:score L:likelihood I:impact LOSS:expected_loss "            \
    "OWNER:owner REVIEW:review STATE:state STRATEGY:strategy"
#define ACTION_COLUMNS "ID:id TEXT:text OWNER:owner DUE:due STATE:state"

const qf_command_spec_t qf_risk_specs[] = {
    {.name = "risk.add",
     .roles = DECIDERS,
     .writes = true,
     .args = {{"type", A_ENUM, true, 0, 0, "policy processing market legal", .option = "--type",
               .placeholder = "T",
               .help = "policy (and regulation), processing, market "
                       "(competition) or legal"},
              {"description", A_TEXT, true, 1, TEXT_MAX, .option = "--description",
               .placeholder = "TEXT", .help = "what may happen and why"},
              {"qualifications", A_TEXT, false, 1, 1024, .option = "--qualifications",
               .placeholder = "ID,...", .help = "the qualifications it concerns",
               .doc = "ids separated by `,`, each of a qualification"},
              {"contracts", A_TEXT, false, 1, 1024, .option = "--contracts",
               .placeholder = "ID,...", .help = "the contracts it concerns",
               .doc = "ids of contracts"},
              {"customers", A_TEXT, false, 1, 1024, .option = "--customers",
               .placeholder = "ID,...", .help = "the customers it concerns",
               .doc = "ids of customers"},
              LIKELIHOOD_ARG (true),
              IMPACT_ARG (true),
              {"loss", A_NUMBER, true, .option = "--loss", .placeholder = "YUAN",
               .help = "the expected loss, in yuan"},
              OWNER_ARG (true, "who owns it: watches it, responds, reviews it"),
              REVIEW_ARG,
              {NULL}},
     .result = RECORD "; raises `risk.raised`, and `risk.high` when its level is already at "
                     "`risk.alert_level`",
     .brief = "record a risk",
     .help = "Record a risk of the register (§7.1): its type, what it concerns, its likelihood "
             "and impact (1-5), from which the configured matrix gives its score and level, its "
             "expected loss, its owner and review date. A risk whose level reaches "
             "risk.alert_level goes to management (risk.high)."},
    {.name = "risk.assess",
     .roles = DECIDERS,
     .writes = true,
     .args = {RISK_ID_ARG,
              LIKELIHOOD_ARG (false),
              IMPACT_ARG (false),
              {"loss", A_NUMBER, false, .option = "--loss", .placeholder = "YUAN",
               .help = "the expected loss, in yuan"},
              {"reason", A_TEXT, false, 1, TEXT_MAX, .option = "--reason", .placeholder = "TEXT",
               .help = "why it is scored again"},
              {NULL}},
     .result = RECORD "; at least one of `likelihood`, `impact`, `loss` (400 otherwise); the "
                     "assessment is added; raises `risk.assessed`, and `risk.high` when the "
                     "level reaches `risk.alert_level` from below (once per crossing: scored "
                     "again while there, nothing)",
     .brief = "score a risk again",
     .help = "Score an open risk again: a new likelihood, impact or expected loss; its score "
             "and level follow from the configured matrix. Reaching risk.alert_level from "
             "below tells management once; scoring it again while it stays there does not."},
    {.name = "risk.respond",
     .roles = DECIDERS,
     .writes = true,
     .args = {RISK_ID_ARG,
              {"strategy", A_ENUM, true, 0, 0, "avoid reduce transfer accept",
               .option = "--strategy", .placeholder = "S",
               .help = "avoid, reduce, transfer or accept"},
              {"told", A_DATE, false, .option = "--told",
               .help = "reduce, a delay: the day the customer was told",
               .doc = "not after today; required to reduce a processing risk on a contract"},
              {"solution", A_TEXT, false, 1, TEXT_MAX, .option = "--solution",
               .placeholder = "TEXT", .help = "reduce: the solution offered",
               .doc = "required with reduce"},
              {"insurer", A_TEXT, false, 1, 256, .option = "--insurer", .placeholder = "NAME",
               .help = "transfer: the insurer", .doc = "required with transfer"},
              {"insurance_policy", A_TEXT, false, 1, 128, .option = "--insurance-policy",
               .placeholder = "NO", .help = "transfer: the insurance policy's number",
               .doc = "required with transfer"},
              {"note", A_TEXT, false, 1, TEXT_MAX, .option = "--note", .placeholder = "TEXT",
               .help = "how it is done; required to accept, or to avoid other than a policy "
                       "risk"},
              {NULL}},
     .result = RECORD "; `response`: avoid on a policy risk lists `selling_stopped` (the "
                     "suspended qualifications) and `contracts_to_handle` (each signed "
                     "contract's `contract_id`, `number`, `customer_id`, `owner`, `state`, "
                     "`price`, `delivery`); reduce `customer_told` and `solution`; transfer "
                     "`insurer` and `insurance_policy`; raises `risk.responded`",
     .brief = "set a risk's strategy",
     .help = "Record the response to an open risk (§7.2): avoid (on a policy change, selling "
             "the affected qualifications stopped with their suspension; the signed contracts "
             "to handle are listed), reduce (on a delay, the day the customer was told and the "
             "solution offered), transfer (the insurer and the insurance policy) or accept. "
             "A later response replaces it; every one stays on record."},
    {.name = "risk.action",
     .roles = DECIDERS,
     .writes = true,
     .args = {RISK_ID_ARG,
              {"text", A_TEXT, true, 1, TEXT_MAX, .option = "--text", .placeholder = "TEXT",
               .help = "what is to be done"},
              OWNER_ARG (true, "who does it"),
              {"due", A_DATE, true, .option = "--due", .help = "by when", .doc = "today or later"},
              {NULL}},
     .result = "the action: `id`, `risk_id`, `text`, `owner`, `due`, `state` (open), "
               "`created`, `created_by`; raises `risk.action_added` to its owner; "
               "`risk.action_overdue` follows on each working day after `due` while it is open",
     .brief = "add an action to a risk's response",
     .help = "Add an action to an open risk's response, with its owner and due date. An action "
             "not done by its due date is reminded to its owner and the risk's owner on each "
             "working day after it (risk.action_overdue)."},
    {.name = "risk.action_done",
     .roles = DOERS,
     .cli = "risk done",
     .writes = true,
     .args = {{"id", A_INT, true, 1, INT64_MAX, .option = "ACTION_ID"},
              {"note", A_TEXT, false, 1, TEXT_MAX, .option = "--note", .placeholder = "TEXT",
               .help = "what was done"},
              {NULL}},
     .roles_note = "management, leader, legal, supervisor and market any action, the others "
                   "only their own (their user is its owner)",
     .result = "the action, `done`, with `done_by` and `note`; raises `risk.action_done`",
     .brief = "finish a risk action",
     .help = "Record that an action of a risk's response is done; its overdue reminders stop."},
    {.name = "risk.review",
     .roles = DECIDERS,
     .writes = true,
     .args = {RISK_ID_ARG,
              {"note", A_TEXT, true, 1, TEXT_MAX, .option = "--note", .placeholder = "TEXT",
               .help = "what the review found"},
              {"next", A_DATE, true, .option = "--next", .help = "the next review date",
               .doc = "after today"},
              {NULL}},
     .result = RECORD "; the review is added and `review` is the next date; raises "
                     "`risk.reviewed`",
     .brief = "record a risk's review",
     .help = "Record the review of an open risk and set its next review date, when "
             "risk.review_due reminds its owner again."},
    {.name = "risk.close",
     .roles = DECIDERS,
     .writes = true,
     .args = {RISK_ID_ARG,
              {"reason", A_TEXT, true, 1, TEXT_MAX, .option = "--reason", .placeholder = "TEXT",
               .help = "why it is over"},
              {NULL}},
     .result = RECORD "; `closed`, its reminders and its open actions' reminders cancelled; "
                     "raises `risk.closed`",
     .brief = "close a risk",
     .help = "Close an open risk: it is over or no longer applies. A late delivery's risk is "
             "closed by itself when its contract is delivered or cancelled."},
    {.name = "risk.dispute",
     .roles = "legal management supervisor",
     .writes = true,
     .args = {{"contract_id", A_INT, true, 1, INT64_MAX, .option = "CONTRACT_ID"},
              {"summary", A_TEXT, true, 1, TEXT_MAX, .option = "--summary", .placeholder = "TEXT",
               .help = "what the dispute is about"},
              {"claim", A_NUMBER, false, .option = "--claim", .placeholder = "YUAN",
               .help = "the amount claimed: the expected loss",
               .doc = "the expected loss; default the contract's price times `risk.loss_ratio`"},
              LIKELIHOOD_ARG (false),
              IMPACT_ARG (false),
              OWNER_ARG (false, "who owns the risk, default the user recording it"),
              REVIEW_ARG,
              {NULL}},
     .result = RECORD "; a `legal` risk about the contract, its qualifications and customer "
                     "(`details`: `raised_for` dispute, `contract_id`, `number`, `dispute`, "
                     "`claim`); likelihood and impact default to `risk.dispute_*`; raises "
                     "`risk.raised` (and `risk.high`)",
     .brief = "record a dispute on a contract",
     .help = "Record a legal dispute on a contract the customer signed (signed, delivered, or "
             "cancelled since): it raises a legal risk about the contract, its qualifications "
             "and its customer (§7.1)."},
    {.name = "risk.show",
     .roles = "*",
     .args = {RISK_ID_ARG, {NULL}},
     .result = SHOWN "; its `assessments` (each scoring with `reason`, `by`, `at`), "
                     "`responses` (`strategy`, `details`, `note`, `by`, `at`), `reviews` "
                     "(`note`, `next`, `by`, `at`) and `actions`",
     .brief = "a risk with its history",
     .help = "Show a risk: what it concerns, its scoring, strategy and response, and every "
             "assessment, response, review and action.",
     .list_key = "actions",
     .columns = ACTION_COLUMNS},
    {.name = "risk.list",
     .roles = "*",
     .args = {{"type", A_ENUM, false, 0, 0, "policy processing market legal", .option = "--type",
               .placeholder = "T", .help = "only this type"},
              {"level", A_ENUM, false, 0, 0, "low medium high critical", .option = "--level",
               .placeholder = "L", .help = "only this level"},
              {"state", A_ENUM, false, 0, 0, "open closed", .option = "--state", .placeholder = "S",
               .help = "only this state"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [risk…], \"next\": N|null}`, by id",
     .brief = "list risks",
     .help = "List the risk register by id, optionally one type's, level's or state's.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = RISK_COLUMNS},
    {NULL},
};
