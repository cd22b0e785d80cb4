/* Unit tests for the diff module: word diffs (diff_text.c), JSON Patch generation and
 * application (diff_json.c), record diffs (diff_record.c). */
#include "test.h"
#include "diff_internal.h"

/* Renders a text diff as "[-old-]{+new+}" markup. */
static char *render(const char *a, const char *b, ct__diff_granularity *gran)
{
	ct__text_diff *d = NULL;
	ct_buf out = CT_BUF_INIT;
	size_t i;

	if (ct__text_diff_new(&d, a, strlen(a), b, strlen(b)) < 0)
		return NULL;
	ct_buf_puts(&out, "");
	for (i = 0; i < ct__text_diff_count(d); i++) {
		const ct__diff_hunk *h = ct__text_diff_get(d, i);
		ct_buf_puts(&out,
			h->op == CT__DIFF_DELETE	   ? "[-"
				: h->op == CT__DIFF_INSERT ? "{+"
							   : "");
		ct_buf_put(&out, h->text, h->len);
		ct_buf_puts(&out,
			h->op == CT__DIFF_DELETE	   ? "-]"
				: h->op == CT__DIFF_INSERT ? "+}"
							   : "");
	}
	if (gran)
		*gran = ct__text_diff_granularity(d);
	ct__text_diff_free(d);
	return ct_buf_detach(&out);
}

#define CHECK_WORDS(a, b, want) \
	do { \
		char *got_ = render((a), (b), NULL); \
		CHECK_STR(got_, (want)); \
		free(got_); \
	} while (0)

