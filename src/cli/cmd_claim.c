/* claimtrail claim add|revise|retract: recording claims and their signed revisions. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct {
	json_t *fields;
	const char *reason;
	const char *key;
	const char *pass_file;
	int json;
	const char *source_text;
	json_t *link;  /* the last --said-by, --cited-by, ... link: --quote, --location go there */
	int no_hedges; /* --no-hedges: record none, detect none */
	int merge;
} claim_args;

/* --said-by, --reported-by, --cited-by, --recorded-by: a link of the attribution chain. */
static int add_link(claim_args *a, const char *role, const char *source)
{
	json_t *links = json_object_get(a->fields, "sources");
	json_t *link = json_pack("{s:s, s:s?}", "role", role, "source", source);

	if (!link)
		return -1;
	if (!links) {
		links = json_array();
		json_object_set_new(a->fields, "sources", links);
	}
	if (json_array_append_new(links, link) < 0)
		return -1;
	a->link = link;
	return 0;
}

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

/* --statement, --source, --quantity, ...: the member of the claim's fields the option names. */
static int set_field(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	claim_args *a = args;
	const char *name = opt->name;
	json_t *tags;
	int rc;

	if (strcmp(name, "statement") == 0 || strcmp(name, "id") == 0) {
		rc = json_object_set_new(a->fields, name, json_string(value));
	} else if (a->link && (strcmp(name, "quote") == 0 || strcmp(name, "location") == 0)) {
		rc = json_object_set_new(a->link, name, json_string(value));
	} else if (strcmp(name, "source") == 0 || strcmp(name, "quote") == 0 ||
		strcmp(name, "location") == 0) {
		rc = set_in(a->fields, "attribution", name, json_string(value));
	} else if (strcmp(name, "said-by") == 0 || strcmp(name, "reported-by") == 0 ||
		strcmp(name, "cited-by") == 0 || strcmp(name, "recorded-by") == 0) {
		rc = add_link(a, name, value);
	} else if (strcmp(name, "role") == 0) {
		rc = set_in(a->fields, "attribution", name, json_string(value));
	} else if (strcmp(name, "hedge") == 0) {
		json_t *hedges = json_object_get(a->fields, "hedges");
		if (!hedges) {
			hedges = json_array();
			json_object_set_new(a->fields, "hedges", hedges);
		}
		rc = json_array_append_new(hedges, json_string(value));
	} else if (strcmp(name, "no-hedges") == 0) {
		a->no_hedges = 1;
		rc = json_object_set_new(a->fields, "hedges", json_null());
	} else if (strcmp(name, "low") == 0 || strcmp(name, "high") == 0) {
		ct_quantity_parsed q;
		if (ct_quantity_parse(&q, value) < 0)
			return cli_fail(CT_EINVALID);
		rc = set_in(a->fields, "quantity", name, json_string(q.amount));
	} else if (strcmp(name, "quantity-as-of") == 0) {
		rc = set_in(a->fields, "quantity", "as_of", json_string(value));
	} else if (strcmp(name, "quantity") == 0) {
		rc = cli_set_quantity(a->fields, value);
		if (rc == CT_EINVALID)
			return cli_fail(CT_EINVALID);
	} else if (strcmp(name, "no-quantity") == 0) {
		rc = json_object_set_new(a->fields, "quantity", json_null());
	} else if (strcmp(name, "tag") == 0) {
		if (!(tags = json_object_get(a->fields, "tags"))) {
			tags = json_array();
			json_object_set_new(a->fields, "tags", tags);
		}
		rc = json_array_append_new(tags, json_string(value));
	} else { /* unit, qualifier */
		rc = set_in(a->fields, "quantity", name, json_string(value));
	}
	if (rc < 0)
		return cli_cmd_usage(cmd, "the value of --%s is not valid UTF-8", name);
	return 0;
}

