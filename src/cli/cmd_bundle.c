/*
 * claimtrail bundle create | info | prove | import, and the bundle and proof branches of
 * claimtrail verify (cli_verify_bundle, cli_verify_proof). Parsing and printing only: the work
 * is in src/lib/bundle*.c.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* ", N source texts" when the bundle carries texts (docs/bundle.md 1.4), else "". */
static const char *texts_note(uint64_t texts)
{
	static char note[48];

	if (texts == 0)
		return "";
	snprintf(note, sizeof(note), ", %llu source text%s", (unsigned long long)texts,
		cli_s(texts));
	return note;
}

static const char bundle_usage[] =
	"usage: claimtrail bundle create -o FILE [--all | ID... | --tag T | --status S]\n"
	"                                [--history] [--annotations] [--key SECRET]\n"
	"                                [--passphrase-file F]\n"
	"       claimtrail bundle info FILE [--json]\n"
	"       claimtrail bundle prove BUNDLE ID -o PROOF\n"
	"       claimtrail bundle import BUNDLE [--trust KEYS]... [--threshold N]\n"
	"       claimtrail bundle show BUNDLE [ID] [--trust KEYS]... [--threshold N]\n"
	"\n"
	"create writes one file with the selected claims (the latest revision, or every\n"
	"revision with --history), their annotations with --annotations, the sources they\n"
	"cite and the signers' public key records, signed as a whole with --key (default\n"
	"$CLAIMTRAIL_KEY). info prints what the bundle's trailer says (not verified: use\n"
	"'claimtrail verify BUNDLE --trust KEYS'). prove writes an inclusion proof for a\n"
	"claim's latest record in the bundle; 'claimtrail verify --proof PROOF --root ROOT'\n"
	"checks it. import verifies the bundle against KEYS and the trust list ('claimtrail\n"
	"trust'), then adds every record to the store as one commit, except the key records\n"
	"of keys not trusted; nothing is written when anything fails. show verifies the\n"
	"bundle the same way and then lists its claims as 'list' does, or shows claim ID as\n"
	"'show' does, with no store, key or init. Format: docs/bundle.md.\n";

typedef struct {
	ct_bundle_create_opts o; /* create: what to select */
	int modes;		 /* create: how many selections were given (one is allowed) */
	const char *output;
	const char *key;
	const char *pass_file;
	int json;
	ct_keyring *trust;
	size_t threshold;
} bundle_args;

/* create --all, --tag T, --status S: one of them (or claim IDs), once. */
static int select_claims(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	bundle_args *a = args;

	(void)cmd;
	a->modes++;
	if (strcmp(opt->name, "tag") == 0) {
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

static const cli_opt create_opts[] = {
	CLI_STR("output", 'o', "FILE", "the bundle file to write", bundle_args, output),
	CLI_FN("all", 0, CLI_NOVALUE, NULL, "every claim", select_claims),
	CLI_FN("tag", 0, CLI_VALUE, "T", "the claims tagged T", select_claims),
	CLI_FN("status", 0, CLI_VALUE, "S", "the claims whose status is S", select_claims),
	CLI_FLAG("history", 0, "every revision, not only the latest", bundle_args, o.history),
	CLI_FLAG("annotations", 0, "the claims' annotations too", bundle_args, o.annotations),
	CLI_OPT_KEY(0, bundle_args, key),
	CLI_OPT_PASSPHRASE_FILE(bundle_args, pass_file),
	CLI_END,
};

static const cli_opt info_opts[] = {
	CLI_OPT_JSON("print the trailer as JSON", bundle_args, json),
	CLI_END,
};

static const cli_opt prove_opts[] = {
	CLI_STR("output", 'o', "PROOF", "the proof file to write", bundle_args, output),
	CLI_END,
};

static const cli_opt import_opts[] = {
	CLI_OPT_TRUST(CLI_TRUST_EXIT_4, bundle_args, trust),
	CLI_OPT_THRESHOLD(64, "each claim's current revision needs N trusted signers (default 1)",
		bundle_args, threshold),
	CLI_END,
};

static const cli_cmd bundle_cmd = {"bundle", bundle_usage, NULL};
static const cli_cmd create_cmd = {"bundle create", bundle_usage, create_opts};
static const cli_cmd info_cmd = {"bundle info", bundle_usage, info_opts};
static const cli_cmd prove_cmd = {"bundle prove", bundle_usage, prove_opts};
static const cli_cmd import_cmd = {"bundle import", bundle_usage, import_opts};

/* "3 records (1 key, 1 source, 1 claim revision, 0 annotations)" */
static void print_counts(const ct_bundle_info *i)
{
	printf("%llu record%s (%llu key%s, %llu source%s, %llu claim revision%s, %llu "
	       "annotation%s%s)",
		(unsigned long long)i->records, cli_s(i->records), (unsigned long long)i->keys,
		cli_s(i->keys), (unsigned long long)i->sources, cli_s(i->sources),
		(unsigned long long)i->claims, cli_s(i->claims), (unsigned long long)i->annots,
		cli_s(i->annots), texts_note(i->texts));
}

static int print_info(const char *path, const ct_bundle_info *info, int as_json)
{
	json_t *out;
	int status;

	if (!as_json) {
		printf("bundle:      %s\n", path);
		printf("creator:     %s\n", info->creator);
		printf("created:     %s\n", info->created);
		printf("records:     %llu\n", (unsigned long long)info->records);
		printf("merkle root: %s\n", info->root);
		printf("history:     %s\n", info->history ? "every revision" : "latest revisions");
		printf("annotations: %s\n", info->annotations ? "yes" : "no");
		return CT_EXIT_OK;
	}
	out = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:b, s:b}", "file", path, "creator",
		info->creator, "created", info->created, "records", (json_int_t)info->records,
		"merkle_root", info->root, "history", info->history, "annotations",
		info->annotations, "verified", 0);
	if (!out)
		return cli_fail(ct_error_set(CT_ENOMEM, "out of memory"));
	status = cli_print_json(out);
	json_decref(out);
	return status;
}

