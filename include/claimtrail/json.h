/* Strict JSON parsing and RFC 8785 (JCS) canonical serialization. */
#ifndef CLAIMTRAIL_JSON_H
#define CLAIMTRAIL_JSON_H

#include <jansson.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting of arrays and objects the parser accepts (see docs/canonical-json.md). */
#define CT_JSON_MAX_DEPTH 512

/* The largest integer a signed record may carry: 2^53 - 1 (and its negation). */
#define CT_JSON_MAX_SAFE_INT 9007199254740991LL

typedef enum {
	/* Any JSON text (RFC 8259), numbers as IEEE 754 doubles: what `claimtrail canon` takes. */
	CT_JSON_TEXT = 0,
	/* A record: the top level must be an object, and every number an integer within
	 * +-CT_JSON_MAX_SAFE_INT (no fraction, no exponent). */
	CT_JSON_RECORD = 1,
} ct_json_mode;

/*
 * Parses data strictly: duplicate object keys, invalid UTF-8, lone surrogates, "\u0000",
 * nesting deeper than CT_JSON_MAX_DEPTH, numbers that overflow a double and trailing bytes are
 * refused with CT_EINVALID and a message "line L, column C: <what was wrong>". On success *out is
 * a new reference. In CT_JSON_TEXT mode every number is a json_real; in CT_JSON_RECORD mode every
 * number is a json_integer.
 */
int ct_json_parse(json_t **out, const uint8_t *data, size_t len, ct_json_mode mode);

/* Appends the RFC 8785 canonical form of value to out (object members sorted by UTF-16 code
 * units, ES6 number serialization, minimal string escaping). Refuses NaN and infinities. */
int ct_json_canon(ct_buf *out, const json_t *value);

/* Parse (CT_JSON_TEXT) and canonicalize in one step. */
int ct_json_canon_text(ct_buf *out, const uint8_t *data, size_t len);

/* Appends the ES6 Number.prototype.toString form of d (shortest round-trip digits). */
int ct_json_format_number(ct_buf *out, double d);

#ifdef __cplusplus
}
#endif

#endif
