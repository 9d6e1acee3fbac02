/*  The qualification module's configuration keys, one per line (the
    columns are those of qf_config_keys.h), and the look-ups over them. */
#include "qualification/qualification_config.h"

#include "qf_config_keys.h"
#include "qf_pattern.h"

#include <assert.h>
#include <string.h>

#define QUAL(field) offsetof (qf_qualification_config_t, field)
#define AUTH(field) offsetof (qf_authority_t, field)
#define CAT(field)  offsetof (qf_category_t, field)

static const char *const s_review_defaults[] = {"legal", "finance", "technical"};

/* clang-format off */

/* policy: the §4.2 review's values, beside the engine's policy keys. */
static const qf_key_t s_policy[] = {
    QF_INT        ("policy.min_validity_for_sale_days", QUAL (min_validity_for_sale_days), 180, 0, 3650, QF_RELOAD, "§4.2 review: least remaining validity (days) for a qualification to be sold"),
    QF_TOKEN_LIST ("policy.review_departments",         QUAL (review_departments), QUAL (review_department_count), s_review_defaults, QF_COUNT (s_review_defaults), 1, 16, QF_RELOAD, "§4.2 review: departments that must all approve a review", .unique = true),
    QF_TOKEN_LIST ("policy.review_confirmed_by_person", QUAL (review_confirm),     QUAL (review_confirm_count),    NULL,              0,                            0, 16, QF_RELOAD, "§4.2 review: departments whose worker verdict a person confirms with 'qualflow review decide' (the others' verdicts stand)", .unique = true),
    QF_DOUBLE     ("policy.min_return_ratio",           QUAL (min_return_ratio),           1.2, 0, 100,  QF_RELOAD, "§4.2 review: least expected revenue / cost ratio the finance review accepts"),
};

/* authorities: one entry per issuing authority accepted (qf_authority_t). */
static const qf_key_t s_authority[] = {
    QF_STRING   ("name",    AUTH (name),    NULL, 256,                               QF_RESTART, "the authority as written on certificates; unique", .required = true),
    QF_REGEX    ("pattern", AUTH (pattern), AUTH (regex), QF_PATTERN_BYTES_MAX,      QF_RESTART, "POSIX extended regular expression for its certificate numbers; anchor it", .required = true),
};

/* categories: one entry per qualification category (qf_category_t). */
static const qf_key_t s_category[] = {
    QF_TOKEN       ("name",       CAT (name),       NULL, NULL,                                       QF_RESTART, "category name; unique", .required = true),
    QF_STRING_LIST ("scopes",     CAT (scopes),     CAT (scope_count),    256, 0, QF_CONFIG_LIST_MAX, QF_RESTART, "scopes a qualification of this category may carry; empty = any", .unique = true),
    QF_STRING_LIST ("industries", CAT (industries), CAT (industry_count), 256, 0, QF_CONFIG_LIST_MAX, QF_RESTART, "industries the category serves", .unique = true),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("policy", s_policy),
    QF_LIST    ("authorities", s_authority, qf_authority_t, QUAL (authorities), QUAL (authority_count), QF_RELOAD, "issuing authorities accepted on certificates"),
    QF_LIST    ("categories",  s_category,  qf_category_t,  QUAL (categories),  QUAL (category_count),  QF_RELOAD, "qualification categories"),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_qualification_config_part = {
    .module = "qualification",
    .sections = s_sections,
    .size = sizeof (qf_qualification_config_t),
};

const qf_qualification_config_t *
qf_qualification_config (const qf_config_t *config)
{
    const qf_qualification_config_t *self = qf_config_part (config, &qf_qualification_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}

const qf_authority_t *
qf_qualification_authority (const qf_config_t *config, const char *name)
{
    const qf_qualification_config_t *self = config ? qf_qualification_config (config) : NULL;
    for (size_t i = 0; self && name && i < self->authority_count; i++)
        if (strcmp (self->authorities[i].name, name) == 0)
            return &self->authorities[i];
    return NULL;
}

const qf_category_t *
qf_qualification_category (const qf_config_t *config, const char *name)
{
    const qf_qualification_config_t *self = config ? qf_qualification_config (config) : NULL;
    for (size_t i = 0; self && name && i < self->category_count; i++)
        if (strcmp (self->categories[i].name, name) == 0)
            return &self->categories[i];
    return NULL;
}

bool
qf_qualification_is_department (const qf_config_t *config, const char *department)
{
    const qf_qualification_config_t *self = config ? qf_qualification_config (config) : NULL;
    for (size_t i = 0; self && department && i < self->review_department_count; i++)
        if (strcmp (self->review_departments[i], department) == 0)
            return true;
    return false;
}

static const char *
s_authority_name (const struct qf_config_t *config, size_t i)
{
    const qf_qualification_config_t *self = qf_qualification_config (config);
    return i < self->authority_count ? self->authorities[i].name : NULL;
}

static const char *
s_category_name (const struct qf_config_t *config, size_t i)
{
    const qf_qualification_config_t *self = qf_qualification_config (config);
    return i < self->category_count ? self->categories[i].name : NULL;
}

static const char *
s_department_name (const struct qf_config_t *config, size_t i)
{
    const qf_qualification_config_t *self = qf_qualification_config (config);
    return i < self->review_department_count ? self->review_departments[i] : NULL;
}

const qf_arg_names_t qf_qualification_authorities = {"issuing authority", "authorities",
                                                     s_authority_name};
const qf_arg_names_t qf_qualification_categories = {"category", "categories", s_category_name};
const qf_arg_names_t qf_qualification_departments = {
    "review department", "policy.review_departments", s_department_name};
