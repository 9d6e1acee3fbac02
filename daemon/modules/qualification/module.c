/*  The qualification module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "qualification/qualification_store.h"
#include "qualification/qualification.h"

extern const qf_command_t qf_qualification_commands[];

const qf_module_t qf_module_qualification = {
    .name = "qualification",
    .title = "The qualification and its review (§4.2)",
    .store_open = qf_qualification_store_open,
    .commands = qf_qualification_commands,
};
