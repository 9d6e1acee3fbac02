/*  qf_custody — custody of certificates (§4.3): the commands (table
    qf_custody_commands in qf_command.h) and the daily overdue reminder of
    loans not returned in time. */
#ifndef QF_CUSTODY_H
#define QF_CUSTODY_H

#include <stdint.h>

#include "qf_config.h"
#include "qf_store.h"

/*  Raises custody.borrow_overdue {loan, days_overdue} for every lent loan
    past its due day that has not been reminded today, once the day's
    reminder time (calendar.reminder_time) has passed on a working day, and
    records today on the loan: one event per overdue loan per working day
    until it is returned, none on weekends and holidays.

    Cheap when there is nothing to do (no transaction is opened). When
    there is, it opens the batch transaction if none is open (the server
    commits it at the end of the batch) and works in its own savepoint,
    rolled back on failure, which is logged. At most 64 loans per call.
    Fills *raised_p (may be NULL) with the number of events raised. */
int qf_custody_tick (qf_store_t *store, const qf_config_t *config, int64_t now, int *raised_p);

/*  The certificate of qualification `qual_id` leaves custody for customer
    `to` under contract `contract_id` (§6.3 execution: the logistics
    handover), handed over by `by`: the archive record says so, and
    custody.transferred is appended, in the caller's transaction.
    QF_ECONFLICT with `why` filled (what to do) when the certificate is not
    in custody: no archive record, out on a loan, or already transferred. */
int qf_custody_transfer (qf_store_t *store, int64_t now, int64_t qual_id, const char *to,
                         int64_t contract_id, const char *by, char *why, size_t why_size);

#endif
