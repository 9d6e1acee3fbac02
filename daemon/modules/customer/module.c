/*  The customer module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "customer/customer_store.h"
#include "customer/customer_timers.h"

extern const qf_command_spec_t qf_customer_specs[];
extern const qf_handler_t qf_customer_handlers[];

/* Its own schema, versioned per module. Append only: never edit one that
   has shipped. Version 1: the customer's profile (one row per credit
   code), its contact persons, its dated needs and concerns (never
   overwritten), the contact log with each next step and its state, and
   every change of owner. The indexes serve customer.list's filters (by
   owner, industry, region, each paged by id) and a customer's history. */
static const char *const s_migrations[] = {
    "CREATE TABLE customers ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT NOT NULL,"
    "  credit_code TEXT NOT NULL UNIQUE,"
    "  industry TEXT,"
    "  size TEXT,"
    "  region TEXT,"
    "  source TEXT,"
    "  owner TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL);"
    "CREATE INDEX customers_owner ON customers (owner, id);"
    "CREATE INDEX customers_industry ON customers (industry, id);"
    "CREATE INDEX customers_region ON customers (region, id);"
    "CREATE TABLE customer_contacts ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  customer_id INTEGER NOT NULL REFERENCES customers (id),"
    "  name TEXT NOT NULL,"
    "  phone TEXT,"
    "  email TEXT,"
    "  position TEXT,"
    "  added_by TEXT NOT NULL,"
    "  created INTEGER NOT NULL);"
    "CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id, id);"
    "CREATE TABLE customer_notes ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  customer_id INTEGER NOT NULL REFERENCES customers (id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('need', 'concern')),"
    "  text TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  created INTEGER NOT NULL);"
    "CREATE INDEX customer_notes_customer ON customer_notes (customer_id, id);"
    "CREATE TABLE customer_log ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  customer_id INTEGER NOT NULL REFERENCES customers (id),"
    "  day INTEGER NOT NULL,"
    "  channel TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'visit')),"
    "  who TEXT NOT NULL,"
    "  person TEXT,"
    "  summary TEXT NOT NULL,"
    "  next_step TEXT,"
    "  next_due INTEGER,"
    "  step_state TEXT CHECK (step_state IN ('open', 'done', 'superseded')),"
    "  step_closed INTEGER,"
    "  step_closed_by TEXT,"
    "  overdue_raised INTEGER,"
    "  recorded_by TEXT NOT NULL,"
    "  created INTEGER NOT NULL);"
    "CREATE INDEX customer_log_customer ON customer_log (customer_id, id);"
    "CREATE INDEX customer_log_open ON customer_log (customer_id) WHERE step_state = 'open';"
    "CREATE TABLE customer_owners ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  customer_id INTEGER NOT NULL REFERENCES customers (id),"
    "  from_owner TEXT NOT NULL,"
    "  to_owner TEXT NOT NULL,"
    "  by TEXT NOT NULL,"
    "  reason TEXT,"
    "  time INTEGER NOT NULL);"
    "CREATE INDEX customer_owners_customer ON customer_owners (customer_id, id);",
    /* Version 2: a customer's history as a journal written with each
       change, so that it shows what was true then (the owner at creation,
       not today's) in the order recorded, even when several changes share
       a batch's time, and reads as one index range. */
    "CREATE TABLE customer_history ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  customer_id INTEGER NOT NULL REFERENCES customers (id),"
    "  time INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  by TEXT,"
    "  what TEXT NOT NULL,"
    "  detail TEXT NOT NULL);"
    "CREATE INDEX customer_history_customer ON customer_history (customer_id, id);",
};

const qf_module_t qf_module_customer = {
    .name = "customer",
    .title = "Customers: profiles, contacts, contact log, owners (§6.1)",
    .specs = qf_customer_specs,
    .handlers = qf_customer_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_customer_store_open,
    .timer_kinds = qf_customer_timer_kinds,
};
