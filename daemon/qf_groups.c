/*  qf_groups — consumer groups: where an event is acknowledged for good.

    A group's position (its ack floor) is durable: every event at or below
    it is done. Above it the group holds, in order, the events it has handed
    out (its entries); an ack marks an entry, and the floor moves up to the
    first entry not yet acknowledged. Acks above the floor, failed attempts
    and dead letters are recorded during the batch and written just before
    it commits (qf_groups__persist); a restart reads them back, so an event
    acknowledged out of order is not delivered again, and a failed one keeps
    counting its attempts. Part of qf_delivery (qf_delivery_int.h).
*/
#include "qf_delivery_int.h"

#include <stdio.h>

void
qf_groups__free (qf_group_t *group)
{
    for (size_t i = 0; i < group->topic_count; i++)
        free (group->topics[i]);
    free (group->topics);
    free (group->topics_json);
    free (group->entries);
    free (group->restored);
    free (group->batch_acks);
    free (group->ops);
    free (group->attempts);
    free (group->retries);
    free (group);
}

qf_group_t *
qf_groups__find (qf_delivery_t *self, const char *name)
{
    for (qf_group_t *group = self->groups; group; group = group->next)
        if (!group->deleting && strcmp (group->name, name) == 0)
            return group;
    return NULL;
}

int
qf_groups__created_by_hello (qf_delivery_t *self)
{
    int count = 0;
    for (qf_group_t *group = self->groups; group; group = group->next)
        count += !group->configured && !group->deleting;
    return count;
}

