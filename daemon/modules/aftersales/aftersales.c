/*  aftersales — callbacks after delivery (§6.4, §3.3 customer first).

    A delivered contract's callbacks are scheduled in the delivery's
    transaction (qf_aftersales_schedule, called by the contract module):
    one per interval of policy.callback_intervals_days, each with a
    durable timer on the working day it falls on. When that day comes the
    timer raises aftersales.callback_due, and the after-sales worker opens
    the task (callback.open: idempotent per contract and interval, so a
    redelivered event opens nothing twice), assigned to the contract's
    salesperson or the configured role, due aftersales.due_days working
    days later. Each call is recorded (callback.record): not reached, it
    is tried again on the next working day, up to
    aftersales.max_attempts calls, then escalated to the supervisor;
    reached, it is closed with its result (the score and what the
    customer said), the score goes to the feedback report and each
    problem the customer raised becomes feedback with its case
    (feedback/feedback.h). A callback not done by its due date is overdue
    (aftersales_timers.c).

    The rules of §3.3, each refused with nothing changed: no call is
    recorded before the delivery date; a callback is not closed without
    its result; a score is 1 to 5; a salesperson records only the
    callbacks of their own contracts (and the roles the spec does not
    list record none). */
#include "aftersales/aftersales.h"
#include "aftersales/aftersales_config.h"
#include "aftersales/aftersales_store.h"
#include "aftersales/aftersales_timers.h"
#include "customer/customer.h"
#include "feedback/feedback.h"
#include "staff/staff.h"
#include "contract/contract_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <stdio.h>
#include <string.h>

#define MAX_PROBLEMS 16 /* problems one call may raise */

int
qf_aftersales_emit (qf_store_t *store, int64_t now, const char *topic, json_t *callback,
                    json_t *recipients, json_t *extra)
{
    json_t *payload = NULL;
    if (callback && recipients)
        payload = json_pack (
            "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "callback_id",
            json_object_get (callback, "id"), "contract_id",
            json_object_get (callback, "contract_id"), "number",
            json_object_get (callback, "number"), "customer_id",
            json_object_get (callback, "customer_id"), "customer",
            json_object_get (callback, "customer"), "owner", json_object_get (callback, "owner"),
            "assignee", json_object_get (callback, "assignee"), "interval_days",
            json_object_get (callback, "interval_days"), "delivered_on",
            json_object_get (callback, "delivered_on"), "day", json_object_get (callback, "day"),
            "due", json_object_get (callback, "due"), "state", json_object_get (callback, "state"),
            "attempts", json_object_get (callback, "attempts"), "recipients", recipients);
    if (payload && extra && json_object_update (payload, extra))
        json_decref (payload), payload = NULL;
    int64_t id = json_integer_value (json_object_get (callback, "id"));
    json_decref (callback);
    json_decref (recipients);
    json_decref (extra);
    return qf_emit (store, now, topic, "callback", id, payload);
}

/* The assignee of a callback of `owner`'s contract: the owner, or the
   configured role. */
static const char *
s_assignee (const qf_config_t *config, const char *owner)
{
    const char *assignee = qf_aftersales_config (config)->assignee;
    return strcmp (assignee, "owner") == 0 ? owner : assignee;
}

const char *
qf_aftersales_supervisor_of (qf_store_t *store, const qf_config_t *config, const char *owner,
                             char *buffer, size_t size)
{
    if (owner && qf_staff_supervisor_of (store, owner, buffer, size) == 0)
        return buffer;
    return qf_aftersales_supervisor (config, owner);
}

