/*  aftersales_store — callbacks (§6.4), in the store. See qf_store.h for
    the conventions: 0 or a QF_E* code, inside the batch transaction, JSON
    records owned by the caller.

    A callback is a row, the task of calling a delivered contract's
    customer back `interval_days` after its delivery: the contract (id,
    number, customer, its salesperson the owner), who is to call (the
    assignee: the owner's user or a role), the working day it falls on,
    its due date once open, its state (scheduled at delivery, open when
    its day comes, done once the customer is reached, escalated after
    aftersales.max_attempts calls that did not), how many calls were made
    and the day of the next one, its result once done (score 1-5 and what
    the customer said), and how far its overdue went (NULL, owner,
    supervisor). One per contract and interval (unique). Each call made is
    a row of its own in callback_calls, added and never changed: its
    attempt number, the day, who, reached or not, the score, what was
    said and the problems raised (JSON, with the feedback each became). */
#ifndef QF_AFTERSALES_STORE_H
#define QF_AFTERSALES_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/* How many migrations the part has: the array's size, which the module
   descriptor needs as a constant (an initializer with more entries does
   not compile; one with fewer leaves a NULL that the store refuses). */
#define QF_AFTERSALES_MIGRATIONS 1
extern const char *const qf_aftersales_migrations[QF_AFTERSALES_MIGRATIONS];

/*  Prepares the part's statements (the module's store_open). */
int qf_aftersales_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Schedules a callback; `callback` holds contract_id, number,
    customer_id, customer, owner, assignee, interval_days, delivered_on and
    day (the working day it falls on). Fills *id_p. QF_ECONFLICT when the
    contract already has the callback of that interval. */
int qf_store_callback_add (qf_store_t *self, json_t *callback, int64_t now, int64_t *id_p);
/*  Opens a scheduled callback: `task` holds assignee, day, due and
    next_attempt. QF_ECONFLICT when it is not scheduled. */
int qf_store_callback_open (qf_store_t *self, int64_t id, json_t *task, const char *by,
                            int64_t now);
/*  The callback as JSON (every column); QF_ENOTFOUND when none. */
int qf_store_callback_get (qf_store_t *self, int64_t id, json_t **callback_p);
/*  The callback of contract `contract_id` and `interval_days`, or
    QF_ENOTFOUND. */
int qf_store_callback_for (qf_store_t *self, int64_t contract_id, int interval_days,
                           json_t **callback_p);
/*  The callbacks of a contract, by interval. */
int qf_store_callback_of (qf_store_t *self, int64_t contract_id, json_t **list_p);
/*  A call made on an open or escalated callback: one more attempt, the
    state it is left in (open, done, escalated), the day of the next call
    (may be NULL), and for a reached one its score and what was said (0
    and NULL otherwise); closed at `now` by `by` unless it stays open.
    QF_ECONFLICT when the callback is done. */
int qf_store_callback_called (qf_store_t *self, int64_t id, const char *state,
                              const char *next_attempt, int score, const char *said, const char *by,
                              int64_t now);
/*  Records how far an open callback's overdue went: "owner", "supervisor". */
int qf_store_callback_overdue (qf_store_t *self, int64_t id, const char *level);
/*  Callbacks with id > after, oldest first, at most `limit`; each filter
    ignored when NULL or 0; `owner` keeps those of that salesperson's
    contracts (through the index on owner). */
int qf_store_callback_list (qf_store_t *self, const char *state, int64_t contract_id,
                            const char *owner, int64_t after, int limit, json_t **list_p);

/*  Adds call `attempt` of callback `callback_id`: `call` holds made_on,
    by, role, reached (bool), score (may be absent), said (may be absent)
    and problems (an array). QF_ECONFLICT when that attempt is recorded. */
int qf_store_callback_call_add (qf_store_t *self, int64_t callback_id, int attempt, json_t *call,
                                int64_t now);
/*  The calls of a callback, in the order made. */
int qf_store_callback_calls (qf_store_t *self, int64_t callback_id, json_t **list_p);

/*  §5.2 satisfaction per salesperson (the contract's owner), in owner
    order, each handed to fn (only `owner`'s when not NULL): how many calls
    made from `from` to `to` (YYYY-MM-DD, included) recorded a score, and
    the sum of those scores. */
int qf_store_callback_scores_by_owner (qf_store_t *store, const char *from, const char *to,
                                       const char *owner, qf_store_tally_fn *fn, void *arg);

#endif
