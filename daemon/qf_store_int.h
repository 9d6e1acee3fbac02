/*  qf_store_int — the store's insides, shared by the files of the store
    module only: the engine (daemon/qf_store*.c) and the modules' store
    parts (daemon/modules/NAME/NAME_store.c): the struct, the prepared
    statements of a module, and the statement helpers. Nothing else
    includes this but tests; the rest of the daemon sees qf_store.h. */
#ifndef QF_STORE_INT_H
#define QF_STORE_INT_H

#include <assert.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "qf_module.h"
#include "qf_store.h"

#define QF_STORE_STMT_MAX  96 /* room for qf_store.c's statements */
#define QF_STORE_PARTS_MAX 32 /* room for the modules' statement sets */

/* A module's statements, declared once by its store part as a constant:
   the SQL of each, by the index the module gives it. The module's
   store_open hands it to qf_store__prepare, which prepares every one
   once, at open; qf_store__part_stmt gives one back, ready to bind. No
   statement is ever built from input. */
typedef struct {
    const char *owner;      /* the module's name, for messages */
    const char *const *sql; /* `count` statements, by the module's index */
    int count;
} qf_store_sql_t;

/* A statement set prepared at open: whose it is and its statements. */
typedef struct {
    const qf_store_sql_t *sql; /* the module's declaration (its key) */
    sqlite3_stmt **stmts;      /* sql->count prepared statements, owned */
} qf_store_part_t;

/* An event appended in the open transaction, kept to publish after commit. */
typedef struct {
    uint64_t seq;
    char id[QF_EVENT_ID_SIZE + 1];
    int64_t time;
    char *topic;
    char *subject;
    char *payload;
    size_t payload_size;
} qf_pending_t;

/* The store. Owned by the server; one per process. */
struct qf_store_t {
    sqlite3 *db;                            /* the connection */
    sqlite3_stmt *stmts[QF_STORE_STMT_MAX]; /* qf_store.c's prepared statements */
    char *path;                             /* database file */
    int lock_fd;                            /* flock()ed <path>.lock, -1 when none */
    bool in_txn;                            /* inside BEGIN .. COMMIT */
    qf_pending_t *pending;                  /* events appended in this transaction */
    size_t pending_count;
    size_t pending_cap;
    size_t savepoint_mark;   /* pending_count at the last savepoint */
    qf_pending_t *committed; /* events of the last commit, for the server */
    size_t committed_count;
    uint64_t last_seq;      /* highest committed seq */
    uint64_t generation;    /* qf_store_generation */
    int64_t last_time;      /* time of the newest event appended: the next is not older */
    bool seq_above_log;     /* retention may have deleted the event of last_seq: the
                               next event gets last_seq + 1 by name, not the table's
                               max (seq) + 1 */
    uint8_t id_prefix[8];   /* random per open: event ids are unique */
    uint64_t id_counter;    /* ... with this counter */
    pthread_t checkpointer; /* folds the WAL into the database */
    bool checkpointer_running;
    atomic_bool checkpointer_stop;
    pthread_mutex_t checkpointer_lock; /* with the condition, to wake it for stop */
    pthread_cond_t checkpointer_wake;
    atomic_bool checkpointing;    /* the checkpointer has its connection and runs */
    atomic_uint checkpoints_done; /* checkpoints that left no frame behind in the WAL */
    int64_t full_since;           /* wall ms of the first commit refused for want of space; 0:
                                     commits are written */
    uint64_t full_refused;        /* commits refused since full_since */
    unsigned full_checkpoints;    /* checkpoints_done before the last commit that failed */
    unsigned begin_checkpoints;   /* checkpoints_done before the open transaction began */
    int64_t begin_changes;        /* sqlite3_total_changes64 then */
    bool low_space;               /* little space left: the loop checkpoints at each commit */
    int64_t space_checked;        /* monotonic ms of the last look at free space */
    int64_t checkpoint_ns;        /* time the loop spent checkpointing since it last asked */
    int wal_pages;                /* pages in the WAL after the last commit */
    qf_store_part_t parts[QF_STORE_PARTS_MAX]; /* the modules' prepared statements */
    int part_count;
    const qf_module_t *const *modules; /* the modules the store was opened with */

