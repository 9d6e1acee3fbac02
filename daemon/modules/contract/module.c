/*  The contract module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "contract/contract_config.h"
#include "contract/contract_store.h"
#include "contract/contract_timers.h"

extern const qf_command_spec_t qf_contract_specs[];
extern const qf_handler_t qf_contract_handlers[];

const qf_module_t qf_module_contract = {
    .name = "contract",
    .title = "Contracts (§6.3): drafting, three-department review, signing, receivables, delivery",
    .specs = qf_contract_specs,
    .handlers = qf_contract_handlers,
    .migrations = qf_contract_migrations,
    .migration_count = QF_CONTRACT_MIGRATIONS,
    .store_open = qf_contract_store_open,
    .timer_kinds = qf_contract_timer_kinds,
    .config = &qf_contract_config_part,
};
