/*  feedback_store — the store's feedback part (§6.4): its tables (its own
    migration 1), their statements, prepared once at open, and the
    functions that run them. */
#include "feedback/feedback_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdlib.h>
#include <string.h>

/* The part's schema. Append only: never edit one that has shipped. */
const char *const qf_feedback_migrations[QF_FEEDBACK_MIGRATIONS] = {
    "CREATE TABLE feedback_cases ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  customer_id INTEGER NOT NULL, contract_id INTEGER NOT NULL, callback_id INTEGER NOT NULL,"
    "  source TEXT NOT NULL, kind TEXT NOT NULL, category TEXT NOT NULL,"
    "  department TEXT NOT NULL, severity TEXT NOT NULL, channel TEXT, text TEXT NOT NULL,"
    "  salesperson TEXT, by TEXT NOT NULL, at INTEGER NOT NULL,"
    "  day INTEGER NOT NULL, month INTEGER NOT NULL,"
    "  state TEXT NOT NULL," /* open acknowledged told closed */
    "  owner TEXT, deadline INTEGER NOT NULL, response_due INTEGER NOT NULL,"
    "  routed_at INTEGER, routed_by TEXT,"
    "  responded_at INTEGER, responded_by TEXT, response_ms INTEGER, responded_month INTEGER,"
    "  responded_on_time INTEGER,"
    "  apology TEXT, outcome TEXT, told_channel TEXT, told_at INTEGER, told_by TEXT,"
    "  closed_at INTEGER, closed_by TEXT, closed_on TEXT, closed_month INTEGER,"
    "  resolution_ms INTEGER, closed_on_time INTEGER,"
    "  overdue INTEGER NOT NULL DEFAULT 0, overdue_at INTEGER, updated INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX feedback_cases_callback ON feedback_cases (callback_id, category)"
    "  WHERE callback_id > 0;"
    "CREATE INDEX feedback_cases_customer ON feedback_cases (customer_id, id);"
    "CREATE INDEX feedback_cases_owner ON feedback_cases (owner, id);"
    /* The cases open at an instant, read off these two alone: they cover
       every column the report's two statements name (state too, which
       SQLite does not take from the partial index's condition). */
    "CREATE INDEX feedback_cases_open ON feedback_cases (at, day, overdue, department, state)"
    "  WHERE state <> 'closed';"
    "CREATE INDEX feedback_cases_closed ON feedback_cases"
    "  (closed_at, at, day, overdue_at, department) WHERE closed_at IS NOT NULL;"
    "CREATE INDEX feedback_cases_responded_month ON feedback_cases"
    "  (responded_month, response_ms, responded_on_time, department)"
    "  WHERE responded_month IS NOT NULL;"
    "CREATE INDEX feedback_cases_closed_month ON feedback_cases"
    "  (closed_month, resolution_ms, closed_on_time, department) WHERE closed_month IS NOT NULL;"
    "CREATE TABLE feedback_findings ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL,"
    "  text TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX feedback_findings_case ON feedback_findings (case_id, id);"
    "CREATE TABLE feedback_counts ("
    "  month INTEGER NOT NULL, category TEXT NOT NULL, severity TEXT NOT NULL,"
    "  kind TEXT NOT NULL, department TEXT NOT NULL,"
    "  opened INTEGER NOT NULL DEFAULT 0, overdue INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (month, category, severity)) WITHOUT ROWID;"
    "CREATE TABLE feedback_scores ("
    "  callback_id INTEGER PRIMARY KEY, contract_id INTEGER NOT NULL,"
    "  customer_id INTEGER NOT NULL, salesperson TEXT, month INTEGER NOT NULL,"
    "  score INTEGER NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE feedback_satisfaction ("
    "  month INTEGER NOT NULL, dimension TEXT NOT NULL, key TEXT NOT NULL,"
    "  count INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,"
    "  s1 INTEGER NOT NULL DEFAULT 0, s2 INTEGER NOT NULL DEFAULT 0,"
    "  s3 INTEGER NOT NULL DEFAULT 0, s4 INTEGER NOT NULL DEFAULT 0,"
    "  s5 INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (month, dimension, key)) WITHOUT ROWID;"
    "CREATE TABLE feedback_digests ("
    "  day INTEGER PRIMARY KEY, fired INTEGER NOT NULL DEFAULT 0, at INTEGER NOT NULL);",
};

