/*  qf_delivery — durable consumer groups: the object and its batch.

    The work is split by concern (qf_delivery_int.h): consumer groups and
    their positions in qf_groups.c, worker sessions in qf_sessions.c, and
    what is delivered, acknowledged, retried and dead-lettered in
    qf_dispatch.c. This file holds what ties them to the server's batch.
*/
#include "qf_delivery_int.h"

qf_delivery_t *
qf_delivery_new (qf_store_t *store, const qf_config_t *config, void *socket)
{
    qf_delivery_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->config = config;
    self->socket = socket;
    return self;
}

void
qf_delivery_destroy (qf_delivery_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_delivery_t *self = *self_p;
    while (self->groups) {
        qf_group_t *next = self->groups->next;
        qf_groups__free (self->groups);
        self->groups = next;
    }
    while (self->members) {
        qf_member_t *next = self->members->next;
        qf_packed_destroy (&self->members->pack);
        free (self->members);
        self->members = next;
    }
    for (size_t i = 0; i < self->deferred_count; i++)
        qf_msg_reset (&self->deferred[i].msg);
    free (self->deferred);
    free (self->result_entries);
    free (self);
    *self_p = NULL;
}

int
qf_delivery_before_commit (qf_delivery_t *self)
{
    return qf_groups__persist (self);
}

void
qf_delivery_after_commit (qf_delivery_t *self, bool committed)
{
    qf_groups__settle (self, committed);
    qf_dispatch__after_commit (self, committed);
    qf_sessions__after_commit (self, committed);
    qf_sessions__reap (self);
    qf_groups__finish_deletes (self, committed);
}

void
qf_delivery_tick (qf_delivery_t *self)
{
    int64_t now = qf_time_mono_ms ();
    qf_sessions__tick (self, now);
    qf_sessions__reap (self);
    qf_dispatch__expire_leases (self, now);
}

json_t *
qf_delivery_status (qf_delivery_t *self)
{
    json_t *groups = json_array (), *workers = json_array ();
    int64_t now = qf_time_mono_ms ();
    for (qf_group_t *group = self->groups; group; group = group->next) {
        if (group->deleting)
            continue;
        int in_flight = 0, waiting = 0, members = 0;
        for (size_t i = group->head; i < group->count; i++) {
            if (group->entries[i].state == E_INFLIGHT)
                in_flight++;
            else if (group->entries[i].state == E_WAITING)
                waiting++;
        }
        for (qf_member_t *m = self->members; m; m = m->next)
            members += m->group == group;
        json_t *topics = json_loads (group->topics_json, 0, NULL);
        json_array_append_new (
            groups, json_pack ("{s:s, s:o, s:I, s:I, s:i, s:i, s:i, s:I, s:I}", "name", group->name,
                               "topics", topics ? topics : json_array (), "position",
                               (json_int_t)group->floor, "next_seq", (json_int_t)group->next_seq,
                               "in_flight", in_flight, "waiting", waiting, "members", members,
                               "acked", (json_int_t)group->acked_total, "redelivered",
                               (json_int_t)group->redelivered_total));
    }
    for (qf_member_t *m = self->members; m; m = m->next)
        json_array_append_new (workers, json_pack ("{s:s, s:s, s:i, s:i, s:I}", "group",
                                                   m->group->name, "instance", m->instance,
                                                   "in_flight", m->in_flight, "window", m->window,
                                                   "idle_ms", (json_int_t)(now - m->last_heard)));
    return json_pack ("{s:o, s:o, s:I}", "groups", groups, "workers", workers, "log_reads",
                      (json_int_t)self->log_reads);
}

bool
qf_delivery_dirty (qf_delivery_t *self)
{
    for (qf_group_t *group = self->groups; group; group = group->next)
        if (group->dirty)
            return true;
    return self->deferred_count > 0;
}

bool
qf_delivery_must_commit (qf_delivery_t *self)
{
    if (self->deferred_count > 0 || self->result_count > 0)
        return true;
    for (qf_group_t *group = self->groups; group; group = group->next)
        if (group->op_count > 0)
            return true;
    return false;
}
