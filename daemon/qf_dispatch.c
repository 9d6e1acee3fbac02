/*  qf_dispatch — where an event is delivered, retried and dead-lettered.

    Each pass hands a group's events to its sessions with room in their
    window, round robin: first the events waiting to go again (dead letters
    sent back, then failed events, in sequence order), then new ones, from
    the tail in memory while they are recent, else from the log. A DELIVER
    starts a lease (the group's ack_wait); EXTEND renews it, ACK ends it
    (with a result, its command runs first, once per event and group), and
    NACK, an expired lease or a session that vanished fails the attempt:
    the event waits its backoff and goes again, and after max_deliveries
    attempts it moves to the dead-letter list, from which `dlq retry` sends
    it back. Part of qf_delivery (qf_delivery_int.h).
*/
#include "qf_delivery_int.h"
#include "qf_command.h"
#include "qf_emit.h"

#include <stdio.h>

int64_t
qf_delivery_backoff_ms (const qf_config_t *config, uint32_t attempt, long dice)
{
    int64_t delay = config->backoff_initial_ms;
    for (uint32_t i = 1; i < attempt && delay < config->backoff_max_ms; i++)
        delay *= 2;
    if (delay > config->backoff_max_ms)
        delay = config->backoff_max_ms;
    /* +-20% so that retries of a burst do not arrive together. */
    int64_t jitter = delay / 5;
    if (jitter > 0) {
        int64_t roll = (int64_t)dice % (2 * jitter + 1);
        delay += (roll < 0 ? -roll : roll) - jitter;
    }
    return delay;
}

/* Retry and dead letters ----------------------------------------------------- */

void
qf_dispatch__release (qf_entry_t *entry, int64_t not_before)
{
    if (entry->state == E_INFLIGHT && entry->member)
        entry->member->in_flight--;
    entry->member = NULL;
    entry->state = E_WAITING;
    entry->deadline = not_before;
}

void
qf_dispatch__fail (qf_delivery_t *self, qf_group_t *group, qf_entry_t *entry, const char *error,
                   int64_t delay)
{
    snprintf (entry->last_error, sizeof entry->last_error, "%s", error);
    if (entry->attempt >= (uint32_t)group->max_deliveries) {
        qf_warn ("group %s: event %llu failed %u times, the most allowed; moved to the "
                 "dead-letter list (last error: %s); see 'qualflow dlq list %s'",
                 group->name, (unsigned long long)entry->seq, entry->attempt, error, group->name);
        qf_groups__record (group, OP_DEAD, entry);
        entry->failed = false;
        qf_groups__ack (group, entry);
        return;
    }
    int64_t wait =
        delay >= 0 ? delay : qf_delivery_backoff_ms (self->config, entry->attempt, random ());
    qf_dispatch__release (entry, qf_time_mono_ms () + wait);
    entry->failed = true;
    qf_groups__record (group, OP_FAILED, entry);
}

static int
s_topic_of (const qf_event_t *event, void *arg)
{
    snprintf (arg, QF_TOPIC_MAX + 1, "%s", event->topic);
    return 1;
}

int
qf_dispatch__dead_letter (qf_delivery_t *self, qf_group_t *group, const qf_op_t *op)
{
    char topic[QF_TOPIC_MAX + 1] = "";
    qf_store_event_get (self->store, op->seq, s_topic_of, topic);
    int64_t now = qf_time_now_ms ();
    int rc = qf_store_dlq_put (self->store, group->name, op->seq, op->event_id, topic, op->attempts,
                               op->error, now);
    /* Tell operators; never about a dead-letter event itself, so no chain. */
    if (rc == 0 && strcmp (topic, "delivery.dead_lettered") != 0)
        rc =
            qf_emit_named (self->store, now, "delivery.dead_lettered", "group", group->name,
                           json_pack ("{s:s, s:I, s:s, s:s, s:i, s:s}", "group", group->name, "seq",
                                      (json_int_t)op->seq, "event_id", op->event_id, "topic", topic,
                                      "attempts", (int)op->attempts, "last_error", op->error));
    return rc;
}

