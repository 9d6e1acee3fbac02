/*  qf_commands — the command table: every command a client or a worker's
    result may run, with its roles and its arguments, checked before the
    handler runs (after Redis's command table).

    A command runs inside the transaction and savepoint that the server has
    opened; its state changes and the events it appends commit together.
*/
#ifndef QF_COMMANDS_H
#define QF_COMMANDS_H

#include <jansson.h>
#include <stdbool.h>

#include "qf_config.h"
#include "qf_msg.h"
#include "qf_store.h"

/* What a command runs with. Filled by the server for each command. */
typedef struct {
    qf_store_t *store;              /* open transaction */
    struct qf_delivery_t *delivery; /* consumer groups, for groups.* and dlq.* */
    const qf_config_t *config;      /* current configuration */
    int64_t now;                    /* qf_time_now_ms() at batch start */
    const char *role;               /* acting role */
    const char *user;               /* acting user, for the record */
    bool from_worker;               /* a worker's result, not a person's request */
    const qf_peer_t *peer;          /* with CURVE: who sent it, else NULL */
    /* Server callbacks for commands that describe the daemon itself. */
    json_t *(*status_fn) (void *arg); /* returns a new status object */
    void *status_arg;
    char *result_text; /* on success, optionally: the result already
                                           encoded as JSON (owned); replaces *result_p */
    char error[512];   /* on failure: what was wrong and what to do */
    char field[80];    /* on failure: the offending field, or "" */
} qf_ctx_t;

/*  Looks a command up; returns false when there is none by that name. */
bool qf_commands_exists (const char *name);

/*  Whether the command changes state (reads need no transaction). */
bool qf_commands_writes (const char *name);

/*  Runs one command. `body` is the request body object (role, user, args).
    On success returns 0 and a new result object in *result_p. On failure
    returns a QF_E* code with ctx->error (and ctx->field) set; the caller
    rolls the command's savepoint back. */
int qf_commands_execute (qf_ctx_t *ctx, const char *name, json_t *args, json_t **result_p);

/*  Checks a command's arguments, an object, against the command table the
    way qf_commands_execute does before the handler runs, without running
    it: 0, or QF_EINVAL/QF_ETOOBIG with ctx->error and ctx->field. */
int qf_commands_check (qf_ctx_t *ctx, const char *name, json_t *args);

/*  Checks that the role may run the command: 0 or QF_EFORBIDDEN. */
int qf_commands_authorize (qf_ctx_t *ctx, const char *name);

/*  Checks a request body's envelope: role present and a known role, user
    valid, args an object, idempotency_key (optional) 1-64 printable ASCII,
    no unknown keys. Fills the pointers (borrowed from body; key NULL when
    absent). */
int qf_commands_envelope (qf_ctx_t *ctx, json_t *body, const char **role_p, const char **user_p,
                          json_t **args_p, const char **key_p);

#endif
