/*  The custody module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "custody/custody_store.h"
#include "custody/custody.h"

extern const qf_command_spec_t qf_custody_specs[];
extern const qf_handler_t qf_custody_handlers[];

/* Its own schema, versioned per module (its tables came with the engine's
   migration 4). Append only: never edit one that has shipped. Version 1:
   the handover of a sold certificate to its customer (§6.3 execution),
   recorded on the archive record; archiving it again clears it. */
static const char *const s_migrations[] = {
    "ALTER TABLE archive ADD COLUMN transferred INTEGER;"
    "ALTER TABLE archive ADD COLUMN transferred_to TEXT;"
    "ALTER TABLE archive ADD COLUMN transfer_contract INTEGER;"
    "ALTER TABLE archive ADD COLUMN transferred_by TEXT;",
};

const qf_module_t qf_module_custody = {
    .name = "custody",
    .title = "Custody of certificates: archive records and loans (§4.3)",
    .specs = qf_custody_specs,
    .handlers = qf_custody_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_custody_store_open,
    .tick = qf_custody_tick,
};
