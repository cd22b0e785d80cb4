/*
 * Diffs: words of two texts, two revisions of a claim or source field by field, RFC 6902 JSON
 * Patch (generating and applying, with RFC 6901 pointers), and a store between two git
 * revisions. Formats: docs/diff.md.
 */
#include "claimtrail/diff.h"
#include "store_internal.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(void)
{
	return ct_error_set(CT_ENOMEM, "out of memory");
}

/* Sets obj[key] to value (stolen; NULL stores JSON null). */
static int jset(json_t *obj, const char *key, json_t *value)
{
	if (!value)
		value = json_null();
	if (json_object_set_new(obj, key, value) < 0)
		return oom();
	return 0;
}

static int jappend(json_t *arr, json_t *value)
{
	if (!value || json_array_append_new(arr, value) < 0)
		return oom();
	return 0;
}

/* ---- word diff ---- */

const char *ct_diff_op_name(ct_diff_op op)
{
	switch (op) {
	case CT_DIFF_DELETE: return "delete";
	case CT_DIFF_INSERT: return "insert";
	default: return "equal";
	}
}

struct ct_text_diff {
	ct_diff_hunk *hunks;
	size_t count;
	size_t cap;
	ct_diff_granularity granularity;
};

typedef struct {
	size_t off;
	size_t len;
	uint32_t hash;
	int space; /* the token is whitespace */
} token;

typedef struct {
	token *t;
	size_t n;
	size_t cap;
} token_list;

enum { C_SPACE, C_PUNCT, C_WORD };

/* Decodes one UTF-8 sequence; an invalid byte decodes as U+FFFD of length 1. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n = ct__utf8_decode(s, len, cp);

	if (n == 0) {
		*cp = 0xfffd;
		n = 1;
	}
	return n;
}

static int char_class(uint32_t cp)
{
	if (cp < 0x80) {
		if (cp == ' ' || (cp >= '\t' && cp <= '\r'))
			return C_SPACE;
		return isalnum((int)cp) ? C_WORD : C_PUNCT;
	}
	if (cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
		cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000)
		return C_SPACE;
	if (cp == 0xa1 || cp == 0xab || cp == 0xbb || cp == 0xbf || (cp >= 0x2010 && cp <= 0x2027) ||
		(cp >= 0x2030 && cp <= 0x205e) || (cp >= 0x3001 && cp <= 0x3003) ||
		(cp >= 0x3008 && cp <= 0x3011))
		return C_PUNCT;
	return C_WORD;
}

static int push_token(token_list *l, const char *s, size_t off, size_t len, int space)
{
	uint32_t h = 2166136261u;
	size_t i;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		token *t = realloc(l->t, ncap * sizeof(*t));
		if (!t)
			return oom();
		l->t = t;
		l->cap = ncap;
	}
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[off + i]) * 16777619u;
	l->t[l->n].off = off;
	l->t[l->n].len = len;
	l->t[l->n].hash = h;
	l->t[l->n].space = space;
	l->n++;
	return 0;
}

/* Whether the character at i (a ',' '.' or apostrophe) joins the word before it to the next. */
static int joins(const unsigned char *s, size_t len, size_t i, size_t clen, uint32_t cp)
{
	uint32_t next;

	if (i == 0 || i + clen >= len)
		return 0;
	if (cp == ',' || cp == '.')
		return isdigit(s[i - 1]) && isdigit(s[i + clen]);
	if (cp == '\'' || cp == 0x2019) {
		utf8_next(s + i + clen, len - i - clen, &next);
		return char_class(next) == C_WORD;
	}
	return 0;
}

static int tokenize_words(token_list *l, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	int error;

	while (i < len) {
		uint32_t cp;
		size_t start = i, n = utf8_next(s + i, len - i, &cp);
		int cls = char_class(cp);

		i += n;
		if (cls == C_SPACE) {
			while (i < len && (n = utf8_next(s + i, len - i, &cp), char_class(cp) == C_SPACE))
				i += n;
		} else if (cls == C_WORD) {
			while (i < len) {
				n = utf8_next(s + i, len - i, &cp);
				if (char_class(cp) != C_WORD && !joins(s, len, i, n, cp))
					break;
				i += n;
			}
		}
		if ((error = push_token(l, text, start, i - start, cls == C_SPACE)) < 0)
			return error;
	}
	return 0;
}

static int tokenize_lines(token_list *l, const char *text, size_t len)
{
	size_t i = 0;
	int error;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		if ((error = push_token(l, text, i, end - i, 0)) < 0)
			return error;
		i = end;
	}
	return 0;
}

static int same_token(const char *a, const token *x, const char *b, const token *y)
{
	return x->hash == y->hash && x->len == y->len && memcmp(a + x->off, b + y->off, x->len) == 0;
}

/* A stretch of both texts: equal, or changed (a's bytes deleted, b's inserted). */
typedef struct {
	int equal;
	size_t a0, a1, b0, b1; /* byte ranges */
	int blank;             /* an equal stretch of whitespace only */
} stretch;

typedef struct {
	stretch *s;
	size_t n;
	size_t cap;
} stretch_list;

static int push_stretch(stretch_list *l, int equal, size_t a0, size_t a1, size_t b0, size_t b1,
	int blank)
{
	if (a0 == a1 && b0 == b1)
		return 0;
	/* a stretch of the same kind as the last one extends it (changes are never blank) */
	if (l->n > 0 && l->s[l->n - 1].equal == equal) {
		stretch *last = &l->s[l->n - 1];
		last->a1 = a1;
		last->b1 = b1;
		last->blank = last->blank && blank;
		return 0;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		stretch *s = realloc(l->s, ncap * sizeof(*s));
		if (!s)
			return oom();
		l->s = s;
		l->cap = ncap;
	}
	l->s[l->n].equal = equal;
	l->s[l->n].a0 = a0;
	l->s[l->n].a1 = a1;
	l->s[l->n].b0 = b0;
	l->s[l->n].b1 = b1;
	l->s[l->n].blank = blank;
	l->n++;
	return 0;
}

/* Byte offset where token i starts (the text's end when i == n). */
static size_t tok_start(const token_list *l, size_t i, size_t textlen)
{
	return i < l->n ? l->t[i].off : textlen;
}

/*
 * Diffs the token lists into stretches. Returns 1 (nothing done) when the middle left after
 * trimming the common start and end needs more than CT_DIFF_MAX_CELLS cells and !force; with
 * force, such a middle becomes one changed stretch.
 */
