/*  test_rules — the departments' review rules (workers/legal/,
    workers/finance/, workers/technical/) and the review scaffold that runs
    them (workers/qf_review.c) over a real,
    loaded configuration: each department's checks, the findings' wording,
    and the review.report a worker sends.

    The configuration is a small YAML text loaded with qf_test_config
    (through a temporary file and qf_config_load), so the rules see exactly
    what a worker sees in production. "Today" is fixed at 2026-01-01.
*/
#include "qf_config.h"
#include "qf_error.h"
#include "finance/finance_rules.h"
#include "legal/legal_rules.h"
#include "qf_review.h"
#include "technical/technical_rules.h"
#include "qf_test.h"
#include "qf_test_config.h"
#include "qf_time.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTHORITY "安徽省住房和城乡建设厅"
#define PATTERN   "^D234[0-9]{6}$"
#define SCOPE     "建筑工程施工总承包二级"
/* The costliest kind of pattern the configuration accepts (qf_pattern.h):
   an optional atom repeated up to the size limit. */
#define LARGEST "^(.?){84}#$"

/* The policy section goes before this; main() loads it with two. */
static const char *s_yaml = "authorities:\n"
                            "  - name: " AUTHORITY "\n"
                            "    pattern: '" PATTERN "'\n"
                            "  - name: 合肥市市场监督管理局\n"
                            "    pattern: '^HF-[0-9]{4}$'\n"
                            "  - name: 最大格式局\n"
                            "    pattern: '" LARGEST "'\n"
                            "categories:\n"
                            "  - name: construction-general\n"
                            "    scopes: [" SCOPE ", 建筑工程施工总承包三级]\n"
                            "    industries: [construction, real-estate]\n"
                            "  - name: safety-permit\n"
                            "    industries: [construction]\n"
                            "  - name: museum-curation\n"
                            "    scopes: []\n"
                            "    industries: []\n";

static qf_config_t *s_config = NULL;
static int32_t s_today = 0;

/* A qualification every department passes; tests change one thing. */
static json_t *
s_good (void)
{
    return json_pack ("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:i}", "id", 7,
                      "name", "二级总承包", "cert_no", "D234000001", "authority", AUTHORITY,
                      "category", "construction-general", "scope", SCOPE, "issued", "2025-01-01",
                      "expires", "2030-01-01", "acquisition_cost", 100000, "expected_revenue",
                      180000, "state", "in_review", "round", 1);
}

static void
s_set (json_t *record, const char *key, json_t *value)
{
    json_object_set_new (record, key, value);
}

/* Whether some finding contains every one of the NULL-terminated needles. */
static bool
s_found (json_t *findings, ...)
{
    size_t i;
    json_t *item;
    json_array_foreach (findings, i, item)
    {
        const char *text = json_string_value (item);
        if (!text)
            continue;
        bool all = true;
        va_list args;
        va_start (args, findings);
        for (const char *needle; (needle = va_arg (args, const char *)) != NULL;)
            if (!strstr (text, needle))
                all = false;
        va_end (args);
        if (all)
            return true;
    }
    return false;
}

/* The findings of the last s_run; global so a failed check returns
   without a leak, and dumped after a failed test so CI shows the cause. */
static json_t *s_findings = NULL;

/* The same configuration with policy.min_validity_for_sale_days 0 and
   policy.min_return_ratio 1.1, for the edges those values have. */
static qf_config_t *s_config_zero = NULL;

/* Runs `rule`'s checks under `config` on `record` (consumed); returns the
   verdict. */
static int
s_run_with (const qf_config_t *config, const qf_review_department_t *rule, json_t *record)
{
    json_array_clear (s_findings);
    int verdict = qf_review_findings (config, rule, record, s_today, s_findings);
    json_decref (record);
    return verdict;
}

static int
s_run (const qf_review_department_t *rule, json_t *record)
{
    return s_run_with (s_config, rule, record);
}

