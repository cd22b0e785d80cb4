/* claimtrail anchor check: are the claims' quotes still where their sources say? */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	ct_store *store;
	ct_key *key; /* --update */
	const char *reason;
	int update;
	int json;
	int all; /* every claim: claims without a quote are not listed */
	size_t counts[6];
	size_t relocated;
	json_t *rows;
	int collect;   /* --update's first pass: only note the moved quotes in moved */
	json_t *moved; /* claim id -> its row as found before relocating, with "revised" */
	const char *text_source; /* --source-text SOURCE=FILE */
	ct_buf text;
	const char *key_path;  /* --key */
	const char *pass_file; /* --passphrase-file */
} anchor_state;

static int check_one(const char *id, void *payload)
{
	anchor_state *st = payload;
	ct_anchor_report r = CT_ANCHOR_REPORT_INIT;
	json_t *claim = NULL, *revised = NULL, *row = NULL;
	const json_t *attr;
	const char *source;
	int error;

	if ((error = ct_store_get(&claim, st->store, CT_KIND_CLAIM, id, 0)) < 0)
		goto done;
	attr = json_object_get(claim, "attribution");
	source = json_string_value(json_object_get(attr, "source"));
	if ((row = json_object_get(st->moved, id)) && !st->collect) {
		/* relocated by the first pass: report what was found before */
		const char *exact = json_string_value(json_object_get(row, "new_exact"));
		r.state = CT_ANCHOR_MOVED;
		r.cited_revision = json_integer_value(json_object_get(row, "cited_revision"));
		r.newest_revision = json_integer_value(json_object_get(row, "newest_revision"));
		r.start = json_object_get(row, "start")
			? json_integer_value(json_object_get(row, "start"))
			: -1;
		r.end = json_object_get(row, "end")
			? json_integer_value(json_object_get(row, "end"))
			: -1;
		r.new_start = json_integer_value(json_object_get(row, "new_start"));
		r.new_end = json_integer_value(json_object_get(row, "new_end"));
		r.new_exact = exact ? strdup(exact) : NULL;
		revised = json_incref(row);
		row = NULL;
	} else if ((error = st->text_source && source && strcmp(source, st->text_source) == 0
				   ? ct_anchor_check_text(&r, st->store, claim,
					     (const uint8_t *)st->text.ptr, st->text.len)
				   : ct_anchor_check(&r, st->store, claim)) < 0) {
		row = NULL;
		goto done;
	}
	row = NULL;
	if (st->all && r.state == CT_ANCHOR_NO_QUOTE)
		goto done;
	if (!st->collect)
		st->counts[r.state]++;
	row = json_pack("{s:s, s:s, s:s, s:I, s:I}", "claim", id, "state",
		ct_anchor_state_name(r.state), "source", source, "cited_revision", r.cited_revision,
		"newest_revision", r.newest_revision);
	if (r.start >= 0) {
		json_object_set_new(row, "start", json_integer(r.start));
		json_object_set_new(row, "end", json_integer(r.end));
	}
	if (r.new_exact) {
		json_object_set_new(row, "new_start", json_integer(r.new_start));
		json_object_set_new(row, "new_end", json_integer(r.new_end));
		json_object_set_new(row, "new_exact", json_string(r.new_exact));
	}
	if (st->collect) {
		/* --update: relocated all at once, in one commit, after this pass */
		if (r.state == CT_ANCHOR_MOVED)
			json_object_set(st->moved, id, row);
		goto done;
	}
	if (revised) {
		st->relocated++;
		json_object_set(row, "revised", json_object_get(revised, "revised"));
	}
	if (st->json) {
		json_array_append(st->rows, row);
		goto done;
	}
	printf("%-9s %s", ct_anchor_state_name(r.state), id);
	switch (r.state) {
	case CT_ANCHOR_OK:
		printf(": characters %lld-%lld of source %s revision %lld\n",
			(long long)r.new_start, (long long)r.new_end, source,
			(long long)r.newest_revision);
		break;
	case CT_ANCHOR_MOVED:
		if (r.start >= 0)
			printf(": characters %lld-%lld (source %s revision %lld) are now %lld-%lld in "
			       "revision %lld",
				(long long)r.start, (long long)r.end, source,
				(long long)r.cited_revision, (long long)r.new_start,
				(long long)r.new_end, (long long)r.newest_revision);
		else
			printf(": not anchored; found at characters %lld-%lld of source %s revision %lld",
				(long long)r.new_start, (long long)r.new_end, source,
				(long long)r.newest_revision);
		if (revised)
			printf("; re-anchored in claim revision %lld",
				(long long)json_integer_value(json_object_get(revised, "revised")));
		printf("\n");
		break;
	case CT_ANCHOR_ORPHANED:
		printf(": quote \"%.60s\" is not in source %s revision %lld\n",
			json_string_value(json_object_get(attr, "quote")), source,
			(long long)r.newest_revision);
		break;
	case CT_ANCHOR_BROKEN:
		printf(": its selector does not match source %s revision %lld\n", source,
			(long long)r.cited_revision);
		break;
	case CT_ANCHOR_NO_TEXT:
		printf(": source %s keeps no text to check against\n", source);
		break;
	case CT_ANCHOR_NO_QUOTE: printf(": the claim has no quote\n"); break;
	}
done:
	json_decref(row);
	json_decref(revised);
	json_decref(claim);
	ct_anchor_report_free(&r);
	return error;
}

