/* Unit tests for the workflow: status derivation, annotation ids, the verdict scale, quote
 * anchoring with normalisation, and sentence suggestions. */
#include "test.h"
#include "anchor_text.h"

static json_t *claim_rev(json_int_t revision, const char *statement, int retracted)
{
	json_t *c = json_pack("{s:s, s:s, s:I, s:s, s:s, s:{s:s}}", "type", "claim", "id", "c1",
		"revision", revision, "created", "2024-03-25T10:00:00Z", "statement", statement,
		"attribution", "source", "s1");
	if (retracted) {
		json_object_set_new(c, "retracted", json_true());
		json_object_set_new(c, "reason", json_string("the source withdrew it"));
	}
	return c;
}

static json_t *ann(const char *id, const char *created, const char *kind, const char *judged)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "annotation", "id", id,
		"created", created, "claim", "c1", "claim_revision", judged, "kind", kind);
}

static json_t *verdict(const char *id, const char *created, const char *v, const char *judged)
{
	json_t *a = ann(id, created, "verdict", judged);
	json_object_set_new(a, "verdict", json_string(v));
	return a;
}

static json_t *dispute(const char *id, const char *created, const char *judged)
{
	json_t *a = ann(id, created, "dispute", judged);
	json_object_set_new(a, "dispute",
		json_pack("{s:s, s:s}", "by", "Russia's foreign ministry", "reason",
			"questioned it"));
	return a;
}

static json_t *resolution(const char *id, const char *created, const char *resolves,
	const char *outcome, const char *judged)
{
	json_t *a = ann(id, created, "resolution", judged);
	json_object_set_new(a, "resolves", json_string(resolves));
	json_object_set_new(a, "outcome", json_string(outcome));
	json_object_set_new(a, "note", json_string("why"));
	return a;
}

/* The status of claim given annotations; why is checked to mention `mention`. */
static void expect_status(
	const json_t *claim, json_t *annotations, const char *want, const char *mention, int line)
{
	const char *status = NULL;
	ct_buf why = CT_BUF_INIT;
	int error = ct_claim_status(&status, &why, claim, annotations);

	test_checks++;
	if (error < 0 || !status || strcmp(status, want) != 0 ||
		(mention && (!why.ptr || !strstr(why.ptr, mention)))) {
		test_failures++;
		fprintf(stderr, "line %d: status %s (%s), wanted %s mentioning \"%s\"\n", line,
			status ? status : "(none)", why.ptr ? why.ptr : "", want,
			mention ? mention : "");
	}
	ct_buf_free(&why);
	json_decref(annotations);
}

