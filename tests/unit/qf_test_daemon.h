/*  qf_test_daemon — the daemon's command path, in-process, for the unit
    tests of the business modules: a real store on a temporary SQLite
    file, a configuration loaded from YAML text (qf_test_config.h), and
    commands looked up, authorized and run as the server runs them
    (qf_commands_find, qf_commands_authorize, qf_commands_run), each in its
    own transaction: committed when it succeeds, rolled back when it fails,
    as the server's savepoint undoes a failed command.

    The clock is the test's: d->now is the time every command and tick
    runs at, so that dates (effective, due, overdue) are the test's.
*/
#ifndef QF_TEST_DAEMON_H
#define QF_TEST_DAEMON_H

#include "qualification/qualification_config.h"
#include "qf.h"
#include "qf_commands.h"
#include "qf_log.h"
#include "qf_module.h"
#include "qf_store.h"
#include "qf_test_config.h"
#include "qf_timers.h"
#include "qf_emit.h"
#include "qualification/qualification_store.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Monday 2 March 2026, 10:00 in Shanghai (02:00 UTC): a working day, after
   the reminder time. */
#define QF_TEST_MONDAY "2026-03-02"

/* The calendar, time zone, categories and authority every business test
   runs with; a test adds its own keys after them. */
#define QF_TEST_DAEMON_YAML                                                                        \
    "calendar:\n  reminder_time: \"09:00\"\n  holidays:\n    2026: [2026-10-01]\n"                 \
    "categories:\n  - name: construction-general\n  - name: survey\n"                              \
    "authorities:\n  - name: Housing Office\n    pattern: \"^D[0-9]{9}$\"\n"
/* Policy keys: every test's time zone, then the test's own (indented). */
#define QF_TEST_POLICY "policy:\n  timezone: Asia/Shanghai\n"

typedef struct {
    char path[96];       /* the database file */
    qf_config_t *config; /* loaded as the daemon loads it */
    qf_store_t *store;   /* open on path */
    int64_t now;         /* the time commands and ticks run at */
    bool from_worker;    /* the next commands are a worker's results */
    uint64_t event_seq;  /* ... answering the event of this seq (0: none) */
    const char *user;    /* the next commands' user; NULL: "tester" */
    char error[512];     /* the last failed command's error */
    char field[80];      /* and its field */
} qf_test_daemon_t;

/* Epoch ms of "YYYY-MM-DD" at hh:mm in Shanghai (UTC+8, no summer time). */
static inline int64_t
qf_test_at (const char *date, int hh, int mm)
{
    int32_t day = 0;
    qf_date_parse (date, &day);
    return (int64_t)day * 86400000 + (int64_t)(hh - 8) * 3600000 + (int64_t)mm * 60000;
}

/*  Opens a store on a new temporary file with the configuration
    QF_TEST_DAEMON_YAML followed by `yaml`, which starts with
    QF_TEST_POLICY and any policy keys of the test's own; the clock
    at QF_TEST_MONDAY 10:00. 0, or -1 with why printed. */
