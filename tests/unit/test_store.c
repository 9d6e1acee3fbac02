/*  Store tests on real SQLite files: migrations, the transactional outbox,
    savepoints, the daemon lock, verbatim storage, consumer-group state. */
#include "qf.h"
#include "qf_store.h"
#include "qualification/qualification_store.h"
#include "qf_test.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[64];
static char s_path[128];

static void
s_fresh (void)
{
    static int n = 0;
    snprintf (s_path, sizeof s_path, "%s/store-%d.db", s_dir, ++n);
}

static qf_store_t *
s_open (void)
{
    char error[512];
    qf_store_t *store = qf_store_new (s_path, QF_DURABILITY_FULL, error, sizeof error);
    if (!store)
        printf ("# open failed: %s\n", error);
    return store;
}

static int
s_count (const qf_event_t *event, void *arg)
{
    (void)event;
    (*(int *)arg)++;
    return 0;
}

QF_TEST (creates_schema_and_reopens)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 0);
    qf_store_destroy (&store);
    QF_CHECK (store == NULL);
    qf_store_destroy (&store); /* safe twice */
    sqlite3 *db;
    QF_CHECK_EQ_INT (sqlite3_open (s_path, &db), SQLITE_OK);
    sqlite3_stmt *stmt;
    sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
    QF_CHECK_EQ_INT (sqlite3_step (stmt), SQLITE_ROW);
    QF_CHECK_EQ_INT (sqlite3_column_int (stmt, 0), qf_store_schema_version ());
    sqlite3_finalize (stmt);
    sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL);
    QF_CHECK_EQ_INT (sqlite3_step (stmt), SQLITE_ROW);
    QF_CHECK_STR ((const char *)sqlite3_column_text (stmt, 0), "wal");
    sqlite3_finalize (stmt);
    sqlite3_close (db);
}

/* The database, its WAL and its shared memory are the owner's only,
   whatever the umask: SQLite alone would create them 0644. */
QF_TEST (files_are_private)
{
    s_fresh ();
    mode_t saved = umask (022);
    qf_store_t *store = s_open ();
    umask (saved);
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    json_t *payload = json_object ();
    int rc = qf_store_event_append (store, "t", "s", payload, 0, NULL);
    json_decref (payload);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    const char *suffixes[] = {"", "-wal", "-shm", ".lock"};
    for (int i = 0; i < 4; i++) {
        char path[256];
        struct stat st;
        snprintf (path, sizeof path, "%s%s", s_path, suffixes[i]);
        QF_CHECK_EQ_INT (stat (path, &st), 0);
        QF_CHECK_EQ_INT (st.st_mode & 0777, 0600);
    }
    qf_store_destroy (&store);
}

QF_TEST (refuses_newer_schema)
{
    s_fresh ();
    sqlite3 *db;
    sqlite3_open (s_path, &db);
    sqlite3_exec (db, "PRAGMA user_version = 999", NULL, NULL, NULL);
    sqlite3_close (db);
    char error[512] = "";
    qf_store_t *store = qf_store_new (s_path, QF_DURABILITY_FULL, error, sizeof error);
    QF_CHECK (store == NULL);
    QF_CHECK (strstr (error, "newer") != NULL);
}

QF_TEST (second_open_is_locked_out)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    char error[512] = "";
    qf_store_t *other = qf_store_new (s_path, QF_DURABILITY_FULL, error, sizeof error);
    QF_CHECK (other == NULL);
    QF_CHECK (strstr (error, "in use by another qualflowd") != NULL);
    qf_store_destroy (&store);
    other = s_open ();
    QF_CHECK (other);
    qf_store_destroy (&other);
}

