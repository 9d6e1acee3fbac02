/*  qf_json — compact JSON text, as jansson writes it, faster (qf_json.h). */
#include "qf_json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The deepest tree written: deeper is taken for one that contains itself. */
#define DEPTH_MAX 2048

typedef qf_json_out_t out_t;

/* Makes room for `more` bytes; false when out of memory. */
static bool
s_room (out_t *out, size_t more)
{
    if (out->len + more < out->cap)
        return true;
    if (out->failed)
        return false;
    size_t cap = out->cap ? out->cap * 2 : 512;
    while (cap <= out->len + more)
        cap *= 2;
    char *data = realloc (out->data, cap);
    if (!data) {
        out->failed = true;
        return false;
    }
    out->data = data;
    out->cap = cap;
    return true;
}

static bool
s_put (out_t *out, const char *bytes, size_t size)
{
    if (!s_room (out, size))
        return false;
    memcpy (out->data + out->len, bytes, size);
    out->len += size;
    return true;
}

/* The length of the valid UTF-8 character at s (at most `left` bytes), or
   0: jansson's rules (no overlong form, no surrogate, nothing past
   U+10FFFF). */
static size_t
s_utf8 (const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0xc2 || c > 0xf4)
        return 0;
    if (c < 0xe0) {
        n = 2;
        cp = c & 0x1f;
    } else if (c < 0xf0) {
        n = 3;
        cp = c & 0x0f;
    } else {
        n = 4;
        cp = c & 0x07;
    }
    if (n > left)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
        cp > 0x10ffff)
        return 0;
    return n;
}

static bool
s_string (out_t *out, const char *text, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    /* Each byte is at most 6 when escaped ("\u001F"), plus the quotes. */
    if (!s_room (out, size * 6 + 2))
        return false;
    char *p = out->data + out->len;
    const unsigned char *s = (const unsigned char *)text, *end = s + size;
    *p++ = '"';
    while (s < end) {
        unsigned char c = *s;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *p++ = (char)c;
            s++;
        } else if (c >= 0x80) {
            size_t n = s_utf8 (s, (size_t)(end - s));
            if (n == 0)
                return false;
            memcpy (p, s, n);
            p += n;
            s += n;
        } else {
            *p++ = '\\';
            switch (c) {
            case '"': *p++ = '"'; break;
            case '\\': *p++ = '\\'; break;
            case '\b': *p++ = 'b'; break;
            case '\f': *p++ = 'f'; break;
            case '\n': *p++ = 'n'; break;
            case '\r': *p++ = 'r'; break;
            case '\t': *p++ = 't'; break;
            default:
                memcpy (p, "u00", 3);
                p[3] = hex[c >> 4];
                p[4] = hex[c & 15];
                p += 5;
            }
            s++;
        }
    }
    *p++ = '"';
    out->len = (size_t)(p - out->data);
    return true;
}

static bool
s_integer (out_t *out, json_int_t value)
{
    char digits[24];
    size_t n = 0;
    uint64_t v = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do
        digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    if (value < 0)
        digits[n++] = '-';
    if (!s_room (out, n))
        return false;
    while (n > 0)
        out->data[out->len++] = digits[--n];
    return true;
}

/* jansson's jsonp_dtostr at its default precision (17). */
static bool
s_real (out_t *out, double value)
{
    char buffer[100];
    int ret = snprintf (buffer, sizeof buffer, "%.17g", value);
    if (ret < 0 || (size_t)ret >= sizeof buffer - 3)
        return false;
    size_t length = (size_t)ret;
    /* The C locale's '.' is what the daemon runs with; a ',' is made one. */
    char *comma = strchr (buffer, ',');
    if (comma)
        *comma = '.';
    if (!strchr (buffer, '.') && !strchr (buffer, 'e')) {
        memcpy (buffer + length, ".0", 3);
        length += 2;
    }
    char *start = strchr (buffer, 'e');
    if (start) {
        start++;
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove (start, end, length - (size_t)(end - buffer));
            length -= (size_t)(end - start);
        }
    }
    return s_put (out, buffer, length);
}

