/*  test_security — qf_security: role and group lists, certificate pairs
    written by keygen and read back, the refusals with what to do, and a
    real CURVE round trip over ipc in which the server takes the client's
    public key from the message and its name and roles from its own table,
    and the table read again on any change to the client directory.
*/
#include "qf_msg.h"
#include "qf_security.h"
#include "qf_test.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char s_dir[64];

static void
s_path (char *out, size_t size, const char *name)
{
    snprintf (out, size, "%s/%s", s_dir, name);
}

QF_TEST (test_allows)
{
    QF_CHECK (qf_security_allows ("sales management", "sales"));
    QF_CHECK (qf_security_allows ("sales management", "management"));
    QF_CHECK (qf_security_allows ("  sales   management ", "management"));
    QF_CHECK (!qf_security_allows ("sales management", "manage"));
    QF_CHECK (!qf_security_allows ("sales management", "admin"));
    QF_CHECK (!qf_security_allows ("salesx", "sales"));
    QF_CHECK (qf_security_allows ("*", "admin"));
    QF_CHECK (qf_security_allows ("legal *", "finance"));
    QF_CHECK (!qf_security_allows ("", "admin"));
    QF_CHECK (!qf_security_allows (NULL, "admin"));
    QF_CHECK (!qf_security_allows ("admin", ""));
}

QF_TEST (test_keygen_writes_a_pair_once)
{
    char error[1024] = "", pub[128], sec[128];
    QF_CHECK (
        qf_security_keygen (s_dir, "alice", "sales management", "legal", error, sizeof error) == 0);
    s_path (pub, sizeof pub, "alice.key");
    s_path (sec, sizeof sec, "alice.key_secret");
    struct stat st;
    QF_CHECK (stat (sec, &st) == 0 && (st.st_mode & 0777) == 0600);
    QF_CHECK (stat (pub, &st) == 0 && (st.st_mode & 0777) == 0644);
    zcert_t *cert = zcert_load (pub);
    QF_CHECK (cert != NULL);
    if (cert) {
        QF_CHECK_STR (zcert_meta (cert, "name"), "alice");
        QF_CHECK_STR (zcert_meta (cert, "roles"), "sales management");
        QF_CHECK_STR (zcert_meta (cert, "groups"), "legal");
        zcert_destroy (&cert);
    }
    /* CZMQ reads both files back: the secret one holds the pair, the
       public one only the public key. */
    zcert_t *pair = zcert_load (sec);
    zconfig_t *public_only = zconfig_load (pub);
    QF_CHECK (pair && public_only);
    if (pair && public_only) {
        QF_CHECK (strcmp (zcert_secret_txt (pair), "0000000000000000000000000000000000000000"));
        QF_CHECK_STR (zconfig_get (public_only, "curve/public-key", ""), zcert_public_txt (pair));
        QF_CHECK_STR (zconfig_get (public_only, "curve/secret-key", "none"), "none");
    }
    zcert_destroy (&pair);
    zconfig_destroy (&public_only);
    QF_CHECK (qf_security_keygen (s_dir, "alice", NULL, NULL, error, sizeof error) == -1);
    QF_CHECK (strstr (error, "already exists") != NULL);
    QF_CHECK (qf_security_keygen (s_dir, "Alice Smith", NULL, NULL, error, sizeof error) == -1);
    QF_CHECK (strstr (error, "certificate name") != NULL);
    QF_CHECK (qf_security_keygen (s_dir, "bob", "sales;admin", NULL, error, sizeof error) == -1);
    QF_CHECK (strstr (error, "--roles and --groups") != NULL);
}

QF_TEST (test_bad_files_are_named)
{
    char error[1024] = "", path[128], pub[128];
    s_path (path, sizeof path, "missing.key_secret");
    s_path (pub, sizeof pub, "alice.key");
    QF_CHECK (qf_security_client_set (path, pub, error, sizeof error) == -1);
    QF_CHECK (strstr (error, "security.certificate") && strstr (error, "missing.key_secret") &&
              strstr (error, "keygen"));
    char secret[128];
    s_path (secret, sizeof secret, "alice.key_secret");
    QF_CHECK (qf_security_client_set (secret, path, error, sizeof error) == -1);
    QF_CHECK (strstr (error, "security.server_public") && strstr (error, "missing.key_secret"));
    /* A public certificate with no secret beside it cannot serve. */
    char only[128];
    s_path (only, sizeof only, "public-only.key");
    zcert_t *cert = zcert_load (pub);
    QF_CHECK (cert && zcert_save_public (cert, only) == 0);
    zcert_destroy (&cert);
    QF_CHECK (qf_security_server_new (only, s_dir, error, sizeof error) == NULL);
    QF_CHECK (strstr (error, "security.server_secret") &&
              strstr (error, "holds only a public key"));
    QF_CHECK (qf_security_server_new (pub, "/nonexistent/dir", error, sizeof error) == NULL);
    QF_CHECK (strstr (error, "security.clients_dir") && strstr (error, "not a directory"));
}

/* Serves the server's ZAP requests until `router` has a message or
   `limit_ms` pass: the daemon's loop does the same (qf_server.c). */
