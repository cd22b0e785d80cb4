/*
 * Anchoring quotes in source text, on the text alone: where in the source a claim's words are,
 * found the way a careful reader would (curly and straight quotes, dashes and runs of white space
 * count as the same), recorded as the exact span of the source (a W3C selector). Normalisation:
 * docs/workflow.md. Re-checking anchors against the store: anchor.c.
 */
#include "anchor_text.h"
#include "error.h"
#include "utf8.h"
#include "claimtrail/common.h"

#include <stdlib.h>
#include <string.h>

/* The byte offset `chars` code points back from (or forward of) byte `at`. */
static size_t back_chars(const char *s, size_t at, size_t chars)
{
	while (at > 0 && chars > 0) {
		at--;
		while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
			at--;
		chars--;
	}
	return at;
}

static size_t forward_chars(const char *s, size_t len, size_t at, size_t chars)
{
	while (at < len && chars > 0) {
		at++;
		while (at < len && ((unsigned char)s[at] & 0xc0) == 0x80)
			at++;
		chars--;
	}
	return at;
}

/* Decodes one code point at s[i]; *n receives its length (1 for a stray byte, as U+FFFD). */
static unsigned decode(const char *s, size_t len, size_t i, size_t *n)
{
	uint32_t cp;

	if ((*n = ct__utf8_decode((const uint8_t *)s + i, len - i, &cp)) == 0) {
		*n = 1;
		return 0xfffd;
	}
	return cp;
}

static int is_space(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
		c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
		c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* The ASCII character a typographic one stands for, or 0. */
static char fold(unsigned c)
{
	if (c == 0x2018 || c == 0x2019 || c == 0x201a || c == 0x201b || c == 0x2032 || c == 0x02bc)
		return '\'';
	if (c == 0x201c || c == 0x201d || c == 0x201e || c == 0x201f || c == 0x2033 || c == 0xab ||
		c == 0xbb)
		return '"';
	if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212)
		return '-';
	return 0;
}

/* Normalised text, and for each of its bytes the span of the original it came from. */
typedef struct {
	char *s;
	size_t len;
	size_t *from;
	size_t *to;
} norm_text;

static void norm_free(norm_text *n)
{
	free(n->s);
	free(n->from);
	free(n->to);
	memset(n, 0, sizeof(*n));
}

static int normalise(norm_text *out, const char *s, size_t len, int trim)
{
	size_t i = 0, k;

	memset(out, 0, sizeof(*out));
	out->s = malloc(len + 1);
	out->from = malloc((len + 1) * sizeof(size_t));
	out->to = malloc((len + 1) * sizeof(size_t));
	if (!out->s || !out->from || !out->to) {
		norm_free(out);
		return ct__oom();
	}
	while (i < len) {
		size_t n;
		unsigned c = decode(s, len, i, &n);
		char f = fold(c);
		if (is_space(c)) {
			if (out->len > 0 && out->s[out->len - 1] == ' ') {
				out->to[out->len - 1] =
					i + n; /* a run of white space is one space */
			} else if (!(trim && out->len == 0)) {
				out->s[out->len] = ' ';
				out->from[out->len] = i;
				out->to[out->len++] = i + n;
			}
		} else if (f) {
			out->s[out->len] = f;
			out->from[out->len] = i;
			out->to[out->len++] = i + n;
		} else {
			for (k = 0; k < n; k++) {
				out->s[out->len] = s[i + k];
				out->from[out->len] = i;
				out->to[out->len++] = i + n;
			}
		}
		i += n;
	}
	if (trim && out->len > 0 && out->s[out->len - 1] == ' ')
		out->len--;
	out->s[out->len] = '\0';
	return 0;
}

/* How many normalised bytes agree going backwards from a (in x) and b (in y). */
static size_t agree_back(const char *x, size_t a, const char *y, size_t b)
{
	size_t n = 0;

	while (a > 0 && b > 0 && x[a - 1] == y[b - 1]) {
		a--;
		b--;
		n++;
	}
	return n;
}

static size_t agree_fwd(const char *x, size_t xlen, size_t a, const char *y, size_t ylen, size_t b)
{
	size_t n = 0;

	while (a < xlen && b < ylen && x[a] == y[b]) {
		a++;
		b++;
		n++;
	}
	return n;
}

