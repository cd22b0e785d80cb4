/*
 * The tree a commit should have, computed instead of read: its parent's tree with the files the
 * commit names set, each tree on the way hashed as git hashes a tree. The journal uses it to
 * confirm a claimtrail commit's "Claimtrail-Blob" trailers (docs/store.md): when the computed
 * root is the commit's root, the commit changed exactly those files, and none of its trees needs
 * to be read. A fan-out tree is a delta at the end of a chain in a cloned pack, so reading one
 * costs far more than hashing it.
 *
 * Hashing: OpenSSL's SHA-1 by default, or libgit2's git_odb_hash (its collision-detecting SHA-1,
 * 2.8 times slower here) when built with -Dtree_hash=libgit2 (meson_options.txt). Either gives
 * the id git gives the same bytes; tests/unit/test_store.c checks it against libgit2's tree
 * builder, and tests/cli/journal-trailers.sh the journal against `git log --name-status`.
 */
#include "sha1.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Trees kept, by the path they were at: the last one computed there (a commit's parent is
 * usually the commit indexed just before, whose trees these are). An open-addressed table of
 * paths: a store has a few hundred folders down to the fan-out ones, and two of them sharing a
 * slot would push each other out on every other commit. */
#define KEPT_SLOTS 4096
#define KEPT_PROBES 32

typedef struct {
	char *path; /* NULL: a free slot */
	size_t plen;
	git_oid id;
	unsigned char *data; /* the tree's entries, as git stores them */
	size_t len;
} kept_tree;

struct ct__treehash {
	git_odb *odb;
	size_t keep_depth; /* trees at paths of more parts than this are not kept */
	kept_tree slot[KEPT_SLOTS];
};

int ct__treehash_new(ct__treehash **out, git_odb *odb, size_t keep_depth)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ct__oom();
	(*out)->odb = odb;
	(*out)->keep_depth = keep_depth;
	return 0;
}

/* Whether the tree at path (len bytes) is kept: a record's own folder is rarely the parent's
 * again, and keeping one would push out a fan-out folder that the next commit needs. */
static int kept_at(const ct__treehash *th, const char *path, size_t len)
{
	size_t i, parts = len > 0;

	for (i = 0; i < len; i++)
		parts += path[i] == '/';
	return parts <= th->keep_depth;
}

void ct__treehash_free(ct__treehash *th)
{
	size_t i;

	if (!th)
		return;
	for (i = 0; i < KEPT_SLOTS; i++) {
		free(th->slot[i].path);
		free(th->slot[i].data);
	}
	free(th);
}

/* The slot of the tree kept at path (len bytes); else, when `add`, a free one (or, in a full
 * neighbourhood, the first of it, emptied); else NULL. */
static kept_tree *slot_for(ct__treehash *th, const char *path, size_t len, int add)
{
	uint32_t h = 2166136261u;
	size_t i, at;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)path[i]) * 16777619u;
	for (i = 0; i < KEPT_PROBES; i++) {
		kept_tree *k = &th->slot[(h + i) % KEPT_SLOTS];
		if (!k->path)
			return add ? k : NULL;
		if (k->plen == len && memcmp(k->path, path, len) == 0)
			return k;
	}
	if (!add)
		return NULL;
	at = h % KEPT_SLOTS;
	free(th->slot[at].path);
	free(th->slot[at].data);
	memset(&th->slot[at], 0, sizeof(th->slot[at]));
	return &th->slot[at];
}

/* git's object id of a tree with these entries: SHA-1 of "tree <len>\0" and the entries. */
static int hash_tree(git_oid *out, const unsigned char *data, size_t len)
{
#ifdef CT_TREE_HASH_LIBGIT2
	if (git_odb_hash(out, data, len, GIT_OBJECT_TREE) < 0)
		return ct__git_error(CT_EIO, "hashing a tree");
	return 0;
#else
	char head[32];
	int n = snprintf(head, sizeof(head), "tree %zu", len);
	const void *piece[2] = {head, data};
	size_t plen[2] = {(size_t)n + 1, len};
	uint8_t sum[20];

	if (ct__sha1(sum, piece, plen, 2) < 0)
		return ct_error_set(CT_EIO, "hashing a tree: SHA-1 failed");
	git_oid_fromraw(out, sum);
	return 0;
#endif
}

/* The entries of the tree id (found at path, plen bytes), into *out (the caller's: free it) and
 * *len: a copy of the one kept there, or read. The slot is left alone: set_files writes the
 * tree it computes from these into it. */
