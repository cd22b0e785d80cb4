/* Unit tests for key.c, key_file.c and keyring.c: key generation, the secret key file, keyrings. */
#include "test.h"
#include "keyring.h"

#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/ct-test-key.XXXXXX";

static const char *at(const char *name)
{
	static char buf[8][512];
	static int n;
	char *p = buf[n++ % 8];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

static char *slurp(const char *path)
{
	ct_buf b = CT_BUF_INIT;

	if (ct_file_read(&b, path, 1 << 20) < 0)
		return NULL;
	return ct_buf_detach(&b);
}

/* Writes a (secret key) file, private to its owner as a reader requires. */
static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fputs(text, f);
		fclose(f);
		chmod(path, 0600);
	}
}

/* Copies src to dst, replacing the first occurrence of from by to. */
static int rewrite(const char *src, const char *dst, const char *from, const char *to)
{
	char *text = slurp(src);
	ct_buf out = CT_BUF_INIT;
	char *p;

	if (!text || !(p = strstr(text, from))) {
		free(text);
		return -1;
	}
	ct_buf_put(&out, text, (size_t)(p - text));
	ct_buf_puts(&out, to);
	ct_buf_puts(&out, p + strlen(from));
	unlink(dst);
	spit(dst, out.ptr);
	ct_buf_free(&out);
	free(text);
	return 0;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (st.st_mode & 0777) : 0;
}

static int same_signer(const ct_key *a, const ct_key *b)
{
	uint8_t s1[64], s2[64];
	const uint8_t msg[] = "message";

	if (ct_key_sign_bytes(s1, a, msg, sizeof(msg)) < 0 ||
		ct_key_sign_bytes(s2, b, msg, sizeof(msg)) < 0)
		return 0;
	/* Ed25519 is deterministic: same key, same message, same signature. */
	return memcmp(s1, s2, 64) == 0;
}

static void test_generate(ct_key **out)
{
	ct_key *key = NULL;
	const json_t *rec;
	char id[CT_KEY_ID_LEN + 1];

	CHECK_INT(ct_key_generate(&key, "Test Signer", "Example Org"), 0);
	if (!key)
		exit(1);
	CHECK_INT(strlen(ct_key_id(key)), CT_KEY_ID_LEN);
	ct_key_id_of(id, ct_key_public_bytes(key));
	CHECK_STR(id, ct_key_id(key));
	rec = ct_key_public_record(key);
	CHECK_STR(json_string_value(json_object_get(rec, "key_id")), ct_key_id(key));
	CHECK_STR(json_string_value(json_object_get(rec, "name")), "Test Signer");
	CHECK_STR(json_string_value(json_object_get(rec, "org")), "Example Org");
	CHECK_STR(json_string_value(json_object_get(rec, "created")), "2023-11-14T22:13:20Z");
	CHECK_INT(json_array_size(json_object_get(rec, "signatures")), 1);
	CHECK_INT(ct_key_record_check(rec), 0);
	*out = key;
}

static void test_unencrypted(const ct_key *key)
{
	ct_key *back = NULL;
	int enc = -1;
	json_t *pub = NULL, *pub2 = NULL;

	CHECK_INT(ct_key_write(key, at("plain.key"), NULL, 0), 0);
	CHECK_INT(mode_of(at("plain.key")), 0600);
	CHECK_INT(mode_of(at("plain.key.pub")), 0644);
	CHECK_INT(ct_key_file_encrypted(&enc, at("plain.key")), 0);
	CHECK_INT(enc, 0);
	CHECK_INT(ct_key_read(&back, at("plain.key"), NULL, 0), 0);
	if (back) {
		CHECK_STR(ct_key_id(back), ct_key_id(key));
		CHECK(same_signer(key, back));
		CHECK(json_equal(
			(json_t *)ct_key_public_record(back), (json_t *)ct_key_public_record(key)));
	}
	ct_key_free(back);

	/* Never overwritten: the second write fails and leaves the first file as it was. */
	{
		char *before = slurp(at("plain.key"));
		CHECK_INT(ct_key_write(key, at("plain.key"), NULL, 0), CT_EEXISTS);
		CHECK_ERROR_HAS("plain.key");
		char *after = slurp(at("plain.key"));
		CHECK(before && after && strcmp(before, after) == 0);
		free(before);
		free(after);
	}
	/* An existing .pub alone blocks the write too, and no secret file is left behind. */
	spit(at("lonely.key.pub"), "{}\n");
	CHECK_INT(ct_key_write(key, at("lonely.key"), NULL, 0), CT_EEXISTS);
	CHECK(access(at("lonely.key"), F_OK) != 0);
	/* A symlink in the way is not followed. */
	CHECK_INT(symlink(at("target"), at("link.key")), 0);
	CHECK(ct_key_write(key, at("link.key"), NULL, 0) < 0);
	CHECK(access(at("target"), F_OK) != 0);

	/* Public halves read without a passphrase from either file. */
	CHECK_INT(ct_key_file_public_record(&pub, at("plain.key")), 0);
	CHECK_INT(ct_key_file_public_record(&pub2, at("plain.key.pub")), 0);
	CHECK(pub && pub2 && json_equal(pub, pub2));
	json_decref(pub);
	json_decref(pub2);
}

