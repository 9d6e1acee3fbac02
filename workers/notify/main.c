/*  qualflow-notify — the notification worker.

    Consumes the "notify" consumer group. For each event that a route of
    notify_routes takes, it builds the message body (Standard Webhooks:
    {"type": topic, "timestamp": the event's commit time, "data": its
    payload}) and acknowledges the event with notify.enqueue, which puts
    one message per endpoint on record in the same commit: an event is
    either acknowledged with its messages kept, or delivered again, and a
    message's id (msg_<event id>_<endpoint>) does not change, so a second
    delivery adds nothing.

    Beside the session a sender thread asks notify.due for the messages
    whose attempt is due (leased to this worker for notify.lease_ms),
    without waiting for the answer, and sends them all at once with
    libcurl's multi interface, up to notify.concurrency in flight, each
    endpoint's notify.endpoint_concurrency and within its
    rate_per_second: one slow endpoint holds transfers of its own and
    never the others' (it is left out of the question once the worker
    holds enough of its messages, and an answer gives a few of each
    endpoint's at most). Each transfer ends in a report of its attempt (the
    HTTP status, or 0 with the error, and the latency), those that ended
    together in one notify.attempts; only a 2xx within
    notify.timeout_ms counts. Nothing of the delivery state lives here: a
    worker killed mid-send leaves leased messages that are due again once
    their lease ends, with the same webhook-id, and a daemon killed keeps
    everything it committed.
*/
#include "notify/notify_channels.h"
#include "notify/notify_config.h"
#include "qf.h"
#include "qf_client.h"
#include "qf_config.h"
#include "qf_worker.h"

#include <czmq.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUE_MAX      100  /* messages asked for at once */
#define AT_HAND      4    /* an endpoint's messages leased and not sent yet, at most: this many
                             times its share in flight (those in flight and the rest waiting,
                             ready to go as soon as a transfer ends) */
#define PER_ANSWER   2    /* of them notify.due hands out at once, at most: times its share */
#define CALL_MS      2000 /* a command to the daemon, at most */

#define POKE_DELAY_MS 2  /* after an event's messages are handed in: time for its commit */
#define POKE_BURST_MS 50 /* then asked every POKE_STEP_MS until they come, this long */
#define POKE_STEP_MS  1

/* The session's word to the sender that messages were just handed in, so
   it asks notify.due at once instead of at its next poll. The one mutable
   state shared by the two threads of the process, hence file-wide: the
   time to ask (monotonic ms, 0: none) and the sender's multi handle to
   wake (set while the sender runs; curl_multi_wakeup is thread-safe). */
static struct {
    atomic_llong at;
    _Atomic (CURLM *) multi;
} s_poke;

/*  Answers a routed event with notify.enqueue; others with nothing. */
static int
s_event (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome, void *arg)
{
    (void)worker;
    const qf_config_t *config = arg;
    json_t *endpoints = NULL;
    if (qf_notify_route (config, delivery->topic, delivery->payload, &endpoints) != 0)
        return qf_outcome_nack (outcome, 0, "no memory to route %s", delivery->topic);
    if (json_array_size (endpoints) == 0) {
        json_decref (endpoints);
        return 0;
    }
    char when[32];
    qf_time_format (delivery->time, when, sizeof when);
    json_t *body = json_pack ("{s:s, s:s, s:O}", "type", delivery->topic, "timestamp", when,
                              "data", delivery->payload);
    char *text = body ? json_dumps (body, JSON_COMPACT) : NULL;
    json_decref (body);
    if (!text) {
        json_decref (endpoints);
        return qf_outcome_nack (outcome, 0, "no memory for the body of %s", delivery->topic);
    }
    outcome->result = json_pack ("{s:s, s:{s:s, s:s, s:o, s:s, s:s}}", "command",
                                 "notify.enqueue", "args", "event_id", delivery->event_id, "topic",
                                 delivery->topic, "endpoints", endpoints, "body", text, "subject",
                                 delivery->subject ? delivery->subject : "");
    free (text);
    atomic_store (&s_poke.at, qf_time_mono_ms () + POKE_DELAY_MS);
    CURLM *multi = atomic_load (&s_poke.multi);
    if (multi)
        curl_multi_wakeup (multi);
    qf_debug ("event %s (%s): %zu webhook messages", delivery->event_id, delivery->topic,
              json_array_size (json_object_get (json_object_get (outcome->result, "args"),
                                                "endpoints")));
    return outcome->result ? 0 : QF_ENOMEM;
}

static const qf_worker_route_t s_routes[] = {
    {"*", s_event, NULL},
    {NULL, NULL, NULL},
};

/* --------------------------------------------------------------------------
   The sender */

