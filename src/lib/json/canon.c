/*
 * Canonical JSON: a strict parser that builds jansson values, and the RFC 8785 (JCS)
 * serializer with ES6 number formatting. Everything signed or hashed goes through here.
 *
 * The parser is our own rather than json_loadb(): jansson accepts a NUL byte after the value
 * ("123\0"), nests to 2048 and cannot say where a record-mode number is, so we parse ourselves
 * and keep jansson for the value tree only. See docs/canonical-json.md for what is accepted.
 */
#include "canonscan.h"
#include "json_internal.h"
#include "error.h"
#include "hex.h"
#include "claimtrail/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest member path quoted in a record-mode error; longer paths are cut with "...". */
#define PATH_MAX_TEXT 200

/* One level of the path from the root to the value being parsed, kept on the C stack. */
typedef struct path_frame {
	const struct path_frame *parent;
	const char *key; /* member name, or NULL for an array element */
	size_t index;
} path_frame;

typedef struct {
	const uint8_t *data;
	size_t len;
	size_t pos;
	size_t line;
	size_t col; /* column of data[pos], counting characters (not bytes) from 1 */
	ct_json_mode mode;
	ct_buf scratch; /* decoded string being built */
} parser;

static void advance(parser *p, size_t n)
{
	while (n-- > 0 && p->pos < p->len) {
		uint8_t c = p->data[p->pos++];
		if (c == '\n') {
			p->line++;
			p->col = 1;
		} else if ((c & 0xC0) != 0x80) {
			p->col++;
		}
	}
}

/* Sets "line L, column C: <what>" for the position (line, col). */
static int fail_at(size_t line, size_t col, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int fail_at(size_t line, size_t col, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap); /* a cut message is still a message */
	va_end(ap);
	return ct_error_set(CT_EINVALID, "line %zu, column %zu: %s", line, col, what);
}

/* Describes the byte at the current position for an error: 'x', byte 0xff, or end of input. */
static int fail_unexpected(parser *p, const char *expected)
{
	uint8_t c;

	if (p->pos >= p->len)
		return fail_at(p->line, p->col, "unexpected end of input, expected %s", expected);
	c = p->data[p->pos];
	if (c >= 0x21 && c < 0x7F)
		return fail_at(
			p->line, p->col, "unexpected character '%c', expected %s", c, expected);
	return fail_at(p->line, p->col, "unexpected byte 0x%02x, expected %s", c, expected);
}

