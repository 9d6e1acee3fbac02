/*  qf_commands — the command table: every module's specs bound to their
    handlers at start, looked up by binary search; the checks every command
    passes before its handler runs; the engine's own handlers. */
#include "qf_commands.h"
#include "qf.h"
#include "qf_command.h"
#include "qf_calendar.h"
#include "qf_delivery.h"
#include "qf_emit.h"
#include "qf_role.h"
#include "qf_module.h"
#include "qf_timers.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine's own specs (qf_ops_spec.c). */
extern const qf_command_spec_t qf_ops_specs[];

/* The length of text cut to at most max bytes without splitting a UTF-8
   character: replies carry messages as JSON strings, which must stay valid. */
static int
s_utf8_cut (const char *text, size_t max)
{
    if (strlen (text) <= max)
        return (int)strlen (text);
    while (max > 0 && ((unsigned char)text[max] & 0xc0) == 0x80)
        max--;
    return (int)max;
}

int
qf_ctx_error (qf_ctx_t *ctx, int rc, const char *field, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int length = vsnprintf (ctx->error, sizeof ctx->error, format, args);
    va_end (args);
    if (length >= (int)sizeof ctx->error) {
        /* A message cut to fit: drop its last character if it was cut in two. */
        size_t end = sizeof ctx->error - 1, lead = end;
        while (lead > 0 && ((unsigned char)ctx->error[lead - 1] & 0xc0) == 0x80)
            lead--;
        unsigned char c = lead > 0 ? (unsigned char)ctx->error[lead - 1] : 0;
        size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (lead > 0 && lead - 1 + need > end)
            ctx->error[lead - 1] = '\0';
    }
    snprintf (ctx->field, sizeof ctx->field, "%s", field ? field : "");
    return rc;
}

