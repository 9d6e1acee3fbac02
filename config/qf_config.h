/*  qf_config — qualflow's configuration, loaded from YAML into an immutable
    struct through declarative tables (name, type, range, default,
    reloadable).

    The engine's sections (daemon, security, delivery, calendar, cli,
    groups, ...) are fields of qf_config_t. A business module declares its
    own keys and its own settings struct in a configuration part (its
    NAME_config.c, qf_config_keys.h) and reads them back with
    qf_config_part(); the loader keeps them opaque.

    A configuration is built once by qf_config_load() and never changed
    afterwards; SIGHUP builds a new one, and qf_config_reload_check() says
    whether only reloadable values differ.  The struct is public and
    read-only: every process reads fields directly through a
    `const qf_config_t *`.

    Errors name the file, the line and the key, say what was expected and
    what to do, e.g.
        config/qualflow.yaml:12: daemon.batch_max: expected an integer from
        1 to 100000, got "abc"; fix the value or remove the key to use the
        default (1000)
*/
#ifndef QF_CONFIG_H
#define QF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QF_CONFIG_LIST_MAX     64 /* longest list of any kind */
#define QF_CONFIG_PARTS_MAX    16 /* most modules with a configuration part */
#define QF_CONFIG_YEARS_MAX    50 /* most years in one per-year date list */
#define QF_CONFIG_DEFAULT_PATH "config/qualflow.yaml"

typedef enum { QF_DURABILITY_FULL = 0, QF_DURABILITY_NORMAL = 1 } qf_durability_t;
typedef enum { QF_SHIFT_PREVIOUS = 0, QF_SHIFT_NEXT = 1 } qf_shift_t;

/* The years a per-year date list (calendar.holidays) names, ascending,
   whether or not it gives dates for them. */
typedef struct {
    int year[QF_CONFIG_YEARS_MAX]; /* the years, ascending */
    size_t count;                  /* how many */
} qf_years_t;

/* A durable consumer group: who receives which topics, and delivery policy. */
typedef struct {
    char *name;    /* [a-z0-9._-], e.g. "legal" */
    char *role;    /* role its reported results act with; default = name */
    char **topics; /* exact topics, or prefixes ending in "*" ("*" = all) */
    size_t topic_count;
    int64_t ack_wait_ms; /* lease length; default delivery.ack_wait_ms */
    int max_deliveries;  /* attempts before dead letter; default delivery.max_deliveries */
} qf_group_config_t;

/* A module's configuration part: its keys and its settings struct
   (qf_config_keys.h). */
typedef struct qf_config_part_t qf_config_part_t;

