/*  qf_cli — what the qualflow CLI's subcommands share: the resolved global
    options, the one client connection, calling a command with the CLI's
    error reporting, formatting values for people, and the subcommands
    themselves, built from the command specs (qf_command_spec.h).

    The files: qualflow.c (main, global options, the option parser, help),
    qf_cli_map.c (a subcommand per spec: its options, usage line and help,
    and how its options become the command's arguments), qf_cli_print.c
    (results for people), qf_cli_special.c (what some commands do beyond
    the mapping, and the CLI's own commands keygen and call),
    qf_cli_events.c (events, with --follow).

    The CLI may print: every qf_cli_* function that fails has already told
    the user why on stderr, in the forms documented in cli/qualflow.c.
*/
#ifndef QF_CLI_H
#define QF_CLI_H

#include "qf_client.h"
#include "qf_command_spec.h"
#include "qf_config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Exit codes. */
#define QF_CLI_OK    0 /* done */
#define QF_CLI_ERROR 1 /* refused by the daemon, no answer, or a local failure */
#define QF_CLI_USAGE 2 /* bad command line */

/* The CLI's resolved settings and its connection. Owned by main(). */
typedef struct {
    const char *config_path;      /* configuration file used, or NULL for built-ins */
    qf_config_t *config;          /* loaded configuration, or NULL */
    const char *command_endpoint; /* where requests go */
    const char *event_endpoint;   /* where events --follow subscribes */
    bool json;                    /* --json: machine-readable output */
    int timeout_ms;               /* --timeout: per request */
    const char *role;             /* --as, $QUALFLOW_ROLE, cli.role, else admin */
    bool role_given;              /* by one of those, not the operations default */
    const char *user;             /* --user */
    const char *idempotency_key;  /* --idempotency-key, sent with every request; or NULL */
    int line_width;               /* table lines are cut to this many columns */
    qf_client_t *client;          /* created on first use, without an idempotency key */
} qf_cli_t;

/*  Runs one command on the daemon with the CLI's role, user, timeout and
    idempotency key.
    `args` is a JSON object, or NULL for none; the call takes ownership
    of it.

    Returns 0 and the reply's result object in *result_p (caller owns) when
    the daemon answered 200. Otherwise returns non-zero and sets *result_p
    to NULL: the reply status (> 0) when the daemon refused, having printed
    "qualflow: <status name> (<status>): <message>"; or a negative QF_E*
    code, having printed why, except that when `quiet` a timeout
    (QF_ETIMEOUT) and an interrupt (QF_EINTR) are left to the caller. */
int qf_cli_call (qf_cli_t *cli, const char *command, json_t *args, bool quiet, json_t **result_p);

/*  Prints the "no answer from the daemon" message for the CLI's endpoint. */
void qf_cli_print_no_answer (qf_cli_t *cli);

/*  Formats one JSON value for a person: strings as they are, integers
    under a time key ("time", "created", "updated", "due", "opened",
    "recorded", "lifted", "requested", "approved", "lent", "returned",
    "*_at") as RFC 3339 UTC, null and an empty array as "-", arrays of
    scalars joined with ", ", anything else as compact JSON. Returns a
    string the caller frees, or NULL when out of memory. */
char *qf_cli_format_value (const char *key, json_t *value);

/*  Prints a JSON value to stdout, dumped with jansson's `flags`, and a
    newline. DEL, C1, bidirectional controls and line separators in its
    strings are written as \uXXXX escapes (qf_text.h, QF_TEXT_JSON): the
    same JSON to a parser, and shown on a terminal as stored. */
void qf_cli_dump_json (json_t *value, size_t flags);

/*  Prints a JSON value to stdout as indented JSON and a newline. */
void qf_cli_print_json (json_t *value);

/*  Prints what a list command prints with --json (and no --follow): one
    JSON document {"items": [...], "next": N}, where `next` is the value
    for the command's --after that gives the next page, or null (`next`
    0) when this page is the last one or the command has no paging.
    `items` is borrowed; NULL prints an empty list. */
void qf_cli_print_list_json (json_t *items, int64_t next);

/*  The events subcommand (see cli/qf_cli_events.c). `after` is used when
    has_after; `limit` is the most events listed (or, with follow and no
    after, the backlog shown); `topic` may be NULL. Returns an exit code. */
int qf_cli_events (qf_cli_t *cli, bool has_after, uint64_t after, int64_t limit, const char *topic,
                   bool follow);

/* ----------------------------------------------------------------------
   Subcommands */

#define QF_CLI_OPTS_MAX 16 /* options of one command */
#define QF_CLI_ARGS_MAX 8  /* positional arguments of one command */

/* One command-line option, and the argument of the daemon command it
   gives (qf_cli_map.c turns its text into that argument's value). */
typedef struct {
    const char *name;          /* long form, "--cert-no" */
    const char *alias;         /* short form, "-f", or NULL */
    const char *arg;           /* value placeholder, "X"; NULL for a flag */
    const char *help;          /* one line for --help */
    bool required;             /* shown without brackets in the usage line */
    const qf_arg_spec_t *spec; /* the argument it gives, or NULL: the CLI's own */
    int choice;                /* a flag of an option list: which of spec->values it sends */
} qf_cli_opt_t;

