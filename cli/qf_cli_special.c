/*  qf_cli_special — what some commands do beyond the mapping from options
    to arguments (qf_cli_map.c): their own printing (ping, status, dlq
    show), paging (qual list, dlq list), options of the CLI's own (events
    --follow, groups seek --to, qual list --expiring Nd) and checks (candidate
    track); and the CLI's own commands, keygen and call. Every other
    command, a new module's included, is run by the mapping alone.
*/
#include "qf.h"
#include "qf_cli.h"
#include "qf_security.h"
#include "qf_text.h"

#include <czmq.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Local: writes a certificate pair; no daemon involved. */
static int
s_cmd_keygen (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)cli, (void)nargs;
    const char *dir = qf_cli_opt (cmd, opts, "--dir") ? qf_cli_opt (cmd, opts, "--dir") : ".";
    char error[1024];
    if (qf_security_keygen (dir, args[0], qf_cli_opt (cmd, opts, "--roles"),
                            qf_cli_opt (cmd, opts, "--groups"), error, sizeof error)) {
        fprintf (stderr, "qualflow: %s\n", error);
        return QF_CLI_ERROR;
    }
    printf ("%s/%s.key         public: give it to the daemon's security.clients_dir (or, for "
            "the server, to clients as security.server_public)\n"
            "%s/%s.key_secret  secret (mode 0600): keep it with its owner\n",
            dir, args[0], dir, args[0]);
    return QF_CLI_OK;
}

static int
s_cmd_ping (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)cmd, (void)opts, (void)args, (void)nargs;
    json_t *result;
    int64_t start = qf_time_mono_ms ();
    if (qf_cli_call (cli, "ping", NULL, false, &result))
        return QF_CLI_ERROR;
    if (cli->json)
        qf_cli_print_json (result);
    else {
        json_object_set_new (result, "round_trip_ms", json_integer (qf_time_mono_ms () - start));
        json_object_set_new (result, "endpoint", json_string (cli->command_endpoint));
        qf_cli_print_record (result, 0, NULL);
    }
    json_decref (result);
    return QF_CLI_OK;
}

static int
s_cmd_status (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)cmd, (void)opts, (void)args, (void)nargs;
    json_t *result;
    if (qf_cli_call (cli, "status", NULL, false, &result))
        return QF_CLI_ERROR;
    if (cli->json) {
        qf_cli_print_json (result);
        json_decref (result);
        return QF_CLI_OK;
    }
    static const char *const skip[] = {"groups", "workers", NULL};
    qf_cli_print_record (result, 0, skip);

    printf ("\ngroups:\n");
    qf_cli_print_table (cli, json_object_get (result, "groups"),
                        "GROUP:name TOPICS:topics POSITION:position IN_FLIGHT:in_flight "
                        "MEMBERS:members");
    printf ("\nworkers:\n");
    qf_cli_print_table (cli, json_object_get (result, "workers"),
                        "GROUP:group INSTANCE:instance IN_FLIGHT:in_flight IDLE_MS:idle_ms");
    json_decref (result);
    return QF_CLI_OK;
}

static int
s_cmd_candidate_track (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                       int nargs)
{
    const char *via = qf_cli_opt (cmd, opts, "--via");
    if (via && streq (via, "agency") && !qf_cli_opt (cmd, opts, "--agency"))
        return qf_cli_usage_error (cmd, "--via agency needs --agency NAME");
    return qf_cli_run_mapped (cli, cmd, opts, args, nargs);
}

/* Prints one page of a list: with --json one document whose `next` is
   `next` when the page is full (a full page may have more after it);
   else the table, and on stderr the command for the next page: `before`,
   the cursor, `after`. */
static void
s_print_page (qf_cli_t *cli, const qf_cli_command_t *cmd, json_t *call_args, json_t *items,
              json_t *next, const char *before, const char *after)
{
    json_t *limit = json_object_get (call_args, "limit");
    bool full = json_is_integer (next) &&
                (json_int_t)json_array_size (items) == (limit ? json_integer_value (limit) : 100);
    if (cli->json) {
        qf_cli_print_list_json (items, full ? json_integer_value (next) : 0);
        return;
    }
    qf_cli_print_table (cli, items, cmd->spec->columns);
    if (full)
        fprintf (stderr, "(more: %s%" JSON_INTEGER_FORMAT "%s)\n", before,
                 json_integer_value (next), after);
}

