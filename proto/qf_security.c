/*  qf_security — CURVE authentication; see qf_security.h. */
#include "qf_security.h"

#include "qf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZERO_KEY "0000000000000000000000000000000000000000"

struct _qf_security_t {
    zcert_t *cert;  /* the server's certificate, secret included */
    zactor_t *auth; /* czmq's ZAP handler over the clients' directory */
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
    self->auth = zactor_new (zauth, NULL);
    if (!self->auth || zstr_sendx (self->auth, "CURVE", clients_dir, NULL) != 0 ||
        zsock_wait (self->auth) != 0) {
        snprintf (error, error_size, "cannot start CURVE authentication");
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
    zactor_destroy (&self->auth);
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
