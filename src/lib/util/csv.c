/*
 * The RFC 4180 reader (csv.h): a byte-at-a-time state machine, so that it can be fed a file a
 * chunk at a time and a quoted field may hold line ends; runs of plain bytes go in at once.
 */
#include "csv.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

enum {
	CELL_START, /* before a cell's first byte */
	UNQUOTED,   /* in a cell that did not begin with a quote */
	QUOTED,	    /* in a quoted cell */
	QUOTE_SEEN, /* in a quoted cell, just after a quote: its end, or the first of "" */
	AFTER_CR,   /* a record just ended with a CR: an LF next belongs to it */
};

static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

void ct__csv_init(ct__csv *r, size_t max, ct__csv_row_fn fn, void *payload)
{
	memset(r, 0, sizeof(*r));
	r->fn = fn;
	r->payload = payload;
	r->max = max;
	r->state = CELL_START;
	r->row = 1;
	r->line = 1;
	r->start_line = 1;
}

void ct__csv_free(ct__csv *r)
{
	ct_buf_free(&r->text);
}

static int fail(ct__csv *r, const char *what)
{
	return ct_error_set(CT_EINVALID, "row %zu (line %zu), column %zu: %s", r->row, r->line,
		r->count + 1, what);
}

static int put(ct__csv *r, const char *data, size_t len)
{
	/* as a byte at a time would find it: the limit before the NUL that passes it */
	const char *nul = memchr(data, '\0', len);
	size_t upto = nul ? (size_t)(nul - data) + 1 : len;

	if (r->text.len - r->count + upto > r->max) /* the cells' bytes, their NULs aside */
		return ct_error_set(CT_EINVALID, "row %zu (line %zu): longer than %zu bytes",
			r->row, r->start_line, r->max);
	if (nul)
		return fail(r, "a NUL byte");
	return ct_buf_put(&r->text, data, len);
}

static int end_cell(ct__csv *r)
{
	int error;

	if (r->count + 1 > CT__CSV_CELLS_MAX)
		return ct_error_set(CT_EINVALID, "row %zu (line %zu): more than %d cells", r->row,
			r->start_line, CT__CSV_CELLS_MAX);
	if ((error = ct_buf_putc(&r->text, '\0')) < 0)
		return error;
	r->count++;
	r->offsets[r->count] = r->text.len;
	return 0;
}

static int end_row(ct__csv *r)
{
	const char *cells[CT__CSV_CELLS_MAX];
	size_t lens[CT__CSV_CELLS_MAX], i;
	ct__csv_row row;
	int error;

	for (i = 0; i < r->count; i++) {
		cells[i] = r->text.ptr + r->offsets[i];
		lens[i] = r->offsets[i + 1] - r->offsets[i] - 1;
	}
	row.row = r->row;
	row.line = r->start_line;
	row.count = r->count;
	row.cells = cells;
	row.lens = lens;
	error = r->fn ? r->fn(&row, r->payload) : 0;
	ct_buf_clear(&r->text);
	r->count = 0;
	r->offsets[0] = 0;
	r->row++;
	return error;
}

/* The length of the run at data of bytes that are plain in the current state. */
static size_t plain_run(const ct__csv *r, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = data[i];
		if (c == '"' || c == '\r' || c == '\n' || (r->state == UNQUOTED && c == ','))
			break;
	}
	return i;
}

static int step(ct__csv *r, const char *data, size_t len)
{
	size_t i = 0;
	char prev;
	int error;

	while (i < len) {
		char c = data[i];
		if ((r->state == UNQUOTED || r->state == QUOTED) && c != '"' && c != '\r' &&
			c != '\n' && (r->state == QUOTED || c != ',')) {
			size_t n = plain_run(r, data + i, len - i);
			if ((error = put(r, data + i, n)) < 0)
				return error;
			i += n;
			r->last = data[i - 1];
			continue;
		}
		i++;
		prev = r->last;
		r->last = c;
		if (r->state == AFTER_CR) {
			r->state = CELL_START;
			if (c == '\n')
				continue;
		}
		switch (r->state) {
		case CELL_START:
		case UNQUOTED:
		case QUOTE_SEEN:
			if (c == '"' && r->state == QUOTE_SEEN) {
				/* "" in a quoted cell: one quote */
				if ((error = put(r, "\"", 1)) < 0)
					return error;
				r->state = QUOTED;
			} else if (c == '"' && r->state == CELL_START) {
				r->state = QUOTED;
				r->quote_line = r->line;
			} else if (c == '"') {
				return fail(r,
					"a quote inside a field that does not begin with one "
					"(quote the field and double the quote)");
			} else if (c == ',') {
				if ((error = end_cell(r)) < 0)
					return error;
				r->state = CELL_START;
			} else if (c == '\r' || c == '\n') {
				if ((error = end_cell(r)) < 0)
					return error;
				r->line++;
				r->state = c == '\r' ? AFTER_CR : CELL_START;
				if ((error = end_row(r)) < 0)
					return error;
				r->start_line = r->line;
			} else if (r->state == QUOTE_SEEN) {
				return fail(r, "text after the closing quote of a field");
			} else {
				r->state = UNQUOTED;
				if ((error = put(r, &c, 1)) < 0)
					return error;
			}
			break;
		case QUOTED:
			if (c == '"') {
				r->state = QUOTE_SEEN;
				break;
			}
			/* a line end inside the quotes is the cell's own */
			if (c != '\n' || prev != '\r') /* CRLF is one line end */
				r->line++;
			if ((error = put(r, &c, 1)) < 0)
				return error;
			break;
		}
	}
	return 0;
}

int ct__csv_feed(ct__csv *r, const char *data, size_t len)
{
	/* a byte order mark, possibly split between two feeds */
	while (r->bom < 3 && len > 0) {
		if ((unsigned char)*data != bom[r->bom]) {
			size_t seen = r->bom;
			int error;
			r->bom = 3;
			if (seen && (error = step(r, (const char *)bom, seen)) < 0)
				return error;
			break;
		}
		r->bom++;
		data++;
		len--;
	}
	return step(r, data, len);
}

int ct__csv_finish(ct__csv *r)
{
	int error;

	if (r->bom > 0 && r->bom < 3) {
		size_t seen = r->bom;
		r->bom = 3;
		if ((error = step(r, (const char *)bom, seen)) < 0)
			return error;
	}
	switch (r->state) {
	case QUOTED:
		return ct_error_set(CT_EINVALID,
			"row %zu (line %zu), column %zu: the quote opened on line %zu is not closed",
			r->row, r->start_line, r->count + 1, r->quote_line);
	case CELL_START:
		if (r->count == 0)
			return 0; /* the input ended with a line end, or was empty */
				  /* fall through */
	case UNQUOTED:
	case QUOTE_SEEN:
		if ((error = end_cell(r)) < 0)
			return error;
		r->state = CELL_START;
		return end_row(r);
	default: return 0;
	}
}
