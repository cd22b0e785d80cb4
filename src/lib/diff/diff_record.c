/*
 * The diff of two revisions of one claim or source (docs/diff.md, "Revisions of a claim"): the
 * two sides, the changed fields with word diffs of the text fields (which fields, and how, the
 * record schema says: record_internal.h), and the JSON patch; and the same for two revisions read
 * from the store (ct_store_diff_revisions).
 */
#include "diff_internal.h"
#include "record_internal.h"
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- revision diffs ---- */

/*
 * The fields compared are the schema's (record_internal.h): each member says how a diff shows
 * it. A member's value on one side: a new reference, NULL when absent; a flag is false when
 * absent.
 */
static json_t *member_value(const json_t *holder, const ct__member *f)
{
	if (f->diff == CT__DIFF_AS_FLAG)
		return json_boolean(json_is_true(json_object_get(holder, f->name)));
	return json_incref(json_object_get(holder, f->name));
}

/* Appends the change of member f of ha and hb, reported as field, when the two differ. */
static int member_change(
	json_t *changes, const char *field, const ct__member *f, const json_t *ha, const json_t *hb)
{
	json_t *va = member_value(ha, f), *vb = member_value(hb, f), *c = NULL;
	int error = 0;

	if (!json_equal(va, vb) && !(va == NULL && vb == NULL)) {
		c = json_pack("{s:s, s:O?, s:O?}", "field", field, "old", va, "new", vb);
		if (c && f->diff == CT__DIFF_AS_WORDS) {
			ct__text_diff *td = NULL;
			json_t *words = NULL;
			const char *sa = json_string_value(va), *sb = json_string_value(vb);
			if ((error = ct__text_diff_new(
				     &td, sa, sa ? strlen(sa) : 0, sb, sb ? strlen(sb) : 0)) == 0 &&
				(error = ct__text_diff_json(&words, td)) == 0)
				error = jset(c, "words", words);
			ct__text_diff_free(td);
		}
		if (!c && error == 0)
			error = ct__oom();
		else if (error == 0)
			error = jappend(changes, c);
		else
			json_decref(c);
	}
	json_decref(va);
	json_decref(vb);
	return error;
}

/*
 * Appends the changes of the members of ha and hb (two records, or the objects in them that
 * prefix names) shown as words (words = 1) or as values (words = 0), in schema order, an object
 * shown by its members in its place.
 */
static int member_changes(json_t *changes, const ct__member *members, const char *prefix,
	const json_t *ha, const json_t *hb, int words)
{
	const ct__member *f;
	char field[128];
	int n, error = 0;

	for (f = members; f->name && error == 0; f++) {
		n = snprintf(field, sizeof(field), "%s%s%s", prefix ? prefix : "",
			prefix ? "." : "", f->name);
		if (n < 0 || (size_t)n >= sizeof(field))
			return ct_error_set(CT_EINVALID, "member name too long: %.80s", f->name);
		if (f->diff == CT__DIFF_AS_MEMBERS)
			error = member_changes(changes, f->fields, field,
				json_object_get(ha, f->name), json_object_get(hb, f->name), words);
		else if (words ? f->diff == CT__DIFF_AS_WORDS
			       : f->diff == CT__DIFF_AS_VALUE || f->diff == CT__DIFF_AS_FLAG)
			error = member_change(changes, field, f, ha, hb);
	}
	return error;
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
	json_array_foreach (json_object_get(rec, "signatures"), i, sig)
		json_array_append(signers, json_object_get(sig, "key_id"));
	side = json_pack("{s:O?, s:s, s:o, s:O?, s:O?, s:b}", "revision",
		json_object_get(rec, "revision"), "digest", digest, "signers", signers, "created",
		json_object_get(rec, "created"), "reason", json_object_get(rec, "reason"),
		"retracted", json_is_true(json_object_get(rec, "retracted")));
	return side;
}

