/*  qf_contract_review — the contract review scaffold of the department
    workers (qf_contract_review.h). */
#include "qf_contract_review.h"
#include "qf_error.h"
#include "qf_log.h"
#include "qf_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
qf_contract_finding (json_t *findings, const char *format, ...)
{
    char text[1024];
    va_list ap;
    va_start (ap, format);
    vsnprintf (text, sizeof text, format, ap);
    va_end (ap);
    /* ';' separates findings on the wire. */
    for (char *p = text; *p; p++)
        if (*p == ';')
            *p = ',';
    json_array_append_new (findings, json_string (text));
}

/* Whether `name` is among the payload's departments. */
static bool
s_asked (json_t *payload, const char *name)
{
    json_t *departments = json_object_get (payload, "departments"), *item;
    size_t i;
    json_array_foreach (departments, i, item)
    {
        if (json_is_string (item) && strcmp (json_string_value (item), name) == 0)
            return true;
    }
    return false;
}

int
qf_contract_review_run (const qf_config_t *cfg, const qf_contract_department_t *department,
                        json_t *payload, int32_t today, json_t **result_p)
{
    *result_p = NULL;
    json_t *id = json_object_get (payload, "contract_id");
    json_t *version = json_object_get (payload, "version");
    if (!json_is_integer (id) || !json_is_integer (version) ||
        !json_is_object (json_object_get (payload, "contract")))
        return QF_EINVAL;
    if (!s_asked (payload, department->name))
        return 0;
    json_t *findings = json_array ();
    int verdict = findings ? department->rule (cfg, payload, today, findings) : QF_ENOMEM;
    if (verdict < 0) {
        json_decref (findings);
        return verdict;
    }
    /* The findings as one text, ';'-separated. */
    char text[4096] = "";
    size_t used = 0;
    for (size_t i = 0; i < json_array_size (findings) && used < sizeof text - 1; i++)
        used += (size_t)snprintf (text + used, sizeof text - used, "%s%s", i ? "; " : "",
                                  json_string_value (json_array_get (findings, i)));
    *result_p = json_pack ("{s:s, s:{s:O, s:O, s:s, s:s, s:s?}}", "command", "contract.report",
                           "args", "id", id, "version", version, "department", department->name,
                           "verdict", verdict ? "pass" : "fail", "findings", text[0] ? text : NULL);
    json_decref (findings);
    return *result_p ? 0 : QF_ENOMEM;
}

int
qf_contract_review_route (qf_worker_t *worker, const qf_worker_event_t *delivery,
                          qf_outcome_t *outcome, void *config)
{
    (void)worker;
    const qf_config_t *cfg = config;
    const qf_contract_department_t *department = delivery->route;
    int32_t today = qf_date_from_ms (delivery->time, cfg->utc_offset_minutes);
    int rc = qf_contract_review_run (cfg, department, delivery->payload, today, &outcome->result);
    if (rc == QF_EINVAL)
        return qf_outcome_nack (outcome, 0,
                                "malformed %s payload: no contract_id, version or "
                                "contract",
                                delivery->topic);
    if (rc)
        return qf_outcome_nack (outcome, 0, "%s review failed: %s", department->name,
                                qf_strerror (rc));
    json_t *args = json_object_get (outcome->result, "args");
    qf_info ("contract %lld version %lld: %s %s",
             (long long)json_integer_value (json_object_get (delivery->payload, "contract_id")),
             (long long)json_integer_value (json_object_get (delivery->payload, "version")),
             department->name,
             outcome->result ? json_string_value (json_object_get (args, "verdict")) : "not asked");
    return 0;
}
