/*  qualflow — the command-line client of the qualflow daemon.

        qualflow [global options] COMMAND [options] [arguments]

    Global options may also follow the command. Every command has --help.
    Output is for people by default (aligned tables with headers for lists,
    "key: value" lines for one record); --json prints the daemon's result
    as JSON for scripts, and a list as one document {"items": [...],
    "next": cursor or null} (qf_cli_print_list_json); events --follow
    --json prints one event object per line instead (JSON Lines).

    Exit codes:
      0  done
      1  the daemon refused ("qualflow: <status name> (<status>): <message>"
         on stderr), did not answer within --timeout ("qualflow: no answer
         from the daemon at ..."), or answered with a malformed reply; or
         the configuration could not be loaded
      2  bad command line: unknown command or option, missing or invalid
         argument (the command's usage line follows the message)

    Arguments are checked here where that is cheap (dates, ids), but the
    daemon is the authority: its error message is always shown as it is.
    The commands and their results are in proto/PROTOCOL.md section 5.1.
*/
#include "qf.h"
#include "qf_cli.h"
#include "qf_role.h"
#include "qf_security.h"
#include "qf_table.h"
#include "qf_text.h"

#include <czmq.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define DEFAULT_COMMAND_ENDPOINT "ipc://run/command.sock"
#define DEFAULT_EVENT_ENDPOINT   "ipc://run/events.sock"
#define DEFAULT_TIMEOUT_MS       5000
#define DEFAULT_LINE_WIDTH       160 /* when stdout is not a terminal and $COLUMNS is unset */

/* The value stored for a flag that is present. */
static const char s_flag_set[] = "1";

enum {
    G_CONFIG,
    G_ENDPOINT,
    G_JSON,
    G_TIMEOUT,
    G_AS,
    G_USER,
    G_IDEMPOTENCY_KEY,
    G_CERT,
    G_HELP,
    G_VERSION,
    G_COUNT
};

static const qf_cli_opt_t s_global_opts[] = {
    [G_CONFIG] = {"--config", "-c", "FILE",
                  "configuration file (default $QUALFLOW_CONFIG, else config/qualflow.yaml "
                  "if it exists, else built-in endpoints)"},
    [G_ENDPOINT] = {"--endpoint", "-e", "ENDPOINT",
                    "the daemon's command endpoint, overriding the configuration"},
    [G_JSON] = {"--json", NULL, NULL,
                "print the result as JSON, for scripts; a list is one document "
                "{\"items\": [...], \"next\": cursor or null}"},
    [G_TIMEOUT] = {"--timeout", NULL, "MS", "how long to wait for each answer (default 5000)"},
    [G_AS] = {"--as", NULL, "ROLE",
              "the role to act in (default $QUALFLOW_ROLE, else cli.role of the configuration, "
              "else admin, which runs operations and reads but no business command)"},
    [G_USER] = {"--user", NULL, "NAME",
                "who acts, recorded with changes (default $USER, else cli)"},
    [G_IDEMPOTENCY_KEY] = {"--idempotency-key", NULL, "KEY",
                           "sent with the request: a repeat with the same key changes nothing "
                           "and gets the first answer (1-64 printable ASCII)"},
    [G_CERT] = {"--cert", NULL, "FILE",
                "with security.curve: the secret certificate to present (default "
                "security.certificate)"},
    [G_HELP] = {"--help", "-h", NULL, "show help and exit"},
    [G_VERSION] = {"--version", NULL, NULL, "show the version and exit"},
    [G_COUNT] = {NULL},
};

/* The subcommands, built from the specs at start. Owned by main(). */
typedef struct {
    qf_cli_command_t *items;
    size_t count;
} s_commands_t;

/* ----------------------------------------------------------------------
   Talking to the daemon */

void
qf_cli_print_no_answer (qf_cli_t *cli)
{
    fprintf (stderr,
             "qualflow: no answer from the daemon at %s within %d ms; is qualflowd running? "
             "(start it with 'make run' or 'bin/qualflowd -c %s')\n",
             cli->command_endpoint, cli->timeout_ms,
             cli->config_path ? cli->config_path : QF_CONFIG_DEFAULT_PATH);
}

