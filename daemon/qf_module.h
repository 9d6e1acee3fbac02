/*  qf_module — what a business module brings to the engine, declared once.

    The engine (server loop, store core and event log, delivery, timers,
    calendar, operations commands) knows nothing of the business. Each
    business module is a folder daemon/modules/NAME/ with a module.c that
    defines `const qf_module_t qf_module_NAME`: its commands (their specs
    in NAME_spec.c, `qf_NAME_specs`, and their handlers), its store
    part (its own schema migrations and prepared statements), its timer
    kinds, its periodic work, its configuration part (NAME_config.c). The build finds the modules by folder and
    generates the list qf_modules[] (build/VARIANT/gen/qf_modules.c), so a
    new module adds its folder and edits no engine file. A test build adds
    the modules of tests/modules/ the same way (qualflowd-test).

    Modules call each other through C functions declared in their headers
    (e.g. qualification/qualification.h), never through the wire dispatcher.
*/
#ifndef QF_MODULE_H
#define QF_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "qf_command.h"
#include "qf_config.h"
#include "qf_store.h"

typedef struct qf_timer_kind_t qf_timer_kind_t; /* qf_timers.h */

typedef struct qf_module_t {
    const char *name;  /* the folder's name: "custody" */
    const char *title; /* what it does, with its policy section */

    /* Commands: their specs (name, roles, arguments, help; in NAME_spec.c,
       which the CLI links too) and their handlers, bound by name at start
       (qf_commands_init): every spec needs its handler and every handler
       its spec. Both tables end with an entry whose name is NULL. */
    const qf_command_spec_t *specs;
    const qf_handler_t *handlers;

    /* Store part: the module's own schema, versioned on its own (table
       qf_schema, one row per module: how many of its migrations the
       database has), applied in order at open after the engine's
       migrations, each with its version bump in one transaction. Append
       only, never edit one that has shipped. A database whose version for
       the module is newer than migration_count is refused.
       The modules of today (qualification, acquisition, custody, renewal,
       policy) have no migrations of their own yet: their tables were
       created by the engine's migrations 1 to 10, before modules had
       versions; their first change to the schema is their migration 1.
       Then `store_open` prepares the module's statements: it hands its
       constant qf_store_sql_t to qf_store__prepare (qf_store_int.h), and
       its store functions get them back by index with
       qf_store__part_stmt. The store finalizes them when it is destroyed;
       `store_close` (NULL when there is nothing else) releases anything
       else the module keeps, and must do nothing when store_open was not
       called or failed. */
    const char *const *migrations;
    size_t migration_count;
    int (*store_open) (qf_store_t *store, char *error, size_t error_size);
    void (*store_close) (qf_store_t *store);

    /* Kinds of durable timers the module places and fires (qf_timers.h);
       the table ends with an entry whose name is NULL; NULL when none. */
    const qf_timer_kind_t *timer_kinds;

    /* Its configuration part (NAME_config.c, qf_config_keys.h): its keys,
       their defaults and rules, and the struct it reads them from with
       qf_config_part(); NULL when it has no settings. The part is data in
       the shared library, since workers and the CLI read the same file,
       and the build lists it in qf_config_parts[]; binding refuses a
       module whose part is not listed there. */
    const qf_config_part_t *config;

    /* A check of each request beyond its command's roles (NULL when
       none): qf_commands_authorize calls it once the role may run the
       command, for requests (not for a worker's results, which run in
       their group's role); 0 lets the request through, else a QF_E* code
       with ctx->error and ctx->field saying why. It only reads. The staff
       module's: a person of the staff directory acts only in the roles
       the directory gives them, and not at all once they have left. */
    int (*authorize) (qf_ctx_t *ctx, const qf_command_spec_t *spec);

    /* Whom an event goes to (NULL when none): qf_emit calls it, in the
       event's transaction and before the append, for a payload whose
       `recipients` is a non-empty array, which it may rewrite in place;
       0, or a QF_E* code that fails the append. Modules name whom they
       mean (a person, a role, a department); this says who that is
       today. The staff module's: a role's or a department's name becomes
       the active people of the directory holding it (the name stays when
       the directory has none of them), so the people, not the words, go
       out with the event. */
    int (*address) (qf_store_t *store, json_t *recipients);

    /* What an appended event means to the module (NULL when nothing):
       qf_emit calls it for every event, in the event's transaction, just
       after the append; 0, or a QF_E* code that fails the append. It must
       be cheap for topics it does not care for (every command pays it).
       The notify module's: an event of a route's `done` topics about the
       subject of an open escalation ends that escalation, in the commit
       of the action itself. */
    int (*observe) (qf_store_t *store, int64_t time, const char *topic, const char *subject);

    /* Periodic work, called from the server loop at each timer pass
       (about every 100 ms): cheap when there is nothing to do; opens the
       batch transaction itself when there is. *raised_p counts events. */
    int (*tick) (qf_store_t *store, const qf_config_t *config, int64_t now, int *raised_p);
} qf_module_t;

/* Every module linked into this program, NULL-terminated (generated). */
extern const qf_module_t *const qf_modules[];

#endif
