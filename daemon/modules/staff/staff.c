/*  staff — the staff directory: who the people of the policy are, in
    which department, acting in which roles, under which supervisor, since
    when, and whether they are still with the company. The roles used
    everywhere come from it (qf_staff_authorize, the module's authorize
    hook): a person of the directory acts only in the roles it gives them,
    and not at all once they have left; with staff.require_directory a
    request in a business role must come from such a person. Whom an event
    goes to is read from it (qf_staff_supervisor_of, qf_staff_people_in).
    Training is in staff_training.c, conduct in staff_conduct.c. */
#include "staff/staff.h"
#include "qf.h"
#include "qf_calendar.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "notify/notify_channels.h"
#include "qf_role.h"
#include "staff/staff_config.h"
#include "staff/staff_int.h"
#include "staff/staff_store.h"

#include <stdio.h>
#include <string.h>

#define CHAIN_MAX 64 /* supervisors followed up a chain at most */

/* Shared helpers ---------------------------------------------------------- */

const char *
qf_staff__who (qf_ctx_t *ctx)
{
    return ctx->user && ctx->user[0] ? ctx->user : ctx->role;
}

bool
qf_staff__holds (json_t *person, const char *role)
{
    size_t i;
    json_t *held;
    json_array_foreach (json_object_get (person, "roles"), i, held)
    {
        if (strcmp (json_string_value (held), role) == 0)
            return true;
    }
    return false;
}

const char *
qf_staff__today (const qf_config_t *config, int64_t now, char *date)
{
    return qf_date_format (qf_calendar_today (config, now), date, 11);
}

const char *
qf_staff__join (json_t *names, char *text, size_t size)
{
    size_t used = 0, i;
    json_t *name;
    text[0] = '\0';
    json_array_foreach (names, i, name)
    {
        if (used < size)
            used += (size_t)snprintf (text + used, size - used, "%s%s", i ? ", " : "",
                                      json_string_value (name));
    }
    return text;
}

int
qf_staff__load (qf_ctx_t *ctx, json_t *args, json_t **person_p)
{
    const char *name = json_string_value (json_object_get (args, "person"));
    int rc = qf_staff_get (ctx->store, name, person_p);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.person",
                             "%s is not in the staff directory; see 'qualflow staff list'", name);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the staff directory: %s",
                             qf_strerror (rc));
    return 0;
}

int
qf_staff__not_after_today (qf_ctx_t *ctx, json_t *args, const char *key)
{
    const char *date = json_string_value (json_object_get (args, key));
    int32_t day = 0;
    if (!date || qf_date_parse (date, &day) || day <= qf_calendar_today (ctx->config, ctx->now))
        return 0;
    char field[32];
    snprintf (field, sizeof field, "args.%s", key);
    return qf_ctx_error (ctx, QF_EINVAL, field, "%s (%s) is after today: record what happened",
                         field, date);
}

int
qf_staff_name_add (json_t *list, const char *name)
{
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item)
    {
        if (strcmp (json_string_value (item), name) == 0)
            return 0;
    }
    return json_array_append_new (list, json_string (name)) ? QF_ENOMEM : 0;
}

json_t *
qf_staff__recipients (qf_store_t *store, json_t *person, bool self, bool supervisor,
                      const char *roles)
{
    json_t *recipients = json_array ();
    const char *name = json_string_value (json_object_get (person, "person"));
    char boss[QF_STAFF_PERSON_SIZE];
    int rc = recipients ? 0 : QF_ENOMEM;
    if (rc == 0 && name && self)
        rc = qf_staff_name_add (recipients, name);
    if (rc == 0 && name && supervisor &&
        qf_staff_supervisor_of (store, name, boss, sizeof boss) == 0)
        rc = qf_staff_name_add (recipients, boss);
    for (const char *p = roles; rc == 0 && p && *p;) {
        char role[QF_STAFF_PERSON_SIZE];
        size_t n = strcspn (p, " ");
        snprintf (role, sizeof role, "%.*s", (int)n, p);
        rc = qf_staff_name_add (recipients, role); /* its people at commit: qf_staff_address */
        p += n + (p[n] == ' ');
    }
    if (rc) {
        json_decref (recipients);
        return NULL;
    }
    return recipients;
}

/* What other modules call ----------------------------------------------------- */

int
qf_staff_get (qf_store_t *store, const char *person, json_t **person_p)
{
    if (!person || !qf_valid_token (person, QF_STAFF_PERSON_SIZE - 1))
        return QF_ENOTFOUND;
    return qf_staff_store_person_get (store, person, person_p);
}

