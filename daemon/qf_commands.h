/*  qf_commands — the command table: every command a client or a worker's
    result may run, its spec (roles, arguments) bound to its handler and
    checked before the handler runs (after Redis's command table).

    A command runs inside the transaction and savepoint that the server has
    opened; its state changes and the events it appends commit together.
*/
#ifndef QF_COMMANDS_H
#define QF_COMMANDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "qf_config.h"
#include "qf_msg.h"
#include "qf_store.h"

/* Calls one command may keep (qf_ctx_keep_call). */
#define QF_KEPT_CALLS_MAX 8

/*  Work that must be on record with a kept event (qf_ctx_keep,
    qf_command.h), in the store: its rows survive the command's refusal as
    the event does. Runs where the kept events are appended, in the order
    kept, at the command's time, with `payload` (borrowed); appends its own
    events. It sees no ctx: the refusal's message is still to be sent. */
typedef int (qf_kept_fn) (qf_store_t *store, const qf_config_t *config, int64_t now,
                          json_t *payload);

/* What a command runs with. Filled by the server for each command. */
typedef struct {
    qf_store_t *store;              /* open transaction */
    struct qf_delivery_t *delivery; /* consumer groups, for groups.* and dlq.* */
    const qf_config_t *config;      /* current configuration */
    int64_t now;                    /* qf_time_now_ms() at batch start */
    const char *role;               /* acting role */
    const char *user;               /* acting user, for the record */
    bool from_worker;               /* a worker's result, not a person's request:
                                       its reply is dropped (qf_dispatch.c) */
    uint64_t event_seq;             /* a worker's result: the seq of the event it
                                       answers; else 0 */
    const qf_peer_t *peer;          /* with CURVE: who sent it, else NULL */
    /* Server callbacks for commands that describe the daemon itself. */
    json_t *(*status_fn) (void *arg); /* returns a new status object */
    void *status_arg;
    char *result_text; /* on success, optionally: the result already
                                           encoded as JSON (owned); replaces *result_p */
    char error[512];   /* on failure: what was wrong and what to do */
    char field[80];    /* on failure: the offending field, or "" */
    json_t *kept;      /* events kept whatever the outcome (qf_ctx_keep), or NULL:
                          whoever ran the command appends them after its savepoint */
    /* the functions of the calls kept with them (qf_ctx_keep_call), by
       the index their entry in `kept` gives */
    qf_kept_fn *kept_calls[QF_KEPT_CALLS_MAX];
    size_t kept_call_count;
} qf_ctx_t;

typedef struct qf_command_t qf_command_t; /* qf_command.h */
typedef struct qf_module_t qf_module_t;   /* qf_module.h */

/*  Binds the commands of this program (the engine's and those of every
    module in qf_modules[]) once: each spec to its module's handler of the
    same name, into a table sorted by name. The server calls it at start;
    a spec without a handler, a handler without a spec or a name described
    twice is a programming error, refused here with QF_EINVAL and `error`
    naming it. Safe to call again (it binds only once). */
int qf_commands_init (char *error, size_t size);

/*  The binding qf_commands_init does, for `modules` (NULL-terminated)
    and the engine's own commands: 0 with a new table sorted by name in
    *table_p (caller frees it with free()) of *count_p commands, or
    QF_EINVAL (QF_ENOMEM) with `error` saying which command is wrong. */
int qf_commands_bind (const qf_module_t *const *modules, qf_command_t **table_p, size_t *count_p,
                      char *error, size_t size);

/*  Looks a command up by name (a binary search): NULL when there is none.
    The request path looks a command up once and passes it on. */
const qf_command_t *qf_commands_find (const char *name);

/*  Whether the command changes state (reads need no transaction). */
bool qf_commands_writes (const qf_command_t *command);

/*  Whether the command, which writes, may fail after it changed rows, and
    so runs in a savepoint of its own (its spec's `savepoint`). */
bool qf_commands_needs_savepoint (const qf_command_t *command);

/*  Checks that ctx->role may run the command: 0 or QF_EFORBIDDEN with
    ctx->error naming the allowed roles. */
int qf_commands_authorize (qf_ctx_t *ctx, const qf_command_t *command);

/*  Runs an authorized command: checks its arguments (an object, or NULL
    for none) against its spec, then runs its handler. On success returns
    0 and a new result object in *result_p. On failure returns a QF_E*
    code with ctx->error (and ctx->field) set; what the command changed
    before it failed is the caller's to undo (qf_server.c). */
int qf_commands_run (qf_ctx_t *ctx, const qf_command_t *command, json_t *args, json_t **result_p);

/*  The same on arguments the caller has no further use for: they are
    checked and handed to the handler as they are, not copied, so the
    handler's defaults and the nulls taken out change them. The server's
    way: a request's args are read for nothing else (a copy cost a
    qual.add 3,000 instructions). */
int qf_commands_run_own (qf_ctx_t *ctx, const qf_command_t *command, json_t *args,
                         json_t **result_p);

/*  Looks the command up, authorizes ctx->role and runs it: for a worker's
    result, which names its command. Unknown commands get QF_EINVAL. */
int qf_commands_execute (qf_ctx_t *ctx, const char *name, json_t *args, json_t **result_p);

/*  Checks a command's arguments, an object, against its spec the way
    qf_commands_run does before the handler runs, without running it: 0,
    or QF_EINVAL/QF_ETOOBIG with ctx->error and ctx->field. */
int qf_commands_check (qf_ctx_t *ctx, const qf_command_t *command, json_t *args);

/*  Prints PROTOCOL.md section 5.1 from the specs of this program's
    commands (qualflowd --command-reference). */
void qf_commands_print_reference (FILE *out);

/*  Checks a request body's envelope: role present and a known role, user
    valid, args an object, idempotency_key (optional) 1-64 printable ASCII,
    no unknown keys. Fills the pointers (borrowed from body; key NULL when
    absent). */
int qf_commands_envelope (qf_ctx_t *ctx, json_t *body, const char **role_p, const char **user_p,
                          json_t **args_p, const char **key_p);

#endif
