/*  contract_store — the store's contract part (§6.3): its tables (its own
    migration 1), their statements, prepared once at open, and the
    functions that run them. */
#include "contract/contract_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <stdlib.h>
#include <string.h>

/* The part's schema. Append only: never edit one that has shipped. */
const char *const qf_contract_migrations[QF_CONTRACT_MIGRATIONS] = {
    "CREATE TABLE contract_numbers (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"
    "CREATE TABLE contracts ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  number TEXT NOT NULL UNIQUE,"
    "  proposal_id INTEGER NOT NULL, customer_id INTEGER NOT NULL,"
    "  owner TEXT NOT NULL,"
    "  state TEXT NOT NULL," /* draft in_review returned approved signed delivered cancelled */
    "  version INTEGER NOT NULL, flagged TEXT,"
    "  created INTEGER NOT NULL, created_by TEXT NOT NULL, updated INTEGER NOT NULL,"
    "  signed_on TEXT, signed_copy TEXT, signed_by TEXT,"
    "  delivered_on TEXT, delivered_by TEXT);"
    "CREATE INDEX contracts_customer ON contracts (customer_id, id);"
    "CREATE INDEX contracts_owner ON contracts (owner, id);"
    "CREATE INDEX contracts_proposal ON contracts (proposal_id);"
    "CREATE TABLE contract_versions ("
    "  contract_id INTEGER NOT NULL REFERENCES contracts (id), version INTEGER NOT NULL,"
    "  body TEXT NOT NULL," /* JSON: the contract as drafted in this version */
    "  price REAL NOT NULL, delivery TEXT NOT NULL,"
    "  who TEXT NOT NULL, role TEXT NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY (contract_id, version));"
    "CREATE TABLE contract_lines ("
    "  contract_id INTEGER NOT NULL, version INTEGER NOT NULL,"
    "  qualification_id INTEGER NOT NULL,"
    "  PRIMARY KEY (contract_id, version, qualification_id));"
    "CREATE INDEX contract_lines_qualification ON contract_lines (qualification_id, contract_id);"
    "CREATE TABLE contract_reports ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  contract_id INTEGER NOT NULL, version INTEGER NOT NULL, department TEXT NOT NULL,"
    "  verdict TEXT NOT NULL, findings TEXT NOT NULL," /* JSON array of texts */
    "  who TEXT NOT NULL, role TEXT NOT NULL, from_worker INTEGER NOT NULL,"
    "  counted INTEGER NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX contract_reports_contract ON contract_reports (contract_id, id);"
    "CREATE UNIQUE INDEX contract_reports_counted ON contract_reports"
    "  (contract_id, version, department) WHERE counted = 1;"
    "CREATE TABLE contract_reservations ("
    "  qualification_id INTEGER NOT NULL, period TEXT NOT NULL,"
    "  contract_id INTEGER NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY (qualification_id, period));"
    "CREATE INDEX contract_reservations_contract ON contract_reservations (contract_id);"
    "CREATE TABLE contract_flags ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  contract_id INTEGER NOT NULL, qualification_id INTEGER NOT NULL,"
    "  reason TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX contract_flags_contract ON contract_flags (contract_id, id);"
    "CREATE TABLE receivables ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  contract_id INTEGER NOT NULL, instalment INTEGER NOT NULL,"
    "  due TEXT NOT NULL, amount REAL NOT NULL, paid REAL NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'open'," /* open paid */
    "  created INTEGER NOT NULL,"
    "  UNIQUE (contract_id, instalment));"
    "CREATE TABLE payments ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  receivable_id INTEGER NOT NULL, amount REAL NOT NULL, date TEXT NOT NULL,"
    "  who TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX payments_receivable ON payments (receivable_id, id);",
    /* 2: the signed contracts by date and by customer, covering what the
       assessment's KPIs read (§5.2: sales of a period, first contracts). */
    "CREATE INDEX contracts_signed ON contracts (signed_on, owner, state, version)"
    "  WHERE signed_on IS NOT NULL;"
    "CREATE INDEX contracts_first_signed ON contracts (customer_id, signed_on, owner, state)"
    "  WHERE signed_on IS NOT NULL;",
    /* 3: the price a contract was signed at, kept on it (a signed contract
       has no new version: revise is for drafts), so that the sales of a
       period are read from one covering index without a version each. */
    "ALTER TABLE contracts ADD COLUMN signed_price REAL;"
    "UPDATE contracts SET signed_price = (SELECT v.price FROM contract_versions v"
    "  WHERE v.contract_id = contracts.id AND v.version = contracts.version)"
    "  WHERE signed_on IS NOT NULL;"
    "DROP INDEX contracts_signed;"
    "CREATE INDEX contracts_signed ON contracts (signed_on, owner, state, signed_price)"
    "  WHERE signed_on IS NOT NULL;",
};

