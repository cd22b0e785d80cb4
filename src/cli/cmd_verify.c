/*
 * claimtrail verify: checks the signatures on a record file against trust roots that the
 * verifier names. verify_record_file() is one branch; a bundle branch goes beside it.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define THRESHOLD_MAX 64

typedef struct {
	const ct_keyring *trust;
	size_t threshold;
	int as_json;
} verify_opts;

typedef struct {
	ct_keyring *trust;
	size_t threshold;
	int json;
	const char *proof;
	const char *root;
	const char *state;
	const char *max_age;
} verify_args;

static const cli_opt verify_opts_table[] = {
	CLI_OPT_TRUST(CLI_TRUST_EXIT_4, verify_args, trust),
	CLI_OPT_THRESHOLD(THRESHOLD_MAX,
		"at least N distinct trusted keys must have signed (default 1)", verify_args,
		threshold),
	CLI_OPT_JSON("print the report as JSON", verify_args, json),
	CLI_STR("proof", 0, "PROOF", "check the inclusion proof PROOF (with --root)", verify_args,
		proof),
	CLI_STR("root", 0, "ROOT", "the Merkle root the proof is checked against", verify_args,
		root),
	CLI_STR("state", 0, "FILE",
		"bundles: remember each signer's newest bundle in FILE and refuse an older one",
		verify_args, state),
	CLI_STR("max-age", 0, "DURATION",
		"bundles, with --state: refuse a bundle made longer ago (30d, 12h, 90m, 2w, 600s)",
		verify_args, max_age),
	CLI_OPT_COLOR,
	CLI_END,
};

static const cli_cmd verify_cmd = {"verify",
	"usage: claimtrail verify FILE --trust KEYS [--trust KEYS...] [--threshold N] [--json]\n"
	"       claimtrail verify BUNDLE --trust KEYS [--threshold N] [--json]\n"
	"                                [--state FILE [--max-age DURATION]]\n"
	"       claimtrail verify --proof PROOF --root ROOT [--trust KEYS]\n"
	"\n"
	"Verifies the signatures on the record in FILE against the trusted public keys: each\n"
	"--trust names a public key record (KEY.pub) or a folder of them (*.pub, *.json; every\n"
	"such file must be a valid, self-signed key record). The record passes when no\n"
	"signature by a trusted key is bad and at least N (default 1) distinct trusted,\n"
	"unrevoked keys signed it. Exit status 0 when it passes, 1 when it does not,\n"
	"4 when FILE or a key cannot be read.\n"
	"\n"
	"When FILE is a bundle (docs/bundle.md), every line is checked and reported with a\n"
	"status code; --threshold N then applies to each claim's current revision (every\n"
	"other record needs one signer); CLAIMTRAIL_THREADS sets how many threads check\n"
	"signatures. With --proof, checks that the proof's record is in the bundle whose\n"
	"Merkle root is ROOT (and, with --trust, its signatures), without the bundle.\n"
	"With --state FILE, a bundle that verifies is also compared with the newest bundle by\n"
	"the same signer that FILE remembers: an older one (rollback) is refused, and with\n"
	"--max-age one made longer ago than DURATION (freeze); otherwise FILE remembers it\n"
	"(docs/bundle.md, \"Freshness\").\n"
	"A --trust key that cannot be used (missing, or not a valid key record) exits 4.\n",
	verify_opts_table};

static int print_report(const json_t *rec, const ct_verify_report *r, int error, int as_json)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *id = ct_record_id(rec);
	json_t *out = NULL, *signers = NULL;
	size_t i, n = r->trusted < CT_VERIFY_SIGNERS_MAX ? r->trusted : CT_VERIFY_SIGNERS_MAX;
	int status;

	if (!as_json) {
		if (error < 0)
			return cli_fail(error);
		printf("%s %s: %sOK%s (signed by ", type, id, cli_paint(CLI_GREEN),
			cli_paint(CLI_RESET));
		for (i = 0; i < n; i++)
			printf("%s%s", i ? ", " : "", r->signers[i]);
		printf("%s; %zu trusted of %zu signature%s)\n", r->trusted > n ? ", ..." : "",
			r->trusted, r->signatures, r->signatures == 1 ? "" : "s");
		return CT_EXIT_OK;
	}
	if (!(signers = json_array()))
		goto oom;
	for (i = 0; i < n; i++)
		if (json_array_append_new(signers, json_string(r->signers[i])) < 0)
			goto oom;
	out = json_pack("{s:s?, s:s?, s:b, s:I, s:I, s:I, s:I, s:I, s:o}", "type", type, "id", id,
		"ok", error == 0, "signatures", (json_int_t)r->signatures, "trusted",
		(json_int_t)r->trusted, "bad", (json_int_t)r->bad, "untrusted",
		(json_int_t)r->untrusted, "revoked", (json_int_t)r->revoked, "signers", signers);
	signers = NULL; /* stolen by "o", on failure too */
	if (!out)
		goto oom;
	if (error < 0 && json_object_set_new(out, "error", json_string(ct_error_last())) < 0)
		goto oom;
	status = cli_print_json(out);
	json_decref(out);
	return status == CT_EXIT_OK && error < 0 ? cli_exit_status(error) : status;
