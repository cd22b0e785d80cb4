/*
 * The write lock of a store and what a killed write leaves behind (docs/store.md, "Concurrency
 * and crashes"). A write holds, from before it reads the branch until it is over:
 *
 *   <common git dir>/claimtrail/write.lock   flock: claimtrail writers of the repository queue
 *   <git dir>/index.lock                     git's own lock: a person's git waits or refuses
 *
 * index.lock only ever holds PLACEHOLDER, which proves it claimtrail's. Before the branch moves,
 * the new commit and the new index's checksum are written to <git dir>/claimtrail/pending, the
 * index is kept as claimtrail/index.old (a hard link) and the complete new index is renamed over
 * the index: whoever sees the new commit sees an index that has its files. After a kill, the
 * next command finishes (branch moved: the missing work tree files are written) or undoes
 * (branch not moved: index.old goes back) and lets the lock go. Anything else in index.lock is
 * somebody else's, and is only named.
 */
#include "fileio.h"
#include "sha1.h"
#include "store_internal.h"
#include "store_lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PLACEHOLDER "claimtrail: index.lock taken, no new index yet\n"
#define PENDING_MAGIC "claimtrail-pending 1"
#define KEEP_MAGIC "claimtrail:"
#define MAX_SUMS 4

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 to 16 ms, differently in each process, so that waiters do not poll in step. */
static long jitter_ms(void)
{
	static unsigned seed;

	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	seed = seed * 1103515245u + 12345u;
	return 1 + (long)((seed >> 8) % 16u);
}

static int write_file_synced(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	int error;

	if (fd < 0)
		return ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	error = ct__write_all(fd, data, len, path);
	if (error == 0 && fsync(fd) < 0)
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	if (close(fd) < 0 && error == 0)
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	if (error < 0)
		unlink(path);
	return error;
}

