/*  qf_store — all durable state, in one SQLite file. */
#include "qf_store.h"
#include "qf_phases.h"
#include "qf.h"
#include "qf_store_int.h"
#include "qf_json.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The engine's numbered migrations: migration N brings user_version from
   N-1 to N. Append only; never edit a migration that has shipped.
   Migrations 1 to 10 also created the tables of today's business modules
   (qualifications, reviews, renewal cases, custody, policies, candidates),
   before modules had schema versions of their own; a module's later
   changes are its own migrations (qf_module.h), versioned in qf_schema. */
static const char *s_migrations[] = {
    /* 1: the event log, qualifications and their reviews, consumer groups. */
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE,"
    "  time INTEGER NOT NULL,"
    "  topic TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  payload TEXT NOT NULL);"
    "CREATE INDEX events_time ON events (time);"
    "CREATE TABLE qualifications ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT NOT NULL,"
    "  cert_no TEXT NOT NULL,"
    "  authority TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  scope TEXT NOT NULL,"
    "  issued INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  acquisition_cost REAL,"
    "  expected_revenue REAL,"
    "  state TEXT NOT NULL,"
    "  round INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL);"
    "CREATE INDEX qualifications_state ON qualifications (state, id);"
    "CREATE INDEX qualifications_expires ON qualifications (expires);"
    "CREATE TABLE reviews ("
    "  qualification_id INTEGER NOT NULL REFERENCES qualifications (id),"
    "  round INTEGER NOT NULL,"
    "  department TEXT NOT NULL,"
    "  verdict TEXT NOT NULL,"
    "  findings TEXT NOT NULL,"
    "  suggestions TEXT NOT NULL,"
    "  reviewer TEXT NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  PRIMARY KEY (qualification_id, round, department)) WITHOUT ROWID;"
    "CREATE TABLE groups ("
    "  name TEXT PRIMARY KEY,"
    "  topics TEXT NOT NULL,"
    "  ack_floor INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE group_acks ("
    "  group_name TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (group_name, seq)) WITHOUT ROWID;"
    "CREATE TABLE results ("
    "  group_name TEXT NOT NULL,"
    "  event_id TEXT NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  PRIMARY KEY (group_name, event_id)) WITHOUT ROWID;",
    /* 2: reliable delivery: attempts that survive restarts, dead letters,
       idempotency keys of client commands. */
    "CREATE TABLE deliveries ("
    "  group_name TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL,"
    "  pinned INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (group_name, seq)) WITHOUT ROWID;"
    "CREATE TABLE dead_letters ("
    "  group_name TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  event_id TEXT NOT NULL,"
    "  topic TEXT NOT NULL,"
    "  attempts INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  PRIMARY KEY (group_name, seq)) WITHOUT ROWID;"
    "CREATE TABLE idempotency ("
    "  key TEXT PRIMARY KEY,"
    "  command TEXT NOT NULL,"
    "  reply TEXT NOT NULL,"
    "  time INTEGER NOT NULL) WITHOUT ROWID;",
    /* 3: expiry and renewal (§4.3): durable timers that follow the record,
       renewal cases, and the suspension flag of policy changes (§7.2). */
    "ALTER TABLE qualifications ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE timers ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  due INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  qualification_id INTEGER NOT NULL REFERENCES qualifications (id),"
    "  lead_days INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending',"
    "  fired_at INTEGER);"
    "CREATE INDEX timers_pending ON timers (due) WHERE state = 'pending';"
    "CREATE INDEX timers_qualification ON timers (qualification_id, state);"
    "CREATE TABLE renewal_cases ("
    "  qualification_id INTEGER NOT NULL REFERENCES qualifications (id),"
    "  expires INTEGER NOT NULL,"
    "  opened INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  urgency TEXT NOT NULL,"
    "  last_lead INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  PRIMARY KEY (qualification_id, expires)) WITHOUT ROWID;",
    /* 4: custody (§4.3): the archive record and loans of certificates. */
    "CREATE TABLE archive ("
    "  qualification_id INTEGER PRIMARY KEY REFERENCES qualifications (id),"
    "  custodian TEXT NOT NULL,"
    "  location TEXT NOT NULL,"
    "  acquired INTEGER NOT NULL,"
    "  notes TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL);"
    "CREATE TABLE loans ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  qualification_id INTEGER NOT NULL REFERENCES qualifications (id),"
    "  borrower TEXT NOT NULL,"
    "  purpose TEXT NOT NULL,"
    "  due INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  requested_by TEXT NOT NULL,"
    "  approved_by TEXT,"
    "  requested INTEGER NOT NULL,"
    "  approved INTEGER,"
    "  lent INTEGER,"
    "  returned INTEGER,"
    "  last_overdue_day INTEGER);"
    "CREATE INDEX loans_open ON loans (state, due);"
    "CREATE INDEX loans_qualification ON loans (qualification_id, id);",
    /* 5: policy changes (§7.2): recorded policies and the suspensions they cause. */
    "CREATE TABLE policies ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  category TEXT NOT NULL,"
    "  description TEXT NOT NULL,"
    "  effective INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  recorded INTEGER NOT NULL,"
    "  recorded_by TEXT NOT NULL,"
    "  lifted INTEGER);"
    "CREATE INDEX policies_category ON policies (category, state);"
    "CREATE TABLE suspensions ("
    "  policy_id INTEGER NOT NULL REFERENCES policies (id),"
    "  qualification_id INTEGER NOT NULL REFERENCES qualifications (id),"
    "  time INTEGER NOT NULL,"
    "  PRIMARY KEY (policy_id, qualification_id)) WITHOUT ROWID;",
    /* 6: reviews a person confirms (§4.2), and acquisition (§4.1). */
    "ALTER TABLE reviews ADD COLUMN status TEXT NOT NULL DEFAULT 'final';"
    "ALTER TABLE reviews ADD COLUMN decided_by TEXT;"
    "CREATE TABLE candidates ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  industry TEXT NOT NULL,"
    "  authority TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  notes TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  evaluation TEXT,"
    "  decision TEXT,"
    "  decided_by TEXT,"
    "  via TEXT,"
    "  agency TEXT,"
    "  qualification_id INTEGER REFERENCES qualifications (id));"
    "CREATE INDEX candidates_state ON candidates (state, id);"
    "CREATE TABLE candidate_progress ("
    "  candidate_id INTEGER NOT NULL REFERENCES candidates (id),"
    "  time INTEGER NOT NULL,"
    "  author TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  blocker TEXT);"
    "CREATE INDEX candidate_progress_of ON candidate_progress (candidate_id, time);",
    /* 7: the industry a qualification is meant for (§4.2 technical review). */
    "ALTER TABLE qualifications ADD COLUMN industry TEXT NOT NULL DEFAULT '';",
    /* 8: what retention needs to prune: results go with their events,
       idempotency keys after daemon.idempotency_hours. */
    "CREATE INDEX results_event ON results (event_id);"
    "CREATE INDEX idempotency_time ON idempotency (time);"
    "DELETE FROM results WHERE NOT EXISTS "
    "  (SELECT 1 FROM events WHERE events.id = results.event_id);",
    /* 9: timers that are not a qualification's (a policy change's
       effective date, §7.2), each with its anchor day and the time it was
       placed; settings the daemon remembers (the calendar its pending
       timers were placed by); the review a policy's lifting opened. The
       timers table is rebuilt: its qualification_id may now be NULL. */
    "CREATE TABLE timers_new ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  due INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  qualification_id INTEGER REFERENCES qualifications (id),"
    "  policy_id INTEGER REFERENCES policies (id),"
    "  lead_days INTEGER NOT NULL,"
    "  anchor INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending',"
    "  fired_at INTEGER,"
    "  placed INTEGER NOT NULL DEFAULT 0,"
    "  CHECK ((qualification_id IS NULL) <> (policy_id IS NULL)));"
    "INSERT INTO timers_new (id, due, kind, qualification_id, lead_days, anchor, state, "
    "  fired_at) SELECT id, due, kind, qualification_id, lead_days, expires, state, fired_at "
    "  FROM timers;"
    "DROP TABLE timers;"
    "ALTER TABLE timers_new RENAME TO timers;"
    "CREATE INDEX timers_pending ON timers (due) WHERE state = 'pending';"
    "CREATE INDEX timers_qualification ON timers (qualification_id, state);"
    "CREATE INDEX timers_policy ON timers (policy_id, state) WHERE policy_id IS NOT NULL;"
    "CREATE TABLE settings ("
    "  name TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL) WITHOUT ROWID;"
    "ALTER TABLE suspensions ADD COLUMN review_round INTEGER;",
    /* 10: idempotency keys belong to who sent them (the certificate with
       CURVE, else the declared user), so one client's key never returns
       another's reply. Keys recorded before had no owner: they keep the
       empty one, which no request has, and age out as before. */
    "CREATE TABLE idempotency_new ("
    "  owner TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  command TEXT NOT NULL,"
    "  reply TEXT NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  PRIMARY KEY (owner, key)) WITHOUT ROWID;"
    "INSERT INTO idempotency_new (owner, key, command, reply, time) "
    "  SELECT '', key, command, reply, time FROM idempotency;"
    "DROP TABLE idempotency;"
    "ALTER TABLE idempotency_new RENAME TO idempotency;"
    "CREATE INDEX idempotency_time ON idempotency (time);",
    /* 11: generic durable timers (qf_timers.h): a timer is (kind, subject,
       due time, payload), its kind declared by a module, so that any record
       can have timers. The table is rebuilt without the qualification_id
       and policy_id columns (the engine knows no business table); each
       existing timer keeps its id, state and due time, its subject taken
       from the record it belonged to. Indexes: due pending timers by due
       time, a record's timers by subject, pending timers of a kind. */
    "CREATE TABLE timers_new ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  due INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  lead_days INTEGER NOT NULL DEFAULT 0,"
    "  anchor INTEGER NOT NULL,"
    "  payload TEXT NOT NULL DEFAULT '{}',"
    "  state TEXT NOT NULL DEFAULT 'pending',"
    "  fired_at INTEGER,"
    "  placed INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO timers_new (id, due, kind, subject, lead_days, anchor, payload, state, "
    "  fired_at, placed) SELECT id, due, kind, CASE WHEN policy_id IS NOT NULL "
    "  THEN 'policy/' || policy_id ELSE 'qualification/' || qualification_id END, "
    "  lead_days, anchor, '{}', state, fired_at, placed FROM timers;"
    "DROP TABLE timers;"
    "ALTER TABLE timers_new RENAME TO timers;"
    "CREATE INDEX timers_pending ON timers (due) WHERE state = 'pending';"
    "CREATE INDEX timers_subject ON timers (subject, state);"
    "CREATE INDEX timers_kind ON timers (kind, due) WHERE state = 'pending';",
    /* 12: each business module's schema version (qf_module.h): a module
       applies its own migrations, in order, and records here how many. */
    "CREATE TABLE qf_schema ("
    "  module TEXT PRIMARY KEY,"
    "  version INTEGER NOT NULL) WITHOUT ROWID;",
    /* 13: the event log without AUTOINCREMENT, whose counter row in
       sqlite_sequence was read and rewritten by every event appended
       (about 5,000 instructions of a command's 150,000). A seq is still
       never given twice: while the log holds events, a new one gets
       max (seq) + 1, above every seq given; when retention deletes the
       newest events, the store keeps the highest seq given in settings
       (events.last_seq, written in the same transaction), and starts past
       it (qf_store_events_prune, qf_store_new). The counter of a log that
       retention already emptied goes there too. Rows, seqs and the
       indexes stay as they were. */
    "CREATE TABLE events_new ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  time INTEGER NOT NULL,"
    "  topic TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  payload TEXT NOT NULL);"
    "INSERT INTO events_new (seq, id, time, topic, subject, payload) "
    "  SELECT seq, id, time, topic, subject, payload FROM events ORDER BY seq;"
    "INSERT INTO settings (name, value) SELECT 'events.last_seq', seq FROM sqlite_sequence "
    "  WHERE name = 'events' AND seq > (SELECT coalesce (max (seq), 0) FROM events);"
    "DROP TABLE events;"
    "ALTER TABLE events_new RENAME TO events;"
    "CREATE INDEX events_time ON events (time);",
    /* 14: qualifications without AUTOINCREMENT, for the same cost at every
       qual.add as events' in 13. An id is still never given twice: no
       statement deletes a qualification (reviews, timers, custody and the
       rest refer to it), so max (id) + 1 is above every id given. Other
       tables refer to this one: it runs with foreign keys off, checked
       before its commit (MIGRATION_REBUILDS_PARENT). Rows, ids, columns
       in their order and the indexes stay as they were. */
    "CREATE TABLE qualifications_new ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  cert_no TEXT NOT NULL,"
    "  authority TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  scope TEXT NOT NULL,"
    "  issued INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  acquisition_cost REAL,"
    "  expected_revenue REAL,"
    "  state TEXT NOT NULL,"
    "  round INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  suspended INTEGER NOT NULL DEFAULT 0,"
    "  industry TEXT NOT NULL DEFAULT '');"
    "INSERT INTO qualifications_new SELECT id, name, cert_no, authority, category, scope, issued, "
    "  expires, acquisition_cost, expected_revenue, state, round, created, updated, created_by, "
    "  suspended, industry FROM qualifications ORDER BY id;"
    "DROP TABLE qualifications;"
    "ALTER TABLE qualifications_new RENAME TO qualifications;"
    "CREATE INDEX qualifications_state ON qualifications (state, id);"
    "CREATE INDEX qualifications_expires ON qualifications (expires);",
    /* 15: the event log without an index, but for its seqs. Every append
       paid for two: the one on time (4,800 instructions of a qual.add's
       142,000), which only retention and groups.seek by time read, and the
       one that kept ids unique (5,800), which only the notify module's
       look-up of an event by id read. Event times now never go backwards
       along the log (qf_store_event_append_text keeps each at least its
       predecessor's), so seek and retention find their place by seq: seek
       by a binary search, retention by looking at the oldest events only
       (qf_store_event_seq_at, qf_store_events_prune). Ids are unique by
       construction (8 random bytes per open and a counter, s_make_id);
       the notify module is given the seq (qf_ctx_t.event_seq) or looks
       among the newest events. The table is copied, as in 13. */
    "CREATE TABLE events_new ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  topic TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  payload TEXT NOT NULL);"
    "INSERT INTO events_new (seq, id, time, topic, subject, payload) "
    "  SELECT seq, id, time, topic, subject, payload FROM events ORDER BY seq;"
    "DROP TABLE events;"
    "ALTER TABLE events_new RENAME TO events;",
};
/* The migration that rebuilds a table other tables refer to: SQLite's way
   (lang_altertable.html, "other kinds of table schema changes") is with
   foreign keys off, outside the transaction, and a foreign_key_check
   before the commit. */
