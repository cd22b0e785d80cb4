/*
 * Validating canonical records in one pass (canonscan.h), for the verify hot path: a bundle
 * record's payload must be the canonical form of its record, and checking that by parsing into
 * jansson and serialising again costs more than the signature check it guards. This scanner
 * accepts exactly what ct_json_parse(CT_JSON_RECORD) accepts *and* ct_json_canon writes back
 * byte for byte (docs/canonical-json.md), so the rules here are those of both put together:
 *
 * - no whitespace anywhere; the top level is an object and nothing follows it;
 * - object members strictly increasing by their names as UTF-16 code units (so no duplicates);
 * - strings of strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF), no raw
 *   control characters, and only the escapes JCS writes: \" \\ \b \f \n \r \t, and \u00xx with
 *   lowercase hex for the other characters below U+0020 (never \u0000, which the parser
 *   refuses, and never \u0008 and the like, which have short forms);
 * - integers only, -?(0|[1-9][0-9]*) within +-(2^53-1), and not -0 (which reads back as 0);
 * - true, false, null; at most CT_JSON_MAX_DEPTH nested arrays and objects.
 *
 * tests/unit/test_canonscan.c checks it against the parser and serialiser on JSONTestSuite,
 * generated records and their mutations.
 */
#include "canonscan.h"
#include "hex.h"

#include "claimtrail/json.h"

#include <string.h>

typedef struct {
	const uint8_t *d;
	size_t len;
	size_t pos;
	const ct__cwant *wants;
	size_t nwants;
	const char *why;
} scanner;

static int fail(scanner *s, size_t at, const char *why)
{
	s->pos = at;
	s->why = why;
	return -1;
}

/*
 * Scans the string whose opening quote is at s->pos; on success s->pos is past the closing
 * quote. *slow is set when its order as UTF-16 may differ from its bytes' order: it has an
 * escape, or a character from U+E000 up (lead byte 0xEE or above).
 */
