/*  test_notify_channels — the robot and email builders without a network:
    each robot's body as its documentation shapes it, the signatures
    against values computed independently (Python's hmac, base64 and
    urllib.parse.quote_plus over the same inputs), the documented size
    limits held on a UTF-8 boundary, answers read (a 200 with an error
    code fails), and the email's envelope, headers, encoded subject and
    MIME parts. tests/integration/test_s14_channels.py sends the same
    requests to local servers that check them as the vendors would.
*/
#include "notify/notify_channels.h"
#include "qf_error.h"
#include "qf_test.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* 2026-01-01T00:00:00Z. */
#define NOW_MS INT64_C (1767225600000)
#define SECRET "SECtest0123456789"

static json_t *
s_body (const qf_notify_request_t *request)
{
    return json_loadb (request->body, request->body_size, 0, NULL);
}

QF_TEST (wecom_markdown)
{
    qf_notify_request_t request;
    char error[256];
    QF_CHECK_EQ_INT (qf_notify_robot_build (
                         "wecom", "https://qyapi.example/cgi-bin/webhook/send?key=k", NULL, NOW_MS,
                         "合同 *42*", "**已签** 合同", NULL, &request, error, sizeof error),
                     0);
    QF_CHECK_STR (request.url, "https://qyapi.example/cgi-bin/webhook/send?key=k");
    QF_CHECK_EQ_INT (request.smtp, 0);
    json_t *body = s_body (&request);
    QF_CHECK_STR (json_string_value (json_object_get (body, "msgtype")), "markdown");
    /* The title in bold, its markdown escaped; the text as rendered. */
    QF_CHECK_STR (
        json_string_value (json_object_get (json_object_get (body, "markdown"), "content")),
        "**合同 \\*42\\***\n**已签** 合同");
    json_decref (body);
    QF_CHECK (strcmp (request.headers->data, "Content-Type: application/json; charset=utf-8") == 0);
    qf_notify_request_clear (&request);
    qf_notify_request_clear (&request); /* twice is fine */
    /* WeCom robots are not signed: a secret is a configuration mistake. */
    QF_CHECK_EQ_INT (qf_notify_robot_build ("wecom", "https://x/", SECRET, NOW_MS, "t", "x", NULL,
                                            &request, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK (strstr (error, "remove the secret"));
}

QF_TEST (wecom_cut_to_4096_bytes)
{
    /* 3000 three-byte characters: 9000 bytes, cut on a character boundary. */
    char *text = malloc (9001);
    for (int i = 0; i < 3000; i++)
        memcpy (text + 3 * i, "合", 3);
    text[9000] = '\0';
    qf_notify_request_t request;
    QF_CHECK_EQ_INT (qf_notify_robot_build ("wecom", "http://127.0.0.1:1/", NULL, NOW_MS, "", text,
                                            NULL, &request, NULL, 0),
                     0);
    free (text);
    json_t *body = s_body (&request);
    const char *content =
        json_string_value (json_object_get (json_object_get (body, "markdown"), "content"));
    size_t len = strlen (content);
    QF_CHECK (len <= 4096 && len > 4096 - 20);
    size_t marker = strlen (QF_NOTIFY_TRUNCATED);
    QF_CHECK (strcmp (content + len - marker, QF_NOTIFY_TRUNCATED) == 0);
    QF_CHECK_EQ_INT ((len - marker) % 3, 0);
    json_decref (body);
    qf_notify_request_clear (&request);
}

QF_TEST (dingtalk_signed_with_mentions)
{
    qf_notify_request_t request;
    char error[256];
    json_t *mentions = json_pack ("[s, s]", "13800001111", "+8613900002222");
    QF_CHECK_EQ_INT (qf_notify_robot_build (
                         "dingtalk", "https://oapi.example/robot/send?access_token=t", SECRET,
                         NOW_MS, "合同", "#### 已签", mentions, &request, error, sizeof error),
                     0);
    /* Python: quote_plus(b64encode(hmac.new(SECRET, b"1767225600000\n" +
       SECRET, sha256).digest())) */
    QF_CHECK_STR (request.url, "https://oapi.example/robot/send?access_token=t"
                               "&timestamp=1767225600000"
                               "&sign=WqRwE26E5CxYGjFqhx%2B2yyo3peNrvAUu8ptyyREKKyk%3D");
    json_t *body = s_body (&request);
    QF_CHECK_STR (json_string_value (json_object_get (body, "msgtype")), "markdown");
    json_t *markdown = json_object_get (body, "markdown");
    QF_CHECK_STR (json_string_value (json_object_get (markdown, "title")), "合同");
    QF_CHECK_STR (json_string_value (json_object_get (markdown, "text")),
                  "#### 已签\n\n@13800001111 @+8613900002222");
    json_t *at = json_object_get (body, "at");
    QF_CHECK (json_equal (json_object_get (at, "atMobiles"), mentions));
    QF_CHECK (json_is_false (json_object_get (at, "isAtAll")));
    json_decref (body);
    qf_notify_request_clear (&request);

    /* Unsigned: the URL as it is; "@all" is isAtAll, not a mobile. */
    json_t *all = json_pack ("[s]", "@all");
    QF_CHECK_EQ_INT (qf_notify_robot_build ("dingtalk", "https://oapi.example/robot/send", NULL,
                                            NOW_MS, "", "x", all, &request, error, sizeof error),
                     0);
    QF_CHECK_STR (request.url, "https://oapi.example/robot/send");
    body = s_body (&request);
    QF_CHECK (json_is_true (json_object_get (json_object_get (body, "at"), "isAtAll")));
    QF_CHECK_EQ_INT (json_array_size (json_object_get (json_object_get (body, "at"), "atMobiles")),
                     0);
    QF_CHECK_STR (json_string_value (json_object_get (json_object_get (body, "markdown"), "title")),
                  "qualflow");
    json_decref (body);
    qf_notify_request_clear (&request);
    json_decref (all);

    /* A mobile that is not one is refused, naming it. */
    json_t *bad = json_pack ("[s, s]", "13800001111", "138 0000\n1111");
    QF_CHECK_EQ_INT (qf_notify_robot_build ("dingtalk", "https://x/", NULL, NOW_MS, "t", "x", bad,
                                            &request, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK (strstr (error, "mentions[1] '138 0000\\n1111' is not a mobile number"));
    QF_CHECK (request.url == NULL && request.body == NULL);
    json_decref (bad);
    json_decref (mentions);
}

QF_TEST (dingtalk_cut_to_20000_bytes_keeping_mentions)
{
    char *text = malloc (30001);
    memset (text, 'x', 30000);
    text[30000] = '\0';
    json_t *mentions = json_pack ("[s]", "13800001111");
    qf_notify_request_t request;
    QF_CHECK_EQ_INT (qf_notify_robot_build ("dingtalk", "https://x/", SECRET, NOW_MS, "t", text,
                                            mentions, &request, NULL, 0),
                     0);
    free (text);
    json_t *body = s_body (&request);
    const char *sent =
        json_string_value (json_object_get (json_object_get (body, "markdown"), "text"));
    QF_CHECK_EQ_INT (strlen (sent), 20000);
    const char *tail = QF_NOTIFY_TRUNCATED "\n\n@13800001111";
    QF_CHECK (strcmp (sent + strlen (sent) - strlen (tail), tail) == 0);
    json_decref (body);
    json_decref (mentions);
    qf_notify_request_clear (&request);
}

QF_TEST (feishu_signed_card_and_post)
{
    qf_notify_request_t request;
    char error[256];
    json_t *all = json_pack ("[s]", "@all");
    QF_CHECK_EQ_INT (
        qf_notify_robot_build ("feishu", "https://open.example/open-apis/bot/v2/hook/h", SECRET,
                               NOW_MS, "合同", "**已签**", all, &request, error, sizeof error),
        0);
    QF_CHECK_STR (request.url, "https://open.example/open-apis/bot/v2/hook/h");
    json_t *body = s_body (&request);
    QF_CHECK_STR (json_string_value (json_object_get (body, "msg_type")), "interactive");
    QF_CHECK_STR (json_string_value (json_object_get (body, "timestamp")), "1767225600");
    /* Python: b64encode(hmac.new(b"1767225600\n" + SECRET, b"", sha256).digest()) */
    QF_CHECK_STR (json_string_value (json_object_get (body, "sign")),
                  "x0FLP8hAs6px6cFg/dRbDK6OK17ucRThD400ku+CnSk=");
    json_t *card = json_object_get (body, "card");
    QF_CHECK_STR (json_string_value (json_object_get (
                      json_object_get (json_object_get (card, "header"), "title"), "content")),
                  "合同");
    json_t *element = json_array_get (json_object_get (card, "elements"), 0);
    QF_CHECK_STR (json_string_value (json_object_get (json_object_get (element, "text"), "tag")),
                  "lark_md");
    QF_CHECK_STR (
        json_string_value (json_object_get (json_object_get (element, "text"), "content")),
        "**已签**\n<at id=all></at>");
    json_decref (body);
    qf_notify_request_clear (&request);

    QF_CHECK_EQ_INT (qf_notify_robot_build ("feishu_post", "https://h/", NULL, NOW_MS, "合同",
                                            "已签", NULL, &request, error, sizeof error),
                     0);
    body = s_body (&request);
    QF_CHECK_STR (json_string_value (json_object_get (body, "msg_type")), "post");
    QF_CHECK (json_object_get (body, "sign") == NULL);
    json_t *zh =
        json_object_get (json_object_get (json_object_get (body, "content"), "post"), "zh_cn");
    QF_CHECK_STR (json_string_value (json_object_get (zh, "title")), "合同");
    json_t *run = json_array_get (json_array_get (json_object_get (zh, "content"), 0), 0);
    QF_CHECK_STR (json_string_value (json_object_get (run, "text")), "已签");
    json_decref (body);
    qf_notify_request_clear (&request);
    json_decref (all);
}

QF_TEST (feishu_body_within_20_kb)
{
    /* Quotes double in JSON: the limit is on the body, escapes included. */
    char *text = malloc (40001);
    for (int i = 0; i < 40000; i++)
        text[i] = i % 2 ? '"' : 'a';
    text[40000] = '\0';
    qf_notify_request_t request;
    QF_CHECK_EQ_INT (qf_notify_robot_build ("feishu", "https://h/", SECRET, NOW_MS, "t", text, NULL,
                                            &request, NULL, 0),
                     0);
    free (text);
    QF_CHECK (request.body_size <= 20000 && request.body_size > 19900);
    json_t *body = s_body (&request);
    QF_CHECK (body != NULL);
    const char *content = json_string_value (json_object_get (
        json_object_get (
            json_array_get (json_object_get (json_object_get (body, "card"), "elements"), 0),
            "text"),
        "content"));
    QF_CHECK (strstr (content, QF_NOTIFY_TRUNCATED) != NULL);
    json_decref (body);
    qf_notify_request_clear (&request);
}

QF_TEST (robot_arguments_checked)
{
    qf_notify_request_t request;
    char error[256];
    QF_CHECK_EQ_INT (qf_notify_robot_build ("slack", "https://x/", NULL, NOW_MS, "t", "x", NULL,
                                            &request, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK (strstr (error, "unknown kind 'slack'"));
    QF_CHECK_EQ_INT (qf_notify_robot_build ("feishu", "file:///etc/passwd", NULL, NOW_MS, "t", "x",
                                            NULL, &request, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK (strstr (error, "url must be https://"));
    QF_CHECK_EQ_INT (qf_notify_robot_build ("feishu", "https://x/\r\nHost: y", NULL, NOW_MS, "t",
                                            "x", NULL, &request, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (qf_notify_robot_build ("dingtalk", "https://x/", "", NOW_MS, "t", "x", NULL,
                                            &request, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK (strstr (error, "secret is empty"));
    /* The same checks at configuration load, without building. */
    QF_CHECK_EQ_INT (qf_notify_robot_validate ("dingtalk", "https://oapi.example/robot/send",
                                               SECRET, error, sizeof error),
                     0);
    QF_CHECK_EQ_INT (
        qf_notify_robot_validate ("wecom", "https://qyapi.example/x", NULL, error, sizeof error),
        0);
    QF_CHECK_EQ_INT (qf_notify_robot_validate ("feishu", "https://", NULL, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (
        qf_notify_robot_validate ("feishu", "https:///path", NULL, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "robot feishu: url must be https://"));
    char long_secret[1100];
    memset (long_secret, 's', sizeof long_secret - 1);
    long_secret[sizeof long_secret - 1] = '\0';
    QF_CHECK_EQ_INT (
        qf_notify_robot_validate ("feishu", "https://h/", long_secret, error, sizeof error),
        QF_EINVAL);
    QF_CHECK_EQ_INT (qf_notify_robot_validate (NULL, "https://h/", NULL, error, sizeof error),
                     QF_EINVAL);
    json_t *not_list = json_pack ("{}");
    QF_CHECK_EQ_INT (qf_notify_robot_build ("dingtalk", "https://x/", NULL, NOW_MS, "t", "x",
                                            not_list, &request, error, sizeof error),
                     QF_EINVAL);
    json_decref (not_list);
}

QF_TEST (robot_answers_read)
{
    char error[256];
    QF_CHECK_EQ_INT (qf_notify_robot_check ("wecom", 200, "{\"errcode\":0,\"errmsg\":\"ok\"}",
                                            error, sizeof error),
                     0);
    QF_CHECK_EQ_INT (qf_notify_robot_check ("dingtalk", 200,
                                            "{\"errcode\":310000,\"errmsg\":\"sign not match\"}",
                                            error, sizeof error),
                     QF_EIO);
    QF_CHECK_STR (error, "robot dingtalk: errcode 310000: sign not match");
    QF_CHECK_EQ_INT (qf_notify_robot_check (
                         "feishu", 200, "{\"code\":19021,\"msg\":\"sign match fail\",\"data\":{}}",
                         error, sizeof error),
                     QF_EIO);
    QF_CHECK_STR (error, "robot feishu: code 19021: sign match fail");
    QF_CHECK_EQ_INT (qf_notify_robot_check ("feishu", 200,
                                            "{\"code\":0,\"msg\":\"success\",\"data\":{}}", error,
                                            sizeof error),
                     0);
    QF_CHECK_EQ_INT (qf_notify_robot_check ("feishu_post", 200,
                                            "{\"StatusCode\":0,\"StatusMessage\":\"success\"}",
                                            error, sizeof error),
                     0);
    QF_CHECK_EQ_INT (qf_notify_robot_check ("wecom", 502, "bad\x1b[2Jgateway", error, sizeof error),
                     QF_EIO);
    QF_CHECK_STR (error, "robot wecom: HTTP 502: bad\\x1b[2Jgateway");
    QF_CHECK_EQ_INT (qf_notify_robot_check ("wecom", 200, "<html>ok</html>", error, sizeof error),
                     QF_EPROTO);
    QF_CHECK_EQ_INT (qf_notify_robot_check ("wecom", 200, "{\"ok\":true}", error, sizeof error),
                     QF_EPROTO);
    QF_CHECK_EQ_INT (qf_notify_robot_check ("wecom", 200, NULL, error, sizeof error), QF_EPROTO);
    QF_CHECK_EQ_INT (
        qf_notify_robot_check ("dingtalk", 200, "{\"errcode\":\"0\"}", error, sizeof error),
        QF_EPROTO);
}

/* Decodes every RFC 2047 B word of a folded header value (test's own,
   plain decoder): the concatenated text. */
static char *
s_decode_words (const char *value)
{
    static char out[4096];
    size_t used = 0;
    const char *p = value;
    while ((p = strstr (p, "=?UTF-8?B?")) != NULL) {
        p += 10;
        const char *end = strstr (p, "?=");
        size_t bin_len = 0;
        if (!end || sodium_base642bin ((unsigned char *)out + used, sizeof out - used - 1, p,
                                       (size_t)(end - p), NULL, &bin_len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL) != 0)
            return NULL;
        used += bin_len;
        p = end + 2;
    }
    out[used] = '\0';
    return out;
}

QF_TEST (header_encoding)
{
    const char *subject = "合同 #42 已签：请于三个工作日内完成交接 (Contract signed, hand over "
                          "within 3 working days) 😀";
    char *encoded = qf_notify_header_encode (subject, 9);
    QF_CHECK (encoded != NULL);
    /* Each line at most 76 columns (the first after "Subject: "), each
       word at most 75 characters. */
    size_t column = 9;
    for (const char *p = encoded; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            QF_CHECK (column <= 76);
            QF_CHECK (p[2] == ' ');
            column = 0;
            p++;
            continue;
        }
        column++;
    }
    QF_CHECK (column <= 76);
    QF_CHECK (strstr (encoded, "\r\n ") != NULL);
    QF_CHECK_STR (s_decode_words (encoded), subject);
    free (encoded);
    /* Controls become spaces; not UTF-8 is refused. */
    encoded = qf_notify_header_encode ("a\r\nBcc: x@y", 9);
    QF_CHECK_STR (s_decode_words (encoded), "a  Bcc: x@y");
    QF_CHECK (strchr (encoded, '\n') == NULL);
    free (encoded);
    QF_CHECK (qf_notify_header_encode ("\xff", 9) == NULL);
    encoded = qf_notify_header_encode ("", 9);
    QF_CHECK_STR (encoded, "");
    free (encoded);
}

/* The value of header `name` in the message's head (unfolded), or NULL. */
static char *
s_header (const char *message, const char *name)
{
    static char value[2048];
    size_t name_len = strlen (name);
    const char *p = message;
    while (*p && !(p[0] == '\r' && p[1] == '\n')) {
        const char *eol = strstr (p, "\r\n");
        if (strncmp (p, name, name_len) == 0 && p[name_len] == ':') {
            size_t used = 0;
            const char *q = p + name_len + 2;
            for (;;) {
                size_t n = (size_t)(eol - q);
                memcpy (value + used, q, n);
                used += n;
                if (eol[2] != ' ')
                    break;
                q = eol + 2;
                eol = strstr (q, "\r\n");
            }
            value[used] = '\0';
            return value;
        }
        p = eol + 2;
    }
    return NULL;
}

QF_TEST (email_message)
{
    qf_notify_smtp_t smtp = {.host = "127.0.0.1",
                             .port = 2525,
                             .tls = QF_SMTP_STARTTLS,
                             .user = "qualflow",
                             .password = "pw",
                             .domain = "qualflow.example"};
    json_t *to = json_pack ("[s, {s:s, s:s}, {s:s, s:s}]", "li.lei@example.com", "address",
                            "han.mei@example.com", "name", "韩梅", "address",
                            "operations.department.night.shift@subsidiary.example.com", "name",
                            "合肥分公司运营部夜班值班经理");
    qf_notify_email_t mail = {.from = "noreply@qualflow.example",
                              .from_name = "Qualflow 通知",
                              .to = to,
                              .subject = "合同已签 Contract signed",
                              .text = "第一行\n.\nline 3",
                              .html = NULL,
                              .event_id = "1042",
                              .msg_id = "msg_1042_mail",
                              .now_ms = NOW_MS};
    qf_notify_request_t request;
    char error[256];
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error), 0);
    QF_CHECK_STR (request.url, "smtp://127.0.0.1:2525/qualflow.example");
    QF_CHECK_EQ_INT (request.smtp, 1);
    QF_CHECK_EQ_INT (request.use_ssl, (long)CURLUSESSL_ALL);
    QF_CHECK_STR (request.mail_from, "<noreply@qualflow.example>");
    QF_CHECK_STR (request.rcpt->data, "<li.lei@example.com>");
    QF_CHECK_STR (request.rcpt->next->data, "<han.mei@example.com>");
    QF_CHECK (request.rcpt->next->next->next == NULL);
    QF_CHECK_STR (request.user, "qualflow");
    QF_CHECK_STR (request.password, "pw");
    const char *m = request.body;
    QF_CHECK_EQ_INT (strlen (m), request.body_size);
    /* Every line ends CRLF and none is longer than 78 + CRLF. */
    for (const char *p = m; *p;) {
        const char *eol = strstr (p, "\r\n");
        QF_CHECK (eol != NULL);
        QF_CHECK (eol - p <= 78);
        QF_CHECK (memchr (p, '\n', (size_t)(eol - p)) == NULL);
        p = eol + 2;
    }
    QF_CHECK_STR (s_decode_words (s_header (m, "Subject")), "合同已签 Contract signed");
    QF_CHECK (strstr (s_header (m, "From"), " <noreply@qualflow.example>"));
    QF_CHECK_STR (s_decode_words (s_header (m, "From")), "Qualflow 通知");
    QF_CHECK (strncmp (s_header (m, "To"), "li.lei@example.com, =?UTF-8?B?", 30) == 0);
    QF_CHECK (strstr (s_header (m, "To"), "?= <han.mei@example.com>,"));
    /* A long name and address: the address folded onto its own line. */
    QF_CHECK (strstr (m, "?=\r\n <operations.department.night.shift@subsidiary.example.com>\r\n"));
    QF_CHECK_STR (s_header (m, "Date"), "Thu, 01 Jan 2026 00:00:00 +0000");
    QF_CHECK_STR (s_header (m, "Message-ID"), "<qualflow.msg_1042_mail@qualflow.example>");
    QF_CHECK_STR (s_header (m, "MIME-Version"), "1.0");
    QF_CHECK (
        strncmp (s_header (m, "Content-Type"), "multipart/alternative; boundary=\"=_qf_", 38) == 0);
    QF_CHECK (strstr (m, "Content-Type: text/plain; charset=UTF-8\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n"));
    QF_CHECK (strstr (m, "Content-Type: text/html; charset=UTF-8\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n"));
    /* The text part decodes to the text with CRLF line ends. */
    const char *part = strstr (m, "text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: "
                                  "base64\r\n\r\n") +
                       63;
    const char *end = strstr (part, "\r\n\r\n--");
    unsigned char text[256];
    size_t text_len;
    QF_CHECK (sodium_base642bin (text, sizeof text - 1, part, (size_t)(end - part), "\r\n",
                                 &text_len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0);
    text[text_len] = '\0';
    QF_CHECK_STR ((char *)text, "第一行\r\n.\r\nline 3");
    QF_CHECK (strstr (m, "--\r\n") && strstr (m, "--=_qf_"));
    qf_notify_request_clear (&request);

    /* Opportunistic STARTTLS, implicit TLS, plain; no AUTH without a user. */
    smtp.tls = QF_SMTP_STARTTLS_TRY;
    smtp.user = NULL;
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error), 0);
    QF_CHECK_EQ_INT (request.use_ssl, (long)CURLUSESSL_TRY);
    QF_CHECK (request.user == NULL && request.password == NULL);
    qf_notify_request_clear (&request);
    smtp.tls = QF_SMTP_TLS;
    smtp.port = 0;
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error), 0);
    QF_CHECK_STR (request.url, "smtps://127.0.0.1:465/qualflow.example");
    qf_notify_request_clear (&request);
    smtp.tls = QF_SMTP_PLAIN;
    smtp.host = "::1";
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error), 0);
    QF_CHECK_STR (request.url, "smtp://[::1]:587/qualflow.example");
    QF_CHECK_EQ_INT (request.use_ssl, (long)CURLUSESSL_NONE);
    qf_notify_request_clear (&request);
    json_decref (to);
}

QF_TEST (email_refuses_injection)
{
    qf_notify_smtp_t smtp = {.host = "127.0.0.1", .port = 25, .domain = "q.example"};
    json_t *to = json_pack ("[s]", "a@example.com");
    qf_notify_email_t mail = {.from = "n@q.example",
                              .to = to,
                              .subject = "s",
                              .text = "t",
                              .event_id = "1",
                              .msg_id = "m",
                              .now_ms = NOW_MS};
    qf_notify_request_t request;
    char error[256];
    const char *bad_addresses[] = {"a@example.com\r\nBcc: x@y",
                                   "a b@example.com",
                                   "<a@example.com>",
                                   "a@example.com, c@d",
                                   "noat",
                                   "@example.com",
                                   "a@",
                                   "a@b@c",
                                   "ü@example.com",
                                   NULL};
    for (int i = 0; bad_addresses[i]; i++) {
        json_array_set_new (to, 0, json_string (bad_addresses[i]));
        QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error),
                         QF_EINVAL);
        QF_CHECK (strstr (error, "to[0]"));
        mail.from = bad_addresses[i];
        json_array_set_new (to, 0, json_string ("a@example.com"));
        QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error),
                         QF_EINVAL);
        QF_CHECK (strstr (error, "email: from must be"));
        mail.from = "n@q.example";
    }
    json_t *empty = json_array ();
    mail.to = empty;
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error),
                     QF_EINVAL);
    mail.to = to;
    json_decref (empty);
    smtp.host = "smtp.example/evil";
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error),
                     QF_EINVAL);
    smtp.host = "127.0.0.1";
    smtp.domain = "q.example>\r\nX: y";
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error),
                     QF_EINVAL);
    smtp.domain = "q.example";
    smtp.user = "u";
    smtp.password = NULL;
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error),
                     QF_EINVAL);
    smtp.user = NULL;
    QF_CHECK_EQ_INT (qf_notify_smtp_validate (&smtp, error, sizeof error), 0);
    smtp.port = 70000;
    QF_CHECK_EQ_INT (qf_notify_smtp_validate (&smtp, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "smtp port 70000 is not 1-65535"));
    smtp.port = 25;
    smtp.tls = (qf_notify_smtp_tls_t)9;
    QF_CHECK_EQ_INT (qf_notify_smtp_validate (&smtp, error, sizeof error), QF_EINVAL);
    smtp.tls = QF_SMTP_STARTTLS;
    QF_CHECK (qf_notify_address_valid ("li.lei+ops@example.com"));
    QF_CHECK (!qf_notify_address_valid ("li lei@example.com"));
    /* Ids with characters a Message-ID cannot hold are made safe. */
    mail.msg_id = "msg_1_ops desk<x>";
    QF_CHECK_EQ_INT (qf_notify_email_build (&smtp, &mail, &request, error, sizeof error), 0);
    QF_CHECK (strstr (request.body, "Message-ID: <qualflow.msg_1_ops-desk-x-@q.example>\r\n"));
    qf_notify_request_clear (&request);
    json_decref (to);
}

int
main (void)
{
    s_test_suite = "notify_channels";
    if (sodium_init () < 0)
        return 1;
    QF_RUN (wecom_markdown);
    QF_RUN (wecom_cut_to_4096_bytes);
    QF_RUN (dingtalk_signed_with_mentions);
    QF_RUN (dingtalk_cut_to_20000_bytes_keeping_mentions);
    QF_RUN (feishu_signed_card_and_post);
    QF_RUN (feishu_body_within_20_kb);
    QF_RUN (robot_arguments_checked);
    QF_RUN (robot_answers_read);
    QF_RUN (header_encoding);
    QF_RUN (email_message);
    QF_RUN (email_refuses_injection);
    return qf_test_done ();
}