int ct__anchor_find(size_t *out_at, size_t *out_end, const char *text, size_t len,
	const char *quote, const json_t *hint)
{
	norm_text hay, needle, pre, suf;
	const char *hp = json_string_value(json_object_get(hint, "prefix"));
	const char *hs = json_string_value(json_object_get(hint, "suffix"));
	json_int_t hstart = json_integer_value(json_object_get(hint, "start"));
	size_t qlen = strlen(quote);
	size_t pos = 0, chars = 0, counted = 0;
	long long best_score = -1;
	unsigned long long best_dist = 0;
	int found = 0, error;

	memset(&pre, 0, sizeof(pre));
	memset(&suf, 0, sizeof(suf));
	if ((error = normalise(&hay, text, len, 0)) < 0)
		return error;
	if ((error = normalise(&needle, quote, qlen, 1)) < 0) {
		norm_free(&hay);
		return error;
	}
	if ((hp && (error = normalise(&pre, hp, strlen(hp), 0)) < 0) ||
		(hs && (error = normalise(&suf, hs, strlen(hs), 0)) < 0))
		goto done;
	error = CT_ENOTFOUND;
	while (needle.len > 0 && pos + needle.len <= hay.len) {
		const char *p = memchr(hay.s + pos, needle.s[0], hay.len - needle.len - pos + 1);
		size_t at, end, oat, oend;
		long long score;
		unsigned long long dist;
		if (!p)
			break;
		at = (size_t)(p - hay.s);
		pos = at + 1;
		if (memcmp(p, needle.s, needle.len) != 0)
			continue;
		end = at + needle.len;
		oat = hay.from[at];
		oend = hay.to[end - 1];
		/* context first, then an exact byte match, then nearness to where it was */
		score = 0;
		if (hint) {
			size_t b = agree_back(hay.s, at, pre.s ? pre.s : "", pre.len);
			size_t f = agree_fwd(hay.s, hay.len, end, suf.s ? suf.s : "", suf.len, 0);
			score = (long long)(b + f) * 2;
		}
		if (oend - oat == qlen && memcmp(text + oat, quote, qlen) == 0)
			score += 1;
		chars += ct__utf8_count(text + counted, oat - counted);
		counted = oat;
		dist = hint ? (unsigned long long)(chars > (size_t)hstart ? chars - (size_t)hstart
									  : (size_t)hstart - chars)
			    : 0;
		if (!found || score > best_score || (score == best_score && dist < best_dist)) {
			found = 1;
			best_score = score;
			best_dist = dist;
			*out_at = oat;
			*out_end = oend;
		}
	}
	error = found ? 0 : CT_ENOTFOUND;
done:
	norm_free(&pre);
	norm_free(&suf);
	norm_free(&needle);
	norm_free(&hay);
	return error;
}

/* The selector of text[at, end) with its context: a new reference, or NULL (*error set) when
 * the text there is not valid UTF-8 (CT_EINVALID: jansson would refuse it with the NULL it gives
 * when out of memory) or memory runs out. */
static json_t *make_selector(int *error, const char *text, size_t len, size_t at, size_t end)
{
	size_t pre = back_chars(text, at, CT_ANCHOR_CONTEXT);
	size_t suf = forward_chars(text, len, end, CT_ANCHOR_CONTEXT);
	json_t *selector;

	if ((*error = ct__utf8_check(text + pre, suf - pre, "the source's text at the quote")) < 0)
		return NULL;
	if (!(selector = json_object()) ||
		json_object_set_new(selector, "exact", json_stringn(text + at, end - at)) < 0 ||
		json_object_set_new(selector, "prefix", json_stringn(text + pre, at - pre)) < 0 ||
		json_object_set_new(selector, "suffix", json_stringn(text + end, suf - end)) < 0 ||
		json_object_set_new(selector, "start",
			json_integer((json_int_t)ct__utf8_count(text, at))) < 0 ||
		json_object_set_new(
			selector, "end", json_integer((json_int_t)ct__utf8_count(text, end))) < 0) {
		json_decref(selector);
		*error = ct__oom();
		return NULL;
	}
	*error = 0;
	return selector;
}

