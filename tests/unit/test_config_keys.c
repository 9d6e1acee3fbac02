/*  test_config_keys — every row of the configuration's key tables
    (config/qf_config_keys.c), driven by the rows themselves: each key takes
    a valid value, refuses a value of the wrong type, and, where its row
    gives one, refuses a value out of its range, a name not allowed or a
    text too long; each section refuses an unknown key and lists its keys.
    Every refusal is one line "PATH:LINE: KEY: expected ...; what to do",
    naming the line and the key as the file has them.

    A key added to a table is tested here without a line of this file.
*/
#include "qf_config.h"
#include "qf_config_keys.h"
#include "qf_error.h"
#include "qf_test.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define YAML_SIZE  8192
#define ERROR_SIZE 2048

/*  Loads yaml from a temporary file: returns what qf_config_load returns,
    with its message in error and the file's name in path. */
static int
s_load (const char *yaml, char *path, char *error)
{
    snprintf (path, 64, "/tmp/qf-test-config-keys-XXXXXX");
    error[0] = '\0';
    int fd = mkstemp (path);
    FILE *file = fd >= 0 ? fdopen (fd, "w") : NULL;
    if (!file)
        return 999;
    bool written = fputs (yaml, file) >= 0;
    written = fclose (file) == 0 && written;
    qf_config_t *config = NULL;
    int rc = written ? qf_config_load (path, &config, error, ERROR_SIZE) : 999;
    unlink (path);
    qf_config_destroy (&config);
    return rc;
}

/*  A valid value of key k, as YAML. */
static const char *
s_valid (const qf_key_t *k, char *buffer, size_t size)
{
    switch (k->type) {
    case QF_CT_STRING:
    case QF_CT_TOPIC: return "x";
    case QF_CT_TOKEN: return k->names ? k->names[0] : "x";
    case QF_CT_ENDPOINT: return "ipc://x";
    case QF_CT_TIMEZONE: return "UTC";
    case QF_CT_REGEX: return "'^x$'";
    case QF_CT_INT:
    case QF_CT_INT64: snprintf (buffer, size, "%lld", (long long)k->min); return buffer;
    case QF_CT_DOUBLE: snprintf (buffer, size, "%lld.0", (long long)k->min); return buffer;
    case QF_CT_BOOL: return "true";
    case QF_CT_ENUM: return k->names[0];
    case QF_CT_TIME: return "09:00";
    case QF_CT_INT_LIST: snprintf (buffer, size, "[%lld]", (long long)k->min); return buffer;
    case QF_CT_TOKEN_LIST:
    case QF_CT_STRING_LIST:
    case QF_CT_TOPIC_LIST: return "[x]";
    case QF_CT_DATE_MAP: return "{}";
    }
    return "x";
}

/*  Writes the YAML that sets key k (of section sec) to value on its last
    line, with whatever else the file needs to be valid apart from that
    value: an entry's required keys, and the keys k is compared with
    (at_least) set so that any value in k's range passes the comparison.
    *line gets the line of k; `name` the key as messages name it. */
static void
s_yaml (const qf_section_t *sec, const qf_key_t *k, const char *value, char *yaml, int *line,
        char *name, size_t name_size)
{
    char buffer[64];
    size_t used = 0;
    *line = 1;
    used += (size_t)snprintf (yaml + used, YAML_SIZE - used, "%s:\n", sec->name);
    if (sec->list) {
        snprintf (name, name_size, "%s[0].%s", sec->name, k->key);
        const char *lead = "  - ";
        for (size_t i = 0; i < sec->key_count; i++) {
            const qf_key_t *other = &sec->keys[i];
            if (other == k || !other->required)
                continue;
            used += (size_t)snprintf (yaml + used, YAML_SIZE - used, "%s%s: %s\n", lead, other->key,
                                      s_valid (other, buffer, sizeof buffer));
            lead = "    ";
            (*line)++;
        }
        snprintf (yaml + used, YAML_SIZE - used, "%s%s: %s\n", lead, k->key, value);
        (*line)++;
        return;
    }
    snprintf (name, name_size, "%s", k->key);
    size_t prefix = strlen (sec->name) + 1;
    for (size_t i = 0; i < sec->key_count; i++) {
        const qf_key_t *other = &sec->keys[i];
        bool below = k->at_least && strcmp (k->at_least, other->key) == 0;
        bool above = other->at_least && strcmp (other->at_least, k->key) == 0;
        if (!below && !above)
            continue;
        if (other->type == QF_CT_TIME) /* a time of day: its first or last minute */
            used += (size_t)snprintf (yaml + used, YAML_SIZE - used, "  %s: \"%s\"\n",
                                      other->key + prefix, below ? "00:00" : "23:59");
        else
            used += (size_t)snprintf (yaml + used, YAML_SIZE - used, "  %s: %lld\n",
                                      other->key + prefix,
                                      (long long)(below ? other->min : other->max));
        (*line)++;
    }
    snprintf (yaml + used, YAML_SIZE - used, "  %s: %s\n", k->key + prefix, value);
    (*line)++;
}

