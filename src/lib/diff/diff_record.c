/*
 * The diff of two revisions of one claim or source (docs/diff.md, "Revisions of a claim"): the
 * two sides, the changed fields with word diffs of the text fields, and the JSON patch; and the
 * same for two revisions read from the store (ct_store_diff_revisions).
 */
#include "diff_internal.h"
#include "store_internal.h"

#include <string.h>

/* ---- revision diffs ---- */

typedef struct {
	const char *field;  /* as reported */
	const char *parent; /* the object holding it, or NULL */
	const char *member;
	int text;           /* word diff */
} field_spec;

static const field_spec claim_fields[] = {
	{"statement", NULL, "statement", 1},
	{"attribution.quote", "attribution", "quote", 1},
	{"attribution.source", "attribution", "source", 0},
	{"attribution.source_revision", "attribution", "source_revision", 0},
	{"attribution.location", "attribution", "location", 0},
	{"quantity.amount", "quantity", "amount", 0},
	{"quantity.unit", "quantity", "unit", 0},
	{"quantity.qualifier", "quantity", "qualifier", 0},
	{"tags", NULL, "tags", 0},
	{"retracted", NULL, "retracted", 0},
	{NULL, NULL, NULL, 0},
};

static const field_spec source_fields[] = {
	{"title", NULL, "title", 1},
	{"publisher", NULL, "publisher", 0},
	{"authors", NULL, "authors", 0},
	{"url", NULL, "url", 0},
	{"published", NULL, "published", 0},
	{"retrieved", NULL, "retrieved", 0},
	{"kind", NULL, "kind", 0},
	{"archive.sha256", "archive", "sha256", 0},
	{"archive.length", "archive", "length", 0},
	{NULL, NULL, NULL, 0},
};

static json_t *field_value(const json_t *rec, const field_spec *f)
{
	const json_t *holder = f->parent ? json_object_get(rec, f->parent) : rec;

	if (strcmp(f->member, "retracted") == 0)
		return json_boolean(json_is_true(json_object_get(rec, "retracted")));
	return json_incref(json_object_get(holder, f->member));
}

static json_t *side_json(const json_t *rec)
{
	char digest[CT_DIGEST_LEN + 1];
	json_t *side, *signers = json_array(), *sig;
	size_t i;

	if (!signers || ct_record_digest(digest, rec) < 0) {
		json_decref(signers);
		return NULL;
	}
	json_array_foreach(json_object_get(rec, "signatures"), i, sig)
		json_array_append(signers, json_object_get(sig, "key_id"));
	side = json_pack("{s:O?, s:s, s:o, s:O?, s:O?, s:b}", "revision",
		json_object_get(rec, "revision"), "digest", digest, "signers", signers, "created",
		json_object_get(rec, "created"), "reason", json_object_get(rec, "reason"), "retracted",
		json_is_true(json_object_get(rec, "retracted")));
	return side;
}

int ct_record_diff(json_t **out, const json_t *a, const json_t *b)
{
	json_t *res = NULL, *changes = NULL, *patch = NULL;
	const field_spec *f;
	ct_kind ka, kb;
	int error;

	*out = NULL;
	if ((error = ct_record_kind(&ka, a)) < 0 || (error = ct_record_kind(&kb, b)) < 0)
		return error;
	if (ka != kb || (ka != CT_KIND_CLAIM && ka != CT_KIND_SOURCE) ||
		strcmp(ct_record_id(a), ct_record_id(b)) != 0)
		return ct_error_set(CT_EINVALID,
			"can only diff two revisions of one claim or source (got %s %s and %s %s)",
			ct_kind_name(ka), ct_record_id(a), ct_kind_name(kb), ct_record_id(b));
	if (!(res = json_pack("{s:s, s:s}", "type", ct_kind_name(ka), "id", ct_record_id(a))) ||
		!(changes = json_array())) {
		error = oom();
		goto done;
	}
	if ((error = jset(res, "a", side_json(a))) < 0 || (error = jset(res, "b", side_json(b))) < 0)
		goto done;
	for (f = ka == CT_KIND_CLAIM ? claim_fields : source_fields; f->field; f++) {
		json_t *va = field_value(a, f), *vb = field_value(b, f), *c = NULL;
		if (!json_equal(va, vb) && !(va == NULL && vb == NULL)) {
			c = json_pack("{s:s, s:O?, s:O?}", "field", f->field, "old", va, "new", vb);
			if (c && f->text) {
				ct__text_diff *td = NULL;
				json_t *words = NULL;
				const char *sa = json_string_value(va), *sb = json_string_value(vb);
				if ((error = ct__text_diff_new(&td, sa, sa ? strlen(sa) : 0, sb,
					     sb ? strlen(sb) : 0)) == 0 &&
					(error = ct__text_diff_json(&words, td)) == 0)
					error = jset(c, "words", words);
				ct__text_diff_free(td);
			}
			if (!c && error == 0)
				error = oom();
			else if (error == 0)
				error = jappend(changes, c);
			else
				json_decref(c);
		}
		json_decref(va);
		json_decref(vb);
		if (error < 0)
			goto done;
	}
	if ((error = jset(res, "changes", changes)) < 0) {
		changes = NULL;
		goto done;
	}
	changes = NULL;
	if ((error = ct__json_patch_diff(&patch, a, b)) < 0 ||
		(error = jset(res, "patch", patch)) < 0)
		goto done;
	*out = res;
	res = NULL;
done:
	json_decref(changes);
	json_decref(res);
	return error;
}

int ct_store_diff_revisions(json_t **out, ct_store *store, ct_kind kind, const char *id,
	const char *rev_a, const char *rev_b)
{
	json_t *a = NULL, *b = NULL;
	json_int_t n, ra, rb;
	int error;

	*out = NULL;
	if (kind != CT_KIND_CLAIM && kind != CT_KIND_SOURCE)
		return ct_error_set(CT_EINVALID, "only claims and sources have revisions to diff");
	if ((error = ct_id_validate(id, ct_kind_name(kind))) < 0 ||
		(error = ct__revision_count(&n, store, kind, id)) < 0)
		return error;
	if (n == 0)
		return ct_error_set(CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
	rb = n;
	if (rev_b && (error = ct_store_resolve_revision(&rb, store, kind, id, rev_b)) < 0)
		return error;
	if (rev_a) {
		if ((error = ct_store_resolve_revision(&ra, store, kind, id, rev_a)) < 0)
			return error;
	} else if ((ra = rb - 1) < 1) {
		return n == 1 ? ct_error_set(CT_ENOTFOUND,
					"%s %s has only one revision: nothing to diff it against",
					ct_kind_name(kind), id)
			      : ct_error_set(CT_ENOTFOUND,
					"%s %s: revision 1 is the first, there is none before it",
					ct_kind_name(kind), id);
	}
	if ((error = ct_store_get(&a, store, kind, id, ra)) == 0 &&
		(error = ct_store_get(&b, store, kind, id, rb)) == 0)
		error = ct_record_diff(out, a, b);
	json_decref(a);
	json_decref(b);
	return error;
}