/* qual list: --expiring takes days as "30d"; --sellable stands alone. */
static int
s_cmd_qual_list (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                 int nargs)
{
    const char *state = qf_cli_opt (cmd, opts, "--state");
    const char *expiring = qf_cli_opt (cmd, opts, "--expiring");
    const char *given[QF_CLI_OPTS_MAX] = {0};
    memcpy (given, opts, sizeof given);
    char days[16] = "";
    if (expiring) {
        size_t len = strlen (expiring);
        if (len >= 2 && len < sizeof days && expiring[len - 1] == 'd')
            memcpy (days, expiring, len - 1);
        uint64_t n;
        if (qf_cli_parse_uint (days, 0, 3650, &n))
            return qf_cli_usage_error (cmd,
                                       "--expiring takes a number of days such as 30d "
                                       "(0d to 3650d), got \"%s\"",
                                       expiring);
        given[qf_cli_opt_index (cmd, "--expiring")] = days;
    }
    if (qf_cli_opt (cmd, opts, "--sellable") && (state || expiring))
        return qf_cli_usage_error (cmd, "--sellable cannot be combined with %s",
                                   state ? "--state" : "--expiring");
    json_t *call_args, *result;
    int rc = qf_cli_request (cli, cmd, given, args, nargs, &call_args, &result);
    if (rc)
        return rc;
    char after[80] = "";
    if (state)
        snprintf (after, sizeof after, " --state %s", state);
    s_print_page (cli, cmd, call_args, json_object_get (result, "items"),
                  json_object_get (result, "next_after_id"), "qualflow qual list --after ", after);
    json_decref (call_args);
    json_decref (result);
    return QF_CLI_OK;
}

/* A list paged by id (`after_id`, answered with `next_after_id`): one
   page, and the command for the next. */
static int
s_cmd_paged_list (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                  int nargs)
{
    json_t *call_args, *result;
    int rc = qf_cli_request (cli, cmd, opts, args, nargs, &call_args, &result);
    if (rc)
        return rc;
    char before[96];
    snprintf (before, sizeof before, "qualflow %s%s%s --after ", cmd->group ? cmd->group : "",
              cmd->group ? " " : "", cmd->name);
    s_print_page (cli, cmd, call_args, json_object_get (result, "items"),
                  json_object_get (result, "next_after_id"), before, "");
    json_decref (call_args);
    json_decref (result);
    return QF_CLI_OK;
}

static int
s_cmd_events (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)args, (void)nargs;
    const char *after_text = qf_cli_opt (cmd, opts, "--after"),
               *limit_text = qf_cli_opt (cmd, opts, "--limit");
    const char *topic = qf_cli_opt (cmd, opts, "--topic"),
               *follow = qf_cli_opt (cmd, opts, "--follow");
    uint64_t after = 0, limit = follow ? 10 : 100;
    if (after_text && qf_cli_parse_uint (after_text, 0, INT64_MAX, &after))
        return qf_cli_usage_error (
            cmd, "--after must be a sequence number (an integer >= 0), got \"%s\"", after_text);
    if (limit_text && qf_cli_parse_uint (limit_text, 1, INT64_MAX, &limit))
        return qf_cli_usage_error (cmd, "--limit must be a positive integer, got \"%s\"",
                                   limit_text);
    if (topic && !qf_valid_token (topic, QF_TOPIC_MAX))
        return qf_cli_usage_error (
            cmd, "--topic must be 1-128 characters of [a-z0-9._-], got \"%s\"", topic);
    return qf_cli_events (cli, after_text != NULL, after, (int64_t)limit, topic, follow != NULL);
}

/* Reads two decimal digits at `text` as a number from 0 to max. Returns
   whether it could; reads nothing past a NUL. */
static bool
s_two_digits (const char *text, int max, int *value_p)
{
    if (!isdigit ((unsigned char)text[0]) || !isdigit ((unsigned char)text[1]))
        return false;
    *value_p = (text[0] - '0') * 10 + (text[1] - '0');
    return *value_p <= max;
}

