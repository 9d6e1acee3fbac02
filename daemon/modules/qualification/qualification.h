/*  qualification — the qualification and its review (§4.2). What the other
    business modules (renewal, custody, policy, acquisition) call. */
#ifndef QF_QUALIFICATION_H
#define QF_QUALIFICATION_H

#include "qf_command.h"

/*  Reads the qualification whose id is the integer argument `key`; fails
    with 404 naming the argument. Caller owns *record_p. */
int qf_ctx_load_qual (qf_ctx_t *ctx, json_t *args, const char *key, json_t **record_p);

/*  qf_ctx_load_qual, and a 409 unless its state is one of the
    space-separated `states`; the message ends with `rule`, what is allowed. */
int qf_ctx_load_qual_in (qf_ctx_t *ctx, json_t *args, const char *key, const char *states,
                         const char *rule, json_t **record_p);

/*  Appends qualification.review_requested for the record's `round`, with the
    configured departments and the category's active policies, plus the
    keys of `extra` (taken; may be NULL). */
int qf_ctx_request_review (qf_ctx_t *ctx, json_t *record, int round, json_t *extra);

#endif
