/*  The incident module's commands, described once (qf_command_spec.h):
    emergencies (§7.3). Handlers: incident.c. */
#include "qf.h"
#include "qf_command_spec.h"

/* Who runs an emergency and records it; everyone reads. */
#define RECORDERS "management leader legal supervisor"

// clang-format off
#define INCIDENT_ID_ARG {"id", A_INT, true, 1, INT64_MAX, .option = "ID"}
#define AT_ARG(what)                                                                           \
    {"at", A_TEXT, false, 1, 32, .option = "--at", .placeholder = "\"YYYY-MM-DD HH:MM\"",     \
     .help = what ", default now", .doc = "`YYYY-MM-DD HH:MM` in `policy.timezone`, not in "   \
     "the future; default now"}
// clang-format on

#define SHOWN                                                                                      \
    "the incident: `id`, `kind`, `title`, `summary`, `contract_id`, `risk_id`, `state`, "          \
    "`opened`, `opened_by`, `conclusion`, `lessons`, `closed`, `closed_by`; its `team` "           \
    "(`name`, `duty`, `added_by`, `at`), `timeline` (`entry`, `action`, `actor`, `happened`, "     \
    "`recorded_by`, `recorded`) and `communications` (`entry`, `party`, `who`, `channel`, "        \
    "`summary`, `happened`, `corrects`, `recorded_by`, `recorded`)"
#define RECORD "the incident, as `incident.show` gives it"
#define COMM_COLUMNS                                                                               \
    "ENTRY:entry PARTY:party WHO:who CHANNEL:channel HAPPENED:happened SUMMARY:summary"

