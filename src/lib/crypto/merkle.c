/*
 * The Merkle tree of RFC 9162 (section 2.1) over SHA-256, with distinct leaf (0x00) and node
 * (0x01) prefixes: the tree hash, a streaming builder, inclusion proofs and their check.
 *
 * The streaming builder keeps one perfect subtree per set bit of the leaf count (a binary
 * counter). RFC 9162 splits n leaves at the largest power of two k < n, so its tree is exactly
 * these perfect subtrees joined from the right; folding the stack right to left gives MTH.
 */
#include "claimtrail/bundle.h"

#include "sha256.h"

#include <sodium.h>
#include <string.h>

void ct_merkle_leaf_hash(uint8_t out[CT_HASH_LEN], const uint8_t *data, size_t len)
{
	static const uint8_t prefix = 0x00;

	ct__sha256_pair(out, &prefix, 1, data, len);
}

void ct_merkle_node_hash(
	uint8_t out[CT_HASH_LEN], const uint8_t left[CT_HASH_LEN], const uint8_t right[CT_HASH_LEN])
{
	uint8_t buf[1 + 2 * CT_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, CT_HASH_LEN);
	memcpy(buf + 1 + CT_HASH_LEN, right, CT_HASH_LEN);
	ct__sha256(out, buf, sizeof(buf));
}

void ct_merkle_init(ct_merkle *m)
{
	memset(m, 0, sizeof(*m));
}

/* stack[i] holds the perfect subtree of 2^b leaves for the i-th set bit b of size, from the most
 * significant bit down: the stack depth is the number of set bits. */
static unsigned popcount64(uint64_t v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

void ct_merkle_add(ct_merkle *m, const uint8_t leaf_hash[CT_HASH_LEN])
{
	unsigned depth = popcount64(m->size);
	uint64_t carry = m->size;
	uint8_t cur[CT_HASH_LEN];

	memcpy(cur, leaf_hash, CT_HASH_LEN);
	/* Each trailing 1 bit of size is a perfect subtree of the same height as cur: merge. */
	while (carry & 1) {
		depth--;
		ct_merkle_node_hash(cur, m->stack[depth], cur);
		carry >>= 1;
	}
	memcpy(m->stack[depth], cur, CT_HASH_LEN);
	m->size++;
}

void ct_merkle_root(const ct_merkle *m, uint8_t out[CT_HASH_LEN])
{
	unsigned depth = popcount64(m->size);
	uint8_t cur[CT_HASH_LEN];

	if (depth == 0) {
		ct__sha256(out, "", 0);
		return;
	}
	memcpy(cur, m->stack[depth - 1], CT_HASH_LEN);
	while (--depth > 0)
		ct_merkle_node_hash(cur, m->stack[depth - 1], cur);
	memcpy(out, cur, CT_HASH_LEN);
}

/* The largest power of two smaller than n (n > 1). */
static size_t split_point(size_t n)
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

void ct_merkle_root_of(uint8_t out[CT_HASH_LEN], const uint8_t (*leaves)[CT_HASH_LEN], size_t n)
{
	uint8_t left[CT_HASH_LEN], right[CT_HASH_LEN];
	size_t k;

	if (n == 0) {
		ct__sha256(out, "", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], CT_HASH_LEN);
		return;
	}
	k = split_point(n);
	ct_merkle_root_of(left, leaves, k);
	ct_merkle_root_of(right, leaves + k, n - k);
	ct_merkle_node_hash(out, left, right);
}

/* PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, PATH(m - k, D[k:n]) : MTH(D[0:k])
 * otherwise; the hashes nearest the leaf come first. */
static void path_rec(uint8_t (*path)[CT_HASH_LEN], size_t *len,
	const uint8_t (*leaves)[CT_HASH_LEN], size_t n, size_t m)
{
	size_t k;

	if (n <= 1)
		return;
	k = split_point(n);
	if (m < k) {
		path_rec(path, len, leaves, k, m);
		ct_merkle_root_of(path[(*len)++], leaves + k, n - k);
	} else {
		path_rec(path, len, leaves + k, n - k, m - k);
		ct_merkle_root_of(path[(*len)++], leaves, k);
	}
}

int ct_merkle_path(uint8_t (*path)[CT_HASH_LEN], size_t *path_len,
	const uint8_t (*leaves)[CT_HASH_LEN], size_t n, size_t index)
{
	*path_len = 0;
	if (index >= n)
		return ct_error_set(CT_EINVALID, "leaf %zu is not in a tree of %zu lea%s", index, n,
			n == 1 ? "f" : "ves");
	path_rec(path, path_len, leaves, n, index);
	return 0;
}

int ct_merkle_verify_path(const uint8_t leaf_hash[CT_HASH_LEN], uint64_t index, uint64_t size,
	const uint8_t (*path)[CT_HASH_LEN], size_t path_len, const uint8_t root[CT_HASH_LEN])
{
	uint64_t fn, sn;
	uint8_t r[CT_HASH_LEN];
	size_t i;

	if (index >= size)
		return ct_error_set(CT_EBADSIG, "leaf index %llu is not below the tree size %llu",
			(unsigned long long)index, (unsigned long long)size);
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, CT_HASH_LEN);
	for (i = 0; i < path_len; i++) {
		if (sn == 0)
			return ct_error_set(CT_EBADSIG, "the audit path is too long");
		if ((fn & 1) || fn == sn) {
			ct_merkle_node_hash(r, path[i], r);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			ct_merkle_node_hash(r, r, path[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return ct_error_set(CT_EBADSIG, "the audit path is too short");
	if (sodium_memcmp(r, root, CT_HASH_LEN) != 0)
		return ct_error_set(CT_EBADSIG, "the record is not in the tree of that root");
	return 0;
}