static int valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = p[i] < 0x80 ? 1
			: p[i] >= 0xf0 ? 4
			: p[i] >= 0xe0 ? 3
			: p[i] >= 0xc0 ? 2
				       : 0;
		size_t k;
		if (n == 0 || i + n > len)
			return 0;
		for (k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/* Equal + delete hunks give a back, equal + insert give b; hunks keep UTF-8 whole. */
static void check_reconstructs(const char *a, size_t alen, const char *b, size_t blen, int utf8)
{
	ct__text_diff *d = NULL;
	ct_buf ra = CT_BUF_INIT, rb = CT_BUF_INIT;
	size_t i;
	int ok_utf8 = 1, ok_ops = 1;

	CHECK_INT(ct__text_diff_new(&d, a, alen, b, blen), 0);
	ct_buf_puts(&ra, "");
	ct_buf_puts(&rb, "");
	for (i = 0; i < ct__text_diff_count(d); i++) {
		const ct__diff_hunk *h = ct__text_diff_get(d, i);
		if (h->op != CT__DIFF_INSERT)
			ct_buf_put(&ra, h->text, h->len);
		if (h->op != CT__DIFF_DELETE)
			ct_buf_put(&rb, h->text, h->len);
		if (utf8 && !valid_utf8(h->text, h->len))
			ok_utf8 = 0;
		if (h->len == 0)
			ok_ops = 0;
		/* an insertion never comes straight before a deletion */
		if (i > 0 && h->op == CT__DIFF_DELETE &&
			ct__text_diff_get(d, i - 1)->op == CT__DIFF_INSERT)
			ok_ops = 0;
		if (i > 0 && h->op == ct__text_diff_get(d, i - 1)->op)
			ok_ops = 0;
	}
	CHECK(ra.len == alen && memcmp(ra.ptr, a, alen) == 0);
	CHECK(rb.len == blen && memcmp(rb.ptr, b, blen) == 0);
	CHECK(ok_utf8);
	CHECK(ok_ops);
	CHECK_INT(ct__text_diff_changed(d), alen != blen || memcmp(a, b, alen) != 0);
	ct__text_diff_free(d);
	ct_buf_free(&ra);
	ct_buf_free(&rb);
}

static unsigned long long rng_state = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void test_words(void)
{
	ct__text_diff *d = NULL;

	CHECK_WORDS("As many as 6000 foreign fighters may have moved into Afghanistan",
		"As many as 5000 foreign fighters may have moved into Afghanistan",
		"As many as [-6000-]{+5000+} foreign fighters may have moved into Afghanistan");
	/* numbers with separators and decimals are one word */
	CHECK_WORDS("as many as 6,000", "as many as 5,000", "as many as [-6,000-]{+5,000+}");
	CHECK_WORDS("rose 2.5 percent", "rose 3.5 percent", "rose [-2.5-]{+3.5+} percent");
	/* punctuation is its own token */
	CHECK_WORDS(
		"ISKP, officials said.", "ISKP, officials said!", "ISKP, officials said[-.-]{+!+}");
	CHECK_WORDS(
		"the Taliban's claim", "the Taliban's denial", "the Taliban's [-claim-]{+denial+}");
	/* insertions and deletions alone */
	CHECK_WORDS("more than 190 attacks", "more than 190 suicide attacks",
		"more than 190 {+suicide +}attacks");
	CHECK_WORDS("more than 190 suicide attacks", "more than 190 attacks",
		"more than 190 [-suicide -]attacks");
	/* whitespace between two changes joins them */
	CHECK_WORDS(
		"the big red dog", "a small blue cat", "[-the big red dog-]{+a small blue cat+}");
	CHECK_WORDS("one two three", "one 2 3", "one [-two three-]{+2 3+}");
	/* empty texts */
	CHECK_WORDS("", "", "");
	CHECK_WORDS("", "new words", "{+new words+}");
	CHECK_WORDS("old words", "", "[-old words-]");
	CHECK_WORDS("same", "same", "same");
	/* unicode: letters stay in their word, curly quotes and dashes are punctuation */
	CHECK_WORDS("Die Zahl der Kämpfer stieg", "Die Zahl der Kämpferinnen stieg",
		"Die Zahl der [-Kämpfer-]{+Kämpferinnen+} stieg");
	CHECK_WORDS("\xe2\x80\x9c"
		    "6,000\xe2\x80\x9d fighters",
		"\xe2\x80\x9c"
		"5,000\xe2\x80\x9d fighters",
		"\xe2\x80\x9c[-6,000-]{+5,000+}\xe2\x80\x9d fighters");
	CHECK_WORDS("ISKP\xe2\x80\x94the group",
		"ISKP\xe2\x80\x94"
		"a group",
		"ISKP\xe2\x80\x94[-the-]{+a+} group");
	CHECK_WORDS("\xd0\x9c\xd0\xb8\xd0\xb4 \xe6\x94\xbb\xe6\x92\x83",
		"\xd0\x9c\xd0\xb8\xd0\xb4 \xe8\xa2\xad\xe6\x92\x83",
		"\xd0\x9c\xd0\xb8\xd0\xb4 [-\xe6\x94\xbb\xe6\x92\x83-]{+\xe8\xa2\xad\xe6\x92\x83+}");
	/* emoji (4-byte) and a non-breaking space */
	CHECK_WORDS("ok \xf0\x9f\x98\x80 done", "ok \xf0\x9f\x98\xa2 done",
		"ok [-\xf0\x9f\x98\x80-]{+\xf0\x9f\x98\xa2+} done");
	CHECK_WORDS("6\xc2\xa0"
		    "000 men",
		"7\xc2\xa0"
		"000 men",
		"[-6-]{+7+}\xc2\xa0"
		"000 men");

	/* invalid UTF-8 is compared byte for byte, nothing lost */
	check_reconstructs("a \xff\xfe b \xc3", 8, "a \xfe b \xe2\x82", 8, 0);
	/* NULL with length 0 is an empty text */
	CHECK_INT(ct__text_diff_new(&d, NULL, 0, "x", 1), 0);
	CHECK_INT(ct__text_diff_count(d), 1);
	CHECK_INT(ct__text_diff_get(d, 0)->op, CT__DIFF_INSERT);
	CHECK(ct__text_diff_get(d, 1) == NULL);
	ct__text_diff_free(d);
	ct__text_diff_free(NULL);
	CHECK_STR(ct__diff_op_name(CT__DIFF_DELETE), "delete");
}

static void test_words_random(void)
{
	static const char *const vocab[] = {"the", "ISKP", "6,000", "fighters", " ", "  ", ",", ".",
		"\n", "Kämpfer", "\xe2\x80\x94", "\xe6\x94\xbb\xe6\x92\x83", "\xf0\x9f\x98\x80",
		"attack", "'s", "\xc2\xa0", "a", "b", "2.5"};
	const size_t nv = sizeof(vocab) / sizeof(vocab[0]);
	int round;

	for (round = 0; round < 500; round++) {
		ct_buf a = CT_BUF_INIT, b = CT_BUF_INIT;
		unsigned na = rnd(30), i;
		ct_buf_puts(&a, "");
		ct_buf_puts(&b, "");
		for (i = 0; i < na; i++) {
			const char *w = vocab[rnd((unsigned)nv)];
			ct_buf_puts(&a, w);
			/* b: mostly the same words, some changed, dropped or added */
			switch (rnd(6)) {
			case 0: break;
			case 1: ct_buf_puts(&b, vocab[rnd((unsigned)nv)]); break;
			case 2:
				ct_buf_puts(&b, w);
				ct_buf_puts(&b, vocab[rnd((unsigned)nv)]);
				break;
			default: ct_buf_puts(&b, w);
			}
		}
		check_reconstructs(a.ptr, a.len, b.ptr, b.len, 1);
		ct_buf_free(&a);
		ct_buf_free(&b);
	}
}

static void test_words_long(void)
{
	ct_buf a = CT_BUF_INIT, b = CT_BUF_INIT;
	ct__diff_granularity g = CT__DIFF_WORDS;
	char *r;
	int i;

	/* 1500 lines of 4 words each: far beyond CT__DIFF_MAX_CELLS as words, fine as lines */
	for (i = 0; i < 1500; i++) {
		ct_buf_printf(&a, "line %d says %s\n", i, i % 7 == 0 ? "yes" : "no");
		ct_buf_printf(&b, "line %d says %s\n", i, i % 11 == 0 ? "yes" : "no");
	}
	check_reconstructs(a.ptr, a.len, b.ptr, b.len, 1);
	r = render(a.ptr, b.ptr, &g);
	CHECK_INT(g, CT__DIFF_LINES);
	CHECK(r && strstr(r, "line 6 says no\n[-line 7 says yes\n-]{+line 7 says no\n+}") != NULL);
	free(r);
	/* 3000 lines that differ at both ends: too many even as lines, so the middle is whole */
	ct_buf_clear(&a);
	ct_buf_clear(&b);
	ct_buf_puts(&a, "start\n");
	ct_buf_puts(&b, "begin\n");
	for (i = 0; i < 3000; i++) {
		ct_buf_printf(&a, "w%d\n", i % 13);
		ct_buf_printf(&b, "w%d\n", i % 17);
	}
	ct_buf_puts(&a, "end");
	ct_buf_puts(&b, "finish");
	check_reconstructs(a.ptr, a.len, b.ptr, b.len, 1);
	r = render(a.ptr, b.ptr, &g);
	CHECK_INT(g, CT__DIFF_WHOLE);
	CHECK(r && strncmp(r, "[-start\n", 8) == 0);
	free(r);
	/* one huge line: as lines it is one deletion and one insertion */
	ct_buf_clear(&a);
	ct_buf_clear(&b);
	for (i = 0; i < 6000; i++) {
		ct_buf_printf(&a, "w%d ", i % 13);
		ct_buf_printf(&b, "w%d ", i % 17);
	}
	check_reconstructs(a.ptr, a.len, b.ptr, b.len, 1);
	free(render(a.ptr, b.ptr, &g));
	CHECK_INT(g, CT__DIFF_LINES);
	/* a long text with one word changed stays a word diff (common ends are trimmed first) */
	ct_buf_clear(&a);
	ct_buf_clear(&b);
	for (i = 0; i < 20000; i++) {
		ct_buf_puts(&a, i == 10000 ? "six " : "word ");
		ct_buf_puts(&b, i == 10000 ? "five " : "word ");
	}
	r = render(a.ptr, b.ptr, &g);
	CHECK_INT(g, CT__DIFF_WORDS);
	CHECK(r && strstr(r, "word [-six-]{+five+} word") != NULL);
	free(r);
	ct_buf_free(&a);
	ct_buf_free(&b);
}

/* ---- JSON Patch ---- */

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);

	if (!v)
		fprintf(stderr, "bad test JSON: %s: %s\n", text, e.text);
	return v;
}

