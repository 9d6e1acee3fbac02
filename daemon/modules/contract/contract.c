/*  contract — contracts (§6.3). A contract is drafted from an accepted
    proposal: the parties (the company from the configuration, the
    customer from its profile), the lines copied from the accepted version
    and the qualifications' records (never typed, §3.2), the price, a
    payment term of the allowed list with a schedule that adds up to the
    price, the delivery date, the liability for breach and the required
    clauses. Each change is a new version, kept whole. Submitting raises
    contract.review_requested for the configured departments, which report
    independently; all pass -> approved, and its qualifications are
    reserved (sold once per period of use); any fail -> returned with the
    findings. Signing raises contract.signed; finance makes the receivables
    of the schedule (once); payments are recorded against them; delivery
    closes it. The transitions are one table checked in one function. */
#include "contract/contract.h"
#include "aftersales/aftersales.h"
#include "contract/contract_config.h"
#include "contract/contract_store.h"
#include "contract/contract_timers.h"
#include "customer/customer.h"
#include "handover/handover.h"
#include "proposal/proposal.h"
#include "proposal/proposal_store.h"
#include "qualification/qualification.h"
#include "qualification/qualification_store.h"
#include "risk/risk.h"
#include "staff/staff.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HALF_FEN 0.005 /* amounts are compared to the fen (0.01 yuan) */

/* Amounts to the fen. */
static double
s_fen (double amount)
{
    return round (amount * 100) / 100;
}

/* States ------------------------------------------------------------------- */

/* A contract's transitions: for each action, the states it may be done
   in, the state it leaves (NULL: it stays) and what a refusal says.
   draft -> in_review -> approved | returned (-> draft as a new version)
   -> signed -> delivered; cancelled from any open state. The one place
   that says which state allows what. */
static const struct {
    const char *action, *from, *to, *rule;
} s_transitions[] = {
    {"revise", "draft returned", "draft",
     "only a draft or a returned contract is revised (a new version); one under review, "
     "approved or signed stays as it is"},
    {"submit", "draft", "in_review", "only a draft is submitted for review"},
    {"report", "in_review", NULL, "only a contract under review is reported on"},
    {"approve", "in_review", "approved", "only a contract under review is approved"},
    {"return", "in_review", "returned", "only a contract under review is returned"},
    {"sign", "approved", "signed",
     "only a contract that all reviewing departments approved is signed (§6.3)"},
    {"receivables", "signed delivered", NULL,
     "receivables are made from the schedule of a signed contract"},
    {"deliver", "signed", "delivered", "only a signed contract is delivered"},
    {"cancel", "draft in_review returned approved signed", "cancelled",
     "a delivered or cancelled contract is closed"},
};

/* Whether `action` may be done in `state`; *to_p gets the state it
   leaves (NULL: it stays), *rule_p what a refusal says. */
static bool
s_allows (const char *state, const char *action, const char **to_p, const char **rule_p)
{
    for (size_t i = 0; i < sizeof s_transitions / sizeof s_transitions[0]; i++)
        if (strcmp (s_transitions[i].action, action) == 0) {
            *to_p = s_transitions[i].to;
            *rule_p = s_transitions[i].rule;
            return state && qf_word_in (state, s_transitions[i].from);
        }
    assert (!"no such contract action in s_transitions");
    return false;
}

/* Who may act ---------------------------------------------------------------- */

/* A salesperson acts only for the customers they own (§6.1); the other
   roles allowed by the spec for any. 403 naming `field`. */
static int
s_owner_check (qf_ctx_t *ctx, json_t *customer, const char *field, const char *what)
{
    const char *owner = json_string_value (json_object_get (customer, "owner"));
    if (strcmp (ctx->role, "sales") != 0 || (owner && ctx->user && strcmp (owner, ctx->user) == 0))
        return 0;
    return qf_ctx_error (ctx, QF_EFORBIDDEN, field,
                         "%s is for customer %lld of %s; a salesperson acts only for the "
                         "customers they own (§6.1): its owner, a supervisor or management may",
                         what, (long long)json_integer_value (json_object_get (customer, "id")),
                         owner ? owner : "nobody");
}

/* Loads contract `id` (404 naming `field`), with the owner check. */
static int
s_load_id (qf_ctx_t *ctx, json_int_t id, const char *field, json_t **contract_p)
{
    int rc = qf_store_contract_get (ctx->store, id, contract_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, field, "no contract with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the contract: %s", qf_strerror (rc));
    json_t *customer = NULL;
    rc = qf_customer_get (
        ctx->store, json_integer_value (json_object_get (*contract_p, "customer_id")), &customer);
    if (rc == 0) {
        char what[64];
        snprintf (what, sizeof what, "contract %lld", (long long)id);
        rc = s_owner_check (ctx, customer, field, what);
    } else
        rc = qf_ctx_error (ctx, rc, NULL, "could not read the customer: %s", qf_strerror (rc));
    json_decref (customer);
    if (rc) {
        json_decref (*contract_p);
        *contract_p = NULL;
    }
    return rc;
}

/* s_load_id of args.id, and a 409 naming args.id unless `action` is
   allowed in its state; *to_p gets the state the action leaves. */
static int
s_load_for (qf_ctx_t *ctx, json_t *args, const char *action, json_t **contract_p, const char **to_p)
{
    int rc =
        s_load_id (ctx, json_integer_value (json_object_get (args, "id")), "args.id", contract_p);
    if (rc)
        return rc;
    const char *state = json_string_value (json_object_get (*contract_p, "state"));
    const char *rule = NULL;
    if (s_allows (state, action, to_p, &rule))
        return 0;
    rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id", "contract %s is %s; %s",
                       json_string_value (json_object_get (*contract_p, "number")), state, rule);
    json_decref (*contract_p);
    *contract_p = NULL;
    return rc;
}

/* The current version's body of contract `id` (new reference). */
static int
s_body (qf_ctx_t *ctx, int64_t id, json_t **body_p)
{
    json_t *versions = NULL;
    int rc = qf_store_contract_versions (ctx->store, id, &versions);
    if (rc == 0 && json_array_size (versions) == 0)
        rc = QF_ENOTFOUND;
    if (rc == 0)
        *body_p = json_incref (
            json_object_get (json_array_get (versions, json_array_size (versions) - 1), "body"));
    json_decref (versions);
    return rc ? qf_ctx_error (ctx, rc, NULL, "could not read contract %lld: %s", (long long)id,
                              qf_strerror (rc))
              : 0;
}

/* Reservations and flags (contract.h) ----------------------------------------- */

int
qf_contract_reserved_by (qf_store_t *store, int64_t qual_id, const char *expires,
                         int64_t *contract_p, char **number_p)
{
    *contract_p = 0;
    if (number_p)
        *number_p = NULL;
    int rc = qf_store_contract_reserved_by (store, qual_id, expires, contract_p);
    json_t *contract = NULL;
    if (rc == 0 && *contract_p && number_p &&
        qf_store_contract_get (store, *contract_p, &contract) == 0) {
        *number_p = strdup (json_string_value (json_object_get (contract, "number")));
        rc = *number_p ? 0 : QF_ENOMEM;
    }
    json_decref (contract);
    return rc;
}

int
qf_contract_flag_qualification (qf_store_t *store, int64_t now, int64_t qual_id, const char *reason,
                                json_t **flagged_p)
{
    json_t *ids = NULL;
    int rc = qf_store_contracts_holding (store, qual_id, &ids);
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++) {
        json_int_t id = json_integer_value (json_array_get (ids, i));
        json_t *contract = NULL;
        rc = qf_store_contract_flag (store, id, qual_id, reason, now);
        if (rc == 0)
            rc = qf_store_contract_get (store, id, &contract);
        if (rc == 0) {
            json_t *owner = json_object_get (contract, "owner");
            rc = qf_emit (store, now, "contract.flagged", "contract", id,
                          json_pack ("{s:I, s:O, s:I, s:s, s:O, s:O, s:O, s:[O]}", "contract_id",
                                     id, "number", json_object_get (contract, "number"),
                                     "qualification_id", (json_int_t)qual_id, "reason", reason,
                                     "customer_id", json_object_get (contract, "customer_id"),
                                     "owner", owner, "state", json_object_get (contract, "state"),
                                     "recipients", owner));
        }
        json_decref (contract);
    }
    if (rc == 0 && flagged_p)
        *flagged_p = ids;
    else
        json_decref (ids);
    return rc;
}

/* Arguments -------------------------------------------------------------------- */

