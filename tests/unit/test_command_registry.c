/*  test_command_registry — the command table the daemon binds at start
    (qf_commands): every module's commands found by name, each spec bound
    to its handler and every handler to its spec, no name twice, unknown
    names not found, roles authorized from the spec; and the specs the CLI
    links (qf_command_specs) are the ones the daemon runs.
*/
#include "qf.h"
#include "qf_command.h"
#include "qf_commands.h"
#include "qf_config_keys.h"
#include "qf_module.h"
#include "qf_test.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_handler (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    (void)ctx, (void)args;
    *result_p = json_object ();
    return 0;
}

QF_TEST (test_init_binds_every_spec)
{
    char error[256] = "";
    QF_CHECK_EQ_INT (qf_commands_init (error, sizeof error), 0);
    QF_CHECK_STR (error, "");
    /* Again: it binds once. */
    QF_CHECK_EQ_INT (qf_commands_init (error, sizeof error), 0);
}

QF_TEST (test_every_module_command_found)
{
    size_t modules = 0;
    for (const qf_module_t *const *module = qf_modules; *module; module++, modules++) {
        QF_CHECK ((*module)->name && (*module)->title);
        for (const qf_command_spec_t *spec = (*module)->specs; spec && spec->name; spec++) {
            const qf_command_t *command = qf_commands_find (spec->name);
            QF_CHECK (command != NULL);
            QF_CHECK (command->spec == spec);
            QF_CHECK (command->handler != NULL);
        }
    }
    QF_CHECK (modules >= 5);
    for (const char *const *name = (const char *const[]){"ping", "status", "events.list",
                                                         "groups.list", "dlq.retry", NULL};
         *name; name++)
        QF_CHECK (qf_commands_find (*name) != NULL);
}

/* The tables the CLI builds its commands from hold exactly the commands
   the daemon runs: one description for both. */
QF_TEST (test_cli_specs_are_the_daemons)
{
    size_t listed = 0;
    for (const qf_command_spec_t *const *table = qf_command_specs; *table; table++)
        for (const qf_command_spec_t *spec = *table; spec->name; spec++) {
            const qf_command_t *command = qf_commands_find (spec->name);
            QF_CHECK (command != NULL);
            QF_CHECK (command->spec == spec);
            listed++;
        }
    qf_command_t *table = NULL;
    size_t count = 0;
    char error[256] = "";
    QF_CHECK_EQ_INT (qf_commands_bind (qf_modules, &table, &count, error, sizeof error), 0);
    free (table);
    QF_CHECK_EQ_INT (listed, count);
}

QF_TEST (test_no_name_twice)
{
    qf_command_t *table = NULL;
    size_t count = 0;
    char error[256] = "";
    QF_CHECK_EQ_INT (qf_commands_bind (qf_modules, &table, &count, error, sizeof error), 0);
    QF_CHECK (count > 40);
    for (size_t i = 1; i < count; i++)
        QF_CHECK (strcmp (table[i - 1].spec->name, table[i].spec->name) < 0);
    free (table);

    /* A module describing an engine command again is refused. */
    static const qf_command_spec_t specs[] = {{.name = "ping", .roles = "*"}, {NULL}};
    static const qf_handler_t handlers[] = {{"ping", s_handler}, {NULL}};
    const qf_module_t twice = {.name = "twice", .title = "t", .specs = specs, .handlers = handlers};
    const qf_module_t *const modules[] = {&twice, NULL};
    QF_CHECK_EQ_INT (qf_commands_bind (modules, &table, &count, error, sizeof error), QF_EINVAL);
    QF_CHECK (table == NULL);
    QF_CHECK (strstr (error, "ping is described twice") != NULL);
}

