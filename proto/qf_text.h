/*  qf_text — text made safe to show. A string a peer chose (a NACK reason,
    a HELLO key, a qualification's name) is written to log lines and to
    terminals; raw, a newline in it would start a line that looks like a
    real one, an escape sequence would move the cursor or recolour the
    screen, and a bidirectional control would show the rest of the line in
    another order than it is stored. qf_text_escape() writes every such
    character as a visible escape, so one record stays one line and reads
    as stored.

    Escaped (QF_TEXT_PLAIN): the C0 controls ("\n", "\r", "\t", else
    "\x1b"), DEL ("\x7f"), the C1 controls U+0080–U+009F ("\u0085"), the
    bidirectional controls U+202A–U+202E and U+2066–U+2069 ("\u202e"), the
    line and paragraph separators U+2028 and U+2029, and every byte that is
    not part of valid UTF-8 ("\xff"). Everything else, a backslash included,
    is copied as it is.

    QF_TEXT_JSON is for JSON text as jansson writes it, whose strings are
    valid UTF-8 with their C0 controls escaped already: DEL, the C1, the
    bidirectional controls and the separators become "\u007f", "\u202e"
    and so on, which a JSON parser reads back as the same characters, so
    the document means what it meant and a terminal shows it as stored.
*/
#ifndef QF_TEXT_H
#define QF_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    QF_TEXT_PLAIN = 0, /* a line of text: log records, table cells, "key: value" lines */
    QF_TEXT_JSON = 1   /* JSON text: only what JSON leaves raw, as \uXXXX escapes */
} qf_text_mode_t;

/*  Bytes that always hold the escaped form of `len` bytes of text, with
    its terminating NUL (an escape is at most 6 bytes per input byte). */
#define QF_TEXT_ESCAPED_SIZE(len) ((len)*6 + 1)

/*  Decodes one UTF-8 character at `s` (NUL-terminated). Returns its length
    in bytes (1 to 4) with the code point in *cp, or 0 when the bytes there
    are not valid UTF-8 (overlong forms and surrogates included). */
size_t qf_text_utf8_decode (const unsigned char *s, uint32_t *cp);

/*  Writes `text` escaped as the mode says into `out` (out_size > 0; NUL
    terminated). When out is too small the text is cut before the first
    character or escape that does not fit, never inside one. Returns the
    length written. */
size_t qf_text_escape (const char *text, qf_text_mode_t mode, char *out, size_t out_size);

/*  Returns `text` escaped as the mode says, or NULL when out of memory.
    Caller owns the return value. */
char *qf_text_escaped (const char *text, qf_text_mode_t mode);

/*  FNV-1a, 64 bits, over `size` bytes, continuing from `hash` (start from
    QF_FNV1A_BASIS). For fingerprints and hash tables, not a defence
    against anyone: the calendar's fingerprint, the log's repeat table and
    the send queues' buckets all use this one. */
#define QF_FNV1A_BASIS UINT64_C (0xcbf29ce484222325)
uint64_t qf_text_fnv1a (uint64_t hash, const void *data, size_t size);

#endif
