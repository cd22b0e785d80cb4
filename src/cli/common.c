/* What every subcommand shares: error printing and exit statuses, passphrases, reading a record
 * file. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PASSPHRASE_MAX 1024
/* Far above any record; a record file larger than this is refused. */
#define RECORD_FILE_MAX (16u * 1024 * 1024)

int cli_exit_status(int code)
{
	switch (code) {
	case CT_OK: return CT_EXIT_OK;
	case CT_EBADSIG:
	case CT_EUNTRUSTED: return CT_EXIT_VERIFY;
	case CT_ENOTFOUND: return CT_EXIT_NOTFOUND;
	case CT_EAMBIGUOUS: return CT_EXIT_USAGE;
	default: return CT_EXIT_ERROR;
	}
}

int cli_fail(int code)
{
	fprintf(stderr, "claimtrail: %s\n", ct_error_last());
	return cli_exit_status(code);
}

int cli_fail_trust(int code)
{
	cli_fail(code);
	return CT_EXIT_ERROR;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("claimtrail: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see 'claimtrail --help')\n", stderr);
	return CT_EXIT_USAGE;
}

int cli_print_json(const json_t *value)
{
	char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (!text) {
		fprintf(stderr, "claimtrail: out of memory\n");
		return CT_EXIT_ERROR;
	}
	puts(text);
	free(text);
	return CT_EXIT_OK;
}

/* Reads one line (without its newline) from fd into buf of size max. */
static int read_line(int fd, char *buf, size_t max, size_t *len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n + 1 >= max)
			return ct_error_set(CT_EPASSPHRASE, "passphrase longer than %d bytes",
				PASSPHRASE_MAX - 1);
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/*
 * While echo is off, a signal that ends the process (Ctrl-C, a kill, a closed terminal) must
 * not leave the terminal silent: its handler puts the terminal back, then dies of the signal as
 * it would have.
 */
static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define TTY_SIGNALS (sizeof(tty_signals) / sizeof(tty_signals[0]))
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;

static void tty_restore_and_die(int sig)
{
	int fd = tty_fd;

	if (fd >= 0) {
		tcsetattr(fd, TCSAFLUSH, &tty_saved);
		/* the prompt's line was never ended */
		ssize_t w = write(fd, "\n", 1);
		(void)w;
	}
	signal(sig, SIG_DFL);
	raise(sig); /* delivered on return from this handler */
}

static void tty_guard(int fd, const struct termios *saved, struct sigaction old[TTY_SIGNALS])
{
	struct sigaction sa;
	size_t i;

	tty_saved = *saved;
	tty_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_restore_and_die;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < TTY_SIGNALS; i++)
		sigaddset(&sa.sa_mask, tty_signals[i]);
	for (i = 0; i < TTY_SIGNALS; i++)
		sigaction(tty_signals[i], &sa, &old[i]);
}

static void tty_unguard(const struct sigaction old[TTY_SIGNALS])
{
	size_t i;

	for (i = 0; i < TTY_SIGNALS; i++)
		sigaction(tty_signals[i], &old[i], NULL);
	tty_fd = -1;
}

static int prompt_tty(char *buf, size_t max, size_t *len, const char *prompt)
{
	struct termios old, quiet;
	struct sigaction handlers[TTY_SIGNALS];
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	int error;

	if (fd < 0)
		return ct_error_set(CT_EPASSPHRASE,
			"a passphrase is needed: set CLAIMTRAIL_PASSPHRASE, use --passphrase-file, "
			"or run on a terminal");
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return ct_error_set(CT_EPASSPHRASE, "cannot read a passphrase from the terminal");
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return ct_error_set(CT_EPASSPHRASE, "cannot write to the terminal");
	}
	tty_guard(fd, &old, handlers);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	error = read_line(fd, buf, max, len);
	tcsetattr(fd, TCSAFLUSH, &old);
	tty_unguard(handlers);
	close(fd);
	return error;
}