static inline int
qf_test_daemon_open (qf_test_daemon_t *d, const char *yaml)
{
    memset (d, 0, sizeof *d);
    qf_log_set_level (QF_LOG_ERROR); /* the migrations' notes are noise here */
    char text[4096], error[512] = "";
    snprintf (text, sizeof text, "%s%s", QF_TEST_DAEMON_YAML, yaml);
    d->config = qf_test_config (text);
    if (!d->config)
        return -1;
    if (qf_commands_init (error, sizeof error) != 0) {
        printf ("# cannot bind the commands: %s\n", error);
        return -1;
    }
    const char *tmp = getenv ("TMPDIR");
    snprintf (d->path, sizeof d->path, "%s/business-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp (d->path);
    if (fd < 0) {
        printf ("# cannot make a temporary file for a store\n");
        return -1;
    }
    close (fd);
    unlink (d->path);
    d->store = qf_store_new (d->path, QF_DURABILITY_NORMAL, error, sizeof error);
    if (!d->store) {
        printf ("# cannot open a store at %s: %s\n", d->path, error);
        return -1;
    }
    d->now = qf_test_at (QF_TEST_MONDAY, 10, 0);
    return 0;
}

static inline void
qf_test_daemon_close (qf_test_daemon_t *d)
{
    qf_store_destroy (&d->store);
    qf_config_destroy (&d->config);
    const char *suffixes[] = {"", "-wal", "-shm", ".lock"};
    for (size_t i = 0; d->path[0] && i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char path[128];
        snprintf (path, sizeof path, "%s%s", d->path, suffixes[i]);
        unlink (path);
    }
}

/*  A command's context as the server makes it: d's store, configuration
    and time, `role`, d->user (or "tester"). */
static inline void
qf_test_ctx (qf_test_daemon_t *d, const char *role, qf_ctx_t *ctx)
{
    memset (ctx, 0, sizeof *ctx);
    ctx->store = d->store;
    ctx->config = d->config;
    ctx->now = d->now;
    ctx->role = role;
    ctx->user = d->user ? d->user : "tester";
    ctx->from_worker = d->from_worker;
    ctx->event_seq = d->event_seq;
}

/*  Runs `command` as `role` with args built by json_pack (format and its
    values; "{}" for none), as the server runs a request: looked up,
    authorized, checked and run in a transaction of its own. Returns its
    QF_E* code; on success *result_p (when not NULL) is its result (the
    caller's), on failure d->error and d->field say why. */
static inline int
qf_test_run (qf_test_daemon_t *d, const char *role, const char *command, json_t **result_p,
             const char *format, ...)
{
    if (result_p)
        *result_p = NULL;
    d->error[0] = d->field[0] = '\0';
    va_list ap;
    va_start (ap, format);
    json_t *args = json_vpack_ex (NULL, 0, format, ap);
    va_end (ap);
    if (!args) {
        snprintf (d->error, sizeof d->error, "the test's args do not pack: %s", format);
        return QF_ENOMEM;
    }
    qf_ctx_t ctx;
    qf_test_ctx (d, role, &ctx);
    json_t *result = NULL;
    const qf_command_t *found = qf_commands_find (command);
    int rc = found ? qf_commands_authorize (&ctx, found)
                   : qf_ctx_error (&ctx, QF_EINVAL, "command", "unknown command %s", command);
    if (rc == 0)
        rc = qf_store_begin (d->store);
    if (rc == 0) {
        rc = qf_commands_run (&ctx, found, args, &result);
        /* As the server does: the command's changes only when it
           succeeded, the events it kept (qf_ctx_keep) in any case. */
        if (rc == 0) {
            rc = qf_ctx_append_kept (&ctx);
            rc = rc ? rc : qf_store_commit (d->store);
        }
        if (rc)
            qf_store_rollback (d->store);
        if (ctx.kept && qf_store_begin (d->store) == 0) {
            if (qf_ctx_append_kept (&ctx) == 0)
                qf_store_commit (d->store);
            else
                qf_store_rollback (d->store);
        }
        json_decref (ctx.kept);
    }
    json_decref (args);
    /* A result already encoded (the event's bytes) comes back as text. */
    if (rc == 0 && !result && ctx.result_text)
        result = json_loads (ctx.result_text, 0, NULL);
    free (ctx.result_text);
    if (rc) {
        json_decref (result);
        result = NULL;
        snprintf (d->error, sizeof d->error, "%s", ctx.error);
        snprintf (d->field, sizeof d->field, "%s", ctx.field);
    }
    if (result_p)
        *result_p = result;
    else
        json_decref (result);
    return rc;
}

/*  Runs every module's periodic work at d->now, as the server's loop does,
    and commits what it did. The events raised, or -1 on failure. */
static inline int
qf_test_tick (qf_test_daemon_t *d)
{
    int total = 0, rc = 0;
    for (const qf_module_t *const *module = qf_modules; rc == 0 && *module; module++) {
        int raised = 0;
        if ((*module)->tick)
            rc = (*module)->tick (d->store, d->config, d->now, &raised);
        total += raised;
    }
    if (qf_store_in_transaction (d->store)) {
        if (rc == 0)
            rc = qf_store_commit (d->store);
        else
            qf_store_rollback (d->store);
    }
    return rc ? -1 : total;
}

/*  Fires the due timers at d->now, as the server's loop does, and commits
    what they did: how many fired, or -1 on failure. */
static inline int
qf_test_fire (qf_test_daemon_t *d)
{
    int fired = 0;
    if (qf_store_begin (d->store))
        return -1;
    if (qf_timers_fire (d->store, d->config, d->now, 64, &fired)) {
        qf_store_rollback (d->store);
        return -1;
    }
    return qf_store_commit (d->store) ? -1 : fired;
}

/* The highest seq in the event log: a mark to count events after. */
static inline uint64_t
qf_test_mark (qf_test_daemon_t *d)
{
    return qf_store_last_seq (d->store);
}

/*  The events of `topic` appended after seq `after`, oldest first (the
    caller's; NULL when they cannot be read). */
static inline json_t *
qf_test_events (qf_test_daemon_t *d, uint64_t after, const char *topic)
{
    json_t *list = NULL;
    return qf_store_events_json (d->store, after, 1000, topic, &list) == 0 ? list : NULL;
}

/* How many events of `topic` were appended after seq `after`; -1 on error. */
static inline int
qf_test_count (qf_test_daemon_t *d, uint64_t after, const char *topic)
{
    json_t *list = qf_test_events (d, after, topic);
    int count = list ? (int)json_array_size (list) : -1;
    json_decref (list);
    return count;
}

/*  Registers a qualification of `category` (certificate D2340000NN),
    expiring on `expires`, as review: its id, or 0 (d->error says why). */
static inline long long
qf_test_qual_add (qf_test_daemon_t *d, int n, const char *category, const char *expires)
{
    char cert_no[16];
    snprintf (cert_no, sizeof cert_no, "D2340000%02d", n % 100);
    json_t *record = NULL;
    int rc =
        qf_test_run (d, "review", "qual.add", &record, "{s:s, s:s, s:s, s:s, s:s, s:s}", "cert_no",
                     cert_no, "authority", "Housing Office", "category", category, "scope",
                     "general contracting", "issued", "2025-01-01", "expires", expires);
    long long id = rc ? 0 : (long long)json_integer_value (json_object_get (record, "id"));
    json_decref (record);
    return id;
}

/*  Department `department`'s final report on qualification `id`, round
    `round`, as its worker sends it: the command's QF_E* code. */
static inline int
qf_test_report (qf_test_daemon_t *d, long long id, int round, const char *department,
                const char *verdict)
{
    bool was = d->from_worker;
    d->from_worker = true;
    int rc = qf_test_run (d, department, "review.report", NULL, "{s:I, s:i, s:s, s:s}",
                          "qualification_id", (json_int_t)id, "round", round, "department",
                          department, "verdict", verdict);
    d->from_worker = was;
    return rc;
}

/*  Submits qualification `id` and has every configured department pass
    its round: 0 when it is approved, else why not (d->error). */
static inline int
qf_test_qual_approve (qf_test_daemon_t *d, long long id)
{
    json_t *record = NULL;
    int rc = qf_test_run (d, "review", "qual.submit", &record, "{s:I}", "id", (json_int_t)id);
    int round = (int)json_integer_value (json_object_get (record, "round"));
    json_decref (record);
    for (size_t i = 0; rc == 0 && i < qf_qualification_config (d->config)->review_department_count;
         i++)
        rc = qf_test_report (d, id, round,
                             qf_qualification_config (d->config)->review_departments[i], "pass");
    return rc;
}

/* The stored record of qualification `id` (the caller's), or NULL. */
static inline json_t *
qf_test_qual (qf_test_daemon_t *d, long long id)
{
    json_t *record = NULL;
    return qf_store_qual_get (d->store, id, &record) == 0 ? record : NULL;
}

/*  The pending timers of the subject `prefix`/`id` (qualification 3:
    "qualification", 3); -1 when they cannot be read. */
static inline int
qf_test_timers (qf_test_daemon_t *d, const char *prefix, long long id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    json_t *timers = NULL;
    if (qf_timers_list (d->store, qf_subject (subject, sizeof subject, prefix, id), &timers))
        return -1;
    int pending = 0;
    for (size_t i = 0; i < json_array_size (timers); i++) {
        const char *state =
            json_string_value (json_object_get (json_array_get (timers, i), "state"));
        pending += state && strcmp (state, "pending") == 0;
    }
    json_decref (timers);
    return pending;
}

/* The string `key` of object `o`, "" when absent. */
static inline const char *
qf_test_str (json_t *o, const char *key)
{
    const char *value = json_string_value (json_object_get (o, key));
    return value ? value : "";
}

/* The integer `key` of object `o`, 0 when absent. */
static inline long long
qf_test_int (json_t *o, const char *key)
{
    return (long long)json_integer_value (json_object_get (o, key));
}

#endif