QF_TEST (outbox_commits_events_with_state)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    json_t *payload = json_pack ("{s:s}", "k", "值");
    uint64_t seq1 = 0, seq2 = 0;
    QF_CHECK_EQ_INT (qf_store_event_append (store, "a.b", "s/1", payload, 1000, &seq1), 0);
    QF_CHECK_EQ_INT (qf_store_event_append (store, "a.c", "s/2", payload, 1001, &seq2), 0);
    json_decref (payload);
    QF_CHECK_EQ_INT (seq1, 1);
    QF_CHECK_EQ_INT (seq2, 2);
    /* Not visible as committed until the commit. */
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 2);
    qf_event_list_t list;
    qf_store_take_committed (store, &list);
    QF_CHECK_EQ_INT (list.count, 2);
    QF_CHECK_STR (list.items[0].topic, "a.b");
    QF_CHECK_STR (list.items[1].subject, "s/2");
    QF_CHECK_STR (list.items[0].payload, "{\"k\":\"值\"}");
    QF_CHECK (strcmp (list.items[0].id, list.items[1].id) != 0);
    QF_CHECK_EQ_INT (strlen (list.items[0].id), 32);
    qf_event_list_free (&list);
    qf_store_take_committed (store, &list);
    QF_CHECK_EQ_INT (list.count, 0);
    qf_store_destroy (&store);
    store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 2);
    int n = 0;
    QF_CHECK_EQ_INT (qf_store_events_after (store, 0, 10, s_count, &n), 0);
    QF_CHECK_EQ_INT (n, 2);
    qf_store_destroy (&store);
}

QF_TEST (savepoint_rollback_drops_its_events_only)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    json_t *payload = json_object ();
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_savepoint (store), 0);
    QF_CHECK_EQ_INT (qf_store_event_append (store, "kept", "", payload, 1, NULL), 0);
    QF_CHECK_EQ_INT (qf_store_release (store), 0);
    QF_CHECK_EQ_INT (qf_store_savepoint (store), 0);
    QF_CHECK_EQ_INT (qf_store_event_append (store, "dropped", "", payload, 2, NULL), 0);
    int64_t id = 0;
    json_t *args =
        json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s}", "cert_no", "X", "authority", "A", "category",
                   "c", "scope", "s", "issued", "2025-01-01", "expires", "2030-01-01");
    QF_CHECK_EQ_INT (qf_store_qual_insert (store, args, 5, "u", &id), 0);
    QF_CHECK_EQ_INT (qf_store_rollback_savepoint (store), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_event_list_t list;
    qf_store_take_committed (store, &list);
    QF_CHECK_EQ_INT (list.count, 1);
    QF_CHECK_STR (list.items[0].topic, "kept");
    qf_event_list_free (&list);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_store_qual_get (store, id, &record), QF_ENOTFOUND);
    /* A whole rollback leaves nothing either. */
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_event_append (store, "gone", "", payload, 3, NULL), 0);
    QF_CHECK_EQ_INT (qf_store_rollback (store), 0);
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 1);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    uint64_t seq = 0;
    QF_CHECK_EQ_INT (qf_store_event_append (store, "next", "", payload, 4, &seq), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK (seq > 1);
    json_decref (payload);
    json_decref (args);
    qf_store_destroy (&store);
}

/* Counts events whose topic is "old" in arg[0], sums their seqs in arg[1]. */
static int
s_seq_sum (const qf_event_t *event, void *arg)
{
    uint64_t *seqs = arg;
    if (strcmp (event->topic, "old") == 0) {
        seqs[0]++;
        seqs[1] += event->seq;
    }
    return 0;
}

/* Appends one event in its own transaction; returns its seq (0 on failure). */
static uint64_t
s_append_one (qf_store_t *store, const char *topic)
{
    json_t *payload = json_object ();
    uint64_t seq = 0;
    if (qf_store_begin (store) || qf_store_event_append (store, topic, "", payload, 1, &seq) ||
        qf_store_commit (store))
        seq = 0;
    json_decref (payload);
    return seq;
}

