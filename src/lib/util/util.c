/* Small shared helpers: the byte buffer, whole-file reads and atomic writes, hex, base64,
 * SHA-256, and library start-up. */
#include "fileio.h"
#include "error.h"
#include "claimtrail/common.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF_HUGE_PAGE ((size_t)2 << 20)
#define BUF_HUGE_MIN ((size_t)4 << 20)

/* Makes room for `extra` more bytes and the terminating NUL. */
static int buf_grow(ct_buf *buf, size_t extra)
{
	size_t need;
	size_t cap;
	char *p;

	if (extra > SIZE_MAX - buf->len - 1)
		return ct_error_set(CT_ENOMEM, "buffer too large");
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return 0;
	cap = buf->cap ? buf->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(buf->ptr, cap);
	if (!p)
		return ct__oom();
	buf->ptr = p;
	buf->cap = cap;
#ifdef MADV_HUGEPAGE
	/* a buffer of megabytes (a publish's index and manifest, a bundle) in 2 MiB pages where the
	 * system allows it: touching each 4 KiB page of fresh memory was a page fault, a quarter of
	 * a publish with nothing changed at 10,000 claims (perf); errors only cost the faults */
	if (cap >= BUF_HUGE_MIN) {
		uintptr_t from =
			((uintptr_t)p + BUF_HUGE_PAGE - 1) & ~(uintptr_t)(BUF_HUGE_PAGE - 1);
		uintptr_t to = ((uintptr_t)p + cap) & ~(uintptr_t)(BUF_HUGE_PAGE - 1);
		if (to > from)
			madvise((void *)from, to - from, MADV_HUGEPAGE);
	}
#endif
	return 0;
}

int ct_buf_put(ct_buf *buf, const void *data, size_t len)
{
	int error;

	if ((error = buf_grow(buf, len)) < 0)
		return error;
	if (len)
		memcpy(buf->ptr + buf->len, data, len);
	buf->len += len;
	buf->ptr[buf->len] = '\0';
	return 0;
}

int ct_buf_puts(ct_buf *buf, const char *s)
{
	return ct_buf_put(buf, s, strlen(s));
}

int ct_buf_putc(ct_buf *buf, char c)
{
	return ct_buf_put(buf, &c, 1);
}

int ct_buf_printf(ct_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;
	int error;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ct_error_set(CT_EINVALID, "bad format string");
	if ((error = buf_grow(buf, (size_t)n)) < 0)
		return error;
	va_start(ap, fmt);
	vsnprintf(buf->ptr + buf->len, buf->cap - buf->len, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
	return 0;
}

int ct_buf_reserve(ct_buf *buf, size_t extra)
{
	return buf_grow(buf, extra);
}

void ct_buf_truncate(ct_buf *buf, size_t len)
{
	if (len > buf->len)
		return;
	buf->len = len;
	if (buf->ptr)
		buf->ptr[len] = '\0';
}

void ct_buf_clear(ct_buf *buf)
{
	ct_buf_truncate(buf, 0);
}

char *ct_buf_detach(ct_buf *buf)
{
	char *p = buf->ptr;

	if (!p)
		p = calloc(1, 1);
	buf->ptr = NULL;
	buf->len = buf->cap = 0;
	return p;
}

void ct_buf_free(ct_buf *buf)
{
	if (!buf)
		return;
	free(buf->ptr);
	buf->ptr = NULL;
	buf->len = buf->cap = 0;
}

int ct_file_read(ct_buf *out, const char *path, size_t max)
{
	FILE *f;
	struct stat st;
	size_t n, room;
	int error = 0;
	int is_stdin = strcmp(path, "-") == 0;

	f = is_stdin ? stdin : fopen(path, "rb");
	if (!f)
		return ct_error_set(
			errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", path, strerror(errno));
	/* a regular file is read straight into a buffer of its size (one more byte to see it
	 * grow): reading a few megabytes through a chunk and doubling the buffer was copies and
	 * page faults, a fifth of an incremental publish */
	room = 65536;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		(uint64_t)st.st_size < (uint64_t)SIZE_MAX / 2 && (size_t)st.st_size <= max)
		room = (size_t)st.st_size + 1;
	if ((error = ct_buf_reserve(out, room)) < 0)
		goto done;
	for (;;) {
		if (out->cap - out->len <= 1 && (error = ct_buf_reserve(out, 65536)) < 0)
			goto done;
		n = fread(out->ptr + out->len, 1, out->cap - out->len - 1, f);
		if (n == 0)
			break;
		if (out->len + n > max) {
			out->ptr[out->len] = '\0';
			error = ct_error_set(CT_EINVALID, "%s: larger than %zu bytes", path, max);
			goto done;
		}
		out->len += n;
		out->ptr[out->len] = '\0';
	}
	if (ferror(f))
		error = ct_error_set(CT_EIO, "%s: read failed", path);
	else if (!out->ptr)
		error = ct_buf_put(out, "", 0);
done:
	if (!is_stdin)
		fclose(f);
	return error;
}

int ct__write_all(int fd, const void *data, size_t len, const char *name)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) /* 0 only when the file system cannot take more: never loop on it */
			return ct_error_set(CT_EIO, "%s: %s", name,
				w < 0 ? strerror(errno) : "nothing written");
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Refuses what an output file must never replace, naming what it is. */
static int outfile_kind(const char *path, const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return ct_error_set(CT_EINVALID,
			"%s: is a symbolic link, which would be replaced: name its target instead",
			path);
	if (S_ISDIR(st->st_mode))
		return ct_error_set(CT_EINVALID, "%s: is a folder", path);
	if (!S_ISREG(st->st_mode) && !S_ISCHR(st->st_mode) && !S_ISFIFO(st->st_mode))
		return ct_error_set(CT_EINVALID,
			"%s: not a regular file, character device or FIFO: refusing to write it",
			path);
	return 0;
}

