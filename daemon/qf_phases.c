/*  qf_phases — where the daemon's loop spends each batch's time (qf_phases.h). */
#include "qf_phases.h"
#include "qf_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _qf_phases_t {
    qf_batch_time_t *ring; /* the newest batches, QF_PHASES_WINDOW of them (owned) */
    size_t next;           /* where the next batch goes */
    size_t count;          /* batches held, up to QF_PHASES_WINDOW */
    qf_request_time_t *requests; /* the newest commands, QF_PHASES_WINDOW of them (owned) */
    size_t request_next, request_count;
};

// clang-format off
static const char *const s_names[QF_PHASE_COUNT] = {
    "timers", "receive", "execute", "commit", "reply", "publish", "deliver", "checkpoint",
};
// clang-format on

const char *
qf_phase_name (qf_phase_t phase)
{
    return phase < QF_PHASE_COUNT ? s_names[phase] : "?";
}

qf_phases_t *
qf_phases_new (void)
{
    qf_phases_t *self = calloc (1, sizeof *self);
    if (self) {
        self->ring = calloc (QF_PHASES_WINDOW, sizeof *self->ring);
        self->requests = calloc (QF_PHASES_WINDOW, sizeof *self->requests);
    }
    if (!self || !self->ring || !self->requests) {
        if (self)
            free (self->ring);
        free (self);
        return NULL;
    }
    return self;
}

void
qf_phases_destroy (qf_phases_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->ring);
    free ((*self_p)->requests);
    free (*self_p);
    *self_p = NULL;
}

static int64_t
s_total (const qf_batch_time_t *batch)
{
    int64_t total = 0;
    for (int p = 0; p < QF_PHASE_COUNT; p++)
        total += batch->ns[p];
    return total;
}

int64_t
qf_phases_add (qf_phases_t *self, const qf_batch_time_t *batch)
{
    int64_t total = s_total (batch);
    if (batch->messages == 0 && total < 1000)
        return total;
    self->ring[self->next] = *batch;
    self->next = (self->next + 1) % QF_PHASES_WINDOW;
    if (self->count < QF_PHASES_WINDOW)
        self->count++;
    return total;
}

void
qf_phases_request (qf_phases_t *self, const qf_request_time_t *request)
{
    self->requests[self->request_next] = *request;
    self->request_next = (self->request_next + 1) % QF_PHASES_WINDOW;
    if (self->request_count < QF_PHASES_WINDOW)
        self->request_count++;
}

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double
s_ms (int64_t ns)
{
    return (double)(ns / 1000) / 1000.0;
}

json_t *
qf_phases_spread (int64_t *values, size_t count)
{
    if (count == 0)
        return json_pack ("{s:f, s:f, s:f}", "p50", 0.0, "p99", 0.0, "max", 0.0);
    qsort (values, count, sizeof *values, s_cmp);
    return json_pack ("{s:f, s:f, s:f}", "p50", s_ms (values[count / 2]), "p99",
                      s_ms (values[count * 99 / 100]), "max", s_ms (values[count - 1]));
}

static json_t *
s_batch (const qf_batch_time_t *batch)
{
    json_t *object = json_object ();
    for (int p = 0; p < QF_PHASE_COUNT; p++)
        json_object_set_new (object, s_names[p], json_real (s_ms (batch->ns[p])));
    json_object_set_new (object, "total", json_real (s_ms (s_total (batch))));
    json_object_set_new (object, "messages", json_integer (batch->messages));
    return object;
}

/* Orders indexes of the ring by their batch's total time. */
typedef struct {
    int64_t total;
    size_t index;
} ranked_t;

static int
s_cmp_ranked (const void *a, const void *b)
{
    return s_cmp (&((const ranked_t *)a)->total, &((const ranked_t *)b)->total);
}

static int64_t
s_request_total (const qf_request_time_t *request)
{
    return request->batch_ns + request->commit_ns + request->reply_ns;
}

