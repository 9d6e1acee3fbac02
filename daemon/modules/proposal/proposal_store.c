/*  proposal_store — the store's proposal part (§6.2, §5.3): its tables
    (its own migration 1), their statements, prepared once at open, and
    the functions that run them. */
#include "proposal/proposal_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <string.h>

/* The part's schema. Append only: never edit one that has shipped. */
const char *const qf_proposal_migrations[QF_PROPOSAL_MIGRATIONS] = {
    "CREATE TABLE proposals ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  customer_id INTEGER NOT NULL,"
    "  owner TEXT NOT NULL,"      /* the customer's salesperson when it was made */
    "  state TEXT NOT NULL,"      /* draft sent accepted rejected withdrawn */
    "  version INTEGER NOT NULL," /* the current version */
    "  flagged TEXT,"             /* why it is flagged now; NULL: it is not */
    "  created INTEGER NOT NULL, created_by TEXT NOT NULL, updated INTEGER NOT NULL,"
    "  sent INTEGER, sent_by TEXT, closed INTEGER, closed_by TEXT);"
    "CREATE INDEX proposals_customer ON proposals (customer_id, id);"
    "CREATE INDEX proposals_owner ON proposals (owner, id);"
    "CREATE TABLE proposal_versions ("
    "  proposal_id INTEGER NOT NULL REFERENCES proposals (id),"
    "  version INTEGER NOT NULL,"
    "  lines TEXT NOT NULL, steps TEXT NOT NULL, services TEXT NOT NULL," /* JSON arrays */
    "  delivery TEXT NOT NULL, total REAL NOT NULL, note TEXT NOT NULL,"
    "  changed TEXT NOT NULL," /* JSON array: what differs from the version before */
    "  who TEXT NOT NULL, role TEXT NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY (proposal_id, version));"
    "CREATE TABLE proposal_lines ("
    "  proposal_id INTEGER NOT NULL, version INTEGER NOT NULL,"
    "  qualification_id INTEGER NOT NULL,"
    "  PRIMARY KEY (proposal_id, version, qualification_id));"
    "CREATE INDEX proposal_lines_qualification ON proposal_lines (qualification_id, proposal_id);"
    "CREATE TABLE proposal_approvals ("
    "  proposal_id INTEGER NOT NULL, version INTEGER NOT NULL, percent REAL NOT NULL,"
    "  who TEXT NOT NULL, role TEXT NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY (proposal_id, version));"
    "CREATE TABLE proposal_flags ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  proposal_id INTEGER NOT NULL, qualification_id INTEGER NOT NULL,"
    "  reason TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX proposal_flags_proposal ON proposal_flags (proposal_id, id);",
};

typedef enum {
    PS_INSERT,
    PS_GET,
    PS_MOVE,
    PS_VERSION_ADD,
    PS_VERSION_CURRENT,
    PS_LINE_ADD,
    PS_VERSIONS,
    PS_HOLDING_OPEN,
    PS_HOLDING_ACCEPTED,
    PS_APPROVE,
    PS_APPROVALS,
    PS_FLAG_ADD,
    PS_FLAG_SET,
    PS_FLAGS,
    PS_LIST,
    PS_LIST_CUSTOMER,
    PS_LIST_OWNER,
    PS_COUNT
} proposal_stmt_t;

/* A proposal with its current version's total and delivery date. */
#define PROPOSAL_SELECT                                                                            \
    "SELECT p.id, p.customer_id, p.owner, p.state, p.version, p.flagged, p.created,"               \
    " p.created_by, p.updated, p.sent, p.sent_by, p.closed, p.closed_by, v.total, v.delivery"      \
    " FROM proposals p LEFT JOIN proposal_versions v"                                              \
    " ON v.proposal_id = p.id AND v.version = p.version"
/* The filters and order every list shares. */
#define LIST_REST                                                                                  \
    " AND (?2 = 0 OR p.customer_id = ?2) AND (?3 IS NULL OR p.owner = ?3)"                         \
    " AND (?4 IS NULL OR p.state = ?4 OR (?4 = 'open' AND p.state IN ('draft', 'sent')))"          \
    " ORDER BY p.id LIMIT ?5"
#define HOLDING                                                                                    \
    "SELECT p.id FROM proposal_lines l JOIN proposals p"                                           \
    " ON p.id = l.proposal_id AND p.version = l.version WHERE l.qualification_id = ?1"             \
    " AND p.id <> ?2 AND "

