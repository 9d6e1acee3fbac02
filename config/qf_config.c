/*  qf_config — qualflow's configuration: YAML in, an immutable struct out.

    This file is the loader: the YAML walk, the value types, the messages
    and the Markdown reference.  It knows no key by name: every key is one
    row of a section's table in qf_config_keys.c (name, type, where the
    value lives, default, range, reloadable, what it means), and the
    sections are the list qf_config_sections.  A mapping section (daemon:,
    policy:, ...) holds keys stored in qf_config_t; a list section
    (authorities:, categories:, groups:) holds entries, each a struct with
    a small table of its own keys.  The calendar's per-year date lists are
    one key each too (type QF_CT_DATE_MAP), read into one sorted array of
    day numbers.  Loading, defaults, freeing, the reload check and the
    reference are all driven by the rows, so a key is added in one place
    and documented by the same row.

    A business module's keys are rows in its own folder (NAME_config.c),
    gathered in a configuration part (qf_config_parts[]); their values
    live in the module's own struct, cfg->parts[i], which this file
    allocates, fills and frees without knowing its fields. A module's
    mapping may share its name with an engine one (its §-keys under
    policy:); a list section's name is its own.

    The YAML is loaded with libyaml's document API; every node keeps its
    start mark, so each message names the line of the value it is about.
    Only the first problem is reported: the message is one line,
        PATH:LINE: KEY: expected ..., got ...; what to do
*/
#include "qf_config.h"
#include "qf_config_keys.h"

#include "qf_error.h"
#include "qf_msg.h"
#include "qf_pattern.h"
#include "qf_time.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A configuration is a few kilobytes; the file is read into memory whole,
   so a runaway file (or /dev/zero) is refused instead. */
#define QF_CONFIG_FILE_MAX (1024 * 1024)
/* Deepest nesting of lists and mappings accepted; the schema needs four. */
#define QF_CONFIG_DEPTH_MAX 16
/* Most keys in one list entry's table. */
#define QF_ITEM_KEYS_MAX 16
/* Longest excerpt of the input quoted in a message, and its buffer. */
#define QF_QUOTE_MAX  64
#define QF_QUOTE_SIZE (QF_QUOTE_MAX + 8)
/* Buffers for generated phrases ("expected ...", defaults, values). */
#define QF_PHRASE_SIZE 512
/* Most years in one date map (its max_years may not be above). */
#define QF_DATE_MAP_YEARS_MAX QF_CONFIG_YEARS_MAX

/* Enum fields are written through an int. */
_Static_assert(sizeof (qf_durability_t) == sizeof (int), "qf_durability_t is not an int");
_Static_assert(sizeof (qf_shift_t) == sizeof (int), "qf_shift_t is not an int");

/* Most keys of the mapping sections together; the loader keeps a line
   and a node per key while it reads. */
#define QF_MAIN_KEYS_MAX 256
/* Most top-level sections. */
#define QF_SECTIONS_MAX 48

/* A section and the struct its offsets point into: qf_config_t for the
   engine's (part -1), cfg->parts[part] for a module's. */
typedef struct {
    const qf_section_t *sec;
    int part;
} s_section_t;

/* The shape of the configuration: every section (the engine's, then each
   part's), the top-level names (each once, in that order), and the main
   keys (those of the mapping sections), grouped by top-level name: the
   loader numbers them across sections. All borrowed from the tables. */
typedef struct {
    s_section_t section[QF_SECTIONS_MAX];
    size_t section_count;
    const char *top[QF_SECTIONS_MAX + 1]; /* NULL-terminated */
    bool top_list[QF_SECTIONS_MAX];       /* the name is a list section's */
    size_t top_count;
    const qf_key_t *key[QF_MAIN_KEYS_MAX];
    int key_part[QF_MAIN_KEYS_MAX];   /* the part its value lives in, -1: the engine */
    size_t key_top[QF_MAIN_KEYS_MAX]; /* its top-level name, an index into top */
    size_t count;
} s_layout_t;

/* What one load is working on, for messages. */
typedef struct {
    const char *path;     /* file named in messages */
    yaml_document_t *doc; /* loaded document, or NULL before parsing */
    char *error;          /* caller's message buffer, may be NULL */
    size_t error_size;
} s_load_t;

/* --------------------------------------------------------------------- */
/*  Text helpers                                                         */

/*  Appends formatted text at *used, stopping quietly when the buffer is
    full (the text is then cut but still terminated). */
static void s_append (char *buffer, size_t size, size_t *used, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_append (char *buffer, size_t size, size_t *used, const char *format, ...)
{
    if (*used >= size)
        return;
    va_list args;
    va_start (args, format);
    int n = vsnprintf (buffer + *used, size - *used, format, args);
    va_end (args);
    if (n < 0)
        return;
    *used = (size_t)n >= size - *used ? size : *used + (size_t)n;
}

/*  Returns the length of the valid UTF-8 sequence at text (1 to 4), or 0
    when the bytes there are not one (overlong, surrogate, cut short). */
static size_t
s_utf8_length (const unsigned char *text, size_t available)
{
    unsigned char c = text[0];
    size_t length;
    uint32_t code;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
        code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        length = 3;
        code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        code = c & 0x07;
    } else
        return 0;
    if (available < length)
        return 0;
    for (size_t i = 1; i < length; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (text[i] & 0x3F);
    }
    if (length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF)))
        return 0;
    if (length == 4 && (code < 0x10000 || code > 0x10FFFF))
        return 0;
    return length;
}

/*  Writes text as a one-line, double-quoted excerpt for a message: control
    bytes, quotes and backslashes escaped, cut with "..." after about
    QF_QUOTE_MAX bytes.  buffer holds at least QF_QUOTE_SIZE bytes. */