int
qf_staff_supervisor_of (qf_store_t *store, const char *user, char *supervisor, size_t size)
{
    json_t *person = NULL;
    int rc = qf_staff_get (store, user, &person);
    /* Up the chain to the first active one: a supervisor who left leaves
       their people to theirs until the directory names another. */
    for (int steps = 0; rc == 0 && steps < CHAIN_MAX; steps++) {
        const char *above = json_string_value (json_object_get (person, "supervisor"));
        json_t *next = NULL;
        rc = above ? qf_staff_get (store, above, &next) : QF_ENOTFOUND;
        json_decref (person);
        person = next;
        if (rc == 0 &&
            strcmp (json_string_value (json_object_get (person, "status")), "active") == 0) {
            snprintf (supervisor, size, "%s",
                      json_string_value (json_object_get (person, "person")));
            json_decref (person);
            return 0;
        }
    }
    json_decref (person);
    return rc ? rc : QF_ENOTFOUND;
}

int
qf_staff_people_in (qf_store_t *store, const char *role, const char *department, json_t **people_p)
{
    json_t *records = NULL, *names = json_array ();
    int rc = names ? qf_staff_store_people_with (store, role, department, &records) : QF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size (records); i++)
        if (json_array_append (names, json_object_get (json_array_get (records, i), "person")))
            rc = QF_ENOMEM;
    json_decref (records);
    if (rc)
        json_decref (names);
    else
        *people_p = names;
    return rc;
}

int
qf_staff_address (qf_store_t *store, json_t *recipients)
{
    bool any = false;
    int rc = qf_staff_store_any (store, &any);
    if (rc || !any)
        return rc;
    json_t *people = json_array ();
    rc = people ? 0 : QF_ENOMEM;
    size_t i;
    json_t *item;
    json_array_foreach (recipients, i, item)
    {
        const char *name = json_string_value (item);
        json_t *found = NULL, *person = NULL;
        if (rc)
            break;
        if (!name || !qf_valid_token (name, QF_STAFF_PERSON_SIZE - 1)) {
            /* Not a name the directory can hold: as the module wrote it. */
            rc = json_array_append (people, item) ? QF_ENOMEM : 0;
            continue;
        }
        /* A person stays; a role, else a department, becomes its people. */
        rc = qf_role_known (name) ? qf_staff_people_in (store, name, NULL, &found)
             : qf_staff_get (store, name, &person) == 0 ? 0
                                                          : qf_staff_people_in (store, NULL, name,
                                                                                &found);
        json_decref (person);
        if (rc == 0 && json_array_size (found) == 0)
            rc = qf_staff_name_add (people, name);
        for (size_t k = 0; rc == 0 && k < json_array_size (found); k++)
            rc = qf_staff_name_add (people, json_string_value (json_array_get (found, k)));
        json_decref (found);
    }
    if (rc == 0)
        rc = json_array_clear (recipients) || json_array_extend (recipients, people) ? QF_ENOMEM
                                                                                    : 0;
    json_decref (people);
    return rc;
}

/* Who may act --------------------------------------------------------------- */

/* The person whose commands authorize read last, kept while the store's
   generation stays the same: the commands of one user in one batch are
   authorized from one read of the directory (a read was about 3,500
   instructions of a qual.add's). A change to the directory, a rollback or
   the next transaction makes a new generation (qf_store_generation). */
static struct {
    uint64_t generation; /* 0: nothing kept */
    char user[QF_STAFF_PERSON_SIZE];
    int rc;         /* 0 or QF_ENOTFOUND */
    json_t *person; /* when rc is 0 (owned) */
} s_kept;

/* qf_staff_get for authorize: the person (borrowed) or QF_ENOTFOUND. */
static int
s_person_kept (qf_store_t *store, const char *user, json_t **person_p)
{
    uint64_t generation = qf_store_generation (store);
    if (s_kept.generation != generation || strcmp (s_kept.user, user) != 0) {
        json_decref (s_kept.person);
        s_kept.person = NULL;
        s_kept.generation = 0;
        int rc = qf_staff_get (store, user, &s_kept.person);
        if (rc && rc != QF_ENOTFOUND)
            return rc;
        /* A user too long to be a person is never one: not kept. */
        if (strlen (user) < sizeof s_kept.user) {
            strcpy (s_kept.user, user);
            s_kept.generation = generation;
        }
        s_kept.rc = rc;
        *person_p = s_kept.person;
        return rc;
    }
    *person_p = s_kept.person;
    return s_kept.rc;
}

