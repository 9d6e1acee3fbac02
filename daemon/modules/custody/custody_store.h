/*  custody_store — archive records and loans (§4.3), in the store.
    See qf_store.h for the conventions: 0 or a QF_E* code, inside the
    batch transaction, JSON records owned by the caller.

    Days (acquired, due, today) are day numbers as in proto/qf_time.h;
    times (requested, approved, lent, returned) are ms since the epoch.
    `today` is passed to the readers so that a lent loan past its due day
    carries its overdue_days. */
#ifndef QF_STORE_CUSTODY_H
#define QF_STORE_CUSTODY_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_custody_store_open (qf_store_t *store, char *error, size_t error_size);

/* Archive records ---------------------------------------------------------- */

/*  Creates or updates the archive record of a qualification. */
int qf_store_archive_put (qf_store_t *self, int64_t qual_id, const char *custodian,
                          const char *location, int32_t acquired, const char *notes, int64_t now);
/*  The archive record as {qualification_id, custodian, location, acquired
    (YYYY-MM-DD), notes, created, updated, transferred, transferred_to,
    transfer_contract, transferred_by} (the last four null while the
    certificate is kept); QF_ENOTFOUND when none. */
int qf_store_archive_get (qf_store_t *self, int64_t qual_id, json_t **record_p);
/*  Records that the certificate left custody for `to` under contract
    `contract_id`, handed over by `by`; QF_ECONFLICT when it already has. */
int qf_store_archive_transfer (qf_store_t *self, int64_t qual_id, const char *to,
                               int64_t contract_id, const char *by, int64_t now);

/* Loans --------------------------------------------------------------------- */

/*  A new loan in state 'requested'; fills *id_p. */
int qf_store_loan_insert (qf_store_t *self, int64_t qual_id, const char *borrower,
                          const char *purpose, int32_t due, const char *requested_by, int64_t now,
                          int64_t *id_p);
/*  One loan as JSON {id, qualification_id, borrower, purpose, due, state,
    requested_by, approved_by, requested, approved, lent, returned,
    overdue_days}; QF_ENOTFOUND when none. */
int qf_store_loan_get (qf_store_t *self, int64_t id, int32_t today, json_t **loan_p);
/*  Moves a loan from state `from` to `state` ("approved" or "refused",
    recording who and when; "lent" or "returned", recording when) and
    fills *loan_p with the new loan, returned by the same statement.
    QF_ECONFLICT when the loan is not in state `from`. Which moves are
    allowed is custody.c's transition table; this only writes. */
int qf_store_loan_move (qf_store_t *self, int64_t id, const char *from, const char *state,
                        const char *who, int64_t now, int32_t today, json_t **loan_p);
/*  The open loan (requested, approved or lent) of a qualification, if any:
    *id_p = 0 when none. */
int qf_store_loan_open_of (qf_store_t *self, int64_t qual_id, int64_t *id_p);
/*  The loans of a qualification, oldest first (its history), as a JSON array. */
int qf_store_loans_of (qf_store_t *self, int64_t qual_id, int32_t today, json_t **list_p);
/*  Loans, oldest first, at most limit: state NULL for all, "open" for
    requested/approved/lent, or one state; qual_id 0 for every qualification. */
int qf_store_loans_list (qf_store_t *self, const char *state, int64_t qual_id, int limit,
                         int32_t today, json_t **list_p);
/*  Lent loans past due (due < today) not yet reminded on `today`, at most
    limit, earliest due first, as a JSON array of loans. */
int qf_store_loans_overdue (qf_store_t *self, int32_t today, int limit, json_t **list_p);
/*  Records that loan `id` was reminded on `today`. */
int qf_store_loan_overdue_mark (qf_store_t *self, int64_t id, int32_t today);

#endif
