/*
 * W3C PROV-JSON of the selected claims: entities for each claim and source and for each of their
 * revisions and each annotation, agents for the keys that signed them, an activity for each
 * write, and how they relate (wasGeneratedBy, wasAssociatedWith, wasAttributedTo per verified
 * signature, wasDerivedFrom for revisions, quotes, judgements and evidence, specializationOf
 * from a revision to its claim or source). Only records that verify appear. docs/export.md.
 */
#include "export_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct {
	json_t *doc;   /* the PROV-JSON document */
	size_t serial; /* the blank ids of relations: _:r1, _:r2, ... */
	ct_store *store;
	const ct__export_sel *sel;
	const ct_export_opts *opts;
	json_t *sources_done; /* source id -> true */
} prov;

static json_t *qname(const char *q)
{
	return json_pack("{s:s, s:s}", "$", q, "type", "prov:QUALIFIED_NAME");
}

/* Adds a relation of kind with its two (or three) members; json_t *extra (may be NULL) is
 * merged in and stolen. */
static int relation(prov *p, const char *kind, const char *k1, const char *v1, const char *k2,
	const char *v2, json_t *extra)
{
	json_t *section = json_object_get(p->doc, kind), *r;
	char id[32];
	int error = 0;

	if (!section) {
		section = json_object();
		if (json_object_set_new(p->doc, kind, section) < 0)
			section = NULL;
	}
	r = json_pack("{s:s, s:s}", k1, v1, k2, v2);
	if (!section || !r || (extra && json_object_update(r, extra) < 0)) {
		error = ct__oom();
		goto done;
	}
	snprintf(id, sizeof(id), "_:r%zu", ++p->serial);
	if (json_object_set_new(section, id, r) < 0)
		error = ct__oom();
	r = NULL;
done:
	json_decref(r);
	json_decref(extra);
	return error;
}

static int put(prov *p, const char *section, const char *id, json_t *attrs)
{
	if (!attrs || json_object_set_new(json_object_get(p->doc, section), id, attrs) < 0)
		return ct__oom();
	return 0;
}

/* The agent of a key, and the attributions of the record's verified signatures (the first is
 * its author, the others sign-offs), and the activity that wrote it. */
static int signed_by(prov *p, const char *entity, const json_t *record, const char *activity)
{
	json_t *signers = ct__export_signers(record, p->sel->ring), *k;
	size_t i;
	int error = 0;

	json_array_foreach (signers, i, k) {
		const char *key_id = json_string_value(k);
		char agent[64];
		snprintf(agent, sizeof(agent), "ct:key/%s", key_id);
		if (!json_object_get(json_object_get(p->doc, "agent"), agent)) {
			const json_t *rec = ct_keyring_find(p->sel->ring, key_id);
			json_t *a = json_pack("{s:o, s:s}", "prov:type", qname("prov:Person"),
				"ct:keyId", key_id);
			if (a && json_object_get(rec, "name"))
				json_object_set(a, "prov:label", json_object_get(rec, "name"));
			if (a && json_object_get(rec, "org"))
				json_object_set(a, "ct:org", json_object_get(rec, "org"));
			if ((error = put(p, "agent", agent, a)) < 0)
				goto done;
		}
		if ((error = relation(p, "wasAttributedTo", "prov:entity", entity, "prov:agent",
			     agent,
			     json_pack("{s:o}", "prov:role",
				     qname(i == 0 ? "ct:author" : "ct:sign-off")))) < 0)
			goto done;
		if (i == 0 &&
			(error = relation(p, "wasAssociatedWith", "prov:activity", activity,
				 "prov:agent", agent, NULL)) < 0)
			goto done;
	}
done:
	json_decref(signers);
	return error;
}

/* The write of entity at time: an activity and wasGeneratedBy. */
static int written(prov *p, const char *entity, const char *activity, const char *time)
{
	int error;

	if ((error = put(p, "activity", activity,
		     json_pack("{s:s, s:s, s:o}", "prov:startTime", time, "prov:endTime", time,
			     "prov:type", qname("ct:Write")))) < 0)
		return error;
	return relation(p, "wasGeneratedBy", "prov:entity", entity, "prov:activity", activity,
		json_pack("{s:s}", "prov:time", time));
}

