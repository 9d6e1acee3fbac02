/*  qf_sessions — worker sessions on the worker socket.

    A session begins with HELLO: the group is found or created, the window
    is granted (at most delivery.window), and WELCOME goes out once the
    batch that saved the group has committed. Both sides send HEARTBEAT
    when they have been quiet; a session silent for three heartbeats, one
    whose queue is full, or one that says BYE ends, and the events it held
    go out again (qf_dispatch.c). With CURVE a session belongs to the
    public key that said its HELLO: no other key may speak in it, and a
    revoked certificate ends it. Part of qf_delivery (qf_delivery_int.h).
*/
#include "qf_delivery_int.h"
#include "qf_security.h"

#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

/* A member's pack keeps its buffers between passes up to this size. */
#define PACK_KEEP_BYTES (256 * 1024)

/* Sending ------------------------------------------------------------------ */

void
qf_sessions__send (qf_delivery_t *self, qf_member_t *member, qf_msg_t *msg)
{
    memcpy (msg->routing, member->routing, member->routing_size);
    msg->routing_size = member->routing_size;
    int rc = qf_msg_send (msg, self->socket, ZMQ_DONTWAIT);
    if (rc == QF_EAGAIN && !member->dead) {
        /* Its window bounds the deliveries; what fills the queue past them
           is messages it never reads (daemon.peer_queue_bytes). */
        qf_warn ("worker %s of group %s leaves its messages unread and its queue is full; "
                 "ending its session and re-delivering its events",
                 member->instance, member->group ? member->group->name : "?");
        self->dropped++;
        member->dead = true;
    } else if (rc && !member->dead) {
        qf_warn ("worker %s of group %s is unreachable (%s); re-delivering its events",
                 member->instance, member->group ? member->group->name : "?", qf_strerror (rc));
        member->dead = true;
    }
    member->last_sent = qf_time_mono_ms ();
}

void
qf_sessions__flush_member (qf_delivery_t *self, qf_member_t *member)
{
    qf_packed_t *pack = member->pack;
    if (!pack || !pack->count)
        return;
    qf_msg_t msg = {.id = QF_MSG_PACKED, .packed = pack};
    qf_sessions__send (self, member, &msg);
    qf_packed_clear (pack);
    /* A burst's megabyte is not kept for every worker that once had one. */
    if (pack->payloads_cap > PACK_KEEP_BYTES) {
        free (pack->payloads);
        free (pack->heads);
        pack->payloads = pack->heads = NULL;
        pack->payloads_cap = pack->heads_cap = 0;
    }
}

void
qf_sessions__flush (qf_delivery_t *self)
{
    for (qf_member_t *member = self->members; member; member = member->next)
        qf_sessions__flush_member (self, member);
}

void
qf_sessions__send_error (qf_delivery_t *self, const unsigned char *routing, size_t routing_size,
                         int status, uint64_t seq, const char *reason)
{
    qf_msg_t msg = {0};
    msg.id = QF_MSG_ERROR;
    memcpy (msg.routing, routing, routing_size);
    msg.routing_size = routing_size;
    msg.status = status;
    msg.seq = seq;
    snprintf (msg.reason, sizeof msg.reason, "%s", reason);
    qf_msg_send (&msg, self->socket, ZMQ_DONTWAIT);
}

/* Keeps a message to send once the batch has committed; takes its body. */
static void
s_defer (qf_delivery_t *self, qf_member_t *member, qf_msg_t *msg)
{
    if (!qf_delivery__grow ((void **)&self->deferred, &self->deferred_cap, self->deferred_count + 1,
                            sizeof (qf_deferred_t))) {
        qf_msg_reset (msg);
        return;
    }
    self->deferred[self->deferred_count].member = member;
    self->deferred[self->deferred_count].msg = *msg;
    self->deferred_count++;
    memset (msg, 0, sizeof *msg);
}

