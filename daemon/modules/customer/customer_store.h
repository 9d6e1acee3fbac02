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

/*  Changes the fields of `args` that are present (name, industry, size,
    region, source) and `updated`. */
int qf_customer_store_update (qf_store_t *store, int64_t id, json_t *args, int64_t now);

/* Needs and concerns ------------------------------------------------------------- */

/*  Adds a dated note of `kind` ("need" or "concern"); notes are never
    changed. *note_p: {id, kind, text, author, created}. */
int qf_customer_store_note_add (qf_store_t *store, int64_t customer_id, const char *kind,
                                const char *text, const char *author, int64_t now, json_t **note_p);

/*  The customer's notes, oldest first. */
int qf_customer_store_notes (qf_store_t *store, int64_t customer_id, json_t **list_p);

/* Contact log ---------------------------------------------------------------------- */

/* One contact with a customer, as the log records it. */
typedef struct {
    int64_t customer_id;
    int32_t day;             /* when the contact took place */
    const char *channel;     /* phone, email or visit */
    const char *who;         /* who made the contact */
    const char *person;      /* whom at the customer; may be NULL */
    const char *summary;     /* what was said */
    const char *next_step;   /* what comes next; NULL: nothing (then no step) */
    int32_t next_due;        /* by when, with next_step */
    const char *recorded_by; /* who recorded it */
} qf_customer_log_t;

/*  Appends a contact log entry, its next step `open` when it has one.
    *entry_p: {id, customer_id, date, channel, who, person, summary,
    next_step, next_due, step_state, step_closed, step_closed_by,
    overdue_raised, recorded_by, created}. */
int qf_customer_store_log_add (qf_store_t *store, const qf_customer_log_t *entry, int64_t now,
                               json_t **entry_p);

/*  A contact log entry; QF_ENOTFOUND when none. */
int qf_customer_store_log_get (qf_store_t *store, int64_t log_id, json_t **entry_p);

/*  The customer's entries whose next step is open, oldest first. */
int qf_customer_store_steps_open (qf_store_t *store, int64_t customer_id, json_t **list_p);

/*  Records an entry's open next step as done, by whom and when; the entry
    in *entry_p. QF_ECONFLICT when its step is not open (none, or closed). */
int qf_customer_store_step_close (qf_store_t *store, int64_t log_id, const char *by, int64_t now,
                                  json_t **entry_p);

/*  Closes as superseded the customer's open next steps of contacts on
    `day` or before (a later contact took their place); *entries_p: those
    entries as they now are. */
int qf_customer_store_steps_supersede (qf_store_t *store, int64_t customer_id, int32_t day,
                                       const char *by, int64_t now, json_t **entries_p);

/*  Records that the overdue event of an entry's next step was raised. */
int qf_customer_store_step_overdue (qf_store_t *store, int64_t log_id, int64_t now);

/* Owners and history ------------------------------------------------------------- */

/*  Records a change of owner (from, to, by whom, why, when) and makes `to`
    the owner. */
int qf_customer_store_reassign (qf_store_t *store, int64_t id, const char *from, const char *to,
                                const char *by, const char *reason, int64_t now);

/*  Appends to the customer's history (a journal, written with each
    change, so that it keeps what was true then and the order things were
    recorded in): its `type`, who (NULL for the timer), a line for people,
    and `detail` (kept, not taken). */
int qf_customer_store_journal (qf_store_t *store, int64_t customer_id, const char *type,
                               const char *by, const char *what, json_t *detail, int64_t now);

/*  The customer's history after item `after`, in the order recorded, at
    most `limit`: items {id, time, type, by, what, detail}. */
int qf_customer_store_history (qf_store_t *store, int64_t id, int64_t after, int limit,
                               json_t **list_p);

#endif
