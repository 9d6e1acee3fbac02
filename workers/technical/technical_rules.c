/*  technical_rules — the technical department's review (DOMAIN.md §4.2). */
#include "technical_rules.h"

#include <stdbool.h>
#include <string.h>

/* The 'qual rectify' option of the field technical checks besides the
   category and the scope. */
#define OPT_INDUSTRY "--industry I"

static int
s_technical (const qf_config_t *cfg, json_t *qualification, json_t *payload, int32_t today,
             qf_review_t *review)
{
    (void)payload;
    (void)today;
    size_t before = qf_review_count (review);
    const qf_category_t *category = qf_review_category (cfg, qualification, review);
    if (category && category->industry_count == 0)
        qf_review_finding (review, NULL, QF_REVIEW_CONFIGURE_INDUSTRIES,
                           "category %s serves no industry, so it cannot be used in practice; "
                           "configure the industries it serves",
                           category->name);
    char scope[4096 + 1];
    if (!qf_review_scope (qualification, scope, sizeof scope))
        qf_review_finding (review, QF_REVIEW_OPT_SCOPE, 0,
                           "scope is empty; state what the qualification covers");
    /* §4.2 feasibility in real use: it must serve the industry it is meant for. */
    const char *industry = qf_review_text (qualification, "industry");
    size_t fails = qf_review_count (review) - before;
    if (category && industry && *industry) {
        bool served = false;
        for (size_t i = 0; i < category->industry_count; i++)
            served = served || strcmp (category->industries[i], industry) == 0;
        if (!served) {
            qf_review_finding (review, OPT_INDUSTRY, 0,
                               "category %s does not serve the industry %s; it serves %zu "
                               "configured industr%s (categories[].industries)",
                               category->name, industry, category->industry_count,
                               category->industry_count == 1 ? "y" : "ies");
            fails++;
        }
    } else if (category && fails == 0)
        qf_review_finding (review, NULL, 0,
                           "no industry recorded; category %s serves %zu industr%s", category->name,
                           category->industry_count, category->industry_count == 1 ? "y" : "ies");
    return fails == 0 ? 1 : 0;
}

const qf_review_department_t qf_technical_review = {"technical", s_technical};
