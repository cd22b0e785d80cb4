/* Unit tests for the spreadsheet reader: csv.c (RFC 4180: quotes, doubled quotes, line ends
 * inside quotes, CRLF, LF and CR, the byte order mark, errors naming row and column) and
 * claim_csv.c (the header's columns and each row as a claim's fields). */
#include "test.h"
#include "claim_csv.h"
#include "csv.h"

/* What the reader gave: each row as "cell|cell|...", rows joined by "\n", with its row and
 * line numbers as "[row:line]" in front. */
typedef struct {
	ct_buf out;
} seen;

static int collect(const ct__csv_row *row, void *payload)
{
	seen *s = payload;
	size_t i;

	ct_buf_printf(&s->out, "[%zu:%zu]", row->row, row->line);
	for (i = 0; i < row->count; i++) {
		CHECK_INT(strlen(row->cells[i]), row->lens[i]);
		ct_buf_printf(&s->out, "%s%s", i ? "|" : "", row->cells[i]);
	}
	return ct_buf_putc(&s->out, '\n');
}

/* Reads input fed in pieces of step bytes (0: all at once); *out the rows, or the error. */
static int read_csv(ct_buf *out, const char *input, size_t len, size_t step, size_t max)
{
	seen s = {CT_BUF_INIT};
	ct__csv r;
	size_t at = 0;
	int error = 0;

	ct__csv_init(&r, max, collect, &s);
	while (error == 0 && at < len) {
		size_t n = step && len - at > step ? step : len - at;
		error = ct__csv_feed(&r, input + at, n);
		at += n;
	}
	if (error == 0)
		error = ct__csv_finish(&r);
	ct__csv_free(&r);
	ct_buf_clear(out);
	ct_buf_puts(out, error < 0 ? ct_error_last() : (s.out.ptr ? s.out.ptr : ""));
	ct_buf_free(&s.out);
	return error;
}

/* The same rows whether the input comes at once or a byte at a time. */
static void reads_as(const char *input, size_t len, const char *want)
{
	ct_buf a = CT_BUF_INIT, b = CT_BUF_INIT;

	CHECK_INT(read_csv(&a, input, len, 0, 1 << 20), 0);
	CHECK_STR(a.ptr, want);
	CHECK_INT(read_csv(&b, input, len, 1, 1 << 20), 0);
	CHECK_STR(b.ptr, want);
	ct_buf_free(&a);
	ct_buf_free(&b);
}

static void refused_as(const char *input, const char *want)
{
	ct_buf a = CT_BUF_INIT, b = CT_BUF_INIT;

	CHECK_INT(read_csv(&a, input, strlen(input), 0, 1 << 20), CT_EINVALID);
	CHECK_STR(a.ptr, want);
	CHECK_INT(read_csv(&b, input, strlen(input), 1, 1 << 20), CT_EINVALID);
	CHECK_STR(b.ptr, want);
	ct_buf_free(&a);
	ct_buf_free(&b);
}

#define READS_AS(input, want) reads_as(input, sizeof(input) - 1, want)

static void test_reader(void)
{
	READS_AS("", "");
	READS_AS("a,b\n1,2\n", "[1:1]a|b\n[2:2]1|2\n");
	READS_AS("a,b\r\n1,2\r\n", "[1:1]a|b\n[2:2]1|2\n");
	READS_AS("a,b\r1,2", "[1:1]a|b\n[2:2]1|2\n"); /* a lone CR, no line end at the end */
	READS_AS("a,,\n", "[1:1]a||\n");
	READS_AS("a\n\nb\n", "[1:1]a\n[2:2]\n[3:3]b\n"); /* a blank row is counted */
	/* quotes: commas, doubled quotes, line ends (LF and CRLF) inside them */
	READS_AS("\"x, y\",\"say \"\"hi\"\"\"\n", "[1:1]x, y|say \"hi\"\n");
	READS_AS("\"one\ntwo\",b\r\n\"three\r\nfour\",c\r\nd,e\r\n",
		"[1:1]one\ntwo|b\n[2:3]three\r\nfour|c\n[3:5]d|e\n");
	READS_AS("\"\",\"\"\"\"\n", "[1:1]|\"\n");
	/* the byte order mark is skipped, only at the start; a lone part of one is data */
	READS_AS("\xef\xbb\xbf"
		 "a,b\n",
		"[1:1]a|b\n");
	READS_AS("a,\xef\xbb\xbf\n", "[1:1]a|\xef\xbb\xbf\n");
	READS_AS("\xef\xbb"
		 "a\n",
		"[1:1]\xef\xbb"
		"a\n");
	READS_AS("\xef", "[1:1]\xef\n");
	/* spaces are the cell's own */
	READS_AS(" a , b \n", "[1:1] a | b \n");
}

