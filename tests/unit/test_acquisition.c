/*  test_acquisition — acquiring a qualification (§4.1), run in-process as
    the daemon runs it (qf_test_daemon.h): a candidate is added, evaluated,
    decided on by management, tracked (a blocker is escalated to
    management), and its acquired certificate becomes a qualification
    submitted to review; every move the candidate's transition table does
    not allow is refused with 409 and changes nothing.
*/
#include "acquisition/acquisition_store.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

#include <string.h>

/* Adds a candidate as market research: its id, or 0. */
static long long
s_add (qf_test_daemon_t *d)
{
    json_t *candidate = NULL;
    if (qf_test_run (d, "market", "candidate.add", &candidate, "{s:s, s:s, s:s, s:s, s:s}", "name",
                     "General contracting, grade 2", "category", "construction-general", "industry",
                     "construction", "authority", "Housing Office", "source", "a market study"))
        return 0;
    long long id = qf_test_int (candidate, "id");
    json_decref (candidate);
    return id;
}

static int
s_evaluate (qf_test_daemon_t *d, long long id)
{
    return qf_test_run (d, "market", "candidate.evaluate", NULL, "{s:I, s:s, s:s, s:s, s:s}",
                        "candidate_id", (json_int_t)id, "legality", "lawful", "market_demand",
                        "high", "potential_value", "large", "report", "worth it");
}

static int
s_decide (qf_test_daemon_t *d, long long id, const char *decision)
{
    return qf_test_run (d, "management", "candidate.decide", NULL, "{s:I, s:s}", "candidate_id",
                        (json_int_t)id, "decision", decision);
}

/* Tracks progress, with a blocker when `blocker` is not NULL. */
static int
s_track (qf_test_daemon_t *d, long long id, const char *blocker)
{
    json_t *args = json_pack ("{s:I, s:s, s:s, s:s}", "candidate_id", (json_int_t)id, "via",
                              "agency", "agency", "Fast Permits", "progress", "documents filed");
    if (blocker)
        json_object_set_new (args, "blocker", json_string (blocker));
    return qf_test_run (d, "review", "candidate.track", NULL, "o", args);
}

static int
s_acquire (qf_test_daemon_t *d, long long id, json_t **result_p)
{
    return qf_test_run (d, "review", "candidate.acquire", result_p,
                        "{s:I, s:s, s:s, s:s, s:s, s:f}", "candidate_id", (json_int_t)id, "cert_no",
                        "D234000077", "scope", "general contracting", "issued", "2026-02-01",
                        "expires", "2031-02-01", "acquisition_cost", 120000.0);
}

/* The stored state of candidate `id` ("" when it cannot be read). */
static const char *
s_state (qf_test_daemon_t *d, long long id)
{
    static char state[32];
    json_t *candidate = NULL;
    state[0] = '\0';
    if (qf_store_candidate_get (d->store, id, &candidate) == 0)
        snprintf (state, sizeof state, "%s", qf_test_str (candidate, "state"));
    json_decref (candidate);
    return state;
}