typedef struct qf_config_t {
    char *path; /* the file this was loaded from */

    /* daemon: — process settings; only log_level, syslog, batch_max and
       heartbeat_ms are reloadable. */
    char *database;             /* SQLite file path */
    char *command_endpoint;     /* ROUTER: requests and replies */
    char *event_endpoint;       /* PUB: live event stream */
    char *worker_endpoint;      /* ROUTER: consumer-group delivery */
    qf_durability_t durability; /* SQLite synchronous=FULL or NORMAL */
    int log_level;              /* a qf_log_level_t */
    bool syslog;                /* also log to syslog */
    int batch_max;              /* most messages handled per commit */
    int64_t batch_max_bytes;    /* most bytes of replies waiting for one commit */
    int64_t peer_queue_bytes;   /* most bytes queued for one peer that does not read */
    int heartbeat_ms;           /* heartbeat interval both ways */
    int retention_days;         /* delete events older than this once done; 0 = keep */
    int idempotency_hours;      /* keep client idempotency keys this long */

    /* security: — CURVE authentication (restart-only); see proto/qf_security.h. */
    bool curve;          /* encrypt and authenticate every socket */
    char *server_secret; /* the daemon's secret certificate */
    char *server_public; /* the daemon's public certificate, for clients */
    char *clients_dir;   /* public certificates of those allowed in */
    char *certificate;   /* a client's (CLI, worker) own secret certificate */

    /* security: — who may reach the daemon's files (restart-only); see
       daemon/qf_files.h. */
    char *socket_group;      /* group given the ipc sockets (mode 0660); NULL: mode 0600 */
    bool allow_shared_files; /* files others may reach only warn */

    /* delivery: — defaults for consumer groups (reloadable). */
    int64_t ack_wait_ms;        /* lease on a delivered event */
    int max_deliveries;         /* deliveries before the dead-letter list */
    int64_t backoff_initial_ms; /* first retry delay after a failure */
    int64_t backoff_max_ms;     /* cap on the exponential backoff */
    int window;                 /* most events in flight per worker instance */
    int hello_groups_max;       /* most groups HELLOs may create */

    /* policy: — what the company's policy leaves open (reloadable): here
       the time zone, and the values of sections that have no module yet
       (§5.2 assessment); modules add their own policy keys in their
       configuration parts (qualification: §4.2, renewal: §4.3, staff:
       §5.1, aftersales: §6.4). */
    char *timezone;                                  /* "Asia/Shanghai" or "+08:00" */
    int utc_offset_minutes;                          /* derived from timezone */

    /* calendar: — the business calendar (reloadable); see daemon/qf_calendar.h. */
    int reminder_minute;      /* reminder_time as minutes after midnight, 0..1439 */
    int work_start_minute;    /* work_start: working time begins, minutes after midnight */
    int work_end_minute;      /* work_end: it ends; not before work_start */
    qf_shift_t holiday_shift; /* a reminder due on a day off moves back or forward */
    int32_t *holidays;        /* day numbers that are not working days, ascending,
                                           all years flattened; NULL when none */
    size_t holiday_count;
    qf_years_t holiday_years; /* the years calendar.holidays lists: a year not
                                 listed has only Monday–Friday */
    int32_t *workdays;        /* make-up working days (weekend days worked),
                                           ascending, all years flattened; NULL when none */
    size_t workday_count;

    /* cli: — the command-line client's own settings (reloadable; the daemon
       reads them only to check them). */
    char *cli_role; /* role the CLI acts in without --as and $QUALFLOW_ROLE; NULL: none */

    qf_group_config_t *groups; /* groups: durable consumer groups */
    size_t group_count;

    /* Each module's own settings, indexed like qf_config_parts[]: a
       module reads its part through qf_config_part(), typed by the
       module's own header (e.g. renewal/renewal_config.h). */
    void *parts[QF_CONFIG_PARTS_MAX];
} qf_config_t;

/*  Loads and validates a YAML file. On success returns 0 and a new
    configuration in *config_p (caller owns it). On failure returns
    QF_EINVAL or QF_EIO and writes one message naming file, line and key
    into error. */
int qf_config_load (const char *path, qf_config_t **config_p, char *error, size_t error_size);

/*  Destroys a configuration and sets *self_p to NULL; safe when NULL. */
void qf_config_destroy (qf_config_t **self_p);

/*  Says whether `next` may replace `current` on SIGHUP: returns 0 when every
    non-reloadable value is unchanged, else QF_EINVAL with the first
    changed key named in error. */
int qf_config_reload_check (const qf_config_t *current, const qf_config_t *next, char *error,
                            size_t error_size);

/*  Look-ups; return NULL when the name is not configured. */
const qf_group_config_t *qf_config_group (const qf_config_t *self, const char *name);

/*  The settings of a module's configuration part (its own struct), or
    NULL when the part is not linked into this program. */
const void *qf_config_part (const qf_config_t *self, const qf_config_part_t *part);

/*  Whether `part` is one of the configuration parts this program loads
    (qf_config_parts[], listed by the build). */
bool qf_config_has_part (const qf_config_part_t *part);

/*  Whether a topic matches one subscription pattern: equal, or the pattern
    ends in "*" and the topic starts with what precedes it. */
bool qf_topic_matches (const char *pattern, const char *topic);

/*  Prints the configuration reference (every key, type, range, default,
    reloadable) generated from the declarative table, as Markdown. */
void qf_config_print_reference (void *file);

#endif