static void check_roundtrip(const json_t *a, const json_t *b)
{
	json_t *patch = NULL, *got = NULL;

	CHECK_INT(ct__json_patch_diff(&patch, a, b), 0);
	CHECK_INT(ct__json_patch_apply(&got, a, patch), 0);
	if (!json_equal(got, b)) {
		char *sa = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
		char *sb = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
		char *sp = json_dumps(patch, JSON_COMPACT);
		CHECK(!"patch(a) == b");
		fprintf(stderr, "  a=%s\n  b=%s\n  patch=%s\n", sa, sb, sp);
		free(sa);
		free(sb);
		free(sp);
	} else {
		CHECK(1);
	}
	/* a doc equal to itself needs no operations */
	json_decref(patch);
	patch = NULL;
	CHECK_INT(ct__json_patch_diff(&patch, b, b), 0);
	CHECK_INT(json_array_size(patch), 0);
	json_decref(patch);
	json_decref(got);
}

static void check_patch_str(const char *a, const char *b, const char *want_patch)
{
	json_t *ja = parse(a), *jb = parse(b), *want = parse(want_patch), *patch = NULL;

	CHECK_INT(ct__json_patch_diff(&patch, ja, jb), 0);
	if (!json_equal(patch, want)) {
		char *s = json_dumps(patch, JSON_COMPACT);
		CHECK_STR(s, want_patch);
		free(s);
	} else {
		CHECK(1);
	}
	check_roundtrip(ja, jb);
	json_decref(ja);
	json_decref(jb);
	json_decref(want);
	json_decref(patch);
}

