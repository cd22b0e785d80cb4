/*
 * Unit tests for canonscan.c: the one-pass validator must accept a text exactly when the parser
 * reads it as a record (ct_json_parse, CT_JSON_RECORD) and the serialiser writes it back byte for
 * byte (ct_json_canon). Checked on every JSONTestSuite file (raw, and as the value of a member),
 * on generated records and on many mutations of them, and on the members it reports. Every input
 * is scanned from a heap block of exactly its size, so ASan catches any read past the end.
 */
#include "test.h"
#include "canonscan.h"

#include <dirent.h>

#define MAX_FILE (16 * 1024 * 1024)

static size_t compared, agreed_accept, agreed_refuse;

/* The reference: parse as a record, serialise, compare. */
static int reference(const uint8_t *d, size_t n)
{
	json_t *v = NULL;
	ct_buf c = CT_BUF_INIT;
	int ok = 0;

	if (ct_json_parse(&v, d, n, CT_JSON_RECORD) == 0 && ct_json_canon(&c, v) == 0)
		ok = c.len == n && memcmp(c.ptr, d, n) == 0;
	json_decref(v);
	ct_buf_free(&c);
	return ok;
}

static int scan(const uint8_t *d, size_t n)
{
	uint8_t *exact = malloc(n ? n : 1);
	ct__cval type, id, src, ev;
	const ct__cwant wants[] = {
		{NULL, "type", &type},
		{NULL, "id", &id},
		{"attribution", "source", &src},
		{NULL, "evidence", &ev},
	};
	int ok;

	if (!exact)
		abort();
	if (n)
		memcpy(exact, d, n);
	ok = ct__canon_scan(exact, n, wants, 4) == 0;
	if (ok && ev.type == CT__CV_ARRAY) {
		ct__cval e;
		size_t pos = 0, count = 0;
		while (ct__canon_array_next(&e, &ev, &pos))
			count++;
		(void)count;
	}
	free(exact);
	return ok;
}

static void compare(const char *what, const uint8_t *d, size_t n)
{
	int want = reference(d, n), got = scan(d, n);

	compared++;
	test_checks++;
	if (want != got) {
		test_failures++;
		fprintf(stderr, "%s: reference %s, scanner %s: %.*s\n", what,
			want ? "accepts" : "refuses", got ? "accepts" : "refuses",
			(int)(n > 300 ? 300 : n), (const char *)d);
	} else if (want) {
		agreed_accept++;
	} else {
		agreed_refuse++;
	}
}

static void compare_str(const char *what, const char *s)
{
	compare(what, (const uint8_t *)s, strlen(s));
}

/* {"a":<text>} */
static void compare_wrapped(const char *what, const char *text, size_t n)
{
	ct_buf b = CT_BUF_INIT;

	if (ct_buf_puts(&b, "{\"a\":") == 0 && ct_buf_put(&b, text, n) == 0 &&
		ct_buf_putc(&b, '}') == 0)
		compare(what, (const uint8_t *)b.ptr, b.len);
	ct_buf_free(&b);
}

static void test_jsontestsuite(void)
{
	const char *datadir = getenv("DATADIR");
	ct_buf dirpath = CT_BUF_INIT;
	DIR *dir = NULL;
	struct dirent *e;
	size_t files = 0;

	CHECK(datadir != NULL);
	if (!datadir)
		return;
	CHECK_INT(ct_buf_printf(&dirpath, "%s/jsontestsuite/test_parsing", datadir), 0);
	CHECK((dir = opendir(dirpath.ptr)) != NULL);
	while (dir && (e = readdir(dir)) != NULL) {
		ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT, canon = CT_BUF_INIT;
		json_t *v = NULL;

		if (e->d_name[0] == '.' || strlen(e->d_name) < 3 || e->d_name[1] != '_')
			continue;
		files++;
		CHECK_INT(ct_buf_printf(&path, "%s/%s", dirpath.ptr, e->d_name), 0);
		CHECK_INT(ct_file_read(&data, path.ptr, MAX_FILE), 0);
		compare(e->d_name, (const uint8_t *)data.ptr, data.len);
		compare_wrapped(e->d_name, data.ptr, data.len);
		if (ct_json_parse(&v, (const uint8_t *)data.ptr, data.len, CT_JSON_TEXT) == 0 &&
			ct_json_canon(&canon, v) == 0) {
			compare(e->d_name, (const uint8_t *)canon.ptr, canon.len);
			compare_wrapped(e->d_name, canon.ptr, canon.len);
		}
		json_decref(v);
		ct_buf_free(&path);
		ct_buf_free(&data);
		ct_buf_free(&canon);
	}
	if (dir)
		closedir(dir);
	ct_buf_free(&dirpath);
	CHECK(files > 300);
}

