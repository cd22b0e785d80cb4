/* Claim status: derived from the latest revision and the annotations, in a fixed order of
 * precedence (retraction, open disputes, an upheld dispute newer than the verdict, the newest
 * verdict on the current revision, verdicts on older revisions). docs/workflow.md, "Status". */
#include "claimtrail/status.h"
#include "claimtrail/record.h"

#include <string.h>

static const ct_verdict scale[] = {
	{"true", 5, "True", "supported"},
	{"mostly-true", 4, "Mostly true", "supported"},
	{"mixed", 3, "Mixed", "mixed"},
	{"mostly-false", 2, "Mostly false", "refuted"},
	{"false", 1, "False", "refuted"},
	{"misleading", 0, "Misleading", "misleading"},
	{"unverifiable", 0, "Unverifiable", "unverifiable"},
};

const ct_verdict *ct_verdict_scale(size_t *count)
{
	*count = sizeof(scale) / sizeof(scale[0]);
	return scale;
}

const ct_verdict *ct_verdict_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(scale) / sizeof(scale[0]); i++)
		if (strcmp(scale[i].name, name) == 0)
			return &scale[i];
	return NULL;
}

static const char *kind_of(const json_t *a)
{
	const char *k = json_string_value(json_object_get(a, "kind"));
	return k ? k : "";
}

static int is_resolved(const json_t *annotations, const char *dispute_id)
{
	size_t i;
	json_t *a;

	json_array_foreach (annotations, i, a)
		if (strcmp(kind_of(a), "resolution") == 0 &&
			strcmp(json_string_value(json_object_get(a, "resolves")), dispute_id) == 0)
			return 1;
	return 0;
}

/* What the status rules look at, gathered in one pass over the annotations (oldest first). */
typedef struct {
	const json_t *verdict; /* the newest verdict on the current revision */
	const json_t *older;   /* the newest verdict on an older revision */
	const json_t *dispute; /* the newest open dispute */
	const json_t *upheld;  /* the newest resolution on the current revision that upheld one */
	size_t open, verdict_at, upheld_at;
} status_scan;

/* Whether an annotation judging the revision whose digest is judged judges the current one:
 * the current revision's own digest, or one in same (the revisions it only moved the quote of). */
static int judges_current(const char *judged, const char *digest, const json_t *same)
{
	size_t i;
	json_t *d;

	if (!judged)
		return 0;
	if (strcmp(judged, digest) == 0)
		return 1;
	json_array_foreach (same, i, d)
		if (json_is_string(d) && strcmp(json_string_value(d), judged) == 0)
			return 1;
	return 0;
}

static int scan(status_scan *sc, const json_t *claim, const json_t *annotations, const json_t *same)
{
	char digest[CT_DIGEST_LEN + 1];
	size_t i;
	json_t *a;
	int error;

	memset(sc, 0, sizeof(*sc));
	/* the digest only matters to annotations: a claim with none (most of a store) needs none */
	if (json_array_size(annotations) && (error = ct_record_digest(digest, claim)) < 0)
		return error;
	json_array_foreach (annotations, i, a) {
		const char *k = kind_of(a);
		const char *judged = json_string_value(json_object_get(a, "claim_revision"));
		int current = judges_current(judged, digest, same);
		if (strcmp(k, "dispute") == 0 && !is_resolved(annotations, ct_record_id(a))) {
			sc->open++;
			sc->dispute = a;
		} else if (strcmp(k, "verdict") == 0) {
			/* annotations come oldest first: the last one wins */
			if (current) {
				sc->verdict = a;
				sc->verdict_at = i + 1;
			} else {
				sc->older = a;
			}
		} else if (strcmp(k, "resolution") == 0 && current &&
			strcmp(json_string_value(json_object_get(a, "outcome")), "upheld") == 0) {
			sc->upheld = a;
			sc->upheld_at = i + 1;
		}
	}
	return 0;
}

/* An upheld dispute overrides the verdicts given before it on the same revision; within one
 * second the order is unknown, so the verdict is not trusted to be the newer one. */
static int upheld_overrides(const status_scan *sc)
{
	return sc->upheld &&
		(!sc->verdict || sc->upheld_at > sc->verdict_at ||
			strcmp(json_string_value(json_object_get(sc->upheld, "created")),
				json_string_value(json_object_get(sc->verdict, "created"))) >= 0);
}

/* The members a revision that only moves the quote may change: what every revision changes, and
 * the anchor (which source revision the quote is found in, and where). */
static json_t *without_anchor(const json_t *claim)
{
	json_t *copy = json_deep_copy(claim);
	json_t *attr = json_object_get(copy, "attribution");
	static const char *const managed[] = {
		"revision", "prev", "created", "reason", "signatures", NULL};
	size_t i;

	for (i = 0; copy && managed[i]; i++)
		json_object_del(copy, managed[i]);
	json_object_del(attr, "source_revision");
	json_object_del(attr, "selector");
	return copy;
}

