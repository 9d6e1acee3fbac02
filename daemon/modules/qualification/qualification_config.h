/*  qualification_config — the qualification module's configuration part
    (§4.2): what a qualification may be (its issuing authorities and
    categories) and how it is reviewed (the departments, who confirms,
    the finance and legal thresholds).

    The keys keep the names operators know: authorities:, categories:
    and policy.review_departments, policy.review_confirmed_by_person,
    policy.min_validity_for_sale_days, policy.min_return_ratio. The rows
    are in qualification_config.c; the daemon and the review workers read
    the settings through qf_qualification_config().
*/
#ifndef QF_QUALIFICATION_CONFIG_H
#define QF_QUALIFICATION_CONFIG_H

#include "qf_command_spec.h"
#include "qf_config.h"

#include <regex.h>

/* An issuing authority and the format of the certificate numbers it issues. */
typedef struct {
    char *name;    /* as written on certificates, UTF-8 */
    char *pattern; /* POSIX extended regular expression, anchored by the author */
    regex_t regex; /* compiled pattern */
} qf_authority_t;

/* A qualification category: the scopes it may carry, the industries it serves. */
typedef struct {
    char *name;    /* e.g. "construction-general" */
    char **scopes; /* allowed scope values; empty = any */
    size_t scope_count;
    char **industries; /* industries the category serves */
    size_t industry_count;
} qf_category_t;

typedef struct {
    int min_validity_for_sale_days;               /* remaining validity to be sellable */
    char *review_departments[QF_CONFIG_LIST_MAX]; /* all must pass */
    size_t review_department_count;
    char *review_confirm[QF_CONFIG_LIST_MAX]; /* a person confirms these */
    size_t review_confirm_count;
    double min_return_ratio;     /* finance: expected revenue / cost */
    qf_authority_t *authorities; /* authorities: allowed issuers */
    size_t authority_count;
    qf_category_t *categories; /* categories: */
    size_t category_count;
} qf_qualification_config_t;

/* The part (qf_config_keys.h), listed by the build in qf_config_parts[]. */
extern const qf_config_part_t qf_qualification_config_part;

/*  The module's settings in a loaded configuration. */
const qf_qualification_config_t *qf_qualification_config (const qf_config_t *config);

/*  Look-ups; return NULL when the name is not configured or config is NULL. */
const qf_authority_t *qf_qualification_authority (const qf_config_t *config, const char *name);
const qf_category_t *qf_qualification_category (const qf_config_t *config, const char *name);

/*  Whether department is one of policy.review_departments. */
bool qf_qualification_is_department (const qf_config_t *config, const char *department);

/* The configured names a command argument may take (qf_arg_spec_t.in). */
extern const qf_arg_names_t qf_qualification_authorities;
extern const qf_arg_names_t qf_qualification_categories;
extern const qf_arg_names_t qf_qualification_departments;

#endif
