/*  incident_store — the store's incident part (§7.3): incidents, their
    teams, timelines and communication logs (the module's migration 1,
    module.c), their statements, prepared once at open, and the functions
    that run them. The timeline and the log are only ever added to: no
    statement here updates or deletes them, and the schema's triggers
    refuse any that would. */
#include "incident/incident_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <string.h>

typedef enum {
    IS_ADD,
    IS_GET,
    IS_CLOSE,
    IS_LIST,
    IS_MEMBER_ADD,
    IS_TIMELINE_COUNT,
    IS_COMMS_COUNT,
    IS_ACTION_ADD,
    IS_COMM_ADD,
    IS_TEAM,
    IS_TIMELINE,
    IS_COMMS,
    IS_COUNT
} incident_stmt_t;

#define INCIDENT_COLUMNS                                                                           \
    "id, kind, title, summary, contract_id, risk_id, state, opened, opened_by, conclusion,"        \
    " lessons, closed, closed_by"

static const char *const s_sql[IS_COUNT] = {
    [IS_ADD] = "INSERT INTO incidents (kind, title, summary, contract_id, risk_id, state, opened,"
               " opened_by) VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7)",
    [IS_GET] = "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id = ?1",
    [IS_CLOSE] = "UPDATE incidents SET state = 'closed', conclusion = ?2, lessons = ?3,"
                 " closed_by = ?4, closed = ?5 WHERE id = ?1 AND state = 'open'",
    [IS_LIST] = "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE (?1 IS NULL OR state = ?1)"
                " AND (?2 IS NULL OR kind = ?2) AND id > ?3 ORDER BY id LIMIT ?4",
    [IS_MEMBER_ADD] = "INSERT INTO incident_team (incident_id, name, duty, added_by, at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
    [IS_TIMELINE_COUNT] = "SELECT count(*) FROM incident_timeline WHERE incident_id = ?1",
    [IS_COMMS_COUNT] = "SELECT count(*) FROM incident_comms WHERE incident_id = ?1",
    [IS_ACTION_ADD] = "INSERT INTO incident_timeline (incident_id, entry, action, actor, happened,"
                      " happened_ms, recorded_by, recorded)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [IS_COMM_ADD] = "INSERT INTO incident_comms (incident_id, entry, party, who, channel, summary,"
                    " happened, happened_ms, corrects, recorded_by, recorded)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [IS_TEAM] = "SELECT name, duty, added_by, at FROM incident_team WHERE incident_id = ?1"
                " ORDER BY id",
    [IS_TIMELINE] = "SELECT entry, action, actor, happened, recorded_by, recorded"
                    " FROM incident_timeline WHERE incident_id = ?1 ORDER BY entry",
    [IS_COMMS] = "SELECT entry, party, who, channel, summary, happened, corrects, recorded_by,"
                 " recorded FROM incident_comms WHERE incident_id = ?1 ORDER BY entry",
};

static const qf_store_sql_t s_statements = {"incident", s_sql, IS_COUNT};

int
qf_incident_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, incident_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

/* Runs a bound statement that adds or changes one row: QF_ECONFLICT when
   it changes none, or would break a constraint. */
static int
s_change (qf_store_t *self, sqlite3_stmt *stmt, const char *what)
{
    int rc = qf_store__exec (self, stmt, what);
    return rc == 0 && sqlite3_changes (self->db) != 1 ? QF_ECONFLICT : rc;
}

/* Binds an optional id: NULL when absent or 0. */
static void
s_bind_id (sqlite3_stmt *stmt, int index, json_t *value)
{
    if (json_integer_value (value) > 0)
        sqlite3_bind_int64 (stmt, index, json_integer_value (value));
    else
        sqlite3_bind_null (stmt, index);
}

int
qf_store_incident_add (qf_store_t *self, json_t *incident, const char *by, int64_t now,
                       int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, IS_ADD);
    qf_store__bind_text_arg (stmt, 1, incident, "kind");
    qf_store__bind_text_arg (stmt, 2, incident, "title");
    qf_store__bind_text_arg (stmt, 3, incident, "summary");
    s_bind_id (stmt, 4, json_object_get (incident, "contract_id"));
    s_bind_id (stmt, 5, json_object_get (incident, "risk_id"));
    sqlite3_bind_int64 (stmt, 6, now);
    sqlite3_bind_text (stmt, 7, by ? by : "", -1, SQLITE_STATIC);
    int rc = s_change (self, stmt, "open incident");
    if (rc == 0 && id_p)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_incident_get (qf_store_t *self, int64_t id, json_t **incident_p)
{
    sqlite3_stmt *stmt = s_stmt (self, IS_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__row_json (self, stmt, qf_store__row_object, NULL, "read incident", incident_p);
}

int
qf_store_incident_close (qf_store_t *self, int64_t id, const char *conclusion, const char *lessons,
                         const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, IS_CLOSE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, conclusion, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, lessons, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, now);
    return s_change (self, stmt, "close incident");
}

int
qf_store_incident_list (qf_store_t *self, const char *state, const char *kind, int64_t after,
                        int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, IS_LIST);
    qf_store__bind_opt_text (stmt, 1, state);
    qf_store__bind_opt_text (stmt, 2, kind);
    sqlite3_bind_int64 (stmt, 3, after);
    sqlite3_bind_int (stmt, 4, limit);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL, "list incidents", list_p);
}