/* The configured ids of `kind` (clauses or terms), for messages. */
static void
s_known (qf_ctx_t *ctx, bool clauses, char *text, size_t size)
{
    const qf_contract_config_t *settings = qf_contract_config (ctx->config);
    size_t used = 0, count = clauses ? settings->clause_count : settings->term_count;
    text[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf (text + used, size - used, "%s%s", i ? ", " : "",
                                  clauses ? settings->clauses[i].name : settings->terms[i].name);
    if (!count)
        snprintf (text, size, "none");
}

/* The required clauses, less the ids of `omit` (comma-separated, each a
   configured clause; NULL: none left out), as [{id, text}]. */
static int
s_clauses (qf_ctx_t *ctx, const char *omit, json_t **clauses_p)
{
    json_t *left_out = NULL, *clauses = json_array ();
    int rc = clauses ? 0 : QF_ENOMEM;
    if (rc == 0 && omit)
        rc = qf_ctx_split (ctx, omit, ',', "args.omit", &left_out);
    for (size_t i = 0; rc == 0 && i < json_array_size (left_out); i++) {
        const char *id = json_string_value (json_array_get (left_out, i));
        if (!qf_contract_clause (ctx->config, id)) {
            char known[512];
            s_known (ctx, true, known, sizeof known);
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.omit",
                               "args.omit: \"%.40s\" is not a clause of contract_clauses: "
                               "(configured: %s)",
                               id, known);
        }
    }
    const qf_contract_config_t *settings = qf_contract_config (ctx->config);
    for (size_t i = 0; rc == 0 && i < settings->clause_count; i++) {
        bool omitted = false;
        for (size_t k = 0; k < json_array_size (left_out); k++)
            omitted |= strcmp (json_string_value (json_array_get (left_out, k)),
                               settings->clauses[i].name) == 0;
        if (!omitted && json_array_append_new (
                            clauses, json_pack ("{s:s, s:s}", "id", settings->clauses[i].name,
                                                "text", settings->clauses[i].text)))
            rc = QF_ENOMEM;
    }
    json_decref (left_out);
    if (rc) {
        json_decref (clauses);
        return rc;
    }
    *clauses_p = clauses;
    return 0;
}

/* The payment term args.payment_term as {id, text, instalments}. */
static int
s_term (qf_ctx_t *ctx, const char *id, json_t **term_p)
{
    const qf_payment_term_t *term = qf_contract_term (ctx->config, id);
    if (!term) {
        char known[512];
        s_known (ctx, false, known, sizeof known);
        return qf_ctx_error (ctx, QF_EINVAL, "args.payment_term",
                             "args.payment_term: \"%.40s\" is not an allowed payment term "
                             "(payment_terms: %s; §6.3)",
                             id ? id : "", known);
    }
    *term_p = json_pack ("{s:s, s:s, s:i}", "id", term->name, "text", term->text, "instalments",
                         term->instalments);
    return *term_p ? 0 : QF_ENOMEM;
}

/* Parses args.schedule, "YYYY-MM-DD:AMOUNT,...", into [{instalment, due,
   amount}]: as many instalments as the term has, dates after today and
   in order, amounts above 0 adding up to `price` (§6.3). */
static int
s_schedule (qf_ctx_t *ctx, const char *text, json_t *term, double price, json_t **schedule_p)
{
    json_t *items = NULL, *schedule = json_array ();
    int rc = schedule ? qf_ctx_split (ctx, text, ',', "args.schedule", &items) : QF_ENOMEM;
    int32_t today = qf_calendar_today (ctx->config, ctx->now), last = today;
    double sum = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (items); i++) {
        const char *item = json_string_value (json_array_get (items, i));
        char date[11] = "";
        int32_t day = 0;
        double amount = -1;
        char *end = NULL;
        if (strlen (item) > 11 && item[10] == ':') {
            memcpy (date, item, 10);
            amount = strtod (item + 11, &end);
            if (*end || !isfinite (amount) || qf_date_parse (date, &day))
                amount = -1;
        }
        if (amount <= 0 || amount > 1e12)
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.schedule",
                               "args.schedule: instalment %zu (\"%.60s\") is not "
                               "YYYY-MM-DD:AMOUNT with an amount above 0",
                               i + 1, item);
        else if (day <= last)
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.schedule",
                               "args.schedule: instalment %zu is due %s; each instalment is due "
                               "after today and after the one before",
                               i + 1, date);
        else if (json_array_append_new (schedule,
                                        json_pack ("{s:i, s:s, s:f}", "instalment", (int)(i + 1),
                                                   "due", date, "amount", s_fen (amount))))
            rc = QF_ENOMEM;
        last = day;
        sum += s_fen (amount);
    }
    int instalments = (int)json_integer_value (json_object_get (term, "instalments"));
    if (rc == 0 && json_array_size (items) != (size_t)instalments)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.schedule",
                           "args.schedule has %zu instalments; payment term %s has %d "
                           "(payment_terms:, §6.3)",
                           json_array_size (items),
                           json_string_value (json_object_get (term, "id")), instalments);
    if (rc == 0 && fabs (sum - price) >= HALF_FEN)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.schedule",
                           "args.schedule adds up to %.2f, not the contract price %.2f: the "
                           "payment schedule must add up to the price (§6.3)",
                           s_fen (sum), price);
    json_decref (items);
    if (rc) {
        json_decref (schedule);
        return rc;
    }
    *schedule_p = schedule;
    return 0;
}

/* The delivery date must be after today. */
static int
s_check_delivery (qf_ctx_t *ctx, const char *delivery)
{
    int32_t day = 0, today = qf_calendar_today (ctx->config, ctx->now);
    qf_date_parse (delivery, &day);
    if (day > today)
        return 0;
    char text[16];
    return qf_ctx_error (ctx, QF_EINVAL, "args.delivery",
                         "args.delivery (%s) must be after today (%s)", delivery ? delivery : "",
                         qf_date_format (today, text, sizeof text));
}

/* Lines ----------------------------------------------------------------------- */

/* Refuses (409 naming `field`) a qualification that is not sellable now
   (§3.1) or is reserved for its period of use by another contract than
   `self` (sold once per period, §6.3). */
static int
s_available (qf_ctx_t *ctx, json_t *record, size_t n, int64_t self, const char *field)
{
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    char why[256];
    if (!qf_qualification_sellable (ctx->config, ctx->now, record, why, sizeof why))
        return qf_ctx_error (ctx, QF_ECONFLICT, field,
                             "line %zu: qualification %lld is not sellable: %s (§3.1)", n,
                             (long long)id, why);
    if (!qf_contract_config (ctx->config)->sold_once_per_period)
        return 0;
    int64_t holder = 0;
    char *number = NULL;
    int rc = qf_contract_reserved_by (
        ctx->store, id, json_string_value (json_object_get (record, "expires")), &holder, &number);
    if (rc == 0 && holder && holder != self)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, field,
                           "line %zu: qualification %lld is reserved by contract %s (id %lld) "
                           "for its period of use until %s; a qualification is sold once per "
                           "period of use (contract.sold_once_per_period, §6.3)",
                           n, (long long)id, number ? number : "?", (long long)holder,
                           json_string_value (json_object_get (record, "expires")));
    else if (rc)
        rc = qf_ctx_error (ctx, rc, NULL, "could not read reservations: %s", qf_strerror (rc));
    free (number);
    return rc;
}

/* The lines of a contract from the proposal's `offer` lines: each
   qualification as its record has it now (§3.2), with the offer's list
   price, price and discount; each must be available (s_available). */
static int
s_lines (qf_ctx_t *ctx, json_t *offer_lines, int64_t self, json_t **lines_p, double *price_p)
{
    json_t *lines = json_array ();
    double price = 0;
    int rc = lines ? 0 : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size (offer_lines); i++) {
        json_t *offer = json_array_get (offer_lines, i), *record = NULL;
        json_int_t qid = json_integer_value (json_object_get (offer, "qualification_id"));
        char field[32];
        snprintf (field, sizeof field, "lines[%zu]", i + 1);
        rc = qf_store_qual_get (ctx->store, qid, &record);
        if (rc == QF_ENOTFOUND)
            rc = qf_ctx_error (ctx, rc, field, "line %zu: qualification %lld is gone", i + 1,
                               (long long)qid);
        if (rc == 0)
            rc = s_available (ctx, record, i + 1, self, field);
        if (rc == 0 &&
            json_array_append_new (
                lines, json_pack ("{s:i, s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
                                  "line", (int)(i + 1), "qualification_id", qid, "name",
                                  json_object_get (record, "name"), "cert_no",
                                  json_object_get (record, "cert_no"), "authority",
                                  json_object_get (record, "authority"), "category",
                                  json_object_get (record, "category"), "scope",
                                  json_object_get (record, "scope"), "issued",
                                  json_object_get (record, "issued"), "expires",
                                  json_object_get (record, "expires"), "list_price",
                                  json_object_get (offer, "list_price"), "price",
                                  json_object_get (offer, "price"), "discount",
                                  json_object_get (offer, "discount"))))
            rc = QF_ENOMEM;
        price += json_number_value (json_object_get (offer, "price"));
        json_decref (record);
    }
    if (rc) {
        json_decref (lines);
        return rc;
    }
    *lines_p = lines;
    *price_p = s_fen (price);
    return 0;
}

