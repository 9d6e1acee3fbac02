/*  The renewal module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "renewal/renewal_store.h"
#include "renewal/renewal_timers.h"

extern const qf_command_t qf_renewal_commands[];

const qf_module_t qf_module_renewal = {
    .name = "renewal",
    .title = "Renewal of qualifications: renewing, reminders, renewal cases (§4.3)",
    .store_open = qf_renewal_store_open,
    .commands = qf_renewal_commands,
    .timer_kinds = qf_renewal_timer_kinds,
};