void
qf_sessions__after_commit (qf_delivery_t *self, bool committed)
{
    for (size_t i = 0; i < self->deferred_count; i++) {
        qf_deferred_t *d = &self->deferred[i];
        if (d->member && !d->member->dead) {
            if (committed)
                qf_sessions__send (self, d->member, &d->msg);
            else
                qf_sessions__remove (self, d->member, "its HELLO could not be committed");
            if (d->msg.id == QF_MSG_WELCOME && d->member)
                d->member->welcome_pending = false;
        }
        qf_msg_reset (&d->msg);
    }
    self->deferred_count = 0;
}

/* Members ------------------------------------------------------------------ */

void
qf_sessions__remove (qf_delivery_t *self, qf_member_t *member, const char *why)
{
    qf_group_t *group = member->group;
    int released = 0;
    if (group) {
        bool clean = strcmp (why, "said BYE") == 0;
        char error[256];
        snprintf (error, sizeof error, "worker %s left while holding it (%s)", member->instance,
                  why);
        FOR_EACH_ENTRY (group, entry, {
            if (entry->state == E_INFLIGHT && entry->member == member) {
                /* A worker that vanished with the event counts as a failed attempt,
                   so an event that crashes its workers ends as a dead letter. */
                if (clean) {
                    /* A worker that said BYE failed nothing: the delivery it
                       gave back is not an attempt (PROTOCOL.md 6.4.8). */
                    qf_dispatch__release (entry, qf_time_mono_ms ());
                    if (entry->attempt > 0)
                        entry->attempt--;
                } else
                    qf_dispatch__fail (self, group, entry, error, 0);
                released++;
            }
        });
    }
    qf_info ("worker %s left group %s (%s); %d events to re-deliver", member->instance,
             group ? group->name : "?", why, released);
    for (size_t i = 0; i < self->deferred_count; i++)
        if (self->deferred[i].member == member)
            self->deferred[i].member = NULL;
    qf_member_t **link = &self->members;
    while (*link && *link != member)
        link = &(*link)->next;
    if (*link)
        *link = member->next;
    self->member_count--;
    qf_packed_destroy (&member->pack);
    free (member);
}

void
qf_sessions__reap (qf_delivery_t *self)
{
    qf_member_t *member = self->members;
    while (member) {
        qf_member_t *next = member->next;
        if (member->dead)
            qf_sessions__remove (self, member, "unreachable");
        member = next;
    }
}

static qf_member_t *
s_member_by_routing (qf_delivery_t *self, const qf_msg_t *msg)
{
    for (qf_member_t *member = self->members; member; member = member->next)
        if (member->routing_size == msg->routing_size &&
            memcmp (member->routing, msg->routing, msg->routing_size) == 0)
            return member;
    return NULL;
}

/* HELLO -------------------------------------------------------------------- */

static void
s_hello_error (qf_delivery_t *self, qf_msg_t *msg, int status, const char *reason)
{
    qf_warn ("refused HELLO: %s", reason);
    qf_sessions__send_error (self, msg->routing, msg->routing_size, status, 0, reason);
}

