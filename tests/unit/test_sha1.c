/* SHA-1 (used for git's index checksum) against FIPS 180 test vectors, split at every offset. */
#include "test.h"
#include "sha1.h"

static void hex_of(char out[41], const char *msg, size_t len, size_t split)
{
	const void *pieces[2] = {msg, msg + split};
	size_t lens[2] = {split, len - split};
	uint8_t d[20];

	CHECK(ct__sha1(d, pieces, lens, 2) == 0);
	ct_hex(out, d, 20);
}

int main(void)
{
	static const struct {
		const char *msg;
		const char *hex;
	} cases[] = {
		{"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			"84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
		{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
			"a49b2446a02c645bf419f995b67091253a04a259"},
	};
	char out[41];
	size_t i, k;
	char *million = malloc(1000000);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (k = 0; k <= strlen(cases[i].msg); k++) {
			hex_of(out, cases[i].msg, strlen(cases[i].msg), k);
			CHECK_STR(out, cases[i].hex);
		}
	memset(million, 'a', 1000000);
	hex_of(out, million, 1000000, 333333);
	CHECK_STR(out, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(million);
	return test_finish();
}
