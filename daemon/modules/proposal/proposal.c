/*  proposal — proposals and negotiation (§6.2) under §5.3's discount
    discipline: a proposal for a customer offers qualifications sellable
    at that moment (§3.1), each line stating the scope and validity its
    record has (§3.2: never typed in), priced against the configured list
    price; processing steps and after-sales service are quoted from the
    configured templates. Each negotiation round is a new version, kept
    whole. A price below what the sender's role may grant needs a
    discount approval before the proposal is sent; a send refused for
    want of one is recorded as a conduct event on the salesperson
    (qf_proposal_conduct). A qualification that stops being sellable
    flags the open proposals that hold it (qf_proposal_flag_qualification). */
#include "proposal/proposal.h"
#include "contract/contract.h"
#include "proposal/proposal_config.h"
#include "proposal/proposal_store.h"
#include "proposal/proposal_timers.h"
#include "customer/customer.h"
#include "feedback/feedback.h"
#include "qualification/qualification.h"
#include "qualification/qualification_store.h"
#include "staff/staff.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINES_MAX     20    /* qualifications in one proposal */
#define TEMPLATES_MAX 16    /* steps or services quoted by one proposal */
#define HALF_FEN      0.005 /* prices are compared to the fen (0.01 yuan) */

/* Pricing (§5.3) ------------------------------------------------------------ */

int
qf_proposal_role_limit (const qf_config_t *config, const char *role)
{
    const qf_proposal_config_t *settings = qf_proposal_config (config);
    if (role && strcmp (role, "sales") == 0)
        return settings->max_discount_sales;
    if (role && strcmp (role, "supervisor") == 0)
        return settings->max_discount_supervisor;
    if (role && strcmp (role, "management") == 0)
        return settings->max_discount_management;
    return 0;
}

int
qf_proposal_list_price (const qf_config_t *config, json_t *record, double *price_p)
{
    const qf_proposal_config_t *settings = qf_proposal_config (config);
    char id[24];
    snprintf (id, sizeof id, "%lld",
              (long long)json_integer_value (json_object_get (record, "id")));
    for (size_t i = 0; i < settings->qualification_price_count; i++)
        if (strcmp (settings->qualification_prices[i].name, id) == 0) {
            *price_p = settings->qualification_prices[i].price;
            return 0;
        }
    const char *category = json_string_value (json_object_get (record, "category"));
    for (size_t i = 0; category && i < settings->list_price_count; i++)
        if (strcmp (settings->list_prices[i].name, category) == 0) {
            *price_p = settings->list_prices[i].price;
            return 0;
        }
    return QF_ENOTFOUND;
}

/* The lowest price a role with `limit` % may grant on `list`, to the fen. */
static double
s_floor (double list, int limit)
{
    return round (list * (100 - limit)) / 100.0;
}

/* The roles that may approve a discount beyond a salesperson's, in order. */
static const char *const s_approvers[] = {"supervisor", "management", NULL};

int
qf_proposal_price_check (const qf_config_t *config, const char *role, json_t *record, double price,
                         qf_price_check_t *check_p)
{
    double list = 0;
    int rc = qf_proposal_list_price (config, record, &list);
    if (rc)
        return rc;
    memset (check_p, 0, sizeof *check_p);
    check_p->list_price = list;
    check_p->discount = price + HALF_FEN < list ? round ((list - price) / list * 10000) / 100 : 0;
    check_p->limit = qf_proposal_role_limit (config, role);
    check_p->floor = s_floor (list, check_p->limit);
    check_p->needs_approval = price + HALF_FEN < check_p->floor;
    for (size_t i = 0; s_approvers[i] && !check_p->approver; i++)
        if (price + HALF_FEN >= s_floor (list, qf_proposal_role_limit (config, s_approvers[i])))
            check_p->approver = s_approvers[i];
    return 0;
}

int
qf_proposal_conduct (qf_ctx_t *ctx, const char *rule, json_t *details)
{
    const char *user = ctx->user && ctx->user[0] ? ctx->user : "unknown";
    json_t *payload = json_pack (
        "{s:s, s:s, s:s, s:s}", "user", user, "role", ctx->role ? ctx->role : "", "severity",
        qf_proposal_severities[qf_proposal_config (ctx->config)->conduct_severity], "rule", rule);
    if (payload && details)
        json_object_update (payload, details);
    json_decref (details);
    return qf_staff_conduct_keep (ctx, QF_STAFF_DISCOUNT_VIOLATION, payload);
}

/* Flags -------------------------------------------------------------------- */

int
qf_proposal_flag (qf_store_t *store, int64_t now, int64_t id, int64_t qual_id, const char *reason)
{
    json_t *proposal = NULL;
    int rc = qf_store_proposal_flag (store, id, qual_id, reason, now);
    if (rc == 0)
        rc = qf_store_proposal_get (store, id, &proposal);
    if (rc == 0)
        rc = qf_emit (store, now, "proposal.flagged", "proposal", id,
                      json_pack ("{s:I, s:I, s:s, s:O, s:O, s:O}", "proposal_id", (json_int_t)id,
                                 "qualification_id", (json_int_t)qual_id, "reason", reason,
                                 "customer_id", json_object_get (proposal, "customer_id"), "owner",
                                 json_object_get (proposal, "owner"), "state",
                                 json_object_get (proposal, "state")));
    json_decref (proposal);
    return rc;
}

int
qf_proposal_flag_qualification (qf_store_t *store, int64_t now, int64_t qual_id, const char *reason,
                                int64_t except, json_t **flagged_p)
{
    json_t *ids = NULL;
    int rc = qf_store_proposals_holding (store, qual_id, false, except, &ids);
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++)
        rc = qf_proposal_flag (store, now, json_integer_value (json_array_get (ids, i)), qual_id,
                               reason);
    if (rc == 0 && flagged_p)
        *flagged_p = ids;
    else
        json_decref (ids);
    return rc;
}

