/*  qf_msg — the QFLOW/1 wire codec. */
#include "qf_msg.h"
#include "qf_error.h"
#include "qf_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* The kinds of field a frame can hold, each with its own validation. */
typedef enum {
    F_REQUEST_ID,
    F_COMMAND,
    F_STATUS,
    F_SEQ,
    F_EVENT_ID,
    F_TOPIC,
    F_SUBJECT,
    F_TIME,
    F_ATTEMPT,
    F_FLAGS,
    F_DELAY,
    F_REASON,
    F_BODY,
    F_SEQS,
    F_HEADS,
    F_PAYLOADS,
    F_END
} field_t;

static const char *s_field_names[] = {"request_id", "command", "status", "seq",     "event_id",
                                      "topic",      "subject", "time",   "attempt", "flags",
                                      "delay",      "reason",  "body",   "seqs",
                                      "heads",      "payloads"};

/* Frames after the type frame, per message type, as in PROTOCOL.md. */
typedef struct {
    const char *name;  /* type frame text */
    field_t fields[9]; /* F_END-terminated */
} type_spec_t;

static const type_spec_t s_types[QF_MSG_COUNT] = {
    [QF_MSG_REQUEST] = {"REQUEST", {F_REQUEST_ID, F_COMMAND, F_BODY, F_END}},
    [QF_MSG_REPLY] = {"REPLY", {F_REQUEST_ID, F_STATUS, F_BODY, F_END}},
    [QF_MSG_HELLO] = {"HELLO", {F_BODY, F_END}},
    [QF_MSG_WELCOME] = {"WELCOME", {F_BODY, F_END}},
    [QF_MSG_DELIVER] = {"DELIVER",
                        {F_SEQ, F_EVENT_ID, F_TOPIC, F_SUBJECT, F_TIME, F_ATTEMPT, F_FLAGS, F_BODY,
                         F_END}},
    [QF_MSG_ACK] = {"ACK", {F_SEQ, F_EVENT_ID, F_BODY, F_END}},
    [QF_MSG_NACK] = {"NACK", {F_SEQ, F_EVENT_ID, F_DELAY, F_REASON, F_END}},
    [QF_MSG_EXTEND] = {"EXTEND", {F_SEQ, F_EVENT_ID, F_END}},
    [QF_MSG_HEARTBEAT] = {"HEARTBEAT", {F_END}},
    [QF_MSG_BYE] = {"BYE", {F_END}},
    [QF_MSG_ERROR] = {"ERROR", {F_STATUS, F_SEQ, F_REASON, F_END}},
    [QF_MSG_EVENT] = {"EVENT", {F_SEQ, F_EVENT_ID, F_SUBJECT, F_TIME, F_BODY, F_END}},
    [QF_MSG_ACKS] = {"ACKS", {F_SEQS, F_END}},
    [QF_MSG_PACKED] = {"PACKED", {F_HEADS, F_PAYLOADS, F_END}},
};

/* The fields of a DELIVER that a line of PACKED's heads carries, in order. */
static const field_t s_head_fields[] = {F_SEQ,  F_EVENT_ID, F_TOPIC, F_SUBJECT,
                                        F_TIME, F_ATTEMPT,  F_FLAGS};
#define HEAD_FIELDS (sizeof s_head_fields / sizeof s_head_fields[0])

/* qf_msg_reset names every field: one added to qf_msg_t changes its size
   and stops the build here until it is reset there too. */
_Static_assert (sizeof (void *) != 8 || sizeof (qf_msg_t) == 2144,
                "a field was added to qf_msg_t: reset it in qf_msg_reset, then update this size");

void
qf_msg_reset (qf_msg_t *self)
{
    if (self->body)
        json_decref (self->body);
    /* Field by field, each text field emptied by its first byte: the
       struct's 1.9 KB of buffers are not written again for every message
       (a memset of the whole was a quarter of the codec's own cost). Every
       field reads as after a memset: texts empty, numbers 0, pointers NULL,
       and the routing id's bytes count only up to routing_size. */
    self->id = QF_MSG_NONE;
    self->routing_size = 0;
    self->req_envelope = false;
    self->request_id[0] = self->command[0] = self->event_id[0] = 0;
    self->topic[0] = self->subject[0] = self->reason[0] = 0;
    self->status = 0;
    self->seq = 0;
    self->time = 0;
    self->attempt = self->flags = 0;
    self->delay = 0;
    self->body = NULL;
    if (self->seqs) {
        free (self->seqs);
        self->seqs = NULL;
    }
    self->seq_count = 0;
    if (self->packed)
        qf_packed_destroy (&self->packed);
    self->raw = NULL;
    self->raw_size = 0;
    self->raw_free = NULL;
    self->raw_hint = NULL;
    self->error[0] = self->error_field[0] = 0;
    self->error_status = 0;
}

