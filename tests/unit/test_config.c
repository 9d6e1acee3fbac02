/*  test_config — qf_config: the shipped file, defaults, every kind of
    error (message names file, line and key), the calendar section, reload
    check, topic matching, the generated reference, every numeric key just
    below, at and just above its range, and robustness against damaged files.

    Run from the repository root (the shipped config/qualflow.yaml is
    loaded by its relative path).  Fixtures are written to temporary files
    made with mkstemp and removed after loading.
*/
#include "aftersales/aftersales_config.h"
#include "assessment/assessment_config.h"
#include "qualification/qualification_config.h"
#include "qf_config_keys.h"
#include "renewal/renewal_config.h"
#include "staff/staff_config.h"
#include "qf_config.h"
#include "qf_error.h"
#include "qf_log.h"
#include "qf_pattern.h"
#include "qf_test.h"
#include "qf_time.h"

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATH_SIZE  64
#define ERROR_SIZE 1024

/*  Writes length bytes to a new temporary file whose name goes to path. */
static bool
s_write_fixture (const char *text, size_t length, char *path)
{
    snprintf (path, PATH_SIZE, "/tmp/qf-test-config-XXXXXX");
    int fd = mkstemp (path);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < length) {
        ssize_t n = write (fd, text + done, length - done);
        if (n <= 0) {
            close (fd);
            unlink (path);
            return false;
        }
        done += (size_t)n;
    }
    close (fd);
    return true;
}

/*  Loads bytes through a temporary file; path gets the file's name. */
static int
s_load_bytes (const char *text, size_t length, qf_config_t **config_p, char *path, char *error)
{
    error[0] = '\0';
    if (!s_write_fixture (text, length, path))
        return 999;
    int rc = qf_config_load (path, config_p, error, ERROR_SIZE);
    unlink (path);
    return rc;
}

static int
s_load (const char *yaml, qf_config_t **config_p, char *error)
{
    char path[PATH_SIZE];
    return s_load_bytes (yaml, strlen (yaml), config_p, path, error);
}

/*  Whether loading the bytes is refused with QF_EINVAL, no configuration,
    and one line "PATH:LINE: ..." holding every fragment (NULL-ended).
    Prints the message when not, so a failure says what was produced. */
static bool
s_refused_va (const char *text, size_t length, int line, va_list fragments)
{
    char path[PATH_SIZE], error[ERROR_SIZE], location[PATH_SIZE + 32];
    qf_config_t *config = NULL;
    int rc = s_load_bytes (text, length, &config, path, error);
    snprintf (location, sizeof location, "%s:%d: ", path, line);
    bool ok = rc == QF_EINVAL && config == NULL &&
              strncmp (error, location, strlen (location)) == 0 && !strchr (error, '\n') &&
              strstr (error, "expected") && strstr (error, "; ");
    for (const char *fragment = va_arg (fragments, const char *); ok && fragment;
         fragment = va_arg (fragments, const char *))
        ok = strstr (error, fragment) != NULL;
    if (!ok)
        printf ("    rc %d, wanted line %d, message: %s\n", rc, line, error);
    qf_config_destroy (&config);
    return ok;
}

static bool
s_refused (const char *yaml, int line, ...)
{
    va_list fragments;
    va_start (fragments, line);
    bool ok = s_refused_va (yaml, strlen (yaml), line, fragments);
    va_end (fragments);
    return ok;
}

static bool
s_refused_bytes (const char *text, size_t length, int line, ...)
{
    va_list fragments;
    va_start (fragments, line);
    bool ok = s_refused_va (text, length, line, fragments);
    va_end (fragments);
    return ok;
}

static bool
s_regex_matches (const regex_t *regex, const char *text)
{
    return regexec (regex, text, 0, NULL, 0) == 0;
}

/*  Whether config holds every default of the table. */
static bool
s_has_defaults (const qf_config_t *c)
{
    return strcmp (c->database, "var/qualflow.db") == 0 &&
           strcmp (c->command_endpoint, "ipc://run/command.sock") == 0 &&
           strcmp (c->event_endpoint, "ipc://run/events.sock") == 0 &&
           strcmp (c->worker_endpoint, "ipc://run/worker.sock") == 0 &&
           c->durability == QF_DURABILITY_FULL && c->log_level == QF_LOG_INFO && !c->syslog &&
           c->batch_max == 1000 && c->heartbeat_ms == 1000 && c->ack_wait_ms == 30000 &&
           c->max_deliveries == 5 && c->backoff_initial_ms == 1000 && c->backoff_max_ms == 60000 &&
           c->window == 64 && strcmp (c->timezone, "Asia/Shanghai") == 0 &&
           c->utc_offset_minutes == 480 && qf_staff_config (c)->onboarding_training_days == 7 &&
           qf_assessment_config (c)->period == 0 &&
           qf_aftersales_config (c)->callback_interval_count == 2 &&
           qf_aftersales_config (c)->callback_intervals_days[0] == 30 &&
           qf_aftersales_config (c)->callback_intervals_days[1] == 90 &&
           qf_renewal_config (c)->renewal_lead_count == 4 &&
           qf_renewal_config (c)->renewal_lead_days[0] == 90 &&
           qf_renewal_config (c)->renewal_lead_days[1] == 60 &&
           qf_renewal_config (c)->renewal_lead_days[2] == 30 &&
           qf_renewal_config (c)->renewal_lead_days[3] == 7 &&
           qf_qualification_config (c)->min_validity_for_sale_days == 180 &&
           qf_qualification_config (c)->review_department_count == 3 &&
           strcmp (qf_qualification_config (c)->review_departments[0], "legal") == 0 &&
           strcmp (qf_qualification_config (c)->review_departments[1], "finance") == 0 &&
           strcmp (qf_qualification_config (c)->review_departments[2], "technical") == 0 &&
           qf_qualification_config (c)->min_return_ratio == 1.2 && c->reminder_minute == 9 * 60 &&
           c->holiday_shift == QF_SHIFT_PREVIOUS && !c->cli_role;
}

/*  The day number of a date, or INT32_MIN when the text is not one. */
static int32_t
s_day (const char *date)
{
    int32_t day;
    return qf_date_parse (date, &day) == 0 ? day : INT32_MIN;
}

/*  Whether days[0..count) is strictly ascending. */
static bool
s_ascending (const int32_t *days, size_t count)
{
    for (size_t i = 1; i < count; i++)
        if (days[i - 1] >= days[i])
            return false;
    return true;
}

QF_TEST (test_shipped_file_loads)
{
    qf_config_t *c = NULL;
    char error[ERROR_SIZE] = "";
    int rc = qf_config_load (QF_CONFIG_DEFAULT_PATH, &c, error, sizeof error);
    if (rc)
        printf ("    %s\n", error);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK (c != NULL);
    QF_CHECK_STR (c->path, QF_CONFIG_DEFAULT_PATH);
    QF_CHECK (s_has_defaults (c));

    QF_CHECK_EQ_INT (qf_qualification_config (c)->authority_count, 4);
    const qf_authority_t *a = qf_qualification_authority (c, "安徽省住房和城乡建设厅");
    QF_CHECK (a != NULL);
    QF_CHECK_STR (a->pattern, "^D234[0-9]{6}$");
    QF_CHECK (s_regex_matches (&a->regex, "D234123456"));
    QF_CHECK (!s_regex_matches (&a->regex, "D23412345"));
    QF_CHECK (!s_regex_matches (&a->regex, "D334123456"));
    a = qf_qualification_authority (c, "合肥市城乡建设局");
    QF_CHECK (a && s_regex_matches (&a->regex, "D334000001"));
    a = qf_qualification_authority (c, "中华人民共和国住房和城乡建设部");
    QF_CHECK (a && s_regex_matches (&a->regex, "D112345678"));
    QF_CHECK (!s_regex_matches (&a->regex, "D1123456789"));
    a = qf_qualification_authority (c, "合肥市市场监督管理局");
    QF_CHECK (a && s_regex_matches (&a->regex, "91340100MA2TH5KX3C"));
    QF_CHECK (!s_regex_matches (&a->regex, "91340100MA2TH5KX3I")); /* no I, O, S, V, Z */
    QF_CHECK (qf_qualification_authority (c, "nowhere") == NULL);

    QF_CHECK_EQ_INT (qf_qualification_config (c)->category_count, 3);
    const qf_category_t *cat = qf_qualification_category (c, "construction-general");
    QF_CHECK (cat != NULL);
    QF_CHECK_EQ_INT (cat->scope_count, 3);
    QF_CHECK_STR (cat->scopes[0], "建筑工程施工总承包二级");
    QF_CHECK_STR (cat->scopes[2], "市政公用工程施工总承包三级");
    QF_CHECK_EQ_INT (cat->industry_count, 2);
    QF_CHECK_STR (cat->industries[1], "municipal");
    cat = qf_qualification_category (c, "business-licence");
    QF_CHECK (cat && cat->scope_count == 1 && strcmp (cat->scopes[0], "营业执照") == 0);
    QF_CHECK (cat->industry_count == 2 && strcmp (cat->industries[0], "services") == 0);
    QF_CHECK (qf_qualification_category (c, "security-permit") != NULL);

    QF_CHECK_EQ_INT (c->group_count, 7);
    const qf_group_config_t *notify = qf_config_group (c, "notify");
    QF_CHECK (notify && notify->topic_count == 5);
    QF_CHECK_STR (notify->role, "notify");
    const qf_group_config_t *aftersales = qf_config_group (c, "aftersales");
    QF_CHECK (aftersales && aftersales->topic_count == 1);
    QF_CHECK_STR (aftersales->role, "aftersales");
    QF_CHECK_STR (aftersales->topics[0], "aftersales.callback_due");
    QF_CHECK_STR (qf_aftersales_config (c)->assignee, "owner");
    QF_CHECK_STR (qf_aftersales_supervisor (c, "li.lei"), "zhao");
    QF_CHECK_STR (qf_aftersales_supervisor (c, "wang"), "supervisor");
    const qf_group_config_t *renewal = qf_config_group (c, "renewal");
    QF_CHECK (renewal && renewal->topic_count == 2);
    QF_CHECK_STR (renewal->topics[0], "certificate.expiring");
    QF_CHECK_STR (renewal->topics[1], "certificate.expired");
    const char *names[] = {"legal", "finance", "technical"};
    for (size_t i = 0; i < 3; i++) {
        const qf_group_config_t *g = qf_config_group (c, names[i]);
        QF_CHECK (g != NULL);
        QF_CHECK_STR (g->role, names[i]);
        QF_CHECK_EQ_INT (g->topic_count, i == 2 ? 2 : 3);
        QF_CHECK_STR (g->topics[0], "qualification.review_requested");
        if (i == 2) /* §6.4: the technical feedback cases */
            QF_CHECK_STR (g->topics[1], "feedback.received");
        if (i < 2)
            QF_CHECK_STR (g->topics[1], "contract.review_requested");
        if (i < 2)
            QF_CHECK_STR (g->topics[2], i == 0 ? "policy.changed" : "contract.signed");
        QF_CHECK_EQ_INT (g->ack_wait_ms, 30000);
        QF_CHECK_EQ_INT (g->max_deliveries, 5);
    }
    const qf_group_config_t *sales = qf_config_group (c, "sales");
    QF_CHECK (sales && strcmp (sales->role, "supervisor") == 0 && sales->topic_count == 1);

    /* calendar: 2026 as published (33 days off, 6 make-up days), 2027 New Year. */
    QF_CHECK_EQ_INT (c->holiday_count, 34);
    QF_CHECK_EQ_INT (c->workday_count, 6);
    QF_CHECK (s_ascending (c->holidays, c->holiday_count));
    QF_CHECK (s_ascending (c->workdays, c->workday_count));
    QF_CHECK_EQ_INT (c->holidays[0], s_day ("2026-01-01"));
    QF_CHECK_EQ_INT (c->holidays[32], s_day ("2026-10-07"));
    QF_CHECK_EQ_INT (c->holidays[33], s_day ("2027-01-01"));
    QF_CHECK_EQ_INT (c->workdays[0], s_day ("2026-01-04"));
    QF_CHECK_EQ_INT (c->workdays[5], s_day ("2026-10-10"));
    qf_config_destroy (&c);
    QF_CHECK (c == NULL);
}

