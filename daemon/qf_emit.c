/*  qf_emit — the one way an event is appended to the log (qf_emit.h). */
#include "qf_emit.h"
#include "qf.h"
#include "qf_module.h"

#include <stdio.h>
#include <string.h>

/* The modules' say on whom the event goes to (qf_module_t.address). */
static int
s_address (qf_store_t *store, json_t *payload)
{
    json_t *recipients = json_object_get (payload, "recipients");
    if (!json_is_array (recipients) || json_array_size (recipients) == 0)
        return 0;
    for (const qf_module_t *const *module = qf_modules; *module; module++) {
        int rc = (*module)->address ? (*module)->address (store, recipients) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

/* The modules' observation of an event just appended (qf_module_t.observe). */
static int
s_observe (qf_store_t *store, int64_t time, const char *topic, const char *subject)
{
    int rc = 0;
    for (const qf_module_t *const *module = qf_modules; rc == 0 && *module; module++)
        if ((*module)->observe)
            rc = (*module)->observe (store, time, topic, subject);
    return rc;
}

/* Appends with a subject already built; takes the payload. */
static int
s_append (qf_store_t *store, int64_t time, const char *topic, const char *subject, json_t *payload)
{
    int rc = payload ? s_address (store, payload) : QF_ENOMEM;
    if (rc == 0)
        rc = qf_store_event_append (store, topic, subject, payload, time, NULL);
    json_decref (payload);
    return rc ? rc : s_observe (store, time, topic, subject);
}

const char *
qf_subject (char *subject, size_t size, const char *kind, int64_t id)
{
    /* Built by hand: every command that changes state comes here, and
       snprintf's "%s" costs more than the rest of this together. */
    char digits[24];
    size_t length = strlen (kind), count = 0;
    uint64_t value = id < 0 ? 0 - (uint64_t)id : (uint64_t)id;
    do
        digits[count++] = (char)('0' + value % 10);
    while ((value /= 10) > 0);
    if (id < 0)
        digits[count++] = '-';
    if (size < count + 2) {
        if (size)
            subject[0] = 0;
        return subject;
    }
    if (length + 1 + count > size - 1)
        length = size - 2 - count; /* a kind is a short word; never cut in practice */
    memcpy (subject, kind, length);
    subject[length++] = '/';
    while (count > 0)
        subject[length++] = digits[--count];
    subject[length] = 0;
    return subject;
}

int
qf_emit (qf_store_t *store, int64_t time, const char *topic, const char *kind, int64_t id,
         json_t *payload)
{
    char subject[QF_SUBJECT_MAX + 1];
    return s_append (store, time, topic, qf_subject (subject, sizeof subject, kind, id), payload);
}

int
qf_emit_text (qf_store_t *store, int64_t time, const char *topic, const char *kind, int64_t id,
              char *text, size_t size)
{
    char subject[QF_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, kind, id);
    int rc = qf_store_event_append_text (store, topic, subject, text, size, time, NULL);
    return rc ? rc : s_observe (store, time, topic, subject);
}

int
qf_emit_named (qf_store_t *store, int64_t time, const char *topic, const char *kind,
               const char *name, json_t *payload)
{
    char subject[QF_SUBJECT_MAX + 1];
    snprintf (subject, sizeof subject, "%s/%s", kind, name);
    return s_append (store, time, topic, subject, payload);
}