const char *
qf_msg_type_name (qf_msg_id_t id)
{
    return (id > QF_MSG_NONE && id < QF_MSG_COUNT) ? s_types[id].name : NULL;
}

bool
qf_valid_token (const char *text, size_t max)
{
    size_t n = 0;
    for (const char *p = text; *p; p++, n++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return n > 0 && n <= max;
}

bool
qf_valid_printable (const char *text, size_t max)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++, n++)
        if (*p < 0x21 || *p > 0x7e)
            return false;
    return n > 0 && n <= max;
}

bool
qf_valid_utf8 (const char *text, size_t size)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < size) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            if (c == 0)
                return false;
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else
            return false;
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= size || (s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* Reject overlong forms, surrogates and values past U+10FFFF. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        i += n + 1;
    }
    return true;
}

void
qf_copy (char *dest, size_t cap, const char *src)
{
    size_t len = src ? strlen (src) : 0;
    if (len >= cap)
        len = cap - 1;
    if (len)
        memcpy (dest, src, len);
    dest[len] = 0;
}

/* Formats an unsigned number in decimal; returns its length. */
static size_t
s_format_u64 (char *buf, uint64_t value)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
    return n;
}

/* Makes room for `more` bytes in a pack's buffer. */
static bool
s_reserve (char **buffer, size_t *cap, size_t used, size_t more)
{
    if (used + more <= *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 4096;
    while (want < used + more)
        want *= 2;
    char *grown = realloc (*buffer, want);
    if (!grown)
        return false;
    *buffer = grown;
    *cap = want;
    return true;
}

int
qf_packed_append (qf_packed_t *self, const qf_msg_t *fields, const char *payload, size_t size)
{
    /* Numbers of 19 digits at most, as the head's limit counts them. */
    if (!self || !fields || !payload || size < 2 || size > QF_BODY_MAX ||
        fields->seq > (uint64_t)INT64_MAX || fields->time < 0)
        return QF_EINVAL;
    if (self->count >= QF_PACKED_MAX || (self->count && self->payloads_size + size > QF_BODY_MAX))
        return QF_ETOOBIG;
    if (!s_reserve (&self->heads, &self->heads_cap, self->heads_size, QF_HEAD_MAX + 1) ||
        !s_reserve (&self->payloads, &self->payloads_cap, self->payloads_size, size))
        return QF_ENOMEM;
    char *head = self->heads + self->heads_size;
    size_t at = 0;
    if (self->count)
        head[at++] = '\n';
    for (size_t k = 0; k <= HEAD_FIELDS; k++) {
        const char *part = NULL;
        size_t cap = 0;
        if (k)
            head[at++] = ' ';
        switch (k < HEAD_FIELDS ? s_head_fields[k] : F_BODY) {
        case F_SEQ: at += s_format_u64 (head + at, fields->seq); break;
        case F_EVENT_ID:
            part = fields->event_id;
            cap = QF_ID_MAX;
            break;
        case F_TOPIC:
            part = fields->topic;
            cap = QF_TOPIC_MAX;
            break;
        case F_SUBJECT:
            part = fields->subject;
            cap = QF_SUBJECT_MAX;
            break;
        case F_TIME: at += s_format_u64 (head + at, (uint64_t)fields->time); break;
        case F_ATTEMPT: at += s_format_u64 (head + at, fields->attempt); break;
        case F_FLAGS: at += s_format_u64 (head + at, fields->flags); break;
        default: at += s_format_u64 (head + at, size); break;
        }
        if (part) {
            size_t len = strnlen (part, cap); /* at most its limit: the line fits */
            memcpy (head + at, part, len);
            at += len;
        }
    }
    self->heads_size += at;
    memcpy (self->payloads + self->payloads_size, payload, size);
    self->payloads_size += size;
    self->count++;
    return 0;
}

void
qf_packed_clear (qf_packed_t *self)
{
    for (size_t i = 0; self->events && i < self->count; i++)
        json_decref (self->events[i].body);
    free (self->events);
    self->events = NULL;
    self->count = 0;
    self->heads_size = 0;
    self->payloads_size = 0;
}

void
qf_packed_destroy (qf_packed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_packed_t *self = *self_p;
    qf_packed_clear (self);
    free (self->heads);
    free (self->payloads);
    free (self);
    *self_p = NULL;
}

int
qf_status_from_error (int rc)
{
    switch (rc) {
    case QF_OK: return QF_STATUS_OK;
    case QF_EINVAL:
    case QF_EPROTO: return QF_STATUS_BAD_REQUEST;
    case QF_EFORBIDDEN: return QF_STATUS_FORBIDDEN;
    case QF_ENOTFOUND: return QF_STATUS_NOT_FOUND;
    case QF_ECONFLICT: return QF_STATUS_CONFLICT;
    case QF_ETOOBIG: return QF_STATUS_TOO_LARGE;
    case QF_EBUSY:
    case QF_EAGAIN: return QF_STATUS_UNAVAILABLE;
    default: return QF_STATUS_SERVER_ERROR;
    }
}

const char *
qf_status_name (int status)
{
    switch (status) {
    case 200: return "ok";
    case 400: return "bad request";
    case 403: return "forbidden";
    case 404: return "not found";
    case 409: return "conflict";
    case 413: return "too large";
    case 500: return "server error";
    case 503: return "unavailable";
    default: return "unknown status";
    }
}

/* Parses a strictly decimal, unsigned frame of at most 19 digits. */
static bool
s_parse_u64 (const char *data, size_t size, uint64_t *value_p)
{
    if (size == 0 || size > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] < '0' || data[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(data[i] - '0');
    }
    *value_p = v;
    return true;
}

/* Copies a frame into a NUL-terminated field, failing when it does not fit. */
static bool
s_copy_text (char *dest, size_t cap, const char *data, size_t size)
{
    if (size >= cap || memchr (data, 0, size))
        return false;
    memcpy (dest, data, size);
    dest[size] = 0;
    return true;
}

/* Copies up to cap-1 bytes of a frame for an error message, printable only. */
static void
s_printable (char *dest, size_t cap, const char *data, size_t size)
{
    size_t n = size < cap - 1 ? size : cap - 1;
    for (size_t i = 0; i < n; i++)
        dest[i] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : '?';
    dest[n] = 0;
}

/* Refuses a message: `field` names the frame to blame, `status` is 400 or
   413 (PROTOCOL.md 4); `format` takes the field's name as its one %s. */
static int
s_refuse (qf_msg_t *self, int status, const char *field, const char *format)
{
    snprintf (self->error, sizeof self->error, format, field);
    qf_copy (self->error_field, sizeof self->error_field, field);
    self->error_status = status;
    return QF_EPROTO;
}

static int
s_fail (qf_msg_t *self, const char *field, const char *format)
{
    return s_refuse (self, QF_STATUS_BAD_REQUEST, field, format);
}

/* A frame longer than its field's limit: 413, naming the field and sizes. */
static int
s_too_large (qf_msg_t *self, const char *field, size_t size, size_t max)
{
    s_refuse (self, QF_STATUS_TOO_LARGE, field, "%s");
    snprintf (self->error, sizeof self->error, "%s is %zu bytes; at most %zu are allowed", field,
              size, max);
    return QF_EPROTO;
}

/* The seqs of an ACKS: 1 to QF_ACKS_MAX numbers, each as a `number`
   frame would be, separated by single commas (PROTOCOL.md 2). */
static int
s_decode_seqs (qf_msg_t *self, const char *name, const char *data, size_t size)
{
    if (size > QF_SEQS_MAX)
        return s_too_large (self, name, size, QF_SEQS_MAX);
    size_t count = 1;
    for (size_t i = 0; i < size; i++)
        count += data[i] == ',';
    if (count > QF_ACKS_MAX) {
        s_refuse (self, QF_STATUS_TOO_LARGE, name, "%s");
        snprintf (self->error, sizeof self->error, "%s lists %zu seqs; at most %d are allowed",
                  name, count, QF_ACKS_MAX);
        return QF_EPROTO;
    }
    uint64_t *seqs = malloc (count * sizeof *seqs);
    if (!seqs)
        return s_refuse (self, QF_STATUS_SERVER_ERROR, name, "no memory for %s");
    size_t at = 0, n = 0;
    while (n < count) {
        size_t end = at;
        while (end < size && data[end] != ',')
            end++;
        if (!s_parse_u64 (data + at, end - at, &seqs[n])) {
            free (seqs);
            return s_fail (self, name,
                           "%s must be unsigned decimal numbers separated by single commas");
        }
        n++;
        at = end + 1;
    }
    self->seqs = seqs;
    self->seq_count = count;
    return 0;
}

static int s_decode_field (qf_msg_t *self, field_t field, const char *data, size_t size,
                           int flags);

static const char s_heads_shape[] =
    "%s must be lines of seq, event_id, topic, subject, time, attempt, flags and the "
    "payload's size, separated by single spaces";

/* One line of PACKED's heads into `event`: DELIVER's seven small fields,
   each checked as its own frame would be (an empty subject is none), and
   its payload's size. The message's own DELIVER fields are its scratch. */
static int
s_decode_head (qf_msg_t *self, const char *name, const char *data, size_t size,
               qf_packed_event_t *event)
{
    size_t at = 0;
    for (size_t i = 0; i <= HEAD_FIELDS; i++) {
        const char *space = memchr (data + at, ' ', size - at);
        bool last = i == HEAD_FIELDS;
        if (last != (space == NULL))
            return s_fail (self, name, s_heads_shape);
        size_t end = space ? (size_t)(space - data) : size;
        if (last) {
            uint64_t bytes = 0;
            if (!s_parse_u64 (data + at, end - at, &bytes) || bytes < 2 || bytes > QF_BODY_MAX)
                return s_fail (self, name, "%s: a payload's size must be 2 to 1048576 bytes");
            event->size = (size_t)bytes;
            break;
        }
        int rc = s_decode_field (self, s_head_fields[i], data + at, end - at, 0);
        if (rc)
            return rc;
        at = end + 1;
    }
    event->seq = self->seq;
    memcpy (event->event_id, self->event_id, sizeof event->event_id);
    memcpy (event->topic, self->topic, sizeof event->topic);
    memcpy (event->subject, self->subject, sizeof event->subject);
    event->time = self->time;
    event->attempt = self->attempt;
    event->flags = self->flags;
    self->subject[0] = 0;
    return 0;
}

/* PACKED's heads: 1 to QF_PACKED_MAX lines separated by single LFs. */
static int
s_decode_heads (qf_msg_t *self, const char *name, const char *data, size_t size)
{
    if (size > QF_HEADS_MAX)
        return s_too_large (self, name, size, QF_HEADS_MAX);
    size_t count = 1;
    for (size_t i = 0; i < size; i++)
        count += data[i] == '\n';
    if (count > QF_PACKED_MAX) {
        s_refuse (self, QF_STATUS_TOO_LARGE, name, "%s");
        snprintf (self->error, sizeof self->error, "%s has %zu lines; at most %d are allowed",
                  name, count, QF_PACKED_MAX);
        return QF_EPROTO;
    }
    qf_packed_t *pack = calloc (1, sizeof *pack);
    if (pack)
        pack->events = calloc (count, sizeof *pack->events);
    if (!pack || !pack->events) {
        free (pack);
        return s_refuse (self, QF_STATUS_SERVER_ERROR, name, "no memory for %s");
    }
    self->packed = pack;
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        const char *lf = memchr (data + at, '\n', size - at);
        size_t end = lf ? (size_t)(lf - data) : size;
        if (end - at > QF_HEAD_MAX)
            return s_fail (self, name, s_heads_shape);
        int rc = s_decode_head (self, name, data + at, end - at, &pack->events[i]);
        if (rc)
            return rc;
        pack->count++;
        at = end + 1;
    }
    return 0;
}