#define MIGRATION_REBUILDS_PARENT 14
#define MIGRATION_COUNT ((int)(sizeof s_migrations / sizeof s_migrations[0]))

/* Every statement the daemon runs, prepared once at open. */
typedef enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_EVENT_INSERT,
    ST_EVENT_AFTER,
    ST_EVENT_GET,
    ST_EVENT_NEWEST,
    ST_EVENT_AFTER_TOPIC,
    ST_GROUP_LOAD,
    ST_GROUP_UPSERT,
    ST_GROUP_FLOOR,
    ST_GROUP_ACK_ADD,
    ST_GROUP_ACK_TRIM,
    ST_GROUP_ACKS,
    ST_RESULT_SEEN,
    ST_RESULT_ADD,
    ST_GROUP_ACK_DELETE,
    ST_GROUP_ACKS_CLEAR,
    ST_GROUP_DELETE,
    ST_GROUP_RESULTS_CLEAR,
    ST_GROUP_DLQ_CLEAR,
    ST_DELIVERY_PUT,
    ST_DELIVERY_DELETE,
    ST_DELIVERIES_LOAD,
    ST_DELIVERIES_CLEAR,
    ST_DLQ_PUT,
    ST_DLQ_DELETE,
    ST_DLQ_LIST,
    ST_DLQ_GET,
    ST_DLQ_COUNT,
    ST_EVENT_FROM,
    ST_IDEM_GET,
    ST_IDEM_PUT,
    ST_SETTING_GET,
    ST_SETTING_PUT,
    ST_EVENTS_PRUNE,
    ST_RESULTS_PRUNE,
    ST_IDEM_PRUNE,
    ST_EVENT_FIRST,
    ST_COUNT
} stmt_id_t;
_Static_assert(ST_COUNT <= QF_STORE_STMT_MAX, "raise QF_STORE_STMT_MAX in qf_store_int.h");

static const char *s_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT cmd",
    [ST_RELEASE] = "RELEASE cmd",
    [ST_ROLLBACK_TO] = "ROLLBACK TO cmd",
    /* ?6 is NULL (the next rowid, max (seq) + 1) but after retention
       emptied the log (qf_store_t.seq_above_log). */
    [ST_EVENT_INSERT] = "INSERT INTO events (seq, id, time, topic, subject, payload) "
                        "VALUES (?6, ?1, ?2, ?3, ?4, ?5)",
    [ST_EVENT_AFTER] = "SELECT seq, id, time, topic, subject, payload FROM events "
                       "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [ST_EVENT_AFTER_TOPIC] = "SELECT seq, id, time, topic, subject, payload FROM events "
                             "WHERE seq > ?1 AND topic = ?3 ORDER BY seq LIMIT ?2",
    [ST_EVENT_GET] = "SELECT seq, id, time, topic, subject, payload FROM events WHERE seq = ?1",
    [ST_EVENT_NEWEST] = "SELECT seq, time FROM events ORDER BY seq DESC LIMIT 1",
    [ST_SETTING_GET] = "SELECT value FROM settings WHERE name = ?1",
    [ST_SETTING_PUT] = "INSERT INTO settings (name, value) VALUES (?1, ?2) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    /* The oldest ?3 events up to ?1, those of them before ?2: times grow
       along the log (migration 15), so these are all the log holds before
       ?2 within that many, found without an index on time and without
       reading the newer ones. */
    [ST_EVENTS_PRUNE] = "DELETE FROM events WHERE seq IN (SELECT seq FROM events "
                        "WHERE seq <= ?1 ORDER BY seq LIMIT ?3) AND time < ?2",
    /* The same slice of events as ST_EVENTS_PRUNE: their results go first. */
    [ST_RESULTS_PRUNE] = "DELETE FROM results WHERE event_id IN (SELECT id FROM events "
                         "WHERE seq IN (SELECT seq FROM events WHERE seq <= ?1 ORDER BY seq "
                         "LIMIT ?3) AND time < ?2)",
    [ST_IDEM_PRUNE] = "DELETE FROM idempotency WHERE (owner, key) IN (SELECT owner, key FROM "
                      "idempotency WHERE time < ?1 LIMIT ?2)",
    [ST_EVENT_FIRST] = "SELECT coalesce (min (seq), 0) FROM events",
    [ST_GROUP_LOAD] = "SELECT name, topics, ack_floor FROM groups ORDER BY name",
    [ST_GROUP_UPSERT] = "INSERT INTO groups (name, topics, ack_floor, created) "
                        "VALUES (?1, ?2, 0, ?3) "
                        "ON CONFLICT (name) DO UPDATE SET topics = excluded.topics",
    [ST_GROUP_FLOOR] = "UPDATE groups SET ack_floor = ?2 WHERE name = ?1",
    [ST_GROUP_ACK_ADD] = "INSERT OR IGNORE INTO group_acks (group_name, seq) VALUES (?1, ?2)",
    [ST_GROUP_ACK_TRIM] = "DELETE FROM group_acks WHERE group_name = ?1 AND seq <= ?2",
    [ST_GROUP_ACKS] = "SELECT seq FROM group_acks WHERE group_name = ?1 ORDER BY seq",
    [ST_RESULT_SEEN] = "SELECT 1 FROM results WHERE group_name = ?1 AND event_id = ?2",
    [ST_RESULT_ADD] = "INSERT OR IGNORE INTO results (group_name, event_id, time) "
                      "VALUES (?1, ?2, ?3)",
    [ST_GROUP_ACK_DELETE] = "DELETE FROM group_acks WHERE group_name = ?1 AND seq = ?2",
    [ST_GROUP_ACKS_CLEAR] = "DELETE FROM group_acks WHERE group_name = ?1",
    [ST_GROUP_DELETE] = "DELETE FROM groups WHERE name = ?1",
    [ST_GROUP_RESULTS_CLEAR] = "DELETE FROM results WHERE group_name = ?1",
    [ST_GROUP_DLQ_CLEAR] = "DELETE FROM dead_letters WHERE group_name = ?1",
    [ST_DELIVERY_PUT] = "INSERT INTO deliveries (group_name, seq, attempts, last_error, pinned) "
                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (group_name, seq) DO UPDATE "
                        "SET attempts = excluded.attempts, last_error = excluded.last_error, "
                        "pinned = excluded.pinned",
    [ST_DELIVERY_DELETE] = "DELETE FROM deliveries WHERE group_name = ?1 AND seq = ?2",
    [ST_DELIVERIES_LOAD] = "SELECT seq, attempts, last_error, pinned FROM deliveries "
                           "WHERE group_name = ?1 ORDER BY seq",
    [ST_DELIVERIES_CLEAR] = "DELETE FROM deliveries WHERE group_name = ?1",
    [ST_DLQ_PUT] = "INSERT OR REPLACE INTO dead_letters (group_name, seq, event_id, topic, "
                   "attempts, last_error, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_DLQ_DELETE] = "DELETE FROM dead_letters WHERE group_name = ?1 AND seq = ?2",
    [ST_DLQ_LIST] = "SELECT seq, event_id, topic, attempts, last_error, time FROM dead_letters "
                    "WHERE group_name = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    [ST_DLQ_GET] = "SELECT seq, event_id, topic, attempts, last_error, time FROM dead_letters "
                   "WHERE group_name = ?1 AND seq = ?2",
    [ST_DLQ_COUNT] = "SELECT count (*) FROM dead_letters WHERE group_name = ?1",
    /* One step of qf_store_event_seq_at's search: the first event from ?1. */
    [ST_EVENT_FROM] = "SELECT seq, time FROM events WHERE seq >= ?1 ORDER BY seq LIMIT 1",
    [ST_IDEM_GET] = "SELECT command, reply FROM idempotency WHERE owner = ?1 AND key = ?2",
    [ST_IDEM_PUT] = "INSERT INTO idempotency (owner, key, command, reply, time) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)",
};