static const char *const key_pool[] = {"a", "b", "id", "tags", "a/b", "m~n", "~1", "~0/", "/", "~",
	"", "quote", "x y", "K\xc3\xa4mpfer"};

static json_t *random_value(int depth)
{
	unsigned k = rnd(depth > 3 ? 5 : 7), i, n;
	json_t *v;

	switch (k) {
	case 0: return json_integer((json_int_t)rnd(5));
	case 1: return json_string(key_pool[rnd(sizeof(key_pool) / sizeof(key_pool[0]))]);
	case 2: return rnd(2) ? json_true() : json_false();
	case 3: return json_null();
	case 4: return json_string("6000");
	case 5:
		v = json_array();
		n = rnd(6);
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(depth + 1));
		return v;
	default:
		v = json_object();
		n = rnd(6);
		for (i = 0; i < n; i++)
			json_object_set_new(v,
				key_pool[rnd(sizeof(key_pool) / sizeof(key_pool[0]))],
				random_value(depth + 1));
		return v;
	}
}

/* A copy of v with a few random edits deep inside: grow, shrink, change, add, drop. */
static json_t *mutate(const json_t *v, int depth)
{
	json_t *c = json_deep_copy(v);
	size_t n, i;

	if (rnd(8) == 0) {
		json_decref(c);
		return random_value(depth);
	}
	if (json_is_array(c)) {
		n = json_array_size(c);
		for (i = 0; i < n; i++)
			if (rnd(3) == 0)
				json_array_set_new(c, i, mutate(json_array_get(c, i), depth + 1));
		switch (rnd(5)) {
		case 0:
			json_array_insert_new(c, rnd((unsigned)n + 1), random_value(depth + 1));
			break;
		case 1:
			if (n)
				json_array_remove(c, rnd((unsigned)n));
			break;
		case 2:
			for (i = rnd(4); i > 0; i--)
				json_array_append_new(c, random_value(depth + 1));
			break;
		case 3:
			while (json_array_size(c) > 0 && rnd(2))
				json_array_remove(c, json_array_size(c) - 1);
			break;
		default: break;
		}
	} else if (json_is_object(c)) {
		const char *key;
		json_t *val;
		void *tmp;
		json_object_foreach_safe (c, tmp, key, val) {
			unsigned r = rnd(5);
			if (r == 0)
				json_object_del(c, key);
			else if (r == 1)
				json_object_set_new(c, key, mutate(val, depth + 1));
		}
		if (rnd(2))
			json_object_set_new(c,
				key_pool[rnd(sizeof(key_pool) / sizeof(key_pool[0]))],
				random_value(depth + 1));
	}
	return c;
}

