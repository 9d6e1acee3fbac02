/*  test_timers — expiry and renewal timers (daemon/qf_timers.c) at their
    edges, on a real SQLite store: a reminder exactly policy.renewal_lead_days
    before expiry, made when due this very millisecond and not one after,
    fired at exactly its due time and not one millisecond before, marked late
    only past QF_TIMER_LATE_MS, and the "expired" timer at the first moment
    of the expiry day, made even when that moment has come.

    The clock is the `now` argument: no waiting. The calendar has no
    holidays, and the expiry day, 2026-03-04, is a Wednesday whose 30- and
    7-day leads (2026-02-02, 2026-02-25) are working days, so the reminders
    fall on the lead days themselves, at 09:00 in Asia/Shanghai (01:00 UTC).
*/
#include "qf.h"
#include "qf_calendar.h"
#include "qf_store.h"
#include "qualification/qualification_store.h"
#include "qf_test.h"
#include "qf_test_config.h"
#include "qf_time.h"
#include "qf_timers.h"
#include "qf_emit.h"
#include "renewal/renewal_timers.h"

#include <jansson.h>
#include <stdbool.h>
#include <unistd.h>

#define HOUR_MS INT64_C (3600000)
#define DAY_MS  INT64_C (86400000)

static char s_dir[64];
static qf_config_t *s_config = NULL;
static qf_store_t *s_store = NULL; /* a fresh store for each test */
static int32_t s_expires;          /* 2026-03-04 */

/* 09:00 in Shanghai on `day`, written out rather than asked of the calendar. */
static int64_t
s_nine (int32_t day)
{
    return (int64_t)day * DAY_MS + 1 * HOUR_MS;
}

/* The first moment of `day` in Shanghai. */
static int64_t
s_midnight (int32_t day)
{
    return (int64_t)day * DAY_MS - 8 * HOUR_MS;
}

/* An approved qualification expiring on `expires`; 0 on failure. */
static int64_t
s_qualification (int32_t expires)
{
    char text[16];
    qf_date_format (expires, text, sizeof text);
    json_t *args = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", "q", "cert_no",
                              "D234000001", "authority", "a", "category", "construction-general",
                              "scope", "s", "issued", "2020-01-01", "expires", text);
    int64_t id = 0;
    int rc = qf_store_begin (s_store);
    if (rc == 0)
        rc = qf_store_qual_insert (s_store, args, 0, "test", &id);
    if (rc == 0)
        rc = qf_store_qual_set_state (s_store, id, "approved", 1, 0);
    if (rc == 0)
        rc = qf_store_commit (s_store);
    json_decref (args);
    return rc == 0 ? id : 0;
}

/* Schedules the qualification's timers as an approval at `now` would. */
static int
s_schedule (int64_t id, int64_t now)
{
    int rc = qf_store_begin (s_store);
    if (rc == 0)
        rc = qf_renewal_schedule (s_store, s_config, id, s_expires, now);
    return rc == 0 ? qf_store_commit (s_store) : rc;
}

/* Fires what is due at `now`; returns how many fired, or -1. */
static int
s_fire (int64_t now)
{
    int fired = 0;
    int rc = qf_store_begin (s_store);
    if (rc == 0)
        rc = qf_timers_fire (s_store, s_config, now, 64, &fired);
    if (rc == 0)
        rc = qf_store_commit (s_store);
    return rc == 0 ? fired : -1;
}

/* The qualification's timers (qf_timers_list), or -1. */
static int
s_timers_of (int64_t id, json_t **timers_p)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return qf_timers_list (
        s_store, qf_subject (subject, sizeof subject, "qualification", id), timers_p);
}

/* Whether the qualification has a pending timer of `kind` and `lead` due
   at `due`. */
static bool
s_has_timer (int64_t id, const char *kind, int lead, int64_t due)
{
    json_t *timers = NULL;
    bool found = false;
    if (s_timers_of (id, &timers) != 0)
        return false;
    size_t i;
    json_t *timer;
    json_array_foreach (timers, i, timer)
    {
        found |= strcmp (json_string_value (json_object_get (timer, "kind")), kind) == 0 &&
                 json_integer_value (json_object_get (timer, "lead_days")) == lead &&
                 json_integer_value (json_object_get (timer, "due")) == due &&
                 strcmp (json_string_value (json_object_get (timer, "state")), "pending") == 0;
    }
    json_decref (timers);
    return found;
}

