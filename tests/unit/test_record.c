/*
 * Unit tests for the record schemas (record.c, record_internal.h): every member of every kind
 * says how a revision diff shows it and what bundle verification reads it into, and the diff
 * does show each member the way its row says. A member added to a schema without both rules
 * fails here (in a build with -Werror, a row without the two columns does not even compile).
 */
#include "test.h"
#include "record_internal.h"

static const char *const rule_names[] = {
	"UNSET", "WORDS", "VALUE", "FLAG", "MEMBERS", "SIDE", "PATCH", "NONE"};

/* Checks the rules of members (of kind, under the object path prefix, depth 0 at the top). */
static void check_rules(
	ct_kind kind, const ct__member *members, const char *prefix, int depth, int *slots)
{
	const ct__member *f;
	char path[128];

	for (f = members; f->name; f++) {
		snprintf(path, sizeof(path), "%s %s%s%s", ct_kind_name(kind), prefix,
			*prefix ? "." : "", f->name);
		if (f->diff == CT__DIFF_AS_UNSET || f->verify == CT__BV_UNSET) {
			fprintf(stderr, "%s: no %s rule in the schema (record.c)\n", path,
				f->diff == CT__DIFF_AS_UNSET ? "diff" : "bundle verify");
			CHECK(f->diff != CT__DIFF_AS_UNSET);
			CHECK(f->verify != CT__BV_UNSET);
			continue;
		}
		/* claims and sources have revision diffs; annotations and keys none */
		if ((kind == CT_KIND_CLAIM || kind == CT_KIND_SOURCE) !=
			(f->diff != CT__DIFF_AS_NONE)) {
			fprintf(stderr, "%s: diff rule %s for a %s\n", path, rule_names[f->diff],
				ct_kind_name(kind));
			CHECK(0);
		}
		if (f->diff == CT__DIFF_AS_MEMBERS && !f->fields) {
			fprintf(stderr, "%s: shown by its members, but it has none\n", path);
			CHECK(0);
		}
		/* a slot is read at the top level or one object down (ct__record_schema_slot) */
		if (f->verify != CT__BV_NONE && f->verify != CT__BV_MEMBERS) {
			if (depth > 1) {
				fprintf(stderr, "%s: bundle verify reads nothing this deep\n",
					path);
				CHECK(0);
			}
			slots[f->verify]++;
		}
		if (f->verify == CT__BV_MEMBERS && !f->fields) {
			fprintf(stderr, "%s: verify reads its members, but it has none\n", path);
			CHECK(0);
		}
		if (f->fields) {
			char sub[128];
			snprintf(sub, sizeof(sub), "%s%s%s", prefix, *prefix ? "." : "", f->name);
			check_rules(kind, f->fields, sub, depth + 1, slots);
		}
	}
}

static void test_every_member_has_rules(void)
{
	int seen[CT__BV_COUNT] = {0};
	int kind, slot;

	for (kind = 0; kind < CT_KIND_COUNT; kind++) {
		int slots[CT__BV_COUNT] = {0};
		CHECK(ct__record_schema((ct_kind)kind) != NULL);
		check_rules((ct_kind)kind, ct__record_schema((ct_kind)kind), "", 0, slots);
		for (slot = CT__BV_TYPE; slot < CT__BV_COUNT; slot++) {
			if (slots[slot] > 1)
				fprintf(stderr, "%s: slot %d is read from %d members\n",
					ct_kind_name((ct_kind)kind), slot, slots[slot]);
			CHECK(slots[slot] <= 1);
			seen[slot] += slots[slot];
		}
	}
	/* every slot bundle_verify.c fills is some member's */
	for (slot = CT__BV_TYPE; slot < CT__BV_COUNT; slot++) {
		if (!seen[slot])
			fprintf(stderr, "bundle verify slot %d: no member of any schema\n", slot);
		CHECK(seen[slot] > 0);
	}
	CHECK(ct__record_schema(CT_KIND_COUNT) == NULL);
}

