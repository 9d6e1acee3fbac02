/*  staff_config — the staff module's configuration part (§5.1 training,
    §5.3 conduct, and the directory's own rules): how many days of
    onboarding training a salesperson needs (policy.onboarding_training_days)
    of which topics and within how long after starting, how many hours of
    training each person owes a year and when the shortfall is told,
    which departments and kinds of violation there are and from which
    severity management and HR are told, and whether every request must
    come from a person of the directory (staff.require_directory).

    The rows are in staff_config.c; the module reads them through
    qf_staff_config().
*/
#ifndef QF_STAFF_CONFIG_H
#define QF_STAFF_CONFIG_H

#include <stdbool.h>

#include "qf_command_spec.h"
#include "qf_config.h"

typedef struct {
    int onboarding_training_days; /* §5.1 [X]: days of onboarding training */
    bool require_directory;       /* every business request from a person of the directory */
    char *departments[QF_CONFIG_LIST_MAX]; /* the departments a person may be in */
    size_t department_count;
    char *onboarding_topics[QF_CONFIG_LIST_MAX]; /* each attended at least once */
    size_t onboarding_topic_count;
    int onboarding_window_days;   /* days after the start date to complete onboarding */
    int training_day_hours;       /* hours that make a training day */
    int yearly_training_hours;    /* hours of periodic training and sharing a year; 0: none */
    int training_check_lead_days; /* days before the year ends at which hours are checked */
    char *violation_types[QF_CONFIG_LIST_MAX]; /* §5.3: kinds of violation */
    size_t violation_type_count;
    int conduct_alert_severity; /* index into qf_proposal_severities: from it on, management
                                   and HR are told */
} qf_staff_config_t;

/* The part (qf_config_keys.h), listed by the build in qf_config_parts[]. */
extern const qf_config_part_t qf_staff_config_part;

/*  The module's settings in a loaded configuration. */
const qf_staff_config_t *qf_staff_config (const qf_config_t *config);

/*  The configured departments (staff.departments) and kinds of violation
    (staff.violation_types), for arguments checked when given. */
extern const qf_arg_names_t qf_staff_departments;
extern const qf_arg_names_t qf_staff_violation_types;

/*  The index of a severity among qf_proposal_severities (minor, serious,
    grave), -1 when it is none of them. */
int qf_staff_severity_rank (const char *severity);

#endif
