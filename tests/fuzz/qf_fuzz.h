/*  qf_fuzz — what the fuzz targets share.

    Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput, the entry
    point of libFuzzer. `make fuzz` links it with libFuzzer (clang) and
    runs it; `make test` links it with replay.c (any compiler) as
    test_fuzz_NAME, which feeds it every file of tests/fuzz/corpus/NAME/.
    A target checks its invariants with QF_FUZZ_REQUIRE: a broken one
    aborts, which libFuzzer saves as a crash and the replay reports.
*/
#ifndef QF_FUZZ_H
#define QF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define QF_FUZZ_REQUIRE(cond)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf (stderr, "fuzz: %s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);    \
            abort ();                                                                              \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#endif