static void skip_ws(parser *p)
{
	while (p->pos < p->len) {
		uint8_t c = p->data[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		advance(p, 1);
	}
}

/* Writes the member path ("quantity.amount", "items[2].id") of frame into out. */
static void path_text(char *out, size_t size, const path_frame *frame)
{
	const path_frame *chain[CT_JSON_MAX_DEPTH + 1];
	size_t n = 0;
	size_t used = 0;
	int w;

	out[0] = '\0';
	for (; frame && n < CT_JSON_MAX_DEPTH + 1; frame = frame->parent)
		chain[n++] = frame;
	while (n-- > 0) {
		const path_frame *f = chain[n];
		if (f->key)
			w = snprintf(out + used, size - used, "%s%s", used ? "." : "", f->key);
		else
			w = snprintf(out + used, size - used, "[%zu]", f->index);
		if (w < 0 || (size_t)w >= size - used) {
			/* Cut: end with "..." so the reader sees the path is incomplete. */
			if (size >= 4)
				memcpy(out + size - 4, "...", 4);
			return;
		}
		used += (size_t)w;
	}
}

static int put_utf8(ct_buf *buf, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return ct_buf_put(buf, b, n);
}

/* Reads the four hex digits after "\u" at data[pos]; returns -1 when they are not hex. */
static long hex4(const parser *p, size_t pos)
{
	long v = 0;
	size_t i;

	if (pos > p->len || p->len - pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int d = ct__hex_value(p->data[pos + i], 1);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Parses the string at the current '"' into p->scratch (NUL-terminated, no NUL inside). */
static int parse_string(parser *p)
{
	int error = 0;

	ct_buf_clear(&p->scratch);
	if ((error = ct_buf_put(&p->scratch, "", 0)) < 0)
		return error;
	advance(p, 1); /* the opening quote */
	for (;;) {
		size_t line = p->line, col = p->col;
		uint8_t c;
		uint32_t cp;
		size_t n;

		if (p->pos >= p->len)
			return fail_at(line, col, "unexpected end of input in a string");
		c = p->data[p->pos];
		if (c == '"') {
			advance(p, 1);
			return 0;
		}
		if (c < 0x20)
			return fail_at(line, col,
				"control character 0x%02x in a string (must be "
				"escaped)",
				c);
		if (c != '\\') {
			/* a run of characters that stand for themselves, copied at once */
			size_t run = p->pos;
			do {
				if ((n = ct__utf8_decode(p->data + p->pos, p->len - p->pos, &cp)) ==
					0)
					return fail_at(p->line, p->col,
						"invalid UTF-8 in a string (byte 0x%02x)", c);
				p->pos += n; /* no newline in a run: one column a character */
				p->col++;
			} while (p->pos < p->len && (c = p->data[p->pos]) != '"' && c != '\\' &&
				c >= 0x20);
			if ((error = ct_buf_put(&p->scratch, p->data + run, p->pos - run)) < 0)
				return error;
			continue;
		}
		if (p->pos + 1 >= p->len)
			return fail_at(line, col, "unexpected end of input in a string");
		c = p->data[p->pos + 1];
		switch (c) {
		case '"':
		case '\\':
		case '/': error = ct_buf_putc(&p->scratch, (char)c); break;
		case 'b': error = ct_buf_putc(&p->scratch, '\b'); break;
		case 'f': error = ct_buf_putc(&p->scratch, '\f'); break;
		case 'n': error = ct_buf_putc(&p->scratch, '\n'); break;
		case 'r': error = ct_buf_putc(&p->scratch, '\r'); break;
		case 't': error = ct_buf_putc(&p->scratch, '\t'); break;
		case 'u': {
			long hi = hex4(p, p->pos + 2), lo;

			if (hi < 0)
				return fail_at(
					line, col, "invalid \\u escape (four hex digits needed)");
			if (hi == 0)
				return fail_at(line, col, "\\u0000 is not allowed in a string");
			if (hi >= 0xDC00 && hi <= 0xDFFF)
				return fail_at(
					line, col, "lone surrogate \\u%04lx in a string", hi);
			if (hi >= 0xD800 && hi <= 0xDBFF) {
				if (p->pos + 8 > p->len || p->data[p->pos + 6] != '\\' ||
					p->data[p->pos + 7] != 'u' ||
					(lo = hex4(p, p->pos + 8)) < 0xDC00 || lo > 0xDFFF)
					return fail_at(line, col,
						"lone surrogate \\u%04lx in a string", hi);
				cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) +
					((uint32_t)lo - 0xDC00);
				advance(p, 6); /* the second escape is consumed below */
			} else {
				cp = (uint32_t)hi;
			}
			if ((error = put_utf8(&p->scratch, cp)) < 0)
				return error;
			advance(p, 4); /* the hex digits; "\u" is consumed below */
			break;
		}
		default:
			if (c >= 0x21 && c < 0x7F)
				return fail_at(line, col, "invalid escape '\\%c' in a string", c);
			return fail_at(line, col, "invalid escape in a string");
		}
		if (error < 0)
			return error;
		advance(p, 2);
	}
}

static int parse_number(json_t **out, parser *p, const path_frame *frame)
{
	size_t line = p->line, col = p->col;
	size_t start = p->pos, end = p->pos;
	const uint8_t *d = p->data;
	int integral = 1;
	char path[PATH_MAX_TEXT];
	char stackbuf[64];
	char *text = stackbuf;
	size_t n;
	int error = 0;

	/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	if (end < p->len && d[end] == '-')
		end++;
	if (end < p->len && d[end] == '0') {
		end++;
	} else if (end < p->len && d[end] >= '1' && d[end] <= '9') {
		while (end < p->len && d[end] >= '0' && d[end] <= '9')
			end++;
	} else {
		advance(p, end - start);
		return fail_unexpected(p, "a digit");
	}
	if (end < p->len && d[end] == '.') {
		integral = 0;
		end++;
		if (end >= p->len || d[end] < '0' || d[end] > '9') {
			advance(p, end - start);
			return fail_unexpected(p, "a digit after '.'");
		}
		while (end < p->len && d[end] >= '0' && d[end] <= '9')
			end++;
	}
	if (end < p->len && (d[end] == 'e' || d[end] == 'E')) {
		integral = 0;
		end++;
		if (end < p->len && (d[end] == '+' || d[end] == '-'))
			end++;
		if (end >= p->len || d[end] < '0' || d[end] > '9') {
			advance(p, end - start);
			return fail_unexpected(p, "a digit in the exponent");
		}
		while (end < p->len && d[end] >= '0' && d[end] <= '9')
			end++;
	}
	n = end - start;
	if (n >= sizeof(stackbuf) && !(text = malloc(n + 1)))
		return ct__oom();
	memcpy(text, d + start, n);
	text[n] = '\0';

	if (p->mode == CT_JSON_RECORD) {
		/* Integers only, and only those a double holds exactly, so that every reader of a
		 * signed record (JavaScript included) sees the same value. */
		const char *digits = text[0] == '-' ? text + 1 : text;
		long long v = 0;
		size_t i;

		if (!integral) {
			path_text(path, sizeof(path), frame);
			error = fail_at(line, col,
				"member \"%s\": number %.40s%s is not an integer", path, text,
				n > 40 ? "..." : "");
			goto done;
		}
		for (i = 0; digits[i]; i++) {
			v = v * 10 + (digits[i] - '0');
			if (v > CT_JSON_MAX_SAFE_INT) {
				path_text(path, sizeof(path), frame);
				error = fail_at(line, col,
					"member \"%s\": integer %.40s%s is outside "
					"+-(2^53-1)",
					path, text, n > 40 ? "..." : "");
				goto done;
			}
		}
		*out = json_integer(text[0] == '-' ? -v : v);
	} else {
		double v;
		char *stop = NULL;

		errno = 0;
		v = strtod(text, &stop);
		if (stop != text + n) {
			/* Cannot happen with the grammar above in the C locale; refuse if it does. */
			error = fail_at(line, col, "number %.40s is not understood", text);
			goto done;
		}
		if (errno == ERANGE && isinf(v)) {
			error = fail_at(line, col, "number %.40s%s overflows a double", text,
				n > 40 ? "..." : "");
			goto done;
		}
		*out = json_real(v);
	}
	if (!*out)
		error = ct__oom();
	else
		advance(p, n);
done:
	if (text != stackbuf)
		free(text);
	return error;
}

static int parse_value(json_t **out, parser *p, size_t depth, const path_frame *frame);

static int parse_array(json_t **out, parser *p, size_t depth, const path_frame *frame)
{
	json_t *arr = json_array();
	json_t *item = NULL;
	path_frame here = {frame, NULL, 0};
	int error = 0;

	if (!arr)
		return ct__oom();
	advance(p, 1);
	skip_ws(p);
	if (p->pos < p->len && p->data[p->pos] == ']') {
		advance(p, 1);
		goto done;
	}
	for (;;) {
		here.index = json_array_size(arr);
		if ((error = parse_value(&item, p, depth, &here)) < 0)
			goto done;
		if (json_array_append_new(arr, item) < 0) {
			error = ct__oom();
			goto done;
		}
		skip_ws(p);
		if (p->pos < p->len && p->data[p->pos] == ',') {
			advance(p, 1);
			continue;
		}
		if (p->pos < p->len && p->data[p->pos] == ']') {
			advance(p, 1);
			break;
		}
		error = fail_unexpected(p, "',' or ']' in an array");
		goto done;
	}
done:
	if (error < 0)
		json_decref(arr);
	else
		*out = arr;
	return error;
}

static int parse_object(json_t **out, parser *p, size_t depth, const path_frame *frame)
{
	json_t *obj = json_object();
	json_t *item = NULL;
	ct_buf key = CT_BUF_INIT; /* the member name, while its value is parsed */
	path_frame here = {frame, NULL, 0};
	int error = 0;

	if (!obj)
		return ct__oom();
	advance(p, 1);
	skip_ws(p);
	if (p->pos < p->len && p->data[p->pos] == '}') {
		advance(p, 1);
		goto done;
	}
	for (;;) {
		size_t line = p->line, col = p->col;

		if (p->pos >= p->len || p->data[p->pos] != '"') {
			error = fail_unexpected(p, "'\"' to start a member name");
			goto done;
		}
		if ((error = parse_string(p)) < 0)
			goto done;
		if (json_object_get(obj, p->scratch.ptr)) {
			error = fail_at(
				line, col, "duplicate object key \"%.200s\"", p->scratch.ptr);
			goto done;
		}
		ct_buf_clear(&key);
		if ((error = ct_buf_put(&key, p->scratch.ptr, p->scratch.len)) < 0)
			goto done;
		skip_ws(p);
		if (p->pos >= p->len || p->data[p->pos] != ':') {
			error = fail_unexpected(p, "':' after a member name");
			goto done;
		}
		advance(p, 1);
		here.key = key.ptr;
		if ((error = parse_value(&item, p, depth, &here)) < 0)
			goto done;
		/* Keys were checked: valid UTF-8 without NUL. */
		if (json_object_set_new_nocheck(obj, key.ptr, item) < 0) {
			error = ct__oom();
			goto done;
		}
		skip_ws(p);
		if (p->pos < p->len && p->data[p->pos] == ',') {
			advance(p, 1);
			skip_ws(p);
			continue;
		}
		if (p->pos < p->len && p->data[p->pos] == '}') {
			advance(p, 1);
			break;
		}
		error = fail_unexpected(p, "',' or '}' in an object");
		goto done;
	}
done:
	ct_buf_free(&key);
	if (error < 0)
		json_decref(obj);
	else
		*out = obj;
	return error;
}

static int parse_literal(json_t **out, parser *p, const char *word, json_t *value)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->data + p->pos, word, n) != 0) {
		json_decref(value);
		return fail_unexpected(p, "a JSON value");
	}
	advance(p, n);
	*out = value;
	return 0;
}

