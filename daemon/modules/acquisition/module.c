/*  The acquisition module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "acquisition/acquisition_store.h"

extern const qf_command_spec_t qf_acquisition_specs[];
extern const qf_handler_t qf_acquisition_handlers[];

const qf_module_t qf_module_acquisition = {
    .name = "acquisition",
    .title = "Acquisition of qualifications: candidates, evaluation, decision, tracking (§4.1)",
    .specs = qf_acquisition_specs,
    .handlers = qf_acquisition_handlers,
    .store_open = qf_acquisition_store_open,
};