int
qf_delivery_dlq_retry (qf_delivery_t *self, const char *name, uint64_t seq)
{
    qf_group_t *group = qf_groups__find (self, name);
    if (!group)
        return QF_ENOTFOUND;
    int rc = qf_store_dlq_delete (self->store, name, seq);
    if (rc)
        return rc;
    rc = qf_store_group_ack_delete (self->store, name, seq);
    if (rc == 0)
        rc = qf_store_delivery_put (self->store, name, seq, 0,
                                    "sent back from the dead-letter list", seq <= group->floor);
    if (rc)
        return rc;
    qf_entry_t *entry = qf_groups__entry (group, seq);
    if (!entry && seq >= group->next_seq)
        return 0; /* not reached yet: it will be delivered from the log */
    if (!entry) {
        if (!qf_delivery__grow ((void **)&group->retries, &group->retry_cap, group->retry_count + 1,
                                sizeof (qf_entry_t)))
            return QF_ENOMEM;
        entry = &group->retries[group->retry_count++];
        memset (entry, 0, sizeof *entry);
        entry->seq = seq;
        entry->pinned = seq <= group->floor;
    }
    entry->state = E_WAITING;
    entry->attempt = 0;
    entry->failed = true;
    entry->deadline = 0;
    entry->member = NULL;
    qf_info ("group %s: dead letter %llu sent back for delivery", name, (unsigned long long)seq);
    return 0;
}

void
qf_dispatch__expire_leases (qf_delivery_t *self, int64_t now)
{
    for (qf_group_t *group = self->groups; group; group = group->next)
        FOR_EACH_ENTRY (group, entry, {
            if (entry->state == E_INFLIGHT && entry->deadline <= now) {
                char error[256];
                snprintf (error, sizeof error, "lease of %lld ms expired in worker %s",
                          (long long)group->ack_wait_ms,
                          entry->member ? entry->member->instance : "?");
                qf_info ("group %s: event %llu: %s; delivering it again", group->name,
                         (unsigned long long)entry->seq, error);
                qf_dispatch__fail (self, group, entry, error, -1);
            }
        });
}

/* ACK, NACK, EXTEND ----------------------------------------------------------- */

/* Checks the shape of a result object {command, args}: 0, or QF_EINVAL
   with ctx->error saying what is wrong. */
static int
s_check_result (qf_ctx_t *ctx, json_t *result)
{
    const char *key;
    json_t *value;
    json_object_foreach (result, key, value)
    {
        if (strcmp (key, "command") != 0 && strcmp (key, "args") != 0)
            return qf_ctx_error (ctx, QF_EINVAL, NULL,
                                 "an ACK result may only have the keys command and args");
    }
    json_t *command = json_object_get (result, "command");
    if (!json_is_string (command) || !qf_valid_token (json_string_value (command), QF_NAME_MAX))
        return qf_ctx_error (ctx, QF_EINVAL, NULL,
                             "an ACK result needs \"command\", a command name");
    json_t *args = json_object_get (result, "args");
    if (args && !json_is_object (args))
        return qf_ctx_error (ctx, QF_EINVAL, NULL, "an ACK result's \"args\" must be an object");
    return 0;
}

/* A result's command and its record, run in a savepoint together: the
   command runs once per event and group. */
typedef struct {
    qf_ctx_t *ctx;        /* the worker's group role and user */
    json_t *result;       /* {command, args}, checked */
    const char *group;    /* the group's name */
    const char *event_id; /* the event it is the result of */
} result_work_t;

static int
s_run_result (qf_store_t *store, void *arg)
{
    result_work_t *work = arg;
    json_t *reply = NULL;
    int rc = qf_commands_execute (work->ctx,
                                  json_string_value (json_object_get (work->result, "command")),
                                  json_object_get (work->result, "args"), &reply);
    json_decref (reply);
    if (rc == 0)
        rc = qf_store_result_add (store, work->group, work->event_id, work->ctx->now);
    return rc;
}

