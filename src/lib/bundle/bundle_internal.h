/* What the bundle source files share: the bounded line reader and the record envelope. */
#ifndef CT_BUNDLE_INTERNAL_H
#define CT_BUNDLE_INTERNAL_H

#include "claimtrail/bundle.h"
#include "error.h"
#include "claimtrail/record.h"

#include <sodium.h>
#include <stdio.h>

/* How ct__bundle_create may save work for a caller that has done it already (ct_publish). */
typedef struct {
	int nosync; /* 1: the file is renamed into place without being flushed to disk first (a
		     * published site's bundles, which ct_publish syncs once at the end) */
	const ct_keyring *ring; /* the store's keyring (ct_store_keyring), read once by the
				 * caller; NULL: read again per record */
	/* 1 when every revision and annotation of claim id was verified by the caller in this
	 * run, against ring, as ct_store_verify_record does: they are not verified again (its
	 * sources are). NULL: every record is verified here. */
	int (*verified)(const char *id, void *payload);
	void *payload;
	/* three temporary files (tmpfile) kept open by the caller and emptied here for each
	 * bundle, or NULLs: made and removed per bundle (the file system's inode allocator slows
	 * down under a churn of removed files) */
	FILE *spills[3];
} ct__bundle_how;

/* ct_bundle_create, as how says (NULL: as ct_bundle_create). */
int ct__bundle_create(ct_bundle_info *info, ct_store *store, const char *path,
	const ct_bundle_create_opts *opts, const ct__bundle_how *how);

/* The header line of a version 1 bundle, without its newline. */
#define CT_BUNDLE_HEADER "{\"format\":\"claimtrail-bundle\",\"version\":1}"

/* The most signatures one envelope may carry. */
#define CT_ENVELOPE_SIGS_MAX 64

/* Reads LF-terminated lines of at most CT_BUNDLE_LINE_MAX bytes in bounded memory. */
typedef struct {
	FILE *f;
	char *buf; /* read buffer */
	size_t pos, end;
	ct_buf line; /* the current line, without its LF */
	uint64_t lineno;
	int toolong; /* the current line was longer than the limit (line holds its start) */
	uint8_t toolong_leaf[CT_HASH_LEN]; /* toolong: the Merkle leaf hash of the whole line */
	crypto_hash_sha256_state toolong_hash;
	int unterminated; /* the current line ended at end of file without a LF */
	int borrowed;	  /* f is the caller's: close leaves it open */
} ct__line_reader;

int ct__line_reader_open(ct__line_reader *r, const char *path);
/* Reads from f, which stays the caller's (close does not close it). */
int ct__line_reader_from(ct__line_reader *r, FILE *f);
void ct__line_reader_close(ct__line_reader *r);

/* 1 with a line in r->line, 0 at end of file, or a negative error. */
int ct__line_read(ct__line_reader *r);
/* The Merkle leaf hash of the current line, whole even when it was too long to keep. */
void ct__line_leaf(uint8_t leaf[CT_HASH_LEN], const ct__line_reader *r);

/* One signature of an envelope: pointers into the line. */
typedef struct {
	char keyid[CT_KEY_ID_LEN + 1];
	const char *sig;
	size_t sig_len;
} ct__env_sig;

/* A parsed envelope line: pointers into the line, which must outlive it. */
typedef struct {
	const char *payload;
	size_t payload_len;
	const char *type;
	size_t type_len;
	ct__env_sig sigs[CT_ENVELOPE_SIGS_MAX];
	size_t nsigs;
} ct__envelope;

/*
 * Parses line as the canonical (RFC 8785) JSON of a DSSE envelope:
 * {"payload":"B64","payloadType":"T","signatures":[{"keyid":"HEX16","sig":"B64"},...]}.
 * Any other byte is refused: CT_EINVALID with a message saying what was expected.
 */
int ct__envelope_parse(ct__envelope *env, const char *line, size_t len);

/* 1 when the envelope's payload type is t. */
int ct__envelope_type_is(const ct__envelope *env, const char *t);

