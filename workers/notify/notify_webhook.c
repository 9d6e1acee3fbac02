/*  notify_webhook — Standard Webhooks 1.0 requests: the signature
    (libsodium's HMAC-SHA256 and base64) and the headers of a POST. */
#include "notify/notify_channels.h"

#include "qf.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
qf_notify_webhook_sign (const char *secret, const char *msg_id, int64_t timestamp,
                        const char *body, size_t body_size, char *out, size_t out_size)
{
    unsigned char key[96];
    int key_size = qf_notify_secret_key (secret, key, sizeof key);
    if (key_size <= 0 || sodium_init () < 0 ||
        out_size < 3 + sodium_base64_ENCODED_LEN (crypto_auth_hmacsha256_BYTES,
                                                  sodium_base64_VARIANT_ORIGINAL))
        return QF_EINVAL;
    char prefix[256];
    int length = snprintf (prefix, sizeof prefix, "%s.%" PRId64 ".", msg_id, timestamp);
    if (length < 0 || (size_t)length >= sizeof prefix)
        return QF_EINVAL;
    crypto_auth_hmacsha256_state state;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init (&state, key, (size_t)key_size);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)prefix, (size_t)length);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)body, body_size);
    crypto_auth_hmacsha256_final (&state, mac);
    sodium_memzero (key, sizeof key);
    memcpy (out, "v1,", 3);
    sodium_bin2base64 (out + 3, out_size - 3, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

/* Appends a header "name: value" to the request's list; 0 or QF_ENOMEM. */
static int
s_header (qf_notify_request_t *request, const char *name, const char *value)
{
    char line[512];
    /* "Name:" with nothing after it is how libcurl drops a header. */
    snprintf (line, sizeof line, *value ? "%s: %s" : "%s:", name, value);
    struct curl_slist *list = curl_slist_append (request->headers, line);
    if (!list)
        return QF_ENOMEM;
    request->headers = list;
    return 0;
}

int
qf_notify_webhook_build (const qf_notify_endpoint_t *endpoint, const char *msg_id,
                         int64_t now_ms, const char *body, qf_notify_request_t *request,
                         char *error, size_t error_size)
{
    memset (request, 0, sizeof *request);
    int64_t timestamp = now_ms / 1000;
    size_t body_size = strlen (body);
    char signature[256], previous[128], stamp[32];
    if (qf_notify_webhook_sign (endpoint->secret, msg_id, timestamp, body, body_size, signature,
                                sizeof signature) != 0) {
        snprintf (error, error_size, "endpoint %s: its secret is not whsec_ base64",
                  endpoint->name);
        return QF_EINVAL;
    }
    /* During a rotation's overlap both keys sign, so a receiver holding
       either verifies the message. */
    if (endpoint->previous_secret && endpoint->previous_secret[0] &&
        now_ms < qf_notify_utc_ms (endpoint->previous_until) &&
        qf_notify_webhook_sign (endpoint->previous_secret, msg_id, timestamp, body, body_size,
                                previous, sizeof previous) == 0) {
        size_t used = strlen (signature);
        snprintf (signature + used, sizeof signature - used, " %s", previous);
    }
    snprintf (stamp, sizeof stamp, "%" PRId64, timestamp);
    request->url = strdup (endpoint->url);
    request->body = strdup (body);
    request->body_size = body_size;
    int rc = request->url && request->body ? 0 : QF_ENOMEM;
    if (rc == 0)
        rc = s_header (request, "content-type", "application/json");
    if (rc == 0)
        rc = s_header (request, "webhook-id", msg_id);
    if (rc == 0)
        rc = s_header (request, "webhook-timestamp", stamp);
    if (rc == 0)
        rc = s_header (request, "webhook-signature", signature);
    if (rc == 0)
        rc = s_header (request, "user-agent", "qualflow-notify/1");
    /* No "Expect: 100-continue": a receiver that does not know it would
       add a second's wait to every larger body. */
    if (rc == 0)
        rc = s_header (request, "expect", "");
    if (rc) {
        qf_notify_request_clear (request);
        snprintf (error, error_size, "no memory for a request to %s", endpoint->name);
    }
    return rc;
}
