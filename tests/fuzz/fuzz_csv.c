/*
 * libFuzzer target: the spreadsheet reader of `claimtrail import sheet.csv` (util/csv.c, RFC
 * 4180, and workflow/claim_csv.c, the header's columns and each row as a claim's fields) on
 * arbitrary bytes, without a store. Nothing may crash or leak, and:
 * - the input read at once and read in two pieces (split where its first byte says) gives the
 *   same rows, or the same error;
 * - every row, written back as CSV (each cell quoted, quotes doubled, CRLF), reads back as the
 *   same cells;
 * - every row made into fields is a JSON object the strict parser reads back, holding only
 *   the members the columns name (id, statement, attribution, quantity, tags).
 * Build as fuzz_record.c says, then:
 *   mkdir -p /tmp/csv && build-fuzz/tests/fuzz_csv -max_total_time=120 /tmp/csv tests/fuzz/corpus/csv
 */
#include "claim_csv.h"
#include "claimtrail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
	ct_buf cells; /* every row's cells, each as "<len>:<bytes>", rows ended by "\n" */
	ct__claim_columns cols;
	int have_header, header_error;
} state;

/* The same cells read back from a row written out again. */
typedef struct {
	const ct__csv_row *want;
	int rows;
} echo;

static int check_echo(const ct__csv_row *row, void *payload)
{
	echo *e = payload;
	size_t i;

	if (++e->rows > 1 || row->count != e->want->count)
		abort();
	for (i = 0; i < row->count; i++)
		if (row->lens[i] != e->want->lens[i] ||
			memcmp(row->cells[i], e->want->cells[i], row->lens[i]) != 0)
			abort();
	return 0;
}

static void round_trip(const ct__csv_row *row)
{
	ct_buf out = CT_BUF_INIT;
	echo e = {row, 0};
	ct__csv r;
	size_t i, k;

	for (i = 0; i < row->count; i++) {
		ct_buf_puts(&out, i ? ",\"" : "\"");
		for (k = 0; k < row->lens[i]; k++) {
			if (row->cells[i][k] == '"')
				ct_buf_putc(&out, '"');
			ct_buf_putc(&out, row->cells[i][k]);
		}
		ct_buf_putc(&out, '"');
	}
	ct_buf_puts(&out, "\r\n");
	ct__csv_init(&r, 1 << 20, check_echo, &e);
	if (ct__csv_feed(&r, out.ptr, out.len) < 0 || ct__csv_finish(&r) < 0 || e.rows != 1)
		abort();
	ct__csv_free(&r);
	ct_buf_free(&out);
}

static int on_row(const ct__csv_row *row, void *payload)
{
	state *s = payload;
	json_t *fields = NULL, *back = NULL, *value;
	const char *key;
	char *text;
	size_t i;
	int error;

	for (i = 0; i < row->count; i++) {
		ct_buf_printf(&s->cells, "%zu:", row->lens[i]);
		ct_buf_put(&s->cells, row->cells[i], row->lens[i]);
	}
	ct_buf_putc(&s->cells, '\n');
	round_trip(row);
	if (s->header_error)
		return 0;
	if (!s->have_header) {
		s->have_header = 1;
		if (ct__claim_csv_header(&s->cols, row) < 0)
			s->header_error = 1;
		return 0;
	}
	if ((error = ct__claim_csv_row(&fields, &s->cols, row)) < 0 || !fields)
		return 0; /* a refused row: the reader goes on, for the oracles above */
	if (!(text = json_dumps(fields, JSON_COMPACT)))
		abort();
	if (ct_json_parse(&back, (const uint8_t *)text, strlen(text), CT_JSON_RECORD) < 0 ||
		!json_equal(back, fields))
		abort();
	json_object_foreach (fields, key, value) {
		char padded[32];
		(void)value;
		snprintf(padded, sizeof(padded), " %s ", key);
		if (!strstr(" id statement attribution quantity tags ", padded))
			abort(); /* only the members the columns name */
	}
	free(text);
	json_decref(back);
	json_decref(fields);
	return 0;
}

/* Reads data in two pieces, split at cut; *rows the cells read, the result the error's. */
static int read_all(ct_buf *rows, ct_buf *message, const uint8_t *data, size_t size, size_t cut)
{
	state s;
	ct__csv r;
	int error;

	memset(&s, 0, sizeof(s));
	ct__csv_init(&r, 4096, on_row, &s);
	if ((error = ct__csv_feed(&r, (const char *)data, cut)) == 0 &&
		(error = ct__csv_feed(&r, (const char *)data + cut, size - cut)) == 0)
		error = ct__csv_finish(&r);
	ct__csv_free(&r);
	ct_buf_clear(message);
	if (error < 0)
		ct_buf_puts(message, ct_error_last());
	ct_buf_clear(rows);
	if (s.cells.len)
		ct_buf_put(rows, s.cells.ptr, s.cells.len);
	ct_buf_free(&s.cells);
	return error;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ct_buf a = CT_BUF_INIT, b = CT_BUF_INIT, ma = CT_BUF_INIT, mb = CT_BUF_INIT;
	int ea, eb;

	if (!ready) {
		if (ct_init() < 0)
			abort();
		ready = 1;
	}
	ea = read_all(&a, &ma, data, size, size);
	eb = read_all(&b, &mb, data, size, size ? data[0] % (size + 1) : 0);
	if (ea != eb || a.len != b.len || (a.len && memcmp(a.ptr, b.ptr, a.len) != 0) ||
		ma.len != mb.len || (ma.len && strcmp(ma.ptr, mb.ptr) != 0))
		abort();
	ct_buf_free(&a);
	ct_buf_free(&b);
	ct_buf_free(&ma);
	ct_buf_free(&mb);
	ct_error_clear();
	return 0;
}
