/* claimtrail source add|revise|list|show: the reports, articles and statements claims cite. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	json_t *fields;
	const char *file;
	const char *reason;
	const char *key;
	const char *pass_file;
	int json;
	const char *rev;
	int keep_text;
	int revise;
	int merge;
} source_args;

/* --title, --publisher, ...: the record member of the option's name. */
static int set_member(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	source_args *a = args;

	if (a->revise && strcmp(opt->name, "id") == 0)
		return cli_cmd_usage(cmd, "the id cannot change");
	if (json_object_set_new(a->fields, opt->name, json_string(value)) < 0)
		return cli_cmd_usage(cmd, "--%s is not valid UTF-8", opt->name);
	return 0;
}

static int add_author(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	source_args *a = args;
	json_t *authors = json_object_get(a->fields, "authors");

	(void)cmd;
	(void)opt;
	if (!authors) {
		authors = json_array();
		json_object_set_new(a->fields, "authors", authors);
	}
	json_array_append_new(authors, json_string(value));
	return 0;
}

static int no_keep_text(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	(void)cmd;
	(void)opt;
	(void)value;
	((source_args *)args)->keep_text = 0;
	return 0;
}

/* One table for add, revise, list and show (each takes them all, as before). */
static const cli_opt source_opts[] = {
	CLI_FN("title", 0, CLI_VALUE, "T", "the title", set_member),
	CLI_FN("publisher", 0, CLI_VALUE, "P", "who published it", set_member),
	CLI_FN("url", 0, CLI_VALUE, "U", "where it is", set_member),
	CLI_FN("author", 0, CLI_VALUE, "A", "an author (repeatable)", add_author),
	CLI_FN("published", 0, CLI_VALUE, "DATE", "when it was published (YYYY-MM-DD)", set_member),
	CLI_FN("retrieved", 0, CLI_VALUE, "DATE", "when it was retrieved (YYYY-MM-DD)", set_member),
	CLI_FN("kind", 0, CLI_VALUE, "KIND", "article, report, statement, ... (below)", set_member),
	CLI_STR("file", 0, "PATH", "the source's text (UTF-8): its sha256 and the text are kept",
		source_args, file),
	CLI_FN("id", 0, CLI_VALUE, "ID", "the source's id (add; default: from the title)",
		set_member),
	CLI_STR("reason", 'm', "R", "why (required by revise)", source_args, reason),
	CLI_OPT_KEY('k', source_args, key),
	CLI_OPT_PASSPHRASE_FILE(source_args, pass_file),
	CLI_OPT_JSON("print the record as JSON", source_args, json),
	CLI_STR("rev", 0, "REV", "show: this revision (number, digest prefix or commit)",
		source_args, rev),
	CLI_FLAG("keep-text", 0, "keep the text of --file in the store (the default)", source_args,
		keep_text),
	CLI_FN("no-keep-text", 0, CLI_NOVALUE, NULL, "keep only the sha256 of --file's text",
		no_keep_text),
	CLI_FLAG("merge", 0, "revise: end a conflict, naming every concurrent revision as prev",
		source_args, merge),
	CLI_END,
};

static const char source_usage[] =
	"usage: claimtrail source add --title T --publisher P [--url U] [--author A]...\n"
	"                             [--published DATE] [--retrieved DATE] [--kind KIND]\n"
	"                             [--file PATH [--no-keep-text]] [--id ID] [--reason R]\n"
	"       claimtrail source revise ID [same options] [--file NEW] [--merge] --reason R\n"
	"       claimtrail source retract ID --reason R\n"
	"       claimtrail source list [--json]\n"
	"       claimtrail source show ID [--rev REV] [--json]\n"
	"\n"
	"KIND: article, report, statement, dataset, interview, book, broadcast, social-post,\n"
	"document, web-page, other. DATE: YYYY-MM-DD. --file keeps the sha256 of the source's\n"
	"text (UTF-8) and, unless --no-keep-text, the text itself in the store, so quotes can be\n"
	"anchored in it (claim add --source-text anchors in a copy kept elsewhere).\n"
	"A revised or retracted source flags the claims that cite it for review (show, check,\n"
	"list --status needs-review); claimtrail diff ID shows what changed in its kept text.\n"
	"A source revised on two clones from the same revision is 'conflicted' after a sync\n"
	"(show, check) until revise --merge writes the revision that names both as prev.\n"
	"The signing key comes from --key FILE or $CLAIMTRAIL_KEY.\n";

