/* Unit tests for merkle.c: RFC 9162 tree hashes against hand-built trees (the split at the
 * largest power of two below n), the streaming builder, inclusion proofs and tampering. And
 * bundles whose records are signed but break their schema or are not canonical: what verify
 * and import (the library's and `claimtrail bundle import`) do with them. And a bundle file
 * that changes between import's verify pass and its import pass. */
#include "test.h"
#include "bundle_internal.h"
#include "sha256.h"

#include <git2.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
			CHECK_INT(ct_merkle_path(
					  path, &len, (const uint8_t(*)[CT_HASH_LEN])leaves, n, i),
				0);
			CHECK_INT(ct_merkle_verify_path(leaves[i], i, n, p, len, root), 0);
			/* another leaf, index, size or root fails */
			CHECK_INT(ct_merkle_verify_path(leaves[(i + 1) % 17], i, n, p, len, root),
				CT_EBADSIG);
			if (n > 1)
				CHECK_INT(ct_merkle_verify_path(
						  leaves[i], (i + 1) % n, n, p, len, root),
					CT_EBADSIG);
			/* (A size whose audit path has the same shape verifies the same root: the
			 * root, not the size, is what a proof is checked against.) */
			CHECK_INT(ct_merkle_verify_path(leaves[i], n, n, p, len, root), CT_EBADSIG);
			memcpy(other, root, CT_HASH_LEN);
			other[5] ^= 1;
			CHECK_INT(
				ct_merkle_verify_path(leaves[i], i, n, p, len, other), CT_EBADSIG);
			if (len > 0) {
				/* a flipped bit anywhere in the path, a path too short or too long */
				size_t j;
				for (j = 0; j < len; j++) {
					path[j][j % CT_HASH_LEN] ^= 0x80;
					CHECK_INT(ct_merkle_verify_path(
							  leaves[i], i, n, p, len, root),
						CT_EBADSIG);
					path[j][j % CT_HASH_LEN] ^= 0x80;
				}
				CHECK_INT(ct_merkle_verify_path(leaves[i], i, n, p, len - 1, root),
					CT_EBADSIG);
			}
			memcpy(path[len], leaves[0], CT_HASH_LEN);
			CHECK_INT(ct_merkle_verify_path(leaves[i], i, n, p, len + 1, root),
				CT_EBADSIG);
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

/* ---- bundles with a record that is signed but breaks its schema, or is not canonical ---- */

static char dir[] = "/tmp/ct-test-bundle.XXXXXX";

static const char *at(const char *name)
{
	static char path[2][1024];
	static int turn;

	turn = !turn;
	snprintf(path[turn], sizeof(path[turn]), "%s/%s", dir, name);
	return path[turn];
}

/* Writes record as one envelope line (docs/bundle.md 1.2), signed over its body as it is:
 * ct_record_sign would refuse to sign a record that breaks its schema. With spaced, the body
 * gets a space after its opening brace: still JSON, no longer canonical, signed all the same. */
static void put_line(FILE *f, ct_merkle *tree, const json_t *record, const ct_key *key, int spaced)
{
	ct_buf body = CT_BUF_INIT, pae = CT_BUF_INIT, line = CT_BUF_INIT;
	const json_t *sigs = json_object_get(record, "signatures"), *e;
	uint8_t sig[64], leaf[CT_HASH_LEN];
	const char *type;
	ct_kind kind = CT_KIND_CLAIM;
	size_t i;

	CHECK(ct_record_kind(&kind, record) == 0);
	type = ct_kind_payload_type(kind);
	CHECK(ct_record_body(&body, record) == 0);
	if (spaced) {
		ct_buf spaced_body = CT_BUF_INIT;
		ct_buf_printf(&spaced_body, "{ %s", body.ptr + 1);
		ct_buf_free(&body);
		body = spaced_body;
	}
	ct_buf_puts(&line, "{\"payload\":\"");
	ct_base64_encode(&line, (const uint8_t *)body.ptr, body.len);
	ct_buf_printf(&line, "\",\"payloadType\":\"%s\",\"signatures\":[", type);
	if (sigs) {
		json_array_foreach (sigs, i, e)
			ct_buf_printf(&line, "%s{\"keyid\":\"%s\",\"sig\":\"%s\"}", i ? "," : "",
				json_string_value(json_object_get(e, "key_id")),
				json_string_value(json_object_get(e, "sig")));
	} else {
		CHECK(ct_pae(&pae, type, (const uint8_t *)body.ptr, body.len) == 0);
		CHECK(ct_key_sign_bytes(sig, key, (const uint8_t *)pae.ptr, pae.len) == 0);
		ct_buf_printf(&line, "{\"keyid\":\"%s\",\"sig\":\"", ct_key_id(key));
		ct_base64_encode(&line, sig, sizeof(sig));
		ct_buf_puts(&line, "\"}");
	}
	ct_buf_puts(&line, "]}");
	ct_merkle_leaf_hash(leaf, (const uint8_t *)line.ptr, line.len);
	ct_merkle_add(tree, leaf);
	fprintf(f, "%s\n", line.ptr);
	ct_buf_free(&body);
	ct_buf_free(&pae);
	ct_buf_free(&line);
}