QF_TEST (candidate_to_qualification)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    uint64_t mark = qf_test_mark (&d);
    long long id = s_add (&d);
    QF_CHECK (id > 0);
    QF_CHECK_STR (s_state (&d, id), "candidate");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "acquisition.candidate_added"), 1);
    /* The evaluation report goes to management, which alone decides. */
    QF_CHECK_EQ_INT (s_evaluate (&d, id), 0);
    QF_CHECK_STR (s_state (&d, id), "evaluated");
    json_t *evaluated = qf_test_events (&d, mark, "acquisition.evaluated");
    QF_CHECK_EQ_INT (json_array_size (evaluated), 1);
    json_t *recipients =
        json_object_get (json_object_get (json_array_get (evaluated, 0), "payload"), "recipients");
    QF_CHECK_STR (json_string_value (json_array_get (recipients, 0)), "management");
    json_decref (evaluated);
    QF_CHECK_EQ_INT (qf_test_run (&d, "market", "candidate.decide", NULL, "{s:I, s:s}",
                                  "candidate_id", (json_int_t)id, "decision", "acquire"),
                     QF_EFORBIDDEN);
    QF_CHECK_EQ_INT (s_decide (&d, id, "acquire"), 0);
    QF_CHECK_STR (s_state (&d, id), "acquiring");
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "acquisition.decided"), 1);
    /* Through an agency, the agency is named. */
    QF_CHECK_EQ_INT (qf_test_run (&d, "review", "candidate.track", NULL, "{s:I, s:s, s:s}",
                                  "candidate_id", (json_int_t)id, "via", "agency", "progress",
                                  "started"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "args.agency");
    QF_CHECK_EQ_INT (s_track (&d, id, NULL), 0);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "acquisition.progress"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "acquisition.blocked"), 0);
    /* A blocker is escalated to management. */
    QF_CHECK_EQ_INT (s_track (&d, id, "the authority wants a site visit"), 0);
    json_t *blocked = qf_test_events (&d, mark, "acquisition.blocked");
    QF_CHECK_EQ_INT (json_array_size (blocked), 1);
    json_t *payload = json_object_get (json_array_get (blocked, 0), "payload");
    QF_CHECK_STR (qf_test_str (payload, "blocker"), "the authority wants a site visit");
    QF_CHECK_STR (json_string_value (json_array_get (json_object_get (payload, "recipients"), 0)),
                  "management");
    json_decref (blocked);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "acquisition.progress"), 1);
    QF_CHECK_STR (s_state (&d, id), "acquiring");
    /* The certificate in hand: a qualification, submitted for review. */
    json_t *candidate = NULL;
    QF_CHECK_EQ_INT (s_acquire (&d, id, &candidate), 0);
    long long qual = qf_test_int (candidate, "qualification_id");
    QF_CHECK_STR (qf_test_str (candidate, "state"), "acquired");
    json_decref (candidate);
    QF_CHECK (qual > 0);
    QF_CHECK_STR (s_state (&d, id), "acquired");
    json_t *record = qf_test_qual (&d, qual);
    QF_CHECK (record != NULL);
    QF_CHECK_STR (qf_test_str (record, "state"), "in_review");
    QF_CHECK_EQ_INT (qf_test_int (record, "round"), 1);
    QF_CHECK_STR (qf_test_str (record, "cert_no"), "D234000077");
    QF_CHECK_STR (qf_test_str (record, "category"), "construction-general");
    QF_CHECK_STR (qf_test_str (record, "authority"), "Housing Office");
    QF_CHECK_STR (qf_test_str (record, "industry"), "construction");
    json_decref (record);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.created"), 1);
    QF_CHECK_EQ_INT (qf_test_count (&d, mark, "qualification.review_requested"), 1);
    json_t *acquired = qf_test_events (&d, mark, "acquisition.acquired");
    QF_CHECK_EQ_INT (json_array_size (acquired), 1);
    QF_CHECK_EQ_INT (
        qf_test_int (json_object_get (json_array_get (acquired, 0), "payload"), "qualification_id"),
        qual);
    json_decref (acquired);
    qf_test_daemon_close (&d);
}

/* Checks that `rc` is the 409 of candidate `id` in `state` saying `rule`,
   and that nothing was appended since `mark`. */
#define CHECK_REFUSED(rc, id, state, rule)                                                         \
    do {                                                                                           \
        uint64_t _mark = qf_test_mark (&d);                                                        \
        QF_CHECK_EQ_INT ((rc), QF_ECONFLICT);                                                      \
        char _want[256];                                                                           \
        snprintf (_want, sizeof _want, "candidate %lld is %s; %s", (id), (state), (rule));         \
        QF_CHECK_STR (d.error, _want);                                                             \
        QF_CHECK_STR (d.field, "args.candidate_id");                                               \
        QF_CHECK_STR (s_state (&d, (id)), (state));                                                \
        QF_CHECK_EQ_INT (qf_test_mark (&d), _mark);                                                \
    } while (0)

#define NOT_DECIDED "only a candidate not yet decided can be evaluated"
#define EVALUATED   "management decides on a candidate once its evaluation report is in"
#define TRACKED     "only a candidate management decided to acquire is tracked"
#define ACQUIRED    "only a candidate management decided to acquire can be acquired"