/* One table for add, revise and retract (retract refuses the fields after parsing). */
static const cli_opt claim_opts[] = {
	CLI_FN("statement", 0, CLI_VALUE, "S", "what is claimed", set_field),
	CLI_FN("source", 0, CLI_VALUE, "ID", "the source it is attributed to", set_field),
	CLI_FN("quote", 0, CLI_VALUE, "Q", "the exact words in the source", set_field),
	CLI_FN("location", 0, CLI_VALUE, "L", "where in the source (page, paragraph, time)",
		set_field),
	CLI_FN("quantity", 0, CLI_VALUE, "N",
		"the number claimed (\"6,000\", \"7.6 million\", \"30%\")", set_field),
	CLI_FN("unit", 0, CLI_VALUE, "U", "the quantity's unit", set_field),
	CLI_FN("qualifier", 0, CLI_VALUE, "Q", "the quantity's qualifier (\"more than\")",
		set_field),
	CLI_FN("no-quantity", 0, CLI_NOVALUE, NULL, "revise: remove the quantity", set_field),
	CLI_FN("tag", 0, CLI_VALUE, "T", "a tag (repeatable; on revise, replaces the tags)",
		set_field),
	CLI_FN("id", 0, CLI_VALUE, "ID", "add: the claim's id (default: from the statement)",
		set_field),
	CLI_FN("said-by", 0, CLI_VALUE, "ID",
		"a source that made the assertion (a --quote, --location after it are its own)",
		set_field),
	CLI_FN("reported-by", 0, CLI_VALUE, "ID",
		"a source where it was read (a link, as --said-by)", set_field),
	CLI_FN("cited-by", 0, CLI_VALUE, "ID", "a source that cites it (a link, as --said-by)",
		set_field),
	CLI_FN("recorded-by", 0, CLI_VALUE, "ID",
		"a source that recorded it (a link, as --said-by)", set_field),
	CLI_FN("role", 0, CLI_VALUE, "R",
		"the role of --source: reported-by (the default), said-by, cited-by, recorded-by",
		set_field),
	CLI_FN("hedge", 0, CLI_VALUE, "H",
		"a hedge of the quote (repeatable; default on add: those found in the quotes)",
		set_field),
	CLI_FN("no-hedges", 0, CLI_NOVALUE, NULL, "record no hedges (revise: remove them)",
		set_field),
	CLI_FN("low", 0, CLI_VALUE, "N", "the quantity's lower bound", set_field),
	CLI_FN("high", 0, CLI_VALUE, "N", "the quantity's upper bound", set_field),
	CLI_FN("quantity-as-of", 0, CLI_VALUE, "D",
		"when the quantity held: YYYY, YYYY-MM or YYYY-MM-DD", set_field),
	CLI_STR("reason", 'm', "R", "why (required by revise and retract)", claim_args, reason),
	CLI_OPT_KEY('k', claim_args, key),
	CLI_OPT_PASSPHRASE_FILE(claim_args, pass_file),
	CLI_OPT_JSON("print the signed record", claim_args, json),
	CLI_STR("source-text", 0, "FILE", "a copy of the source's text to anchor the quote in",
		claim_args, source_text),
	CLI_FLAG("merge", 0, "revise: end a conflict, naming every concurrent revision as prev",
		claim_args, merge),
	CLI_END,
};

static const char claim_usage[] =
	"usage: claimtrail claim add --statement S --source ID [--quote Q] [--location L]\n"
	"                            [--quantity N [--unit U] [--qualifier Q]] [--tag T]...\n"
	"                            [--id ID] [--reason R] [--source-text FILE]\n"
	"       claimtrail claim revise ID [--statement S] [--source ID] [--quote Q]\n"
	"                            [--location L] [--quantity N] [--unit U] [--qualifier Q]\n"
	"                            [--no-quantity] [--tag T]... [--merge] --reason R\n"
	"       claimtrail claim retract ID --reason R\n"
	"       claimtrail claim link ID --depends-on OTHER | ID OTHER --same-quantity\n"
	"                            [--reason R]\n"
	"\n"
	"Attribution chain: --source is where the claim was read (role reported-by unless\n"
	"--role says otherwise); --said-by ID (also --reported-by, --cited-by, --recorded-by)\n"
	"adds a link, and a --quote or --location after it belongs to that link. Hedges: on add,\n"
	"the hedging words of the quotes (\"as many as\", \"may have\", ...) are recorded and\n"
	"printed unless --hedge (repeatable) or --no-hedges says otherwise. Quantities take\n"
	"--low, --high and --quantity-as-of.\n"
	"\n"
	"The claim is attributed to a source already in the store; a quote is checked against\n"
	"the source's kept text and anchored there. Without --id, the id is derived from the\n"
	"statement. --source-text FILE anchors the quote in a copy of a source whose text the\n"
	"store does not keep (its sha256 must match). --tag on revise replaces the tags.\n"
	"revise --merge ends a conflict (concurrent revisions kept by a sync): the new revision\n"
	"names them all as prev (docs/sync.md).\n"
	"The signing key comes from --key FILE or $CLAIMTRAIL_KEY. Prints the claim's id (--json: the signed record).\n";

static const cli_cmd claim_cmd = {"claim", claim_usage, NULL};
static const cli_cmd add_cmd = {"claim add", claim_usage, claim_opts};
static const cli_cmd revise_cmd = {"claim revise", claim_usage, claim_opts};
static const cli_cmd retract_cmd = {"claim retract", claim_usage, claim_opts};

/*
 * The hedges claim add proposes when none are given: those found in the quotes (of the
 * attribution and of each link), recorded and printed on standard error for the user to confirm
 * or override (--hedge, --no-hedges, or claim revise).
 */