/* A copy of s[0, len) with ASCII letters in lower case (byte offsets unchanged), or NULL. */
static char *ascii_lower(const char *s, size_t len)
{
	char *copy = malloc(len + 1);
	size_t i;

	if (!copy)
		return NULL;
	for (i = 0; i < len; i++)
		copy[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	copy[len] = '\0';
	return copy;
}

/* The error for a quote that does not occur in text: when it occurs but for the case of its
 * letters, says so and gives the source's own words; else names the source's passage that holds
 * the longest run of the quote's first or last words (at least two), if any. */
static int quote_missing(const char *quote, const char *text, size_t len)
{
	size_t qlen = strlen(quote), at = 0, end = 0, cut, best_at = 0, best_end = 0, best = 0;
	char *low_text = ascii_lower(text, len), *low_quote = ascii_lower(quote, qlen);
	const char *more = qlen > 60 ? "..." : "";
	int error, from_end;

	if (!low_text || !low_quote) {
		error = ct__oom();
		goto done;
	}
	if (ct__anchor_find(&at, &end, low_text, len, low_quote, NULL) == 0) {
		error = ct_error_set(CT_EINVALID,
			"quote \"%.60s%s\" does not occur in the source's text: only the case of its "
			"letters differs from the source's \"%.*s%s\"",
			quote, more, (int)(end - at > 60 ? 60 : end - at), text + at,
			end - at > 60 ? "..." : "");
		goto done;
	}
	ct_error_clear();
	/* the longest run of whole words from either end of the quote that the text holds */
	for (from_end = 0; from_end < 2; from_end++) {
		for (cut = 1; cut < qlen; cut++) {
			size_t keep = from_end ? qlen - cut : cut;
			char saved;
			int found;
			if (low_quote[cut] != ' ' || keep <= best || keep < 8)
				continue;
			if (from_end) {
				found = ct__anchor_find(
					&at, &end, low_text, len, low_quote + cut + 1, NULL);
			} else {
				saved = low_quote[cut];
				low_quote[cut] = '\0';
				found = ct__anchor_find(&at, &end, low_text, len, low_quote, NULL);
				low_quote[cut] = saved;
			}
			ct_error_clear();
			if (found == 0) {
				best = keep;
				best_at = from_end ? back_chars(text, at, 30) : at;
				best_end = from_end ? end : forward_chars(text, len, end, 30);
			}
		}
	}
	if (best > 0) {
		/* on one line: the passage's line breaks and tabs as spaces */
		char passage[121];
		size_t i, n = best_end - best_at > 120 ? 120 : best_end - best_at;
		while (n > 0 && n < best_end - best_at &&
			((unsigned char)text[best_at + n] & 0xc0) == 0x80)
			n--; /* not inside a character */
		for (i = 0; i < n; i++)
			passage[i] =
				(unsigned char)text[best_at + i] < 0x20 ? ' ' : text[best_at + i];
		passage[n] = '\0';
		error = ct_error_set(CT_EINVALID,
			"quote \"%.60s%s\" does not occur in the source's text; the nearest passage "
			"is \"%s\"",
			quote, more, passage);
	} else
		error = ct_error_set(CT_EINVALID,
			"quote \"%.60s%s\" does not occur in the source's text", quote, more);
done:
	free(low_text);
	free(low_quote);
	return error;
}

int ct__anchor_quote_near(json_t *attribution, const char *text, size_t len, const json_t *hint)
{
	const char *quote = json_string_value(json_object_get(attribution, "quote"));
	size_t at = 0, end = 0;
	json_t *selector;
	int error;

	if (!quote)
		return 0;
	error = ct__anchor_find(&at, &end, text, len, quote, hint);
	if (error == CT_ENOTFOUND)
		return quote_missing(quote, text, len);
	if (error < 0)
		return error;
	if (!(selector = make_selector(&error, text, len, at, end)))
		return error;
	return json_object_set_new(attribution, "selector", selector) < 0 ? ct__oom() : 0;
}

int ct__anchor_quote(json_t *attribution, const char *text, size_t len)
{
	return ct__anchor_quote_near(attribution, text, len, NULL);
}

/* Does the span [start, end) (code points) of text hold exactly `exact`? */
int ct__anchor_span_is(
	const char *text, size_t len, json_int_t start, json_int_t end, const char *exact)
{
	size_t a, b;

	if (start < 0 || end < start)
		return 0;
	a = forward_chars(text, len, 0, (size_t)start);
	b = forward_chars(text, len, a, (size_t)(end - start));
	return ct__utf8_count(text, a) == (size_t)start && ct__utf8_count(text, b) == (size_t)end &&
		strlen(exact) == b - a && memcmp(text + a, exact, b - a) == 0;
}
