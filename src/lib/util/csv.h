/*
 * An RFC 4180 reader (CSV as spreadsheets export it): fields separated by commas, records by
 * CRLF or LF (a lone CR ends a record too), a field in double quotes may hold commas, line ends
 * and doubled quotes (""), a UTF-8 byte order mark at the start is skipped. It is fed bytes as
 * they come and hands each record to a callback; what it holds is the current record, at most
 * max bytes of cells and CT__CSV_CELLS_MAX cells.
 */
#ifndef CLAIMTRAIL_CSV_H
#define CLAIMTRAIL_CSV_H

#include "claimtrail/common.h"

#include <stddef.h>

/* The most cells a record may have. */
#define CT__CSV_CELLS_MAX 256

/* One record, as the callback sees it (borrowed until the callback returns). */
typedef struct {
	size_t row;		  /* its number, from 1 (the header is row 1), blank ones counted */
	size_t line;		  /* the line it starts on, from 1 */
	size_t count;		  /* its cells: a blank line is one empty cell */
	const char *const *cells; /* each cell's bytes, NUL-terminated (a NUL byte is refused) */
	const size_t *lens;	  /* each cell's length */
} ct__csv_row;

/* Returns 0 to go on, or a negative code that the feed returns. */
typedef int (*ct__csv_row_fn)(const ct__csv_row *row, void *payload);

typedef struct {
	ct__csv_row_fn fn;
	void *payload;
	size_t max;   /* the most bytes a record's cells may hold */
	int state;    /* where in a record the reader is (csv.c) */
	unsigned bom; /* bytes of a byte order mark seen at the start; 3: past it */
	char last;    /* the byte read last */
	size_t row, line, start_line, quote_line;
	ct_buf text;			       /* the record's cells, each followed by a NUL */
	size_t offsets[CT__CSV_CELLS_MAX + 1]; /* where each cell starts in text */
	size_t count;			       /* the cells ended so far */
} ct__csv;

/* Sets r up to call fn(row, payload) for each record, refusing records over max bytes. */
void ct__csv_init(ct__csv *r, size_t max, ct__csv_row_fn fn, void *payload);

/* Reads len more bytes. Returns 0, the callback's error, or CT_EINVALID naming the row, its
 * line and the column ("row 3 (line 4), column 2: a quote inside an unquoted field"). */
int ct__csv_feed(ct__csv *r, const char *data, size_t len);

/* The end of the input: the last record when it has no line end, or CT_EINVALID when a quoted
 * field is still open. */
int ct__csv_finish(ct__csv *r);

void ct__csv_free(ct__csv *r);

#endif
