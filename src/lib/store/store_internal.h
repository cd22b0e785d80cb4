/* What the store's source files share and do not export: the store struct, the write
 * transaction, and the commit journal. */
#ifndef CT_STORE_INTERNAL_H
#define CT_STORE_INTERNAL_H

#include "claimtrail/store.h"
#include "claimtrail/json.h"
#include "error.h"

#include <git2.h>

/* store.json's "format" and "version". */
#define CT__STORE_FORMAT "claimtrail-store"
#define CT__STORE_VERSION 1

/* The largest record or source text claimtrail reads from a store. */
#define CT_RECORD_MAX (1024 * 1024)
#define CT_TEXT_MAX (64 * 1024 * 1024)

struct ct_store {
	git_repository *repo;
	char *root;	/* store folder, no trailing slash */
	char *branch;	/* the branch HEAD names, e.g. "refs/heads/main" ("HEAD": detached) */
	int detached;	/* HEAD names a commit, not a branch: readable, not writable */
	json_t *config; /* store.json */
	int has_head;	/* the branch has a commit */
	git_oid head;	/* its commit */
	git_tree *tree; /* its tree, the snapshot every read sees */
	struct ct__fan_cache *fans; /* fan-out folders of tree, looked up by path (store.c) */
	/* For tests only (NULL otherwise): called after a write has moved the branch and before its
	 * files go into the work tree, the moment a user's edit must not be overwritten. */
	void (*test_before_worktree)(ct_store *store, void *payload);
	void *test_before_worktree_payload;
};

/* Opens the repository at path (creating it when create_repo and there is none), finishes what
 * a killed write left, and reads the branch: a store without its configuration yet. */
int ct__store_new(ct_store **out, const char *path, const char *root, int create_repo);

/* Reads and checks store.json from the branch: CT_ENOTFOUND when the store has none. */
int ct__store_load_config(ct_store *store);

/* Re-reads the branch and its tree. */
int ct__store_refresh(ct_store *store);

/*
 * git_tree_entry_bypath, with the fan-out folders of the snapshot (<root>/<kind>/<2 hex>) kept
 * once looked up when root is store->tree: libgit2 caches no tree over 4 KiB, so the claim/
 * folder and, in a large store, each fan-out folder were otherwise read and inflated again for
 * every record looked up. A copy of the store used on another thread must start with fans NULL
 * and free its own (ct__fan_cache_free).
 */
int ct__store_bypath(git_tree_entry **out, ct_store *store, git_tree *root, const char *path);
void ct__fan_cache_free(struct ct__fan_cache *cache);

/* The two hex digits that fan a kind's folder out (first byte of SHA-256 of the id). */
void ct__fanout(char out[3], const char *id);

/* "<root>/<kind>/<fan>/<id>" for claims and sources; "<root>/key" for keys. */
int ct__record_dir(ct_buf *out, const ct_store *store, ct_kind kind, const char *id);

/* The tree at path below parent (may be NULL): 1 and *out when there is one (free it), else 0. */
int ct__subtree(git_tree **out, ct_store *store, git_tree *parent, const char *path);

/* The "rNNNN.json" entry of a record folder with the highest N (borrowed from folder), with N in
 * *n; NULL and 0 when the folder has none. */
const git_tree_entry *ct__latest_revision(json_int_t *n, const git_tree *folder);

/* Revision files: "rNNNN.json" (every revision of older stores, and a claim's revision 1) or
 * "rNNNN-<first 12 hex digits of the digest>.json" (a claim's revisions from 2 on), so that two
 * revisions of one number written on two clones coexist (docs/store.md). */
#define CT__REVISION_HEX 12

/* N when name is a revision file, with *hex (may be NULL) at its digest suffix or NULL; else 0. */
json_int_t ct__revision_file(const char *name, const char **hex);

/* The first file of revision n in a record folder (borrowed), or NULL. */
const git_tree_entry *ct__revision_entry(const git_tree *folder, json_int_t n);

/* ct_store_get(out, store, kind, id, 0) with the record folder read once: the latest revision of
 * a claim or source (the same checks and errors). */
int ct__store_get_latest(json_t **out, ct_store *store, ct_kind kind, const char *id);

/* The path of revision n of a record in the tree root (NULL: the snapshot); "rNNNN.json" when
 * there is none. */
int ct__revision_path(
	ct_buf *out, ct_store *store, git_tree *root, ct_kind kind, const char *id, json_int_t n);

/* The path a record is written at: its kind's folder, and for a claim or source revision >= 2 the
 * digest suffix ("r0002-<12 hex>.json"). */
int ct__record_file_path(ct_buf *out, ct_store *store, const json_t *record);

/* Of revs (ct_store_revisions: oldest first, concurrent revisions of one number side by side),
 * the first numbered n, the one ct_store_get of n gives (borrowed), or NULL. */
