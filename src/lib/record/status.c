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

	json_array_foreach(annotations, i, a)
		if (strcmp(kind_of(a), "resolution") == 0 &&
			strcmp(json_string_value(json_object_get(a, "resolves")), dispute_id) == 0)
			return 1;
	return 0;
}

int ct_claim_status(const char **status, ct_buf *why, const json_t *claim,
	const json_t *annotations)
{
	char digest[CT_DIGEST_LEN + 1];
	const json_t *verdict = NULL, *older = NULL, *dispute = NULL, *upheld = NULL;
	json_int_t revision = json_integer_value(json_object_get(claim, "revision"));
	size_t i, open = 0, verdict_at = 0, upheld_at = 0;
	json_t *a;
	int error;

	if ((error = ct_record_digest(digest, claim)) < 0)
		return error;
	if (json_is_true(json_object_get(claim, "retracted"))) {
		*status = "retracted";
		return why ? ct_buf_printf(why, "revision %lld retracts it: %s", (long long)revision,
				     json_string_value(json_object_get(claim, "reason")))
			   : 0;
	}
	json_array_foreach(annotations, i, a) {
		const char *k = kind_of(a);
		const char *judged = json_string_value(json_object_get(a, "claim_revision"));
		int current = judged && strcmp(judged, digest) == 0;
		if (strcmp(k, "dispute") == 0 && !is_resolved(annotations, ct_record_id(a))) {
			open++;
			dispute = a;
		} else if (strcmp(k, "verdict") == 0) {
			/* annotations come oldest first: the last one wins */
			if (current) {
				verdict = a;
				verdict_at = i + 1;
			} else {
				older = a;
			}
		} else if (strcmp(k, "resolution") == 0 && current &&
			   strcmp(json_string_value(json_object_get(a, "outcome")), "upheld") == 0) {
			upheld = a;
			upheld_at = i + 1;
		}
	}
	if (open) {
		const json_t *d = json_object_get(dispute, "dispute");
		*status = "disputed";
		return why ? ct_buf_printf(why, "%zu open dispute%s; latest %s by %s: %s", open,
				     open == 1 ? "" : "s", ct_record_id(dispute),
				     json_string_value(json_object_get(d, "by")),
				     json_string_value(json_object_get(d, "reason")))
			   : 0;
	}
	/* An upheld dispute overrides the verdicts given before it on the same revision; within
	 * one second the order is unknown, so the verdict is not trusted to be the newer one. */
	if (upheld && (!verdict || upheld_at > verdict_at ||
			      strcmp(json_string_value(json_object_get(upheld, "created")),
				      json_string_value(json_object_get(verdict, "created"))) >= 0)) {
		*status = "needs-review";
		return why ? ct_buf_printf(why,
				     "dispute %s was upheld (%s)%s; a new verdict is needed",
				     json_string_value(json_object_get(upheld, "resolves")),
				     ct_record_id(upheld),
				     verdict ? " after the last verdict" : "")
			   : 0;
	}
	if (verdict) {
		const ct_verdict *v =
			ct_verdict_find(json_string_value(json_object_get(verdict, "verdict")));
		*status = v ? v->status : "unreviewed";
		return why ? ct_buf_printf(why, "verdict \"%s\" on the current revision (%s, %s)",
				     json_string_value(json_object_get(verdict, "verdict")),
				     ct_record_id(verdict),
				     json_string_value(json_object_get(verdict, "created")))
			   : 0;
	}
	if (older) {
		*status = "needs-review";
		return why ? ct_buf_printf(why,
				     "verdict \"%s\" (%s) judged an older revision; revision %lld has "
				     "no verdict",
				     json_string_value(json_object_get(older, "verdict")),
				     ct_record_id(older), (long long)revision)
			   : 0;
	}
	*status = "unreviewed";
	return why ? ct_buf_puts(why, "no verdict yet") : 0;
}
