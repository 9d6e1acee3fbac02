/*  policy_timers — the policy module's durable timer (§7.2), its kind
    declared in its module descriptor (qf_timers.h):
      policy_effective  00:00 of a pending policy's effective date, in
                        policy.timezone: the policy takes effect
                        (qf_policy_take_effect).
    Its subject is the policy ("policy/3"), its anchor the effective date,
    its payload empty.
*/
#ifndef QF_POLICY_TIMERS_H
#define QF_POLICY_TIMERS_H

#include "qf_timers.h"

/* The kinds, NULL-name-terminated (qf_module_t.timer_kinds). */
extern const qf_timer_kind_t qf_policy_timer_kinds[];

/*  Schedules the start of a pending policy's effective date. Inside a
    transaction. */
int qf_policy_schedule_effective (qf_store_t *store, const qf_config_t *config, int64_t policy_id,
                                  int32_t effective, int64_t now);

/*  Cancels it: the policy was lifted before its date. Inside a transaction. */
int qf_policy_cancel_effective (qf_store_t *store, int64_t policy_id);

#endif
