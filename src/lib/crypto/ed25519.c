/* Ed25519 verification with precomputed tables (see ed25519.h for what and why).
 *
 * Arithmetic: field elements mod p = 2^255 - 19 in five 51-bit limbs (products in 128 bits);
 * points on -x^2 + y^2 = 1 + d x^2 y^2 in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z,
 * xy = T/Z, with the addition and doubling formulas of Hisil, Wong, Carter and Dawson (2008)
 * for a = -1. Everything here handles public values only (keys, signatures, messages), so it
 * is variable-time on purpose.
 *
 * A table for a point P holds m * 256^j * P for j = 0..31 and m = 1..8. A scalar below 2^253,
 * written in 64 signed base-16 digits e_i in [-8, 8], is then
 *     sum over odd i of e_i * 16^i * P  =  16 * sum over odd i = 2j+1 of e_i * (256^j P)
 *   + sum over even i = 2j of e_i * (256^j P),
 * that is 64 table additions and 4 doublings; [S]B - [k]A shares the doublings. */
#include "ed25519.h"

/* meson compiles this file only with -Ded25519_tables=true; the default build has none of it */
#ifndef CT_ED25519_TABLES
#error "ed25519.c belongs to builds with -Ded25519_tables=true only"
#endif

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The tables need 64 x 64 -> 128-bit products (__int128: every 64-bit target of gcc and
 * clang). Without them (a 32-bit build), or built with CT_ED25519_NO_TABLES (as the tests build
 * that variant too), no key gets tables and every check is libsodium's alone. */
#if defined(__SIZEOF_INT128__) && !defined(CT_ED25519_NO_TABLES)
#define TABLES 1
#else
#define TABLES 0
#endif

#if TABLES

__extension__ typedef unsigned __int128 u128;

#define MASK51 ((UINT64_C(1) << 51) - 1)

/* The field operations inside the point formulas, inlined: a quarter off each verification. */
#define FIELD_OP static inline __attribute__((always_inline))

/* ---- the field ---- */

/* Limbs stay below 2^52 between operations: every operation ends with a carry. */
typedef struct {
	uint64_t v[5];
} fe;

static const fe fe_zero = {{0, 0, 0, 0, 0}};
static const fe fe_one = {{1, 0, 0, 0, 0}};

FIELD_OP void fe_carry(fe *h)
{
	uint64_t c;
	int i;

	for (i = 0; i < 4; i++) {
		c = h->v[i] >> 51;
		h->v[i] &= MASK51;
		h->v[i + 1] += c;
	}
	c = h->v[4] >> 51;
	h->v[4] &= MASK51;
	h->v[0] += 19 * c;
}

FIELD_OP void fe_add(fe *h, const fe *f, const fe *g)
{
	int i;

	for (i = 0; i < 5; i++)
		h->v[i] = f->v[i] + g->v[i];
	fe_carry(h);
}

/* f - g + 2p: 2p's limbs (2^52 - 38, 2^52 - 2, ...) exceed every limb g can have here (below
 * 2^51 + 2^8 after a carry or a product). */
FIELD_OP void fe_sub(fe *h, const fe *f, const fe *g)
{
	int i;

	h->v[0] = f->v[0] + (UINT64_C(0xfffffffffffda)) - g->v[0];
	for (i = 1; i < 5; i++)
		h->v[i] = f->v[i] + (UINT64_C(0xffffffffffffe)) - g->v[i];
	fe_carry(h);
}

static void fe_neg(fe *h, const fe *f)
{
	fe_sub(h, &fe_zero, f);
}

/* The five 128-bit column sums of a product, reduced to limbs below 2^52. */
FIELD_OP void fe_reduce_wide(fe *h, u128 r0, u128 r1, u128 r2, u128 r3, u128 r4)
{
	uint64_t c;

	r1 += (uint64_t)(r0 >> 51);
	r2 += (uint64_t)(r1 >> 51);
	r3 += (uint64_t)(r2 >> 51);
	r4 += (uint64_t)(r3 >> 51);
	c = (uint64_t)(r4 >> 51);
	h->v[0] = ((uint64_t)r0 & MASK51) + 19 * c;
	h->v[1] = ((uint64_t)r1 & MASK51) + (h->v[0] >> 51);
	h->v[0] &= MASK51;
	h->v[2] = (uint64_t)r2 & MASK51;
	h->v[3] = (uint64_t)r3 & MASK51;
	h->v[4] = (uint64_t)r4 & MASK51;
}

