/*
 * The anchored quotes as W3C Web Annotations (JSON-LD): one Annotation per claim whose current
 * revision verifies and records a selector, targeting the cited source with the
 * TextQuoteSelector and TextPositionSelector the claim carries (the selectors Hypothesis
 * writes), in one AnnotationCollection. docs/export.md.
 */
#include "export_internal.h"

#include <string.h>

#define ANNO_CONTEXT "http://www.w3.org/ns/anno.jsonld"

/* A verified signer as the annotation's creator: a Person named by its key record. */
static json_t *creator(const ct_keyring *ring, const char *key_id)
{
	const json_t *key = ct_keyring_find(ring, key_id);
	const char *name = json_string_value(json_object_get(key, "name"));
	json_t *out = json_pack("{s:s+, s:s, s:s}", "id", "urn:claimtrail:key:", key_id, "type",
		"Person", "nickname", key_id);

	if (out && name)
		json_object_set_new(out, "name", json_string(name));
	return out;
}

static int annotation_of(json_t **out, ct_store *store, const ct__export_sel *sel,
	const ct_export_opts *opts, const char *id)
{
	json_t *claim = NULL, *source = NULL, *signers = NULL, *a = NULL, *target = NULL;
	const json_t *attr, *sel_;
	ct_verification v;
	char rev[32];
	int error;

	*out = NULL;
	if ((error = ct_store_get(&claim, store, CT_KIND_CLAIM, id, 0)) < 0 ||
		(error = ct_store_verify_record(&v, store, claim)) < 0)
		goto done;
	attr = json_object_get(claim, "attribution");
	sel_ = json_object_get(attr, "selector");
	if (v.state != CT_RECORD_VERIFIED) {
		ct__export_warn(opts, "claim %s: not verified (%s); left out", id, v.reason);
		goto done;
	}
	if (!sel_)
		goto done; /* no anchored quote: nothing to annotate */
	if ((error = ct__export_cited_source(&source, store, claim)) < 0)
		goto done;
	snprintf(rev, sizeof(rev), ":r%lld",
		(long long)json_integer_value(json_object_get(source, "revision")));
	target = json_pack("{s:[{s:s, s:O, s:O, s:O}, {s:s, s:O, s:O}]}", "selector", "type",
		"TextQuoteSelector", "exact", json_object_get(sel_, "exact"), "prefix",
		json_object_get(sel_, "prefix"), "suffix", json_object_get(sel_, "suffix"), "type",
		"TextPositionSelector", "start", json_object_get(sel_, "start"), "end",
		json_object_get(sel_, "end"));
	if (!target) {
		error = ct__oom();
		goto done;
	}
	if (json_object_get(source, "url"))
		json_object_set(target, "source", json_object_get(source, "url"));
	else
		json_object_set_new(target, "source",
			json_pack("s++", "urn:claimtrail:source:", ct_record_id(source), rev));
	a = json_pack("{s:s++, s:s, s:s, s:O, s:{s:s, s:O, s:s, s:s}, s:o}", "id",
		"urn:claimtrail:claim:", id, ":quote", "type", "Annotation", "motivation",
		"identifying", "created", json_object_get(claim, "created"), "body", "type",
		"TextualBody", "value", json_object_get(claim, "statement"), "format", "text/plain",
		"purpose", "describing", "target", target);
	target = NULL;
	if (!a) {
		error = ct__oom();
		goto done;
	}
	signers = ct__export_signers(claim, sel->ring);
	if (json_array_size(signers) > 0)
		json_object_set_new(a, "creator",
			creator(sel->ring, json_string_value(json_array_get(signers, 0))));
	*out = a;
	a = NULL;
done:
	json_decref(a);
	json_decref(target);
	json_decref(signers);
	json_decref(source);
	json_decref(claim);
	return error;
}

int ct_export_annotations(json_t **out, ct_store *store, const ct_export_opts *opts)
{
	ct__export_sel sel;
	json_t *items = NULL, *id, *doc = NULL;
	size_t i;
	int error;

	*out = NULL;
	if ((error = ct__export_select(&sel, store, opts)) < 0)
		return error;
	if (!(items = json_array())) {
		error = ct__oom();
		goto done;
	}
	json_array_foreach (sel.ids, i, id) {
		json_t *a;
		if ((error = annotation_of(&a, store, &sel, opts, json_string_value(id))) < 0)
			goto done;
		if (a && json_array_append_new(items, a) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s, s:I, s:O}}", "@context",
		ANNO_CONTEXT, "id", "urn:claimtrail:annotations", "type", "AnnotationCollection",
		"label", "claimtrail: the anchored quotes of the claims", "total",
		(json_int_t)json_array_size(items), "first", "id", "urn:claimtrail:annotations:1",
		"type", "AnnotationPage", "startIndex", (json_int_t)0, "items", items);
	if (!doc) {
		error = ct__oom();
		goto done;
	}
	*out = doc;
done:
	json_decref(items);
	ct__export_sel_free(&sel);
	return error;
}
