/*  qualification_store — the store's qualification part: the qualification and its reviews (§4.2).
    Part of the store module (qf_store_int.h): the qualifications and reviews tables
    (created by the engine's migrations 1 to 10, see qf_module.h), their
    statements, prepared once at open, and the functions that run them. */
#include "qualification/qualification_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every statement of this part, prepared once at open. */
typedef enum {
    QS_QUAL_INSERT,
    QS_QUAL_GET,
    QS_QUAL_LIST,
    QS_QUAL_LIST_STATE,
    QS_QUAL_LIST_EXPIRING,
    QS_QUAL_LIST_SELLABLE,
    QS_QUAL_SET_STATE,
    QS_QUAL_SET_EXPIRES,
    QS_QUAL_SET_SUSPENDED,
    QS_QUAL_RECTIFY,
    QS_REVIEW_INSERT,
    QS_REVIEW_DECIDE,
    QS_REVIEW_GET,
    QS_REVIEW_GET_ALL,
    QS_COUNT
} qualification_stmt_t;

/* The columns of a record, in the order s_row_qual reads them. */
#define QUAL_COLUMNS                                                                               \
    "id, name, cert_no, authority, category, scope, issued, expires, acquisition_cost, "           \
    "expected_revenue, state, round, created, updated, created_by, suspended, industry"

static const char *const s_sql[QS_COUNT] = {
    [QS_QUAL_INSERT] = "INSERT INTO qualifications (name, cert_no, authority, category, scope, "
                       "issued, expires, acquisition_cost, expected_revenue, state, round, "
                       "created, updated, created_by, industry) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'draft', 0, ?10, ?10, ?11, "
                       "?12)",
    [QS_QUAL_GET] = "SELECT " QUAL_COLUMNS " FROM qualifications WHERE id = ?1",
    [QS_QUAL_LIST] =
        "SELECT " QUAL_COLUMNS " FROM qualifications WHERE id > ?1 ORDER BY id LIMIT ?2",
    [QS_QUAL_LIST_STATE] = "SELECT " QUAL_COLUMNS " FROM qualifications "
                           "WHERE state = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [QS_QUAL_LIST_EXPIRING] = "SELECT " QUAL_COLUMNS " FROM qualifications "
                              "WHERE expires BETWEEN ?4 AND ?5 AND (?3 IS NULL OR state = ?3) "
                              "AND id > ?1 ORDER BY expires, id LIMIT ?2",
    [QS_QUAL_LIST_SELLABLE] = "SELECT " QUAL_COLUMNS " FROM qualifications "
                              "WHERE state = 'approved' AND suspended = 0 AND expires >= ?3 "
                              "AND id > ?1 ORDER BY id LIMIT ?2",
    /* State changes and corrections return the new record from the same
       statement, instead of a read after the write. */
    [QS_QUAL_SET_STATE] = "UPDATE qualifications SET state = ?2, round = ?3, updated = ?4 "
                          "WHERE id = ?1 RETURNING " QUAL_COLUMNS,
    [QS_QUAL_SET_EXPIRES] = "UPDATE qualifications SET expires = ?2, updated = ?3 WHERE id = ?1",
    [QS_QUAL_SET_SUSPENDED] =
        "UPDATE qualifications SET suspended = ?2, updated = ?3 WHERE id = ?1",
    [QS_QUAL_RECTIFY] = "UPDATE qualifications SET name = coalesce (?2, name), "
                        "cert_no = coalesce (?3, cert_no), scope = coalesce (?4, scope), "
                        "acquisition_cost = coalesce (?5, acquisition_cost), "
                        "expected_revenue = coalesce (?6, expected_revenue), updated = ?7, "
                        "industry = coalesce (?8, industry), "
                        "authority = coalesce (?9, authority), "
                        "category = coalesce (?10, category), issued = coalesce (?11, issued), "
                        "expires = coalesce (?12, expires) "
                        "WHERE id = ?1 RETURNING " QUAL_COLUMNS,
    [QS_REVIEW_INSERT] = "INSERT INTO reviews (qualification_id, round, department, verdict, "
                         "findings, suggestions, reviewer, time, status) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [QS_REVIEW_DECIDE] = "UPDATE reviews SET verdict = ?4, status = 'final', decided_by = ?5, "
                         "suggestions = CASE WHEN ?6 = '' THEN suggestions ELSE ?6 END "
                         "WHERE qualification_id = ?1 AND round = ?2 AND department = ?3 "
                         "AND status = 'proposed'",
    [QS_REVIEW_GET] = "SELECT round, department, verdict, findings, suggestions, reviewer, time, "
                      "status, decided_by FROM reviews WHERE qualification_id = ?1 AND round = ?2 "
                      "ORDER BY department",
    [QS_REVIEW_GET_ALL] = "SELECT round, department, verdict, findings, suggestions, reviewer, "
                          "time, status, decided_by FROM reviews WHERE qualification_id = ?1 "
                          "ORDER BY round, department",
};