int ct__outfile_open(ct__outfile *o, const char *path, unsigned mode)
{
	struct stat st;
	int error;

	o->fd = -1;
	o->direct = 0;
	o->nosync = 0;
	o->path = path;
	o->tmp.ptr = NULL;
	o->tmp.len = o->tmp.cap = 0;
	if (lstat(path, &st) == 0) {
		if ((error = outfile_kind(path, &st)) < 0)
			return error;
		if (!S_ISREG(st.st_mode)) {
			/* no O_CREAT: what is opened is what was there; O_NOFOLLOW: not a link since */
			o->fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
			if (o->fd < 0)
				return ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
			if (fstat(o->fd, &st) < 0 ||
				(!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))) {
				close(o->fd);
				o->fd = -1;
				return ct_error_set(CT_EIO, "%s: changed while being opened", path);
			}
			o->direct = 1;
			return 0;
		}
	} else if (errno != ENOENT) {
		return ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	}
	if ((error = ct_buf_printf(&o->tmp, "%s.tmp.%ld", path, (long)getpid())) < 0)
		return error;
	o->fd = open(o->tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (o->fd < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", o->tmp.ptr, strerror(errno));
		ct_buf_free(&o->tmp);
	}
	return error;
}

int ct__outfile_commit(ct__outfile *o)
{
	struct stat st;
	int error = 0;

	if (o->direct) {
		if (close(o->fd) < 0)
			error = ct_error_set(CT_EIO, "%s: %s", o->path, strerror(errno));
		o->fd = -1;
		return error;
	}
	if (!o->nosync && fsync(o->fd) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", o->tmp.ptr, strerror(errno));
		goto done;
	}
	if (close(o->fd) < 0) {
		o->fd = -1;
		error = ct_error_set(CT_EIO, "%s: %s", o->tmp.ptr, strerror(errno));
		goto done;
	}
	o->fd = -1;
	/* checked again at the last moment: a device or link put there since is not replaced */
	if (lstat(o->path, &st) == 0 &&
		((error = outfile_kind(o->path, &st)) < 0 || !S_ISREG(st.st_mode))) {
		if (error == 0)
			error = ct_error_set(
				CT_EIO, "%s: no longer a regular file, not replaced", o->path);
		goto done;
	}
	if (rename(o->tmp.ptr, o->path) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", o->path, strerror(errno));
		goto done;
	}
	ct_buf_free(&o->tmp);
done:
	if (error < 0)
		ct__outfile_abort(o);
	return error;
}

void ct__outfile_abort(ct__outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp.ptr)
		unlink(o->tmp.ptr);
	ct_buf_free(&o->tmp);
}

int ct_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	ct__outfile o;
	int error;

	if ((error = ct__outfile_open(&o, path, mode)) < 0)
		return error;
	if ((error = ct__write_all(o.fd, data, len, o.direct ? path : o.tmp.ptr)) < 0) {
		ct__outfile_abort(&o);
		return error;
	}
	return ct__outfile_commit(&o);
}

