/*  The feedback module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "feedback/feedback_config.h"
#include "feedback/feedback_store.h"
#include "feedback/feedback_timers.h"

extern const qf_command_spec_t qf_feedback_specs[];
extern const qf_handler_t qf_feedback_handlers[];

const qf_module_t qf_module_feedback = {
    .name = "feedback",
    .title = "After-sales feedback (§6.4, §3.3): technical and service cases with their "
             "deadlines, the outcome told before closing, the feedback report and digests",
    .specs = qf_feedback_specs,
    .handlers = qf_feedback_handlers,
    .migrations = qf_feedback_migrations,
    .migration_count = QF_FEEDBACK_MIGRATIONS,
    .store_open = qf_feedback_store_open,
    .timer_kinds = qf_feedback_timer_kinds,
    .config = &qf_feedback_config_part,
};
