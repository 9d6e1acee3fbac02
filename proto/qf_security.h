/*  =========================================================================
    qf_security — CURVE authentication and who may do what (PROTOCOL.md §2.4)

    With security.curve on, every qualflow socket speaks CURVE: traffic is
    encrypted, and only peers whose public certificate is in the daemon's
    client directory get in. A certificate's metadata says who it is and
    what it may do:

        metadata
            name = "zhang.wei"
            roles = "sales management"      (request roles it may claim)
            groups = "legal"                (consumer groups it may join)

    "*" in roles or groups allows any. The daemon reads these from each
    message (ZeroMQ carries the ZAP handler's metadata on every frame), so
    a role is no longer a claim: it is checked against the certificate.

    Certificates are CZMQ zcert files: NAME.key (public, to give away) and
    NAME.key_secret (secret, stays with its owner); `qualflow keygen` makes
    them. The client directory is re-read on each new connection, so adding
    or deleting a file grants or revokes access without a restart.

    The daemon's side is an object (one per server). The clients' side is
    one identity per process, set once before any socket is opened, like
    CZMQ's zsys defaults: the CLI, a worker and the client library each
    run as one certificate.
    =========================================================================
*/
#ifndef QF_SECURITY_H_INCLUDED
#define QF_SECURITY_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

/*  The daemon's CURVE server: its secret certificate and the ZAP handler
    (czmq's zauth actor) over the clients' certificate directory. */
typedef struct _qf_security_t qf_security_t;

/*  Loads the server's secret certificate and starts authentication. NULL
    with a message naming the file and what to do on failure. */
qf_security_t *qf_security_server_new (const char *secret_path, const char *clients_dir,
                                       char *error, size_t error_size);
void qf_security_server_destroy (qf_security_t **self_p);

/*  Makes `sock` a CURVE server; call before binding. */
void qf_security_server_apply (qf_security_t *self, zsock_t *sock);

/*  The server's public key (Z85, 40 characters), for status. */
const char *qf_security_server_public (qf_security_t *self);

/*  Sets this process's client identity: its own secret certificate and the
    server's public certificate. Every socket opened afterwards through
    qf_security_client_apply() uses them. 0, or -1 with a message. */
int qf_security_client_set (const char *cert_path, const char *server_public_path, char *error,
                            size_t error_size);

/*  Applies the identity to a socket before it connects; nothing when no
    identity was set. */
void qf_security_client_apply (zsock_t *sock);

/*  Forgets the process's identity. */
void qf_security_client_reset (void);

/* Longest certificate path CZMQ can load (zcert_load names the secret
   file in a 256-byte buffer). */
#define QF_CERT_PATH_MAX 255

/*  Writes a new certificate pair, DIR/NAME.key (mode 0644) and
    DIR/NAME.key_secret (mode 0600), with the given metadata (roles and
    groups may be NULL). Refuses an existing file or symbolic link at
    either path, and paths longer than QF_CERT_PATH_MAX. 0, or -1 with a
    message. */
int qf_security_keygen (const char *dir, const char *name, const char *roles, const char *groups,
                        char *error, size_t error_size);

/*  Whether `item` is one of the space-separated words of `list`, or the
    list holds "*". */
bool qf_security_allows (const char *list, const char *item);

#endif
