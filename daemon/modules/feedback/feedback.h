/*  feedback — after-sales feedback, its cases and their analysis (§6.4,
    §3.3): what the other business modules call. Modules call each other
    through these C functions, never through the wire dispatcher.

    Every function here runs in the caller's transaction (the batch
    transaction of a command or a timer pass) and appends its events
    there, so a refusal or a rollback leaves no trace. */
#ifndef QF_FEEDBACK_H
#define QF_FEEDBACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_config.h"
#include "qf_store.h"

/*  Records one piece of feedback and opens its case (§6.4).

    `feedback` is an object:
      customer_id   integer > 0, an existing customer (required)
      contract_id   integer >= 0, 0 when it concerns no contract; else a
                    contract of that customer
      callback_id   integer >= 0, the callback it was raised in, 0 when it
                    came directly; with source "callback" it is required,
                    and a callback gives at most one feedback per category
      source        "callback", "direct" or "integration"
      kind          "technical" or "service"
      category      one of feedback.categories (configured), whose kind is
                    `kind`
      severity      one of feedback.severities (configured: low, normal,
                    high, critical by default)
      text          what the customer said, 1 to 4000 characters of UTF-8
      channel       optional, how it came: phone, email, visit, web, ...
    and unknown members are refused.

    The case is opened at once: a technical case for the `technical`
    group's worker and people (feedback.received and case.opened to group
    technical), a service case as an investigation with an owner (the
    contract's salesperson, else feedback.service_owner) and the
    department named by its category. Its deadline is the category's and
    severity's working days from `now` on the business calendar
    (feedback.deadlines), and a durable timer raises feedback.overdue once
    when it passes without the case being closed.

    `by` is who records it (the person, or the worker's name). On success
    *id_p (may be NULL) gets the feedback's id, which is also its case's
    id. Returns 0; QF_EINVAL with `why` (may be NULL) naming the field, the
    rule and what to do when the input is wrong; QF_ENOTFOUND (with `why`)
    when the customer, contract or callback does not exist; QF_ECONFLICT
    (with `why`) when the contract is another customer's, or the callback
    already gave feedback of that category; another QF_E* code when the
    store fails. Nothing is written unless it returns 0. */
int qf_feedback_add (qf_store_t *store, const qf_config_t *config, int64_t now, json_t *feedback,
                     const char *by, int64_t *id_p, char *why, size_t why_size);

/*  Records a callback's satisfaction score (1 to 5) into the aggregates
    the feedback report reads (satisfaction by salesperson, category of
    qualification and month), so the report does not scan callbacks.
    The contract gives the customer, the salesperson (its owner) and the
    categories of its qualifications; `date` (YYYY-MM-DD) is the day the
    call was made and gives the month. A callback counts once: calling it
    again for the same `callback_id` changes nothing (returns 0).
    QF_EINVAL (with `why`) for a score outside 1-5 or a bad date,
    QF_ENOTFOUND for an unknown contract. */
int qf_feedback_score (qf_store_t *store, int64_t now, int64_t callback_id, int64_t contract_id,
                       const char *date, int score, char *why, size_t why_size);

/*  How many cases of customer `customer_id` are open (not closed), for
    the customer's profile and the proposals made to them (§6.4: a
    customer with an open case is marked). *open_p gets the count. */
int qf_feedback_open_cases (qf_store_t *store, int64_t customer_id, int *open_p);

/*  The customer's open cases as a JSON array (caller owns) of {id, kind,
    category, severity, state, deadline, overdue}, oldest first: what
    customer.show and proposal.show add under "open_cases". */
int qf_feedback_open_case_list (qf_store_t *store, int64_t customer_id, json_t **cases_p);

#endif
