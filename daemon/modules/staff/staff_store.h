/*  staff_store — the staff directory, training and conduct (§5.1, §5.3)
    in the store. See qf_store.h for the conventions: 0 or a QF_E* code,
    inside the batch transaction, JSON records owned by the caller. Dates
    are YYYY-MM-DD texts, which compare as the days they name.

    A person is a row of staff_people: `person` (the login name a request
    gives as its user, or a certificate's name), `name`, `department`,
    `roles` (a JSON array of roles), `supervisor` (another person), the
    start date `started`, `status` (active, left) with `left_on` and
    `left_reason`, `onboarded` (the day onboarding training was complete,
    or null), and who changed it last, when. A training session is a row
    of staff_training (kind onboarding, periodic or sharing; topic, title,
    date, hours, trainer), its attendance rows of staff_attendance (one per
    person). A violation is a row of staff_violations: person, type,
    severity, the day it happened, a description, its source (recorded by
    a person, or automatic: a refusal that keeps it), the rule and details
    (JSON) of an automatic one. */
#ifndef QF_STAFF_STORE_H
#define QF_STAFF_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_staff_store_open (qf_store_t *store, char *error, size_t error_size);

/* People ------------------------------------------------------------------ */

/*  Adds an active person: `person` holds person, name, department, roles
    (an array), supervisor (may be absent), started, onboarded (may be
    absent). QF_ECONFLICT when the person is already in the directory. */
int qf_staff_store_person_add (qf_store_t *store, json_t *person, const char *by, int64_t now);
/*  The person as JSON; QF_ENOTFOUND when the directory has no such person. */
int qf_staff_store_person_get (qf_store_t *store, const char *person, json_t **record_p);
/*  Changes the fields `fields` gives (name, department, roles, supervisor,
    started, onboarded), the others kept. */
int qf_staff_store_person_update (qf_store_t *store, const char *person, json_t *fields,
                                  const char *by, int64_t now);
/*  The person left on `date`, for `reason`; QF_ECONFLICT when not active. */
int qf_staff_store_person_leave (qf_store_t *store, const char *person, const char *date,
                                 const char *reason, const char *by, int64_t now);
/*  Records the day onboarding was complete, when none is recorded yet. */
int qf_staff_store_person_onboarded (qf_store_t *store, const char *person, const char *date,
                                     int64_t now);
/*  People with id > after, by id, at most `limit`; each filter ignored
    when NULL: the department, a role they hold, the status, the
    supervisor. */
int qf_staff_store_people_list (qf_store_t *store, const char *department, const char *role,
                                const char *status, const char *supervisor, int64_t after,
                                int limit, json_t **list_p);
/*  The active people holding `role` (NULL: any) in `department` (NULL:
    any), by person: their records. */
int qf_staff_store_people_with (qf_store_t *store, const char *role, const char *department,
                                json_t **list_p);
/*  Whether the directory has anyone at all, active or left. */
int qf_staff_store_any (qf_store_t *store, bool *any_p);

/* Training ------------------------------------------------------------------ */

/*  Adds a training session: `session` holds kind, topic, title, date,
    hours and trainer (may be absent). Fills *id_p. */
int qf_staff_store_training_add (qf_store_t *store, json_t *session, const char *by, int64_t now,
                                 int64_t *id_p);
/*  The session with its `attendees` (person, recorded, by);
    QF_ENOTFOUND when there is none. */
int qf_staff_store_training_get (qf_store_t *store, int64_t id, json_t **session_p);
/*  Sessions with id > after, by id, at most `limit`; each filter ignored
    when NULL: kind, attended by `person`, held from `from` to `to`
    (included). Each with `attendance` (how many attended). */
int qf_staff_store_training_list (qf_store_t *store, const char *kind, const char *person,
                                  const char *from, const char *to, int64_t after, int limit,
                                  json_t **list_p);
/*  Records that `person` attended session `id`; QF_ECONFLICT when already. */
int qf_staff_store_attend (qf_store_t *store, int64_t id, const char *person, const char *by,
                           int64_t now);
/*  The sessions `person` attended, held from `from` to `to` (either may
    be NULL: no bound), by date: id, kind, topic, title, date, hours. */
int qf_staff_store_attended (qf_store_t *store, const char *person, const char *from,
                             const char *to, json_t **list_p);

/* Conduct ------------------------------------------------------------------ */

/*  Adds a violation: `violation` holds person, type, severity, date,
    description, source (recorded, automatic), rule and details (an
    object; both may be absent). Fills *id_p. */
int qf_staff_store_violation_add (qf_store_t *store, json_t *violation, const char *by, int64_t now,
                                  int64_t *id_p);
/*  The violation; QF_ENOTFOUND when there is none. */
int qf_staff_store_violation_get (qf_store_t *store, int64_t id, json_t **violation_p);
/*  Violations with id > after, by id, at most `limit`; each filter
    ignored when NULL: the person, happened from `from` to `to`
    (included), the severity. */
int qf_staff_store_violations (qf_store_t *store, const char *person, const char *from,
                               const char *to, const char *severity, int64_t after, int limit,
                               json_t **list_p);

#endif
