/*  qf_acquisition — acquiring qualifications (§4.1): market research adds
    candidates, specialists submit an evaluation report (legality, market
    demand, potential value) to management, management alone decides, the
    processing team tracks the acquisition (by an agency or by the company)
    and escalates blockers, and the acquired certificate goes to review. */
#include "qf.h"
#include "qf_command.h"
#include "qualification/qualification.h"
#include "acquisition/acquisition_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Loads the candidate named by args.candidate_id, or fails with 404. */
static int
s_load (qf_ctx_t *ctx, json_t *args, json_t **candidate_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "candidate_id"));
    int rc = qf_store_candidate_get (ctx->store, id, candidate_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.candidate_id", "no candidate with id %lld",
                             (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the candidate: %s", qf_strerror (rc));
    return 0;
}

/* A candidate's transitions (§4.1): for each action, the states it may be
   done in, the state it leaves the candidate in (NULL: it stays), and
   what a refusal says is allowed. The one place that says which state
   allows what. */
static const struct {
    const char *action; /* what is done */
    const char *from;   /* the states it may be done in, space-separated */
    const char *to;     /* the state it leaves; NULL: the state stays */
    const char *rule;   /* what is allowed, for the refusal */
} s_transitions[] = {
    {"evaluate", "candidate evaluated", "evaluated",
     "only a candidate not yet decided can be evaluated"},
    {"acquire", "evaluated", "acquiring",
     "management decides on a candidate once its evaluation report is in"},
    {"decline", "evaluated", "declined",
     "management decides on a candidate once its evaluation report is in"},
    {"track", "acquiring", NULL, "only a candidate management decided to acquire is tracked"},
    {"acquired", "acquiring", "acquired",
     "only a candidate management decided to acquire can be acquired"},
};

/* Fails with 409 unless the table allows `action` in the candidate's
   state; fills *to_p (when not NULL) with the state it moves to. */
static int
s_need_state (qf_ctx_t *ctx, json_t *candidate, const char *action, const char **to_p)
{
    size_t i = 0;
    while (strcmp (s_transitions[i].action, action) != 0)
        i++; /* every caller names a row of s_transitions */
    if (to_p)
        *to_p = s_transitions[i].to;
    const char *state = json_string_value (json_object_get (candidate, "state"));
    if (qf_word_in (state, s_transitions[i].from))
        return 0;
    return qf_ctx_error (ctx, QF_ECONFLICT, "args.candidate_id", "candidate %lld is %s; %s",
                         (long long)json_integer_value (json_object_get (candidate, "id")), state,
                         s_transitions[i].rule);
}

/* Loads the candidate args.candidate_id, checks that the table allows
   `action` in its state, gives its id and the state it moves to. */
static int
s_load_in (qf_ctx_t *ctx, json_t *args, const char *action, const char **to_p, json_int_t *id_p)
{
    json_t *candidate = NULL;
    int rc = s_load (ctx, args, &candidate);
    if (rc == 0)
        rc = s_need_state (ctx, candidate, action, to_p);
    *id_p = json_integer_value (json_object_get (candidate, "id"));
    json_decref (candidate);
    return rc;
}

/* Applies a change, appends the event with the updated candidate, and
   makes the candidate the result. */
static int
s_change (qf_ctx_t *ctx, json_int_t id, const qf_candidate_change_t *change, const char *topic,
          json_t *extra, json_t **result_p)
{
    int rc = change ? qf_store_candidate_update (ctx->store, id, change, ctx->now) : 0;
    json_t *candidate = NULL;
    if (rc == 0)
        rc = qf_store_candidate_get (ctx->store, id, &candidate);
    json_t *payload = rc == 0 ? json_pack ("{s:O}", "candidate", candidate) : NULL;
    if (payload && extra)
        json_object_update (payload, extra);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, topic, "candidate", id, payload);
    json_decref (extra);
    if (rc) {
        json_decref (candidate);
        return qf_ctx_error (ctx, rc, NULL, "could not update the candidate: %s", qf_strerror (rc));
    }
    *result_p = candidate;
    return 0;
}

