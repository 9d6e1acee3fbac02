/*  test_timers — durable timers on a real SQLite file: placement by kind,
    placing every pending timer again when the calendar changes (and only
    then), a timer moved into the past firing once and late, the years
    without holidays, and the timers of a schema-10 database (one row per
    qualification or policy) upgraded to subjects and fired. Then a timer
    kind that a module declares, as a new business module would: placement
    by its rule, its payload given back at firing, firing once, "late"
    after downtime, placing again when the calendar changes, cancelling by
    subject, and a kind no module declares any more (its timers stay
    pending without holding back the others).

    This program links its own module list: the daemon's modules and one
    built here, "kindtest", with two kinds.

    Configurations are written to temporary YAML files and loaded with
    qf_config_load, as the daemon does.
*/
#include "qf.h"
#include "qf_calendar.h"
#include "qf_module.h"
#include "qf_store.h"
#include "qualification/qualification_store.h"
#include "policy/policy_store.h"
#include "qf_test.h"
#include "qf_timers.h"
#include "qf_emit.h"
#include "renewal/renewal_timers.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static qf_timer_fire_fn s_fire;

/* The test module's kinds, one of each placement. */
static const qf_timer_kind_t s_kinds[] = {
    {"kindtest.reminder", QF_TIMER_AT_REMINDER, false, s_fire},
    {"kindtest.deadline", QF_TIMER_AT_DAY_START, true, s_fire},
    {NULL},
};

static const qf_module_t s_module = {
    .name = "kindtest",
    .title = "A module with timer kinds, for this test",
    .timer_kinds = s_kinds,
};

extern const qf_module_t qf_module_qualification, qf_module_acquisition, qf_module_custody,
    qf_module_renewal, qf_module_policy, qf_module_proposal;

/* This program's modules: the daemon's, and the test's. */
const qf_module_t *const qf_modules[] = {
    &qf_module_qualification,
    &qf_module_acquisition,
    &qf_module_custody,
    &qf_module_renewal,
    &qf_module_policy,
    &qf_module_proposal, /* an expiry flags the open proposals (renewal_timers.c) */
    &s_module,
    NULL,
};

/* The test kinds' work: appends kindtest.fired with what the timer brought. */
static int
s_fire (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
        bool late)
{
    (void)config;
    json_t *payload =
        json_pack ("{s:s, s:O, s:i, s:I, s:b}", "kind", timer->kind, "payload", timer->payload,
                   "lead_days", timer->lead_days, "due", (json_int_t)timer->due, "late", late);
    if (!payload)
        return QF_ENOMEM;
    int rc = qf_store_event_append (store, "kindtest.fired", timer->subject, payload, now, NULL);
    json_decref (payload);
    return rc;
}

static char s_dir[64];

/* 2027 as shipped (New Year's Day only), and after the notice. */
#define YAML_BEFORE                                                                                \
    "policy:\n  timezone: Asia/Shanghai\ncalendar:\n  reminder_time: \"09:00\"\n"                  \
    "  holidays:\n    2026: [2026-10-01]\n    2027: [2027-01-01]\n"
#define YAML_AFTER                                                                                 \
    "policy:\n  timezone: Asia/Shanghai\ncalendar:\n  reminder_time: \"09:00\"\n"                  \
    "  holidays:\n    2026: [2026-10-01]\n"                                                        \
    "    2027: [2027-01-01, 2027-10-01, 2027-10-02, 2027-10-03, 2027-10-04, 2027-10-05,\n"         \
    "           2027-10-06, 2027-10-07]\n"

/*  Loads yaml through a temporary file; NULL (message printed) on error. */
static qf_config_t *
s_config (const char *yaml)
{
    char path[128], error[1024] = "";
    snprintf (path, sizeof path, "%s/config-XXXXXX", s_dir);
    int fd = mkstemp (path);
    if (fd < 0)
        return NULL;
    size_t length = strlen (yaml);
    bool written = write (fd, yaml, length) == (ssize_t)length;
    close (fd);
    qf_config_t *config = NULL;
    if (written && qf_config_load (path, &config, error, sizeof error) != 0)
        printf ("    %s\n", error);
    unlink (path);
    return config;
}

static qf_store_t *
s_store (void)
{
    static int n = 0;
    char path[128], error[512];
    snprintf (path, sizeof path, "%s/timers-%d.db", s_dir, ++n);
    qf_store_t *store = qf_store_new (path, QF_DURABILITY_NORMAL, error, sizeof error);
    if (!store)
        printf ("    open failed: %s\n", error);
    return store;
}

/* Epoch ms of "YYYY-MM-DD" at hh:mm UTC. */
static int64_t
s_ms (const char *date, int hh, int mm)
{
    int32_t day = 0;
    qf_date_parse (date, &day);
    return (int64_t)day * 86400000 + (int64_t)hh * 3600000 + (int64_t)mm * 60000;
}

/* The due time of the pending timer of `subject`, `kind` and `lead`, or -1. */
static int64_t
s_subject_due (qf_store_t *store, const char *subject, const char *kind, int lead)
{
    json_t *timers = NULL;
    int64_t due = -1;
    if (qf_timers_list (store, subject, &timers) != 0)
        return -1;
    size_t i;
    json_t *t;
    json_array_foreach (timers, i, t)
    {
        if (strcmp (json_string_value (json_object_get (t, "kind")), kind) == 0 &&
            json_integer_value (json_object_get (t, "lead_days")) == lead &&
            strcmp (json_string_value (json_object_get (t, "state")), "pending") == 0)
            due = json_integer_value (json_object_get (t, "due"));
    }
    json_decref (timers);
    return due;
}

