/*  The probe module's commands, described once (qf_command_spec.h). */
#include "qf.h"
#include "qf_command_spec.h"

const qf_command_spec_t qf_probe_specs[] = {
    {.name = "probe.note",
     .roles = "review",
     .writes = true,
     .args = {{"text", A_TEXT, true, 1, 200},
              {"remind_on", A_DATE, false, .doc = "raises probe.reminded at 00:00 of that day"},
              {"fail", A_ENUM, false, 0, 0, "after-write",
               .doc = "records the note and its event, then refuses (409): a command that "
                      "fails after a change, which the engine must not commit"},
              {NULL}},
     .result = "the note",
     .cli = QF_SPEC_NO_CLI},
    /* probe.note in a savepoint of its own (qf_command_spec.h). */
    {.name = "probe.note_guarded",
     .roles = "review",
     .writes = true,
     .savepoint = true,
     .args = {{"text", A_TEXT, true, 1, 200},
              {"fail", A_ENUM, false, 0, 0, "after-write", .doc = "as probe.note's"},
              {NULL}},
     .result = "the note",
     .cli = QF_SPEC_NO_CLI},
    {.name = "probe.get",
     .roles = "*",
     .args = {{"id", A_INT, true, 1, INT64_MAX}, {NULL}},
     .result = "the note",
     .cli = QF_SPEC_NO_CLI},
    {NULL},
};
