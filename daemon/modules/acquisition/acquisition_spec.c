/*  The acquisition module's commands, described once (qf_command_spec.h):
    candidates, evaluation, decision, tracking (§4.1). Handlers:
    acquisition.c. */
#include "qf.h"
#include "qf_command_spec.h"
#include "qualification/qualification_config.h"
#include "qualification/qualification_spec.h"

/* The candidate's id, the positional argument of every candidate command
   but add and list. */
// clang-format off
#define CANDIDATE_ID_ARG {"candidate_id", A_INT, true, 1, INT64_MAX, .option = "ID"}
// clang-format on
/* The candidate record is shown with its progress notes as a table. */
#define PROGRESS                                                                                   \
    .list_key = "progress", .columns = "TIME:time AUTHOR:author NOTE:note BLOCKER:blocker"

const qf_command_spec_t qf_acquisition_specs[] = {
    {.name = "candidate.add",
     .roles = "market",
     .writes = true,
     .args = {{"name", A_TEXT, true, 1, 256, .option = "--name", .placeholder = "N",
               .help = "the qualification sought"},
              {"category", A_TOKEN, true, 1, 64, .in = &qf_qualification_categories,
               .option = "--category", .placeholder = "C", .help = "its category"},
              {"industry", A_TEXT, true, 1, 128, .option = "--industry", .placeholder = "I",
               .help = "the industry it serves"},
              {"authority", A_TEXT, true, 1, 256, .in = &qf_qualification_authorities,
               .option = "--authority", .placeholder = "A", .help = "the authority that issues it"},
              {"source", A_TEXT, true, 1, TEXT_MAX, .option = "--source", .placeholder = "S",
               .help = "where the lead came from"},
              {"notes", A_TEXT, false, 0, TEXT_MAX, .option = "--notes", .placeholder = "T",
               .help = "anything else worth recording"},
              {NULL}},
     .result = "the candidate (state `candidate`)",
     .brief = "register an acquisition candidate",
     .help = "Register a qualification the company may acquire.",
     PROGRESS},
    {.name = "candidate.evaluate",
     .roles = "market review",
     .writes = true,
     .args = {CANDIDATE_ID_ARG,
              {"legality", A_TEXT, true, 1, TEXT_MAX, .option = "--legality", .placeholder = "T",
               .help = "is acquiring it lawful, and how"},
              {"market_demand", A_TEXT, true, 1, TEXT_MAX, .option = "--demand", .placeholder = "T",
               .help = "the market demand for it"},
              {"potential_value", A_TEXT, true, 1, TEXT_MAX, .option = "--value",
               .placeholder = "T", .help = "its potential value"},
              {"report", A_TEXT, true, 1, TEXT_MAX, .option = "--report", .placeholder = "T",
               .help = "the evaluation report"},
              {NULL}},
     .result = "the candidate, `evaluated`, with its `evaluation`",
     .brief = "submit a candidate's evaluation",
     .help = "Submit the evaluation of a candidate (legality, market demand, potential value, "
             "the report); management is told to decide.",
     PROGRESS},
    {.name = "candidate.decide",
     .roles = "management",
     .writes = true,
     .args = {CANDIDATE_ID_ARG,
              {"decision", A_ENUM, true, 0, 0, "acquire decline", .option = "--acquire|--decline",
               .help = "decide to acquire it (this or --decline)|decide not to acquire it"},
              {"note", A_TEXT, false, 0, TEXT_MAX, .option = "--note", .placeholder = "T",
               .help = "why, for the record"},
              {NULL}},
     .result = "the candidate, `acquiring` or `declined`; 409 before an evaluation",
     .brief = "decide whether to acquire a candidate",
     .help = "Decide whether to acquire an evaluated candidate.",
     PROGRESS},
    {.name = "candidate.track",
     .roles = "review",
     .writes = true,
     .args = {CANDIDATE_ID_ARG,
              {"via", A_ENUM, true, 0, 0, "agency self", .option = "--via",
               .help = "who does the acquisition"},
              {"agency", A_TEXT, false, 1, 256, .option = "--agency", .placeholder = "NAME",
               .help = "the agency (required with --via agency)", .doc = "required with `agency`"},
              {"progress", A_TEXT, true, 1, TEXT_MAX, .option = "--progress", .placeholder = "TEXT",
               .help = "what happened"},
              {"blocker", A_TEXT, false, 1, TEXT_MAX, .option = "--blocker", .placeholder = "TEXT",
               .help = "what holds it up; management is told"},
              {NULL}},
     .result = "the candidate with its `progress` notes; a blocker raises `acquisition.blocked`",
     .brief = "record acquisition progress",
     .help = "Record progress on acquiring a candidate, through an agency or by the company "
             "itself; a blocker is reported to management.",
     PROGRESS},
    {.name = "candidate.acquire",
     .roles = "review",
     .writes = true,
     .args = {CANDIDATE_ID_ARG,
              QF_SPEC_CERT_NO (true),
              QF_SPEC_SCOPE (true),
              QF_SPEC_ISSUED (true),
              QF_SPEC_EXPIRES (true),
              QF_SPEC_COST,
              QF_SPEC_REVENUE,
              {NULL}},
     .result = "the candidate, `acquired`, with `qualification_id`: the qualification is "
               "created and submitted to review",
     .brief = "record the acquired certificate",
     .help = "Record the certificate obtained for a candidate: it becomes a qualification, "
             "submitted for review.",
     PROGRESS},
    {.name = "candidate.show",
     .roles = "*",
     .args = {CANDIDATE_ID_ARG, {NULL}},
     .result = "the candidate",
     .brief = "show a candidate and its progress",
     .help = "Show an acquisition candidate, its evaluation and decision, then its progress "
             "notes.",
     PROGRESS},
    {.name = "candidate.list",
     .roles = "*",
     .args = {{"state", A_ENUM, false, 0, 0, "candidate evaluated acquiring declined acquired",
               .option = "--state", .placeholder = "S", .help = "only this state"},
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [...]}`",
     .brief = "list acquisition candidates",
     .help = "List acquisition candidates: id, state, category, industry, authority, the "
             "qualification made of it, and the name.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = "ID:id STATE:state CATEGORY:category INDUSTRY:industry AUTHORITY:authority "
                "QUAL_ID:qualification_id NAME:name"},
    {NULL},
};
