/*  risk_store — the risk register (§7.1) and its responses (§7.2), in the
    store. See qf_store.h for the conventions: 0 or a QF_E* code, inside
    the batch transaction, JSON records owned by the caller.

    A risk is a row: its type (policy, processing, market, legal), its
    description, what it concerns (qualifications, contracts, customers:
    JSON arrays of ids), its likelihood and impact (1-5), the score and
    level computed from them by the configured matrix, the expected loss
    in yuan, whether risk.high was raised since it last reached the alert
    level (`alerted`), its owner and review date, its state (open,
    closed), the source that raised it by itself ("contract/7/delivery",
    "policy/3"; NULL for a risk a person recorded; one open risk per
    source), details (JSON: the contract, the policy, the dispute), and
    its current strategy and response. Every assessment, response and
    review is a row of its own, added and never changed; actions are rows
    with owners and due dates, open until done. */
#ifndef QF_RISK_STORE_H
#define QF_RISK_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_risk_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Adds an open risk from `risk` (type, description, qualifications,
    contracts, customers, likelihood, impact, score, level, expected_loss,
    alerted, owner, review, source or null, raised_by, details); fills
    *id_p. QF_ECONFLICT when an open risk has the same source. */
int qf_store_risk_add (qf_store_t *self, json_t *risk, int64_t now, int64_t *id_p);
/*  The risk as JSON (every column, the JSON ones parsed); QF_ENOTFOUND. */
int qf_store_risk_get (qf_store_t *self, int64_t id, json_t **risk_p);
/*  The id of the open risk raised by `source`, 0 when none. */
int qf_store_risk_by_source (qf_store_t *self, const char *source, int64_t *id_p);
/*  Sets its scoring (an assessment is added apart). */
int qf_store_risk_score (qf_store_t *self, int64_t id, int likelihood, int impact, int score,
                         const char *level, double expected_loss, bool alerted, int64_t now);
/*  Sets what it concerns and its details (a source raised it again). */
int qf_store_risk_concerns (qf_store_t *self, int64_t id, json_t *qualifications, json_t *contracts,
                            json_t *customers, json_t *details, int64_t now);
/*  Sets its current strategy and response (the response row is added apart). */
int qf_store_risk_respond (qf_store_t *self, int64_t id, const char *strategy, json_t *response,
                           int64_t now);
/*  Sets its review date (YYYY-MM-DD). */
int qf_store_risk_review_date (qf_store_t *self, int64_t id, const char *review, int64_t now);
/*  Closes an open risk; QF_ECONFLICT when it is not open. */
int qf_store_risk_close (qf_store_t *self, int64_t id, const char *by, const char *reason,
                         int64_t now);
/*  Risks with id > after, oldest first, at most `limit`; each filter
    ignored when NULL. */
int qf_store_risk_list (qf_store_t *self, const char *type, const char *level, const char *state,
                        int64_t after, int limit, json_t **list_p);

/*  Adds an assessment: the scoring it gave, why, who, when. */
int qf_store_risk_assessment_add (qf_store_t *self, int64_t risk_id, json_t *scoring,
                                  const char *reason, const char *by, int64_t now);
/*  Adds a response: strategy, its details (JSON), note, who, when. */
int qf_store_risk_response_add (qf_store_t *self, int64_t risk_id, const char *strategy,
                                json_t *details, const char *note, const char *by, int64_t now);
/*  Adds a review: its note, the next review date, who, when. */
int qf_store_risk_review_add (qf_store_t *self, int64_t risk_id, const char *note, const char *next,
                              const char *by, int64_t now);
/*  Adds an open action (text, owner, due YYYY-MM-DD); fills *id_p. */
int qf_store_risk_action_add (qf_store_t *self, int64_t risk_id, const char *text,
                              const char *owner, const char *due, const char *by, int64_t now,
                              int64_t *id_p);
/*  The action as JSON; QF_ENOTFOUND when none. */
int qf_store_risk_action_get (qf_store_t *self, int64_t id, json_t **action_p);
/*  Marks an open action done; QF_ECONFLICT when it is not open. */
int qf_store_risk_action_done (qf_store_t *self, int64_t id, const char *by, const char *note,
                               int64_t now);
/*  The risk's rows of `what` ("assessments", "responses", "reviews",
    "actions"), oldest first. */
int qf_store_risk_rows (qf_store_t *self, int64_t risk_id, const char *what, json_t **list_p);

#endif