FIELD_OP void fe_mul(fe *h, const fe *f, const fe *g)
{
	const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
	const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;

	fe_reduce_wide(h,
		(u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 +
			(u128)f4 * g1_19,
		(u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 +
			(u128)f4 * g2_19,
		(u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19,
		(u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19,
		(u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0);
}

FIELD_OP void fe_sq(fe *h, const fe *f)
{
	const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f3_19 = 19 * f3, f4_19 = 19 * f4;

	fe_reduce_wide(h, (u128)f0 * f0 + (u128)f1_2 * f4_19 + (u128)(2 * f2) * f3_19,
		(u128)f0_2 * f1 + (u128)(2 * f2) * f4_19 + (u128)f3 * f3_19,
		(u128)f0_2 * f2 + (u128)f1 * f1 + (u128)(2 * f3) * f4_19,
		(u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4 * f4_19,
		(u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2);
}

/* h = f^(2^n) */
static void fe_sqn(fe *h, const fe *f, int n)
{
	fe_sq(h, f);
	while (--n > 0)
		fe_sq(h, h);
}

static uint64_t load64(const uint8_t *s)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | s[i];
	return v;
}

static void store64(uint8_t *s, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		s[i] = (uint8_t)(v >> (8 * i));
}

/* The low 255 bits of s, little-endian (the top bit is the caller's). */
static void fe_frombytes(fe *h, const uint8_t s[32])
{
	h->v[0] = load64(s) & MASK51;
	h->v[1] = (load64(s + 6) >> 3) & MASK51;
	h->v[2] = (load64(s + 12) >> 6) & MASK51;
	h->v[3] = (load64(s + 19) >> 1) & MASK51;
	h->v[4] = (load64(s + 24) >> 12) & MASK51;
}

/* The canonical encoding (the value reduced below p), little-endian. */
static void fe_tobytes(uint8_t s[32], const fe *f)
{
	fe h = *f;
	uint64_t q;
	int i;

	fe_carry(&h);
	fe_carry(&h); /* the second carry leaves every limb below 2^51 */
	/* q = 1 when h >= p, i.e. when h + 19 carries out of 2^255 */
	q = (h.v[0] + 19) >> 51;
	for (i = 1; i < 5; i++)
		q = (h.v[i] + q) >> 51;
	h.v[0] += 19 * q;
	for (i = 0; i < 4; i++) {
		h.v[i + 1] += h.v[i] >> 51;
		h.v[i] &= MASK51;
	}
	h.v[4] &= MASK51;
	store64(s, h.v[0] | h.v[1] << 51);
	store64(s + 8, h.v[1] >> 13 | h.v[2] << 38);
	store64(s + 16, h.v[2] >> 26 | h.v[3] << 25);
	store64(s + 24, h.v[3] >> 39 | h.v[4] << 12);
}

static int fe_is_zero(const fe *f)
{
	static const uint8_t zero[32];
	uint8_t s[32];

	fe_tobytes(s, f);
	return memcmp(s, zero, 32) == 0;
}

/* The "sign" of x in an encoding: the low bit of its canonical value. */
static int fe_is_negative(const fe *f)
{
	uint8_t s[32];

	fe_tobytes(s, f);
	return s[0] & 1;
}

/* out = z^(2^250 - 1), and z11 = z^11 on the way (both chains below start alike). */
static void fe_pow_2_250_1(fe *out, fe *z11, const fe *z)
{
	fe t0, t1, t2;

	fe_sq(&t0, z);	       /* z^2 */
	fe_sqn(&t1, &t0, 2);   /* z^8 */
	fe_mul(&t1, z, &t1);   /* z^9 */
	fe_mul(z11, &t0, &t1); /* z^11 */
	fe_sq(&t0, z11);       /* z^22 */
	fe_mul(&t1, &t1, &t0); /* z^31 = z^(2^5 - 1) */
	fe_sqn(&t0, &t1, 5);
	fe_mul(&t1, &t0, &t1); /* z^(2^10 - 1) */
	fe_sqn(&t0, &t1, 10);
	fe_mul(&t0, &t0, &t1); /* z^(2^20 - 1) */
	fe_sqn(&t2, &t0, 20);
	fe_mul(&t0, &t2, &t0); /* z^(2^40 - 1) */
	fe_sqn(&t0, &t0, 10);
	fe_mul(&t1, &t0, &t1); /* z^(2^50 - 1) */
	fe_sqn(&t0, &t1, 50);
	fe_mul(&t0, &t0, &t1); /* z^(2^100 - 1) */
	fe_sqn(&t2, &t0, 100);
	fe_mul(&t0, &t2, &t0); /* z^(2^200 - 1) */
	fe_sqn(&t0, &t0, 50);
	fe_mul(out, &t0, &t1); /* z^(2^250 - 1) */
}

/* h = 1/z = z^(p - 2) = z^(2^255 - 21) */
static void fe_invert(fe *h, const fe *z)
{
	fe t, z11;

	fe_pow_2_250_1(&t, &z11, z);
	fe_sqn(&t, &t, 5); /* z^(2^255 - 32) */
	fe_mul(h, &t, &z11);
}

/* h = z^((p - 5) / 8) = z^(2^252 - 3) */
static void fe_pow22523(fe *h, const fe *z)
{
	fe t, z11;

	fe_pow_2_250_1(&t, &z11, z);
	fe_sqn(&t, &t, 2); /* z^(2^252 - 4) */
	fe_mul(h, &t, z);
}

/* ---- constants, derived once rather than typed in ---- */

static fe curve_d, curve_2d, sqrt_m1;

static void fe_small(fe *h, uint64_t n)
{
	*h = fe_zero;
	h->v[0] = n;
}

/* d = -121665/121666; sqrt(-1) = 2^((p - 1)/4) (2 is not a square mod p, so 2^((p-1)/2) = -1) */
static void derive_constants(void)
{
	fe a, b, t, z11;

	fe_small(&a, 121665);
	fe_small(&b, 121666);
	fe_invert(&b, &b);
	fe_mul(&t, &a, &b);
	fe_neg(&curve_d, &t);
	fe_add(&curve_2d, &curve_d, &curve_d);

	fe_small(&a, 2);
	fe_pow_2_250_1(&t, &z11, &a);
	fe_sqn(&t, &t, 3);	  /* 2^(2^253 - 8) */
	fe_small(&b, 8);	  /* 2^3 */
	fe_mul(&sqrt_m1, &t, &b); /* 2^(2^253 - 5) = 2^((p - 1)/4) */
}

/* ---- points ---- */

typedef struct {
	fe X, Y, Z, T;
} ge;

/* A point ready to be added: (y + x, y - x, 2dxy), affine (Z = 1). */
typedef struct {
	fe YpX, YmX, T2d;
} ge_cached;

static void ge_identity(ge *p)
{
	p->X = fe_zero;
	p->Y = fe_one;
	p->Z = fe_one;
	p->T = fe_zero;
}

/* p must be affine (Z = 1) */
static void ge_to_cached(ge_cached *c, const ge *p)
{
	fe_add(&c->YpX, &p->Y, &p->X);
	fe_sub(&c->YmX, &p->Y, &p->X);
	fe_mul(&c->T2d, &p->T, &curve_2d);
}

/* r = p + q, or p - q when negate (-q swaps Y+X with Y-X and negates T). */
static void ge_add(ge *r, const ge *p, const ge_cached *q, int negate)
{
	fe a, b, c, d, e, f, g, h, t;

	fe_sub(&t, &p->Y, &p->X);
	fe_mul(&a, &t, negate ? &q->YpX : &q->YmX);
	fe_add(&t, &p->Y, &p->X);
	fe_mul(&b, &t, negate ? &q->YmX : &q->YpX);
	fe_mul(&c, &p->T, &q->T2d);
	fe_add(&d, &p->Z, &p->Z);
	fe_sub(&e, &b, &a);
	if (negate) {
		fe_add(&f, &d, &c);
		fe_sub(&g, &d, &c);
	} else {
		fe_sub(&f, &d, &c);
		fe_add(&g, &d, &c);
	}
	fe_add(&h, &b, &a);
	fe_mul(&r->X, &e, &f);
	fe_mul(&r->Y, &g, &h);
	fe_mul(&r->T, &e, &h);
	fe_mul(&r->Z, &f, &g);
}

/* r = 2p (r may be p) */
static void ge_double(ge *r, const ge *p)
{
	fe a, b, c, e, f, g, h, t;

	fe_sq(&a, &p->X);
	fe_sq(&b, &p->Y);
	fe_sq(&c, &p->Z);
	fe_add(&c, &c, &c);
	fe_add(&t, &p->X, &p->Y);
	fe_sq(&e, &t);
	fe_sub(&e, &e, &a);
	fe_sub(&e, &e, &b); /* E = (X + Y)^2 - A - B = 2XY */
	fe_sub(&g, &b, &a); /* G = -A + B */
	fe_sub(&f, &g, &c); /* F = G - C */
	fe_add(&h, &a, &b);
	fe_neg(&h, &h); /* H = -A - B */
	fe_mul(&r->X, &e, &f);
	fe_mul(&r->Y, &g, &h);
	fe_mul(&r->T, &e, &h);
	fe_mul(&r->Z, &f, &g);
}

static void ge_tobytes(uint8_t s[32], const ge *p)
{
	fe zi, x, y;

	fe_invert(&zi, &p->Z);
	fe_mul(&x, &p->X, &zi);
	fe_mul(&y, &p->Y, &zi);
	fe_tobytes(s, &y);
	s[31] ^= (uint8_t)(fe_is_negative(&x) << 7);
}

/* Decodes a point: 0, or -1 when s encodes none. x^2 = (y^2 - 1) / (d y^2 + 1) is solved as
 * x = u v^3 (u v^7)^((p - 5)/8) with u = y^2 - 1, v = d y^2 + 1, fixed by sqrt(-1) when it gives
 * -x^2. Used only on keys libsodium has already found valid, and on the base point. */
static int ge_frombytes(ge *p, const uint8_t s[32])
{
	fe u, v, v3, x, t;

	fe_frombytes(&p->Y, s);
	p->Z = fe_one;
	fe_sq(&u, &p->Y);
	fe_mul(&v, &u, &curve_d);
	fe_sub(&u, &u, &fe_one);
	fe_add(&v, &v, &fe_one);
	fe_sq(&v3, &v);
	fe_mul(&v3, &v3, &v); /* v^3 */
	fe_sq(&x, &v3);
	fe_mul(&x, &x, &v);
	fe_mul(&x, &x, &u); /* u v^7 */
	fe_pow22523(&x, &x);
	fe_mul(&x, &x, &v3);
	fe_mul(&x, &x, &u); /* u v^3 (u v^7)^((p-5)/8) */
	fe_sq(&t, &x);
	fe_mul(&t, &t, &v); /* v x^2 */
	fe_sub(&v, &t, &u);
	if (!fe_is_zero(&v)) {
		fe_add(&v, &t, &u);
		if (!fe_is_zero(&v))
			return -1;
		fe_mul(&x, &x, &sqrt_m1);
	}
	if (fe_is_zero(&x) && (s[31] >> 7))
		return -1;
	if (fe_is_negative(&x) != (s[31] >> 7))
		fe_neg(&x, &x);
	p->X = x;
	fe_mul(&p->T, &p->X, &p->Y);
	return 0;
}

/* ---- tables and scalars ---- */

#define ROWS 32
#define COLS 8

typedef struct {
	ge_cached row[ROWS][COLS];
} table;

/* Makes each of the n points affine (Z = 1) with one inversion (Montgomery's trick: the
 * inverse of every Z from the inverse of their product). */
static void ge_normalize(ge *p, int n)
{
	fe prefix[COLS], inv, zi;
	int i;

	prefix[0] = p[0].Z;
	for (i = 1; i < n; i++)
		fe_mul(&prefix[i], &prefix[i - 1], &p[i].Z);
	fe_invert(&inv, &prefix[n - 1]);
	for (i = n - 1; i >= 0; i--) {
		if (i > 0) {
			fe_mul(&zi, &inv, &prefix[i - 1]);
			fe_mul(&inv, &inv, &p[i].Z);
		} else {
			zi = inv;
		}
		fe_mul(&p[i].X, &p[i].X, &zi);
		fe_mul(&p[i].Y, &p[i].Y, &zi);
		fe_mul(&p[i].T, &p[i].X, &p[i].Y);
		p[i].Z = fe_one;
	}
}

/* t->row[j][m - 1] = m * 256^j * P */
static void table_build(table *t, const ge *point)
{
	ge row = *point, multiple[COLS];
	int j, m, k;

	for (j = 0; j < ROWS; j++) {
		multiple[0] = row;
		ge_normalize(multiple, 1);
		ge_to_cached(&t->row[j][0], &multiple[0]);
		for (m = 1; m < COLS; m++)
			ge_add(&multiple[m], &multiple[m - 1], &t->row[j][0], 0);
		ge_normalize(multiple + 1, COLS - 1);
		for (m = 1; m < COLS; m++)
			ge_to_cached(&t->row[j][m], &multiple[m]);
		if (j + 1 < ROWS)
			for (k = 0; k < 8; k++)
				ge_double(&row, &row);
	}
}

/* a < 2^253 as 64 digits e_i in [-8, 8] with a = sum e_i 16^i */
static void recode(int8_t e[64], const uint8_t a[32])
{
	int i, carry = 0;

	for (i = 0; i < 32; i++) {
		e[2 * i] = (int8_t)(a[i] & 15);
		e[2 * i + 1] = (int8_t)(a[i] >> 4);
	}
	for (i = 0; i < 63; i++) {
		e[i] = (int8_t)(e[i] + carry);
		carry = (e[i] + 8) >> 4;
		e[i] = (int8_t)(e[i] - carry * 16);
	}
	e[63] = (int8_t)(e[63] + carry);
}

/* acc += digit * (row's point), digit in [-8, 8] */
static void add_digit(ge *acc, const ge_cached row[COLS], int digit)
{
	if (digit > 0)
		ge_add(acc, acc, &row[digit - 1], 0);
	else if (digit < 0)
		ge_add(acc, acc, &row[-digit - 1], 1);
}

/* r = [a]P + [b]Q (b and tq may be 0 and NULL); a, b < 2^253 */
static void table_mult2(ge *r, const table *tp, const uint8_t a[32], const table *tq,
	const uint8_t b[32], int negate_b)
{
	int8_t ea[64], eb[64];
	int i, pass;

	recode(ea, a);
	if (tq)
		recode(eb, b);
	ge_identity(r);
	for (pass = 1; pass >= 0; pass--) {
		for (i = pass; i < 64; i += 2) {
			add_digit(r, tp->row[i / 2], ea[i]);
			if (tq)
				add_digit(r, tq->row[i / 2], negate_b ? -eb[i] : eb[i]);
		}
		if (pass == 1)
			for (i = 0; i < 4; i++)
				ge_double(r, r);
	}
}

static table base_table;
static pthread_once_t base_once = PTHREAD_ONCE_INIT;

/* The base point: y = 4/5, x even. */
static void base_init(void)
{
	fe four, five;
	uint8_t s[32];
	ge b;

	derive_constants();
	fe_small(&four, 4);
	fe_small(&five, 5);
	fe_invert(&five, &five);
	fe_mul(&four, &four, &five);
	fe_tobytes(s, &four);
	if (ge_frombytes(&b, s) < 0)
		abort(); /* cannot happen: the arithmetic itself would be wrong */
	table_build(&base_table, &b);
}

/* s < L = 2^252 + 27742317777372353535851937790883648493 (little-endian) */
static int scalar_is_canonical(const uint8_t s[32])
{
	static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c,
		0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x10};
	int i;

	for (i = 31; i >= 0; i--)
		if (s[i] != L[i])
			return s[i] < L[i];
	return 0;
}

/* The fast path's own checks of a key, made here whatever libsodium says: 0 with *a the point
 * when pk is the canonical encoding (y < p; x = 0 only with the sign bit clear) of a point on
 * the curve that is not of small order, -1 otherwise. [8]A = O is tested as X([8]A) = 0: the
 * only points with x = 0 are O and (0, -1), and (0, -1) is 8 times no point. */
static int key_check(ge *a, const uint8_t pk[32])
{
	uint8_t y[32], canonical[32];
	fe v;
	ge t;
	int i;

	memcpy(y, pk, 32);
	y[31] &= 0x7f;
	fe_frombytes(&v, y);
	fe_tobytes(canonical, &v);
	if (memcmp(canonical, y, 32) != 0) /* y >= p */
		return -1;
	if (ge_frombytes(a, pk) < 0) /* not on the curve, or x = 0 with the sign bit set */
		return -1;
	t = *a;
	for (i = 0; i < 3; i++)
		ge_double(&t, &t);
	return fe_is_zero(&t.X) ? -1 : 0;
}

/* The key's table, or NULL when the key is not one to build it for (or out of memory). */
static table *key_table(const uint8_t pk[32])
{
	table *t;
	ge a;

	pthread_once(&base_once, base_init);
	/* Two checks, both required. key_check: the fast path's own (canonical, on the curve, not
	 * of small order). is_valid_point: libsodium's, the same three (and, in Debian's patched
	 * 1.0.18, the prime-order subgroup), every check libsodium's verify makes of a key; so a
	 * key with a table is one libsodium would use as it is. */
	if (key_check(&a, pk) < 0 || crypto_core_ed25519_is_valid_point(pk) != 1)
		return NULL;
	if ((t = malloc(sizeof(table))))
		table_build(t, &a);
	return t;
}

/* out = [a]P with P's table t, or the base point's when t is NULL; -1 for a >= 2^253 */
static int mult(uint8_t out[32], const table *t, const uint8_t a[32])
{
	ge r;

	pthread_once(&base_once, base_init);
	if (a[31] & 0xe0) /* the digits of a >= 2^253 overrun the table */
		return -1;
	table_mult2(&r, t ? t : &base_table, a, NULL, NULL, 0);
	ge_tobytes(out, &r);
	return 0;
}

/* 1 when sig is valid for the key pk with table t, by libsodium's whole check; 0 otherwise. */
static int fast_path(
	const table *t, const uint8_t pk[32], const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	crypto_hash_sha512_state hs;
	uint8_t h[64], k[32], rcheck[32];
	ge r;
	int i;

	if (!scalar_is_canonical(sig + 32))
		return 0;
	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, sig, 32);
	crypto_hash_sha512_update(&hs, pk, 32);
	crypto_hash_sha512_update(&hs, msg, len);
	crypto_hash_sha512_final(&hs, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	table_mult2(&r, &base_table, sig + 32, t, k, 1);
	ge_tobytes(rcheck, &r);
	if (memcmp(rcheck, sig, 32) != 0)
		return 0;
	/* R equals the point computed, in canonical form; libsodium also refuses an R of small
	 * order, which is exactly when 8R is the identity (the only points with X = 0 are the
	 * identity and (0, -1), and (0, -1) is 8 times no point) */
	for (i = 0; i < 3; i++)
		ge_double(&r, &r);
	return !fe_is_zero(&r.X);
}

static int check(const uint8_t pk[32])
{
	ge a;

	pthread_once(&base_once, base_init);
	return key_check(&a, pk);
}

#else /* no tables */

typedef struct table table; /* never defined: no key has one */

static int check(const uint8_t pk[32])
{
	(void)pk;
	return -1;
}

static table *key_table(const uint8_t pk[32])
{
	(void)pk;
	return NULL;
}

static int mult(uint8_t out[32], const table *t, const uint8_t a[32])
{
	(void)out;
	(void)t;
	(void)a;
	return -1;
}

static int fast_path(
	const table *t, const uint8_t pk[32], const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	(void)t;
	(void)pk;
	(void)sig;
	(void)msg;
	(void)len;
	return 0;
}

#endif

/* ---- keys ---- */

struct ct__ed25519_key {
	uint8_t pk[32];
	table *t; /* NULL: every check goes to libsodium */
};

ct__ed25519_key *ct__ed25519_key_new(const uint8_t public_key[32])
{
	ct__ed25519_key *key = calloc(1, sizeof(*key));

	if (!key)
		return NULL;
	memcpy(key->pk, public_key, 32);
	key->t = key_table(public_key);
	return key; /* without a table (or memory for one), still a (slower) verifier */
}

void ct__ed25519_key_free(ct__ed25519_key *key)
{
	if (!key)
		return;
	free(key->t);
	free(key);
}

int ct__ed25519_tables_available(void)
{
	return TABLES;
}

int ct__ed25519_key_check(const uint8_t public_key[32])
{
	return check(public_key);
}

int ct__ed25519_key_has_table(const ct__ed25519_key *key)
{
	return key->t != NULL;
}

int ct__ed25519_table_mult(uint8_t out[32], const ct__ed25519_key *key, const uint8_t a[32])
{
	if (key && !key->t)
		return -1;
	return mult(out, key ? key->t : NULL, a);
}

int ct__ed25519_fast_accepts(
	const ct__ed25519_key *key, const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	return key->t ? fast_path(key->t, key->pk, sig, msg, len) : 0;
}

int ct__ed25519_verify(
	const ct__ed25519_key *key, const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	if (ct__ed25519_fast_accepts(key, sig, msg, len))
		return 0;
	return crypto_sign_verify_detached(sig, msg, len, key->pk) == 0 ? 0 : -1;
}
