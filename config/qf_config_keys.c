/*  qf_config_keys — every configuration key, one per line, by section.

    A row says, in this order: the key, where its value is stored, its
    default, its range or rule, whether SIGHUP may change it (QF_RELOAD)
    or it takes a restart (QF_RESTART), and the line the reference prints
    for it; see qf_config_keys.h for the columns of each type.  The loader
    (qf_config.c) needs nothing else: to add a section, write its table
    here and add it to qf_config_sections at the end, with its fields in
    qf_config_t (config/qf_config.h).  These are the engine's keys; a
    business module's keys are in its own folder (NAME_config.c), in the
    same form.  `qualflowd --config-reference` prints them all, and
    README.md carries that output.
*/
#include "qf_config_keys.h"

#include "qf_log.h"
#include "qf_role.h"

static const char *const s_durability_names[] = {"full", "normal", NULL};
static const char *const s_log_level_names[] = {"debug", "info", "warn", "error", NULL};
static const char *const s_shift_names[] = {"previous", "next", NULL};

/* clang-format off */

/* daemon: process settings; only the log, batch, heartbeat, retention and
   idempotency keys are reloadable. */
static const qf_key_t s_daemon[] = {
    QF_STRING   ("daemon.database",          CFG (database),          "var/qualflow.db",        4096, QF_RESTART, "SQLite database file (events, leases, records)"),
    QF_ENDPOINT ("daemon.command_endpoint",  CFG (command_endpoint),  "ipc://run/command.sock", 1024, QF_RESTART, "ROUTER endpoint for requests and replies"),
    QF_ENDPOINT ("daemon.event_endpoint",    CFG (event_endpoint),    "ipc://run/events.sock",  1024, QF_RESTART, "XPUB endpoint for the live event stream"),
    QF_ENDPOINT ("daemon.worker_endpoint",   CFG (worker_endpoint),   "ipc://run/worker.sock",  1024, QF_RESTART, "ROUTER endpoint for consumer-group delivery to workers"),
    QF_ENUM     ("daemon.durability",        CFG (durability),        QF_DURABILITY_FULL, s_durability_names, QF_RESTART, "full: a change is answered only once on disk (the WAL is synced beside the loop) and survives power loss; normal: no sync at commit, a power cut may lose the newest"),
    QF_ENUM     ("daemon.log_level",         CFG (log_level),         QF_LOG_INFO,        s_log_level_names,  QF_RELOAD,  "least severe log level written"),
    QF_BOOL     ("daemon.syslog",            CFG (syslog),            0,                                      QF_RELOAD,  "also send log records to syslog (LOG_DAEMON)"),
    QF_INT      ("daemon.batch_max",         CFG (batch_max),         1000,     1,       100000,              QF_RELOAD,  "most messages handled per database commit"),
    QF_INT64    ("daemon.batch_max_bytes",   CFG (batch_max_bytes),   16 << 20, 1 << 20, 1 << 30,             QF_RELOAD,  "most bytes of replies given in one batch: a batch also ends, and commits, when its replies reach this"),
    QF_INT64    ("daemon.peer_queue_bytes",  CFG (peer_queue_bytes),  16 << 20, 4 << 20, INT64_C (1) << 32,   QF_RESTART, "most bytes queued for one peer that does not read: a client's replies past it are dropped, a worker past it loses its session, a subscriber misses events (counted in status as send_queues)"),
    QF_INT      ("daemon.heartbeat_ms",      CFG (heartbeat_ms),      1000,     100,     60000,               QF_RELOAD,  "heartbeat interval between daemon and workers, both ways (ms)"),
    QF_INT      ("daemon.retention_days",    CFG (retention_days),    0,        0,       36500,               QF_RELOAD,  "events older than this many days, once every consumer group is past them, are deleted from the log (0: keep every event)"),
    QF_INT      ("daemon.idempotency_hours", CFG (idempotency_hours), 24,       1,       87600,               QF_RELOAD,  "a client's idempotency key is remembered at least this long: a retry within it returns the first reply; later the key is forgotten"),
};

/* security: CURVE authentication and who may reach the daemon's files
   (restart-only); see proto/qf_security.h and daemon/qf_files.h. */
static const qf_key_t s_security[] = {
    QF_BOOL     ("security.curve",              CFG (curve),              0,                                      QF_RESTART, "CURVE on every socket: traffic encrypted, only peers whose certificate is in security.clients_dir get in, and a request's role must be one its certificate allows"),
    QF_STRING   ("security.server_secret",      CFG (server_secret),      "config/keys/server.key_secret", 4096,  QF_RESTART, "the daemon's secret certificate (qualflow keygen server --dir config/keys)"),
    QF_STRING   ("security.server_public",      CFG (server_public),      "config/keys/server.key",        4096,  QF_RESTART, "the daemon's public certificate, which clients and workers check it by"),
    QF_STRING   ("security.clients_dir",        CFG (clients_dir),        "config/keys/clients",           4096,  QF_RESTART, "public certificates (NAME.key, at the top of the directory) of the clients and workers allowed in, with their roles and groups; re-read whenever they change"),
    QF_STRING   ("security.certificate",        CFG (certificate),        "config/keys/client.key_secret", 4096,  QF_RESTART, "the secret certificate the CLI and workers present (their --cert overrides it)"),
    QF_TOKEN    ("security.socket_group",       CFG (socket_group),       NULL, NULL,                             QF_RESTART, "group whose members may use the ipc sockets: the daemon gives them this group and mode 0660, and their directory may let the group in, not write; none: mode 0600, the daemon's user only"),
    QF_BOOL     ("security.allow_shared_files", CFG (allow_shared_files), 0,                                      QF_RESTART, "start even when the database, its -wal or -shm file, its directory or a socket's directory lets other users in: each is then a warning, not a refusal"),
};

