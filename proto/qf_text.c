/*  qf_text — text made safe to show. */
#include "qf_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
qf_text_utf8_decode (const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 1;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2;
        c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 3;
        c &= 0x07;
    } else
        return 0;
    for (size_t k = 1; k <= n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[k] & 0x3f);
    }
    if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
        (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return 0;
    *cp = c;
    return n + 1;
}

/* Whether a code point above ASCII changes how a terminal shows what
   follows it: a C1 control, a bidirectional control, or a line or
   paragraph separator. */
static bool
s_unsafe_unicode (uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

size_t
qf_text_escape (const char *text, qf_text_mode_t mode, char *out, size_t out_size)
{
    size_t used = 0;
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s) {
        uint32_t cp = 0;
        size_t n = qf_text_utf8_decode (s, &cp);
        char escape[8];
        int len = 0; /* of the escape; 0: the bytes are copied as they are */
        if (n == 0) {
            /* JSON from jansson is valid UTF-8: nothing to do there. */
            n = 1;
            if (mode == QF_TEXT_PLAIN)
                len = snprintf (escape, sizeof escape, "\\x%02x", *s);
        } else if (mode == QF_TEXT_JSON) {
            if (cp == 0x7f || s_unsafe_unicode (cp))
                len = snprintf (escape, sizeof escape, "\\u%04x", (unsigned)cp);
        } else if (cp == '\n' || cp == '\r' || cp == '\t')
            len = snprintf (escape, sizeof escape, "\\%c",
                            cp == '\n'   ? 'n'
                            : cp == '\r' ? 'r'
                                         : 't');
        else if (cp < 0x20 || cp == 0x7f)
            len = snprintf (escape, sizeof escape, "\\x%02x", (unsigned)cp);
        else if (s_unsafe_unicode (cp))
            len = snprintf (escape, sizeof escape, "\\u%04x", (unsigned)cp);
        const char *piece = len ? escape : (const char *)s;
        size_t size = len ? (size_t)len : n;
        if (used + size + 1 > out_size)
            break;
        memcpy (out + used, piece, size);
        used += size;
        s += n;
    }
    if (out_size)
        out[used] = '\0';
    return used;
}

char *
qf_text_escaped (const char *text, qf_text_mode_t mode)
{
    size_t size = QF_TEXT_ESCAPED_SIZE (strlen (text ? text : ""));
    char *out = malloc (size);
    if (out)
        qf_text_escape (text, mode, out, size);
    return out;
}

uint64_t
qf_text_fnv1a (uint64_t hash, const void *data, size_t size)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ bytes[i]) * UINT64_C (0x100000001b3);
    return hash;
}
