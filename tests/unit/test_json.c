/*  test_json — qf_json_encode writes what json_dumps (JSON_COMPACT |
    JSON_ENCODE_ANY) writes, byte for byte: every kind of value, every
    escape, reals of every shape, keys in the object's order (a replaced
    key keeps its place), and it fails where jansson fails. qf_json_parse
    reads what json_loadb reads, into the same tree (same types, same key
    order) or to the same error, on chosen texts and on thousands of
    mutations of a request's body.
*/
#include "qf_json.h"
#include "qf_test.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks qf_json_encode against jansson on `json` (taken). */
static void
s_same (const char *s_test_name, json_t *json)
{
    char *want = json_dumps (json, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t size = 0;
    char *got = qf_json_encode (json, &size);
    QF_CHECK (want != NULL);
    QF_CHECK (got != NULL);
    if (want && got) {
        QF_CHECK_STR (got, want);
        QF_CHECK_EQ_INT ((long long)size, (long long)strlen (want));
    }
    free (want);
    free (got);
    json_decref (json);
}

QF_TEST (scalars_as_jansson_writes_them)
{
    s_same (s_test_name, json_null ());
    s_same (s_test_name, json_true ());
    s_same (s_test_name, json_false ());
    s_same (s_test_name, json_integer (0));
    s_same (s_test_name, json_integer (-1));
    s_same (s_test_name, json_integer (1234567890123LL));
    s_same (s_test_name, json_integer (INT64_MAX));
    s_same (s_test_name, json_integer (INT64_MIN));
    s_same (s_test_name, json_string (""));
    s_same (s_test_name, json_string ("plain ascii / slash ~ del \x7f"));
}

QF_TEST (reals_of_every_shape)
{
    const double values[] = {0.0,    -0.0,    1.0,     -1.0,   0.5,   0.1,    1234.5,
                             1e21,   1e22,    1e-7,    1.5e300, -2e-300, 100.0, 123456789.0,
                             1e16,   1e17,    DBL_MAX, DBL_MIN, 3.14159, 2.5e-5, 7e100};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        s_same (s_test_name, json_real (values[i]));
}

QF_TEST (strings_escaped_as_jansson_escapes_them)
{
    s_same (s_test_name, json_string ("quote \" backslash \\ end"));
    s_same (s_test_name, json_string ("\b\f\n\r\t"));
    s_same (s_test_name, json_string ("\x01\x02\x1b\x1f controls"));
    s_same (s_test_name, json_string ("安徽省住房和城乡建设厅 建筑工程施工总承包二级"));
    s_same (s_test_name, json_string ("two \xc3\xa9, three \xe2\x80\xa8, four \xf0\x9f\x98\x80"));
    /* A NUL inside a string of known length. */
    s_same (s_test_name, json_stringn ("a\0b", 3));
}

QF_TEST (containers_in_their_order)
{
    s_same (s_test_name, json_object ());
    s_same (s_test_name, json_array ());
    json_t *record = json_pack ("{s:I, s:s, s:o, s:[i, s, {}], s:{s:n, s:b}, s:f}", "id",
                                (json_int_t)42, "name", "x", "cost", json_null (), "list", 1, "two",
                                "nested", "a", "b", 1, "ratio", 0.25);
    /* Replacing a key keeps its place; the order is the insertion order. */
    json_object_set_new (record, "name", json_string ("y"));
    json_object_set_new (record, "z", json_integer (1));
    json_object_set_new (record, "a", json_integer (2));
    s_same (s_test_name, record);
    /* A key with a NUL and a key that needs escapes. */
    json_t *odd = json_object ();
    json_object_setn_new (odd, "k\0ey", 4, json_true ());
    json_object_set_new (odd, "q\"\n", json_false ());
    s_same (s_test_name, odd);
    json_t *deep = json_array ();
    json_t *at = deep;
    for (int i = 0; i < 100; i++) {
        json_t *next = json_array ();
        json_array_append_new (at, next);
        at = next;
    }
    s_same (s_test_name, deep);
}

QF_TEST (fails_where_jansson_fails)
{
    /* Strings made without the UTF-8 check: a lone continuation byte, a
       cut sequence, an overlong '/', a surrogate, past U+10FFFF. */
    const char *bad[] = {"\x80", "a\xe2\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *object = json_object ();
        json_object_set_new (object, "name", json_stringn_nocheck (bad[i], strlen (bad[i])));
        char *want = json_dumps (object, JSON_COMPACT);
        char *got = qf_json_encode (object, NULL);
        QF_CHECK (want == NULL);
        QF_CHECK (got == NULL);
        free (want);
        free (got);
        json_decref (object);
    }
    QF_CHECK (qf_json_encode (NULL, NULL) == NULL);
}

/* Checks qf_json_parse against json_loadb on `size` bytes at `text`. */
static void
s_reads_same (const char *s_test_name, const char *text, size_t size)
{
    json_error_t want_error, got_error;
    json_t *want = json_loadb (text, size, JSON_REJECT_DUPLICATES, &want_error);
    json_t *got = qf_json_parse (text, size, JSON_REJECT_DUPLICATES, &got_error);
    QF_CHECK ((want == NULL) == (got == NULL));
    if (want && got) {
        QF_CHECK (json_equal (want, got));
        char *a = json_dumps (want, JSON_COMPACT), *b = json_dumps (got, JSON_COMPACT);
        QF_CHECK (a && b && strcmp (a, b) == 0);
        free (a);
        free (b);
    } else if (!want && !got) {
        QF_CHECK_STR (got_error.text, want_error.text);
        QF_CHECK_EQ_INT (got_error.position, want_error.position);
    }
    if (!((want == NULL) == (got == NULL)))
        printf ("  differs on: %.*s\n", (int)size, text);
    json_decref (want);
    json_decref (got);
}

static const char *s_request =
    "{\"role\":\"review\",\"user\":\"bench\",\"args\":{\"name\":\"bench\",\"cert_no\":"
    "\"D234000001\",\"authority\":\"安徽省住房和城乡建设厅\",\"category\":\"construction-"
    "general\",\"scope\":\"建筑工程施工总承包二级\",\"issued\":\"2025-01-01\",\"expires\":"
    "\"2030-01-01\",\"acquisition_cost\":1250.5,\"n\":[1,-2,0,true,false,null,{}]}}";

QF_TEST (reads_what_jansson_reads)
{
    const char *texts[] = {
        "{}", "[]", " { } ", "{\"a\":1}", "{\"a\":1,\"a\":2}", "{\"a\":\"x\\ny\\t\\\"\\\\\\/\"}",
        "{\"k\\n\":{\"k\\n\":1}}", "{\"a\":\"\\u00e9\\ud83d\\ude00\"}", "{\"a\":\"\\u0000\"}",
        "{\"a\":123456789012345678}", "{\"a\":1234567890123456789}", "{\"a\":99999999999999999999}",
        "{\"a\":-0}", "{\"a\":-0.0}", "{\"a\":1e400}", "{\"a\":1e-400}", "{\"a\":1.5e3}",
        "{\"a\":1E+3}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":1x}",
        "{\"a\":tru}", "{\"a\":nul}", "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "\"top\"",
        "1", "", "   ", "{} x", "{}{}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "{\"a\":\"\x01\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\\q\"}",
        "{\"a\":\"unterminated}", s_request};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        s_reads_same (s_test_name, texts[i], strlen (texts[i]));
    s_reads_same (s_test_name, "{\"a\":1}\0", 9);
    s_reads_same (s_test_name, "{\"a\":\"b\0c\"}", 11);
}

QF_TEST (reads_mutated_requests_as_jansson_does)
{
    /* Bytes that make or break JSON, put over, into or out of a request. */
    const char bytes[] = "{}[]\",:\\ 0123456789-+.eEtrufalsn\x01\x80\xc3\xa9u";
    char text[1024];
    uint32_t seed = 12345;
    size_t base = strlen (s_request);
    for (int round = 0; round < 20000; round++) {
        memcpy (text, s_request, base);
        size_t size = base;
        for (int edits = 1 + round % 3; edits > 0; edits--) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % size;
            char byte = bytes[(seed >> 20) % (sizeof bytes - 1)];
            switch ((seed >> 4) % 3) {
            case 0: text[at] = byte; break;
            case 1:
                memmove (text + at + 1, text + at, size - at);
                text[at] = byte;
                size++;
                break;
            default:
                memmove (text + at, text + at + 1, size - at - 1);
                size--;
            }
        }
        s_reads_same (s_test_name, text, size);
    }
}

int
main (void)
{
    s_test_suite = "json";
    QF_RUN (scalars_as_jansson_writes_them);
    QF_RUN (reals_of_every_shape);
    QF_RUN (strings_escaped_as_jansson_escapes_them);
    QF_RUN (containers_in_their_order);
    QF_RUN (fails_where_jansson_fails);
    QF_RUN (reads_what_jansson_reads);
    QF_RUN (reads_mutated_requests_as_jansson_does);
    return qf_test_done ();
}
