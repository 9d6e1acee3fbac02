/*  policy_timers — a pending policy waits for its effective date as a
    durable timer (policy_timers.h). */
#include "policy/policy_timers.h"
#include "policy/policy.h"
#include "qf_emit.h"
#include "qf.h"

#define KIND           "policy_effective"
#define SUBJECT_PREFIX "policy"

int
qf_policy_schedule_effective (qf_store_t *store, const qf_config_t *config, int64_t policy_id,
                              int32_t effective, int64_t now)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, SUBJECT_PREFIX, policy_id);
    return qf_timers_add (store, config, KIND, subject, effective, 0, NULL, now);
}

int
qf_policy_cancel_effective (qf_store_t *store, int64_t policy_id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, SUBJECT_PREFIX, policy_id);
    return qf_timers_cancel (store, subject, KIND);
}

/* A pending policy change takes effect on its date. */
static int
s_fire (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
        bool late)
{
    (void)config;
    int64_t policy_id = 0;
    if (qf_timers_subject_id (timer->subject, SUBJECT_PREFIX, &policy_id)) {
        qf_warn ("timer %lld (%s): %s is not a policy: it fires without an event",
                 (long long)timer->id, timer->kind, timer->subject);
        return 0;
    }
    return qf_policy_take_effect (store, policy_id, now, late);
}

const qf_timer_kind_t qf_policy_timer_kinds[] = {
    {KIND, QF_TIMER_AT_DAY_START, false, s_fire},
    {NULL},
};
