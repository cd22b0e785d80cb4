/*
 * The diff of a store between two git revisions (docs/diff.md, "The store between two git
 * revisions"): the trees' difference under the store folder turned into one entry per change,
 * each record's signatures checked against B's key records, the counts and their one-line
 * summary.
 */
#include "diff_internal.h"
#include "store_internal.h"
#include "utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- store diffs ---- */

/* What a store diff counts, in the order the summary names them. */
static const char *const count_names[] = {"claims_added", "claims_revised", "claims_retracted",
	"annotations", "disputes", "resolutions", "signoffs", "sources_added", "sources_revised",
	"keys_added", "keys_revoked", "other", NULL};

typedef struct {
	char *sort;
	json_t *entry;
} sd_entry;

typedef struct {
	ct_store *store;
	sd_entry *e;
	size_t n;
	size_t cap;
	json_t *revs; /* "kind/id" -> {kind, id, min, max, blob}: revision files added */
	json_t *counts;
	ct_keyring *keys; /* the valid key records of B's store folder */
} sd_state;

static int sd_push(sd_state *s, json_t *entry, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int sd_push(sd_state *s, json_t *entry, const char *fmt, ...)
{
	ct_buf sort = CT_BUF_INIT;
	va_list ap;
	char line[512];
	int n;

	if (!entry)
		return ct__oom();
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || ct_buf_puts(&sort, line) < 0)
		goto fail;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		sd_entry *e = realloc(s->e, ncap * sizeof(*e));
		if (!e)
			goto fail;
		s->e = e;
		s->cap = ncap;
	}
	s->e[s->n].sort = ct_buf_detach(&sort);
	s->e[s->n].entry = entry;
	s->n++;
	return 0;
fail:
	ct_buf_free(&sort);
	json_decref(entry);
	return ct__oom();
}

static void sd_count(sd_state *s, const char *name)
{
	json_t *c = json_object_get(s->counts, name);

	json_integer_set(c, json_integer_value(c) + 1);
}

/* The record in a blob, or NULL when it is missing or not a record (a hand edit). */
static json_t *blob_record(ct_store *store, const git_oid *id)
{
	git_blob *blob = NULL;
	json_t *rec = NULL;

	if (git_oid_is_zero(id) || git_blob_lookup(&blob, store->repo, id) < 0)
		return NULL;
	if (git_blob_rawsize(blob) <= CT_RECORD_MAX &&
		ct_json_parse(&rec, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
			CT_JSON_RECORD) < 0)
		rec = NULL;
	git_blob_free(blob);
	ct_error_clear();
	return rec;
}

/* Marks entry with whether the record at B in blob id verifies: every signature against the
 * key record it names in B's key folder (signatures only: the chain is `check`'s and `show`'s
 * business). Adds "verified" and, when it does not, "unverified" (why). */
static int sd_mark(sd_state *s, json_t *entry, const git_oid *id)
{
	json_t *rec;
	ct_verification v;
	int error = 0;

	if (!entry)
		return 0;
	rec = blob_record(s->store, id);
	if (!rec) {
		memset(&v, 0, sizeof(v));
		v.state = CT_RECORD_BAD_SIGNATURE;
		snprintf(v.reason, sizeof(v.reason), "not a record");
	} else if ((error = ct__verify_signatures(&v, rec, s->keys, 1)) < 0) {
		json_decref(rec);
		return error;
	}
	json_decref(rec);
	if (jset(entry, "verified", json_boolean(v.state == CT_RECORD_VERIFIED)) < 0 ||
		(v.state != CT_RECORD_VERIFIED &&
			jset(entry, "unverified", json_string(v.reason)) < 0))
		return ct__oom();
	return 0;
}

/* The key records of the store folder in tree whose self-signature verifies, as a keyring. */
static int tree_keys(ct_keyring **out, ct_store *store, git_tree *tree)
{
	ct_buf path = CT_BUF_INIT;
	git_tree *keys = NULL;
	size_t i;
	int error;

	if ((error = ct_keyring_new(out)) < 0 ||
		(error = ct_buf_printf(&path, "%s/key", store->root)) < 0)
		goto done;
	if (!ct__subtree(&keys, store, tree, path.ptr))
		goto done;
	for (i = 0; i < git_tree_entrycount(keys); i++) {
		json_t *rec =
			blob_record(store, git_tree_entry_id(git_tree_entry_byindex(keys, i)));
		if (rec && ct_keyring_add(*out, rec) < 0)
			ct_error_clear(); /* a bad key record verifies nothing */
		json_decref(rec);
	}
done:
	git_tree_free(keys);
	ct_buf_free(&path);
	return error;
}

