/* claimtrail init, check and import: making, checking and filling a store in bulk. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	const char *key;
	const char *pass_file;
	const char *root;
	ct_keyring *trust;
	size_t threshold;
	int json;
	const char *reason;
	const char *format; /* import --format */
	int dry_run;	    /* import --dry-run */
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
	/* and the corrections that reached the claims: reported, not a failure of the store */
	error = ct_store_check_review(&findings, &review, store, &copts, print_finding, &st);
	cli_progress_end(&progress);
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
	CLI_STR("format", 0, "F",
		"csv or jsonl (default: csv for a FILE ending in .csv, else jsonl)", store_args,
		format),
	CLI_FLAG("dry-run", 'n', "check every claim and show what would be written; write nothing",
		store_args, dry_run),
	CLI_OPT_JSON("print the ids made (with --dry-run, the records) as JSON", store_args, json),
	CLI_END,
};

static const cli_cmd import_cmd = {"import",
	"usage: claimtrail [-C DIR] import FILE [--format csv|jsonl] [--dry-run] [--json]\n"
	"                            [--reason R] [--key FILE]\n\n"
	"Records many claims at once, all signed and committed as one commit; a bad line\n"
	"or row writes nothing and is named in the error. FILE ('-': standard input) is\n"
	"JSON lines, each one claim's fields, e.g.\n"
	"  {\"id\": \"x\", \"statement\": \"...\", \"attribution\": {\"source\": \"s\"}}\n"
	"or, when it ends in .csv or with --format csv, a spreadsheet saved as CSV: a header\n"
	"row naming the columns (id, statement, source, quote, location, quantity, unit,\n"
	"qualifier, tags; any case), then one claim per row. Prints the ids it made.\n\n"
	"'import claimreview FILE' reads ClaimReview JSON-LD instead (see its --help).\n",
	import_opts};

/* --format, or the file's name: a name ending in .csv (any case) is a spreadsheet. */
static int import_format(ct_import_format *out, const char *format, const char *path)
{
	size_t len = strlen(path);

	if (!format) {
		*out = len >= 4 && strcasecmp(path + len - 4, ".csv") == 0 ? CT_IMPORT_CSV
									   : CT_IMPORT_JSONL;
		return 0;
	}
	if (strcasecmp(format, "csv") == 0)
		*out = CT_IMPORT_CSV;
	else if (strcasecmp(format, "jsonl") == 0 || strcasecmp(format, "json") == 0)
		*out = CT_IMPORT_JSONL;
	else
		return cli_cmd_usage(
			&import_cmd, "--format \"%s\" is not one of csv, jsonl", format);
	return 0;
}

static void print_made(const json_t *made, int dry_run, int json)
{
	size_t i;
	json_t *m;

	if (json) {
		json_t *ids = json_array(), *out;
		json_array_foreach (made, i, m)
			json_array_append_new(
				ids, json_string(dry_run ? ct_record_id(m) : json_string_value(m)));
		out = json_pack(
			"{s:I, s:o}", "count", (json_int_t)json_array_size(made), "ids", ids);
		if (dry_run) {
			json_object_set_new(out, "dry_run", json_true());
			json_object_set(out, "records", (json_t *)made);
		}
		cli_print_json(out);
		json_decref(out);
		return;
	}
	json_array_foreach (made, i, m) {
		if (!dry_run) {
			printf("%s\n", json_string_value(m));
			continue;
		}
		const json_t *attr = json_object_get(m, "attribution");
		const json_t *sel = json_object_get(attr, "selector");
		printf("claim %s\n  statement:  %s\n  source:     %s\n", ct_record_id(m),
			json_string_value(json_object_get(m, "statement")),
			json_string_value(json_object_get(attr, "source")));
		if (json_object_get(attr, "quote"))
			printf("  quote:      \"%s\"%s\n",
				json_string_value(json_object_get(attr, "quote")),
				sel ? "" : " (not checked: the source has no text)");
		if (json_object_get(m, "quantity")) {
			printf("  quantity:   ");
			cli_print_quantity(json_object_get(m, "quantity"));
			printf("\n");
		}
	}
}

int cmd_import(ct_cli *cli, int argc, char **argv)
{
	store_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_import_opts iopts = CT_IMPORT_OPTS_INIT;
	cli_progress progress;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *made = NULL;
	size_t count = 0;
	int status, error = 0;

	if (argc > 1 && strcmp(argv[1], "claimreview") == 0)
		return cmd_import_claimreview(cli, argc - 1, argv + 1);
	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&import_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	wopts.reason = a.reason;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&import_cmd, "expected one FILE");
		goto out;
	}
	if ((status = import_format(&iopts.format, a.format, argv[optind])) != 0)
		goto out;
	iopts.dry_run = a.dry_run;
	/* a dry run signs nothing: no key, no passphrase */
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(!a.dry_run && (error = cli_load_key(&key, a.key, a.pass_file)) < 0))
		goto done;
	wopts.signer = key;
	cli_progress_init(&progress, "import");
	wopts.progress = cli_progress_fn;
	wopts.progress_payload = &progress;
	error = ct_store_import_ext(&made, &count, store, argv[optind], &iopts, &wopts);
	cli_progress_end(&progress);
	if (error < 0)
		goto done;
	print_made(made, a.dry_run, a.json);
	if (a.json)
		;
	else if (a.dry_run)
		printf("would import %zu claim%s (dry run: nothing written)\n", count,
			count == 1 ? "" : "s");
	else
		printf("imported %zu claim%s\n", count, count == 1 ? "" : "s");
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	json_decref(made);
	ct_store_free(store);
	ct_key_free(key);
	return status;
}