static const qf_store_sql_t s_statements = {"qualification", s_sql, QS_COUNT};

int
qf_qualification_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, qualification_stmt_t id)
{
    return qf_store__part_stmt (self, &s_statements, id);
}

int
qf_store_qual_insert (qf_store_t *self, json_t *args, int64_t now, const char *user, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, QS_QUAL_INSERT);
    qf_store__bind_text_arg (stmt, 1, args, "name");
    qf_store__bind_text_arg (stmt, 2, args, "cert_no");
    qf_store__bind_text_arg (stmt, 3, args, "authority");
    qf_store__bind_text_arg (stmt, 4, args, "category");
    qf_store__bind_text_arg (stmt, 5, args, "scope");
    qf_store__bind_date_arg (stmt, 6, args, "issued");
    qf_store__bind_date_arg (stmt, 7, args, "expires");
    qf_store__bind_real_arg (stmt, 8, args, "acquisition_cost");
    qf_store__bind_real_arg (stmt, 9, args, "expected_revenue");
    sqlite3_bind_int64 (stmt, 10, now);
    sqlite3_bind_text (stmt, 11, user ? user : "", -1, SQLITE_TRANSIENT);
    qf_store__bind_text_arg (stmt, 12, args, "industry");
    int rc = qf_store__exec (self, stmt, "insert qualification");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

/* Builds a qualification record from a row of the QS_QUAL_* column list. */
static json_t *
s_row_qual (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    char issued[16], expires[16];
    qf_date_format (sqlite3_column_int (stmt, 6), issued, sizeof issued);
    qf_date_format (sqlite3_column_int (stmt, 7), expires, sizeof expires);
    json_t *record = json_pack (
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:s}", "id",
        (json_int_t)sqlite3_column_int64 (stmt, 0), "name", sqlite3_column_text (stmt, 1),
        "cert_no", sqlite3_column_text (stmt, 2), "authority", sqlite3_column_text (stmt, 3),
        "category", sqlite3_column_text (stmt, 4), "scope", sqlite3_column_text (stmt, 5), "issued",
        issued, "expires", expires, "state", sqlite3_column_text (stmt, 10), "round",
        sqlite3_column_int (stmt, 11), "created", (json_int_t)sqlite3_column_int64 (stmt, 12),
        "updated", (json_int_t)sqlite3_column_int64 (stmt, 13), "created_by",
        sqlite3_column_text (stmt, 14));
    if (!record)
        return NULL;
    json_object_set_new (record, "acquisition_cost",
                         sqlite3_column_type (stmt, 8) == SQLITE_NULL
                             ? json_null ()
                             : json_real (sqlite3_column_double (stmt, 8)));
    json_object_set_new (record, "expected_revenue",
                         sqlite3_column_type (stmt, 9) == SQLITE_NULL
                             ? json_null ()
                             : json_real (sqlite3_column_double (stmt, 9)));
    json_object_set_new (record, "suspended", json_boolean (sqlite3_column_int (stmt, 15) != 0));
    json_object_set_new (record, "industry",
                         json_string ((const char *)sqlite3_column_text (stmt, 16)));
    return record;
}