/* Key ids that sign `now` and did not sign `before`: a new array. */
static json_t *new_signers(const json_t *before, const json_t *now)
{
	json_t *out = json_array(), *s, *t;
	size_t i, j;

	json_array_foreach (json_object_get(now, "signatures"), i, s) {
		const char *kid = json_string_value(json_object_get(s, "key_id"));
		int seen = 0;
		json_array_foreach (json_object_get(before, "signatures"), j, t)
			if (kid &&
				json_equal(
					json_object_get(t, "key_id"), json_object_get(s, "key_id")))
				seen = 1;
		if (kid && !seen)
			json_array_append_new(out, json_string(kid));
	}
	return out;
}

/* "rNNNN.json" or "rNNNN-<12 hex>.json" -> N, or 0. */
static json_int_t revision_of(const char *name)
{
	return ct__revision_file(name, NULL);
}

static const char *status_name(git_delta_t st)
{
	switch (st) {
	case GIT_DELTA_ADDED: return "added";
	case GIT_DELTA_DELETED: return "removed";
	default: return "modified";
	}
}

static int sd_other(sd_state *s, const char *path, git_delta_t st)
{
	int error;

	/* a path in git is any bytes; jansson refuses invalid UTF-8 with the NULL it gives when
	 * out of memory: check first */
	if ((error = ct__utf8_check(path, strlen(path), "a file path in the store")) < 0)
		return error;
	sd_count(s, "other");
	return sd_push(s,
		json_pack("{s:s, s:s, s:s}", "kind", "file", "id", path, "action", status_name(st)),
		"9 %s", path);
}

static int sd_annotation(sd_state *s, const char *claim, const char *aid, const git_diff_delta *d)
{
	json_t *rec = NULL, *old = NULL, *e = NULL;
	const char *kind, *created;
	int error;

	if (d->status == GIT_DELTA_DELETED) {
		sd_count(s, "other");
		return sd_push(s,
			json_pack("{s:s, s:s, s:s, s:s}", "kind", "annotation", "id", aid, "claim",
				claim, "action", "removed"),
			"2 %s 1 %s", claim, aid);
	}
	rec = blob_record(s->store, &d->new_file.id);
	kind = json_string_value(json_object_get(rec, "kind"));
	created = json_string_value(json_object_get(rec, "created"));
	if (d->status == GIT_DELTA_MODIFIED) {
		old = blob_record(s->store, &d->old_file.id);
		sd_count(s, "signoffs");
		e = json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", "annotation", "id", aid, "claim",
			claim, "action", "signed", "signers", new_signers(old, rec));
	} else if (kind && strcmp(kind, "dispute") == 0) {
		const json_t *dsp = json_object_get(rec, "dispute");
		sd_count(s, "disputes");
		e = json_pack("{s:s, s:s, s:s, s:s, s:O?, s:O?, s:O?}", "kind", "annotation", "id",
			aid, "claim", claim, "action", "disputed", "by", json_object_get(dsp, "by"),
			"reason", json_object_get(dsp, "reason"), "source",
			json_object_get(dsp, "source"));
	} else if (kind && strcmp(kind, "resolution") == 0) {
		sd_count(s, "resolutions");
		e = json_pack("{s:s, s:s, s:s, s:s, s:O?, s:O?}", "kind", "annotation", "id", aid,
			"claim", claim, "action", "resolved", "resolves",
			json_object_get(rec, "resolves"), "outcome",
			json_object_get(rec, "outcome"));
	} else {
		sd_count(s, "annotations");
		e = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:O?}", "kind", "annotation", "id", aid,
			"claim", claim, "action", "annotated", "annotation", kind, "verdict",
			json_object_get(rec, "verdict"));
	}
	if ((error = sd_mark(s, e, &d->new_file.id)) < 0) {
		json_decref(e);
		e = NULL;
	} else {
		error = sd_push(s, e, "2 %s 1 %s %s", claim, created ? created : "", aid);
	}
	json_decref(rec);
	json_decref(old);
	return error;
}