static void test_status(void)
{
	json_t *r1 = claim_rev(1, "More than 130 people died", 0);
	json_t *r2 = claim_rev(2, "More than 140 people died", 0);
	json_t *gone = claim_rev(3, "More than 140 people died", 1);
	char d1[CT_DIGEST_LEN + 1], d2[CT_DIGEST_LEN + 1];

	CHECK(ct_record_digest(d1, r1) == 0);
	CHECK(ct_record_digest(d2, r2) == 0);

	expect_status(r1, json_array(), "unreviewed", "no verdict", __LINE__);
	expect_status(r1,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1)),
		"supported", "verdict-a", __LINE__);
	expect_status(r1,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "mostly-true", d1)),
		"supported", NULL, __LINE__);
	expect_status(r1,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "false", d1)),
		"refuted", NULL, __LINE__);
	expect_status(r1,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "mostly-false", d1)),
		"refuted", NULL, __LINE__);
	expect_status(r1,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "mixed", d1)),
		"mixed", NULL, __LINE__);
	expect_status(r1,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "misleading", d1)),
		"misleading", NULL, __LINE__);
	expect_status(r1,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "unverifiable", d1)),
		"unverifiable", NULL, __LINE__);
	/* the newest verdict wins */
	expect_status(r1,
		json_pack("[o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			verdict("verdict-b", "2024-03-27T00:00:00Z", "false", d1)),
		"refuted", "verdict-b", __LINE__);
	/* a verdict on revision 1 does not carry over to revision 2 */
	expect_status(r2,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1)),
		"needs-review", "older revision", __LINE__);
	expect_status(r2,
		json_pack("[o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			verdict("verdict-b", "2024-03-28T00:00:00Z", "mixed", d2)),
		"mixed", "verdict-b", __LINE__);
	/* an open dispute outranks any verdict */
	expect_status(r1,
		json_pack("[o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			dispute("dispute-x", "2024-03-27T00:00:00Z", d1)),
		"disputed", "dispute-x by Russia's foreign ministry", __LINE__);
	/* rejected: the verdict stands */
	expect_status(r1,
		json_pack("[o, o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			dispute("dispute-x", "2024-03-27T00:00:00Z", d1),
			resolution("resolution-y", "2024-03-28T00:00:00Z", "dispute-x", "rejected",
				d1)),
		"supported", NULL, __LINE__);
	/* upheld after the verdict: the verdict no longer stands */
	expect_status(r1,
		json_pack("[o, o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			dispute("dispute-x", "2024-03-27T00:00:00Z", d1),
			resolution(
				"resolution-y", "2024-03-28T00:00:00Z", "dispute-x", "upheld", d1)),
		"needs-review", "dispute-x was upheld", __LINE__);
	/* ... until a newer verdict */
	expect_status(r1,
		json_pack("[o, o, o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			dispute("dispute-x", "2024-03-27T00:00:00Z", d1),
			resolution(
				"resolution-y", "2024-03-28T00:00:00Z", "dispute-x", "upheld", d1),
			verdict("verdict-c", "2024-03-29T00:00:00Z", "false", d1)),
		"refuted", "verdict-c", __LINE__);
	/* two disputes, one resolved: still disputed */
	expect_status(r1,
		json_pack("[o, o, o]", dispute("dispute-x", "2024-03-27T00:00:00Z", d1),
			dispute("dispute-z", "2024-03-27T00:00:01Z", d1),
			resolution("resolution-y", "2024-03-28T00:00:00Z", "dispute-x", "rejected",
				d1)),
		"disputed", "1 open dispute; latest dispute-z", __LINE__);
	/* retraction outranks everything */
	expect_status(gone,
		json_pack("[o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			dispute("dispute-x", "2024-03-27T00:00:00Z", d1)),
		"retracted", "the source withdrew it", __LINE__);
	/* notes do not change the status */
	{
		json_t *note = ann("note-a", "2024-03-26T00:00:00Z", "note", d1);
		json_object_set_new(note, "note", json_string("ask for the primary source"));
		expect_status(r1, json_pack("[o]", note), "unreviewed", NULL, __LINE__);
	}
	json_decref(r1);
	json_decref(r2);
	json_decref(gone);
}

/* The verdict that stands (want: its id, or NULL with why mentioning `mention`). */
static void expect_standing(
	const json_t *claim, json_t *annotations, const char *want, const char *mention, int line)
{
	const json_t *v = NULL;
	ct_buf why = CT_BUF_INIT;
	int error = ct_claim_current_verdict(&v, &why, claim, annotations);
	const char *got = v ? ct_record_id(v) : NULL;

	test_checks++;
	if (error < 0 || (want ? !got || strcmp(got, want) != 0 : got != NULL) ||
		(!want && mention && (!why.ptr || !strstr(why.ptr, mention)))) {
		test_failures++;
		fprintf(stderr, "line %d: standing verdict %s (%s), wanted %s mentioning \"%s\"\n",
			line, got ? got : "(none)", why.ptr ? why.ptr : "", want ? want : "(none)",
			mention ? mention : "");
	}
	ct_buf_free(&why);
	json_decref(annotations);
}

static void test_standing_verdict(void)
{
	json_t *r1 = claim_rev(1, "More than 130 people died", 0);
	json_t *r2 = claim_rev(2, "More than 140 people died", 0);
	json_t *gone = claim_rev(2, "More than 140 people died", 1);
	char d1[CT_DIGEST_LEN + 1], d2[CT_DIGEST_LEN + 1];

	CHECK(ct_record_digest(d1, r1) == 0);
	CHECK(ct_record_digest(d2, gone) == 0);
	expect_standing(r1, json_array(), NULL, "no verdict yet", __LINE__);
	expect_standing(r1,
		json_pack("[o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			verdict("verdict-b", "2024-03-27T00:00:00Z", "false", d1)),
		"verdict-b", NULL, __LINE__);
	/* judged an older revision */
	expect_standing(r2,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1)), NULL,
		"older revisions (the newest, verdict-a, is not on revision 2)", __LINE__);
	/* an open dispute does not take it down */
	expect_standing(r1,
		json_pack("[o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			dispute("dispute-x", "2024-03-27T00:00:00Z", d1)),
		"verdict-a", NULL, __LINE__);
	/* an upheld one does, also when another dispute is still open */
	expect_standing(r1,
		json_pack("[o, o, o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			dispute("dispute-x", "2024-03-27T00:00:00Z", d1),
			resolution(
				"resolution-y", "2024-03-28T00:00:00Z", "dispute-x", "upheld", d1),
			dispute("dispute-z", "2024-03-29T00:00:00Z", d1)),
		NULL, "dispute-x was upheld (resolution-y) after verdict verdict-a", __LINE__);
	/* in the same second as the verdict: the resolution is taken as the newer */
	expect_standing(r1,
		json_pack("[o, o, o]", dispute("dispute-x", "2024-03-26T00:00:00Z", d1),
			verdict("verdict-a", "2024-03-27T00:00:00Z", "true", d1),
			resolution(
				"resolution-y", "2024-03-27T00:00:00Z", "dispute-x", "upheld", d1)),
		NULL, "was upheld", __LINE__);
	/* a newer verdict stands again */
	expect_standing(r1,
		json_pack("[o, o, o, o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d1),
			dispute("dispute-x", "2024-03-27T00:00:00Z", d1),
			resolution(
				"resolution-y", "2024-03-28T00:00:00Z", "dispute-x", "upheld", d1),
			verdict("verdict-c", "2024-03-29T00:00:00Z", "false", d1)),
		"verdict-c", NULL, __LINE__);
	/* a retraction takes down even a verdict on the retracting revision */
	expect_standing(gone,
		json_pack("[o]", verdict("verdict-a", "2024-03-26T00:00:00Z", "true", d2)), NULL,
		"revision 2 retracts it", __LINE__);
	json_decref(r1);
	json_decref(r2);
	json_decref(gone);
}

static void test_scale(void)
{
	size_t n, i;
	const ct_verdict *scale = ct_verdict_scale(&n);

	CHECK_INT(n, 7);
	CHECK(ct_verdict_find("true") && ct_verdict_find("true")->rating == CT_RATING_BEST);
	CHECK(ct_verdict_find("false") && ct_verdict_find("false")->rating == CT_RATING_WORST);
	CHECK(ct_verdict_find("misleading") && ct_verdict_find("misleading")->rating == 0);
	CHECK(ct_verdict_find("pants-on-fire") == NULL);
	CHECK(ct_verdict_find(NULL) == NULL);
	for (i = 0; i + 1 < n; i++)
		if (scale[i].rating && scale[i + 1].rating)
			CHECK(scale[i].rating == scale[i + 1].rating + 1);
}

static void test_annotation_id(void)
{
	json_t *a = verdict("ignored", "2024-03-26T00:00:00Z", "true",
		"sha256:0000000000000000000000000000000000000000000000000000000000000000");
	char id1[CT_ID_MAX + 1], id2[CT_ID_MAX + 1], id3[CT_ID_MAX + 1], id4[CT_ID_MAX + 1];
	size_t i;

	json_object_del(a, "id");
	CHECK(ct_annotation_id(id1, a, "0123456789abcdef") == 0);
	CHECK_INT(strlen(id1), strlen("verdict-") + CT_ANNOTATION_HASH_LEN);
	CHECK(strncmp(id1, "verdict-", 8) == 0);
	for (i = 8; id1[i]; i++)
		CHECK((id1[i] >= '0' && id1[i] <= '9') || (id1[i] >= 'a' && id1[i] <= 'f'));
	CHECK(ct_id_validate(id1, "annotation") == 0);
	/* the id, and signatures, do not enter the hash */
	json_object_set_new(a, "id", json_string(id1));
	json_object_set_new(a, "signatures", json_array());
	CHECK(ct_annotation_id(id2, a, "0123456789abcdef") == 0);
	CHECK_STR(id1, id2);
	/* another signer, or other words, give another id */
	CHECK(ct_annotation_id(id3, a, "fedcba9876543210") == 0);
	CHECK(strcmp(id1, id3) != 0);
	json_object_set_new(a, "note", json_string("checked against the ministry's count"));
	CHECK(ct_annotation_id(id4, a, "0123456789abcdef") == 0);
	CHECK(strcmp(id1, id4) != 0);
	/* a fixed vector, so that the rule in docs/workflow.md stays what it says */
	{
		ct_buf body = CT_BUF_INIT;
		char hex[65], want[CT_ID_MAX + 1];
		json_t *copy = json_copy(a);
		json_object_del(copy, "id");
		json_object_del(copy, "signatures");
		CHECK(ct_json_canon(&body, copy) == 0);
		ct_buf_puts(&body, "\n0123456789abcdef");
		ct_sha256_hex(hex, (const uint8_t *)body.ptr, body.len);
		snprintf(want, sizeof(want), "verdict-%.12s", hex);
		CHECK_STR(id4, want);
		ct_buf_free(&body);
		json_decref(copy);
	}
	json_decref(a);
}

static void expect_anchor(const char *text, const char *quote, const char *exact, long long start,
	long long end, int line)
{
	json_t *attr = json_pack("{s:s, s:s}", "source", "s1", "quote", quote);
	const json_t *sel;
	int error = ct__anchor_quote(attr, text, strlen(text));

	sel = json_object_get(attr, "selector");
	test_checks++;
	if (exact ? (error != 0 || !sel ||
			    strcmp(json_string_value(json_object_get(sel, "exact")), exact) != 0 ||
			    json_integer_value(json_object_get(sel, "start")) != start ||
			    json_integer_value(json_object_get(sel, "end")) != end)
		  : error != CT_EINVALID) {
		test_failures++;
		fprintf(stderr, "line %d: anchoring \"%s\": error %d (%s), selector %s\n", line,
			quote, error, ct_error_last(),
			sel ? json_string_value(json_object_get(sel, "exact")) : "(none)");
	}
	json_decref(attr);
}

static void test_anchor(void)
{
	const char *text = "Moscow\xe2\x80\x99s Crocus hall: \xe2\x80\x9c"
			   "the main  threat\n"
			   "to stability\xe2\x80\x9d \xe2\x80\x93 so it was said.";

	/* exact bytes */
	expect_anchor(text, "Crocus hall", "Crocus hall", 9, 20, __LINE__);
	/* a straight apostrophe finds a curly one; offsets count code points */
	expect_anchor(text, "Moscow's Crocus", "Moscow\xe2\x80\x99s Crocus", 0, 15, __LINE__);
	/* straight double quotes, one space for a run of white space and a newline */
	expect_anchor(text, "\"the main threat to stability\"",
		"\xe2\x80\x9cthe main  threat\nto stability\xe2\x80\x9d", 22, 53, __LINE__);
	/* a hyphen for an en dash; leading and trailing white space of the quote ignored */
	expect_anchor(text, "  stability\" - so ", "stability\xe2\x80\x9d \xe2\x80\x93 so", 43, 58,
		__LINE__);
	/* still refused when the words differ */
	expect_anchor(text, "the main threat to security", NULL, 0, 0, __LINE__);
	expect_anchor(text, "crocus hall", NULL, 0, 0, __LINE__);
}

static void test_anchor_hint(void)
{
	const char *text = "He said no. Later, at the hearing, he said no. Then he left.";
	json_t *attr = json_pack("{s:s, s:s}", "source", "s1", "quote", "he said no");
	json_t *hint = json_pack("{s:s, s:s, s:I}", "prefix", "at the hearing, ", "suffix",
		". Then", "start", (json_int_t)35);

	/* case matters: "He said no" at 0 is not "he said no"; first is at 35 */
	CHECK(ct__anchor_quote(attr, text, strlen(text)) == 0);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(attr, "selector"), "start")),
		35);
	json_decref(attr);
	attr = json_pack("{s:s, s:s}", "source", "s1", "quote", "said no");
	CHECK(ct__anchor_quote(attr, text, strlen(text)) == 0);
	CHECK_INT(
		json_integer_value(json_object_get(json_object_get(attr, "selector"), "start")), 3);
	/* the context of the earlier selector picks the second occurrence */
	json_object_set_new(hint, "prefix", json_string("at the hearing, he "));
	CHECK(ct__anchor_quote_near(attr, text, strlen(text), hint) == 0);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(attr, "selector"), "start")),
		38);
	json_decref(attr);
	json_decref(hint);
}