/* The trailer's "created" (one test writes the same records under another trailer). */
static const char *trailer_created = "2024-04-02T00:00:00Z";

static void put_trailer(FILE *f, const ct_merkle *tree, int records, const ct_key *key)
{
	uint8_t root[CT_HASH_LEN], sig[64];
	char hex[65];
	ct_buf body = CT_BUF_INIT, pae = CT_BUF_INIT, line = CT_BUF_INIT;
	json_t *t;

	ct_merkle_root(tree, root);
	ct_hex(hex, root, CT_HASH_LEN);
	t = json_pack("{s:b, s:s, s:s, s:b, s:s, s:i, s:s, s:i}", "annotations", 0, "created",
		trailer_created, "creator", ct_key_id(key), "history", 0, "merkle_root", hex,
		"records", records, "type", "bundle", "version", 1);
	CHECK(ct_json_canon(&body, t) == 0);
	CHECK(ct_pae(&pae, CT_BUNDLE_PAYLOAD_TYPE, (const uint8_t *)body.ptr, body.len) == 0);
	CHECK(ct_key_sign_bytes(sig, key, (const uint8_t *)pae.ptr, pae.len) == 0);
	ct_buf_puts(&line, "{\"payload\":\"");
	ct_base64_encode(&line, (const uint8_t *)body.ptr, body.len);
	ct_buf_printf(&line, "\",\"payloadType\":\"%s\",\"signatures\":[", CT_BUNDLE_PAYLOAD_TYPE);
	ct_buf_printf(&line, "{\"keyid\":\"%s\",\"sig\":\"", ct_key_id(key));
	ct_base64_encode(&line, sig, sizeof(sig));
	ct_buf_puts(&line, "\"}]}");
	fprintf(f, "%s\n", line.ptr);
	json_decref(t);
	ct_buf_free(&body);
	ct_buf_free(&pae);
	ct_buf_free(&line);
}

typedef enum { INTACT, UNKNOWN_MEMBER, STRING_REVISION, BAD_CREATED, NOT_CANONICAL } breakage;

/* A bundle of three records: key, source s-NAME, claim c-NAME, the claim broken as how says. */
static void write_bundle(const char *path, const char *name, breakage how, const ct_key *key)
{
	char sid[64], cid[64];
	ct_merkle tree;
	json_t *source, *claim;
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (!f)
		return;
	snprintf(sid, sizeof(sid), "s-%s", name);
	snprintf(cid, sizeof(cid), "c-%s", name);
	source = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", "source", "id", sid,
		"revision", 1, "created", "2024-04-01T12:00:00Z", "title", "A report", "publisher",
		"The Daily Record");
	CHECK(ct_record_sign(source, key) == 0);
	claim = json_pack("{s:s, s:s, s:i, s:s, s:s, s:{s:s}}", "type", "claim", "id", cid,
		"revision", 1, "created", "2024-04-01T12:00:00Z", "statement",
		"As many as 6,000 fighters moved into the region", "attribution", "source", sid);
	if (how == UNKNOWN_MEMBER)
		json_object_set_new(claim, "colour", json_string("blue"));
	else if (how == STRING_REVISION)
		json_object_set_new(claim, "revision", json_string("1"));
	else if (how == BAD_CREATED)
		json_object_set_new(claim, "created", json_string("yesterday"));
	ct_merkle_init(&tree);
	fputs("{\"format\":\"claimtrail-bundle\",\"version\":1}\n", f);
	put_line(f, &tree, ct_key_public_record(key), key, 0);
	put_line(f, &tree, source, key, 0);
	put_line(f, &tree, claim, key, how == NOT_CANONICAL);
	put_trailer(f, &tree, 3, key);
	CHECK(fclose(f) == 0);
	json_decref(source);
	json_decref(claim);
}

