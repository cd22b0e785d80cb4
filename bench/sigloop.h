/*
 * The baseline under every signature check: a plain C loop of crypto_sign_verify_detached over
 * signed messages, on one or two threads (bench/bundle_verify.c over a generated bundle's
 * messages, bench/storebench.c over a store's claims). Wall and CPU time.
 */
#ifndef BENCH_SIGLOOP_H
#define BENCH_SIGLOOP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint8_t *msg;
	size_t len;
	uint8_t sig[64];
} signed_msg;

/* An Ed25519 check other than libsodium's (the tables build's), or NULL. */
typedef int (*sigloop_fn)(const void *ctx, const uint8_t sig[64], const uint8_t *msg, size_t len);

/* Monotonic seconds, and this process's CPU seconds (every thread's). */
double sigloop_now(void);
double sigloop_cpu(void);

/*
 * Checks every message against pk on `threads` threads (1 or 2, every other message each), with
 * crypto_sign_verify_detached or, when fn is set, fn(ctx, ...). Returns the wall time; *cpu (when
 * set) gets the CPU time it took. -1 when a signature does not verify.
 */
double sigloop_run(const signed_msg *msgs, size_t count, const uint8_t pk[32], sigloop_fn fn,
	const void *ctx, size_t threads, double *cpu);

#endif
