/*  The staff module's configuration keys, one per line (the columns are
    those of qf_config_keys.h), and the look-ups over them. */
#include "staff/staff_config.h"
#include "proposal/proposal_config.h"

#include "qf_config_keys.h"

#include <assert.h>
#include <string.h>

#define STAFF(field) offsetof (qf_staff_config_t, field)

static const char *const s_departments[] = {"sales",      "legal",     "finance",
                                            "technical",  "logistics", "processing",
                                            "management", "hr",        "market"};
static const char *const s_topics[] = {"laws", "industry", "products", "sales-skills"};
static const char *const s_violations[] = {"confidentiality-breach", "bribe-kickback",
                                           "unauthorised-promise", "unfair-competition", "other"};

/* clang-format off */

/* policy: §5.1's number of days, beside the engine's policy keys. */
static const qf_key_t s_policy[] = {
    QF_INT ("policy.onboarding_training_days", STAFF (onboarding_training_days), 7, 1, 365, QF_RELOAD, "§5.1 training: days of onboarding training (of staff.onboarding_topics) a salesperson of the staff directory completes before sending a proposal or signing a contract"),
};

/* staff: the directory, training and conduct. */
static const qf_key_t s_staff[] = {
    QF_BOOL       ("staff.require_directory",        STAFF (require_directory), false, QF_RELOAD, "every request in a business role must come from an active person of the staff directory holding that role (false: a user the directory does not list acts in the role it claims, as before the directory)"),
    QF_TOKEN_LIST ("staff.departments",              STAFF (departments), STAFF (department_count), s_departments, QF_COUNT (s_departments), 1, 64, QF_RELOAD, "the departments a person of the staff directory may be in", .unique = true),
    QF_TOKEN_LIST ("staff.onboarding_topics",        STAFF (onboarding_topics), STAFF (onboarding_topic_count), s_topics, QF_COUNT (s_topics), 1, 16, QF_RELOAD, "§5.1 training: topics of onboarding training, each attended at least once", .unique = true),
    QF_INT        ("staff.onboarding_window_days",   STAFF (onboarding_window_days), 30, 1, 365, QF_RELOAD, "§5.1 training: days after the start date by which onboarding is complete; then staff.onboarding_overdue"),
    QF_INT        ("staff.training_day_hours",       STAFF (training_day_hours), 8, 1, 24, QF_RELOAD, "§5.1 training: hours of training that make one day"),
    QF_INT        ("staff.yearly_training_hours",    STAFF (yearly_training_hours), 40, 0, 2000, QF_RELOAD, "§5.1 training: hours of periodic training and experience sharing each person attends a year (less in a year begun later, in proportion; 0: no reminder)"),
    QF_INT        ("staff.training_check_lead_days", STAFF (training_check_lead_days), 45, 1, 364, QF_RELOAD, "§5.1 training: days before the year ends at which a person short of staff.yearly_training_hours is reminded (staff.training_short)"),
    QF_TOKEN_LIST ("staff.violation_types",          STAFF (violation_types), STAFF (violation_type_count), s_violations, QF_COUNT (s_violations), 1, 32, QF_RELOAD, "§5.3 conduct: kinds of violation recorded (a refused discount is recorded as unauthorised-promise)", .unique = true),
    QF_ENUM       ("staff.conduct_alert_severity",   STAFF (conduct_alert_severity), 1, qf_proposal_severities, QF_RELOAD, "§5.3 conduct: least severity of a violation that is told to management and HR (staff.conduct_serious)"),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("policy", s_policy),
    QF_MAPPING ("staff",  s_staff),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_staff_config_part = {
    .module = "staff",
    .sections = s_sections,
    .size = sizeof (qf_staff_config_t),
};

const qf_staff_config_t *
qf_staff_config (const qf_config_t *config)
{
    const qf_staff_config_t *self = qf_config_part (config, &qf_staff_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}

static const char *
s_department (const qf_config_t *config, size_t i)
{
    const qf_staff_config_t *self = qf_staff_config (config);
    return i < self->department_count ? self->departments[i] : NULL;
}

static const char *
s_violation_type (const qf_config_t *config, size_t i)
{
    const qf_staff_config_t *self = qf_staff_config (config);
    return i < self->violation_type_count ? self->violation_types[i] : NULL;
}

const qf_arg_names_t qf_staff_departments = {"department", "staff.departments", s_department};
const qf_arg_names_t qf_staff_violation_types = {"violation type", "staff.violation_types",
                                                 s_violation_type};

int
qf_staff_severity_rank (const char *severity)
{
    for (int i = 0; severity && qf_proposal_severities[i]; i++)
        if (strcmp (qf_proposal_severities[i], severity) == 0)
            return i;
    return -1;
}
