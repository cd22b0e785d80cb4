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
	"       claimtrail key revoke KEY-ID --reason TEXT [--compromised-since TIME]\n"
	"                             [--key FILE]\n"
	"       claimtrail key rotate OLD --to NEW [--retire] [--expires TIME]\n"
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
	"          the agent signs, so no passphrase is asked.\n"
	"revoke    writes the key's revocation into the store, signed by the key itself\n"
	"          (--key, default as for every write). Without --compromised-since every\n"
	"          signature by the key fails check, verify and import from then on; with it,\n"
	"          signatures a checkpoint made before TIME vouches for keep counting.\n"
	"          A lost key is revoked by an admin key instead: --key ADMIN.key, when the\n"
	"          trust list names ADMIN as able to revoke it (trust add --can-revoke); it\n"
	"          counts for readers whose trust list does the same.\n"
	"rotate    writes NEW's key record signed by OLD (both are secret key files, or\n"
	"          ssh:KEY-ID), so that trust in OLD carries to NEW; --retire also revokes\n"
	"          OLD from now on, naming NEW as its successor, after a checkpoint signed by\n"
	"          NEW (so what OLD signed until then keeps counting); --expires gives NEW an\n"
	"          end.\n"
	"TIME is YYYY-MM-DDThh:mm:ssZ or YYYY-MM-DD (midnight UTC). docs/keys.md.\n";

typedef struct {
	const char *name;
	const char *org;
	const char *output;
	int unencrypted;
	const char *pass_file;
	const char *seed_file;
	int json;
	const char *reason;
	const char *since;
	const char *key;
	const char *to;
	const char *expires;
	int retire;
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

static const cli_opt revoke_opts[] = {
	CLI_STR("reason", 0, "TEXT", "why the key is revoked (required)", key_args, reason),
	CLI_STR("compromised-since", 0, "TIME",
		"signatures before TIME that a checkpoint vouches for keep counting", key_args,
		since),
	CLI_OPT_KEY('k', key_args, key),
	CLI_OPT_PASSPHRASE_FILE(key_args, pass_file),
	CLI_END,
};

static const cli_cmd revoke_cmd = {"key revoke", key_usage, revoke_opts};

static const cli_opt rotate_opts[] = {
	CLI_STR("to", 0, "NEW", "the new key: a secret key file or ssh:KEY-ID (required)", key_args,
		to),
	CLI_FLAG("retire", 0, "revoke the old key from now on, naming the new one its successor",
		key_args, retire),
	CLI_STR("expires", 0, "TIME", "when the new key's signatures stop counting", key_args,
		expires),
	CLI_OPT_PASSPHRASE_FILE(key_args, pass_file),
	CLI_END,
};

static const cli_cmd rotate_cmd = {"key rotate", key_usage, rotate_opts};

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

/* A time as the user types it: a timestamp, or a date meaning its midnight UTC. */
static int read_time(char out[CT_TIMESTAMP_LEN + 1], const char *text, const char *what)
{
	if (strlen(text) == 10 && ct_date_validate(text, what) == 0) {
		snprintf(out, CT_TIMESTAMP_LEN + 1, "%sT00:00:00Z", text);
		return 0;
	}
	ct_error_clear();
	if (ct_timestamp_validate(text, what) < 0)
		return ct_error_set(CT_EINVALID,
			"%s: '%s' is not a time (YYYY-MM-DDThh:mm:ssZ or YYYY-MM-DD)", what, text);
	snprintf(out, CT_TIMESTAMP_LEN + 1, "%s", text);
	return 0;
}

static int key_revoke(ct_cli *cli, int argc, char **argv)
{
	key_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *rec = NULL, *list = NULL, *target = NULL;
	ct_keyring *grants = NULL;
	char since[CT_TIMESTAMP_LEN + 1] = "";
	const char *id;
	int status;
	int error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&revoke_cmd, &a, argc, argv)) != CLI_CONTINUE)
		return status;
	if (argc - optind != 1)
		return cli_cmd_usage(&revoke_cmd, "expected one KEY-ID");
	if (!a.reason || !*a.reason)
		return cli_cmd_usage(&revoke_cmd, "--reason is required");
	id = argv[optind];
	if (a.since && (error = read_time(since, a.since, "--compromised-since")) < 0)
		goto done;
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto done;
	if (strcmp(ct_key_id(key), id) != 0) {
		/* another key's revocation: only one the trust list names as able to make it */
		if ((error = ct_keyring_new(&grants)) < 0 ||
			(error = ct_trust_keyring_add(grants, NULL, NULL, cli->repo)) < 0)
			goto done;
		if (!ct_keyring_may_revoke(grants, ct_key_id(key), id)) {
			error = ct_error_set(CT_EINVALID,
				"key %s: --key is key %s, which the trust list does not name as able "
				"to revoke it (a key revokes itself, or an admin key trusted with "
				"'trust add ADMIN.pub --can-revoke %s' does)",
				id, ct_key_id(key), id);
			goto done;
		}
		error = ct_store_get(&target, store, CT_KIND_KEY, id, 0);
		if (error == CT_ENOTFOUND && ct_keyring_find(grants, id)) {
			ct_error_clear();
			error = 0;
			target = json_incref((json_t *)ct_keyring_find(grants, id));
		}
		if (error < 0 ||
			(error = ct_key_revoke_by(
				 &rec, target, key, a.reason, since[0] ? since : NULL)) < 0)
			goto done;
	} else if ((error = ct_key_revoke_with(
			    &rec, key, a.reason, since[0] ? since : NULL, NULL)) < 0) {
		goto done;
	}
	wopts.signer = key;
	if (!(list = json_pack("[O]", rec)) || (error = ct_store_put_keys(store, list, &wopts)) < 0)
		goto done;
	printf("key %s revoked: %s\n", id, a.reason);
	if (ct_key_record_revoked_by(rec))
		printf("revoked by key %s: readers whose trust list names it as able to revoke "
		       "key %s apply it\n",
			ct_key_id(key), id);
	if (since[0])
		printf("its signatures that a checkpoint made before %s vouches for keep counting;"
		       " all later ones fail\n",
			since);
	else
		printf("every signature by it fails check, verify and import\n");