int
qf_aftersales_schedule (qf_store_t *store, const qf_config_t *config, int64_t now, json_t *contract,
                        const char *delivered_on)
{
    int32_t delivered = 0;
    if (qf_date_parse (delivered_on, &delivered))
        return QF_EINVAL;
    json_t *customer = NULL;
    int rc = qf_customer_get (store, json_integer_value (json_object_get (contract, "customer_id")),
                              &customer);
    if (rc)
        return rc;
    const char *owner = json_string_value (json_object_get (contract, "owner"));
    const qf_aftersales_config_t *settings = qf_aftersales_config (config);
    json_t *scheduled = json_array ();
    rc = scheduled ? 0 : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < settings->callback_interval_count; i++) {
        int interval = settings->callback_intervals_days[i];
        char day[16];
        qf_date_format (qf_calendar_working_day (config, delivered + interval), day, sizeof day);
        json_t *callback = json_pack ("{s:O, s:O, s:O, s:O, s:s, s:s, s:i, s:s, s:s}",
                                      "contract_id", json_object_get (contract, "id"), "number",
                                      json_object_get (contract, "number"), "customer_id",
                                      json_object_get (contract, "customer_id"), "customer",
                                      json_object_get (customer, "name"), "owner", owner,
                                      "assignee", s_assignee (config, owner), "interval_days",
                                      interval, "delivered_on", delivered_on, "day", day);
        int64_t id = 0;
        rc = callback ? qf_store_callback_add (store, callback, now, &id) : QF_ENOMEM;
        if (rc == 0)
            rc = qf_aftersales_watch_due (store, config, id, delivered + interval, now);
        if (rc == 0)
            rc = json_array_append_new (scheduled,
                                        json_pack ("{s:I, s:i, s:s}", "callback_id", (json_int_t)id,
                                                   "interval_days", interval, "day", day))
                     ? QF_ENOMEM
                     : 0;
        json_decref (callback);
    }
    if (rc == 0)
        rc = qf_emit (store, now, "aftersales.callbacks_scheduled", "contract",
                      json_integer_value (json_object_get (contract, "id")),
                      json_pack ("{s:O, s:O, s:O, s:s, s:O, s:[s]}", "contract_id",
                                 json_object_get (contract, "id"), "number",
                                 json_object_get (contract, "number"), "customer_id",
                                 json_object_get (contract, "customer_id"), "delivered_on",
                                 delivered_on, "callbacks", scheduled, "recipients", owner));
    json_decref (scheduled);
    json_decref (customer);
    return rc;
}

int
qf_aftersales_of (qf_store_t *store, int64_t contract_id, json_t **callbacks_p)
{
    return qf_store_callback_of (store, contract_id, callbacks_p);
}

/* Handlers ------------------------------------------------------------------ */

/* Loads callback `id` (404 naming `field`). */
static int
s_load (qf_ctx_t *ctx, json_int_t id, const char *field, json_t **callback_p)
{
    int rc = qf_store_callback_get (ctx->store, id, callback_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, field, "no callback with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the callback: %s", qf_strerror (rc));
    return 0;
}

/* A salesperson acts only on the callbacks of their own contracts (§6.1,
   §5.3 confidentiality); the other roles the spec lists on any. */
static int
s_owner_check (qf_ctx_t *ctx, json_t *callback)
{
    const char *owner = json_string_value (json_object_get (callback, "owner"));
    if (strcmp (ctx->role, "sales") != 0 || (ctx->user && strcmp (owner, ctx->user) == 0))
        return 0;
    return qf_ctx_error (ctx, QF_EFORBIDDEN, "args.id",
                         "callback %lld is of contract %s of %s; a salesperson records only the "
                         "callbacks of their own contracts: %s, the after-sales staff, a "
                         "supervisor or management may",
                         (long long)json_integer_value (json_object_get (callback, "id")),
                         json_string_value (json_object_get (callback, "number")), owner, owner);
}

/* The callback `id` read again, as the result (*result_p), with `extra`
   fields (may be NULL; taken). */