void
qf_dispatch__ack (qf_delivery_t *self, qf_member_t *member, qf_msg_t *msg, qf_ctx_t *ctx)
{
    qf_group_t *group = member->group;
    qf_entry_t *entry = qf_groups__entry (group, msg->seq);
    char reason[QF_REASON_MAX];
    if (msg->id == QF_MSG_NACK && msg->delay > QF_DELAY_MAX) {
        /* Larger delays would overflow the retry time, or park the event
           for ever; the event stays with the worker, its lease running. */
        snprintf (reason, sizeof reason,
                  "NACK delay %lld ms is over the %d ms (24 h) allowed; nothing was changed; "
                  "send at most that, or 0 for the daemon's backoff",
                  (long long)msg->delay, QF_DELAY_MAX);
        qf_warn ("worker %s: a NACK was refused: its delay is over %d ms", member->instance,
                 QF_DELAY_MAX);
        qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_BAD_REQUEST,
                                 msg->seq, reason);
        return;
    }
    if (!entry || entry->state == E_ACKED) {
        snprintf (reason, sizeof reason,
                  "event %llu is not awaiting an ack from group %s (duplicate, unknown, or "
                  "another group's)",
                  (unsigned long long)msg->seq, group->name);
        qf_warn ("worker %s: %s", member->instance, reason);
        qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_CONFLICT,
                                 msg->seq, reason);
        return;
    }
    if (strcmp (entry->event_id, msg->event_id) != 0) {
        snprintf (reason, sizeof reason, "event %llu has id %s, not %s",
                  (unsigned long long)msg->seq, entry->event_id, msg->event_id);
        qf_warn ("worker %s: %s", member->instance, reason);
        qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_BAD_REQUEST,
                                 msg->seq, reason);
        return;
    }
    if (msg->id != QF_MSG_ACK && !(entry->state == E_INFLIGHT && entry->member == member)) {
        /* A late NACK or EXTEND from an instance whose lease ended changes nothing. */
        qf_debug ("group %s: ignoring %s of event %llu from %s, which no longer holds it",
                  group->name, qf_msg_type_name (msg->id), (unsigned long long)msg->seq,
                  member->instance);
        return;
    }
    if (msg->id == QF_MSG_EXTEND) {
        entry->deadline = qf_time_mono_ms () + group->ack_wait_ms;
        return;
    }
    if (msg->id == QF_MSG_NACK) {
        qf_info ("group %s: event %llu failed in %s (attempt %u of %d): %s", group->name,
                 (unsigned long long)msg->seq, member->instance, entry->attempt,
                 group->max_deliveries, msg->reason);
        qf_dispatch__fail (self, group, entry, msg->reason[0] ? msg->reason : "NACK without reason",
                           msg->delay > 0 ? msg->delay : -1);
        return;
    }
    json_t *result = msg->body;
    if (result && json_object_size (result) > 0) {
        bool seen = false;
        int rc = s_check_result (ctx, result);
        if (rc == 0 && !group->role[0])
            rc = qf_ctx_error (ctx, QF_EFORBIDDEN, NULL,
                               "group %s has no role: it is not in the configuration, so its "
                               "results run no command; declare it under groups: with a role, "
                               "or ack with {}",
                               group->name);
        if (rc == 0) {
            rc = qf_store_result_seen (self->store, group->name, entry->event_id, &seen);
            if (rc)
                qf_ctx_error (ctx, rc, NULL,
                              "the daemon could not read its results table; see its log");
        }
        if (rc == 0 && !seen) {
            char user[QF_NAME_MAX + QF_ID_MAX + 4];
            snprintf (user, sizeof user, "%s/%s", group->name, member->instance);
            ctx->role = group->role;
            ctx->user = user;
            ctx->from_worker = true;
            ctx->event_seq = entry->seq;
            result_work_t work = {ctx, result, group->name, entry->event_id};
            rc = qf_store_in_savepoint (self->store, s_run_result, &work);
            if (rc && !ctx->error[0])
                qf_ctx_error (ctx, rc, NULL, "%s", qf_strerror (rc));
        }
        if (rc) {
            snprintf (reason, sizeof reason, "result of event %llu refused: %s",
                      (unsigned long long)msg->seq, ctx->error);
            qf_warn ("group %s worker %s: %s", group->name, member->instance, reason);
            qf_sessions__send_error (self, msg->routing, msg->routing_size,
                                     qf_status_from_error (rc), msg->seq, reason);
            if (entry->state == E_INFLIGHT && entry->member)
                qf_dispatch__fail (self, group, entry, reason, -1);
            return;
        }
        if (!seen && qf_delivery__grow ((void **)&self->result_entries, &self->result_cap,
                                        self->result_count + 1, sizeof (qf_result_ref_t))) {
            self->result_entries[self->result_count].group = group;
            self->result_entries[self->result_count++].seq = entry->seq;
        }
    }
    qf_groups__ack (group, entry);
}

