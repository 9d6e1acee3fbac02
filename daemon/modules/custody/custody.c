/*  qf_custody — custody commands (§4.3): the archive record of a
    certificate and its loans (request, approval by a leader, lending,
    return), with an overdue event every working day until it is back. */
#include "custody/custody.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "qualification/qualification.h"
#include "custody/custody_store.h"

#include <stdio.h>
#include <string.h>

#define OVERDUE_BATCH 64 /* loans reminded per tick at most */

/* Appends `topic` with payload {"loan": loan, "by": who}. Keeps loan. */
static int
s_loan_event (qf_ctx_t *ctx, const char *topic, json_t *loan)
{
    int rc = qf_ctx_emit (ctx, topic, "qualification",
                          json_integer_value (json_object_get (loan, "qualification_id")),
                          json_pack ("{s:O, s:s}", "loan", loan, "by", qf_ctx_who (ctx)));
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    return 0;
}

/* Handlers ------------------------------------------------------------------ */

static int
s_custody_archive (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = qf_ctx_load_qual_for (ctx, args, "qualification_id", "archive", &record, NULL);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    json_decref (record);
    const char *acquired_text = json_string_value (json_object_get (args, "acquired"));
    int32_t acquired = 0;
    qf_date_parse (acquired_text, &acquired);
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    if (acquired > today)
        return qf_ctx_error (ctx, QF_EINVAL, "args.acquired",
                             "args.acquired (%s) must not be after today", acquired_text);
    const char *custodian = json_string_value (json_object_get (args, "custodian"));
    const char *location = json_string_value (json_object_get (args, "location"));
    const char *notes = json_string_value (json_object_get (args, "notes"));
    rc = qf_store_archive_put (ctx->store, id, custodian, location, acquired, notes, ctx->now);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not store the archive record: %s",
                             qf_strerror (rc));
    rc = qf_ctx_emit (ctx, "custody.archived", "qualification", id,
                      json_pack ("{s:I, s:s, s:s, s:s, s:s}", "qualification_id", id, "custodian",
                                 custodian, "location", location, "acquired", acquired_text, "by",
                                 qf_ctx_who (ctx)));
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not record the event: %s", qf_strerror (rc));
    rc = qf_store_archive_get (ctx->store, id, result_p);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the archive record: %s",
                             qf_strerror (rc));
    return 0;
}

/* The archive record with what §4.3 lists from the qualification's record
   (name, validity, scope) and the history of its loans. */
static int
s_custody_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *record = NULL;
    int rc = qf_ctx_load_qual (ctx, args, "qualification_id", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    json_t *archive = NULL, *loans = NULL;
    rc = qf_store_archive_get (ctx->store, id, &archive);
    if (rc == QF_ENOTFOUND)
        rc = qf_ctx_error (ctx, rc, "args.qualification_id",
                           "qualification %lld has no archive record; custody.archive makes one",
                           (long long)id);
    else if (rc)
        rc =
            qf_ctx_error (ctx, rc, NULL, "could not read the archive record: %s", qf_strerror (rc));
    if (rc == 0) {
        rc = qf_store_loans_of (ctx->store, id, qf_calendar_today (ctx->config, ctx->now), &loans);
        if (rc)
            qf_ctx_error (ctx, rc, NULL, "could not read loans: %s", qf_strerror (rc));
    }
    if (rc == 0) {
        static const char *keys[] = {"name",   "cert_no", "authority", "scope",
                                     "issued", "expires", "state"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            json_t *value = json_object_get (record, keys[i]);
            json_object_set (archive, keys[i], value ? value : json_null ());
        }
        json_object_set_new (archive, "loans", loans);
        loans = NULL;
        *result_p = archive;
        archive = NULL;
    }
    json_decref (record);
    json_decref (archive);
    json_decref (loans);
    return rc;
}

