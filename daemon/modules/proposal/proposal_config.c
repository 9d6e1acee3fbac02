/*  The proposal module's configuration keys, one per line (the columns
    are those of qf_config_keys.h), and the look-ups over them. */
#include "proposal/proposal_config.h"

#include "qf_config_keys.h"

#include <assert.h>
#include <string.h>

#define PROP(field)  offsetof (qf_proposal_config_t, field)
#define PRICE(field) offsetof (qf_list_price_t, field)
#define TPL(field)   offsetof (qf_proposal_template_t, field)

const char *const qf_proposal_severities[] = {"minor", "serious", "grave", NULL};

/* clang-format off */

/* policy: §5.3's discount discipline, beside the engine's policy keys. */
static const qf_key_t s_policy[] = {
    QF_INT  ("policy.max_discount_sales",      PROP (max_discount_sales),      5,   0, 100, QF_RELOAD, "§5.3: most discount (% below the list price) a salesperson may grant without an approval"),
    QF_INT  ("policy.max_discount_supervisor", PROP (max_discount_supervisor), 10,  0, 100, QF_RELOAD, "§5.3: most discount a sales supervisor may grant or approve", .at_least = "policy.max_discount_sales"),
    QF_INT  ("policy.max_discount_management", PROP (max_discount_management), 100, 0, 100, QF_RELOAD, "§5.3: most discount management may grant or approve (100: any)", .at_least = "policy.max_discount_supervisor"),
    QF_ENUM ("policy.discount_conduct_severity", PROP (conduct_severity), 1, qf_proposal_severities, QF_RELOAD, "§5.3: severity of the conduct event recorded when a discount beyond the rules is refused"),
};

/* list_prices: one entry per category (qf_list_price_t). */
static const qf_key_t s_list_price[] = {
    QF_TOKEN  ("name",  PRICE (name),  NULL, NULL,       QF_RESTART, "a category of categories:; unique", .required = true),
    QF_DOUBLE ("price", PRICE (price), 0, 1, 1000000000, QF_RESTART, "its list price (yuan)", .required = true),
};

/* qualification_prices: one entry per qualification priced on its own. */
static const qf_key_t s_qual_price[] = {
    QF_TOKEN  ("name",  PRICE (name),  NULL, NULL,       QF_RESTART, "the qualification's id (digits); unique", .required = true),
    QF_DOUBLE ("price", PRICE (price), 0, 1, 1000000000, QF_RESTART, "its list price (yuan), before its category's", .required = true),
};

/* processing_steps: and after_sales_services: one entry per template. */
static const qf_key_t s_template[] = {
    QF_TOKEN  ("name", TPL (name), NULL, NULL, QF_RESTART, "its id, quoted by proposals; unique", .required = true),
    QF_STRING ("text", TPL (text), NULL, 1024, QF_RESTART, "what the customer reads (UTF-8)", .required = true),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("policy", s_policy),
    QF_LIST    ("list_prices",          s_list_price, qf_list_price_t,        PROP (list_prices),          PROP (list_price_count),          QF_RELOAD, "§5.3 list prices per qualification category"),
    QF_LIST    ("qualification_prices", s_qual_price, qf_list_price_t,        PROP (qualification_prices), PROP (qualification_price_count), QF_RELOAD, "§5.3 list prices of single qualifications, before their category's"),
    QF_LIST    ("processing_steps",     s_template,   qf_proposal_template_t, PROP (steps),                PROP (step_count),                QF_RELOAD, "§6.2 processing steps a proposal may quote"),
    QF_LIST    ("after_sales_services", s_template,   qf_proposal_template_t, PROP (services),             PROP (service_count),             QF_RELOAD, "§6.2 after-sales services a proposal may quote"),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_proposal_config_part = {
    .module = "proposal",
    .sections = s_sections,
    .size = sizeof (qf_proposal_config_t),
};

const qf_proposal_config_t *
qf_proposal_config (const qf_config_t *config)
{
    const qf_proposal_config_t *self = qf_config_part (config, &qf_proposal_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}

const qf_proposal_template_t *
qf_proposal_template (const qf_config_t *config, bool steps, const char *id)
{
    const qf_proposal_config_t *self = qf_proposal_config (config);
    const qf_proposal_template_t *list = steps ? self->steps : self->services;
    size_t count = steps ? self->step_count : self->service_count;
    for (size_t i = 0; id && i < count; i++)
        if (strcmp (list[i].name, id) == 0)
            return &list[i];
    return NULL;
}