bool
qf_word_in (const char *word, const char *list)
{
    size_t len = strlen (word);
    for (const char *p = list; *p;) {
        const char *end = strchr (p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen (p);
        if (n == len && strncmp (p, word, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

bool
qf_name_in (char *const *list, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp (list[i], name) == 0)
            return true;
    return false;
}

/* Handlers ------------------------------------------------------------------ */

static int
s_ping (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    (void)args;
    *result_p = json_pack ("{s:b, s:I}", "pong", 1, "time", (json_int_t)ctx->now);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_status (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    (void)args;
    *result_p = ctx->status_fn ? ctx->status_fn (ctx->status_arg) : json_object ();
    return *result_p ? 0 : QF_ENOMEM;
}

int
qf_ctx_emit (qf_ctx_t *ctx, const char *topic, const char *kind, int64_t id, json_t *payload)
{
    return qf_emit (ctx->store, ctx->now, topic, kind, id, payload);
}

int
qf_ctx_emit_text (qf_ctx_t *ctx, const char *topic, const char *kind, int64_t id, char *text,
                  size_t size)
{
    return qf_emit_text (ctx->store, ctx->now, topic, kind, id, text, size);
}

const char *
qf_ctx_who (qf_ctx_t *ctx)
{
    if (ctx->user && ctx->user[0])
        return ctx->user;
    return ctx->role ? ctx->role : "";
}

json_t *
qf_ctx_next_page (json_t *items, int limit)
{
    size_t count = json_array_size (items);
    if (count == 0 || count < (size_t)limit)
        return json_null ();
    return json_incref (json_object_get (json_array_get (items, count - 1), "id"));
}

int
qf_ctx_list_owner (qf_ctx_t *ctx, json_t *args, const char *what, const char **owner_p)
{
    const char *owner = json_string_value (json_object_get (args, "owner"));
    *owner_p = owner;
    if (strcmp (ctx->role, "sales") != 0)
        return 0;
    if (owner && (!ctx->user || strcmp (owner, ctx->user) != 0))
        return qf_ctx_error (ctx, QF_EFORBIDDEN, "args.owner",
                             "a salesperson lists only %s (§5.3 confidentiality); leave "
                             "args.owner out or give your own",
                             what);
    *owner_p = ctx->user ? ctx->user : "";
    return 0;
}

int
qf_ctx_keep (qf_ctx_t *ctx, const char *topic, const char *kind, const char *name, json_t *payload)
{
    json_t *event = payload ? json_pack ("{s:s, s:s, s:s, s:o}", "topic", topic, "kind", kind,
                                         "name", name, "payload", payload)
                            : NULL;
    if (event && !ctx->kept)
        ctx->kept = json_array ();
    if (!event || json_array_append_new (ctx->kept, event) != 0)
        return QF_ENOMEM;
    return 0;
}

int
qf_ctx_keep_call (qf_ctx_t *ctx, qf_kept_fn *fn, json_t *payload)
{
    if (ctx->kept_call_count >= QF_KEPT_CALLS_MAX) {
        json_decref (payload);
        return QF_ETOOBIG;
    }
    json_t *entry = payload ? json_pack ("{s:i, s:o}", "call", (int)ctx->kept_call_count,
                                         "payload", payload)
                            : NULL;
    if (entry && !ctx->kept)
        ctx->kept = json_array ();
    if (!entry || json_array_append_new (ctx->kept, entry) != 0)
        return QF_ENOMEM;
    ctx->kept_calls[ctx->kept_call_count++] = fn;
    return 0;
}

int
qf_ctx_append_kept (qf_ctx_t *ctx)
{
    int rc = 0;
    size_t i;
    json_t *event;
    json_array_foreach (ctx->kept, i, event)
    {
        json_t *call = json_object_get (event, "call");
        if (rc == 0 && call)
            rc = ctx->kept_calls[json_integer_value (call)](
                ctx->store, ctx->config, ctx->now, json_object_get (event, "payload"));
        else if (rc == 0)
            rc = qf_emit_named (ctx->store, ctx->now,
                                json_string_value (json_object_get (event, "topic")),
                                json_string_value (json_object_get (event, "kind")),
                                json_string_value (json_object_get (event, "name")),
                                json_incref (json_object_get (event, "payload")));
    }
    json_decref (ctx->kept);
    ctx->kept = NULL;
    ctx->kept_call_count = 0;
    return rc;
}

int
qf_ctx_split (qf_ctx_t *ctx, const char *text, char separator, const char *field, json_t **items_p)
{
    json_t *items = json_array ();
    int rc = items ? 0 : QF_ENOMEM;
    for (const char *p = text; rc == 0 && p;) {
        const char *stop = strchr (p, separator);
        size_t length = stop ? (size_t)(stop - p) : strlen (p);
        const char *start = p, *end = p + length;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end == start)
            rc = qf_ctx_error (ctx, QF_EINVAL, field,
                               "%s has an empty item; give items separated by '%c'", field,
                               separator);
        else if (json_array_append_new (items, json_stringn (start, (size_t)(end - start))))
            rc = QF_ENOMEM;
        p = p[length] ? p + length + 1 : NULL;
    }
    if (rc) {
        json_decref (items);
        return rc;
    }
    *items_p = items;
    return 0;
}

static int
s_events_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    json_t *limit = json_object_get (args, "limit");
    json_t *events = NULL;
    int rc = qf_store_events_json (ctx->store, json_integer_value (json_object_get (args, "after")),
                                   limit ? (int)json_integer_value (limit) : 100,
                                   json_string_value (json_object_get (args, "topic")), &events);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the event log: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:o, s:I}", "events", events, "last_seq",
                           (json_int_t)qf_store_last_seq (ctx->store));
    return *result_p ? 0 : QF_ENOMEM;
}

/* Consumer groups and dead letters ------------------------------------------ */

/* Fails with 404 unless the group named by args.group exists. */
static int
s_need_group (qf_ctx_t *ctx, json_t *args, const char **name_p)
{
    *name_p = json_string_value (json_object_get (args, "group"));
    if (!qf_delivery_has_group (ctx->delivery, *name_p))
        return qf_ctx_error (ctx, QF_ENOTFOUND, "args.group",
                             "no consumer group %s; see 'qualflow groups'", *name_p);
    return 0;
}

static int
s_groups_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    (void)args;
    *result_p = json_pack ("{s:o, s:I}", "groups", qf_delivery_groups (ctx->delivery), "last_seq",
                           (json_int_t)qf_store_last_seq (ctx->store));
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_groups_seek (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    json_t *seq_j = json_object_get (args, "seq"), *time_j = json_object_get (args, "time");
    if ((seq_j != NULL) == (time_j != NULL))
        return qf_ctx_error (ctx, QF_EINVAL, "args.seq",
                             "groups.seek needs exactly one of args.seq and args.time");
    uint64_t seq = (uint64_t)json_integer_value (seq_j);
    if (time_j) {
        rc = qf_store_event_seq_at (ctx->store, json_integer_value (time_j), &seq);
        if (rc)
            return qf_ctx_error (ctx, rc, NULL, "could not search the log by time");
    }
    /* Past the end, the group would silently skip the events still to come. */
    uint64_t end = qf_store_last_seq (ctx->store) + 1;
    if (seq > end)
        return qf_ctx_error (ctx, QF_EINVAL, "args.seq",
                             "args.seq %llu is beyond the end of the log (last seq %llu); use at "
                             "most %llu, which skips every event so far",
                             (unsigned long long)seq, (unsigned long long)(end - 1),
                             (unsigned long long)end);
    rc = qf_delivery_seek (ctx->delivery, name, seq);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not move group %s: %s", name, qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:I}", "group", name, "next_seq", (json_int_t)seq);
    return *result_p ? 0 : QF_ENOMEM;
}

