/* claimtrail key: generates signing keys and shows their public half. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_KEY_FILE "claimtrail.key"
#define SEED_TEXT_MAX 80

static const char key_usage[] =
	"usage: claimtrail key generate [--name NAME] [--org ORG] [-o FILE] [--unencrypted]\n"
	"                               [--passphrase-file F] [--seed-file F]\n"
	"       claimtrail key show FILE [--json]\n"
	"       claimtrail key import-ssh SSH-KEY.pub [--name NAME] [--org ORG] [-o FILE]\n"
	"\n"
	"generate  makes a new Ed25519 signing key: the secret key file FILE (default\n"
	"          " DEFAULT_KEY_FILE ", mode 0600) and its self-signed public key record\n"
	"          FILE.pub. Existing files are never overwritten. The secret key is encrypted\n"
	"          with a passphrase taken from --passphrase-file, $CLAIMTRAIL_PASSPHRASE or\n"
	"          the terminal (asked twice), unless --unencrypted is given.\n"
	"          --seed-file derives the key from 64 hex digits instead of fresh randomness:\n"
	"          for reproducible examples and tests only (the seed is the secret key).\n"
	"show      prints the key id, name, organisation and creation time of a secret key\n"
	"          file (no passphrase needed) or a public key record; --json prints the\n"
	"          public key record itself.\n"
	"import-ssh makes the key record of an Ed25519 key held by ssh-agent ($SSH_AUTH_SOCK;\n"
	"          ssh-keygen -t ed25519, then ssh-add): the agent self-signs it, and it is\n"
	"          written to FILE (default: SSH-KEY.pub with .pub replaced by\n"
	"          .claimtrail.pub). Sign with --key ssh:KEY-ID (the record found in the store\n"
	"          or the trust list) or --key ssh:FILE, or git config claimtrail.key ssh:KEY-ID;\n"
	"          the agent signs, so no passphrase is asked.\n";

typedef struct {
	const char *name;
	const char *org;
	const char *output;
	int unencrypted;
	const char *pass_file;
	const char *seed_file;
	int json;
} key_args;

static const cli_cmd key_cmd = {"key", key_usage, NULL};

static const cli_opt generate_opts[] = {
	CLI_STR("name", 0, "NAME", "the key holder's name, in the public key record", key_args,
		name),
	CLI_STR("org", 0, "ORG", "the key holder's organisation", key_args, org),
	CLI_STR("output", 'o', "FILE", "the secret key file (default " DEFAULT_KEY_FILE ")",
		key_args, output),
	CLI_FLAG("unencrypted", 0, "do not encrypt the secret key", key_args, unencrypted),
	CLI_OPT_PASSPHRASE_FILE(key_args, pass_file),
	CLI_STR("seed-file", 0, "FILE",
		"derive the key from the 64 hex digits in FILE (tests only)", key_args, seed_file),
	CLI_END,
};

static const cli_cmd generate_cmd = {"key generate", key_usage, generate_opts};

static const cli_opt show_opts[] = {
	CLI_OPT_JSON("print the public key record", key_args, json),
	CLI_END,
};

static const cli_cmd show_cmd = {"key show", key_usage, show_opts};

static const cli_opt import_ssh_opts[] = {
	CLI_STR("name", 0, "NAME", "the key holder's name, in the public key record", key_args,
		name),
	CLI_STR("org", 0, "ORG", "the key holder's organisation", key_args, org),
	CLI_STR("output", 'o', "FILE", "the key record file (default SSH-KEY.claimtrail.pub)",
		key_args, output),
	CLI_END,
};

static const cli_cmd import_ssh_cmd = {"key import-ssh", key_usage, import_ssh_opts};

/* "no such file" is the only answer that lets us go on. */
static int refuse_existing(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return ct_error_set(
			CT_EEXISTS, "key %s already exists (not overwriting a key)", path);
	if (errno != ENOENT)
		return ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

/* Reads a seed: 64 hex digits and an optional newline, into sodium_malloc memory. */
static int read_seed(uint8_t **out, const char *path)
{
	char *text = sodium_malloc(SEED_TEXT_MAX);
	uint8_t *seed = sodium_malloc(32);
	size_t len = 0, bin_len = 0;
	int fd = -1;
	int error = 0;

	*out = NULL;
	if (!text || !seed) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		error = ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "seed %s: %s", path,
			strerror(errno));
		goto done;
	}
	for (;;) {
		ssize_t r = read(fd, text + len, SEED_TEXT_MAX - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == SEED_TEXT_MAX - 1)
			break;
	}
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len != 64 || sodium_hex2bin(seed, 32, text, len, NULL, &bin_len, NULL) != 0 ||
		bin_len != 32) {
		error = ct_error_set(CT_EINVALID, "seed %s: expected 64 hex digits", path);
		goto done;
	}
	*out = seed;
	seed = NULL;