QF_TEST (test_every_spec_needs_its_handler)
{
    static const qf_command_spec_t specs[] = {
        {.name = "test.one", .roles = "review"}, {.name = "test.two", .roles = "review"}, {NULL}};
    static const qf_handler_t one_only[] = {{"test.one", s_handler}, {NULL}};
    static const qf_handler_t extra[] = {
        {"test.one", s_handler}, {"test.two", s_handler}, {"test.three", s_handler}, {NULL}};
    static const qf_handler_t both[] = {{"test.two", s_handler}, {"test.one", s_handler}, {NULL}};
    qf_command_t *table = NULL;
    size_t count = 0;
    char error[256] = "";

    const qf_module_t missing = {.name = "m", .title = "t", .specs = specs, .handlers = one_only};
    const qf_module_t *const list1[] = {&missing, NULL};
    QF_CHECK_EQ_INT (qf_commands_bind (list1, &table, &count, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "m: command test.two is described but has no handler") != NULL);

    const qf_module_t spare = {.name = "m", .title = "t", .specs = specs, .handlers = extra};
    const qf_module_t *const list2[] = {&spare, NULL};
    QF_CHECK_EQ_INT (qf_commands_bind (list2, &table, &count, error, sizeof error), QF_EINVAL);
    QF_CHECK (strstr (error, "m: handler test.three has no spec") != NULL);

    const qf_module_t good = {.name = "m", .title = "t", .specs = specs, .handlers = both};
    const qf_module_t *const list3[] = {&good, NULL};
    QF_CHECK_EQ_INT (qf_commands_bind (list3, &table, &count, error, sizeof error), 0);
    bool found = false;
    for (size_t i = 0; i < count; i++)
        if (strcmp (table[i].spec->name, "test.two") == 0)
            found = table[i].spec == &specs[1] && table[i].handler == s_handler;
    free (table);
    QF_CHECK (found);
}

/* A module's configuration part must be one the program loads: else its
   settings would be missing from every configuration. */
QF_TEST (test_module_config_part_is_linked)
{
    static const qf_section_t none[] = {{.name = NULL}};
    static const qf_config_part_t stray = {.module = "m", .sections = none, .size = 8};
    const qf_module_t module = {.name = "m", .title = "t", .config = &stray};
    const qf_module_t *const list[] = {&module, NULL};
    qf_command_t *table = NULL;
    size_t count = 0;
    char error[256] = "";
    QF_CHECK_EQ_INT (qf_commands_bind (list, &table, &count, error, sizeof error), QF_EINVAL);
    QF_CHECK (table == NULL);
    QF_CHECK (strstr (error, "module m: its configuration part is not in qf_config_parts") != NULL);
    /* Every module of this program has its part listed. */
    for (const qf_module_t *const *m = qf_modules; *m; m++)
        QF_CHECK (!(*m)->config || qf_config_has_part ((*m)->config));
}

QF_TEST (test_unknown_names_not_found)
{
    QF_CHECK (qf_commands_find ("qual.add") != NULL);
    const char *const unknown[] = {"",    "qual", "qual.ad",   "qual.addx", "QUAL.ADD",
                                   "zzz", "a",    "qual.add ", NULL};
    for (const char *const *name = unknown; *name; name++)
        QF_CHECK (qf_commands_find (*name) == NULL);
    qf_ctx_t ctx;
    memset (&ctx, 0, sizeof ctx);
    ctx.role = "review";
    json_t *result = NULL;
    QF_CHECK_EQ_INT (qf_commands_execute (&ctx, "qual.nope", NULL, &result), QF_EINVAL);
    QF_CHECK (result == NULL);
    QF_CHECK_STR (ctx.field, "command");
    QF_CHECK (strstr (ctx.error, "unknown command \"qual.nope\"") != NULL);
}

