/*  The customer module's commands, described once (qf_command_spec.h):
    customers' profiles, contacts, contact log and owners (§6.1).
    Handlers: customer.c. */
#include "qf.h"
#include "qf_command_spec.h"

/* The customer's id, given first on the command line. */
// clang-format off
#define CUSTOMER_ID_ARG {"id", A_INT, true, 1, INT64_MAX, .option = "ID"}
// clang-format on
/* Who may work with customers: the salesperson (their own customers
   only, for changes), the sales supervisor and management. */
#define CUSTOMER_ROLES "sales supervisor management"
#define OWNER_NOTE     "a salesperson changes only the customers they own"
/* A list of customers as a table. */
#define CUSTOMER_COLUMNS                                                                           \
    "ID:id NAME:name CREDIT_CODE:credit_code OWNER:owner INDUSTRY:industry SIZE:size "             \
    "REGION:region"
/* A list of contact persons as a table. */
#define CONTACT_COLUMNS "ID:id NAME:name PHONE:phone EMAIL:email POSITION:position"

/* The profile's fields that customer.add and customer.update share. */
// clang-format off
#define NAME_ARG(required)                                                                         \
    {"name", A_TEXT, required, 1, 256, .option = "--name", .placeholder = "NAME",                  \
     .help = "the company's registered name"}
#define PROFILE_ARGS                                                                               \
    {"industry", A_TEXT, false, 1, 128, .option = "--industry", .placeholder = "I",                \
     .help = "the customer's industry"},                                                           \
    {"size", A_ENUM, false, 0, 0, "micro small medium large", .option = "--size",                  \
     .placeholder = "S", .help = "company size"},                                                  \
    {"region", A_TEXT, false, 1, 128, .option = "--region", .placeholder = "R",                    \
     .help = "where the company is"},                                                              \
    {"source", A_TEXT, false, 1, 128, .option = "--source", .placeholder = "S",                    \
     .help = "how it was found (referral, exhibition, market research...)"}
/* A contact person's phone, email and position, under the names given. */
#define CONTACT_ARGS(phone, email, position)                                                       \
    {phone, A_TEXT, false, 1, 32, .option = "--phone", .placeholder = "TEL",                       \
     .help = "phone: 5-20 digits with spaces, + - ( )"},                                           \
    {email, A_TEXT, false, 1, 254, .option = "--email", .placeholder = "ADDR",                     \
     .help = "email address"},                                                                     \
    {position, A_TEXT, false, 1, 64, .option = "--position", .placeholder = "TEXT",                \
     .help = "their position at the customer"}
// clang-format on

