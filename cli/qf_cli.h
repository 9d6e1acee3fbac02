/*  qf_cli — what the qualflow CLI's subcommands share: the resolved global
    options, the one client connection, calling a command with the CLI's
    error reporting, and formatting values for people.

    The CLI may print: every qf_cli_* function that fails has already told
    the user why on stderr, in the forms documented in cli/qualflow.c.
*/
#ifndef QF_CLI_H
#define QF_CLI_H

#include "qf_client.h"
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

#endif