const json_t *ct__revision_numbered(const json_t *revs, json_int_t n);

/* The path of a source revision's kept text: the record's path with ".txt" for ".json", so two
 * concurrent revisions' texts have paths of their own (stores written before keep "rNNNN.txt"). */
int ct__source_text_path(ct_buf *out, ct_store *store, const json_t *record);

/* The revision of the record folder whose digest is digest (the caller's), NULL when none;
 * revision hint is looked at first. */
int ct__revision_by_digest(json_t **out, ct_store *store, const git_tree *folder, const char *id,
	const char *digest, json_int_t hint);

/* 1 when a record folder holds two revision files of one number: the chain forked. */
int ct__revision_forked(const git_tree *folder);

/* The revisions of a record folder that no other revision names as prev (new array, at least
 * one unless the folder has no revision; two or more: concurrent revisions, "conflicted"). */
int ct__revision_heads(json_t **out, ct_store *store, const git_tree *folder, const char *id);

/* Reads the blob at path in the snapshot; CT_ENOTFOUND when absent. */
int ct__read_path(ct_buf *out, ct_store *store, const char *path, size_t max);

/* Parses a stored record strictly and checks its schema; `what` names it in errors. */
int ct__parse_record(json_t **out, const ct_buf *data, const char *what);

/* The exact bytes claimtrail stores for a record: sorted, indented JSON and a newline. */
int ct__record_serialize(ct_buf *out, const json_t *record);

/* 1 when data is exactly what ct__record_serialize writes for record, 0 when it is not;
 * CT_ENOMEM when the record cannot be serialized. */
int ct__record_stored_form(const json_t *record, const ct_buf *data);

/* Number of revisions of a claim or source in the snapshot (0 when absent). */
int ct__revision_count(json_int_t *out, ct_store *store, ct_kind kind, const char *id);

/* The latest revision of a claim or source in *out (the caller's), its number in *revision and
 * its digest (CT_DIGEST_LEN + 1 bytes): what the next revision or an annotation names. When there
 * is none: CT_ENOTFOUND, "no <kind> "<id>" in the store", with *revision 0. A revision that
 * does not verify (ct__require_verified) is CT_EBADSIG: writes call this, and build on nothing
 * unverified. */
int ct__latest_record(json_t **out, char *digest, json_int_t *revision, ct_store *store,
	ct_kind kind, const char *id);

/* ct__latest_record with the store's keyring (ct_store_keyring) already loaded. */
int ct__latest_record_ring(json_t **out, char *digest, json_int_t *revision, ct_store *store,
	const ct_keyring *ring, ct_kind kind, const char *id);

/* ---- verification state (verified.c) ---- */

/* Only the signatures of record: at least one by a key of ring, and each by a key of ring must
 * verify (a signature by a key ring does not hold is skipped: it proves nothing either way).
 * strict: every signature must be by a key of ring (a store diff judges each signature added). */
int ct__verify_signatures(
	ct_verification *out, const json_t *record, const ct_keyring *ring, int strict);

/* ct_store_verify_record with the store's keyring (ct_store_keyring) already loaded. */
int ct__verify_record(
	ct_verification *out, ct_store *store, const ct_keyring *ring, const json_t *record);

/* Removes from the array records (annotations) every record that does not verify: what a
 * status is derived from. */
int ct__drop_unverified(json_t *records, ct_store *store, const ct_keyring *ring);

/* 0 when record verifies (ct_store_verify_record); else CT_EBADSIG and a one-line message
 * naming the record, its revision and why. What a write calls before building on a record. */
int ct__require_verified(ct_store *store, const json_t *record);

/* ct__require_verified, also taking a record whose only fault is that its signers are revoked
 * or expired (its signatures verify, its chain holds): what a sign-off with a live key may add
 * a signature to, so that a desk vouches for it again (docs/keys.md). */
int ct__require_signed(ct_store *store, const json_t *record);

/* ---- checkpoints (checkpoint.c) ---- */

/* The Merkle root ("sha256:" + hex, RFC 9162 over the leaf hashes of the RFC 8785 form of
 * every record, signatures included, sorted by leaf hash) and the number of records under the
 * store folder at commit: key/, source/ and claim/, not checkpoint/ (docs/format.md 5.5). */
int ct__checkpoint_root(
	char root[CT_DIGEST_LEN + 1], uint64_t *count, ct_store *store, const git_oid *commit);

/* Whether checkpoint cp is consistent with the branch's history: why is left empty when it
 * is, else says why not in one line. Negative only when the repository cannot be read. */
