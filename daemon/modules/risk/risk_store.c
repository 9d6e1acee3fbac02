/*  risk_store — the store's risk part (§7.1, §7.2): the register, its
    assessments, responses, reviews and actions (the module's migration
    1, module.c), their statements, prepared once at open, and the
    functions that run them. */
#include "risk/risk_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdlib.h>
#include <string.h>

typedef enum {
    RS_ADD,
    RS_GET,
    RS_BY_SOURCE,
    RS_SCORE,
    RS_CONCERNS,
    RS_RESPOND,
    RS_REVIEW_DATE,
    RS_CLOSE,
    RS_LIST,
    RS_ASSESSMENT_ADD,
    RS_RESPONSE_ADD,
    RS_REVIEW_ADD,
    RS_ACTION_ADD,
    RS_ACTION_GET,
    RS_ACTION_DONE,
    RS_ASSESSMENTS,
    RS_RESPONSES,
    RS_REVIEWS,
    RS_ACTIONS,
    RS_COUNT
} risk_stmt_t;

#define RISK_COLUMNS                                                                               \
    "id, type, description, qualifications, contracts, customers, likelihood, impact, score,"      \
    " level, expected_loss, alerted, owner, review, state, source, raised_by, details, strategy,"  \
    " response, created, updated, closed, closed_by, close_reason"
#define ACTION_COLUMNS                                                                             \
    "id, risk_id, text, owner, due, state, created, created_by, done, done_by, note"

static const char *const s_sql[RS_COUNT] = {
    [RS_ADD] = "INSERT INTO risks (type, description, qualifications, contracts, customers,"
               " likelihood, impact, score, level, expected_loss, alerted, owner, review, state,"
               " source, raised_by, details, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
               " ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'open', ?14, ?15, ?16, ?17, ?17)",
    [RS_GET] = "SELECT " RISK_COLUMNS " FROM risks WHERE id = ?1",
    [RS_BY_SOURCE] = "SELECT id FROM risks WHERE source = ?1 AND state = 'open'",
    [RS_SCORE] = "UPDATE risks SET likelihood = ?2, impact = ?3, score = ?4, level = ?5,"
                 " expected_loss = ?6, alerted = ?7, updated = ?8 WHERE id = ?1",
    [RS_CONCERNS] = "UPDATE risks SET qualifications = ?2, contracts = ?3, customers = ?4,"
                    " details = ?5, updated = ?6 WHERE id = ?1",
    [RS_RESPOND] = "UPDATE risks SET strategy = ?2, response = ?3, updated = ?4 WHERE id = ?1",
    [RS_REVIEW_DATE] = "UPDATE risks SET review = ?2, updated = ?3 WHERE id = ?1",
    [RS_CLOSE] = "UPDATE risks SET state = 'closed', closed = ?2, closed_by = ?3,"
                 " close_reason = ?4, updated = ?2 WHERE id = ?1 AND state = 'open'",
    [RS_LIST] = "SELECT " RISK_COLUMNS " FROM risks WHERE (?1 IS NULL OR type = ?1)"
                " AND (?2 IS NULL OR level = ?2) AND (?3 IS NULL OR state = ?3) AND id > ?4"
                " ORDER BY id LIMIT ?5",
    [RS_ASSESSMENT_ADD] = "INSERT INTO risk_assessments (risk_id, likelihood, impact, score,"
                          " level, expected_loss, reason, by, at)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [RS_RESPONSE_ADD] = "INSERT INTO risk_responses (risk_id, strategy, details, note, by, at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [RS_REVIEW_ADD] = "INSERT INTO risk_reviews (risk_id, note, next, by, at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
    [RS_ACTION_ADD] = "INSERT INTO risk_actions (risk_id, text, owner, due, state, created,"
                      " created_by) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6)",
    [RS_ACTION_GET] = "SELECT " ACTION_COLUMNS " FROM risk_actions WHERE id = ?1",
    [RS_ACTION_DONE] = "UPDATE risk_actions SET state = 'done', done = ?2, done_by = ?3,"
                       " note = ?4 WHERE id = ?1 AND state = 'open'",
    [RS_ASSESSMENTS] = "SELECT id, likelihood, impact, score, level, expected_loss, reason, by, at"
                       " FROM risk_assessments WHERE risk_id = ?1 ORDER BY id",
    [RS_RESPONSES] = "SELECT id, strategy, details, note, by, at FROM risk_responses"
                     " WHERE risk_id = ?1 ORDER BY id",
    [RS_REVIEWS] = "SELECT id, note, next, by, at FROM risk_reviews WHERE risk_id = ?1 ORDER BY id",
    [RS_ACTIONS] = "SELECT " ACTION_COLUMNS " FROM risk_actions WHERE risk_id = ?1 ORDER BY id",
};

static const qf_store_sql_t s_statements = {"risk", s_sql, RS_COUNT};

int
qf_risk_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, risk_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

/* Text columns that hold JSON, read back as JSON (qf_store__row_object). */
static const char *const s_json_columns[] = {"qualifications", "contracts", "customers",
                                             "details",        "response",  NULL};

/* Binds `value` as its compact JSON text; the text is freed by SQLite. */
static int
s_bind_json (sqlite3_stmt *stmt, int index, json_t *value)
{
    char *text = json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return QF_ENOMEM;
    sqlite3_bind_text (stmt, index, text, -1, free);
    return 0;
}

/* Runs a bound statement that changes one row: QF_ECONFLICT when it
   changes none, or would break a constraint. */
static int
s_change (qf_store_t *self, sqlite3_stmt *stmt, const char *what)
{
    int rc = qf_store__exec (self, stmt, what);
    return rc == 0 && sqlite3_changes (self->db) != 1 ? QF_ECONFLICT : rc;
}

int
qf_store_risk_add (qf_store_t *self, json_t *risk, int64_t now, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_ADD);
    qf_store__bind_text_arg (stmt, 1, risk, "type");
    qf_store__bind_text_arg (stmt, 2, risk, "description");
    int rc = s_bind_json (stmt, 3, json_object_get (risk, "qualifications"));
    rc = rc ? rc : s_bind_json (stmt, 4, json_object_get (risk, "contracts"));
    rc = rc ? rc : s_bind_json (stmt, 5, json_object_get (risk, "customers"));
    sqlite3_bind_int64 (stmt, 6, json_integer_value (json_object_get (risk, "likelihood")));
    sqlite3_bind_int64 (stmt, 7, json_integer_value (json_object_get (risk, "impact")));
    sqlite3_bind_int64 (stmt, 8, json_integer_value (json_object_get (risk, "score")));
    qf_store__bind_text_arg (stmt, 9, risk, "level");
    sqlite3_bind_double (stmt, 10, json_number_value (json_object_get (risk, "expected_loss")));
    sqlite3_bind_int (stmt, 11, json_is_true (json_object_get (risk, "alerted")));
    qf_store__bind_text_arg (stmt, 12, risk, "owner");
    qf_store__bind_text_arg (stmt, 13, risk, "review");
    qf_store__bind_opt_text (stmt, 14, json_string_value (json_object_get (risk, "source")));
    qf_store__bind_text_arg (stmt, 15, risk, "raised_by");
    rc = rc ? rc : s_bind_json (stmt, 16, json_object_get (risk, "details"));
    sqlite3_bind_int64 (stmt, 17, now);
    if (rc) {
        qf_store__stmt (stmt);
        return rc;
    }
    rc = s_change (self, stmt, "add risk");
    if (rc == 0 && id_p)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_risk_get (qf_store_t *self, int64_t id, json_t **risk_p)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__row_json (self, stmt, qf_store__row_object, (void *)s_json_columns,
                               "read risk", risk_p);
}

