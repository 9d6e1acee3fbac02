/*  The staff module's commands, described once (qf_command_spec.h): the
    staff directory, training (§5.1) and conduct (§5.3). Handlers:
    staff.c, staff_training.c, staff_conduct.c. */
#include "qf.h"
#include "qf_command_spec.h"
#include "staff/staff_config.h"

/* A person of the directory, given first on the command line. */
// clang-format off
#define PERSON_ARG                                                                                 \
    {"person", A_TOKEN, true, 1, 64, .option = "PERSON",                                           \
     .doc = "the login name: a request's `user`, a certificate's `name`"}
#define PERSON_FIELDS(required)                                                                    \
    {"name", A_TEXT, required, 1, 128, .option = "--name", .placeholder = "NAME",                  \
     .help = "the person's name"},                                                                 \
    {"department", A_TOKEN, required, 1, 64, .in = &qf_staff_departments,                          \
     .option = "--department", .placeholder = "D", .help = "one of staff.departments"},            \
    {"roles", A_TEXT, required, 1, 512, .option = "--roles", .placeholder = "ROLE,...",            \
     .help = "the roles the person acts in, e.g. sales,supervisor",                                \
     .doc = "comma-separated roles of §5 (not `admin` alone: any business role), each once"},     \
    {"supervisor", A_TOKEN, false, 1, 64, .option = "--supervisor", .placeholder = "PERSON",       \
     .help = "their supervisor, an active person of the directory",                                \
     .doc = "an active person of the directory, not themselves nor one they supervise"},          \
    {"started", A_DATE, required, .option = "--started", .help = "start date"},                     \
    {"onboarded", A_DATE, false, .option = "--onboarded",                                          \
     .help = "onboarding training completed before the directory (existing staff)",                \
     .doc = "not after today: the day onboarding training was complete, for staff trained "       \
            "before the directory; onboarding is then not required of them"},                     \
    {"email", A_TEXT, false, 3, 254, .option = "--email", .placeholder = "ADDRESS",               \
     .help = "their email address, where notifications by email go",                              \
     .doc = "one address `local@domain`: no spaces, quotes, angle brackets or control "           \
            "characters"},                                                                         \
    {"mobile", A_TEXT, false, 5, 16, .option = "--mobile", .placeholder = "NUMBER",               \
     .help = "their mobile number, which a DingTalk robot @mentions",                             \
     .doc = "digits, optionally after a `+` (e.g. 13800138000 or +8613800138000)"}
#define LIST_DATES(what)                                                                           \
    {"from", A_DATE, false, .option = "--from", .help = "only " what " from this day"},            \
    {"to", A_DATE, false, .option = "--to", .help = "only " what " to this day", .after = "from"}
// clang-format on
#define DIRECTORY_WRITERS "hr management"
#define TRAINING_WRITERS  "hr management supervisor"
#define CONDUCT_ROLES     "hr management supervisor"
#define PERSON_COLUMNS                                                                             \
    "PERSON:person NAME:name DEPARTMENT:department ROLES:roles SUPERVISOR:supervisor "             \
    "STARTED:started STATUS:status ONBOARDED:onboarded"
#define PERSON_SHOWN                                                                               \
    "the person: `person`, `name`, `department`, `roles`, `supervisor`, `started`, `status`, "     \
    "`left_on`, `left_reason`, `onboarded`, `email`, `mobile`; `onboarding` (`required`, `required_days`, "           \
    "`required_hours`, `hours`, `topics`, `missing_topics`, `due`, `complete`), `training` "       \
    "(`year`, `hours`, `required_hours`) and `reports` (the active people they supervise)"
#define SESSION_COLUMNS                                                                            \
    "ID:id DATE:date KIND:kind TOPIC:topic HOURS:hours TITLE:title ATTENDANCE:attendance"
#define ATTENDEE_COLUMNS "PERSON:person RECORDED:recorded BY:by"
#define VIOLATION_COLUMNS                                                                          \
    "ID:id DATE:date PERSON:person TYPE:type SEVERITY:severity SOURCE:source "                     \
    "DESCRIPTION:description"

