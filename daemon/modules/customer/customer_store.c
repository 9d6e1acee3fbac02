/*  customer_store — the store's customer part (§6.1): the statements on
    the module's tables, prepared once at open, and the functions that run
    them. Records are made as JSON by SQLite (json_object) so that a
    column is named once, in its statement. */
#include "customer/customer_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every statement of this part, prepared once at open. */
typedef enum {
    CU_INSERT,
    CU_GET,
    CU_BY_CODE,
    CU_LIST,
    CU_LIST_OWNER,
    CU_LIST_INDUSTRY,
    CU_LIST_REGION,
    CU_SET_OWNER,
    CU_TOUCH,
    CU_CONTACT_ADD,
    CU_CONTACTS,
    CU_CONTACT_COUNT,
    CU_UPDATE,
    CU_NOTE_ADD,
    CU_NOTES,
    CU_LOG_ADD,
    CU_LOG_GET,
    CU_STEPS_OPEN,
    CU_STEP_CLOSE,
    CU_STEPS_SUPERSEDE,
    CU_STEP_OVERDUE,
    CU_OWNER_CHANGE,
    CU_JOURNAL,
    CU_HISTORY,
    CU_COUNT
} customer_stmt_t;

/* A customer's profile as JSON, from a row of customers. */
#define CUSTOMER_JSON                                                                              \
    "json_object('id', id, 'name', name, 'credit_code', credit_code, 'industry', industry,"        \
    " 'size', size, 'region', region, 'source', source, 'owner', owner, 'created_by',"             \
    " created_by, 'created', created, 'updated', updated)"

/* A contact log entry as JSON, from a row of customer_log: days become
   YYYY-MM-DD (a NULL day stays null). */
#define LOG_JSON                                                                                   \
    "json_object('id', id, 'customer_id', customer_id, 'date', date(day * 86400, 'unixepoch'),"    \
    " 'channel', channel, 'who', who, 'person', person, 'summary', summary, 'next_step',"          \
    " next_step, 'next_due', date(next_due * 86400, 'unixepoch'), 'step_state', step_state,"       \
    " 'step_closed', step_closed, 'step_closed_by', step_closed_by, 'overdue_raised',"             \
    " overdue_raised, 'recorded_by', recorded_by, 'created', created)"
/* A dated note as JSON, from a row of customer_notes. */
#define NOTE_JSON                                                                                  \
    "json_object('id', id, 'kind', kind, 'text', text, 'author', author, 'created', created)"

/* customer.list's statement, led by the condition `first`. */
#define LIST_SQL(first)                                                                            \
    "SELECT " CUSTOMER_JSON " FROM customers WHERE " first " AND id > ?4"                          \
    " AND (?1 IS NULL OR owner = ?1) AND (?2 IS NULL OR industry = ?2)"                            \
    " AND (?3 IS NULL OR region = ?3) ORDER BY id LIMIT ?5"

