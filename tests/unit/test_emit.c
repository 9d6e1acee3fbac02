/*  test_emit — the engine's one way to append an event (qf_emit.h, and
    qf_ctx_emit for commands) and to run work in a savepoint
    (qf_store_in_savepoint), on a real store in a temporary SQLite file:
    the subject each builds, the payload taken on every path, a savepoint
    kept when its work succeeds and undone, with its events, when it fails.
*/
#include "qf.h"
#include "qf_command.h"
#include "qf_emit.h"
#include "qf_store.h"
#include "qf_test.h"

#include <stdint.h>
#include <unistd.h>

static char s_dir[64];
static char s_path[128];

static qf_store_t *
s_open (void)
{
    static int n = 0;
    snprintf (s_path, sizeof s_path, "%s/emit-%d.db", s_dir, ++n);
    char error[512] = "";
    qf_store_t *store = qf_store_new (s_path, QF_DURABILITY_FULL, error, sizeof error);
    if (!store)
        printf ("# open failed: %s\n", error);
    return store;
}

static void
s_close (qf_store_t **store_p)
{
    qf_store_destroy (store_p);
    const char *suffixes[] = {"", "-wal", "-shm", ".lock"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char path[160];
        snprintf (path, sizeof path, "%s%s", s_path, suffixes[i]);
        unlink (path);
    }
}

QF_TEST (subjects_are_kind_slash_id)
{
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (
        qf_emit (store, 1000, "a.made", "qualification", 7, json_pack ("{s:i}", "n", 1)), 0);
    QF_CHECK_EQ_INT (
        qf_emit_named (store, 1001, "b.made", "group", "review", json_pack ("{s:i}", "n", 2)), 0);
    qf_ctx_t ctx;
    memset (&ctx, 0, sizeof ctx);
    ctx.store = store;
    ctx.now = 1002;
    QF_CHECK_EQ_INT (qf_ctx_emit (&ctx, "c.made", "candidate", 3, json_pack ("{s:i}", "n", 3)), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_event_list_t list;
    qf_store_take_committed (store, &list);
    QF_CHECK_EQ_INT (list.count, 3);
    QF_CHECK_STR (list.items[0].topic, "a.made");
    QF_CHECK_STR (list.items[0].subject, "qualification/7");
    QF_CHECK_STR (list.items[0].payload, "{\"n\":1}");
    QF_CHECK_EQ_INT (list.items[0].time, 1000);
    QF_CHECK_STR (list.items[1].subject, "group/review");
    QF_CHECK_STR (list.items[2].subject, "candidate/3");
    QF_CHECK_EQ_INT (list.items[2].time, 1002);
    qf_event_list_free (&list);
    /* The numbers at their edges read as %lld writes them. */
    const int64_t ids[] = {0, 9, 10, -1, INT64_MAX, INT64_MIN};
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        QF_CHECK_EQ_INT (qf_emit (store, 1, "t", "k", ids[i], json_object ()), 0);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_store_take_committed (store, &list);
    QF_CHECK_EQ_INT (list.count, sizeof ids / sizeof ids[0]);
    for (size_t i = 0; i < list.count; i++) {
        char expected[64];
        snprintf (expected, sizeof expected, "k/%lld", (long long)ids[i]);
        QF_CHECK_STR (list.items[i].subject, expected);
    }
    qf_event_list_free (&list);
    s_close (&store);
}

QF_TEST (payload_is_taken_on_every_path)
{
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    /* A payload that could not be built is out of memory, and nothing is
       appended. */
    QF_CHECK_EQ_INT (qf_store_begin (store), 0);
    QF_CHECK_EQ_INT (qf_emit (store, 1, "t", "k", 1, NULL), QF_ENOMEM);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    QF_CHECK_EQ_INT (qf_store_last_seq (store), 0);
    /* Outside a transaction the append fails, and the payload is still
       taken (ASan would see a leak). */
    int rc = qf_emit (store, 1, "t", "k", 1, json_pack ("{s:s}", "k", "v"));
    QF_CHECK (rc != 0);
    s_close (&store);
}

/* Work for a savepoint: appends an event, then fails when asked to. */
typedef struct {
    int fail; /* the code to return */
    int runs; /* times it ran */
} work_t;

static int
s_work (qf_store_t *store, void *arg)
{
    work_t *work = arg;
    work->runs++;
    int rc = qf_emit (store, 5, work->fail ? "undone" : "kept", "k", work->runs,
                      json_pack ("{s:i}", "run", work->runs));
    return rc ? rc : work->fail;
}

QF_TEST (savepoint_keeps_success_and_undoes_failure)
{
    qf_store_t *store = s_open ();
    QF_CHECK (store);
    work_t work = {0, 0};
    /* No transaction yet: the savepoint opens the batch's. */
    QF_CHECK (!qf_store_in_transaction (store));
    QF_CHECK_EQ_INT (qf_store_in_savepoint (store, s_work, &work), 0);
    QF_CHECK (qf_store_in_transaction (store));
    work.fail = QF_ECONFLICT;
    QF_CHECK_EQ_INT (qf_store_in_savepoint (store, s_work, &work), QF_ECONFLICT);
    work.fail = 0;
    QF_CHECK_EQ_INT (qf_store_in_savepoint (store, s_work, &work), 0);
    QF_CHECK_EQ_INT (work.runs, 3);
    QF_CHECK_EQ_INT (qf_store_commit (store), 0);
    qf_event_list_t list;
    qf_store_take_committed (store, &list);
    QF_CHECK_EQ_INT (list.count, 2);
    QF_CHECK_STR (list.items[0].topic, "kept");
    QF_CHECK_STR (list.items[0].subject, "k/1");
    QF_CHECK_STR (list.items[1].topic, "kept");
    QF_CHECK_STR (list.items[1].subject, "k/3");
    QF_CHECK_EQ_INT (list.items[1].seq, 2);
    qf_event_list_free (&list);
    s_close (&store);
}

int
main (void)
{
    s_test_suite = "emit";
    snprintf (s_dir, sizeof s_dir, "/tmp/qf-test-emit-XXXXXX");
    if (!mkdtemp (s_dir)) {
        printf ("FAIL emit: setup: cannot make a temporary directory\n");
        return 1;
    }
    QF_RUN (subjects_are_kind_slash_id);
    QF_RUN (payload_is_taken_on_every_path);
    QF_RUN (savepoint_keeps_success_and_undoes_failure);
    rmdir (s_dir);
    return qf_test_done ();
}
