/*  qf_store — all durable state, in one SQLite file. */
#include "qf_store.h"
#include "qf.h"
#include "qf_store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Numbered migrations: migration N brings user_version from N-1 to N.
   Append only; never edit a migration that has shipped. */
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
};
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
    ST_EVENT_LAST,
    ST_EVENT_AFTER_TOPIC,
    ST_QUAL_INSERT,
    ST_QUAL_GET,
    ST_QUAL_LIST,
    ST_QUAL_LIST_STATE,
    ST_QUAL_SET_STATE,
    ST_REVIEW_INSERT,
    ST_REVIEW_GET,
    ST_REVIEW_GET_ALL,
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
    ST_EVENT_AT_TIME,
    ST_IDEM_GET,
    ST_IDEM_PUT,
    ST_QUAL_LIST_EXPIRING,
    ST_QUAL_LIST_SELLABLE,
    ST_QUAL_SET_EXPIRES,
    ST_SETTING_GET,
    ST_SETTING_PUT,
    ST_RENEWAL_PUT,
    ST_RENEWAL_CLOSE,
    ST_RENEWALS,
    ST_POLICY_ADD,
    ST_POLICY_GET,
    ST_POLICY_ACTIVATE,
    ST_POLICY_LIFT,
    ST_POLICIES,
    ST_POLICY_SUSPEND,
    ST_POLICY_SUSPENDED,
    ST_SUSPENSION_HELD,
    ST_SUSPENSION_REVIEW,
    ST_SUSPENSION_REVIEWED,
    ST_POLICY_ACTIVE,
    ST_QUAL_SET_SUSPENDED,
    ST_REVIEW_DECIDE,
    ST_CAND_ADD,
    ST_CAND_GET,
    ST_CAND_LIST,
    ST_CAND_UPDATE,
    ST_CAND_PROGRESS_ADD,
    ST_CAND_PROGRESS,
    ST_QUAL_RECTIFY,
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
    [ST_EVENT_INSERT] = "INSERT INTO events (id, time, topic, subject, payload) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_EVENT_AFTER] = "SELECT seq, id, time, topic, subject, payload FROM events "
                       "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [ST_EVENT_AFTER_TOPIC] = "SELECT seq, id, time, topic, subject, payload FROM events "
                             "WHERE seq > ?1 AND topic = ?3 ORDER BY seq LIMIT ?2",
    [ST_EVENT_GET] = "SELECT seq, id, time, topic, subject, payload FROM events WHERE seq = ?1",
    [ST_EVENT_LAST] = "SELECT coalesce (max (seq), 0) FROM events",
    [ST_QUAL_INSERT] = "INSERT INTO qualifications (name, cert_no, authority, category, scope, "
                       "issued, expires, acquisition_cost, expected_revenue, state, round, "
                       "created, updated, created_by, industry) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'draft', 0, ?10, ?10, ?11, "
                       "?12)",
    [ST_QUAL_GET] = "SELECT id, name, cert_no, authority, category, scope, issued, expires, "
                    "acquisition_cost, expected_revenue, state, round, created, updated, "
                    "created_by, suspended, industry FROM qualifications WHERE id = ?1",
    [ST_QUAL_LIST] =
        "SELECT id, name, cert_no, authority, category, scope, issued, expires, "
        "acquisition_cost, expected_revenue, state, round, created, updated, "
        "created_by, suspended, industry FROM qualifications WHERE id > ?1 ORDER BY id LIMIT ?2",
    [ST_QUAL_LIST_STATE] = "SELECT id, name, cert_no, authority, category, scope, issued, "
                           "expires, acquisition_cost, expected_revenue, state, round, "
                           "created, updated, created_by, suspended, industry FROM qualifications "
                           "WHERE state = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [ST_QUAL_LIST_EXPIRING] =
        "SELECT id, name, cert_no, authority, category, scope, issued, "
        "expires, acquisition_cost, expected_revenue, state, round, "
        "created, updated, created_by, suspended, industry FROM qualifications "
        "WHERE expires BETWEEN ?4 AND ?5 AND (?3 IS NULL OR state = ?3) "
        "AND id > ?1 ORDER BY expires, id LIMIT ?2",
    [ST_QUAL_LIST_SELLABLE] =
        "SELECT id, name, cert_no, authority, category, scope, issued, "
        "expires, acquisition_cost, expected_revenue, state, round, "
        "created, updated, created_by, suspended, industry FROM qualifications "
        "WHERE state = 'approved' AND suspended = 0 AND expires >= ?3 "
        "AND id > ?1 ORDER BY id LIMIT ?2",
    [ST_QUAL_SET_EXPIRES] = "UPDATE qualifications SET expires = ?2, updated = ?3 WHERE id = ?1",
    [ST_SETTING_GET] = "SELECT value FROM settings WHERE name = ?1",
    [ST_SETTING_PUT] = "INSERT INTO settings (name, value) VALUES (?1, ?2) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    [ST_RENEWAL_PUT] = "INSERT INTO renewal_cases (qualification_id, expires, opened, updated, "
                       "urgency, last_lead, state) VALUES (?1, ?2, ?3, ?3, ?4, ?5, 'open') "
                       "ON CONFLICT (qualification_id, expires) DO UPDATE SET updated = ?3, "
                       "urgency = ?4, last_lead = ?5",
    [ST_RENEWAL_CLOSE] = "UPDATE renewal_cases SET state = 'closed', updated = ?2 "
                         "WHERE qualification_id = ?1 AND state = 'open'",
    [ST_RENEWALS] = "SELECT qualification_id, expires, opened, updated, urgency, last_lead, state "
                    "FROM renewal_cases WHERE (?1 IS NULL OR state = ?1) "
                    "ORDER BY expires, qualification_id LIMIT ?2",
    [ST_POLICY_ADD] = "INSERT INTO policies (category, description, effective, state, recorded, "
                      "recorded_by) VALUES (?1, ?2, ?3, ?6, ?4, ?5)",
    [ST_POLICY_ACTIVATE] = "UPDATE policies SET state = 'active' "
                           "WHERE id = ?1 AND state = 'pending'",
    [ST_POLICY_GET] = "SELECT id, category, description, effective, state, recorded, "
                      "recorded_by, lifted FROM policies WHERE id = ?1",
    [ST_POLICY_LIFT] = "UPDATE policies SET state = 'lifted', lifted = ?2 "
                       "WHERE id = ?1 AND state IN ('active', 'pending')",
    [ST_POLICIES] = "SELECT id, category, description, effective, state, recorded, recorded_by, "
                    "lifted FROM policies WHERE (?1 IS NULL OR state = ?1) ORDER BY id LIMIT ?2",
    [ST_POLICY_SUSPEND] = "INSERT OR IGNORE INTO suspensions (policy_id, qualification_id, time) "
                          "SELECT ?1, id, ?3 FROM qualifications WHERE category = ?2 "
                          "AND state NOT IN ('expired', 'rejected')",
    [ST_POLICY_SUSPENDED] = "SELECT qualification_id FROM suspensions WHERE policy_id = ?1 "
                            "ORDER BY qualification_id",
    [ST_SUSPENSION_HELD] = "SELECT 1 FROM suspensions JOIN policies ON policies.id = policy_id "
                           "WHERE qualification_id = ?1 AND policies.state = 'active' LIMIT 1",
    [ST_SUSPENSION_REVIEW] = "UPDATE suspensions SET review_round = ?3 "
                             "WHERE policy_id = ?1 AND qualification_id = ?2",
    [ST_SUSPENSION_REVIEWED] =
        "SELECT policy_id FROM suspensions JOIN policies ON policies.id = policy_id "
        "WHERE qualification_id = ?1 AND review_round = ?2 AND policies.state = 'lifted' "
        "ORDER BY policy_id LIMIT 1",
    [ST_POLICY_ACTIVE] = "SELECT id FROM policies WHERE category = ?1 AND state = 'active' "
                         "ORDER BY id",
    [ST_QUAL_SET_SUSPENDED] =
        "UPDATE qualifications SET suspended = ?2, updated = ?3 WHERE id = ?1",
    [ST_CAND_ADD] = "INSERT INTO candidates (name, category, industry, authority, source, notes, "
                    "state, created, created_by, updated) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'candidate', ?7, ?8, ?7)",
    [ST_CAND_GET] = "SELECT id, name, category, industry, authority, source, notes, state, "
                    "created, created_by, updated, evaluation, decision, decided_by, via, agency, "
                    "qualification_id FROM candidates WHERE id = ?1",
    [ST_CAND_LIST] = "SELECT id, name, category, industry, authority, source, notes, state, "
                     "created, created_by, updated, evaluation, decision, decided_by, via, "
                     "agency, qualification_id FROM candidates "
                     "WHERE (?1 IS NULL OR state = ?1) ORDER BY id LIMIT ?2",
    [ST_CAND_UPDATE] =
        "UPDATE candidates SET state = coalesce (?2, state), "
        "evaluation = coalesce (?3, evaluation), decision = coalesce (?4, decision), "
        "decided_by = coalesce (?5, decided_by), via = coalesce (?6, via), "
        "agency = coalesce (?7, agency), "
        "qualification_id = coalesce (?8, qualification_id), updated = ?9 "
        "WHERE id = ?1",
    [ST_CAND_PROGRESS_ADD] = "INSERT INTO candidate_progress (candidate_id, time, author, note, "
                             "blocker) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_CAND_PROGRESS] = "SELECT time, author, note, blocker FROM candidate_progress "
                         "WHERE candidate_id = ?1 ORDER BY time, rowid",
    [ST_QUAL_RECTIFY] = "UPDATE qualifications SET name = coalesce (?2, name), "
                        "cert_no = coalesce (?3, cert_no), scope = coalesce (?4, scope), "
                        "acquisition_cost = coalesce (?5, acquisition_cost), "
                        "expected_revenue = coalesce (?6, expected_revenue), updated = ?7, "
                        "industry = coalesce (?8, industry), "
                        "authority = coalesce (?9, authority), "
                        "category = coalesce (?10, category), issued = coalesce (?11, issued), "
                        "expires = coalesce (?12, expires) "
                        "WHERE id = ?1",
    [ST_EVENTS_PRUNE] = "DELETE FROM events WHERE seq IN (SELECT seq FROM events "
                        "WHERE seq <= ?1 AND time < ?2 ORDER BY seq LIMIT ?3)",
    /* The same slice of events as ST_EVENTS_PRUNE: their results go first. */
    [ST_RESULTS_PRUNE] = "DELETE FROM results WHERE event_id IN (SELECT id FROM events "
                         "WHERE seq <= ?1 AND time < ?2 ORDER BY seq LIMIT ?3)",
    [ST_IDEM_PRUNE] = "DELETE FROM idempotency WHERE (owner, key) IN (SELECT owner, key FROM "
                      "idempotency WHERE time < ?1 LIMIT ?2)",
    [ST_EVENT_FIRST] = "SELECT coalesce (min (seq), 0) FROM events",
    [ST_QUAL_SET_STATE] = "UPDATE qualifications SET state = ?2, round = ?3, updated = ?4 "
                          "WHERE id = ?1",
    [ST_REVIEW_INSERT] = "INSERT INTO reviews (qualification_id, round, department, verdict, "
                         "findings, suggestions, reviewer, time, status) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_REVIEW_DECIDE] = "UPDATE reviews SET verdict = ?4, status = 'final', decided_by = ?5, "
                         "suggestions = CASE WHEN ?6 = '' THEN suggestions ELSE ?6 END "
                         "WHERE qualification_id = ?1 AND round = ?2 AND department = ?3 "
                         "AND status = 'proposed'",
    [ST_REVIEW_GET] = "SELECT round, department, verdict, findings, suggestions, reviewer, time, "
                      "status, decided_by FROM reviews WHERE qualification_id = ?1 AND round = ?2 "
                      "ORDER BY department",
    [ST_REVIEW_GET_ALL] = "SELECT round, department, verdict, findings, suggestions, reviewer, "
                          "time, status, decided_by FROM reviews WHERE qualification_id = ?1 "
                          "ORDER BY round, department",
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
    [ST_EVENT_AT_TIME] = "SELECT coalesce ((SELECT seq FROM events WHERE time >= ?1 "
                         "ORDER BY time, seq LIMIT 1), (SELECT coalesce (max (seq), 0) + 1 "
                         "FROM events))",
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
   the checkpoint that SQLite runs at commit in the daemon's loop has little
   left to do and the loop does not stall on it. The loop's own checkpoint
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
    for (int v = version; v < MIGRATION_COUNT; v++) {
        char *errmsg = NULL;
        char bump[64];
        snprintf (bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        /* Each migration and its version bump commit together. */
        if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, &errmsg) != SQLITE_OK ||
            sqlite3_exec (self->db, s_migrations[v], NULL, NULL, &errmsg) != SQLITE_OK ||
            sqlite3_exec (self->db, bump, NULL, NULL, &errmsg) != SQLITE_OK ||
            sqlite3_exec (self->db, "COMMIT", NULL, NULL, &errmsg) != SQLITE_OK) {
            snprintf (error, error_size, "database %s: migration %d failed: %s", self->path, v + 1,
                      errmsg ? errmsg : "?");
            sqlite3_free (errmsg);
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
            return QF_EIO;
        }
        qf_info ("database %s: applied migration %d", self->path, v + 1);
    }
    return 0;
}

