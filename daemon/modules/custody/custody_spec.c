/*  The custody module's commands, described once (qf_command_spec.h):
    archive records and loans of certificates (§4.3). Handlers: custody.c. */
#include "qf.h"
#include "qf_command_spec.h"

/* The loan's id, the argument of loan.approve, refuse, lend and return. */
// clang-format off
#define LOAN_ID_ARG {"loan_id", A_INT, true, 1, INT64_MAX, .option = "LOAN_ID"}
// clang-format on
/* A qualification's id given first on the command line. */
// clang-format off
#define QUAL_ID_ARG {"qualification_id", A_INT, true, 1, INT64_MAX, .option = "QUAL_ID"}
// clang-format on
/* A list of loans as a table. */
#define LOAN_COLUMNS                                                                               \
    "ID:id QUAL_ID:qualification_id STATE:state BORROWER:borrower DUE:due "                        \
    "OVERDUE_DAYS:overdue_days PURPOSE:purpose"

const qf_command_spec_t qf_custody_specs[] = {
    {.name = "custody.archive",
     .roles = "logistics",
     .writes = true,
     .args = {QUAL_ID_ARG,
              {"custodian", A_TEXT, true, 1, 128, .option = "--custodian", .placeholder = "NAME",
               .help = "who keeps the certificate"},
              {"location", A_TEXT, true, 1, 256, .option = "--location", .placeholder = "TEXT",
               .help = "where it is kept"},
              {"acquired", A_DATE, true, .option = "--acquired",
               .help = "when the original came in, not after today"},
              {"notes", A_TEXT, false, 0, TEXT_MAX, .option = "--notes", .placeholder = "TEXT",
               .help = "anything else worth recording"},
              {NULL}},
     .result = "the archive record; the qualification must be approved",
     .brief = "archive an approved certificate",
     .help = "Record where an approved qualification's certificate is kept and by whom."},
    {.name = "custody.show",
     .roles = "*",
     .args = {QUAL_ID_ARG, {NULL}},
     .result = "the archive record (name, validity, scope, custodian, location) with its "
               "`loans`",
     .brief = "a certificate's archive record and loans",
     .help = "Show a certificate's archive record, with the qualification's name, validity and "
             "scope, then its loans.",
     .list_key = "loans",
     .columns = LOAN_COLUMNS},
    {.name = "loan.request",
     .roles = "sales logistics review",
     .writes = true,
     .args = {QUAL_ID_ARG,
              {"borrower", A_TEXT, true, 1, 256, .option = "--borrower", .placeholder = "NAME",
               .help = "who borrows the certificate"},
              {"purpose", A_TEXT, true, 1, TEXT_MAX, .option = "--purpose", .placeholder = "TEXT",
               .help = "what for, e.g. a tender"},
              {"due", A_DATE, true, .option = "--due", .help = "when it must be back",
               .doc = "after today"},
              {NULL}},
     .result = "the loan, `requested`",
     .brief = "ask to borrow a certificate",
     .help = "Ask to borrow a certificate; a leader approves or refuses."},
    {.name = "loan.approve",
     .roles = "leader",
     .writes = true,
     .args = {LOAN_ID_ARG, {NULL}},
     .result = "the loan, `approved`",
     .brief = "approve a loan request",
     .help = "Approve a requested loan."},
    {.name = "loan.refuse",
     .roles = "leader",
     .writes = true,
     .args = {LOAN_ID_ARG, {NULL}},
     .result = "the loan, `refused`",
     .brief = "refuse a loan request",
     .help = "Refuse a requested loan."},
    {.name = "loan.lend",
     .roles = "logistics",
     .writes = true,
     .args = {LOAN_ID_ARG, {NULL}},
     .result = "the loan, `lent` (only once approved)",
     .brief = "hand out an approved loan",
     .help = "Record that the certificate of an approved loan was handed out; it is overdue "
             "after its due date."},
    {.name = "loan.return",
     .roles = "logistics",
     .writes = true,
     .args = {LOAN_ID_ARG, {NULL}},
     .result = "the loan, `returned`",
     .brief = "take a lent certificate back",
     .help = "Record that a lent certificate came back."},
    {.name = "loan.list",
     .roles = "*",
     .args = {{"state", A_ENUM, false, 0, 0, "open requested approved refused lent returned",
               .option = "--state", .placeholder = "S", .help = "only this state",
               .doc = "`open`: requested, approved or lent"},
              {"qualification_id", A_INT, false, 1, INT64_MAX, .option = "--qual",
               .placeholder = "ID", .help = "only the loans of this qualification"},
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [loan…]}`",
     .brief = "list loans",
     .help = "List loans: id, qualification, state, borrower, due date, days overdue and the "
             "purpose, which is cut to fit the line. --state open means requested, approved or "
             "lent.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = LOAN_COLUMNS},
    {NULL},
};
