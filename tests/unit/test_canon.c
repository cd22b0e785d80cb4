/* Unit tests for src/lib/json/canon.c: the RFC 8785 vectors, ES6 numbers, strict parsing, records. */
#include "test.h"

#include <dirent.h>
#include <math.h>

#define MAX_FILE (1024 * 1024)

/* Canonicalizes text and compares with want byte for byte. */
static void check_canon(int line, const char *text, size_t len, const char *want, size_t want_len)
{
	ct_buf out = CT_BUF_INIT;
	int error = ct_json_canon_text(&out, (const uint8_t *)text, len);

	test_checks++;
	if (error < 0 || out.len != want_len || memcmp(out.ptr, want, want_len) != 0) {
		test_failures++;
		fprintf(stderr, "%s:%d: canon(%.60s) = \"%s\" (error %d: %s), wanted \"%s\"\n",
			__FILE__, line, text, out.ptr ? out.ptr : "", error, ct_error_last(), want);
	}
	ct_buf_free(&out);
}
#define CANON(text, want) check_canon(__LINE__, text, strlen(text), want, strlen(want))

static void check_number(int line, double d, const char *want)
{
	ct_buf out = CT_BUF_INIT;
	int error = ct_json_format_number(&out, d);

	test_checks++;
	if (error < 0 || strcmp(out.ptr, want) != 0) {
		test_failures++;
		fprintf(stderr, "%s:%d: format(%.17g) = \"%s\", wanted \"%s\"\n", __FILE__, line, d,
			out.ptr ? out.ptr : "(error)", want);
	}
	ct_buf_free(&out);
}
#define NUMBER(d, want) check_number(__LINE__, d, want)

/* Parsing text (len bytes) in mode must fail with CT_EINVALID and a message containing
 * needle. */
static void check_refused(
	int line, const char *text, size_t len, ct_json_mode mode, const char *needle)
{
	json_t *v = (json_t *)1;
	int error = ct_json_parse(&v, (const uint8_t *)text, len, mode);

	test_checks++;
	if (error != CT_EINVALID || v != NULL || !strstr(ct_error_last(), needle) ||
		strncmp(ct_error_last(), "line ", 5) != 0) {
		test_failures++;
		fprintf(stderr, "%s:%d: parse(%.60s): error %d \"%s\", wanted \"%s\"\n", __FILE__,
			line, text, error, ct_error_last(), needle);
	}
	if (error == 0)
		json_decref(v);
}
#define REFUSED(text, needle) check_refused(__LINE__, text, strlen(text), CT_JSON_TEXT, needle)
#define REFUSED_LEN(text, len, needle) check_refused(__LINE__, text, len, CT_JSON_TEXT, needle)
#define RECORD_REFUSED(text, needle) \
	check_refused(__LINE__, text, strlen(text), CT_JSON_RECORD, needle)

static char *join_path(const char *a, const char *b, const char *c)
{
	ct_buf p = CT_BUF_INIT;

	if (ct_buf_printf(&p, "%s/%s/%s", a, b, c) < 0)
		return NULL;
	return ct_buf_detach(&p);
}

/* Every input/NAME.json of the RFC 8785 data must canonicalize to output/NAME.json. */
static void test_jcs_vectors(void)
{
	const char *datadir = getenv("DATADIR");
	char *dir_in = NULL;
	DIR *dir = NULL;
	struct dirent *e;
	int cases = 0;

	CHECK(datadir != NULL);
	if (!datadir)
		return;
	dir_in = join_path(datadir, "jcs", "input");
	CHECK(dir_in && (dir = opendir(dir_in)) != NULL);
	while (dir && (e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);
		ct_buf in = CT_BUF_INIT, want = CT_BUF_INIT, got = CT_BUF_INIT;
		char *pin, *pout;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		pin = join_path(datadir, "jcs/input", e->d_name);
		pout = join_path(datadir, "jcs/output", e->d_name);
		CHECK(pin && pout);
		if (pin && pout) {
			CHECK_INT(ct_file_read(&in, pin, MAX_FILE), 0);
			CHECK_INT(ct_file_read(&want, pout, MAX_FILE), 0);
			CHECK_INT(ct_json_canon_text(&got, (const uint8_t *)in.ptr, in.len), 0);
			test_checks++;
			if (got.len != want.len || memcmp(got.ptr, want.ptr, want.len) != 0) {
				test_failures++;
				fprintf(stderr, "%s: got\n%s\nwanted\n%s\n", e->d_name,
					got.ptr ? got.ptr : "", want.ptr);
			}
			cases++;
		}
		free(pin);
		free(pout);
		ct_buf_free(&in);
		ct_buf_free(&want);
		ct_buf_free(&got);
	}
	if (dir)
		closedir(dir);
	free(dir_in);
	fprintf(stderr, "%d RFC 8785 vectors\n", cases);
	CHECK(cases >= 6);
}

