/*  test_notify — the notify module run in-process on a real SQLite store
    as the daemon runs it (qf_test_daemon.h), and the worker's Standard
    Webhooks signing: notify.enqueue adds nothing for an event handed in
    again; notify.due leases what is due and hands it out again, with the
    same id, once the lease has ended, soonest first across endpoints and
    leaving out the excluded ones' backlog; notify.attempt follows the retry
    schedule to the exhaustion event, leaves a sent message sent (and
    notify.attempts records many at once), and
    disables an endpoint failing everything for notify.disable_after_s;
    notify.enable and notify.replay; configuration refused with file:line
    (an invalid URL, a secret not whsec_ base64); the signature of the
    specification's example and both signatures during a rotation. */
#include "notify/notify_channels.h"
#include "notify/notify_config.h"
#include "notify/notify_wait_store.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define OLD    "whsec_dGhlIHNlY3JldCBiZWluZyByb3RhdGVkIG91dCEhIQ=="
#define EVENT  "0123456789abcdef0123456789abcdef"

/* Two endpoints, a short schedule (0, 5 s, 60 s) and `keys` (indented,
   under notify:). */
#define YAML_WITH(keys)                                                                            \
    QF_TEST_POLICY                                                                                 \
    "notify:\n  retry_schedule: [0, 5, 60]\n  lease_ms: 30000\n" keys                               \
    "notify_endpoints:\n"                                                                          \
    "  - name: crm\n    url: http://127.0.0.1:9/crm\n    secret: " SECRET "\n"                     \
    "  - name: erp\n    url: https://erp.example.com/hooks\n    secret: " SECRET "\n"              \
    "notify_routes:\n  - name: all\n    topics: [\"qualification.*\"]\n    endpoints: [crm, erp]\n" \
    "  - name: urgent\n    topics: [risk.high]\n    field: level\n    values: [high]\n"           \
    "    endpoints: [erp]\n"

static int
s_open (qf_test_daemon_t *d, const char *yaml)
{
    return qf_test_daemon_open (d, yaml);
}

/* notify.enqueue of EVENT's body to crm and erp, as the worker's result. */
static int
s_enqueue (qf_test_daemon_t *d, json_t **result_p)
{
    return qf_test_run (d, "notify", "notify.enqueue", result_p,
                        "{s:s, s:s, s:[s, s], s:s}", "event_id", EVENT, "topic",
                        "qualification.created", "endpoints", "crm", "erp", "body",
                        "{\"type\":\"qualification.created\",\"timestamp\":\"x\",\"data\":{}}");
}

/* How many messages notify.due hands out now (leasing them). */
static int
s_due (qf_test_daemon_t *d, json_t **items_p)
{
    json_t *result = NULL;
    if (qf_test_run (d, "notify", "notify.due", &result, "{}") != 0)
        return -1;
    int count = (int)json_array_size (json_object_get (result, "items"));
    if (items_p)
        *items_p = json_incref (json_object_get (result, "items"));
    json_decref (result);
    return count;
}

/* The msg_ids (without "msg_", space-separated) that notify.due with
   `limit`, `per_endpoint` (0: not given) and `exclude` (one endpoint or
   NULL) hands out, in order. */
static const char *
s_due_ids (qf_test_daemon_t *d, int limit, int per_endpoint, const char *exclude)
{
    static char ids[512];
    json_t *result = NULL;
    ids[0] = '\0';
    if (qf_test_run (d, "notify", "notify.due", &result, "{s:i, s:[s*], s:o*}", "limit", limit,
                     "exclude", exclude, "per_endpoint",
                     per_endpoint ? json_integer (per_endpoint) : NULL) != 0)
        return "(refused)";
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get (result, "items"), i, item)
    {
        snprintf (ids + strlen (ids), sizeof ids - strlen (ids), "%s%s", i ? " " : "",
                  qf_test_str (item, "msg_id") + 4);
    }
    json_decref (result);
    return ids;
}

/* Reports an attempt of crm's message with `status`: its new state ("" on
   failure), and its next_at in *next_p when not NULL. */
static const char *
s_attempt (qf_test_daemon_t *d, const char *endpoint, int status, int64_t *next_p)
{
    static char state[16];
    char msg_id[80];
    snprintf (msg_id, sizeof msg_id, "msg_%s_%s", EVENT, endpoint);
    json_t *result = NULL;
    state[0] = '\0';
    /* An error with a 2xx is a failed attempt (a robot's error code). */
    const char *error = status >= 200 && status < 300 ? NULL : "test";
    if (qf_test_run (d, "notify", "notify.attempt", &result, "{s:s, s:i, s:i, s:s?}", "msg_id",
                     msg_id, "status", status, "latency_ms", 3, "error", error) == 0) {
        snprintf (state, sizeof state, "%s", qf_test_str (result, "state"));
        if (next_p)
            *next_p = qf_test_int (result, "next_at");
    }
    json_decref (result);
    return state;
}

