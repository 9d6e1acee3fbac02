/*  The proposal module's commands, described once (qf_command_spec.h):
    proposals, their negotiation versions and the discount discipline
    (§6.2, §5.3). Handlers: proposal.c. */
#include "qf.h"
#include "qf_command_spec.h"

/* The proposal's id, given first on the command line. */
// clang-format off
#define PROPOSAL_ID_ARG {"id", A_INT, true, 1, INT64_MAX, .option = "ID"}
// clang-format on
/* Who works on proposals: the customer's salesperson, the sales
   supervisor and management. */
#define PROPOSAL_ROLES "sales supervisor management"
#define OWNER_NOTE     "a salesperson only for the customers they own"
/* §3.2: what the qualification's record says is never an argument; these
   are declared so that a request giving them is refused by name. */
// clang-format off
#define FROM_RECORD_ARGS                                                                       \
    {"scope", A_TEXT, false, 0, TEXT_MAX, .doc = "refused: scope comes from the record (§3.2)"}, \
    {"validity", A_TEXT, false, 0, TEXT_MAX, .doc = "refused, §3.2"},                          \
    {"issued", A_TEXT, false, 0, TEXT_MAX, .doc = "refused, §3.2"},                            \
    {"expires", A_TEXT, false, 0, TEXT_MAX, .doc = "refused, §3.2"}
#define STEPS_ARG(required)                                                                    \
    {"steps", A_TEXT, required, 1, 1024, .option = "--steps", .placeholder = "ID,...",         \
     .help = "processing steps, ids of processing_steps:",                                     \
     .doc = "comma-separated ids of `processing_steps:`"}
#define SERVICES_ARG(required)                                                                 \
    {"services", A_TEXT, required, 1, 1024, .option = "--services", .placeholder = "ID,...",   \
     .help = "after-sales services, ids of after_sales_services:",                             \
     .doc = "comma-separated ids of `after_sales_services:`"}
#define DELIVERY_ARG(required)                                                                 \
    {"delivery", A_DATE, required, .option = "--delivery", .help = "delivery date, after today", \
     .doc = "after today"}
#define NOTE_ARG                                                                               \
    {"note", A_TEXT, false, 1, TEXT_MAX, .option = "--note", .placeholder = "TEXT",            \
     .help = "what this round is about"}
#define REASON_ARG                                                                             \
    {"reason", A_TEXT, false, 1, TEXT_MAX, .option = "--reason", .placeholder = "TEXT",        \
     .help = "why"}
// clang-format on
/* The current version's lines as a table. */
#define LINE_COLUMNS                                                                               \
    "LINE:line QUAL_ID:qualification_id NAME:name SCOPE:scope EXPIRES:expires "                    \
    "LIST_PRICE:list_price PRICE:price DISCOUNT_%:discount"
#define SHOWN                                                                                      \
    "the proposal with the current version's `lines` (each with the scope and validity of its "    \
    "qualification's record, list price, price, discount), `steps`, `services`, `total`, "         \
    "`delivery`, every `versions` entry, `approvals` and `flags` (`flagged`: why it is flagged "   \
    "now, or null)"

