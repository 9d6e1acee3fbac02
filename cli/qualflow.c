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
#define MAX_OPTS                 16  /* options of one command */
#define MAX_ARGS                 8   /* positional arguments of one command */

/* One command-line option. */
typedef struct {
    const char *name;  /* long form, "--cert-no" */
    const char *alias; /* short form, "-c", or NULL */
    const char *arg;   /* value placeholder, "X"; NULL for a flag */
    const char *help;  /* one line for --help */
} cli_opt_t;

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

static const cli_opt_t s_global_opts[] = {
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
    [G_COUNT] = {NULL, NULL, NULL, NULL},
};

typedef struct _cli_command_t cli_command_t;
typedef struct _cli_call_t cli_call_t;
typedef int (cli_run_fn) (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args,
                          int nargs);

/* One subcommand: the command table is checked before dispatch. */
struct _cli_command_t {
    const char *group;      /* "qual" for "qual add", or NULL */
    const char *name;       /* "add" */
    const char *synopsis;   /* what follows the name in the usage line */
    const char *brief;      /* a few words for the list of commands */
    const char *summary;    /* what it does, one sentence */
    const cli_opt_t *opts;  /* its options, NULL-terminated; or NULL */
    int min_args, max_args; /* positional arguments allowed */
    cli_run_fn *run;        /* returns an exit code */
    const cli_call_t *call; /* for s_cmd_mapped: the daemon command it maps onto */
};

/* ----------------------------------------------------------------------
   Output helpers */

void
qf_cli_dump_json (json_t *value, size_t flags)
{
    char *text = json_dumps (value, flags | JSON_ENCODE_ANY);
    char *safe = text ? qf_text_escaped (text, QF_TEXT_JSON) : NULL;
    if (safe)
        fputs (safe, stdout);
    else
        fprintf (stderr, "qualflow: out of memory printing JSON\n");
    fputc ('\n', stdout);
    free (safe);
    free (text);
}

void
qf_cli_print_json (json_t *value)
{
    qf_cli_dump_json (value, JSON_INDENT (2));
}

void
qf_cli_print_list_json (json_t *items, int64_t next)
{
    json_t *document =
        json_pack ("{s:o, s:o}", "items", items ? json_incref (items) : json_array (), "next",
                   next > 0 ? json_integer ((json_int_t)next) : json_null ());
    if (!document) {
        fprintf (stderr, "qualflow: out of memory printing the list\n");
        return;
    }
    qf_cli_print_json (document);
    json_decref (document);
}

/* Whether integers under this key are epoch milliseconds. */
static bool
s_is_time_key (const char *key)
{
    if (!key)
        return false;
    size_t len = strlen (key);
    static const char *const names[] = {"time",     "created", "updated",   "due",      "opened",
                                        "recorded", "lifted",  "requested", "approved", "lent",
                                        "returned", "since",   NULL};
    for (int i = 0; names[i]; i++)
        if (streq (key, names[i]))
            return true;
    return len > 3 && streq (key + len - 3, "_at");
}

char *
qf_cli_format_value (const char *key, json_t *value)
{
    char buf[64];
    switch (json_typeof (value)) {
    case JSON_STRING: return strdup (json_string_value (value));
    case JSON_INTEGER:
        if (s_is_time_key (key) && json_integer_value (value) > 0)
            return strdup (qf_time_format (json_integer_value (value), buf, sizeof buf));
        snprintf (buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value (value));
        return strdup (buf);
    case JSON_REAL:
        snprintf (buf, sizeof buf, "%.15g", json_real_value (value));
        return strdup (buf);
    case JSON_TRUE: return strdup ("true");
    case JSON_FALSE: return strdup ("false");
    case JSON_NULL: return strdup ("-");
    case JSON_ARRAY: {
        bool scalars = true;
        size_t i;
        json_t *item;
        json_array_foreach (value, i, item)
        {
            if (json_is_object (item) || json_is_array (item))
                scalars = false;
        }
        if (json_array_size (value) == 0)
            return strdup ("-");
        if (scalars) {
            size_t size = 1, used = 0;
            char *out = calloc (1, size);
            json_array_foreach (value, i, item)
            {
                char *text = qf_cli_format_value (NULL, item);
                size_t need = used + (i ? 2 : 0) + (text ? strlen (text) : 0) + 1;
                char *grown = out && text ? realloc (out, need) : NULL;
                if (!grown) {
                    free (text);
                    free (out);
                    return NULL;
                }
                out = grown;
                used += (size_t)sprintf (out + used, "%s%s", i ? ", " : "", text);
                free (text);
            }
            return out;
        }
        return json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY);
    }
    default: return json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY);
    }
}

/* Prints an object as "key: value" lines, nested objects indented under
   their key, leaving out the keys in `skip` (NULL-terminated, or NULL). */
static void
s_print_record (json_t *record, int indent, const char *const *skip)
{
    const char *key;
    json_t *value;
    json_object_foreach (record, key, value)
    {
        bool skipped = false;
        for (int i = 0; skip && skip[i]; i++)
            if (streq (skip[i], key))
                skipped = true;
        if (skipped)
            continue;
        char *clean_key = qf_table_clean (key);
        if (json_is_object (value) && json_object_size (value) > 0) {
            printf ("%*s%s:\n", indent, "", clean_key);
            s_print_record (value, indent + 2, NULL);
        } else {
            char *text = qf_cli_format_value (key, value);
            char *clean = qf_table_clean (text);
            printf ("%*s%s: %s\n", indent, "", clean_key, clean ? clean : "?");
            free (clean);
            free (text);
        }
        free (clean_key);
    }
}

/* Prints an array of objects as a table: `n` columns, headers[i] over the
   values of keys[i]; `keys` NULL means the union of the objects' keys, in
   order of first appearance, headed by the keys upper-cased. Prints
   "(none)" under the header when the array is empty. */
static void
s_print_object_table (qf_cli_t *cli, json_t *array, const char *const *headers,
                      const char *const *keys, size_t n)
{
    const char *union_keys[32];
    char union_headers[32][64];
    const char *union_header_ptrs[32];
    if (!keys) {
        n = 0;
        size_t i;
        json_t *item;
        json_array_foreach (array, i, item)
        {
            const char *key;
            json_t *value;
            json_object_foreach (item, key, value)
            {
                bool seen = false;
                for (size_t k = 0; k < n; k++)
                    if (streq (union_keys[k], key))
                        seen = true;
                if (!seen && n < 32) {
                    union_keys[n] = key;
                    size_t j = 0;
                    for (; key[j] && j < sizeof union_headers[n] - 1; j++)
                        union_headers[n][j] = (char)toupper ((unsigned char)key[j]);
                    union_headers[n][j] = 0;
                    union_header_ptrs[n] = union_headers[n];
                    n++;
                }
            }
        }
        keys = union_keys;
        headers = union_header_ptrs;
        if (n == 0) {
            printf ("(none)\n");
            return;
        }
    }
    qf_table_t *table = qf_table_new (n, headers);
    if (!table)
        return;
    size_t i;
    json_t *item;
    json_array_foreach (array, i, item)
    {
        char *cells[32] = {0};
        for (size_t c = 0; c < n && c < 32; c++)
            cells[c] = qf_cli_format_value (keys[c], json_object_get (item, keys[c])
                                                         ? json_object_get (item, keys[c])
                                                         : json_null ());
        qf_table_add_row (table, (const char *const *)cells);
        for (size_t c = 0; c < n && c < 32; c++)
            free (cells[c]);
    }
    bool empty = qf_table_rows (table) == 0;
    qf_table_print (table, stdout, true, cli->line_width);
    if (empty)
        printf ("(none)\n");
    qf_table_destroy (&table);
}

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
s_command_name (const cli_command_t *cmd, char *buf, size_t size)
{
    if (cmd->group)
        snprintf (buf, size, "%s %s", cmd->group, cmd->name);
    else
        snprintf (buf, size, "%s", cmd->name);
    return buf;
}

static void
s_print_usage_line (const cli_command_t *cmd, FILE *file)
{
    char name[64];
    fprintf (file, "usage: qualflow [global options] %s%s%s\n",
             s_command_name (cmd, name, sizeof name), *cmd->synopsis ? " " : "", cmd->synopsis);
}

static void
s_print_options (const cli_opt_t *opts, FILE *file)
{
    for (int i = 0; opts && opts[i].name; i++) {
        char left[64];
        snprintf (left, sizeof left, "%s%s%s%s%s", opts[i].alias ? opts[i].alias : "",
                  opts[i].alias ? ", " : "", opts[i].name, opts[i].arg ? " " : "",
                  opts[i].arg ? opts[i].arg : "");
        fprintf (file, "  %-24s %s\n", left, opts[i].help);
    }
}

/* Writes "qualflow: <command>: <problem>" and the usage line to stderr;
   returns the usage exit code. `cmd` NULL means the top level. */
