/*  custody_store — the store's custody part (§4.3): archive records and
    loans of certificates. Part of the store module (qf_store_int.h): the
    archive and loans tables (created by the engine's migration 4, see
    qf_module.h), their statements, prepared once at open, and the
    functions that run them. */
#include "qf.h"
#include "custody/custody_store.h"
#include "qf_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every statement of this part, prepared once at open. */
typedef enum {
    CS_ARCHIVE_PUT,
    CS_ARCHIVE_GET,
    CS_ARCHIVE_TRANSFER,
    CS_LOAN_INSERT,
    CS_LOAN_GET,
    CS_LOAN_DECIDE,
    CS_LOAN_LEND,
    CS_LOAN_RETURN,
    CS_LOAN_OPEN_OF,
    CS_LOANS_OF,
    CS_LOANS_LIST,
    CS_LOANS_OVERDUE,
    CS_LOAN_OVERDUE_MARK,
    CS_COUNT
} custody_stmt_t;

#define LOAN_COLUMNS                                                                               \
    "id, qualification_id, borrower, purpose, due, state, requested_by, approved_by, "             \
    "requested, approved, lent, returned"

static const char *const s_sql[CS_COUNT] = {
    [CS_ARCHIVE_PUT] =
        "INSERT INTO archive (qualification_id, custodian, location, acquired, notes, created,"
        " updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
        " ON CONFLICT (qualification_id) DO UPDATE SET custodian = excluded.custodian,"
        " location = excluded.location, acquired = excluded.acquired, notes = excluded.notes,"
        " updated = excluded.updated, transferred = NULL, transferred_to = NULL,"
        " transfer_contract = NULL, transferred_by = NULL",
    [CS_ARCHIVE_GET] =
        "SELECT qualification_id, custodian, location, acquired, notes, created, updated,"
        " transferred, transferred_to, transfer_contract, transferred_by"
        " FROM archive WHERE qualification_id = ?1",
    /* The certificate leaves custody for the customer: only once, until
       it is archived again (custody.archive clears the transfer). */
    [CS_ARCHIVE_TRANSFER] =
        "UPDATE archive SET transferred = ?2, transferred_to = ?3, transfer_contract = ?4,"
        " transferred_by = ?5, updated = ?2 WHERE qualification_id = ?1 AND transferred IS NULL",
    [CS_LOAN_INSERT] =
        "INSERT INTO loans (qualification_id, borrower, purpose, due, state, requested_by,"
        " requested) VALUES (?1, ?2, ?3, ?4, 'requested', ?5, ?6)",
    [CS_LOAN_GET] = "SELECT " LOAN_COLUMNS " FROM loans WHERE id = ?1",
    /* A move: to state ?2 from state ?5 only (the handler's transition
       table says which), recording when and by whom; the new loan comes
       back from the same statement. */
    [CS_LOAN_DECIDE] = "UPDATE loans SET state = ?2, approved_by = ?3, approved = ?4"
                       " WHERE id = ?1 AND state = ?5 RETURNING " LOAN_COLUMNS,
    [CS_LOAN_LEND] = "UPDATE loans SET state = ?2, lent = ?4 WHERE id = ?1 AND state = ?5"
                     " RETURNING " LOAN_COLUMNS,
    [CS_LOAN_RETURN] = "UPDATE loans SET state = ?2, returned = ?4 WHERE id = ?1 AND state = ?5"
                       " RETURNING " LOAN_COLUMNS,
    [CS_LOAN_OPEN_OF] = "SELECT id FROM loans WHERE qualification_id = ?1"
                        " AND state IN ('requested', 'approved', 'lent') ORDER BY id LIMIT 1",
    [CS_LOANS_OF] = "SELECT " LOAN_COLUMNS " FROM loans WHERE qualification_id = ?1 ORDER BY id",
    [CS_LOANS_LIST] = "SELECT " LOAN_COLUMNS " FROM loans"
                      " WHERE (?1 IS NULL OR state = ?1"
                      "        OR (?1 = 'open' AND state IN ('requested', 'approved', 'lent')))"
                      " AND (?2 IS NULL OR qualification_id = ?2) ORDER BY id LIMIT ?3",
    [CS_LOANS_OVERDUE] =
        "SELECT " LOAN_COLUMNS " FROM loans WHERE state = 'lent' AND due < ?1"
        " AND (last_overdue_day IS NULL OR last_overdue_day < ?1) ORDER BY due, id LIMIT ?2",
    [CS_LOAN_OVERDUE_MARK] = "UPDATE loans SET last_overdue_day = ?2 WHERE id = ?1",
};

