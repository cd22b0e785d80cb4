/*
 * Signing keys and keyrings: Ed25519 key generation, the secret key file (our own small text
 * format, encrypted at rest with Argon2id + secretbox, see docs/format.md), and keyrings of
 * checked public key records.
 *
 * Secret bytes (the seed, the 64-byte secret key, derived keys, the whole text of a secret key
 * file) only ever live in sodium_malloc memory and never in a json_t or a ct_buf.
 */
#include "fileio.h"
#include "utf8.h"
#include "claimtrail/key.h"
#include "claimtrail/json.h"
#include "claimtrail/record.h"
#ifdef CT_ED25519_TABLES
#include "ed25519.h"
#endif
#include "signing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

#define SECRET_MAGIC "claimtrail-secret-key"
#define SECRET_VERSION "v1"
/* A secret key file is small; anything larger is not one of ours. */
#define SECRET_FILE_MAX 65536
/* The longest line other than "public-record:". */
#define SHORT_LINE_MAX 256
#define SECRET_LINES_MAX 16
/*
 * New keys cost libsodium's "moderate" limits per passphrase guess (3 passes over 256 MiB, about
 * 0.5-1 s); keys written with the "interactive" limits (2, 64 MiB) before still open, since the
 * file records its own. What a file may ask for is bounded by the "sensitive" limits (4 passes,
 * 1 GiB), so a crafted file cannot demand unbounded memory or time.
 */
#define PWHASH_OPSLIMIT_WRITE crypto_pwhash_OPSLIMIT_MODERATE
#define PWHASH_MEMLIMIT_WRITE crypto_pwhash_MEMLIMIT_MODERATE
#define PWHASH_OPSLIMIT_MAX ((unsigned long long)crypto_pwhash_OPSLIMIT_SENSITIVE)
#define PWHASH_MEMLIMIT_MAX ((unsigned long long)crypto_pwhash_MEMLIMIT_SENSITIVE)
/* Largest public key record file ct_keyring_add_path reads. */
#define KEY_RECORD_MAX (1024 * 1024)

#define SEED_BYTES crypto_sign_SEEDBYTES
#define CHECKSUM_BYTES 32

struct ct_key {
	uint8_t *sk; /* sodium_malloc: crypto_sign_SECRETKEYBYTES (seed || public key) */
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	char id[CT_KEY_ID_LEN + 1];
	json_t *record;
};

/* ---- small helpers ---------------------------------------------------------------------- */

void ct_key_id_of(char *out, const uint8_t public_key[32])
{
	char hex[65];

	ct_sha256_hex(hex, public_key, 32);
	memcpy(out, hex, CT_KEY_ID_LEN);
	out[CT_KEY_ID_LEN] = '\0';
}

int ct_ed25519_verify(const uint8_t public_key[32], const uint8_t sig[64], const uint8_t *msg,
	size_t len)
{
	return crypto_sign_verify_detached(sig, msg, len, public_key) == 0 ? 0 : CT_EBADSIG;
}