/* Steps a bound statement that yields at most one record (a read, or a
   change RETURNING it); the change is made by the first step. Fills
   *record_p when not NULL; QF_ENOTFOUND when there is no such row. */
static int
s_one_qual (qf_store_t *self, sqlite3_stmt *stmt, const char *what, json_t **record_p)
{
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW && record_p) {
        *record_p = s_row_qual (stmt, NULL);
        sqlite3_reset (stmt);
        return *record_p ? 0 : QF_ENOMEM;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        rc = qf_store__fail (self, what);
    sqlite3_reset (stmt);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? QF_ENOTFOUND : rc;
}

int
qf_store_qual_get (qf_store_t *self, int64_t id, json_t **record_p)
{
    sqlite3_stmt *stmt = s_stmt (self, QS_QUAL_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_one_qual (self, stmt, "read qualification", record_p);
}

int
qf_store_qual_list (qf_store_t *self, const char *state, int64_t after_id, int limit,
                    json_t **items_p)
{
    return qf_store_qual_list_expiring (self, state, after_id, limit, INT32_MIN, INT32_MIN,
                                        items_p);
}

int
qf_store_qual_list_expiring (qf_store_t *self, const char *state, int64_t after_id, int limit,
                             int32_t from_day, int32_t to_day, json_t **items_p)
{
    bool expiring = from_day != INT32_MIN && to_day != INT32_MIN;
    bool sellable = from_day != INT32_MIN && to_day == INT32_MIN;
    sqlite3_stmt *stmt = s_stmt (self, sellable   ? QS_QUAL_LIST_SELLABLE
                                       : expiring ? QS_QUAL_LIST_EXPIRING
                                       : state    ? QS_QUAL_LIST_STATE
                                                  : QS_QUAL_LIST);
    sqlite3_bind_int64 (stmt, 1, after_id);
    sqlite3_bind_int (stmt, 2, limit);
    if (state && !sellable)
        sqlite3_bind_text (stmt, 3, state, -1, SQLITE_TRANSIENT);
    if (sellable)
        sqlite3_bind_int (stmt, 3, from_day);
    if (expiring) {
        sqlite3_bind_int (stmt, 4, from_day);
        sqlite3_bind_int (stmt, 5, to_day);
    }
    return qf_store__rows_json (self, stmt, s_row_qual, NULL, "list qualifications", items_p);
}

int
qf_store_qual_move (qf_store_t *self, int64_t id, const char *state, int round, int64_t now,
                    json_t **record_p)
{
    sqlite3_stmt *stmt = s_stmt (self, QS_QUAL_SET_STATE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 3, round);
    sqlite3_bind_int64 (stmt, 4, now);
    return s_one_qual (self, stmt, "update qualification", record_p);
}

int
qf_store_qual_set_state (qf_store_t *self, int64_t id, const char *state, int round, int64_t now)
{
    return qf_store_qual_move (self, id, state, round, now, NULL);
}

/* Expiry timers and renewal cases ---------------------------------------- */

int
qf_store_qual_set_expires (qf_store_t *self, int64_t id, int32_t expires, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, QS_QUAL_SET_EXPIRES);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, expires);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "update expiry");
}

int
qf_store_qual_set_suspended (qf_store_t *self, int64_t id, bool suspended, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, QS_QUAL_SET_SUSPENDED);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, suspended ? 1 : 0);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "update suspension");
}

