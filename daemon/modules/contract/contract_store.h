/*  contract_store — contracts (§6.3), their versions, reviews,
    reservations, receivables and payments, in the store. See qf_store.h
    for the conventions: 0 or a QF_E* code, inside the batch transaction,
    JSON records owned by the caller.

    A contract is a row (number, proposal, customer, owner, state, current
    version, flag, signing and delivery) and its versions, each kept whole
    and never changed (the parties, lines, price, payment term and
    schedule, delivery date, liability, clauses). contract_lines indexes
    which qualifications each version holds. Reports of the review, flags,
    reservations, receivables and payments are rows of their own, added;
    a receivable's paid amount is the one figure that grows. */
#ifndef QF_CONTRACT_STORE_H
#define QF_CONTRACT_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/* How many migrations the part has: the array's size, which the module
   descriptor needs as a constant (an initializer with more entries does
   not compile; one with fewer leaves a NULL that the store refuses). */
#define QF_CONTRACT_MIGRATIONS 3
extern const char *const qf_contract_migrations[QF_CONTRACT_MIGRATIONS];

int qf_contract_store_open (qf_store_t *store, char *error, size_t error_size);

/*  The next number of `year`'s sequence (1, 2, ...): gap-free, since it
    is taken in the caller's transaction and rolled back with it. */
int qf_store_contract_next_seq (qf_store_t *self, int year, int64_t *seq_p);
/*  A new contract `number` in state draft at version 0; fills *id_p. */
int qf_store_contract_insert (qf_store_t *self, const char *number, int64_t proposal_id,
                              int64_t customer_id, const char *owner, const char *user, int64_t now,
                              int64_t *id_p);
/*  The contract row as JSON {id, number, proposal_id, customer_id, owner,
    state, version, flagged, created, created_by, updated, submitted,
    signed_on, signed_copy, signed_by, delivered_on, delivered_by,
    price, delivery}; QF_ENOTFOUND when none. */
int qf_store_contract_get (qf_store_t *self, int64_t id, json_t **contract_p);
/*  The open contract (not cancelled) drafted from `proposal_id`, 0 when none. */
int qf_store_contract_for_proposal (qf_store_t *self, int64_t proposal_id, int64_t *id_p);
/*  Moves it from `from` to `to` (QF_ECONFLICT when it is not in `from`). */
int qf_store_contract_move (qf_store_t *self, int64_t id, const char *from, const char *to,
                            int64_t now);
/*  Records the signing (date, the signed copy's checksum or reference, who). */
int qf_store_contract_signed (qf_store_t *self, int64_t id, const char *date, const char *copy,
                              const char *user, int64_t now);
/*  Records the delivery (date, who). */
int qf_store_contract_delivered (qf_store_t *self, int64_t id, const char *date, const char *user,
                                 int64_t now);
/*  Adds version `version` (its whole body, JSON) and its qualifications,
    makes it current in state `state`, clears the flag; QF_ECONFLICT when
    the current version is not version - 1. */
int qf_store_contract_version_add (qf_store_t *self, int64_t id, int version, json_t *body,
                                   const char *state, const char *user, const char *role,
                                   int64_t now);
/*  Every version, oldest first: {version, body, by, role, at}. */
int qf_store_contract_versions (qf_store_t *self, int64_t id, json_t **list_p);
/*  Adds a review report of `version` by `department`; `counted` when it
    is the verdict that counts (a person's, or a worker's where no person
    confirms). */
int qf_store_contract_report_add (qf_store_t *self, int64_t id, int version, const char *department,
                                  const char *verdict, json_t *findings, const char *user,
                                  const char *role, bool from_worker, bool counted, int64_t now);
/*  Every report, oldest first: {version, department, verdict, findings,
    by, role, from_worker, counted, at}. */
int qf_store_contract_reports (qf_store_t *self, int64_t id, json_t **list_p);
/*  Reserves qualification `qual_id` for its period of use `period` (its
    expiry date) to contract `id`; QF_ECONFLICT when another holds it. */
int qf_store_contract_reserve (qf_store_t *self, int64_t qual_id, const char *period, int64_t id,
                               int64_t now);
/*  The contract holding qualification `qual_id`'s period `period`, 0 when none. */
int qf_store_contract_reserved_by (qf_store_t *self, int64_t qual_id, const char *period,
                                   int64_t *id_p);
/*  Releases contract `id`'s reservations (it is cancelled). */
int qf_store_contract_release (qf_store_t *self, int64_t id);
/*  Ids of the open contracts (draft, in_review, returned, approved,
    signed) whose current version holds `qual_id`, oldest first. */
int qf_store_contracts_holding (qf_store_t *self, int64_t qual_id, json_t **ids_p);
/*  Records a flag and makes it the contract's flag. */
int qf_store_contract_flag (qf_store_t *self, int64_t id, int64_t qual_id, const char *reason,
                            int64_t now);
/*  The flags, oldest first: {qualification_id, reason, at}. */
int qf_store_contract_flags (qf_store_t *self, int64_t id, json_t **list_p);
/*  Contracts with id > after_id, at most limit, oldest first, as rows of
    qf_store_contract_get: customer_id 0 for any, owner and state NULL for
    any, state "open" for every state but delivered and cancelled. */
int qf_store_contract_list (qf_store_t *self, int64_t customer_id, const char *owner,
                            const char *state, int64_t after_id, int limit, json_t **items_p);
/*  Adds instalment `instalment` of contract `id` (due, amount) unless it
    exists: *added_p says whether it was added (receivables are made
    once, whoever asks again). */
int qf_store_receivable_add (qf_store_t *self, int64_t id, int instalment, const char *due,
                             double amount, int64_t now, int64_t *receivable_p, bool *added_p);
/*  A receivable: {id, contract_id, instalment, due, amount, paid, state,
    created}; QF_ENOTFOUND when none. */
int qf_store_receivable_get (qf_store_t *self, int64_t receivable_id, json_t **record_p);
/*  The contract's receivables, by instalment. */
int qf_store_receivables (qf_store_t *self, int64_t id, json_t **list_p);
/*  Records a payment of `amount` on `date` against the receivable and
    adds it to what is paid (state paid when all of it is). */
int qf_store_receivable_pay (qf_store_t *self, int64_t receivable_id, double amount,
                             const char *date, const char *user, int64_t now);
/*  The receivable's payments, oldest first: {amount, date, by, at}. */
int qf_store_payments (qf_store_t *self, int64_t receivable_id, json_t **list_p);

/*  §5.2 figures per salesperson (owner), in owner order, each handed to
    fn (only `owner`'s when not NULL): the contracts signed from `from` to
    `to` (YYYY-MM-DD, included) and still signed or delivered, with the sum
    of their current versions' prices; the customers whose first such
    contract was signed in the period (count; sum 0). */
int qf_store_contract_sales_by_owner (qf_store_t *store, const char *from, const char *to,
                                      const char *owner, qf_store_tally_fn *fn, void *arg);
int qf_store_contract_new_customers_by_owner (qf_store_t *store, const char *from, const char *to,
                                              const char *owner, qf_store_tally_fn *fn,
                                              void *arg);

#endif
