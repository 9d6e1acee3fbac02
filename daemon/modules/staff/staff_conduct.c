/*  staff_conduct — §5.3 conduct: violations by type (staff.violation_types)
    and severity (minor, serious, grave), recorded by HR, management or
    the person's supervisor, or by the rules that refuse them: a discount
    beyond the rules refused at proposal.send or contract.submit keeps one
    (qf_staff_conduct_keep), which becomes a row here after the command's
    savepoint is rolled back, in the same batch. From
    staff.conduct_alert_severity on, management and HR are told
    (staff.conduct_serious). qf_staff_violations gives a person's
    violations of a period to the assessment. */
#include "proposal/proposal_config.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "staff/staff.h"
#include "staff/staff_config.h"
#include "staff/staff_int.h"
#include "staff/staff_store.h"

#include <stdio.h>
#include <string.h>

#define PAGE 1000 /* violations read at once */

/* Records `violation` (person, type, severity, date, description, source,
   rule, details) by `by`, and appends staff.conduct_recorded with
   `payload` (taken; the violation's fields are added to it), and
   staff.conduct_serious from staff.conduct_alert_severity on. *id_p gets
   its id. */
static int
s_record (qf_store_t *store, const qf_config_t *config, int64_t now, json_t *violation,
          const char *by, json_t *payload, int64_t *id_p)
{
    const char *name = json_string_value (json_object_get (violation, "person"));
    json_t *person = NULL, *fields = NULL, *serious = NULL;
    if (qf_staff_get (store, name, &person) == QF_ENOTFOUND)
        person = json_pack ("{s:s}", "person", name);
    int rc = payload && person ? qf_staff_store_violation_add (store, violation, by, now, id_p)
                               : QF_ENOMEM;
    /* The violation as both events tell it. */
    if (rc == 0)
        fields = json_pack (
            "{s:I, s:s, s:O, s:O, s:O, s:O, s:O, s:s}", "violation_id", (json_int_t)*id_p, "user",
            name, "type", json_object_get (violation, "type"), "severity",
            json_object_get (violation, "severity"), "date", json_object_get (violation, "date"),
            "description", json_object_get (violation, "description"), "source",
            json_object_get (violation, "source"), "by", by);
    if (rc == 0 && (!fields || json_object_update (payload, fields) ||
                    json_object_set_new (payload, "recipients",
                                         qf_staff__recipients (store, person, false, true, "hr"))))
        rc = QF_ENOMEM;
    int rank = qf_staff_severity_rank (json_string_value (json_object_get (violation, "severity")));
    if (rc == 0 && rank >= qf_staff_config (config)->conduct_alert_severity) {
        serious = json_deep_copy (fields);
        if (!serious ||
            json_object_set_new (serious, "recipients",
                                 qf_staff__recipients (store, NULL, false, false, "management hr")))
            rc = QF_ENOMEM;
    }
    if (rc == 0) {
        rc = qf_emit_named (store, now, "staff.conduct_recorded", QF_STAFF_SUBJECT, name, payload);
        payload = NULL;
    }
    if (rc == 0 && serious) {
        rc = qf_emit_named (store, now, "staff.conduct_serious", QF_STAFF_SUBJECT, name, serious);
        serious = NULL;
    }
    json_decref (payload);
    json_decref (serious);
    json_decref (fields);
    json_decref (person);
    return rc;
}

int
qf_staff_conduct_keep (qf_ctx_t *ctx, const char *type, json_t *payload)
{
    if (payload && json_object_set_new (payload, "type", json_string (type))) {
        json_decref (payload);
        return QF_ENOMEM;
    }
    return qf_ctx_keep_call (ctx, qf_staff__kept_violation, payload);
}

int
qf_staff__kept_violation (qf_store_t *store, const qf_config_t *config, int64_t now,
                          json_t *payload)
{
    char today[16];
    const char *what = json_string_value (json_object_get (payload, "what"));
    json_t *violation = json_pack (
        "{s:O, s:O, s:O, s:s, s:s, s:s, s:O, s:O}", "person", json_object_get (payload, "user"),
        "type", json_object_get (payload, "type"), "severity",
        json_object_get (payload, "severity"), "date", qf_staff__today (config, now, today),
        "description", what ? what : "refused by a rule of §5.3", "source", "automatic", "rule",
        json_object_get (payload, "rule"), "details", payload);
    int64_t id = 0;
    int rc = violation ? s_record (store, config, now, violation, "qualflowd",
                                   json_deep_copy (payload), &id)
                       : QF_ENOMEM;
    json_decref (violation);
    return rc;
}

