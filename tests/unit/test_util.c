/* Unit tests for util.c: canonical base64 decoding, against fixed cases and against the
 * definition (libsodium decodes it, and encoding the result again gives the same text). */
#include "test.h"
#include "cpus.h"
#include "error.h"
#include "hex.h"
#include "parallel.h"
#include "runtime.h"

#include <pthread.h>
#include <stdlib.h>

#include <sodium.h>

/* 1 when ct_base64_decode accepts b64 (out_max bytes of room) and gives want (wlen bytes). */
static int decodes_to(const char *b64, size_t out_max, const char *want, size_t wlen)
{
	uint8_t out[64];
	size_t n = 99;

	if (ct_base64_decode(out, out_max, &n, b64) < 0)
		return 0;
	return n == wlen && memcmp(out, want, wlen) == 0;
}

static int refused(const char *b64)
{
	uint8_t out[64];
	size_t n = 0;

	return ct_base64_decode(out, sizeof(out), &n, b64) == CT_EINVALID;
}

static void test_cases(void)
{
	CHECK(decodes_to("", 64, "", 0));
	CHECK(decodes_to("QQ==", 64, "A", 1));
	CHECK(decodes_to("QUI=", 64, "AB", 2));
	CHECK(decodes_to("QUJD", 64, "ABC", 3));
	CHECK(decodes_to("QUJDRA==", 64, "ABCD", 4));
	CHECK(decodes_to("AAA=", 64, "\0\0", 2));
	CHECK(decodes_to("+/+/", 64, "\xfb\xff\xbf", 3));
	/* stray bits below the last byte */
	CHECK(refused("QR=="));
	CHECK(refused("QX=="));
	CHECK(refused("QUJ="));
	CHECK(refused("QUL="));
	CHECK_ERROR_HAS("non-canonical");
	/* wrong padding */
	CHECK(refused("QQ"));
	CHECK(refused("QQ="));
	CHECK(refused("QQ==="));
	CHECK(refused("Q==="));
	CHECK(refused("===="));
	CHECK(refused("QUI"));
	CHECK(refused("QUI=="));
	CHECK(refused("QUJD===="));
	CHECK(refused("QQ==QQ=="));
	CHECK(refused("QU=I"));
	CHECK(refused("Q=I="));
	CHECK(refused("="));
	/* whitespace and other bytes */
	CHECK(refused(" QQ=="));
	CHECK(refused("QQ== "));
	CHECK(refused("QQ\n=="));
	CHECK(refused("QUJD\n"));
	CHECK(refused("QU JD"));
	CHECK(refused("-_-_"));
	CHECK(refused("QUJ\xc3\x84"));
	/* room */
	CHECK(decodes_to("QUJD", 3, "ABC", 3));
	CHECK(!decodes_to("QUJD", 2, "AB", 2));
	CHECK(decodes_to("QUI=", 2, "AB", 2));
	CHECK(!decodes_to("QUI=", 1, "A", 1));
	CHECK(decodes_to("", 0, "", 0));
}

/* The definition the decoder replaced: libsodium accepts it and re-encoding gives it back. */
static int canonical_by_definition(const char *b64, uint8_t *out, size_t out_max, size_t *n)
{
	char again[256];
	const char *end = NULL;

	if (sodium_base642bin(out, out_max, b64, strlen(b64), NULL, n, &end,
		    sodium_base64_VARIANT_ORIGINAL) != 0 ||
		end != b64 + strlen(b64))
		return 0;
	sodium_bin2base64(again, sizeof(again), out, *n, sodium_base64_VARIANT_ORIGINAL);
	return strcmp(again, b64) == 0;
}

static void test_against_definition(void)
{
	static const char alphabet[] = "AQRgw+/=9z-_ \n";
	uint64_t seed = 88172645463325252ull;
	size_t round, i, agree = 0, accepted = 0;

	for (round = 0; round < 200000; round++) {
		char b64[16];
		uint8_t a[16], b[16];
		size_t len, na = 0, nb = 0, room;
		int want, got;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		len = seed % 13;
		room = (seed >> 8) % 10;
		for (i = 0; i < len; i++)
			b64[i] = alphabet[(seed >> (12 + 4 * i)) % (sizeof(alphabet) - 1)];
		if (round % 3 == 0 && len >= 4) /* mostly valid text, so acceptance is exercised */
			for (i = 0; i + 2 < len; i++)
				if (b64[i] == '=' || b64[i] == ' ' || b64[i] == '\n' ||
					b64[i] == '-' || b64[i] == '_')
					b64[i] = 'Q';
		b64[len] = '\0';
		want = canonical_by_definition(b64, a, room, &na);
		got = ct_base64_decode(b, room, &nb, b64) == 0;
		accepted += (size_t)got;
		if (want == got && (!want || (na == nb && memcmp(a, b, na) == 0)))
			agree++;
		else
			fprintf(stderr, "base64 \"%s\" (room %zu): definition %d, decoder %d\n",
				b64, room, want, got);
	}
	CHECK_INT(agree, 200000);
	CHECK(accepted > 1000); /* both sides of the boundary were tried */
	fprintf(stderr, "base64: %zu of 200000 random texts canonical\n", accepted);
}

