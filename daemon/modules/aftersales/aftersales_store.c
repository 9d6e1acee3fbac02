/*  aftersales_store — the store's after-sales part (§6.4): the callbacks
    and their calls (the module's own migration 1), its statements,
    prepared once at open, and the functions that run them. */
#include "aftersales/aftersales_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdlib.h>

/* The module's own schema, versioned per module. Append only: never edit
   one that has shipped. Version 1: the callbacks, one per contract and
   interval (unique: scheduled once at delivery, and the worker's open is
   idempotent on it), and their calls; one index lists them by state, one
   by owner; the unique key reads a contract's. */
const char *const qf_aftersales_migrations[QF_AFTERSALES_MIGRATIONS] = {
    "CREATE TABLE callbacks ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  contract_id INTEGER NOT NULL, number TEXT NOT NULL,"
    "  customer_id INTEGER NOT NULL, customer TEXT NOT NULL,"
    "  owner TEXT NOT NULL, assignee TEXT NOT NULL,"
    "  interval_days INTEGER NOT NULL, delivered_on TEXT NOT NULL,"
    "  day TEXT NOT NULL, due TEXT,"
    "  state TEXT NOT NULL CHECK (state IN ('scheduled', 'open', 'done', 'escalated')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, next_attempt TEXT,"
    "  scheduled_at INTEGER NOT NULL, opened INTEGER, opened_by TEXT,"
    "  closed_at INTEGER, closed_by TEXT,"
    "  score INTEGER CHECK (score BETWEEN 1 AND 5), said TEXT,"
    "  overdue TEXT CHECK (overdue IN ('owner', 'supervisor')),"
    "  UNIQUE (contract_id, interval_days));"
    "CREATE INDEX callbacks_state ON callbacks (state, id);"
    "CREATE INDEX callbacks_owner ON callbacks (owner, id);"
    "CREATE TABLE callback_calls ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  callback_id INTEGER NOT NULL REFERENCES callbacks (id),"
    "  attempt INTEGER NOT NULL, made_on TEXT NOT NULL,"
    "  recorded INTEGER NOT NULL, by TEXT NOT NULL, role TEXT NOT NULL,"
    "  reached INTEGER NOT NULL, score INTEGER CHECK (score BETWEEN 1 AND 5), said TEXT,"
    "  problems TEXT NOT NULL," /* JSON: [{kind, category, severity, text, feedback_id}] */
    "  UNIQUE (callback_id, attempt));",
};

typedef enum {
    AS_ADD,
    AS_OPEN,
    AS_GET,
    AS_FOR,
    AS_OF,
    AS_CALLED,
    AS_OVERDUE,
    AS_LIST,
    AS_LIST_CONTRACT,
    AS_LIST_OWNER,
    AS_LIST_STATE,
    AS_CALL_ADD,
    AS_CALLS,
    AS_SCORES_BY_OWNER,
    AS_COUNT
} aftersales_stmt_t;

#define CALLBACK_COLUMNS                                                                           \
    "id, contract_id, number, customer_id, customer, owner, assignee, interval_days, "             \
    "delivered_on, day, due, state, attempts, next_attempt, scheduled_at, opened, opened_by, "     \
    "closed_at, closed_by, score, said, overdue"

/* The filters every list applies, and its order and page. */
#define LIST_REST                                                                                  \
    " AND (?1 IS NULL OR state = ?1) AND (?2 = 0 OR contract_id = ?2)"                             \
    " AND (?3 IS NULL OR owner = ?3) ORDER BY id LIMIT ?5"