/* Prints the daemon's refusal: "qualflow: conflict (409): message". */
static void
s_print_refusal (int status, json_t *reply)
{
    json_t *error = json_object_get (reply, "error");
    const char *message = json_string_value (json_object_get (error, "message"));
    const char *field = json_string_value (json_object_get (error, "field"));
    char *clean = qf_table_clean (message ? message : "(the daemon gave no message)");
    fprintf (stderr, "qualflow: %s (%d): %s", qf_status_name (status), status, clean ? clean : "");
    if (field && (!message || !strstr (message, field)))
        fprintf (stderr, " (field %s)", field);
    fputc ('\n', stderr);
    free (clean);
}

int
qf_cli_call (qf_cli_t *cli, const char *command, json_t *args, bool quiet, json_t **result_p)
{
    *result_p = NULL;
    if (!cli->client) {
        cli->client = qf_client_new (cli->command_endpoint);
        if (!cli->client) {
            fprintf (stderr,
                     "qualflow: cannot use '%s' as the daemon's endpoint; expected a ZeroMQ "
                     "endpoint such as ipc://run/command.sock or tcp://127.0.0.1:5555\n",
                     cli->command_endpoint);
            json_decref (args);
            return QF_EINVAL;
        }
    }
    int status = 0;
    json_t *reply = NULL;
    int rc = qf_client_call_keyed (cli->client, command, cli->role, cli->user, args,
                                   cli->idempotency_key, cli->timeout_ms, &status, &reply);
    json_decref (args);
    switch (rc) {
    case 0: break;
    case QF_ETIMEOUT:
        if (!quiet)
            qf_cli_print_no_answer (cli);
        return rc;
    case QF_EINTR:
        if (!quiet)
            fprintf (stderr, "qualflow: interrupted while waiting for the daemon\n");
        return rc;
    case QF_EPROTO:
        fprintf (stderr, "qualflow: malformed reply from the daemon at %s: %s\n",
                 cli->command_endpoint, qf_client_error (cli->client));
        return rc;
    case QF_ETOOBIG:
        fprintf (stderr, "qualflow: the request is over the protocol's 1 MiB limit; send less\n");
        return rc;
    case QF_EINVAL:
        fprintf (stderr,
                 "qualflow: cannot send '%s': a command is 1-64 characters of [a-z0-9._-], "
                 "and the role and user must be valid UTF-8\n",
                 command);
        return rc;
    default:
        fprintf (stderr, "qualflow: cannot send '%s' to %s: %s\n", command, cli->command_endpoint,
                 qf_strerror (rc));
        return rc;
    }
    if (status != QF_STATUS_OK) {
        s_print_refusal (status, reply);
        const char *field =
            json_string_value (json_object_get (json_object_get (reply, "error"), "field"));
        if (status == QF_STATUS_FORBIDDEN && !cli->role_given && field && streq (field, "role"))
            fprintf (stderr,
                     "qualflow: no role was given, so the request went as %s, the operations "
                     "role; act in a business role with --as ROLE, the environment variable "
                     "QUALFLOW_ROLE, or cli.role in the configuration\n",
                     cli->role);
        json_decref (reply);
        return status;
    }
    json_t *result = json_object_get (reply, "result");
    if (!json_is_object (result)) {
        fprintf (stderr,
                 "qualflow: malformed reply from the daemon at %s: status 200 without a "
                 "result object\n",
                 cli->command_endpoint);
        json_decref (reply);
        return QF_EPROTO;
    }
    json_incref (result);
    json_decref (reply);
    *result_p = result;
    return 0;
}

/* ----------------------------------------------------------------------
   Usage and help */

/* The command's full name, "qual add". */
static const char *
s_command_name (const qf_cli_command_t *cmd, char *buf, size_t size)
{
    if (cmd->group)
        snprintf (buf, size, "%s %s", cmd->group, cmd->name);
    else
        snprintf (buf, size, "%s", cmd->name);
    return buf;
}

