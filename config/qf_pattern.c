/*  qf_pattern — keeps the configuration's regular expressions cheap; see
    qf_pattern.h. */
#include "qf_pattern.h"

#include "qf_error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Sizes saturate here, far above any limit and far below overflow even
   when multiplied by a capped repetition count. */
#define SIZE_CAP   ((uint64_t)1 << 40)
#define NUMBER_CAP 1000000

/* One level of parentheses while the pattern is read. */
typedef struct {
    uint64_t done;   /* size of the finished alternatives, with their '|' */
    uint64_t branch; /* size of the alternative being read */
    uint64_t last;   /* size of its last atom, which a repetition repeats; 0: none */
} s_level_t;

static uint64_t
s_cap (uint64_t size)
{
    return size > SIZE_CAP ? SIZE_CAP : size;
}

/*  Adds an atom of `size` to the alternative being read. */
static void
s_atom (s_level_t *level, uint64_t size)
{
    level->branch = s_cap (level->branch + size);
    level->last = size;
}

/*  Repeats the last atom `count` times, the way the C library writes a
    repetition out, plus one node for the operator itself. */
static void
s_repeat (s_level_t *level, uint64_t count)
{
    if (level->last == 0)
        return; /* nothing to repeat: regcomp reports it */
    uint64_t repeated = s_cap (level->last * (count ? count : 1) + 1);
    level->branch = s_cap (level->branch - level->last + repeated);
    level->last = repeated;
}

/*  Bytes of the character starting at p (at most `left`), so that a
    multibyte character counts as the several atoms it may compile to. */
static size_t
s_char_length (const unsigned char *p, size_t left)
{
    size_t n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 1;
    return n < left ? n : left;
}

/*  Index just past the bracket expression opening at p[i] == '[', or n
    when it is not closed (regcomp reports that). Inside brackets a
    backslash is an ordinary character; "[:", "[." and "[=" open classes,
    collating symbols and equivalence classes that end with ":]", ".]", "=]". */
static size_t
s_bracket_end (const char *p, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && p[j] == '^')
        j++;
    if (j < n && p[j] == ']')
        j++;
    while (j < n && p[j] != ']') {
        if (p[j] == '[' && j + 1 < n && strchr (":.=", p[j + 1])) {
            char kind = p[j + 1];
            size_t k = j + 2;
            while (k + 1 < n && !(p[k] == kind && p[k + 1] == ']'))
                k++;
            j = k + 1 < n ? k + 2 : n;
        } else
            j++;
    }
    return j < n ? j + 1 : n;
}

/*  Reads an interval "{m}", "{m,}", "{,n}" or "{m,n}" at p[i] == '{'.
    Returns the index past it and the counts (n < 0: no upper bound), or
    0 when it is not an interval (regcomp then reports it). */
static size_t
s_interval (const char *p, size_t n, size_t i, long *min_p, long *max_p)
{
    long number[2] = {-1, -1};
    int part = 0;
    size_t j = i + 1;
    for (; j < n && p[j] != '}'; j++) {
        if (p[j] >= '0' && p[j] <= '9') {
            long digit = p[j] - '0';
            number[part] = number[part] < 0 ? digit : number[part] * 10 + digit;
            if (number[part] > NUMBER_CAP)
                number[part] = NUMBER_CAP;
        } else if (p[j] == ',' && part == 0)
            part = 1;
        else
            return 0;
    }
    if (j >= n)
        return 0;
    *min_p = number[0] < 0 ? 0 : number[0];
    *max_p = part == 0 ? *min_p : number[1];
    return j + 1;
}

int
qf_pattern_check (const char *pattern, char *why, size_t why_size, char *advice, size_t advice_size)
{
    s_level_t levels[QF_PATTERN_DEPTH_MAX + 1];
    size_t depth = 0;
    memset (&levels[0], 0, sizeof levels[0]);
    const char *p = pattern ? pattern : "";
    size_t n = strlen (p);
    for (size_t i = 0; i < n;) {
        s_level_t *level = &levels[depth];
        char c = p[i];
        if (c == '\\' && i + 1 < n) {
            if (p[i + 1] >= '1' && p[i + 1] <= '9') {
                snprintf (why, why_size,
                          "uses the back-reference \\%c, so matching can take exponential time",
                          p[i + 1]);
                snprintf (advice, advice_size,
                          "write the pattern without back-references (list the alternatives "
                          "instead)");
                return QF_EINVAL;
            }
            size_t length = s_char_length ((const unsigned char *)p + i + 1, n - i - 1);
            s_atom (level, length);
            i += 1 + length;
        } else if (c == '[') {
            s_atom (level, 1);
            i = s_bracket_end (p, n, i);
        } else if (c == '(') {
            if (depth == QF_PATTERN_DEPTH_MAX) {
                snprintf (why, why_size, "nests parentheses more than %d deep",
                          QF_PATTERN_DEPTH_MAX);
                snprintf (advice, advice_size, "use fewer nested groups");
                return QF_EINVAL;
            }
            depth++;
            memset (&levels[depth], 0, sizeof levels[depth]);
            i++;
        } else if (c == ')' && depth > 0) {
            uint64_t group = s_cap (level->done + level->branch + 1);
            depth--;
            s_atom (&levels[depth], group);
            i++;
        } else if (c == '|') {
            level->done = s_cap (level->done + level->branch + 1);
            level->branch = level->last = 0;
            i++;
        } else if (c == '*' || c == '?' || c == '+') {
            s_repeat (level, c == '+' ? 2 : 1);
            i++;
        } else if (c == '{') {
            long min = 0, max = 0;
            size_t end = s_interval (p, n, i, &min, &max);
            if (end == 0) {
                s_atom (level, 1);
                i++;
                continue;
            }
            long count = max > min ? max : min;
            if (count > QF_PATTERN_REPEAT_MAX) {
                snprintf (why, why_size, "repeats %.*s: counts above %d are not allowed",
                          (int)(end - i), p + i, QF_PATTERN_REPEAT_MAX);
                snprintf (advice, advice_size,
                          "use a count of at most %d (certificate numbers are at most 128 "
                          "characters)",
                          QF_PATTERN_REPEAT_MAX);
                return QF_EINVAL;
            }
            /* "{m,}" is m copies and a star. */
            s_repeat (level, max < 0 ? (uint64_t)min + 1 : (uint64_t)count);
            i = end;
        } else {
            size_t length = s_char_length ((const unsigned char *)p + i, n - i);
            s_atom (level, length);
            i += length;
        }
    }
    uint64_t size = 0;
    for (size_t d = 0; d <= depth; d++)
        size = s_cap (size + levels[d].done + levels[d].branch);
    if (size > QF_PATTERN_SIZE_MAX) {
        if (size >= SIZE_CAP)
            snprintf (why, why_size,
                      "expands to more than %llu atoms once its repetitions are written out "
                      "(at most %d)",
                      (unsigned long long)SIZE_CAP, QF_PATTERN_SIZE_MAX);
        else
            snprintf (why, why_size,
                      "expands to %llu atoms once its repetitions are written out (at most %d)",
                      (unsigned long long)size, QF_PATTERN_SIZE_MAX);
        snprintf (advice, advice_size,
                  "use smaller repetition counts, above all in nested repetitions such as "
                  "(x{10}){10}");
        return QF_EINVAL;
    }
    return 0;
}