static int diff_tokens(stretch_list *out, const char *a, size_t alen, const token_list *ta,
	const char *b, size_t blen, const token_list *tb, int force)
{
	size_t p = 0, s = 0, n, m, i, j;
	uint32_t *L = NULL;
	int error = 0;

	while (p < ta->n && p < tb->n && same_token(a, &ta->t[p], b, &tb->t[p]))
		p++;
	while (s < ta->n - p && s < tb->n - p &&
		same_token(a, &ta->t[ta->n - 1 - s], b, &tb->t[tb->n - 1 - s]))
		s++;
	n = ta->n - p - s;
	m = tb->n - p - s;
	if ((n + 1) > CT_DIFF_MAX_CELLS / (m + 1)) {
		if (!force)
			return 1;
		/* Coarsest: the middle as one change. */
		if ((error = push_stretch(out, 1, 0, tok_start(ta, p, alen), 0, tok_start(tb, p, blen),
			     0)) < 0 ||
			(error = push_stretch(out, 0, tok_start(ta, p, alen),
				 tok_start(ta, ta->n - s, alen), tok_start(tb, p, blen),
				 tok_start(tb, tb->n - s, blen), 0)) < 0 ||
			(error = push_stretch(out, 1, tok_start(ta, ta->n - s, alen), alen,
				 tok_start(tb, tb->n - s, blen), blen, 0)) < 0)
			return error;
		return 0;
	}
	if (!(L = calloc((n + 1) * (m + 1), sizeof(*L))))
		return oom();
	/* L[i][j]: the longest common subsequence of the middles from i and j on. */
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;) {
			uint32_t *c = &L[i * (m + 1) + j];
			if (same_token(a, &ta->t[p + i], b, &tb->t[p + j]))
				*c = L[(i + 1) * (m + 1) + j + 1] + 1;
			else
				*c = L[(i + 1) * (m + 1) + j] >= L[i * (m + 1) + j + 1]
					? L[(i + 1) * (m + 1) + j]
					: L[i * (m + 1) + j + 1];
		}
	for (i = 0; i < p; i++)
		if ((error = push_stretch(out, 1, ta->t[i].off, ta->t[i].off + ta->t[i].len,
			     tb->t[i].off, tb->t[i].off + tb->t[i].len, ta->t[i].space)) < 0)
			goto done;
	i = j = 0;
	while (i < n || j < m) {
		const token *x = i < n ? &ta->t[p + i] : NULL, *y = j < m ? &tb->t[p + j] : NULL;
		size_t ao = tok_start(ta, p + i, alen), bo = tok_start(tb, p + j, blen);
		if (x && y && same_token(a, x, b, y)) {
			error = push_stretch(out, 1, ao, ao + x->len, bo, bo + y->len, x->space);
			i++, j++;
		} else if (x && (!y || L[(i + 1) * (m + 1) + j] >= L[i * (m + 1) + j + 1])) {
			error = push_stretch(out, 0, ao, ao + x->len, bo, bo, 0);
			i++;
		} else {
			error = push_stretch(out, 0, ao, ao, bo, bo + y->len, 0);
			j++;
		}
		if (error < 0)
			goto done;
	}
	for (i = 0; i < s; i++) {
		const token *x = &ta->t[ta->n - s + i], *y = &tb->t[tb->n - s + i];
		if ((error = push_stretch(out, 1, x->off, x->off + x->len, y->off, y->off + y->len,
			     x->space)) < 0)
			goto done;
	}
done:
	free(L);
	return error;
}

static int add_hunk(ct_text_diff *d, ct_diff_op op, const char *text, size_t len)
{
	char *copy;

	if (len == 0)
		return 0;
	if (d->count > 0 && d->hunks[d->count - 1].op == op) {
		/* merge with the run before (only happens for adjacent equal stretches) */
		ct_diff_hunk *h = &d->hunks[d->count - 1];
		char *t = realloc((char *)h->text, h->len + len + 1);
		if (!t)
			return oom();
		memcpy(t + h->len, text, len);
		h->len += len;
		t[h->len] = '\0';
		h->text = t;
		return 0;
	}
	if (d->count == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		ct_diff_hunk *h = realloc(d->hunks, ncap * sizeof(*h));
		if (!h)
			return oom();
		d->hunks = h;
		d->cap = ncap;
	}
	if (!(copy = malloc(len + 1)))
		return oom();
	memcpy(copy, text, len);
	copy[len] = '\0';
	d->hunks[d->count].op = op;
	d->hunks[d->count].text = copy;
	d->hunks[d->count].len = len;
	d->count++;
	return 0;
}

int ct_text_diff_new(ct_text_diff **out, const char *a, size_t alen, const char *b, size_t blen)
{
	ct_text_diff *d = calloc(1, sizeof(*d));
	token_list ta = {NULL, 0, 0}, tb = {NULL, 0, 0};
	stretch_list sl = {NULL, 0, 0};
	size_t i, k;
	int error = 0, rc;

	*out = NULL;
	if (!d)
		return oom();
	if (!a)
		a = "", alen = 0;
	if (!b)
		b = "", blen = 0;
	d->granularity = CT_DIFF_WORDS;
	if ((error = tokenize_words(&ta, a, alen)) < 0 || (error = tokenize_words(&tb, b, blen)) < 0)
		goto done;
	if ((rc = diff_tokens(&sl, a, alen, &ta, b, blen, &tb, 0)) == 1) {
		d->granularity = CT_DIFF_LINES;
		ta.n = tb.n = 0;
		if ((error = tokenize_lines(&ta, a, alen)) < 0 ||
			(error = tokenize_lines(&tb, b, blen)) < 0)
			goto done;
		rc = diff_tokens(&sl, a, alen, &ta, b, blen, &tb, 0);
		if (rc == 1) {
			d->granularity = CT_DIFF_WHOLE;
			rc = diff_tokens(&sl, a, alen, &ta, b, blen, &tb, 1);
		}
	}
	if ((error = rc) < 0)
		goto done;
	/* Whitespace alone between two changes joins them: "[-a b-]{+c d+}", not
	 * "[-a-]{+c+} [-b-]{+d+}". */
	for (i = 0, k = 0; i < sl.n; i++) {
		stretch cur = sl.s[i];
		if (k >= 2 && !cur.equal && sl.s[k - 1].equal && sl.s[k - 1].blank &&
			!sl.s[k - 2].equal) {
			sl.s[k - 2].a1 = cur.a1;
			sl.s[k - 2].b1 = cur.b1;
			k--;
			continue;
		}
		sl.s[k++] = cur;
	}
	sl.n = k;
	for (i = 0; i < sl.n; i++) {
		const stretch *st = &sl.s[i];
		if (st->equal)
			error = add_hunk(d, CT_DIFF_EQUAL, a + st->a0, st->a1 - st->a0);
		else if ((error = add_hunk(d, CT_DIFF_DELETE, a + st->a0, st->a1 - st->a0)) == 0)
			error = add_hunk(d, CT_DIFF_INSERT, b + st->b0, st->b1 - st->b0);
		if (error < 0)
			goto done;
	}
	*out = d;
	d = NULL;
done:
	free(ta.t);
	free(tb.t);
	free(sl.s);
	ct_text_diff_free(d);
	return error;
}

size_t ct_text_diff_count(const ct_text_diff *diff)
{
	return diff ? diff->count : 0;
}

const ct_diff_hunk *ct_text_diff_get(const ct_text_diff *diff, size_t i)
{
	return diff && i < diff->count ? &diff->hunks[i] : NULL;
}

ct_diff_granularity ct_text_diff_granularity(const ct_text_diff *diff)
{
	return diff ? diff->granularity : CT_DIFF_WORDS;
}

