/*  test_notify_template — the notify worker's {{field}} substitution: values
    of every JSON type, dotted paths, each channel's escaping, the check made
    at configuration load (unknown field, malformed tag), and hostile input:
    unterminated and nested braces, control characters, a huge value held
    to the bound and cut between characters, never inside one.
*/
#include "notify/notify_channels.h"
#include "qf_error.h"
#include "qf_test.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The rendering of `tmpl` with `payload_json` (static buffer; "ERR: ..."
   when it fails). */
static const char *
s_render (const char *tmpl, const char *payload_json, qf_notify_escape_t escape)
{
    static char result[4096];
    json_t *payload = payload_json ? json_loads (payload_json, 0, NULL) : NULL;
    char *out = NULL;
    char error[256] = "";
    int rc = qf_notify_template_render (tmpl, payload, escape, 0, &out, error, sizeof error);
    if (rc == 0)
        snprintf (result, sizeof result, "%s", out);
    else
        snprintf (result, sizeof result, "ERR: %s", error);
    free (out);
    json_decref (payload);
    return result;
}

static const char *PAYLOAD =
    "{\"id\": 42, \"name\": \"合肥建工\", \"amount\": 1250.5, "
    "\"urgent\": true, \"closed\": false, \"note\": null, "
    "\"customer\": {\"name\": \"Li Lei\", \"address\": {\"city\": \"合肥\"}}, "
    "\"tags\": [\"a\", 2], \"big\": 12345678901234}";

QF_TEST (fills_every_type)
{
    QF_CHECK_STR (s_render ("#{{id}} {{name}}", PAYLOAD, QF_ESCAPE_NONE), "#42 合肥建工");
    QF_CHECK_STR (s_render ("{{amount}} {{urgent}} {{closed}} [{{note}}]", PAYLOAD, QF_ESCAPE_NONE),
                  "1250.5 true false []");
    QF_CHECK_STR (s_render ("{{big}} {{tags}}", PAYLOAD, QF_ESCAPE_NONE),
                  "12345678901234 [\"a\",2]");
    QF_CHECK_STR (
        s_render ("{{ customer.name }} in {{customer.address.city}}", PAYLOAD, QF_ESCAPE_NONE),
        "Li Lei in 合肥");
    /* A real is written in its shortest exact form. */
    QF_CHECK_STR (s_render ("{{x}}", "{\"x\": 0.1}", QF_ESCAPE_NONE), "0.1");
    QF_CHECK_STR (s_render ("{{x}}", "{\"x\": -2.5e-7}", QF_ESCAPE_NONE), "-2.5e-07");
}

QF_TEST (missing_values_are_empty)
{
    QF_CHECK_STR (s_render ("[{{nothing}}]", PAYLOAD, QF_ESCAPE_NONE), "[]");
    QF_CHECK_STR (s_render ("[{{customer.nothing.deeper}}]", PAYLOAD, QF_ESCAPE_NONE), "[]");
    /* A path through a string or an array finds nothing. */
    QF_CHECK_STR (s_render ("[{{name.first}}|{{tags.0}}]", PAYLOAD, QF_ESCAPE_NONE), "[|]");
    QF_CHECK_STR (s_render ("[{{a}}]", NULL, QF_ESCAPE_NONE), "[]");
    QF_CHECK_STR (s_render ("", PAYLOAD, QF_ESCAPE_NONE), "");
    QF_CHECK_STR (s_render ("no tags { here } }}", PAYLOAD, QF_ESCAPE_NONE), "no tags { here } }}");
}

QF_TEST (escapes_per_channel)
{
    const char *p = "{\"v\": \"<b>&'x'\\\"*_[l](u)#`|~!\\\\\"}";
    QF_CHECK_STR (s_render ("{{v}}", p, QF_ESCAPE_NONE), "<b>&'x'\"*_[l](u)#`|~!\\");
    QF_CHECK_STR (s_render ("<p>{{v}}</p>", p, QF_ESCAPE_HTML),
                  "<p>&lt;b&gt;&amp;&#39;x&#39;&quot;*_[l](u)#`|~!\\</p>");
    QF_CHECK_STR (s_render ("**{{v}}**", p, QF_ESCAPE_MARKDOWN),
                  "**\\<b\\>&'x'\"\\*\\_\\[l\\]\\(u\\)\\#\\`\\|\\~\\!\\\\**");
    QF_CHECK_STR (s_render ("{\"t\":\"{{v}}\"}", p, QF_ESCAPE_JSON),
                  "{\"t\":\"<b>&'x'\\\"*_[l](u)#`|~!\\\\\"}");
    /* The template's own text is never escaped. */
    QF_CHECK_STR (s_render ("<i>*{{id}}*</i>", PAYLOAD, QF_ESCAPE_HTML), "<i>*42*</i>");
}