static int
s_timer_count (int64_t id)
{
    json_t *timers = NULL;
    if (s_timers_of (id, &timers) != 0)
        return -1;
    int count = (int)json_array_size (timers);
    json_decref (timers);
    return count;
}

/* The payload of the last event of `topic` (new reference), or NULL. */
static json_t *
s_last_payload (const char *topic)
{
    json_t *events = NULL;
    if (qf_store_events_json (s_store, 0, 1000, topic, &events) != 0)
        return NULL;
    json_t *payload =
        json_object_get (json_array_get (events, json_array_size (events) - 1), "payload");
    json_incref (payload);
    json_decref (events);
    return payload;
}

QF_TEST (reminders_fall_on_exactly_the_lead_days)
{
    int64_t id = s_qualification (s_expires);
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (s_schedule (id, 0), 0);
    QF_CHECK_EQ_INT (s_timer_count (id), 3);
    QF_CHECK (s_has_timer (id, "expiring", 30, s_nine (s_expires - 30)));
    QF_CHECK (s_has_timer (id, "expiring", 7, s_nine (s_expires - 7)));
    QF_CHECK (s_has_timer (id, "expired", 0, s_midnight (s_expires)));
}

QF_TEST (reminder_due_now_is_made_one_ms_later_is_not)
{
    int64_t due = s_nine (s_expires - 30);
    int64_t before = s_qualification (s_expires), at = s_qualification (s_expires),
            after = s_qualification (s_expires);
    QF_CHECK (before > 0 && at > 0 && after > 0);
    QF_CHECK_EQ_INT (s_schedule (before, due - 1), 0);
    QF_CHECK_EQ_INT (s_schedule (at, due), 0);
    QF_CHECK_EQ_INT (s_schedule (after, due + 1), 0);
    QF_CHECK (s_has_timer (before, "expiring", 30, due));
    QF_CHECK (s_has_timer (at, "expiring", 30, due));
    QF_CHECK (!s_has_timer (after, "expiring", 30, due));
    QF_CHECK (s_has_timer (after, "expiring", 7, s_nine (s_expires - 7)));
    QF_CHECK_EQ_INT (s_timer_count (after), 2);
}

QF_TEST (reminder_fires_at_its_due_time_not_before)
{
    int64_t id = s_qualification (s_expires);
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (s_schedule (id, 0), 0);
    int64_t due = s_nine (s_expires - 30);
    QF_CHECK_EQ_INT (s_fire (due - 1), 0);
    QF_CHECK_EQ_INT (s_fire (due), 1);
    json_t *payload = s_last_payload ("certificate.expiring");
    QF_CHECK (payload != NULL);
    int lead = (int)json_integer_value (json_object_get (payload, "lead_days"));
    int left = (int)json_integer_value (json_object_get (payload, "days_left"));
    bool late = json_is_true (json_object_get (payload, "late"));
    json_decref (payload);
    QF_CHECK_EQ_INT (lead, 30);
    QF_CHECK_EQ_INT (left, 30);
    QF_CHECK (!late);
    QF_CHECK_EQ_INT (s_fire (due), 0); /* once */
}

QF_TEST (late_only_past_the_late_limit)
{
    int64_t due = s_nine (s_expires - 30);
    int64_t on_time = s_qualification (s_expires);
    QF_CHECK (on_time > 0);
    QF_CHECK_EQ_INT (s_schedule (on_time, 0), 0);
    QF_CHECK_EQ_INT (s_fire (due + QF_TIMER_LATE_MS), 1);
    json_t *payload = s_last_payload ("certificate.expiring");
    bool late = json_is_true (json_object_get (payload, "late"));
    json_decref (payload);
    QF_CHECK (!late);

    int64_t tardy = s_qualification (s_expires);
    QF_CHECK (tardy > 0);
    QF_CHECK_EQ_INT (s_schedule (tardy, 0), 0);
    QF_CHECK_EQ_INT (s_fire (due + QF_TIMER_LATE_MS + 1), 1);
    payload = s_last_payload ("certificate.expiring");
    late = json_is_true (json_object_get (payload, "late"));
    json_decref (payload);
    QF_CHECK (late);
}