/* One message in flight. */
typedef struct {
    CURL *easy;
    qf_notify_request_t request;
    char msg_id[161];
    char endpoint[65];
    int64_t started;              /* monotonic ms */
    char error[CURL_ERROR_SIZE];  /* libcurl's word on a failure */
    int kind;                     /* qf_notify_kind_t of its endpoint */
    char answer[2048];            /* the start of a robot's answer, NUL-terminated */
    size_t answer_len;
    void *next;                   /* the next in flight (s_transfer_t *) */
    void *to;                     /* its endpoint's counts (s_endpoint_t *) */
} s_transfer_t;

/* What the sender keeps per endpoint: its rate limit's count in the
   current second and its transfers in flight. */
typedef struct {
    const char *endpoint; /* borrowed from the configuration */
    int64_t second;       /* monotonic s */
    int sent;             /* requests started in it */
    int in_flight;        /* transfers to it now, at most notify.endpoint_concurrency */
    bool left_out;        /* left out of the last notify.due (s_full) */
    int answered;         /* its messages in the answer being read */
} s_endpoint_t;

/* The sender thread's state. Owned by the thread while it runs. */
typedef struct {
    const qf_config_t *config;
    char instance[80];
    pthread_t thread;
    atomic_bool stop;
    bool running;     /* the thread was started: stop joins it */
    qf_client_t *client;
    int64_t quiet_until;     /* monotonic ms: the daemon did not answer, ask nothing till then */
    s_transfer_t *transfers; /* in flight */
    CURLM *multi;
    int in_flight;
    json_t *deferred; /* due messages waiting: their endpoint has its share in flight or its
                         rate limit holds them back (waiting_since: monotonic ms) */
    s_endpoint_t *endpoints; /* one per configured endpoint */
    json_t *reports_out;     /* attempts not reported yet (s_report) */
    int reports;             /* notify.attempts requests sent, their replies not read */
    char due_id[QF_ID_MAX + 1]; /* the request id of the notify.due out */
    int64_t due_sent;           /* monotonic ms it was sent; 0: none out */
    int due_limit;              /* its limit */
    int64_t next_ask;           /* monotonic ms to ask notify.due next */
    int64_t burst_until;        /* after a poke: asked again every POKE_STEP_MS until then */
    bool room_made;             /* a transfer to an endpoint left out of the last question
                                   ended: its messages may be due, ask again */
} s_sender_t;

/* The client to the daemon, made anew when needed; NULL when it cannot be. */
static qf_client_t *
s_client (s_sender_t *self)
{
    if (!self->client)
        self->client = qf_client_new (self->config->command_endpoint);
    return self->client;
}

/* The daemon did not answer notify.due in CALL_MS (killed, restarting):
   the client is made anew, so that a request queued meanwhile is not run
   later behind our back (a lease nobody uses), and nothing is asked for
   a second. The transfers in flight go on meanwhile; what is not
   reported is sent again when its lease ends. */
static void
s_daemon_away (s_sender_t *self)
{
    qf_warn ("the daemon did not answer notify.due in %d ms; asking again in 1 s", CALL_MS);
    qf_client_destroy (&self->client);
    self->reports = 0;
    self->due_sent = 0;
    self->quiet_until = qf_time_mono_ms () + 1000;
    self->next_ask = self->quiet_until;
}

/* Notes one attempt for the next notify.attempts (s_flush_reports). */
static void
s_report (s_sender_t *self, const char *msg_id, long status, int64_t latency, const char *error)
{
    json_t *report = json_pack ("{s:s, s:i, s:I, s:s?}", "msg_id", msg_id, "status", (int)status,
                                "latency_ms", (json_int_t)latency, "error",
                                error && *error ? error : NULL);
    if (!report || json_array_append_new (self->reports_out, report) != 0)
        qf_warn ("%s: no memory to report the attempt (status %ld); it is sent again when its "
                 "lease ends",
                 msg_id, status);
    qf_debug ("%s: status %ld in %lld ms", msg_id, status, (long long)latency);
}

/* Reports the attempts noted since the last time with one notify.attempts
   (QF_NOTIFY_REPORTS_MAX at most each), without waiting for the answer
   (s_read_replies reads it), so one round trip per message does not
   bound the rate. A report that does not arrive is left to the lease: the
   message is sent again, with the same id. */
static void
s_flush_reports (s_sender_t *self)
{
    while (json_array_size (self->reports_out)) {
        json_t *batch = json_array ();
        while (batch && json_array_size (self->reports_out) &&
               json_array_size (batch) < QF_NOTIFY_REPORTS_MAX) {
            json_array_append (batch, json_array_get (self->reports_out, 0));
            json_array_remove (self->reports_out, 0);
        }
        char *text = batch ? json_dumps (batch, JSON_COMPACT) : NULL;
        json_t *args = text ? json_pack ("{s:s}", "reports", text) : NULL;
        int rc = !args            ? QF_ENOMEM
                 : s_client (self) ? qf_client_send (self->client, "notify.attempts", "notify",
                                                     self->instance, args, NULL)
                                   : QF_EIO;
        if (rc)
            qf_warn ("%zu attempts were not reported (%s); their messages are sent again when "
                     "their lease ends",
                     json_array_size (batch), qf_strerror (rc));
        else
            self->reports++;
        json_decref (args);
        free (text);
        json_decref (batch);
    }
}

