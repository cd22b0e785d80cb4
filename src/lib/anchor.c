/* Anchoring quotes in source text: where in the source a claim's exact words are. */
#include "anchor.h"
#include "claimtrail/common.h"

#include <string.h>

/* Code points in the first len bytes of valid UTF-8. */
static size_t count_chars(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

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

static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i;

	if (nlen == 0 || nlen > hlen)
		return NULL;
	for (i = 0; i + nlen <= hlen; i++) {
		const char *p = memchr(hay + i, needle[0], hlen - nlen - i + 1);
		if (!p)
			return NULL;
		i = (size_t)(p - hay);
		if (memcmp(p, needle, nlen) == 0)
			return p;
	}
	return NULL;
}

int ct_anchor_quote(json_t *attribution, const char *text, size_t len)
{
	const char *quote = json_string_value(json_object_get(attribution, "quote"));
	const char *hit;
	size_t qlen, at, end, pre, suf;
	json_t *selector;

	if (!quote)
		return 0;
	qlen = strlen(quote);
	hit = find(text, len, quote, qlen);
	if (!hit)
		return ct_error_set(CT_EINVALID, "quote \"%.60s%s\" does not occur in the source's text",
			quote, qlen > 60 ? "..." : "");
	at = (size_t)(hit - text);
	end = at + qlen;
	pre = back_chars(text, at, CT_ANCHOR_CONTEXT);
	suf = forward_chars(text, len, end, CT_ANCHOR_CONTEXT);
	selector = json_object();
	if (!selector ||
		json_object_set_new(selector, "exact", json_stringn(hit, qlen)) < 0 ||
		json_object_set_new(selector, "prefix", json_stringn(text + pre, at - pre)) < 0 ||
		json_object_set_new(selector, "suffix", json_stringn(text + end, suf - end)) < 0 ||
		json_object_set_new(selector, "start", json_integer((json_int_t)count_chars(text, at))) <
			0 ||
		json_object_set_new(selector, "end",
			json_integer((json_int_t)count_chars(text, end))) < 0) {
		json_decref(selector);
		return ct_error_set(CT_ENOMEM, "out of memory");
	}
	return json_object_set_new(attribution, "selector", selector) < 0
		       ? ct_error_set(CT_ENOMEM, "out of memory")
		       : 0;
}