static void test_buf_truncate(void)
{
	ct_buf b = CT_BUF_INIT;

	ct_buf_truncate(&b, 0); /* an empty buffer: nothing to cut */
	CHECK_INT(b.len, 0);
	CHECK(ct_buf_puts(&b, "claim/iskp") == 0);
	ct_buf_truncate(&b, 5);
	CHECK_INT(b.len, 5);
	CHECK_STR(b.ptr, "claim");
	ct_buf_truncate(&b, 9); /* longer than it is: unchanged */
	CHECK_STR(b.ptr, "claim");
	CHECK(ct_buf_puts(&b, "s") == 0);
	CHECK_STR(b.ptr, "claims");
	ct_buf_clear(&b);
	CHECK_STR(b.ptr, "");
	ct_buf_free(&b);
}

/* Thread pools are sized by the processors the process may use: what coreutils' nproc counts
 * (it too follows the CPU affinity, so `taskset -c 0` makes both 1), within the caller's cap. */
static void test_cpu_count(void)
{
	/* nproc also obeys OMP_NUM_THREADS and OMP_THREAD_LIMIT, which ct__cpu_count ignores */
	FILE *p = popen("env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null", "r");
	unsigned want = 0;

	CHECK_INT(ct__cpu_count(1), 1);
	CHECK(ct__cpu_count(1000) >= 1);
	if (p && fscanf(p, "%u", &want) == 1)
		CHECK_INT(ct__cpu_count(1000), want);
	if (p)
		pclose(p);
}

typedef struct {
	int runs;
	pthread_t by;
} par_share;

static void *par_run(void *arg)
{
	par_share *sh = arg;

	sh->runs++;
	sh->by = pthread_self();
	return NULL;
}

/* The one fan-out: every share runs once, the first on the calling thread, the others on
 * threads of their own; shares beyond the maximum run on the calling thread. */
static void test_parallel(void)
{
	par_share sh[CT__PARALLEL_MAX + 6];
	size_t i, others = 0;

	memset(sh, 0, sizeof(sh));
	ct__parallel(sh, sizeof(sh[0]), 0, par_run);
	CHECK_INT(sh[0].runs, 0);
	ct__parallel(sh, sizeof(sh[0]), CT__PARALLEL_MAX + 6, par_run);
	for (i = 0; i < CT__PARALLEL_MAX + 6; i++)
		CHECK_INT(sh[i].runs, 1);
	CHECK(pthread_equal(sh[0].by, pthread_self()));
	for (i = CT__PARALLEL_MAX; i < CT__PARALLEL_MAX + 6; i++)
		CHECK(pthread_equal(sh[i].by, pthread_self()));
	for (i = 1; i < CT__PARALLEL_MAX; i++)
		others += !pthread_equal(sh[i].by, pthread_self());
	CHECK(others > 0); /* a machine that starts no thread at all would still be correct */
	CHECK_INT(ct__parallel_threads(3, 8), 3);
	CHECK_INT(ct__parallel_threads(100, 8), 8);
	CHECK_INT(ct__parallel_threads(0, 1), 1);
	CHECK_INT(ct__parallel_threads(0, 1000), ct__cpu_count(1000));
}

/* The library reads no environment variable: the time (and the commit identity) come in
 * through ct_runtime_set, which the command fills from SOURCE_DATE_EPOCH and GIT_*. */