/* The fast path of bundle verification asks for a slot by one name: the same in every kind. */
static void test_slots_agree(void)
{
	int slot, kind;

	for (slot = CT__BV_TYPE; slot < CT__BV_COUNT; slot++) {
		const char *name = NULL, *parent = NULL;
		for (kind = 0; kind < CT_KIND_KEY; kind++) {
			const char *p;
			const ct__member *m =
				ct__record_schema_slot(&p, (ct_kind)kind, (ct__bv_slot)slot);
			if (!m)
				continue;
			if (name) {
				CHECK_STR(m->name, name);
				CHECK_STR(p ? p : "", parent ? parent : "");
			}
			name = m->name;
			parent = p;
		}
	}
	/* spot checks of what bundle_verify.c reads */
	{
		const char *p;
		const ct__member *m = ct__record_schema_slot(&p, CT_KIND_CLAIM, CT__BV_SOURCE);
		CHECK(m != NULL);
		CHECK_STR(m ? m->name : "", "source");
		CHECK_STR(p ? p : "", "attribution");
		m = ct__record_schema_slot(&p, CT_KIND_KEY, CT__BV_ID);
		CHECK_STR(m ? m->name : "", "key_id");
		CHECK(p == NULL);
		CHECK(ct__record_schema_slot(&p, CT_KIND_SOURCE, CT__BV_CLAIM) == NULL);
	}
}

/* The "changes" entry of diff for field, or NULL. */
static const json_t *change_of(const json_t *diff, const char *field)
{
	const json_t *c;
	size_t i;

	json_array_foreach (json_object_get(diff, "changes"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "field")), field) == 0)
			return c;
	return NULL;
}

/*
 * For every member of claims and sources: two revisions that differ in that member alone. A
 * member shown as words or as a value is a change of that name (with "words" for a text); any
 * other is not, and is in the patch.
 */
static void diff_members(ct_kind kind, const ct__member *members, const char *prefix)
{
	const ct__member *f;

	for (f = members; f->name; f++) {
		char field[128];
		json_t *a = json_pack("{s:s, s:s}", "type", ct_kind_name(kind), "id", "x");
		json_t *b = json_pack("{s:s, s:s}", "type", ct_kind_name(kind), "id", "x");
		json_t *diff = NULL;
		const json_t *c;
		int shown = f->diff == CT__DIFF_AS_WORDS || f->diff == CT__DIFF_AS_VALUE ||
			f->diff == CT__DIFF_AS_FLAG;

		snprintf(field, sizeof(field), "%s%s%s", prefix ? prefix : "", prefix ? "." : "",
			f->name);
		if (f->diff == CT__DIFF_AS_MEMBERS) {
			diff_members(kind, f->fields, field);
			json_decref(a);
			json_decref(b);
			continue;
		}
		if (strcmp(f->name, "type") == 0 || strcmp(f->name, "id") == 0) {
			json_decref(a); /* what is diffed, not a change: they must be equal */
			json_decref(b);
			continue;
		}
		if (prefix) {
			json_object_set_new(a, prefix, json_object());
			json_object_set_new(b, prefix, json_object());
		}
		json_object_set_new(prefix ? json_object_get(a, prefix) : a, f->name,
			f->diff == CT__DIFF_AS_FLAG ? json_false() : json_string("old words"));
		json_object_set_new(prefix ? json_object_get(b, prefix) : b, f->name,
			f->diff == CT__DIFF_AS_FLAG ? json_true() : json_string("new words"));
		CHECK_INT(ct_record_diff(&diff, a, b), 0);
		c = change_of(diff, field);
		if ((c != NULL) != shown)
			fprintf(stderr, "%s %s (rule %s): %s in the diff's changes\n",
				ct_kind_name(kind), field, rule_names[f->diff],
				c ? "is" : "is not");
		CHECK((c != NULL) == shown);
		CHECK((c && json_object_get(c, "words")) == (f->diff == CT__DIFF_AS_WORDS));
		CHECK_INT(json_array_size(json_object_get(diff, "changes")), shown ? 1 : 0);
		CHECK(json_array_size(json_object_get(diff, "patch")) > 0);
		json_decref(diff);
		json_decref(a);
		json_decref(b);
	}
}

static void test_diff_follows_schema(void)
{
	diff_members(CT_KIND_CLAIM, ct__record_schema(CT_KIND_CLAIM), NULL);
	diff_members(CT_KIND_SOURCE, ct__record_schema(CT_KIND_SOURCE), NULL);
}

/* Appends "kind field rule\n" for every member of claims and sources a diff shows as words
 * (words = 1) or as a value (words = 0), in schema order. */
static void shown_members(
	ct_buf *out, ct_kind kind, const ct__member *members, const char *prefix, int words)
{
	const ct__member *f;

	for (f = members; f->name; f++) {
		char field[128];
		snprintf(field, sizeof(field), "%s%s%s", prefix ? prefix : "", prefix ? "." : "",
			f->name);
		if (f->diff == CT__DIFF_AS_MEMBERS)
			shown_members(out, kind, f->fields, field, words);
		else if (words ? f->diff == CT__DIFF_AS_WORDS
			       : f->diff == CT__DIFF_AS_VALUE || f->diff == CT__DIFF_AS_FLAG)
			ct_buf_printf(out, "%s %s %s\n", ct_kind_name(kind), field,
				f->diff == CT__DIFF_AS_WORDS ? "words" : "value");
	}
}

