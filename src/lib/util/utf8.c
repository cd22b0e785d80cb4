/* Strict UTF-8 decoding and validation, and counting code points: see utf8.h. */
#include "utf8.h"

#include "claimtrail/common.h"

size_t ct__utf8_decode(const uint8_t *s, size_t avail, uint32_t *cp)
{
	uint32_t c;
	size_t n;
	size_t i;

	if (avail == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
	} else {
		return 0; /* continuation byte, overlong lead 0xC0/0xC1, or 0xF5..0xFF */
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
		(c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

int ct__utf8_valid(const uint8_t *s, size_t len, size_t *bad)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (s[i] < 0x80) { /* the common case, without a call */
			i++;
			continue;
		}
		if ((n = ct__utf8_decode(s + i, len - i, &cp)) == 0) {
			if (bad)
				*bad = i;
			return 0;
		}
		i += n;
	}
	return 1;
}

size_t ct__utf8_count(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

int ct__utf8_check(const char *s, size_t len, const char *what)
{
	size_t bad = 0;

	if (!ct__utf8_valid((const uint8_t *)s, len, &bad))
		return ct_error_set(CT_EINVALID, "%s is not valid UTF-8 (byte %zu)", what, bad);
	return 0;
}
