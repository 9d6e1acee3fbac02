/*  test_security — qf_security: role and group lists, certificate pairs
    written by keygen and read back, the refusals with what to do, and a
    real CURVE round trip over ipc in which the server reads the client's
    name and roles from the message.
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
    if (!server)
        return;
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    qf_security_server_apply (server, router);
    snprintf (endpoint, sizeof endpoint, "ipc://%s/s.sock", s_dir);
    QF_CHECK (zsock_bind (router, "%s", endpoint) == 0);

    char cert[128], server_pub[128];
    s_path (cert, sizeof cert, "clients/carol.key_secret");
    s_path (server_pub, sizeof server_pub, "server.key");
    QF_CHECK (qf_security_client_set (cert, server_pub, error, sizeof error) == 0);
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    qf_security_client_apply (dealer);
    zsock_set_linger (dealer, 0);
    QF_CHECK (zsock_connect (dealer, "%s", endpoint) == 0);
    zstr_sendx (dealer, QF_PROTOCOL, "REQUEST", "1", "ping", "{\"role\":\"review\"}", NULL);
    zsock_set_rcvtimeo (router, 5000);
    qf_msg_t msg = {0};
    qf_peer_t peer;
    QF_CHECK (qf_msg_recv_from (&msg, zsock_resolve (router), true, 0, &peer) == 0);
    QF_CHECK (peer.authenticated);
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
    char command[128];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    if (system (command) != 0)
        printf ("# could not remove %s\n", s_dir);
    zsys_shutdown ();
    return qf_test_done ();
}