/* Runs `sql` on the database file while no store has it open. */
static int
s_sql (const char *sql)
{
    sqlite3 *db;
    int rc = sqlite3_open (s_path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
    sqlite3_close (db);
    return rc;
}

/* Migration 13 takes AUTOINCREMENT off the event log. A seq is never
   given twice all the same: a database of schema 12 whose counter
   (sqlite_sequence) is above its log goes on past the counter, and a log
   that retention empties goes on past its newest seq after a restart. */
QF_TEST (event_seqs_are_never_reused)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    for (int i = 1; i <= 3; i++)
        QF_CHECK_EQ_INT (s_append_one (store, "old"), i);
    qf_store_destroy (&store);
    /* Back to schema 12's log, whose counter says events 4 to 7 were given
       and pruned (an older retention could delete the newest). */
    QF_CHECK_EQ_INT (s_sql ("CREATE TABLE events_old (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                            "id TEXT NOT NULL UNIQUE, time INTEGER NOT NULL, topic TEXT NOT NULL, "
                            "subject TEXT NOT NULL, payload TEXT NOT NULL);"
                            "INSERT INTO events_old SELECT * FROM events;"
                            "DROP TABLE events;"
                            "ALTER TABLE events_old RENAME TO events;"
                            "CREATE INDEX events_time ON events (time);"
                            "UPDATE sqlite_sequence SET seq = 7 WHERE name = 'events';"
                            "PRAGMA user_version = 12;"),
                     SQLITE_OK);
    store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 7);
    uint64_t seqs[2] = {0, 0}; /* the old events, as they were */
    QF_CHECK_EQ_INT (qf_store_events_after (store, 0, 10, s_seq_sum, seqs), 0);
    QF_CHECK_EQ_INT (seqs[0], 3);
    QF_CHECK_EQ_INT (seqs[1], 1 + 2 + 3);
    QF_CHECK_EQ_INT (s_append_one (store, "new"), 8);
    QF_CHECK_EQ_INT (s_append_one (store, "new"), 9);
    /* Retention deletes every event, the newest too. */
    int deleted = 0;
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_events_prune (store, 9, INT64_MAX, 100, &deleted), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK_EQ_INT (deleted, 5);
    QF_CHECK_EQ_INT (s_append_one (store, "after"), 10);
    /* And again, with a restart between. */
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_events_prune (store, 10, INT64_MAX, 100, &deleted), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK_EQ_INT (deleted, 1);
    qf_store_destroy (&store);
    store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 10);
    /* A seek by time past the emptied log gives the next seq, not 1. */
    uint64_t next = 0;
    QF_CHECK_EQ_INT (qf_store_event_seq_at (store, INT64_MAX, &next), 0);
    QF_CHECK_EQ_INT ((int)next, 11);
    QF_CHECK_EQ_INT (s_append_one (store, "after"), 11);
    QF_CHECK_EQ_INT (qf_store_event_seq_at (store, INT64_MAX, &next), 0);
    QF_CHECK_EQ_INT ((int)next, 12);
    qf_store_destroy (&store);
    store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 11);
    QF_CHECK_EQ_INT (s_append_one (store, "later"), 12);
    qf_store_destroy (&store);
    sqlite3 *db;
    sqlite3_stmt *stmt;
    QF_CHECK_EQ_INT (sqlite3_open (s_path, &db), SQLITE_OK);
    sqlite3_prepare_v2 (db, "SELECT sql FROM sqlite_master WHERE name = 'events'", -1, &stmt, NULL);
    QF_CHECK_EQ_INT (sqlite3_step (stmt), SQLITE_ROW);
    QF_CHECK (strstr ((const char *)sqlite3_column_text (stmt, 0), "AUTOINCREMENT") == NULL);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
}

/* Migration 14 takes AUTOINCREMENT off qualifications, which reviews and
   others refer to: ids, columns and references stay, the next id is past
   the last, and foreign keys are enforced again after it. */