/* docs/diff.md's table "Fields compared" lists the same members, shown the same way, in the
 * order of a diff's changes: the text fields first. */
static void test_docs_list_the_schema(void)
{
	const char *src = getenv("SRCDIR");
	char path[4096], line[1024];
	ct_buf want = CT_BUF_INIT, got = CT_BUF_INIT;
	int in = 0;
	FILE *f;

	shown_members(&want, CT_KIND_CLAIM, ct__record_schema(CT_KIND_CLAIM), NULL, 1);
	shown_members(&want, CT_KIND_CLAIM, ct__record_schema(CT_KIND_CLAIM), NULL, 0);
	shown_members(&want, CT_KIND_SOURCE, ct__record_schema(CT_KIND_SOURCE), NULL, 1);
	shown_members(&want, CT_KIND_SOURCE, ct__record_schema(CT_KIND_SOURCE), NULL, 0);
	snprintf(path, sizeof(path), "%s/docs/diff.md", src ? src : "..");
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		char *kind, *fields, *shown, *p, *q;
		if (strncmp(line, "### Fields compared", 19) == 0)
			in = 1;
		else if (in && strncmp(line, "| claim |", 9) != 0 &&
			strncmp(line, "| source |", 10) != 0 && strncmp(line, "| kind |", 8) != 0 &&
			strncmp(line, "| --- |", 7) != 0 && *line != '\n')
			in = 0;
		if (!in ||
			(strncmp(line, "| claim |", 9) != 0 &&
				strncmp(line, "| source |", 10) != 0))
			continue;
		/* | kind | `a`, `b` | word diff | */
		kind = strtok(line, "| ");
		fields = strtok(NULL, "|");
		shown = strtok(NULL, "|");
		for (p = strchr(fields, '`'); p && (q = strchr(p + 1, '`'));
			p = strchr(q + 1, '`')) {
			*q = '\0';
			ct_buf_printf(&got, "%s %s %s\n", kind, p + 1,
				strstr(shown, "word diff") ? "words" : "value");
		}
	}
	if (f)
		fclose(f);
	CHECK_STR(got.ptr ? got.ptr : "", want.ptr ? want.ptr : "");
	ct_buf_free(&want);
	ct_buf_free(&got);
}

/* Numbers as fact-checkers write them: what each reads as, or NULL when it is refused. */
static void test_quantity_parse(void)
{
	static const struct {
		const char *text, *amount, *qualifier;
		int percent;
	} cases[] = {
		{"6000", "6000", "", 0},
		{"6,000", "6000", "", 0},
		{"  2.5 ", "2.5", "", 0},
		{"-12", "-12", "", 0},
		{"7.6 million", "7600000", "", 0},
		{"7.6 Million", "7600000", "", 0},
		{"6.4m", "6400000", "", 0},
		{"6.4M", "6400000", "", 0},
		{"1.2 billion", "1200000000", "", 0},
		{"1.2bn", "1200000000", "", 0},
		{"3 trillion", "3000000000000", "", 0},
		{"40k", "40000", "", 0},
		{"1.25 thousand", "1250", "", 0},
		{"0.0000001 million", "0.1", "", 0},
		{"30%", "30", "", 1},
		{"30 per cent", "30", "", 1},
		{"12.5 percent", "12.5", "", 1},
		{"about 6,000", "6000", "about", 0},
		{"as many as 6,000", "6000", "as many as", 0},
		{"More than 130", "130", "More than", 0},
		{"nearly 7.6 million", "7600000", "nearly", 0},
		{"007", "7", "", 0},
		{"2.50", "2.5", "", 0},
		{"1,234,567.80", "1234567.8", "", 0},
		{"", NULL, NULL, 0},
		{"about", NULL, NULL, 0},
		{"6x", NULL, NULL, 0},
		{"six", NULL, NULL, 0},
		{"6 m", NULL, NULL, 0},
		{"60,00", NULL, NULL, 0},
		{"1,2345", NULL, NULL, 0},
		{"1234,567", NULL, NULL, 0},
		{"6.4 million people", NULL, NULL, 0},
		{"1.", NULL, NULL, 0},
		{"--5", NULL, NULL, 0},
	};
	ct_quantity_parsed q;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ct_quantity_parse(&q, cases[i].text);
		if (!cases[i].amount) {
			CHECK_INT(rc, CT_EINVALID);
			CHECK_ERROR_HAS("is not a number");
			continue;
		}
		CHECK_INT(rc, 0);
		CHECK_STR(q.amount, cases[i].amount);
		CHECK_STR(q.qualifier, cases[i].qualifier);
		CHECK_INT(q.percent, cases[i].percent);
	}
}

