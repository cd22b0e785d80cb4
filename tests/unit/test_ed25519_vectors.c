/* External Ed25519 vectors through every signature check the build has (tests/data/ed25519/,
 * origin and licences in its README.md):
 *
 * - Project Wycheproof's ed25519_test.json: each test says valid or invalid, and every path
 *   must give exactly that answer;
 * - C2SP CCTV's ed25519vectors.json: edge cases (small-order and non-canonical A and R, points
 *   with a small-order component) on which verifiers legitimately differ, so each vector carries
 *   flags, not an answer. Our policy is libsodium's crypto_sign_verify_detached (1.0.18):
 *   refuse a vector flagged low_order_A, low_order_R, non_canonical_A, non_canonical_R or
 *   low_order_residue; accept the rest (the ones flagged only low_order_component_A and/or
 *   low_order_component_R). This test asserts that libsodium does exactly that, and that the
 *   fast path agrees with libsodium on every vector.
 *
 * The paths: ct__signature_verify, the libsodium check a keyring makes (in the default build every
 * check; the vectors' keys have no self-signed key records, so they cannot enter a ct_keyring),
 * in every build; and, in a build with -Ded25519_tables=true, ct__ed25519_verify with the key's
 * tables, where the fast path itself must accept every valid signature by a key with a table
 * (or a broken fast path would hide behind libsodium), and its own key checks
 * (ct__ed25519_key_check) must refuse exactly the keys CCTV flags low_order_A or
 * non_canonical_A. */
#include "test.h"
#include "signing.h"
#ifdef CT_ED25519_TABLES
#include "ed25519.h"
#endif

#include <sodium.h>

#define WYCHEPROOF_TESTS 151
#define CCTV_VECTORS 914

typedef struct {
	size_t vectors, accepted, tables, fast_accepted;
} tally;

static json_t *load(const char *name)
{
	const char *srcdir = getenv("SRCDIR");
	char path[1024];
	json_error_t err;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/tests/data/ed25519/%s", srcdir ? srcdir : ".", name);
	if (!(doc = json_load_file(path, 0, &err)))
		fprintf(stderr, "%s: %s (line %d)\n", path, err.text, err.line);
	return doc;
}

static int unhex(uint8_t *out, size_t want, const char *hex)
{
	size_t len;

	if (!hex || strlen(hex) != 2 * want ||
		sodium_hex2bin(out, want, hex, strlen(hex), NULL, &len, NULL) != 0 || len != want)
		return -1;
	return 0;
}

/* Runs one vector through every path and checks each verdict is want (0 accept, -1 refuse).
 * Returns libsodium's verdict. */
static int run_vector(tally *t, const char *set, long id, const uint8_t pk[32],
	const uint8_t sig[64], const uint8_t *msg, size_t len, int want)
{
	int lib = ct__signature_verify(pk, sig, msg, len) == 0 ? 0 : -1;

	t->vectors++;
	t->accepted += lib == 0;
	test_checks++;
	if (lib != want) {
		test_failures++;
		fprintf(stderr, "%s %ld: libsodium %s, expected %s\n", set, id,
			lib ? "refuses" : "accepts", want ? "refuse" : "accept");
	}
#ifdef CT_ED25519_TABLES
	{
		ct__ed25519_key *key = ct__ed25519_key_new(pk);
		int got, fast, table;

		CHECK(key != NULL);
		if (!key)
			return lib;
		got = ct__ed25519_verify(key, sig, msg, len);
		fast = ct__ed25519_fast_accepts(key, sig, msg, len);
		table = ct__ed25519_key_has_table(key);
		t->tables += table;
		t->fast_accepted += fast == 1;
		test_checks++;
		if (got != want || (fast && want != 0) || (table && want == 0 && fast != 1) ||
			(table && ct__ed25519_key_check(pk) != 0)) {
			test_failures++;
			fprintf(stderr,
				"%s %ld: ct__ed25519_verify %d, fast path %d, table %d, own key check "
				"%d; expected %d\n",
				set, id, got, fast, table, ct__ed25519_key_check(pk), want);
		}
		ct__ed25519_key_free(key);
	}
#endif
	return lib;
}

