/*  qf_review — the review scaffold of the department workers (§4.2). */
#include "qf_review.h"
#include "qf_error.h"
#include "qf_log.h"
#include "qf_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SUGGESTIONS_MAX 1024

const char *
qf_review_quote (const char *text, char *buf, size_t max)
{
    size_t n = strlen (text);
    if (n <= max)
        return text;
    n = max;
    while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
        n--;
    memcpy (buf, text, n);
    memcpy (buf + n, "...", 4);
    return buf;
}

void
qf_review_option (qf_review_t *review, const char *option)
{
    size_t used = strlen (review->options);
    if (option && !strstr (review->options, option) &&
        used + strlen (option) + 2 <= sizeof review->options)
        snprintf (review->options + used, sizeof review->options - used, " %s", option);
}

void
qf_review_finding (qf_review_t *review, const char *option, unsigned actions, const char *format,
                   ...)
{
    qf_review_option (review, option);
    review->actions |= actions;
    char text[QF_REVIEW_FINDING_MAX];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    /* A cut at the buffer's end may split a character; drop the partial one. */
    char cut[QF_REVIEW_FINDING_MAX + 4];
    json_t *value = json_string (qf_review_quote (text, cut, sizeof text - 8));
    if (value)
        json_array_append_new (review->findings, value);
}

size_t
qf_review_count (const qf_review_t *review)
{
    return json_array_size (review->findings);
}

/* Whether the bytes at p start with a space we trim: ASCII white space,
   U+00A0 or U+3000 (the ideographic space of Chinese text). Returns its
   length or 0. */
