/*  policy_store — the store's policy part: policy changes and the suspensions they cause (§7.2).
    Part of the store module (qf_store_int.h): the policies and suspensions tables
    (created by the engine's migrations 1 to 10, see qf_module.h), their
    statements, prepared once at open, and the functions that run them. */
#include "policy/policy_store.h"
#include "qualification/qualification_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every statement of this part, prepared once at open. */
typedef enum {
    PS_POLICY_ADD,
    PS_POLICY_GET,
    PS_POLICY_ACTIVATE,
    PS_POLICY_LIFT,
    PS_POLICIES,
    PS_POLICY_SUSPEND,
    PS_POLICY_SUSPENDED,
    PS_SUSPENSION_HELD,
    PS_SUSPENSION_REVIEW,
    PS_SUSPENSION_REVIEWED,
    PS_POLICY_ACTIVE,
    PS_COUNT
} policy_stmt_t;

static const char *const s_sql[PS_COUNT] = {
    [PS_POLICY_ADD] = "INSERT INTO policies (category, description, effective, state, recorded, "
                      "recorded_by) VALUES (?1, ?2, ?3, ?6, ?4, ?5)",
    [PS_POLICY_GET] = "SELECT id, category, description, effective, state, recorded, "
                      "recorded_by, lifted FROM policies WHERE id = ?1",
    [PS_POLICY_ACTIVATE] = "UPDATE policies SET state = 'active' "
                           "WHERE id = ?1 AND state = 'pending'",
    [PS_POLICY_LIFT] = "UPDATE policies SET state = 'lifted', lifted = ?2 "
                       "WHERE id = ?1 AND state IN ('active', 'pending')",
    [PS_POLICIES] = "SELECT id, category, description, effective, state, recorded, recorded_by, "
                    "lifted FROM policies WHERE (?1 IS NULL OR state = ?1) ORDER BY id LIMIT ?2",
    [PS_POLICY_SUSPEND] = "INSERT OR IGNORE INTO suspensions (policy_id, qualification_id, time) "
                          "SELECT ?1, id, ?3 FROM qualifications WHERE category = ?2 "
                          "AND state NOT IN ('expired', 'rejected')",
    [PS_POLICY_SUSPENDED] = "SELECT qualification_id FROM suspensions WHERE policy_id = ?1 "
                            "ORDER BY qualification_id",
    [PS_SUSPENSION_HELD] = "SELECT 1 FROM suspensions JOIN policies ON policies.id = policy_id "
                           "WHERE qualification_id = ?1 AND policies.state = 'active' LIMIT 1",
    [PS_SUSPENSION_REVIEW] = "UPDATE suspensions SET review_round = ?3 "
                             "WHERE policy_id = ?1 AND qualification_id = ?2",
    [PS_SUSPENSION_REVIEWED] =
        "SELECT policy_id FROM suspensions JOIN policies ON policies.id = policy_id "
        "WHERE qualification_id = ?1 AND review_round = ?2 AND policies.state = 'lifted' "
        "ORDER BY policy_id LIMIT 1",
    [PS_POLICY_ACTIVE] = "SELECT id FROM policies WHERE category = ?1 AND state = 'active' "
                         "ORDER BY id",
};

static const qf_store_sql_t s_statements = {"policy", s_sql, PS_COUNT};

int
qf_policy_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, policy_stmt_t id)
{
    return qf_store__part_stmt (self, &s_statements, id);
}

/* The policy of the current row. */
static json_t *
s_row_policy (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    char effective[16];
    qf_date_format (sqlite3_column_int (stmt, 3), effective, sizeof effective);
    json_t *policy = json_pack (
        "{s:I, s:s, s:s, s:s, s:s, s:I, s:s}", "id", (json_int_t)sqlite3_column_int64 (stmt, 0),
        "category", sqlite3_column_text (stmt, 1), "description", sqlite3_column_text (stmt, 2),
        "effective", effective, "state", sqlite3_column_text (stmt, 4), "recorded",
        (json_int_t)sqlite3_column_int64 (stmt, 5), "recorded_by", sqlite3_column_text (stmt, 6));
    if (policy)
        json_object_set_new (policy, "lifted",
                             sqlite3_column_type (stmt, 7) == SQLITE_NULL
                                 ? json_null ()
                                 : json_integer (sqlite3_column_int64 (stmt, 7)));
    return policy;
}

