/* SHA-1 where git needs it from us (sha1.c): OpenSSL's, which libgit2 already loads. */
#ifndef CT_SHA1_H
#define CT_SHA1_H

#include <stddef.h>
#include <stdint.h>

/* Computes SHA-1 of the `n` pieces data[i] (len[i] bytes each) into out. Returns 0 or -1. */
int ct__sha1(uint8_t out[20], const void *const *data, const size_t *len, size_t n);

#endif
