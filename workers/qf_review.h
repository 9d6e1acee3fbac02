/*  qf_review — the review scaffold the department workers share
    (DOMAIN.md §4.2, proto/PROTOCOL.md §5.2).

    A department worker (workers/legal/, workers/finance/,
    workers/technical/) declares only its rule, as a qf_review_department_t;
    this module does the rest: it reads a qualification.review_requested
    payload, runs the rule when the department is asked, and answers with
    the review.report command of the right round and department, with
    suggestions when the verdict is fail; a malformed request NACKs.

    A rule checks one qualification and, for every check that fails,
    appends a finding (one sentence of UTF-8 that names the cause) with
    qf_review_finding, saying which 'qual rectify' option corrects it and
    what else may answer it.  Rules read only their arguments: no clock,
    no sockets, no files, so unit tests call them directly.  `today` is a
    day number (days since 1970-01-01) in the company's time zone:

        int32_t today = qf_date_from_ms (qf_time_now_ms (), cfg->utc_offset_minutes);

    A department worker's dispatch table routes the review requests here,
    with its department as the row's data:

        static const qf_worker_route_t s_routes[] = {
            {QF_REVIEW_REQUESTED, qf_review_route, &qf_finance_review},
            {NULL, NULL, NULL},
        };
*/
#ifndef QF_REVIEW_H
#define QF_REVIEW_H

#include "qf_config.h"
#include "qualification/qualification_config.h"
#include "qf_worker.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QF_REVIEW_REQUESTED "qualification.review_requested"

/* Longest piece of a record quoted in a finding: findings are text
   arguments of at most 4096 bytes, and a record's text can be that long. */
#define QF_REVIEW_QUOTE_MAX   200
#define QF_REVIEW_FINDING_MAX 1024
#define QF_REVIEW_OPTIONS_MAX 256

/* What a failed check may ask for besides correcting a field of the
   record with 'qual rectify' (qf_review_t.actions); each has its sentence
   in the suggestions. */
enum {
    QF_REVIEW_CONFIGURE_AUTHORITY = 1,  /* a genuine authority may be missing from the
                                           configuration */
    QF_REVIEW_CONFIGURE_INDUSTRIES = 2, /* the category's industries are missing from it */
    QF_REVIEW_REJECT = 4,               /* the record may be right and the qualification unfit */
    QF_REVIEW_AWAIT_POLICY = 8,         /* an active policy change covers the category */
};

/* The 'qual rectify' options of the fields every department may check. */
#define QF_REVIEW_OPT_SCOPE    "--scope S"
#define QF_REVIEW_OPT_CATEGORY "--category C"

/* One department's review in progress: what its checks found, and what
   would answer each finding. Owned by whoever runs the rule. */
typedef struct {
    json_t *findings;                    /* the findings, texts (borrowed) */
    char options[QF_REVIEW_OPTIONS_MAX]; /* 'qual rectify' options of the fields found
                                            wrong: " --cert-no X --scope S" */
    unsigned actions;                    /* QF_REVIEW_* bits */
    json_int_t policy;                   /* the policy change behind QF_REVIEW_AWAIT_POLICY */
} qf_review_t;

/*  A department's rule. `payload` is the whole review request, or NULL
    when only the findings are asked for (qf_review_findings). Returns 1
    when the qualification passes, 0 when a check fails (with at least one
    finding), or a negative QF_E* code. */
typedef int (*qf_review_rule_fn) (const qf_config_t *cfg, json_t *qualification, json_t *payload,
                                  int32_t today, qf_review_t *review);

/* A department, as its worker declares it. */
typedef struct {
    const char *name;       /* "legal": as review requests and reports name it */
    qf_review_rule_fn rule; /* its checks */
} qf_review_department_t;

/*  Appends one printf-formatted finding, with what answers it: the
    'qual rectify' option of the field to correct (or NULL) and
    QF_REVIEW_* bits. A finding longer than QF_REVIEW_FINDING_MAX is cut
    at a character boundary. */
void qf_review_finding (qf_review_t *review, const char *option, unsigned actions,
                        const char *format, ...) __attribute__ ((format (printf, 4, 5)));

/*  Adds a 'qual rectify' option ("--cert-no X") to the review's, once. */
void qf_review_option (qf_review_t *review, const char *option);

/*  How many findings the review has so far. */
size_t qf_review_count (const qf_review_t *review);

/*  Text for a finding: text cut at `max` bytes or less, never inside a
    UTF-8 sequence, and marked "..." when cut. buf holds max + 4 bytes. */
const char *qf_review_quote (const char *text, char *buf, size_t max);

/*  The record's text field, or NULL when absent or not a string. */
const char *qf_review_text (json_t *record, const char *key);

/*  Whether the record's scope is stated (not blank once ASCII, U+00A0 and
    U+3000 spaces are trimmed); copies the trimmed scope into buf. */
bool qf_review_scope (json_t *record, char *buf, size_t size);

/*  The record's category when it is configured; NULL with a finding when
    it is missing or not configured. */
const qf_category_t *qf_review_category (const qf_config_t *cfg, json_t *record,
                                         qf_review_t *review);

/*  Runs `department`'s rule on a qualification, appending its findings to
    `findings` (no request: checks that need one are left out). Returns
    what the rule returns, or QF_EINVAL when cfg or department is NULL,
    qualification is not an object or findings is not an array. */
int qf_review_findings (const qf_config_t *cfg, const qf_review_department_t *department,
                        json_t *qualification, int32_t today, json_t *findings);

/*  Answers a qualification.review_requested payload
        {"qualification": record, "round": n, "departments": [names],
         "active_policies": [ids]}
    for `department`. When the department is not in `departments` (or, if
    that list is absent, not in policy.review_departments) sets *result_p
    to NULL: nothing to report. Otherwise runs its rule and sets *result_p
    to
        {"command": "review.report", "args": {"qualification_id", "round",
         "department", "verdict": "pass"|"fail", "findings": [...],
         "suggestions": "..." (only on fail)}}
    The findings say what is wrong; the suggestions say what to do about
    them, without repeating them: the 'qualflow qual rectify ID' command
    with the options of the fields found wrong, then what else may answer
    a finding (configure an authority or a category's industries, wait for
    a policy change to be lifted, reject).
    Returns 0, QF_EINVAL (no configuration or department, or the payload
    lacks a qualification with an integer id or an integer round;
    *result_p NULL; `error` says what) or QF_ENOMEM. Caller owns
    *result_p. */
int qf_review_run (const qf_config_t *cfg, const qf_review_department_t *department,
                   json_t *payload, int32_t today, json_t **result_p, char *error,
                   size_t error_size);

/*  The qualification.review_requested handler of a department worker
    (a qf_worker_fn body, with the configuration): runs qf_review_run with
    today's date and logs one line (id, round, verdict); acks with the
    report, or with nothing when the department is not asked. A payload
    that is not a review request NACKs (the daemon dead-letters it after
    max_deliveries). */
int qf_review_handle (const qf_config_t *cfg, const qf_review_department_t *department,
                      const qf_worker_event_t *delivery, qf_outcome_t *outcome);

/*  qf_review_handle as the row of a dispatch table (qf_worker_route_t)
    whose data is the department; `config` is the configuration. */
int qf_review_route (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome,
                     void *config);

#endif
