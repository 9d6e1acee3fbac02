/*  =========================================================================
    qf_sync — makes the loop's commits durable beside the loop

    With `durability: full` the store commits with synchronous=NORMAL: a
    COMMIT writes its WAL frames but does not wait for the disk. This
    module's thread then calls fdatasync on the WAL file, and the loop
    answers, publishes and delivers what a commit made only once the sync
    that covers it has returned (qf_server.c holds them until then). The
    loop meanwhile reads, runs and commits the next batch: the time the
    disk takes to sync overlaps the loop's work instead of stopping it, the
    group commit of PostgreSQL's WAL writer and MySQL's binlog group commit.

    Commits are numbered by the loop (generations, from 1). The loop asks
    for generation G after committing it; one fdatasync issued after G's
    COMMIT returned covers G and every commit before it (WAL frames are
    appended in order to one file), so the thread syncs once for all the
    generations asked for while it was busy, and says which it reached.

    A failed fdatasync is final: Linux may have dropped the pages it could
    not write, so a second try that succeeds proves nothing. The thread
    records the failure and the loop stops the daemon without answering
    what the sync should have covered (qf_server.c), as PostgreSQL does.
    =========================================================================
*/
#ifndef QF_SYNC_H_INCLUDED
#define QF_SYNC_H_INCLUDED

#include <jansson.h>
#include <stdint.h>

typedef struct _qf_sync_t qf_sync_t;

/*  A syncing thread for the WAL file at `wal_path` (opened at the first
    request: SQLite creates it at the first commit). NULL with a message
    in error when the thread or its wake-up descriptor cannot be made. */
qf_sync_t *qf_sync_new (const char *wal_path, char *error, size_t error_size);
/*  Stops the thread after the sync in hand. */
void qf_sync_destroy (qf_sync_t **self_p);

/*  A descriptor that becomes readable when a sync has finished, for the
    loop's poll; qf_sync_done empties it. */
int qf_sync_fd (qf_sync_t *self);

/*  Asks for generation `gen` (committed just now) to be made durable. */
void qf_sync_request (qf_sync_t *self, uint64_t gen);

/*  The highest generation known durable, 0 before the first; empties the
    descriptor. Never blocks. */
uint64_t qf_sync_done (qf_sync_t *self);

/*  The same, without touching the descriptor: for a check between two
    messages of a batch. */
uint64_t qf_sync_peek (qf_sync_t *self);

/*  Waits until generation `gen` is durable or a sync failed; returns the
    highest durable generation. */
uint64_t qf_sync_wait (qf_sync_t *self, uint64_t gen);

/*  Non-zero once a sync failed (then `why` says how); the failure stays. */
int qf_sync_failed (qf_sync_t *self, char *why, size_t why_size);

/*  For status: {"syncs": N, "sync_ms": {"p50", "p99", "max"}} over the
    newest syncs, and "generations_per_sync": commits covered per sync on
    average. Caller owns the result. */
json_t *qf_sync_status (qf_sync_t *self);

#endif
