/*  contract_timers — a delivery date coming near and an instalment past
    due, as durable timers (contract_timers.h). */
#include "contract/contract_timers.h"
#include "contract/contract_config.h"
#include "contract/contract_store.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_emit.h"
#include "risk/risk.h"

#include <stdio.h>
#include <string.h>

#define AT_RISK         "contract_delivery_at_risk"
#define OVERDUE         "contract_payment_overdue"
#define CONTRACT_PREFIX "contract"
#define PAYMENT_PREFIX  "receivable"

/* Working days from `from` (excluded) to `to` (included); 0 when to <= from. */
static int
s_working_days_between (const qf_config_t *config, int32_t from, int32_t to)
{
    int count = 0;
    for (int32_t day = from + 1; day <= to && count < 10000; day++)
        count += qf_calendar_is_working_day (config, day);
    return count;
}

int
qf_contract_watch_delivery (qf_store_t *store, const qf_config_t *config, int64_t id,
                            const char *delivery, int64_t now)
{
    int32_t day = 0;
    if (qf_date_parse (delivery, &day))
        return QF_EINVAL;
    /* The working day that many working days before the delivery date. */
    int lead = qf_contract_config (config)->delivery_at_risk_days;
    for (int n = 0; n < lead && day > 0;) {
        day--;
        n += qf_calendar_is_working_day (config, day);
    }
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, CONTRACT_PREFIX, id);
    int rc = qf_timers_cancel (store, subject, AT_RISK);
    return rc ? rc : qf_timers_add (store, config, AT_RISK, subject, day, 0, NULL, now);
}

int
qf_contract_unwatch_delivery (qf_store_t *store, int64_t id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return qf_timers_cancel (store, qf_subject (subject, sizeof subject, CONTRACT_PREFIX, id),
                             AT_RISK);
}

/* Places the overdue timer of a receivable at working day `day`. */
static int
s_place_overdue (qf_store_t *store, const qf_config_t *config, int64_t receivable_id, int32_t day,
                 int64_t now)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    qf_subject (subject, sizeof subject, PAYMENT_PREFIX, receivable_id);
    return qf_timers_add (store, config, OVERDUE, subject, day, 0, NULL, now);
}

int
qf_contract_watch_payment (qf_store_t *store, const qf_config_t *config, int64_t receivable_id,
                           const char *due, int64_t now)
{
    int32_t day = 0;
    if (qf_date_parse (due, &day))
        return QF_EINVAL;
    /* Past due means the due day has ended: the first working day after it. */
    return s_place_overdue (store, config, receivable_id,
                            qf_calendar_next_working_day (config, day), now);
}

int
qf_contract_unwatch_payment (qf_store_t *store, int64_t receivable_id)
{
    char subject[QF_TIMER_SUBJECT_MAX + 1];
    return qf_timers_cancel (
        store, qf_subject (subject, sizeof subject, PAYMENT_PREFIX, receivable_id), OVERDUE);
}

/* The delivery date is near: contract.delivery_at_risk to the salesperson
   and a processing risk on the register (qf_risk_delivery_at_risk) if the
   contract is signed and not delivered (a delivered or cancelled
   one cancelled its timer; this guards a race with the calendar). */