/* Whether a quote holds the amount: as written or scaled, never inside another number. */
static void test_quantity_in_text(void)
{
	static const struct {
		const char *amount, *text;
		int found;
	} cases[] = {
		{"6400000", "About 6.4 million people were displaced", 1},
		{"6300000", "About 6.4 million people were displaced", 0},
		{"6.4", "About 6.4 million people were displaced", 1},
		{"6000", "as many as 6,000 foreign fighters", 1},
		{"6000", "as many as 6,000. foreign fighters", 1},
		{"6000", "6000", 1},
		{"6000.0", "6,000 fighters", 1},
		{"600", "as many as 6,000 foreign fighters", 0},
		{"000", "as many as 6,000 foreign fighters", 0},
		{"30", "and 30% left", 1},
		{"30", "and 130% left", 0},
		{"1200000000", "a $1.2bn deal", 1},
		{"2021", "from 2020-2021", 1},
		{"-2021", "from 2020-2021", 0},
		{"-3", "it fell to -3 degrees", 1},
		{"130", "more than 130 deaths", 1},
		{"13", "more than 130 deaths", 0},
		{"5", "COVID-19 killed 5m", 1}, /* an old record: amount 5, unit "million" */
		{"5000000", "COVID-19 killed 5m", 1},
		{"19", "COVID-19 killed 5m", 0},
		{"1", "v1.2 was released", 0},
		{"not a number", "1 2 3", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(ct_quantity_in_text(cases[i].amount, cases[i].text), cases[i].found);
}

static void test_amount_format(void)
{
	static const char *const cases[][2] = {{"0", "0"}, {"999", "999"}, {"1000", "1,000"},
		{"6400000", "6,400,000"}, {"-1234.5", "-1,234.5"}, {"123456.789", "123,456.789"},
		{"1000000000000", "1,000,000,000,000"}};
	char out[2 * CT_AMOUNT_MAX], small[4];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(ct_amount_format(out, sizeof(out), cases[i][0]), 0);
		CHECK_STR(out, cases[i][1]);
	}
	CHECK_INT(ct_amount_format(small, sizeof(small), "6400000"), CT_EINVALID);
	CHECK_INT(ct_amount_format(out, sizeof(out), NULL), CT_EINVALID);
	CHECK_INT(ct_quantity_in_text(NULL, "6,000"), 0);
	CHECK_INT((int)strlen(small), 3);
}

/* The hedges of a quote: in order, each once, the numeric ones only before a number. */
static void test_hedges_find(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"as many as 6,000 foreign fighters may have moved", "as many as|may have"},
		{"About 6.4 million people, about the attack", "about"},
		{"talk about the attack, around the city", ""},
		{"more than 190 attacks, more than 200 more", "more than"},
		{"Reportedly, according to officials, an estimated 30%",
			"reportedly|according to|an estimated"},
		{"they have estimated that 6,000", ""},
		{"they estimated 6,000", "estimated"},
		{"unabout 6,000", ""},
		{"", ""},
	};
	size_t i, j;
	json_t *found = NULL, *h;
	char got[256];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got[0] = '\0';
		CHECK_INT(ct_hedges_find(&found, cases[i].text), 0);
		json_array_foreach (found, j, h)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", j ? "|" : "",
				json_string_value(h));
		CHECK_STR(got, cases[i].want);
		json_decref(found);
		found = NULL;
	}
	CHECK_INT(ct_hedges_find(&found, NULL), CT_EINVALID);
	CHECK(found == NULL);
}