/* The parties: the company from the configuration, the customer from its
   profile. */
static json_t *
s_parties (qf_ctx_t *ctx, json_t *customer)
{
    const qf_contract_config_t *settings = qf_contract_config (ctx->config);
    return json_pack (
        "{s:{s:s, s:s, s:s, s:s}, s:{s:O, s:O, s:O?, s:O?, s:O?}}", "company", "name",
        settings->company_name, "credit_code", settings->company_credit_code, "address",
        settings->company_address, "representative", settings->company_representative, "customer",
        "id", json_object_get (customer, "id"), "name", json_object_get (customer, "name"),
        "credit_code", json_object_get (customer, "credit_code"), "region",
        json_object_get (customer, "region"), "industry", json_object_get (customer, "industry"));
}

/* Records ----------------------------------------------------------------- */

/* The contract as contract.show answers it: its row and the current
   version's body flattened in, every version, report and flag, and its
   receivables. A worker's result (contract.report) is answered to nobody,
   so it gets only the id: the whole record, every version's body parsed,
   cost more than the report it answers. */
static int
s_show_record (qf_ctx_t *ctx, int64_t id, json_t **record_p)
{
    if (ctx->from_worker) {
        *record_p = json_pack ("{s:I}", "id", (json_int_t)id);
        return *record_p ? 0 : qf_ctx_error (ctx, QF_ENOMEM, NULL, "out of memory");
    }
    json_t *record = NULL, *versions = NULL, *reports = NULL, *flags = NULL, *receivables = NULL,
           *tasks = NULL;
    int rc = qf_store_contract_get (ctx->store, id, &record);
    if (rc == 0)
        rc = qf_store_contract_versions (ctx->store, id, &versions);
    if (rc == 0)
        rc = qf_store_contract_reports (ctx->store, id, &reports);
    if (rc == 0)
        rc = qf_store_contract_flags (ctx->store, id, &flags);
    if (rc == 0)
        rc = qf_store_receivables (ctx->store, id, &receivables);
    if (rc == 0)
        rc = qf_handover_of (ctx->store, id, &tasks);
    if (rc) {
        json_decref (record);
        json_decref (versions);
        json_decref (reports);
        json_decref (flags);
        json_decref (receivables);
        return qf_ctx_error (ctx, rc, NULL, "could not read contract %lld: %s", (long long)id,
                             qf_strerror (rc));
    }
    json_t *body =
        json_object_get (json_array_get (versions, json_array_size (versions) - 1), "body");
    const char *const keys[] = {"parties", "lines",    "payment_term",     "schedule",
                                "clauses", "proposal", "breach_liability", "note"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        json_object_set (record, keys[i], json_object_get (body, keys[i]));
    json_object_set (
        record, "customer",
        json_object_get (json_object_get (json_object_get (body, "parties"), "customer"), "name"));
    json_object_set_new (record, "versions", versions);
    json_object_set_new (record, "reports", reports);
    json_object_set_new (record, "flags", flags);
    json_object_set_new (record, "receivables", receivables);
    json_object_set_new (record, "handover", tasks);
    *record_p = record;
    return 0;
}

/* The tail of a command that changed contract `id`: appends `topic` with
   `payload` (taken) plus contract_id, and answers the contract. */
static int
s_changed (qf_ctx_t *ctx, int rc, int64_t id, const char *topic, json_t *payload, json_t **result_p)
{
    if (rc == 0 && payload)
        json_object_set_new (payload, "contract_id", json_integer (id));
    if (rc == 0)
        rc = qf_ctx_emit (ctx, topic, "contract", id, payload);
    else
        json_decref (payload);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record %s: %s", topic,
                                             qf_strerror (rc));
    return s_show_record (ctx, id, result_p);
}

/* Drafting ------------------------------------------------------------------- */

/* The proposal args.proposal_id, accepted, its customer owned by the
   user if a salesperson, with no open contract yet: *proposal_p, its
   accepted version *offer_p, its customer *customer_p. */
static int
s_load_proposal (qf_ctx_t *ctx, json_int_t proposal_id, json_t **proposal_p, json_t **offer_p,
                 json_t **customer_p)
{
    json_t *proposal = NULL, *versions = NULL, *customer = NULL;
    int rc = qf_store_proposal_get (ctx->store, proposal_id, &proposal);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.proposal_id", "no proposal with id %lld",
                             (long long)proposal_id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the proposal: %s", qf_strerror (rc));
    const char *state = json_string_value (json_object_get (proposal, "state"));
    if (strcmp (state, "accepted") != 0)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.proposal_id",
                           "proposal %lld is %s; a contract is drafted from an accepted proposal "
                           "(§6.3)",
                           (long long)proposal_id, state);
    if (rc == 0) {
        rc = qf_customer_get (
            ctx->store, json_integer_value (json_object_get (proposal, "customer_id")), &customer);
        if (rc)
            rc = qf_ctx_error (ctx, rc, NULL, "could not read the customer: %s", qf_strerror (rc));
    }
    if (rc == 0) {
        char what[64];
        snprintf (what, sizeof what, "proposal %lld", (long long)proposal_id);
        rc = s_owner_check (ctx, customer, "args.proposal_id", what);
    }
    int64_t open = 0;
    if (rc == 0)
        rc = qf_store_contract_for_proposal (ctx->store, proposal_id, &open);
    if (rc == 0 && open) {
        json_t *contract = NULL;
        qf_store_contract_get (ctx->store, open, &contract);
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.proposal_id",
                           "proposal %lld already has contract %s (id %lld); revise that one, "
                           "or cancel it first",
                           (long long)proposal_id,
                           json_string_value (json_object_get (contract, "number")),
                           (long long)open);
        json_decref (contract);
    }
    if (rc == 0)
        rc = qf_store_proposal_versions (ctx->store, proposal_id, &versions);
    if (rc) {
        json_decref (proposal);
        json_decref (customer);
        json_decref (versions);
        return ctx->error[0] ? rc : qf_ctx_error (ctx, rc, NULL, "%s", qf_strerror (rc));
    }
    *offer_p = json_incref (json_array_get (versions, json_array_size (versions) - 1));
    json_decref (versions);
    *proposal_p = proposal;
    *customer_p = customer;
    return 0;
}

/* A version's body: parties, lines, price, payment, delivery, liability,
   clauses, where it comes from (`proposal_ref`, not taken), the note
   (taken: parties, lines, term, schedule, clauses). */
static json_t *
s_make_body (qf_ctx_t *ctx, const char *number, json_t *parties, json_t *lines, double price,
             json_t *term, json_t *schedule, const char *delivery, json_t *clauses,
             json_t *proposal_ref, const char *note)
{
    return json_pack ("{s:s, s:o, s:o, s:f, s:o, s:o, s:s, s:s, s:o, s:O, s:s}", "number", number,
                      "parties", parties, "lines", lines, "price", price, "payment_term", term,
                      "schedule", schedule, "delivery", delivery, "breach_liability",
                      qf_contract_config (ctx->config)->breach_liability, "clauses", clauses,
                      "proposal", proposal_ref, "note", note ? note : "");
}

