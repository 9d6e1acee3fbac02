/*  probe — a module built only for tests (qualflowd-test): one command
    that writes, one that reads, one table of its own, one event, one
    timer kind (probe.remind: a note with remind_on raises probe.reminded
    at 00:00 of that day, or at once when it has passed), one
    configuration key (probe.max_note_bytes, in probe_config.c). It plugs
    into the engine the way a business module does, through its folder and
    its descriptor (module.c), and no engine file names it: the proof that
    a new module needs no edit of daemon/. */
#include "probe_config.h"
#include "probe_store.h"
#include "qf.h"

#include <string.h>
#include "qf_command.h"
#include "qf_emit.h"
#include "qf_time.h"
#include "qf_timers.h"

/* probe.note: records a note and raises probe.noted with it. */
static int
s_note (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *note = NULL;
    const char *text = json_string_value (json_object_get (args, "text"));
    int most = qf_probe_config (ctx->config)->max_note_bytes;
    if (strlen (text) > (size_t)most)
        return qf_ctx_error (ctx, QF_EINVAL, "args.text",
                             "args.text is %zu bytes long; probe.max_note_bytes allows %d",
                             strlen (text), most);
    int rc = qf_probe_note_add (ctx->store, text, ctx->user, ctx->now, &note);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the note: %s", qf_strerror (rc));
    json_int_t id = json_integer_value (json_object_get (note, "id"));
    const char *remind_on = json_string_value (json_object_get (args, "remind_on"));
    int32_t day = 0;
    if (remind_on && qf_date_parse (remind_on, &day) == 0) {
        char subject[QF_SUBJECT_MAX + 1];
        rc = qf_timers_add (ctx->store, ctx->config, "probe.remind",
                            qf_subject (subject, sizeof subject, "probe", id), day, 0, note,
                            ctx->now);
    }
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "probe.noted", "probe", id, json_pack ("{s:O}", "note", note));
    if (rc == 0 && json_object_get (args, "fail")) {
        json_decref (note);
        return qf_ctx_error (ctx, QF_ECONFLICT, "args.fail",
                             "note %lld and its event were recorded, then refused (args.fail)",
                             (long long)id);
    }
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

/* The probe.remind timer: raises probe.reminded with the note it carries. */
static int
s_remind (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
          bool late)
{
    (void)config;
    const char *id = strchr (timer->subject, '/');
    return qf_emit_named (store, now, "probe.reminded", "probe", id ? id + 1 : timer->subject,
                          json_pack ("{s:O?, s:b}", "note", timer->payload, "late", late));
}

const qf_timer_kind_t qf_probe_timer_kinds[] = {
    {"probe.remind", QF_TIMER_AT_DAY_START, true, s_remind},
    {NULL},
};

/* Handlers, bound by name to the specs of probe_spec.c. */
const qf_handler_t qf_probe_handlers[] = {
    {"probe.note", s_note},
    {"probe.note_guarded", s_note},
    {"probe.get", s_get},
    {NULL},
};
