/* claimtrail trust: the clone's trust list (add, list, remove), and the line that says which
 * keys a command took when none were named with --trust. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static const char trust_usage[] =
	"usage: claimtrail [-C DIR] trust add FILE.pub [--name NAME] [--can-revoke KEY-ID|all]...\n"
	"       claimtrail [-C DIR] trust list [--json]\n"
	"       claimtrail [-C DIR] trust remove KEY-ID\n"
	"\n"
	"The trust list holds the public keys this clone trusts. It is kept in the git\n"
	"directory, never in history: keys that arrive in a bundle, a pull or a commit are\n"
	"not trusted until you add them. check, verify and bundle import use it when no\n"
	"--trust is given; --trust adds to it. init adds the initialising key.\n"
	"--can-revoke (repeatable) names a key the added key may revoke ('all': every key):\n"
	"such a revocation ('key revoke KEY-ID --key ADMIN.key') counts only where the\n"
	"reader's trust list grants it.\n";

typedef struct {
	const char *name;
	int json;
	json_t *can_revoke; /* --can-revoke values, or NULL */
} trust_args;

static int add_can_revoke(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	trust_args *a = args;

	(void)opt;
	if (!a->can_revoke && !(a->can_revoke = json_array()))
		return cli_fail(ct_error_set(CT_ENOMEM, "out of memory"));
	if (!*value)
		return cli_cmd_usage(cmd, "--can-revoke needs a KEY-ID or 'all'");
	if (json_array_append_new(a->can_revoke, json_string(value)) < 0)
		return cli_fail(ct_error_set(CT_ENOMEM, "out of memory"));
	return 0;
}

static const cli_opt add_opts[] = {
	CLI_STR("name", 0, "NAME", "the name to list the key under (default: the record's)",
		trust_args, name),
	CLI_FN("can-revoke", 0, CLI_VALUE, "KEY-ID",
		"the key may revoke KEY-ID ('all': every key); repeatable", add_can_revoke),
	CLI_END,
};

static const cli_opt list_opts[] = {
	CLI_OPT_JSON("{\"exists\": BOOL, \"keys\": [...]} as JSON", trust_args, json),
	CLI_END,
};

static const cli_opt remove_opts[] = {
	CLI_END,
};

static const cli_cmd trust_cmd = {"trust", trust_usage, NULL};
static const cli_cmd add_cmd = {"trust add", trust_usage, add_opts};
static const cli_cmd list_cmd = {"trust list", trust_usage, list_opts};
static const cli_cmd remove_cmd = {"trust remove", trust_usage, remove_opts};

