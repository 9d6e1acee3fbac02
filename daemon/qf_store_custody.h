/*  qf_store_custody — archive records and loans (§4.3), in the store.
    See qf_store.h for the conventions: 0 or a QF_E* code, inside the
    batch transaction, JSON records owned by the caller. */
#ifndef QF_STORE_CUSTODY_H
#define QF_STORE_CUSTODY_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

#endif
