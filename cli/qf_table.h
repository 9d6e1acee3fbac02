/*  qf_table — aligned text tables for the CLI's human-readable output.

    Columns are aligned by display width, not bytes: a CJK character takes
    two terminal columns, a combining mark none. Cells are copied and
    cleaned on the way in (control and bidirectional characters become
    visible escapes such as "\n" or "\u202e", so one record is always one
    line and reads in the order it is stored). The last column may be cut
    to fit a line width, ending in "…".

    A table can stream: qf_table_print() forgets the rows it printed, and
    qf_table_set_min_width() fixes column widths in advance, so a follower
    prints its header once and then one row at a time, aligned.
*/
#ifndef QF_TABLE_H
#define QF_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct _qf_table_t qf_table_t;

/*  Creates a table with `columns` columns and these headers (copied).
    Returns NULL when out of memory. Caller owns the return value. */
qf_table_t *qf_table_new (size_t columns, const char *const *headers);

/*  Destroys a table and sets *self_p to NULL; safe when NULL. */
void qf_table_destroy (qf_table_t **self_p);

/*  Makes a column at least `width` display columns wide. */
void qf_table_set_min_width (qf_table_t *self, size_t column, int width);

/*  Appends a row of `columns` cells (copied; NULL prints as "-").
    Returns 0 or QF_ENOMEM. */
int qf_table_add_row (qf_table_t *self, const char *const *cells);

/*  Number of rows added and not yet printed. */
size_t qf_table_rows (qf_table_t *self);

/*  Prints the header (when `header`) and the pending rows, then forgets the
    rows. Columns are separated by two spaces; the last column is cut to
    keep each line within line_width display columns (0 = never cut, and
    never below 16 columns of its own). */
void qf_table_print (qf_table_t *self, FILE *file, bool header, int line_width);

/*  Returns a copy of `text` (NULL: "-") made safe to show by
    qf_text_escape(): control characters escaped ("\n", "\t", "\x1b"),
    bidirectional controls as "\u202e", invalid UTF-8 bytes as "\xNN"; or
    NULL when out of memory. Caller frees it. */
char *qf_table_clean (const char *text);

/*  Display width of UTF-8 text in terminal columns. */
int qf_table_text_width (const char *text);

#endif
