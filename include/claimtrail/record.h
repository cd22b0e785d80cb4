/* The four record kinds: schema validation, canonical body and digest, signing, verifying. */
#ifndef CLAIMTRAIL_RECORD_H
#define CLAIMTRAIL_RECORD_H

#include <jansson.h>
#include "common.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	CT_KIND_SOURCE = 0,
	CT_KIND_CLAIM,
	CT_KIND_ANNOTATION,
	CT_KIND_KEY,
	CT_KIND_CHECKPOINT,
	CT_KIND_COUNT
} ct_kind;

/* "source", "claim", "annotation", "key", "checkpoint". */
const char *ct_kind_name(ct_kind kind);
/* The longest name ct_kind_name gives ("annotation"), with room to spare, without its NUL. */
#define CT_KIND_NAME_MAX 15

/* "application/vnd.claimtrail.<kind>+json": the DSSE payload type signed with the record. */
const char *ct_kind_payload_type(ct_kind kind);

int ct_kind_from_name(ct_kind *out, const char *name);

/* A record digest: "sha256:" and 64 hex digits. */
#define CT_DIGEST_LEN 71

/* Ids: [a-z0-9][a-z0-9-]{0,63}. Returns 0 or CT_EINVALID with a message naming the id and `what`. */
#define CT_ID_MAX 64
int ct_id_validate(const char *id, const char *what);

/* The longest id ct_id_from_text derives. */
#define CT_ID_DERIVED_MAX 48

/* Derives a readable id from text: lowercase ASCII words joined by '-', "6,000" kept as
 * "6000", cut at a word boundary near CT_ID_DERIVED_MAX characters. */
int ct_id_from_text(char *out, size_t out_size, const char *text);

/* Quantities (docs/format.md 5.3): the longest amount, and the longest qualifier read. */
#define CT_AMOUNT_MAX 40
#define CT_QUALIFIER_MAX 15

/* A quantity as a fact-checker writes it, read by ct_quantity_parse. */
typedef struct {
	char amount[CT_AMOUNT_MAX + 1];	      /* the value as records keep it: "7600000", "2.5" */
	char qualifier[CT_QUALIFIER_MAX + 1]; /* "about", "as many as", ... or "" */
	int percent;			      /* it ended in "%", "percent" or "per cent" */
} ct_quantity_parsed;

/*
 * Reads "6000", "6,000", "2.5", "7.6 million", "6.4m", "1.2 billion", "30%", "about 6,000": an
 * optional qualifier, a number (commas before groups of three digits), an optional scale
 * (thousand, million, billion, trillion, k, m, mn, bn, tn; one letter only when attached) and an
 * optional "%". Returns 0 or CT_EINVALID naming the text.
 */
int ct_quantity_parse(ct_quantity_parsed *out, const char *text);

/*
 * 1 when text (a quote) holds a number equal to amount, as written or scaled ("6.4 million" holds
 * 6400000 and 6.4), else 0.
 */
int ct_quantity_in_text(const char *amount, const char *text);

/* Writes amount with digit separators: "6400000" -> "6,400,000", "-1234.5" -> "-1,234.5". */
int ct_amount_format(char *out, size_t size, const char *amount);

/*
 * The hedging words text holds ("as many as", "may have", "at least", "about" before a number,
 * "reportedly", "according to", ...; docs/format.md 5.3), each once, in the order they first
 * appear, lower case, as a new JSON array in *out (empty when there are none).
 */
int ct_hedges_find(json_t **out, const char *text);

/* Dates: "YYYY-MM-DD" (a real calendar date). Timestamps: "YYYY-MM-DDThh:mm:ssZ" (UTC). */
int ct_date_validate(const char *date, const char *what);
int ct_timestamp_validate(const char *ts, const char *what);

/* The length of a timestamp "YYYY-MM-DDThh:mm:ssZ", without its NUL. */
#define CT_TIMESTAMP_LEN 20

/* Fills out (CT_TIMESTAMP_LEN + 1 bytes) with the current UTC time as "YYYY-MM-DDThh:mm:ssZ":
 * the time ct_runtime_set fixed (the command passes SOURCE_DATE_EPOCH in, so that tests and the
 * example store can be reproducible), else the clock. */
void ct_timestamp_now(char out[CT_TIMESTAMP_LEN + 1]);

