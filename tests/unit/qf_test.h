/*  qf_test — the smallest test harness that does the job.

    Each test is a function; QF_CHECK records a failure with file and line
    and returns from the test.  Every test prints one line,
    "PASS suite: name" or "FAIL suite: name: file:line: what", which the
    runner (tests/run) counts.  main() ends with qf_test_done(), whose exit
    status is non-zero when anything failed.
*/
#ifndef QF_TEST_H
#define QF_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_test_failed_count = 0;
static int s_test_current_failed = 0;
static const char *s_test_suite = "test";

#define QF_CHECK(expr)                                                                             \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            printf ("FAIL %s: %s: %s:%d: %s\n", s_test_suite, s_test_name, __FILE__, __LINE__,     \
                    #expr);                                                                        \
            s_test_current_failed = 1;                                                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define QF_CHECK_EQ_INT(a, b)                                                                      \
    do {                                                                                           \
        long long _a = (long long)(a), _b = (long long)(b);                                        \
        if (_a != _b) {                                                                            \
            printf ("FAIL %s: %s: %s:%d: %s == %s (%lld != %lld)\n", s_test_suite, s_test_name,    \
                    __FILE__, __LINE__, #a, #b, _a, _b);                                           \
            s_test_current_failed = 1;                                                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define QF_CHECK_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *_a = (a), *_b = (b);                                                           \
        if (!_a || !_b || strcmp (_a, _b) != 0) {                                                  \
            printf ("FAIL %s: %s: %s:%d: %s == %s (\"%s\" != \"%s\")\n", s_test_suite,             \
                    s_test_name, __FILE__, __LINE__, #a, #b, _a ? _a : "(null)",                   \
                    _b ? _b : "(null)");                                                           \
            s_test_current_failed = 1;                                                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Declares a test: static void name (const char *s_test_name). */
#define QF_TEST(name) static void name (const char *s_test_name)

#define QF_RUN(name)                                                                               \
    do {                                                                                           \
        s_test_current_failed = 0;                                                                 \
        name (#name);                                                                              \
        if (s_test_current_failed)                                                                 \
            s_test_failed_count++;                                                                 \
        else                                                                                       \
            printf ("PASS %s: %s\n", s_test_suite, #name);                                         \
        fflush (stdout);                                                                           \
    } while (0)

static inline int
qf_test_done (void)
{
    return s_test_failed_count ? 1 : 0;
}

#endif
