/* claimtrail claim add|revise|retract: recording claims and their signed revisions. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void claim_usage(FILE *out)
{
	fprintf(out,
		"usage: claimtrail claim add --statement S --source ID [--quote Q] [--location L]\n"
		"                            [--quantity N [--unit U] [--qualifier Q]] [--tag T]...\n"
		"                            [--id ID] [--reason R] [--source-text FILE]\n"
		"       claimtrail claim revise ID [--statement S] [--source ID] [--quote Q]\n"
		"                            [--location L] [--quantity N] [--unit U] [--qualifier Q]\n"
		"                            [--no-quantity] [--tag T]... --reason R\n"
		"       claimtrail claim retract ID --reason R\n"
		"\n"
		"The claim is attributed to a source already in the store; a quote is checked against\n"
		"the source's kept text and anchored there. Without --id, the id is derived from the\n"
		"statement. --source-text FILE anchors the quote in a copy of a source whose text the\n"
		"store does not keep (its sha256 must match). --tag on revise replaces the tags.\n"
		"The signing key comes from --key FILE or $CLAIMTRAIL_KEY. Prints the claim's id (--json: the signed record).\n");
}

typedef struct {
	json_t *fields;
	const char *reason;
	const char *key;
	const char *pass_file;
	int json;
	const char *source_text;
} claim_args;

/* Sets member name of the sub-object obj_name in fields. */
static int set_in(json_t *fields, const char *obj_name, const char *name, json_t *value)
{
	json_t *obj = json_object_get(fields, obj_name);

	if (!value)
		return -1;
	if (!obj) {
		obj = json_object();
		json_object_set_new(fields, obj_name, obj);
	}
	return json_object_set_new(obj, name, value);
}

static int parse(claim_args *a, int argc, char **argv, const char *cmd)
{
	static const struct option opts[] = {
		{"statement", required_argument, NULL, 's'},
		{"source", required_argument, NULL, 'S'},
		{"quote", required_argument, NULL, 'q'},
		{"location", required_argument, NULL, 'l'},
		{"quantity", required_argument, NULL, 'n'},
		{"unit", required_argument, NULL, 'u'},
		{"qualifier", required_argument, NULL, 'Q'},
		{"no-quantity", no_argument, NULL, 'N'},
		{"tag", required_argument, NULL, 't'},
		{"id", required_argument, NULL, 'i'},
		{"reason", required_argument, NULL, 'm'},
		{"key", required_argument, NULL, 'k'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{"source-text", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	json_t *tags = NULL;
	char amount[64];
	int c, rc = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hk:m:", opts, NULL)) != -1) {
		switch (c) {
		case 's': rc = json_object_set_new(a->fields, "statement", json_string(optarg)); break;
		case 'i': rc = json_object_set_new(a->fields, "id", json_string(optarg)); break;
		case 'S': rc = set_in(a->fields, "attribution", "source", json_string(optarg)); break;
		case 'q': rc = set_in(a->fields, "attribution", "quote", json_string(optarg)); break;
		case 'l': rc = set_in(a->fields, "attribution", "location", json_string(optarg)); break;
		case 'n':
			if (cli_parse_amount(amount, sizeof(amount), optarg) < 0)
				return cli_fail(CT_EINVALID);
			rc = set_in(a->fields, "quantity", "amount", json_string(amount));
			break;
		case 'u': rc = set_in(a->fields, "quantity", "unit", json_string(optarg)); break;
		case 'Q': rc = set_in(a->fields, "quantity", "qualifier", json_string(optarg)); break;
		case 'N': rc = json_object_set_new(a->fields, "quantity", json_null()); break;
		case 't':
			if (!tags) {
				tags = json_array();
				json_object_set_new(a->fields, "tags", tags);
			}
			rc = json_array_append_new(tags, json_string(optarg));
			break;
		case 'm': a->reason = optarg; break;
		case 'k': a->key = optarg; break;
		case 'p': a->pass_file = optarg; break;
		case 'j': a->json = 1; break;
		case 'T': a->source_text = optarg; break;
		case 'h':
			claim_usage(stdout);
			return -1;
		default:
			return cli_usage("claim %s: unknown option or missing value '%s'", cmd,
				argv[optind - 1]);
		}
		if (rc < 0)
			return cli_usage("claim %s: the value of %s is not valid UTF-8", cmd,
				argv[optind - 1]);
	}
	return 0;
}

static int claim_write(ct_cli *cli, int argc, char **argv, const char *cmd)
{
	claim_args a = {json_object(), NULL, NULL, NULL, 0, NULL};
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	ct_buf text = CT_BUF_INIT;
	const char *id = NULL;
	int add = strcmp(cmd, "add") == 0;
	int status, error = 0;

	if ((status = parse(&a, argc, argv, cmd)) != 0) {
		json_decref(a.fields);
		return status < 0 ? CT_EXIT_OK : status;
	}
	if (add ? optind != argc : argc - optind != 1) {
		json_decref(a.fields);
		return add ? cli_usage("claim add: unexpected argument '%s'", argv[optind])
			   : cli_usage("claim %s: expected one claim ID", cmd);
	}
	if (!add)
		id = argv[optind];
	if (add && (!json_object_get(a.fields, "statement") ||
			   !json_object_get(json_object_get(a.fields, "attribution"), "source"))) {
		json_decref(a.fields);
		return cli_usage("claim add: --statement and --source are required");
	}
	if (strcmp(cmd, "retract") == 0 && json_object_size(a.fields) > 0) {
		json_decref(a.fields);
		return cli_usage("claim retract: takes only --reason");
	}
	if (!add && (!a.reason || !*a.reason)) {
		json_decref(a.fields);
		return cli_usage("claim %s: --reason is required", cmd);
	}
	if ((a.source_text &&
		    (error = ct_file_read(&text, a.source_text, CLI_SOURCE_TEXT_MAX)) < 0) ||
		(error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto done;
	wopts.signer = key;
	wopts.reason = a.reason;
	wopts.source_text = a.source_text ? (const uint8_t *)text.ptr : NULL;
	wopts.source_text_len = text.len;
	if (add)
		error = ct_claim_add(&record, store, a.fields, &wopts);
	else if (strcmp(cmd, "revise") == 0)
		error = ct_claim_revise(&record, store, id, a.fields, &wopts);
	else
		error = ct_claim_retract(&record, store, id, &wopts);
	if (error < 0)
		goto done;
	if (a.json)
		cli_print_json(record);
	else if (add)
		printf("%s\n", ct_record_id(record));
	else
		printf("%s revision %lld\n", ct_record_id(record),
			(long long)json_integer_value(json_object_get(record, "revision")));
done:
	ct_buf_free(&text);
	json_decref(record);
	json_decref(a.fields);
	ct_store_free(store);
	ct_key_free(key);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}

int cmd_claim(ct_cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		claim_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
	}
	if (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "revise") == 0 ||
		strcmp(argv[1], "retract") == 0)
		return claim_write(cli, argc - 1, argv + 1, argv[1]);
	return cli_usage("claim: unknown subcommand '%s'", argv[1]);
}