/* Writes data to `tmp` (flushed) and renames it over path: path holds the old or the new bytes. */
static int replace_file(const char *tmp, const char *path, const void *data, size_t len)
{
	int error;

	if ((error = write_file_synced(tmp, data, len)) < 0)
		return error;
	if (rename(tmp, path) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return error;
}

static int set_paths(ct__write_lock *l, git_repository *repo)
{
	const char *gitdir = git_repository_path(repo);
	const char *common = git_repository_commondir(repo);
	int error;

	if ((error = ct_buf_printf(&l->dir, "%sclaimtrail", gitdir)) < 0 ||
		(error = ct_buf_printf(&l->common_dir, "%sclaimtrail", common)) < 0 ||
		(error = ct_buf_printf(&l->flock_path, "%s/write.lock", l->common_dir.ptr)) < 0 ||
		(error = ct_buf_printf(&l->pending, "%s/pending", l->dir.ptr)) < 0 ||
		(error = ct_buf_printf(&l->tmp, "%s/index.new", l->dir.ptr)) < 0 ||
		(error = ct_buf_printf(&l->index, "%sindex", gitdir)) < 0 ||
		(error = ct_buf_printf(&l->index_lock, "%sindex.lock", gitdir)) < 0 ||
		(error = ct_buf_printf(&l->index_old, "%s/index.old", l->dir.ptr)) < 0 ||
		(error = ct_buf_printf(&l->packs, "%sobjects/pack", common)) < 0)
		return error;
	if (mkdir(l->common_dir.ptr, 0755) < 0 && errno != EEXIST)
		return ct_error_set(CT_EIO, "%s: %s", l->common_dir.ptr, strerror(errno));
	if (mkdir(l->dir.ptr, 0755) < 0 && errno != EEXIST)
		return ct_error_set(CT_EIO, "%s: %s", l->dir.ptr, strerror(errno));
	return 0;
}

static void lock_clear(ct__write_lock *l)
{
	ct_buf_free(&l->dir);
	ct_buf_free(&l->common_dir);
	ct_buf_free(&l->flock_path);
	ct_buf_free(&l->pending);
	ct_buf_free(&l->tmp);
	ct_buf_free(&l->index);
	ct_buf_free(&l->index_lock);
	ct_buf_free(&l->index_old);
	ct_buf_free(&l->packs);
}

/* ---- recovery ---- */

typedef struct {
	int present;
	git_oid commit;
	char ref[256];
	uint8_t sums[MAX_SUMS][20];
	size_t nsums;
	int old_absent; /* there was no index before the write ("none") */
} pending_state;

/* Reads `pending`: "claimtrail-pending 1\n<ref>\n<commit hex>\n<new index checksum hex>\n"
 * and "none\n" when there was no index before the write. */
static int read_pending(pending_state *p, const ct__write_lock *l)
{
	ct_buf data = CT_BUF_INIT;
	char *line, *next;
	int n = 0;
	int error;

	memset(p, 0, sizeof(*p));
	error = ct_file_read(&data, l->pending.ptr, 64 * 1024);
	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	for (line = data.ptr; line && *line; line = next, n++) {
		size_t len;
		if (!(next = strchr(line, '\n')))
			break; /* a torn last line: what it would have said is not trusted */
		*next++ = '\0';
		len = strlen(line);
		if (n == 0 && strcmp(line, PENDING_MAGIC) != 0)
			break;
		if (n == 1 && len < sizeof(p->ref))
			memcpy(p->ref, line, len + 1);
		if (n == 2 && git_oid_fromstr(&p->commit, line) < 0)
			break;
		if (n >= 3 && len == 40 && p->nsums < MAX_SUMS) {
			size_t i;
			for (i = 0; i < 20; i++) {
				unsigned v;
				if (sscanf(line + 2 * i, "%2x", &v) != 1)
					break;
				p->sums[p->nsums][i] = (uint8_t)v;
			}
			if (i == 20)
				p->nsums++;
		}
		if (n >= 3 && strcmp(line, "none") == 0)
			p->old_absent = 1;
		if (n == 2)
			p->present = 1;
	}
done:
	git_error_clear();
	ct_buf_free(&data);
	return error;
}

/* Whether data is a complete index file that `pending` names. */
static int is_named_index(const ct_buf *data, const pending_state *p)
{
	uint8_t sum[20];
	const void *piece = data->ptr;
	size_t body, i;

	if (!p->present || data->len < 32 || memcmp(data->ptr, "DIRC", 4) != 0)
		return 0;
	body = data->len - 20;
	for (i = 0; i < p->nsums; i++)
		if (memcmp(p->sums[i], data->ptr + body, 20) == 0)
			break;
	if (i == p->nsums)
		return 0;
	if (ct__sha1(sum, &piece, &body, 1) < 0)
		return 0;
	return memcmp(sum, data->ptr + body, 20) == 0;
}

/* Writes into the work tree the store files that commit changed from its first parent, where
 * the work tree has nothing at their path (a file that is there is the user's, and stays). */
static int place_missing(git_repository *repo, const git_oid *commit)
{
	const char *workdir = git_repository_workdir(repo);
	git_commit *c = NULL, *parent = NULL;
	git_tree *new_tree = NULL, *old_tree = NULL;
	git_diff *diff = NULL;
	ct_buf full = CT_BUF_INIT, tmp = CT_BUF_INIT;
	size_t i, n;
	int error = 0;

	if (!workdir)
		return 0;
	if (git_commit_lookup(&c, repo, commit) < 0 || git_commit_tree(&new_tree, c) < 0 ||
		(git_commit_parentcount(c) > 0 &&
			(git_commit_parent(&parent, c, 0) < 0 ||
				git_commit_tree(&old_tree, parent) < 0)) ||
		git_diff_tree_to_tree(&diff, repo, old_tree, new_tree, NULL) < 0) {
		error = ct__git_error(CT_EIO, "finishing an interrupted write");
		goto done;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n && error == 0; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_blob *blob = NULL;
		struct stat st;
		char *slash;
		int fd;

		if (d->status != GIT_DELTA_ADDED && d->status != GIT_DELTA_MODIFIED)
			continue;
		ct_buf_clear(&full);
		ct_buf_clear(&tmp);
		if ((error = ct_buf_printf(&full, "%s%s", workdir, d->new_file.path)) < 0 ||
			(error = ct_buf_printf(&tmp, "%s" CT__WORKTREE_TMP, full.ptr)) < 0)
			break;
		unlink(tmp.ptr); /* the killed write's, if it got that far */
		if (lstat(full.ptr, &st) == 0 || errno != ENOENT)
			continue; /* the user's, or placed before the kill */
		for (slash = full.ptr + strlen(workdir); (slash = strchr(slash, '/')); slash++) {
			*slash = '\0';
			if (mkdir(full.ptr, 0755) < 0 && errno != EEXIST)
				error = ct_error_set(CT_EIO, "%s: %s", full.ptr, strerror(errno));
			*slash = '/';
			if (error < 0)
				break;
		}
		if (error < 0)
			break;
		if (git_blob_lookup(&blob, repo, &d->new_file.id) < 0) {
			error = ct__git_error(CT_EIO, d->new_file.path);
			break;
		}
		fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			error = ct_error_set(CT_EIO, "%s: %s", tmp.ptr, strerror(errno));
		} else {
			error = ct__write_all(fd, git_blob_rawcontent(blob),
				(size_t)git_blob_rawsize(blob), tmp.ptr);
			if (close(fd) < 0 && error == 0)
				error = ct_error_set(CT_EIO, "%s: %s", tmp.ptr, strerror(errno));
			if (error == 0 && rename(tmp.ptr, full.ptr) < 0)
				error = ct_error_set(CT_EIO, "%s: %s", full.ptr, strerror(errno));
			if (error < 0)
				unlink(tmp.ptr);
		}
		git_blob_free(blob);
	}
done:
	ct_buf_free(&full);
	ct_buf_free(&tmp);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	git_commit_free(parent);
	git_commit_free(c);
	return error;
}

