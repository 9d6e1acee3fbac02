/*  staff_training — §5.1 training: onboarding of at least
    policy.onboarding_training_days days over the topics of
    staff.onboarding_topics, within staff.onboarding_window_days of the
    start date, before a salesperson sends a proposal or signs a contract
    (qf_staff_require_onboarding); periodic training and experience
    sharing, staff.yearly_training_hours a year. Sessions are recorded with
    their kind, topic, date and hours, and attendance per person; a
    salesperson's onboarding is complete on the day of the session that
    completes it (staff.onboarding_completed). */
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "staff/staff.h"
#include "staff/staff_config.h"
#include "staff/staff_int.h"
#include "staff/staff_store.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HOURS_MAX   100 /* one session at most */
#define PEOPLE_MAX  200 /* attendance recorded at once */
#define TRAINING_ON "training"

/* Progress ------------------------------------------------------------------ */

/* Whether `topic` is among the items of `list`. */
static bool
s_listed (json_t *list, const char *topic)
{
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item)
    {
        if (strcmp (json_string_value (item), topic) == 0)
            return true;
    }
    return false;
}

int
qf_staff__onboarding (qf_store_t *store, const qf_config_t *config, json_t *person,
                      json_t **onboarding_p)
{
    const qf_staff_config_t *settings = qf_staff_config (config);
    const char *name = json_string_value (json_object_get (person, "person"));
    json_t *attended = NULL, *topics = json_array (), *missing = json_array ();
    int rc = topics && missing ? qf_staff_store_attended (store, name, NULL, NULL, &attended)
                               : QF_ENOMEM;
    double hours = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (attended); i++) {
        json_t *session = json_array_get (attended, i);
        const char *topic = json_string_value (json_object_get (session, "topic"));
        if (strcmp (json_string_value (json_object_get (session, "kind")), "onboarding") != 0)
            continue;
        hours += json_number_value (json_object_get (session, "hours"));
        if (!s_listed (topics, topic) && json_array_append_new (topics, json_string (topic)))
            rc = QF_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < settings->onboarding_topic_count; i++)
        if (!s_listed (topics, settings->onboarding_topics[i]) &&
            json_array_append_new (missing, json_string (settings->onboarding_topics[i])))
            rc = QF_ENOMEM;
    json_decref (attended);
    int32_t started = 0;
    char due[16] = "";
    if (qf_date_parse (json_string_value (json_object_get (person, "started")), &started) == 0)
        qf_date_format (started + settings->onboarding_window_days, due, sizeof due);
    int required_hours = settings->onboarding_training_days * settings->training_day_hours;
    json_t *onboarded = json_object_get (person, "onboarded");
    bool done = json_is_string (onboarded) ||
                (hours + 1e-9 >= required_hours && json_array_size (missing) == 0);
    if (rc == 0) {
        *onboarding_p =
            json_pack ("{s:b, s:i, s:i, s:f, s:O, s:O, s:s, s:b, s:O}", "required",
                       qf_staff__holds (person, "sales"), "required_days",
                       settings->onboarding_training_days, "required_hours", required_hours,
                       "hours", hours, "topics", topics, "missing_topics", missing, "due", due,
                       "complete", done, "onboarded", onboarded ? onboarded : json_null ());
        rc = *onboarding_p ? 0 : QF_ENOMEM;
    }
    json_decref (topics);
    json_decref (missing);
    return rc;
}