const qf_command_spec_t qf_customer_specs[] = {
    {.name = "customer.add",
     .roles = CUSTOMER_ROLES,
     .writes = true,
     .args = {NAME_ARG (true),
              {"credit_code", A_TEXT, true, 1, 64, .option = "--credit-code", .placeholder = "CODE",
               .help = "unified social credit code, 18 characters (GB 32100-2015)",
               .doc = "18 characters of 0-9 and A-Z without I, O, Z, S, V, the last its check "
                      "character (GB 32100-2015); unique"},
              PROFILE_ARGS,
              {"owner", A_TEXT, false, 1, 64, .option = "--owner", .placeholder = "USER",
               .help = "the salesperson who owns it (supervisor, management; a salesperson "
                       "owns what they add)",
               .doc = "a salesperson's user; a salesperson may give only themselves; required "
                      "from a supervisor or management"},
              {"contact_name", A_TEXT, false, 1, 64, .option = "--contact-name",
               .placeholder = "NAME", .help = "a first contact person"},
              CONTACT_ARGS ("contact_phone", "contact_email", "contact_position"),
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = "the customer with its `contacts`; 409 naming the existing customer and its owner "
               "when the credit code is already a customer's; a contact needs a name and a "
               "phone or an email",
     .brief = "add a customer",
     .help = "Add a customer's profile: its name and unified social credit code (checked, and "
             "refused when already a customer's), industry, size, region, source, its owner "
             "and optionally a first contact person.",
     .list_key = "contacts",
     .columns = CONTACT_COLUMNS},
    {.name = "customer.show",
     .roles = CUSTOMER_ROLES,
     .args = {CUSTOMER_ID_ARG, {NULL}},
     .result = "the customer with its `contacts`, `notes` (needs and concerns) and "
               "`open_steps` (contact log entries whose next step is open)",
     .brief = "a customer's profile",
     .help = "Show a customer's profile, contact persons, needs and concerns, and the next "
             "steps still open.",
     .list_key = "contacts",
     .columns = CONTACT_COLUMNS},
    {.name = "customer.list",
     .roles = CUSTOMER_ROLES,
     .args = {{"owner", A_TEXT, false, 1, 64, .option = "--owner", .placeholder = "USER",
               .help = "only this salesperson's customers"},
              {"industry", A_TEXT, false, 1, 128, .option = "--industry", .placeholder = "I",
               .help = "only this industry"},
              {"region", A_TEXT, false, 1, 128, .option = "--region", .placeholder = "R",
               .help = "only this region"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [customer…], \"next\": n|null}`, by id; `next` is given when the "
               "page is full",
     .brief = "list customers",
     .help = "List customers by id, optionally one owner's, one industry's or one region's; "
             "--next takes the page after the one that printed it.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = CUSTOMER_COLUMNS},
    {.name = "customer.update",
     .roles = CUSTOMER_ROLES,
     .writes = true,
     .args = {CUSTOMER_ID_ARG, NAME_ARG (false), PROFILE_ARGS, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = "the customer; at least one field; the credit code and the owner do not change "
               "here",
     .brief = "correct a customer's profile",
     .help = "Change a customer's name, industry, size, region or source.",
     .list_key = "contacts",
     .columns = CONTACT_COLUMNS},
    {.name = "customer.person",
     .roles = CUSTOMER_ROLES,
     .writes = true,
     .args = {CUSTOMER_ID_ARG,
              {"name", A_TEXT, true, 1, 64, .option = "--name", .placeholder = "NAME",
               .help = "the contact person's name"},
              CONTACT_ARGS ("phone", "email", "position"),
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = "the customer with its `contacts`; a phone or an email is required; at most 32 "
               "contact persons",
     .brief = "add a contact person",
     .help = "Add a contact person (name, phone, email, position) to a customer.",
     .list_key = "contacts",
     .columns = CONTACT_COLUMNS},
    {.name = "customer.note",
     .roles = CUSTOMER_ROLES,
     .writes = true,
     .args = {CUSTOMER_ID_ARG,
              {"kind", A_ENUM, true, 0, 0, "need concern", .option = "--kind",
               .help = "a need or a concern of the customer"},
              {"text", A_TEXT, true, 1, TEXT_MAX, .option = "--text", .placeholder = "TEXT",
               .help = "what it is"},
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = "the note `{id, kind, text, author, created}`; notes are dated and never "
               "overwritten",
     .brief = "record a need or concern",
     .help = "Record one of the customer's needs or concerns as a dated note; a note is never "
             "changed, a new one is added."},
    {.name = "customer.contact",
     .roles = CUSTOMER_ROLES,
     .writes = true,
     .args = {CUSTOMER_ID_ARG,
              {"channel", A_ENUM, true, 0, 0, "phone email visit", .option = "--channel",
               .help = "how the customer was contacted"},
              {"summary", A_TEXT, true, 1, TEXT_MAX, .option = "--summary", .placeholder = "TEXT",
               .help = "what was said"},
              {"on", A_DATE, false, .option = "--on", .help = "when (default today)",
               .doc = "default today; not after today"},
              {"who", A_TEXT, false, 1, 64, .option = "--who", .placeholder = "USER",
               .help = "who made the contact (default you)"},
              {"person", A_TEXT, false, 1, 64, .option = "--person", .placeholder = "NAME",
               .help = "whom at the customer"},
              {"next_step", A_TEXT, false, 1, TEXT_MAX, .option = "--next-step",
               .placeholder = "TEXT", .help = "what comes next", .doc = "with `next_due`"},
              {"next_due", A_DATE, false, .option = "--next-due",
               .help = "when the next step is due", .doc = "with `next_step`; not before `on`"},
              {NULL}},
     .roles_note = OWNER_NOTE,
     .result = "the contact log entry; its next step is `open` until done or superseded by a "
               "later contact, and past its due date raises `customer.next_step_overdue` to the "
               "owner once, on a working day",
     .brief = "log a call, email or visit",
     .help = "Record a phone call, email or visit with a customer, and its next step with a due "
             "date: the owner is told on the first working day after it if it is not done. A "
             "later contact replaces the open next steps."},
    {.name = "customer.done",
     .roles = CUSTOMER_ROLES,
     .writes = true,
     .args = {{"log_id", A_INT, true, 1, INT64_MAX, .option = "LOG_ID"}, {NULL}},
     .roles_note = OWNER_NOTE,
     .result = "the contact log entry, its next step `done`; its overdue reminder is cancelled",
     .brief = "record a next step as done",
     .help = "Record that the next step of a contact log entry was done."},
    {.name = "customer.reassign",
     .roles = "supervisor management",
     .writes = true,
     .args = {CUSTOMER_ID_ARG,
              {"to", A_TEXT, true, 1, 64, .option = "--to", .placeholder = "USER",
               .help = "the salesperson who owns it from now on"},
              {"reason", A_TEXT, false, 1, TEXT_MAX, .option = "--reason", .placeholder = "TEXT",
               .help = "why"},
              {NULL}},
     .result = "the customer, with its new owner; the change (who, when, from, to) is in its "
               "history",
     .brief = "give a customer to another salesperson",
     .help = "Move a customer to another salesperson: one owner at a time, the change on "
             "record."},
    {.name = "customer.history",
     .roles = CUSTOMER_ROLES,
     .args = {CUSTOMER_ID_ARG, QF_SPEC_NEXT, QF_SPEC_LIMIT, {NULL}},
     .result = "`{\"customer_id\", \"items\": [{id, time, type, by, what, detail}…], \"next\": "
               "n|null}` in the order recorded, paged like `customer.list`; type: `updated`, "
               "`created`, `contact_person`, `contact`, "
               "`step_overdue` (`by` null), `step_done`, `step_superseded`, `need`, `concern`, "
               "`reassigned`",
     .brief = "a customer's history",
     .help = "Show what happened to a customer, in time order: contacts and their next steps, "
             "needs and concerns, contact persons, changes of owner.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "TIME:time TYPE:type BY:by WHAT:what"},
    {NULL},
};
