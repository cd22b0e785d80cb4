/* claimtrail init, check and import: making, checking and filling a store in bulk. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cmd_init(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"root", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *key_path = NULL, *pass_file = NULL;
	ct_key *key = NULL;
	ct_store *store = NULL;
	int error, c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hk:", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'p': pass_file = optarg; break;
		case 'r': cli->root = optarg; break;
		case 'h':
			printf("usage: claimtrail [-C DIR] init [--root DIR] [--key FILE]\n\n"
			       "Makes a store (default folder: claims/) in the git repository at DIR,\n"
			       "creating the repository when there is none, and records the signing\n"
			       "key's public half in it. The key comes from --key or $CLAIMTRAIL_KEY.\n");
			return CT_EXIT_OK;
		default:
			return cli_usage("init: unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage("init: unexpected argument '%s'", argv[optind]);
	if ((error = cli_load_key(&key, key_path, pass_file)) < 0 ||
		(error = ct_store_init(&store, cli->repo, cli->root, key)) < 0)
		goto done;
	printf("initialised claimtrail store %s/ signed by key %s\n", ct_store_root(store),
		ct_key_id(key));
done:
	ct_store_free(store);
	ct_key_free(key);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}

/* Findings are printed as they come, or (--json) collected into payload's array. */
static void print_finding(const char *finding, void *payload)
{
	if (payload)
		json_array_append_new(payload, json_string(finding));
	else
		printf("%s\n", finding);
}

int cmd_check(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"trust", required_argument, NULL, 't'},
		{"threshold", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ct_check_opts copts = CT_CHECK_OPTS_INIT;
	json_t *found = NULL;
	ct_keyring *trust = NULL, *ring = NULL;
	ct_trust_info info;
	char why[256];
	ct_store *store = NULL;
	size_t findings = 0;
	int error = 0, c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!trust && (error = ct_keyring_new(&trust)) < 0)
				goto done;
			if ((error = ct_keyring_add_path(trust, optarg)) < 0)
				goto done;
			break;
		case 'n':
			if (cli_parse_count(&copts.threshold, optarg, 100) < 0) {
				ct_keyring_free(trust);
				return cli_usage("check: --threshold takes a number from 1 to 100");
			}
			break;
		case 'j':
			if (!found)
				found = json_array();
			break;
		case 'h':
			printf("usage: claimtrail [-C DIR] check [--trust KEYS]... [--threshold N] [--json]\n\n"
			       "Verifies the whole store: schemas, signatures, revision chains, references,\n"
			       "that every record was written by claimtrail, and that none that history\n"
			       "shows was written is gone. One line per finding; exit status 1 when\n"
			       "there is any. Trusted: the trust list ('claimtrail trust') and the\n"
			       "--trust keys; with neither, the keys recorded in the store, as given (the\n"
			       "first line says which). --threshold N requires N distinct trusted signers\n"
			       "on every claim. --json prints {\"ok\": BOOL, \"trust\": LINE,\n"
			       "\"findings\": [LINE...]}.\n");
			ct_keyring_free(trust);
			return CT_EXIT_OK;
		default:
			ct_keyring_free(trust);
			return cli_usage("check: unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc) {
		ct_keyring_free(trust);
		return cli_usage("check: unexpected argument '%s'", argv[optind]);
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = ct_store_trust(&ring, &info, store, trust)) < 0)
		goto done;
	/* which keys are trusted, and why, before anything they decide */
	cli_trust_line(why, sizeof(why), &info, ct_store_root(store));
	if (!found)
		printf("%s\n", why);
	copts.trust = ring;
	error = ct_store_check(&findings, store, &copts, print_finding, found);
	if (found && (error == 0 || error == CT_EBADSIG)) {
		json_t *out = json_pack("{s:b, s:s, s:O}", "ok", error == 0, "trust", why,
			"findings", found);
		cli_print_json(out);
		json_decref(out);
	} else if (error == 0) {
		printf("store %s/: OK\n", ct_store_root(store));
	}
done:
	json_decref(found);
	ct_store_free(store);
	ct_keyring_free(trust);
	ct_keyring_free(ring);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}

int cmd_import(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"reason", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	const char *key_path = NULL, *pass_file = NULL;
	ct_store *store = NULL;
	ct_key *key = NULL;
	size_t count = 0;
	int error, c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hk:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'p': pass_file = optarg; break;
		case 'm': wopts.reason = optarg; break;
		case 'h':
			printf("usage: claimtrail [-C DIR] import FILE.jsonl [--reason R] [--key FILE]\n\n"
			       "Records many claims at once: each line of FILE ('-': standard input) is one\n"
			       "claim's fields as JSON, e.g.\n"
			       "  {\"id\": \"x\", \"statement\": \"...\", \"attribution\": {\"source\": \"s\"}}\n"
			       "All are signed and committed as one commit; a bad line writes nothing.\n");
			return CT_EXIT_OK;
		default:
			return cli_usage("import: unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("import: expected one FILE");
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_load_key(&key, key_path, pass_file)) < 0)
		goto done;
	wopts.signer = key;
	if ((error = ct_store_import_file(&count, store, argv[optind], &wopts)) < 0)
		goto done;
	printf("imported %zu claim%s\n", count, count == 1 ? "" : "s");
done:
	ct_store_free(store);
	ct_key_free(key);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}