int ct_decode_exact(uint8_t *out, size_t want, const char *b64)
{
	uint8_t tmp[128];
	size_t n = 0;

	if (want > sizeof(tmp) || !b64)
		return CT_EINVALID;
	if (ct_base64_decode(tmp, sizeof(tmp), &n, b64) < 0 || n != want) {
		sodium_memzero(tmp, sizeof(tmp));
		return CT_EINVALID;
	}
	memcpy(out, tmp, want);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

/* A fixed-capacity text buffer in sodium_malloc memory, for anything that may hold secrets. */
typedef struct {
	char *ptr;
	size_t len;
	size_t cap;
} sbuf;

static int sbuf_init(sbuf *b, size_t cap)
{
	b->len = 0;
	b->cap = cap;
	if (!(b->ptr = sodium_malloc(cap)))
		return ct_error_set(CT_ENOMEM, "out of memory");
	b->ptr[0] = '\0';
	return 0;
}

static void sbuf_free(sbuf *b)
{
	if (b->ptr)
		sodium_free(b->ptr); /* wipes first */
	b->ptr = NULL;
	b->len = b->cap = 0;
}

static int sbuf_put(sbuf *b, const char *s, size_t n)
{
	if (n >= b->cap - b->len)
		return ct_error_set(CT_EINVALID, "secret key file would exceed %d bytes",
			SECRET_FILE_MAX);
	memcpy(b->ptr + b->len, s, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

static int sbuf_puts(sbuf *b, const char *s)
{
	return sbuf_put(b, s, strlen(s));
}

/* Appends "name: " base64(data) "\n", encoding straight into the secure buffer. */
static int sbuf_field_b64(sbuf *b, const char *name, const uint8_t *data, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	int error;

	if ((error = sbuf_puts(b, name)) < 0 || (error = sbuf_puts(b, ": ")) < 0)
		return error;
	if (n + 1 >= b->cap - b->len)
		return ct_error_set(CT_EINVALID, "secret key file would exceed %d bytes",
			SECRET_FILE_MAX);
	sodium_bin2base64(b->ptr + b->len, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	b->len += n - 1;
	return sbuf_put(b, "\n", 1);
}

static int sbuf_field(sbuf *b, const char *name, const char *value)
{
	int error;

	if ((error = sbuf_puts(b, name)) < 0 || (error = sbuf_puts(b, ": ")) < 0 ||
		(error = sbuf_puts(b, value)) < 0)
		return error;
	return sbuf_put(b, "\n", 1);
}

/* Reads a whole (small) file into a fresh sbuf. */
static int read_secure(sbuf *out, const char *path)
{
	int fd = -1;
	int error = 0;
	struct stat st;

	out->ptr = NULL;
	/* O_NONBLOCK: a FIFO (or a device) is refused below, instead of waiting for a writer */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "key %s: %s", path,
			strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error = ct_error_set(CT_EINVALID, "key %s: not a regular file", path);
		goto done;
	}
	/* as ssh does: a secret others could read (or replace) is refused, whatever it holds */
	if (st.st_mode & 077) {
		error = ct_error_set(CT_EINVALID,
			"key %s: permissions %04o are too open: a secret key must be private to its "
			"owner (chmod 600 %s)", path, (unsigned)(st.st_mode & 07777), path);
		goto done;
	}
	if ((error = sbuf_init(out, SECRET_FILE_MAX + 1)) < 0)
		goto done;
	for (;;) {
		ssize_t r = read(fd, out->ptr + out->len, out->cap - 1 - out->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error = ct_error_set(CT_EIO, "key %s: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		if (out->len >= out->cap - 1) {
			error = ct_error_set(CT_EINVALID, "key %s: larger than %d bytes: not a "
				"claimtrail secret key file", path, SECRET_FILE_MAX);
			goto done;
		}
	}
	out->ptr[out->len] = '\0';
done:
	if (fd >= 0)
		close(fd);
	if (error < 0)
		sbuf_free(out);
	return error;
}

/* ---- keys ------------------------------------------------------------------------------- */

const char *ct_key_id(const ct_key *key)
{
	return key->id;
}

const json_t *ct_key_public_record(const ct_key *key)
{
	return key->record;
}

const uint8_t *ct_key_public_bytes(const ct_key *key)
{
	return key->pk;
}

int ct_key_sign_bytes(uint8_t sig[64], const ct_key *key, const uint8_t *msg, size_t len)
{
	if (crypto_sign_detached(sig, NULL, msg, len, key->sk) != 0)
		return ct_error_set(CT_EIO, "key %s: signing failed", key->id);
	return 0;
}

void ct_key_free(ct_key *key)
{
	if (!key)
		return;
	if (key->sk)
		sodium_free(key->sk);
	json_decref(key->record);
	free(key);
}

static int key_alloc(ct_key **out)
{
	ct_key *key = calloc(1, sizeof(*key));

	*out = NULL;
	if (!key)
		return ct_error_set(CT_ENOMEM, "out of memory");
	if (!(key->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES))) {
		free(key);
		return ct_error_set(CT_ENOMEM, "out of memory");
	}
	*out = key;
	return 0;
}

/* Builds the unsigned public key record of key, with an optional revocation. */
static int key_record_build(json_t **out, const ct_key *key, const char *name, const char *org,
	const char *created, const char *revoked_reason)
{
	ct_buf b64 = CT_BUF_INIT;
	json_t *rec = json_object();
	char now[21];
	int error = 0;

	*out = NULL;
	/* jansson refuses invalid UTF-8 with the NULL it gives when out of memory: check first */
	if ((name && (error = ct__utf8_check(name, strlen(name), "the key's name")) < 0) ||
		(org && (error = ct__utf8_check(org, strlen(org), "the key's org")) < 0) ||
		(revoked_reason && (error = ct__utf8_check(revoked_reason, strlen(revoked_reason),
					    "the revocation reason")) < 0))
		goto done;
	if (!rec || (error = ct_base64_encode(&b64, key->pk, sizeof(key->pk))) < 0)
		goto oom;
	if (json_object_set_new(rec, "type", json_string("key")) < 0 ||
		json_object_set_new(rec, "key_id", json_string(key->id)) < 0 ||
		json_object_set_new(rec, "algorithm", json_string("ed25519")) < 0 ||
		json_object_set_new(rec, "public_key", json_string(b64.ptr)) < 0)
		goto oom;
	if (name && json_object_set_new(rec, "name", json_string(name)) < 0)
		goto oom;
	if (org && json_object_set_new(rec, "org", json_string(org)) < 0)
		goto oom;
	ct_timestamp_now(now);
	if (json_object_set_new(rec, "created", json_string(created ? created : now)) < 0)
		goto oom;
	if (revoked_reason) {
		json_t *rv = json_pack("{s:s, s:s}", "at", now, "reason", revoked_reason);
		if (!rv || json_object_set_new(rec, "revoked", rv) < 0)
			goto oom;
	}
	*out = rec;
	rec = NULL;
	goto done;
oom:
	error = ct_error_set(CT_ENOMEM, "out of memory");
done:
	json_decref(rec);
	ct_buf_free(&b64);
	return error;
}

static int key_make(ct_key **out, const uint8_t *seed, const char *name, const char *org)
{
	ct_key *key = NULL;
	json_t *rec = NULL;
	int error;

	*out = NULL;
	if ((error = key_alloc(&key)) < 0)
		goto done;
	if (seed)
		crypto_sign_seed_keypair(key->pk, key->sk, seed);
	else
		crypto_sign_keypair(key->pk, key->sk);
	ct_key_id_of(key->id, key->pk);
	if ((error = key_record_build(&rec, key, name, org, NULL, NULL)) < 0)
		goto done;
	if ((error = ct_record_sign(rec, key)) < 0)
		goto done;
	key->record = rec;
	rec = NULL;
	*out = key;
	key = NULL;
done:
	json_decref(rec);
	ct_key_free(key);
	return error;
}

int ct_key_generate(ct_key **out, const char *name, const char *org)
{
	return key_make(out, NULL, name, org);
}

int ct_key_from_seed(ct_key **out, const uint8_t seed[32], const char *name, const char *org)
{
	return key_make(out, seed, name, org);
}

int ct_key_revoke(json_t **out, const ct_key *key, const char *reason)
{
	json_t *rec = NULL;
	const json_t *old = key->record;
	const char *created = json_string_value(json_object_get(old, "created"));
	int error;

	*out = NULL;
	if (!reason || !*reason)
		return ct_error_set(CT_EINVALID, "key %s: a revocation needs a reason", key->id);
	if ((error = key_record_build(&rec, key,
		     json_string_value(json_object_get(old, "name")),
		     json_string_value(json_object_get(old, "org")), created, reason)) < 0)
		goto done;
	if ((error = ct_record_sign(rec, key)) < 0)
		goto done;
	*out = rec;
	rec = NULL;
done:
	json_decref(rec);
	return error;
}

int ct_key_record_check(const json_t *record)
{
	ct_kind kind;
	ct_buf pae = CT_BUF_INIT;
	uint8_t pk[32];
	uint8_t sig[64];
	char derived[CT_KEY_ID_LEN + 1];
	const char *key_id;
	const json_t *sigs;
	const json_t *entry;
	size_t i;
	int found = 0;
	int error;

	if ((error = ct_record_kind(&kind, record)) < 0)
		return error;
	if (kind != CT_KIND_KEY)
		return ct_error_set(CT_EINVALID, "%s %s: not a key record", ct_kind_name(kind),
			ct_record_id(record) ? ct_record_id(record) : "(no id)");
	if ((error = ct_record_validate(record)) < 0)
		return error;
	key_id = json_string_value(json_object_get(record, "key_id"));
	if (!key_id || ct_decode_exact(pk, sizeof(pk),
			json_string_value(json_object_get(record, "public_key"))) < 0)
		return ct_error_set(CT_EINVALID, "key %s: public_key is not base64 of 32 bytes",
			key_id ? key_id : "(no id)");
	ct_key_id_of(derived, pk);
	if (strcmp(derived, key_id) != 0)
		return ct_error_set(CT_EINVALID,
			"key %s: key_id does not match public_key (which has id %s)", key_id, derived);
	if ((error = ct_record_signing_input(&pae, record)) < 0)
		goto done;
	sigs = json_object_get(record, "signatures");
	json_array_foreach(sigs, i, entry) {
		const char *by = json_string_value(json_object_get(entry, "key_id"));
		if (!by || strcmp(by, key_id) != 0)
			continue;
		found = 1;
		if (ct_decode_exact(sig, sizeof(sig),
			    json_string_value(json_object_get(entry, "sig"))) < 0 ||
			ct_ed25519_verify(pk, sig, (const uint8_t *)pae.ptr, pae.len) < 0) {
			error = ct_error_set(CT_EBADSIG, "key %s: self-signature does not verify",
				key_id);
			goto done;
		}
	}
	if (!found)
		error = ct_error_set(CT_EINVALID, "key %s: the record is not self-signed", key_id);
done:
	ct_buf_free(&pae);
	return error;
}

/* ---- the secret key file ---------------------------------------------------------------- */

int ct_key_write(const ct_key *key, const char *path, const char *passphrase, size_t passlen)
{
	char pubpath[4096];
	sbuf text = {NULL, 0, 0};
	uint8_t *box = NULL;     /* secretbox(seed) or the plain seed: secure memory either way */
	uint8_t *derived = NULL; /* the Argon2id output */
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
	uint8_t checksum[CHECKSUM_BYTES];
	char num[32];
	char *record_text = NULL;
	char *pub_text = NULL;
	int fd = -1, pubfd = -1;
	int created = 0, pub_created = 0;
	int error = 0;
	const unsigned long long ops = PWHASH_OPSLIMIT_WRITE;
	const size_t mem = PWHASH_MEMLIMIT_WRITE;

	if (snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >= (int)sizeof(pubpath))
		return ct_error_set(CT_EINVALID, "key %s: path too long", path);
	record_text = json_dumps(key->record, JSON_COMPACT);
	pub_text = json_dumps(key->record, JSON_INDENT(2));
	if (!record_text || !pub_text) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = sbuf_init(&text, SECRET_FILE_MAX)) < 0)
		goto done;
	if (!(box = sodium_malloc(crypto_secretbox_MACBYTES + SEED_BYTES)) ||
		!(derived = sodium_malloc(crypto_secretbox_KEYBYTES))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = sbuf_puts(&text, SECRET_MAGIC " " SECRET_VERSION "\n")) < 0 ||
		(error = sbuf_field(&text, "algorithm", "ed25519")) < 0 ||
		(error = sbuf_field(&text, "key-id", key->id)) < 0)
		goto done;
	if (passphrase) {
		randombytes_buf(salt, sizeof(salt));
		randombytes_buf(nonce, sizeof(nonce));
		if (crypto_pwhash(derived, crypto_secretbox_KEYBYTES, passphrase, passlen, salt, ops,
			    mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
			error = ct_error_set(CT_ENOMEM, "key %s: Argon2id ran out of memory", path);
			goto done;
		}
		/* The seed is the first half of libsodium's 64-byte secret key. */
		crypto_secretbox_easy(box, key->sk, SEED_BYTES, nonce, derived);
		if ((error = sbuf_field(&text, "kdf", "argon2id")) < 0)
			goto done;
		if (snprintf(num, sizeof(num), "%llu", ops) >= (int)sizeof(num) ||
			(error = sbuf_field(&text, "opslimit", num)) < 0)
			goto done;
		if (snprintf(num, sizeof(num), "%zu", mem) >= (int)sizeof(num) ||
			(error = sbuf_field(&text, "memlimit", num)) < 0)
			goto done;
		if ((error = sbuf_field_b64(&text, "salt", salt, sizeof(salt))) < 0 ||
			(error = sbuf_field_b64(&text, "nonce", nonce, sizeof(nonce))) < 0 ||
			(error = sbuf_field_b64(&text, "secret", box,
				 crypto_secretbox_MACBYTES + SEED_BYTES)) < 0)
			goto done;
	} else {
		crypto_generichash(checksum, sizeof(checksum), key->sk, SEED_BYTES, NULL, 0);
		if ((error = sbuf_field(&text, "kdf", "none")) < 0 ||
			(error = sbuf_field_b64(&text, "checksum", checksum, sizeof(checksum))) < 0 ||
			(error = sbuf_field_b64(&text, "secret", key->sk, SEED_BYTES)) < 0)
			goto done;
	}
	if ((error = sbuf_field(&text, "public-record", record_text)) < 0)
		goto done;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		error = ct_error_set(errno == EEXIST ? CT_EEXISTS : CT_EIO, "key %s: %s%s", path,
			strerror(errno), errno == EEXIST ? " (not overwriting a key)" : "");
		goto done;
	}
	created = 1;
	pubfd = open(pubpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (pubfd < 0) {
		error = ct_error_set(errno == EEXIST ? CT_EEXISTS : CT_EIO, "key %s: %s%s", pubpath,
			strerror(errno), errno == EEXIST ? " (not overwriting a key)" : "");
		goto done;
	}
	pub_created = 1;
	if ((error = ct__write_all(fd, text.ptr, text.len, path)) < 0 ||
		(error = ct__write_all(pubfd, pub_text, strlen(pub_text), pubpath)) < 0 ||
		(error = ct__write_all(pubfd, "\n", 1, pubpath)) < 0)
		goto done;
	if (fsync(fd) < 0 || fsync(pubfd) < 0) {
		error = ct_error_set(CT_EIO, "key %s: fsync: %s", path, strerror(errno));
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		error = ct_error_set(CT_EIO, "key %s: %s", path, strerror(errno));
		goto done;
	}
	fd = -1;
	if (close(pubfd) < 0) {
		pubfd = -1;
		error = ct_error_set(CT_EIO, "key %s: %s", pubpath, strerror(errno));
		goto done;
	}
	pubfd = -1;
done:
	if (fd >= 0)
		close(fd);
	if (pubfd >= 0)
		close(pubfd);
	if (error < 0) {
		/* Never leave half a key behind; only remove what this call created. */
		if (created)
			unlink(path);
		if (pub_created)
			unlink(pubpath);
	}
	sodium_memzero(checksum, sizeof(checksum));
	if (box)
		sodium_free(box);
	if (derived)
		sodium_free(derived);
	sbuf_free(&text);
	free(record_text);
	free(pub_text);
	return error;
}

/* A secret key file split into its lines (pointers into the secure text). */
typedef struct {
	const char *path;
	char *line[SECRET_LINES_MAX];
	size_t count;
	size_t next;
	int encrypted;
} secret_file;

static int split_lines(secret_file *sf, sbuf *text)
{
	char *p = text->ptr;
	char *end = text->ptr + text->len;
	const char *path = sf->path;

	sf->count = 0;
	sf->next = 0;
	if (text->len == 0)
		return ct_error_set(CT_EINVALID, "key %s: empty file", path);
	if (end[-1] != '\n')
		return ct_error_set(CT_EINVALID, "key %s: the last line has no newline", path);
	if (memchr(text->ptr, '\0', text->len) || memchr(text->ptr, '\r', text->len))
		return ct_error_set(CT_EINVALID, "key %s: NUL or CR in the file", path);
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (sf->count == SECRET_LINES_MAX)
			return ct_error_set(CT_EINVALID, "key %s: more than %d lines", path,
				SECRET_LINES_MAX);
		*nl = '\0';
		sf->line[sf->count++] = p;
		p = nl + 1;
	}
	return 0;
}

