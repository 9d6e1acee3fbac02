/*  The handover module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "handover/handover_store.h"

extern const qf_command_spec_t qf_handover_specs[];
extern const qf_handler_t qf_handover_handlers[];

/* Its own schema, versioned per module. Append only: never edit one that
   has shipped. Version 1: the delivery tasks, one of each kind per
   qualification of a contract; one index reads a contract's tasks (delivery
   waits for its open ones), the other pages the list by state. */
static const char *const s_migrations[] = {
    "CREATE TABLE handover_tasks ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  contract_id INTEGER NOT NULL, number TEXT NOT NULL,"
    "  customer TEXT NOT NULL, owner TEXT NOT NULL,"
    "  qualification_id INTEGER NOT NULL, name TEXT NOT NULL, cert_no TEXT,"
    "  kind TEXT NOT NULL CHECK (kind IN ('processing', 'transfer')),"
    "  team TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'done', 'cancelled')),"
    "  due TEXT NOT NULL, steps TEXT NOT NULL," /* JSON array of {id, text} */
    "  created INTEGER NOT NULL, closed INTEGER, closed_by TEXT, note TEXT,"
    "  UNIQUE (contract_id, qualification_id, kind));"
    "CREATE INDEX handover_tasks_contract ON handover_tasks (contract_id, id);"
    "CREATE INDEX handover_tasks_state ON handover_tasks (state, id);",
};

const qf_module_t qf_module_handover = {
    .name = "handover",
    .title = "Delivery tasks of signed contracts: processing and the certificate's handover "
             "(§6.3)",
    .specs = qf_handover_specs,
    .handlers = qf_handover_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_handover_store_open,
};
