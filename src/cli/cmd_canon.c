/* claimtrail canon: prints the RFC 8785 canonical form of a JSON text. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

/* Largest input accepted: far above any record, small enough to hold in memory. */
#define CANON_MAX_INPUT (64u * 1024 * 1024)

#define STR(x) #x
#define XSTR(x) STR(x)

static const cli_opt canon_opts[] = {
	CLI_END,
};

static const cli_cmd canon_cmd = {"canon",
	"usage: claimtrail canon [FILE]\n"
	"\n"
	"Parses the JSON text in FILE (standard input when FILE is missing or '-') strictly\n"
	"and prints its RFC 8785 (JCS) canonical form: exactly the canonical bytes, with no\n"
	"trailing newline, so the output can be compared byte for byte or hashed.\n"
	"Duplicate member names, invalid UTF-8, lone surrogates, \\u0000, nesting deeper than\n" XSTR(
		CT_JSON_MAX_DEPTH) " and numbers too large for a double are refused (exit status 4).\n"
				   "See docs/canonical-json.md.\n",
	canon_opts};

int cmd_canon(ct_cli *cli, int argc, char **argv)
{
	ct_buf in = CT_BUF_INIT;
	ct_buf out = CT_BUF_INIT;
	const char *path = "-";
	const char *name;
	int status;
	int error;

	(void)cli;
	if ((status = cli_parse(&canon_cmd, NULL, argc, argv)) != CLI_CONTINUE)
		goto done;
	if (argc - optind > 1) {
		status = cli_cmd_usage(&canon_cmd, "too many arguments");
		goto done;
	}
	status = CT_EXIT_OK;
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