QF_TEST (test_empty_file_gives_defaults)
{
    const char *inputs[] = {"{}\n", "", "# only a comment\n", "daemon:\ndelivery: ~\ngroups:\n",
                            "---\n"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        qf_config_t *c = NULL;
        char error[ERROR_SIZE];
        int rc = s_load (inputs[i], &c, error);
        if (rc)
            printf ("    input %zu: %s\n", i, error);
        QF_CHECK_EQ_INT (rc, 0);
        QF_CHECK (s_has_defaults (c));
        QF_CHECK (qf_qualification_config (c)->authority_count == 0 &&
                  qf_qualification_config (c)->authorities == NULL);
        QF_CHECK (qf_qualification_config (c)->category_count == 0 && c->group_count == 0);
        QF_CHECK (c->holiday_count == 0 && c->holidays == NULL);
        QF_CHECK (c->workday_count == 0 && c->workdays == NULL);
        qf_config_destroy (&c);
    }
}

QF_TEST (test_values_are_read)
{
    const char *yaml = "daemon:\n"
                       "  database: /srv/qf/state.db\n"
                       "  command_endpoint: tcp://127.0.0.1:5555\n"
                       "  event_endpoint: inproc://events\n"
                       "  durability: normal\n"
                       "  log_level: debug\n"
                       "  syslog: true\n"
                       "  batch_max: 100000\n"
                       "  heartbeat_ms: 100\n"
                       "delivery:\n"
                       "  ack_wait_ms: 86400000\n"
                       "  backoff_initial_ms: 5\n"
                       "  backoff_max_ms: 5\n"
                       "policy:\n"
                       "  timezone: \"-03:30\"\n"
                       "  assessment_period: year\n"
                       "  callback_intervals_days: [1, 3650]\n"
                       "  renewal_lead_days: [7]\n"
                       "  min_validity_for_sale_days: 0\n"
                       "  review_departments: [legal, it-security.v2]\n"
                       "  min_return_ratio: 0.5e1\n";
    qf_config_t *c = NULL;
    char error[ERROR_SIZE];
    int rc = s_load (yaml, &c, error);
    if (rc)
        printf ("    %s\n", error);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_STR (c->database, "/srv/qf/state.db");
    QF_CHECK_STR (c->command_endpoint, "tcp://127.0.0.1:5555");
    QF_CHECK_STR (c->event_endpoint, "inproc://events");
    QF_CHECK_STR (c->worker_endpoint, "ipc://run/worker.sock");
    QF_CHECK_EQ_INT (c->durability, QF_DURABILITY_NORMAL);
    QF_CHECK_EQ_INT (c->log_level, QF_LOG_DEBUG);
    QF_CHECK (c->syslog);
    QF_CHECK_EQ_INT (c->batch_max, 100000);
    QF_CHECK_EQ_INT (c->heartbeat_ms, 100);
    QF_CHECK_EQ_INT (c->ack_wait_ms, 86400000);
    QF_CHECK_EQ_INT (c->backoff_initial_ms, 5);
    QF_CHECK_EQ_INT (c->backoff_max_ms, 5);
    QF_CHECK_EQ_INT (c->utc_offset_minutes, -210);
    QF_CHECK_EQ_INT (qf_assessment_config (c)->period, 1);
    QF_CHECK (qf_aftersales_config (c)->callback_interval_count == 2 &&
              qf_aftersales_config (c)->callback_intervals_days[1] == 3650);
    QF_CHECK (qf_renewal_config (c)->renewal_lead_count == 1 &&
              qf_renewal_config (c)->renewal_lead_days[0] == 7);
    QF_CHECK_EQ_INT (qf_qualification_config (c)->min_validity_for_sale_days, 0);
    QF_CHECK_EQ_INT (qf_qualification_config (c)->review_department_count, 2);
    QF_CHECK_STR (qf_qualification_config (c)->review_departments[1], "it-security.v2");
    QF_CHECK (qf_qualification_config (c)->min_return_ratio == 5.0);
    qf_config_destroy (&c);
}

QF_TEST (test_error_message_form)
{
    /* The example of the header, exactly. */
    const char *yaml = "# 1\n# 2\n# 3\n# 4\n# 5\n# 6\n# 7\n# 8\n# 9\n# 10\n"
                       "daemon:\n"
                       "  batch_max: abc\n";
    char path[PATH_SIZE], error[ERROR_SIZE], expected[ERROR_SIZE];
    qf_config_t *c = NULL;
    QF_CHECK_EQ_INT (s_load_bytes (yaml, strlen (yaml), &c, path, error), QF_EINVAL);
    QF_CHECK (c == NULL);
    snprintf (expected, sizeof expected,
              "%s:12: daemon.batch_max: expected an integer from 1 to 100000, got \"abc\"; fix "
              "the value or remove the key to use the default (1000)",
              path);
    QF_CHECK_STR (error, expected);

    /* A NULL or tiny error buffer is fine. */
    QF_CHECK (s_write_fixture (yaml, strlen (yaml), path));
    QF_CHECK_EQ_INT (qf_config_load (path, &c, NULL, 0), QF_EINVAL);
    char tiny[8];
    QF_CHECK_EQ_INT (qf_config_load (path, &c, tiny, sizeof tiny), QF_EINVAL);
    QF_CHECK_EQ_INT (strlen (tiny), 7);
    unlink (path);
    QF_CHECK (c == NULL);
}

QF_TEST (test_file_errors)
{
    qf_config_t *c = NULL;
    char error[ERROR_SIZE];
    const char *missing = "/tmp/qf-test-config-does-not-exist.yaml";
    QF_CHECK_EQ_INT (qf_config_load (missing, &c, error, sizeof error), QF_EIO);
    QF_CHECK (c == NULL);
    QF_CHECK (strncmp (error, missing, strlen (missing)) == 0);
    QF_CHECK (strstr (error, "No such file or directory") != NULL);
    QF_CHECK (!strchr (error, '\n'));

    QF_CHECK_EQ_INT (qf_config_load ("/tmp", &c, error, sizeof error), QF_EIO);
    QF_CHECK (strstr (error, "/tmp: ") == error);
    QF_CHECK (strstr (error, "Is a directory") != NULL);
    QF_CHECK (c == NULL);
}

QF_TEST (test_syntax_errors)
{
    QF_CHECK (s_refused ("daemon:\n"
                         "  batch_max: 10\n"
                         "  log_level: [info\n"
                         "  syslog: false\n",
                         4, "expected valid YAML", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  batch_max: 10\n"
                         " heartbeat_ms: 10\n",
                         3, "syntax error", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "\tbatch_max: 10\n",
                         2, "tab", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  batch_max: *nowhere\n",
                         2, "undefined alias", NULL));
    QF_CHECK (s_refused ("{}\n"
                         "---\n"
                         "daemon: {}\n",
                         3, "one YAML document", NULL));
    /* Deep nesting is refused quickly (libyaml is quadratic in it). */
    size_t depth = 200000;
    char *deep = malloc (2 * depth + 64);
    QF_CHECK (deep != NULL);
    int n = sprintf (deep, "daemon:\n  batch_max: ");
    memset (deep + n, '[', depth);
    memset (deep + n + depth, ']', depth);
    strcpy (deep + n + 2 * depth, "\n");
    bool ok = s_refused (deep, 2, "levels of nested", NULL);
    free (deep);
    QF_CHECK (ok);
}

QF_TEST (test_top_level_not_mapping)
{
    QF_CHECK (s_refused ("- daemon\n- policy\n", 1, "top level", "got a list", NULL));
    QF_CHECK (
        s_refused ("# config\n\njust some text\n", 3, "top level", "\"just some text\"", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  - batch_max: 1\n",
                         2, "daemon: expected a mapping of daemon keys", "got a list", NULL));
    QF_CHECK (s_refused ("policy: quarterly\n", 1, "policy: expected a mapping", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  name: legal\n",
                         2, "groups: expected a list", "got a mapping", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - legal\n",
                         2, "groups[0]: expected a mapping of name, role, topics", NULL));
}