void
qf_dispatch__acks (qf_delivery_t *self, qf_member_t *member, qf_msg_t *msg)
{
    qf_group_t *group = member->group;
    size_t refused = 0;
    uint64_t first = 0;
    for (size_t i = 0; i < msg->seq_count; i++) {
        qf_entry_t *entry = qf_groups__entry (group, msg->seqs[i]);
        if (!entry || entry->state == E_ACKED) {
            if (!refused++)
                first = msg->seqs[i];
            continue;
        }
        qf_groups__ack (group, entry);
    }
    if (refused) {
        /* One ERROR for the message, whatever it lists: a peer's ACKS of
           1,024 stale seqs costs the daemon one answer, not 1,024. */
        char reason[QF_REASON_MAX];
        snprintf (reason, sizeof reason,
                  "%zu of the %zu seqs of this ACKS are not awaiting an ack from group %s "
                  "(duplicate, unknown, or another group's), the first %llu; the others were "
                  "acknowledged",
                  refused, msg->seq_count, group->name, (unsigned long long)first);
        qf_warn ("worker %s: %s", member->instance, reason);
        qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_CONFLICT, first,
                                 reason);
    }
}

void
qf_dispatch__after_commit (qf_delivery_t *self, bool committed)
{
    if (!committed) {
        /* The results were lost with the batch: hand those events out again. */
        for (size_t i = 0; i < self->result_count; i++) {
            qf_entry_t *entry =
                qf_groups__entry (self->result_entries[i].group, self->result_entries[i].seq);
            if (entry && entry->state == E_ACKED) {
                entry->state = E_WAITING;
                entry->deadline = qf_time_mono_ms ();
                /* The worker did its part: the daemon's failure is not an attempt. */
                if (entry->attempt > 0)
                    entry->attempt--;
            }
        }
    }
    self->result_count = 0;
}

/* Dispatch ---------------------------------------------------------------- */

/* Picks the next live member of a group with room in its window. */
static qf_member_t *
s_pick_member (qf_delivery_t *self, qf_group_t *group)
{
    size_t n = 0;
    for (qf_member_t *m = self->members; m; m = m->next)
        n++;
    if (n == 0)
        return NULL;
    qf_member_t *best = NULL;
    size_t index = 0, start = group->rr % n;
    /* Round robin from the cursor: first member with room after it. */
    for (size_t pass = 0; pass < 2 && !best; pass++) {
        index = 0;
        for (qf_member_t *m = self->members; m; m = m->next, index++) {
            if (pass == 0 && index < start)
                continue;
            if (m->group == group && !m->dead && !m->welcome_pending && m->in_flight < m->window) {
                best = m;
                break;
            }
        }
        start = 0;
    }
    if (best)
        group->rr = index + 1;
    return best;
}

/* Whether a live member of the group has room in its window. */
static bool
s_group_has_room (qf_delivery_t *self, qf_group_t *group)
{
    for (qf_member_t *m = self->members; m; m = m->next)
        if (m->group == group && !m->dead && !m->welcome_pending && m->in_flight < m->window)
            return true;
    return false;
}