#define CHECKPOINT_INTERVAL_MS 100

/* Low on space: under 8 MiB free (twice the WAL's journal_size_limit), the
   loop folds the WAL back after each commit; over 16 MiB it stops. */
#define LOW_SPACE_ENTER (8 << 20)
#define LOW_SPACE_LEAVE (16 << 20)

/* Whether the last failure of `db` was for want of disk space: SQLITE_FULL,
   or an I/O error whose system error says so (a write past a quota). */
static bool
s_full (sqlite3 *db)
{
    int code = sqlite3_extended_errcode (db) & 0xff;
    int error = sqlite3_system_errno (db);
    return code == SQLITE_FULL || (code == SQLITE_IOERR && (error == ENOSPC || error == EDQUOT));
}

/* Runs a PASSIVE checkpoint (it never waits for the writer) on `db`, the
   checkpointer's connection or the loop's. One that leaves no frame behind
   is counted in checkpoints_done: a transaction that begins after it
   starts the WAL again from its beginning. Returns the SQLite code. */
static int
s_checkpoint (qf_store_t *self, sqlite3 *db)
{
    int frames = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc == SQLITE_OK && copied == frames)
        atomic_fetch_add (&self->checkpoints_done, 1);
    else if (rc != SQLITE_OK && rc != SQLITE_BUSY && s_full (db))
        qf_warn ("database %s: checkpoint failed: no space left on its disk (%s); it is tried "
                 "again every %d ms and commits resume once it succeeds",
                 self->path, sqlite3_errmsg (db), CHECKPOINT_INTERVAL_MS);
    else if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        qf_warn ("database %s: checkpoint failed: %s", self->path, sqlite3_errmsg (db));
    return rc;
}

/* The loop's checkpoint, timed for qf_store_take_checkpoint_ns. */
static int
s_checkpoint_timed (qf_store_t *self)
{
    int64_t start = qf_time_mono_ns ();
    int rc = s_checkpoint (self, self->db);
    self->checkpoint_ns += qf_time_mono_ns () - start;
    return rc;
}

/* After each commit, with the WAL's size in pages. It replaces SQLite's
   automatic checkpoint, which would copy the WAL and fsync the database
   inside the COMMIT, before the batch's replies (qf_store_checkpoint_due). */
static int
s_wal_hook (void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    ((qf_store_t *)arg)->wal_pages = pages;
    return SQLITE_OK;
}

bool
qf_store_checkpoint_due (qf_store_t *self)
{
    return !self->in_txn && self->wal_pages >= QF_STORE_WAL_PAGES;
}

int
qf_store_checkpoint (qf_store_t *self)
{
    /* The next commit says the WAL's size again; a checkpoint that found
       the background thread at work is tried again after it. */
    self->wal_pages = 0;
    int rc = s_checkpoint_timed (self);
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : QF_EIO;
}

int64_t
qf_store_take_checkpoint_ns (qf_store_t *self)
{
    int64_t ns = self->checkpoint_ns;
    self->checkpoint_ns = 0;
    return ns;
}

/* Free bytes on the database's disk for an unprivileged writer, -1 when
   unknown. */
static int64_t
s_free_bytes (qf_store_t *self)
{
    struct statvfs fs;
    if (statvfs (self->path, &fs) != 0)
        return -1;
    return (int64_t)fs.f_bavail * (int64_t)fs.f_frsize;
}

/* Whether the disk is low on space (under LOW_SPACE_ENTER free, until over
   LOW_SPACE_LEAVE again); says so when that changes. With plenty of space
   the disk is asked at most every SPACE_CHECK_MS, not at every commit: a
   statvfs per batch is a system call on the hot path for a flag that
   changes once in a long while. Once low, every commit asks. */
#define SPACE_CHECK_MS 100
static bool
s_low_space (qf_store_t *self)
{
    int64_t mono = qf_time_mono_ms ();
    if (!self->low_space && mono - self->space_checked < SPACE_CHECK_MS)
        return false;
    self->space_checked = mono;
    int64_t free_bytes = s_free_bytes (self);
    if (free_bytes < 0)
        return self->low_space;
    if (!self->low_space && free_bytes < LOW_SPACE_ENTER) {
        self->low_space = true;
        qf_warn ("database %s: less than %d MiB left on its disk: the WAL is folded into the "
                 "database at every commit so that it does not grow (commits are slower); "
                 "free space there",
                 self->path, LOW_SPACE_ENTER >> 20);
    } else if (self->low_space && free_bytes > LOW_SPACE_LEAVE) {
        self->low_space = false;
        qf_info ("database %s: more than %d MiB free on its disk again: checkpoints run in the "
                 "background again",
                 self->path, LOW_SPACE_LEAVE >> 20);
    }
    return self->low_space;
}

/* The checkpointer: a thread with its own connection copies committed WAL
   frames into the database file (PASSIVE: it never blocks the writer), so
   the checkpoint that the daemon's loop runs between batches
   (qf_store_checkpoint) has little left to do. The loop's own checkpoint
   is still needed: only a checkpoint that catches up with the writer lets
   the WAL restart from its beginning. */
static void *
s_checkpointer (void *arg)
{
    qf_store_t *self = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        qf_error ("database %s: the checkpoint thread cannot open it: %s; the WAL file will "
                  "grow until restart",
                  self->path, db ? sqlite3_errmsg (db) : "out of memory");
        sqlite3_close (db);
        return NULL;
    }
    sqlite3_busy_timeout (db, 100);
    /* Background work at the lowest priority: sharing a core with the loop
       (a daemon given one core), a pass copying 100 ms of WAL took the
       loop's CPU for a scheduler slice, and the requests of those few
       milliseconds waited for it (batches of 5-6 ms, the p99 of commands
       on a quiet machine). SCHED_IDLE, not only nice 19: libzmq's I/O
       thread is SCHED_BATCH (qualflowd.c), which preempts on waking only
       a SCHED_IDLE thread, so a request arriving during a pass is not left
       for the scheduler's next tick. The loop's own checkpoint bounds the
       WAL if this thread gets too little CPU. */
    pthread_setname_np (pthread_self (), "qf-checkpoint");
    struct sched_param idle = {0};
    if (sched_setscheduler ((pid_t)syscall (SYS_gettid), SCHED_IDLE, &idle) != 0)
        setpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid), 19);
    /* A connection learns the database is in WAL mode on its first read. */
    sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL);
    atomic_store (&self->checkpointing, true);
    pthread_mutex_lock (&self->checkpointer_lock);
    while (!atomic_load (&self->checkpointer_stop)) {
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_nsec += CHECKPOINT_INTERVAL_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait (&self->checkpointer_wake, &self->checkpointer_lock, &until);
        if (atomic_load (&self->checkpointer_stop))
            break;
        pthread_mutex_unlock (&self->checkpointer_lock);
        s_checkpoint (self, db);
        pthread_mutex_lock (&self->checkpointer_lock);
    }
    pthread_mutex_unlock (&self->checkpointer_lock);
    atomic_store (&self->checkpointing, false);
    sqlite3_close (db);
    return NULL;
}

static void
s_pending_free (qf_pending_t *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free (items[i].topic);
        free (items[i].subject);
        free (items[i].payload);
    }
}