QF_TEST (test_unknown_keys)
{
    QF_CHECK (s_refused ("daemon:\n"
                         "  batch_max: 10\n"
                         "  batch_maxx: 10\n",
                         3, "daemon.batch_maxx:", "database, command_endpoint", "heartbeat_ms",
                         "\"batch_maxx\"", NULL));
    QF_CHECK (s_refused (
        "daemon: {}\n"
        "dameon: {}\n",
        2, "dameon:",
        "daemon, security, delivery, policy, calendar, cli, groups, aftersales, supervisors, "
        "assessment, contract, contract_clauses, payment_terms, processing_days, feedback, "
        "feedback_categories, notify, notify_endpoints, notify_routes, list_prices, "
        "qualification_prices, processing_steps, "
        "after_sales_services, authorities, categories",
        NULL));
    QF_CHECK (s_refused ("delivery:\n"
                         "  window: 8\n"
                         "  \"ack wait\": 10\n",
                         3, "delivery.\"ack wait\":", "ack_wait_ms", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - name: legal\n"
                         "    topics: [a]\n"
                         "  - name: finance\n"
                         "    topix: [a]\n",
                         5, "groups[1].topix:", "name, role, topics, ack_wait_ms, max_deliveries",
                         NULL));
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: x\n"
                         "    pattern: '^x$'\n"
                         "    regex: '^x$'\n",
                         4, "authorities[0].regex:", "name, pattern", NULL));
    QF_CHECK (s_refused ("categories:\n"
                         "  - name: x\n"
                         "    scope: [a]\n",
                         3, "categories[0].scope:", "name, scopes, industries", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  [a, b]: 1\n",
                         2, "daemon: expected a key name", NULL));
}

QF_TEST (test_wrong_types)
{
    QF_CHECK (s_refused ("daemon:\n"
                         "  database:\n"
                         "    path: x.db\n",
                         3, "daemon.database:", "got a mapping", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  batch_max: [1, 2]\n",
                         2, "daemon.batch_max:", "got a list", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  database:\n",
                         2, "daemon.database:", "got nothing", "var/qualflow.db", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  batch_max: ~\n",
                         2, "daemon.batch_max:", "got null", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  callback_intervals_days: 30\n",
                         2, "policy.callback_intervals_days:", "expected a list", "got \"30\"",
                         NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - name: legal\n"
                         "    topics: qualification.review_requested\n",
                         3, "groups[0].topics:", "expected a list", NULL));
    QF_CHECK (s_refused ("categories:\n"
                         "  - name: x\n"
                         "    scopes: [[a]]\n",
                         3, "categories[0].scopes[0]:", "got a list", NULL));
}

QF_TEST (test_integers)
{
    struct {
        const char *value;
        const char *found;
    } bad[] = {{"abc", "\"abc\""},
               {"1.5", "\"1.5\""},
               {"0x10", "\"0x10\""},
               {"1e3", "\"1e3\""},
               {"1_000", "\"1_000\""},
               {"+5", "\"+5\""},
               {"010", "leading zeros"},
               {"\"100\"", "numbers are written without quotes"},
               {"0", "got \"0\""},
               {"-1", "got \"-1\""},
               {"100001", "\"100001\""},
               {"9223372036854775807", "\"9223372036854775807\""},
               {"9223372036854775808", "\"9223372036854775808\""},
               {"-9223372036854775809", "\"-9223372036854775809\""},
               {"99999999999999999999999999", "\"99999999999999999999999999\""}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[256];
        snprintf (yaml, sizeof yaml, "# limits\ndaemon:\n  batch_max: %s\n", bad[i].value);
        QF_CHECK (s_refused (yaml, 3, "daemon.batch_max:", "from 1 to 100000", bad[i].found,
                             "(1000)", NULL));
    }
    qf_config_t *c = NULL;
    char error[ERROR_SIZE];
    QF_CHECK_EQ_INT (s_load ("daemon:\n  batch_max: 1\n", &c, error), 0);
    QF_CHECK_EQ_INT (c->batch_max, 1);
    qf_config_destroy (&c);
    QF_CHECK (s_refused ("delivery:\n"
                         "  ack_wait_ms: 99\n",
                         2, "delivery.ack_wait_ms:", "from 100 to 86400000", NULL));
    QF_CHECK (s_refused ("delivery:\n"
                         "  backoff_initial_ms: 3600001\n",
                         2, "delivery.backoff_initial_ms:", "from 1 to 3600000", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  onboarding_training_days: 366\n",
                         2, "policy.onboarding_training_days:", "from 1 to 365", "(7)", NULL));
}

QF_TEST (test_booleans_and_doubles)
{
    const char *bad_booleans[] = {"yes", "no", "on", "off", "True", "FALSE", "1", "\"true\""};
    for (size_t i = 0; i < sizeof bad_booleans / sizeof bad_booleans[0]; i++) {
        char yaml[128];
        snprintf (yaml, sizeof yaml, "daemon:\n  syslog: %s\n", bad_booleans[i]);
        QF_CHECK (s_refused (yaml, 2, "daemon.syslog:", "expected true or false", "(false)", NULL));
    }
    const char *bad_reals[] = {"100.5", "-0.1", ".nan", ".inf", "1,5", "\"1.2\"", "abc", "1e400"};
    for (size_t i = 0; i < sizeof bad_reals / sizeof bad_reals[0]; i++) {
        char yaml[128];
        snprintf (yaml, sizeof yaml, "policy:\n  min_return_ratio: %s\n", bad_reals[i]);
        QF_CHECK (s_refused (yaml, 2, "policy.min_return_ratio:", "a number from 0 to 100", "(1.2)",
                             NULL));
    }
    qf_config_t *c = NULL;
    char error[ERROR_SIZE];
    QF_CHECK_EQ_INT (
        s_load ("daemon:\n  syslog: false\npolicy:\n  min_return_ratio: 100\n", &c, error), 0);
    QF_CHECK (!c->syslog && qf_qualification_config (c)->min_return_ratio == 100.0);
    qf_config_destroy (&c);
    QF_CHECK_EQ_INT (s_load ("policy:\n  min_return_ratio: 0\n", &c, error), 0);
    QF_CHECK (qf_qualification_config (c)->min_return_ratio == 0.0);
    qf_config_destroy (&c);
}

QF_TEST (test_duplicate_keys)
{
    QF_CHECK (s_refused ("daemon:\n"
                         "  batch_max: 10\n"
                         "  syslog: true\n"
                         "  batch_max: 20\n",
                         4, "daemon.batch_max:", "first at line 2", NULL));
    QF_CHECK (s_refused ("daemon: {}\n"
                         "policy: {}\n"
                         "daemon: {}\n",
                         3, "daemon:", "first at line 1", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - name: legal\n"
                         "    topics: [a]\n"
                         "    name: finance\n",
                         4, "groups[0].name:", "first at line 2", NULL));
}

QF_TEST (test_enums)
{
    QF_CHECK (s_refused ("daemon:\n"
                         "  durability: fsync\n",
                         2, "daemon.durability:", "one of full, normal", "\"fsync\"", "(full)",
                         NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  log_level: verbose\n",
                         2, "daemon.log_level:", "one of debug, info, warn, error", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  log_level: INFO\n",
                         2, "daemon.log_level:", "\"INFO\"", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  assessment_period: month\n",
                         2, "policy.assessment_period:", "one of quarter, year", NULL));
}

/*  cli.role has no default, and only a role the daemon knows is accepted. */
QF_TEST (test_cli_role)
{
    char error[ERROR_SIZE];
    qf_config_t *c = NULL;
    QF_CHECK_EQ_INT (s_load ("cli:\n  role: leader\n", &c, error), 0);
    QF_CHECK (c && c->cli_role && strcmp (c->cli_role, "leader") == 0);
    qf_config_destroy (&c);
    QF_CHECK_EQ_INT (s_load ("cli:\n", &c, error), 0);
    QF_CHECK (c && c->cli_role == NULL);
    qf_config_destroy (&c);
    QF_CHECK (s_refused ("cli:\n"
                         "  role: salse\n",
                         2, "cli.role:", "one of admin, sales, supervisor, review", "renewal",
                         "\"salse\"", "it has no default", NULL));
    QF_CHECK (s_refused ("cli:\n"
                         "  role: Leader\n",
                         2, "cli.role:", "\"Leader\"", NULL));
    QF_CHECK (s_refused ("cli:\n"
                         "  rol: leader\n",
                         2, "cli.rol:", "(role)", NULL));
}

QF_TEST (test_strings_and_endpoints)
{
    QF_CHECK (s_refused ("daemon:\n"
                         "  database: \"\"\n",
                         2, "daemon.database:", "got an empty string", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  command_endpoint: http://localhost\n",
                         2, "daemon.command_endpoint:", "ipc://, tcp:// or inproc://", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  worker_endpoint: tcp://\n",
                         2, "daemon.worker_endpoint:", NULL));
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: ''\n"
                         "    pattern: '^x$'\n",
                         2, "authorities[0].name:", "empty string", NULL));
    QF_CHECK (s_refused ("categories:\n"
                         "  - name: x\n"
                         "    scopes: [a, '']\n",
                         3, "categories[0].scopes[1]:", "empty string", NULL));
    QF_CHECK (s_refused ("categories:\n"
                         "  - name: Construction\n",
                         2, "categories[0].name:", "a-z, 0-9", "\"Construction\"", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - name: legal\n"
                         "    role: Legal Team\n"
                         "    topics: [a]\n",
                         3, "groups[0].role:", "default to name", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - name: legal\n"
                         "    topics: [a.b, 'a*b']\n",
                         3, "groups[0].topics[1]:", "\"a*b\"", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  review_departments: [legal, Finance]\n",
                         2, "policy.review_departments[1]:", "\"Finance\"", NULL));
    char yaml[8192];
    int n = snprintf (yaml, sizeof yaml, "daemon:\n  database: ");
    memset (yaml + n, 'x', 4097);
    snprintf (yaml + n + 4097, sizeof yaml - (size_t)n - 4097, "\n");
    QF_CHECK (
        s_refused (yaml, 2, "daemon.database:", "at most 4096 bytes", "got 4097 bytes", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  database: |\n"
                         "    two\n"
                         "    lines\n",
                         2, "daemon.database:", "control character", NULL));
}

