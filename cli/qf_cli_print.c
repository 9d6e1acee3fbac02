/*  qf_cli_print — how the CLI shows results to people: JSON for scripts,
    "key: value" lines for one record, aligned tables for lists, and the
    qualification and review report printers; each command's spec says
    which (qf_command_spec.h, `output`, `list_key`, `columns`).
*/
#include "qf.h"
#include "qf_cli.h"
#include "qf_table.h"
#include "qf_text.h"

#include <czmq.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
qf_cli_print_record (json_t *record, int indent, const char *const *skip)
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
            qf_cli_print_record (value, indent + 2, NULL);
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
    qf_cli_print_record (record, indent, skip);
    s_print_yes_no (record, "sellable", indent);
    s_print_yes_no (record, "suspended", indent);
}

void
qf_cli_print_table (qf_cli_t *cli, json_t *array, const char *columns)
{
    if (!columns) {
        s_print_object_table (cli, array, NULL, NULL, 0);
        return;
    }
    /* "HEADER:key HEADER:key ...", at most 32 columns. */
    char text[1024], *headers[32], *keys[32];
    snprintf (text, sizeof text, "%s", columns);
    size_t n = 0;
    for (char *save = NULL, *word = strtok_r (text, " ", &save); word && n < 32;
         word = strtok_r (NULL, " ", &save)) {
        char *colon = strchr (word, ':');
        if (!colon)
            continue;
        *colon = 0;
        headers[n] = word;
        keys[n++] = colon + 1;
    }
    s_print_object_table (cli, array, (const char *const *)headers, (const char *const *)keys, n);
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
    qf_cli_print_record (result, 0, skip);
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
        qf_cli_print_record (outcome, 2, NULL);
    } else if (outcome) {
        char *text = qf_cli_format_value ("outcome", outcome);
        char *clean = qf_table_clean (text);
        printf ("\noutcome: %s\n", clean ? clean : "?");
        free (clean);
        free (text);
    }
}

/* Prints a report: scalars as key: value lines, an object as an indented
   section, an array of objects as a table under its key (the tables'
   columns are the union of their rows' keys). */
static void
s_print_sections (qf_cli_t *cli, json_t *record, int indent)
{
    const char *key;
    json_t *value;
    json_object_foreach (record, key, value)
    {
        char *clean_key = qf_table_clean (key);
        if (json_is_object (value) && json_object_size (value) > 0) {
            printf ("%*s%s:\n", indent, "", clean_key ? clean_key : "?");
            s_print_sections (cli, value, indent + 2);
        } else if (json_is_array (value) && json_is_object (json_array_get (value, 0))) {
            printf ("%*s%s:\n", indent, "", clean_key ? clean_key : "?");
            s_print_object_table (cli, value, NULL, NULL, 0);
        } else {
            char *text = json_is_array (value) && json_array_size (value) == 0
                             ? strdup ("(none)")
                             : qf_cli_format_value (key, value);
            char *clean = text ? qf_table_clean (text) : NULL;
            printf ("%*s%s: %s\n", indent, "", clean_key ? clean_key : "?", clean ? clean : "?");
            free (clean);
            free (text);
        }
        free (clean_key);
    }
}

/* A text result as its lines, each cleaned for the terminal. */
static void
s_print_text (const char *text)
{
    while (text && *text) {
        const char *end = strchr (text, '\n');
        size_t length = end ? (size_t)(end - text) : strlen (text);
        char *line = strndup (text, length);
        char *clean = line ? qf_table_clean (line) : NULL;
        printf ("%s\n", clean ? clean : "?");
        free (clean);
        free (line);
        text = end ? end + 1 : NULL;
    }
}

void
qf_cli_print_result (qf_cli_t *cli, const qf_command_spec_t *spec, json_t *result)
{
    json_t *list = spec->list_key ? json_object_get (result, spec->list_key) : NULL;
    /* A paged list's result says where the next page begins (`next`,
       given back as the command's `next` argument); the others have none. */
    json_t *next = json_object_get (result, "next");
    if (cli->json) {
        if (spec->output == QF_OUT_LIST)
            qf_cli_print_list_json (list, json_is_integer (next) ? json_integer_value (next) : 0);
        else
            qf_cli_print_json (result);
        return;
    }
    const char *const skip[] = {spec->list_key, NULL};
    switch (spec->output) {
    case QF_OUT_QUAL: s_print_qualification (cli, result); break;
    case QF_OUT_REPORT: s_print_report (cli, result); break;
    case QF_OUT_TEXT: s_print_text (json_string_value (list)); break;
    case QF_OUT_SECTIONS: s_print_sections (cli, result, 0); break;
    case QF_OUT_LIST: qf_cli_print_table (cli, list, spec->columns); break;
    case QF_OUT_RECORD:
        qf_cli_print_record (result, 0, skip);
        if (json_is_array (list)) {
            printf ("\n%s:\n", spec->list_key);
            qf_cli_print_table (cli, list, spec->columns);
        }
        break;
    }
    if (spec->output == QF_OUT_LIST && json_is_integer (next))
        fprintf (stderr, "(more: --next %" JSON_INTEGER_FORMAT ")\n", json_integer_value (next));
}

void
qf_cli_print_json_indented (json_t *value, int indent)
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