static const char *const s_sql[PS_COUNT] = {
    [PS_INSERT] = "INSERT INTO proposals (customer_id, owner, state, version, created, created_by,"
                  " updated) VALUES (?1, ?2, 'draft', 0, ?3, ?4, ?3)",
    [PS_GET] = PROPOSAL_SELECT " WHERE p.id = ?1",
    /* The times and people of a move, by the state it reaches. */
    [PS_MOVE] = "UPDATE proposals SET state = ?3, updated = ?5,"
                " sent = CASE WHEN ?3 = 'sent' THEN ?5 ELSE sent END,"
                " sent_by = CASE WHEN ?3 = 'sent' THEN ?4 ELSE sent_by END,"
                " closed = CASE WHEN ?3 IN ('accepted', 'rejected', 'withdrawn') THEN ?5"
                " ELSE closed END,"
                " closed_by = CASE WHEN ?3 IN ('accepted', 'rejected', 'withdrawn') THEN ?4"
                " ELSE closed_by END"
                " WHERE id = ?1 AND state = ?2",
    [PS_VERSION_ADD] =
        "INSERT INTO proposal_versions (proposal_id, version, lines, steps, services,"
        " delivery, total, note, changed, who, role, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [PS_VERSION_CURRENT] = "UPDATE proposals SET version = ?2, state = ?3, flagged = NULL,"
                           " updated = ?4 WHERE id = ?1 AND version = ?2 - 1",
    [PS_LINE_ADD] = "INSERT OR IGNORE INTO proposal_lines (proposal_id, version, qualification_id)"
                    " VALUES (?1, ?2, ?3)",
    [PS_VERSIONS] = "SELECT version, lines, steps, services, delivery, total, note, changed,"
                    " who AS \"by\", role, at FROM proposal_versions WHERE proposal_id = ?1"
                    " ORDER BY version",
    [PS_HOLDING_OPEN] = HOLDING "p.state IN ('draft', 'sent') ORDER BY p.id",
    [PS_HOLDING_ACCEPTED] = HOLDING "p.state = 'accepted' ORDER BY p.id",
    [PS_APPROVE] = "INSERT INTO proposal_approvals (proposal_id, version, percent, who, role, at)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [PS_APPROVALS] = "SELECT version, percent, who AS \"by\", role, at FROM proposal_approvals"
                     " WHERE proposal_id = ?1 ORDER BY version",
    [PS_FLAG_ADD] = "INSERT INTO proposal_flags (proposal_id, qualification_id, reason, at)"
                    " VALUES (?1, ?2, ?3, ?4)",
    [PS_FLAG_SET] = "UPDATE proposals SET flagged = ?2, updated = ?3 WHERE id = ?1",
    [PS_FLAGS] = "SELECT qualification_id, reason, at FROM proposal_flags WHERE proposal_id = ?1"
                 " ORDER BY id",
    /* One statement per leading filter, so that each reads its own index
       (a customer's history, a salesperson's proposals, all by id). */
    [PS_LIST] = PROPOSAL_SELECT " WHERE p.id > ?1" LIST_REST,
    [PS_LIST_CUSTOMER] = PROPOSAL_SELECT " WHERE p.customer_id = ?2 AND p.id > ?1" LIST_REST,
    [PS_LIST_OWNER] = PROPOSAL_SELECT " WHERE p.owner = ?3 AND p.id > ?1" LIST_REST,
};

static const qf_store_sql_t s_statements = {"proposal", s_sql, PS_COUNT};

int
qf_proposal_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, proposal_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

/* Text columns that hold JSON, read back as JSON (qf_store__row_object). */
static const char *const s_json_columns[] = {"lines", "steps", "services", "changed", NULL};

/* The rows of a bound statement, as an array. */
static int
s_rows (qf_store_t *self, sqlite3_stmt *stmt, const char *what, json_t **list_p)
{
    return qf_store__rows_json (self, stmt, qf_store__row_object, (void *)s_json_columns, what,
                                list_p);
}

/* The ids of a bound statement's rows, as an array of integers. */
static json_t *
s_id (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    return json_integer (sqlite3_column_int64 (stmt, 0));
}

int
qf_store_proposal_insert (qf_store_t *self, int64_t customer_id, const char *owner,
                          const char *user, int64_t now, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_INSERT);
    sqlite3_bind_int64 (stmt, 1, customer_id);
    sqlite3_bind_text (stmt, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    sqlite3_bind_text (stmt, 4, user ? user : "", -1, SQLITE_STATIC);
    int rc = qf_store__exec (self, stmt, "insert proposal");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_proposal_get (qf_store_t *self, int64_t id, json_t **proposal_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    json_t *list = NULL;
    int rc = s_rows (self, stmt, "read proposal", &list);
    if (rc == 0 && json_array_size (list) == 0)
        rc = QF_ENOTFOUND;
    if (rc == 0)
        *proposal_p = json_incref (json_array_get (list, 0));
    json_decref (list);
    return rc;
}

int
qf_store_proposal_move (qf_store_t *self, int64_t id, const char *from, const char *to,
                        const char *user, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_MOVE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, user ? user : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, now);
    int rc = qf_store__exec (self, stmt, "move proposal");
    return rc == 0 && sqlite3_changes (self->db) == 0 ? QF_ECONFLICT : rc;
}

