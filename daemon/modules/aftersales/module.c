/*  The after-sales module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "aftersales/aftersales_config.h"
#include "aftersales/aftersales_store.h"
#include "aftersales/aftersales_timers.h"

extern const qf_command_spec_t qf_aftersales_specs[];
extern const qf_handler_t qf_aftersales_handlers[];

const qf_module_t qf_module_aftersales = {
    .name = "aftersales",
    .title = "After-sales callbacks (§6.4, §3.3): scheduled at delivery, opened on their working "
             "day, recorded, retried, escalated and overdue",
    .specs = qf_aftersales_specs,
    .handlers = qf_aftersales_handlers,
    .migrations = qf_aftersales_migrations,
    .migration_count = QF_AFTERSALES_MIGRATIONS,
    .store_open = qf_aftersales_store_open,
    .timer_kinds = qf_aftersales_timer_kinds,
    .config = &qf_aftersales_config_part,
};
