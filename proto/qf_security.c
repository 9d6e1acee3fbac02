/*  qf_security — CURVE authentication; see qf_security.h. */
#include "qf_security.h"

#include "qf.h"

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
    char public_path[4096], secret_path[4200];
    snprintf (public_path, sizeof public_path, "%s/%s.key", dir, name);
    snprintf (secret_path, sizeof secret_path, "%s_secret", public_path);
    if (access (public_path, F_OK) == 0 || access (secret_path, F_OK) == 0) {
        snprintf (error, error_size,
                  "%s already exists; remove it first or choose another name (a certificate is "
                  "never overwritten)",
                  public_path);
        return -1;
    }
    if (zsys_dir_create ("%s", dir) != 0) {
        snprintf (error, error_size, "cannot create the directory %s", dir);
        return -1;
    }
    zcert_t *cert = zcert_new ();
    if (!cert) {
        snprintf (error, error_size, "cannot generate a key pair");
        return -1;
    }
    zcert_set_meta (cert, "name", "%s", name);
    if (roles)
        zcert_set_meta (cert, "roles", "%s", roles);
    if (groups)
        zcert_set_meta (cert, "groups", "%s", groups);
    int rc = zcert_save (cert, public_path);
    zcert_destroy (&cert);
    if (rc != 0 || chmod (secret_path, 0600) != 0) {
        snprintf (error, error_size, "cannot write %s and %s", public_path, secret_path);
        return -1;
    }
    return 0;
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