static int scan_string(scanner *s, ct__cval *out, int *slow)
{
	const uint8_t *d = s->d;
	size_t len = s->len, i = s->pos + 1;
	int escaped = 0, high = 0;

	for (;;) {
		uint32_t cp;
		uint8_t c;
		size_t n;

		if (i >= len)
			return fail(s, i, "unterminated string");
		c = d[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(s, i, "raw control character in a string");
		if (c == '\\') {
			int h, l;

			escaped = 1;
			if (i + 1 >= len)
				return fail(s, i, "unterminated string");
			switch (d[i + 1]) {
			case '"':
			case '\\':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't': i += 2; continue;
			case 'u':
				if (len - i < 6 || d[i + 2] != '0' || d[i + 3] != '0' ||
					(h = ct__hex_value(d[i + 4], 0)) < 0 || h > 1 ||
					(l = ct__hex_value(d[i + 5], 0)) < 0)
					return fail(s, i, "\\u escape of something JCS writes raw");
				h = h * 16 + l;
				if (h == 0)
					return fail(s, i, "\\u0000 in a string");
				if (h == '\b' || h == '\t' || h == '\n' || h == '\f' || h == '\r')
					return fail(s, i,
						"\\u escape of a character with a short escape");
				i += 6;
				continue;
			default: return fail(s, i, "escape that JCS does not write");
			}
		}
		if ((n = ct__utf8_decode(d + i, len - i, &cp)) == 0)
			return fail(s, i, "invalid UTF-8 in a string");
		high |= c >= 0xEE;
		i += n;
	}
	if (out) {
		out->type = CT__CV_STRING;
		out->ptr = (const char *)d + s->pos + 1;
		out->len = i - s->pos - 1;
		out->escaped = escaped;
	}
	*slow = escaped || high;
	s->pos = i + 1;
	return 0;
}

/* Reads a canonical string's bytes (validated) as UTF-16 code units, for member order. */
typedef struct {
	const uint8_t *p, *end;
	unsigned pending;
} u16_reader;

static long u16_next(u16_reader *r)
{
	uint32_t cp;
	uint8_t c;

	if (r->pending) {
		long u = (long)r->pending;
		r->pending = 0;
		return u;
	}
	if (r->p >= r->end)
		return -1;
	c = *r->p;
	if (c == '\\') {
		uint8_t e = r->p[1];
		r->p += 2;
		switch (e) {
		case 'b': return '\b';
		case 'f': return '\f';
		case 'n': return '\n';
		case 'r': return '\r';
		case 't': return '\t';
		case 'u':
			cp = (uint32_t)(ct__hex_value(r->p[2], 0) * 16 + ct__hex_value(r->p[3], 0));
			r->p += 4;
			return (long)cp;
		default: return e; /* '"' or '\\' */
		}
	}
	r->p += ct__utf8_decode(r->p, (size_t)(r->end - r->p), &cp); /* validated: never 0 */
	if (cp < 0x10000)
		return (long)cp;
	cp -= 0x10000;
	r->pending = 0xDC00 + (cp & 0x3FF);
	return (long)(0xD800 + (cp >> 10));
}

/* Compares two member names (validated string bytes) as RFC 8785 orders them. */
static int name_cmp(const ct__cval *a, int aslow, const ct__cval *b, int bslow)
{
	u16_reader ra, rb;

	if (!aslow && !bslow) {
		/* No escapes and nothing from U+E000 up: UTF-8 byte order is UTF-16 order. */
		size_t n = a->len < b->len ? a->len : b->len;
		int c = memcmp(a->ptr, b->ptr, n);
		if (c)
			return c;
		return (a->len > b->len) - (a->len < b->len);
	}
	ra.p = (const uint8_t *)a->ptr;
	ra.end = ra.p + a->len;
	ra.pending = 0;
	rb.p = (const uint8_t *)b->ptr;
	rb.end = rb.p + b->len;
	rb.pending = 0;
	for (;;) {
		long ua = u16_next(&ra), ub = u16_next(&rb);
		if (ua != ub)
			return ua < ub ? -1 : 1;
		if (ua < 0)
			return 0;
	}
}

static int scan_integer(scanner *s, ct__cval *out)
{
	const uint8_t *d = s->d;
	size_t i = s->pos, start = s->pos;
	long long v = 0;
	int neg = 0;

	if (d[i] == '-') {
		neg = 1;
		i++;
	}
	if (i >= s->len)
		return fail(s, start, "a number cut short");
	if (d[i] == '0') {
		if (neg)
			return fail(s, start, "-0 (its canonical form is 0)");
		i++;
	} else if (d[i] >= '1' && d[i] <= '9') {
		while (i < s->len && d[i] >= '0' && d[i] <= '9') {
			v = v * 10 + (d[i] - '0');
			if (v > CT_JSON_MAX_SAFE_INT)
				return fail(s, start, "an integer outside +-(2^53-1)");
			i++;
		}
	} else {
		return fail(s, start, "a number that is not an integer");
	}
	/* A fraction or exponent ('.', 'e') or a leading zero ("01") is refused by whoever
	 * expects a ',' or a closing bracket next. */
	if (out) {
		out->type = CT__CV_INTEGER;
		out->ptr = (const char *)d + start;
		out->len = i - start;
		out->integer = neg ? -v : v;
	}
	s->pos = i;
	return 0;
}

static int scan_literal(scanner *s, const char *word, size_t n, ct__cv_type type, ct__cval *out)
{
	if (s->len - s->pos < n || memcmp(s->d + s->pos, word, n) != 0)
		return fail(s, s->pos, "not a JSON value");
	if (out) {
		out->type = type;
		out->ptr = (const char *)s->d + s->pos;
		out->len = n;
	}
	s->pos += n;
	return 0;
}

static int scan_object(scanner *s, size_t depth, int level, const ct__cval *parent, ct__cval *out);
static int scan_array(scanner *s, size_t depth, ct__cval *out);

/* depth: arrays and objects around this value. level: 1 for the top-level object's members,
 * 2 for the members of a top-level member's object (wants can name those), 0 below. */
static int scan_value(scanner *s, size_t depth, int level, const ct__cval *name, ct__cval *out)
{
	int slow;

	if (s->pos >= s->len)
		return fail(s, s->pos, "a value missing");
	switch (s->d[s->pos]) {
	case '{':
		if (depth + 1 > CT_JSON_MAX_DEPTH)
			return fail(s, s->pos, "nesting deeper than 512 arrays and objects");
		return scan_object(s, depth + 1, level == 1 ? 2 : 0, name, out);
	case '[':
		if (depth + 1 > CT_JSON_MAX_DEPTH)
			return fail(s, s->pos, "nesting deeper than 512 arrays and objects");
		return scan_array(s, depth + 1, out);
	case '"': return scan_string(s, out, &slow);
	case 't': return scan_literal(s, "true", 4, CT__CV_TRUE, out);
	case 'f': return scan_literal(s, "false", 5, CT__CV_FALSE, out);
	case 'n': return scan_literal(s, "null", 4, CT__CV_NULL, out);
	default: return scan_integer(s, out);
	}
}

/* The want that names this member (an unescaped name) of an object at level, or NULL. */
static ct__cval *wanted(scanner *s, int level, const ct__cval *parent, const ct__cval *name)
{
	size_t i;

	if (level == 0 || s->nwants == 0 || name->escaped)
		return NULL;
	for (i = 0; i < s->nwants; i++) {
		const ct__cwant *w = &s->wants[i];
		if (level == 1 ? w->parent != NULL
			       : !w->parent || strncmp(w->parent, parent->ptr, parent->len) != 0 ||
					w->parent[parent->len] != '\0')
			continue;
		if (w->name[0] == name->ptr[0] && strncmp(w->name, name->ptr, name->len) == 0 &&
			w->name[name->len] == '\0')
			return w->out;
	}
	return NULL;
}

static int scan_object(scanner *s, size_t depth, int level, const ct__cval *parent, ct__cval *out)
{
	size_t start = s->pos;
	ct__cval prev = {0}, name = {0};
	int prev_slow = 0, slow = 0, first = 1;

	s->pos++;
	if (s->pos < s->len && s->d[s->pos] == '}') {
		s->pos++;
		goto done;
	}
	for (;;) {
		size_t at = s->pos;

		if (s->pos >= s->len || s->d[s->pos] != '"')
			return fail(s, s->pos, "a member name missing");
		if (scan_string(s, &name, &slow) < 0)
			return -1;
		if (!first && name_cmp(&prev, prev_slow, &name, slow) >= 0)
			return fail(s, at, "members not in canonical order (or repeated)");
		first = 0;
		prev = name;
		prev_slow = slow;
		if (s->pos >= s->len || s->d[s->pos] != ':')
			return fail(s, s->pos, "':' missing after a member name");
		s->pos++;
		if (scan_value(s, depth, level, &name, wanted(s, level, parent, &name)) < 0)
			return -1;
		if (s->pos < s->len && s->d[s->pos] == ',') {
			s->pos++;
			continue;
		}
		if (s->pos < s->len && s->d[s->pos] == '}') {
			s->pos++;
			break;
		}
		return fail(s, s->pos, "',' or '}' missing after a member");
	}
done:
	if (out) {
		out->type = CT__CV_OBJECT;
		out->ptr = (const char *)s->d + start;
		out->len = s->pos - start;
	}
	return 0;
}

static int scan_array(scanner *s, size_t depth, ct__cval *out)
{
	size_t start = s->pos;

	s->pos++;
	if (s->pos < s->len && s->d[s->pos] == ']') {
		s->pos++;
		goto done;
	}
	for (;;) {
		if (scan_value(s, depth, 0, NULL, NULL) < 0)
			return -1;
		if (s->pos < s->len && s->d[s->pos] == ',') {
			s->pos++;
			continue;
		}
		if (s->pos < s->len && s->d[s->pos] == ']') {
			s->pos++;
			break;
		}
		return fail(s, s->pos, "',' or ']' missing after an element");
	}
done:
	if (out) {
		out->type = CT__CV_ARRAY;
		out->ptr = (const char *)s->d + start;
		out->len = s->pos - start;
	}
	return 0;
}

int ct__canon_scan(const uint8_t *data, size_t len, const ct__cwant *wants, size_t nwants)
{
	scanner s = {data, len, 0, wants, nwants, NULL};
	size_t i;

	for (i = 0; i < nwants; i++)
		memset(wants[i].out, 0, sizeof(*wants[i].out));
	if (len == 0 || data[0] != '{')
		fail(&s, 0, "a record must be a JSON object");
	else if (scan_object(&s, 1, 1, NULL, NULL) == 0 && s.pos != len)
		fail(&s, s.pos, "bytes after the record");
	if (s.why)
		return ct_error_set(
			CT_EINVALID, "not a canonical record: %s at byte %zu", s.why, s.pos);
	return 0;
}

int ct__canon_array_next(ct__cval *elem, const ct__cval *array, size_t *pos)
{
	/* The array was validated: scan it again with nothing wanted, one element at a time. */
	scanner s = {(const uint8_t *)array->ptr, array->len, *pos, NULL, 0, NULL};

	if (array->type != CT__CV_ARRAY || array->len < 2)
		return 0;
	if (s.pos == 0)
		s.pos = 1;
	if (s.pos >= s.len || s.d[s.pos] == ']')
		return 0;
	memset(elem, 0, sizeof(*elem));
	if (scan_value(&s, 0, 0, NULL, elem) < 0)
		return 0;
	if (s.pos < s.len && s.d[s.pos] == ',')
		s.pos++;
	*pos = s.pos;
	return 1;
}