static void test_patch(void)
{
	int i;

	check_patch_str(
		"{\"a\":1}", "{\"a\":2}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":2}]");
	check_patch_str("{\"a/b\":1,\"m~n\":2}", "{\"a/b\":3}",
		"[{\"op\":\"remove\",\"path\":\"/m~0n\"},"
		"{\"op\":\"replace\",\"path\":\"/a~1b\",\"value\":3}]");
	check_patch_str("{}", "{\"~1\":{\"/\":true}}",
		"[{\"op\":\"add\",\"path\":\"/~01\",\"value\":{\"/\":true}}]");
	check_patch_str(
		"{\"\":1}", "{\"\":2}", "[{\"op\":\"replace\",\"path\":\"/\",\"value\":2}]");
	check_patch_str("1", "\"x\"", "[{\"op\":\"replace\",\"path\":\"\",\"value\":\"x\"}]");
	check_patch_str("[1,2,3]", "[1,9,2,3]", "[{\"op\":\"add\",\"path\":\"/1\",\"value\":9}]");
	check_patch_str("[1,2,3,4]", "[1,4]",
		"[{\"op\":\"remove\",\"path\":\"/1\"},{\"op\":\"remove\",\"path\":\"/1\"}]");
	check_patch_str("{\"tags\":[\"a\"]}", "{\"tags\":[\"a\",\"b\",\"c\"]}",
		"[{\"op\":\"add\",\"path\":\"/tags/1\",\"value\":\"b\"},"
		"{\"op\":\"add\",\"path\":\"/tags/2\",\"value\":\"c\"}]");
	check_patch_str("{\"q\":{\"amount\":\"6000\",\"unit\":\"x\"}}",
		"{\"q\":{\"amount\":\"5000\"}}",
		"[{\"op\":\"remove\",\"path\":\"/q/unit\"},"
		"{\"op\":\"replace\",\"path\":\"/q/amount\",\"value\":\"5000\"}]");
	check_patch_str("[]", "{}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{}}]");
	check_patch_str(
		"{\"a\":1}", "{\"a\":1.0}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":1.0}]");

	for (i = 0; i < 3000; i++) {
		json_t *a = random_value(0), *b = mutate(a, 0);
		check_roundtrip(a, b);
		check_roundtrip(b, a);
		json_decref(a);
		json_decref(b);
	}
}

static void check_apply(const char *doc, const char *patch, const char *want)
{
	json_t *d = parse(doc), *p = parse(patch), *got = NULL;
	int rc = ct__json_patch_apply(&got, d, p);

	if (want) {
		json_t *w = parse(want);
		CHECK_INT(rc, 0);
		CHECK(json_equal(got, w));
		json_decref(w);
	} else {
		CHECK_INT(rc, CT_EINVALID);
		CHECK(got == NULL);
		CHECK(strchr(ct_error_last(), '\n') == NULL);
	}
	json_decref(d);
	json_decref(p);
	json_decref(got);
}

