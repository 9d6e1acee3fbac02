/*  The renewal module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "renewal/renewal_config.h"
#include "renewal/renewal_store.h"
#include "renewal/renewal_timers.h"

extern const qf_command_spec_t qf_renewal_specs[];
extern const qf_handler_t qf_renewal_handlers[];

const qf_module_t qf_module_renewal = {
    .name = "renewal",
    .title = "Renewal of qualifications: renewing, reminders, renewal cases (§4.3)",
    .specs = qf_renewal_specs,
    .handlers = qf_renewal_handlers,
    .store_open = qf_renewal_store_open,
    .config = &qf_renewal_config_part,
    .timer_kinds = qf_renewal_timer_kinds,
};