/* contract.draft: version 1 from an accepted proposal. */
static int
s_draft (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t proposal_id = json_integer_value (json_object_get (args, "proposal_id"));
    json_t *proposal = NULL, *offer = NULL, *customer = NULL;
    int rc = s_load_proposal (ctx, proposal_id, &proposal, &offer, &customer);
    if (rc)
        return rc;
    const char *delivery = json_string_value (json_object_get (args, "delivery"));
    if (!delivery)
        delivery = json_string_value (json_object_get (offer, "delivery"));
    json_t *lines = NULL, *term = NULL, *schedule = NULL, *clauses = NULL, *body = NULL;
    double price = 0;
    rc = s_check_delivery (ctx, delivery);
    if (rc == 0)
        rc = s_lines (ctx, json_object_get (offer, "lines"), 0, &lines, &price);
    if (rc == 0)
        rc = s_term (ctx, json_string_value (json_object_get (args, "payment_term")), &term);
    if (rc == 0)
        rc = s_schedule (ctx, json_string_value (json_object_get (args, "schedule")), term, price,
                         &schedule);
    if (rc == 0)
        rc = s_clauses (ctx, json_string_value (json_object_get (args, "omit")), &clauses);
    /* The number: the pattern with this year's next sequence, taken in
       this transaction so that a refused draft leaves no gap. */
    int year = qf_calendar_year (qf_calendar_today (ctx->config, ctx->now));
    int64_t seq = 0, id = 0;
    char number[96];
    if (rc == 0)
        rc = qf_store_contract_next_seq (ctx->store, year, &seq);
    if (rc == 0 && qf_contract_number (qf_contract_config (ctx->config)->number_pattern, year, seq,
                                       number, sizeof number))
        rc = qf_ctx_error (ctx, QF_EINVAL, "contract.number_pattern",
                           "contract.number_pattern \"%s\" is not a pattern: use {year} and "
                           "{seq:N} (N digits) or {seq}, e.g. HF-{year}-{seq:4}",
                           qf_contract_config (ctx->config)->number_pattern);
    if (rc == 0)
        rc = qf_store_contract_insert (
            ctx->store, number, proposal_id, json_integer_value (json_object_get (customer, "id")),
            json_string_value (json_object_get (customer, "owner")), ctx->user, ctx->now, &id);
    if (rc == 0) {
        json_t *source = json_pack ("{s:I, s:O}", "id", proposal_id, "version",
                                    json_object_get (offer, "version"));
        body = s_make_body (ctx, number, s_parties (ctx, customer), lines, price, term, schedule,
                            delivery, clauses, source,
                            json_string_value (json_object_get (args, "note")));
        json_decref (source);
        lines = term = schedule = clauses = NULL;
        rc = body ? qf_store_contract_version_add (ctx->store, id, 1, body, "draft", ctx->user,
                                                   ctx->role, ctx->now)
                  : QF_ENOMEM;
    }
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack ("{s:s, s:I, s:O, s:O, s:i, s:O, s:s}", "number", number, "proposal_id",
                             proposal_id, "customer_id", json_object_get (customer, "id"), "owner",
                             json_object_get (customer, "owner"), "version", 1, "contract", body,
                             "by", ctx->user ? ctx->user : "");
    json_decref (body);
    json_decref (lines);
    json_decref (term);
    json_decref (schedule);
    json_decref (clauses);
    json_decref (proposal);
    json_decref (offer);
    json_decref (customer);
    return s_changed (ctx, rc, id, "contract.drafted", payload, result_p);
}

/* contract.revise: a new version (draft) of a draft or returned contract:
   the lines copied from the records again, the payment, delivery date and
   clauses as given (the required clauses less args.omit), the rest kept. */
static int
s_revise (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL, *old = NULL;
    const char *to = NULL;
    int rc = s_load_for (ctx, args, "revise", &contract, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (contract, "id"));
    int version = (int)json_integer_value (json_object_get (contract, "version"));
    const char *previous = json_string_value (json_object_get (contract, "state"));
    rc = s_body (ctx, id, &old);
    json_t *lines = NULL, *term = NULL, *schedule = NULL, *clauses = NULL, *body = NULL,
           *customer = NULL;
    double price = 0;
    const char *delivery = json_string_value (json_object_get (args, "delivery"));
    const char *term_id = json_string_value (json_object_get (args, "payment_term"));
    const char *schedule_text = json_string_value (json_object_get (args, "schedule"));
    if (rc == 0 && delivery)
        rc = s_check_delivery (ctx, delivery);
    if (rc == 0)
        rc = s_lines (ctx, json_object_get (old, "lines"), id, &lines, &price);
    if (rc == 0)
        rc = s_term (ctx,
                     term_id ? term_id
                             : json_string_value (
                                   json_object_get (json_object_get (old, "payment_term"), "id")),
                     &term);
    if (rc == 0 && !schedule_text && term_id)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.schedule",
                           "a new payment term needs its schedule: give args.schedule too");
    if (rc == 0 && schedule_text)
        rc = s_schedule (ctx, schedule_text, term, price, &schedule);
    else if (rc == 0)
        schedule = json_incref (json_object_get (old, "schedule"));
    if (rc == 0)
        rc = s_clauses (ctx, json_string_value (json_object_get (args, "omit")), &clauses);
    if (rc == 0) {
        rc = qf_customer_get (
            ctx->store, json_integer_value (json_object_get (contract, "customer_id")), &customer);
        if (rc)
            rc = qf_ctx_error (ctx, rc, NULL, "could not read the customer: %s", qf_strerror (rc));
    }
    if (rc == 0) {
        const char *note = json_string_value (json_object_get (args, "note"));
        body = s_make_body (ctx, json_string_value (json_object_get (contract, "number")),
                            s_parties (ctx, customer), lines, price, term, schedule,
                            delivery ? delivery
                                     : json_string_value (json_object_get (old, "delivery")),
                            clauses, json_object_get (old, "proposal"),
                            note ? note : json_string_value (json_object_get (old, "note")));
        lines = term = schedule = clauses = NULL;
        rc = body ? 0 : QF_ENOMEM;
    }
    if (rc == 0 && json_equal (body, old))
        rc = qf_ctx_error (ctx, QF_EINVAL, "args",
                           "nothing differs from version %d: give another payment term and "
                           "schedule, delivery date, clauses (args.omit) or note",
                           version);
    /* A returned contract goes back to draft only as a new version; its
       state moves with the version (returned -> draft). */
    if (rc == 0)
        rc = qf_store_contract_version_add (ctx->store, id, version + 1, body, to, ctx->user,
                                            ctx->role, ctx->now);
    json_t *payload = NULL;
    if (rc == 0)
        payload =
            json_pack ("{s:O, s:i, s:s, s:O, s:O, s:s}", "number",
                       json_object_get (contract, "number"), "version", version + 1,
                       "previous_state", previous, "owner", json_object_get (contract, "owner"),
                       "contract", body, "by", ctx->user ? ctx->user : "");
    json_decref (body);
    json_decref (lines);
    json_decref (term);
    json_decref (schedule);
    json_decref (clauses);
    json_decref (customer);
    json_decref (old);
    json_decref (contract);
    return s_changed (ctx, rc, id, "contract.revised", payload, result_p);
}

/* Submission -------------------------------------------------------------- */

/* §5.3 at submission: each line's discount within the submitter's limit
   or within the proposal's approval of its accepted version; else
   refused naming the line and recorded as conduct. */
static int
s_discounts_allowed (qf_ctx_t *ctx, json_t *contract, json_t *body, json_t **approval_p)
{
    json_t *ref = json_object_get (body, "proposal"), *approvals = NULL, *lines;
    json_int_t proposal_id = json_integer_value (json_object_get (ref, "id"));
    json_int_t version = json_integer_value (json_object_get (ref, "version"));
    int rc = qf_store_proposal_approvals (ctx->store, proposal_id, &approvals);
    json_t *approval = NULL, *item;
    size_t k;
    json_array_foreach (approvals, k, item)
    {
        if (json_integer_value (json_object_get (item, "version")) == version)
            approval = item;
    }
    lines = json_object_get (body, "lines");
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        json_t *line = json_array_get (lines, i), *record = NULL;
        json_int_t qid = json_integer_value (json_object_get (line, "qualification_id"));
        double price = json_number_value (json_object_get (line, "price"));
        qf_price_check_t check;
        rc = qf_store_qual_get (ctx->store, qid, &record);
        if (rc == 0)
            rc = qf_proposal_price_check (ctx->config, ctx->role, record, price, &check);
        json_decref (record);
        if (rc == QF_ENOTFOUND) {
            rc = qf_ctx_error (ctx, QF_ECONFLICT, "lines",
                               "line %zu has no list price any more; configure it in "
                               "list_prices: or qualification_prices: (§5.3)",
                               i + 1);
            break;
        }
        if (rc || !check.needs_approval ||
            (approval &&
             json_number_value (json_object_get (approval, "percent")) + 1e-9 >= check.discount))
            continue;
        char field[48];
        snprintf (field, sizeof field, "lines[%zu].price", i + 1);
        json_int_t id = json_integer_value (json_object_get (contract, "id"));
        rc = qf_proposal_conduct (
            ctx, "§5.3: never promise discounts beyond company rules",
            json_pack ("{s:s, s:I, s:O, s:O, s:i, s:I, s:f, s:f, s:f, s:i, s:s?}", "what",
                       "contract.submit refused: a discount beyond the role's limit without an "
                       "approval",
                       "contract_id", id, "number", json_object_get (contract, "number"),
                       "customer_id", json_object_get (contract, "customer_id"), "line",
                       (int)(i + 1), "qualification_id", qid, "price", price, "list_price",
                       check.list_price, "discount", check.discount, "limit", check.limit,
                       "approver", check.approver));
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, field,
                           "line %zu (qualification %lld): price %.2f is %.2f %% below the list "
                           "price %.2f; role %s may grant at most %d %% (policy.max_discount_%s, "
                           "§5.3) and proposal %lld version %lld has no approval of it; "
                           "%s must approve it (qualflow proposal approve); the refusal is "
                           "recorded as a conduct event on %s",
                           i + 1, (long long)qid, price, check.discount, check.list_price,
                           ctx->role, check.limit, ctx->role, (long long)proposal_id,
                           (long long)version, check.approver ? check.approver : "no role",
                           ctx->user ? ctx->user : "the submitter");
    }
    if (rc == 0 && approval_p)
        *approval_p = approval ? json_incref (approval) : json_null ();
    json_decref (approvals);
    return rc;
}

