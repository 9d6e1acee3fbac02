/*  notify_channels — what the notify worker sends, built by pure functions
    (no sockets): one qf_notify_request_t is what one libcurl easy handle
    needs, for an HTTP POST (webhooks, office robots) or an SMTP mail.
    The builders of each channel declare themselves here; the worker
    (main.c) turns a request into a transfer and sends many at once. */
#ifndef QF_NOTIFY_CHANNELS_H
#define QF_NOTIFY_CHANNELS_H

#include <curl/curl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "notify/notify_config.h"

/* One request. Owned by whoever built it; qf_notify_request_clear frees it. */
typedef struct {
    char *url;                   /* where it goes */
    struct curl_slist *headers;  /* HTTP headers (or none for SMTP) */
    char *body;                  /* what is sent: the JSON body, or the whole mail */
    size_t body_size;            /* its bytes */
    int smtp;                    /* 1: an SMTP mail (mail_from, rcpt), 0: an HTTP POST */
    char *mail_from;             /* SMTP: the envelope sender */
    struct curl_slist *rcpt;     /* SMTP: the envelope recipients */
    char *user, *password;       /* SMTP: authentication, NULL when none */
} qf_notify_request_t;

/*  Frees what the request holds and zeroes it; safe on a zeroed request. */
void qf_notify_request_clear (qf_notify_request_t *request);

/*  The Standard Webhooks 1.0 signature of one message: "v1," and the
    base64 of HMAC-SHA256, keyed with the secret's key (whsec_ base64),
    of "<msg_id>.<timestamp>.<body>", into out (at least 64 bytes); 0, or
    QF_EINVAL when the secret is malformed. */
int qf_notify_webhook_sign (const char *secret, const char *msg_id, int64_t timestamp,
                            const char *body, size_t body_size, char *out, size_t out_size);

/*  A webhook POST of `body` (a JSON object's text) to the endpoint: the
    headers content-type, webhook-id (msg_id), webhook-timestamp (now_ms
    in seconds) and webhook-signature, which holds the signature with the
    secret and, while now_ms is before the endpoint's previous_until, the
    one with its previous secret too, space-separated. 0, or a QF_E*
    code with `error` saying why. */
int qf_notify_webhook_build (const qf_notify_endpoint_t *endpoint, const char *msg_id,
                             int64_t now_ms, const char *body, qf_notify_request_t *request,
                             char *error, size_t error_size);

#endif