static int
s_at_risk (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
           bool late)
{
    int64_t id = 0;
    json_t *contract = NULL;
    int rc = qf_timers_subject_id (timer->subject, CONTRACT_PREFIX, &id);
    if (rc == 0)
        rc = qf_store_contract_get (store, id, &contract);
    if (rc) {
        qf_warn ("timer %lld (%s): no contract %s: it fires without an event", (long long)timer->id,
                 timer->kind, timer->subject);
        return 0;
    }
    const char *state = json_string_value (json_object_get (contract, "state"));
    if (!state || strcmp (state, "signed") != 0) {
        json_decref (contract);
        return 0;
    }
    const char *delivery = json_string_value (json_object_get (contract, "delivery"));
    int32_t day = 0, today = qf_calendar_today (config, now);
    qf_date_parse (delivery, &day);
    json_t *owner = json_object_get (contract, "owner");
    int left = s_working_days_between (config, today, day);
    rc = qf_emit (store, now, "contract.delivery_at_risk", "contract", id,
                  json_pack ("{s:I, s:O, s:O, s:[O], s:O, s:s, s:i, s:b, s:s}", "contract_id",
                             (json_int_t)id, "number", json_object_get (contract, "number"),
                             "owner", owner, "recipients", owner, "customer_id",
                             json_object_get (contract, "customer_id"), "delivery", delivery,
                             "working_days_left", left, "late", late, "what",
                             "tell the customer promptly, with a solution (§7.2)"));
    /* And a processing risk on the register, in the same transaction (§7.1). */
    if (rc == 0)
        rc = qf_risk_delivery_at_risk (store, config, now, contract, left);
    json_decref (contract);
    return rc;
}

/* An instalment past due and not paid: payment.overdue to finance and the
   salesperson, then again on the next working day. A timer that fires on
   a day off or before the reminder time (late, or the calendar changed)
   places itself on the next working day instead. */
static int
s_overdue (qf_store_t *store, const qf_config_t *config, const qf_timer_t *timer, int64_t now,
           bool late)
{
    int64_t receivable_id = 0;
    json_t *receivable = NULL, *contract = NULL;
    int rc = qf_timers_subject_id (timer->subject, PAYMENT_PREFIX, &receivable_id);
    if (rc == 0)
        rc = qf_store_receivable_get (store, receivable_id, &receivable);
    if (rc == 0)
        rc = qf_store_contract_get (
            store, json_integer_value (json_object_get (receivable, "contract_id")), &contract);
    if (rc) {
        json_decref (receivable);
        qf_warn ("timer %lld (%s): no receivable %s: it fires without an event",
                 (long long)timer->id, timer->kind, timer->subject);
        return 0;
    }
    const char *state = json_string_value (json_object_get (receivable, "state"));
    const char *contract_state = json_string_value (json_object_get (contract, "state"));
    int32_t due = 0, today = qf_calendar_today (config, now);
    qf_date_parse (json_string_value (json_object_get (receivable, "due")), &due);
    int32_t wait = qf_calendar_overdue_wait (config, now, due);
    if (strcmp (state, "open") != 0 || strcmp (contract_state, "cancelled") == 0) {
        rc = 0; /* paid, or the contract is gone: nothing is overdue */
    } else if (wait) {
        rc = s_place_overdue (store, config, receivable_id, wait, now);
    } else {
        double amount = json_number_value (json_object_get (receivable, "amount"));
        double paid = json_number_value (json_object_get (receivable, "paid"));
        json_t *owner = json_object_get (contract, "owner");
        rc = qf_emit (store, now, "payment.overdue", "receivable", receivable_id,
                      json_pack ("{s:I, s:O, s:O, s:O, s:[s,O], s:O, s:O, s:f, s:i, s:b}",
                                 "receivable_id", (json_int_t)receivable_id, "contract_id",
                                 json_object_get (receivable, "contract_id"), "number",
                                 json_object_get (contract, "number"), "owner", owner, "recipients",
                                 "finance", owner, "instalment",
                                 json_object_get (receivable, "instalment"), "due",
                                 json_object_get (receivable, "due"), "outstanding",
                                 (double)((long long)((amount - paid) * 100 + 0.5)) / 100,
                                 "days_overdue", (int)(today - due), "late", late));
        /* Again on each working day until it is paid. */
        if (rc == 0)
            rc = s_place_overdue (store, config, receivable_id,
                                  qf_calendar_next_working_day (config, today), now);
    }
    json_decref (receivable);
    json_decref (contract);
    return rc;
}

const qf_timer_kind_t qf_contract_timer_kinds[] = {
    {AT_RISK, QF_TIMER_AT_REMINDER, true, s_at_risk},
    {OVERDUE, QF_TIMER_AT_REMINDER, true, s_overdue},
    {NULL},
};