void ct_hex(char *out, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

int ct_base64_encode(ct_buf *out, const uint8_t *data, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	int error;

	if ((error = buf_grow(out, n)) < 0)
		return error;
	sodium_bin2base64(out->ptr + out->len, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	out->len += n - 1;
	return 0;
}

/* Value + 1 of each character of the standard alphabet; 0 for every other byte ('=' too). */
static const uint8_t b64_table[256] = {
	['A'] = 1,
	['B'] = 2,
	['C'] = 3,
	['D'] = 4,
	['E'] = 5,
	['F'] = 6,
	['G'] = 7,
	['H'] = 8,
	['I'] = 9,
	['J'] = 10,
	['K'] = 11,
	['L'] = 12,
	['M'] = 13,
	['N'] = 14,
	['O'] = 15,
	['P'] = 16,
	['Q'] = 17,
	['R'] = 18,
	['S'] = 19,
	['T'] = 20,
	['U'] = 21,
	['V'] = 22,
	['W'] = 23,
	['X'] = 24,
	['Y'] = 25,
	['Z'] = 26,
	['a'] = 27,
	['b'] = 28,
	['c'] = 29,
	['d'] = 30,
	['e'] = 31,
	['f'] = 32,
	['g'] = 33,
	['h'] = 34,
	['i'] = 35,
	['j'] = 36,
	['k'] = 37,
	['l'] = 38,
	['m'] = 39,
	['n'] = 40,
	['o'] = 41,
	['p'] = 42,
	['q'] = 43,
	['r'] = 44,
	['s'] = 45,
	['t'] = 46,
	['u'] = 47,
	['v'] = 48,
	['w'] = 49,
	['x'] = 50,
	['y'] = 51,
	['z'] = 52,
	['0'] = 53,
	['1'] = 54,
	['2'] = 55,
	['3'] = 56,
	['4'] = 57,
	['5'] = 58,
	['6'] = 59,
	['7'] = 60,
	['8'] = 61,
	['9'] = 62,
	['+'] = 63,
	['/'] = 64,
};

/*
 * Canonical standard base64 is exactly what ct_base64_encode writes: a multiple of 4
 * characters, '=' only as the padding of the last group (one or two, as the byte count needs),
 * and the bits below the last byte zero ("QQ==" is 'A', "QR==" is refused). Checking that is
 * cheaper than encoding again and comparing. Table lookups are not constant time: secrets are
 * decoded with libsodium's decoder instead (key_file.c).
 */
int ct_base64_decode_len(uint8_t *out, size_t out_max, size_t *out_len, const char *b64, size_t len)
{
	const unsigned char *s = (const unsigned char *)b64;
	size_t pad = 0, n, i, o = 0;
	unsigned v[4];

	if (len % 4 != 0)
		return ct_error_set(CT_EINVALID, "invalid base64");
	if (len > 0 && s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	n = len / 4 * 3 - pad;
	if (n > out_max)
		return ct_error_set(CT_EINVALID, "invalid base64");
	for (i = 0; i + 4 < len || (i < len && pad == 0); i += 4) {
		v[0] = b64_table[s[i]];
		v[1] = b64_table[s[i + 1]];
		v[2] = b64_table[s[i + 2]];
		v[3] = b64_table[s[i + 3]];
		if (!v[0] || !v[1] || !v[2] || !v[3])
			return ct_error_set(CT_EINVALID, "invalid base64");
		out[o++] = (uint8_t)((v[0] - 1) << 2 | (v[1] - 1) >> 4);
		out[o++] = (uint8_t)((v[1] - 1) << 4 | (v[2] - 1) >> 2);
		out[o++] = (uint8_t)((v[2] - 1) << 6 | (v[3] - 1));
	}
	if (pad) {
		/* the last group: two or three characters and the padding */
		v[0] = b64_table[s[i]];
		v[1] = b64_table[s[i + 1]];
		v[2] = pad == 1 ? b64_table[s[i + 2]] : 1;
		if (!v[0] || !v[1] || !v[2])
			return ct_error_set(CT_EINVALID, "invalid base64");
		if ((pad == 2 && ((v[1] - 1) & 0x0F)) || (pad == 1 && ((v[2] - 1) & 0x03)))
			return ct_error_set(CT_EINVALID, "non-canonical base64");
		out[o++] = (uint8_t)((v[0] - 1) << 2 | (v[1] - 1) >> 4);
		if (pad == 1)
			out[o++] = (uint8_t)((v[1] - 1) << 4 | (v[2] - 1) >> 2);
	}
	*out_len = o;
	return 0;
}

int ct_base64_decode(uint8_t *out, size_t out_max, size_t *out_len, const char *b64)
{
	return ct_base64_decode_len(out, out_max, out_len, b64, strlen(b64));
}

int ct__decode_exact(uint8_t *out, size_t want, const char *b64)
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

void ct_sha256_hex(char out[65], const uint8_t *data, size_t len)
{
	uint8_t h[32];

	ct__sha256(h, data, len);
	ct_hex(out, h, sizeof(h));
}

int ct_init(void)
{
	if (sodium_init() < 0)
		return ct_error_set(CT_EIO, "libsodium failed to initialise");
	if (git_libgit2_init() < 0)
		return ct_error_set(CT_EIO, "libgit2 failed to initialise");
	/* libgit2 re-hashes every object it reads to compare with its id; git itself leaves that
	 * to fsck. It was a third of the time of indexing history or listing a large store, and
	 * claimtrail's records carry their own signatures and digests, which check verifies. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	return 0;
}

void ct_shutdown(void)
{
	git_libgit2_shutdown();
}
