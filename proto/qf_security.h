/*  =========================================================================
    qf_security — CURVE authentication and who may do what (PROTOCOL.md §1.1)

    With security.curve on, every qualflow socket speaks CURVE: traffic is
    encrypted, and only peers whose public certificate is in the daemon's
    client directory get in. A certificate's metadata says who it is and
    what it may do:

        metadata
            name = "zhang.wei"
            roles = "sales management"      (request roles it may claim)
            groups = "legal"                (consumer groups it may join)

    "*" in roles or groups allows any; a missing list allows none.

    Who a peer is comes from one place: the public key that CURVE
    authenticated (the ZAP "User-Id" that ZeroMQ attaches to every frame).
    The daemon looks that key up in its own table of the certificates in
    the client directory. It takes no other property from a message:
    ZeroMQ merges the ZAP handler's properties with the metadata the peer
    sent in its own handshake, so any other name could be the peer's word.

    Certificates are CZMQ zcert files: NAME.key (public, to give away) and
    NAME.key_secret (secret, stays with its owner); `qualflow keygen` makes
    them. The daemon reads the files whose names end in ".key" at the top
    of the client directory (not "_secret", not subfolders, not hidden
    files), and reads them again whenever what they hold changed: a file
    added, removed or renamed, or its content different. It compares a
    digest of the names and contents, not file times, which `cp -p` keeps
    and two quick writes can share. It looks on each new connection and
    at least once a second, so adding a file grants access and removing or
    renaming it revokes access, from the next message on, without a
    restart.

    The daemon's side is an object (one per process: it binds ZeroMQ's one
    ZAP endpoint). It runs no thread: the server polls its ZAP socket with
    the others and calls qf_security_zap_handle(). The clients' side is
    one identity per process, set once before any socket is opened, like
    CZMQ's zsys defaults: the CLI, a worker and the client library each
    run as one certificate.
    =========================================================================
*/
#ifndef QF_SECURITY_H_INCLUDED
#define QF_SECURITY_H_INCLUDED

#include "qf_msg.h"

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  The daemon's CURVE server: its secret certificate, the table of the
    client certificates and the ZAP handler that answers from it. */
typedef struct _qf_security_t qf_security_t;

/*  Loads the server's secret certificate and the client directory, and
    binds the ZAP handler (inproc://zeromq.zap.01). NULL with a message
    naming the file and what to do on failure. */
qf_security_t *qf_security_server_new (const char *secret_path, const char *clients_dir,
                                       char *error, size_t error_size);
void qf_security_server_destroy (qf_security_t **self_p);

/*  The ZAP socket, a raw libzmq handle to poll for ZMQ_POLLIN. */
void *qf_security_zap_socket (qf_security_t *self);

/*  Answers every ZAP request waiting (RFC 27), without blocking: 200 with
    the client's public key (Z85) as User-Id when a certificate in the
    directory has it, else 400, so the handshake fails. The directory is
    looked at first. Returns how many requests were answered. */
int qf_security_zap_handle (qf_security_t *self);

/*  Reads the client directory again if anything in it changed since the
    last look. 1 when the table was read again, 0 when nothing changed,
    -1 when the directory cannot be read: then the table is emptied, so
    every peer is refused until it can (fail closed). */
int qf_security_refresh (qf_security_t *self);

/*  qf_security_refresh() when a second or more has passed since the last
    look; the server calls it from its timer tick. */
void qf_security_tick (qf_security_t *self);

/*  Fills peer->name, roles and groups from the certificate whose public
    key is peer->key, the only thing taken from the message, and returns
    peer->authenticated: false, with the three cleared, when no
    certificate in the directory has that key (none came, or it was
    revoked). */
bool qf_security_identify (qf_security_t *self, qf_peer_t *peer);

/*  How many client certificates the table holds. */
size_t qf_security_client_count (qf_security_t *self);

/*  Whether a certificate in the table has the public key `key` (Z85). */
bool qf_security_knows (qf_security_t *self, const char *key);

/*  A number that changes each time the table is read again, so that the
    server can end the sessions of revoked certificates once per change. */
uint64_t qf_security_generation (qf_security_t *self);

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