int
qf_store_schema_version (void)
{
    return MIGRATION_COUNT;
}

qf_store_t *
qf_store_new (const char *path, qf_durability_t durability, char *error, size_t error_size)
{
    qf_store_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (error, error_size, "out of memory");
        return NULL;
    }
    self->lock_fd = -1;
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
       commits back) are bounded by it. 4 MiB is SQLite's automatic
       checkpoint point (1000 pages), which the WAL seldom passes. */
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
    if (s_migrate (self, error, error_size))
        goto fail;
    for (int i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3 (self->db, s_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &self->stmts[i],
                                NULL) != SQLITE_OK) {
            snprintf (error, error_size, "database %s: cannot prepare statement %d: %s", path, i,
                      sqlite3_errmsg (self->db));
            goto fail;
        }
    if (qf_store_custody_open (self, error, error_size))
        goto fail;
    if (qf_store_timers_open (self, error, error_size))
        goto fail;
    sqlite3_stmt *stmt = s_stmt (self, ST_EVENT_LAST);
    if (sqlite3_step (stmt) == SQLITE_ROW)
        self->last_seq = (uint64_t)sqlite3_column_int64 (stmt, 0);
    sqlite3_reset (stmt);
    /* Checkpoints: a thread copies WAL frames into the database in the
       background; SQLite's own checkpoint at commit (every 1000 pages) then
       finds almost nothing left to copy, and restarts the WAL so that it
       stays small. */
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
    qf_store_custody_close (self);
    qf_store_timers_close (self);
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