typedef enum {
    CS_SEQ_BUMP,
    CS_SEQ_GET,
    CS_INSERT,
    CS_GET,
    CS_FOR_PROPOSAL,
    CS_MOVE,
    CS_SIGNED,
    CS_DELIVERED,
    CS_VERSION_CURRENT,
    CS_VERSION_ADD,
    CS_LINE_ADD,
    CS_VERSIONS,
    CS_REPORT_ADD,
    CS_REPORTS,
    CS_RESERVE,
    CS_RESERVED_BY,
    CS_RELEASE,
    CS_HOLDING,
    CS_FLAG_ADD,
    CS_FLAG_SET,
    CS_FLAGS,
    CS_LIST,
    CS_LIST_CUSTOMER,
    CS_LIST_OWNER,
    CS_RECEIVABLE_FIND,
    CS_RECEIVABLE_ADD,
    CS_RECEIVABLE_GET,
    CS_RECEIVABLES,
    CS_RECEIVABLE_PAY,
    CS_PAYMENT_ADD,
    CS_PAYMENTS,
    CS_SALES_BY_OWNER,
    CS_FIRST_SIGNED_BY_OWNER,
    CS_COUNT
} contract_stmt_t;

/* A contract with its current version's price and delivery date. */
#define CONTRACT_SELECT                                                                            \
    "SELECT c.id, c.number, c.proposal_id, c.customer_id, c.owner, c.state, c.version,"            \
    " c.flagged, c.created, c.created_by, c.updated, c.signed_on, c.signed_copy, c.signed_by,"     \
    " c.delivered_on, c.delivered_by, v.price, v.delivery"                                         \
    " FROM contracts c LEFT JOIN contract_versions v"                                              \
    " ON v.contract_id = c.id AND v.version = c.version"
#define OPEN_STATES "('draft', 'in_review', 'returned', 'approved', 'signed')"
#define LIST_REST                                                                                  \
    " AND (?2 = 0 OR c.customer_id = ?2) AND (?3 IS NULL OR c.owner = ?3)"                         \
    " AND (?4 IS NULL OR c.state = ?4 OR (?4 = 'open' AND c.state IN " OPEN_STATES "))"            \
    " ORDER BY c.id LIMIT ?5"
#define SIGNED_STATES "('signed', 'delivered')"
#define RECEIVABLE_SELECT                                                                          \
    "SELECT id, contract_id, instalment, due, amount, paid, state, created FROM receivables"

