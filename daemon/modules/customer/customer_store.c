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
    CU_SET_OWNER,
    CU_TOUCH,
    CU_CONTACT_ADD,
    CU_CONTACTS,
    CU_CONTACT_COUNT,
    CU_COUNT
} customer_stmt_t;

/* A customer's profile as JSON, from a row of customers. */
#define CUSTOMER_JSON                                                                              \
    "json_object('id', id, 'name', name, 'credit_code', credit_code, 'industry', industry,"        \
    " 'size', size, 'region', region, 'source', source, 'owner', owner, 'created_by',"             \
    " created_by, 'created', created, 'updated', updated)"

static const char *const s_sql[CU_COUNT] = {
    [CU_INSERT] = "INSERT INTO customers (name, credit_code, industry, size, region, source, owner,"
                  " created_by, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    [CU_GET] = "SELECT " CUSTOMER_JSON " FROM customers WHERE id = ?1",
    [CU_BY_CODE] = "SELECT id, owner FROM customers WHERE credit_code = ?1",
    /* Paged by id; each filter is an index's first column (module.c). */
    [CU_LIST] = "SELECT " CUSTOMER_JSON " FROM customers WHERE id > ?4"
                " AND (?1 IS NULL OR owner = ?1) AND (?2 IS NULL OR industry = ?2)"
                " AND (?3 IS NULL OR region = ?3) ORDER BY id LIMIT ?5",
    [CU_SET_OWNER] = "UPDATE customers SET owner = ?2, updated = ?3 WHERE id = ?1",
    [CU_TOUCH] = "UPDATE customers SET updated = ?2 WHERE id = ?1",
    [CU_CONTACT_ADD] = "INSERT INTO customer_contacts (customer_id, name, phone, email, position,"
                       " added_by, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [CU_CONTACTS] = "SELECT json_object('id', id, 'name', name, 'phone', phone, 'email', email,"
                    " 'position', position, 'added_by', added_by, 'created', created)"
                    " FROM customer_contacts WHERE customer_id = ?1 ORDER BY id",
    [CU_CONTACT_COUNT] = "SELECT count(*) FROM customer_contacts WHERE customer_id = ?1",
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

/* The JSON text of column 0 of the current row, parsed. */
static json_t *
s_json_row (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    const char *text = (const char *)sqlite3_column_text (stmt, 0);
    return text ? json_loads (text, 0, NULL) : NULL;
}

/* Steps a bound statement that yields at most one JSON record, then resets
   it: QF_ENOTFOUND when there is no row. */
static int
s_json_one (qf_store_t *store, sqlite3_stmt *stmt, const char *what, json_t **record_p)
{
    int rc = sqlite3_step (stmt);
    json_t *record = NULL;
    if (rc == SQLITE_ROW)
        record = s_json_row (stmt, NULL);
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
    sqlite3_stmt *stmt = s_stmt (store, CU_LIST);
    s_bind (stmt, 1, owner);
    s_bind (stmt, 2, industry);
    s_bind (stmt, 3, region);
    sqlite3_bind_int64 (stmt, 4, after);
    sqlite3_bind_int (stmt, 5, limit);
    return qf_store__rows_json (store, stmt, s_json_row, NULL, "list customers", list_p);
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
    return qf_store__rows_json (store, stmt, s_json_row, NULL, "read customer contacts", list_p);
}

int
qf_customer_store_contact_count (qf_store_t *store, int64_t customer_id, int64_t *count_p)
{
    sqlite3_stmt *stmt = s_stmt (store, CU_CONTACT_COUNT);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    return qf_store__int_or (store, stmt, 0, count_p, "count customer contacts");
}