static void test_runtime(void)
{
	ct_runtime_opts o = CT_RUNTIME_OPTS_INIT;
	char ts[CT_TIMESTAMP_LEN + 1];
	const char *name, *email;

	setenv("SOURCE_DATE_EPOCH", "86400", 1);
	setenv("GIT_AUTHOR_NAME", "from the environment", 1);
	ct_timestamp_now(ts);
	CHECK(strcmp(ts, "1970-01-02T00:00:00Z") != 0);
	ct__identity(&name, &email, 0);
	CHECK(name == NULL);
	CHECK(email == NULL);

	o.time = 86400;
	o.author_name = "A";
	o.committer_email = "c@example.invalid";
	CHECK_INT(ct_runtime_set(&o), 0);
	ct_timestamp_now(ts);
	CHECK_STR(ts, "1970-01-02T00:00:00Z");
	CHECK_INT((long long)ct__now(), 86400);
	ct__identity(&name, &email, 0);
	CHECK_STR(name, "A");
	CHECK(email == NULL);
	ct__identity(&name, &email, 1);
	CHECK(name == NULL);
	CHECK_STR(email, "c@example.invalid");

	o.version = 0;
	CHECK_INT(ct_runtime_set(&o), CT_EINVALID);
	CHECK_ERROR_HAS("ct_runtime_opts version 0");
	o.version = CT_RUNTIME_OPTS_VERSION;
	o.time = -2;
	CHECK_INT(ct_runtime_set(&o), CT_EINVALID);
	CHECK_ERROR_HAS("before 1970");
	ct_timestamp_now(ts); /* a refused call changes nothing */
	CHECK_STR(ts, "1970-01-02T00:00:00Z");

	CHECK_INT(ct_runtime_set(NULL), 0);
	ct_timestamp_now(ts);
	CHECK(strcmp(ts, "1970-01-02T00:00:00Z") != 0);
	ct__identity(&name, &email, 0);
	CHECK(name == NULL);
	unsetenv("SOURCE_DATE_EPOCH");
	unsetenv("GIT_AUTHOR_NAME");
}

/* The one hex decoder: what ct_hex writes comes back; anything else is refused. */
static void test_hex(void)
{
	uint8_t in[32], out[32];
	char hex[65];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 5);
	ct_hex(hex, in, sizeof(in));
	CHECK_INT(ct__hex_decode(out, sizeof(out), hex), 0);
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	CHECK_INT(ct__hex_decode(out, 2, "00ff"), 0);
	CHECK_INT(out[0], 0);
	CHECK_INT(out[1], 255);
	CHECK_INT(ct__hex_decode(out, 0, ""), 0);
	CHECK_INT(ct__hex_decode(out, 2, "00FF"), CT_EINVALID);	 /* uppercase */
	CHECK_INT(ct__hex_decode(out, 2, "00f"), CT_EINVALID);	 /* short */
	CHECK_INT(ct__hex_decode(out, 2, "00ff0"), CT_EINVALID); /* long */
	CHECK_INT(ct__hex_decode(out, 2, "0g00"), CT_EINVALID);
	CHECK_INT(ct__hex_decode(out, 2, " 0ff"), CT_EINVALID);
	CHECK_INT(ct__hex_decode(out, 2, NULL), CT_EINVALID);
	CHECK_INT(ct__hex_value('0', 0), 0);
	CHECK_INT(ct__hex_value('9', 0), 9);
	CHECK_INT(ct__hex_value('a', 0), 10);
	CHECK_INT(ct__hex_value('f', 0), 15);
	CHECK_INT(ct__hex_value('F', 0), -1);
	CHECK_INT(ct__hex_value('F', 1), 15);
	CHECK_INT(ct__hex_value('A', 1), 10);
	CHECK_INT(ct__hex_value('g', 1), -1);
	CHECK_INT(ct__hex_value('/', 1), -1);
	CHECK_INT(ct__hex_value(':', 1), -1);
	CHECK_INT(ct__hex_value('`', 1), -1);
	CHECK_INT(ct__hex_value('@', 1), -1);
	CHECK_INT(ct__hex_value(0xe0, 1), -1);
	CHECK(ct__hex_lower("09af", 4));
	CHECK(!ct__hex_lower("09aF", 4));
	CHECK(ct__hex_lower("zz", 0));
}

static void test_oom(void)
{
	ct_error_clear();
	CHECK_INT(ct__oom(), CT_ENOMEM);
	CHECK_INT(ct_error_last_code(), CT_ENOMEM);
	CHECK_STR(ct_error_last(), "out of memory");
}

int main(void)
{
	if (ct_init() < 0)
		return 99;
	test_parallel();
	test_runtime();
	test_oom();
	test_hex();
	test_cpu_count();
	test_cases();
	test_against_definition();
	test_buf_truncate();
	return test_finish();
}