static const char *
s_quote (char *buffer, size_t size, const char *text, size_t length)
{
    assert (size >= QF_QUOTE_SIZE);
    (void)size;
    const unsigned char *in = (const unsigned char *)text;
    size_t out = 0, i = 0;
    buffer[out++] = '"';
    while (i < length) {
        char piece[8];
        size_t piece_length = 1, consumed = 1;
        unsigned char c = in[i];
        if (c == '"' || c == '\\') {
            piece[0] = '\\';
            piece[1] = (char)c;
            piece_length = 2;
        } else if (c == '\n' || c == '\t' || c == '\r') {
            piece[0] = '\\';
            piece[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
            piece_length = 2;
        } else if (c < 0x20 || c == 0x7F) {
            snprintf (piece, sizeof piece, "\\x%02x", c);
            piece_length = 4;
        } else if (c < 0x80)
            piece[0] = (char)c;
        else {
            consumed = s_utf8_length (in + i, length - i);
            if (consumed == 0) {
                snprintf (piece, sizeof piece, "\\x%02x", c);
                piece_length = 4;
                consumed = 1;
            } else {
                memcpy (piece, in + i, consumed);
                piece_length = consumed;
            }
        }
        if (out + piece_length > QF_QUOTE_MAX) {
            memcpy (buffer + out, "...", 3);
            out += 3;
            break;
        }
        memcpy (buffer + out, piece, piece_length);
        out += piece_length;
        i += consumed;
    }
    buffer[out++] = '"';
    buffer[out] = '\0';
    return buffer;
}

/*  Writes prefix + "." + name for a message, quoting the name when it is
    not plain ASCII (so an odd key cannot break the one-line message). */
static const char *
s_key_name (char *buffer, size_t size, const char *prefix, const char *text, size_t length)
{
    bool plain = length > 0 && length <= QF_QUOTE_MAX;
    for (size_t i = 0; plain && i < length; i++) {
        char c = text[i];
        plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.';
    }
    char quoted[QF_QUOTE_SIZE];
    snprintf (buffer, size, "%s%s%.*s", prefix ? prefix : "", prefix ? "." : "",
              plain ? (int)length : -1,
              plain ? text : s_quote (quoted, sizeof quoted, text, length));
    return buffer;
}

/*  Writes "a, b, c" (the names of a NULL-terminated list, or the keys of
    a list entry's table) into buffer. */
static const char *
s_join_names (char *buffer, size_t size, const char *const *names)
{
    size_t used = 0;
    buffer[0] = '\0';
    for (size_t i = 0; names[i]; i++)
        s_append (buffer, size, &used, "%s%s", i ? ", " : "", names[i]);
    return buffer;
}

static const char *
s_join_keys (char *buffer, size_t size, const qf_key_t *keys, size_t count)
{
    size_t used = 0;
    buffer[0] = '\0';
    for (size_t i = 0; i < count; i++)
        s_append (buffer, size, &used, "%s%s", used ? ", " : "", keys[i].key);
    return buffer;
}

/*  Writes "PATH:LINE: KEY: " and the formatted text into the caller's
    buffer, when there is one, and returns rc.  line 0 leaves out the
    line, key NULL the key. */
static int s_fail (const s_load_t *ld, int rc, size_t line, const char *key, const char *format,
                   ...) __attribute__ ((format (printf, 5, 6)));

static int
s_fail (const s_load_t *ld, int rc, size_t line, const char *key, const char *format, ...)
{
    if (!ld->error || ld->error_size == 0)
        return rc;
    size_t used = 0;
    if (line)
        s_append (ld->error, ld->error_size, &used, "%s:%zu: ", ld->path, line);
    else
        s_append (ld->error, ld->error_size, &used, "%s: ", ld->path);
    if (key)
        s_append (ld->error, ld->error_size, &used, "%s: ", key);
    if (used < ld->error_size) {
        va_list args;
        va_start (args, format);
        vsnprintf (ld->error + used, ld->error_size - used, format, args);
        va_end (args);
    }
    return rc;
}

static int
s_no_memory (const s_load_t *ld)
{
    return s_fail (ld, QF_ENOMEM, 0, NULL,
                   "expected memory to load the configuration, got none (out of memory); "
                   "free some memory and start again");
}

/* --------------------------------------------------------------------- */
/*  Value syntax                                                         */

/*  Parses plain decimal ("0", "-12", "1000"): returns 0 and sets *value;
    1 when the text is not a decimal integer, 2 when it has a leading zero
    (octal in YAML 1.1), 3 when it does not fit in 64 bits. */
static int
s_parse_integer (const char *text, size_t length, int64_t *value)
{
    size_t i = 0;
    bool negative = false;
    if (length > 0 && text[0] == '-') {
        negative = true;
        i = 1;
    }
    if (i == length)
        return 1;
    for (size_t j = i; j < length; j++)
        if (text[j] < '0' || text[j] > '9')
            return 1;
    if (text[i] == '0' && length - i > 1)
        return 2;
    uint64_t magnitude = 0;
    for (; i < length; i++) {
        unsigned digit = (unsigned)(text[i] - '0');
        if (magnitude > (UINT64_MAX - digit) / 10)
            return 3;
        magnitude = magnitude * 10 + digit;
    }
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (magnitude > limit)
        return 3;
    if (negative)
        *value = magnitude == limit ? INT64_MIN : -(int64_t)magnitude;
    else
        *value = (int64_t)magnitude;
    return 0;
}

/*  Parses a plain decimal number ("1.2", "-3", "0.5e2"); false for
    anything else, including .inf and .nan. text is NUL-terminated. */
static bool
s_parse_real (const char *text, size_t length, double *value)
{
    size_t i = 0, digits = 0;
    if (i < length && text[i] == '-')
        i++;
    while (i < length && text[i] >= '0' && text[i] <= '9') {
        i++;
        digits++;
    }
    if (i < length && text[i] == '.') {
        i++;
        while (i < length && text[i] >= '0' && text[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return false;
    if (i < length && (text[i] == 'e' || text[i] == 'E')) {
        size_t exponent = 0;
        i++;
        if (i < length && (text[i] == '-' || text[i] == '+'))
            i++;
        while (i < length && text[i] >= '0' && text[i] <= '9') {
            i++;
            exponent++;
        }
        if (exponent == 0)
            return false;
    }
    if (i != length)
        return false;
    char *end = NULL;
    double number = strtod (text, &end);
    if (end != text + length || !isfinite (number))
        return false;
    *value = number;
    return true;
}

/*  "Asia/Shanghai" (+08:00), "UTC", or "+HH:MM" / "-HH:MM" from -12:00 to
    +14:00: sets *minutes east of UTC and returns true. */
static bool
s_parse_timezone (const char *text, int *minutes)
{
    if (strcmp (text, "Asia/Shanghai") == 0) {
        *minutes = 480;
        return true;
    }
    if (strcmp (text, "UTC") == 0) {
        *minutes = 0;
        return true;
    }
    if (strlen (text) != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':')
        return false;
    const int digit_at[] = {1, 2, 4, 5};
    for (size_t i = 0; i < QF_COUNT (digit_at); i++)
        if (text[digit_at[i]] < '0' || text[digit_at[i]] > '9')
            return false;
    int hours = (text[1] - '0') * 10 + (text[2] - '0');
    int mins = (text[4] - '0') * 10 + (text[5] - '0');
    if (mins > 59)
        return false;
    int total = (text[0] == '-' ? -1 : 1) * (hours * 60 + mins);
    if (total < -12 * 60 || total > 14 * 60)
        return false;
    *minutes = total;
    return true;
}

/*  "HH:MM" from 00:00 to 23:59, two digits each: sets *minutes after
    midnight and returns true. */
static bool
s_parse_time (const char *text, size_t length, int *minutes)
{
    if (length != 5 || text[2] != ':')
        return false;
    const size_t digit_at[] = {0, 1, 3, 4};
    for (size_t i = 0; i < QF_COUNT (digit_at); i++)
        if (text[digit_at[i]] < '0' || text[digit_at[i]] > '9')
            return false;
    int hours = (text[0] - '0') * 10 + (text[1] - '0');
    int mins = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours > 23 || mins > 59)
        return false;
    *minutes = hours * 60 + mins;
    return true;
}

/*  A date "YYYY-MM-DD" (a real day of a real month): sets *day (a day
    number) and *year, returns true.  The node's text may hold a NUL. */
static bool
s_parse_date (const char *text, size_t length, int32_t *day, int *year)
{
    if (length != 10 || strlen (text) != length || qf_date_parse (text, day) != 0)
        return false;
    *year = atoi (text);
    return true;
}

/*  Day of week of a day number, 0 = Monday … 6 = Sunday (1970-01-01 was
    a Thursday). */
static int
s_weekday (int32_t day)
{
    int64_t shifted = ((int64_t)day + 3) % 7;
    return (int)(shifted < 0 ? shifted + 7 : shifted);
}

static int
s_compare_days (const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static bool
s_valid_endpoint (const char *text)
{
    static const char *const schemes[] = {"ipc://", "tcp://", "inproc://"};
    for (size_t i = 0; i < QF_COUNT (schemes); i++) {
        size_t n = strlen (schemes[i]);
        if (strncmp (text, schemes[i], n) != 0)
            continue;
        if (text[n] == '\0')
            return false;
        for (const char *p = text + n; *p; p++)
            if (*p == ' ')
                return false;
        return true;
    }
    return false;
}

/*  A topic subscription: "*", a topic, or a topic followed by '*'. */
static bool
s_valid_topic (const char *text)
{
    size_t length = strlen (text);
    if (length == 1 && text[0] == '*')
        return true;
    if (length > 1 && text[length - 1] == '*') {
        char prefix[QF_TOPIC_MAX + 1];
        if (length - 1 > QF_TOPIC_MAX)
            return false;
        memcpy (prefix, text, length - 1);
        prefix[length - 1] = '\0';
        return qf_valid_token (prefix, QF_TOPIC_MAX);
    }
    return qf_valid_token (text, QF_TOPIC_MAX);
}

/* --------------------------------------------------------------------- */
/*  Phrases generated from the table: expected, default, advice          */

static const char *
s_type_name (qf_ctype_t type)
{
    switch (type) {
    case QF_CT_STRING: return "string";
    case QF_CT_ENDPOINT: return "endpoint";
    case QF_CT_TIMEZONE: return "time zone";
    case QF_CT_TOKEN: return "name";
    case QF_CT_TOPIC: return "topic";
    case QF_CT_REGEX: return "regex";
    case QF_CT_INT: return "int";
    case QF_CT_INT64: return "int64";
    case QF_CT_BOOL: return "bool";
    case QF_CT_DOUBLE: return "double";
    case QF_CT_ENUM: return "enum";
    case QF_CT_INT_LIST: return "int list";
    case QF_CT_TOKEN_LIST: return "name list";
    case QF_CT_STRING_LIST: return "string list";
    case QF_CT_TOPIC_LIST: return "topic list";
    case QF_CT_TIME: return "time";
    case QF_CT_DATE_MAP: return "dates by year";
    }
    return "?";
}

/* The type of each item of a list type. */
static qf_ctype_t
s_item_type (qf_ctype_t type)
{
    switch (type) {
    case QF_CT_INT_LIST: return QF_CT_INT;
    case QF_CT_TOKEN_LIST: return QF_CT_TOKEN;
    case QF_CT_STRING_LIST: return QF_CT_STRING;
    case QF_CT_TOPIC_LIST: return QF_CT_TOPIC;
    default: return type;
    }
}

/*  Writes what a single value of `type` must be, with k's range, e.g.
    "an integer from 1 to 100000". */
static const char *
s_expect_scalar (char *buffer, size_t size, qf_ctype_t type, const qf_key_t *k)
{
    char names[QF_PHRASE_SIZE];
    size_t used = 0;
    buffer[0] = '\0';
    switch (type) {
    case QF_CT_STRING:
        s_append (buffer, size, &used, "a non-empty string of at most %lld bytes",
                  (long long)k->max);
        break;
    case QF_CT_ENDPOINT:
        s_append (buffer, size, &used,
                  "an endpoint: ipc://, tcp:// or inproc:// followed by an address");
        break;
    case QF_CT_TIMEZONE:
        s_append (buffer, size, &used,
                  "Asia/Shanghai, UTC or a UTC offset from -12:00 to +14:00 such as +08:00");
        break;
    case QF_CT_TOKEN:
        if (k->names)
            s_append (buffer, size, &used, "one of %s",
                      s_join_names (names, sizeof names, k->names));
        else
            s_append (buffer, size, &used,
                      "a name of 1 to %d characters from a-z, 0-9, '.', '_' and '-'", QF_NAME_MAX);
        break;
    case QF_CT_TOPIC:
        s_append (buffer, size, &used,
                  "a topic of 1 to %d characters from a-z, 0-9, '.', '_' and '-', such a "
                  "prefix ending in '*', or '*' for all",
                  QF_TOPIC_MAX);
        break;
    case QF_CT_REGEX:
        s_append (buffer, size, &used,
                  "a POSIX extended regular expression of at most %lld bytes, without "
                  "back-references, repeating at most %d times",
                  (long long)k->max, QF_PATTERN_REPEAT_MAX);
        break;
    case QF_CT_INT:
    case QF_CT_INT64:
    case QF_CT_INT_LIST:
        s_append (buffer, size, &used, "an integer from %lld to %lld", (long long)k->min,
                  (long long)k->max);
        if (k->at_least)
            s_append (buffer, size, &used, " and at least %s", k->at_least);
        break;
    case QF_CT_DOUBLE:
        s_append (buffer, size, &used, "a number from %lld to %lld", (long long)k->min,
                  (long long)k->max);
        break;
    case QF_CT_BOOL: s_append (buffer, size, &used, "true or false"); break;
    case QF_CT_TIME:
        s_append (buffer, size, &used, "a time of day \"HH:MM\" from 00:00 to 23:59");
        break;
    case QF_CT_ENUM:
        s_append (buffer, size, &used, "one of %s", s_join_names (names, sizeof names, k->names));
        break;
    default: break;
    }
    return buffer;
}

/*  Writes what the value of key k must be: s_expect_scalar for scalars,
    "a list of N to M <items>[ in order]" for lists. */
static const char *
s_expect (char *buffer, size_t size, const qf_key_t *k)
{
    if (k->type < QF_CT_INT_LIST)
        return s_expect_scalar (buffer, size, k->type, k);
    size_t used = 0;
    buffer[0] = '\0';
    if (k->type == QF_CT_DATE_MAP) {
        s_append (buffer, size, &used,
                  "a mapping of at most %zu years (%lld to %lld), each to a list of at most %zu "
                  "distinct dates YYYY-MM-DD in that year",
                  k->max_years, (long long)k->min, (long long)k->max, k->max_items);
        if (k->weekend_only)
            s_append (buffer, size, &used, ", each a Saturday or a Sunday");
        if (k->disjoint)
            s_append (buffer, size, &used, " and not in %s", k->disjoint);
        return buffer;
    }
    if (k->min_items == 0)
        s_append (buffer, size, &used, "a list of at most %zu ", k->max_items);
    else
        s_append (buffer, size, &used, "a list of %zu to %zu ", k->min_items, k->max_items);
    if (k->unique)
        s_append (buffer, size, &used, "distinct ");
    switch (k->type) {
    case QF_CT_INT_LIST:
        s_append (buffer, size, &used, "integers from %lld to %lld", (long long)k->min,
                  (long long)k->max);
        if (k->order)
            s_append (buffer, size, &used, " in strictly %s order",
                      k->order > 0 ? "increasing" : "decreasing");
        break;
    case QF_CT_TOKEN_LIST:
        s_append (buffer, size, &used, "names of a-z, 0-9, '.', '_' and '-' (at most %d each)",
                  QF_NAME_MAX);
        break;
    case QF_CT_STRING_LIST:
        s_append (buffer, size, &used, "non-empty strings of at most %lld bytes each",
                  (long long)k->max);
        break;
    case QF_CT_TOPIC_LIST:
        s_append (buffer, size, &used,
                  "topics (a topic of a-z, 0-9, '.', '_' and '-', such a prefix ending in "
                  "'*', or '*' for all)");
        break;
    default: break;
    }
    return buffer;
}

/*  Writes "[a, b]" from ints or texts. */
static const char *
s_format_list (char *buffer, size_t size, const int *ints, const char *const *texts, size_t n)
{
    size_t used = 0;
    buffer[0] = '\0';
    s_append (buffer, size, &used, "[");
    for (size_t i = 0; i < n; i++) {
        if (ints)
            s_append (buffer, size, &used, "%s%d", i ? ", " : "", ints[i]);
        else
            s_append (buffer, size, &used, "%s%s", i ? ", " : "", texts[i]);
    }
    s_append (buffer, size, &used, "]");
    return buffer;
}

/*  Writes k's default as text; *literal says whether it is a value (as
    opposed to "required" or "same as ..."). */
static const char *
s_default_text (char *buffer, size_t size, const qf_key_t *k, bool *literal)
{
    *literal = false;
    if (k->required)
        snprintf (buffer, size, "required");
    else if (k->def_ref)
        snprintf (buffer, size, "same as %s", k->def_ref);
    else {
        *literal = true;
        switch (k->type) {
        case QF_CT_INT:
        case QF_CT_INT64: snprintf (buffer, size, "%lld", (long long)k->def_int); break;
        case QF_CT_BOOL: snprintf (buffer, size, "%s", k->def_int ? "true" : "false"); break;
        case QF_CT_DOUBLE: snprintf (buffer, size, "%g", k->def_real); break;
        case QF_CT_ENUM: snprintf (buffer, size, "%s", k->names[k->def_int]); break;
        case QF_CT_INT_LIST: s_format_list (buffer, size, k->def_ints, NULL, k->def_count); break;
        case QF_CT_TOKEN_LIST:
        case QF_CT_TOPIC_LIST:
            s_format_list (buffer, size, NULL, k->def_texts, k->def_count);
            break;
        case QF_CT_STRING_LIST: snprintf (buffer, size, "[]"); break;
        case QF_CT_TIME:
            snprintf (buffer, size, "%02d:%02d", (int)k->def_int / 60, (int)k->def_int % 60);
            break;
        case QF_CT_DATE_MAP: snprintf (buffer, size, "{}"); break;
        default:
            *literal = k->def_text != NULL;
            snprintf (buffer, size, "%s", k->def_text ? k->def_text : "none");
            break;
        }
    }
    return buffer;
}

/*  Writes what to do about a bad value of k. */
static const char *
s_advice (char *buffer, size_t size, const qf_key_t *k)
{
    char def[QF_PHRASE_SIZE - 64]; /* leaves room for the words around it */
    bool literal;
    if (k->required)
        snprintf (buffer, size, "fix the value");
    else if (k->def_ref)
        snprintf (buffer, size, "fix the value or remove the key to default to %s", k->def_ref);
    else if (k->type == QF_CT_STRING_LIST || k->type == QF_CT_TOPIC_LIST)
        snprintf (buffer, size, "fix the value or remove the key (the default is an empty list)");
    else if (k->type == QF_CT_DATE_MAP)
        snprintf (buffer, size, "fix the value or remove the key (the default is no dates)");
    else if (!k->def_text && k->type == QF_CT_TOKEN)
        snprintf (buffer, size, "fix the value or remove the key (it has no default)");
    else
        snprintf (buffer, size, "fix the value or remove the key to use the default (%s)",
                  s_default_text (def, sizeof def, k, &literal));
    return buffer;
}

/* --------------------------------------------------------------------- */
/*  YAML nodes                                                           */

static yaml_node_t *
s_node (const s_load_t *ld, int id)
{
    return yaml_document_get_node (ld->doc, id);
}

static size_t
s_line (const yaml_node_t *node)
{
    return node ? node->start_mark.line + 1 : 1;
}

/* Whether a node is YAML null: missing, empty, "~" or "null" unquoted. */
static bool
s_is_null (const yaml_node_t *node)
{
    if (!node)
        return true;
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *text = (const char *)node->data.scalar.value;
    size_t length = node->data.scalar.length;
    return length == 0 || (length == 1 && text[0] == '~') ||
           (length == 4 && (memcmp (text, "null", 4) == 0 || memcmp (text, "Null", 4) == 0 ||
                            memcmp (text, "NULL", 4) == 0));
}

/*  Describes a node for "got ...": nothing, null, a mapping, a list, or
    the quoted text. */
static const char *
s_describe (char *buffer, size_t size, const yaml_node_t *node)
{
    if (!node || (node->type == YAML_SCALAR_NODE && node->data.scalar.length == 0 &&
                  node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE))
        return "nothing";
    if (s_is_null (node))
        return "null";
    if (node->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (node->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (node->type != YAML_SCALAR_NODE)
        return "nothing";
    return s_quote (buffer, size, (const char *)node->data.scalar.value, node->data.scalar.length);
}

/*  Reports a bad value of k at node: "expected EXPECT, got FOUND; ADVICE".
    found NULL describes the node; advice NULL is k's usual advice. */
static int
s_reject (const s_load_t *ld, const qf_key_t *k, const char *name, const yaml_node_t *node,
          const char *expect, const char *found, const char *advice)
{
    char quoted[QF_QUOTE_SIZE], usual[QF_PHRASE_SIZE];
    if (!found)
        found = s_describe (quoted, sizeof quoted, node);
    if (!advice)
        advice = s_advice (usual, sizeof usual, k);
    return s_fail (ld, QF_EINVAL, s_line (node), name, "expected %s, got %s; %s", expect, found,
                   advice);
}

/* --------------------------------------------------------------------- */
/*  Reading values                                                       */

/*  Reads an integer value of k (or an item of int list k) in k's range. */
static int
s_get_integer (const s_load_t *ld, const qf_key_t *k, const char *name, const yaml_node_t *node,
               int64_t *value)
{
    char expect[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE], found[QF_PHRASE_SIZE];
    s_expect_scalar (expect, sizeof expect, k->type == QF_CT_INT64 ? QF_CT_INT64 : QF_CT_INT, k);
    if (!node || node->type != YAML_SCALAR_NODE || s_is_null (node))
        return s_reject (ld, k, name, node, expect, NULL, NULL);
    const char *text = (const char *)node->data.scalar.value;
    size_t length = node->data.scalar.length;
    int64_t number = 0;
    int syntax = s_parse_integer (text, length, &number);
    s_quote (quoted, sizeof quoted, text, length);
    if (syntax == 0 && node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        snprintf (found, sizeof found, "the string %s (numbers are written without quotes)",
                  quoted);
        return s_reject (ld, k, name, node, expect, found, NULL);
    }
    if (syntax == 2) {
        snprintf (found, sizeof found, "%s (leading zeros are not allowed)", quoted);
        return s_reject (ld, k, name, node, expect, found, NULL);
    }
    if (syntax != 0 || number < k->min || number > k->max)
        return s_reject (ld, k, name, node, expect, NULL, NULL);
    *value = number;
    return 0;
}

/*  Whether a token is one of k's names, when k lists the names allowed. */
static bool
s_allowed_name (const qf_key_t *k, const char *text, size_t length)
{
    if (k->type != QF_CT_TOKEN || !k->names)
        return true;
    for (size_t i = 0; k->names[i]; i++)
        if (strlen (k->names[i]) == length && memcmp (k->names[i], text, length) == 0)
            return true;
    return false;
}

/*  Reads a text value of `type` for key k (k->max bytes at most for the
    free-text types) and returns a copy in *copy_p (caller owns it). */
static int
s_get_text (const s_load_t *ld, const qf_key_t *k, qf_ctype_t type, const char *name,
            const yaml_node_t *node, char **copy_p)
{
    char expect[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE], found[QF_PHRASE_SIZE];
    s_expect_scalar (expect, sizeof expect, type, k);
    if (!node || node->type != YAML_SCALAR_NODE || s_is_null (node))
        return s_reject (ld, k, name, node, expect, NULL, NULL);
    const char *text = (const char *)node->data.scalar.value;
    size_t length = node->data.scalar.length;
    if (length == 0)
        return s_reject (ld, k, name, node, expect, "an empty string", NULL);

    const char *problem = NULL;
    for (size_t i = 0; i < length && !problem;) {
        unsigned char c = (unsigned char)text[i];
        size_t n = s_utf8_length ((const unsigned char *)text + i, length - i);
        if (c == '\0')
            problem = "contains a NUL character";
        else if (c < 0x20 || c == 0x7F)
            problem = "contains a control character";
        else if (n == 0)
            problem = "is not valid UTF-8";
        i += n ? n : 1;
    }
    if (problem) {
        snprintf (found, sizeof found, "%s, which %s",
                  s_quote (quoted, sizeof quoted, text, length), problem);
        return s_reject (ld, k, name, node, expect, found, NULL);
    }
    bool free_text = type == QF_CT_STRING || type == QF_CT_REGEX || type == QF_CT_ENDPOINT ||
                     type == QF_CT_TIMEZONE;
    if (free_text && k->max > 0 && length > (size_t)k->max) {
        snprintf (found, sizeof found, "%zu bytes", length);
        return s_reject (ld, k, name, node, expect, found, NULL);
    }
    int minutes;
    bool valid = true;
    if (type == QF_CT_TOKEN)
        valid = qf_valid_token (text, QF_NAME_MAX) && s_allowed_name (k, text, length);
    else if (type == QF_CT_TOPIC)
        valid = s_valid_topic (text);
    else if (type == QF_CT_ENDPOINT)
        valid = s_valid_endpoint (text);
    else if (type == QF_CT_TIMEZONE)
        valid = s_parse_timezone (text, &minutes);
    if (!valid)
        return s_reject (ld, k, name, node, expect, NULL, NULL);
    if (k->check && (problem = k->check (text)) != NULL) {
        snprintf (found, sizeof found, "%s, which %s",
                  s_quote (quoted, sizeof quoted, text, length), problem);
        return s_reject (ld, k, name, node, expect, found, NULL);
    }

    *copy_p = strndup (text, length);
    return *copy_p ? 0 : s_no_memory (ld);
}

/*  Reads list k into base: ints into the fixed array, texts into the fixed
    array (token lists) or a new array (string and topic lists).  The count
    grows item by item, so a failure half-way leaves nothing to leak. */
static int
s_set_list (const s_load_t *ld, const qf_key_t *k, const char *name, const yaml_node_t *node,
            void *base)
{
    char expect[QF_PHRASE_SIZE], found[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE];
    s_expect (expect, sizeof expect, k);
    if (!node || node->type != YAML_SEQUENCE_NODE)
        return s_reject (ld, k, name, node, expect, NULL, NULL);
    size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n < k->min_items || n > k->max_items) {
        if (n == 0)
            snprintf (found, sizeof found, "an empty list");
        else
            snprintf (found, sizeof found, "%zu items", n);
        return s_reject (ld, k, name, node, expect, found, NULL);
    }
    assert (k->max_items <= QF_CONFIG_LIST_MAX);
    char *at = (char *)base + k->offset;
    size_t *count = (size_t *)((char *)base + k->aux_offset);
    char **texts = NULL;
    if (k->type == QF_CT_TOKEN_LIST)
        texts = (char **)at;
    else if (k->type != QF_CT_INT_LIST && n > 0) {
        texts = calloc (n, sizeof *texts);
        if (!texts)
            return s_no_memory (ld);
        *(char ***)at = texts;
    }
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *item = s_node (ld, node->data.sequence.items.start[i]);
        char item_name[QF_PHRASE_SIZE];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name, i);
        int rc;
        if (k->type == QF_CT_INT_LIST) {
            int64_t value;
            int *values = (int *)at;
            rc = s_get_integer (ld, k, item_name, item, &value);
            if (rc)
                return rc;
            if (i > 0 && k->order &&
                (k->order > 0 ? value <= values[i - 1] : value >= values[i - 1])) {
                char order_expect[QF_PHRASE_SIZE], advice[QF_PHRASE_SIZE];
                snprintf (order_expect, sizeof order_expect,
                          "a value %s %d, the item before it (the list is strictly %s)",
                          k->order > 0 ? "above" : "below", values[i - 1],
                          k->order > 0 ? "increasing" : "decreasing");
                snprintf (found, sizeof found, "%lld", (long long)value);
                snprintf (advice, sizeof advice,
                          "put the items in %s order without repeats, e.g. %s",
                          k->order > 0 ? "increasing" : "decreasing",
                          s_format_list (quoted, sizeof quoted, k->def_ints, NULL, k->def_count));
                return s_reject (ld, k, item_name, item, order_expect, found, advice);
            }
            values[i] = (int)value;
            *count = i + 1;
            continue;
        }
        char *copy = NULL;
        rc = s_get_text (ld, k, s_item_type (k->type), item_name, item, &copy);
        if (rc)
            return rc;
        texts[i] = copy;
        *count = i + 1;
        for (size_t j = 0; k->unique && j < i; j++) {
            if (strcmp (texts[j], copy) != 0)
                continue;
            snprintf (found, sizeof found, "%s again (it is also item %zu)",
                      s_quote (quoted, sizeof quoted, copy, strlen (copy)), j);
            return s_reject (ld, k, item_name, item, "each item once", found,
                             "remove the repeated item");
        }
    }
    return 0;
}

/*  Reads the year key of one entry of date map k: a plain integer from
    k->min to k->max.  name is the entry's name for messages. */
static int
s_get_year (const s_load_t *ld, const qf_key_t *k, const char *name, const yaml_node_t *key,
            int *year)
{
    char quoted[QF_QUOTE_SIZE], found[QF_PHRASE_SIZE];
    const char *advice = "write each year as a plain number such as 2026, followed by a colon "
                         "and its list of dates";
    if (!key || key->type != YAML_SCALAR_NODE || s_is_null (key))
        return s_fail (ld, QF_EINVAL, s_line (key), name,
                       "expected a year from %lld to %lld as a key, got %s; %s", (long long)k->min,
                       (long long)k->max, s_describe (quoted, sizeof quoted, key), advice);
    const char *text = (const char *)key->data.scalar.value;
    size_t length = key->data.scalar.length;
    int64_t number = 0;
    int syntax = s_parse_integer (text, length, &number);
    s_quote (quoted, sizeof quoted, text, length);
    if (syntax == 0 && key->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        snprintf (found, sizeof found, "the string %s (years are written without quotes)", quoted);
    else if (syntax != 0 || number < k->min || number > k->max)
        snprintf (found, sizeof found, "%s", quoted);
    else {
        *year = (int)number;
        return 0;
    }
    return s_fail (ld, QF_EINVAL, s_line (key), name,
                   "expected a year from %lld to %lld as the key, got %s; %s", (long long)k->min,
                   (long long)k->max, found, advice);
}

/*  Reads date map k at node into one array of day numbers, sorted once
    all years are read.  The array grows year by year and the count item
    by item, so a failure half-way leaves nothing to leak. */
static int
s_set_date_map (const s_load_t *ld, const qf_key_t *k, const char *name, const yaml_node_t *node,
                void *base)
{
    char expect[QF_PHRASE_SIZE], found[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE];
    char year_name[QF_PHRASE_SIZE], item_name[QF_PHRASE_SIZE + 32], advice[QF_PHRASE_SIZE];
    s_expect (expect, sizeof expect, k);
    if (!node || node->type != YAML_MAPPING_NODE)
        return s_reject (ld, k, name, node, expect, NULL, NULL);
    size_t years = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    assert (k->max_years <= QF_DATE_MAP_YEARS_MAX);
    if (years > k->max_years) {
        snprintf (found, sizeof found, "%zu years", years);
        return s_reject (ld, k, name, node, expect, found,
                         "remove the years that are over; past years are no longer needed");
    }
    int32_t **days_p = (int32_t **)((char *)base + k->offset);
    size_t *count = (size_t *)((char *)base + k->aux_offset);
    int year_numbers[QF_DATE_MAP_YEARS_MAX];
    size_t year_lines[QF_DATE_MAP_YEARS_MAX];
    for (size_t y = 0; y < years; y++) {
        const yaml_node_pair_t *pair = &node->data.mapping.pairs.start[y];
        const yaml_node_t *key = s_node (ld, pair->key), *list = s_node (ld, pair->value);
        if (key && key->type == YAML_SCALAR_NODE)
            s_key_name (year_name, sizeof year_name, name, (const char *)key->data.scalar.value,
                        key->data.scalar.length);
        else
            snprintf (year_name, sizeof year_name, "%s", name);
        int year = 0;
        int rc = s_get_year (ld, k, year_name, key, &year);
        if (rc)
            return rc;
        year_numbers[y] = year;
        year_lines[y] = s_line (key);
        for (size_t j = 0; j < y; j++)
            if (year_numbers[j] == year)
                return s_fail (ld, QF_EINVAL, s_line (key), year_name,
                               "expected each year once, got %d again (first at line %zu); "
                               "merge the two lists",
                               year, year_lines[j]);

        size_t n = list && list->type == YAML_SEQUENCE_NODE
                       ? (size_t)(list->data.sequence.items.top - list->data.sequence.items.start)
                       : 0;
        snprintf (expect, sizeof expect, "a list of at most %zu distinct dates YYYY-MM-DD in %d",
                  k->max_items, year);
        snprintf (advice, sizeof advice,
                  "write the dates as a list, e.g. %d: [%d-10-01, %d-10-02], or remove the year",
                  year, year, year);
        if (!list || list->type != YAML_SEQUENCE_NODE)
            return s_reject (ld, k, year_name, list ? list : key, expect, NULL, advice);
        if (n > k->max_items) {
            snprintf (found, sizeof found, "%zu dates", n);
            return s_reject (ld, k, year_name, list, expect, found,
                             "list only the dates that differ from the usual week");
        }
        if (n == 0)
            continue;
        int32_t *grown = realloc (*days_p, (*count + n) * sizeof *grown);
        if (!grown)
            return s_no_memory (ld);
        *days_p = grown;
        size_t first = *count;
        for (size_t i = 0; i < n; i++) {
            const yaml_node_t *item = s_node (ld, list->data.sequence.items.start[i]);
            snprintf (item_name, sizeof item_name, "%s[%zu]", year_name, i);
            snprintf (expect, sizeof expect, "a date YYYY-MM-DD in %d (a real day of a real month)",
                      year);
            int32_t day = 0;
            int date_year = 0;
            if (!item || item->type != YAML_SCALAR_NODE || s_is_null (item) ||
                !s_parse_date ((const char *)item->data.scalar.value, item->data.scalar.length,
                               &day, &date_year))
                return s_reject (ld, k, item_name, item, expect, NULL,
                                 "write the date as YYYY-MM-DD, e.g. 2026-10-01");
            const char *text = (const char *)item->data.scalar.value;
            s_quote (quoted, sizeof quoted, text, item->data.scalar.length);
            if (date_year != year) {
                snprintf (found, sizeof found, "%s, which is in %d", quoted, date_year);
                snprintf (advice, sizeof advice, "move the date to the %d list or correct its year",
                          date_year);
                return s_reject (ld, k, item_name, item, expect, found, advice);
            }
            if (k->weekend_only && s_weekday (day) < 5) {
                static const char *const weekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                       "Friday"};
                snprintf (found, sizeof found, "%s, a %s (already a working day)", quoted,
                          weekdays[s_weekday (day)]);
                return s_reject (ld, k, item_name, item, "a Saturday or a Sunday", found,
                                 "list only the weekend days that are worked; check the date "
                                 "against the notice");
            }
            for (size_t j = first; j < *count; j++) {
                if ((*days_p)[j] != day)
                    continue;
                snprintf (found, sizeof found, "%s again (it is also item %zu)", quoted, j - first);
                return s_reject (ld, k, item_name, item, "each date once", found,
                                 "remove the repeated date");
            }
            (*days_p)[*count] = day;
            *count += 1;
        }
    }
    if (*count > 1)
        qsort (*days_p, *count, sizeof **days_p, s_compare_days);
    if (k->years_offset) {
        /* Kept sorted: the years a calendar covers, for the daemon's warnings. */
        qf_years_t *listed = (qf_years_t *)((char *)base + k->years_offset);
        listed->count = 0;
        for (size_t y = 0; y < years; y++) {
            size_t at = listed->count++;
            while (at > 0 && listed->year[at - 1] > year_numbers[y]) {
                listed->year[at] = listed->year[at - 1];
                at--;
            }
            listed->year[at] = year_numbers[y];
        }
    }
    return 0;
}

/*  Reads the value of k at node into the struct at base. */
static int
s_set_value (const s_load_t *ld, const qf_key_t *k, const char *name, const yaml_node_t *node,
             void *base)
{
    char expect[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE], found[QF_PHRASE_SIZE];
    char *at = (char *)base + k->offset;
    int rc = 0;
    switch (k->type) {
    case QF_CT_INT:
    case QF_CT_INT64: {
        int64_t value;
        rc = s_get_integer (ld, k, name, node, &value);
        if (rc == 0 && k->type == QF_CT_INT)
            *(int *)at = (int)value;
        else if (rc == 0)
            *(int64_t *)at = value;
        return rc;
    }
    case QF_CT_BOOL:
    case QF_CT_DOUBLE:
    case QF_CT_ENUM: {
        s_expect_scalar (expect, sizeof expect, k->type, k);
        if (!node || node->type != YAML_SCALAR_NODE || s_is_null (node))
            return s_reject (ld, k, name, node, expect, NULL, NULL);
        const char *text = (const char *)node->data.scalar.value;
        size_t length = node->data.scalar.length;
        bool plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (k->type == QF_CT_BOOL) {
            if (plain && length == 4 && memcmp (text, "true", 4) == 0)
                *(bool *)at = true;
            else if (plain && length == 5 && memcmp (text, "false", 5) == 0)
                *(bool *)at = false;
            else {
                snprintf (found, sizeof found,
                          plain ? "%s (only true and false are booleans here)"
                                : "the string %s (booleans are written without quotes)",
                          s_quote (quoted, sizeof quoted, text, length));
                return s_reject (ld, k, name, node, expect, found, NULL);
            }
            return 0;
        }
        if (k->type == QF_CT_DOUBLE) {
            double value;
            if (!plain || !s_parse_real (text, length, &value) || value < (double)k->min ||
                value > (double)k->max)
                return s_reject (ld, k, name, node, expect, NULL, NULL);
            *(double *)at = value;
            return 0;
        }
        for (int i = 0; k->names[i]; i++) {
            if (strlen (k->names[i]) == length && memcmp (k->names[i], text, length) == 0) {
                *(int *)at = i;
                return 0;
            }
        }
        return s_reject (ld, k, name, node, expect, NULL, NULL);
    }
    case QF_CT_TIME: {
        s_expect_scalar (expect, sizeof expect, k->type, k);
        if (!node || node->type != YAML_SCALAR_NODE || s_is_null (node) ||
            !s_parse_time ((const char *)node->data.scalar.value, node->data.scalar.length,
                           (int *)at))
            return s_reject (ld, k, name, node, expect, NULL, NULL);
        return 0;
    }
    case QF_CT_DATE_MAP: return s_set_date_map (ld, k, name, node, base);
    case QF_CT_STRING:
    case QF_CT_ENDPOINT:
    case QF_CT_TOKEN:
    case QF_CT_TOPIC: return s_get_text (ld, k, k->type, name, node, (char **)at);
    case QF_CT_TIMEZONE: {
        char *copy = NULL;
        rc = s_get_text (ld, k, k->type, name, node, &copy);
        if (rc)
            return rc;
        *(char **)at = copy;
        bool valid = s_parse_timezone (copy, (int *)((char *)base + k->aux_offset));
        assert (valid); /* s_get_text checked it */
        (void)valid;
        return 0;
    }
    case QF_CT_REGEX: {
        char *copy = NULL;
        rc = s_get_text (ld, k, k->type, name, node, &copy);
        if (rc)
            return rc;
        /* Refused before regcomp, which is where the cost would be paid. */
        char why[QF_PHRASE_SIZE / 2], advice[QF_PHRASE_SIZE / 2];
        if (qf_pattern_check (copy, why, sizeof why, advice, sizeof advice) != 0) {
            snprintf (found, sizeof found, "%s, which %s",
                      s_quote (quoted, sizeof quoted, copy, strlen (copy)), why);
            free (copy);
            s_expect_scalar (expect, sizeof expect, k->type, k);
            return s_reject (ld, k, name, node, expect, found, advice);
        }
        regex_t *regex = (regex_t *)((char *)base + k->aux_offset);
        int status = regcomp (regex, copy, REG_EXTENDED | REG_NOSUB);
        if (status != 0) {
            char reason[256];
            regerror (status, regex, reason, sizeof reason);
            snprintf (found, sizeof found, "%s, which does not compile: %s",
                      s_quote (quoted, sizeof quoted, copy, strlen (copy)), reason);
            free (copy);
            s_expect_scalar (expect, sizeof expect, k->type, k);
            return s_reject (ld, k, name, node, expect, found, NULL);
        }
        *(char **)at = copy; /* a pattern means a compiled regex to free */
        return 0;
    }
    case QF_CT_INT_LIST:
    case QF_CT_TOKEN_LIST:
    case QF_CT_STRING_LIST:
    case QF_CT_TOPIC_LIST: return s_set_list (ld, k, name, node, base);
    }
    return 0;
}

/* --------------------------------------------------------------------- */
/*  Defaults, freeing, comparing                                         */

/*  Sets main key k to its default in the struct at base. */
static int
s_set_default (const qf_key_t *k, void *base)
{
    char *at = (char *)base + k->offset;
    size_t *count = (size_t *)((char *)base + k->aux_offset);
    switch (k->type) {
    case QF_CT_INT:
    case QF_CT_ENUM:
    case QF_CT_TIME: *(int *)at = (int)k->def_int; break;
    case QF_CT_INT64: *(int64_t *)at = k->def_int; break;
    case QF_CT_BOOL: *(bool *)at = k->def_int != 0; break;
    case QF_CT_DOUBLE: *(double *)at = k->def_real; break;
    case QF_CT_INT_LIST:
        memcpy (at, k->def_ints, k->def_count * sizeof (int));
        *count = k->def_count;
        break;
    case QF_CT_TOPIC_LIST: /* an array of its own, as s_set_list makes */
        if (k->def_count == 0)
            break;
        *(char ***)at = calloc (k->def_count, sizeof (char *));
        if (!*(char ***)at)
            return QF_ENOMEM;
        at = (char *)*(char ***)at;
        /* fall through */
    case QF_CT_TOKEN_LIST:
        for (size_t i = 0; i < k->def_count; i++) {
            ((char **)at)[i] = strdup (k->def_texts[i]);
            if (!((char **)at)[i])
                return QF_ENOMEM;
            *count = i + 1;
        }
        break;
    case QF_CT_STRING_LIST:
    case QF_CT_DATE_MAP: break; /* empty */
    case QF_CT_TIMEZONE: {
        bool valid = s_parse_timezone (k->def_text, (int *)((char *)base + k->aux_offset));
        assert (valid);
        (void)valid;
    }
    /* fall through */
    case QF_CT_STRING:
    case QF_CT_ENDPOINT:
    case QF_CT_TOKEN:
    case QF_CT_TOPIC:
    case QF_CT_REGEX:
        /* Only a name may go without a default: it then stays unset (NULL). */
        assert ((k->def_text || k->type == QF_CT_TOKEN) && k->type != QF_CT_REGEX);
        if (!k->def_text)
            break;
        *(char **)at = strdup (k->def_text);
        if (!*(char **)at)
            return QF_ENOMEM;
        break;
    }
    return 0;
}

/*  Frees what key k owns in the struct at base and resets it. */
static void
s_free_value (const qf_key_t *k, void *base)
{
    char *at = (char *)base + k->offset;
    size_t *count = (size_t *)((char *)base + k->aux_offset);
    switch (k->type) {
    case QF_CT_REGEX:
        if (*(char **)at)
            regfree ((regex_t *)((char *)base + k->aux_offset));
        /* fall through */
    case QF_CT_STRING:
    case QF_CT_ENDPOINT:
    case QF_CT_TIMEZONE:
    case QF_CT_TOKEN:
    case QF_CT_TOPIC:
        free (*(char **)at);
        *(char **)at = NULL;
        break;
    case QF_CT_TOKEN_LIST:
        for (size_t i = 0; i < *count; i++) {
            free (((char **)at)[i]);
            ((char **)at)[i] = NULL;
        }
        *count = 0;
        break;
    case QF_CT_STRING_LIST:
    case QF_CT_TOPIC_LIST: {
        char **items = *(char ***)at;
        for (size_t i = 0; items && i < *count; i++)
            free (items[i]);
        free (items);
        *(char ***)at = NULL;
        *count = 0;
        break;
    }
    case QF_CT_DATE_MAP:
        free (*(int32_t **)at);
        *(int32_t **)at = NULL;
        *count = 0;
        if (k->years_offset)
            ((qf_years_t *)((char *)base + k->years_offset))->count = 0;
        break;
    default: break;
    }
}

/* The struct a section's or a main key's offsets point into. */
static void *
s_base (const qf_config_t *cfg, int part)
{
    return part < 0 ? (void *)cfg : cfg->parts[part];
}

/* The entry array and count of list section sec in the struct at base. */
static void *
s_section_items (const qf_section_t *sec, const void *base, size_t *count)
{
    void *items;
    memcpy (&items, (const char *)base + sec->array_offset, sizeof items);
    memcpy (count, (const char *)base + sec->count_offset, sizeof *count);
    return items;
}

static const char *
s_item_name (const qf_section_t *sec, const void *items, size_t i)
{
    return *(char *const *)((const char *)items + i * sec->item_size + sec->keys[0].offset);
}

/*  Whether key k holds the same value in the structs at a and b. */
static bool
s_equal (const qf_key_t *k, const void *a, const void *b)
{
    const char *pa = (const char *)a + k->offset, *pb = (const char *)b + k->offset;
    size_t na = 0, nb = 0;
    if (k->type >= QF_CT_INT_LIST) {
        na = *(const size_t *)((const char *)a + k->aux_offset);
        nb = *(const size_t *)((const char *)b + k->aux_offset);
        if (na != nb)
            return false;
    }
    switch (k->type) {
    case QF_CT_INT:
    case QF_CT_ENUM:
    case QF_CT_TIME: return *(const int *)pa == *(const int *)pb;
    case QF_CT_INT64: return *(const int64_t *)pa == *(const int64_t *)pb;
    case QF_CT_BOOL: return *(const bool *)pa == *(const bool *)pb;
    case QF_CT_DOUBLE: return *(const double *)pa == *(const double *)pb;
    case QF_CT_INT_LIST: return memcmp (pa, pb, na * sizeof (int)) == 0;
    case QF_CT_DATE_MAP:
        return na == 0 ||
               memcmp (*(int32_t *const *)pa, *(int32_t *const *)pb, na * sizeof (int32_t)) == 0;
    case QF_CT_TOKEN_LIST:
    case QF_CT_STRING_LIST:
    case QF_CT_TOPIC_LIST: {
        char *const *ia = k->type == QF_CT_TOKEN_LIST ? (char *const *)pa : *(char **const *)pa;
        char *const *ib = k->type == QF_CT_TOKEN_LIST ? (char *const *)pb : *(char **const *)pb;
        for (size_t i = 0; i < na; i++)
            if (strcmp (ia[i], ib[i]) != 0)
                return false;
        return true;
    }
    default: {
        const char *sa = *(char *const *)pa, *sb = *(char *const *)pb;
        return (!sa && !sb) || (sa && sb && strcmp (sa, sb) == 0);
    }
    }
}

/*  Writes key k's value in the struct at base as text, for messages. */
static const char *
s_value_text (char *buffer, size_t size, const qf_key_t *k, const void *base)
{
    const char *at = (const char *)base + k->offset;
    size_t count = 0;
    if (k->type >= QF_CT_INT_LIST)
        count = *(const size_t *)((const char *)base + k->aux_offset);
    switch (k->type) {
    case QF_CT_INT: snprintf (buffer, size, "%d", *(const int *)at); break;
    case QF_CT_INT64: snprintf (buffer, size, "%lld", (long long)*(const int64_t *)at); break;
    case QF_CT_BOOL: snprintf (buffer, size, "%s", *(const bool *)at ? "true" : "false"); break;
    case QF_CT_DOUBLE: snprintf (buffer, size, "%g", *(const double *)at); break;
    case QF_CT_ENUM: {
        int i = *(const int *)at, n = 0;
        while (k->names[n])
            n++;
        snprintf (buffer, size, "%s", i >= 0 && i < n ? k->names[i] : "?");
        break;
    }
    case QF_CT_INT_LIST: s_format_list (buffer, size, (const int *)at, NULL, count); break;
    case QF_CT_TOKEN_LIST:
        s_format_list (buffer, size, NULL, (const char *const *)at, count);
        break;
    case QF_CT_STRING_LIST:
    case QF_CT_TOPIC_LIST:
        s_format_list (buffer, size, NULL, *(const char *const *const *)at, count);
        break;
    case QF_CT_TIME:
        snprintf (buffer, size, "%02d:%02d", *(const int *)at / 60, *(const int *)at % 60);
        break;
    case QF_CT_DATE_MAP: {
        const int32_t *days = *(int32_t *const *)at;
        char date[16];
        size_t used = 0;
        buffer[0] = '\0';
        s_append (buffer, size, &used, "[");
        for (size_t i = 0; i < count; i++)
            s_append (buffer, size, &used, "%s%s", i ? ", " : "",
                      qf_date_format (days[i], date, sizeof date));
        s_append (buffer, size, &used, "]");
        break;
    }
    default: {
        const char *text = *(char *const *)at;
        char quoted[QF_QUOTE_SIZE];
        snprintf (buffer, size, "%s",
                  text ? s_quote (quoted, sizeof quoted, text, strlen (text)) : "nothing");
        break;
    }
    }
    return buffer;
}

/*  Adds the sections of one table (the engine's, part -1, or a part's). */
static void
s_layout_add (s_layout_t *lay, const qf_section_t *sections, int part)
{
    for (const qf_section_t *sec = sections; sec->name; sec++) {
        assert (lay->section_count < QF_SECTIONS_MAX);
        lay->section[lay->section_count++] = (s_section_t){.sec = sec, .part = part};
        size_t t = 0;
        while (t < lay->top_count && strcmp (lay->top[t], sec->name) != 0)
            t++;
        if (t < lay->top_count) {
            /* Only mappings share a name. */
            assert (!sec->list && !lay->top_list[t]);
            continue;
        }
        assert (lay->top_count < QF_SECTIONS_MAX);
        lay->top_list[lay->top_count] = sec->list;
        lay->top[lay->top_count++] = sec->name;
        lay->top[lay->top_count] = NULL;
    }
}

/*  Lays out every section linked into this program into *lay. */
static void
s_layout (s_layout_t *lay)
{
    lay->section_count = lay->top_count = lay->count = 0;
    lay->top[0] = NULL;
    s_layout_add (lay, qf_config_sections, -1);
    for (size_t p = 0; qf_config_parts[p]; p++) {
        assert (p < QF_CONFIG_PARTS_MAX);
        s_layout_add (lay, qf_config_parts[p]->sections, (int)p);
    }
    for (size_t t = 0; t < lay->top_count; t++) {
        for (size_t s = 0; s < lay->section_count; s++) {
            const qf_section_t *sec = lay->section[s].sec;
            if (sec->list || strcmp (sec->name, lay->top[t]) != 0)
                continue;
            for (size_t i = 0; i < sec->key_count; i++) {
                assert (lay->count < QF_MAIN_KEYS_MAX);
                for (size_t j = 0; j < lay->count; j++) /* each key in one table only */
                    assert (strcmp (lay->key[j]->key, sec->keys[i].key) != 0);
                lay->key[lay->count] = &sec->keys[i];
                lay->key_part[lay->count] = lay->section[s].part;
                lay->key_top[lay->count++] = t;
            }
        }
    }
}

/*  The number of main key `key` in *lay; the tables name only keys that
    exist, so a miss is a programming error. */
static size_t
s_main_index (const s_layout_t *lay, const char *key)
{
    size_t i = 0;
    while (i < lay->count && strcmp (lay->key[i]->key, key) != 0)
        i++;
    assert (i < lay->count);
    return i;
}

/*  The index of top-level name `name` in *lay. */
static size_t
s_top_index (const s_layout_t *lay, const char *name)
{
    size_t t = 0;
    while (t < lay->top_count && strcmp (lay->top[t], name) != 0)
        t++;
    assert (t < lay->top_count);
    return t;
}

/*  Writes the leaves of the main keys under top-level name t, "a, b, c". */
static const char *
s_join_main (char *buffer, size_t size, const s_layout_t *lay, size_t t)
{
    size_t used = 0, prefix = strlen (lay->top[t]) + 1;
    buffer[0] = '\0';
    for (size_t i = 0; i < lay->count; i++)
        if (lay->key_top[i] == t)
            s_append (buffer, size, &used, "%s%s", used ? ", " : "", lay->key[i]->key + prefix);
    return buffer;
}

static int64_t
s_integer_value (const qf_key_t *k, const void *base)
{
    const char *at = (const char *)base + k->offset;
    return k->type == QF_CT_INT64 ? *(const int64_t *)at : *(const int *)at;
}

/*  Sets entry key k, absent from the file, from the key named by
    k->def_ref: a sibling in the same entry, else a main key. */
static int
s_set_from_ref (const qf_key_t *k, void *base, const qf_section_t *sec, const qf_config_t *cfg,
                const s_layout_t *lay)
{
    const qf_key_t *source = NULL;
    const void *source_base = base;
    for (size_t i = 0; i < sec->key_count && !source; i++)
        if (strcmp (sec->keys[i].key, k->def_ref) == 0)
            source = &sec->keys[i];
    if (!source) {
        size_t index = s_main_index (lay, k->def_ref);
        source = lay->key[index];
        source_base = s_base (cfg, lay->key_part[index]);
    }
    const char *from = (const char *)source_base + source->offset;
    char *to = (char *)base + k->offset;
    switch (k->type) {
    case QF_CT_INT: *(int *)to = (int)s_integer_value (source, source_base); break;
    case QF_CT_INT64: *(int64_t *)to = s_integer_value (source, source_base); break;
    case QF_CT_STRING:
    case QF_CT_TOKEN:
        assert (*(char *const *)from);
        *(char **)to = strdup (*(char *const *)from);
        if (!*(char **)to)
            return QF_ENOMEM;
        break;
    default: assert (!"def_ref is for int, int64 and text keys"); break;
    }
    return 0;
}

/* --------------------------------------------------------------------- */
/*  Walking the document                                                 */

/*  Finds main key SECTION.TEXT under top-level name t; -1 when unknown. */
static int
s_find_main_key (const s_layout_t *lay, size_t t, const char *text, size_t length)
{
    size_t n = strlen (lay->top[t]);
    for (size_t i = 0; i < lay->count; i++) {
        const char *key = lay->key[i]->key;
        if (lay->key_top[i] == t && strlen (key + n + 1) == length &&
            memcmp (key + n + 1, text, length) == 0)
            return (int)i;
    }
    return -1;
}

/*  Reads the mapping under top-level name t (daemon:, policy:, ...: a
    mapping, or empty) into cfg and its parts, recording in seen[] the
    line of every key given and in values[] its value's node, both
    indexed like lay->key. */
static int
s_load_mapping (const s_load_t *ld, qf_config_t *cfg, const s_layout_t *lay, size_t t,
                const yaml_node_t *node, size_t *seen, const yaml_node_t **values)
{
    char keys[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE], name[QF_PHRASE_SIZE];
    const char *section = lay->top[t];
    if (!node || s_is_null (node))
        return 0;
    s_join_main (keys, sizeof keys, lay, t);
    if (node->type != YAML_MAPPING_NODE)
        return s_fail (ld, QF_EINVAL, s_line (node), section,
                       "expected a mapping of %s keys (%s), got %s; write them as \"key: value\" "
                       "lines indented under %s:",
                       section, keys, s_describe (quoted, sizeof quoted, node), section);
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        const yaml_node_t *key = s_node (ld, pair->key), *value = s_node (ld, pair->value);
        if (!key || key->type != YAML_SCALAR_NODE)
            return s_fail (ld, QF_EINVAL, s_line (key), section,
                           "expected a key name (%s), got %s as a key; write \"key: value\"", keys,
                           s_describe (quoted, sizeof quoted, key));
        const char *text = (const char *)key->data.scalar.value;
        size_t length = key->data.scalar.length;
        int index = s_find_main_key (lay, t, text, length);
        if (index < 0)
            return s_fail (ld, QF_EINVAL, s_line (key),
                           s_key_name (name, sizeof name, section, text, length),
                           "expected a key of the %s section (%s), got %s; fix the spelling or "
                           "remove the key",
                           section, keys, s_quote (quoted, sizeof quoted, text, length));
        const qf_key_t *k = lay->key[index];
        if (seen[index])
            return s_fail (ld, QF_EINVAL, s_line (key), k->key,
                           "expected each key once, got it again (first at line %zu); remove "
                           "one of them",
                           seen[index]);
        seen[index] = s_line (key);
        values[index] = value;
        int rc = s_set_value (ld, k, k->key, value, s_base (cfg, lay->key_part[index]));
        if (rc)
            return rc;
    }
    return 0;
}

/*  Reads one entry of a list section into base; *name_line gets the line
    of its name. */
static int
s_load_entry (const s_load_t *ld, qf_config_t *cfg, const s_layout_t *lay, const qf_section_t *sec,
              const yaml_node_t *node, void *base, const char *prefix, size_t *name_line)
{
    char keys[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE], name[QF_PHRASE_SIZE];
    size_t seen[QF_ITEM_KEYS_MAX] = {0};
    assert (sec->key_count <= QF_ITEM_KEYS_MAX);
    s_join_keys (keys, sizeof keys, sec->keys, sec->key_count);
    if (!node || node->type != YAML_MAPPING_NODE)
        return s_fail (ld, QF_EINVAL, s_line (node), prefix,
                       "expected a mapping of %s, got %s; write the entry as \"- name: ...\" "
                       "with its other keys indented below",
                       keys, s_describe (quoted, sizeof quoted, node));
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        const yaml_node_t *key = s_node (ld, pair->key), *value = s_node (ld, pair->value);
        if (!key || key->type != YAML_SCALAR_NODE)
            return s_fail (ld, QF_EINVAL, s_line (key), prefix,
                           "expected a key name (%s), got %s as a key; write \"key: value\"", keys,
                           s_describe (quoted, sizeof quoted, key));
        const char *text = (const char *)key->data.scalar.value;
        size_t length = key->data.scalar.length;
        size_t index = 0;
        while (index < sec->key_count && !(strlen (sec->keys[index].key) == length &&
                                           memcmp (sec->keys[index].key, text, length) == 0))
            index++;
        if (index == sec->key_count)
            return s_fail (ld, QF_EINVAL, s_line (key),
                           s_key_name (name, sizeof name, prefix, text, length),
                           "expected a key of a %s entry (%s), got %s; fix the spelling or "
                           "remove the key",
                           sec->name, keys, s_quote (quoted, sizeof quoted, text, length));
        const qf_key_t *k = &sec->keys[index];
        snprintf (name, sizeof name, "%s.%s", prefix, k->key);
        if (seen[index])
            return s_fail (ld, QF_EINVAL, s_line (key), name,
                           "expected each key once, got it again (first at line %zu); remove "
                           "one of them",
                           seen[index]);
        seen[index] = s_line (key);
        int rc = s_set_value (ld, k, name, value, base);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < sec->key_count; i++) {
        const qf_key_t *k = &sec->keys[i];
        if (seen[i] || !k->required)
            continue;
        char expect[QF_PHRASE_SIZE], found[QF_PHRASE_SIZE], advice[QF_PHRASE_SIZE];
        snprintf (name, sizeof name, "%s.%s", prefix, k->key);
        snprintf (found, sizeof found, "no %s key", k->key);
        snprintf (advice, sizeof advice, "add \"%s:\" to the entry", k->key);
        return s_fail (ld, QF_EINVAL, s_line (node), name, "expected %s, got %s; %s",
                       s_expect (expect, sizeof expect, k), found, advice);
    }
    for (size_t i = 0; i < sec->key_count; i++) {
        if (seen[i] || !sec->keys[i].def_ref)
            continue;
        if (s_set_from_ref (&sec->keys[i], base, sec, cfg, lay))
            return s_no_memory (ld);
    }
    if (sec->entry_check) {
        char message[QF_PHRASE_SIZE];
        const char *at = NULL;
        const char *wrong = sec->entry_check (base, &at, message, sizeof message);
        if (wrong) {
            size_t line = s_line (node);
            for (size_t i = 0; at && i < sec->key_count; i++)
                if (strcmp (sec->keys[i].key, at) == 0 && seen[i])
                    line = seen[i];
            snprintf (name, sizeof name, "%s.%s", prefix, at ? at : sec->keys[0].key);
            return s_fail (ld, QF_EINVAL, line, name, "%s", wrong);
        }
    }
    *name_line = seen[0];
    return 0;
}

/*  Reads a list section (a sequence of mappings, or empty) into the struct
    at owner (cfg, or the part that declares it). */
static int
s_load_list_section (const s_load_t *ld, qf_config_t *cfg, const s_layout_t *lay,
                     const qf_section_t *sec, void *owner, const yaml_node_t *node)
{
    char keys[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE];
    if (!node || s_is_null (node))
        return 0;
    s_join_keys (keys, sizeof keys, sec->keys, sec->key_count);
    size_t n = node->type == YAML_SEQUENCE_NODE
                   ? (size_t)(node->data.sequence.items.top - node->data.sequence.items.start)
                   : 0;
    if (node->type != YAML_SEQUENCE_NODE || n > QF_CONFIG_LIST_MAX) {
        char count_text[QF_PHRASE_SIZE];
        const char *found = s_describe (quoted, sizeof quoted, node);
        if (node->type == YAML_SEQUENCE_NODE) {
            snprintf (count_text, sizeof count_text, "%zu entries", n);
            found = count_text;
        }
        return s_fail (ld, QF_EINVAL, s_line (node), sec->name,
                       "expected a list of at most %d entries, each a mapping of %s, got %s; "
                       "write each entry as \"- name: ...\" with its other keys indented below",
                       QF_CONFIG_LIST_MAX, keys, found);
    }
    if (n == 0)
        return 0;
    char *items = calloc (n, sec->item_size);
    if (!items)
        return s_no_memory (ld);
    memcpy ((char *)owner + sec->array_offset, &items, sizeof items);
    size_t *count = (size_t *)((char *)owner + sec->count_offset);
    size_t name_lines[QF_CONFIG_LIST_MAX];
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *item = s_node (ld, node->data.sequence.items.start[i]);
        char *base = items + i * sec->item_size;
        char prefix[64];
        snprintf (prefix, sizeof prefix, "%s[%zu]", sec->name, i);
        *count = i + 1; /* a half-read entry is freed with the rest */
        int rc = s_load_entry (ld, cfg, lay, sec, item, base, prefix, &name_lines[i]);
        if (rc)
            return rc;
        const char *name = s_item_name (sec, items, i);
        for (size_t j = 0; j < i; j++) {
            if (strcmp (s_item_name (sec, items, j), name) != 0)
                continue;
            char key[QF_PHRASE_SIZE];
            snprintf (key, sizeof key, "%s.name", prefix);
            return s_fail (ld, QF_EINVAL, name_lines[i], key,
                           "expected a name no other %s entry has, got %s again (first at line "
                           "%zu); rename or remove one of them",
                           sec->name, s_quote (quoted, sizeof quoted, name, strlen (name)),
                           name_lines[j]);
        }
    }
    return 0;
}