/* depth is the number of arrays and objects around this value; the recursion is bounded by
 * CT_JSON_MAX_DEPTH, so hostile input cannot exhaust the stack. */
static int parse_value(json_t **out, parser *p, size_t depth, const path_frame *frame)
{
	uint8_t c;
	int error;

	skip_ws(p);
	if (p->pos >= p->len)
		return fail_unexpected(p, "a JSON value");
	c = p->data[p->pos];
	switch (c) {
	case '{':
	case '[':
		if (depth + 1 > CT_JSON_MAX_DEPTH)
			return fail_at(p->line, p->col, "nesting deeper than %d arrays and objects",
				CT_JSON_MAX_DEPTH);
		return c == '{' ? parse_object(out, p, depth + 1, frame)
				: parse_array(out, p, depth + 1, frame);
	case '"':
		if ((error = parse_string(p)) < 0)
			return error;
		/* Checked: valid UTF-8 without NUL. */
		if (!(*out = json_stringn_nocheck(p->scratch.ptr, p->scratch.len)))
			return ct__oom();
		return 0;
	case 't': return parse_literal(out, p, "true", json_true());
	case 'f': return parse_literal(out, p, "false", json_false());
	case 'n': return parse_literal(out, p, "null", json_null());
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(out, p, frame);
		return fail_unexpected(p, "a JSON value");
	}
}