static const char *const s_sql[AS_COUNT] = {
    [AS_SCORES_BY_OWNER] = "SELECT b.owner, COUNT(*), TOTAL(k.score) FROM callback_calls k"
                           " JOIN callbacks b ON b.id = k.callback_id"
                           " WHERE k.score IS NOT NULL AND k.made_on BETWEEN ?1 AND ?2"
                           " AND (?3 IS NULL OR b.owner = ?3) GROUP BY b.owner ORDER BY b.owner",
    [AS_ADD] = "INSERT INTO callbacks (contract_id, number, customer_id, customer, owner,"
               " assignee, interval_days, delivered_on, day, state, scheduled_at)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'scheduled', ?10)",
    [AS_OPEN] = "UPDATE callbacks SET state = 'open', assignee = ?2, day = ?3, due = ?4,"
                " next_attempt = ?5, opened = ?6, opened_by = ?7"
                " WHERE id = ?1 AND state = 'scheduled'",
    [AS_GET] = "SELECT " CALLBACK_COLUMNS " FROM callbacks WHERE id = ?1",
    [AS_FOR] = "SELECT " CALLBACK_COLUMNS " FROM callbacks"
               " WHERE contract_id = ?1 AND interval_days = ?2",
    [AS_OF] = "SELECT " CALLBACK_COLUMNS " FROM callbacks WHERE contract_id = ?1"
              " ORDER BY interval_days",
    [AS_CALLED] = "UPDATE callbacks SET attempts = attempts + 1, state = ?2, next_attempt = ?3,"
                  " score = ?4, said = ?5, closed_at = CASE WHEN ?2 = 'open' THEN NULL ELSE ?7 END,"
                  " closed_by = CASE WHEN ?2 = 'open' THEN NULL ELSE ?6 END"
                  " WHERE id = ?1 AND state IN ('open', 'escalated')",
    [AS_OVERDUE] = "UPDATE callbacks SET overdue = ?2 WHERE id = ?1",
    /* A list reads through the index of its most selective filter: the
       contract's, the owner's, the state's, else the ids. */
    [AS_LIST] = "SELECT " CALLBACK_COLUMNS " FROM callbacks WHERE id > ?4" LIST_REST,
    [AS_LIST_CONTRACT] = "SELECT " CALLBACK_COLUMNS " FROM callbacks"
                         " WHERE contract_id = ?2 AND id > ?4" LIST_REST,
    [AS_LIST_OWNER] = "SELECT " CALLBACK_COLUMNS " FROM callbacks"
                      " WHERE owner = ?3 AND id > ?4" LIST_REST,
    [AS_LIST_STATE] = "SELECT " CALLBACK_COLUMNS " FROM callbacks"
                      " WHERE state = ?1 AND id > ?4" LIST_REST,
    [AS_CALL_ADD] = "INSERT INTO callback_calls (callback_id, attempt, made_on, recorded, by, role,"
                    " reached, score, said, problems)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [AS_CALLS] = "SELECT attempt, made_on, recorded, by, role, reached, score, said, problems"
                 " FROM callback_calls WHERE callback_id = ?1 ORDER BY attempt",
};

static const qf_store_sql_t s_statements = {"aftersales", s_sql, AS_COUNT};

int
qf_aftersales_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, aftersales_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

/* Text columns that hold JSON, read back as JSON (qf_store__row_object). */
static const char *const s_json_columns[] = {"problems", NULL};

/* A callback row, `reached` a JSON boolean in a call row. */
static json_t *
s_row (sqlite3_stmt *stmt, void *arg)
{
    json_t *row = qf_store__row_object (stmt, arg);
    json_t *reached = json_object_get (row, "reached");
    if (reached &&
        json_object_set_new (row, "reached", json_boolean (json_integer_value (reached))))
        json_decref (row), row = NULL;
    return row;
}

static int
s_one (qf_store_t *self, sqlite3_stmt *stmt, const char *what, json_t **record_p)
{
    return qf_store__row_json (self, stmt, s_row, (void *)s_json_columns, what, record_p);
}

static int
s_rows (qf_store_t *self, sqlite3_stmt *stmt, const char *what, json_t **list_p)
{
    return qf_store__rows_json (self, stmt, s_row, (void *)s_json_columns, what, list_p);
}

/* 0, QF_ECONFLICT for a constraint, else the failure logged; resets. */
static int
s_insert (qf_store_t *self, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step (stmt);
    rc = rc == SQLITE_DONE                                 ? 0
         : sqlite3_errcode (self->db) == SQLITE_CONSTRAINT ? QF_ECONFLICT
                                                           : qf_store__fail (self, what);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    return rc;
}

int
qf_store_callback_add (qf_store_t *self, json_t *callback, int64_t now, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_ADD);
    sqlite3_bind_int64 (stmt, 1, json_integer_value (json_object_get (callback, "contract_id")));
    qf_store__bind_text_arg (stmt, 2, callback, "number");
    sqlite3_bind_int64 (stmt, 3, json_integer_value (json_object_get (callback, "customer_id")));
    qf_store__bind_text_arg (stmt, 4, callback, "customer");
    qf_store__bind_text_arg (stmt, 5, callback, "owner");
    qf_store__bind_text_arg (stmt, 6, callback, "assignee");
    sqlite3_bind_int64 (stmt, 7, json_integer_value (json_object_get (callback, "interval_days")));
    qf_store__bind_text_arg (stmt, 8, callback, "delivered_on");
    qf_store__bind_text_arg (stmt, 9, callback, "day");
    sqlite3_bind_int64 (stmt, 10, now);
    int rc = s_insert (self, stmt, "schedule callback");
    if (rc == 0 && id_p)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_callback_open (qf_store_t *self, int64_t id, json_t *task, const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_OPEN);
    sqlite3_bind_int64 (stmt, 1, id);
    qf_store__bind_text_arg (stmt, 2, task, "assignee");
    qf_store__bind_text_arg (stmt, 3, task, "day");
    qf_store__bind_text_arg (stmt, 4, task, "due");
    qf_store__bind_text_arg (stmt, 5, task, "next_attempt");
    sqlite3_bind_int64 (stmt, 6, now);
    sqlite3_bind_text (stmt, 7, by ? by : "", -1, SQLITE_STATIC);
    int rc = qf_store__exec (self, stmt, "open callback");
    if (rc == 0 && sqlite3_changes (self->db) != 1)
        rc = QF_ECONFLICT;
    return rc;
}