/* States -------------------------------------------------------------------- */

/* A proposal's transitions: for each action, the states it may be done
   in, the state it leaves (NULL: it stays) and what a refusal says is
   allowed. draft -> sent -> accepted | rejected | withdrawn; a revision
   makes a new draft version, to be sent again. The one place that says
   which state allows what; the store's moves are guarded by it. */
static const struct {
    const char *action, *from, *to, *rule;
} s_transitions[] = {
    {"revise", "draft sent", "draft",
     "only an open (draft or sent) proposal is negotiated; a closed one is kept as it was"},
    {"approve_discount", "draft", NULL,
     "a discount is approved before the proposal is sent: only a draft's"},
    {"send", "draft", "sent", "only a draft is sent; revise a sent proposal into a new draft"},
    {"accept", "sent", "accepted", "only a sent proposal is accepted by the customer"},
    {"reject", "sent", "rejected", "only a sent proposal is rejected by the customer"},
    {"withdraw", "draft sent", "withdrawn", "only an open (draft or sent) proposal is withdrawn"},
};

/* Whether `action` may be done in `state`; *to_p gets the state it
   leaves (NULL: it stays). Every caller names a row. */
static bool
s_allows (const char *state, const char *action, const char **to_p, const char **rule_p)
{
    for (size_t i = 0; i < sizeof s_transitions / sizeof s_transitions[0]; i++)
        if (strcmp (s_transitions[i].action, action) == 0) {
            *to_p = s_transitions[i].to;
            *rule_p = s_transitions[i].rule;
            return state && qf_word_in (state, s_transitions[i].from);
        }
    assert (!"no such proposal action in s_transitions");
    return false;
}

/* Loading and who may act ----------------------------------------------------- */

/* The customer's salesperson, "" when it has none. */
static const char *
s_owner (json_t *customer)
{
    const char *owner = json_string_value (json_object_get (customer, "owner"));
    return owner ? owner : "";
}

/* Loads customer `id` (`field` names the argument): a salesperson acts
   only for the customers they own (§6.1); a supervisor and management
   for any. *customer_p may be NULL. */
static int
s_customer_for (qf_ctx_t *ctx, int64_t id, const char *field, json_t **customer_p)
{
    json_t *customer = NULL;
    int rc = qf_customer_get (ctx->store, id, &customer);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, field, "no customer with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the customer: %s", qf_strerror (rc));
    const char *owner = json_string_value (json_object_get (customer, "owner"));
    if (strcmp (ctx->role, "sales") == 0 && (!owner || !ctx->user || strcmp (owner, ctx->user))) {
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, field,
                           "customer %lld is %s's; a salesperson acts only for the customers they "
                           "own (§6.1): its owner, a supervisor or management may",
                           (long long)id, owner ? owner : "nobody");
        json_decref (customer);
        return rc;
    }
    if (customer_p)
        *customer_p = customer;
    else
        json_decref (customer);
    return 0;
}

/* Loads the proposal args.id with its customer's owner check; 404 naming
   args.id when there is none. */
static int
s_load (qf_ctx_t *ctx, json_t *args, json_t **proposal_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    int rc = qf_store_proposal_get (ctx->store, id, proposal_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id", "no proposal with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the proposal: %s", qf_strerror (rc));
    rc = s_customer_for (ctx, json_integer_value (json_object_get (*proposal_p, "customer_id")),
                         "args.id", NULL);
    if (rc) {
        json_decref (*proposal_p);
        *proposal_p = NULL;
    }
    return rc;
}

/* s_load, and a 409 naming args.id unless `action` is allowed in its
   state; *to_p gets the state the action leaves. */
static int
s_load_for (qf_ctx_t *ctx, json_t *args, const char *action, json_t **proposal_p, const char **to_p)
{
    int rc = s_load (ctx, args, proposal_p);
    if (rc)
        return rc;
    const char *state = json_string_value (json_object_get (*proposal_p, "state"));
    const char *rule = NULL;
    if (s_allows (state, action, to_p, &rule))
        return 0;
    rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id", "proposal %lld is %s; %s",
                       (long long)json_integer_value (json_object_get (*proposal_p, "id")), state,
                       rule);
    json_decref (*proposal_p);
    *proposal_p = NULL;
    return rc;
}

/* The current version of a proposal (the last of `versions`). */
static json_t *
s_current (json_t *versions)
{
    return json_array_get (versions, json_array_size (versions) - 1);
}

/* Arguments ----------------------------------------------------------------- */

/* §3.2: what a line says of its qualification comes from the record. */
static const char *const s_from_record[] = {"scope", "validity", "issued", "expires", NULL};

static int
s_refuse_typed (qf_ctx_t *ctx, json_t *args)
{
    for (size_t i = 0; s_from_record[i]; i++)
        if (json_object_get (args, s_from_record[i])) {
            char field[32];
            snprintf (field, sizeof field, "args.%s", s_from_record[i]);
            return qf_ctx_error (ctx, QF_EINVAL, field,
                                 "%s cannot be given: a proposal states each qualification's "
                                 "scope and validity as its record has them, never typed in "
                                 "(§3.2 honesty); leave it out",
                                 field);
        }
    return 0;
}

/* Splits comma-separated text into its items, blanks around them
   removed (new array); an empty item is refused naming `field`. */
static int
s_split (qf_ctx_t *ctx, const char *text, const char *field, size_t most, json_t **items_p)
{
    json_t *items = json_array ();
    const char *p = text;
    int rc = items ? 0 : QF_ENOMEM;
    while (rc == 0) {
        size_t length = strcspn (p, ",");
        const char *start = p, *end = p + length;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end == start)
            rc = qf_ctx_error (ctx, QF_EINVAL, field,
                               "%s has an empty item; give items separated by commas", field);
        else if (json_array_size (items) == most)
            rc = qf_ctx_error (ctx, QF_ETOOBIG, field, "%s has more than %zu items", field, most);
        else if (json_array_append_new (items, json_stringn (start, (size_t)(end - start))))
            rc = QF_ENOMEM;
        if (!p[length])
            break;
        p += length + 1;
    }
    if (rc) {
        json_decref (items);
        return rc;
    }
    *items_p = items;
    return 0;
}