int ct_text_diff_changed(const ct_text_diff *diff)
{
	size_t i;

	for (i = 0; diff && i < diff->count; i++)
		if (diff->hunks[i].op != CT_DIFF_EQUAL)
			return 1;
	return 0;
}

void ct_text_diff_free(ct_text_diff *diff)
{
	size_t i;

	if (!diff)
		return;
	for (i = 0; i < diff->count; i++)
		free((char *)diff->hunks[i].text);
	free(diff->hunks);
	free(diff);
}

int ct_text_diff_json(json_t **out, const ct_text_diff *diff)
{
	json_t *arr = json_array();
	size_t i;

	*out = NULL;
	if (!arr)
		return oom();
	for (i = 0; i < ct_text_diff_count(diff); i++) {
		const ct_diff_hunk *h = &diff->hunks[i];
		int error;
		/* the diff takes any bytes, JSON only UTF-8: jansson's NULL is not out of memory */
		if ((error = ct__utf8_check(h->text, h->len, "a text diffed as JSON")) < 0) {
			json_decref(arr);
			return error;
		}
		if (jappend(arr, json_pack("{s:s, s:s%}", "op", ct_diff_op_name(h->op), "text",
					 h->text, h->len)) < 0) {
			json_decref(arr);
			return oom();
		}
	}
	*out = arr;
	return 0;
}

/* ---- JSON Pointer and JSON Patch ---- */

int ct_json_pointer_append(ct_buf *pointer, const char *token)
{
	int error = ct_buf_putc(pointer, '/');

	for (; error == 0 && *token; token++) {
		if (*token == '~')
			error = ct_buf_puts(pointer, "~0");
		else if (*token == '/')
			error = ct_buf_puts(pointer, "~1");
		else
			error = ct_buf_putc(pointer, *token);
	}
	return error;
}

static int add_op(json_t *ops, const char *op, const ct_buf *path, const json_t *value)
{
	json_t *o = json_pack("{s:s, s:s}", "op", op, "path", path->ptr ? path->ptr : "");

	if (!o)
		return oom();
	if (value && json_object_set_new(o, "value", json_deep_copy(value)) < 0) {
		json_decref(o);
		return oom();
	}
	return jappend(ops, o);
}

static int by_string(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The keys of obj, sorted (a new array of borrowed strings, NULL when empty). */
static int sorted_keys(const char ***out, size_t *n, const json_t *obj)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	*out = NULL;
	*n = json_object_size(obj);
	if (*n == 0)
		return 0;
	if (!(*out = malloc(*n * sizeof(**out))))
		return oom();
	json_object_foreach((json_t *)obj, key, v)
		(*out)[i++] = key;
	qsort(*out, *n, sizeof(**out), by_string);
	return 0;
}

static int patch_diff(json_t *ops, ct_buf *path, const json_t *a, const json_t *b, int depth);

static int patch_object(json_t *ops, ct_buf *path, const json_t *a, const json_t *b, int depth)
{
	const char **ka = NULL, **kb = NULL;
	size_t na, nb, i, len = path->len;
	int error;

	if ((error = sorted_keys(&ka, &na, a)) < 0 || (error = sorted_keys(&kb, &nb, b)) < 0)
		goto done;
	for (i = 0; i < na && error == 0; i++)
		if (!json_object_get(b, ka[i]) &&
			(error = ct_json_pointer_append(path, ka[i])) == 0) {
			error = add_op(ops, "remove", path, NULL);
			ct_buf_truncate(path, len);
		}
	for (i = 0; i < na && error == 0; i++) {
		const json_t *vb = json_object_get(b, ka[i]);
		if (vb && (error = ct_json_pointer_append(path, ka[i])) == 0) {
			error = patch_diff(ops, path, json_object_get(a, ka[i]), vb, depth + 1);
			ct_buf_truncate(path, len);
		}
	}
	for (i = 0; i < nb && error == 0; i++)
		if (!json_object_get(a, kb[i]) &&
			(error = ct_json_pointer_append(path, kb[i])) == 0) {
			error = add_op(ops, "add", path, json_object_get(b, kb[i]));
			ct_buf_truncate(path, len);
		}
done:
	free(ka);
	free(kb);
	return error;
}

static int patch_array(json_t *ops, ct_buf *path, const json_t *a, const json_t *b, int depth)
{
	size_t na = json_array_size(a), nb = json_array_size(b), p = 0, s = 0, ma, mb, k, i;
	size_t len = path->len;
	int error = 0;

	while (p < na && p < nb && json_equal(json_array_get(a, p), json_array_get(b, p)))
		p++;
	while (s < na - p && s < nb - p &&
		json_equal(json_array_get(a, na - 1 - s), json_array_get(b, nb - 1 - s)))
		s++;
	ma = na - p - s;
	mb = nb - p - s;
	k = ma < mb ? ma : mb;
	/* Change the elements both middles have, then add b's extra ones or remove a's. */
	for (i = 0; i < (ma > mb ? ma : mb) && error == 0; i++) {
		if ((error = ct_buf_printf(path, "/%zu", p + (i < mb ? i : k))) < 0)
			break;
		if (i < k)
			error = patch_diff(ops, path, json_array_get(a, p + i), json_array_get(b, p + i),
				depth + 1);
		else if (mb > ma)
			error = add_op(ops, "add", path, json_array_get(b, p + i));
		else
			error = add_op(ops, "remove", path, NULL);
		ct_buf_truncate(path, len);
	}
	return error;
}

static int patch_diff(json_t *ops, ct_buf *path, const json_t *a, const json_t *b, int depth)
{
	if (depth > CT_JSON_MAX_DEPTH)
		return ct_error_set(CT_EINVALID, "JSON patch: nesting deeper than %d",
			CT_JSON_MAX_DEPTH);
	if (json_equal((json_t *)a, (json_t *)b))
		return 0;
	if (json_is_object(a) && json_is_object(b))
		return patch_object(ops, path, a, b, depth);
	if (json_is_array(a) && json_is_array(b))
		return patch_array(ops, path, a, b, depth);
	return add_op(ops, "replace", path, b);
}

int ct_json_patch_diff(json_t **out, const json_t *a, const json_t *b)
{
	json_t *ops = json_array();
	ct_buf path = CT_BUF_INIT;
	int error;

	*out = NULL;
	if (!ops || (error = ct_buf_puts(&path, "")) < 0) {
		json_decref(ops);
		return oom();
	}
	if ((error = patch_diff(ops, &path, a, b, 0)) < 0)
		json_decref(ops);
	else
		*out = ops;
	ct_buf_free(&path);
	return error;
}

/* One reference token of a pointer, unescaped, into tok. *p moves past it. */
static int next_token(ct_buf *tok, const char **p)
{
	const char *s = *p;

	ct_buf_clear(tok);
	if (ct_buf_puts(tok, "") < 0)
		return oom();
	for (; *s && *s != '/'; s++) {
		char c = *s;
		if (c == '~') {
			if (s[1] == '0')
				c = '~';
			else if (s[1] == '1')
				c = '/';
			else
				return ct_error_set(CT_EINVALID, "'~' not followed by 0 or 1");
			s++;
		}
		if (ct_buf_putc(tok, c) < 0)
			return oom();
	}
	*p = s;
	return 0;
}