/* Checks the first line: our magic and a version we read. */
static int check_magic(secret_file *sf)
{
	const char *l = sf->line[0];
	size_t m = strlen(SECRET_MAGIC);

	if (strncmp(l, SECRET_MAGIC " ", m + 1) != 0)
		return ct_error_set(CT_EINVALID, "key %s: not a claimtrail secret key file", sf->path);
	if (strcmp(l + m + 1, SECRET_VERSION) != 0) {
		char v[32];
		snprintf(v, sizeof(v), "%s", l + m + 1); /* truncation is fine: only quoted */
		return ct_error_set(CT_EINVALID, "key %s: unsupported secret key file version '%s' "
			"(this claimtrail reads " SECRET_VERSION ")", sf->path, v);
	}
	sf->next = 1;
	return 0;
}

/* Takes the next line, which must be "name: value" with a non-empty value. */
static int take(const char **value, secret_file *sf, const char *name)
{
	size_t n = strlen(name);
	const char *l;
	size_t max = strcmp(name, "public-record") == 0 ? SECRET_FILE_MAX : SHORT_LINE_MAX;

	*value = NULL;
	if (sf->next >= sf->count)
		return ct_error_set(CT_EINVALID, "key %s: missing '%s:' line", sf->path, name);
	l = sf->line[sf->next];
	if (strncmp(l, name, n) != 0 || l[n] != ':' || l[n + 1] != ' ' || l[n + 2] == '\0')
		return ct_error_set(CT_EINVALID, "key %s: line %zu: expected '%s: VALUE'", sf->path,
			sf->next + 1, name);
	if (strlen(l) > max)
		return ct_error_set(CT_EINVALID, "key %s: line %zu is too long", sf->path,
			sf->next + 1);
	sf->next++;
	*value = l + n + 2;
	return 0;
}

