/*  qf_security — CURVE authentication; see qf_security.h. */
#include "qf_security.h"

#include "qf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZERO_KEY "0000000000000000000000000000000000000000"

/* ZeroMQ asks the handler bound here whether a CURVE peer may in (RFC 27). */
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

/* The directory is looked at again no sooner than this after the last look,
   unless a new connection asks. */
#define CHECK_INTERVAL_MS 1000

/* One client certificate of the directory. */
typedef struct {
    char key[QF_PEER_KEY_MAX + 1];     /* its public key, Z85: the table's key */
    char name[QF_NAME_MAX + 1];        /* metadata name, or key-XXXXXXXX */
    char roles[QF_PEER_LIST_MAX + 1];  /* metadata roles, "" when none */
    char groups[QF_PEER_LIST_MAX + 1]; /* metadata groups, "" when none */
} client_t;

/* Owned by the server (qf_server_t); one per process. */
struct _qf_security_t {
    zcert_t *cert;       /* the server's certificate, secret included */
    char *clients_dir;   /* security.clients_dir (owned copy) */
    zsock_t *zap;        /* REP on ZAP_ENDPOINT */
    zhashx_t *clients;   /* key -> client_t (owned), as last read */
    char *signature;     /* digest of the directory at the last read, or NULL */
    int64_t last_check;  /* monotonic ms of the last look at the directory */
    bool unreadable;     /* the last look could not read the directory */
    uint64_t generation; /* counts the reads that changed the table */
};

/* Loads a certificate; with `need_secret`, one whose secret key is there. */
static zcert_t *
s_load (const char *path, bool need_secret, const char *what, char *error, size_t error_size)
{
    zcert_t *cert = path && *path ? zcert_load (path) : NULL;
    if (!cert) {
        snprintf (error, error_size,
                  "%s: cannot read a CURVE certificate from \"%s\"; create one with 'qualflow "
                  "keygen NAME --dir DIR' and point the configuration at it",
                  what, path ? path : "");
        return NULL;
    }
    if (need_secret && strcmp (zcert_secret_txt (cert), ZERO_KEY) == 0) {
        snprintf (error, error_size,
                  "%s: \"%s\" holds only a public key; give the NAME.key_secret file", what, path);
        zcert_destroy (&cert);
        return NULL;
    }
    return cert;
}

/* scandir() filter: NAME.key at the top of the directory, not hidden. */
static int
s_is_key_file (const struct dirent *entry)
{
    size_t len = strlen (entry->d_name);
    return entry->d_name[0] != '.' && len > 4 && strcmp (entry->d_name + len - 4, ".key") == 0;
}

static void
s_client_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

/*  Makes a client_t of one public certificate's text; NULL with a
    warning when it holds no valid public key. */
static client_t *
s_client_parse (const char *dir, const char *file, const char *text)
{
    /* Parsed from the bytes read, not with zcert_load: that would prefer a
       NAME.key_secret beside the file to the file itself. */
    zconfig_t *root = zconfig_str_load (text);
    const char *key = root ? zconfig_get (root, "curve/public-key", "") : "";
    uint8_t raw[32];
    if (strlen (key) != QF_PEER_KEY_MAX || !zmq_z85_decode (raw, key)) {
        qf_warn ("security.clients_dir: %s/%s holds no CURVE public key (a curve/public-key of "
                 "40 Z85 characters); it is ignored: give a NAME.key written by 'qualflow keygen'",
                 dir, file);
        zconfig_destroy (&root);
        return NULL;
    }
    client_t *client = calloc (1, sizeof *client);
    if (!client) {
        zconfig_destroy (&root);
        return NULL;
    }
    memcpy (client->key, key, QF_PEER_KEY_MAX + 1);
    const char *name = zconfig_get (root, "metadata/name", "");
    if (qf_valid_token (name, QF_NAME_MAX))
        qf_copy (client->name, sizeof client->name, name);
    else
        snprintf (client->name, sizeof client->name, "key-%.8s", key);
    /* A list too long is read as none, so that a cut list never grants a
       role or group it did not name. */
    const char *lists[2] = {zconfig_get (root, "metadata/roles", ""),
                            zconfig_get (root, "metadata/groups", "")};
    char *into[2] = {client->roles, client->groups};
    for (int i = 0; i < 2; i++) {
        if (strlen (lists[i]) <= QF_PEER_LIST_MAX)
            qf_copy (into[i], QF_PEER_LIST_MAX + 1, lists[i]);
        else
            qf_warn ("security.clients_dir: %s/%s: its %s list is longer than %d bytes and is "
                     "read as none",
                     dir, file, i ? "groups" : "roles", QF_PEER_LIST_MAX);
    }
    zconfig_destroy (&root);
    return client;
}