int ct_json_parse(json_t **out, const uint8_t *data, size_t len, ct_json_mode mode)
{
	parser p;
	json_t *value = NULL;
	int error = 0;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.data = data;
	p.len = data ? len : 0;
	p.line = 1;
	p.col = 1;
	p.mode = mode;

	skip_ws(&p);
	if (mode == CT_JSON_RECORD && (p.pos >= p.len || p.data[p.pos] != '{')) {
		error = fail_at(p.line, p.col, "a record must be a JSON object");
		goto done;
	}
	if ((error = parse_value(&value, &p, 0, NULL)) < 0)
		goto done;
	skip_ws(&p);
	if (p.pos < p.len) {
		error = fail_unexpected(&p, "the end of input after the JSON value");
		goto done;
	}
	*out = value;
	value = NULL;
done:
	json_decref(value);
	ct_buf_free(&p.scratch);
	return error;
}

/* ---- Serialization ---------------------------------------------------------------------- */

int ct_json_format_number(ct_buf *out, double d)
{
	char buf[40];
	char digits[20];
	size_t k = 0;
	int exp10 = 0; /* d = 0.digits * 10^n with n = exp10 + 1 */
	int n;
	int prec;
	int w;
	int error = 0;
	const char *p;

	if (isnan(d) || isinf(d))
		return ct_error_set(CT_EINVALID, "%s cannot be represented in JSON",
			isnan(d) ? "NaN" : "an infinite number");
	if (d == 0)
		return ct_buf_putc(out, '0'); /* -0 too, as in ES6 */
	if (d < 0) {
		if ((error = ct_buf_putc(out, '-')) < 0)
			return error;
		d = -d;
	}

	/* The shortest digit string that reads back as d: the correctly rounded one at each
	 * precision, and when it falls below d also the next one up, because just above a power
	 * of two the gap to the next double is twice the gap below and only the upper neighbour
	 * may round-trip. 17 digits always do. */
	for (prec = 0; prec <= 16; prec++) {
		char up[40];

		w = snprintf(buf, sizeof(buf), "%.*e", prec, d);
		if (w < 0 || (size_t)w >= sizeof(buf))
			return ct_error_set(CT_EINVALID, "cannot format number");
		if (strtod(buf, NULL) == d)
			break;
		if (strtod(buf, NULL) < d) {
			/* Increment the last mantissa digit of buf (no carry past the first digit). */
			char *e = strchr(buf, 'e');
			char *q;

			memcpy(up, buf, (size_t)w + 1);
			q = up + (e - buf) - 1;
			while (q >= up && (*q == '9' || *q == '.')) {
				if (*q == '9')
					*q = '0';
				q--;
			}
			if (q >= up) {
				(*q)++;
				if (strtod(up, NULL) == d) {
					memcpy(buf, up, (size_t)w + 1);
					break;
				}
			}
		}
	}
	/* buf is "D.DDDDe[+-]XX" (or "De[+-]XX"): split into digits and exponent. */
	for (p = buf; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && k < sizeof(digits))
			digits[k++] = *p;
	if (*p != 'e')
		return ct_error_set(CT_EINVALID, "cannot format number");
	exp10 = (int)strtol(p + 1, NULL, 10);
	while (k > 1 && digits[k - 1] == '0')
		k--;
	n = exp10 + 1;

	if ((int)k <= n && n <= 21) {
		/* Integer: the digits then n - k zeros. */
		if ((error = ct_buf_put(out, digits, k)) < 0)
			return error;
		for (w = 0; w < n - (int)k && error == 0; w++)
			error = ct_buf_putc(out, '0');
	} else if (0 < n && n <= 21) {
		/* Decimal point inside the digits. */
		if ((error = ct_buf_put(out, digits, (size_t)n)) == 0 &&
			(error = ct_buf_putc(out, '.')) == 0)
			error = ct_buf_put(out, digits + n, k - (size_t)n);
	} else if (-6 < n && n <= 0) {
		/* "0.", -n zeros, the digits. */
		error = ct_buf_put(out, "0.", 2);
		for (w = 0; w < -n && error == 0; w++)
			error = ct_buf_putc(out, '0');
		if (error == 0)
			error = ct_buf_put(out, digits, k);
	} else {
		/* Exponent form: "1e+21", "1.5e-7". */
		if ((error = ct_buf_putc(out, digits[0])) == 0 && k > 1 &&
			(error = ct_buf_putc(out, '.')) == 0)
			error = ct_buf_put(out, digits + 1, k - 1);
		if (error == 0)
			error = ct_buf_printf(out, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
	return error;
}

/* RFC 8785 section 3.2.2.2: escape only '"', '\\' and the control characters. */
static int canon_string(ct_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	size_t run = 0; /* start of the bytes not yet copied */
	int error = 0;

	if ((error = ct_buf_putc(out, '"')) < 0)
		return error;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((error = ct_buf_put(out, s + run, i - run)) < 0)
			return error;
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
			break;
		}
		if ((error = ct_buf_put(out, esc, n)) < 0)
			return error;
	}
	if ((error = ct_buf_put(out, s + run, len - run)) < 0)
		return error;
	return ct_buf_putc(out, '"');
}

