/*  qf_store — all durable state, in one SQLite file. The only module that
    touches sqlite3.

    Where an event is committed: qf_store_event_append() writes the event in
    the transaction of the state change that causes it (a transactional
    outbox), and qf_store_commit() makes both durable at once.  The store
    remembers the events appended in the open transaction; after a commit
    qf_store_take_committed() hands them to the server to publish and
    deliver, encoded once.

    Transactions: the server opens one transaction per batch of messages
    (group commit) and one savepoint per command inside it, so a failing
    command rolls back alone.  The database is opened in WAL mode with
    synchronous=FULL (or NORMAL when configured), its schema created and
    upgraded by numbered migrations (PRAGMA user_version), and locked by an
    advisory lock file so that two daemons cannot share it.

    Every statement is prepared once at open and bound; no SQL is ever
    built from input.

    This header is the engine's part: the event log, consumer groups,
    delivery, dead letters, idempotency keys, settings, retention and
    timers. Each business module keeps its own part, with its tables'
    statements and its own schema migrations, in its folder
    (daemon/modules/NAME/NAME_store.h), on the engine API of
    qf_store_int.h.
*/
#ifndef QF_STORE_H
#define QF_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_config.h"

typedef struct qf_store_t qf_store_t;
typedef struct qf_module_t qf_module_t; /* qf_module.h */

#define QF_EVENT_ID_SIZE 32 /* hex characters */

/* One committed (or about to be committed) event. */
typedef struct {
    uint64_t seq;                  /* strictly increasing, no gaps */
    char id[QF_EVENT_ID_SIZE + 1]; /* unique, 32 hex characters */
    int64_t time;                  /* ms since epoch */
    const char *topic;             /* borrowed */
    const char *subject;           /* borrowed */
    const char *payload;           /* JSON bytes, borrowed */
    size_t payload_size;
} qf_event_t;

/* A list of events owned by the list (qf_store_take_committed). */
typedef struct {
    qf_event_t *items; /* count entries; strings owned by `arena` */
    size_t count;
    char **arena; /* owned strings */
    size_t arena_count;
} qf_event_list_t;

void qf_event_list_free (qf_event_list_t *list);

/*  Opens (creating if needed) the database at `path`, takes the daemon lock
    `<path>.lock`, applies pending migrations. Returns NULL with a message in
    error on failure (QF_EBUSY cases say which pid holds the lock). */
qf_store_t *qf_store_new (const char *path, qf_durability_t durability, char *error,
                          size_t error_size);
/*  The same with the given NULL-terminated list of modules (qf_store_new
    uses the list linked in, qf_modules[]): their migrations are applied
    after the engine's, then their store_open prepares their statements.
    A module whose version in the database (table qf_schema) is newer
    than its migrations is refused, with a message naming it. */
qf_store_t *qf_store_new_with (const char *path, qf_durability_t durability,
                               const qf_module_t *const *modules, char *error, size_t error_size);
void qf_store_destroy (qf_store_t **self_p);

/* Whether commits can be written, for status. */
typedef struct {
    bool full;          /* the last commit failed, or was refused, for want of space */
    bool low;           /* little space left: the WAL is folded back at each commit */
    int64_t since;      /* when full: wall ms of the first refused commit */
    uint64_t refused;   /* when full: commits refused since then */
    int64_t free_bytes; /* free space on the database's disk, -1 when unknown */
    int64_t wal_bytes;  /* the size of the WAL file, -1 when it cannot be read */
} qf_store_storage_t;

/*  Fills *storage with the state of the database's storage. */
void qf_store_storage (qf_store_t *self, qf_store_storage_t *storage);

/*  The time (ns) the daemon's loop spent copying the WAL into the database
    since the last call (qf_store_checkpoint, and the commits that
    checkpoint when the disk is low on space). */
int64_t qf_store_take_checkpoint_ns (qf_store_t *self);

/*  Checkpoints: a background thread copies the WAL into the database every
    CHECKPOINT_INTERVAL_MS, but only a checkpoint that catches up with the
    writer lets the WAL start again from its beginning, so the loop runs
    one too when the WAL has grown past QF_STORE_WAL_PAGES: never inside a
    COMMIT (SQLite's automatic checkpoint is off) but after the batch's
    replies, publication and deliveries. Waiting for an idle moment instead
    let the WAL grow under a steady load, and the commit that then cut it
    back to journal_size_limit stalled for seconds on a busy disk. True
    when the WAL is that large and no transaction is open. */
#define QF_STORE_WAL_PAGES 1000
bool qf_store_checkpoint_due (qf_store_t *self);

/*  Runs the loop's checkpoint (PASSIVE: it copies what the background
    thread has not, and never waits for it). Returns 0 or a QF_E* code. */