static void test_wycheproof(void)
{
	json_t *doc = load("wycheproof/ed25519_test.json");
	const json_t *group, *test;
	size_t g, i, valid = 0, refused_early = 0;
	tally t = {0};

	CHECK(doc != NULL);
	if (!doc)
		return;
	json_array_foreach (json_object_get(doc, "testGroups"), g, group) {
		const char *pk_hex = json_string_value(
			json_object_get(json_object_get(group, "publicKey"), "pk"));
		uint8_t pk[32];

		CHECK_INT(unhex(pk, sizeof(pk), pk_hex), 0);
#ifdef CT_ED25519_TABLES
		/* every Wycheproof key is a genuine one: the fast path's own checks pass it */
		if (ct__ed25519_tables_available())
			CHECK_INT(ct__ed25519_key_check(pk), 0);
#endif
		json_array_foreach (json_object_get(group, "tests"), i, test) {
			const char *result = json_string_value(json_object_get(test, "result"));
			const char *msg_hex = json_string_value(json_object_get(test, "msg"));
			const char *sig_hex = json_string_value(json_object_get(test, "sig"));
			long id = (long)json_integer_value(json_object_get(test, "tcId"));
			size_t msg_len = msg_hex ? strlen(msg_hex) / 2 : 0;
			uint8_t *msg = malloc(msg_len + 1), sig[64];
			int want;

			CHECK(result && (!strcmp(result, "valid") || !strcmp(result, "invalid")));
			want = result && !strcmp(result, "valid") ? 0 : -1;
			valid += want == 0;
			CHECK(msg != NULL);
			if (!msg)
				continue;
			CHECK_INT(msg_len == 0 ? 0 : unhex(msg, msg_len, msg_hex), 0);
			/* a signature that is not 64 bytes never reaches a check: the record and
			 * bundle formats refuse it as malformed (and the API takes 64 bytes) */
			if (unhex(sig, sizeof(sig), sig_hex) < 0) {
				CHECK_INT(want, -1);
				refused_early++;
			} else {
				run_vector(&t, "wycheproof", id, pk, sig, msg, msg_len, want);
			}
			free(msg);
		}
	}
	CHECK_INT(t.vectors + refused_early, WYCHEPROOF_TESTS);
	CHECK_INT(t.accepted, valid);
	CHECK(valid > 0 && t.vectors > valid);
	fprintf(stderr,
		"wycheproof: %zu tests, %zu valid; %zu of 64 bytes checked (%zu accepted), %zu not "
		"64 bytes; with tables: %zu, accepted by the fast path itself: %zu\n",
		t.vectors + refused_early, valid, t.vectors, t.accepted, refused_early, t.tables,
		t.fast_accepted);
#ifdef CT_ED25519_TABLES
	if (ct__ed25519_tables_available()) {
		CHECK_INT(t.tables, t.vectors);
		CHECK_INT(t.fast_accepted, valid);
	}
#endif
	json_decref(doc);
}

static int has_flag(const json_t *flags, const char *name)
{
	const json_t *f;
	size_t i;

	json_array_foreach (flags, i, f) {
		if (json_string_value(f) && strcmp(json_string_value(f), name) == 0)
			return 1;
	}
	return 0;
}

static void test_cctv(void)
{
	/* the flags on which libsodium refuses (see the top of this file) */
	static const char *const refused[] = {"low_order_A", "low_order_R", "non_canonical_A",
		"non_canonical_R", "low_order_residue"};
	json_t *doc = load("cctv/ed25519vectors.json");
	const json_t *v;
	size_t i, j, accept = 0, bad_keys = 0;
	tally t = {0};

	CHECK(doc != NULL);
	if (!doc)
		return;
	CHECK_INT(json_array_size(doc), CCTV_VECTORS);
	json_array_foreach (doc, i, v) {
		const json_t *flags = json_object_get(v, "flags");
		const char *msg = json_string_value(json_object_get(v, "msg"));
		long id = (long)json_integer_value(json_object_get(v, "number"));
		uint8_t pk[32], sig[64];
		int want = 0, bad_key;

		CHECK_INT(unhex(pk, sizeof(pk), json_string_value(json_object_get(v, "key"))), 0);
		CHECK_INT(unhex(sig, sizeof(sig), json_string_value(json_object_get(v, "sig"))), 0);
		CHECK(msg != NULL);
		if (!msg)
			continue;
		for (j = 0; j < sizeof(refused) / sizeof(refused[0]); j++)
			if (has_flag(flags, refused[j]))
				want = -1;
		accept += want == 0;
		run_vector(&t, "cctv", id, pk, sig, (const uint8_t *)msg, strlen(msg), want);
		bad_key = has_flag(flags, "low_order_A") || has_flag(flags, "non_canonical_A");
		bad_keys += bad_key;
#ifdef CT_ED25519_TABLES
		/* the fast path's own key checks, against CCTV's own classification of A */
		if (ct__ed25519_tables_available() && ct__ed25519_key_check(pk) != -bad_key) {
			test_failures++;
			fprintf(stderr, "cctv %ld: own key check %d, key flagged %s\n", id,
				ct__ed25519_key_check(pk), bad_key ? "small order" : "neither");
		}
		test_checks++;
#endif
	}
	CHECK_INT(t.vectors, CCTV_VECTORS);
	CHECK_INT(t.accepted, accept);
	CHECK(accept > 0 && bad_keys > 0);
	fprintf(stderr,
		"cctv: %zu vectors, %zu accepted (libsodium's policy), %zu keys of small order; "
		"with tables: %zu, accepted by the fast path itself: %zu\n",
		t.vectors, t.accepted, bad_keys, t.tables, t.fast_accepted);
	json_decref(doc);
}

int main(void)
{
	if (ct_init() < 0) {
		fprintf(stderr, "ct_init failed: %s\n", ct_error_last());
		return 1;
	}
#ifdef CT_ED25519_TABLES
	fprintf(stderr, "paths: libsodium, and the fast path (tables %s)\n",
		ct__ed25519_tables_available() ? "available" : "not available on this target");
#else
	fprintf(stderr, "paths: libsodium only (built without -Ded25519_tables=true)\n");
#endif
	test_wycheproof();
	test_cctv();
	return test_finish();
}