/* Every revision of a source that verifies (once per export). */
static int add_source(prov *p, const char *id)
{
	json_t *revs = NULL, *r;
	char general[CT_ID_MAX + 16], prev[CT_ID_MAX + 40] = "";
	size_t i;
	int error;

	if (json_object_get(p->sources_done, id))
		return 0;
	json_object_set_new(p->sources_done, id, json_true());
	if ((error = ct_store_revisions(&revs, p->store, CT_KIND_SOURCE, id)) < 0)
		goto done;
	snprintf(general, sizeof(general), "ct:source/%s", id);
	if ((error = put(p, "entity", general,
		     json_pack("{s:o, s:O}", "prov:type", qname("ct:Source"), "prov:label",
			     json_object_get(json_array_get(revs, json_array_size(revs) - 1),
				     "title")))) < 0)
		goto done;
	json_array_foreach (revs, i, r) {
		char ent[CT_ID_MAX + 40], act[CT_ID_MAX + 48], digest[CT_DIGEST_LEN + 1];
		ct_verification v;
		json_int_t n = json_integer_value(json_object_get(r, "revision"));
		json_t *e;
		if ((error = ct_store_verify_record(&v, p->store, r)) < 0 ||
			(error = ct_record_digest(digest, r)) < 0)
			goto done;
		if (v.state != CT_RECORD_VERIFIED) {
			ct__export_warn(p->opts,
				"source %s revision %lld: not verified (%s); left out", id,
				(long long)n, v.reason);
			prev[0] = '\0';
			continue;
		}
		snprintf(ent, sizeof(ent), "%s/r%lld", general, (long long)n);
		snprintf(act, sizeof(act), "ct:write/source/%s/r%lld", id, (long long)n);
		e = json_pack("{s:o, s:O, s:I, s:s}", "prov:type", qname("ct:SourceRevision"),
			"prov:label", json_object_get(r, "title"), "ct:revision", n, "ct:digest",
			digest);
		if (e && json_object_get(r, "url"))
			json_object_set(e, "ct:url", json_object_get(r, "url"));
		if ((error = put(p, "entity", ent, e)) < 0 ||
			(error = relation(p, "specializationOf", "prov:specificEntity", ent,
				 "prov:generalEntity", general, NULL)) < 0 ||
			(error = written(p, ent, act,
				 json_string_value(json_object_get(r, "created")))) < 0 ||
			(error = signed_by(p, ent, r, act)) < 0)
			goto done;
		if (prev[0] &&
			(error = relation(p, "wasDerivedFrom", "prov:generatedEntity", ent,
				 "prov:usedEntity", prev,
				 json_pack("{s:o}", "prov:type", qname("prov:Revision")))) < 0)
			goto done;
		snprintf(prev, sizeof(prev), "%s", ent);
	}
done:
	json_decref(revs);
	return error;
}

/* The entity of the source revision a claim revision cites, after adding the source. */
static int source_entity(prov *p, char *out, size_t size, const json_t *claim)
{
	json_t *src = NULL;
	int error;

	out[0] = '\0';
	if ((error = add_source(p,
		     json_string_value(json_object_get(
			     json_object_get(claim, "attribution"), "source")))) < 0 ||
		(error = ct__export_cited_source(&src, p->store, claim)) < 0)
		return error;
	snprintf(out, size, "ct:source/%s/r%lld", ct_record_id(src),
		(long long)json_integer_value(json_object_get(src, "revision")));
	json_decref(src);
	/* the revision may have been left out as unverified */
	if (!json_object_get(json_object_get(p->doc, "entity"), out))
		out[0] = '\0';
	return 0;
}

