/*  qf_policy — policy changes (§7.2, "avoid"): a recorded change raises
    policy.changed on its effective date (at once when that is today or
    earlier; else a durable timer waits for it, qf_policy.h); the legal
    worker answers with policy.apply, which suspends the category's
    qualifications (no longer sellable) and tells sales. Lifting the policy
    clears every suspension it caused, whatever the qualification's state,
    and sends the approved ones to a new review, whose approval reinstates
    them. */
#include "policy/policy.h"
#include "policy/policy_store.h"
#include "contract/contract.h"
#include "proposal/proposal.h"
#include "qualification/qualification_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "qualification/qualification.h"
#include "policy/policy_timers.h"
#include "risk/risk.h"

#include <stdio.h>
#include <assert.h>
#include <string.h>

json_t *
qf_policy_active (qf_ctx_t *ctx, const char *category)
{
    json_t *ids = NULL;
    if (!category || qf_store_policies_active (ctx->store, category, &ids))
        return json_array ();
    return ids;
}

static int
s_load_policy (qf_ctx_t *ctx, json_t *args, json_t **policy_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "policy_id"));
    int rc = qf_store_policy_get (ctx->store, id, policy_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.policy_id", "no policy with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the policy: %s", qf_strerror (rc));
    return 0;
}

static int
s_policy_record (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    int32_t effective = 0;
    qf_date_parse (json_string_value (json_object_get (args, "effective")), &effective);
    /* Ahead of its date a policy waits, durably; from its date it acts. */
    bool pending = effective > qf_calendar_today (ctx->config, ctx->now);
    int64_t id = 0;
    int rc =
        qf_store_policy_add (ctx->store, json_string_value (json_object_get (args, "category")),
                             json_string_value (json_object_get (args, "description")), effective,
                             pending ? "pending" : "active", ctx->now, ctx->user, &id);
    if (rc == 0 && pending)
        rc = qf_policy_schedule_effective (ctx->store, ctx->config, id, effective, ctx->now);
    json_t *policy = NULL;
    if (rc == 0)
        rc = qf_store_policy_get (ctx->store, id, &policy);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, pending ? "policy.scheduled" : "policy.changed", "policy", id,
                          json_pack ("{s:O}", "policy", policy));
    if (rc) {
        json_decref (policy);
        return qf_ctx_error (ctx, rc, NULL, "could not record the policy: %s", qf_strerror (rc));
    }
    *result_p = policy;
    return 0;
}

/* A policy's states and what each allows (§7.2): recorded "pending" (its
   effective date ahead) or "active"; a pending one becomes active on its
   date; only an active one suspends; either can be lifted, for good. The
   store's updates are guarded by the same states. */
static const struct {
    const char *action, *from, *to;
} s_transitions[] = {
    {"take_effect", "pending", "active"},
    {"apply", "active", NULL},
    {"lift", "pending active", "lifted"},
};

/* Whether `action` is allowed in `state`; every caller names a row. */
static bool
s_allows (const char *state, const char *action)
{
    for (size_t i = 0; i < sizeof s_transitions / sizeof s_transitions[0]; i++)
        if (strcmp (s_transitions[i].action, action) == 0)
            return state && qf_word_in (state, s_transitions[i].from);
    assert (!"no such policy action in s_transitions");
    return false;
}

int
qf_policy_take_effect (qf_store_t *store, int64_t policy_id, int64_t now, bool late)
{
    int rc = qf_store_policy_activate (store, policy_id);
    if (rc == QF_ECONFLICT)
        return 0; /* lifted before its date: nothing takes effect */
    json_t *policy = NULL;
    if (rc == 0)
        rc = qf_store_policy_get (store, policy_id, &policy);
    if (rc)
        return rc;
    qf_info ("policy %lld (%s) takes effect on its date %s%s: policy.changed raised for the "
             "legal department",
             (long long)policy_id, json_string_value (json_object_get (policy, "category")),
             json_string_value (json_object_get (policy, "effective")),
             late ? ", late (the daemon was down)" : "");
    return qf_emit (store, now, "policy.changed", "policy", policy_id,
                    json_pack ("{s:o}", "policy", policy));
}