int
qf_store__fail (qf_store_t *self, const char *what)
{
    int code = sqlite3_extended_errcode (self->db);
    if (s_full (self->db)) {
        qf_error ("database %s: %s failed: no space left on its disk (%s, sqlite code %d); "
                  "free space there: commits resume by themselves",
                  self->path, what, sqlite3_errmsg (self->db), code);
        return QF_EFULL;
    }
    qf_error ("database %s: %s failed: %s (sqlite code %d)", self->path, what,
              sqlite3_errmsg (self->db), code);
    if ((code & 0xff) == SQLITE_CONSTRAINT)
        return QF_ECONFLICT;
    if ((code & 0xff) == SQLITE_NOMEM)
        return QF_ENOMEM;
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
        return QF_EBUSY;
    return QF_EIO;
}

/* Resets a statement and clears its bindings for the next use. */
static sqlite3_stmt *
s_stmt (qf_store_t *self, stmt_id_t id)
{
    sqlite3_stmt *stmt = self->stmts[id];
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    return stmt;
}

int
qf_store__exec (qf_store_t *self, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return qf_store__fail (self, what);
    return 0;
}

/* Statement helpers, shared with the modules' store parts ----------------- */

/* Not copied (SQLITE_STATIC): the arguments outlive the statement's run,
   and a statement is only ever run as a store function binds it (reset
   and cleared first, qf_store__stmt). A copy cost a malloc, a memcpy and
   a free per text; a qual.add binds six. */
void
qf_store__bind_text_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key)
{
    json_t *value = json_object_get (args, key);
    if (json_is_string (value))
        sqlite3_bind_text (stmt, index, json_string_value (value), (int)json_string_length (value),
                           SQLITE_STATIC);
    else
        sqlite3_bind_text (stmt, index, "", 0, SQLITE_STATIC);
}

void
qf_store__bind_real_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key)
{
    json_t *value = json_object_get (args, key);
    if (json_is_number (value))
        sqlite3_bind_double (stmt, index, json_number_value (value));
    else
        sqlite3_bind_null (stmt, index);
}

void
qf_store__bind_date_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key)
{
    int32_t day = 0;
    qf_date_parse (json_string_value (json_object_get (args, key)), &day);
    sqlite3_bind_int (stmt, index, day);
}

void
qf_store__bind_opt_text (sqlite3_stmt *stmt, int index, const char *text)
{
    if (text)
        sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null (stmt, index);
}

json_t *
qf_store__row_text (sqlite3_stmt *stmt, void *arg)
{
    (void)arg;
    const char *text = (const char *)sqlite3_column_text (stmt, 0);
    return text ? json_loads (text, 0, NULL) : NULL;
}

json_t *
qf_store__row_object (sqlite3_stmt *stmt, void *arg)
{
    const char *const *json_columns = arg;
    json_t *row = json_object ();
    for (int i = 0; row && i < sqlite3_column_count (stmt); i++) {
        const char *name = sqlite3_column_name (stmt, i);
        const char *text = (const char *)sqlite3_column_text (stmt, i);
        bool json = false;
        for (size_t j = 0; json_columns && json_columns[j] && !json; j++)
            json = strcmp (json_columns[j], name) == 0;
        json_t *value;
        switch (sqlite3_column_type (stmt, i)) {
        case SQLITE_INTEGER: value = json_integer (sqlite3_column_int64 (stmt, i)); break;
        case SQLITE_FLOAT: value = json_real (sqlite3_column_double (stmt, i)); break;
        case SQLITE_NULL: value = json_null (); break;
        default: value = json ? json_loads (text, 0, NULL) : json_string (text); break;
        }
        if (!value || json_object_set_new (row, name, value)) {
            json_decref (row);
            return NULL;
        }
    }
    return row;
}

int
qf_store__rows_json (qf_store_t *self, sqlite3_stmt *stmt, qf_store_row_fn *row, void *arg,
                     const char *what, json_t **list_p)
{
    json_t *list = json_array ();
    if (!list) {
        sqlite3_reset (stmt);
        return QF_ENOMEM;
    }
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        json_t *item = row (stmt, arg);
        if (!item || json_array_append_new (list, item)) {
            sqlite3_reset (stmt);
            json_decref (list);
            return QF_ENOMEM;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = qf_store__fail (self, what);
        sqlite3_reset (stmt);
        json_decref (list);
        return rc;
    }
    sqlite3_reset (stmt);
    *list_p = list;
    return 0;
}

int
qf_store__tally (qf_store_t *self, sqlite3_stmt *stmt, qf_store_tally_fn *fn, void *arg,
                 const char *what)
{
    int rc = 0, step;
    while (!rc && (step = sqlite3_step (stmt)) == SQLITE_ROW)
        rc = fn (arg, (const char *)sqlite3_column_text (stmt, 0), sqlite3_column_int64 (stmt, 1),
                 sqlite3_column_double (stmt, 2));
    if (!rc && step != SQLITE_DONE)
        rc = qf_store__fail (self, what);
    sqlite3_reset (stmt);
    return rc;
}

int
qf_store__row_json (qf_store_t *self, sqlite3_stmt *stmt, qf_store_row_fn *row, void *arg,
                    const char *what, json_t **record_p)
{
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_DONE) {
        sqlite3_reset (stmt);
        return QF_ENOTFOUND;
    }
    if (rc != SQLITE_ROW) {
        rc = qf_store__fail (self, what);
        sqlite3_reset (stmt);
        return rc;
    }
    json_t *record = row (stmt, arg);
    sqlite3_reset (stmt);
    if (!record)
        return QF_ENOMEM;
    *record_p = record;
    return 0;
}

static int
s_lock (qf_store_t *self, char *error, size_t error_size)
{
    char lock_path[4200];
    snprintf (lock_path, sizeof lock_path, "%s.lock", self->path);
    self->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd < 0) {
        snprintf (error, error_size,
                  "cannot open lock file %s: %s; check the directory exists "
                  "and is writable",
                  lock_path, strerror (errno));
        return QF_EIO;
    }
    if (flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "?";
        ssize_t n = pread (self->lock_fd, pid, sizeof pid - 1, 0);
        if (n > 0)
            pid[n] = 0;
        pid[strcspn (pid, "\n")] = 0;
        snprintf (error, error_size,
                  "database %s is in use by another qualflowd (pid %s); "
                  "stop that daemon first or use another database",
                  self->path, pid);
        return QF_EBUSY;
    }
    char text[32];
    int len = snprintf (text, sizeof text, "%d\n", (int)getpid ());
    if (ftruncate (self->lock_fd, 0) != 0 || pwrite (self->lock_fd, text, (size_t)len, 0) != len)
        qf_warn ("cannot write pid to %s: %s", lock_path, strerror (errno));
    return 0;
}

/* Creates the database file, empty, readable by its owner only when it
   does not exist yet. SQLite would create it with mode 0644 (less the
   umask), and it gives the -wal and -shm files the database file's mode,
   so this one mode keeps all three private. */
static int
s_create_private (const char *path, char *error, size_t error_size)
{
    int fd = open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        snprintf (error, error_size, "cannot create database %s: %s", path, strerror (errno));
        return QF_EIO;
    }
    /* 0600 whatever the umask: an umask of 0277 would leave it unwritable. */
    int rc = fchmod (fd, 0600);
    close (fd);
    if (rc != 0) {
        snprintf (error, error_size, "cannot set the mode of database %s: %s", path,
                  strerror (errno));
        return QF_EIO;
    }
    return 0;
}

/* PRAGMA foreign_key_check finds nothing: SQLITE_OK, else SQLITE_CONSTRAINT
   with *errmsg naming the first row that refers to no row. */
static int
s_foreign_keys_hold (sqlite3 *db, char **errmsg)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (db, "PRAGMA foreign_key_check", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW) {
        *errmsg = sqlite3_mprintf ("row %lld of %s refers to no row of %s",
                                   (long long)sqlite3_column_int64 (stmt, 1),
                                   (const char *)sqlite3_column_text (stmt, 0),
                                   (const char *)sqlite3_column_text (stmt, 2));
        rc = SQLITE_CONSTRAINT;
    } else if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    else
        *errmsg = sqlite3_mprintf ("%s", sqlite3_errmsg (db));
    sqlite3_finalize (stmt);
    return rc;
}

static int
s_migrate (qf_store_t *self, char *error, size_t error_size)
{
    sqlite3_stmt *stmt = NULL;
    int version = 0;
    if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW)
        version = sqlite3_column_int (stmt, 0);
    sqlite3_finalize (stmt);
    if (version > MIGRATION_COUNT) {
        snprintf (error, error_size,
                  "database %s has schema version %d, newer than this "
                  "qualflowd understands (%d); run a newer qualflowd",
                  self->path, version, MIGRATION_COUNT);
        return QF_EINVAL;
    }
    /* A database of an older release: some migrations rebuild a table, which
       on a large database takes time (README Operations: Upgrades) that the
       operator should not mistake for a hung start. */
    if (version > 0 && version < MIGRATION_COUNT)
        qf_info ("database %s: upgrading its schema from version %d to %d before the first "
                 "request; a migration that rebuilds a table copies it, which on a large "
                 "database takes a while and as much free disk space as the table",
                 self->path, version, MIGRATION_COUNT);
    for (int v = version; v < MIGRATION_COUNT; v++) {
        int64_t started = qf_time_mono_ms ();
        char *errmsg = NULL;
        char bump[64];
        snprintf (bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        bool parent = v + 1 == MIGRATION_REBUILDS_PARENT;
        /* Each migration and its version bump commit together. */
        if ((parent &&
             sqlite3_exec (self->db, "PRAGMA foreign_keys=OFF", NULL, NULL, &errmsg) != SQLITE_OK) ||
            sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, &errmsg) != SQLITE_OK ||
            sqlite3_exec (self->db, s_migrations[v], NULL, NULL, &errmsg) != SQLITE_OK ||
            (parent && s_foreign_keys_hold (self->db, &errmsg) != SQLITE_OK) ||
            sqlite3_exec (self->db, bump, NULL, NULL, &errmsg) != SQLITE_OK ||
            sqlite3_exec (self->db, "COMMIT", NULL, NULL, &errmsg) != SQLITE_OK) {
            snprintf (error, error_size, "database %s: migration %d failed: %s", self->path, v + 1,
                      errmsg ? errmsg : "?");
            sqlite3_free (errmsg);
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
            sqlite3_exec (self->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
            return QF_EIO;
        }
        if (parent && sqlite3_exec (self->db, "PRAGMA foreign_keys=ON", NULL, NULL, &errmsg) !=
                          SQLITE_OK) {
            snprintf (error, error_size, "database %s: foreign keys not back on: %s", self->path,
                      errmsg ? errmsg : "?");
            sqlite3_free (errmsg);
            return QF_EIO;
        }
        qf_info ("database %s: applied migration %d in %.1f s", self->path, v + 1,
                 (qf_time_mono_ms () - started) / 1000.0);
    }
    return 0;
}