/* An array index as RFC 6901 spells it: "0" or digits without a leading zero. */
static int parse_index(size_t *out, const char *tok, size_t size, int allow_end)
{
	size_t len = strlen(tok), i, v = 0;

	if (allow_end && strcmp(tok, "-") == 0) {
		*out = size;
		return 0;
	}
	if (len == 0 || len > 15 || (len > 1 && tok[0] == '0'))
		return ct_error_set(CT_EINVALID, "\"%.40s\" is not an array index", tok);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)tok[i]))
			return ct_error_set(CT_EINVALID, "\"%.40s\" is not an array index", tok);
		v = v * 10 + (size_t)(tok[i] - '0');
	}
	if (v > size || (!allow_end && v == size))
		return ct_error_set(CT_EINVALID, "index %zu is out of range", v);
	*out = v;
	return 0;
}

/*
 * Finds the container that holds the pointer's last token: *parent (borrowed; NULL when the
 * pointer is "", the whole document) and the last token in last.
 */
static int resolve_parent(json_t **parent, ct_buf *last, json_t *root, const char *pointer)
{
	const char *p = pointer;
	json_t *cur = root;
	int error;

	*parent = NULL;
	if (*p == '\0')
		return 0;
	if (*p != '/')
		return ct_error_set(CT_EINVALID, "a JSON pointer must be empty or start with '/'");
	for (;;) {
		p++;
		if ((error = next_token(last, &p)) < 0)
			return error;
		if (*p == '\0') {
			*parent = cur;
			return 0;
		}
		if (json_is_object(cur)) {
			cur = json_object_get(cur, last->ptr);
		} else if (json_is_array(cur)) {
			size_t i;
			if ((error = parse_index(&i, last->ptr, json_array_size(cur), 0)) < 0)
				return error;
			cur = json_array_get(cur, i);
		} else {
			cur = NULL;
		}
		if (!cur)
			return ct_error_set(CT_EINVALID, "\"%.80s\" does not exist", pointer);
	}
}

/* The value at pointer (borrowed) or NULL with an error. */
static json_t *pointer_get(json_t *root, const char *pointer)
{
	ct_buf last = CT_BUF_INIT;
	json_t *parent, *v = NULL;
	size_t i;

	if (resolve_parent(&parent, &last, root, pointer) < 0)
		goto done;
	if (!parent)
		v = root;
	else if (json_is_object(parent))
		v = json_object_get(parent, last.ptr);
	else if (json_is_array(parent) && parse_index(&i, last.ptr, json_array_size(parent), 0) == 0)
		v = json_array_get(parent, i);
	if (!v)
		ct_error_set(CT_EINVALID, "\"%.80s\" does not exist", pointer);
done:
	ct_buf_free(&last);
	return v;
}

enum { P_ADD, P_REMOVE, P_REPLACE };

/* Adds, removes or replaces at pointer in *root; value is stolen (NULL for remove). */
static int pointer_change(json_t **root, const char *pointer, json_t *value, int what)
{
	ct_buf last = CT_BUF_INIT;
	json_t *parent;
	size_t i;
	int error;

	if ((error = resolve_parent(&parent, &last, *root, pointer)) < 0)
		goto done;
	if (!parent) {
		if (what == P_REMOVE) {
			error = ct_error_set(CT_EINVALID, "cannot remove the whole document");
			goto done;
		}
		json_decref(*root);
		*root = value;
		value = NULL;
	} else if (json_is_object(parent)) {
		if (what != P_ADD && !json_object_get(parent, last.ptr)) {
			error = ct_error_set(CT_EINVALID, "\"%.80s\" does not exist", pointer);
			goto done;
		}
		if (what == P_REMOVE)
			error = json_object_del(parent, last.ptr) < 0 ? oom() : 0;
		else
			error = json_object_set_new(parent, last.ptr, value) < 0 ? oom() : 0;
		value = NULL;
	} else if (json_is_array(parent)) {
		if ((error = parse_index(&i, last.ptr, json_array_size(parent), what == P_ADD)) < 0)
			goto done;
		if (what == P_REMOVE)
			error = json_array_remove(parent, i) < 0 ? oom() : 0;
		else if (what == P_REPLACE)
			error = json_array_set_new(parent, i, value) < 0 ? oom() : 0;
		else
			error = json_array_insert_new(parent, i, value) < 0 ? oom() : 0;
		value = NULL;
	} else {
		error = ct_error_set(CT_EINVALID, "the parent of \"%.80s\" is not a container",
			pointer);
	}
done:
	json_decref(value);
	ct_buf_free(&last);
	return error;
}

static int apply_one(json_t **root, const json_t *op)
{
	const char *name = json_string_value(json_object_get(op, "op"));
	const char *path = json_string_value(json_object_get(op, "path"));
	const char *from = json_string_value(json_object_get(op, "from"));
	json_t *value = json_object_get(op, "value");
	json_t *v;
	size_t flen;

	if (!name || !path)
		return ct_error_set(CT_EINVALID, "needs \"op\" and \"path\" strings");
	if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
		if (!value)
			return ct_error_set(CT_EINVALID, "needs a \"value\"");
		return pointer_change(root, path, json_deep_copy(value),
			name[0] == 'a' ? P_ADD : P_REPLACE);
	}
	if (strcmp(name, "remove") == 0)
		return pointer_change(root, path, NULL, P_REMOVE);
	if (strcmp(name, "test") == 0) {
		if (!value)
			return ct_error_set(CT_EINVALID, "needs a \"value\"");
		if (!(v = pointer_get(*root, path)))
			return ct_error_last_code();
		return json_equal(v, value) ? 0 : ct_error_set(CT_EINVALID, "test failed");
	}
	if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		int error;
		if (!from)
			return ct_error_set(CT_EINVALID, "needs a \"from\" string");
		flen = strlen(from);
		if (name[0] == 'm' && strncmp(path, from, flen) == 0 && path[flen] == '/')
			return ct_error_set(CT_EINVALID, "cannot move a value into itself");
		if (!(v = pointer_get(*root, from)))
			return ct_error_last_code();
		if (!(v = json_deep_copy(v)))
			return oom();
		if (name[0] == 'm' && strcmp(path, from) != 0 &&
			(error = pointer_change(root, from, NULL, P_REMOVE)) < 0) {
			json_decref(v);
			return error;
		}
		if (name[0] == 'm' && strcmp(path, from) == 0) {
			json_decref(v);
			return 0;
		}
		return pointer_change(root, path, v, P_ADD);
	}
	return ct_error_set(CT_EINVALID, "unknown operation \"%.20s\"", name);
}

int ct_json_patch_apply(json_t **out, const json_t *doc, const json_t *patch)
{
	json_t *root = NULL;
	size_t i;
	int error = 0;

	*out = NULL;
	if (!json_is_array(patch))
		return ct_error_set(CT_EINVALID, "a JSON patch must be an array of operations");
	if (!(root = json_deep_copy(doc)))
		return oom();
	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *op = json_array_get(patch, i);
		if (!json_is_object(op)) {
			error = ct_error_set(CT_EINVALID, "JSON patch operation %zu is not an object", i);
			goto done;
		}
		if ((error = apply_one(&root, op)) < 0) {
			error = ct_error_prefix(error, "JSON patch operation %zu (%s %.80s)", i,
				json_string_value(json_object_get(op, "op")) ?
					json_string_value(json_object_get(op, "op")) : "?",
				json_string_value(json_object_get(op, "path")) ?
					json_string_value(json_object_get(op, "path")) : "?");
			goto done;
		}
	}
	*out = root;
	root = NULL;