/* Deletes a group that HELLO created (delivery.hello_groups_max counts
   them), with everything recorded for it. */
static int
s_groups_delete (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    int64_t dead = 0;
    int members = 0;
    rc = qf_store_dlq_count (ctx->store, name, &dead);
    if (rc == 0)
        rc = qf_delivery_delete (ctx->delivery, name, &members);
    if (rc == QF_ECONFLICT)
        return qf_ctx_error (ctx, rc, "args.group",
                             "group %s is declared in the configuration (groups:); remove it "
                             "there and restart qualflowd, then delete it",
                             name);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not delete group %s: %s", name,
                             qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:I, s:i}", "group", name, "dead_letters", (json_int_t)dead,
                           "workers", members);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_dlq_list (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    json_t *limit = json_object_get (args, "limit"), *items = NULL;
    rc = qf_store_dlq_list (ctx->store, name, json_integer_value (json_object_get (args, "after")),
                            limit ? (int)json_integer_value (limit) : 100, &items);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read dead letters: %s", qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:o}", "group", name, "items", items);
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_event_into (const qf_event_t *event, void *arg)
{
    json_t *item = arg;
    json_t *payload = json_loadb (event->payload, event->payload_size, 0, NULL);
    json_object_set_new (item, "event",
                         json_pack ("{s:I, s:s, s:I, s:s, s:s, s:o}", "seq", (json_int_t)event->seq,
                                    "id", event->id, "time", (json_int_t)event->time, "topic",
                                    event->topic, "subject", event->subject, "payload",
                                    payload ? payload : json_object ()));
    return 1;
}

static int
s_dlq_show (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    uint64_t seq = (uint64_t)json_integer_value (json_object_get (args, "seq"));
    json_t *item = NULL;
    rc = qf_store_dlq_get (ctx->store, name, seq, &item);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.seq", "group %s has no dead letter %llu", name,
                             (unsigned long long)seq);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not read the dead letter: %s", qf_strerror (rc));
    qf_store_event_get (ctx->store, seq, s_event_into, item);
    *result_p = item;
    return 0;
}

