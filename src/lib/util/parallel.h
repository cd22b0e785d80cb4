/* The library's one thread fan-out (parallel.c): a batch of independent shares, one a thread.
 * (Not to be confused with the store's folder fan-out, ct__fanout in store_internal.h.) */
#ifndef CT_PARALLEL_H
#define CT_PARALLEL_H

#include <pthread.h>
#include <stddef.h>

/* The most shares ct__parallel runs at once, one thread each. */
#define CT__PARALLEL_MAX 64

/*
 * Runs fn on each of the n shares (an array of n elements of share_size bytes at shares), each
 * on its own thread, the calling thread taking the first, and returns when every share is done.
 * A thread that cannot be started costs time, not work: its share runs on the calling thread.
 * n above CT__PARALLEL_MAX runs the rest on the calling thread too. fn's return value is ignored;
 * shares report through their own members.
 */
void ct__parallel(void *shares, size_t share_size, size_t n, void *(*fn)(void *share));

/* How many threads to use: asked (0: the processors this process may run on), at most max. */
unsigned ct__parallel_threads(unsigned asked, unsigned max);

/* One task run beside the calling thread's own work (ct__background_start, _join). */
typedef struct {
	void *(*fn)(void *arg);
	void *arg;
	pthread_t tid;
	int started; /* 0: it runs on the calling thread, in ct__background_join */
} ct__background;

/* Starts fn(arg) on a thread of its own. A thread that cannot be started costs time, not work:
 * fn then runs on the calling thread when ct__background_join is called. */
void ct__background_start(ct__background *bg, void *(*fn)(void *arg), void *arg);

/* Returns when fn(arg) is done (running it here if no thread was started). */
void ct__background_join(ct__background *bg);

#endif