/* The codes verify gave the claim line (line 4), space-separated. */
static void claim_codes(const ct_bundle_line_report *line, void *payload)
{
	ct_buf *codes = payload;
	size_t i;

	if (line->line == 4)
		for (i = 0; i < line->ncodes; i++)
			ct_buf_printf(codes, "%s ", line->codes[i]);
}

static void head_of(char out[GIT_OID_HEXSZ + 1], const char *repo_dir)
{
	git_repository *repo = NULL;
	git_oid id;

	snprintf(out, GIT_OID_HEXSZ + 1, "(none)");
	if (git_repository_open(&repo, repo_dir) == 0 &&
		git_reference_name_to_id(&id, repo, "HEAD") == 0)
		git_oid_tostr(out, GIT_OID_HEXSZ + 1, &id);
	git_repository_free(repo);
}

/* Runs `claimtrail -C store ARGS...` (the binary $CLAIMTRAIL names, as meson test sets it),
 * output to /dev/null, and checks its exit status; skipped when run by hand without it. */
#define CHECK_CT_STATUS(want, a1, a2, a3, a4, a5) \
	do { \
		int got_ = run_ct(a1, a2, a3, a4, a5); \
		if (got_ != -1) \
			CHECK_INT(got_, want); \
	} while (0)

static int run_ct(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5)
{
	const char *ct = getenv("CLAIMTRAIL");
	char store[1024];
	int status;
	pid_t pid;

	if (!ct || !*ct)
		return -1;
	snprintf(store, sizeof(store), "%s/store", dir); /* not at(): a2 and a4 hold its buffers */
	pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)ct, "-C", store, (char *)a1, (char *)a2, (char *)a3,
			(char *)a4, (char *)a5, NULL};
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execv(ct, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 128;
	return WEXITSTATUS(status);
}

/*
 * verify checks the members it uses (revision among them) in every record, and the full schema
 * only of key records; import checks every record's full schema (docs/bundle.md, section 5).
 * A record that breaks its schema elsewhere passes verify and is refused by import, with nothing
 * written.
 */
