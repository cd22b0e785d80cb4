/* Internal to the library: util.c's helpers that are not part of the API. */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Decodes a base64 member value into exactly want bytes: 0 or CT_EINVALID (no message set). */
int ct__decode_exact(uint8_t *out, size_t want, const char *b64);

#endif
