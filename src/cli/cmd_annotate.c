/* claimtrail annotate, dispute, resolve and sign-off: a fact-checker's work on a claim. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EVIDENCE 64

typedef struct {
	const char *verdict;
	const char *note;
	const char *by;
	const char *reason;
	const char *source;
	const char *outcome;
	const char *evidence[MAX_EVIDENCE];
	size_t evidence_count;
	const char *key;
	const char *pass_file;
	int json;
} annotate_args;

/* Parses the options every command here shares; `allowed` lists the long options it takes. */
static int parse(annotate_args *a, int argc, char **argv, const char *cmd, const char *allowed,
	const char *usage)
{
	static const struct option opts[] = {
		{"verdict", required_argument, NULL, 'v'},
		{"note", required_argument, NULL, 'n'},
		{"evidence", required_argument, NULL, 'e'},
		{"by", required_argument, NULL, 'b'},
		{"reason", required_argument, NULL, 'm'},
		{"source", required_argument, NULL, 'S'},
		{"outcome", required_argument, NULL, 'o'},
		{"key", required_argument, NULL, 'k'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, idx;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hk:", opts, &idx)) != -1) {
		const char *name = NULL;
		size_t i;
		for (i = 0; opts[i].name; i++)
			if (opts[i].val == c)
				name = opts[i].name;
		if (c != '?' && c != ':' && c != 'h' && c != 'k' && c != 'p' && name &&
			!strstr(allowed, name))
			return cli_usage("%s: option --%s does not apply here", cmd, name);
		switch (c) {
		case 'v': a->verdict = optarg; break;
		case 'n': a->note = optarg; break;
		case 'b': a->by = optarg; break;
		case 'm': a->reason = optarg; break;
		case 'S': a->source = optarg; break;
		case 'o': a->outcome = optarg; break;
		case 'e':
			if (a->evidence_count == MAX_EVIDENCE)
				return cli_usage("%s: at most %d --evidence sources", cmd, MAX_EVIDENCE);
			a->evidence[a->evidence_count++] = optarg;
			break;
		case 'k': a->key = optarg; break;
		case 'p': a->pass_file = optarg; break;
		case 'j': a->json = 1; break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			return cli_usage("%s: unknown option or missing value '%s'", cmd,
				argv[optind - 1]);
		}
	}
	return 0;
}

/* Prints the new annotation (its id, or --json the record) and releases everything. */
static int finish(int error, const annotate_args *a, json_t *record, ct_store *store, ct_key *key)
{
	if (error == 0) {
		if (a->json)
			cli_print_json(record);
		else
			printf("%s\n", ct_record_id(record));
	}
	json_decref(record);
	ct_store_free(store);
	ct_key_free(key);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}

static int open_for_writing(ct_store **store, ct_key **key, ct_write_opts *wopts, ct_cli *cli,
	const annotate_args *a)
{
	int error;

	if ((error = cli_open_store(store, cli)) < 0 ||
		(error = cli_load_key(key, a->key, a->pass_file)) < 0)
		return error;
	wopts->signer = *key;
	return 0;
}

static const char annotate_usage[] =
	"usage: claimtrail annotate ID [--verdict V] [--note TEXT] [--evidence SOURCE-ID]...\n"
	"                          [--key FILE] [--passphrase-file FILE] [--json]\n\n"
	"Records a verdict on the claim's current revision (with an optional note), or a note\n"
	"alone, signed, as one commit, and prints the annotation's id. --evidence names sources\n"
	"in the store that support the verdict. V is one of: true, mostly-true, mixed,\n"
	"mostly-false, false, misleading, unverifiable (docs/workflow.md maps them onto\n"
	"ClaimReview ratings). The key comes from --key or $CLAIMTRAIL_KEY.\n";

int cmd_annotate(ct_cli *cli, int argc, char **argv)
{
	annotate_args a;
	ct_annotate_fields fields = CT_ANNOTATE_FIELDS_INIT;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	int rc, error;

	memset(&a, 0, sizeof(a));
	if ((rc = parse(&a, argc, argv, "annotate", "verdict note evidence json", annotate_usage)))
		return rc < 0 ? CT_EXIT_OK : rc;
	if (argc - optind != 1)
		return cli_usage("annotate: expected one claim ID");
	if (!a.verdict && !a.note)
		return cli_usage("annotate: give --verdict, --note or both");
	fields.verdict = a.verdict;
	fields.note = a.note;
	fields.evidence = a.evidence;
	fields.evidence_count = a.evidence_count;
	if ((error = open_for_writing(&store, &key, &wopts, cli, &a)) == 0)
		error = ct_claim_annotate(&record, store, argv[optind], &fields, &wopts);
	return finish(error, &a, record, store, key);
}

static const char dispute_usage[] =
	"usage: claimtrail dispute ID --by WHO --reason TEXT [--source SOURCE-ID]\n"
	"                         [--key FILE] [--passphrase-file FILE] [--json]\n\n"
	"Records that WHO disputes the claim, and on what grounds (optionally citing a source in\n"
	"the store), and prints the dispute's id. The claim's status is \"disputed\" until the\n"
	"dispute is resolved with 'claimtrail resolve'.\n";

int cmd_dispute(ct_cli *cli, int argc, char **argv)
{
	annotate_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	int rc, error;

	memset(&a, 0, sizeof(a));
	if ((rc = parse(&a, argc, argv, "dispute", "by reason source json", dispute_usage)))
		return rc < 0 ? CT_EXIT_OK : rc;
	if (argc - optind != 1)
		return cli_usage("dispute: expected one claim ID");
	if (!a.by || !a.reason)
		return cli_usage("dispute: --by and --reason are required");
	if ((error = open_for_writing(&store, &key, &wopts, cli, &a)) == 0)
		error = ct_claim_dispute(&record, store, argv[optind], a.by, a.reason, a.source,
			&wopts);
	return finish(error, &a, record, store, key);
}

static const char resolve_usage[] =
	"usage: claimtrail resolve ID DISPUTE-ID --outcome upheld|rejected --note TEXT\n"
	"                         [--key FILE] [--passphrase-file FILE] [--json]\n\n"
	"Closes an open dispute of the claim. upheld: the dispute was right (the claim needs a\n"
	"new verdict); rejected: the claim stands. The note says why. Prints the resolution's id.\n";

int cmd_resolve(ct_cli *cli, int argc, char **argv)
{
	annotate_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	int rc, error;

	memset(&a, 0, sizeof(a));
	if ((rc = parse(&a, argc, argv, "resolve", "outcome note json", resolve_usage)))
		return rc < 0 ? CT_EXIT_OK : rc;
	if (argc - optind != 2)
		return cli_usage("resolve: expected a claim ID and a DISPUTE-ID");
	if (!a.outcome || !a.note)
		return cli_usage("resolve: --outcome and --note are required");
	if (strcmp(a.outcome, "upheld") != 0 && strcmp(a.outcome, "rejected") != 0)
		return cli_usage("resolve: --outcome is upheld or rejected, not '%s'", a.outcome);
	if ((error = open_for_writing(&store, &key, &wopts, cli, &a)) == 0)
		error = ct_claim_resolve(&record, store, argv[optind], argv[optind + 1], a.outcome,
			a.note, &wopts);
	return finish(error, &a, record, store, key);
}

static const char sign_off_usage[] =
	"usage: claimtrail sign-off ID [--note TEXT] [--key FILE] [--passphrase-file FILE] [--json]\n\n"
	"Adds your signature (an editor's, with your own key) to the claim's current revision:\n"
	"what it says and its digest do not change. The existing signatures must verify; a key\n"
	"signs a revision once. The note goes into the commit message. Prints how many signers\n"
	"the revision has and how many the store asks for (store.json \"sign_off_threshold\").\n";

int cmd_sign_off(ct_cli *cli, int argc, char **argv)
{
	annotate_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	ct_keyring *ring = NULL;
	json_t *record = NULL;
	size_t need;
	int rc, error;

	memset(&a, 0, sizeof(a));
	if ((rc = parse(&a, argc, argv, "sign-off", "note json", sign_off_usage)))
		return rc < 0 ? CT_EXIT_OK : rc;
	if (argc - optind != 1)
		return cli_usage("sign-off: expected one claim ID");
	if ((error = open_for_writing(&store, &key, &wopts, cli, &a)) < 0)
		goto done;
	wopts.reason = a.note;
	if ((error = ct_claim_sign_off(&record, store, argv[optind], &wopts)) < 0 ||
		(error = ct_store_keyring(&ring, store)) < 0)
		goto done;
	need = ct_store_sign_off_threshold(store);
	if (a.json)
		cli_print_json(record);
	else
		printf("%s revision %lld signed off by %s: %zu of %zu signer%s\n",
			ct_record_id(record),
			(long long)json_integer_value(json_object_get(record, "revision")),
			ct_key_id(key), ct_record_signer_count(record, ring), need, cli_s(need));
done:
	ct_keyring_free(ring);
	json_decref(record);
	ct_store_free(store);
	ct_key_free(key);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}
