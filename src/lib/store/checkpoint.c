/*
 * Signed checkpoints (docs/keys.md, docs/format.md 5.5): a record naming a commit of the
 * branch, the Merkle root (RFC 9162, merkle.c) over every record at that commit and their
 * number, and the time, signed by the key that made it. Checkpoints are kept in
 * <root>/checkpoint/<id>.json. A checkpoint is consistent with history when its commit is the
 * branch's commit or an ancestor of it and the records there give its root and count; a
 * consistent checkpoint signed by a trusted, live key vouches that the records it covers, with
 * the signatures they had, existed at its time: what lets a revoked key's signatures made
 * before it was compromised (or an expired key's before it expired) keep counting.
 */
#include "record_internal.h"
#include "store_internal.h"
#include "claimtrail/bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the Merkle root over the records at a commit ---- */

typedef struct {
	ct_store *store;
	uint8_t (*leaves)[CT_HASH_LEN];
	size_t count, cap;
	int error;
} leaf_walk;

static int cmp_leaf(const void *a, const void *b)
{
	return memcmp(a, b, CT_HASH_LEN);
}

/* Every record file: key/, source/ and claim/ (revisions and annotations), not checkpoint/,
 * not store.json, not source texts. */
static int is_record_path(const char *root, const char *name)
{
	size_t n = strlen(name);

	if (n < 5 || strcmp(name + n - 5, ".json") != 0)
		return 0;
	return strncmp(root, "key/", 4) == 0 || strncmp(root, "source/", 7) == 0 ||
		strncmp(root, "claim/", 6) == 0;
}

static int leaf_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	leaf_walk *w = payload;
	git_blob *blob = NULL;
	ct_buf data = CT_BUF_INIT, canon = CT_BUF_INIT;
	json_t *rec = NULL;
	int error = 0;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
		!is_record_path(root, git_tree_entry_name(entry)))
		return 0;
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		void *p = realloc(w->leaves, cap * sizeof(*w->leaves));
		if (!p) {
			w->error = ct__oom();
			return -1;
		}
		w->leaves = p;
		w->cap = cap;
	}
	if (git_blob_lookup(&blob, w->store->repo, git_tree_entry_id(entry)) < 0) {
		error = ct__git_error(CT_EIO, "reading a record");
		goto done;
	}
	/* a file that holds no record is no leaf: check reports it */
	if (ct_buf_put(&data, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0 ||
		ct__parse_record(&rec, &data, git_tree_entry_name(entry)) < 0) {
		ct_error_clear();
		goto done;
	}
	if ((error = ct_json_canon(&canon, rec)) < 0)
		goto done;
	ct_merkle_leaf_hash(w->leaves[w->count++], (const uint8_t *)canon.ptr, canon.len);
done:
	git_blob_free(blob);
	json_decref(rec);
	ct_buf_free(&data);
	ct_buf_free(&canon);
	if (error < 0) {
		w->error = error;
		return -1;
	}
	return 0;
}

/* The sorted leaf hashes of the records at commit (docs/format.md 5.5): *out is malloc'd. */
static int checkpoint_leaves(
	uint8_t (**out)[CT_HASH_LEN], size_t *count, ct_store *store, const git_oid *commit)
{
	git_commit *c = NULL;
	git_tree *tree = NULL, *sub = NULL;
	leaf_walk w = {store, NULL, 0, 0, 0};
	int error = 0;

	*out = NULL;
	*count = 0;
	if (git_commit_lookup(&c, store->repo, commit) < 0 || git_commit_tree(&tree, c) < 0) {
		error = ct__git_error(CT_ENOTFOUND, "reading the checkpoint's commit");
		goto done;
	}
	if (ct__subtree(&sub, store, tree, store->root) &&
		git_tree_walk(sub, GIT_TREEWALK_PRE, leaf_cb, &w) < 0) {
		error = w.error ? w.error : ct__git_error(CT_EIO, "walking the store");
		goto done;
	}
	if (w.count > 1)
		qsort(w.leaves, w.count, sizeof(*w.leaves), cmp_leaf);
	*out = w.leaves;
	*count = w.count;
	w.leaves = NULL;
done:
	free(w.leaves);
	git_tree_free(sub);
	git_tree_free(tree);
	git_commit_free(c);
	return error;
}

