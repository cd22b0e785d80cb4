/* Shared pieces of the claimtrail command: exit statuses, global options, key loading. */
#ifndef CT_CLI_H
#define CT_CLI_H

#include "claimtrail.h"
#include "opt.h"

#include <stdio.h>

/* Exit statuses (documented in docs/claimtrail.1). */
enum {
	CT_EXIT_OK = 0,
	CT_EXIT_VERIFY =
		1, /* a signature, digest, chain or trust check failed; check found problems */
	CT_EXIT_USAGE = 2,    /* unknown command or option, missing or extra argument */
	CT_EXIT_NOTFOUND = 3, /* the named record, revision, file or key does not exist */
	CT_EXIT_ERROR = 4,    /* anything else: invalid input, conflict, I/O, wrong passphrase */
};

/* Options that come before the subcommand. */
typedef struct {
	const char *repo; /* -C DIR: the repository (default ".") */
	const char *
		root; /* --root DIR: the store folder inside it (default from config or "claims") */
} ct_cli;

typedef int (*ct_cli_command)(ct_cli *cli, int argc, char **argv);

/* Prints "claimtrail: <ct_error_last()>" and returns the exit status for code. */
int cli_fail(int code);

/* Prints "claimtrail: <message>" and a hint to run --help; returns CT_EXIT_USAGE. */
int cli_usage(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* Parses a count of 1 to max written in decimal ("3", not "03" or "3x"): 0, or -1. */
int cli_parse_count(size_t *out, const char *s, size_t max);

/* The exit status for a library error code. */
int cli_exit_status(int code);

/* The plural ending of a count: "s" unless n is 1 ("%llu record%s", n, cli_s(n)). */
const char *cli_s(unsigned long long n);

/* Like cli_fail for a --trust key that cannot be used (missing, unreadable, not a valid
 * self-signed key record): always CT_EXIT_ERROR, so that exit status 1 only ever means that
 * what was verified failed (docs/bundle.md 5, the man page). */
int cli_fail_trust(int code);

/*
 * Gets a passphrase: from passphrase_file when given, else $CLAIMTRAIL_PASSPHRASE, else a
 * prompt on the terminal (twice when confirm is set). *out is sodium_malloc'd and NUL-terminated:
 * release it with cli_passphrase_free. Returns CT_EPASSPHRASE when none can be had.
 */
int cli_passphrase(
	char **out, size_t *len, const char *passphrase_file, const char *prompt, int confirm);
void cli_passphrase_free(char *pass);

/* The repository -C names ("." by default), for the defaults read from its git config. */
extern const char *cli_repo_path;

/* When ring is empty (no --trust): adds the keys of $CLAIMTRAIL_TRUST, else of git config
 * claimtrail.trust (a public key record or a folder of them), when either is set. */
int cli_default_trust(ct_keyring *ring);

/* Loads the secret key at path (when NULL: $CLAIMTRAIL_KEY, else git config claimtrail.key of
 * the repository at cli_repo_path), asking for its passphrase only when the file is encrypted. */
int cli_load_key(ct_key **out, const char *path, const char *passphrase_file);

/* Reads the single record in the file at path (sign, verify): strict JSON, its messages naming
 * path, and valid for its kind. *out is the caller's to json_decref. */
int cli_read_record(json_t **out, const char *path);

/* Writes value as JSON indented by two spaces, and a newline, to stdout; returns an exit status. */
int cli_print_json(const json_t *value);

int cmd_canon(ct_cli *cli, int argc, char **argv);
int cmd_key(ct_cli *cli, int argc, char **argv);
int cmd_checkpoint(ct_cli *cli, int argc, char **argv);
int cmd_sign(ct_cli *cli, int argc, char **argv);
int cmd_verify(ct_cli *cli, int argc, char **argv);

/* The largest text of a source read from a file: source --file, claim and anchor --source-text.
 * One limit, so a text the store took can always be given again as a copy. */
#define CLI_SOURCE_TEXT_MAX (64u * 1024 * 1024)

/* What the library reads from no environment, read here: SOURCE_DATE_EPOCH (a whole number of
 * seconds, else ignored) and GIT_{AUTHOR,COMMITTER}_{NAME,EMAIL}, passed in by ct_runtime_set. */
int cli_runtime_from_env(void);

/* $CLAIMTRAIL_THREADS for ct_bundle_verify_opts.threads: a number from 1, else 0 (the CPUs). */
unsigned cli_threads_from_env(void);

/* The ids of every record of kind in the store, sorted (strcmp): a new JSON array of strings,
 * for the listings that print in a stable order (source list, anchor check). */
int cli_sorted_ids(json_t **out, ct_store *store, ct_kind kind);

/* Opens the store named by -C and --root. */
int cli_open_store(ct_store **out, ct_cli *cli);

/* Resolves the id *id as typed (a whole id or a unique prefix: ct_store_resolve_id) to the whole
 * id of a record of kind, kept in buf, and points *id at it. Nothing to do when *id is NULL.
 * An id that begins no id and is near none is left as typed, for the command to report in its
 * own words; an ambiguous prefix and an id near another are errors. */
int cli_resolve_id(
	const char **id, ct_buf *buf, ct_store *store, ct_kind kind, const char *claim_id);

/* cli_resolve_id for a command's operand: *arg (in argv) is pointed at the whole id in buf. */
int cli_resolve_arg(char **arg, ct_buf *buf, ct_store *store, ct_kind kind);

/* With --rev DIGEST-PREFIX: the one revision of the claim or source (kind) whose digest starts so
 * when it is one of several revisions of its number (kept side by side by a sync), which a
 * number cannot name; NULL otherwise (ct_store_resolve_revision decides). */
json_t *cli_concurrent_by_digest(ct_store *store, ct_kind kind, const char *id, const char *rev);

/* Like cli_resolve_id for an ID that names a claim or a source (log, diff): a whole claim id,
 * else a whole source id, else a unique prefix of a claim id, else of a source id. *kind says
 * which. CT_ENOTFOUND: "no claim or source ..." (with the nearest id when one is near). */
int cli_resolve_claim_or_source(ct_kind *kind, const char **id, ct_buf *buf, ct_store *store);

/* Sets fields' "quantity" from a number as typed ("6,000", "7.6 million", "about 30%"): its
 * amount, its wording when that says more ("text"; null when not, so a revise drops an old
 * one), and the qualifier and "%" unit the wording gives unless already set. Returns 0,
 * CT_EINVALID (the message set) or -1 on text that is not UTF-8. */
int cli_set_quantity(json_t *fields, const char *text);

/* Warns on stderr when the claim's quantity matches no number in its quote. */
void cli_warn_quantity(const json_t *claim);

/* Prints a claim's attribution as show does: the source (with its title and publisher when
 * source is given), quote, location, and where the quote is anchored with its context; with
 * say_unchecked, a quote without a selector is said not to be checked. */
void cli_print_attribution(const json_t *attr, const json_t *source, int say_unchecked);

/* An annotation's words on its line, as show and bundle show print them: a verdict (coloured),
 * a dispute's "by WHO: REASON", a resolution's "of DISPUTE: OUTCOME", " - NOTE"; and its
 * evidence " (evidence: A, B)" when it names any. */
void cli_print_annotation_says(const json_t *a);
void cli_print_evidence(const json_t *a);

/* Prints a quantity: qualifier, amount with digit separators, unit, and its wording. */
void cli_print_quantity(const json_t *qty);

/* Prints an attribution chain (ct_claim_chain) on one line: "said by X, reported by Y". */
void cli_print_chain(const json_t *chain);

/* "3f9a0c1d2e4b5a67 (Name, Org)" for each signature of record, comma separated. */
int cli_signers(ct_buf *out, ct_store *store, const json_t *record);

/* Verifies record as stored (ct_store_verify_record) into *v and appends what to print for its
 * signers: cli_signers when it verifies, else "NOT VERIFIED: <why>" (nothing unverified is shown
 * as signed). */
int cli_verified_signers(ct_buf *out, ct_verification *v, ct_store *store, const json_t *record);

/* {"state": "verified"|"bad-signature"|"broken-chain", "verified": bool, "reason": "..."}. */
json_t *cli_verification_json(const ct_verification *v);

/* Every status a claim can have in `list --status` (cmd_read.c), ended by NULL. */
extern const char *const cli_statuses[];

/* claimtrail __complete (cmd_complete.c): the words shell completion offers. */
int cmd_complete(ct_cli *cli, int argc, char **argv);

int cmd_init(ct_cli *cli, int argc, char **argv);
int cmd_source(ct_cli *cli, int argc, char **argv);
int cmd_claim(ct_cli *cli, int argc, char **argv);
int cmd_show(ct_cli *cli, int argc, char **argv);
int cmd_cat(ct_cli *cli, int argc, char **argv);
int cmd_list(ct_cli *cli, int argc, char **argv);
int cmd_log(ct_cli *cli, int argc, char **argv);
int cmd_search(ct_cli *cli, int argc, char **argv);
int cmd_compare(ct_cli *cli, int argc, char **argv);
int cmd_check(ct_cli *cli, int argc, char **argv);
int cmd_import(ct_cli *cli, int argc, char **argv);

/* Bundles (cmd_bundle.c): the bundle command, and verify's bundle and proof branches. */
int cmd_bundle(ct_cli *cli, int argc, char **argv);
int cli_verify_bundle(const char *path, const ct_keyring *trust, size_t threshold, int as_json,
	const char *state, long long max_age);
int cli_verify_proof(
	const char *proof, const char *root, const ct_keyring *trust, size_t threshold);
/* cmd_publish.c */
int cmd_publish(ct_cli *cli, int argc, char **argv);
/* bundle show (cmd_bundle_show.c): a verified bundle's claims, without a store. */
int cli_bundle_show(ct_cli *cli, int argc, char **argv);
/* Exports (cmd_export.c). */
int cmd_export(ct_cli *cli, int argc, char **argv);
int cmd_import_claimreview(ct_cli *cli, int argc, char **argv);
/* cmd_diff.c */
int cmd_diff(ct_cli *cli, int argc, char **argv);
/* The terminal (term.c). Colour: --color=WHEN as a global option or a command's sets the mode;
 * auto (the default) is colour when stdout is a terminal and neither NO_COLOR nor TERM=dumb says
 * otherwise. cli_color_auto: whether to colour. */
int cli_color_auto(void);
/* Sets the colour mode from WHEN (NULL: always): 0, or -1 for a WHEN that is none of always,
 * never and auto. */
int cli_set_color(const char *when);
/* The option callbacks of --color[=WHEN] and --no-pager (CLI_OPT_COLOR, CLI_OPT_NO_PAGER). */
int cli_opt_color(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value);
int cli_opt_no_pager(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value);
void cli_set_no_pager(void);
#define CLI_RED "\033[31m"
#define CLI_BOLD_RED "\033[1;31m"
#define CLI_GREEN "\033[32m"
#define CLI_YELLOW "\033[33m"
#define CLI_MAGENTA "\033[35m"
#define CLI_CYAN "\033[36m"
#define CLI_DIM "\033[2m"
#define CLI_BOLD "\033[1m"
#define CLI_RESET "\033[m"
/* color when colouring, else "" (cli_paint(CLI_RESET) ends it). */
const char *cli_paint(const char *color);
/* The colour of a status or a verdict ("" when none, or when not colouring). */
const char *cli_status_color(const char *status);
/* The columns of the terminal stdout is (read before a pager took it), 0 when it is none. */
size_t cli_term_width(void);
/* Sends the rest of stdout through the pager when stdout is a terminal and --no-pager was not
 * given: $CLAIMTRAIL_PAGER, else $PAGER, else "less -FRX" (empty or "cat": none). */
void cli_pager_start(void);
/* Waits for the pager, once everything is written; returns status. */
int cli_pager_finish(int status);
/* For `log -p`: revision's diff against the one before, printed, or (json_entry non-NULL) set
 * as its "diff" member. Nothing for revision 1. */
int cli_log_patch(
	ct_store *store, ct_kind kind, const char *id, json_int_t revision, json_t *json_entry);
/* The progress line of long work (progress.c): set .progress = cli_progress_fn and
 * .progress_payload = &p in the library's options; the line is drawn on standard error only
 * when it is a terminal, at most five times a second, and erased by cli_progress_end. */
typedef struct {
	const char *what;  /* the command: "import", "bundle verify", ... */
	int on;		   /* standard error is a terminal */
	int drawn;	   /* a line is on the screen */
	uint64_t expected; /* the total when the library does not know it (0: unknown) */
	const char *stage;
	char stage_buf[32];
	uint64_t done, total, first;
	double start, last;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *what);
void cli_progress_fn(const ct_progress *progress, void *payload);
void cli_progress_end(cli_progress *p);
/* The fact-checking workflow (cmd_annotate.c, cmd_anchor.c, cmd_suggest.c). */
int cmd_annotate(ct_cli *cli, int argc, char **argv);
int cmd_dispute(ct_cli *cli, int argc, char **argv);
int cmd_resolve(ct_cli *cli, int argc, char **argv);
int cmd_sign_off(ct_cli *cli, int argc, char **argv);
int cmd_anchor(ct_cli *cli, int argc, char **argv);
int cmd_suggest(ct_cli *cli, int argc, char **argv);
/* The trust list (cmd_trust.c), and the one line that says which keys a command trusts. */
int cmd_trust(ct_cli *cli, int argc, char **argv);
void cli_trust_line(char *out, size_t size, const ct_trust_info *info, const char *root);
/* Sync over git remotes (cmd_sync.c). */
int cmd_fetch(ct_cli *cli, int argc, char **argv);
int cmd_pull(ct_cli *cli, int argc, char **argv);
int cmd_push(ct_cli *cli, int argc, char **argv);
int cmd_sync(ct_cli *cli, int argc, char **argv);

#endif
