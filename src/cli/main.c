/* claimtrail: parses the global options and hands the rest to one subcommand. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	ct_cli_command run;
	const char *summary;
};

static int cmd_version(ct_cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	printf("claimtrail %s\n", CT_VERSION);
	return CT_EXIT_OK;
}

static const struct command commands[] = {
	{"init", cmd_init, "make a claim store in a git repository"},
	{"source", cmd_source, "add, revise, list or show sources"},
	{"claim", cmd_claim, "add, revise or retract claims"},
	{"show", cmd_show, "show a claim, its status and annotations"},
	{"cat", cmd_cat, "print a claim revision exactly as stored"},
	{"list", cmd_list, "list claims, filtered by source, tag or status"},
	{"search", cmd_search, "the claims and sources holding some words, best match first"},
	{"log", cmd_log, "a claim's whole story, newest first"},
	{"diff", cmd_diff, "what changed between two revisions of a claim, or in the store"},
	{"compare", cmd_compare, "the figures of claims about one quantity, side by side"},
	{"check", cmd_check, "verify the whole store"},
	{"checkpoint", cmd_checkpoint,
		"sign a checkpoint: the branch's commit and its records' root"},
	{"import", cmd_import, "record many claims from a JSON-lines or CSV file in one commit"},
	{"annotate", cmd_annotate, "record a verdict or a note on a claim"},
	{"dispute", cmd_dispute, "record that someone disputes a claim"},
	{"resolve", cmd_resolve, "close a dispute: upheld or rejected"},
	{"sign-off", cmd_sign_off, "add an editor's signature to a claim's current revision"},
	{"anchor", cmd_anchor, "re-check claims' quotes against their sources' text"},
	{"suggest", cmd_suggest, "list the sentences of an article worth checking"},
	{"bundle", cmd_bundle, "create, inspect, prove or import a signed claim bundle"},
	{"publish", cmd_publish, "write a static web site of the claims, with ClaimReview"},
	{"export", cmd_export, "claims as ClaimReview, Web Annotations, PROV-JSON or Graphviz"},
	{"canon", cmd_canon, "print the canonical (RFC 8785) form of a JSON text"},
	{"key", cmd_key, "generate, show, import, revoke or rotate a signing key"},
	{"sign", cmd_sign, "sign a record file"},
	{"verify", cmd_verify, "verify a record's signatures against trusted keys"},
	{"trust", cmd_trust, "add, list or remove the keys this clone trusts"},
	{"fetch", cmd_fetch, "fetch a remote's store into quarantine and verify it"},
	{"pull", cmd_pull, "fetch, verify and merge a remote's store by rule"},
	{"push", cmd_push, "push the branch; refused when the remote moved"},
	{"sync", cmd_sync, "pull, then push"}, {"version", cmd_version, "print the version"},
	{"__complete", cmd_complete, NULL}, /* for the completion scripts: not listed */
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: claimtrail [-C DIR] [--root DIR] [--color[=WHEN]] [--no-pager] COMMAND "
		"[ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].summary)
			fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\nRun 'claimtrail COMMAND --help' for a command's options; see claimtrail(1).\n");
}

/*
 * Every command's output goes through stdout's buffer: a write error there (a full disk, a closed
 * pipe reader, /dev/full) is only certain once it is flushed, so it is checked here, once, for
 * every command. A command that already failed keeps its own status and message.
 */
static int finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "claimtrail: error writing standard output: %s\n",
			errno ? strerror(errno) : "write error");
		if (status == CT_EXIT_OK)
			status = CT_EXIT_ERROR;
	}
	return status;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"root", required_argument, NULL, 'r'},
		{"color", optional_argument, NULL, 'c'},
		{"colour", optional_argument, NULL, 'c'},
		{"no-pager", no_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	ct_cli cli = {".", NULL};
	const struct command *command = NULL;
	size_t i;
	int c;
	int status = CLI_CONTINUE;

	while (status == CLI_CONTINUE && (c = getopt_long(argc, argv, "+C:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'C': cli.repo = optarg; break;
		case 'r': cli.root = optarg; break;
		case 'c':
			if (cli_set_color(optarg) < 0)
				status = cli_usage(
					"--color takes always, never or auto, not '%s'", optarg);
			break;
		case 'P': cli_set_no_pager(); break;
		case 'h':
			usage(stdout);
			status = CT_EXIT_OK;
			break;
		case 'V':
			printf("claimtrail %s\n", CT_VERSION);
			status = CT_EXIT_OK;
			break;
		default:
			usage(stderr);
			status = CT_EXIT_USAGE;
			break;
		}
	}
	if (status != CLI_CONTINUE)
		goto done;
	if (optind >= argc) {
		usage(stderr);
		status = CT_EXIT_USAGE;
		goto done;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]) && !command; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			command = &commands[i];
	if (!command) {
		status = cli_usage("unknown command '%s'", argv[optind]);
		goto done;
	}
	/* the library reads no environment: the clock and the commit identity come from here */
	if (ct_init() < 0 || cli_runtime_from_env() < 0) {
		status = cli_fail(ct_error_last_code());
		goto done;
	}
	cli_repo_path = cli.repo;
	/* the command's own options are parsed by cli_parse (opt.c), from argv[optind] on */
	status = command->run(&cli, argc - optind, argv + optind);
	ct_shutdown();
done:
	return status;
}

int main(int argc, char **argv)
{
	/* the pager is waited for once everything is written to it */
	return finish(cli_pager_finish(run(argc, argv)));
}