static void
s_print_usage_line (const qf_cli_command_t *cmd, FILE *file)
{
    char name[64];
    fprintf (file, "usage: qualflow [global options] %s%s%s\n",
             s_command_name (cmd, name, sizeof name), *cmd->synopsis ? " " : "", cmd->synopsis);
}

static void
s_print_options (const qf_cli_opt_t *opts, FILE *file)
{
    for (int i = 0; opts && opts[i].name; i++) {
        char left[64];
        snprintf (left, sizeof left, "%s%s%s%s%s", opts[i].alias ? opts[i].alias : "",
                  opts[i].alias ? ", " : "", opts[i].name, opts[i].arg ? " " : "",
                  opts[i].arg ? opts[i].arg : "");
        fprintf (file, "  %-24s %s\n", left, opts[i].help);
    }
}

int
qf_cli_usage_error (const qf_cli_command_t *cmd, const char *format, ...)
{
    char name[64];
    fprintf (stderr, "qualflow: ");
    if (cmd)
        fprintf (stderr, "%s: ", s_command_name (cmd, name, sizeof name));
    va_list ap;
    va_start (ap, format);
    vfprintf (stderr, format, ap);
    va_end (ap);
    fputc ('\n', stderr);
    if (cmd) {
        s_print_usage_line (cmd, stderr);
        fprintf (stderr, "run 'qualflow %s --help' for details\n", name);
    } else {
        fprintf (stderr, "usage: qualflow [global options] COMMAND [options] [arguments]\n"
                         "run 'qualflow --help' for the commands\n");
    }
    return QF_CLI_USAGE;
}

/* ----------------------------------------------------------------------
   Argument parsing */

/* Finds `word` in an option table: "--name", "-a", or "--name=value"
   (value in *inline_value). Returns the option's index or -1. */
static int
s_match_option (const qf_cli_opt_t *table, const char *word, const char **inline_value)
{
    for (int i = 0; table && table[i].name; i++) {
        size_t len = strlen (table[i].name);
        if (strncmp (word, table[i].name, len) == 0 && (word[len] == 0 || word[len] == '=')) {
            *inline_value = word[len] == '=' ? word + len + 1 : NULL;
            return i;
        }
        if (table[i].alias && streq (word, table[i].alias)) {
            *inline_value = NULL;
            return i;
        }
    }
    return -1;
}

/* Parses options from argv[*index] on: the command's own (into lvals) and
   the global ones (into gvals). When `args` is NULL, stops at the first
   word that is not an option (the command name); otherwise collects such
   words into args. "--" ends the options. Returns 0, or QF_CLI_USAGE with
   the problem written into `problem`. */
static int
s_parse_options (int argc, char **argv, int *index, const qf_cli_opt_t *local, const char **gvals,
                 const char **lvals, char **args, int *nargs, char *problem, size_t size)
{
    bool options_done = false;
    while (*index < argc) {
        const char *word = argv[*index];
        if (options_done || word[0] != '-' || word[1] == 0) {
            if (!args)
                return 0;
            if (*nargs >= QF_CLI_ARGS_MAX) {
                snprintf (problem, size, "unexpected argument '%s'", word);
                return QF_CLI_USAGE;
            }
            args[(*nargs)++] = argv[(*index)++];
            continue;
        }
        (*index)++;
        if (streq (word, "--")) {
            options_done = true;
            if (!args)
                return 0;
            continue;
        }
        const char *inline_value = NULL;
        const qf_cli_opt_t *table = local;
        const char **vals = lvals;
        int i = s_match_option (local, word, &inline_value);
        if (i < 0) {
            table = s_global_opts;
            vals = gvals;
            i = s_match_option (s_global_opts, word, &inline_value);
        }
        if (i < 0) {
            snprintf (problem, size, "unknown option '%s'", word);
            return QF_CLI_USAGE;
        }
        if (!table[i].arg) {
            if (inline_value) {
                snprintf (problem, size, "option %s takes no value", table[i].name);
                return QF_CLI_USAGE;
            }
            vals[i] = s_flag_set;
        } else if (inline_value)
            vals[i] = inline_value;
        else if (*index < argc)
            vals[i] = argv[(*index)++];
        else {
            snprintf (problem, size, "option %s needs a value (%s)", table[i].name, table[i].arg);
            return QF_CLI_USAGE;
        }
    }
    return 0;
}