static int
s_policy_apply (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *policy = NULL;
    int rc = s_load_policy (ctx, args, &policy);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (policy, "id"));
    const char *state = json_string_value (json_object_get (policy, "state"));
    if (!s_allows (state, "apply")) {
        if (s_allows (state, "take_effect"))
            rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.policy_id",
                               "policy %lld takes effect on %s; it can be applied from then "
                               "(policy.changed is raised on that date)",
                               (long long)id,
                               json_string_value (json_object_get (policy, "effective")));
        else
            rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.policy_id",
                               "policy %lld is lifted; only an active policy suspends",
                               (long long)id);
        json_decref (policy);
        return rc;
    }
    json_t *ids = NULL, *flagged = json_array (), *flagged_contracts = json_array ();
    rc = qf_store_policy_suspend (
        ctx->store, id, json_string_value (json_object_get (policy, "category")), ctx->now, &ids);
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++) {
        json_int_t qid = json_integer_value (json_array_get (ids, i));
        const char *description = json_string_value (json_object_get (policy, "description"));
        rc = qf_ctx_emit (ctx, "qualification.suspended", "qualification", qid,
                          json_pack ("{s:I, s:I, s:s, s:[s]}", "qualification_id", qid, "policy_id",
                                     id, "reason", description, "recipients", "sales"));
        /* The open proposals holding it are flagged in the same transaction (§6.2). */
        char reason[512];
        snprintf (reason, sizeof reason,
                  "qualification %lld is suspended by policy %lld (%s) (§7.2): no longer sellable",
                  (long long)qid, (long long)id, description ? description : "");
        json_t *proposals = NULL;
        if (rc == 0)
            rc = qf_proposal_flag_qualification (ctx->store, ctx->now, qid, reason, 0, &proposals);
        json_array_extend (flagged, proposals);
        json_decref (proposals);
        /* And the open contracts holding it, sold or about to be (§7.2:
           handle those already sold). */
        json_t *contracts = NULL;
        if (rc == 0)
            rc = qf_contract_flag_qualification (ctx->store, ctx->now, qid, reason, &contracts);
        /* A contract holding several suspended qualifications is listed once. */
        for (size_t k = 0; k < json_array_size (contracts); k++) {
            json_t *contract = json_array_get (contracts, k), *listed;
            size_t n;
            bool seen = false;
            json_array_foreach (flagged_contracts, n, listed)
            {
                seen |= json_equal (listed, contract);
            }
            if (!seen)
                json_array_append (flagged_contracts, contract);
        }
        json_decref (contracts);
    }
    /* A policy risk on the register, naming what it suspended and the
       contracts already signed for them (§7.1). */
    if (rc == 0)
        rc = qf_risk_policy_applied (ctx->store, ctx->config, ctx->now, policy, ids,
                                     flagged_contracts,
                                     qf_ctx_who (ctx));
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "policy.applied", "policy", id,
                          json_pack ("{s:I, s:O, s:O, s:O}", "policy_id", id, "suspended", ids,
                                     "flagged_proposals", flagged, "flagged_contracts",
                                     flagged_contracts));
    json_decref (flagged_contracts);
    json_decref (flagged);
    json_decref (policy);
    if (rc) {
        json_decref (ids);
        return qf_ctx_error (ctx, rc, NULL, "could not apply the policy: %s", qf_strerror (rc));
    }
    *result_p = json_pack ("{s:I, s:o}", "policy_id", id, "suspended", ids);
    return *result_p ? 0 : QF_ENOMEM;
}

/* Clears the suspension policy `id` put on qualification `qid`, unless
   another active policy holds it too; an approved one goes to a new review
   (it must comply again), remembered so that its approval reinstates it. */