int
qf_store_begin (qf_store_t *self)
{
    if (self->in_txn)
        return 0;
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
        s_checkpoint (self, self->db);
    self->in_txn = false;
    /* The appended events are now durable: hand them over. */
    s_pending_free (self->committed, self->committed_count);
    free (self->committed);
    self->committed = self->pending;
    self->committed_count = self->pending_count;
    if (self->pending_count)
        self->last_seq = self->pending[self->pending_count - 1].seq;
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

/* Encodes a payload once, into an allocation of its exact size: through a
   scratch buffer, which spares json_dumps' growing buffer and final copy. */
static char *
s_encode (json_t *payload)
{
    char scratch[4096];
    size_t size = json_dumpb (payload, scratch, sizeof scratch, JSON_COMPACT);
    if (size == 0 || size >= sizeof scratch)
        return json_dumps (payload, JSON_COMPACT);
    char *text = malloc (size + 1);
    if (text) {
        memcpy (text, scratch, size);
        text[size] = '\0';
    }
    return text;
}

int
qf_store_event_append (qf_store_t *self, const char *topic, const char *subject, json_t *payload,
                       int64_t time, uint64_t *seq_p)
{
    if (!self->in_txn)
        return QF_EINVAL;
    if (self->pending_count == self->pending_cap) {
        size_t cap = self->pending_cap ? self->pending_cap * 2 : 64;
        qf_pending_t *items = realloc (self->pending, cap * sizeof *items);
        if (!items)
            return QF_ENOMEM;
        self->pending = items;
        self->pending_cap = cap;
    }
    qf_pending_t *item = &self->pending[self->pending_count];
    memset (item, 0, sizeof *item);
    item->payload = s_encode (payload);
    item->topic = strdup (topic);
    item->subject = strdup (subject ? subject : "");
    if (!item->payload || !item->topic || !item->subject) {
        s_pending_free (item, 1);
        return QF_ENOMEM;
    }
    item->payload_size = strlen (item->payload);
    item->time = time;
    s_make_id (self, item->id);
    sqlite3_stmt *stmt = s_stmt (self, ST_EVENT_INSERT);
    sqlite3_bind_text (stmt, 1, item->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, time);
    sqlite3_bind_text (stmt, 3, item->topic, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, item->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, item->payload, (int)item->payload_size, SQLITE_STATIC);
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

/* Qualifications ---------------------------------------------------------- */

static void
s_bind_text_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key)
{
    json_t *value = json_object_get (args, key);
    if (json_is_string (value))
        sqlite3_bind_text (stmt, index, json_string_value (value), (int)json_string_length (value),
                           SQLITE_TRANSIENT);
    else
        sqlite3_bind_text (stmt, index, "", 0, SQLITE_STATIC);
}

static void
s_bind_real_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key)
{
    json_t *value = json_object_get (args, key);
    if (json_is_number (value))
        sqlite3_bind_double (stmt, index, json_number_value (value));
    else
        sqlite3_bind_null (stmt, index);
}

