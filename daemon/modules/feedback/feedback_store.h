/*  feedback_store — feedback, its cases and the report's aggregates in
    the store (§6.4). See qf_store.h for the conventions: 0 or a QF_E*
    code, inside the batch transaction, JSON records owned by the caller.

    A piece of feedback and its case are one row of feedback_cases (the
    case's id is the feedback's): what came in (customer, contract,
    callback, source, kind, category, severity, text), the case's owner,
    deadline and state, its first response, what the customer was told
    and its closing. Findings are rows of their own, added.

    The report reads aggregates kept on write, so it never scans the
    callbacks or the cases of other periods:
      feedback_scores        one row per scored callback (counted once)
      feedback_satisfaction  per month and dimension (salesperson,
                             category of qualification, all): how many
                             scores, their sum and how many of each 1-5
      feedback_counts        per month opened, category and severity:
                             cases opened and of those, gone overdue
    and the cases' indexes by the month of their first response and of
    their closing (covering the times the report takes medians of), and
    by state for the open ones. Months are YYYYMM in policy.timezone. */
#ifndef QF_FEEDBACK_STORE_H
#define QF_FEEDBACK_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/* How many migrations the part has: the array's size, which the module
   descriptor needs as a constant (an initializer with more entries does
   not compile; one with fewer leaves a NULL that the store refuses). */
#define QF_FEEDBACK_MIGRATIONS 1
extern const char *const qf_feedback_migrations[QF_FEEDBACK_MIGRATIONS];

int qf_feedback_store_open (qf_store_t *store, char *error, size_t error_size);

/* A new case as it opens (every text borrowed). */
typedef struct {
    int64_t customer_id, contract_id, callback_id;
    const char *source, *kind, *category, *department, *severity;
    const char *channel;     /* may be NULL */
    const char *text;        /* what the customer said */
    const char *salesperson; /* the contract's or the customer's owner; may be NULL */
    const char *owner;       /* the service investigation's owner; NULL for technical */
    const char *by;          /* who recorded it */
    int64_t at;              /* when */
    int32_t day;             /* its day, in policy.timezone */
    int month;               /* YYYYMM */
    int32_t deadline;        /* the last working day to close it */
    int32_t response_due;    /* the last working day of its first response */
} qf_feedback_case_t;

/*  Adds the case in state open; fills *id_p. QF_ECONFLICT when the
    callback already gave feedback of that category. */
int qf_store_feedback_insert (qf_store_t *self, const qf_feedback_case_t *row, int64_t *id_p);

/*  The case as JSON: every column (id, customer_id, contract_id,
    callback_id, source, kind, category, department, severity, channel,
    text, salesperson, by, at, day, month, state, owner, deadline,
    response_due, routed_at, routed_by, responded_at, responded_by,
    response_ms, responded_on_time, apology, outcome, told_channel,
    told_at, told_by, closed_at, closed_by, closed_on, resolution_ms,
    closed_on_time, overdue, overdue_at, updated), days as day numbers;
    QF_ENOTFOUND when none. */
int qf_store_feedback_get (qf_store_t *self, int64_t id, json_t **case_p);

/*  Records that the consumer group took the case (a worker's receipt). */
int qf_store_feedback_routed (qf_store_t *self, int64_t id, const char *by, int64_t now);

/*  Records the first response, unless there is one: `state` (open ->
    acknowledged) only from open. *first_p says whether this was it. */
int qf_store_feedback_respond (qf_store_t *self, int64_t id, const char *by, int64_t now,
                               int64_t response_ms, int month, bool on_time, bool *first_p);

/*  Gives the case to `owner`. */
int qf_store_feedback_assign (qf_store_t *self, int64_t id, const char *owner, int64_t now);

/*  Adds a finding; the findings, oldest first: {text, by, at}. */
int qf_store_feedback_finding_add (qf_store_t *self, int64_t id, const char *text, const char *by,
                                   int64_t now);
int qf_store_feedback_findings (qf_store_t *self, int64_t id, json_t **list_p);

