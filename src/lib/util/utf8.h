/*
 * UTF-8 for the whole library: one strict decoder (RFC 3629: no overlong forms, no encoded
 * surrogates U+D800..U+DFFF, nothing above U+10FFFF, no truncated sequences), a validator
 * built on it, and the code point count that offsets in source texts use. Every module that
 * reads UTF-8 byte by byte goes through here, so none accepts what another refuses.
 */
#ifndef CLAIMTRAIL_UTF8_H
#define CLAIMTRAIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one sequence from the avail bytes at s into *cp. Returns its length in bytes (1 to 4),
 * or 0 when the bytes at s do not start a valid sequence (or avail is 0). */
size_t ct__utf8_decode(const uint8_t *s, size_t avail, uint32_t *cp);

/* 1 when the len bytes at s are valid UTF-8; else 0, and *bad (may be NULL) receives the byte
 * offset at which the first invalid sequence starts. */
int ct__utf8_valid(const uint8_t *s, size_t len, size_t *bad);

/* The check before text from a user becomes a JSON string (jansson refuses invalid UTF-8 with
 * a NULL that must not pass for "out of memory"): 0 when the len bytes at s are valid UTF-8,
 * else CT_EINVALID "<what> is not valid UTF-8 (byte N)", N the offset of the first bad byte. */
int ct__utf8_check(const char *s, size_t len, const char *what);

/* Code points in the first len bytes of valid UTF-8: how W3C selectors count. */
size_t ct__utf8_count(const char *s, size_t len);

#endif