static void test_encrypted(const ct_key *key)
{
	ct_key *back = NULL;
	int enc = -1;
	char *text;

	CHECK_INT(ct_key_write(key, at("enc.key"), "correct horse", 13), 0);
	CHECK_INT(mode_of(at("enc.key")), 0600);
	text = slurp(at("enc.key"));
	CHECK(text && strstr(text, "kdf: argon2id\n") && strstr(text, "opslimit: ") &&
		strstr(text, "memlimit: ") && !strstr(text, "checksum:"));
	free(text);
	CHECK_INT(ct_key_file_encrypted(&enc, at("enc.key")), 0);
	CHECK_INT(enc, 1);
	CHECK_INT(ct_key_read(&back, at("enc.key"), NULL, 0), CT_EPASSPHRASE);
	CHECK_ERROR_HAS("is encrypted");
	CHECK(back == NULL);
	CHECK_INT(ct_key_read(&back, at("enc.key"), "wrong horse", 11), CT_EPASSPHRASE);
	CHECK_ERROR_HAS("wrong passphrase");
	CHECK_ERROR_HAS("enc.key");
	CHECK(back == NULL);
	CHECK_INT(ct_key_read(&back, at("enc.key"), "correct horse", 13), 0);
	if (back) {
		CHECK_STR(ct_key_id(back), ct_key_id(key));
		CHECK(same_signer(key, back));
	}
	ct_key_free(back);
	back = NULL;

	/* A tampered ciphertext or salt is caught by the MAC. */
	{
		char *t = slurp(at("enc.key"));
		char *line = t ? strstr(t, "\nsecret: ") : NULL;
		if (line) {
			line += 9;
			*line = *line == 'A' ? 'B' : 'A';
			unlink(at("enc-bad.key"));
			spit(at("enc-bad.key"), t);
			CHECK_INT(ct_key_read(&back, at("enc-bad.key"), "correct horse", 13),
				CT_EPASSPHRASE);
		}
		free(t);
	}
	/* New keys cost at least libsodium's moderate limits per guess. */
	text = slurp(at("enc.key"));
	{
		const char *o = text ? strstr(text, "\nopslimit: ") : NULL;
		const char *m = text ? strstr(text, "\nmemlimit: ") : NULL;
		CHECK(o && strtoull(o + 11, NULL, 10) >= crypto_pwhash_OPSLIMIT_MODERATE);
		CHECK(m && strtoull(m + 11, NULL, 10) >= crypto_pwhash_MEMLIMIT_MODERATE);
	}
	free(text);
	/* KDF parameters come from the file, within bounds: up to libsodium's sensitive limits,
	 * refused beyond before any work is done */
	CHECK_INT(rewrite(at("enc.key"), at("enc-ops.key"), "opslimit: 3", "opslimit: 99999"), 0);
	CHECK_INT(ct_key_read(&back, at("enc-ops.key"), "correct horse", 13), CT_EINVALID);
	CHECK_ERROR_HAS("opslimit 99999, more than the 4 this reader allows");
	CHECK_INT(rewrite(at("enc.key"), at("enc-ops.key"), "opslimit: 3", "opslimit: 5"), 0);
	CHECK_INT(ct_key_read(&back, at("enc-ops.key"), "correct horse", 13), CT_EINVALID);
	CHECK_ERROR_HAS("opslimit 5");
	CHECK_INT(rewrite(at("enc.key"), at("enc-mem.key"), "memlimit: 268435456",
			  "memlimit: 4294967296"),
		0);
	CHECK_INT(ct_key_read(&back, at("enc-mem.key"), "correct horse", 13), CT_EINVALID);
	CHECK_ERROR_HAS("memlimit 4294967296, more than the 1073741824 this reader allows");
	CHECK_INT(rewrite(at("enc.key"), at("enc-mem.key"), "memlimit: 268435456",
			  "memlimit: 18446744073709551615"),
		0);
	CHECK_INT(ct_key_read(&back, at("enc-mem.key"), "correct horse", 13), CT_EINVALID);
	CHECK_ERROR_HAS("memlimit");
	CHECK_INT(rewrite(at("enc.key"), at("enc-mem.key"), "memlimit: 268435456",
			  "memlimit: 18446744073709551616"),
		0);
	CHECK_INT(ct_key_read(&back, at("enc-mem.key"), "correct horse", 13), CT_EINVALID);
	CHECK_ERROR_HAS("memlimit");
}

/* A key written before new keys moved to the moderate limits (opslimit 2, memlimit 64 MiB, by
 * claimtrail's own key generate), passphrase "correct horse": it still opens. */
