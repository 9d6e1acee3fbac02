/*  The notify module's configuration keys, one per line (the columns are
    those of qf_config_keys.h), their rules beyond the type (a URL, a
    whsec_ secret, a UTC time) and the look-ups over them. */
#include "notify/notify_config.h"

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

/* The rule of an endpoint's url: http:// or https://, a host, no blanks. */
static const char *
s_check_url (const char *text)
{
    const char *host = strncmp (text, "https://", 8) == 0  ? text + 8
                       : strncmp (text, "http://", 7) == 0 ? text + 7
                                                           : NULL;
    if (!host)
        return "is not an http:// or https:// URL";
    if (!*host || *host == '/' || *host == ':' || *host == '?' || *host == '#')
        return "names no host";
    if (strpbrk (text, " \t\"<>\\^`{|}"))
        return "holds a blank or a character a URL may not have";
    return NULL;
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
};

/* notify_endpoints: one entry per webhook endpoint. */
static const qf_key_t s_endpoint[] = {
    QF_TOKEN       ("name",            END (name), NULL, NULL, QF_RESTART, "its id; unique", .required = true),
    QF_STRING      ("url",             END (url), NULL, 2048, QF_RESTART, "where messages are POSTed: an http:// or https:// URL", .required = true, .check = s_check_url),
    QF_STRING      ("secret",          END (secret), NULL, 256, QF_RESTART, "the signing secret: whsec_ and the base64 of 24 to 64 random bytes", .required = true, .check = s_check_secret),
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
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("notify", s_notify),
    QF_LIST    ("notify_endpoints", s_endpoint, qf_notify_endpoint_t, NOT (endpoints), NOT (endpoint_count), QF_RELOAD, "webhook endpoints (Standard Webhooks 1.0) that notifications are POSTed to"),
    QF_LIST    ("notify_routes",    s_route,    qf_notify_route_t,    NOT (routes),    NOT (route_count),    QF_RELOAD, "which events go to which notify_endpoints"),
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

int
qf_notify_route (const qf_config_t *config, const char *topic, json_t *payload, json_t **names_p)
{
    const qf_notify_config_t *self = qf_notify_config (config);
    json_t *names = json_array ();
    if (!names)
        return QF_ENOMEM;
    for (size_t r = 0; r < self->route_count; r++) {
        const qf_notify_route_t *route = &self->routes[r];
        bool matches = false;
        for (size_t t = 0; t < route->topic_count && !matches; t++)
            matches = qf_topic_matches (route->topics[t], topic);
        if (!matches || !s_condition (route, payload))
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

static const char *
s_endpoint_name (const qf_config_t *config, size_t i)
{
    const qf_notify_config_t *self = qf_notify_config (config);
    return i < self->endpoint_count ? self->endpoints[i].name : NULL;
}

const qf_arg_names_t qf_notify_endpoint_names = {"notify endpoint", "notify_endpoints",
                                                 s_endpoint_name};
