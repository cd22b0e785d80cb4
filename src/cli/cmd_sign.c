/* claimtrail sign: adds a signature to a record file. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
	const char *key;
	const char *output;
	const char *pass_file;
} sign_args;

static const cli_opt sign_opts[] = {
	CLI_OPT_KEY('k', sign_args, key),
	CLI_STR("output", 'o', "OUT",
		"write the signed record to OUT ('-': standard output), not FILE", sign_args,
		output),
	CLI_OPT_PASSPHRASE_FILE(sign_args, pass_file),
	CLI_END,
};

static const cli_cmd sign_cmd = {"sign",
	"usage: claimtrail sign FILE [--key SECRET] [-o OUT] [--passphrase-file F]\n"
	"\n"
	"Checks the record in FILE (strict JSON, its kind's schema), signs it with the secret\n"
	"key SECRET (default $CLAIMTRAIL_KEY) and writes it back in place, atomically, or to\n"
	"OUT ('-' for standard output), as JSON indented by two spaces. A key that already\n"
	"signed the record is refused. The passphrase of an encrypted key comes from\n"
	"--passphrase-file, $CLAIMTRAIL_PASSPHRASE or the terminal.\n",
	sign_opts};

int cmd_sign(ct_cli *cli, int argc, char **argv)
{
	sign_args a = {NULL, NULL, NULL};
	const char *out_path, *path;
	json_t *rec = NULL;
	ct_key *key = NULL;
	char *text = NULL;
	ct_buf outbuf = CT_BUF_INIT;
	unsigned mode = 0644;
	struct stat st;
	int status;
	int error;

	(void)cli;
	if ((status = cli_parse(&sign_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	status = CT_EXIT_OK;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&sign_cmd, "expected one FILE");
		goto done;
	}
	path = argv[optind];
	out_path = a.output ? a.output : path;

	/* Everything about the record is checked before the passphrase is asked for. */
	if ((error = cli_read_record(&rec, path)) < 0)
		goto fail;
	if ((error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto fail;
	if ((error = ct_record_sign(rec, key)) < 0)
		goto fail;
	if (!(text = json_dumps(rec, JSON_INDENT(2))) || ct_buf_puts(&outbuf, text) < 0 ||
		ct_buf_putc(&outbuf, '\n') < 0) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto fail;
	}
	if (strcmp(out_path, "-") == 0) {
		if (fwrite(outbuf.ptr, 1, outbuf.len, stdout) != outbuf.len ||
			fflush(stdout) != 0) {
			error = ct_error_set(CT_EIO, "writing to standard output failed");
			goto fail;
		}
		goto done;
	}
	/* Signing in place keeps the file's permissions. */
	if (stat(out_path, &st) == 0 && S_ISREG(st.st_mode))
		mode = st.st_mode & 0777;
	if ((error = ct_file_write_atomic(out_path, outbuf.ptr, outbuf.len, mode)) < 0)
		goto fail;
	printf("%s %s: signed by key %s (%zu signature%s)\n",
		json_string_value(json_object_get(rec, "type")), ct_record_id(rec), ct_key_id(key),
		json_array_size(json_object_get(rec, "signatures")),
		json_array_size(json_object_get(rec, "signatures")) == 1 ? "" : "s");
	goto done;
fail:
	status = cli_fail(error);
done:
	free(text);
	ct_buf_free(&outbuf);
	json_decref(rec);
	ct_key_free(key);
	return status;
}