static int
s_result (qf_ctx_t *ctx, int64_t id, json_t *extra, json_t **result_p)
{
    json_t *callback = NULL;
    int rc = qf_store_callback_get (ctx->store, id, &callback);
    json_t *calls = NULL;
    if (rc == 0)
        rc = qf_store_callback_calls (ctx->store, id, &calls);
    if (rc == 0)
        rc = json_object_set_new (callback, "calls", calls) ? QF_ENOMEM : 0;
    if (rc == 0 && extra)
        rc = json_object_update (callback, extra) ? QF_ENOMEM : 0;
    json_decref (extra);
    if (rc) {
        json_decref (callback);
        return qf_ctx_error (ctx, rc, NULL, "could not read the callback: %s", qf_strerror (rc));
    }
    *result_p = callback;
    return 0;
}

/* Opens scheduled callback `callback` (its row, updated in place): its
   day, the first call (that day, or the next working day from today when
   it opens late), its due date and its assignee; places its overdue
   timer and appends aftersales.callback_opened to the assignee. */
static int
s_open_row (qf_ctx_t *ctx, json_t *callback)
{
    const qf_aftersales_config_t *settings = qf_aftersales_config (ctx->config);
    int64_t id = json_integer_value (json_object_get (callback, "id"));
    int32_t delivered = 0, today = qf_calendar_today (ctx->config, ctx->now);
    qf_date_parse (json_string_value (json_object_get (callback, "delivered_on")), &delivered);
    int32_t day = qf_calendar_working_day (
        ctx->config,
        delivered + (int32_t)json_integer_value (json_object_get (callback, "interval_days")));
    int32_t next = day >= today ? day : qf_aftersales_working_days_after (ctx->config, today, 0);
    int32_t due = qf_aftersales_working_days_after (ctx->config, day, settings->due_days);
    char day_text[16], next_text[16], due_text[16];
    qf_date_format (day, day_text, sizeof day_text);
    qf_date_format (next, next_text, sizeof next_text);
    qf_date_format (due, due_text, sizeof due_text);
    const char *assignee =
        s_assignee (ctx->config, json_string_value (json_object_get (callback, "owner")));
    json_t *task = json_pack ("{s:s, s:s, s:s, s:s}", "assignee", assignee, "day", day_text, "due",
                              due_text, "next_attempt", next_text);
    int rc =
        task ? qf_store_callback_open (ctx->store, id, task, qf_ctx_who (ctx), ctx->now) : QF_ENOMEM;
    if (rc == 0)
        rc = json_object_update (callback, task) ? QF_ENOMEM : 0;
    json_decref (task);
    if (rc == 0)
        rc = json_object_set_new (callback, "state", json_string ("open")) ? QF_ENOMEM : 0;
    /* Opened by a call recorded before its day: its day's timer goes. */
    if (rc == 0)
        rc = qf_aftersales_unwatch (ctx->store, id, "callback_due");
    if (rc == 0)
        rc = qf_aftersales_watch_overdue (ctx->store, ctx->config, id, due, ctx->now);
    char what[160];
    snprintf (what, sizeof what,
              "call the customer back (§6.4, %lld days after delivery) by %s; first call %s",
              (long long)json_integer_value (json_object_get (callback, "interval_days")), due_text,
              next_text);
    if (rc == 0)
        rc = qf_aftersales_emit (ctx->store, ctx->now, "aftersales.callback_opened",
                                 json_incref (callback), json_pack ("[s]", assignee),
                                 json_pack ("{s:s, s:s}", "next_attempt", next_text, "what", what));
    return rc;
}

/* callback.open: the after-sales worker's answer to aftersales.callback_due.
   Idempotent per contract and interval: a callback already open (or done)
   is returned as it is, `created` false, and nothing changes. */
static int
s_open (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t contract = json_integer_value (json_object_get (args, "contract_id"));
    json_int_t interval = json_integer_value (json_object_get (args, "interval_days"));
    json_t *callback = NULL;
    int rc = qf_store_callback_for (ctx->store, contract, (int)interval, &callback);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.contract_id",
                             "contract %lld has no callback %lld days after delivery: callbacks "
                             "are scheduled when a contract is delivered, one for each of "
                             "policy.callback_intervals_days then",
                             (long long)contract, (long long)interval);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the callback: %s", qf_strerror (rc));
    int64_t id = json_integer_value (json_object_get (callback, "id"));
    bool scheduled =
        strcmp (json_string_value (json_object_get (callback, "state")), "scheduled") == 0;
    if (scheduled)
        rc = s_open_row (ctx, callback);
    json_decref (callback);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not open the callback: %s",
                                             qf_strerror (rc));
    return s_result (ctx, id, json_pack ("{s:b}", "created", scheduled), result_p);
}