static const char *const s_sql[CU_COUNT] = {
    [CU_INSERT] = "INSERT INTO customers (name, credit_code, industry, size, region, source, owner,"
                  " created_by, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    [CU_GET] = "SELECT " CUSTOMER_JSON " FROM customers WHERE id = ?1",
    [CU_BY_CODE] = "SELECT id, owner FROM customers WHERE credit_code = ?1",
    /* Paged by id. Each filter is an index's first column (module.c): with
       one given, the statement that leads with it reads that index's range
       instead of every customer. */
    [CU_LIST] = LIST_SQL ("1"),
    [CU_LIST_OWNER] = LIST_SQL ("owner = ?1"),
    [CU_LIST_INDUSTRY] = LIST_SQL ("industry = ?2"),
    [CU_LIST_REGION] = LIST_SQL ("region = ?3"),
    [CU_SET_OWNER] = "UPDATE customers SET owner = ?2, updated = ?3 WHERE id = ?1",
    [CU_TOUCH] = "UPDATE customers SET updated = ?2 WHERE id = ?1",
    [CU_CONTACT_ADD] = "INSERT INTO customer_contacts (customer_id, name, phone, email, position,"
                       " added_by, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [CU_CONTACTS] = "SELECT json_object('id', id, 'name', name, 'phone', phone, 'email', email,"
                    " 'position', position, 'added_by', added_by, 'created', created)"
                    " FROM customer_contacts WHERE customer_id = ?1 ORDER BY id",
    [CU_CONTACT_COUNT] = "SELECT count(*) FROM customer_contacts WHERE customer_id = ?1",
    [CU_UPDATE] = "UPDATE customers SET name = coalesce(?2, name), industry = coalesce(?3,"
                  " industry), size = coalesce(?4, size), region = coalesce(?5, region),"
                  " source = coalesce(?6, source), updated = ?7 WHERE id = ?1",
    [CU_NOTE_ADD] = "INSERT INTO customer_notes (customer_id, kind, text, author, created)"
                    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING " NOTE_JSON,
    [CU_NOTES] = "SELECT " NOTE_JSON " FROM customer_notes WHERE customer_id = ?1 ORDER BY id",
    [CU_LOG_ADD] = "INSERT INTO customer_log (customer_id, day, channel, who, person, summary,"
                   " next_step, next_due, step_state, recorded_by, created) VALUES (?1, ?2, ?3,"
                   " ?4, ?5, ?6, ?7, ?8, CASE WHEN ?7 IS NULL THEN NULL ELSE 'open' END, ?9, ?10)"
                   " RETURNING " LOG_JSON,
    [CU_LOG_GET] = "SELECT " LOG_JSON " FROM customer_log WHERE id = ?1",
    [CU_STEPS_OPEN] = "SELECT " LOG_JSON " FROM customer_log WHERE customer_id = ?1"
                      " AND step_state = 'open' ORDER BY id",
    /* Closes an open next step only: the guard is the rule that a step is
       closed once. */
    [CU_STEP_CLOSE] = "UPDATE customer_log SET step_state = ?2, step_closed = ?3,"
                      " step_closed_by = ?4 WHERE id = ?1 AND step_state = 'open'"
                      " RETURNING " LOG_JSON,
    /* A later contact closes the customer's open steps from its day or
       before. */
    [CU_STEPS_SUPERSEDE] = "UPDATE customer_log SET step_state = 'superseded', step_closed = ?3,"
                           " step_closed_by = ?4 WHERE customer_id = ?1 AND step_state = 'open'"
                           " AND day <= ?2 RETURNING " LOG_JSON,
    [CU_STEP_OVERDUE] = "UPDATE customer_log SET overdue_raised = ?2 WHERE id = ?1",
    [CU_OWNER_CHANGE] = "INSERT INTO customer_owners (customer_id, from_owner, to_owner, by,"
                        " reason, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [CU_JOURNAL] = "INSERT INTO customer_history (customer_id, time, type, by, what, detail)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [CU_HISTORY] =
        "SELECT json_object('id', id, 'time', time, 'type', type, 'by', by, 'what', what,"
        " 'detail', json(detail)) FROM customer_history WHERE customer_id = ?1"
        " AND id > ?2 ORDER BY id LIMIT ?3",
};

static const qf_store_sql_t s_statements = {"customer", s_sql, CU_COUNT};

int
qf_customer_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *store, customer_stmt_t id)
{
    return qf_store__part_stmt (store, &s_statements, id);
}

/* Steps a bound statement that yields at most one JSON record, then resets
   it: QF_ENOTFOUND when there is no row. */
static int
s_json_one (qf_store_t *store, sqlite3_stmt *stmt, const char *what, json_t **record_p)
{
    int rc = sqlite3_step (stmt);
    json_t *record = NULL;
    if (rc == SQLITE_ROW)
        record = qf_store__row_text (stmt, NULL);
    else if (rc != SQLITE_DONE)
        rc = qf_store__fail (store, what);
    sqlite3_reset (stmt);
    if (rc == SQLITE_ROW) {
        *record_p = record;
        return record ? 0 : QF_ENOMEM;
    }
    return rc == SQLITE_DONE ? QF_ENOTFOUND : rc;
}

/* Runs a bound statement that changes rows, then clears its bindings. */
static int
s_exec (qf_store_t *store, sqlite3_stmt *stmt, const char *what)
{
    int rc = qf_store__exec (store, stmt, what);
    sqlite3_clear_bindings (stmt);
    return rc;
}

/* Binds a text that may be NULL (SQL NULL then). */
static void
s_bind (sqlite3_stmt *stmt, int index, const char *text)
{
    qf_store__bind_opt_text (stmt, index, text);
}

/* Customers ------------------------------------------------------------------ */

