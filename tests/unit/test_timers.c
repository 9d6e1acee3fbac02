/*  test_timers — durable timers on a real SQLite file: placement by kind,
    placing every pending timer again when the calendar changes (and only
    then), a timer moved into the past firing once and late, the years
    without holidays, and a pending policy taking effect on its date.

    Configurations are written to temporary YAML files and loaded with
    qf_config_load, as the daemon does.
*/
#include "qf.h"
#include "qf_calendar.h"
#include "qf_store.h"
#include "qualification/qualification_store.h"
#include "qf_test.h"
#include "qf_timers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The due time of a qualification's pending timer of `kind` and `lead`. */
static int64_t
s_due (qf_store_t *store, int64_t qual_id, const char *kind, int lead)
{
    json_t *timers = NULL;
    int64_t due = -1;
    if (qf_store_timers_json (store, qual_id, &timers) != 0)
        return -1;
    size_t i;
    json_t *t;
    json_array_foreach (timers, i, t)
    {
        if (strcmp (json_string_value (json_object_get (t, "kind")), kind) == 0 &&
            json_integer_value (json_object_get (t, "lead_days")) == lead)
            due = json_integer_value (json_object_get (t, "due"));
    }
    json_decref (timers);
    return due;
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
        rc = qf_timers_schedule (store, config, id, day, now);
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
    char cmd[128];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system (cmd) != 0)
        return 1;
    return qf_test_done ();
}