static void test_numbers(void)
{
	NUMBER(0.0, "0");
	NUMBER(-0.0, "0");
	NUMBER(1.0, "1");
	NUMBER(-1.5, "-1.5");
	NUMBER(1e21, "1e+21");
	NUMBER(1e20, "100000000000000000000");
	NUMBER(123456789012345680000.0, "123456789012345680000");
	NUMBER(1e-6, "0.000001");
	NUMBER(1e-7, "1e-7");
	NUMBER(1.5e-7, "1.5e-7");
	NUMBER(0.1 + 0.2, "0.30000000000000004");
	NUMBER(5e-324, "5e-324");
	NUMBER(-5e-324, "-5e-324");
	NUMBER(1.7976931348623157e308, "1.7976931348623157e+308");
	NUMBER(2.2250738585072014e-308, "2.2250738585072014e-308");
	NUMBER(333333333.33333329, "333333333.3333333");
	NUMBER(1e30, "1e+30");
	NUMBER(4.50, "4.5");
	NUMBER(0.002, "0.002");
	NUMBER(9007199254740993.0, "9007199254740992"); /* 2^53 + 1 is not a double */
	NUMBER(9007199254740994.0, "9007199254740994");
	NUMBER(295147905179352830000.0, "295147905179352830000");
	/* Just above a power of two: only the upper 16-digit neighbour reads back. */
	NUMBER(7.120236347223045e-307, "7.120236347223045e-307");
	/* RFC 8785 appendix B samples. */
	NUMBER(4.940656458412e-324, "5e-324");
	NUMBER(1e23, "1e+23");
	NUMBER(9.999999999999997e22, "9.999999999999997e+22");
	NUMBER(0.000001, "0.000001");
	NUMBER(999999999999999700000.0, "999999999999999700000");

	{
		ct_buf out = CT_BUF_INIT;
		CHECK_INT(ct_json_format_number(&out, NAN), CT_EINVALID);
		CHECK_INT(ct_json_format_number(&out, INFINITY), CT_EINVALID);
		CHECK_INT(ct_json_format_number(&out, -INFINITY), CT_EINVALID);
		ct_buf_free(&out);
	}

	/* Through the parser: text mode reads every number as a double. */
	CANON("[1E30, 4.50, 2e-3, 0.000000000000000000000000001, -0, -0.0, 1e-400]",
		"[1e+30,4.5,0.002,1e-27,0,0,0]");
	CANON("123456789012345678901234567890", "1.2345678901234568e+29");
	CANON("9007199254740993", "9007199254740992");
	CANON("0.1e1", "1");
}