QF_TEST (qualifications_keep_ids_and_references)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    json_t *args = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "cert_no", "X",
                              "authority", "A", "category", "c", "scope", "s", "issued",
                              "2025-01-01", "expires", "2030-01-01", "industry", "rail",
                              "acquisition_cost", 12.5);
    json_t *findings = json_pack ("[s]", "ok");
    int64_t id = 0;
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_qual_insert (store, args, 1, "u", &id), 0);
    QF_CHECK_EQ_INT (qf_store_qual_insert (store, args, 1, "u", &id), 0);
    QF_CHECK_EQ_INT (id, 2);
    QF_CHECK_EQ_INT (
        qf_store_review_put (store, id, 1, "legal", "pass", findings, "", "w", 2, false), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_store_destroy (&store);
    /* Back to schema 13's table. */
    QF_CHECK_EQ_INT (
        s_sql ("CREATE TABLE q_old (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
               "cert_no TEXT NOT NULL, authority TEXT NOT NULL, category TEXT NOT NULL, "
               "scope TEXT NOT NULL, issued INTEGER NOT NULL, expires INTEGER NOT NULL, "
               "acquisition_cost REAL, expected_revenue REAL, state TEXT NOT NULL, "
               "round INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, "
               "updated INTEGER NOT NULL, created_by TEXT NOT NULL, "
               "suspended INTEGER NOT NULL DEFAULT 0, industry TEXT NOT NULL DEFAULT '');"
               "INSERT INTO q_old SELECT * FROM qualifications;"
               "DROP TABLE qualifications;"
               "ALTER TABLE q_old RENAME TO qualifications;"
               "CREATE INDEX qualifications_state ON qualifications (state, id);"
               "CREATE INDEX qualifications_expires ON qualifications (expires);"
               "CREATE INDEX events_time ON events (time);"
               "PRAGMA user_version = 13;"),
        SQLITE_OK);
    store = s_open ();
    QF_CHECK (store);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_store_qual_get (store, 2, &record), 0);
    QF_CHECK_STR (json_string_value (json_object_get (record, "industry")), "rail");
    QF_CHECK_STR (json_string_value (json_object_get (record, "expires")), "2030-01-01");
    QF_CHECK (json_real_value (json_object_get (record, "acquisition_cost")) == 12.5);
    json_decref (record);
    json_t *reviews = NULL;
    QF_CHECK_EQ_INT (qf_store_reviews_get (store, 2, -1, &reviews), 0);
    QF_CHECK_EQ_INT (json_array_size (reviews), 1);
    json_decref (reviews);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_qual_insert (store, args, 1, "u", &id), 0);
    QF_CHECK_EQ_INT (id, 3);
    /* Foreign keys hold again: no review of a qualification that is not. */
    QF_CHECK (qf_store_review_put (store, 99, 1, "legal", "pass", findings, "", "w", 2, false) !=
              0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_store_destroy (&store);
    sqlite3 *db;
    sqlite3_stmt *stmt;
    QF_CHECK_EQ_INT (sqlite3_open (s_path, &db), SQLITE_OK);
    sqlite3_prepare_v2 (db,
                        "SELECT count (*) FROM sqlite_master WHERE tbl_name = 'qualifications' "
                        "AND (sql LIKE '%AUTOINCREMENT%' OR name IN ('qualifications_state', "
                        "'qualifications_expires'))",
                        -1, &stmt, NULL);
    QF_CHECK_EQ_INT (sqlite3_step (stmt), SQLITE_ROW);
    QF_CHECK_EQ_INT (sqlite3_column_int (stmt, 0), 2); /* the two indexes, no AUTOINCREMENT */
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    json_decref (findings);
    json_decref (args);
}

/* Migration 15 leaves the event log no index but its seqs: times grow along the log
   (an event is never older than the one before it, across a restart too),
   groups.seek by time finds its event by a binary search over seqs, also
   over a log with gaps, and retention looks at the oldest events only. */
#define TIMES_MAX 300

typedef struct {
    uint64_t seq[TIMES_MAX];
    int64_t time[TIMES_MAX];
    int count;
} times_t;

static int
s_times (const qf_event_t *event, void *arg)
{
    times_t *times = arg;
    if (times->count < TIMES_MAX) {
        times->seq[times->count] = event->seq;
        times->time[times->count++] = event->time;
    }
    return 0;
}

/* What qf_store_event_seq_at must answer, read off every event in order. */
static uint64_t
s_seq_at_by_scan (const times_t *times, int64_t time, uint64_t last)
{
    for (int i = 0; i < times->count; i++)
        if (times->time[i] >= time)
            return times->seq[i];
    return last + 1;
}

static void
s_check_seeks (const char *s_test_name, qf_store_t *store, times_t *times)
{
    times->count = 0;
    QF_CHECK_EQ_INT (qf_store_events_after (store, 0, TIMES_MAX, s_times, times), 0);
    for (int64_t t = 0; t <= times->time[times->count - 1] + 2; t++) {
        uint64_t seq = 0;
        QF_CHECK_EQ_INT (qf_store_event_seq_at (store, t, &seq), 0);
        QF_CHECK_EQ_INT ((long long)seq,
                         (long long)s_seq_at_by_scan (times, t, qf_store_last_seq (store)));
    }
}

