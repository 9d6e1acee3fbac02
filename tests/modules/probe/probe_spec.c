/*  The probe module's commands, described once (qf_command_spec.h). */
#include "qf.h"
#include "qf_command_spec.h"

const qf_command_spec_t qf_probe_specs[] = {
    {.name = "probe.note",
     .roles = "review",
     .writes = true,
     .args = {{"text", A_TEXT, true, 1, 200},
              {"remind_on", A_DATE, false, .doc = "raises probe.reminded at 00:00 of that day"},
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