/* PACKED's payloads: each event's JSON object in turn, their sizes as the
   heads say, nothing between or after them. */
static int
s_decode_payloads (qf_msg_t *self, const char *name, const char *data, size_t size)
{
    if (size > QF_BODY_MAX)
        return s_too_large (self, name, size, QF_BODY_MAX);
    qf_packed_t *pack = self->packed;
    size_t total = 0;
    for (size_t i = 0; pack && i < pack->count; i++)
        total += pack->events[i].size;
    if (!pack || total != size) {
        s_fail (self, name, "%s");
        snprintf (self->error, sizeof self->error,
                  "%s is %zu bytes; the heads' sizes add up to %zu", name, size, total);
        return QF_EPROTO;
    }
    size_t at = 0;
    for (size_t i = 0; i < pack->count; i++) {
        qf_packed_event_t *event = &pack->events[i];
        json_error_t jerr;
        event->body = qf_json_parse (data + at, event->size, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object (event->body)) {
            s_fail (self, name, "%s");
            snprintf (self->error, sizeof self->error,
                      "%s: the payload of seq %llu is not a JSON object%s%s", name,
                      (unsigned long long)event->seq, event->body ? "" : ": ",
                      event->body ? "" : jerr.text);
            return QF_EPROTO;
        }
        at += event->size;
    }
    return 0;
}