done:
	json_decref(root);
	return error;
}

/* ---- revision diffs ---- */

typedef struct {
	const char *field;  /* as reported */
	const char *parent; /* the object holding it, or NULL */
	const char *member;
	int text;           /* word diff */
} field_spec;

static const field_spec claim_fields[] = {
	{"statement", NULL, "statement", 1},
	{"attribution.quote", "attribution", "quote", 1},
	{"attribution.source", "attribution", "source", 0},
	{"attribution.source_revision", "attribution", "source_revision", 0},
	{"attribution.location", "attribution", "location", 0},
	{"quantity.amount", "quantity", "amount", 0},
	{"quantity.unit", "quantity", "unit", 0},
	{"quantity.qualifier", "quantity", "qualifier", 0},
	{"tags", NULL, "tags", 0},
	{"retracted", NULL, "retracted", 0},
	{NULL, NULL, NULL, 0},
};

static const field_spec source_fields[] = {
	{"title", NULL, "title", 1},
	{"publisher", NULL, "publisher", 0},
	{"authors", NULL, "authors", 0},
	{"url", NULL, "url", 0},
	{"published", NULL, "published", 0},
	{"retrieved", NULL, "retrieved", 0},
	{"kind", NULL, "kind", 0},
	{"archive.sha256", "archive", "sha256", 0},
	{"archive.length", "archive", "length", 0},
	{NULL, NULL, NULL, 0},
};

static json_t *field_value(const json_t *rec, const field_spec *f)
{
	const json_t *holder = f->parent ? json_object_get(rec, f->parent) : rec;

	if (strcmp(f->member, "retracted") == 0)
		return json_boolean(json_is_true(json_object_get(rec, "retracted")));
	return json_incref(json_object_get(holder, f->member));
}

static json_t *side_json(const json_t *rec)
{
	char digest[CT_DIGEST_LEN + 1];
	json_t *side, *signers = json_array(), *sig;
	size_t i;

	if (!signers || ct_record_digest(digest, rec) < 0) {
		json_decref(signers);
		return NULL;
	}
	json_array_foreach(json_object_get(rec, "signatures"), i, sig)
		json_array_append(signers, json_object_get(sig, "key_id"));
	side = json_pack("{s:O?, s:s, s:o, s:O?, s:O?, s:b}", "revision",
		json_object_get(rec, "revision"), "digest", digest, "signers", signers, "created",
		json_object_get(rec, "created"), "reason", json_object_get(rec, "reason"), "retracted",
		json_is_true(json_object_get(rec, "retracted")));
	return side;
}

int ct_record_diff(json_t **out, const json_t *a, const json_t *b)
{
	json_t *res = NULL, *changes = NULL, *patch = NULL;
	const field_spec *f;
	ct_kind ka, kb;
	int error;

	*out = NULL;
	if ((error = ct_record_kind(&ka, a)) < 0 || (error = ct_record_kind(&kb, b)) < 0)
		return error;
	if (ka != kb || (ka != CT_KIND_CLAIM && ka != CT_KIND_SOURCE) ||
		strcmp(ct_record_id(a), ct_record_id(b)) != 0)
		return ct_error_set(CT_EINVALID,
			"can only diff two revisions of one claim or source (got %s %s and %s %s)",
			ct_kind_name(ka), ct_record_id(a), ct_kind_name(kb), ct_record_id(b));
	if (!(res = json_pack("{s:s, s:s}", "type", ct_kind_name(ka), "id", ct_record_id(a))) ||
		!(changes = json_array())) {
		error = oom();
		goto done;
	}
	if ((error = jset(res, "a", side_json(a))) < 0 || (error = jset(res, "b", side_json(b))) < 0)
		goto done;
	for (f = ka == CT_KIND_CLAIM ? claim_fields : source_fields; f->field; f++) {
		json_t *va = field_value(a, f), *vb = field_value(b, f), *c = NULL;
		if (!json_equal(va, vb) && !(va == NULL && vb == NULL)) {
			c = json_pack("{s:s, s:O?, s:O?}", "field", f->field, "old", va, "new", vb);
			if (c && f->text) {
				ct_text_diff *td = NULL;
				json_t *words = NULL;
				const char *sa = json_string_value(va), *sb = json_string_value(vb);
				if ((error = ct_text_diff_new(&td, sa, sa ? strlen(sa) : 0, sb,
					     sb ? strlen(sb) : 0)) == 0 &&
					(error = ct_text_diff_json(&words, td)) == 0)
					error = jset(c, "words", words);
				ct_text_diff_free(td);
			}
			if (!c && error == 0)
				error = oom();
			else if (error == 0)
				error = jappend(changes, c);
			else
				json_decref(c);
		}
		json_decref(va);
		json_decref(vb);
		if (error < 0)
			goto done;
	}
	if ((error = jset(res, "changes", changes)) < 0) {
		changes = NULL;
		goto done;
	}
	changes = NULL;
	if ((error = ct_json_patch_diff(&patch, a, b)) < 0 ||
		(error = jset(res, "patch", patch)) < 0)
		goto done;
	*out = res;
	res = NULL;
done:
	json_decref(changes);
	json_decref(res);
	return error;
}

int ct_store_diff_revisions(json_t **out, ct_store *store, ct_kind kind, const char *id,
	const char *rev_a, const char *rev_b)
{
	json_t *a = NULL, *b = NULL;
	json_int_t n, ra, rb;
	int error;

	*out = NULL;
	if (kind != CT_KIND_CLAIM && kind != CT_KIND_SOURCE)
		return ct_error_set(CT_EINVALID, "only claims and sources have revisions to diff");
	if ((error = ct_id_validate(id, ct_kind_name(kind))) < 0 ||
		(error = ct__revision_count(&n, store, kind, id)) < 0)
		return error;
	if (n == 0)
		return ct_error_set(CT_ENOTFOUND, "no %s \"%s\" in the store", ct_kind_name(kind), id);
	rb = n;
	if (rev_b && (error = ct_store_resolve_revision(&rb, store, kind, id, rev_b)) < 0)
		return error;
	if (rev_a) {
		if ((error = ct_store_resolve_revision(&ra, store, kind, id, rev_a)) < 0)
			return error;
	} else if ((ra = rb - 1) < 1) {
		return n == 1 ? ct_error_set(CT_ENOTFOUND,
					"%s %s has only one revision: nothing to diff it against",
					ct_kind_name(kind), id)
			      : ct_error_set(CT_ENOTFOUND,
					"%s %s: revision 1 is the first, there is none before it",
					ct_kind_name(kind), id);
	}
	if ((error = ct_store_get(&a, store, kind, id, ra)) == 0 &&
		(error = ct_store_get(&b, store, kind, id, rb)) == 0)
		error = ct_record_diff(out, a, b);
	json_decref(a);
	json_decref(b);
	return error;
}

