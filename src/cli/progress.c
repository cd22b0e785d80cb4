/*
 * The progress line of long work (import, bundle create, verify and import, check): the library
 * calls cli_progress_fn through its options; this draws one line on standard error, overwritten
 * with \r a few times a second, and only when standard error is a terminal.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The least time between two drawings of the line, in seconds. */
#define PROGRESS_INTERVAL 0.2

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, const char *what)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->on = isatty(STDERR_FILENO);
}

/* 1234567 as "1,234,567". */
static void grouped(char *out, size_t size, uint64_t n)
{
	char digits[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

static void draw(cli_progress *p, double t)
{
	char done[32], total[32], line[256];
	double elapsed = t - p->start;
	double rate = elapsed > 0 ? (double)(p->done - p->first) / elapsed : 0;
	int n;

	grouped(done, sizeof(done), p->done);
	grouped(total, sizeof(total), p->total);
	n = snprintf(line, sizeof(line), "%s: %s %s%s%s", p->what, p->stage, done,
		p->total ? " of " : "", p->total ? total : "");
	if (n > 0 && (size_t)n < sizeof(line) && rate > 0) {
		char r[32];
		grouped(r, sizeof(r), (uint64_t)(rate + 0.5));
		n += snprintf(line + n, sizeof(line) - (size_t)n, " (%s/s", r);
		if (p->total > p->done)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ", %.0f s left",
				(double)(p->total - p->done) / rate + 0.5);
		if ((size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t)n, ")");
	}
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->drawn = 1;
	p->last = t;
}

void cli_progress_fn(const ct_progress *progress, void *payload)
{
	cli_progress *p = payload;
	double t;

	if (!p->on)
		return;
	t = now();
	if (!p->stage || strcmp(p->stage, progress->stage) != 0) {
		/* a new stage: its own count and rate */
		snprintf(p->stage_buf, sizeof(p->stage_buf), "%s", progress->stage);
		p->stage = p->stage_buf;
		p->start = t;
		p->first = progress->done;
		p->last = 0;
	}
	p->done = progress->done;
	p->total = progress->total ? progress->total : p->expected;
	if (p->total < p->done)
		p->total = 0; /* an estimate that fell short: no total rather than a wrong one */
	if (t - p->last >= PROGRESS_INTERVAL || (p->total && p->done == p->total))
		draw(p, t);
}

void cli_progress_end(cli_progress *p)
{
	if (p->on && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = 0;
}
