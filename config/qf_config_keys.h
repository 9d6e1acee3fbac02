/*  qf_config_keys — the shape of the configuration's key tables, shared by
    the loader (qf_config.c) and the tables themselves (qf_config_keys.c).

    A key is one row: its name, its type, where its value is stored, its
    default, its range or rule, whether SIGHUP may change it, and one line
    of documentation.  Rows are written one per line with the QF_<TYPE>
    macros below, Redis-style; a section (daemon:, groups:, ...) is one
    table of rows, and the configuration is the list of sections,
    qf_config_sections.  The loader reads, checks, defaults, frees,
    compares and documents every key from its row alone, so a new section
    is a new table and one line in that list, and no loader code.

    A business module declares its configuration the same way, in its own
    folder: NAME_config.c defines `const qf_config_part_t
    qf_NAME_config_part`, its sections (a mapping may share its name with
    an engine one: the modules' §-keys sit under policy: beside the
    engine's) and the size of its settings struct, whose fields its rows
    point at. The build lists the parts (qf_config_parts[], generated from
    the module folders); the loader gives each part its own struct in
    qf_config_t.parts and never looks inside it.

    Only config/ and the modules' NAME_config.c include this header.
*/
#ifndef QF_CONFIG_KEYS_H
#define QF_CONFIG_KEYS_H

#include "qf_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a key holds and how its value is stored at `offset`. */
typedef enum {
    QF_CT_STRING,      /* char *: non-empty UTF-8 text, at most `max` bytes */
    QF_CT_ENDPOINT,    /* char *: "ipc://", "tcp://" or "inproc://" and an address */
    QF_CT_TIMEZONE,    /* char *, and int minutes east of UTC at aux_offset */
    QF_CT_TOKEN,       /* char *: [a-z0-9._-], 1 to QF_NAME_MAX bytes; one of names when
                          given; NULL when absent and without def_text */
    QF_CT_TOPIC,       /* char *: a topic, a topic prefix ending in '*', or "*" */
    QF_CT_REGEX,       /* char * pattern, and regex_t at aux_offset (compiled iff pattern) */
    QF_CT_INT,         /* int, from min to max */
    QF_CT_INT64,       /* int64_t, from min to max */
    QF_CT_BOOL,        /* bool: true or false */
    QF_CT_DOUBLE,      /* double, from min to max */
    QF_CT_ENUM,        /* int: index into names */
    QF_CT_TIME,        /* int: "HH:MM" as minutes after midnight, 0 to 1439 */
    QF_CT_INT_LIST,    /* int[QF_CONFIG_LIST_MAX], size_t count at aux_offset */
    QF_CT_TOKEN_LIST,  /* char *[QF_CONFIG_LIST_MAX], size_t count at aux_offset */
    QF_CT_STRING_LIST, /* char ** (allocated), size_t count at aux_offset */
    QF_CT_TOPIC_LIST,  /* char ** (allocated), size_t count at aux_offset */
    QF_CT_DATE_MAP     /* int32_t * day numbers (allocated, ascending), size_t count at
                          aux_offset; written as a mapping from a year (min to max) to a
                          list of at most max_items dates in that year */
} qf_ctype_t;

/* One configuration key: a row of a section's table. */
typedef struct {
    const char *key;              /* "daemon.batch_max"; in an entry table just "name" */
    qf_ctype_t type;              /* what it holds */
    int64_t min, max;             /* numbers (and list items): range; text: max bytes */
    size_t min_items, max_items;  /* lists: how many items; date maps: dates per year */
    size_t max_years;             /* date maps: most years */
    const char *disjoint;         /* date maps: another date map none of its dates may be in */
    bool weekend_only;            /* date maps: every date a Saturday or a Sunday */
    int order;                    /* int lists: +1 strictly increasing, -1 decreasing */
    bool unique;                  /* lists: no item twice */
    const char *const *names;     /* enums, tokens: allowed names, NULL-terminated */
    const char *at_least;         /* numbers: another key this one may not be below */
    bool required;                /* entry keys: no default, must be given */
    const char *def_ref;          /* entry keys: default copied from a sibling key, else
                                     from this main key */
    int64_t def_int;              /* default of int, int64, bool, enum (an index) */
    double def_real;              /* default of double */
    const char *def_text;         /* default of text types */
    const int *def_ints;          /* default of int lists */
    const char *const *def_texts; /* default of token lists */
    size_t def_count;             /* items in def_ints or def_texts */
    bool reloadable;              /* may change on SIGHUP (main keys) */
    size_t offset;                /* where the value lives in its struct */
    size_t aux_offset;            /* list count, timezone minutes or compiled regex */
    size_t years_offset;          /* date maps: the qf_years_t of the years listed; 0: none */
    const char *help;             /* one line for the reference */
    /* Strings (and string list items): a rule beyond the type, NULL when
       none: NULL when `text` keeps it, else what is wrong with it, a
       phrase that follows "which" ("is not an http:// or https:// URL"). */
    const char *(*check) (const char *text);
} qf_key_t;

