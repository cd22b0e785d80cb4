/* claimtrail annotate, dispute, resolve and sign-off: a fact-checker's work on a claim. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	/* the ids as typed (argv), resolved to whole ids once the store is open */
	const char *claim;
	const char *dispute;
	ct_buf ids[MAX_EVIDENCE + 3];
} annotate_args;

static int add_evidence(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	annotate_args *a = args;

	(void)opt;
	if (a->evidence_count == MAX_EVIDENCE)
		return cli_cmd_usage(cmd, "at most %d --evidence sources", MAX_EVIDENCE);
	a->evidence[a->evidence_count++] = value;
	return 0;
}

/* The options of annotate, dispute, resolve and sign-off; each refuses the others'. */
#define OPT_VERDICT CLI_STR("verdict", 0, "V", "the verdict (below)", annotate_args, verdict)
#define OPT_NOTE(help) CLI_STR("note", 0, "TEXT", help, annotate_args, note)
#define OPT_EVIDENCE \
	CLI_FN("evidence", 0, CLI_VALUE, "SOURCE-ID", \
		"a source supporting the verdict (repeatable)", add_evidence)
#define OPT_BY CLI_STR("by", 0, "WHO", "who disputes the claim", annotate_args, by)
#define OPT_REASON CLI_STR("reason", 0, "TEXT", "on what grounds", annotate_args, reason)
#define OPT_SOURCE \
	CLI_STR("source", 0, "SOURCE-ID", "a source the dispute cites", annotate_args, source)
#define OPT_OUTCOME \
	CLI_STR("outcome", 0, "upheld|rejected", "how the dispute ends", annotate_args, outcome)
#define OPTS_COMMON \
	CLI_OPT_KEY('k', annotate_args, key), CLI_OPT_PASSPHRASE_FILE(annotate_args, pass_file), \
		CLI_OPT_JSON("print the signed record", annotate_args, json)

static const cli_opt annotate_opts[] = {
	OPT_VERDICT,
	OPT_NOTE("a note, with the verdict or alone"),
	OPT_EVIDENCE,
	OPTS_COMMON,
	CLI_REFUSE("by", 0, CLI_VALUE),
	CLI_REFUSE("reason", 0, CLI_VALUE),
	CLI_REFUSE("source", 0, CLI_VALUE),
	CLI_REFUSE("outcome", 0, CLI_VALUE),
	CLI_END,
};

static const cli_opt dispute_opts[] = {
	OPT_BY,
	OPT_REASON,
	OPT_SOURCE,
	OPTS_COMMON,
	CLI_REFUSE("verdict", 0, CLI_VALUE),
	CLI_REFUSE("note", 0, CLI_VALUE),
	CLI_REFUSE("evidence", 0, CLI_VALUE),
	CLI_REFUSE("outcome", 0, CLI_VALUE),
	CLI_END,
};

static const cli_opt resolve_opts[] = {
	OPT_OUTCOME,
	OPT_NOTE("why"),
	OPTS_COMMON,
	CLI_REFUSE("verdict", 0, CLI_VALUE),
	CLI_REFUSE("evidence", 0, CLI_VALUE),
	CLI_REFUSE("by", 0, CLI_VALUE),
	CLI_REFUSE("reason", 0, CLI_VALUE),
	CLI_REFUSE("source", 0, CLI_VALUE),
	CLI_END,
};

static const cli_opt sign_off_opts[] = {
	OPT_NOTE("a note for the commit message"),
	OPTS_COMMON,
	CLI_REFUSE("verdict", 0, CLI_VALUE),
	CLI_REFUSE("evidence", 0, CLI_VALUE),
	CLI_REFUSE("by", 0, CLI_VALUE),
	CLI_REFUSE("reason", 0, CLI_VALUE),
	CLI_REFUSE("source", 0, CLI_VALUE),
	CLI_REFUSE("outcome", 0, CLI_VALUE),
	CLI_END,
};

/* Resolves every id the command was given (a unique prefix names its record) in the store. */
static int resolve_ids(ct_store *store, annotate_args *a)
{
	size_t i;
	int error;

	if ((error = cli_resolve_id(&a->claim, &a->ids[0], store, CT_KIND_CLAIM, NULL)) < 0 ||
		(error = cli_resolve_id(
			 &a->dispute, &a->ids[1], store, CT_KIND_ANNOTATION, a->claim)) < 0 ||
		(error = cli_resolve_id(&a->source, &a->ids[2], store, CT_KIND_SOURCE, NULL)) < 0)
		return error;
	for (i = 0; i < a->evidence_count; i++)
		if ((error = cli_resolve_id(
			     &a->evidence[i], &a->ids[3 + i], store, CT_KIND_SOURCE, NULL)) < 0)
			return error;
	return 0;
}

static void free_ids(annotate_args *a)
{
	size_t i;

	for (i = 0; i < sizeof(a->ids) / sizeof(a->ids[0]); i++)
		ct_buf_free(&a->ids[i]);
}

