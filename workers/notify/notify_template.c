/*  notify_template — `{{field}}` substitution from an event's payload, with
    the escaping of the channel the text goes to (notify_channels.h says
    the syntax). Debian packages no C mustache library (only C++, D, Java
    and Perl ones), and notifications need no sections or loops, so this is
    the small documented subset, checked at configuration load.
*/
#include "notify_channels.h"

#include "qf_error.h"
#include "qf_text.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The end of a text cut to its bound. */
#define S_CUT_MARKER "…"

/* ---- parsing ------------------------------------------------------------ */

/* One tag: the field's name (not NUL-terminated) and where the tag ends. */
typedef struct {
    const char *name; /* first byte of the name, inside the template */
    size_t name_len;  /* bytes of the name */
    const char *end;  /* first byte after "}}" */
} s_tag_t;

static bool
s_name_char (unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/*  Parses the tag that opens at `open` ("{{"), whose offset in the template
    is `at`. Returns 0 with *tag filled, or QF_EINVAL with the error. */
static int
s_parse_tag (const char *open, size_t at, s_tag_t *tag, char *error, size_t error_size)
{
    const char *p = open + 2;
    while (*p == ' ')
        p++;
    const char *name = p;
    size_t depth = 1;
    bool segment_empty = true;
    while (*p && *p != '}' && *p != ' ' && *p != '\n') {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            if (segment_empty) {
                qf_notify_error (
                    error, error_size,
                    "template: field at byte %zu has an empty part (a name is parts joined "
                    "by single dots, like {{customer.name}}): fix the name",
                    at);
                return QF_EINVAL;
            }
            segment_empty = true;
            depth++;
        } else if (s_name_char (c)) {
            segment_empty = false;
        } else {
            char shown[8];
            snprintf (shown, sizeof shown, c > 0x20 && c < 0x7f ? "'%c'" : "0x%02x", c);
            qf_notify_error (
                error, error_size,
                "template: field at byte %zu holds %s (a name takes letters, digits, '_', "
                "'-' and '.' only): fix the name or write the text without '{{'",
                at, shown);
            return QF_EINVAL;
        }
        p++;
    }
    size_t name_len = (size_t)(p - name);
    while (*p == ' ')
        p++;
    if (p[0] != '}' || p[1] != '}') {
        qf_notify_error (
            error, error_size,
            "template: tag opened at byte %zu is not closed ('{{' must be closed by '}}' "
            "on the same line): close it",
            at);
        return QF_EINVAL;
    }
    if (name_len == 0) {
        qf_notify_error (
            error, error_size,
            "template: empty tag at byte %zu (write a field name between '{{' and '}}')", at);
        return QF_EINVAL;
    }
    if (segment_empty) {
        qf_notify_error (
            error, error_size,
            "template: field at byte %zu ends with '.' (a name is parts joined by single "
            "dots): fix the name",
            at);
        return QF_EINVAL;
    }
    if (name_len > QF_NOTIFY_FIELD_MAX || depth > QF_NOTIFY_FIELD_DEPTH) {
        qf_notify_error (error, error_size,
                         "template: field at byte %zu is too long (at most %d bytes and %d parts)",
                         at, QF_NOTIFY_FIELD_MAX, QF_NOTIFY_FIELD_DEPTH);
        return QF_EINVAL;
    }
    tag->name = name;
    tag->name_len = name_len;
    tag->end = p + 2;
    return 0;
}

/* ---- values ------------------------------------------------------------- */

/*  The payload's value at the dotted path, or NULL when a part is missing
    or not an object. */
static json_t *
s_lookup (json_t *payload, const char *name, size_t name_len)
{
    json_t *value = payload;
    const char *p = name, *end = name + name_len;
    while (p < end) {
        const char *dot = memchr (p, '.', (size_t)(end - p));
        size_t len = dot ? (size_t)(dot - p) : (size_t)(end - p);
        char key[QF_NOTIFY_FIELD_MAX + 1];
        memcpy (key, p, len);
        key[len] = '\0';
        if (!json_is_object (value))
            return NULL;
        value = json_object_get (value, key);
        if (!value)
            return NULL;
        p += len + (dot ? 1 : 0);
    }
    return value;
}

/*  The text of a value, as the header says. Caller frees; NULL when out
    of memory. */