/*  Loads a file setting k to value (see s_yaml): returns what
    qf_config_load returns, with its message in error; `start` gets how
    a message about k must begin: "PATH:LINE: KEY". */
static int
s_try (const qf_section_t *sec, const qf_key_t *k, const char *value, char *error, char *start,
       size_t start_size)
{
    char *yaml = malloc (YAML_SIZE);
    char path[64], name[128];
    int line;
    if (!yaml)
        return 999;
    s_yaml (sec, k, value, yaml, &line, name, sizeof name);
    int rc = s_load (yaml, path, error);
    free (yaml);
    snprintf (start, start_size, "%s:%d: %s", path, line, name);
    return rc;
}

/*  Whether setting k to value is refused on k's line, naming k, in one
    line holding every fragment (NULL-ended); prints the message if not. */
static bool
s_refused (const qf_section_t *sec, const qf_key_t *k, const char *value, ...)
{
    char error[ERROR_SIZE], start[256];
    int rc = s_try (sec, k, value, error, start, sizeof start);
    bool ok = rc == QF_EINVAL && strncmp (error, start, strlen (start)) == 0 &&
              strstr (error, ": expected ") && strstr (error, "; ") && !strchr (error, '\n');
    va_list fragments;
    va_start (fragments, value);
    for (const char *fragment = va_arg (fragments, const char *); ok && fragment;
         fragment = va_arg (fragments, const char *))
        ok = strstr (error, fragment) != NULL;
    va_end (fragments);
    if (!ok)
        printf ("    %.40s: rc %d, wanted \"%s...\", message: %s\n", value, rc, start, error);
    return ok;
}

/*  Whether setting k to value loads; prints the message if not. */
static bool
s_accepted (const qf_section_t *sec, const qf_key_t *k, const char *value)
{
    char error[ERROR_SIZE], start[256];
    int rc = s_try (sec, k, value, error, start, sizeof start);
    if (rc != 0)
        printf ("    %s = %.40s: rc %d: %s\n", start, value, rc, error);
    return rc == 0;
}

/* Runs check on every key of every section; true when it holds for all. */
static bool
s_every_key (bool (*check) (const qf_section_t *sec, const qf_key_t *k))
{
    bool ok = true;
    size_t keys = 0;
    for (const qf_section_t *sec = qf_config_sections; sec->name; sec++)
        for (size_t i = 0; i < sec->key_count; i++, keys++)
            ok = check (sec, &sec->keys[i]) && ok;
    return ok && keys > 0;
}

static bool
s_takes_valid (const qf_section_t *sec, const qf_key_t *k)
{
    char buffer[64];
    return s_accepted (sec, k, s_valid (k, buffer, sizeof buffer));
}

QF_TEST (test_every_key_takes_a_valid_value)
{
    QF_CHECK (s_every_key (s_takes_valid));
}

static bool
s_refuses_wrong_type (const qf_section_t *sec, const qf_key_t *k)
{
    /* A date map is written as a mapping; everything else is not. */
    if (k->type == QF_CT_DATE_MAP)
        return s_refused (sec, k, "[2026-01-01]", "got a list", NULL);
    return s_refused (sec, k, "{a: 1}", "got a mapping", NULL);
}

QF_TEST (test_every_key_refuses_the_wrong_type)
{
    QF_CHECK (s_every_key (s_refuses_wrong_type));
}

static bool
s_refuses_out_of_range (const qf_section_t *sec, const qf_key_t *k)
{
    char value[64], range[128];
    bool list = k->type == QF_CT_INT_LIST;
    if (k->type != QF_CT_INT && k->type != QF_CT_INT64 && k->type != QF_CT_DOUBLE && !list)
        return true;
    snprintf (range, sizeof range, "from %lld to %lld", (long long)k->min, (long long)k->max);
    const long long outside[] = {(long long)k->min - 1, (long long)k->max + 1};
    bool ok = true;
    for (size_t i = 0; i < 2; i++) {
        snprintf (value, sizeof value, list ? "[%lld]" : "%lld", outside[i]);
        ok = s_refused (sec, k, value, range, NULL) && ok;
    }
    snprintf (value, sizeof value, list ? "[%lld]" : "%lld", (long long)k->max);
    return s_accepted (sec, k, value) && ok;
}

