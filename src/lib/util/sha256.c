/*
 * SHA-256 for everything claimtrail hashes: record digests, Merkle leaves and nodes, ids.
 * libsodium's SHA-256 is portable C (about 2.5 times slower here than OpenSSL's, which uses the
 * processor's SHA extensions), and bundle verify hashes every line twice, so this goes through
 * OpenSSL's libcrypto, already loaded for SHA-1 (sha1.c).
 *
 * The digest is fetched from the provider once (an implicit fetch per EVP_DigestInit_ex costs
 * a lock and a lookup). If libcrypto fails (no memory for a context), libsodium computes the
 * same digest instead, so callers never see a failure and never a different result.
 */
#include "sha256.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;
static pthread_key_t ctx_key;
static int ctx_key_ok;

static void free_ctx(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	ctx_key_ok = pthread_key_create(&ctx_key, free_ctx) == 0;
}

/* Each thread keeps one context (freed when the thread ends): a new one for every record was
 * a third of the cost of hashing a bundle line. */
static EVP_MD_CTX *thread_ctx(int *owned)
{
	EVP_MD_CTX *ctx = ctx_key_ok ? pthread_getspecific(ctx_key) : NULL;

	*owned = 0;
	if (ctx)
		return ctx;
	if (!(ctx = EVP_MD_CTX_new()))
		return NULL;
	if (ctx_key_ok && pthread_setspecific(ctx_key, ctx) == 0)
		return ctx;
	*owned = 1; /* no slot: used once */
	return ctx;
}

static int openssl_pair(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen)
{
	EVP_MD_CTX *ctx;
	unsigned int outlen = 0;
	int ok, owned;

	pthread_once(&fetch_once, fetch);
	if (!sha256_md || !(ctx = thread_ctx(&owned)))
		return -1;
	ok = EVP_DigestInit_ex2(ctx, sha256_md, NULL) == 1 &&
		(alen == 0 || EVP_DigestUpdate(ctx, a, alen) == 1) &&
		(blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
		EVP_DigestFinal_ex(ctx, out, &outlen) == 1 && outlen == 32;
	if (owned)
		EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

void ct__sha256_pair(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen)
{
	crypto_hash_sha256_state st;

	if (openssl_pair(out, a, alen, b, blen) == 0)
		return;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, a, alen);
	crypto_hash_sha256_update(&st, b, blen);
	crypto_hash_sha256_final(&st, out);
}

void ct__sha256(uint8_t out[32], const void *data, size_t len)
{
	ct__sha256_pair(out, data, len, NULL, 0);
}
