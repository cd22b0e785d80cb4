/* The library's own error helpers (the public ones are in claimtrail/common.h). */
#ifndef CT_ERROR_H
#define CT_ERROR_H

#include "claimtrail/common.h"

/* Wraps the last libgit2 error into ours: "<what>: <libgit2's message>"; returns code. */
int ct__git_error(int code, const char *what);

/* The check of an options struct's version field: 0 when it is known, else CT_EINVALID
 * "<type> version <version> is not one this library knows (<known>)". */
int ct__opts_version(unsigned version, unsigned known, const char *type);

/* The allocation-check shorthand: sets "out of memory" and returns CT_ENOMEM. */
int ct__oom(void);

#endif