QF_TEST (test_every_number_refuses_values_out_of_range)
{
    QF_CHECK (s_every_key (s_refuses_out_of_range));
}

static bool
s_refuses_other_names (const qf_section_t *sec, const qf_key_t *k)
{
    if (!k->names)
        return true;
    char allowed[512] = "";
    size_t used = 0;
    for (size_t i = 0; k->names[i] && used < sizeof allowed; i++)
        used += (size_t)snprintf (allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "",
                                  k->names[i]);
    bool ok = s_refused (sec, k, "no-such-name", "one of ", allowed, "got \"no-such-name\"", NULL);
    for (size_t i = 0; k->names[i]; i++)
        ok = s_accepted (sec, k, k->names[i]) && ok;
    return ok;
}

QF_TEST (test_every_named_key_refuses_other_names)
{
    QF_CHECK (s_every_key (s_refuses_other_names));
}

static bool
s_refuses_long_text (const qf_section_t *sec, const qf_key_t *k)
{
    if ((k->type != QF_CT_STRING && k->type != QF_CT_STRING_LIST) || k->max <= 0)
        return true;
    size_t length = (size_t)k->max + 1;
    char *text = malloc (length + 1), *value = malloc (length + 3);
    char expect[64], found[64];
    bool ok = text && value;
    if (ok) {
        /* One byte too many, then just enough. */
        const char *form = k->type == QF_CT_STRING_LIST ? "[%s]" : "%s";
        memset (text, 'a', length);
        text[length] = '\0';
        snprintf (value, length + 3, form, text);
        snprintf (expect, sizeof expect, "at most %lld bytes", (long long)k->max);
        snprintf (found, sizeof found, "got %zu bytes", length);
        ok = s_refused (sec, k, value, expect, found, NULL);
        text[length - 1] = '\0';
        snprintf (value, length + 3, form, text);
        ok = s_accepted (sec, k, value) && ok;
    }
    free (text);
    free (value);
    return ok;
}

QF_TEST (test_every_text_refuses_one_byte_too_many)
{
    QF_CHECK (s_every_key (s_refuses_long_text));
}

QF_TEST (test_every_section_refuses_an_unknown_key)
{
    bool ok = true;
    for (const qf_section_t *sec = qf_config_sections; sec->name; sec++) {
        /* The message lists the section's keys, by the names the file uses. */
        char keys[1024] = "", name[128];
        size_t used = 0, prefix = sec->list ? 0 : strlen (sec->name) + 1;
        for (size_t i = 0; i < sec->key_count && used < sizeof keys; i++)
            used += (size_t)snprintf (keys + used, sizeof keys - used, "%s%s", i ? ", " : "",
                                      sec->keys[i].key + prefix);
        char yaml[512], path[64], error[ERROR_SIZE], start[256];
        int line = sec->list ? 3 : 2;
        if (sec->list) {
            snprintf (yaml, sizeof yaml, "%s:\n  - %s: x\n    no_such_key: 1\n", sec->name,
                      sec->keys[0].key);
            snprintf (name, sizeof name, "%s[0].no_such_key", sec->name);
        } else {
            snprintf (yaml, sizeof yaml, "%s:\n  no_such_key: 1\n", sec->name);
            snprintf (name, sizeof name, "%s.no_such_key", sec->name);
        }
        int rc = s_load (yaml, path, error);
        snprintf (start, sizeof start, "%s:%d: %s: expected a key of ", path, line, name);
        bool refused = rc == QF_EINVAL && strncmp (error, start, strlen (start)) == 0 &&
                       strstr (error, keys) && strstr (error, "fix the spelling or remove the key");
        if (!refused)
            printf ("    %s: rc %d, wanted \"%s\" listing %s, message: %s\n", sec->name, rc, start,
                    keys, error);
        ok = refused && ok;
    }
    QF_CHECK (ok);
}

int
main (void)
{
    s_test_suite = "config_keys";
    QF_RUN (test_every_key_takes_a_valid_value);
    QF_RUN (test_every_key_refuses_the_wrong_type);
    QF_RUN (test_every_number_refuses_values_out_of_range);
    QF_RUN (test_every_named_key_refuses_other_names);
    QF_RUN (test_every_text_refuses_one_byte_too_many);
    QF_RUN (test_every_section_refuses_an_unknown_key);
    return qf_test_done ();
}