const qf_command_spec_t qf_incident_specs[] = {
    {.name = "incident.open",
     .roles = RECORDERS,
     .writes = true,
     .args = {{"kind", A_ENUM, true, 0, 0, "government dispute other", .option = "--kind",
               .placeholder = "K",
               .help = "government (legality questioned by a government body), dispute (a "
                       "major dispute) or other"},
              {"title", A_TEXT, true, 1, 256, .option = "--title", .placeholder = "TEXT",
               .help = "a short name for it"},
              {"summary", A_TEXT, true, 1, TEXT_MAX, .option = "--summary", .placeholder = "TEXT",
               .help = "what happened"},
              {"contract_id", A_INT, false, 1, INT64_MAX, .option = "--contract",
               .placeholder = "ID", .help = "the contract it concerns"},
              {"risk_id", A_INT, false, 1, INT64_MAX, .option = "--risk", .placeholder = "ID",
               .help = "the risk of the register it comes from"},
              {"lead", A_TEXT, false, 1, 64, .option = "--lead", .placeholder = "NAME",
               .help = "who leads the emergency team"},
              {NULL}},
     .result = RECORD "; raises `incident.opened` to management at once",
     .brief = "open an emergency",
     .help = "Open an emergency (§7.3): legality questioned by a government body, a major "
             "dispute, or another. Management is told at once (incident.opened); the team, its "
             "actions and every communication are recorded on it until it is closed.",
     .list_key = "communications",
     .columns = COMM_COLUMNS},
    {.name = "incident.team",
     .roles = RECORDERS,
     .writes = true,
     .args = {INCIDENT_ID_ARG,
              {"name", A_TEXT, true, 1, 64, .option = "--name", .placeholder = "NAME",
               .help = "the person: a login name of the staff directory (who then gets the "
                       "incident's events; one who left is refused: 409), or an outsider's name"},
              {"duty", A_TEXT, true, 1, 256, .option = "--duty", .placeholder = "TEXT",
               .help = "what they do in the team"},
              {NULL}},
     .result = RECORD "; raises `incident.member_added`; a name already in the team: 409",
     .brief = "add a person to the emergency team",
     .help = "Add a named person to an open incident's emergency team, with their duty.",
     .list_key = "team",
     .columns = "NAME:name DUTY:duty ADDED_BY:added_by"},
    {.name = "incident.action",
     .roles = RECORDERS,
     .writes = true,
     .args = {INCIDENT_ID_ARG,
              {"text", A_TEXT, true, 1, TEXT_MAX, .option = "--text", .placeholder = "TEXT",
               .help = "what was done"},
              {"by", A_TEXT, false, 1, 64, .option = "--by", .placeholder = "NAME",
               .help = "who did it, default the user recording it"},
              AT_ARG ("when it was done"),
              {"entry", A_INT, false, 1, INT64_MAX,
               .doc = "the number it takes: the next one; a number on record is refused (409: "
                      "never edited)"},
              {NULL}},
     .result = RECORD "; the action appended to the `timeline`; raises "
                     "`incident.action_recorded`",
     .brief = "add an action to an emergency's timeline",
     .help = "Append an action of the response to an open incident's timeline. Entries are "
             "never edited.",
     .list_key = "timeline",
     .columns = "ENTRY:entry HAPPENED:happened ACTOR:actor ACTION:action"},
    {.name = "incident.log",
     .roles = RECORDERS,
     .writes = true,
     .args = {INCIDENT_ID_ARG,
              {"party", A_ENUM, true, 0, 0, "government customer partner media",
               .option = "--party", .placeholder = "P",
               .help = "government, customer, partner or media"},
              {"who", A_TEXT, true, 1, 256, .option = "--who", .placeholder = "NAME",
               .help = "who it was with"},
              {"channel", A_ENUM, true, 0, 0, "phone email meeting visit letter press other",
               .option = "--channel", .placeholder = "C",
               .help = "phone, email, meeting, visit, letter, press or other"},
              {"summary", A_TEXT, true, 1, TEXT_MAX, .option = "--summary", .placeholder = "TEXT",
               .help = "what was said"},
              AT_ARG ("when"),
              {"entry", A_INT, false, 1, INT64_MAX, .option = "--entry", .placeholder = "N",
               .help = "the number it must take (the next); one on record is refused",
               .doc = "the number it takes: the next one; a number on record is refused (409: "
                      "an entry is never edited)"},
              {"corrects", A_INT, false, 1, INT64_MAX, .option = "--corrects", .placeholder = "N",
               .help = "the earlier entry this one corrects (which stays as it was)"},
              {NULL}},
     .result = RECORD "; the entry appended to `communications` with the next number; raises "
                     "`incident.communication_logged`",
     .brief = "log a communication of an emergency",
     .help = "Append a communication with government, a customer, a partner or the media (who, "
             "channel, summary, time) to an open incident's log (§7.3). The log is never "
             "edited: --entry with a number on record is refused; a correction is a new entry "
             "with --corrects.",
     .list_key = "communications",
     .columns = COMM_COLUMNS},
    {.name = "incident.close",
     .roles = RECORDERS,
     .writes = true,
     .args = {INCIDENT_ID_ARG,
              {"conclusion", A_TEXT, true, 1, TEXT_MAX, .option = "--conclusion",
               .placeholder = "TEXT", .help = "how it ended"},
              {"lessons", A_TEXT, true, 1, TEXT_MAX, .option = "--lessons", .placeholder = "TEXT",
               .help = "the lessons learned"},
              {NULL}},
     .result = RECORD "; `closed`; raises `incident.closed`; without a conclusion or lessons "
                     "(blank ones too): 400",
     .brief = "close an emergency",
     .help = "Close an open incident with its conclusion and the lessons learned; its record is "
             "then final.",
     .list_key = "communications",
     .columns = COMM_COLUMNS},
    {.name = "incident.show",
     .roles = "*",
     .args = {INCIDENT_ID_ARG, {NULL}},
     .result = SHOWN,
     .brief = "an emergency with its team and logs",
     .help = "Show an incident: what happened, the team, the timeline of actions and the "
             "communication log.",
     .list_key = "communications",
     .columns = COMM_COLUMNS},
    {.name = "incident.list",
     .roles = "*",
     .args = {{"state", A_ENUM, false, 0, 0, "open closed", .option = "--state", .placeholder = "S",
               .help = "only this state"},
              {"kind", A_ENUM, false, 0, 0, "government dispute other", .option = "--kind",
               .placeholder = "K", .help = "only this kind"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [incident…], \"next\": N|null}`, by id",
     .brief = "list emergencies",
     .help = "List incidents by id, optionally one state's or kind's.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "ID:id KIND:kind STATE:state TITLE:title OPENED_BY:opened_by"},
    {NULL},
};
