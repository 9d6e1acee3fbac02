/*  notify_robot — the group robots of WeCom, DingTalk and Feishu: the
    request each one's documentation asks for, signed where it is, cut to
    its documented size, and its JSON answer read (a 200 can be a failure).

    What was followed (each vendor's robot documentation):
    - WeCom group robot ("群机器人配置说明"): POST JSON
      {"msgtype":"markdown","markdown":{"content":...}}; content "最长不超过
      4096个字节，必须是utf8编码" (at most 4096 bytes, UTF-8); the answer
      {"errcode":0,"errmsg":"ok"}, a longer content being refused with
      errcode 40058 "markdown.content exceed max length 4096". Markdown
      messages mention with <@userid> only (mentioned_mobile_list is for
      text messages), so mobiles are not used there.
    - DingTalk custom robot ("自定义机器人安全设置" and "消息类型"): signed
      ("加签"): timestamp in milliseconds, string to sign "timestamp\nsecret",
      HmacSHA256 keyed by the secret, Base64, then urlEncode; sent as
      &timestamp=...&sign=... on the webhook URL. msgtype markdown with
      {"title","text"} and "at": {"atMobiles": [...], "isAtAll": bool};
      the mobile must also be written "@mobile" in the text for the mention
      to show. Text at most 20000 bytes: the limit quoted for the robot's
      markdown text (the message-type pages consulted did not print a
      number, so this is the figure integrators use). Answer
      {"errcode":0,"errmsg":"ok"} (310000 when the signature does not
      match).
    - Feishu custom bot ("自定义机器人使用指南"): signature check ("签名校验"):
      timestamp in seconds, "timestamp + \n + 密钥" as the HmacSHA256 key
      of an empty message, Base64; "timestamp" and "sign" in the JSON body
      beside msg_type; msg_type "interactive" with a "card", or "post" with
      content.post.zh_cn {title, content}; "发送消息时，请求体的数据大小不能
      超过 20 KB" (request body at most 20 KB: 20000 bytes taken, the
      lower reading). Answer {"code":0,"msg":"success"}, e.g. 19021 on a
      bad signature, 9499 on a bad request.
*/
#include "notify_channels.h"

#include "qf_error.h"
#include "qf_text.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_WECOM_MAX       4096
#define S_DINGTALK_MAX    20000
#define S_FEISHU_BODY_MAX 20000

typedef enum { S_WECOM, S_DINGTALK, S_FEISHU_CARD, S_FEISHU_POST, S_UNKNOWN } s_kind_t;

static s_kind_t
s_kind (const char *kind)
{
    if (!kind)
        return S_UNKNOWN;
    if (strcmp (kind, "wecom") == 0)
        return S_WECOM;
    if (strcmp (kind, "dingtalk") == 0)
        return S_DINGTALK;
    if (strcmp (kind, "feishu") == 0)
        return S_FEISHU_CARD;
    if (strcmp (kind, "feishu_post") == 0)
        return S_FEISHU_POST;
    return S_UNKNOWN;
}

/*  Base64 (standard, padded) of HMAC-SHA256(key, message) into out (at
    least 45 bytes). Returns 0 or QF_EIO when libsodium cannot start. */
static int
s_hmac_base64 (const char *key, size_t key_len, const char *message, size_t message_len, char *out,
               size_t out_size)
{
    if (sodium_init () < 0)
        return QF_EIO;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init (&state, (const unsigned char *)key, key_len);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)message, message_len);
    crypto_auth_hmacsha256_final (&state, mac);
    sodium_bin2base64 (out, out_size, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero (&state, sizeof state);
    return 0;
}

