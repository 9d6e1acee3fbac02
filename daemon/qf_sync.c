/*  qf_sync — makes the loop's commits durable beside the loop; see qf_sync.h. */
#include "qf_sync.h"

#include "qf_phases.h"
#include "qf_time.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define TIMES 1024 /* newest sync durations kept for status */

struct _qf_sync_t {
    char *path;
    int wal;  /* the WAL file, opened at the first request; -1 before */
    int wake; /* eventfd: readable when a sync finished */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t asked;
    uint64_t requested; /* highest generation asked for (lock) */
    bool stop;          /* (lock) */
    _Atomic uint64_t durable;
    _Atomic int failed;
    char why[256]; /* written once, before `failed` is set */
    /* Statistics (lock). */
    uint64_t syncs, generations;
    int64_t times[TIMES];
    size_t time_count, time_next;
};

/* Marks the failure; the loop reads `why` after it sees `failed`. */
static void
s_fail (qf_sync_t *self, const char *what, int error)
{
    snprintf (self->why, sizeof self->why, "%s %s: %s", what, self->path, strerror (error));
    atomic_store (&self->failed, 1);
}

static void *
s_run (void *arg)
{
    qf_sync_t *self = arg;
    pthread_setname_np (pthread_self (), "qf-sync");
    pthread_mutex_lock (&self->lock);
    while (true) {
        while (!self->stop && self->requested <= atomic_load (&self->durable))
            pthread_cond_wait (&self->asked, &self->lock);
        if (self->requested <= atomic_load (&self->durable))
            break; /* stopping, nothing left to sync */
        uint64_t target = self->requested, before = atomic_load (&self->durable);
        pthread_mutex_unlock (&self->lock);
        int64_t start = qf_time_mono_ns ();
        if (self->wal < 0)
            self->wal = open (self->path, O_RDONLY | O_CLOEXEC);
        if (self->wal < 0)
            s_fail (self, "cannot open the WAL file", errno);
        else if (fdatasync (self->wal) != 0)
            s_fail (self, "fdatasync failed on the WAL file", errno);
        int64_t took = qf_time_mono_ns () - start;
        pthread_mutex_lock (&self->lock);
        if (atomic_load (&self->failed)) {
            uint64_t one = 1;
            (void)!write (self->wake, &one, sizeof one);
            break;
        }
        self->syncs++;
        self->generations += target - before;
        self->times[self->time_next] = took;
        self->time_next = (self->time_next + 1) % TIMES;
        if (self->time_count < TIMES)
            self->time_count++;
        atomic_store (&self->durable, target);
        pthread_cond_broadcast (&self->asked); /* qf_sync_wait */
        uint64_t one = 1;
        (void)!write (self->wake, &one, sizeof one);
    }
    pthread_cond_broadcast (&self->asked);
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

qf_sync_t *
qf_sync_new (const char *wal_path, char *error, size_t error_size)
{
    qf_sync_t *self = calloc (1, sizeof *self);
    if (!self || !(self->path = strdup (wal_path))) {
        snprintf (error, error_size, "out of memory");
        free (self);
        return NULL;
    }
    self->wal = -1;
    self->wake = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (self->wake < 0) {
        snprintf (error, error_size, "cannot make an eventfd for the WAL's sync: %s",
                  strerror (errno));
        free (self->path);
        free (self);
        return NULL;
    }
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->asked, NULL);
    int rc = pthread_create (&self->thread, NULL, s_run, self);
    if (rc) {
        snprintf (error, error_size, "cannot start the WAL's sync thread: %s", strerror (rc));
        pthread_cond_destroy (&self->asked);
        pthread_mutex_destroy (&self->lock);
        close (self->wake);
        free (self->path);
        free (self);
        return NULL;
    }
    return self;
}

void
qf_sync_destroy (qf_sync_t **self_p)
{
    qf_sync_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stop = true;
    pthread_cond_broadcast (&self->asked);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    pthread_cond_destroy (&self->asked);
    pthread_mutex_destroy (&self->lock);
    if (self->wal >= 0)
        close (self->wal);
    close (self->wake);
    free (self->path);
    free (self);
    *self_p = NULL;
}

int
qf_sync_fd (qf_sync_t *self)
{
    return self->wake;
}

void
qf_sync_request (qf_sync_t *self, uint64_t gen)
{
    pthread_mutex_lock (&self->lock);
    if (gen > self->requested) {
        self->requested = gen;
        pthread_cond_broadcast (&self->asked);
    }
    pthread_mutex_unlock (&self->lock);
}

uint64_t
qf_sync_done (qf_sync_t *self)
{
    uint64_t count;
    (void)!read (self->wake, &count, sizeof count);
    return atomic_load (&self->durable);
}

uint64_t
qf_sync_peek (qf_sync_t *self)
{
    return atomic_load (&self->durable);
}

uint64_t
qf_sync_wait (qf_sync_t *self, uint64_t gen)
{
    pthread_mutex_lock (&self->lock);
    while (atomic_load (&self->durable) < gen && !atomic_load (&self->failed) &&
           self->requested >= gen)
        pthread_cond_wait (&self->asked, &self->lock);
    pthread_mutex_unlock (&self->lock);
    return atomic_load (&self->durable);
}

int
qf_sync_failed (qf_sync_t *self, char *why, size_t why_size)
{
    if (!atomic_load (&self->failed))
        return 0;
    snprintf (why, why_size, "%s", self->why);
    return 1;
}

json_t *
qf_sync_status (qf_sync_t *self)
{
    int64_t times[TIMES];
    pthread_mutex_lock (&self->lock);
    size_t n = self->time_count;
    memcpy (times, self->times, n * sizeof *times);
    uint64_t syncs = self->syncs, generations = self->generations;
    pthread_mutex_unlock (&self->lock);
    return json_pack ("{s:I, s:f, s:o}", "syncs", (json_int_t)syncs, "generations_per_sync",
                      syncs ? (double)generations / (double)syncs : 0.0, "sync_ms",
                      qf_phases_spread (times, n));
}
