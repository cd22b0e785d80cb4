/*
 * The option tables of the claimtrail command: each command declares its options once, in a
 * table that both parses its arguments (cli_parse) and prints its --help (cli_help). --help and
 * -h are every command's, handled here; the options several commands share are declared once
 * below (CLI_OPT_KEY, CLI_OPT_JSON, ...).
 */
#ifndef CT_CLI_OPT_H
#define CT_CLI_OPT_H

#include <stddef.h>
#include <stdio.h>

typedef struct cli_cmd cli_cmd;
typedef struct cli_opt cli_opt;

/* Whether an option takes a value. */
typedef enum {
	CLI_NOVALUE,  /* --json */
	CLI_VALUE,    /* --key FILE, --key=FILE, -k FILE, -kFILE */
	CLI_OPTIONAL, /* --color, --color=WHEN (only attached with '=') */
} cli_arg;

/* What an option does with its value. */
typedef enum {
	CLI_SET,     /* int at offset: set to 1 */
	CLI_STRING,  /* const char * at offset: the value (the last one given counts) */
	CLI_COUNT,   /* size_t at offset: a count from 1 to max, else a usage error */
	CLI_KEYRING, /* ct_keyring * at offset: made when NULL, the value's keys added (--trust);
		       * a key that cannot be used ends the command with cli_fail_trust's status 4
		       * when max is CLI_TRUST_EXIT_4, else with the status of its error code */
	CLI_CALL,    /* call(cmd, opt, args, value): 0 to go on, else the exit status (printed) */
	CLI_REFUSED, /* a sibling command's option: "option --X does not apply here" */
} cli_kind;

typedef int (*cli_call_fn)(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value);

struct cli_opt {
	const char *name; /* the long name, without "--"; NULL ends a table */
	char letter;	  /* the short name, or 0 */
	cli_arg arg;
	const char *value; /* the value's name in --help ("FILE") */
	const char *help;  /* one line for --help; NULL: not listed (an alias) */
	cli_kind kind;
	size_t offset;	  /* where the value goes in the command's argument struct */
	size_t max;	  /* CLI_COUNT: the largest count */
	cli_call_fn call; /* CLI_CALL */
};

struct cli_cmd {
	const char *name;    /* "bundle create": leads its usage errors, names its --help */
	const char *usage;   /* what --help prints above the options */
	const cli_opt *opts; /* ended by CLI_END; NULL for a family of subcommands (key, source) */
};

/* Ends a table. */
#define CLI_END \
	{ \
		NULL, 0, CLI_NOVALUE, NULL, NULL, CLI_SET, 0, 0, NULL \
	}

/* The options of a command, by kind (type: its argument struct). */
#define CLI_FLAG(name, letter, help, type, member) \
	{ \
		name, letter, CLI_NOVALUE, NULL, help, CLI_SET, offsetof(type, member), 0, NULL \
	}
#define CLI_STR(name, letter, value, help, type, member) \
	{ \
		name, letter, CLI_VALUE, value, help, CLI_STRING, offsetof(type, member), 0, NULL \
	}
#define CLI_FN(name, letter, arg, value, help, fn) \
	{ \
		name, letter, arg, value, help, CLI_CALL, 0, 0, fn \
	}
#define CLI_REFUSE(name, letter, arg) \
	{ \
		name, letter, arg, NULL, NULL, CLI_REFUSED, 0, 0, NULL \
	}

/* The options several commands share, declared once. letter: 'k' or 0 (bundle create has no
 * -k). */
#define CLI_OPT_KEY(letter, type, member) \
	CLI_STR("key", letter, "FILE", \
		"the secret signing key (default: $CLAIMTRAIL_KEY, git config claimtrail.key)", \
		type, member)
#define CLI_OPT_PASSPHRASE_FILE(type, member) \
	CLI_STR("passphrase-file", 0, "FILE", "read the key's passphrase from FILE's first line", \
		type, member)
#define CLI_OPT_JSON(help, type, member) CLI_FLAG("json", 0, help, type, member)
#define CLI_TRUST_EXIT_4 1
#define CLI_OPT_TRUST(fail, type, member) \
	{ \
		"trust", 0, CLI_VALUE, "KEYS", \
			"trust the public key record KEYS, or the key records in the folder KEYS", \
			CLI_KEYRING, offsetof(type, member), fail, NULL \
	}
#define CLI_OPT_THRESHOLD(max, help, type, member) \
	{ \
		"threshold", 0, CLI_VALUE, "N", help, CLI_COUNT, offsetof(type, member), max, NULL \
	}

/* --color[=WHEN] (also spelt --colour) and --no-pager, which the global options also take. */
#define CLI_OPT_COLOR \
	CLI_FN("color", 0, CLI_OPTIONAL, "WHEN", \
		"colour: always (the default WHEN), never or auto (when stdout is a terminal)", \
		cli_opt_color), \
		CLI_FN("colour", 0, CLI_OPTIONAL, "WHEN", NULL, cli_opt_color)
#define CLI_OPT_NO_PAGER \
	CLI_FN("no-pager", 0, CLI_NOVALUE, NULL, "do not page the output", cli_opt_no_pager)

/* Parse goes on: the options are in args, the operands are argv[optind..argc). */
#define CLI_CONTINUE (-1)

/*
 * Parses argv (argv[0] is the command's name) against cmd's table into args. Options and
 * operands may come in any order; "--" ends the options. Returns CLI_CONTINUE, or the exit
 * status the command ends with: CT_EXIT_OK after --help (printed on standard output), the
 * usage error's or a CLI_CALL's status (printed on standard error).
 */
int cli_parse(const cli_cmd *cmd, void *args, int argc, char **argv);

/* Prints cmd's usage and its options, --help last. */
void cli_help(const cli_cmd *cmd, FILE *out);

/* "claimtrail: <cmd>: <message> (see 'claimtrail <cmd> --help')" on standard error; returns
 * CT_EXIT_USAGE. */
int cli_cmd_usage(const cli_cmd *cmd, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#endif
