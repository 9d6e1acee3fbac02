/*  qf_command_spec — what every program says about a command from its
    spec: its roles for people, and the reference in PROTOCOL.md §5.1. */
#include "qf_command_spec.h"

#include <assert.h>
#include <string.h>

const char *
qf_command_spec_roles (const qf_command_spec_t *spec, char *buffer, size_t size)
{
    assert (spec && buffer && size > 0);
    size_t used = 0;
    buffer[0] = 0;
    if (strcmp (spec->roles, "*") == 0)
        used = (size_t)snprintf (buffer, size, "any");
    else
        for (const char *p = spec->roles; *p && used < size;) {
            size_t n = strcspn (p, " ");
            used += (size_t)snprintf (buffer + used, size - used, "%s%.*s", used ? ", " : "",
                                      (int)n, p);
            p += n + (p[n] == ' ');
        }
    if (spec->roles_note && used < size)
        snprintf (buffer + used, size - used, ": %s", spec->roles_note);
    return buffer;
}

/* Writes text into a Markdown table cell: a '|' would end the cell. */
static void
s_cell (FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            fputc ('\\', out);
        fputc (*p, out);
    }
}

/* Writes into buffer what the type and rule of an argument say about it,
   for the reference: "date", "configured", "`pass`/`fail`", "1–1000" ...;
   "" when the notes under the table say it all. */
static void
s_arg_rule (const qf_arg_spec_t *arg, char *buffer, size_t size)
{
    buffer[0] = 0;
    if (arg->in) {
        snprintf (buffer, size, "configured");
        return;
    }
    switch (arg->type) {
    case A_DATE: snprintf (buffer, size, "date"); break;
    case A_NUMBER: snprintf (buffer, size, "number ≥ 0"); break;
    case A_TEXT_LIST:
        snprintf (buffer, size, "list of at most %lld texts", (long long)arg->max);
        break;
    case A_ENUM: {
        size_t used = 0;
        for (const char *p = arg->values; *p && used < size;) {
            size_t n = strcspn (p, " ");
            used += (size_t)snprintf (buffer + used, size - used, "%s`%.*s`", used ? "/" : "",
                                      (int)n, p);
            p += n + (p[n] == ' ');
        }
        break;
    }
    case A_INT:
        if (arg->max != INT64_MAX)
            snprintf (buffer, size, "%lld–%lld", (long long)arg->min, (long long)arg->max);
        break;
    case A_TEXT:
        snprintf (buffer, size, "%s%s", arg->min == 0 ? "may be empty" : "",
                  arg->min == 0 && arg->max != 0 && arg->max != TEXT_MAX ? ", " : "");
        if (arg->max != 0 && arg->max != TEXT_MAX)
            snprintf (buffer + strlen (buffer), size - strlen (buffer), "at most %lld bytes",
                      (long long)arg->max);
        break;
    case A_TOKEN:
    case A_BOOL: break;
    }
}

/* The notes under the table. */
static const char s_notes[] =
    "\\* required. Text arguments are UTF-8, 1–4096 bytes unless stated; they are\n"
    "stored verbatim (quotes, `;`, `--` and other SQL metacharacters included).\n"
    "A text longer than its limit, a name longer than its limit or a list with\n"
    "more items than its limit gets 413 with `field` `args.NAME`; any other\n"
    "invalid argument gets 400.\n"
    "\"configured\": one of the values the configuration lists, checked when the\n"
    "command is given (400 otherwise, naming the allowed ones). \"any\": every\n"
    "role, `admin` included; no business command lists `admin`.\n";

void
qf_command_spec_reference (FILE *out, const qf_command_spec_t *const *tables)
{
    assert (out && tables);
    fputs ("### 5.1 Command reference\n\n"
           "This table is the output of `qualflowd --command-reference`, made from the\n"
           "same description of each command that the daemon checks requests against\n"
           "and the CLI builds its options and help from.\n\n"
           "| command | roles | args | result |\n"
           "|---|---|---|---|\n",
           out);
    for (const qf_command_spec_t *const *table = tables; *table; table++)
        for (const qf_command_spec_t *spec = *table; spec->name; spec++) {
            char roles[256];
            fprintf (out, "| `%s` | ", spec->name);
            s_cell (out, qf_command_spec_roles (spec, roles, sizeof roles));
            fputs (" | ", out);
            if (!spec->args[0].name)
                fputs ("—", out);
            for (const qf_arg_spec_t *arg = spec->args; arg->name; arg++) {
                fprintf (out, "%s`%s`%s", arg == spec->args ? "" : ", ", arg->name,
                         arg->required ? "\\*" : "");
                char rule[256];
                s_arg_rule (arg, rule, sizeof rule);
                if (!rule[0] && !arg->doc)
                    continue;
                fprintf (out, " (%s%s", rule, rule[0] && arg->doc ? ", " : "");
                if (arg->doc)
                    s_cell (out, arg->doc);
                fputs (")", out);
            }
            fputs (" | ", out);
            s_cell (out, spec->result ? spec->result : "—");
            fputs (" |\n", out);
        }
    fputs ("\n", out);
    fputs (s_notes, out);
}
