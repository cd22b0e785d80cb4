/*
 * Unit tests for publish_html.c: user text in HTML text and attributes, links that only ever
 * point at http and https, and JSON inside a <script> element that no text can end.
 */
#include "test.h"
#include "publish_internal.h"

static void check_put(const char *in, const char *want)
{
	ct_buf b = CT_BUF_INIT;

	CHECK_INT(ct__html_put(&b, in), 0);
	CHECK_STR(b.ptr ? b.ptr : "", want);
	ct_buf_free(&b);
}

static void check_link(const char *url, const char *text, const char *want)
{
	ct_buf b = CT_BUF_INIT;

	CHECK_INT(ct__html_link(&b, url, text), 0);
	CHECK_STR(b.ptr ? b.ptr : "", want);
	ct_buf_free(&b);
}

static void test_escape(void)
{
	check_put("plain text", "plain text");
	check_put("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	check_put(
		"\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
	check_put("it's & that", "it&#39;s &amp; that");
	check_put("&amp;", "&amp;amp;");
	check_put("", "");
	check_put("caf\xc3\xa9 <", "caf\xc3\xa9 &lt;");
}

static void test_links(void)
{
	CHECK_INT(ct__html_url_ok("https://example.org/a?b=c"), 1);
	CHECK_INT(ct__html_url_ok("HTTP://EXAMPLE.ORG/"), 1);
	CHECK_INT(ct__html_url_ok("javascript:alert(1)"), 0);
	CHECK_INT(ct__html_url_ok("JavaScript:alert(1)"), 0);
	CHECK_INT(ct__html_url_ok(" https://example.org/"), 0);
	CHECK_INT(ct__html_url_ok("data:text/html,<script>alert(1)</script>"), 0);
	CHECK_INT(ct__html_url_ok("https://example.org/\"onmouseover=alert(1)"), 0);
	CHECK_INT(ct__html_url_ok("https://example.org/ x"), 0);
	CHECK_INT(ct__html_url_ok("https://example.org/<x"), 0);
	CHECK_INT(ct__html_url_ok("//example.org/"), 0);
	CHECK_INT(ct__html_url_ok(NULL), 0);
	check_link("https://example.org/?a=1&b=2", NULL,
		"<a href=\"https://example.org/?a=1&amp;b=2\">https://example.org/?a=1&amp;b=2</a>");
	check_link("javascript:alert(1)", NULL, "javascript:alert(1)");
	check_link("javascript:alert(1)", "<b>x</b>", "&lt;b&gt;x&lt;/b&gt;");
	check_link("https://example.org/", "<b>x</b>",
		"<a href=\"https://example.org/\">&lt;b&gt;x&lt;/b&gt;</a>");
}

static void test_json(void)
{
	ct_buf b = CT_BUF_INIT;
	json_t *v =
		json_pack("{s:s}", "claimReviewed", "</script><script>alert(1)</script> & more");

	CHECK_INT(ct__html_json(&b, v, JSON_COMPACT), 0);
	CHECK_STR(b.ptr,
		"{\"claimReviewed\":\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"
		"\\u003c/script\\u003e \\u0026 more\"}");
	/* it is still the same JSON */
	{
		json_t *back = json_loads(b.ptr, 0, NULL);
		CHECK(back && json_equal(back, v));
		json_decref(back);
	}
	json_decref(v);
	ct_buf_free(&b);
}

int main(void)
{
	test_escape();
	test_links();
	test_json();
	return test_finish();
}
