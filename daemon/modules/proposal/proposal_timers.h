/*  proposal_timers — the proposal module's durable timer (§3.1, §6.2),
    its kind declared in its module descriptor (qf_timers.h):
      proposal_sale_window  00:00 of the first day a qualification an open
                            proposal offers has less validity left than
                            policy.min_validity_for_sale_days: it stops
                            being sellable with no event of its own, so the
                            proposal is flagged then (if it still holds it
                            and it is indeed no longer sellable, and is
                            not flagged for it yet). None with a minimum
                            of 0: the expiry timer marks that day.
    Its subject is the proposal ("proposal/3"), its anchor the
    qualification's expiry day, its payload {"qualification_id"}. A
    proposal's timers follow its current version: placed again at each
    version, cancelled when it is closed.
*/
#ifndef QF_PROPOSAL_TIMERS_H
#define QF_PROPOSAL_TIMERS_H

#include <jansson.h>

#include "qf_timers.h"

/* The kinds, NULL-name-terminated (qf_module_t.timer_kinds). */
extern const qf_timer_kind_t qf_proposal_timer_kinds[];

/*  Places proposal `id`'s timers for its version's `lines` (each with
    qualification_id and expires), replacing those it had. Inside a
    transaction. */
int qf_proposal_watch (qf_store_t *store, const qf_config_t *config, int64_t id, json_t *lines,
                       int64_t now);

/*  Cancels them: the proposal is closed. Inside a transaction. */
int qf_proposal_unwatch (qf_store_t *store, int64_t id);

#endif
