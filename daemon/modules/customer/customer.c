/*  customer — customers (§6.1): the profile with its checked credit code
    (one customer per code), contact persons, dated needs and concerns,
    the contact log whose next steps are watched by a durable timer
    (customer_timers.c), and the owner, one salesperson at a time, who
    alone among salespeople may change the customer. Every change is
    journalled in the customer's history in the same transaction. */
#include "customer/customer.h"
#include "customer/customer_store.h"
#include "customer/customer_timers.h"
#include "feedback/feedback.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CONTACTS_MAX 32  /* contact persons of one customer */
#define PAGE_DEFAULT 100 /* a page (list, history) without `limit` */
#define OWNER_SIZE   80  /* room for a user's name (QF_ID_MAX) */
#define WHAT_SIZE    320 /* a history line for people (its detail has the rest) */

/* Whether the acting role is a salesperson's, whose rights end at the
   customers they own. */
static bool
s_is_sales (qf_ctx_t *ctx)
{
    return ctx->role && strcmp (ctx->role, "sales") == 0;
}

/* Appends `type` to customer `id`'s history, by the acting user, with
   `detail` (kept) and a line for people made from `format`. */
static int s_journal (qf_ctx_t *ctx, int64_t id, const char *type, json_t *detail,
                      const char *format, ...) __attribute__ ((format (printf, 5, 6)));

static int
s_journal (qf_ctx_t *ctx, int64_t id, const char *type, json_t *detail, const char *format, ...)
{
    char what[WHAT_SIZE];
    va_list ap;
    va_start (ap, format);
    vsnprintf (what, sizeof what, format, ap);
    va_end (ap);
    int rc = detail ? qf_customer_store_journal (ctx->store, id, type, qf_ctx_who (ctx), what, detail,
                                                 ctx->now)
                    : QF_ENOMEM;
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the history of customer %lld: %s",
                             (long long)id, qf_strerror (rc));
    return 0;
}

int
qf_customer_get (qf_store_t *store, int64_t id, json_t **record_p)
{
    json_t *record = NULL, *contacts = NULL;
    int rc = qf_customer_store_get (store, id, &record);
    if (rc == 0)
        rc = qf_customer_store_contacts (store, id, &contacts);
    if (rc == 0 && json_object_set_new (record, "contacts", contacts))
        rc = QF_ENOMEM;
    if (rc) {
        json_decref (record);
        return rc;
    }
    *record_p = record;
    return 0;
}

/* Reads the customer args.id into *record_p (caller owns): 404 naming it. */
static int
s_load (qf_ctx_t *ctx, json_t *args, json_t **record_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    int rc = qf_customer_get (ctx->store, id, record_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id", "no customer with id %lld", (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read customer %lld: %s", (long long)id,
                             qf_strerror (rc));
    return 0;
}

/* Reads the customer args.id for a change: a salesperson may change only
   the customers they own (403 naming the owner otherwise). */
static int
s_load_own (qf_ctx_t *ctx, json_t *args, json_t **record_p)
{
    int rc = s_load (ctx, args, record_p);
    if (rc || !s_is_sales (ctx))
        return rc;
    const char *owner = json_string_value (json_object_get (*record_p, "owner"));
    if (ctx->user && owner && strcmp (owner, ctx->user) == 0)
        return 0;
    rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "args.id",
                       "customer %lld is owned by %s, not %s: a salesperson changes only the "
                       "customers they own; a supervisor or management may reassign it "
                       "(customer.reassign)",
                       (long long)json_integer_value (json_object_get (*record_p, "id")),
                       owner ? owner : "?", ctx->user && ctx->user[0] ? ctx->user : "you");
    json_decref (*record_p);
    *record_p = NULL;
    return rc;
}

/* The id of the customer args.id, which the acting salesperson must own
   when `own` (s_load_own). */
static int
s_load_id (qf_ctx_t *ctx, json_t *args, bool own, int64_t *id_p)
{
    json_t *record = NULL;
    int rc = own ? s_load_own (ctx, args, &record) : s_load (ctx, args, &record);
    if (rc == 0)
        *id_p = json_integer_value (json_object_get (record, "id"));
    json_decref (record);
    return rc;
}

/* Answers with the customer `id` as it now is, after it changed. */
static int
s_answer (qf_ctx_t *ctx, int64_t id, json_t **result_p)
{
    int rc = qf_customer_store_touch (ctx->store, id, ctx->now);
    if (rc == 0)
        rc = qf_customer_get (ctx->store, id, result_p);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not update customer %lld: %s", (long long)id,
                             qf_strerror (rc));
    return 0;
}