#define RUN(name)                                                                                  \
    do {                                                                                           \
        json_array_clear (s_findings);                                                             \
        QF_RUN (name);                                                                             \
        if (s_test_current_failed) {                                                               \
            char *_text = json_dumps (s_findings, 0);                                              \
            printf ("# %s findings: %s\n", #name, _text ? _text : "?");                            \
            free (_text);                                                                          \
        }                                                                                          \
    } while (0)

QF_TEST (legal_good_passes)
{
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, s_good ()), 1);
    QF_CHECK_EQ_INT (json_array_size (s_findings), 0);
}

QF_TEST (finance_good_passes_with_ratio)
{
    QF_CHECK_EQ_INT (s_run (&qf_finance_review, s_good ()), 1);
    QF_CHECK (s_found (s_findings, "1.80", "meets", NULL));
}

QF_TEST (technical_good_passes)
{
    QF_CHECK_EQ_INT (s_run (&qf_technical_review, s_good ()), 1);
    QF_CHECK (s_found (s_findings, "no industry recorded", NULL));
}

QF_TEST (technical_served_industry_passes_clean)
{
    json_t *record = s_good ();
    s_set (record, "industry", json_string ("real-estate"));
    QF_CHECK_EQ_INT (s_run (&qf_technical_review, record), 1);
    QF_CHECK_EQ_INT (json_array_size (s_findings), 0);
}

QF_TEST (technical_unserved_industry_fails)
{
    json_t *record = s_good ();
    s_set (record, "industry", json_string ("mining"));
    QF_CHECK_EQ_INT (s_run (&qf_technical_review, record), 0);
    QF_CHECK (s_found (s_findings, "does not serve the industry mining", NULL));
}

QF_TEST (legal_wrong_cert_pattern_fails)
{
    json_t *record = s_good ();
    s_set (record, "cert_no", json_string ("D23"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    bool named = s_found (
        s_findings,
        "certificate number D23 does not match the format of " AUTHORITY " (" PATTERN ")", NULL);
    QF_CHECK (named);
    QF_CHECK_EQ_INT (json_array_size (s_findings), 1);
}

QF_TEST (legal_cert_of_other_authority_fails)
{
    /* A valid number of another allowed authority is still the wrong format. */
    json_t *record = s_good ();
    s_set (record, "cert_no", json_string ("HF-1234"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "HF-1234", "does not match", NULL));
}

QF_TEST (legal_largest_pattern_with_longest_number)
{
    /* The legal worker matches a 128-byte number (the most qual.add takes)
       against the largest pattern loading allows, and answers. */
    char number[129];
    memset (number, 'x', 128);
    number[128] = '\0';
    json_t *record = s_good ();
    s_set (record, "authority", json_string ("最大格式局"));
    s_set (record, "cert_no", json_string (number));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "does not match the format of 最大格式局", NULL));
    memset (number, 'x', 84);
    strcpy (number + 84, "#");
    record = s_good ();
    s_set (record, "authority", json_string ("最大格式局"));
    s_set (record, "cert_no", json_string (number));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 1);
}

QF_TEST (legal_unknown_authority_fails)
{
    json_t *record = s_good ();
    s_set (record, "authority", json_string ("某某伪造证书中心"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "某某伪造证书中心", "not on the list", NULL));
}

QF_TEST (legal_validity_too_short_fails)
{
    char expires[16];
    qf_date_format (s_today + 30, expires, sizeof expires);
    json_t *record = s_good ();
    s_set (record, "expires", json_string (expires));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "remaining validity of 30 days", expires, "180", NULL));
}

QF_TEST (legal_validity_at_minimum_passes)
{
    char expires[16];
    qf_date_format (s_today + 180, expires, sizeof expires);
    json_t *record = s_good ();
    s_set (record, "expires", json_string (expires));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 1);
}

/* An expiry `days` after today, as the record's text. */
static json_t *
s_expiring_in (int32_t days)
{
    char expires[16];
    qf_date_format (s_today + days, expires, sizeof expires);
    json_t *record = s_good ();
    s_set (record, "expires", json_string (expires));
    return record;
}

