/*  The staff module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "qf_timers.h"
#include "staff/staff.h"
#include "staff/staff_config.h"
#include "staff/staff_int.h"
#include "staff/staff_store.h"

extern const qf_command_spec_t qf_staff_specs[];
extern const qf_handler_t qf_staff_handlers[];
extern const qf_timer_kind_t qf_staff_timer_kinds[]; /* staff_timers.c */

/* Its own schema, versioned per module. Append only: never edit one that
   has shipped. Version 1: the directory (one row per login name, roles
   as a JSON array), training sessions and their attendance (one row per
   person and session), and violations of conduct. The indexes read a
   person's attendance, a person's violations by day, and the people under
   a supervisor. */
static const char *const s_migrations[] = {
    "CREATE TABLE staff_people ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  person TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  roles TEXT NOT NULL,"
    "  supervisor TEXT,"
    "  started TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('active', 'left')),"
    "  left_on TEXT,"
    "  left_reason TEXT,"
    "  onboarded TEXT,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  by TEXT NOT NULL);"
    "CREATE INDEX staff_people_supervisor ON staff_people (supervisor, id);"
    "CREATE TABLE staff_training ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kind TEXT NOT NULL CHECK (kind IN ('onboarding', 'periodic', 'sharing')),"
    "  topic TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  held_on TEXT NOT NULL,"
    "  hours REAL NOT NULL CHECK (hours > 0),"
    "  trainer TEXT,"
    "  created INTEGER NOT NULL,"
    "  by TEXT NOT NULL);"
    "CREATE TABLE staff_attendance ("
    "  training_id INTEGER NOT NULL REFERENCES staff_training (id),"
    "  person TEXT NOT NULL,"
    "  recorded INTEGER NOT NULL,"
    "  by TEXT NOT NULL,"
    "  PRIMARY KEY (training_id, person));"
    "CREATE INDEX staff_attendance_person ON staff_attendance (person, training_id);"
    "CREATE TABLE staff_violations ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  person TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  severity TEXT NOT NULL CHECK (severity IN ('minor', 'serious', 'grave')),"
    "  occurred TEXT NOT NULL,"
    "  description TEXT NOT NULL,"
    "  source TEXT NOT NULL CHECK (source IN ('recorded', 'automatic')),"
    "  rule TEXT,"
    "  details TEXT,"
    "  recorded INTEGER NOT NULL,"
    "  by TEXT NOT NULL);"
    "CREATE INDEX staff_violations_person ON staff_violations (person, occurred, id);",
    /* 2: how a person is reached by notifications (email, the mobile
       number a DingTalk robot @mentions). */
    "ALTER TABLE staff_people ADD COLUMN email TEXT;"
    "ALTER TABLE staff_people ADD COLUMN mobile TEXT;",
};

const qf_module_t qf_module_staff = {
    .name = "staff",
    .title = "Staff directory, training and conduct (§5.1, §5.3); the roles people act in",
    .specs = qf_staff_specs,
    .handlers = qf_staff_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_staff_store_open,
    .timer_kinds = qf_staff_timer_kinds,
    .config = &qf_staff_config_part,
    .authorize = qf_staff_authorize,
    .address = qf_staff_address,
};
