/*  notify_text — the small helpers of the channel builders that need
    neither libcurl nor libsodium (notify_channels.h): error sentences, a
    growing buffer, the address rule. With notify_template.c it is built
    into the shared library, since the configuration part checks routes'
    templates and email addresses with them when the file is loaded. */
#include "notify_channels.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An address, at most (RFC 5321's path limit). */
#define S_MAX_ADDRESS 254

void
qf_notify_error (char *error, size_t error_size, const char *format, ...)
{
    if (!error || error_size == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (error, error_size, format, args);
    va_end (args);
}

void
qf_notify_buf_add (qf_notify_buf_t *buf, const char *bytes, size_t len)
{
    if (buf->nomem)
        return;
    if (buf->len + len + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len + 1)
            cap *= 2;
        char *data = realloc (buf->data, cap);
        if (!data) {
            buf->nomem = 1;
            return;
        }
        buf->data = data;
        buf->cap = cap;
    }
    memcpy (buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

/*  Whether `address` is local@domain in printable ASCII with nothing a
    header or an SMTP command could be split by. */
int
qf_notify_address_valid (const char *address)
{
    if (!address)
        return false;
    size_t len = strlen (address);
    const char *at = strchr (address, '@');
    if (len == 0 || len > S_MAX_ADDRESS || !at || at == address || !at[1] || strchr (at + 1, '@'))
        return false;
    for (const char *p = address; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr ("\"(),:;<>[]\\", c))
            return false;
    }
    return true;
}
