/*  feedback_report — the feedback report and the departments' digests
    (feedback_report.h). */
#include "feedback/feedback_report.h"
#include "feedback/feedback_config.h"
#include "feedback/feedback_store.h"
#include "qf.h"
#include "qf_calendar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_PER_HOUR 3600000.0

/* Periods ------------------------------------------------------------------ */

/* The day number of the first day of month `month` (1-12, may run over
   into the next years) of `year`. */
static int32_t
s_month_start (int year, int month)
{
    year += (month - 1) / 12;
    month = (month - 1) % 12 + 1;
    char text[32];
    snprintf (text, sizeof text, "%04d-%02d-01", year, month);
    int32_t day = 0;
    qf_date_parse (text, &day);
    return day;
}

int
qf_feedback_month (int32_t day)
{
    char text[16];
    qf_date_format (day, text, sizeof text);
    return atoi (text) * 100 + atoi (text + 5);
}

/* Fills the period of months first_month .. first_month + months - 1 of
   `year`. */
static void
s_months (qf_feedback_period_t *period, int year, int first_month, int months)
{
    period->first_day = s_month_start (year, first_month);
    period->last_day = s_month_start (year, first_month + months) - 1;
    period->m1 = year * 100 + first_month;
    period->m2 = year * 100 + first_month + months - 1;
}

