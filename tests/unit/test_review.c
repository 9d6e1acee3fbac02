/*  test_review — the review scaffold (workers/qf_review.c) with a
    department of the test's own: whatever the rule, the scaffold answers
    a review request with review.report of the request's round and the
    department's name, with suggestions from the findings' options and
    actions on fail; it reports nothing when the department is not asked,
    and NACKs a malformed request or a failing rule with a reason.

    The department's rule does what the test sets in s_rule_mode and notes
    what it was given.
*/
#include "qf_config.h"
#include "qf_error.h"
#include "qf_log.h"
#include "qf_review.h"
#include "qf_test.h"
#include "qf_test_config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* What the test department's rule does. */
typedef enum {
    R_PASS = 0, /* passes, with one finding saying so */
    R_FAIL,     /* fails: a finding with the option --scope S */
    R_REJECT,   /* fails: a finding answered only by rejecting */
    R_POLICY,   /* fails: a finding answered by waiting for policy 5 */
    R_ERROR,    /* returns QF_ENOMEM */
} rule_mode_t;

static rule_mode_t s_rule_mode = R_PASS;
static int s_rule_calls = 0;
static json_t *s_rule_payload = NULL; /* the payload the rule was last given (borrowed) */
static qf_config_t *s_config = NULL;  /* policy.review_departments: [testing, legal] */

static int
s_rule (const qf_config_t *cfg, json_t *qualification, json_t *payload, int32_t today,
        qf_review_t *review)
{
    (void)cfg;
    (void)qualification;
    (void)today;
    s_rule_calls++;
    s_rule_payload = payload;
    switch (s_rule_mode) {
    case R_PASS: qf_review_finding (review, NULL, 0, "all good"); return 1;
    case R_FAIL: qf_review_finding (review, QF_REVIEW_OPT_SCOPE, 0, "scope is wrong"); return 0;
    case R_REJECT: qf_review_finding (review, NULL, QF_REVIEW_REJECT, "unfit"); return 0;
    case R_POLICY:
        review->policy = 5;
        qf_review_finding (review, NULL, QF_REVIEW_AWAIT_POLICY, "under a policy change");
        return 0;
    case R_ERROR: return QF_ENOMEM;
    }
    return 0;
}

static const qf_review_department_t s_testing = {"testing", s_rule};

/* A review request for qualification 7, round 3; `departments` is the
   JSON text of its departments list, or NULL to leave the list out. */
static json_t *
s_request (const char *departments)
{
    json_t *payload =
        json_pack ("{s:{s:i, s:s}, s:i}", "qualification", "id", 7, "scope", "x", "round", 3);
    if (departments)
        json_object_set_new (payload, "departments", json_loads (departments, 0, NULL));
    return payload;
}

/*  Hands payload (consumed) to qf_review_handle as a delivery of seq 11;
    returns what it returns, with the outcome in *outcome (the caller
    releases outcome->result). */
static int
s_handle (json_t *payload, qf_outcome_t *outcome)
{
    qf_worker_event_t delivery = {.seq = 11,
                                  .event_id = "0123456789abcdef0123456789abcdef",
                                  .topic = QF_REVIEW_REQUESTED,
                                  .subject = "qualification/7",
                                  .attempt = 1,
                                  .payload = payload};
    memset (outcome, 0, sizeof *outcome);
    s_rule_calls = 0;
    int rc = qf_review_handle (s_config, &s_testing, &delivery, outcome);
    json_decref (payload);
    return rc;
}

/* The report's args, or NULL when the result is not a review.report. */
static json_t *
s_args (json_t *result)
{
    const char *command = json_string_value (json_object_get (result, "command"));
    return command && strcmp (command, "review.report") == 0 ? json_object_get (result, "args")
                                                             : NULL;
}

/*  Runs the test department's rule in `mode` on a request naming
    `departments` (JSON text); returns what qf_review_handle returns, with
    the outcome in *outcome (the caller releases outcome->result) and the
    report's args, or NULL, in *args_p. */
static int
s_report (rule_mode_t mode, const char *departments, qf_outcome_t *outcome, json_t **args_p)
{
    s_rule_mode = mode;
    int rc = s_handle (s_request (departments), outcome);
    *args_p = s_args (outcome->result);
    return rc;
}

QF_TEST (test_report_names_round_and_department)
{
    qf_outcome_t outcome;
    json_t *args;
    int rc = s_report (R_FAIL, "[\"legal\", \"testing\"]", &outcome, &args);
    const char *department = json_string_value (json_object_get (args, "department"));
    const char *verdict = json_string_value (json_object_get (args, "verdict"));
    const char *finding =
        json_string_value (json_array_get (json_object_get (args, "findings"), 0));
    const char *suggestions = json_string_value (json_object_get (args, "suggestions"));
    bool ok = args && json_integer_value (json_object_get (args, "qualification_id")) == 7 &&
              json_integer_value (json_object_get (args, "round")) == 3 && department &&
              strcmp (department, "testing") == 0 && verdict && strcmp (verdict, "fail") == 0 &&
              finding && strcmp (finding, "scope is wrong") == 0;
    bool suggests = suggestions &&
                    strstr (suggestions, "'qualflow --as review qual rectify 7 "
                                         "--scope S'") &&
                    strstr (suggestions, "'qualflow --as review qual submit 7'") &&
                    !strstr (suggestions, "scope is wrong");
    json_decref (outcome.result);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK_EQ_INT (s_rule_calls, 1);
    QF_CHECK (ok);
    QF_CHECK (suggests);
}

