/*  probe_store — the probe module's store part: its notes table (made by
    its own migration 1, in module.c) and the statements that use it. */
#ifndef PROBE_STORE_H
#define PROBE_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_probe_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Adds a note and returns it as {id, text, author, created} in *note_p
    (caller owns), read back by the same statement. */
int qf_probe_note_add (qf_store_t *store, const char *text, const char *author, int64_t now,
                       json_t **note_p);

/*  The note `id` as {id, text, author, created}; QF_ENOTFOUND when none. */
int qf_probe_note_get (qf_store_t *store, int64_t id, json_t **note_p);

#endif
