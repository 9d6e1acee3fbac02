/*  The notify module's configuration keys, one per line (the columns are
    those of qf_config_keys.h), their rules beyond the type (a URL, a
    whsec_ secret, a UTC time) and the look-ups over them. */
#include "notify/notify_config.h"
#include "notify/notify_channels.h"

#include "qf.h"
#include "qf_config_keys.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NOT(field)   offsetof (qf_notify_config_t, field)
#define END(field)   offsetof (qf_notify_endpoint_t, field)
#define ROUTE(field) offsetof (qf_notify_route_t, field)

/* The industry's reference senders' schedule: immediately, 5 s, 5 min,
   30 min, 2 h, 5 h, 10 h, 10 h. */
static const int s_schedule[] = {0, 5, 300, 1800, 7200, 18000, 36000, 36000};

/* Told at once, even outside working time: an incident, a high risk. */
static const char *const s_urgent[] = {"incident.opened", "risk.high"};

/* Decodes standard base64 (with its padding) into out: the byte count,
   or -1 when `text` is not base64 or does not fit in size bytes. */
static int
s_base64 (const char *text, unsigned char *out, size_t size)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t length = strlen (text);
    if (length == 0 || length % 4 != 0)
        return -1;
    size_t used = 0;
    for (size_t i = 0; i < length; i += 4) {
        unsigned value = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            const char c = text[i + j];
            const char *at = c ? strchr (alphabet, c) : NULL;
            if (c == '=' && i + 4 == length && j >= 2 && (j == 3 || text[i + 3] == '='))
                pad++, value <<= 6;
            else if (at && !pad)
                value = (value << 6) | (unsigned)(at - alphabet);
            else
                return -1;
        }
        for (int j = 0; j < 3 - pad; j++) {
            if (used >= size)
                return -1;
            out[used++] = (unsigned char)(value >> (16 - 8 * j));
        }
    }
    return (int)used;
}

int
qf_notify_secret_key (const char *secret, unsigned char *key, size_t size)
{
    if (!secret || strncmp (secret, "whsec_", 6) != 0)
        return -1;
    /* Unpadded base64 is taken too, as the reference libraries take it. */
    char padded[256];
    size_t length = strlen (secret + 6);
    if (length % 4 == 1 || length + 3 >= sizeof padded)
        return -1;
    snprintf (padded, sizeof padded, "%s%s", secret + 6,
              length % 4 == 2 ? "==" : length % 4 == 3 ? "=" : "");
    return s_base64 (padded, key, size);
}

int64_t
qf_notify_utc_ms (const char *text)
{
    int year, month, day, hour, minute, used = 0;
    if (!text || strlen (text) != 16 ||
        sscanf (text, "%4d-%2d-%2d %2d:%2d%n", &year, &month, &day, &hour, &minute, &used) != 5 ||
        used != 16 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        hour < 0 || minute < 0)
        return -1;
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                    .tm_hour = hour, .tm_min = minute};
    time_t seconds = timegm (&tm);
    if (tm.tm_mday != day) /* 31 April rolled over */
        return -1;
    return (int64_t)seconds * 1000;
}

const char *const qf_notify_kind_names[] = {"webhook", "wecom", "dingtalk", "feishu", "email",
                                            NULL};
const char *const qf_notify_tls_names[] = {"starttls", "starttls_try", "tls", "plain", NULL};
const char *const qf_notify_template_fields[] = {"topic", "subject", "time", "event_id",
                                                 "data.*", NULL};

/* The rule of an endpoint's url: http://, https:// (webhooks, robots),
   smtp:// or smtps:// (email: the entry check says which kind takes
   which), a host, no blanks. */
static const char *
s_check_url (const char *text)
{
    const char *host = strncmp (text, "https://", 8) == 0  ? text + 8
                       : strncmp (text, "http://", 7) == 0 ? text + 7
                       : strncmp (text, "smtps://", 8) == 0 ? text + 8
                       : strncmp (text, "smtp://", 7) == 0 ? text + 7
                                                           : NULL;
    if (!host)
        return "is not an http://, https:// (webhooks, robots) or smtp://, smtps:// (email) URL";
    if (!*host || *host == '/' || *host == ':' || *host == '?' || *host == '#')
        return "names no host";
    if (strpbrk (text, " \t\"<>\\^`{|}"))
        return "holds a blank or a character a URL may not have";
    return NULL;
}