/* Decodes one field frame into the message; returns 0 or QF_EPROTO.
   `flags` as qf_msg_recv's: QF_MSG_NO_BODY leaves a body unparsed. */
static int
s_decode_field (qf_msg_t *self, field_t field, const char *data, size_t size, int flags)
{
    const char *name = s_field_names[field];
    uint64_t v = 0;
    switch (field) {
    case F_REQUEST_ID:
    case F_EVENT_ID: {
        char *dest = field == F_REQUEST_ID ? self->request_id : self->event_id;
        if (size > QF_ID_MAX)
            return s_too_large (self, name, size, QF_ID_MAX);
        if (!s_copy_text (dest, QF_ID_MAX + 1, data, size) ||
            !qf_valid_printable (dest, QF_ID_MAX)) {
            dest[0] = 0;
            return s_fail (self, name, "%s must be 1-64 printable ASCII characters");
        }
        return 0;
    }
    case F_COMMAND:
    case F_TOPIC: {
        char *dest = field == F_COMMAND ? self->command : self->topic;
        size_t max = field == F_COMMAND ? QF_NAME_MAX : QF_TOPIC_MAX;
        if (size > max)
            return s_too_large (self, name, size, max);
        if (!s_copy_text (dest, max + 1, data, size) || !qf_valid_token (dest, max))
            return s_fail (self, name,
                           field == F_COMMAND ? "%s must be 1-64 characters of [a-z0-9._-]"
                                              : "%s must be 1-128 characters of [a-z0-9._-]");
        return 0;
    }
    case F_SUBJECT:
        if (size > QF_SUBJECT_MAX)
            return s_too_large (self, name, size, QF_SUBJECT_MAX);
        if (size > 0 && (!s_copy_text (self->subject, sizeof self->subject, data, size) ||
                         !qf_valid_printable (self->subject, QF_SUBJECT_MAX)))
            return s_fail (self, name, "%s must be 0-128 printable ASCII characters");
        return 0;
    case F_REASON:
        if (size > QF_REASON_MAX)
            return s_too_large (self, name, size, QF_REASON_MAX);
        if (!qf_valid_utf8 (data, size) ||
            !s_copy_text (self->reason, sizeof self->reason, data, size))
            return s_fail (self, name, "%s must be at most 1024 bytes of UTF-8 without NUL");
        return 0;
    case F_STATUS:
        if (size != 3 || !s_parse_u64 (data, size, &v) || v < 100)
            return s_fail (self, name, "%s must be a 3-digit status code");
        self->status = (int)v;
        return 0;
    case F_SEQ:
    case F_TIME:
    case F_ATTEMPT:
    case F_FLAGS:
    case F_DELAY:
        if (!s_parse_u64 (data, size, &v))
            return s_fail (self, name, "%s must be an unsigned decimal number");
        if ((field == F_ATTEMPT || field == F_FLAGS) && v > UINT32_MAX)
            return s_fail (self, name, "%s is out of range");
        if ((field == F_TIME || field == F_DELAY) && v > (uint64_t)INT64_MAX)
            return s_fail (self, name, "%s is out of range");
        if (field == F_SEQ)
            self->seq = v;
        else if (field == F_TIME)
            self->time = (int64_t)v;
        else if (field == F_ATTEMPT)
            self->attempt = (uint32_t)v;
        else if (field == F_FLAGS)
            self->flags = (uint32_t)v;
        else
            self->delay = (int64_t)v;
        return 0;
    case F_BODY: {
        if (size > QF_BODY_MAX) {
            s_too_large (self, name, size, QF_BODY_MAX);
            snprintf (self->error, sizeof self->error,
                      "%s is %zu bytes, larger than the 1 MiB limit (%d bytes)", name, size,
                      QF_BODY_MAX);
            return QF_EPROTO;
        }
        if (flags & QF_MSG_NO_BODY)
            return 0;
        /* jansson validates UTF-8 while parsing; our own check only words
           the error when the parse fails. */
        json_error_t jerr;
        json_t *json = qf_json_parse (data, size, JSON_REJECT_DUPLICATES, &jerr);
        if (!json && !qf_valid_utf8 (data, size))
            return s_fail (self, name, "%s is not valid UTF-8");
        if (!json) {
            s_fail (self, name, "%s");
            snprintf (self->error, sizeof self->error, "%s is not valid JSON: %s at offset %d",
                      name, jerr.text, jerr.position);
            return QF_EPROTO;
        }
        if (!json_is_object (json)) {
            json_decref (json);
            return s_fail (self, name, "%s must be a JSON object");
        }
        self->body = json;
        return 0;
    }
    case F_SEQS: return s_decode_seqs (self, name, data, size);
    case F_HEADS: return s_decode_heads (self, name, data, size);
    case F_PAYLOADS: return s_decode_payloads (self, name, data, size);
    default: return s_fail (self, "type", "internal: unknown field in %s");
    }
}

