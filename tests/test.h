/* A tiny assertion helper for the C unit tests: prints file:line and the values, counts failures. */
#ifndef CT_TEST_H
#define CT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimtrail.h"

static int test_failures;
static int test_checks;

#define CHECK(cond) \
	do { \
		test_checks++; \
		if (!(cond)) { \
			test_failures++; \
			fprintf(stderr, "%s:%d: CHECK(%s) failed (last error: %s)\n", __FILE__, \
				__LINE__, #cond, ct_error_last()); \
		} \
	} while (0)

#define CHECK_INT(a, b) \
	do { \
		long long va_ = (long long)(a), vb_ = (long long)(b); \
		test_checks++; \
		if (va_ != vb_) { \
			test_failures++; \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld (last error: %s)\n", \
				__FILE__, __LINE__, #a, #b, va_, vb_, ct_error_last()); \
		} \
	} while (0)

#define CHECK_STR(a, b) \
	do { \
		const char *sa_ = (a), *sb_ = (b); \
		test_checks++; \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) { \
			test_failures++; \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, \
				__LINE__, #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
		} \
	} while (0)

/* Checks that the last error message contains needle. */
#define CHECK_ERROR_HAS(needle) \
	do { \
		test_checks++; \
		if (!strstr(ct_error_last(), (needle))) { \
			test_failures++; \
			fprintf(stderr, "%s:%d: error \"%s\" does not mention \"%s\"\n", __FILE__, \
				__LINE__, ct_error_last(), (needle)); \
		} \
	} while (0)

/* Removes a test's temporary folder and everything in it. */
static inline void test_remove_dir(const char *dir)
{
	char cmd[600];

	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) < (int)sizeof(cmd) && system(cmd) == 0)
		return;
	fprintf(stderr, "could not remove %s\n", dir);
}

static inline int test_finish(void)
{
	fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);
	return test_failures ? 1 : 0;
}

#endif
