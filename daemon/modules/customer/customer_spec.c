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

const qf_command_spec_t qf_customer_specs[] = {
    {.name = "customer.add",
     .roles = CUSTOMER_ROLES,
     .writes = true,
     .args = {{"name", A_TEXT, true, 1, 256, .option = "--name", .placeholder = "NAME",
               .help = "the company's registered name"},
              {"credit_code", A_TEXT, true, 1, 64, .option = "--credit-code", .placeholder = "CODE",
               .help = "unified social credit code, 18 characters (GB 32100-2015)",
               .doc = "18 characters of 0-9 and A-Z without I, O, Z, S, V, the last its check "
                      "character (GB 32100-2015); unique"},
              {"industry", A_TEXT, false, 1, 128, .option = "--industry", .placeholder = "I",
               .help = "the customer's industry"},
              {"size", A_ENUM, false, 0, 0, "micro small medium large", .option = "--size",
               .placeholder = "S", .help = "company size"},
              {"region", A_TEXT, false, 1, 128, .option = "--region", .placeholder = "R",
               .help = "where the company is"},
              {"source", A_TEXT, false, 1, 128, .option = "--source", .placeholder = "S",
               .help = "how it was found (referral, exhibition, market research...)"},
              {"owner", A_TEXT, false, 1, 64, .option = "--owner", .placeholder = "USER",
               .help = "the salesperson who owns it (supervisor, management; a salesperson "
                       "owns what they add)",
               .doc = "a salesperson's user; a salesperson may give only themselves; required "
                      "from a supervisor or management"},
              {"contact_name", A_TEXT, false, 1, 64, .option = "--contact-name",
               .placeholder = "NAME", .help = "a first contact person"},
              {"contact_phone", A_TEXT, false, 1, 32, .option = "--phone", .placeholder = "TEL",
               .help = "the contact's phone"},
              {"contact_email", A_TEXT, false, 1, 254, .option = "--email", .placeholder = "ADDR",
               .help = "the contact's email"},
              {"contact_position", A_TEXT, false, 1, 64, .option = "--position",
               .placeholder = "TEXT", .help = "the contact's position"},
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
     .result = "the customer with its `contacts`",
     .brief = "a customer's profile",
     .help = "Show a customer's profile and contact persons.",
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
              {"next", A_INT, false, 0, INT64_MAX, .option = "--next", .placeholder = "N",
               .help = "the page after the one that gave this `next`",
               .doc = "the previous page's `next`; default 0: the first page"},
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
    {NULL},
};