/* The due time of a qualification's pending timer of `kind` and `lead`. */
static int64_t
s_due (qf_store_t *store, int64_t qual_id, const char *kind, int lead)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return s_subject_due (
        store, qf_subject (subject, sizeof subject, "qualification", qual_id), kind, lead);
}

/* A qualification expiring on `expires`, its timers scheduled at `now`. */
static int64_t
s_qualification (qf_store_t *store, const qf_config_t *config, const char *expires, int64_t now)
{
    json_t *args = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", "n", "cert_no",
                              "D234000001", "authority", "a", "category", "construction-general",
                              "scope", "s", "issued", "2025-01-01", "expires", expires);
    int64_t id = 0;
    int32_t day = 0;
    qf_date_parse (expires, &day);
    int rc = qf_store_begin (store);
    if (rc == 0)
        rc = qf_store_qual_insert (store, args, now, "test", &id);
    if (rc == 0)
        rc = qf_renewal_schedule (store, config, id, day, now);
    if (rc == 0)
        rc = qf_store_commit (store);
    json_decref (args);
    return rc ? -1 : id;
}

/* qf_timers_calendar_sync in its own transaction; the number moved, or -1. */
static int
s_sync (qf_store_t *store, const qf_config_t *config, int64_t now)
{
    int moved = -1;
    int rc = qf_store_begin (store);
    if (rc == 0)
        rc = qf_timers_calendar_sync (store, config, now, "test", &moved);
    if (rc == 0)
        rc = qf_store_commit (store);
    else
        qf_store_rollback (store);
    return rc ? -1 : moved;
}

QF_TEST (placement_by_kind)
{
    qf_config_t *config = s_config (YAML_BEFORE);
    qf_store_t *store = s_store ();
    QF_CHECK (config && store);
    int64_t id = s_qualification (store, config, "2027-10-31", s_ms ("2026-06-01", 2, 0));
    QF_CHECK (id > 0);
    /* Reminders at 09:00 Shanghai on working days; expired at 00:00. */
    QF_CHECK_EQ_INT (s_due (store, id, "expiring", 30), s_ms ("2027-10-01", 1, 0));
    QF_CHECK_EQ_INT (s_due (store, id, "expiring", 7), s_ms ("2027-10-22", 1, 0)); /* Sun->Fri */
    QF_CHECK_EQ_INT (s_due (store, id, "expired", 0), s_ms ("2027-10-30", 16, 0));
    /* Reminders already past are not made. */
    int64_t late = s_qualification (store, config, "2026-07-15", s_ms ("2026-06-01", 2, 0));
    QF_CHECK_EQ_INT (s_due (store, late, "expiring", 90), -1);
    QF_CHECK_EQ_INT (s_due (store, late, "expiring", 30), s_ms ("2026-06-15", 1, 0));
    qf_store_destroy (&store);
    qf_config_destroy (&config);
}

QF_TEST (calendar_change_places_pending_timers_again)
{
    qf_config_t *before = s_config (YAML_BEFORE), *after = s_config (YAML_AFTER);
    qf_store_t *store = s_store ();
    QF_CHECK (before && after && store);
    int64_t now = s_ms ("2026-06-01", 2, 0);
    /* A new database keeps the fingerprint; nothing moves. */
    QF_CHECK_EQ_INT (s_sync (store, before, now), 0);
    int64_t id = s_qualification (store, before, "2027-10-31", now);
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (s_sync (store, before, now), 0);
    /* National Day added: only the reminder on 10-01 moves, back a day. */
    QF_CHECK_EQ_INT (s_sync (store, after, now), 1);
    QF_CHECK_EQ_INT (s_due (store, id, "expiring", 30), s_ms ("2027-09-30", 1, 0));
    QF_CHECK_EQ_INT (s_sync (store, after, now), 0); /* once per change */
    /* Back again: it moves back. */
    QF_CHECK_EQ_INT (s_sync (store, before, now), 1);
    QF_CHECK_EQ_INT (s_due (store, id, "expiring", 30), s_ms ("2027-10-01", 1, 0));
    qf_store_destroy (&store);
    qf_config_destroy (&before);
    qf_config_destroy (&after);
}

