/*  incident_store — emergencies (§7.3) in the store. See qf_store.h for
    the conventions: 0 or a QF_E* code, inside the batch transaction, JSON
    records owned by the caller.

    An incident is a row (kind, title, summary, the contract and risk it
    concerns, state, who opened it and when, the conclusion and lessons
    learned that close it). Its emergency team is a row per named person;
    its timeline of actions and its communication log are rows numbered
    within the incident (entry 1, 2, ...) that are only ever added: this
    part has no statement that updates or deletes them, and the schema's
    triggers refuse any that would. */
#ifndef QF_INCIDENT_STORE_H
#define QF_INCIDENT_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "qf_store.h"

/*  Prepares the part's statements (the module's store_open). */
int qf_incident_store_open (qf_store_t *store, char *error, size_t error_size);

/*  Opens an incident from `incident` (kind, title, summary, contract_id
    and risk_id or absent); fills *id_p. */
int qf_store_incident_add (qf_store_t *self, json_t *incident, const char *by, int64_t now,
                           int64_t *id_p);
/*  The incident as JSON; QF_ENOTFOUND when none. */
int qf_store_incident_get (qf_store_t *self, int64_t id, json_t **incident_p);
/*  Closes an open incident with its conclusion and lessons; QF_ECONFLICT
    when it is not open. */
int qf_store_incident_close (qf_store_t *self, int64_t id, const char *conclusion,
                             const char *lessons, const char *by, int64_t now);
/*  Incidents with id > after, oldest first, at most `limit`; each filter
    ignored when NULL. */
int qf_store_incident_list (qf_store_t *self, const char *state, const char *kind, int64_t after,
                            int limit, json_t **list_p);
/*  Adds a member to the team; QF_ECONFLICT when that name is in it. */
int qf_store_incident_member_add (qf_store_t *self, int64_t id, const char *name, const char *duty,
                                  const char *by, int64_t now);
/*  How many entries the incident's `log` ("timeline" or "comms") holds:
    the next one is that plus one. */
int qf_store_incident_entries (qf_store_t *self, int64_t id, const char *log, int64_t *count_p);
/*  Appends a timeline entry: number `entry`, `action` done by `actor` at
    `happened` (text, and its ms); QF_ECONFLICT when that number is taken. */
int qf_store_incident_action_add (qf_store_t *self, int64_t id, int64_t entry, const char *action,
                                  const char *actor, const char *happened, int64_t happened_ms,
                                  const char *by, int64_t now);
/*  Appends a communication log entry from `entry` (party, who, channel,
    summary, happened, happened_ms, corrects or absent) as number `n`;
    QF_ECONFLICT when that number is taken. */
int qf_store_incident_comm_add (qf_store_t *self, int64_t id, int64_t n, json_t *entry,
                                const char *by, int64_t now);
/*  The incident's rows of `what` ("team", "timeline", "comms"), in order. */
int qf_store_incident_rows (qf_store_t *self, int64_t id, const char *what, json_t **list_p);

#endif
