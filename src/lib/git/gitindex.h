/* Reading and updating git's index file for the few paths a store write touches (gitindex.c). */
#ifndef CT_GITINDEX_H
#define CT_GITINDEX_H

#include <git2.h>
#include <sys/stat.h>

/* The index as a file: read once, entries found by binary search, no per-entry allocation. */
typedef struct ct__index ct__index;

/* Reads the repository's index (an absent index is an empty one) and checks all that
 * ct__index_stage will: the checksum and the bounds of every entry and extension (CT_EIO when
 * damaged), a split or sparse index or another required extension (CT_ECONFLICT). A write calls
 * it before committing, so that an index the write could not update is refused first. */
int ct__index_read(ct__index **out, git_repository *repo);

/* The stage-0 entry of path: 1 and *id when there is one, 0 when there is none, -1 when the
 * path is in conflict (entries at stages 1-3). */
int ct__index_find(const ct__index *index, const char *path, git_oid *id);

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
 * Called by ct__index_stage with index.lock held and the index read inside it (for
 * ct__index_find): puts the entries' files into the work tree and fills in their stat data, keeping
 * in entries, in order, only those to stage (*n: how many are left; 0 stages nothing). An error
 * stages nothing.
 */
typedef int (*ct__index_place_fn)(const ct__index *locked, ct__index_new *entries, size_t *n,
	void *payload);

/*
 * Adds or replaces the stage-0 entries of paths, under index.lock, re-reading the index inside
 * the lock so that a concurrent `git add` is not lost; place runs inside the lock too, between the
 * re-read and the rewrite. checked (may be NULL) is the index as ct__index_read read it: when the
 * bytes read inside the lock are the same, their checksum is not computed again. The cache-tree
 * and other optional extensions that the change would make stale are dropped (git rebuilds
 * them). A version 4 index is updated through libgit2 (still inside the lock). Split and sparse
 * indexes, and other required extensions, are refused (CT_ECONFLICT), by ct__index_read already,
 * before anything is committed.
 */
int ct__index_stage(git_repository *repo, const ct__index *checked, ct__index_new *entries,
	size_t n, ct__index_place_fn place, void *payload);

#endif