static int
s_dlq_change (qf_ctx_t *ctx, json_t *args, json_t **result_p, bool retry)
{
    const char *name;
    int rc = s_need_group (ctx, args, &name);
    if (rc)
        return rc;
    uint64_t seq = (uint64_t)json_integer_value (json_object_get (args, "seq"));
    rc = retry ? qf_delivery_dlq_retry (ctx->delivery, name, seq)
               : qf_store_dlq_delete (ctx->store, name, seq);
    if (rc == QF_ENOTFOUND)
        return qf_ctx_error (ctx, rc, "args.seq", "group %s has no dead letter %llu", name,
                             (unsigned long long)seq);
    if (rc)
        return qf_ctx_error (ctx, rc, NULL, "could not change the dead letter: %s",
                             qf_strerror (rc));
    *result_p = json_pack ("{s:s, s:I, s:s}", "group", name, "seq", (json_int_t)seq, "done",
                           retry ? "sent back for delivery" : "dropped");
    return *result_p ? 0 : QF_ENOMEM;
}

static int
s_dlq_retry (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_dlq_change (ctx, args, result_p, true);
}

static int
s_dlq_drop (qf_ctx_t *ctx, json_t *args, json_t **result_p)
{
    return s_dlq_change (ctx, args, result_p, false);
}

/* The table --------------------------------------------------------------- */

/* The engine's handlers; their specs are in qf_ops_spec.c. */
static const qf_handler_t s_handlers[] = {
    {"ping", s_ping},
    {"status", s_status},
    {"events.list", s_events_list},
    {"groups.list", s_groups_list},
    {"groups.seek", s_groups_seek},
    {"groups.delete", s_groups_delete},
    {"dlq.list", s_dlq_list},
    {"dlq.show", s_dlq_show},
    {"dlq.retry", s_dlq_retry},
    {"dlq.drop", s_dlq_drop},
    {NULL},
};

static int
s_by_name (const void *a, const void *b)
{
    return strcmp (((const qf_command_t *)a)->spec->name, ((const qf_command_t *)b)->spec->name);
}

/* Appends the commands of one table of specs, each bound to the handler
   of the same name in `handlers`; every handler must have its spec. */
static int
s_bind_table (const char *owner, const qf_command_spec_t *specs, const qf_handler_t *handlers,
              qf_command_t *table, size_t *count_p, size_t cap, char *error, size_t size)
{
    for (const qf_command_spec_t *spec = specs; spec && spec->name; spec++) {
        const qf_handler_t *handler = handlers;
        while (handler && handler->name && strcmp (handler->name, spec->name) != 0)
            handler++;
        if (!handler || !handler->name) {
            snprintf (error, size, "%s: command %s is described but has no handler", owner,
                      spec->name);
            return QF_EINVAL;
        }
        assert (*count_p < cap);
        table[(*count_p)++] = (qf_command_t){spec, handler->handler};
    }
    for (const qf_handler_t *handler = handlers; handler && handler->name; handler++) {
        const qf_command_spec_t *spec = specs;
        while (spec && spec->name && strcmp (spec->name, handler->name) != 0)
            spec++;
        if (!spec || !spec->name) {
            snprintf (error, size,
                      "%s: handler %s has no spec (add it to the module's "
                      "NAME_spec.c)",
                      owner, handler->name);
            return QF_EINVAL;
        }
    }
    return 0;
}

/* How many specs a table holds. */
static size_t
s_spec_count (const qf_command_spec_t *specs)
{
    size_t n = 0;
    while (specs && specs[n].name)
        n++;
    return n;
}

