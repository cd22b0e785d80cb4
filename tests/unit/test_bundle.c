/* Unit tests for merkle.c: RFC 9162 tree hashes against hand-built trees (the split at the
 * largest power of two below n), the streaming builder, inclusion proofs and tampering. */
#include "test.h"
#include "sha256.h"

#include <sodium.h>

static uint8_t leaves[64][CT_HASH_LEN];

static void make_leaves(size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char data[16];
		int len = snprintf(data, sizeof(data), "leaf %zu", i);
		ct_merkle_leaf_hash(leaves[i], (const uint8_t *)data, (size_t)len);
	}
}

static void node(uint8_t out[CT_HASH_LEN], const uint8_t *l, const uint8_t *r)
{
	ct_merkle_node_hash(out, l, r);
}

static void test_hashes(void)
{
	uint8_t want[CT_HASH_LEN], got[CT_HASH_LEN], buf[65];

	/* leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r) */
	buf[0] = 0x00;
	memcpy(buf + 1, "abc", 3);
	crypto_hash_sha256(want, buf, 4);
	ct_merkle_leaf_hash(got, (const uint8_t *)"abc", 3);
	CHECK(memcmp(want, got, CT_HASH_LEN) == 0);
	buf[0] = 0x01;
	memcpy(buf + 1, leaves[0], 32);
	memcpy(buf + 33, leaves[1], 32);
	crypto_hash_sha256(want, buf, 65);
	node(got, leaves[0], leaves[1]);
	CHECK(memcmp(want, got, CT_HASH_LEN) == 0);
	/* the empty tree is SHA-256 of the empty string */
	{
		char hex[65];
		ct_merkle_root_of(got, NULL, 0);
		ct_hex(hex, got, CT_HASH_LEN);
		CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	}
}

/* The OpenSSL SHA-256 of sha256.c against libsodium's, around the block and padding edges. */
static void test_sha256(void)
{
	static const size_t lens[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 4096};
	uint8_t data[4096], want[32], got[32];
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + 7);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		crypto_hash_sha256(want, data, lens[i]);
		ct__sha256(got, data, lens[i]);
		CHECK(memcmp(want, got, 32) == 0);
		ct__sha256_pair(got, data, lens[i] / 3, data + lens[i] / 3, lens[i] - lens[i] / 3);
		CHECK(memcmp(want, got, 32) == 0);
	}
}

/* Hand-built trees: RFC 9162 splits n at the largest power of two k < n. */
static void test_small_trees(void)
{
	uint8_t a[CT_HASH_LEN], b[CT_HASH_LEN], c[CT_HASH_LEN], d[CT_HASH_LEN], want[CT_HASH_LEN],
		got[CT_HASH_LEN];

	make_leaves(8);
	ct_merkle_root_of(got, (const uint8_t(*)[CT_HASH_LEN])leaves, 1);
	CHECK(memcmp(got, leaves[0], CT_HASH_LEN) == 0);

	node(want, leaves[0], leaves[1]);
	ct_merkle_root_of(got, (const uint8_t(*)[CT_HASH_LEN])leaves, 2);
	CHECK(memcmp(got, want, CT_HASH_LEN) == 0);

	/* n = 3: k = 2 -> ((0 1) 2), not (0 (1 2)) */
	node(a, leaves[0], leaves[1]);
	node(want, a, leaves[2]);
	ct_merkle_root_of(got, (const uint8_t(*)[CT_HASH_LEN])leaves, 3);
	CHECK(memcmp(got, want, CT_HASH_LEN) == 0);

	/* n = 5: k = 4 -> (((0 1) (2 3)) 4) */
	node(a, leaves[0], leaves[1]);
	node(b, leaves[2], leaves[3]);
	node(c, a, b);
	node(want, c, leaves[4]);
	ct_merkle_root_of(got, (const uint8_t(*)[CT_HASH_LEN])leaves, 5);
	CHECK(memcmp(got, want, CT_HASH_LEN) == 0);

	/* n = 7: (((0 1) (2 3)) ((4 5) 6)) */
	node(d, leaves[4], leaves[5]);
	node(d, d, leaves[6]);
	node(want, c, d);
	ct_merkle_root_of(got, (const uint8_t(*)[CT_HASH_LEN])leaves, 7);
	CHECK(memcmp(got, want, CT_HASH_LEN) == 0);
}