/* The public key CURVE authenticated: the ZAP handler's User-Id, which
   ZeroMQ attaches to every frame of the connection. Nothing else is read:
   ZeroMQ fills the properties a ZAP reply lacks from the metadata the peer
   sent in its own handshake, so any other name could be the peer's word
   (the ZAP handler's User-Id always wins). */
static void
s_peer (qf_peer_t *peer, zmq_msg_t *frame)
{
    const char *user = zmq_msg_gets (frame, "User-Id");
    if (user && strlen (user) == QF_PEER_KEY_MAX)
        memcpy (peer->key, user, QF_PEER_KEY_MAX + 1);
}

static int s_decode (qf_msg_t *self, const qf_frame_t *frames, int count, bool routed,
                     int flags);

int
qf_msg_recv (qf_msg_t *self, void *socket, bool routed, int flags)
{
    return qf_msg_recv_from (self, socket, routed, flags, NULL);
}

int
qf_msg_recv_from (qf_msg_t *self, void *socket, bool routed, int flags, qf_peer_t *peer)
{
    qf_msg_reset (self);
    if (peer)
        memset (peer, 0, sizeof *peer);
    /* One frame more than any message has, so that too many is seen. */
    zmq_msg_t frames[QF_MSG_FRAMES_MAX + 1];
    qf_frame_t views[QF_MSG_FRAMES_MAX + 1];
    int count = 0;
    /* Read the whole multipart message first so a bad one is always drained. */
    while (true) {
        zmq_msg_t extra;
        zmq_msg_t *frame = count <= QF_MSG_FRAMES_MAX ? &frames[count] : &extra;
        zmq_msg_init (frame);
        if (zmq_msg_recv (frame, socket, count == 0 ? flags & ZMQ_DONTWAIT : 0) < 0) {
            int err = errno;
            zmq_msg_close (frame);
            for (int i = 0; i < count; i++)
                zmq_msg_close (&frames[i]);
            if (err == EAGAIN)
                return QF_EAGAIN;
            return QF_EINTR;
        }
        int more = zmq_msg_more (frame);
        if (frame == &extra)
            zmq_msg_close (&extra);
        else
            count++;
        if (!more)
            break;
    }
    /* Small frames live inside their zmq_msg_t: take the views in place. */
    for (int i = 0; i < count; i++) {
        views[i].data = zmq_msg_data (&frames[i]);
        views[i].size = zmq_msg_size (&frames[i]);
    }
    int rc = s_decode (self, views, count, routed, flags);
    /* The routing id frame that ROUTER makes up may lack the connection's
       metadata; the peer's own frames carry it. */
    if (peer && self->routing_size > 0)
        s_peer (peer, &frames[count > 1 ? 1 : 0]);
    for (int i = 0; i < count; i++)
        zmq_msg_close (&frames[i]);
    return rc;
}