QF_TEST (moves_refused_by_state)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    /* candidate: evaluated first, nothing else. */
    long long id = s_add (&d);
    QF_CHECK (id > 0);
    CHECK_REFUSED (s_decide (&d, id, "acquire"), id, "candidate", EVALUATED);
    CHECK_REFUSED (s_decide (&d, id, "decline"), id, "candidate", EVALUATED);
    CHECK_REFUSED (s_track (&d, id, NULL), id, "candidate", TRACKED);
    CHECK_REFUSED (s_acquire (&d, id, NULL), id, "candidate", ACQUIRED);
    /* evaluated: evaluated again (a better report), decided; not tracked. */
    QF_CHECK_EQ_INT (s_evaluate (&d, id), 0);
    QF_CHECK_EQ_INT (s_evaluate (&d, id), 0);
    QF_CHECK_STR (s_state (&d, id), "evaluated");
    CHECK_REFUSED (s_track (&d, id, NULL), id, "evaluated", TRACKED);
    CHECK_REFUSED (s_acquire (&d, id, NULL), id, "evaluated", ACQUIRED);
    /* declined: final. */
    QF_CHECK_EQ_INT (s_decide (&d, id, "decline"), 0);
    QF_CHECK_STR (s_state (&d, id), "declined");
    CHECK_REFUSED (s_evaluate (&d, id), id, "declined", NOT_DECIDED);
    CHECK_REFUSED (s_decide (&d, id, "acquire"), id, "declined", EVALUATED);
    CHECK_REFUSED (s_track (&d, id, "stuck"), id, "declined", TRACKED);
    CHECK_REFUSED (s_acquire (&d, id, NULL), id, "declined", ACQUIRED);
    /* acquiring: tracked and acquired only. */
    long long next = s_add (&d);
    QF_CHECK (next > 0);
    QF_CHECK_EQ_INT (s_evaluate (&d, next), 0);
    QF_CHECK_EQ_INT (s_decide (&d, next, "acquire"), 0);
    CHECK_REFUSED (s_evaluate (&d, next), next, "acquiring", NOT_DECIDED);
    CHECK_REFUSED (s_decide (&d, next, "decline"), next, "acquiring", EVALUATED);
    /* acquired: final, and its certificate is not made twice. */
    QF_CHECK_EQ_INT (s_acquire (&d, next, NULL), 0);
    CHECK_REFUSED (s_acquire (&d, next, NULL), next, "acquired", ACQUIRED);
    CHECK_REFUSED (s_track (&d, next, NULL), next, "acquired", TRACKED);
    CHECK_REFUSED (s_evaluate (&d, next), next, "acquired", NOT_DECIDED);
    /* No candidate: 404. */
    QF_CHECK_EQ_INT (s_evaluate (&d, 999), QF_ENOTFOUND);
    qf_test_daemon_close (&d);
}

/* A certificate the qualification module refuses leaves the candidate
   acquiring: the qualification and the move are one change. */
/* candidate.acquire of candidate `id` with these dates is refused with
   400 naming `field`, and leaves everything as it was: the candidate
   acquiring, no event, no qualification. Checks as part of the test
   `s_test_name` (qf_test.h), which goes on when it returns. */
static void
s_acquire_refused (const char *s_test_name, qf_test_daemon_t *d, long long id, const char *issued,
                   const char *expires, const char *field)
{
    uint64_t mark = qf_test_mark (d);
    QF_CHECK_EQ_INT (qf_test_run (d, "review", "candidate.acquire", NULL,
                                  "{s:I, s:s, s:s, s:s, s:s}", "candidate_id", (json_int_t)id,
                                  "cert_no", "D234000078", "scope", "general contracting", "issued",
                                  issued, "expires", expires),
                     QF_EINVAL);
    QF_CHECK_STR (d->field, field);
    QF_CHECK_STR (s_state (d, id), "acquiring");
    QF_CHECK_EQ_INT (qf_test_mark (d), mark);
    QF_CHECK (qf_test_qual (d, 1) == NULL);
}

QF_TEST (acquire_undone_when_the_certificate_is_refused)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_add (&d);
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (s_evaluate (&d, id), 0);
    QF_CHECK_EQ_INT (s_decide (&d, id, "acquire"), 0);
    s_acquire_refused (s_test_name, &d, id, "2026-02-01", "2026-01-01", "args.expires");
    qf_test_daemon_close (&d);
}

/* The candidate's category is held to qual.add's rules at acquisition,
   against the configuration running then: one dropped from
   categories[] since the candidate was added is refused. */
QF_TEST (acquire_checks_the_category_against_the_running_configuration)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    long long id = s_add (&d);
    QF_CHECK (id > 0);
    QF_CHECK_EQ_INT (s_evaluate (&d, id), 0);
    QF_CHECK_EQ_INT (s_decide (&d, id, "acquire"), 0);
    /* A reload without construction-general. */
    char text[4096];
    snprintf (text, sizeof text, "%s%s", QF_TEST_DAEMON_YAML, QF_TEST_POLICY);
    char *drop = strstr (text, "  - name: construction-general\n");
    QF_CHECK (drop != NULL);
    if (drop)
        memmove (drop, drop + strlen ("  - name: construction-general\n"),
                 strlen (drop + strlen ("  - name: construction-general\n")) + 1);
    qf_config_t *reloaded = qf_test_config (text);
    QF_CHECK (reloaded != NULL);
    if (reloaded) {
        qf_config_destroy (&d.config);
        d.config = reloaded;
    }
    s_acquire_refused (s_test_name, &d, id, "2026-01-01", "2028-01-01", "args.category");
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "acquisition";
    QF_RUN (candidate_to_qualification);
    QF_RUN (moves_refused_by_state);
    QF_RUN (acquire_undone_when_the_certificate_is_refused);
    QF_RUN (acquire_checks_the_category_against_the_running_configuration);
    return qf_test_done ();
}
