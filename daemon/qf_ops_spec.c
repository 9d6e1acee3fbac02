/*  The engine's own commands, described once (qf_command_spec.h): the
    daemon, its event log, consumer groups and dead letters. Their
    handlers are in qf_commands.c. */
#include "qf.h"
#include "qf_command_spec.h"

/* A group name, the first argument of the groups.* and dlq.* commands. */
// clang-format off
#define GROUP_ARG {"group", A_TOKEN, true, 1, QF_NAME_MAX, .option = "GROUP"}
// clang-format on
/* A dead letter's event, the second argument of dlq.show, retry and drop. */
// clang-format off
#define SEQ_ARG {"seq", A_INT, true, 1, INT64_MAX, .option = "SEQ"}
// clang-format on

const qf_command_spec_t qf_ops_specs[] = {
    {.name = "ping",
     .roles = "*",
     .result = "`{\"pong\": true, \"time\": ms}`",
     .brief = "check that the daemon answers",
     .help = "Check that the daemon answers, and how fast."},
    {.name = "status",
     .roles = "*",
     .result =
         "`{\"version\", \"pid\" (the daemon's process id), \"uptime_s\", \"allocator\" (the "
         "library whose malloc the daemon uses: libmimalloc.so.2 in a release build, "
         "libc.so.6 with ALLOCATOR=libc), \"database\", "
         "\"security\" (\"none\" or \"curve\"), \"server_public_key\" (with CURVE), "
         "\"endpoints\": {command, worker, event}, \"last_seq\", \"first_seq\" (the oldest event "
         "kept; see `daemon.retention_days`), \"next_timer_due\" (ms, when a timer is pending), "
         "\"storage\": {\"state\" (\"ok\"; \"low\": under 8 MiB free on the database's disk; "
         "\"full\": commits are refused for want of space), \"free_bytes\", \"wal_bytes\", and "
         "when full \"since\" (ms), \"refused_commits\", \"message\"}, \"calendar\": "
         "{\"holiday_years\" (the years `calendar.holidays` lists), \"fingerprint\" (16 hex "
         "digits of the calendar settings the pending timers are placed by), "
         "\"timers_without_holidays\" ({\"YEAR\": n}: pending reminders in years "
         "`calendar.holidays` does not list, placed on Monday to Friday only), \"warning\" (only "
         "when that is not empty)}, \"send_queues\": {\"peer_queue_bytes\", "
         "\"clients_with_unread_replies\", \"event_messages_per_subscriber\" (section 1.2), "
         "\"replies_dropped\", \"workers_dropped\" (since start: replies not sent and worker "
         "sessions ended because the peer left that much unread)}, \"batches\", \"commands\", "
         "\"event_stream\": {\"subscribed_prefixes\" (distinct topic prefixes subscribed on the "
         "event socket now; events are published only while there is one, section 7), "
         "\"prefixes_overflowed\" (more than 10,000 were subscribed: published from then on), "
         "\"events_published\", \"events_skipped\" (since start: committed while nobody was "
         "subscribed, so not published), \"messages_ignored\" (since start: frames on the event "
         "socket that were no subscription)}, "
         "\"batch_phases\": {\"batches\" (how many of the newest 4,096 batches the figures "
         "cover), \"window_s\" (the time they span), \"phases_ms\": {PHASE: {\"p50\", \"p99\", "
         "\"max\"}} for the phases timers, receive, execute, commit, reply, publish, deliver, "
         "checkpoint (README Operations), \"total_ms\": {\"p50\", \"p99\", \"max\"}, "
         "\"p99_batch\" and \"slowest_batch\": {PHASE: ms, \"total\", \"messages\"}, "
         "\"requests\": {\"count\" (of the newest 4,096 commands), \"total_ms\": {\"p50\", "
         "\"p99\", \"max\"} (from a command's read off the socket to its reply's send), "
         "\"p99_request\" and \"slowest_request\": {\"batch\" (until its batch began to "
         "commit), \"commit\" (from then until the WAL sync that covers it), \"reply\" "
         "(from then to its send), \"total\"}}}, \"wal_sync\" (null with daemon.durability "
         "normal; else the thread that makes commits durable: {\"syncs\" (since start), "
         "\"generations_per_sync\" (commits one fdatasync covered, on average), \"sync_ms\": "
         "{\"p50\", \"p99\", \"max\"} (the newest 1,024), \"waiting_commits\" (committed, "
         "not yet on disk)}), "
         "\"log_reads\" (reads of the event log by delivery since start: a group reads the log "
         "only while a worker of it has room in its window and the events it needs are older "
         "than those kept in memory), \"groups\": [{name, topics, position, in_flight, "
         "members}], \"workers\": [{group, instance, in_flight, idle_ms}]}`",
     .brief = "daemon status, consumer groups and workers",
     .help = "Show the daemon's version, uptime, database, endpoints and last event sequence "
             "number; the calendar: the years calendar.holidays lists and, with a warning, the "
             "pending reminders in years it does not list; then its consumer groups and "
             "connected workers."},
    {.name = "events.list",
     .roles = "*",
     .args = {{"after", A_INT, false, 0, INT64_MAX, .option = "--after", .placeholder = "SEQ",
               .help = "events after this sequence number (default 0)", .doc = "seq, default 0"},
              {"limit", A_INT, false, 1, 1000, .option = "--limit", .placeholder = "N",
               .help = "at most N events (default 100); with --follow and no --after, start N "
                       "events before the end (default 10)",
               .doc = "default 100"},
              {"topic", A_TOKEN, false, 1, QF_TOPIC_MAX, .option = "--topic", .placeholder = "T",
               .help = "only events with this topic"},
              {NULL}},
     .result = "`{\"events\": [{seq, id, time, topic, subject, payload}], \"last_seq\": n}`",
     .cli = "events",
     .brief = "list or follow the event log",
     .help = "List the event log: seq, time (RFC 3339 UTC), topic, subject and payload, which is "
             "cut to fit the line (with --json, one document {\"items\": [events], \"next\": SEQ "
             "or null}). With --follow, print the last N events (--limit, default 10) or those "
             "after --after, then keep printing new events in sequence order, filling any gap in "
             "the live stream from the log, until interrupted (with --json, one event object "
             "per line)."},
    {.name = "groups.list",
     .roles = "*",
     .result = "`{\"groups\": [{name, topics, position, next_seq, lag, in_flight, waiting, "
               "members, acked, redelivered, dead_letters, ack_wait_ms, max_deliveries, "
               "configured}], \"last_seq\": n}`",
     .cli = "groups",
     .brief = "consumer groups: position, lag, dead letters",
     .help = "List the consumer groups: their topics; position (every event up to it is done "
             "for the group); lag behind the end of the log; events in flight; connected "
             "members; deliveries repeated after a failed attempt; and dead letters.",
     .output = QF_OUT_LIST,
     .list_key = "groups",
     .columns = "GROUP:name TOPICS:topics POSITION:position LAG:lag IN_FLIGHT:in_flight "
                "MEMBERS:members REDELIVERED:redelivered DEAD:dead_letters"},
    {.name = "groups.seek",
     .roles = "admin",
     .writes = true,
     .args = {GROUP_ARG,
              {"seq", A_INT, false, 1, INT64_MAX,
               .doc = "exactly one of `seq` and `time`: deliver again from this seq; 1 to "
                      "`last_seq + 1`, else 400"},
              {"time", A_INT, false, 0, INT64_MAX,
               .doc = "ms: from the first event committed at or after it, or `last_seq + 1`"},
              {NULL}},
     .result = "`{\"group\", \"next_seq\"}`",
     .brief = "move a group to replay or skip events",
     .help = "Move a consumer group so that delivery goes on from event SEQ, or from the first "
             "event committed at or after TIME: the events from there on are delivered again, "
             "those before it are done. Events in flight are forgotten (their acks are "
             "refused). Prints the group and the next seq it gets."},
    {.name = "groups.delete",
     .roles = "admin",
     .writes = true,
     .args = {{"group", A_TOKEN, true, 1, QF_NAME_MAX, .option = "GROUP",
               .doc = "one a HELLO created, not one the configuration declares: 409"},
              {NULL}},
     .result = "`{\"group\", \"dead_letters\", \"workers\"}`: the group is gone with its "
               "position, acks, delivery attempts, dead letters and recorded results; once the "
               "batch commits, its connected workers get `ERROR` 404 and their sessions end. It "
               "no longer counts towards `delivery.hello_groups_max`, and a HELLO may create it "
               "again, from position 0",
     .brief = "delete a group that a worker created",
     .help = "Delete a consumer group that a worker's HELLO created (not one the configuration "
             "declares): its position, acks, dead letters and recorded results go with it, and "
             "its connected workers get ERROR 404 and are disconnected. Workers may create at "
             "most delivery.hello_groups_max groups; this makes room. Prints the group, its "
             "dead letters and the workers that were connected."},
    {.name = "dlq.list",
     .roles = "*",
     .args = {GROUP_ARG,
              {"after", A_INT, false, 0, INT64_MAX, .option = "--after", .placeholder = "SEQ",
               .help = "dead letters of events after this sequence number", .doc = "seq"},
              {"limit", A_INT, false, 1, 1000, .option = "--limit", .placeholder = "N",
               .help = "at most N dead letters (1-1000, default 100)", .doc = "default 100"},
              {NULL}},
     .result = "`{\"group\", \"items\": [{seq, event_id, topic, attempts, last_error, time}]}`",
     .brief = "list a group's dead letters",
     .help = "List a consumer group's dead letters, the events that failed max_deliveries "
             "times, in seq order: seq, topic, attempts, time, and the last error, which is cut "
             "to fit the line.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "SEQ:seq TOPIC:topic ATTEMPTS:attempts TIME:time LAST_ERROR:last_error"},
    {.name = "dlq.show",
     .roles = "*",
     .args = {GROUP_ARG, SEQ_ARG, {NULL}},
     .result = "the dead letter with its `event` (seq, id, time, topic, subject, payload)",
     .brief = "show a dead letter and its event",
     .help = "Show a dead letter (attempts, time, last error) and its event: seq, id, time, "
             "topic, subject and the payload as indented JSON."},
    {.name = "dlq.retry",
     .roles = "admin",
     .writes = true,
     .args = {GROUP_ARG, SEQ_ARG, {NULL}},
     .result = "the event is delivered to the group again, its attempts counted from 0",
     .brief = "deliver a dead letter again",
     .help = "Send a dead letter back to its group: the event is delivered again, its attempts "
             "counted from 0, and leaves the dead-letter list."},
    {.name = "dlq.drop",
     .roles = "admin",
     .writes = true,
     .args = {GROUP_ARG, SEQ_ARG, {NULL}},
     .result = "the dead letter is removed; the event stays done for the group",
     .brief = "forget a dead letter",
     .help = "Remove a dead letter from the list without delivering it again; the event stays "
             "done for the group."},
    {NULL},
};
