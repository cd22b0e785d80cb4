/* Internal to the library: finding a quote in a text (anchor_text.c), W3C Web Annotation
 * selectors. */
#ifndef CT_ANCHOR_TEXT_H
#define CT_ANCHOR_TEXT_H

#include <jansson.h>
#include <stddef.h>

/* How many characters of context a selector's prefix and suffix keep. */
#define CT_ANCHOR_CONTEXT 32

/*
 * Finds attribution's "quote" in text (UTF-8) and sets attribution's "selector" to
 * {exact, prefix, suffix, start, end}: a TextQuoteSelector and a TextPositionSelector whose
 * offsets count Unicode code points from the start of the text, "exact" being the source's own
 * bytes. Typographic quotes, dashes and runs of white space match their plain forms (see
 * docs/workflow.md). A quote that is not in the text is CT_EINVALID; a quote found more than
 * once is anchored at its first occurrence (preferring an exact byte match).
 */
int ct__anchor_quote(json_t *attribution, const char *text, size_t len);

/* Like ct__anchor_quote, but among several occurrences picks the one whose context best matches
 * hint (an earlier selector: its prefix, suffix and start); hint may be NULL. */
int ct__anchor_quote_near(json_t *attribution, const char *text, size_t len, const json_t *hint);

/* Finds quote in text as ct__anchor_quote_near does: *at and *end receive the byte span of the
 * source text it matches. CT_ENOTFOUND (no message set) when it is not there. */
int ct__anchor_find(size_t *at, size_t *end, const char *text, size_t len, const char *quote,
	const json_t *hint);

/* 1 when the span [start, end) (code points) of text holds exactly `exact`, else 0. */
int ct__anchor_span_is(
	const char *text, size_t len, json_int_t start, json_int_t end, const char *exact);

#endif