/* ---- generated records ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const texts[] = {"", "a", "b", "aa", "ab", "A", "id", "type", "\xc3\xa9", "\x7f",
	"\x01", "\x1f", "\b", "\t", "\n", "\f", "\r", "\"", "\\", "/", "a/b", "\xef\xbf\xbf",
	"\xee\x80\x80", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xe0\xa0\x80",
	"\xc2\x80", "source", "sha256:00ff", "x\ny", "\xe2\x82\xac", "q\"q"};
static const json_int_t ints[] = {0, 1, -1, 7, 10, -10, 123456789, 9007199254740991,
	-9007199254740991, 9007199254740990, 1000000};

static json_t *gen_value(int depth);

static json_t *gen_object(int depth)
{
	json_t *o = json_object();
	size_t i, n = next() % 6;

	for (i = 0; i < n; i++) {
		const char *k = texts[next() % (sizeof(texts) / sizeof(texts[0]))];
		json_object_set_new(o, k, gen_value(depth + 1));
	}
	return o;
}

static json_t *gen_value(int depth)
{
	unsigned pick = (unsigned)(next() % (depth > 3 ? 6 : 8));
	size_t i, n;
	json_t *a;

	switch (pick) {
	case 0:
	case 1: return json_string(texts[next() % (sizeof(texts) / sizeof(texts[0]))]);
	case 2:
	case 3: return json_integer(ints[next() % (sizeof(ints) / sizeof(ints[0]))]);
	case 4: return next() & 1 ? json_true() : json_false();
	case 5: return json_null();
	case 6:
		a = json_array();
		n = next() % 4;
		for (i = 0; i < n; i++)
			json_array_append_new(a, gen_value(depth + 1));
		return a;
	default: return gen_object(depth);
	}
}

/* The object's members in reverse canonical order: never canonical with two or more. */
static void reversed(ct_buf *out, const ct_buf *canon)
{
	json_t *v = NULL;
	const char **keys = NULL;
	const char *k;
	json_t *m;
	size_t n = 0, i;

	if (ct_json_parse(&v, (const uint8_t *)canon->ptr, canon->len, CT_JSON_RECORD) < 0)
		return;
	keys = calloc(json_object_size(v) + 1, sizeof(*keys));
	json_object_foreach (v, k, m)
		keys[n++] = k;
	/* sort the keys canonically by canonicalising {k:null} pairs one at a time */
	ct_buf_putc(out, '{');
	for (i = 0; i < n; i++) {
		ct_buf one = CT_BUF_INIT;
		json_t *pair = json_object();
		json_object_set(pair, keys[i], json_object_get(v, keys[i]));
		ct_json_canon(&one, pair);
		if (i)
			ct_buf_putc(out, ',');
		ct_buf_put(out, one.ptr + 1, one.len - 2);
		json_decref(pair);
		ct_buf_free(&one);
	}
	ct_buf_putc(out, '}');
	free(keys);
	json_decref(v);
}

static const uint8_t bytes[] = {' ', '"', '\\', ',', ':', '{', '}', '[', ']', '0', '1', '9', '-',
	'.', 'e', 'E', 'a', 'u', 'b', 'n', 't', 'f', '/', 0x00, 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc0,
	0xc3, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff};

static const struct {
	const char *from, *to;
} swaps[] = {
	{"A", "\\u0041"},
	{"/", "\\/"},
	{"\\n", "\\u000a"},
	{"\\u001f", "\\u001F"},
	{"\\b", "\\u0008"},
	{"\\t", "\\u0009"},
	{"\\u0001", "\\u0000"},
	{"\\u001f", "\\u0020"},
	{"\\\\", "\\u005c"},
	{"\\\"", "\\u0022"},
	{"\x7f", "\\u007f"},
	{":0", ":-0"},
	{":1", ":1.0"},
	{":1", ":1e0"},
	{":1", ":01"},
	{":7", ":+7"},
	{"9007199254740991", "9007199254740992"},
	{"-9007199254740991", "-9007199254740992"},
	{":", ": "},
	{",", ", "},
	{"{", "{ "},
	{"}", " }"},
	{"true", "True"},
	{"null", "nul"},
	{"\xc3\xa9", "e\xcc\x81"},
	{"\xc3\xa9", "\\u00e9"},
	{"\xf0\x9f\x98\x80", "\\ud83d\\ude00"},
	{"\xc2\x80", "\xc0\x80"},
	{"\xed\x9f\xbf", "\xed\xa0\x80"},
	{"[", "[,"},
	{"]", ",]"},
	{"}", ",}"},
};

