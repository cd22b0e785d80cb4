/* claimtrail key: generates signing keys and shows their public half. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_KEY_FILE "claimtrail.key"
#define SEED_TEXT_MAX 80

static void key_usage(FILE *out)
{
	fprintf(out,
		"usage: claimtrail key generate [--name NAME] [--org ORG] [-o FILE] [--unencrypted]\n"
		"                               [--passphrase-file F] [--seed-file F]\n"
		"       claimtrail key show FILE [--json]\n"
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
		"          public key record itself.\n");
}

/* "no such file" is the only answer that lets us go on. */
static int refuse_existing(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return ct_error_set(CT_EEXISTS, "key %s already exists (not overwriting a key)", path);
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
		return ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", dir,
			strerror(errno));
	return 0;
}

static int key_generate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"org", required_argument, NULL, 'g'},
		{"output", required_argument, NULL, 'o'},
		{"unencrypted", no_argument, NULL, 'u'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"seed-file", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL, *org = NULL, *pass_file = NULL, *seed_file = NULL;
	uint8_t *seed = NULL;
	const char *path = DEFAULT_KEY_FILE;
	char pubpath[4096];
	int unencrypted = 0;
	char *pass = NULL;
	size_t passlen = 0;
	ct_key *key = NULL;
	int status = CT_EXIT_OK;
	int error;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'g':
			org = optarg;
			break;
		case 'o':
			path = optarg;
			break;
		case 'u':
			unencrypted = 1;
			break;
		case 'p':
			pass_file = optarg;
			break;
		case 's':
			seed_file = optarg;
			break;
		case 'h':
			key_usage(stdout);
			return CT_EXIT_OK;
		default:
			return cli_usage("key generate: unknown option or missing value '%s'",
				argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage("key generate: unexpected argument '%s'", argv[optind]);
	if (unencrypted && pass_file)
		return cli_usage("key generate: --unencrypted and --passphrase-file exclude each other");
	if (snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >= (int)sizeof(pubpath))
		return cli_usage("key generate: path too long");
	/* Checked before asking for a passphrase; ct_key_write's O_EXCL is what really protects. */
	if ((error = refuse_existing(path)) < 0 || (error = refuse_existing(pubpath)) < 0 ||
		(error = make_key_folder(path)) < 0)
		return cli_fail(error);
	if (!unencrypted &&
		(error = cli_passphrase(&pass, &passlen, pass_file, "New passphrase: ", 1)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (seed_file && (error = read_seed(&seed, seed_file)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if ((error = seed ? ct_key_from_seed(&key, seed, name, org) :
			    ct_key_generate(&key, name, org)) < 0 ||
		(error = ct_key_write(key, path, pass, passlen)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	printf("key %s\n", ct_key_id(key));
	printf("secret key: %s (%s, mode 0600)\n", path, unencrypted ? "unencrypted" : "encrypted");
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
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	json_t *rec = NULL;
	const json_t *revoked;
	int as_json = 0;
	int status = CT_EXIT_OK;
	int error;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = 1;
			break;
		case 'h':
			key_usage(stdout);
			return CT_EXIT_OK;
		default:
			return cli_usage("key show: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("key show: expected one FILE (a secret key file or a .pub record)");
	if ((error = ct_key_file_public_record(&rec, argv[optind])) < 0)
		return cli_fail(error);
	if (as_json) {
		status = cli_print_json(rec);
		goto done;
	}
	print_field(rec, "key-id:", "key_id");
	print_field(rec, "name:", "name");
	print_field(rec, "org:", "org");
	print_field(rec, "created:", "created");
	if ((revoked = json_object_get(rec, "revoked")) != NULL)
		printf("%-9s%s (%s)\n", "revoked:",
			json_string_value(json_object_get(revoked, "at")),
			json_string_value(json_object_get(revoked, "reason")));
done:
	json_decref(rec);
	return status;
}

int cmd_key(ct_cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc < 2)
		return cli_usage("key: expected 'generate' or 'show'");
	if (strcmp(argv[1], "generate") == 0)
		return key_generate(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return key_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		key_usage(stdout);
		return CT_EXIT_OK;
	}
	return cli_usage("key: unknown subcommand '%s'", argv[1]);
}
