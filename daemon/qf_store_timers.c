/*  qf_store_timers — the store's part for durable timers (qf_timers.h):
    their rows, the pending ones read through a partial index, never all
    at once; only those of kinds that the linked modules declare are due.
    Part of the store module: only the store's files touch sqlite3. */
#include "qf.h"
#include "qf_module.h"
#include "qf_store_int.h"
#include "qf_timers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(QF_TIMER_SUBJECT_MAX == QF_SUBJECT_MAX, "a timer's subject is an event's");

/* Every statement of this part, prepared once at open. */
typedef enum {
    TS_ADD,
    TS_CANCEL,
    TS_DUE,
    TS_PENDING,
    TS_MOVE,
    TS_FIRED,
    TS_NEXT,
    TS_LAST,
    TS_COUNT_KIND,
    TS_KIND_AFTER,
    TS_OF,
    TS_COUNT
} timers_stmt_t;

static const char *const s_sql[TS_COUNT] = {
    [TS_ADD] = "INSERT INTO timers (due, kind, subject, lead_days, anchor, payload, placed) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [TS_CANCEL] = "UPDATE timers SET state = 'cancelled' "
                  "WHERE subject = ?1 AND state = 'pending' AND (?2 IS NULL OR kind = ?2)",
    /* Only kinds a module declares (?3, a JSON array), so that a timer of
       a module no longer linked neither fires nor holds back the others.
       "+kind": the pending timers are read in due order, not by kind. */
    [TS_DUE] = "SELECT id, due, kind, subject, lead_days, anchor, placed, payload FROM timers "
               "WHERE state = 'pending' AND due <= ?1 "
               "AND +kind IN (SELECT value FROM json_each (?3)) ORDER BY due LIMIT ?2",
    /* Placement needs no payload. */
    [TS_PENDING] = "SELECT id, due, kind, subject, lead_days, anchor, placed, NULL FROM timers "
                   "WHERE state = 'pending' AND id > ?1 ORDER BY id LIMIT ?2",
    [TS_MOVE] = "UPDATE timers SET due = ?2, placed = ?3 WHERE id = ?1 AND state = 'pending'",
    [TS_FIRED] = "UPDATE timers SET state = 'fired', fired_at = ?2 WHERE id = ?1",
    [TS_NEXT] = "SELECT due FROM timers WHERE state = 'pending' "
                "AND +kind IN (SELECT value FROM json_each (?1)) ORDER BY due LIMIT 1",
    [TS_LAST] = "SELECT max (due) FROM timers WHERE state = 'pending'",
    [TS_COUNT_KIND] = "SELECT count (*) FROM timers WHERE state = 'pending' AND kind = ?1 "
                      "AND due >= ?2 AND due < ?3",
    [TS_KIND_AFTER] = "SELECT kind FROM timers WHERE state = 'pending' AND kind > ?1 "
                      "ORDER BY kind LIMIT 1",
    [TS_OF] = "SELECT kind, lead_days, due, state, fired_at FROM timers "
              "WHERE subject = ?1 AND state != 'cancelled' ORDER BY due, id",
};

/* Prepared at open like a module's statements (qf_store__prepare). */
static const qf_store_sql_t s_timers_sql = {"timers", s_sql, TS_COUNT};

/* The timers part of a store; owned by the store. */
struct qf_store_timers_t {
    char *kinds; /* the kinds the linked modules declare, as a JSON array of names */
};

/* The kinds every linked module declares, as a new JSON array text. */
static char *
s_kinds_json (void)
{
    json_t *names = json_array ();
    for (const qf_module_t *const *module = qf_modules; names && *module; module++)
        for (const qf_timer_kind_t *kind = (*module)->timer_kinds; kind && kind->name; kind++)
            json_array_append_new (names, json_string (kind->name));
    char *text = names ? json_dumps (names, JSON_COMPACT) : NULL;
    json_decref (names);
    return text;
}

int
qf_store_timers_open (qf_store_t *self, char *error, size_t error_size)
{
    self->timers = calloc (1, sizeof *self->timers);
    if (self->timers)
        self->timers->kinds = s_kinds_json ();
    if (!self->timers || !self->timers->kinds) {
        snprintf (error, error_size, "out of memory");
        return QF_ENOMEM;
    }
    return qf_store__prepare (self, &s_timers_sql, error, error_size);
}

void
qf_store_timers_close (qf_store_t *self)
{
    if (!self->timers)
        return;
    free (self->timers->kinds);
    free (self->timers);
    self->timers = NULL;
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, timers_stmt_t id)
{
    return qf_store__part_stmt (self, &s_timers_sql, (int)id);
}

int
qf_store_timer_add (qf_store_t *self, const qf_timer_t *timer, int64_t now)
{
    char *payload = timer->payload ? json_dumps (timer->payload, JSON_COMPACT) : NULL;
    if (timer->payload && !payload)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (self, TS_ADD);
    sqlite3_bind_int64 (stmt, 1, timer->due);
    sqlite3_bind_text (stmt, 2, timer->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, timer->subject, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 4, timer->lead_days);
    sqlite3_bind_int (stmt, 5, timer->anchor);
    sqlite3_bind_text (stmt, 6, payload ? payload : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 7, now);
    int rc = qf_store__exec (self, stmt, "add timer");
    sqlite3_clear_bindings (stmt); /* before the payload it points to goes */
    free (payload);
    return rc;
}

int
qf_store_timers_cancel (qf_store_t *self, const char *subject, const char *kind)
{
    sqlite3_stmt *stmt = s_stmt (self, TS_CANCEL);
    sqlite3_bind_text (stmt, 1, subject, -1, SQLITE_STATIC);
    if (kind)
        sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
    return qf_store__exec (self, stmt, "cancel timers");
}