QF_TEST (event_times_grow_and_seek_by_search)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    /* Times that go back now and then, as a clock set back would give. */
    json_t *payload = json_object ();
    int64_t clock = 100, newest = 0;
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    for (int i = 0; i < 200; i++) {
        clock += (i % 7 == 3) ? -25 : (i % 3);
        QF_CHECK_EQ_INT (qf_store_event_append (store, "t", "", payload, clock, NULL), 0);
        newest = clock > newest ? clock : newest;
    }
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    times_t times = {0};
    QF_CHECK_EQ_INT (qf_store_events_after (store, 0, TIMES_MAX, s_times, &times), 0);
    QF_CHECK_EQ_INT (times.count, 200);
    for (int i = 1; i < times.count; i++)
        QF_CHECK (times.time[i] >= times.time[i - 1]);
    QF_CHECK_EQ_INT (times.time[199], newest);
    s_check_seeks (s_test_name, store, &times);
    qf_store_destroy (&store);
    /* No index on time; and after a restart the next event is not older
       than the newest either. */
    sqlite3 *db;
    sqlite3_stmt *stmt;
    QF_CHECK_EQ_INT (sqlite3_open (s_path, &db), SQLITE_OK);
    sqlite3_prepare_v2 (db, "SELECT count (*) FROM sqlite_master WHERE tbl_name = 'events'"
                        " AND type = 'index'", -1, &stmt, NULL);
    QF_CHECK_EQ_INT (sqlite3_step (stmt), SQLITE_ROW);
    QF_CHECK_EQ_INT (sqlite3_column_int (stmt, 0), 0); /* the seqs are the table's key */
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (s_append_one (store, "late"), 201); /* at time 1 */
    times.count = 0;
    QF_CHECK_EQ_INT (qf_store_events_after (store, 200, 1, s_times, &times), 0);
    QF_CHECK_EQ_INT (times.time[0], newest);
    qf_store_destroy (&store);
    /* Gaps in the seqs: every seek still agrees with a scan. */
    QF_CHECK_EQ_INT (s_sql ("DELETE FROM events WHERE seq BETWEEN 50 AND 80 OR seq IN (1, 120, "
                            "199, 200);"),
                     SQLITE_OK);
    store = s_open ();
    QF_CHECK (store);
    s_check_seeks (s_test_name, store, &times);
    /* Retention looks at the oldest `limit` events only and deletes those
       of them that are old enough: the first 10 left, up to time 110. */
    int64_t before = times.time[10];
    int expect = 0;
    for (int i = 0; i < 10; i++)
        expect += times.time[i] < before;
    int deleted = 0;
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_events_prune (store, 1000, before, 10, &deleted), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK (expect > 0);
    QF_CHECK_EQ_INT (deleted, expect);
    uint64_t first = 0;
    QF_CHECK_EQ_INT (qf_store_event_first (store, &first), 0);
    QF_CHECK_EQ_INT ((long long)first, (long long)times.seq[expect]);
    /* Nothing old enough among the oldest: nothing goes. */
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_events_prune (store, 1000, times.time[0], 10, &deleted), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK_EQ_INT (deleted, 0);
    s_check_seeks (s_test_name, store, &times);
    qf_store_destroy (&store);
    /* A log written before migration 15 while the clock was set back: the
       oldest 10 events are newer than the next 10. Retention looks at the
       oldest 10 only (a scan past them would read the whole log whenever
       the oldest are not old enough), so it deletes nothing yet. */
    QF_CHECK_EQ_INT (s_sql ("UPDATE events SET time = 1000000 WHERE seq IN (SELECT seq FROM "
                            "events ORDER BY seq LIMIT 10);"
                            "UPDATE events SET time = 1 WHERE seq IN (SELECT seq FROM events "
                            "ORDER BY seq LIMIT 10 OFFSET 10);"),
                     SQLITE_OK);
    store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_events_prune (store, 1000, 500, 10, &deleted), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK_EQ_INT (deleted, 0);
    qf_store_destroy (&store);
    json_decref (payload);
}

QF_TEST (append_needs_transaction)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    json_t *payload = json_object ();
    QF_CHECK_EQ_INT (qf_store_event_append (store, "x", "", payload, 1, NULL), QF_EINVAL);
    json_decref (payload);
    qf_store_destroy (&store);
}