static void s_due_answer (s_sender_t *self, const qf_msg_t *reply);

/* Reads the answers that have come: notify.due's (its messages are
   started) and the reports' (a refusal, of all or of one, is logged). */
static void
s_read_replies (s_sender_t *self)
{
    qf_msg_t reply;
    memset (&reply, 0, sizeof reply);
    while (self->client && (self->reports > 0 || self->due_sent) &&
           qf_client_recv (self->client, 0, &reply) == 0) {
        if (self->due_sent && strcmp (reply.request_id, self->due_id) == 0) {
            s_due_answer (self, &reply);
            self->due_sent = 0;
        } else if (self->reports > 0) {
            self->reports--;
            json_t *error = json_object_get (reply.body, "error");
            if (reply.status != QF_STATUS_OK)
                qf_warn ("notify.attempts refused (%d): %s", reply.status,
                         json_string_value (json_object_get (error, "message"))
                             ? json_string_value (json_object_get (error, "message"))
                             : "no message");
            size_t i;
            json_t *item;
            json_array_foreach (json_object_get (json_object_get (reply.body, "result"), "items"),
                                i, item)
            {
                if (json_object_get (item, "error"))
                    qf_warn ("%s: attempt not recorded: %s",
                             json_string_value (json_object_get (item, "msg_id")),
                             json_string_value (json_object_get (item, "error")));
            }
        }
        qf_msg_reset (&reply);
    }
    qf_msg_reset (&reply);
    if (self->due_sent && qf_time_mono_ms () - self->due_sent > CALL_MS)
        s_daemon_away (self);
}

/* The counts of the endpoint (NULL when not configured). */
static s_endpoint_t *
s_endpoint (s_sender_t *self, const char *endpoint)
{
    const qf_notify_config_t *notify = qf_notify_config (self->config);
    for (size_t i = 0; i < notify->endpoint_count; i++)
        if (strcmp (self->endpoints[i].endpoint, endpoint) == 0)
            return &self->endpoints[i];
    return NULL;
}

/* How many transfers one endpoint may have in flight. */
static int
s_endpoint_cap (s_sender_t *self)
{
    const qf_notify_config_t *notify = qf_notify_config (self->config);
    return notify->endpoint_concurrency < notify->concurrency ? notify->endpoint_concurrency
                                                              : notify->concurrency;
}

/* libcurl's write callback: the start of the answer is kept (a robot's
   says whether it took the message), the rest dropped. */
static size_t
s_answer (char *data, size_t size, size_t count, void *arg)
{
    s_transfer_t *transfer = arg;
    size_t room = sizeof transfer->answer - 1 - transfer->answer_len;
    size_t take = size * count < room ? size * count : room;
    memcpy (transfer->answer + transfer->answer_len, data, take);
    transfer->answer_len += take;
    transfer->answer[transfer->answer_len] = '\0';
    return size * count;
}

/* The robot kind's name for the builders. */
static const char *
s_robot (int kind)
{
    return kind == QF_NOTIFY_WECOM      ? "wecom"
           : kind == QF_NOTIFY_DINGTALK ? "dingtalk"
                                        : "feishu";
}

/* What a route's title and text are filled from: the event's topic,
   subject, time and id, and its payload as data. A new object. */
static json_t *
s_fields (json_t *item, json_t *body)
{
    return json_pack ("{s:s?, s:s?, s:s?, s:s?, s:O?}", "topic",
                      json_string_value (json_object_get (item, "topic")), "subject",
                      json_string_value (json_object_get (body, "subject")), "time",
                      json_string_value (json_object_get (body, "timestamp")), "event_id",
                      json_string_value (json_object_get (item, "event_id")), "data",
                      json_object_get (body, "data"));
}

/* Fills the title, text (markdown, or plain for email) and, for email,
   HTML of one event from its route's templates (`fields`: what they are
   filled from). An escalation's title says its level. */