/* ---- store diffs ---- */

/* What a store diff counts, in the order the summary names them. */
static const char *const count_names[] = {"claims_added", "claims_revised", "claims_retracted",
	"annotations", "disputes", "resolutions", "signoffs", "sources_added", "sources_revised",
	"keys_added", "keys_revoked", "other", NULL};

typedef struct {
	char *sort;
	json_t *entry;
} sd_entry;

typedef struct {
	ct_store *store;
	sd_entry *e;
	size_t n;
	size_t cap;
	json_t *revs;   /* "kind/id" -> {kind, id, min, max, blob}: revision files added */
	json_t *counts;
	ct_keyring *keys; /* the valid key records of B's store folder */
} sd_state;

static int sd_push(sd_state *s, json_t *entry, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int sd_push(sd_state *s, json_t *entry, const char *fmt, ...)
{
	ct_buf sort = CT_BUF_INIT;
	va_list ap;
	char line[512];
	int n;

	if (!entry)
		return oom();
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || ct_buf_puts(&sort, line) < 0)
		goto fail;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		sd_entry *e = realloc(s->e, ncap * sizeof(*e));
		if (!e)
			goto fail;
		s->e = e;
		s->cap = ncap;
	}
	s->e[s->n].sort = ct_buf_detach(&sort);
	s->e[s->n].entry = entry;
	s->n++;
	return 0;
fail:
	ct_buf_free(&sort);
	json_decref(entry);
	return oom();
}

static void sd_count(sd_state *s, const char *name)
{
	json_t *c = json_object_get(s->counts, name);

	json_integer_set(c, json_integer_value(c) + 1);
}

/* The record in a blob, or NULL when it is missing or not a record (a hand edit). */
static json_t *blob_record(ct_store *store, const git_oid *id)
{
	git_blob *blob = NULL;
	json_t *rec = NULL;

	if (git_oid_is_zero(id) || git_blob_lookup(&blob, store->repo, id) < 0)
		return NULL;
	if (git_blob_rawsize(blob) <= CT_RECORD_MAX &&
		ct_json_parse(&rec, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
			CT_JSON_RECORD) < 0)
		rec = NULL;
	git_blob_free(blob);
	ct_error_clear();
	return rec;
}

/* Marks entry with whether the record at B in blob id verifies: every signature against the
 * key record it names in B's key folder (signatures only: the chain is `check`'s and `show`'s
 * business). Adds "verified" and, when it does not, "unverified" (why). */
static int sd_mark(sd_state *s, json_t *entry, const git_oid *id)
{
	json_t *rec;
	ct_verification v;
	int error = 0;

	if (!entry)
		return 0;
	rec = blob_record(s->store, id);
	if (!rec) {
		memset(&v, 0, sizeof(v));
		v.state = CT_RECORD_BAD_SIGNATURE;
		snprintf(v.reason, sizeof(v.reason), "not a record");
	} else if ((error = ct__verify_signatures(&v, rec, s->keys)) < 0) {
		json_decref(rec);
		return error;
	}
	json_decref(rec);
	if (jset(entry, "verified", json_boolean(v.state == CT_RECORD_VERIFIED)) < 0 ||
		(v.state != CT_RECORD_VERIFIED && jset(entry, "unverified", json_string(v.reason)) < 0))
		return oom();
	return 0;
}

/* The key records of the store folder in tree whose self-signature verifies, as a keyring. */
static int tree_keys(ct_keyring **out, ct_store *store, git_tree *tree)
{
	ct_buf path = CT_BUF_INIT;
	git_tree *keys = NULL;
	size_t i;
	int error;

	if ((error = ct_keyring_new(out)) < 0 ||
		(error = ct_buf_printf(&path, "%s/key", store->root)) < 0)
		goto done;
	if (!ct__subtree(&keys, store, tree, path.ptr))
		goto done;
	for (i = 0; i < git_tree_entrycount(keys); i++) {
		json_t *rec = blob_record(store, git_tree_entry_id(git_tree_entry_byindex(keys, i)));
		if (rec && ct_keyring_add(*out, rec) < 0)
			ct_error_clear(); /* a bad key record verifies nothing */
		json_decref(rec);
	}
done:
	git_tree_free(keys);
	ct_buf_free(&path);
	return error;
}

/* Key ids that sign `now` and did not sign `before`: a new array. */
static json_t *new_signers(const json_t *before, const json_t *now)
{
	json_t *out = json_array(), *s, *t;
	size_t i, j;

	json_array_foreach(json_object_get(now, "signatures"), i, s) {
		const char *kid = json_string_value(json_object_get(s, "key_id"));
		int seen = 0;
		json_array_foreach(json_object_get(before, "signatures"), j, t)
			if (kid && json_equal(json_object_get(t, "key_id"), json_object_get(s, "key_id")))
				seen = 1;
		if (kid && !seen)
			json_array_append_new(out, json_string(kid));
	}
	return out;
}

/* "rNNNN.json" -> N, or 0. */
static json_int_t revision_of(const char *name)
{
	size_t len = strlen(name), k;
	json_int_t v = 0;

	if (len < 7 || name[0] != 'r' || strcmp(name + len - 5, ".json") != 0)
		return 0;
	for (k = 1; k < len - 5; k++) {
		if (!isdigit((unsigned char)name[k]) || v > 100000000)
			return 0;
		v = v * 10 + (name[k] - '0');
	}
	return v;
}

static const char *status_name(git_delta_t st)
{
	switch (st) {
	case GIT_DELTA_ADDED: return "added";
	case GIT_DELTA_DELETED: return "removed";
	default: return "modified";
	}
}

static int sd_other(sd_state *s, const char *path, git_delta_t st)
{
	int error;

	/* a path in git is any bytes; jansson refuses invalid UTF-8 with the NULL it gives when
	 * out of memory: check first */
	if ((error = ct__utf8_check(path, strlen(path), "a file path in the store")) < 0)
		return error;
	sd_count(s, "other");
	return sd_push(s, json_pack("{s:s, s:s, s:s}", "kind", "file", "id", path, "action",
				  status_name(st)),
		"9 %s", path);
}

