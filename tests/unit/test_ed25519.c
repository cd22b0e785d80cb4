/* Unit tests for ed25519.c, the verifier with per-key tables. Its scalar multiplications are
 * compared with libsodium's, and every verdict with crypto_sign_verify_detached's: valid
 * signatures (which the fast path itself must accept, or a broken fast path would hide behind
 * the fallback), mutated ones, and the edges of the encoding: S >= L, small-order and
 * non-canonical R and keys, keys with a torsion component, bytes not on the curve.
 *
 * The randomness is a ChaCha20 stream from a fixed seed, so a failure reproduces; set
 * CT_TEST_SEED to any string to explore other inputs. */
#include "test.h"
#include "ed25519.h"

#include <pthread.h>
#include <sodium.h>

/* The order of the base point, 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t order_l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c,
	0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};

static const uint8_t identity[32] = {1};

static const uint8_t base_point[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

/* The two points of order 8 with x "positive"; with the sign bit set they give the other two. */
static const uint8_t order8_a[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3,
	0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1,
	0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
static const uint8_t order8_b[32] = {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c,
	0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e,
	0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a};

/* --- deterministic randomness --- */

static uint8_t rng_key[crypto_stream_chacha20_KEYBYTES];
static uint64_t rng_counter;

static void rnd(void *buf, size_t len)
{
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];
	uint64_t c = rng_counter++;
	size_t i;

	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(c >> (8 * i));
	crypto_stream_chacha20(buf, len, nonce, rng_key);
}

/* A number below n (n small: the bias does not matter here). */
static size_t rnd_below(size_t n)
{
	uint32_t v;

	rnd(&v, sizeof(v));
	return (size_t)v % n;
}

/* --- 256-bit little-endian arithmetic and other helpers --- */

/* out = a + b mod 2^256; returns the carry out of the top byte. */
static int add32(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	unsigned c = 0;
	int i;

	for (i = 0; i < 32; i++) {
		c += (unsigned)a[i] + b[i];
		out[i] = (uint8_t)c;
		c >>= 8;
	}
	return (int)c;
}

/* out = a + k for a small signed k, mod 2^256. */
static void add_small(uint8_t out[32], const uint8_t a[32], int k)
{
	uint8_t b[32];

	memset(b, k < 0 ? 0xff : 0, 32);
	b[0] = (uint8_t)k;
	(void)add32(out, a, b);
}

/* out = a mod L, for any 256-bit a. */
static void mod_l(uint8_t out[32], const uint8_t a[32])
{
	uint8_t wide[64] = {0};

	memcpy(wide, a, 32);
	crypto_core_ed25519_scalar_reduce(out, wide);
}

/* The small-order encodings libsodium refuses as R and as keys (its has_small_order list):
 * 0 (order 4), 1 (identity), the two of order 8, p - 1 (order 2), p and p + 1 (0 and 1 not
 * reduced), each with the sign bit clear (i < 7) and set (7 <= i < 14). */
enum { N_SMALL_ORDER = 14 };
static void small_order(uint8_t out[32], size_t i)
{
	memset(out, 0, 32);
	switch (i % 7) {
	case 0: break;
	case 1: out[0] = 1; break;
	case 2: memcpy(out, order8_a, 32); break;
	case 3: memcpy(out, order8_b, 32); break;
	default:
		memset(out, 0xff, 32);
		out[0] = (uint8_t)(0xec + i % 7 - 4);
		out[31] = 0x7f;
	}
	if (i >= 7)
		out[31] |= 0x80;
}

/* The encodings with y >= p = 2^255 - 19 (y = p + i, i < 19), sign bit set for i >= 19. */
enum { N_NONCANONICAL = 38 };
static void noncanonical(uint8_t out[32], size_t i)
{
	memset(out, 0xff, 32);
	out[0] = (uint8_t)(0xed + i % 19);
	out[31] = i >= 19 ? 0xff : 0x7f;
}

static void dump(const char *name, const uint8_t *data, size_t len)
{
	char *hex = malloc(2 * len + 1);

	if (!hex)
		return;
	ct_hex(hex, data, len);
	fprintf(stderr, "  %s (%zu bytes): %s\n", name, len, hex);
	free(hex);
}

/* --- keys and signatures --- */

struct keypair {
	uint8_t pk[32];
	uint8_t sk[64];
	uint8_t a[32]; /* the secret scalar, reduced mod L */
};

static void keypair_make(struct keypair *kp)
{
	uint8_t seed[32], h[64];

	rnd(seed, sizeof(seed));
	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
	crypto_hash_sha512(h, seed, sizeof(seed));
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memset(h + 32, 0, 32);
	crypto_core_ed25519_scalar_reduce(kp->a, h);
}