static int
s_render (s_sender_t *self, const qf_notify_endpoint_t *endpoint, const char *topic,
          json_t *fields, char **title_p, char **text_p, char **html_p, char *error,
          size_t error_size)
{
    json_t *data = json_object_get (fields, "data");
    const qf_notify_route_t *route = qf_notify_route_for (self->config, topic, data, endpoint->name);
    /* An escalation is told as the event it escalates: its topic, subject
       and id fill the route's templates. */
    json_t *escalation = json_object_get (data, "escalation");
    if (strcmp (topic, QF_NOTIFY_ESCALATED) == 0 && json_is_object (escalation)) {
        const char *keys[] = {"topic", "subject", "event_id"};
        for (int i = 0; i < 3; i++)
            json_object_set (fields, keys[i], json_object_get (escalation, keys[i]));
    }
    const char *title_template = route && route->title && route->title[0] ? route->title : "{{topic}} {{subject}}";
    const char *text_template = route && route->text && route->text[0] ? route->text : "{{data}}";
    bool email = endpoint->kind == QF_NOTIFY_EMAIL;
    char *title = NULL;
    int rc = qf_notify_template_render (title_template, fields, QF_ESCAPE_NONE, 0, &title, error,
                                        error_size);
    if (rc == 0)
        rc = qf_notify_template_render (text_template, fields,
                                        email ? QF_ESCAPE_NONE : QF_ESCAPE_MARKDOWN, 0, text_p,
                                        error, error_size);
    if (rc == 0 && email)
        rc = qf_notify_template_render (text_template, fields, QF_ESCAPE_HTML, 0, html_p, error,
                                        error_size);
    if (rc == 0 && strcmp (topic, QF_NOTIFY_ESCALATED) == 0 && json_is_object (escalation)) {
        size_t size = strlen (title) + 64;
        char *marked = malloc (size);
        if (marked)
            snprintf (marked, size, "升级 Escalation L%lld: %s",
                      (long long)json_integer_value (json_object_get (escalation, "level")),
                      title);
        free (title);
        title = marked;
        rc = title ? 0 : QF_ENOMEM;
    }
    *title_p = title;
    return rc;
}

/* Appends text to a growing buffer; false when out of memory. */
static bool
s_append (char **buffer, size_t *used, const char *text)
{
    size_t length = strlen (text);
    char *grown = realloc (*buffer, *used + length + 1);
    if (!grown)
        return false;
    memcpy (grown + *used, text, length + 1);
    *buffer = grown;
    *used += length;
    return true;
}

/* A digest's title, text and HTML: each message held for its recipient,
   rendered by its own route, one after another. */
static int
s_render_digest (s_sender_t *self, const qf_notify_endpoint_t *endpoint, json_t *body,
                 char **title_p, char **text_p, char **html_p, char *error, size_t error_size)
{
    json_t *items = json_object_get (json_object_get (body, "data"), "items");
    bool email = endpoint->kind == QF_NOTIFY_EMAIL;
    char *text = NULL, *html = NULL;
    size_t text_used = 0, html_used = 0;
    bool ok = s_append (&text, &text_used, "") && (!email || s_append (&html, &html_used, ""));
    int rc = ok ? 0 : QF_ENOMEM;
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item)
    {
        if (rc)
            break;
        const char *type = json_string_value (json_object_get (item, "type"));
        json_t *fields = json_pack ("{s:s?, s:O?, s:O?, s:O?, s:O?}", "topic", type, "subject",
                                    json_object_get (item, "subject"), "time",
                                    json_object_get (item, "timestamp"), "event_id",
                                    json_object_get (item, "event_id"), "data",
                                    json_object_get (item, "data"));
        char *title = NULL, *one = NULL, *one_html = NULL;
        rc = fields && type ? s_render (self, endpoint, type, fields, &title, &one, &one_html,
                                         error, error_size)
                            : QF_ENOMEM;
        if (rc == 0)
            ok = s_append (&text, &text_used, i ? "\n\n---\n\n" : "") &&
                 s_append (&text, &text_used, email ? "" : "### ") &&
                 s_append (&text, &text_used, title) && s_append (&text, &text_used, "\n\n") &&
                 s_append (&text, &text_used, one);
        if (rc == 0 && ok && email) {
            char *escaped = NULL;
            json_t *holder = json_pack ("{s:s}", "t", title);
            rc = holder ? qf_notify_template_render ("{{t}}", holder, QF_ESCAPE_HTML, 0, &escaped,
                                                     error, error_size)
                        : QF_ENOMEM;
            json_decref (holder);
            ok = rc == 0 && s_append (&html, &html_used, "<h3>") &&
                 s_append (&html, &html_used, escaped) &&
                 s_append (&html, &html_used, "</h3>\n<div style=\"white-space: pre-wrap\">") &&
                 s_append (&html, &html_used, one_html) &&
                 s_append (&html, &html_used, "</div>\n<hr>\n");
            free (escaped);
        }
        if (rc == 0 && !ok)
            rc = QF_ENOMEM;
        free (title);
        free (one);
        free (one_html);
        json_decref (fields);
    }
    char heading[160];
    snprintf (heading, sizeof heading, "非工作时间通知汇总 Digest: %zu notification%s held outside working hours",
              json_array_size (items), json_array_size (items) == 1 ? "" : "s");
    *title_p = rc == 0 ? strdup (heading) : NULL;
    if (rc == 0 && !*title_p)
        rc = QF_ENOMEM;
    if (rc) {
        free (text);
        free (html);
        return rc;
    }
    *text_p = text;
    *html_p = html;
    return 0;
}

