/* SHA-256 for the hot paths (sha256.c): OpenSSL's, which uses the CPU's SHA extensions. */
#ifndef CT_SHA256_H
#define CT_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 of the len bytes at data into out. Cannot fail (see sha256.c). */
void ct__sha256(uint8_t out[32], const void *data, size_t len);

/* SHA-256 of the concatenation of a (alen bytes) and b (blen bytes) into out. */
void ct__sha256_pair(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen);

#endif
