/*  The acquisition module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "acquisition/acquisition_store.h"

extern const qf_command_t qf_acquisition_commands[];

const qf_module_t qf_module_acquisition = {
    .name = "acquisition",
    .title = "Acquisition of qualifications: candidates, evaluation, decision, tracking (§4.1)",
    .store_open = qf_acquisition_store_open,
    .commands = qf_acquisition_commands,
};
