/*  qf_cli_events — `qualflow events`: list the event log, or follow it.

    Following (proto/PROTOCOL.md section 7): subscribe to the event socket
    first, so nothing committed from then on can be missed, then page
    through events.list from the starting point to the end, then print the
    live events in sequence order. PUB/SUB is best-effort, so:
      - a live event whose seq is not the next one reveals a gap, which is
        filled from events.list before the live event is printed;
      - duplicates (an event both listed and received live) are dropped by
        seq: every seq up to `position` has been handled;
      - a dropped *last* event reveals no gap, so after a quiet second the
        log is polled for anything past `position`.
    While the daemon is away the subscriber reconnects by itself and the
    polls time out quietly; following ends on SIGINT or SIGTERM (exit 0).
*/
#include "qf_cli.h"
#include "qf_error.h"
#include "qf_table.h"
#include "qf_time.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MAX     1000 /* events.list limit */
#define RECV_WAIT_MS 200  /* longest wait on the subscriber between checks */
#define IDLE_POLL_MS 1000 /* quiet time before the log is polled */
#define RETRY_MS     1000 /* wait before retrying a failed gap fill */

/* The state of one listing or following. Owned by qf_cli_events(). */
typedef struct {
    qf_cli_t *cli;        /* settings and connection */
    const char *filter;   /* --topic, applied locally when following, or NULL */
    qf_table_t *table;    /* rows being printed (table mode) */
    json_t *items;        /* events listed with --json and no --follow, printed as one
                             document at the end; NULL otherwise */
    uint64_t position;    /* every seq up to this one has been handled */
    json_t **pending;     /* live events past a gap, sorted by seq, owned */
    size_t pending_count; /* entries in use */
    size_t pending_cap;   /* entries allocated */
    uint64_t listed;      /* events handled from events.list replies */
    bool waiting_noted;   /* "waiting for the daemon" was said */
} events_t;

/* Whether an event's topic passes the --topic filter (an exact topic, as
   events.list takes it). */
static bool
s_topic_matches (const char *filter, const char *topic)
{
    return !filter || strcmp (filter, topic) == 0;
}

static uint64_t
s_seq (json_t *event)
{
    json_int_t seq = json_integer_value (json_object_get (event, "seq"));
    return seq > 0 ? (uint64_t)seq : 0;
}

/* Prints one event (a JSON line when following), or queues it: its row in
   table mode, the event itself when listing with --json. */
static void
s_emit (events_t *self, json_t *event)
{
    const char *topic = json_string_value (json_object_get (event, "topic"));
    if (!s_topic_matches (self->filter, topic ? topic : ""))
        return;
    if (self->items) {
        json_array_append (self->items, event);
        return;
    }
    if (self->cli->json) {
        qf_cli_dump_json (event, JSON_COMPACT);
        return;
    }
    char seq[24], time[40];
    snprintf (seq, sizeof seq, "%llu", (unsigned long long)s_seq (event));
    qf_time_format (json_integer_value (json_object_get (event, "time")), time, sizeof time);
    const char *subject = json_string_value (json_object_get (event, "subject"));
    char *payload = json_dumps (json_object_get (event, "payload"), JSON_COMPACT | JSON_ENCODE_ANY);
    const char *cells[] = {seq, time, topic, subject && *subject ? subject : "-",
                           payload ? payload : "-"};
    qf_table_add_row (self->table, cells);
    free (payload);
}

/* Pages events.list from `position` until it reaches seq `upto`, has
   handled `count` events, or reaches the end of the log, handling each
   event. `topic` is passed to the daemon (when listing; following filters
   locally so that seqs stay contiguous and gaps show). Returns 0, or the
   qf_cli_call() code of the failed page. */
static int
s_list (events_t *self, uint64_t upto, uint64_t count, const char *topic, bool quiet)
{
    while (self->position < upto && count > 0) {
        uint64_t page = upto - self->position;
        if (page > count)
            page = count;
        if (page > PAGE_MAX)
            page = PAGE_MAX;
        json_t *args = json_pack ("{s:I, s:I}", "after", (json_int_t)self->position, "limit",
                                  (json_int_t)page);
        if (!args)
            return QF_ENOMEM;
        if (topic)
            json_object_set_new (args, "topic", json_string (topic));
        json_t *result;
        int rc = qf_cli_call (self->cli, "events.list", args, quiet, &result);
        if (rc)
            return rc;
        json_t *events = json_object_get (result, "events");
        size_t got = json_array_size (events);
        for (size_t i = 0; i < got; i++) {
            json_t *event = json_array_get (events, i);
            uint64_t seq = s_seq (event);
            if (seq <= self->position)
                continue;
            s_emit (self, event);
            self->position = seq;
            self->listed++;
        }
        json_decref (result);
        count -= got < count ? got : count;
        if (got < page)
            break;
    }
    return 0;
}

