/*  notify_wait_store — escalations and held messages (notify_wait_store.h):
    their statements, prepared once at open, and the functions that run
    them. */
#include "notify/notify_wait_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <string.h>

typedef enum {
    WS_ESC_OPEN,
    WS_ESC_OF,
    WS_ESC_DONE,
    WS_ESC_DUE,
    WS_ESC_SET,
    WS_ESC_LIST,
    WS_DONE_SINCE,
    WS_EVENT_SEQ,
    WS_HELD_ADD,
    WS_HELD_DUE,
    WS_HELD_OF,
    WS_HELD_DELETE,
    WS_HELD_LIST,
    WS_ESC_ANY,
    WS_COUNT
} wait_stmt_t;

static const char *const s_sql[WS_COUNT] = {
    [WS_ESC_OPEN] = "INSERT OR IGNORE INTO notify_escalations (route, event_id, topic, subject,"
                    " done, level, recipients, payload, state, due_at, created, updated)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, 'open', ?8, ?9, ?9)",
    [WS_ESC_OF] = "SELECT id, done FROM notify_escalations"
                  " WHERE subject = ?1 AND state IN ('open', 'escalated')",
    [WS_ESC_DONE] = "UPDATE notify_escalations SET state = 'done', done_by = ?2, done_at = ?3,"
                    " updated = ?3 WHERE id = ?1",
    [WS_ESC_DUE] = "SELECT id, route, event_id, topic, subject, level, recipients, payload"
                   " FROM notify_escalations WHERE state = 'open' AND due_at <= ?1"
                   " ORDER BY due_at, id LIMIT ?2",
    [WS_ESC_SET] = "UPDATE notify_escalations SET level = ?2, recipients = ?3, state = ?4,"
                   " due_at = ?5, updated = ?6 WHERE id = ?1",
    [WS_ESC_LIST] = "SELECT id, route, event_id, topic, subject, level, recipients, state, due_at,"
                    " done_by, done_at, created, updated FROM notify_escalations"
                    " WHERE (?1 IS NULL OR state = ?1) AND id > ?2 ORDER BY id LIMIT ?3",
    [WS_DONE_SINCE] = "SELECT topic FROM events WHERE subject = ?2"
                      " AND seq > ?1 AND seq <= ?1 + ?3",
    /* The event `id` ?1 is, at ?2 or among the newest from ?3 on. */
    [WS_EVENT_SEQ] = "SELECT seq FROM events WHERE seq = ?2 AND id = ?1"
                     " UNION ALL SELECT seq FROM events WHERE seq > ?3 AND id = ?1 LIMIT 1",
    [WS_HELD_ADD] = "INSERT OR IGNORE INTO notify_held (endpoint, recipient, event_id, topic, body,"
                    " release_at, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [WS_HELD_DUE] = "SELECT DISTINCT endpoint, recipient FROM notify_held WHERE release_at <= ?1"
                    " LIMIT ?2",
    [WS_HELD_OF] = "SELECT id, event_id, topic, body FROM notify_held"
                   " WHERE endpoint = ?1 AND recipient = ?2 AND release_at <= ?3"
                   " ORDER BY id LIMIT ?4",
    [WS_HELD_DELETE] = "DELETE FROM notify_held WHERE id = ?1",
    [WS_ESC_ANY] = "SELECT EXISTS (SELECT 1 FROM notify_escalations"
                   " WHERE state IN ('open', 'escalated'))",
    [WS_HELD_LIST] = "SELECT id, endpoint, recipient, event_id, topic, release_at, created"
                     " FROM notify_held WHERE id > ?1 ORDER BY id LIMIT ?2",
};

static const qf_store_sql_t s_statements = {"notify_wait", s_sql, WS_COUNT};

/* The columns read back as JSON rather than as text. */
static const char *const s_json_columns[] = {"recipients", NULL};

int
qf_notify_wait_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, wait_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

int
qf_store_escalation_open (qf_store_t *self, const char *route, const char *event_id,
                          const char *topic, const char *subject, const char *done,
                          const char *recipients, const char *payload, int64_t due_at, int64_t now,
                          int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_ESC_OPEN);
    const char *texts[] = {route, event_id, topic, subject, done, recipients, payload};
    for (int i = 0; i < 7; i++)
        sqlite3_bind_text (stmt, i + 1, texts[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 8, due_at);
    sqlite3_bind_int64 (stmt, 9, now);
    int rc = qf_store__exec (self, stmt, "open an escalation");
    if (rc == 0)
        *id_p = sqlite3_changes (self->db) == 1 ? sqlite3_last_insert_rowid (self->db) : 0;
    return rc;
}

int
qf_store_escalations_of (qf_store_t *self, const char *subject, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_ESC_OF);
    sqlite3_bind_text (stmt, 1, subject, -1, SQLITE_STATIC);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL,
                                "read a subject's escalations", list_p);
}

