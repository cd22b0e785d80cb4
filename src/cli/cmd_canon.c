/* claimtrail canon: prints the RFC 8785 canonical form of a JSON text. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

/* Largest input accepted: far above any record, small enough to hold in memory. */
#define CANON_MAX_INPUT (64u * 1024 * 1024)

static void canon_usage(FILE *out)
{
	fprintf(out,
		"usage: claimtrail canon [FILE]\n"
		"\n"
		"Parses the JSON text in FILE (standard input when FILE is missing or '-') strictly\n"
		"and prints its RFC 8785 (JCS) canonical form: exactly the canonical bytes, with no\n"
		"trailing newline, so the output can be compared byte for byte or hashed.\n"
		"Duplicate member names, invalid UTF-8, lone surrogates, \\u0000, nesting deeper than\n"
		"%d and numbers too large for a double are refused (exit status 4).\n"
		"See docs/canonical-json.md.\n"
		"\n"
		"options:\n"
		"  -h, --help   print this help\n",
		CT_JSON_MAX_DEPTH);
}

int cmd_canon(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ct_buf in = CT_BUF_INIT;
	ct_buf out = CT_BUF_INIT;
	const char *path = "-";
	const char *name;
	int status = CT_EXIT_OK;
	int error;
	int c;

	(void)cli;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			canon_usage(stdout);
			return CT_EXIT_OK;
		default:
			return cli_usage("canon: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage("canon: too many arguments");
	if (argc - optind == 1)
		path = argv[optind];
	name = strcmp(path, "-") == 0 ? "stdin" : path;

	/* ct_file_read names the file in its own messages. */
	if ((error = ct_file_read(&in, path, CANON_MAX_INPUT)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if ((error = ct_json_canon_text(&out, (const uint8_t *)in.ptr, in.len)) < 0) {
		status = cli_fail(ct_error_prefix(error, "%s", name));
		goto done;
	}
	if (fwrite(out.ptr, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		status = cli_fail(ct_error_set(CT_EIO, "writing the canonical form failed"));
		goto done;
	}
done:
	ct_buf_free(&in);
	ct_buf_free(&out);
	return status;
}