static int parse_u64(unsigned long long *out, const char *s, unsigned long long max,
	const secret_file *sf, const char *name)
{
	unsigned long long v = 0;
	const char *p;

	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 20)
		goto bad;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		if (v > (max - (unsigned long long)(*p - '0')) / 10)
			goto bad;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	*out = v;
	return 0;
bad:
	return ct_error_set(CT_EINVALID, "key %s: %s must be a number no greater than %llu",
		sf->path, name, max);
}

/* Parses the public part: everything up to the KDF line, then the public record. */
typedef struct {
	const char *key_id;
	const char *kdf;
	const char *opslimit, *memlimit, *salt, *nonce, *checksum, *secret;
	const char *record;
} secret_fields;

static int parse_fields(secret_fields *f, secret_file *sf)
{
	const char *alg;
	int error;

	memset(f, 0, sizeof(*f));
	if ((error = check_magic(sf)) < 0)
		return error;
	if ((error = take(&alg, sf, "algorithm")) < 0)
		return error;
	if (strcmp(alg, "ed25519") != 0)
		return ct_error_set(CT_EINVALID, "key %s: unsupported algorithm '%.32s'", sf->path,
			alg);
	if ((error = take(&f->key_id, sf, "key-id")) < 0 || (error = take(&f->kdf, sf, "kdf")) < 0)
		return error;
	if (strcmp(f->kdf, "argon2id") == 0) {
		sf->encrypted = 1;
		if ((error = take(&f->opslimit, sf, "opslimit")) < 0 ||
			(error = take(&f->memlimit, sf, "memlimit")) < 0 ||
			(error = take(&f->salt, sf, "salt")) < 0 ||
			(error = take(&f->nonce, sf, "nonce")) < 0)
			return error;
	} else if (strcmp(f->kdf, "none") == 0) {
		sf->encrypted = 0;
		if ((error = take(&f->checksum, sf, "checksum")) < 0)
			return error;
	} else {
		return ct_error_set(CT_EINVALID, "key %s: unsupported kdf '%.32s'", sf->path, f->kdf);
	}
	if ((error = take(&f->secret, sf, "secret")) < 0 ||
		(error = take(&f->record, sf, "public-record")) < 0)
		return error;
	if (sf->next != sf->count)
		return ct_error_set(CT_EINVALID, "key %s: line %zu: unexpected line", sf->path,
			sf->next + 1);
	return 0;
}