QF_TEST (test_enqueue_is_idempotent)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d, YAML_WITH ("")) == 0);
    json_t *result = NULL;
    QF_CHECK_EQ_INT (s_enqueue (&d, &result), 0);
    QF_CHECK_EQ_INT (qf_test_int (result, "added"), 2);
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (result, "messages"), 0)),
                  "msg_" EVENT "_crm");
    json_decref (result);
    /* The event delivered again: nothing new. */
    QF_CHECK_EQ_INT (s_enqueue (&d, &result), 0);
    QF_CHECK_EQ_INT (qf_test_int (result, "added"), 0);
    json_decref (result);
    QF_CHECK_EQ_INT (s_due (&d, NULL), 2);
    /* Refusals: an endpoint not configured, a body not an object, a role
       other than the worker's. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "notify", "notify.enqueue", NULL,
                                  "{s:s, s:s, s:[s], s:s}", "event_id", EVENT, "topic", "t",
                                  "endpoints", "nowhere", "body", "{}"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "args.endpoints");
    QF_CHECK (strstr (d.error, "notify_endpoints"));
    QF_CHECK_EQ_INT (qf_test_run (&d, "notify", "notify.enqueue", NULL,
                                  "{s:s, s:s, s:[s], s:s}", "event_id", EVENT, "topic", "t",
                                  "endpoints", "crm", "body", "[1]"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "args.body");
    QF_CHECK_EQ_INT (qf_test_run (&d, "sales", "notify.enqueue", NULL,
                                  "{s:s, s:s, s:[s], s:s}", "event_id", EVENT, "topic", "t",
                                  "endpoints", "crm", "body", "{}"),
                     QF_EFORBIDDEN);
    qf_test_daemon_close (&d);
}

QF_TEST (test_lease_expires_and_the_same_id_comes_again)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d, YAML_WITH ("")) == 0);
    QF_CHECK_EQ_INT (s_enqueue (&d, NULL), 0);
    json_t *first = NULL, *again = NULL;
    QF_CHECK_EQ_INT (s_due (&d, &first), 2);
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (first, 0), "attempt"), 1);
    /* Leased: a second worker gets nothing until the lease ends. */
    QF_CHECK_EQ_INT (s_due (&d, NULL), 0);
    d.now += 29999;
    QF_CHECK_EQ_INT (s_due (&d, NULL), 0);
    d.now += 1;
    QF_CHECK_EQ_INT (s_due (&d, &again), 2);
    QF_CHECK_STR (qf_test_str (json_array_get (again, 0), "msg_id"),
                  qf_test_str (json_array_get (first, 0), "msg_id"));
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (again, 0), "attempt"), 1);
    json_decref (first);
    json_decref (again);
    qf_test_daemon_close (&d);
}

/* notify.due across endpoints: the soonest first whatever the endpoint,
   `limit` in all and `per_endpoint` of each, so that crm's backlog (5
   messages) does not hold back erp's newer one; an excluded endpoint
   left out; leased ones skipped. */
QF_TEST (test_due_per_endpoint)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d, YAML_WITH ("")) == 0);
    for (int i = 0; i < 6; i++) {
        char event[40];
        snprintf (event, sizeof event, "event-%d", i);
        d.now += 10;
        QF_CHECK_EQ_INT (qf_test_run (&d, "notify", "notify.enqueue", NULL,
                                      "{s:s, s:s, s:[s], s:s}", "event_id", event, "topic",
                                      "qualification.created", "endpoints", i == 5 ? "erp" : "crm",
                                      "body", "{\"type\":\"t\"}"),
                         0);
    }
    /* One of each endpoint's: crm's backlog does not fill the answer. */
    QF_CHECK_STR (s_due_ids (&d, 10, 1, NULL), "event-0_crm event-5_erp");
    QF_CHECK_STR (s_due_ids (&d, 2, 0, "crm"), "");
    /* Soonest first, `limit` in all; the leased ones not handed out again. */
    QF_CHECK_STR (s_due_ids (&d, 2, 0, NULL), "event-1_crm event-2_crm");
    QF_CHECK_STR (s_due_ids (&d, 10, 0, NULL), "event-3_crm event-4_crm");
    QF_CHECK_EQ_INT (s_due (&d, NULL), 0);
    qf_test_daemon_close (&d);
}

/* notify.attempts: many reports in one command, each recorded as
   notify.attempt records it; one of a message not on record answered
   with its error while the others are recorded; one not well formed
   refuses them all, naming it. */
QF_TEST (test_attempts_in_one_command)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d, YAML_WITH ("")) == 0);
    QF_CHECK_EQ_INT (s_enqueue (&d, NULL), 0);
    QF_CHECK_EQ_INT (s_due (&d, NULL), 2);
    json_t *result = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&d, "notify", "notify.attempts", NULL, "{s:s}", "reports",
                                  "[{\"msg_id\": \"msg_" EVENT "_crm\", \"status\": 200,"
                                  " \"latency_ms\": 1}, {\"msg_id\": \"msg_" EVENT "_erp\","
                                  " \"status\": 1000, \"latency_ms\": 1}]"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "args.reports[1].status");
    QF_CHECK_STR (s_attempt (&d, "crm", 0, NULL), "pending"); /* nothing of it was recorded */
    QF_CHECK_EQ_INT (qf_test_run (&d, "notify", "notify.attempts", &result, "{s:s}", "reports",
                                  "[{\"msg_id\": \"msg_" EVENT "_crm\", \"status\": 200,"
                                  " \"latency_ms\": 1, \"error\": null},"
                                  " {\"msg_id\": \"msg_nothing_crm\", \"status\": 200,"
                                  " \"latency_ms\": 1},"
                                  " {\"msg_id\": \"msg_" EVENT "_erp\", \"status\": 503,"
                                  " \"latency_ms\": 7, \"error\": \"HTTP 503\"}]"),
                     0);
    json_t *items = json_object_get (result, "items");
    QF_CHECK_EQ_INT (json_array_size (items), 3);
    QF_CHECK_STR (qf_test_str (json_array_get (items, 0), "state"), "sent");
    QF_CHECK (strstr (qf_test_str (json_array_get (items, 1), "error"), "no notification"));
    QF_CHECK_STR (qf_test_str (json_array_get (items, 2), "state"), "pending");
    QF_CHECK_EQ_INT (qf_test_int (json_array_get (items, 2), "attempts"), 1);
    json_decref (result);
    QF_CHECK_EQ_INT (qf_test_run (&d, "notify", "notify.attempts", NULL, "{s:s}", "reports",
                                  "{}"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "args.reports");
    qf_test_daemon_close (&d);
}

