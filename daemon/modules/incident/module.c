/*  The incident module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "incident/incident_store.h"

extern const qf_command_spec_t qf_incident_specs[];
extern const qf_handler_t qf_incident_handlers[];

/* Its own schema, versioned per module. Append only: never edit one that
   has shipped. Version 1: incidents; their emergency team; the timeline
   of actions and the communication log, each numbered within its
   incident and append-only: triggers refuse every UPDATE and DELETE of
   their rows, so no statement of this module or any other can change
   what was recorded (a correction is a new entry naming the one it
   corrects). */
static const char *const s_migrations[] = {
    "CREATE TABLE incidents ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kind TEXT NOT NULL CHECK (kind IN ('government', 'dispute', 'other')),"
    "  title TEXT NOT NULL, summary TEXT NOT NULL,"
    "  contract_id INTEGER, risk_id INTEGER,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),"
    "  opened INTEGER NOT NULL, opened_by TEXT NOT NULL,"
    "  conclusion TEXT, lessons TEXT, closed INTEGER, closed_by TEXT,"
    "  CHECK (state = 'open' OR (length(trim(conclusion)) > 0 AND length(trim(lessons)) > 0)));"
    "CREATE INDEX incidents_state ON incidents (state, id);"
    "CREATE TABLE incident_team ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL, duty TEXT NOT NULL, added_by TEXT NOT NULL, at INTEGER NOT NULL,"
    "  UNIQUE (incident_id, name));"
    "CREATE TABLE incident_timeline ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL,"
    "  entry INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,"
    "  happened TEXT NOT NULL, happened_ms INTEGER NOT NULL,"
    "  recorded_by TEXT NOT NULL, recorded INTEGER NOT NULL,"
    "  UNIQUE (incident_id, entry));"
    "CREATE TABLE incident_comms ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL,"
    "  entry INTEGER NOT NULL,"
    "  party TEXT NOT NULL CHECK (party IN ('government', 'customer', 'partner', 'media')),"
    "  who TEXT NOT NULL, channel TEXT NOT NULL, summary TEXT NOT NULL,"
    "  happened TEXT NOT NULL, happened_ms INTEGER NOT NULL, corrects INTEGER,"
    "  recorded_by TEXT NOT NULL, recorded INTEGER NOT NULL,"
    "  UNIQUE (incident_id, entry));"
    "CREATE TRIGGER incident_timeline_no_update BEFORE UPDATE ON incident_timeline"
    "  BEGIN SELECT RAISE (ABORT, 'the incident timeline is append-only'); END;"
    "CREATE TRIGGER incident_timeline_no_delete BEFORE DELETE ON incident_timeline"
    "  BEGIN SELECT RAISE (ABORT, 'the incident timeline is append-only'); END;"
    "CREATE TRIGGER incident_comms_no_update BEFORE UPDATE ON incident_comms"
    "  BEGIN SELECT RAISE (ABORT, 'the communication log is append-only'); END;"
    "CREATE TRIGGER incident_comms_no_delete BEFORE DELETE ON incident_comms"
    "  BEGIN SELECT RAISE (ABORT, 'the communication log is append-only'); END;",
};

const qf_module_t qf_module_incident = {
    .name = "incident",
    .title = "Emergencies (§7.3): the team, the timeline of actions, the communication log, "
             "the conclusion",
    .specs = qf_incident_specs,
    .handlers = qf_incident_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_incident_store_open,
};