static int sd_revision(
	sd_state *s, const char *kind, const char *id, json_int_t rev, const git_diff_delta *d)
{
	int rank = kind[0] == 'c' ? 2 : 1;
	char key[160];
	json_t *agg;
	int n;

	if (d->status == GIT_DELTA_DELETED) {
		sd_count(s, "other");
		return sd_push(s,
			json_pack("{s:s, s:s, s:s, s:I}", "kind", kind, "id", id, "action",
				"removed", "revision", rev),
			"%d %s 0 %010lld", rank, id, (long long)rev);
	}
	if (d->status == GIT_DELTA_MODIFIED) {
		json_t *old = blob_record(s->store, &d->old_file.id);
		json_t *now = blob_record(s->store, &d->new_file.id);
		json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:o}", "kind", kind, "id", id, "action",
			"signed", "revision", rev, "signers", new_signers(old, now));
		int error;
		sd_count(s, "signoffs");
		if ((error = sd_mark(s, e, &d->new_file.id)) < 0)
			json_decref(e);
		else
			error = sd_push(s, e, "%d %s 0 %010lld", rank, id, (long long)rev);
		json_decref(old);
		json_decref(now);
		return error;
	}
	n = snprintf(key, sizeof(key), "%s/%s", kind, id);
	if (n < 0 || (size_t)n >= sizeof(key))
		return ct_error_set(CT_EINVALID, "id too long: %.80s", id);
	if (!(agg = json_object_get(s->revs, key))) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &d->new_file.id);
		agg = json_pack("{s:s, s:s, s:I, s:I, s:s}", "kind", kind, "id", id, "min", rev,
			"max", rev, "blob", hex);
		return jset(s->revs, key, agg);
	}
	if (rev < json_integer_value(json_object_get(agg, "min")))
		json_object_set_new(agg, "min", json_integer(rev));
	if (rev > json_integer_value(json_object_get(agg, "max"))) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &d->new_file.id);
		json_object_set_new(agg, "max", json_integer(rev));
		json_object_set_new(agg, "blob", json_string(hex));
	}
	return 0;
}

/* Turns the revision files added per record into "added", "revised" or "retracted". */
static int sd_revisions_done(sd_state *s)
{
	const char *key;
	json_t *agg;
	int error = 0;

	json_object_foreach (s->revs, key, agg) {
		const char *kind = json_string_value(json_object_get(agg, "kind"));
		const char *id = json_string_value(json_object_get(agg, "id"));
		json_int_t min = json_integer_value(json_object_get(agg, "min"));
		json_int_t max = json_integer_value(json_object_get(agg, "max"));
		int claim = strcmp(kind, "claim") == 0, retracted = 0;
		json_t *e;
		git_oid oid;

		if (git_oid_fromstr(&oid, json_string_value(json_object_get(agg, "blob"))) < 0)
			memset(&oid, 0, sizeof(oid));
		if (claim) {
			json_t *rec = blob_record(s->store, &oid);
			retracted = json_is_true(json_object_get(rec, "retracted"));
			json_decref(rec);
		}
		if (min == 1) {
			sd_count(s, claim ? "claims_added" : "sources_added");
			e = json_pack("{s:s, s:s, s:s, s:I}", "kind", kind, "id", id, "action",
				"added", "revision", max);
			if (e && retracted)
				json_object_set_new(e, "retracted", json_true());
		} else {
			sd_count(s,
				retracted	? "claims_retracted"
					: claim ? "claims_revised"
						: "sources_revised");
			e = json_pack("{s:s, s:s, s:s, s:I, s:I}", "kind", kind, "id", id, "action",
				retracted ? "retracted" : "revised", "from", min - 1, "to", max);
		}
		if ((error = sd_mark(s, e, &oid)) < 0) {
			json_decref(e);
			break;
		}
		if ((error = sd_push(s, e, "%d %s 0 %010lld", claim ? 2 : 1, id, (long long)max)) <
			0)
			break;
	}
	return error;
}

