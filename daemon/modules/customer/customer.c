/*  customer — customers (§6.1): the profile with its checked credit code
    (one customer per code), contact persons, and the owner, one
    salesperson at a time, who alone among salespeople may change it. */
#include "customer/customer.h"
#include "customer/customer_store.h"
#include "qf.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define CONTACTS_MAX 32  /* contact persons of one customer */
#define PAGE_DEFAULT 100 /* customer.list without `limit` */
#define OWNER_SIZE   80  /* room for a user's name (QF_ID_MAX) */

/* Who acts, for the record: the user, or the role when no user was given. */
static const char *
s_who (qf_ctx_t *ctx)
{
    if (ctx->user && ctx->user[0])
        return ctx->user;
    return ctx->role ? ctx->role : "";
}

/* Whether the acting role is a salesperson's, whose rights end at the
   customers they own. */
static bool
s_is_sales (qf_ctx_t *ctx)
{
    return ctx->role && strcmp (ctx->role, "sales") == 0;
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
    if (rc == 0)
        rc = qf_customer_store_contact_add (ctx->store, id, c->name, c->phone, c->email,
                                            c->position, s_who (ctx), ctx->now, NULL);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not store the contact person: %s",
                             qf_strerror (rc));
    return 0;
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
                             "it %s",
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
    rc = qf_customer_store_insert (ctx->store, args, code, owner, s_who (ctx), ctx->now, &id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not store the customer: %s", qf_strerror (rc));
    if (has_contact && (rc = s_contact_add (ctx, id, &contact)) != 0)
        return rc;
    json_t *record = NULL;
    rc = qf_customer_get (ctx->store, id, &record);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the customer: %s", qf_strerror (rc));
    rc = qf_ctx_emit (ctx, "customer.created", "customer", id,
                      json_pack ("{s:O, s:s}", "customer", record, "by", s_who (ctx)));
    if (rc) {
        json_decref (record);
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    }
    *result_p = record;
    return 0;
}

static int
s_customer_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_load (ctx, args, result_p);
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
    /* A full page may have more after it: its last id is where the next
       begins. */
    size_t count = json_array_size (items);
    json_t *next = count == (size_t)limit
                       ? json_incref (json_object_get (json_array_get (items, count - 1), "id"))
                       : json_null ();
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", next);
    return *result_p ? 0 : QF_ENOMEM;
}

/* The table ------------------------------------------------------------------------- */

/* The handlers of the commands described in customer_spec.c. */
const qf_handler_t qf_customer_handlers[] = {
    {"customer.add", s_customer_add},
    {"customer.show", s_customer_show},
    {"customer.list", s_customer_list},
    {NULL},
};