static int sd_annotation(sd_state *s, const char *claim, const char *aid, const git_diff_delta *d)
{
	json_t *rec = NULL, *old = NULL, *e = NULL;
	const char *kind, *created;
	int error;

	if (d->status == GIT_DELTA_DELETED) {
		sd_count(s, "other");
		return sd_push(s, json_pack("{s:s, s:s, s:s, s:s}", "kind", "annotation", "id", aid,
					  "claim", claim, "action", "removed"),
			"2 %s 1 %s", claim, aid);
	}
	rec = blob_record(s->store, &d->new_file.id);
	kind = json_string_value(json_object_get(rec, "kind"));
	created = json_string_value(json_object_get(rec, "created"));
	if (d->status == GIT_DELTA_MODIFIED) {
		old = blob_record(s->store, &d->old_file.id);
		sd_count(s, "signoffs");
		e = json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", "annotation", "id", aid, "claim",
			claim, "action", "signed", "signers", new_signers(old, rec));
	} else if (kind && strcmp(kind, "dispute") == 0) {
		const json_t *dsp = json_object_get(rec, "dispute");
		sd_count(s, "disputes");
		e = json_pack("{s:s, s:s, s:s, s:s, s:O?, s:O?, s:O?}", "kind", "annotation", "id", aid,
			"claim", claim, "action", "disputed", "by", json_object_get(dsp, "by"),
			"reason", json_object_get(dsp, "reason"), "source",
			json_object_get(dsp, "source"));
	} else if (kind && strcmp(kind, "resolution") == 0) {
		sd_count(s, "resolutions");
		e = json_pack("{s:s, s:s, s:s, s:s, s:O?, s:O?}", "kind", "annotation", "id", aid,
			"claim", claim, "action", "resolved", "resolves",
			json_object_get(rec, "resolves"), "outcome", json_object_get(rec, "outcome"));
	} else {
		sd_count(s, "annotations");
		e = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:O?}", "kind", "annotation", "id", aid,
			"claim", claim, "action", "annotated", "annotation", kind, "verdict",
			json_object_get(rec, "verdict"));
	}
	if ((error = sd_mark(s, e, &d->new_file.id)) < 0) {
		json_decref(e);
		e = NULL;
	} else {
		error = sd_push(s, e, "2 %s 1 %s %s", claim, created ? created : "", aid);
	}
	json_decref(rec);
	json_decref(old);
	return error;
}

static int sd_revision(sd_state *s, const char *kind, const char *id, json_int_t rev,
	const git_diff_delta *d)
{
	int rank = kind[0] == 'c' ? 2 : 1;
	char key[160];
	json_t *agg;
	int n;

	if (d->status == GIT_DELTA_DELETED) {
		sd_count(s, "other");
		return sd_push(s, json_pack("{s:s, s:s, s:s, s:I}", "kind", kind, "id", id, "action",
					  "removed", "revision", rev),
			"%d %s 0 %010lld", rank, id, (long long)rev);
	}
	if (d->status == GIT_DELTA_MODIFIED) {
		json_t *old = blob_record(s->store, &d->old_file.id);
		json_t *now = blob_record(s->store, &d->new_file.id);
		json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:o}", "kind", kind, "id", id, "action",
			"signed", "revision", rev, "signers", new_signers(old, now));
		int error;
		sd_count(s, "signoffs");
		if ((error = sd_mark(s, e, &d->new_file.id)) < 0)
			json_decref(e);
		else
			error = sd_push(s, e, "%d %s 0 %010lld", rank, id, (long long)rev);
		json_decref(old);
		json_decref(now);
		return error;
	}
	n = snprintf(key, sizeof(key), "%s/%s", kind, id);
	if (n < 0 || (size_t)n >= sizeof(key))
		return ct_error_set(CT_EINVALID, "id too long: %.80s", id);
	if (!(agg = json_object_get(s->revs, key))) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &d->new_file.id);
		agg = json_pack("{s:s, s:s, s:I, s:I, s:s}", "kind", kind, "id", id, "min", rev, "max",
			rev, "blob", hex);
		return jset(s->revs, key, agg);
	}
	if (rev < json_integer_value(json_object_get(agg, "min")))
		json_object_set_new(agg, "min", json_integer(rev));
	if (rev > json_integer_value(json_object_get(agg, "max"))) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &d->new_file.id);
		json_object_set_new(agg, "max", json_integer(rev));
		json_object_set_new(agg, "blob", json_string(hex));
	}
	return 0;
}

/* Turns the revision files added per record into "added", "revised" or "retracted". */
static int sd_revisions_done(sd_state *s)
{
	const char *key;
	json_t *agg;
	int error = 0;

	json_object_foreach(s->revs, key, agg) {
		const char *kind = json_string_value(json_object_get(agg, "kind"));
		const char *id = json_string_value(json_object_get(agg, "id"));
		json_int_t min = json_integer_value(json_object_get(agg, "min"));
		json_int_t max = json_integer_value(json_object_get(agg, "max"));
		int claim = strcmp(kind, "claim") == 0, retracted = 0;
		json_t *e;
		git_oid oid;

		if (git_oid_fromstr(&oid, json_string_value(json_object_get(agg, "blob"))) < 0)
			memset(&oid, 0, sizeof(oid));
		if (claim) {
			json_t *rec = blob_record(s->store, &oid);
			retracted = json_is_true(json_object_get(rec, "retracted"));
			json_decref(rec);
		}
		if (min == 1) {
			sd_count(s, claim ? "claims_added" : "sources_added");
			e = json_pack("{s:s, s:s, s:s, s:I}", "kind", kind, "id", id, "action", "added",
				"revision", max);
			if (e && retracted)
				json_object_set_new(e, "retracted", json_true());
		} else {
			sd_count(s, retracted ? "claims_retracted"
					      : claim ? "claims_revised" : "sources_revised");
			e = json_pack("{s:s, s:s, s:s, s:I, s:I}", "kind", kind, "id", id, "action",
				retracted ? "retracted" : "revised", "from", min - 1, "to", max);
		}
		if ((error = sd_mark(s, e, &oid)) < 0) {
			json_decref(e);
			break;
		}
		if ((error = sd_push(s, e, "%d %s 0 %010lld", claim ? 2 : 1, id, (long long)max)) < 0)
			break;
	}
	return error;
}

