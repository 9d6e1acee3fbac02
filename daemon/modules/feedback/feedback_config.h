/*  feedback_config — the feedback module's configuration part (§6.4,
    §3.3): the categories feedback is classified in (each technical or
    service, the department it concerns, and its case deadline in working
    days by severity), the default deadlines, the working days in which a
    case must have its first response, who owns a service investigation,
    the period of the departments' digest and the age groups of the
    report's open cases.

    The rows are in feedback_config.c; the daemon and the CLI read the
    settings through qf_feedback_config().
*/
#ifndef QF_FEEDBACK_CONFIG_H
#define QF_FEEDBACK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "qf_command_spec.h"
#include "qf_config.h"

/* The severities, least first: the index of each is its deadline's. */
#define QF_FEEDBACK_SEVERITIES 4
extern const char *const qf_feedback_severities[]; /* low normal high critical, NULL */

/* The kinds of feedback (§6.4). */
extern const char *const qf_feedback_kinds[]; /* technical service, NULL */

/* The digest's periods. */
typedef enum { QF_DIGEST_MONTH, QF_DIGEST_QUARTER, QF_DIGEST_YEAR } qf_digest_period_t;

/* A category of feedback (feedback_categories:). */
typedef struct {
    char *name;                           /* its id, [a-z0-9._-] */
    int kind;                             /* index into qf_feedback_kinds */
    char *department;                     /* the department it concerns (a role) */
    char *title;                          /* what people read; NULL: the name */
    int deadline[QF_FEEDBACK_SEVERITIES]; /* working days to close a case, by severity */
} qf_feedback_category_t;

typedef struct {
    int deadline_days[QF_FEEDBACK_SEVERITIES]; /* feedback.deadline_{low,...}_days */
    int response_days;                         /* feedback.response_days */
    char *service_owner;                       /* feedback.service_owner; NULL: the salesperson */
    int digest_period;                         /* feedback.digest_period (qf_digest_period_t) */
    int age_days[QF_CONFIG_LIST_MAX];          /* feedback.open_age_days, increasing */
    size_t age_count;
    qf_feedback_category_t *categories; /* feedback_categories: */
    size_t category_count;
} qf_feedback_config_t;

/* The part (qf_config_keys.h), listed by the build in qf_config_parts[]. */
extern const qf_config_part_t qf_feedback_config_part;

/*  The module's settings in a loaded configuration. */
const qf_feedback_config_t *qf_feedback_config (const qf_config_t *config);

/*  The category of that id; NULL when it is not configured. */
const qf_feedback_category_t *qf_feedback_category (const qf_config_t *config, const char *name);

/*  The configured categories, for the commands' arguments (the daemon
    refuses another when the command is given). */
extern const qf_arg_names_t qf_feedback_category_names;

/*  The index of `severity` in qf_feedback_severities, -1 when unknown. */
int qf_feedback_severity_index (const char *severity);

#endif
