/*  qf_store_int — the store's insides, shared by the files of the store
    module only (qf_store.c, qf_store_custody.c, qf_store_timers.c): the
    struct and the statement helpers. Nothing outside daemon/qf_store*.c includes this. */
#ifndef QF_STORE_INT_H
#define QF_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "qf_store.h"

#define QF_STORE_STMT_MAX 96 /* room for qf_store.c's statements */

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
    sqlite3_stmt **custody_stmts; /* qf_store_custody.c's prepared statements */

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

/*  The custody part (qf_store_custody.c): prepares and finalizes its
    statements; called by qf_store_new and qf_store_destroy. */
int qf_store_custody_open (qf_store_t *self, char *error, size_t error_size);
void qf_store_custody_close (qf_store_t *self);

/*  The timers part (qf_store_timers.c): prepares and finalizes its
    statements; called by qf_store_new and qf_store_destroy. */
int qf_store_timers_open (qf_store_t *self, char *error, size_t error_size);
void qf_store_timers_close (qf_store_t *self);

#endif