/* The schedule of `body` still adds up to its price (a configuration
   change between draft and submission does not touch it, but a revised
   price would). */
static int
s_schedule_holds (qf_ctx_t *ctx, json_t *body)
{
    json_t *schedule = json_object_get (body, "schedule");
    double sum = 0, price = json_number_value (json_object_get (body, "price"));
    for (size_t i = 0; i < json_array_size (schedule); i++)
        sum += json_number_value (json_object_get (json_array_get (schedule, i), "amount"));
    if (fabs (sum - price) < HALF_FEN)
        return 0;
    return qf_ctx_error (ctx, QF_ECONFLICT, "schedule",
                         "the payment schedule adds up to %.2f, not the price %.2f (§6.3); "
                         "revise the contract with args.schedule",
                         s_fen (sum), price);
}

/* The facts the departments judge that only the daemon knows: each
   line's qualification as sellable now or not, and which contract
   reserves it. */
static json_t *
s_facts (qf_ctx_t *ctx, json_t *body, int64_t self)
{
    json_t *lines = json_object_get (body, "lines"), *facts = json_array ();
    for (size_t i = 0; facts && i < json_array_size (lines); i++) {
        json_t *line = json_array_get (lines, i), *record = NULL;
        json_int_t qid = json_integer_value (json_object_get (line, "qualification_id"));
        char why[256] = "";
        bool sellable = qf_store_qual_get (ctx->store, qid, &record) == 0 &&
                        qf_qualification_sellable (ctx->config, ctx->now, record, why, sizeof why);
        int64_t holder = 0;
        char *number = NULL;
        qf_contract_reserved_by (ctx->store, qid,
                                 json_string_value (json_object_get (record, "expires")), &holder,
                                 &number);
        json_array_append_new (facts,
                               json_pack ("{s:I, s:b, s:s, s:O?, s:O?, s:s?}", "qualification_id",
                                          qid, "sellable", sellable, "why", why, "expires",
                                          json_object_get (record, "expires"), "scope",
                                          json_object_get (record, "scope"), "reserved_by",
                                          holder && holder != self ? number : NULL));
        free (number);
        json_decref (record);
    }
    return facts;
}

/* The configured departments, as a JSON array. */
static json_t *
s_departments (qf_ctx_t *ctx, bool confirmed)
{
    const qf_contract_config_t *settings = qf_contract_config (ctx->config);
    json_t *list = json_array ();
    size_t count = confirmed ? settings->confirmed_count : settings->review_department_count;
    for (size_t i = 0; list && i < count; i++)
        json_array_append_new (list, json_string (confirmed ? settings->confirmed_by_person[i]
                                                            : settings->review_departments[i]));
    return list;
}

/* contract.submit: the current version goes to the three-department
   review (contract.review_requested, committed with the change). */
static int
s_submit (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL, *body = NULL, *approval = NULL, *lines = NULL;
    const char *to = NULL;
    int rc = s_load_for (ctx, args, "submit", &contract, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (contract, "id"));
    double price = 0;
    rc = s_body (ctx, id, &body);
    if (rc == 0)
        rc = s_discounts_allowed (ctx, contract, body, &approval);
    if (rc == 0)
        rc = s_schedule_holds (ctx, body);
    if (rc == 0) /* each line still sellable and free */
        rc = s_lines (ctx, json_object_get (body, "lines"), id, &lines, &price);
    json_decref (lines);
    if (rc == 0)
        rc = qf_store_contract_move (ctx->store, id, "draft", to, ctx->now);
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack (
            "{s:O, s:O, s:O, s:O, s:o, s:o, s:O, s:o, s:O, s:s, s:s, s:i}", "number",
            json_object_get (contract, "number"), "version", json_object_get (contract, "version"),
            "owner", json_object_get (contract, "owner"), "customer_id",
            json_object_get (contract, "customer_id"), "departments", s_departments (ctx, false),
            "confirmed_by_person", s_departments (ctx, true), "contract", body, "qualifications",
            s_facts (ctx, body, id), "discount_approval", approval, "submitted_by",
            ctx->user ? ctx->user : "", "submitted_role", ctx->role, "role_limit",
            qf_proposal_role_limit (ctx->config, ctx->role));
    json_decref (approval);
    json_decref (body);
    json_decref (contract);
    return s_changed (ctx, rc, id, "contract.review_requested", payload, result_p);
}

/* Review ----------------------------------------------------------------- */

/* Whether every configured department has a counted pass of `version`
   among `reports`. */
static bool
s_all_passed (qf_ctx_t *ctx, json_t *reports, json_int_t version)
{
    const qf_contract_config_t *settings = qf_contract_config (ctx->config);
    for (size_t d = 0; d < settings->review_department_count; d++) {
        bool passed = false;
        for (size_t i = 0; i < json_array_size (reports); i++) {
            json_t *report = json_array_get (reports, i);
            passed |= json_integer_value (json_object_get (report, "version")) == version &&
                      json_integer_value (json_object_get (report, "counted")) == 1 &&
                      strcmp (json_string_value (json_object_get (report, "department")),
                              settings->review_departments[d]) == 0 &&
                      strcmp (json_string_value (json_object_get (report, "verdict")), "pass") == 0;
        }
        if (!passed)
            return false;
    }
    return true;
}

/* Reserves each line's qualification for its period of use (from
   approval on, §6.3); a conflict is a finding (the holder's number). */
static int
s_reserve (qf_ctx_t *ctx, int64_t id, json_t *body, json_t *findings)
{
    if (!qf_contract_config (ctx->config)->sold_once_per_period)
        return 0;
    json_t *lines = json_object_get (body, "lines");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        json_t *line = json_array_get (lines, i);
        json_int_t qid = json_integer_value (json_object_get (line, "qualification_id"));
        const char *period = json_string_value (json_object_get (line, "expires"));
        rc = qf_store_contract_reserve (ctx->store, qid, period ? period : "", id, ctx->now);
        if (rc == QF_ECONFLICT) {
            int64_t holder = 0;
            char *number = NULL, text[256];
            qf_contract_reserved_by (ctx->store, qid, period, &holder, &number);
            snprintf (text, sizeof text,
                      "qualification %lld is reserved by contract %s for its period of use "
                      "(§6.3: sold once per period)",
                      (long long)qid, number ? number : "?");
            free (number);
            json_array_append_new (findings, json_string (text));
            rc = 0;
        }
    }
    return rc;
}

