/*
 * git's index, spliced: a store write adds a few entries to an index that may list 100,000
 * files. libgit2 parses every entry into its own allocation and writes them back one by one;
 * here the file is read as bytes, the new entries are inserted between the old ones by binary
 * search, and the result is written behind index.lock with a fresh checksum. Format: git's
 * Documentation/gitformat-index (versions 2 and 3).
 */
#include "gitindex.h"
#include "sha1.h"
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ENTRY_FIXED 62            /* bytes of an entry before its path */
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE 0x3000
#define NAME_MASK 0x0fff

struct ct__index {
	git_repository *repo; /* for the libgit2 fallback */
	ct_buf data;          /* the whole file */
	uint32_t version;
	size_t count;
	size_t *offsets;      /* where each entry starts */
	size_t entries_end;   /* where the extensions start */
	int unsupported;      /* a format this code does not splice: use libgit2 */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static const char *entry_path(const ct__index *ix, size_t i, size_t *len, uint16_t *flags)
{
	const uint8_t *e = (const uint8_t *)ix->data.ptr + ix->offsets[i];
	size_t skip = ENTRY_FIXED;

	*flags = be16(e + 60);
	if (*flags & FLAG_EXTENDED)
		skip += 2;
	*len = strlen((const char *)e + skip);
	return (const char *)e + skip;
}

static int index_path(ct_buf *out, git_repository *repo, const char *name)
{
	return ct_buf_printf(out, "%s%s", git_repository_path(repo), name);
}

/* Parses what was read: header, entry offsets, and whether we can splice it. */
static int parse(ct__index *ix)
{
	const uint8_t *p = (const uint8_t *)ix->data.ptr;
	size_t len = ix->data.len, off = 12, i;

	if (len == 0)
		return 0; /* no index yet */
	if (len < 12 + 20 || memcmp(p, "DIRC", 4) != 0)
		return ct_error_set(CT_EIO, "the git index is damaged (no DIRC header)");
	ix->version = be32(p + 4);
	ix->count = be32(p + 8);
	if (ix->version != 2 && ix->version != 3) {
		ix->unsupported = 1;
		return 0;
	}
	if (ix->count > len / ENTRY_FIXED ||
		!(ix->offsets = malloc((ix->count ? ix->count : 1) * sizeof(size_t))))
		return ct_error_set(CT_EIO, "the git index is damaged (entry count)");
	for (i = 0; i < ix->count; i++) {
		size_t skip = ENTRY_FIXED, plen, elen;
		uint16_t flags;
		const uint8_t *nul;
		if (off + ENTRY_FIXED > len - 20)
			return ct_error_set(CT_EIO, "the git index is damaged (entry %zu)", i);
		flags = be16(p + off + 60);
		if (flags & FLAG_EXTENDED)
			skip += 2;
		nul = memchr(p + off + skip, '\0', len - 20 - off - skip);
		if (!nul)
			return ct_error_set(CT_EIO, "the git index is damaged (entry %zu)", i);
		plen = (size_t)(nul - (p + off + skip));
		elen = (skip + plen + 8) & ~(size_t)7;
		ix->offsets[i] = off;
		off += elen;
	}
	ix->entries_end = off;
	/* Extensions: a lowercase signature is required to understand (split index "link",
	 * sparse "sdir"): leave those to libgit2. */
	while (off + 8 <= len - 20) {
		uint32_t size = be32(p + off + 4);
		if (p[off] < 'A' || p[off] > 'Z') {
			ix->unsupported = 1;
			return 0;
		}
		if (size > len - 20 - off - 8)
			return ct_error_set(CT_EIO, "the git index is damaged (extension)");
		off += 8 + size;
	}
	return 0;
}

static int read_file(ct__index *ix, const char *path)
{
	int error = ct_file_read(&ix->data, path, (size_t)1 << 31);

	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		ct_buf_clear(&ix->data);
		return ct_buf_put(&ix->data, "", 0);
	}
	return error;
}

int ct__index_read(ct__index **out, git_repository *repo)
{
	ct__index *ix = calloc(1, sizeof(*ix));
	ct_buf path = CT_BUF_INIT;
	int error;

	*out = NULL;
	if (!ix)
		return ct_error_set(CT_ENOMEM, "out of memory");
	ix->repo = repo;
	if ((error = index_path(&path, repo, "index")) < 0 || (error = read_file(ix, path.ptr)) < 0 ||
		(error = parse(ix)) < 0) {
		ct__index_free(ix);
	} else {
		*out = ix;
	}
	ct_buf_free(&path);
	return error;
}

void ct__index_free(ct__index *ix)
{
	if (!ix)
		return;
	ct_buf_free(&ix->data);
	free(ix->offsets);
	free(ix);
}