/*  Finds day in date map k (read from node without error): writes the
    item's name, e.g. "calendar.holidays.2026[3]", and returns its line;
    0 when it is not there. */
static size_t
s_find_date (const s_load_t *ld, const qf_key_t *k, const yaml_node_t *node, int32_t day,
             char *name, size_t size)
{
    char year_name[QF_PHRASE_SIZE - 32];
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        const yaml_node_t *key = s_node (ld, pair->key), *list = s_node (ld, pair->value);
        s_key_name (year_name, sizeof year_name, k->key, (const char *)key->data.scalar.value,
                    key->data.scalar.length);
        for (size_t i = 0; list->data.sequence.items.start + i < list->data.sequence.items.top;
             i++) {
            const yaml_node_t *item = s_node (ld, list->data.sequence.items.start[i]);
            int32_t found = 0;
            int year;
            if (s_parse_date ((const char *)item->data.scalar.value, item->data.scalar.length,
                              &found, &year) &&
                found == day) {
                snprintf (name, size, "%s[%zu]", year_name, i);
                return s_line (item);
            }
        }
    }
    return 0;
}

/*  Refuses a date that is in both date map k (node) and date map other
    (other_node), naming both places; the earliest such date is reported. */
static int
s_check_disjoint (const s_load_t *ld, const qf_key_t *k, const void *base, const yaml_node_t *node,
                  const qf_key_t *other, const void *other_base, const yaml_node_t *other_node)
{
    const int32_t *mine = *(int32_t *const *)((const char *)base + k->offset);
    const int32_t *theirs = *(int32_t *const *)((const char *)other_base + other->offset);
    size_t n = *(const size_t *)((const char *)base + k->aux_offset);
    size_t m = *(const size_t *)((const char *)other_base + other->aux_offset);
    size_t i = 0, j = 0;
    while (i < n && j < m && mine[i] != theirs[j]) {
        if (mine[i] < theirs[j])
            i++;
        else
            j++;
    }
    if (i == n || j == m)
        return 0;
    assert (node && other_node); /* both lists have dates, so both were read */
    char name[QF_PHRASE_SIZE], other_name[QF_PHRASE_SIZE], date[16];
    size_t line = s_find_date (ld, k, node, mine[i], name, sizeof name);
    size_t other_line = s_find_date (ld, other, other_node, mine[i], other_name, sizeof other_name);
    assert (line && other_line);
    return s_fail (ld, QF_EINVAL, line, name,
                   "expected a date not in %s, got \"%s\", which is also %s (line %zu); a day "
                   "is either a holiday or a make-up working day: remove it from one of the two "
                   "lists",
                   other->key, qf_date_format (mine[i], date, sizeof date), other_name, other_line);
}