/* contract.report: a department's verdict on the version under review. */
static int
s_report (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL;
    const char *to = NULL;
    const char *department = json_string_value (json_object_get (args, "department"));
    const char *verdict = json_string_value (json_object_get (args, "verdict"));
    const char *findings_text = json_string_value (json_object_get (args, "findings"));
    json_t *given = json_object_get (args, "version");
    int rc =
        s_load_id (ctx, json_integer_value (json_object_get (args, "id")), "args.id", &contract);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (contract, "id"));
    json_int_t version = json_integer_value (json_object_get (contract, "version"));
    const char *state = json_string_value (json_object_get (contract, "state")), *rule = NULL;
    bool open = s_allows (state, "report", &to, &rule);
    const char *role = qf_contract_department_role (department);
    if (!qf_contract_reviews (ctx->config, department))
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.department",
                           "department %s does not review contracts (contract.departments)",
                           department);
    else if (strcmp (ctx->role, role) != 0)
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "args.department",
                           "the %s department's verdict is reported by role %s, not %s", department,
                           role, ctx->role);
    if (rc) {
        json_decref (contract);
        return rc;
    }
    /* A worker's verdict that comes after its version's review ended (another
       department failed it, a new version is under review) is kept, not
       counted: refusing it would only have the daemon deliver the request
       again and again (a refused result counts as a NACK). */
    if (ctx->from_worker && (!open || (given && json_integer_value (given) != version))) {
        json_int_t judged = given ? json_integer_value (given) : version;
        json_t *findings = json_pack ("[s?]", findings_text);
        rc = findings ? qf_store_contract_report_add (ctx->store, id, (int)judged, department,
                                                      verdict, findings, ctx->user, ctx->role, true,
                                                      false, ctx->now)
                      : QF_ENOMEM;
        json_decref (findings);
        json_decref (contract);
        if (rc)
            return qf_ctx_error (ctx, rc, NULL, "could not record the report: %s",
                                 qf_strerror (rc));
        return s_show_record (ctx, id, result_p);
    }
    if (!open) {
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id", "contract %s is %s; %s",
                           json_string_value (json_object_get (contract, "number")), state, rule);
        json_decref (contract);
        return rc;
    }
    if (given && json_integer_value (given) != version)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.version",
                           "contract %s is at version %lld under review, not %lld: a report is "
                           "about the version under review",
                           json_string_value (json_object_get (contract, "number")),
                           (long long)version, (long long)json_integer_value (given));
    else if (strcmp (verdict, "fail") == 0 && !findings_text)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.findings",
                           "a fail needs its findings (what is wrong, what to change)");
    json_t *findings = json_array (), *reports = NULL;
    if (rc == 0 && findings_text)
        rc = qf_ctx_split (ctx, findings_text, ';', "args.findings", &reports) == 0
                 ? (json_array_extend (findings, reports), 0)
                 : QF_EINVAL;
    json_decref (reports);
    reports = NULL;
    bool counted = !(ctx->from_worker && qf_contract_confirmed_by_person (ctx->config, department));
    if (rc == 0 && counted) {
        rc = qf_store_contract_reports (ctx->store, id, &reports);
        for (size_t i = 0; rc == 0 && i < json_array_size (reports); i++) {
            json_t *r = json_array_get (reports, i);
            if (json_integer_value (json_object_get (r, "version")) == version &&
                json_integer_value (json_object_get (r, "counted")) == 1 &&
                strcmp (json_string_value (json_object_get (r, "department")), department) == 0)
                rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.department",
                                   "the %s department already reported %s on version %lld (%s)",
                                   department, json_string_value (json_object_get (r, "verdict")),
                                   (long long)version,
                                   json_string_value (json_object_get (r, "by")));
        }
        json_decref (reports);
        reports = NULL;
    }
    if (rc == 0)
        rc = qf_store_contract_report_add (ctx->store, id, (int)version, department, verdict,
                                           findings, ctx->user, ctx->role, ctx->from_worker,
                                           counted, ctx->now);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "contract.reported", "contract", id,
                          json_pack ("{s:I, s:O, s:I, s:s, s:s, s:O, s:b, s:s}", "contract_id", id,
                                     "number", json_object_get (contract, "number"), "version",
                                     version, "department", department, "verdict", verdict,
                                     "findings", findings, "counted", counted, "by",
                                     ctx->user ? ctx->user : ""));
    const char *topic = NULL;
    json_t *payload = NULL, *body = NULL;
    if (rc == 0 && counted && strcmp (verdict, "fail") == 0) {
        topic = "contract.returned";
    } else if (rc == 0 && counted) {
        rc = qf_store_contract_reports (ctx->store, id, &reports);
        if (rc == 0 && s_all_passed (ctx, reports, version)) {
            rc = s_body (ctx, id, &body);
            json_t *conflicts = json_array ();
            if (rc == 0)
                rc = s_reserve (ctx, id, body, conflicts);
            if (rc == 0 && json_array_size (conflicts)) {
                json_array_extend (findings, conflicts);
                topic = "contract.returned";
            } else
                topic = "contract.approved";
            json_decref (conflicts);
        }
        json_decref (reports);
    }
    if (rc == 0 && topic) {
        const char *next = NULL, *rule = NULL;
        bool approved = strcmp (topic, "contract.approved") == 0;
        s_allows ("in_review", approved ? "approve" : "return", &next, &rule);
        rc = qf_store_contract_move (ctx->store, id, "in_review", next, ctx->now);
        json_t *owner = json_object_get (contract, "owner");
        if (rc == 0)
            payload =
                json_pack ("{s:O, s:I, s:O, s:O, s:[O], s:s, s:O}", "number",
                           json_object_get (contract, "number"), "version", version, "owner", owner,
                           "customer_id", json_object_get (contract, "customer_id"), "recipients",
                           owner, "department", department, "findings", findings);
    }
    json_decref (body);
    json_decref (findings);
    json_decref (contract);
    if (rc == 0 && topic)
        return s_changed (ctx, rc, id, topic, payload, result_p);
    json_decref (payload);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record the report: %s",
                                             qf_strerror (rc));
    return s_show_record (ctx, id, result_p);
}

/* Signing, delivery, cancelling ----------------------------------------------- */

/* A date argument that may not be after today (what happened). */
static int
s_past_date (qf_ctx_t *ctx, const char *date, const char *field, int32_t *day_p)
{
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    *day_p = today;
    if (!date)
        return 0;
    qf_date_parse (date, day_p);
    if (*day_p <= today)
        return 0;
    return qf_ctx_error (ctx, QF_EINVAL, field, "%s (%s) is after today: record what happened",
                         field, date);
}

/* contract.sign: the customer signed the approved version. */
static int
s_sign (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL, *body = NULL;
    const char *to = NULL;
    int rc = s_load_for (ctx, args, "sign", &contract, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (contract, "id"));
    const char *copy = json_string_value (json_object_get (args, "copy"));
    int32_t day = 0;
    char date[16];
    rc = qf_staff_require_onboarding (ctx, "sign a contract");
    if (rc == 0)
        rc = s_past_date (ctx, json_string_value (json_object_get (args, "date")), "args.date",
                          &day);
    qf_date_format (day, date, sizeof date);
    if (rc == 0)
        rc = s_body (ctx, id, &body);
    if (rc == 0)
        rc = qf_store_contract_move (ctx->store, id, "approved", to, ctx->now);
    if (rc == 0)
        rc = qf_store_contract_signed (ctx->store, id, date, copy, ctx->user, ctx->now);
    if (rc == 0)
        rc = qf_contract_watch_delivery (ctx->store, ctx->config, id,
                                         json_string_value (json_object_get (body, "delivery")),
                                         ctx->now);
    if (rc == 0)
        rc = qf_handover_open (ctx->store, ctx->now, contract, body);
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack (
            "{s:O, s:O, s:O, s:O, s:s, s:s, s:O, s:O, s:O, s:O, s:[s,s,s,O]}", "number",
            json_object_get (contract, "number"), "version", json_object_get (contract, "version"),
            "owner", json_object_get (contract, "owner"), "customer_id",
            json_object_get (contract, "customer_id"), "signed_on", date, "copy", copy, "price",
            json_object_get (body, "price"), "schedule", json_object_get (body, "schedule"),
            "delivery", json_object_get (body, "delivery"), "lines",
            json_object_get (body, "lines"), "recipients", "finance", "review", "logistics",
            json_object_get (contract, "owner"));
    json_decref (body);
    json_decref (contract);
    return s_changed (ctx, rc, id, "contract.signed", payload, result_p);
}

/* A contract is delivered once its delivery tasks are done (§6.3: the
   processing team's and logistics'). */
static int
s_handed_over (qf_ctx_t *ctx, json_t *contract)
{
    json_t *open = NULL;
    int rc = qf_handover_open_of (ctx->store, json_integer_value (json_object_get (contract, "id")),
                                  &open);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the delivery tasks: %s",
                             qf_strerror (rc));
    json_t *first = json_array_get (open, 0);
    if (first)
        rc = qf_ctx_error (
            ctx, QF_ECONFLICT, "args.id",
            "contract %s has %zu open delivery task(s), the first task %lld (%s of qualification "
            "%lld, team %s); a contract is delivered once its handover is done (handover done)",
            json_string_value (json_object_get (contract, "number")), json_array_size (open),
            (long long)json_integer_value (json_object_get (first, "id")),
            json_string_value (json_object_get (first, "kind")),
            (long long)json_integer_value (json_object_get (first, "qualification_id")),
            json_string_value (json_object_get (first, "team")));
    json_decref (open);
    return rc;
}

