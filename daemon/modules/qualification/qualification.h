/*  qualification — the qualification and its review (§4.2). What the other
    business modules (renewal, custody, policy, acquisition) call. */
#ifndef QF_QUALIFICATION_H
#define QF_QUALIFICATION_H

#include "qf_command.h"

/*  Reads the qualification whose id is the integer argument `key`; fails
    with 404 naming the argument. Caller owns *record_p. */
int qf_ctx_load_qual (qf_ctx_t *ctx, json_t *args, const char *key, json_t **record_p);

/* A qualification is in one of six states: draft, in_review,
   rectification, approved, rejected, expired. What may be done to it in
   each, and the state that leaves it in, is one table (s_transitions in
   qualification.c), by action: "submit", "review" (a department's
   report), "fail" and "approve" (the review's outcome), "reject",
   "rectify", "renew", "recheck" (its suspension lifted), "expire",
   "archive". Handlers ask the table instead of comparing states. */

/*  Whether `action` may be done to a qualification in `state`; fills
    *to_p (when not NULL) with the state it moves to: NULL when it stays,
    or when the action is not allowed. */
bool qf_qual_allows (const char *state, const char *action, const char **to_p);

/*  qf_ctx_load_qual, and a 409 naming the argument unless the table
    allows `action` in its state: "qualification N is STATE; " and the
    rule of the action, what is allowed. *to_p (may be NULL) gets the
    state the action moves it to (NULL: it stays where it is). */
int qf_ctx_load_qual_for (qf_ctx_t *ctx, json_t *args, const char *key, const char *action,
                          json_t **record_p, const char **to_p);

/*  §3.1: whether the qualification `record` (as qf_store_qual_get reads
    it) may be sold at `now`: approved, not suspended, with at least
    policy.min_validity_for_sale_days of validity left. When it may not,
    `why` (NULL: not wanted) says why in a phrase, "it is suspended by a
    policy change (§7.2)". The one sellable check: qual.get's `sellable`,
    proposals (§6.2) and contracts ask it. */
bool qf_qualification_sellable (const qf_config_t *config, int64_t now, json_t *record, char *why,
                                size_t size);

/*  Appends qualification.review_requested for the record's `round`, with the
    configured departments and the category's active policies, plus the
    keys of `extra` (taken; may be NULL). */
int qf_ctx_request_review (qf_ctx_t *ctx, json_t *record, int round, json_t *extra);

/*  Adds a qualification in draft from a certificate's arguments, already
    checked against a spec that takes them (qual.add's, candidate.acquire's:
    qualification_spec.h), and appends qualification.created. The new record
    in *record_p (caller owns). */
int qf_qualification_add (qf_ctx_t *ctx, json_t *args, json_t **record_p);

/*  Submits qualification `id` for review (§4.2), as qual.submit does: the
    next round, qualification.review_requested. The record in *record_p. */
int qf_qualification_submit (qf_ctx_t *ctx, int64_t id, json_t **record_p);

#endif
