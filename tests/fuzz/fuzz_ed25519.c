/*
 * libFuzzer target: the Ed25519 verifier with per-key tables (ed25519.c) against libsodium.
 * ct__ed25519_verify must always give crypto_sign_verify_detached's verdict, the fast path
 * must accept only what libsodium accepts (and, for a key with a table, everything it
 * accepts), a key must get a table exactly when libsodium calls it a valid point, and the
 * table multiplications must match libsodium's. Build as fuzz_record.c says, adding
 * -Ded25519_tables=true (without it there is no fast path, and no such target), then
 *   build-fuzz/tests/fuzz_ed25519 -max_total_time=180 CORPUS_DIR
 *
 * Input, first byte odd: a raw 32-byte key, 64-byte signature and the message, as they come.
 * First byte even: a 32-byte seed for a keypair, a count of edits (low 3 bits), the edits
 * (3 bytes each: what, where, value) and the message. The message is signed, then edited:
 * bytes of the signature, message or key flipped, S + m L, R replaced by a small-order or
 * non-canonical encoding, a torsion point added to the key, the key negated, or the message
 * re-signed with a chosen R (possibly the identity, for which [S]B - [k]A = R holds).
 */
#include "claimtrail.h"
#include "ed25519.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t order_l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c,
	0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
static const uint8_t identity[32] = {1};
static const uint8_t order8[2][32] = {
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
		0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d,
		0x53, 0xfc, 0x05},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
		0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92,
		0xac, 0x03, 0x7a},
};

/* Prints what went wrong and the values, then stops (libFuzzer keeps the input). */
static void fail(const char *what, const uint8_t pk[32], const uint8_t sig[64], const uint8_t *msg,
	size_t len)
{
	char hex[2 * 64 + 1];

	fprintf(stderr, "fuzz_ed25519: %s\n", what);
	ct_hex(hex, pk, 32);
	fprintf(stderr, "  pk  %s\n", hex);
	ct_hex(hex, sig, 64);
	fprintf(stderr, "  sig %s\n", hex);
	fprintf(stderr, "  msg (%zu bytes)", len);
	while (len) {
		size_t n = len < 64 ? len : 64;

		ct_hex(hex, msg, n);
		fprintf(stderr, " %s", hex);
		msg += n;
		len -= n;
	}
	fprintf(stderr, "\n");
	abort();
}

/* An encoding libsodium refuses as R or as a key: the 7 of its small-order list (0, 1, the
 * two of order 8, p - 1, p, p + 1) and the other y >= p, with either sign bit. */
static void bad_encoding(uint8_t out[32], unsigned v)
{
	unsigned i = v % 26;

	if (i < 4) {
		memset(out, 0, 32);
		if (i == 1)
			out[0] = 1;
		else if (i >= 2)
			memcpy(out, order8[i - 2], 32);
	} else {
		memset(out, 0xff, 32);
		out[0] = (uint8_t)(0xec + i - 4); /* p - 1, then y = p + 0 .. p + 18 */
		out[31] = 0x7f;
	}
	if (v & 0x80)
		out[31] |= 0x80;
}

/* bad_encoding's points of order 4, 2 and 8 */
static const unsigned torsion[4] = {0, 4, 2, 3};

/* R || r + k a with k = SHA-512(R || pk || M) mod L */
static void sign_raw(uint8_t sig[64], const uint8_t r_enc[32], const uint8_t r[32],
	const uint8_t pk[32], const uint8_t a[32], const uint8_t *msg, size_t len)
{
	crypto_hash_sha512_state hs;
	uint8_t h[64], k[32], ka[32];

	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, r_enc, 32);
	crypto_hash_sha512_update(&hs, pk, 32);
	crypto_hash_sha512_update(&hs, msg, len);
	crypto_hash_sha512_final(&hs, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	memcpy(sig, r_enc, 32);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka);
}

/* [a]P by the table (P the key, or the base point) against libsodium, for a < 2^253. */
static void check_mult(const ct__ed25519_key *key, const uint8_t pk[32], const uint8_t a[32],
	const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	uint8_t wide[64] = {0}, r[32], got[32], want[32];
	int lib;

	memcpy(wide, a, 32);
	crypto_core_ed25519_scalar_reduce(r, wide);
	lib = key ? crypto_scalarmult_ed25519_noclamp(want, r, pk)
		  : crypto_scalarmult_ed25519_base_noclamp(want, r);
	if (lib != 0) {
		if (!sodium_is_zero(r, 32))
			fail("libsodium refused a nonzero scalar for a valid point", pk, sig, msg,
				len);
		memcpy(want, identity, 32);
	}
	if (ct__ed25519_table_mult(got, key, a) != 0 || memcmp(got, want, 32) != 0)
		fail(key ? "table_mult with the key's table differs from libsodium"
			 : "table_mult with the base point's table differs from libsodium",
			pk, sig, msg, len);
}