/* How many of the `length` bytes of `text` to quote in a message: at
   most `max`, never cutting a UTF-8 character in two. */
static int
s_quoted (const char *text, size_t length, size_t max)
{
    size_t cut = length > max ? max : length;
    while (cut > 0 && cut < length && ((unsigned char)text[cut] & 0xc0) == 0x80)
        cut--;
    return (int)cut;
}

/* One problem the customer raised, "KIND:CATEGORY:TEXT", parsed into
   {kind, category, text}; 400 naming args.problems and the item. */
static int
s_problem (qf_ctx_t *ctx, const char *item, size_t length, int n, json_t **problem_p)
{
    while (length && (*item == ' ' || *item == '\t'))
        item++, length--;
    while (length && (item[length - 1] == ' ' || item[length - 1] == '\t'))
        length--;
    const char *colon = memchr (item, ':', length);
    const char *second =
        colon ? memchr (colon + 1, ':', length - (size_t)(colon + 1 - item)) : NULL;
    const char *text = second ? second + 1 : NULL;
    while (text && text < item + length && *text == ' ')
        text++;
    if (!second || colon == item || second == colon + 1 || !text || text == item + length)
        return qf_ctx_error (ctx, QF_EINVAL, "args.problems",
                             "problem %d (\"%.*s\") is not KIND:CATEGORY:TEXT: give each problem "
                             "as technical or service, its category and what the customer said, "
                             "e.g. service:response:no one called back; separate problems by ';'",
                             n, s_quoted (item, length, 80), item);
    *problem_p = json_pack ("{s:s%, s:s%, s:s%}", "kind", item, (size_t)(colon - item), "category",
                            colon + 1, (size_t)(second - colon - 1), "text", text,
                            (size_t)(item + length - text));
    if (!*problem_p)
        return QF_ENOMEM;
    const char *kind = json_string_value (json_object_get (*problem_p, "kind"));
    if (strcmp (kind, "technical") == 0 || strcmp (kind, "service") == 0)
        return 0;
    qf_ctx_error (ctx, QF_EINVAL, "args.problems",
                  "problem %d is of kind \"%.*s\": a problem is technical (it goes to the "
                  "technical staff) or service (it is investigated), §6.4",
                  n, s_quoted (kind, strlen (kind), 32), kind);
    json_decref (*problem_p);
    *problem_p = NULL;
    return QF_EINVAL;
}

/* The problems of args.problems, ';'-separated, as a new array. */
static int
s_problems (qf_ctx_t *ctx, const char *text, json_t **problems_p)
{
    json_t *problems = json_array ();
    int rc = problems ? 0 : QF_ENOMEM;
    int n = 0;
    for (const char *p = text; rc == 0 && p && *p;) {
        size_t length = strcspn (p, ";");
        bool blank = strspn (p, " \t") >= length;
        if (!blank && ++n > MAX_PROBLEMS)
            rc = qf_ctx_error (ctx, QF_ETOOBIG, "args.problems",
                               "more than %d problems in one call: record them as feedback "
                               "(feedback add)",
                               MAX_PROBLEMS);
        json_t *problem = NULL;
        if (rc == 0 && !blank)
            rc = s_problem (ctx, p, length, n, &problem);
        if (rc == 0 && problem)
            rc = json_array_append_new (problems, problem) ? QF_ENOMEM : 0;
        p += length + (p[length] == ';');
    }
    if (rc)
        json_decref (problems);
    else
        *problems_p = problems;
    return rc;
}