/* Parses and checks the public record stored in a secret key file. */
static int parse_public_record(json_t **out, const secret_fields *f, const char *path)
{
	json_t *rec = NULL;
	const char *id;
	int error;

	*out = NULL;
	if ((error = ct_json_parse(&rec, (const uint8_t *)f->record, strlen(f->record),
		     CT_JSON_RECORD)) < 0) {
		ct_error_prefix(error, "key %s: public-record", path);
		goto done;
	}
	if ((error = ct_key_record_check(rec)) < 0) {
		ct_error_prefix(error, "key %s", path);
		goto done;
	}
	id = json_string_value(json_object_get(rec, "key_id"));
	if (strcmp(id, f->key_id) != 0) {
		error = ct_error_set(CT_EINVALID, "key %s: key-id %.32s does not match the public "
			"record (%s)", path, f->key_id, id);
		goto done;
	}
	*out = rec;
	rec = NULL;
done:
	json_decref(rec);
	return error;
}

static int load_secret_file(sbuf *text, secret_file *sf, secret_fields *f, const char *path)
{
	int error;

	memset(sf, 0, sizeof(*sf));
	sf->path = path;
	if ((error = read_secure(text, path)) < 0)
		return error;
	if ((error = split_lines(sf, text)) < 0 || (error = parse_fields(f, sf)) < 0)
		sbuf_free(text);
	return error;
}

int ct_key_file_encrypted(int *out, const char *path)
{
	sbuf text = {NULL, 0, 0};
	secret_file sf;
	secret_fields f;
	int error;

	*out = 0;
	if ((error = load_secret_file(&text, &sf, &f, path)) < 0)
		return error;
	*out = sf.encrypted;
	sbuf_free(&text);
	return 0;
}