int
qf_store_callback_get (qf_store_t *self, int64_t id, json_t **callback_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_one (self, stmt, "read callback", callback_p);
}

int
qf_store_callback_for (qf_store_t *self, int64_t contract_id, int interval_days,
                       json_t **callback_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_FOR);
    sqlite3_bind_int64 (stmt, 1, contract_id);
    sqlite3_bind_int (stmt, 2, interval_days);
    return s_one (self, stmt, "read a contract's callback", callback_p);
}

int
qf_store_callback_of (qf_store_t *self, int64_t contract_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_OF);
    sqlite3_bind_int64 (stmt, 1, contract_id);
    return s_rows (self, stmt, "read a contract's callbacks", list_p);
}

int
qf_store_callback_called (qf_store_t *self, int64_t id, const char *state, const char *next_attempt,
                          int score, const char *said, const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_CALLED);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
    qf_store__bind_opt_text (stmt, 3, next_attempt);
    if (score > 0)
        sqlite3_bind_int (stmt, 4, score);
    qf_store__bind_opt_text (stmt, 5, said);
    sqlite3_bind_text (stmt, 6, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 7, now);
    int rc = qf_store__exec (self, stmt, "record a callback's call");
    if (rc == 0 && sqlite3_changes (self->db) != 1)
        rc = QF_ECONFLICT;
    return rc;
}

int
qf_store_callback_overdue (qf_store_t *self, int64_t id, const char *level)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_OVERDUE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, level, -1, SQLITE_STATIC);
    return qf_store__exec (self, stmt, "mark a callback overdue");
}

int
qf_store_callback_list (qf_store_t *self, const char *state, int64_t contract_id, const char *owner,
                        int64_t after, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, contract_id ? AS_LIST_CONTRACT
                                       : owner     ? AS_LIST_OWNER
                                       : state     ? AS_LIST_STATE
                                                   : AS_LIST);
    qf_store__bind_opt_text (stmt, 1, state);
    sqlite3_bind_int64 (stmt, 2, contract_id);
    qf_store__bind_opt_text (stmt, 3, owner);
    sqlite3_bind_int64 (stmt, 4, after);
    sqlite3_bind_int (stmt, 5, limit);
    return s_rows (self, stmt, "list callbacks", list_p);
}

int
qf_store_callback_call_add (qf_store_t *self, int64_t callback_id, int attempt, json_t *call,
                            int64_t now)
{
    char *problems = json_dumps (json_object_get (call, "problems"), JSON_COMPACT);
    if (!problems)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (self, AS_CALL_ADD);
    sqlite3_bind_int64 (stmt, 1, callback_id);
    sqlite3_bind_int (stmt, 2, attempt);
    qf_store__bind_text_arg (stmt, 3, call, "made_on");
    sqlite3_bind_int64 (stmt, 4, now);
    qf_store__bind_text_arg (stmt, 5, call, "by");
    qf_store__bind_text_arg (stmt, 6, call, "role");
    sqlite3_bind_int (stmt, 7, json_is_true (json_object_get (call, "reached")));
    json_t *score = json_object_get (call, "score");
    if (json_is_integer (score))
        sqlite3_bind_int64 (stmt, 8, json_integer_value (score));
    qf_store__bind_opt_text (stmt, 9, json_string_value (json_object_get (call, "said")));
    sqlite3_bind_text (stmt, 10, problems, -1, SQLITE_STATIC);
    int rc = s_insert (self, stmt, "add a callback's call");
    free (problems);
    return rc;
}

int
qf_store_callback_calls (qf_store_t *self, int64_t callback_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_CALLS);
    sqlite3_bind_int64 (stmt, 1, callback_id);
    return s_rows (self, stmt, "read a callback's calls", list_p);
}

int
qf_store_callback_scores_by_owner (qf_store_t *self, const char *from, const char *to,
                                   const char *owner, qf_store_tally_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_SCORES_BY_OWNER);
    sqlite3_bind_text (stmt, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 2, to, -1, SQLITE_TRANSIENT);
    qf_store__bind_opt_text (stmt, 3, owner);
    return qf_store__tally (self, stmt, fn, arg, "read the callback scores per salesperson");
}
