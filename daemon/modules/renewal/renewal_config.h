/*  renewal_config — the renewal module's configuration part (§4.3): when
    renewal reminders are sent (policy.renewal_lead_days). The rows are in
    renewal_config.c; the module reads them through qf_renewal_config().
*/
#ifndef QF_RENEWAL_CONFIG_H
#define QF_RENEWAL_CONFIG_H

#include "qf_config.h"

typedef struct {
    int renewal_lead_days[QF_CONFIG_LIST_MAX]; /* days before expiry, descending */
    size_t renewal_lead_count;
} qf_renewal_config_t;

/* The part (qf_config_keys.h), listed by the build in qf_config_parts[]. */
extern const qf_config_part_t qf_renewal_config_part;

/*  The module's settings in a loaded configuration. */
const qf_renewal_config_t *qf_renewal_config (const qf_config_t *config);

#endif