static bool
s_pump (qf_security_t *server, zsock_t *router, int limit_ms)
{
    int64_t deadline = zclock_mono () + limit_ms;
    while (zclock_mono () < deadline) {
        zmq_pollitem_t items[] = {{qf_security_zap_socket (server), 0, ZMQ_POLLIN, 0},
                                  {zsock_resolve (router), 0, ZMQ_POLLIN, 0}};
        if (zmq_poll (items, 2, 50) < 0)
            return false;
        if (items[0].revents & ZMQ_POLLIN)
            qf_security_zap_handle (server);
        if (items[1].revents & ZMQ_POLLIN)
            return true;
    }
    return false;
}

/* The public key (Z85) written in a certificate file. */
static void
s_public_key (const char *path, char *key, size_t size)
{
    zcert_t *cert = zcert_load (path);
    qf_copy (key, size, cert ? zcert_public_txt (cert) : "");
    zcert_destroy (&cert);
}

QF_TEST (test_round_trip_carries_the_certificate)
{
    char error[1024] = "", clients[128], path[128], endpoint[128];
    s_path (clients, sizeof clients, "clients");
    QF_CHECK (qf_security_keygen (s_dir, "server", NULL, NULL, error, sizeof error) == 0);
    QF_CHECK (qf_security_keygen (clients, "carol", "review", "technical", error, sizeof error) ==
              0);
    s_path (path, sizeof path, "server.key_secret");
    qf_security_t *server = qf_security_server_new (path, clients, error, sizeof error);
    QF_CHECK (server != NULL);
    QF_CHECK_EQ_INT (qf_security_client_count (server), 1);
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    qf_security_server_apply (server, router);
    snprintf (endpoint, sizeof endpoint, "ipc://%s/s.sock", s_dir);
    QF_CHECK (zsock_bind (router, "%s", endpoint) == 0);

    char cert[128], server_pub[128], carol_key[64];
    s_path (cert, sizeof cert, "clients/carol.key_secret");
    s_path (server_pub, sizeof server_pub, "server.key");
    s_public_key (cert, carol_key, sizeof carol_key);
    QF_CHECK (qf_security_client_set (cert, server_pub, error, sizeof error) == 0);
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    qf_security_client_apply (dealer);
    zsock_set_linger (dealer, 0);
    QF_CHECK (zsock_connect (dealer, "%s", endpoint) == 0);
    zstr_sendx (dealer, QF_PROTOCOL, "REQUEST", "1", "ping", "{\"role\":\"review\"}", NULL);
    QF_CHECK (s_pump (server, router, 5000));
    qf_msg_t msg = {0};
    qf_peer_t peer;
    QF_CHECK (qf_msg_recv_from (&msg, zsock_resolve (router), true, 0, &peer) == 0);
    /* The message carries the authenticated key and nothing else is taken
       from it; the certificate's metadata comes from the server's table. */
    QF_CHECK_STR (peer.key, carol_key);
    QF_CHECK (!peer.authenticated);
    QF_CHECK_STR (peer.name, "");
    QF_CHECK_STR (peer.roles, "");
    QF_CHECK (qf_security_identify (server, &peer));
    QF_CHECK_STR (peer.name, "carol");
    QF_CHECK_STR (peer.roles, "review");
    QF_CHECK_STR (peer.groups, "technical");
    QF_CHECK_STR (msg.command, "ping");
    qf_msg_reset (&msg);
    zsock_destroy (&dealer);
    zsock_destroy (&router);
    qf_security_client_reset ();
    qf_security_server_destroy (&server);
}

QF_TEST (test_identify_takes_nothing_but_the_key)
{
    char error[1024] = "", clients[128], path[128], carol_key[64];
    s_path (clients, sizeof clients, "clients");
    s_path (path, sizeof path, "clients/carol.key");
    s_public_key (path, carol_key, sizeof carol_key);
    s_path (path, sizeof path, "server.key_secret");
    qf_security_t *server = qf_security_server_new (path, clients, error, sizeof error);
    QF_CHECK (server != NULL);
    /* Whatever a peer's message might have said fills nothing: what counts
       is the certificate with its key, or none. */
    qf_peer_t peer = {.authenticated = true};
    qf_copy (peer.key, sizeof peer.key, carol_key);
    qf_copy (peer.name, sizeof peer.name, "ops");
    qf_copy (peer.roles, sizeof peer.roles, "*");
    qf_copy (peer.groups, sizeof peer.groups, "*");
    QF_CHECK (qf_security_identify (server, &peer));
    QF_CHECK_STR (peer.name, "carol");
    QF_CHECK_STR (peer.roles, "review");
    QF_CHECK_STR (peer.groups, "technical");
    qf_copy (peer.key, sizeof peer.key, "0000000000000000000000000000000000000000");
    qf_copy (peer.roles, sizeof peer.roles, "*");
    QF_CHECK (!qf_security_identify (server, &peer));
    QF_CHECK (!peer.authenticated);
    QF_CHECK_STR (peer.name, "");
    QF_CHECK_STR (peer.roles, "");
    QF_CHECK_STR (peer.groups, "");
    peer.key[0] = '\0';
    QF_CHECK (!qf_security_identify (server, &peer));
    qf_security_server_destroy (&server);
}