int
qf_msg_decode (qf_msg_t *self, const qf_frame_t *frames, int count, bool routed)
{
    qf_msg_reset (self);
    return s_decode (self, frames, count, routed, 0);
}

/* qf_msg_decode on a message already reset (qf_msg_recv_from resets it
   first, so that a failed receive leaves it empty: once is enough). */
static int
s_decode (qf_msg_t *self, const qf_frame_t *frames, int count, bool routed, int flags)
{
    int at = 0, rc = 0;
    int sig_at = -1; /* the protocol frame, once found */
    bool overflow = count > QF_MSG_FRAMES_MAX;
    if (routed) {
        size_t size = count > 0 ? frames[0].size : 0;
        if (size == 0 || size > QF_ROUTING_MAX) {
            rc = s_fail (self, "routing", "bad %s id");
            goto done;
        }
        memcpy (self->routing, frames[0].data, size);
        self->routing_size = size;
        at = 1;
        if (at < count && frames[at].size == 0) {
            self->req_envelope = true;
            at++;
        }
    }
    char topic_frame[QF_TOPIC_MAX + 1] = "";
    bool event_topic = false;
    /* An EVENT on a SUB socket starts with its topic, before the signature. */
    if (!routed && at < count && frames[at].size != strlen (QF_PROTOCOL)) {
        if (!s_copy_text (topic_frame, sizeof topic_frame, frames[at].data, frames[at].size) ||
            !qf_valid_token (topic_frame, QF_TOPIC_MAX)) {
            rc = s_fail (self, "protocol", "first frame is neither QFLOW/1 nor a valid topic");
            goto done;
        }
        event_topic = true;
        at++;
    }
    if (at >= count) {
        rc = s_fail (self, "protocol", "message has no QFLOW/1 %s frame");
        goto done;
    }
    sig_at = at;
    if (frames[at].size != strlen (QF_PROTOCOL) ||
        memcmp (frames[at].data, QF_PROTOCOL, frames[at].size) != 0) {
        char got[24];
        s_printable (got, sizeof got, frames[at].data, frames[at].size);
        rc = s_fail (self, "protocol", "%s");
        snprintf (self->error, sizeof self->error,
                  "unsupported protocol \"%s\": this peer speaks %s", got, QF_PROTOCOL);
        goto done;
    }
    at++;
    if (at >= count) {
        rc = s_fail (self, "type", "message has no %s frame");
        goto done;
    }
    for (int t = QF_MSG_NONE + 1; t < QF_MSG_COUNT; t++)
        if (strlen (s_types[t].name) == frames[at].size &&
            memcmp (s_types[t].name, frames[at].data, frames[at].size) == 0)
            self->id = (qf_msg_id_t)t;
    if (self->id == QF_MSG_NONE) {
        char got[24];
        s_printable (got, sizeof got, frames[at].data, frames[at].size);
        rc = s_fail (self, "type", "%s");
        snprintf (self->error, sizeof self->error, "unknown message type \"%s\"", got);
        goto done;
    }
    at++;
    if ((self->id == QF_MSG_EVENT) != event_topic) {
        rc = s_fail (self, "topic",
                     event_topic ? "only EVENT messages carry a %s frame first"
                                 : "EVENT message lacks its %s frame");
        goto done;
    }
    if (event_topic)
        strcpy (self->topic, topic_frame);
    const field_t *fields = s_types[self->id].fields;
    int nfields = 0;
    while (fields[nfields] != F_END)
        nfields++;
    /* Decode what is there first so the request_id survives a count error. */
    for (int i = 0; i < nfields && at + i < count; i++) {
        rc = s_decode_field (self, fields[i], frames[at + i].data, frames[at + i].size, flags);
        if (rc)
            goto done;
    }
    if (overflow || count - at != nfields) {
        /* Blame the first missing field, or the frames as a whole when there
           are too many. */
        bool short_of = !overflow && count - at < nfields;
        rc = s_fail (self, short_of ? s_field_names[fields[count - at]] : "frames", "%s");
        if (overflow)
            snprintf (self->error, sizeof self->error,
                      "%s takes %d field frames, got more than %d", s_types[self->id].name,
                      nfields, QF_MSG_FRAMES_MAX - at);
        else
            snprintf (self->error, sizeof self->error, "%s takes %d field frames, got %d%s%s",
                      s_types[self->id].name, nfields, count - at,
                      short_of ? "; missing: " : "", short_of ? self->error_field : "");
        goto done;
    }
done:
    /* A message whose protocol frame or type could not be read may still be
       a REQUEST: with exactly its five frames, its third is the request_id. */
    if (rc && self->id == QF_MSG_NONE && sig_at >= 0 && !overflow && count - sig_at == 5 &&
        !self->request_id[0]) {
        if (!s_copy_text (self->request_id, sizeof self->request_id, frames[sig_at + 2].data,
                          frames[sig_at + 2].size) ||
            !qf_valid_printable (self->request_id, QF_ID_MAX))
            self->request_id[0] = 0;
    }
    if (rc && self->body) {
        json_decref (self->body);
        self->body = NULL;
    }
    if (rc && self->seqs) {
        free (self->seqs);
        self->seqs = NULL;
        self->seq_count = 0;
    }
    if (rc && self->packed)
        qf_packed_destroy (&self->packed);
    return rc;
}