/* delivery: defaults for consumer groups (reloadable). */
static const qf_key_t s_delivery[] = {
    QF_INT64    ("delivery.ack_wait_ms",        CFG (ack_wait_ms),        30000, 100, 86400000, QF_RELOAD, "lease on a delivered event before it is redelivered (ms); default for groups"),
    QF_INT      ("delivery.max_deliveries",     CFG (max_deliveries),     5,     1,   1000,     QF_RELOAD, "deliveries of one event before it goes to the dead-letter list; default for groups"),
    QF_INT64    ("delivery.backoff_initial_ms", CFG (backoff_initial_ms), 1000,  1,   3600000,  QF_RELOAD, "first retry delay after a failed delivery (ms)"),
    QF_INT64    ("delivery.backoff_max_ms",     CFG (backoff_max_ms),     60000, 1,   86400000, QF_RELOAD, "cap on the exponential retry backoff (ms)", .at_least = "delivery.backoff_initial_ms"),
    QF_INT      ("delivery.window",             CFG (window),             64,    1,   10000,    QF_RELOAD, "most events in flight per worker instance"),
    QF_INT      ("delivery.hello_groups_max",   CFG (hello_groups_max),   16,    0,   100,      QF_RELOAD, "most consumer groups that workers' HELLOs may create (configured groups do not count): past it a HELLO naming a new group is refused until an admin deletes one (qualflow groups delete)"),
};

/* policy: what the company's policy leaves open (reloadable); the § are
   those of the policy document. */
static const qf_key_t s_policy[] = {
    QF_TIMEZONE   ("policy.timezone",                   CFG (timezone), CFG (utc_offset_minutes), "Asia/Shanghai", 64, QF_RELOAD, "time zone in which policy dates and day counts are reckoned"),
};

/* calendar: the business calendar (reloadable); see daemon/qf_calendar.h. */
static const qf_key_t s_calendar[] = {
    QF_TIME     ("calendar.reminder_time", CFG (reminder_minute), 9 * 60,                          QF_RELOAD, "local time (policy.timezone) at which reminders fire on a working day"),
    QF_TIME     ("calendar.work_start",    CFG (work_start_minute), 8 * 60 + 30,                  QF_RELOAD, "local time (policy.timezone) at which working time begins on a working day: escalations count working hours, and notifications that are not urgent wait for it"),
    QF_TIME     ("calendar.work_end",      CFG (work_end_minute),   17 * 60 + 30,                 QF_RELOAD, "local time at which working time ends on a working day (equal to calendar.work_start: the whole working day counts)", .at_least = "calendar.work_start"),
    QF_ENUM     ("calendar.holiday_shift", CFG (holiday_shift),   QF_SHIFT_PREVIOUS, s_shift_names, QF_RELOAD, "a reminder due on a day that is not a working day moves to the previous or the next working day"),
    QF_DATE_MAP ("calendar.holidays",      CFG (holidays), CFG (holiday_count), CFG (holiday_years), 1970, 9999, QF_CONFIG_YEARS_MAX, QF_CONFIG_LIST_MAX, QF_RELOAD, "public holidays per year: dates that are not working days"),
    QF_DATE_MAP ("calendar.workdays",      CFG (workdays), CFG (workday_count), 0,                   1970, 9999, QF_CONFIG_YEARS_MAX, QF_CONFIG_LIST_MAX, QF_RELOAD, "make-up working days (调休) per year: weekend dates that are working days", .disjoint = "calendar.holidays", .weekend_only = true),
};

/* cli: the command-line client's own settings (the daemon only checks them). */
static const qf_key_t s_cli[] = {
    QF_TOKEN    ("cli.role", CFG (cli_role), NULL, qf_roles, QF_RELOAD, "role the qualflow CLI acts in when neither --as nor $QUALFLOW_ROLE names one; without any, the CLI acts as admin, which business commands refuse"),
};

/* groups: durable consumer groups (qf_group_config_t); the delivery policy
   of a running group is reloadable, the rest takes a restart. */
static const qf_key_t s_group[] = {
    QF_TOKEN       ("name",           GRP (name),   NULL, NULL,                        QF_RESTART, "consumer group name; unique", .required = true),
    QF_TOKEN       ("role",           GRP (role),   NULL, NULL,                        QF_RESTART, "role the group's reported results act with", .def_ref = "name"),
    QF_TOPIC_LIST  ("topics",         GRP (topics), GRP (topic_count), 1, 32,          QF_RESTART, "topics delivered to the group: exact, a prefix ending in *, or * for all", .required = true, .unique = true),
    QF_INT64       ("ack_wait_ms",    GRP (ack_wait_ms),    0, 100, 86400000,          QF_RELOAD,  "lease on an event delivered to the group (ms)", .def_ref = "delivery.ack_wait_ms"),
    QF_INT         ("max_deliveries", GRP (max_deliveries), 0, 1,   1000,              QF_RELOAD,  "deliveries of one event before it goes to the dead-letter list", .def_ref = "delivery.max_deliveries"),
};

const qf_section_t qf_config_sections[] = {
    QF_MAPPING ("daemon",   s_daemon),
    QF_MAPPING ("security", s_security),
    QF_MAPPING ("delivery", s_delivery),
    QF_MAPPING ("policy",   s_policy),
    QF_MAPPING ("calendar", s_calendar),
    QF_MAPPING ("cli",      s_cli),
    QF_LIST    ("groups",      s_group,     qf_group_config_t, CFG (groups),      CFG (group_count),     QF_RESTART, "durable consumer groups"),
    {.name = NULL},
};

/* clang-format on */