static int sd_delta(sd_state *s, const git_diff_delta *d)
{
	const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
	size_t rootlen = strlen(s->store->root);
	char parts[5][CT_ID_MAX + 16];
	const char *p;
	size_t np = 0;

	if (strncmp(path, s->store->root, rootlen) != 0 || path[rootlen] != '/')
		return 0;
	p = path + rootlen + 1;
	if (strcmp(p, "store.json") == 0) {
		sd_count(s, "other");
		return sd_push(s, json_pack("{s:s, s:s, s:s}", "kind", "store", "id", "store.json",
					  "action", status_name(d->status)),
			"8 store.json");
	}
	/* Split into at most 5 parts; anything longer is not a claimtrail file. */
	while (*p && np < 5) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len >= sizeof(parts[0]))
			return sd_other(s, path, d->status);
		memcpy(parts[np], p, len);
		parts[np++][len] = '\0';
		p += len + (slash ? 1 : 0);
		if (!slash)
			break;
	}
	if (*p)
		return sd_other(s, path, d->status);
	if (np == 2 && strcmp(parts[0], "key") == 0 && strlen(parts[1]) == CT_KEY_ID_LEN + 5 &&
		strcmp(parts[1] + CT_KEY_ID_LEN, ".json") == 0) {
		json_t *rec = d->status == GIT_DELTA_DELETED ? NULL
							     : blob_record(s->store, &d->new_file.id);
		json_t *old = d->status == GIT_DELTA_MODIFIED ? blob_record(s->store, &d->old_file.id)
							      : NULL;
		const char *action = status_name(d->status);
		int error;
		parts[1][CT_KEY_ID_LEN] = '\0';
		if (d->status == GIT_DELTA_ADDED)
			sd_count(s, "keys_added");
		else if (d->status == GIT_DELTA_MODIFIED && json_object_get(rec, "revoked") &&
			!json_object_get(old, "revoked")) {
			action = "revoked";
			sd_count(s, "keys_revoked");
		} else {
			sd_count(s, "other");
		}
		error = sd_push(s, json_pack("{s:s, s:s, s:s, s:O?, s:O?}", "kind", "key", "id",
					   parts[1], "action", action, "name",
					   json_object_get(rec, "name"), "org",
					   json_object_get(rec, "org")),
			"0 %s", parts[1]);
		json_decref(rec);
		json_decref(old);
		return error;
	}
	if (np == 4 && (strcmp(parts[0], "claim") == 0 || strcmp(parts[0], "source") == 0) &&
		ct_id_validate(parts[2], parts[0]) == 0) {
		json_int_t rev = revision_of(parts[3]);
		size_t len = strlen(parts[3]);
		if (rev > 0)
			return sd_revision(s, parts[0], parts[2], rev, d);
		if (strcmp(parts[0], "source") == 0 && len > 4 && strcmp(parts[3] + len - 4, ".txt") == 0)
			return 0; /* a source's text goes with its revision */
	}
	if (np == 5 && strcmp(parts[0], "claim") == 0 && strcmp(parts[3], "annotations") == 0 &&
		ct_id_validate(parts[2], "claim") == 0) {
		size_t len = strlen(parts[4]);
		if (len > 5 && strcmp(parts[4] + len - 5, ".json") == 0) {
			parts[4][len - 5] = '\0';
			if (ct_id_validate(parts[4], "annotation") == 0)
				return sd_annotation(s, parts[2], parts[4], d);
		}
	}
	ct_error_clear();
	return sd_other(s, path, d->status);
}

static int by_sort(const void *x, const void *y)
{
	return strcmp(((const sd_entry *)x)->sort, ((const sd_entry *)y)->sort);
}

/* The tree and commit (or tree) id that spec names. */
static int resolve_tree(git_tree **tree, char hex[GIT_OID_HEXSZ + 1], ct_store *store,
	const char *spec)
{
	git_object *obj = NULL, *commit = NULL;
	int error = 0;

	*tree = NULL;
	if (git_revparse_single(&obj, store->repo, spec) < 0 ||
		git_object_peel((git_object **)tree, obj, GIT_OBJECT_TREE) < 0) {
		error = ct_error_set(CT_ENOTFOUND, "no git revision \"%.80s\" in the repository",
			spec);
		goto done;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0)
		git_oid_tostr(hex, GIT_OID_HEXSZ + 1, git_object_id(commit));
	else
		git_oid_tostr(hex, GIT_OID_HEXSZ + 1, git_tree_id(*tree));
done:
	git_object_free(commit);
	git_object_free(obj);
	return error;
}

int ct_store_diff(json_t **out, ct_store *store, const char *from, const char *to)
{
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	char ha[GIT_OID_HEXSZ + 1], hb[GIT_OID_HEXSZ + 1];
	ct_buf spec = CT_BUF_INIT;
	char *specs[1];
	sd_state s;
	json_t *res = NULL, *changes = NULL;
	size_t i;
	int error;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	s.store = store;
	if (!(s.revs = json_object()) || !(s.counts = json_object()) || !(changes = json_array())) {
		error = oom();
		goto done;
	}
	for (i = 0; count_names[i]; i++)
		if ((error = jset(s.counts, count_names[i], json_integer(0))) < 0)
			goto done;
	if ((error = resolve_tree(&ta, ha, store, from)) < 0 ||
		(error = resolve_tree(&tb, hb, store, to)) < 0 ||
		(error = tree_keys(&s.keys, store, tb)) < 0)
		goto done;
	if ((error = ct_buf_printf(&spec, "%s/", store->root)) < 0)
		goto done;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	specs[0] = spec.ptr;
	opts.pathspec.strings = specs;
	opts.pathspec.count = 1;
	if (git_diff_tree_to_tree(&diff, store->repo, ta, tb, &opts) < 0) {
		error = ct__git_error(CT_EIO, "diffing the store's trees");
		goto done;
	}
	for (i = 0; i < git_diff_num_deltas(diff); i++)
		if ((error = sd_delta(&s, git_diff_get_delta(diff, i))) < 0)
			goto done;
	if ((error = sd_revisions_done(&s)) < 0)
		goto done;
	if (s.n > 1)
		qsort(s.e, s.n, sizeof(*s.e), by_sort);
	for (i = 0; i < s.n; i++) {
		error = jappend(changes, s.e[i].entry);
		s.e[i].entry = NULL;
		if (error < 0)
			goto done;
	}
	res = json_pack("{s:s, s:s, s:O, s:O}", "from", ha, "to", hb, "changes", changes, "counts",
		s.counts);
	if (!res) {
		error = oom();
		goto done;
	}
	*out = res;
done:
	for (i = 0; i < s.n; i++) {
		free(s.e[i].sort);
		json_decref(s.e[i].entry);
	}
	free(s.e);
	json_decref(s.revs);
	json_decref(s.counts);
	ct_keyring_free(s.keys);
	json_decref(changes);
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	ct_buf_free(&spec);
	return error;
}

int ct_store_diff_summary(ct_buf *out, const json_t *diff)
{
	/* Groups share their noun: "3 claims added, 1 revised". */
	static const struct {
		const char *name;
		const char *one;
		const char *many;
		const char *verb;
		int group;
	} parts[] = {
		{"claims_added", "claim", "claims", "added", 1},
		{"claims_revised", "claim", "claims", "revised", 1},
		{"claims_retracted", "claim", "claims", "retracted", 1},
		{"annotations", "annotation", "annotations", NULL, 2},
		{"disputes", "dispute", "disputes", NULL, 3},
		{"resolutions", "resolution", "resolutions", NULL, 4},
		{"signoffs", "sign-off", "sign-offs", NULL, 5},
		{"sources_added", "source", "sources", "added", 6},
		{"sources_revised", "source", "sources", "revised", 6},
		{"keys_added", "key", "keys", "added", 7},
		{"keys_revoked", "key", "keys", "revoked", 7},
		{"other", "other change", "other changes", NULL, 8},
	};
	const json_t *counts = json_object_get(diff, "counts");
	size_t i, written = 0;
	int last_group = 0, error = 0;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && error == 0; i++) {
		json_int_t n = json_integer_value(json_object_get(counts, parts[i].name));
		if (n == 0)
			continue;
		if (written++ && (error = ct_buf_puts(out, ", ")) < 0)
			break;
		if (parts[i].group == last_group)
			error = ct_buf_printf(out, "%lld %s", (long long)n, parts[i].verb);
		else
			error = ct_buf_printf(out, "%lld %s%s%s", (long long)n,
				n == 1 ? parts[i].one : parts[i].many, parts[i].verb ? " " : "",
				parts[i].verb ? parts[i].verb : "");
		last_group = parts[i].group;
	}
	if (error == 0 && written == 0)
		error = ct_buf_puts(out, "no changes");
	return error;
}