/* json_integer values: exact up to 2^53, beyond that what a double makes of them. */
static void test_integers(void)
{
	static const struct {
		long long v;
		const char *want;
	} cases[] = {
		{0, "0"},
		{-1, "-1"},
		{9007199254740991LL, "9007199254740991"},
		{9007199254740992LL, "9007199254740992"},
		{-9007199254740992LL, "-9007199254740992"},
		{9007199254740993LL, "9007199254740992"},
		{-9007199254740993LL, "-9007199254740992"},
		{9223372036854775807LL, "9223372036854776000"},
		{1000000000000000000LL, "1000000000000000000"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_integer(cases[i].v);
		ct_buf out = CT_BUF_INIT;

		CHECK_INT(ct_json_canon(&out, v), 0);
		CHECK_STR(out.ptr, cases[i].want);
		ct_buf_free(&out);
		json_decref(v);
	}
}

static void test_strings(void)
{
	/* Only " \ and control characters are escaped; the short forms where they exist. */
	CANON("\"a\\\"b\\\\c\\/d\"", "\"a\\\"b\\\\c/d\"");
	CANON("\"\\b\\f\\n\\r\\t\\u0001\\u001F\\u007f\"", "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
	CANON("\"\\u00e9\\u2028\\uD83D\\uDE00\"", "\"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80\"");
	CANON("\"\xc3\xa9\"", "\"\xc3\xa9\"");
	/* Keys sort by UTF-16 code units: U+1F600 (D83D DE00) before U+E000, though its code
	 * point is larger; "\n" before "1" before "A" before "a". */
	CANON("{\"\xee\x80\x80\":1,\"\xf0\x9f\x98\x80\":2,\"a\":3,\"A\":4,\"1\":5,\"\\n\":6,\"\":7}",
		"{\"\":7,\"\\n\":6,\"1\":5,\"A\":4,\"a\":3,\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}");
	CANON("{\"ab\":1,\"a\":2,\"b\":{\"z\":[],\"y\":{}}}",
		"{\"a\":2,\"ab\":1,\"b\":{\"y\":{},\"z\":[]}}");
	CANON(" \t\r\n[ true , false , null ]\n", "[true,false,null]");
}

static void test_strictness(void)
{
	REFUSED("{\"a\":1,\n \"a\":2}", "line 2, column 2: duplicate object key \"a\"");
	REFUSED("{\"a\":{\"b\":1,\"b\":1}}", "line 1, column 13: duplicate object key \"b\"");
	/* An escaped spelling of the same key is the same key. */
	REFUSED("{\"a\":1,\"\\u0061\":2}", "duplicate object key \"a\"");
	REFUSED("[\"\xc0\xaf\"]", "line 1, column 3: invalid UTF-8");	  /* overlong "/" */
	REFUSED("[\"\xe0\x80\xaf\"]", "line 1, column 3: invalid UTF-8"); /* overlong, 3 bytes */
	REFUSED("[\"\xed\xa0\x80\"]", "line 1, column 3: invalid UTF-8"); /* U+D800 as UTF-8 */
	REFUSED("[\"\xf4\x90\x80\x80\"]", "line 1, column 3: invalid UTF-8"); /* U+110000 */
	REFUSED("[\"\x80\"]", "line 1, column 3: invalid UTF-8");	     /* lone continuation */
	REFUSED("[\"\xe2\x82\"]", "line 1, column 3: invalid UTF-8");	     /* truncated */
	REFUSED("\xef\xbb\xbf{}", "line 1, column 1: unexpected byte 0xef"); /* BOM */
	REFUSED("[\"\\ud800\"]", "line 1, column 3: lone surrogate \\ud800");
	REFUSED("[\"\\udc00\"]", "line 1, column 3: lone surrogate \\udc00");
	REFUSED("[\"x\\uD800\\u0041\"]", "line 1, column 4: lone surrogate \\ud800");
	REFUSED("[\"\\uDE00\\uD83D\"]", "lone surrogate \\ude00");
	REFUSED("[\"a\",\n\"\\u0000\"]", "line 2, column 2: \\u0000 is not allowed");
	REFUSED("{\"a\\u0000b\":1}", "\\u0000 is not allowed");
	REFUSED_LEN("[\"a\0\"]", 6, "line 1, column 4: control character 0x00");
	REFUSED("[\"\t\"]", "control character 0x09");
	REFUSED("[1e309]", "line 1, column 2: number 1e309 overflows a double");
	REFUSED("-1e400", "overflows a double");
	REFUSED("[1] x", "line 1, column 5: unexpected character 'x'");
	REFUSED("{} {}", "line 1, column 4: unexpected character '{'");
	REFUSED_LEN("123\0", 4, "line 1, column 4: unexpected byte 0x00");
	REFUSED("", "line 1, column 1: unexpected end of input");
	REFUSED("  \n ", "line 2, column 2: unexpected end of input");
	REFUSED("[1,]", "line 1, column 4: unexpected character ']'");
	REFUSED("{\"a\":1,}", "line 1, column 8: unexpected character '}'");
	REFUSED("[01]", "line 1, column 3: unexpected character '1'");
	REFUSED("[1.]", "a digit after '.'");
	REFUSED("[.5]", "unexpected character '.'");
	REFUSED("[1e]", "a digit in the exponent");
	REFUSED("[+1]", "unexpected character '+'");
	REFUSED("[NaN]", "unexpected character 'N'");
	REFUSED("[tru]", "unexpected character 't'");
	REFUSED("[\"\\x\"]", "invalid escape '\\x'");
	REFUSED("[\"\\u12G4\"]", "invalid \\u escape");
	REFUSED("[\"abc", "unexpected end of input in a string");
	REFUSED("{'a':1}", "'\"' to start a member name");
	/* Columns count characters, not bytes. */
	REFUSED("[\"\xc3\xa9\xc3\xa9\", x]", "line 1, column 8: unexpected character 'x'");
}

static void nested(ct_buf *b, size_t depth, const char *open, const char *close)
{
	size_t i;

	for (i = 0; i < depth; i++)
		ct_buf_puts(b, open);
	for (i = 0; i < depth; i++)
		ct_buf_puts(b, close);
}

static void test_depth(void)
{
	ct_buf b = CT_BUF_INIT, out = CT_BUF_INIT;
	json_t *v = NULL, *inner;
	size_t i;

	nested(&b, CT_JSON_MAX_DEPTH, "[", "]");
	CHECK_INT(ct_json_parse(&v, (const uint8_t *)b.ptr, b.len, CT_JSON_TEXT), 0);
	CHECK_INT(ct_json_canon(&out, v), 0);
	CHECK(out.len == b.len && memcmp(out.ptr, b.ptr, b.len) == 0);
	json_decref(v);
	v = NULL;
	ct_buf_clear(&b);
	ct_buf_clear(&out);

	nested(&b, CT_JSON_MAX_DEPTH + 1, "[", "]");
	REFUSED_LEN(b.ptr, b.len, "line 1, column 513: nesting deeper than 512");
	ct_buf_clear(&b);

	/* Objects count the same: 511 members holding objects, the innermost empty. */
	nested(&b, CT_JSON_MAX_DEPTH - 1, "{\"a\":", "}");
	{
		ct_buf obj = CT_BUF_INIT;
		size_t half = strlen("{\"a\":") * (CT_JSON_MAX_DEPTH - 1); /* the opening part */

		ct_buf_put(&obj, b.ptr, half);
		ct_buf_puts(&obj, "{}");
		ct_buf_put(&obj, b.ptr + half, b.len - half);
		CHECK_INT(ct_json_parse(&v, (const uint8_t *)obj.ptr, obj.len, CT_JSON_RECORD), 0);
		json_decref(v);
		v = NULL;
		ct_buf_clear(&obj);
		ct_buf_put(&obj, b.ptr, half);
		ct_buf_puts(&obj, "{\"a\":{}}");
		ct_buf_put(&obj, b.ptr + half, b.len - half);
		REFUSED_LEN(obj.ptr, obj.len, "nesting deeper than 512");
		ct_buf_free(&obj);
	}
	ct_buf_clear(&b);

	/* Far deeper than the stack would allow for unbounded recursion. */
	nested(&b, 1000000, "[", "]");
	REFUSED_LEN(b.ptr, b.len, "nesting deeper than 512");
	ct_buf_clear(&b);

	/* A value built in code that nests too deep is refused by the serializer. */
	v = json_array();
	inner = v;
	for (i = 0; i < CT_JSON_MAX_DEPTH; i++) {
		json_t *next = json_array();
		json_array_append_new(inner, next);
		inner = next;
	}
	CHECK_INT(ct_buf_puts(&out, "kept"), 0);
	CHECK_INT(ct_json_canon(&out, v), CT_EINVALID);
	CHECK_ERROR_HAS("nesting deeper than 512");
	CHECK_STR(out.ptr, "kept"); /* nothing half-written */
	json_decref(v);
	ct_buf_free(&b);
	ct_buf_free(&out);
}

static void test_record_mode(void)
{
	const char *ok = "{\"quantity\":{\"amount\":9007199254740991,\"min\":-9007199254740991},"
			 "\"n\":[0,-0,1]}";
	json_t *v = NULL;

	CHECK_INT(ct_json_parse(&v, (const uint8_t *)ok, strlen(ok), CT_JSON_RECORD), 0);
	CHECK(json_is_integer(json_object_get(json_object_get(v, "quantity"), "amount")));
	CHECK_INT(json_integer_value(json_object_get(json_object_get(v, "quantity"), "amount")),
		9007199254740991LL);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(v, "quantity"), "min")),
		-9007199254740991LL);
	json_decref(v);
	v = NULL;

	/* Text mode reads the same number as a double. */
	CHECK_INT(ct_json_parse(&v, (const uint8_t *)"{\"n\":1}", 7, CT_JSON_TEXT), 0);
	CHECK(json_is_real(json_object_get(v, "n")));
	json_decref(v);

	RECORD_REFUSED("{\"quantity\":{\n  \"amount\": 1.5}}",
		"line 2, column 13: member \"quantity.amount\": number 1.5 is not an integer");
	RECORD_REFUSED("{\"n\":1e2}", "member \"n\": number 1e2 is not an integer");
	RECORD_REFUSED("{\"n\":1.0}", "member \"n\": number 1.0 is not an integer");
	RECORD_REFUSED("{\"items\":[1,{\"id\":9007199254740992}]}",
		"line 1, column 19: member \"items[1].id\": integer 9007199254740992 is outside "
		"+-(2^53-1)");
	RECORD_REFUSED("{\"n\":-9007199254740992}", "is outside +-(2^53-1)");
	RECORD_REFUSED("{\"n\":123456789012345678901234567890}", "is outside +-(2^53-1)");
	RECORD_REFUSED("[1]", "line 1, column 1: a record must be a JSON object");
	RECORD_REFUSED("  \"x\"", "line 1, column 3: a record must be a JSON object");
	RECORD_REFUSED("", "a record must be a JSON object");
	RECORD_REFUSED("{\"a\":1,\"a\":1}", "duplicate object key \"a\"");
}

int main(void)
{
	test_jcs_vectors();
	test_numbers();
	test_integers();
	test_strings();
	test_strictness();
	test_depth();
	test_record_mode();
	return test_finish();
}