static void
s_bind_date_arg (sqlite3_stmt *stmt, int index, json_t *args, const char *key)
{
    int32_t day = 0;
    qf_date_parse (json_string_value (json_object_get (args, key)), &day);
    sqlite3_bind_int (stmt, index, day);
}

int
qf_store_qual_insert (qf_store_t *self, json_t *args, int64_t now, const char *user, int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_QUAL_INSERT);
    s_bind_text_arg (stmt, 1, args, "name");
    s_bind_text_arg (stmt, 2, args, "cert_no");
    s_bind_text_arg (stmt, 3, args, "authority");
    s_bind_text_arg (stmt, 4, args, "category");
    s_bind_text_arg (stmt, 5, args, "scope");
    s_bind_date_arg (stmt, 6, args, "issued");
    s_bind_date_arg (stmt, 7, args, "expires");
    s_bind_real_arg (stmt, 8, args, "acquisition_cost");
    s_bind_real_arg (stmt, 9, args, "expected_revenue");
    sqlite3_bind_int64 (stmt, 10, now);
    sqlite3_bind_text (stmt, 11, user ? user : "", -1, SQLITE_TRANSIENT);
    s_bind_text_arg (stmt, 12, args, "industry");
    int rc = qf_store__exec (self, stmt, "insert qualification");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

