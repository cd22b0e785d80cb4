/*
 * The record schemas (record.c) as the rest of the library reads them, and record.c's labels for
 * messages and the bytes a signature covers. Each member of each kind is defined once, in one
 * table row that says how it validates, how a revision diff shows it (diff_record.c) and what
 * bundle verification reads it into (bundle_verify.c); a member added without saying both fails
 * test_record. Not part of the API.
 */
#ifndef CT_RECORD_INTERNAL_H
#define CT_RECORD_INTERNAL_H

#include "claimtrail/record.h"

/*
 * How a revision diff shows a member (diff_record.c; docs/diff.md, "Fields compared"). The
 * changed members come in schema order, those shown as words first, then the others.
 */
typedef enum {
	CT__DIFF_AS_UNSET = 0, /* no rule given: test_record fails */
	CT__DIFF_AS_WORDS,     /* a text: a change with a word diff */
	CT__DIFF_AS_VALUE,     /* a change "old -> new" (null when absent) */
	CT__DIFF_AS_FLAG,      /* a boolean: a change "old -> new", false when absent */
	CT__DIFF_AS_MEMBERS,   /* an object: each of its members by its own rule */
	CT__DIFF_AS_SIDE,      /* the diff's header or side objects (type, id, revision, ...) */
	CT__DIFF_AS_PATCH,     /* only in the JSON patch */
	CT__DIFF_AS_NONE,      /* the kind has no revision diff (annotations, keys) */
} ct__diff_as;

/*
 * What bundle verification (bundle_verify.c) reads a member into, for the checks that need the
 * order of the records (docs/bundle.md, "Verifying"): each slot names one member of its item,
 * found at the same place (top level or one object down) in every kind that has it.
 */
typedef enum {
	CT__BV_UNSET = 0,  /* no rule given: test_record fails */
	CT__BV_NONE,	   /* not read by bundle_verify.c (the schema check still is) */
	CT__BV_MEMBERS,	   /* an object: its members say */
	CT__BV_TYPE,	   /* must name the kind the payload type names */
	CT__BV_ID,	   /* the record's id (a key's key_id) */
	CT__BV_SIGNATURES, /* must be absent from the signed body */
	CT__BV_REVISION,
	CT__BV_PREV,
	CT__BV_CLAIM, /* an annotation's claim id and revision digest */
	CT__BV_CLAIM_REVISION,
	CT__BV_KIND, /* an annotation's kind: its id is derived from it */
	CT__BV_EVIDENCE,
	CT__BV_DISPUTE, /* an annotation's dispute object, and its source id */
	CT__BV_DISPUTE_SOURCE,
	CT__BV_ATTRIBUTION, /* a claim's attribution object, its source id and revision */
	CT__BV_SOURCE,
	CT__BV_SOURCE_REVISION,
	CT__BV_ARCHIVE_SHA256, /* a source's archive: the text a bundle may carry */
	CT__BV_ARCHIVE_LENGTH,
	CT__BV_ARCHIVE_STORED,
	CT__BV_REVOKED, /* a key's revocation */
	CT__BV_COUNT
} ct__bv_slot;

/* One member of a schema. Tables end with a row whose name is NULL. */
typedef struct ct__member ct__member;
struct ct__member {
	const char *name;
	int type; /* how it validates: record.c's own codes */
	int required;
	const char *const *values; /* the allowed values of an enumeration, NULL-terminated */
	const ct__member *fields;  /* an object's members */
	ct__diff_as diff;
	ct__bv_slot verify;
};

/* The members of kind's records (NULL for an unknown kind). */
const ct__member *ct__record_schema(ct_kind kind);

/*
 * The member of kind's schema that bundle verification reads into slot, with *parent the name
 * of the top-level object holding it (NULL for a top-level member); NULL when kind has none.
 */
const ct__member *ct__record_schema_slot(const char **parent, ct_kind kind, ct__bv_slot slot);

/* Longest label ct__record_label writes, with its NUL. */
#define CT_LABEL_MAX 96

/* Appends PAE(ct_kind_payload_type(kind of record), ct_record_body(record)) to out: the exact
 * bytes every signature on record covers. */
int ct__record_signing_input(ct_buf *out, const json_t *record);

/* Writes "<kind> <id>" (e.g. "claim iskp-foreign-fighters-6000") for error messages. */
void ct__record_label(char out[CT_LABEL_MAX], const json_t *record);

#endif