/* Prints the new annotation (its id, or --json the record) and releases everything. */
static int finish(int error, annotate_args *a, json_t *record, ct_store *store, ct_key *key)
{
	free_ids(a);
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

static int open_for_writing(
	ct_store **store, ct_key **key, ct_write_opts *wopts, ct_cli *cli, annotate_args *a)
{
	int error;

	if ((error = cli_open_store(store, cli)) < 0 || (error = resolve_ids(*store, a)) < 0 ||
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

static const cli_cmd annotate_cmd = {"annotate", annotate_usage, annotate_opts};

int cmd_annotate(ct_cli *cli, int argc, char **argv)
{
	annotate_args a;
	ct_annotate_fields fields = CT_ANNOTATE_FIELDS_INIT;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&annotate_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&annotate_cmd, "expected one claim ID");
		goto out;
	}
	if (!a.verdict && !a.note) {
		status = cli_cmd_usage(&annotate_cmd, "give --verdict, --note or both");
		goto out;
	}
	a.claim = argv[optind];
	if (a.verdict) {
		/* verdicts are matched without regard to case: --verdict Mostly-True */
		size_t i, n;
		const ct_verdict *scale = ct_verdict_scale(&n);
		for (i = 0; i < n; i++)
			if (strcasecmp(scale[i].name, a.verdict) == 0)
				a.verdict = scale[i].name;
	}
	fields.verdict = a.verdict;
	fields.note = a.note;
	fields.evidence = a.evidence;
	fields.evidence_count = a.evidence_count;
	if ((error = open_for_writing(&store, &key, &wopts, cli, &a)) == 0)
		error = ct_claim_annotate(&record, store, a.claim, &fields, &wopts);
	status = finish(error, &a, record, store, key);
out:
	return status;
}

static const char dispute_usage[] =
	"usage: claimtrail dispute ID --by WHO --reason TEXT [--source SOURCE-ID]\n"
	"                         [--key FILE] [--passphrase-file FILE] [--json]\n\n"
	"Records that WHO disputes the claim, and on what grounds (optionally citing a source in\n"
	"the store), and prints the dispute's id. The claim's status is \"disputed\" until the\n"
	"dispute is resolved with 'claimtrail resolve'.\n";

static const cli_cmd dispute_cmd = {"dispute", dispute_usage, dispute_opts};

int cmd_dispute(ct_cli *cli, int argc, char **argv)
{
	annotate_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&dispute_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&dispute_cmd, "expected one claim ID");
		goto out;
	}
	if (!a.by || !a.reason) {
		status = cli_cmd_usage(&dispute_cmd, "--by and --reason are required");
		goto out;
	}
	a.claim = argv[optind];
	if ((error = open_for_writing(&store, &key, &wopts, cli, &a)) == 0)
		error = ct_claim_dispute(&record, store, a.claim, a.by, a.reason, a.source, &wopts);
	status = finish(error, &a, record, store, key);
out:
	return status;
}

static const char resolve_usage[] =
	"usage: claimtrail resolve ID DISPUTE-ID --outcome upheld|rejected --note TEXT\n"
	"                         [--key FILE] [--passphrase-file FILE] [--json]\n\n"
	"Closes an open dispute of the claim. upheld: the dispute was right (the claim needs a\n"
	"new verdict); rejected: the claim stands. The note says why. Prints the resolution's id.\n";

static const cli_cmd resolve_cmd = {"resolve", resolve_usage, resolve_opts};

int cmd_resolve(ct_cli *cli, int argc, char **argv)
{
	annotate_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&resolve_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 2) {
		status = cli_cmd_usage(&resolve_cmd, "expected a claim ID and a DISPUTE-ID");
		goto out;
	}
	if (!a.outcome || !a.note) {
		status = cli_cmd_usage(&resolve_cmd, "--outcome and --note are required");
		goto out;
	}
	if (strcasecmp(a.outcome, "upheld") == 0)
		a.outcome = "upheld";
	else if (strcasecmp(a.outcome, "rejected") == 0)
		a.outcome = "rejected";
	if (strcmp(a.outcome, "upheld") != 0 && strcmp(a.outcome, "rejected") != 0) {
		status = cli_cmd_usage(
			&resolve_cmd, "--outcome is upheld or rejected, not '%s'", a.outcome);
		goto out;
	}
	a.claim = argv[optind];
	a.dispute = argv[optind + 1];
	if ((error = open_for_writing(&store, &key, &wopts, cli, &a)) == 0)
		error = ct_claim_resolve(
			&record, store, a.claim, a.dispute, a.outcome, a.note, &wopts);
	status = finish(error, &a, record, store, key);
out:
	return status;
}

static const char sign_off_usage[] =
	"usage: claimtrail sign-off ID [--note TEXT] [--key FILE] [--passphrase-file FILE] [--json]\n\n"
	"Adds your signature (an editor's, with your own key) to the claim's current revision:\n"
	"what it says and its digest do not change. The existing signatures must verify; a key\n"
	"signs a revision once. The note goes into the commit message. Prints how many signers\n"
	"the revision has and how many the store asks for (store.json \"sign_off_threshold\").\n";

static const cli_cmd sign_off_cmd = {"sign-off", sign_off_usage, sign_off_opts};

int cmd_sign_off(ct_cli *cli, int argc, char **argv)
{
	ct_trust_info trust_info;
	annotate_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	ct_keyring *ring = NULL;
	json_t *record = NULL;
	size_t need, have;
	int status, error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&sign_off_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&sign_off_cmd, "expected one claim ID");
		goto out;
	}
	a.claim = argv[optind];
	if ((error = open_for_writing(&store, &key, &wopts, cli, &a)) < 0)
		goto done;
	wopts.reason = a.note;
	if ((error = ct_claim_sign_off(&record, store, a.claim, &wopts)) < 0 ||
		(error = ct_store_trust(&ring, &trust_info, store, NULL)) < 0)
		goto done;
	need = ct_store_sign_off_threshold(store);
	if ((error = ct_store_claim_signer_count(&have, NULL, store, record, ring)) < 0)
		goto done;
	if (a.json)
		cli_print_json(record);
	else
		printf("%s revision %lld signed off by %s: %zu of %zu signer%s\n",
			ct_record_id(record),
			(long long)json_integer_value(json_object_get(record, "revision")),
			ct_key_id(key), have, need, cli_s(need));
done:
	free_ids(&a);
	ct_keyring_free(ring);
	json_decref(record);
	ct_store_free(store);
	ct_key_free(key);
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	return status;
}