QF_TEST (test_timezones)
{
    struct {
        const char *text;
        int minutes;
    } good[] = {{"Asia/Shanghai", 480}, {"UTC", 0},           {"\"+08:00\"", 480},
                {"\"+05:30\"", 330},    {"\"-12:00\"", -720}, {"\"+14:00\"", 840},
                {"\"-00:00\"", 0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char yaml[128], error[ERROR_SIZE];
        qf_config_t *c = NULL;
        snprintf (yaml, sizeof yaml, "policy:\n  timezone: %s\n", good[i].text);
        int rc = s_load (yaml, &c, error);
        if (rc)
            printf ("    %s\n", error);
        QF_CHECK_EQ_INT (rc, 0);
        QF_CHECK_EQ_INT (c->utc_offset_minutes, good[i].minutes);
        qf_config_destroy (&c);
    }
    const char *bad[] = {"Europe/Paris", "\"+14:01\"", "\"-12:30\"", "\"+8:00\"",
                         "\"+08:60\"",   "utc",        "\"08:00\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[128];
        snprintf (yaml, sizeof yaml, "policy:\n  timezone: %s\n", bad[i]);
        QF_CHECK (
            s_refused (yaml, 2, "policy.timezone:", "-12:00 to +14:00", "(Asia/Shanghai)", NULL));
    }
}

QF_TEST (test_regex)
{
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: 合肥市城乡建设局\n"
                         "    pattern: '^D334[0-9{6}$'\n",
                         3, "authorities[0].pattern:", "POSIX extended regular expression",
                         "does not compile", NULL));
    /* The regerror text is in the message. */
    regex_t regex;
    char reason[128];
    int status = regcomp (&regex, "a(b", REG_EXTENDED | REG_NOSUB);
    QF_CHECK (status != 0);
    regerror (status, &regex, reason, sizeof reason);
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: x\n"
                         "    pattern: 'a(b'\n",
                         3, reason, NULL));
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: x\n",
                         2, "authorities[0].pattern:", "no pattern key", NULL));
    QF_CHECK (s_refused ("authorities:\n"
                         "  - pattern: '^x$'\n",
                         2, "authorities[0].name:", "no name key", NULL));
}

/*  Whether a configuration whose one authority has `pattern` is refused
    at that pattern's line with a message holding `fragment`. */
static bool
s_pattern_refused (const char *pattern, const char *fragment)
{
    char yaml[600];
    snprintf (yaml, sizeof yaml, "authorities:\n  - name: x\n    pattern: '%s'\n", pattern);
    return s_refused (yaml, 3, "authorities[0].pattern:", fragment, NULL);
}

/*  Patterns that would cost the C library's matcher gigabytes or minutes
    are refused at load, before regcomp, with what to do; patterns up to
    the limits load and match. */
QF_TEST (test_regex_cost)
{
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: x\n"
                         "    pattern: 'a{32767}{32767}'\n",
                         3, "authorities[0].pattern:", "repeats {32767}", "above 255",
                         "use a count of at most 255", NULL));
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: x\n"
                         "    pattern: '^(.*)(.*)(.*)(.*)(.*)\\1\\2\\3\\4\\5$'\n",
                         3, "authorities[0].pattern:", "back-reference \\1", "exponential",
                         "without back-references", NULL));
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: x\n"
                         "    pattern: '^x$'\n"
                         "  - name: y\n"
                         "    pattern: '((a{16}){16}){16}'\n",
                         5, "authorities[1].pattern:", "expands to", "at most 256",
                         "smaller repetition counts", NULL));
    QF_CHECK (s_pattern_refused ("x{0,256}", "repeats {0,256}"));
    QF_CHECK (s_pattern_refused ("x{300,}", "repeats {300,}"));
    char pattern[300];
    snprintf (pattern, sizeof pattern, "^%0257d$", 0);
    QF_CHECK (s_pattern_refused (pattern, "got 259 bytes"));
    snprintf (pattern, sizeof pattern, "%.33s%.33s", "((((((((((((((((((((((((((((((((((",
              "))))))))))))))))))))))))))))))))))");
    QF_CHECK (s_pattern_refused (pattern, "nests parentheses more than 32 deep"));

    /* At the limits, and look-alikes of refused forms, load and work. */
    qf_config_t *c = NULL;
    char error[ERROR_SIZE];
    int rc = s_load ("authorities:\n"
                     "  - name: a\n"
                     "    pattern: '^[0-9]{128}$'\n"
                     "  - name: b\n"
                     "    pattern: '^(.?){84}#$'\n"
                     "  - name: c\n"
                     "    pattern: '^[\\1]{2}\\\\1\\{3}$'\n"
                     "  - name: d\n"
                     "    pattern: '^D234[0-9]{6}$'\n",
                     &c, error);
    if (rc != 0)
        printf ("    %s\n", error);
    QF_CHECK_EQ_INT (rc, 0);
    if (c) {
        char digits[300];
        memset (digits, '7', 128);
        digits[128] = '\0';
        QF_CHECK (s_regex_matches (&qf_qualification_authority (c, "a")->regex, digits));
        digits[127] = '\0';
        QF_CHECK (!s_regex_matches (&qf_qualification_authority (c, "a")->regex, digits));
        /* A 128-byte number against the largest optional repetition. */
        memset (digits, 'x', 128);
        digits[128] = '\0';
        QF_CHECK (!s_regex_matches (&qf_qualification_authority (c, "b")->regex, digits));
        QF_CHECK (s_regex_matches (&qf_qualification_authority (c, "c")->regex, "1\\\\1{3}"));
        QF_CHECK (s_regex_matches (&qf_qualification_authority (c, "d")->regex, "D234000001"));
    }
    qf_config_destroy (&c);
}

/*  qf_pattern_check on its own: each rule, and the counting behind the
    size limit (nested repetitions multiply, alternatives add). */
QF_TEST (test_pattern_check)
{
    static const struct {
        const char *pattern;
        int rc;
    } cases[] = {
        {"^D234[0-9]{6}$", 0},
        {"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}$", 0},
        {"(.?){85}", 0},     /* 3 * 85 + 1: the limit */
        {"((.?){8}){8}", 0}, /* (3 * 8 + 2) * 8 + 1 */
        {"[]1\\9]{200}", 0}, /* a backslash in brackets is a character */
        {"a\\\\1", 0},       /* an escaped backslash, then 1 */
        {"[[:digit:]\\1]+", 0},
        {"\\{9999}", 0}, /* an escaped brace opens no interval */
        {"x{,255}", 0},
        {"x{254,}", 0},
        {"a|b|c", 0},
        {"(a)(b)(c)", 0},
        {"", 0},
        {"(a)\\1", QF_EINVAL},
        {"x\\9", QF_EINVAL},
        {"x{256}", QF_EINVAL},
        {"x{0,256}", QF_EINVAL},
        {"(.?){86}", QF_EINVAL},
        {"x{2}{200}", QF_EINVAL},
        {"((.?){9}){9}", QF_EINVAL},
        {"((((((((.?)?)?)?)?)?)?)?){20}", QF_EINVAL},
        {"a{99999999999999999999}", QF_EINVAL},
    };
    char why[256], advice[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        why[0] = advice[0] = '\0';
        int rc = qf_pattern_check (cases[i].pattern, why, sizeof why, advice, sizeof advice);
        if (rc != cases[i].rc)
            printf ("    %s: rc %d, %s\n", cases[i].pattern, rc, why);
        QF_CHECK_EQ_INT (rc, cases[i].rc);
        QF_CHECK (rc == 0 || (why[0] && advice[0]));
    }
    /* Saturated sizes still report, without overflowing. */
    QF_CHECK_EQ_INT (qf_pattern_check ("((((((((x{255}){255}){255}){255}){255}){255}){255}){255})",
                                       why, sizeof why, advice, sizeof advice),
                     QF_EINVAL);
}

QF_TEST (test_duplicate_names)
{
    QF_CHECK (s_refused ("authorities:\n"
                         "  - name: 合肥市城乡建设局\n"
                         "    pattern: '^D334[0-9]{6}$'\n"
                         "  - name: 合肥市城乡建设局\n"
                         "    pattern: '^D335[0-9]{6}$'\n",
                         4, "authorities[1].name:", "\"合肥市城乡建设局\" again", "first at line 2",
                         NULL));
    QF_CHECK (s_refused ("categories:\n"
                         "  - name: a\n"
                         "  - name: b\n"
                         "  - industries: [x]\n"
                         "    name: a\n",
                         5, "categories[2].name:", "first at line 2", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - {name: legal, topics: [a]}\n"
                         "  - {name: legal, topics: [b]}\n",
                         3, "groups[1].name:", "\"legal\" again", NULL));
}

