/*  fill_feedback — after-sales feedback for the benchmark, written by the
    daemon's own code on a database the sales fill made (customers and
    contracts, bench/run's fill_sales): CASES cases and CALLBACKS callback
    scores between FROM and TO (YYYY-MM-DD). Each case is handed in with
    feedback.add, answered (case.findings), told (case.tell) and closed
    (case.close) by the commands themselves, in time order, with the
    durable timers fired as time passes (feedback.overdue, the monthly
    digests), exactly as the daemon runs them; about one in twenty is left
    open. The scores are a delivered contract's callbacks recorded through
    qf_feedback_score, as the after-sales module records them. So the
    report runs on what the commands write, without waiting for them over
    the wire.

      fill_feedback DATABASE CONFIG CASES CALLBACKS FROM TO
*/
#include "contract/contract_store.h"
#include "feedback/feedback.h"
#include "feedback/feedback_config.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_commands.h"
#include "qf_store.h"
#include "qf_timers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_MS 3600000LL
#define BATCH   5000 /* actions per transaction */

/* A step of a case, at its time. */
typedef enum { OPEN, FINDINGS, TELL, CLOSE } step_t;

typedef struct {
    int64_t at;
    int32_t item; /* which case */
    step_t step;
} action_t;

/* A small, reproducible generator (xorshift64*). */
static uint64_t s_seed = 0x9e3779b97f4a7c15ULL;

static uint64_t
s_random (void)
{
    s_seed ^= s_seed >> 12;
    s_seed ^= s_seed << 25;
    s_seed ^= s_seed >> 27;
    return s_seed * 2685821657736338717ULL;
}

/* A number in [0, n). */
static int64_t
s_below (int64_t n)
{
    return (int64_t)(s_random () % (uint64_t)n);
}

static int
s_by_time (const void *a, const void *b)
{
    const action_t *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->step - y->step;
}

/* Runs `command` as the server does: looked up, authorized, checked, run;
   its result's id in *id_p when asked. */
static int
s_run (qf_store_t *store, const qf_config_t *config, int64_t now, const char *role,
       const char *user, const char *command, json_t *args, int64_t *id_p)
{
    qf_ctx_t ctx;
    memset (&ctx, 0, sizeof ctx);
    ctx.store = store;
    ctx.config = config;
    ctx.now = now;
    ctx.role = role;
    ctx.user = user;
    json_t *result = NULL;
    const qf_command_t *found = qf_commands_find (command);
    int rc = found ? qf_commands_authorize (&ctx, found) : QF_EINVAL;
    if (rc == 0)
        rc = qf_store_savepoint (store);
    if (rc == 0) {
        rc = qf_commands_run (&ctx, found, args, &result);
        if (rc == 0)
            rc = qf_store_release (store);
        else
            qf_store_rollback_savepoint (store);
    }
    if (rc)
        fprintf (stderr, "fill_feedback: %s: %s\n", command, ctx.error);
    if (rc == 0 && id_p)
        *id_p = json_integer_value (json_object_get (result, "id"));
    json_decref (result);
    json_decref (args);
    free (ctx.result_text);
    return rc;
}

/* Commits, forgetting the committed events (nobody publishes them here). */
static int
s_commit (qf_store_t *store)
{
    int rc = qf_store_commit (store);
    qf_event_list_t list;
    qf_store_take_committed (store, &list);
    qf_event_list_free (&list);
    return rc;
}

