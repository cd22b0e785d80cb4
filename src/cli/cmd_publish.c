/* claimtrail publish: the store's (or a bundle's) claims as a static web site. Parsing and
 * printing only: the work is in src/lib/publish/. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char publish_usage[] =
	"usage: claimtrail publish -o DIR --base-url URL [--title TEXT]\n"
	"                          [ID... | --all | --tag T | --status S] [--json]\n"
	"                          [--as-of DATE] [--key SECRET] [--passphrase-file F]\n"
	"       claimtrail publish -o DIR --base-url URL --from BUNDLE --trust KEYS [...]\n"
	"\n"
	"Writes a static web site of the selected claims (default: all) into DIR: index.html\n"
	"with filters and a search box, one page per claim (with its schema.org ClaimReview\n"
	"when a verdict stands) and per source, and the signed bundles a reader verifies with\n"
	"'claimtrail verify'. The site works from file:// and from any web server and loads\n"
	"nothing from elsewhere. URL is the http or https address the site will be served from\n"
	"(each ClaimReview's url). Publishing again into DIR rewrites only what changed, and\n"
	"prints each file written or removed. The bundles are signed with --key (default\n"
	"$CLAIMTRAIL_KEY, git config claimtrail.key); without a key the site offers none.\n"
	"--as-of DATE publishes what the store said then (YYYY-MM-DD, its end, or a UTC time),\n"
	"from the branch's history. --from makes the same site from a bundle verified against\n"
	"KEYS, without a store.\n"
	"See docs/publish.md.\n";

typedef struct {
	ct_publish_opts o;
	int modes;
	const char *output;
	const char *from;
	const char *as_of; /* the store as it was then (ct_store_as_of) */
	const char *key;
	const char *pass_file;
	ct_keyring *trust;
	int json;
} publish_args;

static int select_claims(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	publish_args *a = args;

	a->modes++;
	if (strcmp(opt->name, "tag") == 0) {
		if (!*value)
			return cli_cmd_usage(cmd, "--tag: an empty tag names nothing");
		a->o.select = CT_BUNDLE_TAG;
		a->o.tag = value;
	} else if (strcmp(opt->name, "status") == 0) {
		a->o.select = CT_BUNDLE_STATUS;
		a->o.status = value;
	} else {
		a->o.select = CT_BUNDLE_ALL;
	}
	return 0;
}

static const cli_opt publish_opts[] = {
	CLI_STR("output", 'o', "DIR", "the folder to write the site into", publish_args, output),
	CLI_STR("base-url", 0, "URL", "the http(s) address the site will be served from",
		publish_args, o.base_url),
	CLI_STR("title", 0, "TEXT", "the site's title (default: Fact checks)", publish_args,
		o.title),
	CLI_FN("all", 0, CLI_NOVALUE, NULL, "every claim (the default)", select_claims),
	CLI_FN("tag", 0, CLI_VALUE, "T", "the claims tagged T", select_claims),
	CLI_FN("status", 0, CLI_VALUE, "S", "the claims whose status is S", select_claims),
	CLI_STR("as-of", 0, "DATE", "publish what the store said then (from its history)",
		publish_args, as_of),
	CLI_STR("from", 0, "BUNDLE", "publish the claims of a verified bundle, without a store",
		publish_args, from),
	CLI_OPT_TRUST(CLI_TRUST_EXIT_4, publish_args, trust),
	CLI_OPT_KEY(0, publish_args, key),
	CLI_OPT_PASSPHRASE_FILE(publish_args, pass_file),
	CLI_OPT_JSON("report what was written as JSON", publish_args, json),
	CLI_END,
};

static const cli_cmd publish_cmd = {"publish", publish_usage, publish_opts};

typedef struct {
	int json;
	json_t *written, *removed;
} file_log;

static void on_file(const char *path, const char *action, void *payload)
{
	file_log *log = payload;

	if (log->json)
		json_array_append_new(strcmp(action, "removed") == 0 ? log->removed : log->written,
			json_string(path));
	else
		printf("%s %s\n", strcmp(action, "removed") == 0 ? "removed" : "wrote", path);
}

/* The signing key when one is named or configured; none (and 0) when nothing names one. */
static int optional_key(ct_key **out, const publish_args *a)
{
	ct_buf configured = CT_BUF_INIT;
	const char *env = getenv("CLAIMTRAIL_KEY");
	int error;

	*out = NULL;
	if (!a->key && (!env || !*env)) {
		error = ct_repo_config_path(&configured, cli_repo_path, "claimtrail.key");
		ct_buf_free(&configured);
		if (error == CT_ENOTFOUND) {
			ct_error_clear();
			return 0;
		}
		ct_error_clear();
	}
	return cli_load_key(out, a->key, a->pass_file);
}

