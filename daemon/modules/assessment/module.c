/*  The assessment module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "assessment/assessment_config.h"
#include "assessment/assessment_store.h"
#include "assessment/assessment_timers.h"

extern const qf_command_spec_t qf_assessment_specs[];
extern const qf_handler_t qf_assessment_handlers[];

const qf_module_t qf_module_assessment = {
    .name = "assessment",
    .title = "Performance assessment (§5.2): KPIs computed from contracts and callbacks per "
             "person and period, the scorecards at each period's end, the assessments",
    .specs = qf_assessment_specs,
    .handlers = qf_assessment_handlers,
    .migrations = qf_assessment_migrations,
    .migration_count = QF_ASSESSMENT_MIGRATIONS,
    .store_open = qf_assessment_store_open,
    .timer_kinds = qf_assessment_timer_kinds,
    .config = &qf_assessment_config_part,
    .tick = qf_assessment_tick,
};