/* Lists at most `limit` events after `after` once, as a table or as one
   JSON document. Returns an exit code. */
static int
s_list_once (events_t *self, const char *topic, uint64_t after, int64_t limit)
{
    self->position = after;
    if (s_list (self, UINT64_MAX, (uint64_t)limit, topic, false))
        return QF_CLI_ERROR;
    bool full = self->listed == (uint64_t)limit;
    if (self->items)
        qf_cli_print_list_json (self->items, full ? (int64_t)self->position : 0);
    else {
        bool empty = qf_table_rows (self->table) == 0;
        qf_table_print (self->table, stdout, true, self->cli->line_width);
        if (empty)
            printf ("(no events)\n");
    }
    if (full)
        fprintf (stderr, "(more may follow: qualflow events --after %llu%s%s)\n",
                 (unsigned long long)self->position, topic ? " --topic " : "", topic ? topic : "");
    return QF_CLI_OK;
}

/* Adds a live event past a gap to the pending list, unless its seq is
   there already. Takes ownership of `event`. */
static void
s_pending_add (events_t *self, json_t *event)
{
    uint64_t seq = s_seq (event);
    size_t at = 0;
    while (at < self->pending_count && s_seq (self->pending[at]) < seq)
        at++;
    if ((at < self->pending_count && s_seq (self->pending[at]) == seq)) {
        json_decref (event);
        return;
    }
    if (self->pending_count == self->pending_cap) {
        size_t cap = self->pending_cap ? self->pending_cap * 2 : 64;
        json_t **grown = realloc (self->pending, cap * sizeof *grown);
        if (!grown) {
            json_decref (event); /* the gap fill will list it */
            return;
        }
        self->pending = grown;
        self->pending_cap = cap;
    }
    memmove (self->pending + at + 1, self->pending + at,
             (self->pending_count - at) * sizeof *self->pending);
    self->pending[at] = event;
    self->pending_count++;
}

/* Handles pending events that are next in sequence, drops those already
   handled. */
static void
s_pending_drain (events_t *self)
{
    size_t used = 0;
    while (used < self->pending_count) {
        json_t *event = self->pending[used];
        uint64_t seq = s_seq (event);
        if (seq > self->position + 1)
            break;
        if (seq == self->position + 1) {
            s_emit (self, event);
            self->position = seq;
        }
        json_decref (event);
        used++;
    }
    if (used == 0)
        return;
    memmove (self->pending, self->pending + used,
             (self->pending_count - used) * sizeof *self->pending);
    self->pending_count -= used;
}

/* Prints the rows queued so far (table mode) and flushes, so a reader of
   a pipe or file sees each event as soon as it is handled. */
static void
s_flush (events_t *self)
{
    if (!self->cli->json && qf_table_rows (self->table))
        qf_table_print (self->table, stdout, false, self->cli->line_width);
    fflush (stdout);
}

/* Says once that the daemon does not answer, and that we keep trying. */
static void
s_note_waiting (events_t *self)
{
    if (self->waiting_noted)
        return;
    self->waiting_noted = true;
    fprintf (stderr, "qualflow: no answer from the daemon at %s; still waiting (Ctrl-C stops)\n",
             self->cli->command_endpoint);
}

/* Turns a live EVENT into the object events.list returns. */
static json_t *
s_event_json (qf_msg_t *msg)
{
    json_t *event =
        json_pack ("{s:I, s:s, s:I, s:s, s:s}", "seq", (json_int_t)msg->seq, "id", msg->event_id,
                   "time", (json_int_t)msg->time, "topic", msg->topic, "subject", msg->subject);
    if (event)
        json_object_set (event, "payload", msg->body ? msg->body : json_object ());
    return event;
}

/* Where following starts without --after: `backlog` events before the
   current end of the log. Waits for the daemon. Returns 0 or an exit-code
   worthy failure (QF_EINTR when interrupted). */
static int
s_follow_start (events_t *self, int64_t backlog, uint64_t *after_p)
{
    while (!zsys_interrupted) {
        json_t *result;
        int rc = qf_cli_call (self->cli, "status", NULL, true, &result);
        if (rc == QF_ETIMEOUT) {
            s_note_waiting (self);
            continue;
        }
        if (rc)
            return rc;
        json_int_t last = json_integer_value (json_object_get (result, "last_seq"));
        json_decref (result);
        *after_p = last > backlog ? (uint64_t)(last - backlog) : 0;
        return 0;
    }
    return QF_EINTR;
}