int
qf_customer_store_insert (qf_store_t *store, json_t *args, const char *credit_code,
                          const char *owner, const char *by, int64_t now, int64_t *id_p)
{
    int64_t existing = 0;
    int rc = qf_customer_store_by_code (store, credit_code, &existing, NULL, 0);
    if (rc == 0 && existing)
        return QF_ECONFLICT;
    if (rc)
        return rc;
    sqlite3_stmt *stmt = s_stmt (store, CU_INSERT);
    static const char *const keys[] = {"industry", "size", "region", "source"};
    s_bind (stmt, 1, json_string_value (json_object_get (args, "name")));
    s_bind (stmt, 2, credit_code);
    for (int i = 0; i < 4; i++)
        s_bind (stmt, 3 + i, json_string_value (json_object_get (args, keys[i])));
    s_bind (stmt, 7, owner);
    s_bind (stmt, 8, by);
    sqlite3_bind_int64 (stmt, 9, now);
    rc = s_exec (store, stmt, "insert customer");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (store->db);
    return rc;
}

int
qf_customer_store_get (qf_store_t *store, int64_t id, json_t **record_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_json_one (store, stmt, "read customer", record_p);
}

int
qf_customer_store_by_code (qf_store_t *store, const char *credit_code, int64_t *id_p, char *owner,
                           size_t owner_size)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_BY_CODE);
    s_bind (stmt, 1, credit_code);
    int rc = sqlite3_step (stmt);
    *id_p = 0;
    if (rc == SQLITE_ROW) {
        *id_p = sqlite3_column_int64 (stmt, 0);
        if (owner && owner_size)
            snprintf (owner, owner_size, "%s", (const char *)sqlite3_column_text (stmt, 1));
    } else if (rc != SQLITE_DONE)
        rc = qf_store__fail (store, "find customer by credit code");
    sqlite3_reset (stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rc;
}

int
qf_customer_store_list (qf_store_t *store, const char *owner, const char *industry,
                        const char *region, int64_t after, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, owner      ? CU_LIST_OWNER
                                        : industry ? CU_LIST_INDUSTRY
                                        : region   ? CU_LIST_REGION
                                                   : CU_LIST);
    s_bind (stmt, 1, owner);
    s_bind (stmt, 2, industry);
    s_bind (stmt, 3, region);
    sqlite3_bind_int64 (stmt, 4, after);
    sqlite3_bind_int (stmt, 5, limit);
    return qf_store__rows_json (store, stmt, qf_store__row_text, NULL, "list customers", list_p);
}

int
qf_customer_store_set_owner (qf_store_t *store, int64_t id, const char *owner, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_SET_OWNER);
    sqlite3_bind_int64 (stmt, 1, id);
    s_bind (stmt, 2, owner);
    sqlite3_bind_int64 (stmt, 3, now);
    return s_exec (store, stmt, "change customer owner");
}

int
qf_customer_store_touch (qf_store_t *store, int64_t id, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_TOUCH);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    return s_exec (store, stmt, "update customer");
}

/* Contact persons ------------------------------------------------------------- */

int
qf_customer_store_contact_add (qf_store_t *store, int64_t customer_id, const char *name,
                               const char *phone, const char *email, const char *position,
                               const char *by, int64_t now, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_CONTACT_ADD);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    s_bind (stmt, 2, name);
    s_bind (stmt, 3, phone);
    s_bind (stmt, 4, email);
    s_bind (stmt, 5, position);
    s_bind (stmt, 6, by);
    sqlite3_bind_int64 (stmt, 7, now);
    int rc = s_exec (store, stmt, "add customer contact");
    if (rc == 0 && id_p)
        *id_p = sqlite3_last_insert_rowid (store->db);
    return rc;
}

int
qf_customer_store_contacts (qf_store_t *store, int64_t customer_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_CONTACTS);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    return qf_store__rows_json (store, stmt, qf_store__row_text, NULL, "read customer contacts", list_p);
}

int
qf_customer_store_contact_count (qf_store_t *store, int64_t customer_id, int64_t *count_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_CONTACT_COUNT);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    return qf_store__int_or (store, stmt, 0, count_p, "count customer contacts");
}

int
qf_customer_store_update (qf_store_t *store, int64_t id, json_t *args, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_UPDATE);
    static const char *const keys[] = {"name", "industry", "size", "region", "source"};
    sqlite3_bind_int64 (stmt, 1, id);
    for (int i = 0; i < 5; i++)
        s_bind (stmt, 2 + i, json_string_value (json_object_get (args, keys[i])));
    sqlite3_bind_int64 (stmt, 7, now);
    return s_exec (store, stmt, "update customer");
}

/* Notes ------------------------------------------------------------------------ */

int
qf_customer_store_note_add (qf_store_t *store, int64_t customer_id, const char *kind,
                            const char *text, const char *author, int64_t now, json_t **note_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_NOTE_ADD);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    s_bind (stmt, 2, kind);
    s_bind (stmt, 3, text);
    s_bind (stmt, 4, author);
    sqlite3_bind_int64 (stmt, 5, now);
    return s_json_one (store, stmt, "add customer note", note_p);
}

