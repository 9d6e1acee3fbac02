/*  The risk module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "risk/risk_config.h"
#include "risk/risk_store.h"
#include "risk/risk_timers.h"

extern const qf_command_spec_t qf_risk_specs[];
extern const qf_handler_t qf_risk_handlers[];

/* Its own schema, versioned per module. Append only: never edit one that
   has shipped. Version 1: the register, with at most one open risk per
   source that raises risks by itself (a contract's delivery, a policy
   change); the assessments, responses and reviews of each risk, added
   and never changed; its actions, open until done. */
static const char *const s_migrations[] = {
    "CREATE TABLE risks ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  type TEXT NOT NULL CHECK (type IN ('policy', 'processing', 'market', 'legal')),"
    "  description TEXT NOT NULL,"
    "  qualifications TEXT NOT NULL, contracts TEXT NOT NULL, customers TEXT NOT NULL,"
    "  likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),"
    "  impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),"
    "  score INTEGER NOT NULL, level TEXT NOT NULL,"
    "  expected_loss REAL NOT NULL CHECK (expected_loss >= 0),"
    "  alerted INTEGER NOT NULL DEFAULT 0,"
    "  owner TEXT NOT NULL, review TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),"
    "  source TEXT, raised_by TEXT NOT NULL, details TEXT NOT NULL,"
    "  strategy TEXT CHECK (strategy IN ('avoid', 'reduce', 'transfer', 'accept')),"
    "  response TEXT,"
    "  created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    "  closed INTEGER, closed_by TEXT, close_reason TEXT);"
    "CREATE UNIQUE INDEX risks_open_source ON risks (source) WHERE state = 'open';"
    "CREATE INDEX risks_state ON risks (state, id);"
    "CREATE TABLE risk_assessments ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, risk_id INTEGER NOT NULL,"
    "  likelihood INTEGER NOT NULL, impact INTEGER NOT NULL, score INTEGER NOT NULL,"
    "  level TEXT NOT NULL, expected_loss REAL NOT NULL, reason TEXT,"
    "  by TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX risk_assessments_risk ON risk_assessments (risk_id, id);"
    "CREATE TABLE risk_responses ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, risk_id INTEGER NOT NULL,"
    "  strategy TEXT NOT NULL, details TEXT NOT NULL, note TEXT,"
    "  by TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX risk_responses_risk ON risk_responses (risk_id, id);"
    "CREATE TABLE risk_reviews ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, risk_id INTEGER NOT NULL,"
    "  note TEXT NOT NULL, next TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX risk_reviews_risk ON risk_reviews (risk_id, id);"
    "CREATE TABLE risk_actions ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, risk_id INTEGER NOT NULL,"
    "  text TEXT NOT NULL, owner TEXT NOT NULL, due TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'done')),"
    "  created INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  done INTEGER, done_by TEXT, note TEXT);"
    "CREATE INDEX risk_actions_risk ON risk_actions (risk_id, id);",
};

const qf_module_t qf_module_risk = {
    .name = "risk",
    .title = "Risk register, responses and their actions (§7.1, §7.2)",
    .specs = qf_risk_specs,
    .handlers = qf_risk_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_risk_store_open,
    .timer_kinds = qf_risk_timer_kinds,
    .config = &qf_risk_config_part,
};
