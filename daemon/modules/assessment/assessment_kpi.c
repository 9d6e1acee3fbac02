/*  The KPIs of §5.2 (assessment_kpi.h): the figures, read from the
    contracts and callbacks by the assessment store part, and the score. */
#include "assessment/assessment_kpi.h"
#include "aftersales/aftersales_store.h"
#include "assessment/assessment_store.h"
#include "contract/contract_store.h"
#include "qf.h"
#include "qf_time.h"
#include "staff/staff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
qf_kpi_score (const qf_assessment_config_t *settings, qf_scorecard_t *card)
{
    double sales = card->sales;
    card->value[QF_KPI_SALES] = sales;
    card->value[QF_KPI_PROFIT] = sales * (1.0 - settings->cost_ratio);
    card->value[QF_KPI_SATISFACTION] = card->scores ? card->score_sum / (double) card->scores : 0;
    card->value[QF_KPI_NEW_CUSTOMERS] = (double) card->new_customers;
    card->value[QF_KPI_GROWTH] = card->previous_sales > 0
                                     ? (sales - card->previous_sales) / card->previous_sales * 100.0
                                     : 0;
    double weighted = 0, weights = 0;
    for (int k = 0; k < QF_KPI_COUNT; k++) {
        card->has[k] = (k != QF_KPI_SATISFACTION || card->scores > 0) &&
                       (k != QF_KPI_GROWTH || card->previous_sales > 0);
        double share = card->value[k] / settings->target[k];
        card->achievement[k] = !card->has[k] ? 0 : share < 0 ? 0 : share > 1 ? 1 : share;
        if (card->has[k]) {
            weighted += settings->weight[k] * card->achievement[k];
            weights += settings->weight[k];
        }
    }
    card->score = weights > 0 ? 100.0 * weighted / weights : 0;
}

int
qf_kpi_period_parse (const char *text, qf_feedback_period_t *period)
{
    if (qf_feedback_period_parse (text, period))
        return QF_EINVAL;
    return period->m1 == period->m2 ? QF_EINVAL : 0; /* a month is no assessment period */
}

void
qf_kpi_period_previous (const qf_feedback_period_t *period, qf_feedback_period_t *previous)
{
    int kind = period->m2 - period->m1 == 2 ? QF_DIGEST_QUARTER : QF_DIGEST_YEAR;
    qf_feedback_period_of (kind, period->first_day - 1, previous);
}

/* Rounds to cents (yuan) or hundredths (scores, shares) for the JSON. */
static double
s_round2 (double value)
{
    return round (value * 100.0) / 100.0;
}

json_t *
qf_kpi_card_json (const qf_scorecard_t *card)
{
    json_t *achievement = json_object ();
    for (int k = 0; k < QF_KPI_COUNT; k++)
        json_object_set_new (achievement, qf_kpi_names[k],
                             card->has[k] ? json_real (s_round2 (card->achievement[k])) : json_null ());
    return json_pack (
        "{s:s, s:I, s:f, s:f, s:o, s:I, s:I, s:f, s:o, s:o, s:f}", "person", card->person,
        "contracts", (json_int_t) card->contracts, "sales", s_round2 (card->value[QF_KPI_SALES]),
        "profit", s_round2 (card->value[QF_KPI_PROFIT]), "satisfaction",
        card->has[QF_KPI_SATISFACTION] ? json_real (s_round2 (card->value[QF_KPI_SATISFACTION]))
                                       : json_null (),
        "scores", (json_int_t) card->scores, "new_customers", (json_int_t) card->new_customers,
        "previous_sales", s_round2 (card->previous_sales), "growth",
        card->has[QF_KPI_GROWTH] ? json_real (s_round2 (card->value[QF_KPI_GROWTH])) : json_null (),
        "achievement", achievement, "score", s_round2 (card->score));
}

/* The cards, a growing array kept sorted by person. */
typedef struct {
    qf_scorecard_t *cards;
    size_t count, size;
} cards_t;

static int
s_card_cmp (const void *a, const void *b)
{
    return strcmp (((const qf_scorecard_t *) a)->person, ((const qf_scorecard_t *) b)->person);
}

/* The card of `person`, added when missing (kept unsorted until the end:
   the look-up is linear only among the cards already found, which the
   store gives in person order, so the last one is checked first). */