/* Applies each module's own migrations past the version qf_schema records
   for it, each with its version bump in one transaction. Refuses a
   database where a module is at a version newer than this binary knows. */
static int
s_migrate_modules (qf_store_t *self, char *error, size_t error_size)
{
    static const char get_sql[] = "SELECT version FROM qf_schema WHERE module = ?1";
    static const char put_sql[] = "INSERT INTO qf_schema (module, version) VALUES (?1, ?2) "
                                  "ON CONFLICT (module) DO UPDATE SET version = excluded.version";
    sqlite3_stmt *get = NULL, *put = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2 (self->db, get_sql, -1, &get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2 (self->db, put_sql, -1, &put, NULL) != SQLITE_OK) {
        snprintf (error, error_size, "database %s: cannot read module schema versions: %s",
                  self->path, sqlite3_errmsg (self->db));
        rc = QF_EIO;
        goto done;
    }
    for (size_t m = 0; self->modules[m]; m++) {
        const qf_module_t *module = self->modules[m];
        int64_t version = 0;
        sqlite3_bind_text (get, 1, module->name, -1, SQLITE_STATIC);
        if ((rc = qf_store__int_or (self, get, 0, &version, "read module schema version"))) {
            snprintf (error, error_size,
                      "database %s: cannot read the schema version of module %s: %s", self->path,
                      module->name, sqlite3_errmsg (self->db));
            goto done;
        }
        if (version > (int64_t)module->migration_count) {
            snprintf (error, error_size,
                      "database %s has schema version %lld for module %s, newer than this "
                      "qualflowd understands (%zu); run a newer qualflowd",
                      self->path, (long long)version, module->name, module->migration_count);
            rc = QF_EINVAL;
            goto done;
        }
        for (size_t v = (size_t)version; v < module->migration_count; v++) {
            char *errmsg = NULL;
            if (!module->migrations[v]) {
                /* A count ahead of the array: never bump a version for nothing. */
                snprintf (error, error_size,
                          "module %s declares %zu migrations but has no migration %zu: a "
                          "build error, fix the module",
                          module->name, module->migration_count, v + 1);
                rc = QF_EINVAL;
                goto done;
            }
            sqlite3_reset (put);
            sqlite3_bind_text (put, 1, module->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64 (put, 2, (sqlite3_int64)v + 1);
            /* Each migration and its version bump commit together. */
            if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, &errmsg) != SQLITE_OK ||
                sqlite3_exec (self->db, module->migrations[v], NULL, NULL, &errmsg) != SQLITE_OK ||
                sqlite3_step (put) != SQLITE_DONE ||
                sqlite3_exec (self->db, "COMMIT", NULL, NULL, &errmsg) != SQLITE_OK) {
                snprintf (error, error_size, "database %s: migration %zu of module %s failed: %s",
                          self->path, v + 1, module->name,
                          errmsg ? errmsg : sqlite3_errmsg (self->db));
                sqlite3_free (errmsg);
                sqlite3_reset (put);
                sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
                rc = QF_EIO;
                goto done;
            }
            qf_info ("database %s: applied migration %zu of module %s", self->path, v + 1,
                     module->name);
        }
    }
done:
    sqlite3_finalize (get);
    sqlite3_finalize (put);
    return rc;
}

int
qf_store__prepare (qf_store_t *self, const qf_store_sql_t *sql, char *error, size_t error_size)
{
    if (self->part_count == QF_STORE_PARTS_MAX) {
        snprintf (error, error_size,
                  "module %s: no room for its statements (%d modules have statements); raise "
                  "QF_STORE_PARTS_MAX in qf_store_int.h",
                  sql->owner, QF_STORE_PARTS_MAX);
        return QF_EINVAL;
    }
    sqlite3_stmt **stmts = calloc ((size_t)sql->count + 1, sizeof *stmts);
    if (!stmts) {
        snprintf (error, error_size, "out of memory");
        return QF_ENOMEM;
    }
    /* Kept before preparing, so that destroy finalizes what was prepared. */
    self->parts[self->part_count++] = (qf_store_part_t){sql, stmts};
    for (int i = 0; i < sql->count; i++)
        if (sqlite3_prepare_v3 (self->db, sql->sql[i], -1, SQLITE_PREPARE_PERSISTENT, &stmts[i],
                                NULL) != SQLITE_OK) {
            snprintf (error, error_size,
                      "database %s: cannot prepare statement %d of module %s: %s", self->path, i,
                      sql->owner, sqlite3_errmsg (self->db));
            return QF_EIO;
        }
    return 0;
}

int
qf_store_schema_version (void)
{
    return MIGRATION_COUNT;
}

/* SQLite's memory statistics are off: no part of qualflow reads them, and
   with them every allocation SQLite makes takes a global mutex. Set once,
   before SQLite initialises; if something in the process already
   initialised it, the call is refused and SQLite keeps counting, which
   changes nothing but the cost. */
static pthread_once_t s_sqlite_once = PTHREAD_ONCE_INIT;

static void
s_sqlite_config (void)
{
    sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
}

/* An event's seq and time from a bound statement of ST_EVENT_FROM or
   ST_EVENT_NEWEST: 0, QF_ENOTFOUND when it has no row, or the error. */
static int
s_event_seq_time (qf_store_t *self, sqlite3_stmt *stmt, uint64_t *seq_p, int64_t *time_p)
{
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW) {
        *seq_p = (uint64_t)sqlite3_column_int64 (stmt, 0);
        *time_p = sqlite3_column_int64 (stmt, 1);
    }
    sqlite3_reset (stmt);
    return rc == SQLITE_ROW    ? 0
           : rc == SQLITE_DONE ? QF_ENOTFOUND
                               : qf_store__fail (self, "read the event log");
}

/* The first event at or after seq `from`. */
static int
s_event_from (qf_store_t *self, uint64_t from, uint64_t *seq_p, int64_t *time_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_EVENT_FROM);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)from);
    return s_event_seq_time (self, stmt, seq_p, time_p);
}

/* The newest event of the log. */
static int
s_event_newest (qf_store_t *self, uint64_t *seq_p, int64_t *time_p)
{
    return s_event_seq_time (self, s_stmt (self, ST_EVENT_NEWEST), seq_p, time_p);
}

#define SEQ_SETTING "events.last_seq"

/* At open: the highest seq given, when retention deleted the events up to
   it (migration 13), is where the next event's seq starts. */
static int
s_seq_kept (qf_store_t *self, char *error, size_t error_size)
{
    char *kept = NULL;
    int rc = qf_store_setting_get (self, SEQ_SETTING, &kept);
    if (rc == QF_ENOTFOUND)
        return 0;
    if (rc) {
        snprintf (error, error_size, "database %s: cannot read setting %s: %s", self->path,
                  SEQ_SETTING, sqlite3_errmsg (self->db));
        return rc;
    }
    uint64_t seq = strtoull (kept, NULL, 10);
    free (kept);
    if (seq > self->last_seq) {
        self->last_seq = seq;
        self->seq_above_log = true;
    }
    return 0;
}

qf_store_t *
qf_store_new (const char *path, qf_durability_t durability, char *error, size_t error_size)
{
    return qf_store_new_with (path, durability, qf_modules, error, error_size);
}

