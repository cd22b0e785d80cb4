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

static void verify_usage(FILE *out)
{
	fprintf(out,
		"usage: claimtrail verify FILE --trust KEYS [--trust KEYS...] [--threshold N] [--json]\n"
		"       claimtrail verify BUNDLE --trust KEYS [--threshold N] [--json]\n"
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
		"A --trust key that cannot be used (missing, or not a valid key record) exits 4.\n");
}

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
		printf("%s %s: OK (signed by ", type, id);
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

int cmd_verify(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"trust", required_argument, NULL, 't'},
		{"threshold", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"proof", required_argument, NULL, 'P'},
		{"root", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ct_keyring *ring = NULL;
	verify_opts o = {NULL, 1, 0};
	const char *path;
	const char *proof = NULL, *root = NULL;
	int status = CT_EXIT_OK;
	int error;
	int c;

	if ((error = ct_keyring_new(&ring)) < 0)
		return cli_fail(error);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if ((error = ct_keyring_add_path(ring, optarg)) < 0) {
				status = cli_fail_trust(error);
				goto done;
			}
			break;
		case 'n':
			if (cli_parse_count(&o.threshold, optarg, THRESHOLD_MAX) < 0) {
				status = cli_usage("verify: --threshold takes a number from 1 to %d",
					THRESHOLD_MAX);
				goto done;
			}
			break;
		case 'j':
			o.as_json = 1;
			break;
		case 'P':
			proof = optarg;
			break;
		case 'R':
			root = optarg;
			break;
		case 'h':
			verify_usage(stdout);
			goto done;
		default:
			status = cli_usage("verify: unknown option or missing value '%s'",
				argv[optind - 1]);
			goto done;
		}
	}
	if (proof || root) {
		if (!proof || !root || argc - optind != 0)
			status = cli_usage("verify: expected --proof PROOF --root ROOT");
		else
			status = cli_verify_proof(proof, root, ct_keyring_count(ring) ? ring : NULL,
				o.threshold);
		goto done;
	}
	if (argc - optind != 1) {
		status = cli_usage("verify: expected one FILE");
		goto done;
	}
	/* the trust list of the repository at -C (when there is one) adds to --trust */
	if ((error = ct_trust_keyring_add(ring, NULL, NULL, cli->repo)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (ct_keyring_count(ring) == 0) {
		status = cli_usage("verify: name the keys you trust with --trust KEY.pub (or add them "
				   "with 'claimtrail trust add')");
		goto done;
	}
	path = argv[optind];
	o.trust = ring;
	if (ct_bundle_sniff(path)) {
		status = cli_verify_bundle(path, ring, o.threshold, o.as_json);
		goto done;
	}
	status = verify_record_file(path, &o);
done:
	ct_keyring_free(ring);
	return status;
}