QF_TEST (test_schedule_then_exhaustion)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d, YAML_WITH ("")) == 0);
    uint64_t mark = qf_test_mark (&d);
    int64_t start = d.now, next = 0;
    QF_CHECK_EQ_INT (s_enqueue (&d, NULL), 0);
    QF_CHECK_EQ_INT (s_due (&d, NULL), 2);
    QF_CHECK_STR (s_attempt (&d, "crm", 500, &next), "pending");
    QF_CHECK_EQ_INT (next, start + 5000);
    QF_CHECK_STR (s_attempt (&d, "erp", 200, NULL), "sent");
    d.now = start + 4999;
    QF_CHECK_EQ_INT (s_due (&d, NULL), 0);
    d.now = start + 5000;
    QF_CHECK_EQ_INT (s_due (&d, NULL), 1);
    QF_CHECK_STR (s_attempt (&d, "crm", 0, &next), "pending");
    QF_CHECK_EQ_INT (next, start + 5000 + 60000);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "notify.exhausted"), 0);
    d.now = next;
    QF_CHECK_EQ_INT (s_due (&d, NULL), 1);
    QF_CHECK_STR (s_attempt (&d, "crm", 404, NULL), "failed");
    json_t *events = qf_test_events (&d, mark, "notify.exhausted");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    json_t *payload = json_object_get (json_array_get (events, 0), "payload");
    QF_CHECK_STR (qf_test_str (payload, "msg_id"), "msg_" EVENT "_crm");
    QF_CHECK_EQ_INT (qf_test_int (payload, "attempts"), 3);
    QF_CHECK_EQ_INT (qf_test_int (payload, "last_status"), 404);
    json_decref (events);
    /* A late report of a finished message is recorded and changes nothing. */
    QF_CHECK_STR (s_attempt (&d, "crm", 200, NULL), "failed");
    QF_CHECK_STR (s_attempt (&d, "erp", 500, NULL), "sent");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "notify.exhausted"), 1);
    d.now += 86400000;
    QF_CHECK_EQ_INT (s_due (&d, NULL), 0);
    json_t *record = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.log", &record, "{s:s}", "msg_id",
                                  "msg_" EVENT "_crm"),
                     0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (record, "attempt_log")), 4);
    json_decref (record);
    /* Replayed: pending again, due at once, its attempts counted anew. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.replay", &record, "{s:s}", "msg_id",
                                  "msg_" EVENT "_crm"),
                     0);
    QF_CHECK_STR (qf_test_str (record, "state"), "pending");
    QF_CHECK_EQ_INT (qf_test_int (record, "attempts"), 0);
    json_decref (record);
    QF_CHECK_EQ_INT (s_due (&d, NULL), 1);
    qf_test_daemon_close (&d);
}

QF_TEST (test_endpoint_disabled_then_enabled)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d, QF_TEST_POLICY
                      "notify:\n  retry_schedule: [0, 30, 30, 30]\n  disable_after_s: 60\n"
                      "notify_endpoints:\n  - name: crm\n    url: http://127.0.0.1:9/\n"
                      "    secret: " SECRET "\n") == 0);
    uint64_t mark = qf_test_mark (&d);
    int64_t start = d.now;
    QF_CHECK_EQ_INT (qf_test_run (&d, "notify", "notify.enqueue", NULL, "{s:s, s:s, s:[s], s:s}",
                                  "event_id", EVENT, "topic", "t", "endpoints", "crm", "body",
                                  "{}"),
                     0);
    QF_CHECK_STR (s_attempt (&d, "crm", 0, NULL), "pending");
    d.now = start + 30000;
    QF_CHECK_STR (s_attempt (&d, "crm", 502, NULL), "pending");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "notify.endpoint_disabled"), 0);
    d.now = start + 60000;
    QF_CHECK_STR (s_attempt (&d, "crm", 502, NULL), "pending");
    json_t *events = qf_test_events (&d, mark, "notify.endpoint_disabled");
    QF_CHECK_EQ_INT (json_array_size (events), 1);
    QF_CHECK_STR (qf_test_str (json_object_get (json_array_get (events, 0), "payload"),
                               "endpoint"),
                  "crm");
    json_decref (events);
    json_t *list = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.endpoints", &list, "{}"), 0);
    QF_CHECK_STR (qf_test_str (json_array_get (json_object_get (list, "items"), 0), "state"),
                  "disabled");
    json_decref (list);
    /* Disabled: nothing is due to it, replay is refused. */
    d.now += 3600000;
    QF_CHECK_EQ_INT (s_due (&d, NULL), 0);
    QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.replay", NULL, "{s:s}", "msg_id",
                                  "msg_" EVENT "_crm"),
                     QF_ECONFLICT);
    QF_CHECK (strstr (d.error, "notify enable"));
    QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.enable", NULL, "{s:s}", "endpoint", "crm"),
                     0);
    QF_CHECK_EQ_INT (s_due (&d, NULL), 1);
    /* A success ends the failing streak. */
    QF_CHECK_STR (s_attempt (&d, "crm", 200, NULL), "sent");
    QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.endpoints", &list, "{}"), 0);
    QF_CHECK (json_is_null (json_object_get (json_array_get (json_object_get (list, "items"), 0),
                                             "failing_since")));
    json_decref (list);
    QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.enable", NULL, "{s:s}", "endpoint",
                                  "nowhere"),
                     QF_EINVAL);
    qf_test_daemon_close (&d);
}

QF_TEST (test_routes)
{
    qf_test_daemon_t d;
    QF_CHECK (s_open (&d, YAML_WITH ("")) == 0);
    json_t *names = NULL, *payload = json_pack ("{s:s}", "level", "high");
    QF_CHECK_EQ_INT (qf_notify_route (d.config, "qualification.created", payload, &names), 0);
    QF_CHECK_EQ_INT (json_array_size (names), 2);
    json_decref (names);
    QF_CHECK_EQ_INT (qf_notify_route (d.config, "risk.high", payload, &names), 0);
    QF_CHECK_EQ_INT (json_array_size (names), 1);
    QF_CHECK_STR (json_string_value (json_array_get (names, 0)), "erp");
    json_decref (names);
    json_object_set_new (payload, "level", json_string ("low"));
    QF_CHECK_EQ_INT (qf_notify_route (d.config, "risk.high", payload, &names), 0);
    QF_CHECK_EQ_INT (json_array_size (names), 0);
    json_decref (names);
    QF_CHECK_EQ_INT (qf_notify_route (d.config, "contract.signed", payload, &names), 0);
    QF_CHECK_EQ_INT (json_array_size (names), 0);
    json_decref (names);
    json_decref (payload);
    qf_test_daemon_close (&d);
}

