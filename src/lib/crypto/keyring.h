/* Internal to the library: keyring.c's bookkeeping, for tests. */
#ifndef CT_KEYRING_H
#define CT_KEYRING_H

#include "claimtrail/key.h"

#include <stddef.h>

/* For tests: how many of ring's keys have been given verification tables (keyring.c builds them
 * for a key once it has checked enough signatures with it); always 0 in the default build,
 * without -Ded25519_tables=true. */
size_t ct__keyring_tables(const ct_keyring *ring);

#endif
