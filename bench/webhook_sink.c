/*  webhook_sink — the benchmark's webhook receiver: a few HTTP/1.1
    listeners on 127.0.0.1 (keep-alive, one thread, epoll) that answer
    every POST 200 with an empty body, at once or, for a slow port, after
    a delay. The Python receiver of the tests tops out near 300 requests
    a second; this one is not what a benchmark of the sender measures.

      webhook_sink OUT SECRET SECONDS DELAY_MS...

    Listens on one port chosen by the system per DELAY_MS (0: answer at
    once) and prints "ports P1 P2 ..." on a line of its own once it
    listens. For each request it keeps the receive time (CLOCK_REALTIME
    ms, when the whole request is in), the port's index and the
    webhook-id; every 50th request of a port has its Standard Webhooks
    signature checked against SECRET (whsec_ and base64) with libsodium,
    which proves the requests are the real, signed ones. A GET of any
    path answers {"received": [n per port], "verified": n, "bad": n},
    which is how the benchmark follows the progress. On SIGTERM or
    SIGINT, or after SECONDS at the latest, it writes one line per
    request, "index<TAB>receive ms<TAB>webhook-id", to OUT, prints the
    counts to stderr and exits (1 when a signature was wrong).
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORTS_MAX    8
#define REQUEST_MAX  (256 * 1024) /* bytes of one request, at most */
#define VERIFY_EVERY 50
#define EVENTS_MAX   256

typedef struct {
    int fd;
    int port; /* index of the listener it came in on, -1 for a listener */
    char *buf;
    size_t size, cap;
    int64_t answer_at; /* realtime ms a delayed answer is due; 0: none */
    int continued;     /* "100 Continue" sent for the request being read */
} s_conn_t;

typedef struct {
    int port;
    int64_t ms;
    char id[168];
} s_record_t;

static volatile sig_atomic_t s_stop;

static struct {
    s_record_t *records;
    size_t count, cap;
    long received[PORTS_MAX];
    long verified, bad;
    unsigned char key[96];
    size_t key_size;
    int delay_ms[PORTS_MAX];
    s_conn_t **delayed; /* connections whose answer waits */
    size_t delayed_count, delayed_cap;
} s;

static void
s_on_signal (int sig)
{
    (void)sig;
    s_stop = 1;
}

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The value of header `name` in the head [head, end) into out; 0 if found. */
static int
s_header (const char *head, const char *end, const char *name, char *out, size_t out_size)
{
    size_t name_size = strlen (name);
    const char *line = strstr (head, "\r\n");
    while (line && line + 2 < end) {
        line += 2;
        const char *next = strstr (line, "\r\n");
        if (!next || next > end)
            break;
        if ((size_t)(next - line) > name_size && line[name_size] == ':' &&
            strncasecmp (line, name, name_size) == 0) {
            const char *value = line + name_size + 1;
            while (*value == ' ')
                value++;
            size_t size = (size_t)(next - value);
            if (size >= out_size)
                return -1;
            memcpy (out, value, size);
            out[size] = 0;
            return 0;
        }
        line = next;
    }
    return -1;
}

/* 1 when signature (space-separated "v1,<base64>") holds one valid for
   id.timestamp.body. */
static int
s_verify (const char *id, const char *timestamp, const char *body, size_t body_size,
          const char *signature)
{
    crypto_auth_hmacsha256_state state;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init (&state, s.key, s.key_size);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)id, strlen (id));
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)timestamp, strlen (timestamp));
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)body, body_size);
    crypto_auth_hmacsha256_final (&state, mac);
    char expected[3 + sodium_base64_ENCODED_LEN (crypto_auth_hmacsha256_BYTES,
                                                 sodium_base64_VARIANT_ORIGINAL)];
    memcpy (expected, "v1,", 3);
    sodium_bin2base64 (expected + 3, sizeof expected - 3, mac, sizeof mac,
                       sodium_base64_VARIANT_ORIGINAL);
    size_t size = strlen (expected);
    for (const char *p = signature; *p;) {
        while (*p == ' ')
            p++;
        size_t length = strcspn (p, " ");
        if (length == size && memcmp (p, expected, size) == 0)
            return 1;
        p += length;
    }
    return 0;
}

