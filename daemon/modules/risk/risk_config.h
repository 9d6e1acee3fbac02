/*  risk_config — the risk module's configuration part (§7.1, §7.2): the
    risk matrix (the score of each likelihood and impact, 1–5 each), the
    scores from which a risk is medium, high and critical, the level at
    which risk.high goes to management, and how the system scores the
    risks it raises by itself: a contract at risk of late delivery (and
    late), a policy change, a legal dispute (likelihood, impact, the share
    of a contract's price expected to be lost, who owns a policy risk and
    when a risk is reviewed).

    The rows are in risk_config.c; the module reads them through
    qf_risk_config() and scores with qf_risk_score() and qf_risk_level().
*/
#ifndef QF_RISK_CONFIG_H
#define QF_RISK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "qf_config.h"

/* The matrix: QF_RISK_SCALE likelihoods by QF_RISK_SCALE impacts. */
#define QF_RISK_SCALE 5

/* The levels, lowest first; risk.alert_level is an index into them. */
extern const char *const qf_risk_levels[];

typedef struct {
    int matrix[QF_CONFIG_LIST_MAX]; /* risk.matrix: row by likelihood, column by impact */
    size_t matrix_count;            /* QF_RISK_SCALE * QF_RISK_SCALE */
    int medium_from;                /* risk.medium_from: least score of a medium risk */
    int high_from;                  /* risk.high_from */
    int critical_from;              /* risk.critical_from */
    int alert_level;                /* risk.alert_level: index into qf_risk_levels */
    int delivery_likelihood;        /* risk.delivery_likelihood: a contract at risk */
    int late_likelihood;            /* risk.late_likelihood: its delivery date passed */
    int delivery_impact;            /* risk.delivery_impact */
    int policy_likelihood;          /* risk.policy_likelihood: a policy change applied */
    int policy_impact;              /* risk.policy_impact */
    int dispute_likelihood;         /* risk.dispute_likelihood: a dispute on a contract */
    int dispute_impact;             /* risk.dispute_impact */
    double loss_ratio;              /* risk.loss_ratio: share of a contract's price */
    int review_days;                /* risk.review_days: first review of a raised risk */
    char *policy_owner;             /* risk.policy_owner: who owns a policy risk */
} qf_risk_config_t;

/* The part (qf_config_keys.h), listed by the build in qf_config_parts[]. */
extern const qf_config_part_t qf_risk_config_part;

/*  The module's settings in a loaded configuration. */
const qf_risk_config_t *qf_risk_config (const qf_config_t *config);

/*  The score of `likelihood` and `impact` (1 to QF_RISK_SCALE each) by
    risk.matrix; 0 when either is out of range. Pure. */
int qf_risk_score (const qf_config_t *config, int likelihood, int impact);

/*  The level of a score: the index into qf_risk_levels of the highest
    level whose least score (risk.medium_from, .high_from,
    .critical_from) it reaches; 0 (low) below them all. Pure. */
int qf_risk_level (const qf_config_t *config, int score);

/*  Whether a risk of level `level` (an index) is at or above
    risk.alert_level: the level at which risk.high goes to management. */
bool qf_risk_alerts (const qf_config_t *config, int level);

#endif
