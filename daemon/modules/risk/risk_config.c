/*  The risk module's configuration keys, one per line (the columns are
    those of qf_config_keys.h), and the scoring over them. */
#include "risk/risk_config.h"

#include "qf_config_keys.h"

#include <assert.h>

#define RISK(field) offsetof (qf_risk_config_t, field)

const char *const qf_risk_levels[] = {"low", "medium", "high", "critical", NULL};

/* The classic matrix: likelihood times impact, row by likelihood. */
static const int s_matrix[] = {
    1, 2,  3,  4,  5,  /* likelihood 1, impact 1 to 5 */
    2, 4,  6,  8,  10, /* likelihood 2 */
    3, 6,  9,  12, 15, /* likelihood 3 */
    4, 8,  12, 16, 20, /* likelihood 4 */
    5, 10, 15, 20, 25, /* likelihood 5 */
};

/* clang-format off */

/* risk: the matrix, the levels and how the system scores what it raises. */
static const qf_key_t s_risk[] = {
    QF_INT_LIST ("risk.matrix",              RISK (matrix), RISK (matrix_count), s_matrix, 1, 100, 25, 25, QF_RELOAD, "§7.1: the score of each likelihood and impact (1-5 each), 25 numbers row by row: likelihood 1 with impact 1 to 5, then likelihood 2, ..."),
    QF_INT    ("risk.medium_from",           RISK (medium_from),         5,  1, 100, QF_RELOAD, "§7.1: least score of a medium risk (below it a risk is low)"),
    QF_INT    ("risk.high_from",             RISK (high_from),           10, 1, 100, QF_RELOAD, "§7.1: least score of a high risk", .at_least = "risk.medium_from"),
    QF_INT    ("risk.critical_from",         RISK (critical_from),       20, 1, 100, QF_RELOAD, "§7.1: least score of a critical risk", .at_least = "risk.high_from"),
    QF_ENUM   ("risk.alert_level",           RISK (alert_level),         2, qf_risk_levels, QF_RELOAD, "§7.1: level at which risk.high goes to management, once each time a risk reaches it"),
    QF_INT    ("risk.delivery_likelihood",   RISK (delivery_likelihood), 3,  1, 5, QF_RELOAD, "§7.1: likelihood of the processing risk raised when a contract's delivery is at risk"),
    QF_INT    ("risk.late_likelihood",       RISK (late_likelihood),     5,  1, 5, QF_RELOAD, "§7.1: its likelihood once the delivery date has passed undelivered"),
    QF_INT    ("risk.delivery_impact",       RISK (delivery_impact),     3,  1, 5, QF_RELOAD, "§7.1: impact of a late delivery"),
    QF_INT    ("risk.policy_likelihood",     RISK (policy_likelihood),   5,  1, 5, QF_RELOAD, "§7.1: likelihood of the policy risk raised when a policy change is applied"),
    QF_INT    ("risk.policy_impact",         RISK (policy_impact),       4,  1, 5, QF_RELOAD, "§7.1: impact of a policy change"),
    QF_INT    ("risk.dispute_likelihood",    RISK (dispute_likelihood),  3,  1, 5, QF_RELOAD, "§7.1: likelihood of the legal risk a dispute on a contract raises, unless given"),
    QF_INT    ("risk.dispute_impact",        RISK (dispute_impact),      4,  1, 5, QF_RELOAD, "§7.1: impact of a dispute, unless given"),
    QF_DOUBLE ("risk.loss_ratio",            RISK (loss_ratio),          0.2, 0, 1, QF_RELOAD, "§7.1: share of a contract's price expected to be lost when it is late, under a policy change or disputed (0.2: the usual 20 % liability for breach)"),
    QF_INT    ("risk.review_days",           RISK (review_days),         30, 1, 365, QF_RELOAD, "§7.1: days after it is raised at which a policy or dispute risk is reviewed (a late delivery's on its delivery date)"),
    QF_STRING ("risk.policy_owner",          RISK (policy_owner),        "legal", 64, QF_RELOAD, "§7.1: who owns the risk a policy change raises"),
};

static const qf_section_t s_sections[] = {
    QF_MAPPING ("risk", s_risk),
    {.name = NULL},
};

/* clang-format on */

const qf_config_part_t qf_risk_config_part = {
    .module = "risk",
    .sections = s_sections,
    .size = sizeof (qf_risk_config_t),
};

const qf_risk_config_t *
qf_risk_config (const qf_config_t *config)
{
    const qf_risk_config_t *self = qf_config_part (config, &qf_risk_config_part);
    assert (self); /* the build links the part into every program */
    return self;
}

int
qf_risk_score (const qf_config_t *config, int likelihood, int impact)
{
    const qf_risk_config_t *self = qf_risk_config (config);
    if (likelihood < 1 || likelihood > QF_RISK_SCALE || impact < 1 || impact > QF_RISK_SCALE)
        return 0;
    size_t at = (size_t)(likelihood - 1) * QF_RISK_SCALE + (size_t)(impact - 1);
    return at < self->matrix_count ? self->matrix[at] : likelihood * impact;
}

int
qf_risk_level (const qf_config_t *config, int score)
{
    const qf_risk_config_t *self = qf_risk_config (config);
    return score >= self->critical_from ? 3
           : score >= self->high_from   ? 2
           : score >= self->medium_from ? 1
                                        : 0;
}

bool
qf_risk_alerts (const qf_config_t *config, int level)
{
    return level >= qf_risk_config (config)->alert_level;
}