static const char old_interactive_key[] =
	"claimtrail-secret-key v1\n"
	"algorithm: ed25519\n"
	"key-id: 0fe6fef0ee6fb043\n"
	"kdf: argon2id\n"
	"opslimit: 2\n"
	"memlimit: 67108864\n"
	"salt: i1/a88g/qdsPsJf/uJk3ag==\n"
	"nonce: pTVj0ots3A8npPaSa3b/Har1atATFt4d\n"
	"secret: UAKqdExTZQ0/XmwPdeOyVW3B/97VCJv10AgN285udFoWfrNW2l9BuRC3oDTHAoTx\n"
	"public-record: {\"type\":\"key\",\"key_id\":\"0fe6fef0ee6fb043\",\"algorithm\":"
	"\"ed25519\",\"public_key\":\"EtSv4uNsY28Ozro55ZvqnPcZHXA+d/W9bDTTebGS/FM=\",\"name\":"
	"\"Old interactive key\",\"org\":\"tests\",\"created\":\"2026-12-03T08:35:02Z\","
	"\"signatures\":[{\"key_id\":\"0fe6fef0ee6fb043\",\"sig\":\"5Sse6XXoPx5f6ZKjIrIm1TipolF63D6"
	"/ACuarqZT9UmVOolSEAQp9rShmcygaiNeUMIlky3BrTyWf8Wt9AS1Cg==\"}]}\n";

static void test_old_limits(void)
{
	ct_key *back = NULL;

	spit(at("old.key"), old_interactive_key);
	CHECK_INT(ct_key_read(&back, at("old.key"), "correct horse", 13), 0);
	if (back)
		CHECK_STR(ct_key_id(back), "0fe6fef0ee6fb043");
	ct_key_free(back);
}

/* As ssh does: a secret key file that group or others may read or write is refused, with the
 * command that fixes it. */
static void test_permissions(void)
{
	ct_key *back = NULL;
	json_t *rec = NULL;
	int enc = -1;

	CHECK_INT(chmod(at("plain.key"), 0644), 0);
	CHECK_INT(ct_key_read(&back, at("plain.key"), NULL, 0), CT_EINVALID);
	CHECK_ERROR_HAS("permissions 0644 are too open");
	CHECK_ERROR_HAS("chmod 600 ");
	CHECK(back == NULL);
	CHECK_INT(ct_key_file_encrypted(&enc, at("plain.key")), CT_EINVALID);
	CHECK_INT(chmod(at("plain.key"), 0620), 0);
	CHECK_INT(ct_key_read(&back, at("plain.key"), NULL, 0), CT_EINVALID);
	CHECK_INT(chmod(at("plain.key"), 0604), 0);
	CHECK_INT(ct_key_read(&back, at("plain.key"), NULL, 0), CT_EINVALID);
	CHECK_INT(chmod(at("plain.key"), 0400), 0);
	CHECK_INT(ct_key_read(&back, at("plain.key"), NULL, 0), 0);
	ct_key_free(back);
	CHECK_INT(chmod(at("plain.key"), 0600), 0);
	/* the public half, a .pub file, is public: any mode */
	CHECK_INT(chmod(at("plain.key.pub"), 0644), 0);
	CHECK_INT(ct_key_file_public_record(&rec, at("plain.key.pub")), 0);
	json_decref(rec);
}