/* Sends one frame; `more` says another follows. */
static int
s_send_frame (void *socket, const void *data, size_t size, bool more, int flags)
{
    if (zmq_send (socket, data, size, (more ? ZMQ_SNDMORE : 0) | flags) < 0)
        return errno == EAGAIN ? QF_EAGAIN : QF_EIO;
    return 0;
}

/* Sends the body frame without a copy: libzmq frees it with raw_free,
   also when the send fails. */
static int
s_send_owned (void *socket, qf_msg_t *self, bool more, int flags)
{
    zmq_msg_t frame;
    if (zmq_msg_init_data (&frame, (void *)self->raw, self->raw_size, self->raw_free,
                           self->raw_hint)) {
        self->raw_free ((void *)self->raw, self->raw_hint);
        return QF_ENOMEM;
    }
    if (zmq_msg_send (&frame, socket, (more ? ZMQ_SNDMORE : 0) | flags) >= 0)
        return 0;
    int rc = errno == EAGAIN ? QF_EAGAIN : QF_EIO;
    zmq_msg_close (&frame);
    return rc;
}

int
qf_msg_send (qf_msg_t *self, void *socket, int flags)
{
    if (self->id <= QF_MSG_NONE || self->id >= QF_MSG_COUNT) {
        if (self->raw && self->raw_free)
            self->raw_free ((void *)self->raw, self->raw_hint);
        return QF_EINVAL;
    }
    const type_spec_t *spec = &s_types[self->id];
    char numbers[8][24];
    const void *data[QF_MSG_FRAMES_MAX];
    size_t size[QF_MSG_FRAMES_MAX];
    char *encoded = NULL;
    int n = 0, nnum = 0, owned = -1;

    if (self->routing_size) {
        data[n] = self->routing;
        size[n++] = self->routing_size;
        if (self->req_envelope) {
            data[n] = "";
            size[n++] = 0;
        }
    }
    if (self->id == QF_MSG_EVENT) {
        data[n] = self->topic;
        size[n++] = strlen (self->topic);
    }
    data[n] = QF_PROTOCOL;
    size[n++] = strlen (QF_PROTOCOL);
    data[n] = spec->name;
    size[n++] = strlen (spec->name);
    for (const field_t *f = spec->fields; *f != F_END; f++) {
        const char *text = NULL;
        uint64_t num = 0;
        bool is_num = false;
        switch (*f) {
        case F_REQUEST_ID: text = self->request_id; break;
        case F_COMMAND: text = self->command; break;
        case F_EVENT_ID: text = self->event_id; break;
        case F_TOPIC: text = self->topic; break;
        case F_SUBJECT: text = self->subject; break;
        case F_REASON: text = self->reason; break;
        case F_STATUS:
            num = (uint64_t)self->status;
            is_num = true;
            break;
        case F_SEQ:
            num = self->seq;
            is_num = true;
            break;
        case F_TIME:
            num = (uint64_t)self->time;
            is_num = true;
            break;
        case F_ATTEMPT:
            num = self->attempt;
            is_num = true;
            break;
        case F_FLAGS:
            num = self->flags;
            is_num = true;
            break;
        case F_DELAY:
            num = (uint64_t)self->delay;
            is_num = true;
            break;
        case F_HEADS:
        case F_PAYLOADS:
            if (!self->packed || !self->packed->count) {
                free (encoded);
                return QF_EINVAL;
            }
            data[n] = *f == F_HEADS ? self->packed->heads : self->packed->payloads;
            size[n++] = *f == F_HEADS ? self->packed->heads_size : self->packed->payloads_size;
            continue;
        case F_SEQS:
            if (!self->seq_count || self->seq_count > QF_ACKS_MAX || !self->seqs)
                return QF_EINVAL;
            encoded = malloc (self->seq_count * 20);
            if (!encoded)
                return QF_ENOMEM;
            size[n] = 0;
            for (size_t k = 0; k < self->seq_count; k++) {
                if (k)
                    encoded[size[n]++] = ',';
                size[n] += s_format_u64 (encoded + size[n], self->seqs[k]);
            }
            data[n++] = encoded;
            continue;
        case F_BODY:
            if (self->raw) {
                if (self->raw_free)
                    owned = n;
                data[n] = self->raw;
                size[n++] = self->raw_size;
            } else if (self->body) {
                size_t length = 0;
                encoded = json_is_object (self->body) || json_is_array (self->body)
                              ? qf_json_encode (self->body, &length)
                              : NULL;
                if (!encoded)
                    return QF_ENOMEM;
                data[n] = encoded;
                size[n++] = length;
            } else {
                data[n] = "{}";
                size[n++] = 2;
            }
            continue;
        default: break;
        }
        if (is_num) {
            size[n] = s_format_u64 (numbers[nnum], num);
            data[n++] = numbers[nnum++];
        } else {
            data[n] = text;
            size[n] = strlen (text);
            n++;
        }
    }
    int rc = 0, i;
    for (i = 0; i < n && rc == 0; i++) {
        if (i == owned)
            rc = s_send_owned (socket, self, i + 1 < n, i == 0 ? flags : 0);
        else
            rc = s_send_frame (socket, data[i], size[i], i + 1 < n, i == 0 ? flags : 0);
    }
    /* A frame before the owned one failed: libzmq never saw the bytes. */
    if (owned >= i)
        self->raw_free ((void *)self->raw, self->raw_hint);
    free (encoded);
    return rc;
}
