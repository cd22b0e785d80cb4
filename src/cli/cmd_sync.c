/* claimtrail fetch, pull, push and sync: exchanging the store with git remotes (docs/sync.md). */
#include "cli.h"

#include <getopt.h>
#include <string.h>

typedef struct {
	ct_keyring *trust;
	int json;
	int only_trusted;
	int accept_rewrite;
} sync_args;

static const cli_opt fetch_opts[] = {
	CLI_OPT_TRUST(CLI_TRUST_EXIT_4, sync_args, trust),
	CLI_OPT_JSON("print the report as JSON", sync_args, json),
	CLI_OPT_COLOR,
	CLI_END,
};

static const cli_opt pull_opts[] = {
	CLI_OPT_TRUST(CLI_TRUST_EXIT_4, sync_args, trust),
	CLI_FLAG("only-trusted", 0, "merge the records that verify; leave the others in quarantine",
		sync_args, only_trusted),
	CLI_FLAG("accept-rewrite", 0, "merge although the remote rewrote its history", sync_args,
		accept_rewrite),
	CLI_OPT_JSON("print the report as JSON", sync_args, json),
	CLI_OPT_COLOR,
	CLI_END,
};

static const cli_opt push_opts[] = {
	CLI_OPT_JSON("print the report as JSON", sync_args, json),
	CLI_END,
};

static const char sync_usage[] =
	"usage: claimtrail fetch [REMOTE] [--trust KEYS] [--json]\n"
	"       claimtrail pull [REMOTE] [--only-trusted] [--accept-rewrite] [--trust KEYS] "
	"[--json]\n"
	"       claimtrail push [REMOTE] [--json]\n"
	"       claimtrail sync [REMOTE] [--only-trusted] [--accept-rewrite] [--trust KEYS] "
	"[--json]\n"
	"\n"
	"REMOTE is a remote of git's configuration (default: origin); the branch HEAD names is\n"
	"exchanged with the remote's branch of the same name. fetch brings it into\n"
	"refs/claimtrail/incoming/REMOTE, never into the branch, and verifies every record the\n"
	"store lacks against the trust list ('claimtrail trust') and --trust: one line per\n"
	"problem, exit status 1 when there is any. pull fetches, then merges what verified as\n"
	"one merge commit (or a fast-forward); concurrent revisions of a claim or source are kept\n"
	"side by side and it is 'conflicted' until 'claim revise ID --merge' (or 'source revise\n"
	"ID --merge'). push refuses when the remote moved (pull first). sync is pull, then\n"
	"push. See docs/sync.md.\n";

static const cli_cmd fetch_cmd = {"fetch", sync_usage, fetch_opts};
static const cli_cmd pull_cmd = {"pull", sync_usage, pull_opts};
static const cli_cmd push_cmd = {"push", sync_usage, push_opts};
static const cli_cmd sync_cmd = {"sync", sync_usage, pull_opts};

typedef struct {
	json_t *found; /* --json: the problem lines */
	cli_progress *progress;
} sync_state;

static void print_problem(const char *line, void *payload)
{
	sync_state *s = payload;

	if (s->found) {
		json_array_append_new(s->found, json_string(line));
		return;
	}
	cli_progress_end(s->progress);
	printf("%s%s%s\n", cli_paint(CLI_RED), line, cli_paint(CLI_RESET));
	fflush(stdout);
}

static json_t *report_json(const ct_sync_report *r, int pushed)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:b, s:b, s:b, s:b}",
		"remote", r->remote, "branch", r->branch, "incoming", r->incoming, "merged",
		r->merged, "fresh", (json_int_t)r->fresh, "quarantined", (json_int_t)r->quarantined,
		"conflicted", (json_int_t)r->conflicted, "conflicted_sources",
		(json_int_t)r->conflicted_sources, "rewritten", r->rewritten, "fast_forward",
		r->fast_forward, "up_to_date", r->up_to_date, "trust_fallback", r->trust_fallback,
		"pushed", pushed);
}