static void test_streaming(void)
{
	size_t n, i;

	make_leaves(64);
	for (n = 0; n <= 64; n++) {
		ct_merkle m;
		uint8_t a[CT_HASH_LEN], b[CT_HASH_LEN];
		ct_merkle_init(&m);
		for (i = 0; i < n; i++)
			ct_merkle_add(&m, leaves[i]);
		ct_merkle_root(&m, a);
		ct_merkle_root_of(b, (const uint8_t(*)[CT_HASH_LEN])leaves, n);
		CHECK(memcmp(a, b, CT_HASH_LEN) == 0);
	}
}

static void test_proofs(void)
{
	uint8_t path[CT_MERKLE_MAX_PATH][CT_HASH_LEN];
	uint8_t root[CT_HASH_LEN], other[CT_HASH_LEN];
	size_t n, i, len;

	make_leaves(17);
	for (n = 1; n <= 17; n++) {
		ct_merkle_root_of(root, (const uint8_t(*)[CT_HASH_LEN])leaves, n);
		for (i = 0; i < n; i++) {
			const uint8_t(*p)[CT_HASH_LEN] = (const uint8_t(*)[CT_HASH_LEN])path;
			CHECK_INT(ct_merkle_path(path, &len, (const uint8_t(*)[CT_HASH_LEN])leaves, n, i),
				0);
			CHECK_INT(ct_merkle_verify_path(leaves[i], i, n, p, len, root), 0);
			/* another leaf, index, size or root fails */
			CHECK_INT(ct_merkle_verify_path(leaves[(i + 1) % 17], i, n, p, len, root),
				CT_EBADSIG);
			if (n > 1)
				CHECK_INT(ct_merkle_verify_path(leaves[i], (i + 1) % n, n, p, len, root),
					CT_EBADSIG);
			/* (A size whose audit path has the same shape verifies the same root: the
			 * root, not the size, is what a proof is checked against.) */
			CHECK_INT(ct_merkle_verify_path(leaves[i], n, n, p, len, root), CT_EBADSIG);
			memcpy(other, root, CT_HASH_LEN);
			other[5] ^= 1;
			CHECK_INT(ct_merkle_verify_path(leaves[i], i, n, p, len, other), CT_EBADSIG);
			if (len > 0) {
				/* a flipped bit anywhere in the path, a path too short or too long */
				size_t j;
				for (j = 0; j < len; j++) {
					path[j][j % CT_HASH_LEN] ^= 0x80;
					CHECK_INT(ct_merkle_verify_path(leaves[i], i, n, p, len, root),
						CT_EBADSIG);
					path[j][j % CT_HASH_LEN] ^= 0x80;
				}
				CHECK_INT(ct_merkle_verify_path(leaves[i], i, n, p, len - 1, root),
					CT_EBADSIG);
			}
			memcpy(path[len], leaves[0], CT_HASH_LEN);
			CHECK_INT(ct_merkle_verify_path(leaves[i], i, n, p, len + 1, root), CT_EBADSIG);
		}
		CHECK_INT(ct_merkle_path(path, &len, (const uint8_t(*)[CT_HASH_LEN])leaves, n, n),
			CT_EINVALID);
	}
	/* the audit path of leaf 6 of 7 is [MTH(0..3), MTH(4..5)] (nearest the leaf first) */
	{
		uint8_t want0[CT_HASH_LEN], a[CT_HASH_LEN], b[CT_HASH_LEN];
		ct_merkle_path(path, &len, (const uint8_t(*)[CT_HASH_LEN])leaves, 7, 6);
		CHECK_INT(len, 2);
		node(want0, leaves[4], leaves[5]);
		CHECK(memcmp(path[0], want0, CT_HASH_LEN) == 0);
		node(a, leaves[0], leaves[1]);
		node(b, leaves[2], leaves[3]);
		node(a, a, b);
		CHECK(memcmp(path[1], a, CT_HASH_LEN) == 0);
	}
}

int main(void)
{
	if (ct_init() < 0)
		return 99;
	test_sha256();
	test_hashes();
	test_small_trees();
	test_streaming();
	test_proofs();
	return test_finish();
}
