/*  fuzz_args — a request from the wire to the end of its validation: the
    REQUEST decoder, the envelope check (role, user, args, idempotency
    key), the role check and the command table's argument checks
    (qf_commands_check), as the daemon runs them before a handler.

    Input: the command name, a newline, then the request body (JSON text,
    or anything). Both go into the frames of a REQUEST message.

    Invariants: each step returns 0 or one of the errors it documents,
    with a message on failure; the step after a success always runs.
*/
#include "qf_fuzz.h"

#include "qf_commands.h"
#include "qf_config.h"
#include "qf_error.h"
#include "qf_msg.h"

#include <string.h>

/*  The shipped configuration, loaded once: arguments whose values the
    configuration lists (category, authority, department) are checked
    against it, as in the daemon. Read from $QF_ROOT, else the current
    folder (make fuzz and the replay run at the top of the tree). */
static const qf_config_t *
s_config (void)
{
    static qf_config_t *config = NULL;
    if (!config) {
        char path[4096], error[1024] = "";
        const char *root = getenv ("QF_ROOT");
        snprintf (path, sizeof path, "%s/config/qualflow.yaml", root ? root : ".");
        if (qf_config_load (path, &config, error, sizeof error) != 0) {
            fprintf (stderr, "fuzz: cannot load %s: %s\n", path, error);
            abort ();
        }
    }
    return config;
}

/*  Whether a failed step left a message and a known error code. */
static bool
s_refused_clearly (const qf_ctx_t *ctx, int rc)
{
    return (rc == QF_EINVAL || rc == QF_ETOOBIG || rc == QF_EFORBIDDEN) && ctx->error[0] &&
           memchr (ctx->error, 0, sizeof ctx->error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const uint8_t *newline = memchr (data, '\n', size);
    size_t name_size = newline ? (size_t)(newline - data) : size;
    const uint8_t *body = newline ? newline + 1 : data + size;
    qf_frame_t frames[] = {
        {QF_PROTOCOL, strlen (QF_PROTOCOL)},  {"REQUEST", 7}, {"1", 1}, {data, name_size},
        {body, (size_t)(data + size - body)},
    };
    qf_msg_t msg;
    memset (&msg, 0, sizeof msg);
    if (qf_msg_decode (&msg, frames, 5, false) != 0) {
        QF_FUZZ_REQUIRE (msg.body == NULL && msg.error[0]);
        return 0;
    }
    QF_FUZZ_REQUIRE (msg.id == QF_MSG_REQUEST && json_is_object (msg.body));

    qf_ctx_t ctx;
    memset (&ctx, 0, sizeof ctx);
    ctx.config = s_config ();
    const char *role = NULL, *user = NULL, *key = NULL;
    json_t *args = NULL;
    int rc = qf_commands_envelope (&ctx, msg.body, &role, &user, &args, &key);
    if (rc != 0)
        QF_FUZZ_REQUIRE (s_refused_clearly (&ctx, rc));
    else {
        QF_FUZZ_REQUIRE (role && user && (!args || json_is_object (args)));
        ctx.role = role;
        ctx.user = user;
        const qf_command_t *command = qf_commands_find (msg.command);
        if (command) {
            rc = qf_commands_authorize (&ctx, command);
            QF_FUZZ_REQUIRE (rc == 0 || s_refused_clearly (&ctx, rc));
        }
        /* Checked whatever the role, so every command's rules are reached. */
        json_t *none = args ? NULL : json_object ();
        rc = command ? qf_commands_check (&ctx, command, args ? args : none) : QF_EINVAL;
        QF_FUZZ_REQUIRE (rc == 0 || !command || s_refused_clearly (&ctx, rc));
        json_decref (none);
    }
    qf_msg_reset (&msg);
    return 0;
}
