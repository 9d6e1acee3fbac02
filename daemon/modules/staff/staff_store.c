/*  staff_store — the store's staff part (§5.1, §5.3): the statements on
    the module's tables, prepared once at open, and the functions that run
    them. Records are made as JSON by SQLite (json_object), so that a
    column is named once, in its statement. */
#include "staff/staff_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdlib.h>

/* Every statement of this part, prepared once at open. */
typedef enum {
    ST_PERSON_ADD,
    ST_PERSON_GET,
    ST_PERSON_UPDATE,
    ST_PERSON_LEAVE,
    ST_PERSON_ONBOARDED,
    ST_PEOPLE_LIST,
    ST_PEOPLE_WITH,
    ST_ANY,
    ST_TRAINING_ADD,
    ST_TRAINING_GET,
    ST_TRAINING_LIST,
    ST_ATTEND,
    ST_ATTENDEES,
    ST_ATTENDED,
    ST_VIOLATION_ADD,
    ST_VIOLATION_GET,
    ST_VIOLATIONS,
    ST_COUNT
} staff_stmt_t;

/* A person as JSON, from a row of staff_people. */
#define PERSON_JSON                                                                                \
    "json_object('id', id, 'person', person, 'name', name, 'department', department,"              \
    " 'roles', json(roles), 'supervisor', supervisor, 'started', started, 'status', status,"       \
    " 'left_on', left_on, 'left_reason', left_reason, 'onboarded', onboarded, 'email', email,"     \
    " 'mobile', mobile, 'created', created, 'updated', updated, 'by', by)"
/* A training session as JSON, from a row of staff_training. */
#define TRAINING_JSON                                                                              \
    "json_object('id', id, 'kind', kind, 'topic', topic, 'title', title, 'date', held_on,"         \
    " 'hours', hours, 'trainer', trainer, 'created', created, 'by', by)"
/* A violation as JSON, from a row of staff_violations. */
#define VIOLATION_JSON                                                                             \
    "json_object('id', id, 'person', person, 'type', type, 'severity', severity, 'date',"          \
    " occurred, 'description', description, 'source', source, 'rule', rule, 'details',"            \
    " json(details), 'recorded', recorded, 'by', by)"

static const char *const s_sql[ST_COUNT] = {
    [ST_PERSON_ADD] = "INSERT INTO staff_people (person, name, department, roles, supervisor,"
                      " started, status, onboarded, created, updated, by, email, mobile)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8, ?8, ?9, ?10, ?11)",
    [ST_PERSON_GET] = "SELECT " PERSON_JSON " FROM staff_people WHERE person = ?1",
    [ST_PERSON_UPDATE] =
        "UPDATE staff_people SET name = coalesce(?2, name), department = coalesce(?3,"
        " department), roles = coalesce(?4, roles), supervisor = coalesce(?5, supervisor),"
        " started = coalesce(?6, started), onboarded = coalesce(?7, onboarded), updated = ?8,"
        " by = ?9, email = coalesce(?10, email), mobile = coalesce(?11, mobile)"
        " WHERE person = ?1",
    [ST_PERSON_LEAVE] = "UPDATE staff_people SET status = 'left', left_on = ?2, left_reason = ?3,"
                        " updated = ?5, by = ?4 WHERE person = ?1 AND status = 'active'",
    [ST_PERSON_ONBOARDED] = "UPDATE staff_people SET onboarded = ?2, updated = ?3"
                            " WHERE person = ?1 AND onboarded IS NULL",
    [ST_PEOPLE_LIST] =
        "SELECT " PERSON_JSON " FROM staff_people WHERE id > ?5"
        " AND (?1 IS NULL OR department = ?1)"
        " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(roles) WHERE value = ?2))"
        " AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR supervisor = ?4)"
        " ORDER BY id LIMIT ?6",
    [ST_PEOPLE_WITH] =
        "SELECT " PERSON_JSON " FROM staff_people WHERE status = 'active'"
        " AND (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(roles) WHERE value = ?1))"
        " AND (?2 IS NULL OR department = ?2) ORDER BY person",
    [ST_ANY] = "SELECT EXISTS (SELECT 1 FROM staff_people)",
    [ST_TRAINING_ADD] = "INSERT INTO staff_training (kind, topic, title, held_on, hours, trainer,"
                        " created, by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_TRAINING_GET] = "SELECT " TRAINING_JSON " FROM staff_training WHERE id = ?1",
    [ST_TRAINING_LIST] =
        "SELECT json_set(" TRAINING_JSON ", '$.attendance', (SELECT count(*) FROM"
        " staff_attendance a WHERE a.training_id = staff_training.id)) FROM staff_training"
        " WHERE id > ?5 AND (?1 IS NULL OR kind = ?1)"
        " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM staff_attendance a"
        " WHERE a.training_id = staff_training.id AND a.person = ?2))"
        " AND (?3 IS NULL OR held_on >= ?3) AND (?4 IS NULL OR held_on <= ?4)"
        " ORDER BY id LIMIT ?6",
    [ST_ATTEND] = "INSERT INTO staff_attendance (training_id, person, recorded, by)"
                  " VALUES (?1, ?2, ?3, ?4)",
    [ST_ATTENDEES] = "SELECT json_object('person', person, 'recorded', recorded, 'by', by)"
                     " FROM staff_attendance WHERE training_id = ?1 ORDER BY person",
    [ST_ATTENDED] = "SELECT json_object('id', t.id, 'kind', t.kind, 'topic', t.topic, 'title',"
                    " t.title, 'date', t.held_on, 'hours', t.hours)"
                    " FROM staff_attendance a JOIN staff_training t ON t.id = a.training_id"
                    " WHERE a.person = ?1 AND (?2 IS NULL OR t.held_on >= ?2)"
                    " AND (?3 IS NULL OR t.held_on <= ?3) ORDER BY t.held_on, t.id",
    [ST_VIOLATION_ADD] = "INSERT INTO staff_violations (person, type, severity, occurred,"
                         " description, source, rule, details, recorded, by)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_VIOLATION_GET] = "SELECT " VIOLATION_JSON " FROM staff_violations WHERE id = ?1",
    /* With a person, the index (person, occurred, id) reads only theirs. */
    [ST_VIOLATIONS] = "SELECT " VIOLATION_JSON " FROM staff_violations WHERE id > ?5"
                      " AND (?1 IS NULL OR person = ?1) AND (?2 IS NULL OR occurred >= ?2)"
                      " AND (?3 IS NULL OR occurred <= ?3) AND (?4 IS NULL OR severity = ?4)"
                      " ORDER BY id LIMIT ?6",
};

