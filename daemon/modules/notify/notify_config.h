/*  notify_config — the notification settings (notify_config.c): the
    retry schedule, timeouts and leases (notify:), the webhook endpoints
    (notify_endpoints:) and the routes from topics to endpoints
    (notify_routes:). Read by the daemon's notify module and by the
    qualflow-notify worker, which load the same file. */
#ifndef QF_NOTIFY_CONFIG_H
#define QF_NOTIFY_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qf_command_spec.h"
#include "qf_config.h"

#define QF_NOTIFY_SCHEDULE_MAX 16 /* attempts of one message at most */
#define QF_NOTIFY_REPORTS_MAX  500 /* attempts reported by one notify.attempts at most */

/* The topic of an escalation (payload: the event's, with "route",
   "escalation" and the next level's "recipients"), which goes to the
   endpoints of the route whose action is late; and the type of a digest's
   body (the messages held outside working time for one recipient). */
#define QF_NOTIFY_ESCALATED "notify.escalated"
#define QF_NOTIFY_DIGEST    "notify.digest"

/* What an endpoint is (notify_endpoints' kind), in the order of
   qf_notify_kind_names. */
typedef enum {
    QF_NOTIFY_WEBHOOK = 0, /* Standard Webhooks 1.0 POST */
    QF_NOTIFY_WECOM,       /* WeCom (企业微信) group robot */
    QF_NOTIFY_DINGTALK,    /* DingTalk (钉钉) custom robot */
    QF_NOTIFY_FEISHU,      /* Feishu (飞书) custom bot */
    QF_NOTIFY_EMAIL        /* SMTP */
} qf_notify_kind_t;

/* "webhook", "wecom", "dingtalk", "feishu", "email": the kinds' names,
   which are also the messages' channels; NULL-terminated. */
extern const char *const qf_notify_kind_names[];

/* How an email endpoint's SMTP connection is protected, in the order of
   qf_notify_smtp_tls_t (notify_channels.h). */
extern const char *const qf_notify_tls_names[];

/* One endpoint: a webhook (Standard Webhooks 1.0), a group robot or an
   SMTP server. Owned by the configuration. */
typedef struct {
    char *name;             /* its id; unique */
    int kind;               /* qf_notify_kind_t */
    char *url;              /* http(s):// (webhook, robots), smtp(s)://host[:port] (email) */
    char *secret;           /* webhook: "whsec_" and base64 of the signing key; DingTalk,
                               Feishu: the robot's signing secret, "" when unsigned */
    char *from;             /* email: the sender's address */
    int tls;                /* email: qf_notify_smtp_tls_t */
    char *user;             /* email: AUTH user, "" for none */
    char *password_env;     /* email: the environment variable holding the password */
    char *ca_file;          /* email: CA bundle for the server, "" for the system's */
    char *previous_secret;  /* the key being rotated out; NULL or "" when none */
    char *previous_until;   /* "YYYY-MM-DD HH:MM" (UTC) until which both sign; NULL or "" when none */
    char **event_types;     /* topic patterns it takes; none: every routed topic */
    size_t event_type_count;
    int rate_per_second;    /* most requests a second, 0: no limit */
} qf_notify_endpoint_t;

/* One route: events of its topics (and, when `field` is set, whose
   payload's field is one of `values`) go to its endpoints. */
typedef struct {
    char *name;            /* its id; unique */
    char **topics;         /* topic patterns */
    size_t topic_count;
    char *field;           /* a payload field the route looks at; NULL or "" when none */
    char **values;         /* the field's values that route (as text) */
    size_t value_count;
    char *endpoints[QF_CONFIG_LIST_MAX]; /* endpoint names (notify_endpoints:) */
    size_t endpoint_count;
    char *title;           /* template of robots' titles and emails' subjects; "" default */
    char *text;            /* template of robots' and emails' text; "" default */
    char *recipients[QF_CONFIG_LIST_MAX]; /* people, roles or departments it tells, beside
                                             the event's own recipients */
    size_t recipient_count;
    char **done;           /* topics that do the action it asks for; none: it asks none */
    size_t done_count;
    int escalate_after_hours; /* working hours the action may take before the next level */
    int escalate_depth;       /* levels at most: supervisors ..., then management */
} qf_notify_route_t;

/* The fields a route's title and text may name: the event's topic,
   subject, time and event_id, and data.* (the payload, any path). */
extern const char *const qf_notify_template_fields[];

/* The part's settings. Owned by the configuration. */
typedef struct {
    int retry_schedule[QF_NOTIFY_SCHEDULE_MAX]; /* seconds before each attempt, first 0 */
    size_t retry_count;
    int timeout_ms;           /* a request's whole time */
    int64_t disable_after_s;  /* an endpoint failing everything this long is disabled */
    int lease_ms;             /* how long notify.due leases a message to a worker */
    int poll_ms;              /* the worker asks notify.due this often when idle */
    int concurrency;          /* requests in flight at most, per worker */
    int endpoint_concurrency; /* of them to one endpoint at most */
    qf_notify_endpoint_t *endpoints;
    size_t endpoint_count;
    qf_notify_route_t *routes;
    size_t route_count;
    bool quiet_hours;         /* people's messages (robots, email) wait for working time */
    char **urgent_topics;     /* topic patterns that go at once, even outside it */
    size_t urgent_topic_count;
    int digest_max;           /* messages told in one digest at most */
} qf_notify_config_t;

extern const qf_config_part_t qf_notify_config_part;

/* The configured endpoints' names, for command arguments. */
extern const qf_arg_names_t qf_notify_endpoint_names;

/*  The part's settings in a loaded configuration. */
const qf_notify_config_t *qf_notify_config (const qf_config_t *config);

/*  The endpoint of that name, NULL when none is configured. */
const qf_notify_endpoint_t *qf_notify_endpoint (const qf_config_t *config, const char *name);

/*  The endpoints an event goes to: the names of those that a route of
    `topic` (whose condition `payload` meets) names and whose event types
    take the topic, each once, into *names_p (a new array, caller owns). */
int qf_notify_route (const qf_config_t *config, const char *topic, json_t *payload,
                     json_t **names_p);

/*  The first route of `topic` (whose condition `payload` meets) that
    names `endpoint`: whose title and text an endpoint's message uses.
    NULL when none. */
const qf_notify_route_t *qf_notify_route_for (const qf_config_t *config, const char *topic,
                                              json_t *payload, const char *endpoint);

/*  Whether `route` takes an event of `topic` with `payload`: one of its
    topics and its condition; for notify.escalated, whether it is the
    route whose action is escalated (the payload's "route"). */
bool qf_notify_route_takes (const qf_notify_route_t *route, const char *topic, json_t *payload);

/*  The route named `name`, NULL when none is configured. */
const qf_notify_route_t *qf_notify_route_named (const qf_config_t *config, const char *name);

/*  Whether `topic` goes at once outside working time (notify.urgent_topics). */
bool qf_notify_urgent (const qf_config_t *config, const char *topic);

/*  The host and port of an email endpoint's url (smtp://host[:port] or
    smtps://host[:port]; port 0 when not given) into host (size bytes);
    0, or QF_EINVAL when the url is not such. */
int qf_notify_smtp_url (const char *url, char *host, size_t size, int *port_p);

/*  "YYYY-MM-DD HH:MM" in UTC as ms since the epoch; -1 when malformed. */
int64_t qf_notify_utc_ms (const char *text);

/*  The key of a "whsec_" secret, base64-decoded into key (size bytes at
    most); its length, or -1 when the secret is malformed. */
int qf_notify_secret_key (const char *secret, unsigned char *key, size_t size);

#endif