const qf_command_spec_t qf_staff_specs[] = {
    {.name = "staff.add",
     .roles = DIRECTORY_WRITERS,
     .writes = true,
     .args = {PERSON_ARG, PERSON_FIELDS (true), {NULL}},
     .result = PERSON_SHOWN "; 409 when the person is already in the directory; raises "
                            "`staff.added`",
     .brief = "add a person to the staff directory",
     .help = "Add a person to the staff directory: their login name (the --user of their "
             "requests, the name of their certificate), name, department, roles, supervisor "
             "and start date. From then on they act only in the roles the directory gives "
             "them. A salesperson sends no proposal and signs no contract until their "
             "onboarding training is complete (policy.onboarding_training_days of "
             "staff.onboarding_topics), due staff.onboarding_window_days after the start date.",
     .list_key = "reports",
     .columns = PERSON_COLUMNS},
    {.name = "staff.show",
     .roles = "*",
     .args = {PERSON_ARG, {NULL}},
     .result = PERSON_SHOWN,
     .brief = "a person of the staff directory",
     .help = "Show a person of the staff directory with their onboarding progress, this "
             "year's training hours and the people they supervise.",
     .list_key = "reports",
     .columns = PERSON_COLUMNS},
    {.name = "staff.list",
     .roles = "*",
     .args = {{"department", A_TOKEN, false, 1, 64, .in = &qf_staff_departments,
               .option = "--department", .placeholder = "D", .help = "only this department"},
              {"role", A_TOKEN, false, 1, 64, .option = "--role", .placeholder = "ROLE",
               .help = "only the people holding this role"},
              {"status", A_ENUM, false, 0, 0, "active left", .option = "--status",
               .placeholder = "S", .help = "only active people, or those who left"},
              {"supervisor", A_TOKEN, false, 1, 64, .option = "--supervisor",
               .placeholder = "PERSON", .help = "only the people this person supervises"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [person…], \"next\": N|null}`, by id",
     .brief = "list the staff directory",
     .help = "List the people of the staff directory, optionally of one department, role, "
             "status or supervisor.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = PERSON_COLUMNS},
    {.name = "staff.update",
     .roles = DIRECTORY_WRITERS,
     .writes = true,
     .args = {PERSON_ARG, PERSON_FIELDS (false), {NULL}},
     .result = PERSON_SHOWN "; at least one field; 409 for a person who left; raises "
                            "`staff.updated` with the `changes`",
     .brief = "change a person of the staff directory",
     .help = "Change a person's name, department, roles, supervisor, start date, the day "
             "their onboarding was complete, email or mobile number. The roles given replace "
             "the old ones.",
     .list_key = "reports",
     .columns = PERSON_COLUMNS},
    {.name = "staff.leave",
     .roles = DIRECTORY_WRITERS,
     .writes = true,
     .args = {PERSON_ARG,
              {"date", A_DATE, false, .option = "--date", .help = "the last day, default today",
               .doc = "default today"},
              {"reason", A_TEXT, true, 1, 1024, .option = "--reason", .placeholder = "TEXT",
               .help = "why they left"},
              {NULL}},
     .result = PERSON_SHOWN "; `left`; 409 when they already left; raises `staff.left` naming "
                            "the people left without a supervisor",
     .brief = "record that a person left",
     .help = "Record that a person left the company: from then on every request of theirs "
             "is refused (their certificate too), and their training reminders stop. The "
             "people they supervised are named, to be given another supervisor.",
     .list_key = "reports",
     .columns = PERSON_COLUMNS},
    {.name = "training.add",
     .roles = TRAINING_WRITERS,
     .writes = true,
     .args = {{"kind", A_ENUM, true, 0, 0, "onboarding periodic sharing", .option = "--kind",
               .placeholder = "K", .help = "onboarding, periodic training or experience sharing"},
              {"topic", A_TOKEN, true, 1, 64, .option = "--topic", .placeholder = "T",
               .help = "what it is about; onboarding: one of staff.onboarding_topics",
               .doc = "for `onboarding` one of `staff.onboarding_topics`"},
              {"title", A_TEXT, true, 1, 256, .option = "--title", .placeholder = "TEXT",
               .help = "its title"},
              {"date", A_DATE, true, .option = "--date", .help = "the day it is held"},
              {"hours", A_NUMBER, true, .option = "--hours", .placeholder = "H",
               .help = "how long, in hours (0.5 to 100)", .doc = "0.5 to 100, in halves"},
              {"trainer", A_TEXT, false, 1, 128, .option = "--trainer", .placeholder = "WHO",
               .help = "who gives it"},
              {NULL}},
     .result = "the session: `id`, `kind`, `topic`, `title`, `date`, `hours`, `trainer`, "
               "`attendees`; raises `training.added`",
     .brief = "add a training session",
     .help = "Add a training session (§5.1): onboarding (its topic one of "
             "staff.onboarding_topics), periodic training or experience sharing; attendance "
             "is recorded with training attend.",
     .list_key = "attendees",
     .columns = ATTENDEE_COLUMNS},
    {.name = "training.attend",
     .roles = TRAINING_WRITERS,
     .writes = true,
     .args = {{"id", A_INT, true, 1, INT64_MAX, .option = "ID"},
              {"people", A_TEXT, true, 1, 2048, .option = "--people", .placeholder = "PERSON,...",
               .help = "who attended, active people of the directory",
               .doc = "comma-separated active people of the directory, each once and not "
                      "already recorded"},
              {NULL}},
     .result = "the session with its `attendees`; `completed`: the people whose onboarding "
               "this completed (`staff.onboarding_completed`); raises `training.attended`",
     .brief = "record who attended a session",
     .help = "Record who attended a training session, once it has been held. A salesperson "
             "whose onboarding this completes may send proposals and sign contracts from now "
             "on.",
     .list_key = "attendees",
     .columns = ATTENDEE_COLUMNS},
    {.name = "training.show",
     .roles = "*",
     .args = {{"id", A_INT, true, 1, INT64_MAX, .option = "ID"}, {NULL}},
     .result = "the session with its `attendees`",
     .brief = "a training session and who attended",
     .help = "Show a training session and who attended it.",
     .list_key = "attendees",
     .columns = ATTENDEE_COLUMNS},
    {.name = "training.list",
     .roles = "*",
     .args = {{"kind", A_ENUM, false, 0, 0, "onboarding periodic sharing", .option = "--kind",
               .placeholder = "K", .help = "only this kind"},
              {"person", A_TOKEN, false, 1, 64, .option = "--person", .placeholder = "PERSON",
               .help = "only the sessions this person attended"},
              LIST_DATES ("sessions held"),
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [session…], \"next\": N|null}`, by id, each with `attendance` (how "
               "many attended)",
     .brief = "list training sessions",
     .help = "List training sessions, optionally of one kind, held in a range of days, or "
             "attended by one person (their training record).",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = SESSION_COLUMNS},
    {.name = "conduct.record",
     .roles = CONDUCT_ROLES,
     .writes = true,
     .args = {{"person", A_TOKEN, true, 1, 64, .option = "--person", .placeholder = "PERSON",
               .help = "who, a person of the directory"},
              {"type", A_TOKEN, true, 1, 64, .in = &qf_staff_violation_types, .option = "--type",
               .placeholder = "T", .help = "one of staff.violation_types"},
              {"severity", A_ENUM, true, 0, 0, "minor serious grave", .option = "--severity",
               .placeholder = "S", .help = "minor, serious or grave"},
              {"date", A_DATE, false, .option = "--date", .help = "when it happened, default today",
               .doc = "not after today; default today"},
              {"description", A_TEXT, true, 1, TEXT_MAX, .option = "--description",
               .placeholder = "TEXT", .help = "what happened"},
              {NULL}},
     .roles_note = "a supervisor only for the people they supervise",
     .result = "the violation: `id`, `person`, `type`, `severity`, `date`, `description`, "
               "`source` (`recorded`), `by`; raises `staff.conduct_recorded`, and "
               "`staff.conduct_serious` from `staff.conduct_alert_severity` on",
     .brief = "record a violation of conduct",
     .help = "Record a violation of §5.3's conduct (confidentiality, bribes or kickbacks, a "
             "promise beyond the company's rules, unfair competition...). From "
             "staff.conduct_alert_severity on, management and HR are told. A discount beyond "
             "the rules refused at proposal send or contract submit is recorded by itself."},
    {.name = "conduct.list",
     .roles = CONDUCT_ROLES,
     .args = {{"person", A_TOKEN, false, 1, 64, .option = "--person", .placeholder = "PERSON",
               .help = "only this person's"},
              LIST_DATES ("violations"),
              {"severity", A_ENUM, false, 0, 0, "minor serious grave", .option = "--severity",
               .placeholder = "S", .help = "only this severity"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .roles_note = "a supervisor only with --person, one of the people they supervise",
     .result = "`{\"items\": [violation…], \"next\": N|null}`, by id: recorded and automatic "
               "ones (`source`), an automatic one with its `rule` and `details`",
     .brief = "list violations of conduct",
     .help = "List the violations recorded, by hand or by the rules that refuse them (a "
             "discount beyond the rules), optionally of one person, range of days or "
             "severity.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = VIOLATION_COLUMNS},
    {NULL},
};
