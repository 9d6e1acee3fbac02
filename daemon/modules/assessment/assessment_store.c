/*  The assessment module's store part (assessment_store.h): the
    assessments and the periods announced. The figures they are computed
    from are read through the contract and after-sales modules' store
    functions (assessment_kpi.c). */
#include "assessment/assessment_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <string.h>

/* The part's schema. Append only: never edit one that has shipped. */
const char *const qf_assessment_migrations[QF_ASSESSMENT_MIGRATIONS] = {
    "CREATE TABLE assessments ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  person TEXT NOT NULL, period TEXT NOT NULL,"
    "  rating TEXT NOT NULL, comments TEXT NOT NULL,"
    "  reward TEXT, plan TEXT, goals TEXT, review TEXT,"
    "  scorecard TEXT NOT NULL," /* JSON: the computed scorecard when recorded */
    "  by TEXT NOT NULL, role TEXT NOT NULL, at INTEGER NOT NULL,"
    "  UNIQUE (person, period));"
    "CREATE TABLE assessment_periods (period TEXT PRIMARY KEY, announced INTEGER NOT NULL);",
};

typedef enum { AS_ADD, AS_LIST, AS_ANNOUNCE, AS_COUNT } as_stmt_t;

static const char *const s_sql[AS_COUNT] = {
    [AS_ADD] = "INSERT INTO assessments (person, period, rating, comments, reward, plan, goals,"
               " review, scorecard, by, role, at)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
               " ON CONFLICT (person, period) DO NOTHING",
    [AS_LIST] = "SELECT json_object('id', id, 'person', person, 'period', period, 'rating',"
                " rating, 'comments', comments, 'reward', reward, 'plan', plan, 'goals', goals,"
                " 'review', review, 'scorecard', json(scorecard), 'by', by, 'role', role, 'at',"
                " at) FROM assessments WHERE person = ?1 ORDER BY period",
    /* In parentheses: clang takes two literals of one element for a
       forgotten comma (-Wstring-concatenation) in the fuzz build. */
    [AS_ANNOUNCE] = ("INSERT INTO assessment_periods (period, announced) VALUES (?1, ?2)"
                     " ON CONFLICT (period) DO NOTHING"),
};

static const qf_store_sql_t s_statements = {"assessment", s_sql, AS_COUNT};

int
qf_assessment_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, as_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

int
qf_assessment_store_add (qf_store_t *self, json_t *args, const char *scorecard, const char *who,
                         const char *role, int64_t at, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_ADD);
    const char *keys[] = {"person", "period", "rating", "comments",
                          "reward", "plan",   "goals",  "review"};
    for (int i = 0; i < 8; i++)
        qf_store__bind_text_arg (stmt, i + 1, args, keys[i]);
    sqlite3_bind_text (stmt, 9, scorecard, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 10, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 11, role, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 12, at);
    int rc = qf_store__exec (self, stmt, "record the assessment");
    if (rc)
        return rc;
    if (sqlite3_changes (self->db) == 0)
        return QF_ECONFLICT;
    *id_p = sqlite3_last_insert_rowid (self->db);
    return 0;
}

int
qf_assessment_store_list (qf_store_t *self, const char *person, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_LIST);
    sqlite3_bind_text (stmt, 1, person, -1, SQLITE_TRANSIENT);
    return qf_store__rows_json (self, stmt, qf_store__row_text, NULL, "read the assessments",
                                list_p);
}

int
qf_assessment_store_announce (qf_store_t *self, const char *period, int64_t at)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_ANNOUNCE);
    sqlite3_bind_text (stmt, 1, period, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 2, at);
    int rc = qf_store__exec (self, stmt, "mark the period announced");
    return rc ? rc : sqlite3_changes (self->db) == 0;
}
