/*  qf_command_spec — each command described once, as data.

    A spec says everything about a command except how it runs: its name on
    the wire, the roles that may run it, whether it changes state, its
    arguments with their types and rules, what it returns, and how the CLI
    offers it (words, options, which argument is positional, help text).
    The specs are linked into the daemon, which validates and authorizes
    requests from them and binds each to its handler at start (qf_commands),
    and into the CLI, which builds its options, --help and roles line from
    them; `qualflowd --command-reference` prints PROTOCOL.md section 5.1
    from them (qf_command_spec_reference).

    Each business module keeps its table in daemon/modules/NAME/NAME_spec.c
    (`qf_NAME_specs`), the engine its own in daemon/qf_ops_spec.c
    (`qf_ops_specs`); the build lists them all in qf_command_specs[].
*/
#ifndef QF_COMMAND_SPEC_H
#define QF_COMMAND_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TEXT_MAX         4096 /* default longest text argument, in bytes */
#define QF_SPEC_ARGS_MAX 12   /* arguments of one command, with the terminator */

/* What an argument must be on the wire. */
typedef enum {
    A_TEXT,
    A_INT,
    A_DATE,
    A_NUMBER,
    A_ENUM,
    A_TEXT_LIST,
    A_TOKEN,
    A_BOOL
} qf_arg_type_t;

struct qf_config_t; /* qf_config.h */

/* Names the running configuration allows for an argument (categories,
   authorities, review departments): the module whose configuration
   lists them defines this, and the daemon checks a request against it
   when the command is given (not only at review). */
typedef struct {
    const char *what; /* the thing named, for messages: "category" */
    const char *key;  /* where the configuration lists them: "categories" */
    /* The i-th configured name, NULL past the last. */
    const char *(*name) (const struct qf_config_t *config, size_t i);
} qf_arg_names_t;

/* How the CLI prints a command's result for people (--json prints it as
   it is, a QF_OUT_LIST as {"items": [...], "next": null}). */
typedef enum {
    QF_OUT_RECORD,   /* key: value lines; then list_key (if any) as a table */
    QF_OUT_QUAL,     /* a qualification with its reviews and timers */
    QF_OUT_LIST,     /* list_key as a table */
    QF_OUT_REPORT,   /* a review report: qualification, departments, outcome */
    QF_OUT_TEXT,     /* list_key names a text, printed as its lines (a rendered contract) */
    QF_OUT_SECTIONS, /* a report: key: value lines, objects as indented sections, and each
                        array of objects as a table under its key */
} qf_output_t;

/* One argument of a command: its type and rule, and how people give it. */
typedef struct {
    const char *name;         /* key in args */
    qf_arg_type_t type;       /* what it must be */
    bool required;            /* must be present */
    int64_t min, max;         /* A_INT range; length of texts, tokens and lists */
    const char *values;       /* A_ENUM: space-separated allowed values */
    const qf_arg_names_t *in; /* A_TOKEN, A_TEXT: one of these configured names; NULL: any */
    /* The CLI: `option` is "--cert-no" for an option, or a label without
       dashes ("ID") for a positional argument (in the order they come);
       NULL leaves the argument to `qualflow call`. Several options
       separated by '|' ("--acquire|--decline") are flags, one per value
       of an A_ENUM, at most one given. */
    const char *option;
    const char
        *placeholder;  /* the option's value in help: "X"; NULL: a flag, or an enum's values */
    const char *help;  /* one line for --help; '|'-separated per flag of an option list */
    const char *after; /* A_DATE: the argument it must come after, checked by the CLI */
    const char *doc;   /* PROTOCOL.md: said after the name in parentheses, or NULL */
} qf_arg_spec_t;

/* One command, as the daemon checks it and the CLI and PROTOCOL.md offer it. */
typedef struct {
    const char *name;                     /* on the wire: "qual.add" */
    const char *roles;                    /* space-separated roles, or "*" for any */
    bool writes;                          /* changes state */
    /* A command that writes and may fail after it changed rows runs in a
       savepoint of its own, which its failure rolls back; the others check
       everything first and run without one (qf_server.c, s_handle_command) */
    bool savepoint;
    qf_arg_spec_t args[QF_SPEC_ARGS_MAX]; /* NULL-name terminated */
    const char *roles_note;               /* a rule about the roles, said after them, or NULL */
    const char *result;                   /* what success returns (PROTOCOL.md, Markdown) */
    /* The CLI */
    const char *cli;      /* its words, "qual show"; NULL: the name with a space for
                             the dot; QF_SPEC_NO_CLI: offered only through `call` */
    const char *brief;    /* a few words for the list of commands */
    const char *help;     /* what it does, in sentences; the roles line follows */
    qf_output_t output;   /* how the result is printed */
    const char *list_key; /* QF_OUT_RECORD, QF_OUT_LIST: the array shown as a table */
    const char *columns;  /* its columns, "HEADER:key HEADER:key ..." */
} qf_command_spec_t;

#define QF_SPEC_NO_CLI "" /* `cli` of a command the CLI offers only through `call` */

/* The `limit` of a list command: how many records at most. */
// clang-format off
#define QF_SPEC_LIMIT                                                                          \
    {"limit", A_INT, false, 1, 1000, .option = "--limit", .placeholder = "N",                 \
     .help = "at most N records (1-1000, default 100)", .doc = "default 100"}
// clang-format on

/* Where a page of a list command begins: the `next` the previous page
   gave (qf_ctx_next_page). */
// clang-format off
#define QF_SPEC_NEXT                                                                           \
    {"next", A_INT, false, 0, INT64_MAX, .option = "--next", .placeholder = "N",               \
     .help = "the page after the one that gave this `next`",                                   \
     .doc = "the previous page's `next`; default 0: the first page"}
// clang-format on

/* Every spec table linked into this program, the engine's first, each
   ending with an entry whose name is NULL; NULL-terminated (generated by
   the build from the module folders). */
extern const qf_command_spec_t *const qf_command_specs[];

/*  Writes the command's roles for people: "any" for "*", else the roles
    separated by ", ", then ": " and the roles note if there is one.
    Returns buffer. */
const char *qf_command_spec_roles (const qf_command_spec_t *spec, char *buffer, size_t size);

/*  Prints PROTOCOL.md section 5.1, "Command reference", from the spec
    tables `tables` (NULL-terminated list of NULL-name-terminated tables):
    its heading, one table row per command, and the notes under it. */
void qf_command_spec_reference (FILE *out, const qf_command_spec_t *const *tables);

#endif
