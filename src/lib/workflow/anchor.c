/*
 * Anchoring quotes in source text: where in the source a claim's words are, found the way a
 * careful reader would (curly and straight quotes, dashes and runs of white space count as the
 * same), recorded as the exact span of the source; and re-checking every anchor when a source
 * is re-retrieved with changed text. Normalisation and relocation: docs/workflow.md.
 */
#include "anchor.h"
#include "error.h"
#include "utf8.h"
#include "claimtrail/common.h"
#include "claimtrail/record.h"
#include "claimtrail/store.h"
#include "claimtrail/workflow.h"

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
		return ct_error_set(CT_ENOMEM, "out of memory");
	}
	while (i < len) {
		size_t n;
		unsigned c = decode(s, len, i, &n);
		char f = fold(c);
		if (is_space(c)) {
			if (out->len > 0 && out->s[out->len - 1] == ' ') {
				out->to[out->len - 1] = i + n; /* a run of white space is one space */
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
		json_object_set_new(selector, "start", json_integer((json_int_t)ct__utf8_count(text, at))) <
			0 ||
		json_object_set_new(selector, "end",
			json_integer((json_int_t)ct__utf8_count(text, end))) < 0) {
		json_decref(selector);
		*error = ct_error_set(CT_ENOMEM, "out of memory");
		return NULL;
	}
	*error = 0;
	return selector;
}

int ct_anchor_quote_near(json_t *attribution, const char *text, size_t len, const json_t *hint)
{
	const char *quote = json_string_value(json_object_get(attribution, "quote"));
	size_t qlen, at = 0, end = 0;
	json_t *selector;
	int error;

	if (!quote)
		return 0;
	qlen = strlen(quote);
	error = ct__anchor_find(&at, &end, text, len, quote, hint);
	if (error == CT_ENOTFOUND)
		return ct_error_set(CT_EINVALID, "quote \"%.60s%s\" does not occur in the source's text",
			quote, qlen > 60 ? "..." : "");
	if (error < 0)
		return error;
	if (!(selector = make_selector(&error, text, len, at, end)))
		return error;
	return json_object_set_new(attribution, "selector", selector) < 0
		       ? ct_error_set(CT_ENOMEM, "out of memory")
		       : 0;
}

int ct_anchor_quote(json_t *attribution, const char *text, size_t len)
{
	return ct_anchor_quote_near(attribution, text, len, NULL);
}

/* ---- re-checking anchors ---- */

const char *ct_anchor_state_name(ct_anchor_state state)
{
	static const char *const names[] = {"ok", "moved", "orphaned", "broken", "no-text",
		"no-quote"};

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

void ct_anchor_report_free(ct_anchor_report *report)
{
	if (!report)
		return;
	free(report->new_exact);
	report->new_exact = NULL;
}

/* Does the span [start, end) (code points) of text hold exactly `exact`? */
static int span_is(const char *text, size_t len, json_int_t start, json_int_t end,
	const char *exact)
{
	size_t a, b;

	if (start < 0 || end < start)
		return 0;
	a = forward_chars(text, len, 0, (size_t)start);
	b = forward_chars(text, len, a, (size_t)(end - start));
	return ct__utf8_count(text, a) == (size_t)start && ct__utf8_count(text, b) == (size_t)end &&
	       strlen(exact) == b - a && memcmp(text + a, exact, b - a) == 0;
}

/* The text of a source revision: kept in the store, or else the caller's copy when its
 * sha256 is the one that revision records. */
static int revision_text(ct_buf *out, ct_store *store, const char *source, const json_t *revs,
	json_int_t revision, const uint8_t *copy, size_t copy_len)
{
	const char *want;
	char hex[65];
	int error = ct_store_source_text(out, store, source, revision);

	if (error != CT_ENOTFOUND || !copy || revision < 1)
		return error;
	want = json_string_value(json_object_get(
		json_object_get(json_array_get(revs, (size_t)revision - 1), "archive"), "sha256"));
	ct_sha256_hex(hex, copy, copy_len);
	if (!want || strcmp(want, hex) != 0)
		return error; /* not that revision's text: as if there were none */
	ct_error_clear();
	return ct_buf_put(out, copy, copy_len);
}

int ct_anchor_check(ct_anchor_report *out, ct_store *store, const json_t *claim)
{
	return ct_anchor_check_text(out, store, claim, NULL, 0);
}

int ct_anchor_check_text(ct_anchor_report *out, ct_store *store, const json_t *claim,
	const uint8_t *copy, size_t copy_len)
{
	const json_t *attr = json_object_get(claim, "attribution");
	const json_t *sel = json_object_get(attr, "selector");
	const char *quote = json_string_value(json_object_get(attr, "quote"));
	const char *source = json_string_value(json_object_get(attr, "source"));
	const char *cited = json_string_value(json_object_get(attr, "source_revision"));
	ct_buf text = CT_BUF_INIT, old = CT_BUF_INIT;
	json_t *revs = NULL;
	size_t at = 0, end = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	out->state = CT_ANCHOR_NO_QUOTE;
	out->start = out->end = out->new_start = out->new_end = -1;
	if (!quote || !source)
		return 0;
	if ((error = ct_store_revisions(&revs, store, CT_KIND_SOURCE, source)) < 0)
		goto done;
	out->newest_revision = (json_int_t)json_array_size(revs);
	if (cited) {
		size_t i;
		json_t *r;
		char digest[CT_DIGEST_LEN + 1];
		json_array_foreach(revs, i, r)
			if (ct_record_digest(digest, r) == 0 && strcmp(digest, cited) == 0)
				out->cited_revision = (json_int_t)i + 1;
	}
	error = revision_text(&text, store, source, revs, out->newest_revision, copy, copy_len);
	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		out->state = CT_ANCHOR_NO_TEXT;
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	if (sel) {
		out->start = json_integer_value(json_object_get(sel, "start"));
		out->end = json_integer_value(json_object_get(sel, "end"));
		/* The record's own anchor must hold in the text it cites. */
		if (out->cited_revision > 0) {
			error = revision_text(&old, store, source, revs, out->cited_revision, copy,
				copy_len);
			if (error == 0 &&
				!span_is(old.ptr, old.len, out->start, out->end,
					json_string_value(json_object_get(sel, "exact")))) {
				out->state = CT_ANCHOR_BROKEN;
				goto done;
			}
			if (error == CT_ENOTFOUND)
				ct_error_clear();
			else if (error < 0)
				goto done;
			error = 0;
		}
	}
	error = ct__anchor_find(&at, &end, text.ptr, text.len, quote, sel);
	if (error == CT_ENOTFOUND) {
		out->state = CT_ANCHOR_ORPHANED;
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	out->new_start = (json_int_t)ct__utf8_count(text.ptr, at);
	out->new_end = out->new_start + (json_int_t)ct__utf8_count(text.ptr + at, end - at);
	if (!(out->new_exact = malloc(end - at + 1))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(out->new_exact, text.ptr + at, end - at);
	out->new_exact[end - at] = '\0';
	out->state = sel && out->new_start == out->start && out->new_end == out->end &&
				     strcmp(out->new_exact,
					     json_string_value(json_object_get(sel, "exact"))) == 0
			     ? CT_ANCHOR_OK
			     : CT_ANCHOR_MOVED;
done:
	json_decref(revs);
	ct_buf_free(&old);
	ct_buf_free(&text);
	return error;
}

int ct_anchor_relocate(json_t **out_record, ct_store *store, const char *claim_id,
	const ct_write_opts *opts)
{
	ct_anchor_report report = CT_ANCHOR_REPORT_INIT;
	ct_write_opts wopts;
	json_t *claim = NULL, *changes = NULL;
	const char *source;
	ct_buf reason = CT_BUF_INIT;
	int error;

	if (out_record)
		*out_record = NULL;
	if (!opts || !opts->signer)
		return ct_error_set(CT_EINVALID, "anchor relocation needs a signing key");
	if ((error = ct__opts_version(opts->version, CT_WRITE_OPTS_VERSION, "ct_write_opts")) < 0)
		return error;
	if ((error = ct_store_get(&claim, store, CT_KIND_CLAIM, claim_id, 0)) < 0 ||
		(error = ct_anchor_check(&report, store, claim)) < 0)
		goto done;
	source = json_string_value(json_object_get(json_object_get(claim, "attribution"), "source"));
	switch (report.state) {
	case CT_ANCHOR_MOVED:
		break;
	case CT_ANCHOR_ORPHANED:
		error = ct_error_set(CT_EINVALID,
			"claim %s: the quote is not in source %s revision %lld: revise the quote", claim_id,
			source, (long long)report.newest_revision);
		goto done;
	case CT_ANCHOR_BROKEN:
		error = ct_error_set(CT_EBADSIG,
			"claim %s: its selector does not match the text of the source revision it cites",
			claim_id);
		goto done;
	default:
		error = ct_error_set(CT_EEXISTS, "claim %s: the quote is %s, nothing to relocate",
			claim_id, ct_anchor_state_name(report.state));
		goto done;
	}
	changes = json_pack("{s:{s:s}}", "attribution", "source", source);
	if (!changes) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	wopts = *opts;
	if (!wopts.reason || !*wopts.reason) {
		if (report.start >= 0)
			error = ct_buf_printf(&reason,
				"re-anchored: the quote moved from characters %lld-%lld to %lld-%lld of "
				"source %s (revision %lld)",
				(long long)report.start, (long long)report.end,
				(long long)report.new_start, (long long)report.new_end, source,
				(long long)report.newest_revision);
		else
			error = ct_buf_printf(&reason,
				"anchored: the quote is at characters %lld-%lld of source %s (revision "
				"%lld)",
				(long long)report.new_start, (long long)report.new_end, source,
				(long long)report.newest_revision);
		if (error < 0)
			goto done;
		wopts.reason = reason.ptr;
	}
	error = ct_claim_revise(out_record, store, claim_id, changes, &wopts);
done:
	ct_buf_free(&reason);
	json_decref(changes);
	json_decref(claim);
	ct_anchor_report_free(&report);
	return error;
}