static int sd_delta(sd_state *s, const git_diff_delta *d)
{
	const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
	size_t rootlen = strlen(s->store->root);
	char parts[5][CT_ID_MAX + 16];
	const char *p;
	size_t np = 0;

	if (strncmp(path, s->store->root, rootlen) != 0 || path[rootlen] != '/')
		return 0;
	p = path + rootlen + 1;
	if (strcmp(p, "store.json") == 0) {
		sd_count(s, "other");
		return sd_push(s,
			json_pack("{s:s, s:s, s:s}", "kind", "store", "id", "store.json", "action",
				status_name(d->status)),
			"8 store.json");
	}
	/* Split into at most 5 parts; anything longer is not a claimtrail file. */
	while (*p && np < 5) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len >= sizeof(parts[0]))
			return sd_other(s, path, d->status);
		memcpy(parts[np], p, len);
		parts[np++][len] = '\0';
		p += len + (slash ? 1 : 0);
		if (!slash)
			break;
	}
	if (*p)
		return sd_other(s, path, d->status);
	if (np == 2 && strcmp(parts[0], "key") == 0 && strlen(parts[1]) == CT_KEY_ID_LEN + 5 &&
		strcmp(parts[1] + CT_KEY_ID_LEN, ".json") == 0) {
		json_t *rec = d->status == GIT_DELTA_DELETED
			? NULL
			: blob_record(s->store, &d->new_file.id);
		json_t *old = d->status == GIT_DELTA_MODIFIED
			? blob_record(s->store, &d->old_file.id)
			: NULL;
		const char *action = status_name(d->status);
		int error;
		parts[1][CT_KEY_ID_LEN] = '\0';
		if (d->status == GIT_DELTA_ADDED)
			sd_count(s, "keys_added");
		else if (d->status == GIT_DELTA_MODIFIED && json_object_get(rec, "revoked") &&
			!json_object_get(old, "revoked")) {
			action = "revoked";
			sd_count(s, "keys_revoked");
		} else {
			sd_count(s, "other");
		}
		error = sd_push(s,
			json_pack("{s:s, s:s, s:s, s:O?, s:O?}", "kind", "key", "id", parts[1],
				"action", action, "name", json_object_get(rec, "name"), "org",
				json_object_get(rec, "org")),
			"0 %s", parts[1]);
		json_decref(rec);
		json_decref(old);
		return error;
	}
	if (np == 4 && (strcmp(parts[0], "claim") == 0 || strcmp(parts[0], "source") == 0) &&
		ct_id_validate(parts[2], parts[0]) == 0) {
		json_int_t rev = revision_of(parts[3]);
		size_t len = strlen(parts[3]);
		if (rev > 0)
			return sd_revision(s, parts[0], parts[2], rev, d);
		if (strcmp(parts[0], "source") == 0 && len > 4 &&
			strcmp(parts[3] + len - 4, ".txt") == 0)
			return 0; /* a source's text goes with its revision */
	}
	if (np == 5 && strcmp(parts[0], "claim") == 0 && strcmp(parts[3], "annotations") == 0 &&
		ct_id_validate(parts[2], "claim") == 0) {
		size_t len = strlen(parts[4]);
		if (len > 5 && strcmp(parts[4] + len - 5, ".json") == 0) {
			parts[4][len - 5] = '\0';
			if (ct_id_validate(parts[4], "annotation") == 0)
				return sd_annotation(s, parts[2], parts[4], d);
		}
	}
	ct_error_clear();
	return sd_other(s, path, d->status);
}

static int by_sort(const void *x, const void *y)
{
	return strcmp(((const sd_entry *)x)->sort, ((const sd_entry *)y)->sort);
}

/* The tree and commit (or tree) id that spec names. */
static int resolve_tree(
	git_tree **tree, char hex[GIT_OID_HEXSZ + 1], ct_store *store, const char *spec)
{
	git_object *obj = NULL, *commit = NULL;
	int error = 0;

	*tree = NULL;
	if (git_revparse_single(&obj, store->repo, spec) < 0 ||
		git_object_peel((git_object **)tree, obj, GIT_OBJECT_TREE) < 0) {
		error = ct_error_set(
			CT_ENOTFOUND, "no git revision \"%.80s\" in the repository", spec);
		goto done;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0)
		git_oid_tostr(hex, GIT_OID_HEXSZ + 1, git_object_id(commit));
	else
		git_oid_tostr(hex, GIT_OID_HEXSZ + 1, git_tree_id(*tree));
done:
	git_object_free(commit);
	git_object_free(obj);
	return error;
}

