/*  probe_config — the probe module's configuration part: a section of its
    own, probe:, that only qualflowd-test knows. */
#ifndef QF_PROBE_CONFIG_H
#define QF_PROBE_CONFIG_H

#include "qf_config.h"

typedef struct {
    int max_note_bytes; /* longest note probe.note accepts */
} qf_probe_config_t;

extern const qf_config_part_t qf_probe_config_part;

/*  The module's settings in a loaded configuration. */
const qf_probe_config_t *qf_probe_config (const qf_config_t *config);

#endif