/* Builds a robot's or an email's request from the message's body (the
   event, its subject and its recipients' contacts, or a digest of such)
   and its route's templates; 0, or a code with error saying why. */
static int
s_build_channel (s_sender_t *self, const qf_notify_endpoint_t *endpoint, json_t *item,
                 qf_notify_request_t *request, char *error, size_t error_size)
{
    const char *topic = json_string_value (json_object_get (item, "topic"));
    json_t *body = json_loads (json_string_value (json_object_get (item, "body")), 0, NULL);
    json_t *fields = body ? s_fields (item, body) : NULL;
    if (!fields || !topic) {
        json_decref (fields);
        json_decref (body);
        snprintf (error, error_size, "the message's body is not the JSON object it was enqueued as");
        return QF_EPROTO;
    }
    bool email = endpoint->kind == QF_NOTIFY_EMAIL;
    char *title = NULL, *text = NULL, *html = NULL;
    int rc = strcmp (topic, QF_NOTIFY_DIGEST) == 0
                 ? s_render_digest (self, endpoint, body, &title, &text, &html, error, error_size)
                 : s_render (self, endpoint, topic, fields, &title, &text, &html, error,
                             error_size);
    if (rc == 0 && email) {
        char host[256];
        const char *at = strchr (endpoint->from, '@');
        qf_notify_smtp_t smtp = {.host = host,
                                 .tls = endpoint->tls,
                                 .user = endpoint->user ? endpoint->user : "",
                                 .password = endpoint->password_env && endpoint->password_env[0]
                                                 ? getenv (endpoint->password_env)
                                                 : NULL,
                                 .domain = at ? at + 1 : "localhost",
                                 .ca_file = endpoint->ca_file && endpoint->ca_file[0] ? endpoint->ca_file : NULL};
        qf_notify_email_t mail = {.from = endpoint->from,
                                  .to = json_object_get (body, "to"),
                                  .subject = title,
                                  .text = text,
                                  .html = html,
                                  .event_id = json_string_value (json_object_get (item, "event_id")),
                                  .msg_id = json_string_value (json_object_get (item, "msg_id")),
                                  .now_ms = qf_time_now_ms ()};
        if (endpoint->user && endpoint->user[0] && !smtp.password) {
            snprintf (error, error_size, "the environment variable %s (password_env) is not set",
                      endpoint->password_env);
            rc = QF_EINVAL;
        } else if (qf_notify_smtp_url (endpoint->url, host, sizeof host, &smtp.port) != 0) {
            snprintf (error, error_size, "url %s is not smtp://HOST[:PORT]", endpoint->url);
            rc = QF_EINVAL;
        } else if (json_array_size (mail.to) == 0) {
            snprintf (error, error_size, "no recipient of the event has an email in the staff "
                                         "directory");
            rc = QF_EINVAL;
        } else
            rc = qf_notify_email_build (&smtp, &mail, request, error, error_size);
    } else if (rc == 0)
        rc = qf_notify_robot_build (s_robot (endpoint->kind), endpoint->url,
                                    endpoint->secret && endpoint->secret[0] ? endpoint->secret : NULL,
                                    qf_time_now_ms (), title, text,
                                    json_object_get (body, "mobiles"), request, error, error_size);
    free (title);
    free (text);
    free (html);
    json_decref (fields);
    json_decref (body);
    return rc;
}

/* Takes the transfer off the list in flight, ends it and frees it. */
static void
s_free_transfer (s_sender_t *self, s_transfer_t *transfer)
{
    for (s_transfer_t **at = &self->transfers; *at; at = (s_transfer_t **)&(*at)->next)
        if (*at == transfer) {
            *at = transfer->next;
            break;
        }
    curl_multi_remove_handle (self->multi, transfer->easy);
    curl_easy_cleanup (transfer->easy);
    qf_notify_request_clear (&transfer->request);
    if (transfer->to)
        ((s_endpoint_t *)transfer->to)->in_flight--;
    if (transfer->to && ((s_endpoint_t *)transfer->to)->left_out)
        self->room_made = true;
    free (transfer);
    self->in_flight--;
}

/* Starts sending one due message; false when its endpoint's rate limit
   holds it back this second, or it has its share in flight, or the
   worker notify.concurrency. A message that cannot be sent at all is
   reported as a failed attempt. */
