/*  The probe module, for tests only: what it brings to the engine
    (qf_module.h). Linked into qualflowd-test, never into qualflowd. */
#include "probe_store.h"
#include "qf_module.h"

extern const qf_command_t qf_probe_commands[];

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
    .title = "A module for tests: one command, one table, one event",
    .commands = qf_probe_commands,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_probe_store_open,
    /* A timer kind comes here (.timer_kinds, .timer_kind_count) once
       durable timers take kinds from modules (qf_timers.h). */
};
