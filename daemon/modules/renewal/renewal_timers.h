/*  renewal_timers — the renewal module's durable timers (§4.3), kinds
    declared in its module descriptor (qf_timers.h):
      expiring  a reminder at each policy.renewal_lead_days before a
                qualification's expiry, on a working day at
                calendar.reminder_time: appends certificate.expiring;
      expired   00:00 of the expiry day: an approved qualification becomes
                expired (no longer sellable); appends certificate.expired.
    Their subject is the qualification ("qualification/7"), their anchor its
    expiry day, their payload empty.
*/
#ifndef QF_RENEWAL_TIMERS_H
#define QF_RENEWAL_TIMERS_H

#include "qf_timers.h"

/* The kinds, NULL-name-terminated (qf_module_t.timer_kinds). */
extern const qf_timer_kind_t qf_renewal_timer_kinds[];

/*  Replaces a qualification's pending timers with those of its expiry day
    (on approval). Inside a transaction. Reminders whose time has passed
    are not made; one due exactly now is. The "expired" timer is always
    made, so that one approved on or after its expiry day still expires. */
int qf_renewal_schedule (qf_store_t *store, const qf_config_t *config, int64_t qual_id,
                         int32_t expires, int64_t now);

#endif
