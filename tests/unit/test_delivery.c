/*  test_delivery — the retry delay of qf_delivery (delivery.backoff_*),
    computed at its edges: the first retry, each doubling, the cap reached
    exactly and overshot, and the jitter's bounds. The dice is chosen, so
    every value is exact: no clock, no sockets.
*/
#include "qf_config.h"
#include "qf_delivery.h"
#include "qf_test.h"
#include "qf_test_config.h"

#include <stdint.h>

static qf_config_t *s_default = NULL; /* backoff 1000 ms doubling to 60000 ms */
static qf_config_t *s_power = NULL;   /* backoff 1000 ms doubling to exactly 8000 ms */
static qf_config_t *s_least = NULL;   /* backoff 1 ms, at most 1 ms */

/* The delay without jitter: a dice of delay / 5 moves it by nothing. */
static int64_t
s_plain (const qf_config_t *config, uint32_t attempt, int64_t expected)
{
    return qf_delivery_backoff_ms (config, attempt, (long)(expected / 5));
}

QF_TEST (delay_doubles_up_to_the_cap)
{
    const struct {
        qf_config_t **config;
        uint32_t attempt;
        int64_t delay;
    } cases[] = {
        {&s_default, 1, 1000}, /* the first retry waits the initial delay */
        {&s_default, 0, 1000}, /* not a count the daemon passes; waits as 1 does */
        {&s_default, 2, 2000},  {&s_default, 3, 4000},
        {&s_default, 6, 32000}, {&s_default, 7, 60000}, /* 1000 * 2^6 = 64000 overshoots: the cap */
        {&s_default, 8, 60000}, {&s_default, UINT32_MAX, 60000},
        {&s_power, 3, 4000},    {&s_power, 4, 8000}, /* the cap reached exactly */
        {&s_power, 5, 8000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t delay = s_plain (*cases[i].config, cases[i].attempt, cases[i].delay);
        if (delay != cases[i].delay)
            printf ("# case %zu: attempt %u waits %lld ms, not %lld\n", i, cases[i].attempt,
                    (long long)delay, (long long)cases[i].delay);
        QF_CHECK_EQ_INT (delay, cases[i].delay);
    }
}

QF_TEST (jitter_is_at_most_a_fifth_either_way)
{
    /* 1000 ms: jitter 200, so the dice picks 800 ... 1200 and wraps. */
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 1, 0), 800);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 1, 1), 801);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 1, 400), 1200);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 1, 401), 800);
    /* At the cap too: 60000 +- 12000. */
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 9, 0), 48000);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_default, 9, 24000), 72000);
    /* Any dice at all stays inside the bounds. */
    long dice[] = {-1, -401, 12345, 2147483647L, -2147483647L - 1};
    for (size_t i = 0; i < sizeof dice / sizeof dice[0]; i++) {
        int64_t delay = qf_delivery_backoff_ms (s_default, 1, dice[i]);
        QF_CHECK (delay >= 800 && delay <= 1200);
    }
}

QF_TEST (least_delay_has_no_jitter)
{
    /* 1 ms: a fifth of it is 0, so there is nothing to move. */
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_least, 1, 0), 1);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_least, 1, 7), 1);
    QF_CHECK_EQ_INT (qf_delivery_backoff_ms (s_least, 40, 7), 1);
}

int
main (void)
{
    s_test_suite = "delivery";
    s_default = qf_test_config ("delivery:\n  backoff_initial_ms: 1000\n  backoff_max_ms: 60000\n");
    s_power = qf_test_config ("delivery:\n  backoff_initial_ms: 1000\n  backoff_max_ms: 8000\n");
    s_least = qf_test_config ("delivery:\n  backoff_initial_ms: 1\n  backoff_max_ms: 1\n");
    if (!s_default || !s_power || !s_least) {
        printf ("FAIL delivery: setup: a test configuration does not load\n");
        return 1;
    }
    QF_RUN (delay_doubles_up_to_the_cap);
    QF_RUN (jitter_is_at_most_a_fifth_either_way);
    QF_RUN (least_delay_has_no_jitter);
    qf_config_destroy (&s_default);
    qf_config_destroy (&s_power);
    qf_config_destroy (&s_least);
    return qf_test_done ();
}