static const char *const s_sql[CS_COUNT] = {
    [CS_SALES_BY_OWNER] =
        "SELECT c.owner, COUNT(*), TOTAL(c.signed_price) FROM contracts c"
        " WHERE c.signed_on IS NOT NULL AND c.signed_on BETWEEN ?1 AND ?2 AND c.state IN " SIGNED_STATES
        " AND (?3 IS NULL OR c.owner = ?3) GROUP BY c.owner ORDER BY c.owner",
    /* The customers whose first signed contract is of the period: the
       period's contracts (contracts_signed) with none signed before for
       their customer (contracts_first_signed), not a scan of every
       customer's first contract (11 ms of CPU against 24 on the bench's
       100,000 contracts, warm, one run each). */
    [CS_FIRST_SIGNED_BY_OWNER] =
        "SELECT c.owner, COUNT(DISTINCT c.customer_id), 0 FROM contracts c"
        " WHERE c.signed_on IS NOT NULL AND c.signed_on BETWEEN ?1 AND ?2"
        " AND c.state IN " SIGNED_STATES " AND (?3 IS NULL OR c.owner = ?3)"
        " AND NOT EXISTS (SELECT 1 FROM contracts e WHERE e.customer_id = c.customer_id"
        " AND e.signed_on IS NOT NULL AND e.signed_on < c.signed_on AND e.state IN " SIGNED_STATES ")"
        " GROUP BY c.owner ORDER BY c.owner",
    [CS_SEQ_BUMP] = "INSERT INTO contract_numbers (year, last) VALUES (?1, 1)"
                    " ON CONFLICT (year) DO UPDATE SET last = last + 1",
    [CS_SEQ_GET] = "SELECT last FROM contract_numbers WHERE year = ?1",
    [CS_INSERT] = "INSERT INTO contracts (number, proposal_id, customer_id, owner, state, version,"
                  " created, created_by, updated) VALUES (?1, ?2, ?3, ?4, 'draft', 0, ?5, ?6, ?5)",
    [CS_GET] = CONTRACT_SELECT " WHERE c.id = ?1",
    [CS_FOR_PROPOSAL] =
        "SELECT id FROM contracts WHERE proposal_id = ?1 AND state <> 'cancelled' LIMIT 1",
    [CS_MOVE] = "UPDATE contracts SET state = ?3, updated = ?4 WHERE id = ?1 AND state = ?2",
    [CS_SIGNED] = "UPDATE contracts SET signed_on = ?2, signed_copy = ?3, signed_by = ?4,"
                  " updated = ?5, signed_price = (SELECT v.price FROM contract_versions v"
                  " WHERE v.contract_id = contracts.id AND v.version = contracts.version)"
                  " WHERE id = ?1",
    [CS_DELIVERED] =
        "UPDATE contracts SET delivered_on = ?2, delivered_by = ?3, updated = ?4 WHERE id = ?1",
    [CS_VERSION_CURRENT] = "UPDATE contracts SET version = ?2, state = ?3, flagged = NULL,"
                           " updated = ?4 WHERE id = ?1 AND version = ?2 - 1",
    [CS_VERSION_ADD] = "INSERT INTO contract_versions (contract_id, version, body, price,"
                       " delivery, who, role, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [CS_LINE_ADD] = "INSERT OR IGNORE INTO contract_lines (contract_id, version, qualification_id)"
                    " VALUES (?1, ?2, ?3)",
    [CS_VERSIONS] = "SELECT version, body, who AS \"by\", role, at FROM contract_versions"
                    " WHERE contract_id = ?1 ORDER BY version",
    [CS_REPORT_ADD] = "INSERT INTO contract_reports (contract_id, version, department, verdict,"
                      " findings, who, role, from_worker, counted, at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [CS_REPORTS] = "SELECT version, department, verdict, findings, who AS \"by\", role,"
                   " from_worker, counted, at FROM contract_reports WHERE contract_id = ?1"
                   " ORDER BY id",
    [CS_RESERVE] = "INSERT INTO contract_reservations (qualification_id, period, contract_id, at)"
                   " VALUES (?1, ?2, ?3, ?4)",
    [CS_RESERVED_BY] = "SELECT contract_id FROM contract_reservations"
                       " WHERE qualification_id = ?1 AND period = ?2",
    [CS_RELEASE] = "DELETE FROM contract_reservations WHERE contract_id = ?1",
    [CS_HOLDING] = "SELECT c.id FROM contract_lines l JOIN contracts c"
                   " ON c.id = l.contract_id AND c.version = l.version"
                   " WHERE l.qualification_id = ?1 AND c.state IN " OPEN_STATES " ORDER BY c.id",
    [CS_FLAG_ADD] = "INSERT INTO contract_flags (contract_id, qualification_id, reason, at)"
                    " VALUES (?1, ?2, ?3, ?4)",
    [CS_FLAG_SET] = "UPDATE contracts SET flagged = ?2, updated = ?3 WHERE id = ?1",
    [CS_FLAGS] = "SELECT qualification_id, reason, at FROM contract_flags WHERE contract_id = ?1"
                 " ORDER BY id",
    /* One statement per leading filter, each reading its own index. */
    [CS_LIST] = CONTRACT_SELECT " WHERE c.id > ?1" LIST_REST,
    [CS_LIST_CUSTOMER] = CONTRACT_SELECT " WHERE c.customer_id = ?2 AND c.id > ?1" LIST_REST,
    [CS_LIST_OWNER] = CONTRACT_SELECT " WHERE c.owner = ?3 AND c.id > ?1" LIST_REST,
    [CS_RECEIVABLE_FIND] = "SELECT id FROM receivables WHERE contract_id = ?1 AND instalment = ?2",
    [CS_RECEIVABLE_ADD] = "INSERT INTO receivables (contract_id, instalment, due, amount, created)"
                          " VALUES (?1, ?2, ?3, ?4, ?5)",
    [CS_RECEIVABLE_GET] = RECEIVABLE_SELECT " WHERE id = ?1",
    [CS_RECEIVABLES] = RECEIVABLE_SELECT " WHERE contract_id = ?1 ORDER BY instalment",
    [CS_RECEIVABLE_PAY] =
        "UPDATE receivables SET paid = round(paid + ?2, 2),"
        " state = CASE WHEN round(paid + ?2, 2) >= amount THEN 'paid' ELSE 'open' END"
        " WHERE id = ?1",
    [CS_PAYMENT_ADD] = "INSERT INTO payments (receivable_id, amount, date, who, at)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
    [CS_PAYMENTS] = "SELECT amount, date, who AS \"by\", at FROM payments"
                    " WHERE receivable_id = ?1 ORDER BY id",
};

