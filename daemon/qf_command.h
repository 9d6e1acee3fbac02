/*  qf_command — what a module writes to add commands: a handler per
    command, bound by name to the command's spec (qf_command_spec.h). A
    handler runs in the batch transaction, inside its own savepoint, after
    its role has been authorized and its arguments checked against the
    spec.
*/
#ifndef QF_COMMAND_H
#define QF_COMMAND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_command_spec.h"
#include "qf_commands.h"

typedef int (qf_handler_fn) (qf_ctx_t *ctx, json_t *args, json_t **result_p);

/* A module's handler for the command of that name, whose spec (roles,
   arguments, help) is in the module's NAME_spec.c. A module's table of
   them ends with an entry whose name is NULL. */
typedef struct {
    const char *name;       /* the spec's name */
    qf_handler_fn *handler; /* runs it */
} qf_handler_t;

/* A command as the daemon runs it: its spec bound to its handler at
   start (qf_commands_new). */
struct qf_command_t {
    const qf_command_spec_t *spec; /* name, roles, arguments */
    qf_handler_fn *handler;        /* runs it */
};

/*  Sets ctx->error and ctx->field; returns rc, for tail calls. */
int qf_ctx_error (qf_ctx_t *ctx, int rc, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

/*  Appends an event about `kind/id` (e.g. "qualification", 7) in the
    command's transaction, at its time (qf_emit.h): the way a handler
    appends an event. Takes ownership of payload (NULL: QF_ENOMEM). */
int qf_ctx_emit (qf_ctx_t *ctx, const char *topic, const char *kind, int64_t id, json_t *payload);
/*  The same with a payload written as text (qf_emit_text: taken; one
    without recipients). */
int qf_ctx_emit_text (qf_ctx_t *ctx, const char *topic, const char *kind, int64_t id, char *text,
                      size_t size);

/*  Who acts, for the record: the request's user, or its role when it
    gave no user ("" when neither). */
const char *qf_ctx_who (qf_ctx_t *ctx);

/*  The "next" of a paged list's result: where the page after `items`
    begins when it is full (`limit` items), the last item's "id"; else
    null (nothing comes next). A new reference. */
json_t *qf_ctx_next_page (json_t *items, int limit);

/*  The owner a list command is limited to (*owner_p, borrowed): a
    salesperson sees only their own (§5.3 confidentiality), so args.owner
    must be absent or their user, and *owner_p is their user ("" when
    none was given: they see nothing); the other roles get args.owner as
    given (NULL: all). 403 naming args.owner, saying `what` (e.g. "their
    own customers' contracts") is what a salesperson lists. */
int qf_ctx_list_owner (qf_ctx_t *ctx, json_t *args, const char *what, const char **owner_p);

/*  Keeps an event about KIND/NAME (e.g. "staff", "li.lei") that must be
    on record even when the command is then refused: a refusal that is
    itself a fact of the policy (§5.3: a discount beyond the rules is
    recorded as a conduct event on the salesperson). Whoever ran the
    command (the server, a test) appends the kept events with
    qf_ctx_append_kept after the command's savepoint, committed or rolled
    back, in the same batch transaction, at the command's time; a
    command that only reads keeps nothing. Takes ownership of payload
    (NULL: QF_ENOMEM). */
int qf_ctx_keep (qf_ctx_t *ctx, const char *topic, const char *kind, const char *name,
                 json_t *payload);

/*  Keeps a call of `fn` with `payload` (taken; NULL: QF_ENOMEM) the way
    qf_ctx_keep keeps an event: run by qf_ctx_append_kept after the
    command's savepoint, committed or rolled back, in the same batch
    transaction. At most QF_KEPT_CALLS_MAX per command (QF_ETOOBIG). */
int qf_ctx_keep_call (qf_ctx_t *ctx, qf_kept_fn *fn, json_t *payload);

/*  Appends the events kept by qf_ctx_keep and runs the calls kept by
    qf_ctx_keep_call, in the order kept, in the open transaction, and
    forgets them (also when it fails). 0 when there are none. */
int qf_ctx_append_kept (qf_ctx_t *ctx);

/*  Splits `text` at `separator` into a new array of its items, each
    trimmed of spaces and tabs (*items_p, caller owns); an empty item is
    refused, QF_EINVAL with ctx->error naming `field` ("args.roles"). */
int qf_ctx_split (qf_ctx_t *ctx, const char *text, char separator, const char *field,
                  json_t **items_p);

/*  Whether `word` is one of the space-separated words of `list`. */
bool qf_word_in (const char *word, const char *list);

/*  Whether `name` is one of the `count` strings of `list`. */
bool qf_name_in (char *const *list, size_t count, const char *name);

#endif
