/*  notify_request — what a built request sets on a libcurl easy handle and
    how it is freed (notify_channels.h). */
#include "notify_channels.h"

#include "qf_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
qf_notify_request_clear (qf_notify_request_t *request)
{
    if (!request)
        return;
    free (request->url);
    curl_slist_free_all (request->headers);
    free (request->body);
    free (request->mail_from);
    curl_slist_free_all (request->rcpt);
    free (request->user);
    if (request->password) {
        /* A credential does not linger in freed memory. */
        memset (request->password, 0, strlen (request->password));
        free (request->password);
    }
    free (request->ca_file);
    memset (request, 0, sizeof *request);
}

/*  libcurl's read callback for an SMTP upload: the message, then EOF. */
static size_t
s_read_body (char *buffer, size_t size, size_t count, void *data)
{
    qf_notify_request_t *request = data;
    size_t room = size * count;
    size_t left = request->body_size - request->sent;
    size_t n = left < room ? left : room;
    memcpy (buffer, request->body + request->sent, n);
    request->sent += n;
    return n;
}

int
qf_notify_request_setup (qf_notify_request_t *request, CURL *easy)
{
    if (!request || !easy || !request->url || !request->body)
        return QF_EINVAL;
    CURLcode rc = curl_easy_setopt (easy, CURLOPT_URL, request->url);
    /* A configured URL names the one protocol its channel speaks, and a
       redirect is never followed (a robot or relay does not send one). */
    const char *protocols = request->smtp ? "smtp,smtps" : "http,https";
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, protocols);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 0L);
    if (request->smtp) {
        request->sent = 0;
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_MAIL_FROM, request->mail_from);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_MAIL_RCPT, request->rcpt);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_UPLOAD, 1L);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_READFUNCTION, s_read_body);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_READDATA, request);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)request->body_size);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_USE_SSL, request->use_ssl);
        if (rc == CURLE_OK && request->user)
            rc = curl_easy_setopt (easy, CURLOPT_USERNAME, request->user);
        if (rc == CURLE_OK && request->password)
            rc = curl_easy_setopt (easy, CURLOPT_PASSWORD, request->password);
        if (rc == CURLE_OK && request->ca_file)
            rc = curl_easy_setopt (easy, CURLOPT_CAINFO, request->ca_file);
    } else {
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_POST, 1L);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE,
                                   (curl_off_t)request->body_size);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_POSTFIELDS, request->body);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_HTTPHEADER, request->headers);
    }
    return rc == CURLE_OK ? 0 : QF_EINVAL;
}
