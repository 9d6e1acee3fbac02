/*  legal_rules — the legal department's review (DOMAIN.md §4.2, §7.2). */
#include "legal_rules.h"
#include "qf_time.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

/* The 'qual rectify' options of the fields legal checks. */
#define OPT_AUTHORITY "--authority A"
#define OPT_CERT_NO   "--cert-no X"
#define OPT_EXPIRES   "--expires YYYY-MM-DD"

/* The issuer must be one we accept, and the number must look like its numbers. */
static void
s_check_issuer (const qf_config_t *cfg, json_t *qualification, qf_review_t *review)
{
    char quote[QF_REVIEW_QUOTE_MAX + 4], quote2[QF_REVIEW_QUOTE_MAX + 4];
    const char *authority_name = qf_review_text (qualification, "authority");
    const char *cert_no = qf_review_text (qualification, "cert_no");
    const qf_authority_t *authority = NULL;
    if (!authority_name || !*authority_name)
        qf_review_finding (review, OPT_AUTHORITY, 0, "issuing authority is missing");
    else {
        authority = qf_qualification_authority (cfg, authority_name);
        if (!authority)
            qf_review_finding (review, OPT_AUTHORITY, QF_REVIEW_CONFIGURE_AUTHORITY,
                               "authority %s is not on the list of allowed issuing authorities; "
                               "verify the certificate through official channels",
                               qf_review_quote (authority_name, quote, QF_REVIEW_QUOTE_MAX));
    }
    if (!cert_no || !*cert_no)
        qf_review_finding (review, OPT_CERT_NO, 0, "certificate number is missing");
    else if (authority && regexec (&authority->regex, cert_no, 0, NULL, 0) != 0)
        qf_review_finding (
            review, OPT_CERT_NO, 0, "certificate number %s does not match the format of %s (%s)",
            qf_review_quote (cert_no, quote, QF_REVIEW_QUOTE_MAX),
            qf_review_quote (authority->name, quote2, QF_REVIEW_QUOTE_MAX), authority->pattern);
}

/* The customer needs enough validity left to use what they buy. */
static void
s_check_validity (const qf_config_t *cfg, json_t *qualification, int32_t today, qf_review_t *review)
{
    char quote[QF_REVIEW_QUOTE_MAX + 4];
    const char *expires = qf_review_text (qualification, "expires");
    int32_t expiry_day = 0;
    if (!expires || qf_date_parse (expires, &expiry_day) != 0) {
        qf_review_finding (
            review, OPT_EXPIRES, 0, "expiry date %s is not a valid date (YYYY-MM-DD)",
            expires ? qf_review_quote (expires, quote, QF_REVIEW_QUOTE_MAX) : "(missing)");
        return;
    }
    /* A certificate is valid until its expiry day begins (the daemon's
       "expired" timer fires then), so `remaining` counts today. */
    int64_t remaining = (int64_t)expiry_day - today;
    int least = qf_qualification_config (cfg)->min_validity_for_sale_days;
    if (remaining == 0)
        qf_review_finding (review, OPT_EXPIRES, QF_REVIEW_REJECT,
                           "certificate expired on %s, today; it cannot be sold", expires);
    else if (remaining < 0)
        qf_review_finding (review, OPT_EXPIRES, QF_REVIEW_REJECT,
                           "certificate expired on %s, %lld days ago; it cannot be sold", expires,
                           (long long)-remaining);
    else if (remaining < least)
        qf_review_finding (review, OPT_EXPIRES, QF_REVIEW_REJECT,
                           "remaining validity of %lld days (expires %s) is less than the "
                           "required %d days",
                           (long long)remaining, expires, least);
}

/* The scope must be stated precisely, and be one the category allows. */
static void
s_check_scope (const qf_config_t *cfg, json_t *qualification, qf_review_t *review)
{
    char quote[QF_REVIEW_QUOTE_MAX + 4];
    char scope[4096 + 1];
    bool has_scope = qf_review_scope (qualification, scope, sizeof scope);
    if (!has_scope)
        qf_review_finding (review, QF_REVIEW_OPT_SCOPE, 0,
                           "scope is empty; state the scope exactly as on the certificate");
    const qf_category_t *category = qf_review_category (cfg, qualification, review);
    if (!has_scope || !category || category->scope_count == 0)
        return;
    for (size_t i = 0; i < category->scope_count; i++)
        if (strcmp (category->scopes[i], scope) == 0)
            return;
    char allowed[QF_REVIEW_FINDING_MAX / 2] = "";
    size_t used = 0;
    for (size_t i = 0; i < category->scope_count && used < sizeof allowed; i++) {
        int n = snprintf (allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "",
                          category->scopes[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    qf_review_finding (
        review, QF_REVIEW_OPT_SCOPE, 0, "scope %s is not one of the scopes of category %s (%s)",
        qf_review_quote (scope, quote, QF_REVIEW_QUOTE_MAX), category->name, allowed);
}

static int
s_legal (const qf_config_t *cfg, json_t *qualification, json_t *payload, int32_t today,
         qf_review_t *review)
{
    size_t before = qf_review_count (review);
    s_check_issuer (cfg, qualification, review);
    s_check_validity (cfg, qualification, today, review);
    s_check_scope (cfg, qualification, review);
    if (qf_review_count (review) != before)
        return 0;
    /* §7.2: no approval while an active policy change covers the category. */
    json_t *active = json_object_get (payload, "active_policies");
    if (json_array_size (active) > 0) {
        review->policy = json_integer_value (json_array_get (active, 0));
        qf_review_finding (review, NULL, QF_REVIEW_AWAIT_POLICY,
                           "category is under %zu active policy change%s (policy %lld); "
                           "wait until it is lifted",
                           json_array_size (active), json_array_size (active) == 1 ? "" : "s",
                           (long long)review->policy);
        return 0;
    }
    return 1;
}

const qf_review_department_t qf_legal_review = {"legal", s_legal};