static void
s_handle_hello (qf_delivery_t *self, qf_msg_t *msg, qf_ctx_t *ctx)
{
    char reason[512];
    json_t *body = msg->body;
    const char *key;
    json_t *value;
    json_object_foreach (body, key, value)
    {
        if (strcmp (key, "group") && strcmp (key, "instance") && strcmp (key, "topics") &&
            strcmp (key, "window") && strcmp (key, "packed")) {
            snprintf (reason, sizeof reason,
                      "HELLO has unknown key \"%.40s\"; allowed: group, instance, topics, window, "
                      "packed",
                      key);
            return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST, reason);
        }
    }
    const char *name = json_string_value (json_object_get (body, "group"));
    const char *instance = json_string_value (json_object_get (body, "instance"));
    json_t *topics = json_object_get (body, "topics");
    json_t *window_j = json_object_get (body, "window");
    json_t *packed = json_object_get (body, "packed");
    /* A value over its limit is 413, like any field (PROTOCOL.md 4). */
    if ((name && strlen (name) > QF_NAME_MAX) || (instance && strlen (instance) > QF_ID_MAX))
        return s_hello_error (self, msg, QF_STATUS_TOO_LARGE,
                              "HELLO group and instance are at most 64 bytes each");
    if (json_array_size (topics) > 32)
        return s_hello_error (self, msg, QF_STATUS_TOO_LARGE,
                              "HELLO topics has more than 32 items");
    if (!name || !qf_valid_token (name, QF_NAME_MAX))
        return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                              "HELLO group must be 1-64 characters of [a-z0-9._-]");
    if (!instance || !qf_valid_printable (instance, QF_ID_MAX))
        return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                              "HELLO instance must be 1-64 printable ASCII characters");
    if (packed && !json_is_boolean (packed))
        return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                              "HELLO packed must be true (deliveries as PACKED) or false");
    const qf_peer_t *peer = ctx->peer;
    if (peer && !qf_security_allows (peer->groups, name)) {
        snprintf (reason, sizeof reason,
                  "certificate \"%s\" may join groups: %s; not %s (add the group to its "
                  "certificate's groups)",
                  peer->name, peer->groups[0] ? peer->groups : "none", name);
        qf_warn ("worker %s refused: %s", instance, reason);
        return s_hello_error (self, msg, QF_STATUS_FORBIDDEN, reason);
    }
    if (topics) {
        bool ok = json_is_array (topics) && json_array_size (topics) >= 1;
        size_t i;
        json_array_foreach (topics, i, value)
        {
            const char *t = json_string_value (value);
            size_t len = t ? strlen (t) : 0;
            if (len > QF_TOPIC_MAX)
                return s_hello_error (self, msg, QF_STATUS_TOO_LARGE,
                                      "HELLO topics: a pattern is at most 128 bytes");
            char stem[QF_TOPIC_MAX + 1] = "";
            if (len && t[len - 1] == '*' && len <= QF_TOPIC_MAX)
                snprintf (stem, sizeof stem, "%.*s", (int)(len - 1), t);
            if (!t || !(qf_valid_token (t, QF_TOPIC_MAX) || strcmp (t, "*") == 0 ||
                        (stem[0] && qf_valid_token (stem, QF_TOPIC_MAX))))
                ok = false;
        }
        if (!ok)
            return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                                  "HELLO topics must be a list of 1-32 topics or prefixes "
                                  "ending in *");
    }
    int window = self->config->window;
    if (window_j) {
        if (!json_is_integer (window_j) || json_integer_value (window_j) < 1 ||
            json_integer_value (window_j) > 10000)
            return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST,
                                  "HELLO window must be an integer from 1 to 10000");
        if (json_integer_value (window_j) < window)
            window = (int)json_integer_value (window_j);
        else if (json_integer_value (window_j) > window)
            qf_info ("worker %s asked for window %lld; granted delivery.window %d", instance,
                     (long long)json_integer_value (window_j), window);
    }
    qf_group_t *group = qf_groups__find (self, name);
    const qf_group_config_t *configured = qf_config_group (self->config, name);
    if (configured && topics) {
        json_t *expected = qf_groups__topics_json (configured);
        bool same = json_equal (expected, topics);
        json_decref (expected);
        if (!same) {
            snprintf (reason, sizeof reason,
                      "group %s is configured with topics %s; omit topics from HELLO or match "
                      "them",
                      name, group ? group->topics_json : "?");
            return s_hello_error (self, msg, QF_STATUS_BAD_REQUEST, reason);
        }
    }
    if (!group) {
        if (!topics) {
            snprintf (reason, sizeof reason,
                      "group %s does not exist; send topics in HELLO to create it", name);
            return s_hello_error (self, msg, QF_STATUS_NOT_FOUND, reason);
        }
        /* Each group costs a row, memory and a place in status: a peer may
           not create them without end. */
        if (qf_groups__created_by_hello (self) >= self->config->hello_groups_max) {
            /* One text for every refusal, so that qf_log counts the repeats. */
            qf_warn ("refused a HELLO that would create a group: workers have created "
                     "delivery.hello_groups_max groups already");
            snprintf (reason, sizeof reason,
                      "group %s does not exist, and workers have created %d groups, the most "
                      "delivery.hello_groups_max allows; join an existing group, declare this "
                      "one in the configuration, or have an admin delete one (qualflow groups "
                      "delete)",
                      name, self->config->hello_groups_max);
            qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_CONFLICT, 0,
                                     reason);
            return;
        }
        group = qf_groups__new (self, name, topics, 0);
        if (!group)
            return s_hello_error (self, msg, QF_STATUS_SERVER_ERROR, "out of memory");
        qf_info ("group %s created by worker %s with topics %s", name, instance,
                 group->topics_json);
    } else if (topics && !group->configured) {
        if (qf_groups__set_topics (group, topics))
            return s_hello_error (self, msg, QF_STATUS_SERVER_ERROR, "out of memory");
    }
    if (!group->configured) {
        int rc = qf_store_begin (self->store);
        if (rc == 0)
            rc = qf_store_group_upsert (self->store, group->name, group->topics_json, ctx->now);
        if (rc)
            return s_hello_error (self, msg, QF_STATUS_SERVER_ERROR,
                                  "could not save the group; see the daemon log");
    }
    /* A new session for this socket or this instance name replaces the old one. */
    qf_member_t *old = s_member_by_routing (self, msg);
    if (old)
        qf_sessions__remove (self, old, "said HELLO again");
    for (qf_member_t *m = self->members; m; m = m->next)
        if (m->group == group && strcmp (m->instance, instance) == 0) {
            qf_sessions__remove (self, m, "replaced by a new session of the same instance");
            break;
        }
    qf_member_t *member = calloc (1, sizeof *member);
    if (!member)
        return s_hello_error (self, msg, QF_STATUS_SERVER_ERROR, "out of memory");
    memcpy (member->routing, msg->routing, msg->routing_size);
    member->routing_size = msg->routing_size;
    snprintf (member->instance, sizeof member->instance, "%s", instance);
    if (peer) {
        qf_copy (member->key, sizeof member->key, peer->key);
        qf_copy (member->owner, sizeof member->owner, peer->name);
    }
    member->group = group;
    member->window = window;
    member->packed = json_is_true (packed);
    member->last_heard = member->last_sent = qf_time_mono_ms ();
    member->welcome_pending = true;
    member->next = self->members;
    self->members = member;
    self->member_count++;

    qf_msg_t welcome = {0};
    welcome.id = QF_MSG_WELCOME;
    /* window_max and position tell the worker what it asked cannot: that a
       larger window was capped, and where the group starts; acks_max that
       this daemon takes ACKS (PROTOCOL.md 6.2). */
    welcome.body = json_pack (
        "{s:s, s:s, s:i, s:i, s:i, s:I, s:i, s:o, s:I, s:i, s:b}", "group", group->name, "instance",
        member->instance, "window", window, "window_max", self->config->window, "heartbeat_ms",
        self->config->heartbeat_ms, "ack_wait_ms", (json_int_t)group->ack_wait_ms, "max_deliveries",
        group->max_deliveries, "topics", json_loads (group->topics_json, 0, NULL), "position",
        (json_int_t)group->floor, "acks_max", QF_ACKS_MAX, "packed", member->packed);
    s_defer (self, member, &welcome);
    qf_info ("worker %s joined group %s (window %d)", member->instance, group->name, window);
}