static void
s_send (int fd, const char *text, size_t size)
{
    while (size > 0) {
        ssize_t n = write (fd, text, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the client went: its next read says so */
        text += n;
        size -= (size_t)n;
    }
}

/* Room in the array *items (of *cap items, count used) for one more; 0 or
   -1 when out of memory. */
static int
s_room (void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return 0;
    size_t more = *cap ? 2 * *cap : 1024;
    void *grown = realloc (*items, more * size);
    if (!grown)
        return -1;
    *items = grown;
    *cap = more;
    return 0;
}

static const char s_ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

static void
s_stats (int fd)
{
    char body[512];
    int n = snprintf (body, sizeof body, "{\"received\": [");
    for (int i = 0; i < PORTS_MAX && s.delay_ms[i] >= 0; i++)
        n += snprintf (body + n, sizeof body - (size_t)n, "%s%ld", i ? ", " : "", s.received[i]);
    n += snprintf (body + n, sizeof body - (size_t)n, "], \"verified\": %ld, \"bad\": %ld}",
                   s.verified, s.bad);
    char head[128];
    int h = snprintf (head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\n\r\n",
                      n);
    s_send (fd, head, (size_t)h);
    s_send (fd, body, (size_t)n);
}

/* Takes the complete requests out of the connection's buffer; -1 when it
   must be closed. A delayed port's request leaves the rest unread until
   its answer went. */
static int
s_requests (s_conn_t *c)
{
    while (c->answer_at == 0) {
        c->buf[c->size] = 0;
        char *end = strstr (c->buf, "\r\n\r\n");
        if (!end)
            return c->size >= REQUEST_MAX ? -1 : 0;
        char length[32] = "0";
        s_header (c->buf, end + 2, "Content-Length", length, sizeof length);
        size_t body_size = strtoul (length, NULL, 10);
        size_t total = (size_t)(end + 4 - c->buf) + body_size;
        if (total > REQUEST_MAX)
            return -1;
        char expect[32];
        if (c->size < total) {
            if (!c->continued && s_header (c->buf, end + 2, "Expect", expect, sizeof expect) == 0) {
                s_send (c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
                c->continued = 1;
            }
            return 0;
        }
        c->continued = 0;
        if (strncmp (c->buf, "GET ", 4) == 0)
            s_stats (c->fd);
        else {
            s_record_t record = {c->port, s_now_ms (), ""};
            if (s_header (c->buf, end + 2, "webhook-id", record.id, sizeof record.id) != 0)
                snprintf (record.id, sizeof record.id, "-");
            if (s.received[c->port]++ % VERIFY_EVERY == 0) {
                char stamp[32], signature[1024];
                if (s_header (c->buf, end + 2, "webhook-timestamp", stamp, sizeof stamp) == 0 &&
                    s_header (c->buf, end + 2, "webhook-signature", signature, sizeof signature) ==
                        0 &&
                    s_verify (record.id, stamp, end + 4, body_size, signature))
                    s.verified++;
                else
                    s.bad++;
            }
            if (s_room ((void **)&s.records, &s.cap, s.count, sizeof *s.records) != 0)
                return -1;
            s.records[s.count++] = record;
            if (s.delay_ms[c->port] > 0) {
                c->answer_at = record.ms + s.delay_ms[c->port];
                if (s_room ((void **)&s.delayed, &s.delayed_cap, s.delayed_count,
                            sizeof *s.delayed) != 0)
                    return -1;
                s.delayed[s.delayed_count++] = c;
            } else
                s_send (c->fd, s_ok, sizeof s_ok - 1);
        }
        memmove (c->buf, c->buf + total, c->size - total);
        c->size -= total;
    }
    return 0;
}

static void
s_close (int epoll, s_conn_t *c)
{
    for (size_t i = 0; i < s.delayed_count; i++)
        if (s.delayed[i] == c)
            s.delayed[i] = s.delayed[--s.delayed_count];
    epoll_ctl (epoll, EPOLL_CTL_DEL, c->fd, NULL);
    close (c->fd);
    free (c->buf);
    free (c);
}

static int
s_listen (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    socklen_t size = sizeof addr;
    if (fd < 0 || bind (fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen (fd, 512) != 0 ||
        getsockname (fd, (struct sockaddr *)&addr, &size) != 0)
        return -1;
    *port = ntohs (addr.sin_port);
    return fd;
}

int
main (int argc, char **argv)
{
    if (argc < 5 || argc - 4 > PORTS_MAX || strncmp (argv[2], "whsec_", 6) != 0) {
        fprintf (stderr, "usage: webhook_sink OUT whsec_SECRET SECONDS DELAY_MS... (1 to %d)\n",
                 PORTS_MAX);
        return 2;
    }
    if (sodium_init () < 0 ||
        sodium_base642bin (s.key, sizeof s.key, argv[2] + 6, strlen (argv[2] + 6), NULL,
                           &s.key_size, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
        fprintf (stderr, "webhook_sink: SECRET must be whsec_ and padded base64\n");
        return 2;
    }
    int64_t deadline = s_now_ms () + 1000 * (int64_t)atoi (argv[3]);
    int ports = argc - 4;
    memset (s.delay_ms, -1, sizeof s.delay_ms);
    signal (SIGTERM, s_on_signal);
    signal (SIGINT, s_on_signal);
    signal (SIGPIPE, SIG_IGN);
    int epoll = epoll_create1 (0);
    printf ("ports");
    for (int i = 0; i < ports; i++) {
        s.delay_ms[i] = atoi (argv[4 + i]);
        int port;
        int fd = s_listen (&port);
        s_conn_t *l = calloc (1, sizeof *l);
        if (fd < 0 || !l) {
            perror ("webhook_sink: listen");
            return 1;
        }
        l->fd = fd;
        l->port = -1 - i;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
        epoll_ctl (epoll, EPOLL_CTL_ADD, fd, &ev);
        printf (" %d", port);
    }
    printf ("\n");
    fflush (stdout);

    struct epoll_event events[EVENTS_MAX];
    while (!s_stop && s_now_ms () < deadline) {
        int64_t now = s_now_ms (), wait = 100;
        for (size_t i = 0; i < s.delayed_count; i++)
            if (s.delayed[i]->answer_at - now < wait)
                wait = s.delayed[i]->answer_at - now;
        int n = epoll_wait (epoll, events, EVENTS_MAX, wait < 0 ? 0 : (int)wait);
        for (int i = 0; i < n; i++) {
            s_conn_t *c = events[i].data.ptr;
            if (c->port < 0) {
                int fd;
                while ((fd = accept4 (c->fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    int one = 1;
                    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    s_conn_t *conn = calloc (1, sizeof *conn);
                    if (!conn || !(conn->buf = malloc (4096))) {
                        close (fd);
                        free (conn);
                        continue;
                    }
                    conn->fd = fd;
                    conn->port = -1 - c->port;
                    conn->cap = 4096;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = conn};
                    epoll_ctl (epoll, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (c->size + 1 >= c->cap) {
                char *buf = c->cap < REQUEST_MAX + 1 ? realloc (c->buf, 2 * c->cap) : NULL;
                if (!buf) {
                    s_close (epoll, c);
                    continue;
                }
                c->buf = buf;
                c->cap *= 2;
            }
            ssize_t got = read (c->fd, c->buf + c->size, c->cap - c->size - 1);
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (got <= 0) {
                s_close (epoll, c);
                continue;
            }
            c->size += (size_t)got;
            if (s_requests (c) != 0)
                s_close (epoll, c);
        }
        now = s_now_ms ();
        for (size_t i = 0; i < s.delayed_count;) {
            s_conn_t *c = s.delayed[i];
            if (c->answer_at > now) {
                i++;
                continue;
            }
            s.delayed[i] = s.delayed[--s.delayed_count];
            c->answer_at = 0;
            s_send (c->fd, s_ok, sizeof s_ok - 1);
            if (s_requests (c) != 0)
                s_close (epoll, c);
        }
    }

    FILE *out = fopen (argv[1], "w");
    if (!out) {
        perror ("webhook_sink: OUT");
        return 1;
    }
    for (size_t i = 0; i < s.count; i++)
        fprintf (out, "%d\t%lld\t%s\n", s.records[i].port, (long long)s.records[i].ms,
                 s.records[i].id);
    fclose (out);
    fprintf (stderr, "webhook_sink: %zu requests, %ld signatures verified, %ld wrong\n", s.count,
             s.verified, s.bad);
    return s.bad ? 1 : 0;
}
