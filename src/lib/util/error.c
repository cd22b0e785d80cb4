/* The thread-local error: one line naming what went wrong, set where the failure is found. */
#include "error.h"

#include <git2.h>
#include <stdio.h>
#include <string.h>

#define CT_ERROR_MAX 1024

static _Thread_local char error_message[CT_ERROR_MAX];
static _Thread_local int error_code;

const char *ct_error_last(void)
{
	return error_message[0] ? error_message : "no error";
}

int ct_error_last_code(void)
{
	return error_code;
}

void ct_error_clear(void)
{
	error_message[0] = '\0';
	error_code = CT_OK;
}

/* Messages are one line: newlines and other control bytes from data we quote become spaces. */
static void flatten(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			*s = ' ';
}

int ct_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_message, sizeof(error_message), fmt, ap);
	va_end(ap);
	flatten(error_message);
	error_code = code;
	return code;
}

int ct_error_prefix(int code, const char *fmt, ...)
{
	char old[CT_ERROR_MAX];
	size_t len, oldlen;
	va_list ap;

	memcpy(old, error_message, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(error_message, sizeof(error_message), fmt, ap);
	va_end(ap);
	/* append ": <old message>", cut to fit */
	len = strlen(error_message);
	if (!old[0])
		memcpy(old, "failed", sizeof("failed"));
	oldlen = strlen(old);
	if (len + 2 < sizeof(error_message)) {
		size_t room = sizeof(error_message) - len - 3;
		memcpy(error_message + len, ": ", 2);
		if (oldlen > room)
			oldlen = room;
		memcpy(error_message + len + 2, old, oldlen);
		error_message[len + 2 + oldlen] = '\0';
	}
	flatten(error_message);
	error_code = code;
	return code;
}

int ct__git_error(int code, const char *what)
{
	const git_error *e = git_error_last();

	return ct_error_set(code, "%s: %s", what, e && e->message ? e->message : "git error");
}

int ct__oom(void)
{
	return ct_error_set(CT_ENOMEM, "out of memory");
}

int ct__opts_version(unsigned version, unsigned known, const char *type)
{
	if (version == known)
		return 0;
	return ct_error_set(CT_EINVALID,
		"%s version %u is not one this library knows (%u): initialise it with its _INIT macro",
		type, version, known);
}
