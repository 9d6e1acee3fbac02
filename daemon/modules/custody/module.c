/*  The custody module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "custody/custody_store.h"
#include "custody/custody.h"

extern const qf_command_spec_t qf_custody_specs[];
extern const qf_handler_t qf_custody_handlers[];

const qf_module_t qf_module_custody = {
    .name = "custody",
    .title = "Custody of certificates: archive records and loans (§4.3)",
    .specs = qf_custody_specs,
    .handlers = qf_custody_handlers,
    .store_open = qf_custody_store_open,
    .tick = qf_custody_tick,
};