int ct_claim_moves_quote_only(const json_t *newer, const json_t *older)
{
	char digest[CT_DIGEST_LEN + 1];
	const char *prev = json_string_value(json_object_get(newer, "prev"));
	json_t *a = NULL, *b = NULL;
	int same = 0;

	if (!prev || ct_record_digest(digest, older) < 0 || strcmp(prev, digest) != 0 ||
		json_integer_value(json_object_get(newer, "revision")) !=
			json_integer_value(json_object_get(older, "revision")) + 1 ||
		!json_string_value(json_object_get(json_object_get(newer, "attribution"), "quote")))
		return 0;
	a = without_anchor(newer);
	b = without_anchor(older);
	same = a && b && json_equal(a, b);
	json_decref(a);
	json_decref(b);
	return same;
}

int ct_claim_status(
	const char **status, ct_buf *why, const json_t *claim, const json_t *annotations)
{
	return ct_claim_status_same(status, why, claim, annotations, NULL);
}

int ct_claim_status_same(const char **status, ct_buf *why, const json_t *claim,
	const json_t *annotations, const json_t *same)
{
	status_scan sc;
	json_int_t revision = json_integer_value(json_object_get(claim, "revision"));
	int error;

	if (json_is_true(json_object_get(claim, "retracted"))) {
		*status = "retracted";
		return why
			? ct_buf_printf(why, "revision %lld retracts it: %s", (long long)revision,
				  json_string_value(json_object_get(claim, "reason")))
			: 0;
	}
	if ((error = scan(&sc, claim, annotations, same)) < 0)
		return error;
	if (sc.open) {
		const json_t *d = json_object_get(sc.dispute, "dispute");
		*status = "disputed";
		return why ? ct_buf_printf(why, "%zu open dispute%s; latest %s by %s: %s", sc.open,
				     sc.open == 1 ? "" : "s", ct_record_id(sc.dispute),
				     json_string_value(json_object_get(d, "by")),
				     json_string_value(json_object_get(d, "reason")))
			   : 0;
	}
	if (upheld_overrides(&sc)) {
		*status = "needs-review";
		return why ? ct_buf_printf(why,
				     "dispute %s was upheld (%s)%s; a new verdict is needed",
				     json_string_value(json_object_get(sc.upheld, "resolves")),
				     ct_record_id(sc.upheld),
				     sc.verdict ? " after the last verdict" : "")
			   : 0;
	}
	if (sc.verdict) {
		const ct_verdict *v =
			ct_verdict_find(json_string_value(json_object_get(sc.verdict, "verdict")));
		*status = v ? v->status : "unreviewed";
		const char *judged =
			json_string_value(json_object_get(sc.verdict, "claim_revision"));
		char digest[CT_DIGEST_LEN + 1];
		if (ct_record_digest(digest, claim) < 0)
			return ct_error_last_code();
		return why ? ct_buf_printf(why, "verdict \"%s\" on the current revision (%s, %s%s)",
				     json_string_value(json_object_get(sc.verdict, "verdict")),
				     ct_record_id(sc.verdict),
				     json_string_value(json_object_get(sc.verdict, "created")),
				     strcmp(judged, digest) == 0
					     ? ""
					     : "; given before the quote was re-anchored")
			   : 0;
	}
	if (sc.older) {
		*status = "needs-review";
		return why
			? ct_buf_printf(why,
				  "verdict \"%s\" (%s) judged an older revision; revision %lld has "
				  "no verdict",
				  json_string_value(json_object_get(sc.older, "verdict")),
				  ct_record_id(sc.older), (long long)revision)
			: 0;
	}
	*status = "unreviewed";
	return why ? ct_buf_puts(why, "no verdict yet") : 0;
}

int ct_claim_current_verdict(
	const json_t **verdict, ct_buf *why, const json_t *claim, const json_t *annotations)
{
	return ct_claim_current_verdict_same(verdict, why, claim, annotations, NULL);
}

int ct_claim_current_verdict_same(const json_t **verdict, ct_buf *why, const json_t *claim,
	const json_t *annotations, const json_t *same)
{
	status_scan sc;
	json_int_t revision = json_integer_value(json_object_get(claim, "revision"));
	int error;

	*verdict = NULL;
	if (json_is_true(json_object_get(claim, "retracted")))
		return why ? ct_buf_printf(why, "revision %lld retracts it", (long long)revision)
			   : 0;
	if ((error = scan(&sc, claim, annotations, same)) < 0)
		return error;
	if (upheld_overrides(&sc)) {
		if (!why)
			return 0;
		if (sc.verdict)
			return ct_buf_printf(why, "dispute %s was upheld (%s) after verdict %s",
				json_string_value(json_object_get(sc.upheld, "resolves")),
				ct_record_id(sc.upheld), ct_record_id(sc.verdict));
		return ct_buf_printf(why, "dispute %s was upheld (%s) and no verdict followed",
			json_string_value(json_object_get(sc.upheld, "resolves")),
			ct_record_id(sc.upheld));
	}
	if (sc.verdict) {
		*verdict = sc.verdict;
		return 0;
	}
	if (sc.older)
		return why ? ct_buf_printf(why,
				     "its verdicts judged older revisions (the newest, %s, is not "
				     "on revision %lld)",
				     ct_record_id(sc.older), (long long)revision)
			   : 0;
	return why ? ct_buf_puts(why, "no verdict yet") : 0;
}