/* Checks the call's day (args.on, default today): not after today and,
   §3.3, not before the delivery date. */
static int
s_call_day (qf_ctx_t *ctx, json_t *callback, const char *on, int32_t *day_p)
{
    int32_t today = qf_calendar_today (ctx->config, ctx->now), delivered = 0;
    const char *delivered_on = json_string_value (json_object_get (callback, "delivered_on"));
    qf_date_parse (delivered_on, &delivered);
    *day_p = today;
    if (on)
        qf_date_parse (on, day_p);
    if (*day_p > today)
        return qf_ctx_error (ctx, QF_EINVAL, "args.on",
                             "args.on (%s) is after today: record a call once it is made", on);
    if (*day_p < delivered)
        return qf_ctx_error (ctx, QF_EINVAL, "args.on",
                             "no callback may be recorded before the delivery date (§3.3): "
                             "contract %s was delivered on %s, and the call is dated %s",
                             json_string_value (json_object_get (callback, "number")), delivered_on,
                             on ? on : "today");
    return 0;
}

/* Checks that the call has what its outcome needs: a reached callback is
   closed with its result, a score 1-5 and what the customer said (§3.3);
   a call that did not reach the customer has no score and raises no
   problem. */
static int
s_outcome_check (qf_ctx_t *ctx, json_t *args, bool reached)
{
    json_t *score = json_object_get (args, "score");
    if (reached && !score)
        return qf_ctx_error (ctx, QF_EINVAL, "args.score",
                             "a reached callback is closed with its result (§3.3): give the "
                             "customer's satisfaction score, 1 to 5 (--score), and what they "
                             "said (--said)");
    if (reached && !json_object_get (args, "said"))
        return qf_ctx_error (ctx, QF_EINVAL, "args.said",
                             "a reached callback is closed with its result (§3.3): give what the "
                             "customer said (--said) with the score");
    if (!reached && score)
        return qf_ctx_error (ctx, QF_EINVAL, "args.score",
                             "a call that did not reach the customer has no satisfaction score: "
                             "leave --score out, or record it with --reached");
    if (!reached && json_object_get (args, "problems"))
        return qf_ctx_error (ctx, QF_EINVAL, "args.problems",
                             "a call that did not reach the customer raises no problem: record "
                             "the problems with --reached");
    return 0;
}

/* Gives each problem to the feedback module (§6.4: a technical one to the
   technical staff, a service one investigated), which opens its case;
   each problem gets its feedback_id. */
static int
s_feedback (qf_ctx_t *ctx, json_t *callback, json_t *problems, const char *severity)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (problems); i++) {
        json_t *problem = json_array_get (problems, i);
        json_t *feedback = json_pack (
            "{s:O, s:O, s:O, s:s, s:O, s:O, s:s, s:O, s:s}", "customer_id",
            json_object_get (callback, "customer_id"), "contract_id",
            json_object_get (callback, "contract_id"), "callback_id",
            json_object_get (callback, "id"), "source", "callback", "kind",
            json_object_get (problem, "kind"), "category", json_object_get (problem, "category"),
            "severity", severity, "text", json_object_get (problem, "text"), "channel", "phone");
        char why[512] = "";
        int64_t id = 0;
        rc = feedback ? qf_feedback_add (ctx->store, ctx->config, ctx->now, feedback, qf_ctx_who (ctx),
                                         &id, why, sizeof why)
                      : QF_ENOMEM;
        json_decref (feedback);
        if (rc == 0)
            rc = json_object_set_new (problem, "feedback_id", json_integer (id)) ? QF_ENOMEM : 0;
        else if (why[0])
            qf_ctx_error (ctx, rc, "args.problems", "problem %zu: %s", i + 1, why);
    }
    return rc;
}

/* A call that reached the customer: its score to the feedback report, its
   problems to feedback, and the callback done with its result. */