int
qf_customer_store_notes (qf_store_t *store, int64_t customer_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_NOTES);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    return qf_store__rows_json (store, stmt, qf_store__row_text, NULL, "read customer notes", list_p);
}

/* Contact log ---------------------------------------------------------------- */

int
qf_customer_store_log_add (qf_store_t *store, const qf_customer_log_t *entry, int64_t now,
                           json_t **entry_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_LOG_ADD);
    sqlite3_bind_int64 (stmt, 1, entry->customer_id);
    sqlite3_bind_int (stmt, 2, entry->day);
    s_bind (stmt, 3, entry->channel);
    s_bind (stmt, 4, entry->who);
    s_bind (stmt, 5, entry->person);
    s_bind (stmt, 6, entry->summary);
    s_bind (stmt, 7, entry->next_step);
    if (entry->next_step)
        sqlite3_bind_int (stmt, 8, entry->next_due);
    s_bind (stmt, 9, entry->recorded_by);
    sqlite3_bind_int64 (stmt, 10, now);
    return s_json_one (store, stmt, "add contact log entry", entry_p);
}

int
qf_customer_store_log_get (qf_store_t *store, int64_t log_id, json_t **entry_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_LOG_GET);
    sqlite3_bind_int64 (stmt, 1, log_id);
    return s_json_one (store, stmt, "read contact log entry", entry_p);
}

int
qf_customer_store_steps_open (qf_store_t *store, int64_t customer_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_STEPS_OPEN);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    return qf_store__rows_json (store, stmt, qf_store__row_text, NULL, "read open next steps", list_p);
}

int
qf_customer_store_step_close (qf_store_t *store, int64_t log_id, const char *by, int64_t now,
                              json_t **entry_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_STEP_CLOSE);
    sqlite3_bind_int64 (stmt, 1, log_id);
    s_bind (stmt, 2, "done");
    sqlite3_bind_int64 (stmt, 3, now);
    s_bind (stmt, 4, by);
    int rc = s_json_one (store, stmt, "close next step", entry_p);
    return rc == QF_ENOTFOUND ? QF_ECONFLICT : rc;
}

int
qf_customer_store_steps_supersede (qf_store_t *store, int64_t customer_id, int32_t day,
                                   const char *by, int64_t now, json_t **entries_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_STEPS_SUPERSEDE);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    sqlite3_bind_int (stmt, 2, day);
    sqlite3_bind_int64 (stmt, 3, now);
    s_bind (stmt, 4, by);
    return qf_store__rows_json (store, stmt, qf_store__row_text, NULL, "close superseded next steps",
                                entries_p);
}

int
qf_customer_store_step_overdue (qf_store_t *store, int64_t log_id, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_STEP_OVERDUE);
    sqlite3_bind_int64 (stmt, 1, log_id);
    sqlite3_bind_int64 (stmt, 2, now);
    return s_exec (store, stmt, "mark next step overdue");
}

/* Owners and history ---------------------------------------------------------- */

int
qf_customer_store_reassign (qf_store_t *store, int64_t id, const char *from, const char *to,
                            const char *by, const char *reason, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_OWNER_CHANGE);
    sqlite3_bind_int64 (stmt, 1, id);
    s_bind (stmt, 2, from);
    s_bind (stmt, 3, to);
    s_bind (stmt, 4, by);
    s_bind (stmt, 5, reason);
    sqlite3_bind_int64 (stmt, 6, now);
    int rc = s_exec (store, stmt, "record change of owner");
    return rc ? rc : qf_customer_store_set_owner (store, id, to, now);
}

int
qf_customer_store_journal (qf_store_t *store, int64_t customer_id, const char *type, const char *by,
                           const char *what, json_t *detail, int64_t now)
{
    char *text = json_dumps (detail, JSON_COMPACT);
    if (!text)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (store, CU_JOURNAL);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    sqlite3_bind_int64 (stmt, 2, now);
    s_bind (stmt, 3, type);
    s_bind (stmt, 4, by);
    s_bind (stmt, 5, what);
    s_bind (stmt, 6, text);
    free (text);
    return s_exec (store, stmt, "record customer history");
}

int
qf_customer_store_history (qf_store_t *store, int64_t id, int64_t after, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_HISTORY);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, after);
    sqlite3_bind_int (stmt, 3, limit);
    return qf_store__rows_json (store, stmt, qf_store__row_text, NULL, "read customer history", list_p);
}