/* Removes the .keep files of claimtrail's packs and its temporary pack files: with the write lock
 * held, every one is a leftover (a write removes its own before it lets the lock go). */
static void drop_stale_keeps(const ct__write_lock *l)
{
	ct_buf name = CT_BUF_INIT, data = CT_BUF_INIT;
	DIR *dir = opendir(l->packs.ptr);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".keep") != 0 ||
			strncmp(e->d_name, "pack-", 5) != 0)
			continue;
		ct_buf_clear(&name);
		ct_buf_clear(&data);
		if (ct_buf_printf(&name, "%s/%s", l->packs.ptr, e->d_name) == 0 &&
			ct_file_read(&data, name.ptr, 4096) == 0 &&
			strncmp(data.ptr, KEEP_MAGIC, strlen(KEEP_MAGIC)) == 0)
			unlink(name.ptr);
	}
	closedir(dir);
	/* and the pack files a killed write had not renamed into place yet (packwrite.c) */
	if ((dir = opendir(l->common_dir.ptr))) {
		while ((e = readdir(dir))) {
			if (strncmp(e->d_name, "tmp_claimtrail_", 15) != 0)
				continue;
			ct_buf_clear(&name);
			if (ct_buf_printf(&name, "%s/%s", l->common_dir.ptr, e->d_name) == 0)
				unlink(name.ptr);
		}
		closedir(dir);
	}
	ct_error_clear();
	ct_buf_free(&name);
	ct_buf_free(&data);
}

/* The branch ref's lock file, when it is the leftover of the compare-and-swap `pending` names:
 * libgit2 creates the lock, writes the new value (the commit `pending` names) and renames it. A
 * kill in between leaves the lock holding that commit, or nothing yet if the kill came before the
 * write: then the lock is newer than `pending`, and no git command holds a branch's lock for a
 * second (one created since, by a live git command, goes within that second). The branch still
 * has its old value. */
