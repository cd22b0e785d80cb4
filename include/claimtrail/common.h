/* Error codes, the thread-local error message, and the growable byte buffer. */
#ifndef CLAIMTRAIL_COMMON_H
#define CLAIMTRAIL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CT_VERSION "0.1.0"

/* A revision number (1, 2, ...; 0 where a function says "the latest" or a kind has none): the one
 * integer type for revisions across the API. It is jansson's json_int_t, the type a record's
 * "revision" member is read as (record.c checks that they are the same type). */
typedef long long ct_revision;

/* Progress of long work (import, bundle create, verify and import, check): the function in the
 * options is called as the work goes, from the thread that called the library, once per item;
 * the library never prints, the caller decides what to show and how often. */
typedef struct {
	const char *stage; /* "reading", "checking", "signing", "writing", "verifying" */
	uint64_t done;	   /* items of the stage done so far */
	uint64_t total;	   /* items the stage has, 0 when not known */
} ct_progress;

typedef void (*ct_progress_fn)(const ct_progress *progress, void *payload);

/* Every function returns 0 or one of these. A bad signature is never reported as I/O. */
typedef enum {
	CT_OK = 0,
	CT_ENOTFOUND = -1,   /* no such record, revision, file or key */
	CT_EEXISTS = -2,     /* the thing to create is already there */
	CT_EINVALID = -3,    /* malformed input: JSON, schema, id, date, option */
	CT_EBADSIG = -4,     /* a signature does not verify, or a digest/chain does not match */
	CT_EUNTRUSTED = -5,  /* signatures verify but not by enough trusted keys */
	CT_ECONFLICT = -6,   /* the branch moved under us, or uncommitted changes in the way */
	CT_EIO = -7,	     /* file system or git failure */
	CT_ENOMEM = -8,	     /* out of memory */
	CT_EPASSPHRASE = -9, /* wrong passphrase, or none available */
	CT_EAMBIGUOUS = -10, /* an id prefix that begins more than one id */
} ct_error_code;

/* The message of the last error on this thread: one line naming what was wrong. Never NULL. */
const char *ct_error_last(void);

/* The code of the last error on this thread (CT_OK when none was set). */
int ct_error_last_code(void);

/* Sets the thread's error message (printf style) and returns `code`, so callers can write
 * `return ct_error_set(CT_EINVALID, "id %s: ...", id);`. */
int ct_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Prefixes the current message with "prefix: " and returns `code` unchanged. */
int ct_error_prefix(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

void ct_error_clear(void);

/* A growable byte buffer, always NUL-terminated when ptr is non-NULL. */
typedef struct {
	char *ptr;
	size_t len;
	size_t cap;
} ct_buf;

#define CT_BUF_INIT \
	{ \
		NULL, 0, 0 \
	}

int ct_buf_put(ct_buf *buf, const void *data, size_t len);
int ct_buf_puts(ct_buf *buf, const char *s);
int ct_buf_putc(ct_buf *buf, char c);
int ct_buf_printf(ct_buf *buf, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void ct_buf_clear(ct_buf *buf);
/* Cuts the contents back to their first len bytes (len <= buf->len), still NUL-terminated. */
void ct_buf_truncate(ct_buf *buf, size_t len);
/* Makes room for extra more bytes after len (and a NUL) without changing len: 0 or CT_ENOMEM. */
int ct_buf_reserve(ct_buf *buf, size_t extra);
/* Hands the bytes to the caller (free() them) and resets the buffer. */
char *ct_buf_detach(ct_buf *buf);
void ct_buf_free(ct_buf *buf);

/* Reads a whole file (or stdin when path is "-") into buf, refusing files larger than max. */
int ct_file_read(ct_buf *out, const char *path, size_t max);

/* Writes data to path atomically: a temporary file in the same folder, fsync, rename. An
 * existing character device or FIFO at path is written into instead (never replaced); a symbolic
 * link, a folder or any other kind of file is refused (CT_EINVALID). */
int ct_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Lowercase hex of data into out (2*len+1 bytes). */
void ct_hex(char *out, const uint8_t *data, size_t len);

/*
 * Standard base64 (with padding). ct_base64_decode refuses anything not canonical (what
 * ct_base64_encode would not write: wrong length or padding, stray bits, any other byte) and
 * output longer than out_max, with CT_EINVALID; ct_base64_decode_len reads len bytes, no NUL
 * needed. Not constant time: not for secrets.
 */
int ct_base64_encode(ct_buf *out, const uint8_t *data, size_t len);
int ct_base64_decode(uint8_t *out, size_t out_max, size_t *out_len, const char *b64);
int ct_base64_decode_len(
	uint8_t *out, size_t out_max, size_t *out_len, const char *b64, size_t len);

/* SHA-256 of data as lowercase hex (CT_SHA256_HEX_LEN + 1 bytes with the NUL). */
#define CT_SHA256_HEX_LEN 64
void ct_sha256_hex(char out[CT_SHA256_HEX_LEN + 1], const uint8_t *data, size_t len);

/* Must be called once before anything else (initialises libsodium and libgit2). */
int ct_init(void);
void ct_shutdown(void);

/*
 * What the process environment would otherwise say. The library reads no environment variable:
 * the command reads SOURCE_DATE_EPOCH, GIT_{AUTHOR,COMMITTER}_{NAME,EMAIL} and
 * CLAIMTRAIL_LOCK_TIMEOUT and passes them in
 * here, once, after ct_init and before any other call (not thread safe). Until then: the clock,
 * and the identity from the repository's configuration.
 */
#define CT_RUNTIME_OPTS_VERSION 1
typedef struct {
	unsigned version;	    /* CT_RUNTIME_OPTS_VERSION (CT_RUNTIME_OPTS_INIT sets it) */
	long long time;		    /* the time every created time and commit says, in seconds since
				  * 1970-01-01T00:00:00Z; -1: the clock */
	const char *author_name;    /* the commits' author and committer; NULL: the repository's */
	const char *author_email;   /* configuration, then the signer's name with the key id */
	const char *committer_name; /* as address */
	const char *committer_email;
	double lock_timeout; /* seconds a write waits for the write lock and a git command's
				  * locks (docs/store.md), 0 to 86400; negative: 30 */
} ct_runtime_opts;

#define CT_RUNTIME_OPTS_INIT \
	{ \
		CT_RUNTIME_OPTS_VERSION, -1, NULL, NULL, NULL, NULL, -1 \
	}

/* Sets the above (the strings are copied). CT_EINVALID for an unknown version or a time before
 * 1970; NULL opts goes back to the defaults. */
int ct_runtime_set(const ct_runtime_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
