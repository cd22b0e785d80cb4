/*
 * claimtrail export claimreview | annotations | prov | dot: the selected claims in a format
 * other tools read, on standard output or in -o FILE; and claimtrail import claimreview, which
 * reads ClaimReview JSON-LD published elsewhere. Parsing and printing only: the formats
 * are made in src/lib/export/ (docs/export.md).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char export_usage[] =
	"usage: claimtrail export claimreview [ID... | --tag T | --status S | --all]\n"
	"                          [--format jsonld|markup-page] [--base-url URL] [-o FILE]\n"
	"       claimtrail export annotations [ID... | --tag T | --status S | --all] [-o FILE]\n"
	"       claimtrail export prov [ID... | --tag T | --status S | --all] [-o FILE]\n"
	"       claimtrail export dot [ID... | --tag T | --status S | --all] [-o FILE]\n"
	"\n"
	"Writes the selected claims (every claim when none is selected) to standard output or\n"
	"FILE. claimreview: a JSON-LD array of schema.org ClaimReview, one per claim whose\n"
	"verdict stands (--format markup-page: Google Fact Check Tools API\n"
	"ClaimReviewMarkupPage objects); each review's url is URL/claim/ID.html, and without\n"
	"--base-url a warning says the reviews lack the url search engines require.\n"
	"annotations: a W3C Web Annotation collection of the anchored quotes. prov: W3C\n"
	"PROV-JSON of the claims, their revisions and annotations, the sources they cite and\n"
	"who signed what. dot: a Graphviz graph of claims, sources and disputes. Records that\n"
	"do not verify are left out, with a warning. Formats: docs/export.md.\n";

typedef struct {
	ct_export_opts o;
	int modes; /* how many selections were given (one is allowed) */
	const char *output;
	const char *format;
} export_args;

/* --all, --tag T, --status S: one of them (or claim IDs), once. */
static int select_claims(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	export_args *a = args;

	(void)cmd;
	a->modes++;
	if (strcmp(opt->name, "tag") == 0) {
		a->o.select = CT_EXPORT_TAG;
		a->o.tag = value;
	} else if (strcmp(opt->name, "status") == 0) {
		a->o.select = CT_EXPORT_STATUS;
		a->o.status = value;
	} else {
		a->o.select = CT_EXPORT_ALL;
	}
	return 0;
}

#define EXPORT_SELECT \
	CLI_FN("all", 0, CLI_NOVALUE, NULL, "every claim (the default)", select_claims), \
		CLI_FN("tag", 0, CLI_VALUE, "T", "the claims tagged T", select_claims), \
		CLI_FN("status", 0, CLI_VALUE, "S", "the claims whose status is S", \
			select_claims), \
		CLI_STR("output", 'o', "FILE", "write to FILE (default: standard output)", \
			export_args, output)

static const cli_opt claimreview_opts[] = {
	EXPORT_SELECT,
	CLI_STR("format", 0, "F", "jsonld (the default) or markup-page", export_args, format),
	CLI_STR("base-url", 0, "URL", "the site the reviews are published at", export_args,
		o.base_url),
	CLI_END,
};

static const cli_opt other_opts[] = {
	EXPORT_SELECT,
	CLI_REFUSE("format", 0, CLI_VALUE),
	CLI_REFUSE("base-url", 0, CLI_VALUE),
	CLI_END,
};

static const cli_cmd export_cmd = {"export", export_usage, NULL};
static const cli_cmd claimreview_cmd = {"export claimreview", export_usage, claimreview_opts};
static const cli_cmd annotations_cmd = {"export annotations", export_usage, other_opts};
static const cli_cmd prov_cmd = {"export prov", export_usage, other_opts};
static const cli_cmd dot_cmd = {"export dot", export_usage, other_opts};

static void warn(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "claimtrail: warning: %s\n", line);
}

/* Writes text to path through a temporary file beside it and a rename, so that path is either
 * what it was or the whole export. */
static int write_file(const char *path, const char *text, size_t len)
{
	ct_buf tmp = CT_BUF_INIT;
	FILE *f = NULL;
	int error = 0;

	if ((error = ct_buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid())) < 0)
		goto done;
	if (!(f = fopen(tmp.ptr, "wx"))) {
		error = ct_error_set(CT_EIO, "%s: %s", tmp.ptr, strerror(errno));
		goto done;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		error = ct_error_set(CT_EIO, "%s: %s", tmp.ptr, strerror(errno));
		goto done;
	}
	if (fclose(f) != 0) {
		f = NULL;
		error = ct_error_set(CT_EIO, "%s: %s", tmp.ptr, strerror(errno));
		goto done;
	}
	f = NULL;
	if (rename(tmp.ptr, path) != 0)
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
done:
	if (f)
		fclose(f);
	if (error < 0 && tmp.ptr)
		unlink(tmp.ptr);
	ct_buf_free(&tmp);
	return error;
}

