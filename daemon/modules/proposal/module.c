/*  The proposal module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "proposal/proposal_config.h"
#include "proposal/proposal_store.h"
#include "proposal/proposal_timers.h"

extern const qf_command_spec_t qf_proposal_specs[];
extern const qf_handler_t qf_proposal_handlers[];

const qf_module_t qf_module_proposal = {
    .name = "proposal",
    .title = "Proposals and negotiation (§6.2) under the discount discipline (§5.3)",
    .specs = qf_proposal_specs,
    .handlers = qf_proposal_handlers,
    .migrations = qf_proposal_migrations,
    .migration_count = QF_PROPOSAL_MIGRATIONS,
    .store_open = qf_proposal_store_open,
    .timer_kinds = qf_proposal_timer_kinds,
    .config = &qf_proposal_config_part,
};