static const qf_store_sql_t s_statements = {"staff", s_sql, ST_COUNT};

int
qf_staff_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *store, staff_stmt_t index)
{
    return qf_store__part_stmt (store, &s_statements, index);
}

/* The one JSON record of a bound statement; QF_ENOTFOUND when none. */
static int
s_one (qf_store_t *store, sqlite3_stmt *stmt, const char *what, json_t **record_p)
{
    return qf_store__row_json (store, stmt, qf_store__row_text, NULL, what, record_p);
}

/* Every JSON record of a bound statement, as an array. */
static int
s_all (qf_store_t *store, sqlite3_stmt *stmt, const char *what, json_t **list_p)
{
    return qf_store__rows_json (store, stmt, qf_store__row_text, NULL, what, list_p);
}

/* Binds the text of `key` in `object`, NULL when absent. */
static void
s_bind_key (sqlite3_stmt *stmt, int index, json_t *object, const char *key)
{
    qf_store__bind_opt_text (stmt, index, json_string_value (json_object_get (object, key)));
}

/* Runs an INSERT; QF_ECONFLICT when a constraint (a unique key) refuses
   it. Fills *id_p (may be NULL) with the new row's id. */
static int
s_insert (qf_store_t *store, sqlite3_stmt *stmt, const char *what, int64_t *id_p)
{
    qf_store_touch (store); /* as s_update */
    int rc = sqlite3_step (stmt);
    rc = rc == SQLITE_DONE                                           ? 0
         : (sqlite3_errcode (store->db) & 0xff) == SQLITE_CONSTRAINT ? QF_ECONFLICT
                                                                     : qf_store__fail (store, what);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc == 0 && id_p)
        *id_p = sqlite3_last_insert_rowid (store->db);
    return rc;
}

/* Runs an UPDATE, starting a new store generation first: qf_staff_authorize
   keeps the person it read while the generation stays the same. */
static int
s_update (qf_store_t *store, sqlite3_stmt *stmt, const char *what)
{
    qf_store_touch (store);
    int rc = qf_store__exec (store, stmt, what);
    sqlite3_clear_bindings (stmt);
    return rc;
}

/* Runs an UPDATE that must change one row; QF_ECONFLICT when none. */
static int
s_change_one (qf_store_t *store, sqlite3_stmt *stmt, const char *what)
{
    int rc = s_update (store, stmt, what);
    return rc == 0 && sqlite3_changes (store->db) != 1 ? QF_ECONFLICT : rc;
}

/* People -------------------------------------------------------------------- */