QF_TEST (text_is_stored_verbatim)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    const char *nasty = "'; DROP TABLE qualifications; -- \"资质\" \\ %s %n";
    json_t *args =
        json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "cert_no", "D234000001", "authority",
                   "安徽省住房和城乡建设厅", "category", "construction", "scope", nasty, "issued",
                   "2025-01-01", "expires", "2030-06-30", "acquisition_cost", 1234.5);
    int64_t id = 0;
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_qual_insert (store, args, 77, "zhang", &id), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_store_qual_get (store, id, &record), 0);
    QF_CHECK_STR (json_string_value (json_object_get (record, "scope")), nasty);
    QF_CHECK_STR (json_string_value (json_object_get (record, "expires")), "2030-06-30");
    QF_CHECK_STR (json_string_value (json_object_get (record, "state")), "draft");
    QF_CHECK (json_real_value (json_object_get (record, "acquisition_cost")) == 1234.5);
    QF_CHECK (json_is_null (json_object_get (record, "expected_revenue")));
    json_decref (record);
    json_decref (args);
    json_t *items = NULL;
    QF_CHECK_EQ_INT (qf_store_qual_list (store, "draft", 0, 10, &items), 0);
    QF_CHECK_EQ_INT (json_array_size (items), 1);
    json_decref (items);
    QF_CHECK_EQ_INT (qf_store_qual_list (store, "approved", 0, 10, &items), 0);
    QF_CHECK_EQ_INT (json_array_size (items), 0);
    json_decref (items);
    qf_store_destroy (&store);
}

QF_TEST (review_once_per_department_and_round)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    json_t *args =
        json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s}", "cert_no", "X", "authority", "A", "category",
                   "c", "scope", "s", "issued", "2025-01-01", "expires", "2030-01-01");
    int64_t id = 0;
    json_t *findings = json_pack ("[s]", "ok");
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_qual_insert (store, args, 1, "u", &id), 0);
    QF_CHECK_EQ_INT (
        qf_store_review_put (store, id, 1, "legal", "pass", findings, "", "w", 2, false), 0);
    QF_CHECK_EQ_INT (
        qf_store_review_put (store, id, 1, "legal", "fail", findings, "", "w", 3, false),
        QF_ECONFLICT);
    QF_CHECK_EQ_INT (
        qf_store_review_put (store, id, 2, "legal", "fail", findings, "x", "w", 3, true), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    json_t *reviews = NULL;
    QF_CHECK_EQ_INT (qf_store_reviews_get (store, id, 1, &reviews), 0);
    QF_CHECK_EQ_INT (json_array_size (reviews), 1);
    json_decref (reviews);
    QF_CHECK_EQ_INT (qf_store_reviews_get (store, id, -1, &reviews), 0);
    QF_CHECK_EQ_INT (json_array_size (reviews), 2);
    json_decref (reviews);
    json_decref (findings);
    json_decref (args);
    qf_store_destroy (&store);
}

static int
s_collect_seq (uint64_t seq, void *arg)
{
    uint64_t *sum = arg;
    *sum += seq;
    return 0;
}

static int
s_group_found (const char *name, const char *topics, uint64_t floor, void *arg)
{
    (void)topics;
    if (strcmp (name, "legal") == 0)
        *(uint64_t *)arg = floor + 1000;
    return 0;
}

QF_TEST (group_position_and_acks_persist)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_store_group_upsert (store, "legal", "[\"a.*\"]", 1), 0);
    QF_CHECK_EQ_INT (qf_store_group_ack_add (store, "legal", 7), 0);
    QF_CHECK_EQ_INT (qf_store_group_ack_add (store, "legal", 9), 0);
    QF_CHECK_EQ_INT (qf_store_group_set_floor (store, "legal", 7), 0);
    QF_CHECK_EQ_INT (qf_store_result_add (store, "legal", "ev1", 1), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_store_destroy (&store);
    store = s_open ();
    QF_CHECK (store);
    uint64_t found = 0, sum = 0;
    QF_CHECK_EQ_INT (qf_store_groups_load (store, s_group_found, &found), 0);
    QF_CHECK_EQ_INT (found, 1007);
    QF_CHECK_EQ_INT (qf_store_group_acks_load (store, "legal", s_collect_seq, &sum), 0);
    QF_CHECK_EQ_INT (sum, 9); /* 7 was folded into the floor */
    bool seen = false;
    QF_CHECK_EQ_INT (qf_store_result_seen (store, "legal", "ev1", &seen), 0);
    QF_CHECK (seen);
    QF_CHECK_EQ_INT (qf_store_result_seen (store, "finance", "ev1", &seen), 0);
    QF_CHECK (!seen);
    char error[128];
    QF_CHECK_EQ_INT (qf_store_check (store, error, sizeof error), 0);
    QF_CHECK_STR (error, "ok");
    qf_store_destroy (&store);
}