int ct__checkpoint_root(
	char root_out[CT_DIGEST_LEN + 1], uint64_t *count, ct_store *store, const git_oid *commit)
{
	uint8_t(*leaves)[CT_HASH_LEN] = NULL;
	uint8_t root[CT_HASH_LEN];
	char hex[2 * CT_HASH_LEN + 1];
	size_t n = 0;
	int error;

	/* the leaves in the order of their hashes: the root does not depend on paths */
	if ((error = checkpoint_leaves(&leaves, &n, store, commit)) < 0)
		return error;
	ct_merkle_root_of(root, (const uint8_t(*)[CT_HASH_LEN])leaves, n);
	ct_hex(hex, root, sizeof(root));
	snprintf(root_out, CT_DIGEST_LEN + 1, "sha256:%s", hex);
	*count = n;
	free(leaves);
	return 0;
}

/* ---- writing a checkpoint ---- */

typedef struct {
	const ct_write_opts *opts;
	json_t *result;
} checkpoint_job;

static int checkpoint_build(ct_txn *txn, ct_store *store, void *payload)
{
	checkpoint_job *job = payload;
	const ct_key *signer = job->opts->signer;
	char commit[GIT_OID_HEXSZ + 1], root[CT_DIGEST_LEN + 1], now[CT_TIMESTAMP_LEN + 1];
	char id[CT_ID_MAX + 1];
	uint64_t count = 0;
	json_t *rec = NULL;
	int error;

	if (!store->has_head)
		return ct_error_set(CT_ENOTFOUND, "the store has no commit to checkpoint");
	git_oid_tostr(commit, sizeof(commit), &store->head);
	if ((error = ct__checkpoint_root(root, &count, store, &store->head)) < 0)
		goto done;
	ct_timestamp_now(now);
	snprintf(id, sizeof(id), "%.12s-%s", commit, ct_key_id(signer));
	if (!(rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", "checkpoint", "id", id,
		      "created", now, "commit", commit, "root", root, "records",
		      (json_int_t)count))) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct_record_sign(rec, signer)) < 0 ||
		(error = ct__txn_put_record(txn, rec)) < 0 ||
		(error = ct__txn_put_signer_key(txn, store, signer)) < 0 ||
		(error = ct__txn_subject(txn, "checkpoint %.12s: %llu records, by %s", commit,
			 (unsigned long long)count, ct_key_id(signer))) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Record", "checkpoint/%s", id)) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Signer", "%s", ct_key_id(signer))) < 0)
		goto done;
	json_decref(job->result);
	job->result = rec;
	rec = NULL;
done:
	json_decref(rec);
	return error;
}

int ct_store_checkpoint(json_t **out_record, ct_store *store, const ct_write_opts *opts)
{
	checkpoint_job job = {opts, NULL};
	int error;

	if (out_record)
		*out_record = NULL;
	if (!opts || !opts->signer)
		return ct_error_set(CT_EINVALID, "checkpoint: a signing key is needed");
	if ((error = ct__opts_version(opts->version, CT_WRITE_OPTS_VERSION, "ct_write_opts")) < 0)
		return error;
	if ((error = ct__store_refresh(store)) < 0 ||
		(error = ct__store_write(
			 store, opts->signer, opts->max_retries, checkpoint_build, &job)) < 0) {
		json_decref(job.result);
		return error;
	}
	if (out_record)
		*out_record = job.result;
	else
		json_decref(job.result);
	return 0;
}

/* ---- consistency with history ---- */

int ct__checkpoint_consistent(ct_buf *why, ct_store *store, const json_t *cp)
{
	return ct__checkpoint_consistent_at(why, store, cp, NULL);
}

