/*  qf_files — the daemon's files are its own. */
#include "qf_files.h"
#include "qf.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest path handled: the configuration allows 4096 bytes, and a suffix. */
#define PATH_SIZE 4200
/* Most directories checked: the database's and one per endpoint. */
#define DIRS_MAX 4
/* Room for the lists of paths a message names. */
#define LIST_SIZE 2048

/* What may be granted beyond the owner: nothing, or the group's read and
   enter (a socket directory shared with security.socket_group). */
#define ALLOW_NONE  0
#define ALLOW_GROUP (S_IRGRP | S_IXGRP)

/* What the check found. Owned by qf_files_check(). */
typedef struct {
    bool warn_only;                 /* security.allow_shared_files: warn, start anyway */
    int found;                      /* paths that grant too much */
    char what[LIST_SIZE];           /* "PATH (the database, mode 0644), ..." */
    char private_fix[LIST_SIZE];    /* paths to run chmod go= on */
    char group_fix[LIST_SIZE];      /* paths to run chmod g-w,o= on */
    char dirs[DIRS_MAX][PATH_SIZE]; /* directories checked, so each is named once */
    int dir_count;                  /* of dirs */
} report_t;

/* Appends formatted text to a NUL-terminated buffer, cutting what does not fit. */
static void __attribute__ ((format (printf, 3, 4)))
s_append (char *buffer, size_t size, const char *format, ...)
{
    size_t used = strlen (buffer);
    if (used + 1 >= size)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (buffer + used, size - used, format, args);
    va_end (args);
}

/* Appends a path as one shell word: as it is when it holds only
   characters the shell leaves alone, else in single quotes. */
static void
s_append_word (char *buffer, size_t size, const char *path)
{
    s_append (buffer, size, "%s", buffer[0] ? " " : "");
    if (path[strspn (path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                           "._/+-:@%,=")] == '\0') {
        s_append (buffer, size, "%s", path);
        return;
    }
    s_append (buffer, size, "'");
    for (const char *p = path; *p; p++)
        if (*p == '\'')
            s_append (buffer, size, "'\\''");
        else
            s_append (buffer, size, "%c", *p);
    s_append (buffer, size, "'");
}

/* The directory part of a path: "." for a bare name, "/" for the root. */
static void
s_dir_of (const char *path, char *dir, size_t size)
{
    const char *slash = strrchr (path, '/');
    if (!slash)
        snprintf (dir, size, ".");
    else if (slash == path)
        snprintf (dir, size, "/");
    else
        snprintf (dir, size, "%.*s", (int)(slash - path), path);
}

/* The file of an ipc endpoint, or NULL for another transport, an abstract
   socket ("ipc://@name", no file) or a wildcard. */
static const char *
s_ipc_path (const char *endpoint)
{
    if (!endpoint || strncmp (endpoint, "ipc://", 6) != 0)
        return NULL;
    const char *path = endpoint + 6;
    if (!*path || *path == '@' || strcmp (path, "*") == 0)
        return NULL;
    return path;
}

/* The configuration keys of the daemon's endpoints. */
static const char *const s_endpoint_keys[] = {"daemon.command_endpoint", "daemon.worker_endpoint",
                                              "daemon.event_endpoint"};
#define ENDPOINTS 3

/* The file of the ipc socket bound for s_endpoint_keys[i], or NULL. */
static const char *
s_socket_path (const qf_config_t *config, int i)
{
    const char *endpoints[ENDPOINTS] = {config->command_endpoint, config->worker_endpoint,
                                        config->event_endpoint};
    return s_ipc_path (endpoints[i]);
}

/* Checks one path (`role` says what it is to the daemon): fine when it does
   not exist or grants no more than `allowed` beyond its owner. */
static void
s_check (report_t *report, const char *path, const char *role, mode_t allowed)
{
    struct stat st;
    if (stat (path, &st) != 0)
        return; /* not there yet: whoever creates it (the daemon, SQLite) makes it private */
    mode_t extra = st.st_mode & (S_IRWXG | S_IRWXO) & ~allowed;
    if (!extra)
        return;
    const char *fix = allowed ? "g-w,o=" : "go=";
    if (report->warn_only) {
        qf_warn ("%s (%s) has mode %04o: other users can reach it; security.allow_shared_files "
                 "is on, so qualflowd starts anyway ('chmod %s %s' makes it private)",
                 path, role, (unsigned)(st.st_mode & 07777), fix, path);
        return;
    }
    report->found++;
    s_append (report->what, sizeof report->what, "%s%s (%s, mode %04o)",
              report->what[0] ? ", " : "", path, role, (unsigned)(st.st_mode & 07777));
    if (allowed)
        s_append_word (report->group_fix, sizeof report->group_fix, path);
    else
        s_append_word (report->private_fix, sizeof report->private_fix, path);
}