/* Reads UTF-8 as a sequence of UTF-16 code units, for RFC 8785 key order. */
typedef struct {
	const uint8_t *s;
	size_t len;
	size_t pos;
	uint16_t pending; /* low surrogate still to deliver, or 0 */
} u16_reader;

/* Returns the next code unit, or -1 at the end. Bytes that are not valid UTF-8 (possible only
 * in values built without jansson's checks) sort as themselves. */
static long u16_next(u16_reader *r)
{
	uint32_t cp;
	size_t n;

	if (r->pending) {
		long u = r->pending;
		r->pending = 0;
		return u;
	}
	if (r->pos >= r->len)
		return -1;
	if ((n = ct__utf8_decode(r->s + r->pos, r->len - r->pos, &cp)) == 0) {
		cp = r->s[r->pos];
		n = 1;
	}
	r->pos += n;
	if (cp < 0x10000)
		return (long)cp;
	cp -= 0x10000;
	r->pending = (uint16_t)(0xDC00 + (cp & 0x3FF));
	return (long)(0xD800 + (cp >> 10));
}

typedef struct {
	const char *key;
	size_t len;
	json_t *value;
} member;

static int member_cmp(const void *a, const void *b)
{
	const member *ma = a, *mb = b;
	u16_reader ra = {(const uint8_t *)ma->key, ma->len, 0, 0};
	u16_reader rb = {(const uint8_t *)mb->key, mb->len, 0, 0};

	for (;;) {
		long ua = u16_next(&ra), ub = u16_next(&rb);
		if (ua != ub)
			return ua < ub ? -1 : 1;
		if (ua < 0)
			return 0;
	}
}