const qf_command_spec_t qf_proposal_specs[] = {
    {.name = "proposal.create",
     .roles = PROPOSAL_ROLES,
     .writes = true,
     .args = {{"customer_id", A_INT, true, 1, INT64_MAX, .option = "--customer",
               .placeholder = "ID", .help = "the customer"},
              {"lines", A_TEXT, true, 1, 1024, .option = "--lines", .placeholder = "Q:PRICE,...",
               .help = "qualification ids with their prices, e.g. 7:200000,9:150000",
               .doc = "`QUALIFICATION_ID:PRICE`, comma-separated, at most 20; each sellable now "
                      "(§3.1), not accepted in another proposal, with a list price"},
              STEPS_ARG (true),
              SERVICES_ARG (true),
              DELIVERY_ARG (true),
              NOTE_ARG,
              FROM_RECORD_ARGS,
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; version 1, `draft`",
     .brief = "propose qualifications to a customer",
     .help = "Make a proposal for a customer: the qualifications offered with their prices (each "
             "line states the scope and validity of the qualification's record, never typed "
             "in), the processing steps and after-sales services quoted from the configured "
             "templates, and the delivery date. Only qualifications sellable now are offered.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "proposal.revise",
     .roles = PROPOSAL_ROLES,
     .writes = true,
     .args = {PROPOSAL_ID_ARG,
              {"lines", A_TEXT, false, 1, 1024, .option = "--lines", .placeholder = "Q:PRICE,...",
               .help = "new prices of offered qualifications, e.g. 7:190000",
               .doc = "`QUALIFICATION_ID:PRICE` of qualifications the proposal offers; the others "
                      "keep their prices"},
              STEPS_ARG (false),
              SERVICES_ARG (false),
              DELIVERY_ARG (false),
              NOTE_ARG,
              FROM_RECORD_ARGS,
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; a new version, `draft` (to be sent again), recording what `changed`, who "
                     "and when; 400 when nothing differs",
     .brief = "record a negotiation round",
     .help = "Record a negotiation round as a new version: prices, processing steps, after-sales "
             "services, delivery date; the earlier versions stay as they were. The lines are "
             "copied from the qualifications' records again. A revised proposal is a draft and "
             "must be sent again.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "proposal.show",
     .roles = PROPOSAL_ROLES,
     .args = {PROPOSAL_ID_ARG, {NULL}},
     .roles_note = "a salesperson only for the customers they own",
     .result = SHOWN,
     .brief = "a proposal with all its versions",
     .help = "Show a proposal: state, customer, the current version's lines, steps, services, "
             "total and delivery date, every version with what changed, who and when, the "
             "discount approvals, and the flags (a qualification no longer sellable) with why.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "proposal.list",
     .roles = PROPOSAL_ROLES,
     .args = {{"customer_id", A_INT, false, 1, INT64_MAX, .option = "--customer",
               .placeholder = "ID", .help = "only this customer's"},
              {"owner", A_TEXT, false, 1, 64, .option = "--owner", .placeholder = "USER",
               .help = "only this salesperson's customers'"},
              {"state", A_ENUM, false, 0, 0, "open draft sent accepted rejected withdrawn",
               .option = "--state", .placeholder = "S", .help = "only this state",
               .doc = "`open`: draft or sent"},
              {"after_id", A_INT, false, 0, INT64_MAX, .option = "--after", .placeholder = "ID",
               .help = "the page after this id"},
              QF_SPEC_LIMIT,
              {NULL}},
     .roles_note = "a salesperson sees only their own customers' proposals",
     .result = "`{\"items\": [proposal…], \"next_after_id\": N}`, by id, each with its current "
               "`total` and `delivery`",
     .brief = "list proposals",
     .help = "List proposals by id: customer, owner, state, version, total, delivery date and "
             "whether flagged.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "ID:id CUSTOMER:customer_id OWNER:owner STATE:state VERSION:version TOTAL:total "
                "DELIVERY:delivery FLAGGED:flagged"},
    {.name = "proposal.send",
     .roles = PROPOSAL_ROLES,
     .writes = true,
     .args = {PROPOSAL_ID_ARG, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; `sent`. 409 naming `lines[N]` when a qualification is no longer "
                     "sellable, accepted elsewhere, or its record differs from the line; 403 "
                     "naming `lines[N].price` when a discount is beyond the sender's role "
                     "(`policy.max_discount_ROLE`) and the version has no approval covering it: "
                     "then `staff.conduct_recorded` is committed although the send is refused",
     .brief = "send the current version to the customer",
     .help = "Send the current version. Every line must still be sellable and state what its "
             "record says; a price below the list price by more than your role may grant needs "
             "an approval first (proposal approve), and a send refused for want of one "
             "is recorded as a conduct event on you (§5.3).",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "proposal.approve_discount",
     .roles = "supervisor management",
     .writes = true,
     .args = {PROPOSAL_ID_ARG, NOTE_ARG, {NULL}},
     .roles_note = "the role's `policy.max_discount_ROLE` must cover the deepest discount",
     .result = SHOWN "; the approval of the current version's discount, with who and when",
     .cli = "proposal approve",
     .brief = "approve a discount beyond a salesperson's",
     .help = "Approve the current version's prices, when a discount is beyond what a "
             "salesperson may grant and within what your role may (§5.3). A new version needs a "
             "new approval.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "proposal.accept",
     .roles = PROPOSAL_ROLES,
     .writes = true,
     .args = {PROPOSAL_ID_ARG, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; `accepted`; the other open proposals holding its qualifications are "
                     "flagged",
     .brief = "record that the customer accepted",
     .help = "Record that the customer accepted the sent version. Its qualifications must still "
             "be sellable; the other open proposals that offer them are flagged (a "
             "qualification is sold once).",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "proposal.reject",
     .roles = PROPOSAL_ROLES,
     .writes = true,
     .args = {PROPOSAL_ID_ARG, REASON_ARG, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; `rejected`",
     .brief = "record that the customer declined",
     .help = "Record that the customer declined the sent version.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {.name = "proposal.withdraw",
     .roles = PROPOSAL_ROLES,
     .writes = true,
     .args = {PROPOSAL_ID_ARG, REASON_ARG, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = SHOWN "; `withdrawn`",
     .brief = "withdraw an open proposal",
     .help = "Withdraw a draft or sent proposal, e.g. one flagged because a qualification is no "
             "longer sellable.",
     .list_key = "lines",
     .columns = LINE_COLUMNS},
    {NULL},
};