/* git's order: paths compared bytewise (a prefix first), then stage. */
static int compare_path(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* The first entry whose path is not before path. */
static size_t lower_bound(const ct__index *ix, const char *path, size_t len)
{
	size_t lo = 0, hi = ix->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, elen;
		uint16_t flags;
		const char *e = entry_path(ix, mid, &elen, &flags);
		if (compare_path(e, elen, path, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int find_libgit2(git_repository *repo, const char *path, git_oid *id)
{
	git_index *index = NULL;
	const git_index_entry *e;
	int found = 0;

	if (git_repository_index(&index, repo) < 0 || git_index_read(index, 0) < 0)
		found = -1;
	else if ((e = git_index_get_bypath(index, path, 0))) {
		*id = e->id;
		found = 1;
	} else if (git_index_get_bypath(index, path, 1) || git_index_get_bypath(index, path, 2) ||
		   git_index_get_bypath(index, path, 3)) {
		found = -1;
	}
	git_index_free(index);
	return found;
}

int ct__index_find(const ct__index *ix, const char *path, git_oid *id)
{
	size_t len = strlen(path), i;
	int found = 0;

	if (ix->unsupported)
		return find_libgit2(ix->repo, path, id);
	for (i = lower_bound(ix, path, len); i < ix->count; i++) {
		size_t elen;
		uint16_t flags;
		const char *e = entry_path(ix, i, &elen, &flags);
		if (elen != len || memcmp(e, path, len) != 0)
			break;
		if ((flags & FLAG_STAGE) != 0)
			return -1;
		git_oid_fromraw(id, (const uint8_t *)ix->data.ptr + ix->offsets[i] + 40);
		found = 1;
	}
	return found;
}

static int by_path(const void *a, const void *b)
{
	const ct__index_new *x = a, *y = b;

	return compare_path(x->path, strlen(x->path), y->path, strlen(y->path));
}

/* One new entry, as git writes it: stat data, id, flags, path, NUL padding. */
static int put_entry(ct_buf *out, const ct__index_new *e)
{
	uint8_t fixed[ENTRY_FIXED];
	size_t plen = strlen(e->path);
	size_t pad = ((ENTRY_FIXED + plen + 8) & ~(size_t)7) - ENTRY_FIXED - plen;
	static const char zeros[8] = {0};
	int error;

	put32(fixed, (uint32_t)e->st.st_ctim.tv_sec);
	put32(fixed + 4, (uint32_t)e->st.st_ctim.tv_nsec);
	put32(fixed + 8, (uint32_t)e->st.st_mtim.tv_sec);
	put32(fixed + 12, (uint32_t)e->st.st_mtim.tv_nsec);
	put32(fixed + 16, (uint32_t)e->st.st_dev);
	put32(fixed + 20, (uint32_t)e->st.st_ino);
	put32(fixed + 24, 0100644);
	put32(fixed + 28, (uint32_t)e->st.st_uid);
	put32(fixed + 32, (uint32_t)e->st.st_gid);
	put32(fixed + 36, (uint32_t)e->st.st_size);
	memcpy(fixed + 40, e->id.id, 20);
	fixed[60] = (uint8_t)((plen < NAME_MASK ? plen : NAME_MASK) >> 8);
	fixed[61] = (uint8_t)(plen < NAME_MASK ? plen : NAME_MASK);
	if ((error = ct_buf_put(out, fixed, sizeof(fixed))) < 0 ||
		(error = ct_buf_put(out, e->path, plen)) < 0)
		return error;
	return ct_buf_put(out, zeros, pad);
}

/* The new file: old entries with the new ones merged in by path, the extensions that stay
 * valid (REUC: resolve-undo), and the checksum. */
static int splice(ct_buf *out, const ct__index *ix, const ct__index_new *add, size_t n)
{
	const uint8_t *p = (const uint8_t *)ix->data.ptr;
	uint8_t header[12], sum[20];
	size_t i = 0, j = 0, kept = 0, off;
	const void *piece;
	int error = 0;

	memcpy(header, "DIRC", 4);
	put32(header + 4, ix->data.len ? ix->version : 2);
	if ((error = ct_buf_put(out, header, sizeof(header))) < 0)
		return error;
	while (i < ix->count || j < n) {
		size_t elen = 0;
		uint16_t flags = 0;
		const char *e = i < ix->count ? entry_path(ix, i, &elen, &flags) : NULL;
		int c = !e ? 1 : j == n ? -1 : compare_path(e, elen, add[j].path, strlen(add[j].path));
		if (c < 0) {
			size_t end = i + 1 < ix->count ? ix->offsets[i + 1] : ix->entries_end;
			error = ct_buf_put(out, p + ix->offsets[i], end - ix->offsets[i]);
			i++;
		} else {
			if (c == 0) /* replaced: skip every stage of the old path */
				while (i < ix->count && (e = entry_path(ix, i, &elen, &flags)) &&
					elen == strlen(add[j].path) && memcmp(e, add[j].path, elen) == 0)
					i++;
			error = put_entry(out, &add[j]);
			j++;
		}
		if (error < 0)
			return error;
		kept++;
	}
	put32((uint8_t *)out->ptr + 8, (uint32_t)kept);
	for (off = ix->data.len ? ix->entries_end : 0; ix->data.len && off + 8 <= ix->data.len - 20;) {
		uint32_t size = be32(p + off + 4);
		if (memcmp(p + off, "REUC", 4) == 0 && (error = ct_buf_put(out, p + off, 8 + size)) < 0)
			return error;
		off += 8 + size;
	}
	piece = out->ptr;
	if (ct__sha1(sum, &piece, &out->len, 1) < 0)
		return ct_error_set(CT_EIO, "cannot compute the index checksum");
	return ct_buf_put(out, sum, sizeof(sum));
}

static int stage_libgit2(git_repository *repo, ct__index_new *entries, size_t n)
{
	git_index *index = NULL;
	size_t i;
	int error = 0;

	if (git_repository_index(&index, repo) < 0 || git_index_read(index, 0) < 0) {
		error = ct__git_error(CT_EIO, "reading the index");
		goto done;
	}
	for (i = 0; i < n; i++) {
		git_index_entry e;
		memset(&e, 0, sizeof(e));
		e.ctime.seconds = (int32_t)entries[i].st.st_ctim.tv_sec;
		e.ctime.nanoseconds = (uint32_t)entries[i].st.st_ctim.tv_nsec;
		e.mtime.seconds = (int32_t)entries[i].st.st_mtim.tv_sec;
		e.mtime.nanoseconds = (uint32_t)entries[i].st.st_mtim.tv_nsec;
		e.dev = (uint32_t)entries[i].st.st_dev;
		e.ino = (uint32_t)entries[i].st.st_ino;
		e.mode = GIT_FILEMODE_BLOB;
		e.uid = (uint32_t)entries[i].st.st_uid;
		e.gid = (uint32_t)entries[i].st.st_gid;
		e.file_size = (uint32_t)entries[i].st.st_size;
		e.id = entries[i].id;
		e.path = entries[i].path;
		if (git_index_add(index, &e) < 0) {
			error = ct__git_error(CT_EIO, entries[i].path);
			goto done;
		}
	}
	if (git_index_write(index) < 0)
		error = ct__git_error(CT_EIO, "writing the index");
done:
	git_index_free(index);
	return error;
}

/* Takes index.lock, waiting a little for another writer (git or claimtrail) to finish. */
static int lock_index(int *fd, const char *lockpath)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		*fd = open(lockpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (*fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
		{
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	return ct_error_set(CT_ECONFLICT, "%s: %s (another git process is running?)", lockpath,
		errno == EEXIST ? "exists" : strerror(errno));
}

int ct__index_stage(git_repository *repo, ct__index_new *entries, size_t n)
{
	ct_buf path = CT_BUF_INIT, lockpath = CT_BUF_INIT, out = CT_BUF_INIT;
	ct__index *ix = NULL;
	int fd = -1;
	int locked = 0;
	int error;

	if (n == 0)
		return 0;
	qsort(entries, n, sizeof(*entries), by_path);
	if ((error = index_path(&path, repo, "index")) < 0 ||
		(error = index_path(&lockpath, repo, "index.lock")) < 0 ||
		(error = lock_index(&fd, lockpath.ptr)) < 0)
		goto done;
	locked = 1;
	if (!(ix = calloc(1, sizeof(*ix)))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = read_file(ix, path.ptr)) < 0 || (error = parse(ix)) < 0)
		goto done;
	if (ix->unsupported) {
		close(fd);
		fd = -1;
		unlink(lockpath.ptr);
		locked = 0;
		error = stage_libgit2(repo, entries, n);
		goto done;
	}
	if ((error = splice(&out, ix, entries, n)) < 0)
		goto done;
	{
		size_t off = 0;
		while (off < out.len) {
			ssize_t w = write(fd, out.ptr + off, out.len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				error = ct_error_set(CT_EIO, "%s: %s", lockpath.ptr, strerror(errno));
				goto done;
			}
			off += (size_t)w;
		}
	}
	if (close(fd) < 0) {
		fd = -1;
		error = ct_error_set(CT_EIO, "%s: %s", lockpath.ptr, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(lockpath.ptr, path.ptr) < 0)
		error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
	else
		locked = 0;
done:
	if (fd >= 0)
		close(fd);
	if (locked)
		unlink(lockpath.ptr); /* ours: release it */
	ct__index_free(ix);
	ct_buf_free(&out);
	ct_buf_free(&path);
	ct_buf_free(&lockpath);
	return error;
}