/* Parses args.lines, "QUALIFICATION_ID:PRICE, ...", into
   [{qualification_id, price}]; each qualification once. */
static int
s_parse_lines (qf_ctx_t *ctx, const char *text, json_t **pairs_p)
{
    json_t *items = NULL, *pairs = json_array ();
    int rc = pairs ? s_split (ctx, text, "args.lines", LINES_MAX, &items) : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size (items); i++) {
        const char *item = json_string_value (json_array_get (items, i));
        char *end = NULL;
        errno = 0;
        long long id = strtoll (item, &end, 10);
        double price = -1;
        if (end != item && *end == ':' && id > 0 && errno == 0) {
            const char *at = end + 1;
            price = strtod (at, &end);
            if (end == at || *end || !isfinite (price))
                price = -1;
        }
        if (price <= 0 || price > 1e12) {
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.lines",
                               "line %zu (\"%.60s\") is not QUALIFICATION_ID:PRICE with a price "
                               "above 0; a line names a qualification and its price only, its "
                               "scope and validity come from the qualification's record (§3.2)",
                               i + 1, item);
            break;
        }
        for (size_t j = 0; j < json_array_size (pairs); j++)
            if (json_integer_value (
                    json_object_get (json_array_get (pairs, j), "qualification_id")) == id)
                rc = qf_ctx_error (ctx, QF_EINVAL, "args.lines",
                                   "qualification %lld is on line %zu and again on line %zu; "
                                   "offer it once",
                                   id, j + 1, i + 1);
        if (rc == 0 && json_array_append_new (pairs, json_pack ("{s:I, s:f}", "qualification_id",
                                                                (json_int_t)id, "price", price)))
            rc = QF_ENOMEM;
    }
    json_decref (items);
    if (rc) {
        json_decref (pairs);
        return rc;
    }
    *pairs_p = pairs;
    return 0;
}

/* The templates named in `text` (comma-separated ids of processing_steps
   or after_sales_services), as [{id, text}]; an unknown id is refused
   naming `field` and the configured ids. */
static int
s_templates (qf_ctx_t *ctx, const char *text, bool steps, const char *field, json_t **list_p)
{
    json_t *ids = NULL, *list = json_array ();
    int rc = list ? s_split (ctx, text, field, TEMPLATES_MAX, &ids) : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size (ids); i++) {
        const char *id = json_string_value (json_array_get (ids, i));
        const qf_proposal_template_t *template = qf_proposal_template (ctx->config, steps, id);
        if (!template) {
            const qf_proposal_config_t *settings = qf_proposal_config (ctx->config);
            char known[512] = "";
            size_t used = 0, count = steps ? settings->step_count : settings->service_count;
            for (size_t k = 0; k < count && used < sizeof known; k++)
                used +=
                    (size_t)snprintf (known + used, sizeof known - used, "%s%s", k ? ", " : "",
                                      steps ? settings->steps[k].name : settings->services[k].name);
            rc = qf_ctx_error (ctx, QF_EINVAL, field,
                               "%s: \"%.40s\" is not configured in %s (configured: %s); a "
                               "proposal quotes only configured texts (§6.2)",
                               field, id, steps ? "processing_steps" : "after_sales_services",
                               used ? known : "none");
        } else if (json_array_append_new (list, json_pack ("{s:s, s:s}", "id", template->name,
                                                           "text", template->text)))
            rc = QF_ENOMEM;
    }
    json_decref (ids);
    if (rc) {
        json_decref (list);
        return rc;
    }
    *list_p = list;
    return 0;
}

/* The delivery date must be ahead. */
static int
s_check_delivery (qf_ctx_t *ctx, const char *delivery)
{
    int32_t day = 0, today = qf_calendar_today (ctx->config, ctx->now);
    qf_date_parse (delivery, &day);
    if (day > today)
        return 0;
    char text[16];
    return qf_ctx_error (ctx, QF_EINVAL, "args.delivery",
                         "args.delivery (%s) must be after today (%s)", delivery,
                         qf_date_format (today, text, sizeof text));
}

/* Lines --------------------------------------------------------------------- */

/* Refuses (409 naming `field`) a qualification that may not be offered
   now: not sellable (§3.1), or accepted by a customer in another
   proposal than `except` (it is sold once). Line n, for the message. */
static int
s_available (qf_ctx_t *ctx, json_t *record, size_t n, int64_t except, const char *field)
{
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    char why[256];
    if (!qf_qualification_sellable (ctx->config, ctx->now, record, why, sizeof why))
        return qf_ctx_error (ctx, QF_ECONFLICT, field,
                             "line %zu: qualification %lld is not sellable: %s; a proposal offers "
                             "only qualifications sellable at that moment (§3.1)",
                             n, (long long)id, why);
    /* An approved contract reserves it for its period of use (§6.3). */
    int64_t contract = 0;
    char *number = NULL;
    int rc = qf_contract_reserved_by (ctx->store, id,
                                      json_string_value (json_object_get (record, "expires")),
                                      &contract, &number);
    if (rc == 0 && contract)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, field,
                           "line %zu: qualification %lld is reserved by contract %s for its "
                           "period of use; a qualification is sold once per period of use (§6.3)",
                           n, (long long)id, number ? number : "?");
    free (number);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not read reservations: %s",
                                             qf_strerror (rc));
    json_t *taken = NULL;
    rc = qf_store_proposals_holding (ctx->store, id, true, except, &taken);
    if (rc == 0 && json_array_size (taken))
        rc = qf_ctx_error (ctx, QF_ECONFLICT, field,
                           "line %zu: qualification %lld was accepted by the customer of "
                           "proposal %lld; a qualification is sold once",
                           n, (long long)id,
                           (long long)json_integer_value (json_array_get (taken, 0)));
    else if (rc)
        rc = qf_ctx_error (ctx, rc, NULL, "could not read proposals: %s", qf_strerror (rc));
    json_decref (taken);
    return rc;
}

