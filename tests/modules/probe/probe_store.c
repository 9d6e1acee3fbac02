/*  probe_store — the probe module's store part, on the engine API of
    qf_store_int.h only: nothing in daemon/ names this module. */
#include "probe_store.h"
#include "qf.h"
#include "qf_store_int.h"

typedef enum { PS_NOTE_ADD, PS_NOTE_GET, PS_COUNT } probe_stmt_t;

static const char *const s_sql[PS_COUNT] = {
    [PS_NOTE_ADD] = "INSERT INTO probe_notes (text, author, created) VALUES (?1, ?2, ?3) "
                    "RETURNING id, text, author, created",
    [PS_NOTE_GET] = "SELECT id, text, author, created FROM probe_notes WHERE id = ?1",
};

static const qf_store_sql_t s_statements = {"probe", s_sql, PS_COUNT};

int
qf_probe_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

/* Steps a bound statement that returns at most one note, then resets it. */
static int
s_note (qf_store_t *store, sqlite3_stmt *stmt, const char *what, json_t **note_p)
{
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *note_p =
            json_pack ("{s:I, s:s, s:s, s:I}", "id", (json_int_t)sqlite3_column_int64 (stmt, 0),
                       "text", (const char *)sqlite3_column_text (stmt, 1), "author",
                       (const char *)sqlite3_column_text (stmt, 2), "created",
                       (json_int_t)sqlite3_column_int64 (stmt, 3));
    else if (rc != SQLITE_DONE)
        rc = qf_store__fail (store, what);
    sqlite3_reset (stmt);
    if (rc == SQLITE_ROW)
        return *note_p ? 0 : QF_ENOMEM;
    return rc == SQLITE_DONE ? QF_ENOTFOUND : rc;
}

int
qf_probe_note_add (qf_store_t *store, const char *text, const char *author, int64_t now,
                   json_t **note_p)
{
    sqlite3_stmt *stmt = qf_store__part_stmt (store, &s_statements, PS_NOTE_ADD);
    sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, author ? author : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    return s_note (store, stmt, "add probe note", note_p);
}

int
qf_probe_note_get (qf_store_t *store, int64_t id, json_t **note_p)
{
    sqlite3_stmt *stmt = qf_store__part_stmt (store, &s_statements, PS_NOTE_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_note (store, stmt, "read probe note", note_p);
}