QF_TEST (test_list_rules)
{
    QF_CHECK (s_refused ("policy:\n"
                         "  callback_intervals_days:\n"
                         "    - 30\n"
                         "    - 90\n"
                         "    - 60\n",
                         5, "policy.callback_intervals_days[2]:", "above 90", "increasing", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  callback_intervals_days: [30, 30]\n",
                         2, "policy.callback_intervals_days[1]:", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  renewal_lead_days: [7, 30, 60]\n",
                         2, "policy.renewal_lead_days[1]:", "below 7", "decreasing",
                         "[90, 60, 30, 7]", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  renewal_lead_days: []\n",
                         2, "policy.renewal_lead_days:", "an empty list", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  renewal_lead_days: [17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, "
                         "4, 3, 2, 1]\n",
                         2, "policy.renewal_lead_days:", "1 to 16", "17 items", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  callback_intervals_days: [30, 3651]\n",
                         2, "policy.callback_intervals_days[1]:", "from 1 to 3650", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  review_departments:\n"
                         "    - legal\n"
                         "    - finance\n"
                         "    - legal\n",
                         5, "policy.review_departments[2]:", "\"legal\" again", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - name: legal\n"
                         "    topics: []\n",
                         3, "groups[0].topics:", "1 to 32", NULL));
    QF_CHECK (s_refused ("groups:\n"
                         "  - name: legal\n",
                         2, "groups[0].topics:", "no topics key", NULL));
}

QF_TEST (test_invalid_utf8)
{
    const char bad_byte[] = "daemon:\n  batch_max: 10\n  database: \"a\xff.db\"\n";
    QF_CHECK (s_refused_bytes (bad_byte, sizeof bad_byte - 1, 3, "UTF-8", "0xFF", NULL));
    const char cut[] = "authorities:\n  - name: \xe5\xae\n    pattern: x\n";
    QF_CHECK (s_refused_bytes (cut, sizeof cut - 1, 2, "UTF-8", NULL));
    const char nul[] = "daemon:\n  database: a\0b\n";
    QF_CHECK (s_refused_bytes (nul, sizeof nul - 1, 2, "control characters", NULL));
    QF_CHECK (s_refused ("daemon:\n"
                         "  database: \"a\\0b\"\n",
                         2, "daemon.database:", "NUL character", NULL));
    QF_CHECK (s_refused ("categories:\n"
                         "  - name: x\n"
                         "    industries: [\"\\x01\"]\n",
                         3, "categories[0].industries[0]:", "control character", NULL));
}

QF_TEST (test_cross_key_checks)
{
    QF_CHECK (s_refused ("delivery:\n"
                         "  backoff_initial_ms: 5000\n"
                         "  backoff_max_ms: 4000\n",
                         3, "delivery.backoff_max_ms:", "at least delivery.backoff_initial_ms",
                         NULL));
    QF_CHECK (s_refused ("delivery:\n"
                         "  backoff_initial_ms: 100000\n",
                         2, "delivery.backoff_initial_ms:", "at most delivery.backoff_max_ms",
                         NULL));
}

QF_TEST (test_group_defaults)
{
    /* groups: before delivery: still inherits delivery's values. */
    const char *yaml = "groups:\n"
                       "  - name: legal\n"
                       "    topics: [qualification.*, audit.log]\n"
                       "  - name: archive\n"
                       "    role: auditor\n"
                       "    topics: ['*']\n"
                       "    ack_wait_ms: 120000\n"
                       "    max_deliveries: 1\n"
                       "delivery:\n"
                       "  ack_wait_ms: 5000\n"
                       "  max_deliveries: 9\n";
    qf_config_t *c = NULL;
    char error[ERROR_SIZE];
    int rc = s_load (yaml, &c, error);
    if (rc)
        printf ("    %s\n", error);
    QF_CHECK_EQ_INT (rc, 0);
    const qf_group_config_t *g = qf_config_group (c, "legal");
    QF_CHECK (g != NULL);
    QF_CHECK_STR (g->role, "legal");
    QF_CHECK_EQ_INT (g->ack_wait_ms, 5000);
    QF_CHECK_EQ_INT (g->max_deliveries, 9);
    QF_CHECK_EQ_INT (g->topic_count, 2);
    QF_CHECK_STR (g->topics[0], "qualification.*");
    g = qf_config_group (c, "archive");
    QF_CHECK (g != NULL);
    QF_CHECK_STR (g->role, "auditor");
    QF_CHECK_EQ_INT (g->ack_wait_ms, 120000);
    QF_CHECK_EQ_INT (g->max_deliveries, 1);
    QF_CHECK_STR (g->topics[0], "*");
    qf_config_destroy (&c);
    QF_CHECK (s_refused ("groups:\n"
                         "  - name: legal\n"
                         "    topics: [a]\n"
                         "    ack_wait_ms: 50\n",
                         4, "groups[0].ack_wait_ms:", "default to delivery.ack_wait_ms", NULL));
}

/*  Loads the shipped file with one line replaced; returns the config. */
static qf_config_t *
s_load_variant (const char *from, const char *to, char *error)
{
    FILE *file = fopen (QF_CONFIG_DEFAULT_PATH, "rb");
    if (!file)
        return NULL;
    static char text[65536];
    size_t length = fread (text, 1, sizeof text - 1, file);
    fclose (file);
    text[length] = '\0';
    char *at = strstr (text, from);
    if (!at)
        return NULL;
    char changed[65536 + 256];
    snprintf (changed, sizeof changed, "%.*s%s%s", (int)(at - text), text, to, at + strlen (from));
    qf_config_t *c = NULL;
    if (s_load (changed, &c, error) != 0)
        printf ("    %s\n", error);
    return c;
}

QF_TEST (test_calendar_defaults)
{
    /* No calendar: section, an empty one, or one with other keys only. */
    const char *inputs[] = {"policy:\n  timezone: UTC\n", "calendar:\n", "calendar: {}\n",
                            "calendar:\n  holidays: {}\n  workdays: {}\n"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        qf_config_t *c = NULL;
        char error[ERROR_SIZE];
        int rc = s_load (inputs[i], &c, error);
        if (rc)
            printf ("    input %zu: %s\n", i, error);
        QF_CHECK_EQ_INT (rc, 0);
        QF_CHECK_EQ_INT (c->reminder_minute, 9 * 60);
        QF_CHECK_EQ_INT (c->holiday_shift, QF_SHIFT_PREVIOUS);
        QF_CHECK (c->holiday_count == 0 && c->holidays == NULL);
        QF_CHECK (c->workday_count == 0 && c->workdays == NULL);
        QF_CHECK_EQ_INT (c->holiday_years.count, 0);
        qf_config_destroy (&c);
    }
}

QF_TEST (test_calendar_values)
{
    /* Years in any order, dates in any order, quoted or not: stored sorted. */
    const char *yaml = "calendar:\n"
                       "  reminder_time: 17:30\n"
                       "  holiday_shift: next\n"
                       "  workdays:\n"
                       "    2026: [2026-10-10, '2026-09-20']\n"
                       "  holidays:\n"
                       "    2027:\n"
                       "      - 2027-01-01\n"
                       "    2025: []\n"
                       "    2026: [2026-10-02, \"2026-10-01\", 2026-01-01]\n";
    qf_config_t *c = NULL;
    char error[ERROR_SIZE];
    int rc = s_load (yaml, &c, error);
    if (rc)
        printf ("    %s\n", error);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (c->reminder_minute, 17 * 60 + 30);
    QF_CHECK_EQ_INT (c->holiday_shift, QF_SHIFT_NEXT);
    QF_CHECK_EQ_INT (c->holiday_count, 4);
    QF_CHECK_EQ_INT (c->holidays[0], s_day ("2026-01-01"));
    QF_CHECK_EQ_INT (c->holidays[1], s_day ("2026-10-01"));
    QF_CHECK_EQ_INT (c->holidays[2], s_day ("2026-10-02"));
    QF_CHECK_EQ_INT (c->holidays[3], s_day ("2027-01-01"));
    QF_CHECK_EQ_INT (c->workday_count, 2);
    QF_CHECK_EQ_INT (c->workdays[0], s_day ("2026-09-20"));
    QF_CHECK_EQ_INT (c->workdays[1], s_day ("2026-10-10"));
    /* Every year listed, sorted, an empty one too: it has its holidays (none). */
    QF_CHECK_EQ_INT (c->holiday_years.count, 3);
    QF_CHECK_EQ_INT (c->holiday_years.year[0], 2025);
    QF_CHECK_EQ_INT (c->holiday_years.year[1], 2026);
    QF_CHECK_EQ_INT (c->holiday_years.year[2], 2027);
    qf_config_destroy (&c);

    const char *times[] = {"\"00:00\"", "\"23:59\"", "09:00", "'12:05'"};
    const int minutes[] = {0, 23 * 60 + 59, 9 * 60, 12 * 60 + 5};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        char text[128];
        snprintf (text, sizeof text, "calendar:\n  reminder_time: %s\n", times[i]);
        rc = s_load (text, &c, error);
        if (rc)
            printf ("    %s\n", error);
        QF_CHECK_EQ_INT (rc, 0);
        QF_CHECK_EQ_INT (c->reminder_minute, minutes[i]);
        qf_config_destroy (&c);
    }
}

QF_TEST (test_calendar_reminder_time)
{
    struct {
        const char *value;
        const char *found;
    } bad[] = {{"\"9:00\"", "got \"9:00\""},
               {"\"24:00\"", "got \"24:00\""},
               {"\"09:60\"", "got \"09:60\""},
               {"900", "got \"900\""},
               {"9:00", "got \"9:00\""},
               {"\"09:00:00\"", "got \"09:00:00\""},
               {"\"09.00\"", "got \"09.00\""},
               {"\"\"", "got \"\""},
               {"~", "got null"},
               {"[\"09:00\"]", "got a list"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[256];
        snprintf (yaml, sizeof yaml,
                  "# reminders\ncalendar:\n  holiday_shift: next\n"
                  "  reminder_time: %s\n",
                  bad[i].value);
        QF_CHECK (s_refused (yaml, 4, "calendar.reminder_time:",
                             "expected a time of day \"HH:MM\" from 00:00 to 23:59", bad[i].found,
                             "remove the key to use the default (09:00)", NULL));
    }
    QF_CHECK (s_refused ("calendar:\n"
                         "  holiday_shift: before\n",
                         2, "calendar.holiday_shift:", "one of previous, next", "\"before\"",
                         "(previous)", NULL));
}

QF_TEST (test_calendar_dates)
{
    /* A date outside its year, named by year and index. */
    QF_CHECK (s_refused ("calendar:\n"
                         "  holidays:\n"
                         "    2026: [2026-01-01, 2026-01-02, 2026-01-03, 2027-01-01]\n",
                         3, "calendar.holidays.2026[3]:", "expected a date YYYY-MM-DD in 2026",
                         "\"2027-01-01\", which is in 2027", "move the date to the 2027 list",
                         NULL));
    QF_CHECK (s_refused ("calendar:\n"
                         "  workdays:\n"
                         "    2026:\n"
                         "      - 2026-02-14\n"
                         "      - 2025-12-27\n",
                         5, "calendar.workdays.2026[1]:", "which is in 2025", NULL));
    /* Not a real date, or not written YYYY-MM-DD. */
    const char *bad[] = {"2026-02-29",   "2026-13-01", "2026-04-31",    "2026-1-1",
                         "26-01-01",     "20260101",   "'2026-01-01 '", "2026-01-01T00:00",
                         "[2026-01-01]", "~"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[256];
        snprintf (yaml, sizeof yaml, "calendar:\n  holidays:\n    2026: [2026-01-01, %s]\n",
                  bad[i]);
        QF_CHECK (s_refused (yaml, 3,
                             "calendar.holidays.2026[1]:", "expected a date YYYY-MM-DD in 2026",
                             "write the date as YYYY-MM-DD", NULL));
    }
    /* A duplicate date, and a duplicate year. */
    QF_CHECK (s_refused ("calendar:\n"
                         "  holidays:\n"
                         "    2026: [2026-10-01, 2026-10-02, 2026-10-01]\n",
                         3, "calendar.holidays.2026[2]:", "each date once",
                         "\"2026-10-01\" again (it is also item 0)", "remove the repeated date",
                         NULL));
    QF_CHECK (s_refused ("calendar:\n"
                         "  holidays:\n"
                         "    2026: [2026-10-01]\n"
                         "    2027: [2027-01-01]\n"
                         "    2026: [2026-10-02]\n",
                         5, "calendar.holidays.2026:", "each year once", "first at line 3", NULL));
    /* Bad years. */
    const char *years[] = {"1969", "10000", "abc", "\"2026\"", "02026", "-2026", "2026.0"};
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        char yaml[256];
        snprintf (yaml, sizeof yaml, "calendar:\n  holidays:\n    %s: [2026-01-01]\n", years[i]);
        QF_CHECK (
            s_refused (yaml, 3, "calendar.holidays.", "expected a year from 1970 to 9999", NULL));
    }
    /* Wrong shapes. */
    QF_CHECK (s_refused ("calendar:\n"
                         "  holidays: [2026-01-01]\n",
                         2, "calendar.holidays:", "a mapping of at most 50 years", "got a list",
                         "the default is no dates", NULL));
    QF_CHECK (s_refused ("calendar:\n"
                         "  holidays:\n",
                         2, "calendar.holidays:", "got nothing", NULL));
    QF_CHECK (s_refused ("calendar:\n"
                         "  holidays:\n"
                         "    2026: 2026-01-01\n",
                         3, "calendar.holidays.2026:", "a list of at most 64 distinct dates",
                         "got \"2026-01-01\"", "e.g. 2026: [2026-10-01, 2026-10-02]", NULL));
    QF_CHECK (s_refused ("calendar:\n"
                         "  holidays:\n"
                         "    2027:\n",
                         3, "calendar.holidays.2027:", "got nothing", NULL));
    QF_CHECK (s_refused (
        "calendar:\n"
        "  holidayz: {}\n",
        2, "calendar.holidayz:",
                     "reminder_time, work_start, work_end, holiday_shift, holidays, workdays", NULL));

    /* Limits: 64 dates a year, 50 years. */
    char yaml[8192];
    size_t used = (size_t)snprintf (yaml, sizeof yaml, "calendar:\n  holidays:\n    2026: [");
    for (int i = 0; i < 65; i++)
        used += (size_t)snprintf (yaml + used, sizeof yaml - used, "%s2026-%02d-%02d",
                                  i ? ", " : "", 1 + i / 28, 1 + i % 28);
    snprintf (yaml + used, sizeof yaml - used, "]\n");
    QF_CHECK (s_refused (yaml, 3, "calendar.holidays.2026:", "got 65 dates", NULL));
    yaml[used - 12] = ']'; /* cut the 65th date: 64 are fine */
    yaml[used - 11] = '\n';
    yaml[used - 10] = '\0';
    qf_config_t *c = NULL;
    char error[ERROR_SIZE];
    int rc = s_load (yaml, &c, error);
    if (rc)
        printf ("    %s\n", error);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (c->holiday_count, 64);
    QF_CHECK (s_ascending (c->holidays, c->holiday_count));
    qf_config_destroy (&c);
    used = (size_t)snprintf (yaml, sizeof yaml, "calendar:\n  holidays:\n");
    for (int y = 2000; y < 2051; y++)
        used += (size_t)snprintf (yaml + used, sizeof yaml - used, "    %d: [%d-01-01]\n", y, y);
    QF_CHECK (s_refused (yaml, 3, "calendar.holidays:", "got 51 years", NULL));
}