static void test_schema_breaks(void)
{
	static const struct {
		const char *name;
		breakage how;
		int verify_passes;
		const char *import_error; /* the member the import error names */
	} cases[] = {
		{"unknown", UNKNOWN_MEMBER, 1, "colour"},
		{"string-revision", STRING_REVISION, 0, "revision"},
		{"bad-created", BAD_CREATED, 1, "created"},
		{"spaced", NOT_CANONICAL, 0, "not in canonical (RFC 8785) form"},
	};
	ct_bundle_verify_opts vo = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_keyring *trust = NULL;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *got = NULL;
	size_t i, count = 0;

	if (!mkdtemp(dir) || ct_key_generate(&key, "Test", NULL) < 0 ||
		ct_key_write(key, at("k.key"), NULL, 0) < 0 || ct_keyring_new(&trust) < 0 ||
		ct_keyring_add(trust, ct_key_public_record(key)) < 0 ||
		ct_store_init(&store, at("store"), NULL, key) < 0) {
		CHECK(!"setup");
		goto done;
	}
	vo.trust = trust;
	vo.threads = 1;

	/* the harness writes bundles that verify and import when nothing is broken */
	write_bundle(at("intact.bundle"), "intact", INTACT, key);
	CHECK_INT(ct_bundle_verify(NULL, at("intact.bundle"), &vo, NULL, NULL), 0);
	CHECK_INT(ct_bundle_import(&count, store, at("intact.bundle"), &vo, NULL), 0);
	CHECK_INT(count, 2);
	CHECK_INT(ct_store_get(&got, store, CT_KIND_CLAIM, "c-intact", 0), 0);
	json_decref(got);
	got = NULL;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char file[128], sid[64], cid[64];
		char before[GIT_OID_HEXSZ + 1], after[GIT_OID_HEXSZ + 1];
		ct_buf codes = CT_BUF_INIT, path = CT_BUF_INIT;
		struct stat st;
		int rc;

		snprintf(file, sizeof(file), "%s.bundle", cases[i].name);
		snprintf(sid, sizeof(sid), "s-%s", cases[i].name);
		snprintf(cid, sizeof(cid), "c-%s", cases[i].name);
		write_bundle(at(file), cases[i].name, cases[i].how, key);

		rc = ct_bundle_verify(NULL, at(file), &vo, claim_codes, &codes);
		if (cases[i].verify_passes) {
			CHECK_INT(rc, 0);
		} else {
			CHECK_INT(rc, CT_EBADSIG);
			CHECK(codes.ptr && strstr(codes.ptr, "record.malformed"));
		}
		CHECK_CT_STATUS(cases[i].verify_passes ? 0 : 1, "verify", at(file), "--trust",
			at("k.key.pub"), NULL);

		head_of(before, at("store"));
		count = 0;
		rc = ct_bundle_import(&count, store, at(file), &vo, NULL);
		/* refused by the schema check (invalid input: exit 4), or by verify (exit 1) */
		CHECK_INT(rc, cases[i].verify_passes ? CT_EINVALID : CT_EBADSIG);
		CHECK_ERROR_HAS(cases[i].import_error);
		CHECK_ERROR_HAS("not imported"); /* says that nothing was written */
		CHECK_INT(count, 0);
		CHECK_CT_STATUS(cases[i].verify_passes ? 4 : 1, "bundle", "import", at(file),
			"--trust", at("k.key.pub"));
		head_of(after, at("store"));
		CHECK_STR(after, before);
		/* nothing of the bundle is in the store or the work tree, not even its source */
		CHECK_INT(ct_store_get(&got, store, CT_KIND_SOURCE, sid, 0), CT_ENOTFOUND);
		json_decref(got);
		got = NULL;
		CHECK_INT(ct_store_get(&got, store, CT_KIND_CLAIM, cid, 1), CT_ENOTFOUND);
		json_decref(got);
		got = NULL;
		CHECK(ct_store_record_path(&path, store, CT_KIND_CLAIM, cid, 1) == 0);
		ct_buf_clear(&codes);
		ct_buf_printf(&codes, "%s", at(path.ptr));
		CHECK(stat(codes.ptr, &st) < 0);
		ct_buf_free(&codes);
		ct_buf_free(&path);
	}
done:
	ct_store_free(store);
	ct_keyring_free(trust);
	ct_key_free(key);
	if (dir[strlen(dir) - 1] != 'X')
		test_remove_dir(dir);
}

/* Replaces the contents of the file at path (same inode: the open FILE sees them) by from's. */
static void overwrite_in_place(const char *path, const char *from, const char *extra)
{
	ct_buf data = CT_BUF_INIT;
	FILE *in = fopen(from, "rb"), *out;
	char chunk[4096];
	size_t n;

	CHECK(in != NULL);
	if (!in)
		return;
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		ct_buf_put(&data, chunk, n);
	fclose(in);
	out = fopen(path, "r+b"); /* no truncation on open: the inode stays */
	CHECK(out != NULL);
	if (out) {
		CHECK(ftruncate(fileno(out), 0) == 0);
		CHECK(fwrite(data.ptr, 1, data.len, out) == data.len);
		if (extra)
			fputs(extra, out);
		CHECK(fclose(out) == 0);
	}
	ct_buf_free(&data);
}

/*
 * bundle import verifies and imports one open file; if its bytes change between the two passes
 * (rewritten in place, or a line added after the trailer), the import pass finds that its records
 * or trailer are not the verified ones and writes nothing.
 */
