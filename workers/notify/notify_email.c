/*  notify_email — one email as libcurl's SMTP sends it: the envelope, the
    connection's URL and TLS mode, and an RFC 5322 message with a MIME
    multipart/alternative body (RFC 2045-2046), its subject and display
    names as RFC 2047 encoded words.

    Choices: every text part is UTF-8 in base64 (lines of 76 characters),
    which carries any text, long lines and lone dots included, through any
    relay; the boundary starts with "=_", which base64 never holds, so no
    part can end the body early; the subject is always encoded, so a
    control or a "=?" in it is never read as a header's syntax. libcurl
    does the SMTP dot-stuffing and expects CRLF line ends, which this
    writes throughout.
*/
#include "notify_channels.h"

#include "qf_error.h"
#include "qf_text.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Recipients of one message, at most: more is a mailing list's work. */
#define S_MAX_RCPT 100
/* An address, at most (RFC 5321's path limit). */
#define S_MAX_ADDRESS 254

typedef qf_notify_buf_t s_buf_t;

static void
s_add (s_buf_t *buf, const char *text, size_t len)
{
    qf_notify_buf_add (buf, text, len);
}

static void
s_adds (s_buf_t *buf, const char *text)
{
    s_add (buf, text, strlen (text));
}

static void
s_addf (s_buf_t *buf, const char *format, ...)
{
    char line[1024];
    va_list args;
    va_start (args, format);
    int n = vsnprintf (line, sizeof line, format, args);
    va_end (args);
    if (n < 0 || (size_t)n >= sizeof line)
        buf->nomem = 1; /* callers format bounded pieces only */
    else
        s_add (buf, line, (size_t)n);
}


/*  Whether `name` is a host name or address usable in a URL and a
    Message-ID: letters, digits, '.', '-', and for an IPv6 address ':'. */
static bool
s_host_valid (const char *name, bool colon_ok)
{
    if (!name || !*name || strlen (name) > 253)
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || (colon_ok && c == ':');
        if (!ok)
            return false;
    }
    return true;
}