static int canon_value(ct_buf *out, const json_t *value, size_t depth);

/* obj's members sorted, each written canonically; the member named omit (may be NULL) left out. */
static int canon_object(ct_buf *out, const json_t *obj, size_t depth, const char *omit)
{
	size_t count = json_object_size(obj);
	member *members = NULL;
	size_t i = 0;
	void *it;
	int error = 0;

	if (count > 0 && !(members = calloc(count, sizeof(*members))))
		return ct__oom();
	for (it = json_object_iter((json_t *)obj); it && i < count;
		it = json_object_iter_next((json_t *)obj, it)) {
		members[i].key = json_object_iter_key(it);
#if JANSSON_VERSION_HEX >= 0x020e00
		members[i].len = json_object_iter_key_len(it);
#else
		members[i].len = strlen(members[i].key);
#endif
		members[i].value = json_object_iter_value(it);
		if (omit && members[i].len == strlen(omit) &&
			memcmp(members[i].key, omit, members[i].len) == 0)
			continue;
		i++;
	}
	count = i;
	if (count > 1)
		qsort(members, count, sizeof(*members), member_cmp);
	if ((error = ct_buf_putc(out, '{')) < 0)
		goto done;
	for (i = 0; i < count; i++) {
		if (i > 0 && (error = ct_buf_putc(out, ',')) < 0)
			goto done;
		if ((error = canon_string(out, members[i].key, members[i].len)) < 0 ||
			(error = ct_buf_putc(out, ':')) < 0 ||
			(error = canon_value(out, members[i].value, depth)) < 0)
			goto done;
	}
	error = ct_buf_putc(out, '}');
done:
	free(members);
	return error;
}

