/* Unit tests for sign.c: signing and verifying records, thresholds, revocation, replay. */
#include "test.h"

static json_t *parse(const char *text)
{
	json_t *v = NULL;

	if (ct_json_parse(&v, (const uint8_t *)text, strlen(text), CT_JSON_RECORD) < 0) {
		fprintf(stderr, "bad test JSON: %s\n", ct_error_last());
		exit(99);
	}
	return v;
}

static const char *claim_text =
	"{\"type\":\"claim\",\"id\":\"iskp-foreign-fighters-6000\",\"revision\":1,"
	"\"created\":\"2024-04-01T12:00:00Z\","
	"\"statement\":\"As many as 6,000 foreign fighters may have moved into Afghanistan.\","
	"\"attribution\":{\"source\":\"crocus-oped\",\"quote\":\"as many as 6,000\"},"
	"\"quantity\":{\"amount\":\"6000\",\"qualifier\":\"as many as\"},\"tags\":[\"iskp\"]}";

static const char *source_text =
	"{\"type\":\"source\",\"id\":\"crocus-oped\",\"revision\":1,"
	"\"created\":\"2024-04-01T12:00:00Z\",\"title\":\"After Crocus\",\"publisher\":\"Daily\"}";

static ct_keyring *ring_of(const ct_key *a, const ct_key *b)
{
	ct_keyring *ring = NULL;

	if (ct_keyring_new(&ring) < 0)
		exit(99);
	if (a)
		CHECK_INT(ct_keyring_add(ring, ct_key_public_record(a)), 0);
	if (b)
		CHECK_INT(ct_keyring_add(ring, ct_key_public_record(b)), 0);
	return ring;
}

/* Applies one change at path "a" or "a.b" or "a[0]" by JSON text, then expects CT_EBADSIG. */
static void expect_tamper_fails(const json_t *signed_rec, const ct_keyring *ring,
	const char *member, const char *inner, json_t *value, const char *key_id)
{
	json_t *copy = json_deep_copy(signed_rec);
	json_t *target = copy;
	char want[160];

	if (inner) {
		target = json_object_get(copy, member);
		member = inner;
	}
	if (json_is_array(target))
		json_array_set_new(target, 0, value);
	else
		json_object_set_new(target, member, value);
	CHECK_INT(ct_record_verify(NULL, copy, ring, 1), CT_EBADSIG);
	snprintf(want, sizeof(want), "claim %s: signature by key %s does not verify",
		ct_record_id(copy), key_id);
	CHECK_ERROR_HAS(want);
	json_decref(copy);
}

static void test_sign_verify(const ct_key *k1, const ct_key *k2)
{
	json_t *rec = parse(claim_text);
	ct_keyring *ring1 = ring_of(k1, NULL);
	ct_keyring *ring2 = ring_of(k2, NULL);
	ct_verify_report r;
	json_t *copy;

	/* Unsigned: nothing trusted. */
	CHECK_INT(ct_record_verify(&r, rec, ring1, 1), CT_EUNTRUSTED);
	CHECK_ERROR_HAS("not signed");

	CHECK_INT(ct_record_sign(rec, k1), 0);
	CHECK_INT(json_array_size(json_object_get(rec, "signatures")), 1);
	CHECK_INT(ct_record_sign(rec, k1), CT_EEXISTS);
	CHECK_ERROR_HAS("already signed by key");
	CHECK_INT(json_array_size(json_object_get(rec, "signatures")), 1);

	CHECK_INT(ct_record_verify(&r, rec, ring1, 1), 0);
	CHECK_INT(r.signatures, 1);
	CHECK_INT(r.trusted, 1);
	CHECK_INT(r.bad, 0);
	CHECK_STR(r.signers[0], ct_key_id(k1));
	CHECK_INT(ct_record_verify(&r, rec, ring1, 0), 0); /* threshold 0 means 1 */

	/* Tampering with any signed field breaks the signature. */
	expect_tamper_fails(rec, ring1, "statement", NULL,
		json_string("As many as 7,000 foreign fighters may have moved into Afghanistan."),
		ct_key_id(k1));
	expect_tamper_fails(
		rec, ring1, "id", NULL, json_string("iskp-foreign-fighters-7000"), ct_key_id(k1));
	expect_tamper_fails(rec, ring1, "retracted", NULL, json_true(), ct_key_id(k1));
	expect_tamper_fails(
		rec, ring1, "created", NULL, json_string("2024-04-01T12:00:01Z"), ct_key_id(k1));
	expect_tamper_fails(
		rec, ring1, "attribution", "quote", json_string("as many as 7,000"), ct_key_id(k1));
	expect_tamper_fails(rec, ring1, "quantity", "amount", json_string("7000"), ct_key_id(k1));
	expect_tamper_fails(rec, ring1, "tags", "0", json_string("isis"), ct_key_id(k1));
	expect_tamper_fails(rec, ring1, "reason", NULL, json_string("added"), ct_key_id(k1));

	/* A changed signature byte. */
	copy = json_deep_copy(rec);
	{
		json_t *s = json_array_get(json_object_get(copy, "signatures"), 0);
		const char *b64 = json_string_value(json_object_get(s, "sig"));
		uint8_t sig[64];
		size_t n;
		ct_buf out = CT_BUF_INIT;
		CHECK_INT(ct_base64_decode(sig, sizeof(sig), &n, b64), 0);
		sig[10] ^= 1;
		ct_base64_encode(&out, sig, sizeof(sig));
		json_object_set_new(s, "sig", json_string(out.ptr));
		ct_buf_free(&out);
	}
	CHECK_INT(ct_record_verify(&r, copy, ring1, 1), CT_EBADSIG);
	CHECK_INT(r.bad, 1);
	json_decref(copy);

	/* A key we do not trust. */
	CHECK_INT(ct_record_verify(&r, rec, ring2, 1), CT_EUNTRUSTED);
	CHECK_INT(r.untrusted, 1);
	CHECK_INT(r.trusted, 0);
	CHECK_ERROR_HAS(ct_key_id(k1));
	CHECK_ERROR_HAS("not trusted");

	/* A signature claiming to be by k2 but made by k1: checked against k2, fails. */
	copy = json_deep_copy(rec);
	json_object_set_new(json_array_get(json_object_get(copy, "signatures"), 0), "key_id",
		json_string(ct_key_id(k2)));
	CHECK_INT(ct_record_verify(&r, copy, ring2, 1), CT_EBADSIG);
	CHECK_ERROR_HAS(ct_key_id(k2));
	json_decref(copy);

	ct_keyring_free(ring1);
	ct_keyring_free(ring2);
	json_decref(rec);
}