/* Reads qualification `id` for line n (404 naming `field`). */
static int
s_line_record (qf_ctx_t *ctx, int64_t id, size_t n, const char *field, json_t **record_p)
{
    int rc = qf_store_qual_get (ctx->store, id, record_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, field, "line %zu: no qualification with id %lld", n,
                             (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read qualification %lld: %s", (long long)id,
                             qf_strerror (rc));
    return 0;
}

/* Line n offering qualification `id` at `price`: what its record says
   (§3.2), its list price and the discount; refused unless it may be
   offered now (s_available) and has a list price. */
static int
s_line (qf_ctx_t *ctx, size_t n, int64_t id, double price, int64_t except, json_t **line_p)
{
    json_t *record = NULL;
    int rc = s_line_record (ctx, id, n, "args.lines", &record);
    if (rc == 0)
        rc = s_available (ctx, record, n, except, "args.lines");
    qf_price_check_t check;
    if (rc == 0 && qf_proposal_price_check (ctx->config, ctx->role, record, price, &check))
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.lines",
                           "line %zu: qualification %lld (category %s) has no list price; "
                           "configure it in list_prices: or qualification_prices: (§5.3)",
                           n, (long long)id,
                           json_string_value (json_object_get (record, "category")));
    if (rc == 0) {
        *line_p = json_pack (
            "{s:i, s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:f, s:f, s:f}", "line", (int)n,
            "qualification_id", (json_int_t)id, "name", json_object_get (record, "name"), "cert_no",
            json_object_get (record, "cert_no"), "authority", json_object_get (record, "authority"),
            "category", json_object_get (record, "category"), "scope",
            json_object_get (record, "scope"), "issued", json_object_get (record, "issued"),
            "expires", json_object_get (record, "expires"), "list_price", check.list_price, "price",
            price, "discount", check.discount);
        rc = *line_p ? 0 : QF_ENOMEM;
    }
    json_decref (record);
    return rc;
}

/* Builds the lines of `pairs` ([{qualification_id, price}]). */
static int
s_lines (qf_ctx_t *ctx, json_t *pairs, int64_t except, json_t **lines_p)
{
    json_t *lines = json_array ();
    int rc = lines ? 0 : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size (pairs); i++) {
        json_t *pair = json_array_get (pairs, i), *line = NULL;
        rc = s_line (ctx, i + 1, json_integer_value (json_object_get (pair, "qualification_id")),
                     json_number_value (json_object_get (pair, "price")), except, &line);
        if (rc == 0 && json_array_append_new (lines, line))
            rc = QF_ENOMEM;
    }
    if (rc) {
        json_decref (lines);
        return rc;
    }
    *lines_p = lines;
    return 0;
}

/* A version's record: its lines, steps, services, delivery, note, what
   changed, and who (taken: lines, steps, services, changed). */
static json_t *
s_version (qf_ctx_t *ctx, json_t *lines, json_t *steps, json_t *services, const char *delivery,
           const char *note, json_t *changed)
{
    double total = 0;
    for (size_t i = 0; i < json_array_size (lines); i++)
        total += json_number_value (json_object_get (json_array_get (lines, i), "price"));
    return json_pack ("{s:o, s:o, s:o, s:s, s:f, s:s, s:o, s:s, s:s, s:I}", "lines", lines, "steps",
                      steps, "services", services, "delivery", delivery, "total",
                      round (total * 100) / 100, "note", note ? note : "", "changed", changed, "by",
                      ctx->user ? ctx->user : "", "role", ctx->role, "at", (json_int_t)ctx->now);
}

/* Records ---------------------------------------------------------------- */

/* The proposal as proposal.show answers it: its row, its customer's
   name, the current version's lines, every version, approval and flag. */
static int
s_show_record (qf_ctx_t *ctx, int64_t id, json_t **record_p)
{
    json_t *record = NULL, *versions = NULL, *approvals = NULL, *flags = NULL, *customer = NULL,
           *cases = NULL;
    int rc = qf_store_proposal_get (ctx->store, id, &record);
    if (rc == 0)
        rc = qf_store_proposal_versions (ctx->store, id, &versions);
    if (rc == 0)
        rc = qf_store_proposal_approvals (ctx->store, id, &approvals);
    if (rc == 0)
        rc = qf_store_proposal_flags (ctx->store, id, &flags);
    if (rc == 0)
        rc = qf_customer_get (
            ctx->store, json_integer_value (json_object_get (record, "customer_id")), &customer);
    /* §6.4: a proposal to a customer with an open case says so. */
    if (rc == 0)
        rc = qf_feedback_open_case_list (
            ctx->store, json_integer_value (json_object_get (record, "customer_id")), &cases);
    if (rc) {
        json_decref (record);
        json_decref (versions);
        json_decref (approvals);
        json_decref (flags);
        json_decref (customer);
        return qf_ctx_error (ctx, rc, NULL, "could not read proposal %lld: %s", (long long)id,
                             qf_strerror (rc));
    }
    json_t *current = s_current (versions);
    json_object_set (record, "customer", json_object_get (customer, "name"));
    json_object_set (record, "steps", json_object_get (current, "steps"));
    json_object_set (record, "services", json_object_get (current, "services"));
    json_object_set (record, "lines", json_object_get (current, "lines"));
    json_object_set_new (record, "versions", versions);
    json_object_set_new (record, "approvals", approvals);
    json_object_set_new (record, "flags", flags);
    json_object_set_new (record, "open_cases", cases);
    json_decref (customer);
    *record_p = record;
    return 0;
}

/* The tail of a command that changed proposal `id`: appends `topic` with
   `payload` (taken) plus proposal_id, and answers the proposal. */
