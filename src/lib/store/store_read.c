/* Reading the store: records, revisions, annotations and keys, from the branch's current tree
 * (or, for revision lookups by commit, from an older one). */
#include "store_internal.h"
#include "hex.h"
#include "claimtrail/trust.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_int_t ct__revision_file(const char *name, const char **hex)
{
	size_t len = strlen(name), k;
	json_int_t v = 0;

	if (hex)
		*hex = NULL;
	if (len < 7 || name[0] != 'r' || strcmp(name + len - 5, ".json") != 0)
		return 0;
	for (k = 1; k < len - 5 && isdigit((unsigned char)name[k]) && v < 100000000; k++)
		v = v * 10 + (name[k] - '0');
	if (k == 1)
		return 0;
	if (k == len - 5)
		return v;
	/* "rNNNN-<12 hex>.json": a revision written since concurrent revisions (sync.md) */
	if (len - 5 - k != 1 + CT__REVISION_HEX || name[k] != '-')
		return 0;
	for (k++; k < len - 5; k++)
		if (!isdigit((unsigned char)name[k]) && !(name[k] >= 'a' && name[k] <= 'f'))
			return 0;
	if (hex)
		*hex = name + len - 5 - CT__REVISION_HEX;
	return v;
}

const git_tree_entry *ct__latest_revision(json_int_t *n, const git_tree *folder)
{
	const git_tree_entry *latest = NULL;
	size_t i;

	*n = 0;
	for (i = 0; i < git_tree_entrycount(folder); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(folder, i);
		json_int_t v = ct__revision_file(git_tree_entry_name(e), NULL);
		if (v > *n) {
			*n = v;
			latest = e;
		}
	}
	return latest;
}

const git_tree_entry *ct__revision_entry(const git_tree *folder, json_int_t n)
{
	size_t i;

	for (i = 0; i < git_tree_entrycount(folder); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(folder, i);
		if (ct__revision_file(git_tree_entry_name(e), NULL) == n)
			return e;
	}
	return NULL;
}

int ct__revision_path(
	ct_buf *out, ct_store *store, git_tree *root, ct_kind kind, const char *id, json_int_t n)
{
	git_tree *tree = NULL;
	const git_tree_entry *e;
	int error;

	if ((error = ct__record_dir(out, store, kind, id)) < 0)
		return error;
	if (ct__subtree(&tree, store, root ? root : store->tree, out->ptr) &&
		(e = ct__revision_entry(tree, n)))
		error = ct_buf_printf(out, "/%s", git_tree_entry_name(e));
	else
		error = ct_buf_printf(out, "/r%04lld.json", (long long)n);
	git_tree_free(tree);
	return error;
}

/* The bytes of the blob of entry e of a folder, at most CT_RECORD_MAX (what names it in errors). */
static int entry_bytes(ct_buf *data, ct_store *store, const git_tree_entry *e, const char *what)
{
	git_blob *blob = NULL;
	int error = 0;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		error = ct_error_set(
			CT_EINVALID, "%s: %s is not a file", what, git_tree_entry_name(e));
		goto done;
	}
	if (git_blob_lookup(&blob, store->repo, git_tree_entry_id(e)) < 0) {
		error = ct__git_error(CT_EIO, what);
		goto done;
	}
	if (git_blob_rawsize(blob) > CT_RECORD_MAX) {
		error = ct_error_set(CT_EINVALID, "%s: %s is larger than %d bytes", what,
			git_tree_entry_name(e), CT_RECORD_MAX);
		goto done;
	}
	error = ct_buf_put(data, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	return error;
}

/* The blob of entry e of folder as a parsed record (what names it in errors). */
static int read_entry(json_t **out, ct_store *store, const git_tree_entry *e, const char *what)
{
	ct_buf data = CT_BUF_INIT;
	int error;

	*out = NULL;
	if ((error = entry_bytes(&data, store, e, what)) == 0)
		error = ct__parse_record(out, &data, what);
	ct_buf_free(&data);
	return error;
}