static qf_scorecard_t *
s_card (cards_t *self, const char *person)
{
    for (size_t i = self->count; i-- > 0;)
        if (strcmp (self->cards[i].person, person) == 0)
            return &self->cards[i];
    if (self->count == self->size) {
        size_t size = self->size ? self->size * 2 : 64;
        qf_scorecard_t *cards = realloc (self->cards, size * sizeof *cards);
        if (!cards)
            return NULL;
        self->cards = cards;
        self->size = size;
    }
    qf_scorecard_t *card = &self->cards[self->count++];
    memset (card, 0, sizeof *card);
    snprintf (card->person, sizeof card->person, "%s", person);
    return card;
}

/* Which figure a tally (qf_store_tally_fn) fills in the cards. */
typedef enum { FIGURE_SALES, FIGURE_PREVIOUS, FIGURE_SCORES, FIGURE_NEW } figure_t;

typedef struct {
    cards_t *cards;
    figure_t figure;
} tally_t;

/* Adds one person's figure (a qf_store_tally_fn) to their card. */
static int
s_collect (void *arg, const char *person, int64_t count, double sum)
{
    tally_t *self = arg;
    qf_scorecard_t *card = s_card (self->cards, person);
    if (!card)
        return QF_ENOMEM;
    if (self->figure == FIGURE_SALES) {
        card->contracts = count;
        card->sales = sum;
    } else if (self->figure == FIGURE_PREVIOUS)
        card->previous_sales = sum;
    else if (self->figure == FIGURE_SCORES) {
        card->scores = count;
        card->score_sum = sum;
    } else
        card->new_customers = count;
    return 0;
}

int
qf_kpi_scorecards (qf_store_t *store, const qf_config_t *config,
                   const qf_feedback_period_t *period, const char *person, json_t **cards_p)
{
    char from[16], to[16], before_from[16], before_to[16];
    qf_feedback_period_t previous;
    qf_kpi_period_previous (period, &previous);
    qf_date_format (period->first_day, from, sizeof from);
    qf_date_format (period->last_day, to, sizeof to);
    qf_date_format (previous.first_day, before_from, sizeof before_from);
    qf_date_format (previous.last_day, before_to, sizeof before_to);
    cards_t cards = {0};
    int rc = 0;
    if (person)
        rc = s_card (&cards, person) ? 0 : QF_ENOMEM;
    else {
        json_t *people = NULL;
        rc = qf_staff_people_in (store, "sales", NULL, &people);
        size_t i;
        json_t *name;
        json_array_foreach (people, i, name)
            if (!rc && !s_card (&cards, json_string_value (name)))
                rc = QF_ENOMEM;
        json_decref (people);
    }
    /* From the records of the contract and after-sales modules. */
    tally_t sales = {&cards, FIGURE_SALES}, before = {&cards, FIGURE_PREVIOUS},
            scores = {&cards, FIGURE_SCORES}, fresh = {&cards, FIGURE_NEW};
    if (!rc)
        rc = qf_store_contract_sales_by_owner (store, from, to, person, s_collect, &sales);
    if (!rc)
        rc = qf_store_contract_sales_by_owner (store, before_from, before_to, person, s_collect,
                                               &before);
    if (!rc)
        rc = qf_store_callback_scores_by_owner (store, from, to, person, s_collect, &scores);
    if (!rc)
        rc = qf_store_contract_new_customers_by_owner (store, from, to, person, s_collect,
                                                       &fresh);
    json_t *list = rc ? NULL : json_array ();
    if (!rc && cards.count)
        qsort (cards.cards, cards.count, sizeof *cards.cards, s_card_cmp);
    const qf_assessment_config_t *settings = qf_assessment_config (config);
    for (size_t i = 0; !rc && i < cards.count; i++) {
        qf_kpi_score (settings, &cards.cards[i]);
        json_t *card = qf_kpi_card_json (&cards.cards[i]);
        json_t *violations = NULL;
        rc = card ? qf_staff_violations (store, cards.cards[i].person, from, to, &violations)
                  : QF_ENOMEM;
        if (!rc)
            json_object_set_new (card, "violations", violations);
        if (!card || json_array_append_new (list, card))
            rc = rc ? rc : QF_ENOMEM;
    }
    free (cards.cards);
    if (rc) {
        json_decref (list);
        return rc;
    }
    *cards_p = list;
    return 0;
}