static void test_changed_between_passes(void)
{
	static const struct {
		const char *with;  /* the bundle written over the verified one */
		const char *extra; /* appended after it */
		const char *error;
	} cases[] = {
		{"stranger.bundle", NULL, "not the verified root"},
		{"trusted.bundle", "{}\n", "follows the trailer"},
		{"trusted2.bundle", NULL, "not the verified trailer"},
	};
	ct_bundle_verify_opts vo = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_keyring *trust = NULL;
	ct_store *store = NULL;
	ct_key *key = NULL, *stranger = NULL;
	json_t *got = NULL;
	size_t i;

	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6); /* a new folder: the last test used the name */
	if (!mkdtemp(dir) || ct_key_generate(&key, "Test", NULL) < 0 ||
		ct_key_generate(&stranger, "Stranger", NULL) < 0 || ct_keyring_new(&trust) < 0 ||
		ct_keyring_add(trust, ct_key_public_record(key)) < 0 ||
		ct_store_init(&store, at("store"), NULL, key) < 0) {
		CHECK(!"setup");
		goto done;
	}
	vo.trust = trust;
	vo.threads = 1;
	write_bundle(at("trusted.bundle"), "ok", INTACT, key);
	write_bundle(at("stranger.bundle"), "planted", INTACT, stranger);
	/* the same records as trusted.bundle under another trailer: same root, other trailer line */
	trailer_created = "2024-04-03T00:00:00Z";
	write_bundle(at("trusted2.bundle"), "ok", INTACT, key);
	trailer_created = "2024-04-02T00:00:00Z";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char before[GIT_OID_HEXSZ + 1], after[GIT_OID_HEXSZ + 1];
		ct_bundle_info info;
		uint8_t trailer_hash[CT_HASH_LEN];
		size_t count = 99;
		FILE *f;

		write_bundle(at("b.bundle"), "ok", INTACT, key);
		if (!(f = fopen(at("b.bundle"), "rb"))) {
			CHECK(!"open");
			continue;
		}
		head_of(before, at("store"));
		CHECK_INT(ct__bundle_verify_file(
				  &info, f, at("b.bundle"), &vo, NULL, NULL, trailer_hash),
			0);
		overwrite_in_place(at("b.bundle"), at(cases[i].with), cases[i].extra);
		CHECK_INT(ct__bundle_import_file(&count, store, f, at("b.bundle"), &info,
				  trailer_hash, trust, NULL),
			CT_EBADSIG);
		CHECK_ERROR_HAS("changed after it was verified");
		CHECK_ERROR_HAS(cases[i].error);
		CHECK_INT(count, 0);
		head_of(after, at("store"));
		CHECK_STR(after, before);
		CHECK_INT(ct_store_get(&got, store, CT_KIND_CLAIM, "c-planted", 0), CT_ENOTFOUND);
		json_decref(got);
		got = NULL;
		CHECK_INT(ct_store_get(&got, store, CT_KIND_CLAIM, "c-ok", 0), CT_ENOTFOUND);
		json_decref(got);
		got = NULL;
		fclose(f);
	}
	/* unchanged, the same two passes import it */
	{
		ct_bundle_info info;
		uint8_t trailer_hash[CT_HASH_LEN];
		size_t count = 0;
		FILE *f = fopen(at("trusted.bundle"), "rb");

		CHECK(f != NULL);
		if (f) {
			CHECK_INT(ct__bundle_verify_file(&info, f, at("trusted.bundle"), &vo, NULL,
					  NULL, trailer_hash),
				0);
			CHECK_INT(ct__bundle_import_file(&count, store, f, at("trusted.bundle"),
					  &info, trailer_hash, trust, NULL),
				0);
			CHECK_INT(count, 2);
			fclose(f);
		}
	}
done:
	ct_store_free(store);
	ct_keyring_free(trust);
	ct_key_free(key);
	ct_key_free(stranger);
	if (dir[strlen(dir) - 1] != 'X')
		test_remove_dir(dir);
}

/* Options structs carry a version: the _INIT macro sets it, and every function that takes one
 * refuses a version it does not know (CT_EINVALID naming the struct), before doing anything. */