int
main (int argc, char **argv)
{
    if (argc != 7) {
        fprintf (stderr, "usage: fill_feedback DATABASE CONFIG CASES CALLBACKS FROM TO\n");
        return 2;
    }
    long cases = atol (argv[3]), callbacks = atol (argv[4]);
    int32_t from = 0, to = 0;
    char error[1024];
    qf_log_init ("fill_feedback", QF_LOG_WARN, false);
    if (qf_date_parse (argv[5], &from) || qf_date_parse (argv[6], &to) || to <= from || cases < 1 ||
        callbacks < 0) {
        fprintf (stderr, "fill_feedback: give CASES >= 1, CALLBACKS >= 0, FROM < TO\n");
        return 2;
    }
    qf_config_t *config = NULL;
    if (qf_config_load (argv[2], &config, error, sizeof error)) {
        fprintf (stderr, "fill_feedback: %s\n", error);
        return 1;
    }
    qf_store_t *store = qf_store_new (argv[1], QF_DURABILITY_NORMAL, error, sizeof error);
    if (!store || qf_commands_init (error, sizeof error)) {
        fprintf (stderr, "fill_feedback: %s\n", error);
        qf_store_destroy (&store);
        qf_config_destroy (&config);
        return 1;
    }
    /* The delivered contracts: the callbacks and the feedback follow them. */
    size_t count = 0, size = 0;
    int64_t *contract = NULL, *customer = NULL;
    int64_t after = 0;
    int rc = 0;
    for (;;) {
        json_t *items = NULL;
        rc = qf_store_contract_list (store, 0, NULL, "delivered", after, 1000, &items);
        if (rc || json_array_size (items) == 0) {
            json_decref (items);
            break;
        }
        for (size_t i = 0; i < json_array_size (items); i++) {
            json_t *item = json_array_get (items, i);
            if (count == size) {
                size = size ? size * 2 : 4096;
                contract = realloc (contract, size * sizeof *contract);
                customer = realloc (customer, size * sizeof *customer);
            }
            contract[count] = json_integer_value (json_object_get (item, "id"));
            customer[count] = json_integer_value (json_object_get (item, "customer_id"));
            after = contract[count++];
        }
        json_decref (items);
    }
    if (rc || count == 0) {
        fprintf (stderr, "fill_feedback: no delivered contracts (run the sales fill first)\n");
        return 1;
    }
    const qf_feedback_config_t *settings = qf_feedback_config (config);
    /* Each case's steps: opened at a random time, answered after 1 to 48
       hours, told and closed 2 hours to 8 days later; one in twenty stays
       open. */
    int64_t start = qf_calendar_day_start (config, from), span = (to - from) * 86400000LL;
    action_t *actions = calloc ((size_t)cases * 4, sizeof *actions);
    int64_t *ids = calloc ((size_t)cases, sizeof *ids);
    size_t n = 0;
    for (long i = 0; i < cases; i++) {
        int64_t at = start + s_below (span - 20 * 24 * HOUR_MS);
        int64_t answered = at + HOUR_MS + s_below (47 * HOUR_MS);
        int64_t closed = answered + HOUR_MS + s_below (8 * 24 * HOUR_MS);
        actions[n++] = (action_t){at, (int32_t)i, OPEN};
        actions[n++] = (action_t){answered, (int32_t)i, FINDINGS};
        if (s_below (20) != 0) {
            actions[n++] = (action_t){closed - HOUR_MS / 2, (int32_t)i, TELL};
            actions[n++] = (action_t){closed, (int32_t)i, CLOSE};
        }
    }
    qsort (actions, n, sizeof *actions, s_by_time);
    static const char *const channels[] = {"phone", "email", "visit", "web", "wechat"};
    for (size_t k = 0; k < n && rc == 0; k++) {
        if (k % BATCH == 0)
            rc = qf_store_begin (store);
        action_t *a = &actions[k];
        int fired = 0;
        if (rc == 0) /* the timers due by now, as the server's loop fires them */
            rc = qf_timers_fire (store, config, a->at, 1000, &fired);
        size_t c = (size_t)s_below ((int64_t)count);
        const qf_feedback_category_t *category =
            &settings->categories[s_below ((int64_t)settings->category_count)];
        int64_t severity = s_below (10);
        if (rc == 0 && a->step == OPEN)
            rc = s_run (store, config, a->at, "aftersales", "bench", "feedback.add",
                        json_pack ("{s:I, s:I, s:s, s:s, s:s, s:s}", "customer_id",
                                   (json_int_t)customer[c], "contract_id", (json_int_t)contract[c],
                                   "category", category->name, "severity",
                                   severity < 2   ? "low"
                                   : severity < 7 ? "normal"
                                   : severity < 9 ? "high"
                                                  : "critical",
                                   "text", "资质使用中遇到问题 a problem in use", "channel",
                                   channels[s_below (5)]),
                        &ids[a->item]);
        else if (rc == 0 && a->step == FINDINGS)
            rc = s_run (store, config, a->at, "aftersales", "bench", "case.findings",
                        json_pack ("{s:I, s:s}", "id", (json_int_t)ids[a->item], "text",
                                   "查明原因 the cause was found"),
                        NULL);
        else if (rc == 0 && a->step == TELL)
            rc = s_run (store, config, a->at, "aftersales", "bench", "case.tell",
                        json_pack ("{s:I, s:s, s:s, s:s}", "id", (json_int_t)ids[a->item],
                                   "outcome", "已处理 resolved", "apology", "抱歉 sorry", "channel",
                                   channels[s_below (3)]),
                        NULL);
        else if (rc == 0)
            rc = s_run (store, config, a->at, "aftersales", "bench", "case.close",
                        json_pack ("{s:I}", "id", (json_int_t)ids[a->item]), NULL);
        if (rc == 0 && (k % BATCH == BATCH - 1 || k == n - 1))
            rc = s_commit (store);
    }
    /* The callbacks' scores: a delivered contract's, on a day of the span. */
    for (long i = 0; i < callbacks && rc == 0; i++) {
        if (i % (BATCH * 10) == 0)
            rc = qf_store_begin (store);
        size_t c = (size_t)s_below ((int64_t)count);
        char date[16];
        int32_t day = from + (int32_t)s_below (to - from);
        qf_date_format (day, date, sizeof date);
        /* Mostly satisfied: 5 4 4 3 5 2 4 5 1 4 ... */
        static const int scores[] = {5, 4, 4, 3, 5, 2, 4, 5, 1, 4, 5, 3};
        if (rc == 0)
            rc =
                qf_feedback_score (store, qf_calendar_day_start (config, day) + 10 * HOUR_MS, i + 1,
                                   contract[c], date, scores[s_below (12)], error, sizeof error);
        if (rc == 0 && (i % (BATCH * 10) == BATCH * 10 - 1 || i == callbacks - 1))
            rc = s_commit (store);
    }
    /* What is due by now fires here, not in the daemon while it is timed. */
    for (int fired = 1; rc == 0 && fired > 0;) {
        rc = qf_store_begin (store);
        if (rc == 0)
            rc = qf_timers_fire (store, config, qf_time_now_ms (), 1000, &fired);
        if (rc == 0)
            rc = s_commit (store);
    }
    if (rc)
        fprintf (stderr, "fill_feedback: %s (%s)\n", qf_strerror (rc), error);
    free (contract);
    free (customer);
    free (actions);
    free (ids);
    qf_store_destroy (&store);
    qf_config_destroy (&config);
    return rc ? 1 : 0;
}