typedef enum {
    FS_CALLBACK_HAS,
    FS_INSERT,
    FS_GET,
    FS_ROUTED,
    FS_RESPOND,
    FS_ASSIGN,
    FS_FINDING_ADD,
    FS_FINDINGS,
    FS_TELL,
    FS_CLOSE,
    FS_OVERDUE,
    FS_OVERDUE_COUNT,
    FS_LIST,
    FS_LIST_CUSTOMER,
    FS_LIST_OWNER,
    FS_LIST_OPEN,
    FS_OPEN_OF,
    FS_COUNT_OPENED,
    FS_SCORE_ADD,
    FS_SATISFACTION_ADD,
    FS_SATISFACTION,
    FS_COUNTS,
    FS_RESPONSE_TIMES,
    FS_RESOLUTION_TIMES,
    FS_OPEN_NOW,
    FS_CLOSED_AFTER,
    FS_DIGEST_PENDING,
    FS_DIGEST_MARK,
    FS_STMT_COUNT
} feedback_stmt_t;

#define CASE_SELECT "SELECT * FROM feedback_cases"
#define LIST_REST                                                                                  \
    " AND (?2 = 0 OR customer_id = ?2) AND (?3 IS NULL OR owner = ?3)"                             \
    " AND (?4 IS NULL OR kind = ?4)"                                                               \
    " AND (?5 IS NULL OR state = ?5 OR (?5 = 'open' AND state <> 'closed')"                        \
    "      OR (?5 = 'overdue' AND state <> 'closed' AND overdue = 1))"                             \
    " ORDER BY id LIMIT ?6"

