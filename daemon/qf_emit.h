/*  qf_emit — the one way an event is appended to the log.

    Every event is about one thing, its subject "KIND/ID" (qualification/7,
    candidate/3, group/review), built here and nowhere else. The payload is
    taken, whatever happens: a NULL payload (a json_pack that failed) is
    QF_ENOMEM, and no caller frees what it passed. A command calls
    qf_ctx_emit (qf_command.h), which appends at the command's time; work
    outside a command (timers, periodic work, delivery's dead letters)
    calls these with its store and time. The event commits with the batch
    transaction it is appended in (qf_store_event_append).
*/
#ifndef QF_EMIT_H
#define QF_EMIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_store.h"

/*  Writes the subject KIND/ID (e.g. "qualification/7") into `subject`, of
    `size` bytes (QF_SUBJECT_MAX + 1 is always enough); returns it. The
    one place a subject is built, for events and timers alike. */
const char *qf_subject (char *subject, size_t size, const char *kind, int64_t id);

/*  Appends `topic` about KIND/ID (e.g. "qualification", 7) at `time` (ms
    since the epoch) in the open transaction. Takes ownership of payload. */
int qf_emit (qf_store_t *store, int64_t time, const char *topic, const char *kind, int64_t id,
             json_t *payload);

/*  The same with the payload already written as JSON text (`size` bytes,
    from malloc; taken, whatever happens): for a record written without
    its tree (qf_json_out_t). Its payload has no "recipients", so the
    modules' address hooks have nothing to say; their observe hooks run as
    for any event. */
int qf_emit_text (qf_store_t *store, int64_t time, const char *topic, const char *kind, int64_t id,
                  char *text, size_t size);

/*  The same about a thing named by text: KIND/NAME (e.g. "group", "review"). */
int qf_emit_named (qf_store_t *store, int64_t time, const char *topic, const char *kind,
                   const char *name, json_t *payload);

#endif
