/*  qf_rules — the review rules of DOMAIN.md §4.2. */
#include "qf_rules.h"
#include "qf_error.h"
#include "qf_log.h"
#include "qf_time.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest piece of a record quoted in a finding: findings are text
   arguments of at most 4096 bytes, and a record's text can be that long. */
#define QUOTE_MAX       200
#define FINDING_MAX     1024
#define OPTIONS_MAX     256
#define SUGGESTIONS_MAX 1024

/* What a failed check may ask for besides correcting a field of the record
   with 'qual rectify' (review_t.actions). */
enum {
    ACT_CONFIGURE_AUTHORITY = 1,  /* a genuine authority may be missing from the configuration */
    ACT_CONFIGURE_INDUSTRIES = 2, /* the category's industries are missing from it */
    ACT_REJECT = 4,               /* the record may be right and the qualification unfit */
    ACT_AWAIT_POLICY = 8,         /* an active policy change covers the category */
};

/* One department's review in progress: what its checks found, and what
   would answer each finding. Owned by whoever runs the rule. */
typedef struct {
    json_t *findings;          /* the findings, text (borrowed) */
    char options[OPTIONS_MAX]; /* 'qual rectify' options of the fields found wrong,
                                    " --cert-no X --scope S" */
    unsigned actions;          /* ACT_* bits */
} review_t;

/* Cuts text at `max` bytes or less, never inside a UTF-8 sequence, and
   marks the cut with "...". Writes into buf (at least max + 4 bytes). */
static const char *
s_quote (const char *text, char *buf, size_t max)
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

/* Adds a 'qual rectify' option ("--cert-no X") to the review's, once. */
static void
s_option (review_t *review, const char *option)
{
    size_t used = strlen (review->options);
    if (option && !strstr (review->options, option) &&
        used + strlen (option) + 2 <= sizeof review->options)
        snprintf (review->options + used, sizeof review->options - used, " %s", option);
}

/* Appends one printf-formatted finding to the review's, with what answers
   it: the 'qual rectify' option of the field to correct (or NULL) and
   ACT_* bits. */
static void s_finding (review_t *review, const char *option, unsigned actions, const char *format,
                       ...) __attribute__ ((format (printf, 4, 5)));