/*  Reads the whole document (root may be NULL for an empty file) into cfg
    and fills in the defaults. */
static int
s_load_root (const s_load_t *ld, qf_config_t *cfg, const yaml_node_t *root)
{
    char names[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE], name[QF_PHRASE_SIZE];
    const yaml_node_t *sections[QF_SECTIONS_MAX] = {NULL}; /* by top-level name */
    size_t lines[QF_SECTIONS_MAX] = {0};
    size_t seen[QF_MAIN_KEYS_MAX] = {0};
    const yaml_node_t *values[QF_MAIN_KEYS_MAX] = {NULL};
    s_layout_t lay;
    s_layout (&lay);
    const char *const *top = lay.top;
    size_t top_count = lay.top_count;
    s_join_names (names, sizeof names, top);

    if (root && !s_is_null (root)) {
        if (root->type != YAML_MAPPING_NODE)
            return s_fail (ld, QF_EINVAL, s_line (root), NULL,
                           "expected a mapping of sections (%s) at the top level, got %s; start "
                           "the file with \"daemon:\" or another section name",
                           names, s_describe (quoted, sizeof quoted, root));
        for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
             pair < root->data.mapping.pairs.top; pair++) {
            const yaml_node_t *key = s_node (ld, pair->key);
            if (!key || key->type != YAML_SCALAR_NODE)
                return s_fail (ld, QF_EINVAL, s_line (key), NULL,
                               "expected a section name (%s), got %s as a key; write "
                               "\"section:\" at the start of a line",
                               names, s_describe (quoted, sizeof quoted, key));
            const char *text = (const char *)key->data.scalar.value;
            size_t length = key->data.scalar.length, index = 0;
            while (index < top_count &&
                   !(strlen (top[index]) == length && memcmp (top[index], text, length) == 0))
                index++;
            if (index == top_count)
                return s_fail (ld, QF_EINVAL, s_line (key),
                               s_key_name (name, sizeof name, NULL, text, length),
                               "expected a section (%s), got %s; fix the spelling or remove the "
                               "section",
                               names, s_quote (quoted, sizeof quoted, text, length));
            if (lines[index])
                return s_fail (ld, QF_EINVAL, s_line (key), top[index],
                               "expected each section once, got it again (first at line %zu); "
                               "merge the two",
                               lines[index]);
            lines[index] = s_line (key);
            sections[index] = s_node (ld, pair->value);
        }
    }
    /* The mappings first: the lists' defaults may copy their values. */
    int rc;
    for (size_t t = 0; t < top_count; t++) {
        if (lay.top_list[t])
            continue;
        rc = s_load_mapping (ld, cfg, &lay, t, sections[t], seen, values);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < lay.count; i++)
        if (!seen[i] && s_set_default (lay.key[i], s_base (cfg, lay.key_part[i])))
            return s_no_memory (ld);
    for (size_t i = 0; i < lay.count; i++) {
        const qf_key_t *k = lay.key[i];
        if (!k->at_least)
            continue;
        size_t other = s_main_index (&lay, k->at_least);
        int64_t mine = s_integer_value (k, s_base (cfg, lay.key_part[i]));
        int64_t least = s_integer_value (lay.key[other], s_base (cfg, lay.key_part[other]));
        if (mine >= least)
            continue;
        if (seen[i])
            return s_fail (ld, QF_EINVAL, seen[i], k->key,
                           "expected at least %s (%lld), got %lld; raise %s or lower %s",
                           k->at_least, (long long)least, (long long)mine, k->key, k->at_least);
        return s_fail (ld, QF_EINVAL, seen[other], k->at_least,
                       "expected at most %s (%lld, its default), got %lld; lower %s or set %s",
                       k->key, (long long)mine, (long long)least, k->at_least, k->key);
    }
    for (size_t i = 0; i < lay.count; i++) {
        if (!lay.key[i]->disjoint)
            continue;
        size_t other = s_main_index (&lay, lay.key[i]->disjoint);
        rc = s_check_disjoint (ld, lay.key[i], s_base (cfg, lay.key_part[i]), values[i],
                               lay.key[other], s_base (cfg, lay.key_part[other]), values[other]);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < lay.section_count; i++) {
        const qf_section_t *sec = lay.section[i].sec;
        if (!sec->list)
            continue;
        rc = s_load_list_section (ld, cfg, &lay, sec, s_base (cfg, lay.section[i].part),
                                  sections[s_top_index (&lay, sec->name)]);
        if (rc)
            return rc;
    }
    return 0;
}