/* Follows the log until interrupted. Returns an exit code. */
static int
s_follow (events_t *self, bool has_after, uint64_t after, int64_t backlog)
{
    qf_sub_t *sub = qf_sub_new (self->cli->event_endpoint, "");
    if (!sub) {
        fprintf (stderr, "qualflow: cannot subscribe to '%s'; check event_endpoint in %s\n",
                 self->cli->event_endpoint,
                 self->cli->config_path ? self->cli->config_path : "the configuration");
        return QF_CLI_ERROR;
    }
    int exit_code = QF_CLI_OK;
    if (!self->cli->json) {
        qf_table_set_min_width (self->table, 0, 6);
        qf_table_set_min_width (self->table, 1, 24);
        qf_table_set_min_width (self->table, 2, 30);
        qf_table_set_min_width (self->table, 3, 18);
        qf_table_print (self->table, stdout, true, self->cli->line_width);
        fflush (stdout);
    }
    int rc = has_after ? 0 : s_follow_start (self, backlog, &after);
    self->position = after;
    /* The backlog, up to the end of the log. */
    while (rc == 0 && !zsys_interrupted) {
        rc = s_list (self, UINT64_MAX, UINT64_MAX, NULL, true);
        s_flush (self);
        if (rc == QF_ETIMEOUT) {
            s_note_waiting (self);
            rc = 0;
            continue;
        }
        break;
    }
    int64_t next_poll = qf_time_mono_ms () + IDLE_POLL_MS;
    int64_t next_fill = 0;
    qf_msg_t msg;
    memset (&msg, 0, sizeof msg);
    while (rc == 0 && !zsys_interrupted) {
        int got = qf_sub_recv (sub, RECV_WAIT_MS, &msg);
        if (got == QF_EINTR)
            break;
        int64_t now = qf_time_mono_ms ();
        if (got == 0) {
            next_poll = now + IDLE_POLL_MS;
            if (msg.seq > self->position) {
                json_t *event = s_event_json (&msg);
                if (event)
                    s_pending_add (self, event);
            }
        }
        qf_msg_reset (&msg);
        s_pending_drain (self);
        if (self->pending_count && now >= next_fill) {
            /* A gap before the first pending event: fill it from the log. */
            uint64_t upto = s_seq (self->pending[0]) - 1;
            rc = s_list (self, upto, UINT64_MAX, NULL, true);
            if (rc == 0 && self->position < upto)
                self->position = upto; /* not in the log: nothing to wait for */
            if (rc == QF_ETIMEOUT) {
                next_fill = qf_time_mono_ms () + RETRY_MS;
                rc = 0;
            }
            s_pending_drain (self);
        } else if (!self->pending_count && now >= next_poll) {
            /* Quiet: was the last event dropped on its way to us? */
            rc = s_list (self, UINT64_MAX, UINT64_MAX, NULL, true);
            if (rc == QF_ETIMEOUT)
                rc = 0;
            next_poll = qf_time_mono_ms () + IDLE_POLL_MS;
        }
        s_flush (self);
    }
    qf_msg_reset (&msg);
    s_flush (self);
    if (rc && rc != QF_EINTR)
        exit_code = QF_CLI_ERROR;
    qf_sub_destroy (&sub);
    return exit_code;
}

int
qf_cli_events (qf_cli_t *cli, bool has_after, uint64_t after, int64_t limit, const char *topic,
               bool follow)
{
    static const char *const headers[] = {"SEQ", "TIME", "TOPIC", "SUBJECT", "PAYLOAD"};
    events_t self;
    memset (&self, 0, sizeof self);
    self.cli = cli;
    self.filter = follow ? topic : NULL;
    self.table = qf_table_new (5, headers);
    if (cli->json && !follow)
        self.items = json_array ();
    if (!self.table || (cli->json && !follow && !self.items)) {
        qf_table_destroy (&self.table);
        json_decref (self.items);
        return QF_CLI_ERROR;
    }
    int rc = follow ? s_follow (&self, has_after, after, limit)
                    : s_list_once (&self, topic, after, limit);
    for (size_t i = 0; i < self.pending_count; i++)
        json_decref (self.pending[i]);
    free (self.pending);
    qf_table_destroy (&self.table);
    json_decref (self.items);
    return rc;
}
