/*  notify_store — the store's notification part: endpoints' state,
    messages and attempts (the module's migration 1, module.c), their
    statements, prepared once at open, and the functions that run them. */
#include "notify/notify_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdlib.h>
#include <string.h>

typedef enum {
    NS_ENQUEUE,
    NS_DUE_ENDPOINTS,
    NS_DUE,
    NS_DUE_GET,
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
    /* The endpoints with pending messages and not disabled: one index
       seek per endpoint (a skip scan of notify_messages_pending), however
       many messages each has. */
    [NS_DUE_ENDPOINTS] = "WITH RECURSIVE e (name) AS ("
                         " SELECT min (endpoint) FROM notify_messages WHERE state = 'pending'"
                         " UNION ALL SELECT (SELECT min (endpoint) FROM notify_messages"
                         " WHERE state = 'pending' AND endpoint > e.name) FROM e"
                         " WHERE e.name IS NOT NULL)"
                         " SELECT name FROM e WHERE name IS NOT NULL AND NOT EXISTS (SELECT 1"
                         " FROM notify_endpoints d WHERE d.name = e.name AND d.state = 'disabled')",
    /* One endpoint's due messages, from the index alone: a slow endpoint's
       backlog is never walked for another's, leased rows cost no row read. */
    [NS_DUE] = "SELECT id, next_at FROM notify_messages INDEXED BY notify_messages_pending"
               " WHERE state = 'pending' AND endpoint = ?1 AND next_at <= ?2"
               " AND lease_until <= ?2 ORDER BY next_at LIMIT ?3",
    [NS_DUE_GET] = "SELECT id, msg_id, endpoint, channel, event_id, topic, body,"
                   " attempts + 1 AS attempt FROM notify_messages WHERE id = ?1",
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

/* A due message found by qf_store_notify_due: its time and row id. */
typedef struct {
    int64_t next_at, id;
} s_due_t;

static int
s_due_cmp (const void *a, const void *b)
{
    const s_due_t *x = a, *y = b;
    if (x->next_at != y->next_at)
        return x->next_at < y->next_at ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static bool
s_excluded (json_t *exclude, const char *endpoint)
{
    size_t i;
    json_t *name;
    json_array_foreach (exclude, i, name)
    {
        if (json_is_string (name) && strcmp (json_string_value (name), endpoint) == 0)
            return true;
    }
    return false;
}

/* Appends up to `limit` due messages of `endpoint` to due[*count_p]. */
static int
s_due_of (qf_store_t *self, const char *endpoint, int64_t now, int limit, s_due_t *due,
          size_t *count_p)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_DUE);
    sqlite3_bind_text (stmt, 1, endpoint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 2, now);
    sqlite3_bind_int (stmt, 3, limit);
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        due[*count_p].id = sqlite3_column_int64 (stmt, 0);
        due[*count_p].next_at = sqlite3_column_int64 (stmt, 1);
        (*count_p)++;
    }
    sqlite3_reset (stmt);
    return rc == SQLITE_DONE ? 0 : qf_store__fail (self, "read due notifications");
}

/* Leases message `id` and appends its row to list. */
static int
s_lease (qf_store_t *self, int64_t id, const char *owner, int64_t lease_until, json_t *list)
{
    sqlite3_stmt *stmt = s_stmt (self, NS_DUE_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    json_t *row = NULL;
    int rc = qf_store__row_json (self, stmt, qf_store__row_object, NULL, "read a due notification",
                                 &row);
    if (rc == 0 && json_array_append_new (list, row) != 0)
        rc = QF_ENOMEM;
    if (rc)
        return rc;
    stmt = s_stmt (self, NS_LEASE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, lease_until);
    sqlite3_bind_text (stmt, 3, owner, -1, SQLITE_STATIC);
    return qf_store__exec (self, stmt, "lease a notification");
}

int
qf_store_notify_due (qf_store_t *self, const char *owner, int64_t now, int64_t lease_until,
                     int limit, int per_endpoint, json_t *exclude, json_t **list_p)
{
    /* Each endpoint with pending messages is asked for its own soonest
       `per_endpoint`, then the soonest `limit` of them all are leased. */
    if (per_endpoint > limit)
        per_endpoint = limit;
    json_t *endpoints = NULL, *list = json_array ();
    int rc = list ? qf_store__rows_json (self, s_stmt (self, NS_DUE_ENDPOINTS),
                                         qf_store__row_object, NULL,
                                         "read the endpoints with pending notifications",
                                         &endpoints)
                  : QF_ENOMEM;
    size_t count = 0, room = (size_t)per_endpoint * json_array_size (endpoints);
    s_due_t *due = rc == 0 && room ? malloc (room * sizeof *due) : NULL;
    if (rc == 0 && room && !due)
        rc = QF_ENOMEM;
    size_t i;
    json_t *row;
    json_array_foreach (endpoints, i, row)
    {
        const char *name = json_string_value (json_object_get (row, "name"));
        if (rc)
            break;
        if (name && !s_excluded (exclude, name))
            rc = s_due_of (self, name, now, per_endpoint, due, &count);
    }
    json_decref (endpoints);
    if (rc == 0 && count > 1)
        qsort (due, count, sizeof *due, s_due_cmp);
    for (i = 0; rc == 0 && i < count && i < (size_t)limit; i++)
        rc = s_lease (self, due[i].id, owner, lease_until, list);
    free (due);
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
