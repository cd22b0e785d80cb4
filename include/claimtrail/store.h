/*
 * The store: records kept as files in a git repository, every change one signed commit.
 * Layout, commit format and locking are specified in docs/store.md.
 */
#ifndef CLAIMTRAIL_STORE_H
#define CLAIMTRAIL_STORE_H

#include <jansson.h>
#include "common.h"
#include "key.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The store's folder inside the repository when none is named. */
#define CT_STORE_DEFAULT_ROOT "claims"

/* The length of a commit id in hex (SHA-1), without its NUL. */
#define CT_COMMIT_HEX_LEN 40

typedef struct ct_store ct_store;

/*
 * Opens the store at root (NULL: "claims") in the git repository that contains path (a work
 * tree or a bare repository). CT_ENOTFOUND when there is no repository or no store in it.
 */
int ct_store_open(ct_store **out, const char *path, const char *root);

/*
 * Turns store into what it was at `when` (a date YYYY-MM-DD, meaning its end, or a UTC time
 * YYYY-MM-DDThh:mm:ssZ), from the branch's history, not from the times records give: every
 * read then sees the tree of the last commit on the branch's first-parent line made (by its
 * committer time) no later than that; writes refuse. commit_out (41 bytes, may be NULL)
 * receives that commit's id. CT_ENOTFOUND when the branch has no such commit or the store did
 * not exist in it; CT_EINVALID for a malformed `when`. For show, list, publish --as-of.
 */
int ct_store_as_of(ct_store *store, const char *when, char commit_out[41]);

/*
 * Makes a store at root in the repository containing path, creating the repository (with a
 * "main" branch) when there is none, and commits the store's configuration and the signer's
 * public key record. CT_EEXISTS when the store is already there.
 */
int ct_store_init(ct_store **out, const char *path, const char *root, const ct_key *signer);

void ct_store_free(ct_store *store);

/* The store folder (borrowed), e.g. "claims". */
const char *ct_store_root(const ct_store *store);

/* 1 for a bare repository. */
int ct_store_is_bare(const ct_store *store);

/* The store's configuration (borrowed): store.json. */
const json_t *ct_store_config(const ct_store *store);

/* The repository path of a record file in its plain form: "<root>/<kind>/<fan>/<id>/r0001.json"
 * etc. A claim's revisions from 2 on are written as "rNNNN-<12 hex of the digest>.json"
 * (docs/store.md); ct_store_get and ct_store_get_raw find either form. */
int ct_store_record_path(
	ct_buf *out, const ct_store *store, ct_kind kind, const char *id, ct_revision revision);

/* ---- reading (from the branch's current commit) ---- */

/*
 * The record of kind and id at revision (0: the latest). Keys are looked up by key id and have
 * no revisions. *out is a new reference. CT_ENOTFOUND names the kind and id. The record is parsed
 * strictly and schema-checked; signatures are not verified (see ct_store_check).
 */
int ct_store_get(json_t **out, ct_store *store, ct_kind kind, const char *id, ct_revision revision);

/* The exact stored bytes of that record, as ct_store_get would parse them. */
int ct_store_get_raw(
	ct_buf *out, ct_store *store, ct_kind kind, const char *id, ct_revision revision);

/* Every revision of a claim or source, oldest first: a new JSON array. A claim's concurrent
 * revisions of one number (ct_store_claim_heads) follow each other. */
int ct_store_revisions(json_t **out, ct_store *store, ct_kind kind, const char *id);

/*
 * The current revisions of a claim: those no other revision names as prev (a new JSON array).
 * One, except after two clones revised the claim concurrently and a sync kept both: then the
 * claim is "conflicted" until `claim revise --merge` (ct_claim_revise_merge) names them all.
 * Revision numbers shared by concurrent revisions: ct_store_get of that number returns one of
 * them (the first by file name).
 */
int ct_store_claim_heads(json_t **out, ct_store *store, const char *id);

/* ct_store_claim_heads for a claim or a source (kind): a source revised on two clones from the
 * same revision is "conflicted" the same way until `source revise --merge`
 * (ct_source_revise_merge). */
int ct_store_heads(json_t **out, ct_store *store, ct_kind kind, const char *id);

