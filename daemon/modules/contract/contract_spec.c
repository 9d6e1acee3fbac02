/*  The contract module's commands, described once (qf_command_spec.h):
    contracts, their three-department review, signing, delivery, and the
    receivables and payments of their schedules (§6.3). Handlers:
    contract.c. */
#include "qf.h"
#include "qf_command_spec.h"

// clang-format off
#define CONTRACT_ID_ARG {"id", A_INT, true, 1, INT64_MAX, .option = "ID"}
#define TERM_ARG(required)                                                                     \
    {"payment_term", A_TOKEN, required, 1, 64, .option = "--term", .placeholder = "ID",                \
     .help = "payment term, an id of payment_terms:", .doc = "an id of `payment_terms:`"}
#define SCHEDULE_ARG(required)                                                                 \
    {"schedule", A_TEXT, required, 1, 1024, .option = "--schedule",                            \
     .placeholder = "DATE:AMOUNT,...",                                                         \
     .help = "instalments, e.g. 2026-04-01:60000,2026-07-01:140000",                           \
     .doc = "`YYYY-MM-DD:AMOUNT`, comma-separated: as many as the term's instalments, dates "  \
            "after today in order, adding up to the price"}
#define OMIT_ARG                                                                               \
    {"omit", A_TEXT, false, 1, 1024, .option = "--omit", .placeholder = "ID,...",              \
     .help = "required clauses left out of this version (legal will fail it)",                 \
     .doc = "ids of `contract_clauses:` left out; absent: every required clause"}
#define NOTE_ARG                                                                               \
    {"note", A_TEXT, false, 1, TEXT_MAX, .option = "--note", .placeholder = "TEXT",            \
     .help = "what this version is about"}
#define DATE_ARG(what)                                                                         \
    {"date", A_DATE, false, .option = "--date", .help = what ", default today",                \
     .doc = "not after today; default today"}
// clang-format on
#define CONTRACT_ROLES "sales supervisor management"
#define READ_ROLES     "sales supervisor management finance legal logistics review"
#define OWNER_NOTE     "a salesperson only for the customers they own"
#define LINE_COLUMNS                                                                               \
    "LINE:line QUAL_ID:qualification_id NAME:name SCOPE:scope EXPIRES:expires PRICE:price "        \
    "DISCOUNT_%:discount"
#define SHOWN                                                                                      \
    "the contract: `number`, `state`, `version`, `flagged`, the current version's `parties`, "     \
    "`lines`, `price`, `payment_term`, `schedule`, `delivery`, `breach_liability`, `clauses`, "    \
    "`proposal`; every `versions` entry (its whole `body`), the review `reports`, `flags` and "    \
    "`receivables`"
#define RECEIVABLE_COLUMNS "ID:id INSTALMENT:instalment DUE:due AMOUNT:amount PAID:paid STATE:state"