int
qf_staff_authorize (qf_ctx_t *ctx, const qf_command_spec_t *spec)
{
    (void)spec;
    const qf_staff_config_t *settings = qf_staff_config (ctx->config);
    const char *user = ctx->user ? ctx->user : "";
    bool operations = strcmp (ctx->role, QF_ROLE_OPERATIONS) == 0;
    json_t *person = NULL;
    int rc = s_person_kept (ctx->store, user, &person);
    if (rc == QF_ENOTFOUND) {
        /* Not a person of the directory: as before it, unless every
           business request must come from one. `admin` runs operations,
           which the certificate (with CURVE) or the sockets guard. */
        bool any = false;
        if (!settings->require_directory || operations)
            return 0;
        rc = qf_staff_store_any (ctx->store, &any);
        if (rc)
            return qf_ctx_error (ctx, rc, NULL, "could not read the staff directory: %s",
                                 qf_strerror (rc));
        /* An empty directory is one not yet set up: its first people are
           added by whoever acts as hr. */
        if (!any)
            return 0;
        if (!user[0])
            return qf_ctx_error (ctx, QF_EFORBIDDEN, "user",
                                 "the request names no user, and staff.require_directory is "
                                 "on: a request in role %s comes from a person of the staff "
                                 "directory; give --user (or use a certificate named after "
                                 "the person)",
                                 ctx->role);
        return qf_ctx_error (ctx, QF_EFORBIDDEN, "user",
                             "user %.64s is not in the staff directory, and "
                             "staff.require_directory is on: only its people act in a business "
                             "role; hr adds them with 'qualflow staff add'",
                             user);
    }
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the staff directory: %s",
                             qf_strerror (rc));
    char roles[256];
    const char *status = json_string_value (json_object_get (person, "status"));
    if (strcmp (status, "active") != 0)
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "user",
                           "user %s left the company on %s (staff directory): a person who left "
                           "acts in no role",
                           user, json_string_value (json_object_get (person, "left_on")));
    else if (!qf_staff__holds (person, ctx->role))
        rc = qf_ctx_error (ctx, QF_EFORBIDDEN, "user",
                           "user %s acts in the roles the staff directory gives them: %s; not "
                           "in %s (hr or management change them with 'qualflow staff update "
                           "%s --roles ...')",
                           user,
                           qf_staff__join (json_object_get (person, "roles"), roles, sizeof roles),
                           ctx->role, user);
    return rc;
}

/* Checks --------------------------------------------------------------------- */

/* The roles of args.roles, each a known role, once: a new array. */
static int
s_roles (qf_ctx_t *ctx, const char *text, json_t **roles_p)
{
    json_t *roles = NULL;
    int rc = qf_ctx_split (ctx, text, ',', "args.roles", &roles);
    for (size_t i = 0; rc == 0 && i < json_array_size (roles); i++) {
        const char *role = json_string_value (json_array_get (roles, i));
        char known[256];
        if (!qf_role_known (role))
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.roles",
                               "args.roles: \"%.64s\" is not a role; use roles of: %s", role,
                               qf_role_list (known, sizeof known, ", "));
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (strcmp (role, json_string_value (json_array_get (roles, k))) == 0)
                rc = qf_ctx_error (ctx, QF_EINVAL, "args.roles",
                                   "args.roles names %s twice; give each role once", role);
    }
    if (rc)
        json_decref (roles);
    else
        *roles_p = roles;
    return rc;
}

/* A supervisor for `person`: an active person of the directory, not
   themselves, and not one of the people under them (no circle). */
static int
s_supervisor_check (qf_ctx_t *ctx, const char *person, const char *supervisor)
{
    if (strcmp (person, supervisor) == 0)
        return qf_ctx_error (ctx, QF_EINVAL, "args.supervisor",
                             "args.supervisor: %s cannot supervise themselves", person);
    json_t *above = NULL;
    int rc = qf_staff_get (ctx->store, supervisor, &above);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, QF_EINVAL, "args.supervisor",
                             "args.supervisor: %s is not in the staff directory; add them first "
                             "with 'qualflow staff add'",
                             supervisor);
    if (rc == 0 && strcmp (json_string_value (json_object_get (above, "status")), "active") != 0)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.supervisor",
                           "args.supervisor: %s left the company on %s; name an active person",
                           supervisor, json_string_value (json_object_get (above, "left_on")));
    for (int steps = 0; rc == 0 && above && steps < CHAIN_MAX; steps++) {
        const char *next = json_string_value (json_object_get (above, "supervisor"));
        if (next && strcmp (next, person) == 0) {
            rc = qf_ctx_error (ctx, QF_EINVAL, "args.supervisor",
                               "args.supervisor: %s is under %s already (their supervisors lead "
                               "up to them); a supervisor may not be one of their own people",
                               supervisor, person);
            break;
        }
        json_t *up = NULL;
        if (!next || qf_staff_get (ctx->store, next, &up) != 0)
            break;
        json_decref (above);
        above = up;
    }
    json_decref (above);
    return rc && !ctx->error[0]
               ? qf_ctx_error (ctx, rc, NULL, "could not read the directory: %s", qf_strerror (rc))
               : rc;
}