/* Loads `yaml` and returns the loader's message ("" when it loads). */
static const char *
s_refusal (const char *yaml)
{
    static char error[1024];
    char path[64] = "/tmp/qf-test-notify-XXXXXX";
    error[0] = '\0';
    int fd = mkstemp (path);
    if (fd < 0 || write (fd, yaml, strlen (yaml)) != (ssize_t)strlen (yaml))
        snprintf (error, sizeof error, "cannot write %s", path);
    if (fd >= 0)
        close (fd);
    qf_config_t *config = NULL;
    if (!error[0] && qf_config_load (path, &config, error, sizeof error) == 0)
        error[0] = '\0';
    qf_config_destroy (&config);
    unlink (path);
    return error;
}

#define ENDPOINT(url, secret)                                                                      \
    "notify_endpoints:\n  - name: crm\n    url: " url "\n    secret: " secret "\n"

QF_TEST (test_config_refusals)
{
    QF_CHECK_STR (s_refusal (ENDPOINT ("https://crm.example.com/x", SECRET)), "");
    const char *error = s_refusal (ENDPOINT ("ftp://crm.example.com/x", SECRET));
    QF_CHECK (strstr (error, ":3: notify_endpoints[0].url"));
    QF_CHECK (strstr (error, "not an http://, https://"));
    error = s_refusal (ENDPOINT ("http:///nohost", SECRET));
    QF_CHECK (strstr (error, ":3: notify_endpoints[0].url") && strstr (error, "no host"));
    error = s_refusal (ENDPOINT ("https://crm.example.com/a b", SECRET));
    QF_CHECK (strstr (error, "notify_endpoints[0].url"));
    error = s_refusal (ENDPOINT ("https://crm.example.com/x", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    QF_CHECK (strstr (error, ":4: notify_endpoints[0].secret"));
    QF_CHECK (strstr (error, "whsec_"));
    error = s_refusal (ENDPOINT ("https://crm.example.com/x", "whsec_not*base64"));
    QF_CHECK (strstr (error, ":4: notify_endpoints[0].secret") && strstr (error, "base64"));
    /* Unpadded base64 is taken too ("...IQ" for "...IQ==", 31 bytes). */
    QF_CHECK_STR (s_refusal (ENDPOINT ("https://crm.example.com/x",
                                       "whsec_dGhlIHNlY3JldCBiZWluZyByb3RhdGVkIG91dCEhIQ")),
                  "");
    error = s_refusal (ENDPOINT ("https://crm.example.com/x", "whsec_c2hvcnQ="));
    QF_CHECK (strstr (error, "24 to 64 bytes"));
    error = s_refusal (ENDPOINT ("https://crm.example.com/x", SECRET) "    previous_until: soon\n");
    QF_CHECK (strstr (error, ":5: notify_endpoints[0].previous_until"));
    error = s_refusal ("notify:\n  lease_ms: 1000\n  timeout_ms: 5000\n");
    QF_CHECK (strstr (error, "notify.lease_ms"));
}

/* Robots, email and routes' templates: each kind's rules, by file:line. */
QF_TEST (test_channel_config_refusals)
{
    const char *robots = "notify_endpoints:\n"
                         "  - name: wecom\n    kind: wecom\n    url: https://qyapi.example.com/send?key=k\n"
                         "  - name: ding\n    kind: dingtalk\n    url: https://oapi.example.com/robot/send\n"
                         "    secret: SECabc\n"
                         "  - name: mail\n    kind: email\n    url: smtp://127.0.0.1:2525\n"
                         "    from: qualflow@example.com\n    tls: plain\n"
                         "notify_routes:\n  - name: r\n    topics: [staff.added]\n"
                         "    endpoints: [wecom, ding, mail]\n"
                         "    title: \"新同事 {{subject}} at {{time}}\"\n"
                         "    text: \"**{{data.person.name}}** ({{topic}}, {{event_id}})\"\n";
    QF_CHECK_STR (s_refusal (robots), "");
    /* A robot's url must be http(s) with a host. */
    const char *error = s_refusal ("notify_endpoints:\n  - name: ding\n    kind: dingtalk\n"
                                   "    url: smtp://oapi.example.com/robot\n");
    QF_CHECK (strstr (error, ":4: notify_endpoints[0].url") && strstr (error, "http://"));
    error = s_refusal ("notify_endpoints:\n  - name: ding\n    kind: dingtalk\n"
                       "    url: https:///robot\n");
    QF_CHECK (strstr (error, ":4: notify_endpoints[0].url") && strstr (error, "no host"));
    /* WeCom takes no secret; a robot's secret is no whsec_. */
    error = s_refusal ("notify_endpoints:\n  - name: w\n    kind: wecom\n"
                       "    url: https://qyapi.example.com/x\n    secret: abc\n");
    QF_CHECK (strstr (error, ":5: notify_endpoints[0].secret") && strstr (error, "WeCom"));
    /* Email: an smtp url, an address from, a password only by environment. */
    error = s_refusal ("notify_endpoints:\n  - name: m\n    kind: email\n"
                       "    url: https://mail.example.com\n    from: a@example.com\n");
    QF_CHECK (strstr (error, ":4: notify_endpoints[0].url") && strstr (error, "smtp://"));
    error = s_refusal ("notify_endpoints:\n  - name: m\n    kind: email\n"
                       "    url: smtp://mail.example.com\n    from: not an address\n");
    QF_CHECK (strstr (error, ":5: notify_endpoints[0].from"));
    error = s_refusal ("notify_endpoints:\n  - name: m\n    kind: email\n"
                       "    url: smtp://mail.example.com\n    from: a@example.com\n"
                       "    user: bot\n");
    QF_CHECK (strstr (error, "notify_endpoints[0].password_env") && strstr (error, "environment"));
    error = s_refusal ("notify_endpoints:\n  - name: m\n    kind: email\n"
                       "    url: smtp://mail.example.com:99999\n    from: a@example.com\n");
    QF_CHECK (strstr (error, ":4: notify_endpoints[0].url"));
    /* A webhook still needs its whsec_ secret. */
    error = s_refusal ("notify_endpoints:\n  - name: crm\n    url: https://crm.example.com/x\n");
    QF_CHECK (strstr (error, "notify_endpoints[0].secret") && strstr (error, "whsec_"));
    /* Templates: an unknown field, a malformed tag. */
    error = s_refusal ("notify_routes:\n  - name: r\n    topics: [staff.added]\n"
                       "    title: \"{{person}} joined\"\n");
    QF_CHECK (strstr (error, ":4: notify_routes[0].title") && strstr (error, "person"));
    error = s_refusal ("notify_routes:\n  - name: r\n    topics: [staff.added]\n"
                       "    text: \"新同事 {{data.person.name\"\n");
    QF_CHECK (strstr (error, ":4: notify_routes[0].text"));
}

/* Escalation and quiet hours: their keys' rules and defaults. */
QF_TEST (test_wait_config)
{
    const char *mail = "notify_endpoints:\n  - name: mail\n    kind: email\n"
                       "    url: smtp://127.0.0.1:2525\n    from: qualflow@example.com\n"
                       "    tls: plain\n";
    char yaml[2048];
    snprintf (yaml, sizeof yaml,
              "%snotify_routes:\n  - name: loans\n    topics: [custody.borrow_requested]\n"
              "    recipients: [leader, li.lei]\n    endpoints: [mail]\n"
              "    done: [custody.borrow_approved, custody.borrow_refused]\n"
              "    escalate_after_hours: 4\n",
              mail);
    QF_CHECK_STR (s_refusal (yaml), "");
    /* An action with nobody to tell of its escalation. */
    const char *error = s_refusal ("notify_routes:\n  - name: loans\n"
                                   "    topics: [custody.borrow_requested]\n"
                                   "    done: [custody.borrow_approved]\n");
    QF_CHECK (strstr (error, "notify_routes[0].done") && strstr (error, "endpoints"));
    snprintf (yaml, sizeof yaml,
              "%snotify_routes:\n  - name: loans\n    topics: [custody.borrow_requested]\n"
              "    endpoints: [mail]\n    done: [custody.borrow_approved]\n"
              "    escalate_depth: 9\n",
              mail);
    error = s_refusal (yaml);
    QF_CHECK (strstr (error, ":12: notify_routes[0].escalate_depth"));
    snprintf (yaml, sizeof yaml,
              "%snotify_routes:\n  - name: loans\n    topics: [custody.borrow_requested]\n"
              "    endpoints: [mail]\n    done: [not a topic]\n",
              mail);
    error = s_refusal (yaml);
    QF_CHECK (strstr (error, ":11: notify_routes[0].done"));
    error = s_refusal ("notify:\n  urgent_topics: [incident opened]\n");
    QF_CHECK (strstr (error, ":2: notify.urgent_topics"));
    error = s_refusal ("notify:\n  digest_max: 0\n");
    QF_CHECK (strstr (error, ":2: notify.digest_max"));

    /* Urgent topics: incident.opened and risk.high unless configured. */
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (s_open (&d, mail), 0);
    QF_CHECK (qf_notify_config (d.config)->quiet_hours);
    QF_CHECK (qf_notify_urgent (d.config, "incident.opened"));
    QF_CHECK (qf_notify_urgent (d.config, "risk.high"));
    QF_CHECK (!qf_notify_urgent (d.config, "staff.added"));
    qf_test_daemon_close (&d);
    snprintf (yaml, sizeof yaml, "%snotify:\n  urgent_topics: [staff.*]\n", mail);
    QF_CHECK_EQ_INT (s_open (&d, yaml), 0);
    QF_CHECK (qf_notify_urgent (d.config, "staff.added"));
    QF_CHECK (!qf_notify_urgent (d.config, "incident.opened"));
    qf_test_daemon_close (&d);

    /* notify.escalated goes where the route it escalates goes. */
    snprintf (yaml, sizeof yaml,
              "%snotify_routes:\n  - name: loans\n    topics: [custody.borrow_requested]\n"
              "    endpoints: [mail]\n    done: [custody.borrow_approved]\n"
              "  - name: other\n    topics: [staff.added]\n    endpoints: [mail]\n",
              mail);
    QF_CHECK_EQ_INT (s_open (&d, yaml), 0);
    json_t *payload = json_pack ("{s:s}", "route", "loans"), *names = NULL;
    QF_CHECK_EQ_INT (qf_notify_route (d.config, "notify.escalated", payload, &names), 0);
    QF_CHECK_EQ_INT (json_array_size (names), 1);
    QF_CHECK_STR (qf_notify_route_for (d.config, "notify.escalated", payload, "mail")->name,
                  "loans");
    json_decref (names);
    json_object_set_new (payload, "route", json_string ("gone"));
    QF_CHECK_EQ_INT (qf_notify_route (d.config, "notify.escalated", payload, &names), 0);
    QF_CHECK_EQ_INT (json_array_size (names), 0);
    json_decref (names);
    json_decref (payload);
    qf_test_daemon_close (&d);
}

/* A route asking for an action: qualification.created waits for its
   review to be requested. */
#define ACTION_YAML                                                                                \
    QF_TEST_POLICY                                                                                 \
    "notify_endpoints:\n"                                                                          \
    "  - name: crm\n    url: http://127.0.0.1:9/crm\n    secret: " SECRET "\n"                     \
    "notify_routes:\n  - name: drafts\n    topics: [qualification.created]\n"                     \
    "    endpoints: [crm]\n    done: [qualification.review_requested]\n"                         \
    "    escalate_after_hours: 1\n"

/* Adds qualification n, hands its qualification.created in as the notify
   worker does: its id, or 0. */
static long long
s_created (qf_test_daemon_t *d, int n)
{
    uint64_t mark = qf_test_mark (d);
    long long id = qf_test_qual_add (d, n, "construction-general", "2028-01-01");
    json_t *events = qf_test_events (d, mark, "qualification.created");
    json_t *event = json_array_get (events, 0);
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", id);
    int rc = event ? qf_test_run (d, "notify", "notify.enqueue", NULL,
                                  "{s:s, s:s, s:[s], s:s, s:s}", "event_id",
                                  qf_test_str (event, "id"), "topic", "qualification.created",
                                  "endpoints", "crm", "subject", subject, "body",
                                  "{\"type\":\"qualification.created\",\"data\":{}}")
                   : -1;
    json_decref (events);
    return rc ? 0 : id;
}

/* The escalation of qualification `id` of `route` (NULL: of any route):
   its state and done_by ("-" when none), or "" when it has none. */
static const char *
s_route_escalation (qf_test_daemon_t *d, long long id, const char *route)
{
    static char out[96];
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", id);
    out[0] = '\0';
    json_t *result = NULL;
    if (qf_test_run (d, "admin", "notify.escalations", &result, "{}") == 0) {
        size_t i;
        json_t *row;
        json_array_foreach (json_object_get (result, "items"), i, row)
        {
            if (strcmp (qf_test_str (row, "subject"), subject) == 0 &&
                (!route || strcmp (qf_test_str (row, "route"), route) == 0))
                snprintf (out, sizeof out, "%s %s", qf_test_str (row, "state"),
                          json_is_string (json_object_get (row, "done_by"))
                              ? qf_test_str (row, "done_by")
                              : "-");
        }
    }
    json_decref (result);
    return out;
}

static const char *
s_escalation (qf_test_daemon_t *d, long long id)
{
    return s_route_escalation (d, id, NULL);
}

/* Adds qualification n and submits it (the action), appends `filler`
   other events, then hands its qualification.created in as the notify
   worker does, naming the event's seq when `with_seq` (a worker's result
   does: qf_ctx_t.event_seq): its id, or 0. */
static long long
s_done_then_handed_in (qf_test_daemon_t *d, int n, int filler, bool with_seq)
{
    uint64_t mark = qf_test_mark (d);
    long long id = qf_test_qual_add (d, n, "construction-general", "2028-01-01");
    if (!id || qf_test_run (d, "review", "qual.submit", NULL, "{s:I}", "id", (json_int_t)id))
        return 0;
    json_t *payload = json_object ();
    int rc = filler ? qf_store_begin (d->store) : 0;
    for (int i = 0; rc == 0 && i < filler; i++)
        rc = qf_store_event_append (d->store, "test.filler", "", payload, d->now, NULL);
    rc = rc ? rc : filler ? qf_store_commit (d->store) : 0;
    json_decref (payload);
    json_t *events = qf_test_events (d, mark, "qualification.created");
    json_t *event = json_array_get (events, 0);
    char subject[64];
    snprintf (subject, sizeof subject, "qualification/%lld", id);
    d->event_seq = with_seq ? (uint64_t)json_integer_value (json_object_get (event, "seq")) : 0;
    rc = rc ? rc
            : qf_test_run (d, "notify", "notify.enqueue", NULL, "{s:s, s:s, s:[s], s:s, s:s}",
                           "event_id", qf_test_str (event, "id"), "topic",
                           "qualification.created", "endpoints", "crm", "subject", subject,
                           "body", "{\"type\":\"x\",\"data\":{}}");
    d->event_seq = 0;
    json_decref (events);
    return rc ? 0 : id;
}

/* Adds qualification n and submits it (qualification.review_requested,
   the drafts route's done topic), then hands its qualification.created in
   as the notify worker does, late: its id, or 0. */
static long long
s_done_before_hand_in (qf_test_daemon_t *d, int n)
{
    return s_done_then_handed_in (d, n, 0, false);
}

/* The done event ends an escalation in its own commit, also after the
   observe hook was idle (no escalation left), and when it came before the
   escalation was opened; one not done is raised after its working hour. */
QF_TEST (test_escalation_ends_in_the_done_commit)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (s_open (&d, ACTION_YAML), 0);
    long long first = s_created (&d, 1);
    QF_CHECK (first);
    QF_CHECK_STR (s_escalation (&d, first), "open -");
    QF_CHECK_EQ_INT (qf_test_tick (&d), 0);
    QF_CHECK_EQ_INT (qf_test_run (&d, "review", "qual.submit", NULL, "{s:I}", "id",
                                  (json_int_t)first),
                     0);
    QF_CHECK_STR (s_escalation (&d, first), "done qualification.review_requested");
    /* Nothing open: the tick lets the hook rest; a new escalation wakes it. */
    QF_CHECK_EQ_INT (qf_test_tick (&d), 0);
    long long second = s_created (&d, 2);
    QF_CHECK_EQ_INT (qf_test_run (&d, "review", "qual.submit", NULL, "{s:I}", "id",
                                  (json_int_t)second),
                     0);
    QF_CHECK_STR (s_escalation (&d, second), "done qualification.review_requested");

    /* Done before the worker handed the event in. */
    long long third = s_done_before_hand_in (&d, 3);
    QF_CHECK (third);
    QF_CHECK_STR (s_escalation (&d, third), "done (before the escalation opened)");

    /* Not done: one working hour later management is told, the last level. */
    long long fourth = s_created (&d, 4);
    uint64_t mark = qf_test_mark (&d);
    d.now += 59 * 60000;
    QF_CHECK_EQ_INT (qf_test_tick (&d), 0);
    d.now += 2 * 60000;
    QF_CHECK_EQ_INT (qf_test_tick (&d), 1);
    json_t *raised = qf_test_events (&d, mark, "notify.escalated");
    QF_CHECK_EQ_INT (json_array_size (raised), 1);
    json_t *payload = json_object_get (json_array_get (raised, 0), "payload");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (payload, "recipients"), 0)),
                  "management");
    QF_CHECK_STR (qf_test_str (payload, "route"), "drafts");
    QF_CHECK (json_is_true (json_object_get (json_object_get (payload, "escalation"), "final")));
    json_decref (raised);
    QF_CHECK_STR (s_escalation (&d, fourth), "escalated -");
    d.now += 3600000 * 5;
    QF_CHECK_EQ_INT (qf_test_tick (&d), 0);
    /* Done after the last level still ends it. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "review", "qual.submit", NULL, "{s:I}", "id",
                                  (json_int_t)fourth),
                     0);
    QF_CHECK_STR (s_escalation (&d, fourth), "done qualification.review_requested");
    qf_test_daemon_close (&d);
}

/* The event log has no index on ids: a worker's result names its event's
   seq, and the action done before the hand-in is found however far behind
   the worker was; a hand-in without the seq looks among the newest
   QF_NOTIFY_ID_SCAN events only, and an event older than those counts as
   not done (its escalation opens, to be ended by the next action). */
