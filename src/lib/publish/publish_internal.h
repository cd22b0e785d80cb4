/* What the publish module's files share and do not export: writing user text into HTML. */
#ifndef CT_PUBLISH_INTERNAL_H
#define CT_PUBLISH_INTERNAL_H

#include "claimtrail/common.h"

#include <jansson.h>

/* Appends s escaped for HTML text and for a quoted attribute value (& < > " ' as references).
 * NULL appends nothing. */
int ct__html_put(ct_buf *out, const char *s);

/* 1 when url may be made a link: it starts with http:// or https:// (any case) and holds no
 * control character, space, quote or angle bracket; else 0 (javascript:, data:, relative). */
int ct__html_url_ok(const char *url);

/* Appends a link to url showing text (url itself when NULL), both escaped, when ct__html_url_ok;
 * else the text (or url) as plain escaped text. */
int ct__html_link(ct_buf *out, const char *url, const char *text);

/* Appends value as JSON for a <script> element: "<", ">" and "&" (only ever inside strings)
 * written as \u003c, \u003e and \u0026 so no text can end the element. */
int ct__html_json(ct_buf *out, const json_t *value, size_t flags);

#endif