QF_TEST (every_setting_moves_timers)
{
    /* Reminder time, time zone and holiday shift each move the reminders;
       the time zone moves the expiry timer too. */
    const char *changed[] = {
        "policy:\n  timezone: Asia/Shanghai\ncalendar:\n  reminder_time: \"10:00\"\n"
        "  holidays:\n    2026: [2026-10-01]\n    2027: [2027-01-01]\n",
        "policy:\n  timezone: UTC\ncalendar:\n  reminder_time: \"09:00\"\n"
        "  holidays:\n    2026: [2026-10-01]\n    2027: [2027-01-01]\n",
        "policy:\n  timezone: Asia/Shanghai\ncalendar:\n  reminder_time: \"09:00\"\n"
        "  holiday_shift: next\n  holidays:\n    2026: [2026-10-01]\n    2027: [2027-01-01]\n",
    };
    const int moved[] = {4, 5, 1}; /* shift: only the Sunday reminder (7 days) */
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
        qf_config_t *before = s_config (YAML_BEFORE), *after = s_config (changed[i]);
        qf_store_t *store = s_store ();
        QF_CHECK (before && after && store);
        int64_t now = s_ms ("2026-06-01", 2, 0);
        QF_CHECK (s_qualification (store, before, "2027-10-31", now) > 0);
        QF_CHECK_EQ_INT (s_sync (store, before, now), 0);
        char a[QF_CALENDAR_FINGERPRINT_SIZE], b[QF_CALENDAR_FINGERPRINT_SIZE];
        qf_calendar_fingerprint (before, a, sizeof a);
        qf_calendar_fingerprint (after, b, sizeof b);
        QF_CHECK (strcmp (a, b) != 0);
        QF_CHECK_EQ_INT (s_sync (store, after, now), moved[i]);
        qf_store_destroy (&store);
        qf_config_destroy (&before);
        qf_config_destroy (&after);
    }
}

QF_TEST (moved_into_the_past_fires_once_late)
{
    qf_config_t *before = s_config (YAML_BEFORE), *after = s_config (YAML_AFTER);
    qf_store_t *store = s_store ();
    QF_CHECK (before && after && store);
    int64_t id = s_qualification (store, before, "2027-10-31", s_ms ("2026-06-01", 2, 0));
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (s_sync (store, before, s_ms ("2026-06-01", 2, 0)), 0);
    /* 20:00 on 09-30 in Shanghai: the new time, 09:00 that day, has passed. */
    int64_t now = s_ms ("2027-09-30", 12, 0);
    QF_CHECK_EQ_INT (s_sync (store, after, now), 1);
    int fired = 0, total = 0;
    for (int pass = 0; pass < 3; pass++) {
        QF_CHECK_EQ_INT (qf_store_begin (store), 0);
        QF_CHECK_EQ_INT (qf_timers_fire (store, after, now + pass, 64, &fired), 0);
        QF_CHECK_EQ_INT (qf_store_commit (store), 0);
        qf_event_list_t list;
        qf_store_take_committed (store, &list);
        for (size_t i = 0; i < list.count; i++) {
            json_t *payload = json_loads (list.items[i].payload, 0, NULL);
            if (json_integer_value (json_object_get (payload, "lead_days")) == 30) {
                QF_CHECK (json_is_true (json_object_get (payload, "late")));
                total++;
            }
            json_decref (payload);
        }
        qf_event_list_free (&list);
    }
    QF_CHECK_EQ_INT (total, 1);
    qf_store_destroy (&store);
    qf_config_destroy (&before);
    qf_config_destroy (&after);
}

QF_TEST (years_without_holidays)
{
    qf_config_t *config = s_config (YAML_BEFORE);
    qf_store_t *store = s_store ();
    QF_CHECK (config && store);
    int64_t now = s_ms ("2026-06-01", 2, 0);
    json_t *years = NULL;
    QF_CHECK_EQ_INT (qf_timers_uncovered (store, config, &years), 0);
    QF_CHECK_EQ_INT (json_object_size (years), 0);
    json_decref (years);
    /* 2027 is listed; 2029 is not: its four reminders are counted, the
       expiry timer (00:00, no working day) is not. */
    QF_CHECK (s_qualification (store, config, "2027-10-31", now) > 0);
    QF_CHECK (s_qualification (store, config, "2029-11-02", now) > 0);
    QF_CHECK_EQ_INT (qf_timers_uncovered (store, config, &years), 0);
    QF_CHECK_EQ_INT (json_object_size (years), 1);
    QF_CHECK_EQ_INT (json_integer_value (json_object_get (years, "2029")), 4);
    json_decref (years);
    json_t *status = qf_timers_calendar_status (store, config);
    QF_CHECK (status != NULL);
    const char *warning = json_string_value (json_object_get (status, "warning"));
    bool names = warning && strstr (warning, "2029 (4)") != NULL;
    json_decref (status);
    QF_CHECK (names);
    qf_store_destroy (&store);
    qf_config_destroy (&config);
}

/* The schema of a database that qualflowd wrote at schema version 10, the
   last before timers had a subject and a payload: every table, as
   sqlite_master held it (timers with qualification_id and policy_id). */
