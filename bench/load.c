/*  load — a client load generator for qualflowd, speaking QFLOW/1 through
    the client library.

      load throughput ENDPOINT COUNT WINDOW
          sends COUNT qual.add commands, at most WINDOW unanswered at once;
          prints "commands N seconds S".
      load latency ENDPOINT RATE SECONDS
          sends qual.add at RATE per second (open loop) for SECONDS; prints
          "latency_p50_ms X latency_p99_ms Y count N latency_max_ms Z".
          Each command's name carries its send time (CLOCK_REALTIME ns) so
          a sink can measure delivery latency.
*/
#include "qf.h"
#include "qf_client.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t
s_ns (clockid_t clock)
{
    struct timespec ts;
    clock_gettime (clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static json_t *
s_args (const char *name)
{
    return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "cert_no", "D234000001",
                      "authority", "安徽省住房和城乡建设厅", "category", "construction-general",
                      "scope", "建筑工程施工总承包二级", "issued", "2025-01-01", "expires",
                      "2030-01-01");
}

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int
s_throughput (qf_client_t *client, long count, int window)
{
    long sent = 0, answered = 0, failed = 0;
    /* The same request every time: encoded once, as a real client of one
       kind of command would, so that the client's CPU goes to sending. */
    json_t *body =
        json_pack ("{s:s, s:s, s:o}", "role", "review", "user", "bench", "args", s_args ("bench"));
    char *encoded = json_dumps (body, JSON_COMPACT);
    json_decref (body);
    size_t size = strlen (encoded);
    int64_t start = s_ns (CLOCK_MONOTONIC);
    qf_msg_t reply = {0};
    while (answered < count) {
        while (sent < count && sent - answered < window) {
            char id[QF_ID_MAX + 1];
            if (qf_client_send_encoded (client, "qual.add", encoded, size, id))
                break;
            sent++;
        }
        if (qf_client_recv_status (client, 10000, &reply) != 0) {
            fprintf (stderr, "load: no reply within 10 s (%ld answered)\n", answered);
            return 1;
        }
        if (reply.status != 200)
            failed++;
        answered++;
        qf_msg_reset (&reply);
    }
    double secs = (s_ns (CLOCK_MONOTONIC) - start) / 1e9;
    free (encoded);
    printf ("commands %ld seconds %.3f failed %ld\n", answered, secs, failed);
    return failed ? 1 : 0;
}

static int
s_latency (qf_client_t *client, int rate, double seconds)
{
    long total = (long)(rate * seconds);
    int64_t *sent_at = calloc ((size_t)total, sizeof *sent_at);
    int64_t *lat = calloc ((size_t)total, sizeof *lat);
    long *lat_at = calloc ((size_t)total, sizeof *lat_at); /* which request each is */
    long sent = 0, answered = 0;
    int64_t start = s_ns (CLOCK_MONOTONIC);
    int64_t interval = 1000000000LL / rate;
    qf_msg_t reply = {0};
    while (answered < total) {
        int64_t now = s_ns (CLOCK_MONOTONIC);
        while (sent < total && now >= start + sent * interval) {
            char name[64];
            snprintf (name, sizeof name, "t%lld", (long long)s_ns (CLOCK_REALTIME));
            json_t *args = s_args (name);
            char id[QF_ID_MAX + 1];
            sent_at[sent] = s_ns (CLOCK_MONOTONIC);
            qf_client_send (client, "qual.add", "review", "bench", args, id);
            json_decref (args);
            sent++;
        }
        /* Until the next send is due, wait for a reply without spinning: a
           busy loop here would take the core from this process's I/O
           thread and from the sinks, and measure them instead of the
           daemon. */
        int64_t wait_ns = sent < total ? start + sent * interval - now : 5000000000LL;
        int ready = qf_client_wait_ns (client, wait_ns);
        if (ready == 1 && qf_client_recv_status (client, 0, &reply) == 0) {
            /* Request ids are "<pid>-<n>" with n counting from 1. */
            const char *dash = strrchr (reply.request_id, '-');
            long n = dash ? atol (dash + 1) - 1 : -1;
            if (n >= 0 && n < total) {
                lat_at[answered] = n;
                lat[answered++] = s_ns (CLOCK_MONOTONIC) - sent_at[n];
            }
            qf_msg_reset (&reply);
        } else if (ready == 0 && sent >= total) {
            fprintf (stderr, "load: replies missing\n");
            break;
        }
    }
    /* QF_LOAD_TRACE=FILE: each request's send time (ms from the start)
       and latency, to see when the slow ones were sent. */
    const char *trace = getenv ("QF_LOAD_TRACE");
    FILE *file = trace && *trace ? fopen (trace, "w") : NULL;
    for (long i = 0; file && i < answered; i++)
        if (lat_at[i] >= 0)
            fprintf (file, "%.3f %.3f\n", (sent_at[lat_at[i]] - start) / 1e6, lat[i] / 1e6);
    if (file)
        fclose (file);
    qsort (lat, (size_t)answered, sizeof *lat, s_cmp);
    printf ("latency_p50_ms %.3f latency_p99_ms %.3f count %ld latency_max_ms %.3f\n",
            answered ? lat[answered / 2] / 1e6 : 0, answered ? lat[answered * 99 / 100] / 1e6 : 0,
            answered, answered ? lat[answered - 1] / 1e6 : 0);
    free (sent_at);
    free (lat);
    free (lat_at);
    return answered == total ? 0 : 1;
}

int
main (int argc, char **argv)
{
    if (argc < 5) {
        fprintf (stderr, "usage: load throughput ENDPOINT COUNT WINDOW | "
                         "load latency ENDPOINT RATE SECONDS\n");
        return 2;
    }
    zsys_handler_set (NULL);
    qf_client_t *client = qf_client_new (argv[2]);
    if (!client)
        return 1;
    int rc = strcmp (argv[1], "throughput") == 0
                 ? s_throughput (client, atol (argv[3]), atoi (argv[4]))
                 : s_latency (client, atoi (argv[3]), atof (argv[4]));
    qf_client_destroy (&client);
    zsys_shutdown ();
    return rc;
}