/* Relocates every moved quote the first pass found, in one commit, and notes each new revision. */
/* One claim (one is its id), or every claim in id order, whatever the folders' order. */
static int check_claims(anchor_state *st, const char *one)
{
	json_t *ids = NULL, *id;
	size_t i;
	int error;

	if (one)
		return check_one(one, st);
	if ((error = cli_sorted_ids(&ids, st->store, CT_KIND_CLAIM)) == 0)
		json_array_foreach (ids, i, id)
			if ((error = check_one(json_string_value(id), st)) != 0)
				break;
	json_decref(ids);
	return error;
}

static int relocate_moved(anchor_state *st)
{
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	size_t n = json_object_size(st->moved), i = 0;
	const char **ids = NULL;
	const char *id;
	json_t *row, *records = NULL, *rec;
	int error = 0;

	if (n == 0)
		return 0;
	if (!(ids = calloc(n, sizeof(*ids))))
		return ct_error_set(CT_ENOMEM, "out of memory");
	json_object_foreach (st->moved, id, row)
		ids[i++] = id;
	wopts.signer = st->key;
	wopts.reason = st->reason;
	if ((error = ct_anchor_relocate_all(&records, st->store, ids, n, &wopts)) < 0)
		goto done;
	json_array_foreach (records, i, rec)
		json_object_set_new(json_object_get(st->moved, ct_record_id(rec)), "revised",
			json_integer(json_integer_value(json_object_get(rec, "revision"))));
done:
	free(ids);
	json_decref(records);
	return error;
}

static const char anchor_usage[] =
	"usage: claimtrail anchor check [ID] [--update [--reason R] [--key FILE]] [--json]\n"
	"                              [--source-text SOURCE=FILE]\n\n"
	"Re-checks each claim's quote (or claim ID's) against its source's stored text: ok (where\n"
	"the selector says, in the newest text), moved (found elsewhere in the newest text: the new\n"
	"offsets are printed), orphaned (not found), broken (the selector does not match the text\n"
	"it cites), no-text (the source keeps no text). Exit status 1 when any quote is orphaned\n"
	"or broken. --update re-anchors each moved quote by revising its claim (all in one commit),\n"
	"with R or a generated reason. Matching treats curly and straight quotes, dashes and runs\n"
	"of white space alike (docs/workflow.md). --source-text gives a copy of the text of a\n"
	"source the store keeps only by sha256 (source add --no-keep-text); it counts for the\n"
	"revisions whose recorded sha256 it matches.\n";

