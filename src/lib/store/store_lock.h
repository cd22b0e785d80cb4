/* The store's write lock, and repairing what a killed write left behind (store_lock.c). */
#ifndef CT_STORE_LOCK_H
#define CT_STORE_LOCK_H

#include "runtime.h" /* ct__lock_timeout: the lock wait the command passed in */
#include "claimtrail/common.h"

#include <git2.h>

/* The suffix of a work tree file being written: "<path>" CT__WORKTREE_TMP, renamed to <path>. */
#define CT__WORKTREE_TMP ".claimtrail-tmp"

typedef struct {
	int flock_fd;	  /* <common git dir>/claimtrail/write.lock, flock'd */
	int held;	  /* the flock is ours */
	int index_locked; /* <git dir>/index.lock is ours (placeholder or a staged index) */
	int keep_pending; /* the pending file stays for the next command to finish */
	int staged;	  /* the index holds the new index, index.old the one before */
	ct_buf dir, common_dir, flock_path, pending, tmp, index, index_lock, index_old, packs;
} ct__write_lock;

/*
 * Takes the repository's write lock (queueing behind other claimtrail writers), repairs what a
 * killed write left, and in a work tree takes index.lock, each waiting at most
 * ct__lock_timeout() in all. CT_ECONFLICT names the lock that stayed taken and how to remove it
 * when it is left over. Release with ct__write_lock_release, also on failure (harmless).
 */
int ct__write_lock_take(ct__write_lock *l, git_repository *repo);

/*
 * Before the branch moves to commit: records it (and the new index's checksum) in the pending
 * file, keeps the index as it is as claimtrail/index.old, then puts index (the complete new
 * index, or NULL in a bare repository) in place of the index, index.lock still held. Each file is
 * written whole and flushed before it is renamed into place.
 */
int ct__write_lock_stage(
	ct__write_lock *l, const char *ref, const git_oid *commit, const ct_buf *index);

/* After a lost compare-and-swap: the index as it was before, nothing pending. */
int ct__write_lock_unstage(ct__write_lock *l);

/* After the branch moved and the files were written: nothing is pending, unless files_missing
 * (some of the commit's files could not be written, or were changed by the user during the
 * write): then the next command writes those that are still missing. */
int ct__write_lock_commit(ct__write_lock *l, int files_missing);

/* After the branch moved and every file was written: the index in place again, the same entries
 * with the files' stat data (so git and libgit2 compare them by stat, not by content). */
int ct__write_lock_restage(ct__write_lock *l, const ct_buf *index);

/* After the branch moved but the work tree could not be updated: index.lock and the pending file
 * stay (git refuses meanwhile), for the next command to write the files and let the lock go. */
void ct__write_lock_leave(ct__write_lock *l);

/* Lets go: removes index.lock if it is still ours (no index of ours in it), and the flock. */
void ct__write_lock_release(ct__write_lock *l);

/* For every command: when a killed write left something and no write is running, repairs it. */
void ct__store_recover_if_needed(git_repository *repo);

#endif
