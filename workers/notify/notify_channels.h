/*  notify_channels — the notify worker's channel builders: pure functions
    that turn a rendered notification into what one libcurl easy handle
    needs to deliver it (a qf_notify_request_t), and read what the far end
    answered. No sockets here: the worker (main.c) sends the requests with
    libcurl multi; tests send them to real local servers.

    Templates (notify_template.c). A template is text with `{{field}}` or
    `{{a.b.c}}` tags (spaces inside the braces allowed: `{{ a.b }}`) filled
    from the event payload, a JSON object. A field name is one or more
    segments of letters, digits, '_' and '-', joined by '.', each segment
    one level down the payload's objects. No sections, loops or partials:
    a route's text says what happened, and the payload's fields fill it.
    A value is written as follows: a string as it is; an integer in
    decimal; a real in the shortest form that reads back the same; true,
    false; null and a missing field as nothing; an object or array as its
    compact JSON text. Then it is escaped for where it goes (qf_notify_escape_t).
    Control characters in a value (C0 but tab and newline, DEL, C1) never
    reach a channel raw: the JSON escape writes them as \u00XX, the others
    drop them. The template's own text is copied as it is. A '{' that does
    not start "{{" is text; "{{" always opens a tag, which must close with
    "}}" before the end of the line.

    Robots (notify_robot.c): WeCom group robot, DingTalk custom robot
    (signed), Feishu custom bot (signed): see qf_notify_robot_build().

    Email (notify_email.c): one MIME message (multipart/alternative, plain
    text and HTML, UTF-8, base64) for libcurl's SMTP: see
    qf_notify_email_build().

    Errors: every function returns 0 or a negative QF_E* code (qf_error.h)
    and, when it fails, writes into `error` (error_size bytes, may be 0) one
    sentence naming what was wrong, the rule, and what to do.
*/
#ifndef NOTIFY_CHANNELS_H
#define NOTIFY_CHANNELS_H

#include <curl/curl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "notify/notify_config.h"

/*  What one libcurl easy handle needs to deliver one message. Owned by the
    caller of a *_build function, which fills it; freed by
    qf_notify_request_clear(). It must outlive the transfer: libcurl reads
    the body, the lists and the strings while it sends. */
typedef struct {
    char *url;                  /* http(s):// for robots, smtp(s):// for email */
    struct curl_slist *headers; /* HTTP request headers (robots); NULL for SMTP */
    char *body;                 /* HTTP POST body, or the whole RFC 5322 message */
    size_t body_size;           /* bytes in body (no terminating NUL counted) */
    int smtp;                   /* 1: an SMTP upload; 0: an HTTP POST */
    char *mail_from;            /* SMTP envelope sender (MAIL FROM), else NULL */
    struct curl_slist *rcpt;    /* SMTP envelope recipients (RCPT TO), else NULL */
    char *user, *password;      /* SMTP AUTH credentials, NULL when none */
    long use_ssl;               /* SMTP: CURLUSESSL_NONE, _TRY or _ALL (STARTTLS) */
    char *ca_file;              /* SMTP: CA bundle to verify the server, NULL: system's */
    size_t sent;                /* SMTP: bytes of body already read by libcurl */
} qf_notify_request_t;

/*  Frees everything the request holds and zeroes it; safe on a zeroed or
    already cleared request. */
void qf_notify_request_clear (qf_notify_request_t *request);

/*  Sets on `easy` what the request says: URL, the protocols allowed for it
    (http/https, or smtp/smtps: a configured URL cannot make libcurl open a
    file:// or follow a redirect elsewhere), the POST body and headers, or
    the SMTP envelope, upload, TLS and credentials. Timeouts, the write
    callback for the answer and the multi handle stay the caller's. The
    request must outlive the transfer (libcurl reads it while it sends).
    Returns 0, or QF_EINVAL when libcurl refuses an option. */
int qf_notify_request_setup (qf_notify_request_t *request, CURL *easy);

/*  What the builders share: an error sentence into a caller's buffer
    (nothing when error is NULL or error_size 0)... */