static bool
s_value (out_t *out, const json_t *json, int depth)
{
    if (!json || depth > DEPTH_MAX)
        return false;
    switch (json_typeof (json)) {
    case JSON_NULL: return s_put (out, "null", 4);
    case JSON_TRUE: return s_put (out, "true", 4);
    case JSON_FALSE: return s_put (out, "false", 5);
    case JSON_INTEGER: return s_integer (out, json_integer_value (json));
    case JSON_REAL: return s_real (out, json_real_value (json));
    case JSON_STRING:
        return s_string (out, json_string_value (json), json_string_length (json));
    case JSON_ARRAY: {
        size_t n = json_array_size (json);
        if (!s_put (out, "[", 1))
            return false;
        for (size_t i = 0; i < n; i++)
            if ((i > 0 && !s_put (out, ",", 1)) ||
                !s_value (out, json_array_get (json, i), depth + 1))
                return false;
        return s_put (out, "]", 1);
    }
    case JSON_OBJECT: {
        if (!s_put (out, "{", 1))
            return false;
        bool first = true;
        for (void *iter = json_object_iter ((json_t *)json); iter;
             iter = json_object_iter_next ((json_t *)json, iter)) {
            if ((!first && !s_put (out, ",", 1)) ||
                !s_string (out, json_object_iter_key (iter), json_object_iter_key_len (iter)) ||
                !s_put (out, ":", 1) ||
                !s_value (out, json_object_iter_value (iter), depth + 1))
                return false;
            first = false;
        }
        return s_put (out, "}", 1);
    }
    default: return false;
    }
}

void
qf_json_put_raw (qf_json_out_t *out, const char *bytes, size_t size)
{
    if (!s_put (out, bytes, size))
        out->failed = true;
}

void
qf_json_put_string (qf_json_out_t *out, const char *text, size_t size)
{
    if (!text || !s_string (out, text, size))
        out->failed = true;
}

void
qf_json_put_integer (qf_json_out_t *out, int64_t value)
{
    if (!s_integer (out, value))
        out->failed = true;
}

void
qf_json_put_real (qf_json_out_t *out, double value)
{
    if (!s_real (out, value))
        out->failed = true;
}

void
qf_json_put_value (qf_json_out_t *out, const json_t *json)
{
    if (!s_value (out, json, 0))
        out->failed = true;
}

char *
qf_json_take (qf_json_out_t *out, size_t *size_p)
{
    bool ok = !out->failed && s_room (out, 1);
    char *data = out->data;
    if (ok) {
        data[out->len] = 0;
        if (size_p)
            *size_p = out->len;
    } else {
        free (data);
        data = NULL;
    }
    memset (out, 0, sizeof *out);
    return data;
}

char *
qf_json_encode (const json_t *json, size_t *size_p)
{
    qf_json_out_t out = {0};
    qf_json_put_value (&out, json);
    return qf_json_take (&out, size_p);
}

/* The reader: a strict subset of JSON read straight into a jansson tree.
   What it is not sure to read as jansson would (a \u escape, a number
   out of the plain ranges, a duplicate key, deep nesting, anything
   malformed) makes it give up, and jansson reads the text instead, with
   its own error. */

#define READ_DEPTH_MAX 64

typedef struct {
    const unsigned char *p, *end;
    char *text;     /* a decoded string: grows as needed */
    size_t text_cap;
} in_t;

static void
s_space (in_t *in)
{
    while (in->p < in->end && (*in->p == ' ' || *in->p == '\n' || *in->p == '\r' || *in->p == '\t'))
        in->p++;
}

/* Reads a string after its opening quote; points *text_p at its bytes (in
   the input itself, or decoded in in->text when it has an escape; not NUL
   terminated) and *size_p at their count. */
