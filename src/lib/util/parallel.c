/* The library's one thread fan-out: independent shares of a batch, one a thread (parallel.h). */
#include "parallel.h"
#include "cpus.h"

#include <pthread.h>

void ct__parallel(void *shares, size_t share_size, size_t n, void *(*fn)(void *share))
{
	pthread_t tids[CT__PARALLEL_MAX];
	char *base = shares;
	size_t i, started = 1, threads = n < CT__PARALLEL_MAX ? n : CT__PARALLEL_MAX;

	if (n == 0)
		return;
	for (i = 1; i < threads; i++, started++)
		if (pthread_create(&tids[i], NULL, fn, base + i * share_size) != 0)
			break; /* fewer threads: slower, not wrong */
	fn(base);
	for (i = started; i < n; i++) /* the shares of threads that did not start */
		fn(base + i * share_size);
	for (i = 1; i < started; i++)
		pthread_join(tids[i], NULL);
}

unsigned ct__parallel_threads(unsigned asked, unsigned max)
{
	if (asked)
		return asked > max ? max : asked;
	return ct__cpu_count(max);
}

void ct__background_start(ct__background *bg, void *(*fn)(void *arg), void *arg)
{
	bg->fn = fn;
	bg->arg = arg;
	bg->started = pthread_create(&bg->tid, NULL, fn, arg) == 0;
}

void ct__background_join(ct__background *bg)
{
	if (bg->started)
		pthread_join(bg->tid, NULL);
	else
		bg->fn(bg->arg);
	bg->started = 0;
	bg->fn = NULL;
}
