/*
 * storebench: the store's operations timed inside one process, through the library, so that
 * the figures exclude process start-up (about 8 ms of it is libgit2 loading the system's CA
 * certificates, which every `claimtrail` and no `git` invocation pays).
 *
 *   storebench REPO KEY REPS LOG-ID [add] [log] [list]
 *   prints "add <ms>", "log <ms>", "list <ms>" (means), for the ones named (default: all)
 */
#include "claimtrail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int count(const ct_claim_summary *s, void *payload)
{
	(void)s;
	(*(size_t *)payload)++;
	return 0;
}

static int fail(void)
{
	fprintf(stderr, "storebench: %s\n", ct_error_last());
	return 1;
}

int main(int argc, char **argv)
{
	ct_store *store = NULL;
	ct_key *key = NULL;
	ct_write_opts opts = CT_WRITE_OPTS_INIT;
	int reps, i, want = 0;
	double t0;
	size_t n = 0;

	if (argc < 5 || ct_init() < 0) {
		fprintf(stderr, "usage: storebench REPO KEY REPS LOG-ID [add] [log] [list]\n");
		return 2;
	}
	for (i = 5; i < argc; i++) {
		if (strcmp(argv[i], "add") == 0)
			want |= 1;
		else if (strcmp(argv[i], "log") == 0)
			want |= 2;
		else if (strcmp(argv[i], "list") == 0)
			want |= 4;
	}
	if (!want)
		want = 7;
	reps = atoi(argv[3]);
	if (ct_store_open(&store, argv[1], NULL) < 0 || ct_key_read(&key, argv[2], NULL, 0) < 0)
		return fail();
	opts.signer = key;

	t0 = now_ms();
	for (i = 0; (want & 1) && i < reps; i++) {
		char id[64];
		json_t *fields;
		snprintf(id, sizeof(id), "inproc-%d-%ld-%ld", i, (long)time(NULL), (long)getpid());
		fields = json_pack("{s:s, s:s, s:{s:s}}", "id", id, "statement",
			"A claim added by the in-process benchmark.", "attribution", "source",
			"bench-source");
		if (ct_claim_add(NULL, store, fields, &opts) < 0)
			return fail();
		json_decref(fields);
	}
	if (want & 1)
		printf("add %.3f\n", (now_ms() - t0) / reps);

	t0 = now_ms();
	for (i = 0; (want & 2) && i < reps; i++) {
		ct_log *log = NULL;
		if (ct_store_log(&log, store, CT_KIND_CLAIM, argv[4]) < 0)
			return fail();
		ct_log_free(log);
	}
	if (want & 2)
		printf("log %.3f\n", (now_ms() - t0) / reps);

	t0 = now_ms();
	for (i = 0; (want & 4) && i < 3; i++)
		if (ct_store_list_claims(store, count, &n) < 0)
			return fail();
	if (want & 4)
		printf("list %.3f\n", (now_ms() - t0) / 3);
	ct_key_free(key);
	ct_store_free(store);
	ct_shutdown();
	return 0;
}