int ct_store_diff(json_t **out, ct_store *store, const char *from, const char *to)
{
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	char ha[GIT_OID_HEXSZ + 1], hb[GIT_OID_HEXSZ + 1];
	ct_buf spec = CT_BUF_INIT;
	char *specs[1];
	sd_state s;
	json_t *res = NULL, *changes = NULL;
	size_t i;
	int error;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	s.store = store;
	if (!(s.revs = json_object()) || !(s.counts = json_object()) || !(changes = json_array())) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; count_names[i]; i++)
		if ((error = jset(s.counts, count_names[i], json_integer(0))) < 0)
			goto done;
	if ((error = resolve_tree(&ta, ha, store, from)) < 0 ||
		(error = resolve_tree(&tb, hb, store, to)) < 0 ||
		(error = tree_keys(&s.keys, store, tb)) < 0)
		goto done;
	if ((error = ct_buf_printf(&spec, "%s/", store->root)) < 0)
		goto done;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	specs[0] = spec.ptr;
	opts.pathspec.strings = specs;
	opts.pathspec.count = 1;
	if (git_diff_tree_to_tree(&diff, store->repo, ta, tb, &opts) < 0) {
		error = ct__git_error(CT_EIO, "diffing the store's trees");
		goto done;
	}
	for (i = 0; i < git_diff_num_deltas(diff); i++)
		if ((error = sd_delta(&s, git_diff_get_delta(diff, i))) < 0)
			goto done;
	if ((error = sd_revisions_done(&s)) < 0)
		goto done;
	if (s.n > 1)
		qsort(s.e, s.n, sizeof(*s.e), by_sort);
	for (i = 0; i < s.n; i++) {
		error = jappend(changes, s.e[i].entry);
		s.e[i].entry = NULL;
		if (error < 0)
			goto done;
	}
	res = json_pack("{s:s, s:s, s:O, s:O}", "from", ha, "to", hb, "changes", changes, "counts",
		s.counts);
	if (!res) {
		error = ct__oom();
		goto done;
	}
	*out = res;
done:
	for (i = 0; i < s.n; i++) {
		free(s.e[i].sort);
		json_decref(s.e[i].entry);
	}
	free(s.e);
	json_decref(s.revs);
	json_decref(s.counts);
	ct_keyring_free(s.keys);
	json_decref(changes);
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	ct_buf_free(&spec);
	return error;
}

int ct_store_diff_summary(ct_buf *out, const json_t *diff)
{
	/* Groups share their noun: "3 claims added, 1 revised". */
	static const struct {
		const char *name;
		const char *one;
		const char *many;
		const char *verb;
		int group;
	} parts[] = {
		{"claims_added", "claim", "claims", "added", 1},
		{"claims_revised", "claim", "claims", "revised", 1},
		{"claims_retracted", "claim", "claims", "retracted", 1},
		{"annotations", "annotation", "annotations", NULL, 2},
		{"disputes", "dispute", "disputes", NULL, 3},
		{"resolutions", "resolution", "resolutions", NULL, 4},
		{"signoffs", "sign-off", "sign-offs", NULL, 5},
		{"sources_added", "source", "sources", "added", 6},
		{"sources_revised", "source", "sources", "revised", 6},
		{"keys_added", "key", "keys", "added", 7},
		{"keys_revoked", "key", "keys", "revoked", 7},
		{"other", "other change", "other changes", NULL, 8},
	};
	const json_t *counts = json_object_get(diff, "counts");
	size_t i, written = 0;
	int last_group = 0, error = 0;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && error == 0; i++) {
		json_int_t n = json_integer_value(json_object_get(counts, parts[i].name));
		if (n == 0)
			continue;
		if (written++ && (error = ct_buf_puts(out, ", ")) < 0)
			break;
		if (parts[i].group == last_group)
			error = ct_buf_printf(out, "%lld %s", (long long)n, parts[i].verb);
		else
			error = ct_buf_printf(out, "%lld %s%s%s", (long long)n,
				n == 1 ? parts[i].one : parts[i].many, parts[i].verb ? " " : "",
				parts[i].verb ? parts[i].verb : "");
		last_group = parts[i].group;
	}
	if (error == 0 && written == 0)
		error = ct_buf_puts(out, "no changes");
	return error;
}
