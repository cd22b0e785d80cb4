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

static void bundle_usage(FILE *out)
{
	fprintf(out,
		"usage: claimtrail bundle create -o FILE [--all | ID... | --tag T | --status S]\n"
		"                                [--history] [--annotations] [--key SECRET]\n"
		"                                [--passphrase-file F]\n"
		"       claimtrail bundle info FILE [--json]\n"
		"       claimtrail bundle prove BUNDLE ID -o PROOF\n"
		"       claimtrail bundle import BUNDLE [--trust KEYS]... [--threshold N]\n"
		"\n"
		"create writes one file with the selected claims (the latest revision, or every\n"
		"revision with --history), their annotations with --annotations, the sources they\n"
		"cite and the signers' public key records, signed as a whole with --key (default\n"
		"$CLAIMTRAIL_KEY). info prints what the bundle's trailer says (not verified: use\n"
		"'claimtrail verify BUNDLE --trust KEYS'). prove writes an inclusion proof for a\n"
		"claim's latest record in the bundle; 'claimtrail verify --proof PROOF --root ROOT'\n"
		"checks it. import verifies the bundle against KEYS and the trust list ('claimtrail\n"
		"trust'), then adds every record to the store as one commit, except the key records\n"
		"of keys not trusted; nothing is written when anything fails. Format:\n"
		"docs/bundle.md.\n");
}

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
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"all", no_argument, NULL, 'a'},
		{"tag", required_argument, NULL, 't'},
		{"status", required_argument, NULL, 's'},
		{"history", no_argument, NULL, 'H'},
		{"annotations", no_argument, NULL, 'A'},
		{"key", required_argument, NULL, 'k'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ct_bundle_create_opts o = CT_BUNDLE_CREATE_OPTS_INIT;
	ct_bundle_info info;
	ct_store *store = NULL;
	ct_key *key = NULL;
	const char *out = NULL, *key_path = NULL, *pass_file = NULL;
	int all = 0, modes = 0;
	int status = CT_EXIT_OK;
	int error;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'a':
			all = 1;
			modes++;
			break;
		case 't':
			o.select = CT_BUNDLE_TAG;
			o.tag = optarg;
			modes++;
			break;
		case 's':
			o.select = CT_BUNDLE_STATUS;
			o.status = optarg;
			modes++;
			break;
		case 'H':
			o.history = 1;
			break;
		case 'A':
			o.annotations = 1;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'p':
			pass_file = optarg;
			break;
		case 'h':
			bundle_usage(stdout);
			return CT_EXIT_OK;
		default:
			return cli_usage("bundle create: unknown option or missing value '%s'",
				argv[optind - 1]);
		}
	}
	if (!out)
		return cli_usage("bundle create: name the output with -o FILE");
	if (optind < argc) {
		o.select = CT_BUNDLE_IDS;
		o.ids = (const char *const *)(argv + optind);
		o.nids = (size_t)(argc - optind);
		modes++;
	}
	if (modes != 1)
		return cli_usage("bundle create: choose one of --all, claim IDs, --tag or --status");
	if (all)
		o.select = CT_BUNDLE_ALL;
	if ((error = cli_load_key(&key, key_path, pass_file)) < 0 ||
		(error = cli_open_store(&store, cli)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	o.creator = key;
	if ((error = ct_bundle_create(&info, store, out, &o)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	printf("bundle %s: ", out);
	print_counts(&info);
	printf("\nmerkle root %s, signed by %s\n", info.root, info.creator);
done:
	ct_store_free(store);
	ct_key_free(key);
	return status;
}

static int bundle_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ct_bundle_info info;
	int as_json = 0;
	int error;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = 1;
			break;
		case 'h':
			bundle_usage(stdout);
			return CT_EXIT_OK;
		default:
			return cli_usage("bundle info: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("bundle info: expected one FILE");
	if ((error = ct_bundle_info_read(&info, argv[optind])) < 0)
		return cli_fail(error);
	return print_info(argv[optind], &info, as_json);
}

static int bundle_prove(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	int error;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			bundle_usage(stdout);
			return CT_EXIT_OK;
		default:
			return cli_usage("bundle prove: unknown option or missing value '%s'",
				argv[optind - 1]);
		}
	}
	if (argc - optind != 2 || !out)
		return cli_usage("bundle prove: expected BUNDLE ID -o PROOF");
	if ((error = ct_bundle_prove(argv[optind], argv[optind + 1], out)) < 0)
		return cli_fail(error);
	printf("proof %s: claim %s is in %s\n", out, argv[optind + 1], argv[optind]);
	return CT_EXIT_OK;
}

static int bundle_import(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"trust", required_argument, NULL, 't'},
		{"threshold", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ct_bundle_verify_opts vo = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_write_opts wo = CT_WRITE_OPTS_INIT;
	ct_keyring *ring = NULL;
	ct_store *store = NULL;
	size_t count = 0;
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
			if (cli_parse_count(&vo.threshold, optarg, 64) < 0) {
				status = cli_usage("bundle import: --threshold takes a number from 1 "
						   "to 64");
				goto done;
			}
			break;
		case 'h':
			bundle_usage(stdout);
			goto done;
		default:
			status = cli_usage("bundle import: unknown option or missing value '%s'",
				argv[optind - 1]);
			goto done;
		}
	}
	if (argc - optind != 1) {
		status = cli_usage("bundle import: expected one BUNDLE");
		goto done;
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = ct_trust_keyring_add(ring, NULL, NULL, cli->repo)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	/* never the keys the store or the bundle carries: only what the user trusts */
	if (ct_keyring_count(ring) == 0) {
		status = cli_usage("bundle import: name the keys you trust with --trust KEY.pub (or "
				   "add them with 'claimtrail trust add')");
		goto done;
	}
	vo.trust = ring;
	vo.threads = cli_threads_from_env();
	if ((error = ct_bundle_import(&count, store, argv[optind], &vo, &wo)) < 0) {
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
	ct_keyring_free(ring);
	return status;
}

int cmd_bundle(ct_cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		bundle_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
	}
	if (strcmp(argv[1], "create") == 0)
		return bundle_create(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "info") == 0)
		return bundle_info(argc - 1, argv + 1);
	if (strcmp(argv[1], "prove") == 0)
		return bundle_prove(argc - 1, argv + 1);
	if (strcmp(argv[1], "import") == 0)
		return bundle_import(cli, argc - 1, argv + 1);
	return cli_usage("bundle: unknown subcommand '%s'", argv[1]);
}

