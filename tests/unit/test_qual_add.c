/*  test_qual_add — qual.add writes its record as text, without a tree
    (qf_json_out_t): the record it answers and raises must be what a read
    of the qualification gives, byte for byte, for every kind of argument
    (a name left out, costs given as integers and reals or not at all, an
    industry, text that needs escapes), and the event's payload must be
    the very bytes of the answer.
*/
#include "qf_json.h"
#include "qf_test.h"
#include "qf_test_daemon.h"

#include <stdlib.h>
#include <string.h>

/* Runs qual.add with `args` (taken); checks the answer against the record
   read back and against the event's payload. */
static void
s_check_add (const char *s_test_name, qf_test_daemon_t *d, json_t *args)
{
    qf_ctx_t ctx;
    memset (&ctx, 0, sizeof ctx);
    ctx.store = d->store;
    ctx.config = d->config;
    ctx.now = d->now;
    ctx.role = "review";
    ctx.user = d->user ? d->user : "tester";
    const qf_command_t *command = qf_commands_find ("qual.add");
    QF_CHECK (command != NULL);
    json_t *result = NULL;
    QF_CHECK_EQ_INT (qf_store_begin (d->store), 0);
    int rc = qf_commands_run (&ctx, command, args, &result);
    QF_CHECK_EQ_INT (rc, 0);
    if (rc) {
        printf ("  %s\n", ctx.error);
        qf_store_rollback (d->store);
        json_decref (args);
        return;
    }
    QF_CHECK (result == NULL);
    QF_CHECK (ctx.result_text != NULL);
    /* The answer is the event's payload, the same bytes. */
    size_t size = 0;
    const char *payload = qf_store_last_payload (d->store, &size);
    QF_CHECK (payload && ctx.result_text && strlen (ctx.result_text) == size &&
              memcmp (payload, ctx.result_text, size) == 0);
    QF_CHECK_EQ_INT (qf_store_commit (d->store), 0);
    /* And what a read gives, encoded. */
    json_t *answer = json_loads (ctx.result_text, 0, NULL);
    json_t *read = NULL;
    QF_CHECK (answer != NULL);
    json_int_t id = json_integer_value (json_object_get (answer, "id"));
    QF_CHECK_EQ_INT (qf_store_qual_get (d->store, id, &read), 0);
    char *want = qf_json_encode (read, NULL);
    QF_CHECK (want != NULL);
    if (want && ctx.result_text)
        QF_CHECK_STR (ctx.result_text, want);
    free (want);
    json_decref (read);
    json_decref (answer);
    free (ctx.result_text);
    json_decref (args);
}

QF_TEST (the_record_written_as_text_is_the_record_read)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    /* The fewest arguments: the name is the certificate number. */
    s_check_add (s_test_name, &d,
                 json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s}", "cert_no", "D234000001", "authority",
                            "Housing Office", "category", "construction-general", "scope",
                            "general contracting", "issued", "2025-01-01", "expires", "2030-01-01"));
    /* Every argument; costs as an integer and as a real; text with a quote,
       a backslash, a tab and characters beyond ASCII. */
    d.user = "o\"brien\\x";
    s_check_add (s_test_name, &d,
                 json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:s}", "name",
                            "Grade \"2\"\tgeneral 建筑", "cert_no", "D234000002", "authority",
                            "Housing Office", "category", "survey", "scope", "安徽 \\ scope",
                            "issued", "2024-02-29", "expires", "2031-12-31", "acquisition_cost",
                            1250, "expected_revenue", 98765.4321, "industry", "construction"));
    d.user = NULL;
    qf_test_daemon_close (&d);
}

/* The check of arguments counts the required ones it meets instead of
   looking each up again: one missing is still named, whatever else is
   given (as many optional ones as it lacks required ones, or a required
   one given as null). */
QF_TEST (a_missing_required_argument_is_named)
{
    qf_test_daemon_t d;
    QF_CHECK_EQ_INT (qf_test_daemon_open (&d, QF_TEST_POLICY), 0);
    QF_CHECK_EQ_INT (qf_test_run (&d, "review", "qual.add", NULL,
                                  "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", "N", "industry",
                                  "rail", "authority", "Housing Office", "category", "construction-general",
                                  "scope", "s", "issued", "2025-01-01", "expires", "2030-01-01"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "cert_no");
    QF_CHECK (strstr (d.error, "needs the argument args.cert_no") != NULL);
    QF_CHECK (qf_test_run (&d, "review", "qual.add", NULL, "{s:n, s:s, s:s, s:s, s:s, s:s}",
                           "cert_no", "authority", "Housing Office", "category", "construction-general",
                           "scope", "s", "issued", "2025-01-01", "expires", "2030-01-01") != 0);
    QF_CHECK_EQ_INT (qf_test_run (&d, "review", "qual.add", NULL, "{s:s, s:s, s:s, s:s, s:s}",
                                  "cert_no", "C", "category", "construction-general", "scope",
                                  "s", "issued", "2025-01-01", "expires", "2030-01-01"),
                     QF_EINVAL);
    QF_CHECK_STR (d.field, "authority");
    QF_CHECK_EQ_INT (qf_test_run (&d, "review", "qual.add", NULL, "{s:s, s:s, s:s, s:s, s:s, s:s}",
                                  "cert_no", "C", "authority", "Housing Office", "category",
                                  "construction-general", "scope", "s", "issued", "2025-01-01",
                                  "expires", "2030-01-01"),
                     0);
    qf_test_daemon_close (&d);
}

int
main (void)
{
    s_test_suite = "qual_add";
    QF_RUN (the_record_written_as_text_is_the_record_read);
    QF_RUN (a_missing_required_argument_is_named);
    return qf_test_done ();
}
