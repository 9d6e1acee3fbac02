/*  The policy module: what it brings to the engine (qf_module.h). */
#include "qf_module.h"
#include "policy/policy_store.h"
#include "policy/policy.h"
#include "policy/policy_timers.h"

extern const qf_command_spec_t qf_policy_specs[];
extern const qf_handler_t qf_policy_handlers[];

const qf_module_t qf_module_policy = {
    .name = "policy",
    .title = "Policy changes: recording, suspending, lifting (§7.2)",
    .specs = qf_policy_specs,
    .handlers = qf_policy_handlers,
    .store_open = qf_policy_store_open,
    .timer_kinds = qf_policy_timer_kinds,
};