static void test_tampered(void)
{
	ct_key *back = NULL;
	char *t = slurp(at("plain.key"));
	char *p;

	/* One changed character of the secret: the checksum catches it. */
	if (t && (p = strstr(t, "\nsecret: "))) {
		p += 9;
		*p = *p == 'A' ? 'B' : 'A';
		spit(at("bad1.key"), t);
		CHECK_INT(ct_key_read(&back, at("bad1.key"), NULL, 0), CT_EINVALID);
		CHECK_ERROR_HAS("checksum");
	}
	free(t);
	CHECK_INT(rewrite(at("plain.key"), at("bad2.key"), "claimtrail-secret-key v1",
			  "claimtrail-secret-key v2"),
		0);
	CHECK_INT(ct_key_read(&back, at("bad2.key"), NULL, 0), CT_EINVALID);
	CHECK_ERROR_HAS("unsupported secret key file version 'v2'");
	CHECK_INT(rewrite(at("plain.key"), at("bad3.key"), "kdf: none", "kdf: scrypt"), 0);
	CHECK_INT(ct_key_read(&back, at("bad3.key"), NULL, 0), CT_EINVALID);
	CHECK_ERROR_HAS("unsupported kdf");
	CHECK_INT(rewrite(at("plain.key"), at("bad4.key"), "algorithm: ed25519\n", ""), 0);
	CHECK_INT(ct_key_read(&back, at("bad4.key"), NULL, 0), CT_EINVALID);
	CHECK_ERROR_HAS("expected 'algorithm: VALUE'");
	CHECK_INT(rewrite(at("plain.key"), at("bad5.key"), "\nkdf:", "\r\nkdf:"), 0);
	CHECK_INT(ct_key_read(&back, at("bad5.key"), NULL, 0), CT_EINVALID);
	CHECK_INT(rewrite(at("plain.key"), at("bad6.key"), "\"name\":\"Test Signer\"",
			  "\"name\":\"Evil Signer\""),
		0);
	CHECK_INT(ct_key_read(&back, at("bad6.key"), NULL, 0), CT_EBADSIG);
	CHECK_ERROR_HAS("self-signature");
	spit(at("bad7.key"), "{\"type\":\"key\"}\n");
	CHECK_INT(ct_key_read(&back, at("bad7.key"), NULL, 0), CT_EINVALID);
	CHECK_ERROR_HAS("not a claimtrail secret key file");
	spit(at("bad8.key"), "");
	CHECK_INT(ct_key_read(&back, at("bad8.key"), NULL, 0), CT_EINVALID);
	CHECK_INT(ct_key_read(&back, at("missing.key"), NULL, 0), CT_ENOTFOUND);
	/* A trailing extra line, and a missing final newline. */
	CHECK_INT(rewrite(at("plain.key"), at("bad9.key"), "\"}]}\n", "\"}]}\nextra: 1\n"), 0);
	CHECK_INT(ct_key_read(&back, at("bad9.key"), NULL, 0), CT_EINVALID);
	CHECK_INT(rewrite(at("plain.key"), at("bad10.key"), "\"}]}\n", "\"}]}"), 0);
	CHECK_INT(ct_key_read(&back, at("bad10.key"), NULL, 0), CT_EINVALID);
	CHECK(back == NULL);
}

/* Signature memos (keyring.h): a memo vouches for exactly the key, signature and message it
 * noted; a ring noting its findings notes only signatures that verify. */
static void test_sigmemo(const ct_key *k1)
{
	ct_keyring *ring = NULL, *other = NULL;
	ct__sigmemo *memo = NULL, *noted = NULL;
	ct_key *k2 = NULL;
	uint8_t sig[64], bad[64];
	const uint8_t msg[] = "hello", msg2[] = "hellO";

	CHECK_INT(ct_key_generate(&k2, "Second", NULL), 0);
	CHECK_INT(ct_keyring_new(&ring), 0);
	CHECK_INT(ct_keyring_new(&other), 0);
	CHECK_INT(ct_keyring_add(ring, ct_key_public_record(k1)), 0);
	CHECK_INT(ct_keyring_add(ring, ct_key_public_record(k2)), 0);
	CHECK_INT(ct_key_sign_bytes(sig, k1, msg, sizeof(msg)), 0);
	memcpy(bad, sig, sizeof(bad));
	bad[5] ^= 1;
	/* a memo made (for the test) to vouch for a bad signature: used instead of checking */
	CHECK_INT(ct__sigmemo_new(&memo, 2), 0);
	ct__sigmemo_set(memo, 0, ct_key_public_bytes(k1), bad, msg, sizeof(msg));
	ct__sigmemo_seal(memo);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), bad, msg, sizeof(msg)), CT_EBADSIG);
	ct__keyring_set_memo(ring, memo);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), bad, msg, sizeof(msg)), 0);
	/* not for another message, another key, another signature */
	CHECK_INT(
		ct_keyring_verify_bytes(ring, ct_key_id(k1), bad, msg2, sizeof(msg2)), CT_EBADSIG);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k2), bad, msg, sizeof(msg)), CT_EBADSIG);
	bad[6] ^= 1;
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), bad, msg, sizeof(msg)), CT_EBADSIG);
	/* what is not in the memo is checked as always */
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), sig, msg, sizeof(msg)), 0);
	ct__keyring_set_memo(ring, NULL);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), bad, msg, sizeof(msg)), CT_EBADSIG);

	/* noting: only what verifies */
	CHECK_INT(ct__sigmemo_new(&noted, 0), 0);
	ct__keyring_memo_record(ring, noted);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), bad, msg, sizeof(msg)), CT_EBADSIG);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), sig, msg, sizeof(msg)), 0);
	ct__keyring_memo_record(ring, NULL);
	ct__sigmemo_seal(noted);
	CHECK_INT(ct_keyring_add(other, ct_key_public_record(k1)), 0);
	ct__keyring_set_memo(other, noted);
	CHECK_INT(ct_keyring_verify_bytes(other, ct_key_id(k1), sig, msg, sizeof(msg)), 0);
	CHECK_INT(ct_keyring_verify_bytes(other, ct_key_id(k1), bad, msg, sizeof(msg)), CT_EBADSIG);
	ct_error_clear();

	ct_keyring_free(ring);
	ct_keyring_free(other);
	ct__sigmemo_free(memo);
	ct__sigmemo_free(noted);
	ct_key_free(k2);
}