int
qf_store_policy_add (qf_store_t *self, const char *category, const char *description,
                     int32_t effective, const char *state, int64_t now, const char *user,
                     int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_POLICY_ADD);
    sqlite3_bind_text (stmt, 6, state, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 1, category, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, description, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 3, effective);
    sqlite3_bind_int64 (stmt, 4, now);
    sqlite3_bind_text (stmt, 5, user ? user : "", -1, SQLITE_STATIC);
    int rc = qf_store__exec (self, stmt, "record policy");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_policy_get (qf_store_t *self, int64_t id, json_t **policy_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_POLICY_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *policy_p = s_row_policy (stmt, NULL);
    sqlite3_reset (stmt);
    if (rc == SQLITE_ROW)
        return *policy_p ? 0 : QF_ENOMEM;
    return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read policy");
}

int
qf_store_policy_activate (qf_store_t *self, int64_t id)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_POLICY_ACTIVATE);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = qf_store__exec (self, stmt, "activate policy");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        return QF_ECONFLICT;
    return rc;
}

int
qf_store_policy_lift (qf_store_t *self, int64_t id, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_POLICY_LIFT);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    int rc = qf_store__exec (self, stmt, "lift policy");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        return QF_ECONFLICT;
    return rc;
}

int
qf_store_policies_json (qf_store_t *self, const char *state, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_POLICIES);
    if (state)
        sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int (stmt, 2, limit);
    return qf_store__rows_json (self, stmt, s_row_policy, NULL, "list policies", list_p);
}

/* The id in the first column of the current row. */
static json_t *
s_row_id (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    return json_integer (sqlite3_column_int64 (stmt, 0));
}

/* Runs a one-column integer query bound to (id or text) into a JSON array. */
static int
s_ids (qf_store_t *self, sqlite3_stmt *stmt, json_t **ids_p)
{
    return qf_store__rows_json (self, stmt, s_row_id, NULL, "read ids", ids_p);
}

int
qf_store_policy_suspend (qf_store_t *self, int64_t policy_id, const char *category, int64_t now,
                         json_t **ids_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_POLICY_SUSPEND);
    sqlite3_bind_int64 (stmt, 1, policy_id);
    sqlite3_bind_text (stmt, 2, category, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    int rc = qf_store__exec (self, stmt, "suspend qualifications");
    if (rc == 0)
        rc = qf_store_policy_suspended (self, policy_id, ids_p);
    for (size_t i = 0; rc == 0 && i < json_array_size (*ids_p); i++)
        rc = qf_store_qual_set_suspended (self, json_integer_value (json_array_get (*ids_p, i)),
                                          true, now);
    return rc;
}

int
qf_store_policy_suspended (qf_store_t *self, int64_t policy_id, json_t **ids_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_POLICY_SUSPENDED);
    sqlite3_bind_int64 (stmt, 1, policy_id);
    return s_ids (self, stmt, ids_p);
}

int
qf_store_suspension_held (qf_store_t *self, int64_t qual_id, bool *held_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_SUSPENSION_HELD);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    int64_t held = 0;
    int rc = qf_store__int_or (self, stmt, 0, &held, "read suspensions");
    *held_p = held != 0;
    return rc;
}

int
qf_store_suspension_review (qf_store_t *self, int64_t policy_id, int64_t qual_id, int round)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_SUSPENSION_REVIEW);
    sqlite3_bind_int64 (stmt, 1, policy_id);
    sqlite3_bind_int64 (stmt, 2, qual_id);
    sqlite3_bind_int (stmt, 3, round);
    return qf_store__exec (self, stmt, "record the review of a lifted suspension");
}

int
qf_store_suspension_reviewed (qf_store_t *self, int64_t qual_id, int round, int64_t *policy_id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_SUSPENSION_REVIEWED);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int (stmt, 2, round);
    int rc = qf_store__int_or (self, stmt, 0, policy_id_p, "read suspensions");
    return rc == 0 && *policy_id_p == 0 ? QF_ENOTFOUND : rc;
}

int
qf_store_policies_active (qf_store_t *self, const char *category, json_t **ids_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_POLICY_ACTIVE);
    sqlite3_bind_text (stmt, 1, category, -1, SQLITE_TRANSIENT);
    return s_ids (self, stmt, ids_p);
}