QF_TEST (test_calendar_workdays)
{
    /* A make-up working day on a weekday changes nothing: surely a typo. */
    QF_CHECK (s_refused ("calendar:\n"
                         "  workdays:\n"
                         "    2026: [2026-10-10, 2026-10-12]\n",
                         3, "calendar.workdays.2026[1]:", "a Saturday or a Sunday",
                         "\"2026-10-12\", a Monday", NULL));
    /* A date in both lists names both places, whichever comes first. */
    QF_CHECK (s_refused ("calendar:\n"
                         "  holidays:\n"
                         "    2026: [2026-10-01, 2026-10-02, 2026-10-03]\n"
                         "  workdays:\n"
                         "    2026:\n"
                         "      - 2026-09-20\n"
                         "      - 2026-10-03\n",
                         7,
                         "calendar.workdays.2026[1]:", "expected a date not in calendar.holidays",
                         "\"2026-10-03\", which is also calendar.holidays.2026[2] (line 3)",
                         "remove it from one of the two lists", NULL));
    QF_CHECK (s_refused (
        "calendar:\n"
        "  workdays:\n"
        "    2026: [2026-10-04]\n"
        "  holidays:\n"
        "    2025: [2025-10-01]\n"
        "    2026:\n"
        "      - 2026-10-04\n",
        3, "calendar.workdays.2026[0]:", "which is also calendar.holidays.2026[0] (line 7)", NULL));
}

QF_TEST (test_reload_check)
{
    char error[ERROR_SIZE];
    qf_config_t *current = NULL, *next = NULL;
    QF_CHECK_EQ_INT (qf_config_load (QF_CONFIG_DEFAULT_PATH, &current, error, sizeof error), 0);

    /* Reloadable changes are accepted. */
    next = s_load_variant ("log_level: info", "log_level: debug", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (next->log_level, QF_LOG_DEBUG);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), 0);
    qf_config_destroy (&next);
    next = s_load_variant ("pattern: '^D1[0-9]{8}$'", "pattern: '^D1[0-9]{9}$'", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), 0);
    qf_config_destroy (&next);
    next = s_load_variant ("holiday_shift: previous", "holiday_shift: next", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (next->holiday_shift, QF_SHIFT_NEXT);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), 0);
    qf_config_destroy (&next);
    next = s_load_variant ("2027: [2027-01-01]", "2027: [2027-01-01, 2027-02-08]", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (next->holiday_count, 35);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), 0);
    qf_config_destroy (&next);

    /* Restart-only changes are refused, naming the key. */
    next = s_load_variant ("database: var/qualflow.db", "database: var/other.db", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "daemon.database:") != NULL);
    QF_CHECK (strstr (error, "restart") != NULL);
    QF_CHECK (strstr (error, "var/other.db") != NULL);
    QF_CHECK (!strchr (error, '\n'));
    qf_config_destroy (&next);

    next = s_load_variant ("durability: full", "durability: normal", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "daemon.durability:") != NULL);
    qf_config_destroy (&next);

    next = s_load_variant (
        "  - name: finance\n    topics: [qualification.review_requested, contract.review_requested",
        "  - name: finance\n    topics: [qualification.*, contract.review_requested", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "groups[1].topics:") != NULL);
    QF_CHECK (strstr (error, "restart") != NULL);
    qf_config_destroy (&next);

    next = s_load_variant ("  - name: technical\n", "  - name: technicians\n", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "\"technical\"") != NULL);
    qf_config_destroy (&next);

    /* Delivery policy reloads, also for the groups that inherit it: the
       daemon applies it to the running groups. */
    next = s_load_variant ("ack_wait_ms: 30000", "ack_wait_ms: 40000", error);
    QF_CHECK (next != NULL);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), 0);
    QF_CHECK_EQ_INT (next->groups[0].ack_wait_ms, 40000);
    qf_config_destroy (&next);
    qf_config_destroy (&current);
}

QF_TEST (test_topic_matches)
{
    QF_CHECK (
        qf_topic_matches ("qualification.review_requested", "qualification.review_requested"));
    QF_CHECK (!qf_topic_matches ("qualification.review_requested", "qualification.review"));
    QF_CHECK (!qf_topic_matches ("qualification.review", "qualification.review_requested"));
    QF_CHECK (qf_topic_matches ("qualification.*", "qualification.review_requested"));
    QF_CHECK (qf_topic_matches ("qualification.*", "qualification."));
    QF_CHECK (!qf_topic_matches ("qualification.*", "qualification"));
    QF_CHECK (!qf_topic_matches ("qualification.*", "order.created"));
    QF_CHECK (qf_topic_matches ("*", "anything.at.all"));
    QF_CHECK (qf_topic_matches ("*", ""));
    QF_CHECK (!qf_topic_matches (NULL, "a"));
    QF_CHECK (!qf_topic_matches ("a", NULL));
}

/*  The configuration reference as text (caller frees), or NULL. */
static char *
s_reference (void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    qf_config_print_reference (out);
    fclose (out);
    return text;
}

QF_TEST (test_reference)
{
    char *text = s_reference ();
    QF_CHECK (text != NULL);
    const char *keys[] = {"`daemon.database`",
                          "`daemon.command_endpoint`",
                          "`daemon.event_endpoint`",
                          "`daemon.worker_endpoint`",
                          "`daemon.durability`",
                          "`daemon.log_level`",
                          "`daemon.syslog`",
                          "`daemon.batch_max`",
                          "`daemon.heartbeat_ms`",
                          "`delivery.backoff_max_ms`",
                          "`policy.callback_intervals_days`",
                          "`policy.min_return_ratio`",
                          "`authorities[].pattern`",
                          "`categories[].scopes`",
                          "`groups[].topics`",
                          "`calendar.reminder_time`",
                          "`calendar.holiday_shift`",
                          "`calendar.holidays`",
                          "`calendar.workdays`"};
    bool ok = strncmp (text, "| Key | Type |", 14) == 0;
    for (size_t i = 0; ok && i < sizeof keys / sizeof keys[0]; i++)
        ok = strstr (text, keys[i]) != NULL;
    ok = ok &&
         strstr (text, "| `daemon.batch_max` | int | an integer from 1 to 100000 | `1000` | "
                       "yes |") &&
         strstr (text, "| `daemon.database` | string |") && strstr (text, "no (restart)") &&
         strstr (text, "one of full, normal") &&
         strstr (text, "| `calendar.reminder_time` | time | a time of day \"HH:MM\" from "
                       "00:00 to 23:59 | `09:00` | yes |") &&
         strstr (text, "| `calendar.holiday_shift` | enum | one of previous, next | "
                       "`previous` | yes |") &&
         strstr (text,
                 "| `cli.role` | name | one of admin, sales, supervisor, review, logistics, legal, "
                 "finance, technical, management, market, leader, hr, renewal, aftersales, "
                 "integration, notify | none | yes |") &&
         strstr (text, "| `calendar.holidays` | dates by year | a mapping of at most 50 years "
                       "(1970 to 9999), each to a list of at most 64 distinct dates");
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    free (text);
    QF_CHECK (ok);
    QF_CHECK (lines >= 2 + 26 + 3 + 10);
}