int
qf_store_risk_by_source (qf_store_t *self, const char *source, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_BY_SOURCE);
    sqlite3_bind_text (stmt, 1, source, -1, SQLITE_STATIC);
    int rc = qf_store__int_or (self, stmt, 0, id_p, "find a risk by its source");
    sqlite3_clear_bindings (stmt);
    return rc;
}

int
qf_store_risk_score (qf_store_t *self, int64_t id, int likelihood, int impact, int score,
                     const char *level, double expected_loss, bool alerted, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_SCORE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, likelihood);
    sqlite3_bind_int (stmt, 3, impact);
    sqlite3_bind_int (stmt, 4, score);
    sqlite3_bind_text (stmt, 5, level, -1, SQLITE_STATIC);
    sqlite3_bind_double (stmt, 6, expected_loss);
    sqlite3_bind_int (stmt, 7, alerted);
    sqlite3_bind_int64 (stmt, 8, now);
    return s_change (self, stmt, "score risk");
}

int
qf_store_risk_concerns (qf_store_t *self, int64_t id, json_t *qualifications, json_t *contracts,
                        json_t *customers, json_t *details, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_CONCERNS);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = s_bind_json (stmt, 2, qualifications);
    rc = rc ? rc : s_bind_json (stmt, 3, contracts);
    rc = rc ? rc : s_bind_json (stmt, 4, customers);
    rc = rc ? rc : s_bind_json (stmt, 5, details);
    sqlite3_bind_int64 (stmt, 6, now);
    if (rc) {
        qf_store__stmt (stmt);
        return rc;
    }
    return s_change (self, stmt, "update what a risk concerns");
}

int
qf_store_risk_respond (qf_store_t *self, int64_t id, const char *strategy, json_t *response,
                       int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_RESPOND);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, strategy, -1, SQLITE_STATIC);
    int rc = s_bind_json (stmt, 3, response);
    sqlite3_bind_int64 (stmt, 4, now);
    if (rc) {
        qf_store__stmt (stmt);
        return rc;
    }
    return s_change (self, stmt, "record a risk's response");
}

