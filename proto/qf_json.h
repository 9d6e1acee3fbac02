/*  qf_json — JSON text on the command path, faster than jansson's own.

    qf_json_encode writes a jansson tree as compact JSON text, byte for byte
    what json_dumps (json, JSON_COMPACT | JSON_ENCODE_ANY) writes (keys in
    the object's order, the same escapes, reals as "%.17g" with ".0" added
    to a whole number and the exponent's '+' and leading zeros dropped),
    and fails where it fails (a string that is not UTF-8, a tree that
    contains itself). jansson's writer costs about 100 instructions a byte
    (a callback per piece, a hash table of the objects being written); this
    one about 10, and every command that changes state writes its event's
    payload, its reply and its DELIVERs through it.

    qf_json_parse reads a request's body, again as jansson would, giving
    anything unusual to jansson itself (see below).
*/
#ifndef QF_JSON_H
#define QF_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  Returns `json` as compact JSON text (NUL terminated, *size_p its length
    when size_p is not NULL), or NULL when a string in it is not UTF-8, it
    contains itself or nests deeper than 2048, or memory runs out. Caller
    owns the return value (free). */
char *qf_json_encode (const json_t *json, size_t *size_p);

/*  A record written straight as text, without its tree: the writer puts
    its pieces in order, each as qf_json_encode would write that value
    (put_raw for the punctuation and the keys that need no escape), and
    qf_json_take returns the text, or NULL when a piece failed (a string
    not UTF-8, a value NULL, out of memory). Start from {0}. */
typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} qf_json_out_t;

void qf_json_put_raw (qf_json_out_t *out, const char *bytes, size_t size);
void qf_json_put_string (qf_json_out_t *out, const char *text, size_t size);
void qf_json_put_integer (qf_json_out_t *out, int64_t value);
void qf_json_put_real (qf_json_out_t *out, double value);
void qf_json_put_value (qf_json_out_t *out, const json_t *json);
/*  The text written (NUL terminated, *size_p its length), or NULL; the
    writer is empty again. Caller owns the return value. */
char *qf_json_take (qf_json_out_t *out, size_t *size_p);

/*  json_loadb (data, size, flags, error), the same tree or the same error,
    at about a fifth of its cost on a request's body. It reads what it is
    sure to read as jansson would (an object or array of strings without
    \u escapes, integers of up to 18 digits, plain reals, literals, no
    duplicate key, at most 64 deep) and hands anything else to json_loadb,
    which answers with its own tree or error. flags other than
    JSON_REJECT_DUPLICATES go to json_loadb straight away. */
json_t *qf_json_parse (const char *data, size_t size, size_t flags, json_error_t *error);

#endif