/* A certificate is a few hundred bytes; a larger file is not one. */
#define CERT_FILE_MAX 65536

/*  The whole text of a regular file of at most CERT_FILE_MAX bytes, or
    NULL. O_NONBLOCK: a FIFO named NAME.key must not stop the daemon. */
static char *
s_read_small (const char *path)
{
    int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *text = NULL;
    if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_size <= CERT_FILE_MAX)
        text = malloc ((size_t)st.st_size + 1);
    size_t done = 0;
    while (text) {
        ssize_t n = read (fd, text + done, (size_t)st.st_size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            zstr_free (&text);
            break;
        }
        done += (size_t)n;
        if (n == 0 || done == (size_t)st.st_size)
            break;
    }
    if (text)
        text[done] = '\0';
    close (fd);
    return text;
}

/* The files of one look at the directory. */
typedef struct {
    struct dirent **names; /* NAME.key entries, sorted (scandir) */
    char **texts;          /* their contents; NULL for one that is not a readable file */
    int count;
    char *digest; /* SHA-1 of every name and content, in order */
} scan_t;

static void
s_scan_free (scan_t *scan)
{
    for (int i = 0; i < scan->count; i++) {
        free (scan->names[i]);
        if (scan->texts)
            free (scan->texts[i]);
    }
    free (scan->names);
    free (scan->texts);
    zstr_free (&scan->digest);
    memset (scan, 0, sizeof *scan);
}

/*  Reads the NAME.key files of `dir` and the digest of their names and
    contents: any change to what the table is made of changes the digest,
    whatever the files' times say (`cp -p` keeps a modification time, and
    two writes in one clock tick share one). 0, or -1 when the directory
    cannot be read. */