/* k = SHA-512(R || A || M) mod L, the challenge of a signature. */
static void challenge(uint8_t k[32], const uint8_t r_enc[32], const uint8_t pk[32],
	const uint8_t *msg, size_t len)
{
	crypto_hash_sha512_state st;
	uint8_t h[64];

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, r_enc, 32);
	crypto_hash_sha512_update(&st, pk, 32);
	crypto_hash_sha512_update(&st, msg, len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
}

/* A signature with a chosen R and nonce r: R || r + k a, k the challenge for the key bytes pk.
 * It is valid when R = [r]B and pk = [a]B; other choices make the signatures a signer could
 * never produce. */
static void sign_raw(uint8_t sig[64], const uint8_t r_enc[32], const uint8_t r[32],
	const uint8_t pk[32], const uint8_t a[32], const uint8_t *msg, size_t len)
{
	uint8_t k[32], ka[32];

	challenge(k, r_enc, pk, msg, len);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	memcpy(sig, r_enc, 32);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka);
}

/* A random nonzero scalar below L and its point. */
static void nonce_make(uint8_t r[32], uint8_t r_enc[32])
{
	uint8_t wide[64];

	do {
		rnd(wide, sizeof(wide));
		crypto_core_ed25519_scalar_reduce(r, wide);
	} while (crypto_scalarmult_ed25519_base_noclamp(r_enc, r) != 0);
}

/* --- checks with the details of a failure --- */

/* Checks ct__ed25519_verify against libsodium, that fast_accepts answers 0 or 1 and accepts
 * nothing libsodium rejects, and nothing at all for a key without a table. Returns libsodium's
 * verdict, 0 or -1. */
#define AGREE(key, pk, sig, msg, len) agree(__LINE__, (key), (pk), (sig), (msg), (len))
static int agree(int line, const ct__ed25519_key *key, const uint8_t pk[32], const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	int want = crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
	int got = ct__ed25519_verify(key, sig, msg, len);
	int fast = ct__ed25519_fast_accepts(key, sig, msg, len);
	int table = ct__ed25519_key_has_table(key);

	test_checks++;
	if (got != want || (fast != 0 && fast != 1) || (fast && want != 0) || (fast && !table)) {
		test_failures++;
		fprintf(stderr,
			"%s:%d: ct__ed25519_verify %d, ct__ed25519_fast_accepts %d, table %d; "
			"libsodium %d\n",
			__FILE__, line, got, fast, table, want);
		dump("pk", pk, 32);
		dump("sig", sig, 64);
		dump("msg", msg, len);
	}
	return want;
}

/* Checks that a signature libsodium accepts is accepted by the fast path itself and by
 * ct__ed25519_verify. */
#define VALID(key, pk, sig, msg, len) valid(__LINE__, (key), (pk), (sig), (msg), (len))
static void valid(int line, const ct__ed25519_key *key, const uint8_t pk[32], const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	int want = crypto_sign_verify_detached(sig, msg, len, pk);
	int got = ct__ed25519_verify(key, sig, msg, len);
	int fast = ct__ed25519_fast_accepts(key, sig, msg, len);

	test_checks++;
	if (want != 0 || got != 0 || fast != 1) {
		test_failures++;
		fprintf(stderr,
			"%s:%d: valid signature: ct__ed25519_verify %d, "
			"ct__ed25519_fast_accepts %d, libsodium %d\n",
			__FILE__, line, got, fast, want);
		dump("pk", pk, 32);
		dump("sig", sig, 64);
		dump("msg", msg, len);
	}
}

/* Checks [a]P from the table against libsodium, P the key pk or, with key NULL, the base
 * point. libsodium refuses a zero scalar (and any identity result), where we expect the
 * identity's encoding. */
#define MULT_OK(key, pk, a) mult_ok(__LINE__, (key), (pk), (a))
static void mult_ok(int line, const ct__ed25519_key *key, const uint8_t pk[32], const uint8_t a[32])
{
	uint8_t r[32], got[32], want[32];
	int ret, lib;

	mod_l(r, a);
	if (key)
		lib = crypto_scalarmult_ed25519_noclamp(want, r, pk);
	else
		lib = crypto_scalarmult_ed25519_base_noclamp(want, r);
	if (lib != 0)
		memcpy(want, identity, 32);
	memset(got, 0xa5, sizeof(got));
	ret = ct__ed25519_table_mult(got, key, a);
	test_checks++;
	if (ret != 0 || memcmp(got, want, 32) != 0 || (lib != 0 && !sodium_is_zero(r, 32))) {
		test_failures++;
		fprintf(stderr, "%s:%d: ct__ed25519_table_mult (%s) returned %d, libsodium %d\n",
			__FILE__, line, key ? "key" : "base point", ret, lib);
		if (key)
			dump("point", pk, 32);
		dump("a", a, 32);
		dump("got [a]P", got, 32);
		dump("want", want, 32);
	}
}