static int
s_reached (qf_ctx_t *ctx, json_t *callback, json_t *args, const char *day, json_t *problems)
{
    int64_t id = json_integer_value (json_object_get (callback, "id"));
    int score = (int)json_integer_value (json_object_get (args, "score"));
    const char *severity = json_string_value (json_object_get (args, "severity"));
    char why[512] = "";
    int rc = qf_feedback_score (ctx->store, ctx->now, id,
                                json_integer_value (json_object_get (callback, "contract_id")), day,
                                score, why, sizeof why);
    if (rc && why[0])
        qf_ctx_error (ctx, rc, "args.score", "%s", why);
    if (rc == 0)
        rc = s_feedback (ctx, callback, problems, severity ? severity : "normal");
    if (rc == 0)
        rc = qf_store_callback_called (ctx->store, id, "done", NULL, score,
                                       json_string_value (json_object_get (args, "said")),
                                       qf_ctx_who (ctx), ctx->now);
    if (rc == 0)
        rc = qf_aftersales_unwatch (ctx->store, id, NULL);
    return rc;
}

/* A call that did not reach the customer: another on the next working
   day, or, after aftersales.max_attempts calls, escalated to the owner's
   supervisor (aftersales.callback_escalated, once: a further call that
   does not reach them is only recorded). *next_p gets the day of the next
   call ("" when escalated). */
static int
s_not_reached (qf_ctx_t *ctx, json_t *callback, int32_t day, int attempt, char *next_p,
               size_t next_size)
{
    int64_t id = json_integer_value (json_object_get (callback, "id"));
    int max = qf_aftersales_config (ctx->config)->max_attempts;
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    next_p[0] = '\0';
    bool escalated =
        strcmp (json_string_value (json_object_get (callback, "state")), "escalated") == 0;
    if (attempt >= max || escalated) {
        int rc = qf_store_callback_called (ctx->store, id, "escalated", NULL, 0, NULL, qf_ctx_who (ctx),
                                           ctx->now);
        if (rc == 0)
            rc = qf_aftersales_unwatch (ctx->store, id, NULL);
        /* Escalated already: the supervisor knows; the call is on record. */
        if (rc || escalated)
            return rc;
        const char *owner = json_string_value (json_object_get (callback, "owner"));
        char what[160], boss[128];
        snprintf (what, sizeof what,
                  "the customer was not reached in %d calls: the supervisor decides what is done "
                  "(§3.3 customer first)",
                  attempt);
        if (rc == 0)
            rc = json_object_set_new (callback, "state", json_string ("escalated")) ? QF_ENOMEM : 0;
        if (rc == 0)
            rc = qf_aftersales_emit (
                ctx->store, ctx->now, "aftersales.callback_escalated", json_incref (callback),
                json_pack ("[s, s]",
                           qf_aftersales_supervisor_of (ctx->store, ctx->config, owner, boss,
                                                        sizeof boss),
                           owner),
                json_pack ("{s:i, s:s}", "calls", attempt, "what", what));
        return rc;
    }
    /* The next working day after the call, and not in the past. */
    int32_t next = qf_calendar_next_working_day (ctx->config, day);
    if (next <= today)
        next = qf_aftersales_working_days_after (ctx->config, today, 0);
    qf_date_format (next, next_p, next_size);
    int rc =
        qf_store_callback_called (ctx->store, id, "open", next_p, 0, NULL, qf_ctx_who (ctx), ctx->now);
    if (rc == 0)
        rc = qf_aftersales_watch_retry (ctx->store, ctx->config, id, next, attempt + 1, ctx->now);
    return rc;
}

