/*  renewal_store — the store's renewal part: renewal cases of expiring qualifications (§4.3).
    Part of the store module (qf_store_int.h): the renewal cases tables
    (created by the engine's migrations 1 to 10, see qf_module.h), their
    statements, prepared once at open, and the functions that run them. */
#include "renewal/renewal_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every statement of this part, prepared once at open. */
typedef enum { RS_RENEWAL_PUT, RS_RENEWAL_CLOSE, RS_RENEWALS, RS_COUNT } renewal_stmt_t;

static const char *const s_sql[RS_COUNT] = {
    [RS_RENEWAL_PUT] = "INSERT INTO renewal_cases (qualification_id, expires, opened, updated, "
                       "urgency, last_lead, state) VALUES (?1, ?2, ?3, ?3, ?4, ?5, 'open') "
                       "ON CONFLICT (qualification_id, expires) DO UPDATE SET updated = ?3, "
                       "urgency = ?4, last_lead = ?5",
    [RS_RENEWAL_CLOSE] = "UPDATE renewal_cases SET state = 'closed', updated = ?2 "
                         "WHERE qualification_id = ?1 AND state = 'open'",
    [RS_RENEWALS] = "SELECT qualification_id, expires, opened, updated, urgency, last_lead, state "
                    "FROM renewal_cases WHERE (?1 IS NULL OR state = ?1) "
                    "ORDER BY expires, qualification_id LIMIT ?2",
};

static const qf_store_sql_t s_statements = {"renewal", s_sql, RS_COUNT};

int
qf_renewal_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, renewal_stmt_t id)
{
    return qf_store__part_stmt (self, &s_statements, id);
}

int
qf_store_renewal_put (qf_store_t *self, int64_t qual_id, int32_t expires, int64_t now,
                      const char *urgency, int lead_days)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_RENEWAL_PUT);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int (stmt, 2, expires);
    sqlite3_bind_int64 (stmt, 3, now);
    sqlite3_bind_text (stmt, 4, urgency, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 5, lead_days);
    return qf_store__exec (self, stmt, "save renewal case");
}

int
qf_store_renewal_close (qf_store_t *self, int64_t qual_id, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_RENEWAL_CLOSE);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int64 (stmt, 2, now);
    return qf_store__exec (self, stmt, "close renewal case");
}

/* The renewal case of the current row. */
static json_t *
s_row_case (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    char expires[16];
    qf_date_format (sqlite3_column_int (stmt, 1), expires, sizeof expires);
    return json_pack ("{s:I, s:s, s:I, s:I, s:s, s:i, s:s}", "qualification_id",
                      (json_int_t)sqlite3_column_int64 (stmt, 0), "expires", expires, "opened",
                      (json_int_t)sqlite3_column_int64 (stmt, 2), "updated",
                      (json_int_t)sqlite3_column_int64 (stmt, 3), "urgency",
                      sqlite3_column_text (stmt, 4), "last_lead_days", sqlite3_column_int (stmt, 5),
                      "state", sqlite3_column_text (stmt, 6));
}

int
qf_store_renewals_json (qf_store_t *self, const char *state, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_RENEWALS);
    if (state)
        sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int (stmt, 2, limit);
    return qf_store__rows_json (self, stmt, s_row_case, NULL, "read renewal cases", list_p);
}