int ct_key_read(ct_key **out, const char *path, const char *passphrase, size_t passlen)
{
	sbuf text = {NULL, 0, 0};
	secret_file sf;
	secret_fields f;
	ct_key *key = NULL;
	json_t *rec = NULL;
	uint8_t *seed = NULL;    /* secure */
	uint8_t *box = NULL;     /* secure: sealed seed, or the plain seed as read */
	uint8_t *derived = NULL; /* secure */
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
	uint8_t checksum[CHECKSUM_BYTES], want[CHECKSUM_BYTES];
	uint8_t pk[32];
	unsigned long long ops = 0, mem = 0;
	size_t n = 0;
	int error;

	*out = NULL;
	if ((error = load_secret_file(&text, &sf, &f, path)) < 0)
		return error;
	if ((error = parse_public_record(&rec, &f, path)) < 0)
		goto done;
	if (!(seed = sodium_malloc(SEED_BYTES)) ||
		!(box = sodium_malloc(crypto_secretbox_MACBYTES + SEED_BYTES + 4)) ||
		!(derived = sodium_malloc(crypto_secretbox_KEYBYTES))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if (sf.encrypted) {
		if (!passphrase) {
			error = ct_error_set(CT_EPASSPHRASE,
				"key %s is encrypted: a passphrase is needed", path);
			goto done;
		}
		if ((error = parse_u64(&ops, f.opslimit, ULLONG_MAX, &sf, "opslimit")) < 0 ||
			(error = parse_u64(&mem, f.memlimit, ULLONG_MAX, &sf, "memlimit")) < 0)
			goto done;
		if (ops > PWHASH_OPSLIMIT_MAX || mem > PWHASH_MEMLIMIT_MAX) {
			error = ct_error_set(CT_EINVALID,
				"key %s: asks for Argon2id %s %llu, more than the %llu this reader allows "
				"(libsodium's sensitive limit)", path,
				ops > PWHASH_OPSLIMIT_MAX ? "opslimit" : "memlimit",
				ops > PWHASH_OPSLIMIT_MAX ? ops : mem,
				ops > PWHASH_OPSLIMIT_MAX ? PWHASH_OPSLIMIT_MAX : PWHASH_MEMLIMIT_MAX);
			goto done;
		}
		if (ops < crypto_pwhash_OPSLIMIT_MIN || mem < crypto_pwhash_MEMLIMIT_MIN) {
			error = ct_error_set(CT_EINVALID, "key %s: opslimit or memlimit below the "
				"Argon2id minimum", path);
			goto done;
		}
		if (ct_decode_exact(salt, sizeof(salt), f.salt) < 0 ||
			ct_decode_exact(nonce, sizeof(nonce), f.nonce) < 0) {
			error = ct_error_set(CT_EINVALID, "key %s: bad salt or nonce", path);
			goto done;
		}
		if (sodium_base642bin(box, crypto_secretbox_MACBYTES + SEED_BYTES + 4, f.secret,
			    strlen(f.secret), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
			n != crypto_secretbox_MACBYTES + SEED_BYTES) {
			error = ct_error_set(CT_EINVALID, "key %s: bad secret line", path);
			goto done;
		}
		if (crypto_pwhash(derived, crypto_secretbox_KEYBYTES, passphrase, passlen, salt, ops,
			    (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
			error = ct_error_set(CT_ENOMEM, "key %s: Argon2id ran out of memory", path);
			goto done;
		}
		/* A wrong passphrase and a tampered file look the same here; the MAC catches both. */
		if (crypto_secretbox_open_easy(seed, box, n, nonce, derived) != 0) {
			error = ct_error_set(CT_EPASSPHRASE, "key %s: wrong passphrase", path);
			goto done;
		}
	} else {
		if (ct_decode_exact(want, sizeof(want), f.checksum) < 0) {
			error = ct_error_set(CT_EINVALID, "key %s: bad checksum line", path);
			goto done;
		}
		if (sodium_base642bin(box, crypto_secretbox_MACBYTES + SEED_BYTES + 4, f.secret,
			    strlen(f.secret), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
			n != SEED_BYTES) {
			error = ct_error_set(CT_EINVALID, "key %s: bad secret line", path);
			goto done;
		}
		memcpy(seed, box, SEED_BYTES);
		crypto_generichash(checksum, sizeof(checksum), seed, SEED_BYTES, NULL, 0);
		if (sodium_memcmp(checksum, want, sizeof(want)) != 0) {
			error = ct_error_set(CT_EINVALID, "key %s: checksum mismatch: the secret key "
				"file is corrupted", path);
			goto done;
		}
	}
	if ((error = key_alloc(&key)) < 0)
		goto done;
	crypto_sign_seed_keypair(key->pk, key->sk, seed);
	ct_key_id_of(key->id, key->pk);
	if (ct_decode_exact(pk, sizeof(pk), json_string_value(json_object_get(rec, "public_key")))
			< 0 || sodium_memcmp(pk, key->pk, sizeof(pk)) != 0) {
		error = ct_error_set(CT_EINVALID, "key %s: the secret key does not belong to key %s",
			path, f.key_id);
		goto done;
	}
	key->record = rec;
	rec = NULL;
	*out = key;
	key = NULL;
done:
	sodium_memzero(checksum, sizeof(checksum));
	if (seed)
		sodium_free(seed);
	if (box)
		sodium_free(box);
	if (derived)
		sodium_free(derived);
	sbuf_free(&text);
	json_decref(rec);
	ct_key_free(key);
	return error;
}

/* Parses a public key record file (JSON) and checks it. */
static int read_record_file(json_t **out, const char *path)
{
	ct_buf data = CT_BUF_INIT;
	json_t *rec = NULL;
	int error;

	*out = NULL;
	if ((error = ct_file_read(&data, path, KEY_RECORD_MAX)) < 0)
		goto done;
	if ((error = ct_json_parse(&rec, (const uint8_t *)data.ptr, data.len, CT_JSON_RECORD)) < 0 ||
		(error = ct_key_record_check(rec)) < 0) {
		ct_error_prefix(error, "%s", path);
		goto done;
	}
	*out = rec;
	rec = NULL;
done:
	json_decref(rec);
	ct_buf_free(&data);
	return error;
}

int ct_key_file_public_record(json_t **out, const char *path)
{
	char head[sizeof(SECRET_MAGIC)];
	sbuf text = {NULL, 0, 0};
	secret_file sf;
	secret_fields f;
	FILE *fp;
	size_t n;
	int error;

	*out = NULL;
	if (!(fp = fopen(path, "rb")))
		return ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "key %s: %s", path,
			strerror(errno));
	n = fread(head, 1, sizeof(head) - 1, fp);
	fclose(fp);
	head[n] = '\0';
	if (strcmp(head, SECRET_MAGIC) != 0)
		return read_record_file(out, path);
	if ((error = load_secret_file(&text, &sf, &f, path)) < 0)
		return error;
	error = parse_public_record(out, &f, path);
	sbuf_free(&text);
	return error;
}

/* ---- keyrings --------------------------------------------------------------------------- */

typedef struct {
	char id[CT_KEY_ID_LEN + 1];
	uint8_t pk[32];
	int revoked;
	json_t *record;
#ifdef CT_ED25519_TABLES
	_Atomic(ct__ed25519_key *) fast; /* the key's tables, once it has been used enough */
	atomic_uint uses;                /* valid signatures checked with the key */
#endif
} ring_entry;

struct ct_keyring {
	ring_entry *entries;
	size_t count;
	size_t cap;
#ifdef CT_ED25519_TABLES
	atomic_uint tables; /* keys that were given tables */
#endif
};

int ct_keyring_new(ct_keyring **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ct_error_set(CT_ENOMEM, "out of memory");
#ifdef CT_ED25519_TABLES
	atomic_init(&(*out)->tables, 0);
#endif
	return 0;
}

void ct_keyring_free(ct_keyring *ring)
{
	size_t i;

	if (!ring)
		return;
	for (i = 0; i < ring->count; i++) {
		json_decref(ring->entries[i].record);
#ifdef CT_ED25519_TABLES
		ct__ed25519_key_free(atomic_load(&ring->entries[i].fast));
#endif
	}
	free(ring->entries);
	free(ring);
}

#ifdef CT_ED25519_TABLES
/*
 * Only in a build configured with -Ded25519_tables=true (off by default: then every check
 * below is libsodium's crypto_sign_verify_detached, and ed25519.c is not compiled at all).
 * A key's tables (ed25519.h: 30 KB, built in about the time of seven signature checks, each
 * later check about twice as fast) pay for themselves after some fifteen signatures. So the
 * thread whose check finds the key's TABLE_AFTER-th valid signature builds them, for at most
 * TABLES_MAX keys a ring (kept while the ring lives); until then, and for every other key,
 * libsodium checks alone. Only valid signatures count: verify_any tries every key on a
 * signature by a stranger, and those tries must not hand the tables to keys that sign nothing.
 * The verdict is the same either way. Safe with any number of threads checking at once: exactly
 * one thread sees the count reach TABLE_AFTER, and it publishes the finished tables with a
 * release store.
 */
#define TABLE_AFTER 16
#define TABLES_MAX 64

static int entry_verify(const ct_keyring *ring, ring_entry *e, const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	ct__ed25519_key *fast = atomic_load_explicit(&e->fast, memory_order_acquire);
	/* the ring's keys never change here; its count of tables is a cache's bookkeeping */
	ct_keyring *cache = (ct_keyring *)ring;
	int error;

	if (fast)
		return ct__ed25519_verify(fast, sig, msg, len) == 0 ? 0 : CT_EBADSIG;
	error = ct_ed25519_verify(e->pk, sig, msg, len);
	if (error == 0 &&
		atomic_fetch_add_explicit(&e->uses, 1, memory_order_relaxed) + 1 == TABLE_AFTER &&
		atomic_fetch_add_explicit(&cache->tables, 1, memory_order_relaxed) < TABLES_MAX) {
		fast = ct__ed25519_key_new(e->pk); /* NULL when out of memory: libsodium, then */
		atomic_store_explicit(&e->fast, fast, memory_order_release);
	}
	return error;
}

size_t ct__keyring_tables(const ct_keyring *ring)
{
	size_t i, n = 0;

	for (i = 0; i < ring->count; i++)
		n += atomic_load(&ring->entries[i].fast) != NULL;
	return n;
}
#else
static int entry_verify(const ct_keyring *ring, ring_entry *e, const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	(void)ring;
	return ct_ed25519_verify(e->pk, sig, msg, len);
}

size_t ct__keyring_tables(const ct_keyring *ring)
{
	(void)ring;
	return 0;
}
#endif

size_t ct_keyring_count(const ct_keyring *ring)
{
	return ring->count;
}

static ring_entry *ring_lookup(const ct_keyring *ring, const char *key_id)
{
	size_t i;

	if (!key_id)
		return NULL;
	for (i = 0; i < ring->count; i++)
		if (strcmp(ring->entries[i].id, key_id) == 0)
			return &ring->entries[i];
	return NULL;
}

const json_t *ct_keyring_find(const ct_keyring *ring, const char *key_id)
{
	ring_entry *e = ring_lookup(ring, key_id);

	return e ? e->record : NULL;
}

const json_t *ct_keyring_get(const ct_keyring *ring, size_t i)
{
	return i < ring->count ? ring->entries[i].record : NULL;
}

int ct_keyring_revoked(const ct_keyring *ring, const char *key_id)
{
	ring_entry *e = ring_lookup(ring, key_id);

	return e ? e->revoked : 0;
}

int ct_keyring_add(ct_keyring *ring, const json_t *key_record)
{
	ring_entry *e;
	json_t *copy;
	const char *id;
	int revoked;
	int error;

	if ((error = ct_key_record_check(key_record)) < 0)
		return error;
	id = json_string_value(json_object_get(key_record, "key_id"));
	revoked = json_object_get(key_record, "revoked") != NULL;
	if ((e = ring_lookup(ring, id)) != NULL) {
		/* A revocation is permanent: it replaces the live record, never the other way. */
		if (revoked && !e->revoked) {
			if (!(copy = json_deep_copy(key_record)))
				return ct_error_set(CT_ENOMEM, "out of memory");
			json_decref(e->record);
			e->record = copy;
			e->revoked = 1;
		}
		return 0;
	}
	if (ring->count == ring->cap) {
		size_t cap = ring->cap ? ring->cap * 2 : 8;
		ring_entry *p = realloc(ring->entries, cap * sizeof(*p));
		if (!p)
			return ct_error_set(CT_ENOMEM, "out of memory");
		ring->entries = p;
		ring->cap = cap;
	}
	if (!(copy = json_deep_copy(key_record)))
		return ct_error_set(CT_ENOMEM, "out of memory");
	e = &ring->entries[ring->count];
	memset(e, 0, sizeof(*e));
#ifdef CT_ED25519_TABLES
	atomic_init(&e->fast, NULL);
	atomic_init(&e->uses, 0);
#endif
	memcpy(e->id, id, CT_KEY_ID_LEN + 1);
	ct_decode_exact(e->pk, sizeof(e->pk), json_string_value(json_object_get(copy,
		"public_key")));
	e->revoked = revoked;
	e->record = copy;
	ring->count++;
	return 0;
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);

	return n > m && strcmp(name + n - m, suffix) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds one key record file; errors name the file. */
static int add_file(ct_keyring *ring, const char *path)
{
	json_t *rec = NULL;
	int error;

	if ((error = read_record_file(&rec, path)) < 0)
		return error;
	if ((error = ct_keyring_add(ring, rec)) < 0)
		ct_error_prefix(error, "%s", path);
	json_decref(rec);
	return error;
}

int ct_keyring_add_path(ct_keyring *ring, const char *path)
{
	struct stat st;
	DIR *dir = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t count = 0, cap = 0, i;
	char full[4096];
	int error = 0;

	if (stat(path, &st) < 0)
		return ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", path,
			strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return add_file(ring, path);
	if (!(dir = opendir(path)))
		return ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!has_suffix(de->d_name, ".pub") && !has_suffix(de->d_name, ".json"))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **p = realloc(names, ncap * sizeof(*p));
			if (!p) {
				error = ct_error_set(CT_ENOMEM, "out of memory");
				goto done;
			}
			names = p;
			cap = ncap;
		}
		if (!(names[count] = strdup(de->d_name))) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			goto done;
		}
		count++;
	}
	if (count == 0) {
		error = ct_error_set(CT_ENOTFOUND, "%s: no key records (*.pub, *.json) in the folder",
			path);
		goto done;
	}
	/* Sorted, so that the ring's order (and any error) does not depend on the file system. */
	qsort(names, count, sizeof(*names), cmp_names);
	for (i = 0; i < count; i++) {
		if (snprintf(full, sizeof(full), "%s/%s", path, names[i]) >= (int)sizeof(full)) {
			error = ct_error_set(CT_EINVALID, "%s/%s: path too long", path, names[i]);
			goto done;
		}
		if ((error = add_file(ring, full)) < 0)
			goto done;
	}
done:
	if (dir)
		closedir(dir);
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return error;
}

