/*  qf_cli_map — the CLI's subcommands, made from the command specs: each
    spec offered on the command line becomes a subcommand whose options,
    positional arguments, usage line, help and roles line come from it, and
    whose options become the command's arguments as the argument types say
    (a date is checked, an amount becomes a number, --cost gives
    acquisition_cost, ...). A new module's commands need no edit here; a
    command that needs more than the mapping says so in qf_cli_special.c.
*/
#include "qf.h"
#include "qf_cli.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a command's strings are written: its own text buffer. */
typedef struct {
    char *buffer;
    size_t used, size;
} s_text_t;

/* Writes a string into the command's text and returns it. The buffer is
   sized for the longest command; running out is a programming error. */
static const char *s_put (s_text_t *text, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static const char *
s_put (s_text_t *text, const char *format, ...)
{
    char *start = text->buffer + text->used;
    va_list ap;
    va_start (ap, format);
    int n = vsnprintf (start, text->size - text->used, format, ap);
    va_end (ap);
    assert (n >= 0 && (size_t)n < text->size - text->used);
    text->used += (size_t)n + 1;
    return start;
}

/* Appends to the string s_put last wrote (at `start`). */
static void s_add (s_text_t *text, const char *start, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_add (s_text_t *text, const char *start, const char *format, ...)
{
    assert (text->used > 0 && start + strlen (start) + 1 == text->buffer + text->used);
    char *end = text->buffer + text->used - 1;
    va_list ap;
    va_start (ap, format);
    int n = vsnprintf (end, text->size - text->used + 1, format, ap);
    va_end (ap);
    assert (n >= 0 && (size_t)n < text->size - text->used + 1);
    text->used += (size_t)n;
}

/* Writes the space-separated words of `values` joined by '|'. */
static const char *
s_put_values (s_text_t *text, const char *values)
{
    const char *start = s_put (text, "%s", values);
    for (char *p = (char *)start; *p; p++)
        if (*p == ' ')
            *p = '|';
    return start;
}

/* The roles line of a command's help: who may run it. */
static void
s_add_roles (s_text_t *text, const char *summary, const qf_command_spec_t *spec)
{
    char roles[256];
    if (strcmp (spec->roles, "*") == 0)
        s_add (text, summary, " Any role.");
    else
        s_add (text, summary, " %s %s.", strchr (spec->roles, ' ') ? "Roles" : "Role",
               qf_command_spec_roles (spec, roles, sizeof roles));
}

/* Adds the options an argument's spec gives (one, or one flag per value
   of an option list "--acquire|--decline"). */
static void
s_add_options (qf_cli_command_t *cmd, s_text_t *text, size_t *nopts, const qf_arg_spec_t *arg)
{
    if (strchr (arg->option, '|')) {
        const char *name = arg->option, *help = arg->help ? arg->help : "";
        for (int choice = 0; *name; choice++) {
            size_t n = strcspn (name, "|"), h = strcspn (help, "|");
            assert (*nopts < QF_CLI_OPTS_MAX);
            cmd->opts[(*nopts)++] = (qf_cli_opt_t){s_put (text, "%.*s", (int)n, name),
                                                   NULL,
                                                   NULL,
                                                   s_put (text, "%.*s", (int)h, help),
                                                   arg->required,
                                                   arg,
                                                   choice};
            name += n + (name[n] == '|');
            help += h + (help[h] == '|');
        }
        return;
    }
    const char *placeholder = arg->placeholder;
    if (!placeholder && arg->type == A_DATE)
        placeholder = "YYYY-MM-DD";
    if (!placeholder && arg->type == A_ENUM)
        placeholder = s_put_values (text, arg->values);
    /* An enum whose placeholder does not show its values says them. */
    bool values = arg->type == A_ENUM && arg->placeholder;
    const char *help = s_put (text, "%s%s", arg->help ? arg->help : "", values ? ": " : "");
    if (values) {
        text->used--; /* the values join the help */
        s_put_values (text, arg->values);
    }
    if (arg->required)
        s_add (text, help, " (required)");
    assert (*nopts < QF_CLI_OPTS_MAX);
    cmd->opts[(*nopts)++] =
        (qf_cli_opt_t){arg->option, NULL, placeholder, help, arg->required, arg, 0};
}

/* Writes the usage line: positional arguments, then the options,
   bracketed unless required; an option list once, "--a|--b". */
static const char *
s_put_synopsis (qf_cli_command_t *cmd, s_text_t *text)
{
    const char *synopsis = s_put (text, "%s", "");
    for (int i = 0; i < cmd->max_args; i++)
        s_add (text, synopsis, "%s%s%s%s", *synopsis ? " " : "", i < cmd->min_args ? "" : "[",
               cmd->labels[i], i < cmd->min_args ? "" : "]");
    for (const qf_cli_opt_t *opt = cmd->opts; opt->name; opt++) {
        if (opt->spec && strchr (opt->spec->option, '|')) {
            if (opt->choice == 0)
                s_add (text, synopsis, "%s%s%s%s", *synopsis ? " " : "", opt->required ? "" : "[",
                       opt->spec->option, opt->required ? "" : "]");
            continue;
        }
        s_add (text, synopsis, "%s%s%s%s%s%s", *synopsis ? " " : "", opt->required ? "" : "[",
               opt->name, opt->arg ? " " : "", opt->arg ? opt->arg : "", opt->required ? "" : "]");
    }
    return synopsis;
}

/* Fills cmd from a spec (and what is special about it), or, with spec
   NULL, from one of the CLI's own commands. */
static void
s_command_init (qf_cli_command_t *cmd, const qf_command_spec_t *spec,
                const qf_cli_special_t *special)
{
    s_text_t text = {cmd->text, 0, sizeof cmd->text};
    size_t nopts = 0;
    cmd->spec = spec;
    cmd->run = special ? special->run : qf_cli_run_mapped;
    char *words =
        (char *)s_put (&text, "%s", spec ? (spec->cli ? spec->cli : spec->name) : special->words);
    char *dot = spec && !spec->cli ? strchr (words, '.') : NULL;
    if (dot)
        *dot = ' ';
    char *space = strchr (words, ' ');
    if (space) {
        *space = 0;
        cmd->group = words;
        cmd->name = space + 1;
    } else
        cmd->name = words;
    if (spec) {
        for (const qf_arg_spec_t *arg = spec->args; arg->name; arg++) {
            if (!arg->option)
                continue;
            if (arg->option[0] == '-') {
                s_add_options (cmd, &text, &nopts, arg);
                continue;
            }
            assert (cmd->max_args < QF_CLI_ARGS_MAX);
            cmd->args[cmd->max_args] = arg;
            cmd->labels[cmd->max_args++] = arg->option;
            cmd->min_args += arg->required;
        }
        cmd->brief = spec->brief;
        cmd->summary = s_put (&text, "%s", spec->help);
        s_add_roles (&text, cmd->summary, spec);
        s_add (&text, cmd->summary, " Runs %s (PROTOCOL.md 5.1).", spec->name);
    } else {
        for (int i = 0; i < 2 && special->labels[i]; i++)
            cmd->labels[cmd->max_args++] = special->labels[i];
        cmd->min_args = special->min_args;
        cmd->brief = special->brief;
        cmd->summary = special->help;
    }
    for (const qf_cli_opt_t *opt = special ? special->opts : NULL; opt && opt->name; opt++) {
        assert (nopts < QF_CLI_OPTS_MAX);
        cmd->opts[nopts++] = *opt;
    }
    cmd->synopsis = s_put_synopsis (cmd, &text);
}

qf_cli_command_t *
qf_cli_commands_new (size_t *count_p)
{
    size_t count = 0;
    for (const qf_command_spec_t *const *table = qf_command_specs; *table; table++)
        for (const qf_command_spec_t *spec = *table; spec->name; spec++)
            count++;
    for (const qf_cli_special_t *special = qf_cli_specials; special->run; special++)
        count += special->command == NULL;
    qf_cli_command_t *commands = calloc (count, sizeof *commands);
    if (!commands)
        return NULL;
    size_t n = 0;
    for (const qf_command_spec_t *const *table = qf_command_specs; *table; table++)
        for (const qf_command_spec_t *spec = *table; spec->name; spec++) {
            if (spec->cli && !spec->cli[0])
                continue; /* QF_SPEC_NO_CLI */
            const qf_cli_special_t *special = qf_cli_specials;
            while (special->run &&
                   !(special->command && (strcmp (special->command, spec->name) == 0)))
                special++;
            s_command_init (&commands[n++], spec, special->run ? special : NULL);
        }
    for (const qf_cli_special_t *special = qf_cli_specials; special->run; special++)
        if (!special->command)
            s_command_init (&commands[n++], NULL, special);
    *count_p = n;
    return commands;
}

int
qf_cli_opt_index (const qf_cli_command_t *cmd, const char *name)
{
    for (int i = 0; cmd->opts[i].name; i++)
        if ((strcmp (cmd->opts[i].name, name) == 0))
            return i;
    return -1;
}

const char *
qf_cli_opt (const qf_cli_command_t *cmd, const char **opts, const char *name)
{
    int i = qf_cli_opt_index (cmd, name);
    return i >= 0 ? opts[i] : NULL;
}

int
qf_cli_parse_uint (const char *text, uint64_t min, uint64_t max, uint64_t *value_p)
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

/* ----------------------------------------------------------------------
   From options to arguments */

/* Whether `word` is one of the space-separated words of `list`. */
static bool
s_word_in (const char *word, const char *list)
{
    size_t len = strlen (word);
    for (const char *p = list; p && *p;) {
        size_t n = strcspn (p, " ");
        if (n == len && strncmp (p, word, n) == 0)
            return true;
        p += n + (p[n] == ' ');
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

/* The option or label by which people give the argument named `name`. */
static const char *
s_label_of (const qf_cli_command_t *cmd, const char *name)
{
    for (const qf_cli_opt_t *opt = cmd->opts; opt->name; opt++)
        if (opt->spec && (strcmp (opt->spec->name, name) == 0))
            return opt->name;
    for (int i = 0; i < cmd->max_args; i++)
        if (cmd->args[i] && (strcmp (cmd->args[i]->name, name) == 0))
            return cmd->labels[i];
    return name;
}

/* Checks and encodes the text given for an argument (`label` names it);
   reports a usage error and returns NULL when it is not valid.
   `call_args` holds the arguments given before it. */
static json_t *
s_arg_value (const qf_cli_command_t *cmd, const char *label, const qf_arg_spec_t *arg,
             const char *text, json_t *call_args)
{
    uint64_t number;
    int32_t day, before;
    json_t *value = NULL;
    switch (arg->type) {
    case A_TOKEN:
        if (!qf_valid_token (text, (size_t)arg->max))
            qf_cli_usage_error (cmd, "%s must be 1-%lld characters of [a-z0-9._-], got \"%s\"",
                                label, (long long)arg->max, text);
        else
            value = json_string (text);
        break;
    case A_DATE: {
        if (qf_date_parse (text, &day) != 0) {
            qf_cli_usage_error (cmd, "%s: \"%s\" is not a real date in the form YYYY-MM-DD", label,
                                text);
            break;
        }
        const char *earlier =
            arg->after ? json_string_value (json_object_get (call_args, arg->after)) : NULL;
        if (earlier && qf_date_parse (earlier, &before) == 0 && day <= before) {
            qf_cli_usage_error (cmd, "%s (%s) must be after %s (%s)", label, text,
                                s_label_of (cmd, arg->after), earlier);
            break;
        }
        value = json_string (text);
        break;
    }
    case A_NUMBER:
        value = s_parse_amount (text);
        if (!value)
            qf_cli_usage_error (cmd, "%s: expected a number >= 0, got \"%s\"", label, text);
        break;
    case A_INT:
        if (qf_cli_parse_uint (text, (uint64_t)arg->min, (uint64_t)arg->max, &number) == 0)
            value = json_integer ((json_int_t)number);
        else if (arg->max == INT64_MAX && arg->min == 1)
            qf_cli_usage_error (cmd, "%s must be a positive integer, got \"%s\"", label, text);
        else if (arg->max == INT64_MAX)
            qf_cli_usage_error (cmd, "%s must be an integer >= %lld, got \"%s\"", label,
                                (long long)arg->min, text);
        else
            qf_cli_usage_error (cmd, "%s must be an integer from %lld to %lld, got \"%s\"", label,
                                (long long)arg->min, (long long)arg->max, text);
        break;
    case A_ENUM:
        if (s_word_in (text, arg->values))
            value = json_string (text);
        else {
            char values[256];
            snprintf (values, sizeof values, "%s", arg->values);
            for (char *p = values; *p; p++)
                *p = *p == ' ' ? '|' : *p;
            qf_cli_usage_error (cmd, "%s must be one of %s, got \"%s\"", label, values, text);
        }
        break;
    case A_BOOL: value = json_true (); break;
    case A_TEXT:
    case A_TEXT_LIST:
        value = json_string (text);
        if (!value)
            qf_cli_usage_error (cmd, "%s: not valid UTF-8", label);
        break;
    }
    return value;
}

/* The value of a flag of an option list: the choice-th of its values. */
static json_t *
s_choice_value (const qf_cli_opt_t *opt)
{
    const char *p = opt->spec->values;
    for (int i = 0; i < opt->choice && *p; i++)
        p += strcspn (p, " ") + (p[strcspn (p, " ")] == ' ');
    return json_stringn (p, strcspn (p, " "));
}

/* Reports a required argument that was not given, naming the options
   that give it. */
static int
s_arg_missing (const qf_cli_command_t *cmd, const qf_arg_spec_t *arg)
{
    char names[256] = "";
    size_t used = 0;
    for (const qf_cli_opt_t *opt = cmd->opts; opt->name && used < sizeof names; opt++)
        if (opt->spec == arg)
            used += (size_t)snprintf (names + used, sizeof names - used, "%s%s", used ? " or " : "",
                                      opt->name);
    return qf_cli_usage_error (cmd, "missing %s", names);
}

int
qf_cli_build_args (const qf_cli_command_t *cmd, const char **opts, char **args, int nargs,
                   json_t **call_args_p)
{
    json_t *call_args = json_object ();
    if (!call_args)
        return QF_CLI_ERROR;
    for (int i = 0; i < nargs && i < cmd->max_args; i++) {
        if (!cmd->args[i])
            continue;
        json_t *value = s_arg_value (cmd, cmd->labels[i], cmd->args[i], args[i], call_args);
        if (!value) {
            json_decref (call_args);
            return QF_CLI_USAGE;
        }
        json_object_set_new (call_args, cmd->args[i]->name, value);
    }
    for (int i = 0; cmd->opts[i].name; i++) {
        const qf_cli_opt_t *opt = &cmd->opts[i];
        if (!opt->spec || !opts[i])
            continue;
        /* Options giving the same argument are alternatives. */
        for (int j = 0; j < i; j++)
            if (cmd->opts[j].spec == opt->spec && opts[j]) {
                json_decref (call_args);
                return qf_cli_usage_error (cmd, "%s cannot be combined with %s", opt->name,
                                           cmd->opts[j].name);
            }
        json_t *value = strchr (opt->spec->option, '|')
                            ? s_choice_value (opt)
                            : s_arg_value (cmd, opt->name, opt->spec, opts[i], call_args);
        if (!value) {
            json_decref (call_args);
            return QF_CLI_USAGE;
        }
        json_object_set_new (call_args, opt->spec->name, value);
    }
    for (const qf_cli_opt_t *opt = cmd->opts; opt->name; opt++)
        if (opt->spec && opt->required && !json_object_get (call_args, opt->spec->name)) {
            json_decref (call_args);
            return s_arg_missing (cmd, opt->spec);
        }
    *call_args_p = call_args;
    return 0;
}

int
qf_cli_request (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                int nargs, json_t **call_args_p, json_t **result_p)
{
    json_t *call_args = NULL;
    int rc = qf_cli_build_args (cmd, opts, args, nargs, &call_args);
    if (rc)
        return rc;
    if (call_args_p)
        *call_args_p = json_incref (call_args);
    if (qf_cli_call (cli, cmd->spec->name, call_args, false, result_p)) {
        if (call_args_p) {
            json_decref (*call_args_p);
            *call_args_p = NULL;
        }
        return QF_CLI_ERROR;
    }
    return 0;
}

int
qf_cli_run_mapped (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                   int nargs)
{
    json_t *result;
    int rc = qf_cli_request (cli, cmd, opts, args, nargs, NULL, &result);
    if (rc)
        return rc;
    qf_cli_print_result (cli, cmd->spec, result);
    json_decref (result);
    return QF_CLI_OK;
}