QF_TEST (json_escape_reads_back)
{
    /* What the JSON escape writes, inside quotes, parses back to the value
       (controls, quotes, separators and all). */
    const char *value = "a\"b\\c\nd\te\rf\x01g\x1f h\x7f i\xc2\x85 j\xe2\x80\xa8k 合";
    json_t *payload = json_pack ("{s:s}", "v", value);
    char *out = NULL;
    QF_CHECK_EQ_INT (
        qf_notify_template_render ("[\"{{v}}\"]", payload, QF_ESCAPE_JSON, 0, &out, NULL, 0), 0);
    json_t *back = json_loads (out, 0, NULL);
    QF_CHECK (back != NULL);
    QF_CHECK_STR (json_string_value (json_array_get (back, 0)), value);
    QF_CHECK (strchr (out, '\n') == NULL && strchr (out, '\x01') == NULL);
    json_decref (back);
    json_decref (payload);
    free (out);
}

QF_TEST (controls_never_reach_a_channel)
{
    /* Escape sequences, bell, NUL inside a string, C1: dropped; newline and
       tab kept (a message has lines). */
    json_t *payload = json_object ();
    json_object_set_new (payload, "v",
                         json_stringn ("a\x1b[31mb\x07\x00"
                                       "c\r\nd\te\xc2\x9b",
                                       17));
    for (int escape = QF_ESCAPE_NONE; escape <= QF_ESCAPE_HTML; escape++) {
        char *out = NULL;
        QF_CHECK_EQ_INT (qf_notify_template_render ("{{v}}", payload, (qf_notify_escape_t)escape, 0,
                                                    &out, NULL, 0),
                         0);
        QF_CHECK_STR (out, escape == QF_ESCAPE_MARKDOWN ? "a\\[31mbc\nd\te" : "a[31mbc\nd\te");
        free (out);
    }
    char *out = NULL;
    QF_CHECK_EQ_INT (qf_notify_template_render ("{{v}}", payload, QF_ESCAPE_JSON, 0, &out, NULL, 0),
                     0);
    QF_CHECK_STR (out, "a\\u001b[31mb\\u0007\\u0000c\\r\\nd\\te\\u009b");
    free (out);
    json_decref (payload);
}

/* The error of rendering (and checking) `tmpl`, which must fail. */
static const char *
s_error_of (const char *tmpl)
{
    static char error[256];
    char *out = (char *)"untouched";
    error[0] = '\0';
    int rc = qf_notify_template_render (tmpl, NULL, QF_ESCAPE_NONE, 0, &out, error, sizeof error);
    if (rc != QF_EINVAL || out != NULL)
        return "render did not refuse";
    char again[256];
    if (qf_notify_template_check (tmpl, NULL, again, sizeof again) != QF_EINVAL ||
        strcmp (again, error) != 0)
        return "check did not refuse the same way";
    return error;
}

QF_TEST (malformed_templates_are_refused)
{
    QF_CHECK (strstr (s_error_of ("Hello {{name"), "tag opened at byte 6 is not closed"));
    QF_CHECK (strstr (s_error_of ("{{"), "tag opened at byte 0 is not closed"));
    QF_CHECK (strstr (s_error_of ("a {{name}\n}}"), "not closed"));
    QF_CHECK (strstr (s_error_of ("{{name\n}}"), "not closed"));
    QF_CHECK (strstr (s_error_of ("x {{}}"), "empty tag at byte 2"));
    QF_CHECK (strstr (s_error_of ("{{   }}"), "empty tag at byte 0"));
    QF_CHECK (strstr (s_error_of ("{{{name}}}"), "holds '{'"));
    QF_CHECK (strstr (s_error_of ("{{na me}}"), "not closed"));
    QF_CHECK (strstr (s_error_of ("{{a..b}}"), "empty part"));
    QF_CHECK (strstr (s_error_of ("{{.a}}"), "empty part"));
    QF_CHECK (strstr (s_error_of ("{{a.}}"), "ends with '.'"));
    QF_CHECK (strstr (s_error_of ("{{a\x01}}"), "holds 0x01"));
    QF_CHECK (strstr (s_error_of ("{{名}}"), "holds 0xe5"));
    QF_CHECK (strstr (s_error_of ("{{a.b.c.d.e.f.g.h.i}}"), "too long"));
    char long_name[300];
    memset (long_name, 'x', sizeof long_name);
    memcpy (long_name, "{{", 2);
    memcpy (long_name + sizeof long_name - 3, "}}", 3);
    QF_CHECK (strstr (s_error_of (long_name), "too long"));
    /* The error is kept whole in a small buffer's room, and NULL is fine. */
    QF_CHECK_EQ_INT (qf_notify_template_check ("{{", NULL, NULL, 0), QF_EINVAL);
    QF_CHECK_EQ_INT (qf_notify_template_check (NULL, NULL, NULL, 0), QF_EINVAL);
}

