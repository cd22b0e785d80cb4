/*
 * Bundles: one file carrying signed records for offline verification (docs/bundle.md), and the
 * RFC 9162 Merkle tree that covers its records.
 */
#ifndef CLAIMTRAIL_BUNDLE_H
#define CLAIMTRAIL_BUNDLE_H

#include <jansson.h>
#include "common.h"
#include "key.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Merkle trees (RFC 9162, section 2.1, with SHA-256) ---- */

#define CT_HASH_LEN 32

/* The deepest audit path a tree of up to 2^64 leaves needs. */
#define CT_MERKLE_MAX_PATH 64

/* SHA-256(0x00 || data). */
void ct_merkle_leaf_hash(uint8_t out[CT_HASH_LEN], const uint8_t *data, size_t len);

/* SHA-256(0x01 || left || right). */
void ct_merkle_node_hash(uint8_t out[CT_HASH_LEN], const uint8_t left[CT_HASH_LEN],
	const uint8_t right[CT_HASH_LEN]);

/* A tree built one leaf at a time in O(log n) memory; the root equals RFC 9162's MTH. */
typedef struct {
	uint8_t stack[CT_MERKLE_MAX_PATH][CT_HASH_LEN];
	uint64_t size;
} ct_merkle;

void ct_merkle_init(ct_merkle *m);

/* Adds a leaf by its leaf hash (ct_merkle_leaf_hash). */
void ct_merkle_add(ct_merkle *m, const uint8_t leaf_hash[CT_HASH_LEN]);

/* The root of the leaves added so far (the hash of the empty string for none). */
void ct_merkle_root(const ct_merkle *m, uint8_t out[CT_HASH_LEN]);

/* MTH over n leaf hashes, computed recursively as RFC 9162 defines it (for tests and proofs). */
void ct_merkle_root_of(uint8_t out[CT_HASH_LEN], const uint8_t (*leaves)[CT_HASH_LEN], size_t n);

/*
 * The inclusion proof PATH(index, D[n]) of RFC 9162, section 2.1.3.1, from the n leaf hashes:
 * *path_len hashes into path (room for CT_MERKLE_MAX_PATH). CT_EINVALID when index >= n.
 */
int ct_merkle_path(uint8_t (*path)[CT_HASH_LEN], size_t *path_len,
	const uint8_t (*leaves)[CT_HASH_LEN], size_t n, size_t index);

/* Verifies an inclusion proof as RFC 9162, section 2.1.3.2 does: 0 or CT_EBADSIG. */
int ct_merkle_verify_path(const uint8_t leaf_hash[CT_HASH_LEN], uint64_t index, uint64_t size,
	const uint8_t (*path)[CT_HASH_LEN], size_t path_len, const uint8_t root[CT_HASH_LEN]);

/* ---- bundles ---- */

/* The payload type the bundle trailer is signed with. */
#define CT_BUNDLE_PAYLOAD_TYPE "application/vnd.claimtrail.bundle+json"

/* The payload type of a text line: a source text kept in the store, its bytes the payload
 * (docs/bundle.md 1.4), signed by the bundle's creator. */
#define CT_BUNDLE_TEXT_TYPE "application/vnd.claimtrail.source-text"

/* The payload type of a checkpoint proof line: the inclusion proofs, in the tree of the
 * checkpoint on the line before, of carried records signed by a revoked or expiring key
 * (docs/bundle.md 1.5), signed by the bundle's creator. */
#define CT_BUNDLE_PROOF_TYPE "application/vnd.claimtrail.checkpoint-proof+json"

/* The longest line a bundle may have, the newline excluded, and the most records it may hold. */
#define CT_BUNDLE_LINE_MAX (1024 * 1024)
#define CT_BUNDLE_RECORDS_MAX 100000000ULL

typedef enum {
	CT_BUNDLE_ALL = 0, /* every claim in the store */
	CT_BUNDLE_IDS,	   /* the claims named in ids */
	CT_BUNDLE_TAG,	   /* the claims whose latest revision carries tag */
	CT_BUNDLE_STATUS,  /* the claims whose derived status is status */
} ct_bundle_select;

#define CT_BUNDLE_CREATE_OPTS_VERSION 1
typedef struct {
	unsigned version;      /* CT_BUNDLE_CREATE_OPTS_VERSION (the _INIT macro sets it): an
				     * unknown version is refused (CT_EINVALID) */
	const ct_key *creator; /* signs the trailer (required) */
	ct_bundle_select select;
	const char *const *ids; /* CT_BUNDLE_IDS */
	size_t nids;
	const char *tag;	 /* CT_BUNDLE_TAG */
	const char *status;	 /* CT_BUNDLE_STATUS */
	int history;		 /* every revision, not only the latest */
	int annotations;	 /* the claims' annotations */
	ct_progress_fn progress; /* NULL, or called as the records are written */
	void *progress_payload;
} ct_bundle_create_opts;

