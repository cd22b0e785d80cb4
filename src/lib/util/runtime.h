/* The library's one clock, and the commit identity the command passed in (runtime.c). */
#ifndef CT_RUNTIME_H
#define CT_RUNTIME_H

#include "claimtrail/common.h"

#include <time.h>

/* Now: the time ct_runtime_set fixed, else the clock. Every created time and commit time. */
time_t ct__now(void);

/* The name and email ct_runtime_set gave for the commits' author (committer 0) or committer
 * (committer 1); each NULL when not given. Borrowed until the next ct_runtime_set. */
void ct__identity(const char **name, const char **email, int committer);

/* Seconds a write waits for its locks: what ct_runtime_set gave, else 30. */
double ct__lock_timeout(void);

#endif
