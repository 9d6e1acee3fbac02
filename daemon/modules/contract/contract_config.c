/*  The contract module's configuration keys, one per line (the columns
    are those of qf_config_keys.h), and the look-ups over them. */
#include "contract/contract_config.h"

#include "qf.h"
#include "qf_config_keys.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CON(field)    offsetof (qf_contract_config_t, field)
#define CLAUSE(field) offsetof (qf_contract_clause_t, field)
#define TERM(field)   offsetof (qf_payment_term_t, field)
#define DAYS(field)   offsetof (qf_processing_days_t, field)

static const char *const s_review_default[] = {"sales", "finance", "legal"};

/* clang-format off */

/* contract: the company that signs, the number, the review, the dates. */
static const qf_key_t s_contract[] = {
    QF_STRING ("contract.company_name",           CON (company_name),           "合肥资质服务有限公司 (Hefei Qualification Services Co., Ltd.)", 256, QF_RELOAD, "§6.3: the company's party to every contract, as registered"),
    QF_STRING ("contract.company_credit_code",    CON (company_credit_code),    "91340100MA2N01110K", 32, QF_RELOAD, "§6.3: the company's unified social credit code"),
    QF_STRING ("contract.company_address",        CON (company_address),        "安徽省合肥市 (Hefei, Anhui)", 256, QF_RELOAD, "§6.3: the company's registered address"),
    QF_STRING ("contract.company_representative", CON (company_representative), "法定代表人 (legal representative)", 128, QF_RELOAD, "§6.3: who signs for the company"),
    QF_STRING ("contract.number_pattern",         CON (number_pattern),         "HF-{year}-{seq:4}", 64, QF_RELOAD, "§6.3: contract numbers: {year} the year drafted, {seq:N} its sequence in that year, N digits"),
    QF_STRING ("contract.breach_liability",       CON (breach_liability),       "违约方应向守约方支付合同总价20%的违约金 (the party in breach pays 20 % of the contract price)", 1024, QF_RELOAD, "§6.3: the liability for breach every contract states"),
    QF_TOKEN_LIST ("contract.departments", CON (review_departments), CON (review_department_count), s_review_default, 3, 1, 3, QF_RELOAD, "§6.3: departments that must all pass a contract: of sales, finance, legal", .unique = true),
    QF_TOKEN_LIST ("contract.confirmed_by_person", CON (confirmed_by_person), CON (confirmed_count), NULL, 0, 0, 3, QF_RELOAD, "§6.3: departments whose worker verdict a person must confirm with 'qualflow contract report' before it counts", .unique = true),
    QF_INT  ("contract.delivery_at_risk_days",    CON (delivery_at_risk_days),  5, 1, 60, QF_RELOAD, "§7.2: working days before the delivery date at which a contract not yet delivered is at risk"),
    QF_INT  ("contract.default_processing_days",  CON (default_processing_days), 30, 0, 3650, QF_RELOAD, "§6.3: processing days of a category not in processing_days:"),
    QF_BOOL ("contract.sold_once_per_period",     CON (sold_once_per_period),   true, QF_RELOAD, "§6.3: a qualification is sold once per period of use (its validity): from approval on, one contract reserves it"),
};

/* contract_clauses: one entry per required clause. */
static const qf_key_t s_clause[] = {
    QF_TOKEN  ("name", CLAUSE (name), NULL, NULL, QF_RESTART, "its id; unique", .required = true),
    QF_STRING ("text", CLAUSE (text), NULL, 2048, QF_RESTART, "the clause as every contract states it (UTF-8)", .required = true),
};

/* payment_terms: one entry per allowed term. */
static const qf_key_t s_term[] = {
    QF_TOKEN  ("name",        TERM (name),        NULL, NULL, QF_RESTART, "its id; unique", .required = true),
    QF_STRING ("text",        TERM (text),        NULL, 512, QF_RESTART, "what the contract says of it (UTF-8)", .required = true),
    QF_INT    ("instalments", TERM (instalments), 1, 1, 12, QF_RESTART, "how many instalments its schedule has"),
};

