/*
 * Key files: the secret key file (our own small text format, encrypted at rest with Argon2id +
 * secretbox, see docs/format.md), writing and reading it, and public key record files.
 *
 * Secret bytes (the seed, the 64-byte secret key, derived keys, the whole text of a secret key
 * file) only ever live in sodium_malloc memory and never in a json_t or a ct_buf.
 */
#include "fileio.h"
#include "error.h"
#include "key_file.h"
#include "key_internal.h"
#include "claimtrail/json.h"
#include "claimtrail/key.h"
#include "claimtrail/record.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
		return ct__oom();
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
		return ct_error_set(
			CT_EINVALID, "secret key file would exceed %d bytes", SECRET_FILE_MAX);
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
		return ct_error_set(
			CT_EINVALID, "secret key file would exceed %d bytes", SECRET_FILE_MAX);
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
			"owner (chmod 600 %s)",
			path, (unsigned)(st.st_mode & 07777), path);
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
			error = ct_error_set(CT_EINVALID,
				"key %s: larger than %d bytes: not a "
				"claimtrail secret key file",
				path, SECRET_FILE_MAX);
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

/* ---- the secret key file ---------------------------------------------------------------- */

int ct_key_write(const ct_key *key, const char *path, const char *passphrase, size_t passlen)
{
	char pubpath[4096];
	sbuf text = {NULL, 0, 0};
	uint8_t *box = NULL;	 /* secretbox(seed) or the plain seed: secure memory either way */
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

	if (!key->sk)
		return ct_error_set(CT_EINVALID,
			"key %s is held by ssh-agent: there is no secret to write", key->id);
	if (snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >= (int)sizeof(pubpath))
		return ct_error_set(CT_EINVALID, "key %s: path too long", path);
	record_text = json_dumps(key->record, JSON_COMPACT);
	pub_text = json_dumps(key->record, JSON_INDENT(2));
	if (!record_text || !pub_text) {
		error = ct__oom();
		goto done;
	}
	if ((error = sbuf_init(&text, SECRET_FILE_MAX)) < 0)
		goto done;
	if (!(box = sodium_malloc(crypto_secretbox_MACBYTES + SEED_BYTES)) ||
		!(derived = sodium_malloc(crypto_secretbox_KEYBYTES))) {
		error = ct__oom();
		goto done;
	}
	if ((error = sbuf_puts(&text, SECRET_MAGIC " " SECRET_VERSION "\n")) < 0 ||
		(error = sbuf_field(&text, "algorithm", "ed25519")) < 0 ||
		(error = sbuf_field(&text, "key-id", key->id)) < 0)
		goto done;
	if (passphrase) {
		randombytes_buf(salt, sizeof(salt));
		randombytes_buf(nonce, sizeof(nonce));
		if (crypto_pwhash(derived, crypto_secretbox_KEYBYTES, passphrase, passlen, salt,
			    ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
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
			(error = sbuf_field_b64(
				 &text, "secret", box, crypto_secretbox_MACBYTES + SEED_BYTES)) < 0)
			goto done;
	} else {
		crypto_generichash(checksum, sizeof(checksum), key->sk, SEED_BYTES, NULL, 0);
		if ((error = sbuf_field(&text, "kdf", "none")) < 0 ||
			(error = sbuf_field_b64(&text, "checksum", checksum, sizeof(checksum))) <
				0 ||
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
			return ct_error_set(
				CT_EINVALID, "key %s: more than %d lines", path, SECRET_LINES_MAX);
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
		return ct_error_set(
			CT_EINVALID, "key %s: not a claimtrail secret key file", sf->path);
	if (strcmp(l + m + 1, SECRET_VERSION) != 0) {
		char v[32];
		snprintf(v, sizeof(v), "%s", l + m + 1); /* truncation is fine: only quoted */
		return ct_error_set(CT_EINVALID,
			"key %s: unsupported secret key file version '%s' "
			"(this claimtrail reads " SECRET_VERSION ")",
			sf->path, v);
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
		return ct_error_set(
			CT_EINVALID, "key %s: line %zu is too long", sf->path, sf->next + 1);
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
		return ct_error_set(
			CT_EINVALID, "key %s: unsupported algorithm '%.32s'", sf->path, alg);
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
		return ct_error_set(
			CT_EINVALID, "key %s: unsupported kdf '%.32s'", sf->path, f->kdf);
	}
	if ((error = take(&f->secret, sf, "secret")) < 0 ||
		(error = take(&f->record, sf, "public-record")) < 0)
		return error;
	if (sf->next != sf->count)
		return ct_error_set(
			CT_EINVALID, "key %s: line %zu: unexpected line", sf->path, sf->next + 1);
	return 0;
}

/* Parses and checks the public record stored in a secret key file. */
static int parse_public_record(json_t **out, const secret_fields *f, const char *path)
{
	json_t *rec = NULL;
	const char *id;
	int error;

	*out = NULL;
	if ((error = ct_json_parse(
		     &rec, (const uint8_t *)f->record, strlen(f->record), CT_JSON_RECORD)) < 0) {
		ct_error_prefix(error, "key %s: public-record", path);
		goto done;
	}
	if ((error = ct_key_record_check(rec)) < 0) {
		ct_error_prefix(error, "key %s", path);
		goto done;
	}
	id = json_string_value(json_object_get(rec, "key_id"));
	if (strcmp(id, f->key_id) != 0) {
		error = ct_error_set(CT_EINVALID,
			"key %s: key-id %.32s does not match the public "
			"record (%s)",
			path, f->key_id, id);
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
	uint8_t *seed = NULL;	 /* secure */
	uint8_t *box = NULL;	 /* secure: sealed seed, or the plain seed as read */
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
		error = ct__oom();
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
				"(libsodium's sensitive limit)",
				path, ops > PWHASH_OPSLIMIT_MAX ? "opslimit" : "memlimit",
				ops > PWHASH_OPSLIMIT_MAX ? ops : mem,
				ops > PWHASH_OPSLIMIT_MAX ? PWHASH_OPSLIMIT_MAX
							  : PWHASH_MEMLIMIT_MAX);
			goto done;
		}
		if (ops < crypto_pwhash_OPSLIMIT_MIN || mem < crypto_pwhash_MEMLIMIT_MIN) {
			error = ct_error_set(CT_EINVALID,
				"key %s: opslimit or memlimit below the "
				"Argon2id minimum",
				path);
			goto done;
		}
		if (ct__decode_exact(salt, sizeof(salt), f.salt) < 0 ||
			ct__decode_exact(nonce, sizeof(nonce), f.nonce) < 0) {
			error = ct_error_set(CT_EINVALID, "key %s: bad salt or nonce", path);
			goto done;
		}
		if (sodium_base642bin(box, crypto_secretbox_MACBYTES + SEED_BYTES + 4, f.secret,
			    strlen(f.secret), NULL, &n, NULL,
			    sodium_base64_VARIANT_ORIGINAL) != 0 ||
			n != crypto_secretbox_MACBYTES + SEED_BYTES) {
			error = ct_error_set(CT_EINVALID, "key %s: bad secret line", path);
			goto done;
		}
		if (crypto_pwhash(derived, crypto_secretbox_KEYBYTES, passphrase, passlen, salt,
			    ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
			error = ct_error_set(CT_ENOMEM, "key %s: Argon2id ran out of memory", path);
			goto done;
		}
		/* A wrong passphrase and a tampered file look the same here; the MAC catches both. */
		if (crypto_secretbox_open_easy(seed, box, n, nonce, derived) != 0) {
			error = ct_error_set(CT_EPASSPHRASE, "key %s: wrong passphrase", path);
			goto done;
		}
	} else {
		if (ct__decode_exact(want, sizeof(want), f.checksum) < 0) {
			error = ct_error_set(CT_EINVALID, "key %s: bad checksum line", path);
			goto done;
		}
		if (sodium_base642bin(box, crypto_secretbox_MACBYTES + SEED_BYTES + 4, f.secret,
			    strlen(f.secret), NULL, &n, NULL,
			    sodium_base64_VARIANT_ORIGINAL) != 0 ||
			n != SEED_BYTES) {
			error = ct_error_set(CT_EINVALID, "key %s: bad secret line", path);
			goto done;
		}
		memcpy(seed, box, SEED_BYTES);
		crypto_generichash(checksum, sizeof(checksum), seed, SEED_BYTES, NULL, 0);
		if (sodium_memcmp(checksum, want, sizeof(want)) != 0) {
			error = ct_error_set(CT_EINVALID,
				"key %s: checksum mismatch: the secret key "
				"file is corrupted",
				path);
			goto done;
		}
	}
	if ((error = ct__key_alloc(&key)) < 0)
		goto done;
	crypto_sign_seed_keypair(key->pk, key->sk, seed);
	ct_key_id_of(key->id, key->pk);
	if (ct__decode_exact(
		    pk, sizeof(pk), json_string_value(json_object_get(rec, "public_key"))) < 0 ||
		sodium_memcmp(pk, key->pk, sizeof(pk)) != 0) {
		error = ct_error_set(CT_EINVALID,
			"key %s: the secret key does not belong to key %s", path, f.key_id);
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

int ct__key_record_file_read(json_t **out, const char *path)
{
	ct_buf data = CT_BUF_INIT;
	json_t *rec = NULL;
	int error;

	*out = NULL;
	if ((error = ct_file_read(&data, path, KEY_RECORD_MAX)) < 0)
		goto done;
	if ((error = ct_json_parse(&rec, (const uint8_t *)data.ptr, data.len, CT_JSON_RECORD)) <
			0 ||
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
		return ct__key_record_file_read(out, path);
	if ((error = load_secret_file(&text, &sf, &f, path)) < 0)
		return error;
	error = parse_public_record(out, &f, path);
	sbuf_free(&text);
	return error;
}