static const char *const s_sql[FS_STMT_COUNT] = {
    [FS_CALLBACK_HAS] = "SELECT id FROM feedback_cases WHERE callback_id = ?1 AND category = ?2"
                        " AND callback_id > 0",
    [FS_INSERT] =
        "INSERT INTO feedback_cases (customer_id, contract_id, callback_id, source, kind,"
        " category, department, severity, channel, text, salesperson, by, at, day, month, state,"
        " owner, deadline, response_due, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, ?13, ?14, ?15, 'open', ?16, ?17, ?18, ?13)",
    [FS_GET] = CASE_SELECT " WHERE id = ?1",
    [FS_ROUTED] = "UPDATE feedback_cases SET routed_at = ?3, routed_by = ?2"
                  " WHERE id = ?1 AND routed_at IS NULL",
    [FS_RESPOND] = "UPDATE feedback_cases SET responded_at = ?3, responded_by = ?2,"
                   " response_ms = ?4, responded_month = ?5, responded_on_time = ?6,"
                   " state = CASE state WHEN 'open' THEN 'acknowledged' ELSE state END,"
                   " updated = ?3 WHERE id = ?1 AND responded_at IS NULL",
    [FS_ASSIGN] = "UPDATE feedback_cases SET owner = ?2, updated = ?3 WHERE id = ?1",
    [FS_FINDING_ADD] =
        "INSERT INTO feedback_findings (case_id, text, by, at) VALUES (?1, ?2, ?3, ?4)",
    [FS_FINDINGS] = "SELECT text, by, at FROM feedback_findings WHERE case_id = ?1 ORDER BY id",
    [FS_TELL] = "UPDATE feedback_cases SET apology = ?2, outcome = ?3, told_channel = ?4,"
                " told_at = ?5, told_by = ?6, state = 'told', updated = ?7"
                " WHERE id = ?1 AND state IN ('open', 'acknowledged')",
    [FS_CLOSE] = "UPDATE feedback_cases SET closed_at = ?3, closed_by = ?2, closed_on = ?4,"
                 " closed_month = ?5, resolution_ms = ?6, closed_on_time = ?7, state = 'closed',"
                 " updated = ?3 WHERE id = ?1 AND state = 'told'",
    [FS_OVERDUE] = "UPDATE feedback_cases SET overdue = 1, overdue_at = ?2, updated = ?2"
                   " WHERE id = ?1 AND state <> 'closed' AND overdue = 0",
    [FS_OVERDUE_COUNT] = "UPDATE feedback_counts SET overdue = overdue + 1"
                         " WHERE (month, category, severity) ="
                         " (SELECT month, category, severity FROM feedback_cases WHERE id = ?1)",
    /* One statement per leading filter, each reading its own index. */
    [FS_LIST] = CASE_SELECT " WHERE id > ?1" LIST_REST,
    [FS_LIST_CUSTOMER] = CASE_SELECT " WHERE customer_id = ?2 AND id > ?1" LIST_REST,
    [FS_LIST_OWNER] = CASE_SELECT " WHERE owner = ?3 AND id > ?1" LIST_REST,
    [FS_LIST_OPEN] = CASE_SELECT " WHERE state <> 'closed' AND id > ?1" LIST_REST,
    [FS_OPEN_OF] = "SELECT id, kind, category, severity, state, owner,"
                   " date(deadline * 86400, 'unixepoch') AS deadline, overdue"
                   " FROM feedback_cases WHERE customer_id = ?1 AND state <> 'closed'"
                   " ORDER BY id",
    [FS_COUNT_OPENED] =
        "INSERT INTO feedback_counts (month, category, severity, kind, department, opened)"
        " VALUES (?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT (month, category, severity)"
        " DO UPDATE SET opened = opened + 1",
    [FS_SCORE_ADD] = "INSERT OR IGNORE INTO feedback_scores (callback_id, contract_id,"
                     " customer_id, salesperson, month, score, at)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [FS_SATISFACTION_ADD] =
        "INSERT INTO feedback_satisfaction (month, dimension, key, count, total, s1, s2, s3,"
        " s4, s5) VALUES (?1, ?2, ?3, 1, ?4, ?4 = 1, ?4 = 2, ?4 = 3, ?4 = 4, ?4 = 5)"
        " ON CONFLICT (month, dimension, key) DO UPDATE SET count = count + 1,"
        " total = total + ?4, s1 = s1 + (?4 = 1), s2 = s2 + (?4 = 2), s3 = s3 + (?4 = 3),"
        " s4 = s4 + (?4 = 4), s5 = s5 + (?4 = 5)",
    [FS_SATISFACTION] = "SELECT dimension, key, sum(count), sum(total), sum(s1), sum(s2),"
                        " sum(s3), sum(s4), sum(s5) FROM feedback_satisfaction"
                        " WHERE month BETWEEN ?1 AND ?2 GROUP BY dimension, key"
                        " ORDER BY dimension, key",
    [FS_COUNTS] = "SELECT category, kind, department, severity, sum(opened), sum(overdue)"
                  " FROM feedback_counts WHERE month BETWEEN ?1 AND ?2"
                  " GROUP BY category, severity ORDER BY category, severity",
    [FS_RESPONSE_TIMES] =
        "SELECT response_ms, responded_on_time, department FROM feedback_cases"
        " WHERE responded_month BETWEEN ?1 AND ?2 AND responded_month IS NOT NULL",
    [FS_RESOLUTION_TIMES] = "SELECT resolution_ms, closed_on_time, department FROM feedback_cases"
                            " WHERE closed_month BETWEEN ?1 AND ?2 AND closed_month IS NOT NULL",
    /* Open at an instant: still open, or closed after it (two index reads). */
    [FS_OPEN_NOW] = "SELECT day, overdue, department FROM feedback_cases"
                    " WHERE state <> 'closed' AND at <= ?1",
    [FS_CLOSED_AFTER] = "SELECT day, overdue_at IS NOT NULL AND overdue_at <= ?1, department"
                        " FROM feedback_cases WHERE closed_at > ?1 AND closed_at IS NOT NULL"
                        " AND at <= ?1",
    [FS_DIGEST_PENDING] = "SELECT count(*) FROM feedback_digests WHERE fired = 0",
    [FS_DIGEST_MARK] = "INSERT INTO feedback_digests (day, fired, at) VALUES (?1, ?2, ?3)"
                       " ON CONFLICT (day) DO UPDATE SET fired = ?2, at = ?3",
};

static const qf_store_sql_t s_statements = {"feedback", s_sql, FS_STMT_COUNT};

int
qf_feedback_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, feedback_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

/* Runs a bound statement that must change a row; QF_ECONFLICT when none. */
static int
s_change (qf_store_t *self, sqlite3_stmt *stmt, const char *what)
{
    int rc = qf_store__exec (self, stmt, what);
    return rc == 0 && sqlite3_changes (self->db) == 0 ? QF_ECONFLICT : rc;
}

static void
s_text (sqlite3_stmt *stmt, int index, const char *text)
{
    qf_store__bind_opt_text (stmt, index, text);
}

