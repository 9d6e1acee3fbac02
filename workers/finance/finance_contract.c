/*  finance_contract — the finance department's contract review (§6.3). */
#include "finance_contract.h"
#include "contract/contract_config.h"
#include "proposal/proposal_config.h"

#include <math.h>
#include <string.h>

#define HALF_FEN 0.005

/* The most discount `role` may grant alone (policy.max_discount_ROLE). */
static int
s_limit (const qf_config_t *cfg, const char *role)
{
    const qf_proposal_config_t *settings = qf_proposal_config (cfg);
    if (role && strcmp (role, "sales") == 0)
        return settings->max_discount_sales;
    if (role && strcmp (role, "supervisor") == 0)
        return settings->max_discount_supervisor;
    if (role && strcmp (role, "management") == 0)
        return settings->max_discount_management;
    return 0;
}

static int
s_finance (const qf_config_t *cfg, json_t *payload, int32_t today, json_t *findings)
{
    (void)today;
    json_t *contract = json_object_get (payload, "contract");
    double price = json_number_value (json_object_get (contract, "price"));
    /* §5.3: each line's discount within the submitter's limit or the approval. */
    const char *role = json_string_value (json_object_get (payload, "submitted_role"));
    int limit = s_limit (cfg, role);
    json_t *approval = json_object_get (payload, "discount_approval");
    double approved =
        json_is_object (approval) ? json_number_value (json_object_get (approval, "percent")) : 0;
    json_t *lines = json_object_get (contract, "lines"), *line;
    double sum_lines = 0;
    size_t i;
    json_array_foreach (lines, i, line)
    {
        double discount = json_number_value (json_object_get (line, "discount"));
        sum_lines += json_number_value (json_object_get (line, "price"));
        if (discount > limit + 1e-9 && discount > approved + 1e-9)
            qf_contract_finding (findings,
                                 "line %zu: a discount of %.2f %% is beyond what role %s may "
                                 "grant (policy.max_discount_%s: %d %%) and no approval covers "
                                 "it (§5.3)",
                                 i + 1, discount, role ? role : "?", role ? role : "?", limit);
    }
    if (fabs (sum_lines - price) >= HALF_FEN)
        qf_contract_finding (findings, "the price %.2f is not the sum of the lines' prices %.2f",
                             price, sum_lines);
    /* The payment term, from the allowed list, with its instalments. */
    json_t *term = json_object_get (contract, "payment_term");
    const char *term_id = json_string_value (json_object_get (term, "id"));
    const qf_payment_term_t *allowed = qf_contract_term (cfg, term_id);
    json_t *schedule = json_object_get (contract, "schedule");
    if (!allowed)
        qf_contract_finding (findings,
                             "payment term %s is not in the allowed list (payment_terms:)",
                             term_id ? term_id : "(none)");
    else if (json_array_size (schedule) != (size_t)allowed->instalments)
        qf_contract_finding (findings, "the schedule has %zu instalments; payment term %s has %d",
                             json_array_size (schedule), allowed->name, allowed->instalments);
    /* The schedule adds up to the price. */
    double sum = 0;
    json_t *due;
    json_array_foreach (schedule, i, due)
    {
        sum += json_number_value (json_object_get (due, "amount"));
    }
    if (fabs (sum - price) >= HALF_FEN)
        qf_contract_finding (findings, "the payment schedule adds up to %.2f, not the price %.2f",
                             sum, price);
    return json_array_size (findings) == 0;
}

const qf_contract_department_t qf_finance_contract_review = {"finance", s_finance};