void qf_notify_error (char *error, size_t error_size, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

/*  ...and a growing string: data NUL-terminated once anything was added;
    after an allocation failure nomem is set and adding does nothing. */
typedef struct {
    char *data; /* owned by the user of the buffer */
    size_t len; /* bytes in data */
    size_t cap; /* bytes allocated */
    int nomem;  /* an allocation failed */
} qf_notify_buf_t;

void qf_notify_buf_add (qf_notify_buf_t *buf, const char *bytes, size_t len);

/* ---- templates ---------------------------------------------------------- */

/*  How a substituted value is escaped for the text it lands in. */
typedef enum {
    QF_ESCAPE_NONE = 0,     /* as it is (controls dropped): plain text, email text part */
    QF_ESCAPE_MARKDOWN = 1, /* robots' markdown: \ ` * _ [ ] ( ) # ~ | ! < > backslashed */
    QF_ESCAPE_HTML = 2,     /* email's HTML part: & < > " ' as entities */
    QF_ESCAPE_JSON = 3      /* inside a JSON string: " \ and controls as JSON escapes */
} qf_notify_escape_t;

/*  The longest rendered text, in bytes, when the caller gives no bound. */
#define QF_NOTIFY_TEMPLATE_MAX (256 * 1024)
/*  The longest field name, and the deepest a.b.c path. */
#define QF_NOTIFY_FIELD_MAX   128
#define QF_NOTIFY_FIELD_DEPTH 8

/*  Renders `template_text` with the values of `payload` (an object; NULL
    means no values) escaped as `escape` says, into *out (NUL-terminated;
    caller owns it, free()). Output is bounded by max_size bytes (0 means
    QF_NOTIFY_TEMPLATE_MAX): past it the text is cut between characters,
    never inside a UTF-8 sequence or an escape, and "…" ends it. Returns 0,
    QF_EINVAL for a malformed template (unterminated or empty tag, a bad
    field name: the error says which byte), or QF_ENOMEM. */
int qf_notify_template_render (const char *template_text, json_t *payload,
                               qf_notify_escape_t escape, size_t max_size, char **out, char *error,
                               size_t error_size);

/*  The check made when the configuration is loaded: `template_text` is well
    formed and each of its fields is one of `fields` (a NULL-terminated
    list; an entry "a.*" allows every field under a, an entry "*" any;
    `fields` NULL checks the syntax only). Returns 0, or QF_EINVAL with the
    error naming the byte, the field and the fields allowed. */
int qf_notify_template_check (const char *template_text, const char *const *fields, char *error,
                              size_t error_size);

/*  Cuts `text` (UTF-8) in place so that it holds at most `max_bytes` bytes
    with `marker` appended when it had to be cut, never inside a UTF-8
    sequence. max_bytes must leave room for the marker. Returns the new
    length. Used by the robots for their documented size limits. */
size_t qf_notify_truncate_utf8 (char *text, size_t max_bytes, const char *marker);

/* ---- robots ------------------------------------------------------------- */

/*  The marker that ends a message cut to its robot's size limit. */
#define QF_NOTIFY_TRUNCATED "\n…(truncated)"

/*  The check of a robot endpoint made when the configuration is loaded
    (and by qf_notify_robot_build): a known kind, an http(s):// url with a
    host, a secret neither empty nor over 1000 bytes, and none for WeCom.
    Returns 0 or QF_EINVAL with the error. */
int qf_notify_robot_validate (const char *kind, const char *url, const char *secret, char *error,
                              size_t error_size);

/*  Builds the HTTP POST for a group robot. `kind`:
      "wecom"        WeCom group robot, msgtype markdown; content (title as a
                     bold first line, then the text) at most 4096 bytes.
                     Its markdown has no mention by mobile: mentions ignored.
      "dingtalk"     DingTalk custom robot, msgtype markdown {title, text},
                     at.atMobiles (and " @mobile" appended to the text, which
                     DingTalk needs to show the mention; "@all" in mentions
                     sets at.isAtAll); text at most 20000 bytes. Signed when
                     `secret` is given: &timestamp=MS&sign=URLENC(BASE64(
                     HMAC-SHA256(key secret, "MS\nsecret"))) on the URL.
      "feishu"       Feishu custom bot, msg_type interactive (a card: title
                     header, one lark_md block); "feishu_post": msg_type post
                     (title, one text paragraph). Signed when `secret` is
                     given: "timestamp" (seconds) and "sign" = BASE64(
                     HMAC-SHA256(key "S\nsecret", empty message)) in the
                     body. Whole body at most 20 KB (20000 bytes taken).
                     Mentions: "@all" becomes <at id=all></at> (interactive)
                     or an at-all element (post); others are ignored.
    `text` is markdown already rendered (QF_ESCAPE_MARKDOWN); `title` plain.
    Text over the limit is cut on a UTF-8 boundary and ends with
    QF_NOTIFY_TRUNCATED. `mentions` is an array of strings or NULL; a
    DingTalk mobile is 5 to 20 digits with an optional leading '+'.
    `url` and `secret` as qf_notify_robot_validate() wants them. Returns
    0, QF_EINVAL (the error says which argument and why) or QF_ENOMEM. */
int qf_notify_robot_build (const char *kind, const char *url, const char *secret, int64_t now_ms,
                           const char *title, const char *text, json_t *mentions,
                           qf_notify_request_t *request, char *error, size_t error_size);

/*  Reads a robot's answer. 0 only for a 2xx status whose JSON body says
    success: errcode 0 (WeCom, DingTalk) or code 0 (Feishu; its older
    StatusCode 0 too). A 200 with another code is a failure: QF_EIO with
    "errcode N: errmsg" in error. Non-2xx: QF_EIO with the status and the
    start of the answer. A 2xx whose body is not such JSON: QF_EPROTO.
    QF_EINVAL for an unknown kind. */
int qf_notify_robot_check (const char *kind, long http_status, const char *answer, char *error,
                           size_t error_size);

/* ---- email -------------------------------------------------------------- */

/*  How the SMTP connection is protected. */
typedef enum {
    QF_SMTP_STARTTLS = 0,     /* smtp://, STARTTLS required (CURLUSESSL_ALL): the default */
    QF_SMTP_STARTTLS_TRY = 1, /* smtp://, STARTTLS when offered, else plain (CURLUSESSL_TRY) */
    QF_SMTP_TLS = 2,          /* smtps://, TLS from the first byte (port 465) */
    QF_SMTP_PLAIN = 3         /* smtp://, never TLS: only for a relay on loopback */
} qf_notify_smtp_tls_t;

/*  The SMTP server and how to reach it (from the configuration; borrowed). */
typedef struct {
    const char *host;         /* server name or address */
    int port;                 /* 1-65535; 0: 587, or 465 for QF_SMTP_TLS */
    qf_notify_smtp_tls_t tls; /* see above */
    const char *user;         /* AUTH user, NULL or "" for none */
    const char *password;     /* AUTH password */
    const char *domain;       /* right side of Message-ID, and EHLO name */
    const char *ca_file;      /* CA bundle for the server's certificate, NULL: system's */
} qf_notify_smtp_t;

/*  One email (borrowed). */
typedef struct {
    const char *from;      /* sender address, local@domain */
    const char *from_name; /* display name, NULL for none (RFC 2047 encoded) */
    json_t *to;            /* array: "addr" or {"address": "addr", "name": "Name"} */
    const char *subject;   /* UTF-8, one line; RFC 2047 encoded */
    const char *text;      /* text/plain part, UTF-8 */
    const char *html;      /* text/html part, UTF-8; NULL: the text, HTML-escaped */
    const char *event_id;  /* the event's id, for the Message-ID */
    const char *msg_id;    /* the message's id ("msg_<event>_<endpoint>") */
    int64_t now_ms;        /* Date: header, Unix ms (UTC) */
} qf_notify_email_t;

/*  The check of the SMTP settings made when the configuration is loaded
    (and by qf_notify_email_build): host, port, TLS mode, domain, and a
    password with a user. Returns 0 or QF_EINVAL with the error. */
int qf_notify_smtp_validate (const qf_notify_smtp_t *smtp, char *error, size_t error_size);

/*  Whether `address` is one address local@domain in printable ASCII with
    no space, quote, comma, '<', '>' or other character that could split a
    header or an SMTP command (at most 254 bytes). */
int qf_notify_address_valid (const char *address);

/*  Builds an SMTP request: envelope (MAIL FROM, RCPT TO per address), URL
    (smtp:// or smtps://, host, port, EHLO domain), TLS mode, credentials,
    and the message with CRLF line ends: From, To, Subject (RFC 2047
    "=?UTF-8?B?...?=" encoded words of at most 75 characters, folded so no
    line passes 76), Date (RFC 5322, UTC), Message-ID
    <qualflow.MSG@domain> (<qualflow.EVENT.MSG@domain> when MSG does not
    begin with msg_EVENT_; on a folded line past 78 columns), MIME-Version
    1.0, and a multipart/alternative body with a text/plain and a text/html
    part, both UTF-8 and base64.
    Addresses holding a space, control, quote, comma, '<' or '>' are refused
    (no header can be injected through them). Returns 0, QF_EINVAL (the
    error names the field and the rule) or QF_ENOMEM. */
int qf_notify_email_build (const qf_notify_smtp_t *smtp, const qf_notify_email_t *mail,
                           qf_notify_request_t *request, char *error, size_t error_size);

/*  Writes the RFC 2047 form of `text` (UTF-8) for a header whose name and
    colon take `first_column` columns: encoded words of at most 75
    characters, never splitting a UTF-8 character, joined by CRLF SPACE.
    Controls become spaces. Caller owns the result (NULL when out of memory
    or when text is not UTF-8). */
char *qf_notify_header_encode (const char *text, size_t first_column);

/* Webhooks (notify_webhook.c) ----------------------------------------------- */

/*  The Standard Webhooks 1.0 signature of one message: "v1," and the
    base64 of HMAC-SHA256, keyed with the secret's key (whsec_ base64),
    of "<msg_id>.<timestamp>.<body>", into out (at least 64 bytes); 0, or
    QF_EINVAL when the secret is malformed. */
int qf_notify_webhook_sign (const char *secret, const char *msg_id, int64_t timestamp,
                            const char *body, size_t body_size, char *out, size_t out_size);

/*  A webhook POST of `body` (a JSON object's text) to the endpoint: the
    headers content-type, webhook-id (msg_id), webhook-timestamp (now_ms
    in seconds) and webhook-signature, which holds the signature with the
    secret and, while now_ms is before the endpoint's previous_until, the
    one with its previous secret too, space-separated. 0, or a QF_E*
    code with `error` saying why. */
int qf_notify_webhook_build (const qf_notify_endpoint_t *endpoint, const char *msg_id,
                             int64_t now_ms, const char *body, qf_notify_request_t *request,
                             char *error, size_t error_size);

#endif
