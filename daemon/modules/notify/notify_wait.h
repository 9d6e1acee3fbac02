/*  notify_wait — the notifications that wait for something.

    Escalation (notify_escalate.c). A route with `done` topics asks for an
    action (a loan to approve, a contract to review): when the notify
    worker hands in an event of that route, an escalation opens for the
    event's subject. Each time `escalate_after_hours` working hours
    (business calendar) pass without an event of a done topic about that
    subject, notify.escalated is raised to the next level: the supervisors
    of the level before (staff directory), their supervisors..., and last
    management, up to `escalate_depth` levels. The escalation ends when the
    action is done: the module's observe hook sees the done event in its
    own commit, so no level is told after the action.

    Quiet hours (notify_quiet.c). Outside working time (calendar.work_start
    to work_end on working days), messages to people (robots and email;
    not webhooks) of topics that are not urgent (notify.urgent_topics) are
    held, one per recipient (an email address; a robot's group), and when
    working time begins each recipient gets one digest of what waited.

    Both run in the daemon's notify module: their state is in its tables
    (notify_wait_store.h) and their timing in its tick. */
#ifndef QF_NOTIFY_WAIT_H
#define QF_NOTIFY_WAIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "notify/notify_config.h"
#include "qf_command.h"
#include "qf_config.h"
#include "qf_store.h"

/*  Whom `route` tells of an event: its payload's recipients and the
    route's, names of the staff directory resolved to its active people
    (qf_staff_address), each once. A new array; NULL when out of memory. */
json_t *qf_notify_people (qf_store_t *store, const qf_notify_route_t *route, json_t *payload);

/*  Opens the escalations of the event handed in by notify.enqueue: one
    per route of `topic` (whose condition `payload` meets) that asks for
    an action, due escalate_after_hours working hours from now; none when
    the action was already done (an event of a done topic about `subject`
    came after it). Idempotent by (route, event). */
int qf_notify_escalations_open (qf_ctx_t *ctx, const char *event_id, const char *topic,
                                const char *subject, json_t *payload);

/*  Starts (on) or ends watching `store` for events that end escalations:
    from the module's store_open to its store_close. */
void qf_notify_watch (const qf_store_t *store, bool on);

/*  The module's observe hook (qf_module_t.observe): an event of a done
    topic about an escalation's subject ends it. */
int qf_notify_observe (qf_store_t *store, int64_t time, const char *topic, const char *subject);

/*  Whether a message of `topic` to `endpoint` waits for working time now
    (notify.quiet_hours, not urgent, a robot or email, outside working
    time); if so holds it (`body` as it would be sent: its "to" names the
    recipients of an email) and sets *held_p. */
int qf_notify_hold (qf_ctx_t *ctx, const qf_notify_endpoint_t *endpoint, const char *event_id,
                    const char *topic, const char *body, bool *held_p);

/*  Sends the digests whose time has come: for each (endpoint, recipient)
    with held messages released at `now`, one message of type
    notify.digest holding up to notify.digest_max of them. *made_p counts
    the digests. Inside a transaction. */
int qf_notify_digests_release (qf_store_t *store, const qf_config_t *config, int64_t now,
                               int *made_p);

/*  The module's tick (qf_module_t.tick): escalations due, digests due. */
int qf_notify_tick (qf_store_t *store, const qf_config_t *config, int64_t now, int *raised_p);

/*  Handlers of notify.escalations and notify.held. */
int qf_notify_escalations_cmd (qf_ctx_t *ctx, json_t *args, json_t **result_p);
int qf_notify_held_cmd (qf_ctx_t *ctx, json_t *args, json_t **result_p);

#endif
