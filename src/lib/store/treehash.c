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
 * the id git gives the same bytes; tests/unit/test_treehash.c checks it against libgit2's tree
 * writer, and tests/cli/journal-history.sh the journal against `git log --name-status`.
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
/* The longest path and the most parts a named file may have: a store folder a few levels down
 * holds records at <kind>/<fan>/<id>/annotations/<file>; anything far beyond is not ours. */
#define TREEHASH_PATH_MAX 4096
#define TREEHASH_DEPTH_MAX 32

#define KEPT_SLOTS 4096
#define KEPT_PROBES 32

typedef struct {
	char *path; /* NULL: a free slot */
	size_t plen;
	git_oid id;
	unsigned char *data; /* the tree's entries, as git stores them */
	size_t len;
	uint32_t *offs; /* where each entry begins in data, count of them */
	size_t count;
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
		free(th->slot[i].offs);
	}
	free(th);
}

/* The slot of the tree kept at path (len bytes); else, when `add`, a free one; else (or when
 * the neighbourhood is full: that tree is then not kept) NULL. A slot is never taken from
 * another path, so the bytes of a tree kept stay where they are until its own path's next. */
static kept_tree *slot_for(ct__treehash *th, const char *path, size_t len, int add)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)path[i]) * 16777619u;
	for (i = 0; i < KEPT_PROBES; i++) {
		kept_tree *k = &th->slot[(h + i) % KEPT_SLOTS];
		if (!k->path)
			return add ? k : NULL;
		if (k->plen == len && memcmp(k->path, path, len) == 0)
			return k;
	}
	return NULL;
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

/* A tree's entries with where each begins: kept (borrowed) or read (obj and offs owned). */
typedef struct {
	const unsigned char *data;
	size_t len;
	const uint32_t *offs;
	size_t count;
	git_odb_object *obj;
	uint32_t *own_offs;
} tree_view;

static void view_free(tree_view *v)
{
	git_odb_object_free(v->obj);
	free(v->own_offs);
}

/* The tree id (found at path, plen bytes) into v: the one kept there, or read from the odb and
 * its entries found. 0, or an error (not a tree, a malformed one). */
static int load(tree_view *v, ct__treehash *th, const git_oid *id, const char *path, size_t plen)
{
	kept_tree *k = slot_for(th, path, plen, 0);
	const unsigned char *p, *end;
	size_t cap = 0;
	entry e;
	int rc;

	memset(v, 0, sizeof(*v));
	if (k && k->data && git_oid_equal(&k->id, id)) {
		v->data = k->data;
		v->len = k->len;
		v->offs = k->offs;
		v->count = k->count;
		return 0;
	}
	if (git_odb_read(&v->obj, th->odb, id) < 0)
		return ct__git_error(CT_EIO, "journal: reading a tree");
	if (git_odb_object_type(v->obj) != GIT_OBJECT_TREE)
		return ct_error_set(CT_EIO, "journal: a tree is not a tree");
	v->data = p = git_odb_object_data(v->obj);
	v->len = git_odb_object_size(v->obj);
	end = p + v->len;
	while ((rc = next_entry(&e, &p, end)) == 1) {
		if (v->count == cap) {
			uint32_t *t;
			cap = cap ? cap * 2 : 64;
			if (!(t = realloc(v->own_offs, cap * sizeof(*t))))
				return ct__oom();
			v->own_offs = t;
		}
		v->own_offs[v->count++] = (uint32_t)(e.start - v->data);
	}
	v->offs = v->own_offs;
	return rc < 0 || v->len > UINT32_MAX
		? ct_error_set(CT_EIO, "journal: a malformed tree at '%.*s'", (int)plen, path)
		: 0;
}

/* Entry i of v (its bytes were checked when v was made: see load and set_files). */
static void entry_at(entry *e, const tree_view *v, size_t i)
{
	const unsigned char *p = v->data + v->offs[i];
	const unsigned char *end = i + 1 < v->count ? v->data + v->offs[i + 1] : v->data + v->len;

	next_entry(e, &p, end);
}

/* The first entry of v from lo on that does not sort before name (nlen bytes, a folder when
 * tree), found by halving: a fan-out folder has hundreds of entries. */