/* ---- verify BUNDLE ---- */

typedef struct {
	int as_json;
	int first;
	uint64_t failed;
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
	printf("line %llu: ", (unsigned long long)l->line);
	if (l->kind && l->id && l->revision)
		printf("%s %s@%lld", l->kind, l->id, l->revision);
	else if (l->kind && l->id)
		printf("%s %s", l->kind, l->id);
	else if (l->kind)
		printf("%s", strcmp(l->kind, "bundle") == 0 ? "trailer" : l->kind);
	else
		printf("(unreadable)");
	printf(": %s", l->ok ? "OK" : "FAILED");
	for (i = 0; i < l->ncodes; i++)
		printf("%s%s", i ? ", " : " [", l->codes[i]);
	printf("%s", l->ncodes ? "]" : "");
	if (l->message)
		printf(": %s", l->message);
	putchar('\n');
}

int cli_verify_bundle(const char *path, const ct_keyring *trust, size_t threshold, int as_json)
{
	ct_bundle_verify_opts o = CT_BUNDLE_VERIFY_OPTS_INIT;
	ct_bundle_info info;
	report_state st = {as_json, 1, 0};
	int error;

	o.trust = trust;
	o.threshold = threshold;
	o.threads = cli_threads_from_env();
	if (as_json) {
		fputs("{\"file\":", stdout);
		print_json_string(path);
		fputs(",\"lines\":[", stdout);
	}
	error = ct_bundle_verify(&info, path, &o, report_line, &st);
	if (error < 0 && error != CT_EBADSIG && error != CT_EUNTRUSTED) {
		if (as_json)
			fputs("],\"ok\":false}\n", stdout);
		return cli_fail(error);
	}
	if (as_json) {
		printf("\n  ],\"ok\":%s,\"records\":%llu,\"creator\":\"%s\",\"created\":\"%s\","
		       "\"merkle_root\":\"%s\"",
			error == 0 ? "true" : "false", (unsigned long long)info.records, info.creator,
			info.created, info.root);
		if (error < 0) {
			fputs(",\"error\":", stdout);
			print_json_string(ct_error_last());
		}
		fputs("}\n", stdout);
		return cli_exit_status(error);
	}
	if (error < 0) {
		printf("bundle %s: FAILED (%llu line%s)\n", path, (unsigned long long)st.failed,
			st.failed == 1 ? "" : "s");
		return cli_fail(error);
	}
	printf("bundle %s: OK: ", path);
	print_counts(&info);
	printf(", created %s by %s, merkle root %s\n", info.created, info.creator, info.root);
	return CT_EXIT_OK;
}

int cli_verify_proof(const char *proof, const char *root, const ct_keyring *trust,
	size_t threshold)
{
	ct_bundle_proof_info info;
	int error;

	if ((error = ct_bundle_proof_verify(&info, proof, root, trust, threshold)) < 0)
		return cli_fail(error);
	/* leaf_index and tree_size only steer the path computation (RFC 9162 2.1.3.2): the root
	 * does not prove them, so they are not stated as fact (docs/bundle.md 3) */
	if (info.revision)
		printf("%s %s revision %lld: included in the bundle with merkle root %s%s\n",
			info.kind, info.id, info.revision, root, trust ? "; signatures verified" : "");
	else
		printf("%s %s: included in the bundle with merkle root %s%s\n", info.kind, info.id,
			root, trust ? "; signatures verified" : "");
	return CT_EXIT_OK;
}