/* Resolves REV as a revision number, a digest (or a prefix of at least 6 hex digits, with or
 * without "sha256:"), or a commit (a git revision) in which the record existed. */
int ct_store_resolve_revision(
	ct_revision *out, ct_store *store, ct_kind kind, const char *id, const char *rev);

/* The annotations of a claim, ordered by "created" then id: a new JSON array. */
int ct_store_annotations(json_t **out, ct_store *store, const char *claim_id);

/*
 * The id of the record of kind that the user typed as typed: typed itself when there is such a
 * record, else the one id that begins with typed (a unique prefix, as git takes short hashes).
 * Annotations are those of claim_id (NULL for the other kinds). *out is cleared and set to the
 * whole id. CT_ENOTFOUND ("no claim \"x\" in the store") says "did you mean \"y\"?" when an id
 * of that kind is a few edits away; CT_EAMBIGUOUS names the ids the prefix begins.
 */
int ct_store_resolve_id(
	ct_buf *out, ct_store *store, ct_kind kind, const char *claim_id, const char *typed);

/* Calls fn for the id of every record of kind (claims and sources: the latest revision is not
 * read; keys: the key id), in path order. fn returning non-zero stops and is returned. */
typedef int (*ct_store_id_fn)(const char *id, void *payload);
int ct_store_foreach_id(ct_store *store, ct_kind kind, ct_store_id_fn fn, void *payload);

/* What `list` shows of a claim: its current revision, and the status derived from it and its
 * annotations. Strings are borrowed for the duration of the callback. */
typedef struct {
	const char *id;
	ct_revision revision;
	const char *status; /* as ct_claim_status derives it from the annotations that
				 * verify; "unverified" when the current revision does not
				 * verify (ct_store_verify_record) */
	const char *statement;
	const char *source;	/* the cited source's id */
	const char *tags;	/* comma-separated, "" when none */
	const char *signers;	/* distinct key ids on the current revision, comma-separated (""
				 * when it does not verify) */
	const char *unverified; /* "" when the current revision verifies, else why not */
} ct_claim_summary;

typedef int (*ct_claim_summary_fn)(const ct_claim_summary *summary, void *payload);

/*
 * Calls fn for every claim, in id order. Summaries are cached in the git directory, keyed by
 * the id of the claim folder's tree (which changes with every revision and annotation), so a
 * listing reads one tree per 256th of the store plus only the claims that changed since the
 * last listing. fn returning non-zero stops and is returned.
 */
int ct_store_list_claims(ct_store *store, ct_claim_summary_fn fn, void *payload);

/* A folder a listing left out: its path in the repository, and why in one line. */
typedef void (*ct_claim_skipped_fn)(const char *path, const char *why, void *payload);

/*
 * ct_store_list_claims, also calling skipped (may be NULL) for each entry under the claims'
 * folder that is not a readable claim folder (a crafted or hand-made tree: a bad name, a file
 * where a folder belongs, a newest revision that is not a file), which the listing leaves out.
 */
int ct_store_list_claims_report(ct_store *store, ct_claim_summary_fn fn, void *payload,
	ct_claim_skipped_fn skipped, void *skipped_payload);

/* The public key records kept in the store, as a keyring: each self-signature checked, and a
 * record that is not a valid key record left out (what it signed then does not verify). Which
 * of these keys the user trusts is ct_store_trust's question, not this one's. */
int ct_store_keyring(ct_keyring **out, ct_store *store);

/* The stored text of a source revision (CT_ENOTFOUND when none is kept). */
int ct_store_source_text(ct_buf *out, ct_store *store, const char *id, ct_revision revision);

/* ---- verification state ---- */

/* Whether what a reader is shown, or a writer builds on, is what its signers signed. */
typedef enum {
	CT_RECORD_VERIFIED = 0,	 /* every signature verifies against the key record it names, and
				  * (revisions) the chain from revision 1 up to it holds */
	CT_RECORD_BAD_SIGNATURE, /* a signature does not verify, names a key with no valid key
				  * record in the store, or there is no signature */
	CT_RECORD_BROKEN_CHAIN,	 /* prev does not name the revision before by digest, one is
				  * missing, or an earlier revision does not verify */
	CT_RECORD_REVOKED,	 /* its signatures verify, but every key of the store that made
				  * one is revoked, and no checkpoint made before the key was
				  * compromised vouches for them (docs/keys.md) */
	CT_RECORD_EXPIRED,	 /* likewise, with keys whose "expires" has passed */
} ct_record_state;