QF_TEST (test_done_before_open_found_by_seq)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (s_open (&d, ACTION_YAML), 0);
    long long near = s_done_then_handed_in (&d, 1, 10, false);
    QF_CHECK_STR (s_escalation (&d, near), "done (before the escalation opened)");
    long long far = s_done_then_handed_in (&d, 2, QF_NOTIFY_ID_SCAN + 1, false);
    QF_CHECK_STR (s_escalation (&d, far), "open -");
    long long named = s_done_then_handed_in (&d, 3, QF_NOTIFY_ID_SCAN + 1, true);
    QF_CHECK_STR (s_escalation (&d, named), "done (before the escalation opened)");
    qf_test_daemon_close (&d);
}

/* Two routes of one topic wait for different actions. One done before the
   worker handed the event in ends that route's escalation only; the other
   route's stays open until its own done topic. */
#define TWO_ROUTES_YAML                                                                            \
    ACTION_YAML "  - name: approvals\n    topics: [qualification.created]\n"                      \
                "    endpoints: [crm]\n    done: [qualification.approved]\n"                        \
                "    escalate_after_hours: 1\n"

/* Moves the clock `ms` on and ticks: the routes of the escalations raised,
   in order, separated by spaces. */
static const char *
s_raised_after (qf_test_daemon_t *d, int64_t ms)
{
    static char out[256];
    out[0] = '\0';
    uint64_t mark = qf_test_mark (d);
    d->now += ms;
    qf_test_tick (d);
    json_t *raised = qf_test_events (d, mark, "notify.escalated");
    for (size_t i = 0; i < json_array_size (raised); i++) {
        const char *route =
            qf_test_str (json_object_get (json_array_get (raised, i), "payload"), "route");
        size_t used = strlen (out);
        snprintf (out + used, sizeof out - used, "%s%s", used ? " " : "", route);
    }
    json_decref (raised);
    return out;
}

