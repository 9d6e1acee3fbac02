/*  handover_store — the delivery tasks of signed contracts (§6.3
    execution), in the store. See qf_store.h for the conventions: 0 or a
    QF_E* code, inside the batch transaction, JSON records owned by the
    caller.

    A task is a row: the contract (id, number, customer, owner), the
    qualification (id, name, certificate number), its kind (processing for
    the processing team, transfer for logistics), the team's role, its
    state (open, done, cancelled), its due date, the processing steps
    quoted (JSON), and who closed it, when, with what note. One of each
    kind per qualification of a contract (unique). */
#ifndef QF_HANDOVER_STORE_H
#define QF_HANDOVER_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_handover_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Adds an open task; `task` holds contract_id, number, customer, owner,
    qualification_id, name, cert_no, kind, team, due and steps (an array).
    Fills *id_p. QF_ECONFLICT when the contract already has that task. */
int qf_store_handover_add (qf_store_t *self, json_t *task, int64_t now, int64_t *id_p);
/*  The task as JSON (every column; steps parsed); QF_ENOTFOUND when none. */
int qf_store_handover_get (qf_store_t *self, int64_t id, json_t **task_p);
/*  Closes an open task as `state` (done or cancelled), by `by` with
    `note` (may be NULL); QF_ECONFLICT when it is not open. */
int qf_store_handover_close (qf_store_t *self, int64_t id, const char *state, const char *by,
                             const char *note, int64_t now);
/*  The tasks of a contract, oldest first. */
int qf_store_handover_of (qf_store_t *self, int64_t contract_id, json_t **list_p);
/*  The open tasks of a contract, oldest first. */
int qf_store_handover_open_of (qf_store_t *self, int64_t contract_id, json_t **list_p);
/*  Tasks with id > after, oldest first, at most `limit`, each filter
    ignored when NULL or 0. */
int qf_store_handover_list (qf_store_t *self, const char *state, int64_t contract_id,
                            const char *team, int64_t after, int limit, json_t **list_p);

#endif