static size_t
s_space_at (const unsigned char *p, size_t left)
{
    if (left >= 1 && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
        return 1;
    if (left >= 2 && p[0] == 0xc2 && p[1] == 0xa0)
        return 2;
    if (left >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
        return 3;
    return 0;
}

/* Finds text without leading and trailing spaces: start and length. */
static void
s_trim (const char *text, const char **start_p, size_t *size_p)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t size = strlen (text), k;
    while (size > 0 && (k = s_space_at (p, size)) > 0) {
        p += k;
        size -= k;
    }
    /* Trailing: test the last 1, 2 and 3 bytes. */
    bool trimmed = true;
    while (size > 0 && trimmed) {
        trimmed = false;
        for (size_t len = 1; len <= 3 && len <= size; len++)
            if (s_space_at (p + size - len, len) == len) {
                size -= len;
                trimmed = true;
                break;
            }
    }
    *start_p = (const char *)p;
    *size_p = size;
}

const char *
qf_review_text (json_t *record, const char *key)
{
    return json_string_value (json_object_get (record, key));
}

bool
qf_review_scope (json_t *record, char *buf, size_t size)
{
    const char *scope = qf_review_text (record, "scope");
    buf[0] = 0;
    if (!scope)
        return false;
    const char *start;
    size_t n;
    s_trim (scope, &start, &n);
    if (n == 0)
        return false;
    if (n >= size)
        n = size - 1;
    memcpy (buf, start, n);
    buf[n] = 0;
    return true;
}

const qf_category_t *
qf_review_category (const qf_config_t *cfg, json_t *record, qf_review_t *review)
{
    char quote[QF_REVIEW_QUOTE_MAX + 4];
    const char *name = qf_review_text (record, "category");
    if (!name || !*name) {
        qf_review_finding (review, QF_REVIEW_OPT_CATEGORY, 0, "category is missing");
        return NULL;
    }
    const qf_category_t *category = qf_qualification_category (cfg, name);
    if (!category)
        qf_review_finding (review, QF_REVIEW_OPT_CATEGORY, 0,
                           "category %s is not configured; use one of the configured categories",
                           qf_review_quote (name, quote, QF_REVIEW_QUOTE_MAX));
    return category;
}

int
qf_review_findings (const qf_config_t *cfg, const qf_review_department_t *department,
                    json_t *qualification, int32_t today, json_t *findings)
{
    if (!cfg || !department || !json_is_object (qualification) || !json_is_array (findings))
        return QF_EINVAL;
    qf_review_t review = {.findings = findings};
    return department->rule (cfg, qualification, NULL, today, &review);
}

/* Whether `department` is asked to review by this request. */
static bool
s_department_asked (const qf_config_t *cfg, const char *department, json_t *departments)
{
    if (json_is_array (departments)) {
        size_t i;
        json_t *name;
        json_array_foreach (departments, i, name) if (json_is_string (name) &&
                                                      strcmp (json_string_value (name),
                                                              department) == 0) return true;
        return false;
    }
    return qf_qualification_is_department (cfg, department);
}

/* Appends a printf-formatted sentence to `text` (of `size` bytes), after a
   space when it is not the first; a sentence that does not fit is cut. */
static void s_sentence (char *text, size_t size, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_sentence (char *text, size_t size, const char *format, ...)
{
    size_t used = strlen (text);
    if (used > 0 && used + 1 < size) {
        text[used++] = ' ';
        text[used] = 0;
    }
    va_list args;
    va_start (args, format);
    vsnprintf (text + used, size - used, format, args);
    va_end (args);
}

/* Builds the suggestions of a failed review of qualification `id`: what
   to do about the findings (they say what is wrong, so they are not
   repeated): the 'qual rectify' command that corrects the fields found
   wrong, then what else may be done. */
static json_t *
s_suggestions (const qf_review_t *review, json_int_t id)
{
    char text[SUGGESTIONS_MAX] = "";
    long long qid = (long long)id;
    if (review->options[0] || !review->actions)
        s_sentence (text, sizeof text,
                    "Correct the record with 'qualflow --as review qual rectify %lld%s', then send "
                    "it to review again with 'qualflow --as review qual submit %lld'.",
                    qid, review->options[0] ? review->options : " [options]", qid);
    if (review->actions & QF_REVIEW_CONFIGURE_AUTHORITY)
        s_sentence (text, sizeof text,
                    "If the certificate is genuine and its authority is missing from the "
                    "configuration, add the authority (name and certificate-number pattern) to "
                    "authorities.");
    if (review->actions & QF_REVIEW_CONFIGURE_INDUSTRIES)
        s_sentence (text, sizeof text,
                    "Configure the industries its category serves (categories[].industries), "
                    "then send it to review again with 'qualflow --as review qual submit %lld'.",
                    qid);
    if (review->actions & QF_REVIEW_AWAIT_POLICY)
        s_sentence (text, sizeof text,
                    "Once policy change %lld is lifted ('qualflow policy list'), send it to "
                    "review again with 'qualflow --as review qual submit %lld'.",
                    (long long)review->policy, qid);
    if (review->actions & QF_REVIEW_REJECT)
        s_sentence (text, sizeof text,
                    "If the record is right, management rejects it with 'qualflow --as "
                    "management qual reject %lld --reason TEXT'.",
                    qid);
    return json_string (text);
}

int
qf_review_run (const qf_config_t *cfg, const qf_review_department_t *department, json_t *payload,
               int32_t today, json_t **result_p, char *error, size_t error_size)
{
    if (error && error_size)
        error[0] = 0;
    if (!result_p)
        return QF_EINVAL;
    *result_p = NULL;
    if (!cfg || !department || !department->name || !department->rule) {
        if (error)
            snprintf (error, error_size, "no configuration, department or rule");
        return QF_EINVAL;
    }
    json_t *qualification = json_object_get (payload, "qualification");
    json_t *id = json_object_get (qualification, "id");
    json_t *round = json_object_get (payload, "round");
    if (!json_is_object (qualification) || !json_is_integer (id) || !json_is_integer (round)) {
        if (error)
            snprintf (error, error_size, "payload lacks %s",
                      !json_is_object (qualification) ? "a qualification object"
                      : !json_is_integer (id)         ? "qualification.id"
                                                      : "an integer round");
        return QF_EINVAL;
    }
    if (!s_department_asked (cfg, department->name, json_object_get (payload, "departments")))
        return 0;

    qf_review_t review = {.findings = json_array ()};
    json_t *findings = review.findings;
    if (!findings)
        return QF_ENOMEM;
    int verdict = department->rule (cfg, qualification, payload, today, &review);
    if (verdict < 0) {
        json_decref (findings);
        if (error)
            snprintf (error, error_size, "rule failed: %s", qf_strerror (verdict));
        return verdict;
    }
    json_t *args =
        json_pack ("{s:I, s:I, s:s, s:s, s:o}", "qualification_id", json_integer_value (id),
                   "round", json_integer_value (round), "department", department->name, "verdict",
                   verdict ? "pass" : "fail", "findings", findings);
    if (!args)
        return QF_ENOMEM; /* json_pack's "o" consumed findings */
    if (!verdict) {
        json_t *suggestions = s_suggestions (&review, json_integer_value (id));
        if (!suggestions || json_object_set_new (args, "suggestions", suggestions) != 0) {
            json_decref (args);
            return QF_ENOMEM;
        }
    }
    *result_p = json_pack ("{s:s, s:o}", "command", "review.report", "args", args);
    return *result_p ? 0 : QF_ENOMEM;
}

int
qf_review_handle (const qf_config_t *cfg, const qf_review_department_t *department,
                  const qf_worker_event_t *delivery, qf_outcome_t *outcome)
{
    if (!cfg || !department || !delivery || !outcome)
        return QF_EINVAL;
    int32_t today = qf_date_from_ms (qf_time_now_ms (), cfg->utc_offset_minutes);
    char error[256];
    int rc = qf_review_run (cfg, department, delivery->payload, today, &outcome->result, error,
                            sizeof error);
    if (rc == QF_EINVAL) {
        qf_warn ("seq %llu %s (%s): %s; not a review request, NACKed",
                 (unsigned long long)delivery->seq, delivery->topic, delivery->subject, error);
        return qf_outcome_nack (outcome, 0, "malformed %s payload: %s", delivery->topic, error);
    }
    if (rc != 0)
        return qf_outcome_nack (outcome, 0, "%s review failed: %s", department->name,
                                qf_strerror (rc));
    if (!outcome->result) {
        qf_debug ("%s not asked to review %s", department->name, delivery->subject);
        return 0;
    }
    json_t *args = json_object_get (outcome->result, "args");
    json_t *findings = json_object_get (args, "findings");
    qf_info ("%s review of qualification %lld round %lld: %s (%zu finding%s)", department->name,
             (long long)json_integer_value (json_object_get (args, "qualification_id")),
             (long long)json_integer_value (json_object_get (args, "round")),
             json_string_value (json_object_get (args, "verdict")), json_array_size (findings),
             json_array_size (findings) == 1 ? "" : "s");
    return 0;
}

int
qf_review_route (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome,
                 void *config)
{
    (void)worker;
    return qf_review_handle (config, delivery ? delivery->route : NULL, delivery, outcome);
}
