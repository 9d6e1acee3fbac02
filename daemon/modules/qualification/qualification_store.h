/*  qualification_store — the qualification and its reviews (§4.2), in the
    store. See qf_store.h for the conventions: 0 or a QF_E* code, inside
    the batch transaction, JSON records owned by the caller. */
#ifndef QUALIFICATION_STORE_H
#define QUALIFICATION_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_qualification_store_open (qf_store_t *store, char *error, size_t error_size);

/* Qualifications (§4). Records are JSON objects, as in PROTOCOL.md 5.2. */
int qf_store_qual_insert (qf_store_t *self, json_t *args, int64_t now, const char *user,
                          int64_t *id_p);
int qf_store_qual_get (qf_store_t *self, int64_t id, json_t **record_p);
int qf_store_qual_list (qf_store_t *self, const char *state, int64_t after_id, int limit,
                        json_t **items_p);
/*  Qualifications whose expiry day is within [from_day, to_day] (day
    numbers), soonest first, through the expiry index. With to_day ==
    INT32_MIN: the sellable ones, approved, not suspended, expiring on or
    after from_day. */
int qf_store_qual_list_expiring (qf_store_t *self, const char *state, int64_t after_id, int limit,
                                 int32_t from_day, int32_t to_day, json_t **items_p);
/*  Corrects the fields present in args (name, cert_no, scope,
    acquisition_cost, expected_revenue, industry, authority, category,
    issued, expires); absent ones stay. Fills *record_p (when not NULL)
    with the corrected record, returned by the same statement. */
int qf_store_qual_rectify (qf_store_t *self, int64_t id, json_t *args, int64_t now,
                           json_t **record_p);
/*  Moves a qualification to `state` and `round`, and fills *record_p (when
    not NULL) with the new record, returned by the same statement
    (RETURNING), not read again. QF_ENOTFOUND when there is no such id.
    Which moves are allowed is the module's transition table
    (qualification.h); this only writes. */
int qf_store_qual_move (qf_store_t *self, int64_t id, const char *state, int round, int64_t now,
                        json_t **record_p);
/*  qf_store_qual_move without the record. */
int qf_store_qual_set_state (qf_store_t *self, int64_t id, const char *state, int round,
                             int64_t now);
/*  Records one department's verdict; QF_ECONFLICT when that department has
    already reported for that round. */
int qf_store_review_put (qf_store_t *self, int64_t qual_id, int round, const char *department,
                         const char *verdict, json_t *findings, const char *suggestions,
                         const char *reviewer, int64_t now, bool proposed);
/*  A person's decision on a proposed verdict (§4.2): it becomes final.
    QF_ENOTFOUND when there is no proposed verdict for that round. */
int qf_store_review_decide (qf_store_t *self, int64_t qual_id, int round, const char *department,
                            const char *verdict, const char *note, const char *decided_by);
/*  Reviews of a qualification (round < 0: all rounds) as a JSON array. */
int qf_store_reviews_get (qf_store_t *self, int64_t qual_id, int round, json_t **list_p);
/*  Moves the expiry day (renewal, §4.3). */
int qf_store_qual_set_expires (qf_store_t *self, int64_t id, int32_t expires, int64_t now);
/*  Sets or clears the suspended flag (a policy change, §7.2). */
int qf_store_qual_set_suspended (qf_store_t *self, int64_t id, bool suspended, int64_t now);

#endif