int
qf_store_qual_rectify (qf_store_t *self, int64_t id, json_t *args, int64_t now, json_t **record_p)
{
    sqlite3_stmt *stmt = s_stmt (self, QS_QUAL_RECTIFY);
    sqlite3_bind_int64 (stmt, 1, id);
    static const char *texts[] = {"name", "cert_no", "scope"};
    for (int i = 0; i < 3; i++)
        qf_store__bind_opt_text (stmt, 2 + i, json_string_value (json_object_get (args, texts[i])));
    qf_store__bind_real_arg (stmt, 5, args, "acquisition_cost");
    qf_store__bind_real_arg (stmt, 6, args, "expected_revenue");
    sqlite3_bind_int64 (stmt, 7, now);
    qf_store__bind_opt_text (stmt, 8, json_string_value (json_object_get (args, "industry")));
    qf_store__bind_opt_text (stmt, 9, json_string_value (json_object_get (args, "authority")));
    qf_store__bind_opt_text (stmt, 10, json_string_value (json_object_get (args, "category")));
    static const char *dates[] = {"issued", "expires"};
    for (int i = 0; i < 2; i++) {
        if (json_object_get (args, dates[i]))
            qf_store__bind_date_arg (stmt, 11 + i, args, dates[i]);
        else
            sqlite3_bind_null (stmt, 11 + i);
    }
    return s_one_qual (self, stmt, "rectify qualification", record_p);
}

int
qf_store_review_put (qf_store_t *self, int64_t qual_id, int round, const char *department,
                     const char *verdict, json_t *findings, const char *suggestions,
                     const char *reviewer, int64_t now, bool proposed)
{
    char *findings_text = json_dumps (findings, JSON_COMPACT);
    if (!findings_text)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (self, QS_REVIEW_INSERT);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int (stmt, 2, round);
    sqlite3_bind_text (stmt, 3, department, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, verdict, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, findings_text, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 6, suggestions ? suggestions : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 7, reviewer ? reviewer : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 8, now);
    sqlite3_bind_text (stmt, 9, proposed ? "proposed" : "final", -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    free (findings_text);
    if (rc == SQLITE_DONE)
        return 0;
    if ((sqlite3_extended_errcode (self->db) & 0xff) == SQLITE_CONSTRAINT)
        return QF_ECONFLICT;
    return qf_store__fail (self, "insert review");
}

int
qf_store_review_decide (qf_store_t *self, int64_t qual_id, int round, const char *department,
                        const char *verdict, const char *note, const char *decided_by)
{
    sqlite3_stmt *stmt = s_stmt (self, QS_REVIEW_DECIDE);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int (stmt, 2, round);
    sqlite3_bind_text (stmt, 3, department, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, verdict, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, decided_by ? decided_by : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 6, note ? note : "", -1, SQLITE_STATIC);
    int rc = qf_store__exec (self, stmt, "decide review");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        return QF_ENOTFOUND;
    return rc;
}

/* The review of the current row. */
static json_t *
s_row_review (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    const char *findings = (const char *)sqlite3_column_text (stmt, 3);
    json_t *parsed = json_loads (findings ? findings : "[]", 0, NULL);
    json_t *item = json_pack (
        "{s:i, s:s, s:s, s:o, s:s, s:s, s:I, s:s}", "round", sqlite3_column_int (stmt, 0),
        "department", sqlite3_column_text (stmt, 1), "verdict", sqlite3_column_text (stmt, 2),
        "findings", parsed ? parsed : json_array (), "suggestions", sqlite3_column_text (stmt, 4),
        "reviewer", sqlite3_column_text (stmt, 5), "time",
        (json_int_t)sqlite3_column_int64 (stmt, 6), "status", sqlite3_column_text (stmt, 7));
    if (item && sqlite3_column_type (stmt, 8) != SQLITE_NULL)
        json_object_set_new (item, "decided_by",
                             json_string ((const char *)sqlite3_column_text (stmt, 8)));
    return item;
}

int
qf_store_reviews_get (qf_store_t *self, int64_t qual_id, int round, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, round < 0 ? QS_REVIEW_GET_ALL : QS_REVIEW_GET);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    if (round >= 0)
        sqlite3_bind_int (stmt, 2, round);
    return qf_store__rows_json (self, stmt, s_row_review, NULL, "read reviews", list_p);
}
