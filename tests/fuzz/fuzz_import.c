/*
 * libFuzzer target: JSONL bulk import (docs/store.md, Bulk import) on arbitrary bytes, into a
 * store in a bare repository made once in /tmp with one source ("s1") and an unencrypted key.
 * Nothing may crash or leak; an import that succeeds must have committed one claim per
 * non-blank line, each readable again, within the record limit; the branch is then put back,
 * so that every input meets the same store. Build as fuzz_record.c says, then:
 *   mkdir -p /tmp/import && build-fuzz/tests/fuzz_import -max_total_time=120 /tmp/import tests/fuzz/corpus/import
 * (libFuzzer adds what it finds to the first folder: keep the committed seeds as they are).
 */
#include "claimtrail.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-import-XXXXXX";
static ct_store *store;
static ct_key *key;
static git_repository *repo;
static git_oid start;

static void setup(void)
{
	char path[128];
	json_t *fields = NULL;
	ct_runtime_opts rt = CT_RUNTIME_OPTS_INIT;

	rt.author_name = rt.committer_name = "fuzz";
	rt.author_email = rt.committer_email = "fuzz@example.invalid";
	if (ct_init() < 0 || ct_runtime_set(&rt) < 0 || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/repo.git", dir);
	if (git_repository_init(&repo, path, 1) < 0 || ct_key_generate(&key, "Fuzz", "Fuzz") < 0 ||
		ct_store_init(&store, path, NULL, key) < 0) {
		fprintf(stderr, "fuzz_import: %s\n", ct_error_last());
		abort();
	}
	{
		ct_write_opts o = CT_WRITE_OPTS_INIT;
		json_t *rec = NULL;
		o.signer = key;
		fields = json_pack("{s:s, s:s, s:s}", "id", "s1", "title", "T", "publisher", "P");
		if (!fields || ct_source_add(&rec, store, fields, NULL, 0, &o) < 0) {
			fprintf(stderr, "fuzz_import: %s\n", ct_error_last());
			abort();
		}
		json_decref(rec);
		json_decref(fields);
	}
	if (git_reference_name_to_id(&start, repo, "HEAD") < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ct_write_opts o = CT_WRITE_OPTS_INIT;
	size_t count = 0;
	git_oid head;

	if (!ready) {
		setup();
		ready = 1;
	}
	o.signer = key;
	o.max_retries = 1;
	if (ct_store_import(&count, store, data, size, &o) == 0) {
		git_reference *ref = NULL, *moved = NULL;
		if (count == 0)
			abort(); /* an import of nothing is refused */
		if (git_reference_name_to_id(&head, repo, "HEAD") < 0 ||
			git_oid_equal(&head, &start))
			abort(); /* it said it imported: the branch must have moved */
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
	return 0;
}
