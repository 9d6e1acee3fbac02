/*  sink — a benchmark worker: joins a consumer group and acknowledges every
    event with an empty result. With --latency FILE it measures, for events
    whose qualification name is "t<send time ns>", the time from the
    client's send to this delivery, and writes p50/p99 to FILE on exit.

      sink -c CONFIG --group NAME [--window N] [--latency FILE]
*/
#include "qf.h"
#include "qf_config.h"
#include "qf_worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int64_t *samples;
    size_t count, cap;
} sink_t;

static int
s_handle (qf_worker_t *worker, const qf_worker_event_t *delivery, qf_outcome_t *outcome, void *arg)
{
    (void)worker;
    (void)outcome;
    sink_t *sink = arg;
    if (sink) {
        const char *name = json_string_value (json_object_get (delivery->payload, "name"));
        if (name && name[0] == 't') {
            struct timespec ts;
            clock_gettime (CLOCK_REALTIME, &ts);
            int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
            if (sink->count == sink->cap) {
                sink->cap = sink->cap ? sink->cap * 2 : 4096;
                sink->samples = realloc (sink->samples, sink->cap * sizeof (int64_t));
            }
            sink->samples[sink->count++] = now - atoll (name + 1);
        }
    }
    return 0;
}

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
    const char *config_path = NULL, *group = NULL, *latency = NULL;
    int window = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp (argv[i], "-c") == 0)
            config_path = argv[i + 1];
        else if (strcmp (argv[i], "--group") == 0)
            group = argv[i + 1];
        else if (strcmp (argv[i], "--window") == 0)
            window = atoi (argv[i + 1]);
        else if (strcmp (argv[i], "--latency") == 0)
            latency = argv[i + 1];
    }
    char error[512];
    qf_config_t *config = NULL;
    if (!config_path || !group || qf_config_load (config_path, &config, error, sizeof error)) {
        fprintf (stderr, "usage: sink -c CONFIG --group NAME [--window N] [--latency FILE]\n");
        return 2;
    }
    qf_log_init ("sink", QF_LOG_WARN, false);
    sink_t sink = {0};
    qf_worker_t *worker = qf_worker_new (config->worker_endpoint, group, NULL, window);
    qf_worker_set_handler (worker, s_handle, latency ? &sink : NULL);
    qf_worker_run (worker);
    qf_worker_destroy (&worker);
    if (latency) {
        qsort (sink.samples, sink.count, sizeof (int64_t), s_cmp);
        FILE *file = fopen (latency, "w");
        if (file) {
            fprintf (file, "delivery_p50_ms %.3f delivery_p99_ms %.3f count %zu\n",
                     sink.count ? sink.samples[sink.count / 2] / 1e6 : 0,
                     sink.count ? sink.samples[sink.count * 99 / 100] / 1e6 : 0, sink.count);
            fclose (file);
        }
    }
    free (sink.samples);
    qf_config_destroy (&config);
    return 0;
}