int
qf_store_incident_member_add (qf_store_t *self, int64_t id, const char *name, const char *duty,
                              const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, IS_MEMBER_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, duty, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, now);
    return s_change (self, stmt, "add a member to an incident's team");
}

int
qf_store_incident_entries (qf_store_t *self, int64_t id, const char *log, int64_t *count_p)
{
    sqlite3_stmt *stmt =
        s_stmt (self, strcmp (log, "timeline") == 0 ? IS_TIMELINE_COUNT : IS_COMMS_COUNT);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__int_or (self, stmt, 0, count_p, "count an incident's entries");
}

int
qf_store_incident_action_add (qf_store_t *self, int64_t id, int64_t entry, const char *action,
                              const char *actor, const char *happened, int64_t happened_ms,
                              const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, IS_ACTION_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, entry);
    sqlite3_bind_text (stmt, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, happened, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 6, happened_ms);
    sqlite3_bind_text (stmt, 7, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 8, now);
    return s_change (self, stmt, "add to an incident's timeline");
}

int
qf_store_incident_comm_add (qf_store_t *self, int64_t id, int64_t n, json_t *entry, const char *by,
                            int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, IS_COMM_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, n);
    qf_store__bind_text_arg (stmt, 3, entry, "party");
    qf_store__bind_text_arg (stmt, 4, entry, "who");
    qf_store__bind_text_arg (stmt, 5, entry, "channel");
    qf_store__bind_text_arg (stmt, 6, entry, "summary");
    qf_store__bind_text_arg (stmt, 7, entry, "happened");
    sqlite3_bind_int64 (stmt, 8, json_integer_value (json_object_get (entry, "happened_ms")));
    s_bind_id (stmt, 9, json_object_get (entry, "corrects"));
    sqlite3_bind_text (stmt, 10, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 11, now);
    return s_change (self, stmt, "add to an incident's communication log");
}

int
qf_store_incident_rows (qf_store_t *self, int64_t id, const char *what, json_t **list_p)
{
    incident_stmt_t index = strcmp (what, "team") == 0       ? IS_TEAM
                            : strcmp (what, "timeline") == 0 ? IS_TIMELINE
                                                             : IS_COMMS;
    sqlite3_stmt *stmt = s_stmt (self, index);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__rows_json (self, stmt, qf_store__row_object, NULL, "read an incident's rows",
                                list_p);
}