/* The kind named by the record's "type" member. */
int ct_record_kind(ct_kind *out, const json_t *record);

/* The record's id (borrowed): "id" for sources, claims and annotations, "key_id" for keys. */
const char *ct_record_id(const json_t *record);

/*
 * Checks a record against the schema of its kind (docs/format.md): required members present,
 * every member of the right type, no unknown members, ids, dates and digests well formed.
 * Returns 0 or CT_EINVALID with a message such as "claim x: member \"quote\": expected a string".
 */
int ct_record_validate(const json_t *record);

/* Appends the signed body: the RFC 8785 form of the record without its "signatures" member. */
int ct_record_body(ct_buf *out, const json_t *record);

/* The digest of the body, "sha256:<hex>" (CT_DIGEST_LEN + 1 bytes), naming one revision. */
int ct_record_digest(char *out, const json_t *record);

/* DSSE's pre-authentication encoding: "DSSEv1 <len(type)> <type> <len(body)> <body>". */
int ct_pae(ct_buf *out, const char *payload_type, const uint8_t *body, size_t len);

/*
 * Adds key's signature to record's "signatures" array (creating it), after checking the
 * record's schema; verifies the new signature before returning. A key that already signed the
 * record is CT_EEXISTS.
 */
int ct_record_sign(json_t *record, const ct_key *key);

/* What ct_record_verify found. */
#define CT_VERIFY_SIGNERS_MAX 8 /* the trusted signers a report names */
typedef struct {
	size_t signatures; /* signatures on the record */
	size_t trusted;	   /* distinct trusted, unrevoked keys whose signature verifies */
	size_t bad;	   /* signatures naming a trusted key that do not verify */
	size_t untrusted;  /* signatures by keys not in the ring */
	size_t revoked;	   /* valid signatures by revoked keys (not vouched for) */
	size_t expired;	   /* valid signatures by expired keys (not vouched for) */
	size_t vouched;	   /* signatures by revoked or expired keys that a checkpoint made
			    * before the key's limit vouches for: counted as trusted */
	char signers[CT_VERIFY_SIGNERS_MAX][CT_KEY_ID_LEN + 1]; /* the first trusted signers, for
								 * reports (trusted counts them all) */
} ct_verify_report;

/*
 * Verifies every signature on record against trust. Returns 0 when no signature is bad and at
 * least `threshold` (at least 1) distinct trusted keys signed; CT_EBADSIG when any signature
 * by a trusted key does not verify (the message names the record and the key); CT_EUNTRUSTED
 * when too few trusted keys signed. report may be NULL.
 */
int ct_record_verify(
	ct_verify_report *report, const json_t *record, const ct_keyring *trust, size_t threshold);

/*
 * Answers whether a checkpoint made before `before` (a timestamp) vouches that record carried
 * the signature sig (base64) by key_id: 1 yes, 0 no (docs/keys.md). The store's is
 * ct_store_vouch.
 */
typedef int (*ct_vouch_fn)(const json_t *record, const char *key_id, const char *sig,
	const char *before, void *payload);

/*
 * ct_record_verify, where a valid signature by a revoked or expired key (ct_keyring_key_state)
 * counts as trusted when vouch (may be NULL) says a checkpoint made before the key's limit
 * holds it; otherwise it counts as revoked or expired, and the message says so.
 */
int ct_record_verify_vouched(ct_verify_report *report, const json_t *record,
	const ct_keyring *trust, size_t threshold, ct_vouch_fn vouch, void *payload);

/* Annotation ids: "<kind>-" and the first CT_ANNOTATION_HASH_LEN hex digits of a SHA-256
 * (see ct_annotation_id). */
#define CT_ANNOTATION_HASH_LEN 12

/*
 * Computes the id of an annotation record: "<kind>-<h>", where h is the first 12 hex digits of
 * SHA-256 of the RFC 8785 form of the record without "id" and "signatures", followed by a
 * newline and the signer's key id. The signer is part of it so that two people who write the
 * same words about the same revision in the same second still get two files. out must hold
 * CT_ID_MAX + 1 bytes.
 */
int ct_annotation_id(char *out, const json_t *annotation, const char *signer_key_id);

#ifdef __cplusplus
}
#endif

#endif