/* Builds a qualification record from a row of the ST_QUAL_* column list. */
static json_t *
s_row_qual (sqlite3_stmt *stmt)
{
    char issued[16], expires[16];
    qf_date_format (sqlite3_column_int (stmt, 6), issued, sizeof issued);
    qf_date_format (sqlite3_column_int (stmt, 7), expires, sizeof expires);
    json_t *record = json_pack (
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:s}", "id",
        (json_int_t)sqlite3_column_int64 (stmt, 0), "name", sqlite3_column_text (stmt, 1),
        "cert_no", sqlite3_column_text (stmt, 2), "authority", sqlite3_column_text (stmt, 3),
        "category", sqlite3_column_text (stmt, 4), "scope", sqlite3_column_text (stmt, 5), "issued",
        issued, "expires", expires, "state", sqlite3_column_text (stmt, 10), "round",
        sqlite3_column_int (stmt, 11), "created", (json_int_t)sqlite3_column_int64 (stmt, 12),
        "updated", (json_int_t)sqlite3_column_int64 (stmt, 13), "created_by",
        sqlite3_column_text (stmt, 14));
    if (!record)
        return NULL;
    json_object_set_new (record, "acquisition_cost",
                         sqlite3_column_type (stmt, 8) == SQLITE_NULL
                             ? json_null ()
                             : json_real (sqlite3_column_double (stmt, 8)));
    json_object_set_new (record, "expected_revenue",
                         sqlite3_column_type (stmt, 9) == SQLITE_NULL
                             ? json_null ()
                             : json_real (sqlite3_column_double (stmt, 9)));
    json_object_set_new (record, "suspended", json_boolean (sqlite3_column_int (stmt, 15) != 0));
    json_object_set_new (record, "industry",
                         json_string ((const char *)sqlite3_column_text (stmt, 16)));
    return record;
}

int
qf_store_qual_get (qf_store_t *self, int64_t id, json_t **record_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_QUAL_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW) {
        *record_p = s_row_qual (stmt);
        sqlite3_reset (stmt);
        return *record_p ? 0 : QF_ENOMEM;
    }
    sqlite3_reset (stmt);
    return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read qualification");
}

int
qf_store_qual_list (qf_store_t *self, const char *state, int64_t after_id, int limit,
                    json_t **items_p)
{
    return qf_store_qual_list_expiring (self, state, after_id, limit, INT32_MIN, INT32_MIN,
                                        items_p);
}

int
qf_store_qual_list_expiring (qf_store_t *self, const char *state, int64_t after_id, int limit,
                             int32_t from_day, int32_t to_day, json_t **items_p)
{
    bool expiring = from_day != INT32_MIN && to_day != INT32_MIN;
    bool sellable = from_day != INT32_MIN && to_day == INT32_MIN;
    sqlite3_stmt *stmt = s_stmt (self, sellable   ? ST_QUAL_LIST_SELLABLE
                                       : expiring ? ST_QUAL_LIST_EXPIRING
                                       : state    ? ST_QUAL_LIST_STATE
                                                  : ST_QUAL_LIST);
    sqlite3_bind_int64 (stmt, 1, after_id);
    sqlite3_bind_int (stmt, 2, limit);
    if (state && !sellable)
        sqlite3_bind_text (stmt, 3, state, -1, SQLITE_TRANSIENT);
    if (sellable)
        sqlite3_bind_int (stmt, 3, from_day);
    if (expiring) {
        sqlite3_bind_int (stmt, 4, from_day);
        sqlite3_bind_int (stmt, 5, to_day);
    }
    json_t *items = json_array ();
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        json_array_append_new (items, s_row_qual (stmt));
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        json_decref (items);
        return qf_store__fail (self, "list qualifications");
    }
    *items_p = items;
    return 0;
}

int
qf_store_qual_set_state (qf_store_t *self, int64_t id, const char *state, int round, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_QUAL_SET_STATE);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 3, round);
    sqlite3_bind_int64 (stmt, 4, now);
    int rc = qf_store__exec (self, stmt, "update qualification");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        return QF_ENOTFOUND;
    return rc;
}

