/* claimtrail trust: the clone's trust list (add, list, remove), and the line that says which
 * keys a command took when none were named with --trust. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static void trust_usage(FILE *out)
{
	fprintf(out,
		"usage: claimtrail [-C DIR] trust add FILE.pub [--name NAME]\n"
		"       claimtrail [-C DIR] trust list [--json]\n"
		"       claimtrail [-C DIR] trust remove KEY-ID\n"
		"\n"
		"The trust list holds the public keys this clone trusts. It is kept in the git\n"
		"directory, never in history: keys that arrive in a bundle, a pull or a commit are\n"
		"not trusted until you add them. check, verify and bundle import use it when no\n"
		"--trust is given; --trust adds to it. init adds the initialising key.\n");
}

static int trust_add(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL;
	json_t *rec = NULL;
	int error, c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'h': trust_usage(stdout); return CT_EXIT_OK;
		default:
			return cli_usage("trust add: unknown option or missing value '%s'",
				argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("trust add: expected one FILE.pub");
	if ((error = ct_key_file_public_record(&rec, argv[optind])) < 0 ||
		(error = ct_trust_add(cli->repo, rec, name)) < 0)
		goto done;
	printf("trusted key %s (%s)\n", json_string_value(json_object_get(rec, "key_id")),
		name ? name : json_string_value(json_object_get(rec, "name")));
done:
	json_decref(rec);
	return error < 0 ? cli_fail(error) : CT_EXIT_OK;
}

static int trust_list(ct_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	json_t *keys = NULL, *e;
	int as_json = 0, error, c, status = CT_EXIT_OK;
	size_t i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': as_json = 1; break;
		case 'h': trust_usage(stdout); return CT_EXIT_OK;
		default:
			return cli_usage("trust list: unknown option or missing value '%s'",
				argv[optind - 1]);
		}
	}
	if (argc != optind)
		return cli_usage("trust list: unexpected argument '%s'", argv[optind]);
	if ((error = ct_trust_read(&keys, cli->repo)) < 0)
		return cli_fail(error);
	if (as_json) {
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
		json_array_foreach(keys, i, e)
			printf("%s  %s  added %s%s\n", json_string_value(json_object_get(e, "key_id")),
				json_string_value(json_object_get(e, "name")),
				json_string_value(json_object_get(e, "added")),
				json_object_get(json_object_get(e, "record"), "revoked") ? "  (revoked)"
											   : "");
	}
	json_decref(keys);
	return status;
}

static int trust_remove(ct_cli *cli, int argc, char **argv)
{
	int error;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		trust_usage(stdout);
		return CT_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("trust remove: expected one KEY-ID");
	if ((error = ct_trust_remove(cli->repo, argv[1])) < 0)
		return cli_fail(error);
	printf("key %s is no longer trusted\n", argv[1]);
	return CT_EXIT_OK;
}

int cmd_trust(ct_cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		trust_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
	}
	if (strcmp(argv[1], "add") == 0)
		return trust_add(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return trust_list(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "remove") == 0)
		return trust_remove(cli, argc - 1, argv + 1);
	return cli_usage("trust: unknown subcommand '%s'", argv[1]);
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