/* A top-level section: a mapping of keys stored in qf_config_t (daemon:),
   or a list of mappings, each an entry struct (groups:). */
typedef struct {
    const char *name;     /* top-level key; NULL ends qf_config_sections */
    const qf_key_t *keys; /* mapping: its keys, named "SECTION.KEY"; list: the keys of
                             one entry, keys[0] being "name", unique in the section */
    size_t key_count;
    bool list;           /* a list of mappings */
    size_t item_size;    /* list: sizeof one entry struct */
    size_t array_offset; /* list: entry array pointer in qf_config_t */
    size_t count_offset; /* list: entry count (size_t) in qf_config_t */
    bool reloadable;     /* list: may change on SIGHUP (a mapping's keys say it each) */
    const char *help;    /* list: one line for the reference */
    /* list: a rule over one entry's keys together (a key whose rule
       depends on another), checked once the entry is read and defaulted;
       NULL when none. Returns NULL when the entry keeps it, else what is
       wrong and what to do (one sentence, in buf or static), with *key_p
       set to the key at fault (its line is the one named). */
    const char *(*entry_check) (const void *entry, const char **key_p, char *buf, size_t size);
} qf_section_t;

/* A module's configuration part. Its sections' offsets (mapping keys and
   list arrays) are offsets into its settings struct of `size` bytes,
   which the loader allocates zeroed, fills and frees. */
struct qf_config_part_t {
    const char *module;           /* the module's name: "renewal" */
    const qf_section_t *sections; /* ended by a row whose name is NULL */
    size_t size;                  /* sizeof its settings struct */
};

/* Every configuration part linked into this program, NULL-terminated
   (generated by the build from the module folders). */
extern const qf_config_part_t *const qf_config_parts[];

/*  Every section in the order the reference lists them and messages name
    them: the mappings first (the lists' defaults may refer to their keys),
    then the lists; ended by a row whose name is NULL. */
extern const qf_section_t qf_config_sections[];

/* --------------------------------------------------------------------- */
/*  Writing rows                                                         */

#define QF_COUNT(array) (sizeof (array) / sizeof (array)[0])
/* Where a value is stored: a field of the configuration or of an entry. */
#define CFG(field) offsetof (qf_config_t, field)
#define GRP(field) offsetof (qf_group_config_t, field)
/* Whether SIGHUP may change a key. */
#define QF_RELOAD  true
#define QF_RESTART false

/*  One macro per type; the trailing arguments are further fields of the
    row (.required, .def_ref, .at_least, .unique, .disjoint, ...). A text
    default of NULL means none (only a name may have none) and, with
    .required = true or .def_ref, is what entry keys use. */