/* --- the scalars that stress a table walk: digits of 0, 8 and 15, carries, around L --- */

enum { MAX_EDGES = 256 };
static uint8_t edges[MAX_EDGES][32];
static size_t n_edges;

static uint8_t *edge_new(void)
{
	uint8_t *e;

	if (n_edges == MAX_EDGES)
		abort();
	e = edges[n_edges++];

	memset(e, 0, 32);
	return e;
}

static void edges_make(void)
{
	static const unsigned small[] = {
		0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 0x7f, 0x80, 0x88, 0xf8, 0xff};
	static const int around_l[] = {-16, -9, -8, -2, -1, 0, 1, 8, 15, 16};
	static const uint8_t fills[][2] = {{0x88, 0x08}, {0xff, 0x0f}, {0x8f, 0x08}, {0xf8, 0x0f},
		{0x88, 0x18}, {0xff, 0x1f}, {0x80, 0x08}, {0x08, 0x08}, {0xf0, 0x0f}, {0x0f, 0x0f},
		{0x78, 0x07}, {0x77, 0x07}, {0x99, 0x09}};
	uint8_t *e;
	size_t i;
	int k;

	n_edges = 0;
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		edge_new()[0] = (uint8_t)small[i];
	for (i = 0; i < sizeof(around_l) / sizeof(around_l[0]); i++)
		add_small(edge_new(), order_l, around_l[i]);
	/* 2^252 - 1, 2^252, 2^252 + 1, 2^253 - 1 (the largest scalar table_mult takes) */
	for (k = -1; k <= 1; k++) {
		uint8_t p252[32] = {0};

		p252[31] = 0x10;
		add_small(edge_new(), p252, k);
	}
	e = edge_new();
	memset(e, 0xff, 32);
	e[31] = 0x1f;
	/* every byte the same, the top one kept below 2^253 */
	for (i = 0; i < sizeof(fills) / sizeof(fills[0]); i++) {
		e = edge_new();
		memset(e, fills[i][0], 32);
		e[31] = fills[i][1];
	}
	/* single digits of 8 (16^i * 8), runs of 15 (16^i - 1) and single ones (16^i) */
	for (k = 0; k < 63; k++) {
		e = edge_new();
		e[k / 2] = (uint8_t)(k % 2 ? 0x80 : 0x08);
	}
	for (k = 1; k <= 63; k++) {
		e = edge_new();
		memset(e, 0xff, (size_t)k / 2);
		if (k % 2)
			e[k / 2] = 0x0f;
		e = edge_new();
		e[k / 2] = (uint8_t)(k % 2 ? 0x10 : 0x01);
	}
}

/* --- the tests --- */

/* Two threads build keys while they verify (the base point's table may be built lazily), then
 * two threads verify with one shared key object; both must get every answer right. */
enum { THREAD_SIGS = 48 };
struct job {
	const ct__ed25519_key *shared;
	const uint8_t *pk;
	uint8_t sigs[THREAD_SIGS][64];
	uint8_t msgs[THREAD_SIGS][40];
	int want[THREAD_SIGS];
	int wrong;
};

static void *job_build(void *arg)
{
	struct job *job = arg;
	ct__ed25519_key *key = ct__ed25519_key_new(job->pk);
	uint8_t out[32];
	int i;

	if (!key || !ct__ed25519_key_has_table(key) ||
		ct__ed25519_table_mult(out, NULL, order_l) != 0 || memcmp(out, identity, 32) != 0) {
		job->wrong++;
	} else {
		for (i = 0; i < THREAD_SIGS; i++)
			if (ct__ed25519_verify(key, job->sigs[i], job->msgs[i], 40) != job->want[i])
				job->wrong++;
	}
	ct__ed25519_key_free(key);
	return NULL;
}

static void *job_verify(void *arg)
{
	struct job *job = arg;
	int round, i;

	for (round = 0; round < 4; round++)
		for (i = 0; i < THREAD_SIGS; i++) {
			if (ct__ed25519_verify(job->shared, job->sigs[i], job->msgs[i], 40) !=
				job->want[i])
				job->wrong++;
			if (ct__ed25519_fast_accepts(job->shared, job->sigs[i], job->msgs[i], 40) !=
				(job->want[i] == 0))
				job->wrong++;
		}
	return NULL;
}

