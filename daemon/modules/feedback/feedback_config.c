/*  The feedback module's configuration keys, one per line (the columns
    are those of qf_config_keys.h), and the look-ups over them. */
#include "feedback/feedback_config.h"

#include "qf.h"
#include "qf_config_keys.h"
#include "qf_role.h"

#include <assert.h>
#include <string.h>

#define FB(field)  offsetof (qf_feedback_config_t, field)
#define CAT(field) offsetof (qf_feedback_category_t, field)

const char *const qf_feedback_severities[] = {"low", "normal", "high", "critical", NULL};
const char *const qf_feedback_kinds[] = {"technical", "service", NULL};
static const char *const s_periods[] = {"month", "quarter", "year", NULL};
static const int s_age_defaults[] = {1, 3, 5, 10, 20};

/* clang-format off */

/* feedback: the deadlines, the first response, the owner, the digest. */
static const qf_key_t s_feedback[] = {
    QF_INT  ("feedback.deadline_low_days",      FB (deadline_days[0]), 10, 1, 250, QF_RELOAD, "§6.4: working days to close a case of severity low, for a category without its own"),
    QF_INT  ("feedback.deadline_normal_days",   FB (deadline_days[1]), 5, 1, 250, QF_RELOAD, "§6.4: working days to close a case of severity normal, for a category without its own"),
    QF_INT  ("feedback.deadline_high_days",     FB (deadline_days[2]), 3, 1, 250, QF_RELOAD, "§6.4: working days to close a case of severity high, for a category without its own"),
    QF_INT  ("feedback.deadline_critical_days", FB (deadline_days[3]), 1, 1, 250, QF_RELOAD, "§6.4: working days to close a case of severity critical, for a category without its own"),
    QF_INT  ("feedback.response_days",          FB (response_days),    1, 1, 30, QF_RELOAD, "§3.3: working days in which a case must have its first response (case acknowledge); the report counts those that had"),
    QF_TOKEN ("feedback.service_owner",         FB (service_owner),    NULL, NULL, QF_RELOAD, "§6.4: who owns a service investigation when it opens (a user name); absent: the customer's salesperson"),
    QF_ENUM ("feedback.digest_period",          FB (digest_period),    0, s_periods, QF_RELOAD, "§6.4: each department named by a category gets feedback.digest at the end of each month, quarter or year"),
    QF_INT_LIST ("feedback.open_age_days",      FB (age_days), FB (age_count), s_age_defaults, 0, 3650, 1, 16, QF_RELOAD, "§6.4 report: the age groups of open cases, in working days: each the oldest of its group, increasing", .order = 1),
};

/* feedback_categories: one entry per category of feedback. */
static const qf_key_t s_category[] = {
    QF_TOKEN  ("name",          CAT (name),        NULL, NULL, QF_RESTART, "its id; unique", .required = true),
    QF_ENUM   ("kind",          CAT (kind),        0, qf_feedback_kinds, QF_RESTART, "technical (a case for the technical group) or service (an investigation with an owner)"),
    QF_TOKEN  ("department",    CAT (department),  NULL, qf_roles, QF_RESTART, "the department it concerns (a role): its digest counts these cases", .required = true),
    QF_STRING ("title",         CAT (title),       NULL, 256, QF_RESTART, "what people read (UTF-8); absent: the name", .def_ref = "name"),
    QF_INT    ("low_days",      CAT (deadline[0]), 10, 1, 250, QF_RESTART, "working days to close a case of severity low", .def_ref = "feedback.deadline_low_days"),
    QF_INT    ("normal_days",   CAT (deadline[1]), 5, 1, 250, QF_RESTART, "working days to close a case of severity normal", .def_ref = "feedback.deadline_normal_days"),
    QF_INT    ("high_days",     CAT (deadline[2]), 3, 1, 250, QF_RESTART, "working days to close a case of severity high", .def_ref = "feedback.deadline_high_days"),
    QF_INT    ("critical_days", CAT (deadline[3]), 1, 1, 250, QF_RESTART, "working days to close a case of severity critical", .def_ref = "feedback.deadline_critical_days"),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("feedback", s_feedback),
    QF_LIST    ("feedback_categories", s_category, qf_feedback_category_t, FB (categories), FB (category_count), QF_RELOAD, "§6.4 categories of feedback: technical or service, the department concerned, the case deadlines"),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_feedback_config_part = {
    .module = "feedback",
    .sections = s_sections,
    .size = sizeof (qf_feedback_config_t),
};

const qf_feedback_config_t *
qf_feedback_config (const qf_config_t *config)
{
    const qf_feedback_config_t *self = qf_config_part (config, &qf_feedback_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}

const qf_feedback_category_t *
qf_feedback_category (const qf_config_t *config, const char *name)
{
    const qf_feedback_config_t *self = qf_feedback_config (config);
    for (size_t i = 0; name && i < self->category_count; i++)
        if (strcmp (self->categories[i].name, name) == 0)
            return &self->categories[i];
    return NULL;
}

int
qf_feedback_severity_index (const char *severity)
{
    for (int i = 0; severity && qf_feedback_severities[i]; i++)
        if (strcmp (qf_feedback_severities[i], severity) == 0)
            return i;
    return -1;
}

static const char *
s_category_name (const struct qf_config_t *config, size_t i)
{
    const qf_feedback_config_t *self = qf_feedback_config (config);
    return i < self->category_count ? self->categories[i].name : NULL;
}

const qf_arg_names_t qf_feedback_category_names = {"feedback category", "feedback_categories",
                                                   s_category_name};
