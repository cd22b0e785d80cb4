/* claimtrail suggest: the sentences of an article worth checking, and how to record each. */
#include "cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define ARTICLE_MAX (16u * 1024 * 1024)

/* Appends s as one shell word: single quotes, each ' written as '\'' ; white space runs
 * (newlines in a wrapped paragraph) become one space, which quote matching allows. */
static int shell_quote(ct_buf *out, const char *s)
{
	int error, space = 0;

	if ((error = ct_buf_putc(out, '\'')) < 0)
		return error;
	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space && (error = ct_buf_putc(out, ' ')) < 0)
			return error;
		space = 0;
		if (*s == '\'')
			error = ct_buf_puts(out, "'\\''");
		else
			error = ct_buf_putc(out, *s);
		if (error < 0)
			return error;
	}
	return ct_buf_putc(out, '\'');
}

static int command_for(ct_buf *out, const json_t *item, const char *source)
{
	int error;

	if ((error = ct_buf_puts(out, "claimtrail claim add --statement ")) < 0 ||
		(error = shell_quote(out, json_string_value(json_object_get(item, "text")))) < 0 ||
		(error = ct_buf_puts(out, " --source ")) < 0 ||
		(error = shell_quote(out, source)) < 0 ||
		(error = ct_buf_puts(out, " --quote ")) < 0)
		return error;
	return shell_quote(
		out, json_string_value(json_object_get(json_object_get(item, "quote"), "text")));
}

static const char suggest_usage[] =
	"usage: claimtrail suggest FILE [--source ID] [--json]\n\n"
	"Reads an article (UTF-8; '-' for standard input) and lists the sentences worth checking:\n"
	"those with numbers and quantities (\"more than 130\", \"6,000\"), attributions (\"according\n"
	"to\", \"said\", \"estimated\", ...), superlatives (\"deadliest\") and dates. Each comes with\n"
	"its character offsets (start-end, in code points), why it was picked, and the 'claim add'\n"
	"command that would record it (--source ID names the source; default SOURCE). Nothing is\n"
	"written. Heuristics: docs/workflow.md.\n";

typedef struct {
	const char *source;
	int json;
} suggest_args;

static const cli_opt suggest_opts[] = {
	CLI_STR("source", 0, "ID", "the source the 'claim add' commands name (default SOURCE)",
		suggest_args, source),
	CLI_OPT_JSON("{\"sentences\": N, \"suggestions\": [...]} as JSON", suggest_args, json),
	CLI_END,
};

static const cli_cmd suggest_cmd = {"suggest", suggest_usage, suggest_opts};

int cmd_suggest(ct_cli *cli, int argc, char **argv)
{
	suggest_args a = {"SOURCE", 0};
	ct_buf data = CT_BUF_INIT, cmd = CT_BUF_INIT;
	json_t *list = NULL, *item, *r;
	size_t sentences = 0, i, k;
	int status, error = 0;

	(void)cli;
	if ((status = cli_parse(&suggest_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&suggest_cmd, "expected one FILE");
		goto out;
	}
	/* ct_file_read names the file in its message already */
	if ((error = ct_file_read(&data, argv[optind], ARTICLE_MAX)) < 0)
		goto done;
	if ((error = ct_suggest(&list, &sentences, data.ptr ? data.ptr : "", data.len)) < 0) {
		ct_error_prefix(error, "%s", argv[optind]);
		goto done;
	}
	json_array_foreach (list, i, item) {
		ct_buf_clear(&cmd);
		if ((error = command_for(&cmd, item, a.source)) < 0)
			goto done;
		json_object_set_new(item, "command", json_string(cmd.ptr));
	}
	if (a.json) {
		json_t *out = json_pack(
			"{s:I, s:O}", "sentences", (json_int_t)sentences, "suggestions", list);
		cli_print_json(out);
		json_decref(out);
		goto done;
	}
	json_array_foreach (list, i, item) {
		printf("%zu. characters %lld-%lld: %s\n", i + 1,
			(long long)json_integer_value(json_object_get(item, "start")),
			(long long)json_integer_value(json_object_get(item, "end")),
			json_string_value(json_object_get(item, "text")));
		printf("   why:");
		json_array_foreach (json_object_get(item, "reasons"), k, r)
			printf("%s %s \"%s\"", k ? "," : "",
				json_string_value(json_object_get(r, "kind")),
				json_string_value(json_object_get(r, "match")));
		if (json_array_size(json_object_get(item, "hedges"))) {
			printf("\n   hedges:");
			json_array_foreach (json_object_get(item, "hedges"), k, r)
				printf("%s '%s'", k ? "," : "", json_string_value(r));
		}
		printf("\n   %s\n\n", json_string_value(json_object_get(item, "command")));
	}
	printf("%zu of %zu sentence%s worth checking\n", json_array_size(list), sentences,
		cli_s(sentences));
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	json_decref(list);
	ct_buf_free(&cmd);
	ct_buf_free(&data);
	return status;
}