done:
	if (error == 0 && rec && !list)
		error = ct_error_set(CT_ENOMEM, "out of memory");
	json_decref(list);
	json_decref(rec);
	json_decref(target);
	ct_keyring_free(grants);
	ct_key_free(key);
	ct_store_free(store);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}

static int key_rotate(ct_cli *cli, int argc, char **argv)
{
	key_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *old = NULL, *new = NULL;
	json_t *succ = NULL, *retire = NULL, *list = NULL;
	char expires[CT_TIMESTAMP_LEN + 1] = "", now[CT_TIMESTAMP_LEN + 1];
	int status;
	int error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&rotate_cmd, &a, argc, argv)) != CLI_CONTINUE)
		return status;
	if (argc - optind != 1)
		return cli_cmd_usage(&rotate_cmd, "expected the OLD key (a secret key file)");
	if (!a.to)
		return cli_cmd_usage(&rotate_cmd, "--to NEW is required");
	if (a.expires && (error = read_time(expires, a.expires, "--expires")) < 0)
		goto done;
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_load_key(&old, argv[optind], a.pass_file)) < 0 ||
		(error = cli_load_key(&new, a.to, a.pass_file)) < 0 ||
		(error = ct_key_rotate(&succ, old, new, expires[0] ? expires : NULL)) < 0)
		goto done;
	if (!(list = json_pack("[O]", succ))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	ct_timestamp_now(now);
	if (a.retire) {
		char reason[64];
		snprintf(reason, sizeof(reason), "retired: succeeded by key %s", ct_key_id(new));
		if ((error = ct_key_revoke_with(&retire, old, reason, now, ct_key_id(new))) < 0)
			goto done;
		json_array_append(list, retire);
	}
	wopts.signer = new;
	/* Retiring: first a checkpoint by the successor, so that what the old key signed until
	 * now stays vouched for (docs/keys.md). */
	if (a.retire && (error = ct_store_checkpoint(NULL, store, &wopts)) < 0)
		goto done;
	if ((error = ct_store_put_keys(store, list, &wopts)) < 0)
		goto done;
	printf("key %s succeeds key %s: trust in %s carries to it\n", ct_key_id(new),
		ct_key_id(old), ct_key_id(old));
	if (a.retire)
		printf("key %s retired at %s: it signs nothing new\n", ct_key_id(old), now);
done:
	json_decref(list);
	json_decref(succ);
	json_decref(retire);
	ct_key_free(old);
	ct_key_free(new);
	ct_store_free(store);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}

