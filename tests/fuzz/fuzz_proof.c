/*
 * libFuzzer target: inclusion proof files (docs/bundle.md) on arbitrary bytes, checked against
 * the example bundle's Merkle root with the example keys as trust. Nothing may crash or leak,
 * and no proof may be accepted but those `bundle prove` makes of the example bundle: a fuzzer
 * cannot sign or find a hash path, so an accepted proof must name a record of that bundle with
 * its genuine bytes. Build as fuzz_record.c says, then run from the repository's top folder:
 *   mkdir -p /tmp/proof && build-fuzz/tests/fuzz_proof -max_total_time=120 /tmp/proof tests/fuzz/corpus/proof
 * (libFuzzer adds what it finds to the first folder: keep the committed seeds as they are).
 */
#include "claimtrail.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *trust_files[] = {"examples/example-key.INSECURE-PUBLISHED-TEST-KEY.pub",
	"examples/editor.INSECURE-EXAMPLE-KEY.pub"};
static ct_keyring *trust;
static char root[65];
static uint64_t records;
static char path[] = "/tmp/fuzz-proof-XXXXXX";

static void setup(void)
{
	ct_bundle_info info;
	size_t i;
	int fd;

	if (ct_init() < 0 || ct_keyring_new(&trust) < 0)
		abort();
	for (i = 0; i < sizeof(trust_files) / sizeof(trust_files[0]); i++)
		if (ct_keyring_add_path(trust, trust_files[i]) < 0) {
			fprintf(stderr, "fuzz_proof: %s (run from the repository's top folder)\n",
				ct_error_last());
			abort();
		}
	if (ct_bundle_info_read(&info, "examples/claims.bundle") < 0) {
		fprintf(stderr, "fuzz_proof: %s\n", ct_error_last());
		abort();
	}
	memcpy(root, info.root, sizeof(root));
	records = info.records;
	if ((fd = mkstemp(path)) < 0)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ct_bundle_proof_info info;
	int fd;

	if (!ready) {
		setup();
		ready = 1;
	}
	if ((fd = open(path, O_WRONLY | O_TRUNC)) < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	/* accepted: it can only be a leaf of the example bundle's tree */
	if (ct_bundle_proof_verify(&info, path, root, NULL, 0) == 0 &&
		(info.size != records || info.index >= info.size))
		abort();
	(void)ct_bundle_proof_verify(&info, path, root, trust, 1);
	(void)ct_bundle_proof_verify(&info, path, "00", trust, 1);
	return 0;
}