/*  Reads the file into a NUL-terminated buffer (caller frees). */
static int
s_read_file (const s_load_t *ld, char **text_p, size_t *length_p)
{
    FILE *file = fopen (ld->path, "rb");
    if (!file)
        return s_fail (ld, QF_EIO, 0, NULL,
                       "expected a readable YAML file, got error \"%s\" opening it; check the "
                       "path and the file's permissions",
                       strerror (errno));
    int rc = 0;
    size_t length = 0, capacity = 4096;
    char *text = malloc (capacity + 1);
    if (!text) {
        rc = s_no_memory (ld);
        goto done;
    }
    while (true) {
        if (length == capacity) {
            if (capacity > QF_CONFIG_FILE_MAX) {
                rc = s_fail (ld, QF_EINVAL, 0, NULL,
                             "expected a configuration file of at most %d bytes, got a larger "
                             "one; check that the path names the configuration file",
                             QF_CONFIG_FILE_MAX);
                goto done;
            }
            char *bigger = realloc (text, capacity * 2 + 1);
            if (!bigger) {
                rc = s_no_memory (ld);
                goto done;
            }
            text = bigger;
            capacity *= 2;
        }
        size_t n = fread (text + length, 1, capacity - length, file);
        length += n;
        if (n == 0) {
            if (ferror (file))
                rc = s_fail (ld, QF_EIO, 0, NULL,
                             "expected a readable YAML file, got error \"%s\" reading it; check "
                             "that the path names a regular file",
                             strerror (errno));
            break;
        }
    }
    if (rc == 0 && length > QF_CONFIG_FILE_MAX)
        rc = s_fail (ld, QF_EINVAL, 0, NULL,
                     "expected a configuration file of at most %d bytes, got %zu bytes; check "
                     "that the path names the configuration file",
                     QF_CONFIG_FILE_MAX, length);
done:
    fclose (file);
    if (rc) {
        free (text);
        return rc;
    }
    text[length] = '\0';
    *text_p = text;
    *length_p = length;
    return 0;
}