#define QF_STRING(KEY, AT, DEF, MAX_BYTES, RELOAD, HELP, ...)                                      \
    {                                                                                              \
        .key = KEY, .type = QF_CT_STRING, .offset = AT, .def_text = DEF, .max = MAX_BYTES,         \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_ENDPOINT(KEY, AT, DEF, MAX_BYTES, RELOAD, HELP, ...)                                    \
    {                                                                                              \
        .key = KEY, .type = QF_CT_ENDPOINT, .offset = AT, .def_text = DEF, .max = MAX_BYTES,       \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_TIMEZONE(KEY, AT, MINUTES_AT, DEF, MAX_BYTES, RELOAD, HELP, ...)                        \
    {                                                                                              \
        .key = KEY, .type = QF_CT_TIMEZONE, .offset = AT, .aux_offset = MINUTES_AT,                \
        .def_text = DEF, .max = MAX_BYTES, .reloadable = RELOAD, .help = HELP, __VA_ARGS__         \
    }
#define QF_TOKEN(KEY, AT, DEF, NAMES, RELOAD, HELP, ...)                                           \
    {                                                                                              \
        .key = KEY, .type = QF_CT_TOKEN, .offset = AT, .def_text = DEF, .names = NAMES,            \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_REGEX(KEY, AT, REGEX_AT, MAX_BYTES, RELOAD, HELP, ...)                                  \
    {                                                                                              \
        .key = KEY, .type = QF_CT_REGEX, .offset = AT, .aux_offset = REGEX_AT, .max = MAX_BYTES,   \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_INT(KEY, AT, DEF, MIN, MAX, RELOAD, HELP, ...)                                          \
    {                                                                                              \
        .key = KEY, .type = QF_CT_INT, .offset = AT, .def_int = DEF, .min = MIN, .max = MAX,       \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_INT64(KEY, AT, DEF, MIN, MAX, RELOAD, HELP, ...)                                        \
    {                                                                                              \
        .key = KEY, .type = QF_CT_INT64, .offset = AT, .def_int = DEF, .min = MIN, .max = MAX,     \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_BOOL(KEY, AT, DEF, RELOAD, HELP, ...)                                                   \
    {                                                                                              \
        .key = KEY, .type = QF_CT_BOOL, .offset = AT, .def_int = DEF, .reloadable = RELOAD,        \
        .help = HELP, __VA_ARGS__                                                                  \
    }
#define QF_DOUBLE(KEY, AT, DEF, MIN, MAX, RELOAD, HELP, ...)                                       \
    {                                                                                              \
        .key = KEY, .type = QF_CT_DOUBLE, .offset = AT, .def_real = DEF, .min = MIN, .max = MAX,   \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_ENUM(KEY, AT, DEF, NAMES, RELOAD, HELP, ...)                                            \
    {                                                                                              \
        .key = KEY, .type = QF_CT_ENUM, .offset = AT, .def_int = DEF, .names = NAMES,              \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_TIME(KEY, AT, DEF_MINUTES, RELOAD, HELP, ...)                                           \
    {                                                                                              \
        .key = KEY, .type = QF_CT_TIME, .offset = AT, .def_int = DEF_MINUTES,                      \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
/* Lists: COUNT_AT is where the number of items is stored; DEFS an array. */
#define QF_INT_LIST(KEY, AT, COUNT_AT, DEFS, MIN, MAX, MIN_ITEMS, MAX_ITEMS, RELOAD, HELP, ...)    \
    {                                                                                              \
        .key = KEY, .type = QF_CT_INT_LIST, .offset = AT, .aux_offset = COUNT_AT,                  \
        .def_ints = DEFS, .def_count = QF_COUNT (DEFS), .min = MIN, .max = MAX,                    \
        .min_items = MIN_ITEMS, .max_items = MAX_ITEMS, .reloadable = RELOAD, .help = HELP,        \
        __VA_ARGS__                                                                                \
    }
#define QF_TOKEN_LIST(KEY, AT, COUNT_AT, DEFS, DEF_COUNT, MIN_ITEMS, MAX_ITEMS, RELOAD, HELP, ...) \
    {                                                                                              \
        .key = KEY, .type = QF_CT_TOKEN_LIST, .offset = AT, .aux_offset = COUNT_AT,                \
        .def_texts = DEFS, .def_count = DEF_COUNT, .min_items = MIN_ITEMS, .max_items = MAX_ITEMS, \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }
#define QF_STRING_LIST(KEY, AT, COUNT_AT, MAX_BYTES, MIN_ITEMS, MAX_ITEMS, RELOAD, HELP, ...)      \
    {                                                                                              \
        .key = KEY, .type = QF_CT_STRING_LIST, .offset = AT, .aux_offset = COUNT_AT,               \
        .max = MAX_BYTES, .min_items = MIN_ITEMS, .max_items = MAX_ITEMS, .reloadable = RELOAD,    \
        .help = HELP, __VA_ARGS__                                                                  \
    }
#define QF_TOPIC_LIST(KEY, AT, COUNT_AT, MIN_ITEMS, MAX_ITEMS, RELOAD, HELP, ...)                  \
    {                                                                                              \
        .key = KEY, .type = QF_CT_TOPIC_LIST, .offset = AT, .aux_offset = COUNT_AT,                \
        .min_items = MIN_ITEMS, .max_items = MAX_ITEMS, .reloadable = RELOAD, .help = HELP,        \
        __VA_ARGS__                                                                                \
    }
/* Date maps: YEARS_AT is the qf_years_t of the years listed. */
#define QF_DATE_MAP(KEY, AT, COUNT_AT, YEARS_AT, MIN_YEAR, MAX_YEAR, MAX_YEARS, MAX_DATES, RELOAD, \
                    HELP, ...)                                                                     \
    {                                                                                              \
        .key = KEY, .type = QF_CT_DATE_MAP, .offset = AT, .aux_offset = COUNT_AT,                  \
        .years_offset = YEARS_AT, .min = MIN_YEAR, .max = MAX_YEAR, .max_years = MAX_YEARS,        \
        .max_items = MAX_DATES, .reloadable = RELOAD, .help = HELP, __VA_ARGS__                    \
    }

/* Sections: a mapping of main keys, or a list of TYPE entries. */
#define QF_MAPPING(NAME, KEYS)                                                                     \
    {                                                                                              \
        .name = NAME, .keys = KEYS, .key_count = QF_COUNT (KEYS)                                   \
    }
#define QF_LIST(NAME, KEYS, TYPE, ARRAY_AT, COUNT_AT, RELOAD, HELP, ...)                           \
    {                                                                                              \
        .name = NAME, .keys = KEYS, .key_count = QF_COUNT (KEYS), .list = true,                    \
        .item_size = sizeof (TYPE), .array_offset = ARRAY_AT, .count_offset = COUNT_AT,            \
        .reloadable = RELOAD, .help = HELP, __VA_ARGS__                                            \
    }

#endif