int ct__checkpoint_consistent_at(ct_buf *why, ct_store *store, const json_t *cp, const git_oid *tip)
{
	const char *hex = json_string_value(json_object_get(cp, "commit"));
	const char *want = json_string_value(json_object_get(cp, "root"));
	json_int_t n = json_integer_value(json_object_get(cp, "records"));
	char root[CT_DIGEST_LEN + 1];
	uint64_t count = 0;
	git_commit *c = NULL;
	git_oid oid;
	int error = 0;

	ct_buf_clear(why);
	if (!hex || git_oid_fromstr(&oid, hex) < 0 ||
		git_commit_lookup(&c, store->repo, &oid) < 0) {
		git_error_clear();
		return ct_buf_printf(why,
			"names commit %.12s, which this repository does not have (a rewritten or "
			"incomplete history)",
			hex ? hex : "?");
	}
	git_commit_free(c);
	if (!tip && store->has_head)
		tip = &store->head;
	if (!tip ||
		(!git_oid_equal(&oid, tip) &&
			git_graph_descendant_of(store->repo, tip, &oid) != 1)) {
		git_error_clear();
		return ct_buf_printf(why,
			"names commit %.12s, which is not in the branch's history (a rewritten "
			"history?)",
			hex);
	}
	if ((error = ct__checkpoint_root(root, &count, store, &oid)) < 0)
		return error;
	if (strcmp(root, want) != 0 || (json_int_t)count != n)
		return ct_buf_printf(why,
			"the records at commit %.12s have Merkle root %s (%llu records), not the %s "
			"(%lld records) it signed (a rewritten history)",
			hex, root, (unsigned long long)count, want, (long long)n);
	return 0;
}

/* ---- vouching ---- */

typedef struct {
	char created[CT_TIMESTAMP_LEN + 1];
	git_oid commit;
} vouching;

struct ct__vouch {
	ct_store *store;
	const ct_keyring *ring;
	git_tree *tree;	    /* the tree whose checkpoints vouch: NULL, the store's */
	const git_oid *tip; /* the history they must be consistent with: NULL, the branch's */
	int loaded, loading;
	vouching *list;
	size_t count;
};

int ct__vouch_new(ct__vouch **out, ct_store *store, const ct_keyring *ring)
{
	return ct__vouch_new_at(out, store, ring, NULL, NULL);
}

int ct__vouch_new_at(ct__vouch **out, ct_store *store, const ct_keyring *ring, git_tree *tree,
	const git_oid *tip)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ct__oom();
	(*out)->store = store;
	(*out)->ring = ring;
	(*out)->tree = tree;
	(*out)->tip = tip;
	return 0;
}

void ct__vouch_free(ct__vouch *v)
{
	if (!v)
		return;
	free(v->list);
	free(v);
}

/* The checkpoints that vouch: signed by a trusted key that is live now (a revoked or expired
 * key's checkpoints vouch for nothing), and consistent with history. */
static int vouch_load(ct__vouch *v)
{
	ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT, why = CT_BUF_INIT;
	git_tree *dir = NULL;
	json_t *cp = NULL;
	size_t i;
	int error = 0;

	v->loaded = 1;
	if ((error = ct_buf_printf(&path, "%s/checkpoint", v->store->root)) < 0)
		goto done;
	if (!ct__subtree(&dir, v->store, v->tree ? v->tree : v->store->tree, path.ptr))
		goto done;
	if (!(v->list = calloc(git_tree_entrycount(dir) + 1, sizeof(*v->list)))) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; i < git_tree_entrycount(dir); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(dir, i);
		git_blob *blob = NULL;
		ct_verify_report report;
		size_t k;
		int live = 0, read = -1;
		json_decref(cp);
		cp = NULL;
		ct_buf_clear(&data);
		ct_buf_clear(&path);
		/* read from the tree itself: the store's, or a fetched one */
		if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
			git_blob_lookup(&blob, v->store->repo, git_tree_entry_id(e)) == 0 &&
			git_blob_rawsize(blob) <= CT_RECORD_MAX)
			read = ct_buf_put(
				&data, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
		git_error_clear();
		if (read < 0 ||
			ct_buf_printf(&path, "%s/checkpoint/%s", v->store->root,
				git_tree_entry_name(e)) < 0 ||
			ct__parse_record(&cp, &data, path.ptr) < 0 ||
			strcmp(json_string_value(json_object_get(cp, "type")), "checkpoint") != 0 ||
			ct_record_verify(&report, cp, v->ring, 1) < 0) {
			ct_error_clear();
			continue;
		}
		for (k = 0; k < report.trusted && k < CT_VERIFY_SIGNERS_MAX; k++) {
			char until[CT_TIMESTAMP_LEN + 1];
			if (ct_keyring_key_state(v->ring, report.signers[k], until) == CT_KEY_LIVE)
				live = 1;
		}
		if (!live)
			continue;
		if ((error = ct__checkpoint_consistent_at(&why, v->store, cp, v->tip)) < 0) {
			ct_error_clear();
			error = 0;
			continue;
		}
		if (why.len > 0)
			continue;
		memcpy(v->list[v->count].created, json_string_value(json_object_get(cp, "created")),
			CT_TIMESTAMP_LEN + 1);
		git_oid_fromstr(&v->list[v->count].commit,
			json_string_value(json_object_get(cp, "commit")));
		v->count++;
	}
