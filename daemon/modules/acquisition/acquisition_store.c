/*  acquisition_store — the store's acquisition part: candidate qualifications and their tracking (§4.1).
    Part of the store module (qf_store_int.h): the candidates and their progress tables
    (created by the engine's migrations 1 to 10, see qf_module.h), their
    statements, prepared once at open, and the functions that run them. */
#include "acquisition/acquisition_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every statement of this part, prepared once at open. */
typedef enum {
    AS_CAND_ADD,
    AS_CAND_GET,
    AS_CAND_LIST,
    AS_CAND_UPDATE,
    AS_CAND_PROGRESS_ADD,
    AS_CAND_PROGRESS,
    AS_COUNT
} acquisition_stmt_t;

static const char *const s_sql[AS_COUNT] = {
    [AS_CAND_ADD] = "INSERT INTO candidates (name, category, industry, authority, source, notes, "
                    "state, created, created_by, updated) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'candidate', ?7, ?8, ?7)",
    [AS_CAND_GET] = "SELECT id, name, category, industry, authority, source, notes, state, "
                    "created, created_by, updated, evaluation, decision, decided_by, via, agency, "
                    "qualification_id FROM candidates WHERE id = ?1",
    [AS_CAND_LIST] = "SELECT id, name, category, industry, authority, source, notes, state, "
                     "created, created_by, updated, evaluation, decision, decided_by, via, "
                     "agency, qualification_id FROM candidates "
                     "WHERE (?1 IS NULL OR state = ?1) ORDER BY id LIMIT ?2",
    [AS_CAND_UPDATE] =
        "UPDATE candidates SET state = coalesce (?2, state), "
        "evaluation = coalesce (?3, evaluation), decision = coalesce (?4, decision), "
        "decided_by = coalesce (?5, decided_by), via = coalesce (?6, via), "
        "agency = coalesce (?7, agency), "
        "qualification_id = coalesce (?8, qualification_id), updated = ?9 "
        "WHERE id = ?1",
    [AS_CAND_PROGRESS_ADD] = "INSERT INTO candidate_progress (candidate_id, time, author, note, "
                             "blocker) VALUES (?1, ?2, ?3, ?4, ?5)",
    [AS_CAND_PROGRESS] = "SELECT time, author, note, blocker FROM candidate_progress "
                         "WHERE candidate_id = ?1 ORDER BY time, rowid",
};

static const qf_store_sql_t s_statements = {"acquisition", s_sql, AS_COUNT};

int
qf_acquisition_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, acquisition_stmt_t id)
{
    return qf_store__part_stmt (self, &s_statements, id);
}

/* The candidate of the current row (without its progress). */
static json_t *
s_row_candidate (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    json_t *c = json_pack (
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "id",
        (json_int_t)sqlite3_column_int64 (stmt, 0), "name", sqlite3_column_text (stmt, 1),
        "category", sqlite3_column_text (stmt, 2), "industry", sqlite3_column_text (stmt, 3),
        "authority", sqlite3_column_text (stmt, 4), "source", sqlite3_column_text (stmt, 5),
        "notes", sqlite3_column_text (stmt, 6), "state", sqlite3_column_text (stmt, 7), "created",
        (json_int_t)sqlite3_column_int64 (stmt, 8), "created_by", sqlite3_column_text (stmt, 9),
        "updated", (json_int_t)sqlite3_column_int64 (stmt, 10));
    if (!c)
        return NULL;
    const char *evaluation = (const char *)sqlite3_column_text (stmt, 11);
    json_t *parsed = evaluation ? json_loads (evaluation, 0, NULL) : NULL;
    json_object_set_new (c, "evaluation", parsed ? parsed : json_null ());
    static const char *keys[] = {"decision", "decided_by", "via", "agency"};
    for (int i = 0; i < 4; i++)
        json_object_set_new (c, keys[i],
                             sqlite3_column_type (stmt, 12 + i) == SQLITE_NULL
                                 ? json_null ()
                                 : json_string ((const char *)sqlite3_column_text (stmt, 12 + i)));
    json_object_set_new (c, "qualification_id",
                         sqlite3_column_type (stmt, 16) == SQLITE_NULL
                             ? json_null ()
                             : json_integer (sqlite3_column_int64 (stmt, 16)));
    return c;
}