int
qf_staff__year (qf_store_t *store, const qf_config_t *config, json_t *person, int year,
                json_t **training_p)
{
    const qf_staff_config_t *settings = qf_staff_config (config);
    char from[16], to[16];
    int32_t first = qf_calendar_year_start (year), last = qf_calendar_year_start (year + 1) - 1;
    qf_date_format (first, from, sizeof from);
    qf_date_format (last, to, sizeof to);
    json_t *attended = NULL;
    int rc = qf_staff_store_attended (store, json_string_value (json_object_get (person, "person")),
                                      from, to, &attended);
    if (rc)
        return rc;
    double hours = 0;
    for (size_t i = 0; i < json_array_size (attended); i++) {
        json_t *session = json_array_get (attended, i);
        if (strcmp (json_string_value (json_object_get (session, "kind")), "onboarding") != 0)
            hours += json_number_value (json_object_get (session, "hours"));
    }
    json_decref (attended);
    /* A year begun after 1 January owes its part of the hours. */
    int32_t started = first;
    qf_date_parse (json_string_value (json_object_get (person, "started")), &started);
    double required = settings->yearly_training_hours;
    if (started > last)
        required = 0;
    else if (started > first)
        required = round (required * (last - started + 1) / (last - first + 1) * 10) / 10;
    *training_p = json_pack ("{s:i, s:f, s:f, s:b}", "year", year, "hours", hours, "required_hours",
                             required, "short", hours + 1e-9 < required);
    return *training_p ? 0 : QF_ENOMEM;
}

int
qf_staff__onboarded (qf_store_t *store, const qf_config_t *config, json_t *person, const char *date,
                     int64_t now, bool *done_p)
{
    const char *name = json_string_value (json_object_get (person, "person"));
    json_t *onboarding = NULL;
    if (done_p)
        *done_p = false;
    if (json_is_string (json_object_get (person, "onboarded")))
        return 0;
    int rc = qf_staff_store_person_onboarded (store, name, date, now);
    if (rc == 0)
        rc = qf_staff__unwatch (store, name, QF_STAFF_ONBOARDING_DUE);
    if (rc == 0)
        rc = qf_staff__onboarding (store, config, person, &onboarding);
    if (rc == 0)
        rc = qf_emit_named (store, now, "staff.onboarding_completed", QF_STAFF_SUBJECT, name,
                            json_pack ("{s:s, s:s, s:O, s:O, s:o?}", "person", name, "date", date,
                                       "hours", json_object_get (onboarding, "hours"), "topics",
                                       json_object_get (onboarding, "topics"), "recipients",
                                       qf_staff__recipients (store, person, true, true, NULL)));
    json_decref (onboarding);
    if (rc == 0 && done_p)
        *done_p = true;
    return rc;
}

int
qf_staff_require_onboarding (qf_ctx_t *ctx, const char *action)
{
    json_t *person = NULL, *onboarding = NULL;
    int rc = qf_staff_get (ctx->store, ctx->user, &person);
    if (rc == QF_ENOTFOUND)
        return 0; /* not a person of the directory: nothing to hold them to */
    if (rc == 0 &&
        (strcmp (json_string_value (json_object_get (person, "status")), "active") != 0 ||
         !qf_staff__holds (person, "sales") ||
         json_is_string (json_object_get (person, "onboarded")))) {
        json_decref (person);
        return 0;
    }
    if (rc == 0)
        rc = qf_staff__onboarding (ctx->store, ctx->config, person, &onboarding);
    json_decref (person);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read %s's training: %s", ctx->user,
                             qf_strerror (rc));
    if (json_is_true (json_object_get (onboarding, "complete"))) {
        json_decref (onboarding);
        return 0;
    }
    const qf_staff_config_t *settings = qf_staff_config (ctx->config);
    json_t *missing = json_object_get (onboarding, "missing_topics");
    char topics[512] = "", hours[160] = "", names[400];
    double done = json_number_value (json_object_get (onboarding, "hours"));
    int required = (int)json_integer_value (json_object_get (onboarding, "required_hours"));
    if (done + 1e-9 < required)
        snprintf (hours, sizeof hours,
                  "%.1f of %d hours attended (policy.onboarding_training_days %d days of "
                  "staff.training_day_hours %d)",
                  done, required, settings->onboarding_training_days, settings->training_day_hours);
    if (json_array_size (missing))
        snprintf (topics, sizeof topics, "topics not yet attended: %s (staff.onboarding_topics)",
                  qf_staff__join (missing, names, sizeof names));
    rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "user",
                       "%s may not %s yet: their onboarding training (§5.1) is not complete: "
                       "%s%s%s; due by %s. hr records attendance with 'qualflow training attend "
                       "ID --people %s'",
                       ctx->user, action, hours, hours[0] && topics[0] ? "; " : "", topics,
                       json_string_value (json_object_get (onboarding, "due")), ctx->user);
    json_decref (onboarding);
    return rc;
}