static void test_threshold(const ct_key *k1, const ct_key *k2)
{
	json_t *rec = parse(claim_text);
	ct_keyring *both = ring_of(k1, k2);
	ct_keyring *one = ring_of(k1, NULL);
	ct_verify_report r;
	json_t *dup;

	CHECK_INT(ct_record_sign(rec, k1), 0);
	CHECK_INT(ct_record_verify(&r, rec, both, 2), CT_EUNTRUSTED);
	CHECK_ERROR_HAS("signed by 1 trusted key, 2 needed");
	CHECK_INT(ct_record_sign(rec, k2), 0);
	CHECK_INT(ct_record_verify(&r, rec, both, 2), 0);
	CHECK_INT(r.trusted, 2);
	CHECK_INT(r.signatures, 2);
	CHECK_INT(ct_record_verify(&r, rec, both, 3), CT_EUNTRUSTED);
	CHECK_INT(ct_record_verify(&r, rec, one, 2), CT_EUNTRUSTED);
	CHECK_INT(r.trusted, 1);
	CHECK_INT(r.untrusted, 1);

	/* Two entries with one key id: malformed, as in a bundle's envelope (format.md 2.2). */
	dup = parse(claim_text);
	CHECK_INT(ct_record_sign(dup, k1), 0);
	json_array_append(json_object_get(dup, "signatures"),
		json_array_get(json_object_get(dup, "signatures"), 0));
	CHECK_INT(ct_record_verify(&r, dup, both, 2), CT_EINVALID);
	CHECK_ERROR_HAS("two signatures by key");
	json_decref(dup);

	json_decref(rec);
	ct_keyring_free(both);
	ct_keyring_free(one);
}

static void test_revoked(const ct_key *k1, const ct_key *k2)
{
	json_t *rec = parse(claim_text);
	json_t *revoked = NULL;
	ct_keyring *ring = ring_of(k1, k2);
	ct_verify_report r;

	CHECK_INT(ct_record_sign(rec, k1), 0);
	CHECK_INT(ct_record_sign(rec, k2), 0);
	CHECK_INT(ct_key_revoke(&revoked, k1, "compromised"), 0);
	CHECK_INT(ct_keyring_add(ring, revoked), 0);
	CHECK_INT(ct_record_verify(&r, rec, ring, 2), CT_EUNTRUSTED);
	CHECK_INT(r.revoked, 1);
	CHECK_INT(r.trusted, 1);
	CHECK_ERROR_HAS("revoked");
	CHECK_ERROR_HAS(ct_key_id(k1));
	CHECK_INT(ct_record_verify(&r, rec, ring, 1), 0);
	json_decref(revoked);
	json_decref(rec);
	ct_keyring_free(ring);
}

