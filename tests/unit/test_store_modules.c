/*  The modules' store parts on real SQLite files: each module's own
    migrations, versioned in qf_schema, applied once and in order, each
    with its version bump in one transaction; a database whose module
    version is newer than the binary is refused; a module's statements are
    prepared at open and given back by index (qf_store_int.h). */
#include "qf.h"
#include "qf_module.h"
#include "qf_store.h"
#include "qf_store_int.h"
#include "qf_test.h"

#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

static char s_dir[256];
static char s_path[512];

/* Migration 1 makes a table; migration 2 adds a column. Each also notes
   that it ran in `steps`, so that a second run would show. */
static const char *const s_migrations[] = {
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
    "CREATE TABLE steps (step INTEGER NOT NULL);"
    "INSERT INTO steps VALUES (1);",
    "ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT '';"
    "INSERT INTO steps VALUES (2);",
};

/* The module's statements, prepared at open by its store_open. */
enum { NOTE_ADD, NOTE_COUNT, STEP_COUNT, STMT_COUNT };
static const char *const s_sql[STMT_COUNT] = {
    [NOTE_ADD] = "INSERT INTO notes (text, author) VALUES (?1, ?2)",
    [NOTE_COUNT] = "SELECT count (*) FROM notes",
    [STEP_COUNT] = "SELECT count (*) FROM steps",
};
static const qf_store_sql_t s_statements = {"notes", s_sql, STMT_COUNT};

static int
s_store_open (qf_store_t *store, char *error, size_t error_size)
{
    return qf_store__prepare (store, &s_statements, error, error_size);
}

/* The module at its first version, then at its second. */
static const qf_module_t s_notes_v1 = {
    .name = "notes",
    .title = "a test module",
    .migrations = s_migrations,
    .migration_count = 1,
};
static const qf_module_t s_notes_v2 = {
    .name = "notes",
    .title = "a test module",
    .migrations = s_migrations,
    .migration_count = 2,
    .store_open = s_store_open,
};
static const qf_module_t *const s_list_v1[] = {&s_notes_v1, NULL};
static const qf_module_t *const s_list_v2[] = {&s_notes_v2, NULL};

static void
s_fresh (void)
{
    static int n = 0;
    snprintf (s_path, sizeof s_path, "%s/modules-%d.db", s_dir, ++n);
}

static qf_store_t *
s_open (const qf_module_t *const *modules, char *error, size_t error_size)
{
    qf_store_t *store = qf_store_new_with (s_path, QF_DURABILITY_FULL, modules, error, error_size);
    if (!store)
        printf ("# open failed: %s\n", error);
    return store;
}

/* One integer read from the database file with a connection of its own;
   -1 when the query fails. */