/*  Reports the parser's error: the line of the problem, what it is. */
static int
s_yaml_error (const s_load_t *ld, const yaml_parser_t *parser, const char *text, size_t length)
{
    const char *problem = parser->problem ? parser->problem : "unknown problem";
    if (parser->error == YAML_MEMORY_ERROR)
        return s_no_memory (ld);
    if (parser->error == YAML_READER_ERROR) {
        size_t line = 1;
        for (size_t i = 0; i < parser->problem_offset && i < length; i++)
            if (text[i] == '\n')
                line++;
        if (parser->problem_value != -1)
            return s_fail (ld, QF_EINVAL, line, NULL,
                           "expected UTF-8 text without control characters, got byte 0x%02X at "
                           "offset %zu (%s); save the file as UTF-8 and remove that byte",
                           (unsigned)parser->problem_value & 0xFFu, parser->problem_offset,
                           problem);
        return s_fail (ld, QF_EINVAL, line, NULL,
                       "expected UTF-8 text, got %s at offset %zu; save the file as UTF-8", problem,
                       parser->problem_offset);
    }
    size_t line = parser->problem_mark.line + 1;
    size_t at = parser->problem_mark.index;
    if (at < length && text[at] == '\t')
        return s_fail (ld, QF_EINVAL, line, NULL,
                       "expected valid YAML, got a tab (%s); indent with spaces, YAML does not "
                       "allow tabs there",
                       problem);
    if (parser->context)
        return s_fail (ld, QF_EINVAL, line, NULL,
                       "expected valid YAML, got a syntax error (%s %s at line %zu); fix the "
                       "YAML on or just before this line",
                       problem, parser->context, parser->context_mark.line + 1);
    return s_fail (ld, QF_EINVAL, line, NULL,
                   "expected valid YAML, got a syntax error (%s); fix the YAML on or just "
                   "before this line",
                   problem);
}

