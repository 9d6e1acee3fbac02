/*  policy_store — policy changes and the suspensions they cause (§7.2),
    in the store. See qf_store.h for the conventions. */
#ifndef POLICY_STORE_H
#define POLICY_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_policy_store_open (qf_store_t *store, char *error, size_t error_size);

/* Policy changes (§7.2). A policy is "pending" until its effective date,
   then "active" until it is "lifted". */
int qf_store_policy_add (qf_store_t *self, const char *category, const char *description,
                         int32_t effective, const char *state, int64_t now, const char *user,
                         int64_t *id_p);
int qf_store_policy_get (qf_store_t *self, int64_t id, json_t **policy_p);
/*  A pending policy takes effect; QF_ECONFLICT when it is not pending. */
int qf_store_policy_activate (qf_store_t *self, int64_t id);
/*  QF_ECONFLICT when the policy is already lifted. */
int qf_store_policy_lift (qf_store_t *self, int64_t id, int64_t now);
int qf_store_policies_json (qf_store_t *self, const char *state, int limit, json_t **list_p);
/*  Suspends the category's qualifications (not expired or rejected) under
    the policy; *ids_p gets every qualification it suspends. Idempotent. */
int qf_store_policy_suspend (qf_store_t *self, int64_t policy_id, const char *category, int64_t now,
                             json_t **ids_p);
int qf_store_policy_suspended (qf_store_t *self, int64_t policy_id, json_t **ids_p);
/*  Whether an active policy suspends the qualification. */
int qf_store_suspension_held (qf_store_t *self, int64_t qual_id, bool *held_p);
/*  Remembers that lifting policy_id sent the qualification to review `round`. */
int qf_store_suspension_review (qf_store_t *self, int64_t policy_id, int64_t qual_id, int round);
/*  The lifted policy whose lifting sent the qualification to review
    `round`; QF_ENOTFOUND when none did. */
int qf_store_suspension_reviewed (qf_store_t *self, int64_t qual_id, int round,
                                  int64_t *policy_id_p);
/*  Ids of the active policies of a category (JSON array). */
int qf_store_policies_active (qf_store_t *self, const char *category, json_t **ids_p);

#endif