int
qf_store_escalation_done (qf_store_t *self, int64_t id, const char *topic, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_ESC_DONE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, topic, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "end an escalation");
}

int
qf_store_escalations_due (qf_store_t *self, int64_t now, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_ESC_DUE);
    sqlite3_bind_int64 (stmt, 1, now);
    sqlite3_bind_int (stmt, 2, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, (void *)s_json_columns,
                                "read the due escalations", list_p);
}

int
qf_store_escalation_set (qf_store_t *self, int64_t id, int64_t level, const char *recipients,
                         const char *state, int64_t due_at, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_ESC_SET);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, level);
    sqlite3_bind_text (stmt, 3, recipients, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, due_at);
    sqlite3_bind_int64 (stmt, 6, now);
    return qf_store__exec (self, stmt, "escalate");
}

int
qf_store_escalations_list (qf_store_t *self, const char *state, int64_t after, int limit,
                           json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_ESC_LIST);
    qf_store__bind_opt_text (stmt, 1, state);
    sqlite3_bind_int64 (stmt, 2, after);
    sqlite3_bind_int (stmt, 3, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, (void *)s_json_columns,
                                "list escalations", list_p);
}

int
qf_store_escalation_done_since (qf_store_t *self, const char *event_id, uint64_t seq,
                                const char *subject, json_t *done, bool *done_p)
{
    *done_p = false;
    sqlite3_stmt *stmt = s_stmt (self, WS_EVENT_SEQ);
    sqlite3_bind_text (stmt, 1, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)seq);
    uint64_t last = qf_store_last_seq (self);
    sqlite3_bind_int64 (stmt, 3,
                        (sqlite3_int64)(last > QF_NOTIFY_ID_SCAN ? last - QF_NOTIFY_ID_SCAN : 0));
    int rc = sqlite3_step (stmt);
    seq = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64 (stmt, 0) : 0;
    sqlite3_reset (stmt);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 0 : qf_store__fail (self, "look for the event by id");
    stmt = s_stmt (self, WS_DONE_SINCE);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)seq);
    sqlite3_bind_text (stmt, 2, subject, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, QF_NOTIFY_DONE_SCAN);
    rc = SQLITE_DONE;
    while (!*done_p && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        const char *topic = (const char *)sqlite3_column_text (stmt, 0);
        size_t i;
        json_t *pattern;
        json_array_foreach (done, i, pattern)
        {
            if (topic && qf_topic_matches (json_string_value (pattern), topic))
                *done_p = true;
        }
    }
    sqlite3_reset (stmt);
    if (*done_p)
        return 0;
    return rc == SQLITE_DONE ? 0 : qf_store__fail (self, "look for the action's events");
}

int
qf_store_held_add (qf_store_t *self, const char *endpoint, const char *recipient,
                   const char *event_id, const char *topic, const char *body, int64_t release_at,
                   int64_t now, bool *added_p)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_HELD_ADD);
    const char *texts[] = {endpoint, recipient, event_id, topic, body};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text (stmt, i + 1, texts[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 6, release_at);
    sqlite3_bind_int64 (stmt, 7, now);
    int rc = qf_store__exec (self, stmt, "hold a notification");
    if (rc == 0 && added_p)
        *added_p = sqlite3_changes (self->db) == 1;
    return rc;
}

int
qf_store_held_due (qf_store_t *self, int64_t now, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_HELD_DUE);
    sqlite3_bind_int64 (stmt, 1, now);
    sqlite3_bind_int (stmt, 2, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL,
                                "read the held notifications due", list_p);
}

int
qf_store_held_of (qf_store_t *self, const char *endpoint, const char *recipient, int64_t now,
                  int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_HELD_OF);
    sqlite3_bind_text (stmt, 1, endpoint, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, recipient, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    sqlite3_bind_int (stmt, 4, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL,
                                "read a recipient's held notifications", list_p);
}

int
qf_store_held_delete (qf_store_t *self, int64_t id)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_HELD_DELETE);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__exec (self, stmt, "release a held notification");
}

int
qf_store_held_list (qf_store_t *self, int64_t after, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, WS_HELD_LIST);
    sqlite3_bind_int64 (stmt, 1, after);
    sqlite3_bind_int (stmt, 2, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL, "list held notifications",
                                list_p);
}

int
qf_store_escalations_any (qf_store_t *self, bool *any_p, bool *settled_p)
{
    int64_t any = 1;
    int rc =
        qf_store__int_or (self, s_stmt (self, WS_ESC_ANY), 1, &any, "look for open escalations");
    *any_p = any != 0;
    *settled_p = sqlite3_get_autocommit (self->db) != 0;
    return rc;
}
