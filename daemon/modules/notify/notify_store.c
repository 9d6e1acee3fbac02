/*  notify_store — the store's notification part: endpoints' state,
    messages and attempts (the module's migration 1, module.c), their
    statements, prepared once at open, and the functions that run them. */
#include "notify/notify_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <string.h>

typedef enum {
    NS_ENQUEUE,
    NS_DUE,
    NS_LEASE,
    NS_GET,
    NS_ATTEMPT_ADD,
    NS_SET,
    NS_ENDPOINT_GET,
    NS_ENDPOINT_PUT,
    NS_LIST,
    NS_ATTEMPTS,
    NS_COUNTS,
    NS_LAST,
    NS_COUNT
} notify_stmt_t;

#define MESSAGE_COLUMNS                                                                            \
    "id, msg_id, endpoint, channel, event_id, topic, body, state, attempts, next_at,"             \
    " lease_until, lease_owner, created, updated"

static const char *const s_sql[NS_COUNT] = {
    [NS_ENQUEUE] = "INSERT OR IGNORE INTO notify_messages (msg_id, endpoint, channel, event_id,"
                   " topic, body, state, attempts, next_at, created, updated)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7, ?7)",
    [NS_DUE] = "SELECT m.id, m.msg_id, m.endpoint, m.channel, m.event_id, m.topic, m.body,"
               " m.attempts + 1 AS attempt FROM notify_messages m"
               " LEFT JOIN notify_endpoints e ON e.name = m.endpoint"
               " WHERE m.state = 'pending' AND m.next_at <= ?1 AND m.lease_until <= ?1"
               " AND (e.state IS NULL OR e.state = 'enabled')"
               " AND m.endpoint NOT IN (SELECT value FROM json_each (?3))"
               " ORDER BY m.next_at, m.id LIMIT ?2",
    [NS_LEASE] = "UPDATE notify_messages SET lease_until = ?2, lease_owner = ?3 WHERE id = ?1",
    [NS_GET] = "SELECT " MESSAGE_COLUMNS " FROM notify_messages WHERE msg_id = ?1",
    [NS_ATTEMPT_ADD] = "INSERT INTO notify_attempts (message, attempt, at, status, latency_ms,"
                       " error, worker) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [NS_SET] = "UPDATE notify_messages SET state = ?2, attempts = ?3, next_at = ?4,"
               " lease_until = 0, lease_owner = NULL, updated = ?5 WHERE id = ?1",
    [NS_ENDPOINT_GET] = "SELECT name, state, since, failing_since, reason FROM notify_endpoints"
                        " WHERE name = ?1",
    [NS_ENDPOINT_PUT] = "INSERT INTO notify_endpoints (name, state, since, failing_since, reason)"
                        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET"
                        " state = ?2, since = ?3, failing_since = ?4, reason = ?5",
    [NS_LIST] = "SELECT id, msg_id, endpoint, channel, event_id, topic, state, attempts, next_at,"
                " created, updated FROM notify_messages WHERE (?1 IS NULL OR endpoint = ?1)"
                " AND (?2 IS NULL OR state = ?2) AND id > ?3 ORDER BY id LIMIT ?4",
    [NS_ATTEMPTS] = "SELECT attempt, at, status, latency_ms, error, worker FROM notify_attempts"
                    " WHERE message = ?1 ORDER BY id",
    [NS_COUNTS] = "SELECT json_object ('pending', coalesce (sum (state = 'pending'), 0),"
                  " 'sent', coalesce (sum (state = 'sent'), 0),"
                  " 'failed', coalesce (sum (state = 'failed'), 0))"
                  " FROM notify_messages WHERE endpoint = ?1",
    [NS_LAST] = "SELECT a.at, a.status, a.error FROM notify_attempts a"
                " JOIN notify_messages m ON m.id = a.message WHERE m.endpoint = ?1"
                " ORDER BY a.id DESC LIMIT 1",
};

static const qf_store_sql_t s_statements = {"notify", s_sql, NS_COUNT};

int
qf_notify_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, notify_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

int
qf_store_notify_enqueue (qf_store_t *self, const char *msg_id, const char *endpoint,
                         const char *channel, const char *event_id, const char *topic,
                         const char *body, int64_t now, bool *added_p)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_ENQUEUE);
    sqlite3_bind_text (stmt, 1, msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, endpoint, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, topic, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 6, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 7, now);
    int rc = qf_store__exec (self, stmt, "enqueue a notification");
    if (rc == 0 && added_p)
        *added_p = sqlite3_changes (self->db) == 1;
    return rc;
}