static const cli_cmd source_cmd = {"source", source_usage, NULL};
static const cli_cmd add_cmd = {"source add", source_usage, source_opts};
static const cli_cmd revise_cmd = {"source revise", source_usage, source_opts};
static const cli_cmd retract_cmd = {"source retract", source_usage, source_opts};
static const cli_cmd list_cmd = {"source list", source_usage, source_opts};
static const cli_cmd show_cmd = {"source show", source_usage, source_opts};

/* Reads --file: the text must be UTF-8, since quotes are anchored in it. */
static int read_text(ct_buf *text, const char *path)
{
	json_t *probe;
	int error;

	if ((error = ct_file_read(text, path, CLI_SOURCE_TEXT_MAX)) < 0)
		return error;
	probe = json_stringn(text->ptr, text->len);
	if (!probe)
		return ct_error_set(CT_EINVALID,
			"%s: not UTF-8 text (keep the text of the source, "
			"e.g. converted from PDF)",
			path);
	json_decref(probe);
	return 0;
}

/* revise: 1, retract: 2, add: 0 */
static int source_write(ct_cli *cli, int argc, char **argv, int revise)
{
	source_args a = {json_object(), NULL, NULL, NULL, NULL, 0, NULL, -1, revise != 0, 0};
	const cli_cmd *cmd = revise == 2 ? &retract_cmd : revise ? &revise_cmd : &add_cmd;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_buf text = CT_BUF_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *record = NULL;
	const char *id = NULL;
	ct_buf id_buf = CT_BUF_INIT;
	int status, error = 0;

	if ((status = cli_parse(cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (revise) {
		if (argc - optind != 1) {
			status = cli_cmd_usage(cmd, "expected one ID");
			goto out;
		}
		id = argv[optind];
	} else if (optind != argc) {
		status = cli_cmd_usage(cmd, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (a.merge && revise != 1) {
		status = cli_cmd_usage(cmd, "--merge is for source revise");
		goto out;
	}
	if (revise == 2 && (json_object_size(a.fields) > 0 || a.file)) {
		status = cli_cmd_usage(cmd, "takes only --reason");
		goto out;
	}
	if (revise == 2 && (!a.reason || !*a.reason)) {
		status = cli_cmd_usage(cmd, "--reason is required");
		goto out;
	}
	if (!revise &&
		(!json_object_get(a.fields, "title") || !json_object_get(a.fields, "publisher"))) {
		status = cli_cmd_usage(cmd, "--title and --publisher are required");
		goto out;
	}
	if ((a.file && (error = read_text(&text, a.file)) < 0) ||
		(error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_resolve_id(&id, &id_buf, store, CT_KIND_SOURCE, NULL)) < 0 ||
		(error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto done;
	wopts.signer = key;
	wopts.reason = a.reason;
	wopts.keep_text = a.keep_text;
	if (revise == 2)
		error = ct_source_retract(&record, store, id, &wopts);
	else if (revise && a.merge)
		error = ct_source_revise_merge(&record, store, id, a.fields,
			a.file ? (const uint8_t *)text.ptr : NULL, text.len, &wopts);
	else if (revise)
		error = ct_source_revise(&record, store, id, a.fields,
			a.file ? (const uint8_t *)text.ptr : NULL, text.len, &wopts);
	else
		error = ct_source_add(&record, store, a.fields,
			a.file ? (const uint8_t *)text.ptr : NULL, text.len, &wopts);
	if (error < 0)
		goto done;
	if (a.json)
		cli_print_json(record);
	else
		printf("%s\n", ct_record_id(record));
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&id_buf);
	json_decref(record);
	json_decref(a.fields);
	ct_buf_free(&text);
	ct_store_free(store);
	ct_key_free(key);
	return status;
}

static int list_one(const char *id, void *payload)
{
	ct_store *store = ((void **)payload)[0];
	json_t *list = ((void **)payload)[1];
	json_t *rec = NULL;
	int error;

	if ((error = ct_store_get(&rec, store, CT_KIND_SOURCE, id, 0)) < 0)
		return error;
	json_array_append_new(list, rec);
	return 0;
}

static int source_list(ct_cli *cli, int argc, char **argv)
{
	source_args a = {json_object(), NULL, NULL, NULL, NULL, 0, NULL, -1, 1, 0};
	ct_store *store = NULL;
	json_t *list = json_array(), *ids = NULL;
	void *args[2];
	json_t *rec;
	size_t i;
	int status, error = 0;

	if ((status = cli_parse(&list_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (optind != argc) {
		status = cli_cmd_usage(&list_cmd, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0)
		goto done;
	args[0] = store;
	args[1] = list;
	/* in id order, whatever the folders' order */
	if ((error = cli_sorted_ids(&ids, store, CT_KIND_SOURCE)) < 0)
		goto done;
	json_array_foreach (ids, i, rec)
		if ((error = list_one(json_string_value(rec), args)) < 0)
			goto done;
	if (a.json) {
		cli_print_json(list);
	} else {
		json_array_foreach (list, i, rec)
			printf("%-40s %s (%s)\n", ct_record_id(rec),
				json_string_value(json_object_get(rec, "title")),
				json_string_value(json_object_get(rec, "publisher")));
	}
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	json_decref(ids);
	json_decref(list);
	json_decref(a.fields);
	ct_store_free(store);
	return status;
}

static int source_show(ct_cli *cli, int argc, char **argv)
{
	source_args a = {json_object(), NULL, NULL, NULL, NULL, 0, NULL, -1, 1, 0};
	ct_store *store = NULL;
	json_t *rec = NULL;
	json_int_t rev = 0, count = 0;
	ct_buf signers = CT_BUF_INIT, id_buf = CT_BUF_INIT, why = CT_BUF_INIT;
	json_t *heads = NULL, *conflicted = NULL, *latest = NULL;
	ct_verification v;
	char digest[CT_DIGEST_LEN + 1];
	int status, error = 0;

	if ((status = cli_parse(&show_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&show_cmd, "expected one ID");
		goto out;
	}
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_resolve_arg(&argv[optind], &id_buf, store, CT_KIND_SOURCE)) < 0 ||
		(error = ct_store_get(&latest, store, CT_KIND_SOURCE, argv[optind], 0)) < 0)
		goto done;
	/* "of N": the highest number (concurrent revisions share theirs) */
	count = json_integer_value(json_object_get(latest, "revision"));
	if (!a.rev)
		rec = json_incref(latest);
	else if ((rec = cli_concurrent_by_digest(store, CT_KIND_SOURCE, argv[optind], a.rev)))
		;
	else if ((error = ct_store_resolve_revision(
			  &rev, store, CT_KIND_SOURCE, argv[optind], a.rev)) < 0 ||
		(error = ct_store_get(&rec, store, CT_KIND_SOURCE, argv[optind], rev)) < 0)
		goto done;
	if ((error = cli_verified_signers(&signers, &v, store, rec)) < 0 ||
		(error = ct_store_heads(&heads, store, CT_KIND_SOURCE, argv[optind])) < 0)
		goto done;
	if (json_array_size(heads) > 1) {
		/* concurrent revisions kept side by side by a sync (docs/sync.md) */
		json_t *h;
		size_t i;
		if (!(conflicted = json_array())) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			goto done;
		}
		json_array_foreach (heads, i, h) {
			char d[CT_DIGEST_LEN + 1] = "";
			ct_record_digest(d, h);
			json_array_append_new(conflicted, json_string(d));
			if ((error = ct_buf_printf(&why, "%s revision %lld %.19s", i ? "," : "",
				     (long long)json_integer_value(json_object_get(h, "revision")),
				     d)) < 0)
				goto done;
		}
	}
	if (a.json) {
		/* the record as stored, and whether it verifies */
		json_t *out = json_deep_copy(rec);
		json_object_set_new(out, "verification", cli_verification_json(&v));
		if (conflicted)
			json_object_set(out, "conflicted", conflicted);
		cli_print_json(out);
		json_decref(out);
		goto done;
	}
	ct_record_digest(digest, rec);
	printf("source %s (revision %lld of %lld)\n", ct_record_id(rec),
		(long long)json_integer_value(json_object_get(rec, "revision")), (long long)count);
	if (v.state == CT_RECORD_VERIFIED)
		printf("verified:   yes\n");
	else
		printf("verified:   NO (%s): %s\n", ct_record_state_name(v.state), v.reason);
	if (conflicted)
		printf("status:     conflicted (%zu concurrent revisions:%s; end it with 'claimtrail "
		       "source revise %s --merge')\n",
			json_array_size(conflicted), why.ptr, ct_record_id(rec));
	printf("title:      %s\n", json_string_value(json_object_get(rec, "title")));
	printf("publisher:  %s\n", json_string_value(json_object_get(rec, "publisher")));
	{
		static const char *const optional[] = {
			"kind", "url", "published", "retrieved", NULL};
		static const char *const labels[] = {
			"kind:      ", "url:       ", "published: ", "retrieved: "};
		size_t i;
		json_t *au;
		for (i = 0; optional[i]; i++)
			if (json_object_get(rec, optional[i]))
				printf("%s %s\n", labels[i],
					json_string_value(json_object_get(rec, optional[i])));
		json_array_foreach (json_object_get(rec, "authors"), i, au)
			printf("author:     %s\n", json_string_value(au));
	}
	if (json_object_get(rec, "archive")) {
		json_t *ar = json_object_get(rec, "archive");
		const char *kept = "";
		if (json_is_true(json_object_get(ar, "stored"))) {
			/* "stored" is what the signer's store did; say what this store has (a store
			 * that imported the record from a bundle without the text has none) */
			ct_buf text = CT_BUF_INIT;
			int rc = ct_store_source_text(&text, store, ct_record_id(rec),
				json_integer_value(json_object_get(rec, "revision")));
			kept = rc == 0 ? ", kept in the store"
				       : ", recorded as kept, but this store does not have it";
			if (rc < 0 && rc != CT_ENOTFOUND) {
				ct_buf_free(&text);
				error = rc;
				goto done;
			}
			ct_error_clear();
			ct_buf_free(&text);
		}
		json_int_t length = json_integer_value(json_object_get(ar, "length"));
		printf("text:       sha256 %s, %lld byte%s%s\n",
			json_string_value(json_object_get(ar, "sha256")), (long long)length,
			cli_s((unsigned long long)length), kept);
	}
	printf("created:    %s\n", json_string_value(json_object_get(rec, "created")));
	if (json_object_get(rec, "reason"))
		printf("reason:     %s\n", json_string_value(json_object_get(rec, "reason")));
	if (v.state == CT_RECORD_VERIFIED)
		printf("signed by:  %s\n", signers.ptr ? signers.ptr : "(nobody)");
	else
		printf("signed by:  (not verified)\n");
	printf("digest:     %s\n", digest);
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&id_buf);
	ct_buf_free(&signers);
	ct_buf_free(&why);
	json_decref(heads);
	json_decref(conflicted);
	json_decref(latest);
	json_decref(rec);
	json_decref(a.fields);
	ct_store_free(store);
	return status;
}

int cmd_source(ct_cli *cli, int argc, char **argv)
{
	int status;

	if (argc < 2) {
		cli_help(&source_cmd, stderr);
		status = CT_EXIT_USAGE;
	} else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_help(&source_cmd, stdout);
		status = CT_EXIT_OK;
	} else if (strcmp(argv[1], "add") == 0) {
		status = source_write(cli, argc - 1, argv + 1, 0);
	} else if (strcmp(argv[1], "revise") == 0) {
		status = source_write(cli, argc - 1, argv + 1, 1);
	} else if (strcmp(argv[1], "retract") == 0) {
		status = source_write(cli, argc - 1, argv + 1, 2);
	} else if (strcmp(argv[1], "list") == 0) {
		status = source_list(cli, argc - 1, argv + 1);
	} else if (strcmp(argv[1], "show") == 0) {
		status = source_show(cli, argc - 1, argv + 1);
	} else {
		status = cli_cmd_usage(&source_cmd, "unknown subcommand '%s'", argv[1]);
	}
	return status;
}