/* "verified", "bad-signature", "broken-chain", "revoked", "expired". */
const char *ct_record_state_name(ct_record_state state);

#define CT_VERIFICATION_REASON_MAX 255 /* the longest reason a ct_verification holds */
typedef struct {
	ct_record_state state;
	char reason[CT_VERIFICATION_REASON_MAX + 1]; /* "" when verified, else one line, e.g.
						      * "signature by key K does not verify" */
} ct_verification;

/*
 * Verifies a record as stored: every signature against the store's key record it names (whose
 * self-signature must verify; a revoked key's signature still verifies here), and for a claim
 * or source revision n, revisions 1..n-1 of the store the same way with each revision naming
 * the one before by digest (record's prev names revision n-1). The answer is in *out; the
 * return value is 0, or a negative code when the store cannot be read. This is what `show`,
 * `log`, `list` and `diff` mark, and what every write refuses to build on (ct_store_check
 * reports the same and more).
 */
int ct_store_verify_record(ct_verification *out, ct_store *store, const json_t *record);

/* ---- history ---- */

/* One entry of a claim's or source's story: a revision or an annotation. */
typedef struct {
	ct_kind kind;	      /* CT_KIND_CLAIM/SOURCE for revisions, CT_KIND_ANNOTATION */
	ct_revision revision; /* revision number (0 for annotations) */
	char commit[CT_COMMIT_HEX_LEN + 1]; /* the commit that wrote it ("" when unknown) */
	json_t *record;			    /* the record (owned by the log) */
} ct_log_entry;

typedef struct ct_log ct_log;

/* The story of a claim or source, newest first: every revision and, for claims, every
 * annotation, each with the commit that wrote it. Costs the record's revisions and
 * annotations, not the repository's history (see docs/store.md, "The commit journal"). */
int ct_store_log(ct_log **out, ct_store *store, ct_kind kind, const char *id);
size_t ct_log_count(const ct_log *log);

/* The sign-offs of a claim's revision (the signatures added after it was written): a new JSON
 * array, oldest first, of {"key_id", "at" (the commit's time, UTC), "commit", "note" (when the
 * sign-off gave one)}, read from the commits that wrote the revision's file. What they say is
 * not verified here: the signatures on the revision are (ct_record_signer_count). */
int ct_store_sign_offs(json_t **out, ct_store *store, const char *claim_id, ct_revision revision);
const ct_log_entry *ct_log_get(const ct_log *log, size_t i);
void ct_log_free(ct_log *log);

/* ---- writing ---- */

/* Options for every write. */
#define CT_WRITE_OPTS_VERSION 1
typedef struct {
	unsigned version;     /* CT_WRITE_OPTS_VERSION (CT_WRITE_OPTS_INIT sets it): a function
				* given a version it does not know refuses it (CT_EINVALID) */
	const ct_key *signer; /* signs the records and names the signer in the commit */
	const char *reason;   /* why: the commit body and the revision's "reason" */
	int max_retries;      /* how often to retry when the branch moves under us (default 8) */
	int keep_text;	      /* sources: -1 as store.json says, 0 record only the sha256, 1 keep */
	/* claims: a copy of the cited source's text, used to anchor quotes when the store does not
	 * keep it; its sha256 must match the source's "archive" */
	const uint8_t *source_text;
	size_t source_text_len;
	ct_progress_fn progress; /* import, bundle import: NULL, or called as the work goes */
	void *progress_payload;
} ct_write_opts;

#define CT_WRITE_OPTS_INIT \
	{ \
		CT_WRITE_OPTS_VERSION, NULL, NULL, 8, -1, NULL, 0, NULL, NULL \
	}

/*
 * Records a source. fields holds the source's members (title, publisher, authors, url,
 * published, retrieved, kind; id optional: derived from the title otherwise); type, revision,
 * created and signatures are filled in. With text, its sha256 and length go into "archive" and
 * the text is kept in the store when the store's configuration says so. *out_record (may be
 * NULL) receives the signed record.
 */