#define CT_BUNDLE_CREATE_OPTS_INIT \
	{ \
		CT_BUNDLE_CREATE_OPTS_VERSION, NULL, CT_BUNDLE_ALL, NULL, 0, NULL, NULL, 0, 0, \
			NULL, NULL \
	}

/* What a bundle's trailer says (filled by create, info and verify). */
typedef struct {
	char creator[CT_KEY_ID_LEN + 1];
	char created[CT_TIMESTAMP_LEN + 1];
	uint64_t records;
	char root[2 * CT_HASH_LEN + 1]; /* hex */
	int history;
	int annotations;
	/* counts by kind, filled by create and verify */
	uint64_t keys, sources, claims, annots;
	uint64_t texts; /* source texts (text lines) */
} ct_bundle_info;

/*
 * Writes a bundle of the selected claims of store to path (through a temporary file in the same
 * folder and a rename: path is either the old file or the whole new bundle). info may be NULL.
 * With opts->history, a cited source whose revisions forked (docs/sync.md) is CT_ECONFLICT: a
 * bundle carries one line of revisions.
 */
int ct_bundle_create(
	ct_bundle_info *info, ct_store *store, const char *path, const ct_bundle_create_opts *opts);

/* Reads the trailer of the bundle at path (not verified: see ct_bundle_verify). */
int ct_bundle_info_read(ct_bundle_info *info, const char *path);

/* 1 when the file at path starts with a bundle header line (of any version), else 0. */
int ct_bundle_sniff(const char *path);

/* One difference between two bundles. Strings are borrowed for the callback's duration. */
typedef struct {
	const char *change; /* "added" (only in B), "removed" (only in A), "changed" (same kind,
			      * id and revision, different signed bytes) */
	const char *kind;   /* "claim", "source", "annotation", "key" */
	const char *record; /* "<id>@<revision>", or "<id>" for annotations and keys */
} ct_bundle_change;

typedef int (*ct_bundle_change_fn)(const ct_bundle_change *change, void *payload);

/*
 * Calls fn for every record that bundle a carries and b does not ("removed"), that b carries
 * and a does not ("added"), and that both carry with different signed bytes ("changed"), the
 * first two kinds in each file's order. Neither bundle is verified (ct_bundle_verify does that);
 * memory grows with the number of records.
 */
int ct_bundle_diff(const char *a, const char *b, ct_bundle_change_fn fn, void *payload);

/* What verify found about one line. codes are static strings ("signature.valid", ...). */
#define CT_BUNDLE_CODES_MAX 8
#define CT_BUNDLE_SIGNERS_MAX 4 /* the trusted signers a line report names (it counts them all) */
typedef struct {
	uint64_t line;	      /* 1-based line number in the file */
	const char *kind;     /* "key", "checkpoint", "proof", "source", "text", "claim",
				     * "annotation", "bundle" or NULL */
	const char *id;	      /* the record's id, or NULL when unreadable */
	ct_revision revision; /* 0 when the kind has none */
	int ok;
	const char *codes[CT_BUNDLE_CODES_MAX];
	size_t ncodes;
	const char *message; /* the first problem, one line; NULL when ok */
	size_t trusted;	     /* distinct trusted signers */
	char signers[CT_BUNDLE_SIGNERS_MAX][CT_KEY_ID_LEN + 1]; /* the first trusted signers */
} ct_bundle_line_report;

typedef void (*ct_bundle_report_fn)(const ct_bundle_line_report *line, void *payload);

#define CT_BUNDLE_VERIFY_OPTS_VERSION 1
typedef struct {
	unsigned version;	 /* CT_BUNDLE_VERIFY_OPTS_VERSION (the _INIT macro sets it) */
	const ct_keyring *trust; /* the verifier's trust roots (required) */
	size_t threshold;	 /* distinct trusted signers each claim's current (last carried)
				    * revision needs (default 1); every other record needs one */
	unsigned threads;	 /* 0: the CPUs it may run on (the command passes
				    * $CLAIMTRAIL_THREADS here; the library reads no environment) */
	ct_progress_fn progress; /* NULL, or called as the lines are verified */
	void *progress_payload;
} ct_bundle_verify_opts;

#define CT_BUNDLE_VERIFY_OPTS_INIT \
	{ \
		CT_BUNDLE_VERIFY_OPTS_VERSION, NULL, 1, 0, NULL, NULL \
	}