static int add_annotation(prov *p, const char *claim_id, const json_t *a, const json_t *digests)
{
	const char *id = ct_record_id(a), *kind = json_string_value(json_object_get(a, "kind"));
	const char *judged = json_string_value(json_object_get(a, "claim_revision"));
	const char *time = json_string_value(json_object_get(a, "created"));
	const json_t *ev, *d = json_object_get(a, "dispute");
	char ent[2 * CT_ID_MAX + 40], act[2 * CT_ID_MAX + 48], other[2 * CT_ID_MAX + 40];
	json_t *e;
	size_t i;
	int error;

	snprintf(ent, sizeof(ent), "ct:claim/%s/annotation/%s", claim_id, id);
	snprintf(act, sizeof(act), "ct:write/claim/%s/annotation/%s", claim_id, id);
	e = json_pack("{s:o, s:s}", "prov:type", qname("ct:Annotation"), "ct:kind", kind);
	if (e && json_object_get(a, "verdict"))
		json_object_set(e, "ct:verdict", json_object_get(a, "verdict"));
	if (e && json_object_get(a, "note"))
		json_object_set(e, "prov:label", json_object_get(a, "note"));
	if (e && json_object_get(a, "outcome"))
		json_object_set(e, "ct:outcome", json_object_get(a, "outcome"));
	if (e && d)
		json_object_set(e, "prov:label", json_object_get(d, "reason"));
	if ((error = put(p, "entity", ent, e)) < 0 || (error = written(p, ent, act, time)) < 0 ||
		(error = signed_by(p, ent, a, act)) < 0)
		return error;
	/* the claim revision it judges, when that revision is in the document */
	if (json_object_get(digests, judged)) {
		snprintf(other, sizeof(other), "ct:claim/%s/r%lld", claim_id,
			(long long)json_integer_value(json_object_get(digests, judged)));
		if ((error = relation(p, "wasDerivedFrom", "prov:generatedEntity", ent,
			     "prov:usedEntity", other, NULL)) < 0)
			return error;
	}
	json_array_foreach (json_object_get(a, "evidence"), i, ev) {
		if ((error = add_source(p, json_string_value(ev))) < 0)
			return error;
		snprintf(other, sizeof(other), "ct:source/%s", json_string_value(ev));
		if ((error = relation(p, "wasDerivedFrom", "prov:generatedEntity", ent,
			     "prov:usedEntity", other,
			     json_pack("{s:o}", "prov:type", qname("prov:PrimarySource")))) < 0)
			return error;
	}
	if (d && json_object_get(d, "source")) {
		const char *src = json_string_value(json_object_get(d, "source"));
		if ((error = add_source(p, src)) < 0)
			return error;
		snprintf(other, sizeof(other), "ct:source/%s", src);
		if ((error = relation(p, "wasDerivedFrom", "prov:generatedEntity", ent,
			     "prov:usedEntity", other,
			     json_pack("{s:o}", "prov:type", qname("prov:PrimarySource")))) < 0)
			return error;
	}
	if (json_object_get(a, "resolves")) {
		snprintf(other, sizeof(other), "ct:claim/%s/annotation/%s", claim_id,
			json_string_value(json_object_get(a, "resolves")));
		if (json_object_get(json_object_get(p->doc, "entity"), other) &&
			(error = relation(p, "wasDerivedFrom", "prov:generatedEntity", ent,
				 "prov:usedEntity", other, NULL)) < 0)
			return error;
	}
	return 0;
}

