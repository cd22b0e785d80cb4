/* The library's one hex decoder: every hex digit read goes through ct__hex_value (hex.h). */
#include "hex.h"

#include "claimtrail/common.h"

#include <string.h>

int ct__hex_value(int c, int upper)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (upper && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ct__hex_lower(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ct__hex_value((unsigned char)s[i], 0) < 0)
			return 0;
	return 1;
}

int ct__hex_decode(uint8_t *out, size_t out_len, const char *hex)
{
	size_t i;

	if (!hex || strlen(hex) != 2 * out_len)
		return CT_EINVALID;
	for (i = 0; i < out_len; i++) {
		int hi = ct__hex_value((unsigned char)hex[2 * i], 0);
		int lo = ct__hex_value((unsigned char)hex[2 * i + 1], 0);
		if (hi < 0 || lo < 0)
			return CT_EINVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
