/*  qf_rules — the review rules of DOMAIN.md §4.2, as pure functions over
    the configuration and a qualification record (proto/PROTOCOL.md §5.2).

    Each department's rule checks one qualification and appends a finding,
    one sentence of UTF-8 that names the cause, to a JSON array for every
    check that fails (and, for finance, the ratio it computed).  Rules read
    only their arguments: no clock, no sockets, no files, so unit tests call
    them directly.  `today` is a day number (days since 1970-01-01) in the
    company's time zone:

        int32_t today = qf_date_from_ms (qf_time_now_ms (), cfg->utc_offset_minutes);

    qf_rules_review() turns a qualification.review_requested payload into
    the worker's review.report command; qf_rules_handle_review() is the
    whole delivery handler body the department workers share.
*/
#ifndef QF_RULES_H
#define QF_RULES_H

#include "qf_config.h"
#include "qf_worker.h"

#include <jansson.h>
#include <stdint.h>

#define QF_REVIEW_REQUESTED "qualification.review_requested"

/*  A department's rule. Returns 1 when the qualification passes, 0 when a
    check fails (with at least one finding appended), QF_EINVAL when cfg is
    NULL, qualification is not an object or findings is not an array. */
typedef int (*qf_rules_fn) (const qf_config_t *cfg, json_t *qualification, int32_t today,
                            json_t *findings);

/*  Legal: the authority is on the allowed list; the certificate number
    matches that authority's pattern; the certificate has not expired (it
    expires when its expiry day begins) and the remaining validity (expires
    minus today) is at least policy.min_validity_for_sale_days; the scope is stated
    (not blank) and, when the category lists scopes, is one of them; the
    category is configured. */
int qf_rules_legal (const qf_config_t *cfg, json_t *qualification, int32_t today, json_t *findings);

/*  Finance: with acquisition_cost and expected_revenue recorded, passes iff
    cost > 0 and revenue / cost >= policy.min_return_ratio, the ratio
    counted as meeting the minimum within one part in 10^12 (decimal amounts
    such as 8.04 / 6.70 are inexact in binary). The finding gives the ratio
    either way, with enough decimals to tell a failing one from the minimum.
    Without them it fails with the finding "no cost data: ... not recorded".
    `today` is unused. */
int qf_rules_finance (const qf_config_t *cfg, json_t *qualification, int32_t today,
                      json_t *findings);

/*  Technical: the category is configured and serves at least one industry;
    the scope is stated. `today` is unused. */
int qf_rules_technical (const qf_config_t *cfg, json_t *qualification, int32_t today,
                        json_t *findings);

/*  The rule of a department ("legal", "finance", "technical"), or NULL. */
qf_rules_fn qf_rules_for (const char *department);

/*  Answers a qualification.review_requested payload
        {"qualification": record, "round": n, "departments": [names]}
    for `department`. When the department is not in `departments` (or, if
    that list is absent, not in policy.review_departments) sets *result_p
    to NULL: nothing to report. Otherwise runs `rule` and sets *result_p to
        {"command": "review.report", "args": {"qualification_id", "round",
         "department", "verdict": "pass"|"fail", "findings": [...],
         "suggestions": "..." (only on fail)}}
    The findings say what is wrong; the suggestions say what to do about
    them, without repeating them: the 'qualflow qual rectify ID' command
    with the options of the fields found wrong, then what else may answer
    a finding (configure an authority or a category's industries, wait for
    a policy change to be lifted, reject). A `rule` that is not one of the
    departments' gets a generic 'qual rectify' suggestion.
    Returns 0, QF_EINVAL (payload lacks a qualification with an integer id
    or an integer round; *result_p NULL; `error` says what) or QF_ENOMEM.
    Caller owns *result_p. */
int qf_rules_review (const qf_config_t *cfg, const char *department, qf_rules_fn rule,
                     json_t *payload, int32_t today, json_t **result_p, char *error,
                     size_t error_size);

/*  The delivery handler body of a department worker: for
    qualification.review_requested runs qf_rules_review with today's date
    and logs one line (id, round, verdict); every other topic, and events
    the group already processed, are acked with an empty result. A payload
    that is not a review request NACKs (the daemon dead-letters it after
    max_deliveries). Returns what a qf_worker_fn returns. */
int qf_rules_handle_review (const qf_config_t *cfg, const char *department,
                            const qf_worker_event_t *delivery, qf_outcome_t *outcome);

#endif