static const char *s_schema_10 =
    "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
    "time INTEGER NOT NULL, topic TEXT NOT NULL, subject TEXT NOT NULL, "
    "payload TEXT NOT NULL);"
    "CREATE INDEX events_time ON events (time);"
    "CREATE TABLE qualifications (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "name TEXT NOT NULL, cert_no TEXT NOT NULL, authority TEXT NOT NULL, "
    "category TEXT NOT NULL, scope TEXT NOT NULL, issued INTEGER NOT NULL, "
    "expires INTEGER NOT NULL, acquisition_cost REAL, expected_revenue REAL, "
    "state TEXT NOT NULL, round INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, "
    "updated INTEGER NOT NULL, created_by TEXT NOT NULL, "
    "suspended INTEGER NOT NULL DEFAULT 0, industry TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX qualifications_state ON qualifications (state, id);"
    "CREATE INDEX qualifications_expires ON qualifications (expires);"
    "CREATE TABLE reviews (qualification_id INTEGER NOT NULL REFERENCES qualifications (id), "
    "round INTEGER NOT NULL, department TEXT NOT NULL, verdict TEXT NOT NULL, "
    "findings TEXT NOT NULL, suggestions TEXT NOT NULL, reviewer TEXT NOT NULL, "
    "time INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'final', decided_by TEXT, "
    "PRIMARY KEY (qualification_id, round, department)) WITHOUT ROWID;"
    "CREATE TABLE groups (name TEXT PRIMARY KEY, topics TEXT NOT NULL, "
    "ack_floor INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE group_acks (group_name TEXT NOT NULL, seq INTEGER NOT NULL, "
    "PRIMARY KEY (group_name, seq)) WITHOUT ROWID;"
    "CREATE TABLE results (group_name TEXT NOT NULL, event_id TEXT NOT NULL, "
    "time INTEGER NOT NULL, PRIMARY KEY (group_name, event_id)) WITHOUT ROWID;"
    "CREATE TABLE deliveries (group_name TEXT NOT NULL, seq INTEGER NOT NULL, "
    "attempts INTEGER NOT NULL, last_error TEXT NOT NULL, "
    "pinned INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (group_name, seq)) WITHOUT ROWID;"
    "CREATE TABLE dead_letters (group_name TEXT NOT NULL, seq INTEGER NOT NULL, "
    "event_id TEXT NOT NULL, topic TEXT NOT NULL, attempts INTEGER NOT NULL, "
    "last_error TEXT NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (group_name, "
    "seq)) WITHOUT ROWID;"
    "CREATE TABLE renewal_cases (qualification_id INTEGER NOT NULL REFERENCES qualifications (id), "
    "expires INTEGER NOT NULL, opened INTEGER NOT NULL, updated INTEGER NOT NULL, "
    "urgency TEXT NOT NULL, last_lead INTEGER NOT NULL, state TEXT NOT NULL, "
    "PRIMARY KEY (qualification_id, expires)) WITHOUT ROWID;"
    "CREATE TABLE archive (qualification_id INTEGER PRIMARY KEY REFERENCES qualifications (id), "
    "custodian TEXT NOT NULL, location TEXT NOT NULL, acquired INTEGER NOT NULL, "
    "notes TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE TABLE loans (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "qualification_id INTEGER NOT NULL REFERENCES qualifications (id), "
    "borrower TEXT NOT NULL, purpose TEXT NOT NULL, due INTEGER NOT NULL, "
    "state TEXT NOT NULL, requested_by TEXT NOT NULL, approved_by TEXT, "
    "requested INTEGER NOT NULL, approved INTEGER, lent INTEGER, returned INTEGER, "
    "last_overdue_day INTEGER);"
    "CREATE INDEX loans_open ON loans (state, due);"
    "CREATE INDEX loans_qualification ON loans (qualification_id, id);"
    "CREATE TABLE policies (id INTEGER PRIMARY KEY AUTOINCREMENT, category TEXT NOT NULL, "
    "description TEXT NOT NULL, effective INTEGER NOT NULL, state TEXT NOT NULL, "
    "recorded INTEGER NOT NULL, recorded_by TEXT NOT NULL, lifted INTEGER);"
    "CREATE INDEX policies_category ON policies (category, state);"
    "CREATE TABLE suspensions (policy_id INTEGER NOT NULL REFERENCES policies (id), "
    "qualification_id INTEGER NOT NULL REFERENCES qualifications (id), "
    "time INTEGER NOT NULL, review_round INTEGER, PRIMARY KEY (policy_id, "
    "qualification_id)) WITHOUT ROWID;"
    "CREATE TABLE candidates (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
    "category TEXT NOT NULL, industry TEXT NOT NULL, authority TEXT NOT NULL, "
    "source TEXT NOT NULL, notes TEXT NOT NULL, state TEXT NOT NULL, "
    "created INTEGER NOT NULL, created_by TEXT NOT NULL, updated INTEGER NOT NULL, "
    "evaluation TEXT, decision TEXT, decided_by TEXT, via TEXT, agency TEXT, "
    "qualification_id INTEGER REFERENCES qualifications (id));"
    "CREATE INDEX candidates_state ON candidates (state, id);"
    "CREATE TABLE candidate_progress (candidate_id INTEGER NOT NULL REFERENCES candidates (id), "
    "time INTEGER NOT NULL, author TEXT NOT NULL, note TEXT NOT NULL, blocker TEXT);"
    "CREATE INDEX candidate_progress_of ON candidate_progress (candidate_id, time);"
    "CREATE INDEX results_event ON results (event_id);"
    "CREATE TABLE \"timers\" (id INTEGER PRIMARY KEY AUTOINCREMENT, due INTEGER NOT NULL, "
    "kind TEXT NOT NULL, qualification_id INTEGER REFERENCES qualifications (id), "
    "policy_id INTEGER REFERENCES policies (id), lead_days INTEGER NOT NULL, "
    "anchor INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending', fired_at INTEGER, "
    "placed INTEGER NOT NULL DEFAULT 0, "
    "CHECK ((qualification_id IS NULL) <> (policy_id IS NULL)));"
    "CREATE INDEX timers_pending ON timers (due) WHERE state = 'pending';"
    "CREATE INDEX timers_qualification ON timers (qualification_id, state);"
    "CREATE INDEX timers_policy ON timers (policy_id, state) WHERE policy_id IS NOT NULL;"
    "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE \"idempotency\" (owner TEXT NOT NULL, key TEXT NOT NULL, "
    "command TEXT NOT NULL, reply TEXT NOT NULL, time INTEGER NOT NULL, "
    "PRIMARY KEY (owner, key)) WITHOUT ROWID;"
    "CREATE INDEX idempotency_time ON idempotency (time);";

