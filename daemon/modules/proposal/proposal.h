/*  proposal — proposals and negotiation (§6.2) under the discount
    discipline of §5.3: what the other business modules call (contracts
    price their lines with the same rule; the qualification's owners of
    state flag the proposals that hold a qualification no longer sellable).
    Modules call each other through these C functions, never through the
    wire dispatcher. */
#ifndef QF_PROPOSAL_H
#define QF_PROPOSAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "qf_command.h"
#include "qf_config.h"
#include "qf_store.h"

/* §5.3: a price of a qualification judged for a role. */
typedef struct {
    double list_price;    /* qualification_prices, else its category's list_prices */
    double discount;      /* percent below the list price; 0 when not below */
    int limit;            /* the role's policy.max_discount_ROLE; 0 for a role without one */
    double floor;         /* the lowest price the role may grant alone */
    bool needs_approval;  /* the price is below the floor */
    const char *approver; /* the first of supervisor, management whose limit allows the
                             discount; NULL when none does */
} qf_price_check_t;

/*  The most discount (percent) `role` may grant or approve:
    policy.max_discount_sales, _supervisor, _management; 0 for any other
    role. */
int qf_proposal_role_limit (const qf_config_t *config, const char *role);

/*  The list price of the qualification `record` (as qf_store_qual_get
    reads it): its own entry in qualification_prices, else its category's
    in list_prices. QF_ENOTFOUND when neither is configured. */
int qf_proposal_list_price (const qf_config_t *config, json_t *record, double *price_p);

/*  Judges `price` for the qualification `record` when `role` grants it:
    fills *check_p (list price, discount, the role's limit and floor,
    whether an approval is needed and which role may give it). A price at
    or above the list price needs nothing. QF_ENOTFOUND when the
    qualification has no list price. Pure. */
int qf_proposal_price_check (const qf_config_t *config, const char *role, json_t *record,
                             double price, qf_price_check_t *check_p);

/*  Keeps a violation of the acting user (qf_staff_conduct_keep: a row of
    the staff module's violations and staff.conduct_recorded), with
    policy.discount_conduct_severity, `rule` and the keys of `details`
    (taken): §5.3's record of a promise beyond the rules, which stays on
    record although the command that found it is refused. */
int qf_proposal_conduct (qf_ctx_t *ctx, const char *rule, json_t *details);

/*  Qualification `qual_id` stopped being sellable (`reason` says why, in a
    sentence): flags every open proposal (draft, sent) other than `except`
    (0: none) whose current version holds it, and appends proposal.flagged
    for each, in the caller's transaction. Called where the qualification
    changes: policy.apply's suspension, the expiry timer, a renewal back
    to review, a proposal accepted for it. *flagged_p (may be NULL) gets
    the flagged proposals' ids (caller owns). */
int qf_proposal_flag_qualification (qf_store_t *store, int64_t now, int64_t qual_id,
                                    const char *reason, int64_t except, json_t **flagged_p);

/*  Flags proposal `id` (qualification `qual_id` stopped being sellable,
    `reason` says why) and appends proposal.flagged, whatever its state:
    the one-proposal step of qf_proposal_flag_qualification, also taken by
    the proposal's own timer (proposal_timers.h). */
int qf_proposal_flag (qf_store_t *store, int64_t now, int64_t id, int64_t qual_id,
                      const char *reason);

#endif