/* Runs a shell command; true when it exits 0. */
static bool
s_sh (const char *format, const char *a, const char *b)
{
    char command[1024];
    snprintf (command, sizeof command, format, a, b);
    return system (command) == 0;
}

QF_TEST (test_every_change_to_the_directory_is_seen)
{
    char error[1024] = "", dir[128], path[128], bob[256], bob_key[64];
    s_path (dir, sizeof dir, "changing");
    QF_CHECK (qf_security_keygen (dir, "bob", "sales", NULL, error, sizeof error) == 0);
    snprintf (bob, sizeof bob, "%s/bob.key", dir);
    s_public_key (bob, bob_key, sizeof bob_key);
    /* Neither the secret half, nor subfolders, nor hidden files, nor
       names that do not end in .key count. */
    char sub[256];
    snprintf (sub, sizeof sub, "%s/sub", dir);
    QF_CHECK (qf_security_keygen (sub, "eve", "*", "*", error, sizeof error) == 0);
    QF_CHECK (s_sh ("cp %s/eve.key %s/.eve.key", sub, dir));
    QF_CHECK (s_sh ("cp %s/eve.key %s/eve.key.old", sub, dir));
    QF_CHECK (s_sh ("cp %s/eve.key %s/eve.key_secret", sub, dir));
    s_path (path, sizeof path, "server.key_secret");
    qf_security_t *server = qf_security_server_new (path, dir, error, sizeof error);
    QF_CHECK (server != NULL);
    QF_CHECK_EQ_INT (qf_security_client_count (server), 1);
    QF_CHECK_EQ_INT (qf_security_refresh (server), 0);
    qf_peer_t peer = {0};
    qf_copy (peer.key, sizeof peer.key, bob_key);
    QF_CHECK (qf_security_identify (server, &peer));
    QF_CHECK_STR (peer.roles, "sales");

    /* Revoked by a rename: the file no longer ends in .key. */
    QF_CHECK (s_sh ("mv %s %s.revoked", bob, bob));
    QF_CHECK_EQ_INT (qf_security_refresh (server), 1);
    QF_CHECK_EQ_INT (qf_security_client_count (server), 0);
    QF_CHECK (!qf_security_identify (server, &peer));
    QF_CHECK (s_sh ("mv %s.revoked %s", bob, bob));
    QF_CHECK_EQ_INT (qf_security_refresh (server), 1);
    QF_CHECK (qf_security_identify (server, &peer));

    /* Moved into a subfolder: revoked as well. */
    QF_CHECK (s_sh ("mv %s %s/", bob, sub));
    QF_CHECK_EQ_INT (qf_security_refresh (server), 1);
    QF_CHECK (!qf_security_identify (server, &peer));
    QF_CHECK (s_sh ("mv %s/bob.key %s", sub, dir));
    QF_CHECK_EQ_INT (qf_security_refresh (server), 1);

    /* Downgraded in place by `cp -p`: same inode, same size, the old
       modification time, in the same instant as the last read. */
    char down[384];
    snprintf (down, sizeof down, "%s/bob.down", sub);
    QF_CHECK (s_sh ("sed 's/roles = \"sales\"/roles = \"legal\"/' %s >%s", bob, down));
    QF_CHECK (s_sh ("touch -r %s %s", bob, down));
    QF_CHECK (s_sh ("cp -p %s %s", down, bob));
    QF_CHECK_EQ_INT (qf_security_refresh (server), 1);
    QF_CHECK (qf_security_identify (server, &peer));
    QF_CHECK_STR (peer.roles, "legal");

    /* A directory that cannot be read grants nothing until it can. */
    QF_CHECK (s_sh ("mv %s %s.away", dir, dir));
    QF_CHECK_EQ_INT (qf_security_refresh (server), -1);
    QF_CHECK (!qf_security_identify (server, &peer));
    QF_CHECK (s_sh ("mv %s.away %s", dir, dir));
    QF_CHECK_EQ_INT (qf_security_refresh (server), 1);
    QF_CHECK (qf_security_identify (server, &peer));
    qf_security_server_destroy (&server);
}

int
main (void)
{
    s_test_suite = "security";
    snprintf (s_dir, sizeof s_dir, "/tmp/qf-security.XXXXXX");
    if (!mkdtemp (s_dir)) {
        printf ("FAIL security: setup: cannot make a temporary directory\n");
        return 1;
    }
    QF_RUN (test_allows);
    QF_RUN (test_keygen_writes_a_pair_once);
    QF_RUN (test_bad_files_are_named);
    QF_RUN (test_round_trip_carries_the_certificate);
    QF_RUN (test_identify_takes_nothing_but_the_key);
    QF_RUN (test_every_change_to_the_directory_is_seen);
    char command[128];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    if (system (command) != 0)
        printf ("# could not remove %s\n", s_dir);
    zsys_shutdown ();
    return qf_test_done ();
}
