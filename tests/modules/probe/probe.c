/*  probe — a module built only for tests (qualflowd-test): one command
    that writes, one that reads, one table of its own, one event. It plugs
    into the engine the way a business module does, through its folder and
    its descriptor (module.c), and no engine file names it: the proof that
    a new module needs no edit of daemon/. */
#include "probe_store.h"
#include "qf.h"
#include "qf_command.h"

/* probe.note: records a note and raises probe.noted with it. */
static int
s_note (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *note = NULL;
    int rc = qf_probe_note_add (ctx->store, json_string_value (json_object_get (args, "text")),
                                ctx->user, ctx->now, &note);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the note: %s", qf_strerror (rc));
    rc =
        qf_ctx_emit (ctx, "probe.noted", "probe", json_integer_value (json_object_get (note, "id")),
                     json_pack ("{s:O}", "note", note));
    if (rc) {
        json_decref (note);
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    }
    *result_p = note;
    return 0;
}

/* probe.get: one note by id. */
static int
s_get (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    int rc = qf_probe_note_get (ctx->store, id, result_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id", "no probe note %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the note: %s", qf_strerror (rc));
    return 0;
}

/* Commands ------------------------------------------------------------------ */

const qf_command_t qf_probe_commands[] = {
    {.name = "probe.note",
     .roles = "review",
     .writes = true,
     .handler = s_note,
     .args = {{"text", A_TEXT, true, 1, 200}, {NULL}}},
    {.name = "probe.get",
     .roles = "*",
     .writes = false,
     .handler = s_get,
     .args = {{"id", A_INT, true, 1, INT64_MAX}, {NULL}}},
    {.name = NULL},
};