int
qf_groups__set_topics (qf_group_t *group, json_t *topics)
{
    size_t n = json_array_size (topics);
    char **list = calloc (n ? n : 1, sizeof *list);
    char *text = json_dumps (topics, JSON_COMPACT);
    if (!list || !text) {
        free (list);
        free (text);
        return QF_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        list[i] = strdup (json_string_value (json_array_get (topics, i)));
    for (size_t i = 0; i < group->topic_count; i++)
        free (group->topics[i]);
    free (group->topics);
    free (group->topics_json);
    group->topics = list;
    group->topic_count = n;
    group->topics_json = text;
    return 0;
}

qf_group_t *
qf_groups__new (qf_delivery_t *self, const char *name, json_t *topics, uint64_t floor)
{
    qf_group_t *group = calloc (1, sizeof *group);
    if (!group)
        return NULL;
    snprintf (group->name, sizeof group->name, "%s", name);
    /* A group that is not configured was named by whoever said HELLO
       first: with CURVE, its name grants nothing, so its results run no
       command (s_configure gives a configured group its role). Without
       CURVE any client may claim any role anyway. */
    snprintf (group->role, sizeof group->role, "%s", self->config->curve ? "" : name);
    group->ack_wait_ms = self->config->ack_wait_ms;
    group->max_deliveries = self->config->max_deliveries;
    if (qf_groups__set_topics (group, topics)) {
        qf_groups__free (group);
        return NULL;
    }
    group->floor = floor;
    group->next_seq = floor + 1;
    group->next = self->groups;
    self->groups = group;
    return group;
}

/* Applies a configured group's role and delivery policy. */
static void
s_configure (qf_group_t *group, const qf_group_config_t *config)
{
    group->configured = true;
    snprintf (group->role, sizeof group->role, "%s", config->role ? config->role : group->name);
    group->ack_wait_ms = config->ack_wait_ms;
    group->max_deliveries = config->max_deliveries;
}

json_t *
qf_groups__topics_json (const qf_group_config_t *config)
{
    json_t *topics = json_array ();
    for (size_t i = 0; i < config->topic_count; i++)
        json_array_append_new (topics, json_string (config->topics[i]));
    return topics;
}

/* Loading ------------------------------------------------------------------- */

static int
s_restore_ack (uint64_t seq, void *arg)
{
    qf_group_t *group = arg;
    size_t cap = group->restored_count;
    if (!qf_delivery__grow ((void **)&group->restored, &cap, group->restored_count + 1,
                            sizeof (uint64_t)))
        return 1;
    group->restored[group->restored_count++] = seq;
    return 0;
}

static int
s_restore_delivery (uint64_t seq, uint32_t attempts, const char *last_error, bool pinned, void *arg)
{
    qf_group_t *group = arg;
    if (pinned && seq <= group->floor) {
        if (!qf_delivery__grow ((void **)&group->retries, &group->retry_cap, group->retry_count + 1,
                                sizeof (qf_entry_t)))
            return 1;
        qf_entry_t *entry = &group->retries[group->retry_count++];
        memset (entry, 0, sizeof *entry);
        entry->seq = seq;
        entry->attempt = attempts;
        entry->state = E_WAITING;
        entry->failed = entry->pinned = true;
        snprintf (entry->last_error, sizeof entry->last_error, "%s", last_error ? last_error : "");
        return 0;
    }
    if (!qf_delivery__grow ((void **)&group->attempts, &group->attempt_cap,
                            group->attempt_count + 1, sizeof (qf_restored_attempt_t)))
        return 1;
    group->attempts[group->attempt_count].seq = seq;
    group->attempts[group->attempt_count++].attempts = attempts;
    return 0;
}

static int
s_load_group (const char *name, const char *topics_json, uint64_t floor, void *arg)
{
    qf_delivery_t *self = arg;
    json_t *topics = json_loads (topics_json ? topics_json : "[]", 0, NULL);
    if (!json_is_array (topics)) {
        qf_error ("group %s has unreadable topics in the database; skipping it", name);
        json_decref (topics);
        return 0;
    }
    qf_group_t *group = qf_groups__new (self, name, topics, floor);
    json_decref (topics);
    if (!group)
        return 1;
    return 0;
}

int
qf_delivery_load (qf_delivery_t *self, int64_t now)
{
    self->recovered_seq = qf_store_last_seq (self->store);
    int rc = qf_store_groups_load (self->store, s_load_group, self);
    if (rc)
        return rc;
    for (size_t i = 0; i < self->config->group_count; i++) {
        const qf_group_config_t *config = &self->config->groups[i];
        json_t *topics = qf_groups__topics_json (config);
        qf_group_t *group = qf_groups__find (self, config->name);
        if (!group)
            group = qf_groups__new (self, config->name, topics, 0);
        else if (qf_groups__set_topics (group, topics))
            group = NULL;
        json_decref (topics);
        if (!group)
            return QF_ENOMEM;
        s_configure (group, config);
        rc = qf_store_group_upsert (self->store, group->name, group->topics_json, now);
        if (rc)
            return rc;
    }
    for (qf_group_t *group = self->groups; group; group = group->next) {
        rc = qf_store_group_acks_load (self->store, group->name, s_restore_ack, group);
        if (rc == 0)
            rc = qf_store_deliveries_load (self->store, group->name, s_restore_delivery, group);
        if (rc)
            return rc;
        qf_info ("group %s: position %llu, %zu acks above it, %zu failed events to retry, "
                 "topics %s",
                 group->name, (unsigned long long)group->floor, group->restored_count,
                 group->attempt_count + group->retry_count, group->topics_json);
    }
    return 0;
}

void
qf_delivery_set_config (qf_delivery_t *self, const qf_config_t *config)
{
    self->config = config;
    for (qf_group_t *group = self->groups; group; group = group->next) {
        const qf_group_config_t *gc = qf_config_group (config, group->name);
        if (gc)
            s_configure (group, gc);
        else {
            group->ack_wait_ms = config->ack_wait_ms;
            group->max_deliveries = config->max_deliveries;
        }
    }
}

/* Entries and the position -------------------------------------------------- */

qf_entry_t *
qf_groups__entry (qf_group_t *group, uint64_t seq)
{
    size_t lo = group->head, hi = group->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (group->entries[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < group->count && group->entries[lo].seq == seq)
        return &group->entries[lo];
    for (size_t i = 0; i < group->retry_count; i++)
        if (group->retries[i].seq == seq)
            return &group->retries[i];
    return NULL;
}

/* Drops acknowledged entries from the front; the floor follows. */
static void
s_compact (qf_group_t *group)
{
    size_t kept = 0;
    for (size_t i = 0; i < group->retry_count; i++)
        if (group->retries[i].state != E_ACKED)
            group->retries[kept++] = group->retries[i];
    group->retry_count = kept;
    while (group->head < group->count && group->entries[group->head].state == E_ACKED)
        group->head++;
    if (group->head == group->count)
        group->head = group->count = 0;
    else if (group->head > 1024 && group->head * 2 > group->count) {
        memmove (group->entries, group->entries + group->head,
                 (group->count - group->head) * sizeof (qf_entry_t));
        group->count -= group->head;
        group->head = 0;
    }
}

/* The position: everything below the first entry not yet acknowledged. */
static uint64_t
s_floor (qf_group_t *group)
{
    for (size_t i = group->head; i < group->count; i++)
        if (group->entries[i].state != E_ACKED)
            return group->entries[i].seq - 1;
    return group->next_seq - 1;
}

void
qf_groups__record (qf_group_t *group, qf_op_kind_t kind, qf_entry_t *entry)
{
    group->dirty = true;
    if (!qf_delivery__grow ((void **)&group->ops, &group->op_cap, group->op_count + 1,
                            sizeof (qf_op_t))) {
        qf_error ("out of memory recording delivery state of event %llu in group %s",
                  (unsigned long long)entry->seq, group->name);
        return;
    }
    qf_op_t *op = &group->ops[group->op_count++];
    op->kind = kind;
    op->seq = entry->seq;
    op->attempts = entry->attempt;
    op->pinned = entry->pinned;
    snprintf (op->event_id, sizeof op->event_id, "%s", entry->event_id);
    snprintf (op->error, sizeof op->error, "%s", entry->last_error);
}

void
qf_groups__ack (qf_group_t *group, qf_entry_t *entry)
{
    if (entry->state == E_INFLIGHT && entry->member)
        entry->member->in_flight--;
    entry->member = NULL;
    entry->state = E_ACKED;
    if (entry->failed) {
        qf_groups__record (group, OP_CLEARED, entry);
        entry->failed = false;
    }
    group->acked_total++;
    group->dirty = true;
    size_t cap = group->batch_ack_cap;
    if (qf_delivery__grow ((void **)&group->batch_acks, &cap, group->batch_ack_count + 1,
                           sizeof (uint64_t))) {
        group->batch_ack_cap = cap;
        group->batch_acks[group->batch_ack_count++] = entry->seq;
    }
}

/* Persistence --------------------------------------------------------------- */

/* Writes one delivery-state change: a failed attempt's row, its removal
   once done, or a dead letter (qf_dispatch.c). */
static int
s_write_op (qf_delivery_t *self, qf_group_t *group, const qf_op_t *op)
{
    if (op->kind == OP_FAILED)
        return qf_store_delivery_put (self->store, group->name, op->seq, op->attempts, op->error,
                                      op->pinned);
    int rc = qf_store_delivery_delete (self->store, group->name, op->seq);
    if (rc || op->kind == OP_CLEARED)
        return rc;
    return qf_dispatch__dead_letter (self, group, op);
}

int
qf_groups__persist (qf_delivery_t *self)
{
    for (qf_group_t *group = self->groups; group; group = group->next) {
        if (!group->dirty || group->deleting)
            continue;
        uint64_t floor = s_floor (group);
        int rc = 0;
        if (floor != group->floor)
            rc = qf_store_group_set_floor (self->store, group->name, floor);
        for (size_t i = 0; rc == 0 && i < group->batch_ack_count; i++) {
            uint64_t seq = group->batch_acks[i];
            qf_entry_t *entry = qf_groups__entry (group, seq);
            /* An ack whose result was lost with a failed batch is no ack. */
            if (seq > floor && (!entry || entry->state == E_ACKED))
                rc = qf_store_group_ack_add (self->store, group->name, seq);
        }
        for (size_t i = 0; rc == 0 && i < group->op_count; i++)
            rc = s_write_op (self, group, &group->ops[i]);
        if (rc)
            return rc;
    }
    return 0;
}

void
qf_groups__settle (qf_delivery_t *self, bool committed)
{
    for (qf_group_t *group = self->groups; group; group = group->next) {
        if (group->dirty && committed) {
            group->floor = s_floor (group);
            group->batch_ack_count = 0;
            group->op_count = 0;
            group->dirty = false;
            s_compact (group);
        }
    }
}

/* Ends what groups.delete began in the batch that just ended: once it has
   committed, the group's workers are told and their sessions end, and the
   group is gone; if it failed, the group stays as it was. */
void
qf_groups__finish_deletes (qf_delivery_t *self, bool committed)
{
    qf_group_t **link = &self->groups;
    while (*link) {
        qf_group_t *group = *link;
        if (!group->deleting) {
            link = &group->next;
            continue;
        }
        if (!committed) {
            group->deleting = false;
            link = &group->next;
            continue;
        }
        /* Its events are forgotten, not failed: no attempt is counted. */
        group->head = group->count = group->retry_count = 0;
        qf_member_t *member = self->members;
        while (member) {
            qf_member_t *next = member->next;
            if (member->group == group) {
                char reason[256];
                snprintf (reason, sizeof reason,
                          "group %s was deleted by an operator (groups.delete); this session "
                          "has ended",
                          group->name);
                qf_sessions__send_error (self, member->routing, member->routing_size,
                                         QF_STATUS_NOT_FOUND, 0, reason);
                qf_sessions__remove (self, member, "its group was deleted");
            }
            member = next;
        }
        qf_info ("group %s deleted", group->name);
        *link = group->next;
        qf_groups__free (group);
    }
}

/* Operations for commands ---------------------------------------------------- */

json_t *
qf_delivery_groups (qf_delivery_t *self)
{
    json_t *status = qf_delivery_status (self);
    json_t *groups = json_incref (json_object_get (status, "groups"));
    json_decref (status);
    uint64_t last = qf_store_last_seq (self->store);
    size_t i;
    json_t *item;
    json_array_foreach (groups, i, item)
    {
        int64_t dead = 0;
        const char *name = json_string_value (json_object_get (item, "name"));
        qf_store_dlq_count (self->store, name, &dead);
        json_int_t position = json_integer_value (json_object_get (item, "position"));
        json_object_set_new (item, "lag", json_integer ((json_int_t)last - position));
        json_object_set_new (item, "dead_letters", json_integer (dead));
        qf_group_t *group = qf_groups__find (self, name);
        if (group) {
            json_object_set_new (item, "ack_wait_ms", json_integer (group->ack_wait_ms));
            json_object_set_new (item, "max_deliveries", json_integer (group->max_deliveries));
            json_object_set_new (item, "configured", json_boolean (group->configured));
        }
    }
    return groups;
}

bool
qf_delivery_has_group (qf_delivery_t *self, const char *name)
{
    return qf_groups__find (self, name) != NULL;
}

int
qf_delivery_seek (qf_delivery_t *self, const char *name, uint64_t seq)
{
    qf_group_t *group = qf_groups__find (self, name);
    if (!group)
        return QF_ENOTFOUND;
    if (seq < 1)
        seq = 1;
    int rc = qf_store_group_reset (self->store, name, seq - 1);
    if (rc)
        return rc;
    /* Whatever members hold now will be refused when they ack it. */
    FOR_EACH_ENTRY (group, entry, {
        if (entry->state == E_INFLIGHT && entry->member)
            entry->member->in_flight--;
    });
    if (group->next_seq > group->replay_until)
        group->replay_until = group->next_seq;
    group->head = group->count = 0;
    group->retry_count = 0;
    group->restored_count = group->restored_at = 0;
    group->attempt_count = group->attempt_at = 0;
    group->batch_ack_count = group->op_count = 0;
    group->floor = seq - 1;
    group->next_seq = seq;
    group->dirty = false;
    qf_info ("group %s moved to sequence %llu: events from there on are delivered again", name,
             (unsigned long long)seq);
    return 0;
}

int
qf_delivery_delete (qf_delivery_t *self, const char *name, int *members_p)
{
    qf_group_t *group = qf_groups__find (self, name);
    if (!group)
        return QF_ENOTFOUND;
    if (group->configured)
        return QF_ECONFLICT;
    int rc = qf_store_group_delete (self->store, name);
    if (rc)
        return rc;
    int members = 0;
    for (qf_member_t *m = self->members; m; m = m->next)
        members += m->group == group;
    *members_p = members;
    group->deleting = true;
    return 0;
}

uint64_t
qf_delivery_min_position (qf_delivery_t *self)
{
    uint64_t min = UINT64_MAX;
    for (qf_group_t *group = self->groups; group; group = group->next) {
        if (group->deleting)
            continue;
        uint64_t position = group->floor;
        /* Dead letters sent back are below the position and still needed. */
        for (size_t i = 0; i < group->retry_count; i++)
            if (group->retries[i].seq - 1 < position)
                position = group->retries[i].seq - 1;
        if (position < min)
            min = position;
    }
    return min == UINT64_MAX ? 0 : min;
}
