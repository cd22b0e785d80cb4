/*
 * libFuzzer target: bundle reading and verification on arbitrary bytes. Whatever the input,
 * verify, info, sniff, diff and prove must not crash or leak, and verify must accept nothing
 * but the example bundle itself, byte for byte: a fuzzer cannot sign, so any other input it
 * finds accepted means a changed byte got through. Build as fuzz_record.c says, then run from
 * the repository's top folder (it reads examples/):
 *   build-fuzz/tests/fuzz_bundle -max_total_time=600 -malloc_limit_mb=256 CORPUS_DIR
 * with examples/claims.bundle (and cuts of it) in CORPUS_DIR as seeds.
 */
#include "claimtrail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *example_bundle = "examples/claims.bundle";
static const char *trust_files[] = {"examples/example-key.INSECURE-PUBLISHED-TEST-KEY.pub",
	"examples/editor.INSECURE-EXAMPLE-KEY.pub"};

static ct_keyring *trust;
static ct_buf genuine = CT_BUF_INIT;
static char input_path[] = "/tmp/fuzz-bundle-XXXXXX";
static char proof_path[64];

static void setup(void)
{
	size_t i;
	int fd;

	if (ct_init() < 0 || ct_keyring_new(&trust) < 0)
		abort();
	for (i = 0; i < sizeof(trust_files) / sizeof(trust_files[0]); i++)
		if (ct_keyring_add_path(trust, trust_files[i]) < 0) {
			fprintf(stderr, "fuzz_bundle: %s (run from the repository's top folder)\n",
				ct_error_last());
			abort();
		}
	if (ct_file_read(&genuine, example_bundle, 64 << 20) < 0)
		abort();
	if ((fd = mkstemp(input_path)) < 0)
		abort();
	close(fd);
	snprintf(proof_path, sizeof(proof_path), "%s.proof", input_path);
}

static void ignore(const ct_bundle_line_report *line, void *payload)
{
	(void)line;
	(void)payload;
}

static int count_change(const ct_bundle_change *change, void *payload)
{
	(void)change;
	++*(size_t *)payload;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ct_bundle_verify_opts opts = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_bundle_info info;
	ct_bundle_proof_info proved;
	size_t changes = 0;
	FILE *f;
	int rc;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (!(f = fopen(input_path, "wb")) || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	opts.trust = trust;
	opts.threads = 1;
	rc = ct_bundle_verify(&info, input_path, &opts, ignore, NULL);
	if (rc == 0 && (size != genuine.len || memcmp(data, genuine.ptr, size) != 0)) {
		fprintf(stderr,
			"fuzz_bundle: verify accepted a bundle that is not the example's\n");
		abort();
	}
	ct_error_clear();
	(void)ct_bundle_info_read(&info, input_path);
	(void)ct_bundle_sniff(input_path);
	(void)ct_bundle_diff(example_bundle, input_path, count_change, &changes);
	if (ct_bundle_prove(input_path, "crocus-attack-attributed-to-iskp", proof_path) == 0)
		(void)ct_bundle_proof_verify(&proved, proof_path, info.root, trust, 1);
	unlink(proof_path);
	ct_error_clear();
	return 0;
}
