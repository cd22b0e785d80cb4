/*
 * SHA-1, for the one place git still needs it from us: the checksum that ends the index file.
 * libsodium has no SHA-1, and a 100,000-entry index is 17 MB, so the hash must be fast: this
 * uses OpenSSL's libcrypto (SHA extensions where the processor has them), which is already a
 * dependency of libgit2 (through libssh2) and loaded with it.
 */
#include "sha1.h"

#include <openssl/evp.h>

int ct__sha1(uint8_t out[20], const void *const *data, const size_t *len, size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int outlen = 0;
	size_t i;
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1;
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, data[i], len[i]) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &outlen) == 1 && outlen == 20;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}
