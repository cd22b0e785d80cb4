/* Reading and updating git's index file for the few paths a store write touches (gitindex.c). */
#ifndef CT_GITINDEX_H
#define CT_GITINDEX_H

#include "claimtrail/common.h"

#include <git2.h>
#include <sys/stat.h>

/* The index as a file: read once, entries found by binary search, no per-entry allocation. */
typedef struct ct__index ct__index;

/* Reads the repository's index (an absent index is an empty one) and checks all that
 * ct__index_build will: the checksum and the bounds of every entry and extension (CT_EIO when
 * damaged), a split or sparse index or another required extension (CT_ECONFLICT). A write calls
 * it holding index.lock, before committing, so an index it could not update is refused first. */
int ct__index_read(ct__index **out, git_repository *repo);

/* The stage-0 entry of path: 1 and *id when there is one, 0 when there is none, -1 when the
 * path is in conflict (entries at stages 1-3). */
int ct__index_find(const ct__index *index, const char *path, git_oid *id);

/* 1 when ct__index_find may be called from several threads at once (it reads the file's bytes;
 * a version 4 index goes through libgit2's git_index, which is not shared between threads). */
int ct__index_find_shared(const ct__index *index);

void ct__index_free(ct__index *index);

/* One entry to stage: the path, its blob id, the work tree file's stat data, and the caller's
 * own number for it (entries are sorted by path). */
typedef struct {
	const char *path;
	git_oid id;
	struct stat st;
	size_t ref;
} ct__index_new;

/*
 * The complete index file (checksum included) that results from adding or replacing the stage-0
 * entries in ix (sorted here by path): the old bytes with the new entries spliced in, the
 * cache-tree and other optional extensions that the change would make stale dropped (git rebuilds
 * them), racily clean old entries smudged as git does. A version 4 index is rebuilt through
 * libgit2 on a copy at tmppath (removed again). The caller holds index.lock and writes out where
 * it belongs.
 */
int ct__index_build(
	ct_buf *out, const ct__index *ix, ct__index_new *entries, size_t n, const char *tmppath);

#endif