/* Contact persons --------------------------------------------------------------- */

/* Whether `phone` looks like a phone number: digits with spaces, '+', '-',
   '(' and ')' between them, 5 to 20 digits. */
static bool
s_phone_ok (const char *phone)
{
    int digits = 0;
    for (const char *c = phone; *c; c++) {
        if (isdigit ((unsigned char)*c))
            digits++;
        else if (!strchr (" +-()", *c))
            return false;
    }
    return digits >= 5 && digits <= 20;
}

/* Whether `email` looks like an address: one '@' between a local part
   and a domain with a dot inside it, no blanks or control characters. */
static bool
s_email_ok (const char *email)
{
    const char *at = strchr (email, '@');
    if (!at || at == email || strchr (at + 1, '@'))
        return false;
    for (const char *c = email; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return false;
    const char *dot = strrchr (at + 1, '.');
    return dot && dot > at + 1 && dot[1] != '\0';
}

/* A contact person's fields as given under `prefix` (args.name... or
   args.contact_name...). */
typedef struct {
    const char *name, *phone, *email, *position;        /* borrowed from args; NULL when absent */
    const char *field_name, *field_phone, *field_email; /* their fields, for errors */
} contact_t;

/* Checks a contact person: a name, and a phone or an email that look like
   one. 0, or 400 naming the field and the rule. */
static int
s_contact_check (qf_ctx_t *ctx, const contact_t *c)
{
    if (!c->name)
        return qf_ctx_error (ctx, QF_EINVAL, c->field_name,
                             "%s is missing: a contact person needs a name", c->field_name);
    if (!c->phone && !c->email)
        return qf_ctx_error (ctx, QF_EINVAL, c->field_phone,
                             "a contact person needs a phone (%s) or an email (%s) to be reached",
                             c->field_phone, c->field_email);
    if (c->phone && !s_phone_ok (c->phone))
        return qf_ctx_error (ctx, QF_EINVAL, c->field_phone,
                             "%s \"%s\" is not a phone number: 5 to 20 digits, with only spaces, "
                             "'+', '-', '(' and ')' between them",
                             c->field_phone, c->phone);
    if (c->email && !s_email_ok (c->email))
        return qf_ctx_error (ctx, QF_EINVAL, c->field_email,
                             "%s \"%s\" is not an email address (name@domain.tld, no blanks)",
                             c->field_email, c->email);
    return 0;
}

/* Adds a checked contact person to customer `id`, refusing one more than
   CONTACTS_MAX. */
static int
s_contact_add (qf_ctx_t *ctx, int64_t id, const contact_t *c)
{
    int64_t count = 0;
    int rc = qf_customer_store_contact_count (ctx->store, id, &count);
    if (rc == 0 && count >= CONTACTS_MAX)
        return qf_ctx_error (ctx, QF_ETOOBIG, c->field_name,
                             "customer %lld already has %d contact persons, the most it may have",
                             (long long)id, CONTACTS_MAX);
    int64_t contact_id = 0;
    if (rc == 0)
        rc = qf_customer_store_contact_add (ctx->store, id, c->name, c->phone, c->email,
                                            c->position, qf_ctx_who (ctx), ctx->now, &contact_id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not store the contact person: %s",
                             qf_strerror (rc));
    json_t *detail =
        json_pack ("{s:I, s:s, s:s?, s:s?, s:s?}", "id", (json_int_t)contact_id, "name", c->name,
                   "phone", c->phone, "email", c->email, "position", c->position);
    rc = s_journal (ctx, id, "contact_person", detail, "%s", c->name);
    json_decref (detail);
    return rc;
}

/* Handlers ------------------------------------------------------------------------ */

/* The owner of a new customer: a salesperson owns what they add; a
   supervisor or management names the salesperson. */
static int
s_new_owner (qf_ctx_t *ctx, json_t *args, const char **owner_p)
{
    const char *owner = json_string_value (json_object_get (args, "owner"));
    if (s_is_sales (ctx)) {
        if (!ctx->user || !ctx->user[0])
            return qf_ctx_error (ctx, QF_EINVAL, "user",
                                 "a salesperson's request must name its user: the customer's "
                                 "owner is the salesperson who adds it");
        if (owner && strcmp (owner, ctx->user) != 0)
            return qf_ctx_error (ctx, QF_EFORBIDDEN, "args.owner",
                                 "args.owner is \"%s\": a salesperson adds customers for "
                                 "themselves (\"%s\"); a supervisor or management may name "
                                 "another owner",
                                 owner, ctx->user);
        *owner_p = ctx->user;
        return 0;
    }
    if (!owner)
        return qf_ctx_error (ctx, QF_EINVAL, "args.owner",
                             "args.owner is missing: when a %s adds a customer, it must name "
                             "the salesperson who owns it",
                             ctx->role);
    *owner_p = owner;
    return 0;
}

/* Refuses a credit code that is not a valid one, naming the rule. */
static int
s_credit_code (qf_ctx_t *ctx, json_t *args, char *normal)
{
    const char *code = json_string_value (json_object_get (args, "credit_code"));
    char why[200];
    if (qf_customer_credit_code_check (code, normal, why, sizeof why))
        return qf_ctx_error (ctx, QF_EINVAL, "args.credit_code",
                             "args.credit_code \"%s\" is not a valid unified social credit code: "
                             "%s",
                             code, why);
    return 0;
}

static int
s_customer_add (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    char code[QF_CREDIT_CODE_LEN + 1];
    const char *owner = NULL;
    int rc = s_credit_code (ctx, args, code);
    if (rc == 0)
        rc = s_new_owner (ctx, args, &owner);
    if (rc)
        return rc;
    contact_t contact = {json_string_value (json_object_get (args, "contact_name")),
                         json_string_value (json_object_get (args, "contact_phone")),
                         json_string_value (json_object_get (args, "contact_email")),
                         json_string_value (json_object_get (args, "contact_position")),
                         "args.contact_name",
                         "args.contact_phone",
                         "args.contact_email"};
    bool has_contact = contact.name || contact.phone || contact.email || contact.position;
    if (has_contact && (rc = s_contact_check (ctx, &contact)) != 0)
        return rc;
    int64_t existing = 0;
    char existing_owner[OWNER_SIZE] = "";
    rc = qf_customer_store_by_code (ctx->store, code, &existing, existing_owner,
                                    sizeof existing_owner);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not look the credit code up: %s",
                             qf_strerror (rc));
    if (existing)
        return qf_ctx_error (ctx, QF_ECONFLICT, "args.credit_code",
                             "credit code %s is already customer %lld, owned by %s: a company is "
                             "one customer; ask its owner or a supervisor (customer.reassign)",
                             code, (long long)existing, existing_owner);
    int64_t id = 0;
    const char *name = json_string_value (json_object_get (args, "name"));
    rc = qf_customer_store_insert (ctx->store, args, code, owner, qf_ctx_who (ctx), ctx->now, &id);
    json_t *record = NULL;
    if (rc == 0)
        rc = qf_customer_get (ctx->store, id, &record);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not store the customer: %s", qf_strerror (rc));
    rc = s_journal (ctx, id, "created", record, "%.200s (%s), owner %s", name, code, owner);
    json_decref (record);
    record = NULL;
    if (rc || (has_contact && (rc = s_contact_add (ctx, id, &contact)) != 0))
        return rc;
    rc = qf_customer_get (ctx->store, id, &record);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the customer: %s", qf_strerror (rc));
    rc = qf_ctx_emit (ctx, "customer.created", "customer", id,
                      json_pack ("{s:O, s:s}", "customer", record, "by", qf_ctx_who (ctx)));
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    }
    *result_p = record;
    return 0;
}