static int
s_loan_request (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *due_text = json_string_value (json_object_get (args, "due"));
    int32_t due = 0;
    qf_date_parse (due_text, &due);
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    if (due <= today) {
        char today_text[16];
        qf_date_format (today, today_text, sizeof today_text);
        return qf_ctx_error (ctx, QF_EINVAL, "args.due",
                             "args.due (%s) must be after today (%s): a loan needs a return "
                             "deadline in the future",
                             due_text, today_text);
    }
    json_t *record = NULL;
    int rc = qf_ctx_load_qual (ctx, args, "qualification_id", &record);
    if (rc)
        return rc;
    json_int_t id = json_integer_value (json_object_get (record, "id"));
    json_decref (record);
    json_t *archive = NULL;
    rc = qf_store_archive_get (ctx->store, id, &archive);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, QF_ECONFLICT, "args.qualification_id",
                             "qualification %lld has no archive record; its certificate cannot "
                             "be borrowed before custody.archive",
                             (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the archive record: %s",
                             qf_strerror (rc));
    const char *to = json_string_value (json_object_get (archive, "transferred_to"));
    if (to) {
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.qualification_id",
                           "the certificate of qualification %lld was handed over to %s under "
                           "contract id %lld; it is no longer in custody (custody.archive "
                           "records it again when it comes back)",
                           (long long)id, to,
                           (long long)json_integer_value (
                               json_object_get (archive, "transfer_contract")));
        json_decref (archive);
        return rc;
    }
    json_decref (archive);
    int64_t open_id = 0;
    rc = qf_store_loan_open_of (ctx->store, id, &open_id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read loans: %s", qf_strerror (rc));
    if (open_id) {
        json_t *open = NULL;
        const char *state = "open";
        if (qf_store_loan_get (ctx->store, open_id, today, &open) == 0)
            state = json_string_value (json_object_get (open, "state"));
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.qualification_id",
                           "the certificate of qualification %lld already has loan %lld (%s); "
                           "it must be returned (or the request refused) first",
                           (long long)id, (long long)open_id, state);
        json_decref (open);
        return rc;
    }
    int64_t loan_id = 0;
    rc = qf_store_loan_insert (ctx->store, id,
                               json_string_value (json_object_get (args, "borrower")),
                               json_string_value (json_object_get (args, "purpose")), due,
                               qf_ctx_who (ctx), ctx->now, &loan_id);
    json_t *loan = NULL;
    if (rc == 0)
        rc = qf_store_loan_get (ctx->store, loan_id, today, &loan);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not store the loan: %s", qf_strerror (rc));
    rc = s_loan_event (ctx, "custody.borrow_requested", loan);
    if (rc) {
        json_decref (loan);
        return rc;
    }
    *result_p = loan;
    return 0;
}

/* A loan's transitions (§4.3): a leader approves or refuses a requested
   loan, an approved one is lent, a lent one returned. The one place that
   says which state a move comes from; the store's update is guarded by
   it. */
static const struct {
    const char *to;      /* the state a move leaves the loan in */
    const char *from;    /* the only state it may come from */
    const char *from_an; /* that state with its article, for the refusal */
} s_loan_moves[] = {
    {"approved", "requested", "a requested"},
    {"refused", "requested", "a requested"},
    {"lent", "approved", "an approved"},
    {"returned", "lent", "a lent"},
};

/* Moves the loan named by args.loan_id to `state` and raises `topic`. */
static int
s_loan_move (qf_ctx_t *ctx, json_t *args, json_t **result_p, const char *state, const char *topic)
{
    size_t move = 0;
    while (strcmp (s_loan_moves[move].to, state) != 0)
        move++; /* every caller names a row of s_loan_moves */
    json_int_t loan_id = json_integer_value (json_object_get (args, "loan_id"));
    int32_t today = qf_calendar_today (ctx->config, ctx->now);
    json_t *loan = NULL;
    int rc = qf_store_loan_get (ctx->store, loan_id, today, &loan);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.loan_id", "no loan with id %lld", (long long)loan_id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the loan: %s", qf_strerror (rc));
    char was[32];
    snprintf (was, sizeof was, "%s", json_string_value (json_object_get (loan, "state")));
    json_decref (loan);
    loan = NULL;
    rc = strcmp (was, s_loan_moves[move].from) == 0
             ? qf_store_loan_move (ctx->store, loan_id, s_loan_moves[move].from, state, qf_ctx_who (ctx),
                                   ctx->now, today, &loan)
             : QF_ECONFLICT;
    if (rc == QF_ECONFLICT) {
        if (strcmp (state, "lent") == 0 && strcmp (was, "requested") == 0)
            return qf_ctx_error (ctx, rc, "args.loan_id",
                                 "loan %lld is requested: a loan needs a leader's approval "
                                 "before the certificate is lent",
                                 (long long)loan_id);
        return qf_ctx_error (ctx, rc, "args.loan_id", "loan %lld is %s; only %s loan can be %s",
                             (long long)loan_id, was, s_loan_moves[move].from_an, state);
    }
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not change the loan: %s", qf_strerror (rc));
    rc = s_loan_event (ctx, topic, loan);
    if (rc) {
        json_decref (loan);
        return rc;
    }
    *result_p = loan;
    return 0;
}

static int
s_loan_approve (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_loan_move (ctx, args, result_p, "approved", "custody.borrow_approved");
}

static int
s_loan_refuse (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_loan_move (ctx, args, result_p, "refused", "custody.borrow_refused");
}

static int
s_loan_lend (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_loan_move (ctx, args, result_p, "lent", "custody.lent");
}

static int
s_loan_return (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_loan_move (ctx, args, result_p, "returned", "custody.returned");
}

static int
s_loan_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int rc = qf_store_loans_list (ctx->store, json_string_value (json_object_get (args, "state")),
                                  json_integer_value (json_object_get (args, "qualification_id")),
                                  limit ? (int)json_integer_value (limit) : 100,
                                  qf_calendar_today (ctx->config, ctx->now), &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read loans: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o}", "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