static const qf_store_sql_t s_statements = {"custody", s_sql, CS_COUNT};

int
qf_custody_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, custody_stmt_t id)
{
    return qf_store__part_stmt (self, &s_statements, id);
}

/* A column that may be NULL, as a JSON integer or null. */
static json_t *
s_int_or_null (sqlite3_stmt *stmt, int column)
{
    if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
        return json_null ();
    return json_integer ((json_int_t)sqlite3_column_int64 (stmt, column));
}

static json_t *
s_text_or_null (sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text (stmt, column);
    return text ? json_string ((const char *)text) : json_null ();
}

/* The loan of the current row (LOAN_COLUMNS), as JSON. */
static json_t *
s_loan_json (sqlite3_stmt *stmt, int32_t today)
{
    char due_text[16];
    int32_t due = sqlite3_column_int (stmt, 4);
    qf_date_format (due, due_text, sizeof due_text);
    const char *state = (const char *)sqlite3_column_text (stmt, 5);
    int overdue = state && strcmp (state, "lent") == 0 && due < today ? today - due : 0;
    return json_pack (
        "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:i}", "id",
        (json_int_t)sqlite3_column_int64 (stmt, 0), "qualification_id",
        (json_int_t)sqlite3_column_int64 (stmt, 1), "borrower",
        (const char *)sqlite3_column_text (stmt, 2), "purpose",
        (const char *)sqlite3_column_text (stmt, 3), "due", due_text, "state", state ? state : "",
        "requested_by", (const char *)sqlite3_column_text (stmt, 6), "approved_by",
        s_text_or_null (stmt, 7), "requested", (json_int_t)sqlite3_column_int64 (stmt, 8),
        "approved", s_int_or_null (stmt, 9), "lent", s_int_or_null (stmt, 10), "returned",
        s_int_or_null (stmt, 11), "overdue_days", overdue);
}

/* The loan of the current row as JSON, for qf_store__rows_json; arg points
   to today's day number. */
static json_t *
s_loan_row (sqlite3_stmt *stmt, void *arg)
{
    return s_loan_json (stmt, *(const int32_t *)arg);
}

/* Reads every row of a bound loan statement into a JSON array. */
static int
s_loans_json (qf_store_t *self, sqlite3_stmt *stmt, int32_t today, const char *what,
              json_t **list_p)
{
    return qf_store__rows_json (self, stmt, s_loan_row, &today, what, list_p);
}

/* Archive records ---------------------------------------------------------- */

int
qf_store_archive_put (qf_store_t *self, int64_t qual_id, const char *custodian,
                      const char *location, int32_t acquired, const char *notes, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_ARCHIVE_PUT);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_text (stmt, 2, custodian, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, location, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 4, acquired);
    sqlite3_bind_text (stmt, 5, notes ? notes : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 6, now);
    int rc = qf_store__exec (self, stmt, "put archive record");
    sqlite3_clear_bindings (stmt);
    return rc;
}

int
qf_store_archive_get (qf_store_t *self, int64_t qual_id, json_t **record_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_ARCHIVE_GET);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    json_t *record = NULL;
    int rc = qf_store__row_json (self, stmt, qf_store__row_object, NULL, "read archive record",
                                 &record);
    if (rc)
        return rc;
    /* The acquisition day as a date, as it was given. */
    char acquired[16];
    qf_date_format ((int32_t)json_integer_value (json_object_get (record, "acquired")), acquired,
                    sizeof acquired);
    if (json_object_set_new (record, "acquired", json_string (acquired))) {
        json_decref (record);
        return QF_ENOMEM;
    }
    *record_p = record;
    return 0;
}