static int trust_add(ct_cli *cli, int argc, char **argv)
{
	trust_args a = {NULL, 0, NULL};
	json_t *rec = NULL;
	const json_t *v;
	size_t i;
	int status, error = 0;

	if ((status = cli_parse(&add_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind != 1) {
		status = cli_cmd_usage(&add_cmd, "expected one FILE.pub");
		goto out;
	}
	if ((error = ct_key_file_public_record(&rec, argv[optind])) < 0 ||
		(error = ct_trust_add_with(cli->repo, rec, a.name, a.can_revoke)) < 0)
		goto done;
	printf("trusted key %s (%s)\n", json_string_value(json_object_get(rec, "key_id")),
		a.name ? a.name : json_string_value(json_object_get(rec, "name")));
	json_array_foreach (a.can_revoke, i, v)
		printf("it may revoke %s\n",
			strcmp(json_string_value(v), "all") == 0 ? "every key"
								 : json_string_value(v));
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	json_decref(a.can_revoke);
	json_decref(rec);
	return status;
}

static int trust_list(ct_cli *cli, int argc, char **argv)
{
	trust_args a = {NULL, 0, NULL};
	json_t *keys = NULL, *e, *v;
	int error, status;
	size_t i, j;

	if ((status = cli_parse(&list_cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto done;
	status = CT_EXIT_OK;
	if (argc != optind) {
		status = cli_cmd_usage(&list_cmd, "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	if ((error = ct_trust_read(&keys, cli->repo)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	if (a.json) {
		json_t *out = json_pack("{s:b, s:o}", "exists", keys != NULL, "keys",
			keys ? json_incref(keys) : json_array());
		status = cli_print_json(out);
		json_decref(out);
	} else if (!keys) {
		printf("no trust list (check takes the store's keys as given; add keys with "
		       "'claimtrail trust add KEY.pub')\n");
	} else if (json_array_size(keys) == 0) {
		printf("the trust list is empty: no key is trusted\n");
	} else {
		json_array_foreach (keys, i, e) {
			printf("%s  %s  added %s%s",
				json_string_value(json_object_get(e, "key_id")),
				json_string_value(json_object_get(e, "name")),
				json_string_value(json_object_get(e, "added")),
				json_object_get(json_object_get(e, "record"), "revoked")
					? "  (revoked)"
					: "");
			json_array_foreach (json_object_get(e, "can_revoke"), j, v)
				printf("%s%s", j ? ", " : "  can revoke: ",
					strcmp(json_string_value(v), "all") == 0
						? "every key"
						: json_string_value(v));
			printf("\n");
		}
	}
done:
	json_decref(keys);
	return status;
}

/* The key id of the trust list that typed is a unique prefix of, in whole (a unique prefix
 * names a key, as git takes short commit ids), or typed itself when it begins none. */
static int whole_key_id(ct_buf *out, const char *repo, const char *typed)
{
	json_t *keys = NULL, *e;
	ct_buf names = CT_BUF_INIT;
	size_t i, n = 0;
	int error;

	ct_buf_clear(out);
	if ((error = ct_trust_read(&keys, repo)) < 0)
		goto done;
	json_array_foreach (keys, i, e) {
		const char *kid = json_string_value(json_object_get(e, "key_id"));
		if (!kid || strncmp(kid, typed, strlen(typed)) != 0)
			continue;
		if ((error = ct_buf_printf(&names, "%s%s", n++ ? ", " : "", kid)) < 0)
			goto done;
		if (n == 1 && (error = ct_buf_puts(out, kid)) < 0)
			goto done;
	}
	if (n > 1)
		error = ct_error_set(CT_EAMBIGUOUS,
			"key \"%s\" is ambiguous: %zu trusted keys begin with it: %s", typed, n,
			names.ptr);
	else if (n == 0)
		error = ct_buf_puts(out, typed);
done:
	ct_buf_free(&names);
	json_decref(keys);
	return error;
}

static int trust_remove(ct_cli *cli, int argc, char **argv)
{
	ct_buf kid = CT_BUF_INIT;
	int status, error;

	if ((status = cli_parse(&remove_cmd, NULL, argc, argv)) != CLI_CONTINUE)
		goto done;
	if (argc - optind != 1 || argv[optind][0] == '-') {
		status = cli_cmd_usage(&remove_cmd, "expected one KEY-ID");
		goto done;
	}
	if ((error = whole_key_id(&kid, cli->repo, argv[optind])) < 0 ||
		(error = ct_trust_remove(cli->repo, kid.ptr)) < 0) {
		status = cli_fail(error);
		goto done;
	}
	printf("key %s is no longer trusted\n", kid.ptr);
	status = CT_EXIT_OK;
done:
	ct_buf_free(&kid);
	return status;
}

int cmd_trust(ct_cli *cli, int argc, char **argv)
{
	int status;

	if (argc < 2) {
		cli_help(&trust_cmd, stderr);
		status = CT_EXIT_USAGE;
	} else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_help(&trust_cmd, stdout);
		status = CT_EXIT_OK;
	} else if (strcmp(argv[1], "add") == 0) {
		status = trust_add(cli, argc - 1, argv + 1);
	} else if (strcmp(argv[1], "list") == 0) {
		status = trust_list(cli, argc - 1, argv + 1);
	} else if (strcmp(argv[1], "remove") == 0) {
		status = trust_remove(cli, argc - 1, argv + 1);
	} else {
		status = cli_cmd_usage(&trust_cmd, "unknown subcommand '%s'", argv[1]);
	}
	return status;
}

void cli_trust_line(char *out, size_t size, const ct_trust_info *info, const char *root)
{
	if (info->store_keys || (!info->given && !info->has_list))
		snprintf(out, size,
			"trust: no trust list and no --trust: taking the %zu key%s of %s/key/ as "
			"given; run 'claimtrail trust add KEY.pub'",
			info->store_keys, info->store_keys == 1 ? "" : "s", root);
	else if (info->has_list && info->given)
		snprintf(out, size, "trust: %zu key%s of the trust list and %zu given with --trust",
			info->listed, info->listed == 1 ? "" : "s", info->given);
	else if (info->has_list)
		snprintf(out, size, "trust: %zu key%s of the trust list ('claimtrail trust list')",
			info->listed, info->listed == 1 ? "" : "s");
	else
		snprintf(out, size, "trust: %zu key%s given with --trust (no trust list)",
			info->given, info->given == 1 ? "" : "s");
}