static int load(unsigned char **out, size_t *len, ct__treehash *th, const git_oid *id,
	const char *path, size_t plen)
{
	kept_tree *k = slot_for(th, path, plen, 0);
	git_odb_object *obj = NULL;
	const void *data;

	if (k && git_oid_equal(&k->id, id)) {
		data = k->data;
		*len = k->len;
	} else {
		if (git_odb_read(&obj, th->odb, id) < 0)
			return ct__git_error(CT_EIO, "journal: reading a tree");
		if (git_odb_object_type(obj) != GIT_OBJECT_TREE) {
			git_odb_object_free(obj);
			return ct_error_set(CT_EIO, "journal: a tree is not a tree");
		}
		data = git_odb_object_data(obj);
		*len = git_odb_object_size(obj);
	}
	if ((*out = malloc(*len ? *len : 1)))
		memcpy(*out, data, *len);
	git_odb_object_free(obj);
	return *out ? 0 : ct__oom();
}

/* One entry of a tree's bytes: its mode, name and id. */
typedef struct {
	unsigned int mode;
	const char *name;
	size_t nlen;
	const unsigned char *id;
	const unsigned char *start, *end; /* the entry's bytes */
} entry;

/* The entry at *p (before end): 1, 0 at the end, -1 when the bytes are not a tree's. */
static int next_entry(entry *e, const unsigned char **p, const unsigned char *end)
{
	const unsigned char *q = *p, *nul;

	if (q == end)
		return 0;
	e->start = q;
	e->mode = 0;
	while (q < end && *q >= '0' && *q <= '7')
		e->mode = (e->mode << 3) | (unsigned int)(*q++ - '0');
	if (q == e->start || q == end || *q++ != ' ' ||
		!(nul = memchr(q, '\0', (size_t)(end - q))) || nul == q ||
		(size_t)(end - nul - 1) < GIT_OID_RAWSZ)
		return -1;
	e->name = (const char *)q;
	e->nlen = (size_t)(nul - q);
	e->id = nul + 1;
	e->end = *p = nul + 1 + GIT_OID_RAWSZ;
	return 1;
}

static int is_tree_mode(unsigned int mode)
{
	return (mode & 0170000) == 0040000;
}

/* git's order: by name, a tree's name compared as if it ended in '/'. */
static int order(const char *a, size_t alen, int atree, const char *b, size_t blen, int btree)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	unsigned char ca, cb;

	if (c)
		return c;
	ca = alen > n ? (unsigned char)a[n] : atree ? '/' : 0;
	cb = blen > n ? (unsigned char)b[n] : btree ? '/' : 0;
	return ca < cb ? -1 : ca > cb;
}

/*
 * Whether a folder named name (nlen bytes) follows e, the first entry that sorts after a file of
 * that name: only names that begin with it and go on with a byte below '/' ("a-b", "a.json")
 * sort between the file and the folder. p and end: the walk after e, left as it is.
 */
static int same_name_after(const entry *e, const unsigned char *p, const unsigned char *end,
	const char *name, size_t nlen)
{
	entry x = *e;

	while (x.nlen >= nlen && memcmp(x.name, name, nlen) == 0) {
		if (x.nlen == nlen)
			return 1;
		if ((unsigned char)x.name[nlen] >= '/' || next_entry(&x, &p, end) != 1)
			return 0;
	}
	return 0;
}

/* "<mode> <name>\0<id>": one entry as git writes it (mode in octal, no leading zero) */
static int put_entry(
	ct_buf *out, const char *mode, const char *name, size_t nlen, const unsigned char *id)
{
	int error;

	if ((error = ct_buf_puts(out, mode)) < 0 || (error = ct_buf_putc(out, ' ')) < 0 ||
		(error = ct_buf_put(out, name, nlen)) < 0 || (error = ct_buf_putc(out, '\0')) < 0)
		return error;
	return ct_buf_put(out, id, GIT_OID_RAWSZ);
}

/*
 * The tree at dir (the path of dlen bytes, "" for the root; base its id there, NULL when there
 * is none yet) with files[0..n) set, every one of them under dir: its id into out, and the tree
 * kept for the next commit. 1 when computed; 0 when the files cannot be set by adding or
 * replacing files (a file where a folder is, or the reverse; a file that is not a plain one).
 */
