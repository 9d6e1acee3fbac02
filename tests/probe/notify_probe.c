/*  notify_probe — renders, builds and sends one notification with the
    notify worker's channel builders and libcurl, for the integration tests
    (tests/integration/test_s14_channels.py) that run real receivers on
    127.0.0.1 and check what arrived.

    Reads one JSON object on stdin:
      channel       "wecom" | "dingtalk" | "feishu" | "feishu_post" | "email"
      payload       the event's payload, filling the templates
      robots:       url, secret (optional), now_ms (optional: the clock),
                    title (template, plain), text (template, markdown),
                    mentions (optional array)
      email:        smtp {host, port, tls: starttls|starttls_try|tls|plain,
                    user, password, domain, ca_file}, from, from_name, to,
                    subject, text, html (templates; html optional),
                    event_id, msg_id, now_ms
    Writes one JSON object on stdout:
      {"built": bool, "error": "...", "curl": "...", "status": N,
       "answer": "...", "check": rc, "check_error": "...", "body_size": N}
    and exits 0 when the message was built and sent and its answer read
    as success, 1 otherwise (the JSON says which step failed).
*/
#include "notify/notify_channels.h"
#include "qf_error.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static size_t
s_collect (char *data, size_t size, size_t count, void *buf)
{
    qf_notify_buf_add (buf, data, size * count);
    return size * count;
}

static const char *
s_str (json_t *object, const char *key)
{
    return json_string_value (json_object_get (object, key));
}

/* `template` rendered with the payload, or NULL (the error in result). */
static char *
s_render (json_t *spec, const char *key, qf_notify_escape_t escape, json_t *result)
{
    const char *tmpl = s_str (spec, key);
    if (!tmpl)
        return NULL;
    char *out = NULL;
    char error[512];
    if (qf_notify_template_render (tmpl, json_object_get (spec, "payload"), escape, 0, &out, error,
                                   sizeof error) != 0) {
        json_object_set_new (result, "error", json_string (error));
        return NULL;
    }
    return out;
}

static int64_t
s_now_ms (json_t *spec)
{
    json_t *given = json_object_get (spec, "now_ms");
    if (json_is_integer (given))
        return json_integer_value (given);
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static qf_notify_smtp_tls_t
s_tls (const char *name)
{
    if (name && strcmp (name, "starttls_try") == 0)
        return QF_SMTP_STARTTLS_TRY;
    if (name && strcmp (name, "tls") == 0)
        return QF_SMTP_TLS;
    if (name && strcmp (name, "plain") == 0)
        return QF_SMTP_PLAIN;
    return QF_SMTP_STARTTLS;
}

/* Builds the request the spec asks for; 0 or the builder's code. */
static int
s_build (json_t *spec, qf_notify_request_t *request, json_t *result)
{
    const char *channel = s_str (spec, "channel");
    char error[512] = "";
    int rc = QF_EINVAL;
    if (channel && strcmp (channel, "email") == 0) {
        json_t *s = json_object_get (spec, "smtp");
        qf_notify_smtp_t smtp = {.host = s_str (s, "host"),
                                 .port = (int)json_integer_value (json_object_get (s, "port")),
                                 .tls = s_tls (s_str (s, "tls")),
                                 .user = s_str (s, "user"),
                                 .password = s_str (s, "password"),
                                 .domain = s_str (s, "domain"),
                                 .ca_file = s_str (s, "ca_file")};
        char *subject = s_render (spec, "subject", QF_ESCAPE_NONE, result);
        char *text = s_render (spec, "text", QF_ESCAPE_NONE, result);
        char *html = s_render (spec, "html", QF_ESCAPE_HTML, result);
        if (subject && text) {
            qf_notify_email_t mail = {.from = s_str (spec, "from"),
                                      .from_name = s_str (spec, "from_name"),
                                      .to = json_object_get (spec, "to"),
                                      .subject = subject,
                                      .text = text,
                                      .html = html,
                                      .event_id = s_str (spec, "event_id"),
                                      .msg_id = s_str (spec, "msg_id"),
                                      .now_ms = s_now_ms (spec)};
            rc = qf_notify_email_build (&smtp, &mail, request, error, sizeof error);
        }
        free (subject);
        free (text);
        free (html);
    } else {
        char *title = s_render (spec, "title", QF_ESCAPE_NONE, result);
        char *text = s_render (spec, "text", QF_ESCAPE_MARKDOWN, result);
        if (text)
            rc = qf_notify_robot_build (
                channel, s_str (spec, "url"), s_str (spec, "secret"), s_now_ms (spec), title, text,
                json_object_get (spec, "mentions"), request, error, sizeof error);
        free (title);
        free (text);
    }
    if (rc != 0 && error[0])
        json_object_set_new (result, "error", json_string (error));
    return rc;
}

int
main (void)
{
    json_error_t parse_error;
    json_t *spec = json_loadf (stdin, 0, &parse_error);
    if (!json_is_object (spec)) {
        fprintf (stderr, "notify_probe: stdin is not a JSON object: %s\n", parse_error.text);
        return 2;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    json_t *result = json_object ();
    qf_notify_request_t request = {0};
    int ok = 0;
    int rc = s_build (spec, &request, result);
    json_object_set_new (result, "built", json_boolean (rc == 0));
    if (rc == 0) {
        json_object_set_new (result, "body_size", json_integer ((json_int_t)request.body_size));
        CURL *easy = curl_easy_init ();
        qf_notify_buf_t answer = {0};
        qf_notify_buf_add (&answer, "", 0);
        char curl_error[CURL_ERROR_SIZE] = "";
        curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, curl_error);
        curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, s_collect);
        curl_easy_setopt (easy, CURLOPT_WRITEDATA, &answer);
        if (json_is_true (json_object_get (spec, "verbose")))
            curl_easy_setopt (easy, CURLOPT_VERBOSE, 1L);
        if (qf_notify_request_setup (&request, easy) != 0) {
            json_object_set_new (result, "curl", json_string ("setup refused"));
        } else {
            CURLcode code = curl_easy_perform (easy);
            long status = 0;
            curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
            json_object_set_new (result, "status", json_integer (status));
            json_object_set_new (result, "answer", json_string (answer.data ? answer.data : ""));
            if (code != CURLE_OK) {
                json_object_set_new (
                    result, "curl",
                    json_string (curl_error[0] ? curl_error : curl_easy_strerror (code)));
            } else if (request.smtp) {
                /* libcurl's SMTP succeeds only on the server's 250 to DATA. */
                ok = 1;
            } else {
                char error[512] = "";
                int check = qf_notify_robot_check (s_str (spec, "channel"), status, answer.data,
                                                   error, sizeof error);
                json_object_set_new (result, "check", json_integer (check));
                json_object_set_new (result, "check_error", json_string (error));
                ok = check == 0;
            }
        }
        free (answer.data);
        curl_easy_cleanup (easy);
    }
    char *out = json_dumps (result, JSON_COMPACT);
    puts (out);
    free (out);
    qf_notify_request_clear (&request);
    json_decref (result);
    json_decref (spec);
    curl_global_cleanup ();
    return ok ? 0 : 1;
}
