/*  fuzz_notify_template — the notify worker's template substitution and
    RFC 2047 header encoding on hostile input: any template, any payload.

    Input: the template, a NUL byte, then the payload (JSON text, or
    anything: not an object means no values). The first byte also picks
    the escape and the output bound.

    Invariants: the configuration check and the renderer agree on whether
    a template is well formed, and refuse with a message; a rendering is
    NUL-terminated, within its bound, and valid UTF-8 when the template
    is; no control character from a value reaches a non-JSON channel; an
    encoded header has lines of at most 76 columns and no bare CR or LF.
*/
#include "qf_fuzz.h"

#include "notify/notify_channels.h"
#include "qf_error.h"
#include "qf_text.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

/*  Whether `text` is valid UTF-8 through its end. */
static bool
s_utf8 (const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        uint32_t cp;
        size_t n = qf_text_utf8_decode (p, &cp);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr (data, 0, size);
    size_t template_size = nul ? (size_t)(nul - data) : size;
    char *tmpl = malloc (template_size + 1);
    QF_FUZZ_REQUIRE (tmpl != NULL);
    memcpy (tmpl, data, template_size);
    tmpl[template_size] = '\0';
    json_t *payload = NULL;
    if (nul)
        payload = json_loadb ((const char *)nul + 1, size - template_size - 1, 0, NULL);
    qf_notify_escape_t escape = (qf_notify_escape_t)(size ? data[0] % 4 : 0);
    size_t bound = size ? 16 + (size_t)data[size - 1] * 64 : 0;

    char error[256] = "", check_error[256] = "";
    char *out = NULL;
    int rc = qf_notify_template_render (tmpl, payload, escape, bound, &out, error, sizeof error);
    int check = qf_notify_template_check (tmpl, NULL, check_error, sizeof check_error);
    QF_FUZZ_REQUIRE (rc == 0 || rc == QF_EINVAL);
    QF_FUZZ_REQUIRE (check == (rc == QF_EINVAL ? QF_EINVAL : 0));
    if (rc == 0) {
        size_t len = strlen (out);
        QF_FUZZ_REQUIRE (len <= (bound ? bound : QF_NOTIFY_TEMPLATE_MAX));
        if (s_utf8 (tmpl))
            QF_FUZZ_REQUIRE (s_utf8 (out));
        if (escape != QF_ESCAPE_JSON && !memchr (tmpl, '\x1b', template_size))
            QF_FUZZ_REQUIRE (strchr (out, '\x1b') == NULL);
        free (out);
    } else {
        QF_FUZZ_REQUIRE (out == NULL && error[0] && strcmp (error, check_error) == 0);
    }

    char *header = qf_notify_header_encode (tmpl, 9);
    if (s_utf8 (tmpl))
        QF_FUZZ_REQUIRE (header != NULL);
    if (header) {
        size_t column = 9;
        for (const char *p = header; *p; p++) {
            if (*p == '\r') {
                QF_FUZZ_REQUIRE (p[1] == '\n' && p[2] == ' ');
                QF_FUZZ_REQUIRE (column <= 76);
                column = 0;
                p++;
                continue;
            }
            QF_FUZZ_REQUIRE (*p != '\n');
            column++;
        }
        QF_FUZZ_REQUIRE (column <= 76);
        free (header);
    }
    json_decref (payload);
    free (tmpl);
    return 0;
}