/* Whether the array of strings list holds s. */
static int holds(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach (list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/*
 * The flags of a claim revision diff (docs/diff.md, "Flags"): each hedge of a that b drops
 * ("hedge 'may have' removed"), from "hedges" and from the quantity's qualifier.
 */
static int hedge_flags(json_t **out, const json_t *a, const json_t *b)
{
	const json_t *ha = json_object_get(a, "hedges"), *hb = json_object_get(b, "hedges");
	const char *qa =
		json_string_value(json_object_get(json_object_get(a, "quantity"), "qualifier"));
	const char *qb =
		json_string_value(json_object_get(json_object_get(b, "quantity"), "qualifier"));
	json_t *flags = json_array(), *v;
	char line[200];
	size_t i;

	*out = NULL;
	if (!flags)
		return ct__oom();
	json_array_foreach (ha, i, v) {
		const char *h = json_string_value(v);
		if (!h || holds(hb, h))
			continue;
		snprintf(line, sizeof(line), "hedge '%.120s' removed", h);
		if (json_array_append_new(flags, json_string(line)) < 0)
			goto oom;
	}
	if (qa && (!qb || strcmp(qa, qb) != 0) && !holds(hb, qa) && !holds(ha, qa)) {
		snprintf(line, sizeof(line), "hedge '%.120s' removed (the quantity's qualifier)",
			qa);
		if (json_array_append_new(flags, json_string(line)) < 0)
			goto oom;
	}
	*out = flags;
	return 0;
oom:
	json_decref(flags);
	return ct__oom();
}

int ct_record_diff(json_t **out, const json_t *a, const json_t *b)
{
	json_t *res = NULL, *changes = NULL, *patch = NULL;
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
		error = ct__oom();
		goto done;
	}
	if ((error = jset(res, "a", side_json(a))) < 0 ||
		(error = jset(res, "b", side_json(b))) < 0)
		goto done;
	/* the text fields first, then the others */
	if ((error = member_changes(changes, ct__record_schema(ka), NULL, a, b, 1)) < 0 ||
		(error = member_changes(changes, ct__record_schema(ka), NULL, a, b, 0)) < 0)
		goto done;
	if ((error = jset(res, "changes", changes)) < 0) {
		changes = NULL;
		goto done;
	}
	changes = NULL;
	if (ka == CT_KIND_CLAIM) {
		json_t *flags = NULL;
		if ((error = hedge_flags(&flags, a, b)) < 0 ||
			(json_array_size(flags) && (error = jset(res, "flags", flags)) < 0))
			goto done;
		if (!json_array_size(flags))
			json_decref(flags);
	}
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

/*
 * A source's kept texts at revisions ra and rb (docs/diff.md, "A source's text"): when both are
 * kept and differ, diff gets "text": {"words": [...]}; when only one is kept, "text": {"kept":
 * "a" or "b"}. Nothing when neither is kept or they are the same.
 */
static int text_change(json_t *diff, ct_store *store, const char *id, json_int_t ra, json_int_t rb)
{
	ct_buf ta = CT_BUF_INIT, tb = CT_BUF_INIT;
	ct__text_diff *td = NULL;
	json_t *words = NULL, *text = NULL;
	int ea, eb, error = 0;

	ea = ct_store_source_text(&ta, store, id, ra);
	if (ea < 0 && ea != CT_ENOTFOUND) {
		error = ea;
		goto done;
	}
	eb = ct_store_source_text(&tb, store, id, rb);
	if (eb < 0 && eb != CT_ENOTFOUND) {
		error = eb;
		goto done;
	}
	ct_error_clear();
	if (ea < 0 && eb < 0)
		goto done;
	if (ea < 0 || eb < 0) {
		text = json_pack("{s:s}", "kept", ea < 0 ? "b" : "a");
	} else {
		if (ta.len == tb.len && (ta.len == 0 || memcmp(ta.ptr, tb.ptr, ta.len) == 0))
			goto done;
		if ((error = ct__text_diff_new(&td, ta.ptr, ta.len, tb.ptr, tb.len)) < 0 ||
			(error = ct__text_diff_json(&words, td)) < 0)
			goto done;
		text = json_pack("{s:o}", "words", words);
		words = NULL;
	}
	error = text ? jset(diff, "text", text) : ct__oom();
done:
	ct__text_diff_free(td);
	json_decref(words);
	ct_buf_free(&ta);
	ct_buf_free(&tb);
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
		return ct_error_set(
			CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
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
	if (error == 0 && kind == CT_KIND_SOURCE &&
		(error = text_change(*out, store, id, ra, rb)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(a);
	json_decref(b);
	return error;
}