/*  Parses the text once as events, refusing syntax errors and nesting
    deeper than QF_CONFIG_DEPTH_MAX before the document is built: libyaml
    slows down quadratically with flow nesting ("[[[[..."), and no valid
    configuration nests more than four levels. */
static int
s_check_events (const s_load_t *ld, const char *text, size_t length)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize (&parser))
        return s_no_memory (ld);
    yaml_parser_set_input_string (&parser, (const unsigned char *)text, length);
    int rc = 0, depth = 0;
    bool done = false;
    while (!done && rc == 0) {
        yaml_event_t event;
        if (!yaml_parser_parse (&parser, &event)) {
            rc = s_yaml_error (ld, &parser, text, length);
            break;
        }
        if (event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT)
            depth++;
        else if (event.type == YAML_SEQUENCE_END_EVENT || event.type == YAML_MAPPING_END_EVENT)
            depth--;
        else if (event.type == YAML_STREAM_END_EVENT)
            done = true;
        if (depth > QF_CONFIG_DEPTH_MAX)
            rc = s_fail (ld, QF_EINVAL, event.start_mark.line + 1, NULL,
                         "expected at most %d levels of nested lists and mappings, got more; "
                         "remove the extra brackets or indentation",
                         QF_CONFIG_DEPTH_MAX);
        yaml_event_delete (&event);
    }
    yaml_parser_delete (&parser);
    return rc;
}