QF_TEST (check_refuses_unknown_fields)
{
    const char *const fields[] = {"id", "name", "customer.*", NULL};
    char error[256] = "";
    QF_CHECK_EQ_INT (qf_notify_template_check ("{{id}} {{ name }} {{customer.address.city}}",
                                               fields, error, sizeof error),
                     0);
    QF_CHECK_EQ_INT (qf_notify_template_check ("plain text", fields, error, sizeof error), 0);
    QF_CHECK_EQ_INT (qf_notify_template_check ("{{id}} {{amount}}", fields, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK_STR (error, "template: unknown field 'amount' at byte 7 (the event's payload has: "
                         "id, name, customer.*): use one of them");
    /* "customer.*" allows what is under customer, not customer itself nor
       a longer name that starts the same. */
    QF_CHECK_EQ_INT (qf_notify_template_check ("{{customer}}", fields, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (qf_notify_template_check ("{{customers.x}}", fields, error, sizeof error),
                     QF_EINVAL);
    QF_CHECK_EQ_INT (qf_notify_template_check ("{{ids}}", fields, error, sizeof error), QF_EINVAL);
    const char *const any[] = {"*", NULL};
    QF_CHECK_EQ_INT (qf_notify_template_check ("{{whatever.deep}}", any, error, sizeof error), 0);
    const char *const none[] = {NULL};
    QF_CHECK_EQ_INT (qf_notify_template_check ("{{id}}", none, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "has: no fields"));
}

QF_TEST (huge_output_is_bounded)
{
    /* A 1 MiB value repeated 64 times, bound at 256 KiB by default. */
    size_t big = 1024 * 1024;
    char *value = malloc (big + 1);
    QF_CHECK (value != NULL);
    for (size_t i = 0; i < big; i += 3)
        memcpy (value + i, i + 3 <= big ? "合" : "xx", i + 3 <= big ? 3 : big - i);
    value[big] = '\0';
    json_t *payload = json_pack ("{s:s}", "v", value);
    free (value);
    char tmpl[64 * 6 + 1] = "";
    for (int i = 0; i < 64; i++)
        strcat (tmpl, "{{v}}");
    char *out = NULL;
    QF_CHECK_EQ_INT (qf_notify_template_render (tmpl, payload, QF_ESCAPE_NONE, 0, &out, NULL, 0),
                     0);
    size_t len = strlen (out);
    QF_CHECK (len <= QF_NOTIFY_TEMPLATE_MAX && len > QF_NOTIFY_TEMPLATE_MAX - 8);
    QF_CHECK (strcmp (out + len - 3, "…") == 0);
    /* Cut between characters: the text before the marker is whole 合s. */
    QF_CHECK_EQ_INT ((len - 3) % 3, 0);
    QF_CHECK (memcmp (out + len - 6, "合", 3) == 0);
    free (out);
    /* A small bound: never inside an escape either. */
    json_t *amps = json_pack ("{s:s}", "v", "&&&&&&&&&&");
    QF_CHECK_EQ_INT (qf_notify_template_render ("{{v}}", amps, QF_ESCAPE_HTML, 16, &out, NULL, 0),
                     0);
    QF_CHECK_STR (out, "&amp;&amp;…");
    free (out);
    QF_CHECK_EQ_INT (qf_notify_template_render ("{{v}}", amps, QF_ESCAPE_HTML, 3, &out, NULL, 0),
                     QF_EINVAL);
    /* The template's own text is bounded too. */
    QF_CHECK_EQ_INT (
        qf_notify_template_render ("合合合合合合", NULL, QF_ESCAPE_NONE, 10, &out, NULL, 0), 0);
    QF_CHECK_STR (out, "合合…");
    free (out);
    json_decref (amps);
    json_decref (payload);
}

QF_TEST (truncate_on_utf8_boundary)
{
    char text[64];
    strcpy (text, "ab合合合");
    QF_CHECK_EQ_INT (qf_notify_truncate_utf8 (text, 100, "~"), 11);
    QF_CHECK_STR (text, "ab合合合");
    QF_CHECK_EQ_INT (qf_notify_truncate_utf8 (text, 8, "~"), 6);
    QF_CHECK_STR (text, "ab合~");
    strcpy (text, "ab合合合");
    QF_CHECK_EQ_INT (qf_notify_truncate_utf8 (text, 9, "~"), 9);
    QF_CHECK_STR (text, "ab合合~");
    strcpy (text, "😀😀");
    QF_CHECK_EQ_INT (qf_notify_truncate_utf8 (text, 7, NULL), 4);
    QF_CHECK_STR (text, "😀");
}

int
main (void)
{
    s_test_suite = "notify_template";
    QF_RUN (fills_every_type);
    QF_RUN (missing_values_are_empty);
    QF_RUN (escapes_per_channel);
    QF_RUN (json_escape_reads_back);
    QF_RUN (controls_never_reach_a_channel);
    QF_RUN (malformed_templates_are_refused);
    QF_RUN (check_refuses_unknown_fields);
    QF_RUN (huge_output_is_bounded);
    QF_RUN (truncate_on_utf8_boundary);
    return qf_test_done ();
}