static int set_files(git_oid *out, ct__treehash *th, const char *dir, size_t dlen,
	const git_oid *base, ct__tree_file *files, size_t n)
{
	const unsigned char *p, *end, *run; /* run: where the entries not yet copied begin */
	unsigned char *old = NULL;
	size_t olen = 0, i = 0;
	ct_buf next = CT_BUF_INIT;
	entry e;
	int has, error = 0;
	kept_tree *k;

	if (base && (error = load(&old, &olen, th, base, dir, dlen)) < 0)
		return error;
	if ((error = ct_buf_reserve(&next, olen + 256)) < 0)
		goto done;
	run = p = old;
	end = old ? old + olen : NULL;
	if ((has = old ? next_entry(&e, &p, end) : 0) < 0)
		goto malformed;
	while (i < n && error >= 0) {
		const char *name = files[i].path + dlen + (dlen ? 1 : 0);
		const char *slash = strchr(name, '/');
		size_t nlen = slash ? (size_t)(slash - name) : strlen(name);
		size_t j = i + 1;
		int cmp = 1;

		if (nlen == 0) {
			error = 0;
			goto cannot;
		}
		/* the files of one sub-folder are next to each other in the order of paths */
		if (slash)
			while (j < n &&
				strncmp(files[j].path + dlen + (dlen ? 1 : 0), name, nlen + 1) == 0)
				j++;
		/* pass the entries before it (copied later, in one piece); one of the same name
		 * and another type sorts apart from it: before (a file, where a folder goes) */
		while (has == 1 &&
			(cmp = order(e.name, e.nlen, is_tree_mode(e.mode), name, nlen,
				 slash != NULL)) < 0) {
			if (e.nlen == nlen && memcmp(e.name, name, nlen) == 0)
				goto cannot;
			if ((has = next_entry(&e, &p, end)) < 0)
				goto malformed;
		}
		/* ... or after (a folder, where a file goes): past the names between */
		if (!slash && has == 1 && cmp > 0 && same_name_after(&e, p, end, name, nlen))
			goto cannot;
		if ((error = ct_buf_put(&next, run, (size_t)((has == 1 ? e.start : end) - run))) <
			0)
			goto done;
		run = has == 1 && cmp == 0 ? e.end : has == 1 ? e.start : end;
		if (slash) {
			git_oid sub, was;
			ct_buf subdir = CT_BUF_INIT;
			int rc;
			if (has == 1 && cmp == 0)
				git_oid_fromraw(&was, e.id);
			if ((error = ct_buf_put(
				     &subdir, files[i].path, (size_t)(slash - files[i].path))) < 0)
				goto done;
			rc = set_files(&sub, th, subdir.ptr, subdir.len,
				has == 1 && cmp == 0 ? &was : NULL, files + i, j - i);
			ct_buf_free(&subdir);
			if (rc <= 0) {
				error = rc;
				goto done;
			}
			error = put_entry(&next, "40000", name, nlen, sub.id);
		} else {
			if (has == 1 && cmp == 0) {
				if ((e.mode & 0170000) != 0100000)
					goto cannot; /* a symbolic link or a submodule: not ours to set */
				files[i].was = 1;
				git_oid_fromraw(&files[i].was_blob, e.id);
			}
			error = put_entry(&next, "100644", name, nlen, files[i].blob.id);
		}
		if (error < 0)
			goto done;
		if (has == 1 && cmp == 0 && (has = next_entry(&e, &p, end)) < 0)
			goto malformed;
		i = j;
	}
	if ((error = ct_buf_put(&next, run, (size_t)(end - run))) < 0)
		goto done;
	if ((error = hash_tree(out, (const unsigned char *)next.ptr, next.len)) < 0)
		goto done;
	error = 1;
	if (kept_at(th, dir, dlen)) {
		k = slot_for(th, dir, dlen, 1);
		if (!k->path) {
			if (!(k->path = malloc(dlen + 1))) {
				error = ct__oom();
				goto done;
			}
			memcpy(k->path, dir, dlen);
			k->path[dlen] = '\0';
			k->plen = dlen;
		}
		free(k->data);
		k->len = next.len;
		k->data = (unsigned char *)ct_buf_detach(&next);
		k->id = *out;
	}
	goto done;
malformed:
	error = ct_error_set(CT_EIO, "journal: a malformed tree at '%.*s'", (int)dlen, dir);
	goto done;
cannot:
	error = 0;
done:
	ct_buf_free(&next);
	free(old);
	return error;
}

int ct__treehash_apply(
	git_oid *out, ct__treehash *th, const git_oid *base, ct__tree_file *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		files[i].was = 0;
		/* in the order of paths, each once, none absolute or with an empty part */
		if ((i > 0 && strcmp(files[i - 1].path, files[i].path) >= 0) ||
			files[i].path[0] == '/' || strstr(files[i].path, "//") ||
			files[i].path[strlen(files[i].path) - 1] == '/')
			return 0;
	}
	return n ? set_files(out, th, "", 0, base, files, n) : 0;
}
