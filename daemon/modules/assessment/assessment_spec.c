/*  The assessment module's commands (§5.2), described once
    (qf_command_spec.h): the KPI report and the assessments recorded by
    the supervisors and HR. Handlers: assessment.c. */
#include "qf.h"
#include "qf_command_spec.h"

#define CARD                                                                                       \
    "{person, contracts, sales, profit, satisfaction, scores, new_customers, previous_sales, "     \
    "growth, achievement: {sales, profit, satisfaction, new_customers, growth}, score, "           \
    "violations}"

const qf_command_spec_t qf_assessment_specs[] = {
    {.name = "report.kpi",
     .roles = "supervisor hr management",
     .args = {{"period", A_TEXT, false, 4, 7, .option = "--period", .placeholder = "P",
               .help = "2027Q1 or 2027; default the period of today",
               .doc = "a quarter `YYYYQn` or a year `YYYY`; default the period "
                      "(policy.assessment_period) that holds today"},
              {"person", A_TEXT, false, 1, 64, .option = "--person", .placeholder = "USER",
               .help = "a person's history over periods instead",
               .doc = "a person's scorecard in each period (policy.assessment_period) from their "
                      "first signed contract to today, with their recorded assessments; not with "
                      "--period"},
              {NULL}},
     .result = "`{\"period\", \"from\", \"to\", \"items\": [" CARD "]}` by person, every "
               "salesperson of the staff directory and every owner of figures in the period; "
               "with --person `{\"person\", \"items\": [{\"period\", \"from\", \"to\", card}], "
               "\"assessments\": [...]}`. Figures are computed from the contracts and callbacks, "
               "never typed in",
     .brief = "the KPI scorecards of a period",
     .help = "KPIs per salesperson (§5.2): sales and profit of the contracts signed in the "
             "period (profit at assessment.cost_ratio), the average callback score, new "
             "customers (first signed contract), sales growth against the previous period; "
             "each against its target, and the weighted score; with the person's violations "
             "of the period.",
     .output = QF_OUT_RECORD,
     .list_key = "items",
     .columns = "PERSON:person PERIOD:period CONTRACTS:contracts SALES:sales PROFIT:profit "
                "SATISFACTION:satisfaction NEW:new_customers GROWTH:growth SCORE:score"},
    {.name = "assessment.record",
     .roles = "supervisor hr management",
     .writes = true,
     .args = {{"person", A_TEXT, true, 1, 64, .option = "PERSON",
               .help = "the person assessed (login name)"},
              {"period", A_TEXT, true, 4, 7, .option = "--period", .placeholder = "P",
               .help = "2027Q1 or 2027, a period that has ended",
               .doc = "a quarter `YYYYQn` or a year `YYYY` that has ended"},
              {"rating", A_ENUM, true, 0, 0, "excellent good satisfactory poor unsatisfactory",
               .option = "--rating", .placeholder = "R", .help = "the rating"},
              {"comments", A_TEXT, true, 1, 4000, .option = "--comments", .placeholder = "T",
               .help = "the assessor's comments"},
              {"reward", A_TEXT, false, 1, 1000, .option = "--reward", .placeholder = "T",
               .help = "the reward granted",
               .doc = "not with --plan; only for a score from assessment.reward_from"},
              {"plan", A_TEXT, false, 1, 4000, .option = "--plan", .placeholder = "T",
               .help = "an improvement plan",
               .doc = "needs --goals and --review; required for a score under "
                      "assessment.plan_below"},
              {"goals", A_TEXT, false, 1, 4000, .option = "--goals", .placeholder = "T",
               .help = "the plan's goals"},
              {"review", A_DATE, false, .option = "--review", .placeholder = "YYYY-MM-DD",
               .help = "the plan's review date, after today"},
              {NULL}},
     .result = "`{\"id\", \"person\", \"period\", \"rating\", \"comments\", \"reward\", \"plan\", "
               "\"goals\", \"review\", \"scorecard\", \"by\", \"role\", \"at\"}`: the scorecard "
               "is the one computed now (with the period's violations), never typed; raises "
               "`staff.assessed`; a second assessment of the person for the period is refused "
               "(409)",
     .brief = "record a person's assessment of a period",
     .help = "Record the assessment of a person for an ended period: the rating, comments and "
             "either a reward or an improvement plan with its goals and review date. The KPI "
             "scorecard is computed from the records and kept with it.",
     .output = QF_OUT_RECORD},
    {NULL},
};