static bool
s_start (s_sender_t *self, json_t *item)
{
    const char *msg_id = json_string_value (json_object_get (item, "msg_id"));
    const char *name = json_string_value (json_object_get (item, "endpoint"));
    const char *channel = json_string_value (json_object_get (item, "channel"));
    const qf_notify_endpoint_t *endpoint = qf_notify_endpoint (self->config, name);
    char error[256] = "";
    if (!msg_id || !name)
        return true;
    if (!endpoint) {
        snprintf (error, sizeof error, "endpoint %s is no longer in notify_endpoints", name);
        s_report (self, msg_id, 0, 0, error);
        return true;
    }
    if (!channel || strcmp (channel, qf_notify_kind_names[endpoint->kind]) != 0) {
        snprintf (error, sizeof error, "channel %s is not endpoint %s's kind (%s)",
                  channel ? channel : "(none)", name, qf_notify_kind_names[endpoint->kind]);
        s_report (self, msg_id, 0, 0, error);
        return true;
    }
    s_endpoint_t *counts = s_endpoint (self, name);
    int64_t second = qf_time_mono_ms () / 1000;
    if ((counts && counts->in_flight >= s_endpoint_cap (self)) ||
        self->in_flight >= qf_notify_config (self->config)->concurrency)
        return false;
    if (counts && endpoint->rate_per_second > 0) {
        if (counts->second != second)
            counts->second = second, counts->sent = 0;
        if (counts->sent >= endpoint->rate_per_second)
            return false;
        counts->sent++;
    }
    s_transfer_t *transfer = calloc (1, sizeof *transfer);
    if (!transfer)
        return false;
    snprintf (transfer->msg_id, sizeof transfer->msg_id, "%s", msg_id);
    snprintf (transfer->endpoint, sizeof transfer->endpoint, "%s", name);
    transfer->kind = endpoint->kind;
    int rc = endpoint->kind == QF_NOTIFY_WEBHOOK
                 ? qf_notify_webhook_build (endpoint, msg_id, qf_time_now_ms (),
                                            json_string_value (json_object_get (item, "body")),
                                            &transfer->request, error, sizeof error)
                 : s_build_channel (self, endpoint, item, &transfer->request, error, sizeof error);
    transfer->easy = rc == 0 ? curl_easy_init () : NULL;
    if (!transfer->easy) {
        s_report (self, msg_id, 0, 0, error[0] ? error : "could not make a transfer");
        qf_notify_request_clear (&transfer->request);
        free (transfer);
        return true;
    }
    CURL *easy = transfer->easy;
    const qf_notify_config_t *notify = qf_notify_config (self->config);
    qf_notify_request_setup (&transfer->request, easy);
    curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, (long)notify->timeout_ms);
    curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, (long)notify->timeout_ms);
    curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt (easy, CURLOPT_PRIVATE, transfer);
    curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, s_answer);
    curl_easy_setopt (easy, CURLOPT_WRITEDATA, transfer);
    transfer->started = qf_time_mono_ms ();
    if (curl_multi_add_handle (self->multi, easy) != CURLM_OK) {
        s_report (self, msg_id, 0, 0, "could not start the transfer");
        curl_easy_cleanup (easy);
        qf_notify_request_clear (&transfer->request);
        free (transfer);
        return true;
    }
    transfer->next = self->transfers;
    self->transfers = transfer;
    transfer->to = counts;
    if (counts)
        counts->in_flight++;
    self->in_flight++;
    return true;
}

/* Reports the transfers that ended and frees them. */
static void
s_finish (s_sender_t *self)
{
    CURLMsg *message;
    int left;
    while ((message = curl_multi_info_read (self->multi, &left))) {
        if (message->msg != CURLMSG_DONE)
            continue;
        CURL *easy = message->easy_handle;
        CURLcode code = message->data.result;
        s_transfer_t *transfer = NULL;
        curl_easy_getinfo (easy, CURLINFO_PRIVATE, (char **)&transfer);
        long status = 0;
        char error[CURL_ERROR_SIZE + 64] = "";
        if (code == CURLE_OK)
            curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
        else
            snprintf (error, sizeof error, "%s", transfer->error[0] ? transfer->error
                                                                    : curl_easy_strerror (code));
        /* libcurl ends an SMTP upload well only once the server took the
           message (250); its last reply code may be QUIT's. */
        if (code == CURLE_OK && transfer->kind == QF_NOTIFY_EMAIL)
            status = 250;
        if (code == CURLE_OK && transfer->kind != QF_NOTIFY_WEBHOOK &&
            transfer->kind != QF_NOTIFY_EMAIL)
            qf_notify_robot_check (s_robot (transfer->kind), status, transfer->answer, error,
                                   sizeof error); /* a 200 with an error code fails */
        else if (code == CURLE_OK && (status < 200 || status > 299))
            snprintf (error, sizeof error, "HTTP %ld: only 2xx counts as delivered", status);
        s_report (self, transfer->msg_id, status, qf_time_mono_ms () - transfer->started, error);
        s_free_transfer (self, transfer);
    }
}