int
qf_commands_bind (const qf_module_t *const *modules, qf_command_t **table_p, size_t *count_p,
                  char *error, size_t size)
{
    *table_p = NULL;
    *count_p = 0;
    size_t cap = s_spec_count (qf_ops_specs);
    for (const qf_module_t *const *module = modules; *module; module++)
        cap += s_spec_count ((*module)->specs);
    qf_command_t *table = calloc (cap ? cap : 1, sizeof *table);
    if (!table) {
        snprintf (error, size, "out of memory");
        return QF_ENOMEM;
    }
    size_t count = 0;
    int rc = s_bind_table ("the engine", qf_ops_specs, s_handlers, table, &count, cap, error, size);
    for (const qf_module_t *const *module = modules; rc == 0 && *module; module++) {
        if ((*module)->config && !qf_config_has_part ((*module)->config)) {
            snprintf (error, size,
                      "module %s: its configuration part is not in qf_config_parts[]; build "
                      "the program with the module's NAME_config.c listed",
                      (*module)->name);
            rc = QF_EINVAL;
        }
    }
    for (const qf_module_t *const *module = modules; rc == 0 && *module; module++)
        rc = s_bind_table ((*module)->name, (*module)->specs, (*module)->handlers, table, &count,
                           cap, error, size);
    if (rc == 0) {
        qsort (table, count, sizeof *table, s_by_name);
        for (size_t i = 1; i < count; i++)
            if (strcmp (table[i - 1].spec->name, table[i].spec->name) == 0) {
                snprintf (error, size, "command %s is described twice", table[i].spec->name);
                rc = QF_EINVAL;
                break;
            }
    }
    if (rc) {
        free (table);
        return rc;
    }
    *table_p = table;
    *count_p = count;
    return 0;
}

/* The commands of this program, bound once and never changed after:
   like the configuration, immutable once loaded. */
static struct {
    pthread_once_t once;
    qf_command_t *table; /* sorted by name */
    size_t count;
    int rc;          /* of the binding */
    char error[256]; /* why it failed */
} s_registry = {PTHREAD_ONCE_INIT};

static void
s_registry_build (void)
{
    s_registry.rc = qf_commands_bind (qf_modules, &s_registry.table, &s_registry.count,
                                      s_registry.error, sizeof s_registry.error);
}

int
qf_commands_init (char *error, size_t size)
{
    pthread_once (&s_registry.once, s_registry_build);
    if (s_registry.rc)
        snprintf (error, size, "%s", s_registry.error);
    return s_registry.rc;
}

const qf_command_t *
qf_commands_find (const char *name)
{
    pthread_once (&s_registry.once, s_registry_build);
    /* A spec without its handler is a programming error, found at start. */
    assert (s_registry.rc == 0);
    size_t low = 0, high = s_registry.count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int order = strcmp (name, s_registry.table[mid].spec->name);
        if (order == 0)
            return &s_registry.table[mid];
        if (order < 0)
            high = mid;
        else
            low = mid + 1;
    }
    return NULL;
}

bool
qf_commands_writes (const qf_command_t *command)
{
    return command->spec->writes;
}

bool
qf_commands_needs_savepoint (const qf_command_t *command)
{
    return command->spec->savepoint;
}

void
qf_commands_print_reference (FILE *out)
{
    const qf_command_spec_t *tables[64];
    size_t n = 0;
    tables[n++] = qf_ops_specs;
    for (const qf_module_t *const *module = qf_modules; *module && n + 1 < 64; module++)
        if ((*module)->specs)
            tables[n++] = (*module)->specs;
    tables[n] = NULL;
    qf_command_spec_reference (out, tables);
}

/* Checks one text value's length (in bytes) against the spec. */
static int
s_check_text (qf_ctx_t *ctx, const qf_arg_spec_t *spec, const char *field, json_t *value)
{
    if (!json_is_string (value))
        return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be a string", field);
    size_t len = json_string_length (value);
    int64_t min = spec->min, max = spec->max ? spec->max : TEXT_MAX;
    if ((int64_t)len < min)
        return qf_ctx_error (ctx, QF_EINVAL, field, "%s must not be empty", field);
    if ((int64_t)len > max)
        return qf_ctx_error (ctx, QF_ETOOBIG, field,
                             "%s is %zu bytes long; at most %lld are allowed", field, len,
                             (long long)max);
    /* jansson accepts escaped NULs only with JSON_ALLOW_NUL, which we never set. */
    return 0;
}

static int
s_check_token (qf_ctx_t *ctx, const qf_arg_spec_t *spec, const char *field, json_t *value)
{
    if (json_is_string (value) && json_string_length (value) > (size_t)spec->max)
        return qf_ctx_error (ctx, QF_ETOOBIG, field,
                             "%s is %zu characters long; at most %lld are allowed", field,
                             json_string_length (value), (long long)spec->max);
    if (!json_is_string (value) || !qf_valid_token (json_string_value (value), (size_t)spec->max))
        return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be 1-%lld characters of [a-z0-9._-]",
                             field, (long long)spec->max);
    return 0;
}