static int
s_unsuspend (qf_ctx_t *ctx, json_int_t id, json_int_t qid, json_t *reviewed, json_t *cleared)
{
    bool held = false;
    int rc = qf_store_suspension_held (ctx->store, qid, &held);
    if (rc || held)
        return rc;
    json_t *record = NULL;
    rc = qf_store_qual_get (ctx->store, qid, &record);
    if (rc)
        return rc == QF_ENOTFOUND ? 0 : rc;
    bool flagged = json_is_true (json_object_get (record, "suspended"));
    const char *to = NULL;
    bool approved =
        qf_qual_allows (json_string_value (json_object_get (record, "state")), "recheck", &to);
    int round = (int)json_integer_value (json_object_get (record, "round")) + 1;
    json_decref (record);
    record = NULL;
    if (!flagged)
        return 0;
    rc = qf_store_qual_set_suspended (ctx->store, qid, false, ctx->now);
    if (rc == 0)
        json_array_append_new (cleared, json_integer (qid));
    if (rc || !approved)
        return rc;
    rc = qf_store_qual_move (ctx->store, qid, to, round, ctx->now, &record);
    if (rc == 0)
        rc = qf_store_suspension_review (ctx->store, id, qid, round);
    if (rc == 0)
        rc = qf_ctx_request_review (ctx, record, round, json_pack ("{s:I}", "policy_lifted", id));
    if (rc == 0)
        json_array_append_new (reviewed, json_integer (qid));
    json_decref (record);
    return rc;
}

static int
s_policy_lift (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *policy = NULL;
    int rc = s_load_policy (ctx, args, &policy);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (policy, "id"));
    const char *state = json_string_value (json_object_get (policy, "state"));
    bool pending = s_allows (state, "take_effect");
    rc = s_allows (state, "lift") ? qf_store_policy_lift (ctx->store, id, ctx->now) : QF_ECONFLICT;
    json_decref (policy);
    if (rc == QF_ECONFLICT)
        return qf_ctx_error (ctx, rc, "args.policy_id", "policy %lld is already lifted",
                             (long long)id);
    /* Lifted before its date: it never takes effect. */
    if (rc == 0 && pending)
        rc = qf_policy_cancel_effective (ctx->store, id);
    json_t *ids = NULL, *reviewed = json_array (), *cleared = json_array ();
    if (rc == 0)
        rc = qf_store_policy_suspended (ctx->store, id, &ids);
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++)
        rc = s_unsuspend (ctx, id, json_integer_value (json_array_get (ids, i)), reviewed, cleared);
    json_decref (ids);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "policy.lifted", "policy", id,
                          json_pack ("{s:I, s:O, s:O}", "policy_id", id, "reviewed", reviewed,
                                     "unsuspended", cleared));
    if (rc) {
        json_decref (reviewed);
        json_decref (cleared);
        return qf_ctx_error (ctx, rc, NULL, "could not lift the policy: %s", qf_strerror (rc));
    }
    *result_p = json_pack ("{s:I, s:o, s:o}", "policy_id", id, "reviewed", reviewed, "unsuspended",
                           cleared);
    return *result_p ? 0 : QF_ENOMEM;
}

int
qf_policy_approved (qf_ctx_t *ctx, json_t *record, int round)
{
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    bool flagged = json_is_true (json_object_get (record, "suspended"));
    int64_t lifted = 0;
    int rc = qf_store_suspension_reviewed (ctx->store, id, round, &lifted);
    bool reinstate = rc == 0 && !flagged;
    if (rc == QF_ENOTFOUND) {
        /* Flagged with no active policy left in its category (it was
           rectified into another one): the flag goes with the approval. */
        rc = 0;
        json_t *active =
            qf_policy_active (ctx, json_string_value (json_object_get (record, "category")));
        if (flagged && json_array_size (active) == 0) {
            rc = qf_store_qual_set_suspended (ctx->store, id, false, ctx->now);
            reinstate = true;
        }
        json_decref (active);
    }
    if (rc || !reinstate)
        return rc;
    json_t *payload = json_pack ("{s:I, s:i}", "qualification_id", id, "round", round);
    if (payload && lifted)
        json_object_set_new (payload, "policy_id", json_integer (lifted));
    return qf_ctx_emit (ctx, "qualification.reinstated", "qualification", id, payload);
}

static int
s_policy_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int rc =
        qf_store_policies_json (ctx->store, json_string_value (json_object_get (args, "state")),
                                limit ? (int)json_integer_value (limit) : 100, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list policies: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o}", "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

/* The handlers of the commands described in policy_spec.c. */
const qf_handler_t qf_policy_handlers[] = {
    {"policy.record", s_policy_record},
    {"policy.apply", s_policy_apply},
    {"policy.lift", s_policy_lift},
    {"policy.list", s_policy_list},
    {NULL},
};