int
qf_store_review_put (qf_store_t *self, int64_t qual_id, int round, const char *department,
                     const char *verdict, json_t *findings, const char *suggestions,
                     const char *reviewer, int64_t now, bool proposed)
{
    char *findings_text = json_dumps (findings, JSON_COMPACT);
    if (!findings_text)
        return QF_ENOMEM;
    sqlite3_stmt *stmt = s_stmt (self, ST_REVIEW_INSERT);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int (stmt, 2, round);
    sqlite3_bind_text (stmt, 3, department, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, verdict, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, findings_text, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 6, suggestions ? suggestions : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 7, reviewer ? reviewer : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 8, now);
    sqlite3_bind_text (stmt, 9, proposed ? "proposed" : "final", -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    free (findings_text);
    if (rc == SQLITE_DONE)
        return 0;
    if ((sqlite3_extended_errcode (self->db) & 0xff) == SQLITE_CONSTRAINT)
        return QF_ECONFLICT;
    return qf_store__fail (self, "insert review");
}

int
qf_store_reviews_get (qf_store_t *self, int64_t qual_id, int round, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, round < 0 ? ST_REVIEW_GET_ALL : ST_REVIEW_GET);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    if (round >= 0)
        sqlite3_bind_int (stmt, 2, round);
    json_t *list = json_array ();
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        const char *findings = (const char *)sqlite3_column_text (stmt, 3);
        json_t *parsed = json_loads (findings ? findings : "[]", 0, NULL);
        json_t *item = json_pack (
            "{s:i, s:s, s:s, s:o, s:s, s:s, s:I, s:s}", "round", sqlite3_column_int (stmt, 0),
            "department", sqlite3_column_text (stmt, 1), "verdict", sqlite3_column_text (stmt, 2),
            "findings", parsed ? parsed : json_array (), "suggestions",
            sqlite3_column_text (stmt, 4), "reviewer", sqlite3_column_text (stmt, 5), "time",
            (json_int_t)sqlite3_column_int64 (stmt, 6), "status", sqlite3_column_text (stmt, 7));
        if (item && sqlite3_column_type (stmt, 8) != SQLITE_NULL)
            json_object_set_new (item, "decided_by",
                                 json_string ((const char *)sqlite3_column_text (stmt, 8)));
        json_array_append_new (list, item);
    }
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        json_decref (list);
        return qf_store__fail (self, "read reviews");
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
    sqlite3_stmt *stmt = s_stmt (self, ST_EVENT_AT_TIME);
    sqlite3_bind_int64 (stmt, 1, time);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *seq_p = (uint64_t)sqlite3_column_int64 (stmt, 0);
    sqlite3_reset (stmt);
    return rc == SQLITE_ROW ? 0 : qf_store__fail (self, "find event by time");
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

/* Expiry timers and renewal cases ---------------------------------------- */

int
qf_store_qual_set_expires (qf_store_t *self, int64_t id, int32_t expires, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_QUAL_SET_EXPIRES);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, expires);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "update expiry");
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
qf_store_renewal_put (qf_store_t *self, int64_t qual_id, int32_t expires, int64_t now,
                      const char *urgency, int lead_days)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_RENEWAL_PUT);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int (stmt, 2, expires);
    sqlite3_bind_int64 (stmt, 3, now);
    sqlite3_bind_text (stmt, 4, urgency, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 5, lead_days);
    return qf_store__exec (self, stmt, "save renewal case");
}

int
qf_store_renewal_close (qf_store_t *self, int64_t qual_id, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_RENEWAL_CLOSE);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int64 (stmt, 2, now);
    return qf_store__exec (self, stmt, "close renewal case");
}

int
qf_store_renewals_json (qf_store_t *self, const char *state, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_RENEWALS);
    if (state)
        sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int (stmt, 2, limit);
    json_t *list = json_array ();
    int rc;
    char expires[16];
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        qf_date_format (sqlite3_column_int (stmt, 1), expires, sizeof expires);
        json_array_append_new (
            list, json_pack ("{s:I, s:s, s:I, s:I, s:s, s:i, s:s}", "qualification_id",
                             (json_int_t)sqlite3_column_int64 (stmt, 0), "expires", expires,
                             "opened", (json_int_t)sqlite3_column_int64 (stmt, 2), "updated",
                             (json_int_t)sqlite3_column_int64 (stmt, 3), "urgency",
                             sqlite3_column_text (stmt, 4), "last_lead_days",
                             sqlite3_column_int (stmt, 5), "state", sqlite3_column_text (stmt, 6)));
    }
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        json_decref (list);
        return qf_store__fail (self, "read renewal cases");
    }
    *list_p = list;
    return 0;
}

/* Policy changes (§7.2) ----------------------------------------------------- */

static json_t *
s_row_policy (sqlite3_stmt *stmt)
{
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
    sqlite3_stmt *stmt = s_stmt (self, ST_POLICY_ADD);
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
    sqlite3_stmt *stmt = s_stmt (self, ST_POLICY_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *policy_p = s_row_policy (stmt);
    sqlite3_reset (stmt);
    if (rc == SQLITE_ROW)
        return *policy_p ? 0 : QF_ENOMEM;
    return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read policy");
}

int
qf_store_policy_activate (qf_store_t *self, int64_t id)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_POLICY_ACTIVATE);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = qf_store__exec (self, stmt, "activate policy");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        return QF_ECONFLICT;
    return rc;
}

int
qf_store_policy_lift (qf_store_t *self, int64_t id, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_POLICY_LIFT);
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
    sqlite3_stmt *stmt = s_stmt (self, ST_POLICIES);
    if (state)
        sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int (stmt, 2, limit);
    json_t *list = json_array ();
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        json_array_append_new (list, s_row_policy (stmt));
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        json_decref (list);
        return qf_store__fail (self, "list policies");
    }
    *list_p = list;
    return 0;
}

/* Runs a one-column integer query bound to (id or text) into a JSON array. */
static int
s_ids (qf_store_t *self, sqlite3_stmt *stmt, json_t **ids_p)
{
    json_t *ids = json_array ();
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        json_array_append_new (ids, json_integer (sqlite3_column_int64 (stmt, 0)));
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        json_decref (ids);
        return qf_store__fail (self, "read ids");
    }
    *ids_p = ids;
    return 0;
}