static void drop_own_ref_lock(git_repository *repo, const ct__write_lock *l, const pending_state *p)
{
	ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT;
	struct stat lock_st, pending_st;
	git_oid id;
	int tries;

	if (!p->present || strncmp(p->ref, "refs/", 5) != 0 || strstr(p->ref, ".."))
		return;
	if (ct_buf_printf(&path, "%s%s.lock", git_repository_commondir(repo), p->ref) < 0)
		goto done;
	for (tries = 0; tries < 50 && lstat(path.ptr, &lock_st) == 0; tries++) {
		ct_buf_clear(&data);
		if (ct_file_read(&data, path.ptr, 4096) < 0)
			break;
		if (data.len >= 40 && git_oid_fromstrn(&id, data.ptr, 40) == 0 &&
			git_oid_equal(&id, &p->commit)) {
			unlink(path.ptr);
			break;
		}
		if (data.len != 0 || stat(l->pending.ptr, &pending_st) < 0 ||
			lock_st.st_mtime < pending_st.st_mtime)
			break; /* somebody else's */
		if (time(NULL) - lock_st.st_mtime >= 2) {
			unlink(path.ptr);
			break;
		}
		sleep_ms(50);
	}
done:
	ct_error_clear();
	git_error_clear();
	ct_buf_free(&path);
	ct_buf_free(&data);
}

/* Where the branch `ref` is: 2 at commit, 1 moved on from it (a descendant), 0 neither. */
static int branch_has(git_repository *repo, const char *ref, const git_oid *commit)
{
	git_oid at;
	int rc;

	if (git_reference_name_to_id(&at, repo, ref) < 0) {
		git_error_clear();
		return 0;
	}
	if (git_oid_equal(&at, commit))
		return 2;
	rc = git_graph_descendant_of(repo, &at, commit);
	git_error_clear();
	return rc == 1;
}

/*
 * With the write lock held: finishes or undoes what a killed write left (see the file comment).
 * Returns 0, or an error when the index or work tree could not be repaired. A foreign
 * index.lock is left for take_index_lock to wait on and name.
 */
static int recover(git_repository *repo, ct__write_lock *l, int *took_index)
{
	pending_state p;
	ct_buf data = CT_BUF_INIT;
	int error;

	*took_index = 0;
	if ((error = read_pending(&p, l)) < 0)
		goto done;
	unlink(l->tmp.ptr);
	{
		ct_buf v4 = CT_BUF_INIT; /* store_write.c's copy of a version 4 index */
		if (ct_buf_printf(&v4, "%s/index.v4", l->dir.ptr) == 0) {
			unlink(v4.ptr);
			if (ct_buf_puts(&v4, ".lock") == 0)
				unlink(v4.ptr);
		}
		ct_buf_free(&v4);
	}
	drop_own_ref_lock(repo, l, &p);
	if (!git_repository_is_bare(repo) && p.present) {
		int where = branch_has(repo, p.ref, &p.commit);
		if (where == 2) {
			/* the branch moved, and the index was in place before it did: the files the
			 * commit wrote that are missing from the work tree are written. One that
			 * cannot be shows in git status as deleted in the work tree, not staged.
			 * (Once the branch has moved on, a missing file may be a later deletion.) */
			place_missing(repo, &p.commit);
			ct_error_clear();
			git_error_clear();
		} else if (where == 0) {
			/* the branch did not move: the index goes back to what it was, if it is
			 * the write's new one */
			error = ct_file_read(&data, l->index.ptr, (size_t)1 << 31);
			if (error == CT_ENOTFOUND) {
				ct_error_clear();
				error = 0;
			} else if (error < 0) {
				goto done;
			} else if (is_named_index(&data, &p)) {
				if (p.old_absent)
					unlink(l->index.ptr);
				else if (rename(l->index_old.ptr, l->index.ptr) < 0) {
					error = ct_error_set(
						CT_EIO, "%s: %s", l->index.ptr, strerror(errno));
					goto done;
				}
			}
		}
	}
	unlink(l->index_old.ptr);
	if (!git_repository_is_bare(repo)) {
		ct_buf_clear(&data);
		if (ct_file_read(&data, l->index_lock.ptr, 4096) == 0 &&
			data.len == strlen(PLACEHOLDER) &&
			memcmp(data.ptr, PLACEHOLDER, data.len) == 0)
			unlink(l->index_lock.ptr); /* ours: held for the write, which is over */
		ct_error_clear();
	}
	unlink(l->pending.ptr);
	drop_stale_keeps(l);
done:
	ct_buf_free(&data);
	return error;
}

/* ---- taking and releasing ---- */