/* Starts what the rate limits held back and now let through. */
static void
s_start_deferred (s_sender_t *self)
{
    const qf_notify_config_t *notify = qf_notify_config (self->config);
    int64_t now = qf_time_mono_ms ();
    json_t *still = json_array ();
    size_t i;
    json_t *item;
    json_array_foreach (self->deferred, i, item)
    {
        /* One that could not be sent before its lease ends is let go: it
           is due again then, and sent once, not by two transfers. */
        if (now - json_integer_value (json_object_get (item, "waiting_since")) >
            notify->lease_ms - notify->timeout_ms)
            qf_debug ("%s: its lease ends before it could be sent; it is due again then",
                      json_string_value (json_object_get (item, "msg_id")));
        else if (!s_start (self, item) && still)
            json_array_append (still, item);
    }
    json_decref (self->deferred);
    self->deferred = still ? still : json_array ();
}

/* Keeps a due message that cannot go yet, with the time it came. */
static void
s_defer (s_sender_t *self, json_t *item)
{
    json_object_set_new (item, "waiting_since", json_integer (qf_time_mono_ms ()));
    json_array_append (self->deferred, item);
}

/* The endpoints not to ask for (a new array): those with enough at hand
   (what an answer gives of theirs, PER_ANSWER shares, would make more than
   AT_HAND shares, in flight and waiting) and those held back
   by their rate limit, whose waiting messages must go before their lease
   ends. Marks them left_out. */
static json_t *
s_full (s_sender_t *self)
{
    const qf_notify_config_t *notify = qf_notify_config (self->config);
    json_t *full = json_array ();
    for (size_t i = 0; full && i < notify->endpoint_count; i++) {
        s_endpoint_t *counts = &self->endpoints[i];
        int waiting = 0;
        size_t d;
        json_t *item;
        json_array_foreach (self->deferred, d, item)
        {
            waiting += strcmp (json_string_value (json_object_get (item, "endpoint")),
                               counts->endpoint) == 0;
        }
        counts->left_out = counts->in_flight + waiting + PER_ANSWER * s_endpoint_cap (self) >
                               AT_HAND * s_endpoint_cap (self) ||
                           (waiting && notify->endpoints[i].rate_per_second > 0);
        if (counts->left_out)
            json_array_append_new (full, json_string (counts->endpoint));
    }
    return full;
}

/* How many messages to ask for now: what the worker may hold (AT_HAND
   times notify.concurrency) less what it holds, DUE_MAX at most. */
static int
s_room (s_sender_t *self)
{
    int room = AT_HAND * qf_notify_config (self->config)->concurrency - self->in_flight -
               (int)json_array_size (self->deferred);
    return room < DUE_MAX ? room : DUE_MAX;
}

/* Asks notify.due without waiting for the answer (s_read_replies takes
   it), so transfers go on and their reports go out meanwhile; one
   question is out at a time. */
static void
s_ask (s_sender_t *self, int64_t now)
{
    int limit = s_room (self), share = PER_ANSWER * s_endpoint_cap (self);
    json_t *args = json_pack ("{s:i, s:i, s:o}", "limit", limit, "per_endpoint",
                              share < DUE_MAX ? share : DUE_MAX, "exclude", s_full (self));
    int rc = !args            ? QF_ENOMEM
             : s_client (self) ? qf_client_send (self->client, "notify.due", "notify",
                                                 self->instance, args, self->due_id)
                               : QF_EIO;
    json_decref (args);
    if (rc) {
        qf_warn ("notify.due not sent (%s); asking again in %d ms", qf_strerror (rc),
                 qf_notify_config (self->config)->poll_ms);
        self->next_ask = now + qf_notify_config (self->config)->poll_ms;
        return;
    }
    self->due_sent = now;
    self->due_limit = limit;
    self->room_made = false;
}

/* Starts (or keeps waiting) the messages of notify.due's answer, and
   says when to ask next. */
static void
s_due_answer (s_sender_t *self, const qf_msg_t *reply)
{
    int64_t now = qf_time_mono_ms ();
    const qf_notify_config_t *notify = qf_notify_config (self->config);
    if (reply->status != QF_STATUS_OK) {
        json_t *error = json_object_get (reply->body, "error");
        qf_warn ("notify.due refused (%d): %s", reply->status,
                 json_string_value (json_object_get (error, "message"))
                     ? json_string_value (json_object_get (error, "message"))
                     : "no message");
        self->next_ask = now + notify->poll_ms;
        return;
    }
    json_t *items = json_object_get (json_object_get (reply->body, "result"), "items");
    bool more = (int)json_array_size (items) == self->due_limit;
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item)
    {
        s_endpoint_t *counts = s_endpoint (self, json_string_value (json_object_get (item,
                                                                                     "endpoint")));
        if (counts && (++counts->answered == PER_ANSWER * s_endpoint_cap (self) ||
                       counts->answered == DUE_MAX))
            more = true; /* its share: it may have more due */
        if (!s_start (self, item))
            s_defer (self, item);
    }
    for (i = 0; i < qf_notify_config (self->config)->endpoint_count; i++)
        self->endpoints[i].answered = 0;
    /* A full answer, or an endpoint's full share (per_endpoint): more may
       be due, ask again at once; so too when an
       endpoint left out has made room meanwhile. Just after a poke, the
       messages' commit may still be on its way: ask again soon, for a
       little while. Else at the next poll, or once room is made. */
    if (more || self->room_made)
        self->next_ask = now;
    else if (json_array_size (items) == 0 && now < self->burst_until)
        self->next_ask = now + POKE_STEP_MS;
    else
        self->next_ask = now + notify->poll_ms, self->burst_until = 0;
}

