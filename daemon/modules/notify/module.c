/*  The notify module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "notify/notify_config.h"
#include "notify/notify_store.h"

extern const qf_command_spec_t qf_notify_specs[];
extern const qf_handler_t qf_notify_handlers[];

/* Its own schema, versioned per module. Append only: never edit one that
   has shipped. Version 1: the endpoints' state (enabled or disabled, since
   when; since when every attempt has failed), the messages (one per event
   and endpoint, their id stable across retries, their body as it is sent,
   their state, attempts, next attempt and the lease of the worker sending
   them) and every attempt made (time, HTTP status, latency, error). The
   first index finds the due messages, the second a message's attempts.
   Version 2: the due messages found per endpoint (notify_store.c). */
static const char *const s_migrations[] = {
    "CREATE TABLE notify_endpoints ("
    "  name TEXT PRIMARY KEY,"
    "  state TEXT NOT NULL CHECK (state IN ('enabled', 'disabled')),"
    "  since INTEGER NOT NULL, failing_since INTEGER, reason TEXT);"
    "CREATE TABLE notify_messages ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  msg_id TEXT NOT NULL UNIQUE, endpoint TEXT NOT NULL,"
    "  channel TEXT NOT NULL DEFAULT 'webhook', event_id TEXT NOT NULL, topic TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
    "  lease_until INTEGER NOT NULL DEFAULT 0, lease_owner TEXT,"
    "  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE INDEX notify_messages_due ON notify_messages (next_at) WHERE state = 'pending';"
    "CREATE TABLE notify_attempts ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, message INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL, at INTEGER NOT NULL, status INTEGER NOT NULL,"
    "  latency_ms INTEGER NOT NULL, error TEXT, worker TEXT);"
    "CREATE INDEX notify_attempts_message ON notify_attempts (message, id);",
    /* The due messages per endpoint, leases included, so that notify.due
       asks each endpoint for its own and reads rows only for what it
       leases: with the first index (by time alone) a slow endpoint's
       backlog and the leased rows were read row by row on every call.
       The first index has no other use and goes. */
    "DROP INDEX notify_messages_due;"
    "CREATE INDEX notify_messages_pending ON notify_messages (endpoint, next_at, lease_until)"
    " WHERE state = 'pending';",
};

const qf_module_t qf_module_notify = {
    .name = "notify",
    .title = "Notifications: signed webhooks (Standard Webhooks 1.0) with retries, leases, "
             "disabling and replay, sent by qualflow-notify",
    .specs = qf_notify_specs,
    .handlers = qf_notify_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = qf_notify_store_open,
    .config = &qf_notify_config_part,
};