int
qf_store_feedback_insert (qf_store_t *self, const qf_feedback_case_t *row, int64_t *id_p)
{
    sqlite3_stmt *stmt = NULL;
    if (row->callback_id > 0) { /* looked up, so the unique index is never the one to say it */
        int64_t existing = 0;
        stmt = s_stmt (self, FS_CALLBACK_HAS);
        sqlite3_bind_int64 (stmt, 1, row->callback_id);
        s_text (stmt, 2, row->category);
        int rc = qf_store__int_or (self, stmt, 0, &existing, "find a callback's feedback");
        if (rc || existing)
            return rc ? rc : QF_ECONFLICT;
    }
    stmt = s_stmt (self, FS_INSERT);
    sqlite3_bind_int64 (stmt, 1, row->customer_id);
    sqlite3_bind_int64 (stmt, 2, row->contract_id);
    sqlite3_bind_int64 (stmt, 3, row->callback_id);
    s_text (stmt, 4, row->source);
    s_text (stmt, 5, row->kind);
    s_text (stmt, 6, row->category);
    s_text (stmt, 7, row->department);
    s_text (stmt, 8, row->severity);
    s_text (stmt, 9, row->channel);
    s_text (stmt, 10, row->text);
    s_text (stmt, 11, row->salesperson);
    s_text (stmt, 12, row->by ? row->by : "");
    sqlite3_bind_int64 (stmt, 13, row->at);
    sqlite3_bind_int (stmt, 14, row->day);
    sqlite3_bind_int (stmt, 15, row->month);
    s_text (stmt, 16, row->owner);
    sqlite3_bind_int (stmt, 17, row->deadline);
    sqlite3_bind_int (stmt, 18, row->response_due);
    int rc = qf_store__exec (self, stmt, "insert feedback");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_feedback_get (qf_store_t *self, int64_t id, json_t **case_p)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__row_json (self, stmt, qf_store__row_object, NULL, "read feedback", case_p);
}

int
qf_store_feedback_routed (qf_store_t *self, int64_t id, const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_ROUTED);
    sqlite3_bind_int64 (stmt, 1, id);
    s_text (stmt, 2, by ? by : "");
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "record a case routed");
}

int
qf_store_feedback_respond (qf_store_t *self, int64_t id, const char *by, int64_t now,
                           int64_t response_ms, int month, bool on_time, bool *first_p)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_RESPOND);
    sqlite3_bind_int64 (stmt, 1, id);
    s_text (stmt, 2, by ? by : "");
    sqlite3_bind_int64 (stmt, 3, now);
    sqlite3_bind_int64 (stmt, 4, response_ms);
    sqlite3_bind_int (stmt, 5, month);
    sqlite3_bind_int (stmt, 6, on_time);
    int rc = qf_store__exec (self, stmt, "record a case's first response");
    *first_p = rc == 0 && sqlite3_changes (self->db) > 0;
    return rc;
}

int
qf_store_feedback_assign (qf_store_t *self, int64_t id, const char *owner, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_ASSIGN);
    sqlite3_bind_int64 (stmt, 1, id);
    s_text (stmt, 2, owner);
    sqlite3_bind_int64 (stmt, 3, now);
    return s_change (self, stmt, "assign a case");
}

int
qf_store_feedback_finding_add (qf_store_t *self, int64_t id, const char *text, const char *by,
                               int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_FINDING_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    s_text (stmt, 2, text);
    s_text (stmt, 3, by ? by : "");
    sqlite3_bind_int64 (stmt, 4, now);
    return qf_store__exec (self, stmt, "add a finding");
}

int
qf_store_feedback_findings (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_FINDINGS);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL, "read findings", list_p);
}

int
qf_store_feedback_tell (qf_store_t *self, int64_t id, const char *apology, const char *outcome,
                        const char *channel, int64_t told_at, const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_TELL);
    sqlite3_bind_int64 (stmt, 1, id);
    s_text (stmt, 2, apology);
    s_text (stmt, 3, outcome);
    s_text (stmt, 4, channel);
    sqlite3_bind_int64 (stmt, 5, told_at);
    s_text (stmt, 6, by ? by : "");
    sqlite3_bind_int64 (stmt, 7, now);
    return s_change (self, stmt, "record the outcome told");
}