int ct_source_add(json_t **out_record, ct_store *store, const json_t *fields, const uint8_t *text,
	size_t text_len, const ct_write_opts *opts);

/* A new revision of a source: changes holds members to set (null removes one). */
int ct_source_revise(json_t **out_record, ct_store *store, const char *id, const json_t *changes,
	const uint8_t *text, size_t text_len, const ct_write_opts *opts);

/* The revision that ends a source's conflict (ct_store_heads gives two or more heads), as
 * ct_claim_revise_merge does for a claim: text (may be NULL) is the merged revision's new text.
 * A source that is not conflicted is refused, and so is a plain ct_source_revise or
 * ct_source_retract of one that is (CT_ECONFLICT). */
int ct_source_revise_merge(json_t **out_record, ct_store *store, const char *id,
	const json_t *changes, const uint8_t *text, size_t text_len, const ct_write_opts *opts);

/*
 * Retracts a source: a new revision with "retracted": true and opts->reason (required). A
 * retracted source cannot be revised or retracted again; the claims attributed to it need
 * review (ct_claim_review_flags).
 */
int ct_source_retract(
	json_t **out_record, ct_store *store, const char *id, const ct_write_opts *opts);

/*
 * Records a claim. fields holds statement, attribution {source, quote, location}, quantity
 * {amount, unit, qualifier}, tags; id optional (derived from the statement). The cited source
 * must exist. When the source has stored text and a quote is given, the quote must occur in it
 * and a selector is recorded.
 */
int ct_claim_add(
	json_t **out_record, ct_store *store, const json_t *fields, const ct_write_opts *opts);

/* A new revision of a claim whose "prev" names the current one by digest. changes holds
 * members to set; a member set to null is removed. opts->reason is required. */
int ct_claim_revise(json_t **out_record, ct_store *store, const char *id, const json_t *changes,
	const ct_write_opts *opts);

/*
 * Signs and commits a checkpoint (docs/keys.md): a record naming the branch's current commit,
 * the Merkle root over every record at it and their number, and the time. *out_record (may be
 * NULL) receives it.
 */
int ct_store_checkpoint(json_t **out_record, ct_store *store, const ct_write_opts *opts);

/*
 * Writes key records into the store's key/ folder in one commit: a revocation
 * (ct_key_revoke_with) replacing the key's record, or a successor's record (ct_key_rotate),
 * each checked with ct_key_record_check. A key the store holds as revoked is CT_EEXISTS.
 */
int ct_store_put_keys(ct_store *store, const json_t *records, const ct_write_opts *opts);

/*
 * Links claim id to claim other: member "depends_on" (a retracted or refuted other flags id for
 * review) or "same_quantity" (compare lines them up). A new revision of id with opts->reason
 * (required). Linking a claim to itself, or twice, is refused.
 */
int ct_claim_link(json_t **out_record, ct_store *store, const char *id, const char *member,
	const char *other, const ct_write_opts *opts);

/* The revision that ends a conflict (ct_store_claim_heads gives two or more heads): built on the
 * head of the highest revision number (of those, the lowest digest) with changes applied (may be
 * empty), numbered one above it, its "prev" the list of every head's digest. A claim that is not
 * conflicted is refused, and so is a plain ct_claim_revise of one that is (CT_ECONFLICT). */
int ct_claim_revise_merge(json_t **out_record, ct_store *store, const char *id,
	const json_t *changes, const ct_write_opts *opts);

/* A retraction: a new revision with "retracted": true. opts->reason is required. */
int ct_claim_retract(
	json_t **out_record, ct_store *store, const char *id, const ct_write_opts *opts);

/*
 * Imports claims in bulk: every line of data is one claim's fields (as for ct_claim_add, with
 * "id" required or derived), all signed and committed as one commit. Nothing is written when
 * any line is bad (not JSON, not a claim, longer than 1 MiB, or a claim over 1 MiB as stored);
 * the error names the line. *count receives the number imported.
 */
int ct_store_import(
	size_t *count, ct_store *store, const uint8_t *data, size_t len, const ct_write_opts *opts);

