/*  qf_policy — policy changes (§7.2, "avoid"), as the engine and the other
    modules call them. The commands (policy.record, .apply, .lift, .list)
    are in its module descriptor (module.c).

    A policy recorded with an effective date after today is "pending": a
    durable timer (qf_timers.h, kind policy_effective) makes it active at
    00:00 of that date, in policy.timezone, and only then is policy.changed
    raised, to which the legal worker answers with policy.apply. A policy
    effective today or earlier is active at once.
*/
#ifndef QF_POLICY_H
#define QF_POLICY_H

#include "qf_commands.h"

#include <stdbool.h>
#include <stdint.h>

/*  A pending policy takes effect: it becomes active and policy.changed is
    appended. Nothing happens to a policy that is no longer pending (lifted
    before its date). Inside a transaction; `late` when the timer fired
    late (the daemon was down). */
int qf_policy_take_effect (qf_store_t *store, int64_t policy_id, int64_t now, bool late);

/*  On a qualification's approval in review `round`: appends
    qualification.reinstated when the review was opened by lifting the
    policy that suspended it, or when it is still flagged suspended and no
    active policy covers its category (then the flag is cleared). */
int qf_policy_approved (qf_ctx_t *ctx, json_t *record, int round);

/*  Ids of the active policies of a category, for review requests (new array). */
json_t *qf_policy_active (qf_ctx_t *ctx, const char *category);

#endif
