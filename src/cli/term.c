/*
 * The terminal: colour (--color, NO_COLOR), the pager (--no-pager, CLAIMTRAIL_PAGER, PAGER) and
 * the width of standard output. Whether standard output is a terminal is read once, before a
 * pager takes its place, so that colour and width go on following the user's terminal.
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int color_mode = -1; /* 1 always, 0 never, -1 auto */
static int no_pager;
static int stdout_tty = -1; /* -1: not read yet */
static pid_t pager_pid;

static int stdout_is_tty(void)
{
	if (stdout_tty < 0)
		stdout_tty = isatty(STDOUT_FILENO);
	return stdout_tty;
}

int cli_set_color(const char *when)
{
	if (!when || strcmp(when, "always") == 0)
		color_mode = 1;
	else if (strcmp(when, "never") == 0)
		color_mode = 0;
	else if (strcmp(when, "auto") == 0)
		color_mode = -1;
	else
		return -1;
	return 0;
}

int cli_opt_color(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	(void)opt;
	(void)args;
	if (cli_set_color(value) < 0)
		return cli_cmd_usage(cmd, "--color takes always, never or auto, not '%s'", value);
	return 0;
}

int cli_opt_no_pager(const cli_cmd *cmd, const cli_opt *opt, void *args, const char *value)
{
	(void)cmd;
	(void)opt;
	(void)args;
	(void)value;
	no_pager = 1;
	return 0;
}

void cli_set_no_pager(void)
{
	no_pager = 1;
}

int cli_color_auto(void)
{
	const char *no = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (color_mode >= 0)
		return color_mode;
	if (no && *no)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return stdout_is_tty();
}

const char *cli_paint(const char *color)
{
	return cli_color_auto() ? color : "";
}

const char *cli_status_color(const char *status)
{
	static const struct {
		const char *name, *color;
	} colors[] = {
		{"supported", CLI_GREEN},
		{"refuted", CLI_RED},
		{"mixed", CLI_YELLOW},
		{"misleading", CLI_YELLOW},
		{"unverifiable", CLI_CYAN},
		{"disputed", CLI_MAGENTA},
		{"needs-review", CLI_YELLOW},
		{"retracted", CLI_DIM},
		{"unverified", CLI_BOLD_RED},
		/* verdicts on the scale */
		{"true", CLI_GREEN},
		{"mostly-true", CLI_GREEN},
		{"mostly-false", CLI_RED},
		{"false", CLI_RED},
	};
	size_t i;

	if (!cli_color_auto() || !status)
		return "";
	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (strcasecmp(status, colors[i].name) == 0)
			return colors[i].color;
	return "";
}

size_t cli_term_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	size_t n;

	if (!stdout_is_tty())
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (cols && cli_parse_count(&n, cols, 10000) == 0)
		return n;
	return 80;
}

void cli_pager_start(void)
{
	const char *pager = getenv("CLAIMTRAIL_PAGER");
	int fds[2];
	pid_t pid;

	if (no_pager || pager_pid || !stdout_is_tty())
		return;
	(void)cli_color_auto(); /* decided now, while stdout is the terminal */
	if (!pager)
		pager = getenv("PAGER");
	if (!pager)
		pager = "less -FRX";
	if (!*pager || strcmp(pager, "cat") == 0)
		return;
	fflush(stdout);
	if (pipe(fds) < 0)
		return;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		setenv("LESS", getenv("LESS") ? getenv("LESS") : "FRX", 0);
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	if (dup2(fds[1], STDOUT_FILENO) < 0) {
		close(fds[1]);
		return;
	}
	close(fds[1]);
	/* the pager may quit before everything is read: the rest is not an error */
	signal(SIGPIPE, SIG_IGN);
	pager_pid = pid;
}

int cli_pager_finish(int status)
{
	int ws;

	if (!pager_pid)
		return status;
	fflush(stdout);
	/* a reader that quit early is the user's choice, not a failed write */
	clearerr(stdout);
	close(STDOUT_FILENO);
	while (waitpid(pager_pid, &ws, 0) < 0 && errno == EINTR)
		;
	pager_pid = 0;
	return status;
}
