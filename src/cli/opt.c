/* The one option parser and the one --help printer of the claimtrail command (opt.h). */
#include "cli.h"
#include "opt.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

/* The most options a table holds (the largest, source's, has 16). */
#define OPTS_MAX 32
/* getopt_long's value for the long-only option i of a table: above every char. */
#define LONG_ONLY 256
/* The column where the options' help starts. */
#define HELP_COLUMN 30

int cli_cmd_usage(const cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "claimtrail: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'claimtrail %s --help')\n", cmd->name);
	return CT_EXIT_USAGE;
}

static void help_line(
	FILE *out, char letter, const char *name, cli_arg arg, const char *value, const char *help)
{
	char left[128];
	int n;

	n = snprintf(left, sizeof(left), "  %c%c%s%s%s%s%s%s", letter ? '-' : ' ',
		letter ? letter : ' ', letter && *name ? ", " : "  ", *name ? "--" : "", name,
		arg == CLI_OPTIONAL ? "[=" : (arg == CLI_VALUE ? " " : ""),
		arg != CLI_NOVALUE && value ? value : "", arg == CLI_OPTIONAL ? "]" : "");
	if (n < 0)
		return;
	if (n < HELP_COLUMN)
		fprintf(out, "%-*s%s\n", HELP_COLUMN, left, help);
	else
		fprintf(out, "%s\n%*s%s\n", left, HELP_COLUMN, "", help);
}

void cli_help(const cli_cmd *cmd, FILE *out)
{
	const cli_opt *o;

	fputs(cmd->usage, out);
	if (!cmd->opts) {
		/* a family of subcommands: each lists its own */
		fprintf(out, "\nRun 'claimtrail %s SUBCOMMAND --help' for its options.\n",
			cmd->name);
		return;
	}
	fprintf(out, "\noptions of claimtrail %s:\n", cmd->name);
	for (o = cmd->opts; o && o->name; o++)
		if (o->help && o->kind != CLI_REFUSED)
			help_line(out, o->letter, o->name, o->arg, o->value, o->help);
	help_line(out, 'h', "help", CLI_NOVALUE, NULL, "print this help");
}

/* Does what option o says with its value; CLI_CONTINUE, or the exit status to end with. */
static int apply(const cli_cmd *cmd, const cli_opt *o, void *args, const char *value)
{
	char *field = (char *)args + o->offset;
	int error;

	switch (o->kind) {
	case CLI_SET: *(int *)(void *)field = 1; return CLI_CONTINUE;
	case CLI_STRING: *(const char **)(void *)field = value; return CLI_CONTINUE;
	case CLI_COUNT:
		if (cli_parse_count((size_t *)(void *)field, value, o->max) < 0)
			return cli_cmd_usage(
				cmd, "--%s takes a number from 1 to %zu", o->name, o->max);
		return CLI_CONTINUE;
	case CLI_KEYRING: {
		ct_keyring **ring = (ct_keyring **)(void *)field;
		if ((!*ring && (error = ct_keyring_new(ring)) < 0) ||
			(error = ct_keyring_add_path(*ring, value)) < 0)
			return o->max == CLI_TRUST_EXIT_4 ? cli_fail_trust(error) : cli_fail(error);
		return CLI_CONTINUE;
	}
	case CLI_CALL: error = o->call(cmd, o, args, value); return error ? error : CLI_CONTINUE;
	case CLI_REFUSED:
	default:
		if (*o->name)
			return cli_cmd_usage(cmd, "option --%s does not apply here", o->name);
		return cli_cmd_usage(cmd, "option -%c does not apply here", o->letter);
	}
}

int cli_parse(const cli_cmd *cmd, void *args, int argc, char **argv)
{
	struct option longs[OPTS_MAX + 2];
	char shorts[3 * OPTS_MAX + 2];
	size_t n = 0, s = 0, i;
	int takes_value = 0;
	int status, c;

	shorts[s++] = 'h';
	for (i = 0; cmd->opts && cmd->opts[i].name; i++) {
		const cli_opt *o = &cmd->opts[i];
		if (i == OPTS_MAX)
			return cli_fail(ct_error_set(
				CT_EINVALID, "%s: more than %d options", cmd->name, OPTS_MAX));
		if (o->arg != CLI_NOVALUE)
			takes_value = 1;
		if (o->letter) {
			shorts[s++] = o->letter;
			if (o->arg != CLI_NOVALUE)
				shorts[s++] = ':';
			if (o->arg == CLI_OPTIONAL)
				shorts[s++] = ':';
		}
		if (!*o->name)
			continue; /* a short option only */
		longs[n].name = o->name;
		longs[n].has_arg = o->arg == CLI_VALUE ? required_argument
			: o->arg == CLI_OPTIONAL       ? optional_argument
						       : no_argument;
		longs[n].flag = NULL;
		longs[n].val = o->letter ? o->letter : LONG_ONLY + (int)i;
		n++;
	}
	shorts[s] = '\0';
	longs[n].name = "help";
	longs[n].has_arg = no_argument;
	longs[n].flag = NULL;
	longs[n].val = 'h';
	memset(&longs[n + 1], 0, sizeof(longs[n + 1]));

	optind = 0; /* glibc: 0 starts getopt afresh, whatever parsed before */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const cli_opt *o = NULL;
		if (c == 'h') {
			cli_help(cmd, stdout);
			return CT_EXIT_OK;
		}
		if (c >= LONG_ONLY)
			o = &cmd->opts[c - LONG_ONLY];
		for (i = 0; !o && c != '?' && cmd->opts && cmd->opts[i].name; i++)
			if (cmd->opts[i].letter == c)
				o = &cmd->opts[i];
		if (!o)
			return cli_cmd_usage(cmd,
				takes_value ? "unknown option or missing value '%s'"
					    : "unknown option '%s'",
				argv[optind - 1]);
		if ((status = apply(cmd, o, args, optarg)) != CLI_CONTINUE)
			return status;
	}
	return CLI_CONTINUE;
}
