/*
 * Fault injection for the crash tests (tests/cli/crash.sh, bench/crash.sh), loaded with
 * LD_PRELOAD into one claimtrail command. It counts the calls by which a write changes the file
 * system or orders it: rename, link, unlink, mkdir, open with O_CREAT (files and lock files),
 * fsync, fdatasync and flock, in whichever library they come from (claimtrail, libgit2).
 *
 *   CT_FAULT_AT=N        at the Nth such call: CT_FAULT_MODE=kill (default) sends SIGKILL to
 *                        the process before the call is made; CT_FAULT_MODE=fail makes the call
 *                        fail with EIO instead (and every later call of the same kind runs)
 *   CT_FAULT_COUNT=FILE  at exit, writes how many such calls were made (the fault points)
 *   CT_FAULT_LOG=FILE    appends "<n> <call> <path>" for each (to see what point N is)
 */
#undef _FILE_OFFSET_BITS /* open and open64 are both defined here */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_long calls;

static void *next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* 0: go ahead; -1: fail this call with EIO. Kills the process at the chosen point. */
static int point(const char *what, const char *path)
{
	long n = atomic_fetch_add(&calls, 1) + 1;
	const char *at = getenv("CT_FAULT_AT");
	const char *log = getenv("CT_FAULT_LOG");
	const char *mode;

	if (log) {
		int (*real_open)(const char *, int, ...);
		*(void **)&real_open = next("open");
		int fd = real_open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0) {
			char line[1200];
			int len = snprintf(
				line, sizeof(line), "%ld %s %s\n", n, what, path ? path : "-");
			if (len > 0 && write(fd, line, (size_t)len) < 0)
				len = 0;
			close(fd);
		}
	}
	if (!at || atol(at) != n)
		return 0;
	mode = getenv("CT_FAULT_MODE");
	if (mode && strcmp(mode, "fail") == 0) {
		errno = EIO;
		return -1;
	}
	kill(getpid(), SIGKILL);
	return 0;
}

__attribute__((destructor)) static void report(void)
{
	const char *out = getenv("CT_FAULT_COUNT");
	FILE *f;

	if (out && (f = fopen(out, "w"))) {
		fprintf(f, "%ld\n", (long)atomic_load(&calls));
		fclose(f);
	}
}

int rename(const char *a, const char *b)
{
	int (*real)(const char *, const char *);
	*(void **)&real = next("rename");
	return point("rename", b) < 0 ? -1 : real(a, b);
}

int renameat(int da, const char *a, int db, const char *b)
{
	int (*real)(int, const char *, int, const char *);
	*(void **)&real = next("renameat");
	return point("renameat", b) < 0 ? -1 : real(da, a, db, b);
}

int link(const char *a, const char *b)
{
	int (*real)(const char *, const char *);
	*(void **)&real = next("link");
	return point("link", b) < 0 ? -1 : real(a, b);
}

int unlink(const char *p)
{
	int (*real)(const char *);
	*(void **)&real = next("unlink");
	return point("unlink", p) < 0 ? -1 : real(p);
}

int unlinkat(int d, const char *p, int flags)
{
	int (*real)(int, const char *, int);
	*(void **)&real = next("unlinkat");
	return point("unlinkat", p) < 0 ? -1 : real(d, p, flags);
}

int mkdir(const char *p, mode_t m)
{
	int (*real)(const char *, mode_t);
	*(void **)&real = next("mkdir");
	return point("mkdir", p) < 0 ? -1 : real(p, m);
}

int fsync(int fd)
{
	int (*real)(int);
	*(void **)&real = next("fsync");
	return point("fsync", NULL) < 0 ? -1 : real(fd);
}

int fdatasync(int fd)
{
	int (*real)(int);
	*(void **)&real = next("fdatasync");
	return point("fdatasync", NULL) < 0 ? -1 : real(fd);
}

int flock(int fd, int op)
{
	int (*real)(int, int);
	*(void **)&real = next("flock");
	return point("flock", NULL) < 0 ? -1 : real(fd, op);
}

static int open_common(const char *name, int dirfd, const char *p, int flags, mode_t m)
{
	if ((flags & O_CREAT) && point(flags & O_EXCL ? "create-excl" : "create", p) < 0)
		return -1;
	if (dirfd == -1) {
		int (*real)(const char *, int, ...);
		*(void **)&real = next(name);
		return real(p, flags, m);
	} else {
		int (*real)(int, const char *, int, ...);
		*(void **)&real = next(name);
		return real(dirfd, p, flags, m);
	}
}

int open(const char *p, int flags, ...)
{
	mode_t m = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		m = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return open_common("open", -1, p, flags, m);
}

int open64(const char *p, int flags, ...)
{
	mode_t m = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		m = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return open_common("open64", -1, p, flags, m);
}

int openat(int d, const char *p, int flags, ...)
{
	mode_t m = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		m = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return open_common("openat", d, p, flags, m);
}

int openat64(int d, const char *p, int flags, ...)
{
	mode_t m = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		m = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return open_common("openat64", d, p, flags, m);
}
