/*  qualflowd — the qualflow daemon. A thin main: options, configuration,
    then the server loop (daemon/qf_server.c). */
#include "qf.h"
#include "qf_calendar.h"
#include "qf_commands.h"
#include "qf_config.h"
#include "qf_server.h"
#include "qf_store.h"

#include <czmq.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: qualflowd [-c FILE] [-v]\n"
             "       qualflowd --check-config FILE\n"
             "       qualflowd --config-reference\n"
             "       qualflowd --command-reference\n"
             "\n"
             "  -c, --config FILE     configuration (default: $QUALFLOW_CONFIG or %s)\n"
             "  -v, --verbose         log at debug level, whatever the configuration says\n"
             "  --check-config FILE   validate FILE, print the result, exit 0 (valid) or 1\n"
             "  --config-reference    print every configuration key as a Markdown table\n"
             "  --command-reference   print every command (PROTOCOL.md section 5.1) in Markdown\n"
             "  --version             print the version\n"
             "\n"
             "Signals: SIGINT/SIGTERM stop after committing the batch in hand;\n"
             "SIGHUP reloads the reloadable configuration values.\n"
             "\n"
             "Exit status: 0 after a stop, 1 when it cannot start or the loop fails,\n"
             "3 when the disk failed to make a commit durable (restart it).\n",
             QF_CONFIG_DEFAULT_PATH);
}

int
main (int argc, char **argv)
{
    const char *path = getenv ("QUALFLOW_CONFIG");
    if (!path || !*path)
        path = QF_CONFIG_DEFAULT_PATH;
    const char *check = NULL;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if ((strcmp (arg, "-c") == 0 || strcmp (arg, "--config") == 0) && i + 1 < argc)
            path = argv[++i];
        else if (strcmp (arg, "--check-config") == 0 && i + 1 < argc)
            check = argv[++i];
        else if (strcmp (arg, "-v") == 0 || strcmp (arg, "--verbose") == 0)
            verbose = true;
        else if (strcmp (arg, "--config-reference") == 0) {
            qf_config_print_reference (stdout);
            return 0;
        } else if (strcmp (arg, "--command-reference") == 0) {
            qf_commands_print_reference (stdout);
            return 0;
        } else if (strcmp (arg, "--version") == 0) {
            printf ("qualflowd %s (protocol %s, schema %d)\n", QF_VERSION, QF_PROTOCOL,
                    qf_store_schema_version ());
            return 0;
        } else if (strcmp (arg, "-h") == 0 || strcmp (arg, "--help") == 0) {
            s_usage (stdout);
            return 0;
        } else {
            fprintf (stderr, "qualflowd: unknown or incomplete option \"%s\"\n", arg);
            s_usage (stderr);
            return 2;
        }
    }
    char error[1024];
    qf_config_t *config = NULL;
    if (check) {
        if (qf_config_load (check, &config, error, sizeof error)) {
            fprintf (stderr, "%s\n", error);
            return 1;
        }
        printf ("%s: configuration is valid\n", check);
        /* Valid, yet a year without holidays places reminders on them. */
        char coverage[1024];
        bool missing = qf_calendar_coverage (config, qf_calendar_today (config, qf_time_now_ms ()),
                                             coverage, sizeof coverage);
        printf ("%s: %s%s\n", check, missing ? "warning: " : "", coverage);
        qf_config_destroy (&config);
        return 0;
    }
    if (qf_config_load (path, &config, error, sizeof error)) {
        fprintf (stderr, "qualflowd: %s\n", error);
        return 1;
    }
    qf_log_init ("qualflowd", verbose ? QF_LOG_DEBUG : (qf_log_level_t)config->log_level,
                 config->syslog);
    qf_server_install_signals ();
    /* libzmq's I/O thread as SCHED_BATCH: a message the loop hands it then
       does not preempt the loop on a core they share; it is sent when the
       loop waits (or at the scheduler's next tick), together with the
       others of the batch, instead of one context switch each. Set before
       the first socket starts the thread. */
    zsys_set_thread_sched_policy (SCHED_BATCH);
    qf_server_t *server = qf_server_new (&config, error, sizeof error);
    if (!server) {
        qf_error ("cannot start: %s", error);
        zsys_shutdown ();
        return 1;
    }
    int rc = qf_server_run (server);
    qf_server_destroy (&server);
    zsys_shutdown ();
    qf_log_flush (true); /* no count of repeated messages is lost */
    qf_info ("qualflowd stopped cleanly");
    return rc == 0 ? 0 : 1;
}
