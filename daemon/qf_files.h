/*  qf_files — the daemon's files are its own.

    The database holds every record: whoever can read its file reads them
    all, past CURVE, roles and the sockets. So the daemon creates it (and
    SQLite its -wal and -shm files, which take the database file's mode)
    with mode 0600, binds its ipc sockets and then gives them mode 0600, or
    0660 and security.socket_group, and at start checks what it did not
    create itself:

    - the database, its -wal and -shm files, and the database's directory
      may grant nothing to group or others;
    - the directory of each ipc socket may grant nothing to others, and
      nothing to its group either unless security.socket_group is set, in
      which case the group may enter and list it but not write to it.

    When a path grants more, the daemon refuses to start, naming each such
    path, its mode and the chmod that fixes it. With
    security.allow_shared_files each is a warning instead (for file systems
    without Unix modes); nothing else changes.
*/
#ifndef QF_FILES_H
#define QF_FILES_H

#include "qf_config.h"

#include <stddef.h>

/*  Checks the modes of the database, its -wal and -shm files, its directory
    and the ipc sockets' directories (paths that do not exist yet are left
    to whoever creates them). Returns 0 when all are private, or when
    security.allow_shared_files is on (after a warning per path);
    QF_EINVAL with a message naming the paths and the fix otherwise. */
int qf_files_check (const qf_config_t *config, char *error, size_t error_size);

/*  Gives each ipc socket the daemon bound mode 0600, or 0660 and the group
    security.socket_group. Returns 0, or QF_EINVAL (no such group) or
    QF_EIO (chown or chmod refused) with a message. */
int qf_files_restrict_sockets (const qf_config_t *config, char *error, size_t error_size);

#endif