/* The person of `name` as staff.show gives them: the record with their
   onboarding, this year's training and the people they supervise. */
static int
s_shown (qf_ctx_t *ctx, const char *name, json_t **result_p)
{
    json_t *person = NULL, *onboarding = NULL, *training = NULL, *reports = NULL;
    int rc = qf_staff_get (ctx->store, name, &person);
    if (rc == 0)
        rc = qf_staff__onboarding (ctx->store, ctx->config, person, &onboarding);
    if (rc == 0)
        rc = qf_staff__year (ctx->store, ctx->config, person,
                             qf_calendar_year (qf_calendar_today (ctx->config, ctx->now)),
                             &training);
    if (rc == 0)
        rc = qf_staff_store_people_list (ctx->store, NULL, NULL, "active", name, 0, 1000, &reports);
    if (rc == 0 && (json_object_set_new (person, "onboarding", onboarding) ||
                    json_object_set_new (person, "training", training) ||
                    json_object_set_new (person, "reports", reports)))
        rc = QF_ENOMEM;
    else if (rc) {
        json_decref (onboarding);
        json_decref (training);
        json_decref (reports);
    }
    if (rc) {
        json_decref (person);
        return ctx->error[0]
                   ? rc
                   : qf_ctx_error (ctx, rc, NULL, "could not read %s: %s", name, qf_strerror (rc));
    }
    *result_p = person;
    return 0;
}

/* Appends `topic` about the person, with `payload` (taken), at the
   command's time. */
static int
s_event (qf_ctx_t *ctx, const char *topic, const char *person, json_t *payload)
{
    return qf_emit_named (ctx->store, ctx->now, topic, QF_STAFF_SUBJECT, person, payload);
}

/* How a person is reached: an email address one `local@domain` that no
   header or SMTP command could be smuggled into, a mobile number of
   digits (optionally after '+'). */
static int
s_contact_check (qf_ctx_t *ctx, json_t *args)
{
    const char *email = json_string_value (json_object_get (args, "email"));
    const char *mobile = json_string_value (json_object_get (args, "mobile"));
    if (email) {
        /* The notifications' own rule, and a domain with a dot: a person's
           mailbox, not a host of the office network. */
        const char *at = strchr (email, '@');
        if (!qf_notify_address_valid (email) || !strchr (at + 1, '.'))
            return qf_ctx_error (ctx, QF_EINVAL, "args.email",
                                 "args.email \"%.64s\" is not one address local@domain.tld "
                                 "(no spaces, quotes, brackets or control characters)",
                                 email);
    }
    if (mobile) {
        const char *p = mobile + (mobile[0] == '+');
        size_t digits = strspn (p, "0123456789");
        if (digits < 5 || p[digits])
            return qf_ctx_error (ctx, QF_EINVAL, "args.mobile",
                                 "args.mobile \"%.20s\" is not a phone number: digits only, "
                                 "optionally after '+' (e.g. 13800138000)",
                                 mobile);
    }
    return 0;
}

/* The checks staff.add and staff.update share on the fields given:
   roles parsed into *roles_p (NULL when not given), supervisor, the
   onboarding day. */
static int
s_fields_check (qf_ctx_t *ctx, const char *name, json_t *args, json_t **roles_p)
{
    const char *roles = json_string_value (json_object_get (args, "roles"));
    const char *supervisor = json_string_value (json_object_get (args, "supervisor"));
    *roles_p = NULL;
    int rc = s_contact_check (ctx, args);
    if (rc == 0 && roles)
        rc = s_roles (ctx, roles, roles_p);
    if (rc == 0 && supervisor)
        rc = s_supervisor_check (ctx, name, supervisor);
    if (rc == 0)
        rc = qf_staff__not_after_today (ctx, args, "onboarded");
    if (rc) {
        json_decref (*roles_p);
        *roles_p = NULL;
    }
    return rc;
}