int
qf_store_notify_due (qf_store_t *self, const char *owner, int64_t now, int64_t lease_until,
                     int limit, const char *exclude, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_DUE);
    sqlite3_bind_int64 (stmt, 1, now);
    sqlite3_bind_int (stmt, 2, limit);
    sqlite3_bind_text (stmt, 3, exclude ? exclude : "[]", -1, SQLITE_STATIC);
    json_t *list = NULL;
    int rc = qf_store__rows_json (self, stmt, qf_store__row_object, NULL, "read due notifications",
                                  &list);
    for (size_t i = 0; rc == 0 && i < json_array_size (list); i++) {
        sqlite3_stmt *lease = s_stmt (self, NS_LEASE);
        sqlite3_bind_int64 (lease, 1,
                            json_integer_value (json_object_get (json_array_get (list, i), "id")));
        sqlite3_bind_int64 (lease, 2, lease_until);
        sqlite3_bind_text (lease, 3, owner, -1, SQLITE_STATIC);
        rc = qf_store__exec (self, lease, "lease a notification");
    }
    if (rc) {
        json_decref (list);
        return rc;
    }
    *list_p = list;
    return 0;
}

int
qf_store_notify_get (qf_store_t *self, const char *msg_id, json_t **message_p)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_GET);
    sqlite3_bind_text (stmt, 1, msg_id, -1, SQLITE_STATIC);
    return qf_store__row_json (self, stmt, qf_store__row_object, NULL, "read a notification",
                               message_p);
}

int
qf_store_notify_attempt_add (qf_store_t *self, int64_t id, int64_t attempt, int64_t now,
                             int64_t status, int64_t latency_ms, const char *error,
                             const char *worker)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_ATTEMPT_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, attempt);
    sqlite3_bind_int64 (stmt, 3, now);
    sqlite3_bind_int64 (stmt, 4, status);
    sqlite3_bind_int64 (stmt, 5, latency_ms);
    qf_store__bind_opt_text (stmt, 6, error);
    qf_store__bind_opt_text (stmt, 7, worker);
    return qf_store__exec (self, stmt, "record a notification attempt");
}

int
qf_store_notify_set (qf_store_t *self, int64_t id, const char *state, int64_t attempts,
                     int64_t next_at, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_SET);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, attempts);
    sqlite3_bind_int64 (stmt, 4, next_at);
    sqlite3_bind_int64 (stmt, 5, now);
    return qf_store__exec (self, stmt, "change a notification");
}

int
qf_store_notify_endpoint_get (qf_store_t *self, const char *name, json_t **endpoint_p)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_ENDPOINT_GET);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    return qf_store__row_json (self, stmt, qf_store__row_object, NULL,
                               "read a notify endpoint's state", endpoint_p);
}

int
qf_store_notify_endpoint_put (qf_store_t *self, const char *name, const char *state,
                              int64_t since, int64_t failing_since, const char *reason)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_ENDPOINT_PUT);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, since);
    if (failing_since)
        sqlite3_bind_int64 (stmt, 4, failing_since);
    else
        sqlite3_bind_null (stmt, 4);
    qf_store__bind_opt_text (stmt, 5, reason);
    return qf_store__exec (self, stmt, "change a notify endpoint's state");
}

int
qf_store_notify_list (qf_store_t *self, const char *endpoint, const char *state, int64_t after,
                      int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_LIST);
    qf_store__bind_opt_text (stmt, 1, endpoint);
    qf_store__bind_opt_text (stmt, 2, state);
    sqlite3_bind_int64 (stmt, 3, after);
    sqlite3_bind_int (stmt, 4, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL, "list notifications",
                                list_p);
}

int
qf_store_notify_attempts (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_ATTEMPTS);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL,
                                "read a notification's attempts", list_p);
}

int
qf_store_notify_counts (qf_store_t *self, const char *endpoint, json_t **counts_p,
                        json_t **last_p)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_COUNTS);
    sqlite3_bind_text (stmt, 1, endpoint, -1, SQLITE_STATIC);
    int rc = qf_store__row_json (self, stmt, qf_store__row_text, NULL, "count notifications",
                                 counts_p);
    if (rc)
        return rc;
    stmt = s_stmt (self, NS_LAST);
    sqlite3_bind_text (stmt, 1, endpoint, -1, SQLITE_STATIC);
    rc = qf_store__row_json (self, stmt, qf_store__row_object, NULL,
                             "read a notify endpoint's last attempt", last_p);
    if (rc == QF_ENOTFOUND) {
        *last_p = json_null ();
        rc = 0;
    }
    if (rc) {
        json_decref (*counts_p);
        *counts_p = NULL;
    }
    return rc;
}