static void test_reader_errors(void)
{
	refused_as("a,b\n1,x\"y\n",
		"row 2 (line 2), column 2: a quote inside a field that does not begin with one "
		"(quote the field and double the quote)");
	refused_as("a,b\r\n\"1\"x,2\r\n",
		"row 2 (line 2), column 1: text after the closing quote of "
		"a field");
	refused_as("a,b\n1,\"open\nstill\n",
		"row 2 (line 2), column 2: the quote opened on line 2 is not closed");
	refused_as("a\n\"multi\nline\",\"x\"y\n",
		"row 2 (line 3), column 2: text after the closing quote of a field");
	{
		ct_buf out = CT_BUF_INIT;
		CHECK_INT(read_csv(&out, "a\nb\0c\n", 6, 0, 100), CT_EINVALID);
		CHECK_STR(out.ptr, "row 2 (line 2), column 1: a NUL byte");
		CHECK_INT(read_csv(&out, "abc,def\n123,4567\n", 17, 0, 6), CT_EINVALID);
		CHECK_STR(out.ptr, "row 2 (line 2): longer than 6 bytes");
		CHECK_INT(read_csv(&out, "abc,def\n123,4567\n", 17, 3, 7), 0);
		ct_buf_free(&out);
	}
	{
		/* more cells than a row may have */
		ct_buf in = CT_BUF_INIT, out = CT_BUF_INIT;
		int i;
		for (i = 0; i < CT__CSV_CELLS_MAX; i++)
			ct_buf_puts(&in, ",");
		CHECK_INT(read_csv(&out, in.ptr, in.len, 0, 1 << 20), CT_EINVALID);
		CHECK_STR(out.ptr, "row 1 (line 1): more than 256 cells");
		ct_buf_free(&in);
		ct_buf_free(&out);
	}
}

/* ---- the columns ---- */

typedef struct {
	ct__claim_columns cols;
	int have_header;
	json_t *rows;
} sheet;

static int to_fields(const ct__csv_row *row, void *payload)
{
	sheet *s = payload;
	json_t *fields = NULL;
	int error;

	if (!s->have_header) {
		s->have_header = 1;
		return ct__claim_csv_header(&s->cols, row);
	}
	if ((error = ct__claim_csv_row(&fields, &s->cols, row)) < 0)
		return error;
	if (fields)
		json_array_append_new(s->rows, fields);
	return 0;
}

/* The rows of input as claims' fields (compact JSON, one a line), or the error. */
static int sheet_of(ct_buf *out, const char *input)
{
	sheet s;
	ct__csv r;
	json_t *f;
	size_t i;
	int error;

	memset(&s, 0, sizeof(s));
	s.rows = json_array();
	ct__csv_init(&r, 1 << 20, to_fields, &s);
	if ((error = ct__csv_feed(&r, input, strlen(input))) == 0)
		error = ct__csv_finish(&r);
	ct_buf_clear(out);
	if (error < 0)
		ct_buf_puts(out, ct_error_last());
	else
		json_array_foreach (s.rows, i, f) {
			char *text = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
			ct_buf_printf(out, "%s\n", text);
			free(text);
		}
	ct__csv_free(&r);
	json_decref(s.rows);
	return error;
}