/* Checks a directory once, however many of the daemon's files are in it. */
static void
s_check_dir (report_t *report, const char *dir, const char *role, mode_t allowed)
{
    for (int i = 0; i < report->dir_count; i++)
        if (strcmp (report->dirs[i], dir) == 0)
            return;
    if (report->dir_count < DIRS_MAX)
        snprintf (report->dirs[report->dir_count++], PATH_SIZE, "%s", dir);
    s_check (report, dir, role, allowed);
}

int
qf_files_check (const qf_config_t *config, char *error, size_t error_size)
{
    report_t report = {.warn_only = config->allow_shared_files};
    char path[PATH_SIZE];
    /* The database's directory before the sockets': when they share it, it
       must stay private all the same. */
    s_dir_of (config->database, path, sizeof path);
    s_check_dir (&report, path, "the database's directory", ALLOW_NONE);
    s_check (&report, config->database, "the database", ALLOW_NONE);
    snprintf (path, sizeof path, "%s-wal", config->database);
    s_check (&report, path, "the database's WAL", ALLOW_NONE);
    snprintf (path, sizeof path, "%s-shm", config->database);
    s_check (&report, path, "the database's shared memory", ALLOW_NONE);
    for (int i = 0; i < ENDPOINTS; i++) {
        const char *socket = s_socket_path (config, i);
        if (!socket)
            continue;
        char role[64];
        snprintf (role, sizeof role, "the directory of %s", s_endpoint_keys[i]);
        s_dir_of (socket, path, sizeof path);
        s_check_dir (&report, path, role, config->socket_group ? ALLOW_GROUP : ALLOW_NONE);
    }
    if (!report.found)
        return 0;
    char fix[2 * LIST_SIZE + 64] = "";
    if (report.private_fix[0])
        s_append (fix, sizeof fix, "chmod go= %s", report.private_fix);
    if (report.group_fix[0])
        s_append (fix, sizeof fix, "%schmod g-w,o= %s", fix[0] ? " && " : "", report.group_fix);
    /* The fix before the reason, so that a message cut short keeps it. */
    snprintf (error, error_size,
              "other users can reach qualflowd's files: %s; make them private with '%s' and "
              "start again (or set security.allow_shared_files: true to start anyway). Whoever "
              "reads the database reads every record, past CURVE and roles; whoever reaches a "
              "socket may send requests",
              report.what, fix);
    return QF_EINVAL;
}

int
qf_files_restrict_sockets (const qf_config_t *config, char *error, size_t error_size)
{
    gid_t gid = (gid_t)-1;
    if (config->socket_group) {
        struct group entry, *found = NULL;
        char buffer[16384];
        int rc = getgrnam_r (config->socket_group, &entry, buffer, sizeof buffer, &found);
        if (!found) {
            snprintf (error, error_size,
                      "security.socket_group: no group named %s on this machine%s%s; create it "
                      "or name another",
                      config->socket_group, rc ? ": " : "", rc ? strerror (rc) : "");
            return QF_EINVAL;
        }
        gid = entry.gr_gid;
    }
    mode_t mode = config->socket_group ? 0660 : 0600;
    for (int i = 0; i < ENDPOINTS; i++) {
        const char *socket = s_socket_path (config, i);
        if (!socket)
            continue;
        if (config->socket_group && chown (socket, (uid_t)-1, gid) != 0) {
            snprintf (error, error_size,
                      "cannot give %s (%s) to group %s: %s; make the daemon's user a member of "
                      "%s, or change security.socket_group",
                      socket, s_endpoint_keys[i], config->socket_group, strerror (errno),
                      config->socket_group);
            return QF_EIO;
        }
        if (chmod (socket, mode) != 0) {
            snprintf (error, error_size, "cannot set mode %04o on %s (%s): %s", (unsigned)mode,
                      socket, s_endpoint_keys[i], strerror (errno));
            return QF_EIO;
        }
    }
    return 0;
}
