/*  handover_store — the store's handover part (§6.3 execution): the
    delivery tasks table (its own migration 1), its statements, prepared
    once at open, and the functions that run them. */
#include "handover/handover_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdlib.h>

typedef enum { HS_ADD, HS_GET, HS_CLOSE, HS_OF, HS_OPEN_OF, HS_LIST, HS_COUNT } handover_stmt_t;

#define TASK_COLUMNS                                                                               \
    "id, contract_id, number, customer, owner, qualification_id, name, cert_no, kind, team, "      \
    "state, due, steps, created, closed, closed_by, note"

static const char *const s_sql[HS_COUNT] = {
    [HS_ADD] = "INSERT INTO handover_tasks (contract_id, number, customer, owner,"
               " qualification_id, name, cert_no, kind, team, state, due, steps, created)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', ?10, ?11, ?12)",
    [HS_GET] = "SELECT " TASK_COLUMNS " FROM handover_tasks WHERE id = ?1",
    [HS_CLOSE] = "UPDATE handover_tasks SET state = ?2, closed_by = ?3, note = ?4, closed = ?5"
                 " WHERE id = ?1 AND state = 'open'",
    [HS_OF] = "SELECT " TASK_COLUMNS " FROM handover_tasks WHERE contract_id = ?1 ORDER BY id",
    [HS_OPEN_OF] = "SELECT " TASK_COLUMNS " FROM handover_tasks"
                   " WHERE contract_id = ?1 AND state = 'open' ORDER BY id",
    [HS_LIST] = "SELECT " TASK_COLUMNS " FROM handover_tasks"
                " WHERE (?1 IS NULL OR state = ?1) AND (?2 = 0 OR contract_id = ?2)"
                " AND (?3 IS NULL OR team = ?3) AND id > ?4 ORDER BY id LIMIT ?5",
};

static const qf_store_sql_t s_statements = {"handover", s_sql, HS_COUNT};

int
qf_handover_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, handover_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

/* Text columns that hold JSON, read back as JSON (qf_store__row_object). */
static const char *const s_json_columns[] = {"steps", NULL};

static int
s_rows (qf_store_t *self, sqlite3_stmt *stmt, const char *what, json_t **list_p)
{
    return qf_store__rows_json (self, stmt, qf_store__row_object, (void *)s_json_columns, what,
                                list_p);
}

int
qf_store_handover_add (qf_store_t *self, json_t *task, int64_t now, int64_t *id_p)
{
    char *steps = json_dumps (json_object_get (task, "steps"), JSON_COMPACT);
    if (!steps)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (self, HS_ADD);
    sqlite3_bind_int64 (stmt, 1, json_integer_value (json_object_get (task, "contract_id")));
    qf_store__bind_text_arg (stmt, 2, task, "number");
    qf_store__bind_text_arg (stmt, 3, task, "customer");
    qf_store__bind_text_arg (stmt, 4, task, "owner");
    sqlite3_bind_int64 (stmt, 5, json_integer_value (json_object_get (task, "qualification_id")));
    qf_store__bind_text_arg (stmt, 6, task, "name");
    qf_store__bind_opt_text (stmt, 7, json_string_value (json_object_get (task, "cert_no")));
    qf_store__bind_text_arg (stmt, 8, task, "kind");
    qf_store__bind_text_arg (stmt, 9, task, "team");
    qf_store__bind_text_arg (stmt, 10, task, "due");
    sqlite3_bind_text (stmt, 11, steps, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 12, now);
    int rc = sqlite3_step (stmt);
    rc = rc == SQLITE_DONE                         ? 0
         : sqlite3_errcode (self->db) == SQLITE_CONSTRAINT ? QF_ECONFLICT
                                                          : qf_store__fail (self, "add delivery task");
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    free (steps);
    if (rc == 0 && id_p)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_handover_get (qf_store_t *self, int64_t id, json_t **task_p)
{
    sqlite3_stmt *stmt = s_stmt (self, HS_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__row_json (self, stmt, qf_store__row_object, (void *)s_json_columns,
                               "read delivery task", task_p);
}

int
qf_store_handover_close (qf_store_t *self, int64_t id, const char *state, const char *by,
                         const char *note, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, HS_CLOSE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, by ? by : "", -1, SQLITE_STATIC);
    qf_store__bind_opt_text (stmt, 4, note);
    sqlite3_bind_int64 (stmt, 5, now);
    int rc = qf_store__exec (self, stmt, "close delivery task");
    if (rc == 0 && sqlite3_changes (self->db) != 1)
        rc = QF_ECONFLICT;
    return rc;
}

int
qf_store_handover_of (qf_store_t *self, int64_t contract_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, HS_OF);
    sqlite3_bind_int64 (stmt, 1, contract_id);
    return s_rows (self, stmt, "read a contract's delivery tasks", list_p);
}

int
qf_store_handover_open_of (qf_store_t *self, int64_t contract_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, HS_OPEN_OF);
    sqlite3_bind_int64 (stmt, 1, contract_id);
    return s_rows (self, stmt, "read a contract's open delivery tasks", list_p);
}

int
qf_store_handover_list (qf_store_t *self, const char *state, int64_t contract_id,
                        const char *team, int64_t after, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, HS_LIST);
    qf_store__bind_opt_text (stmt, 1, state);
    sqlite3_bind_int64 (stmt, 2, contract_id);
    qf_store__bind_opt_text (stmt, 3, team);
    sqlite3_bind_int64 (stmt, 4, after);
    sqlite3_bind_int (stmt, 5, limit);
    return s_rows (self, stmt, "list delivery tasks", list_p);
}
