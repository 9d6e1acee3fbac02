/*  The probe module's configuration keys (qf_config_keys.h). */
#include "probe_config.h"

#include "qf_config_keys.h"

#include <assert.h>

#define PROBE(field) offsetof (qf_probe_config_t, field)

/* clang-format off */
static const qf_key_t s_probe[] = {
    QF_INT ("probe.max_note_bytes", PROBE (max_note_bytes), 200, 1, 200, QF_RELOAD, "longest note probe.note accepts (bytes)"),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("probe", s_probe),
    {.name = NULL},
};
/* clang-format on */

const qf_config_part_t qf_probe_config_part = {
    .module = "probe",
    .sections = s_sections,
    .size = sizeof (qf_probe_config_t),
};

const qf_probe_config_t *
qf_probe_config (const qf_config_t *config)
{
    const qf_probe_config_t *self = qf_config_part (config, &qf_probe_config_part);
    assert (self);
    return self;
}
