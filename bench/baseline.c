/*  baseline — the ceiling of this machine for qualflow's durable path, with
    raw SQLite and raw ZeroMQ only (no qualflow code):

      process A: BEGIN; insert a batch of events; record the acks received
                 since the last batch; COMMIT (synchronous=FULL, WAL);
                 then send every event of the batch to B;
      process B: acknowledges each event it receives.

    Prints "baseline_events_per_s N". Usage: baseline DIR EVENTS [BATCH]

      baseline --commits DIR COUNT
          the floor of one durable command: COUNT inserts of an event, each
          committed alone (WAL, synchronous=FULL) one millisecond apart, as
          at 1,000 commands/s; prints "commit_p50_ms X commit_p99_ms Y
          commit_max_ms Z".

      baseline --fsyncs DIR COUNT THREADS
          whether this disk serves overlapping fsyncs faster: COUNT writes
          of 32 KiB arrive one millisecond apart, each written and
          fdatasynced by one of THREADS threads (1: a write arriving during
          a sync waits for it, as a command waits for the batch in hand);
          prints "threads T fsync_p50_ms X fsync_p99_ms Y fsync_max_ms Z",
          from each write's arrival to its fdatasync's return.
*/
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
s_acker (const char *dir)
{
    char ep[512];
    void *ctx = zmq_ctx_new ();
    void *in = zmq_socket (ctx, ZMQ_PULL), *out = zmq_socket (ctx, ZMQ_PUSH);
    int hwm = 0;
    zmq_setsockopt (in, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt (out, ZMQ_SNDHWM, &hwm, sizeof hwm);
    snprintf (ep, sizeof ep, "ipc://%s/base-events.sock", dir);
    zmq_connect (in, ep);
    snprintf (ep, sizeof ep, "ipc://%s/base-acks.sock", dir);
    zmq_connect (out, ep);
    char buf[2048];
    while (1) {
        int n = zmq_recv (in, buf, sizeof buf, 0);
        if (n < 0)
            break;
        if (n == 4 && memcmp (buf, "STOP", 4) == 0)
            break;
        /* Ack with the event's sequence number: the first 8 bytes. */
        zmq_send (out, buf, 8, 0);
    }
    zmq_close (in);
    zmq_close (out);
    zmq_ctx_term (ctx);
    return 0;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int
s_commits (const char *dir, long count)
{
    char path[512];
    snprintf (path, sizeof path, "%s/commits.db", dir);
    unlink (path);
    sqlite3 *db;
    if (sqlite3_open (path, &db) != SQLITE_OK)
        return 1;
    sqlite3_exec (db,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                  "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL "
                  "UNIQUE, time INTEGER NOT NULL, payload TEXT NOT NULL);",
                  NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2 (db, "INSERT INTO events (id, time, payload) VALUES (?1, ?2, ?3)", -1, &ins,
                        NULL);
    double *took = calloc ((size_t)count, sizeof *took);
    const char *payload = "{\"name\":\"D234000001\",\"authority\":\"A\",\"scope\":\"S\"}";
    for (long i = 0; i < count; i++) {
        double start = s_now ();
        char id[40];
        snprintf (id, sizeof id, "%032lx", i);
        sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        sqlite3_bind_text (ins, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (ins, 2, i);
        sqlite3_bind_text (ins, 3, payload, -1, SQLITE_STATIC);
        sqlite3_step (ins);
        sqlite3_reset (ins);
        sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
        took[i] = (s_now () - start) * 1000;
        double rest = start + 0.001 - s_now ();
        if (rest > 0)
            usleep ((useconds_t)(rest * 1e6));
    }
    qsort (took, (size_t)count, sizeof *took, s_cmp);
    printf ("commit_p50_ms %.3f commit_p99_ms %.3f commit_max_ms %.3f\n", took[count / 2],
            took[count * 99 / 100], took[count - 1]);
    free (took);
    sqlite3_finalize (ins);
    sqlite3_close (db);
    unlink (path);
    return 0;
}

/* --fsyncs: the writes, their arrival times, then their latencies. */
#define FSYNC_WRITE 32768
#define FSYNC_SLOTS 128

typedef struct {
    int fd;
    long count;
    int64_t *arrived, *durable; /* CLOCK_MONOTONIC ns, per write */
    atomic_long posted, taken;  /* writes arrived; writes taken by a thread */
    char data[FSYNC_WRITE];
} fsyncs_t;

static int64_t
s_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *
s_fsync_thread (void *arg)
{
    fsyncs_t *f = arg;
    while (true) {
        long job = atomic_load (&f->taken);
        if (job >= f->count)
            return NULL;
        if (job >= atomic_load (&f->posted)) {
            usleep (20);
            continue;
        }
        if (!atomic_compare_exchange_weak (&f->taken, &job, job + 1))
            continue;
        if (pwrite (f->fd, f->data, FSYNC_WRITE, (off_t)(job % FSYNC_SLOTS) * FSYNC_WRITE) !=
                FSYNC_WRITE ||
            fdatasync (f->fd) != 0)
            perror ("baseline --fsyncs");
        f->durable[job] = s_ns ();
    }
}

static int
s_cmp_ns (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int
s_fsyncs (const char *dir, long count, int threads)
{
    static fsyncs_t f;
    char path[512];
    snprintf (path, sizeof path, "%s/fsyncs.dat", dir);
    f.fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f.fd < 0 || threads < 1 || threads > 16)
        return 1;
    f.count = count;
    memset (f.data, 'x', sizeof f.data);
    /* The file's blocks exist before: each fdatasync flushes data only. */
    for (int i = 0; i < FSYNC_SLOTS; i++)
        if (pwrite (f.fd, f.data, FSYNC_WRITE, (off_t)i * FSYNC_WRITE) != FSYNC_WRITE)
            return 1;
    fsync (f.fd);
    f.arrived = calloc ((size_t)count, sizeof (int64_t));
    f.durable = calloc ((size_t)count, sizeof (int64_t));
    pthread_t tids[16];
    for (int i = 0; i < threads; i++)
        pthread_create (&tids[i], NULL, s_fsync_thread, &f);
    int64_t start = s_ns ();
    for (long i = 0; i < count; i++) {
        while (s_ns () < start + i * 1000000)
            usleep (50);
        f.arrived[i] = s_ns ();
        atomic_store (&f.posted, i + 1);
    }
    for (int i = 0; i < threads; i++)
        pthread_join (tids[i], NULL);
    for (long i = 0; i < count; i++)
        f.durable[i] -= f.arrived[i];
    qsort (f.durable, (size_t)count, sizeof (int64_t), s_cmp_ns);
    printf ("threads %d fsync_p50_ms %.3f fsync_p99_ms %.3f fsync_max_ms %.3f\n", threads,
            f.durable[count / 2] / 1e6, f.durable[count * 99 / 100] / 1e6,
            f.durable[count - 1] / 1e6);
    close (f.fd);
    unlink (path);
    free (f.arrived);
    free (f.durable);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc == 5 && strcmp (argv[1], "--fsyncs") == 0)
        return s_fsyncs (argv[2], atol (argv[3]) > 0 ? atol (argv[3]) : 3000, atoi (argv[4]));
    if (argc == 4 && strcmp (argv[1], "--commits") == 0)
        return s_commits (argv[2], atol (argv[3]) > 0 ? atol (argv[3]) : 1000);
    if (argc < 3) {
        fprintf (stderr, "usage: baseline DIR EVENTS [BATCH]\n");
        return 2;
    }
    const char *dir = argv[1];
    long total = atol (argv[2]);
    int batch = argc > 3 ? atoi (argv[3]) : 1000;
    char path[512], ep[512];
    snprintf (path, sizeof path, "%s/baseline.db", dir);
    unlink (path);

    void *ctx = zmq_ctx_new ();
    void *out = zmq_socket (ctx, ZMQ_PUSH), *in = zmq_socket (ctx, ZMQ_PULL);
    int hwm = 0;
    zmq_setsockopt (out, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (in, ZMQ_RCVHWM, &hwm, sizeof hwm);
    snprintf (ep, sizeof ep, "ipc://%s/base-events.sock", dir);
    zmq_bind (out, ep);
    snprintf (ep, sizeof ep, "ipc://%s/base-acks.sock", dir);
    zmq_bind (in, ep);
    pid_t pid = fork ();
    if (pid == 0) {
        zmq_close (out);
        zmq_close (in);
        return s_acker (dir);
    }

    sqlite3 *db;
    sqlite3_open (path, &db);
    sqlite3_exec (db,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                  "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL "
                  "UNIQUE, time INTEGER NOT NULL, topic TEXT NOT NULL, subject TEXT NOT NULL, "
                  "payload TEXT NOT NULL);"
                  "CREATE TABLE position (name TEXT PRIMARY KEY, floor INTEGER NOT NULL);"
                  "INSERT INTO position VALUES ('g', 0);",
                  NULL, NULL, NULL);
    sqlite3_stmt *ins, *pos, *begin, *commit;
    sqlite3_prepare_v2 (db,
                        "INSERT INTO events (id, time, topic, subject, payload) "
                        "VALUES (?1, ?2, 'qualification.created', ?3, ?4)",
                        -1, &ins, NULL);
    sqlite3_prepare_v2 (db, "UPDATE position SET floor = ?1 WHERE name = 'g'", -1, &pos, NULL);
    sqlite3_prepare_v2 (db, "BEGIN IMMEDIATE", -1, &begin, NULL);
    sqlite3_prepare_v2 (db, "COMMIT", -1, &commit, NULL);

    const char *payload = "{\"id\":1,\"name\":\"D234000001\",\"cert_no\":\"D234000001\","
                          "\"authority\":\"A\",\"category\":\"construction-general\","
                          "\"scope\":\"S\",\"issued\":\"2025-01-01\",\"expires\":\"2030-01-01\","
                          "\"state\":\"draft\",\"round\":0}";
    size_t plen = strlen (payload);
    long produced = 0, acked = 0;
    long *seqs = malloc (sizeof (long) * batch);
    double start = s_now ();
    while (acked < total) {
        /* One transaction: the acks received so far and the next batch. */
        sqlite3_step (begin);
        sqlite3_reset (begin);
        sqlite3_bind_int64 (pos, 1, acked);
        sqlite3_step (pos);
        sqlite3_reset (pos);
        int n = 0;
        for (; n < batch && produced < total; n++, produced++) {
            char id[40], subject[40];
            snprintf (id, sizeof id, "%032lx", produced);
            snprintf (subject, sizeof subject, "qualification/%ld", produced);
            sqlite3_bind_text (ins, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int64 (ins, 2, produced);
            sqlite3_bind_text (ins, 3, subject, -1, SQLITE_STATIC);
            sqlite3_bind_text (ins, 4, payload, (int)plen, SQLITE_STATIC);
            sqlite3_step (ins);
            sqlite3_reset (ins);
            seqs[n] = (long)sqlite3_last_insert_rowid (db);
        }
        sqlite3_step (commit);
        sqlite3_reset (commit);
        /* Publish only after the commit. */
        char msg[1024];
        for (int i = 0; i < n; i++) {
            memcpy (msg, &seqs[i], 8);
            memcpy (msg + 8, payload, plen);
            zmq_send (out, msg, 8 + plen, 0);
        }
        /* Collect the acks that have arrived; wait only when nothing is left to produce. */
        char ack[16];
        while (acked < total) {
            int flags = (produced < total) ? ZMQ_DONTWAIT : 0;
            if (zmq_recv (in, ack, sizeof ack, flags) < 0)
                break;
            acked++;
        }
    }
    /* Commit the last acks, as the daemon would. */
    sqlite3_step (begin);
    sqlite3_reset (begin);
    sqlite3_bind_int64 (pos, 1, acked);
    sqlite3_step (pos);
    sqlite3_reset (pos);
    sqlite3_step (commit);
    sqlite3_reset (commit);
    double took = s_now () - start;
    zmq_send (out, "STOP", 4, 0);
    waitpid (pid, NULL, 0);
    printf ("baseline_events_per_s %.0f\n", total / took);
    sqlite3_finalize (ins);
    sqlite3_finalize (pos);
    sqlite3_finalize (begin);
    sqlite3_finalize (commit);
    sqlite3_close (db);
    free (seqs);
    zmq_close (out);
    zmq_close (in);
    zmq_ctx_term (ctx);
    unlink (path);
    return 0;
}
