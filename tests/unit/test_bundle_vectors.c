/*
 * The bundle conformance corpus (tests/vectors/bundle, docs/bundle.md section 8) through the C
 * verifier: for each case, the exit status claimtrail verify would give and the set of status
 * codes of each line must be the ones in its expected.json. tests/cli/bundle-vectors.sh runs
 * the same cases through the independent verifier (tests/independent/verify.mjs).
 */
#include "test.h"

#include <dirent.h>

/* The exit status of claimtrail verify for a library result (the man page, EXIT STATUS). */
static int exit_of(int error)
{
	if (error == 0)
		return 0;
	if (error == CT_EBADSIG || error == CT_EUNTRUSTED)
		return 1;
	if (error == CT_ENOTFOUND)
		return 3;
	return 4;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends {"line": N, "codes": [sorted, without repeats]} for each reported line. */
static void collect(const ct_bundle_line_report *l, void *payload)
{
	const char *codes[CT_BUNDLE_CODES_MAX];
	json_t *arr = json_array();
	size_t i;

	memcpy(codes, l->codes, l->ncodes * sizeof(*codes));
	qsort(codes, l->ncodes, sizeof(*codes), cmp_str);
	for (i = 0; i < l->ncodes; i++)
		if (i == 0 || strcmp(codes[i], codes[i - 1]) != 0)
			json_array_append_new(arr, json_string(codes[i]));
	json_array_append_new(
		payload, json_pack("{s:I, s:o}", "line", (json_int_t)l->line, "codes", arr));
}

static void run_case(const char *dir, const char *name)
{
	char path[2048], bundle[2048], trust[2048];
	json_t *expected, *lines = json_array();
	json_error_t jerr;
	int got_exit;

	snprintf(path, sizeof(path), "%s/%s/expected.json", dir, name);
	if (!(expected = json_load_file(path, 0, &jerr))) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		CHECK(0);
		json_decref(lines);
		return;
	}
	if (json_is_true(json_object_get(expected, "proof"))) {
		ct_bundle_proof_info info;
		snprintf(path, sizeof(path), "%s/%s/proof", dir, name);
		got_exit = exit_of(ct_bundle_proof_verify(&info, path,
			json_string_value(json_object_get(expected, "root")), NULL, 1));
	} else {
		ct_bundle_verify_opts o = CT_BUNDLE_VERIFY_OPTS_INIT;
		ct_bundle_info info;
		ct_keyring *ring = NULL;
		snprintf(bundle, sizeof(bundle), "%s/%s/bundle", dir, name);
		snprintf(trust, sizeof(trust), "%s/%s/trust", dir, name);
		CHECK_INT(ct_keyring_new(&ring), 0);
		/* a trust key that cannot be used: 4, whatever the reason (cli_fail_trust) */
		got_exit = ct_keyring_add_path(ring, trust) < 0 ? 4 : 0;
		if (got_exit == 0) {
			o.trust = ring;
			o.threshold =
				(size_t)json_integer_value(json_object_get(expected, "threshold"));
			got_exit = exit_of(ct_bundle_verify(&info, bundle, &o, collect, lines));
		}
		ct_keyring_free(ring);
		if (!json_equal(lines, json_object_get(expected, "lines"))) {
			char *a = json_dumps(lines, JSON_COMPACT);
			char *b = json_dumps(json_object_get(expected, "lines"), JSON_COMPACT);
			fprintf(stderr, "case %s: report\n  %s\nexpected\n  %s\n", name, a, b);
			free(a);
			free(b);
			CHECK(0);
		}
	}
	if (got_exit != json_integer_value(json_object_get(expected, "exit"))) {
		fprintf(stderr, "case %s: exit %d, expected %lld\n", name, got_exit,
			(long long)json_integer_value(json_object_get(expected, "exit")));
		CHECK(0);
	}
	test_checks++;
	json_decref(lines);
	json_decref(expected);
}

int main(void)
{
	const char *src = getenv("SRCDIR");
	char dir[1024];
	DIR *d;
	struct dirent *e;
	int cases = 0;

	CHECK(src != NULL);
	if (!src)
		return test_finish();
	snprintf(dir, sizeof(dir), "%s/tests/vectors/bundle", src);
	CHECK((d = opendir(dir)) != NULL);
	if (!d)
		return test_finish();
	while ((e = readdir(d))) {
		char probe[2048];
		FILE *f;
		snprintf(probe, sizeof(probe), "%s/%s/expected.json", dir, e->d_name);
		if (e->d_name[0] == '.' || !(f = fopen(probe, "r")))
			continue;
		fclose(f);
		run_case(dir, e->d_name);
		cases++;
	}
	closedir(d);
	/* docs/bundle.md promises at least 40 */
	CHECK(cases >= 40);
	fprintf(stderr, "%d cases\n", cases);
	return test_finish();
}
