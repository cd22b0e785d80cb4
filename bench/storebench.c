/*
 * storebench: the store's operations timed inside one process, through the library, so that
 * the figures exclude process start-up (about 8 ms of it is libgit2 loading the system's CA
 * certificates, which every `claimtrail` and no `git` invocation pays).
 *
 *   storebench REPO KEY REPS LOG-ID [add] [log] [list] [sigloop]
 *   prints "add <ms>", "log <ms>", "list <ms>" (means), for the ones named (default: the three)
 *
 * sigloop: the floor under the first `list` after a clone (issue 19, point 2), which must check
 * every claim's signature: the bare crypto_sign_verify_detached loop (sigloop.c, the one
 * bench/bundle_verify.c times) over the signing inputs and signatures by KEY of every claim's
 * latest revision in the store, gathered first (untimed), then checked on 2 threads; prints
 * "sigloop <wall ms> <user+sys CPU ms> <signatures>".
 */
#include "claimtrail.h"
#include "sigloop.h"

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

typedef struct {
	char **ids;
	size_t count, cap;
} id_list;

static int collect(const ct_claim_summary *s, void *payload)
{
	id_list *l = payload;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		char **ids = realloc(l->ids, cap * sizeof(*ids));
		if (!ids)
			return -1;
		l->ids = ids;
		l->cap = cap;
	}
	return (l->ids[l->count++] = strdup(s->id)) ? 0 : -1;
}

/* The signing input and KEY's signature of every claim's latest revision: -1 on failure. */
static int gather(signed_msg **out, size_t *count, ct_store *store, const ct_key *key)
{
	id_list l = {NULL, 0, 0};
	signed_msg *msgs = NULL;
	size_t i, j, n = 0, len;
	int error = -1;

	if (ct_store_list_claims(store, collect, &l) < 0 ||
		!(msgs = calloc(l.count ? l.count : 1, sizeof(*msgs))))
		goto done;
	for (i = 0; i < l.count; i++) {
		json_t *rec = NULL, *e;
		ct_buf body = CT_BUF_INIT, pae = CT_BUF_INIT;
		int found = 0;
		if (ct_store_get(&rec, store, CT_KIND_CLAIM, l.ids[i], 0) < 0 ||
			ct_record_body(&body, rec) < 0 ||
			ct_pae(&pae, ct_kind_payload_type(CT_KIND_CLAIM), (const uint8_t *)body.ptr,
				body.len) < 0) {
			json_decref(rec);
			goto done;
		}
		json_array_foreach (json_object_get(rec, "signatures"), j, e)
			if (!found &&
				strcmp(json_string_value(json_object_get(e, "key_id")),
					ct_key_id(key)) == 0 &&
				ct_base64_decode(msgs[n].sig, 64, &len,
					json_string_value(json_object_get(e, "sig"))) == 0 &&
				len == 64)
				found = 1;
		if (found) { /* a claim another key signed is not in the loop */
			msgs[n].len = pae.len;
			msgs[n++].msg = (uint8_t *)ct_buf_detach(&pae);
		}
		ct_buf_free(&body);
		ct_buf_free(&pae);
		json_decref(rec);
	}
	error = 0;
done:
	for (i = 0; i < l.count; i++)
		free(l.ids[i]);
	free(l.ids);
	*out = msgs;
	*count = n;
	return error;
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
		fprintf(stderr,
			"usage: storebench REPO KEY REPS LOG-ID [add] [log] [list] [sigloop]\n");
		return 2;
	}
	for (i = 5; i < argc; i++) {
		if (strcmp(argv[i], "add") == 0)
			want |= 1;
		else if (strcmp(argv[i], "log") == 0)
			want |= 2;
		else if (strcmp(argv[i], "list") == 0)
			want |= 4;
		else if (strcmp(argv[i], "sigloop") == 0)
			want |= 8;
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

	if (want & 8) {
		signed_msg *msgs = NULL;
		double wall, cpu;
		size_t count = 0;
		if (gather(&msgs, &count, store, key) < 0)
			return fail();
		wall = sigloop_run(msgs, count, ct_key_public_bytes(key), NULL, NULL, 2, &cpu);
		if (wall < 0) {
			fprintf(stderr, "storebench: a signature does not verify\n");
			return 1;
		}
		printf("sigloop %.3f %.3f %zu\n", wall * 1e3, cpu * 1e3, count);
		for (size_t i = 0; i < count; i++)
			free(msgs[i].msg);
		free(msgs);
	}
	ct_key_free(key);
	ct_store_free(store);
	ct_shutdown();
	return 0;
}
