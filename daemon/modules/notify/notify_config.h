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

/* One webhook endpoint (Standard Webhooks 1.0). Owned by the configuration. */
typedef struct {
    char *name;             /* its id; unique */
    char *url;              /* http:// or https:// */
    char *secret;           /* "whsec_" and base64 of the signing key */
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
} qf_notify_route_t;

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

/*  "YYYY-MM-DD HH:MM" in UTC as ms since the epoch; -1 when malformed. */
int64_t qf_notify_utc_ms (const char *text);

/*  The key of a "whsec_" secret, base64-decoded into key (size bytes at
    most); its length, or -1 when the secret is malformed. */
int qf_notify_secret_key (const char *secret, unsigned char *key, size_t size);

#endif