/* The profile with its contact persons, its needs and concerns, the
   next steps still open, and its open feedback cases (§6.4: a customer
   with an open case is marked). */
static int
s_customer_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL, *notes = NULL, *steps = NULL, *cases = NULL;
    int rc = s_load (ctx, args, &record);
    if (rc)
        return rc;
    int64_t id = json_integer_value (json_object_get (record, "id"));
    rc = qf_customer_store_notes (ctx->store, id, &notes);
    if (rc == 0)
        rc = qf_customer_store_steps_open (ctx->store, id, &steps);
    if (rc == 0)
        rc = qf_feedback_open_case_list (ctx->store, id, &cases);
    if (rc == 0 && (json_object_set_new (record, "notes", notes) ||
                    json_object_set_new (record, "open_steps", steps) ||
                    json_object_set_new (record, "open_cases", cases)))
        rc = QF_ENOMEM;
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not read customer %lld: %s", (long long)id,
                             qf_strerror (rc));
    }
    *result_p = record;
    return 0;
}

static int
s_customer_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit_arg = json_object_get (args, "limit"), *items = NULL;
    int limit = limit_arg ? (int)json_integer_value (limit_arg) : PAGE_DEFAULT;
    int rc =
        qf_customer_store_list (ctx->store, json_string_value (json_object_get (args, "owner")),
                                json_string_value (json_object_get (args, "industry")),
                                json_string_value (json_object_get (args, "region")),
                                json_integer_value (json_object_get (args, "next")), limit, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list customers: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, limit));
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_customer_update (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    static const char *const keys[] = {"name", "industry", "size", "region", "source"};
    bool any = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        any = any || json_object_get (args, keys[i]);
    if (!any)
        return qf_ctx_error (ctx, QF_EINVAL, "args",
                             "nothing to change: give name, industry, size, region or source");
    int64_t id = 0;
    int rc = s_load_id (ctx, args, true, &id);
    if (rc)
        return rc;
    rc = qf_customer_store_update (ctx->store, id, args, ctx->now);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not update customer %lld: %s", (long long)id,
                             qf_strerror (rc));
    json_t *detail = json_deep_copy (args);
    json_object_del (detail, "id");
    char fields[WHAT_SIZE] = "";
    for (size_t i = 0, used = 0; i < sizeof keys / sizeof keys[0] && used < sizeof fields; i++)
        if (json_object_get (args, keys[i]))
            used += (size_t)snprintf (fields + used, sizeof fields - used, "%s%s", used ? ", " : "",
                                      keys[i]);
    rc = s_journal (ctx, id, "updated", detail, "changed %s", fields);
    json_decref (detail);
    return rc ? rc : s_answer (ctx, id, result_p);
}