/* Overdue ------------------------------------------------------------------- */

/* One pass over the overdue loans, in a savepoint (qf_store_in_savepoint):
   each reminded once, or none when one fails. */
typedef struct {
    json_t *loans; /* overdue loans not yet reminded today (borrowed) */
    int32_t today; /* the day, for the mark */
    int64_t now;   /* the events' time */
    int raised;    /* reminders raised */
} overdue_pass_t;

static int
s_remind_overdue (qf_store_t *store, void *arg)
{
    overdue_pass_t *pass = arg;
    size_t i;
    json_t *loan;
    json_array_foreach (pass->loans, i, loan)
    {
        json_int_t loan_id = json_integer_value (json_object_get (loan, "id"));
        int days = (int)json_integer_value (json_object_get (loan, "overdue_days"));
        int rc = qf_emit (store, pass->now, "custody.borrow_overdue", "qualification",
                          json_integer_value (json_object_get (loan, "qualification_id")),
                          json_pack ("{s:O, s:i}", "loan", loan, "days_overdue", days));
        if (rc == 0)
            rc = qf_store_loan_overdue_mark (store, loan_id, pass->today);
        if (rc)
            return rc;
        pass->raised++;
    }
    return 0;
}

int
qf_custody_transfer (qf_store_t *store, int64_t now, int64_t qual_id, const char *to,
                     int64_t contract_id, const char *by, char *why, size_t why_size)
{
    json_t *archive = NULL;
    int64_t loan = 0;
    int rc = qf_store_archive_get (store, qual_id, &archive);
    if (rc == QF_ENOTFOUND) {
        snprintf (why, why_size,
                  "the certificate of qualification %lld has no archive record: it is not in "
                  "custody; custody.archive records it first (§4.3)",
                  (long long)qual_id);
        return QF_ECONFLICT;
    }
    const char *gone = rc ? NULL : json_string_value (json_object_get (archive, "transferred_to"));
    if (gone) {
        snprintf (why, why_size,
                  "the certificate of qualification %lld was already handed over to %s (contract "
                  "id %lld)",
                  (long long)qual_id, gone,
                  (long long)json_integer_value (json_object_get (archive, "transfer_contract")));
        rc = QF_ECONFLICT;
    }
    json_t *custodian = json_incref (json_object_get (archive, "custodian"));
    json_decref (archive);
    if (rc == 0)
        rc = qf_store_loan_open_of (store, qual_id, &loan);
    if (rc == 0 && loan) {
        snprintf (why, why_size,
                  "the certificate of qualification %lld has open loan %lld; it is returned (or "
                  "the request refused) before the handover",
                  (long long)qual_id, (long long)loan);
        rc = QF_ECONFLICT;
    }
    if (rc == 0)
        rc = qf_store_archive_transfer (store, qual_id, to, contract_id, by, now);
    if (rc == 0)
        rc = qf_emit (store, now, "custody.transferred", "qualification", qual_id,
                      json_pack ("{s:I, s:O, s:s, s:I, s:s, s:[s]}", "qualification_id",
                                 (json_int_t)qual_id, "custodian", custodian, "to", to,
                                 "contract_id", (json_int_t)contract_id, "by", by ? by : "",
                                 "recipients", "logistics"));
    json_decref (custodian);
    return rc;
}

int
qf_custody_tick (qf_store_t *store, const qf_config_t *config, int64_t now, int *raised_p)
{
    if (raised_p)
        *raised_p = 0;
    int32_t today = qf_calendar_today (config, now);
    if (!qf_calendar_is_working_day (config, today) ||
        now < qf_calendar_reminder_at (config, today))
        return 0;
    json_t *loans = NULL;
    int rc = qf_store_loans_overdue (store, today, OVERDUE_BATCH, &loans);
    if (rc == 0 && json_array_size (loans) == 0) {
        json_decref (loans);
        return 0;
    }
    overdue_pass_t pass = {loans, today, now, 0};
    if (rc == 0)
        rc = qf_store_in_savepoint (store, s_remind_overdue, &pass);
    json_decref (loans);
    if (rc) {
        qf_error ("overdue loans could not be reminded (%s); they will be tried again",
                  qf_strerror (rc));
        return rc;
    }
    int raised = pass.raised;
    if (raised)
        qf_info ("%d overdue loan%s reminded", raised, raised == 1 ? "" : "s");
    if (raised_p)
        *raised_p = raised;
    return 0;
}

/* The table ----------------------------------------------------------------- */

/* The handlers of the commands described in custody_spec.c. */
const qf_handler_t qf_custody_handlers[] = {
    {"custody.archive", s_custody_archive},
    {"custody.show", s_custody_show},
    {"loan.request", s_loan_request},
    {"loan.approve", s_loan_approve},
    {"loan.refuse", s_loan_refuse},
    {"loan.lend", s_loan_lend},
    {"loan.return", s_loan_return},
    {"loan.list", s_loan_list},
    {NULL},
};