static int64_t
s_query (const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;
    if (sqlite3_open (s_path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW)
        value = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return value;
}

/* A count through one of the module's prepared statements. */
static int64_t
s_count (qf_store_t *store, int index)
{
    int64_t count = -1;
    if (qf_store__int_or (store, qf_store__part_stmt (store, &s_statements, index), -1, &count,
                          "count"))
        return -1;
    return count;
}

QF_TEST (applies_migrations_once_in_order)
{
    s_fresh ();
    char error[512] = "";
    qf_store_t *store = s_open (s_list_v2, error, sizeof error);
    QF_CHECK (store);
    /* Both ran, once each, and the module can use what they made. */
    QF_CHECK_EQ_INT (s_count (store, STEP_COUNT), 2);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    sqlite3_stmt *add = qf_store__part_stmt (store, &s_statements, NOTE_ADD);
    sqlite3_bind_text (add, 1, "hello", -1, SQLITE_STATIC);
    sqlite3_bind_text (add, 2, "zhang", -1, SQLITE_STATIC);
    QF_CHECK_EQ_INT (qf_store__exec (store, add, "add note"), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_store_destroy (&store);
    QF_CHECK_EQ_INT (s_query ("SELECT version FROM qf_schema WHERE module = 'notes'"), 2);
    QF_CHECK_EQ_INT (s_query ("SELECT count (*) FROM notes WHERE author = 'zhang'"), 1);
}

QF_TEST (reopening_applies_nothing)
{
    s_fresh ();
    char error[512] = "";
    qf_store_t *store = s_open (s_list_v2, error, sizeof error);
    QF_CHECK (store);
    qf_store_destroy (&store);
    store = s_open (s_list_v2, error, sizeof error);
    QF_CHECK (store);
    QF_CHECK_EQ_INT (s_count (store, STEP_COUNT), 2);
    qf_store_destroy (&store);
    QF_CHECK_EQ_INT (s_query ("SELECT version FROM qf_schema WHERE module = 'notes'"), 2);
    /* The engine's own version is untouched by a module's. */
    QF_CHECK_EQ_INT (s_query ("PRAGMA user_version"), qf_store_schema_version ());
}

/* A newer binary brings the module's next migration: only it runs. */
QF_TEST (a_later_version_applies_only_what_is_new)
{
    s_fresh ();
    char error[512] = "";
    qf_store_t *store = s_open (s_list_v1, error, sizeof error);
    QF_CHECK (store);
    qf_store_destroy (&store);
    QF_CHECK_EQ_INT (s_query ("SELECT version FROM qf_schema WHERE module = 'notes'"), 1);
    QF_CHECK_EQ_INT (s_query ("SELECT count (*) FROM steps"), 1);
    store = s_open (s_list_v2, error, sizeof error);
    QF_CHECK (store);
    QF_CHECK_EQ_INT (s_count (store, STEP_COUNT), 2);
    QF_CHECK_EQ_INT (s_count (store, NOTE_COUNT), 0);
    qf_store_destroy (&store);
    QF_CHECK_EQ_INT (s_query ("SELECT version FROM qf_schema WHERE module = 'notes'"), 2);
}

QF_TEST (refuses_a_newer_module_version)
{
    s_fresh ();
    char error[512] = "";
    qf_store_t *store = s_open (s_list_v2, error, sizeof error);
    QF_CHECK (store);
    qf_store_destroy (&store);
    /* The database was written by a binary whose module had version 2;
       this one knows version 1 only. */
    store = qf_store_new_with (s_path, QF_DURABILITY_FULL, s_list_v1, error, sizeof error);
    QF_CHECK (store == NULL);
    QF_CHECK (strstr (error, "schema version 2 for module notes") != NULL);
    QF_CHECK (strstr (error, "newer than this qualflowd understands (1)") != NULL);
    QF_CHECK (strstr (error, "run a newer qualflowd") != NULL);
    /* Nothing was changed by the refusal. */
    QF_CHECK_EQ_INT (s_query ("SELECT version FROM qf_schema WHERE module = 'notes'"), 2);
}

/* A migration that fails leaves neither its changes nor its version. */
QF_TEST (a_failing_migration_changes_nothing)
{
    static const char *const broken[] = {
        "CREATE TABLE good (a INTEGER);",
        "CREATE TABLE half (a INTEGER); INSERT INTO no_such_table VALUES (1);",
    };
    static const qf_module_t module = {
        .name = "broken", .title = "a test module", .migrations = broken, .migration_count = 2};
    static const qf_module_t *const list[] = {&module, NULL};
    s_fresh ();
    char error[512] = "";
    qf_store_t *store = qf_store_new_with (s_path, QF_DURABILITY_FULL, list, error, sizeof error);
    QF_CHECK (store == NULL);
    QF_CHECK (strstr (error, "migration 2 of module broken failed") != NULL);
    QF_CHECK (strstr (error, "no_such_table") != NULL);
    QF_CHECK_EQ_INT (s_query ("SELECT version FROM qf_schema WHERE module = 'broken'"), 1);
    QF_CHECK_EQ_INT (s_query ("SELECT count (*) FROM sqlite_master WHERE name = 'good'"), 1);
    QF_CHECK_EQ_INT (s_query ("SELECT count (*) FROM sqlite_master WHERE name = 'half'"), 0);
}

/* The modules linked into the daemon open together on one database. */
QF_TEST (the_linked_modules_open)
{
    s_fresh ();
    char error[512] = "";
    qf_store_t *store = qf_store_new (s_path, QF_DURABILITY_FULL, error, sizeof error);
    QF_CHECK (store);
    qf_store_destroy (&store);
}

/* A module whose count runs ahead of its migrations (a NULL entry) is
   refused, its version not bumped for nothing. */
QF_TEST (a_missing_migration_is_refused)
{
    s_fresh ();
    static const char *const short_list[] = {"CREATE TABLE notes (id INTEGER PRIMARY KEY);",
                                             NULL};
    static const qf_module_t ahead = {
        .name = "notes", .title = "a test module", .migrations = short_list, .migration_count = 2};
    const qf_module_t *const list[] = {&ahead, NULL};
    char error[512] = "";
    qf_store_t *store = qf_store_new_with (s_path, QF_DURABILITY_FULL, list, error, sizeof error);
    QF_CHECK (store == NULL);
    QF_CHECK (strstr (error, "no migration 2") != NULL);
    QF_CHECK_EQ_INT (s_query ("SELECT version FROM qf_schema WHERE module = 'notes'"), 1);
}

/* Contract migration 3 on a database of migration 2: a signed contract
   keeps the price of its version; a draft has none. */
QF_TEST (contract_migration_3_keeps_signed_prices)
{
    s_fresh ();
    char error[512] = "";
    qf_store_t *store = qf_store_new (s_path, QF_DURABILITY_FULL, error, sizeof error);
    QF_CHECK (store);
    qf_store_destroy (&store);
    /* Back to the contract schema of migration 2, with two contracts. */
    sqlite3 *db = NULL;
    QF_CHECK (sqlite3_open (s_path, &db) == SQLITE_OK);
    const char *down =
        "DROP INDEX contracts_signed; ALTER TABLE contracts DROP COLUMN signed_price;"
        "CREATE INDEX contracts_signed ON contracts (signed_on, owner, state, version)"
        "  WHERE signed_on IS NOT NULL;"
        "UPDATE qf_schema SET version = 2 WHERE module = 'contract';"
        "INSERT INTO contracts (id, number, proposal_id, customer_id, owner, state, version,"
        " created, created_by, updated, signed_on) VALUES"
        " (1, 'C1', 1, 1, 'li', 'signed', 2, 0, 'li', 0, '2026-01-15'),"
        " (2, 'C2', 2, 2, 'li', 'draft', 1, 0, 'li', 0, NULL);"
        "INSERT INTO contract_versions (contract_id, version, body, price, delivery, who, role,"
        " at) VALUES (1, 1, '{}', 100, '2026-06-01', 'li', 'sales', 0),"
        " (1, 2, '{}', 250000, '2026-06-01', 'li', 'sales', 0),"
        " (2, 1, '{}', 90000, '2026-06-01', 'li', 'sales', 0);";
    char *message = NULL;
    QF_CHECK (sqlite3_exec (db, down, NULL, NULL, &message) == SQLITE_OK);
    if (message)
        printf ("# %s\n", message);
    sqlite3_free (message);
    sqlite3_close (db);
    store = qf_store_new (s_path, QF_DURABILITY_FULL, error, sizeof error);
    QF_CHECK (store);
    qf_store_destroy (&store);
    QF_CHECK_EQ_INT (s_query ("SELECT version FROM qf_schema WHERE module = 'contract'"), 3);
    QF_CHECK_EQ_INT (s_query ("SELECT signed_price FROM contracts WHERE id = 1"), 250000);
    QF_CHECK_EQ_INT (s_query ("SELECT signed_price IS NULL FROM contracts WHERE id = 2"), 1);
}

int
main (void)
{
    s_test_suite = "store_modules";
    const char *tmp = getenv ("TMPDIR");
    snprintf (s_dir, sizeof s_dir, "%s/store-modules-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp (s_dir))
        return 1;
    QF_RUN (applies_migrations_once_in_order);
    QF_RUN (reopening_applies_nothing);
    QF_RUN (a_later_version_applies_only_what_is_new);
    QF_RUN (refuses_a_newer_module_version);
    QF_RUN (a_failing_migration_changes_nothing);
    QF_RUN (the_linked_modules_open);
    QF_RUN (a_missing_migration_is_refused);
    QF_RUN (contract_migration_3_keeps_signed_prices);
    char cmd[600];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system (cmd) != 0)
        printf ("# could not remove %s\n", s_dir);
    return qf_test_done ();
}