qf_store_t *
qf_store_new_with (const char *path, qf_durability_t durability, const qf_module_t *const *modules,
                   char *error, size_t error_size)
{
    qf_store_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (error, error_size, "out of memory");
        return NULL;
    }
    self->lock_fd = -1;
    self->modules = modules;
    pthread_mutex_init (&self->checkpointer_lock, NULL);
    pthread_cond_init (&self->checkpointer_wake, NULL);
    atomic_init (&self->checkpointer_stop, false);
    atomic_init (&self->checkpointing, false);
    atomic_init (&self->checkpoints_done, 0);
    self->path = strdup (path);
    if (!self->path) {
        snprintf (error, error_size, "out of memory");
        goto fail;
    }
    if (s_lock (self, error, error_size))
        goto fail;
    if (s_create_private (path, error, error_size))
        goto fail;
    pthread_once (&s_sqlite_once, s_sqlite_config);
    if (sqlite3_open_v2 (path, &self->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                         NULL) != SQLITE_OK) {
        snprintf (error, error_size, "cannot open database %s: %s", path,
                  self->db ? sqlite3_errmsg (self->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes (self->db, 1);
    const char *pragmas = durability == QF_DURABILITY_FULL
                              ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                              : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
    /* journal_size_limit: the WAL file is cut back to 4 MiB when it restarts,
       so that a burst does not keep its space, and on a full disk the frames
       a checkpoint must fold into the database (the space it needs to bring
       commits back) are bounded by it. 4 MiB is the loop's checkpoint
       point (QF_STORE_WAL_PAGES), which the WAL seldom passes. */
    char *errmsg = NULL;
    if (sqlite3_exec (self->db, pragmas, NULL, NULL, &errmsg) != SQLITE_OK ||
        sqlite3_exec (self->db,
                      "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; "
                      "PRAGMA journal_size_limit=4194304;",
                      NULL, NULL, &errmsg) != SQLITE_OK) {
        snprintf (error, error_size, "cannot configure database %s: %s", path,
                  errmsg ? errmsg : "?");
        sqlite3_free (errmsg);
        goto fail;
    }
    if (s_migrate (self, error, error_size) || s_migrate_modules (self, error, error_size))
        goto fail;
    /* The schema (a new database's is most of a megabyte of WAL) is folded
       into the database file before the first request: a disk that fills up
       right after start must not leave a checkpoint needing that much space
       before commits can resume. */
    s_checkpoint (self, self->db);
    sqlite3_wal_hook (self->db, s_wal_hook, self);
    for (int i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3 (self->db, s_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &self->stmts[i],
                                NULL) != SQLITE_OK) {
            snprintf (error, error_size, "database %s: cannot prepare statement %d: %s", path, i,
                      sqlite3_errmsg (self->db));
            goto fail;
        }
    if (qf_store_timers_open (self, error, error_size))
        goto fail;
    for (size_t m = 0; modules[m]; m++)
        if (modules[m]->store_open && modules[m]->store_open (self, error, error_size))
            goto fail;
    /* The next event's seq and its earliest time come from the newest. */
    int found = s_event_newest (self, &self->last_seq, &self->last_time);
    if (found && found != QF_ENOTFOUND) {
        snprintf (error, error_size, "database %s: cannot read the newest event: %s", self->path,
                  sqlite3_errmsg (self->db));
        goto fail;
    }
    if (s_seq_kept (self, error, error_size))
        goto fail;
    /* Checkpoints: a thread copies WAL frames into the database in the
       background; the loop's own (qf_store_checkpoint, past 1000 pages,
       after a batch's replies) then finds little left to copy, and lets
       the WAL restart so that it stays small. */
    if (pthread_create (&self->checkpointer, NULL, s_checkpointer, self) == 0)
        self->checkpointer_running = true;
    else
        qf_warn ("database %s: no checkpoint thread; checkpoints run at commit only", path);
    if (getrandom (self->id_prefix, sizeof self->id_prefix, 0) != (ssize_t)sizeof self->id_prefix) {
        snprintf (error, error_size, "cannot read random bytes for event ids: %s",
                  strerror (errno));
        goto fail;
    }
    return self;
fail:
    qf_store_destroy (&self);
    return NULL;
}

void
qf_store_destroy (qf_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_store_t *self = *self_p;
    if (self->checkpointer_running) {
        pthread_mutex_lock (&self->checkpointer_lock);
        atomic_store (&self->checkpointer_stop, true);
        pthread_cond_signal (&self->checkpointer_wake);
        pthread_mutex_unlock (&self->checkpointer_lock);
        pthread_join (self->checkpointer, NULL);
    }
    pthread_mutex_destroy (&self->checkpointer_lock);
    pthread_cond_destroy (&self->checkpointer_wake);
    if (self->in_txn)
        qf_store_rollback (self);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize (self->stmts[i]);
    qf_store_timers_close (self);
    /* A module whose store_open was not reached closes nothing it lacks. */
    for (size_t m = 0; self->modules && self->modules[m]; m++)
        if (self->modules[m]->store_close)
            self->modules[m]->store_close (self);
    for (int i = 0; i < self->part_count; i++) {
        for (int j = 0; j < self->parts[i].sql->count; j++)
            sqlite3_finalize (self->parts[i].stmts[j]);
        free (self->parts[i].stmts);
    }
    if (self->db) {
        /* Fold the WAL back so the file is self-contained after a clean stop. */
        sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        sqlite3_close (self->db);
    }
    s_pending_free (self->pending, self->pending_count);
    free (self->pending);
    s_pending_free (self->committed, self->committed_count);
    free (self->committed);
    if (self->lock_fd >= 0)
        close (self->lock_fd);
    free (self->path);
    free (self);
    *self_p = NULL;
}

const char *
qf_store_path (qf_store_t *self)
{
    return self->path;
}

void
qf_store_storage (qf_store_t *self, qf_store_storage_t *storage)
{
    storage->full = self->full_since != 0;
    storage->low = self->low_space;
    storage->since = self->full_since;
    storage->refused = self->full_refused;
    storage->free_bytes = s_free_bytes (self);
    char wal[4200];
    snprintf (wal, sizeof wal, "%s-wal", self->path);
    struct stat st;
    storage->wal_bytes = stat (wal, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Generations are counted for the whole process, so that two stores
   never share one. */
static atomic_uint_fast64_t s_generations;

uint64_t
qf_store_generation (qf_store_t *self)
{
    return self->generation;
}

uint64_t
qf_store_changes (qf_store_t *self)
{
    return (uint64_t)sqlite3_total_changes64 (self->db) + self->pending_count;
}

void
qf_store_touch (qf_store_t *self)
{
    self->generation = atomic_fetch_add (&s_generations, 1) + 1;
}

int
qf_store_begin (qf_store_t *self)
{
    if (self->in_txn)
        return 0;
    qf_store_touch (self);
    /* Read before BEGIN: a checkpoint counted by then emptied the WAL
       before this transaction's snapshot (qf_store_commit). */
    self->begin_checkpoints = atomic_load (&self->checkpoints_done);
    self->begin_changes = sqlite3_total_changes64 (self->db);
    int rc = qf_store__exec (self, s_stmt (self, ST_BEGIN), "BEGIN");
    if (rc == 0) {
        self->in_txn = true;
        self->savepoint_mark = 0;
    }
    return rc;
}

int
qf_store_commit (qf_store_t *self)
{
    if (!self->in_txn)
        return 0;
    /* A transaction that changed no row writes nothing (a retention pass
       with nothing to delete): it neither needs space nor shows that space
       came back. */
    bool writes = sqlite3_total_changes64 (self->db) != self->begin_changes;
    /* Full: a COMMIT now would append to the WAL and take the space that
       comes back, which the checkpoint needs to grow the database. So it is
       tried again only by a transaction that began after a checkpoint
       emptied the WAL (it starts the WAL again instead of growing it), or
       at once when there is no checkpoint thread to wait for. */
    if (writes && self->full_since && self->begin_checkpoints == self->full_checkpoints &&
        atomic_load (&self->checkpointing)) {
        qf_store_rollback (self);
        self->full_refused++;
        return QF_EFULL;
    }
    unsigned checkpoints = atomic_load (&self->checkpoints_done);
    int rc = qf_store__exec (self, s_stmt (self, ST_COMMIT), "COMMIT");
    if (rc) {
        qf_store_rollback (self);
        if (rc == QF_EFULL) {
            if (!self->full_since)
                self->full_since = qf_time_now_ms ();
            self->full_refused++;
            self->full_checkpoints = checkpoints;
        }
        return rc;
    }
    if (writes && self->full_since) {
        qf_info ("database %s: commits are written again, after %llu refused for want of space "
                 "in %lld s",
                 self->path, (unsigned long long)self->full_refused,
                 (long long)((qf_time_now_ms () - self->full_since) / 1000));
        self->full_since = 0;
        self->full_refused = 0;
    }
    /* Low on space, the checkpointer seldom catches up between one commit
       and the next transaction, so the WAL would grow into the space the
       database needs; folded back here, the next transaction starts it
       again and reuses its file. */
    if (writes && s_low_space (self))
        s_checkpoint_timed (self);
    self->in_txn = false;
    /* The appended events are now durable: hand them over. */
    s_pending_free (self->committed, self->committed_count);
    free (self->committed);
    self->committed = self->pending;
    self->committed_count = self->pending_count;
    if (self->pending_count) {
        self->last_seq = self->pending[self->pending_count - 1].seq;
        self->seq_above_log = false;
    }
    self->pending = NULL;
    self->pending_count = self->pending_cap = 0;
    return 0;
}

int
qf_store_rollback (qf_store_t *self)
{
    int rc = 0;
    if (self->in_txn && !sqlite3_get_autocommit (self->db))
        rc = qf_store__exec (self, s_stmt (self, ST_ROLLBACK), "ROLLBACK");
    qf_store_touch (self);
    self->in_txn = false;
    s_pending_free (self->pending, self->pending_count);
    self->pending_count = 0;
    return rc;
}

bool
qf_store_in_transaction (qf_store_t *self)
{
    return self->in_txn;
}

int
qf_store_savepoint (qf_store_t *self)
{
    self->savepoint_mark = self->pending_count;
    return qf_store__exec (self, s_stmt (self, ST_SAVEPOINT), "SAVEPOINT");
}

int
qf_store_release (qf_store_t *self)
{
    return qf_store__exec (self, s_stmt (self, ST_RELEASE), "RELEASE");
}

int
qf_store_rollback_savepoint (qf_store_t *self)
{
    /* Events appended since the savepoint are undone with it. */
    s_pending_free (self->pending + self->savepoint_mark,
                    self->pending_count - self->savepoint_mark);
    self->pending_count = self->savepoint_mark;
    qf_store_touch (self);
    int rc = qf_store__exec (self, s_stmt (self, ST_ROLLBACK_TO), "ROLLBACK TO");
    if (rc == 0)
        rc = qf_store__exec (self, s_stmt (self, ST_RELEASE), "RELEASE");
    return rc;
}

int
qf_store_in_savepoint (qf_store_t *self, qf_store_work_fn *fn, void *arg)
{
    int rc = qf_store_begin (self);
    if (rc == 0)
        rc = qf_store_savepoint (self);
    if (rc)
        return rc;
    rc = fn (self, arg);
    if (rc == 0)
        rc = qf_store_release (self);
    /* A savepoint that could not be released is undone too, so that its
       events are not published with a batch that lacks its rows. */
    if (rc)
        qf_store_rollback_savepoint (self);
    return rc;
}

int
qf_store_unguarded (qf_store_t *self, qf_store_work_fn *fn, void *arg, bool *partial_p)
{
    *partial_p = false;
    int rc = qf_store_begin (self);
    if (rc)
        return rc;
    uint64_t before = qf_store_changes (self);
    rc = fn (self, arg);
    *partial_p = rc != 0 && qf_store_changes (self) != before;
    return rc;
}

static void
s_make_id (qf_store_t *self, char *out)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t bytes[16];
    memcpy (bytes, self->id_prefix, 8);
    uint64_t counter = ++self->id_counter;
    for (int i = 0; i < 8; i++)
        bytes[8 + i] = (uint8_t)(counter >> (56 - 8 * i));
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[32] = 0;
}

/* Encodes a payload once (qf_json_encode: jansson's bytes, a tenth of its
   cost); `size_p` gets its length. A payload is an object or an array, as
   json_dumps without JSON_ENCODE_ANY insists. */
static char *
s_encode (json_t *payload, size_t *size_p)
{
    if (!json_is_object (payload) && !json_is_array (payload))
        return NULL;
    return qf_json_encode (payload, size_p);
}

int
qf_store_event_append (qf_store_t *self, const char *topic, const char *subject, json_t *payload,
                       int64_t time, uint64_t *seq_p)
{
    if (!self->in_txn)
        return QF_EINVAL;
    size_t size = 0;
    char *text = s_encode (payload, &size);
    if (!text)
        return QF_ENOMEM;
    return qf_store_event_append_text (self, topic, subject, text, size, time, seq_p);
}

int
qf_store_event_append_text (qf_store_t *self, const char *topic, const char *subject, char *text,
                            size_t size, int64_t time, uint64_t *seq_p)
{
    if (!self->in_txn || !text) {
        free (text);
        return text ? QF_EINVAL : QF_ENOMEM;
    }
    if (self->pending_count == self->pending_cap) {
        size_t cap = self->pending_cap ? self->pending_cap * 2 : 64;
        qf_pending_t *items = realloc (self->pending, cap * sizeof *items);
        if (!items) {
            free (text);
            return QF_ENOMEM;
        }
        self->pending = items;
        self->pending_cap = cap;
    }
    qf_pending_t *item = &self->pending[self->pending_count];
    memset (item, 0, sizeof *item);
    item->payload = text;
    item->payload_size = size;
    item->topic = strdup (topic);
    item->subject = strdup (subject ? subject : "");
    if (!item->topic || !item->subject) {
        s_pending_free (item, 1);
        return QF_ENOMEM;
    }
    /* Never before the event ahead of it, so that times grow along the
       log even when the clock is set back (migration 15). */
    if (time < self->last_time)
        time = self->last_time;
    self->last_time = time;
    item->time = time;
    s_make_id (self, item->id);
    sqlite3_stmt *stmt = s_stmt (self, ST_EVENT_INSERT);
    sqlite3_bind_text (stmt, 1, item->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, time);
    sqlite3_bind_text (stmt, 3, item->topic, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, item->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, item->payload, (int)item->payload_size, SQLITE_STATIC);
    /* Past the seq retention kept when the log holds none above it; the
       later events of the transaction follow it by max (seq) + 1. */
    if (self->seq_above_log && self->pending_count == 0)
        sqlite3_bind_int64 (stmt, 6, (sqlite3_int64)self->last_seq + 1);
    int rc = qf_store__exec (self, stmt, "insert event");
    if (rc) {
        s_pending_free (item, 1);
        return rc;
    }
    item->seq = (uint64_t)sqlite3_last_insert_rowid (self->db);
    self->pending_count++;
    if (seq_p)
        *seq_p = item->seq;
    return 0;
}

const char *
qf_store_last_payload (qf_store_t *self, size_t *size_p)
{
    if (self->pending_count == 0)
        return NULL;
    *size_p = self->pending[self->pending_count - 1].payload_size;
    return self->pending[self->pending_count - 1].payload;
}

void
qf_event_list_free (qf_event_list_t *list)
{
    for (size_t i = 0; i < list->arena_count; i++)
        free (list->arena[i]);
    free (list->arena);
    free (list->items);
    memset (list, 0, sizeof *list);
}

int
qf_store_defer_sync (qf_store_t *self, char *wal_path, size_t size)
{
    const char *wal = sqlite3_filename_wal (sqlite3_db_filename (self->db, "main"));
    if (!wal || (size_t)snprintf (wal_path, size, "%s", wal) >= size)
        return QF_EINVAL;
    return sqlite3_exec (self->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : qf_store__fail (self, "PRAGMA synchronous=NORMAL");
}

void
qf_store_take_committed (qf_store_t *self, qf_event_list_t *list)
{
    memset (list, 0, sizeof *list);
    size_t n = self->committed_count;
    if (n == 0)
        return;
    list->items = calloc (n, sizeof *list->items);
    list->arena = calloc (3 * n, sizeof *list->arena);
    if (!list->items || !list->arena) {
        /* Publishing is best effort; workers read the log anyway. */
        qf_error ("out of memory handing %zu committed events to publish", n);
        free (list->items);
        free (list->arena);
        memset (list, 0, sizeof *list);
        s_pending_free (self->committed, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            qf_pending_t *p = &self->committed[i];
            qf_event_t *e = &list->items[i];
            e->seq = p->seq;
            memcpy (e->id, p->id, sizeof e->id);
            e->time = p->time;
            e->topic = p->topic;
            e->subject = p->subject;
            e->payload = p->payload;
            e->payload_size = p->payload_size;
            list->arena[list->arena_count++] = p->topic;
            list->arena[list->arena_count++] = p->subject;
            list->arena[list->arena_count++] = p->payload;
        }
        list->count = n;
    }
    free (self->committed);
    self->committed = NULL;
    self->committed_count = 0;
}

uint64_t
qf_store_last_seq (qf_store_t *self)
{
    return self->last_seq;
}

/* Fills an event from a row of (seq, id, time, topic, subject, payload). */
static void
s_row_event (sqlite3_stmt *stmt, qf_event_t *event)
{
    event->seq = (uint64_t)sqlite3_column_int64 (stmt, 0);
    const char *id = (const char *)sqlite3_column_text (stmt, 1);
    snprintf (event->id, sizeof event->id, "%s", id ? id : "");
    event->time = sqlite3_column_int64 (stmt, 2);
    event->topic = (const char *)sqlite3_column_text (stmt, 3);
    event->subject = (const char *)sqlite3_column_text (stmt, 4);
    event->payload = (const char *)sqlite3_column_text (stmt, 5);
    event->payload_size = (size_t)sqlite3_column_bytes (stmt, 5);
}

static int
s_events_run (qf_store_t *self, sqlite3_stmt *stmt, qf_event_fn *fn, void *arg)
{
    int rc, found = 0;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        qf_event_t event;
        s_row_event (stmt, &event);
        found++;
        if (fn (&event, arg))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_reset (stmt);
        return qf_store__fail (self, "read events");
    }
    sqlite3_reset (stmt);
    return found ? 0 : QF_ENOTFOUND;
}

int
qf_store_events_after (qf_store_t *self, uint64_t after, int limit, qf_event_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_EVENT_AFTER);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)after);
    sqlite3_bind_int (stmt, 2, limit);
    int rc = s_events_run (self, stmt, fn, arg);
    return rc == QF_ENOTFOUND ? 0 : rc;
}