static void test_keyring(const ct_key *k1)
{
	ct_keyring *ring = NULL;
	ct_key *k2 = NULL;
	json_t *revoked = NULL, *bad = NULL;
	uint8_t sig[64];
	const uint8_t msg[] = "hello";

	CHECK_INT(ct_keyring_new(&ring), 0);
	CHECK_INT(ct_key_generate(&k2, "Second", NULL), 0);
	CHECK_INT(ct_keyring_add(ring, ct_key_public_record(k1)), 0);
	CHECK_INT(ct_keyring_add(ring, ct_key_public_record(k1)), 0);
	CHECK_INT(ct_keyring_count(ring), 1);
	CHECK(ct_keyring_find(ring, ct_key_id(k1)) != NULL);
	CHECK(ct_keyring_find(ring, ct_key_id(k2)) == NULL);
	CHECK(ct_keyring_get(ring, 0) != NULL);
	CHECK(ct_keyring_get(ring, 1) == NULL);

	CHECK_INT(ct_key_sign_bytes(sig, k1, msg, sizeof(msg)), 0);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), sig, msg, sizeof(msg)), 0);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), sig, msg, sizeof(msg) - 1),
		CT_EBADSIG);
	CHECK_INT(
		ct_keyring_verify_bytes(ring, ct_key_id(k2), sig, msg, sizeof(msg)), CT_ENOTFOUND);

	/* Records that must not get in. */
	bad = json_deep_copy(ct_key_public_record(k2));
	json_object_set_new(bad, "name", json_string("Impostor"));
	CHECK_INT(ct_keyring_add(ring, bad), CT_EBADSIG);
	json_object_set_new(bad, "key_id", json_string(ct_key_id(k1)));
	CHECK_INT(ct_keyring_add(ring, bad), CT_EINVALID);
	CHECK_ERROR_HAS("does not match");
	json_decref(bad);
	bad = json_deep_copy(ct_key_public_record(k2));
	json_object_del(bad, "signatures");
	CHECK_INT(ct_keyring_add(ring, bad), CT_EINVALID);
	CHECK_ERROR_HAS("not self-signed");
	json_decref(bad);
	/* Signed by someone else only (k1 signs k2's record): still not self-signed. */
	bad = json_deep_copy(ct_key_public_record(k2));
	json_object_del(bad, "signatures");
	CHECK_INT(ct_record_sign(bad, k1), 0);
	CHECK_INT(ct_keyring_add(ring, bad), CT_EINVALID);
	json_decref(bad);
	CHECK_INT(ct_keyring_count(ring), 1);

	/* A revocation replaces the live record; the live one never replaces it back. */
	CHECK_INT(ct_keyring_revoked(ring, ct_key_id(k1)), 0);
	CHECK_INT(ct_key_revoke(&revoked, k1, "laptop stolen"), 0);
	CHECK_INT(ct_keyring_add(ring, revoked), 0);
	CHECK_INT(ct_keyring_revoked(ring, ct_key_id(k1)), 1);
	CHECK_INT(ct_keyring_add(ring, ct_key_public_record(k1)), 0);
	CHECK_INT(ct_keyring_revoked(ring, ct_key_id(k1)), 1);
	CHECK_INT(ct_keyring_count(ring), 1);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(k1), sig, msg, sizeof(msg)), 0);
	json_decref(revoked);
	ct_keyring_free(ring);

	/* Folders: every *.pub / *.json is a key record; other files are ignored. */
	mkdir(at("trust"), 0755);
	CHECK_INT(ct_keyring_new(&ring), 0);
	CHECK_INT(ct_keyring_add_path(ring, at("trust")), CT_ENOTFOUND);
	CHECK_INT(ct_key_write(k1, at("trust/one"), NULL, 0), 0);
	unlink(at("trust/one")); /* keep only the .pub */
	CHECK_INT(ct_key_write(k2, at("trust/two"), NULL, 0), 0);
	unlink(at("trust/two"));
	spit(at("trust/README.txt"), "not a key\n");
	CHECK_INT(ct_keyring_add_path(ring, at("trust")), 0);
	CHECK_INT(ct_keyring_count(ring), 2);
	CHECK(ct_keyring_find(ring, ct_key_id(k2)) != NULL);
	ct_keyring_free(ring);
	spit(at("trust/other.json"), "{\"type\":\"claim\"}\n");
	CHECK_INT(ct_keyring_new(&ring), 0);
	CHECK(ct_keyring_add_path(ring, at("trust")) < 0);
	CHECK_ERROR_HAS("other.json");
	CHECK_INT(ct_keyring_add_path(ring, at("trust/one.pub")), 0);
	CHECK_INT(ct_keyring_add_path(ring, at("trust/none.pub")), CT_ENOTFOUND);
	ct_keyring_free(ring);
	ct_key_free(k2);
}