static json_t *
s_request (const qf_request_time_t *request)
{
    return json_pack ("{s:f, s:f, s:f, s:f}", "batch", s_ms (request->batch_ns), "commit",
                      s_ms (request->commit_ns), "reply", s_ms (request->reply_ns), "total",
                      s_ms (s_request_total (request)));
}

/* The commands' part of the status: their spread, and the phases of the
   command at the 99th percentile and of the slowest. */
static json_t *
s_requests_status (qf_phases_t *self, ranked_t *ranked, int64_t *values)
{
    size_t n = self->request_count;
    json_t *status = json_pack ("{s:I}", "count", (json_int_t)n);
    if (n == 0)
        return status;
    for (size_t i = 0; i < n; i++) {
        ranked[i].total = s_request_total (&self->requests[i]);
        ranked[i].index = i;
        values[i] = ranked[i].total;
    }
    json_object_set_new (status, "total_ms", qf_phases_spread (values, n));
    qsort (ranked, n, sizeof *ranked, s_cmp_ranked);
    json_object_set_new (status, "p99_request",
                         s_request (&self->requests[ranked[n * 99 / 100].index]));
    json_object_set_new (status, "slowest_request",
                         s_request (&self->requests[ranked[n - 1].index]));
    return status;
}

json_t *
qf_phases_status (qf_phases_t *self)
{
    json_t *status = json_pack ("{s:I}", "batches", (json_int_t)self->count);
    if (self->count == 0)
        return status;
    /* Both rings hold at most QF_PHASES_WINDOW entries. */
    int64_t *values = malloc (QF_PHASES_WINDOW * sizeof *values);
    ranked_t *ranked = malloc (QF_PHASES_WINDOW * sizeof *ranked);
    if (!values || !ranked) {
        free (values);
        free (ranked);
        return status;
    }
    int64_t first = INT64_MAX, last = 0;
    for (size_t i = 0; i < self->count; i++) {
        const qf_batch_time_t *batch = &self->ring[i];
        first = batch->start_ns < first ? batch->start_ns : first;
        last = batch->start_ns > last ? batch->start_ns : last;
    }
    json_object_set_new (status, "window_s", json_real (s_ms (last - first) / 1000.0));
    json_t *phases = json_object ();
    for (int p = 0; p < QF_PHASE_COUNT; p++) {
        for (size_t i = 0; i < self->count; i++)
            values[i] = self->ring[i].ns[p];
        json_object_set_new (phases, s_names[p], qf_phases_spread (values, self->count));
    }
    json_object_set_new (status, "phases_ms", phases);
    for (size_t i = 0; i < self->count; i++) {
        ranked[i].total = s_total (&self->ring[i]);
        ranked[i].index = i;
        values[i] = ranked[i].total;
    }
    json_object_set_new (status, "total_ms", qf_phases_spread (values, self->count));
    qsort (ranked, self->count, sizeof *ranked, s_cmp_ranked);
    json_object_set_new (status, "p99_batch",
                         s_batch (&self->ring[ranked[self->count * 99 / 100].index]));
    json_object_set_new (status, "slowest_batch",
                         s_batch (&self->ring[ranked[self->count - 1].index]));
    json_object_set_new (status, "requests", s_requests_status (self, ranked, values));
    free (values);
    free (ranked);
    return status;
}

void
qf_phases_describe (const qf_batch_time_t *batch, char *text, size_t size)
{
    bool used[QF_PHASE_COUNT] = {false};
    size_t at = 0;
    text[0] = '\0';
    for (int n = 0; n < QF_PHASE_COUNT; n++) {
        int largest = -1;
        for (int p = 0; p < QF_PHASE_COUNT; p++)
            if (!used[p] && (largest < 0 || batch->ns[p] > batch->ns[largest]))
                largest = p;
        used[largest] = true;
        if (batch->ns[largest] < 50000)
            break;
        int wrote = snprintf (text + at, size - at, "%s%s %.2f ms", at ? ", " : "",
                              s_names[largest], batch->ns[largest] / 1e6);
        if (wrote < 0 || (size_t)wrote >= size - at) {
            text[at] = '\0'; /* whole phases only */
            break;
        }
        at += (size_t)wrote;
    }
}