static void test_opts_versions(void)
{
	ct_write_opts wo = CT_WRITE_OPTS_INIT;
	ct_check_opts co = CT_CHECK_OPTS_INIT;
	ct_bundle_create_opts bo = CT_BUNDLE_CREATE_OPTS_INIT;
	ct_bundle_verify_opts vo = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_annotate_fields af = CT_ANNOTATE_FIELDS_INIT;
	ct_keyring *trust = NULL;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *fields = NULL, *rec = NULL;
	size_t n = 0;

	CHECK_INT(wo.version, CT_WRITE_OPTS_VERSION);
	CHECK_INT(co.version, CT_CHECK_OPTS_VERSION);
	CHECK_INT(bo.version, CT_BUNDLE_CREATE_OPTS_VERSION);
	CHECK_INT(vo.version, CT_BUNDLE_VERIFY_OPTS_VERSION);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6); /* a new folder: the last test used the name */
	if (!mkdtemp(dir) || ct_key_generate(&key, "Test", NULL) < 0 ||
		ct_keyring_new(&trust) < 0 ||
		ct_keyring_add(trust, ct_key_public_record(key)) < 0 ||
		ct_store_init(&store, at("store"), NULL, key) < 0) {
		CHECK(!"setup");
		goto done;
	}
	wo.signer = key;
	bo.creator = key;
	vo.trust = trust;
	fields = json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "T", "publisher", "P", "published",
		"2024-01-01", "kind", "article", "url", "https://example.org/t");
	CHECK_INT(ct_source_add(&rec, store, fields, NULL, 0, &wo), 0);
	json_decref(fields);
	fields = json_pack("{s:s, s:{s:s}}", "statement", "Forty people died", "attribution",
		"source", ct_record_id(rec));
	CHECK_INT(ct_claim_add(NULL, store, fields, &wo), 0);
	CHECK_INT(ct_bundle_create(NULL, store, at("v.bundle"), &bo), 0);
	CHECK_INT(ct_bundle_verify(NULL, at("v.bundle"), &vo, NULL, NULL), 0);
	CHECK_INT(ct_store_check(&n, store, &co, NULL, NULL), 0);

	wo.version = 2;
	CHECK_INT(ct_claim_add(NULL, store, fields, &wo), CT_EINVALID);
	CHECK_ERROR_HAS("ct_write_opts version 2 is not one this library knows (1)");
	af.note = "a note";
	CHECK_INT(ct_claim_annotate(NULL, store, "nosuch", &af, &wo), CT_EINVALID);
	CHECK_ERROR_HAS("ct_write_opts version 2");
	CHECK_INT(ct_anchor_relocate(NULL, store, "nosuch", &wo), CT_EINVALID);
	CHECK_ERROR_HAS("ct_write_opts version 2");
	CHECK_INT(ct_bundle_import(&n, store, at("v.bundle"), &vo, &wo), CT_EINVALID);
	CHECK_ERROR_HAS("ct_write_opts version 2");
	bo.version = 0;
	CHECK_INT(ct_bundle_create(NULL, store, at("v2.bundle"), &bo), CT_EINVALID);
	CHECK_ERROR_HAS("ct_bundle_create_opts version 0");
	CHECK(access(at("v2.bundle"), F_OK) != 0);
	vo.version = 7;
	CHECK_INT(ct_bundle_verify(NULL, at("v.bundle"), &vo, NULL, NULL), CT_EINVALID);
	CHECK_ERROR_HAS("ct_bundle_verify_opts version 7");
	co.version = 0;
	CHECK_INT(ct_store_check(&n, store, &co, NULL, NULL), CT_EINVALID);
	CHECK_ERROR_HAS("ct_check_opts version 0");
done:
	json_decref(fields);
	json_decref(rec);
	ct_store_free(store);
	ct_keyring_free(trust);
	ct_key_free(key);
}

/* What the state file says after ct_bundle_state_check_checkpoints of the bundle at path
 * against trust: 1 when it remembers a checkpoint by key_id, 0 when not, -1 on error. */