done:
	if (fd >= 0)
		close(fd);
	if (text)
		sodium_free(text);
	if (seed)
		sodium_free(seed);
	return error;
}

/* Makes the folder a new key goes into (only the last level, mode 0700, like ~/.ssh), so
 * `key generate -o ~/.claimtrail/me.key` works on a fresh account. */
static int make_key_folder(const char *path)
{
	char dir[4096];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return ct_error_set(CT_EINVALID, "%s: path too long", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return ct_error_set(
			errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", dir, strerror(errno));
	return 0;
}

static int key_generate(int argc, char **argv)
{
	key_args a;
	uint8_t *seed = NULL;
	const char *path;
	char pubpath[4096];
	char *pass = NULL;
	size_t passlen = 0;
	ct_key *key = NULL;
	int status;
	int error;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&generate_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	status = CT_EXIT_OK;
	path = a.output ? a.output : DEFAULT_KEY_FILE;
	if (optind != argc) {
		status = cli_cmd_usage(&generate_cmd, "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	if (a.unencrypted && a.pass_file) {
		status = cli_cmd_usage(
			&generate_cmd, "--unencrypted and --passphrase-file exclude each other");
		goto done;
	}
	if (snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >= (int)sizeof(pubpath)) {
		status = cli_cmd_usage(&generate_cmd, "path too long");
		goto done;
	}
	/* Checked before asking for a passphrase; ct_key_write's O_EXCL is what really protects. */
	if ((error = refuse_existing(path)) < 0 || (error = refuse_existing(pubpath)) < 0 ||
		(error = make_key_folder(path)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (!a.unencrypted &&
		(error = cli_passphrase(&pass, &passlen, a.pass_file, "New passphrase: ", 1)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (a.seed_file && (error = read_seed(&seed, a.seed_file)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if ((error = seed ? ct_key_from_seed(&key, seed, a.name, a.org)
			  : ct_key_generate(&key, a.name, a.org)) < 0 ||
		(error = ct_key_write(key, path, pass, passlen)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	printf("key %s\n", ct_key_id(key));
	printf("secret key: %s (%s, mode 0600)\n", path,
		a.unencrypted ? "unencrypted" : "encrypted");
	printf("public key: %s\n", pubpath);
done:
	if (seed)
		sodium_free(seed);
	cli_passphrase_free(pass);
	ct_key_free(key);
	return status;
}

static void print_field(const json_t *rec, const char *label, const char *member)
{
	const char *v = json_string_value(json_object_get(rec, member));

	if (v)
		printf("%-9s%s\n", label, v);
}

static int key_show(int argc, char **argv)
{
	key_args a;
	json_t *rec = NULL;
	const json_t *revoked;
	int status;
	int error;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&show_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	status = CT_EXIT_OK;
	if (argc - optind != 1) {
		status = cli_cmd_usage(
			&show_cmd, "expected one FILE (a secret key file or a .pub record)");
		goto done;
	}
	if ((error = ct_key_file_public_record(&rec, argv[optind])) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (a.json) {
		status = cli_print_json(rec);
		goto done;
	}
	print_field(rec, "key-id:", "key_id");
	print_field(rec, "name:", "name");
	print_field(rec, "org:", "org");
	print_field(rec, "created:", "created");
	if ((revoked = json_object_get(rec, "revoked")) != NULL)
		printf("%-9s%s (%s)\n",
			"revoked:", json_string_value(json_object_get(revoked, "at")),
			json_string_value(json_object_get(revoked, "reason")));
done:
	json_decref(rec);
	return status;
}

/* Writes a public key record file (indented JSON, mode 0644), never over an existing file. */
static int write_record_file(const char *path, const json_t *rec)
{
	char *text = json_dumps(rec, JSON_INDENT(2));
	int fd = -1;
	int error = 0;

	if (!text)
		return ct_error_set(CT_ENOMEM, "out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		error = ct_error_set(errno == EEXIST ? CT_EEXISTS : CT_EIO, "%s: %s%s", path,
			strerror(errno), errno == EEXIST ? " (not overwriting a key)" : "");
		goto done;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1 ||
		fsync(fd) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
		unlink(path);
	}
done:
	if (fd >= 0)
		close(fd);
	free(text);
	return error;
}

static int key_import_ssh(int argc, char **argv)
{
	key_args a;
	ct_buf line = CT_BUF_INIT;
	ct_buf out = CT_BUF_INIT;
	ct_key *key = NULL;
	const char *in;
	size_t n;
	int status;
	int error;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&import_ssh_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	status = CT_EXIT_OK;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&import_ssh_cmd,
			"expected one SSH-KEY.pub (an OpenSSH public key file, ssh-ed25519)");
		goto done;
	}
	in = argv[optind];
	n = strlen(in);
	if (a.output)
		error = ct_buf_puts(&out, a.output);
	else if (n > 4 && strcmp(in + n - 4, ".pub") == 0)
		error = ct_buf_printf(&out, "%.*s.claimtrail.pub", (int)(n - 4), in);
	else
		error = ct_buf_printf(&out, "%s.claimtrail.pub", in);
	if (error < 0 || (error = ct_file_read(&line, in, 16384)) < 0 ||
		(error = refuse_existing(out.ptr)) < 0 ||
		(error = ct_key_import_ssh(&key, getenv("SSH_AUTH_SOCK"), line.ptr ? line.ptr : "",
			 a.name, a.org)) < 0 ||
		(error = write_record_file(out.ptr, ct_key_public_record(key))) < 0) {
		if (error == CT_EINVALID)
			ct_error_prefix(error, "%s", in);
		status = cli_fail(error);
		goto done;
	}
	printf("key %s\n", ct_key_id(key));
	printf("held by: ssh-agent (%s)\n", in);
	printf("public key: %s\n", out.ptr);
	printf("sign with: --key ssh:%s\n", ct_key_id(key));
done:
	ct_key_free(key);
	ct_buf_free(&line);
	ct_buf_free(&out);
	return status;
}

int cmd_key(ct_cli *cli, int argc, char **argv)
{
	int status;

	(void)cli;
	if (argc < 2)
		status = cli_cmd_usage(&key_cmd, "expected 'generate', 'show' or 'import-ssh'");
	else if (strcmp(argv[1], "generate") == 0)
		status = key_generate(argc - 1, argv + 1);
	else if (strcmp(argv[1], "show") == 0)
		status = key_show(argc - 1, argv + 1);
	else if (strcmp(argv[1], "import-ssh") == 0)
		status = key_import_ssh(argc - 1, argv + 1);
	else if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		status = (cli_help(&key_cmd, stdout), CT_EXIT_OK);
	else
		status = cli_cmd_usage(&key_cmd, "unknown subcommand '%s'", argv[1]);
	return status;
}