char *
qf_notify_header_encode (const char *text, size_t first_column)
{
    if (!text)
        return NULL;
    s_buf_t out = {0};
    s_add (&out, "", 0);
    const unsigned char *p = (const unsigned char *)text;
    size_t column = first_column;
    bool first = true;
    while (*p && !out.nomem) {
        /* One encoded word: as many whole characters as its room takes; a
           word after the first goes on a continuation line. */
        if (!first) {
            s_adds (&out, "\r\n ");
            column = 1;
        }
        size_t room = column < 76 ? 76 - column : 0;
        if (room > 75)
            room = 75;
        if (room < 12 + 8) {
            /* Not two characters' room after the header's name: fold first. */
            s_adds (&out, "\r\n ");
            column = 1;
            room = 75;
        }
        size_t max_bytes = (room - 12) / 4 * 3;
        unsigned char chunk[64];
        size_t used = 0;
        while (*p) {
            uint32_t cp;
            size_t n = qf_text_utf8_decode (p, &cp);
            if (n == 0) {
                free (out.data);
                return NULL;
            }
            if (used + n > max_bytes)
                break;
            if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
                chunk[used++] = ' '; /* no line break or control inside a header */
            else {
                memcpy (chunk + used, p, n);
                used += n;
            }
            p += n;
        }
        char b64[sodium_base64_ENCODED_LEN (64, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64 (b64, sizeof b64, chunk, used, sodium_base64_VARIANT_ORIGINAL);
        s_addf (&out, "=?UTF-8?B?%s?=", b64);
        column += 12 + strlen (b64);
        first = false;
    }
    if (out.nomem) {
        free (out.data);
        return NULL;
    }
    return out.data;
}

/*  Appends `text` as base64 of its canonical form (line ends CRLF), in
    lines of 76 characters. */
static void
s_add_base64_part (s_buf_t *buf, const char *text)
{
    s_buf_t canonical = {0};
    s_add (&canonical, "", 0);
    for (const char *p = text; *p; p++) {
        if (*p == '\r' && p[1] == '\n') {
            s_adds (&canonical, "\r\n");
            p++;
        } else if (*p == '\r' || *p == '\n')
            s_adds (&canonical, "\r\n");
        else
            s_add (&canonical, p, 1);
    }
    if (canonical.nomem) {
        buf->nomem = 1;
        free (canonical.data);
        return;
    }
    size_t b64_size = sodium_base64_ENCODED_LEN (canonical.len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc (b64_size);
    if (!b64) {
        buf->nomem = 1;
        free (canonical.data);
        return;
    }
    sodium_bin2base64 (b64, b64_size, (const unsigned char *)canonical.data, canonical.len,
                       sodium_base64_VARIANT_ORIGINAL);
    free (canonical.data);
    size_t len = strlen (b64);
    for (size_t at = 0; at < len; at += 76) {
        s_add (buf, b64 + at, len - at < 76 ? len - at : 76);
        s_adds (buf, "\r\n");
    }
    free (b64);
}

/*  Appends "Name <address>" (the name RFC 2047 encoded) or "address". */
static void
s_add_mailbox (s_buf_t *buf, const char *name, const char *address, size_t column)
{
    if (name && *name) {
        char *encoded = qf_notify_header_encode (name, column);
        if (!encoded) {
            buf->nomem = 1;
            return;
        }
        s_adds (buf, encoded);
        /* The address on a line of its own when it would pass 78 columns. */
        const char *fold = strrchr (encoded, '\n');
        size_t last = fold ? strlen (fold + 1) : column + strlen (encoded);
        s_adds (buf, last + 3 + strlen (address) > 78 ? "\r\n <" : " <");
        free (encoded);
        s_adds (buf, address);
        s_adds (buf, ">");
    } else
        s_adds (buf, address);
}

/*  Copies `id` into out keeping only RFC 5322 atext (others become '-'). */
static void
s_atext (const char *id, char *out, size_t out_size)
{
    size_t n = 0;
    for (const char *p = id; *p && n + 1 < out_size; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr ("!#$%&'*+-/=?^_`{|}~", c);
        out[n++] = ok && c ? c : '-';
    }
    out[n] = '\0';
}

/*  The RFC 5322 date of `ms` in UTC, with English names whatever the locale. */
static void
s_date (int64_t ms, char *out, size_t out_size)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    snprintf (out, out_size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
              months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*  The address of to[i] and its name, or NULL when the entry is malformed. */
static const char *
s_recipient (json_t *entry, const char **name)
{
    *name = NULL;
    if (json_is_string (entry))
        return json_string_value (entry);
    if (json_is_object (entry)) {
        *name = json_string_value (json_object_get (entry, "name"));
        return json_string_value (json_object_get (entry, "address"));
    }
    return NULL;
}

int
qf_notify_smtp_validate (const qf_notify_smtp_t *smtp, char *error, size_t error_size)
{
    if (!smtp) {
        qf_notify_error (error, error_size, "email: no smtp settings (programming error)");
        return QF_EINVAL;
    }
    if (!s_host_valid (smtp->host, true)) {
        qf_notify_error (
            error, error_size,
            "email: smtp host must be a host name or address (letters, digits, '.', '-', "
            "':'): set it");
        return QF_EINVAL;
    }
    if (smtp->port < 0 || smtp->port > 65535) {
        qf_notify_error (error, error_size,
                         "email: smtp port %d is not 1-65535 (0 for the default)", smtp->port);
        return QF_EINVAL;
    }
    if (smtp->tls < QF_SMTP_STARTTLS || smtp->tls > QF_SMTP_PLAIN) {
        qf_notify_error (error, error_size, "email: unknown tls mode %d", (int)smtp->tls);
        return QF_EINVAL;
    }
    if (!s_host_valid (smtp->domain, false)) {
        qf_notify_error (error, error_size,
                         "email: domain (for Message-ID and EHLO) must be a host name: set it");
        return QF_EINVAL;
    }
    if (smtp->user && *smtp->user && (!smtp->password || strpbrk (smtp->user, "\r\n"))) {
        qf_notify_error (
            error, error_size,
            "email: smtp user given without a password (or with a line break): set both");
        return QF_EINVAL;
    }
    return 0;
}

int
qf_notify_email_build (const qf_notify_smtp_t *smtp, const qf_notify_email_t *mail,
                       qf_notify_request_t *request, char *error, size_t error_size)
{
    if (!request || !smtp || !mail) {
        qf_notify_error (error, error_size, "email: missing argument (programming error)");
        return QF_EINVAL;
    }
    memset (request, 0, sizeof *request);
    int rc = qf_notify_smtp_validate (smtp, error, error_size);
    if (rc != 0)
        return rc;
    bool auth = smtp->user && *smtp->user;
    if (!qf_notify_address_valid (mail->from)) {
        qf_notify_error (error, error_size,
                         "email: from must be one address local@domain in printable ASCII without "
                         "spaces, quotes, commas or <>: fix it");
        return QF_EINVAL;
    }
    size_t count = json_array_size (mail->to);
    if (!json_is_array (mail->to) || count == 0 || count > S_MAX_RCPT) {
        qf_notify_error (
            error, error_size,
            "email: to must be a list of 1 to %d recipients (\"addr\" or {\"address\", "
            "\"name\"})",
            S_MAX_RCPT);
        return QF_EINVAL;
    }
    for (size_t i = 0; i < count; i++) {
        const char *name;
        const char *address = s_recipient (json_array_get (mail->to, i), &name);
        if (!qf_notify_address_valid (address)) {
            char shown[80];
            qf_text_escape (address ? address : "(not a string)", QF_TEXT_PLAIN, shown,
                            sizeof shown);
            qf_notify_error (
                error, error_size,
                "email: to[%zu] '%s' is not one address local@domain in printable ASCII "
                "without spaces, quotes, commas or <>",
                i, shown);
            return QF_EINVAL;
        }
    }
    if (!mail->subject || !mail->text || !mail->event_id || !*mail->event_id || !mail->msg_id ||
        !*mail->msg_id) {
        qf_notify_error (
            error, error_size,
            "email: subject, text, event_id and msg_id are all needed (programming error)");
        return QF_EINVAL;
    }
    char *subject = qf_notify_header_encode (mail->subject, strlen ("Subject: "));
    if (!subject) {
        qf_notify_error (error, error_size, "email: subject is not UTF-8 (or out of memory)");
        return QF_EINVAL;
    }

    rc = QF_ENOMEM;
    char *html = NULL;
    if (!mail->html) {
        /* The text as HTML: escaped, its line breaks kept. */
        json_t *payload = json_pack ("{s:s}", "t", mail->text);
        char *escaped = NULL;
        if (payload && qf_notify_template_render ("{{t}}", payload, QF_ESCAPE_HTML, SIZE_MAX,
                                                  &escaped, NULL, 0) == 0) {
            s_buf_t page = {0};
            s_adds (&page, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
                           "<div style=\"white-space: pre-wrap\">");
            s_adds (&page, escaped);
            s_adds (&page, "</div>\n</body></html>\n");
            html = page.nomem ? NULL : page.data;
            if (page.nomem)
                free (page.data);
        }
        free (escaped);
        json_decref (payload);
        if (!html)
            goto fail;
    }

    /* The envelope and the connection. */
    int port = smtp->port ? smtp->port : smtp->tls == QF_SMTP_TLS ? 465 : 587;
    bool v6 = strchr (smtp->host, ':') != NULL;
    char url[600];
    snprintf (url, sizeof url, "%s://%s%s%s:%d/%s", smtp->tls == QF_SMTP_TLS ? "smtps" : "smtp",
              v6 ? "[" : "", smtp->host, v6 ? "]" : "", port, smtp->domain);
    request->smtp = 1;
    request->url = strdup (url);
    request->use_ssl = smtp->tls == QF_SMTP_PLAIN          ? (long)CURLUSESSL_NONE
                       : smtp->tls == QF_SMTP_STARTTLS_TRY ? (long)CURLUSESSL_TRY
                                                           : (long)CURLUSESSL_ALL;
    char path[S_MAX_ADDRESS + 3];
    snprintf (path, sizeof path, "<%s>", mail->from);
    request->mail_from = strdup (path);
    if (!request->url || !request->mail_from)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        const char *name;
        snprintf (path, sizeof path, "<%s>", s_recipient (json_array_get (mail->to, i), &name));
        struct curl_slist *list = curl_slist_append (request->rcpt, path);
        if (!list)
            goto fail;
        request->rcpt = list;
    }
    if (auth) {
        request->user = strdup (smtp->user);
        request->password = strdup (smtp->password);
        if (!request->user || !request->password)
            goto fail;
    }
    if (smtp->ca_file) {
        request->ca_file = strdup (smtp->ca_file);
        if (!request->ca_file)
            goto fail;
    }

    /* The message. */
    char event[72], msg[72], date[64], boundary[40];
    s_atext (mail->event_id, event, sizeof event);
    s_atext (mail->msg_id, msg, sizeof msg);
    s_date (mail->now_ms, date, sizeof date);
    uint64_t hash = qf_text_fnv1a (QF_FNV1A_BASIS, mail->event_id, strlen (mail->event_id));
    hash = qf_text_fnv1a (hash, mail->msg_id, strlen (mail->msg_id));
    snprintf (boundary, sizeof boundary, "=_qf_%016" PRIx64, hash);

    s_buf_t m = {0};
    s_adds (&m, "From: ");
    s_add_mailbox (&m, mail->from_name, mail->from, strlen ("From: "));
    s_adds (&m, "\r\nTo: ");
    for (size_t i = 0; i < count; i++) {
        const char *name;
        const char *address = s_recipient (json_array_get (mail->to, i), &name);
        if (i > 0)
            s_adds (&m, ",\r\n ");
        s_add_mailbox (&m, name, address, i ? 1 : strlen ("To: "));
    }
    s_adds (&m, "\r\nSubject: ");
    s_adds (&m, subject);
    s_addf (&m, "\r\nDate: %s\r\n", date);
    /* A message id "msg_<event>_<endpoint>" already names the event: the
       event is not written twice, and the id goes on a line of its own
       when "Message-ID: " and it would pass 78 columns (RFC 5322 2.1.1). */
    char prefix[sizeof event + 8];
    snprintf (prefix, sizeof prefix, "msg_%s_", event);
    bool named = strncmp (msg, prefix, strlen (prefix)) == 0;
    size_t width = strlen ("Message-ID: <qualflow.@>") + strlen (msg) + strlen (smtp->domain) +
                   (named ? 0 : strlen (event) + 1);
    s_addf (&m, "Message-ID:%s<qualflow.%s%s%s@%s>\r\n", width > 78 ? "\r\n " : " ",
            named ? "" : event, named ? "" : ".", msg, smtp->domain);
    s_adds (&m, "MIME-Version: 1.0\r\n");
    s_addf (&m, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n", boundary);
    s_adds (&m, "\r\nThis is a MIME message: a text part and an HTML part.\r\n");
    s_addf (&m, "\r\n--%s\r\n", boundary);
    s_adds (&m, "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n");
    s_add_base64_part (&m, mail->text);
    s_addf (&m, "\r\n--%s\r\n", boundary);
    s_adds (&m, "Content-Type: text/html; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n");
    s_add_base64_part (&m, mail->html ? mail->html : html);
    s_addf (&m, "\r\n--%s--\r\n", boundary);
    if (m.nomem) {
        free (m.data);
        goto fail;
    }
    request->body = m.data;
    request->body_size = m.len;
    free (subject);
    free (html);
    return 0;

fail:
    qf_notify_error (error, error_size, "email: out of memory");
    free (subject);
    free (html);
    qf_notify_request_clear (request);
    return rc;
}
