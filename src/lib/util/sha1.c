/*
 * SHA-1, where git needs it from us: the checksums that end the index and pack files, and the
 * ids of the trees the journal computes (treehash.c). libsodium has no SHA-1, and a 100,000-entry
 * index is 17 MB, so the hash must be fast: this uses OpenSSL's libcrypto (SHA extensions where
 * the processor has them), which is already a dependency of libgit2 (through libssh2) and loaded
 * with it. The digest is fetched from the provider once (an implicit fetch for every hash costs
 * a lock and a lookup: the journal hashes several small trees a commit).
 */
#include "sha1.h"

#include <openssl/evp.h>
#include <pthread.h>

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha1_md;

static void fetch(void)
{
	sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

int ct__sha1(uint8_t out[20], const void *const *data, const size_t *len, size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int outlen = 0;
	size_t i;
	int ok;

	pthread_once(&fetch_once, fetch);
	ok = ctx && EVP_DigestInit_ex2(ctx, sha1_md ? sha1_md : EVP_sha1(), NULL) == 1;
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, data[i], len[i]) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &outlen) == 1 && outlen == 20;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}