/* contract.deliver: the qualifications were delivered. */
static int
s_deliver (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL;
    const char *to = NULL;
    int rc = s_load_for (ctx, args, "deliver", &contract, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (contract, "id"));
    int32_t day = 0;
    char date[16];
    rc = qf_staff_require_onboarding (ctx, "sign a contract");
    if (rc == 0)
        rc = s_past_date (ctx, json_string_value (json_object_get (args, "date")), "args.date",
                          &day);
    qf_date_format (day, date, sizeof date);
    if (rc == 0)
        rc = s_handed_over (ctx, contract);
    if (rc == 0)
        rc = qf_store_contract_move (ctx->store, id, "signed", to, ctx->now);
    if (rc == 0)
        rc = qf_store_contract_delivered (ctx->store, id, date, ctx->user, ctx->now);
    if (rc == 0)
        rc = qf_contract_unwatch_delivery (ctx->store, id);
    /* Delivered: the risk of its late delivery, if any, is over (§7.1). */
    if (rc == 0)
        rc = qf_risk_contract_closed (ctx->store, ctx->now, id, "the contract was delivered",
                                      ctx->user);
    /* §6.4: its callbacks, scheduled in the delivery's transaction. */
    if (rc == 0)
        rc = qf_aftersales_schedule (ctx->store, ctx->config, ctx->now, contract, date);
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack (
            "{s:O, s:O, s:O, s:s, s:O, s:s, s:s?}", "number", json_object_get (contract, "number"),
            "owner", json_object_get (contract, "owner"), "customer_id",
            json_object_get (contract, "customer_id"), "delivered_on", date, "due",
            json_object_get (contract, "delivery"), "by", ctx->user ? ctx->user : "", "note",
            json_string_value (json_object_get (args, "note")));
    json_decref (contract);
    return s_changed (ctx, rc, id, "contract.delivered", payload, result_p);
}

/* contract.cancel: closed before delivery; its reservations released. */
static int
s_cancel (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL;
    const char *to = NULL;
    int rc = s_load_for (ctx, args, "cancel", &contract, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (contract, "id"));
    const char *state = json_string_value (json_object_get (contract, "state"));
    rc = qf_store_contract_move (ctx->store, id, state, to, ctx->now);
    if (rc == 0)
        rc = qf_store_contract_release (ctx->store, id);
    if (rc == 0)
        rc = qf_contract_unwatch_delivery (ctx->store, id);
    if (rc == 0)
        rc = qf_handover_cancel (ctx->store, ctx->now, id, qf_ctx_who (ctx));
    if (rc == 0)
        rc = qf_risk_contract_closed (ctx->store, ctx->now, id, "the contract was cancelled",
                                      ctx->user);
    json_t *payload = NULL;
    if (rc == 0)
        payload =
            json_pack ("{s:O, s:O, s:s, s:s, s:O}", "number", json_object_get (contract, "number"),
                       "owner", json_object_get (contract, "owner"), "previous_state", state, "by",
                       ctx->user ? ctx->user : "", "reason", json_object_get (args, "reason"));
    json_decref (contract);
    return s_changed (ctx, rc, id, "contract.cancelled", payload, result_p);
}

/* Reading --------------------------------------------------------------------- */

static int
s_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL;
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    int rc = s_load_id (ctx, id, "args.id", &contract);
    json_decref (contract);
    return rc ? rc : s_show_record (ctx, id, result_p);
}

/* contract.list: a salesperson sees their own customers' contracts. */
static int
s_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *owner = NULL;
    int rc = qf_ctx_list_owner (ctx, args, "their own customers' contracts", &owner);
    if (rc)
        return rc;
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    rc = qf_store_contract_list (ctx->store,
                                     json_integer_value (json_object_get (args, "customer_id")),
                                     owner, json_string_value (json_object_get (args, "state")),
                                     json_integer_value (json_object_get (args, "next")),
                                     limit ? (int)json_integer_value (limit) : 100, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list contracts: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next",
                           qf_ctx_next_page (items, limit ? (int)json_integer_value (limit) : 100));
    return *result_p ? 0 : QF_ENOMEM;
}

/* Rendering: what the customer signs is what the record holds ------------------ */

/* Appends printf text to a growing buffer. */
typedef struct {
    char *text;
    size_t used, size;
    bool failed;
} s_text_t;

