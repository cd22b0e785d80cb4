/* The library's one clock, and the commit identity: set by the command, never read from the
 * environment (runtime.h). */
#include "runtime.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

static long long fixed_time = -1;
static double lock_timeout = -1;
static char *ident[4]; /* author name, author email, committer name, committer email */

static void clear_identity(void)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		free(ident[i]);
		ident[i] = NULL;
	}
}

int ct_runtime_set(const ct_runtime_opts *opts)
{
	const char *in[4];
	char *copy[4] = {NULL, NULL, NULL, NULL};
	size_t i;

	if (!opts) {
		fixed_time = -1;
		lock_timeout = -1;
		clear_identity();
		return 0;
	}
	if (ct__opts_version(opts->version, CT_RUNTIME_OPTS_VERSION, "ct_runtime_opts") < 0)
		return CT_EINVALID;
	if (opts->time < -1)
		return ct_error_set(CT_EINVALID, "time %lld is before 1970", opts->time);
	if (opts->lock_timeout > 86400)
		return ct_error_set(
			CT_EINVALID, "lock timeout %.0f s is more than a day", opts->lock_timeout);
	in[0] = opts->author_name;
	in[1] = opts->author_email;
	in[2] = opts->committer_name;
	in[3] = opts->committer_email;
	for (i = 0; i < 4; i++) {
		if (in[i] && !(copy[i] = strdup(in[i]))) {
			while (i-- > 0)
				free(copy[i]);
			return ct__oom();
		}
	}
	clear_identity();
	memcpy(ident, copy, sizeof(ident));
	fixed_time = opts->time;
	lock_timeout = opts->lock_timeout;
	return 0;
}

double ct__lock_timeout(void)
{
	return lock_timeout >= 0 ? lock_timeout : 30;
}

time_t ct__now(void)
{
	return fixed_time >= 0 ? (time_t)fixed_time : time(NULL);
}

void ct__identity(const char **name, const char **email, int committer)
{
	*name = ident[committer ? 2 : 0];
	*email = ident[committer ? 3 : 1];
}