int
qf_staff_store_person_add (qf_store_t *store, json_t *person, const char *by, int64_t now)
{
    char *roles = json_dumps (json_object_get (person, "roles"), JSON_COMPACT);
    if (!roles)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (store, ST_PERSON_ADD);
    s_bind_key (stmt, 1, person, "person");
    s_bind_key (stmt, 2, person, "name");
    s_bind_key (stmt, 3, person, "department");
    sqlite3_bind_text (stmt, 4, roles, -1, SQLITE_STATIC);
    s_bind_key (stmt, 5, person, "supervisor");
    s_bind_key (stmt, 6, person, "started");
    s_bind_key (stmt, 7, person, "onboarded");
    sqlite3_bind_int64 (stmt, 8, now);
    qf_store__bind_opt_text (stmt, 9, by);
    s_bind_key (stmt, 10, person, "email");
    s_bind_key (stmt, 11, person, "mobile");
    int rc = s_insert (store, stmt, "add a person to the staff directory", NULL);
    free (roles);
    return rc;
}

int
qf_staff_store_person_get (qf_store_t *store, const char *person, json_t **record_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_PERSON_GET);
    qf_store__bind_opt_text (stmt, 1, person);
    return s_one (store, stmt, "read a person of the staff directory", record_p);
}

int
qf_staff_store_person_update (qf_store_t *store, const char *person, json_t *fields, const char *by,
                              int64_t now)
{
    json_t *list = json_object_get (fields, "roles");
    char *roles = list ? json_dumps (list, JSON_COMPACT) : NULL;
    if (list && !roles)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (store, ST_PERSON_UPDATE);
    qf_store__bind_opt_text (stmt, 1, person);
    s_bind_key (stmt, 2, fields, "name");
    s_bind_key (stmt, 3, fields, "department");
    qf_store__bind_opt_text (stmt, 4, roles);
    s_bind_key (stmt, 5, fields, "supervisor");
    s_bind_key (stmt, 6, fields, "started");
    s_bind_key (stmt, 7, fields, "onboarded");
    sqlite3_bind_int64 (stmt, 8, now);
    qf_store__bind_opt_text (stmt, 9, by);
    s_bind_key (stmt, 10, fields, "email");
    s_bind_key (stmt, 11, fields, "mobile");
    int rc = s_change_one (store, stmt, "update a person of the staff directory");
    free (roles);
    return rc;
}

int
qf_staff_store_person_leave (qf_store_t *store, const char *person, const char *date,
                             const char *reason, const char *by, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_PERSON_LEAVE);
    qf_store__bind_opt_text (stmt, 1, person);
    qf_store__bind_opt_text (stmt, 2, date);
    qf_store__bind_opt_text (stmt, 3, reason);
    qf_store__bind_opt_text (stmt, 4, by);
    sqlite3_bind_int64 (stmt, 5, now);
    return s_change_one (store, stmt, "record that a person left");
}

int
qf_staff_store_person_onboarded (qf_store_t *store, const char *person, const char *date,
                                 int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_PERSON_ONBOARDED);
    qf_store__bind_opt_text (stmt, 1, person);
    qf_store__bind_opt_text (stmt, 2, date);
    sqlite3_bind_int64 (stmt, 3, now);
    return s_update (store, stmt, "record a person's onboarding");
}

int
qf_staff_store_people_list (qf_store_t *store, const char *department, const char *role,
                            const char *status, const char *supervisor, int64_t after, int limit,
                            json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_PEOPLE_LIST);
    qf_store__bind_opt_text (stmt, 1, department);
    qf_store__bind_opt_text (stmt, 2, role);
    qf_store__bind_opt_text (stmt, 3, status);
    qf_store__bind_opt_text (stmt, 4, supervisor);
    sqlite3_bind_int64 (stmt, 5, after);
    sqlite3_bind_int (stmt, 6, limit);
    return s_all (store, stmt, "list the staff directory", list_p);
}

int
qf_staff_store_people_with (qf_store_t *store, const char *role, const char *department,
                            json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_PEOPLE_WITH);
    qf_store__bind_opt_text (stmt, 1, role);
    qf_store__bind_opt_text (stmt, 2, department);
    return s_all (store, stmt, "read the people of a role", list_p);
}

int
qf_staff_store_any (qf_store_t *store, bool *any_p)
{
    int64_t any = 0;
    int rc =
        qf_store__int_or (store, s_stmt (store, ST_ANY), 0, &any, "look into the staff directory");
    *any_p = any != 0;
    return rc;
}

/* Training ------------------------------------------------------------------ */

