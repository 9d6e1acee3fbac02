/*  staff_int — what the files of the staff module share and nothing else
    includes: the directory (staff.c), training (staff_training.c),
    conduct (staff_conduct.c) and the timers (staff_timers.c). */
#ifndef QF_STAFF_INT_H
#define QF_STAFF_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_command.h"
#include "qf_config.h"
#include "qf_module.h"
#include "qf_store.h"

/* The subject of a person's events and timers: "staff/PERSON". */
#define QF_STAFF_SUBJECT "staff"

/* The kinds of the person's timers (staff_timers.c). */
#define QF_STAFF_ONBOARDING_DUE "staff_onboarding_due"
#define QF_STAFF_TRAINING_HOURS "staff_training_hours"

/*  Who acts, for the record: the user, or the role when no user was given. */
const char *qf_staff__who (qf_ctx_t *ctx);

/*  Whether the person (a directory record) holds `role`. */
bool qf_staff__holds (json_t *person, const char *role);

/*  Today in policy.timezone, as YYYY-MM-DD into `date` (11 bytes). */
const char *qf_staff__today (const qf_config_t *config, int64_t now, char *date);

/*  The names of `names` (a JSON array) joined by ", " into `text`, for
    messages; returns text. */
const char *qf_staff__join (json_t *names, char *text, size_t size);

/*  The person of args.person (*person_p, caller owns): 404 naming them
    when the directory has none. */
int qf_staff__load (qf_ctx_t *ctx, json_t *args, json_t **person_p);

/*  0 unless the date args.KEY is after today: then QF_EINVAL naming it
    (what happened is recorded, not what will). */
int qf_staff__not_after_today (qf_ctx_t *ctx, json_t *args, const char *key);

/*  The recipients of an event about `person` (a directory record, or
    NULL): their supervisor (qf_staff_supervisor_of) when `supervisor`,
    the person themselves when `self`, then the people of each role of
    `roles` (space-separated role names, which the staff module's address
    hook turns into the role's people when the event commits). A new
    array, NULL when out of memory. */
json_t *qf_staff__recipients (qf_store_t *store, json_t *person, bool self, bool supervisor,
                              const char *roles);

/*  §5.1 onboarding of `person` (a directory record) as of today: a new
    object {required (a salesperson, active, not onboarded before the
    directory), required_days, required_hours, hours (of onboarding
    sessions attended), topics (attended, configured), missing_topics,
    due (the last day of staff.onboarding_window_days), complete,
    onboarded}. */
int qf_staff__onboarding (qf_store_t *store, const qf_config_t *config, json_t *person,
                          json_t **onboarding_p);

/*  §5.1 periodic training of `person` in `year`: {year, hours (periodic
    and sharing sessions attended that year), required_hours
    (staff.yearly_training_hours, in proportion for a year begun after
    1 January; 0 before the start date's year), short}. */
int qf_staff__year (qf_store_t *store, const qf_config_t *config, json_t *person, int year,
                    json_t **training_p);

/*  Places the person's timers again from their record: onboarding due
    (a salesperson not yet onboarded, active) and the yearly check of
    training hours (active, staff.yearly_training_hours > 0); cancels the
    ones that no longer apply. */
int qf_staff__watch (qf_store_t *store, const qf_config_t *config, json_t *person, int64_t now);

/*  Cancels the pending timers of the person of `kind` (NULL: all of them,
    they left). */
int qf_staff__unwatch (qf_store_t *store, const char *person, const char *kind);

/*  Records that `person` completed onboarding on `date`, when that is not
    on record yet: staff.onboarding_completed to them and their
    supervisor, and their onboarding timer cancelled. *done_p (may be
    NULL) tells whether it was recorded now. */
int qf_staff__onboarded (qf_store_t *store, const qf_config_t *config, json_t *person,
                         const char *date, int64_t now, bool *done_p);

/*  The kept violation's work (qf_kept_fn, staff_conduct.c). */
int qf_staff__kept_violation (qf_store_t *store, const qf_config_t *config, int64_t now,
                              json_t *payload);

/*  The handlers of training (staff_training.c) and conduct
    (staff_conduct.c), bound in staff.c's table. */
qf_handler_fn qf_staff__training_add, qf_staff__training_attend, qf_staff__training_show,
    qf_staff__training_list, qf_staff__conduct_record, qf_staff__conduct_list;

/*  The module's authorize hook (qf_module_t.authorize, staff.c). */
int qf_staff_authorize (qf_ctx_t *ctx, const qf_command_spec_t *spec);

#endif