/* --source-text SOURCE=FILE: the text is read now (argv's own string is cut at '='). */
static int source_text(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	anchor_state *st = args;
	char *eq = strchr(value, '=');
	int error;

	(void)opt;
	if (!eq || eq == value || !eq[1])
		return cli_cmd_usage(cmd, "--source-text takes SOURCE=FILE");
	*eq = '\0';
	st->text_source = value;
	ct_buf_clear(&st->text);
	if ((error = ct_file_read(&st->text, eq + 1, CLI_SOURCE_TEXT_MAX)) < 0)
		return cli_fail(error);
	return 0;
}

static const cli_opt check_opts[] = {
	CLI_FLAG("update", 0, "re-anchor each moved quote by revising its claim (one commit)",
		anchor_state, update),
	CLI_STR("reason", 'm', "R", "with --update: the revisions' reason", anchor_state, reason),
	CLI_OPT_KEY('k', anchor_state, key_path),
	CLI_OPT_PASSPHRASE_FILE(anchor_state, pass_file),
	CLI_OPT_JSON("one object per claim, as JSON", anchor_state, json),
	CLI_FN("source-text", 0, CLI_VALUE, "SOURCE=FILE",
		"a copy of the text of SOURCE, whose text the store does not keep", source_text),
	CLI_END,
};

static const cli_cmd anchor_cmd = {"anchor", anchor_usage, NULL};
static const cli_cmd check_cmd = {"anchor check", anchor_usage, check_opts};

int cmd_anchor(ct_cli *cli, int argc, char **argv)
{
	anchor_state st;
	ct_buf id = CT_BUF_INIT;
	int status, error = 0;

	memset(&st, 0, sizeof(st));
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_help(&anchor_cmd, stdout);
		status = CT_EXIT_OK;
		goto out;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		status = cli_cmd_usage(&anchor_cmd, "expected 'anchor check [ID]'");
		goto out;
	}
	argc--;
	argv++;
	if ((status = cli_parse(&check_cmd, &st, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind > 1) {
		status = cli_cmd_usage(&check_cmd, "unexpected argument '%s'", argv[optind + 1]);
		goto out;
	}
	if ((st.reason || st.key_path) && !st.update) {
		status = cli_cmd_usage(&check_cmd, "--reason and --key go with --update");
		goto out;
	}
	if (!(st.rows = json_array())) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = cli_open_store(&st.store, cli)) < 0 ||
		(argc - optind == 1 &&
			(error = cli_resolve_arg(&argv[optind], &id, st.store, CT_KIND_CLAIM)) <
				0) ||
		(st.update && (error = cli_load_key(&st.key, st.key_path, st.pass_file)) < 0))
		goto done;
	st.all = argc - optind != 1;
	if (st.update) {
		/* first the moved quotes, then one commit relocating them all, then the report */
		st.collect = 1;
		if (!(st.moved = json_object())) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			goto done;
		}
		if ((error = check_claims(&st, st.all ? NULL : argv[optind])) < 0 ||
			(error = relocate_moved(&st)) < 0)
			goto done;
		st.collect = 0;
	}
	if ((error = check_claims(&st, st.all ? NULL : argv[optind])) < 0)
		goto done;
	if (st.json)
		cli_print_json(st.rows);
	else if (st.all)
		printf("%zu ok, %zu moved%s, %zu orphaned, %zu broken, %zu without text\n",
			st.counts[CT_ANCHOR_OK], st.counts[CT_ANCHOR_MOVED],
			st.relocated ? " (re-anchored)" : "", st.counts[CT_ANCHOR_ORPHANED],
			st.counts[CT_ANCHOR_BROKEN], st.counts[CT_ANCHOR_NO_TEXT]);
done:
	if (error < 0)
		status = cli_fail(error);
	else if (st.counts[CT_ANCHOR_ORPHANED] || st.counts[CT_ANCHOR_BROKEN])
		status = CT_EXIT_VERIFY;
	else
		status = CT_EXIT_OK;
out:
	ct_buf_free(&id);
	ct_buf_free(&st.text);
	json_decref(st.rows);
	json_decref(st.moved);
	ct_store_free(st.store);
	ct_key_free(st.key);
	return status;
}