int ct_keyring_verify_bytes(const ct_keyring *ring, const char *key_id, const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	ring_entry *e = ring_lookup(ring, key_id);

	if (!e)
		return ct_error_set(CT_ENOTFOUND, "key %s is not in the keyring",
			key_id ? key_id : "(none)");
	if (entry_verify(ring, e, sig, msg, len) < 0)
		return ct_error_set(CT_EBADSIG, "signature by key %s does not verify", key_id);
	return 0;
}

int ct_keyring_verify_any(const char **signer, const ct_keyring *ring, const char *hint,
	const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	ring_entry *named = ring_lookup(ring, hint);
	size_t i;

	*signer = NULL;
	/* the hint first: an honest signer names its own key, so this is the one check made */
	if (named && entry_verify(ring, named, sig, msg, len) == 0) {
		*signer = named->id;
		return 0;
	}
	for (i = 0; i < ring->count; i++) {
		if (&ring->entries[i] == named)
			continue;
		if (entry_verify(ring, &ring->entries[i], sig, msg, len) == 0) {
			*signer = ring->entries[i].id;
			return 0;
		}
	}
	return named ? ct_error_set(CT_EBADSIG, "signature by key %s does not verify", hint)
		     : ct_error_set(CT_ENOTFOUND, "no trusted key made this signature");
}