/* Writes a schema-10 database at `path` with qualification 1 (approved,
   expiring 2027-10-31), policy 1 (pending, effective 2027-06-01) and their
   timers as schema 10 kept them: two pending reminders, one fired, one
   cancelled, the pending "expired" one and the policy's; the calendar
   fingerprint of `config`, so that nothing is placed again at open. */
static int
s_write_schema_10 (const char *path, const qf_config_t *config)
{
    int32_t expires = 0, effective = 0, issued = 0;
    qf_date_parse ("2027-10-31", &expires);
    qf_date_parse ("2027-06-01", &effective);
    qf_date_parse ("2025-01-01", &issued);
    char fingerprint[QF_CALENDAR_FINGERPRINT_SIZE], rows[2048];
    qf_calendar_fingerprint (config, fingerprint, sizeof fingerprint);
    snprintf (rows, sizeof rows,
              "INSERT INTO qualifications (name, cert_no, authority, category, scope, issued, "
              "expires, state, round, created, updated, created_by) VALUES ('n', 'D234000001', "
              "'a', 'construction-general', 's', %d, %d, 'approved', 1, 0, 0, 'test');"
              "INSERT INTO policies (category, description, effective, state, recorded, "
              "recorded_by) VALUES ('construction-general', 'd', %d, 'pending', 0, 'test');"
              "INSERT INTO settings (name, value) VALUES ('calendar', '%s');"
              "PRAGMA user_version = 10;",
              issued, expires, effective, fingerprint);
    /* id, due, kind, qualification_id, policy_id, lead_days, anchor, state */
    const struct {
        int64_t due;
        const char *kind;
        int qualification, policy, lead;
        int32_t anchor;
        const char *state;
    } timers[] = {
        {s_ms ("2027-08-02", 1, 0), "expiring", 1, 0, 90, expires, "fired"},
        {s_ms ("2027-09-01", 1, 0), "expiring", 1, 0, 60, expires, "cancelled"},
        {s_ms ("2027-10-01", 1, 0), "expiring", 1, 0, 30, expires, "pending"},
        {s_ms ("2027-10-22", 1, 0), "expiring", 1, 0, 7, expires, "pending"},
        {s_ms ("2027-10-30", 16, 0), "expired", 1, 0, 0, expires, "pending"},
        {s_ms ("2027-05-31", 16, 0), "policy_effective", 0, 1, 0, effective, "pending"},
    };
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_open (path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, s_schema_10, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, rows, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (db,
                                 "INSERT INTO timers (due, kind, qualification_id, policy_id, "
                                 "lead_days, anchor, state, placed) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)",
                                 -1, &stmt, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof timers / sizeof timers[0]; i++) {
        sqlite3_reset (stmt);
        sqlite3_clear_bindings (stmt);
        sqlite3_bind_int64 (stmt, 1, timers[i].due);
        sqlite3_bind_text (stmt, 2, timers[i].kind, -1, SQLITE_STATIC);
        if (timers[i].qualification)
            sqlite3_bind_int (stmt, 3, timers[i].qualification);
        if (timers[i].policy)
            sqlite3_bind_int (stmt, 4, timers[i].policy);
        sqlite3_bind_int (stmt, 5, timers[i].lead);
        sqlite3_bind_int (stmt, 6, timers[i].anchor);
        sqlite3_bind_text (stmt, 7, timers[i].state, -1, SQLITE_STATIC);
        rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        printf ("    schema 10: %s\n", sqlite3_errmsg (db));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return rc == SQLITE_OK ? 0 : -1;
}

/* How many events of each topic the last commit appended: expiring,
   expired, policy.changed, in counts[0..2]; the late expiring ones in
   counts[3]. */
static void
s_count_committed (qf_store_t *store, int counts[4])
{
    qf_event_list_t list;
    qf_store_take_committed (store, &list);
    for (size_t i = 0; i < list.count; i++) {
        const char *topic = list.items[i].topic;
        json_t *payload = json_loads (list.items[i].payload, 0, NULL);
        if (strcmp (topic, "certificate.expiring") == 0) {
            counts[0]++;
            counts[3] += json_is_true (json_object_get (payload, "late"));
        } else if (strcmp (topic, "certificate.expired") == 0)
            counts[1]++;
        else if (strcmp (topic, "policy.changed") == 0)
            counts[2]++;
        json_decref (payload);
    }
    qf_event_list_free (&list);
}

QF_TEST (schema_10_timers_upgrade_and_fire)
{
    qf_config_t *config = s_config (YAML_BEFORE);
    QF_CHECK (config != NULL);
    char path[128], error[512];
    snprintf (path, sizeof path, "%s/schema-10.db", s_dir);
    QF_CHECK_EQ_INT (s_write_schema_10 (path, config), 0);
    qf_store_t *store = qf_store_new (path, QF_DURABILITY_NORMAL, error, sizeof error);
    if (!store)
        printf ("    open failed: %s\n", error);
    QF_CHECK (store != NULL);
    /* Each timer kept its record (now its subject), kind, lead and time;
       the cancelled one is still not shown, the fired one still fired. */
    json_t *list = NULL;
    QF_CHECK_EQ_INT (qf_timers_list (store, "qualification/1", &list), 0);
    size_t count = json_array_size (list);
    const char *first = json_string_value (json_object_get (json_array_get (list, 0), "state"));
    bool fired = first && strcmp (first, "fired") == 0;
    json_decref (list);
    QF_CHECK_EQ_INT (count, 4);
    QF_CHECK (fired);
    QF_CHECK_EQ_INT (s_due (store, 1, "expiring", 30), s_ms ("2027-10-01", 1, 0));
    QF_CHECK_EQ_INT (s_due (store, 1, "expired", 0), s_ms ("2027-10-30", 16, 0));
    QF_CHECK_EQ_INT (qf_timers_list (store, "policy/1", &list), 0);
    int64_t policy_due = json_integer_value (json_object_get (json_array_get (list, 0), "due"));
    json_decref (list);
    QF_CHECK_EQ_INT (policy_due, s_ms ("2027-05-31", 16, 0));
    /* The same calendar: nothing moves. */
    QF_CHECK_EQ_INT (s_sync (store, config, s_ms ("2026-06-01", 2, 0)), 0);
    /* After its expiry day: the four pending timers fire, once, the
       reminders late; the qualification expires and the policy is active. */
    int64_t now = s_ms ("2027-11-01", 2, 0);
    int counts[4] = {0, 0, 0, 0}, total = 0;
    for (int pass = 0; pass < 2; pass++) {
        int n = 0;
        QF_CHECK_EQ_INT (qf_store_begin (store), 0);
        QF_CHECK_EQ_INT (qf_timers_fire (store, config, now + pass, 64, &n), 0);
        QF_CHECK_EQ_INT (qf_store_commit (store), 0);
        s_count_committed (store, counts);
        total += n;
    }
    QF_CHECK_EQ_INT (total, 4);
    QF_CHECK_EQ_INT (counts[0], 2);
    QF_CHECK_EQ_INT (counts[1], 1);
    QF_CHECK_EQ_INT (counts[2], 1);
    QF_CHECK_EQ_INT (counts[3], 2);
    json_t *record = NULL, *policy = NULL;
    QF_CHECK_EQ_INT (qf_store_qual_get (store, 1, &record), 0);
    QF_CHECK_EQ_INT (qf_store_policy_get (store, 1, &policy), 0);
    bool expired = strcmp (json_string_value (json_object_get (record, "state")), "expired") == 0;
    bool active = strcmp (json_string_value (json_object_get (policy, "state")), "active") == 0;
    json_decref (record);
    json_decref (policy);
    QF_CHECK (expired);
    QF_CHECK (active);
    qf_store_destroy (&store);
    qf_config_destroy (&config);
}

/* The test kinds' anchor: 2027-10-31, a Sunday. */
#define KIND_ANCHOR "2027-10-31"

/* A timer of a test kind, added in its own transaction (qf_timers_add). */
static int
s_add (qf_store_t *store, const qf_config_t *config, const char *kind, const char *subject,
       int lead, json_t *payload, int64_t now)
{
    int32_t anchor = 0;
    qf_date_parse (KIND_ANCHOR, &anchor);
    int rc = qf_store_begin (store);
    if (rc == 0)
        rc = qf_timers_add (store, config, kind, subject, anchor, lead, payload, now);
    if (rc == 0)
        return qf_store_commit (store);
    qf_store_rollback (store);
    return rc;
}

/* Fires what is due at `now` in one transaction; the kindtest.fired
   payloads it appended go to *fired_p (a new array; may be NULL). Returns
   how many timers fired, or -1. */
static int
s_fire_at (qf_store_t *store, const qf_config_t *config, int64_t now, json_t **fired_p)
{
    int fired = 0;
    int rc = qf_store_begin (store);
    if (rc == 0)
        rc = qf_timers_fire (store, config, now, 64, &fired);
    if (rc == 0)
        rc = qf_store_commit (store);
    else
        qf_store_rollback (store);
    qf_event_list_t list;
    qf_store_take_committed (store, &list);
    json_t *payloads = json_array ();
    for (size_t i = 0; i < list.count; i++)
        if (strcmp (list.items[i].topic, "kindtest.fired") == 0)
            json_array_append_new (payloads, json_loads (list.items[i].payload, 0, NULL));
    qf_event_list_free (&list);
    if (fired_p)
        *fired_p = payloads;
    else
        json_decref (payloads);
    return rc ? -1 : fired;
}

/* Whether the first payload of `fired` says late; frees `fired`. */
static bool
s_first_late (json_t *fired)
{
    bool late = json_is_true (json_object_get (json_array_get (fired, 0), "late"));
    json_decref (fired);
    return late;
}

QF_TEST (kind_placed_by_its_rule)
{
    qf_config_t *config = s_config (YAML_BEFORE);
    qf_store_t *store = s_store ();
    QF_CHECK (config && store);
    int64_t now = s_ms ("2026-06-01", 2, 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.reminder", "thing/1", 30, NULL, now), 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.reminder", "thing/1", 7, NULL, now), 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.deadline", "thing/1", 0, NULL, now), 0);
    /* 09:00 in Shanghai on working days (Sunday 10-24 -> Friday 10-22);
       the deadline at 00:00 of its day. */
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/1", "kindtest.reminder", 30),
                     s_ms ("2027-10-01", 1, 0));
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/1", "kindtest.reminder", 7),
                     s_ms ("2027-10-22", 1, 0));
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/1", "kindtest.deadline", 0),
                     s_ms ("2027-10-30", 16, 0));
    /* After its time: the reminder is not made, the deadline (due when
       past) is. */
    int64_t after = s_ms ("2027-11-02", 2, 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.reminder", "thing/2", 30, NULL, after), 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.deadline", "thing/2", 0, NULL, after), 0);
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/2", "kindtest.reminder", 30), -1);
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/2", "kindtest.deadline", 0),
                     s_ms ("2027-10-30", 16, 0));
    /* A kind no module declares, a subject too long, a payload that is
       not an object: refused. */
    char subject[QF_TIMER_SUBJECT_MAX + 2];
    memset (subject, 'x', sizeof subject - 1);
    subject[sizeof subject - 1] = 0;
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.none", "thing/3", 0, NULL, now), QF_EINVAL);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.deadline", subject, 0, NULL, now), QF_EINVAL);
    json_t *list = json_pack ("[i]", 1); /* a payload is an object */
    int rc = s_add (store, config, "kindtest.deadline", "thing/3", 0, list, now);
    json_decref (list);
    QF_CHECK_EQ_INT (rc, QF_EINVAL);
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/3", "kindtest.deadline", 0), -1);
    qf_store_destroy (&store);
    qf_config_destroy (&config);
}