QF_TEST (test_done_before_open_ends_its_route_only)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (s_open (&d, TWO_ROUTES_YAML), 0);
    /* The review is requested before the worker hands the event in. */
    long long id = s_done_before_hand_in (&d, 1);
    QF_CHECK (id);
    QF_CHECK_STR (s_route_escalation (&d, id, "drafts"), "done (before the escalation opened)");
    QF_CHECK_STR (s_route_escalation (&d, id, "approvals"), "open -");
    /* One working hour later only the approvals route is raised. */
    QF_CHECK_STR (s_raised_after (&d, 61 * 60000), "approvals");
    QF_CHECK_STR (s_route_escalation (&d, id, "drafts"), "done (before the escalation opened)");
    qf_test_daemon_close (&d);
}

/* A route taken out of the configuration while its escalation waits (a
   reload): at its due time nobody is told, and it stops, escalated at the
   level it had reached. */
QF_TEST (test_escalation_of_a_removed_route_stops)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (s_open (&d, TWO_ROUTES_YAML), 0);
    long long id = s_created (&d, 1);
    QF_CHECK_STR (s_route_escalation (&d, id, "drafts"), "open -");
    QF_CHECK_STR (s_route_escalation (&d, id, "approvals"), "open -");
    /* The reload keeps approvals and takes drafts out. */
    qf_config_destroy (&d.config);
    d.config = qf_test_config (QF_TEST_DAEMON_YAML QF_TEST_POLICY
                               "notify_endpoints:\n"
                               "  - name: crm\n    url: http://127.0.0.1:9/crm\n    secret: " SECRET
                               "\nnotify_routes:\n  - name: approvals\n"
                               "    topics: [qualification.created]\n    endpoints: [crm]\n"
                               "    done: [qualification.approved]\n    escalate_after_hours: 1\n");
    QF_CHECK (d.config);
    QF_CHECK_STR (s_raised_after (&d, 61 * 60000), "approvals");
    QF_CHECK_STR (s_route_escalation (&d, id, "drafts"), "escalated -");
    /* Stopped; approvals told management, its last level: nothing more. */
    QF_CHECK_STR (s_raised_after (&d, 3 * 3600000), "");
    QF_CHECK_STR (s_route_escalation (&d, id, "drafts"), "escalated -");
    QF_CHECK_STR (s_route_escalation (&d, id, "approvals"), "escalated -");
    qf_test_daemon_close (&d);
}