static int
s_changed (qf_ctx_t *ctx, int rc, int64_t id, const char *topic, json_t *payload, json_t **result_p)
{
    if (rc == 0 && payload)
        json_object_set_new (payload, "proposal_id", json_integer (id));
    if (rc == 0)
        rc = qf_ctx_emit (ctx, topic, "proposal", id, payload);
    else
        json_decref (payload);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record %s: %s", topic,
                                             qf_strerror (rc));
    return s_show_record (ctx, id, result_p);
}

/* Commands -------------------------------------------------------------------- */

/* proposal.create: a first version for a customer. */
static int
s_create (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t customer_id = json_integer_value (json_object_get (args, "customer_id"));
    const char *delivery = json_string_value (json_object_get (args, "delivery"));
    json_t *customer = NULL, *pairs = NULL, *lines = NULL, *steps = NULL, *services = NULL;
    int rc = s_refuse_typed (ctx, args);
    if (rc == 0)
        rc = s_customer_for (ctx, customer_id, "args.customer_id", &customer);
    if (rc == 0)
        rc = s_check_delivery (ctx, delivery);
    if (rc == 0)
        rc = s_parse_lines (ctx, json_string_value (json_object_get (args, "lines")), &pairs);
    if (rc == 0)
        rc = s_templates (ctx, json_string_value (json_object_get (args, "steps")), true,
                          "args.steps", &steps);
    if (rc == 0)
        rc = s_templates (ctx, json_string_value (json_object_get (args, "services")), false,
                          "args.services", &services);
    if (rc == 0)
        rc = s_lines (ctx, pairs, 0, &lines);
    json_decref (pairs);
    int64_t id = 0;
    if (rc == 0)
        rc = qf_store_proposal_insert (ctx->store, customer_id, s_owner (customer), ctx->user,
                                       ctx->now, &id);
    json_t *version = NULL;
    if (rc == 0) {
        version =
            s_version (ctx, json_incref (lines), json_incref (steps), json_incref (services),
                       delivery, json_string_value (json_object_get (args, "note")), json_array ());
        rc = version ? qf_store_proposal_version_add (ctx->store, id, 1, version, "draft", ctx->now)
                     : QF_ENOMEM;
    }
    if (rc == 0)
        rc = qf_proposal_watch (ctx->store, ctx->config, id, lines, ctx->now);
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack ("{s:I, s:O, s:i, s:O}", "customer_id", customer_id, "owner",
                             json_object_get (customer, "owner"), "version", 1, "offer", version);
    json_decref (version);
    json_decref (customer);
    json_decref (lines);
    json_decref (steps);
    json_decref (services);
    return s_changed (ctx, rc, id, "proposal.created", payload, result_p);
}

/* What differs between two versions' records, by what a negotiation
   changes: price, service (steps, services), delivery time, the note,
   and what the qualifications' records now say. */
static json_t *
s_differences (json_t *before, json_t *after)
{
    json_t *changed = json_array ();
    json_t *old_lines = json_object_get (before, "lines"),
           *new_lines = json_object_get (after, "lines");
    bool price = false, record = false;
    for (size_t i = 0; i < json_array_size (new_lines); i++) {
        json_t *a = json_array_get (old_lines, i), *b = json_array_get (new_lines, i);
        json_t *copy = json_deep_copy (b);
        json_object_set (copy, "price", json_object_get (a, "price"));
        json_object_set (copy, "discount", json_object_get (a, "discount"));
        json_object_set (copy, "list_price", json_object_get (a, "list_price"));
        price |= !json_equal (json_object_get (a, "price"), json_object_get (b, "price"));
        record |= !json_equal (copy, a);
        json_decref (copy);
    }
    const char *const keys[] = {"steps", "services", "delivery", "note"};
    if (price)
        json_array_append_new (changed, json_string ("price"));
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_equal (json_object_get (before, keys[i]), json_object_get (after, keys[i])))
            json_array_append_new (changed, json_string (keys[i]));
    if (record)
        json_array_append_new (changed, json_string ("qualification_records"));
    return changed;
}

/* proposal.revise: a negotiation round, a new version; nothing before it
   is changed. */
