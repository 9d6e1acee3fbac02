/*  contract — contracts (§6.3): what the other business modules call.
    Modules call each other through these C functions, never through the
    wire dispatcher. */
#ifndef QF_CONTRACT_H
#define QF_CONTRACT_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/*  The contract that reserves qualification `qual_id` for its period of
    use ending `expires` (YYYY-MM-DD; from approval on, §6.3: sold once
    per period of use): *contract_p gets its id and *number_p (may be
    NULL; caller frees) its number, 0 and NULL when none does. */
int qf_contract_reserved_by (qf_store_t *store, int64_t qual_id, const char *expires,
                             int64_t *contract_p, char **number_p);

/*  Qualification `qual_id` stopped being sellable (`reason` says why):
    flags every open contract (draft to signed) whose current version
    holds it and appends contract.flagged for each, in the caller's
    transaction (§7.2: handle those already sold). *flagged_p (may be
    NULL) gets the flagged contracts' ids (caller owns). */
int qf_contract_flag_qualification (qf_store_t *store, int64_t now, int64_t qual_id,
                                    const char *reason, json_t **flagged_p);

#endif
