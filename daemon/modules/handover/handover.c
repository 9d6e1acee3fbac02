/*  handover — the delivery tasks of signed contracts (§6.3 execution).
    Signing opens them (qf_handover_open, called by the contract module
    in the signing's transaction): for each qualification sold, the
    processing team (role review) carries out the processing steps the
    proposal quoted, then logistics hands the certificate over from
    custody to the customer, which updates its archive record
    (qf_custody_transfer). A contract is delivered once every task is
    done; its cancellation cancels the open ones. */
#include "handover/handover.h"
#include "custody/custody.h"
#include "handover/handover_store.h"
#include "proposal/proposal_store.h"
#include "qf.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <stdio.h>
#include <string.h>

#define KIND_PROCESSING "processing"
#define KIND_TRANSFER   "transfer"

/* The team (a role) that carries out a task of each kind. */
static const char *
s_team (const char *kind)
{
    return strcmp (kind, KIND_PROCESSING) == 0 ? "review" : "logistics";
}

/* The processing steps quoted by the proposal version the contract came
   from (body.proposal: {id, version}); an empty array when none. */
static int
s_steps (qf_store_t *store, json_t *body, json_t **steps_p)
{
    json_t *source = json_object_get (body, "proposal"), *versions = NULL;
    json_int_t version = json_integer_value (json_object_get (source, "version"));
    int rc = qf_store_proposal_versions (
        store, json_integer_value (json_object_get (source, "id")), &versions);
    if (rc)
        return rc;
    json_t *steps = NULL;
    for (size_t i = 0; i < json_array_size (versions); i++) {
        json_t *entry = json_array_get (versions, i);
        if (json_integer_value (json_object_get (entry, "version")) == version)
            steps = json_object_get (entry, "steps");
    }
    *steps_p = json_is_array (steps) ? json_incref (steps) : json_array ();
    json_decref (versions);
    return *steps_p ? 0 : QF_ENOMEM;
}

/* Appends `topic` about the task, to `recipient`, with `extra` fields
   (may be NULL; taken). */
static int
s_event (qf_store_t *store, int64_t now, const char *topic, json_t *task, const char *recipient,
         json_t *extra)
{
    json_t *payload = json_pack (
        "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:[s]}", "task_id",
        json_object_get (task, "id"), "contract_id", json_object_get (task, "contract_id"),
        "number", json_object_get (task, "number"), "qualification_id",
        json_object_get (task, "qualification_id"), "name", json_object_get (task, "name"), "kind",
        json_object_get (task, "kind"), "team", json_object_get (task, "team"), "due",
        json_object_get (task, "due"), "customer", json_object_get (task, "customer"), "owner",
        json_object_get (task, "owner"), "steps", json_object_get (task, "steps"), "recipients",
        recipient);
    if (payload && extra)
        json_object_update (payload, extra);
    json_decref (extra);
    return qf_emit (store, now, topic, "contract",
                    json_integer_value (json_object_get (task, "contract_id")), payload);
}

int
qf_handover_open (qf_store_t *store, int64_t now, json_t *contract, json_t *body)
{
    json_t *steps = NULL, *none = json_array ();
    int rc = none ? s_steps (store, body, &steps) : QF_ENOMEM;
    json_t *lines = json_object_get (body, "lines");
    const char *const kinds[] = {KIND_PROCESSING, KIND_TRANSFER};
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        json_t *line = json_array_get (lines, i);
        for (size_t k = 0; rc == 0 && k < 2; k++) {
            json_t *task = json_pack (
                "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:s, s:O, s:O}", "contract_id",
                json_object_get (contract, "id"), "number", json_object_get (contract, "number"),
                "customer",
                json_object_get (json_object_get (json_object_get (body, "parties"), "customer"),
                                 "name"),
                "owner", json_object_get (contract, "owner"), "qualification_id",
                json_object_get (line, "qualification_id"), "name", json_object_get (line, "name"),
                "cert_no", json_object_get (line, "cert_no"), "kind", kinds[k], "team",
                s_team (kinds[k]), "due", json_object_get (body, "delivery"), "steps",
                k == 0 ? steps : none);
            int64_t id = 0;
            rc = task ? qf_store_handover_add (store, task, now, &id) : QF_ENOMEM;
            if (rc == 0)
                rc = json_object_set_new (task, "id", json_integer (id)) ? QF_ENOMEM : 0;
            if (rc == 0)
                rc = s_event (store, now, "handover.opened", task, s_team (kinds[k]), NULL);
            json_decref (task);
        }
    }
    json_decref (steps);
    json_decref (none);
    return rc;
}

int
qf_handover_open_of (qf_store_t *store, int64_t contract_id, json_t **open_p)
{
    return qf_store_handover_open_of (store, contract_id, open_p);
}

int
qf_handover_of (qf_store_t *store, int64_t contract_id, json_t **tasks_p)
{
    return qf_store_handover_of (store, contract_id, tasks_p);
}

