/*
 * git's index, spliced: a store write adds a few entries to an index that may list 100,000
 * files. libgit2 parses every entry into its own allocation and writes them back one by one;
 * here the file is read as bytes, the new entries are inserted between the old ones by binary
 * search, and the result is written behind index.lock with a fresh checksum. Format: git's
 * Documentation/gitformat-index (versions 2 and 3).
 */
#include "fileio.h"
#include "gitindex.h"
#include "sha1.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ENTRY_FIXED 62 /* bytes of an entry before its path */
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE 0x3000
#define NAME_MASK 0x0fff

struct ct__index {
	git_repository *repo; /* for the libgit2 fallback */
	ct_buf data;	      /* the whole file */
	uint32_t version;
	size_t count;
	size_t *offsets;       /* where each entry starts */
	size_t entries_end;    /* where the extensions start */
	int unsupported;       /* version 4, which this code does not splice: use libgit2 */
	git_index *git;	       /* version 4: the index as libgit2 read it */
	struct timespec mtime; /* the index file's, for racy-git (zero: none) */
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

/* Index files we must not touch: a split index ("link": most entries live in a shared index
 * file, the rest refer to them by position) and a sparse index ("sdir": directory entries stand
 * for whole subtrees). libgit2 cannot read either, and splicing would corrupt them. */
static int refuse_extension(const uint8_t *sig)
{
	if (memcmp(sig, "link", 4) == 0)
		return ct_error_set(CT_ECONFLICT,
			"the git index is a split index, which claimtrail cannot update: run "
			"'git update-index --no-split-index' (and 'git config core.splitIndex false') first");
	if (memcmp(sig, "sdir", 4) == 0)
		return ct_error_set(CT_ECONFLICT,
			"the git index is a sparse index, which claimtrail cannot update: run "
			"'git sparse-checkout set --no-sparse-index' (or 'git sparse-checkout disable') "
			"first");
	return ct_error_set(CT_ECONFLICT,
		"the git index has a required extension '%.4s' that claimtrail does not know: "
		"nothing was written",
		(const char *)sig);
}

/* The checksum: the SHA-1 of everything before it, or all zeros (index.skipHash, git 2.40). */
static int verify_checksum(const ct__index *ix)
{
	static const uint8_t zero[20] = {0};
	const uint8_t *p = (const uint8_t *)ix->data.ptr;
	size_t body = ix->data.len - 20;
	const void *piece = p;
	uint8_t sum[20];

	if (memcmp(p + body, zero, 20) == 0)
		return 0;
	if (ct__sha1(sum, &piece, &body, 1) < 0)
		return ct_error_set(CT_EIO, "cannot compute the index checksum");
	if (memcmp(sum, p + body, 20) != 0)
		return ct_error_set(CT_EIO,
			"the git index is damaged (bad checksum); 'git status' will say more");
	return 0;
}

/* Parses what was read: header, entry offsets, and whether we can splice it. */
static int parse(ct__index *ix, int verify)
{
	const uint8_t *p = (const uint8_t *)ix->data.ptr;
	size_t len = ix->data.len, off = 12, i, end;
	int error;

	if (len == 0)
		return 0; /* no index yet */
	if (len < 12 + 20 || memcmp(p, "DIRC", 4) != 0)
		return ct_error_set(CT_EIO, "the git index is damaged (no DIRC header)");
	if (verify && (error = verify_checksum(ix)) < 0)
		return error;
	end = len - 20;
	ix->version = be32(p + 4);
	ix->count = be32(p + 8);
	if (ix->version == 4) {
		ix->unsupported = 1;
		return 0;
	}
	if (ix->version != 2 && ix->version != 3)
		return ct_error_set(CT_EIO,
			"the git index has version %u, which claimtrail does not "
			"know",
			(unsigned)ix->version);
	if (ix->count > len / ENTRY_FIXED ||
		!(ix->offsets = malloc((ix->count ? ix->count : 1) * sizeof(size_t))))
		return ct_error_set(CT_EIO, "the git index is damaged (entry count)");
	for (i = 0; i < ix->count; i++) {
		size_t skip = ENTRY_FIXED, plen, elen;
		uint16_t flags;
		const uint8_t *nul;
		if (end - off < ENTRY_FIXED + 2)
			return ct_error_set(CT_EIO, "the git index is damaged (entry %zu)", i);
		flags = be16(p + off + 60);
		if (flags & FLAG_EXTENDED) {
			if (ix->version < 3)
				return ct_error_set(
					CT_EIO, "the git index is damaged (entry %zu)", i);
			skip += 2;
		}
		nul = memchr(p + off + skip, '\0', end - off - skip);
		if (!nul)
			return ct_error_set(CT_EIO, "the git index is damaged (entry %zu)", i);
		plen = (size_t)(nul - (p + off + skip));
		elen = (skip + plen + 8) & ~(size_t)7;
		if (elen > end - off ||
			((flags & NAME_MASK) != NAME_MASK ? plen != (flags & NAME_MASK)
							  : plen < NAME_MASK))
			return ct_error_set(CT_EIO, "the git index is damaged (entry %zu)", i);
		ix->offsets[i] = off;
		off += elen;
	}
	ix->entries_end = off;
	/* Extensions: a signature that is not uppercase must be understood (split index "link",
	 * sparse index "sdir"), and those we do not touch. */
	while (off < end) {
		uint32_t size;
		if (end - off < 8)
			return ct_error_set(CT_EIO, "the git index is damaged (extension)");
		size = be32(p + off + 4);
		if (p[off] < 'A' || p[off] > 'Z')
			return refuse_extension(p + off);
		if (size > end - off - 8)
			return ct_error_set(CT_EIO, "the git index is damaged (extension)");
		off += 8 + size;
	}
	return 0;
}

static int read_file(ct__index *ix, const char *path)
{
	struct stat st;
	int error = ct_file_read(&ix->data, path, (size_t)1 << 31);

	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		ct_buf_clear(&ix->data);
		return ct_buf_put(&ix->data, "", 0);
	}
	/* Read inside index.lock, the file cannot change between the two: its mtime is the one
	 * git compares entries with (racy-git). */
	if (error == 0 && stat(path, &st) == 0)
		ix->mtime = st.st_mtim;
	return error;
}

