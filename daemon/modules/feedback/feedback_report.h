/*  feedback_report — the analysis of feedback (§6.4): satisfaction by
    salesperson, by category of qualification and by month; the response
    and resolution times (median, p90) against the deadlines; the most
    frequent categories of problem; the cases open by age. The report
    command (report.feedback) and each department's digest
    (feedback.digest) are made here, from the aggregates and indexes of
    feedback_store.h, so neither scans callbacks or other periods' cases.

    Medians are the middle value (the mean of the two middle ones for an
    even count); p90 is the nearest rank, the value at rank ceil(0.9 n). */
#ifndef QF_FEEDBACK_REPORT_H
#define QF_FEEDBACK_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "qf_config.h"
#include "qf_store.h"

/* A period of whole months. */
typedef struct {
    char name[16];     /* "2027Q1", "2027", "2027-03" */
    int32_t first_day; /* its first day (day number) */
    int32_t last_day;  /* its last day */
    int m1, m2;        /* its first and last months, YYYYMM */
} qf_feedback_period_t;

/*  Parses a period: a quarter "2027Q1" (Q1 to Q4), a year "2027" or a
    month "2027-03" (years 1970 to 9999). 0, or QF_EINVAL. Pure. */
int qf_feedback_period_parse (const char *text, qf_feedback_period_t *period);

/*  The month (0), quarter (1) or year (2) that holds `day`. Pure. */
void qf_feedback_period_of (int kind, int32_t day, qf_feedback_period_t *period);

/*  YYYYMM of a day number. Pure. */
int qf_feedback_month (int32_t day);

/*  The report of `period` as JSON (caller owns): every department's
    figures, or, with `department`, the figures of the cases of the
    categories naming it (and the satisfaction only for sales and
    supervisor, whom it concerns). Open cases are counted as of the
    period's end, or of `now` when that comes first. */
int qf_feedback_report (qf_store_t *store, const qf_config_t *config, int64_t now,
                        const qf_feedback_period_t *period, const char *department,
                        json_t **report_p);

#endif