int
qf_store_event_get (qf_store_t *self, uint64_t seq, qf_event_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_EVENT_GET);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)seq);
    return s_events_run (self, stmt, fn, arg);
}

static int
s_event_to_json (const qf_event_t *event, void *arg)
{
    json_t *list = arg;
    json_t *payload = json_loadb (event->payload, event->payload_size, 0, NULL);
    json_t *item =
        json_pack ("{s:I, s:s, s:I, s:s, s:s, s:o}", "seq", (json_int_t)event->seq, "id", event->id,
                   "time", (json_int_t)event->time, "topic", event->topic, "subject",
                   event->subject, "payload", payload ? payload : json_object ());
    if (item)
        json_array_append_new (list, item);
    return 0;
}

int
qf_store_events_json (qf_store_t *self, uint64_t after, int limit, const char *topic,
                      json_t **list_p)
{
    json_t *list = json_array ();
    if (!list)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (self, topic ? ST_EVENT_AFTER_TOPIC : ST_EVENT_AFTER);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)after);
    sqlite3_bind_int (stmt, 2, limit);
    if (topic)
        sqlite3_bind_text (stmt, 3, topic, -1, SQLITE_TRANSIENT);
    int rc = s_events_run (self, stmt, s_event_to_json, list);
    if (rc && rc != QF_ENOTFOUND) {
        json_decref (list);
        return rc;
    }
    *list_p = list;
    return 0;
}

/* Consumer groups ----------------------------------------------------------- */

int
qf_store_groups_load (qf_store_t *self, qf_group_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_GROUP_LOAD);
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        if (fn ((const char *)sqlite3_column_text (stmt, 0),
                (const char *)sqlite3_column_text (stmt, 1),
                (uint64_t)sqlite3_column_int64 (stmt, 2), arg))
            break;
    }
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return qf_store__fail (self, "load groups");
    return 0;
}

int
qf_store_group_upsert (qf_store_t *self, const char *name, const char *topics_json, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_GROUP_UPSERT);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, topics_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "save group");
}

int
qf_store_group_set_floor (qf_store_t *self, const char *name, uint64_t floor)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_GROUP_FLOOR);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)floor);
    int rc = qf_store__exec (self, stmt, "save group position");
    if (rc)
        return rc;
    stmt = s_stmt (self, ST_GROUP_ACK_TRIM);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)floor);
    return qf_store__exec (self, stmt, "trim group acks");
}

int
qf_store_group_ack_add (qf_store_t *self, const char *name, uint64_t seq)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_GROUP_ACK_ADD);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)seq);
    return qf_store__exec (self, stmt, "save ack");
}

int
qf_store_group_acks_load (qf_store_t *self, const char *name, int (*fn) (uint64_t seq, void *arg),
                          void *arg)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_GROUP_ACKS);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (fn ((uint64_t)sqlite3_column_int64 (stmt, 0), arg))
            break;
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return qf_store__fail (self, "load group acks");
    return 0;
}

int
qf_store_result_seen (qf_store_t *self, const char *group, const char *event_id, bool *seen_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_RESULT_SEEN);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, event_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return qf_store__fail (self, "read results");
    *seen_p = rc == SQLITE_ROW;
    return 0;
}

int
qf_store_result_add (qf_store_t *self, const char *group, const char *event_id, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_RESULT_ADD);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "save result");
}

