/*  fill — builds a benchmark database through the daemon's own store code:
    COUNT qualifications, each with its qualification.created event, expiry
    dates spread over the next five years, and pending expiry timers (five
    per qualification, for at most 100,000 timers in all), placed by the
    calendar of CONFIG as approval places them, none due within a day. Used
    to measure start-up time, memory and the expiry query at scale without
    waiting for COUNT commands.

      fill DATABASE COUNT [CONFIG]
*/
#include "qf.h"
#include "qf_store.h"
#include "qualification/qualification_store.h"
#include "qf_timers.h"
#include "renewal/renewal_timers.h"

#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf (stderr, "usage: fill DATABASE COUNT [CONFIG]\n");
        return 2;
    }
    long count = atol (argv[2]);
    char error[1024];
    qf_log_init ("fill", QF_LOG_WARN, false);
    qf_config_t *config = NULL;
    if (qf_config_load (argc == 4 ? argv[3] : QF_CONFIG_DEFAULT_PATH, &config, error,
                        sizeof error)) {
        fprintf (stderr, "fill: %s\n", error);
        return 1;
    }
    qf_store_t *store = qf_store_new (argv[1], QF_DURABILITY_NORMAL, error, sizeof error);
    if (!store) {
        fprintf (stderr, "fill: %s\n", error);
        qf_config_destroy (&config);
        return 1;
    }
    int64_t now = qf_time_now_ms ();
    int32_t today = qf_date_from_ms (now, 480);
    char issued[16], expires[16], subject[64];
    qf_date_format (today - 365, issued, sizeof issued);
    int rc = 0;
    for (long i = 0; i < count && rc == 0; i++) {
        if (i % 10000 == 0)
            rc = qf_store_begin (store);
        qf_date_format (today + 1 + (int32_t)((i * 7919) % 1825), expires, sizeof expires);
        json_t *args = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f}", "name", "bench",
                                  "cert_no", "D234000001", "authority", "安徽省住房和城乡建设厅",
                                  "category", "construction-general", "scope",
                                  "建筑工程施工总承包二级", "issued", issued, "expires", expires,
                                  "acquisition_cost", 100000.0, "expected_revenue", 180000.0);
        int64_t id = 0;
        if (rc == 0)
            rc = qf_store_qual_insert (store, args, now, "bench", &id);
        json_object_set_new (args, "id", json_integer (id));
        json_object_set_new (args, "state", json_string ("draft"));
        snprintf (subject, sizeof subject, "qualification/%lld", (long long)id);
        if (rc == 0)
            rc = qf_store_event_append (store, "qualification.created", subject, args, now, NULL);
        /* The timers approval would schedule, but none within a day: none
           fires during the bench. */
        int32_t expiry = today + 1 + (int32_t)((i * 7919) % 1825);
        if (rc == 0 && i < 20000)
            rc = qf_renewal_schedule (store, config, id, expiry, now + 86400000);
        json_decref (args);
        if (rc == 0 && (i % 10000 == 9999 || i == count - 1)) {
            rc = qf_store_commit (store);
            qf_event_list_t list;
            qf_store_take_committed (store, &list);
            qf_event_list_free (&list);
        }
    }
    /* The calendar they were placed by: the daemon does not place them again. */
    if (rc == 0)
        rc = qf_store_begin (store);
    if (rc == 0)
        rc = qf_timers_calendar_sync (store, config, now, "fill", NULL);
    if (rc == 0)
        rc = qf_store_commit (store);
    qf_store_destroy (&store);
    qf_config_destroy (&config);
    if (rc)
        fprintf (stderr, "fill: %s\n", qf_strerror (rc));
    return rc ? 1 : 0;
}