int ct__revision_by_digest(json_t **out, ct_store *store, const git_tree *folder, const char *id,
	const char *digest, json_int_t hint)
{
	size_t i, pass;
	int error = 0;

	*out = NULL;
	/* the revision numbered hint first (prev names revision - 1), then any other */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < git_tree_entrycount(folder); i++) {
			const git_tree_entry *e = git_tree_entry_byindex(folder, i);
			const char *hex;
			json_int_t v = ct__revision_file(git_tree_entry_name(e), &hex);
			char got[CT_DIGEST_LEN + 1];
			json_t *rec = NULL;
			if (v == 0 || (pass == 0) != (v == hint))
				continue;
			if (hex && strncmp(hex, digest + 7, CT__REVISION_HEX) != 0)
				continue;
			if ((error = read_entry(&rec, store, e, id)) < 0) {
				ct_error_clear();
				error = 0;
				continue;
			}
			if (ct_record_digest(got, rec) == 0 && strcmp(got, digest) == 0 &&
				strcmp(ct_record_id(rec), id) == 0 &&
				json_integer_value(json_object_get(rec, "revision")) == v) {
				*out = rec;
				return 0;
			}
			json_decref(rec);
		}
	}
	return error;
}

/* Adds every digest prev names (a digest or a list of them) to set. */
static void add_prevs(json_t *set, const json_t *record)
{
	const json_t *prev = json_object_get(record, "prev"), *d;
	size_t i;

	if (json_is_string(prev))
		json_object_set_new(set, json_string_value(prev), json_true());
	json_array_foreach (prev, i, d)
		if (json_is_string(d))
			json_object_set_new(set, json_string_value(d), json_true());
}

int ct__revision_forked(const git_tree *folder)
{
	json_int_t last = 0, v;
	size_t i;

	/* a tree is sorted by name, so the files of one number are neighbours */
	for (i = 0; i < git_tree_entrycount(folder); i++) {
		v = ct__revision_file(git_tree_entry_name(git_tree_entry_byindex(folder, i)), NULL);
		if (v && v == last)
			return 1;
		last = v ? v : last;
	}
	return 0;
}

int ct__revision_heads(json_t **out, ct_store *store, const git_tree *folder, const char *id)
{
	json_t *all = json_array(), *named = json_object(), *heads = json_array(), *rec;
	const git_tree_entry *latest;
	json_int_t n;
	size_t i;
	int error = 0;

	*out = NULL;
	if (!all || !named || !heads) {
		error = ct__oom();
		goto done;
	}
	if (!ct__revision_forked(folder)) {
		if ((latest = ct__latest_revision(&n, folder))) {
			if ((error = read_entry(&rec, store, latest, id)) < 0)
				goto done;
			json_array_append_new(heads, rec);
		}
		goto out;
	}
	for (i = 0; i < git_tree_entrycount(folder); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(folder, i);
		if (!ct__revision_file(git_tree_entry_name(e), NULL))
			continue;
		if ((error = read_entry(&rec, store, e, id)) < 0)
			goto done;
		add_prevs(named, rec);
		json_array_append_new(all, rec);
	}
	json_array_foreach (all, i, rec) {
		char digest[CT_DIGEST_LEN + 1];
		if ((error = ct_record_digest(digest, rec)) < 0)
			goto done;
		if (!json_object_get(named, digest))
			json_array_append(heads, rec);
	}
out:
	*out = heads;
	heads = NULL;
done:
	json_decref(all);
	json_decref(named);
	json_decref(heads);
	return error;
}