static int bundle_create(ct_cli *cli, int argc, char **argv)
{
	bundle_args a;
	ct_bundle_info info;
	ct_store *store = NULL;
	ct_key *key = NULL;
	cli_progress progress;
	ct_buf *ids = NULL;
	size_t i, nids = 0;
	int status;
	int error = 0;

	memset(&a, 0, sizeof(a));
	a.o = (ct_bundle_create_opts)CT_BUNDLE_CREATE_OPTS_INIT;
	if ((status = cli_parse(&create_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	status = CT_EXIT_OK;
	if (!a.output) {
		status = cli_cmd_usage(&create_cmd, "name the output with -o FILE");
		goto done;
	}
	if (optind < argc) {
		a.o.select = CT_BUNDLE_IDS;
		a.o.ids = (const char *const *)(argv + optind);
		a.o.nids = (size_t)(argc - optind);
		a.modes++;
	}
	if (a.modes != 1) {
		status = cli_cmd_usage(
			&create_cmd, "choose one of --all, claim IDs, --tag or --status");
		goto done;
	}
	if ((error = cli_load_key(&key, a.key, a.pass_file)) < 0 ||
		(error = cli_open_store(&store, cli)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	/* a unique prefix names a claim */
	nids = a.o.select == CT_BUNDLE_IDS ? a.o.nids : 0;
	if (nids && !(ids = calloc(nids, sizeof(*ids))))
		error = ct_error_set(CT_ENOMEM, "out of memory");
	for (i = 0; i < nids && error == 0; i++)
		error = cli_resolve_arg(&argv[optind + i], &ids[i], store, CT_KIND_CLAIM);
	if (error < 0) {
		status = cli_fail(error);
		goto done;
	}
	a.o.creator = key;
	cli_progress_init(&progress, "bundle create");
	a.o.progress = cli_progress_fn;
	a.o.progress_payload = &progress;
	error = ct_bundle_create(&info, store, a.output, &a.o);
	cli_progress_end(&progress);
	if (error < 0) {
		status = cli_fail(error);
		goto done;
	}
	printf("bundle %s: ", a.output);
	print_counts(&info);
	printf("\nmerkle root %s, signed by %s\n", info.root, info.creator);
done:
	for (i = 0; ids && i < nids; i++)
		ct_buf_free(&ids[i]);
	free(ids);
	ct_store_free(store);
	ct_key_free(key);
	return status;
}

static int bundle_info(int argc, char **argv)
{
	bundle_args a;
	ct_bundle_info info;
	int status;
	int error;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&info_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&info_cmd, "expected one FILE");
		goto done;
	}
	if ((error = ct_bundle_info_read(&info, argv[optind])) < 0) {
		status = cli_fail(error);
		goto done;
	}
	status = print_info(argv[optind], &info, a.json);
done:
	return status;
}

static int bundle_prove(int argc, char **argv)
{
	bundle_args a;
	int status;
	int error;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&prove_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	if (argc - optind != 2 || !a.output) {
		status = cli_cmd_usage(&prove_cmd, "expected BUNDLE ID -o PROOF");
		goto done;
	}
	if ((error = ct_bundle_prove(argv[optind], argv[optind + 1], a.output)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	printf("proof %s: claim %s is in %s\n", a.output, argv[optind + 1], argv[optind]);
	status = CT_EXIT_OK;
done:
	return status;
}

static int bundle_import(ct_cli *cli, int argc, char **argv)
{
	bundle_args a;
	ct_bundle_verify_opts vo = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_write_opts wo = CT_WRITE_OPTS_INIT;
	cli_progress progress;
	ct_store *store = NULL;
	size_t count = 0;
	int status;
	int error;

	memset(&a, 0, sizeof(a));
	a.threshold = vo.threshold;
	if ((status = cli_parse(&import_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	status = CT_EXIT_OK;
	vo.threshold = a.threshold;
	if (!a.trust && (error = ct_keyring_new(&a.trust)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (argc - optind != 1) {
		status = cli_cmd_usage(&import_cmd, "expected one BUNDLE");
		goto done;
	}
	if ((error = cli_open_store(&store, cli)) < 0 || (error = cli_default_trust(a.trust)) < 0 ||
		(error = ct_trust_keyring_add(a.trust, NULL, NULL, cli->repo)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	/* never the keys the store or the bundle carries: only what the user trusts */
	if (ct_keyring_count(a.trust) == 0) {
		status = cli_cmd_usage(&import_cmd,
			"name the keys you trust with --trust KEY.pub (or add them with "
			"'claimtrail trust add')");
		goto done;
	}
	/* a rotated key is trusted through the key it succeeds (docs/keys.md) */
	if (ct_bundle_add_successors(a.trust, argv[optind], NULL) < 0)
		ct_error_clear();
	vo.trust = a.trust;
	vo.threads = cli_threads_from_env();
	cli_progress_init(&progress, "bundle import");
	{
		ct_bundle_info info;
		/* the trailer's count, unverified, only to estimate the time left */
		if (progress.on && ct_bundle_info_read(&info, argv[optind]) == 0)
			progress.expected = info.records + 2;
		ct_error_clear();
	}
	vo.progress = wo.progress = cli_progress_fn;
	vo.progress_payload = wo.progress_payload = &progress;
	error = ct_bundle_import(&count, store, argv[optind], &vo, &wo);
	cli_progress_end(&progress);
	if (error < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (count == 0)
		printf("bundle %s: every record is already in the store\n", argv[optind]);
	else
		printf("bundle %s: imported %zu record%s in one commit\n", argv[optind], count,
			count == 1 ? "" : "s");
done:
	ct_store_free(store);
	ct_keyring_free(a.trust);
	return status;
}

int cmd_bundle(ct_cli *cli, int argc, char **argv)
{
	int status;

	if (argc < 2) {
		cli_help(&bundle_cmd, stderr);
		status = CT_EXIT_USAGE;
	} else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_help(&bundle_cmd, stdout);
		status = CT_EXIT_OK;
	} else if (strcmp(argv[1], "create") == 0) {
		status = bundle_create(cli, argc - 1, argv + 1);
	} else if (strcmp(argv[1], "info") == 0) {
		status = bundle_info(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "prove") == 0) {
		status = bundle_prove(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "import") == 0) {
		status = bundle_import(cli, argc - 1, argv + 1);
	} else if (strcmp(argv[1], "show") == 0) {
		status = cli_bundle_show(cli, argc - 1, argv + 1);
	} else {
		status = cli_cmd_usage(&bundle_cmd, "unknown subcommand '%s'", argv[1]);
	}
	return status;
}

/* ---- verify BUNDLE ---- */

typedef struct {
	int as_json;
	int first;
	uint64_t failed;
	cli_progress *progress; /* its line is erased before a line's report is printed */
} report_state;

static void print_json_string(const char *s)
{
	json_t *v = json_string(s ? s : "");
	char *txt = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	fputs(txt ? txt : "\"\"", stdout);
	free(txt);
	json_decref(v);
}

static void report_line(const ct_bundle_line_report *l, void *payload)
{
	report_state *st = payload;
	size_t i;

	if (!l->ok)
		st->failed++;
	if (st->as_json) {
		printf("%s\n    {\"line\":%llu,\"kind\":", st->first ? "" : ",",
			(unsigned long long)l->line);
		st->first = 0;
		if (l->kind)
			print_json_string(l->kind);
		else
			fputs("null", stdout);
		fputs(",\"id\":", stdout);
		if (l->id)
			print_json_string(l->id);
		else
			fputs("null", stdout);
		if (l->revision)
			printf(",\"revision\":%lld", l->revision);
		printf(",\"ok\":%s,\"codes\":[", l->ok ? "true" : "false");
		for (i = 0; i < l->ncodes; i++)
			printf("%s\"%s\"", i ? "," : "", l->codes[i]);
		printf("],\"trusted\":%zu", l->trusted);
		if (l->message) {
			fputs(",\"error\":", stdout);
			print_json_string(l->message);
		}
		fputs("}", stdout);
		return;
	}
	cli_progress_end(st->progress);
	printf("line %llu: ", (unsigned long long)l->line);
	if (l->kind && l->id && l->revision)
		printf("%s %s@%lld", l->kind, l->id, l->revision);
	else if (l->kind && l->id)
		printf("%s %s", l->kind, l->id);
	else if (l->kind)
		printf("%s", strcmp(l->kind, "bundle") == 0 ? "trailer" : l->kind);
	else
		printf("(unreadable)");
	printf(": %s%s%s", cli_paint(l->ok ? CLI_GREEN : CLI_RED), l->ok ? "OK" : "FAILED",
		cli_paint(CLI_RESET));
	for (i = 0; i < l->ncodes; i++)
		printf("%s%s", i ? ", " : " [", l->codes[i]);
	printf("%s", l->ncodes ? "]" : "");
	if (l->message)
		printf(": %s", l->message);
	putchar('\n');
}

int cli_verify_bundle(const char *path, const ct_keyring *trust, size_t threshold, int as_json,
	const char *state, long long max_age)
{
	int fresh = 0;
	ct_bundle_verify_opts o = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_bundle_info info;
	cli_progress progress;
	report_state st = {as_json, 1, 0, &progress};
	int error;

	o.trust = trust;
	o.threshold = threshold;
	o.threads = cli_threads_from_env();
	cli_progress_init(&progress, "verify");
	/* the trailer's count, unverified, only to estimate the time left */
	if (progress.on && ct_bundle_info_read(&info, path) == 0)
		progress.expected = info.records + 2;
	ct_error_clear();
	o.progress = cli_progress_fn;
	o.progress_payload = &progress;
	if (as_json) {
		fputs("{\"file\":", stdout);
		print_json_string(path);
		fputs(",\"lines\":[", stdout);
	}
	error = ct_bundle_verify(&info, path, &o, report_line, &st);
	cli_progress_end(&progress);
	/* freshness (--state): only for a bundle that verified, whose trailer is then trusted */
	if (error == 0 && state) {
		error = ct_bundle_state_check_checkpoints(state, path, &info, trust, max_age);
		fresh = error == 0 ? 1 : -1;
	}
	if (fresh < 0 && error == CT_EINVALID) {
		if (as_json)
			fputs("],\"ok\":false}\n", stdout);
		return cli_fail(error);
	}
	if (error < 0 && error != CT_EBADSIG && error != CT_EUNTRUSTED) {
		if (as_json)
			fputs("],\"ok\":false}\n", stdout);
		return cli_fail(error);
	}
	if (as_json) {
		printf("\n  ],\"ok\":%s,\"records\":%llu,\"creator\":\"%s\",\"created\":\"%s\","
		       "\"merkle_root\":\"%s\"",
			error == 0 ? "true" : "false", (unsigned long long)info.records,
			info.creator, info.created, info.root);
		if (error < 0) {
			fputs(",\"error\":", stdout);
			print_json_string(ct_error_last());
		}
		fputs("}\n", stdout);
		return cli_exit_status(error);
	}
	if (fresh < 0) {
		printf("bundle %s: verified, but %sREFUSED%s: %s\n", path, cli_paint(CLI_RED),
			cli_paint(CLI_RESET), ct_error_last());
		return cli_fail(error);
	}
	if (error < 0) {
		printf("bundle %s: %sFAILED%s (%llu line%s)\n", path, cli_paint(CLI_RED),
			cli_paint(CLI_RESET), (unsigned long long)st.failed,
			st.failed == 1 ? "" : "s");
		return cli_fail(error);
	}
	printf("bundle %s: %sOK%s: ", path, cli_paint(CLI_GREEN), cli_paint(CLI_RESET));
	print_counts(&info);
	printf(", created %s by %s, merkle root %s\n", info.created, info.creator, info.root);
	if (fresh > 0)
		printf("fresh: no older than any bundle by %s that %s has seen; remembered\n",
			info.creator, state);
	return CT_EXIT_OK;
}

int cli_verify_proof(const char *proof, const char *root, const ct_keyring *trust, size_t threshold)
{
	ct_bundle_proof_info info;
	int error;

	if ((error = ct_bundle_proof_verify(&info, proof, root, trust, threshold)) < 0)
		return cli_fail(error);
	/* leaf_index and tree_size only steer the path computation (RFC 9162 2.1.3.2): the root
	 * does not prove them, so they are not stated as fact (docs/bundle.md 3) */
	if (info.revision)
		printf("%s %s revision %lld: included in the bundle with merkle root %s%s\n",
			info.kind, info.id, info.revision, root,
			trust ? "; signatures verified" : "");
	else
		printf("%s %s: included in the bundle with merkle root %s%s\n", info.kind, info.id,
			root, trust ? "; signatures verified" : "");
	return CT_EXIT_OK;
}