/* Text that is not UTF-8 around a quote is invalid input (jansson's NULL is not "out of
 * memory"); bad bytes beyond the selector's context do not matter. */
static void test_anchor_not_utf8(void)
{
	const char bad[] = "Intro. The mayor said \xed\xa0\x80 he said no today.";
	char far[400];
	json_t *attr = json_pack("{s:s, s:s}", "source", "s1", "quote", "he said no");

	CHECK_INT(ct__anchor_quote(attr, bad, strlen(bad)), CT_EINVALID);
	CHECK_ERROR_HAS("the source's text at the quote is not valid UTF-8");
	CHECK(json_object_get(attr, "selector") == NULL);
	memset(far, 'a', sizeof(far));
	far[0] = (char)0xff;
	memcpy(far + 300, " he said no.", 12);
	far[sizeof(far) - 1] = '\0';
	CHECK_INT(ct__anchor_quote(attr, far, strlen(far)), 0);
	CHECK(json_object_get(attr, "selector") != NULL);
	json_decref(attr);
}

/* Sentences ct_suggest picks from text, as "start-end" offsets joined by spaces. */
static size_t suggest_count(const char *text, size_t *sentences)
{
	json_t *out = NULL;
	size_t n = 0;

	if (ct_suggest(&out, sentences, text, strlen(text)) == 0)
		n = json_array_size(out);
	json_decref(out);
	return n;
}