/* Parses a date "YYYY-MM-DD" (midnight UTC) or an RFC 3339 time
   "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" into milliseconds
   since the epoch; fraction digits past the millisecond are dropped.
   Returns 0, or -1 when the text is neither or names an instant before
   1970 (the protocol's times are not negative). */
static int
s_parse_instant (const char *text, int64_t *ms_p)
{
    char date[11];
    int32_t day;
    if (strlen (text) < 10)
        return -1;
    memcpy (date, text, 10);
    date[10] = 0;
    if (qf_date_parse (date, &day) != 0)
        return -1;
    int64_t ms = (int64_t)day * 86400000;
    const char *p = text + 10;
    if (*p) {
        int hour, minute, second;
        if ((*p != 'T' && *p != 't') || !s_two_digits (p + 1, 23, &hour) || p[3] != ':' ||
            !s_two_digits (p + 4, 59, &minute) || p[6] != ':' || !s_two_digits (p + 7, 59, &second))
            return -1;
        ms += ((int64_t)hour * 3600 + minute * 60 + second) * 1000;
        p += 9;
        if (*p == '.') {
            p++;
            if (!isdigit ((unsigned char)*p))
                return -1;
            for (int scale = 100; isdigit ((unsigned char)*p); p++, scale /= 10)
                ms += (*p - '0') * scale;
        }
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-') {
            int offset_hours, offset_minutes;
            if (!s_two_digits (p + 1, 23, &offset_hours) || p[3] != ':' ||
                !s_two_digits (p + 4, 59, &offset_minutes))
                return -1;
            int64_t offset = ((int64_t)offset_hours * 60 + offset_minutes) * 60000;
            ms += *p == '+' ? -offset : offset;
            p += 6;
        } else
            return -1;
        if (*p)
            return -1;
    }
    if (ms < 0)
        return -1;
    *ms_p = ms;
    return 0;
}

static int
s_cmd_groups_seek (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                   int nargs)
{
    const char *to = qf_cli_opt (cmd, opts, "--to");
    json_t *call_args = NULL;
    int rc = qf_cli_build_args (cmd, opts, args, nargs, &call_args);
    if (rc)
        return rc;
    json_decref (call_args);
    if (!to)
        return qf_cli_usage_error (cmd, "missing --to");
    if (*to && strspn (to, "0123456789") == strlen (to)) {
        uint64_t seq;
        if (qf_cli_parse_uint (to, 1, INT64_MAX, &seq))
            return qf_cli_usage_error (cmd,
                                       "--to: a sequence number must be a positive integer, "
                                       "got \"%s\"",
                                       to);
        call_args = json_pack ("{s:s, s:I}", "group", args[0], "seq", (json_int_t)seq);
    } else {
        int64_t ms;
        if (s_parse_instant (to, &ms))
            return qf_cli_usage_error (cmd,
                                       "--to must be a sequence number, an RFC 3339 time such as "
                                       "2026-11-26T23:21:40Z or 2026-11-26T23:21:40.553Z, or a "
                                       "date YYYY-MM-DD (from 1970 on), got \"%s\"",
                                       to);
        call_args = json_pack ("{s:s, s:I}", "group", args[0], "time", (json_int_t)ms);
    }
    json_t *result;
    if (qf_cli_call (cli, cmd->spec->name, call_args, false, &result))
        return QF_CLI_ERROR;
    qf_cli_print_result (cli, cmd->spec, result);
    json_decref (result);
    return QF_CLI_OK;
}

/* dlq list: paged by the seq of the last dead letter shown. */
static int
s_cmd_dlq_list (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                int nargs)
{
    json_t *call_args, *result;
    int rc = qf_cli_request (cli, cmd, opts, args, nargs, &call_args, &result);
    if (rc)
        return rc;
    json_t *items = json_object_get (result, "items");
    char before[96];
    snprintf (before, sizeof before, "qualflow dlq list %s --after ", args[0]);
    s_print_page (cli, cmd, call_args, items,
                  json_object_get (json_array_get (items, json_array_size (items) - 1), "seq"),
                  before, "");
    json_decref (call_args);
    json_decref (result);
    return QF_CLI_OK;
}

