/*  sales_rules — the sales department's contract review (§6.3). */
#include "sales_rules.h"
#include "contract/contract_config.h"
#include "qf_time.h"

static int
s_sales (const qf_config_t *cfg, json_t *payload, int32_t today, json_t *findings)
{
    json_t *contract = json_object_get (payload, "contract");
    const char *delivery = json_string_value (json_object_get (contract, "delivery"));
    int32_t day = 0;
    if (!delivery || qf_date_parse (delivery, &day)) {
        qf_contract_finding (findings, "the contract has no delivery date");
        return 0;
    }
    json_t *lines = json_object_get (contract, "lines"), *line;
    size_t i;
    json_array_foreach (lines, i, line)
    {
        const char *category = json_string_value (json_object_get (line, "category"));
        int days = qf_contract_processing_days (cfg, category);
        if (day - today < days)
            qf_contract_finding (
                findings,
                "line %zu (qualification %lld, %s): delivery on %s leaves %d "
                "days; its processing takes %d (processing_days:)",
                i + 1, (long long)json_integer_value (json_object_get (line, "qualification_id")),
                category ? category : "no category", delivery, (int)(day - today), days);
    }
    return json_array_size (findings) == 0;
}

const qf_contract_department_t qf_sales_contract_review = {"sales", s_sales};