static const qf_store_sql_t s_statements = {"contract", s_sql, CS_COUNT};

int
qf_contract_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

static sqlite3_stmt *
s_stmt (qf_store_t *self, contract_stmt_t index)
{
    return qf_store__part_stmt (self, &s_statements, index);
}

/* Text columns that hold JSON, read back as JSON (qf_store__row_object). */
static const char *const s_json_columns[] = {"body", "findings", NULL};

static int
s_rows (qf_store_t *self, sqlite3_stmt *stmt, const char *what, json_t **list_p)
{
    return qf_store__rows_json (self, stmt, qf_store__row_object, (void *)s_json_columns, what,
                                list_p);
}

/* The one row of a bound statement; QF_ENOTFOUND when none. */
static int
s_one (qf_store_t *self, sqlite3_stmt *stmt, const char *what, json_t **record_p)
{
    return qf_store__row_json (self, stmt, qf_store__row_object, (void *)s_json_columns, what,
                               record_p);
}

static json_t *
s_id (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    return json_integer (sqlite3_column_int64 (stmt, 0));
}

/* Runs a bound statement that must change a row; QF_ECONFLICT when none. */
static int
s_change (qf_store_t *self, sqlite3_stmt *stmt, const char *what)
{
    int rc = qf_store__exec (self, stmt, what);
    return rc == 0 && sqlite3_changes (self->db) == 0 ? QF_ECONFLICT : rc;
}

static void
s_bind_user (sqlite3_stmt *stmt, int index, const char *user)
{
    sqlite3_bind_text (stmt, index, user ? user : "", -1, SQLITE_STATIC);
}

int
qf_store_contract_next_seq (qf_store_t *self, int year, int64_t *seq_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_SEQ_BUMP);
    sqlite3_bind_int (stmt, 1, year);
    int rc = qf_store__exec (self, stmt, "take a contract number");
    if (rc)
        return rc;
    stmt = s_stmt (self, CS_SEQ_GET);
    sqlite3_bind_int (stmt, 1, year);
    return qf_store__int_or (self, stmt, 0, seq_p, "read a contract number");
}

int
qf_store_contract_insert (qf_store_t *self, const char *number, int64_t proposal_id,
                          int64_t customer_id, const char *owner, const char *user, int64_t now,
                          int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_INSERT);
    sqlite3_bind_text (stmt, 1, number, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, proposal_id);
    sqlite3_bind_int64 (stmt, 3, customer_id);
    sqlite3_bind_text (stmt, 4, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, now);
    s_bind_user (stmt, 6, user);
    int rc = qf_store__exec (self, stmt, "insert contract");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_contract_get (qf_store_t *self, int64_t id, json_t **contract_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_one (self, stmt, "read contract", contract_p);
}

int
qf_store_contract_for_proposal (qf_store_t *self, int64_t proposal_id, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_FOR_PROPOSAL);
    sqlite3_bind_int64 (stmt, 1, proposal_id);
    return qf_store__int_or (self, stmt, 0, id_p, "find a proposal's contract");
}

int
qf_store_contract_move (qf_store_t *self, int64_t id, const char *from, const char *to, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_MOVE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, now);
    return s_change (self, stmt, "move contract");
}

int
qf_store_contract_signed (qf_store_t *self, int64_t id, const char *date, const char *copy,
                          const char *user, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_SIGNED);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, date, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, copy, -1, SQLITE_STATIC);
    s_bind_user (stmt, 4, user);
    sqlite3_bind_int64 (stmt, 5, now);
    return s_change (self, stmt, "record signing");
}