static int take_flock(ct__write_lock *l, double deadline)
{
	l->flock_fd = open(l->flock_path.ptr, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (l->flock_fd < 0)
		return ct_error_set(CT_EIO, "%s: %s", l->flock_path.ptr, strerror(errno));
	for (;;) {
		if (flock(l->flock_fd, LOCK_EX | LOCK_NB) == 0) {
			l->held = 1;
			return 0;
		}
		if (errno != EWOULDBLOCK && errno != EINTR)
			return ct_error_set(
				CT_EIO, "%s: cannot lock: %s", l->flock_path.ptr, strerror(errno));
		if (now_s() >= deadline)
			return ct_error_set(CT_ECONFLICT,
				"another claimtrail command kept writing to this repository for "
				"%.0f s "
				"(it holds %s); nothing was written, try again",
				ct__lock_timeout(), l->flock_path.ptr);
		sleep_ms(jitter_ms());
	}
}

/* Creates index.lock holding the placeholder (link(2) fails if it exists, as O_EXCL does, and the
 * lock is never seen empty), waiting until deadline for somebody else's to go. */
static int take_index_lock(ct__write_lock *l, double deadline)
{
	ct_buf tmp = CT_BUF_INIT;
	int error;

	if ((error = ct_buf_printf(&tmp, "%s/index.lock.new", l->dir.ptr)) < 0 ||
		(error = write_file_synced(tmp.ptr, PLACEHOLDER, strlen(PLACEHOLDER))) < 0)
		goto done;
	for (;;) {
		if (link(tmp.ptr, l->index_lock.ptr) == 0) {
			l->index_locked = 1;
			break;
		}
		if (errno != EEXIST) {
			error = ct_error_set(CT_EIO, "%s: %s", l->index_lock.ptr, strerror(errno));
			break;
		}
		if (now_s() >= deadline) {
			error = ct_error_set(CT_ECONFLICT,
				"%s exists: another git command is using the index, or one was "
				"killed; if none is running, remove it (rm '%s') and try again",
				l->index_lock.ptr, l->index_lock.ptr);
			break;
		}
		sleep_ms(jitter_ms() * 2);
	}
	unlink(tmp.ptr);
done:
	ct_buf_free(&tmp);
	return error;
}

int ct__write_lock_take(ct__write_lock *l, git_repository *repo)
{
	double deadline = now_s() + ct__lock_timeout();
	int took = 0;
	int error;

	memset(l, 0, sizeof(*l));
	l->flock_fd = -1;
	if ((error = set_paths(l, repo)) < 0 || (error = take_flock(l, deadline)) < 0 ||
		(error = recover(repo, l, &took)) < 0)
		goto done;
	if (!git_repository_is_bare(repo))
		error = take_index_lock(l, deadline);
done:
	if (error < 0)
		ct__write_lock_release(l);
	return error;
}

int ct__write_lock_stage(
	ct__write_lock *l, const char *ref, const git_oid *commit, const ct_buf *index)
{
	ct_buf text = CT_BUF_INIT, tmp = CT_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1], sum[41];
	int old_absent = 0;
	int error;

	git_oid_tostr(hex, sizeof(hex), commit);
	if (index && index->len >= 20)
		ct_hex(sum, (const uint8_t *)index->ptr + index->len - 20, 20);
	else
		sum[0] = '\0';
	/* the index as it is, kept (a second name for the same file) to go back to */
	if (index && l->index_locked) {
		unlink(l->index_old.ptr);
		if (link(l->index.ptr, l->index_old.ptr) < 0) {
			if (errno != ENOENT) {
				error = ct_error_set(
					CT_EIO, "%s: %s", l->index_old.ptr, strerror(errno));
				goto done;
			}
			old_absent = 1;
		}
	}
	if ((error = ct_buf_printf(&text, PENDING_MAGIC "\n%s\n%s\n", ref, hex)) < 0 ||
		(sum[0] &&
			(error = ct_buf_printf(
				 &text, "%s\n%s\n", sum, old_absent ? "none" : "old")) < 0) ||
		(error = ct_buf_printf(&tmp, "%s.new", l->pending.ptr)) < 0)
		goto done;
	/* named first, then put in place: the index never holds a new index `pending` does not
	 * name, and it is in place before the branch moves (git commit reads HEAD, then the index
	 * without taking index.lock: once it sees the new commit, the index must have its files) */
	if ((error = replace_file(tmp.ptr, l->pending.ptr, text.ptr, text.len)) < 0)
		goto done;
	if (index && l->index_locked) {
		l->staged = 1;
		error = replace_file(l->tmp.ptr, l->index.ptr, index->ptr, index->len);
	}
done:
	ct_buf_free(&text);
	ct_buf_free(&tmp);
	return error;
}