/* Identity ----------------------------------------------------------------- */

static void
s_revoked_reason (char *reason, size_t size, const char *key)
{
    snprintf (reason, size,
              "no certificate in security.clients_dir has this connection's public key %s any "
              "more: it was revoked",
              key && *key ? key : "(none)");
}

void
qf_delivery_revoke (qf_delivery_t *self, bool (*known) (const char *key, void *arg), void *arg)
{
    qf_member_t *member = self->members;
    while (member) {
        qf_member_t *next = member->next;
        if (member->key[0] && !known (member->key, arg)) {
            char reason[QF_REASON_MAX];
            s_revoked_reason (reason, sizeof reason, member->key);
            qf_sessions__send_error (self, member->routing, member->routing_size,
                                     QF_STATUS_FORBIDDEN, 0, reason);
            qf_sessions__remove (self, member, "its certificate was revoked");
        }
        member = next;
    }
}

/*  With CURVE, whether the sender may speak for the session of its routing
    id: a session belongs to the public key that said its HELLO, so a peer
    that connects later with the same routing id (ZMQ_ROUTING_ID is the
    peer's choice) cannot act in it, nor replace it. A revoked certificate
    loses its session. Refuses with ERROR 403 and returns false. */
static bool
s_same_sender (qf_delivery_t *self, qf_msg_t *msg, const qf_peer_t *peer, qf_member_t *member)
{
    if (!peer || (peer->authenticated && (!member || strcmp (member->key, peer->key) == 0)))
        return true;
    char reason[QF_REASON_MAX];
    if (!peer->authenticated) {
        s_revoked_reason (reason, sizeof reason, peer->key);
        if (member && strcmp (member->key, peer->key) == 0)
            qf_sessions__remove (self, member, "its certificate was revoked");
    } else
        snprintf (reason, sizeof reason,
                  "this routing id belongs to a session of certificate \"%s\", not \"%s\": "
                  "connect with a routing id of your own (or none), or wait until that session "
                  "ends",
                  member->owner, peer->name);
    qf_warn ("refused %s: %s", qf_msg_type_name (msg->id), reason);
    qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_FORBIDDEN, 0, reason);
    return false;
}