QF_TEST (kind_fires_once_with_its_payload)
{
    qf_config_t *config = s_config (YAML_BEFORE);
    qf_store_t *store = s_store ();
    QF_CHECK (config && store);
    json_t *given = json_pack ("{s:s, s:i}", "note", "call the authority", "step", 2);
    int rc =
        s_add (store, config, "kindtest.reminder", "thing/1", 30, given, s_ms ("2026-06-01", 2, 0));
    QF_CHECK_EQ_INT (rc, 0);
    int64_t due = s_ms ("2027-10-01", 1, 0);
    QF_CHECK_EQ_INT (s_fire_at (store, config, due - 1, NULL), 0);
    json_t *fired = NULL;
    QF_CHECK_EQ_INT (s_fire_at (store, config, due, &fired), 1);
    json_t *event = json_array_get (fired, 0);
    bool same = json_equal (json_object_get (event, "payload"), given);
    int64_t event_due = json_integer_value (json_object_get (event, "due"));
    json_decref (given);
    QF_CHECK (!s_first_late (fired));
    QF_CHECK (same);
    QF_CHECK_EQ_INT (event_due, due);
    QF_CHECK_EQ_INT (s_fire_at (store, config, due + 1, NULL), 0); /* once */
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/1", "kindtest.reminder", 30), -1);
    qf_store_destroy (&store);
    qf_config_destroy (&config);
}