static void test_apply(void)
{
	json_t *d, *p, *got = NULL;

	/* RFC 6902 appendix A */
	check_apply("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
		"{\"baz\":\"qux\",\"foo\":\"bar\"}");
	check_apply("{\"foo\":[\"bar\",\"baz\"]}",
		"[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
		"{\"foo\":[\"bar\",\"qux\",\"baz\"]}");
	check_apply("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]",
		"{\"foo\":\"bar\"}");
	check_apply("{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
		"[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", "{\"foo\":[\"bar\",\"baz\"]}");
	check_apply("{\"baz\":\"qux\",\"foo\":\"bar\"}",
		"[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
		"{\"baz\":\"boo\",\"foo\":\"bar\"}");
	check_apply("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
		"[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
		"{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}");
	check_apply("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
		"[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
		"{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}");
	check_apply("{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
		"[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
		"{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
		"{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}");
	check_apply("{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]",
		NULL);
	check_apply("{\"foo\":\"bar\"}",
		"[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
		"{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}");
	check_apply("{\"foo\":\"bar\"}",
		"[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", NULL);
	check_apply("{\"foo\":[\"bar\"]}",
		"[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\"]}]",
		"{\"foo\":[\"bar\",[\"abc\"]]}");
	check_apply("{\"foo\":1}", "[{\"op\":\"copy\",\"from\":\"/foo\",\"path\":\"/bar\"}]",
		"{\"foo\":1,\"bar\":1}");
	check_apply("{\"/\":9,\"m~n\":8}",
		"[{\"op\":\"test\",\"path\":\"/~1\",\"value\":9},"
		"{\"op\":\"test\",\"path\":\"/m~0n\",\"value\":8}]",
		"{\"/\":9,\"m~n\":8}");
	/* errors: bad indexes, bad escapes, missing members, removing the root */
	check_apply("[1,2]", "[{\"op\":\"add\",\"path\":\"/3\",\"value\":0}]", NULL);
	check_apply("[1,2]", "[{\"op\":\"remove\",\"path\":\"/01\"}]", NULL);
	check_apply("[1,2]", "[{\"op\":\"remove\",\"path\":\"/2\"}]", NULL);
	check_apply("[1,2]", "[{\"op\":\"replace\",\"path\":\"/-\",\"value\":0}]", NULL);
	check_apply("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/~2\"}]", NULL);
	check_apply("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":0}]", NULL);
	check_apply("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", NULL);
	check_apply("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"a\"}]", NULL);
	check_apply("{\"a\":{}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b\"}]", NULL);
	check_apply("{\"a\":1}", "[{\"op\":\"frobnicate\",\"path\":\"/a\"}]", NULL);
	check_apply("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\"}]", NULL);
	check_apply("{\"a\":1}", "{\"op\":\"add\"}", NULL);
	/* all or nothing: the document is untouched after a failure midway */
	d = parse("{\"a\":1}");
	p = parse(
		"[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},{\"op\":\"remove\",\"path\":\"/c\"}]");
	CHECK_INT(ct__json_patch_apply(&got, d, p), CT_EINVALID);
	CHECK_ERROR_HAS("JSON patch operation 1 (remove /c)");
	CHECK_INT(json_object_size(d), 1);
	json_decref(d);
	json_decref(p);
}

/* ---- record diffs ---- */