/* Runs fn on both jobs at once, one thread each; neither may find a wrong verdict. */
static void run_pair(void *(*fn)(void *), struct job jobs[2])
{
	pthread_t th[2];
	int t;

	for (t = 0; t < 2; t++)
		CHECK_INT(pthread_create(&th[t], NULL, fn, &jobs[t]), 0);
	for (t = 0; t < 2; t++)
		CHECK_INT(pthread_join(th[t], NULL), 0);
	CHECK_INT(jobs[0].wrong, 0);
	CHECK_INT(jobs[1].wrong, 0);
}

static void test_threads(void)
{
	struct keypair kp;
	struct job jobs[2];
	int i, ok, valid_count = 0;

	keypair_make(&kp);
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < THREAD_SIGS; i++) {
		rnd(jobs[0].msgs[i], 40);
		crypto_sign_detached(jobs[0].sigs[i], NULL, jobs[0].msgs[i], 40, kp.sk);
		if (i % 2)
			jobs[0].sigs[i][rnd_below(64)] ^= (uint8_t)(1u << rnd_below(8));
		ok = crypto_sign_verify_detached(jobs[0].sigs[i], jobs[0].msgs[i], 40, kp.pk) == 0;
		jobs[0].want[i] = ok ? 0 : -1;
		valid_count += jobs[0].want[i] == 0;
	}
	CHECK_INT(valid_count, THREAD_SIGS / 2);
	jobs[0].pk = kp.pk;
	jobs[1] = jobs[0];
	run_pair(job_build, jobs);

	jobs[0].shared = jobs[1].shared = ct__ed25519_key_new(kp.pk);
	CHECK(jobs[0].shared != NULL);
	if (!jobs[0].shared)
		return;
	run_pair(job_verify, jobs);
	ct__ed25519_key_free((ct__ed25519_key *)jobs[0].shared);
}

/* [a]B from the base point's table, for the edge scalars and random ones below L and 2^253. */
static void test_base_mult(void)
{
	uint8_t a[32], wide[64], out[32];
	size_t i;

	CHECK_INT(ct__ed25519_table_mult(out, NULL, identity), 0); /* the scalar 1 */
	CHECK(memcmp(out, base_point, 32) == 0);
	CHECK_INT(ct__ed25519_table_mult(out, NULL, order_l), 0);
	CHECK(memcmp(out, identity, 32) == 0);
	memset(a, 0, sizeof(a));
	CHECK_INT(ct__ed25519_table_mult(out, NULL, a), 0);
	CHECK(memcmp(out, identity, 32) == 0);

	/* scalars of 2^253 and more are refused, not read past the table */
	memset(a, 0, sizeof(a));
	a[31] = 0x20;
	CHECK_INT(ct__ed25519_table_mult(out, NULL, a), -1);
	memset(a, 0xff, sizeof(a));
	CHECK_INT(ct__ed25519_table_mult(out, NULL, a), -1);

	for (i = 0; i < n_edges; i++)
		MULT_OK(NULL, NULL, edges[i]);
	for (i = 0; i < 256; i++) {
		rnd(wide, sizeof(wide));
		crypto_core_ed25519_scalar_reduce(a, wide);
		MULT_OK(NULL, NULL, a);
	}
	for (i = 0; i < 64; i++) {
		rnd(a, sizeof(a));
		a[31] &= 0x1f;
		MULT_OK(NULL, NULL, a);
	}
}

/* [a]A from a key's table against crypto_scalarmult_ed25519_noclamp. */
static void test_key_mult(void)
{
	struct keypair kp;
	ct__ed25519_key *key;
	uint8_t a[32], wide[64], out[32], neg[32];
	size_t i, j;

	for (i = 0; i < 24; i++) {
		keypair_make(&kp);
		if (i == 0) {
			/* the secret scalar this file derives is the one libsodium signs with */
			CHECK_INT(crypto_scalarmult_ed25519_base_noclamp(out, kp.a), 0);
			CHECK(memcmp(out, kp.pk, 32) == 0);
		}
		key = ct__ed25519_key_new(kp.pk);
		CHECK(key != NULL);
		if (!key)
			continue;
		CHECK_INT(ct__ed25519_key_has_table(key), 1);
		CHECK_INT(ct__ed25519_table_mult(out, key, identity), 0);
		CHECK(memcmp(out, kp.pk, 32) == 0);
		CHECK_INT(ct__ed25519_table_mult(out, key, order_l), 0);
		CHECK(memcmp(out, identity, 32) == 0);
		/* [L - 1]A = -A: the same y, the other sign */
		add_small(a, order_l, -1);
		memcpy(neg, kp.pk, 32);
		neg[31] ^= 0x80;
		CHECK_INT(ct__ed25519_table_mult(out, key, a), 0);
		CHECK(memcmp(out, neg, 32) == 0);
		memset(a, 0, sizeof(a));
		a[31] = 0x80;
		CHECK_INT(ct__ed25519_table_mult(out, key, a), -1);
		if (i < 2)
			for (j = 0; j < n_edges; j++)
				MULT_OK(key, kp.pk, edges[j]);
		for (j = 0; j < 16; j++) {
			if (j % 2) {
				rnd(a, sizeof(a));
				a[31] &= 0x1f;
			} else {
				rnd(wide, sizeof(wide));
				crypto_core_ed25519_scalar_reduce(a, wide);
			}
			MULT_OK(key, kp.pk, a);
		}
		ct__ed25519_key_free(key);
	}
}