static int s_usage_error (const cli_command_t *cmd, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static int
s_usage_error (const cli_command_t *cmd, const char *format, ...)
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
s_match_option (const cli_opt_t *table, const char *word, const char **inline_value)
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
s_parse_options (int argc, char **argv, int *index, const cli_opt_t *local, const char **gvals,
                 const char **lvals, char **args, int *nargs, char *problem, size_t size)
{
    bool options_done = false;
    while (*index < argc) {
        const char *word = argv[*index];
        if (options_done || word[0] != '-' || word[1] == 0) {
            if (!args)
                return 0;
            if (*nargs >= MAX_ARGS) {
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
        const cli_opt_t *table = local;
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

/* Parses a decimal integer from min to max, digits only. Returns 0 or -1. */
static int
s_parse_uint (const char *text, uint64_t min, uint64_t max, uint64_t *value_p)
{
    if (!text || !*text || strlen (text) > 19)
        return -1;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v < min || v > max)
        return -1;
    *value_p = v;
    return 0;
}

/* Parses a qualification id argument; on failure reports a usage error. */
static int
s_parse_id (const cli_command_t *cmd, const char *what, const char *text, uint64_t *id_p)
{
    if (s_parse_uint (text, 1, INT64_MAX, id_p) != 0)
        return s_usage_error (cmd, "%s must be a positive integer, got \"%s\"", what, text);
    return 0;
}

/* ----------------------------------------------------------------------
   Commands */

enum { KG_DIR, KG_ROLES, KG_GROUPS, KG_COUNT };
static const cli_opt_t s_keygen_opts[] = {
    [KG_DIR] = {"--dir", NULL, "DIR", "where to write NAME.key and NAME.key_secret (default .)"},
    [KG_ROLES] = {"--roles", NULL, "\"R ...\"",
                  "request roles the holder may claim, space-separated, or \"*\""},
    [KG_GROUPS] = {"--groups", NULL, "\"G ...\"",
                   "consumer groups the holder may join, space-separated, or \"*\""},
    [KG_COUNT] = {NULL, NULL, NULL, NULL},
};

/* Local: writes a certificate pair; no daemon involved. */
static int
s_cmd_keygen (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)cli, (void)cmd, (void)nargs;
    const char *dir = opts[KG_DIR] ? opts[KG_DIR] : ".";
    char error[1024];
    if (qf_security_keygen (dir, args[0], opts[KG_ROLES], opts[KG_GROUPS], error, sizeof error)) {
        fprintf (stderr, "qualflow: %s\n", error);
        return QF_CLI_ERROR;
    }
    printf ("%s/%s.key         public: give it to the daemon's security.clients_dir (or, for "
            "the server, to clients as security.server_public)\n"
            "%s/%s.key_secret  secret (mode 0600): keep it with its owner\n",
            dir, args[0], dir, args[0]);
    return QF_CLI_OK;
}

static int
s_cmd_ping (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)cmd, (void)opts, (void)args, (void)nargs;
    json_t *result;
    int64_t start = qf_time_mono_ms ();
    if (qf_cli_call (cli, "ping", NULL, false, &result))
        return QF_CLI_ERROR;
    if (cli->json)
        qf_cli_print_json (result);
    else {
        json_object_set_new (result, "round_trip_ms", json_integer (qf_time_mono_ms () - start));
        json_object_set_new (result, "endpoint", json_string (cli->command_endpoint));
        s_print_record (result, 0, NULL);
    }
    json_decref (result);
    return QF_CLI_OK;
}

static int
s_cmd_status (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)cmd, (void)opts, (void)args, (void)nargs;
    json_t *result;
    if (qf_cli_call (cli, "status", NULL, false, &result))
        return QF_CLI_ERROR;
    if (cli->json) {
        qf_cli_print_json (result);
        json_decref (result);
        return QF_CLI_OK;
    }
    static const char *const skip[] = {"groups", "workers", NULL};
    s_print_record (result, 0, skip);

    static const char *const group_headers[] = {"GROUP", "TOPICS", "POSITION", "IN_FLIGHT",
                                                "MEMBERS"};
    static const char *const group_keys[] = {"name", "topics", "position", "in_flight", "members"};
    printf ("\ngroups:\n");
    s_print_object_table (cli, json_object_get (result, "groups"), group_headers, group_keys, 5);

    static const char *const worker_headers[] = {"GROUP", "INSTANCE", "IN_FLIGHT", "IDLE_MS"};
    static const char *const worker_keys[] = {"group", "instance", "in_flight", "idle_ms"};
    printf ("\nworkers:\n");
    s_print_object_table (cli, json_object_get (result, "workers"), worker_headers, worker_keys, 4);
    json_decref (result);
    return QF_CLI_OK;
}

/* ----------------------------------------------------------------------
   Commands that map their options onto one daemon command

   Most commands check their options and arguments, send them as one
   command's arguments, and print the result; they are described by a
   cli_call_t (the daemon command, how each option becomes an argument,
   how the result is printed) and run by s_cmd_mapped(). */

/* How an option or positional argument is checked and encoded. */
typedef enum {
    ARG_TEXT,   /* text, sent as it is (valid UTF-8) */
    ARG_TOKEN,  /* 1-64 characters of [a-z0-9._-] */
    ARG_DATE,   /* a real date YYYY-MM-DD, sent as text */
    ARG_AMOUNT, /* a number >= 0 */
    ARG_ID,     /* a positive integer */
    ARG_LIMIT,  /* an integer from 1 to 1000 */
    ARG_ENUM,   /* one of the words of `values` */
    ARG_FLAG,   /* an option without a value: sends `values`, or true when NULL */
} arg_kind_t;

/* The `opt` of positional argument n. */
#define ARG_POS(n) (-1 - (n))

/* One option or positional argument and the daemon argument it becomes.
   Entries sharing a key are alternatives: at most one may be given, and
   when they are required, one must be. */
typedef struct {
    int opt;            /* index in the command's options, or ARG_POS (n) */
    const char *key;    /* the daemon's argument name; NULL ends a list */
    bool required;      /* must be given */
    arg_kind_t kind;    /* how it is checked and encoded */
    const char *values; /* ARG_ENUM: allowed words, "pass|fail"; ARG_FLAG: the value sent */
    const char *label;  /* a positional argument's name in the usage line, "ID" */
    const char *after;  /* ARG_DATE: the key of a date this one must come after, or NULL */
} arg_map_t;

/* How a result is printed for people. */
typedef enum {
    OUT_RECORD, /* key: value lines; then list_key (if any) as a table */
    OUT_QUAL,   /* a qualification with its reviews and timers */
    OUT_LIST,   /* list_key as a table */
    OUT_REPORT, /* a review report: qualification, departments, outcome */
} out_kind_t;

struct _cli_call_t {
    const char *command;        /* daemon command; NULL means "<group>.<name>" */
    const arg_map_t *args;      /* how options become arguments */
    out_kind_t output;          /* how the result is printed */
    const char *list_key;       /* OUT_RECORD, OUT_LIST: the array shown as a table */
    const char *const *headers; /* its column headers */
    const char *const *keys;    /* the keys shown in them */
    size_t columns;             /* how many */
};

/* The name of an entry in messages: its option, or its positional label. */
static const char *
s_arg_label (const cli_command_t *cmd, const arg_map_t *entry)
{
    return entry->opt >= 0 ? cmd->opts[entry->opt].name : entry->label;
}

/* The text given for an entry, or NULL. */
static const char *
s_arg_text (const arg_map_t *entry, const char **opts, char **args, int nargs)
{
    if (entry->opt >= 0)
        return opts[entry->opt];
    int pos = -1 - entry->opt;
    return pos < nargs ? args[pos] : NULL;
}

/* Whether `word` is one of the '|'-separated words of `list`. */
static bool
s_word_in (const char *word, const char *list)
{
    size_t len = strlen (word);
    for (const char *p = list; p && *p;) {
        const char *end = strchr (p, '|');
        size_t n = end ? (size_t)(end - p) : strlen (p);
        if (n == len && strncmp (p, word, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* Parses a non-negative amount: an integer when it is whole, else a real. */
static json_t *
s_parse_amount (const char *text)
{
    char *end = NULL;
    if (!*text || *text == '-' || *text == '+')
        return NULL;
    double v = strtod (text, &end);
    if (*end || !isfinite (v) || v < 0)
        return NULL;
    if (v == floor (v) && v < 9007199254740992.0)
        return json_integer ((json_int_t)v);
    return json_real (v);
}

/* Checks and encodes one entry's text; reports a usage error and returns
   NULL when it is not valid. `call_args` holds the entries before it. */
static json_t *
s_arg_value (const cli_command_t *cmd, const arg_map_t *map, const arg_map_t *entry,
             const char *text, json_t *call_args)
{
    const char *label = s_arg_label (cmd, entry);
    uint64_t number;
    int32_t day, before;
    json_t *value = NULL;
    switch (entry->kind) {
    case ARG_TOKEN:
        if (!qf_valid_token (text, QF_NAME_MAX))
            s_usage_error (cmd, "%s must be 1-64 characters of [a-z0-9._-], got \"%s\"", label,
                           text);
        else
            value = json_string (text);
        break;
    case ARG_DATE:
        if (qf_date_parse (text, &day) != 0) {
            s_usage_error (cmd, "%s: \"%s\" is not a real date in the form YYYY-MM-DD", label,
                           text);
            break;
        }
        for (const arg_map_t *e = map; entry->after && e->key; e++) {
            const char *earlier = json_string_value (json_object_get (call_args, e->key));
            if (streq (e->key, entry->after) && earlier && qf_date_parse (earlier, &before) == 0 &&
                day <= before) {
                s_usage_error (cmd, "%s (%s) must be after %s (%s)", label, text,
                               s_arg_label (cmd, e), earlier);
                return NULL;
            }
        }
        value = json_string (text);
        break;
    case ARG_AMOUNT:
        value = s_parse_amount (text);
        if (!value)
            s_usage_error (cmd, "%s: expected a number >= 0, got \"%s\"", label, text);
        break;
    case ARG_ID:
        if (s_parse_id (cmd, label, text, &number) == 0)
            value = json_integer ((json_int_t)number);
        break;
    case ARG_LIMIT:
        if (s_parse_uint (text, 1, 1000, &number))
            s_usage_error (cmd, "%s must be an integer from 1 to 1000, got \"%s\"", label, text);
        else
            value = json_integer ((json_int_t)number);
        break;
    case ARG_ENUM:
        if (!s_word_in (text, entry->values))
            s_usage_error (cmd, "%s must be one of %s, got \"%s\"", label, entry->values, text);
        else
            value = json_string (text);
        break;
    case ARG_FLAG: value = entry->values ? json_string (entry->values) : json_true (); break;
    default:
        value = json_string (text);
        if (!value)
            s_usage_error (cmd, "%s: not valid UTF-8", label);
    }
    return value;
}

/* Reports the missing required entry `entry`, naming its alternatives. */
static int
s_arg_missing (const cli_command_t *cmd, const arg_map_t *map, const arg_map_t *entry)
{
    char names[256] = "";
    size_t used = 0;
    for (const arg_map_t *e = map; e->key && used < sizeof names; e++)
        if (streq (e->key, entry->key))
            used += (size_t)snprintf (names + used, sizeof names - used, "%s%s", used ? " or " : "",
                                      s_arg_label (cmd, e));
    return s_usage_error (cmd, "missing %s", names);
}

/* Builds a command's arguments from its options and positional arguments
   as `map` says. Returns 0 with the arguments in *call_args_p, or an exit
   code after reporting the problem. */
static int
s_build_args (const cli_command_t *cmd, const arg_map_t *map, const char **opts, char **args,
              int nargs, json_t **call_args_p)
{
    json_t *call_args = json_object ();
    if (!call_args)
        return QF_CLI_ERROR;
    for (const arg_map_t *entry = map; entry && entry->key; entry++) {
        const char *text = s_arg_text (entry, opts, args, nargs);
        if (!text)
            continue;
        for (const arg_map_t *e = map; e < entry; e++)
            if (streq (e->key, entry->key) && s_arg_text (e, opts, args, nargs)) {
                json_decref (call_args);
                return s_usage_error (cmd, "%s cannot be combined with %s",
                                      s_arg_label (cmd, entry), s_arg_label (cmd, e));
            }
        json_t *value = s_arg_value (cmd, map, entry, text, call_args);
        if (!value) {
            json_decref (call_args);
            return QF_CLI_USAGE;
        }
        json_object_set_new (call_args, entry->key, value);
    }
    for (const arg_map_t *entry = map; entry && entry->key; entry++)
        if (entry->required && !json_object_get (call_args, entry->key)) {
            json_decref (call_args);
            return s_arg_missing (cmd, map, entry);
        }
    *call_args_p = call_args;
    return 0;
}

/* Prints "key: yes|no" for a boolean (or 0/1) field when it is present. */
static void
s_print_yes_no (json_t *record, const char *key, int indent)
{
    json_t *value = json_object_get (record, key);
    if (json_is_boolean (value) || json_is_integer (value))
        printf ("%*s%s: %s\n", indent, "", key,
                json_is_true (value) || json_integer_value (value) ? "yes" : "no");
}

/* Prints a qualification's fields as key: value lines, its flags as
   yes/no last; the same in every command that shows one. */
static void
s_print_qual_fields (json_t *record, int indent)
{
    static const char *const skip[] = {"reviews", "timers", "sellable", "suspended", NULL};
    s_print_record (record, indent, skip);
    s_print_yes_no (record, "sellable", indent);
    s_print_yes_no (record, "suspended", indent);
}

/* Prints reviews as a table: `with_round` adds their round. The findings
   come last, cut to fit the line. */
static void
s_print_reviews (qf_cli_t *cli, json_t *reviews, bool with_round)
{
    static const char *const headers[] = {"ROUND", "DEPARTMENT", "VERDICT", "STATUS", "FINDINGS"};
    static const char *const keys[] = {"round", "department", "verdict", "status", "findings"};
    size_t skip = with_round ? 0 : 1;
    s_print_object_table (cli, reviews, headers + skip, keys + skip, 5 - skip);
}

/* Prints what the failed reviews of round `round` suggest doing, one
   "department: suggestions" line each, under a "to do:" heading; nothing
   when none suggests anything. */
static void
s_print_suggestions (json_t *reviews, json_int_t round)
{
    bool heading = false;
    size_t i;
    json_t *review;
    json_array_foreach (reviews, i, review)
    {
        const char *text = json_string_value (json_object_get (review, "suggestions"));
        json_t *its_round = json_object_get (review, "round");
        if (!text || !*text || (its_round && json_integer_value (its_round) != round))
            continue;
        if (!heading)
            printf ("\nto do:\n");
        heading = true;
        char *department =
            qf_table_clean (json_string_value (json_object_get (review, "department")));
        char *clean = qf_table_clean (text);
        printf ("  %s: %s\n", department ? department : "?", clean ? clean : "?");
        free (clean);
        free (department);
    }
}

/* Prints one qualification record as key: value lines, then its reviews
   (with what the failed ones of its round suggest) and timers (when
   present) as tables. */
static void
s_print_qualification (qf_cli_t *cli, json_t *record)
{
    s_print_qual_fields (record, 0);
    json_t *reviews = json_object_get (record, "reviews");
    if (json_is_array (reviews)) {
        printf ("\nreviews:\n");
        s_print_reviews (cli, reviews, true);
        s_print_suggestions (reviews, json_integer_value (json_object_get (record, "round")));
    }
    json_t *timers = json_object_get (record, "timers");
    if (json_is_array (timers)) {
        static const char *const headers[] = {"KIND", "LEAD_DAYS", "DUE", "STATE"};
        static const char *const keys[] = {"kind", "lead_days", "due", "state"};
        printf ("\ntimers:\n");
        s_print_object_table (cli, timers, headers, keys, 4);
    }
}

/* Prints a review report: the qualification, any other fields, the
   departments' verdicts as a table with what the failed ones suggest,
   and the outcome. */
static void
s_print_report (qf_cli_t *cli, json_t *result)
{
    static const char *const skip[] = {"qualification", "departments", "reviews", "outcome", NULL};
    json_t *qual = json_object_get (result, "qualification");
    if (json_is_object (qual)) {
        printf ("qualification:\n");
        s_print_qual_fields (qual, 2);
    }
    s_print_record (result, 0, skip);
    json_t *departments = json_object_get (result, "departments");
    if (!departments)
        departments = json_object_get (result, "reviews");
    if (json_is_array (departments)) {
        printf ("\ndepartments:\n");
        s_print_reviews (cli, departments, false);
        s_print_suggestions (departments, json_integer_value (json_object_get (result, "round")));
    }
    json_t *outcome = json_object_get (result, "outcome");
    if (json_is_object (outcome)) {
        printf ("\noutcome:\n");
        s_print_record (outcome, 2, NULL);
    } else if (outcome) {
        char *text = qf_cli_format_value ("outcome", outcome);
        char *clean = qf_table_clean (text);
        printf ("\noutcome: %s\n", clean ? clean : "?");
        free (clean);
        free (text);
    }
}

/* Prints a command's result: JSON, or as its call says. */
static void
s_print_result (qf_cli_t *cli, const cli_call_t *call, json_t *result)
{
    json_t *list = call->list_key ? json_object_get (result, call->list_key) : NULL;
    if (cli->json) {
        /* These lists have no paging (--after): nothing comes next. */
        if (call->output == OUT_LIST)
            qf_cli_print_list_json (list, 0);
        else
            qf_cli_print_json (result);
        return;
    }
    const char *const skip[] = {call->list_key, NULL};
    switch (call->output) {
    case OUT_QUAL: s_print_qualification (cli, result); break;
    case OUT_REPORT: s_print_report (cli, result); break;
    case OUT_LIST:
        s_print_object_table (cli, list, call->headers, call->keys, call->columns);
        break;
    default:
        s_print_record (result, 0, skip);
        if (json_is_array (list)) {
            printf ("\n%s:\n", call->list_key);
            s_print_object_table (cli, list, call->headers, call->keys, call->columns);
        }
    }
}

/* Runs a command described by its cli_call_t. */
static int
s_cmd_mapped (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    const cli_call_t *call = cmd->call;
    json_t *call_args = NULL, *result;
    int rc = s_build_args (cmd, call->args, opts, args, nargs, &call_args);
    if (rc)
        return rc;
    char command[QF_NAME_MAX + 1];
    snprintf (command, sizeof command, "%s.%s", cmd->group, cmd->name);
    if (qf_cli_call (cli, call->command ? call->command : command, call_args, false, &result))
        return QF_CLI_ERROR;
    s_print_result (cli, call, result);
    json_decref (result);
    return QF_CLI_OK;
}

/* Qualifications ---------------------------------------------------------- */

enum {
    QA_CERT_NO,
    QA_AUTHORITY,
    QA_CATEGORY,
    QA_SCOPE,
    QA_ISSUED,
    QA_EXPIRES,
    QA_NAME,
    QA_COST,
    QA_REVENUE,
    QA_INDUSTRY,
    QA_COUNT
};

/* The certificate's options, shared by qual add and candidate acquire. */
// clang-format off
#define OPT_CERT_NO  {"--cert-no", NULL, "X", "certificate number (required)"}
#define OPT_SCOPE    {"--scope", NULL, "S", "scope, stated precisely (required)"}
#define OPT_ISSUED   {"--issued", NULL, "YYYY-MM-DD", "date of issue (required)"}
#define OPT_EXPIRES  {"--expires", NULL, "YYYY-MM-DD", "end of validity, after --issued (required)"}
#define OPT_COST     {"--cost", NULL, "N", "acquisition cost, a number >= 0"}
#define OPT_REVENUE  {"--revenue", NULL, "N", "expected revenue, a number >= 0"}
#define OPT_INDUSTRY {"--industry", NULL, "I", "the industry it is meant for (technical review)"}
// clang-format on

static const cli_opt_t s_qual_add_opts[] = {
    [QA_CERT_NO] = OPT_CERT_NO,
    [QA_AUTHORITY] = {"--authority", NULL, "A",
                      "issuing authority, as on the certificate (required)"},
    [QA_CATEGORY] = {"--category", NULL, "C", "qualification category (required)"},
    [QA_SCOPE] = OPT_SCOPE,
    [QA_ISSUED] = OPT_ISSUED,
    [QA_EXPIRES] = OPT_EXPIRES,
    [QA_NAME] = {"--name", NULL, "N", "a name for people"},
    [QA_COST] = OPT_COST,
    [QA_REVENUE] = OPT_REVENUE,
    [QA_INDUSTRY] = OPT_INDUSTRY,
    [QA_COUNT] = {NULL, NULL, NULL, NULL},
};

static const arg_map_t s_qual_add_args[] = {
    {QA_CERT_NO, "cert_no", true, ARG_TEXT},
    {QA_AUTHORITY, "authority", true, ARG_TEXT},
    {QA_CATEGORY, "category", true, ARG_TEXT},
    {QA_SCOPE, "scope", true, ARG_TEXT},
    {QA_ISSUED, "issued", true, ARG_DATE},
    {QA_EXPIRES, "expires", true, ARG_DATE, NULL, NULL, "issued"},
    {QA_NAME, "name", false, ARG_TEXT},
    {QA_COST, "acquisition_cost", false, ARG_AMOUNT},
    {QA_REVENUE, "expected_revenue", false, ARG_AMOUNT},
    {QA_INDUSTRY, "industry", false, ARG_TEXT},
    {0, NULL},
};
static const cli_call_t s_qual_add_call = {"qual.add", s_qual_add_args, OUT_QUAL};

/* Commands whose only argument is a qualification's id. */
static const arg_map_t s_id_args[] = {{ARG_POS (0), "id", true, ARG_ID, NULL, "ID"}, {0, NULL}};
static const cli_call_t s_qual_submit_call = {"qual.submit", s_id_args, OUT_QUAL};
static const cli_call_t s_qual_show_call = {"qual.get", s_id_args, OUT_QUAL};
static const cli_call_t s_qual_report_call = {"qual.report", s_id_args, OUT_REPORT};

enum { QR_EXPIRES, QR_COUNT };
static const cli_opt_t s_qual_renew_opts[] = {
    [QR_EXPIRES] = {"--expires", NULL, "YYYY-MM-DD",
                    "the new end of validity, after the current one (required)"},
    [QR_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_qual_renew_args[] = {
    {ARG_POS (0), "id", true, ARG_ID, NULL, "ID"},
    {QR_EXPIRES, "expires", true, ARG_DATE},
    {0, NULL},
};
static const cli_call_t s_qual_renew_call = {"qual.renew", s_qual_renew_args, OUT_QUAL};

enum {
    QX_NAME,
    QX_CERT_NO,
    QX_AUTHORITY,
    QX_CATEGORY,
    QX_SCOPE,
    QX_ISSUED,
    QX_EXPIRES,
    QX_COST,
    QX_REVENUE,
    QX_INDUSTRY,
    QX_COUNT
};
static const cli_opt_t s_qual_rectify_opts[] = {
    [QX_NAME] = {"--name", NULL, "N", "a name for people"},
    [QX_CERT_NO] = {"--cert-no", NULL, "X", "corrected certificate number"},
    [QX_AUTHORITY] = {"--authority", NULL, "A", "corrected issuing authority"},
    [QX_CATEGORY] = {"--category", NULL, "C", "corrected category"},
    [QX_SCOPE] = {"--scope", NULL, "S", "corrected scope"},
    [QX_ISSUED] = {"--issued", NULL, "YYYY-MM-DD", "corrected date of issue"},
    [QX_EXPIRES] = {"--expires", NULL, "YYYY-MM-DD", "corrected end of validity"},
    [QX_COST] = OPT_COST,
    [QX_REVENUE] = OPT_REVENUE,
    [QX_INDUSTRY] = OPT_INDUSTRY,
    [QX_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_qual_rectify_args[] = {
    {ARG_POS (0), "id", true, ARG_ID, NULL, "ID"},
    {QX_NAME, "name", false, ARG_TEXT},
    {QX_CERT_NO, "cert_no", false, ARG_TEXT},
    {QX_AUTHORITY, "authority", false, ARG_TEXT},
    {QX_CATEGORY, "category", false, ARG_TEXT},
    {QX_SCOPE, "scope", false, ARG_TEXT},
    {QX_ISSUED, "issued", false, ARG_DATE},
    {QX_EXPIRES, "expires", false, ARG_DATE},
    {QX_COST, "acquisition_cost", false, ARG_AMOUNT},
    {QX_REVENUE, "expected_revenue", false, ARG_AMOUNT},
    {QX_INDUSTRY, "industry", false, ARG_TEXT},
    {0, NULL},
};
static const cli_call_t s_qual_rectify_call = {"qual.rectify", s_qual_rectify_args, OUT_QUAL};

enum { QJ_REASON, QJ_COUNT };
static const cli_opt_t s_qual_reject_opts[] = {
    [QJ_REASON] = {"--reason", NULL, "TEXT", "why it is rejected (required)"},
    [QJ_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_qual_reject_args[] = {
    {ARG_POS (0), "id", true, ARG_ID, NULL, "ID"},
    {QJ_REASON, "reason", true, ARG_TEXT},
    {0, NULL},
};
static const cli_call_t s_qual_reject_call = {"qual.reject", s_qual_reject_args, OUT_QUAL};

/* Reviews and renewals ---------------------------------------------------- */

enum { RD_ROUND, RD_DEPARTMENT, RD_VERDICT, RD_NOTE, RD_COUNT };
static const cli_opt_t s_review_decide_opts[] = {
    [RD_ROUND] = {"--round", NULL, "N", "the review round decided (required)"},
    [RD_DEPARTMENT] = {"--department", NULL, "D", "the department deciding, e.g. legal (required)"},
    [RD_VERDICT] = {"--verdict", NULL, "pass|fail", "the decision (required)"},
    [RD_NOTE] = {"--note", NULL, "TEXT", "why, for the record"},
    [RD_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_review_decide_args[] = {
    {ARG_POS (0), "qualification_id", true, ARG_ID, NULL, "QUAL_ID"},
    {RD_ROUND, "round", true, ARG_ID},
    {RD_DEPARTMENT, "department", true, ARG_TOKEN},
    {RD_VERDICT, "verdict", true, ARG_ENUM, "pass|fail"},
    {RD_NOTE, "note", false, ARG_TEXT},
    {0, NULL},
};
static const cli_call_t s_review_decide_call = {"review.decide", s_review_decide_args, OUT_RECORD};

/* Options of list commands: --state (its values in the help) and --limit. */
enum { LS_STATE, LS_LIMIT, LS_QUAL, LS_COUNT };
#define LIST_OPTS(states)                                                                          \
    {                                                                                              \
        [LS_STATE] = {"--state", NULL, "S", "only this state: " states},                           \
        [LS_LIMIT] = {"--limit", NULL, "N", "at most N records (1-1000, default 100)"},            \
        [LS_QUAL] = {                                                                              \
            NULL,                                                                                  \
            NULL,                                                                                  \
            NULL,                                                                                  \
            NULL                                                                                   \
        }                                                                                          \
    }
#define LIST_ARGS(states)                                                                          \
    {                                                                                              \
        {LS_STATE, "state", false, ARG_ENUM, states}, {LS_LIMIT, "limit", false, ARG_LIMIT},       \
        {                                                                                          \
            0, NULL                                                                                \
        }                                                                                          \
    }

static const cli_opt_t s_renewal_list_opts[] = LIST_OPTS ("open|closed");
static const arg_map_t s_renewal_list_args[] = LIST_ARGS ("open|closed");
static const char *const s_renewal_headers[] = {"QUAL_ID",        "STATE",  "URGENCY", "EXPIRES",
                                                "LAST_LEAD_DAYS", "OPENED", "UPDATED"};
static const char *const s_renewal_keys[] = {"qualification_id", "state",  "urgency", "expires",
                                             "last_lead_days",   "opened", "updated"};
static const cli_call_t s_renewal_list_call = {
    "renewal.list", s_renewal_list_args, OUT_LIST, "items", s_renewal_headers, s_renewal_keys, 7};

/* Policy changes ---------------------------------------------------------- */

enum { PR_CATEGORY, PR_DESCRIPTION, PR_EFFECTIVE, PR_COUNT };
static const cli_opt_t s_policy_record_opts[] = {
    [PR_CATEGORY] = {"--category", NULL, "C", "the qualification category it covers (required)"},
    [PR_DESCRIPTION] = {"--description", NULL, "TEXT", "what changed (required)"},
    [PR_EFFECTIVE] = {"--effective", NULL, "YYYY-MM-DD",
                      "the day it takes effect; a later day than today waits for it (required)"},
    [PR_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_policy_record_args[] = {
    {PR_CATEGORY, "category", true, ARG_TOKEN},
    {PR_DESCRIPTION, "description", true, ARG_TEXT},
    {PR_EFFECTIVE, "effective", true, ARG_DATE},
    {0, NULL},
};
static const cli_call_t s_policy_record_call = {"policy.record", s_policy_record_args, OUT_RECORD};
/* policy lift and policy apply: "policy." and the name. */
static const arg_map_t s_policy_id_args[] = {
    {ARG_POS (0), "policy_id", true, ARG_ID, NULL, "POLICY_ID"}, {0, NULL}};
static const cli_call_t s_policy_change_call = {NULL, s_policy_id_args, OUT_RECORD};

static const cli_opt_t s_policy_list_opts[] = LIST_OPTS ("pending|active|lifted");
static const arg_map_t s_policy_list_args[] = LIST_ARGS ("pending|active|lifted");
static const char *const s_policy_headers[] = {"ID",       "CATEGORY", "STATE",      "EFFECTIVE",
                                               "RECORDED", "LIFTED",   "DESCRIPTION"};
static const char *const s_policy_keys[] = {"id",       "category", "state",      "effective",
                                            "recorded", "lifted",   "description"};
static const cli_call_t s_policy_list_call = {
    "policy.list", s_policy_list_args, OUT_LIST, "items", s_policy_headers, s_policy_keys, 7};

/* Custody and loans ------------------------------------------------------- */

enum { CA_CUSTODIAN, CA_LOCATION, CA_ACQUIRED, CA_NOTES, CA_COUNT };
static const cli_opt_t s_custody_archive_opts[] = {
    [CA_CUSTODIAN] = {"--custodian", NULL, "NAME", "who keeps the certificate (required)"},
    [CA_LOCATION] = {"--location", NULL, "TEXT", "where it is kept (required)"},
    [CA_ACQUIRED] = {"--acquired", NULL, "YYYY-MM-DD",
                     "when the original came in, not after today (required)"},
    [CA_NOTES] = {"--notes", NULL, "TEXT", "anything else worth recording"},
    [CA_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_custody_archive_args[] = {
    {ARG_POS (0), "qualification_id", true, ARG_ID, NULL, "QUAL_ID"},
    {CA_CUSTODIAN, "custodian", true, ARG_TEXT},
    {CA_LOCATION, "location", true, ARG_TEXT},
    {CA_ACQUIRED, "acquired", true, ARG_DATE},
    {CA_NOTES, "notes", false, ARG_TEXT},
    {0, NULL},
};
static const cli_call_t s_custody_archive_call = {"custody.archive", s_custody_archive_args,
                                                  OUT_RECORD};

static const char *const s_loan_headers[] = {"ID",  "QUAL_ID",      "STATE",  "BORROWER",
                                             "DUE", "OVERDUE_DAYS", "PURPOSE"};
static const char *const s_loan_keys[] = {"id",  "qualification_id", "state",  "borrower",
                                          "due", "overdue_days",     "purpose"};
static const arg_map_t s_qual_id_args[] = {
    {ARG_POS (0), "qualification_id", true, ARG_ID, NULL, "QUAL_ID"}, {0, NULL}};
static const cli_call_t s_custody_show_call = {"custody.show", s_qual_id_args, OUT_RECORD, "loans",
                                               s_loan_headers, s_loan_keys,    7};

enum { LR_BORROWER, LR_PURPOSE, LR_DUE, LR_COUNT };
static const cli_opt_t s_loan_request_opts[] = {
    [LR_BORROWER] = {"--borrower", NULL, "NAME", "who borrows the certificate (required)"},
    [LR_PURPOSE] = {"--purpose", NULL, "TEXT", "what for, e.g. a tender (required)"},
    [LR_DUE] = {"--due", NULL, "YYYY-MM-DD", "when it must be back (required)"},
    [LR_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_loan_request_args[] = {
    {ARG_POS (0), "qualification_id", true, ARG_ID, NULL, "QUAL_ID"},
    {LR_BORROWER, "borrower", true, ARG_TEXT},
    {LR_PURPOSE, "purpose", true, ARG_TEXT},
    {LR_DUE, "due", true, ARG_DATE},
    {0, NULL},
};
static const cli_call_t s_loan_request_call = {"loan.request", s_loan_request_args, OUT_RECORD};
/* loan approve, refuse, lend, return: "loan." and the name. */
static const arg_map_t s_loan_id_args[] = {{ARG_POS (0), "loan_id", true, ARG_ID, NULL, "LOAN_ID"},
                                           {0, NULL}};
static const cli_call_t s_loan_change_call = {NULL, s_loan_id_args, OUT_RECORD};

#define LOAN_STATES "open|requested|approved|refused|lent|returned"
static const cli_opt_t s_loan_list_opts[] = {
    [LS_STATE] = {"--state", NULL, "S", "only this state: " LOAN_STATES},
    [LS_LIMIT] = {"--limit", NULL, "N", "at most N records (1-1000, default 100)"},
    [LS_QUAL] = {"--qual", NULL, "ID", "only the loans of this qualification"},
    [LS_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_loan_list_args[] = {
    {LS_STATE, "state", false, ARG_ENUM, LOAN_STATES},
    {LS_LIMIT, "limit", false, ARG_LIMIT},
    {LS_QUAL, "qualification_id", false, ARG_ID},
    {0, NULL},
};
static const cli_call_t s_loan_list_call = {"loan.list",    s_loan_list_args, OUT_LIST, "items",
                                            s_loan_headers, s_loan_keys,      7};

/* Acquisition candidates -------------------------------------------------- */

enum { CN_NAME, CN_CATEGORY, CN_INDUSTRY, CN_AUTHORITY, CN_SOURCE, CN_NOTES, CN_COUNT };
static const cli_opt_t s_candidate_add_opts[] = {
    [CN_NAME] = {"--name", NULL, "N", "the qualification sought (required)"},
    [CN_CATEGORY] = {"--category", NULL, "C", "its category (required)"},
    [CN_INDUSTRY] = {"--industry", NULL, "I", "the industry it serves (required)"},
    [CN_AUTHORITY] = {"--authority", NULL, "A", "the authority that issues it (required)"},
    [CN_SOURCE] = {"--source", NULL, "S", "where the lead came from (required)"},
    [CN_NOTES] = {"--notes", NULL, "T", "anything else worth recording"},
    [CN_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_candidate_add_args[] = {
    {CN_NAME, "name", true, ARG_TEXT},
    {CN_CATEGORY, "category", true, ARG_TOKEN},
    {CN_INDUSTRY, "industry", true, ARG_TEXT},
    {CN_AUTHORITY, "authority", true, ARG_TEXT},
    {CN_SOURCE, "source", true, ARG_TEXT},
    {CN_NOTES, "notes", false, ARG_TEXT},
    {0, NULL},
};

static const char *const s_progress_headers[] = {"TIME", "AUTHOR", "NOTE", "BLOCKER"};
static const char *const s_progress_keys[] = {"time", "author", "note", "blocker"};
/* Prints the candidate record with its progress notes as a table. */
#define CANDIDATE_CALL(command, args)                                                              \
    {                                                                                              \
        command, args, OUT_RECORD, "progress", s_progress_headers, s_progress_keys, 4              \
    }
static const cli_call_t s_candidate_add_call =
    CANDIDATE_CALL ("candidate.add", s_candidate_add_args);

enum { CE_LEGALITY, CE_DEMAND, CE_VALUE, CE_REPORT, CE_COUNT };
static const cli_opt_t s_candidate_evaluate_opts[] = {
    [CE_LEGALITY] = {"--legality", NULL, "T", "is acquiring it lawful, and how (required)"},
    [CE_DEMAND] = {"--demand", NULL, "T", "the market demand for it (required)"},
    [CE_VALUE] = {"--value", NULL, "T", "its potential value (required)"},
    [CE_REPORT] = {"--report", NULL, "T", "the evaluation report (required)"},
    [CE_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_candidate_evaluate_args[] = {
    {ARG_POS (0), "candidate_id", true, ARG_ID, NULL, "ID"},
    {CE_LEGALITY, "legality", true, ARG_TEXT},
    {CE_DEMAND, "market_demand", true, ARG_TEXT},
    {CE_VALUE, "potential_value", true, ARG_TEXT},
    {CE_REPORT, "report", true, ARG_TEXT},
    {0, NULL},
};
static const cli_call_t s_candidate_evaluate_call =
    CANDIDATE_CALL ("candidate.evaluate", s_candidate_evaluate_args);

enum { CD_ACQUIRE, CD_DECLINE, CD_NOTE, CD_COUNT };
static const cli_opt_t s_candidate_decide_opts[] = {
    [CD_ACQUIRE] = {"--acquire", NULL, NULL, "decide to acquire it (this or --decline)"},
    [CD_DECLINE] = {"--decline", NULL, NULL, "decide not to acquire it"},
    [CD_NOTE] = {"--note", NULL, "T", "why, for the record"},
    [CD_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_candidate_decide_args[] = {
    {ARG_POS (0), "candidate_id", true, ARG_ID, NULL, "ID"},
    {CD_ACQUIRE, "decision", true, ARG_FLAG, "acquire"},
    {CD_DECLINE, "decision", true, ARG_FLAG, "decline"},
    {CD_NOTE, "note", false, ARG_TEXT},
    {0, NULL},
};
static const cli_call_t s_candidate_decide_call =
    CANDIDATE_CALL ("candidate.decide", s_candidate_decide_args);

enum { CT_VIA, CT_AGENCY, CT_PROGRESS, CT_BLOCKER, CT_COUNT };
static const cli_opt_t s_candidate_track_opts[] = {
    [CT_VIA] = {"--via", NULL, "agency|self", "who does the acquisition (required)"},
    [CT_AGENCY] = {"--agency", NULL, "NAME", "the agency (required with --via agency)"},
    [CT_PROGRESS] = {"--progress", NULL, "TEXT", "what happened (required)"},
    [CT_BLOCKER] = {"--blocker", NULL, "TEXT", "what holds it up; management is told"},
    [CT_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_candidate_track_args[] = {
    {ARG_POS (0), "candidate_id", true, ARG_ID, NULL, "ID"},
    {CT_VIA, "via", true, ARG_ENUM, "agency|self"},
    {CT_AGENCY, "agency", false, ARG_TEXT},
    {CT_PROGRESS, "progress", true, ARG_TEXT},
    {CT_BLOCKER, "blocker", false, ARG_TEXT},
    {0, NULL},
};
static const cli_call_t s_candidate_track_call =
    CANDIDATE_CALL ("candidate.track", s_candidate_track_args);

static int
s_cmd_candidate_track (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args,
                       int nargs)
{
    if (opts[CT_VIA] && streq (opts[CT_VIA], "agency") && !opts[CT_AGENCY])
        return s_usage_error (cmd, "--via agency needs --agency NAME");
    return s_cmd_mapped (cli, cmd, opts, args, nargs);
}

/* candidate acquire takes qual add's certificate options. */
enum { CQ_CERT_NO, CQ_ISSUED, CQ_EXPIRES, CQ_SCOPE, CQ_COST, CQ_REVENUE, CQ_COUNT };
static const cli_opt_t s_candidate_acquire_opts[] = {
    [CQ_CERT_NO] = OPT_CERT_NO,
    [CQ_ISSUED] = OPT_ISSUED,
    [CQ_EXPIRES] = OPT_EXPIRES,
    [CQ_SCOPE] = OPT_SCOPE,
    [CQ_COST] = OPT_COST,
    [CQ_REVENUE] = OPT_REVENUE,
    [CQ_COUNT] = {NULL, NULL, NULL, NULL},
};
static const arg_map_t s_candidate_acquire_args[] = {
    {ARG_POS (0), "candidate_id", true, ARG_ID, NULL, "ID"},
    {CQ_CERT_NO, "cert_no", true, ARG_TEXT},
    {CQ_ISSUED, "issued", true, ARG_DATE},
    {CQ_EXPIRES, "expires", true, ARG_DATE, NULL, NULL, "issued"},
    {CQ_SCOPE, "scope", true, ARG_TEXT},
    {CQ_COST, "acquisition_cost", false, ARG_AMOUNT},
    {CQ_REVENUE, "expected_revenue", false, ARG_AMOUNT},
    {0, NULL},
};
static const cli_call_t s_candidate_acquire_call =
    CANDIDATE_CALL ("candidate.acquire", s_candidate_acquire_args);

static const arg_map_t s_candidate_id_args[] = {
    {ARG_POS (0), "candidate_id", true, ARG_ID, NULL, "ID"}, {0, NULL}};
static const cli_call_t s_candidate_show_call =
    CANDIDATE_CALL ("candidate.show", s_candidate_id_args);

#define CANDIDATE_STATES "candidate|evaluated|acquiring|declined|acquired"
static const cli_opt_t s_candidate_list_opts[] = LIST_OPTS (CANDIDATE_STATES);
static const arg_map_t s_candidate_list_args[] = LIST_ARGS (CANDIDATE_STATES);
static const char *const s_candidate_headers[] = {"ID",        "STATE",   "CATEGORY", "INDUSTRY",
                                                  "AUTHORITY", "QUAL_ID", "NAME"};
static const char *const s_candidate_keys[] = {
    "id", "state", "category", "industry", "authority", "qualification_id", "name"};
static const cli_call_t s_candidate_list_call = {
    "candidate.list",    s_candidate_list_args, OUT_LIST, "items",
    s_candidate_headers, s_candidate_keys,      7};

enum { QL_STATE, QL_LIMIT, QL_AFTER, QL_EXPIRING, QL_SELLABLE, QL_COUNT };

static const cli_opt_t s_qual_list_opts[] = {
    [QL_STATE] = {"--state", NULL, "S", "only this state (draft, in_review, approved, ...)"},
    [QL_LIMIT] = {"--limit", NULL, "N", "at most N records (1-1000, default 100)"},
    [QL_AFTER] = {"--after", NULL, "ID", "records with ids after ID (for paging)"},
    [QL_EXPIRING] = {"--expiring", NULL, "Nd",
                     "only those expiring within N days from today (e.g. 30d), soonest first"},
    [QL_SELLABLE] = {"--sellable", NULL, NULL,
                     "only those sales may offer: approved, not suspended, with enough "
                     "validity left (not with --state or --expiring)"},
    [QL_COUNT] = {NULL, NULL, NULL, NULL},
};

static int
s_cmd_qual_list (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)args, (void)nargs;
    uint64_t limit = 100, after = 0;
    if (opts[QL_LIMIT] && s_parse_uint (opts[QL_LIMIT], 1, 1000, &limit))
        return s_usage_error (cmd, "--limit must be an integer from 1 to 1000, got \"%s\"",
                              opts[QL_LIMIT]);
    if (opts[QL_AFTER] && s_parse_uint (opts[QL_AFTER], 0, INT64_MAX, &after))
        return s_usage_error (cmd, "--after must be an id (an integer >= 0), got \"%s\"",
                              opts[QL_AFTER]);
    uint64_t days = 0;
    if (opts[QL_EXPIRING]) {
        char text[16];
        size_t len = strlen (opts[QL_EXPIRING]);
        if (len >= 2 && len < sizeof text && opts[QL_EXPIRING][len - 1] == 'd') {
            memcpy (text, opts[QL_EXPIRING], len - 1);
            text[len - 1] = 0;
        } else
            text[0] = 0;
        if (s_parse_uint (text, 0, 3650, &days))
            return s_usage_error (cmd,
                                  "--expiring takes a number of days such as 30d "
                                  "(0d to 3650d), got \"%s\"",
                                  opts[QL_EXPIRING]);
    }
    if (opts[QL_SELLABLE] && (opts[QL_STATE] || opts[QL_EXPIRING]))
        return s_usage_error (cmd, "--sellable cannot be combined with %s",
                              opts[QL_STATE] ? "--state" : "--expiring");
    json_t *call_args = json_object ();
    if (!call_args)
        return QF_CLI_ERROR;
    if (opts[QL_SELLABLE])
        json_object_set_new (call_args, "sellable", json_true ());
    if (opts[QL_EXPIRING])
        json_object_set_new (call_args, "expiring_days", json_integer ((json_int_t)days));
    if (opts[QL_STATE])
        json_object_set_new (call_args, "state", json_string (opts[QL_STATE]));
    if (opts[QL_LIMIT])
        json_object_set_new (call_args, "limit", json_integer ((json_int_t)limit));
    if (opts[QL_AFTER])
        json_object_set_new (call_args, "after_id", json_integer ((json_int_t)after));
    json_t *result;
    if (qf_cli_call (cli, "qual.list", call_args, false, &result))
        return QF_CLI_ERROR;
    json_t *items = json_object_get (result, "items");
    json_t *next = json_object_get (result, "next_after_id");
    bool full = json_array_size (items) == limit && json_is_integer (next);
    if (cli->json) {
        qf_cli_print_list_json (items, full ? json_integer_value (next) : 0);
        json_decref (result);
        return QF_CLI_OK;
    }
    static const char *const headers[] = {"ID",        "STATE",    "ROUND",  "CERT_NO",
                                          "AUTHORITY", "CATEGORY", "EXPIRES"};
    static const char *const keys[] = {"id",        "state",    "round",  "cert_no",
                                       "authority", "category", "expires"};
    s_print_object_table (cli, items, headers, keys, 7);
    if (full)
        fprintf (stderr, "(more: qualflow qual list --after %" JSON_INTEGER_FORMAT "%s%s)\n",
                 json_integer_value (next), opts[QL_STATE] ? " --state " : "",
                 opts[QL_STATE] ? opts[QL_STATE] : "");
    json_decref (result);
    return QF_CLI_OK;
}

enum { EV_AFTER, EV_LIMIT, EV_TOPIC, EV_FOLLOW, EV_COUNT };

static const cli_opt_t s_events_opts[] = {
    [EV_AFTER] = {"--after", NULL, "SEQ", "events after this sequence number (default 0)"},
    [EV_LIMIT] = {"--limit", NULL, "N",
                  "at most N events (default 100); with --follow and no --after, "
                  "start N events before the end (default 10)"},
    [EV_TOPIC] = {"--topic", NULL, "T", "only events with this topic"},
    [EV_FOLLOW] = {"--follow", "-f", NULL,
                   "keep printing new events as they are committed, until interrupted"},
    [EV_COUNT] = {NULL, NULL, NULL, NULL},
};

static int
s_cmd_events (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)args, (void)nargs;
    uint64_t after = 0, limit = opts[EV_FOLLOW] ? 10 : 100;
    if (opts[EV_AFTER] && s_parse_uint (opts[EV_AFTER], 0, INT64_MAX, &after))
        return s_usage_error (
            cmd, "--after must be a sequence number (an integer >= 0), got \"%s\"", opts[EV_AFTER]);
    if (opts[EV_LIMIT] && s_parse_uint (opts[EV_LIMIT], 1, INT64_MAX, &limit))
        return s_usage_error (cmd, "--limit must be a positive integer, got \"%s\"",
                              opts[EV_LIMIT]);
    if (opts[EV_TOPIC] && !qf_valid_token (opts[EV_TOPIC], QF_TOPIC_MAX))
        return s_usage_error (cmd, "--topic must be 1-128 characters of [a-z0-9._-], got \"%s\"",
                              opts[EV_TOPIC]);
    return qf_cli_events (cli, opts[EV_AFTER] != NULL, after, (int64_t)limit, opts[EV_TOPIC],
                          opts[EV_FOLLOW] != NULL);
}

/* Parses a consumer group name argument; on failure reports a usage
   error. */
static int
s_parse_group (const cli_command_t *cmd, const char *text)
{
    if (!qf_valid_token (text, QF_NAME_MAX))
        return s_usage_error (cmd, "GROUP must be 1-64 characters of [a-z0-9._-], got \"%s\"",
                              text);
    return 0;
}

/* Parses a dead letter's sequence number argument; on failure reports a
   usage error. */
static int
s_parse_seq (const cli_command_t *cmd, const char *text, uint64_t *seq_p)
{
    if (s_parse_uint (text, 1, INT64_MAX, seq_p) != 0)
        return s_usage_error (cmd, "SEQ must be a sequence number (a positive integer), got \"%s\"",
                              text);
    return 0;
}

/* Reads two decimal digits at `text` as a number from 0 to max. Returns
   whether it could; reads nothing past a NUL. */
static bool
s_two_digits (const char *text, int max, int *value_p)
{
    if (!isdigit ((unsigned char)text[0]) || !isdigit ((unsigned char)text[1]))
        return false;
    *value_p = (text[0] - '0') * 10 + (text[1] - '0');
    return *value_p <= max;
}

/* Parses a date "YYYY-MM-DD" (midnight UTC) or an RFC 3339 time
   "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" into milliseconds
   since the epoch; fraction digits past the millisecond are dropped.
   Returns 0, or -1 when the text is neither or names an instant before
   1970 (the protocol's times are not negative). */
static int
s_parse_instant (const char *text, int64_t *ms_p)
{
    char date[11];
    int32_t day;
    if (strlen (text) < 10)
        return -1;
    memcpy (date, text, 10);
    date[10] = 0;
    if (qf_date_parse (date, &day) != 0)
        return -1;
    int64_t ms = (int64_t)day * 86400000;
    const char *p = text + 10;
    if (*p) {
        int hour, minute, second;
        if ((*p != 'T' && *p != 't') || !s_two_digits (p + 1, 23, &hour) || p[3] != ':' ||
            !s_two_digits (p + 4, 59, &minute) || p[6] != ':' || !s_two_digits (p + 7, 59, &second))
            return -1;
        ms += ((int64_t)hour * 3600 + minute * 60 + second) * 1000;
        p += 9;
        if (*p == '.') {
            p++;
            if (!isdigit ((unsigned char)*p))
                return -1;
            for (int scale = 100; isdigit ((unsigned char)*p); p++, scale /= 10)
                ms += (*p - '0') * scale;
        }
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-') {
            int offset_hours, offset_minutes;
            if (!s_two_digits (p + 1, 23, &offset_hours) || p[3] != ':' ||
                !s_two_digits (p + 4, 59, &offset_minutes))
                return -1;
            int64_t offset = ((int64_t)offset_hours * 60 + offset_minutes) * 60000;
            ms += *p == '+' ? -offset : offset;
            p += 6;
        } else
            return -1;
        if (*p)
            return -1;
    }
    if (ms < 0)
        return -1;
    *ms_p = ms;
    return 0;
}

/* Prints a JSON value as indented JSON, each line indented by `indent`
   spaces and cleaned of control characters. */
static void
s_print_json_indented (json_t *value, int indent)
{
    char *text = json_dumps (value, JSON_INDENT (2) | JSON_ENCODE_ANY);
    if (!text) {
        printf ("%*s-\n", indent, "");
        return;
    }
    char *line = text;
    while (line) {
        char *end = strchr (line, '\n');
        if (end)
            *end = 0;
        char *clean = qf_table_clean (line);
        printf ("%*s%s\n", indent, "", clean ? clean : "?");
        free (clean);
        line = end ? end + 1 : NULL;
    }
    free (text);
}

static int
s_cmd_groups (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)cmd, (void)opts, (void)args, (void)nargs;
    json_t *result;
    if (qf_cli_call (cli, "groups.list", NULL, false, &result))
        return QF_CLI_ERROR;
    if (cli->json) {
        qf_cli_print_list_json (json_object_get (result, "groups"), 0);
        json_decref (result);
        return QF_CLI_OK;
    }
    static const char *const headers[] = {"GROUP",     "TOPICS",  "POSITION",    "LAG",
                                          "IN_FLIGHT", "MEMBERS", "REDELIVERED", "DEAD"};
    static const char *const keys[] = {"name",      "topics",  "position",    "lag",
                                       "in_flight", "members", "redelivered", "dead_letters"};
    s_print_object_table (cli, json_object_get (result, "groups"), headers, keys, 8);
    json_decref (result);
    return QF_CLI_OK;
}

static const arg_map_t s_groups_delete_args[] = {
    {ARG_POS (0), "group", true, ARG_TOKEN, NULL, "GROUP"}, {0, NULL}};
static const cli_call_t s_groups_delete_call = {"groups.delete", s_groups_delete_args, OUT_RECORD};

enum { GS_TO, GS_COUNT };

static const cli_opt_t s_groups_seek_opts[] = {
    [GS_TO] = {"--to", NULL, "SEQ|TIME",
               "a sequence number, or a time: RFC 3339 (2026-11-26T23:21:40Z) or a date "
               "(2026-11-26, midnight UTC) (required)"},
    [GS_COUNT] = {NULL, NULL, NULL, NULL},
};

static int
s_cmd_groups_seek (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args,
                   int nargs)
{
    (void)nargs;
    const char *to = opts[GS_TO];
    if (s_parse_group (cmd, args[0]))
        return QF_CLI_USAGE;
    if (!to)
        return s_usage_error (cmd, "missing --to");
    json_t *call_args;
    if (*to && strspn (to, "0123456789") == strlen (to)) {
        uint64_t seq;
        if (s_parse_uint (to, 1, INT64_MAX, &seq))
            return s_usage_error (cmd,
                                  "--to: a sequence number must be a positive integer, "
                                  "got \"%s\"",
                                  to);
        call_args = json_pack ("{s:s, s:I}", "group", args[0], "seq", (json_int_t)seq);
    } else {
        int64_t ms;
        if (s_parse_instant (to, &ms))
            return s_usage_error (cmd,
                                  "--to must be a sequence number, an RFC 3339 time such as "
                                  "2026-11-26T23:21:40Z or 2026-11-26T23:21:40.553Z, or a "
                                  "date YYYY-MM-DD (from 1970 on), got \"%s\"",
                                  to);
        call_args = json_pack ("{s:s, s:I}", "group", args[0], "time", (json_int_t)ms);
    }
    json_t *result;
    if (qf_cli_call (cli, "groups.seek", call_args, false, &result))
        return QF_CLI_ERROR;
    if (cli->json)
        qf_cli_print_json (result);
    else
        s_print_record (result, 0, NULL);
    json_decref (result);
    return QF_CLI_OK;
}

enum { DL_AFTER, DL_LIMIT, DL_COUNT };

static const cli_opt_t s_dlq_list_opts[] = {
    [DL_AFTER] = {"--after", NULL, "SEQ", "dead letters of events after this sequence number"},
    [DL_LIMIT] = {"--limit", NULL, "N", "at most N dead letters (1-1000, default 100)"},
    [DL_COUNT] = {NULL, NULL, NULL, NULL},
};

static int
s_cmd_dlq_list (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)nargs;
    uint64_t limit = 100, after = 0;
    if (s_parse_group (cmd, args[0]))
        return QF_CLI_USAGE;
    if (opts[DL_AFTER] && s_parse_uint (opts[DL_AFTER], 0, INT64_MAX, &after))
        return s_usage_error (
            cmd, "--after must be a sequence number (an integer >= 0), got \"%s\"", opts[DL_AFTER]);
    if (opts[DL_LIMIT] && s_parse_uint (opts[DL_LIMIT], 1, 1000, &limit))
        return s_usage_error (cmd, "--limit must be an integer from 1 to 1000, got \"%s\"",
                              opts[DL_LIMIT]);
    json_t *call_args = json_pack ("{s:s}", "group", args[0]);
    if (!call_args)
        return QF_CLI_ERROR;
    if (opts[DL_AFTER])
        json_object_set_new (call_args, "after", json_integer ((json_int_t)after));
    if (opts[DL_LIMIT])
        json_object_set_new (call_args, "limit", json_integer ((json_int_t)limit));
    json_t *result;
    if (qf_cli_call (cli, "dlq.list", call_args, false, &result))
        return QF_CLI_ERROR;
    json_t *items = json_object_get (result, "items");
    json_t *last = json_object_get (json_array_get (items, json_array_size (items) - 1), "seq");
    bool full = json_array_size (items) == limit && json_is_integer (last);
    if (cli->json) {
        qf_cli_print_list_json (items, full ? json_integer_value (last) : 0);
        json_decref (result);
        return QF_CLI_OK;
    }
    static const char *const headers[] = {"SEQ", "TOPIC", "ATTEMPTS", "TIME", "LAST_ERROR"};
    static const char *const keys[] = {"seq", "topic", "attempts", "time", "last_error"};
    s_print_object_table (cli, items, headers, keys, 5);
    if (full)
        fprintf (stderr, "(more: qualflow dlq list %s --after %" JSON_INTEGER_FORMAT ")\n", args[0],
                 json_integer_value (last));
    json_decref (result);
    return QF_CLI_OK;
}

static int
s_cmd_dlq_show (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)opts, (void)nargs;
    uint64_t seq;
    if (s_parse_group (cmd, args[0]) || s_parse_seq (cmd, args[1], &seq))
        return QF_CLI_USAGE;
    json_t *result;
    if (qf_cli_call (cli, "dlq.show",
                     json_pack ("{s:s, s:I}", "group", args[0], "seq", (json_int_t)seq), false,
                     &result))
        return QF_CLI_ERROR;
    if (cli->json) {
        qf_cli_print_json (result);
        json_decref (result);
        return QF_CLI_OK;
    }
    printf ("group: %s\n", args[0]);
    static const char *const skip[] = {"event", NULL};
    s_print_record (result, 0, skip);
    json_t *event = json_object_get (result, "event");
    if (json_is_object (event)) {
        static const char *const event_skip[] = {"payload", NULL};
        printf ("\nevent:\n");
        s_print_record (event, 2, event_skip);
        printf ("  payload:\n");
        s_print_json_indented (json_object_get (event, "payload"), 4);
    }
    json_decref (result);
    return QF_CLI_OK;
}

/* dlq retry and dlq drop: the daemon command is "dlq." and the name. */
static int
s_cmd_dlq_change (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args,
                  int nargs)
{
    (void)opts, (void)nargs;
    uint64_t seq;
    if (s_parse_group (cmd, args[0]) || s_parse_seq (cmd, args[1], &seq))
        return QF_CLI_USAGE;
    char command[QF_NAME_MAX + 1];
    snprintf (command, sizeof command, "dlq.%s", cmd->name);
    json_t *result;
    if (qf_cli_call (cli, command,
                     json_pack ("{s:s, s:I}", "group", args[0], "seq", (json_int_t)seq), false,
                     &result))
        return QF_CLI_ERROR;
    if (cli->json)
        qf_cli_print_json (result);
    else
        s_print_record (result, 0, NULL);
    json_decref (result);
    return QF_CLI_OK;
}

static int
s_cmd_call (qf_cli_t *cli, const cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)opts;
    const char *command = args[0];
    if (!qf_valid_token (command, QF_NAME_MAX))
        return s_usage_error (cmd, "COMMAND must be 1-64 characters of [a-z0-9._-], got \"%s\"",
                              command);
    json_t *call_args = NULL;
    if (nargs > 1) {
        json_error_t error;
        call_args = json_loads (args[1], JSON_REJECT_DUPLICATES, &error);
        if (!call_args)
            return s_usage_error (cmd, "JSON-ARGS is not valid JSON: %s (at character %d)",
                                  error.text, error.position);
        if (!json_is_object (call_args)) {
            json_decref (call_args);
            return s_usage_error (cmd, "JSON-ARGS must be a JSON object, such as '{\"id\": 1}'");
        }
    }
    json_t *result;
    if (qf_cli_call (cli, command, call_args, false, &result))
        return QF_CLI_ERROR;
    if (cli->json)
        qf_cli_print_json (result);
    else
        s_print_record (result, 0, NULL);
    json_decref (result);
    return QF_CLI_OK;
}

static const cli_command_t s_commands[] = {
    {NULL, "ping", "", "check that the daemon answers",
     "Check that the daemon answers, and how fast.", NULL, 0, 0, s_cmd_ping},
    {NULL, "keygen", "NAME [--dir DIR] [--roles \"R ...\"] [--groups \"G ...\"]",
     "make a CURVE certificate pair",
     "Write NAME.key (public) and NAME.key_secret (secret) for security.curve. The public file "
     "of a client or worker goes into the daemon's security.clients_dir; its metadata names "
     "the roles it may claim and the groups it may join. Make the daemon's own pair with "
     "'keygen server'. Never overwrites a file.",
     s_keygen_opts, 1, 1, s_cmd_keygen},
    {NULL, "status", "", "daemon status, consumer groups and workers",
     "Show the daemon's version, uptime, database, endpoints and last event sequence number; "
     "the calendar: the years calendar.holidays lists and, with a warning, the pending "
     "reminders in years it does not list; then its consumer groups and connected workers.",
     NULL, 0, 0, s_cmd_status},
    {"qual", "add",
     "--cert-no X --authority A --category C --scope S --issued YYYY-MM-DD "
     "--expires YYYY-MM-DD [--name N] [--cost N] [--revenue N] [--industry I]",
     "register a qualification",
     "Register a qualification; it starts in state draft. Prints the new record. "
     "Role review.",
     s_qual_add_opts, 0, 0, s_cmd_mapped, &s_qual_add_call},
    {"qual", "submit", "ID", "submit a qualification for review",
     "Submit a draft (or rectified) qualification for review by every review department. "
     "Role review.",
     NULL, 1, 1, s_cmd_mapped, &s_qual_submit_call},
    {"qual", "show", "ID", "show a qualification and its reviews",
     "Show a qualification: its fields, whether it is sellable and suspended (yes/no), its "
     "reviews (round, department, verdict, status, findings) with what the failed ones of its "
     "round suggest doing (\"to do\"), and its expiry timers (kind, lead days, due time in "
     "RFC 3339 UTC, state).",
     NULL, 1, 1, s_cmd_mapped, &s_qual_show_call},
    {"qual", "list", "[--state S] [--expiring Nd] [--sellable] [--limit N] [--after ID]",
     "list qualifications",
     "List qualifications in id order: id, state, round, cert_no, authority, category, "
     "expires. With --sellable, only those sales may offer.",
     s_qual_list_opts, 0, 0, s_cmd_qual_list},
    {"qual", "renew", "ID --expires YYYY-MM-DD", "renew an approved or expired qualification",
     "Record a renewed certificate's new expiry date: the qualification goes to review again "
     "in a new round, and its expiry timers start over once it is approved. Role "
     "review.",
     s_qual_renew_opts, 1, 1, s_cmd_mapped, &s_qual_renew_call},
    {"qual", "report", "ID", "the review report of a qualification",
     "Print the review report: the qualification's fields, each department's verdict, status "
     "and findings with what the failed ones suggest doing (\"to do\"), and the outcome.",
     NULL, 1, 1, s_cmd_mapped, &s_qual_report_call},
    {"qual", "rectify",
     "ID [--name N] [--cert-no X] [--authority A] [--category C] [--scope S] [--issued D] "
     "[--expires D] [--cost N] [--revenue N] [--industry I]",
     "correct a draft or a qualification under rectification",
     "Correct what a failed review found (or a draft's data), before 'qual submit' sends it "
     "to review again; the expiry must stay after the date of issue. An approved "
     "qualification's expiry changes only with 'qual renew'. Role review.",
     s_qual_rectify_opts, 1, 1, s_cmd_mapped, &s_qual_rectify_call},
    {"qual", "reject", "ID --reason TEXT", "reject a qualification",
     "Reject a qualification for good, with the reason on record. Role management.",
     s_qual_reject_opts, 1, 1, s_cmd_mapped, &s_qual_reject_call},
    {"review", "decide", "QUAL_ID --round N --department D --verdict pass|fail [--note TEXT]",
     "record a department's review decision",
     "Record a department's decision on a review round of a qualification by hand. Role: "
     "the department's own (legal, finance or technical).",
     s_review_decide_opts, 1, 1, s_cmd_mapped, &s_review_decide_call},
    {"renewal", "list", "[--state open|closed] [--limit N]", "list renewal cases",
     "List renewal cases, opened by expiry reminders: qualification, state, urgency, "
     "expiry date, the last reminder's lead days, when opened and last updated.",
     s_renewal_list_opts, 0, 0, s_cmd_mapped, &s_renewal_list_call},
    {"policy", "record", "--category C --description TEXT --effective YYYY-MM-DD",
     "record a policy change",
     "Record a policy change covering a category. From its effective date (at once when that "
     "is today or earlier; until then it is pending) the legal department suspends that "
     "category's qualifications (no longer sellable) until it is lifted. Roles legal, "
     "management.",
     s_policy_record_opts, 0, 0, s_cmd_mapped, &s_policy_record_call},
    {"policy", "apply", "POLICY_ID", "suspend what a policy change covers",
     "Suspend the qualifications a policy change covers (the legal worker does this by "
     "itself). Role legal.",
     NULL, 1, 1, s_cmd_mapped, &s_policy_change_call},
    {"policy", "lift", "POLICY_ID", "lift a policy change",
     "Lift a policy change: every qualification it suspended is no longer suspended, "
     "whatever its state; the approved ones go to review again, and their approval "
     "reinstates them. A pending policy lifted before its date never takes effect. Roles "
     "legal, management.",
     NULL, 1, 1, s_cmd_mapped, &s_policy_change_call},
    {"policy", "list", "[--state pending|active|lifted] [--limit N]", "list policy changes",
     "List policy changes: id, category, state (pending until its effective date, then "
     "active until lifted), effective date, when recorded and lifted, and the description, "
     "which is cut to fit the line.",
     s_policy_list_opts, 0, 0, s_cmd_mapped, &s_policy_list_call},
    {"custody", "archive",
     "QUAL_ID --custodian NAME --location TEXT --acquired YYYY-MM-DD [--notes TEXT]",
     "archive an approved certificate",
     "Record where an approved qualification's certificate is kept and by whom. Role "
     "logistics.",
     s_custody_archive_opts, 1, 1, s_cmd_mapped, &s_custody_archive_call},
    {"custody", "show", "QUAL_ID", "a certificate's archive record and loans",
     "Show a certificate's archive record, with the qualification's name, validity and "
     "scope, then its loans.",
     NULL, 1, 1, s_cmd_mapped, &s_custody_show_call},
    {"loan", "request", "QUAL_ID --borrower NAME --purpose TEXT --due YYYY-MM-DD",
     "ask to borrow a certificate",
     "Ask to borrow a certificate; a leader approves or refuses. Roles sales, "
     "logistics, review.",
     s_loan_request_opts, 1, 1, s_cmd_mapped, &s_loan_request_call},
    {"loan", "approve", "LOAN_ID", "approve a loan request",
     "Approve a requested loan. Role leader.", NULL, 1, 1, s_cmd_mapped, &s_loan_change_call},
    {"loan", "refuse", "LOAN_ID", "refuse a loan request", "Refuse a requested loan. Role leader.",
     NULL, 1, 1, s_cmd_mapped, &s_loan_change_call},
    {"loan", "lend", "LOAN_ID", "hand out an approved loan",
     "Record that the certificate of an approved loan was handed out; it is overdue after "
     "its due date. Role logistics.",
     NULL, 1, 1, s_cmd_mapped, &s_loan_change_call},
    {"loan", "return", "LOAN_ID", "take a lent certificate back",
     "Record that a lent certificate came back. Role logistics.", NULL, 1, 1, s_cmd_mapped,
     &s_loan_change_call},
    {"loan", "list", "[--state S] [--qual ID] [--limit N]", "list loans",
     "List loans: id, qualification, state, borrower, due date, days overdue and the "
     "purpose, which is cut to fit the line. --state open means requested, approved or lent.",
     s_loan_list_opts, 0, 0, s_cmd_mapped, &s_loan_list_call},
    {"candidate", "add", "--name N --category C --industry I --authority A --source S [--notes T]",
     "register an acquisition candidate",
     "Register a qualification the company may acquire. Role market.", s_candidate_add_opts, 0, 0,
     s_cmd_mapped, &s_candidate_add_call},
    {"candidate", "evaluate", "ID --legality T --demand T --value T --report T",
     "submit a candidate's evaluation",
     "Submit the evaluation of a candidate (legality, market demand, potential value, the "
     "report); management is told to decide. Roles market, review.",
     s_candidate_evaluate_opts, 1, 1, s_cmd_mapped, &s_candidate_evaluate_call},
    {"candidate", "decide", "ID --acquire|--decline [--note T]",
     "decide whether to acquire a candidate",
     "Decide whether to acquire an evaluated candidate. Role management.", s_candidate_decide_opts,
     1, 1, s_cmd_mapped, &s_candidate_decide_call},
    {"candidate", "track", "ID --via agency|self [--agency NAME] --progress TEXT [--blocker TEXT]",
     "record acquisition progress",
     "Record progress on acquiring a candidate, through an agency or by the company itself; "
     "a blocker is reported to management. Role review.",
     s_candidate_track_opts, 1, 1, s_cmd_candidate_track, &s_candidate_track_call},
    {"candidate", "acquire",
     "ID --cert-no X --issued YYYY-MM-DD --expires YYYY-MM-DD --scope S [--cost N] "
     "[--revenue N]",
     "record the acquired certificate",
     "Record the certificate obtained for a candidate: it becomes a qualification, submitted "
     "for review. Role review.",
     s_candidate_acquire_opts, 1, 1, s_cmd_mapped, &s_candidate_acquire_call},
    {"candidate", "list", "[--state S] [--limit N]", "list acquisition candidates",
     "List acquisition candidates: id, state, category, industry, authority, the "
     "qualification made of it, and the name.",
     s_candidate_list_opts, 0, 0, s_cmd_mapped, &s_candidate_list_call},
    {"candidate", "show", "ID", "show a candidate and its progress",
     "Show an acquisition candidate, its evaluation and decision, then its progress notes.", NULL,
     1, 1, s_cmd_mapped, &s_candidate_show_call},
    {NULL, "events", "[--after SEQ] [--limit N] [--topic T] [--follow]",
     "list or follow the event log",
     "List the event log: seq, time (RFC 3339 UTC), topic, subject and payload, which is cut "
     "to fit the line (with --json, one document {\"items\": [events], \"next\": SEQ or "
     "null}). With --follow, print the last N events (--limit, default 10) or those after "
     "--after, then keep printing new events in sequence order, filling any gap in the live "
     "stream from the log, until interrupted (with --json, one event object per line).",
     s_events_opts, 0, 0, s_cmd_events},
    {NULL, "groups", "", "consumer groups: position, lag, dead letters",
     "List the consumer groups: their topics; position (every event up to it is done for the "
     "group); lag behind the end of the log; events in flight; connected members; deliveries "
     "repeated after a failed attempt; and dead letters.",
     NULL, 0, 0, s_cmd_groups},
    {"groups", "seek", "GROUP --to SEQ|TIME", "move a group to replay or skip events",
     "Move a consumer group so that delivery goes on from event SEQ, or from the first event "
     "committed at or after TIME: the events from there on are delivered again, those before "
     "it are done. Events in flight are forgotten (their acks are refused). Prints the group "
     "and the next seq it gets. Role admin.",
     s_groups_seek_opts, 1, 1, s_cmd_groups_seek},
    {"groups", "delete", "GROUP", "delete a group that a worker created",
     "Delete a consumer group that a worker's HELLO created (not one the configuration "
     "declares): its position, acks, dead letters and recorded results go with it, and its "
     "connected workers get ERROR 404 and are disconnected. Workers may create at most "
     "delivery.hello_groups_max groups; this makes room. Prints the group, its dead letters "
     "and the workers that were connected. Role admin.",
     NULL, 1, 1, s_cmd_mapped, &s_groups_delete_call},
    {"dlq", "list", "GROUP [--after SEQ] [--limit N]", "list a group's dead letters",
     "List a consumer group's dead letters, the events that failed max_deliveries times, in "
     "seq order: seq, topic, attempts, time, and the last error, which is cut to fit the "
     "line.",
     s_dlq_list_opts, 1, 1, s_cmd_dlq_list},
    {"dlq", "show", "GROUP SEQ", "show a dead letter and its event",
     "Show a dead letter (attempts, time, last error) and its event: seq, id, time, topic, "
     "subject and the payload as indented JSON.",
     NULL, 2, 2, s_cmd_dlq_show},
    {"dlq", "retry", "GROUP SEQ", "deliver a dead letter again",
     "Send a dead letter back to its group: the event is delivered again, its attempts "
     "counted from 0, and leaves the dead-letter list. Role admin.",
     NULL, 2, 2, s_cmd_dlq_change},
    {"dlq", "drop", "GROUP SEQ", "forget a dead letter",
     "Remove a dead letter from the list without delivering it again; the event stays done "
     "for the group. Role admin.",
     NULL, 2, 2, s_cmd_dlq_change},
    {NULL, "call", "COMMAND [JSON-ARGS]", "send any command",
     "Send any command with the given arguments object and print its result, e.g. "
     "qualflow call review.report '{\"qualification_id\": 1, ...}'.",
     NULL, 1, 2, s_cmd_call},
};
#define COMMAND_COUNT (sizeof s_commands / sizeof s_commands[0])

static void
s_print_main_help (void)
{
    printf ("usage: qualflow [global options] COMMAND [options] [arguments]\n\n"
            "The command-line client of qualflowd, the qualification workflow daemon.\n\n"
            "commands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        char name[64];
        printf ("  %-18s %s\n", s_command_name (&s_commands[i], name, sizeof name),
                s_commands[i].brief);
    }
    printf ("\nglobal options:\n");
    s_print_options (s_global_opts, stdout);
    printf ("\nRun 'qualflow COMMAND --help' for a command's details. Exit status: 0 done, "
            "1 refused by the daemon or no answer, 2 bad command line.\n");
}

/* The command without a group named `name` ("groups"), or NULL. */
static const cli_command_t *
s_plain_command (const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (!s_commands[i].group && streq (s_commands[i].name, name))
            return &s_commands[i];
    return NULL;
}

/* Prints the subcommands of group `group` as "  group name synopsis"
   lines. */
static void
s_print_subcommands (const char *group, FILE *file)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (s_commands[i].group && streq (s_commands[i].group, group))
            fprintf (file, "  %s %s %s\n", group, s_commands[i].name, s_commands[i].synopsis);
}

/* Prints the commands of a group, e.g. "qual", to `file`. A group that
   is also a command ("groups") lists that command first. */
static void
s_print_group_help (const char *group, FILE *file)
{
    const cli_command_t *plain = s_plain_command (group);
    fprintf (file, "usage: qualflow [global options] %s %sSUBCOMMAND ...%s\n\nsubcommands:\n",
             group, plain ? "[" : "", plain ? "]" : "");
    if (plain)
        fprintf (file, "  %s%s%s\n", group, *plain->synopsis ? " " : "", plain->synopsis);
    s_print_subcommands (group, file);
    fprintf (file, "\nRun 'qualflow %s SUBCOMMAND --help' for details.\n", group);
}

/* Prints a command's help; a command that is also a group ("groups")
   lists the group's subcommands too. */
static void
s_print_command_help (const cli_command_t *cmd)
{
    s_print_usage_line (cmd, stdout);
    printf ("\n%s\n", cmd->summary);
    for (size_t i = 0; !cmd->group && i < COMMAND_COUNT; i++)
        if (s_commands[i].group && streq (s_commands[i].group, cmd->name)) {
            printf ("\nsubcommands (run 'qualflow %s SUBCOMMAND --help' for details):\n",
                    cmd->name);
            s_print_subcommands (cmd->name, stdout);
            break;
        }
    if (cmd->opts && cmd->opts[0].name) {
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
static const cli_command_t *
s_find_command (int argc, char **argv, int *index, int *exit_p)
{
    const char *name = argv[(*index)++];
    const cli_command_t *plain = s_plain_command (name);
    bool is_group = false;
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (s_commands[i].group && streq (s_commands[i].group, name))
            is_group = true;
    if (!is_group) {
        if (!plain)
            *exit_p = s_usage_error (NULL, "unknown command '%s'", name);
        return plain;
    }
    if (plain && (*index >= argc || argv[*index][0] == '-'))
        return plain;
    if (*index >= argc) {
        fprintf (stderr, "qualflow: %s: missing subcommand\n", name);
        s_print_group_help (name, stderr);
        *exit_p = QF_CLI_USAGE;
        return NULL;
    }
    const char *sub = argv[(*index)++];
    if (streq (sub, "--help") || streq (sub, "-h")) {
        s_print_group_help (name, stdout);
        *exit_p = QF_CLI_OK;
        return NULL;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (s_commands[i].group && streq (s_commands[i].group, name) &&
            streq (s_commands[i].name, sub))
            return &s_commands[i];
    fprintf (stderr, "qualflow: %s: unknown subcommand '%s'\n", name, sub);
    s_print_group_help (name, stderr);
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
    if (columns && s_parse_uint (columns, 20, 10000, &v) == 0)
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
s_resolve_settings (qf_cli_t *cli, const char **gvals, const cli_command_t *cmd)
{
    cli->json = gvals[G_JSON] != NULL;
    cli->timeout_ms = DEFAULT_TIMEOUT_MS;
    if (gvals[G_TIMEOUT]) {
        uint64_t ms;
        if (s_parse_uint (gvals[G_TIMEOUT], 1, INT_MAX, &ms))
            return s_usage_error (cmd,
                                  "--timeout must be a positive number of milliseconds, got "
                                  "\"%s\"",
                                  gvals[G_TIMEOUT]);
        cli->timeout_ms = (int)ms;
    }
    cli->user = gvals[G_USER] ? gvals[G_USER] : s_env ("USER") ? s_env ("USER") : "cli";
    cli->idempotency_key = gvals[G_IDEMPOTENCY_KEY];
    if (cli->idempotency_key && !qf_valid_printable (cli->idempotency_key, QF_ID_MAX))
        return s_usage_error (cmd,
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
        return s_usage_error (cmd, "%s must be one of: %s; got \"%s\"", source,
                              qf_role_list (roles, sizeof roles, ", "), cli->role);
    }
    cli->command_endpoint = gvals[G_ENDPOINT]                    ? gvals[G_ENDPOINT]
                            : config && config->command_endpoint ? config->command_endpoint
                                                                 : DEFAULT_COMMAND_ENDPOINT;
    cli->event_endpoint =
        config && config->event_endpoint ? config->event_endpoint : DEFAULT_EVENT_ENDPOINT;
    if (config && config->curve && cmd->run != s_cmd_keygen) {
        char error[1024] = "";
        if (qf_security_client_set (gvals[G_CERT] ? gvals[G_CERT] : config->certificate,
                                    config->server_public, error, sizeof error)) {
            fprintf (stderr, "qualflow: %s\n", error);
            return QF_CLI_ERROR;
        }
    }
    return QF_CLI_OK;
}

int
main (int argc, char **argv)
{
    const char *gvals[G_COUNT] = {0};
    const char *lvals[MAX_OPTS] = {0};
    char *args[MAX_ARGS] = {0};
    int nargs = 0, index = 1, rc;
    char problem[256];

    if (s_parse_options (argc, argv, &index, NULL, gvals, NULL, NULL, NULL, problem,
                         sizeof problem))
        return s_usage_error (NULL, "%s", problem);
    if (gvals[G_HELP]) {
        s_print_main_help ();
        return QF_CLI_OK;
    }
    if (gvals[G_VERSION]) {
        printf ("qualflow %s (protocol %s)\n", QF_VERSION, QF_PROTOCOL);
        return QF_CLI_OK;
    }
    if (index >= argc)
        return s_usage_error (NULL, "no command given");

    const cli_command_t *cmd = s_find_command (argc, argv, &index, &rc);
    if (!cmd)
        return rc;
    if (s_parse_options (argc, argv, &index, cmd->opts, gvals, lvals, args, &nargs, problem,
                         sizeof problem))
        return s_usage_error (cmd, "%s", problem);
    if (gvals[G_HELP]) {
        s_print_command_help (cmd);
        return QF_CLI_OK;
    }
    if (nargs < cmd->min_args)
        return s_usage_error (cmd, "missing argument");
    if (nargs > cmd->max_args)
        return s_usage_error (cmd, "unexpected argument '%s'", args[cmd->max_args]);

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
