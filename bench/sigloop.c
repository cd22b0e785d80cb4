/* The bare signature loop (sigloop.h). */
#include "sigloop.h"

#include <pthread.h>
#include <sodium.h>
#include <time.h>

double sigloop_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double sigloop_cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A share of the loop: every step-th message from first. */
typedef struct {
	const signed_msg *msgs;
	size_t count, first, step;
	const uint8_t *pk;
	sigloop_fn fn;
	const void *ctx;
	int failed;
} loop_share;

static void *verify_share(void *arg)
{
	loop_share *sh = arg;
	size_t i;

	for (i = sh->first; i < sh->count; i += sh->step) {
		const signed_msg *m = &sh->msgs[i];
		int rc = sh->fn ? sh->fn(sh->ctx, m->sig, m->msg, m->len)
				: crypto_sign_verify_detached(m->sig, m->msg, m->len, sh->pk);
		if (rc != 0)
			sh->failed = 1;
	}
	return NULL;
}

double sigloop_run(const signed_msg *msgs, size_t count, const uint8_t pk[32], sigloop_fn fn,
	const void *ctx, size_t threads, double *cpu)
{
	loop_share sh[2];
	pthread_t other;
	double t, c;
	size_t i;

	if (threads != 1)
		threads = 2;
	for (i = 0; i < 2; i++)
		sh[i] = (loop_share){msgs, count, i, threads, pk, fn, ctx, 0};
	c = sigloop_cpu();
	t = sigloop_now();
	if (threads > 1 && pthread_create(&other, NULL, verify_share, &sh[1]) != 0) {
		threads = 1; /* this thread checks them all */
		sh[0].step = 1;
	}
	verify_share(&sh[0]);
	if (threads > 1)
		pthread_join(other, NULL);
	t = sigloop_now() - t;
	if (cpu)
		*cpu = sigloop_cpu() - c;
	return sh[0].failed || (threads > 1 && sh[1].failed) ? -1 : t;
}