/* The worker socket --------------------------------------------------------- */

void
qf_delivery_handle (qf_delivery_t *self, qf_msg_t *msg, qf_ctx_t *ctx)
{
    qf_member_t *member = s_member_by_routing (self, msg);
    if (!s_same_sender (self, msg, ctx->peer, member))
        return;
    if (msg->id == QF_MSG_HELLO) {
        s_handle_hello (self, msg, ctx);
        return;
    }
    if (!member) {
        if (msg->id != QF_MSG_BYE)
            qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_NOT_FOUND, 0,
                                     "no session for this socket; send HELLO");
        return;
    }
    member->last_heard = qf_time_mono_ms ();
    if (member->group->deleting && msg->id != QF_MSG_BYE) {
        /* Nothing may be recorded for a group whose rows this batch deletes. */
        qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_NOT_FOUND,
                                 msg->seq,
                                 "this worker's group is being deleted (groups.delete); nothing "
                                 "was changed");
        return;
    }
    switch (msg->id) {
    case QF_MSG_HEARTBEAT: break;
    case QF_MSG_BYE: qf_sessions__remove (self, member, "said BYE"); break;
    case QF_MSG_ACK:
    case QF_MSG_NACK:
    case QF_MSG_EXTEND: qf_dispatch__ack (self, member, msg, ctx); break;
    case QF_MSG_ACKS: qf_dispatch__acks (self, member, msg); break;
    default: {
        char reason[128];
        snprintf (reason, sizeof reason, "%s is not a message a worker sends",
                  qf_msg_type_name (msg->id));
        qf_sessions__send_error (self, msg->routing, msg->routing_size, QF_STATUS_BAD_REQUEST, 0,
                                 reason);
    }
    }
}

void
qf_sessions__tick (qf_delivery_t *self, int64_t now)
{
    int64_t heartbeat = self->config->heartbeat_ms;
    for (qf_member_t *member = self->members; member; member = member->next) {
        if (now - member->last_heard > 3 * heartbeat) {
            qf_warn ("worker %s of group %s silent for %lld ms (3 heartbeats); re-delivering "
                     "its %d events",
                     member->instance, member->group->name, (long long)(now - member->last_heard),
                     member->in_flight);
            member->dead = true;
        } else if (now - member->last_sent >= heartbeat && !member->welcome_pending) {
            qf_msg_t msg = {0};
            msg.id = QF_MSG_HEARTBEAT;
            qf_sessions__send (self, member, &msg);
        }
    }
}

size_t
qf_delivery_member_count (qf_delivery_t *self)
{
    return self->member_count;
}

uint64_t
qf_delivery_dropped (qf_delivery_t *self)
{
    return self->dropped;
}