int cmd_publish(ct_cli *cli, int argc, char **argv)
{
	publish_args a;
	ct_publish_report report;
	ct_bundle_verify_opts vo = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	ct_buf *ids = NULL;
	cli_progress progress;
	file_log log = {0, NULL, NULL};
	size_t i, nids = 0;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	a.o = (ct_publish_opts)CT_PUBLISH_OPTS_INIT;
	if ((status = cli_parse(&publish_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (!a.output) {
		status = cli_cmd_usage(&publish_cmd, "name the site's folder with -o DIR");
		goto out;
	}
	if (!a.o.base_url) {
		status = cli_cmd_usage(&publish_cmd,
			"--base-url URL is required: each claim page's ClaimReview needs the url "
			"search engines require");
		goto out;
	}
	if (optind < argc) {
		a.o.select = CT_BUNDLE_IDS;
		a.o.ids = (const char *const *)(argv + optind);
		a.o.nids = (size_t)(argc - optind);
		a.modes++;
	}
	if (a.modes > 1) {
		status = cli_cmd_usage(
			&publish_cmd, "choose one of --all, claim IDs, --tag or --status");
		goto out;
	}
	if (a.trust && !a.from) {
		status = cli_cmd_usage(&publish_cmd, "--trust applies to --from BUNDLE");
		goto out;
	}
	if (a.from && a.as_of) {
		status = cli_cmd_usage(&publish_cmd,
			"--as-of reads a store's history; a bundle (--from) has none");
		goto out;
	}
	if ((error = optional_key(&key, &a)) < 0)
		goto done;
	a.o.signer = key;
	log.json = a.json;
	if (!(log.written = json_array()) || !(log.removed = json_array())) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	cli_progress_init(&progress, "publish");
	a.o.progress = cli_progress_fn;
	a.o.threads = cli_threads_from_env();
	a.o.progress_payload = &progress;
	if (a.from) {
		if (!a.trust && (error = ct_keyring_new(&a.trust)) < 0)
			goto done;
		if ((error = cli_default_trust(a.trust)) < 0) {
			status = cli_fail_trust(error);
			goto out;
		}
		if (ct_keyring_count(a.trust) == 0) {
			status = cli_cmd_usage(&publish_cmd,
				"--from needs the keys to verify the bundle with: --trust KEYS");
			goto out;
		}
		/* a rotated key is trusted through the key it succeeds (docs/keys.md) */
		if (ct_bundle_add_successors(a.trust, a.from, NULL) < 0)
			ct_error_clear();
		vo.trust = a.trust;
		vo.threads = cli_threads_from_env();
		error = ct_publish_bundle(&report, a.from, &vo, a.output, &a.o, on_file, &log);
		cli_progress_end(&progress);
		if (error < 0)
			goto done;
	} else {
		if ((error = cli_open_store(&store, cli)) < 0)
			goto done;
		if (a.as_of) {
			char commit[41];
			if ((error = ct_store_as_of(store, a.as_of, commit)) < 0)
				goto done;
			fprintf(stderr, "as of %s: the store at commit %.12s\n", a.as_of, commit);
		}
		/* a unique prefix names a claim */
		nids = a.o.select == CT_BUNDLE_IDS ? a.o.nids : 0;
		if (nids && !(ids = calloc(nids, sizeof(*ids))))
			error = ct_error_set(CT_ENOMEM, "out of memory");
		for (i = 0; i < nids && error == 0; i++)
			error = cli_resolve_arg(&argv[optind + i], &ids[i], store, CT_KIND_CLAIM);
		if (error < 0)
			goto done;
		error = ct_publish(&report, store, a.output, &a.o, on_file, &log);
		cli_progress_end(&progress);
		if (error < 0)
			goto done;
	}
	if (a.json) {
		json_t *doc = json_pack("{s:s, s:s, s:I, s:I, s:O, s:O, s:I, s:b, s:s?}", "dir",
			a.output, "base_url", a.o.base_url, "claims", (json_int_t)report.claims,
			"sources", (json_int_t)report.sources, "written", log.written, "removed",
			log.removed, "unchanged", (json_int_t)report.unchanged, "bundles",
			key || a.from, "full", report.full[0] ? report.full : NULL);
		if (!doc) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			goto done;
		}
		status = cli_print_json(doc);
		json_decref(doc);
		goto out;
	}
	if (report.full[0])
		printf("every page made: %s\n", report.full);
	printf("published %zu claim%s and %zu source%s to %s: %zu file%s written, %zu unchanged, "
	       "%zu removed\n",
		report.claims, cli_s(report.claims), report.sources, cli_s(report.sources),
		a.output, report.written, cli_s(report.written), report.unchanged, report.removed);
	if (!key && !a.from)
		fprintf(stderr,
			"claimtrail: publish: no signing key (--key, $CLAIMTRAIL_KEY or git "
			"config claimtrail.key): the site offers no bundles\n");
done:
	status = error < 0 ? cli_fail(error) : status == CLI_CONTINUE ? CT_EXIT_OK : status;
out:
	for (i = 0; ids && i < nids; i++)
		ct_buf_free(&ids[i]);
	free(ids);
	json_decref(log.written);
	json_decref(log.removed);
	ct_keyring_free(a.trust);
	ct_store_free(store);
	ct_key_free(key);
	return status;
}