/* processing_days: one entry per category. */
static const qf_key_t s_days[] = {
    QF_TOKEN ("name", DAYS (name), NULL, NULL, QF_RESTART, "a category of categories:; unique", .required = true),
    QF_INT   ("days", DAYS (days), 30, 0, 3650, QF_RESTART, "calendar days from submission to delivery, at least"),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("contract", s_contract),
    QF_LIST    ("contract_clauses", s_clause, qf_contract_clause_t, CON (clauses),    CON (clause_count),     QF_RELOAD, "§6.3 clauses every contract must carry, unaltered"),
    QF_LIST    ("payment_terms",    s_term,   qf_payment_term_t,    CON (terms),      CON (term_count),       QF_RELOAD, "§6.3 payment terms a contract may use"),
    QF_LIST    ("processing_days",  s_days,   qf_processing_days_t, CON (processing), CON (processing_count), QF_RELOAD, "§6.3 processing days per category, for the sales check of the delivery date"),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_contract_config_part = {
    .module = "contract",
    .sections = s_sections,
    .size = sizeof (qf_contract_config_t),
};

const qf_contract_config_t *
qf_contract_config (const qf_config_t *config)
{
    const qf_contract_config_t *self = qf_config_part (config, &qf_contract_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}

const qf_payment_term_t *
qf_contract_term (const qf_config_t *config, const char *id)
{
    const qf_contract_config_t *self = qf_contract_config (config);
    for (size_t i = 0; id && i < self->term_count; i++)
        if (strcmp (self->terms[i].name, id) == 0)
            return &self->terms[i];
    return NULL;
}

const qf_contract_clause_t *
qf_contract_clause (const qf_config_t *config, const char *id)
{
    const qf_contract_config_t *self = qf_contract_config (config);
    for (size_t i = 0; id && i < self->clause_count; i++)
        if (strcmp (self->clauses[i].name, id) == 0)
            return &self->clauses[i];
    return NULL;
}

int
qf_contract_processing_days (const qf_config_t *config, const char *category)
{
    const qf_contract_config_t *self = qf_contract_config (config);
    for (size_t i = 0; category && i < self->processing_count; i++)
        if (strcmp (self->processing[i].name, category) == 0)
            return self->processing[i].days;
    return self->default_processing_days;
}

/* Whether `name` is one of the first `count` of `list`. */
static bool
s_listed (char *const *list, size_t count, const char *name)
{
    for (size_t i = 0; name && i < count; i++)
        if (strcmp (list[i], name) == 0)
            return true;
    return false;
}

bool
qf_contract_reviews (const qf_config_t *config, const char *department)
{
    const qf_contract_config_t *self = qf_contract_config (config);
    return s_listed (self->review_departments, self->review_department_count, department);
}

bool
qf_contract_confirmed_by_person (const qf_config_t *config, const char *department)
{
    const qf_contract_config_t *self = qf_contract_config (config);
    return s_listed (self->confirmed_by_person, self->confirmed_count, department);
}

const char *
qf_contract_department_role (const char *department)
{
    if (department && strcmp (department, "sales") == 0)
        return "supervisor";
    return department;
}

int
qf_contract_number (const char *pattern, int year, long long seq, char *out, size_t size)
{
    size_t used = 0;
    bool has_seq = false;
    for (const char *p = pattern; p && *p;) {
        char piece[32];
        const char *text = piece;
        size_t length = 0;
        if (strncmp (p, "{year}", 6) == 0) {
            snprintf (piece, sizeof piece, "%04d", year);
            p += 6;
        } else if (strncmp (p, "{seq}", 5) == 0) {
            snprintf (piece, sizeof piece, "%lld", seq);
            p += 5, has_seq = true;
        } else if (strncmp (p, "{seq:", 5) == 0 && p[5] >= '1' && p[5] <= '9' && p[6] == '}') {
            snprintf (piece, sizeof piece, "%0*lld", p[5] - '0', seq);
            p += 7, has_seq = true;
        } else if (*p == '{' || *p == '}') {
            return QF_EINVAL;
        } else {
            text = p;
            length = strcspn (p, "{}");
            p += length;
        }
        if (text == piece)
            length = strlen (piece);
        if (used + length + 1 > size)
            return QF_EINVAL;
        memcpy (out + used, text, length);
        used += length;
    }
    if (!has_seq)
        return QF_EINVAL;
    out[used] = '\0';
    return 0;
}