QF_TEST (events_json_filters_and_pages)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    json_t *payload = json_pack ("{s:i}", "n", 1);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    for (int i = 0; i < 10; i++)
        QF_CHECK_EQ_INT (
            qf_store_event_append (store, i % 2 ? "odd" : "even", "s", payload, i, NULL), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    json_t *list = NULL;
    QF_CHECK_EQ_INT (qf_store_events_json (store, 4, 3, NULL, &list), 0);
    QF_CHECK_EQ_INT (json_array_size (list), 3);
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (json_array_get (list, 0), "seq")), 5);
    json_decref (list);
    QF_CHECK_EQ_INT (qf_store_events_json (store, 0, 100, "odd", &list), 0);
    QF_CHECK_EQ_INT (json_array_size (list), 5);
    json_decref (list);
    json_decref (payload);
    qf_store_destroy (&store);
}

QF_TEST (idempotency_keys_belong_to_their_owner)
{
    s_fresh ();
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (
        qf_store_idempotency_put (store, "user:mallory", "k1", "qual.add", "{\"m\":1}", 1000), 0);
    char *command = NULL, *reply = NULL;
    /* Another owner's key of the same name is not theirs to read... */
    QF_CHECK_EQ_INT (qf_store_idempotency_get (store, "user:alice", "k1", &command, &reply),
                     QF_ENOTFOUND);
    /* ...and theirs to use. */
    QF_CHECK_EQ_INT (
        qf_store_idempotency_put (store, "user:alice", "k1", "qual.add", "{\"a\":1}", 2000), 0);
    QF_CHECK_EQ_INT (qf_store_idempotency_get (store, "user:mallory", "k1", &command, &reply), 0);
    QF_CHECK_STR (reply, "{\"m\":1}");
    free (command);
    free (reply);
    QF_CHECK_EQ_INT (qf_store_idempotency_get (store, "user:alice", "k1", &command, &reply), 0);
    QF_CHECK_STR (reply, "{\"a\":1}");
    free (command);
    free (reply);
    QF_CHECK (qf_store_idempotency_put (store, "user:alice", "k1", "qual.add", "{}", 3000) != 0);
    int deleted = 0;
    QF_CHECK_EQ_INT (qf_store_idempotency_prune (store, 1500, 100, &deleted), 0);
    QF_CHECK_EQ_INT (deleted, 1);
    QF_CHECK_EQ_INT (qf_store_idempotency_get (store, "user:mallory", "k1", &command, &reply),
                     QF_ENOTFOUND);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_store_destroy (&store);
}

int
main (void)
{
    s_test_suite = "store";
    snprintf (s_dir, sizeof s_dir, "/tmp/qf-store-XXXXXX");
    if (!mkdtemp (s_dir))
        return 1;
    qf_log_init ("test_store", QF_LOG_ERROR, false);
    QF_RUN (creates_schema_and_reopens);
    QF_RUN (files_are_private);
    QF_RUN (refuses_newer_schema);
    QF_RUN (second_open_is_locked_out);
    QF_RUN (outbox_commits_events_with_state);
    QF_RUN (savepoint_rollback_drops_its_events_only);
    QF_RUN (event_seqs_are_never_reused);
    QF_RUN (qualifications_keep_ids_and_references);
    QF_RUN (event_times_grow_and_seek_by_search);
    QF_RUN (append_needs_transaction);
    QF_RUN (text_is_stored_verbatim);
    QF_RUN (review_once_per_department_and_round);
    QF_RUN (group_position_and_acks_persist);
    QF_RUN (events_json_filters_and_pages);
    QF_RUN (idempotency_keys_belong_to_their_owner);
    char cmd[128];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system (cmd) != 0)
        return 1;
    return qf_test_done ();
}