/* Binds the JSON value `key` of record as its compact text. */
static int
s_bind_json (sqlite3_stmt *stmt, int index, json_t *record, const char *key)
{
    char *text = json_dumps (json_object_get (record, key), JSON_COMPACT);
    if (!text)
        return QF_ENOMEM;
    sqlite3_bind_text (stmt, index, text, -1, free);
    return 0;
}

int
qf_store_proposal_version_add (qf_store_t *self, int64_t id, int version, json_t *record,
                               const char *state, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_VERSION_CURRENT);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, version);
    sqlite3_bind_text (stmt, 3, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, now);
    int rc = qf_store__exec (self, stmt, "set proposal version");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        return QF_ECONFLICT;
    stmt = s_stmt (self, PS_VERSION_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, version);
    const char *const lists[] = {"lines", "steps", "services"};
    for (int i = 0; rc == 0 && i < 3; i++)
        rc = s_bind_json (stmt, 3 + i, record, lists[i]);
    qf_store__bind_text_arg (stmt, 6, record, "delivery");
    sqlite3_bind_double (stmt, 7, json_number_value (json_object_get (record, "total")));
    qf_store__bind_text_arg (stmt, 8, record, "note");
    if (rc == 0)
        rc = s_bind_json (stmt, 9, record, "changed");
    qf_store__bind_text_arg (stmt, 10, record, "by");
    qf_store__bind_text_arg (stmt, 11, record, "role");
    sqlite3_bind_int64 (stmt, 12, now);
    rc = rc ? (sqlite3_reset (stmt), rc) : qf_store__exec (self, stmt, "add proposal version");
    json_t *lines = json_object_get (record, "lines");
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        stmt = s_stmt (self, PS_LINE_ADD);
        sqlite3_bind_int64 (stmt, 1, id);
        sqlite3_bind_int (stmt, 2, version);
        sqlite3_bind_int64 (
            stmt, 3,
            json_integer_value (json_object_get (json_array_get (lines, i), "qualification_id")));
        rc = qf_store__exec (self, stmt, "add proposal line");
    }
    return rc;
}

int
qf_store_proposal_versions (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_VERSIONS);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_rows (self, stmt, "read proposal versions", list_p);
}

int
qf_store_proposals_holding (qf_store_t *self, int64_t qual_id, bool accepted, int64_t except,
                            json_t **ids_p)
{
    sqlite3_stmt *stmt = s_stmt (self, accepted ? PS_HOLDING_ACCEPTED : PS_HOLDING_OPEN);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int64 (stmt, 2, except);
    return qf_store__rows_json (self, stmt, s_id, NULL, "find proposals holding a qualification",
                                ids_p);
}

int
qf_store_proposal_approve (qf_store_t *self, int64_t id, int version, double percent,
                           const char *who, const char *role, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_APPROVE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, version);
    sqlite3_bind_double (stmt, 3, percent);
    sqlite3_bind_text (stmt, 4, who ? who : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, role, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 6, now);
    return qf_store__exec (self, stmt, "record discount approval");
}

int
qf_store_proposal_approvals (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_APPROVALS);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_rows (self, stmt, "read discount approvals", list_p);
}

int
qf_store_proposal_flag (qf_store_t *self, int64_t id, int64_t qual_id, const char *reason,
                        int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_FLAG_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, qual_id);
    sqlite3_bind_text (stmt, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, now);
    int rc = qf_store__exec (self, stmt, "flag proposal");
    if (rc)
        return rc;
    stmt = s_stmt (self, PS_FLAG_SET);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "flag proposal");
}

int
qf_store_proposal_flags (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, PS_FLAGS);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_rows (self, stmt, "read proposal flags", list_p);
}

int
qf_store_proposal_list (qf_store_t *self, int64_t customer_id, const char *owner, const char *state,
                        int64_t after_id, int limit, json_t **items_p)
{
    sqlite3_stmt *stmt = s_stmt (self, customer_id ? PS_LIST_CUSTOMER
                                       : owner     ? PS_LIST_OWNER
                                                   : PS_LIST);
    sqlite3_bind_int64 (stmt, 1, after_id);
    sqlite3_bind_int64 (stmt, 2, customer_id);
    qf_store__bind_opt_text (stmt, 3, owner);
    qf_store__bind_opt_text (stmt, 4, state);
    sqlite3_bind_int (stmt, 5, limit);
    return s_rows (self, stmt, "list proposals", items_p);
}
