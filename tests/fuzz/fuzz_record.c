/*
 * libFuzzer target: the strict parser, the canonical serializer and the record schemas on
 * arbitrary bytes. Canonical output must parse again and be a fixed point. Build with
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Db_lundef=false
 *   ninja -C build-fuzz && build-fuzz/tests/fuzz_record -max_total_time=60 CORPUS_DIR
 * (tests/data/jsontestsuite/test_parsing is a good seed corpus).
 */
#include "claimtrail.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	json_t *value = NULL, *again = NULL;
	ct_buf canon = CT_BUF_INIT, canon2 = CT_BUF_INIT;
	int mode;

	if (!ready) {
		if (ct_init() < 0)
			abort();
		ready = 1;
	}
	for (mode = 0; mode < 2; mode++) {
		if (ct_json_parse(&value, data, size, mode ? CT_JSON_RECORD : CT_JSON_TEXT) < 0)
			continue;
		if (ct_json_canon(&canon, value) < 0)
			abort(); /* anything parsed can be canonicalized */
		if (ct_json_parse(&again, (const uint8_t *)canon.ptr, canon.len, CT_JSON_TEXT) <
				0 ||
			ct_json_canon(&canon2, again) < 0 || canon.len != canon2.len ||
			memcmp(canon.ptr, canon2.ptr, canon.len) != 0)
			abort(); /* canonical form is a fixed point */
		if (mode)
			(void)ct_record_validate(value);
		json_decref(again);
		json_decref(value);
		again = value = NULL;
		ct_buf_clear(&canon);
		ct_buf_clear(&canon2);
	}
	ct_buf_free(&canon);
	ct_buf_free(&canon2);
	return 0;
}