static bool
s_read_string (in_t *in, const char **text_p, size_t *size_p)
{
    const unsigned char *start = in->p;
    /* Most strings have no escape: read in place. */
    while (in->p < in->end) {
        unsigned char c = *in->p;
        if (c == '"') {
            *text_p = (const char *)start;
            *size_p = (size_t)(in->p - start);
            in->p++;
            return true;
        }
        if (c < 0x20 || c == '\\')
            break;
        if (c < 0x80)
            in->p++;
        else {
            size_t n = s_utf8 (in->p, (size_t)(in->end - in->p));
            if (n == 0)
                return false;
            in->p += n;
        }
    }
    if (in->p >= in->end || *in->p < 0x20)
        return false;
    /* An escape: decode into in->text from the start. */
    size_t cap = in->text_cap, len = 0;
    char *out = in->text;
    in->p = start;
    while (in->p < in->end && *in->p != '"') {
        if (len + 5 > cap) {
            cap = cap ? cap * 2 : 256;
            char *grown = realloc (out, cap);
            if (!grown)
                return false;
            in->text = out = grown;
            in->text_cap = cap;
        }
        unsigned char c = *in->p;
        if (c < 0x20)
            return false;
        if (c == '\\') {
            if (in->p + 1 >= in->end)
                return false;
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *at = strchr (from, in->p[1]);
            if (!at || !in->p[1]) /* \u and unknown escapes: jansson's */
                return false;
            out[len++] = to[at - from];
            in->p += 2;
        } else if (c < 0x80) {
            out[len++] = (char)c;
            in->p++;
        } else {
            size_t n = s_utf8 (in->p, (size_t)(in->end - in->p));
            if (n == 0)
                return false;
            memcpy (out + len, in->p, n);
            len += n;
            in->p += n;
        }
    }
    if (in->p >= in->end)
        return false;
    in->p++;
    *text_p = out;
    *size_p = len;
    return true;
}

/* A number: an integer of at most 18 digits, or a plain real that strtod
   reads without overflow or underflow. */
static json_t *
s_read_number (in_t *in)
{
    const unsigned char *start = in->p;
    if (in->p < in->end && *in->p == '-')
        in->p++;
    if (in->p >= in->end || *in->p < '0' || *in->p > '9')
        return NULL;
    if (*in->p == '0')
        in->p++;
    else
        while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
            in->p++;
    bool real = false;
    if (in->p < in->end && *in->p == '.') {
        real = true;
        in->p++;
        if (in->p >= in->end || *in->p < '0' || *in->p > '9')
            return NULL;
        while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
            in->p++;
    }
    if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
        real = true;
        in->p++;
        if (in->p < in->end && (*in->p == '+' || *in->p == '-'))
            in->p++;
        if (in->p >= in->end || *in->p < '0' || *in->p > '9')
            return NULL;
        while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
            in->p++;
    }
    size_t size = (size_t)(in->p - start);
    if (!real) {
        const unsigned char *d = start + (*start == '-');
        if ((size_t)(in->p - d) > 18)
            return NULL;
        int64_t v = 0;
        for (; d < in->p; d++)
            v = v * 10 + (*d - '0');
        return json_integer (*start == '-' ? -v : v);
    }
    char buffer[64];
    if (size >= sizeof buffer)
        return NULL;
    memcpy (buffer, start, size);
    buffer[size] = 0;
    errno = 0;
    char *stop = NULL;
    double v = strtod (buffer, &stop);
    if (errno || stop != buffer + size)
        return NULL;
    return json_real (v);
}

static json_t *s_read_value (in_t *in, int depth);

/* After a container's opening bracket: true when `close` ends it at once. */
static bool
s_empty (in_t *in, char close)
{
    in->p++;
    s_space (in);
    if (in->p < in->end && *in->p == close) {
        in->p++;
        return true;
    }
    return false;
}

/* After a member: 1 when a ',' announces another, 0 when `close` ends the
   container, -1 for anything else. */
