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
      contract_id   integer >= 0, 0 or absent when it concerns no
                    contract; else a contract of that customer
      callback_id   integer >= 0: the callback it was raised in (the
                    caller, the after-sales module, vouches for it), 0 or
                    absent when it came otherwise; a callback gives at
                    most one feedback per category
      source        "callback" (then callback_id > 0), "direct" or
                    "integration" (then callback_id 0) (required)
      category      one of feedback_categories: (configured) (required)
      kind          "technical" or "service"; absent: the category's,
                    which it must be
      severity      "low", "normal" (when absent), "high" or "critical"
      text          what the customer said, 1 to 4000 bytes of UTF-8, not
                    only blanks (required)
      channel       optional: phone, email, visit, web, wechat or letter
    and unknown members are refused.

    The case is opened at once: a technical case for the `technical`
    group's worker and people, a service case as an investigation owned
    by feedback.service_owner, else the contract's salesperson, else the
    customer's. Its deadline is the category's working days for the
    severity, counted from the day after `now` on the business calendar;
    a durable timer raises feedback.overdue once when it passes without
    the case being closed. feedback.received is appended (its consumer:
    group technical, for the technical cases), and the digest's timer is
    placed if none is pending.

    `by` is who records it (the person, or the worker's name). On success
    *id_p (may be NULL) gets the feedback's id, which is also its case's
    id. Returns 0; QF_EINVAL with `why` (may be NULL) naming the field,
    the rule and what to do when the input is wrong; QF_ENOTFOUND (with
    `why`) when the customer or contract does not exist; QF_ECONFLICT
    (with `why`) when the contract is another customer's or the callback
    already gave feedback of that category; another QF_E* code when the
    store fails. It works in a savepoint of its own: nothing is written
    unless it returns 0. */
int qf_feedback_add (qf_store_t *store, const qf_config_t *config, int64_t now, json_t *feedback,
                     const char *by, int64_t *id_p, char *why, size_t why_size);

/*  Records a callback's satisfaction score (1 to 5) into the aggregates
    the feedback report reads (satisfaction by salesperson, category of
    qualification and month), so the report does not scan callbacks.
    The contract gives the customer, the salesperson (its owner) and the
    categories of its qualifications; `date` (YYYY-MM-DD) is the day the
    call was made and gives the month. A callback counts once: calling it
    again for the same `callback_id` changes nothing (returns 0).
    QF_EINVAL (with `why`) for a score outside 1-5, a callback_id < 1 or
    a date that is not YYYY-MM-DD, QF_ENOTFOUND (with `why`) for an
    unknown contract. Nothing is written unless it returns 0. */
int qf_feedback_score (qf_store_t *store, int64_t now, int64_t callback_id, int64_t contract_id,
                       const char *date, int score, char *why, size_t why_size);

/*  How many cases of customer `customer_id` are open (not closed), for
    the customer's profile and the proposals made to them (§6.4: a
    customer with an open case is marked). *open_p gets the count. */
int qf_feedback_open_cases (qf_store_t *store, int64_t customer_id, int *open_p);

/*  The customer's open cases as a JSON array (caller owns) of {id, kind,
    category, severity, state, owner, deadline (YYYY-MM-DD), overdue},
    oldest first: what customer.show and proposal.show add under
    "open_cases". */
int qf_feedback_open_case_list (qf_store_t *store, int64_t customer_id, json_t **cases_p);

#endif
