/* claimtrail init, check and import: making, checking and filling a store in bulk. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *key;
	const char *pass_file;
	const char *root;
	ct_keyring *trust;
	size_t threshold;
	int json;
	const char *reason;
} store_args;

static const cli_opt init_opts[] = {
	CLI_OPT_KEY('k', store_args, key),
	CLI_OPT_PASSPHRASE_FILE(store_args, pass_file),
	CLI_STR("root", 0, "DIR", "the store folder in the repository (default claims)", store_args,
		root),
	CLI_END,
};

static const cli_cmd init_cmd = {"init",
	"usage: claimtrail [-C DIR] init [--root DIR] [--key FILE] [--passphrase-file FILE]\n\n"
	"Makes a store (default folder: claims/) in the git repository at DIR,\n"
	"creating the repository when there is none, and records the signing\n"
	"key's public half in it. The key comes from --key, $CLAIMTRAIL_KEY or git config\n"
	"claimtrail.key; an encrypted key's passphrase from --passphrase-file FILE,\n"
	"$CLAIMTRAIL_PASSPHRASE or a prompt.\n",
	init_opts};

int cmd_init(ct_cli *cli, int argc, char **argv)
{
	store_args a;
	ct_key *key = NULL;
	ct_store *store = NULL;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&init_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	if (a.root)
		cli->root = a.root;
	if (optind != argc) {
		status = cli_cmd_usage(&init_cmd, "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	if ((error = cli_load_key(&key, a.key, a.pass_file)) < 0 ||
		(error = ct_store_init(&store, cli->repo, cli->root, key)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	printf("initialised claimtrail store %s/ signed by key %s\n", ct_store_root(store),
		ct_key_id(key));
	status = CT_EXIT_OK;
done:
	ct_store_free(store);
	ct_key_free(key);
	return status;
}

typedef struct {
	json_t *found;		/* --json: the findings */
	cli_progress *progress; /* its line is erased before a finding is printed */
} check_state;

/* Findings are printed as they come, or (--json) collected into an array. */
static void print_finding(const char *finding, void *payload)
{
	check_state *s = payload;

	if (s->found) {
		json_array_append_new(s->found, json_string(finding));
		return;
	}
	cli_progress_end(s->progress);
	printf("%s%s%s\n", cli_paint(CLI_RED), finding, cli_paint(CLI_RESET));
	fflush(stdout);
}

static const cli_opt check_opts[] = {
	CLI_OPT_TRUST(CLI_TRUST_EXIT_4, store_args, trust),
	CLI_OPT_THRESHOLD(
		100, "require N distinct trusted signers on every claim", store_args, threshold),
	CLI_OPT_JSON("print {\"ok\", \"trust\", \"findings\"} as JSON", store_args, json),
	CLI_OPT_COLOR,
	CLI_END,
};

static const cli_cmd check_cmd = {"check",
	"usage: claimtrail [-C DIR] check [--trust KEYS]... [--threshold N] [--json]\n\n"
	"Verifies the whole store: schemas, signatures, revision chains, references,\n"
	"that every record was written by claimtrail, and that none that history\n"
	"shows was written is gone. One line per finding; exit status 1 when\n"
	"there is any. Trusted: the trust list ('claimtrail trust') and the\n"
	"--trust keys; with neither, the keys recorded in the store, as given (the\n"
	"first line says which). --threshold N requires N distinct trusted signers\n"
	"on every claim. --json prints {\"ok\": BOOL, \"trust\": LINE,\n"
	"\"findings\": [LINE...]}.\n",
	check_opts};

int cmd_check(ct_cli *cli, int argc, char **argv)
{
	store_args a;
	ct_check_opts copts = CT_CHECK_OPTS_INIT;
	json_t *found = NULL, *review = NULL;
	ct_keyring *ring = NULL;
	ct_trust_info info;
	char why[256];
	int rc;
	ct_store *store = NULL;
	size_t findings = 0;
	cli_progress progress;
	check_state st;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	cli_progress_init(&progress, "check");
	a.threshold = copts.threshold;
	if ((status = cli_parse(&check_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	copts.threshold = a.threshold;
	if (a.json)
		found = json_array();
	if (optind != argc) {
		status = cli_cmd_usage(&check_cmd, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = ct_store_trust(&ring, &info, store, a.trust)) < 0)
		goto done;
	/* which keys are trusted, and why, before anything they decide */
	cli_trust_line(why, sizeof(why), &info, ct_store_root(store));
	if (!found)
		printf("%s\n", why);
	copts.trust = ring;
	copts.progress = cli_progress_fn;
	copts.progress_payload = &progress;
	st.found = found;
	st.progress = &progress;
	error = ct_store_check(&findings, store, &copts, print_finding, &st);
	cli_progress_end(&progress);
	/* corrections that reached the claims: reported, not a failure of the store */
	if (error == 0 && (rc = ct_store_needs_review(&review, store)) < 0)
		error = rc;
	if (!found && review) {
		const char *id;
		json_t *reasons, *r;
		size_t i;
		json_object_foreach (review, id, reasons)
			json_array_foreach (reasons, i, r)
				printf("claim %s needs review: %s\n", id, json_string_value(r));
	}
	if (found && (error == 0 || error == CT_EBADSIG)) {
		json_t *out = json_pack("{s:b, s:s, s:O, s:O?}", "ok", error == 0, "trust", why,
			"findings", found, "needs_review", review);
		cli_print_json(out);
		json_decref(out);
	} else if (error == 0) {
		printf("store %s/: %sOK%s\n", ct_store_root(store), cli_paint(CLI_GREEN),
			cli_paint(CLI_RESET));
	}
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	json_decref(found);
	json_decref(review);
	ct_store_free(store);
	ct_keyring_free(a.trust);
	ct_keyring_free(ring);
	return status;
}

static const cli_opt import_opts[] = {
	CLI_OPT_KEY('k', store_args, key),
	CLI_OPT_PASSPHRASE_FILE(store_args, pass_file),
	CLI_STR("reason", 'm', "R", "the reason recorded with the claims", store_args, reason),
	CLI_END,
};

static const cli_cmd import_cmd = {"import",
	"usage: claimtrail [-C DIR] import FILE.jsonl [--reason R] [--key FILE]\n\n"
	"Records many claims at once: each line of FILE ('-': standard input) is one\n"
	"claim's fields as JSON, e.g.\n"
	"  {\"id\": \"x\", \"statement\": \"...\", \"attribution\": {\"source\": \"s\"}}\n"
	"All are signed and committed as one commit; a bad line writes nothing.\n",
	import_opts};

int cmd_import(ct_cli *cli, int argc, char **argv)
{
	store_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	cli_progress progress;
	ct_store *store = NULL;
	ct_key *key = NULL;
	size_t count = 0;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&import_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	wopts.reason = a.reason;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&import_cmd, "expected one FILE");
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto done;
	wopts.signer = key;
	cli_progress_init(&progress, "import");
	wopts.progress = cli_progress_fn;
	wopts.progress_payload = &progress;
	error = ct_store_import_file(&count, store, argv[optind], &wopts);
	cli_progress_end(&progress);
	if (error < 0)
		goto done;
	printf("imported %zu claim%s\n", count, count == 1 ? "" : "s");
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_store_free(store);
	ct_key_free(key);
	return status;
}