QF_TEST (expired_at_the_first_moment_of_the_expiry_day)
{
    int64_t id = s_qualification (s_expires);
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (s_schedule (id, s_nine (s_expires - 1)), 0);
    QF_CHECK_EQ_INT (s_fire (s_midnight (s_expires) - 1), 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_store_qual_get (s_store, id, &record), 0);
    bool approved = strcmp (json_string_value (json_object_get (record, "state")), "approved") == 0;
    json_decref (record);
    QF_CHECK (approved);
    QF_CHECK_EQ_INT (s_fire (s_midnight (s_expires)), 1);
    QF_CHECK_EQ_INT (qf_store_qual_get (s_store, id, &record), 0);
    bool expired = strcmp (json_string_value (json_object_get (record, "state")), "expired") == 0;
    json_decref (record);
    QF_CHECK (expired);
}

QF_TEST (approved_on_its_expiry_day_still_expires)
{
    /* Approved at the very moment it expires, and a day later: the expired
       timer is made anyway and fires at once, so it does not stay approved. */
    int64_t at = s_qualification (s_expires), later = s_qualification (s_expires);
    QF_CHECK (at > 0 && later > 0);
    QF_CHECK_EQ_INT (s_schedule (at, s_midnight (s_expires)), 0);
    QF_CHECK_EQ_INT (s_schedule (later, s_midnight (s_expires) + DAY_MS), 0);
    QF_CHECK_EQ_INT (s_timer_count (at), 1);
    QF_CHECK (s_has_timer (at, "expired", 0, s_midnight (s_expires)));
    QF_CHECK (s_has_timer (later, "expired", 0, s_midnight (s_expires)));
    QF_CHECK_EQ_INT (s_fire (s_midnight (s_expires) + DAY_MS), 2);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_store_qual_get (s_store, later, &record), 0);
    bool expired = strcmp (json_string_value (json_object_get (record, "state")), "expired") == 0;
    json_decref (record);
    QF_CHECK (expired);
}

/* Runs a test on a fresh store, closed afterwards whatever happened. */
#define RUN(name)                                                                                  \
    do {                                                                                           \
        static int _n = 0;                                                                         \
        char _path[256], _error[256];                                                              \
        snprintf (_path, sizeof _path, "%s/timers-%s-%d.db", s_dir, #name, ++_n);                  \
        s_store = qf_store_new (_path, QF_DURABILITY_NORMAL, _error, sizeof _error);               \
        if (!s_store) {                                                                            \
            printf ("FAIL timers: %s: cannot open a store: %s\n", #name, _error);                  \
            s_test_failed_count++;                                                                 \
            break;                                                                                 \
        }                                                                                          \
        QF_RUN (name);                                                                             \
        if (qf_store_in_transaction (s_store))                                                     \
            qf_store_rollback (s_store);                                                           \
        qf_store_destroy (&s_store);                                                               \
    } while (0)

int
main (void)
{
    s_test_suite = "timer_edges";
    qf_log_init ("test_timers", QF_LOG_ERROR, false);
    snprintf (s_dir, sizeof s_dir, "/tmp/qf-test-timers-XXXXXX");
    s_config = qf_test_config ("policy:\n"
                               "  timezone: Asia/Shanghai\n"
                               "  renewal_lead_days: [30, 7]\n"
                               "calendar:\n"
                               "  reminder_time: \"09:00\"\n");
    if (!mkdtemp (s_dir) || !s_config || qf_date_parse ("2026-03-04", &s_expires) != 0) {
        printf ("FAIL timers: setup: no temporary directory or configuration\n");
        return 1;
    }
    RUN (reminders_fall_on_exactly_the_lead_days);
    RUN (reminder_due_now_is_made_one_ms_later_is_not);
    RUN (reminder_fires_at_its_due_time_not_before);
    RUN (late_only_past_the_late_limit);
    RUN (expired_at_the_first_moment_of_the_expiry_day);
    RUN (approved_on_its_expiry_day_still_expires);
    qf_config_destroy (&s_config);
    char command[128];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    if (system (command) != 0)
        return 1;
    return qf_test_done ();
}