int ct__checkpoint_consistent(ct_buf *why, ct_store *store, const json_t *cp);
/* The same against the history of commit tip (a fetched commit) instead of the branch's. */
int ct__checkpoint_consistent_at(
	ct_buf *why, ct_store *store, const json_t *cp, const git_oid *tip);

/* What vouches for a revoked or expired key's signatures: the store's consistent checkpoints
 * signed by a live key of ring, loaded on first use. ct__vouch_fn is a ct_vouch_fn whose
 * payload is a ct__vouch. */
typedef struct ct__vouch ct__vouch;
int ct__vouch_new(ct__vouch **out, ct_store *store, const ct_keyring *ring);
/* The same with the checkpoints of tree (a fetched commit's), consistent with the history of
 * tip; both must outlive the ct__vouch. */
int ct__vouch_new_at(ct__vouch **out, ct_store *store, const ct_keyring *ring, git_tree *tree,
	const git_oid *tip);
int ct__vouch_fn(const json_t *record, const char *key_id, const char *sig, const char *before,
	void *payload);
void ct__vouch_free(ct__vouch *v);
/* Inclusion proofs for a bundle (docs/bundle.md 1.5): ct__cp_prove sets *out to
 * {"audit_path", "leaf_index", "record"} when the record at checkpoint cp's commit has record's
 * digest and carries sig by key_id, else to NULL. The prover reads the commit's leaves once. */
typedef struct ct__cp_prover ct__cp_prover;
int ct__cp_prover_new(ct__cp_prover **out, ct_store *store, const json_t *cp);
int ct__cp_prove(
	json_t **out, ct__cp_prover *p, const json_t *record, const char *key_id, const char *sig);
void ct__cp_prover_free(ct__cp_prover *p);
/* The store's checkpoints that are consistent with the branch's history, in id order (a
 * signature is not checked here). */
int ct__checkpoint_list(json_t **out, ct_store *store);
/* The same with the store's keyring already loaded (ct_store_keyring of this snapshot), for a
 * caller that checks many records: loading it reads and verifies every key record. NULL ring:
 * loaded here, as ct__require_verified does. */
int ct__require_verified_ring(ct_store *store, const ct_keyring *ring, const json_t *record);
/* ---- checking a store (check.c) ---- */

/* ct_store_check; when it finds nothing and claims is not NULL, also *claims: a new object, claim
 * id -> the claim's latest revision as the check read it (each record is read and parsed once),
 * in ct_store_foreach_id's order. */
int ct__store_check(size_t *findings, json_t **claims, ct_store *store, const ct_check_opts *opts,
	ct_finding_fn fn, void *payload);

/* ---- checking what a fetch brought (check.c) ---- */

/* Checks the records at the paths of fresh (path -> true) in tree, as `check` checks a store's
 * files (form, schema, signatures by keys of trust, annotation ids, places), and the revision
 * chains and references of their records within tree; the other files are read, not reported
 * on. One line per problem through fn; each fresh path with a problem is added to bad (may be
 * NULL). *findings: how many. */
int ct__check_incoming(size_t *findings, json_t *bad, ct_store *store, git_tree *tree,
	const json_t *fresh, const ct_keyring *trust, ct_finding_fn fn, void *payload);
/* The same, also checking that each fresh checkpoint is consistent with the history of tip,
 * the fetched commit whose tree is tree (a rewritten history fails). */
int ct__check_incoming_at(size_t *findings, json_t *bad, ct_store *store, git_tree *tree,
	const git_oid *tip, const json_t *fresh, const ct_keyring *trust, ct_finding_fn fn,
	void *payload);

/* ---- write transactions ---- */

typedef struct ct_txn ct_txn;

/* Builds one commit's content against the current snapshot. Runs again if the branch moved. */
typedef int (*ct_txn_build_fn)(ct_txn *txn, ct_store *store, void *payload);

/* Adds (or replaces) a file in the commit. */
int ct__txn_put(ct_txn *txn, const char *path, const void *data, size_t len);

/* Adds a file whose blob id the caller computed (git_odb_hash of data as a blob); data is
 * malloc'd and taken over, also on failure. For bulk writes that prepare files on threads. */
int ct__txn_put_hashed(ct_txn *txn, const char *path, char *data, size_t len, const git_oid *oid);

/* Adds a file whose blob oid the repository holds already (what a fetch brought): data is
 * checked to hash to oid and copied for the work tree, and the blob is not written or packed
 * again. The caller keeps the objects reachable (the fetch's ref) until the branch refers to it. */
int ct__txn_put_stored(
	ct_txn *txn, const char *path, const void *data, size_t len, const git_oid *oid);

/* Adds a record at its path (revision files, annotations, keys) in stored form. */
int ct__txn_put_record(ct_txn *txn, const json_t *record);

/* 0 when signer may sign a new record: neither its record in the store (data, the stored bytes,
 * or NULL when the store has none) nor its own is revoked or expired; else CT_EUNTRUSTED. */