/* Hands in qualification.created `event_id` for endpoint mail. */
static int
s_enqueue_mail (qf_test_daemon_t *d, const char *event_id, json_t **result_p)
{
    return qf_test_run (d, "notify", "notify.enqueue", result_p, "{s:s, s:s, s:[s], s:s}",
                        "event_id", event_id, "topic", "qualification.created", "endpoints", "mail",
                        "body", "{\"type\":\"qualification.created\",\"data\":{}}");
}

/* An email none of whose recipients has an address fails at once, with
   notify.exhausted saying why: never attempted, never held for a digest,
   and never counted against its endpoint. */
QF_TEST (test_email_to_nobody_fails_at_once)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (s_open (&d, QF_TEST_POLICY
                             "notify_endpoints:\n"
                             "  - name: mail\n    kind: email\n    url: smtp://127.0.0.1:9\n"
                             "    from: qualflow@example.com\n    tls: plain\n"
                             "notify_routes:\n  - name: drafts\n"
                             "    topics: [qualification.created]\n    endpoints: [mail]\n"),
                     0);
    /* In working time and, the next evening, in quiet hours. */
    for (int evening = 0; evening < 2; evening++) {
        d.now = qf_test_at (QF_TEST_MONDAY, evening ? 20 : 10, 0) + evening * 86400000LL;
        uint64_t mark = qf_test_mark (&d);
        long long id = qf_test_qual_add (&d, 1 + evening, "construction-general", "2028-01-01");
        QF_CHECK (id);
        json_t *events = qf_test_events (&d, mark, "qualification.created");
        const char *event_id = qf_test_str (json_array_get (events, 0), "id");
        json_t *result = NULL;
        QF_CHECK_EQ_INT (s_enqueue_mail (&d, event_id, &result), 0);
        QF_CHECK_EQ_INT (json_integer_value (json_object_get (result, "added")), 1);
        QF_CHECK_EQ_INT (json_integer_value (json_object_get (result, "held")), 0);
        char msg_id[160];
        snprintf (msg_id, sizeof msg_id, "msg_%s_mail", event_id);
        json_decref (result);
        QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.log", &result, "{s:s}", "msg_id",
                                      msg_id),
                         0);
        QF_CHECK_STR (qf_test_str (result, "state"), "failed");
        QF_CHECK_EQ_INT (json_integer_value (json_object_get (result, "attempts")), 0);
        json_decref (result);
        json_t *exhausted = qf_test_events (&d, mark, "notify.exhausted");
        QF_CHECK_EQ_INT (json_array_size (exhausted), 1);
        json_t *payload = json_object_get (json_array_get (exhausted, 0), "payload");
        QF_CHECK_STR (qf_test_str (payload, "msg_id"), msg_id);
        QF_CHECK (strstr (qf_test_str (payload, "last_error"), "no recipient") != NULL);
        json_decref (exhausted);
        /* Handed in again (a redelivery): nothing more. */
        QF_CHECK_EQ_INT (s_enqueue_mail (&d, event_id, &result), 0);
        QF_CHECK_EQ_INT (json_integer_value (json_object_get (result, "added")), 0);
        json_decref (result);
        QF_CHECK_EQ_INT (qf_test_count (&d, mark, "notify.exhausted"), 1);
        json_decref (events);
    }
    json_t *result = NULL;
    QF_CHECK_EQ_INT (qf_test_run (&d, "notify", "notify.due", &result, "{}"), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (result, "items")), 0);
    json_decref (result);
    QF_CHECK_EQ_INT (qf_test_run (&d, "admin", "notify.held", &result, "{}"), 0);
    QF_CHECK_EQ_INT (json_array_size (json_object_get (result, "items")), 0);
    json_decref (result);
    qf_test_daemon_close (&d);
}

