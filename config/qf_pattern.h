/*  qf_pattern — keeps the configuration's regular expressions cheap.

    An authority's pattern is compiled by every process that loads the
    configuration and matched by the legal worker against every certificate
    number, with the C library's POSIX matcher (regcomp/regexec). That
    matcher is cheap for most patterns, but two features make it costly:

    - back-references (\1 to \9) turn matching into a backtracking search
      that takes exponential time: ^(.*)(.*)(.*)(.*)(.*)\1\2\3\4\5$ against
      a 128-byte number pins a CPU for minutes;
    - repetition counts are written out at compile time, so nested counts
      multiply: a{32767}{32767} needs gigabytes before anything matches.

    Without back-references, and with the REG_NOSUB flag we always pass,
    regexec makes one forward pass of an automaton over the text, so its
    cost grows with the text's length times the pattern's size once its
    repetitions are written out. qf_pattern_check bounds that size, and so
    bounds compile time, memory and matching time together, while keeping
    the POSIX syntax that configurations already use.
*/
#ifndef QF_PATTERN_H
#define QF_PATTERN_H

#include <stddef.h>

#define QF_PATTERN_BYTES_MAX  256 /* longest pattern text */
#define QF_PATTERN_REPEAT_MAX 255 /* largest count in {m,n} (POSIX's RE_DUP_MAX floor) */
#define QF_PATTERN_SIZE_MAX   256 /* atoms once repetitions are written out */
#define QF_PATTERN_DEPTH_MAX  32  /* nested parentheses */

/*  Checks that `pattern`, a POSIX extended regular expression, has no
    back-reference, no repetition count above QF_PATTERN_REPEAT_MAX, no
    more than QF_PATTERN_DEPTH_MAX nested groups, and a written-out size of
    at most QF_PATTERN_SIZE_MAX atoms. Returns 0, or QF_EINVAL with `why`
    ("uses the back-reference \1 ...", to follow "which") and `advice`
    (what to do). Syntax errors are left to regcomp. */
int qf_pattern_check (const char *pattern, char *why, size_t why_size, char *advice,
                      size_t advice_size);

#endif
