/*
 * Writing user text into HTML: every statement, quote, note, name and title the site shows goes
 * through these, in text, in attribute values and in the JSON of a <script> element, and only
 * http and https addresses ever become links (docs/publish.md, "Escaping").
 */
#include "publish_internal.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ct__html_put(ct_buf *out, const char *s)
{
	const char *run;
	int error = 0;

	if (!s)
		return 0;
	for (run = s; *s && error == 0; s++) {
		const char *ref;
		switch (*s) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\'': ref = "&#39;"; break;
		default: continue;
		}
		if ((error = ct_buf_put(out, run, (size_t)(s - run))) == 0)
			error = ct_buf_puts(out, ref);
		run = s + 1;
	}
	if (error == 0)
		error = ct_buf_put(out, run, strlen(run));
	return error;
}

int ct__html_url_ok(const char *url)
{
	const unsigned char *p;

	if (!url || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
		return 0;
	for (p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\'' || *p == '<' || *p == '>' ||
			*p == '\\' || *p == '`')
			return 0;
	return 1;
}

int ct__html_link(ct_buf *out, const char *url, const char *text)
{
	int error;

	if (!ct__html_url_ok(url))
		return ct__html_put(out, text ? text : url);
	if ((error = ct_buf_puts(out, "<a href=\"")) < 0 || (error = ct__html_put(out, url)) < 0 ||
		(error = ct_buf_puts(out, "\">")) < 0 ||
		(error = ct__html_put(out, text ? text : url)) < 0)
		return error;
	return ct_buf_puts(out, "</a>");
}

int ct__html_json(ct_buf *out, const json_t *value, size_t flags)
{
	char *text = json_dumps(value, flags);
	const char *s;
	int error = 0;

	if (!text)
		return ct__oom();
	for (s = text; *s && error == 0; s++) {
		if (*s == '<')
			error = ct_buf_puts(out, "\\u003c");
		else if (*s == '>')
			error = ct_buf_puts(out, "\\u003e");
		else if (*s == '&')
			error = ct_buf_puts(out, "\\u0026");
		else
			error = ct_buf_putc(out, *s);
	}
	free(text);
	return error;
}