QF_TEST (test_signature)
{
    /* The example of the Standard Webhooks specification's libraries. */
    char signature[128];
    const char *body = "{\"test\": 2432232314}";
    QF_CHECK_EQ_INT (qf_notify_webhook_sign (SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                             body, strlen (body), signature, sizeof signature),
                     0);
    QF_CHECK_STR (signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    QF_CHECK_EQ_INT (qf_notify_webhook_sign ("whsec_%%%", "m", 1, body, strlen (body), signature,
                                             sizeof signature),
                     QF_EINVAL);

    /* During the overlap both keys sign; after it, only the new one. */
    qf_notify_endpoint_t endpoint = {.name = "crm", .url = "http://127.0.0.1:9/",
                                     .secret = SECRET, .previous_secret = OLD,
                                     .previous_until = "2026-03-02 00:00"};
    int64_t until = qf_notify_utc_ms (endpoint.previous_until);
    qf_notify_request_t request;
    char error[128];
    for (int after = 0; after < 2; after++) {
        QF_CHECK_EQ_INT (qf_notify_webhook_build (&endpoint, "msg_1", until - 1000 + after * 1000,
                                                  "{}", &request, error, sizeof error),
                         0);
        const char *found = NULL, *id = NULL;
        for (struct curl_slist *h = request.headers; h; h = h->next) {
            if (strncmp (h->data, "webhook-signature: ", 19) == 0)
                found = h->data + 19;
            if (strncmp (h->data, "webhook-id: ", 12) == 0)
                id = h->data + 12;
        }
        QF_CHECK_STR (id, "msg_1");
        QF_CHECK (found);
        char first[128], second[128];
        QF_CHECK_EQ_INT (qf_notify_webhook_sign (SECRET, "msg_1", until / 1000 - 1 + after, "{}",
                                                 2, first, sizeof first),
                         0);
        QF_CHECK_EQ_INT (qf_notify_webhook_sign (OLD, "msg_1", until / 1000 - 1 + after, "{}", 2,
                                                 second, sizeof second),
                         0);
        char both[300];
        snprintf (both, sizeof both, "%s %s", first, second);
        QF_CHECK_STR (found, after ? first : both);
        QF_CHECK_EQ_INT (request.body_size, 2);
        qf_notify_request_clear (&request);
    }
    QF_CHECK_EQ_INT (qf_notify_utc_ms ("2026-02-30 00:00"), -1);
    QF_CHECK_EQ_INT (qf_notify_utc_ms ("1970-01-01 00:01"), 60000);
}

int
main (void)
{
    s_test_suite = "notify";
    QF_RUN (test_enqueue_is_idempotent);
    QF_RUN (test_done_before_open_ends_its_route_only);
    QF_RUN (test_escalation_of_a_removed_route_stops);
    QF_RUN (test_email_to_nobody_fails_at_once);
    QF_RUN (test_lease_expires_and_the_same_id_comes_again);
    QF_RUN (test_due_per_endpoint);
    QF_RUN (test_attempts_in_one_command);
    QF_RUN (test_schedule_then_exhaustion);
    QF_RUN (test_endpoint_disabled_then_enabled);
    QF_RUN (test_routes);
    QF_RUN (test_config_refusals);
    QF_RUN (test_channel_config_refusals);
    QF_RUN (test_wait_config);
    QF_RUN (test_escalation_ends_in_the_done_commit);
    QF_RUN (test_done_before_open_found_by_seq);
    QF_RUN (test_signature);
    return qf_test_done ();
}