static int
s_customer_person (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    contact_t contact = {json_string_value (json_object_get (args, "name")),
                         json_string_value (json_object_get (args, "phone")),
                         json_string_value (json_object_get (args, "email")),
                         json_string_value (json_object_get (args, "position")),
                         "args.name",
                         "args.phone",
                         "args.email"};
    int64_t id = 0;
    int rc = s_contact_check (ctx, &contact);
    if (rc == 0)
        rc = s_load_id (ctx, args, true, &id);
    if (rc)
        return rc;
    rc = s_contact_add (ctx, id, &contact);
    return rc ? rc : s_answer (ctx, id, result_p);
}

/* Needs and concerns are dated notes, added and never overwritten. */
static int
s_customer_note (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *note = NULL;
    int64_t id = 0;
    int rc = s_load_id (ctx, args, true, &id);
    if (rc)
        return rc;
    rc = qf_customer_store_note_add (
        ctx->store, id, json_string_value (json_object_get (args, "kind")),
        json_string_value (json_object_get (args, "text")), qf_ctx_who (ctx), ctx->now, &note);
    if (rc == 0)
        rc = qf_customer_store_touch (ctx->store, id, ctx->now);
    if (rc) {
        json_decref (note);
        return qf_ctx_error (ctx, rc, NULL, "could not store the note: %s", qf_strerror (rc));
    }
    rc = s_journal (ctx, id, json_string_value (json_object_get (note, "kind")), note, "%.200s",
                    json_string_value (json_object_get (note, "text")));
    if (rc) {
        json_decref (note);
        return rc;
    }
    *result_p = note;
    return 0;
}

/* Checks a contact's dates: it took place today or before; its next step,
   given with its due date, is due on its day or after. */
static int
s_contact_dates (qf_ctx_t *ctx, json_t *args, int32_t *day_p, int32_t *due_p)
{
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    const char *on = json_string_value (json_object_get (args, "on"));
    const char *next_step = json_string_value (json_object_get (args, "next_step"));
    const char *next_due = json_string_value (json_object_get (args, "next_due"));
    *day_p = today;
    if (on)
        qf_date_parse (on, day_p);
    if (*day_p > today) {
        char text[16];
        return qf_ctx_error (ctx, QF_EINVAL, "args.on",
                             "args.on (%s) is after today (%s): the log records contacts that "
                             "took place; a future one is a next step (args.next_step)",
                             on, qf_date_format (today, text, sizeof text));
    }
    if (!next_step != !next_due)
        return qf_ctx_error (ctx, QF_EINVAL, next_step ? "args.next_due" : "args.next_step",
                             "a next step needs both what it is (args.next_step) and its due "
                             "date (args.next_due)");
    *due_p = 0;
    if (next_due)
        qf_date_parse (next_due, due_p);
    if (next_due && *due_p < *day_p) {
        char text[16];
        return qf_ctx_error (ctx, QF_EINVAL, "args.next_due",
                             "args.next_due (%s) is before the contact's date (%s): a next step "
                             "comes after the contact",
                             next_due, qf_date_format (*day_p, text, sizeof text));
    }
    return 0;
}

