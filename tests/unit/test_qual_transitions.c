/*  The qualification's transition table (qualification.c): for each
    action, every one of the six states either allows it, moving to the
    state the policy says (§4.2 review, §4.3 renewal and expiry, §7.2
    suspension), or refuses it and moves nothing. */
#include "qf_test.h"
#include "qualification/qualification.h"

static const char *const s_states[] = {"draft",    "in_review", "rectification",
                                       "approved", "rejected",  "expired"};
#define STATE_COUNT (sizeof s_states / sizeof s_states[0])

/* An action, the states that allow it (space-separated) and where it
   leaves the qualification (NULL: where it was). */
typedef struct {
    const char *action;
    const char *from;
    const char *to;
} expect_t;

static const expect_t s_expect[] = {
    {"submit", "draft rectification", "in_review"},
    {"review", "in_review rectification", NULL},
    {"fail", "in_review", "rectification"},
    {"approve", "in_review", "approved"},
    {"reject", "draft in_review rectification", "rejected"},
    {"rectify", "draft rectification", NULL},
    {"renew", "approved expired", "in_review"},
    {"recheck", "approved", "in_review"},
    {"expire", "approved", "expired"},
    {"archive", "approved", NULL},
};

QF_TEST (every_state_of_every_action)
{
    for (size_t a = 0; a < sizeof s_expect / sizeof s_expect[0]; a++)
        for (size_t i = 0; i < STATE_COUNT; i++) {
            const expect_t *e = &s_expect[a];
            const char *to = "unset";
            bool allowed = qf_qual_allows (s_states[i], e->action, &to);
            if (allowed != qf_word_in (s_states[i], e->from)) {
                printf ("# %s in %s: %s\n", e->action, s_states[i],
                        allowed ? "allowed" : "refused");
                QF_CHECK (!"the table disagrees with the policy");
            }
            if (allowed && e->to)
                QF_CHECK_STR (to, e->to);
            else
                QF_CHECK (to == NULL);
        }
}

/* Terminal states: a rejected qualification can do nothing more. */
QF_TEST (rejected_is_final)
{
    for (size_t a = 0; a < sizeof s_expect / sizeof s_expect[0]; a++)
        QF_CHECK (!qf_qual_allows ("rejected", s_expect[a].action, NULL));
}

QF_TEST (an_unknown_state_is_refused)
{
    const char *to = "unset";
    QF_CHECK (!qf_qual_allows ("archived", "submit", &to));
    QF_CHECK (to == NULL);
    QF_CHECK (!qf_qual_allows (NULL, "submit", NULL));
}

int
main (void)
{
    s_test_suite = "qual_transitions";
    QF_RUN (every_state_of_every_action);
    QF_RUN (rejected_is_final);
    QF_RUN (an_unknown_state_is_refused);
    return qf_test_done ();
}
