/*
 * Unit tests for utf8.c: the one strict decoder every module uses. Each boundary of RFC 3629's
 * well-formed table is checked on both sides, encoded surrogates (CESU-8) above all, and the
 * validator reports where the first bad sequence starts.
 */
#include "test.h"
#include "utf8.h"

/* Decodes the n bytes of s (copied to a block of exactly n bytes, so ASan sees any overread). */
static size_t decode(const char *s, size_t n, uint32_t *cp)
{
	uint8_t *copy = malloc(n ? n : 1);
	size_t got;

	if (!copy)
		abort();
	memcpy(copy, s, n);
	*cp = 0xdeadbeef;
	got = ct__utf8_decode(copy, n, cp);
	free(copy);
	return got;
}

#define ACCEPTS(bytes, want) \
	do { \
		uint32_t cp_; \
		CHECK_INT(decode(bytes, sizeof(bytes) - 1, &cp_), sizeof(bytes) - 1); \
		CHECK_INT(cp_, want); \
	} while (0)
#define REFUSES(bytes) \
	do { \
		uint32_t cp_; \
		CHECK_INT(decode(bytes, sizeof(bytes) - 1, &cp_), 0); \
	} while (0)

static void test_decode(void)
{
	uint32_t cp;

	ACCEPTS("A", 0x41);
	ACCEPTS("\x7f", 0x7f);
	ACCEPTS("\xc2\x80", 0x80);
	ACCEPTS("\xdf\xbf", 0x7ff);
	ACCEPTS("\xe0\xa0\x80", 0x800);
	ACCEPTS("\xed\x9f\xbf", 0xd7ff); /* last before the surrogates */
	ACCEPTS("\xee\x80\x80", 0xe000); /* first after them */
	ACCEPTS("\xe2\x80\x9d", 0x201d); /* a closing double quote */
	ACCEPTS("\xef\xbf\xbf", 0xffff);
	ACCEPTS("\xf0\x90\x80\x80", 0x10000);
	ACCEPTS("\xf0\x9f\x98\x80", 0x1f600);
	ACCEPTS("\xf4\x8f\xbf\xbf", 0x10ffff);

	/* encoded surrogates: CESU-8 / WTF-8, never UTF-8 */
	REFUSES("\xed\xa0\x80");	     /* U+D800 */
	REFUSES("\xed\xaf\xbf");	     /* U+DBFF */
	REFUSES("\xed\xb0\x80");	     /* U+DC00 */
	REFUSES("\xed\xbf\xbf");	     /* U+DFFF */
	REFUSES("\xed\xa0\xbd\xed\xb8\x80"); /* a CESU-8 pair for U+1F600 */
	/* overlong forms */
	REFUSES("\xc0\x80");
	REFUSES("\xc1\xbf");
	REFUSES("\xe0\x80\x80");
	REFUSES("\xe0\x9f\xbf");
	REFUSES("\xf0\x80\x80\x80");
	REFUSES("\xf0\x8f\xbf\xbf");
	/* above U+10FFFF, and leads that cannot start anything */
	REFUSES("\xf4\x90\x80\x80");
	REFUSES("\xf5\x80\x80\x80");
	REFUSES("\xf8\x88\x80\x80\x80");
	REFUSES("\xff");
	REFUSES("\x80"); /* a lone continuation byte */
	/* truncated, and a continuation that is not one */
	REFUSES("\xc2");
	REFUSES("\xe2\x80");
	REFUSES("\xf0\x9f\x98");
	REFUSES("\xe2\x28\xa1");
	REFUSES("\xc2\x41");
	CHECK_INT(ct__utf8_decode((const uint8_t *)"", 0, &cp), 0);
}

static void test_valid(void)
{
	size_t bad = 12345;
	static const char ok[] = "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d \xf0\x9f\x98\x80";
	static const char cesu[] = "The figure was 1,000 \xed\xa0\x80 here.";
	static const char latin1[] = "caf\xe9 had 1,000 guests.";

	CHECK(ct__utf8_valid((const uint8_t *)ok, sizeof(ok) - 1, &bad));
	CHECK_INT(bad, 12345);
	CHECK(ct__utf8_valid((const uint8_t *)"", 0, NULL));
	CHECK(!ct__utf8_valid((const uint8_t *)cesu, sizeof(cesu) - 1, &bad));
	CHECK_INT(bad, 21);
	CHECK(!ct__utf8_valid((const uint8_t *)latin1, sizeof(latin1) - 1, &bad));
	CHECK_INT(bad, 3);
	/* a sequence cut off by the end of the text */
	CHECK(!ct__utf8_valid((const uint8_t *)"ab\xe2\x80", 4, &bad));
	CHECK_INT(bad, 2);
	CHECK(!ct__utf8_valid((const uint8_t *)"ab\xe2\x80", 4, NULL));
}

static void test_count(void)
{
	CHECK_INT(ct__utf8_count("", 0), 0);
	CHECK_INT(ct__utf8_count("abc", 3), 3);
	CHECK_INT(ct__utf8_count("caf\xc3\xa9", 5), 4);
	CHECK_INT(ct__utf8_count("\xe2\x80\x9cx\xe2\x80\x9d\xf0\x9f\x98\x80", 11), 4);
}

int main(void)
{
	if (ct_init() < 0)
		return 99;
	test_decode();
	test_valid();
	test_count();
	return test_finish();
}