/* Mutations of a valid signature: all must be refused, by the fast path too. */
static void mutate(const ct__ed25519_key *key, const uint8_t pk[32], const uint8_t sig[64],
	uint8_t *msg, size_t len, const ct__ed25519_key *other, const uint8_t other_pk[32],
	int every_bit)
{
	uint8_t bad[64];
	size_t i, bit;

	for (i = 0; i < (every_bit ? 512u : 8u); i++) {
		/* four bits of R, then four of S */
		bit = every_bit ? i : (i < 4 ? rnd_below(256) : 256 + rnd_below(256));
		memcpy(bad, sig, 64);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_INT(AGREE(key, pk, bad, msg, len), -1);
	}
	for (i = 0; len && i < 4; i++) {
		bit = rnd_below(len * 8);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_INT(AGREE(key, pk, sig, msg, len), -1);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	if (len)
		CHECK_INT(AGREE(key, pk, sig, msg, len - 1), -1);
	msg[len] = (uint8_t)rnd_below(256);
	CHECK_INT(AGREE(key, pk, sig, msg, len + 1), -1);
	if (other)
		CHECK_INT(AGREE(other, other_pk, sig, msg, len), -1);
}

/* Valid signatures by hundreds of keys over messages of 0 to 2000 bytes, and their mutations. */
static void test_signatures(void)
{
	/* around SHA-512's 128-byte blocks, after the 64 bytes of R || A */
	static const size_t lens[] = {0, 1, 2, 31, 32, 47, 48, 63, 64, 65, 111, 112, 127, 128, 129,
		175, 176, 239, 240, 1000, 1999, 2000};
	static uint8_t msg[2001];
	struct keypair kp, prev;
	ct__ed25519_key *key, *prev_key = NULL;
	uint8_t sig[64];
	size_t i, j, len, n = 0;

	for (i = 0; i < 300; i++) {
		keypair_make(&kp);
		key = ct__ed25519_key_new(kp.pk);
		CHECK(key != NULL);
		if (!key)
			continue;
		CHECK_INT(ct__ed25519_key_has_table(key), 1);
		for (j = 0; j < (i % 4 ? 1u : 4u); j++, n++) {
			len = n < sizeof(lens) / sizeof(lens[0]) ? lens[n] : rnd_below(2001);
			rnd(msg, len);
			crypto_sign_detached(sig, NULL, msg, len, kp.sk);
			VALID(key, kp.pk, sig, msg, len);
			if (len == 0)
				VALID(key, kp.pk, sig, NULL, 0);
			if (i < 100 && j == 0)
				mutate(key, kp.pk, sig, msg, len, prev_key, prev.pk, i == 0);
		}
		ct__ed25519_key_free(prev_key);
		prev_key = key;
		prev = kp;
	}
	ct__ed25519_key_free(prev_key);
}

/* Signatures a signer never makes: S not reduced, R of small order or not canonical, R with a
 * torsion component, and R the identity with an S for which [S]B - [k]A = R does hold. */
static void test_edge_signatures(void)
{
	struct keypair kp;
	ct__ed25519_key *key;
	uint8_t msg[200], sig[64], bad[64], r[32], r_enc[32], k[32], sb[32], ka[32];
	size_t i, j, len;
	int mult;

	for (i = 0; i < 8; i++) {
		keypair_make(&kp);
		key = ct__ed25519_key_new(kp.pk);
		CHECK(key != NULL);
		if (!key)
			continue;
		len = i == 0 ? 0 : rnd_below(sizeof(msg));
		rnd(msg, len);
		crypto_sign_detached(sig, NULL, msg, len, kp.sk);
		VALID(key, kp.pk, sig, msg, len);

		/* this file's own signer, which the constructions below rely on */
		nonce_make(r, r_enc);
		sign_raw(bad, r_enc, r, kp.pk, kp.a, msg, len);
		VALID(key, kp.pk, bad, msg, len);

		/* S + m L for m = 1..15: the same S mod L, not canonical */
		memcpy(bad, sig, 64);
		for (mult = 1; mult < 16; mult++) {
			if (add32(bad + 32, bad + 32, order_l))
				break;
			CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);
		}
		CHECK(mult >= 15);
		/* S = L, L + 1, 0, 2^256 - 1, and S with its top three bits set */
		memcpy(bad, sig, 64);
		memcpy(bad + 32, order_l, 32);
		CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);
		add_small(bad + 32, order_l, 1);
		CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);
		memset(bad + 32, 0, 32);
		CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);
		memset(bad + 32, 0xff, 32);
		CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);
		memcpy(bad, sig, 64);
		bad[63] |= 0xe0;
		CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);

		/* R of small order or not canonical, S kept */
		for (j = 0; j < N_SMALL_ORDER + N_NONCANONICAL; j++) {
			memcpy(bad, sig, 64);
			if (j < N_SMALL_ORDER)
				small_order(bad, j);
			else
				noncanonical(bad, j - N_SMALL_ORDER);
			CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);
		}

		/* R = identity and S = k a: [S]B - [k]A is the identity, encoded as R is, yet
		 * libsodium refuses R for its small order. Then the same S with R's sign bit set.
		 */
		memset(r, 0, sizeof(r));
		sign_raw(bad, identity, r, kp.pk, kp.a, msg, len);
		challenge(k, identity, kp.pk, msg, len);
		CHECK_INT(crypto_scalarmult_ed25519_base_noclamp(sb, bad + 32), 0);
		CHECK_INT(crypto_scalarmult_ed25519_noclamp(ka, k, kp.pk), 0);
		CHECK(memcmp(sb, ka, 32) == 0); /* the equation does hold */
		CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);
		bad[31] |= 0x80;
		CHECK_INT(AGREE(key, kp.pk, bad, msg, len), -1);

		/* R plus a point of order 2, 4 or 8 (or the identity, which changes nothing), S
		 * kept, and S made for that R */
		for (j = 0; j < N_SMALL_ORDER; j++) {
			uint8_t t[32], r_plus[32];

			small_order(t, j);
			if (crypto_core_ed25519_add(bad, sig, t) != 0)
				continue;
			memcpy(bad + 32, sig + 32, 32);
			CHECK_INT(AGREE(key, kp.pk, bad, msg, len), memcmp(bad, sig, 32) ? -1 : 0);
			nonce_make(r, r_enc);
			CHECK_INT(crypto_core_ed25519_add(r_plus, r_enc, t), 0);
			sign_raw(bad, r_plus, r, kp.pk, kp.a, msg, len);
			CHECK_INT(AGREE(key, kp.pk, bad, msg, len),
				memcmp(r_plus, r_enc, 32) ? -1 : 0);
		}
		ct__ed25519_key_free(key);
	}
}