int qf_store_checkpoint (qf_store_t *self);

/*  The schema version this binary writes (migrations applied). */
int qf_store_schema_version (void);
const char *qf_store_path (qf_store_t *self);

/* Transactions. begin is BEGIN IMMEDIATE; savepoints nest inside it.
   commit returns QF_EFULL when the database's disk has no space left: the
   transaction is rolled back, and the store is "full" until a commit
   succeeds. While full, a commit is tried only after the checkpoint thread
   has folded the whole WAL into the database since the last failure;
   until then it is refused at once (QF_EFULL, nothing written), so the
   space that comes back goes to the checkpoint first. After it the WAL
   starts again from its beginning and commits reuse its file: freeing as
   much space as the checkpoint needs (at most the WAL, whose file is cut
   back to 4 MiB at each restart) brings commits back. With less than
   8 MiB free, commit also folds the WAL back into the database at once
   (a checkpoint in the caller's thread), so that the WAL does not grow
   into the space the database needs. */
int qf_store_begin (qf_store_t *self);
int qf_store_commit (qf_store_t *self);
int qf_store_rollback (qf_store_t *self);
bool qf_store_in_transaction (qf_store_t *self);
int qf_store_savepoint (qf_store_t *self);
int qf_store_release (qf_store_t *self);
int qf_store_rollback_savepoint (qf_store_t *self);

/*  A number that changes whenever rows read before may no longer be what
    the database holds: at every BEGIN, ROLLBACK and ROLLBACK TO, and when
    a module says it changed rows that it caches (qf_store_touch). No two
    stores of the process ever have the same one. A module keeps a row it
    read while the number stays the same: within one transaction at most. */
uint64_t qf_store_generation (qf_store_t *self);
/*  A count that grows with every row changed and every event appended
    since the store opened: work that left it as it was changed nothing. */
uint64_t qf_store_changes (qf_store_t *self);
void qf_store_touch (qf_store_t *self);

/*  Runs fn (self, arg) in a savepoint of the batch transaction (begun if
    none is open): the one way to do work that must change all or nothing.
    The savepoint is released when fn returns 0, and rolled back, with the
    events appended in it, when fn returns an error. Returns fn's code, or
    that of opening or releasing the savepoint (fn did not run when opening
    failed; the caller can tell by its arg). */
typedef int (qf_store_work_fn) (qf_store_t *store, void *arg);

/* Called per group of an aggregate read (a person, a customer...) with
   its key, how many rows it has and the sum of their values; nonzero
   stops the read and is returned. How one module hands another figures
   over many rows without a row each. */
typedef int (qf_store_tally_fn) (void *arg, const char *key, int64_t count, double sum);
int qf_store_in_savepoint (qf_store_t *self, qf_store_work_fn *fn, void *arg);

/*  Runs fn (self, arg) in the batch transaction (begun if none is open)
    without a savepoint, for work that checks everything before it changes
    anything: a savepoint copies every page the work changes, in case it
    fails (about 6,900 instructions of a qual.add's). Returns fn's code, or
    that of beginning. When fn failed all the same after it had changed
    rows or appended events, *partial_p is set: the transaction holds part
    of the work, and only rolling all of it back (qf_store_rollback) undoes
    that part. */
int qf_store_unguarded (qf_store_t *self, qf_store_work_fn *fn, void *arg, bool *partial_p);

/*  Appends an event in the open transaction. The payload is encoded once,
    here. Fills *seq_p when not NULL. */
int qf_store_event_append (qf_store_t *self, const char *topic, const char *subject,
                           json_t *payload, int64_t time, uint64_t *seq_p);
/*  The same with the payload already encoded: `text` (a JSON object of
    `size` bytes, NUL terminated, from malloc) is taken, whatever happens.
    For a payload written as text without its tree (qf_json_out_t). */
int qf_store_event_append_text (qf_store_t *self, const char *topic, const char *subject,
                                char *text, size_t size, int64_t time, uint64_t *seq_p);
/*  The JSON text of the event appended last in this transaction, as it
    will be stored and published (valid until the next append, commit or
    rollback). Lets a command answer with the same bytes: encoded once. */
const char *qf_store_last_payload (qf_store_t *self, size_t *size_p);

/*  From now on a commit does not wait for the disk (synchronous=NORMAL):
    the caller makes commits durable by an fdatasync of the WAL file, whose
    path is copied to `wal_path`, before it tells anyone of them
    (qf_sync.h). Checkpoints still sync the WAL before they copy it and the
    database after, so the WAL is never started again over frames that are
    not in the database on disk. */
int qf_store_defer_sync (qf_store_t *self, char *wal_path, size_t size);