int
qf_store_policy_suspend (qf_store_t *self, int64_t policy_id, const char *category, int64_t now,
                         json_t **ids_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_POLICY_SUSPEND);
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
    sqlite3_stmt *stmt = s_stmt (self, ST_POLICY_SUSPENDED);
    sqlite3_bind_int64 (stmt, 1, policy_id);
    return s_ids (self, stmt, ids_p);
}

int
qf_store_suspension_held (qf_store_t *self, int64_t qual_id, bool *held_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_SUSPENSION_HELD);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    int64_t held = 0;
    int rc = qf_store__int_or (self, stmt, 0, &held, "read suspensions");
    *held_p = held != 0;
    return rc;
}

int
qf_store_suspension_review (qf_store_t *self, int64_t policy_id, int64_t qual_id, int round)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_SUSPENSION_REVIEW);
    sqlite3_bind_int64 (stmt, 1, policy_id);
    sqlite3_bind_int64 (stmt, 2, qual_id);
    sqlite3_bind_int (stmt, 3, round);
    return qf_store__exec (self, stmt, "record the review of a lifted suspension");
}

int
qf_store_suspension_reviewed (qf_store_t *self, int64_t qual_id, int round, int64_t *policy_id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_SUSPENSION_REVIEWED);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int (stmt, 2, round);
    int rc = qf_store__int_or (self, stmt, 0, policy_id_p, "read suspensions");
    return rc == 0 && *policy_id_p == 0 ? QF_ENOTFOUND : rc;
}

int
qf_store_policies_active (qf_store_t *self, const char *category, json_t **ids_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_POLICY_ACTIVE);
    sqlite3_bind_text (stmt, 1, category, -1, SQLITE_TRANSIENT);
    return s_ids (self, stmt, ids_p);
}

int
qf_store_qual_set_suspended (qf_store_t *self, int64_t id, bool suspended, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_QUAL_SET_SUSPENDED);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int (stmt, 2, suspended ? 1 : 0);
    sqlite3_bind_int64 (stmt, 3, now);
    return qf_store__exec (self, stmt, "update suspension");
}

int
qf_store_review_decide (qf_store_t *self, int64_t qual_id, int round, const char *department,
                        const char *verdict, const char *note, const char *decided_by)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_REVIEW_DECIDE);
    sqlite3_bind_int64 (stmt, 1, qual_id);
    sqlite3_bind_int (stmt, 2, round);
    sqlite3_bind_text (stmt, 3, department, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, verdict, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 5, decided_by ? decided_by : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 6, note ? note : "", -1, SQLITE_STATIC);
    int rc = qf_store__exec (self, stmt, "decide review");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        return QF_ENOTFOUND;
    return rc;
}

/* Acquisition (§4.1) ---------------------------------------------------------- */

static void
s_bind_opt_text (sqlite3_stmt *stmt, int index, const char *text)
{
    if (text)
        sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null (stmt, index);
}

static json_t *
s_row_candidate (sqlite3_stmt *stmt)
{
    json_t *c = json_pack (
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "id",
        (json_int_t)sqlite3_column_int64 (stmt, 0), "name", sqlite3_column_text (stmt, 1),
        "category", sqlite3_column_text (stmt, 2), "industry", sqlite3_column_text (stmt, 3),
        "authority", sqlite3_column_text (stmt, 4), "source", sqlite3_column_text (stmt, 5),
        "notes", sqlite3_column_text (stmt, 6), "state", sqlite3_column_text (stmt, 7), "created",
        (json_int_t)sqlite3_column_int64 (stmt, 8), "created_by", sqlite3_column_text (stmt, 9),
        "updated", (json_int_t)sqlite3_column_int64 (stmt, 10));
    if (!c)
        return NULL;
    const char *evaluation = (const char *)sqlite3_column_text (stmt, 11);
    json_t *parsed = evaluation ? json_loads (evaluation, 0, NULL) : NULL;
    json_object_set_new (c, "evaluation", parsed ? parsed : json_null ());
    static const char *keys[] = {"decision", "decided_by", "via", "agency"};
    for (int i = 0; i < 4; i++)
        json_object_set_new (c, keys[i],
                             sqlite3_column_type (stmt, 12 + i) == SQLITE_NULL
                                 ? json_null ()
                                 : json_string ((const char *)sqlite3_column_text (stmt, 12 + i)));
    json_object_set_new (c, "qualification_id",
                         sqlite3_column_type (stmt, 16) == SQLITE_NULL
                             ? json_null ()
                             : json_integer (sqlite3_column_int64 (stmt, 16)));
    return c;
}