static int add_claim(prov *p, const char *id)
{
	json_t *revs = NULL, *annotations = NULL, *digests = json_object(), *r;
	char general[CT_ID_MAX + 16], prev[CT_ID_MAX + 40] = "";
	size_t i, before;
	int error;

	if (!digests)
		return ct__oom();
	if ((error = ct_store_revisions(&revs, p->store, CT_KIND_CLAIM, id)) < 0)
		goto done;
	snprintf(general, sizeof(general), "ct:claim/%s", id);
	if ((error = put(p, "entity", general,
		     json_pack("{s:o, s:O}", "prov:type", qname("ct:Claim"), "prov:label",
			     json_object_get(json_array_get(revs, json_array_size(revs) - 1),
				     "statement")))) < 0)
		goto done;
	json_array_foreach (revs, i, r) {
		char ent[CT_ID_MAX + 40], act[CT_ID_MAX + 48], src[2 * CT_ID_MAX + 40];
		char digest[CT_DIGEST_LEN + 1];
		json_int_t n = json_integer_value(json_object_get(r, "revision"));
		const json_t *attr = json_object_get(r, "attribution");
		ct_verification v;
		json_t *e;
		if ((error = ct_store_verify_record(&v, p->store, r)) < 0 ||
			(error = ct_record_digest(digest, r)) < 0)
			goto done;
		if (v.state != CT_RECORD_VERIFIED) {
			ct__export_warn(p->opts,
				"claim %s revision %lld: not verified (%s); left out", id,
				(long long)n, v.reason);
			prev[0] = '\0';
			continue;
		}
		json_object_set_new(digests, digest, json_integer(n));
		snprintf(ent, sizeof(ent), "%s/r%lld", general, (long long)n);
		snprintf(act, sizeof(act), "ct:write/claim/%s/r%lld", id, (long long)n);
		e = json_pack("{s:o, s:O, s:I, s:s}", "prov:type", qname("ct:ClaimRevision"),
			"prov:label", json_object_get(r, "statement"), "ct:revision", n,
			"ct:digest", digest);
		if (e && json_object_get(r, "reason"))
			json_object_set(e, "ct:reason", json_object_get(r, "reason"));
		if (e && json_object_get(attr, "quote"))
			json_object_set(e, "ct:quote", json_object_get(attr, "quote"));
		if (e && json_is_true(json_object_get(r, "retracted")))
			json_object_set_new(e, "ct:retracted", json_true());
		if ((error = put(p, "entity", ent, e)) < 0 ||
			(error = relation(p, "specializationOf", "prov:specificEntity", ent,
				 "prov:generalEntity", general, NULL)) < 0 ||
			(error = written(p, ent, act,
				 json_string_value(json_object_get(r, "created")))) < 0 ||
			(error = signed_by(p, ent, r, act)) < 0 ||
			(error = source_entity(p, src, sizeof(src), r)) < 0)
			goto done;
		if (prev[0] &&
			(error = relation(p, "wasDerivedFrom", "prov:generatedEntity", ent,
				 "prov:usedEntity", prev,
				 json_pack("{s:o}", "prov:type", qname("prov:Revision")))) < 0)
			goto done;
		if (src[0] &&
			(error = relation(p, "wasDerivedFrom", "prov:generatedEntity", ent,
				 "prov:usedEntity", src,
				 json_pack("{s:o}", "prov:type",
					 qname(json_object_get(attr, "quote")
							 ? "prov:Quotation"
							 : "prov:PrimarySource")))) < 0)
			goto done;
		snprintf(prev, sizeof(prev), "%s", ent);
	}
	if ((error = ct_store_annotations(&annotations, p->store, id)) < 0)
		goto done;
	before = json_array_size(annotations);
	if ((error = ct__drop_unverified(annotations, p->store, p->sel->ring)) < 0)
		goto done;
	if (json_array_size(annotations) < before)
		ct__export_warn(p->opts, "claim %s: %zu annotation%s not verified; left out", id,
			before - json_array_size(annotations),
			before - json_array_size(annotations) == 1 ? " is" : "s are");
	json_array_foreach (annotations, i, r)
		if ((error = add_annotation(p, id, r, digests)) < 0)
			goto done;
done:
	json_decref(digests);
	json_decref(annotations);
	json_decref(revs);
	return error;
}

int ct_export_prov(json_t **out, ct_store *store, const ct_export_opts *opts)
{
	ct__export_sel sel;
	prov p = {NULL, 0, store, &sel, opts, NULL};
	json_t *id;
	size_t i;
	int error;

	*out = NULL;
	if ((error = ct__export_select(&sel, store, opts)) < 0)
		return error;
	p.doc = json_pack("{s:{s:s}, s:{}, s:{}, s:{}}", "prefix", "ct",
		"urn:claimtrail:", "entity", "agent", "activity");
	p.sources_done = json_object();
	if (!p.doc || !p.sources_done) {
		error = ct__oom();
		goto done;
	}
	json_array_foreach (sel.ids, i, id)
		if ((error = add_claim(&p, json_string_value(id))) < 0)
			goto done;
	*out = p.doc;
	p.doc = NULL;
done:
	json_decref(p.doc);
	json_decref(p.sources_done);
	ct__export_sel_free(&sel);
	return error;
}