void
qf_store_timers_free (qf_timer_t *timers, int count)
{
    for (int i = 0; i < count; i++) {
        json_decref (timers[i].payload);
        timers[i].payload = NULL;
    }
}

/* Reads up to `limit` rows of (id, due, kind, subject, lead_days, anchor,
   placed, payload) from a bound statement; a NULL payload is not read. */
static int
s_timers_read (qf_store_t *self, sqlite3_stmt *stmt, int limit, qf_timer_t *timers, int *count_p)
{
    int rc = SQLITE_DONE, n = 0;
    while (n < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        qf_timer_t *t = &timers[n++];
        t->id = sqlite3_column_int64 (stmt, 0);
        t->due = sqlite3_column_int64 (stmt, 1);
        qf_copy (t->kind, sizeof t->kind, (const char *)sqlite3_column_text (stmt, 2));
        qf_copy (t->subject, sizeof t->subject, (const char *)sqlite3_column_text (stmt, 3));
        t->lead_days = sqlite3_column_int (stmt, 4);
        t->anchor = sqlite3_column_int (stmt, 5);
        t->placed = sqlite3_column_int64 (stmt, 6);
        t->payload = NULL;
        const char *payload = (const char *)sqlite3_column_text (stmt, 7);
        if (!payload)
            continue;
        t->payload = json_loads (payload, 0, NULL);
        /* Written by this module as an object; another text is an edit by
           hand, and the kind's fire function gets an empty object. */
        if (!json_is_object (t->payload)) {
            qf_warn ("database %s: timer %lld (%s of %s) has a payload that is not a JSON "
                     "object: it fires with an empty one",
                     self->path, (long long)t->id, t->kind, t->subject);
            json_decref (t->payload);
            t->payload = json_object ();
        }
        if (!t->payload) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset (stmt);
    if (rc == SQLITE_NOMEM) {
        qf_store_timers_free (timers, n);
        return QF_ENOMEM;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        qf_store_timers_free (timers, n);
        return qf_store__fail (self, "read timers");
    }
    *count_p = n;
    return 0;
}

int
qf_store_timers_due (qf_store_t *self, int64_t now, int limit, qf_timer_t *timers, int *count_p)
{
    sqlite3_stmt *stmt = s_stmt (self, TS_DUE);
    sqlite3_bind_int64 (stmt, 1, now);
    sqlite3_bind_int (stmt, 2, limit);
    sqlite3_bind_text (stmt, 3, self->timers->kinds, -1, SQLITE_STATIC);
    return s_timers_read (self, stmt, limit, timers, count_p);
}

int
qf_store_timers_pending (qf_store_t *self, int64_t after_id, int limit, qf_timer_t *timers,
                         int *count_p)
{
    sqlite3_stmt *stmt = s_stmt (self, TS_PENDING);
    sqlite3_bind_int64 (stmt, 1, after_id);
    sqlite3_bind_int (stmt, 2, limit);
    return s_timers_read (self, stmt, limit, timers, count_p);
}

int
qf_store_timer_move (qf_store_t *self, int64_t id, int64_t due, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, TS_MOVE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, due);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "move timer");
}

int
qf_store_timer_fired (qf_store_t *self, int64_t id, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, TS_FIRED);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    return qf_store__exec (self, stmt, "mark timer fired");
}

int
qf_store_timer_next (qf_store_t *self, int64_t *due_p)
{
    sqlite3_stmt *stmt = s_stmt (self, TS_NEXT);
    sqlite3_bind_text (stmt, 1, self->timers->kinds, -1, SQLITE_STATIC);
    return qf_store__int_or (self, stmt, INT64_MAX, due_p, "read next timer");
}

int
qf_store_timer_last (qf_store_t *self, int64_t *due_p)
{
    return qf_store__int_or (self, s_stmt (self, TS_LAST), INT64_MIN, due_p, "read last timer");
}

int
qf_store_timers_count (qf_store_t *self, const char *kind, int64_t from, int64_t to,
                       int64_t *count_p)
{
    sqlite3_stmt *stmt = s_stmt (self, TS_COUNT_KIND);
    sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, from);
    sqlite3_bind_int64 (stmt, 3, to);
    return qf_store__int_or (self, stmt, 0, count_p, "count timers");
}

int
qf_store_timer_kind_after (qf_store_t *self, const char *after, char kind[QF_TIMER_KIND_MAX + 1])
{
    sqlite3_stmt *stmt = s_stmt (self, TS_KIND_AFTER);
    sqlite3_bind_text (stmt, 1, after, -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        qf_copy (kind, QF_TIMER_KIND_MAX + 1, (const char *)sqlite3_column_text (stmt, 0));
    sqlite3_reset (stmt);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read timer kinds");
}

int
qf_store_timers_json (qf_store_t *self, const char *subject, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, TS_OF);
    sqlite3_bind_text (stmt, 1, subject, -1, SQLITE_STATIC);
    json_t *list = json_array ();
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        json_t *item = json_pack ("{s:s, s:i, s:I, s:s}", "kind", sqlite3_column_text (stmt, 0),
                                  "lead_days", sqlite3_column_int (stmt, 1), "due",
                                  (json_int_t)sqlite3_column_int64 (stmt, 2), "state",
                                  sqlite3_column_text (stmt, 3));
        if (item && sqlite3_column_type (stmt, 4) != SQLITE_NULL)
            json_object_set_new (item, "fired_at", json_integer (sqlite3_column_int64 (stmt, 4)));
        json_array_append_new (list, item);
    }
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        json_decref (list);
        return qf_store__fail (self, "read timers");
    }
    *list_p = list;
    return 0;
}