/* The number of the next attempt after `attempts` failed ones. It never
   passes max_deliveries: an event already at the maximum when a reload or
   a restart lowered it gets one last attempt, numbered max_deliveries. */
static uint32_t
s_next_attempt (const qf_group_t *group, uint32_t attempts)
{
    uint32_t max = group->max_deliveries > 0 ? (uint32_t)group->max_deliveries : 1;
    return attempts < max ? attempts + 1 : max;
}

/* One group's pass, shared by the callbacks that read events. */
typedef struct {
    qf_delivery_t *self;
    qf_group_t *group;
    qf_entry_t *entry; /* redelivery: the entry being handed out again */
    int scanned;       /* events looked at in this pass */
    bool stalled;      /* no member has room */
    uint64_t last_seq; /* the newest event on disk: none past it is handed out */
} dispatch_t;

static void
s_deliver (qf_delivery_t *self, qf_group_t *group, qf_member_t *member, qf_entry_t *entry,
           const qf_event_t *event)
{
    qf_msg_t msg = {0};
    msg.id = QF_MSG_DELIVER;
    msg.seq = event->seq;
    qf_copy (msg.event_id, sizeof msg.event_id, event->id);
    qf_copy (msg.topic, sizeof msg.topic, event->topic);
    qf_copy (msg.subject, sizeof msg.subject, event->subject);
    msg.time = event->time;
    msg.attempt = entry->attempt;
    qf_copy (entry->event_id, sizeof entry->event_id, event->id);
    if (entry->attempt > 1 || event->seq <= self->recovered_seq ||
        event->seq < group->replay_until) {
        bool seen = false;
        if (qf_store_result_seen (self->store, group->name, event->id, &seen) == 0 && seen)
            msg.flags |= QF_DELIVER_PROCESSED;
    }
    msg.raw = event->payload;
    msg.raw_size = event->payload_size;
    entry->state = E_INFLIGHT;
    entry->member = member;
    entry->deadline = qf_time_mono_ms () + group->ack_wait_ms;
    member->in_flight++;
    if (!member->packed) {
        qf_sessions__send (self, member, &msg);
        return;
    }
    /* A packed session's deliveries of this pass go together at its end
       (qf_delivery_dispatch): one message, two frames, for all of them. */
    if (!member->pack)
        member->pack = calloc (1, sizeof *member->pack);
    int rc = member->pack ? qf_packed_append (member->pack, &msg, msg.raw, msg.raw_size) : QF_ENOMEM;
    if (rc == QF_ETOOBIG) {
        qf_sessions__flush_member (self, member);
        rc = qf_packed_append (member->pack, &msg, msg.raw, msg.raw_size);
    }
    if (rc && !member->dead) {
        qf_warn ("worker %s of group %s: delivery of event %llu could not be packed (%s); "
                 "ending its session and re-delivering its events",
                 member->instance, group->name, (unsigned long long)event->seq, qf_strerror (rc));
        member->dead = true;
    }
}

