/* claimtrail sign: adds a signature to a record file. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void sign_usage(FILE *out)
{
	fprintf(out,
		"usage: claimtrail sign FILE [--key SECRET] [-o OUT] [--passphrase-file F]\n"
		"\n"
		"Checks the record in FILE (strict JSON, its kind's schema), signs it with the secret\n"
		"key SECRET (default $CLAIMTRAIL_KEY) and writes it back in place, atomically, or to\n"
		"OUT ('-' for standard output), as JSON indented by two spaces. A key that already\n"
		"signed the record is refused. The passphrase of an encrypted key comes from\n"
		"--passphrase-file, $CLAIMTRAIL_PASSPHRASE or the terminal.\n");
}

int cmd_sign(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *key_path = NULL, *out_path = NULL, *pass_file = NULL, *path;
	json_t *rec = NULL;
	ct_key *key = NULL;
	char *text = NULL;
	ct_buf outbuf = CT_BUF_INIT;
	unsigned mode = 0644;
	struct stat st;
	int status = CT_EXIT_OK;
	int error;
	int c;

	(void)cli;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hk:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'p':
			pass_file = optarg;
			break;
		case 'h':
			sign_usage(stdout);
			return CT_EXIT_OK;
		default:
			return cli_usage("sign: unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("sign: expected one FILE");
	path = argv[optind];
	if (!out_path)
		out_path = path;

	/* Everything about the record is checked before the passphrase is asked for. */
	if ((error = cli_read_record(&rec, path)) < 0)
		goto fail;
	if ((error = cli_load_key(&key, key_path, pass_file)) < 0)
		goto fail;
	if ((error = ct_record_sign(rec, key)) < 0)
		goto fail;
	if (!(text = json_dumps(rec, JSON_INDENT(2))) || ct_buf_puts(&outbuf, text) < 0 ||
		ct_buf_putc(&outbuf, '\n') < 0) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto fail;
	}
	if (strcmp(out_path, "-") == 0) {
		if (fwrite(outbuf.ptr, 1, outbuf.len, stdout) != outbuf.len || fflush(stdout) != 0) {
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