/*
 * Verifies the bundle at path, streaming: the header, every record line (canonical envelope,
 * schema, signatures against opts->trust, order, revision chains, cited sources and signer
 * keys present), the record count, the Merkle root and the trailer's signature. fn (may be
 * NULL) is called once per line, in file order, the trailer last (kind "bundle"). Returns 0
 * when everything passed; CT_EBADSIG or CT_EUNTRUSTED with a message naming the first bad line;
 * CT_EINVALID when path is not a bundle at all (nothing reported).
 */
int ct_bundle_verify(ct_bundle_info *info, const char *path, const ct_bundle_verify_opts *opts,
	ct_bundle_report_fn fn, void *payload);

/*
 * Freshness (docs/bundle.md, "Freshness"): after ct_bundle_verify passed, compares the bundle's
 * trailer (info) with the newest trailer by the same creator that the state file at state_path
 * remembers (none yet: a new file). A bundle made before it, or at the same time with another
 * Merkle root, is a rollback; with max_age > 0 (seconds), a bundle made longer ago than that is
 * a freeze; either is CT_EUNTRUSTED with the reason, and the file is not changed. Otherwise the
 * file remembers this trailer for its creator (written atomically). A damaged file is
 * CT_EINVALID.
 */
int ct_bundle_state_check(const char *state_path, const ct_bundle_info *info, long long max_age);

/*
 * The same by checkpoints (docs/bundle.md, "Freshness"): when the bundle at path (verified
 * against trust, info its trailer) carries checkpoints that vouch (1.5), compares, per signer,
 * the newest of them with the newest checkpoint by that signer the state file remembers (its
 * "checkpoints" member): an older one, or one of the same time with another root, is a
 * rollback; with max_age > 0, one made longer ago is a freeze. Otherwise the file remembers
 * them. A bundle without such checkpoints: ct_bundle_state_check. The file is read again and
 * must be the one verified (CT_EBADSIG).
 */
int ct_bundle_state_check_checkpoints(const char *state_path, const char *path,
	const ct_bundle_info *info, const ct_keyring *trust, long long max_age);

/*
 * Adds to trust the key records the bundle at path carries that succeed a key of trust
 * (ct_keyring_add_successors: "rotated_from" a trusted, live key, signed by it; docs/keys.md),
 * so that verify and import trust a rotated key through the key it succeeds. The bundle is not
 * verified here (ct_bundle_verify does that); *added (may be NULL) receives how many.
 */
int ct_bundle_add_successors(ct_keyring *trust, const char *path, size_t *added);

/*
 * Writes to out_path an inclusion proof (JSON, docs/bundle.md) for the latest revision of claim
 * id in the bundle at path. The bundle's Merkle root must match its trailer.
 */
int ct_bundle_prove(const char *path, const char *id, const char *out_path);

/* What a proof says, once checked. */
typedef struct {
	uint64_t index, size;
	char kind[CT_KIND_NAME_MAX + 1];
	char id[CT_ID_MAX + 1];
	ct_revision revision;
} ct_bundle_proof_info;

/*
 * Checks the proof at proof_path against root_hex (64 hex digits): 0, CT_EBADSIG when the
 * record is not in the tree of that root, CT_EINVALID for a malformed proof. With trust
 * non-NULL the record's signatures are verified too (threshold distinct trusted keys).
 */
int ct_bundle_proof_verify(ct_bundle_proof_info *info, const char *proof_path, const char *root_hex,
	const ct_keyring *trust, size_t threshold);

/*
 * Verifies the bundle at path as ct_bundle_verify does (opts->trust required; fn may be NULL) and
 * only when everything passed reads its records, for a reader without a store: *out receives a
 * new object {"keys": [...], "sources": [...], "claims": [...], "annotations": [...]}, each kind's
 * records in file order. Both passes read one open regular file, and the second proves it read
 * the bytes that were verified (its Merkle root and trailer line), as ct_bundle_import does. A
 * bundle that does not verify gives nothing: the error of ct_bundle_verify. info may be NULL.
 */
int ct_bundle_read(json_t **out, ct_bundle_info *info, const char *path,
	const ct_bundle_verify_opts *opts, ct_bundle_report_fn fn, void *payload);

/*
 * Verifies the bundle (as ct_bundle_verify), then adds every record to store as one commit:
 * all revisions, annotations, sources, and the key records of keys in vopts->trust (a key the
 * importer does not trust stays out of the store's key folder). Records the store already holds
 * byte for byte are skipped; a record that differs from the store's is CT_ECONFLICT; nothing is
 * written on any failure. *count receives the number of records written.
 */
int ct_bundle_import(size_t *count, ct_store *store, const char *path,
	const ct_bundle_verify_opts *vopts, const ct_write_opts *wopts);

#ifdef __cplusplus
}
#endif

#endif