/* Handlers ------------------------------------------------------------------ */

/* staff.add: a person joins the directory. */
static int
s_add (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name = json_string_value (json_object_get (args, "person"));
    json_t *roles = NULL, *person = NULL, *existing = NULL;
    int rc = s_fields_check (ctx, name, args, &roles);
    if (rc)
        return rc;
    person = json_deep_copy (args);
    if (!person || json_object_set_new (person, "roles", roles)) {
        json_decref (person);
        return QF_ENOMEM;
    }
    rc = qf_staff_store_person_add (ctx->store, person, qf_staff__who (ctx), ctx->now);
    json_decref (person);
    if (rc == QF_ECONFLICT && qf_staff_get (ctx->store, name, &existing) == 0) {
        rc = qf_ctx_error (
            ctx, rc, "args.person",
            "%s is in the staff directory already (%s, since %s): change them with 'qualflow "
            "staff update %s'",
            name, json_string_value (json_object_get (existing, "status")),
            json_string_value (json_object_get (existing, "started")), name);
        json_decref (existing);
        return rc;
    }
    if (rc == 0)
        rc = qf_staff_get (ctx->store, name, &person);
    if (rc == 0)
        rc = qf_staff__watch (ctx->store, ctx->config, person, ctx->now);
    if (rc == 0)
        rc = s_event (ctx, "staff.added", name,
                      json_pack ("{s:O, s:s, s:o?}", "person", person, "by", qf_staff__who (ctx),
                                 "recipients",
                                 qf_staff__recipients (ctx->store, person, false, true, "hr")));
    json_decref (person);
    if (rc)
        return ctx->error[0]
                   ? rc
                   : qf_ctx_error (ctx, rc, NULL, "could not add %s: %s", name, qf_strerror (rc));
    return s_shown (ctx, name, result_p);
}

/* staff.show */
static int
s_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *person = NULL;
    int rc = qf_staff__load (ctx, args, &person);
    json_decref (person);
    return rc ? rc : s_shown (ctx, json_string_value (json_object_get (args, "person")), result_p);
}

/* staff.list: paged by id. */
static int
s_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    int n = limit ? (int)json_integer_value (limit) : 100;
    const char *role = json_string_value (json_object_get (args, "role"));
    char known[256];
    if (role && !qf_role_known (role))
        return qf_ctx_error (ctx, QF_EINVAL, "args.role",
                             "args.role \"%s\" is not a role; use one of: %s", role,
                             qf_role_list (known, sizeof known, ", "));
    int rc = qf_staff_store_people_list (
        ctx->store, json_string_value (json_object_get (args, "department")),
        json_string_value (json_object_get (args, "role")),
        json_string_value (json_object_get (args, "status")),
        json_string_value (json_object_get (args, "supervisor")),
        json_integer_value (json_object_get (args, "next")), n, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not list the staff directory: %s",
                             qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:o}", "items", items, "next", qf_ctx_next_page (items, n));
    return *result_p ? 0 : QF_ENOMEM;
}

/* The fields staff.update may change, as the record names them. */
static const char *const s_fields[] = {"name",      "department", "roles",  "supervisor", "started",
                                       "onboarded", "email",      "mobile", NULL};

/* staff.update: the fields given replace the person's. */
static int
s_update (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name = json_string_value (json_object_get (args, "person"));
    json_t *person = NULL, *roles = NULL, *fields = NULL, *changes = NULL;
    int rc = qf_staff__load (ctx, args, &person);
    if (rc == 0 && strcmp (json_string_value (json_object_get (person, "status")), "active"))
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.person",
                           "%s left the company on %s: the directory keeps them as they were", name,
                           json_string_value (json_object_get (person, "left_on")));
    if (rc == 0)
        rc = s_fields_check (ctx, name, args, &roles);
    if (rc == 0) {
        fields = json_deep_copy (args);
        changes = json_object ();
        if (!fields || !changes || (roles && json_object_set (fields, "roles", roles)))
            rc = QF_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && s_fields[i]; i++) {
        json_t *now = json_object_get (fields, s_fields[i]);
        json_t *was = json_object_get (person, s_fields[i]);
        if (now && !json_equal (now, was) &&
            json_object_set_new (
                changes, s_fields[i],
                json_pack ("{s:O, s:O}", "from", was ? was : json_null (), "to", now)))
            rc = QF_ENOMEM;
    }
    if (rc == 0 && json_object_size (changes) == 0)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args",
                           "nothing to change: give at least one of --name, --department, "
                           "--roles, --supervisor, --started, --onboarded, --email, --mobile "
                           "with a new value");
    if (rc == 0)
        rc = qf_staff_store_person_update (ctx->store, name, fields, qf_staff__who (ctx), ctx->now);
    json_decref (person);
    person = NULL;
    if (rc == 0)
        rc = qf_staff_get (ctx->store, name, &person);
    if (rc == 0)
        rc = qf_staff__watch (ctx->store, ctx->config, person, ctx->now);
    if (rc == 0)
        rc = s_event (ctx, "staff.updated", name,
                      json_pack ("{s:O, s:O, s:s, s:o?}", "person", person, "changes", changes,
                                 "by", qf_staff__who (ctx), "recipients",
                                 qf_staff__recipients (ctx->store, person, true, true, NULL)));
    json_decref (person);
    json_decref (roles);
    json_decref (fields);
    json_decref (changes);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not change %s: %s", name,
                                             qf_strerror (rc));
    return s_shown (ctx, name, result_p);
}