int ct__signer_live(ct_store *store, const ct_key *signer, const ct_buf *data);

/* Adds the signer's public key record to the commit when the store does not have it yet;
 * refuses a signer that is revoked or expired (ct__signer_live). */
int ct__txn_put_signer_key(ct_txn *txn, ct_store *store, const ct_key *signer);

/* Sets the commit subject, adds a body paragraph, adds a trailer. */
int ct__txn_subject(ct_txn *txn, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
int ct__txn_body(ct_txn *txn, const char *text);
int ct__txn_trailer(ct_txn *txn, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Marks the transaction as a bulk write: its files are named by one Claimtrail-Import trailer,
 * not one trailer each, and its objects are written as one pack instead of loose files. Call it
 * before putting files. */
int ct__txn_bulk(ct_txn *txn);

/* Makes the commit a merge whose second parent is other (a fetched commit: docs/sync.md), or,
 * fast_forward, moves the branch to other itself, which must have the tree the files give
 * (CT_ECONFLICT otherwise). A merge or fast-forward may put no file. */
int ct__txn_merge(ct_txn *txn, const git_oid *other, int fast_forward);

/* Forgets the subject, body and trailers gathered so far (files stay). */
void ct__txn_reset_message(ct_txn *txn);

/*
 * Runs build, then commits what it put: blobs, trees, the commit, and a compare-and-swap of
 * the branch; retries build on a moved branch; then updates the work tree, the index and the
 * journal. `signer` names the committer when git has no identity configured.
 */
int ct__store_write(ct_store *store, const ct_key *signer, int max_retries, ct_txn_build_fn build,
	void *payload);

/* ---- list summaries (summary.c) ---- */

/* Brings the list summaries' cache up to the snapshot, as the first `list` would, taking the
 * signatures in memo (keyring.h: what a bulk import has just made or verified) as verifying
 * without checking them again; everything else is judged as list judges it, so the cache holds
 * exactly what list derives. A failure leaves the cache to list (it is only speed). */
typedef struct ct__sigmemo ct__sigmemo;
int ct__summaries_prime(ct_store *store, const ct__sigmemo *memo);

/* ---- a commit's tree computed from its parent's (treehash.c) ---- */

/* The most files a commit names in Claimtrail-Blob trailers (store_write.c writes none for
 * more; the journal does not confirm more). */
#define CT__BLOB_TRAILERS_MAX 64

typedef struct ct__treehash ct__treehash;

/* A file a commit sets (from the repository's root), and what its parent had there. */
typedef struct {
	const char *path;
	git_oid blob;
	int was;	  /* set by ct__treehash_apply: the parent had a file there */
	git_oid was_blob; /* ... this one */
} ct__tree_file;

/* The trees computed are kept (the last one at each path of at most keep_depth parts) for the
 * next commit; objects are read from odb (borrowed). */
int ct__treehash_new(ct__treehash **out, git_odb *odb, size_t keep_depth);
void ct__treehash_free(ct__treehash *th);

/* The id of the tree `base` (a root tree) with files[0..n) set as plain files (mode 100644),
 * the files in strcmp order of their paths, each once: 1 and the id in out; 0 when they cannot
 * be set so (a folder where a file goes, or the reverse; an unordered or malformed list); or
 * an error (an unreadable tree). */
int ct__treehash_apply(
	git_oid *out, ct__treehash *th, const git_oid *base, ct__tree_file *files, size_t n);

/* The same with the files taken out of base: each must be there, a plain file with the blob
 * named (else 0), and a folder left empty goes too. The tree of a commit's parent, from the
 * commit's and the files it added. */
int ct__treehash_remove(
	git_oid *out, ct__treehash *th, const git_oid *base, ct__tree_file *files, size_t n);

/* ---- the commit journal (journal.c) ---- */

/* One fact: commit wrote path (by_claimtrail when its trailers name the record), or removed
 * it (deleted). */
typedef struct {
	char commit[CT_COMMIT_HEX_LEN + 1];
	const char *path; /* borrowed from the journal's buffer */
	size_t path_len;
	int by_claimtrail;
	int deleted;
} ct_journal_line;

typedef int (*ct_journal_fn)(const ct_journal_line *line, void *payload);

/* Records the files a claimtrail commit wrote (called after the branch moved to commit). */
int ct__journal_record(ct_store *store, const git_oid *commit, const git_oid *parent,
	int has_parent, const char *const *paths, size_t npaths);

/* Brings the journal up to the branch head (indexing commits made by others), then calls fn
 * for every line whose path starts with prefix, oldest first. */
int ct__journal_scan(ct_store *store, const char *prefix, ct_journal_fn fn, void *payload);

#endif