/* The small-order list is right: doubling a point of order 8 gives one of order 4, then 2,
 * then the identity. */
static void test_small_order_list(void)
{
	const uint8_t *start[2] = {order8_a, order8_b};
	uint8_t p[32], order2[32];
	int i;

	small_order(order2, 4);
	for (i = 0; i < 2; i++) {
		CHECK_INT(crypto_core_ed25519_add(p, start[i], start[i]), 0);
		CHECK(sodium_is_zero(p, 31) && (p[31] & 0x7f) == 0); /* y = 0, order 4 */
		CHECK_INT(crypto_core_ed25519_add(p, p, p), 0);
		CHECK(memcmp(p, order2, 32) == 0); /* y = p - 1, order 2 */
		CHECK_INT(crypto_core_ed25519_add(p, p, p), 0);
		CHECK(memcmp(p, identity, 32) == 0);
	}
}

/* Keys that get no table: small order, not canonical, with a torsion component, not on the
 * curve. ct__ed25519_verify must still give libsodium's verdict, including for signatures
 * libsodium accepts (a torsion key with a challenge k = 0 mod 8) and for ones where the
 * equation holds only because the key has small order. */
static void test_bad_keys(void)
{
	enum { MAX_BAD = 80 };
	static uint8_t bad_keys[MAX_BAD][32];
	struct keypair kp;
	ct__ed25519_key *key;
	uint8_t msg[64], sig[64], forged[64], r[32], r_enc[32], k[32], t[32], out[32], y[32];
	size_t i, n = 0, tries, len = sizeof(msg);
	int libsodium_accepted = 0, found, torsion_first, torsion_end;

	keypair_make(&kp);
	rnd(msg, len);
	crypto_sign_detached(sig, NULL, msg, len, kp.sk);

	for (i = 0; i < N_SMALL_ORDER; i++)
		small_order(bad_keys[n++], i);
	for (i = 0; i < N_NONCANONICAL; i++)
		noncanonical(bad_keys[n++], i);
	/* the genuine key plus each small-order point that is a point */
	torsion_first = (int)n;
	for (i = 0; i < N_SMALL_ORDER; i++) {
		if (i % 7 == 1 || i % 7 >= 5)
			continue; /* the identity, and p and p + 1, which are 0 and 1 again */
		small_order(t, i);
		if (crypto_core_ed25519_add(bad_keys[n], kp.pk, t) == 0)
			n++;
	}
	torsion_end = (int)n;
	CHECK(torsion_end - torsion_first >= 6); /* orders 4 and 8 with both signs, order 2 */
	/* y values not on the curve: small ones, then random bytes */
	memset(y, 0, sizeof(y));
	for (i = 2, found = 0; i < 64 && found < 3; i++) {
		y[0] = (uint8_t)i;
		if (crypto_core_ed25519_add(out, y, base_point) != 0) {
			memcpy(bad_keys[n++], y, 32);
			found++;
		}
	}
	CHECK_INT(found, 3);
	for (tries = 0, found = 0; tries < 64 && found < 3; tries++) {
		rnd(y, sizeof(y));
		if (crypto_core_ed25519_add(out, y, base_point) != 0) {
			memcpy(bad_keys[n++], y, 32);
			found++;
		}
	}
	CHECK_INT(found, 3);

	for (i = 0; i < n; i++) {
		const uint8_t *pk = bad_keys[i];

		key = ct__ed25519_key_new(pk);
		CHECK(key != NULL);
		if (!key)
			continue;
		/* none of these is a valid point, except that an unpatched libsodium 1.0.18 (before
		 * Debian's 1.0.18-1+deb12u1) takes Q + (0, -1) for one: such a key gets a table,
		 * and the verdicts below must agree all the same */
		CHECK_INT(ct__ed25519_key_has_table(key), crypto_core_ed25519_is_valid_point(pk));
		/* the fast path's own checks, whatever libsodium says: a genuine key plus a
		 * small-order point is canonical, on the curve and not of small order; no other
		 * key here is */
		CHECK_INT(ct__ed25519_key_check(pk),
			(int)i >= torsion_first && (int)i < torsion_end ? 0 : -1);
		if (!ct__ed25519_key_has_table(key)) {
			CHECK_INT(ct__ed25519_table_mult(out, key, identity), -1);
			CHECK_INT(ct__ed25519_fast_accepts(key, sig, msg, len), 0);
		}
		AGREE(key, pk, sig, msg, len);

		/* R = [S]B: valid under the identity, under any small-order key when k kills it */
		rnd(forged, 64);
		mod_l(forged + 32, forged + 32);
		if (crypto_scalarmult_ed25519_base_noclamp(forged, forged + 32) == 0)
			AGREE(key, pk, forged, msg, len);
		/* and with R = identity, S = 0 */
		memset(forged, 0, 64);
		forged[0] = 1;
		AGREE(key, pk, forged, msg, len);

		if ((int)i >= torsion_first && (int)i < torsion_end) {
			/* A' = A + T: with k = 0 mod 8, [S]B - [k]A' = [r]B - [k]T = R, and
			 * libsodium 1.0.18 (which does not check the key's subgroup) accepts. */
			for (tries = 0; tries < 400; tries++) {
				nonce_make(r, r_enc);
				challenge(k, r_enc, pk, msg, len);
				if ((k[0] & 7) == 0)
					break;
			}
			CHECK(tries < 400);
			sign_raw(forged, r_enc, r, pk, kp.a, msg, len);
			if (AGREE(key, pk, forged, msg, len) == 0)
				libsodium_accepted++;
			CHECK_INT(ct__ed25519_fast_accepts(key, forged, msg, len), 0);
			/* and one with k != 0 mod 8 (refused unless T is the identity) */
			do {
				nonce_make(r, r_enc);
				challenge(k, r_enc, pk, msg, len);
			} while ((k[0] & 7) == 0);
			sign_raw(forged, r_enc, r, pk, kp.a, msg, len);
			AGREE(key, pk, forged, msg, len);
		}
		ct__ed25519_key_free(key);
	}
	/* the premise of the torsion cases: libsodium did accept those signatures */
	CHECK_INT(libsodium_accepted, torsion_end - torsion_first);
}

