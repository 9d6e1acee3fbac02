/*  qf_server — the daemon's one poll loop.

    Each turn of the loop drains up to daemon.batch_max messages from the
    command and worker sockets without waiting on any one peer, runs them in
    one SQLite transaction (one savepoint per command), commits once (group
    commit), and only once that commit is on disk (with durability full,
    the WAL's fsync runs beside the loop: qf_sync.h) answers the clients,
    publishes the committed events on the PUB socket, and hands them to the
    consumer groups.

    Signals: SIGINT/SIGTERM stop the loop after the batch in hand has been
    committed and answered; SIGHUP reloads the configuration file (an
    invalid file, or one that changes a non-reloadable key, is refused and
    the running configuration stays).
*/
#ifndef QF_SERVER_H
#define QF_SERVER_H

#include "qf_config.h"

typedef struct qf_server_t qf_server_t;

/*  The daemon's exit status when the disk failed to sync the WAL: it stops
    at once, without answering what the sync should have made durable. */
#define QF_EXIT_SYNC_FAILED 3

/*  Opens the store, loads the consumer groups and binds the sockets. Takes
    ownership of *config_p (sets it to NULL) on success and on failure.
    Returns NULL with a message in error when the daemon cannot start. */
qf_server_t *qf_server_new (qf_config_t **config_p, char *error, size_t error_size);
void qf_server_destroy (qf_server_t **self_p);

/*  Installs the SIGINT/SIGTERM/SIGHUP handlers the loop watches. */
void qf_server_install_signals (void);

/*  Runs until SIGINT/SIGTERM. Returns 0 on a clean stop. */
int qf_server_run (qf_server_t *self);

#endif