static int
s_scan (const char *dir, scan_t *scan)
{
    memset (scan, 0, sizeof *scan);
    scan->count = scandir (dir, &scan->names, s_is_key_file, alphasort);
    if (scan->count < 0) {
        scan->count = 0;
        return -1;
    }
    zdigest_t *digest = zdigest_new ();
    scan->texts = calloc ((size_t)scan->count + 1, sizeof (char *));
    if (!digest || !scan->texts) {
        zdigest_destroy (&digest);
        s_scan_free (scan);
        errno = ENOMEM;
        return -1;
    }
    for (int i = 0; i < scan->count; i++) {
        char path[PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", dir, scan->names[i]->d_name);
        scan->texts[i] = s_read_small (path);
        const char *text = scan->texts[i] ? scan->texts[i] : "";
        /* Name and text each end in a NUL, so no two listings run together. */
        zdigest_update (digest, (const byte *)scan->names[i]->d_name,
                        strlen (scan->names[i]->d_name) + 1);
        zdigest_update (digest, (const byte *)text, strlen (text) + 1);
    }
    scan->digest = strdup (zdigest_string (digest));
    zdigest_destroy (&digest);
    if (!scan->digest) {
        s_scan_free (scan);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int
qf_security_refresh (qf_security_t *self)
{
    bool first = self->last_check == 0;
    self->last_check = qf_time_mono_ms ();
    scan_t scan;
    if (s_scan (self->clients_dir, &scan) != 0) {
        /* Fail closed: a directory that cannot be read grants nothing. */
        int err = errno;
        if (!self->unreadable)
            qf_error ("security.clients_dir %s cannot be read (%s): every CURVE peer is refused "
                      "until it can",
                      self->clients_dir, strerror (err));
        if (!self->unreadable)
            self->generation++;
        self->unreadable = true;
        zhashx_purge (self->clients);
        zstr_free (&self->signature);
        errno = err;
        return -1;
    }
    self->unreadable = false;
    if (self->signature && strcmp (scan.digest, self->signature) == 0) {
        s_scan_free (&scan);
        return 0;
    }
    zstr_free (&self->signature);
    self->signature = scan.digest;
    scan.digest = NULL;
    self->generation++;
    zhashx_purge (self->clients);
    for (int i = 0; i < scan.count; i++) {
        const char *file = scan.names[i]->d_name;
        if (!scan.texts[i]) {
            qf_warn ("security.clients_dir: %s/%s is not a readable file of at most %d bytes; "
                     "it is ignored",
                     self->clients_dir, file, CERT_FILE_MAX);
            continue;
        }
        client_t *client = s_client_parse (self->clients_dir, file, scan.texts[i]);
        if (client && zhashx_insert (self->clients, client->key, client) != 0) {
            qf_warn ("security.clients_dir: %s/%s has the public key of another certificate "
                     "there (%s); it is ignored: remove one of them",
                     self->clients_dir, file,
                     ((client_t *)zhashx_lookup (self->clients, client->key))->name);
            free (client);
        }
    }
    s_scan_free (&scan);
    size_t count = zhashx_size (self->clients);
    qf_info ("security.clients_dir %s: %zu client certificate%s%s", self->clients_dir, count,
             count == 1 ? "" : "s", first ? "" : " (read again: the directory changed)");
    return 1;
}

void
qf_security_tick (qf_security_t *self)
{
    if (qf_time_mono_ms () - self->last_check >= CHECK_INTERVAL_MS)
        qf_security_refresh (self);
}

qf_security_t *
qf_security_server_new (const char *secret_path, const char *clients_dir, char *error,
                        size_t error_size)
{
    struct stat st;
    if (!clients_dir || stat (clients_dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
        snprintf (error, error_size,
                  "security.clients_dir: \"%s\" is not a directory; create it and put there "
                  "the public certificates (NAME.key) of the clients and workers allowed in",
                  clients_dir ? clients_dir : "");
        return NULL;
    }
    qf_security_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (error, error_size, "out of memory");
        return NULL;
    }
    self->cert = s_load (secret_path, true, "security.server_secret", error, error_size);
    if (!self->cert) {
        free (self);
        return NULL;
    }
    self->clients_dir = strdup (clients_dir);
    self->clients = zhashx_new ();
    if (!self->clients_dir || !self->clients) {
        snprintf (error, error_size, "out of memory");
        qf_security_server_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->clients, s_client_free);
    if (qf_security_refresh (self) < 0) {
        snprintf (error, error_size, "security.clients_dir: cannot read \"%s\": %s", clients_dir,
                  strerror (errno));
        qf_security_server_destroy (&self);
        return NULL;
    }
    self->zap = zsock_new (ZMQ_REP);
    if (self->zap) {
        /* The server's loop reads only what is there. A reply goes to
           libzmq's own thread, which reads it at once; the bound only
           keeps a stalled pipe from stopping the loop for long. */
        zsock_set_rcvtimeo (self->zap, 0);
        zsock_set_sndtimeo (self->zap, 1000);
        zsock_set_linger (self->zap, 0);
    }
    if (!self->zap || zsock_bind (self->zap, ZAP_ENDPOINT) != 0) {
        snprintf (error, error_size,
                  "cannot start CURVE authentication: cannot bind the ZAP handler %s (%s); only "
                  "one CURVE server may run in a process",
                  ZAP_ENDPOINT, zmq_strerror (zmq_errno ()));
        qf_security_server_destroy (&self);
        return NULL;
    }
    return self;
}

void
qf_security_server_destroy (qf_security_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_security_t *self = *self_p;
    /* Unbound first: closing alone frees the endpoint later, in libzmq's
       own thread, and a new server in this process could not bind it. */
    if (self->zap)
        zsock_unbind (self->zap, ZAP_ENDPOINT);
    zsock_destroy (&self->zap);
    zhashx_destroy (&self->clients);
    zstr_free (&self->signature);
    free (self->clients_dir);
    zcert_destroy (&self->cert);
    free (self);
    *self_p = NULL;
}

void
qf_security_server_apply (qf_security_t *self, zsock_t *sock)
{
    assert (self && sock);
    zcert_apply (self->cert, sock);
    zsock_set_curve_server (sock, 1);
}

const char *
qf_security_server_public (qf_security_t *self)
{
    return zcert_public_txt (self->cert);
}

void *
qf_security_zap_socket (qf_security_t *self)
{
    return zsock_resolve (self->zap);
}

/*  The answer to one ZAP request (RFC 27): version, request id, domain,
    address, routing id, mechanism, then the mechanism's credentials; for
    CURVE, the client's 32-byte public key. */
static void
s_zap_answer (qf_security_t *self, zmsg_t *request)
{
    char *version = zmsg_popstr (request);
    char *sequence = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    zframe_t *routing = zmsg_pop (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *credential = zmsg_pop (request);
    const char *status = "400", *text = "no such certificate";
    char key[QF_PEER_KEY_MAX + 1] = "";
    if (!version || strcmp (version, "1.0") != 0 || !mechanism ||
        strcmp (mechanism, "CURVE") != 0 || !credential || zframe_size (credential) != 32)
        text = "not a CURVE ZAP 1.0 request";
    else {
        zmq_z85_encode (key, zframe_data (credential), 32);
        client_t *client = zhashx_lookup (self->clients, key);
        if (client) {
            status = "200";
            text = "OK";
        } else
            qf_info ("refused a CURVE connection from %s: no certificate in security.clients_dir "
                     "%s has its public key %s",
                     address && *address ? address : "a local peer", self->clients_dir, key);
    }
    /* The User-Id is the key, the one thing the server reads later; no
       metadata: it is looked up, never carried. */
    zmsg_t *reply = zmsg_new ();
    if (reply) {
        zmsg_addstr (reply, "1.0");
        zmsg_addstr (reply, sequence ? sequence : "");
        zmsg_addstr (reply, status);
        zmsg_addstr (reply, text);
        zmsg_addstr (reply, strcmp (status, "200") == 0 ? key : "");
        zmsg_addmem (reply, "", 0);
        if (zmsg_send (&reply, self->zap) != 0) {
            qf_error ("could not answer a CURVE authentication request (%s): new connections "
                      "may fail until the daemon is restarted",
                      zmq_strerror (zmq_errno ()));
            zmsg_destroy (&reply);
        }
    }
    zstr_free (&version);
    zstr_free (&sequence);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&mechanism);
    zframe_destroy (&routing);
    zframe_destroy (&credential);
}

int
qf_security_zap_handle (qf_security_t *self)
{
    int answered = 0;
    zmsg_t *request;
    while ((request = zmsg_recv (self->zap))) {
        /* A new connection: look at the directory first, so a certificate
           copied in a moment ago is there. */
        if (answered == 0)
            qf_security_refresh (self);
        s_zap_answer (self, request);
        zmsg_destroy (&request);
        answered++;
    }
    return answered;
}

bool
qf_security_identify (qf_security_t *self, qf_peer_t *peer)
{
    const client_t *client = peer->key[0] ? zhashx_lookup (self->clients, peer->key) : NULL;
    peer->authenticated = client != NULL;
    qf_copy (peer->name, sizeof peer->name, client ? client->name : "");
    qf_copy (peer->roles, sizeof peer->roles, client ? client->roles : "");
    qf_copy (peer->groups, sizeof peer->groups, client ? client->groups : "");
    return peer->authenticated;
}

size_t
qf_security_client_count (qf_security_t *self)
{
    return zhashx_size (self->clients);
}

bool
qf_security_knows (qf_security_t *self, const char *key)
{
    return key && *key && zhashx_lookup (self->clients, key) != NULL;
}

uint64_t
qf_security_generation (qf_security_t *self)
{
    return self->generation;
}

/* The process's client identity (see the header for why it is global). */
static zcert_t *s_client_cert = NULL;
static char s_server_public[41] = "";

int
qf_security_client_set (const char *cert_path, const char *server_public_path, char *error,
                        size_t error_size)
{
    zcert_t *cert = s_load (cert_path, true, "security.certificate", error, error_size);
    if (!cert)
        return -1;
    zcert_t *server =
        s_load (server_public_path, false, "security.server_public", error, error_size);
    if (!server) {
        zcert_destroy (&cert);
        return -1;
    }
    qf_security_client_reset ();
    s_client_cert = cert;
    snprintf (s_server_public, sizeof s_server_public, "%s", zcert_public_txt (server));
    zcert_destroy (&server);
    return 0;
}

void
qf_security_client_apply (zsock_t *sock)
{
    if (!s_client_cert || !sock)
        return;
    zcert_apply (s_client_cert, sock);
    zsock_set_curve_serverkey (sock, s_server_public);
}

void
qf_security_client_reset (void)
{
    zcert_destroy (&s_client_cert);
    s_server_public[0] = '\0';
}

/* Whether every space-separated word of `list` is a token (or "*"). */
static bool
s_valid_words (const char *list)
{
    char copy[256];
    if (strlen (list) >= sizeof copy)
        return false;
    snprintf (copy, sizeof copy, "%s", list);
    char *save = NULL;
    int words = 0;
    for (char *word = strtok_r (copy, " ", &save); word; word = strtok_r (NULL, " ", &save)) {
        if (strcmp (word, "*") != 0 && !qf_valid_token (word, QF_NAME_MAX))
            return false;
        words++;
    }
    return words > 0;
}

/*  The text of a certificate file in CZMQ's format (what zcert_save
    writes and zcert_load reads), public or with the secret key too.
    Caller owns the result; NULL when out of memory. */
static char *
s_cert_text (zcert_t *cert, const char *name, const char *roles, const char *groups, bool secret)
{
    zconfig_t *root = zconfig_new ("root", NULL);
    if (!root)
        return NULL;
    if (secret) {
        zconfig_set_comment (root, "   ZeroMQ CURVE **Secret** Certificate");
        zconfig_set_comment (root, "   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its "
                                   "permissions.");
    } else {
        zconfig_set_comment (root, "   ZeroMQ CURVE Public Certificate");
        zconfig_set_comment (root, "   Give it to the daemon's security.clients_dir (or, for "
                                   "the server, to clients as security.server_public).");
    }
    zconfig_put (root, "/metadata/name", name);
    if (roles)
        zconfig_put (root, "/metadata/roles", roles);
    if (groups)
        zconfig_put (root, "/metadata/groups", groups);
    zconfig_put (root, "/curve/public-key", zcert_public_txt (cert));
    if (secret)
        zconfig_put (root, "/curve/secret-key", zcert_secret_txt (cert));
    char *text = zconfig_str_save (root);
    zconfig_destroy (&root);
    return text;
}

/*  Writes `text` to a new file at `path` with exactly `mode`. O_EXCL and
    O_NOFOLLOW refuse an existing file and a symbolic link, even one that
    points nowhere, instead of writing through it; fchmod makes the mode
    independent of the umask. On failure nothing is left at `path`. */
static int
s_write_new (const char *path, const char *text, mode_t mode, char *error, size_t error_size)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST || errno == ELOOP)
            snprintf (error, error_size,
                      "%s already exists (as a file or a symbolic link); remove it first or "
                      "choose another name (a certificate is never overwritten)",
                      path);
        else
            snprintf (error, error_size, "cannot create %s: %s", path, strerror (errno));
        return -1;
    }
    size_t size = strlen (text), done = 0;
    int rc = fchmod (fd, mode);
    while (rc == 0 && done < size) {
        ssize_t n = write (fd, text + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = -1;
        else
            done += (size_t)n;
    }
    if (rc == 0)
        rc = fsync (fd);
    int err = errno;
    if (close (fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc != 0) {
        snprintf (error, error_size, "cannot write %s: %s", path, strerror (err));
        unlink (path);
        return -1;
    }
    return 0;
}

int
qf_security_keygen (const char *dir, const char *name, const char *roles, const char *groups,
                    char *error, size_t error_size)
{
    if (!name || !qf_valid_token (name, QF_NAME_MAX)) {
        snprintf (
            error, error_size,
            "the certificate name must be 1-64 lower-case letters, digits, '.', '_' or '-', got "
            "\"%s\"",
            name ? name : "");
        return -1;
    }
    if ((roles && !s_valid_words (roles)) || (groups && !s_valid_words (groups))) {
        snprintf (error, error_size,
                  "--roles and --groups take names separated by spaces (or \"*\" for any), "
                  "got \"%s\"",
                  roles && !s_valid_words (roles) ? roles : groups);
        return -1;
    }
    if (!dir || !*dir) {
        snprintf (error, error_size, "--dir is empty; give a directory, or leave it out for .");
        return -1;
    }
    /* CZMQ builds a certificate's secret file name in a 256-byte buffer
       when it loads one (zcert_load), so a longer path could not be used. */
    char public_path[QF_CERT_PATH_MAX + 1], secret_path[QF_CERT_PATH_MAX + 1];
    size_t length = strlen (dir) + 1 + strlen (name) + strlen (".key_secret");
    if (length > QF_CERT_PATH_MAX) {
        snprintf (error, error_size,
                  "the path of %s.key_secret in --dir would be %zu bytes long; certificate "
                  "paths can be at most %d bytes (CZMQ cannot read longer ones): use a shorter "
                  "--dir",
                  name, length, QF_CERT_PATH_MAX);
        return -1;
    }
    snprintf (public_path, sizeof public_path, "%s/%s.key", dir, name);
    snprintf (secret_path, sizeof secret_path, "%s/%s.key_secret", dir, name);
    struct stat st;
    const char *taken = lstat (public_path, &st) == 0   ? public_path
                        : lstat (secret_path, &st) == 0 ? secret_path
                                                        : NULL;
    if (taken) {
        snprintf (error, error_size,
                  "%s already exists (as a file or a symbolic link); remove it first or choose "
                  "another name (a certificate is never overwritten)",
                  taken);
        return -1;
    }
    if (zsys_dir_create ("%s", dir) != 0) {
        snprintf (error, error_size, "cannot create the directory %s", dir);
        return -1;
    }
    zcert_t *cert = zcert_new ();
    char *public_text = cert ? s_cert_text (cert, name, roles, groups, false) : NULL;
    char *secret_text = cert ? s_cert_text (cert, name, roles, groups, true) : NULL;
    zcert_destroy (&cert);
    int rc = -1;
    if (!public_text || !secret_text)
        snprintf (error, error_size, "cannot generate a key pair");
    else if (s_write_new (secret_path, secret_text, 0600, error, error_size) == 0) {
        rc = s_write_new (public_path, public_text, 0644, error, error_size);
        if (rc != 0)
            unlink (secret_path);
    }
    if (secret_text)
        memset (secret_text, 0, strlen (secret_text));
    zstr_free (&public_text);
    zstr_free (&secret_text);
    return rc;
}

bool
qf_security_allows (const char *list, const char *item)
{
    if (!list || !item || !*item)
        return false;
    size_t n = strlen (item);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        size_t len = (size_t)(end - p);
        if ((len == 1 && *p == '*') || (len == n && memcmp (p, item, n) == 0))
            return true;
        p = end;
    }
    return false;
}
