/*  qf_table — aligned text tables for the CLI's human-readable output. */
#include "qf_table.h"
#include "qf_error.h"
#include "qf_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A table being filled and printed. Owned by its creator. */
struct _qf_table_t {
    size_t columns;   /* number of columns */
    char **headers;   /* `columns` cleaned header strings */
    int *min_width;   /* per column: width fixed in advance, 0 = none */
    char ***rows;     /* pending rows, each `columns` cleaned strings */
    size_t row_count; /* rows in use */
    size_t row_cap;   /* rows allocated */
};

/* Terminal columns one code point takes: 2 for East Asian wide and
   full-width characters, 0 for combining marks, else 1. */
static int
s_char_width (uint32_t cp)
{
    static const uint32_t zero[][2] = {
        {0x0300, 0x036f}, {0x200b, 0x200f}, {0x20d0, 0x20ff}, {0xfe00, 0xfe0f}};
    static const uint32_t wide[][2] = {{0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff},
                                       {0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},
                                       {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe30, 0xfe4f},
                                       {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x1f300, 0x1f64f},
                                       {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd}};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (cp >= zero[i][0] && cp <= zero[i][1])
            return 0;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    return 1;
}

int
qf_table_text_width (const char *text)
{
    int width = 0;
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        uint32_t cp;
        size_t n = qf_text_utf8_decode (s, &cp);
        if (n == 0) {
            width++;
            s++;
            continue;
        }
        width += s_char_width (cp);
        s += n;
    }
    return width;
}

char *
qf_table_clean (const char *text)
{
    return qf_text_escaped (text ? text : "-", QF_TEXT_PLAIN);
}

qf_table_t *
qf_table_new (size_t columns, const char *const *headers)
{
    qf_table_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->columns = columns;
    self->headers = calloc (columns, sizeof *self->headers);
    self->min_width = calloc (columns, sizeof *self->min_width);
    if (!self->headers || !self->min_width)
        goto fail;
    for (size_t i = 0; i < columns; i++) {
        self->headers[i] = qf_table_clean (headers[i]);
        if (!self->headers[i])
            goto fail;
    }
    return self;
fail:
    qf_table_destroy (&self);
    return NULL;
}

/* Frees one row of `columns` cells. */
static void
s_row_free (char **row, size_t columns)
{
    if (!row)
        return;
    for (size_t i = 0; i < columns; i++)
        free (row[i]);
    free (row);
}

void
qf_table_destroy (qf_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    qf_table_t *self = *self_p;
    for (size_t r = 0; r < self->row_count; r++)
        s_row_free (self->rows[r], self->columns);
    free (self->rows);
    if (self->headers)
        for (size_t i = 0; i < self->columns; i++)
            free (self->headers[i]);
    free (self->headers);
    free (self->min_width);
    free (self);
    *self_p = NULL;
}

void
qf_table_set_min_width (qf_table_t *self, size_t column, int width)
{
    if (self && column < self->columns)
        self->min_width[column] = width;
}

int
qf_table_add_row (qf_table_t *self, const char *const *cells)
{
    if (self->row_count == self->row_cap) {
        size_t cap = self->row_cap ? self->row_cap * 2 : 16;
        char ***rows = realloc (self->rows, cap * sizeof *rows);
        if (!rows)
            return QF_ENOMEM;
        self->rows = rows;
        self->row_cap = cap;
    }
    char **row = calloc (self->columns, sizeof *row);
    if (!row)
        return QF_ENOMEM;
    for (size_t i = 0; i < self->columns; i++) {
        row[i] = qf_table_clean (cells[i]);
        if (!row[i]) {
            s_row_free (row, self->columns);
            return QF_ENOMEM;
        }
    }
    self->rows[self->row_count++] = row;
    return 0;
}

size_t
qf_table_rows (qf_table_t *self)
{
    return self ? self->row_count : 0;
}

/* Prints `text` padded to `width` columns, or cut to `width` with "…"
   when `cut` and it is wider. */
static void
s_print_cell (FILE *file, const char *text, int width, bool pad, bool cut)
{
    int have = qf_table_text_width (text);
    if (cut && have > width) {
        /* Copy whole characters while they fit in width - 1, then "…". */
        int used = 0;
        const unsigned char *s = (const unsigned char *)text;
        while (*s) {
            uint32_t cp;
            size_t n = qf_text_utf8_decode (s, &cp);
            int w = n ? s_char_width (cp) : 1;
            if (n == 0)
                n = 1;
            if (used + w > width - 1)
                break;
            fwrite (s, 1, n, file);
            used += w;
            s += n;
        }
        fputs ("…", file);
        have = used + 1;
    } else
        fputs (text, file);
    if (pad)
        for (int i = have; i < width; i++)
            fputc (' ', file);
}

/* Prints one line of cells with the given widths. */
static void
s_print_line (qf_table_t *self, FILE *file, char **cells, const int *widths, int line_width)
{
    int used = 0;
    for (size_t c = 0; c < self->columns; c++) {
        bool last = c + 1 == self->columns;
        if (!last) {
            s_print_cell (file, cells[c], widths[c], true, false);
            fputs ("  ", file);
            int w = qf_table_text_width (cells[c]);
            used += (w > widths[c] ? w : widths[c]) + 2;
        } else {
            int room = line_width > 0 ? line_width - used : 0;
            if (line_width > 0 && room < 16)
                room = 16;
            s_print_cell (file, cells[c], room, false, line_width > 0);
        }
    }
    fputc ('\n', file);
}

void
qf_table_print (qf_table_t *self, FILE *file, bool header, int line_width)
{
    int *widths = calloc (self->columns, sizeof *widths);
    if (!widths)
        return;
    for (size_t c = 0; c < self->columns; c++) {
        widths[c] = self->min_width[c];
        int w = qf_table_text_width (self->headers[c]);
        if (w > widths[c])
            widths[c] = w;
        for (size_t r = 0; r < self->row_count; r++) {
            w = qf_table_text_width (self->rows[r][c]);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    if (header)
        s_print_line (self, file, self->headers, widths, line_width);
    for (size_t r = 0; r < self->row_count; r++) {
        s_print_line (self, file, self->rows[r], widths, line_width);
        s_row_free (self->rows[r], self->columns);
    }
    self->row_count = 0;
    free (widths);
}