QF_TEST (legal_validity_edges)
{
    /* policy.min_validity_for_sale_days is 180: one day short fails, the
       minimum and one more pass. */
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, s_expiring_in (179)), 0);
    QF_CHECK (s_found (s_findings, "remaining validity of 179 days", "required 180 days", NULL));
    QF_CHECK_EQ_INT (json_array_size (s_findings), 1);
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, s_expiring_in (180)), 1);
    QF_CHECK_EQ_INT (json_array_size (s_findings), 0);
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, s_expiring_in (181)), 1);
}

QF_TEST (legal_expiry_day_edges_with_no_minimum)
{
    /* With a minimum of 0, a certificate is still sold only while valid:
       it expires when its expiry day begins, as the daemon's timer says. */
    QF_CHECK_EQ_INT (s_run_with (s_config_zero, &qf_legal_review, s_expiring_in (1)), 1);
    QF_CHECK_EQ_INT (s_run_with (s_config_zero, &qf_legal_review, s_expiring_in (0)), 0);
    QF_CHECK (s_found (s_findings, "expired on 2026-01-01, today", NULL));
    QF_CHECK_EQ_INT (s_run_with (s_config_zero, &qf_legal_review, s_expiring_in (-1)), 0);
    QF_CHECK (s_found (s_findings, "expired on 2025-12-31, 1 days ago", NULL));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, s_expiring_in (0)), 0);
    QF_CHECK (s_found (s_findings, "expired on 2026-01-01, today", NULL));
    QF_CHECK_EQ_INT (json_array_size (s_findings), 1);
}

QF_TEST (legal_expired_fails)
{
    json_t *record = s_good ();
    s_set (record, "issued", json_string ("2020-01-01"));
    s_set (record, "expires", json_string ("2025-12-01"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "expired on 2025-12-01", "31 days ago", NULL));
}

QF_TEST (legal_invalid_expiry_fails)
{
    json_t *record = s_good ();
    s_set (record, "expires", json_string ("2030-02-30"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "2030-02-30", "not a valid date", NULL));
}

QF_TEST (legal_empty_scope_fails)
{
    json_t *record = s_good ();
    s_set (record, "scope", json_string (""));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "scope is empty", NULL));
}

QF_TEST (legal_whitespace_scope_fails)
{
    /* ASCII blanks and the ideographic space U+3000 both count as empty. */
    json_t *record = s_good ();
    s_set (record, "scope", json_string (" \t\u3000 \n"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "scope is empty", NULL));
}