/* Refuses a value the configuration does not list (spec->in), naming
   what is allowed. */
static int
s_check_configured (qf_ctx_t *ctx, const qf_arg_spec_t *spec, const char *field, json_t *value)
{
    const char *text = json_string_value (value), *name;
    for (size_t i = 0; (name = spec->in->name (ctx->config, i)); i++)
        if (strcmp (name, text) == 0)
            return 0;
    char allowed[320] = "";
    size_t used = 0;
    for (size_t i = 0; (name = spec->in->name (ctx->config, i)); i++) {
        /* Whole names only, with room left for ", ...". */
        if (used + strlen (name) + 2 + 6 >= sizeof allowed) {
            snprintf (allowed + used, sizeof allowed - used, ", ...");
            break;
        }
        used +=
            (size_t)snprintf (allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "", name);
    }
    return qf_ctx_error (ctx, QF_EINVAL, field,
                         "%s \"%.*s\" is not a configured %s; use one of: %s (%s in the "
                         "configuration)",
                         field, s_utf8_cut (text, 64), text, spec->in->what,
                         used ? allowed : "none configured", spec->in->key);
}

static int
s_check_arg (qf_ctx_t *ctx, const qf_arg_spec_t *spec, json_t *value)
{
    /* "args.NAME", built without snprintf: this runs for every argument of
       every command, and the name is only ever shown on an error. */
    char field[80] = "args.";
    size_t n = strlen (spec->name);
    assert (n + 6 <= sizeof field);
    memcpy (field + 5, spec->name, n + 1);
    switch (spec->type) {
    case A_TEXT:
    case A_TOKEN: {
        int rc = spec->type == A_TEXT ? s_check_text (ctx, spec, field, value)
                                      : s_check_token (ctx, spec, field, value);
        if (rc == 0 && spec->in)
            rc = s_check_configured (ctx, spec, field, value);
        return rc;
    }
    case A_INT:
        if (!json_is_integer (value))
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be an integer", field);
        if (json_integer_value (value) < spec->min || json_integer_value (value) > spec->max)
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be from %lld to %lld, got %lld",
                                 field, (long long)spec->min, (long long)spec->max,
                                 (long long)json_integer_value (value));
        return 0;
    case A_NUMBER:
        if (!json_is_number (value) || json_number_value (value) < 0 ||
            !isfinite (json_number_value (value)) || json_number_value (value) > 1e15)
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be a number from 0 to 1e15",
                                 field);
        return 0;
    case A_DATE: {
        int32_t day;
        if (!json_is_string (value) || qf_date_parse (json_string_value (value), &day))
            return qf_ctx_error (ctx, QF_EINVAL, field,
                                 "%s must be a real calendar date YYYY-MM-DD (1900-9999)", field);
        return 0;
    }
    case A_BOOL:
        if (!json_is_boolean (value))
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be true or false", field);
        return 0;
    case A_ENUM:
        if (!json_is_string (value) || !qf_word_in (json_string_value (value), spec->values))
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be one of: %s", field,
                                 spec->values);
        return 0;
    case A_TEXT_LIST: {
        if (!json_is_array (value))
            return qf_ctx_error (ctx, QF_EINVAL, field, "%s must be a list of strings", field);
        if ((int64_t)json_array_size (value) > spec->max)
            return qf_ctx_error (ctx, QF_ETOOBIG, field, "%s has more than %lld items", field,
                                 (long long)spec->max);
        qf_arg_spec_t item = {spec->name, A_TEXT, true, 1, TEXT_MAX, NULL};
        size_t i;
        json_t *element;
        json_array_foreach (value, i, element)
        {
            int rc = s_check_text (ctx, &item, field, element);
            if (rc)
                return rc;
        }
        return 0;
    }
    }
    return QF_EINVAL;
}