static int state_has_checkpoint(
	const char *state, const char *path, const ct_keyring *trust, const char *key_id)
{
	ct_bundle_info info;
	json_t *st;
	int has;

	unlink(state);
	if (ct_bundle_info_read(&info, path) < 0 ||
		ct_bundle_state_check_checkpoints(state, path, &info, trust, 0) < 0)
		return -1;
	if (!(st = json_load_file(state, 0, NULL)))
		return -1;
	has = json_object_get(json_object_get(st, "checkpoints"), key_id) != NULL;
	json_decref(st);
	return has;
}

/* verify --state (bundle_state.c) takes a bundle's revocation by another key only where the
 * trust list grants that key the right, as everywhere else: a checkpoint by a key that an
 * ungranted admin "revoked" still counts as its signer's newest checkpoint. */
static void test_state_revocation_grant(void)
{
	ct_key *admin = NULL, *k = NULL;
	ct_keyring *trust = NULL;
	json_t *revocation = NULL, *cp = NULL, *all = NULL;
	const ct_key *first;
	const json_t *first_rec, *second_rec;
	ct_merkle tree;
	char id[64];
	FILE *f;

	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6); /* a new folder: the last test used the name */
	if (!mkdtemp(dir) || ct_key_generate(&admin, "Admin", NULL) < 0 ||
		ct_key_generate(&k, "Checker", NULL) < 0 ||
		ct_key_revoke_by(&revocation, ct_key_public_record(k), admin, "laptop lost",
			"2026-11-03T00:00:00Z") < 0 ||
		ct_keyring_new(&trust) < 0 ||
		ct_keyring_add(trust, ct_key_public_record(admin)) < 0 ||
		ct_keyring_add(trust, ct_key_public_record(k)) < 0) {
		CHECK(!"setup");
		goto done;
	}
	snprintf(id, sizeof(id), "0123456789ab-%s", ct_key_id(k));
	cp = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "type", "checkpoint", "id", id, "created",
		"2026-11-02T09:00:00Z", "commit", "0123456789abcdef0123456789abcdef01234567",
		"root", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"records", 0);
	CHECK(cp && ct_record_sign(cp, k) == 0);
	/* key lines by key id: the admin's record and the checker's revocation by the admin */
	first = strcmp(ct_key_id(admin), ct_key_id(k)) < 0 ? admin : k;
	first_rec = first == admin ? ct_key_public_record(admin) : revocation;
	second_rec = first == admin ? revocation : ct_key_public_record(admin);
	CHECK((f = fopen(at("revoked-by.bundle"), "wb")) != NULL);
	if (!f)
		goto done;
	ct_merkle_init(&tree);
	fputs("{\"format\":\"claimtrail-bundle\",\"version\":1}\n", f);
	put_line(f, &tree, first_rec, NULL, 0);
	put_line(f, &tree, second_rec, NULL, 0);
	put_line(f, &tree, cp, NULL, 0);
	put_trailer(f, &tree, 3, admin);
	CHECK(fclose(f) == 0);

	/* no grant: the revocation is not applied, the checkpoint's signer is live */
	CHECK_INT(state_has_checkpoint(
			  at("state.json"), at("revoked-by.bundle"), trust, ct_key_id(k)),
		1);
	/* granted: the checker is revoked, its checkpoint vouches for nothing */
	all = json_pack("[s]", "all");
	CHECK_INT(ct_keyring_grant(trust, ct_key_id(admin), all), 0);
	CHECK_INT(state_has_checkpoint(
			  at("state.json"), at("revoked-by.bundle"), trust, ct_key_id(k)),
		0);
done:
	json_decref(all);
	json_decref(cp);
	json_decref(revocation);
	ct_keyring_free(trust);
	ct_key_free(admin);
	ct_key_free(k);
	if (dir[strlen(dir) - 1] != 'X')
		test_remove_dir(dir);
}

int main(void)
{
	if (ct_init() < 0)
		return 99;
	umask(022);
	test_sha256();
	test_hashes();
	test_small_trees();
	test_streaming();
	test_proofs();
	test_schema_breaks();
	test_changed_between_passes();
	test_opts_versions();
	test_state_revocation_grant();
	ct_shutdown();
	return test_finish();
}