static int propose_hedges(json_t *fields)
{
	json_t *quotes = json_array(), *all = json_array(), *found = NULL, *link, *h;
	const char *q =
		json_string_value(json_object_get(json_object_get(fields, "attribution"), "quote"));
	const char *qualifier = json_string_value(
		json_object_get(json_object_get(fields, "quantity"), "qualifier"));
	size_t i, j, k;
	int error = 0;

	if (!quotes || !all) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if (q)
		json_array_append_new(quotes, json_string(q));
	json_array_foreach (json_object_get(fields, "sources"), i, link)
		if (json_object_get(link, "quote"))
			json_array_append(quotes, json_object_get(link, "quote"));
	json_array_foreach (quotes, i, link) {
		if ((error = ct_hedges_find(&found, json_string_value(link))) < 0)
			goto done;
		json_array_foreach (found, j, h) {
			int seen = 0;
			json_t *o;
			json_array_foreach (all, k, o)
				seen |= json_equal(o, h);
			if (!seen)
				json_array_append(all, h);
		}
		json_decref(found);
		found = NULL;
	}
	if (json_array_size(all) == 0)
		goto done;
	/* a hedge the user gave as the quantity's qualifier is theirs already: not proposed; the
	 * others are said on a terminal (show and cat print what was recorded) */
	k = 0;
	json_array_foreach (all, i, h) {
		if (!isatty(STDERR_FILENO) ||
			(qualifier && strcasecmp(qualifier, json_string_value(h)) == 0))
			continue;
		fprintf(stderr, "%s '%s'",
			k++ ? "," : "hedges found in the quote, recorded:", json_string_value(h));
	}
	if (k)
		fprintf(stderr, " (say otherwise with --hedge or --no-hedges)\n");
	json_object_set(fields, "hedges", all);
done:
	json_decref(found);
	json_decref(all);
	json_decref(quotes);
	return error;
}

