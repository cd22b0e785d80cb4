/* Fetching from a repository on this machine without libgit2's local transport (fetch_local.c). */
#ifndef CT_FETCH_LOCAL_H
#define CT_FETCH_LOCAL_H

#include <git2.h>

/* Returned by ct__fetch_local when url is not a repository this route takes. */
#define CT__FETCH_NOT_LOCAL 1

/*
 * Fetches refs/heads/<branch> of the repository at url (an absolute path or a file:// URL
 * without %-escapes) into repo as `+refs/heads/<branch>:<ref>` would: the objects repo lacks
 * are written as one pack through git_odb_write_pack, and ref is set (forced, reflog message
 * `reflog`) to the branch's commit; when the remote has no such branch, ref is left alone.
 * progress is called as a fetch's transfer progress is (may be NULL).
 * Returns 0, CT__FETCH_NOT_LOCAL when url is not such a repository, the branch does not name a
 * commit (the caller fetches through libgit2's transport, which reports what is wrong) or the
 * clone's `claimtrail.localFetch` is `libgit2`, or a negative libgit2 error (git_error_last says
 * what; an unknown claimtrail.localFetch is one).
 */
int ct__fetch_local(git_repository *repo, const char *url, const char *branch, const char *ref,
	const char *reflog, git_indexer_progress_cb progress, void *payload);

#endif