int
qf_notify_smtp_url (const char *url, char *host, size_t size, int *port_p)
{
    const char *at = url && strncmp (url, "smtps://", 8) == 0  ? url + 8
                     : url && strncmp (url, "smtp://", 7) == 0 ? url + 7
                                                               : NULL;
    if (!at)
        return QF_EINVAL;
    size_t length = strcspn (at, ":/");
    if (length == 0 || length >= size)
        return QF_EINVAL;
    memcpy (host, at, length);
    host[length] = '\0';
    *port_p = 0;
    if (at[length] == ':') {
        char *end = NULL;
        long port = strtol (at + length + 1, &end, 10);
        if (end == at + length + 1 || port < 1 || port > 65535 || (*end && strcmp (end, "/") != 0))
            return QF_EINVAL;
        *port_p = (int)port;
    } else if (at[length] && strcmp (at + length, "/") != 0)
        return QF_EINVAL;
    return 0;
}

/* The rule of a signing secret: "whsec_" and the base64 of 24 to 64 bytes. */
static const char *
s_check_secret (const char *text)
{
    unsigned char key[96];
    if (*text == '\0')
        return NULL; /* previous_secret: none */
    if (strncmp (text, "whsec_", 6) != 0)
        return "does not begin with whsec_ (Standard Webhooks secrets are whsec_ and base64)";
    int length = qf_notify_secret_key (text, key, sizeof key);
    if (length < 0)
        return "is not whsec_ followed by base64 (A-Z a-z 0-9 + / and = padding)";
    if (length < 24 || length > 64)
        return "is not a key of 24 to 64 bytes once base64-decoded";
    return NULL;
}

/* The rule of previous_until: "YYYY-MM-DD HH:MM", UTC. */
static const char *
s_check_utc (const char *text)
{
    return qf_notify_utc_ms (text) < 0 ? "is not a time \"YYYY-MM-DD HH:MM\" (UTC)" : NULL;
}

/* The rules of an endpoint's keys that depend on its kind. The config part
   is in the shared library, which the daemon links without libcurl, so
   the robots' and SMTP rules of qf_notify_robot_validate and
   qf_notify_smtp_validate (notify_robot.c, notify_email.c, which the worker
   applies again when it builds a message) are written here as well. */
/* Whether an optional text key was given (absent ones may be NULL). */
static bool
s_given (const char *text)
{
    return text && *text;
}