/* The payload type binds the kind: a signature made for a claim never verifies as a source. */
static void test_cross_type(const ct_key *k1)
{
	json_t *src = parse(source_text);
	ct_keyring *ring = ring_of(k1, NULL);
	ct_buf body = CT_BUF_INIT, pae = CT_BUF_INIT, b64 = CT_BUF_INIT;
	uint8_t sig[64];
	int k;

	for (k = 0; k < 2; k++) {
		json_t *copy = json_deep_copy(src);
		ct_kind kind = k == 0 ? CT_KIND_SOURCE : CT_KIND_CLAIM;
		ct_buf_clear(&body);
		ct_buf_clear(&pae);
		ct_buf_clear(&b64);
		CHECK_INT(ct_record_body(&body, copy), 0);
		CHECK_INT(ct_pae(&pae, ct_kind_payload_type(kind), (const uint8_t *)body.ptr,
				  body.len),
			0);
		CHECK_INT(ct_key_sign_bytes(sig, k1, (const uint8_t *)pae.ptr, pae.len), 0);
		ct_base64_encode(&b64, sig, sizeof(sig));
		json_object_set_new(copy, "signatures",
			json_pack("[{s:s, s:s}]", "key_id", ct_key_id(k1), "sig", b64.ptr));
		/* The control (source payload type) verifies; the claim payload type does not. */
		CHECK_INT(ct_record_verify(NULL, copy, ring, 1), k == 0 ? 0 : CT_EBADSIG);
		if (k == 1)
			CHECK_ERROR_HAS("source crocus-oped: signature by key");
		json_decref(copy);
	}
	ct_buf_free(&body);
	ct_buf_free(&pae);
	ct_buf_free(&b64);
	json_decref(src);
	ct_keyring_free(ring);
}

static void test_invalid(const ct_key *k1)
{
	json_t *rec = parse(claim_text);

	json_object_set_new(rec, "unknown", json_string("x"));
	CHECK_INT(ct_record_sign(rec, k1), CT_EINVALID);
	CHECK(json_object_get(rec, "signatures") == NULL);
	json_decref(rec);
}

/* A signature's key_id is only a hint: it counts for the key that made it. */
static void test_key_id_hint(const ct_key *k1, const ct_key *k2)
{
	json_t *rec = parse(claim_text), *sig;
	ct_keyring *both = ring_of(k1, k2), *only1 = ring_of(k1, NULL), *only2 = ring_of(k2, NULL);
	ct_verify_report r;

	CHECK_INT(ct_record_sign(rec, k1), 0);
	sig = json_array_get(json_object_get(rec, "signatures"), 0);
	/* the hint names another trusted key: the signature still counts, for k1 */
	json_object_set_new(sig, "key_id", json_string(ct_key_id(k2)));
	CHECK_INT(ct_record_verify(&r, rec, both, 1), 0);
	CHECK_INT(r.trusted, 1);
	CHECK_STR(r.signers[0], ct_key_id(k1));
	/* the hint names an unknown key */
	json_object_set_new(sig, "key_id", json_string("0123456789abcdef"));
	CHECK_INT(ct_record_verify(&r, rec, only1, 1), 0);
	CHECK_STR(r.signers[0], ct_key_id(k1));
	/* a wrong hint cannot make one signature count twice, or for a key that did not sign */
	json_object_set_new(sig, "key_id", json_string(ct_key_id(k2)));
	CHECK_INT(ct_record_verify(&r, rec, both, 2), CT_EUNTRUSTED);
	CHECK_INT(ct_record_verify(&r, rec, only2, 1), CT_EBADSIG);
	CHECK_ERROR_HAS(ct_key_id(k2));
	json_decref(rec);
	ct_keyring_free(both);
	ct_keyring_free(only1);
	ct_keyring_free(only2);
}

int main(void)
{
	ct_runtime_opts rt = CT_RUNTIME_OPTS_INIT;
	ct_key *k1 = NULL, *k2 = NULL;

	rt.time = 1700000000; /* the command passes SOURCE_DATE_EPOCH in this way */
	if (ct_init() < 0 || ct_runtime_set(&rt) < 0)
		return 99;
	if (ct_key_generate(&k1, "One", NULL) < 0 || ct_key_generate(&k2, "Two", "Org") < 0) {
		fprintf(stderr, "%s\n", ct_error_last());
		return 99;
	}
	test_sign_verify(k1, k2);
	test_threshold(k1, k2);
	test_revoked(k1, k2);
	test_cross_type(k1);
	test_invalid(k1);
	test_key_id_hint(k1, k2);
	ct_key_free(k1);
	ct_key_free(k2);
	ct_shutdown();
	return test_finish();
}