int ct_store_heads(json_t **out, ct_store *store, ct_kind kind, const char *id)
{
	ct_buf dir = CT_BUF_INIT;
	git_tree *tree = NULL;
	int error;

	*out = NULL;
	if (kind != CT_KIND_CLAIM && kind != CT_KIND_SOURCE)
		return ct_error_set(CT_EINVALID, "only claims and sources have revisions");
	if ((error = ct_id_validate(id, ct_kind_name(kind))) < 0 ||
		(error = ct__record_dir(&dir, store, kind, id)) < 0)
		goto done;
	if (!ct__subtree(&tree, store, store->tree, dir.ptr)) {
		error = ct_error_set(
			CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
		goto done;
	}
	if ((error = ct__revision_heads(out, store, tree, id)) == 0 && json_array_size(*out) == 0) {
		json_decref(*out);
		*out = NULL;
		error = ct_error_set(
			CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
	}
done:
	git_tree_free(tree);
	ct_buf_free(&dir);
	return error;
}

int ct_store_claim_heads(json_t **out, ct_store *store, const char *id)
{
	return ct_store_heads(out, store, CT_KIND_CLAIM, id);
}

/* The highest n of the "rNNNN.json" files in a record folder tree (0 when absent). */
static int count_in_tree(json_int_t *out, ct_store *store, git_tree *root, const char *dir)
{
	git_tree *tree = NULL;

	*out = 0;
	if (!ct__subtree(&tree, store, root, dir))
		return 0;
	ct__latest_revision(out, tree);
	git_tree_free(tree);
	return 0;
}

int ct__revision_count(json_int_t *out, ct_store *store, ct_kind kind, const char *id)
{
	ct_buf dir = CT_BUF_INIT;
	int error;

	if ((error = ct__record_dir(&dir, store, kind, id)) == 0)
		error = count_in_tree(out, store, store->tree, dir.ptr);
	ct_buf_free(&dir);
	return error;
}

static int check_kind(ct_kind kind)
{
	if (kind != CT_KIND_CLAIM && kind != CT_KIND_SOURCE && kind != CT_KIND_KEY)
		return ct_error_set(CT_EINVALID, "annotations are found through their claim");
	return 0;
}

int ct_store_get_raw(
	ct_buf *out, ct_store *store, ct_kind kind, const char *id, json_int_t revision)
{
	ct_buf path = CT_BUF_INIT;
	int error;

	if ((error = check_kind(kind)) < 0 || (error = ct_id_validate(id, ct_kind_name(kind))) < 0)
		goto done;
	if (kind != CT_KIND_KEY && revision == 0) {
		if ((error = ct__revision_count(&revision, store, kind, id)) < 0)
			goto done;
		if (revision == 0) {
			error = ct_error_set(
				CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
			goto done;
		}
	}
	if ((error = kind == CT_KIND_KEY
			    ? ct_store_record_path(&path, store, kind, id, revision)
			    : ct__revision_path(&path, store, NULL, kind, id, revision)) < 0)
		goto done;
	if ((error = ct__read_path(out, store, path.ptr, CT_RECORD_MAX)) == CT_ENOTFOUND)
		error = kind == CT_KIND_KEY
			? ct_error_set(CT_ENOTFOUND, "no key %s in the store", id)
			: ct_error_set(CT_ENOTFOUND, "%s %s has no revision %lld",
				  ct_kind_name(kind), id, (long long)revision);
done:
	ct_buf_free(&path);
	return error;
}

/* Parses data as revision (a key: as the key) of record id of kind and checks that the file holds
 * the record its path names. */
static int parse_named(
	json_t **out, const ct_buf *data, ct_kind kind, const char *id, json_int_t revision)
{
	ct_buf what = CT_BUF_INIT;
	json_t *record = NULL;
	ct_kind got;
	int error;

	*out = NULL;
	if (kind == CT_KIND_KEY)
		error = ct_buf_printf(&what, "key %s", id);
	else
		error = ct_buf_printf(
			&what, "%s %s revision %lld", ct_kind_name(kind), id, (long long)revision);
	if (error < 0 || (error = ct__parse_record(&record, data, what.ptr)) < 0)
		goto done;
	/* The file must hold the record its path names. */
	if (ct_record_kind(&got, record) < 0 || got != kind ||
		strcmp(ct_record_id(record), id) != 0 ||
		(kind != CT_KIND_KEY &&
			json_integer_value(json_object_get(record, "revision")) != revision)) {
		error = ct_error_set(CT_EBADSIG, "%s: the file holds %s %s revision %lld", what.ptr,
			json_string_value(json_object_get(record, "type")), ct_record_id(record),
			(long long)json_integer_value(json_object_get(record, "revision")));
		goto done;
	}
	*out = record;
	record = NULL;
done:
	json_decref(record);
	ct_buf_free(&what);
	return error;
}

int ct_store_get(json_t **out, ct_store *store, ct_kind kind, const char *id, json_int_t revision)
{
	ct_buf data = CT_BUF_INIT;
	int error;

	*out = NULL;
	if (kind != CT_KIND_KEY && revision == 0 &&
		(error = ct__revision_count(&revision, store, kind, id)) < 0)
		goto done;
	if ((error = ct_store_get_raw(&data, store, kind, id, revision)) < 0)
		goto done;
	error = parse_named(out, &data, kind, id, revision);
done:
	ct_buf_free(&data);
	return error;
}

int ct__store_get_latest(json_t **out, ct_store *store, ct_kind kind, const char *id)
{
	ct_buf dir = CT_BUF_INIT, data = CT_BUF_INIT;
	git_tree *folder = NULL;
	const git_tree_entry *e = NULL;
	json_int_t revision = 0;
	int error;

	*out = NULL;
	if ((error = check_kind(kind)) < 0 || (error = ct_id_validate(id, ct_kind_name(kind))) < 0)
		goto done;
	if (kind == CT_KIND_KEY) {
		error = ct_store_get(out, store, kind, id, 0);
		goto done;
	}
	if ((error = ct__record_dir(&dir, store, kind, id)) < 0)
		goto done;
	/* the folder read once: its latest revision file, then that file's blob by its id */
	if (ct__subtree(&folder, store, store->tree, dir.ptr))
		e = ct__latest_revision(&revision, folder);
	if (!e) {
		error = ct_error_set(
			CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
		goto done;
	}
	if ((error = entry_bytes(&data, store, e, dir.ptr)) < 0)
		goto done;
	error = parse_named(out, &data, kind, id, revision);
done:
	git_tree_free(folder);
	ct_buf_free(&data);
	ct_buf_free(&dir);
	return error;
}

int ct__latest_record(json_t **out, char *digest, json_int_t *revision, ct_store *store,
	ct_kind kind, const char *id)
{
	return ct__latest_record_ring(out, digest, revision, store, NULL, kind, id);
}

int ct__latest_record_ring(json_t **out, char *digest, json_int_t *revision, ct_store *store,
	const ct_keyring *ring, ct_kind kind, const char *id)
{
	int error;

	*out = NULL;
	*revision = 0;
	if ((error = ct_id_validate(id, ct_kind_name(kind))) < 0 ||
		(error = ct__revision_count(revision, store, kind, id)) < 0)
		return error;
	if (*revision == 0)
		return ct_error_set(
			CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
	if ((error = ct_store_get(out, store, kind, id, *revision)) < 0)
		return error;
	/* every write builds on the latest revision: never on one that does not verify */
	if ((error = ring ? ct__require_verified_ring(store, ring, *out)
			  : ct__require_verified(store, *out)) < 0 ||
		(error = ct_record_digest(digest, *out)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return error;
}

/* Appends to list the other revisions numbered n of claim or source id (concurrent ones, kept
 * side by side after a sync), rec being the one ct_store_get gave. */
static int add_concurrent(json_t *list, ct_store *store, ct_kind kind, const char *id, json_int_t n,
	const json_t *rec)
{
	ct_buf dir = CT_BUF_INIT;
	git_tree *tree = NULL;
	char have[CT_DIGEST_LEN + 1];
	size_t i;
	int error;

	if ((error = ct_record_digest(have, rec)) < 0 ||
		(error = ct__record_dir(&dir, store, kind, id)) < 0 ||
		!ct__subtree(&tree, store, store->tree, dir.ptr) || !ct__revision_forked(tree))
		goto done;
	for (i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *hex;
		json_t *other = NULL;
		char digest[CT_DIGEST_LEN + 1];
		if (ct__revision_file(git_tree_entry_name(e), &hex) != n ||
			(hex && strncmp(hex, have + 7, CT__REVISION_HEX) == 0))
			continue;
		if ((error = read_entry(&other, store, e, id)) < 0)
			goto done;
		if (ct_record_digest(digest, other) == 0 && strcmp(digest, have) != 0)
			json_array_append(list, other);
		json_decref(other);
	}
done:
	git_tree_free(tree);
	ct_buf_free(&dir);
	return error;
}

int ct_store_revisions(json_t **out, ct_store *store, ct_kind kind, const char *id)
{
	json_t *list = json_array();
	json_int_t n, i;
	int error;

	*out = NULL;
	if (!list)
		return ct__oom();
	if ((error = ct_id_validate(id, ct_kind_name(kind))) < 0 ||
		(error = ct__revision_count(&n, store, kind, id)) < 0)
		goto done;
	if (n == 0) {
		error = ct_error_set(
			CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
		goto done;
	}
	for (i = 1; i <= n; i++) {
		json_t *rec;
		if ((error = ct_store_get(&rec, store, kind, id, i)) < 0)
			goto done;
		json_array_append_new(list, rec);
		if (kind != CT_KIND_KEY &&
			(error = add_concurrent(list, store, kind, id, i, rec)) < 0)
			goto done;
	}
	*out = list;
	list = NULL;
done:
	json_decref(list);
	return error;
}

const json_t *ct__revision_numbered(const json_t *revs, json_int_t n)
{
	const json_t *r;
	size_t i;

	json_array_foreach (revs, i, r)
		if (json_integer_value(json_object_get(r, "revision")) == n)
			return r;
	return NULL;
}

static int is_hex(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (ct__hex_value((unsigned char)*s, 1) < 0)
			return 0;
	return 1;
}

int ct_store_resolve_revision(
	json_int_t *out, ct_store *store, ct_kind kind, const char *id, const char *rev)
{
	json_int_t n;
	const char *p = rev;
	int error;

	if ((error = ct__revision_count(&n, store, kind, id)) < 0)
		return error;
	if (n == 0)
		return ct_error_set(
			CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
	if (*p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 9) {
		json_int_t v = strtoll(p, NULL, 10);
		if (v < 1 || v > n)
			return ct_error_set(CT_ENOTFOUND, "%s %s has no revision %s (it has %lld)",
				ct_kind_name(kind), id, rev, (long long)n);
		*out = v;
		return 0;
	}
	if (strncmp(p, "sha256:", 7) == 0)
		p += 7;
	if (is_hex(p) && strlen(p) >= 6 && strlen(p) <= 64) {
		json_int_t i, found = 0;
		for (i = 1; i <= n; i++) {
			json_t *rec;
			char digest[CT_DIGEST_LEN + 1];
			if ((error = ct_store_get(&rec, store, kind, id, i)) < 0)
				return error;
			error = ct_record_digest(digest, rec);
			json_decref(rec);
			if (error < 0)
				return error;
			if (strncmp(digest + 7, p, strlen(p)) == 0) {
				if (found)
					return ct_error_set(CT_EINVALID,
						"revision %s of %s %s is ambiguous", rev,
						ct_kind_name(kind), id);
				found = i;
			}
		}
		if (found) {
			*out = found;
			return 0;
		}
	}
	/* A commit: the latest revision that existed in it. */
	{
		git_object *obj = NULL;
		git_commit *commit = NULL;
		git_tree *tree = NULL;
		ct_buf dir = CT_BUF_INIT;
		json_int_t at = 0;

		if (git_revparse_single(&obj, store->repo, rev) == 0 &&
			git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) == 0 &&
			git_commit_tree(&tree, commit) == 0 &&
			ct__record_dir(&dir, store, kind, id) == 0)
			count_in_tree(&at, store, tree, dir.ptr);
		ct_buf_free(&dir);
		git_tree_free(tree);
		git_commit_free(commit);
		git_object_free(obj);
		if (at > 0 && at <= n) {
			*out = at;
			return 0;
		}
	}
	return ct_error_set(CT_ENOTFOUND,
		"%s %s: no revision \"%s\" (give a number, a digest prefix or a commit)",
		ct_kind_name(kind), id, rev);
}

static int by_created(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "created")),
		json_string_value(json_object_get(y, "created")));

	return c ? c : strcmp(ct_record_id(x), ct_record_id(y));
}

/* Loads the records in the folder dir of the snapshot, one per "*.json" file. */
static int load_folder(json_t *list, ct_store *store, const char *dir)
{
	git_tree *tree = NULL;
	ct_buf path = CT_BUF_INIT;
	ct_buf data = CT_BUF_INIT;
	size_t i, n;
	int error = 0;

	if (!ct__subtree(&tree, store, store->tree, dir))
		goto done;
	n = git_tree_entrycount(tree);
	for (i = 0; i < n; i++) {
		const char *name = git_tree_entry_name(git_tree_entry_byindex(tree, i));
		json_t *rec = NULL;
		size_t len = strlen(name);
		if (len < 6 || strcmp(name + len - 5, ".json") != 0)
			continue;
		ct_buf_clear(&path);
		ct_buf_clear(&data);
		if ((error = ct_buf_printf(&path, "%s/%s", dir, name)) < 0 ||
			(error = ct__read_path(&data, store, path.ptr, CT_RECORD_MAX)) < 0 ||
			(error = ct__parse_record(&rec, &data, path.ptr)) < 0)
			goto done;
		json_array_append_new(list, rec);
	}
done:
	ct_buf_free(&data);
	ct_buf_free(&path);
	git_tree_free(tree);
	return error;
}

static int sort_array(json_t **list)
{
	size_t n = json_array_size(*list), i;
	json_t **items;
	json_t *sorted;

	if (n < 2)
		return 0;
	if (!(items = malloc(n * sizeof(*items))) || !(sorted = json_array())) {
		free(items);
		return ct__oom();
	}
	for (i = 0; i < n; i++)
		items[i] = json_array_get(*list, i);
	qsort(items, n, sizeof(*items), by_created);
	for (i = 0; i < n; i++)
		json_array_append(sorted, items[i]);
	free(items);
	json_decref(*list);
	*list = sorted;
	return 0;
}

int ct_store_annotations(json_t **out, ct_store *store, const char *claim_id)
{
	ct_buf dir = CT_BUF_INIT;
	json_t *list = json_array();
	json_int_t n;
	int error;

	*out = NULL;
	if (!list)
		return ct__oom();
	if ((error = ct_id_validate(claim_id, "claim")) < 0 ||
		(error = ct__revision_count(&n, store, CT_KIND_CLAIM, claim_id)) < 0)
		goto done;
	if (n == 0) {
		error = ct_error_set(CT_ENOTFOUND, "no claim \"%s\" in the store", claim_id);
		goto done;
	}
	if ((error = ct__record_dir(&dir, store, CT_KIND_CLAIM, claim_id)) < 0 ||
		(error = ct_buf_puts(&dir, "/annotations")) < 0 ||
		(error = load_folder(list, store, dir.ptr)) < 0 || (error = sort_array(&list)) < 0)
		goto done;
	*out = list;
	list = NULL;
done:
	json_decref(list);
	ct_buf_free(&dir);
	return error;
}

int ct_store_foreach_id(ct_store *store, ct_kind kind, ct_store_id_fn fn, void *payload)
{
	ct_buf path = CT_BUF_INIT;
	git_tree *top = NULL;
	size_t i, j;
	int error = 0;

	if ((error = check_kind(kind)) < 0)
		return error;
	if ((error = ct_buf_printf(&path, "%s/%s", store->root, ct_kind_name(kind))) < 0)
		goto done;
	if (!ct__subtree(&top, store, store->tree, path.ptr))
		goto done;
	for (i = 0; i < git_tree_entrycount(top); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(top, i);
		git_tree *fan = NULL;
		if (kind == CT_KIND_KEY) {
			char id[CT_KEY_ID_LEN + 1];
			const char *name = git_tree_entry_name(e);
			size_t len = strlen(name);
			if (len != CT_KEY_ID_LEN + 5 || strcmp(name + CT_KEY_ID_LEN, ".json") != 0)
				continue;
			memcpy(id, name, CT_KEY_ID_LEN);
			id[CT_KEY_ID_LEN] = '\0';
			if ((error = fn(id, payload)) != 0)
				goto done;
			continue;
		}
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE ||
			git_tree_lookup(&fan, store->repo, git_tree_entry_id(e)) < 0)
			continue;
		for (j = 0; j < git_tree_entrycount(fan); j++) {
			const git_tree_entry *ide = git_tree_entry_byindex(fan, j);
			if (git_tree_entry_type(ide) != GIT_OBJECT_TREE)
				continue;
			if ((error = fn(git_tree_entry_name(ide), payload)) != 0)
				break;
		}
		git_tree_free(fan);
		if (error)
			goto done;
	}
done:
	git_tree_free(top);
	ct_buf_free(&path);
	return error;
}

typedef struct {
	ct_store *store;
	ct_keyring *ring;
} keys_job;

static int add_key(const char *id, void *payload)
{
	keys_job *job = payload;
	json_t *rec = NULL;
	int error;

	if ((error = ct_store_get(&rec, job->store, CT_KIND_KEY, id, 0)) == 0)
		error = ct_keyring_add(job->ring, rec);
	json_decref(rec);
	/* a key record that is not one, or whose self-signature fails, is no key: left out, so
	 * that what it signed does not verify (check reports the file itself) */
	if (error == CT_EINVALID || error == CT_EBADSIG || error == CT_EUNTRUSTED) {
		ct_error_clear();
		error = 0;
	}
	return error;
}

int ct_store_keyring(ct_keyring **out, ct_store *store)
{
	keys_job job = {store, NULL};
	ct_keyring *grants = NULL;
	int error;

	*out = NULL;
	if ((error = ct_keyring_new(&job.ring)) < 0)
		return error;
	if ((error = ct_store_foreach_id(store, CT_KIND_KEY, add_key, &job)) < 0) {
		ct_keyring_free(job.ring);
		return error;
	}
	/* A revocation made by another key applies where the clone's trust list names that key
	 * as able to revoke this one (trust.md); a damaged list grants nothing here. */
	if ((error = ct_keyring_new(&grants)) == 0 &&
		ct_trust_keyring_add(grants, NULL, NULL, git_repository_commondir(store->repo)) ==
			0)
		ct_keyring_apply_revocations(job.ring, grants);
	ct_error_clear();
	ct_keyring_free(grants);
	*out = job.ring;
	return 0;
}

/* The text at path if it has sha256 want: 1 (in out), 0 when absent, 2 when it differs. */
static int text_at(ct_buf *out, ct_store *store, const char *path, const char *want)
{
	size_t start = out->len;
	char hex[65];
	int error = ct__read_path(out, store, path, CT_TEXT_MAX);

	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		return 0;
	}
	if (error < 0)
		return error;
	ct_sha256_hex(hex, (const uint8_t *)out->ptr + start, out->len - start);
	if (strcmp(hex, want) == 0)
		return 1;
	ct_buf_truncate(out, start);
	return 2;
}

/* The revision before rec whose text rec keeps: prev's, or of a merge's list the first whose
 * archive has sha256 want (else the first). NULL at revision 1 or when not in folder. */
static json_t *text_prev(ct_store *store, const git_tree *folder, const json_t *rec, const char *id,
	const char *want)
{
	const json_t *prev = json_object_get(rec, "prev"), *d;
	json_int_t n = json_integer_value(json_object_get(rec, "revision"));
	json_t *found = NULL, *first = NULL;
	size_t i;

	if (json_is_string(prev)) {
		ct__revision_by_digest(&found, store, folder, id, json_string_value(prev), n - 1);
		ct_error_clear();
		return found;
	}
	json_array_foreach (prev, i, d) {
		const char *has;
		ct__revision_by_digest(&found, store, folder, id, json_string_value(d), n - 1);
		ct_error_clear();
		has = json_string_value(
			json_object_get(json_object_get(found, "archive"), "sha256"));
		if (found && has && strcmp(want, has) == 0)
			break;
		if (!first) {
			first = found;
			found = NULL;
		} else {
			json_decref(found);
			found = NULL;
		}
	}
	if (found) {
		json_decref(first);
		return found;
	}
	return first;
}

int ct_store_source_text(ct_buf *out, ct_store *store, const char *id, json_int_t revision)
{
	ct_buf path = CT_BUF_INIT;
	json_t *rec = NULL, *next;
	git_tree *folder = NULL;
	const char *want = NULL;
	char want_hex[65];
	int error, got = 0, differs = 0;

	if ((error = ct_id_validate(id, "source")) < 0)
		return error;
	if (revision == 0 && (error = ct__revision_count(&revision, store, CT_KIND_SOURCE, id)) < 0)
		return error;
	if (revision >= 1 && (error = ct_store_get(&rec, store, CT_KIND_SOURCE, id, revision)) < 0)
		return error;
	want = json_string_value(json_object_get(json_object_get(rec, "archive"), "sha256"));
	if (want)
		snprintf(want_hex, sizeof(want_hex), "%s", want);
	if (want &&
		((error = ct__record_dir(&path, store, CT_KIND_SOURCE, id)) < 0 ||
			!ct__subtree(&folder, store, store->tree, path.ptr)))
		want = NULL;
	/* A revision without new text keeps the text of the revision before it (along "prev"); a
	 * text kept for another revision than the one asked about is not its text (the sha256
	 * says). Each revision's text is named as its record (ct__source_text_path); stores written
	 * before concurrent sources name a revision's text "rNNNN.txt". */
	while (want && rec && !got && error == 0) {
		json_int_t n = json_integer_value(json_object_get(rec, "revision"));
		int k;
		for (k = 0; k < 2 && !got && error == 0; k++) {
			ct_buf_clear(&path);
			if (k == 1 && n < 2)
				break;
			if ((error = k == 0 ? ct__source_text_path(&path, store, rec)
					    : ct__record_dir(&path, store, CT_KIND_SOURCE, id)) <
					0 ||
				(k == 1 &&
					(error = ct_buf_printf(
						 &path, "/r%04lld.txt", (long long)n)) < 0))
				break;
			if ((error = text_at(out, store, path.ptr, want_hex)) < 0)
				break;
			got = error == 1;
			differs |= error == 2;
			error = 0;
		}
		if (got || error < 0)
			break;
		next = text_prev(store, folder, rec, id, want_hex);
		json_decref(rec);
		rec = next;
	}
	if (error == 0 && !got)
		error = differs
			? ct_error_set(CT_ENOTFOUND,
				  "source %s: the text kept is not the one this revision records",
				  id)
			: ct_error_set(CT_ENOTFOUND, "source %s has no stored text", id);
	git_tree_free(folder);
	json_decref(rec);
	ct_buf_free(&path);
	return error;
}