static int
s_dispatch_new (const qf_event_t *event, void *arg)
{
    dispatch_t *d = arg;
    qf_group_t *group = d->group;
    if (event->seq > d->last_seq)
        return 1; /* committed, not yet on disk (qf_sync.h) */
    d->scanned++;
    bool wanted = qf_groups__matches (group, event->topic);
    /* Skip what was acknowledged before a restart. */
    while (group->restored_at < group->restored_count &&
           group->restored[group->restored_at] < event->seq)
        group->restored_at++;
    if (group->restored_at < group->restored_count &&
        group->restored[group->restored_at] == event->seq)
        wanted = false;
    if (!wanted) {
        group->next_seq = event->seq + 1;
        if (group->head == group->count)
            group->dirty = true;
        return 0;
    }
    qf_member_t *member = s_pick_member (d->self, group);
    if (!member) {
        d->stalled = true;
        return 1;
    }
    size_t cap = group->cap;
    if (!qf_delivery__grow ((void **)&group->entries, &cap, group->count + 1,
                            sizeof (qf_entry_t))) {
        d->stalled = true;
        return 1;
    }
    group->cap = cap;
    qf_entry_t *entry = &group->entries[group->count++];
    memset (entry, 0, sizeof *entry);
    entry->seq = event->seq;
    qf_copy (entry->event_id, sizeof entry->event_id, event->id);
    entry->attempt = 1;
    /* An event that failed before a restart keeps counting its attempts. */
    while (group->attempt_at < group->attempt_count &&
           group->attempts[group->attempt_at].seq < event->seq)
        group->attempt_at++;
    if (group->attempt_at < group->attempt_count &&
        group->attempts[group->attempt_at].seq == event->seq) {
        entry->attempt = s_next_attempt (group, group->attempts[group->attempt_at].attempts);
        entry->failed = true;
    }
    group->next_seq = event->seq + 1;
    s_deliver (d->self, group, member, entry, event);
    return 0;
}

static int
s_redeliver (const qf_event_t *event, void *arg)
{
    dispatch_t *d = arg;
    qf_member_t *member = s_pick_member (d->self, d->group);
    if (!member) {
        d->stalled = true;
        return 1;
    }
    d->entry->attempt = s_next_attempt (d->group, d->entry->attempt);
    d->group->redelivered_total++;
    s_deliver (d->self, d->group, member, d->entry, event);
    return 0;
}

int
qf_delivery_dispatch (qf_delivery_t *self, uint64_t last_seq, qf_tail_t *tail)
{
    int more = 0;
    int64_t now = qf_time_mono_ms ();
    for (qf_group_t *group = self->groups; group; group = group->next) {
        /* A group that no live worker has room in has nothing to do: it
           neither reads the log nor holds the loop (an idle group, or one
           whose workers are busy, costs nothing). */
        if (group->deleting || !s_group_has_room (self, group))
            continue;
        dispatch_t d = {self, group, NULL, 0, false, last_seq};
        /* Events to hand out again come first: dead letters sent back, then
           failed events in sequence order. */
        for (size_t i = 0; i < group->retry_count + group->count && !d.stalled; i++) {
            if (i >= group->retry_count && i - group->retry_count < group->head)
                continue;
            qf_entry_t *entry = i < group->retry_count ? &group->retries[i]
                                                       : &group->entries[i - group->retry_count];
            if (entry->state != E_WAITING || entry->deadline > now)
                continue;
            d.entry = entry;
            size_t run = 0;
            const qf_event_t *held = tail ? qf_tail_find (tail, entry->seq, &run) : NULL;
            if (held) {
                s_redeliver (held, &d);
                continue;
            }
            self->log_reads++;
            if (qf_store_event_get (self->store, entry->seq, s_redeliver, &d) == QF_ENOTFOUND) {
                qf_error ("group %s: event %llu vanished from the log; dropping it", group->name,
                          (unsigned long long)entry->seq);
                qf_groups__ack (group, entry);
            }
        }
        /* Then new events: recent ones straight from the tail in memory, the
           bytes encoded once; older ones from the log, a bounded slice per pass. */
        while (!d.stalled && group->next_seq <= last_seq && d.scanned < 4096) {
            size_t run = 0;
            const qf_event_t *held = tail ? qf_tail_find (tail, group->next_seq, &run) : NULL;
            if (held) {
                for (size_t i = 0; i < run && !s_dispatch_new (&held[i], &d); i++)
                    ;
                continue;
            }
            int before = d.scanned;
            self->log_reads++;
            if (qf_store_events_after (self->store, group->next_seq - 1, 256, s_dispatch_new, &d))
                break;
            if (d.scanned == before)
                break;
        }
        if (!d.stalled && group->next_seq <= last_seq)
            more = 1;
    }
    qf_sessions__flush (self);
    qf_sessions__reap (self);
    return more;
}
