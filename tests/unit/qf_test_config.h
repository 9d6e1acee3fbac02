/*  qf_test_config — a configuration from YAML text, for unit tests.

    The text is written to a temporary file (mkstemp) and loaded with
    qf_config_load, exactly as the daemon and the workers load theirs, so a
    test sees the same defaults, checks and derived values.
*/
#ifndef QF_TEST_CONFIG_H
#define QF_TEST_CONFIG_H

#include "qf_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*  Loads yaml; NULL when it does not load, with the loader's message
    printed as a comment line. Caller owns the returned configuration. */
static inline qf_config_t *
qf_test_config (const char *yaml)
{
    char path[64] = "/tmp/qf-test-config-XXXXXX", error[1024] = "";
    int fd = mkstemp (path);
    if (fd < 0) {
        printf ("# cannot make a temporary file for a configuration\n");
        return NULL;
    }
    size_t length = strlen (yaml), done = 0;
    while (done < length) {
        ssize_t n = write (fd, yaml + done, length - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close (fd);
    qf_config_t *config = NULL;
    if (done < length)
        printf ("# cannot write %s\n", path);
    else if (qf_config_load (path, &config, error, sizeof error) != 0)
        printf ("# %s\n", error);
    unlink (path);
    return config;
}

#endif