/*  Whether `mobile` is 5 to 20 digits with an optional leading '+'. */
static bool
s_mobile_valid (const char *mobile)
{
    const char *p = mobile[0] == '+' ? mobile + 1 : mobile;
    size_t n = strlen (p);
    if (n < 5 || n > 20)
        return false;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/*  The title as markdown text (its markdown characters escaped). */
static char *
s_markdown_of (const char *plain)
{
    json_t *payload = json_pack ("{s:s}", "t", plain);
    char *out = NULL;
    if (payload)
        qf_notify_template_render ("{{t}}", payload, QF_ESCAPE_MARKDOWN, 0, &out, NULL, 0);
    json_decref (payload);
    return out;
}

/*  A copy of `text` cut to max_bytes with the truncation marker. */
static char *
s_cut_copy (const char *text, size_t max_bytes)
{
    char *copy = strdup (text);
    if (copy)
        qf_notify_truncate_utf8 (copy, max_bytes, QF_NOTIFY_TRUNCATED);
    return copy;
}

static char *
s_concat (const char *a, const char *b, const char *c)
{
    size_t la = strlen (a), lb = strlen (b), lc = strlen (c);
    char *out = malloc (la + lb + lc + 1);
    if (out) {
        memcpy (out, a, la);
        memcpy (out + la, b, lb);
        memcpy (out + la + lb, c, lc + 1);
    }
    return out;
}

/*  The WeCom body: the title in bold as the first line, then the text, the
    whole content at most 4096 bytes. */
static json_t *
s_wecom_body (const char *title, const char *text)
{
    char *title_md = title && *title ? s_markdown_of (title) : strdup ("");
    if (!title_md)
        return NULL;
    char *content = *title_md ? s_concat ("**", title_md, "**\n") : strdup ("");
    free (title_md);
    char *whole = content ? s_concat (content, text, "") : NULL;
    free (content);
    if (!whole)
        return NULL;
    qf_notify_truncate_utf8 (whole, S_WECOM_MAX, QF_NOTIFY_TRUNCATED);
    json_t *body =
        json_pack ("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content", whole);
    free (whole);
    return body;
}

/*  The DingTalk body: markdown {title, text}, at.atMobiles; each mobile
    also written "@mobile" at the end of the text (kept whole when the text
    is cut), the whole text at most 20000 bytes. */
static json_t *
s_dingtalk_body (const char *title, const char *text, json_t *mentions)
{
    json_t *mobiles = json_array ();
    bool at_all = false;
    char suffix[1024] = "";
    size_t used = 0;
    size_t i;
    json_t *item;
    json_array_foreach (mentions, i, item)
    {
        const char *m = json_string_value (item);
        if (strcmp (m, "@all") == 0) {
            at_all = true;
            continue;
        }
        /* A mobile is at most 21 bytes; past 1000 bytes of mentions the
           rest are still in atMobiles, only not written in the text. */
        if (used + strlen (m) + 3 < sizeof suffix) {
            used += (size_t)snprintf (suffix + used, sizeof suffix - used, "%s@%s",
                                      used ? " " : "\n\n", m);
        }
        json_array_append_new (mobiles, json_string (m));
    }
    char *cut = s_cut_copy (text, S_DINGTALK_MAX - used);
    char *whole = cut ? s_concat (cut, suffix, "") : NULL;
    free (cut);
    json_t *body = NULL;
    if (whole && mobiles)
        body = json_pack ("{s:s, s:{s:s, s:s}, s:{s:O, s:b}}", "msgtype", "markdown", "markdown",
                          "title", title && *title ? title : "qualflow", "text", whole, "at",
                          "atMobiles", mobiles, "isAtAll", at_all);
    free (whole);
    json_decref (mobiles);
    return body;
}

/*  The Feishu body (card or post) with `text` as it is. */
static json_t *
s_feishu_body (s_kind_t kind, const char *title, const char *text, bool at_all)
{
    const char *heading = title && *title ? title : "qualflow";
    if (kind == S_FEISHU_CARD) {
        char *content = at_all ? s_concat (text, "\n<at id=all></at>", "") : strdup (text);
        if (!content)
            return NULL;
        json_t *body =
            json_pack ("{s:s, s:{s:{s:b}, s:{s:{s:s, s:s}, s:s}, s:[{s:s, s:{s:s, s:s}}]}}",
                       "msg_type", "interactive", "card", "config", "wide_screen_mode", 1, "header",
                       "title", "tag", "plain_text", "content", heading, "template", "blue",
                       "elements", "tag", "div", "text", "tag", "lark_md", "content", content);
        free (content);
        return body;
    }
    json_t *paragraph = json_pack ("[{s:s, s:s}]", "tag", "text", "text", text);
    if (paragraph && at_all)
        json_array_append_new (paragraph, json_pack ("{s:s, s:s}", "tag", "at", "user_id", "all"));
    json_t *body = paragraph
                       ? json_pack ("{s:s, s:{s:{s:{s:s, s:[o]}}}}", "msg_type", "post", "content",
                                    "post", "zh_cn", "title", heading, "content", paragraph)
                       : NULL;
    return body;
}

/*  The Feishu body for `text`, signed when a secret is given, as JSON
    text into *dumped (caller frees). Returns 0, QF_EINVAL, QF_EIO or
    QF_ENOMEM with the error. */
static int
s_feishu_dump (s_kind_t kind, const char *title, const char *text, bool at_all, const char *secret,
               int64_t now_ms, char **dumped, char *error, size_t error_size)
{
    *dumped = NULL;
    json_t *body = s_feishu_body (kind, title, text, at_all);
    if (!body) {
        qf_notify_error (error, error_size, "robot feishu: out of memory");
        return QF_ENOMEM;
    }
    if (secret) {
        char key[64 + 1024], stamp[32], signature[64];
        int n = snprintf (key, sizeof key, "%" PRId64 "\n%s", now_ms / 1000, secret);
        if (n < 0 || (size_t)n >= sizeof key) {
            json_decref (body);
            qf_notify_error (error, error_size, "robot feishu: secret is over 1000 bytes");
            return QF_EINVAL;
        }
        int rc = s_hmac_base64 (key, (size_t)n, "", 0, signature, sizeof signature);
        sodium_memzero (key, sizeof key);
        if (rc != 0) {
            json_decref (body);
            qf_notify_error (error, error_size, "robot feishu: libsodium did not start");
            return rc;
        }
        snprintf (stamp, sizeof stamp, "%" PRId64, now_ms / 1000);
        json_object_set_new (body, "timestamp", json_string (stamp));
        json_object_set_new (body, "sign", json_string (signature));
    }
    *dumped = json_dumps (body, JSON_COMPACT);
    json_decref (body);
    if (!*dumped) {
        qf_notify_error (error, error_size, "robot feishu: out of memory");
        return QF_ENOMEM;
    }
    return 0;
}

int
qf_notify_robot_validate (const char *kind, const char *url, const char *secret, char *error,
                          size_t error_size)
{
    s_kind_t k = s_kind (kind);
    if (k == S_UNKNOWN) {
        qf_notify_error (error, error_size,
                         "robot: unknown kind '%s' (one of wecom, dingtalk, feishu, feishu_post)",
                         kind ? kind : "(none)");
        return QF_EINVAL;
    }
    size_t scheme = url && strncmp (url, "http://", 7) == 0    ? 7
                    : url && strncmp (url, "https://", 8) == 0 ? 8
                                                               : 0;
    if (!scheme || !url[scheme] || url[scheme] == '/' || strlen (url) > 2048 ||
        strpbrk (url, " \r\n\t")) {
        qf_notify_error (
            error, error_size,
            "robot %s: url must be https:// (or http://) with a host, at most 2048 bytes and "
            "no space: give the robot's webhook address",
            kind);
        return QF_EINVAL;
    }
    if (secret && (!*secret || strlen (secret) > 1000)) {
        qf_notify_error (error, error_size,
                         "robot %s: secret is empty or over 1000 bytes (leave it out for an "
                         "unsigned robot)",
                         kind);
        return QF_EINVAL;
    }
    if (secret && k == S_WECOM) {
        qf_notify_error (error, error_size,
                         "robot wecom: WeCom group robots are not signed (the key is in the url): "
                         "remove the secret");
        return QF_EINVAL;
    }
    return 0;
}

int
qf_notify_robot_build (const char *kind, const char *url, const char *secret, int64_t now_ms,
                       const char *title, const char *text, json_t *mentions,
                       qf_notify_request_t *request, char *error, size_t error_size)
{
    s_kind_t k = s_kind (kind);
    if (!request) {
        qf_notify_error (error, error_size, "robot: no request to fill (programming error)");
        return QF_EINVAL;
    }
    memset (request, 0, sizeof *request);
    int rc = qf_notify_robot_validate (kind, url, secret, error, error_size);
    if (rc != 0)
        return rc;
    if (!text) {
        qf_notify_error (error, error_size, "robot %s: no text to send", kind);
        return QF_EINVAL;
    }
    if (now_ms < 0) {
        qf_notify_error (error, error_size, "robot %s: time %" PRId64 " before 1970", kind, now_ms);
        return QF_EINVAL;
    }
    bool at_all = false;
    if (mentions) {
        if (!json_is_array (mentions)) {
            qf_notify_error (error, error_size, "robot %s: mentions must be a list of strings",
                             kind);
            return QF_EINVAL;
        }
        size_t i;
        json_t *item;
        json_array_foreach (mentions, i, item)
        {
            const char *m = json_string_value (item);
            if (!m) {
                qf_notify_error (error, error_size, "robot %s: mentions[%zu] is not a string", kind,
                                 i);
                return QF_EINVAL;
            }
            if (strcmp (m, "@all") == 0)
                at_all = true;
            else if (k == S_DINGTALK && !s_mobile_valid (m)) {
                char shown[64];
                qf_text_escape (m, QF_TEXT_PLAIN, shown, sizeof shown);
                qf_notify_error (
                    error, error_size,
                    "robot dingtalk: mentions[%zu] '%s' is not a mobile number (5 to 20 "
                    "digits, optional leading '+') nor \"@all\"",
                    i, shown);
                return QF_EINVAL;
            }
        }
    }

    rc = QF_ENOMEM;
    json_t *body = NULL;
    char *dumped = NULL;
    char signature[64];
    if (k == S_WECOM) {
        body = s_wecom_body (title, text);
    } else if (k == S_DINGTALK) {
        body = s_dingtalk_body (title, text, mentions);
    } else {
        /* The limit is on the whole body, JSON escapes included: the
           longest cut of the text whose body fits, found by halving. */
        rc = s_feishu_dump (k, title, text, at_all, secret, now_ms, &dumped, error, error_size);
        if (rc == 0 && strlen (dumped) > S_FEISHU_BODY_MAX) {
            size_t fits = 0, over = strlen (text);
            while (rc == 0 && fits + 1 < over) {
                size_t middle = fits + (over - fits) / 2;
                char *cut = strdup (text);
                char *trial = NULL;
                if (!cut) {
                    rc = QF_ENOMEM;
                    break;
                }
                qf_notify_truncate_utf8 (cut, middle, QF_NOTIFY_TRUNCATED);
                rc = s_feishu_dump (k, title, cut, at_all, secret, now_ms, &trial, error,
                                    error_size);
                free (cut);
                if (rc == 0 && strlen (trial) <= S_FEISHU_BODY_MAX) {
                    fits = middle;
                    free (dumped);
                    dumped = trial;
                } else {
                    over = middle;
                    free (trial);
                }
            }
            if (rc == 0 && strlen (dumped) > S_FEISHU_BODY_MAX) {
                qf_notify_error (error, error_size,
                                 "robot %s: the title alone is over the 20 KB body limit", kind);
                rc = QF_EINVAL;
            }
        }
        if (rc != 0)
            goto fail;
        rc = QF_ENOMEM;
    }
    if (!dumped && body)
        dumped = json_dumps (body, JSON_COMPACT);
    if (!dumped)
        goto fail;

    if (k == S_DINGTALK && secret) {
        size_t key_len = strlen (secret);
        char *to_sign = malloc (32 + key_len);
        if (!to_sign)
            goto fail;
        int n = snprintf (to_sign, 32 + key_len, "%" PRId64 "\n%s", now_ms, secret);
        int signed_rc =
            s_hmac_base64 (secret, key_len, to_sign, (size_t)n, signature, sizeof signature);
        sodium_memzero (to_sign, (size_t)n);
        free (to_sign);
        if (signed_rc != 0) {
            rc = QF_EIO;
            qf_notify_error (error, error_size, "robot %s: libsodium did not start", kind);
            goto fail;
        }
        char *escaped = curl_easy_escape (NULL, signature, 0);
        if (!escaped)
            goto fail;
        size_t size = strlen (url) + strlen (escaped) + 64;
        request->url = malloc (size);
        if (request->url)
            snprintf (request->url, size, "%s%stimestamp=%" PRId64 "&sign=%s", url,
                      strchr (url, '?') ? "&" : "?", now_ms, escaped);
        curl_free (escaped);
    } else {
        request->url = strdup (url);
    }
    if (!request->url)
        goto fail;
    request->headers = curl_slist_append (NULL, "Content-Type: application/json; charset=utf-8");
    /* No "Expect: 100-continue" round trip before a body over 1 KiB. */
    struct curl_slist *more =
        request->headers ? curl_slist_append (request->headers, "Expect:") : NULL;
    if (!more)
        goto fail;
    request->headers = more;
    request->body = dumped;
    request->body_size = strlen (dumped);
    dumped = NULL;
    json_decref (body);
    return 0;

fail:
    if (rc == QF_ENOMEM)
        qf_notify_error (error, error_size, "robot %s: out of memory", kind);
    free (dumped);
    json_decref (body);
    qf_notify_request_clear (request);
    return rc;
}

int
qf_notify_robot_check (const char *kind, long http_status, const char *answer, char *error,
                       size_t error_size)
{
    s_kind_t k = s_kind (kind);
    if (k == S_UNKNOWN) {
        qf_notify_error (error, error_size, "robot: unknown kind '%s'", kind ? kind : "(none)");
        return QF_EINVAL;
    }
    char shown[200];
    qf_text_escape (answer ? answer : "", QF_TEXT_PLAIN, shown, sizeof shown);
    if (http_status < 200 || http_status > 299) {
        qf_notify_error (error, error_size, "robot %s: HTTP %ld: %s", kind, http_status, shown);
        return QF_EIO;
    }
    json_error_t parse_error;
    json_t *root = answer ? json_loads (answer, JSON_DECODE_ANY, &parse_error) : NULL;
    if (!json_is_object (root)) {
        json_decref (root);
        qf_notify_error (error, error_size,
                         "robot %s: HTTP %ld but the answer is not a JSON object: %s", kind,
                         http_status, shown);
        return QF_EPROTO;
    }
    const char *code_key = k == S_FEISHU_CARD || k == S_FEISHU_POST ? "code" : "errcode";
    const char *message_key = k == S_FEISHU_CARD || k == S_FEISHU_POST ? "msg" : "errmsg";
    json_t *code = json_object_get (root, code_key);
    if (!code && code_key[0] == 'c') {
        /* Feishu's older answers carry StatusCode / StatusMessage only. */
        code = json_object_get (root, "StatusCode");
        message_key = "StatusMessage";
    }
    if (!json_is_integer (code)) {
        json_decref (root);
        qf_notify_error (error, error_size, "robot %s: HTTP %ld but the answer has no %s: %s", kind,
                         http_status, code_key, shown);
        return QF_EPROTO;
    }
    json_int_t value = json_integer_value (code);
    if (value == 0) {
        json_decref (root);
        return 0;
    }
    char message[200];
    qf_text_escape (json_string_value (json_object_get (root, message_key)), QF_TEXT_PLAIN, message,
                    sizeof message);
    qf_notify_error (error, error_size, "robot %s: %s %" JSON_INTEGER_FORMAT ": %s", kind, code_key,
                     value, message);
    json_decref (root);
    return QF_EIO;
}