/* Closes as superseded the open next steps that a contact on `day`
   replaces, cancels their timers and notes it in the history; the ids of
   their entries in *ids_p. */
static int
s_supersede (qf_ctx_t *ctx, int64_t id, int32_t day, json_t **ids_p)
{
    json_t *entries = NULL;
    int rc =
        qf_customer_store_steps_supersede (ctx->store, id, day, qf_ctx_who (ctx), ctx->now, &entries);
    *ids_p = json_array ();
    if (rc == 0 && !*ids_p)
        rc = QF_ENOMEM;
    size_t i;
    json_t *entry;
    json_array_foreach (rc ? NULL : entries, i, entry)
    {
        json_t *log_id = json_object_get (entry, "id");
        if (rc == 0)
            rc = qf_customer_cancel_step (ctx->store, json_integer_value (log_id));
        if (rc == 0)
            rc = json_array_append (*ids_p, log_id) ? QF_ENOMEM : 0;
        if (rc == 0)
            rc = s_journal (ctx, id, "step_superseded", entry, "%.200s",
                            json_string_value (json_object_get (entry, "next_step")));
    }
    json_decref (entries);
    return rc;
}

/* The contact log: a phone call, email or visit, with its next step. */
static int
s_customer_contact (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    int32_t day = 0, due = 0;
    json_t *record = NULL, *entry = NULL, *superseded = NULL;
    int rc = s_contact_dates (ctx, args, &day, &due);
    if (rc == 0)
        rc = s_load_own (ctx, args, &record);
    if (rc)
        return rc;
    int64_t id = json_integer_value (json_object_get (record, "id"));
    const char *who = json_string_value (json_object_get (args, "who"));
    qf_customer_log_t log = {
        .customer_id = id,
        .day = day,
        .channel = json_string_value (json_object_get (args, "channel")),
        .who = who ? who : qf_ctx_who (ctx),
        .person = json_string_value (json_object_get (args, "person")),
        .summary = json_string_value (json_object_get (args, "summary")),
        .next_step = json_string_value (json_object_get (args, "next_step")),
        .next_due = due,
        .recorded_by = qf_ctx_who (ctx),
    };
    rc = s_supersede (ctx, id, day, &superseded);
    if (rc == 0)
        rc = qf_customer_store_log_add (ctx->store, &log, ctx->now, &entry);
    if (rc == 0 && log.next_step)
        rc = qf_customer_schedule_step (ctx->store, ctx->config,
                                        json_integer_value (json_object_get (entry, "id")), due,
                                        ctx->now);
    if (rc == 0)
        rc = qf_customer_store_touch (ctx->store, id, ctx->now);
    if (rc)
        qf_ctx_error (ctx, rc, NULL, "could not record the contact: %s", qf_strerror (rc));
    else if (log.next_step)
        rc = s_journal (ctx, id, "contact", entry, "%s %s: %.120s; next: %.120s by %s", log.channel,
                        json_string_value (json_object_get (entry, "date")), log.summary,
                        log.next_step, json_string_value (json_object_get (entry, "next_due")));
    else
        rc = s_journal (ctx, id, "contact", entry, "%s %s: %.200s", log.channel,
                        json_string_value (json_object_get (entry, "date")), log.summary);
    if (rc) {
        json_decref (record);
        json_decref (entry);
        json_decref (superseded);
        return rc;
    }
    rc = qf_ctx_emit (ctx, "customer.contacted", "customer", id,
                      json_pack ("{s:I, s:O, s:O, s:O, s:s}", "customer_id", (json_int_t)id,
                                 "owner", json_object_get (record, "owner"), "contact", entry,
                                 "superseded", superseded, "by", qf_ctx_who (ctx)));
    json_decref (record);
    json_decref (superseded);
    if (rc) {
        json_decref (entry);
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    }
    *result_p = entry;
    return 0;
}