/*  Records what the customer was told (apology may be NULL), how and
    when; the case moves to told (QF_ECONFLICT unless it was open or
    acknowledged). */
int qf_store_feedback_tell (qf_store_t *self, int64_t id, const char *apology, const char *outcome,
                            const char *channel, int64_t told_at, const char *by, int64_t now);

/*  Closes a told case (QF_ECONFLICT otherwise) on `closed_on`
    (YYYY-MM-DD) of month `month`. */
int qf_store_feedback_close (qf_store_t *self, int64_t id, const char *by, int64_t now,
                             const char *closed_on, int month, int64_t resolution_ms, bool on_time);

/*  Marks an open case overdue, once: *marked_p says whether it was
    (false when it is closed or was marked already); counts it in the
    aggregate of its month. */
int qf_store_feedback_overdue (qf_store_t *self, int64_t id, int64_t now, bool *marked_p);

/*  Cases with id > after_id, at most limit, oldest first: customer_id 0,
    owner, kind and state NULL for any; state "open" for every state but
    closed, "overdue" for the open ones marked overdue. */
int qf_store_feedback_list (qf_store_t *self, int64_t customer_id, const char *owner,
                            const char *kind, const char *state, int64_t after_id, int limit,
                            json_t **items_p);

/*  The customer's open cases, oldest first: {id, kind, category,
    severity, state, owner, deadline (YYYY-MM-DD), overdue}. */
int qf_store_feedback_open_of (qf_store_t *self, int64_t customer_id, json_t **list_p);

/*  Counts a case opened in `month` of `category` and `severity`. */
int qf_store_feedback_count_opened (qf_store_t *self, int month, const char *category,
                                    const char *kind, const char *department, const char *severity);

/*  Records callback `callback_id`'s score once: *added_p false when it
    was recorded before (then nothing changes). */
int qf_store_feedback_score_add (qf_store_t *self, int64_t callback_id, int64_t contract_id,
                                 int64_t customer_id, const char *salesperson, int month, int score,
                                 int64_t now, bool *added_p);

/*  Adds a score to the aggregate of (month, dimension, key). */
int qf_store_feedback_satisfaction_add (qf_store_t *self, int month, const char *dimension,
                                        const char *key, int score);

/* The report's reads: each row to a function, which returns 0 to go on. */
typedef int (qf_feedback_satisfaction_fn) (void *arg, const char *dimension, const char *key,
                                           int64_t count, int64_t total, const int64_t *scores);
typedef int (qf_feedback_count_fn) (void *arg, const char *category, const char *kind,
                                    const char *department, const char *severity, int64_t opened,
                                    int64_t overdue);
typedef int (qf_feedback_time_fn) (void *arg, int64_t ms, bool on_time, const char *department);
typedef int (qf_feedback_open_fn) (void *arg, int32_t day, bool overdue, const char *department);

/*  The satisfaction aggregates of months m1..m2, summed by dimension and
    key (scores: how many of 1 to 5). */
int qf_store_feedback_satisfaction (qf_store_t *self, int m1, int m2,
                                    qf_feedback_satisfaction_fn *fn, void *arg);
/*  The counts of cases opened in months m1..m2, by category and severity. */
int qf_store_feedback_counts (qf_store_t *self, int m1, int m2, qf_feedback_count_fn *fn,
                              void *arg);
/*  The response times (resolution false: of cases first answered in
    m1..m2) or resolution times (true: of cases closed in m1..m2). */
int qf_store_feedback_times (qf_store_t *self, bool resolution, int m1, int m2,
                             qf_feedback_time_fn *fn, void *arg);
/*  The cases open at instant `at`: opened at or before it and not closed
    by then. */
int qf_store_feedback_open_at (qf_store_t *self, int64_t at, qf_feedback_open_fn *fn, void *arg);

/*  The digest's chain of timers: whether one is pending, and marking the
    one of the period beginning `day` placed (pending) or fired. */
int qf_store_feedback_digest_pending (qf_store_t *self, bool *pending_p);
int qf_store_feedback_digest_mark (qf_store_t *self, int32_t day, bool fired, int64_t now);

#endif
