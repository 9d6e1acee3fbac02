/*  The probe module, for tests only: what it brings to the engine
    (qf_module.h). Linked into qualflowd-test, never into qualflowd. */
#include "probe_config.h"
#include "probe_store.h"
#include "qf_module.h"

#include "qf_timers.h"

extern const qf_command_spec_t qf_probe_specs[];
extern const qf_handler_t qf_probe_handlers[];
extern const qf_timer_kind_t qf_probe_timer_kinds[];

/* Its own schema: version 1 makes its table. Append only. */
static const char *const s_migrations[] = {
    "CREATE TABLE probe_notes ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  text TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  created INTEGER NOT NULL);",
};

const qf_module_t qf_module_probe = {
    .name = "probe",
    .title = "A module for tests: one command, one table, one event, one timer kind, one key",
    .specs = qf_probe_specs,
    .handlers = qf_probe_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_probe_store_open,
    .timer_kinds = qf_probe_timer_kinds,
    .config = &qf_probe_config_part,
};