static int
s_revise (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *proposal = NULL, *versions = NULL, *pairs = NULL;
    const char *to = NULL;
    int rc = s_refuse_typed (ctx, args);
    if (rc == 0)
        rc = s_load_for (ctx, args, "revise", &proposal, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (proposal, "id"));
    int version = (int)json_integer_value (json_object_get (proposal, "version"));
    const char *previous_state = json_string_value (json_object_get (proposal, "state"));
    rc = qf_store_proposal_versions (ctx->store, id, &versions);
    json_t *current = s_current (versions);
    json_t *old_lines = json_object_get (current, "lines");
    const char *lines_text = json_string_value (json_object_get (args, "lines"));
    const char *delivery = json_string_value (json_object_get (args, "delivery"));
    const char *steps_text = json_string_value (json_object_get (args, "steps"));
    const char *services_text = json_string_value (json_object_get (args, "services"));
    if (rc == 0 && json_object_size (args) < 2)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args",
                           "proposal.revise needs something to change: lines (prices), steps, "
                           "services, delivery or note");
    /* The prices given change those lines; the others keep theirs. */
    json_t *prices = json_array ();
    for (size_t i = 0; rc == 0 && i < json_array_size (old_lines); i++) {
        json_t *line = json_array_get (old_lines, i);
        json_array_append_new (prices, json_pack ("{s:O, s:O}", "qualification_id",
                                                  json_object_get (line, "qualification_id"),
                                                  "price", json_object_get (line, "price")));
    }
    if (rc == 0 && lines_text)
        rc = s_parse_lines (ctx, lines_text, &pairs);
    for (size_t i = 0; rc == 0 && i < json_array_size (pairs); i++) {
        json_t *pair = json_array_get (pairs, i);
        json_int_t qid = json_integer_value (json_object_get (pair, "qualification_id"));
        size_t k = 0;
        while (k < json_array_size (prices) &&
               json_integer_value (
                   json_object_get (json_array_get (prices, k), "qualification_id")) != qid)
            k++;
        if (k == json_array_size (prices))
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.lines",
                               "line %zu: qualification %lld is not offered by proposal %lld; a "
                               "negotiation changes prices, not what is offered (make a new "
                               "proposal for other qualifications)",
                               i + 1, (long long)qid, (long long)id);
        else
            json_object_set (json_array_get (prices, k), "price", json_object_get (pair, "price"));
    }
    json_decref (pairs);
    json_t *lines = NULL, *steps = NULL, *services = NULL, *next = NULL, *changed = NULL;
    if (rc == 0 && delivery)
        rc = s_check_delivery (ctx, delivery);
    if (rc == 0)
        rc = steps_text ? s_templates (ctx, steps_text, true, "args.steps", &steps)
                        : ((steps = json_incref (json_object_get (current, "steps"))), 0);
    if (rc == 0)
        rc = services_text ? s_templates (ctx, services_text, false, "args.services", &services)
                           : ((services = json_incref (json_object_get (current, "services"))), 0);
    if (rc == 0)
        rc = s_lines (ctx, prices, id, &lines);
    json_decref (prices);
    if (rc == 0) {
        const char *note = json_string_value (json_object_get (args, "note"));
        next = s_version (
            ctx, lines, steps, services,
            delivery ? delivery : json_string_value (json_object_get (current, "delivery")),
            note ? note : json_string_value (json_object_get (current, "note")), json_array ());
        lines = steps = services = NULL;
        rc = next ? 0 : QF_ENOMEM;
    }
    if (rc == 0) {
        changed = s_differences (current, next);
        json_object_set (next, "changed", changed);
        if (json_array_size (changed) == 0)
            rc = qf_ctx_error (ctx, QF_EINVAL, "args",
                               "nothing differs from version %d: give another price, service, "
                               "processing steps, delivery date or note",
                               version);
    }
    if (rc == 0)
        rc = qf_store_proposal_version_add (ctx->store, id, version + 1, next, to, ctx->now);
    if (rc == 0)
        rc = qf_proposal_watch (ctx->store, ctx->config, id, json_object_get (next, "lines"),
                                ctx->now);
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack ("{s:i, s:O, s:s, s:O, s:O, s:s, s:s}", "version", version + 1,
                             "changed", changed, "previous_state", previous_state, "customer_id",
                             json_object_get (proposal, "customer_id"), "offer", next, "by",
                             ctx->user ? ctx->user : "", "role", ctx->role);
    json_decref (changed);
    json_decref (next);
    json_decref (lines);
    json_decref (steps);
    json_decref (services);
    json_decref (versions);
    json_decref (proposal);
    return s_changed (ctx, rc, id, "proposal.revised", payload, result_p);
}

/* Checks the lines of `current` still say what their records say and may
   still be offered; fills *records_p with the records, in line order. */
static int
s_lines_hold (qf_ctx_t *ctx, json_int_t id, json_t *current, json_t **records_p)
{
    json_t *lines = json_object_get (current, "lines"), *records = json_array ();
    int rc = records ? 0 : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        json_t *line = json_array_get (lines, i), *record = NULL;
        char field[32];
        snprintf (field, sizeof field, "lines[%zu]", i + 1);
        rc = s_line_record (ctx, json_integer_value (json_object_get (line, "qualification_id")),
                            i + 1, field, &record);
        if (rc == 0)
            rc = s_available (ctx, record, i + 1, id, field);
        for (size_t k = 0; rc == 0 && s_from_record[k]; k++) {
            json_t *said = json_object_get (line, s_from_record[k]);
            if (said && !json_equal (said, json_object_get (record, s_from_record[k])))
                rc = qf_ctx_error (
                    ctx, QF_ECONFLICT, field,
                    "line %zu: qualification %lld's record now has %s %s, not %s as version %lld "
                    "states; revise the proposal so that it states the record (§3.2)",
                    i + 1,
                    (long long)json_integer_value (json_object_get (line, "qualification_id")),
                    s_from_record[k],
                    json_string_value (json_object_get (record, s_from_record[k])),
                    json_string_value (said),
                    (long long)json_integer_value (json_object_get (current, "version")));
        }
        if (rc == 0)
            json_array_append (records, record);
        json_decref (record);
    }
    if (rc) {
        json_decref (records);
        return rc;
    }
    *records_p = records;
    return 0;
}

/* s_load_for `action`, then the proposal's versions and the records of
   its current version's lines, which must still hold (s_lines_hold):
   what sending and accepting start from. The caller owns the three. */
static int
s_load_offer (qf_ctx_t *ctx, json_t *args, const char *action, json_t **proposal_p,
              json_t **versions_p, json_t **records_p, const char **to_p)
{
    int rc = s_load_for (ctx, args, action, proposal_p, to_p);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (*proposal_p, "id"));
    rc = qf_store_proposal_versions (ctx->store, id, versions_p);
    if (rc)
        rc = qf_ctx_error (ctx, rc, NULL, "could not read proposal %lld: %s", (long long)id,
                           qf_strerror (rc));
    else
        rc = s_lines_hold (ctx, id, s_current (*versions_p), records_p);
    if (rc) {
        json_decref (*proposal_p);
        json_decref (*versions_p);
        *proposal_p = *versions_p = NULL;
    }
    return rc;
}

/* The approval of `version` among `approvals`, or NULL. */
static json_t *
s_approval (json_t *approvals, json_int_t version)
{
    size_t i;
    json_t *approval;
    json_array_foreach (approvals, i, approval)
    {
        if (json_integer_value (json_object_get (approval, "version")) == version)
            return approval;
    }
    return NULL;
}