int
qf_staff_store_training_add (qf_store_t *store, json_t *session, const char *by, int64_t now,
                             int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_TRAINING_ADD);
    s_bind_key (stmt, 1, session, "kind");
    s_bind_key (stmt, 2, session, "topic");
    s_bind_key (stmt, 3, session, "title");
    s_bind_key (stmt, 4, session, "date");
    sqlite3_bind_double (stmt, 5, json_number_value (json_object_get (session, "hours")));
    s_bind_key (stmt, 6, session, "trainer");
    sqlite3_bind_int64 (stmt, 7, now);
    qf_store__bind_opt_text (stmt, 8, by);
    return s_insert (store, stmt, "add a training session", id_p);
}

int
qf_staff_store_training_get (qf_store_t *store, int64_t id, json_t **session_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_TRAINING_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    json_t *session = NULL, *attendees = NULL;
    int rc = s_one (store, stmt, "read a training session", &session);
    if (rc == 0) {
        stmt = s_stmt (store, ST_ATTENDEES);
        sqlite3_bind_int64 (stmt, 1, id);
        rc = s_all (store, stmt, "read a session's attendance", &attendees);
    }
    if (rc == 0 && json_object_set_new (session, "attendees", attendees))
        rc = QF_ENOMEM;
    if (rc)
        json_decref (session);
    else
        *session_p = session;
    return rc;
}

int
qf_staff_store_training_list (qf_store_t *store, const char *kind, const char *person,
                              const char *from, const char *to, int64_t after, int limit,
                              json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_TRAINING_LIST);
    qf_store__bind_opt_text (stmt, 1, kind);
    qf_store__bind_opt_text (stmt, 2, person);
    qf_store__bind_opt_text (stmt, 3, from);
    qf_store__bind_opt_text (stmt, 4, to);
    sqlite3_bind_int64 (stmt, 5, after);
    sqlite3_bind_int (stmt, 6, limit);
    return s_all (store, stmt, "list training sessions", list_p);
}

int
qf_staff_store_attend (qf_store_t *store, int64_t id, const char *person, const char *by,
                       int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_ATTEND);
    sqlite3_bind_int64 (stmt, 1, id);
    qf_store__bind_opt_text (stmt, 2, person);
    sqlite3_bind_int64 (stmt, 3, now);
    qf_store__bind_opt_text (stmt, 4, by);
    return s_insert (store, stmt, "record attendance", NULL);
}

int
qf_staff_store_attended (qf_store_t *store, const char *person, const char *from, const char *to,
                         json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_ATTENDED);
    qf_store__bind_opt_text (stmt, 1, person);
    qf_store__bind_opt_text (stmt, 2, from);
    qf_store__bind_opt_text (stmt, 3, to);
    return s_all (store, stmt, "read a person's training", list_p);
}

/* Conduct ------------------------------------------------------------------- */

int
qf_staff_store_violation_add (qf_store_t *store, json_t *violation, const char *by, int64_t now,
                              int64_t *id_p)
{
    json_t *object = json_object_get (violation, "details");
    char *details = object ? json_dumps (object, JSON_COMPACT) : NULL;
    if (object && !details)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (store, ST_VIOLATION_ADD);
    s_bind_key (stmt, 1, violation, "person");
    s_bind_key (stmt, 2, violation, "type");
    s_bind_key (stmt, 3, violation, "severity");
    s_bind_key (stmt, 4, violation, "date");
    s_bind_key (stmt, 5, violation, "description");
    s_bind_key (stmt, 6, violation, "source");
    s_bind_key (stmt, 7, violation, "rule");
    qf_store__bind_opt_text (stmt, 8, details);
    sqlite3_bind_int64 (stmt, 9, now);
    qf_store__bind_opt_text (stmt, 10, by);
    int rc = s_insert (store, stmt, "record a violation", id_p);
    free (details);
    return rc;
}

int
qf_staff_store_violation_get (qf_store_t *store, int64_t id, json_t **violation_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_VIOLATION_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_one (store, stmt, "read a violation", violation_p);
}

int
qf_staff_store_violations (qf_store_t *store, const char *person, const char *from, const char *to,
                           const char *severity, int64_t after, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (store, ST_VIOLATIONS);
    qf_store__bind_opt_text (stmt, 1, person);
    qf_store__bind_opt_text (stmt, 2, from);
    qf_store__bind_opt_text (stmt, 3, to);
    qf_store__bind_opt_text (stmt, 4, severity);
    sqlite3_bind_int64 (stmt, 5, after);
    sqlite3_bind_int (stmt, 6, limit);
    return s_all (store, stmt, "list violations", list_p);
}