/*
 * The same, reading the lines from the file at path ("-": standard input) as they come: a line
 * longer than a stored record may be (CT_EINVALID, naming the line) stops the reading there.
 */
int ct_store_import_file(
	size_t *count, ct_store *store, const char *path, const ct_write_opts *opts);

/* What an import reads, and whether it writes (ct_store_import_ext). */
typedef enum {
	CT_IMPORT_JSONL = 0, /* one claim's fields per line, as JSON */
	CT_IMPORT_CSV = 1,   /* a spreadsheet (RFC 4180): a header row, then one claim per row */
} ct_import_format;

#define CT_IMPORT_OPTS_VERSION 1
typedef struct {
	unsigned version;	 /* CT_IMPORT_OPTS_VERSION (CT_IMPORT_OPTS_INIT sets it) */
	ct_import_format format; /* default CT_IMPORT_JSONL */
	int dry_run;		 /* check and build every claim, write nothing (no signer needed) */
} ct_import_opts;

#define CT_IMPORT_OPTS_INIT \
	{ \
		CT_IMPORT_OPTS_VERSION, CT_IMPORT_JSONL, 0 \
	}

/*
 * ct_store_import_file with a format and a dry run. A spreadsheet's header row names its
 * columns (docs/store.md, "Importing a spreadsheet"); an error names the row, and the column
 * where the reader knows it. *made (may be NULL) receives a new array, in input order, of the
 * ids of the claims written, or with dry_run of the records that would be written (unsigned,
 * with their "created" time).
 */
int ct_store_import_ext(json_t **made, size_t *count, ct_store *store, const char *path,
	const ct_import_opts *iopts, const ct_write_opts *opts);

/*
 * *out receives a new array of the digests of the revisions claim (a revision in the store) only
 * re-anchored, newest first, following prev while ct_claim_moves_quote_only holds: verdicts and
 * resolutions on them stand for claim too (ct_claim_status_same). Empty when
 * claim's revision changed more than where its quote is.
 */
int ct_store_claim_same(json_t **out, ct_store *store, const json_t *claim);

/*
 * Sign-offs across re-anchoring: the distinct keys of trust (trusted, unrevoked) whose signature
 * verifies on claim (its current revision, in the store) or on a revision it only re-anchored
 * (ct_store_claim_same), as verdicts stand across one (docs/workflow.md, "Re-anchoring keeps the
 * verdicts"). A revision with a signature by a key of trust that does not verify gives no
 * signer. *count receives their number; *carried (may be NULL) a new array of {"key_id",
 * "revision"} for those who signed only an older revision (the newest they signed).
 */
int ct_store_claim_signer_count(size_t *count, json_t **carried, ct_store *store,
	const json_t *claim, const ct_keyring *trust);

/* ---- checking ---- */

#define CT_CHECK_OPTS_VERSION 1
typedef struct {
	unsigned version;	 /* CT_CHECK_OPTS_VERSION (CT_CHECK_OPTS_INIT sets it) */
	const ct_keyring *trust; /* NULL: as ct_store_trust decides (the trust list, else the
				    keys recorded in the store) */
	size_t threshold;	 /* distinct trusted signers each claim needs (default 1) */
	ct_progress_fn progress; /* NULL, or called as the records are checked */
	void *progress_payload;
} ct_check_opts;

#define CT_CHECK_OPTS_INIT \
	{ \
		CT_CHECK_OPTS_VERSION, NULL, 1, NULL, NULL \
	}

/* Called once per finding: what is wrong, naming the record. A line starting "warning: " (a
 * claim's quantity that matches no number in its quote) is reported but is not a problem: it is
 * not counted in *findings and does not fail the check. */
typedef void (*ct_finding_fn)(const char *finding, void *payload);

/*
 * Verifies the whole store: every file is a record where it belongs, every record's schema and
 * signatures, every revision chain, every reference between records, and that every record file
 * was written by a claimtrail commit (a hand edit committed with plain git is reported by the
 * record's id). Returns 0 when nothing was found, else CT_EBADSIG (and *findings > 0).
 */
int ct_store_check(size_t *findings, ct_store *store, const ct_check_opts *opts, ct_finding_fn fn,
	void *payload);

#ifdef __cplusplus
}
#endif

#endif
