/*
 * libFuzzer target: import claimreview (docs/export.md) on arbitrary bytes, into a store in a
 * bare repository made once in /tmp with an unencrypted key, the unmapped items skipped (so
 * that more inputs get as far as writing). Nothing may crash or leak; every item reported is
 * either mapped (a claim) or not (a problem), never both; an import that succeeds must have
 * moved the branch and written as many claims as it reports, each readable again with its
 * verdict; a refused one must leave the branch alone. The branch is put back after each
 * accepted input, so that every input meets the same store. Build as fuzz_record.c says, then:
 *   mkdir -p /tmp/cr && build-fuzz/tests/fuzz_claimreview -max_total_time=120 /tmp/cr tests/fuzz/corpus/claimreview
 */
#include "claimtrail.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-claimreview-XXXXXX";
static char input[160];
static ct_store *store;
static ct_key *key;
static git_repository *repo;
static git_oid start;

static void setup(void)
{
	char path[128];
	ct_runtime_opts rt = CT_RUNTIME_OPTS_INIT;

	rt.author_name = rt.committer_name = "fuzz";
	rt.author_email = rt.committer_email = "fuzz@example.invalid";
	if (ct_init() < 0 || ct_runtime_set(&rt) < 0 || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/repo.git", dir);
	snprintf(input, sizeof(input), "%s/input.json", dir);
	if (git_repository_init(&repo, path, 1) < 0 || ct_key_generate(&key, "Fuzz", "Fuzz") < 0 ||
		ct_store_init(&store, path, NULL, key) < 0 ||
		git_reference_name_to_id(&start, repo, "HEAD") < 0) {
		fprintf(stderr, "fuzz_claimreview: %s\n", ct_error_last());
		abort();
	}
}

typedef struct {
	size_t mapped;
	json_t *claims;
} seen;

static void item(const ct_claimreview_item *it, void *payload)
{
	seen *s = payload;

	if (!it->problem == !it->claim)
		abort(); /* mapped or not, never both, never neither */
	if (it->claim) {
		if (!it->verdict || !ct_verdict_find(it->verdict) || !it->source ||
			!it->review_source || !it->annotation)
			abort();
		json_array_append_new(s->claims, json_string(it->claim));
		s->mapped++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ct_write_opts o = CT_WRITE_OPTS_INIT;
	seen s = {0, NULL};
	size_t count = 0, i;
	git_oid head;
	FILE *f;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (!(f = fopen(input, "wb")) || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	o.signer = key;
	o.max_retries = 1;
	s.claims = json_array();
	if (ct_claim_review_import(&count, store, input, 1, &o, item, &s) == 0) {
		git_reference *ref = NULL, *moved = NULL;
		json_t *c;
		if (count == 0 || count != s.mapped)
			abort(); /* an import of nothing is refused; every claim is reported */
		if (git_reference_name_to_id(&head, repo, "HEAD") < 0 ||
			git_oid_equal(&head, &start))
			abort(); /* it said it imported: the branch must have moved */
		json_array_foreach (s.claims, i, c) {
			json_t *claim = NULL, *annotations = NULL;
			if (ct_store_get(&claim, store, CT_KIND_CLAIM, json_string_value(c), 0) <
					0 ||
				ct_store_annotations(&annotations, store, json_string_value(c)) <
					0 ||
				json_array_size(annotations) != 1)
				abort(); /* what it reported is there, with its verdict */
			json_decref(claim);
			json_decref(annotations);
		}
		/* back to the start, for the next input */
		if (git_repository_head(&ref, repo) < 0 ||
			git_reference_set_target(&moved, ref, &start, "fuzz: reset") < 0)
			abort();
		git_reference_free(moved);
		git_reference_free(ref);
	} else if (git_reference_name_to_id(&head, repo, "HEAD") < 0 ||
		!git_oid_equal(&head, &start)) {
		abort(); /* a refused import changed the store */
	}
	ct_error_clear();
	json_decref(s.claims);
	return 0;
}