/*  Moves the events committed by the last qf_store_commit() into list
    (caller frees with qf_event_list_free). */
void qf_store_take_committed (qf_store_t *self, qf_event_list_t *list);
/*  Highest committed seq, 0 when the log is empty. */
uint64_t qf_store_last_seq (qf_store_t *self);

/*  Calls fn for each event with seq > after, in order, at most limit; fn
    returns 0 to go on, 1 to stop. Event fields are valid during the call. */
typedef int (qf_event_fn) (const qf_event_t *event, void *arg);
int qf_store_events_after (qf_store_t *self, uint64_t after, int limit, qf_event_fn *fn, void *arg);
/*  One event by seq; QF_ENOTFOUND when absent. */
int qf_store_event_get (qf_store_t *self, uint64_t seq, qf_event_fn *fn, void *arg);
/*  Events as JSON for events.list: [{seq,id,time,topic,subject,payload}]. */
int qf_store_events_json (qf_store_t *self, uint64_t after, int limit, const char *topic,
                          json_t **list_p);

/* Consumer groups: durable position (ack floor), acks above it, results. */
typedef int (qf_group_fn) (const char *name, const char *topics_json, uint64_t ack_floor,
                           void *arg);
int qf_store_groups_load (qf_store_t *self, qf_group_fn *fn, void *arg);
int qf_store_group_upsert (qf_store_t *self, const char *name, const char *topics_json,
                           int64_t now);
int qf_store_group_set_floor (qf_store_t *self, const char *name, uint64_t floor);
int qf_store_group_ack_add (qf_store_t *self, const char *name, uint64_t seq);
/*  Calls fn(seq) for each ack recorded above the group's floor, in order. */
int qf_store_group_acks_load (qf_store_t *self, const char *name,
                              int (*fn) (uint64_t seq, void *arg), void *arg);
int qf_store_result_seen (qf_store_t *self, const char *group, const char *event_id, bool *seen_p);
int qf_store_result_add (qf_store_t *self, const char *group, const char *event_id, int64_t now);

/* Reliable delivery: attempts of events that failed, dead letters, seeks. */
int qf_store_group_ack_delete (qf_store_t *self, const char *name, uint64_t seq);
/*  Deletes a group with its acks, delivery attempts, dead letters and
    recorded results. */
int qf_store_group_delete (qf_store_t *self, const char *name);
/*  Moves a group to `floor`, forgetting its acks and delivery attempts. */
int qf_store_group_reset (qf_store_t *self, const char *name, uint64_t floor);
/*  Remembers attempts of an event that failed; pinned = must be delivered
    again even below the group's position (a dead letter sent for retry). */
int qf_store_delivery_put (qf_store_t *self, const char *group, uint64_t seq, uint32_t attempts,
                           const char *last_error, bool pinned);
int qf_store_delivery_delete (qf_store_t *self, const char *group, uint64_t seq);
typedef int (qf_delivery_fn) (uint64_t seq, uint32_t attempts, const char *last_error, bool pinned,
                              void *arg);
int qf_store_deliveries_load (qf_store_t *self, const char *group, qf_delivery_fn *fn, void *arg);
int qf_store_dlq_put (qf_store_t *self, const char *group, uint64_t seq, const char *event_id,
                      const char *topic, uint32_t attempts, const char *last_error, int64_t now);
/*  QF_ENOTFOUND when there is no such dead letter. */
int qf_store_dlq_delete (qf_store_t *self, const char *group, uint64_t seq);
/*  Dead letters as JSON [{seq, event_id, topic, attempts, last_error, time}]. */
int qf_store_dlq_list (qf_store_t *self, const char *group, uint64_t after, int limit,
                       json_t **list_p);
int qf_store_dlq_get (qf_store_t *self, const char *group, uint64_t seq, json_t **item_p);
int qf_store_dlq_count (qf_store_t *self, const char *group, int64_t *count_p);
/*  The first seq committed at or after `time` (last seq + 1 when none). */
int qf_store_event_seq_at (qf_store_t *self, int64_t time, uint64_t *seq_p);

/* Idempotency keys of client commands: the first successful reply, per
   owner (who sent the command: "curve:KEY" or "user:NAME"); the same key
   of two owners is two keys. */
int qf_store_idempotency_get (qf_store_t *self, const char *owner, const char *key,
                              char **command_p, char **reply_p);
int qf_store_idempotency_put (qf_store_t *self, const char *owner, const char *key,
                              const char *command, const char *reply, int64_t now);

/* Durable timers (qf_timers.h): a timer is (kind, subject, due time,
   payload), in the database, never all in memory. Its kind is declared by
   a module (qf_module_t.timer_kinds); its due time is placed from its
   anchor day by its kind's rule (qf_timers.c), and placed again from the
   anchor when the calendar changes. Only the pending timers of kinds that
   the linked modules declare are due (qf_store_timers_due,
   qf_store_timer_next): one of a kind no module declares stays pending. */