/*  Every numeric key at its edges: its least and most values. */
static const struct {
    const char *key;   /* as in the reference: section.key or groups[].key */
    const char *least; /* least value allowed, as written in YAML */
    const char *most;  /* most value allowed */
    const char *below; /* just below the least */
    const char *above; /* just above the most */
    bool list;         /* an int list: the value is tried as its only item */
} s_ranges[] = {
    {"daemon.batch_max", "1", "100000", "0", "100001", false},
    {"daemon.heartbeat_ms", "100", "60000", "99", "60001", false},
    {"daemon.retention_days", "0", "36500", "-1", "36501", false},
    {"daemon.idempotency_hours", "1", "87600", "0", "87601", false},
    {"daemon.batch_max_bytes", "1048576", "1073741824", "1048575", "1073741825", false},
    {"daemon.peer_queue_bytes", "4194304", "4294967296", "4194303", "4294967297", false},
    {"delivery.ack_wait_ms", "100", "86400000", "99", "86400001", false},
    {"delivery.max_deliveries", "1", "1000", "0", "1001", false},
    {"delivery.backoff_initial_ms", "1", "3600000", "0", "3600001", false},
    {"delivery.backoff_max_ms", "1", "86400000", "0", "86400001", false},
    {"delivery.window", "1", "10000", "0", "10001", false},
    {"delivery.hello_groups_max", "0", "100", "-1", "101", false},
    {"policy.onboarding_training_days", "1", "365", "0", "366", false},
    {"staff.onboarding_window_days", "1", "365", "0", "366", false},
    {"staff.training_day_hours", "1", "24", "0", "25", false},
    {"staff.yearly_training_hours", "0", "2000", "-1", "2001", false},
    {"staff.training_check_lead_days", "1", "364", "0", "365", false},
    {"policy.callback_intervals_days", "1", "3650", "0", "3651", true},
    {"policy.renewal_lead_days", "1", "3650", "0", "3651", true},
    {"policy.min_validity_for_sale_days", "0", "3650", "-1", "3651", false},
    {"policy.min_return_ratio", "0", "100", "-0.001", "100.001", false},
    {"policy.max_discount_sales", "0", "100", "-1", "101", false},
    {"policy.max_discount_supervisor", "0", "100", "-1", "101", false},
    {"policy.max_discount_management", "0", "100", "-1", "101", false},
    {"list_prices[].price", "1", "1000000000", "0.999", "1000000000.001", false},
    {"aftersales.due_days", "0", "30", "-1", "31", false},
    {"aftersales.max_attempts", "1", "10", "0", "11", false},
    {"aftersales.supervisor_after_days", "0", "30", "-1", "31", false},
    {"contract.delivery_at_risk_days", "1", "60", "0", "61", false},
    {"contract.default_processing_days", "0", "3650", "-1", "3651", false},
    {"payment_terms[].instalments", "1", "12", "0", "13", false},
    {"processing_days[].days", "0", "3650", "-1", "3651", false},
    {"qualification_prices[].price", "1", "1000000000", "0.999", "1000000000.001", false},
    {"risk.matrix", "1", "100", "0", "101", true},
    {"risk.medium_from", "1", "100", "0", "101", false},
    {"risk.high_from", "1", "100", "0", "101", false},
    {"risk.critical_from", "1", "100", "0", "101", false},
    {"risk.delivery_likelihood", "1", "5", "0", "6", false},
    {"risk.late_likelihood", "1", "5", "0", "6", false},
    {"risk.delivery_impact", "1", "5", "0", "6", false},
    {"risk.policy_likelihood", "1", "5", "0", "6", false},
    {"risk.policy_impact", "1", "5", "0", "6", false},
    {"risk.dispute_likelihood", "1", "5", "0", "6", false},
    {"risk.dispute_impact", "1", "5", "0", "6", false},
    {"risk.loss_ratio", "0", "1", "-0.001", "1.001", false},
    {"risk.review_days", "1", "365", "0", "366", false},
    {"feedback.deadline_low_days", "1", "250", "0", "251", false},
    {"feedback.deadline_normal_days", "1", "250", "0", "251", false},
    {"feedback.deadline_high_days", "1", "250", "0", "251", false},
    {"feedback.deadline_critical_days", "1", "250", "0", "251", false},
    {"feedback.response_days", "1", "30", "0", "31", false},
    {"assessment.cost_ratio", "0", "1", "-0.01", "1.01", false},
    {"assessment.weight_sales", "0", "100", "-1", "101", false},
    {"assessment.weight_profit", "0", "100", "-1", "101", false},
    {"assessment.weight_satisfaction", "0", "100", "-1", "101", false},
    {"assessment.weight_new_customers", "0", "100", "-1", "101", false},
    {"assessment.weight_growth", "0", "100", "-1", "101", false},
    {"assessment.target_sales", "1", "1000000000000", "0.5", "1000000000001", false},
    {"assessment.target_profit", "1", "1000000000000", "0.5", "1000000000001", false},
    {"assessment.target_satisfaction", "1", "5", "0.9", "5.1", false},
    {"assessment.plan_below", "0", "100", "-1", "101", false},
    {"assessment.reward_from", "0", "100", "-1", "101", false},
    {"assessment.target_new_customers", "1", "1000000", "0.5", "1000001", false},
    {"assessment.target_growth", "1", "10000", "0.5", "10001", false},
    {"feedback.open_age_days", "0", "3650", "-1", "3651", true},
    {"feedback_categories[].low_days", "1", "250", "0", "251", false},
    {"feedback_categories[].normal_days", "1", "250", "0", "251", false},
    {"feedback_categories[].high_days", "1", "250", "0", "251", false},
    {"feedback_categories[].critical_days", "1", "250", "0", "251", false},
    {"notify.retry_schedule", "0", "604800", "-1", "604801", true},
    {"notify.timeout_ms", "100", "120000", "99", "120001", false},
    {"notify.disable_after_s", "1", "31536000", "0", "31536001", false},
    {"notify.lease_ms", "1000", "600000", "999", "600001", false},
    {"notify.poll_ms", "10", "60000", "9", "60001", false},
    {"notify.concurrency", "1", "1000", "0", "1001", false},
    {"notify.endpoint_concurrency", "1", "1000", "0", "1001", false},
    {"notify_endpoints[].rate_per_second", "0", "100000", "-1", "100001", false},
    {"notify.digest_max", "1", "500", "0", "501", false},
    {"notify_routes[].escalate_after_hours", "1", "2000", "0", "2001", false},
    {"notify_routes[].escalate_depth", "1", "5", "0", "6", false},
    {"groups[].ack_wait_ms", "100", "86400000", "99", "86400001", false},
    {"groups[].max_deliveries", "1", "1000", "0", "1001", false},
};

/*  The YAML setting range i's key to value. The two backoff keys are set
    apart from each other (one must not exceed the other), and a group key
    goes in a group of its own. */
static void
s_range_yaml (size_t i, const char *value, char *yaml, size_t size)
{
    const char *key = s_ranges[i].key;
    const char *dot = strchr (key, '.');
    char item[32];
    snprintf (item, sizeof item, s_ranges[i].list ? "[%s]" : "%s", value);
    if (strncmp (key, "groups[].", 9) == 0)
        snprintf (yaml, size, "groups:\n  - name: g\n    topics: [x]\n    %s: %s\n", key + 9, item);
    else if (strncmp (key, "policy.max_discount_", 20) == 0)
        /* Each at least the one before: all three at the value. */
        snprintf (yaml, size,
                  "policy:\n  max_discount_sales: %s\n  max_discount_supervisor: %s\n"
                  "  max_discount_management: %s\n",
                  item, item, item);
    else if (strcmp (key, "risk.matrix") == 0) {
        /* Exactly 25 scores, all at the value. */
        size_t used = (size_t)snprintf (yaml, size, "risk:\n  matrix: [%s", value);
        for (int n = 1; n < 25 && used < size; n++)
            used += (size_t)snprintf (yaml + used, size - used, ", %s", value);
        if (used < size)
            snprintf (yaml + used, size - used, "]\n");
    } else if (strcmp (key + strlen (key) - 5, "_from") == 0 && strncmp (key, "risk.", 5) == 0)
        /* Each at least the one before: all three at the value. */
        snprintf (yaml, size, "risk:\n  medium_from: %s\n  high_from: %s\n  critical_from: %s\n",
                  item, item, item);
    else if (strstr (key, "_prices[]."))
        snprintf (yaml, size, "%.*s:\n  - name: x\n    %s: %s\n", (int)(strchr (key, '[') - key),
                  key, strchr (key, ']') + 2, item);
    else if (strncmp (key, "payment_terms[].", 16) == 0)
        snprintf (yaml, size, "payment_terms:\n  - name: x\n    text: t\n    instalments: %s\n",
                  item);
    else if (strncmp (key, "feedback_categories[].", 22) == 0)
        snprintf (yaml, size,
                  "feedback_categories:\n  - name: x\n    kind: service\n    department: sales\n"
                  "    %s: %s\n",
                  key + 22, item);
    else if (strcmp (key, "notify.timeout_ms") == 0 || strcmp (key, "notify.lease_ms") == 0)
        /* The lease is at least the timeout: the other at its loosest. */
        snprintf (yaml, size, "notify:\n  %s: %s\n  %s\n", dot + 1, item,
                  strcmp (dot + 1, "lease_ms") == 0 ? "timeout_ms: 100" : "lease_ms: 600000");
    else if (strncmp (key, "notify_endpoints[].", 19) == 0)
        snprintf (yaml, size,
                  "notify_endpoints:\n  - name: x\n    url: http://127.0.0.1/\n"
                  "    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n    %s: %s\n",
                  key + 19, item);
    else if (strncmp (key, "notify_routes[].", 16) == 0)
        snprintf (yaml, size, "notify_routes:\n  - name: x\n    topics: [a.b]\n    %s: %s\n",
                  key + 16, item);
    else if (strncmp (key, "processing_days[].", 18) == 0)
        snprintf (yaml, size, "processing_days:\n  - name: x\n    days: %s\n", item);
    else if (strcmp (key, "assessment.plan_below") == 0 ||
             strcmp (key, "assessment.reward_from") == 0)
        /* The reward from at least the plan's bound: both at the value. */
        snprintf (yaml, size, "assessment:\n  plan_below: %s\n  reward_from: %s\n", item, item);
    else if (strncmp (key, "delivery.backoff_", 17) == 0)
        snprintf (yaml, size, "delivery:\n  %s: %s\n  %s: %s\n", dot + 1, item,
                  strcmp (dot + 1, "backoff_max_ms") == 0 ? "backoff_initial_ms" : "backoff_max_ms",
                  strcmp (dot + 1, "backoff_max_ms") == 0 ? "1" : "86400000");
    else
        snprintf (yaml, size, "%.*s:\n  %s: %s\n", (int)(dot - key), key, dot + 1, item);
}

