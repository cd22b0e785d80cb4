/* The library's one hex decoder (hex.c); ct_hex (util.c) encodes. */
#ifndef CT_HEX_H
#define CT_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value (0 to 15) of the hex digit c: 0-9 and a-f, and A-F too when upper is set; else -1. */
int ct__hex_value(int c, int upper);

/* 1 when the n bytes at s are all lowercase hex digits (n 0: 1), else 0. */
int ct__hex_lower(const char *s, size_t n);

/*
 * Decodes hex, exactly 2 * out_len lowercase hex digits and its NUL (what ct_hex writes), into
 * out_len bytes at out. Returns 0, or CT_EINVALID without a message (the caller names the thing
 * that was wrong); out is then unspecified.
 */
int ct__hex_decode(uint8_t *out, size_t out_len, const char *hex);

#endif
