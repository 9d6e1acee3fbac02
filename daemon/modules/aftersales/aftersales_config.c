/*  The after-sales module's configuration keys, one per line (the columns
    are those of qf_config_keys.h), and the look-ups over them. */
#include "aftersales/aftersales_config.h"

#include "qf_config_keys.h"

#include <assert.h>
#include <string.h>

#define AS(field)  offsetof (qf_aftersales_config_t, field)
#define SUP(field) offsetof (qf_supervisor_t, field)

static const int s_interval_defaults[] = {30, 90};
/* Who may be given callback tasks: the contract's salesperson, or a role
   that may record callbacks. */
static const char *const s_assignees[] = {"owner", "aftersales", "supervisor", "management", NULL};
/* Who is told of an overdue callback when supervisors: names nobody. */
static const char *const s_supervisor_roles[] = {"supervisor", "management", "aftersales", NULL};

/* clang-format off */

/* policy: the §6.4 callback intervals, beside the engine's policy keys. */
static const qf_key_t s_policy[] = {
    QF_INT_LIST ("policy.callback_intervals_days", AS (callback_intervals_days), AS (callback_interval_count), s_interval_defaults, 1, 3650, 1, 16, QF_RELOAD, "§6.4 callbacks: days after delivery at which the customer is called back", .order = +1),
};

/* aftersales: who calls, how long a call may take, and who is told. */
static const qf_key_t s_aftersales[] = {
    QF_TOKEN ("aftersales.assignee",              AS (assignee),              "owner", s_assignees, QF_RELOAD, "§6.4: who gets a callback task: owner (the contract's salesperson) or the role aftersales, supervisor or management"),
    QF_INT   ("aftersales.due_days",              AS (due_days),              3, 0, 30, QF_RELOAD, "§6.4: working days after the callback's day by which the customer must be reached (its due date); overdue from the next working day"),
    QF_INT   ("aftersales.max_attempts",          AS (max_attempts),          3, 1, 10, QF_RELOAD, "§6.4: calls that do not reach the customer, one per working day, before the callback is escalated to the supervisor"),
    QF_INT   ("aftersales.supervisor_after_days", AS (supervisor_after_days), 2, 0, 30, QF_RELOAD, "§6.4: working days after its owner is told a callback is overdue at which the owner's supervisor is told"),
    QF_TOKEN ("aftersales.supervisor_role",       AS (supervisor_role),       "supervisor", s_supervisor_roles, QF_RELOAD, "§6.4: who is told of an overdue or escalated callback of a salesperson supervisors: does not name (a role)"),
};

/* supervisors: one entry per salesperson; the staff directory comes first. */
static const qf_key_t s_supervisor[] = {
    QF_TOKEN ("name",       SUP (name),       NULL, NULL, QF_RESTART, "a salesperson's user; unique", .required = true),
    QF_TOKEN ("supervisor", SUP (supervisor), NULL, NULL, QF_RESTART, "their supervisor's user, told of their overdue and escalated callbacks", .required = true),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("policy",     s_policy),
    QF_MAPPING ("aftersales", s_aftersales),
    QF_LIST    ("supervisors", s_supervisor, qf_supervisor_t, AS (supervisors), AS (supervisor_count), QF_RELOAD, "§6.4 who supervises each salesperson when the staff directory names no supervisor for them"),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_aftersales_config_part = {
    .module = "aftersales",
    .sections = s_sections,
    .size = sizeof (qf_aftersales_config_t),
};

const qf_aftersales_config_t *
qf_aftersales_config (const qf_config_t *config)
{
    const qf_aftersales_config_t *self = qf_config_part (config, &qf_aftersales_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}

const char *
qf_aftersales_supervisor (const qf_config_t *config, const char *user)
{
    const qf_aftersales_config_t *self = qf_aftersales_config (config);
    for (size_t i = 0; user && i < self->supervisor_count; i++)
        if (strcmp (self->supervisors[i].name, user) == 0)
            return self->supervisors[i].supervisor;
    return self->supervisor_role;
}