int
qf_store_candidate_add (qf_store_t *self, json_t *args, int64_t now, const char *user,
                        int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_CAND_ADD);
    qf_store__bind_text_arg (stmt, 1, args, "name");
    qf_store__bind_text_arg (stmt, 2, args, "category");
    qf_store__bind_text_arg (stmt, 3, args, "industry");
    qf_store__bind_text_arg (stmt, 4, args, "authority");
    qf_store__bind_text_arg (stmt, 5, args, "source");
    qf_store__bind_text_arg (stmt, 6, args, "notes");
    sqlite3_bind_int64 (stmt, 7, now);
    sqlite3_bind_text (stmt, 8, user ? user : "", -1, SQLITE_TRANSIENT);
    int rc = qf_store__exec (self, stmt, "add candidate");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

/* A progress note of the current row (time, author, note, blocker). */
static json_t *
s_row_progress (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    json_t *item =
        json_pack ("{s:I, s:s, s:s}", "time", (json_int_t)sqlite3_column_int64 (stmt, 0), "author",
                   sqlite3_column_text (stmt, 1), "note", sqlite3_column_text (stmt, 2));
    if (item && sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        json_object_set_new (item, "blocker",
                             json_string ((const char *)sqlite3_column_text (stmt, 3)));
    return item;
}

int
qf_store_candidate_get (qf_store_t *self, int64_t id, json_t **candidate_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_CAND_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = sqlite3_step (stmt);
    json_t *c = rc == SQLITE_ROW ? s_row_candidate (stmt, NULL) : NULL;
    sqlite3_reset (stmt);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read candidate");
    if (!c)
        return QF_ENOMEM;
    stmt = s_stmt (self, AS_CAND_PROGRESS);
    sqlite3_bind_int64 (stmt, 1, id);
    json_t *progress = NULL;
    rc = qf_store__rows_json (self, stmt, s_row_progress, NULL, "read candidate progress",
                              &progress);
    if (rc) {
        json_decref (c);
        return rc;
    }
    json_object_set_new (c, "progress", progress);
    *candidate_p = c;
    return 0;
}

int
qf_store_candidates_json (qf_store_t *self, const char *state, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_CAND_LIST);
    qf_store__bind_opt_text (stmt, 1, state);
    sqlite3_bind_int (stmt, 2, limit);
    return qf_store__rows_json (self, stmt, s_row_candidate, NULL, "list candidates", list_p);
}

int
qf_store_candidate_update (qf_store_t *self, int64_t id, const qf_candidate_change_t *change,
                           int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_CAND_UPDATE);
    sqlite3_bind_int64 (stmt, 1, id);
    qf_store__bind_opt_text (stmt, 2, change->state);
    qf_store__bind_opt_text (stmt, 3, change->evaluation);
    qf_store__bind_opt_text (stmt, 4, change->decision);
    qf_store__bind_opt_text (stmt, 5, change->decided_by);
    qf_store__bind_opt_text (stmt, 6, change->via);
    qf_store__bind_opt_text (stmt, 7, change->agency);
    if (change->qualification_id > 0)
        sqlite3_bind_int64 (stmt, 8, change->qualification_id);
    else
        sqlite3_bind_null (stmt, 8);
    sqlite3_bind_int64 (stmt, 9, now);
    return qf_store__exec (self, stmt, "update candidate");
}

int
qf_store_candidate_progress_add (qf_store_t *self, int64_t id, int64_t now, const char *author,
                                 const char *note, const char *blocker)
{
    sqlite3_stmt *stmt = s_stmt (self, AS_CAND_PROGRESS_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    sqlite3_bind_text (stmt, 3, author ? author : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 4, note, -1, SQLITE_TRANSIENT);
    qf_store__bind_opt_text (stmt, 5, blocker);
    return qf_store__exec (self, stmt, "add candidate progress");
}