QF_TEST (test_ranges_at_their_edges)
{
    char *text = s_reference ();
    QF_CHECK (text != NULL);
    bool ok = true;
    for (size_t i = 0; i < sizeof s_ranges / sizeof s_ranges[0]; i++) {
        /* The reference states the range this test holds the loader to. */
        char row[128], range[128];
        snprintf (row, sizeof row, "| `%s` |", s_ranges[i].key);
        snprintf (range, sizeof range, "from %s to %s", s_ranges[i].least, s_ranges[i].most);
        const char *line = strstr (text, row);
        const char *end = line ? strchr (line, '\n') : NULL;
        const char *found = line ? strstr (line, range) : NULL;
        if (!found || found > end) {
            printf ("    the reference does not give %s the range %s\n", s_ranges[i].key, range);
            ok = false;
        }
        const char *values[] = {s_ranges[i].below, s_ranges[i].least, s_ranges[i].most,
                                s_ranges[i].above};
        for (size_t v = 0; v < 4; v++) {
            char yaml[256], error[ERROR_SIZE];
            qf_config_t *c = NULL;
            s_range_yaml (i, values[v], yaml, sizeof yaml);
            int rc = s_load (yaml, &c, error);
            bool inside = v == 1 || v == 2;
            if (inside ? rc != 0 : rc != QF_EINVAL || !strstr (error, range)) {
                printf ("    %s: %s %s: rc %d: %s\n", s_ranges[i].key, values[v],
                        inside ? "refused" : "not refused naming its range", rc, error);
                ok = false;
            }
            qf_config_destroy (&c);
        }
    }
    /* Every numeric key of the reference has its edges above. */
    for (const char *p = text; (p = strstr (p, "\n| `")) != NULL; p++) {
        const char *type = strstr (p + 4, "` | ");
        if (!type || (strncmp (type + 4, "int", 3) != 0 && strncmp (type + 4, "double", 6) != 0))
            continue;
        bool listed = false;
        for (size_t i = 0; !listed && i < sizeof s_ranges / sizeof s_ranges[0]; i++)
            listed = strlen (s_ranges[i].key) == (size_t)(type - (p + 4)) &&
                     strncmp (s_ranges[i].key, p + 4, strlen (s_ranges[i].key)) == 0;
        if (!listed) {
            printf ("    %.*s has no edges in s_ranges\n", (int)(type - (p + 4)), p + 4);
            ok = false;
        }
    }
    free (text);
    QF_CHECK (ok);
}

/*  Loads text; anything but success must be QF_EINVAL with a one-line
    message naming the file. Returns false on a broken contract. */
static bool
s_loads_cleanly (const char *text, size_t length)
{
    char path[PATH_SIZE], error[ERROR_SIZE];
    qf_config_t *c = NULL;
    int rc = s_load_bytes (text, length, &c, path, error);
    bool ok = rc == 0 ? c != NULL
                      : rc == QF_EINVAL && c == NULL && strncmp (error, path, strlen (path)) == 0 &&
                            !strchr (error, '\n');
    if (!ok)
        printf ("    rc %d on %zu bytes: %s\n", rc, length, error);
    qf_config_destroy (&c);
    return ok;
}

QF_TEST (test_damaged_files)
{
    FILE *file = fopen (QF_CONFIG_DEFAULT_PATH, "rb");
    QF_CHECK (file != NULL);
    static char text[65536];
    size_t length = fread (text, 1, sizeof text, file);
    fclose (file);
    QF_CHECK (length > 0 && length < sizeof text);
    /* A file cut short anywhere: about 1,500 prefixes, spread over the
       whole file with an odd stride so that cuts land at every column of
       its lines (each load reads the file up to the cut: the count, not
       the file's growth, bounds the test's time). */
    size_t cut_step = length / 1500 | 1;
    for (size_t n = 0; n <= length; n += cut_step)
        QF_CHECK (s_loads_cleanly (text, n));
    QF_CHECK (s_loads_cleanly (text, length));
    /* Single bytes overwritten with YAML's special characters and junk, at
       about 300 places spread the same way. */
    const char damage[] = ":-[]{}\"'*&!|>#\t\n\xff\x01 %@`,?";
    static char copy[65536];
    size_t damage_step = length / 300 | 1;
    for (size_t at = 0; at < length; at += damage_step) {
        for (size_t d = 0; d < sizeof damage - 1; d++) {
            memcpy (copy, text, length);
            copy[at] = damage[d];
            QF_CHECK (s_loads_cleanly (copy, length));
        }
    }
    /* Aliases pointing back at their own parent. */
    const char *loops[] = {"daemon: &d\n  batch_max: *d\n",
                           "policy:\n  review_departments: &l [a, *l]\n",
                           "groups: &g\n  - name: a\n    topics: *g\n", "&top\ndaemon: *top\n"};
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++)
        QF_CHECK (s_loads_cleanly (loops[i], strlen (loops[i])));
}

/*  A module's keys live in its own struct (its configuration part), read
    back through qf_config_part(), and may share a mapping with the
    engine's: policy: holds the engine's time zone, the qualification
    module's §4.2 keys and the renewal module's lead days. */
QF_TEST (test_module_parts)
{
    char error[ERROR_SIZE];
    qf_config_t *c = NULL;
    QF_CHECK (qf_config_has_part (&qf_qualification_config_part));
    QF_CHECK (qf_config_has_part (&qf_renewal_config_part));
    QF_CHECK_EQ_INT (s_load ("policy:\n"
                             "  timezone: \"+08:00\"\n"
                             "  renewal_lead_days: [10, 5]\n"
                             "  review_departments: [legal]\n"
                             "  min_return_ratio: 2.5\n",
                             &c, error),
                     0);
    QF_CHECK (c != NULL);
    if (!c)
        return;
    QF_CHECK_EQ_INT (c->utc_offset_minutes, 480);
    const qf_renewal_config_t *renewal = qf_config_part (c, &qf_renewal_config_part);
    QF_CHECK (renewal == qf_renewal_config (c));
    QF_CHECK_EQ_INT (renewal->renewal_lead_count, 2);
    QF_CHECK_EQ_INT (renewal->renewal_lead_days[1], 5);
    const qf_qualification_config_t *qual = qf_qualification_config (c);
    QF_CHECK ((const void *)qual != (const void *)renewal);
    QF_CHECK_EQ_INT (qual->review_department_count, 1);
    QF_CHECK_STR (qual->review_departments[0], "legal");
    QF_CHECK (qual->min_return_ratio == 2.5);
    QF_CHECK_EQ_INT (qual->min_validity_for_sale_days, 180); /* a part's default */
    /* A part not linked into this program has no settings here. */
    static const qf_section_t none[] = {{.name = NULL}};
    static const qf_config_part_t stranger = {.module = "stranger", .sections = none, .size = 8};
    QF_CHECK (!qf_config_has_part (&stranger));
    QF_CHECK (qf_config_part (c, &stranger) == NULL);
    QF_CHECK (qf_config_part (NULL, &qf_renewal_config_part) == NULL);
    qf_config_destroy (&c);

    /* One policy: mapping for all its tables: an unknown key names the
       keys of every table, a key given twice is refused across them, and
       a part's rule (descending lead days) is checked like the engine's. */
    QF_CHECK (s_refused ("policy:\n"
                         "  renewal_lead_dayz: [1]\n",
                         2, "policy.renewal_lead_dayz:", "timezone", "renewal_lead_days",
                         "review_departments", "min_return_ratio", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  renewal_lead_days: [10]\n"
                         "  timezone: UTC\n"
                         "  renewal_lead_days: [20]\n",
                         4, "policy.renewal_lead_days:", "first at line 2", NULL));
    QF_CHECK (s_refused ("policy:\n"
                         "  renewal_lead_days: [5, 10]\n",
                         2, "policy.renewal_lead_days", "decreasing", NULL));

    /* The reload check reads a part's keys from each side's own struct. */
    qf_config_t *current = NULL, *next = NULL;
    QF_CHECK_EQ_INT (s_load ("policy: {renewal_lead_days: [30]}\n", &current, error), 0);
    QF_CHECK_EQ_INT (s_load ("policy: {renewal_lead_days: [60, 30]}\n", &next, error), 0);
    QF_CHECK_EQ_INT (qf_config_reload_check (current, next, error, sizeof error), 0);
    QF_CHECK_EQ_INT (qf_renewal_config (current)->renewal_lead_count, 1);
    QF_CHECK_EQ_INT (qf_renewal_config (next)->renewal_lead_count, 2);
    qf_config_destroy (&next);
    qf_config_destroy (&current);
}

QF_TEST (test_destroy_is_safe)
{
    qf_config_destroy (NULL);
    qf_config_t *c = NULL;
    qf_config_destroy (&c);
    char error[ERROR_SIZE];
    QF_CHECK_EQ_INT (qf_config_load (QF_CONFIG_DEFAULT_PATH, &c, error, sizeof error), 0);
    qf_config_destroy (&c);
    QF_CHECK (c == NULL);
    qf_config_destroy (&c);
    QF_CHECK (qf_config_group (NULL, "legal") == NULL);
    QF_CHECK (qf_qualification_authority (NULL, "x") == NULL);
    QF_CHECK (qf_qualification_category (NULL, "x") == NULL);
}

int
main (void)
{
    s_test_suite = "config";
    QF_RUN (test_shipped_file_loads);
    QF_RUN (test_empty_file_gives_defaults);
    QF_RUN (test_values_are_read);
    QF_RUN (test_error_message_form);
    QF_RUN (test_file_errors);
    QF_RUN (test_syntax_errors);
    QF_RUN (test_top_level_not_mapping);
    QF_RUN (test_unknown_keys);
    QF_RUN (test_wrong_types);
    QF_RUN (test_integers);
    QF_RUN (test_booleans_and_doubles);
    QF_RUN (test_duplicate_keys);
    QF_RUN (test_enums);
    QF_RUN (test_cli_role);
    QF_RUN (test_strings_and_endpoints);
    QF_RUN (test_timezones);
    QF_RUN (test_regex);
    QF_RUN (test_regex_cost);
    QF_RUN (test_pattern_check);
    QF_RUN (test_duplicate_names);
    QF_RUN (test_list_rules);
    QF_RUN (test_invalid_utf8);
    QF_RUN (test_cross_key_checks);
    QF_RUN (test_group_defaults);
    QF_RUN (test_calendar_defaults);
    QF_RUN (test_calendar_values);
    QF_RUN (test_calendar_reminder_time);
    QF_RUN (test_calendar_dates);
    QF_RUN (test_calendar_workdays);
    QF_RUN (test_reload_check);
    QF_RUN (test_topic_matches);
    QF_RUN (test_reference);
    QF_RUN (test_ranges_at_their_edges);
    QF_RUN (test_damaged_files);
    QF_RUN (test_module_parts);
    QF_RUN (test_destroy_is_safe);
    return qf_test_done ();
}