static int
s_candidate_add (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    int64_t id = 0;
    if (!json_object_get (args, "notes"))
        json_object_set_new (args, "notes", json_string (""));
    int rc = qf_store_candidate_add (ctx->store, args, ctx->now, ctx->user, &id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not add the candidate: %s", qf_strerror (rc));
    return s_change (ctx, id, NULL, "acquisition.candidate_added", NULL, result_p);
}

static int
s_candidate_evaluate (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = 0;
    const char *to = NULL;
    int rc = s_load_in (ctx, args, "evaluate", &to, &id);
    if (rc)
        return rc;
    json_t *report = json_pack (
        "{s:O, s:O, s:O, s:O, s:s, s:I}", "legality", json_object_get (args, "legality"),
        "market_demand", json_object_get (args, "market_demand"), "potential_value",
        json_object_get (args, "potential_value"), "report", json_object_get (args, "report"),
        "author", ctx->user ? ctx->user : "", "time", (json_int_t)ctx->now);
    char *text = report ? json_dumps (report, JSON_COMPACT) : NULL;
    json_decref (report);
    if (!text)
        return qf_ctx_error (ctx, QF_ENOMEM, NULL, "out of memory");
    qf_candidate_change_t change = {.state = to, .evaluation = text};
    rc = s_change (ctx, id, &change, "acquisition.evaluated",
                   json_pack ("{s:[s]}", "recipients", "management"), result_p);
    free (text);
    return rc;
}

static int
s_candidate_decide (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = 0;
    bool acquire = strcmp (json_string_value (json_object_get (args, "decision")), "acquire") == 0;
    const char *to = NULL;
    int rc = s_load_in (ctx, args, acquire ? "acquire" : "decline", &to, &id);
    if (rc)
        return rc;
    qf_candidate_change_t change = {
        .state = to, .decision = acquire ? "acquire" : "decline", .decided_by = ctx->user};
    const char *note = json_string_value (json_object_get (args, "note"));
    return s_change (ctx, id, &change, "acquisition.decided",
                     json_pack ("{s:s}", "note", note ? note : ""), result_p);
}

static int
s_candidate_track (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = 0;
    int rc = s_load_in (ctx, args, "track", NULL, &id);
    if (rc)
        return rc;
    const char *via = json_string_value (json_object_get (args, "via"));
    const char *agency = json_string_value (json_object_get (args, "agency"));
    if (strcmp (via, "agency") == 0 && !agency)
        return qf_ctx_error (ctx, QF_EINVAL, "args.agency",
                             "an acquisition through an agency names the agency (args.agency)");
    const char *blocker = json_string_value (json_object_get (args, "blocker"));
    rc = qf_store_candidate_progress_add (ctx->store, id, ctx->now, ctx->user,
                                          json_string_value (json_object_get (args, "progress")),
                                          blocker);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record progress: %s", qf_strerror (rc));
    qf_candidate_change_t change = {.via = via, .agency = agency};
    /* A blocker is escalated to management (§4.1). */
    return s_change (
        ctx, id, &change, blocker ? "acquisition.blocked" : "acquisition.progress",
        blocker ? json_pack ("{s:s, s:[s]}", "blocker", blocker, "recipients", "management") : NULL,
        result_p);
}

static int
s_candidate_acquire (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *candidate = NULL;
    const char *to = NULL;
    int rc = s_load (ctx, args, &candidate);
    if (rc == 0)
        rc = s_need_state (ctx, candidate, "acquired", &to);
    if (rc) {
        json_decref (candidate);
        return rc;
    }
    json_int_t id = json_integer_value (json_object_get (candidate, "id"));
    /* The certificate in hand becomes a qualification and goes to review (§4.2). */
    json_t *qual_args = json_pack (
        "{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "name", json_object_get (candidate, "name"),
        "authority", json_object_get (candidate, "authority"), "category",
        json_object_get (candidate, "category"), "cert_no", json_object_get (args, "cert_no"),
        "scope", json_object_get (args, "scope"), "issued", json_object_get (args, "issued"),
        "expires", json_object_get (args, "expires"));
    /* The industry researched for the candidate goes to the technical review. */
    if (qual_args)
        json_object_set (qual_args, "industry", json_object_get (candidate, "industry"));
    json_decref (candidate);
    static const char *money[] = {"acquisition_cost", "expected_revenue"};
    for (int i = 0; qual_args && i < 2; i++)
        if (json_object_get (args, money[i]))
            json_object_set (qual_args, money[i], json_object_get (args, money[i]));
    /* Through the qualification module's functions, not the dispatcher:
       candidate.acquire's spec checks the certificate's arguments with the
       same rules as qual.add's (qualification_spec.h). */
    json_t *added = NULL, *submitted = NULL;
    /* The candidate's own fields (category, authority, industry) are held
       to qual.add's rules too, against the running configuration: a
       category dropped since the candidate was added is refused here. */
    rc = qual_args ? qf_commands_check (ctx, qf_commands_find ("qual.add"), qual_args) : QF_ENOMEM;
    if (rc == 0)
        rc = qf_qualification_add (ctx, qual_args, &added);
    json_decref (qual_args);
    json_int_t qid = json_integer_value (json_object_get (added, "id"));
    json_decref (added);
    if (rc == 0)
        rc = qf_qualification_submit (ctx, qid, &submitted);
    json_decref (submitted);
    if (rc)
        return rc; /* ctx->error says what was wrong with the certificate */
    qf_candidate_change_t change = {.state = to, .qualification_id = qid};
    return s_change (ctx, id, &change, "acquisition.acquired",
                     json_pack ("{s:I}", "qualification_id", qid), result_p);
}

static int
s_candidate_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_load (ctx, args, result_p);
}

static int
s_candidate_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int rc =
        qf_store_candidates_json (ctx->store, json_string_value (json_object_get (args, "state")),
                                  limit ? (int)json_integer_value (limit) : 100, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list candidates: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o}", "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

/* The handlers of the commands described in acquisition_spec.c. */
const qf_handler_t qf_acquisition_handlers[] = {
    {"candidate.add", s_candidate_add},
    {"candidate.evaluate", s_candidate_evaluate},
    {"candidate.decide", s_candidate_decide},
    {"candidate.track", s_candidate_track},
    {"candidate.acquire", s_candidate_acquire},
    {"candidate.show", s_candidate_show},
    {"candidate.list", s_candidate_list},
    {NULL},
};
