/*
 * A one-pass validator of canonical records (canonscan.c): accepts exactly the bytes that
 * ct_json_parse(CT_JSON_RECORD) reads and ct_json_canon writes back unchanged, and reports the
 * byte spans of the members a caller asks for, without building a value or allocating.
 */
#ifndef CT_CANONSCAN_H
#define CT_CANONSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "utf8.h" /* ct__utf8_decode, for the scanner and the parser */

typedef enum {
	CT__CV_NONE = 0, /* absent */
	CT__CV_OBJECT,
	CT__CV_ARRAY,
	CT__CV_STRING,
	CT__CV_INTEGER,
	CT__CV_TRUE,
	CT__CV_FALSE,
	CT__CV_NULL,
} ct__cv_type;

/* A scanned value: pointers into the scanned bytes. */
typedef struct {
	ct__cv_type type;
	const char *ptr; /* the value's bytes; for a string, those between the quotes */
	size_t len;
	int escaped;	   /* a string with at least one escape: ptr..len is not its text */
	long long integer; /* CT__CV_INTEGER */
} ct__cval;

/* A member to report: name in the top-level object (parent NULL), or in the object that is the
 * top-level member parent. Names are plain ASCII. */
typedef struct {
	const char *parent;
	const char *name;
	ct__cval *out;
} ct__cwant;

/*
 * 0 when data (len bytes) is exactly the RFC 8785 form of a record: no whitespace, members in
 * strictly increasing UTF-16 order, strings of valid UTF-8 with only the escapes JCS writes,
 * integers in canonical form within +-(2^53-1), no "-0", at most CT_JSON_MAX_DEPTH levels. Fills
 * every want's out (type CT__CV_NONE when absent). Otherwise CT_EINVALID with a one-line message
 * naming the byte offset (from 0); the outs are then unspecified. Reads nothing outside data.
 */
int ct__canon_scan(const uint8_t *data, size_t len, const ct__cwant *wants, size_t nwants);

/*
 * Steps through the elements of a scanned array (from ct__canon_scan): *pos starts at 0. Returns
 * 1 with the next element in *elem (strings, integers and literals; objects and arrays as their
 * type with their bytes), or 0 at the end.
 */
int ct__canon_array_next(ct__cval *elem, const ct__cval *array, size_t *pos);

#endif