/* Keys checked many times get verification tables (keyring.c, ed25519.h): from a key's 16th valid
 * signature, for at most 64 keys a ring, with the same verdicts before and after, from several
 * threads; a stranger's signatures, tried against every key, give none. Only in a build with
 * -Ded25519_tables=true: in the default one no key ever gets tables, and the verdicts are the
 * same. */
#define RING_KEYS 70
#ifdef CT_ED25519_TABLES
#define TABLES_ON 1
#else
#define TABLES_ON 0
#endif

typedef struct {
	const ct_keyring *ring;
	ct_key **keys;
	const uint8_t (*sigs)[64];
	int first, wrong;
} ring_worker;

static void *check_ring(void *arg)
{
	ring_worker *w = arg;
	const uint8_t msg[] = "as many as 6,000 foreign fighters";
	const char *by;
	uint8_t bad[64];
	int round, i;

	for (round = 0; round < 12; round++)
		for (i = w->first; i < RING_KEYS; i += 2) {
			if (ct_keyring_verify_bytes(w->ring, ct_key_id(w->keys[i]), w->sigs[i], msg,
				    sizeof(msg)) != 0 ||
				ct_keyring_verify_any(
					&by, w->ring, NULL, w->sigs[i], msg, sizeof(msg)) != 0 ||
				strcmp(by, ct_key_id(w->keys[i])) != 0)
				w->wrong++;
			memcpy(bad, w->sigs[i], 64);
			bad[round % 64] ^= 1;
			if (ct_keyring_verify_bytes(w->ring, ct_key_id(w->keys[i]), bad, msg,
				    sizeof(msg)) != CT_EBADSIG)
				w->wrong++;
		}
	return NULL;
}

static void test_keyring_tables(void)
{
	ct_keyring *ring = NULL;
	ct_key *keys[RING_KEYS] = {0};
	uint8_t sigs[RING_KEYS][64];
	const uint8_t msg[] = "as many as 6,000 foreign fighters";
	ring_worker w[2];
	pthread_t other;
	int i;

	CHECK_INT(ct_keyring_new(&ring), 0);
	for (i = 0; i < RING_KEYS; i++) {
		CHECK_INT(ct_key_generate(&keys[i], "Desk", NULL), 0);
		CHECK_INT(ct_keyring_add(ring, ct_key_public_record(keys[i])), 0);
		CHECK_INT(ct_key_sign_bytes(sigs[i], keys[i], msg, sizeof(msg)), 0);
	}
	/* a stranger's signature, tried against every key 20 times: no tables */
	{
		ct_key *stranger = NULL;
		uint8_t theirs[64];
		const char *by;

		CHECK_INT(ct_key_generate(&stranger, "Stranger", NULL), 0);
		CHECK_INT(ct_key_sign_bytes(theirs, stranger, msg, sizeof(msg)), 0);
		for (i = 0; i < 20; i++) {
			CHECK_INT(ct_keyring_verify_any(&by, ring, NULL, theirs, msg, sizeof(msg)),
				CT_ENOTFOUND);
			CHECK_INT(ct_keyring_verify_bytes(
					  ring, ct_key_id(keys[0]), sigs[1], msg, sizeof(msg)),
				CT_EBADSIG);
		}
		CHECK_INT(ct__keyring_tables(ring), 0);
		ct_key_free(stranger);
	}
	/* 15 checks with the first key: no table yet; the 16th builds it */
	for (i = 0; i < 15; i++)
		CHECK_INT(ct_keyring_verify_bytes(
				  ring, ct_key_id(keys[0]), sigs[0], msg, sizeof(msg)),
			0);
	CHECK_INT(ct__keyring_tables(ring), 0);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(keys[0]), sigs[0], msg, sizeof(msg)), 0);
	CHECK_INT(ct__keyring_tables(ring), TABLES_ON);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(keys[0]), sigs[0], msg, sizeof(msg) - 1),
		CT_EBADSIG);
	CHECK_INT(ct_keyring_verify_bytes(ring, ct_key_id(keys[0]), sigs[1], msg, sizeof(msg)),
		CT_EBADSIG);

	/* two threads take every key past its 16th check at once: 64 tables, no more, and every
	 * verdict right on the way (verify_any without a hint also tries the wrong keys) */
	for (i = 0; i < 2; i++) {
		w[i] = (ring_worker){ring, keys, (const uint8_t(*)[64])sigs, i, 0};
	}
	CHECK_INT(pthread_create(&other, NULL, check_ring, &w[1]), 0);
	check_ring(&w[0]);
	pthread_join(other, NULL);
	CHECK_INT(w[0].wrong + w[1].wrong, 0);
	CHECK_INT(ct__keyring_tables(ring), 64 * TABLES_ON);
	ct_keyring_free(ring);
	for (i = 0; i < RING_KEYS; i++)
		ct_key_free(keys[i]);
}