/* Genuine keys get a table: generated ones, a key's negation (another point of the subgroup),
 * and points with no known secret. */
static void test_genuine_keys(void)
{
	struct keypair kp;
	ct__ed25519_key *key;
	uint8_t pk[32], sk[64], neg_a[32], r[32], r_enc[32], msg[100], sig[64], a[32], wide[64];
	uint8_t uniform[32], point[32];
	size_t i, j, len;

	for (i = 0; i < 8; i++) {
		crypto_sign_keypair(pk, sk); /* system randomness: any genuine key will do */
		key = ct__ed25519_key_new(pk);
		CHECK(key != NULL);
		CHECK_INT(ct__ed25519_key_has_table(key), 1);
		CHECK_INT(ct__ed25519_key_check(pk), 0);
		len = rnd_below(sizeof(msg));
		rnd(msg, len);
		crypto_sign_detached(sig, NULL, msg, len, sk);
		VALID(key, pk, sig, msg, len);
		ct__ed25519_key_free(key);
	}

	for (i = 0; i < 8; i++) {
		keypair_make(&kp);
		memcpy(pk, kp.pk, 32);
		pk[31] ^= 0x80;
		crypto_core_ed25519_scalar_negate(neg_a, kp.a);
		CHECK_INT(crypto_core_ed25519_is_valid_point(pk), 1);
		key = ct__ed25519_key_new(pk);
		CHECK(key != NULL);
		CHECK_INT(ct__ed25519_key_has_table(key), 1);
		len = rnd_below(sizeof(msg));
		rnd(msg, len);
		nonce_make(r, r_enc);
		sign_raw(sig, r_enc, r, pk, neg_a, msg, len);
		VALID(key, pk, sig, msg, len);
		sig[40] ^= 4;
		CHECK_INT(AGREE(key, pk, sig, msg, len), -1);
		ct__ed25519_key_free(key);
	}

	for (i = 0; i < 8; i++) {
		rnd(uniform, sizeof(uniform));
		crypto_core_ed25519_from_uniform(point, uniform);
		key = ct__ed25519_key_new(point);
		CHECK(key != NULL);
		CHECK_INT(
			ct__ed25519_key_has_table(key), crypto_core_ed25519_is_valid_point(point));
		if (!ct__ed25519_key_has_table(key)) {
			ct__ed25519_key_free(key);
			continue;
		}
		for (j = 0; j < 4; j++) {
			rnd(wide, sizeof(wide));
			crypto_core_ed25519_scalar_reduce(a, wide);
			MULT_OK(key, point, a);
		}
		ct__ed25519_key_free(key);
	}
	ct__ed25519_key_free(NULL);
}