/* A next step recorded as done: its overdue reminder is cancelled. */
static int
s_customer_done (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t log_id = json_integer_value (json_object_get (args, "log_id"));
    json_t *entry = NULL;
    int rc = qf_customer_store_log_get (ctx->store, log_id, &entry);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.log_id", "no contact log entry %lld",
                             (long long)log_id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the contact log: %s", qf_strerror (rc));
    json_t *ids = json_pack ("{s:O}", "id", json_object_get (entry, "customer_id"));
    const char *state = json_string_value (json_object_get (entry, "step_state"));
    char was[16];
    snprintf (was, sizeof was, "%s", state ? state : "");
    json_decref (entry);
    entry = NULL;
    int64_t customer_id = 0;
    rc = ids ? s_load_id (ctx, ids, true, &customer_id) : QF_ENOMEM;
    json_decref (ids);
    if (rc)
        return rc;
    rc = qf_customer_store_step_close (ctx->store, log_id, qf_ctx_who (ctx), ctx->now, &entry);
    if (rc == QF_ECONFLICT)
        return qf_ctx_error (ctx, rc, "args.log_id",
                             "contact log entry %lld has %s: only an open next step can be "
                             "recorded as done",
                             (long long)log_id,
                             was[0] ? (strcmp (was, "done") == 0 ? "its next step done already"
                                                                 : "its next step superseded "
                                                                   "by a later contact")
                                    : "no next step");
    if (rc == 0)
        rc = qf_customer_cancel_step (ctx->store, log_id);
    if (rc)
        qf_ctx_error (ctx, rc, NULL, "could not close the next step: %s", qf_strerror (rc));
    else
        rc = s_journal (ctx, customer_id, "step_done", entry, "%.200s",
                        json_string_value (json_object_get (entry, "next_step")));
    if (rc) {
        json_decref (entry);
        return rc;
    }
    *result_p = entry;
    return 0;
}

/* One salesperson at a time: a supervisor or management moves a customer
   to another, on record. */
static int
s_customer_reassign (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = s_load (ctx, args, &record);
    if (rc)
        return rc;
    int64_t id = json_integer_value (json_object_get (record, "id"));
    const char *to = json_string_value (json_object_get (args, "to"));
    const char *reason = json_string_value (json_object_get (args, "reason"));
    char from[OWNER_SIZE];
    snprintf (from, sizeof from, "%s", json_string_value (json_object_get (record, "owner")));
    json_decref (record);
    if (strcmp (from, to) == 0)
        return qf_ctx_error (ctx, QF_ECONFLICT, "args.to",
                             "customer %lld is already owned by %s: a reassignment names another "
                             "salesperson",
                             (long long)id, to);
    rc = qf_customer_store_reassign (ctx->store, id, from, to, qf_ctx_who (ctx), reason, ctx->now);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not reassign customer %lld: %s", (long long)id,
                             qf_strerror (rc));
    json_t *detail = json_pack ("{s:s, s:s, s:s?}", "from", from, "to", to, "reason", reason);
    rc = s_journal (ctx, id, "reassigned", detail, "%s -> %s%s%.200s", from, to, reason ? ": " : "",
                    reason ? reason : "");
    json_decref (detail);
    if (rc)
        return rc;
    rc = qf_ctx_emit (ctx, "customer.reassigned", "customer", id,
                      json_pack ("{s:I, s:s, s:s, s:s, s:s?, s:[ss]}", "customer_id",
                                 (json_int_t)id, "from", from, "to", to, "by", qf_ctx_who (ctx),
                                 "reason", reason, "recipients", from, to));
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    return s_answer (ctx, id, result_p);
}

static int
s_customer_history (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *items = NULL;
    int64_t id = 0;
    int rc = s_load_id (ctx, args, false, &id);
    if (rc)
        return rc;
    json_t *limit_arg = json_object_get (args, "limit");
    int limit = limit_arg ? (int)json_integer_value (limit_arg) : PAGE_DEFAULT;
    rc = qf_customer_store_history (
        ctx->store, id, json_integer_value (json_object_get (args, "next")), limit, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the history of customer %lld: %s",
                             (long long)id, qf_strerror (rc));
    *result_p = json_pack ("{s:I, s:o, s:o}", "customer_id", (json_int_t)id, "items", items, "next",
                           qf_ctx_next_page (items, limit));
    return *result_p ? 0 : QF_ENOMEM;
}

/* The table ------------------------------------------------------------------------- */

/* The handlers of the commands described in customer_spec.c. */
const qf_handler_t qf_customer_handlers[] = {
    {"customer.add", s_customer_add},
    {"customer.show", s_customer_show},
    {"customer.list", s_customer_list},
    {"customer.update", s_customer_update},
    {"customer.person", s_customer_person},
    {"customer.note", s_customer_note},
    {"customer.contact", s_customer_contact},
    {"customer.done", s_customer_done},
    {"customer.reassign", s_customer_reassign},
    {"customer.history", s_customer_history},
    {NULL},
};