oom:
	json_decref(signers);
	json_decref(out);
	return cli_fail(ct_error_set(CT_ENOMEM, "out of memory"));
}

/* Verifies the single record in the file at path. Returns an exit status. */
static int verify_record_file(const char *path, const verify_opts *o)
{
	json_t *rec = NULL;
	ct_verify_report report;
	int status;
	int error;

	if ((error = cli_read_record(&rec, path)) < 0)
		return cli_fail(error);
	error = ct_record_verify(&report, rec, o->trust, o->threshold);
	if (error < 0 && error != CT_EBADSIG && error != CT_EUNTRUSTED) {
		status = cli_fail(error);
		goto done;
	}
	status = print_report(rec, &report, error, o->as_json);
done:
	json_decref(rec);
	return status;
}

/* "30d", "12h", "90m", "2w", "600s" (or plain seconds) as seconds; -1 when it is none. */
static long long parse_duration(const char *text)
{
	char *end = NULL;
	long long n;

	if (!text || *text < '0' || *text > '9')
		return -1;
	n = strtoll(text, &end, 10);
	if (n <= 0 || n > 100LL * 365 * 86400)
		return -1;
	if (!*end || strcmp(end, "s") == 0)
		return n;
	if (strcmp(end, "m") == 0)
		return n * 60;
	if (strcmp(end, "h") == 0)
		return n * 3600;
	if (strcmp(end, "d") == 0)
		return n * 86400;
	if (strcmp(end, "w") == 0)
		return n * 7 * 86400;
	return -1;
}

int cmd_verify(ct_cli *cli, int argc, char **argv)
{
	verify_args a = {NULL, 1, 0, NULL, NULL, NULL, NULL};
	long long max_age = 0;
	verify_opts o = {NULL, 1, 0};
	const char *path;
	int status;
	int error;

	if ((status = cli_parse(&verify_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	if (!a.trust && (error = ct_keyring_new(&a.trust)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	o.threshold = a.threshold;
	o.as_json = a.json;
	if (a.proof || a.root) {
		if (!a.proof || !a.root || argc - optind != 0)
			status = cli_cmd_usage(&verify_cmd, "expected --proof PROOF --root ROOT");
		else
			status = cli_verify_proof(a.proof, a.root,
				ct_keyring_count(a.trust) ? a.trust : NULL, o.threshold);
		goto done;
	}
	if (argc - optind != 1) {
		status = cli_cmd_usage(&verify_cmd, "expected one FILE");
		goto done;
	}
	/* without --trust: $CLAIMTRAIL_TRUST or git config claimtrail.trust; the trust list of
	 * the repository at -C (when there is one) adds to them */
	if ((error = cli_default_trust(a.trust)) < 0) {
		status = cli_fail_trust(error);
		goto done;
	}
	if ((error = ct_trust_keyring_add(a.trust, NULL, NULL, cli->repo)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (ct_keyring_count(a.trust) == 0) {
		status = cli_cmd_usage(&verify_cmd,
			"name the keys you trust with --trust KEY.pub (or add them with "
			"'claimtrail trust add')");
		goto done;
	}
	path = argv[optind];
	o.trust = a.trust;
	if (a.max_age && !a.state) {
		status = cli_cmd_usage(&verify_cmd, "--max-age needs --state FILE");
		goto done;
	}
	if (a.max_age && (max_age = parse_duration(a.max_age)) < 0) {
		status = cli_cmd_usage(&verify_cmd,
			"--max-age: '%s' is not a duration (e.g. 30d, 12h, 90m, 2w, 600s)",
			a.max_age);
		goto done;
	}
	if (ct_bundle_sniff(path)) {
		/* a rotated key is trusted through the key it succeeds (docs/keys.md); what cannot
		 * be read here only adds no trust, and verification reports it */
		if (ct_bundle_add_successors(a.trust, path, NULL) < 0)
			ct_error_clear();
		status = cli_verify_bundle(path, a.trust, o.threshold, o.as_json, a.state, max_age);
		goto done;
	}
	if (a.state) {
		status = cli_cmd_usage(&verify_cmd, "--state is for bundles; %s is a record", path);
		goto done;
	}
	status = verify_record_file(path, &o);
done:
	ct_keyring_free(a.trust);
	return status;
}