typedef struct qf_cli_command_t qf_cli_command_t;

/* Runs a subcommand with its option values (indexed like cmd->opts; NULL
   when not given) and positional arguments. Returns an exit code. */
typedef int (qf_cli_run_fn) (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts,
                             char **args, int nargs);

/* One subcommand, built from its command's spec, or one of the CLI's own.
   Owned by the table qf_cli_commands_new() returns. */
struct qf_cli_command_t {
    const char *group;                          /* "qual" for "qual add", or NULL */
    const char *name;                           /* "add" */
    const char *synopsis;                       /* what follows the name in the usage line */
    const char *brief;                          /* a few words for the list of commands */
    const char *summary;                        /* what it does and who may: for --help */
    qf_cli_opt_t opts[QF_CLI_OPTS_MAX + 1];     /* NULL-name terminated */
    const qf_arg_spec_t *args[QF_CLI_ARGS_MAX]; /* the positional arguments' specs, or NULL */
    const char *labels[QF_CLI_ARGS_MAX];        /* their names in the usage line, "ID" */
    int min_args, max_args;                     /* positional arguments allowed */
    qf_cli_run_fn *run;                         /* runs it */
    const qf_command_spec_t *spec;              /* its command, or NULL */
    char text[4096];                            /* where the strings above are written */
};

/* What a command needs beyond what its spec says: code that runs it, and
   options of the CLI's own; or, with `command` NULL, one of the CLI's
   own commands (keygen, call), described here. */
typedef struct {
    const char *command;   /* the spec's name, "qual.list"; NULL: the CLI's own */
    qf_cli_run_fn *run;    /* runs it */
    qf_cli_opt_t opts[4];  /* options of its own, after the spec's; NULL-name ended */
    const char *words;     /* the CLI's own: its name */
    const char *brief;     /* the CLI's own: a few words */
    const char *help;      /* the CLI's own: what it does */
    const char *labels[2]; /* the CLI's own: its positional arguments */
    int min_args;          /* the CLI's own: how many of them are required */
} qf_cli_special_t;

/* The commands with something special, NULL-run terminated (qf_cli_special.c). */
extern const qf_cli_special_t qf_cli_specials[];

/*  Builds the subcommands: one per spec offered on the command line
    (qf_command_specs, in order), then the CLI's own. Returns a table the
    caller frees with free() and its size in *count_p, or NULL when out
    of memory. */
qf_cli_command_t *qf_cli_commands_new (size_t *count_p);

/*  Checks and encodes a subcommand's options and positional arguments
    as its command's arguments, the way its spec says. Returns 0 with the
    arguments in *call_args_p (caller owns), or an exit code after
    reporting the problem. */
int qf_cli_build_args (const qf_cli_command_t *cmd, const char **opts, char **args, int nargs,
                       json_t **call_args_p);

/*  Builds the arguments (qf_cli_build_args) and runs the command. Returns
    0 with its result in *result_p and, unless call_args_p is NULL, the
    arguments sent in *call_args_p (caller owns both); or an exit code
    after reporting the problem. */
int qf_cli_request (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                    int nargs, json_t **call_args_p, json_t **result_p);

/*  The generic runner: builds the arguments, runs the command, prints its
    result as the spec says. */
int qf_cli_run_mapped (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                       int nargs);

/*  The value given for option `name` of cmd ("--follow"), or NULL. */
const char *qf_cli_opt (const qf_cli_command_t *cmd, const char **opts, const char *name);

/*  The index of option `name` in cmd->opts, or -1. */
int qf_cli_opt_index (const qf_cli_command_t *cmd, const char *name);

/*  Parses a decimal integer from min to max, digits only. Returns 0 or -1. */
int qf_cli_parse_uint (const char *text, uint64_t min, uint64_t max, uint64_t *value_p);

/*  Writes "qualflow: <command>: <problem>" and the usage line to stderr;
    returns the usage exit code. `cmd` NULL means the top level. */
int qf_cli_usage_error (const qf_cli_command_t *cmd, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

/* ----------------------------------------------------------------------
   Printing for people (qf_cli_print.c) */

/*  Prints an object as "key: value" lines, nested objects indented under
    their key, leaving out the keys in `skip` (NULL-terminated, or NULL). */
void qf_cli_print_record (json_t *record, int indent, const char *const *skip);

/*  Prints an array of objects as a table with `columns`, "HEADER:key
    HEADER:key ..."; NULL: the union of the objects' keys, upper-cased.
    "(none)" under the header when the array is empty. */
void qf_cli_print_table (qf_cli_t *cli, json_t *array, const char *columns);

/*  Prints a JSON value as indented JSON, each line indented by `indent`
    spaces and cleaned of control characters. */
void qf_cli_print_json_indented (json_t *value, int indent);

/*  Prints a command's result: as JSON with --json, else as its spec's
    `output` says. */
void qf_cli_print_result (qf_cli_t *cli, const qf_command_spec_t *spec, json_t *result);

#endif