static int
s_cmd_dlq_show (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args,
                int nargs)
{
    json_t *result;
    int rc = qf_cli_request (cli, cmd, opts, args, nargs, NULL, &result);
    if (rc)
        return rc;
    if (cli->json) {
        qf_cli_print_json (result);
        json_decref (result);
        return QF_CLI_OK;
    }
    printf ("group: %s\n", args[0]);
    static const char *const skip[] = {"event", NULL};
    qf_cli_print_record (result, 0, skip);
    json_t *event = json_object_get (result, "event");
    if (json_is_object (event)) {
        static const char *const event_skip[] = {"payload", NULL};
        printf ("\nevent:\n");
        qf_cli_print_record (event, 2, event_skip);
        printf ("  payload:\n");
        qf_cli_print_json_indented (json_object_get (event, "payload"), 4);
    }
    json_decref (result);
    return QF_CLI_OK;
}

static int
s_cmd_call (qf_cli_t *cli, const qf_cli_command_t *cmd, const char **opts, char **args, int nargs)
{
    (void)opts;
    const char *command = args[0];
    if (!qf_valid_token (command, QF_NAME_MAX))
        return qf_cli_usage_error (
            cmd, "COMMAND must be 1-64 characters of [a-z0-9._-], got \"%s\"", command);
    json_t *call_args = NULL;
    if (nargs > 1) {
        json_error_t error;
        call_args = json_loads (args[1], JSON_REJECT_DUPLICATES, &error);
        if (!call_args)
            return qf_cli_usage_error (cmd, "JSON-ARGS is not valid JSON: %s (at character %d)",
                                       error.text, error.position);
        if (!json_is_object (call_args)) {
            json_decref (call_args);
            return qf_cli_usage_error (cmd,
                                       "JSON-ARGS must be a JSON object, such as '{\"id\": 1}'");
        }
    }
    json_t *result;
    if (qf_cli_call (cli, command, call_args, false, &result))
        return QF_CLI_ERROR;
    if (cli->json)
        qf_cli_print_json (result);
    else
        qf_cli_print_record (result, 0, NULL);
    json_decref (result);
    return QF_CLI_OK;
}

const qf_cli_special_t qf_cli_specials[] = {
    {"ping", s_cmd_ping},
    {"status", s_cmd_status},
    {"events.list",
     s_cmd_events,
     {{"--follow", "-f", NULL, "keep printing new events as they are committed, until interrupted"},
      {NULL}}},
    {"groups.seek",
     s_cmd_groups_seek,
     {{"--to", NULL, "SEQ|TIME",
       "a sequence number, or a time: RFC 3339 (2026-11-26T23:21:40Z) or a date (2026-11-26, "
       "midnight UTC) (required)",
       true},
      {NULL}}},
    {"dlq.list", s_cmd_dlq_list},
    {"dlq.show", s_cmd_dlq_show},
    {"qual.list", s_cmd_qual_list},
    {"candidate.track", s_cmd_candidate_track},
    {"proposal.list", s_cmd_paged_list},
    {NULL,
     s_cmd_keygen,
     {{"--dir", NULL, "DIR", "where to write NAME.key and NAME.key_secret (default .)"},
      {"--roles", NULL, "\"R ...\"",
       "request roles the holder may claim, space-separated, or \"*\""},
      {"--groups", NULL, "\"G ...\"",
       "consumer groups the holder may join, space-separated, or \"*\""},
      {NULL}},
     "keygen",
     "make a CURVE certificate pair",
     "Write NAME.key (public) and NAME.key_secret (secret) for security.curve. The public file "
     "of a client or worker goes into the daemon's security.clients_dir; its metadata names "
     "the roles it may claim and the groups it may join. Make the daemon's own pair with "
     "'keygen server'. Never overwrites a file.",
     {"NAME"},
     1},
    {NULL,
     s_cmd_call,
     {{NULL}},
     "call",
     "send any command",
     "Send any command with the given arguments object and print its result, e.g. "
     "qualflow call review.report '{\"qualification_id\": 1, ...}'.",
     {"COMMAND", "JSON-ARGS"},
     1},
    {NULL},
};