static void
s_print_main_help (const s_commands_t *commands)
{
    printf ("usage: qualflow [global options] COMMAND [options] [arguments]\n\n"
            "The command-line client of qualflowd, the qualification workflow daemon.\n\n"
            "commands:\n");
    for (size_t i = 0; i < commands->count; i++) {
        char name[64];
        printf ("  %-18s %s\n", s_command_name (&commands->items[i], name, sizeof name),
                commands->items[i].brief);
    }
    printf ("\nglobal options:\n");
    s_print_options (s_global_opts, stdout);
    printf ("\nRun 'qualflow COMMAND --help' for a command's details. Exit status: 0 done, "
            "1 refused by the daemon or no answer, 2 bad command line.\n");
}

/* The command without a group named `name` ("groups"), or NULL. */
static const qf_cli_command_t *
s_plain_command (const s_commands_t *commands, const char *name)
{
    for (size_t i = 0; i < commands->count; i++)
        if (!commands->items[i].group && streq (commands->items[i].name, name))
            return &commands->items[i];
    return NULL;
}

/* Prints the subcommands of group `group` as "  group name synopsis"
   lines. */
static void
s_print_subcommands (const s_commands_t *commands, const char *group, FILE *file)
{
    for (size_t i = 0; i < commands->count; i++)
        if (commands->items[i].group && streq (commands->items[i].group, group))
            fprintf (file, "  %s %s %s\n", group, commands->items[i].name,
                     commands->items[i].synopsis);
}

/* Prints the commands of a group, e.g. "qual", to `file`. A group that
   is also a command ("groups") lists that command first. */
static void
s_print_group_help (const s_commands_t *commands, const char *group, FILE *file)
{
    const qf_cli_command_t *plain = s_plain_command (commands, group);
    fprintf (file, "usage: qualflow [global options] %s %sSUBCOMMAND ...%s\n\nsubcommands:\n",
             group, plain ? "[" : "", plain ? "]" : "");
    if (plain)
        fprintf (file, "  %s%s%s\n", group, *plain->synopsis ? " " : "", plain->synopsis);
    s_print_subcommands (commands, group, file);
    fprintf (file, "\nRun 'qualflow %s SUBCOMMAND --help' for details.\n", group);
}

/* Prints a command's help; a command that is also a group ("groups")
   lists the group's subcommands too. */
static void
s_print_command_help (const s_commands_t *commands, const qf_cli_command_t *cmd)
{
    s_print_usage_line (cmd, stdout);
    printf ("\n%s\n", cmd->summary);
    for (size_t i = 0; !cmd->group && i < commands->count; i++)
        if (commands->items[i].group && streq (commands->items[i].group, cmd->name)) {
            printf ("\nsubcommands (run 'qualflow %s SUBCOMMAND --help' for details):\n",
                    cmd->name);
            s_print_subcommands (commands, cmd->name, stdout);
            break;
        }
    if (cmd->opts[0].name) {
        printf ("\noptions:\n");
        s_print_options (cmd->opts, stdout);
    }
    printf ("\nglobal options (before or after the command):\n");
    s_print_options (s_global_opts, stdout);
}

/* Finds the command named by argv[*index] (and argv[*index + 1] for a
   group). A name that is both a command and a group ("groups") is the
   command unless a word that is not an option follows. Returns the
   command, or NULL after reporting: *exit_p is then the exit code (0
   after group help). */
