/*  The handover module's commands, described once (qf_command_spec.h):
    the delivery tasks of a signed contract (§6.3 execution). Handlers:
    handover.c. */
#include "qf.h"
#include "qf_command_spec.h"

/* A list of delivery tasks as a table. */
#define TASK_COLUMNS                                                                               \
    "ID:id CONTRACT:number QUAL_ID:qualification_id KIND:kind TEAM:team STATE:state DUE:due "      \
    "NAME:name"

const qf_command_spec_t qf_handover_specs[] = {
    {.name = "handover.list",
     .roles = "*",
     .args = {{"state", A_ENUM, false, 0, 0, "open done cancelled", .option = "--state",
               .placeholder = "S", .help = "only this state"},
              {"contract_id", A_INT, false, 1, INT64_MAX, .option = "--contract",
               .placeholder = "ID", .help = "only the tasks of this contract"},
              {"team", A_ENUM, false, 0, 0, "review logistics", .option = "--team",
               .placeholder = "ROLE", .help = "only this team's tasks",
               .doc = "`review`: the processing team; `logistics`: the certificate's handover"},
              QF_SPEC_NEXT,
              QF_SPEC_LIMIT,
              {NULL}},
     .result = "`{\"items\": [task…], \"next\": N|null}`: each task's `id`, `contract_id`, "
               "`number`, `qualification_id`, `name`, `cert_no`, `kind` (processing, transfer), "
               "`team`, `state`, `due`, `steps`, `customer`, `owner`, `closed`, `closed_by`, "
               "`note`",
     .brief = "list delivery tasks",
     .help = "List the delivery tasks of signed contracts, oldest first: the processing team's "
             "(kind processing: the quoted processing steps at the authority) and logistics' "
             "(kind transfer: the certificate handed over from custody to the customer). They are "
             "made when a contract is signed, one of each per qualification, due on its delivery "
             "date.",
     .output = QF_OUT_LIST,
     .list_key = "items",
     .columns = TASK_COLUMNS},
    {.name = "handover.done",
     .roles = "review logistics",
     .writes = true,
     .args = {{"id", A_INT, true, 1, INT64_MAX, .option = "ID"},
              {"note", A_TEXT, false, 1, TEXT_MAX, .option = "--note", .placeholder = "TEXT",
               .help = "what was done, e.g. the authority's file number"},
              {NULL}},
     .roles_note = "each task by its own team: processing by review, transfer by logistics",
     .result = "the task, `done`; a transfer also updates the certificate's archive record "
               "(custody.show: `transferred_to`, `transfer_contract`)",
     .brief = "finish a delivery task",
     .help = "Record that a delivery task is done. A transfer is done after the processing of "
             "the same qualification, and only when the certificate is in custody (archived, "
             "not out on a loan): its archive record then names the customer and the contract. "
             "When a contract's last task is done, handover.completed tells its salesperson it "
             "can be delivered (contract deliver)."},
    {NULL},
};
