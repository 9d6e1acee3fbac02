/*  customer — customers (§6.1): what the other business modules
    (proposals, contracts) call. Modules call each other through these C
    functions, never through the wire dispatcher. */
#ifndef QF_CUSTOMER_H
#define QF_CUSTOMER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_store.h"

/* The customer's record as JSON (id, name, credit_code, industry, size,
   region, owner, source, created, updated, contacts, ...); 0, or
   QF_ENOTFOUND when there is no such customer. Inside or outside a
   transaction. */
int qf_customer_get (qf_store_t *store, int64_t id, json_t **record_p);

/* Length of a unified social credit code (GB 32100-2015). */
#define QF_CREDIT_CODE_LEN 18

/*  Checks a unified social credit code against GB 32100-2015: 18
    characters of 0-9 and A-Z without I, O, Z, S, V, the last the check
    character of the first 17 (weights 1, 3, 9, 27, 19, 26, 16, 17, 20,
    29, 25, 13, 8, 24, 10, 30, 28, modulo 31). Lower-case letters count as
    their upper case and surrounding blanks are ignored: on success
    `normal` (QF_CREDIT_CODE_LEN + 1 bytes) holds the code in upper case.
    0, or QF_EINVAL with `why` saying which rule failed (for a wrong check
    character, which one it should be). Pure; any thread. */
int qf_customer_credit_code_check (const char *code, char *normal, char *why, size_t why_size);

#endif