/* staff.leave: the person left; their requests are refused from now on. */
static int
s_leave (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name = json_string_value (json_object_get (args, "person"));
    const char *reason = json_string_value (json_object_get (args, "reason"));
    char today[16];
    const char *date = json_string_value (json_object_get (args, "date"));
    json_t *person = NULL, *reports = NULL, *names = json_array ();
    int rc = names ? qf_staff__load (ctx, args, &person) : QF_ENOMEM;
    if (!date)
        date = qf_staff__today (ctx->config, ctx->now, today);
    if (rc == 0 && strcmp (json_string_value (json_object_get (person, "status")), "active"))
        rc = qf_ctx_error (ctx, QF_ECONFLICT, "args.person", "%s left the company on %s already",
                           name, json_string_value (json_object_get (person, "left_on")));
    if (rc == 0)
        rc = qf_staff__not_after_today (ctx, args, "date");
    if (rc == 0 && strcmp (date, json_string_value (json_object_get (person, "started"))) < 0)
        rc = qf_ctx_error (ctx, QF_EINVAL, "args.date", "args.date (%s) is before %s started (%s)",
                           date, name, json_string_value (json_object_get (person, "started")));
    if (rc == 0)
        rc = qf_staff_store_people_list (ctx->store, NULL, NULL, "active", name, 0, 1000, &reports);
    for (size_t i = 0; rc == 0 && i < json_array_size (reports); i++)
        if (json_array_append (names, json_object_get (json_array_get (reports, i), "person")))
            rc = QF_ENOMEM;
    json_t *recipients = NULL;
    if (rc == 0)
        recipients = qf_staff__recipients (ctx->store, person, false, true, "hr");
    if (rc == 0)
        rc = qf_staff_store_person_leave (ctx->store, name, date, reason, qf_staff__who (ctx),
                                          ctx->now);
    if (rc == 0)
        rc = qf_staff__unwatch (ctx->store, name, NULL);
    if (rc == 0)
        rc = s_event (ctx, "staff.left", name,
                      json_pack ("{s:s, s:O, s:s, s:s, s:O, s:s, s:o?}", "person", name, "name",
                                 json_object_get (person, "name"), "left_on", date, "reason",
                                 reason, "without_supervisor", names, "by", qf_staff__who (ctx),
                                 "recipients", recipients));
    else
        json_decref (recipients);
    json_decref (person);
    json_decref (reports);
    json_decref (names);
    if (rc)
        return ctx->error[0] ? rc
                             : qf_ctx_error (ctx, rc, NULL, "could not record that %s left: %s",
                                             name, qf_strerror (rc));
    return s_shown (ctx, name, result_p);
}

/* The handlers of the commands described in staff_spec.c: the
   directory's here, training's (staff_training.c) and conduct's
   (staff_conduct.c) from their files. */
const qf_handler_t qf_staff_handlers[] = {
    {"staff.add", s_add},
    {"staff.show", s_show},
    {"staff.list", s_list},
    {"staff.update", s_update},
    {"staff.leave", s_leave},
    {"training.add", qf_staff__training_add},
    {"training.attend", qf_staff__training_attend},
    {"training.show", qf_staff__training_show},
    {"training.list", qf_staff__training_list},
    {"conduct.record", qf_staff__conduct_record},
    {"conduct.list", qf_staff__conduct_list},
    {NULL},
};