/* Two threads race one key past its 16th valid check, from a barrier, on fresh rings: one of
 * them builds and publishes the key's tables while the other may be reading them (the
 * ThreadSanitizer run in docs/performance.md, scripts/tsan, runs this test); every verdict right, one table. */
#define RACE_RINGS 24
#define RACE_CHECKS 40

typedef struct {
	const ct_keyring *ring;
	const char *id;
	const uint8_t *sig;
	pthread_barrier_t *start;
	int wrong;
} race_worker;

static void *race_ring(void *arg)
{
	race_worker *w = arg;
	const uint8_t msg[] = "as many as 6,000 foreign fighters";
	uint8_t bad[64];
	int i;

	pthread_barrier_wait(w->start);
	for (i = 0; i < RACE_CHECKS; i++) {
		if (ct_keyring_verify_bytes(w->ring, w->id, w->sig, msg, sizeof(msg)) != 0)
			w->wrong++;
		memcpy(bad, w->sig, 64);
		bad[i % 64] ^= 0x20;
		if (ct_keyring_verify_bytes(w->ring, w->id, bad, msg, sizeof(msg)) != CT_EBADSIG)
			w->wrong++;
	}
	return NULL;
}

static void test_keyring_tables_race(void)
{
	const uint8_t msg[] = "as many as 6,000 foreign fighters";
	ct_key *key = NULL;
	uint8_t sig[64];
	pthread_barrier_t start;
	pthread_t other;
	race_worker w[2];
	int r;

	CHECK_INT(ct_key_generate(&key, "Desk", NULL), 0);
	CHECK_INT(ct_key_sign_bytes(sig, key, msg, sizeof(msg)), 0);
	for (r = 0; r < RACE_RINGS; r++) {
		ct_keyring *ring = NULL;

		CHECK_INT(ct_keyring_new(&ring), 0);
		CHECK_INT(ct_keyring_add(ring, ct_key_public_record(key)), 0);
		CHECK_INT(pthread_barrier_init(&start, NULL, 2), 0);
		w[0] = (race_worker){ring, ct_key_id(key), sig, &start, 0};
		w[1] = w[0];
		CHECK_INT(pthread_create(&other, NULL, race_ring, &w[1]), 0);
		race_ring(&w[0]);
		pthread_join(other, NULL);
		pthread_barrier_destroy(&start);
		CHECK_INT(w[0].wrong + w[1].wrong, 0);
		CHECK_INT(ct__keyring_tables(ring), TABLES_ON);
		ct_keyring_free(ring);
	}
	ct_key_free(key);
}

/* What a vouch callback was asked, and its answer. */
typedef struct {
	int answer;
	int calls;
	char before[32];
} vouch_probe;

static int probe_vouch(const json_t *record, const char *key_id, const char *sig,
	const char *before, void *payload)
{
	vouch_probe *p = payload;

	(void)record;
	(void)key_id;
	(void)sig;
	p->calls++;
	snprintf(p->before, sizeof(p->before), "%s", before);
	return p->answer;
}