/*  Checks a command's arguments (an object) against its table entry: no
    unknown key, each value of its type and range (null stands for an
    absent optional argument), every required one present. */
static int
s_check_args (qf_ctx_t *ctx, const qf_command_spec_t *command, json_t *args)
{
    const char *key;
    json_t *value;
    size_t required_seen = 0, required = 0;
    json_object_foreach (args, key, value)
    {
        const qf_arg_spec_t *spec = command->args;
        while (spec->name && strcmp (spec->name, key) != 0)
            spec++;
        if (!spec->name)
            return qf_ctx_error (ctx, QF_EINVAL, "args", "%s takes no argument \"%.40s\"",
                                 command->name, key);
        required_seen += spec->required;
        if (json_is_null (value) && !spec->required)
            continue;
        int rc = s_check_arg (ctx, spec, value);
        if (rc)
            return rc;
    }
    /* A key is in an object once: as many required ones seen as the table
       has, none is missing, and none is looked up again. */
    for (const qf_arg_spec_t *spec = command->args; spec->name; spec++)
        required += spec->required;
    if (required_seen == required)
        return 0;
    for (const qf_arg_spec_t *spec = command->args; spec->name; spec++)
        if (spec->required && !json_object_get (args, spec->name))
            return qf_ctx_error (ctx, QF_EINVAL, spec->name, "%s needs the argument args.%s",
                                 command->name, spec->name);
    return 0;
}

int
qf_commands_envelope (qf_ctx_t *ctx, json_t *body, const char **role_p, const char **user_p,
                      json_t **args_p, const char **key_p)
{
    const char *key;
    json_t *value;
    json_object_foreach (body, key, value)
    {
        if (strcmp (key, "role") != 0 && strcmp (key, "user") != 0 && strcmp (key, "args") != 0 &&
            strcmp (key, "idempotency_key") != 0)
            return qf_ctx_error (ctx, QF_EINVAL, key,
                                 "unknown key \"%.40s\" in the request body; allowed: role, user, "
                                 "args, idempotency_key",
                                 key);
    }
    json_t *idem = json_object_get (body, "idempotency_key");
    if (json_is_string (idem) && json_string_length (idem) > QF_ID_MAX)
        return qf_ctx_error (ctx, QF_ETOOBIG, "idempotency_key",
                             "idempotency_key is %zu bytes long; at most %d are allowed",
                             json_string_length (idem), QF_ID_MAX);
    if (idem &&
        (!json_is_string (idem) || !qf_valid_printable (json_string_value (idem), QF_ID_MAX)))
        return qf_ctx_error (ctx, QF_EINVAL, "idempotency_key",
                             "idempotency_key must be 1-64 printable ASCII characters");
    *key_p = idem ? json_string_value (idem) : NULL;
    json_t *role = json_object_get (body, "role");
    if (!json_is_string (role) || !qf_role_known (json_string_value (role))) {
        /* The daemon never picks a role for a client: a request says who
           it acts as, and admin is no default for business commands. */
        char roles[256];
        qf_role_list (roles, sizeof roles, ", ");
        if (!role)
            return qf_ctx_error (ctx, QF_EINVAL, "role",
                                 "the request has no role; set role to one of: %s", roles);
        if (json_is_string (role))
            return qf_ctx_error (ctx, QF_EINVAL, "role", "role \"%.*s\" is unknown; use one of: %s",
                                 s_utf8_cut (json_string_value (role), 64),
                                 json_string_value (role), roles);
        return qf_ctx_error (ctx, QF_EINVAL, "role", "role must be a string, one of: %s", roles);
    }
    json_t *user = json_object_get (body, "user");
    if (user && !json_is_string (user))
        return qf_ctx_error (ctx, QF_EINVAL, "user", "user must be a string of at most 64 bytes");
    if (user && json_string_length (user) > QF_ID_MAX)
        return qf_ctx_error (ctx, QF_ETOOBIG, "user",
                             "user is %zu bytes long; at most %d are allowed",
                             json_string_length (user), QF_ID_MAX);
    json_t *args = json_object_get (body, "args");
    if (args && !json_is_object (args))
        return qf_ctx_error (ctx, QF_EINVAL, "args", "args must be a JSON object");
    *role_p = json_string_value (role);
    *user_p = user ? json_string_value (user) : "";
    *args_p = args;
    return 0;
}

