/*  The qualification module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "qualification/qualification_config.h"
#include "qualification/qualification_store.h"
#include "qualification/qualification.h"

extern const qf_command_spec_t qf_qualification_specs[];
extern const qf_handler_t qf_qualification_handlers[];

const qf_module_t qf_module_qualification = {
    .name = "qualification",
    .title = "The qualification and its review (§4.2)",
    .specs = qf_qualification_specs,
    .handlers = qf_qualification_handlers,
    .store_open = qf_qualification_store_open,
    .config = &qf_qualification_config_part,
};