static char *
s_value_text (json_t *value, size_t *len_p)
{
    char *text = NULL;
    *len_p = 0;
    char buffer[64];
    switch (json_typeof (value)) {
    case JSON_STRING: {
        /* Its length, not strlen: a string may hold a NUL, a control like others. */
        size_t len = json_string_length (value);
        text = malloc (len + 1);
        if (text) {
            memcpy (text, json_string_value (value), len);
            text[len] = '\0';
            *len_p = len;
        }
        return text;
    }
    case JSON_INTEGER:
        snprintf (buffer, sizeof buffer, "%" JSON_INTEGER_FORMAT, json_integer_value (value));
        text = strdup (buffer);
        break;
    case JSON_REAL: {
        double d = json_real_value (value);
        for (int precision = 1; precision <= 17; precision++) {
            snprintf (buffer, sizeof buffer, "%.*g", precision, d);
            if (strtod (buffer, NULL) == d)
                break;
        }
        text = strdup (buffer);
        break;
    }
    case JSON_TRUE: text = strdup ("true"); break;
    case JSON_FALSE: text = strdup ("false"); break;
    case JSON_NULL: text = strdup (""); break;
    default: text = json_dumps (value, JSON_COMPACT | JSON_SORT_KEYS); break;
    }
    if (text)
        *len_p = strlen (text);
    return text;
}

/* ---- output ------------------------------------------------------------- */

/* The rendered text as it grows, bounded. */
typedef struct {
    qf_notify_buf_t buf; /* the text */
    size_t limit;        /* bytes allowed before the marker */
    bool full;           /* a piece did not fit: everything after is dropped */
} s_out_t;

/*  Appends one indivisible piece (a character or its escape). */
static void
s_put (s_out_t *out, const char *piece, size_t len)
{
    if (out->full)
        return;
    if (out->buf.len + len > out->limit)
        out->full = true;
    else
        qf_notify_buf_add (&out->buf, piece, len);
}

/*  Appends the template's own text, whole UTF-8 characters at a time. */
static void
s_put_text (s_out_t *out, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && !out->full) {
        unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (i + n > len)
            n = len - i;
        s_put (out, text + i, n);
        i += n;
    }
}

static bool
s_is_control (uint32_t cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f);
}

/*  Appends a value's text escaped as `escape` says. */
static void
s_put_value (s_out_t *out, const char *text, size_t len, qf_notify_escape_t escape)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    while (p < end && !out->full) {
        uint32_t cp = 0;
        size_t n = *p ? qf_text_utf8_decode (p, &cp) : 1;
        if (n == 0) {
            s_put (out, "\xef\xbf\xbd", 3); /* not UTF-8: U+FFFD */
            p++;
            continue;
        }
        char piece[16];
        if (escape == QF_ESCAPE_JSON) {
            if (cp == '"' || cp == '\\')
                snprintf (piece, sizeof piece, "\\%c", (char)cp);
            else if (cp == '\n')
                strcpy (piece, "\\n");
            else if (cp == '\t')
                strcpy (piece, "\\t");
            else if (cp == '\r')
                strcpy (piece, "\\r");
            else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
                snprintf (piece, sizeof piece, "\\u%04x", (unsigned)cp);
            else {
                s_put (out, (const char *)p, n);
                p += n;
                continue;
            }
            s_put (out, piece, strlen (piece));
        } else if (s_is_control (cp)) {
            /* dropped: nothing a reader should see or a renderer obey */
        } else if (escape == QF_ESCAPE_HTML && cp && cp < 0x80 && strchr ("&<>\"'", (int)cp)) {
            const char *entity = cp == '&'   ? "&amp;"
                                 : cp == '<' ? "&lt;"
                                 : cp == '>' ? "&gt;"
                                 : cp == '"' ? "&quot;"
                                             : "&#39;";
            s_put (out, entity, strlen (entity));
        } else if (escape == QF_ESCAPE_MARKDOWN && cp && cp < 0x80 &&
                   strchr ("\\`*_[]()#~|!<>", (int)cp)) {
            piece[0] = '\\';
            piece[1] = (char)cp;
            s_put (out, piece, 2);
        } else {
            s_put (out, (const char *)p, n);
        }
        p += n;
    }
}

/* ---- the interface ------------------------------------------------------ */

