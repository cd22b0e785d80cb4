/* claimtrail search: the claims and sources holding every word asked for, best first. */
#include "cli.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	int json;
	size_t limit;
} search_args;

static const cli_opt search_opts[] = {
	CLI_OPT_JSON("the hits as JSON", search_args, json),
	{"limit", 'n', CLI_VALUE, "N", "show at most N hits (default 20)", CLI_COUNT,
		offsetof(search_args, limit), 1000000, NULL},
	CLI_END,
};

static const char search_usage[] =
	"usage: claimtrail search WORDS... [-n N] [--json]\n\n"
	"The claims and sources that hold every one of WORDS, best match first, with the\n"
	"matching words marked: [word], or bold on a colour terminal. Searched: a claim's\n"
	"statement, quote, tags, the notes and dispute reasons of its annotations and its\n"
	"revision's reason; a source's title and publisher. A word is a run of letters and\n"
	"digits; words match whatever their case, accents or English ending (\"vaccines\"\n"
	"finds \"vaccine\"); everything else only separates words: there is no query\n"
	"language. The index is kept in the git directory and brought up to date on each\n"
	"search. Exit status 0 also when nothing matches (\"no match\" on standard error).\n";

static const cli_cmd search_cmd = {"search", search_usage, search_opts};

typedef struct {
	const search_args *args;
	json_t *rows;
	size_t count;
} search_state;

/* A field's text on one line: the notes of several annotations are joined by " | ". */
static void print_field(const char *label, const char *text)
{
	const char *p;

	printf("    %s: ", label);
	for (p = text; *p; p++) {
		if (*p == '\n')
			fputs(" | ", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
}

static int search_one(const ct_search_hit *hit, void *payload)
{
	search_state *s = payload;
	ct_search_field lead = hit->kind == CT_KIND_SOURCE ? CT_SEARCH_TITLE : CT_SEARCH_STATEMENT;
	int f;

	s->count++;
	if (s->args->json) {
		json_t *fields = json_object(), *matched = json_array();
		for (f = 0; f < CT_SEARCH_FIELDS; f++) {
			if (*hit->text[f])
				json_object_set_new(fields,
					ct_search_field_name((ct_search_field)f),
					json_string(hit->text[f]));
			if (hit->matched & (1u << f))
				json_array_append_new(matched,
					json_string(ct_search_field_name((ct_search_field)f)));
		}
		json_array_append_new(s->rows,
			json_pack("{s:s, s:s, s:f, s:o, s:o}", "kind", ct_kind_name(hit->kind),
				"id", hit->id, "score", hit->score, "matched", matched, "fields",
				fields));
		return 0;
	}
	printf("%s %s\n", ct_kind_name(hit->kind), hit->id);
	print_field(ct_search_field_name(lead), hit->text[lead]);
	for (f = 0; f < CT_SEARCH_FIELDS; f++)
		if (f != (int)lead && (hit->matched & (1u << f)))
			print_field(ct_search_field_name((ct_search_field)f), hit->text[f]);
	return 0;
}

int cmd_search(ct_cli *cli, int argc, char **argv)
{
	search_args a = {0, 20};
	search_state s = {&a, NULL, 0};
	ct_search_opts opts = CT_SEARCH_OPTS_INIT;
	ct_store *store = NULL;
	ct_buf query = CT_BUF_INIT;
	int status, error = 0, i;

	if ((status = cli_parse(&search_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (optind == argc) {
		status = cli_cmd_usage(&search_cmd, "no words to search for");
		goto out;
	}
	for (i = optind; i < argc; i++)
		if ((error = ct_buf_printf(&query, "%s%s", i > optind ? " " : "", argv[i])) < 0)
			goto done;
	opts.limit = a.limit;
	if (!a.json && cli_color_auto()) {
		opts.mark_open = "\033[1m";
		opts.mark_close = "\033[0m";
	}
	if ((error = cli_open_store(&store, cli)) < 0)
		goto done;
	s.rows = json_array();
	error = ct_search(NULL, store, query.ptr, &opts, search_one, &s);
	if (error == 0 && s.count == 0)
		fprintf(stderr, "claimtrail: search: no match for '%s'\n", query.ptr);
	if (error == 0 && a.json) {
		json_t *doc = json_pack("{s:s, s:O}", "query", query.ptr, "results", s.rows);
		status = cli_print_json(doc);
		json_decref(doc);
		json_decref(s.rows);
		goto out;
	}
	json_decref(s.rows);
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	ct_buf_free(&query);
	ct_store_free(store);
	return status;
}