/* Bounded like the parser: a value built in code may nest deeper, or even contain itself. */
static int canon_value(ct_buf *out, const json_t *value, size_t depth)
{
	size_t i;
	int error = 0;

	if (!value)
		return ct_error_set(CT_EINVALID, "cannot canonicalize a missing value");
	switch (json_typeof(value)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth + 1 > CT_JSON_MAX_DEPTH)
			return ct_error_set(CT_EINVALID,
				"nesting deeper than %d arrays and objects", CT_JSON_MAX_DEPTH);
		if (json_is_object(value))
			return canon_object(out, value, depth + 1, NULL);
		if ((error = ct_buf_putc(out, '[')) < 0)
			return error;
		for (i = 0; i < json_array_size(value); i++) {
			if (i > 0 && (error = ct_buf_putc(out, ',')) < 0)
				return error;
			if ((error = canon_value(out, json_array_get(value, i), depth + 1)) < 0)
				return error;
		}
		return ct_buf_putc(out, ']');
	case JSON_STRING:
		return canon_string(out, json_string_value(value), json_string_length(value));
	case JSON_INTEGER: {
		json_int_t v = json_integer_value(value);

		/* Exact up to 2^53; beyond, what a double (and so every JCS implementation) makes
		 * of it. */
		if (v >= -(CT_JSON_MAX_SAFE_INT + 1) && v <= CT_JSON_MAX_SAFE_INT + 1)
			return ct_buf_printf(out, "%lld", (long long)v);
		return ct_json_format_number(out, (double)v);
	}
	case JSON_REAL: return ct_json_format_number(out, json_real_value(value));
	case JSON_TRUE: return ct_buf_puts(out, "true");
	case JSON_FALSE: return ct_buf_puts(out, "false");
	case JSON_NULL: return ct_buf_puts(out, "null");
	}
	return ct_error_set(CT_EINVALID, "unknown JSON value type");
}

int ct_json_canon(ct_buf *out, const json_t *value)
{
	size_t mark = out->len;
	int error;

	if ((error = canon_value(out, value, 0)) < 0 && out->ptr) {
		/* Leave the buffer as it was: no half-written canonical form. */
		ct_buf_truncate(out, mark);
	}
	return error;
}

int ct__json_canon_omit(ct_buf *out, const json_t *obj, const char *omit)
{
	size_t mark = out->len;
	int error;

	if (!json_is_object(obj))
		return ct_error_set(CT_EINVALID, "cannot canonicalize a missing object");
	if ((error = canon_object(out, obj, 1, omit)) < 0 && out->ptr)
		ct_buf_truncate(out, mark);
	return error;
}

int ct_json_canon_text(ct_buf *out, const uint8_t *data, size_t len)
{
	json_t *value = NULL;
	int error;

	if ((error = ct_json_parse(&value, data, len, CT_JSON_TEXT)) < 0)
		goto done;
	error = ct_json_canon(out, value);
done:
	json_decref(value);
	return error;
}
