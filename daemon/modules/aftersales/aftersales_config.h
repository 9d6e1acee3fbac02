/*  aftersales_config — the after-sales module's configuration part
    (§6.4 callbacks): when a delivered contract's customer is called back
    (policy.callback_intervals_days, days after delivery), who gets the
    callback task (the contract's salesperson or an after-sales role), how
    many working days the call may take, how many calls that do not reach
    the customer come before the callback is escalated, and who is told
    when a callback is overdue: its owner, then, a number of working days
    later, the owner's supervisor.

    Who supervises whom is configuration for now (supervisors:, a
    salesperson's user to their supervisor's user, with
    aftersales.supervisor_role for those it does not name): the staff
    directory of issue 13 will take its place.

    The rows are in aftersales_config.c; the daemon and the worker read
    the settings through qf_aftersales_config().
*/
#ifndef QF_AFTERSALES_CONFIG_H
#define QF_AFTERSALES_CONFIG_H

#include <stddef.h>

#include "qf_config.h"

/* Who supervises a salesperson when the staff directory names nobody. */
typedef struct {
    char *name;       /* the salesperson's user */
    char *supervisor; /* their supervisor's user */
} qf_supervisor_t;

typedef struct {
    int callback_intervals_days[QF_CONFIG_LIST_MAX]; /* policy.callback_intervals_days */
    size_t callback_interval_count;
    char *assignee;               /* aftersales.assignee: "owner" or a role */
    int due_days;                 /* aftersales.due_days: working days for the call */
    int max_attempts;             /* aftersales.max_attempts: calls before escalation */
    int supervisor_after_days;    /* aftersales.supervisor_after_days (working days) */
    char *supervisor_role;        /* aftersales.supervisor_role */
    qf_supervisor_t *supervisors; /* supervisors: */
    size_t supervisor_count;
} qf_aftersales_config_t;

/* The part (qf_config_keys.h), listed by the build in qf_config_parts[]. */
extern const qf_config_part_t qf_aftersales_config_part;

/*  The module's settings in a loaded configuration. */
const qf_aftersales_config_t *qf_aftersales_config (const qf_config_t *config);

/*  The supervisor of salesperson `user`: their supervisors: entry's
    supervisor, else aftersales.supervisor_role (a role). */
const char *qf_aftersales_supervisor (const qf_config_t *config, const char *user);

#endif