static size_t lower_bound(const tree_view *v, size_t lo, const char *name, size_t nlen, int tree)
{
	size_t hi = v->count;
	entry e;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		entry_at(&e, v, mid);
		if (order(e.name, e.nlen, is_tree_mode(e.mode), name, nlen, tree) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Whether v has an entry named name (nlen bytes) of the other type than the one that would go
 * at position at: a file and a folder of one name sort apart, with only names that begin with
 * it and go on with a byte below '/' ("a-b", "a.json") between them; a folder sorts after the
 * file, so it is looked for forward from a file's place and backward from a folder's.
 */
static int other_type_named(const tree_view *v, size_t at, const char *name, size_t nlen, int tree)
{
	size_t i = at;
	entry e;

	while (tree ? i > 0 : i < v->count) {
		entry_at(&e, v, tree ? i - 1 : i);
		if (e.nlen < nlen || memcmp(e.name, name, nlen) != 0)
			return 0;
		if (e.nlen == nlen)
			return 1;
		if ((unsigned char)e.name[nlen] >= '/')
			return 0;
		i = tree ? i - 1 : i + 1;
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

/* Room in offs (cap of them) for `need` entries. */
static int reserve_offs(uint32_t **offs, size_t *cap, size_t need)
{
	uint32_t *t;

	if (need <= *cap)
		return 0;
	if (!(t = realloc(*offs, (need * 2 + 16) * sizeof(*t))))
		return ct__oom();
	*offs = t;
	*cap = need * 2 + 16;
	return 0;
}

/* Appends entries [from, to) of v to out, and where each begins there to offs (count of them). */
static int copy_entries(ct_buf *out, uint32_t **offs, size_t *count, size_t *cap,
	const tree_view *v, size_t from, size_t to)
{
	size_t begin = from < v->count ? v->offs[from] : v->len;
	size_t stop = to < v->count ? v->offs[to] : v->len, base = out->len, k;
	int error;

	if (stop == begin)
		return 0; /* nothing (and no tree at all when v has no data) */
	if (base + (stop - begin) > UINT32_MAX)
		return ct_error_set(CT_EIO, "journal: a tree of more than 4 GiB");
	if ((error = reserve_offs(offs, cap, *count + (to - from))) < 0)
		return error;
	for (k = from; k < to; k++)
		(*offs)[(*count)++] = (uint32_t)(v->offs[k] - begin + base);
	return ct_buf_put(out, v->data + begin, stop - begin);
}

/*
 * The tree at dir (the path of dlen bytes, "" for the root; base its id there, NULL when there
 * is none yet) with files[0..n) set, every one of them under dir: its id into out, and the tree
 * kept for the next commit. 1 when computed; 0 when the files cannot be set by adding or
 * replacing files (a file where a folder is, or the reverse; a file that is not a plain one).
 * With `remove`, the files are taken out instead, each of which must be there as a plain file
 * with the blob named (else 0), and a folder left empty goes too, as git keeps no empty folder:
 * *empty says whether this one is. The entries between the changes are copied in pieces, never
 * looked at one by one.
 */
static int set_files(git_oid *out, int *empty, ct__treehash *th, const char *dir, size_t dlen,
	const git_oid *base, ct__tree_file *files, size_t n, int remove)
{
	tree_view old = {0};
	size_t i = 0, pos = 0; /* pos: the first entry of old not yet copied or replaced */
	uint32_t *offs = NULL;
	size_t count = 0, cap = 0;
	ct_buf next = CT_BUF_INIT;
	int error = 0;
	kept_tree *k;

	if (base && (error = load(&old, th, base, dir, dlen)) < 0)
		goto done;
	if ((error = ct_buf_reserve(&next, old.len + 256)) < 0)
		goto done;
	while (i < n) {
		const char *name = files[i].path + dlen + (dlen ? 1 : 0);
		const char *slash = strchr(name, '/');
		size_t nlen = slash ? (size_t)(slash - name) : strlen(name);
		size_t j = i + 1, at;
		int same = 0;
		entry e;

		if (nlen == 0)
			goto cannot;
		/* the files of one sub-folder are next to each other in the order of paths */
		if (slash)
			while (j < n &&
				strncmp(files[j].path + dlen + (dlen ? 1 : 0), name, nlen + 1) == 0)
				j++;
		at = lower_bound(&old, pos, name, nlen, slash != NULL);
		if (at < old.count) {
			entry_at(&e, &old, at);
			same = order(e.name, e.nlen, is_tree_mode(e.mode), name, nlen,
				       slash != NULL) == 0;
		}
		if (remove ? !same ||
					(slash ? !is_tree_mode(e.mode)
					       : (e.mode & 0170000) != 0100000 ||
								memcmp(e.id, files[i].blob.id,
									GIT_OID_RAWSZ) != 0)
			   : !same && other_type_named(&old, at, name, nlen, slash != NULL))
			goto cannot; /* not there to take out; or where a folder is, a file, or the reverse */
		if ((error = copy_entries(&next, &offs, &count, &cap, &old, pos, at)) < 0)
			goto done;
		pos = same ? at + 1 : at;
		if (slash) {
			git_oid sub, was;
			ct_buf subdir = CT_BUF_INIT;
			int rc, sub_empty = 0;
			if (same)
				git_oid_fromraw(&was, e.id);
			if ((error = ct_buf_put(
				     &subdir, files[i].path, (size_t)(slash - files[i].path))) < 0)
				goto done;
			rc = set_files(&sub, &sub_empty, th, subdir.ptr, subdir.len,
				same ? &was : NULL, files + i, j - i, remove);
			ct_buf_free(&subdir);
			if (rc <= 0) {
				error = rc;
				goto done;
			}
			if (!sub_empty && (error = reserve_offs(&offs, &cap, count + 1)) == 0) {
				offs[count++] = (uint32_t)next.len;
				error = put_entry(&next, "40000", name, nlen, sub.id);
			}
		} else if (!remove) {
			if ((error = reserve_offs(&offs, &cap, count + 1)) < 0)
				goto done;
			offs[count++] = (uint32_t)next.len;
			if (same) {
				if ((e.mode & 0170000) != 0100000)
					goto cannot; /* a symbolic link or a submodule: not ours to set */
				files[i].was = 1;
				git_oid_fromraw(&files[i].was_blob, e.id);
			}
			error = put_entry(&next, "100644", name, nlen, files[i].blob.id);
		}
		if (error < 0)
			goto done;
		i = j;
	}
	if ((error = copy_entries(&next, &offs, &count, &cap, &old, pos, old.count)) < 0 ||
		(error = hash_tree(out, (const unsigned char *)next.ptr, next.len)) < 0)
		goto done;
	*empty = next.len == 0;
	error = 1;
	/* kept for the next commit (old's bytes may be this slot's: not used from here on) */
	if (kept_at(th, dir, dlen) && (k = slot_for(th, dir, dlen, 1))) {
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
		free(k->offs);
		k->len = next.len;
		k->data = (unsigned char *)ct_buf_detach(&next);
		k->offs = offs;
		k->count = count;
		k->id = *out;
		offs = NULL;
	}
	goto done;
cannot:
	error = 0;
done:
	ct_buf_free(&next);
	free(offs);
	view_free(&old);
	return error;
}

static int apply(git_oid *out, ct__treehash *th, const git_oid *base, ct__tree_file *files,
	size_t n, int remove)
{
	size_t i;
	int empty;

	for (i = 0; i < n; i++) {
		files[i].was = 0;
		size_t len = strlen(files[i].path), parts = 1, k;
		/* in the order of paths, each once, none empty, absolute or with an empty part, and
		 * not deeper than any store claimtrail writes (the folders are made recursively) */
		for (k = 0; k < len; k++)
			parts += files[i].path[k] == '/';
		if ((i > 0 && strcmp(files[i - 1].path, files[i].path) >= 0) || len == 0 ||
			len > TREEHASH_PATH_MAX || parts > TREEHASH_DEPTH_MAX ||
			files[i].path[0] == '/' || strstr(files[i].path, "//") ||
			files[i].path[len - 1] == '/')
			return 0;
	}
	return n ? set_files(out, &empty, th, "", 0, base, files, n, remove) : 0;
}

int ct__treehash_apply(
	git_oid *out, ct__treehash *th, const git_oid *base, ct__tree_file *files, size_t n)
{
	return apply(out, th, base, files, n, 0);
}

int ct__treehash_remove(
	git_oid *out, ct__treehash *th, const git_oid *base, ct__tree_file *files, size_t n)
{
	return apply(out, th, base, files, n, 1);
}