/* §5.3 at sending: each line's discount within the sender's limit, or
   within an approval of this version; else refused naming the line, the
   discount, the limit and who may approve, and recorded as conduct. */
static int
s_discounts_allowed (qf_ctx_t *ctx, json_t *proposal, json_t *current, json_t *records)
{
    json_int_t id = json_integer_value (json_object_get (proposal, "id"));
    json_int_t version = json_integer_value (json_object_get (current, "version"));
    json_t *approvals = NULL, *lines = json_object_get (current, "lines");
    int rc = qf_store_proposal_approvals (ctx->store, id, &approvals);
    json_t *approval = s_approval (approvals, version);
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        json_t *line = json_array_get (lines, i);
        double price = json_number_value (json_object_get (line, "price"));
        qf_price_check_t check;
        rc = qf_proposal_price_check (ctx->config, ctx->role, json_array_get (records, i), price,
                                      &check);
        if (rc == QF_ENOTFOUND) {
            rc = qf_ctx_error (ctx, QF_ECONFLICT, "lines",
                               "line %zu has no list price any more; "
                               "configure it in list_prices: or qualification_prices: (§5.3)",
                               i + 1);
            break;
        }
        if (rc || !check.needs_approval ||
            (approval &&
             json_number_value (json_object_get (approval, "percent")) + 1e-9 >= check.discount))
            continue;
        char field[48], approver[128];
        snprintf (field, sizeof field, "lines[%zu].price", i + 1);
        if (check.approver)
            snprintf (approver, sizeof approver, "role %s (up to %d %%) must approve it first",
                      check.approver, qf_proposal_role_limit (ctx->config, check.approver));
        else
            snprintf (approver, sizeof approver,
                      "no role may approve it (policy.max_discount_management is %d %%)",
                      qf_proposal_role_limit (ctx->config, "management"));
        json_int_t qid = json_integer_value (json_object_get (line, "qualification_id"));
        rc = qf_proposal_conduct (
            ctx, "§5.3: never promise discounts beyond company rules",
            json_pack ("{s:s, s:I, s:I, s:O, s:i, s:I, s:f, s:f, s:f, s:i, s:s?}", "what",
                       "proposal.send refused: a discount beyond the role's limit without an "
                       "approval",
                       "proposal_id", id, "version", version, "customer_id",
                       json_object_get (proposal, "customer_id"), "line", (int)(i + 1),
                       "qualification_id", qid, "price", price, "list_price", check.list_price,
                       "discount", check.discount, "limit", check.limit, "approver",
                       check.approver));
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, field,
                           "line %zu (qualification %lld): price %.2f is %.2f %% below the list "
                           "price %.2f; role %s may grant at most %d %% (policy.max_discount_%s, "
                           "§5.3); %s with qualflow proposal approve %lld; the refusal is "
                           "recorded as a conduct event on %s",
                           i + 1, (long long)qid, price, check.discount, check.list_price,
                           ctx->role, check.limit, ctx->role, approver, (long long)id,
                           ctx->user ? ctx->user : "the sender");
    }
    json_decref (approvals);
    return rc;
}

/* proposal.send: the current version goes to the customer. */
static int
s_send (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *proposal = NULL, *versions = NULL, *records = NULL;
    const char *to = NULL;
    int rc = s_load_offer (ctx, args, "send", &proposal, &versions, &records, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (proposal, "id"));
    json_t *current = s_current (versions);
    rc = qf_staff_require_onboarding (ctx, "send a proposal");
    if (rc == 0)
        rc = s_discounts_allowed (ctx, proposal, current, records);
    if (rc == 0)
        rc = qf_store_proposal_move (ctx->store, id, "draft", to, ctx->user, ctx->now);
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack ("{s:O, s:O, s:O, s:O, s:s}", "customer_id",
                             json_object_get (proposal, "customer_id"), "owner",
                             json_object_get (proposal, "owner"), "version",
                             json_object_get (current, "version"), "offer", current, "by",
                             ctx->user ? ctx->user : "");
    json_decref (records);
    json_decref (versions);
    json_decref (proposal);
    return s_changed (ctx, rc, id, "proposal.sent", payload, result_p);
}

/* proposal.approve_discount: a role allowed the discount approves the
   current version's prices (§5.3), recorded with who and when. */
static int
s_approve_discount (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *proposal = NULL, *versions = NULL, *approvals = NULL;
    const char *to = NULL;
    int rc = s_load_for (ctx, args, "approve_discount", &proposal, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (proposal, "id"));
    rc = qf_store_proposal_versions (ctx->store, id, &versions);
    if (rc == 0)
        rc = qf_store_proposal_approvals (ctx->store, id, &approvals);
    json_t *current = s_current (versions), *lines = json_object_get (current, "lines");
    json_int_t version = json_integer_value (json_object_get (current, "version"));
    double deepest = 0;
    size_t deepest_line = 0;
    for (size_t i = 0; i < json_array_size (lines); i++) {
        double discount =
            json_number_value (json_object_get (json_array_get (lines, i), "discount"));
        if (discount > deepest)
            deepest = discount, deepest_line = i + 1;
    }
    int sales = qf_proposal_role_limit (ctx->config, "sales");
    int mine = qf_proposal_role_limit (ctx->config, ctx->role);
    json_t *done = s_approval (approvals, version);
    if (rc == 0 && done)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                           "version %lld of proposal %lld was already approved by %s (%s)",
                           (long long)version, (long long)id,
                           json_string_value (json_object_get (done, "by")),
                           json_string_value (json_object_get (done, "role")));
    else if (rc == 0 && deepest <= sales + 1e-9)
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                           "nothing to approve: the deepest discount of version %lld is %.2f %%, "
                           "within policy.max_discount_sales (%d %%)",
                           (long long)version, deepest, sales);
    else if (rc == 0 && deepest > mine + 1e-9)
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "args.id",
                           "line %zu's discount of %.2f %% is beyond what role %s may approve "
                           "(policy.max_discount_%s: %d %%, §5.3)%s",
                           deepest_line, deepest, ctx->role, ctx->role, mine,
                           deepest <= qf_proposal_role_limit (ctx->config, "management") + 1e-9
                               ? "; management may"
                               : "; no role may");
    if (rc == 0)
        rc = qf_store_proposal_approve (ctx->store, id, (int)version, deepest, ctx->user, ctx->role,
                                        ctx->now);
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack ("{s:I, s:f, s:s, s:s, s:I, s:O, s:O, s:s?}", "version", version,
                             "percent", deepest, "by", ctx->user ? ctx->user : "", "role",
                             ctx->role, "at", (json_int_t)ctx->now, "customer_id",
                             json_object_get (proposal, "customer_id"), "owner",
                             json_object_get (proposal, "owner"), "note",
                             json_string_value (json_object_get (args, "note")));
    json_decref (approvals);
    json_decref (versions);
    json_decref (proposal);
    if (rc == 0 && payload)
        json_object_set_new (payload, "proposal_id", json_integer (id));
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "discount.approved", "proposal", id, payload);
    else
        json_decref (payload);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record the approval: %s",
                                             qf_strerror (rc));
    return s_show_record (ctx, id, result_p);
}