QF_TEST (kind_late_after_downtime)
{
    qf_config_t *config = s_config (YAML_BEFORE);
    qf_store_t *store = s_store ();
    QF_CHECK (config && store);
    int64_t now = s_ms ("2026-06-01", 2, 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.reminder", "thing/1", 30, NULL, now), 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.reminder", "thing/2", 7, NULL, now), 0);
    /* Within the limit: on time. A day after its time: late, once. */
    json_t *fired = NULL;
    QF_CHECK_EQ_INT (
        s_fire_at (store, config, s_ms ("2027-10-01", 1, 0) + QF_TIMER_LATE_MS, &fired), 1);
    QF_CHECK (!s_first_late (fired));
    QF_CHECK_EQ_INT (s_fire_at (store, config, s_ms ("2027-10-23", 1, 0), &fired), 1);
    QF_CHECK (s_first_late (fired));
    QF_CHECK_EQ_INT (s_fire_at (store, config, s_ms ("2027-10-24", 1, 0), NULL), 0);
    qf_store_destroy (&store);
    qf_config_destroy (&config);
}

QF_TEST (kind_placed_again_when_the_calendar_changes)
{
    qf_config_t *before = s_config (YAML_BEFORE), *after = s_config (YAML_AFTER);
    qf_store_t *store = s_store ();
    QF_CHECK (before && after && store);
    int64_t now = s_ms ("2026-06-01", 2, 0);
    QF_CHECK_EQ_INT (s_sync (store, before, now), 0);
    QF_CHECK_EQ_INT (s_add (store, before, "kindtest.reminder", "thing/1", 30, NULL, now), 0);
    QF_CHECK_EQ_INT (s_add (store, before, "kindtest.deadline", "thing/1", 0, NULL, now), 0);
    /* National Day added: the reminder on 10-01 moves back a day; the
       deadline (00:00, no working day) stays. */
    QF_CHECK_EQ_INT (s_sync (store, after, now), 1);
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/1", "kindtest.reminder", 30),
                     s_ms ("2027-09-30", 1, 0));
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/1", "kindtest.deadline", 0),
                     s_ms ("2027-10-30", 16, 0));
    QF_CHECK_EQ_INT (s_sync (store, after, now), 0); /* once per change */
    /* Back, then changed again after 09:00 on 09-30: placed before the
       present, it fires at once, late, once. */
    QF_CHECK_EQ_INT (s_sync (store, before, now), 1);
    int64_t evening = s_ms ("2027-09-30", 12, 0);
    QF_CHECK_EQ_INT (s_sync (store, after, evening), 1);
    json_t *fired = NULL;
    QF_CHECK_EQ_INT (s_fire_at (store, after, evening, &fired), 1);
    QF_CHECK (s_first_late (fired));
    QF_CHECK_EQ_INT (s_fire_at (store, after, evening + 1, NULL), 0);
    qf_store_destroy (&store);
    qf_config_destroy (&before);
    qf_config_destroy (&after);
}