int
qf_store_candidate_add (qf_store_t *self, json_t *args, int64_t now, const char *user,
                        int64_t *id_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_CAND_ADD);
    s_bind_text_arg (stmt, 1, args, "name");
    s_bind_text_arg (stmt, 2, args, "category");
    s_bind_text_arg (stmt, 3, args, "industry");
    s_bind_text_arg (stmt, 4, args, "authority");
    s_bind_text_arg (stmt, 5, args, "source");
    s_bind_text_arg (stmt, 6, args, "notes");
    sqlite3_bind_int64 (stmt, 7, now);
    sqlite3_bind_text (stmt, 8, user ? user : "", -1, SQLITE_TRANSIENT);
    int rc = qf_store__exec (self, stmt, "add candidate");
    if (rc == 0)
        *id_p = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int
qf_store_candidate_get (qf_store_t *self, int64_t id, json_t **candidate_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_CAND_GET);
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = sqlite3_step (stmt);
    json_t *c = rc == SQLITE_ROW ? s_row_candidate (stmt) : NULL;
    sqlite3_reset (stmt);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? QF_ENOTFOUND : qf_store__fail (self, "read candidate");
    if (!c)
        return QF_ENOMEM;
    stmt = s_stmt (self, ST_CAND_PROGRESS);
    sqlite3_bind_int64 (stmt, 1, id);
    json_t *progress = json_array ();
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        json_t *item = json_pack (
            "{s:I, s:s, s:s}", "time", (json_int_t)sqlite3_column_int64 (stmt, 0), "author",
            sqlite3_column_text (stmt, 1), "note", sqlite3_column_text (stmt, 2));
        if (item && sqlite3_column_type (stmt, 3) != SQLITE_NULL)
            json_object_set_new (item, "blocker",
                                 json_string ((const char *)sqlite3_column_text (stmt, 3)));
        json_array_append_new (progress, item);
    }
    sqlite3_reset (stmt);
    json_object_set_new (c, "progress", progress);
    *candidate_p = c;
    return rc == SQLITE_DONE ? 0 : qf_store__fail (self, "read candidate progress");
}

int
qf_store_candidates_json (qf_store_t *self, const char *state, int limit, json_t **list_p)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_CAND_LIST);
    s_bind_opt_text (stmt, 1, state);
    sqlite3_bind_int (stmt, 2, limit);
    json_t *list = json_array ();
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        json_array_append_new (list, s_row_candidate (stmt));
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        json_decref (list);
        return qf_store__fail (self, "list candidates");
    }
    *list_p = list;
    return 0;
}

int
qf_store_candidate_update (qf_store_t *self, int64_t id, const qf_candidate_change_t *change,
                           int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_CAND_UPDATE);
    sqlite3_bind_int64 (stmt, 1, id);
    s_bind_opt_text (stmt, 2, change->state);
    s_bind_opt_text (stmt, 3, change->evaluation);
    s_bind_opt_text (stmt, 4, change->decision);
    s_bind_opt_text (stmt, 5, change->decided_by);
    s_bind_opt_text (stmt, 6, change->via);
    s_bind_opt_text (stmt, 7, change->agency);
    if (change->qualification_id > 0)
        sqlite3_bind_int64 (stmt, 8, change->qualification_id);
    else
        sqlite3_bind_null (stmt, 8);
    sqlite3_bind_int64 (stmt, 9, now);
    return qf_store__exec (self, stmt, "update candidate");
}

int
qf_store_candidate_progress_add (qf_store_t *self, int64_t id, int64_t now, const char *author,
                                 const char *note, const char *blocker)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_CAND_PROGRESS_ADD);
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    sqlite3_bind_text (stmt, 3, author ? author : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 4, note, -1, SQLITE_TRANSIENT);
    s_bind_opt_text (stmt, 5, blocker);
    return qf_store__exec (self, stmt, "add candidate progress");
}

int
qf_store_qual_rectify (qf_store_t *self, int64_t id, json_t *args, int64_t now)
{
    sqlite3_stmt *stmt = s_stmt (self, ST_QUAL_RECTIFY);
    sqlite3_bind_int64 (stmt, 1, id);
    static const char *texts[] = {"name", "cert_no", "scope"};
    for (int i = 0; i < 3; i++)
        s_bind_opt_text (stmt, 2 + i, json_string_value (json_object_get (args, texts[i])));
    s_bind_real_arg (stmt, 5, args, "acquisition_cost");
    s_bind_real_arg (stmt, 6, args, "expected_revenue");
    sqlite3_bind_int64 (stmt, 7, now);
    s_bind_opt_text (stmt, 8, json_string_value (json_object_get (args, "industry")));
    s_bind_opt_text (stmt, 9, json_string_value (json_object_get (args, "authority")));
    s_bind_opt_text (stmt, 10, json_string_value (json_object_get (args, "category")));
    static const char *dates[] = {"issued", "expires"};
    for (int i = 0; i < 2; i++) {
        if (json_object_get (args, dates[i]))
            s_bind_date_arg (stmt, 11 + i, args, dates[i]);
        else
            sqlite3_bind_null (stmt, 11 + i);
    }
    return qf_store__exec (self, stmt, "rectify qualification");
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
