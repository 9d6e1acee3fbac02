/*  test_text — qf_text_escape: what a terminal or a log reader would obey
    (C0 and C1 controls, DEL, bidirectional controls, line separators,
    bytes that are not UTF-8) is written as a visible escape, everything
    else as it is; JSON text keeps its meaning; a small buffer cuts between
    characters, never inside one.
*/
#include "qf_text.h"
#include "qf_test.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The plain escape of `text` (static buffer). */
static const char *
s_plain (const char *text)
{
    static char out[256];
    qf_text_escape (text, QF_TEXT_PLAIN, out, sizeof out);
    return out;
}

QF_TEST (plain_escapes_what_a_terminal_obeys)
{
    QF_CHECK_STR (s_plain ("one\ntwo\r\tthree"), "one\\ntwo\\r\\tthree");
    QF_CHECK_STR (s_plain ("\x1b[31mred\x07\x7f"), "\\x1b[31mred\\x07\\x7f");
    /* C1: U+0085 (next line), U+009B (CSI). */
    QF_CHECK_STR (s_plain ("a\xc2\x85"
                           "b\xc2\x9b"
                           "c"),
                  "a\\u0085b\\u009bc");
    /* Bidirectional controls: U+202A-U+202E and U+2066-U+2069. */
    QF_CHECK_STR (s_plain ("x\xe2\x80\xaa\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa9y"),
                  "x\\u202a\\u202e\\u2066\\u2069y");
    /* Line and paragraph separators. */
    QF_CHECK_STR (s_plain ("p\xe2\x80\xa8q\xe2\x80\xa9"), "p\\u2028q\\u2029");
    /* Not UTF-8: a lone continuation byte, a cut sequence, an overlong '/'. */
    QF_CHECK_STR (s_plain ("\x80"
                           "a\xe2\x80"
                           "b\xc0\xaf"),
                  "\\x80a\\xe2\\x80b\\xc0\\xaf");
}

QF_TEST (plain_keeps_the_rest)
{
    const char *text = "合肥 D234[0-9]{6}$ \\n 'q' \"dq\" é ← \xe2\x80\x8f \xf0\x9f\x98\x80";
    QF_CHECK_STR (s_plain (text), text);
    QF_CHECK_STR (s_plain (""), "");
    char out[8];
    QF_CHECK_EQ_INT (qf_text_escape (NULL, QF_TEXT_PLAIN, out, sizeof out), 0);
    QF_CHECK_STR (out, "");
}

QF_TEST (json_keeps_its_meaning)
{
    json_t *value = json_pack ("{s:s}", "name",
                               "a\xe2\x80\xae"
                               "b\x7f"
                               "c\xc2\x85"
                               "\n");
    QF_CHECK (value);
    char *text = json_dumps (value, JSON_COMPACT);
    char *safe = qf_text_escaped (text, QF_TEXT_JSON);
    QF_CHECK_STR (safe, "{\"name\":\"a\\u202eb\\u007fc\\u0085\\n\"}");
    json_t *back = json_loads (safe, 0, NULL);
    QF_CHECK (back && json_equal (back, value));
    /* Indented JSON keeps its newlines: they are structure. */
    char *indented = json_dumps (value, JSON_INDENT (2));
    char *same = qf_text_escaped (indented, QF_TEXT_JSON);
    QF_CHECK (strchr (same, '\n'));
    json_decref (back);
    json_decref (value);
    free (same);
    free (indented);
    free (safe);
    free (text);
}

QF_TEST (a_small_buffer_cuts_between_characters)
{
    char out[8];
    /* "ab" then "\x1b" (4 bytes) fits in 7; the next escape does not. */
    QF_CHECK_EQ_INT (qf_text_escape ("ab\x1b\x1b", QF_TEXT_PLAIN, out, sizeof out), 6);
    QF_CHECK_STR (out, "ab\\x1b");
    /* A 3-byte character that does not fit is left out whole. */
    QF_CHECK_EQ_INT (qf_text_escape ("abcde合", QF_TEXT_PLAIN, out, sizeof out), 5);
    QF_CHECK_STR (out, "abcde");
    /* The bound holds for the worst input: every byte an escape. */
    char worst[64];
    memset (worst, 0x01, sizeof worst - 1);
    worst[sizeof worst - 1] = 0;
    char big[QF_TEXT_ESCAPED_SIZE (sizeof worst - 1)];
    QF_CHECK_EQ_INT (qf_text_escape (worst, QF_TEXT_PLAIN, big, sizeof big), 4 * 63);
}

int
main (void)
{
    s_test_suite = "text";
    QF_RUN (plain_escapes_what_a_terminal_obeys);
    QF_RUN (plain_keeps_the_rest);
    QF_RUN (json_keeps_its_meaning);
    QF_RUN (a_small_buffer_cuts_between_characters);
    return qf_test_done ();
}