QF_TEST (kind_cancelled_by_subject)
{
    qf_config_t *config = s_config (YAML_BEFORE);
    qf_store_t *store = s_store ();
    QF_CHECK (config && store);
    int64_t now = s_ms ("2026-06-01", 2, 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.reminder", "thing/1", 30, NULL, now), 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.deadline", "thing/1", 0, NULL, now), 0);
    QF_CHECK_EQ_INT (s_add (store, config, "kindtest.deadline", "thing/2", 0, NULL, now), 0);
    /* One kind of one subject, then all of it; the other subject stays. */
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_timers_cancel (store, "thing/1", "kindtest.deadline"), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/1", "kindtest.deadline", 0), -1);
    QF_CHECK (s_subject_due (store, "thing/1", "kindtest.reminder", 30) > 0);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_timers_cancel (store, "thing/1", NULL), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/1", "kindtest.reminder", 30), -1);
    QF_CHECK (s_subject_due (store, "thing/2", "kindtest.deadline", 0) > 0);
    QF_CHECK_EQ_INT (s_fire_at (store, config, s_ms ("2027-11-01", 0, 0), NULL), 1);
    qf_store_destroy (&store);
    qf_config_destroy (&config);
}

QF_TEST (kind_no_module_declares_stays_pending)
{
    qf_config_t *before = s_config (YAML_BEFORE), *after = s_config (YAML_AFTER);
    qf_store_t *store = s_store ();
    QF_CHECK (before && after && store);
    /* Timers left by a module no longer built in, due first: more than
       one pass reads. */
    qf_timer_t gone = {.due = s_ms ("2027-01-04", 1, 0)};
    qf_date_parse (KIND_ANCHOR, &gone.anchor);
    snprintf (gone.kind, sizeof gone.kind, "removed.kind");
    snprintf (gone.subject, sizeof gone.subject, "thing/9");
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    for (int i = 0; i < 70; i++)
        QF_CHECK_EQ_INT (qf_store_timer_add (store, &gone, 0), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    int64_t now = s_ms ("2026-06-01", 2, 0);
    QF_CHECK_EQ_INT (s_add (store, before, "kindtest.deadline", "thing/1", 0, NULL, now), 0);
    /* The next due time is the declared kind's; it fires, the others wait. */
    int64_t next = 0;
    QF_CHECK_EQ_INT (qf_store_timer_next (store, &next), 0);
    QF_CHECK_EQ_INT (next, s_ms ("2027-10-30", 16, 0));
    QF_CHECK_EQ_INT (s_fire_at (store, before, s_ms ("2027-11-01", 0, 0), NULL), 1);
    QF_CHECK_EQ_INT (qf_store_timer_next (store, &next), 0);
    QF_CHECK_EQ_INT (next, INT64_MAX);
    json_t *timers = NULL;
    QF_CHECK_EQ_INT (qf_timers_list (store, "thing/9", &timers), 0);
    size_t count = json_array_size (timers);
    const char *state =
        json_string_value (json_object_get (json_array_get (timers, 70 - 1), "state"));
    bool pending = state && strcmp (state, "pending") == 0;
    json_decref (timers);
    QF_CHECK_EQ_INT (count, 70);
    QF_CHECK (pending);
    /* A calendar change leaves them where they are; the warning names them. */
    QF_CHECK (s_sync (store, after, now) >= 0);
    qf_timers_warn_uncovered (store, before, "test");
    QF_CHECK_EQ_INT (s_subject_due (store, "thing/9", "removed.kind", 0),
                     s_ms ("2027-01-04", 1, 0));
    qf_store_destroy (&store);
    qf_config_destroy (&before);
    qf_config_destroy (&after);
}

int
main (void)
{
    s_test_suite = "timers";
    snprintf (s_dir, sizeof s_dir, "/tmp/qf-timers-XXXXXX");
    if (!mkdtemp (s_dir))
        return 1;
    qf_log_init ("test_timers", QF_LOG_ERROR, false);
    QF_RUN (placement_by_kind);
    QF_RUN (calendar_change_places_pending_timers_again);
    QF_RUN (every_setting_moves_timers);
    QF_RUN (moved_into_the_past_fires_once_late);
    QF_RUN (years_without_holidays);
    QF_RUN (schema_10_timers_upgrade_and_fire);
    QF_RUN (kind_placed_by_its_rule);
    QF_RUN (kind_fires_once_with_its_payload);
    QF_RUN (kind_late_after_downtime);
    QF_RUN (kind_placed_again_when_the_calendar_changes);
    QF_RUN (kind_cancelled_by_subject);
    QF_RUN (kind_no_module_declares_stays_pending);
    char cmd[128];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system (cmd) != 0)
        return 1;
    return qf_test_done ();
}