int
qf_store_contract_delivered (qf_store_t *self, int64_t id, const char *date, const char *user,
                             int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_DELIVERED);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, date, -1, SQLITE_STATIC);
    s_bind_user (stmt, 3, user);
    sqlite3_bind_int64 (stmt, 4, now);
    return s_change (self, stmt, "record delivery");
}

int
qf_store_contract_version_add (qf_store_t *self, int64_t id, int version, json_t *body,
                               const char *state, const char *user, const char *role, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_VERSION_CURRENT);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, version);
    sqlite3_bind_text (stmt, 3, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, now);
    int rc = s_change (self, stmt, "set contract version");
    if (rc)
        return rc;
    char *text = json_dumps (body, JSON_COMPACT);
    if (!text)
        return QF_ENOMEM;
    stmt = s_stmt (self, CS_VERSION_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, version);
    sqlite3_bind_text (stmt, 3, text, -1, free);
    sqlite3_bind_double (stmt, 4, json_number_value (json_object_get (body, "price")));
    qf_store__bind_text_arg (stmt, 5, body, "delivery");
    s_bind_user (stmt, 6, user);
    sqlite3_bind_text (stmt, 7, role ? role : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 8, now);
    rc = qf_store__exec (self, stmt, "add contract version");
    json_t *lines = json_object_get (body, "lines");
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        stmt = s_stmt (self, CS_LINE_ADD);
        sqlite3_bind_int64 (stmt, 1, id);
        sqlite3_bind_int (stmt, 2, version);
        sqlite3_bind_int64 (
            stmt, 3,
            json_integer_value (json_object_get (json_array_get (lines, i), "qualification_id")));
        rc = qf_store__exec (self, stmt, "add contract line");
    }
    return rc;
}

int
qf_store_contract_versions (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_VERSIONS);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_rows (self, stmt, "read contract versions", list_p);
}

int
qf_store_contract_report_add (qf_store_t *self, int64_t id, int version, const char *department,
                              const char *verdict, json_t *findings, const char *user,
                              const char *role, bool from_worker, bool counted, int64_t now)
{
    char *text = json_dumps (findings, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (self, CS_REPORT_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, version);
    sqlite3_bind_text (stmt, 3, department, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, verdict, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, text, -1, free);
    s_bind_user (stmt, 6, user);
    sqlite3_bind_text (stmt, 7, role ? role : "", -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 8, from_worker);
    sqlite3_bind_int (stmt, 9, counted);
    sqlite3_bind_int64 (stmt, 10, now);
    return qf_store__exec (self, stmt, "add contract report");
}

int
qf_store_contract_reports (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_REPORTS);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_rows (self, stmt, "read contract reports", list_p);
}

int
qf_store_contract_reserve (qf_store_t *self, int64_t qual_id, const char *period, int64_t id,
                           int64_t now)
{
    int64_t holder = 0;
    int rc = qf_store_contract_reserved_by (self, qual_id, period, &holder);
    if (rc || holder)
        return rc ? rc : holder == id ? 0 : QF_ECONFLICT;
    sqlite3_stmt *stmt = s_stmt (self, CS_RESERVE);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_text (stmt, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, id);
    sqlite3_bind_int64 (stmt, 4, now);
    return qf_store__exec (self, stmt, "reserve qualification");
}

int
qf_store_contract_reserved_by (qf_store_t *self, int64_t qual_id, const char *period, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_RESERVED_BY);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_text (stmt, 2, period ? period : "", -1, SQLITE_STATIC);
    return qf_store__int_or (self, stmt, 0, id_p, "read reservation");
}

int
qf_store_contract_release (qf_store_t *self, int64_t id)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_RELEASE);
    sqlite3_bind_int64 (stmt, 1, id);
    return qf_store__exec (self, stmt, "release reservations");
}

int
qf_store_contracts_holding (qf_store_t *self, int64_t qual_id, json_t **ids_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_HOLDING);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    return qf_store__rows_json (self, stmt, s_id, NULL, "find contracts holding a qualification",
                                ids_p);
}

int
qf_store_contract_flag (qf_store_t *self, int64_t id, int64_t qual_id, const char *reason,
                        int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_FLAG_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, qual_id);
    sqlite3_bind_text (stmt, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, now);
    int rc = qf_store__exec (self, stmt, "flag contract");
    if (rc)
        return rc;
    stmt = s_stmt (self, CS_FLAG_SET);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "flag contract");
}

int
qf_store_contract_flags (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_FLAGS);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_rows (self, stmt, "read contract flags", list_p);
}