static void
s_finding (review_t *review, const char *option, unsigned actions, const char *format, ...)
{
    s_option (review, option);
    review->actions |= actions;
    json_t *findings = review->findings;
    char text[FINDING_MAX];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    /* A cut at the buffer's end may split a character; drop the partial one. */
    char cut[FINDING_MAX + 4];
    json_t *value = json_string (s_quote (text, cut, sizeof text - 8));
    if (value)
        json_array_append_new (findings, value);
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

/* The record's text field, or NULL when absent or not a string. */
static const char *
s_text (json_t *record, const char *key)
{
    return json_string_value (json_object_get (record, key));
}

/* Whether the record's scope is stated; copies the trimmed scope to buf. */
static bool
s_scope (json_t *record, char *buf, size_t size)
{
    const char *scope = s_text (record, "scope");
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

/* The 'qual rectify' options of the fields the rules check. */
#define OPT_AUTHORITY "--authority A"
#define OPT_CERT_NO   "--cert-no X"
#define OPT_EXPIRES   "--expires YYYY-MM-DD"
#define OPT_SCOPE     "--scope S"
#define OPT_CATEGORY  "--category C"
#define OPT_COST      "--cost N"
#define OPT_REVENUE   "--revenue N"
#define OPT_INDUSTRY  "--industry I"

/* Checks the category is configured; returns it or NULL with a finding. */
static const qf_category_t *
s_category (const qf_config_t *cfg, json_t *record, review_t *review)
{
    char quote[QUOTE_MAX + 4];
    const char *name = s_text (record, "category");
    if (!name || !*name) {
        s_finding (review, OPT_CATEGORY, 0, "category is missing");
        return NULL;
    }
    const qf_category_t *category = qf_config_category (cfg, name);
    if (!category)
        s_finding (review, OPT_CATEGORY, 0,
                   "category %s is not configured; use one of the configured categories",
                   s_quote (name, quote, QUOTE_MAX));
    return category;
}

static bool
s_valid_args (const qf_config_t *cfg, json_t *qualification, json_t *findings)
{
    return cfg && json_is_object (qualification) && json_is_array (findings);
}

static int
s_legal (const qf_config_t *cfg, json_t *qualification, int32_t today, review_t *review)
{
    size_t before = json_array_size (review->findings);
    char quote[QUOTE_MAX + 4], quote2[QUOTE_MAX + 4];

    /* The issuer must be one we accept, and the number must look like its numbers. */
    const char *authority_name = s_text (qualification, "authority");
    const char *cert_no = s_text (qualification, "cert_no");
    const qf_authority_t *authority = NULL;
    if (!authority_name || !*authority_name)
        s_finding (review, OPT_AUTHORITY, 0, "issuing authority is missing");
    else {
        authority = qf_config_authority (cfg, authority_name);
        if (!authority)
            s_finding (review, OPT_AUTHORITY, ACT_CONFIGURE_AUTHORITY,
                       "authority %s is not on the list of allowed issuing authorities; "
                       "verify the certificate through official channels",
                       s_quote (authority_name, quote, QUOTE_MAX));
    }
    if (!cert_no || !*cert_no)
        s_finding (review, OPT_CERT_NO, 0, "certificate number is missing");
    else if (authority && regexec (&authority->regex, cert_no, 0, NULL, 0) != 0)
        s_finding (review, OPT_CERT_NO, 0,
                   "certificate number %s does not match the format of %s (%s)",
                   s_quote (cert_no, quote, QUOTE_MAX),
                   s_quote (authority->name, quote2, QUOTE_MAX), authority->pattern);

    /* The customer needs enough validity left to use what they buy. */
    const char *expires = s_text (qualification, "expires");
    int32_t expiry_day = 0;
    if (!expires || qf_date_parse (expires, &expiry_day) != 0)
        s_finding (review, OPT_EXPIRES, 0, "expiry date %s is not a valid date (YYYY-MM-DD)",
                   expires ? s_quote (expires, quote, QUOTE_MAX) : "(missing)");
    else {
        /* A certificate is valid until its expiry day begins (the daemon's
           "expired" timer fires then), so `remaining` counts today. */
        int64_t remaining = (int64_t)expiry_day - today;
        if (remaining == 0)
            s_finding (review, OPT_EXPIRES, ACT_REJECT,
                       "certificate expired on %s, today; it cannot be sold", expires);
        else if (remaining < 0)
            s_finding (review, OPT_EXPIRES, ACT_REJECT,
                       "certificate expired on %s, %lld days ago; it cannot be sold", expires,
                       (long long)-remaining);
        else if (remaining < cfg->min_validity_for_sale_days)
            s_finding (review, OPT_EXPIRES, ACT_REJECT,
                       "remaining validity of %lld days (expires %s) is less than the required "
                       "%d days",
                       (long long)remaining, expires, cfg->min_validity_for_sale_days);
    }

    /* The scope must be stated precisely, and be one the category allows. */
    char scope[4096 + 1];
    bool has_scope = s_scope (qualification, scope, sizeof scope);
    if (!has_scope)
        s_finding (review, OPT_SCOPE, 0,
                   "scope is empty; state the scope exactly as on the certificate");
    const qf_category_t *category = s_category (cfg, qualification, review);
    if (has_scope && category && category->scope_count > 0) {
        bool found = false;
        for (size_t i = 0; i < category->scope_count && !found; i++)
            found = strcmp (category->scopes[i], scope) == 0;
        if (!found) {
            char allowed[FINDING_MAX / 2] = "";
            size_t used = 0;
            for (size_t i = 0; i < category->scope_count && used < sizeof allowed; i++) {
                int n = snprintf (allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "",
                                  category->scopes[i]);
                if (n < 0)
                    break;
                used += (size_t)n;
            }
            s_finding (review, OPT_SCOPE, 0,
                       "scope %s is not one of the scopes of category %s (%s)",
                       s_quote (scope, quote, QUOTE_MAX), category->name, allowed);
        }
    }
    return json_array_size (review->findings) == before ? 1 : 0;
}

/* Reads a money field: 1 with the value, 0 when absent or null, -1 when
   present but not a number >= 0 (with a finding naming `option`). */
static int
s_amount (json_t *record, const char *key, const char *option, double *value_p, review_t *review)
{
    json_t *value = json_object_get (record, key);
    if (!value || json_is_null (value))
        return 0;
    if (!json_is_number (value) || json_number_value (value) < 0 ||
        !isfinite (json_number_value (value))) {
        s_finding (review, option, 0, "%s is not a number of at least 0", key);
        return -1;
    }
    *value_p = json_number_value (value);
    return 1;
}

/* Amounts and the minimum are decimals, but their binary forms are off by
   parts in 10^16: 8.04 / 6.70 computes 1.1999999999999997 for an exact 1.2.
   A ratio within one part in 10^12 of the minimum meets it, which still
   tells apart one fen in ten billion yuan. */
#define RATIO_SLACK 1e-12

/* Decimal places to show a ratio and its minimum with: at least 2, enough
   to write the minimum exactly and, when the ratio fails, to show it apart
   from the minimum ("1.1999 is below 1.2000", never "1.20 is below 1.20"). */
static int
s_ratio_places (double ratio, double minimum, bool meets)
{
    int places = 2;
    for (; places < 12; places++) {
        char shown[64], least[64];
        snprintf (least, sizeof least, "%.*f", places, minimum);
        snprintf (shown, sizeof shown, "%.*f", places, ratio);
        if (strtod (least, NULL) == minimum && (meets || strcmp (shown, least) != 0))
            break;
    }
    return places;
}

static int
s_finance (const qf_config_t *cfg, json_t *qualification, int32_t today, review_t *review)
{
    (void)today;
    double cost = 0, revenue = 0;
    int has_cost = s_amount (qualification, "acquisition_cost", OPT_COST, &cost, review);
    int has_revenue = s_amount (qualification, "expected_revenue", OPT_REVENUE, &revenue, review);
    if (has_cost < 0 || has_revenue < 0)
        return 0;
    if (!has_cost || !has_revenue) {
        /* §4.2: finance weighs cost against expected revenue; without them it cannot pass. */
        if (!has_cost)
            s_option (review, OPT_COST);
        s_finding (review, has_revenue ? NULL : OPT_REVENUE, 0,
                   "no cost data: %s not recorded; record them and resubmit",
                   !has_cost && !has_revenue ? "acquisition_cost and expected_revenue"
                   : !has_cost               ? "acquisition_cost"
                                             : "expected_revenue");
        return 0;
    }
    if (cost <= 0) {
        s_finding (review, OPT_COST, 0,
                   "acquisition cost is 0, so the return ratio (expected revenue %.15g / cost) "
                   "cannot be computed; record the real acquisition cost",
                   revenue);
        return 0;
    }
    double ratio = revenue / cost;
    bool meets = ratio >= cfg->min_return_ratio * (1 - RATIO_SLACK);
    int places = s_ratio_places (ratio, cfg->min_return_ratio, meets);
    if (meets) {
        s_finding (review, NULL, 0,
                   "return ratio %.*f (expected revenue %.15g / acquisition cost %.15g) meets "
                   "the minimum %.*f",
                   places, ratio, revenue, cost, places, cfg->min_return_ratio);
        return 1;
    }
    s_option (review, OPT_COST);
    s_finding (review, OPT_REVENUE, ACT_REJECT,
               "return ratio %.*f (expected revenue %.15g / acquisition cost %.15g) is below "
               "the minimum %.*f",
               places, ratio, revenue, cost, places, cfg->min_return_ratio);
    return 0;
}

static int
s_technical (const qf_config_t *cfg, json_t *qualification, int32_t today, review_t *review)
{
    (void)today;
    size_t before = json_array_size (review->findings);
    const qf_category_t *category = s_category (cfg, qualification, review);
    if (category && category->industry_count == 0)
        s_finding (review, NULL, ACT_CONFIGURE_INDUSTRIES,
                   "category %s serves no industry, so it cannot be used in practice; "
                   "configure the industries it serves",
                   category->name);
    char scope[4096 + 1];
    if (!s_scope (qualification, scope, sizeof scope))
        s_finding (review, OPT_SCOPE, 0, "scope is empty; state what the qualification covers");
    /* §4.2 feasibility in real use: it must serve the industry it is meant for. */
    const char *industry = json_string_value (json_object_get (qualification, "industry"));
    size_t fails = json_array_size (review->findings) - before;
    if (category && industry && *industry) {
        bool served = false;
        for (size_t i = 0; i < category->industry_count; i++)
            served = served || strcmp (category->industries[i], industry) == 0;
        if (!served) {
            s_finding (review, OPT_INDUSTRY, 0,
                       "category %s does not serve the industry %s; it serves %zu "
                       "configured industr%s (categories[].industries)",
                       category->name, industry, category->industry_count,
                       category->industry_count == 1 ? "y" : "ies");
            fails++;
        }
    } else if (category && fails == 0)
        s_finding (review, NULL, 0, "no industry recorded; category %s serves %zu industr%s",
                   category->name, category->industry_count,
                   category->industry_count == 1 ? "y" : "ies");
    return fails == 0 ? 1 : 0;
}

/* A department's rule as the review runs it, with what answers each
   finding. */
typedef int (*s_rule_fn) (const qf_config_t *cfg, json_t *qualification, int32_t today,
                          review_t *review);

/* The departments' rules: the public function and the one behind it. */
static const struct {
    const char *department;
    qf_rules_fn rule;
    s_rule_fn run;
} s_rules[] = {
    {"legal", qf_rules_legal, s_legal},
    {"finance", qf_rules_finance, s_finance},
    {"technical", qf_rules_technical, s_technical},
};
#define RULE_COUNT (sizeof s_rules / sizeof s_rules[0])

/* Runs department rule `index` on a qualification; findings only. */
static int
s_rule_findings (size_t index, const qf_config_t *cfg, json_t *qualification, int32_t today,
                 json_t *findings)
{
    if (!s_valid_args (cfg, qualification, findings))
        return QF_EINVAL;
    review_t review = {.findings = findings};
    return s_rules[index].run (cfg, qualification, today, &review);
}

int
qf_rules_legal (const qf_config_t *cfg, json_t *qualification, int32_t today, json_t *findings)
{
    return s_rule_findings (0, cfg, qualification, today, findings);
}

int
qf_rules_finance (const qf_config_t *cfg, json_t *qualification, int32_t today, json_t *findings)
{
    return s_rule_findings (1, cfg, qualification, today, findings);
}

int
qf_rules_technical (const qf_config_t *cfg, json_t *qualification, int32_t today, json_t *findings)
{
    return s_rule_findings (2, cfg, qualification, today, findings);
}

qf_rules_fn
qf_rules_for (const char *department)
{
    for (size_t i = 0; department && i < RULE_COUNT; i++)
        if (strcmp (department, s_rules[i].department) == 0)
            return s_rules[i].rule;
    return NULL;
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
    for (size_t i = 0; i < cfg->review_department_count; i++)
        if (strcmp (cfg->review_departments[i], department) == 0)
            return true;
    return false;
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
   wrong, then what else may be done. `policy` is the active policy change
   behind ACT_AWAIT_POLICY. */
static json_t *
s_suggestions (const review_t *review, json_int_t id, json_int_t policy)
{
    char text[SUGGESTIONS_MAX] = "";
    long long qid = (long long)id;
    if (review->options[0] || !review->actions)
        s_sentence (text, sizeof text,
                    "Correct the record with 'qualflow --as review qual rectify %lld%s', then send "
                    "it to review again with 'qualflow --as review qual submit %lld'.",
                    qid, review->options[0] ? review->options : " [options]", qid);
    if (review->actions & ACT_CONFIGURE_AUTHORITY)
        s_sentence (text, sizeof text,
                    "If the certificate is genuine and its authority is missing from the "
                    "configuration, add the authority (name and certificate-number pattern) to "
                    "authorities.");
    if (review->actions & ACT_CONFIGURE_INDUSTRIES)
        s_sentence (text, sizeof text,
                    "Configure the industries its category serves (categories[].industries), "
                    "then send it to review again with 'qualflow --as review qual submit %lld'.",
                    qid);
    if (review->actions & ACT_AWAIT_POLICY)
        s_sentence (text, sizeof text,
                    "Once policy change %lld is lifted ('qualflow policy list'), send it to "
                    "review again with 'qualflow --as review qual submit %lld'.",
                    (long long)policy, qid);
    if (review->actions & ACT_REJECT)
        s_sentence (text, sizeof text,
                    "If the record is right, management rejects it with 'qualflow --as "
                    "management qual reject %lld --reason TEXT'.",
                    qid);
    return json_string (text);
}

int
qf_rules_review (const qf_config_t *cfg, const char *department, qf_rules_fn rule, json_t *payload,
                 int32_t today, json_t **result_p, char *error, size_t error_size)
{
    if (error && error_size)
        error[0] = 0;
    if (!result_p)
        return QF_EINVAL;
    *result_p = NULL;
    if (!cfg || !department || !rule) {
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
    if (!s_department_asked (cfg, department, json_object_get (payload, "departments")))
        return 0;

    review_t review = {.findings = json_array ()};
    json_t *findings = review.findings;
    if (!findings)
        return QF_ENOMEM;
    /* A department's own rule also says what answers each finding. */
    size_t index = 0;
    while (index < RULE_COUNT && s_rules[index].rule != rule)
        index++;
    int verdict = index < RULE_COUNT ? s_rules[index].run (cfg, qualification, today, &review)
                                     : rule (cfg, qualification, today, findings);
    /* §7.2: no approval while an active policy change covers the category. */
    json_t *active = json_object_get (payload, "active_policies");
    json_int_t policy = json_integer_value (json_array_get (active, 0));
    if (verdict > 0 && strcmp (department, "legal") == 0 && json_array_size (active) > 0) {
        s_finding (&review, NULL, ACT_AWAIT_POLICY,
                   "category is under %zu active policy change%s (policy %lld); "
                   "wait until it is lifted",
                   json_array_size (active), json_array_size (active) == 1 ? "" : "s",
                   (long long)policy);
        verdict = 0;
    }
    if (verdict < 0) {
        json_decref (findings);
        if (error)
            snprintf (error, error_size, "rule failed: %s", qf_strerror (verdict));
        return verdict;
    }
    json_t *args =
        json_pack ("{s:I, s:I, s:s, s:s, s:o}", "qualification_id", json_integer_value (id),
                   "round", json_integer_value (round), "department", department, "verdict",
                   verdict ? "pass" : "fail", "findings", findings);
    if (!args)
        return QF_ENOMEM; /* json_pack's "o" consumed findings */
    if (!verdict) {
        json_t *suggestions = s_suggestions (&review, json_integer_value (id), policy);
        if (!suggestions || json_object_set_new (args, "suggestions", suggestions) != 0) {
            json_decref (args);
            return QF_ENOMEM;
        }
    }
    *result_p = json_pack ("{s:s, s:o}", "command", "review.report", "args", args);
    return *result_p ? 0 : QF_ENOMEM;
}

int
qf_rules_handle_review (const qf_config_t *cfg, const char *department,
                        const qf_worker_event_t *delivery, qf_outcome_t *outcome)
{
    if (!cfg || !department || !delivery || !outcome)
        return QF_EINVAL;
    if (strcmp (department, "legal") == 0 && strcmp (delivery->topic, "policy.changed") == 0) {
        /* §7.2: the legal department suspends what a policy change affects. */
        if (delivery->processed)
            return 0;
        json_t *id = json_object_get (json_object_get (delivery->payload, "policy"), "id");
        if (!json_is_integer (id))
            return qf_outcome_nack (outcome, 0, "malformed policy.changed payload: no policy.id");
        outcome->result =
            json_pack ("{s:s, s:{s:O}}", "command", "policy.apply", "args", "policy_id", id);
        qf_info ("policy %lld changed: suspending the qualifications it affects",
                 (long long)json_integer_value (id));
        return outcome->result ? 0 : QF_ENOMEM;
    }
    if (strcmp (delivery->topic, QF_REVIEW_REQUESTED) != 0)
        return 0;
    if (delivery->processed) {
        qf_debug ("seq %llu already reviewed by %s; acking without a new report",
                  (unsigned long long)delivery->seq, department);
        return 0;
    }
    qf_rules_fn rule = qf_rules_for (department);
    if (!rule)
        return qf_outcome_nack (outcome, 0, "no review rules for department %s", department);
    int32_t today = qf_date_from_ms (qf_time_now_ms (), cfg->utc_offset_minutes);
    char error[256];
    int rc = qf_rules_review (cfg, department, rule, delivery->payload, today, &outcome->result,
                              error, sizeof error);
    if (rc == QF_EINVAL) {
        qf_warn ("seq %llu %s (%s): %s; not a review request, NACKed",
                 (unsigned long long)delivery->seq, delivery->topic, delivery->subject, error);
        return qf_outcome_nack (outcome, 0, "malformed %s payload: %s", delivery->topic, error);
    }
    if (rc != 0)
        return qf_outcome_nack (outcome, 0, "%s review failed: %s", department, qf_strerror (rc));
    if (!outcome->result) {
        qf_debug ("%s not asked to review %s", department, delivery->subject);
        return 0;
    }
    json_t *args = json_object_get (outcome->result, "args");
    json_t *findings = json_object_get (args, "findings");
    qf_info ("%s review of qualification %lld round %lld: %s (%zu finding%s)", department,
             (long long)json_integer_value (json_object_get (args, "qualification_id")),
             (long long)json_integer_value (json_object_get (args, "round")),
             json_string_value (json_object_get (args, "verdict")), json_array_size (findings),
             json_array_size (findings) == 1 ? "" : "s");
    return 0;
}
