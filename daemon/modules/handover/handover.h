/*  handover — the delivery tasks of a signed contract (§6.3 execution:
    "the processing team and logistics get delivery tasks"): what the
    contract module calls. Modules call each other through these C
    functions, never through the wire dispatcher. */
#ifndef QF_HANDOVER_H
#define QF_HANDOVER_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/*  Contract `contract` (its row: id, number, owner) was signed with
    `body` (its current version: lines, delivery, parties, proposal): opens
    its delivery tasks in the caller's transaction, for each qualification
    a processing task for the processing team (role review), with the
    processing steps its proposal quoted, and a transfer task for
    logistics (the certificate from custody to the customer), each due on
    the delivery date, and appends handover.opened for each. */
int qf_handover_open (qf_store_t *store, int64_t now, json_t *contract, json_t *body);

/*  The open delivery tasks of a contract, oldest first (*open_p, caller
    owns): a contract is delivered once they are all done. */
int qf_handover_open_of (qf_store_t *store, int64_t contract_id, json_t **open_p);

/*  Every delivery task of a contract, oldest first (contract.show). */
int qf_handover_of (qf_store_t *store, int64_t contract_id, json_t **tasks_p);

/*  The contract was cancelled: its open tasks are closed as cancelled,
    with handover.cancelled to each team, in the caller's transaction. */
int qf_handover_cancel (qf_store_t *store, int64_t now, int64_t contract_id, const char *by);

#endif