done:
	json_decref(cp);
	git_tree_free(dir);
	ct_buf_free(&path);
	ct_buf_free(&data);
	ct_buf_free(&why);
	return error;
}

/* 1 when the record at path in commit has record's body and carries sig by key_id. */
static int held_at(ct_store *store, const git_oid *commit, const char *path, const char *digest,
	const char *key_id, const char *sig)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	ct_buf data = CT_BUF_INIT;
	json_t *then = NULL;
	char d[CT_DIGEST_LEN + 1];
	const json_t *s;
	size_t i;
	int yes = 0;

	if (git_commit_lookup(&c, store->repo, commit) < 0 || git_commit_tree(&tree, c) < 0 ||
		git_tree_entry_bypath(&e, tree, path) < 0 ||
		git_blob_lookup(&blob, store->repo, git_tree_entry_id(e)) < 0 ||
		ct_buf_put(&data, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0 ||
		ct__parse_record(&then, &data, path) < 0 || ct_record_digest(d, then) < 0 ||
		strcmp(d, digest) != 0)
		goto done;
	json_array_foreach (json_object_get(then, "signatures"), i, s)
		if (strcmp(json_string_value(json_object_get(s, "key_id")), key_id) == 0 &&
			strcmp(json_string_value(json_object_get(s, "sig")), sig) == 0)
			yes = 1;
done:
	git_error_clear();
	ct_error_clear();
	json_decref(then);
	ct_buf_free(&data);
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(c);
	return yes;
}

int ct__vouch_fn(const json_t *record, const char *key_id, const char *sig, const char *before,
	void *payload)
{
	ct__vouch *v = payload;
	ct_buf path = CT_BUF_INIT;
	char digest[CT_DIGEST_LEN + 1];
	size_t i;
	int yes = 0;

	if (!v || v->loading || !sig || !before || !before[0])
		return 0;
	if (!v->loaded) {
		v->loading = 1; /* a checkpoint's own signers are not vouched for */
		if (vouch_load(v) < 0)
			ct_error_clear();
		v->loading = 0;
	}
	if (v->count == 0 || ct__record_file_path(&path, v->store, record) < 0 ||
		ct_record_digest(digest, record) < 0)
		goto done;
	for (i = 0; i < v->count && !yes; i++)
		if (strcmp(v->list[i].created, before) <= 0)
			yes = held_at(v->store, &v->list[i].commit, path.ptr, digest, key_id, sig);
done:
	ct_error_clear();
	ct_buf_free(&path);
	return yes;
}

/* ---- proving inclusion for a bundle ---- */

struct ct__cp_prover {
	ct_store *store;
	git_oid commit;
	uint8_t (*leaves)[CT_HASH_LEN];
	size_t count;
	int loaded;
};

int ct__cp_prover_new(ct__cp_prover **out, ct_store *store, const json_t *cp)
{
	const char *hex = json_string_value(json_object_get(cp, "commit"));
	git_oid oid;

	if (!hex || git_oid_fromstr(&oid, hex) < 0) {
		git_error_clear();
		return ct_error_set(CT_EINVALID, "checkpoint %s: no commit", ct_record_id(cp));
	}
	if (!(*out = calloc(1, sizeof(**out))))
		return ct__oom();
	(*out)->store = store;
	(*out)->commit = oid;
	return 0;
}

void ct__cp_prover_free(ct__cp_prover *p)
{
	if (!p)
		return;
	free(p->leaves);
	free(p);
}

