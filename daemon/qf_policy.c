/*  qf_policy — policy changes (§7.2, "avoid"): a recorded change raises
    policy.changed; the legal worker answers with policy.apply, which
    suspends the category's qualifications (no longer sellable) and tells
    sales; lifting the policy sends them to a new review, and their
    approval lifts the suspension. */
#include "qf.h"
#include "qf_command.h"

#include <stdio.h>
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
    int64_t id = 0;
    int rc =
        qf_store_policy_add (ctx->store, json_string_value (json_object_get (args, "category")),
                             json_string_value (json_object_get (args, "description")), effective,
                             ctx->now, ctx->user, &id);
    json_t *policy = NULL;
    if (rc == 0)
        rc = qf_store_policy_get (ctx->store, id, &policy);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "policy.changed", "policy", id,
                          json_pack ("{s:O}", "policy", policy));
    if (rc) {
        json_decref (policy);
        return qf_ctx_error (ctx, rc, NULL, "could not record the policy: %s", qf_strerror (rc));
    }
    *result_p = policy;
    return 0;
}

static int
s_policy_apply (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *policy = NULL;
    int rc = s_load_policy (ctx, args, &policy);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (policy, "id"));
    if (strcmp (json_string_value (json_object_get (policy, "state")), "active") != 0) {
        json_decref (policy);
        return qf_ctx_error (ctx, QF_ECONFLICT, "args.policy_id",
                             "policy %lld is lifted; only an active policy suspends",
                             (long long)id);
    }
    json_t *ids = NULL;
    rc = qf_store_policy_suspend (
        ctx->store, id, json_string_value (json_object_get (policy, "category")), ctx->now, &ids);
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++) {
        json_int_t qid = json_integer_value (json_array_get (ids, i));
        rc = qf_ctx_emit (ctx, "qualification.suspended", "qualification", qid,
                          json_pack ("{s:I, s:I, s:s, s:[s]}", "qualification_id", qid, "policy_id",
                                     id, "reason",
                                     json_string_value (json_object_get (policy, "description")),
                                     "recipients", "sales"));
    }
    /* Proposals and contracts that use them are flagged once sales exist (§6). */
    if (rc == 0)
        rc = qf_ctx_emit (
            ctx, "policy.applied", "policy", id,
            json_pack ("{s:I, s:O, s:[]}", "policy_id", id, "suspended", ids, "flagged_contracts"));
    json_decref (policy);
    if (rc) {
        json_decref (ids);
        return qf_ctx_error (ctx, rc, NULL, "could not apply the policy: %s", qf_strerror (rc));
    }
    *result_p = json_pack ("{s:I, s:o}", "policy_id", id, "suspended", ids);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_policy_lift (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *policy = NULL;
    int rc = s_load_policy (ctx, args, &policy);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (policy, "id"));
    json_decref (policy);
    rc = qf_store_policy_lift (ctx->store, id, ctx->now);
    if (rc == QF_ECONFLICT)
        return qf_ctx_error (ctx, rc, "args.policy_id", "policy %lld is already lifted",
                             (long long)id);
    json_t *ids = NULL, *reviewed = json_array ();
    if (rc == 0)
        rc = qf_store_policy_suspended (ctx->store, id, &ids);
    /* Each suspended qualification must comply again: a new review. */
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++) {
        json_int_t qid = json_integer_value (json_array_get (ids, i));
        json_t *record = NULL;
        rc = qf_store_qual_get (ctx->store, qid, &record);
        if (rc)
            break;
        const char *state = json_string_value (json_object_get (record, "state"));
        if (strcmp (state, "approved") == 0 &&
            json_is_true (json_object_get (record, "suspended"))) {
            int round = (int)json_integer_value (json_object_get (record, "round")) + 1;
            rc = qf_store_qual_set_state (ctx->store, qid, "in_review", round, ctx->now);
            json_decref (record);
            record = NULL;
            if (rc == 0)
                rc = qf_store_qual_get (ctx->store, qid, &record);
            if (rc == 0)
                rc = qf_ctx_request_review (ctx, record, round,
                                            json_pack ("{s:I}", "policy_lifted", id));
            json_array_append_new (reviewed, json_integer (qid));
        }
        json_decref (record);
    }
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "policy.lifted", "policy", id,
                          json_pack ("{s:I, s:O}", "policy_id", id, "reviewed", reviewed));
    json_decref (ids);
    if (rc) {
        json_decref (reviewed);
        return qf_ctx_error (ctx, rc, NULL, "could not lift the policy: %s", qf_strerror (rc));
    }
    *result_p = json_pack ("{s:I, s:o}", "policy_id", id, "reviewed", reviewed);
    return *result_p ? 0 : QF_ENOMEM;
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

const qf_command_t qf_policy_commands[] = {
    {"policy.record",
     "legal management",
     true,
     s_policy_record,
     {{"category", A_CATEGORY, true, 1, 64},
      {"description", A_TEXT, true, 1, TEXT_MAX},
      {"effective", A_DATE, true},
      {NULL}}},
    {"policy.apply",
     "legal",
     true,
     s_policy_apply,
     {{"policy_id", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {"policy.lift",
     "legal management",
     true,
     s_policy_lift,
     {{"policy_id", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {"policy.list",
     "*",
     false,
     s_policy_list,
     {{"state", A_ENUM, false, 0, 0, "active lifted"}, {"limit", A_INT, false, 1, 1000}, {NULL}}},
};
const size_t qf_policy_command_count = sizeof qf_policy_commands / sizeof qf_policy_commands[0];