/* Handlers ------------------------------------------------------------------ */

/* The session `id` with its attendees; 404 when there is none. */
static int
s_session (qf_ctx_t *ctx, json_int_t id, json_t **session_p)
{
    int rc = qf_staff_store_training_get (ctx->store, id, session_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.id",
                             "no training session with id %lld; see 'qualflow training list'",
                             (long long)id);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the session: %s", qf_strerror (rc));
    return 0;
}

/* training.add */
int
qf_staff__training_add (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const qf_staff_config_t *settings = qf_staff_config (ctx->config);
    const char *kind = json_string_value (json_object_get (args, "kind"));
    const char *topic = json_string_value (json_object_get (args, "topic"));
    double hours = json_number_value (json_object_get (args, "hours"));
    if (hours < 0.5 || hours > HOURS_MAX || fabs (hours * 2 - round (hours * 2)) > 1e-9)
        return qf_ctx_error (ctx, QF_EINVAL, "args.hours",
                             "args.hours must be from 0.5 to %d in halves of an hour, got %g",
                             HOURS_MAX, hours);
    if (strcmp (kind, "onboarding") == 0 &&
        !qf_name_in (settings->onboarding_topics, settings->onboarding_topic_count, topic)) {
        json_t *list = json_array ();
        char known[400];
        for (size_t i = 0; list && i < settings->onboarding_topic_count; i++)
            json_array_append_new (list, json_string (settings->onboarding_topics[i]));
        int rc = qf_ctx_error (ctx, QF_EINVAL, "args.topic",
                               "args.topic \"%s\" is not an onboarding topic; use one of: %s "
                               "(staff.onboarding_topics)",
                               topic, qf_staff__join (list, known, sizeof known));
        json_decref (list);
        return rc;
    }
    int64_t id = 0;
    json_t *session = NULL;
    int rc = qf_staff_store_training_add (ctx->store, args, qf_staff__who (ctx), ctx->now, &id);
    if (rc == 0)
        rc = qf_staff_store_training_get (ctx->store, id, &session);
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "training.added", TRAINING_ON, id,
                          json_pack ("{s:O, s:s}", "session", session, "by", qf_staff__who (ctx)));
    if (rc) {
        json_decref (session);
        return qf_ctx_error (ctx, rc, NULL, "could not add the session: %s", qf_strerror (rc));
    }
    *result_p = session;
    return 0;
}

/* The people of args.people: each an active person of the directory,
   named once, not yet recorded at `session`; their records in *people_p. */
static int
s_attendees (qf_ctx_t *ctx, json_t *args, json_t *session, json_t **people_p)
{
    json_t *names = NULL, *people = json_array ();
    int rc = people ? qf_ctx_split (ctx, json_string_value (json_object_get (args, "people")), ',',
                                    "args.people", &names)
                    : QF_ENOMEM;
    if (rc == 0 && json_array_size (names) > PEOPLE_MAX)
        rc = qf_ctx_error (ctx, QF_ETOOBIG, "args.people",
                           "args.people names %zu people; record at most %d at once",
                           json_array_size (names), PEOPLE_MAX);
    json_t *attendees = json_object_get (session, "attendees");
    for (size_t i = 0; rc == 0 && i < json_array_size (names); i++) {
        const char *name = json_string_value (json_array_get (names, i));
        json_t *person = NULL;
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (strcmp (name, json_string_value (json_array_get (names, k))) == 0)
                rc = qf_ctx_error (ctx, QF_EINVAL, "args.people",
                                   "args.people names %s twice; name each person once", name);
        for (size_t k = 0; rc == 0 && k < json_array_size (attendees); k++)
            if (strcmp (name, json_string_value (
                                  json_object_get (json_array_get (attendees, k), "person"))) == 0)
                rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.people",
                                   "%s's attendance of session %lld is recorded already", name,
                                   (long long)json_integer_value (json_object_get (session, "id")));
        if (rc == 0) {
            rc = qf_staff_get (ctx->store, name, &person);
            if (rc == QF_ENOTFOUND)
                rc = qf_ctx_error (ctx, QF_EINVAL, "args.people",
                                   "args.people: %.64s is not in the staff directory; add them "
                                   "with 'qualflow staff add' first",
                                   name);
            else if (rc == 0 &&
                     strcmp (json_string_value (json_object_get (person, "status")), "active"))
                rc = qf_ctx_error (ctx, QF_EINVAL, "args.people",
                                   "args.people: %s left the company on %s", name,
                                   json_string_value (json_object_get (person, "left_on")));
        }
        if (rc == 0 && json_array_append (people, person))
            rc = QF_ENOMEM;
        json_decref (person);
    }
    json_decref (names);
    if (rc)
        json_decref (people);
    else
        *people_p = people;
    return rc;
}

