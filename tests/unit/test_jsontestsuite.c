/*
 * Runs the parser over every file of JSONTestSuite (test_parsing): y_* must parse, n_* must be
 * refused with a one-line "line L, column C: ..." error, i_* may go either way but must not
 * crash, hang or leak (the suite also runs under ASan/UBSan and valgrind). Every accepted text
 * must canonicalize, and its canonical form must parse back to the same canonical form.
 */
#include "test.h"

#include <dirent.h>

#define MAX_FILE (16 * 1024 * 1024)

/* y_ files our stricter rules refuse on purpose (docs/canonical-json.md), with the reason. */
static const struct {
	const char *name;
	const char *needle;
} policy_refusals[] = {
	{"y_object_duplicated_key.json", "duplicate object key \"a\""},
	{"y_object_duplicated_key_and_value.json", "duplicate object key \"a\""},
	{"y_object_escaped_null_in_key.json", "\\u0000 is not allowed"},
	{"y_string_null_escape.json", "\\u0000 is not allowed"},
};

static const char *policy_needle(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(policy_refusals) / sizeof(policy_refusals[0]); i++)
		if (strcmp(policy_refusals[i].name, name) == 0)
			return policy_refusals[i].needle;
	return NULL;
}

/* Checks the error left by a refusal: CT_EINVALID, one line, "line L, column C: ...". */
static void check_clean_error(const char *name, int error)
{
	unsigned long line, col;
	const char *msg = ct_error_last();

	test_checks++;
	if (error != CT_EINVALID || sscanf(msg, "line %lu, column %lu: ", &line, &col) != 2 ||
		line < 1 || col < 1 || strchr(msg, '\n')) {
		test_failures++;
		fprintf(stderr, "%s: unclean refusal (error %d): %s\n", name, error, msg);
	}
}

/* Canonical form must exist and be a fixed point: canon(parse(canon(x))) == canon(x). */
static void check_roundtrip(const char *name, const json_t *v)
{
	ct_buf c1 = CT_BUF_INIT, c2 = CT_BUF_INIT;
	json_t *again = NULL;

	test_checks++;
	if (ct_json_canon(&c1, v) < 0 ||
		ct_json_parse(&again, (const uint8_t *)c1.ptr, c1.len, CT_JSON_TEXT) < 0 ||
		ct_json_canon(&c2, again) < 0 || c1.len != c2.len ||
		memcmp(c1.ptr, c2.ptr, c1.len) != 0) {
		test_failures++;
		fprintf(stderr, "%s: canonical form is not stable (%s)\n", name, ct_error_last());
	}
	json_decref(again);
	ct_buf_free(&c1);
	ct_buf_free(&c2);
}

int main(void)
{
	const char *datadir = getenv("DATADIR");
	ct_buf dirpath = CT_BUF_INIT;
	DIR *dir = NULL;
	struct dirent *e;
	int counts[3] = {0, 0, 0}; /* y, n, i */
	int accepted_i = 0, policy = 0;

	CHECK(datadir != NULL);
	if (!datadir)
		return test_finish();
	CHECK_INT(ct_buf_printf(&dirpath, "%s/jsontestsuite/test_parsing", datadir), 0);
	CHECK((dir = opendir(dirpath.ptr)) != NULL);
	while (dir && (e = readdir(dir)) != NULL) {
		ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT;
		const char *name = e->d_name;
		const char *needle;
		json_t *v = NULL;
		int error;

		if (name[0] == '.' || strlen(name) < 3 || name[1] != '_')
			continue;
		CHECK_INT(ct_buf_printf(&path, "%s/%s", dirpath.ptr, name), 0);
		CHECK_INT(ct_file_read(&data, path.ptr, MAX_FILE), 0);
		ct_error_clear();
		error = ct_json_parse(&v, (const uint8_t *)data.ptr, data.len, CT_JSON_TEXT);
		switch (name[0]) {
		case 'y':
			counts[0]++;
			if ((needle = policy_needle(name)) != NULL) {
				policy++;
				check_clean_error(name, error);
				CHECK_ERROR_HAS(needle);
			} else {
				test_checks++;
				if (error < 0) {
					test_failures++;
					fprintf(stderr, "%s: refused: %s\n", name, ct_error_last());
				}
			}
			break;
		case 'n':
			counts[1]++;
			test_checks++;
			if (error == 0) {
				test_failures++;
				fprintf(stderr, "%s: accepted\n", name);
			} else {
				check_clean_error(name, error);
			}
			break;
		case 'i':
			counts[2]++;
			if (error == 0)
				accepted_i++;
			else
				check_clean_error(name, error);
			break;
		default: break;
		}
		if (error == 0)
			check_roundtrip(name, v);
		json_decref(v);
		ct_buf_free(&path);
		ct_buf_free(&data);
	}
	if (dir)
		closedir(dir);
	ct_buf_free(&dirpath);
	fprintf(stderr, "JSONTestSuite: %d y_ (%d refused by policy), %d n_, %d i_ (%d accepted)\n",
		counts[0], policy, counts[1], counts[2], accepted_i);
	CHECK(counts[0] + counts[1] + counts[2] > 300);
	CHECK(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
	CHECK_INT(policy, sizeof(policy_refusals) / sizeof(policy_refusals[0]));
	return test_finish();
}
