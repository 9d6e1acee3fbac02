/*  The notify module's commands, described once (qf_command_spec.h):
    what the qualflow-notify worker hands in and reports, and what people
    read and do about notifications. Handlers: notify.c. */
#include "notify/notify_config.h"
#include "qf.h"
#include "qf_command_spec.h"

// clang-format off
#define MSG_ID_ARG(label) {"msg_id", A_TEXT, true, 1, 160, .option = label, .help = "the message's id (msg_...), as `qualflow notify log` lists it"}
#define ENDPOINT_ARG {"endpoint", A_TOKEN, true, 0, 64, .in = &qf_notify_endpoint_names, .option = "ENDPOINT", .help = "a name of notify_endpoints"}
// clang-format on

#define MESSAGE                                                                                    \
    "`id`, `msg_id` (`msg_<event id>_<endpoint>`: the `webhook-id`, the same on every attempt), "  \
    "`endpoint`, `channel`, `event_id`, `topic`, `state` (`pending`, `sent`, `failed`), "         \
    "`attempts`, `next_at`, `created`, `updated`"
#define MESSAGE_COLUMNS "ID:msg_id ENDPOINT:endpoint STATE:state ATTEMPTS:attempts TOPIC:topic"

const qf_command_spec_t qf_notify_specs[] = {
    {.name = "notify.enqueue",
     .roles = "notify",
     .writes = true,
     .args = {{"event_id", A_TEXT, true, 1, 64, .doc = "the event the messages tell of"},
              {"topic", A_TEXT, true, 1, 128, .doc = "its topic: the messages' `type`"},
              {"endpoints", A_TEXT_LIST, true, 0, 64,
               .doc = "the endpoints (of `notify_endpoints` for webhooks) it goes to"},
              {"body", A_TEXT, true, 2, 262144,
               .doc = "the body as it is sent, a JSON object: for a webhook `{\"type\", "
                      "\"timestamp\", \"data\"}`; a robot's or an email's message keeps it "
                      "with `subject` and its recipients' contacts from the staff directory "
                      "(`to`: emails; `mobiles`: DingTalk @mentions), rendered when it is sent"},
              {"channel", A_ENUM, false, 0, 0, "webhook wecom dingtalk feishu email",
               .doc = "default: each endpoint's `kind`"},
              {"subject", A_TEXT, false, 0, 256,
               .doc = "the event's subject, kept in robots' and emails' bodies for their "
                      "templates"},
              {NULL}},
     .result = "`{\"added\": N, \"messages\": [msg_id…], \"held\": N}`: one message per endpoint, "
               "`msg_<event_id>_<endpoint>`, pending and due at once; one already on record is "
               "left as it is (an event delivered again adds nothing); outside working time "
               "a robot's or an email's message of a topic not in `notify.urgent_topics` is "
               "held for its recipients' digests instead (`held`, `notify.held`); an "
               "email none of whose recipients has an address is on record `failed` at once, "
               "with `notify.exhausted` (0 attempts); a route "
               "with `done` topics opens the escalation of the event's subject "
               "(`notify.escalations`)",
     .cli = QF_SPEC_NO_CLI,
     .brief = "hand in an event's messages",
     .help = "The notify worker's result for a routed event: its messages, one per endpoint."},
    {.name = "notify.due",
     .roles = "notify",
     .writes = true,
     .args = {{"limit", A_INT, false, 1, 1000, .doc = "default 100"},
              {"exclude", A_TEXT_LIST, false, 0, 1000,
               .doc = "endpoints to leave out: those the worker has enough of in flight"},
              {"per_endpoint", A_INT, false, 1, 1000,
               .doc = "at most this many of one endpoint's, so that a slow endpoint's backlog "
                      "does not fill the answer; default `limit`"},
              {NULL}},
     .result = "`{\"items\": [{id, msg_id, endpoint, channel, event_id, topic, body, attempt}], "
               "\"lease_until\": ms}`: pending messages whose attempt is due and whose endpoint "
               "is enabled and not excluded, soonest first, leased to the caller for `notify.lease_ms`; a message "
               "whose lease ends without an attempt reported is due again (the same `msg_id`)",
     .cli = QF_SPEC_NO_CLI,
     .brief = "lease the messages due now",
     .help = "The notify worker's question: which messages to send now."},
    {.name = "notify.attempt",
     .roles = "notify",
     .writes = true,
     .args = {{"msg_id", A_TEXT, true, 1, 160},
              {"status", A_INT, true, 0, 999,
               .doc = "the HTTP status, 0 when no answer came (timeout, refused, reset)"},
              {"latency_ms", A_INT, true, 0, 86400000},
              {"error", A_TEXT, false, 1, 512,
               .doc = "what went wrong: given with a 2xx (a robot's error code in its answer), "
                      "the attempt failed"},
              {NULL}},
     .result = "`{msg_id, state, attempts, next_at}`: the attempt recorded; a 2xx marks it "
               "`sent`; else the next attempt is `notify.retry_schedule`'s next delay from now, "
               "or, after the last, `failed` with `notify.exhausted`. An endpoint whose attempts "
               "have all failed for `notify.disable_after_s` is disabled "
               "(`notify.endpoint_disabled`). An attempt of a message no longer pending is "
               "recorded and changes nothing",
     .cli = QF_SPEC_NO_CLI,
     .brief = "report an attempt to send a message",
     .help = "The notify worker's report of one attempt to send a message."},
    {.name = "notify.attempts",
     .roles = "notify",
     .writes = true,
     .args = {{"reports", A_TEXT, true, 2, 524288,
               .doc = "a JSON array of at most 500 attempts, each an object `{msg_id, status, "
                      "latency_ms, error}` as `notify.attempt` takes them"},
              {NULL}},
     .result = "`{\"items\": [{msg_id, state, attempts, next_at}…]}`, one per report in its "
               "order, each recorded as `notify.attempt` records it; a report of a message not "
               "on record is answered `{msg_id, error}` and the others are recorded; a report "
               "not well formed refuses them all (400, naming it: `args.reports[i].status`)",
     .cli = QF_SPEC_NO_CLI,
     .brief = "report many attempts at once",
     .help = "The notify worker's report of the attempts that ended since its last: one "
             "round trip and one savepoint for many."},
    {.name = "notify.endpoints",
     .roles = "admin notify management",
     .result = "`{\"items\": [{name, url, state (`enabled`, `disabled`), since, failing_since, "
               "event_types, rate_per_second, rotating, pending, sent, failed, last_status, "
               "last_error}]}`, in the configuration's order",
     .brief = "the webhook endpoints and their state",
     .help = "List the configured webhook endpoints: enabled or disabled, since when every "
             "attempt has failed, how many messages are pending, sent and failed, the last "
             "answer.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "NAME:name STATE:state PENDING:pending SENT:sent FAILED:failed "
                "LAST:last_status URL:url"},
    {.name = "notify.log",
     .roles = "admin notify management",
     .args = {{"msg_id", A_TEXT, false, 1, 160, .option = "MSG",
               .help = "one message, with every attempt"},
              {"endpoint", A_TOKEN, false, 0, 64, .option = "--endpoint", .placeholder = "NAME",
               .help = "only this endpoint's"},
              {"state", A_ENUM, false, 0, 0, "pending sent failed", .option = "--state",
               .placeholder = "S", .help = "only this state"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "without `msg_id`: `{\"items\": [message…], \"next\": N|null}`, by id, a message "
               "being " MESSAGE "; with it: that message, its `body`, `lease_until`, "
               "`lease_owner` and `attempt_log` (`attempt`, `at`, `status`, `latency_ms`, "
               "`error`, `worker`)",
     .brief = "notifications and their attempts",
     .help = "List the notifications by id, or show one with every attempt made (time, HTTP "
             "status, latency, error).",
     .list_key = "attempt_log",
     .columns = "ATTEMPT:attempt AT:at STATUS:status LATENCY_MS:latency_ms ERROR:error"},
    {.name = "notify.replay",
     .roles = "admin",
     .writes = true,
     .args = {MSG_ID_ARG ("MSG_ID"), {NULL}},
     .result = "the message, pending again and due at once, with its attempts counted from 0 "
               "(those made stay in its log); its endpoint disabled: 409",
     .brief = "send a notification again",
     .help = "Send a message again, sent or failed, with the same msg_id (webhook-id): the "
             "receiver may deduplicate it."},
    {.name = "notify.test",
     .roles = "admin",
     .writes = true,
     .args = {ENDPOINT_ARG, {NULL}},
     .result = "`{msg_id, endpoint, added}`: a message of type `notify.test` (`data`: "
               "`{endpoint, by}`), due at once",
     .brief = "send a test message to an endpoint",
     .help = "Send a test message (type notify.test) to a webhook endpoint; `qualflow notify "
             "log MSG` shows how it went."},
    {.name = "notify.enable",
     .roles = "admin",
     .writes = true,
     .args = {ENDPOINT_ARG, {NULL}},
     .result = "`{endpoint, state, since}`: enabled; its pending messages are due again",
     .brief = "enable a disabled endpoint",
     .help = "Enable a webhook endpoint that was disabled for failing every attempt; its "
             "pending messages go out again."},
    {.name = "notify.escalations",
     .roles = "admin notify management",
     .args = {{"state", A_ENUM, false, 0, 0, "open escalated done", .option = "--state",
               .placeholder = "S", .help = "only this state"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [{id, route, event_id, topic, subject, level, recipients, state, "
               "due_at, done_by, done_at, created, updated}], \"next\": N|null}`, by id: the "
               "actions routes ask for (`done`); `state` `open` (the next level is told at "
               "`due_at`), `escalated` (the last level was told) or `done` (`done_by`: the "
               "topic that did it); `level` 0 is the event's own recipients",
     .brief = "actions asked for and their escalation",
     .help = "List the actions that routes with `done` topics wait for: who was told last, "
             "when the next level is, or what did the action.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "ID:id ROUTE:route SUBJECT:subject LEVEL:level STATE:state DUE:due_at "
                "DONE_BY:done_by"},
    {.name = "notify.held",
     .roles = "admin notify management",
     .args = {QF_SPEC_NEXT, QF_SPEC_LIMIT, {NULL}},
     .result = "`{\"items\": [{id, endpoint, recipient, event_id, topic, release_at, created}], "
               "\"next\": N|null}`, by id: messages to people held outside working time "
               "(`notify.quiet_hours`), each sent in its recipient's digest at `release_at`",
     .brief = "messages held for working time",
     .help = "List the messages to people that came outside working time and wait for the "
             "digest sent when working time begins (one per recipient: an email address, or "
             "a robot's group).",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "ID:id ENDPOINT:endpoint RECIPIENT:recipient TOPIC:topic RELEASE:release_at"},
    {NULL},
};
