/*  qf_command — the shape of a command, shared by the command table in
    qf_commands.c and the tables of the domain modules (qf_custody.c, …):
    name, roles, arguments with their rules, handler. A handler runs in the
    batch transaction, inside its own savepoint, after its arguments have
    been checked against the table.
*/
#ifndef QF_COMMAND_H
#define QF_COMMAND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_commands.h"

#define TEXT_MAX 4096 /* default longest text argument, in bytes */

typedef enum {
    A_TEXT,
    A_INT,
    A_DATE,
    A_NUMBER,
    A_ENUM,
    A_TEXT_LIST,
    A_TOKEN,
    A_BOOL,
    /* Values the configuration enumerates, checked against the running
       configuration when the command is given (not only at review). */
    A_CATEGORY,  /* a token: one of categories[].name */
    A_AUTHORITY, /* a text: one of authorities[].name */
    A_DEPARTMENT /* a token: one of policy.review_departments */
} qf_arg_type_t;

/* One argument of a command: its JSON type and the rule it must follow. */
typedef struct {
    const char *name;   /* key in args */
    qf_arg_type_t type; /* what it must be */
    bool required;      /* must be present */
    int64_t min, max;   /* A_INT range; length of texts, tokens and lists */
    const char *values; /* A_ENUM: space-separated allowed values */
} qf_arg_spec_t;

typedef int (qf_handler_fn) (qf_ctx_t *ctx, json_t *args, json_t **result_p);

/* One command: name, who may run it, its arguments, its handler. */
typedef struct {
    const char *name;  /* on the wire */
    const char *roles; /* space-separated roles, or "*" for any */
    bool writes;       /* changes state */
    qf_handler_fn *handler;
    qf_arg_spec_t args[12]; /* NULL-name terminated */
} qf_command_t;

/*  Sets ctx->error and ctx->field; returns rc, for tail calls. */
int qf_ctx_error (qf_ctx_t *ctx, int rc, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

/*  Appends an event about `kind/id` (e.g. "qualification", 7) in the
    command's transaction, at its time (qf_emit.h): the way a handler
    appends an event. Takes ownership of payload (NULL: QF_ENOMEM). */
int qf_ctx_emit (qf_ctx_t *ctx, const char *topic, const char *kind, int64_t id, json_t *payload);

/*  Whether `word` is one of the space-separated words of `list`. */
bool qf_word_in (const char *word, const char *list);

/*  Whether `name` is one of the `count` strings of `list`. */
bool qf_name_in (char *const *list, size_t count, const char *name);

#endif
