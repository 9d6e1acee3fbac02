/*  staff — the staff directory, training and conduct (§5.1, §5.3): what
    the other business modules call. Modules call each other through these
    C functions, never through the wire dispatcher.

    The directory names each person by their login name: the `user` of
    their requests, the `name` of their certificate with CURVE. Whom an
    event goes to (a person's supervisor, the people of a role or a
    department) is read from it here rather than typed into the
    configuration. */
#ifndef QF_STAFF_H
#define QF_STAFF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_command.h"
#include "qf_config.h"
#include "qf_store.h"

/* Room for a person's login name, with its NUL. */
#define QF_STAFF_PERSON_SIZE 65

/* The type of violation a discount beyond the rules is recorded as. */
#define QF_STAFF_DISCOUNT_VIOLATION "unauthorised-promise"

/*  The person of the directory called `person` (*person_p, caller owns:
    person, name, department, roles, supervisor, started, status, left_on,
    left_reason, onboarded); QF_ENOTFOUND when the directory has none. */
int qf_staff_get (qf_store_t *store, const char *person, json_t **person_p);

/*  The supervisor of `user` (a login name): their directory supervisor
    when active, else the nearest active one up the chain (the supervisor's
    supervisor...), written into `supervisor` (QF_STAFF_PERSON_SIZE bytes
    is enough). QF_ENOTFOUND when `user` is not in the directory or no
    active supervisor is above them: the caller then falls back on what
    it did before the directory (a role, a configured name). */
int qf_staff_supervisor_of (qf_store_t *store, const char *user, char *supervisor, size_t size);

/*  Appends `name` to `list` (a JSON array of names) unless it is there
    already: recipients are never repeated. 0 or QF_ENOMEM. */
int qf_staff_name_add (json_t *list, const char *name);

/*  The active people holding `role` (NULL: any role) in `department`
    (NULL: any), by login name, as a new JSON array of their login names
    (*people_p, caller owns; empty when none). */
int qf_staff_people_in (qf_store_t *store, const char *role, const char *department,
                        json_t **people_p);

/*  The module's address hook (qf_module_t.address), so every event's
    `recipients` names people: each entry that names a role (qf_role.h)
    becomes the active people of the directory holding it, each other
    entry that is not a person of the directory and names a department
    becomes the department's active people; an entry stays as written
    when the directory has nobody for it (a department's worker or queue
    still gets it), and nothing changes while the directory is empty.
    Names are not repeated; the order is kept. */
int qf_staff_address (qf_store_t *store, json_t *recipients);

/*  The violations of `user` that happened from `from` to `to` (YYYY-MM-DD,
    included; either NULL: no bound), in the order recorded, by hand or
    automatically (*violations_p, caller owns: id, person, type, severity,
    date, description, source, rule, details, recorded, by). For the
    assessment (§5.2): a person's conduct in a period. */
int qf_staff_violations (qf_store_t *store, const char *user, const char *from, const char *to,
                         json_t **violations_p);

/*  §5.1: whether the acting person may `action` ("send a proposal", "sign
    a contract") yet: 0 unless ctx->user is an active salesperson of the
    directory (role sales) whose onboarding training is not complete;
    then QF_EFORBIDDEN, ctx->error naming the training missing (hours
    short of policy.onboarding_training_days, topics of
    staff.onboarding_topics not attended) and how to record it, field
    `user`. Called by proposal.send and contract.sign. */
int qf_staff_require_onboarding (qf_ctx_t *ctx, const char *action);

/*  §5.3: keeps (qf_ctx_keep_call) a violation of `user` found by a rule
    that refuses the command: after the command's savepoint is rolled
    back, it becomes a row of the violations table (source automatic, type
    `type`, the payload's severity and rule, its `what` as the
    description, the whole payload as the details) and
    staff.conduct_recorded (subject staff/USER) with `payload` and the
    violation's id, type and recipients; staff.conduct_serious too from
    staff.conduct_alert_severity on. `payload` (taken) holds at least
    user, role, severity and rule. */
int qf_staff_conduct_keep (qf_ctx_t *ctx, const char *type, json_t *payload);

#endif