int
qf_store_contract_list (qf_store_t *self, int64_t customer_id, const char *owner, const char *state,
                        int64_t after_id, int limit, json_t **items_p)
{
    sqlite3_stmt *stmt = s_stmt (self, customer_id ? CS_LIST_CUSTOMER
                                       : owner     ? CS_LIST_OWNER
                                                   : CS_LIST);
    sqlite3_bind_int64 (stmt, 1, after_id);
    sqlite3_bind_int64 (stmt, 2, customer_id);
    qf_store__bind_opt_text (stmt, 3, owner);
    qf_store__bind_opt_text (stmt, 4, state);
    sqlite3_bind_int (stmt, 5, limit);
    return s_rows (self, stmt, "list contracts", items_p);
}

int
qf_store_receivable_add (qf_store_t *self, int64_t id, int instalment, const char *due,
                         double amount, int64_t now, int64_t *receivable_p, bool *added_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_RECEIVABLE_FIND);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, instalment);
    int rc = qf_store__int_or (self, stmt, 0, receivable_p, "find receivable");
    *added_p = false;
    if (rc || *receivable_p)
        return rc;
    stmt = s_stmt (self, CS_RECEIVABLE_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, instalment);
    sqlite3_bind_text (stmt, 3, due, -1, SQLITE_STATIC);
    sqlite3_bind_double (stmt, 4, amount);
    sqlite3_bind_int64 (stmt, 5, now);
    rc = qf_store__exec (self, stmt, "add receivable");
    if (rc == 0) {
        *receivable_p = sqlite3_last_insert_rowid (self->db);
        *added_p = true;
    }
    return rc;
}

int
qf_store_receivable_get (qf_store_t *self, int64_t receivable_id, json_t **record_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_RECEIVABLE_GET);
    sqlite3_bind_int64 (stmt, 1, receivable_id);
    return s_one (self, stmt, "read receivable", record_p);
}

int
qf_store_receivables (qf_store_t *self, int64_t id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_RECEIVABLES);
    sqlite3_bind_int64 (stmt, 1, id);
    return s_rows (self, stmt, "read receivables", list_p);
}

int
qf_store_receivable_pay (qf_store_t *self, int64_t receivable_id, double amount, const char *date,
                         const char *user, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_RECEIVABLE_PAY);
    sqlite3_bind_int64 (stmt, 1, receivable_id);
    sqlite3_bind_double (stmt, 2, amount);
    int rc = s_change (self, stmt, "record payment");
    if (rc)
        return rc;
    stmt = s_stmt (self, CS_PAYMENT_ADD);
    sqlite3_bind_int64 (stmt, 1, receivable_id);
    sqlite3_bind_double (stmt, 2, amount);
    sqlite3_bind_text (stmt, 3, date, -1, SQLITE_STATIC);
    s_bind_user (stmt, 4, user);
    sqlite3_bind_int64 (stmt, 5, now);
    return qf_store__exec (self, stmt, "record payment");
}

int
qf_store_payments (qf_store_t *self, int64_t receivable_id, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, CS_PAYMENTS);
    sqlite3_bind_int64 (stmt, 1, receivable_id);
    return s_rows (self, stmt, "read payments", list_p);
}

/* Figures for other modules (the §5.2 KPIs) ------------------------------------ */

/* Binds the period and the optional owner of a by-owner figure. */
static sqlite3_stmt *
s_by_owner (qf_store_t *self, contract_stmt_t index, const char *from, const char *to,
            const char *owner)
{
    sqlite3_stmt *stmt = s_stmt (self, index);
    sqlite3_bind_text (stmt, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 2, to, -1, SQLITE_TRANSIENT);
    qf_store__bind_opt_text (stmt, 3, owner);
    return stmt;
}

int
qf_store_contract_sales_by_owner (qf_store_t *self, const char *from, const char *to,
                                  const char *owner, qf_store_tally_fn *fn, void *arg)
{
    return qf_store__tally (self, s_by_owner (self, CS_SALES_BY_OWNER, from, to, owner), fn, arg,
                            "read the sales per salesperson");
}

int
qf_store_contract_new_customers_by_owner (qf_store_t *self, const char *from, const char *to,
                                          const char *owner, qf_store_tally_fn *fn, void *arg)
{
    return qf_store__tally (self, s_by_owner (self, CS_FIRST_SIGNED_BY_OWNER, from, to, owner), fn,
                            arg, "read the new customers per salesperson");
}