int
qf_store_archive_transfer (qf_store_t *self, int64_t qual_id, const char *to, int64_t contract_id,
                           const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_ARCHIVE_TRANSFER);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int64 (stmt, 2, now);
    sqlite3_bind_text (stmt, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, contract_id);
    sqlite3_bind_text (stmt, 5, by ? by : "", -1, SQLITE_STATIC);
    int rc = qf_store__exec (self, stmt, "record the transfer of a certificate");
    if (rc == 0 && sqlite3_changes (self->db) != 1)
        rc = QF_ECONFLICT;
    return rc;
}

/* Loans --------------------------------------------------------------------- */

int
qf_store_loan_insert (qf_store_t *self, int64_t qual_id, const char *borrower, const char *purpose,
                      int32_t due, const char *requested_by, int64_t now, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_LOAN_INSERT);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_text (stmt, 2, borrower, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 4, due);
    sqlite3_bind_text (stmt, 5, requested_by ? requested_by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 6, now);
    int rc = qf_store__exec (self, stmt, "insert loan");
    sqlite3_clear_bindings (stmt);
    if (rc == 0 && id_p)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_loan_get (qf_store_t *self, int64_t id, int32_t today, json_t **loan_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_LOAN_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_DONE) {
        sqlite3_reset (stmt);
        return QF_ENOTFOUND;
    }
    if (rc != SQLITE_ROW) {
        rc = qf_store__fail (self, "read loan");
        sqlite3_reset (stmt);
        return rc;
    }
    *loan_p = s_loan_json (stmt, today);
    sqlite3_reset (stmt);
    return *loan_p ? 0 : QF_ENOMEM;
}

int
qf_store_loan_move (qf_store_t *self, int64_t id, const char *from, const char *state,
                    const char *who, int64_t now, int32_t today, json_t **loan_p)
{
    custody_stmt_t which = strcmp (state, "lent") == 0       ? CS_LOAN_LEND
                           : strcmp (state, "returned") == 0 ? CS_LOAN_RETURN
                                                             : CS_LOAN_DECIDE;
    sqlite3_stmt *stmt = s_stmt (self, which);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
    if (which == CS_LOAN_DECIDE)
        sqlite3_bind_text (stmt, 3, who ? who : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, now);
    sqlite3_bind_text (stmt, 5, from, -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *loan_p = s_loan_json (stmt, today);
    else if (rc != SQLITE_DONE)
        rc = qf_store__fail (self, "change loan state");
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc == SQLITE_ROW)
        return *loan_p ? 0 : QF_ENOMEM;
    return rc == SQLITE_DONE ? QF_ECONFLICT : rc;
}

int
qf_store_loan_open_of (qf_store_t *self, int64_t qual_id, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_LOAN_OPEN_OF);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    int rc = sqlite3_step (stmt);
    *id_p = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        rc = qf_store__fail (self, "read open loan");
    else
        rc = 0;
    sqlite3_reset (stmt);
    return rc;
}

int
qf_store_loans_of (qf_store_t *self, int64_t qual_id, int32_t today, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_LOANS_OF);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    return s_loans_json (self, stmt, today, "read loans of a qualification", list_p);
}

int
qf_store_loans_list (qf_store_t *self, const char *state, int64_t qual_id, int limit, int32_t today,
                     json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_LOANS_LIST);
    if (state)
        sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
    if (qual_id > 0)
        sqlite3_bind_int64 (stmt, 2, qual_id);
    sqlite3_bind_int (stmt, 3, limit);
    return s_loans_json (self, stmt, today, "list loans", list_p);
}

int
qf_store_loans_overdue (qf_store_t *self, int32_t today, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_LOANS_OVERDUE);
    sqlite3_bind_int (stmt, 1, today);
    sqlite3_bind_int (stmt, 2, limit);
    return s_loans_json (self, stmt, today, "read overdue loans", list_p);
}

int
qf_store_loan_overdue_mark (qf_store_t *self, int64_t id, int32_t today)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_LOAN_OVERDUE_MARK);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, today);
    return qf_store__exec (self, stmt, "mark overdue loan");
}