static const char *
s_check_endpoint (const void *entry, const char **key_p, char *buf, size_t size)
{
    const qf_notify_endpoint_t *self = entry;
    const char *kind = qf_notify_kind_names[self->kind];
    bool smtp = strncmp (self->url, "smtp", 4) == 0;
    *key_p = "url";
    if (self->kind == QF_NOTIFY_EMAIL) {
        char host[256];
        int port;
        if (qf_notify_smtp_url (self->url, host, sizeof host, &port) != 0)
            return "expected an email endpoint's url to be smtp://HOST[:PORT] or "
                   "smtps://HOST[:PORT] (port 1 to 65535); write the SMTP server's address";
        if ((self->tls == QF_SMTP_TLS) != (strncmp (self->url, "smtps://", 8) == 0))
            return self->tls == QF_SMTP_TLS ? "expected smtps:// with tls: tls; use smtps:// or "
                                              "another tls mode"
                                            : "expected smtp:// with this tls mode (smtps:// is "
                                              "tls: tls); fix the url or the tls mode";
        *key_p = "from";
        if (!s_given (self->from) || !qf_notify_address_valid (self->from))
            return "expected from: to be one address local@domain (printable ASCII, no space, "
                   "quote, comma or angle bracket); give the sender's address";
        *key_p = "password_env";
        if (s_given (self->user) && !s_given (self->password_env))
            return "expected password_env (the environment variable holding the SMTP password: "
                   "a password is never written in the file) with user:";
        *key_p = "secret";
        if (s_given (self->secret))
            return "expected no secret for an email endpoint (SMTP authenticates with user: and "
                   "password_env:); remove it";
        return NULL;
    }
    *key_p = "url";
    if (smtp) {
        snprintf (buf, size,
                  "expected an http:// or https:// url for a %s endpoint, got an smtp one; give "
                  "the %s address, or kind: email",
                  kind, self->kind == QF_NOTIFY_WEBHOOK ? "receiver's" : "robot's webhook");
        return buf;
    }
    *key_p = "from";
    if (s_given (self->from) || s_given (self->user) || s_given (self->password_env) || s_given (self->ca_file))
        return "expected from, user, password_env and ca_file only on kind: email endpoints; "
               "remove them";
    *key_p = "secret";
    if (self->kind == QF_NOTIFY_WEBHOOK) {
        const char *wrong = s_given (self->secret) ? s_check_secret (self->secret)
                                            : "is missing (a webhook is always signed)";
        if (wrong) {
            snprintf (buf, size, "expected the signing secret, whsec_ and the base64 of 24 to 64 "
                                 "random bytes: the secret %s", wrong);
            return buf;
        }
        return NULL;
    }
    if (s_given (self->previous_secret) || s_given (self->previous_until)) {
        *key_p = "previous_secret";
        return "expected previous_secret and previous_until only on webhooks (robots' secrets "
               "do not rotate with an overlap); remove them";
    }
    if (self->kind == QF_NOTIFY_WECOM && s_given (self->secret))
        return "expected no secret for a WeCom robot (its webhook key is in its url); remove it";
    if (s_given (self->secret) && strlen (self->secret) > 1000)
        return "expected a robot's secret of at most 1000 bytes; copy the one its settings show";
    return NULL;
}

/* The rules of a route's title and text: well formed templates naming only
   qf_notify_template_fields. */
static const char *
s_check_route (const void *entry, const char **key_p, char *buf, size_t size)
{
    const qf_notify_route_t *self = entry;
    if (self->done_count > 0 && self->endpoint_count == 0) {
        *key_p = "done";
        return "expected endpoints: with done (an action to wait for), the route's escalations "
               "are told through its endpoints; name at least one";
    }
    const char *keys[] = {"title", "text"};
    const char *texts[] = {self->title, self->text};
    for (int i = 0; i < 2; i++) {
        char error[256];
        if (s_given (texts[i]) &&
            qf_notify_template_check (texts[i], qf_notify_template_fields, error, sizeof error)) {
            *key_p = keys[i];
            snprintf (buf, size,
                      "expected a template whose {{fields}} are topic, subject, time, event_id "
                      "or data.PATH: %s",
                      error);
            return buf;
        }
    }
    return NULL;
}

/* clang-format off */