int
qf_store_feedback_close (qf_store_t *self, int64_t id, const char *by, int64_t now,
                         const char *closed_on, int month, int64_t resolution_ms, bool on_time)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_CLOSE);
    sqlite3_bind_int64 (stmt, 1, id);
    s_text (stmt, 2, by ? by : "");
    sqlite3_bind_int64 (stmt, 3, now);
    s_text (stmt, 4, closed_on);
    sqlite3_bind_int (stmt, 5, month);
    sqlite3_bind_int64 (stmt, 6, resolution_ms);
    sqlite3_bind_int (stmt, 7, on_time);
    return s_change (self, stmt, "close a case");
}

int
qf_store_feedback_overdue (qf_store_t *self, int64_t id, int64_t now, bool *marked_p)
{
    *marked_p = false;
    sqlite3_stmt *stmt = s_stmt (self, FS_OVERDUE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    int rc = qf_store__exec (self, stmt, "mark a case overdue");
    if (rc || sqlite3_changes (self->db) == 0)
        return rc;
    *marked_p = true;
    stmt = s_stmt (self, FS_OVERDUE_COUNT);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__exec (self, stmt, "count a case overdue");
}

int
qf_store_feedback_list (qf_store_t *self, int64_t customer_id, const char *owner, const char *kind,
                        const char *state, int64_t after_id, int limit, json_t **items_p)
{
    feedback_stmt_t which = customer_id ? FS_LIST_CUSTOMER
                            : owner     ? FS_LIST_OWNER
                            : state && (!strcmp (state, "open") || !strcmp (state, "overdue"))
                                ? FS_LIST_OPEN
                                : FS_LIST;
    sqlite3_stmt *stmt = s_stmt (self, which);
    sqlite3_bind_int64 (stmt, 1, after_id);
    sqlite3_bind_int64 (stmt, 2, customer_id);
    s_text (stmt, 3, owner);
    s_text (stmt, 4, kind);
    s_text (stmt, 5, state);
    sqlite3_bind_int (stmt, 6, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL, "list cases", items_p);
}

int
qf_store_feedback_open_of (qf_store_t *self, int64_t customer_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_OPEN_OF);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL, "read open cases", list_p);
}

int
qf_store_feedback_count_opened (qf_store_t *self, int month, const char *category, const char *kind,
                                const char *department, const char *severity)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_COUNT_OPENED);
    sqlite3_bind_int (stmt, 1, month);
    s_text (stmt, 2, category);
    s_text (stmt, 3, severity);
    s_text (stmt, 4, kind);
    s_text (stmt, 5, department);
    return qf_store__exec (self, stmt, "count a case opened");
}

int
qf_store_feedback_score_add (qf_store_t *self, int64_t callback_id, int64_t contract_id,
                             int64_t customer_id, const char *salesperson, int month, int score,
                             int64_t now, bool *added_p)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_SCORE_ADD);
    sqlite3_bind_int64 (stmt, 1, callback_id);
    sqlite3_bind_int64 (stmt, 2, contract_id);
    sqlite3_bind_int64 (stmt, 3, customer_id);
    s_text (stmt, 4, salesperson);
    sqlite3_bind_int (stmt, 5, month);
    sqlite3_bind_int (stmt, 6, score);
    sqlite3_bind_int64 (stmt, 7, now);
    int rc = qf_store__exec (self, stmt, "record a score");
    *added_p = rc == 0 && sqlite3_changes (self->db) > 0;
    return rc;
}

int
qf_store_feedback_satisfaction_add (qf_store_t *self, int month, const char *dimension,
                                    const char *key, int score)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_SATISFACTION_ADD);
    sqlite3_bind_int (stmt, 1, month);
    s_text (stmt, 2, dimension);
    s_text (stmt, 3, key ? key : "");
    sqlite3_bind_int (stmt, 4, score);
    return qf_store__exec (self, stmt, "add to the satisfaction");
}

/* The text of column `i`, "" when NULL. */
static const char *
s_column_text (sqlite3_stmt *stmt, int i)
{
    const char *text = (const char *)sqlite3_column_text (stmt, i);
    return text ? text : "";
}

/* Steps a bound statement to its end; `row` handles each row and returns
   0 to go on. Resets it. */