int
qf_handover_cancel (qf_store_t *store, int64_t now, int64_t contract_id, const char *by)
{
    json_t *open = NULL;
    int rc = qf_store_handover_open_of (store, contract_id, &open);
    for (size_t i = 0; rc == 0 && i < json_array_size (open); i++) {
        json_t *task = json_array_get (open, i);
        rc = qf_store_handover_close (store, json_integer_value (json_object_get (task, "id")),
                                      "cancelled", by, "the contract was cancelled", now);
        if (rc == 0)
            rc = s_event (store, now, "handover.cancelled", task,
                          json_string_value (json_object_get (task, "team")), NULL);
    }
    json_decref (open);
    return rc;
}

/* Handlers ------------------------------------------------------------------ */

/* A transfer waits for the processing of the same qualification. */
static int
s_processing_done (qf_ctx_t *ctx, json_t *task)
{
    json_t *open = NULL;
    int rc = qf_store_handover_open_of (
        ctx->store, json_integer_value (json_object_get (task, "contract_id")), &open);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the delivery tasks: %s",
                             qf_strerror (rc));
    json_int_t qual = json_integer_value (json_object_get (task, "qualification_id"));
    for (size_t i = 0; rc == 0 && i < json_array_size (open); i++) {
        json_t *other = json_array_get (open, i);
        if (json_integer_value (json_object_get (other, "qualification_id")) == qual &&
            strcmp (json_string_value (json_object_get (other, "kind")), KIND_PROCESSING) == 0)
            rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                               "task %lld hands the certificate of qualification %lld over, "
                               "which follows its processing: task %lld (review) is still open",
                               (long long)json_integer_value (json_object_get (task, "id")),
                               (long long)qual,
                               (long long)json_integer_value (json_object_get (other, "id")));
    }
    json_decref (open);
    return rc;
}

/* handover.done: a task finished by its own team. */
static int
s_done (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    json_t *task = NULL;
    int rc = qf_store_handover_get (ctx->store, id, &task);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id", "no delivery task with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the task: %s", qf_strerror (rc));
    const char *kind = json_string_value (json_object_get (task, "kind"));
    const char *team = json_string_value (json_object_get (task, "team"));
    const char *state = json_string_value (json_object_get (task, "state"));
    if (strcmp (ctx->role, team) != 0)
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "args.id",
                           "task %lld (%s) is the %s team's; role %s may not finish it", (long long)id,
                           kind, team, ctx->role);
    else if (strcmp (state, "open") != 0)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id", "task %lld is %s, not open",
                           (long long)id, state);
    else if (strcmp (kind, KIND_TRANSFER) == 0)
        rc = s_processing_done (ctx, task);
    if (rc == 0 && strcmp (kind, KIND_TRANSFER) == 0) {
        char why[512];
        rc = qf_custody_transfer (
            ctx->store, ctx->now, json_integer_value (json_object_get (task, "qualification_id")),
            json_string_value (json_object_get (task, "customer")),
            json_integer_value (json_object_get (task, "contract_id")), qf_ctx_who (ctx), why,
            sizeof why);
        if (rc == QF_ECONFLICT)
            qf_ctx_error (ctx, rc, "args.id", "task %lld: %s", (long long)id, why);
    }
    const char *note = json_string_value (json_object_get (args, "note"));
    if (rc == 0)
        rc = qf_store_handover_close (ctx->store, id, "done", qf_ctx_who (ctx), note, ctx->now);
    if (rc == 0)
        rc = s_event (ctx->store, ctx->now, "handover.done", task,
                      json_string_value (json_object_get (task, "owner")),
                      json_pack ("{s:s, s:s?}", "by", qf_ctx_who (ctx), "note", note));
    json_t *open = NULL;
    json_int_t contract = json_integer_value (json_object_get (task, "contract_id"));
    if (rc == 0)
        rc = qf_store_handover_open_of (ctx->store, contract, &open);
    if (rc == 0 && json_array_size (open) == 0)
        rc = qf_ctx_emit (ctx, "handover.completed", "contract", contract,
                          json_pack ("{s:I, s:O, s:O, s:O, s:[O]}", "contract_id", contract,
                                     "number", json_object_get (task, "number"), "customer",
                                     json_object_get (task, "customer"), "due",
                                     json_object_get (task, "due"), "recipients",
                                     json_object_get (task, "owner")));
    json_decref (open);
    json_decref (task);
    if (rc == 0)
        rc = qf_store_handover_get (ctx->store, id, result_p);
    if (rc && !ctx->error[0])
        qf_ctx_error (ctx, rc, NULL, "could not record the task: %s", qf_strerror (rc));
    return rc;
}

/* handover.list: paged by id. */
static int
s_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int n = limit ? (int)json_integer_value (limit) : 100;
    int rc = qf_store_handover_list (ctx->store, json_string_value (json_object_get (args, "state")),
                                     json_integer_value (json_object_get (args, "contract_id")),
                                     json_string_value (json_object_get (args, "team")),
                                     json_integer_value (json_object_get (args, "next")), n, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list delivery tasks: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, n));
    return *result_p ? 0 : QF_ENOMEM;
}

/* The handlers of the commands described in handover_spec.c. */
const qf_handler_t qf_handover_handlers[] = {
    {"handover.list", s_list},
    {"handover.done", s_done},
    {NULL},
};
