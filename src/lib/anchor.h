/* Quotes anchored in a source's stored text (W3C Web Annotation selectors). */
#ifndef CT_ANCHOR_H
#define CT_ANCHOR_H

#include <jansson.h>
#include <stddef.h>

/* How many characters of context a selector's prefix and suffix keep. */
#define CT_ANCHOR_CONTEXT 32

/*
 * Finds attribution's "quote" in text (UTF-8) and sets attribution's "selector" to
 * {exact, prefix, suffix, start, end}: a TextQuoteSelector and a TextPositionSelector whose
 * offsets count Unicode code points from the start of the text. A quote that is not in the text
 * is CT_EINVALID; a quote found more than once is anchored at its first occurrence.
 */
int ct_anchor_quote(json_t *attribution, const char *text, size_t len);

#endif