/* Keys over time (docs/keys.md): states, successors, and signatures a checkpoint vouches for. */
static void test_key_lifecycle(void)
{
	ct_key *old = NULL, *new = NULL;
	ct_keyring *ring = NULL, *cands = NULL, *dead = NULL;
	json_t *succ = NULL, *expired = NULL, *rv = NULL, *rv_succ = NULL, *src = NULL;
	json_t *none = NULL;
	ct_verify_report rep;
	vouch_probe probe = {0, 0, ""};
	char until[CT_TIMESTAMP_LEN + 1];
	size_t added = 0;

	CHECK(ct_key_generate(&old, "Old", NULL) == 0);
	CHECK(ct_key_generate(&new, "New", NULL) == 0);
	/* the runtime's clock is 2023-11-14T22:13:20Z */
	CHECK(ct_key_rotate(&succ, old, new, "2023-12-01T00:00:00Z") == 0);
	CHECK(ct_key_rotate(&expired, old, new, "2023-11-01T00:00:00Z") == 0);
	CHECK(ct_key_rotate(&none, old, old, NULL) < 0 && none == NULL);
	CHECK(ct_key_record_check(succ) == 0);
	CHECK_STR(json_string_value(json_object_get(succ, "rotated_from")), ct_key_id(old));
	CHECK_INT(json_array_size(json_object_get(succ, "signatures")), 2);

	/* trust in old carries to its successor, and only from a ring that trusts old */
	CHECK(ct_keyring_new(&ring) == 0 && ct_keyring_new(&cands) == 0);
	CHECK(ct_keyring_add(cands, succ) == 0);
	CHECK(ct_keyring_add_successors(ring, cands, &added) == 0);
	CHECK_INT(added, 0);
	CHECK(ct_keyring_add(ring, ct_key_public_record(old)) == 0);
	CHECK(ct_keyring_add_successors(ring, cands, &added) == 0);
	CHECK_INT(added, 1);
	CHECK(ct_keyring_find(ring, ct_key_id(new)) != NULL);
	CHECK(ct_keyring_key_state(ring, ct_key_id(new), until) == CT_KEY_LIVE);
	CHECK_STR(until, "");
	ct_keyring_free(ring);
	ring = NULL;

	/* a revoked key's successors are trusted only when its revocation names them */
	CHECK(ct_key_revoke_with(&rv, old, "stolen", "2023-11-10T00:00:00Z", NULL) == 0);
	CHECK(ct_key_revoke_with(
		      &rv_succ, old, "retired", "2023-11-10T00:00:00Z", ct_key_id(new)) == 0);
	CHECK(ct_key_revoke_with(&none, old, "x", "yesterday", NULL) < 0 && none == NULL);
	CHECK(ct_keyring_new(&ring) == 0 && ct_keyring_add(ring, rv) == 0);
	CHECK(ct_keyring_add_successors(ring, cands, &added) == 0);
	CHECK_INT(added, 0);
	CHECK(ct_keyring_key_state(ring, ct_key_id(old), until) == CT_KEY_REVOKED);
	CHECK_STR(until, "2023-11-10T00:00:00Z");
	ct_keyring_free(ring);
	CHECK(ct_keyring_new(&ring) == 0 && ct_keyring_add(ring, rv_succ) == 0);
	CHECK(ct_keyring_add_successors(ring, cands, &added) == 0);
	CHECK_INT(added, 1);

	/* a signature by the revoked key counts exactly when the vouch says so, asked with the
	 * key's limit */
	src = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", "source", "id", "s", "revision",
		1, "created", "2023-11-01T00:00:00Z", "title", "T", "publisher", "P");
	CHECK(src && ct_record_sign(src, old) == 0);
	CHECK(ct_record_verify_vouched(&rep, src, ring, 1, probe_vouch, &probe) == CT_EUNTRUSTED);
	CHECK_INT(rep.revoked, 1);
	CHECK_ERROR_HAS("is revoked");
	CHECK_INT(probe.calls, 1);
	CHECK_STR(probe.before, "2023-11-10T00:00:00Z");
	probe.answer = 1;
	CHECK(ct_record_verify_vouched(&rep, src, ring, 1, probe_vouch, &probe) == 0);
	CHECK_INT(rep.trusted, 1);
	CHECK_INT(rep.vouched, 1);
	CHECK(ct_record_verify(&rep, src, ring, 1) == CT_EUNTRUSTED);
	ct_keyring_free(ring);
	ring = NULL;

	/* an expired key: its limit is its expiry */
	CHECK(ct_keyring_new(&dead) == 0 && ct_keyring_add(dead, expired) == 0);
	CHECK(ct_keyring_key_state(dead, ct_key_id(new), until) == CT_KEY_EXPIRED);
	CHECK_STR(until, "2023-11-01T00:00:00Z");

	/* a revocation of that key replaces its record and carries no expires: the key's limit is
	 * still the earlier of its expiry and the time it was compromised since, whichever of the
	 * two records the ring took first */
	json_decref(rv);
	CHECK(ct_key_revoke_with(&rv, new, "lost", "2023-11-10T00:00:00Z", NULL) == 0);
	CHECK(json_object_get(rv, "expires") == NULL);
	CHECK(ct_keyring_add(dead, rv) == 0);
	CHECK(ct_keyring_key_state(dead, ct_key_id(new), until) == CT_KEY_REVOKED);
	CHECK_STR(until, "2023-11-01T00:00:00Z");
	ct_keyring_free(dead);
	CHECK(ct_keyring_new(&dead) == 0 && ct_keyring_add(dead, rv) == 0 &&
		ct_keyring_add(dead, expired) == 0);
	CHECK(ct_keyring_key_state(dead, ct_key_id(new), until) == CT_KEY_REVOKED);
	CHECK_STR(until, "2023-11-01T00:00:00Z");

	json_decref(src);
	json_decref(rv);
	json_decref(rv_succ);
	json_decref(succ);
	json_decref(expired);
	ct_keyring_free(dead);
	ct_keyring_free(cands);
	ct_keyring_free(ring);
	ct_key_free(old);
	ct_key_free(new);
}

int main(void)
{
	ct_runtime_opts rt = CT_RUNTIME_OPTS_INIT;
	ct_key *key = NULL;

	rt.time = 1700000000; /* the command passes SOURCE_DATE_EPOCH in this way */
	umask(022);
	if (ct_init() < 0 || ct_runtime_set(&rt) < 0 || !mkdtemp(dir))
		return 99;
	test_generate(&key);
	test_unencrypted(key);
	test_encrypted(key);
	test_old_limits();
	test_permissions();
	test_tampered();
	test_keyring(key);
	test_sigmemo(key);
	test_keyring_tables();
	test_keyring_tables_race();
	test_key_lifecycle();
	ct_key_free(key);
	test_remove_dir(dir);
	ct_shutdown();
	return test_finish();
}