static void *
s_run (void *arg)
{
    s_sender_t *self = arg;
    while (!atomic_load (&self->stop)) {
        int64_t now = qf_time_mono_ms ();
        long long poke = atomic_load (&s_poke.at);
        if (poke && now >= poke) {
            atomic_store (&s_poke.at, 0);
            self->next_ask = now;
            self->burst_until = now + POKE_BURST_MS;
        }
        if (json_array_size (self->deferred))
            s_start_deferred (self);
        if (!self->due_sent && now >= self->quiet_until && now >= self->next_ask &&
            s_room (self) > 0)
            s_ask (self, now);
        int running = 0;
        curl_multi_perform (self->multi, &running);
        s_finish (self);
        if (self->room_made && !self->due_sent)
            self->next_ask = now;
        s_read_replies (self);
        if (json_array_size (self->deferred))
            s_start_deferred (self);
        s_flush_reports (self);
        /* Nothing to ask for while a question is out (its answer is
           looked for every ms) or the worker holds all it may (until a
           transfer ends, which wakes the poll). */
        now = qf_time_mono_ms ();
        int64_t wait = self->due_sent   ? 1
                       : s_room (self) > 0 ? (now < self->quiet_until ? self->quiet_until : self->next_ask) - now
                                        : 1000;
        poke = atomic_load (&s_poke.at);
        if (poke && poke - now < wait)
            wait = poke - now;
        if (json_array_size (self->deferred) && wait > 50)
            wait = 50;
        if (wait > 0)
            curl_multi_poll (self->multi, NULL, 0, (int)(wait > 1000 ? 1000 : wait), NULL);
    }
    return NULL;
}

static void s_sender_stop (void *state);

static int
s_sender_start (const qf_config_t *config, const char *instance, void **state_p)
{
    /* CZMQ sets itself up on the first socket made; made here, before the
       thread, the session's and the sender's sockets do not race to it. */
    if (!zsys_init () || curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return QF_EIO;
    s_sender_t *self = calloc (1, sizeof *self);
    const qf_notify_config_t *notify = qf_notify_config (config);
    if (!self)
        return QF_ENOMEM;
    self->config = config;
    snprintf (self->instance, sizeof self->instance, "%s", instance);
    self->multi = curl_multi_init ();
    self->deferred = json_array ();
    self->reports_out = json_array ();
    self->endpoints = calloc (notify->endpoint_count + 1, sizeof *self->endpoints);
    for (size_t i = 0; self->endpoints && i < notify->endpoint_count; i++)
        self->endpoints[i].endpoint = notify->endpoints[i].name;
    if (!self->multi || !self->deferred || !self->reports_out || !self->endpoints) {
        s_sender_stop (self);
        return QF_ENOMEM;
    }
    /* Connections to one endpoint are kept and reused; many endpoints
       each get their own. */
    curl_multi_setopt (self->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)notify->concurrency);
    if (pthread_create (&self->thread, NULL, s_run, self) != 0) {
        s_sender_stop (self);
        return QF_EIO;
    }
    self->running = true;
    atomic_store (&s_poke.multi, self->multi);
    qf_info ("sending notifications to %zu endpoints, %d at once at most", notify->endpoint_count,
             notify->concurrency);
    *state_p = self;
    return 0;
}

static void
s_sender_stop (void *state)
{
    s_sender_t *self = state;
    if (!self)
        return;
    atomic_store (&self->stop, true);
    atomic_store (&s_poke.multi, NULL);
    if (self->multi)
        curl_multi_wakeup (self->multi);
    if (self->running)
        pthread_join (self->thread, NULL);
    /* What is still in flight is abandoned: its lease ends and it is
       sent again. */
    while (self->transfers)
        s_free_transfer (self, self->transfers);
    if (self->multi)
        curl_multi_cleanup (self->multi);
    qf_client_destroy (&self->client);
    json_decref (self->deferred);
    json_decref (self->reports_out);
    free (self->endpoints);
    free (self);
    curl_global_cleanup ();
}

static const qf_worker_side_t s_sender = {s_sender_start, s_sender_stop};

int
main (int argc, char **argv)
{
    return qf_worker_main_side (argc, argv, "notify", s_routes, &s_sender);
}