int ct__write_lock_unstage(ct__write_lock *l)
{
	pending_state p;
	int error = 0;

	if (l->staged) {
		if ((error = read_pending(&p, l)) < 0)
			return error;
		if (p.old_absent)
			unlink(l->index.ptr);
		else if (rename(l->index_old.ptr, l->index.ptr) < 0)
			return ct_error_set(CT_EIO, "%s: %s", l->index.ptr, strerror(errno));
		l->staged = 0;
	}
	unlink(l->pending.ptr);
	return error;
}

int ct__write_lock_restage(ct__write_lock *l, const ct_buf *index)
{
	/* the branch has moved: a kill now finishes by writing missing files (recover), whichever
	 * of the two indexes, which stage the same blobs, is in place */
	if (!l->index_locked)
		return 0;
	return replace_file(l->tmp.ptr, l->index.ptr, index->ptr, index->len);
}

int ct__write_lock_commit(ct__write_lock *l, int files_missing)
{
	l->staged = 0;
	unlink(l->index_old.ptr);
	if (files_missing)
		l->keep_pending = 1; /* the next command writes the files that are missing */
	else
		unlink(l->pending.ptr);
	return 0;
}

void ct__write_lock_leave(ct__write_lock *l)
{
	l->staged = 0;
	unlink(l->index_old.ptr);
	l->index_locked = 0; /* the placeholder stays: git refuses until the files are written */
	l->keep_pending = 1;
}

void ct__write_lock_release(ct__write_lock *l)
{
	if (l->staged) /* failed after staging, before the branch moved */
		ct__write_lock_unstage(l);
	if (l->index_locked) {
		/* a write that failed before the branch moved: the lock holds no index of ours */
		unlink(l->index_lock.ptr);
		l->index_locked = 0;
	}
	if (l->held && !l->keep_pending && l->pending.len)
		unlink(l->pending.ptr);
	l->held = 0;
	l->keep_pending = 0;
	if (l->flock_fd >= 0)
		close(l->flock_fd); /* lets the next writer in */
	l->flock_fd = -1;
	lock_clear(l);
}

/* Whether the pack folder has a .keep file (claimtrail's or not: recover tells them apart). */
static int has_keep(const ct__write_lock *l)
{
	DIR *dir = opendir(l->packs.ptr);
	struct dirent *e;
	int found = 0;

	if (!dir)
		return 0;
	while (!found && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		found = len > 5 && strcmp(e->d_name + len - 5, ".keep") == 0;
	}
	closedir(dir);
	return found;
}

void ct__store_recover_if_needed(git_repository *repo)
{
	ct__write_lock l;
	struct stat st;
	int took;

	memset(&l, 0, sizeof(l));
	l.flock_fd = -1;
	if (set_paths(&l, repo) < 0)
		goto done;
	/* cheap when there is nothing to do: three stats and a look at the pack folder */
	if (stat(l.pending.ptr, &st) < 0 && stat(l.index_old.ptr, &st) < 0 &&
		(git_repository_is_bare(repo) || stat(l.index_lock.ptr, &st) < 0) && !has_keep(&l))
		goto done;
	l.flock_fd = open(l.flock_path.ptr, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (l.flock_fd < 0 || flock(l.flock_fd, LOCK_EX | LOCK_NB) < 0)
		goto done; /* a write is running: it repairs what it finds */
	l.held = 1;
	recover(repo, &l, &took);
done:
	ct_error_clear();
	git_error_clear();
	ct__write_lock_release(&l);
}
