/*  renewal_store — the renewal cases of expiring qualifications (§4.3),
    in the store. See qf_store.h for the conventions. */
#ifndef RENEWAL_STORE_H
#define RENEWAL_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_renewal_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Opens (or raises the urgency of) the renewal case of a qualification's expiry. */
int qf_store_renewal_put (qf_store_t *self, int64_t qual_id, int32_t expires, int64_t now,
                          const char *urgency, int lead_days);
int qf_store_renewal_close (qf_store_t *self, int64_t qual_id, int64_t now);
int qf_store_renewals_json (qf_store_t *self, const char *state, int limit, json_t **list_p);

#endif