int
qf_store_risk_review_date (qf_store_t *self, int64_t id, const char *review, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_REVIEW_DATE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, review, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    return s_change (self, stmt, "set a risk's review date");
}

int
qf_store_risk_close (qf_store_t *self, int64_t id, const char *by, const char *reason, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_CLOSE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    sqlite3_bind_text (stmt, 3, by ? by : "", -1, SQLITE_STATIC);
    qf_store__bind_opt_text (stmt, 4, reason);
    return s_change (self, stmt, "close risk");
}

int
qf_store_risk_list (qf_store_t *self, const char *type, const char *level, const char *state,
                    int64_t after, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_LIST);
    qf_store__bind_opt_text (stmt, 1, type);
    qf_store__bind_opt_text (stmt, 2, level);
    qf_store__bind_opt_text (stmt, 3, state);
    sqlite3_bind_int64 (stmt, 4, after);
    sqlite3_bind_int (stmt, 5, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, (void *)s_json_columns,
                                "list risks", list_p);
}

int
qf_store_risk_assessment_add (qf_store_t *self, int64_t risk_id, json_t *scoring,
                              const char *reason, const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_ASSESSMENT_ADD);
    sqlite3_bind_int64 (stmt, 1, risk_id);
    sqlite3_bind_int64 (stmt, 2, json_integer_value (json_object_get (scoring, "likelihood")));
    sqlite3_bind_int64 (stmt, 3, json_integer_value (json_object_get (scoring, "impact")));
    sqlite3_bind_int64 (stmt, 4, json_integer_value (json_object_get (scoring, "score")));
    qf_store__bind_text_arg (stmt, 5, scoring, "level");
    sqlite3_bind_double (stmt, 6, json_number_value (json_object_get (scoring, "expected_loss")));
    qf_store__bind_opt_text (stmt, 7, reason);
    sqlite3_bind_text (stmt, 8, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 9, now);
    return s_change (self, stmt, "add a risk assessment");
}

int
qf_store_risk_response_add (qf_store_t *self, int64_t risk_id, const char *strategy,
                            json_t *details, const char *note, const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_RESPONSE_ADD);
    sqlite3_bind_int64 (stmt, 1, risk_id);
    sqlite3_bind_text (stmt, 2, strategy, -1, SQLITE_STATIC);
    int rc = s_bind_json (stmt, 3, details);
    qf_store__bind_opt_text (stmt, 4, note);
    sqlite3_bind_text (stmt, 5, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 6, now);
    if (rc) {
        qf_store__stmt (stmt);
        return rc;
    }
    return s_change (self, stmt, "add a risk response");
}

int
qf_store_risk_review_add (qf_store_t *self, int64_t risk_id, const char *note, const char *next,
                          const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_REVIEW_ADD);
    sqlite3_bind_int64 (stmt, 1, risk_id);
    sqlite3_bind_text (stmt, 2, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, next, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, now);
    return s_change (self, stmt, "add a risk review");
}

int
qf_store_risk_action_add (qf_store_t *self, int64_t risk_id, const char *text, const char *owner,
                          const char *due, const char *by, int64_t now, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_ACTION_ADD);
    sqlite3_bind_int64 (stmt, 1, risk_id);
    sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, due, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, now);
    sqlite3_bind_text (stmt, 6, by ? by : "", -1, SQLITE_STATIC);
    int rc = s_change (self, stmt, "add a risk action");
    if (rc == 0 && id_p)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_risk_action_get (qf_store_t *self, int64_t id, json_t **action_p)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_ACTION_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__row_json (self, stmt, qf_store__row_object, NULL, "read risk action",
                               action_p);
}

int
qf_store_risk_action_done (qf_store_t *self, int64_t id, const char *by, const char *note,
                           int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, RS_ACTION_DONE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    sqlite3_bind_text (stmt, 3, by ? by : "", -1, SQLITE_STATIC);
    qf_store__bind_opt_text (stmt, 4, note);
    return s_change (self, stmt, "finish a risk action");
}

int
qf_store_risk_rows (qf_store_t *self, int64_t risk_id, const char *what, json_t **list_p)
{
    risk_stmt_t index = strcmp (what, "assessments") == 0 ? RS_ASSESSMENTS
                        : strcmp (what, "responses") == 0 ? RS_RESPONSES
                        : strcmp (what, "reviews") == 0   ? RS_REVIEWS
                                                          : RS_ACTIONS;
    sqlite3_stmt *stmt = s_stmt (self, index);
    sqlite3_bind_int64 (stmt, 1, risk_id);
    return qf_store__rows_json (self, stmt, qf_store__row_object, (void *)s_json_columns,
                                "read a risk's rows", list_p);
}