int cli_passphrase(
	char **out, size_t *len, const char *passphrase_file, const char *prompt, int confirm)
{
	char *pass = sodium_malloc(PASSPHRASE_MAX);
	char *again = NULL;
	const char *env = getenv("CLAIMTRAIL_PASSPHRASE");
	int error = 0;

	*out = NULL;
	*len = 0;
	if (!pass)
		return ct_error_set(CT_ENOMEM, "out of memory");
	if (passphrase_file) {
		int fd = open(passphrase_file, O_RDONLY);
		if (fd < 0) {
			error = ct_error_set(CT_EPASSPHRASE, "passphrase file %s: %s",
				passphrase_file, strerror(errno));
			goto done;
		}
		error = read_line(fd, pass, PASSPHRASE_MAX, len);
		close(fd);
	} else if (env) {
		if (strlen(env) >= PASSPHRASE_MAX) {
			error = ct_error_set(CT_EPASSPHRASE, "CLAIMTRAIL_PASSPHRASE is too long");
			goto done;
		}
		*len = strlen(env);
		memcpy(pass, env, *len + 1);
	} else {
		if ((error = prompt_tty(pass, PASSPHRASE_MAX, len, prompt)) < 0)
			goto done;
		if (confirm) {
			size_t len2;
			if (!(again = sodium_malloc(PASSPHRASE_MAX))) {
				error = ct_error_set(CT_ENOMEM, "out of memory");
				goto done;
			}
			if ((error = prompt_tty(
				     again, PASSPHRASE_MAX, &len2, "Repeat passphrase: ")) < 0)
				goto done;
			if (len2 != *len || sodium_memcmp(again, pass, *len) != 0) {
				error = ct_error_set(
					CT_EPASSPHRASE, "the passphrases do not match");
				goto done;
			}
		}
	}
	if (error == 0 && *len == 0)
		error = ct_error_set(CT_EPASSPHRASE, "the passphrase is empty");
done:
	if (again)
		sodium_free(again);
	if (error < 0) {
		sodium_free(pass);
		*len = 0;
		return error;
	}
	*out = pass;
	return 0;
}

void cli_passphrase_free(char *pass)
{
	if (pass)
		sodium_free(pass); /* sodium_free wipes before releasing */
}

int cli_parse_count(size_t *out, const char *s, size_t max)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	if (!s || *s < '1' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (size_t)v;
	return 0;
}

int cli_read_record(json_t **out, const char *path)
{
	ct_buf data = CT_BUF_INIT;
	json_t *rec = NULL;
	int error;

	*out = NULL;
	if ((error = ct_file_read(&data, path, RECORD_FILE_MAX)) < 0)
		goto done;
	if ((error = ct_json_parse(&rec, (const uint8_t *)data.ptr, data.len, CT_JSON_RECORD)) <
		0) {
		ct_error_prefix(error, "%s", path);
		goto done;
	}
	if ((error = ct_record_validate(rec)) < 0)
		goto done;
	*out = rec;
	rec = NULL;
done:
	json_decref(rec);
	ct_buf_free(&data);
	return error;
}

const char *cli_s(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

int cli_runtime_from_env(void)
{
	ct_runtime_opts o = CT_RUNTIME_OPTS_INIT;
	const char *epoch = getenv("SOURCE_DATE_EPOCH"), *env;

	if (epoch && *epoch) {
		char *end;
		long long v = strtoll(epoch, &end, 10);
		if (*end == '\0' && v >= 0)
			o.time = v;
	}
	o.author_name = getenv("GIT_AUTHOR_NAME");
	o.author_email = getenv("GIT_AUTHOR_EMAIL");
	o.committer_name = getenv("GIT_COMMITTER_NAME");
	o.committer_email = getenv("GIT_COMMITTER_EMAIL");
	if ((env = getenv("CLAIMTRAIL_LOCK_TIMEOUT")) && *env) {
		char *end;
		double t = strtod(env, &end);
		if (*end == '\0' && t >= 0 && t <= 86400)
			o.lock_timeout = t;
	}
	return ct_runtime_set(&o);
}

unsigned cli_threads_from_env(void)
{
	const char *env = getenv("CLAIMTRAIL_THREADS");
	char *end;
	long n;

	if (!env || !*env)
		return 0;
	n = strtol(env, &end, 10);
	if (*end != '\0' || n < 1)
		return 0;
	return n > 1024 ? 1024 : (unsigned)n; /* the library takes at most its own maximum */
}

json_t *cli_concurrent_by_digest(ct_store *store, ct_kind kind, const char *id, const char *rev)
{
	const char *p = strncmp(rev, "sha256:", 7) == 0 ? rev + 7 : rev;
	json_t *revs = NULL, *r, *found = NULL;
	size_t i, hits = 0;
	json_int_t first_of_number = 0;

	if (strlen(p) < 6 || strspn(p, "0123456789abcdef") != strlen(p) ||
		ct_store_revisions(&revs, store, kind, id) < 0) {
		ct_error_clear();
		return NULL;
	}
	json_array_foreach (revs, i, r) {
		char d[CT_DIGEST_LEN + 1];
		json_int_t n = json_integer_value(json_object_get(r, "revision"));
		int concurrent = n == first_of_number;
		first_of_number = n;
		if (ct_record_digest(d, r) < 0 || strncmp(d + 7, p, strlen(p)) != 0)
			continue;
		hits++;
		if (concurrent)
			found = r;
	}
	found = hits == 1 ? json_incref(found) : NULL;
	json_decref(revs);
	return found;
}