/* The lines after a fetch or pull. */
static void print_report(const ct_sync_report *r, int pull)
{
	if (r->trust_fallback)
		printf("no trust list: the key records of this store were trusted as given (add "
		       "keys with 'claimtrail trust add')\n");
	if (!r->incoming[0]) {
		printf("%s has no branch %s yet\n", r->remote, r->branch + 11);
		return;
	}
	printf("fetched %s/%s (%.12s): %zu new record%s, %zu problem%s\n", r->remote,
		r->branch + 11, r->incoming, r->fresh, r->fresh == 1 ? "" : "s", r->problems,
		r->problems == 1 ? "" : "s");
	if (!pull)
		return;
	if (r->quarantined)
		printf("%zu record%s left in quarantine (refs/claimtrail/incoming/%s)\n",
			r->quarantined, r->quarantined == 1 ? "" : "s", r->remote);
	if (r->merged[0])
		printf("%s %s: %.12s\n", r->fast_forward ? "fast-forwarded" : "merged into",
			r->branch + 11, r->merged);
	else if (r->up_to_date)
		printf("already up to date\n");
	if (r->conflicted)
		printf("%zu claim%s conflicted: concurrent revisions kept side by side (claimtrail "
		       "list --status conflicted; end each with 'claimtrail claim revise ID "
		       "--merge')\n",
			r->conflicted, r->conflicted == 1 ? " is" : "s are");
	if (r->conflicted_sources)
		printf("%zu source%s conflicted: concurrent revisions kept side by side (claimtrail "
		       "check; end each with 'claimtrail source revise ID --merge')\n",
			r->conflicted_sources, r->conflicted_sources == 1 ? " is" : "s are");
}

static int run(ct_cli *cli, int argc, char **argv, const cli_cmd *cmd)
{
	sync_args a;
	ct_sync_opts opts = CT_SYNC_OPTS_INIT;
	ct_sync_report r, pushed;
	ct_store *store = NULL;
	cli_progress progress;
	sync_state st;
	const char *remote = NULL;
	int do_push = cmd == &push_cmd || cmd == &sync_cmd;
	int status, error = 0, did_push = 0;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	memset(&pushed, 0, sizeof(pushed));
	cli_progress_init(&progress, cmd->name);
	if ((status = cli_parse(cmd, &a, argc, argv)) != CLI_CONTINUE)
		goto out;
	if (argc - optind > 1) {
		status = cli_cmd_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
		goto out;
	}
	if (argc - optind == 1)
		remote = argv[optind];
	st.found = a.json ? json_array() : NULL;
	st.progress = &progress;
	opts.trust = a.trust;
	opts.only_trusted = a.only_trusted;
	opts.accept_rewrite = a.accept_rewrite;
	opts.problem = print_problem;
	opts.problem_payload = &st;
	opts.progress = cli_progress_fn;
	opts.progress_payload = &progress;
	if ((error = cli_open_store(&store, cli)) < 0)
		goto done;
	if (cmd == &fetch_cmd)
		error = ct_sync_fetch(&r, store, remote, &opts);
	else if (cmd != &push_cmd)
		error = ct_sync_pull(&r, store, remote, &opts);
	cli_progress_end(&progress);
	if (cmd != &push_cmd && !a.json && (error == 0 || r.problems))
		print_report(&r, cmd != &fetch_cmd);
	if (error == 0 && do_push) {
		error = ct_sync_push(&pushed, store, remote, &opts);
		cli_progress_end(&progress);
		if (error == 0) {
			did_push = !pushed.up_to_date;
			if (!a.json)
				printf(did_push ? "pushed %s to %s\n" : "%s is up to date on %s\n",
					pushed.branch + 11, pushed.remote);
		}
	}
	if (a.json && (error == 0 || r.problems)) {
		json_t *out = report_json(cmd == &push_cmd ? &pushed : &r, did_push);
		json_object_set_new(out, "ok", json_boolean(error == 0));
		json_object_set(out, "problems", st.found);
		cli_print_json(out);
		json_decref(out);
	}
done:
	status = error < 0 ? cli_fail(error) : CT_EXIT_OK;
out:
	cli_progress_end(&progress);
	json_decref(a.json ? st.found : NULL);
	ct_store_free(store);
	ct_keyring_free(a.trust);
	return status;
}

int cmd_fetch(ct_cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, &fetch_cmd);
}

int cmd_pull(ct_cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, &pull_cmd);
}

int cmd_push(ct_cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, &push_cmd);
}

int cmd_sync(ct_cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, &sync_cmd);
}