/* training.attend: the people who attended a session held by today. */
int
qf_staff__training_attend (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_int_t id = json_integer_value (json_object_get (args, "id"));
    json_t *session = NULL, *people = NULL, *names = json_array (), *completed = json_array ();
    int rc = names && completed ? s_session (ctx, id, &session) : QF_ENOMEM;
    const char *date = json_string_value (json_object_get (session, "date"));
    int32_t day = 0;
    if (rc == 0 && qf_date_parse (date, &day) == 0 &&
        day > qf_calendar_today (ctx->config, ctx->now))
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.id",
                           "session %lld is held on %s, after today: record who attended once "
                           "it has been held",
                           (long long)id, date);
    if (rc == 0)
        rc = s_attendees (ctx, args, session, &people);
    bool onboarding = rc == 0 && strcmp (json_string_value (json_object_get (session, "kind")),
                                         "onboarding") == 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (people); i++) {
        json_t *person = json_array_get (people, i), *progress = NULL;
        const char *name = json_string_value (json_object_get (person, "person"));
        rc = qf_staff_store_attend (ctx->store, id, name, qf_staff__who (ctx), ctx->now);
        if (rc == 0 && json_array_append_new (names, json_string (name)))
            rc = QF_ENOMEM;
        if (rc == 0 && onboarding && qf_staff__holds (person, "sales") &&
            !json_is_string (json_object_get (person, "onboarded")))
            rc = qf_staff__onboarding (ctx->store, ctx->config, person, &progress);
        bool done = false;
        if (rc == 0 && json_is_true (json_object_get (progress, "complete")))
            rc = qf_staff__onboarded (ctx->store, ctx->config, person, date, ctx->now, &done);
        if (rc == 0 && done && json_array_append_new (completed, json_string (name)))
            rc = QF_ENOMEM;
        json_decref (progress);
    }
    if (rc == 0)
        rc = qf_ctx_emit (ctx, "training.attended", TRAINING_ON, id,
                          json_pack ("{s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:s}", "training_id",
                                     (json_int_t)id, "kind", json_object_get (session, "kind"),
                                     "topic", json_object_get (session, "topic"), "date",
                                     json_object_get (session, "date"), "hours",
                                     json_object_get (session, "hours"), "people", names,
                                     "completed", completed, "by", qf_staff__who (ctx)));
    json_decref (session);
    session = NULL;
    if (rc == 0)
        rc = qf_staff_store_training_get (ctx->store, id, &session);
    if (rc == 0 && json_object_set (session, "completed", completed))
        rc = QF_ENOMEM;
    json_decref (people);
    json_decref (names);
    json_decref (completed);
    if (rc) {
        json_decref (session);
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record the attendance: %s",
                                             qf_strerror (rc));
    }
    *result_p = session;
    return 0;
}

/* training.show */
int
qf_staff__training_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_session (ctx, json_integer_value (json_object_get (args, "id")), result_p);
}

/* training.list: paged by id. */
int
qf_staff__training_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int n = limit ? (int)json_integer_value (limit) : 100;
    int rc = qf_staff_store_training_list (
        ctx->store, json_string_value (json_object_get (args, "kind")),
        json_string_value (json_object_get (args, "person")),
        json_string_value (json_object_get (args, "from")),
        json_string_value (json_object_get (args, "to")),
        json_integer_value (json_object_get (args, "next")), n, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list training sessions: %s",
                             qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, n));
    return *result_p ? 0 : QF_ENOMEM;
}