static void test_record_diff(void)
{
	json_t *a =
		parse("{\"type\":\"claim\",\"id\":\"c1\",\"revision\":1,"
		      "\"created\":\"2024-03-25T10:00:00Z\",\"statement\":\"As many as 6000 "
		      "fighters moved\",\"attribution\":{\"source\":\"s1\",\"quote\":\"as many as "
		      "6,000\"},\"quantity\":{\"amount\":\"6000\",\"unit\":\"fighters\"},"
		      "\"tags\":[\"iskp\"],\"signatures\":[{\"key_id\":\"0123456789abcdef\","
		      "\"sig\":\"x\"}]}");
	json_t *b =
		parse("{\"type\":\"claim\",\"id\":\"c1\",\"revision\":2,"
		      "\"created\":\"2024-03-26T10:00:00Z\",\"reason\":\"checked\","
		      "\"statement\":\"As many as 5000 fighters moved\",\"attribution\":"
		      "{\"source\":\"s2\",\"quote\":\"as many as 6,000\"},\"quantity\":"
		      "{\"amount\":\"5000\",\"unit\":\"fighters\",\"qualifier\":\"as many as\"},"
		      "\"tags\":[\"iskp\",\"afghanistan\"],\"retracted\":true}");
	json_t *diff = NULL, *got = NULL, *c;
	ct_buf fields = CT_BUF_INIT;
	size_t i;

	CHECK_INT(ct_record_diff(&diff, a, b), 0);
	json_array_foreach (json_object_get(diff, "changes"), i, c)
		ct_buf_printf(&fields, "%s%s", i ? " " : "",
			json_string_value(json_object_get(c, "field")));
	CHECK_STR(fields.ptr,
		"statement attribution.source quantity.amount quantity.qualifier "
		"tags retracted");
	c = json_array_get(json_object_get(diff, "changes"), 0);
	CHECK_STR(json_string_value(
			  json_object_get(json_array_get(json_object_get(c, "words"), 1), "text")),
		"6000");
	c = json_array_get(json_object_get(diff, "changes"), 3);
	CHECK(json_is_null(json_object_get(c, "old")));
	CHECK_STR(json_string_value(json_object_get(c, "new")), "as many as");
	c = json_array_get(json_object_get(diff, "changes"), 5);
	CHECK(json_is_false(json_object_get(c, "old")) && json_is_true(json_object_get(c, "new")));
	CHECK_INT(json_integer_value(json_object_get(json_object_get(diff, "a"), "revision")), 1);
	CHECK_STR(json_string_value(json_array_get(
			  json_object_get(json_object_get(diff, "a"), "signers"), 0)),
		"0123456789abcdef");
	CHECK_INT(json_array_size(json_object_get(json_object_get(diff, "b"), "signers")), 0);
	CHECK(json_is_null(json_object_get(json_object_get(diff, "a"), "reason")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(diff, "b"), "reason")),
		"checked");
	CHECK(strncmp(json_string_value(json_object_get(json_object_get(diff, "a"), "digest")),
		      "sha256:", 7) == 0);
	CHECK_INT(ct__json_patch_apply(&got, a, json_object_get(diff, "patch")), 0);
	CHECK(json_equal(got, b));
	json_decref(got);
	json_decref(diff);
	/* a claim against a source, or two different claims, is refused */
	json_object_set_new(b, "id", json_string("c2"));
	CHECK_INT(ct_record_diff(&diff, a, b), CT_EINVALID);
	CHECK(diff == NULL);
	ct_buf_free(&fields);
	json_decref(a);
	json_decref(b);
}

/* A text that is not UTF-8 diffs, but its JSON form is invalid input, not "out of memory". */
static void test_words_json_not_utf8(void)
{
	ct__text_diff *d = NULL;
	json_t *j = NULL;
	const char *a = "forty people died", *b = "forty \xff people died";

	CHECK_INT(ct__text_diff_new(&d, a, strlen(a), a, strlen(a)), 0);
	CHECK_INT(ct__text_diff_json(&j, d), 0);
	CHECK(json_array_size(j) > 0);
	json_decref(j);
	j = NULL;
	ct__text_diff_free(d);
	d = NULL;
	CHECK_INT(ct__text_diff_new(&d, a, strlen(a), b, strlen(b)), 0);
	CHECK_INT(ct__text_diff_json(&j, d), CT_EINVALID);
	CHECK_ERROR_HAS("a text diffed as JSON is not valid UTF-8");
	CHECK(j == NULL);
	ct__text_diff_free(d);
}

int main(void)
{
	if (ct_init() < 0)
		return 1;
	test_words();
	test_words_json_not_utf8();
	test_words_random();
	test_words_long();
	test_patch();
	test_apply();
	test_record_diff();
	ct_shutdown();
	return test_finish();
}