#define QF_TIMER_KIND_MAX    31  /* longest kind name, in bytes */
#define QF_TIMER_SUBJECT_MAX 128 /* longest subject: an event's (QF_SUBJECT_MAX) */

typedef struct {
    int64_t id;
    int64_t due;                            /* ms since the epoch */
    char kind[QF_TIMER_KIND_MAX + 1];       /* "expiring", "policy_effective" */
    char subject[QF_TIMER_SUBJECT_MAX + 1]; /* the record it follows: "qualification/7" */
    int lead_days;                          /* days before the anchor; 0 when none */
    int32_t anchor;                         /* the day it is placed from: expiry, effective date */
    int64_t placed;                         /* ms when last placed; 0: placed before schema 9 */
    json_t *payload; /* its JSON object, freed by qf_store_timers_free; NULL where not read */
} qf_timer_t;

/*  Adds a pending timer (its id and placed are not read), placed at `now`;
    payload NULL stores {}. */
int qf_store_timer_add (qf_store_t *self, const qf_timer_t *timer, int64_t now);
/*  Cancels the pending timers of `subject` (its record moved or went
    away), only those of `kind` unless that is NULL. */
int qf_store_timers_cancel (qf_store_t *self, const char *subject, const char *kind);
/*  Up to `limit` pending timers due at or before `now`, earliest first,
    through a partial index on pending timers; only declared kinds.
    Release them with qf_store_timers_free. */
int qf_store_timers_due (qf_store_t *self, int64_t now, int limit, qf_timer_t *timers,
                         int *count_p);
/*  Up to `limit` pending timers with id > after_id, in id order: every
    pending timer, a page at a time; their payloads are not read. */
int qf_store_timers_pending (qf_store_t *self, int64_t after_id, int limit, qf_timer_t *timers,
                             int *count_p);
/*  Releases the payloads of `count` timers read by the calls above. */
void qf_store_timers_free (qf_timer_t *timers, int count);
/*  Places a pending timer again: due at `due`, placed at `now`. */
int qf_store_timer_move (qf_store_t *self, int64_t id, int64_t due, int64_t now);
int qf_store_timer_fired (qf_store_t *self, int64_t id, int64_t now);
/*  The earliest due time of a pending timer of a declared kind, INT64_MAX
    when none. */
int qf_store_timer_next (qf_store_t *self, int64_t *due_p);
/*  The latest pending due time, INT64_MIN when none. */
int qf_store_timer_last (qf_store_t *self, int64_t *due_p);
/*  How many pending timers of `kind` are due in [from, to). */
int qf_store_timers_count (qf_store_t *self, const char *kind, int64_t from, int64_t to,
                           int64_t *count_p);
/*  The kinds of pending timers in name order, one at a time: the first
    one after `after` ("" for the first) into kind; QF_ENOTFOUND after the
    last. One index seek each, however many timers there are. */
int qf_store_timer_kind_after (qf_store_t *self, const char *after,
                               char kind[QF_TIMER_KIND_MAX + 1]);
/*  A subject's timers that are not cancelled, by due time, as a new JSON
    array of {kind, lead_days, due, state[, fired_at]}. */
int qf_store_timers_json (qf_store_t *self, const char *subject, json_t **list_p);

/*  Settings the daemon keeps across restarts, by name ("calendar": the
    fingerprint of the calendar its pending timers were placed by).
    get: QF_ENOTFOUND when never put; caller frees *value_p. */
int qf_store_setting_get (qf_store_t *self, const char *name, char **value_p);
int qf_store_setting_put (qf_store_t *self, const char *name, const char *value);

/*  Retention: deletes up to `limit` events with seq <= up_to_seq committed
    before `before` (ms); *deleted_p counts them. Sequence numbers are never
    reused: when the newest event goes, its seq is kept (settings
    events.last_seq) and the next event gets the one after it. The results
    recorded for them go too. */
int qf_store_events_prune (qf_store_t *self, uint64_t up_to_seq, int64_t before, int limit,
                           int *deleted_p);
/*  Deletes up to `limit` idempotency keys first used before `before` (ms). */
int qf_store_idempotency_prune (qf_store_t *self, int64_t before, int limit, int *deleted_p);
/*  The lowest seq still in the log, 0 when it is empty. */
int qf_store_event_first (qf_store_t *self, uint64_t *seq_p);

/*  Runs PRAGMA integrity_check; 0 when "ok". */
int qf_store_check (qf_store_t *self, char *error, size_t error_size);

#endif
