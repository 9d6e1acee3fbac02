/*  qf_emit — the one way an event is appended to the log (qf_emit.h). */
#include "qf_emit.h"
#include "qf.h"

#include <stdio.h>

/* Appends with a subject already built; takes the payload. */
static int
s_append (qf_store_t *store, int64_t time, const char *topic, const char *subject, json_t *payload)
{
    int rc =
        payload ? qf_store_event_append (store, topic, subject, payload, time, NULL) : QF_ENOMEM;
    json_decref (payload);
    return rc;
}

int
qf_emit (qf_store_t *store, int64_t time, const char *topic, const char *kind, int64_t id,
         json_t *payload)
{
    char subject[QF_SUBJECT_MAX + 1];
    snprintf (subject, sizeof subject, "%s/%lld", kind, (long long)id);
    return s_append (store, time, topic, subject, payload);
}

int
qf_emit_named (qf_store_t *store, int64_t time, const char *topic, const char *kind,
               const char *name, json_t *payload)
{
    char subject[QF_SUBJECT_MAX + 1];
    snprintf (subject, sizeof subject, "%s/%s", kind, name);
    return s_append (store, time, topic, subject, payload);
}
