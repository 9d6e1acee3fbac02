/*  The certificate's arguments, described once for every command that
    takes a certificate's data: qual.add (qualification_spec.c) and
    candidate.acquire (acquisition_spec.c), whose qualification it becomes.
    `required` says whether the command needs it. */
#ifndef QUALIFICATION_SPEC_H
#define QUALIFICATION_SPEC_H

#include "qf_command_spec.h"

// clang-format off
#define QF_SPEC_CERT_NO(required)                                                              \
    {"cert_no", A_TEXT, required, 1, 128, .option = "--cert-no", .placeholder = "X",           \
     .help = "certificate number"}
#define QF_SPEC_SCOPE(required)                                                                \
    {"scope", A_TEXT, required, 1, TEXT_MAX, .option = "--scope", .placeholder = "S",          \
     .help = "scope, stated precisely"}
#define QF_SPEC_ISSUED(required)                                                               \
    {"issued", A_DATE, required, .option = "--issued", .help = "date of issue"}
#define QF_SPEC_EXPIRES(required)                                                              \
    {"expires", A_DATE, required, .option = "--expires", .help = "end of validity, after --issued", \
     .after = "issued", .doc = "after `issued`"}
#define QF_SPEC_COST                                                                           \
    {"acquisition_cost", A_NUMBER, false, .option = "--cost", .placeholder = "N",              \
     .help = "acquisition cost, a number >= 0"}
#define QF_SPEC_REVENUE                                                                        \
    {"expected_revenue", A_NUMBER, false, .option = "--revenue", .placeholder = "N",           \
     .help = "expected revenue, a number >= 0"}
// clang-format on

#endif