static void test_suggest(void)
{
	json_t *out = NULL;
	size_t sentences = 0;
	const char *text = "Skip to main content\n\n"
			   "The U.S. Army said 2.5 million people moved. It rained. "
			   "Officials met on Feb. 15 in Kabul. The river is wide.\n\n"
			   "A caption without a full stop\n";

	CHECK(ct_suggest(&out, &sentences, text, strlen(text)) == 0);
	/* "U.S." and "2.5" and "Feb." do not end sentences; the boilerplate is skipped */
	CHECK_INT(sentences, 4);
	CHECK_INT(json_array_size(out), 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(out, 0), "text")),
		"The U.S. Army said 2.5 million people moved.");
	CHECK_INT(json_integer_value(json_object_get(json_array_get(out, 0), "start")), 22);
	json_decref(out);

	/* qualifiers are part of the match */
	CHECK(ct_suggest(&out, NULL, "At least 21 people were killed.", 31) == 0);
	CHECK_STR(json_string_value(json_object_get(
			  json_array_get(json_object_get(json_array_get(out, 0), "reasons"), 0),
			  "match")),
		"At least 21");
	json_decref(out);

	/* a year alone is a date (weak), not a quantity */
	CHECK_INT(suggest_count("The group emerged in 2014.", NULL), 0);
	CHECK_INT(suggest_count("The group emerged in 2014, the report said.", NULL), 1);
	CHECK_INT(
		suggest_count("It was the deadliest attack in decades, officials said.", NULL), 1);
	/* offsets count code points, not bytes */
	text = "\xe2\x80\x9cNo.\xe2\x80\x9d Nearly 200 died.";
	CHECK(ct_suggest(&out, NULL, text, strlen(text)) == 0);
	CHECK_INT(json_array_size(out), 1);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(out, 0), "start")), 6);
	json_decref(out);
	/* not UTF-8 */
	CHECK(ct_suggest(&out, NULL, "caf\xe9 1,000 people.", 18) == CT_EINVALID);
	CHECK(out == NULL);
}

int main(void)
{
	if (ct_init() < 0)
		return 99;
	test_status();
	test_standing_verdict();
	test_scale();
	test_annotation_id();
	test_anchor();
	test_anchor_hint();
	test_anchor_not_utf8();
	test_suggest();
	ct_shutdown();
	return test_finish();
}