/* The modules' own checks of a request its role may run (qf_module_t.
   authorize); a worker's result runs in its group's role and is not a
   person's request. Without a store (a check of arguments alone) there is
   nothing to look in. */
static int
s_modules_authorize (qf_ctx_t *ctx, const qf_command_spec_t *spec)
{
    if (ctx->from_worker || !ctx->store || !ctx->config)
        return 0;
    for (const qf_module_t *const *module = qf_modules; *module; module++) {
        int rc = (*module)->authorize ? (*module)->authorize (ctx, spec) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

int
qf_commands_authorize (qf_ctx_t *ctx, const qf_command_t *command)
{
    const qf_command_spec_t *spec = command->spec;
    if (strcmp (spec->roles, "*") == 0 || qf_word_in (ctx->role, spec->roles))
        return s_modules_authorize (ctx, spec);
    if (strcmp (ctx->role, QF_ROLE_OPERATIONS) == 0)
        return qf_ctx_error (ctx, QF_EFORBIDDEN, "role",
                             "role %s may not run %s: %s runs operations, not business "
                             "decisions; allowed roles: %s",
                             ctx->role, spec->name, ctx->role, spec->roles);
    return qf_ctx_error (ctx, QF_EFORBIDDEN, "role", "role %s may not run %s; allowed roles: %s",
                         ctx->role, spec->name, spec->roles);
}

/* Checks `own` (the command's own arguments, an object; a reference is
   taken by the caller and released here) and runs the handler on it. */
static int
s_run (qf_ctx_t *ctx, const qf_command_t *command, json_t *own, json_t **result_p)
{
    ctx->error[0] = ctx->field[0] = 0;
    if (!own)
        return qf_ctx_error (ctx, QF_ENOMEM, NULL, "out of memory");
    int rc = s_check_args (ctx, command->spec, own);
    if (rc == 0) {
        /* Optional arguments given as null are treated as absent. Every key
           is one of the spec's now (s_check_args): a walk over the few
           given, not a lookup of each the spec names. */
        const char *key;
        json_t *value;
        void *next;
        json_object_foreach_safe (own, next, key, value)
        {
            if (json_is_null (value))
                json_object_del (own, key);
        }
        rc = command->handler (ctx, own, result_p);
    }
    json_decref (own);
    return rc;
}

int
qf_commands_run (qf_ctx_t *ctx, const qf_command_t *command, json_t *args, json_t **result_p)
{
    /* Validate a private (shallow) copy so handlers may fill defaults in. */
    return s_run (ctx, command, args ? json_copy (args) : json_object (), result_p);
}

int
qf_commands_run_own (qf_ctx_t *ctx, const qf_command_t *command, json_t *args,
                     json_t **result_p)
{
    return s_run (ctx, command, args ? json_incref (args) : json_object (), result_p);
}

int
qf_commands_execute (qf_ctx_t *ctx, const char *name, json_t *args, json_t **result_p)
{
    ctx->error[0] = ctx->field[0] = 0;
    const qf_command_t *command = qf_commands_find (name);
    if (!command)
        return qf_ctx_error (ctx, QF_EINVAL, "command",
                             "unknown command \"%s\"; see PROTOCOL.md 5.1", name);
    int rc = qf_commands_authorize (ctx, command);
    return rc ? rc : qf_commands_run (ctx, command, args, result_p);
}

int
qf_commands_check (qf_ctx_t *ctx, const qf_command_t *command, json_t *args)
{
    ctx->error[0] = ctx->field[0] = 0;
    if (!json_is_object (args))
        return qf_ctx_error (ctx, QF_EINVAL, "args", "args must be a JSON object");
    return s_check_args (ctx, command->spec, args);
}
