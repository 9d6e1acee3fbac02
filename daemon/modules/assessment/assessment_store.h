/*  assessment_store — the assessment module's store part: the
    assessments recorded by supervisors and HR, one per person and
    period, and the periods whose staff.assessment_due was raised. */
#ifndef QF_ASSESSMENT_STORE_H
#define QF_ASSESSMENT_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_store.h"

/* How many migrations the part has: the array's size, which the module
   descriptor needs as a constant (an initializer with more entries does
   not compile; one with fewer leaves a NULL that the store refuses). */
#define QF_ASSESSMENT_MIGRATIONS 1
extern const char *const qf_assessment_migrations[QF_ASSESSMENT_MIGRATIONS];

int qf_assessment_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Records an assessment (args: person, period, rating, comments, reward,
    plan, goals, review) with its scorecard (JSON text) by `who` in `role`;
    QF_ECONFLICT when the person has one for the period. *id_p its id. */
int qf_assessment_store_add (qf_store_t *store, json_t *args, const char *scorecard,
                             const char *who, const char *role, int64_t at, int64_t *id_p);

/*  The assessments of `person` (all periods, by period), as JSON. */
int qf_assessment_store_list (qf_store_t *store, const char *person, json_t **list_p);

/*  Marks `period` as announced (staff.assessment_due raised); 1 when it
    was already, 0 when marked now, or an error. */
int qf_assessment_store_announce (qf_store_t *store, const char *period, int64_t at);

#endif