static int claim_write(ct_cli *cli, int argc, char **argv, const char *sub)
{
	claim_args a = {json_object(), NULL, NULL, NULL, 0, NULL, NULL, 0, 0};
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	ct_buf text = CT_BUF_INIT;
	ct_buf id_buf = CT_BUF_INIT, source_buf = CT_BUF_INIT;
	json_t *attribution;
	const char *id = NULL, *source = NULL;
	int add = strcmp(sub, "add") == 0;
	const cli_cmd *cmd = add	     ? &add_cmd
		: strcmp(sub, "revise") == 0 ? &revise_cmd
					     : &retract_cmd;
	int status, error = 0;

	if ((status = cli_parse(cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (add ? optind != argc : argc - optind != 1) {
		status = add ? cli_cmd_usage(cmd, "unexpected argument '%s'", argv[optind])
			     : cli_cmd_usage(cmd, "expected one claim ID");
		goto out;
	}
	if (add && !a.no_hedges && !json_object_get(a.fields, "hedges") &&
		(error = propose_hedges(a.fields)) < 0)
		goto done;
	if (add && json_is_null(json_object_get(a.fields, "hedges")))
		json_object_del(a.fields, "hedges"); /* --no-hedges: none to record */
	if (!add)
		id = argv[optind];
	else if (json_is_null(json_object_get(json_object_get(a.fields, "quantity"), "text")))
		json_object_del(
			json_object_get(a.fields, "quantity"), "text"); /* nothing to drop */
	if (add &&
		(!json_object_get(a.fields, "statement") ||
			!json_object_get(json_object_get(a.fields, "attribution"), "source"))) {
		status = cli_cmd_usage(cmd, "--statement and --source are required");
		goto out;
	}
	if (a.merge && cmd != &revise_cmd) {
		status = cli_cmd_usage(cmd, "--merge is for claim revise");
		goto out;
	}
	if (cmd == &retract_cmd && json_object_size(a.fields) > 0) {
		status = cli_cmd_usage(cmd, "takes only --reason");
		goto out;
	}
	if (!add && (!a.reason || !*a.reason)) {
		status = cli_cmd_usage(cmd, "--reason is required");
		goto out;
	}
	if ((a.source_text &&
		    (error = ct_file_read(&text, a.source_text, CLI_SOURCE_TEXT_MAX)) < 0) ||
		(error = cli_open_store(&store, cli)) < 0)
		goto done;
	/* a unique prefix names the claim and the source */
	attribution = json_object_get(a.fields, "attribution");
	source = json_string_value(json_object_get(attribution, "source"));
	if ((error = cli_resolve_id(&id, &id_buf, store, CT_KIND_CLAIM, NULL)) < 0 ||
		(error = cli_resolve_id(&source, &source_buf, store, CT_KIND_SOURCE, NULL)) < 0)
		goto done;
	if (source && json_object_set_new(attribution, "source", json_string(source)) < 0) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto done;
	wopts.signer = key;
	wopts.reason = a.reason;
	wopts.source_text = a.source_text ? (const uint8_t *)text.ptr : NULL;
	wopts.source_text_len = text.len;
	if (add)
		error = ct_claim_add(&record, store, a.fields, &wopts);
	else if (cmd == &revise_cmd && a.merge)
		error = ct_claim_revise_merge(&record, store, id, a.fields, &wopts);
	else if (cmd == &revise_cmd)
		error = ct_claim_revise(&record, store, id, a.fields, &wopts);
	else
		error = ct_claim_retract(&record, store, id, &wopts);
	if (error < 0)
		goto done;
	cli_warn_quantity(record);
	if (a.json)
		cli_print_json(record);
	else if (add)
		printf("%s\n", ct_record_id(record));
	else
		printf("%s revision %lld\n", ct_record_id(record),
			(long long)json_integer_value(json_object_get(record, "revision")));
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&id_buf);
	ct_buf_free(&source_buf);
	ct_buf_free(&text);
	json_decref(record);
	json_decref(a.fields);
	ct_store_free(store);
	ct_key_free(key);
	return status;
}

typedef struct {
	const char *depends_on;
	int same_quantity;
	const char *reason;
	const char *key;
	const char *pass_file;
} link_args;

static const cli_opt link_opts[] = {
	CLI_STR("depends-on", 0, "OTHER", "ID depends on claim OTHER", link_args, depends_on),
	CLI_FLAG("same-quantity", 0, "ID and OTHER are figures of one quantity", link_args,
		same_quantity),
	CLI_STR("reason", 'm', "R", "why (default: says what is linked)", link_args, reason),
	CLI_OPT_KEY('k', link_args, key),
	CLI_OPT_PASSPHRASE_FILE(link_args, pass_file),
	CLI_END,
};

static const cli_cmd link_cmd = {"claim link", claim_usage, link_opts};

/* claim link ID --depends-on OTHER, claim link ID OTHER --same-quantity: a new revision of ID. */
static int claim_link(ct_cli *cli, int argc, char **argv)
{
	link_args a = {NULL, 0, NULL, NULL, NULL};
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	ct_buf id_buf = CT_BUF_INIT, other_buf = CT_BUF_INIT, reason = CT_BUF_INIT;
	const char *id, *other;
	int status, error = 0;

	if ((status = cli_parse(&link_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (!a.depends_on == !a.same_quantity) {
		status = cli_cmd_usage(
			&link_cmd, "give --depends-on OTHER or ID OTHER --same-quantity");
		goto out;
	}
	if (argc - optind != (a.same_quantity ? 2 : 1)) {
		status = cli_cmd_usage(&link_cmd,
			a.same_quantity ? "expected two claim IDs" : "expected one claim ID");
		goto out;
	}
	id = argv[optind];
	other = a.same_quantity ? argv[optind + 1] : a.depends_on;
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_resolve_id(&id, &id_buf, store, CT_KIND_CLAIM, NULL)) < 0 ||
		(error = cli_resolve_id(&other, &other_buf, store, CT_KIND_CLAIM, NULL)) < 0 ||
		(error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto done;
	if (!a.reason &&
		(error = ct_buf_printf(&reason,
			 a.same_quantity ? "link: the same quantity as %s" : "link: depends on %s",
			 other)) < 0)
		goto done;
	wopts.signer = key;
	wopts.reason = a.reason ? a.reason : reason.ptr;
	if ((error = ct_claim_link(&record, store, id,
		     a.same_quantity ? "same_quantity" : "depends_on", other, &wopts)) < 0)
		goto done;
	printf("%s revision %lld\n", ct_record_id(record),
		(long long)json_integer_value(json_object_get(record, "revision")));
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&id_buf);
	ct_buf_free(&other_buf);
	ct_buf_free(&reason);
	json_decref(record);
	ct_store_free(store);
	ct_key_free(key);
	return status;
}

int cmd_claim(ct_cli *cli, int argc, char **argv)
{
	int status;

	if (argc < 2) {
		cli_help(&claim_cmd, stderr);
		status = CT_EXIT_USAGE;
	} else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_help(&claim_cmd, stdout);
		status = CT_EXIT_OK;
	} else if (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "revise") == 0 ||
		strcmp(argv[1], "retract") == 0) {
		status = claim_write(cli, argc - 1, argv + 1, argv[1]);
	} else if (strcmp(argv[1], "link") == 0) {
		status = claim_link(cli, argc - 1, argv + 1);
	} else {
		status = cli_cmd_usage(&claim_cmd, "unknown subcommand '%s'", argv[1]);
	}
	return status;
}