int
qf_notify_template_render (const char *template_text, json_t *payload, qf_notify_escape_t escape,
                           size_t max_size, char **out_p, char *error, size_t error_size)
{
    if (!out_p) {
        qf_notify_error (error, error_size,
                         "template: no place for the output (programming error)");
        return QF_EINVAL;
    }
    *out_p = NULL;
    if (!template_text) {
        qf_notify_error (error, error_size, "template: no template given");
        return QF_EINVAL;
    }
    if (escape < QF_ESCAPE_NONE || escape > QF_ESCAPE_JSON) {
        qf_notify_error (error, error_size, "template: unknown escape %d", (int)escape);
        return QF_EINVAL;
    }
    if (max_size == 0)
        max_size = QF_NOTIFY_TEMPLATE_MAX;
    if (max_size <= sizeof S_CUT_MARKER) {
        qf_notify_error (error, error_size,
                         "template: bound of %zu bytes is too small (more than %zu)", max_size,
                         sizeof S_CUT_MARKER);
        return QF_EINVAL;
    }
    s_out_t out = {.limit = max_size - (sizeof S_CUT_MARKER - 1)};
    qf_notify_buf_add (&out.buf, "", 0); /* an empty template: an empty text */
    const char *p = template_text;
    while (*p && !out.buf.nomem) {
        const char *open = strstr (p, "{{");
        if (!open) {
            s_put_text (&out, p, strlen (p));
            break;
        }
        s_put_text (&out, p, (size_t)(open - p));
        s_tag_t tag;
        int rc = s_parse_tag (open, (size_t)(open - template_text), &tag, error, error_size);
        if (rc != 0) {
            free (out.buf.data);
            return rc;
        }
        json_t *value = payload ? s_lookup (payload, tag.name, tag.name_len) : NULL;
        if (value && !out.full) {
            size_t len;
            char *text = s_value_text (value, &len);
            if (!text)
                out.buf.nomem = true;
            else
                s_put_value (&out, text, len, escape);
            free (text);
        }
        p = tag.end;
    }
    if (out.buf.nomem) {
        free (out.buf.data);
        qf_notify_error (error, error_size, "template: out of memory");
        return QF_ENOMEM;
    }
    if (out.full) {
        /* The marker's room was kept out of the limit. */
        out.limit = max_size;
        out.full = false;
        s_put (&out, S_CUT_MARKER, sizeof S_CUT_MARKER - 1);
        if (out.buf.nomem) {
            free (out.buf.data);
            qf_notify_error (error, error_size, "template: out of memory");
            return QF_ENOMEM;
        }
    }
    *out_p = out.buf.data;
    return 0;
}

/*  Whether `name` (name_len bytes) is one of `fields`. */
static bool
s_field_allowed (const char *name, size_t name_len, const char *const *fields)
{
    for (size_t i = 0; fields[i]; i++) {
        const char *field = fields[i];
        size_t len = strlen (field);
        if (strcmp (field, "*") == 0)
            return true;
        if (len >= 2 && strcmp (field + len - 2, ".*") == 0) {
            size_t prefix = len - 1; /* "a." */
            if (name_len > prefix && memcmp (name, field, prefix) == 0)
                return true;
        } else if (len == name_len && memcmp (name, field, len) == 0)
            return true;
    }
    return false;
}

int
qf_notify_template_check (const char *template_text, const char *const *fields, char *error,
                          size_t error_size)
{
    if (!template_text) {
        qf_notify_error (error, error_size, "template: no template given");
        return QF_EINVAL;
    }
    const char *p = template_text;
    const char *open;
    while ((open = strstr (p, "{{")) != NULL) {
        s_tag_t tag;
        size_t at = (size_t)(open - template_text);
        int rc = s_parse_tag (open, at, &tag, error, error_size);
        if (rc != 0)
            return rc;
        if (fields && !s_field_allowed (tag.name, tag.name_len, fields)) {
            char known[512] = "";
            size_t used = 0;
            for (size_t i = 0; fields[i] && used + 8 < sizeof known; i++) {
                int n =
                    snprintf (known + used, sizeof known - used, "%s%s", i ? ", " : "", fields[i]);
                if (n < 0 || (size_t)n >= sizeof known - used) {
                    snprintf (known + used, sizeof known - used, ", …");
                    break;
                }
                used += (size_t)n;
            }
            qf_notify_error (
                error, error_size,
                "template: unknown field '%.*s' at byte %zu (the event's payload has: %s): "
                "use one of them",
                (int)tag.name_len, tag.name, at, fields[0] ? known : "no fields");
            return QF_EINVAL;
        }
        p = tag.end;
    }
    return 0;
}

size_t
qf_notify_truncate_utf8 (char *text, size_t max_bytes, const char *marker)
{
    size_t len = strlen (text);
    if (len <= max_bytes)
        return len;
    size_t marker_len = marker ? strlen (marker) : 0;
    size_t cut = max_bytes > marker_len ? max_bytes - marker_len : 0;
    /* Back off continuation bytes so no UTF-8 sequence is split. */
    while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
        cut--;
    if (marker_len && cut + marker_len <= max_bytes) {
        memcpy (text + cut, marker, marker_len);
        cut += marker_len;
    }
    text[cut] = '\0';
    return cut;
}