QF_TEST (legal_scope_trimmed_before_matching)
{
    json_t *record = s_good ();
    s_set (record, "scope", json_string ("  " SCOPE "\u3000"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 1);
}

QF_TEST (legal_scope_not_in_category_fails)
{
    json_t *record = s_good ();
    s_set (record, "scope", json_string ("市政公用工程施工总承包一级"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "市政公用工程施工总承包一级",
                       "not one of the scopes of category construction-general", SCOPE, NULL));
}

QF_TEST (legal_any_scope_when_category_lists_none)
{
    json_t *record = s_good ();
    s_set (record, "category", json_string ("safety-permit"));
    s_set (record, "scope", json_string ("安全生产许可"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 1);
}

QF_TEST (legal_unknown_category_fails)
{
    json_t *record = s_good ();
    s_set (record, "category", json_string ("space-launch"));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK (s_found (s_findings, "category space-launch is not configured", NULL));
}

QF_TEST (legal_reports_every_failure)
{
    json_t *record = s_good ();
    s_set (record, "cert_no", json_string ("X1"));
    s_set (record, "expires", json_string ("2025-06-30"));
    s_set (record, "scope", json_string ("   "));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    QF_CHECK_EQ_INT (json_array_size (s_findings), 3);
}

QF_TEST (legal_long_values_are_quoted_short)
{
    /* Findings are text arguments (at most 4096 bytes): a huge cert number
       is cut, at a character boundary, in the finding. */
    char cert[4000];
    for (size_t i = 0; i + 3 < sizeof cert; i += 3)
        memcpy (cert + i, "证", 3); /* 1333 three-byte characters */
    cert[3999] = 0;
    json_t *record = s_good ();
    s_set (record, "cert_no", json_string (cert));
    QF_CHECK_EQ_INT (s_run (&qf_legal_review, record), 0);
    const char *text = json_string_value (json_array_get (s_findings, 0));
    QF_CHECK (text != NULL);
    QF_CHECK (strlen (text) < 1024);
    QF_CHECK (strstr (text, "...") != NULL);
    /* Still valid UTF-8: jansson refuses anything else. */
    json_t *probe = json_string (text);
    QF_CHECK (probe != NULL);
    json_decref (probe);
}

QF_TEST (finance_ratio_below_threshold_fails)
{
    json_t *record = s_good ();
    s_set (record, "expected_revenue", json_integer (50000));
    QF_CHECK_EQ_INT (s_run (&qf_finance_review, record), 0);
    QF_CHECK (s_found (s_findings, "return ratio 0.50", "below the minimum 1.20", NULL));
}

QF_TEST (finance_ratio_at_threshold_passes)
{
    json_t *record = s_good ();
    s_set (record, "expected_revenue", json_integer (120000));
    QF_CHECK_EQ_INT (s_run (&qf_finance_review, record), 1);
}

/* Runs finance on the good record with these amounts. */
static int
s_finance (const qf_config_t *config, double cost, double revenue)
{
    json_t *record = s_good ();
    s_set (record, "acquisition_cost", json_real (cost));
    s_set (record, "expected_revenue", json_real (revenue));
    return s_run_with (config, &qf_finance_review, record);
}

QF_TEST (finance_ratio_edges)
{
    /* policy.min_return_ratio is 1.2: just below fails, at and just above pass. */
    QF_CHECK_EQ_INT (s_finance (s_config, 100000, 119999), 0);
    QF_CHECK (s_found (s_findings, "return ratio 1.19999", "below the minimum 1.20000", NULL));
    QF_CHECK_EQ_INT (s_finance (s_config, 100000, 119000), 0);
    QF_CHECK (s_found (s_findings, "return ratio 1.19 ", "below the minimum 1.20", NULL));
    QF_CHECK_EQ_INT (s_finance (s_config, 100000, 70000), 0);
    QF_CHECK_EQ_INT (s_finance (s_config, 100000, 120000), 1);
    QF_CHECK (s_found (s_findings, "return ratio 1.20 ", "meets the minimum 1.20", NULL));
    QF_CHECK_EQ_INT (s_finance (s_config, 100000, 120001), 1);
    QF_CHECK_EQ_INT (s_finance (s_config, 100000, 121000), 1);
}

QF_TEST (finance_ratio_exact_in_decimal_passes)
{
    /* 8.04 / 6.70 is exactly 1.2, though in binary it computes
       1.1999999999999997; likewise 0.11 / 0.1 against a minimum of 1.1. */
    QF_CHECK_EQ_INT (s_finance (s_config, 6.70, 8.04), 1);
    QF_CHECK (s_found (s_findings, "return ratio 1.20 ", "meets the minimum 1.20", NULL));
    QF_CHECK_EQ_INT (s_finance (s_config, 13.40, 16.08), 1);
    QF_CHECK_EQ_INT (s_finance (s_config_zero, 0.1, 0.11), 1);
    /* One fen less is below, even on a large amount. */
    QF_CHECK_EQ_INT (s_finance (s_config, 6.70, 8.03), 0);
    QF_CHECK_EQ_INT (s_finance (s_config, 100000000, 119999999.99), 0);
    QF_CHECK (s_found (s_findings, "below the minimum", NULL));
}

QF_TEST (finance_zero_cost_fails)
{
    json_t *record = s_good ();
    s_set (record, "acquisition_cost", json_integer (0));
    QF_CHECK_EQ_INT (s_run (&qf_finance_review, record), 0);
    QF_CHECK (s_found (s_findings, "acquisition cost is 0", NULL));
}

QF_TEST (finance_missing_data_fails)
{
    json_t *record = s_good ();
    json_object_del (record, "acquisition_cost");
    s_set (record, "expected_revenue", json_null ());
    QF_CHECK_EQ_INT (s_run (&qf_finance_review, record), 0);
    QF_CHECK (s_found (s_findings, "no cost data", NULL));
}

QF_TEST (finance_non_number_fails)
{
    json_t *record = s_good ();
    s_set (record, "acquisition_cost", json_string ("lots"));
    QF_CHECK_EQ_INT (s_run (&qf_finance_review, record), 0);
    QF_CHECK (s_found (s_findings, "acquisition_cost", "not a number", NULL));
}

QF_TEST (technical_unknown_category_fails)
{
    json_t *record = s_good ();
    s_set (record, "category", json_string ("space-launch"));
    QF_CHECK_EQ_INT (s_run (&qf_technical_review, record), 0);
    QF_CHECK (s_found (s_findings, "category space-launch is not configured", NULL));
}

QF_TEST (technical_category_without_industry_fails)
{
    json_t *record = s_good ();
    s_set (record, "category", json_string ("museum-curation"));
    QF_CHECK_EQ_INT (s_run (&qf_technical_review, record), 0);
    QF_CHECK (s_found (s_findings, "museum-curation serves no industry", NULL));
}

QF_TEST (technical_empty_scope_fails)
{
    json_t *record = s_good ();
    s_set (record, "scope", json_string ("\u3000"));
    QF_CHECK_EQ_INT (s_run (&qf_technical_review, record), 0);
    QF_CHECK (s_found (s_findings, "scope is empty", NULL));
}

QF_TEST (rules_refuse_bad_arguments)
{
    json_t *findings = json_array ();
    json_t *record = s_good ();
    json_t *not_object = json_string ("x");
    int a = qf_review_findings (NULL, &qf_legal_review, record, s_today, findings);
    int b = qf_review_findings (s_config, &qf_finance_review, not_object, s_today, findings);
    int c = qf_review_findings (s_config, &qf_technical_review, record, s_today, NULL);
    int d = qf_review_findings (s_config, NULL, record, s_today, findings);
    size_t count = json_array_size (findings);
    json_decref (not_object);
    json_decref (record);
    json_decref (findings);
    QF_CHECK_EQ_INT (a, QF_EINVAL);
    QF_CHECK_EQ_INT (b, QF_EINVAL);
    QF_CHECK_EQ_INT (c, QF_EINVAL);
    QF_CHECK_EQ_INT (count, 0);
    QF_CHECK_EQ_INT (d, QF_EINVAL);
}

/* A review_requested payload around a record (consumed). */
static json_t *
s_request (json_t *record, const char *departments)
{
    json_t *list = json_array ();
    char copy[128];
    snprintf (copy, sizeof copy, "%s", departments);
    for (char *save = NULL, *name = strtok_r (copy, " ", &save); name;
         name = strtok_r (NULL, " ", &save))
        json_array_append_new (list, json_string (name));
    return json_pack ("{s:o, s:i, s:o}", "qualification", record, "round", 2, "departments", list);
}

QF_TEST (review_fail_report_shape)
{
    json_t *record = s_good ();
    s_set (record, "cert_no", json_string ("X1"));
    json_t *payload = s_request (record, "legal finance technical");
    json_t *result = NULL;
    char error[128];
    int rc =
        qf_review_run (s_config, &qf_legal_review, payload, s_today, &result, error, sizeof error);
    json_decref (payload);
    json_t *args = json_object_get (result, "args");
    const char *command = json_string_value (json_object_get (result, "command"));
    bool ok = rc == 0 && command && strcmp (command, "review.report") == 0 &&
              json_integer_value (json_object_get (args, "qualification_id")) == 7 &&
              json_integer_value (json_object_get (args, "round")) == 2 &&
              strcmp (json_string_value (json_object_get (args, "department")), "legal") == 0 &&
              strcmp (json_string_value (json_object_get (args, "verdict")), "fail") == 0 &&
              s_found (json_object_get (args, "findings"), "X1", NULL);
    /* The suggestions say what to do, and do not repeat the findings. */
    const char *suggestions = json_string_value (json_object_get (args, "suggestions"));
    const char *finding =
        json_string_value (json_array_get (json_object_get (args, "findings"), 0));
    bool suggests = suggestions && finding &&
                    strstr (suggestions, "'qualflow --as review qual rectify 7 --cert-no X'") &&
                    strstr (suggestions, "'qualflow --as review qual submit 7'") &&
                    !strstr (suggestions, "X1");
    bool repeats = suggestions && finding && strstr (suggestions, finding);
    size_t keys = json_object_size (args);
    json_decref (result);
    QF_CHECK (ok);
    QF_CHECK (suggests);
    QF_CHECK (!repeats);
    QF_CHECK_EQ_INT (keys, 6);
}

/* Runs department `department`'s review of `record` (consumed) and
   returns its suggestions (caller frees), or NULL when it passed. */
static char *
s_suggestions_of (const qf_review_department_t *department, json_t *record, json_t *active_policies)
{
    json_t *payload = s_request (record, "legal finance technical");
    if (active_policies)
        json_object_set_new (payload, "active_policies", active_policies);
    json_t *result = NULL;
    qf_review_run (s_config, department, payload, s_today, &result, NULL, 0);
    json_decref (payload);
    const char *text =
        json_string_value (json_object_get (json_object_get (result, "args"), "suggestions"));
    char *copy = text ? strdup (text) : NULL;
    json_decref (result);
    return copy;
}

QF_TEST (review_suggestions_say_what_to_do)
{
    /* A return ratio below the minimum: correct the figures, or reject. */
    json_t *record = s_good ();
    s_set (record, "expected_revenue", json_integer (100));
    char *finance = s_suggestions_of (&qf_finance_review, record, NULL);
    /* Several fields wrong: one rectify command with all their options. */
    record = s_good ();
    s_set (record, "cert_no", json_string ("X1"));
    s_set (record, "scope", json_string ("   "));
    char *legal = s_suggestions_of (&qf_legal_review, record, NULL);
    /* Nothing to correct: wait for the policy change to be lifted. */
    char *policy = s_suggestions_of (&qf_legal_review, s_good (), json_pack ("[i]", 3));
    bool finance_ok = finance && strstr (finance, "qual rectify 7 --cost N --revenue N'") &&
                      strstr (finance, "'qualflow --as management qual reject 7 --reason TEXT'");
    bool legal_ok = legal && strstr (legal, "qual rectify 7 --cert-no X --scope S'") &&
                    !strstr (legal, "reject");
    bool policy_ok = policy && strstr (policy, "Once policy change 3 is lifted") &&
                     strstr (policy, "qual submit 7'") && !strstr (policy, "rectify");
    if (!finance_ok || !legal_ok || !policy_ok)
        printf ("# finance: %s\n# legal: %s\n# policy: %s\n", finance ? finance : "-",
                legal ? legal : "-", policy ? policy : "-");
    free (finance);
    free (legal);
    free (policy);
    QF_CHECK (finance_ok);
    QF_CHECK (legal_ok);
    QF_CHECK (policy_ok);
}

QF_TEST (review_pass_report_has_no_suggestions)
{
    json_t *payload = s_request (s_good (), "legal finance technical");
    json_t *result = NULL;
    int rc = qf_review_run (s_config, &qf_finance_review, payload, s_today, &result, NULL, 0);
    json_decref (payload);
    json_t *args = json_object_get (result, "args");
    bool pass = strcmp (json_string_value (json_object_get (args, "verdict")), "pass") == 0;
    bool none = json_object_get (args, "suggestions") == NULL;
    json_decref (result);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK (pass);
    QF_CHECK (none);
}

QF_TEST (review_other_department_not_asked)
{
    json_t *payload = s_request (s_good (), "legal finance");
    json_t *result = NULL;
    int rc = qf_review_run (s_config, &qf_technical_review, payload, s_today, &result, NULL, 0);
    json_decref (payload);
    bool empty = result == NULL;
    json_decref (result);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK (empty);
}

QF_TEST (review_malformed_payload_refused)
{
    json_t *payload = json_pack ("{s:s, s:i}", "qualification", "7", "round", 1);
    json_t *result = NULL;
    char error[128] = "";
    int rc =
        qf_review_run (s_config, &qf_legal_review, payload, s_today, &result, error, sizeof error);
    json_decref (payload);
    QF_CHECK_EQ_INT (rc, QF_EINVAL);
    QF_CHECK (result == NULL);
    QF_CHECK (strstr (error, "qualification") != NULL);
}

/* Loads `policy` followed by s_yaml; prints the failure and returns false
   when it does not load. */
static bool
s_load (const char *policy, qf_config_t **config_p)
{
    char *yaml = malloc (strlen (policy) + strlen (s_yaml) + 1);
    if (yaml) {
        strcpy (yaml, policy);
        strcat (yaml, s_yaml);
        *config_p = qf_test_config (yaml);
        free (yaml);
    }
    if (!yaml || !*config_p) {
        printf ("FAIL rules: setup: the test configuration does not load\n");
        return false;
    }
    return true;
}

int
main (void)
{
    s_test_suite = "rules";
    s_findings = json_array ();
    if (!s_load ("policy:\n  min_validity_for_sale_days: 180\n  min_return_ratio: 1.2\n",
                 &s_config) ||
        !s_load ("policy:\n  min_validity_for_sale_days: 0\n  min_return_ratio: 1.1\n",
                 &s_config_zero))
        return 1;
    if (qf_date_parse ("2026-01-01", &s_today) != 0) {
        printf ("FAIL rules: setup: qf_date_parse\n");
        return 1;
    }

    RUN (legal_good_passes);
    RUN (finance_good_passes_with_ratio);
    RUN (technical_good_passes);
    RUN (technical_served_industry_passes_clean);
    RUN (technical_unserved_industry_fails);
    RUN (legal_wrong_cert_pattern_fails);
    RUN (legal_cert_of_other_authority_fails);
    RUN (legal_largest_pattern_with_longest_number);
    RUN (legal_unknown_authority_fails);
    RUN (legal_validity_too_short_fails);
    RUN (legal_validity_at_minimum_passes);
    RUN (legal_validity_edges);
    RUN (legal_expiry_day_edges_with_no_minimum);
    RUN (legal_expired_fails);
    RUN (legal_invalid_expiry_fails);
    RUN (legal_empty_scope_fails);
    RUN (legal_whitespace_scope_fails);
    RUN (legal_scope_trimmed_before_matching);
    RUN (legal_scope_not_in_category_fails);
    RUN (legal_any_scope_when_category_lists_none);
    RUN (legal_unknown_category_fails);
    RUN (legal_reports_every_failure);
    RUN (legal_long_values_are_quoted_short);
    RUN (finance_ratio_below_threshold_fails);
    RUN (finance_ratio_at_threshold_passes);
    RUN (finance_ratio_edges);
    RUN (finance_ratio_exact_in_decimal_passes);
    RUN (finance_zero_cost_fails);
    RUN (finance_missing_data_fails);
    RUN (finance_non_number_fails);
    RUN (technical_unknown_category_fails);
    RUN (technical_category_without_industry_fails);
    RUN (technical_empty_scope_fails);
    RUN (rules_refuse_bad_arguments);
    RUN (review_fail_report_shape);
    RUN (review_suggestions_say_what_to_do);
    RUN (review_pass_report_has_no_suggestions);
    RUN (review_other_department_not_asked);
    RUN (review_malformed_payload_refused);

    json_decref (s_findings);
    qf_config_destroy (&s_config);
    qf_config_destroy (&s_config_zero);
    return qf_test_done ();
}