static void s_put (s_text_t *out, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_put (s_text_t *out, const char *format, ...)
{
    for (int tries = 0; !out->failed && tries < 2; tries++) {
        va_list ap;
        va_start (ap, format);
        int n = vsnprintf (out->text ? out->text + out->used : NULL,
                           out->text ? out->size - out->used : 0, format, ap);
        va_end (ap);
        if (n < 0) {
            out->failed = true;
            return;
        }
        if (out->text && out->used + (size_t)n < out->size) {
            out->used += (size_t)n;
            return;
        }
        size_t size = (out->size + (size_t)n + 1) * 2;
        char *grown = realloc (out->text, size);
        if (!grown) {
            out->failed = true;
            return;
        }
        out->text = grown;
        out->size = size;
    }
}

static const char *
s_str (json_t *object, const char *key)
{
    const char *text = json_string_value (json_object_get (object, key));
    return text ? text : "";
}

/* The contract as text or Markdown, from the record alone. */
static char *
s_render (json_t *contract, json_t *body, bool markdown)
{
    s_text_t out = {0};
    json_t *parties = json_object_get (body, "parties");
    json_t *company = json_object_get (parties, "company");
    json_t *customer = json_object_get (parties, "customer");
    const char *h1 = markdown ? "# " : "", *h2 = markdown ? "## " : "";
    const char *item = markdown ? "- " : "  ";
    s_put (&out, "%s资质转让合同 Qualification Contract %s\n\n", h1, s_str (contract, "number"));
    s_put (&out, "%sversion %lld, %s%s%s\n\n", item,
           (long long)json_integer_value (json_object_get (contract, "version")),
           s_str (contract, "state"),
           json_is_string (json_object_get (contract, "signed_on")) ? ", signed on " : "",
           s_str (contract, "signed_on"));
    s_put (&out, "%s甲方 Party A (seller)\n\n", h2);
    s_put (&out,
           "%s%s\n%s统一社会信用代码 credit code: %s\n%s地址 address: %s\n%s代表 "
           "representative: %s\n\n",
           item, s_str (company, "name"), item, s_str (company, "credit_code"), item,
           s_str (company, "address"), item, s_str (company, "representative"));
    s_put (&out, "%s乙方 Party B (buyer)\n\n", h2);
    s_put (&out, "%s%s\n%s统一社会信用代码 credit code: %s\n\n", item, s_str (customer, "name"),
           item, s_str (customer, "credit_code"));
    s_put (&out, "%s1. 资质 Qualifications\n\n", h2);
    if (markdown)
        s_put (&out, "| # | qualification | certificate | authority | scope | valid | price |\n"
                     "|---|---|---|---|---|---|---|\n");
    json_t *lines = json_object_get (body, "lines");
    for (size_t i = 0; i < json_array_size (lines); i++) {
        json_t *line = json_array_get (lines, i);
        if (markdown)
            s_put (&out, "| %zu | %s | %s | %s | %s | %s to %s | %.2f |\n", i + 1,
                   s_str (line, "name"), s_str (line, "cert_no"), s_str (line, "authority"),
                   s_str (line, "scope"), s_str (line, "issued"), s_str (line, "expires"),
                   json_number_value (json_object_get (line, "price")));
        else
            s_put (&out,
                   "  %zu) %s, certificate %s (%s), category %s\n     scope: %s\n     valid "
                   "%s to %s; price %.2f yuan\n",
                   i + 1, s_str (line, "name"), s_str (line, "cert_no"), s_str (line, "authority"),
                   s_str (line, "category"), s_str (line, "scope"), s_str (line, "issued"),
                   s_str (line, "expires"), json_number_value (json_object_get (line, "price")));
    }
    s_put (&out, "\n%s2. 价款 Price\n\n%s%.2f yuan\n\n", h2, item,
           json_number_value (json_object_get (body, "price")));
    json_t *term = json_object_get (body, "payment_term");
    s_put (&out, "%s3. 付款方式 Payment\n\n%s%s (%s)\n", h2, item, s_str (term, "text"),
           s_str (term, "id"));
    json_t *schedule = json_object_get (body, "schedule");
    for (size_t i = 0; i < json_array_size (schedule); i++) {
        json_t *due = json_array_get (schedule, i);
        s_put (&out, "%sinstalment %lld: %.2f yuan due %s\n", item,
               (long long)json_integer_value (json_object_get (due, "instalment")),
               json_number_value (json_object_get (due, "amount")), s_str (due, "due"));
    }
    s_put (&out, "\n%s4. 交付 Delivery\n\n%s%s\n\n", h2, item, s_str (body, "delivery"));
    s_put (&out, "%s5. 违约责任 Liability for breach\n\n%s%s\n\n", h2, item,
           s_str (body, "breach_liability"));
    s_put (&out, "%s6. 条款 Clauses\n\n", h2);
    json_t *clauses = json_object_get (body, "clauses");
    for (size_t i = 0; i < json_array_size (clauses); i++) {
        json_t *clause = json_array_get (clauses, i);
        s_put (&out, "%s[%s] %s\n", item, s_str (clause, "id"), s_str (clause, "text"));
    }
    if (out.failed) {
        free (out.text);
        return NULL;
    }
    return out.text;
}

/* contract.render: the contract as text or Markdown from the record. */
static int
s_render_cmd (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL, *body = NULL;
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    int rc = s_load_id (ctx, id, "args.id", &contract);
    if (rc == 0)
        rc = s_body (ctx, id, &body);
    const char *format = json_string_value (json_object_get (args, "format"));
    bool markdown = format && strcmp (format, "markdown") == 0;
    char *text = rc ? NULL : s_render (contract, body, markdown);
    if (rc == 0 && !text)
        rc = QF_ENOMEM;
    if (rc == 0) {
        *result_p =
            json_pack ("{s:O, s:O, s:s, s:s}", "number", json_object_get (contract, "number"),
                       "version", json_object_get (contract, "version"), "format",
                       markdown ? "markdown" : "text", "text", text);
        rc = *result_p ? 0 : QF_ENOMEM;
    }
    free (text);
    json_decref (body);
    json_decref (contract);
    return rc;
}

/* Receivables and payments ------------------------------------------------------ */

/* payment.receivables: finance makes the receivables of a signed
   contract's schedule, once: asked again (a redelivered contract.signed),
   it makes none and answers the same. */
static int
s_receivables (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL, *body = NULL, *list = NULL;
    json_int_t id = json_integer_value (json_object_get (args, "contract_id"));
    int rc = s_load_id (ctx, id, "args.contract_id", &contract);
    if (rc)
        return rc;
    const char *state = json_string_value (json_object_get (contract, "state")), *to, *rule;
    /* The finance worker's answer to a contract.signed whose contract was
       cancelled before it got to it (it was down or behind): nothing is
       owed, so it makes none; refusing it would only have the daemon
       deliver the event again until it is dead-lettered. A person asking
       is told why not. */
    bool cancelled = ctx->from_worker && strcmp (state, "cancelled") == 0;
    if (cancelled)
        qf_info ("contract %s was cancelled before the finance worker made its receivables: "
                 "none are made",
                 s_str (contract, "number"));
    else if (!s_allows (state, "receivables", &to, &rule))
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.contract_id", "contract %s is %s; %s",
                           s_str (contract, "number"), state, rule);
    if (rc == 0 && !cancelled)
        rc = s_body (ctx, id, &body);
    json_t *schedule = json_object_get (body, "schedule");
    int created = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (schedule); i++) {
        json_t *due = json_array_get (schedule, i);
        int64_t receivable = 0;
        bool added = false;
        rc = qf_store_receivable_add (
            ctx->store, id, (int)json_integer_value (json_object_get (due, "instalment")),
            s_str (due, "due"), json_number_value (json_object_get (due, "amount")), ctx->now,
            &receivable, &added);
        if (rc == 0 && added)
            rc = qf_contract_watch_payment (ctx->store, ctx->config, receivable, s_str (due, "due"),
                                            ctx->now);
        if (rc == 0 && added)
            rc = qf_ctx_emit (ctx, "receivable.created", "receivable", receivable,
                              json_pack ("{s:I, s:I, s:O, s:O, s:O, s:O, s:O}", "receivable_id",
                                         (json_int_t)receivable, "contract_id", id, "number",
                                         json_object_get (contract, "number"), "instalment",
                                         json_object_get (due, "instalment"), "due",
                                         json_object_get (due, "due"), "amount",
                                         json_object_get (due, "amount"), "owner",
                                         json_object_get (contract, "owner")));
        created += added;
    }
    if (rc == 0)
        rc = qf_store_receivables (ctx->store, id, &list);
    json_decref (body);
    if (rc == 0)
        *result_p =
            json_pack ("{s:I, s:O, s:i, s:o}", "contract_id", id, "number",
                       json_object_get (contract, "number"), "created", created, "items", list);
    json_decref (contract);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not make the receivables: %s",
                                             qf_strerror (rc));
    return *result_p ? 0 : QF_ENOMEM;
}

/* payment.record: a payment against a receivable, at most what is due. */
static int
s_pay (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t receivable_id = json_integer_value (json_object_get (args, "receivable_id"));
    double amount = s_fen (json_number_value (json_object_get (args, "amount")));
    json_t *receivable = NULL, *contract = NULL;
    int rc = qf_store_receivable_get (ctx->store, receivable_id, &receivable);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.receivable_id", "no receivable with id %lld",
                             (long long)receivable_id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the receivable: %s", qf_strerror (rc));
    double due = s_fen (json_number_value (json_object_get (receivable, "amount")) -
                        json_number_value (json_object_get (receivable, "paid")));
    rc = qf_store_contract_get (
        ctx->store, json_integer_value (json_object_get (receivable, "contract_id")), &contract);
    int32_t day = 0;
    char date[16];
    if (rc == 0)
        rc = s_past_date (ctx, json_string_value (json_object_get (args, "date")), "args.date",
                          &day);
    qf_date_format (day, date, sizeof date);
    if (rc == 0 && amount < 0.01)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.amount", "args.amount must be at least 0.01");
    else if (rc == 0 && amount > due + HALF_FEN)
        rc = qf_ctx_error (
            ctx, QF_EINVAL, "args.amount",
            "args.amount %.2f is more than the %.2f still due on receivable %lld "
            "(instalment %lld of contract %s): a payment is recorded against what "
            "is due, at most",
            amount, due, (long long)receivable_id,
            (long long)json_integer_value (json_object_get (receivable, "instalment")),
            s_str (contract, "number"));
    if (rc == 0)
        rc = qf_store_receivable_pay (ctx->store, receivable_id, amount, date, ctx->user, ctx->now);
    bool paid = rc == 0 && amount > due - HALF_FEN;
    if (paid)
        rc = qf_contract_unwatch_payment (ctx->store, receivable_id);
    json_t *after = NULL;
    if (rc == 0)
        rc = qf_store_receivable_get (ctx->store, receivable_id, &after);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "payment.recorded", "receivable", receivable_id,
                          json_pack ("{s:I, s:O, s:O, s:f, s:s, s:O, s:s, s:O}", "receivable_id",
                                     receivable_id, "contract_id",
                                     json_object_get (receivable, "contract_id"), "number",
                                     json_object_get (contract, "number"), "amount", amount, "date",
                                     date, "receivable", after, "by", ctx->user ? ctx->user : "",
                                     "owner", json_object_get (contract, "owner")));
    json_t *payments = NULL;
    if (rc == 0)
        rc = qf_store_payments (ctx->store, receivable_id, &payments);
    if (rc == 0) {
        json_object_set_new (after, "payments", payments);
        json_object_set (after, "number", json_object_get (contract, "number"));
        *result_p = json_incref (after);
    }
    json_decref (after);
    json_decref (receivable);
    json_decref (contract);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record the payment: %s",
                                             qf_strerror (rc));
    return 0;
}

/* payment.list: a contract's receivables with what is paid. */
static int
s_payments (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *contract = NULL, *list = NULL;
    json_int_t id = json_integer_value (json_object_get (args, "contract_id"));
    int rc = s_load_id (ctx, id, "args.contract_id", &contract);
    if (rc)
        return rc;
    rc = qf_store_receivables (ctx->store, id, &list);
    json_decref (contract);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read receivables: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:n}", "items", list, "next");
    return *result_p ? 0 : QF_ENOMEM;
}

/* The handlers of the commands described in contract_spec.c. */
const qf_handler_t qf_contract_handlers[] = {
    {"contract.draft", s_draft},
    {"contract.revise", s_revise},
    {"contract.show", s_show},
    {"contract.list", s_list},
    {"contract.render", s_render_cmd},
    {"contract.submit", s_submit},
    {"contract.report", s_report},
    {"contract.sign", s_sign},
    {"contract.deliver", s_deliver},
    {"contract.cancel", s_cancel},
    {"payment.receivables", s_receivables},
    {"payment.record", s_pay},
    {"payment.list", s_payments},
    {NULL},
};