/* A build without the tables (no __int128, or CT_ED25519_NO_TABLES as meson builds this file a
 * second time): no key gets a table, nothing is multiplied, and every verdict is libsodium's. */
static void test_without_tables(void)
{
	uint8_t pk[32], sk[64], sig[64], msg[300], out[32], one[32] = {1};
	ct__ed25519_key *key;
	int i, bit;

	CHECK_INT(ct__ed25519_table_mult(out, NULL, one), -1);
	for (i = 0; i < 40; i++) {
		rnd(msg, sizeof(msg));
		crypto_sign_keypair(pk, sk);
		CHECK_INT(crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk), 0);
		key = ct__ed25519_key_new(pk);
		CHECK(key != NULL);
		if (!key)
			continue;
		CHECK_INT(ct__ed25519_key_has_table(key), 0);
		CHECK_INT(ct__ed25519_key_check(pk), -1);
		CHECK_INT(ct__ed25519_table_mult(out, key, one), -1);
		CHECK_INT(ct__ed25519_fast_accepts(key, sig, msg, sizeof(msg)), 0);
		CHECK_INT(ct__ed25519_verify(key, sig, msg, sizeof(msg)), 0);
		AGREE(key, pk, sig, msg, sizeof(msg));
		for (bit = i % 8; bit < 512; bit += 61) {
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CHECK_INT(ct__ed25519_verify(key, sig, msg, sizeof(msg)), -1);
			AGREE(key, pk, sig, msg, sizeof(msg));
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		ct__ed25519_key_free(key);
	}
}

int main(void)
{
	const char *seed = getenv("CT_TEST_SEED");

	if (ct_init() < 0) {
		fprintf(stderr, "ct_init failed: %s\n", ct_error_last());
		return 1;
	}
	if (!seed || !*seed)
		seed = "claimtrail test_ed25519";
	fprintf(stderr, "seed \"%s\" (set CT_TEST_SEED to change it)\n", seed);
	crypto_generichash(rng_key, sizeof(rng_key), (const uint8_t *)seed, strlen(seed), NULL, 0);
	edges_make();

	if (!ct__ed25519_tables_available()) {
		fprintf(stderr, "built without the tables: checking the libsodium-only path\n");
		test_without_tables();
		return test_finish();
	}
	test_threads(); /* first, so that nothing has built a shared table yet */
	test_small_order_list();
	test_base_mult();
	test_key_mult();
	test_signatures();
	test_edge_signatures();
	test_bad_keys();
	test_genuine_keys();
	return test_finish();
}