static int
s_each (qf_store_t *self, sqlite3_stmt *stmt, const char *what,
        int (*row) (sqlite3_stmt *stmt, void *fn, void *arg), void *fn, void *arg)
{
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int stop = row (stmt, fn, arg);
        if (stop) {
            sqlite3_reset (stmt);
            return stop;
        }
    }
    if (rc != SQLITE_DONE)
        return qf_store__fail (self, what);
    sqlite3_reset (stmt);
    return 0;
}

/* s_each over statement `index` bound to the months m1..m2. */
static int
s_each_month (qf_store_t *self, feedback_stmt_t index, int m1, int m2, const char *what,
              int (*row) (sqlite3_stmt *stmt, void *fn, void *arg), void *fn, void *arg)
{
    sqlite3_stmt *stmt = s_stmt (self, index);
    sqlite3_bind_int (stmt, 1, m1);
    sqlite3_bind_int (stmt, 2, m2);
    return s_each (self, stmt, what, row, fn, arg);
}

static int
s_satisfaction_row (sqlite3_stmt *stmt, void *fn, void *arg)
{
    int64_t scores[5];
    for (int i = 0; i < 5; i++)
        scores[i] = sqlite3_column_int64 (stmt, 4 + i);
    return ((qf_feedback_satisfaction_fn *)fn) (
        arg, s_column_text (stmt, 0), s_column_text (stmt, 1), sqlite3_column_int64 (stmt, 2),
        sqlite3_column_int64 (stmt, 3), scores);
}

int
qf_store_feedback_satisfaction (qf_store_t *self, int m1, int m2, qf_feedback_satisfaction_fn *fn,
                                void *arg)
{
    return s_each_month (self, FS_SATISFACTION, m1, m2, "read the satisfaction", s_satisfaction_row,
                         (void *)fn, arg);
}

static int
s_count_row (sqlite3_stmt *stmt, void *fn, void *arg)
{
    return ((qf_feedback_count_fn *)fn) (
        arg, s_column_text (stmt, 0), s_column_text (stmt, 1), s_column_text (stmt, 2),
        s_column_text (stmt, 3), sqlite3_column_int64 (stmt, 4), sqlite3_column_int64 (stmt, 5));
}

int
qf_store_feedback_counts (qf_store_t *self, int m1, int m2, qf_feedback_count_fn *fn, void *arg)
{
    return s_each_month (self, FS_COUNTS, m1, m2, "read the case counts", s_count_row, (void *)fn,
                         arg);
}

static int
s_time_row (sqlite3_stmt *stmt, void *fn, void *arg)
{
    return ((qf_feedback_time_fn *)fn) (arg, sqlite3_column_int64 (stmt, 0),
                                        sqlite3_column_int (stmt, 1) != 0, s_column_text (stmt, 2));
}

int
qf_store_feedback_times (qf_store_t *self, bool resolution, int m1, int m2, qf_feedback_time_fn *fn,
                         void *arg)
{
    return s_each_month (self, resolution ? FS_RESOLUTION_TIMES : FS_RESPONSE_TIMES, m1, m2,
                         "read the case times", s_time_row, (void *)fn, arg);
}

static int
s_open_row (sqlite3_stmt *stmt, void *fn, void *arg)
{
    return ((qf_feedback_open_fn *)fn) (arg, sqlite3_column_int (stmt, 0),
                                        sqlite3_column_int (stmt, 1) != 0, s_column_text (stmt, 2));
}

int
qf_store_feedback_open_at (qf_store_t *self, int64_t at, qf_feedback_open_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_OPEN_NOW);
    sqlite3_bind_int64 (stmt, 1, at);
    int rc = s_each (self, stmt, "read the open cases", s_open_row, (void *)fn, arg);
    if (rc)
        return rc;
    stmt = s_stmt (self, FS_CLOSED_AFTER);
    sqlite3_bind_int64 (stmt, 1, at);
    return s_each (self, stmt, "read the cases closed since", s_open_row, (void *)fn, arg);
}

int
qf_store_feedback_digest_pending (qf_store_t *self, bool *pending_p)
{
    int64_t count = 0;
    int rc = qf_store__int_or (self, s_stmt (self, FS_DIGEST_PENDING), 0, &count,
                               "read the digest's timer");
    *pending_p = count > 0;
    return rc;
}

int
qf_store_feedback_digest_mark (qf_store_t *self, int32_t day, bool fired, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, FS_DIGEST_MARK);
    sqlite3_bind_int (stmt, 1, day);
    sqlite3_bind_int (stmt, 2, fired);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "mark the digest's timer");
}