/* Appends the envelope line (no LF) for body signed with signatures ([{key_id, sig}]). */
int ct__envelope_write(
	ct_buf *out, const char *type, const uint8_t *body, size_t len, const json_t *signatures);

/* Decodes the payload into out (bounded by the line length). */
int ct__envelope_payload(ct_buf *out, const ct__envelope *env);

/* The record signatures array [{key_id, sig}] of an envelope: a new reference. */
json_t *ct__envelope_signatures(const ct__envelope *env);

/*
 * Decodes and checks a record line: envelope, payload a canonical record of the kind its
 * payloadType names, schema. *out (new reference) is the record with its "signatures" from the
 * envelope; body receives the exact payload bytes. Message names no line (callers prefix it).
 */
int ct__bundle_record_decode(
	json_t **out, ct_buf *body, ct__envelope *env, const char *line, size_t len);

/* Decodes 64 lowercase hex digits (and nothing more) into a hash (ct__hex_decode): 0, or
 * CT_EINVALID (no message set). */
int ct__hash_from_hex(uint8_t out[CT_HASH_LEN], const char *hex);

/* Opens a bundle and reads its header (line 1): CT_EINVALID when it is not a version 1 bundle. */
int ct__bundle_open(ct__line_reader *r, const char *path);

/* The same from the start of the caller's open file f (path names it in messages). */
int ct__bundle_open_file(ct__line_reader *r, FILE *f, const char *path);

/*
 * ct_bundle_verify on the caller's open file f, read from its start. trailer_hash (may be NULL)
 * receives the SHA-256 of the trailer line that was verified, so that a second pass over the
 * same file can prove it read the same bundle (bundle_import.c).
 */
int ct__bundle_verify_file(ct_bundle_info *info, FILE *f, const char *path,
	const ct_bundle_verify_opts *opts, ct_bundle_report_fn fn, void *payload,
	uint8_t trailer_hash[CT_HASH_LEN]);

/* Opens the regular file at path for reading, both passes of an import or a read: a FIFO or a
 * device could hand the second pass other bytes than the first (CT_EINVALID). */
int ct__bundle_open_regular(FILE **out, const char *path);

/*
 * The import pass of ct_bundle_import over the file f that ct__bundle_verify_file verified
 * (info and trailer_hash from it; trust: the keys it was verified against, whose key records
 * alone are written into the store's key folder): refuses with CT_EBADSIG, writing nothing, when what it reads
 * now is not what was verified.
 */
int ct__bundle_import_file(size_t *count, ct_store *store, FILE *f, const char *path,
	const ct_bundle_info *info, const uint8_t trailer_hash[CT_HASH_LEN],
	const ct_keyring *trust, const ct_write_opts *wopts);

/*
 * The state of a signer of a bundle's line (docs/bundle.md 1.5), by the store's rule
 * (ct__key_state_rule) over what the verifier's keys (trust) and the bundle's key record for
 * key_id say together: revoked in either (carried_revoked: the bundle's revocation, by the key
 * or granted; carried_since: its compromised_since, NULL or "" when none), from the earlier
 * compromised_since (a revocation without one, in either: none), and expiring at the earlier
 * expires (carried_expires: the bundle's, NULL or "" when none), judged at now. until as
 * ct__key_state_rule gives it.
 */
ct_key_state ct__bundle_signer_state(const ct_keyring *trust, const char *key_id,
	int carried_revoked, const char *carried_since, const char *carried_expires,
	const char *now, char until[CT_TIMESTAMP_LEN + 1]);

/*
 * Parses a trailer line: a canonical envelope of payload type CT_BUNDLE_PAYLOAD_TYPE whose
 * payload is the canonical trailer body (docs/bundle.md). Fills info; body receives the payload.
 * Signatures are not checked here.
 */
int ct__trailer_parse(
	ct_bundle_info *info, ct_buf *body, ct__envelope *env, const char *line, size_t len);

#endif