static void mutate_and_compare(const ct_buf *c)
{
	ct_buf m = CT_BUF_INIT;
	size_t i, pos;

	compare("generated", (const uint8_t *)c->ptr, c->len);
	for (i = 0; i < 8 && c->len; i++) {
		/* replace, insert, delete one byte */
		pos = next() % c->len;
		ct_buf_clear(&m);
		ct_buf_put(&m, c->ptr, c->len);
		m.ptr[pos] = (char)bytes[next() % sizeof(bytes)];
		compare("byte replaced", (const uint8_t *)m.ptr, m.len);
		ct_buf_clear(&m);
		ct_buf_put(&m, c->ptr, pos);
		ct_buf_putc(&m, (char)bytes[next() % sizeof(bytes)]);
		ct_buf_put(&m, c->ptr + pos, c->len - pos);
		compare("byte inserted", (const uint8_t *)m.ptr, m.len);
		ct_buf_clear(&m);
		ct_buf_put(&m, c->ptr, pos);
		ct_buf_put(&m, c->ptr + pos + 1, c->len - pos - 1);
		compare("byte deleted", (const uint8_t *)m.ptr, m.len);
		compare("truncated", (const uint8_t *)c->ptr, pos);
	}
	for (i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++) {
		const char *at = strstr(c->ptr, swaps[i].from);
		if (!at)
			continue;
		ct_buf_clear(&m);
		ct_buf_put(&m, c->ptr, (size_t)(at - c->ptr));
		ct_buf_puts(&m, swaps[i].to);
		ct_buf_puts(&m, at + strlen(swaps[i].from));
		compare(swaps[i].to, (const uint8_t *)m.ptr, m.len);
	}
	ct_buf_clear(&m);
	reversed(&m, c);
	if (m.len)
		compare("reversed", (const uint8_t *)m.ptr, m.len);
	ct_buf_free(&m);
}

static void test_generated(void)
{
	size_t round;

	for (round = 0; round < 20000; round++) {
		json_t *v = gen_object(0);
		ct_buf c = CT_BUF_INIT;

		CHECK_INT(ct_json_canon(&c, v), 0);
		mutate_and_compare(&c);
		json_decref(v);
		ct_buf_free(&c);
	}
}

static void test_fixed(void)
{
	ct_buf b = CT_BUF_INIT;
	size_t i;

	compare_str("empty", "");
	compare_str("empty object", "{}");
	compare_str("array", "[]");
	compare_str("space", "{} ");
	compare_str("nul after", "{}\0");
	compare_str("order", "{\"a\":1,\"b\":2}");
	compare_str("order", "{\"b\":1,\"a\":2}");
	compare_str("duplicate", "{\"a\":1,\"a\":2}");
	compare_str("prefix", "{\"a\":1,\"aa\":2}");
	compare_str("prefix", "{\"aa\":1,\"a\":2}");
	compare_str("utf16", "{\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}");
	compare_str("utf16", "{\"\xee\x80\x80\":1,\"\xf0\x9f\x98\x80\":2}");
	compare_str("escape order", "{\"\\n\":1,\"\\u000b\":2}");
	compare_str("escape order", "{\"\\u000b\":1,\"\\n\":2}");
	compare_str("escape order", "{\"\\\"\":1,\"#\":2}");
	compare_str("escape order", "{\"!\":1,\"\\\"\":2}");
	compare_str("escape order", "{\"\\\\\":1,\"]\":2}");
	compare_str("escape order", "{\"[\":1,\"\\\\\":2}");
	compare_str("max", "{\"a\":9007199254740991}");
	compare_str("max", "{\"a\":-9007199254740991}");
	compare_str("max", "{\"a\":9007199254740992}");
	compare_str("max", "{\"a\":90071992547409910}");
	compare_str("zero", "{\"a\":0}");
	compare_str("zero", "{\"a\":-0}");
	compare_str("zero", "{\"a\":00}");
	compare_str("minus", "{\"a\":-}");
	compare_str("minus", "{\"a\":-a}");
	compare_str("cut", "{\"a\":-");
	compare_str("cut", "{\"a\":\"\\u00");
	compare_str("cut", "{\"a\":\"\\");
	compare_str("cut", "{\"a\":\"\xc3");
	compare_str("cut", "{\"a\":\"\xf0\x9f\x98");
	compare_str("cut", "{\"a\"");
	compare_str("cut", "{\"a\":tru");
	compare_str("ctl", "{\"a\":\"\\u001f\\u000b\\u0001\\u007f\"}");
	compare_str("del", "{\"a\":\"\x7f\"}");
	compare_str("nul", "{\"a\":\"\\u0000\"}");
	/* nesting: 512 levels are accepted, 513 refused */
	for (i = 511; i <= 512; i++) {
		size_t k;
		ct_buf_clear(&b);
		ct_buf_puts(&b, "{\"a\":");
		for (k = 0; k < i; k++)
			ct_buf_putc(&b, '[');
		for (k = 0; k < i; k++)
			ct_buf_putc(&b, ']');
		ct_buf_putc(&b, '}');
		compare("depth", (const uint8_t *)b.ptr, b.len);
		CHECK_INT(scan((const uint8_t *)b.ptr, b.len), i == 511);
	}
	ct_buf_free(&b);
}