/* The members issue 18 added validate as docs/format.md 5.3 says; older records stay valid. */
static void test_reasoning_members(void)
{
	const char *base = "{\"type\":\"claim\",\"id\":\"c\",\"revision\":1,"
			   "\"created\":\"2024-01-01T00:00:00Z\",\"statement\":\"s\","
			   "\"attribution\":{\"source\":\"a\"%s}%s}";
	static const struct {
		const char *attr, *rest;
		int ok;
	} cases[] = {
		{"", "", 1},
		{",\"role\":\"said-by\"", "", 1},
		{",\"role\":\"spoken-by\"", "", 0},
		{"", ",\"sources\":[{\"role\":\"said-by\",\"source\":\"un\"}]", 1},
		{"", ",\"sources\":[]", 0},
		{"", ",\"sources\":[{\"source\":\"un\"}]", 0},
		{"", ",\"sources\":[{\"role\":\"said-by\",\"source\":\"UN\"}]", 0},
		{"", ",\"sources\":[{\"role\":\"said-by\",\"source\":\"un\",\"x\":1}]", 0},
		{"", ",\"sources\":[{\"role\":\"said-by\",\"source\":\"un\",\"selector\":{\"exact\":\"q\",\"prefix\":\"\",\"suffix\":\"\",\"start\":0,\"end\":1}}]",
			0},
		{"", ",\"hedges\":[\"may have\"]", 1},
		{"", ",\"hedges\":[]", 1},
		{"", ",\"hedges\":[\"\"]", 0},
		{"", ",\"depends_on\":[\"b\"],\"same_quantity\":[\"d\"]", 1},
		{"", ",\"depends_on\":[\"B!\"]", 0},
		{"", ",\"quantity\":{\"amount\":\"6000\",\"low\":\"10\",\"high\":\"6000\",\"as_of\":\"2024-03\"}",
			1},
		{"", ",\"quantity\":{\"amount\":\"6000\",\"low\":\"7000\",\"high\":\"6000\"}", 0},
		{"", ",\"quantity\":{\"amount\":\"6000\",\"as_of\":\"2023\"}", 1},
		{"", ",\"quantity\":{\"amount\":\"6000\",\"as_of\":\"2023-13\"}", 0},
		{"", ",\"quantity\":{\"amount\":\"6000\",\"as_of\":\"2023-02-30\"}", 0},
		{"", ",\"quantity\":{\"amount\":\"6000\",\"as_of\":\"23\"}", 0},
	};
	char text[1024];
	size_t i;
	json_t *r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), base, cases[i].attr, cases[i].rest);
		r = json_loads(text, 0, NULL);
		CHECK(r != NULL);
		if (ct_record_validate(r) == 0 ? !cases[i].ok : cases[i].ok)
			fprintf(stderr, "case %zu: %s: %s\n", i, text, ct_error_last());
		CHECK_INT(ct_record_validate(r) == 0, cases[i].ok);
		json_decref(r);
	}
}

/* A claim's or source's prev: one digest, or (a merge revision, docs/sync.md) two or more,
 * ascending. */
static void test_prev_list(void)
{
	const char *a = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	const char *b = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
	json_t *claim = json_pack("{s:s, s:s, s:i, s:s, s:s, s:{s:s}, s:s}", "type", "claim", "id",
		"c1", "revision", 3, "created", "2026-12-03T00:00:00Z", "statement", "S.",
		"attribution", "source", "s", "prev", a);
	json_t *source = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:[s,s]}", "type", "source",
		"id", "s", "revision", 3, "created", "2026-12-03T00:00:00Z", "title", "T",
		"publisher", "P", "prev", a, b);

	CHECK(claim && source);
	CHECK_INT(ct_record_validate(claim), 0);
	json_object_set_new(claim, "prev", json_pack("[s,s]", a, b));
	CHECK_INT(ct_record_validate(claim), 0);
	json_object_set_new(claim, "prev", json_pack("[s,s]", b, a));
	CHECK_INT(ct_record_validate(claim), CT_EINVALID);
	CHECK_ERROR_HAS("lists its digests out of order or twice");
	json_object_set_new(claim, "prev", json_pack("[s,s]", a, a));
	CHECK_INT(ct_record_validate(claim), CT_EINVALID);
	json_object_set_new(claim, "prev", json_pack("[s]", a));
	CHECK_INT(ct_record_validate(claim), CT_EINVALID);
	CHECK_ERROR_HAS("fewer than two digests");
	json_object_set_new(claim, "prev", json_pack("[s,s]", a, "sha256:12"));
	CHECK_INT(ct_record_validate(claim), CT_EINVALID);
	/* a source's merge revision names its heads the same way (docs/sync.md) */
	CHECK_INT(ct_record_validate(source), 0);
	json_object_set_new(source, "prev", json_pack("[s,s]", b, a));
	CHECK_INT(ct_record_validate(source), CT_EINVALID);
	CHECK_ERROR_HAS("lists its digests out of order or twice");
	json_object_set_new(source, "prev", json_pack("[s]", a));
	CHECK_INT(ct_record_validate(source), CT_EINVALID);
	CHECK_ERROR_HAS("fewer than two digests");
	json_decref(claim);
	json_decref(source);
}

int main(void)
{
	if (ct_init() < 0)
		return 1;
	test_every_member_has_rules();
	test_slots_agree();
	test_diff_follows_schema();
	test_docs_list_the_schema();
	test_quantity_parse();
	test_quantity_in_text();
	test_amount_format();
	test_hedges_find();
	test_reasoning_members();
	test_prev_list();
	ct_shutdown();
	return test_finish();
}