static const qf_cli_command_t *
s_find_command (const s_commands_t *commands, int argc, char **argv, int *index, int *exit_p)
{
    const char *name = argv[(*index)++];
    const qf_cli_command_t *plain = s_plain_command (commands, name);
    bool is_group = false;
    for (size_t i = 0; i < commands->count; i++)
        if (commands->items[i].group && streq (commands->items[i].group, name))
            is_group = true;
    if (!is_group) {
        if (!plain)
            *exit_p = qf_cli_usage_error (NULL, "unknown command '%s'", name);
        return plain;
    }
    if (plain && (*index >= argc || argv[*index][0] == '-'))
        return plain;
    if (*index >= argc) {
        fprintf (stderr, "qualflow: %s: missing subcommand\n", name);
        s_print_group_help (commands, name, stderr);
        *exit_p = QF_CLI_USAGE;
        return NULL;
    }
    const char *sub = argv[(*index)++];
    if (streq (sub, "--help") || streq (sub, "-h")) {
        s_print_group_help (commands, name, stdout);
        *exit_p = QF_CLI_OK;
        return NULL;
    }
    for (size_t i = 0; i < commands->count; i++)
        if (commands->items[i].group && streq (commands->items[i].group, name) &&
            streq (commands->items[i].name, sub))
            return &commands->items[i];
    fprintf (stderr, "qualflow: %s: unknown subcommand '%s'\n", name, sub);
    s_print_group_help (commands, name, stderr);
    *exit_p = QF_CLI_USAGE;
    return NULL;
}