QF_TEST (test_authorization_by_role)
{
    qf_ctx_t ctx;
    memset (&ctx, 0, sizeof ctx);
    const qf_command_t *add = qf_commands_find ("qual.add");
    const qf_command_t *approve = qf_commands_find ("loan.approve");
    const qf_command_t *ping = qf_commands_find ("ping");
    const qf_command_t *seek = qf_commands_find ("groups.seek");
    QF_CHECK (add && approve && ping && seek);

    ctx.role = "review";
    QF_CHECK_EQ_INT (qf_commands_authorize (&ctx, add), 0);
    QF_CHECK_EQ_INT (qf_commands_authorize (&ctx, ping), 0);
    QF_CHECK_EQ_INT (qf_commands_authorize (&ctx, approve), QF_EFORBIDDEN);
    QF_CHECK_STR (ctx.field, "role");
    QF_CHECK_STR (ctx.error, "role review may not run loan.approve; allowed roles: leader");

    ctx.role = "leader";
    QF_CHECK_EQ_INT (qf_commands_authorize (&ctx, approve), 0);
    QF_CHECK_EQ_INT (qf_commands_authorize (&ctx, seek), QF_EFORBIDDEN);

    /* admin runs operations and reads, no business command. */
    ctx.role = "admin";
    QF_CHECK_EQ_INT (qf_commands_authorize (&ctx, seek), 0);
    QF_CHECK_EQ_INT (qf_commands_authorize (&ctx, ping), 0);
    QF_CHECK_EQ_INT (qf_commands_authorize (&ctx, add), QF_EFORBIDDEN);
    QF_CHECK (strstr (ctx.error, "admin runs operations, not business decisions") != NULL);

    /* A role runs the commands that name it or are open to all, and no
       other (hr: the staff directory's, training's and conduct's). */
    for (const qf_command_spec_t *const *table = qf_command_specs; *table; table++)
        for (const qf_command_spec_t *spec = *table; spec->name; spec++) {
            const qf_command_t *command = qf_commands_find (spec->name);
            ctx.role = "hr";
            int rc = qf_commands_authorize (&ctx, command);
            bool open = strcmp (spec->roles, "*") == 0 || qf_word_in ("hr", spec->roles);
            QF_CHECK_EQ_INT (rc, open ? 0 : QF_EFORBIDDEN);
        }
}

/* What the CLI and the reference read from a spec is there and well
   formed, so a new command cannot leave its help or its options half done. */
QF_TEST (test_specs_are_complete)
{
    for (const qf_command_spec_t *const *table = qf_command_specs; *table; table++)
        for (const qf_command_spec_t *spec = *table; spec->name; spec++) {
            QF_CHECK (spec->roles && spec->roles[0]);
            QF_CHECK (spec->result && spec->result[0]);
            bool cli = !spec->cli || spec->cli[0];
            QF_CHECK (!cli || (spec->brief && spec->help));
            /* A text result (QF_OUT_TEXT) names its text and has no columns. */
            QF_CHECK (spec->output == QF_OUT_TEXT || !spec->list_key == !spec->columns);
            size_t n = 0;
            for (const qf_arg_spec_t *arg = spec->args; arg->name; arg++, n++) {
                QF_CHECK (arg->type != A_ENUM || (arg->values && arg->values[0]));
                if (!arg->option)
                    continue;
                bool positional = isupper ((unsigned char)arg->option[0]);
                QF_CHECK (positional || strncmp (arg->option, "--", 2) == 0);
                QF_CHECK (positional || arg->help);
                QF_CHECK (positional || arg->placeholder || arg->type == A_BOOL ||
                          arg->type == A_ENUM || arg->type == A_DATE);
            }
            QF_CHECK (n < QF_SPEC_ARGS_MAX);
        }
}

int
main (void)
{
    s_test_suite = "command_registry";
    QF_RUN (test_init_binds_every_spec);
    QF_RUN (test_every_module_command_found);
    QF_RUN (test_cli_specs_are_the_daemons);
    QF_RUN (test_no_name_twice);
    QF_RUN (test_every_spec_needs_its_handler);
    QF_RUN (test_module_config_part_is_linked);
    QF_RUN (test_unknown_names_not_found);
    QF_RUN (test_authorization_by_role);
    QF_RUN (test_specs_are_complete);
    return qf_test_done ();
}