int
qf_feedback_period_parse (const char *text, qf_feedback_period_t *period)
{
    memset (period, 0, sizeof *period);
    size_t length = text ? strlen (text) : 0;
    if (length < 4 || length > 7 || strspn (text, "0123456789") < 4)
        return QF_EINVAL;
    int year =
        (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    if (year < 1970)
        return QF_EINVAL;
    if (length == 4)
        s_months (period, year, 1, 12);
    else if (length == 6 && text[4] == 'Q' && text[5] >= '1' && text[5] <= '4')
        s_months (period, year, (text[5] - '1') * 3 + 1, 3);
    else if (length == 7 && text[4] == '-' && strspn (text + 5, "0123456789") == 2) {
        int month = (text[5] - '0') * 10 + (text[6] - '0');
        if (month < 1 || month > 12)
            return QF_EINVAL;
        s_months (period, year, month, 1);
    } else
        return QF_EINVAL;
    snprintf (period->name, sizeof period->name, "%s", text);
    return 0;
}

void
qf_feedback_period_of (int kind, int32_t day, qf_feedback_period_t *period)
{
    int month = qf_feedback_month (day);
    int year = month / 100;
    month %= 100;
    memset (period, 0, sizeof *period);
    if (kind == QF_DIGEST_YEAR) {
        s_months (period, year, 1, 12);
        snprintf (period->name, sizeof period->name, "%04d", year);
    } else if (kind == QF_DIGEST_QUARTER) {
        s_months (period, year, (month - 1) / 3 * 3 + 1, 3);
        snprintf (period->name, sizeof period->name, "%04dQ%d", year, (month - 1) / 3 + 1);
    } else {
        s_months (period, year, month, 1);
        snprintf (period->name, sizeof period->name, "%04d-%02d", year, month);
    }
}

/* Figures ------------------------------------------------------------------- */

/* A growing list of times, and how many were on time. */
typedef struct {
    int64_t *ms;
    size_t count, size;
    int64_t on_time;
    const char *department; /* only these; NULL: all */
    bool failed;
} s_times_t;

static int
s_time (void *arg, int64_t ms, bool on_time, const char *department)
{
    s_times_t *self = arg;
    if (self->department && strcmp (self->department, department) != 0)
        return 0;
    if (self->count == self->size) {
        size_t size = self->size ? self->size * 2 : 1024;
        int64_t *grown = realloc (self->ms, size * sizeof *grown);
        if (!grown)
            return QF_ENOMEM;
        self->ms = grown, self->size = size;
    }
    self->ms[self->count++] = ms;
    self->on_time += on_time;
    return 0;
}

static int
s_compare (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Hours to two decimals. */
static double
s_hours (double ms)
{
    return round (ms / MS_PER_HOUR * 100) / 100;
}

/* A share to three decimals (0 when there is nothing to share). */
static double
s_share (int64_t part, int64_t whole)
{
    return whole ? round ((double)part / (double)whole * 1000) / 1000 : 0;
}

/* {count, median_hours, p90_hours, on_time, on_time_share}; the medians
   null when there are none. */
static json_t *
s_times_json (s_times_t *self)
{
    json_t *median = json_null (), *p90 = json_null ();
    if (self->count) {
        qsort (self->ms, self->count, sizeof *self->ms, s_compare);
        size_t n = self->count;
        double middle = n % 2 ? (double)self->ms[n / 2]
                              : ((double)self->ms[n / 2 - 1] + (double)self->ms[n / 2]) / 2;
        size_t rank = (n * 9 + 9) / 10; /* ceil (0.9 n), 1-based */
        median = json_real (s_hours (middle));
        p90 = json_real (s_hours ((double)self->ms[rank - 1]));
    }
    return json_pack ("{s:I, s:o, s:o, s:I, s:f}", "count", (json_int_t)self->count, "median_hours",
                      median, "p90_hours", p90, "on_time", (json_int_t)self->on_time,
                      "on_time_share", s_share (self->on_time, (int64_t)self->count));
}

/* Satisfaction: the period's sums by dimension. */
typedef struct {
    json_t *by_salesperson, *by_category, *by_month;
    int64_t count, total, scores[5];
} s_satisfaction_t;

/* The average of `total` over `count` to two decimals, null for none. */
static json_t *
s_average (int64_t total, int64_t count)
{
    return count ? json_real (round ((double)total / (double)count * 100) / 100) : json_null ();
}

static int
s_satisfaction (void *arg, const char *dimension, const char *key, int64_t count, int64_t total,
                const int64_t *scores)
{
    s_satisfaction_t *self = arg;
    json_t *list = NULL;
    const char *name = NULL;
    if (strcmp (dimension, "salesperson") == 0)
        list = self->by_salesperson, name = "salesperson";
    else if (strcmp (dimension, "category") == 0)
        list = self->by_category, name = "category";
    else if (strcmp (dimension, "month") == 0) {
        list = self->by_month, name = "month";
        self->count += count, self->total += total;
        for (int i = 0; i < 5; i++)
            self->scores[i] += scores[i];
    }
    if (!list)
        return 0;
    json_t *row =
        json_pack ("{s:s, s:I, s:o, s:I, s:[I,I,I,I,I]}", name, key, "callbacks", (json_int_t)count,
                   "average", s_average (total, count), "low", (json_int_t)(scores[0] + scores[1]),
                   "scores", (json_int_t)scores[0], (json_int_t)scores[1], (json_int_t)scores[2],
                   (json_int_t)scores[3], (json_int_t)scores[4]);
    return json_array_append_new (list, row) ? QF_ENOMEM : 0;
}

/* Categories: the period's cases opened by category (summed over the
   severities). */
typedef struct {
    json_t *categories; /* [{category, kind, department, cases, overdue, by_severity}] */
    int64_t opened, technical, service, overdue;
    const char *department;
} s_counts_t;

static int
s_count (void *arg, const char *category, const char *kind, const char *department,
         const char *severity, int64_t opened, int64_t overdue)
{
    s_counts_t *self = arg;
    if (self->department && strcmp (self->department, department) != 0)
        return 0;
    self->opened += opened;
    self->overdue += overdue;
    if (strcmp (kind, "technical") == 0)
        self->technical += opened;
    else
        self->service += opened;
    size_t n = json_array_size (self->categories);
    json_t *last = n ? json_array_get (self->categories, n - 1) : NULL;
    if (!last || strcmp (json_string_value (json_object_get (last, "category")), category) != 0) {
        last = json_pack ("{s:s, s:s, s:s, s:I, s:I, s:{}}", "category", category, "kind", kind,
                          "department", department, "cases", (json_int_t)0, "overdue",
                          (json_int_t)0, "by_severity");
        if (!last || json_array_append_new (self->categories, last))
            return QF_ENOMEM;
    }
    json_object_set_new (
        last, "cases",
        json_integer (json_integer_value (json_object_get (last, "cases")) + opened));
    json_object_set_new (
        last, "overdue",
        json_integer (json_integer_value (json_object_get (last, "overdue")) + overdue));
    json_object_set_new (json_object_get (last, "by_severity"), severity, json_integer (opened));
    return 0;
}

/* Most cases first, then by name. */
static int
s_by_cases (const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t cx = json_integer_value (json_object_get (x, "cases"));
    json_int_t cy = json_integer_value (json_object_get (y, "cases"));
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp (json_string_value (json_object_get (x, "category")),
                   json_string_value (json_object_get (y, "category")));
}

/* The array sorted by s_by_cases (a new one). */
static json_t *
s_sorted (json_t *array)
{
    size_t n = json_array_size (array);
    json_t **items = calloc (n ? n : 1, sizeof *items);
    json_t *sorted = json_array ();
    if (!items || !sorted) {
        free (items);
        json_decref (sorted);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get (array, i);
    qsort (items, n, sizeof *items, s_by_cases);
    for (size_t i = 0; i < n; i++)
        json_array_append (sorted, items[i]);
    free (items);
    return sorted;
}

/* Open cases as of a day, by their age in working days. */
typedef struct {
    const qf_config_t *config;
    int32_t as_of, first; /* the day, and the first day `working` covers */
    int32_t *working;     /* working[d - first]: working days in (first, d] */
    size_t span;
    int64_t total, overdue;
    int64_t buckets[QF_CONFIG_LIST_MAX + 1];
    const char *department;
} s_open_t;

/* Working days after `day` up to and including the as-of day. */
static int32_t
s_age (s_open_t *self, int32_t day)
{
    if (day >= self->as_of)
        return 0;
    if (day < self->first) { /* older than the table: count it out */
        int32_t count = 0;
        for (int32_t d = day + 1; d <= self->first; d++)
            count += qf_calendar_is_working_day (self->config, d);
        return count + self->working[self->as_of - self->first];
    }
    return self->working[self->as_of - self->first] - self->working[day - self->first];
}

static int
s_open (void *arg, int32_t day, bool overdue, const char *department)
{
    s_open_t *self = arg;
    if (self->department && strcmp (self->department, department) != 0)
        return 0;
    const qf_feedback_config_t *settings = qf_feedback_config (self->config);
    int32_t age = s_age (self, day);
    size_t bucket = 0;
    while (bucket < settings->age_count && age > settings->age_days[bucket])
        bucket++;
    self->buckets[bucket]++;
    self->total++;
    self->overdue += overdue;
    return 0;
}

/* The open cases as of the period's end (or now) by age. */
static int
s_open_json (qf_store_t *store, const qf_config_t *config, int64_t now,
             const qf_feedback_period_t *period, const char *department, json_t **open_p)
{
    const qf_feedback_config_t *settings = qf_feedback_config (config);
    int32_t today = qf_calendar_today (config, now);
    s_open_t open = {.config = config, .department = department};
    int64_t at = now;
    open.as_of = today;
    if (period->last_day < today) {
        open.as_of = period->last_day;
        at = qf_calendar_day_start (config, period->last_day + 1) - 1;
    }
    /* Ages up to two years are read off a table; older ones count their days. */
    open.span = 731;
    open.first = open.as_of - (int32_t)open.span + 1;
    open.working = calloc (open.span, sizeof *open.working);
    if (!open.working)
        return QF_ENOMEM;
    for (size_t i = 1; i < open.span; i++)
        open.working[i] =
            open.working[i - 1] + qf_calendar_is_working_day (config, open.first + (int32_t)i);
    int rc = qf_store_feedback_open_at (store, at, s_open, &open);
    free (open.working);
    if (rc)
        return rc;
    json_t *ages = json_array ();
    for (size_t i = 0; ages && i <= settings->age_count; i++) {
        char label[32];
        int low = i ? settings->age_days[i - 1] + 1 : 0;
        if (i == settings->age_count)
            snprintf (label, sizeof label, "%d+", low);
        else if (low == settings->age_days[i])
            snprintf (label, sizeof label, "%d", low);
        else
            snprintf (label, sizeof label, "%d-%d", low, settings->age_days[i]);
        json_array_append_new (ages, json_pack ("{s:s, s:I}", "working_days", label, "cases",
                                                (json_int_t)open.buckets[i]));
    }
    char as_of[16];
    qf_date_format (open.as_of, as_of, sizeof as_of);
    *open_p = json_pack ("{s:s, s:I, s:I, s:o}", "as_of", as_of, "cases", (json_int_t)open.total,
                         "overdue", (json_int_t)open.overdue, "by_age", ages);
    return *open_p ? 0 : QF_ENOMEM;
}

/* The report ------------------------------------------------------------------ */

int
qf_feedback_report (qf_store_t *store, const qf_config_t *config, int64_t now,
                    const qf_feedback_period_t *period, const char *department, json_t **report_p)
{
    *report_p = NULL;
    bool with_satisfaction =
        !department || strcmp (department, "sales") == 0 || strcmp (department, "supervisor") == 0;
    s_satisfaction_t sat = {json_array (), json_array (), json_array (), 0, 0, {0}};
    s_counts_t counts = {json_array (), 0, 0, 0, 0, department};
    s_times_t response = {.department = department}, resolution = {.department = department};
    json_t *open = NULL, *categories = NULL;
    int rc =
        sat.by_salesperson && sat.by_category && sat.by_month && counts.categories ? 0 : QF_ENOMEM;
    if (rc == 0 && with_satisfaction)
        rc = qf_store_feedback_satisfaction (store, period->m1, period->m2, s_satisfaction, &sat);
    if (rc == 0)
        rc = qf_store_feedback_counts (store, period->m1, period->m2, s_count, &counts);
    if (rc == 0)
        rc = qf_store_feedback_times (store, false, period->m1, period->m2, s_time, &response);
    if (rc == 0)
        rc = qf_store_feedback_times (store, true, period->m1, period->m2, s_time, &resolution);
    if (rc == 0)
        rc = s_open_json (store, config, now, period, department, &open);
    if (rc == 0 && !(categories = s_sorted (counts.categories)))
        rc = QF_ENOMEM;
    json_t *report = NULL;
    if (rc == 0) {
        char from[16], to[16];
        qf_date_format (period->first_day, from, sizeof from);
        qf_date_format (period->last_day, to, sizeof to);
        report = json_pack ("{s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o}",
                            "period", period->name, "from", from, "to", to, "cases", "received",
                            (json_int_t)counts.opened, "technical", (json_int_t)counts.technical,
                            "service", (json_int_t)counts.service, "overdue",
                            (json_int_t)counts.overdue, "closed", (json_int_t)resolution.count,
                            "response", s_times_json (&response), "resolution",
                            s_times_json (&resolution), "categories", categories, "open", open);
        categories = open = NULL;
        if (report && department)
            json_object_set_new (report, "department", json_string (department));
        if (report && with_satisfaction)
            json_object_set_new (
                report, "satisfaction",
                json_pack ("{s:I, s:o, s:I, s:[I,I,I,I,I], s:O, s:O, s:O}", "callbacks",
                           (json_int_t)sat.count, "average", s_average (sat.total, sat.count),
                           "low", (json_int_t)(sat.scores[0] + sat.scores[1]), "scores",
                           (json_int_t)sat.scores[0], (json_int_t)sat.scores[1],
                           (json_int_t)sat.scores[2], (json_int_t)sat.scores[3],
                           (json_int_t)sat.scores[4], "by_salesperson", sat.by_salesperson,
                           "by_category", sat.by_category, "by_month", sat.by_month));
        rc = report ? 0 : QF_ENOMEM;
    }
    json_decref (sat.by_salesperson);
    json_decref (sat.by_category);
    json_decref (sat.by_month);
    json_decref (counts.categories);
    json_decref (categories);
    json_decref (open);
    free (response.ms);
    free (resolution.ms);
    *report_p = report;
    return rc;
}