/* callback.record: a call to the customer, reached or not. */
static int
s_record (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    bool reached = strcmp (json_string_value (json_object_get (args, "reached")), "yes") == 0;
    json_t *callback = NULL, *problems = NULL;
    int32_t day = 0;
    int rc = s_load (ctx, id, "args.id", &callback);
    if (rc == 0)
        rc = s_owner_check (ctx, callback);
    const char *state = rc ? "" : json_string_value (json_object_get (callback, "state"));
    if (rc == 0 && strcmp (state, "done") == 0)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                           "callback %lld is done: the customer was reached (score %lld); a new "
                           "problem they raise is recorded as feedback (feedback add)",
                           (long long)id,
                           (long long)json_integer_value (json_object_get (callback, "score")));
    if (rc == 0)
        rc = s_call_day (ctx, callback, json_string_value (json_object_get (args, "on")), &day);
    if (rc == 0)
        rc = s_outcome_check (ctx, args, reached);
    const char *text = json_string_value (json_object_get (args, "problems"));
    if (rc == 0)
        rc = text ? s_problems (ctx, text, &problems) : (problems = json_array ()) ? 0 : QF_ENOMEM;
    /* A call before the callback's day opens it first. */
    if (rc == 0 && strcmp (state, "scheduled") == 0)
        rc = s_open_row (ctx, callback);
    char day_text[16], next[16] = "";
    qf_date_format (day, day_text, sizeof day_text);
    int attempt = (int)json_integer_value (json_object_get (callback, "attempts")) + 1;
    if (rc == 0)
        rc = reached ? s_reached (ctx, callback, args, day_text, problems)
                     : s_not_reached (ctx, callback, day, attempt, next, sizeof next);
    json_t *call = NULL;
    if (rc == 0) {
        call = json_pack ("{s:i, s:s, s:s, s:s, s:b, s:O?, s:O?, s:O}", "attempt", attempt,
                          "made_on", day_text, "by", qf_ctx_who (ctx), "role", ctx->role, "reached",
                          reached, "score", json_object_get (args, "score"), "said",
                          json_object_get (args, "said"), "problems", problems);
        rc =
            call ? qf_store_callback_call_add (ctx->store, id, attempt, call, ctx->now) : QF_ENOMEM;
    }
    json_t *updated = NULL;
    if (rc == 0)
        rc = qf_store_callback_get (ctx->store, id, &updated);
    if (rc == 0)
        rc = qf_aftersales_emit (
            ctx->store, ctx->now, "aftersales.callback_recorded", updated,
            json_pack ("[O]", json_object_get (callback, "owner")),
            json_pack ("{s:O, s:s?}", "call", call, "next_attempt", next[0] ? next : NULL));
    json_decref (call);
    json_decref (problems);
    json_decref (callback);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record the call: %s",
                                             qf_strerror (rc));
    return s_result (ctx, id, NULL, result_p);
}

/* callback.show: the callback with its calls and timers. */
static int
s_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    json_t *callback = NULL, *timers = NULL;
    int rc = s_load (ctx, id, "args.id", &callback);
    if (rc == 0)
        rc = s_owner_check (ctx, callback);
    json_decref (callback);
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, "callback", id);
    if (rc == 0 && (rc = qf_timers_list (ctx->store, subject, &timers)) != 0)
        return qf_ctx_error (ctx, rc, NULL, "could not read the timers: %s", qf_strerror (rc));
    return rc ? rc : s_result (ctx, id, json_pack ("{s:o}", "timers", timers), result_p);
}

/* callback.list: a salesperson sees the callbacks of their own contracts. */
static int
s_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *owner = NULL;
    int rc = qf_ctx_list_owner (ctx, args, "their own callbacks", &owner);
    if (rc)
        return rc;
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int n = limit ? (int)json_integer_value (limit) : 100;
    rc = qf_store_callback_list (ctx->store, json_string_value (json_object_get (args, "state")),
                                 json_integer_value (json_object_get (args, "contract_id")), owner,
                                 json_integer_value (json_object_get (args, "next")), n, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list callbacks: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, n));
    return *result_p ? 0 : QF_ENOMEM;
}

/* The handlers of the commands described in aftersales_spec.c. */
const qf_handler_t qf_aftersales_handlers[] = {
    {"callback.open", s_open},
    {"callback.record", s_record},
    {"callback.show", s_show},
    {"callback.list", s_list},
    {NULL},
};