/* --------------------------------------------------------------------- */
/*  Public API                                                           */

int
qf_config_load (const char *path, qf_config_t **config_p, char *error, size_t error_size)
{
    assert (path);
    assert (config_p);
    *config_p = NULL;
    if (error && error_size)
        error[0] = '\0';
    s_load_t ld = {.path = path, .doc = NULL, .error = error, .error_size = error_size};
    yaml_parser_t parser;
    yaml_document_t doc;
    bool parser_ready = false, doc_ready = false;
    qf_config_t *cfg = NULL;
    char *text = NULL;
    size_t length = 0;

    int rc = s_read_file (&ld, &text, &length);
    if (rc)
        goto fail;
    cfg = calloc (1, sizeof *cfg);
    bool parts_ready = cfg != NULL;
    for (size_t p = 0; parts_ready && qf_config_parts[p]; p++) {
        assert (p < QF_CONFIG_PARTS_MAX); /* raise it when the modules outgrow it */
        parts_ready = (cfg->parts[p] = calloc (1, qf_config_parts[p]->size)) != NULL;
    }
    if (!parts_ready || !(cfg->path = strdup (path)) || !yaml_parser_initialize (&parser)) {
        rc = s_no_memory (&ld);
        goto fail;
    }
    parser_ready = true;
    rc = s_check_events (&ld, text, length);
    if (rc)
        goto fail;
    yaml_parser_set_input_string (&parser, (const unsigned char *)text, length);
    if (!yaml_parser_load (&parser, &doc)) {
        rc = s_yaml_error (&ld, &parser, text, length);
        goto fail;
    }
    doc_ready = true;
    ld.doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node (&doc);
    if (root) {
        /* A second document would be silently ignored: refuse it instead. */
        yaml_document_t extra;
        if (!yaml_parser_load (&parser, &extra)) {
            rc = s_yaml_error (&ld, &parser, text, length);
            goto fail;
        }
        yaml_node_t *extra_root = yaml_document_get_root_node (&extra);
        size_t line = extra_root ? extra_root->start_mark.line + 1 : 0;
        yaml_document_delete (&extra);
        if (line) {
            rc = s_fail (&ld, QF_EINVAL, line, NULL,
                         "expected one YAML document, got a second one; remove the \"---\" "
                         "line and everything after it, or merge the documents");
            goto fail;
        }
    }
    rc = s_load_root (&ld, cfg, root);
    if (rc)
        goto fail;
    yaml_document_delete (&doc);
    yaml_parser_delete (&parser);
    free (text);
    *config_p = cfg;
    return 0;

fail:
    if (doc_ready)
        yaml_document_delete (&doc);
    if (parser_ready)
        yaml_parser_delete (&parser);
    free (text);
    qf_config_destroy (&cfg);
    return rc;
}

void
qf_config_destroy (qf_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_config_t *self = *self_p;
    s_layout_t lay;
    s_layout (&lay);
    for (size_t i = 0; i < lay.section_count; i++) {
        const qf_section_t *sec = lay.section[i].sec;
        char *base = s_base (self, lay.section[i].part);
        if (!base) /* a part not allocated: the load ran out of memory */
            continue;
        if (!sec->list) {
            for (size_t k = 0; k < sec->key_count; k++)
                s_free_value (&sec->keys[k], base);
            continue;
        }
        size_t count;
        char *items = s_section_items (sec, base, &count);
        for (size_t j = 0; items && j < count; j++)
            for (size_t k = 0; k < sec->key_count; k++)
                s_free_value (&sec->keys[k], items + j * sec->item_size);
        free (items);
    }
    for (size_t p = 0; p < QF_CONFIG_PARTS_MAX; p++)
        free (self->parts[p]);
    free (self->path);
    free (self);
    *self_p = NULL;
}

int
qf_config_reload_check (const qf_config_t *current, const qf_config_t *next, char *error,
                        size_t error_size)
{
    assert (current);
    assert (next);
    if (error && error_size)
        error[0] = '\0';
    s_load_t ld = {.path = next->path ? next->path : "(configuration)",
                   .error = error,
                   .error_size = error_size};
    char was[QF_PHRASE_SIZE], now[QF_PHRASE_SIZE], key[QF_PHRASE_SIZE], quoted[QF_QUOTE_SIZE];
    const char *restart = "restart qualflowd to apply it (the reload was refused)";
    s_layout_t lay;
    s_layout (&lay);
    for (size_t i = 0; i < lay.count; i++) {
        const qf_key_t *k = lay.key[i];
        const void *a = s_base (current, lay.key_part[i]), *b = s_base (next, lay.key_part[i]);
        if (k->reloadable || s_equal (k, a, b))
            continue;
        return s_fail (&ld, QF_EINVAL, 0, k->key,
                       "expected the running value %s, got %s; this key needs a restart: %s",
                       s_value_text (was, sizeof was, k, a), s_value_text (now, sizeof now, k, b),
                       restart);
    }
    for (size_t i = 0; i < lay.section_count; i++) {
        const qf_section_t *sec = lay.section[i].sec;
        if (!sec->list || sec->reloadable)
            continue;
        size_t cur_count, next_count;
        const char *cur_items =
            s_section_items (sec, s_base (current, lay.section[i].part), &cur_count);
        const char *next_items =
            s_section_items (sec, s_base (next, lay.section[i].part), &next_count);
        for (size_t c = 0; c < cur_count; c++) {
            const char *name = s_item_name (sec, cur_items, c);
            size_t n = 0;
            while (n < next_count && strcmp (s_item_name (sec, next_items, n), name) != 0)
                n++;
            s_quote (quoted, sizeof quoted, name, strlen (name));
            if (n == next_count)
                return s_fail (&ld, QF_EINVAL, 0, sec->name,
                               "expected the running entry %s, got no such entry; %s entries "
                               "need a restart to change: %s",
                               quoted, sec->name, restart);
            for (size_t k = 1; k < sec->key_count; k++) {
                const qf_key_t *sk = &sec->keys[k];
                if (sk->reloadable)
                    continue;
                const char *a = cur_items + c * sec->item_size;
                const char *b = next_items + n * sec->item_size;
                if (s_equal (sk, a, b))
                    continue;
                char inherited[QF_PHRASE_SIZE] = "";
                if (sk->def_ref)
                    snprintf (inherited, sizeof inherited, " (when not set it follows %s)",
                              sk->def_ref);
                snprintf (key, sizeof key, "%s[%zu].%s", sec->name, n, sk->key);
                return s_fail (&ld, QF_EINVAL, 0, key,
                               "expected the running value %s for %s, got %s%s; %s entries need "
                               "a restart to change: %s",
                               s_value_text (was, sizeof was, sk, a), quoted,
                               s_value_text (now, sizeof now, sk, b), inherited, sec->name,
                               restart);
            }
        }
        for (size_t n = 0; n < next_count; n++) {
            const char *name = s_item_name (sec, next_items, n);
            size_t c = 0;
            while (c < cur_count && strcmp (s_item_name (sec, cur_items, c), name) != 0)
                c++;
            if (c < cur_count)
                continue;
            snprintf (key, sizeof key, "%s[%zu].name", sec->name, n);
            return s_fail (&ld, QF_EINVAL, 0, key,
                           "expected only the running %s entries, got the new entry %s; %s "
                           "entries need a restart to change: %s",
                           sec->name, s_quote (quoted, sizeof quoted, name, strlen (name)),
                           sec->name, restart);
        }
    }
    return 0;
}

bool
qf_config_has_part (const qf_config_part_t *part)
{
    for (size_t p = 0; qf_config_parts[p]; p++)
        if (qf_config_parts[p] == part)
            return true;
    return false;
}

const void *
qf_config_part (const qf_config_t *self, const qf_config_part_t *part)
{
    for (size_t p = 0; self && qf_config_parts[p]; p++)
        if (qf_config_parts[p] == part)
            return self->parts[p];
    return NULL;
}

const qf_group_config_t *
qf_config_group (const qf_config_t *self, const char *name)
{
    for (size_t i = 0; self && name && i < self->group_count; i++)
        if (strcmp (self->groups[i].name, name) == 0)
            return &self->groups[i];
    return NULL;
}

bool
qf_topic_matches (const char *pattern, const char *topic)
{
    if (!pattern || !topic)
        return false;
    size_t length = strlen (pattern);
    if (length > 0 && pattern[length - 1] == '*')
        return strncmp (topic, pattern, length - 1) == 0;
    return strcmp (pattern, topic) == 0;
}

/*  Prints one Markdown table cell: `code` spans for keys and literal
    values, text with Markdown's active characters escaped otherwise. */
static void
s_print_cell (FILE *out, const char *text, bool code)
{
    fputs (code ? " `" : " ", out);
    for (const char *p = text; *p; p++) {
        if (*p == '|' || (!code && (*p == '*' || *p == '_' || *p == '`' || *p == '\\')))
            fputc ('\\', out);
        fputc (*p, out);
    }
    fputs (code ? "` |" : " |", out);
}

static void
s_print_row (FILE *out, const char *key, const qf_key_t *k, bool reloadable)
{
    char expect[QF_PHRASE_SIZE], def[QF_PHRASE_SIZE];
    bool literal;
    s_default_text (def, sizeof def, k, &literal);
    fputs ("|", out);
    s_print_cell (out, key, true);
    s_print_cell (out, s_type_name (k->type), false);
    s_print_cell (out, s_expect (expect, sizeof expect, k), false);
    s_print_cell (out, def, literal);
    s_print_cell (out, reloadable ? "yes" : "no (restart)", false);
    s_print_cell (out, k->help, false);
    fputs ("\n", out);
}

void
qf_config_print_reference (void *file)
{
    FILE *out = file;
    assert (out);
    char keys[QF_PHRASE_SIZE], range[QF_PHRASE_SIZE];
    fputs ("| Key | Type | Range / allowed values | Default | Reloadable | Description |\n"
           "|-----|------|------------------------|---------|------------|-------------|\n",
           out);
    s_layout_t lay;
    s_layout (&lay);
    for (size_t t = 0; t < lay.top_count; t++) {
        if (!lay.top_list[t]) {
            for (size_t i = 0; i < lay.count; i++)
                if (lay.key_top[i] == t)
                    s_print_row (out, lay.key[i]->key, lay.key[i], lay.key[i]->reloadable);
            continue;
        }
        const qf_section_t *sec = NULL;
        for (size_t i = 0; !sec && i < lay.section_count; i++)
            if (strcmp (lay.section[i].sec->name, lay.top[t]) == 0)
                sec = lay.section[i].sec;
        snprintf (range, sizeof range, "a list of at most %d entries, each a mapping of %s",
                  QF_CONFIG_LIST_MAX, s_join_keys (keys, sizeof keys, sec->keys, sec->key_count));
        fputs ("|", out);
        s_print_cell (out, sec->name, true);
        s_print_cell (out, "list of mappings", false);
        s_print_cell (out, range, false);
        s_print_cell (out, "[]", true);
        s_print_cell (out, sec->reloadable ? "yes" : "no (restart)", false);
        s_print_cell (out, sec->help, false);
        fputs ("\n", out);
        for (size_t j = 0; j < sec->key_count; j++) {
            char key[QF_PHRASE_SIZE];
            snprintf (key, sizeof key, "%s[].%s", sec->name, sec->keys[j].key);
            s_print_row (out, key, &sec->keys[j], sec->reloadable || sec->keys[j].reloadable);
        }
    }
}