/* notify: the schedule and the worker's pace. */
static const qf_key_t s_notify[] = {
    QF_INT_LIST ("notify.retry_schedule", NOT (retry_schedule), NOT (retry_count), s_schedule, 0, 604800, 1, QF_NOTIFY_SCHEDULE_MAX, QF_RELOAD, "seconds before each attempt of a message, counted from the one before (the first from when it is made); after the last, the message fails and notify.exhausted is raised"),
    QF_INT      ("notify.timeout_ms",     NOT (timeout_ms),      10000, 100, 120000, QF_RELOAD, "a request's whole time: only a 2xx answer within it counts as delivered"),
    QF_INT64    ("notify.disable_after_s", NOT (disable_after_s), 432000, 1, 31536000, QF_RELOAD, "an endpoint whose every attempt has failed for this many seconds is disabled (notify.endpoint_disabled) until `qualflow notify enable`"),
    QF_INT      ("notify.lease_ms",       NOT (lease_ms),        30000, 1000, 600000, QF_RELOAD, "how long a message handed to a worker by notify.due is its own: a worker killed meanwhile leaves it to be sent again after this, with the same webhook-id", .at_least = "notify.timeout_ms"),
    QF_INT      ("notify.poll_ms",        NOT (poll_ms),         200, 10, 60000, QF_RELOAD, "how often the notify worker asks for due messages"),
    QF_INT      ("notify.concurrency",    NOT (concurrency),     64, 1, 1000, QF_RELOAD, "requests one notify worker has in flight at most"),
    QF_INT      ("notify.endpoint_concurrency", NOT (endpoint_concurrency), 16, 1, 1000, QF_RELOAD, "of them to one endpoint at most: a slow endpoint holds no more than this, the others keep the rest"),
    QF_BOOL     ("notify.quiet_hours",    NOT (quiet_hours),     true, QF_RELOAD, "outside working time (calendar.work_start to work_end on working days) messages to people (robots, email) wait, and go as one digest per recipient when working time begins; webhooks and urgent topics go at once"),
    QF_TOPIC_LIST ("notify.urgent_topics", NOT (urgent_topics), NOT (urgent_topic_count), 0, 64, QF_RELOAD, "topic patterns that go at once even outside working time", .def_texts = s_urgent, .def_count = QF_COUNT (s_urgent)),
    QF_INT      ("notify.digest_max",     NOT (digest_max),      50, 1, 500, QF_RELOAD, "messages told in one digest at most: more that waited for the same recipient go in further digests"),
};

/* notify_endpoints: one entry per webhook endpoint. */
static const qf_key_t s_endpoint[] = {
    QF_TOKEN       ("name",            END (name), NULL, NULL, QF_RESTART, "its id; unique", .required = true),
    QF_ENUM        ("kind",            END (kind), QF_NOTIFY_WEBHOOK, qf_notify_kind_names, QF_RESTART, "webhook (Standard Webhooks 1.0), wecom, dingtalk, feishu (group robots) or email (SMTP)"),
    QF_STRING      ("url",             END (url), NULL, 2048, QF_RESTART, "where messages go: an http:// or https:// URL (webhook: the receiver; robots: the robot's webhook address), or smtp://HOST[:PORT] or smtps://HOST[:PORT] (email)", .required = true, .check = s_check_url),
    QF_STRING      ("secret",          END (secret), "", 1000, QF_RESTART, "the signing secret: webhook (required): whsec_ and the base64 of 24 to 64 random bytes; dingtalk, feishu: the robot's signing secret (none: unsigned); none for wecom and email"),
    QF_STRING      ("from",            END (from), "", 254, QF_RESTART, "email: the sender's address (From: and MAIL FROM)"),
    QF_ENUM        ("tls",             END (tls), QF_SMTP_STARTTLS, qf_notify_tls_names, QF_RESTART, "email: starttls (required), starttls_try (when offered), tls (smtps://, port 465) or plain (a relay on loopback only)"),
    QF_STRING      ("user",            END (user), "", 256, QF_RESTART, "email: the SMTP AUTH user (none: no AUTH)"),
    QF_STRING      ("password_env",    END (password_env), "", 128, QF_RESTART, "email: the environment variable holding the SMTP password (never the password itself)"),
    QF_STRING      ("ca_file",         END (ca_file), "", 1024, QF_RESTART, "email: a CA bundle to verify the SMTP server with (none: the system's)"),
    QF_STRING      ("previous_secret", END (previous_secret), "", 256, QF_RESTART, "the secret being rotated out: until previous_until both sign each message", .check = s_check_secret),
    QF_STRING      ("previous_until",  END (previous_until), "", 16, QF_RESTART, "\"YYYY-MM-DD HH:MM\" (UTC): the end of the rotation's overlap", .check = s_check_utc),
    QF_TOPIC_LIST  ("event_types",     END (event_types), END (event_type_count), 0, 64, QF_RESTART, "topic patterns it takes (none: every topic routed to it)"),
    QF_INT         ("rate_per_second", END (rate_per_second), 0, 0, 100000, QF_RESTART, "most requests a second to it (0: no limit)"),
};