/* proposal.accept: the customer accepts the sent version; the other open
   proposals holding its qualifications are flagged (sold once). */
static int
s_accept (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *proposal = NULL, *versions = NULL, *records = NULL;
    const char *to = NULL;
    int rc = s_load_offer (ctx, args, "accept", &proposal, &versions, &records, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (proposal, "id"));
    json_t *current = s_current (versions);
    rc = qf_store_proposal_move (ctx->store, id, "sent", to, ctx->user, ctx->now);
    if (rc == 0)
        rc = qf_proposal_unwatch (ctx->store, id);
    json_t *lines = json_object_get (current, "lines"), *flagged = json_array ();
    for (size_t i = 0; rc == 0 && i < json_array_size (lines); i++) {
        json_int_t qid =
            json_integer_value (json_object_get (json_array_get (lines, i), "qualification_id"));
        char reason[256];
        snprintf (reason, sizeof reason,
                  "qualification %lld was accepted by the customer of proposal %lld: it is sold "
                  "once",
                  (long long)qid, (long long)id);
        json_t *ids = NULL;
        rc = qf_proposal_flag_qualification (ctx->store, ctx->now, qid, reason, id, &ids);
        json_array_extend (flagged, ids);
        json_decref (ids);
    }
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack ("{s:O, s:O, s:O, s:O, s:s, s:O}", "customer_id",
                             json_object_get (proposal, "customer_id"), "owner",
                             json_object_get (proposal, "owner"), "version",
                             json_object_get (current, "version"), "offer", current, "by",
                             ctx->user ? ctx->user : "", "flagged_proposals", flagged);
    json_decref (flagged);
    json_decref (records);
    json_decref (versions);
    json_decref (proposal);
    return s_changed (ctx, rc, id, "proposal.accepted", payload, result_p);
}

/* proposal.reject and proposal.withdraw: closed, with the reason. */
static int
s_close (qf_ctx_t *ctx, json_t *args, const char *action, const char *topic, json_t **result_p)
{
    json_t *proposal = NULL;
    const char *to = NULL;
    int rc = s_load_for (ctx, args, action, &proposal, &to);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (proposal, "id"));
    rc = qf_store_proposal_move (ctx->store, id,
                                 json_string_value (json_object_get (proposal, "state")), to,
                                 ctx->user, ctx->now);
    if (rc == 0)
        rc = qf_proposal_unwatch (ctx->store, id);
    json_t *payload = NULL;
    if (rc == 0)
        payload = json_pack (
            "{s:O, s:O, s:O, s:s, s:O?}", "customer_id", json_object_get (proposal, "customer_id"),
            "owner", json_object_get (proposal, "owner"), "version",
            json_object_get (proposal, "version"), "by", ctx->user ? ctx->user : "", "reason",
            json_object_get (args, "reason"));
    json_decref (proposal);
    return s_changed (ctx, rc, id, topic, payload, result_p);
}

static int
s_reject (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_close (ctx, args, "reject", "proposal.rejected", result_p);
}

static int
s_withdraw (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_close (ctx, args, "withdraw", "proposal.withdrawn", result_p);
}

static int
s_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *proposal = NULL;
    int rc = s_load (ctx, args, &proposal);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (proposal, "id"));
    json_decref (proposal);
    return s_show_record (ctx, id, result_p);
}

/* proposal.list: a salesperson sees their own customers' proposals. */
static int
s_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *owner = NULL;
    int rc = qf_ctx_list_owner (ctx, args, "their own customers' proposals", &owner);
    if (rc)
        return rc;
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    rc = qf_store_proposal_list (ctx->store,
                                     json_integer_value (json_object_get (args, "customer_id")),
                                     owner, json_string_value (json_object_get (args, "state")),
                                     json_integer_value (json_object_get (args, "after_id")),
                                     limit ? (int)json_integer_value (limit) : 100, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list proposals: %s", qf_strerror (rc));
    size_t n = json_array_size (items);
    json_int_t next =
        n ? json_integer_value (json_object_get (json_array_get (items, n - 1), "id")) : 0;
    *result_p = json_pack ("{s:o, s:I}", "items", items, "next_after_id", next);
    return *result_p ? 0 : QF_ENOMEM;
}

/* The handlers of the commands described in proposal_spec.c. */
const qf_handler_t qf_proposal_handlers[] = {
    {"proposal.create", s_create},     {"proposal.revise", s_revise},
    {"proposal.show", s_show},         {"proposal.list", s_list},
    {"proposal.send", s_send},         {"proposal.approve_discount", s_approve_discount},
    {"proposal.accept", s_accept},     {"proposal.reject", s_reject},
    {"proposal.withdraw", s_withdraw}, {NULL},
};
