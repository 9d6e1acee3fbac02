/*  acquisition_store — candidate qualifications and their tracking
    (§4.1), in the store. See qf_store.h for the conventions. */
#ifndef ACQUISITION_STORE_H
#define ACQUISITION_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_acquisition_store_open (qf_store_t *store, char *error, size_t error_size);

/* Acquisition (§4.1): candidate qualifications and their tracking. */
typedef struct {
    const char *state;      /* each NULL field is left as it is */
    const char *evaluation; /* JSON text of the evaluation report */
    const char *decision;
    const char *decided_by;
    const char *via; /* "agency" or "self" */
    const char *agency;
    int64_t qualification_id; /* 0: unchanged */
} qf_candidate_change_t;

int qf_store_candidate_add (qf_store_t *self, json_t *args, int64_t now, const char *user,
                            int64_t *id_p);
/*  The candidate with its progress notes; QF_ENOTFOUND when none. */
int qf_store_candidate_get (qf_store_t *self, int64_t id, json_t **candidate_p);
int qf_store_candidates_json (qf_store_t *self, const char *state, int limit, json_t **list_p);
int qf_store_candidate_update (qf_store_t *self, int64_t id, const qf_candidate_change_t *change,
                               int64_t now);
int qf_store_candidate_progress_add (qf_store_t *self, int64_t id, int64_t now, const char *author,
                                     const char *note, const char *blocker);

#endif