static const char checkpoint_usage[] =
	"usage: claimtrail checkpoint [--key FILE] [--passphrase-file FILE] [--json]\n\n"
	"Signs and commits a checkpoint: the branch's current commit, the Merkle root over every\n"
	"record at it, their number and the time. check verifies that each checkpoint is\n"
	"consistent with history; a checkpoint vouches for the signatures it covers when their\n"
	"key is later revoked with --compromised-since or expires (docs/keys.md).\n";

static const cli_opt checkpoint_opts[] = {
	CLI_OPT_KEY('k', key_args, key),
	CLI_OPT_PASSPHRASE_FILE(key_args, pass_file),
	CLI_OPT_JSON("print the checkpoint record", key_args, json),
	CLI_END,
};

static const cli_cmd checkpoint_cmd = {"checkpoint", checkpoint_usage, checkpoint_opts};

int cmd_checkpoint(ct_cli *cli, int argc, char **argv)
{
	key_args a;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *key = NULL;
	json_t *rec = NULL;
	int status;
	int error = 0;

	memset(&a, 0, sizeof(a));
	if ((status = cli_parse(&checkpoint_cmd, &a, argc, argv)) != CLI_CONTINUE)
		return status;
	if (argc != optind)
		return cli_cmd_usage(&checkpoint_cmd, "unexpected argument '%s'", argv[optind]);
	if ((error = cli_open_store(&store, cli)) < 0 ||
		(error = cli_load_key(&key, a.key, a.pass_file)) < 0)
		goto done;
	wopts.signer = key;
	if ((error = ct_store_checkpoint(&rec, store, &wopts)) < 0)
		goto done;
	if (a.json)
		cli_print_json(rec);
	else
		printf("checkpoint %s: commit %.12s, %lld records, root %s, at %s\n",
			ct_record_id(rec), json_string_value(json_object_get(rec, "commit")),
			(long long)json_integer_value(json_object_get(rec, "records")),
			json_string_value(json_object_get(rec, "root")),
			json_string_value(json_object_get(rec, "created")));
done:
	json_decref(rec);
	ct_key_free(key);
	ct_store_free(store);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}

int cmd_key(ct_cli *cli, int argc, char **argv)
{
	int status;

	if (argc < 2)
		status = cli_cmd_usage(&key_cmd,
			"expected 'generate', 'show', 'import-ssh', 'revoke' or 'rotate'");
	else if (strcmp(argv[1], "generate") == 0)
		status = key_generate(argc - 1, argv + 1);
	else if (strcmp(argv[1], "show") == 0)
		status = key_show(argc - 1, argv + 1);
	else if (strcmp(argv[1], "import-ssh") == 0)
		status = key_import_ssh(argc - 1, argv + 1);
	else if (strcmp(argv[1], "revoke") == 0)
		status = key_revoke(cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "rotate") == 0)
		status = key_rotate(cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		status = (cli_help(&key_cmd, stdout), CT_EXIT_OK);
	else
		status = cli_cmd_usage(&key_cmd, "unknown subcommand '%s'", argv[1]);
	return status;
}