static int
s_after_member (in_t *in, char close)
{
    s_space (in);
    if (in->p < in->end && *in->p == ',') {
        in->p++;
        s_space (in);
        return 1;
    }
    if (in->p < in->end && *in->p == close) {
        in->p++;
        return 0;
    }
    return -1;
}

static json_t *
s_read_object (in_t *in, int depth)
{
    json_t *object = json_object ();
    if (!object || s_empty (in, '}'))
        return object;
    while (in->p < in->end && *in->p == '"') {
        in->p++;
        const char *key;
        size_t key_size;
        if (!s_read_string (in, &key, &key_size))
            break;
        /* A key decoded in in->text, which the value may reuse, is copied. */
        char small[64], *copy = NULL;
        if (key == in->text) {
            copy = key_size < sizeof small ? small : malloc (key_size);
            if (!copy)
                break;
            memcpy (copy, key, key_size);
            key = copy;
        }
        s_space (in);
        json_t *value = NULL;
        if (in->p < in->end && *in->p == ':') {
            in->p++;
            s_space (in);
            value = s_read_value (in, depth + 1);
        }
        size_t before = json_object_size (object);
        int rc = value ? json_object_setn_new_nocheck (object, key, key_size, value) : -1;
        if (copy && copy != small)
            free (copy);
        /* A duplicate replaced a value: jansson's to judge. */
        if (rc || json_object_size (object) == before)
            break;
        int next = s_after_member (in, '}');
        if (next == 0)
            return object;
        if (next < 0)
            break;
    }
    json_decref (object);
    return NULL;
}

static json_t *
s_read_array (in_t *in, int depth)
{
    json_t *array = json_array ();
    if (!array || s_empty (in, ']'))
        return array;
    while (true) {
        json_t *value = s_read_value (in, depth + 1);
        if (!value || json_array_append_new (array, value))
            break;
        int next = s_after_member (in, ']');
        if (next == 0)
            return array;
        if (next < 0)
            break;
    }
    json_decref (array);
    return NULL;
}

static json_t *
s_read_value (in_t *in, int depth)
{
    if (in->p >= in->end || depth > READ_DEPTH_MAX)
        return NULL;
    size_t left = (size_t)(in->end - in->p);
    switch (*in->p) {
    case '{': return s_read_object (in, depth);
    case '[': return s_read_array (in, depth);
    case '"': {
        in->p++;
        const char *text;
        size_t size;
        if (!s_read_string (in, &text, &size))
            return NULL;
        return json_stringn_nocheck (text, size);
    }
    case 't':
        if (left >= 4 && memcmp (in->p, "true", 4) == 0) {
            in->p += 4;
            return json_true ();
        }
        return NULL;
    case 'f':
        if (left >= 5 && memcmp (in->p, "false", 5) == 0) {
            in->p += 5;
            return json_false ();
        }
        return NULL;
    case 'n':
        if (left >= 4 && memcmp (in->p, "null", 4) == 0) {
            in->p += 4;
            return json_null ();
        }
        return NULL;
    default: return s_read_number (in);
    }
}

json_t *
qf_json_parse (const char *data, size_t size, size_t flags, json_error_t *error)
{
    if (flags & ~(size_t)JSON_REJECT_DUPLICATES)
        return json_loadb (data, size, flags, error);
    in_t in = {(const unsigned char *)data, (const unsigned char *)data + size, NULL, 0};
    s_space (&in);
    json_t *json = NULL;
    /* At the top, an object or an array, as jansson wants without
       JSON_DECODE_ANY. */
    if (in.p < in.end && (*in.p == '{' || *in.p == '['))
        json = s_read_value (&in, 0);
    free (in.text);
    if (json) {
        s_space (&in);
        /* After the value only space (jansson's end check); a number just
           read must not run on into a letter ("1x"). */
        if (in.p == in.end)
            return json;
        json_decref (json);
    }
    return json_loadb (data, size, flags, error);
}