/* notify_routes: one entry per route. */
static const qf_key_t s_route[] = {
    QF_TOKEN       ("name",      ROUTE (name), NULL, NULL, QF_RESTART, "its id; unique", .required = true),
    QF_TOPIC_LIST  ("topics",    ROUTE (topics), ROUTE (topic_count), 1, 64, QF_RESTART, "topic patterns of the events it routes"),
    QF_STRING      ("field",     ROUTE (field), "", 64, QF_RESTART, "a payload field it looks at (none: every event of its topics)"),
    QF_STRING_LIST ("values",    ROUTE (values), ROUTE (value_count), 256, 0, 64, QF_RESTART, "the values of field that route (as text: true, 3, high)"),
    QF_TOKEN_LIST  ("endpoints", ROUTE (endpoints), ROUTE (endpoint_count), NULL, 0, 0, QF_CONFIG_LIST_MAX, QF_RESTART, "the notify_endpoints it sends to", .unique = true),
    QF_STRING      ("title",     ROUTE (title), "", 1024, QF_RESTART, "robots' title and emails' subject: UTF-8 text with {{topic}}, {{subject}}, {{time}}, {{event_id}} or {{data.PATH}} (none: the topic and subject)"),
    QF_STRING      ("text",      ROUTE (text), "", 16384, QF_RESTART, "robots' markdown and emails' text, the same fields (none: the payload as JSON)"),
    QF_TOKEN_LIST  ("recipients", ROUTE (recipients), ROUTE (recipient_count), NULL, 0, 0, QF_CONFIG_LIST_MAX, QF_RESTART, "people, roles or departments of the staff directory it tells, beside the event's own recipients (emails go to their addresses, DingTalk @mentions their mobiles)", .unique = true),
    QF_TOPIC_LIST  ("done",      ROUTE (done), ROUTE (done_count), 0, 16, QF_RESTART, "topics that do the action the route asks for (e.g. custody.borrow_approved): when no event of one of them about the same subject follows within escalate_after_hours, the next level is told (none: it asks no action)"),
    QF_INT         ("escalate_after_hours", ROUTE (escalate_after_hours), 8, 1, 2000, QF_RESTART, "working hours (business calendar) the action may take before each escalation"),
    QF_INT         ("escalate_depth", ROUTE (escalate_depth), 2, 1, 5, QF_RESTART, "escalation levels at most: the recipients' supervisors, their supervisors..., and last management"),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("notify", s_notify),
    QF_LIST    ("notify_endpoints", s_endpoint, qf_notify_endpoint_t, NOT (endpoints), NOT (endpoint_count), QF_RELOAD, "where notifications go: webhooks (Standard Webhooks 1.0), WeCom, DingTalk and Feishu group robots, SMTP", .entry_check = s_check_endpoint),
    QF_LIST    ("notify_routes",    s_route,    qf_notify_route_t,    NOT (routes),    NOT (route_count),    QF_RELOAD, "which events go to which notify_endpoints, and the title and text robots and emails get", .entry_check = s_check_route),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_notify_config_part = {
    .module = "notify",
    .sections = s_sections,
    .size = sizeof (qf_notify_config_t),
};

const qf_notify_config_t *
qf_notify_config (const qf_config_t *config)
{
    const qf_notify_config_t *self = qf_config_part (config, &qf_notify_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}

const qf_notify_endpoint_t *
qf_notify_endpoint (const qf_config_t *config, const char *name)
{
    const qf_notify_config_t *self = qf_notify_config (config);
    for (size_t i = 0; name && i < self->endpoint_count; i++)
        if (strcmp (self->endpoints[i].name, name) == 0)
            return &self->endpoints[i];
    return NULL;
}

/* Whether the route's condition holds for the payload. */
static bool
s_condition (const qf_notify_route_t *route, json_t *payload)
{
    if (!route->field || !route->field[0])
        return true;
    json_t *value = json_object_get (payload, route->field);
    char text[64];
    if (json_is_string (value))
        snprintf (text, sizeof text, "%s", json_string_value (value));
    else if (json_is_integer (value))
        snprintf (text, sizeof text, "%lld", (long long)json_integer_value (value));
    else if (json_is_boolean (value))
        snprintf (text, sizeof text, "%s", json_is_true (value) ? "true" : "false");
    else
        return false;
    for (size_t i = 0; i < route->value_count; i++)
        if (strcmp (route->values[i], text) == 0)
            return true;
    return false;
}

/* Whether the endpoint takes the topic. */
static bool
s_takes (const qf_notify_endpoint_t *endpoint, const char *topic)
{
    if (endpoint->event_type_count == 0)
        return true;
    for (size_t i = 0; i < endpoint->event_type_count; i++)
        if (qf_topic_matches (endpoint->event_types[i], topic))
            return true;
    return false;
}

const qf_notify_route_t *
qf_notify_route_named (const qf_config_t *config, const char *name)
{
    const qf_notify_config_t *self = qf_notify_config (config);
    for (size_t r = 0; name && r < self->route_count; r++)
        if (strcmp (self->routes[r].name, name) == 0)
            return &self->routes[r];
    return NULL;
}

bool
qf_notify_urgent (const qf_config_t *config, const char *topic)
{
    const qf_notify_config_t *self = qf_notify_config (config);
    for (size_t i = 0; i < self->urgent_topic_count; i++)
        if (qf_topic_matches (self->urgent_topics[i], topic))
            return true;
    return false;
}

bool
qf_notify_route_takes (const qf_notify_route_t *route, const char *topic, json_t *payload)
{
    const char *escalated = strcmp (topic, QF_NOTIFY_ESCALATED) == 0
                                ? json_string_value (json_object_get (payload, "route"))
                                : NULL;
    if (escalated)
        return strcmp (escalated, route->name) == 0;
    bool matches = false;
    for (size_t t = 0; t < route->topic_count && !matches; t++)
        matches = qf_topic_matches (route->topics[t], topic);
    return matches && s_condition (route, payload);
}

int
qf_notify_route (const qf_config_t *config, const char *topic, json_t *payload, json_t **names_p)
{
    const qf_notify_config_t *self = qf_notify_config (config);
    json_t *names = json_array ();
    if (!names)
        return QF_ENOMEM;
    for (size_t r = 0; r < self->route_count; r++) {
        const qf_notify_route_t *route = &self->routes[r];
        if (!qf_notify_route_takes (route, topic, payload))
            continue;
        for (size_t e = 0; e < route->endpoint_count; e++) {
            const qf_notify_endpoint_t *endpoint = qf_notify_endpoint (config, route->endpoints[e]);
            bool listed = false;
            for (size_t i = 0; i < json_array_size (names) && !listed; i++)
                listed = strcmp (json_string_value (json_array_get (names, i)),
                                 route->endpoints[e]) == 0;
            if (endpoint && !listed && s_takes (endpoint, topic) &&
                json_array_append_new (names, json_string (endpoint->name)) != 0) {
                json_decref (names);
                return QF_ENOMEM;
            }
        }
    }
    *names_p = names;
    return 0;
}

const qf_notify_route_t *
qf_notify_route_for (const qf_config_t *config, const char *topic, json_t *payload,
                     const char *endpoint)
{
    const qf_notify_config_t *self = qf_notify_config (config);
    for (size_t r = 0; r < self->route_count; r++) {
        const qf_notify_route_t *route = &self->routes[r];
        if (!qf_notify_route_takes (route, topic, payload))
            continue;
        for (size_t e = 0; e < route->endpoint_count; e++)
            if (strcmp (route->endpoints[e], endpoint) == 0)
                return route;
    }
    return NULL;
}

static const char *
s_endpoint_name (const qf_config_t *config, size_t i)
{
    const qf_notify_config_t *self = qf_notify_config (config);
    return i < self->endpoint_count ? self->endpoints[i].name : NULL;
}

const qf_arg_names_t qf_notify_endpoint_names = {"notify endpoint", "notify_endpoints",
                                                 s_endpoint_name};
