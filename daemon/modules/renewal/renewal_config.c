/*  The renewal module's configuration keys, one per line (the columns are
    those of qf_config_keys.h). */
#include "renewal/renewal_config.h"

#include "qf_config_keys.h"

#include <assert.h>

#define RENEWAL(field) offsetof (qf_renewal_config_t, field)

static const int s_lead_defaults[] = {90, 60, 30, 7};

/* clang-format off */

/* policy: the §4.3 renewal's values, beside the engine's policy keys. */
static const qf_key_t s_policy[] = {
    QF_INT_LIST ("policy.renewal_lead_days", RENEWAL (renewal_lead_days), RENEWAL (renewal_lead_count), s_lead_defaults, 1, 3650, 1, 16, QF_RELOAD, "§4.3 renewal: days before expiry at which renewal reminders are sent", .order = -1),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("policy", s_policy),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_renewal_config_part = {
    .module = "renewal",
    .sections = s_sections,
    .size = sizeof (qf_renewal_config_t),
};

const qf_renewal_config_t *
qf_renewal_config (const qf_config_t *config)
{
    const qf_renewal_config_t *self = qf_config_part (config, &qf_renewal_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}