static void test_columns(void)
{
	ct_buf out = CT_BUF_INIT;

	/* names in any case, spaced, dotted aliases; empty cells leave members out */
	CHECK_INT(sheet_of(&out,
			  " Statement ,SOURCE,Attribution.Quote,Location,id\n"
			  "A claim.,art,the words,p. 3,\n"
			  "B claim.,art,,,b-claim\n"),
		0);
	CHECK_STR(out.ptr,
		"{\"attribution\":{\"location\":\"p. 3\",\"quote\":\"the "
		"words\",\"source\":\"art\"},\"statement\":\"A claim.\"}\n"
		"{\"attribution\":{\"source\":\"art\"},\"id\":\"b-claim\",\"statement\":\"B "
		"claim.\"}\n");
	/* a quantity as claim add reads it; its own unit and qualifier stand; tags split */
	CHECK_INT(sheet_of(&out,
			  "statement,source,quantity,unit,qualifier,tags\n"
			  "A,art,about 6.4m,people,,\"iskp, kabul;2024\"\n"
			  "B,art,30%,,more than,\n"
			  "C,art,6000,,,\n"),
		0);
	CHECK_STR(out.ptr,
		"{\"attribution\":{\"source\":\"art\"},\"quantity\":{\"amount\":\"6400000\","
		"\"qualifier\":\"about\",\"text\":\"about 6.4m\",\"unit\":\"people\"},\"statement\":\"A\","
		"\"tags\":[\"iskp\",\"kabul\",\"2024\"]}\n"
		"{\"attribution\":{\"source\":\"art\"},\"quantity\":{\"amount\":\"30\",\"qualifier\":"
		"\"more than\",\"text\":\"30%\",\"unit\":\"%\"},\"statement\":\"B\"}\n"
		"{\"attribution\":{\"source\":\"art\"},\"quantity\":{\"amount\":\"6000\"},"
		"\"statement\":\"C\"}\n");
	/* a blank row (spaces only) is skipped */
	CHECK_INT(sheet_of(&out, "statement,source\n\n , \nA,art\n"), 0);
	CHECK_STR(out.ptr, "{\"attribution\":{\"source\":\"art\"},\"statement\":\"A\"}\n");

	/* refused, by row and column */
	CHECK_INT(sheet_of(&out, "statement,source,verdict\nA,art,true\n"), CT_EINVALID);
	CHECK_STR(out.ptr,
		"row 1 (the header), column 3: \"verdict\" is not a column claimtrail "
		"knows (the columns are id, statement, source, quote, location, "
		"quantity, unit, qualifier, tags)");
	CHECK_INT(sheet_of(&out, "statement,source,QUOTE,attribution.quote\n"), CT_EINVALID);
	CHECK_STR(out.ptr,
		"row 1 (the header), column 4: \"attribution.quote\" names the same "
		"member as column 3 (\"QUOTE\")");
	CHECK_INT(sheet_of(&out, "statement,quote\n"), CT_EINVALID);
	CHECK_STR(out.ptr,
		"row 1 (the header): no \"source\" column (every claim needs its "
		"statement and source)");
	CHECK_INT(sheet_of(&out, "statement,,source\n"), CT_EINVALID);
	CHECK_ERROR_HAS("column 2: no name");
	CHECK_INT(sheet_of(&out, "statement,source\nA,art\nB,art,x\n"), CT_EINVALID);
	CHECK_STR(out.ptr, "row 3 (line 3): 3 cells, the header has 2");
	CHECK_INT(sheet_of(&out, "statement,source,quantity\nA,art,6000\n\"B\nb\",art,lots\n"),
		CT_EINVALID);
	CHECK_ERROR_HAS("row 3, column 3 (quantity): quantity \"lots\" is not a number");
	CHECK_INT(sheet_of(&out, "statement,source\n\"A \xff\",art\n"), CT_EINVALID);
	CHECK_STR(out.ptr, "row 2, column 1 (statement): the cell is not valid UTF-8 (byte 2)");
	ct_buf_free(&out);
}

int main(void)
{
	if (ct_init() < 0)
		return 99;
	test_reader();
	test_reader_errors();
	test_columns();
	return test_finish();
}
