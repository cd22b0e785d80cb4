/*
 * The word diff of two texts (docs/diff.md, "Words"): tokens, their longest common subsequence
 * with the bounded fallbacks to lines and to the whole middle, and the hunks as JSON. Used by
 * the record diff for text members; internal (diff_internal.h).
 */
#include "diff_internal.h"
#include "utf8.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- word diff ---- */

const char *ct__diff_op_name(ct__diff_op op)
{
	switch (op) {
	case CT__DIFF_DELETE: return "delete";
	case CT__DIFF_INSERT: return "insert";
	default: return "equal";
	}
}

struct ct__text_diff {
	ct__diff_hunk *hunks;
	size_t count;
	size_t cap;
	ct__diff_granularity granularity;
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
	if (cp == 0xa1 || cp == 0xab || cp == 0xbb || cp == 0xbf ||
		(cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205e) ||
		(cp >= 0x3001 && cp <= 0x3003) || (cp >= 0x3008 && cp <= 0x3011))
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
			return ct__oom();
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
			while (i < len &&
				(n = utf8_next(s + i, len - i, &cp), char_class(cp) == C_SPACE))
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
	return x->hash == y->hash && x->len == y->len &&
		memcmp(a + x->off, b + y->off, x->len) == 0;
}

/* A stretch of both texts: equal, or changed (a's bytes deleted, b's inserted). */
typedef struct {
	int equal;
	size_t a0, a1, b0, b1; /* byte ranges */
	int blank;	       /* an equal stretch of whitespace only */
} stretch;

typedef struct {
	stretch *s;
	size_t n;
	size_t cap;
} stretch_list;

static int push_stretch(
	stretch_list *l, int equal, size_t a0, size_t a1, size_t b0, size_t b1, int blank)
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
			return ct__oom();
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
 * trimming the common start and end needs more than CT__DIFF_MAX_CELLS cells and !force; with
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
	if ((n + 1) > CT__DIFF_MAX_CELLS / (m + 1)) {
		if (!force)
			return 1;
		/* Coarsest: the middle as one change. */
		if ((error = push_stretch(out, 1, 0, tok_start(ta, p, alen), 0,
			     tok_start(tb, p, blen), 0)) < 0 ||
			(error = push_stretch(out, 0, tok_start(ta, p, alen),
				 tok_start(ta, ta->n - s, alen), tok_start(tb, p, blen),
				 tok_start(tb, tb->n - s, blen), 0)) < 0 ||
			(error = push_stretch(out, 1, tok_start(ta, ta->n - s, alen), alen,
				 tok_start(tb, tb->n - s, blen), blen, 0)) < 0)
			return error;
		return 0;
	}
	if (!(L = calloc((n + 1) * (m + 1), sizeof(*L))))
		return ct__oom();
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

static int add_hunk(ct__text_diff *d, ct__diff_op op, const char *text, size_t len)
{
	char *copy;

	if (len == 0)
		return 0;
	if (d->count > 0 && d->hunks[d->count - 1].op == op) {
		/* merge with the run before (only happens for adjacent equal stretches) */
		ct__diff_hunk *h = &d->hunks[d->count - 1];
		char *t = realloc((char *)h->text, h->len + len + 1);
		if (!t)
			return ct__oom();
		memcpy(t + h->len, text, len);
		h->len += len;
		t[h->len] = '\0';
		h->text = t;
		return 0;
	}
	if (d->count == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		ct__diff_hunk *h = realloc(d->hunks, ncap * sizeof(*h));
		if (!h)
			return ct__oom();
		d->hunks = h;
		d->cap = ncap;
	}
	if (!(copy = malloc(len + 1)))
		return ct__oom();
	memcpy(copy, text, len);
	copy[len] = '\0';
	d->hunks[d->count].op = op;
	d->hunks[d->count].text = copy;
	d->hunks[d->count].len = len;
	d->count++;
	return 0;
}

int ct__text_diff_new(ct__text_diff **out, const char *a, size_t alen, const char *b, size_t blen)
{
	ct__text_diff *d = calloc(1, sizeof(*d));
	token_list ta = {NULL, 0, 0}, tb = {NULL, 0, 0};
	stretch_list sl = {NULL, 0, 0};
	size_t i, k;
	int error = 0, rc;

	*out = NULL;
	if (!d)
		return ct__oom();
	if (!a)
		a = "", alen = 0;
	if (!b)
		b = "", blen = 0;
	d->granularity = CT__DIFF_WORDS;
	if ((error = tokenize_words(&ta, a, alen)) < 0 ||
		(error = tokenize_words(&tb, b, blen)) < 0)
		goto done;
	if ((rc = diff_tokens(&sl, a, alen, &ta, b, blen, &tb, 0)) == 1) {
		d->granularity = CT__DIFF_LINES;
		ta.n = tb.n = 0;
		if ((error = tokenize_lines(&ta, a, alen)) < 0 ||
			(error = tokenize_lines(&tb, b, blen)) < 0)
			goto done;
		rc = diff_tokens(&sl, a, alen, &ta, b, blen, &tb, 0);
		if (rc == 1) {
			d->granularity = CT__DIFF_WHOLE;
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
			error = add_hunk(d, CT__DIFF_EQUAL, a + st->a0, st->a1 - st->a0);
		else if ((error = add_hunk(d, CT__DIFF_DELETE, a + st->a0, st->a1 - st->a0)) == 0)
			error = add_hunk(d, CT__DIFF_INSERT, b + st->b0, st->b1 - st->b0);
		if (error < 0)
			goto done;
	}
	*out = d;
	d = NULL;
done:
	free(ta.t);
	free(tb.t);
	free(sl.s);
	ct__text_diff_free(d);
	return error;
}

size_t ct__text_diff_count(const ct__text_diff *diff)
{
	return diff ? diff->count : 0;
}

const ct__diff_hunk *ct__text_diff_get(const ct__text_diff *diff, size_t i)
{
	return diff && i < diff->count ? &diff->hunks[i] : NULL;
}

ct__diff_granularity ct__text_diff_granularity(const ct__text_diff *diff)
{
	return diff ? diff->granularity : CT__DIFF_WORDS;
}

int ct__text_diff_changed(const ct__text_diff *diff)
{
	size_t i;

	for (i = 0; diff && i < diff->count; i++)
		if (diff->hunks[i].op != CT__DIFF_EQUAL)
			return 1;
	return 0;
}

void ct__text_diff_free(ct__text_diff *diff)
{
	size_t i;

	if (!diff)
		return;
	for (i = 0; i < diff->count; i++)
		free((char *)diff->hunks[i].text);
	free(diff->hunks);
	free(diff);
}

int ct__text_diff_json(json_t **out, const ct__text_diff *diff)
{
	json_t *arr = json_array();
	size_t i;

	*out = NULL;
	if (!arr)
		return ct__oom();
	for (i = 0; i < ct__text_diff_count(diff); i++) {
		const ct__diff_hunk *h = &diff->hunks[i];
		int error;
		/* the diff takes any bytes, JSON only UTF-8: jansson's NULL is not out of memory */
		if ((error = ct__utf8_check(h->text, h->len, "a text diffed as JSON")) < 0) {
			json_decref(arr);
			return error;
		}
		if (jappend(arr,
			    json_pack("{s:s, s:s%}", "op", ct__diff_op_name(h->op), "text", h->text,
				    h->len)) < 0) {
			json_decref(arr);
			return ct__oom();
		}
	}
	*out = arr;
	return 0;
}