QF_TEST (test_pass_has_no_suggestions)
{
    qf_outcome_t outcome;
    json_t *args;
    int rc = s_report (R_PASS, "[\"testing\"]", &outcome, &args);
    const char *verdict = json_string_value (json_object_get (args, "verdict"));
    bool pass = verdict && strcmp (verdict, "pass") == 0;
    bool none = args && !json_object_get (args, "suggestions");
    size_t keys = json_object_size (args);
    json_decref (outcome.result);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK (pass);
    QF_CHECK (none);
    QF_CHECK_EQ_INT (keys, 5);
}

/*  Whether a rule in `mode` gets suggestions holding `want` and not
    `unwant`; prints them when not. */
static bool
s_suggests (rule_mode_t mode, const char *want, const char *unwant)
{
    qf_outcome_t outcome;
    json_t *args;
    int rc = s_report (mode, "[\"testing\"]", &outcome, &args);
    const char *text = json_string_value (json_object_get (args, "suggestions"));
    bool ok = rc == 0 && text && strstr (text, want) && !strstr (text, unwant);
    if (!ok)
        printf ("    rc %d, suggestions: %s\n", rc, text ? text : "(none)");
    json_decref (outcome.result);
    return ok;
}

QF_TEST (test_actions_become_suggestions)
{
    QF_CHECK (
        s_suggests (R_REJECT, "'qualflow --as management qual reject 7 --reason TEXT'", "rectify"));
    QF_CHECK (s_suggests (R_POLICY, "Once policy change 5 is lifted", "rectify"));
}

QF_TEST (test_department_not_asked_reports_nothing)
{
    s_rule_mode = R_FAIL;
    qf_outcome_t outcome;
    /* Named departments: this one is not among them. */
    int rc = s_handle (s_request ("[\"legal\", \"finance\"]"), &outcome);
    bool nothing = outcome.result == NULL;
    int calls = s_rule_calls;
    json_decref (outcome.result);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK (nothing);
    QF_CHECK_EQ_INT (calls, 0);
    /* No list: policy.review_departments decides, and names "testing". */
    rc = s_handle (s_request (NULL), &outcome);
    bool reported = s_args (outcome.result) != NULL;
    json_decref (outcome.result);
    QF_CHECK_EQ_INT (rc, 0);
    QF_CHECK (reported);
}

/*  Whether the request `json` is NACKed, without running the rule, with
    a reason holding `reason`; prints the reason when not. */
static bool
s_nacks (const char *json, const char *reason)
{
    qf_outcome_t outcome;
    int rc = s_handle (json_loads (json, 0, NULL), &outcome);
    bool ok =
        rc < 0 && outcome.result == NULL && strstr (outcome.reason, reason) && s_rule_calls == 0;
    if (!ok)
        printf ("    %s: rc %d, reason: %s\n", json, rc, outcome.reason);
    json_decref (outcome.result);
    return ok;
}

QF_TEST (test_malformed_request_nacks)
{
    s_rule_mode = R_PASS;
    QF_CHECK (s_nacks ("{\"round\": 1}", "malformed qualification.review_requested payload: "
                                         "payload lacks a qualification object"));
    QF_CHECK (
        s_nacks ("{\"qualification\": {\"id\": \"7\"}, \"round\": 1}", "lacks qualification.id"));
    QF_CHECK (s_nacks ("{\"qualification\": {\"id\": 7}}", "lacks an integer round"));
}

QF_TEST (test_rule_error_nacks)
{
    s_rule_mode = R_ERROR;
    qf_outcome_t outcome;
    int rc = s_handle (s_request ("[\"testing\"]"), &outcome);
    bool nothing = outcome.result == NULL;
    char expected[128];
    snprintf (expected, sizeof expected, "testing review failed: %s", qf_strerror (QF_ENOMEM));
    QF_CHECK (rc < 0);
    QF_CHECK (nothing);
    QF_CHECK_STR (outcome.reason, expected);
}

QF_TEST (test_findings_without_a_request)
{
    s_rule_mode = R_FAIL;
    json_t *record = json_pack ("{s:i}", "id", 7);
    json_t *findings = json_array ();
    s_rule_payload = record; /* anything but NULL */
    int verdict = qf_review_findings (s_config, &s_testing, record, 0, findings);
    bool no_payload = s_rule_payload == NULL;
    size_t count = json_array_size (findings);
    int refused = qf_review_findings (s_config, NULL, record, 0, findings);
    json_decref (record);
    json_decref (findings);
    QF_CHECK_EQ_INT (verdict, 0);
    QF_CHECK (no_payload);
    QF_CHECK_EQ_INT (count, 1);
    QF_CHECK_EQ_INT (refused, QF_EINVAL);
}

int
main (void)
{
    s_test_suite = "review";
    /* The scaffold warns about malformed requests; the test sends them. */
    qf_log_init ("test_review", QF_LOG_ERROR, false);
    s_config = qf_test_config ("policy:\n  review_departments: [testing, legal]\n");
    if (!s_config) {
        printf ("FAIL review: setup: the test configuration does not load\n");
        return 1;
    }
    QF_RUN (test_report_names_round_and_department);
    QF_RUN (test_pass_has_no_suggestions);
    QF_RUN (test_actions_become_suggestions);
    QF_RUN (test_department_not_asked_reports_nothing);
    QF_RUN (test_malformed_request_nacks);
    QF_RUN (test_rule_error_nacks);
    QF_RUN (test_findings_without_a_request);
    qf_config_destroy (&s_config);
    return qf_test_done ();
}
