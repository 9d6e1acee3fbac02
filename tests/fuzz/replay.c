/*  replay — runs a fuzz target's entry point on files, without libFuzzer,
    so `make test` replays the seed corpus (and any crash libFuzzer saved)
    under the sanitizers with the ordinary compiler.

        test_fuzz_NAME [FILE|DIR]...

    With no argument it replays tests/fuzz/corpus/NAME/ (NAME from the
    program's own name) below $QF_ROOT, or below the current directory.
    Prints "PASS fuzz_NAME: FILE" per input and the input's name before
    running it, so an input that crashes is named in the log.
*/
#include "qf_fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static char s_suite[64] = "fuzz";

/*  Reads a whole file; caller frees *data_p. 0 or -1. */
static int
s_read (const char *path, uint8_t **data_p, size_t *size_p)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return -1;
    uint8_t *data = NULL;
    size_t size = 0, cap = 0;
    int rc = 0;
    while (rc == 0) {
        if (size == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *grown = realloc (data, cap);
            if (!grown) {
                rc = -1;
                break;
            }
            data = grown;
        }
        size_t n = fread (data + size, 1, cap - size, file);
        size += n;
        if (n == 0)
            rc = ferror (file) ? -1 : 1;
    }
    fclose (file);
    if (rc < 0) {
        free (data);
        return -1;
    }
    *data_p = data;
    *size_p = size;
    return 0;
}

/*  Replays one file, named `label` in the output; returns the number of
    failures (0 or 1). */
static int
s_replay_file (const char *path, const char *label)
{
    uint8_t *data = NULL;
    size_t size = 0;
    if (s_read (path, &data, &size) != 0) {
        printf ("FAIL %s: %s: cannot read %s: %s\n", s_suite, label, path, strerror (errno));
        return 1;
    }
    printf ("# %s: replaying %s (%zu bytes)\n", s_suite, path, size);
    fflush (stdout);
    /* A copy of exactly `size` bytes, so an overread hits ASan's redzone. */
    uint8_t *exact = malloc (size ? size : 1);
    if (!exact) {
        free (data);
        printf ("FAIL %s: %s: out of memory\n", s_suite, label);
        return 1;
    }
    if (size)
        memcpy (exact, data, size);
    free (data);
    LLVMFuzzerTestOneInput (exact, size);
    free (exact);
    printf ("PASS %s: %s\n", s_suite, label);
    return 0;
}

static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(char *const *)a, *(char *const *)b);
}

/*  Replays every file of a directory, in name order. */
static int
s_replay_dir (const char *dir, int *count_p)
{
    DIR *handle = opendir (dir);
    if (!handle) {
        printf ("FAIL %s: %s: cannot open the corpus: %s\n", s_suite, dir, strerror (errno));
        return 1;
    }
    char *names[4096];
    size_t n = 0;
    struct dirent *entry;
    while ((entry = readdir (handle)) && n < sizeof names / sizeof names[0])
        if (entry->d_name[0] != '.')
            names[n++] = strdup (entry->d_name);
    closedir (handle);
    qsort (names, n, sizeof names[0], s_compare);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        if (names[i])
            snprintf (path, sizeof path, "%s/%s", dir, names[i]);
        failures += names[i] ? s_replay_file (path, names[i]) : 1;
        free (names[i]);
    }
    *count_p += (int)n;
    return failures;
}

int
main (int argc, char **argv)
{
    const char *self = strrchr (argv[0], '/') ? strrchr (argv[0], '/') + 1 : argv[0];
    const char *name = strncmp (self, "test_fuzz_", 10) == 0 ? self + 10 : self;
    snprintf (s_suite, sizeof s_suite, "fuzz_%s", name);
    int failures = 0, count = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            struct stat st;
            if (stat (argv[i], &st) == 0 && S_ISDIR (st.st_mode))
                failures += s_replay_dir (argv[i], &count);
            else {
                failures += s_replay_file (argv[i], argv[i]);
                count++;
            }
        }
    } else {
        char dir[PATH_MAX];
        const char *root = getenv ("QF_ROOT");
        snprintf (dir, sizeof dir, "%s/tests/fuzz/corpus/%s", root && *root ? root : ".", name);
        failures += s_replay_dir (dir, &count);
    }
    if (count == 0) {
        printf ("FAIL %s: no input to replay\n", s_suite);
        failures++;
    }
    return failures ? 1 : 0;
}
