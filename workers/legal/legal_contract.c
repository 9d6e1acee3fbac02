/*  legal_contract — the legal department's contract review (§6.3). */
#include "legal_contract.h"
#include "contract/contract_config.h"

#include <string.h>

/* The clause of id `name` in the contract's clauses, or NULL. */
static json_t *
s_clause (json_t *clauses, const char *name)
{
    json_t *clause;
    size_t i;
    json_array_foreach (clauses, i, clause)
    {
        const char *id = json_string_value (json_object_get (clause, "id"));
        if (id && strcmp (id, name) == 0)
            return clause;
    }
    return NULL;
}

static int
s_legal (const qf_config_t *cfg, json_t *payload, int32_t today, json_t *findings)
{
    (void)today;
    const qf_contract_config_t *settings = qf_contract_config (cfg);
    json_t *contract = json_object_get (payload, "contract");
    json_t *clauses = json_object_get (contract, "clauses");
    /* Every required clause, word for word as configured. */
    for (size_t i = 0; i < settings->clause_count; i++) {
        json_t *clause = s_clause (clauses, settings->clauses[i].name);
        const char *text = json_string_value (json_object_get (clause, "text"));
        if (!clause)
            qf_contract_finding (findings,
                                 "required clause %s is missing (contract_clauses:): revise the "
                                 "contract without leaving it out",
                                 settings->clauses[i].name);
        else if (!text || strcmp (text, settings->clauses[i].text) != 0)
            qf_contract_finding (findings,
                                 "clause %s is altered: it differs from the text of "
                                 "contract_clauses:",
                                 settings->clauses[i].name);
    }
    /* Each qualification still sellable, and not another contract's. */
    json_t *facts = json_object_get (payload, "qualifications"), *fact;
    size_t i;
    json_array_foreach (facts, i, fact)
    {
        long long id = (long long)json_integer_value (json_object_get (fact, "qualification_id"));
        if (!json_is_true (json_object_get (fact, "sellable")))
            qf_contract_finding (findings, "qualification %lld is not sellable: %s (§3.1)", id,
                                 json_string_value (json_object_get (fact, "why")));
        const char *holder = json_string_value (json_object_get (fact, "reserved_by"));
        if (holder)
            qf_contract_finding (findings,
                                 "qualification %lld is reserved by contract %s: it is sold once "
                                 "per period of use",
                                 id, holder);
    }
    return json_array_size (findings) == 0;
}

const qf_contract_department_t qf_legal_contract_review = {"legal", s_legal};
