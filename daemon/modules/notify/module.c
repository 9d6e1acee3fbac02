/*  The notify module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "notify/notify_config.h"
#include "notify/notify_store.h"
#include "notify/notify_wait.h"
#include "notify/notify_wait_store.h"

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
    /* 2: what waits (notify_wait.h). Escalations of routes that ask for an
       action, one per route and event: the first index finds the due ones
       (tick), the second those a done event about a subject may end
       (observe hook, on every event). Messages held outside working time,
       one per event, endpoint and recipient, found by release time. */
    "CREATE TABLE notify_escalations ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, route TEXT NOT NULL, event_id TEXT NOT NULL,"
    "  topic TEXT NOT NULL, subject TEXT NOT NULL, done TEXT NOT NULL,"
    "  level INTEGER NOT NULL, recipients TEXT NOT NULL, payload TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'escalated', 'done')),"
    "  due_at INTEGER NOT NULL, done_by TEXT, done_at INTEGER,"
    "  created INTEGER NOT NULL, updated INTEGER NOT NULL, UNIQUE (route, event_id));"
    "CREATE INDEX notify_escalations_due ON notify_escalations (due_at) WHERE state = 'open';"
    "CREATE INDEX notify_escalations_subject ON notify_escalations (subject)"
    "  WHERE state IN ('open', 'escalated');"
    "CREATE TABLE notify_held ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, recipient TEXT NOT NULL,"
    "  event_id TEXT NOT NULL, topic TEXT NOT NULL, body TEXT NOT NULL,"
    "  release_at INTEGER NOT NULL, created INTEGER NOT NULL,"
    "  UNIQUE (event_id, endpoint, recipient));"
    "CREATE INDEX notify_held_release ON notify_held (release_at);",
    /* 3: the due messages per endpoint, leases included, so that notify.due
       asks each endpoint for its own and reads rows only for what it
       leases: with the first index (by time alone) a slow endpoint's
       backlog and the leased rows were read row by row on every call.
       The first index has no other use and goes. */
    "DROP INDEX notify_messages_due;"
    "CREATE INDEX notify_messages_pending ON notify_messages (endpoint, next_at, lease_until)"
    " WHERE state = 'pending';",
};

/* Both statement sets: messages and attempts, and what waits. */
static int
s_store_open (qf_store_t *store, char *error, size_t error_size)
{
    int rc = qf_notify_store_open (store, error, error_size);
    if (rc == 0)
        rc = qf_notify_wait_store_open (store, error, error_size);
    if (rc == 0)
        qf_notify_watch (store, true);
    return rc;
}

static void
s_store_close (qf_store_t *store)
{
    qf_notify_watch (store, false);
}

const qf_module_t qf_module_notify = {
    .name = "notify",
    .title = "Notifications: signed webhooks (Standard Webhooks 1.0), group robots and email "
             "with retries, leases, disabling and replay, sent by qualflow-notify; escalation "
             "of actions not done in time, quiet hours with digests",
    .specs = qf_notify_specs,
    .handlers = qf_notify_handlers,
    .migrations = s_migrations,
    .migration_count = sizeof s_migrations / sizeof s_migrations[0],
    .store_open = s_store_open,
    .store_close = s_store_close,
    .config = &qf_notify_config_part,
    .observe = qf_notify_observe,
    .tick = qf_notify_tick,
};