static void check(const uint8_t pk[32], const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	ct__ed25519_key *key = ct__ed25519_key_new(pk);
	uint8_t a[32];
	int want, got, fast, table;

	if (!key)
		fail("ct__ed25519_key_new returned NULL", pk, sig, msg, len);
	want = crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
	got = ct__ed25519_verify(key, sig, msg, len);
	fast = ct__ed25519_fast_accepts(key, sig, msg, len);
	table = ct__ed25519_key_has_table(key);
	if (got != want)
		fail(want ? "ct__ed25519_verify accepts what libsodium refuses"
			  : "ct__ed25519_verify refuses what libsodium accepts",
			pk, sig, msg, len);
	if (fast != 0 && fast != 1)
		fail("ct__ed25519_fast_accepts answered neither 0 nor 1", pk, sig, msg, len);
	if (fast && want)
		fail("ct__ed25519_fast_accepts accepts what libsodium refuses", pk, sig, msg, len);
	if (table != crypto_core_ed25519_is_valid_point(pk))
		fail(table ? "a table for a key libsodium finds invalid"
			   : "no table for a key libsodium finds valid",
			pk, sig, msg, len);
	if (crypto_core_ed25519_is_valid_point(pk) && ct__ed25519_key_check(pk) != 0)
		fail("the fast path's own key checks refuse a key libsodium finds valid", pk, sig,
			msg, len);
	if (table && !want && !fast)
		fail("the fast path declines a valid signature by a key with a table", pk, sig, msg,
			len);
	if (!table && fast)
		fail("ct__ed25519_fast_accepts accepts without a table", pk, sig, msg, len);

	/* the scalar multiplications, on S (as the fuzzer shapes it) below 2^253 */
	memcpy(a, sig + 32, 32);
	a[31] &= 0x1f;
	check_mult(NULL, pk, a, sig, msg, len);
	if (table)
		check_mult(key, pk, a, sig, msg, len);
	else if (ct__ed25519_table_mult(a, key, a) != -1)
		fail("table_mult without a table did not return -1", pk, sig, msg, len);
	ct__ed25519_key_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	uint8_t seed[32] = {0}, pk[32], sk[64], sig[64], a[32], h[64], t[32], r[32], r_enc[32];
	uint8_t *msg;
	const uint8_t *edits;
	size_t len, n_edits, i, pos;
	int m;

	if (!ready) {
		if (ct_init() < 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (size < 97)
			return 0;
		len = size - 97;
		msg = malloc(len ? len : 1);
		if (!msg)
			return 0;
		memcpy(msg, data + 97, len); /* a copy: ASan then catches reads past the end */
		check(data + 1, data + 33, msg, len);
		free(msg);
		return 0;
	}

	memcpy(seed, data + 1, size - 1 < 32 ? size - 1 : 32);
	n_edits = size > 33 ? data[33] & 7 : 0;
	edits = size > 34 ? data + 34 : NULL;
	if (n_edits * 3 > (size > 34 ? size - 34 : 0))
		n_edits = (size > 34 ? size - 34 : 0) / 3;
	pos = 34 + 3 * n_edits;
	len = size > pos ? size - pos : 0;
	msg = malloc(len + 1);
	if (!msg)
		return 0;
	if (len)
		memcpy(msg, data + pos, len);

	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_hash_sha512(h, seed, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memset(h + 32, 0, 32);
	crypto_core_ed25519_scalar_reduce(a, h); /* the secret scalar, so edits can re-sign */
	crypto_sign_detached(sig, NULL, msg, len, sk);

	for (i = 0; i < n_edits; i++) {
		unsigned what = edits[3 * i] % 8, where = edits[3 * i + 1], v = edits[3 * i + 2];

		switch (what) {
		case 0: sig[where % 64] ^= (uint8_t)v; break;
		case 1:
			if (len)
				msg[(where << 8 | v) % len] ^= (uint8_t)(1u << (v % 8));
			break;
		case 2: pk[where % 32] ^= (uint8_t)v; break;
		case 3: /* S + m L, mod 2^256 */
			for (m = 0; m <= (int)(v % 16); m++) {
				unsigned c = 0;
				int j;

				for (j = 0; j < 32; j++) {
					c += (unsigned)sig[32 + j] + order_l[j];
					sig[32 + j] = (uint8_t)c;
					c >>= 8;
				}
			}
			break;
		case 4: bad_encoding(where & 1 ? pk : sig, v); break;
		case 5: /* a torsion component: pk + T, T of order 2, 4 or 8 */
			bad_encoding(t, torsion[v % 4] | (v & 0x80));
			(void)crypto_core_ed25519_add(pk, pk, t);
			break;
		case 6: /* the key negated, with its secret */
			pk[31] ^= 0x80;
			crypto_core_ed25519_scalar_negate(a, a);
			break;
		case 7: /* re-signed with a chosen R: the identity, [r]B, or [r]B + T */
			memset(h, 0, sizeof(h));
			h[0] = (uint8_t)where;
			h[1] = (uint8_t)v;
			h[2] = (uint8_t)i;
			crypto_generichash(h, 64, h, 3, seed, 32);
			crypto_core_ed25519_scalar_reduce(r, h);
			if (v % 3 == 0 || crypto_scalarmult_ed25519_base_noclamp(r_enc, r) != 0) {
				memset(r, 0, 32);
				memcpy(r_enc, identity, 32);
			} else if (v % 3 == 2) {
				bad_encoding(t, torsion[where % 4] | (where & 0x80));
				(void)crypto_core_ed25519_add(r_enc, r_enc, t);
			}
			sign_raw(sig, r_enc, r, pk, a, msg, len);
			break;
		}
	}
	check(pk, sig, msg, len);
	free(msg);
	return 0;
}
