/*  qf_store_custody — the store's custody part (§4.3): archive records and
    loans of certificates. Part of the store module: only this and
    qf_store.c touch sqlite3. */
#include "qf.h"
#include "qf_store_custody.h"
#include "qf_store_int.h"

#include <stdio.h>
#include <stdlib.h>

/* Every statement of this part, prepared once at open. */
typedef enum {
    CS_COUNT
} custody_stmt_t;

static const char *s_sql[CS_COUNT + 1] = {NULL};

int
qf_store_custody_open (qf_store_t *self, char *error, size_t error_size)
{
    self->custody_stmts = calloc (CS_COUNT + 1, sizeof (sqlite3_stmt *));
    if (!self->custody_stmts) {
        snprintf (error, error_size, "out of memory");
        return QF_ENOMEM;
    }
    for (int i = 0; i < CS_COUNT; i++)
        if (sqlite3_prepare_v3 (self->db, s_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                &self->custody_stmts[i], NULL) != SQLITE_OK) {
            snprintf (error, error_size, "database %s: cannot prepare custody statement %d: %s",
                      self->path, i, sqlite3_errmsg (self->db));
            return QF_EIO;
        }
    return 0;
}

void
qf_store_custody_close (qf_store_t *self)
{
    if (!self->custody_stmts)
        return;
    for (int i = 0; i < CS_COUNT; i++)
        sqlite3_finalize (self->custody_stmts[i]);
    free (self->custody_stmts);
    self->custody_stmts = NULL;
}
