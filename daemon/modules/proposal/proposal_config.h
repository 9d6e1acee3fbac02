/*  proposal_config — the proposal module's configuration part (§6.2
    proposals, §5.3 discount discipline): the list prices (per category,
    and per qualification where one is priced on its own), the most
    discount each role may grant without an approval, what a refused
    discount is recorded as, and the templates a proposal's processing
    steps and after-sales service are chosen from.

    The rows are in proposal_config.c; the daemon reads the settings
    through qf_proposal_config(), the pricing through proposal.h.
*/
#ifndef QF_PROPOSAL_CONFIG_H
#define QF_PROPOSAL_CONFIG_H

#include "qf_config.h"

/* A list price: of a category (its name) or of one qualification (its id). */
typedef struct {
    char *name;   /* the category, or the qualification's id in digits */
    double price; /* the list price, in yuan */
} qf_list_price_t;

/* A text a proposal may quote by its id: a processing step, an
   after-sales service. */
typedef struct {
    char *name; /* its id, [a-z0-9._-] */
    char *text; /* what the customer reads, UTF-8 (Chinese welcome) */
} qf_proposal_template_t;

typedef struct {
    int max_discount_sales;       /* % below list a salesperson may grant alone */
    int max_discount_supervisor;  /* ... a sales supervisor */
    int max_discount_management;  /* ... management (100: any) */
    int conduct_severity;         /* index into qf_proposal_severities */
    qf_list_price_t *list_prices; /* list_prices: per category */
    size_t list_price_count;
    qf_list_price_t *qualification_prices; /* qualification_prices: per qualification */
    size_t qualification_price_count;
    qf_proposal_template_t *steps; /* processing_steps: */
    size_t step_count;
    qf_proposal_template_t *services; /* after_sales_services: */
    size_t service_count;
} qf_proposal_config_t;

/* The names of policy.discount_conduct_severity, NULL-terminated. */
extern const char *const qf_proposal_severities[];

/* The part (qf_config_keys.h), listed by the build in qf_config_parts[]. */
extern const qf_config_part_t qf_proposal_config_part;

/*  The module's settings in a loaded configuration. */
const qf_proposal_config_t *qf_proposal_config (const qf_config_t *config);

/*  The template of that id among processing_steps (steps true) or
    after_sales_services; NULL when it is not configured. */
const qf_proposal_template_t *qf_proposal_template (const qf_config_t *config, bool steps,
                                                    const char *id);

#endif