/* Version 4: libgit2 reads it (prefix-compressed paths), for ct__index_find. */
static int read_libgit2(ct__index *ix)
{
	if (git_repository_index(&ix->git, ix->repo) < 0 || git_index_read(ix->git, 1) < 0)
		return ct__git_error(CT_EIO, "reading the git index");
	return 0;
}

int ct__index_read(ct__index **out, git_repository *repo)
{
	ct__index *ix = calloc(1, sizeof(*ix));
	ct_buf path = CT_BUF_INIT;
	int error;

	*out = NULL;
	if (!ix)
		return ct__oom();
	ix->repo = repo;
	if ((error = index_path(&path, repo, "index")) < 0 ||
		(error = read_file(ix, path.ptr)) < 0 || (error = parse(ix, 1)) < 0 ||
		(ix->unsupported && (error = read_libgit2(ix)) < 0)) {
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
	git_index_free(ix->git);
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

static int find_libgit2(git_index *index, const char *path, git_oid *id)
{
	const git_index_entry *e;

	if ((e = git_index_get_bypath(index, path, 0))) {
		*id = e->id;
		return 1;
	}
	if (git_index_get_bypath(index, path, 1) || git_index_get_bypath(index, path, 2) ||
		git_index_get_bypath(index, path, 3))
		return -1;
	return 0;
}

int ct__index_find(const ct__index *ix, const char *path, git_oid *id)
{
	size_t len = strlen(path), i;
	int found = 0;

	if (ix->unsupported)
		return find_libgit2(ix->git, path, id);
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

int ct__index_find_shared(const ct__index *ix)
{
	return !ix->unsupported;
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

/*
 * Racy git: an entry whose file was modified in the same second as the index was written may
 * carry stat data that still matches the modified file. git trusts no entry whose mtime is not
 * before the index file's; but the file written here is newer, so such an entry would become
 * trusted. As git does when it writes the index, these entries are checked against the work
 * tree, and the ones whose file no longer matches are "smudged" (size 0: git compares the
 * content). mtime and size are what git always compares (even with core.checkStat=minimal):
 * when they differ, git sees the change anyway.
 */
static int is_racy(const ct__index *ix, uint32_t mtime_sec)
{
	return (ix->mtime.tv_sec || ix->mtime.tv_nsec) && mtime_sec >= (uint32_t)ix->mtime.tv_sec;
}

static int racily_changed(const ct__index *ix, const char *path, uint32_t mode, uint32_t mtime_sec,
	uint32_t size, const git_oid *id)
{
	const char *workdir = git_repository_workdir(ix->repo);
	ct_buf full = CT_BUF_INIT;
	struct stat st;
	git_oid oid;
	int changed = 1;

	if ((mode & 0170000) == 0160000 || !workdir) /* a submodule: git compares its HEAD */
		return 0;
	if (ct_buf_printf(&full, "%s%s", workdir, path) < 0 || lstat(full.ptr, &st) < 0 ||
		(uint32_t)st.st_mtim.tv_sec != mtime_sec || (uint32_t)st.st_size != size)
		changed = 0; /* absent or stat differs: git notices without help */
	/* Raw bytes, no filters: with a clean filter (CRLF) the ids may differ where git would
	 * call the file unchanged; that only makes git compare contents again, which is safe. */
	else if ((mode & 0170000) == 0100000 && S_ISREG(st.st_mode) &&
		git_odb_hashfile(&oid, full.ptr, GIT_OBJECT_BLOB) == 0 && git_oid_equal(&oid, id))
		changed = 0;
	ct_buf_free(&full);
	return changed;
}

/* The new file: old entries with the new ones merged in by path, the extensions that stay
 * valid (REUC: resolve-undo), and the checksum. Dropped: TREE (its counts and ids go stale),
 * UNTR and FSMN (optional caches; FSMN is also by entry position), EOIE and IEOT (offsets). */
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
		int c = !e	 ? 1
			: j == n ? -1
				 : compare_path(e, elen, add[j].path, strlen(add[j].path));
		if (c < 0) {
			const uint8_t *old = p + ix->offsets[i];
			size_t end = i + 1 < ix->count ? ix->offsets[i + 1] : ix->entries_end;
			size_t at = out->len;
			error = ct_buf_put(out, old, end - ix->offsets[i]);
			if (error == 0 && (flags & FLAG_STAGE) == 0 && is_racy(ix, be32(old + 8))) {
				git_oid id;
				git_oid_fromraw(&id, old + 40);
				if (racily_changed(ix, e, be32(old + 24), be32(old + 8),
					    be32(old + 36), &id))
					put32((uint8_t *)out->ptr + at + 36, 0);
			}
			i++;
		} else {
			if (c == 0) /* replaced: skip every stage of the old path */
				while (i < ix->count && (e = entry_path(ix, i, &elen, &flags)) &&
					elen == strlen(add[j].path) &&
					memcmp(e, add[j].path, elen) == 0)
					i++;
			error = put_entry(out, &add[j]);
			j++;
		}
		if (error < 0)
			return error;
		kept++;
	}
	put32((uint8_t *)out->ptr + 8, (uint32_t)kept);
	for (off = ix->data.len ? ix->entries_end : 0;
		ix->data.len && off + 8 <= ix->data.len - 20;) {
		uint32_t size = be32(p + off + 4);
		if (memcmp(p + off, "REUC", 4) == 0 &&
			(error = ct_buf_put(out, p + off, 8 + size)) < 0)
			return error;
		off += 8 + size;
	}
	piece = out->ptr;
	if (ct__sha1(sum, &piece, &out->len, 1) < 0)
		return ct_error_set(CT_EIO, "cannot compute the index checksum");
	return ct_buf_put(out, sum, sizeof(sum));
}

static void to_git_entry(git_index_entry *e, const ct__index_new *n)
{
	memset(e, 0, sizeof(*e));
	e->ctime.seconds = (int32_t)n->st.st_ctim.tv_sec;
	e->ctime.nanoseconds = (uint32_t)n->st.st_ctim.tv_nsec;
	e->mtime.seconds = (int32_t)n->st.st_mtim.tv_sec;
	e->mtime.nanoseconds = (uint32_t)n->st.st_mtim.tv_nsec;
	e->dev = (uint32_t)n->st.st_dev;
	e->ino = (uint32_t)n->st.st_ino;
	e->mode = GIT_FILEMODE_BLOB;
	e->uid = (uint32_t)n->st.st_uid;
	e->gid = (uint32_t)n->st.st_gid;
	e->file_size = (uint32_t)n->st.st_size;
	e->id = n->id;
	e->path = n->path;
}

/*
 * Version 4, through libgit2, under our index.lock: the bytes read are copied to a file of our
 * own, which libgit2 opens, updates and rewrites (behind its own "<tmp>.lock"); its bytes then
 * become the new index. libgit2 does not smudge racily clean entries of an index it does not
 * know the work tree of: done here. On failure the copy is removed.
 */
static int copy_libgit2(git_index **out, const ct__index *ix, const char *tmppath)
{
	int fd, error = 0;

	fd = open(tmppath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return ct_error_set(CT_EIO, "%s: %s", tmppath, strerror(errno));
	error = ct__write_all(fd, ix->data.ptr, ix->data.len, tmppath);
	if (close(fd) < 0 && error == 0)
		error = ct_error_set(CT_EIO, "%s: %s", tmppath, strerror(errno));
	if (error == 0 && git_index_open(out, tmppath) < 0)
		error = ct__git_error(CT_EIO, "reading the git index");
	if (error < 0)
		unlink(tmppath);
	return error;
}

/* Version 4: the entries added through libgit2 to a copy of the index (tmppath), whose bytes then
 * become out; the copy is removed. */
static int build_libgit2(
	ct_buf *out, const ct__index *ix, const char *tmppath, ct__index_new *entries, size_t n)
{
	git_index *index = NULL;
	size_t i, count;
	int error = 0;

	if ((error = copy_libgit2(&index, ix, tmppath)) < 0)
		return error;
	count = git_index_entrycount(index);
	for (i = 0; i < count && error == 0; i++) {
		const git_index_entry *old = git_index_get_byindex(index, i);
		if (old && GIT_INDEX_ENTRY_STAGE(old) == 0 && old->file_size != 0 &&
			is_racy(ix, (uint32_t)old->mtime.seconds) &&
			racily_changed(ix, old->path, old->mode, (uint32_t)old->mtime.seconds,
				old->file_size, &old->id)) {
			git_index_entry smudged = *old;
			smudged.file_size = 0;
			if (git_index_add(index, &smudged) < 0)
				error = ct__git_error(CT_EIO, old->path);
		}
	}
	for (i = 0; i < n && error == 0; i++) {
		git_index_entry e;
		to_git_entry(&e, &entries[i]);
		if (git_index_add(index, &e) < 0)
			error = ct__git_error(CT_EIO, entries[i].path);
	}
	if (error == 0 && git_index_write(index) < 0)
		error = ct__git_error(CT_EIO, "writing the index");
	if (error == 0) {
		ct_buf_clear(out);
		error = ct_file_read(out, tmppath, (size_t)1 << 31);
	}
	git_index_free(index);
	unlink(tmppath);
	return error;
}

int ct__index_build(
	ct_buf *out, const ct__index *ix, ct__index_new *entries, size_t n, const char *tmppath)
{
	size_t i;

	qsort(entries, n, sizeof(*entries), by_path);
	for (i = 1; i < n; i++)
		if (strcmp(entries[i - 1].path, entries[i].path) == 0)
			return ct_error_set(CT_EINVALID, "%s: staged twice", entries[i].path);
	if (ix->unsupported)
		return build_libgit2(out, ix, tmppath, entries, n);
	ct_buf_clear(out);
	return splice(out, ix, entries, n);
}