int
qf_store_check (qf_store_t *self, char *error, size_t error_size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = QF_EIO;
    if (sqlite3_prepare_v2 (self->db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text (stmt, 0);
        snprintf (error, error_size, "%s", text ? text : "?");
        rc = text && strcmp (text, "ok") == 0 ? 0 : QF_EIO;
    }
    sqlite3_finalize (stmt);
    return rc;
}

/* Reliable delivery ------------------------------------------------------- */

int
qf_store_group_ack_delete (qf_store_t *self, const char *name, uint64_t seq)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_GROUP_ACK_DELETE);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)seq);
    return qf_store__exec (self, stmt, "delete ack");
}

int
qf_store_group_reset (qf_store_t *self, const char *name, uint64_t floor)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_GROUP_ACKS_CLEAR);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    int rc = qf_store__exec (self, stmt, "clear acks");
    if (rc == 0) {
        stmt = s_stmt (self, ST_DELIVERIES_CLEAR);
        sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
        rc = qf_store__exec (self, stmt, "clear deliveries");
    }
    if (rc == 0)
        rc = qf_store_group_set_floor (self, name, floor);
    return rc;
}

int
qf_store_group_delete (qf_store_t *self, const char *name)
{
    static const stmt_id_t statements[] = {ST_GROUP_ACKS_CLEAR, ST_DELIVERIES_CLEAR,
                                           ST_GROUP_DLQ_CLEAR, ST_GROUP_RESULTS_CLEAR,
                                           ST_GROUP_DELETE};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof statements / sizeof statements[0]; i++) {
        sqlite3_stmt *stmt = s_stmt (self, statements[i]);
        sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
        rc = qf_store__exec (self, stmt, "delete group");
    }
    return rc;
}

int
qf_store_delivery_put (qf_store_t *self, const char *group, uint64_t seq, uint32_t attempts,
                       const char *last_error, bool pinned)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_DELIVERY_PUT);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)seq);
    sqlite3_bind_int64 (stmt, 3, attempts);
    sqlite3_bind_text (stmt, 4, last_error ? last_error : "", -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 5, pinned ? 1 : 0);
    return qf_store__exec (self, stmt, "save delivery attempts");
}

int
qf_store_delivery_delete (qf_store_t *self, const char *group, uint64_t seq)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_DELIVERY_DELETE);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)seq);
    return qf_store__exec (self, stmt, "delete delivery attempts");
}

int
qf_store_deliveries_load (qf_store_t *self, const char *group, qf_delivery_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_DELIVERIES_LOAD);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (fn ((uint64_t)sqlite3_column_int64 (stmt, 0), (uint32_t)sqlite3_column_int64 (stmt, 1),
                (const char *)sqlite3_column_text (stmt, 2), sqlite3_column_int (stmt, 3) != 0,
                arg))
            break;
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return qf_store__fail (self, "load deliveries");
    return 0;
}

int
qf_store_dlq_put (qf_store_t *self, const char *group, uint64_t seq, const char *event_id,
                  const char *topic, uint32_t attempts, const char *last_error, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_DLQ_PUT);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)seq);
    sqlite3_bind_text (stmt, 3, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, topic, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, attempts);
    sqlite3_bind_text (stmt, 6, last_error ? last_error : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 7, now);
    return qf_store__exec (self, stmt, "save dead letter");
}

int
qf_store_dlq_delete (qf_store_t *self, const char *group, uint64_t seq)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_DLQ_DELETE);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)seq);
    int rc = qf_store__exec (self, stmt, "delete dead letter");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        return QF_ENOTFOUND;
    return rc;
}

static json_t *
s_row_dead_letter (sqlite3_stmt *stmt)
{
    return json_pack (
        "{s:I, s:s, s:s, s:I, s:s, s:I}", "seq", (json_int_t)sqlite3_column_int64 (stmt, 0),
        "event_id", sqlite3_column_text (stmt, 1), "topic", sqlite3_column_text (stmt, 2),
        "attempts", (json_int_t)sqlite3_column_int64 (stmt, 3), "last_error",
        sqlite3_column_text (stmt, 4), "time", (json_int_t)sqlite3_column_int64 (stmt, 5));
}

int
qf_store_dlq_list (qf_store_t *self, const char *group, uint64_t after, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_DLQ_LIST);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)after);
    sqlite3_bind_int (stmt, 3, limit);
    json_t *list = json_array ();
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        json_array_append_new (list, s_row_dead_letter (stmt));
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        json_decref (list);
        return qf_store__fail (self, "list dead letters");
    }
    *list_p = list;
    return 0;
}

int
qf_store_dlq_get (qf_store_t *self, const char *group, uint64_t seq, json_t **item_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_DLQ_GET);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)seq);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *item_p = s_row_dead_letter (stmt);
    sqlite3_reset (stmt);
    if (rc == SQLITE_ROW)
        return *item_p ? 0 : QF_ENOMEM;
    return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read dead letter");
}

int
qf_store_dlq_count (qf_store_t *self, const char *group, int64_t *count_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_DLQ_COUNT);
    sqlite3_bind_text (stmt, 1, group, -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *count_p = sqlite3_column_int64 (stmt, 0);
    sqlite3_reset (stmt);
    return rc == SQLITE_ROW ? 0 : qf_store__fail (self, "count dead letters");
}

int
qf_store_event_seq_at (qf_store_t *self, int64_t time, uint64_t *seq_p)
{
    /* Times grow along the log (migration 15): a binary search over seqs,
       about 2 log2 (events) row reads, finds the first event at or after
       `time` without an index on time. Seqs may have gaps (retention
       deletes an old event behind a newer one in a log written while the
       clock was set back, before migration 15): each probe reads the first
       event from its seq. */
    uint64_t first = 0, last = 0;
    int64_t newest_time = 0;
    int rc = qf_store_event_first (self, &first);
    if (rc == 0 && (rc = s_event_newest (self, &last, &newest_time)) == QF_ENOTFOUND)
        rc = 0;
    if (rc)
        return rc;
    /* None at or after the time: the next seq, past the one retention kept
       when it emptied the log. */
    uint64_t found = (last > self->last_seq ? last : self->last_seq) + 1;
    uint64_t lo = first, hi = last;
    while (first > 0 && lo <= hi) {
        uint64_t mid = lo + (hi - lo) / 2, seq = 0;
        int64_t at = 0;
        rc = s_event_from (self, mid, &seq, &at);
        if (rc == QF_ENOTFOUND || (rc == 0 && seq > hi)) {
            hi = mid - 1; /* nothing in [mid, hi] */
            continue;
        }
        if (rc)
            return rc;
        if (at >= time) {
            found = seq;
            hi = mid - 1; /* mid >= first >= 1 */
        } else
            lo = seq + 1;
    }
    *seq_p = found;
    return 0;
}

int
qf_store_idempotency_get (qf_store_t *self, const char *owner, const char *key, char **command_p,
                          char **reply_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_IDEM_GET);
    sqlite3_bind_text (stmt, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW) {
        *command_p = strdup ((const char *)sqlite3_column_text (stmt, 0));
        *reply_p = strdup ((const char *)sqlite3_column_text (stmt, 1));
    }
    sqlite3_reset (stmt);
    if (rc == SQLITE_ROW) {
        if (*command_p && *reply_p)
            return 0;
        free (*command_p);
        free (*reply_p);
        return QF_ENOMEM;
    }
    return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read idempotency key");
}

int
qf_store_idempotency_put (qf_store_t *self, const char *owner, const char *key, const char *command,
                          const char *reply, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_IDEM_PUT);
    sqlite3_bind_text (stmt, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, command, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, reply, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 5, now);
    return qf_store__exec (self, stmt, "save idempotency key");
}

int
qf_store_setting_get (qf_store_t *self, const char *name, char **value_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_SETTING_GET);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    *value_p = NULL;
    if (rc == SQLITE_ROW) {
        *value_p = strdup ((const char *)sqlite3_column_text (stmt, 0));
        sqlite3_reset (stmt);
        return *value_p ? 0 : QF_ENOMEM;
    }
    sqlite3_reset (stmt);
    return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read setting");
}

int
qf_store_setting_put (qf_store_t *self, const char *name, const char *value)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_SETTING_PUT);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
    return qf_store__exec (self, stmt, "save setting");
}

int
qf_store_events_prune (qf_store_t *self, uint64_t up_to_seq, int64_t before, int limit,
                       int *deleted_p)
{
    /* A result only guards against redelivery of its event: once the event
       is gone it can never be delivered again, so its results go with it. */
    int rc = 0;
    *deleted_p = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        sqlite3_stmt *stmt = s_stmt (self, i == 0 ? ST_RESULTS_PRUNE : ST_EVENTS_PRUNE);
        sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)up_to_seq);
        sqlite3_bind_int64 (stmt, 2, before);
        sqlite3_bind_int (stmt, 3, limit);
        rc = qf_store__exec (self, stmt, i == 0 ? "prune results" : "prune events");
    }
    if (rc == 0)
        *deleted_p = sqlite3_changes (self->db);
    /* The newest event gone, max (seq) no longer says which seqs were
       given: the highest is kept, in the same transaction (migration 13). */
    if (rc == 0 && *deleted_p > 0 && up_to_seq >= self->last_seq) {
        char seq[24];
        snprintf (seq, sizeof seq, "%llu", (unsigned long long)self->last_seq);
        rc = qf_store_setting_put (self, SEQ_SETTING, seq);
        self->seq_above_log = true;
    }
    return rc;
}

int
qf_store_idempotency_prune (qf_store_t *self, int64_t before, int limit, int *deleted_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_IDEM_PRUNE);
    sqlite3_bind_int64 (stmt, 1, before);
    sqlite3_bind_int (stmt, 2, limit);
    int rc = qf_store__exec (self, stmt, "prune idempotency keys");
    *deleted_p = rc == 0 ? sqlite3_changes (self->db) : 0;
    return rc;
}

int
qf_store_event_first (qf_store_t *self, uint64_t *seq_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_EVENT_FIRST);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *seq_p = (uint64_t)sqlite3_column_int64 (stmt, 0);
    sqlite3_reset (stmt);
    return rc == SQLITE_ROW ? 0 : qf_store__fail (self, "read first event");
}