const qf_command_spec_t qf_contract_specs[] = {
    {.name = "contract.draft",
     .roles = CONTRACT_ROLES,
     .writes = true,
     .args = {{"proposal_id", A_INT, true, 1, INT64_MAX, .option = "--proposal",
               .placeholder = "ID", .help = "the accepted proposal"},
              TERM_ARG (true),
              SCHEDULE_ARG (true),
              {"delivery", A_DATE, false, .option = "--delivery",
               .help = "delivery date, default the proposal's", .doc = "after today"},
              OMIT_ARG,
              NOTE_ARG,
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; version 1, `draft`, its number from `contract.number_pattern`",
     .brief = "draft a contract from a proposal",
     .help = "Draft a contract from an accepted proposal: the company's and the customer's "
             "parties, the qualifications as their records state them with the accepted "
             "prices, the payment term and its schedule (adding up to the price), the delivery "
             "date, the liability for breach and the required clauses. Its number follows "
             "contract.number_pattern with a yearly sequence.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "contract.revise",
     .roles = CONTRACT_ROLES,
     .writes = true,
     .args = {CONTRACT_ID_ARG,
              TERM_ARG (false),
              SCHEDULE_ARG (false),
              {"delivery", A_DATE, false, .option = "--delivery", .help = "delivery date",
               .doc = "after today"},
              OMIT_ARG,
              NOTE_ARG,
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; a new version, `draft`; 400 when nothing differs",
     .brief = "make a new version of a contract",
     .help = "Make a new version of a draft or returned contract: payment term and schedule, "
             "delivery date, note; the clauses are the required ones less --omit (so a version "
             "without --omit has them all); the lines are copied from the records again. "
             "Earlier versions stay as they were.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "contract.show",
     .roles = READ_ROLES,
     .args = {CONTRACT_ID_ARG, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN,
     .brief = "a contract with its versions and review",
     .help = "Show a contract: state, number, the current version, every version, the review "
             "reports, flags and receivables.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "contract.list",
     .roles = READ_ROLES,
     .args = {{"customer_id", A_INT, false, 1, INT64_MAX, .option = "--customer",
               .placeholder = "ID", .help = "only this customer's"},
              {"owner", A_TEXT, false, 1, 64, .option = "--owner", .placeholder = "USER",
               .help = "only this salesperson's customers'"},
              {"state", A_ENUM, false, 0, 0,
               "open draft in_review returned approved signed delivered cancelled",
               .option = "--state", .placeholder = "S", .help = "only this state",
               .doc = "`open`: not delivered or cancelled"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .roles_note = "a salesperson sees only their own customers' contracts",
     .result = "`{\"items\": [contract…], \"next\": n|null}`, by id, each with its current "
               "`price` and `delivery`; `next` is given when the page is full",
     .brief = "list contracts",
     .help = "List contracts by id, optionally one customer's, one salesperson's or one "
             "state's; --next takes the page after the one that printed it.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "ID:id NUMBER:number STATE:state CUSTOMER:customer_id OWNER:owner PRICE:price "
                "DELIVERY:delivery FLAGGED:flagged"},
    {.name = "contract.render",
     .roles = READ_ROLES,
     .args = {CONTRACT_ID_ARG,
              {"format", A_ENUM, false, 0, 0, "text markdown", .option = "--text|--markdown",
               .help = "plain text (default)|Markdown"},
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = "`{\"number\", \"version\", \"format\", \"text\"}`: the current version as the "
               "customer signs it, from the record",
     .output = QF_OUT_TEXT,
     .list_key = "text",
     .brief = "print a contract as text or Markdown",
     .help = "Print the contract's current version from the record: parties, qualifications "
             "with scope and validity, price, payment schedule, delivery date, liability for "
             "breach and clauses. What the customer signs is what the system holds."},
    {.name = "contract.submit",
     .roles = CONTRACT_ROLES,
     .writes = true,
     .args = {CONTRACT_ID_ARG, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; `in_review`; raises `contract.review_requested` for the configured "
                     "departments; a discount beyond the submitter's role without the "
                     "proposal's approval is refused (403) and recorded as "
                     "`staff.conduct_recorded`",
     .brief = "send a contract to review",
     .help = "Send the current version to the three-department review (contract."
             "review_departments). A price below what the submitter may grant needs the "
             "proposal's discount approval.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "contract.report",
     .roles = "supervisor finance legal",
     .writes = true,
     .args = {CONTRACT_ID_ARG,
              {"department", A_ENUM, true, 0, 0, "sales finance legal", .option = "--department",
               .placeholder = "D", .help = "the reviewing department"},
              {"verdict", A_ENUM, true, 0, 0, "pass fail", .option = "--pass|--fail",
               .help = "the department passes it|fails it (give --findings)"},
              {"findings", A_TEXT, false, 1, TEXT_MAX, .option = "--findings",
               .placeholder = "TEXT;...", .help = "what is wrong, findings separated by ';'",
               .doc = "findings separated by `;`; required with fail"},
              {"version", A_INT, false, 1, INT64_MAX,
               .doc = "the version judged; default the "
                      "one under review"},
              {NULL}},
     .roles_note = "sales is reported by supervisor, finance by finance, legal by legal",
     .result = SHOWN "; all departments pass: `approved` (`contract.approved`, its "
                     "qualifications reserved); a fail: `returned` (`contract.returned` with the "
                     "findings)",
     .brief = "report a department's contract review",
     .help = "Record a department's verdict on the version under review. When every configured "
             "department passed, the contract is approved and its qualifications are reserved; "
             "a fail returns it to the salesperson with the findings.",
     .list_key = "reports",
     .columns = "VERSION:version DEPARTMENT:department VERDICT:verdict BY:by COUNTED:counted"},
    {.name = "contract.sign",
     .roles = CONTRACT_ROLES,
     .writes = true,
     .args = {CONTRACT_ID_ARG,
              DATE_ARG ("signing date"),
              {"copy", A_TEXT, true, 1, 512, .option = "--copy", .placeholder = "SHA256|REF",
               .help = "the signed copy's checksum or file reference"},
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; `signed`; raises `contract.signed` (finance makes the receivables)",
     .brief = "record the customer's signature",
     .help = "Record that the customer signed the approved contract, with the date and the "
             "signed copy's checksum or file reference.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "contract.deliver",
     .roles = "sales supervisor management logistics review",
     .writes = true,
     .args = {CONTRACT_ID_ARG, DATE_ARG ("delivery date"), NOTE_ARG, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; `delivered`; raises `contract.delivered`",
     .brief = "record the delivery",
     .help = "Record that a signed contract's qualifications were delivered.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "contract.cancel",
     .roles = "supervisor management",
     .writes = true,
     .args = {CONTRACT_ID_ARG,
              {"reason", A_TEXT, true, 1, TEXT_MAX, .option = "--reason", .placeholder = "TEXT",
               .help = "why"},
              {NULL}},
     .result = SHOWN "; `cancelled`, its reservations released; raises `contract.cancelled`",
     .brief = "cancel a contract",
     .help = "Cancel a contract that is not delivered; its qualifications are free again.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "payment.receivables",
     .roles = "finance",
     .cli = "payment schedule", /* the help's command column holds 18 characters */
     .writes = true,
     .args = {{"contract_id", A_INT, true, 1, INT64_MAX, .option = "CONTRACT_ID"}, {NULL}},
     .result = "`{\"contract_id\", \"number\", \"created\", \"items\": [receivable…]}`: the "
               "receivables of the schedule, made once (`created` 0 when they exist); as the "
               "finance worker's result for a contract cancelled since it was signed, none are "
               "made and it is not refused",
     .brief = "make a signed contract's receivables",
     .help = "Make the receivables of a signed contract's payment schedule, one per "
             "instalment. The finance worker does it on contract.signed; asked again it makes "
             "none. A contract cancelled before the worker got to it gets none.",
     .list_key = "items",
     .columns = RECEIVABLE_COLUMNS},
    {.name = "payment.record",
     .roles = "finance",
     .writes = true,
     .args = {{"receivable_id", A_INT, true, 1, INT64_MAX, .option = "RECEIVABLE_ID"},
              {"amount", A_NUMBER, true, .option = "--amount", .placeholder = "YUAN",
               .help = "the amount paid", .doc = "at most what is still due"},
              DATE_ARG ("payment date"),
              {NULL}},
     .result = "the receivable with its `payments`; raises `payment.recorded`; more than is "
               "due is refused (400)",
     .brief = "record a payment against a receivable",
     .help = "Record a payment against a receivable; an instalment paid in full stops its "
             "overdue reminders.",
     .list_key = "payments",
     .columns = "AMOUNT:amount DATE:date BY:by"},
    {.name = "payment.list",
     .roles = READ_ROLES,
     .args = {{"contract_id", A_INT, true, 1, INT64_MAX, .option = "CONTRACT_ID"}, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = "`{\"items\": [receivable…], \"next\": null}`",
     .brief = "a contract's receivables",
     .help = "List a contract's receivables: instalment, due date, amount, paid, state.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = RECEIVABLE_COLUMNS},
    {NULL},
};