/* Width of stdout's terminal, else $COLUMNS, else a wide default. */
static int
s_line_width (void)
{
    struct winsize ws;
    if (isatty (STDOUT_FILENO) && ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *columns = getenv ("COLUMNS");
    uint64_t v;
    if (columns && qf_cli_parse_uint (columns, 20, 10000, &v) == 0)
        return (int)v;
    return DEFAULT_LINE_WIDTH;
}

/* Returns the environment variable's value when set and not empty. */
static const char *
s_env (const char *name)
{
    const char *value = getenv (name);
    return value && *value ? value : NULL;
}

/* Fills the CLI settings from the global options, the environment and
   the configuration. Returns an exit code (0 to go on). */
static int
s_resolve_settings (qf_cli_t *cli, const char **gvals, const qf_cli_command_t *cmd)
{
    cli->json = gvals[G_JSON] != NULL;
    cli->timeout_ms = DEFAULT_TIMEOUT_MS;
    if (gvals[G_TIMEOUT]) {
        uint64_t ms;
        if (qf_cli_parse_uint (gvals[G_TIMEOUT], 1, INT_MAX, &ms))
            return qf_cli_usage_error (cmd,
                                       "--timeout must be a positive number of milliseconds, got "
                                       "\"%s\"",
                                       gvals[G_TIMEOUT]);
        cli->timeout_ms = (int)ms;
    }
    cli->user = gvals[G_USER] ? gvals[G_USER] : s_env ("USER") ? s_env ("USER") : "cli";
    cli->idempotency_key = gvals[G_IDEMPOTENCY_KEY];
    if (cli->idempotency_key && !qf_valid_printable (cli->idempotency_key, QF_ID_MAX))
        return qf_cli_usage_error (cmd,
                                   "--idempotency-key must be 1-64 printable ASCII characters "
                                   "without spaces, got \"%s\"",
                                   cli->idempotency_key);
    cli->line_width = s_line_width ();

    cli->config_path = gvals[G_CONFIG]                              ? gvals[G_CONFIG]
                       : s_env ("QUALFLOW_CONFIG")                  ? s_env ("QUALFLOW_CONFIG")
                       : access (QF_CONFIG_DEFAULT_PATH, F_OK) == 0 ? QF_CONFIG_DEFAULT_PATH
                                                                    : NULL;
    if (cli->config_path) {
        char error[512] = "";
        int rc = qf_config_load (cli->config_path, &cli->config, error, sizeof error);
        if (rc || !cli->config) {
            fprintf (stderr, "qualflow: %s\n",
                     *error ? error : "cannot load the configuration; check the file");
            return QF_CLI_ERROR;
        }
    }
    const qf_config_t *config = cli->config;
    /* Without a role the CLI still runs operations (status, dlq, …) and
       reads, as admin; the daemon refuses admin every business command. */
    const char *source = gvals[G_AS] ? "--as" : s_env ("QUALFLOW_ROLE") ? "QUALFLOW_ROLE" : NULL;
    const char *role = gvals[G_AS]                  ? gvals[G_AS]
                       : s_env ("QUALFLOW_ROLE")    ? s_env ("QUALFLOW_ROLE")
                       : config && config->cli_role ? config->cli_role
                                                    : NULL;
    cli->role_given = role != NULL;
    cli->role = role ? role : QF_ROLE_OPERATIONS;
    if (source && !qf_role_known (cli->role)) {
        char roles[256];
        return qf_cli_usage_error (cmd, "%s must be one of: %s; got \"%s\"", source,
                                   qf_role_list (roles, sizeof roles, ", "), cli->role);
    }
    cli->command_endpoint = gvals[G_ENDPOINT]                    ? gvals[G_ENDPOINT]
                            : config && config->command_endpoint ? config->command_endpoint
                                                                 : DEFAULT_COMMAND_ENDPOINT;
    cli->event_endpoint =
        config && config->event_endpoint ? config->event_endpoint : DEFAULT_EVENT_ENDPOINT;
    if (config && config->curve && (cmd->spec || !streq (cmd->name, "keygen"))) {
        char error[1024] = "";
        if (qf_security_client_set (gvals[G_CERT] ? gvals[G_CERT] : config->certificate,
                                    config->server_public, error, sizeof error)) {
            fprintf (stderr, "qualflow: %s\n", error);
            return QF_CLI_ERROR;
        }
    }
    return QF_CLI_OK;
}

/* Parses the command line and runs the command; returns the exit code. */
static int
s_main (const s_commands_t *commands, int argc, char **argv)
{
    const char *gvals[G_COUNT] = {0};
    const char *lvals[QF_CLI_OPTS_MAX] = {0};
    char *args[QF_CLI_ARGS_MAX] = {0};
    int nargs = 0, index = 1, rc;
    char problem[256];

    if (s_parse_options (argc, argv, &index, NULL, gvals, NULL, NULL, NULL, problem,
                         sizeof problem))
        return qf_cli_usage_error (NULL, "%s", problem);
    if (gvals[G_HELP]) {
        s_print_main_help (commands);
        return QF_CLI_OK;
    }
    if (gvals[G_VERSION]) {
        printf ("qualflow %s (protocol %s)\n", QF_VERSION, QF_PROTOCOL);
        return QF_CLI_OK;
    }
    if (index >= argc)
        return qf_cli_usage_error (NULL, "no command given");

    const qf_cli_command_t *cmd = s_find_command (commands, argc, argv, &index, &rc);
    if (!cmd)
        return rc;
    if (s_parse_options (argc, argv, &index, cmd->opts, gvals, lvals, args, &nargs, problem,
                         sizeof problem))
        return qf_cli_usage_error (cmd, "%s", problem);
    if (gvals[G_HELP]) {
        s_print_command_help (commands, cmd);
        return QF_CLI_OK;
    }
    if (nargs < cmd->min_args)
        return qf_cli_usage_error (cmd, "missing argument");
    if (nargs > cmd->max_args)
        return qf_cli_usage_error (cmd, "unexpected argument '%s'", args[cmd->max_args]);

    qf_cli_t cli;
    memset (&cli, 0, sizeof cli);
    rc = s_resolve_settings (&cli, gvals, cmd);
    if (rc == QF_CLI_OK)
        rc = cmd->run (&cli, cmd, lvals, args, nargs);
    fflush (stdout);
    qf_client_destroy (&cli.client);
    qf_security_client_reset ();
    qf_config_destroy (&cli.config);
    return rc;
}

int
main (int argc, char **argv)
{
    s_commands_t commands = {NULL, 0};
    commands.items = qf_cli_commands_new (&commands.count);
    if (!commands.items) {
        fprintf (stderr, "qualflow: out of memory\n");
        return QF_CLI_ERROR;
    }
    int rc = s_main (&commands, argc, argv);
    free (commands.items);
    return rc;
}