int ct__cp_prove(
	json_t **out, ct__cp_prover *p, const json_t *record, const char *key_id, const char *sig)
{
	ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT, canon = CT_BUF_INIT;
	char digest[CT_DIGEST_LEN + 1], then_digest[CT_DIGEST_LEN + 1], hex[2 * CT_HASH_LEN + 1];
	uint8_t leaf[CT_HASH_LEN], (*audit)[CT_HASH_LEN] = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	json_t *then = NULL, *hashes = NULL;
	size_t i, n = 0, index;
	int error = 0;

	*out = NULL;
	if ((error = ct__record_file_path(&path, p->store, record)) < 0 ||
		(error = ct_record_digest(digest, record)) < 0)
		goto done;
	if (!held_at(p->store, &p->commit, path.ptr, digest, key_id, sig))
		goto done;
	/* the record as it was at the commit: its leaf is of its canonical form then */
	if (git_commit_lookup(&c, p->store->repo, &p->commit) < 0 ||
		git_commit_tree(&tree, c) < 0 || git_tree_entry_bypath(&e, tree, path.ptr) < 0 ||
		git_blob_lookup(&blob, p->store->repo, git_tree_entry_id(e)) < 0) {
		error = ct__git_error(CT_EIO, "reading a checkpointed record");
		goto done;
	}
	if ((error = ct_buf_put(&data, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob))) <
			0 ||
		(error = ct__parse_record(&then, &data, path.ptr)) < 0 ||
		(error = ct_record_digest(then_digest, then)) < 0 ||
		(error = ct_json_canon(&canon, then)) < 0)
		goto done;
	if (!p->loaded) {
		if ((error = checkpoint_leaves(&p->leaves, &p->count, p->store, &p->commit)) < 0)
			goto done;
		p->loaded = 1;
	}
	ct_merkle_leaf_hash(leaf, (const uint8_t *)canon.ptr, canon.len);
	for (index = 0; index < p->count; index++)
		if (memcmp(p->leaves[index], leaf, CT_HASH_LEN) == 0)
			break;
	if (index == p->count)
		goto done;
	if (!(audit = calloc(64, sizeof(*audit)))) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct_merkle_path(
		     audit, &n, (const uint8_t(*)[CT_HASH_LEN])p->leaves, p->count, index)) < 0)
		goto done;
	if (!(hashes = json_array())) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; i < n; i++) {
		ct_hex(hex, audit[i], CT_HASH_LEN);
		if (json_array_append_new(hashes, json_string(hex)) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	if (!(*out = json_pack("{s:O, s:I, s:s%}", "audit_path", hashes, "leaf_index",
		      (json_int_t)index, "record", canon.ptr, canon.len)))
		error = ct__oom();
done:
	free(audit);
	json_decref(hashes);
	json_decref(then);
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(c);
	ct_buf_free(&path);
	ct_buf_free(&data);
	ct_buf_free(&canon);
	return error;
}

int ct__checkpoint_list(json_t **out, ct_store *store)
{
	ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT, why = CT_BUF_INIT;
	git_tree *dir = NULL;
	json_t *cp = NULL;
	size_t i;
	int error = 0;

	if (!(*out = json_array()))
		return ct__oom();
	if ((error = ct_buf_printf(&path, "%s/checkpoint", store->root)) < 0)
		goto done;
	if (!store->tree || !ct__subtree(&dir, store, store->tree, path.ptr))
		goto done;
	for (i = 0; i < git_tree_entrycount(dir); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(dir, i);
		json_decref(cp);
		cp = NULL;
		ct_buf_clear(&data);
		ct_buf_clear(&path);
		if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
			ct_buf_printf(&path, "%s/checkpoint/%s", store->root,
				git_tree_entry_name(e)) < 0 ||
			ct__read_path(&data, store, path.ptr, CT_RECORD_MAX) < 0 ||
			ct__parse_record(&cp, &data, path.ptr) < 0 ||
			strcmp(json_string_value(json_object_get(cp, "type")), "checkpoint") != 0) {
			ct_error_clear();
			continue;
		}
		if ((error = ct__checkpoint_consistent(&why, store, cp)) < 0)
			goto done;
		if (why.len > 0)
			continue;
		if (json_array_append(*out, cp) < 0) {
			error = ct__oom();
			goto done;
		}
	}
done:
	if (error < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(cp);
	git_tree_free(dir);
	ct_buf_free(&path);
	ct_buf_free(&data);
	ct_buf_free(&why);
	return error;
}
