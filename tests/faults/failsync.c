/*  failsync — a preload library that makes the disk fail to sync the WAL,
    for tests/integration/test_engine_sync.py.

    LD_PRELOAD it into qualflowd with QF_FAILSYNC_FLAG=PATH: while the file
    PATH exists, fsync and fdatasync on a file whose name ends in "-wal"
    return QF_FAILSYNC_SLOW_MS=N ms late (if set), as a slow disk's, and
    with QF_FAILSYNC_FAIL set they then fail with EIO, as a disk that lost
    the writes would make them. Every other call goes to the C library. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
s_failing (int fd)
{
    const char *flag = getenv ("QF_FAILSYNC_FLAG");
    if (!flag || access (flag, F_OK) != 0)
        return 0;
    char link[64], path[4096];
    snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink (link, path, sizeof path - 1);
    if (n < 4)
        return 0;
    path[n] = 0;
    if (strcmp (path + n - 4, "-wal") != 0)
        return 0;
    const char *slow = getenv ("QF_FAILSYNC_SLOW_MS");
    if (slow) {
        long ms = strtol (slow, NULL, 10);
        struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep (&pause, NULL);
    }
    return getenv ("QF_FAILSYNC_FAIL") != NULL;
}

/* The call `name` of the C library on `fd`, unless the disk is failing. */
static int
s_sync (int fd, const char *name)
{
    if (s_failing (fd)) {
        errno = EIO;
        return -1;
    }
    int (*real) (int) = (int (*) (int))dlsym (RTLD_NEXT, name);
    return real (fd);
}

int
fdatasync (int fd)
{
    return s_sync (fd, "fdatasync");
}

int
fsync (int fd)
{
    return s_sync (fd, "fsync");
}