int cmd_export(ct_cli *cli, int argc, char **argv)
{
	export_args a;
	const cli_cmd *cmd;
	ct_store *store = NULL;
	ct_buf *ids = NULL, text = CT_BUF_INIT;
	json_t *doc = NULL;
	size_t i, nids = 0;
	int status, error = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_help(&export_cmd, argc < 2 ? stderr : stdout);
		return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
	}
	if (strcmp(argv[1], "claimreview") == 0)
		cmd = &claimreview_cmd;
	else if (strcmp(argv[1], "annotations") == 0)
		cmd = &annotations_cmd;
	else if (strcmp(argv[1], "prov") == 0)
		cmd = &prov_cmd;
	else if (strcmp(argv[1], "dot") == 0)
		cmd = &dot_cmd;
	else
		return cli_cmd_usage(&export_cmd, "unknown export '%s'", argv[1]);
	memset(&a, 0, sizeof(a));
	a.o = (ct_export_opts)CT_EXPORT_OPTS_INIT;
	a.o.warn = warn;
	if ((status = cli_parse(cmd, &a, argc - 1, argv + 1)) != CLI_CONTINUE)
		goto out;
	status = CT_EXIT_OK;
	if (optind < argc - 1) {
		a.o.select = CT_EXPORT_IDS;
		nids = (size_t)(argc - 1 - optind);
		a.modes++;
	}
	if (a.modes > 1) {
		status = cli_cmd_usage(cmd, "choose one of --all, claim IDs, --tag or --status");
		goto out;
	}
	if (a.format && strcmp(a.format, "jsonld") != 0 && strcmp(a.format, "markup-page") != 0) {
		status = cli_cmd_usage(
			cmd, "--format takes jsonld or markup-page, not '%s'", a.format);
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0)
		goto done;
	/* a unique prefix names a claim */
	if (nids && !(ids = calloc(nids, sizeof(*ids))))
		error = ct_error_set(CT_ENOMEM, "out of memory");
	for (i = 0; i < nids && error == 0; i++)
		error = cli_resolve_arg(&argv[1 + optind + i], &ids[i], store, CT_KIND_CLAIM);
	if (error < 0)
		goto done;
	a.o.ids = (const char *const *)(argv + 1 + optind);
	a.o.nids = nids;
	if (cmd == &claimreview_cmd && a.format && strcmp(a.format, "markup-page") == 0)
		error = ct_export_markup_pages(&doc, store, &a.o);
	else if (cmd == &claimreview_cmd)
		error = ct_export_claimreview(&doc, store, &a.o);
	else if (cmd == &annotations_cmd)
		error = ct_export_annotations(&doc, store, &a.o);
	else if (cmd == &prov_cmd)
		error = ct_export_prov(&doc, store, &a.o);
	else
		error = ct_export_dot(&text, store, &a.o);
	if (error < 0)
		goto done;
	if (doc) {
		char *s = json_dumps(doc, JSON_INDENT(2));
		if (!s || ct_buf_printf(&text, "%s\n", s) < 0)
			error = ct_error_set(CT_ENOMEM, "out of memory");
		free(s);
		if (error < 0)
			goto done;
	}
	if (a.output)
		error = write_file(a.output, text.ptr, text.len);
	else
		fwrite(text.ptr, 1, text.len, stdout);
done:
	if (error < 0)
		status = cli_fail(error);
out:
	for (i = 0; ids && i < nids; i++)
		ct_buf_free(&ids[i]);
	free(ids);
	json_decref(doc);
	ct_buf_free(&text);
	ct_store_free(store);
	return status;
}

/* ---- import claimreview ---- */

typedef struct {
	const char *key;
	const char *pass_file;
	const char *reason;
	int skip;
} import_cr_args;

static const cli_opt import_cr_opts[] = {
	CLI_OPT_KEY('k', import_cr_args, key),
	CLI_OPT_PASSPHRASE_FILE(import_cr_args, pass_file),
	CLI_STR("reason", 'm', "R", "the reason recorded in the commit", import_cr_args, reason),
	CLI_FLAG("skip-unmapped", 0, "import the reviews that can be mapped, report the others",
		import_cr_args, skip),
	CLI_END,
};

static const cli_cmd import_cr_cmd = {"import claimreview",
	"usage: claimtrail [-C DIR] import claimreview FILE [--skip-unmapped] [--reason R]\n"
	"                  [--key FILE]\n\n"
	"Records schema.org ClaimReview JSON-LD published by another fact-checker (one object,\n"
	"an array, or a @graph; FILE '-' is standard input): per review, a source where the\n"
	"claim appeared, a source for the review with its url, the claim, and a verdict citing\n"
	"the review as evidence, all signed by your key in one commit. One line per item says\n"
	"what it became or why it cannot be mapped; an item that cannot be mapped writes\n"
	"nothing unless --skip-unmapped. Mapping: docs/export.md.\n",
	import_cr_opts};

static void import_item(const ct_claimreview_item *it, void *payload)
{
	const json_t *d;
	size_t i;

	(void)payload;
	if (it->problem) {
		fprintf(stderr, "claimtrail: item %zu: cannot be mapped: %s\n", it->index,
			it->problem);
		return;
	}
	printf("item %zu: claim %s, verdict %s (%s), source %s, review %s", it->index, it->claim,
		it->verdict, it->annotation, it->source, it->review_source);
	if (json_array_size(it->dropped) > 0) {
		printf("; not kept:");
		json_array_foreach (it->dropped, i, d)
			printf("%s %s", i ? "," : "", json_string_value(d));
	}
	printf("\n");
}

int cmd_import_claimreview(ct_cli *cli, int argc, char **argv)
{
	import_cr_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	size_t count = 0;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&import_cr_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&import_cr_cmd, "expected one FILE");
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto done;
	wopts.signer = key;
	wopts.reason = a.reason;
	if ((error = ct_claim_review_import(
		     &count, store, argv[optind], a.skip, &wopts, import_item, NULL)) < 0)
		goto done;
	printf("imported %zu claim%s from %s in one commit\n", count, count == 1 ? "" : "s",
		argv[optind]);
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_store_free(store);
	ct_key_free(key);
	return status;
}