int
qf_staff_violations (qf_store_t *store, const char *user, const char *from, const char *to,
                     json_t **violations_p)
{
    json_t *all = json_array ();
    int rc = all ? 0 : QF_ENOMEM;
    for (int64_t after = 0; rc == 0;) {
        json_t *page = NULL;
        rc = qf_staff_store_violations (store, user, from, to, NULL, after, PAGE, &page);
        size_t count = json_array_size (page);
        if (rc == 0 && json_array_extend (all, page))
            rc = QF_ENOMEM;
        if (count)
            after = json_integer_value (json_object_get (json_array_get (page, count - 1), "id"));
        json_decref (page);
        if (count < PAGE)
            break;
    }
    if (rc)
        json_decref (all);
    else
        *violations_p = all;
    return rc;
}

/* A supervisor acts only for the people they supervise: 403 unless the
   acting user is `person`'s supervisor in the directory. */
static int
s_supervises (qf_ctx_t *ctx, json_t *person, const char *what)
{
    const char *name = json_string_value (json_object_get (person, "person"));
    const char *boss = json_string_value (json_object_get (person, "supervisor"));
    if (strcmp (ctx->role, "supervisor") != 0 ||
        (boss && ctx->user && strcmp (boss, ctx->user) == 0))
        return 0;
    return qf_ctx_error (ctx, QF_EFORBIDDEN, "args.person",
                         "a supervisor %s only for the people they supervise; %s's supervisor "
                         "in the staff directory is %s, not %s",
                         what, name, boss ? boss : "nobody", ctx->user ? ctx->user : "you");
}

/* conduct.record: a violation seen by a person. */
int
qf_staff__conduct_record (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    char today[16];
    const char *date = json_string_value (json_object_get (args, "date"));
    json_t *person = NULL;
    int rc = qf_staff__load (ctx, args, &person);
    if (rc == 0)
        rc = s_supervises (ctx, person, "records violations");
    if (rc == 0)
        rc = qf_staff__not_after_today (ctx, args, "date");
    json_decref (person);
    if (rc)
        return rc;
    if (!date)
        date = qf_staff__today (ctx->config, ctx->now, today);
    json_t *violation = json_pack (
        "{s:O, s:O, s:O, s:s, s:O, s:s}", "person", json_object_get (args, "person"), "type",
        json_object_get (args, "type"), "severity", json_object_get (args, "severity"), "date",
        date, "description", json_object_get (args, "description"), "source", "recorded");
    int64_t id = 0;
    rc = violation ? s_record (ctx->store, ctx->config, ctx->now, violation, qf_staff__who (ctx),
                               json_pack ("{s:s}", "role", ctx->role), &id)
                   : QF_ENOMEM;
    json_decref (violation);
    if (rc == 0)
        rc = qf_staff_store_violation_get (ctx->store, id, result_p);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the violation: %s", qf_strerror (rc));
    return 0;
}

/* conduct.list: paged by id; a supervisor's only of one of their people. */
int
qf_staff__conduct_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name = json_string_value (json_object_get (args, "person"));
    int rc = 0;
    if (strcmp (ctx->role, "supervisor") == 0 && !name)
        return qf_ctx_error (ctx, QF_EFORBIDDEN, "args.person",
                             "a supervisor lists the violations of one of the people they "
                             "supervise: give --person");
    if (strcmp (ctx->role, "supervisor") == 0) {
        json_t *person = NULL;
        rc = qf_staff__load (ctx, args, &person);
        if (rc == 0)
            rc = s_supervises (ctx, person, "lists violations");
        json_decref (person);
        if (rc)
            return rc;
    }
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int n = limit ? (int)json_integer_value (limit) : 100;
    rc = qf_staff_store_violations (ctx->store, name,
                                    json_string_value (json_object_get (args, "from")),
                                    json_string_value (json_object_get (args, "to")),
                                    json_string_value (json_object_get (args, "severity")),
                                    json_integer_value (json_object_get (args, "next")), n, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list violations: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, n));
    return *result_p ? 0 : QF_ENOMEM;
}
