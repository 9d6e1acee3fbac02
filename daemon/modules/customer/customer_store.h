/*  customer_store — customers (§6.1) in the store: their profiles,
    contact persons, dated notes, contact log and changes of owner, in
    the tables of the module's own migrations (module.c). See qf_store.h
    for the conventions: 0 or a QF_E* code, JSON records owned by the
    caller. Records are built as JSON by the statements themselves; days
    (a contact's date, a next step's due date) are YYYY-MM-DD, times ms
    since the epoch. */
#ifndef QF_CUSTOMER_STORE_H
#define QF_CUSTOMER_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_customer_store_open (qf_store_t *store, char *error, size_t error_size);

/* Customers ------------------------------------------------------------------ */

/*  A new customer from `args` (name, industry, size, region, source: each
    may be absent), with its checked, upper-case credit code, its owner
    and who added it; fills *id_p. QF_ECONFLICT when the credit code is
    already a customer's. */
int qf_customer_store_insert (qf_store_t *store, json_t *args, const char *credit_code,
                              const char *owner, const char *by, int64_t now, int64_t *id_p);

/*  The customer's profile {id, name, credit_code, industry, size, region,
    source, owner, created_by, created, updated}, without its contacts;
    QF_ENOTFOUND when none. */
int qf_customer_store_get (qf_store_t *store, int64_t id, json_t **record_p);

/*  The id and owner of the customer with this credit code (upper case):
    *id_p = 0 when none; owner (of owner_size bytes) is filled when found. */
int qf_customer_store_by_code (qf_store_t *store, const char *credit_code, int64_t *id_p,
                               char *owner, size_t owner_size);

/*  Customers with id above `after`, by id, at most `limit`, as profiles;
    owner, industry, region: only those equal to it (NULL: any). */
int qf_customer_store_list (qf_store_t *store, const char *owner, const char *industry,
                            const char *region, int64_t after, int limit, json_t **list_p);

/*  Sets the customer's owner and `updated`. */
int qf_customer_store_set_owner (qf_store_t *store, int64_t id, const char *owner, int64_t now);

/*  Sets `updated` (something of the customer changed). */
int qf_customer_store_touch (qf_store_t *store, int64_t id, int64_t now);

/* Contact persons ------------------------------------------------------------- */

/*  Adds a contact person {name, phone, email, position} (phone, email,
    position may be NULL) to a customer; fills *id_p. */
int qf_customer_store_contact_add (qf_store_t *store, int64_t customer_id, const char *name,
                                   const char *phone, const char *email, const char *position,
                                   const char *by, int64_t now, int64_t *id_p);

/*  The customer's contact persons, oldest first, as an array of {id,
    name, phone, email, position, added_by, created}. */
int qf_customer_store_contacts (qf_store_t *store, int64_t customer_id, json_t **list_p);

/*  How many contact persons the customer has. */
int qf_customer_store_contact_count (qf_store_t *store, int64_t customer_id, int64_t *count_p);

#endif
