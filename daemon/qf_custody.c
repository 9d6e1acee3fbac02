/*  qf_custody — custody commands (§4.3): the archive record of a
    certificate and its loans (request, approval by a leader, lending,
    return), with an overdue event every working day until it is back. */
#include "qf.h"
#include "qf_command.h"
#include "qf_store_custody.h"

const qf_command_t qf_custody_commands[] = {
    {NULL},
};
const size_t qf_custody_command_count = 0;