    /* qf_store_timers.c's part: its prepared statements. */
    struct qf_store_timers_t *timers;
};

/*  Logs a SQLite failure with context and maps it to a QF_E* code. */
int qf_store__fail (qf_store_t *self, const char *what);

/*  Runs a statement that returns no rows, then resets it. */
int qf_store__exec (qf_store_t *self, sqlite3_stmt *stmt, const char *what);

/*  Resets a statement and clears its bindings for the next use. */
static inline sqlite3_stmt *
qf_store__stmt (sqlite3_stmt *stmt)
{
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    return stmt;
}

/*  The integer in the first column of a bound statement's first row,
    `none` when there is no row or it is NULL; then resets the statement. */
static inline int
qf_store__int_or (qf_store_t *self, sqlite3_stmt *stmt, int64_t none, int64_t *value_p,
                  const char *what)
{
    int rc = sqlite3_step (stmt);
    *value_p = (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
                   ? sqlite3_column_int64 (stmt, 0)
                   : none;
    sqlite3_reset (stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : qf_store__fail (self, what);
}

/*  Prepares a module's statements, each once, and keeps them until the
    store is destroyed; called from the module's store_open. Fills error
    (naming the module and the statement) on failure. */
int qf_store__prepare (qf_store_t *self, const qf_store_sql_t *sql, char *error, size_t error_size);

/*  Statement `index` of a module's set, reset and cleared, ready to bind.
    The set must have been prepared (a programming error otherwise). The
    sets are few (one per module): found by a short scan of pointers. */
static inline sqlite3_stmt *
qf_store__part_stmt (qf_store_t *self, const qf_store_sql_t *sql, int index)
{
    for (int i = 0; i < self->part_count; i++)
        if (self->parts[i].sql == sql)
            return qf_store__stmt (self->parts[i].stmts[index]);
    assert (!"statement set not prepared: the module's store_open must prepare it");
    return NULL;
}

/*  Binding helpers for records given as JSON arguments: a text (empty when
    absent; bound without a copy, so `args` must be left as it is until the
    statement has run), a number (NULL when absent), a date YYYY-MM-DD as a
    day number (0 when absent), and a text that may be NULL. */
void qf_store__bind_text_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key);
void qf_store__bind_real_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key);
void qf_store__bind_date_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key);
void qf_store__bind_opt_text (sqlite3_stmt *stmt, int index, const char *text);

/*  Runs a bound statement and makes each row a JSON value with row(stmt,
    arg) into a new array (*list_p, caller owns). Resets the statement. */
typedef json_t *(qf_store_row_fn)(sqlite3_stmt *stmt, void *arg);
/*  A row converter for qf_store__rows_json: the row as an object keyed by
    column name, each value by its SQLite type; a text column whose name
    is in `arg` (a NULL-terminated list of names, or NULL) holds JSON text
    and is parsed. NULL when a value cannot be built. */
json_t *qf_store__row_object (sqlite3_stmt *stmt, void *arg);

/*  A row converter for qf_store__rows_json: column 0 holds a record as
    JSON text (made by SQLite's json_object, so that a column is named
    once, in its statement), parsed; `arg` is not used. */
json_t *qf_store__row_text (sqlite3_stmt *stmt, void *arg);

int qf_store__rows_json (qf_store_t *self, sqlite3_stmt *stmt, qf_store_row_fn *row, void *arg,
                         const char *what, json_t **list_p);

/*  Runs a bound statement whose rows are (key, count, sum) and hands each
    to fn(arg, ...), stopping at its first nonzero answer. Resets it. */
int qf_store__tally (qf_store_t *self, sqlite3_stmt *stmt, qf_store_tally_fn *fn, void *arg,
                     const char *what);

/*  The first row of a bound statement made JSON with row(stmt, arg)
    (*record_p, caller owns); QF_ENOTFOUND when there is none. Resets the
    statement. */
int qf_store__row_json (qf_store_t *self, sqlite3_stmt *stmt, qf_store_row_fn *row, void *arg,
                        const char *what, json_t **record_p);

/*  The timers part (qf_store_timers.c): prepares and finalizes its
    statements; called by qf_store_new and qf_store_destroy. */
int qf_store_timers_open (qf_store_t *self, char *error, size_t error_size);
void qf_store_timers_close (qf_store_t *self);

#endif