/* The spans reported for the members asked for. */
static void test_members(void)
{
	static const char rec[] =
		"{\"attribution\":{\"quote\":\"q\",\"source\":\"s1\"},\"evidence\":[\"e1\",\"e\\n2\",7,"
		"[1,{\"x\":\"]\"}],\"e3\"],\"id\":\"c1\",\"prev\":\"a\\\"b\",\"revision\":12,"
		"\"source\":\"top\",\"type\":\"claim\"}";
	ct__cval type, id, rev, prev, asrc, src, ev, missing, e;
	const ct__cwant wants[] = {
		{NULL, "type", &type},
		{NULL, "id", &id},
		{NULL, "revision", &rev},
		{NULL, "prev", &prev},
		{"attribution", "source", &asrc},
		{NULL, "source", &src},
		{NULL, "evidence", &ev},
		{"dispute", "source", &missing},
	};
	size_t pos = 0;

	CHECK_INT(ct__canon_scan((const uint8_t *)rec, strlen(rec), wants, 8), 0);
	CHECK(type.type == CT__CV_STRING && type.len == 5 && !memcmp(type.ptr, "claim", 5));
	CHECK(id.type == CT__CV_STRING && id.len == 2 && !memcmp(id.ptr, "c1", 2));
	CHECK(rev.type == CT__CV_INTEGER && rev.integer == 12);
	CHECK(prev.type == CT__CV_STRING && prev.escaped && prev.len == 4);
	CHECK(asrc.type == CT__CV_STRING && asrc.len == 2 && !memcmp(asrc.ptr, "s1", 2));
	CHECK(src.type == CT__CV_STRING && src.len == 3 && !memcmp(src.ptr, "top", 3));
	CHECK(missing.type == CT__CV_NONE);
	CHECK(ev.type == CT__CV_ARRAY);
	CHECK(ct__canon_array_next(&e, &ev, &pos) == 1 && e.type == CT__CV_STRING && e.len == 2);
	CHECK(ct__canon_array_next(&e, &ev, &pos) == 1 && e.escaped && e.len == 4);
	CHECK(ct__canon_array_next(&e, &ev, &pos) == 1 && e.type == CT__CV_INTEGER &&
		e.integer == 7);
	CHECK(ct__canon_array_next(&e, &ev, &pos) == 1 && e.type == CT__CV_ARRAY);
	CHECK(ct__canon_array_next(&e, &ev, &pos) == 1 && e.type == CT__CV_STRING &&
		!memcmp(e.ptr, "e3", 2));
	CHECK(ct__canon_array_next(&e, &ev, &pos) == 0);
	/* a refusal says what and where */
	CHECK_INT(ct__canon_scan((const uint8_t *)"{\"b\":1,\"a\":2}", 13, NULL, 0), CT_EINVALID);
	CHECK_ERROR_HAS("order");
	CHECK_ERROR_HAS("byte 7");
}

int main(void)
{
	if (ct_init() < 0)
		return 99;
	test_fixed();
	test_members();
	test_jsontestsuite();
	test_generated();
	fprintf(stderr, "canonscan: %zu texts compared, %zu accepted and %zu refused by both\n",
		compared, agreed_accept, agreed_refuse);
	CHECK(agreed_accept > 20000);
	CHECK(agreed_refuse > 100000);
	return test_finish();
}
