/*  proposal_store — proposals and their versions (§6.2), in the store.
    See qf_store.h for the conventions: 0 or a QF_E* code, inside the
    batch transaction, JSON records owned by the caller.

    A proposal is a row (its customer, owner, state, current version, its
    flag) and its versions, each kept whole and never changed: the lines
    (each qualification with what its record said, the list price and the
    price), the processing steps and after-sales services quoted, the
    delivery date, the total, what changed from the version before, who
    and when. proposal_lines indexes which qualifications each version
    holds, so that a qualification that stops being sellable finds the
    open proposals that hold it. Approvals of a discount (§5.3) and flags
    are rows of their own, added, never overwritten. */
#ifndef QF_PROPOSAL_STORE_H
#define QF_PROPOSAL_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/* The part's schema, its migrations (module.c). */
/* How many migrations the part has: the array's size, which the module
   descriptor needs as a constant (an initializer with more entries does
   not compile; one with fewer leaves a NULL that the store refuses). */
#define QF_PROPOSAL_MIGRATIONS 1
extern const char *const qf_proposal_migrations[QF_PROPOSAL_MIGRATIONS];

/*  Prepares the part's statements (the module's store_open). */
int qf_proposal_store_open (qf_store_t *store, char *error, size_t error_size);

/*  A new proposal in state draft at version 0 (its first version is
    added next); fills *id_p. */
int qf_store_proposal_insert (qf_store_t *self, int64_t customer_id, const char *owner,
                              const char *user, int64_t now, int64_t *id_p);
/*  The proposal as {id, customer_id, owner, state, version, flagged,
    created, created_by, updated, sent, sent_by, closed, closed_by, total,
    delivery}; QF_ENOTFOUND when none. */
int qf_store_proposal_get (qf_store_t *self, int64_t id, json_t **proposal_p);
/*  Moves the proposal from state `from` to `to`, recording who and when
    (sent_by on sent, closed_by on accepted, rejected, withdrawn);
    QF_ECONFLICT when it is not in `from`. Which moves are allowed is
    proposal.c's transition table; this only writes. */
int qf_store_proposal_move (qf_store_t *self, int64_t id, const char *from, const char *to,
                            const char *user, int64_t now);
/*  Adds version `version` ({lines, steps, services, delivery, total,
    note, changed}, with who, role and at) and its qualifications to
    proposal_lines, and makes it the proposal's current version, in
    state `state`, its flag cleared; QF_ECONFLICT when the current version
    is not version - 1 (a concurrent revision). */
int qf_store_proposal_version_add (qf_store_t *self, int64_t id, int version, json_t *record,
                                   const char *state, int64_t now);
/*  Every version of the proposal, oldest first, as a JSON array. */
int qf_store_proposal_versions (qf_store_t *self, int64_t id, json_t **list_p);
/*  The ids of the proposals other than `except` whose current version
    holds qualification `qual_id`: open ones (draft, sent) when `accepted`
    is false, else accepted ones; oldest first, as a JSON array. */
int qf_store_proposals_holding (qf_store_t *self, int64_t qual_id, bool accepted, int64_t except,
                                json_t **ids_p);
/*  Records an approval of version `version`'s discount of up to
    `percent` % by `who` acting as `role`. */
int qf_store_proposal_approve (qf_store_t *self, int64_t id, int version, double percent,
                               const char *who, const char *role, int64_t now);
/*  The approvals of the proposal, oldest first: {version, percent, by,
    role, at}. */
int qf_store_proposal_approvals (qf_store_t *self, int64_t id, json_t **list_p);
/*  Records a flag on the proposal (qualification `qual_id` is no longer
    sellable, `reason` says why) and sets it as the proposal's flag. */
int qf_store_proposal_flag (qf_store_t *self, int64_t id, int64_t qual_id, const char *reason,
                            int64_t now);
/*  The flags of the proposal, oldest first: {qualification_id, reason, at}. */
int qf_store_proposal_flags (qf_store_t *self, int64_t id, json_t **list_p);
/*  Proposals with id > after_id, at most limit, oldest first, as rows of
    qf_store_proposal_get: customer_id 0 for any, owner NULL for any,
    state NULL for any or "open" for draft and sent. */
int qf_store_proposal_list (qf_store_t *self, int64_t customer_id, const char *owner,
                            const char *state, int64_t after_id, int limit, json_t **items_p);

#endif
