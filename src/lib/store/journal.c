/*
 * The commit journal: a cache, kept in the git directory (never in the store's history), of
 * which commit wrote which record file. git can only answer "which commits touched this path"
 * by walking the whole history; the journal lets `log` cost a claim's revisions instead.
 *
 * claimtrail appends to it after each of its own commits. Commits made any other way (git pull,
 * a plain git commit) are indexed the next time the journal is read, from their tree diffs;
 * when the branch was rewound or rewritten, the journal is rebuilt. Losing it loses nothing:
 * it is rebuilt from history. Format: docs/store.md, "The commit journal".
 */
#include "fileio.h"
#include "parallel.h"
#include "store_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_MAX ((size_t)1 << 31)

typedef struct {
	int fd;	     /* the journal, locked */
	ct_buf dir;  /* <gitdir>/claimtrail */
	ct_buf path; /* the journal's path */
	ct_buf head; /* the head file's path */
} journal;

/* Each store folder of a repository has its own journal (it indexes only that folder):
 * journal.<12 hex of SHA-256 of the folder> and journal-head.<same>. */
static void root_tag(char out[13], const ct_store *store)
{
	char hex[65];

	ct_sha256_hex(hex, (const uint8_t *)store->root, strlen(store->root));
	memcpy(out, hex, 12);
	out[12] = '\0';
}

/* A crash in the middle of an append can leave a torn last line: cut it off, so that the
 * next append starts a line of its own (the torn line's commit is indexed again on refresh). */
static int repair_tail(int fd)
{
	char buf[4096];
	struct stat st;
	off_t end, pos;

	if (fstat(fd, &st) < 0)
		return ct_error_set(CT_EIO, "journal: %s", strerror(errno));
	end = st.st_size;
	while (end > 0) {
		ssize_t n, i;
		pos = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
		n = pread(fd, buf, (size_t)(end - pos), pos);
		if (n <= 0)
			return ct_error_set(CT_EIO, "journal: cannot read");
		for (i = n; i > 0; i--)
			if (buf[i - 1] == '\n')
				break;
		if (i > 0) {
			end = pos + i;
			break;
		}
		end = pos;
	}
	if (end < st.st_size && ftruncate(fd, end) < 0)
		return ct_error_set(CT_EIO, "journal: %s", strerror(errno));
	return 0;
}

static int journal_open(journal *j, ct_store *store)
{
	char tag[13];
	int error = 0;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	root_tag(tag, store);
	/* journal2: version 2 adds the "d" lines; a version 1 journal is left alone (and an older
	 * claimtrail keeps using it), this one is built from history the first time */
	if ((error = ct_buf_printf(&j->dir, "%sclaimtrail", git_repository_path(store->repo))) <
			0 ||
		(error = ct_buf_printf(&j->head, "%s/journal2-head.%s", j->dir.ptr, tag)) < 0 ||
		(error = ct_buf_printf(&j->path, "%s/journal2.%s", j->dir.ptr, tag)) < 0)
		goto done;
	if (mkdir(j->dir.ptr, 0755) < 0 && errno != EEXIST) {
		error = ct_error_set(CT_EIO, "%s: %s", j->dir.ptr, strerror(errno));
		goto done;
	}
	j->fd = open(j->path.ptr, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (j->fd < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", j->path.ptr, strerror(errno));
		goto done;
	}
	if (flock(j->fd, LOCK_EX) < 0)
		error = ct_error_set(CT_EIO, "%s: cannot lock: %s", j->path.ptr, strerror(errno));
	else
		error = repair_tail(j->fd);
done:
	return error;
}

static void journal_close(journal *j)
{
	if (j->fd >= 0)
		close(j->fd); /* releases the lock */
	ct_buf_free(&j->dir);
	ct_buf_free(&j->path);
	ct_buf_free(&j->head);
}

/* The head file says "<branch> <commit>": the journal is complete up to that commit. */
static int read_head(const journal *j, const ct_store *store, git_oid *out)
{
	ct_buf data = CT_BUF_INIT;
	size_t blen = strlen(store->branch);
	int found = 0;

	if (ct_file_read(&data, j->head.ptr, 4096) == 0 && data.len == blen + 42 &&
		strncmp(data.ptr, store->branch, blen) == 0 && data.ptr[blen] == ' ' &&
		data.ptr[blen + 41] == '\n') {
		data.ptr[blen + 41] = '\0';
		found = git_oid_fromstr(out, data.ptr + blen + 1) == 0;
	}
	ct_error_clear();
	ct_buf_free(&data);
	return found;
}

static int write_head(const journal *j, const ct_store *store, const git_oid *commit)
{
	char hex[GIT_OID_HEXSZ + 1];
	ct_buf data = CT_BUF_INIT;
	int error;

	git_oid_tostr(hex, sizeof(hex), commit);
	if ((error = ct_buf_printf(&data, "%s %s\n", store->branch, hex)) == 0)
		error = ct_file_write_atomic(j->head.ptr, data.ptr, data.len, 0644);
	ct_buf_free(&data);
	return error;
}

static int append(const journal *j, const ct_buf *lines)
{
	return ct__write_all(j->fd, lines->ptr, lines->len, "journal");
}

int ct__journal_record(ct_store *store, const git_oid *commit, const git_oid *parent,
	int has_parent, const char *const *paths, size_t npaths)
{
	journal j;
	git_oid head;
	int have_head;
	char hex[GIT_OID_HEXSZ + 1];
	ct_buf lines = CT_BUF_INIT;
	struct stat st;
	size_t i;
	int error;

	if ((error = journal_open(&j, store)) < 0)
		goto done;
	have_head = read_head(&j, store, &head);
	/* Only extend a journal that is complete up to our parent; otherwise the next read
	 * indexes what is missing, ours included. */
	if (fstat(j.fd, &st) < 0)
		goto done;
	if (has_parent ? !(have_head && git_oid_equal(&head, parent)) : (have_head || st.st_size))
		goto done;
	git_oid_tostr(hex, sizeof(hex), commit);
	for (i = 0; i < npaths; i++)
		if ((error = ct_buf_printf(&lines, "%s c %s\n", hex, paths[i])) < 0)
			goto done;
	if ((error = append(&j, &lines)) < 0)
		goto done;
	error = write_head(&j, store, commit);
done:
	ct_buf_free(&lines);
	journal_close(&j);
	return error;
}

/* Which record a store path belongs to, in the form trailers name it: "claim/<id>",
 * "source/<id>", "key/<key-id>", "checkpoint/<id>", "annotation/<id>", "store". Empty when it
 * is none. */
static void path_record(char *out, size_t size, const char *root, const char *path)
{
	size_t rlen = strlen(root);
	const char *p = path + rlen + 1;
	const char *slash;
	char parts[4][80];
	int n = 0;

	out[0] = '\0';
	if (strncmp(path, root, rlen) != 0 || path[rlen] != '/')
		return;
	if (strcmp(p, "store.json") == 0) {
		snprintf(out, size, "store");
		return;
	}
	while (*p && n < 4) {
		size_t len;
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len >= sizeof(parts[0]))
			return;
		memcpy(parts[n], p, len);
		parts[n][len] = '\0';
		n++;
		p += len + (slash ? 1 : 0);
		if (!slash)
			break;
	}
	if (n < 2)
		return;
	if ((strcmp(parts[0], "key") == 0 || strcmp(parts[0], "checkpoint") == 0) && n == 2) {
		char *dot = strrchr(parts[1], '.');
		if (dot)
			*dot = '\0';
		snprintf(out, size, "%s/%s", parts[0], parts[1]);
	} else if (n == 4 && *p == '\0') {
		snprintf(out, size, "%s/%s", parts[0], parts[2]);
	} else if (n == 4 && strcmp(parts[3], "annotations") == 0) {
		char name[80];
		char *dot;
		snprintf(name, sizeof(name), "%s", p);
		if ((dot = strrchr(name, '.')))
			*dot = '\0';
		snprintf(out, size, "annotation/%s", name);
	}
}

/* Does the commit's message name the record a path belongs to? */
static int named_by(const git_message_trailer_array *trailers, int bulk, const char *record)
{
	size_t i;

	if (bulk)
		return 1;
	if (!record[0])
		return 0;
	for (i = 0; i < trailers->count; i++) {
		const char *v = trailers->trailers[i].value;
		size_t rlen = strlen(record);
		if (strcmp(trailers->trailers[i].key, "Claimtrail-Record") != 0)
			continue;
		/* "claim/x" or "claim/x@3" */
		if (strncmp(v, record, rlen) == 0 && (v[rlen] == '\0' || v[rlen] == '@'))
			return 1;
	}
	return 0;
}

/* 1 when a parent other than the first has this blob at path: the merge brought the file from
 * that parent's history (indexed there), it did not write it. */
static int from_other_parent(git_commit *commit, const char *path, const git_oid *blob)
{
	unsigned int i, n = git_commit_parentcount(commit);
	int found = 0;

	for (i = 1; i < n && !found; i++) {
		git_commit *p = NULL;
		git_tree *t = NULL;
		git_tree_entry *e = NULL;
		if (git_commit_parent(&p, commit, i) == 0 && git_commit_tree(&t, p) == 0 &&
			git_tree_entry_bypath(&e, t, path) == 0)
			found = git_oid_equal(git_tree_entry_id(e), blob);
		git_tree_entry_free(e);
		git_tree_free(t);
		git_commit_free(p);
	}
	return found;
}

/*
 * Two ways to read a tree, chosen when claimtrail is built (meson option journal_raw_trees, on
 * by default; docs/hacking.md). Raw (CT_JOURNAL_RAW_TREES): trees are read raw (git_odb_read)
 * and walked in place, as git does: a store's fan-out trees are deltas at the end of chains up
 * to 50 long in a cloned pack, and libgit2 caches only a chain's first object, so each read
 * applies the whole chain; parsing each tree into a git_tree (an entry array) on top cost a third
 * again. Otherwise libgit2's route: git_tree_lookup, and the entries of its git_tree. Everything
 * below this block (the walk in git's order, the comparison, the cache, the threads) is the same
 * on both routes: it sees a tree_obj, a tree_walk and its tree_items only.
 */
typedef struct {
	const char *name;
	size_t len;
	unsigned int mode;
	const unsigned char *id; /* GIT_OID_RAWSZ bytes */
} tree_item;

#ifdef CT_JOURNAL_RAW_TREES

typedef git_odb_object tree_obj;

/* a place in a tree's entries: where one starts in the tree's bytes */
typedef const unsigned char *walk_pos;

typedef struct {
	const unsigned char *p, *end;
} tree_walk;

static void tree_obj_free(tree_obj *tree)
{
	git_odb_object_free(tree);
}

static const git_oid *tree_obj_id(tree_obj *tree)
{
	return git_odb_object_id(tree);
}

/* a reference of one's own; < 0 (a libgit2 error) on failure */
static int tree_obj_dup(tree_obj **out, tree_obj *tree)
{
	return git_odb_object_dup(out, tree);
}

/* The tree with this id, read from odb (the raw route reads no git_tree, so repo is unused). */
static int tree_read(tree_obj **out, git_odb *odb, git_repository *repo, const git_oid *id)
{
	(void)repo;
	*out = NULL;
	if (git_odb_read(out, odb, id) < 0)
		return ct__git_error(CT_EIO, "journal: reading a tree");
	if (git_odb_object_type(*out) != GIT_OBJECT_TREE) {
		char hex[GIT_OID_HEXSZ + 1];
		git_odb_object_free(*out);
		*out = NULL;
		return ct_error_set(
			CT_EIO, "journal: %s is not a tree", git_oid_tostr(hex, sizeof(hex), id));
	}
	return 0;
}

static void walk_start(tree_walk *w, tree_obj *tree)
{
	w->p = tree ? git_odb_object_data(tree) : NULL;
	w->end = w->p ? w->p + git_odb_object_size(tree) : NULL;
}

static walk_pos walk_at(const tree_walk *w)
{
	return w->p;
}

/* how much of the tree there is from pos to its end (in bytes) */
static size_t walk_left(const tree_walk *w, walk_pos pos)
{
	return (size_t)(w->end - pos);
}

/* The next entry: 1, 0 at the end, or an error for a malformed tree. */
static int walk_next(tree_item *e, tree_walk *w)
{
	const unsigned char *p = w->p, *nul;

	if (!p || p == w->end)
		return 0;
	e->mode = 0;
	while (p < w->end && *p >= '0' && *p <= '7')
		e->mode = (e->mode << 3) | (unsigned int)(*p++ - '0');
	if (p == w->p || p == w->end || *p++ != ' ' ||
		!(nul = memchr(p, '\0', (size_t)(w->end - p))) || nul == p ||
		(size_t)(w->end - nul - 1) < GIT_OID_RAWSZ)
		return ct_error_set(CT_EIO, "journal: a malformed tree");
	e->name = (const char *)p;
	e->len = (size_t)(nul - p);
	e->id = nul + 1;
	w->p = nul + 1 + GIT_OID_RAWSZ;
	return 1;
}

/*
 * Two walks just started on two trees: moves both past the entries they begin with (byte for
 * byte) and returns how much they end with alike (in walk_left's unit): the entries between are
 * the only ones to compare, and in a fan-out folder that is one or two of hundreds.
 */
static size_t walk_skip_same(tree_walk *wb, tree_walk *wn)
{
	const unsigned char *start = wn->p, *next;
	size_t nb = (size_t)(wb->end - wb->p), nn = (size_t)(wn->end - wn->p);
	size_t n = nb < nn ? nb : nn;
	size_t head = 0, tail = 0;

	while (head + 64 <= n && memcmp(wb->p + head, wn->p + head, 64) == 0)
		head += 64;
	while (head < n && wb->p[head] == wn->p[head])
		head++;
	while ((next = memchr(wn->p, '\0', (size_t)(wn->end - wn->p))) &&
		(size_t)(next + 1 + GIT_OID_RAWSZ - start) <= head) {
		wb->p += next + 1 + GIT_OID_RAWSZ - wn->p;
		wn->p = next + 1 + GIT_OID_RAWSZ;
	}
	while (tail + 64 <= n && memcmp(wb->end - tail - 64, wn->end - tail - 64, 64) == 0)
		tail += 64;
	while (tail < n && wb->end[-(ptrdiff_t)tail - 1] == wn->end[-(ptrdiff_t)tail - 1])
		tail++;
	return tail;
}

#else /* libgit2's route */

typedef git_tree tree_obj;

/* a place in a tree's entries: an entry's index */
typedef size_t walk_pos;

typedef struct {
	const git_tree *tree;
	size_t i, n;
} tree_walk;

static void tree_obj_free(tree_obj *tree)
{
	git_tree_free(tree);
}

static const git_oid *tree_obj_id(tree_obj *tree)
{
	return git_tree_id(tree);
}

/* a reference of one's own; < 0 (a libgit2 error) on failure */
static int tree_obj_dup(tree_obj **out, tree_obj *tree)
{
	return git_tree_dup(out, tree);
}

/* The tree with this id, looked up in repo (libgit2's route reads no raw object: odb unused). */
static int tree_read(tree_obj **out, git_odb *odb, git_repository *repo, const git_oid *id)
{
	(void)odb;
	*out = NULL;
	if (git_tree_lookup(out, repo, id) < 0) {
		*out = NULL;
		return ct__git_error(CT_EIO, "journal: reading a tree");
	}
	return 0;
}

static void walk_start(tree_walk *w, tree_obj *tree)
{
	w->tree = tree;
	w->i = 0;
	w->n = tree ? git_tree_entrycount(tree) : 0;
}

static walk_pos walk_at(const tree_walk *w)
{
	return w->i;
}

/* how much of the tree there is from pos to its end (in entries) */
static size_t walk_left(const tree_walk *w, walk_pos pos)
{
	return w->n - pos;
}

static void item_of(tree_item *e, const git_tree_entry *entry)
{
	e->name = git_tree_entry_name(entry);
	e->len = strlen(e->name);
	e->mode = (unsigned int)git_tree_entry_filemode_raw(entry);
	e->id = git_tree_entry_id(entry)->id;
}

/* The next entry: 1, or 0 at the end (libgit2 checked the tree when it parsed it). */
static int walk_next(tree_item *e, tree_walk *w)
{
	if (w->i == w->n)
		return 0;
	item_of(e, git_tree_entry_byindex(w->tree, w->i++));
	return 1;
}

/* whether the entries at i in wb's tree and j in wn's are the same (name, mode, id) */
static int walk_same(const tree_walk *wb, size_t i, const tree_walk *wn, size_t j)
{
	const git_tree_entry *a = git_tree_entry_byindex(wb->tree, i);
	const git_tree_entry *b = git_tree_entry_byindex(wn->tree, j);

	return git_tree_entry_filemode_raw(a) == git_tree_entry_filemode_raw(b) &&
		git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b)) &&
		strcmp(git_tree_entry_name(a), git_tree_entry_name(b)) == 0;
}

/*
 * Two walks just started on two trees: moves both past the entries they begin with alike and
 * returns how many they end with alike (walk_left's unit): the entries between are the only ones
 * to compare, and in a fan-out folder that is one or two of hundreds.
 */
static size_t walk_skip_same(tree_walk *wb, tree_walk *wn)
{
	size_t tail = 0;

	while (wb->i < wb->n && wn->i < wn->n && walk_same(wb, wb->i, wn, wn->i)) {
		wb->i++;
		wn->i++;
	}
	while (tail < wb->n - wb->i && tail < wn->n - wn->i &&
		walk_same(wb, wb->n - tail - 1, wn, wn->n - tail - 1))
		tail++;
	return tail;
}

#endif /* CT_JOURNAL_RAW_TREES */

static git_object_t item_type(const tree_item *e)
{
	if ((e->mode & 0170000) == 0040000)
		return GIT_OBJECT_TREE;
	if ((e->mode & 0170000) == 0160000)
		return GIT_OBJECT_COMMIT;
	return GIT_OBJECT_BLOB;
}

/* walk_next for the entry of `before` in a comparison, keeping where it starts */
static int walk_old(tree_item *e, tree_walk *w, walk_pos *start)
{
	*start = walk_at(w);
	return walk_next(e, w);
}

/* git's order of tree entries: by name, a folder's name as if it ended in '/' */
static int item_cmp(const tree_item *a, const tree_item *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int cmp = memcmp(a->name, b->name, n);
	unsigned char ca, cb;

	if (cmp)
		return cmp;
	ca = a->len > n ? (unsigned char)a->name[n] : item_type(a) == GIT_OBJECT_TREE ? '/' : 0;
	cb = b->len > n ? (unsigned char)b->name[n] : item_type(b) == GIT_OBJECT_TREE ? '/' : 0;
	return ca < cb ? -1 : ca > cb;
}

/* The entry named name (len bytes): 1, 0 when there is none, or an error. */
static int tree_find(tree_item *out, tree_obj *tree, const char *name, size_t len)
{
	tree_walk w;
	int rc;

	walk_start(&w, tree);
	while ((rc = walk_next(out, &w)) == 1)
		if (out->len == len && memcmp(out->name, name, len) == 0)
			return 1;
	return rc;
}

/*
 * The trees read while indexing, kept by path. Commits are indexed parents first, and the tree a
 * commit's first parent has at a path is the one the last commit that changed that path wrote:
 * keeping the last tree seen at each path saves reading it again, as "before", when the path next
 * changes. Only the folders down to the fan-out ones are kept (<root>/<kind>/<2 hex>, a few
 * hundred); a record's own folder is rarely written twice. A slot holds one tree; its id decides
 * whether it is the one wanted.
 */
#define TREE_CACHE_SLOTS 2048

typedef struct {
	git_odb *odb;		/* the raw route reads trees through it */
	ct__treehash *computed; /* the trees a commit's trailers say it has (index_by_trailers) */
	tree_obj *slot[TREE_CACHE_SLOTS];
	git_oid last_commit; /* the commit indexed last, and its tree: usually the next one's parent */
	git_oid last_tree;
	int has_last;
} tree_cache;

static void tree_cache_free(tree_cache *cache)
{
	size_t i;

	for (i = 0; i < TREE_CACHE_SLOTS; i++)
		tree_obj_free(cache->slot[i]);
	ct__treehash_free(cache->computed);
	git_odb_free(cache->odb);
}

/* The slot for the tree at path (len bytes), or -1 when trees there are not kept. */
static long cache_slot(const ct_store *store, const char *path, size_t len)
{
	size_t rlen = strlen(store->root), i, depth = 0;
	uint32_t h = 2166136261u;

	if (len > rlen)
		for (i = rlen; i < len; i++)
			depth += path[i] == '/';
	if (depth > 2)
		return -1;
	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)path[i]) * 16777619u;
	return (long)(h % TREE_CACHE_SLOTS);
}

/* The tree with this id, found at path (len bytes), into *out (the caller's reference:
 * tree_obj_free it): from the cache, or read and kept there. 0, or an error. */
static int cached_tree(tree_obj **out, tree_cache *cache, ct_store *store, const git_oid *id,
	const char *path, size_t len)
{
	long k = cache_slot(store, path, len);
	tree_obj *tree = NULL;
	int error;

	*out = NULL;
	if (k < 0)
		return tree_read(out, cache->odb, store->repo, id);
	if (!cache->slot[k] || !git_oid_equal(tree_obj_id(cache->slot[k]), id)) {
		if ((error = tree_read(&tree, cache->odb, store->repo, id)) < 0)
			return error;
		tree_obj_free(cache->slot[k]);
		cache->slot[k] = tree;
	}
	return tree_obj_dup(out, cache->slot[k]) < 0
		? ct__git_error(CT_EIO, "journal: reading a tree")
		: 0;
}

static int cached_item_tree(tree_obj **out, tree_cache *cache, ct_store *store, const tree_item *e,
	const char *path, size_t len)
{
	git_oid id;

	git_oid_fromraw(&id, e->id);
	return cached_tree(out, cache, store, &id, path, len);
}

/* The tree at path under parent, through the cache (NULL when there is none). */
static int cached_subtree(
	tree_obj **out, tree_cache *cache, ct_store *store, tree_obj *parent, const char *path)
{
	tree_obj *tree = NULL;
	const char *p = path;
	int error = 0;

	*out = NULL;
	if (!parent || !*path)
		return 0;
	if (tree_obj_dup(&tree, parent) < 0)
		return ct__git_error(CT_EIO, "journal: reading a tree");
	while (tree && *p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		tree_obj *sub = NULL;
		tree_item e;
		int rc;

		if (len == 0)
			break;
		if ((rc = tree_find(&e, tree, p, len)) < 0)
			error = rc;
		else if (rc == 1 && item_type(&e) == GIT_OBJECT_TREE)
			error = cached_item_tree(
				&sub, cache, store, &e, path, (size_t)(p - path) + len);
		tree_obj_free(tree);
		tree = sub;
		if (error < 0 || !tree)
			break;
		p += len + (slash ? 1 : 0);
	}
	if (error == 0 && tree && *p == '\0')
		*out = tree;
	else
		tree_obj_free(tree);
	return error;
}

/* What one commit's lines need while its trees are compared. */
typedef struct {
	ct_buf *lines;
	ct_store *store;
	tree_cache *cache;
	git_commit *commit;
	const git_message_trailer_array *trailers;
	int bulk;
	int removals_only; /* comparing a merge with a parent other than the first */
	char hex[GIT_OID_HEXSZ + 1];
} indexing;

/* A "d" line: the commit removed the file at path (relative to its first parent). */
static int emit_deleted(indexing *ix, const char *path)
{
	return ct_buf_printf(ix->lines, "%s d %s\n", ix->hex, path);
}

/* Every file under the entry `gone` (at path) was removed. */
static int emit_deleted_tree(indexing *ix, const tree_item *gone, ct_buf *path)
{
	tree_obj *tree = NULL;
	tree_walk w;
	tree_item e;
	size_t base = path->len;
	int error = 0, rc;

	if (item_type(gone) == GIT_OBJECT_BLOB)
		return emit_deleted(ix, path->ptr);
	if (item_type(gone) != GIT_OBJECT_TREE)
		return 0;
	if ((error = cached_item_tree(&tree, ix->cache, ix->store, gone, path->ptr, path->len)) < 0)
		return error;
	walk_start(&w, tree);
	while (error == 0 && (rc = walk_next(&e, &w)) != 0) {
		if (rc < 0) {
			error = rc;
			break;
		}
		path->len = base;
		if ((error = ct_buf_printf(path, "/%.*s", (int)e.len, e.name)) == 0)
			error = emit_deleted_tree(ix, &e, path);
	}
	ct_buf_truncate(path, base);
	tree_obj_free(tree);
	return error;
}

/* The entry of `before` that `now` does not have (or has as another type): removed. */
static int emit_removed(indexing *ix, const tree_item *old, ct_buf *path)
{
	size_t base = path->len;
	int error = ct_buf_printf(path, "/%.*s", (int)old->len, old->name);

	if (error == 0)
		error = emit_deleted_tree(ix, old, path);
	ct_buf_truncate(path, base);
	return error;
}

static int emit(indexing *ix, const char *path, const unsigned char *raw)
{
	char record[200];
	git_oid blob;

	git_oid_fromraw(&blob, raw);
	if (ix->removals_only ||
		(ix->commit && git_commit_parentcount(ix->commit) > 1 &&
			from_other_parent(ix->commit, path, &blob)))
		return 0;
	path_record(record, sizeof(record), ix->store->root, path);
	/* "<commit> <c|g> <path>\n" */
	return ct_buf_puts(ix->lines, ix->hex) < 0 ||
			ct_buf_puts(ix->lines,
				named_by(ix->trailers, ix->bulk, record) ? " c " : " g ") < 0 ||
			ct_buf_puts(ix->lines, path) < 0 || ct_buf_putc(ix->lines, '\n') < 0
		? ct__oom()
		: 0;
}

/*
 * Emits every blob of `now` that `before` (may be NULL) does not have with the same id, and a
 * "d" line for every blob of `before` that `now` does not have, descending only into subtrees
 * whose ids differ. A commit that writes one record touches one path, so this reads a handful
 * of small trees where a general diff would do far more work.
 */
static int compare_trees(indexing *ix, tree_obj *before, tree_obj *now, ct_buf *path)
{
	tree_walk wb, wn;
	tree_item e, old;
	int has_old, rc;
	walk_pos old_start = 0;
	size_t base = path->len, tail = 0;
	int error = 0;

	walk_start(&wb, before);
	walk_start(&wn, now);
	/* the entries both begin and end with are the same: only those between are walked */
	if (before && now)
		tail = walk_skip_same(&wb, &wn);
	if ((has_old = walk_old(&old, &wb, &old_start)) < 0)
		return has_old;
	while (error == 0) {
		int cmp = 1, same = 0;

		if (has_old == 1 && walk_left(&wn, walk_at(&wn)) <= tail &&
			walk_left(&wn, walk_at(&wn)) == walk_left(&wb, old_start)) {
			has_old = 0; /* the rest of both is the same */
			break;
		}
		if ((rc = walk_next(&e, &wn)) <= 0) {
			error = rc;
			break;
		}
		ct_buf_truncate(path, base); /* the entry before may have extended it */
		/* both lists are in git's order: walk them together; what `before` has and `now`
		 * does not was removed */
		while (has_old == 1 && (cmp = item_cmp(&old, &e)) < 0) {
			if ((error = emit_removed(ix, &old, path)) < 0 ||
				(error = has_old = walk_old(&old, &wb, &old_start)) < 0)
				break;
			error = 0;
		}
		if (error < 0)
			break;
		if (has_old == 1 && cmp == 0) {
			same = 1;
			if (item_type(&old) != item_type(&e)) {
				/* a file became a folder or the reverse: the old one is gone */
				if ((error = emit_removed(ix, &old, path)) < 0)
					break;
				same = 0;
			}
		}
		if (same && memcmp(old.id, e.id, GIT_OID_RAWSZ) == 0) {
			if ((has_old = walk_old(&old, &wb, &old_start)) < 0)
				error = has_old;
			continue;
		}
		path->len = base;
		if ((error = ct_buf_printf(path, "/%.*s", (int)e.len, e.name)) < 0)
			break;
		if (item_type(&e) == GIT_OBJECT_TREE) {
			tree_obj *sub = NULL, *oldsub = NULL;
			/* the parent's side first: the cache has it, and then keeps ours */
			if ((!same || item_type(&old) != GIT_OBJECT_TREE ||
				    (error = cached_item_tree(&oldsub, ix->cache, ix->store, &old,
					     path->ptr, path->len)) == 0) &&
				(error = cached_item_tree(&sub, ix->cache, ix->store, &e, path->ptr,
					 path->len)) == 0)
				error = compare_trees(ix, oldsub, sub, path);
			tree_obj_free(sub);
			tree_obj_free(oldsub);
		} else if (item_type(&e) == GIT_OBJECT_BLOB) {
			error = emit(ix, path->ptr, e.id);
		}
		if (error == 0 && has_old == 1 && cmp == 0 &&
			(has_old = walk_old(&old, &wb, &old_start)) < 0)
			error = has_old;
	}
	ct_buf_truncate(path, base);
	/* what is left of `before` sorts after everything `now` has: gone */
	while (error == 0 && has_old == 1) {
		if ((error = emit_removed(ix, &old, path)) == 0 &&
			(has_old = walk_old(&old, &wb, &old_start)) < 0)
			error = has_old;
	}
	return error;
}

/*
 * The store folder of commit's parent n (NULL when it has none): 0, or an error.
 */
static int parent_store_tree(
	tree_obj **out, tree_cache *cache, ct_store *store, git_commit *commit, unsigned n)
{
	git_commit *parent = NULL;
	tree_obj *tree = NULL;
	int error;

	*out = NULL;
	if (git_commit_parent(&parent, commit, n) < 0) {
		git_commit_free(parent);
		return ct__git_error(CT_EIO, "journal: reading history");
	}
	if ((error = cached_tree(&tree, cache, store, git_commit_tree_id(parent), "", 0)) == 0)
		error = cached_subtree(out, cache, store, tree, store->root);
	tree_obj_free(tree);
	git_commit_free(parent);
	return error;
}

/* The tree id of commit's first parent: the commit indexed last, usually. */
static int first_parent_tree(git_oid *out, tree_cache *cache, ct_store *store, git_commit *commit)
{
	const git_oid *id = git_commit_parent_id(commit, 0);
	git_commit *parent = NULL;

	if (cache->has_last && git_oid_equal(id, &cache->last_commit)) {
		git_oid_cpy(out, &cache->last_tree);
		return 0;
	}
	if (git_commit_lookup(&parent, store->repo, id) < 0)
		return ct__git_error(CT_EIO, "journal: reading history");
	git_oid_cpy(out, git_commit_tree_id(parent));
	git_commit_free(parent);
	return 0;
}

static int path_order(const void *a, const void *b)
{
	return strcmp(((const ct__tree_file *)a)->path, ((const ct__tree_file *)b)->path);
}

/*
 * The lines of a commit with one parent whose "Claimtrail-Blob: <blob> <path>" trailers name
 * every file it wrote (claimtrail's commits do, docs/store.md), confirmed without reading the
 * commit's trees: the parent's tree with those files set is computed and hashed, and only when
 * that is the commit's tree are the files the commit's changes (no other file changed, none was
 * removed). 1 when done, 0 when the commit must be compared tree by tree (no such trailers, a
 * bulk import, a file outside the store, or trailers that are not the whole truth), or an error.
 */
/* The files a commit's Claimtrail-Blob trailers name, in the order of paths, into files (at
 * most max): their number, or 0 when there are none or they cannot be used (a bulk import, a
 * file outside the store, more than max, a malformed value). */
static size_t blob_files(ct__tree_file *files, size_t max,
	const git_message_trailer_array *trailers, const ct_store *store)
{
	size_t i, n = 0, rlen = strlen(store->root);

	for (i = 0; i < trailers->count; i++) {
		const char *key = trailers->trailers[i].key, *v = trailers->trailers[i].value;
		if (strcmp(key, "Claimtrail-Import") == 0)
			return 0;
		if (strcmp(key, "Claimtrail-Blob") != 0)
			continue;
		if (n == max || strlen(v) < GIT_OID_HEXSZ + 2 || v[GIT_OID_HEXSZ] != ' ' ||
			git_oid_fromstrn(&files[n].blob, v, GIT_OID_HEXSZ) < 0 ||
			strncmp(v + GIT_OID_HEXSZ + 1, store->root, rlen) != 0 ||
			v[GIT_OID_HEXSZ + 1 + rlen] != '/')
			return 0;
		files[n++].path = v + GIT_OID_HEXSZ + 1;
	}
	qsort(files, n, sizeof(files[0]), path_order);
	return n;
}

static int index_by_trailers(ct_buf *lines, tree_cache *cache, ct_store *store, const git_oid *oid,
	const git_oid *tree, const git_oid *parent_tree, const git_message_trailer_array *trailers)
{
	ct__tree_file files[CT__BLOB_TRAILERS_MAX];
	size_t i, n = blob_files(files, CT__BLOB_TRAILERS_MAX, trailers, store);
	indexing ix;
	git_oid computed;
	int rc;

	if (n == 0)
		return 0;
	if ((rc = ct__treehash_apply(&computed, cache->computed, parent_tree, files, n)) <= 0)
		return rc;
	if (!git_oid_equal(&computed, tree))
		return 0;
	memset(&ix, 0, sizeof(ix)); /* no commit: emit asks it only about a merge's parents */
	ix.lines = lines;
	ix.store = store;
	ix.cache = cache;
	ix.trailers = trailers;
	git_oid_tostr(ix.hex, sizeof(ix.hex), oid);
	for (i = 0; i < n; i++)
		if ((!files[i].was || !git_oid_equal(&files[i].was_blob, &files[i].blob)) &&
			(rc = emit(&ix, files[i].path, files[i].blob.id)) < 0)
			return rc;
	return 1;
}

/*
 * A commit of a history without merges, as the walk read it (walk_linear): what indexing it by
 * its trailers needs, so that it is not read a second time. message is NULL for a commit
 * without "Claimtrail-Blob" trailers (or a root): it is read again and compared.
 */
typedef struct {
	git_oid id, tree, parent;
	char *message;
} walked_commit;

/* index_by_trailers for a walked commit: 1 when done, 0 when it must be compared, or an error. */
static int index_walked(ct_buf *lines, tree_cache *cache, ct_store *store, const walked_commit *w)
{
	git_message_trailer_array trailers = {0};
	git_commit *parent = NULL;
	git_oid ptree;
	int rc;

	if (cache->has_last && git_oid_equal(&w->parent, &cache->last_commit)) {
		git_oid_cpy(&ptree, &cache->last_tree);
	} else {
		if (git_commit_lookup(&parent, store->repo, &w->parent) < 0)
			return ct__git_error(CT_EIO, "journal: reading history");
		git_oid_cpy(&ptree, git_commit_tree_id(parent));
		git_commit_free(parent);
	}
	if (git_message_trailers(&trailers, w->message) < 0)
		return 0;
	rc = index_by_trailers(lines, cache, store, &w->id, &w->tree, &ptree, &trailers);
	git_message_trailer_array_free(&trailers);
	if (rc == 1) {
		git_oid_cpy(&cache->last_commit, &w->id);
		git_oid_cpy(&cache->last_tree, &w->tree);
		cache->has_last = 1;
	}
	return rc;
}

/*
 * Appends the lines for one commit made by anyone: the store files it added or changed
 * relative to its first parent (for a merge, those no other parent already had), and a "d"
 * line for every file its first parent had and it has not (a commit that removes the whole
 * store folder too). A merge also gets a "d" line for every file another parent had that the
 * merge does not: a merge from a history without the store (an orphan branch) must not hide a
 * removal.
 */
static int index_commit(ct_buf *lines, tree_cache *cache, ct_store *store, const git_oid *oid,
	const walked_commit *w)
{
	git_commit *commit = NULL;
	tree_obj *tree = NULL, *ptree = NULL, *now = NULL, *before = NULL;
	git_message_trailer_array trailers = {0};
	git_oid ptree_id;
	ct_buf path = CT_BUF_INIT;
	indexing ix;
	size_t i;
	int error = 0;

	/* read by the walk already: confirmed by its trailers without reading it again */
	if (w && w->message && (error = index_walked(lines, cache, store, w)) != 0)
		return error < 0 ? error : 0;
	if (git_commit_lookup(&commit, store->repo, oid) < 0) {
		error = ct__git_error(CT_EIO, "journal: reading history");
		goto done;
	}
	if (git_message_trailers(&trailers, git_commit_message(commit)) < 0)
		memset(&trailers, 0, sizeof(trailers));
	if (git_commit_parentcount(commit) > 0 &&
		(error = first_parent_tree(&ptree_id, cache, store, commit)) < 0)
		goto done;
	git_oid_cpy(&cache->last_commit, oid);
	git_oid_cpy(&cache->last_tree, git_commit_tree_id(commit));
	cache->has_last = 1;
	if (git_commit_parentcount(commit) == 1 && !(w && w->message) &&
		(error = index_by_trailers(lines, cache, store, oid, git_commit_tree_id(commit),
			 &ptree_id, &trailers)) != 0) {
		error = error < 0 ? error : 0;
		goto done;
	}
	/* the parent's side first: the cache has it (see tree_cache), and then keeps ours */
	if ((git_commit_parentcount(commit) > 0 &&
		    (error = cached_tree(&ptree, cache, store, &ptree_id, "", 0)) < 0) ||
		(error = cached_tree(&tree, cache, store, git_commit_tree_id(commit), "", 0)) < 0)
		goto done;
	if ((error = cached_subtree(&before, cache, store, ptree, store->root)) < 0 ||
		(error = cached_subtree(&now, cache, store, tree, store->root)) < 0)
		goto done;
	if ((!now && !before) ||
		(now && before && git_oid_equal(tree_obj_id(before), tree_obj_id(now)) &&
			git_commit_parentcount(commit) < 2))
		goto done; /* the commit did not touch the store */
	ix.lines = lines;
	ix.store = store;
	ix.cache = cache;
	ix.commit = commit;
	ix.trailers = &trailers;
	ix.bulk = 0;
	for (i = 0; i < trailers.count; i++)
		if (strcmp(trailers.trailers[i].key, "Claimtrail-Import") == 0)
			ix.bulk = 1;
	ix.removals_only = 0;
	git_oid_tostr(ix.hex, sizeof(ix.hex), oid);
	if ((error = ct_buf_puts(&path, store->root)) < 0 ||
		(error = compare_trees(&ix, before, now, &path)) < 0)
		goto done;
	ix.removals_only = 1;
	for (i = 1; i < git_commit_parentcount(commit) && error == 0; i++) {
		tree_obj *other = NULL;
		if ((error = parent_store_tree(&other, cache, store, commit, (unsigned)i)) == 0 &&
			other && !(now && git_oid_equal(tree_obj_id(other), tree_obj_id(now)))) {
			ct_buf_truncate(&path, strlen(store->root));
			error = compare_trees(&ix, other, now, &path);
		}
		tree_obj_free(other);
	}
done:
	ct_buf_free(&path);
	git_message_trailer_array_free(&trailers);
	tree_obj_free(now);
	tree_obj_free(before);
	tree_obj_free(ptree);
	tree_obj_free(tree);
	git_commit_free(commit);
	return error;
}

/*
 * A run of commits to index, oldest first: pending[first - 1] down to pending[last]. Every share
 * but the calling thread's reads through a repository handle of its own (libgit2 objects are
 * not shared between threads); each has its own tree cache and lines.
 */
typedef struct {
	ct_store *store;
	const git_oid *pending;
	const walked_commit *walked; /* the same commits, as walk_linear read them; or NULL */
	size_t first, last;
	unsigned own; /* 0 for the calling thread's share, else its number */
	ct_buf lines;
	int error;
	char *message;
} index_share;

/*
 * What a thread indexes with: *mine, a copy of store whose repository is a handle of the thread's
 * own when `own` is not 0 (the calling thread's share uses store's), and a tree cache reading
 * through it. 0, or an error (what was made is freed by indexer_close).
 */
static int indexer_open(ct_store *mine, tree_cache **cache, const ct_store *store, unsigned own)
{
	ct_buf objects = CT_BUF_INIT;
	size_t i, depth;
	int error = 0;

	*mine = *store;
	mine->repo = NULL;
	if (!(*cache = calloc(1, sizeof(**cache))))
		return ct__oom();
	if (own) {
		/* the objects folder under a name of its own ("objects/./", "objects/././", ...):
		 * libgit2 shares an open pack, its locks and its cache of delta bases between the
		 * handles that name it alike, and two threads taking the same pack's locks for
		 * every object cost more than the second thread saves */
		git_odb *odb = NULL;
		size_t k;
		if ((error = ct_buf_printf(
			     &objects, "%sobjects", git_repository_commondir(store->repo))) < 0)
			goto done;
		for (k = 0; k < own && error == 0; k++)
			error = ct_buf_puts(&objects, "/.");
		if (error < 0)
			goto done;
		if (git_odb_open(&odb, objects.ptr) < 0 ||
			git_repository_wrap_odb(&mine->repo, odb) < 0)
			error = ct__git_error(
				CT_EIO, "journal: opening the repository on a thread");
		git_odb_free(odb);
		if (error < 0)
			goto done;
	} else {
		mine->repo = store->repo;
	}
	if (git_repository_odb(&(*cache)->odb, mine->repo) < 0) {
		error = ct__git_error(CT_EIO, "journal: opening the object database");
		goto done;
	}
	/* kept: the trees down to the fan-out folders, <root>/<kind>/<2 hex> (as tree_cache) */
	for (i = 0, depth = 3; store->root[i]; i++)
		depth += store->root[i] == '/';
	error = ct__treehash_new(&(*cache)->computed, (*cache)->odb, depth);
done:
	ct_buf_free(&objects);
	return error;
}

static void indexer_close(ct_store *mine, tree_cache *cache, const ct_store *store)
{
	if (cache)
		tree_cache_free(cache);
	free(cache);
	if (mine->repo != store->repo)
		git_repository_free(mine->repo);
	mine->repo = NULL;
}

/* A thread's error, kept for the calling thread (the message is the thread's own). */
static void share_failed(int *error_out, char **message, int error)
{
	if (error < 0 && *error_out == 0) {
		*error_out = error;
		*message = strdup(ct_error_last());
	}
}

static void *index_some(void *arg)
{
	index_share *sh = arg;
	ct_store mine;
	tree_cache *cache = NULL;
	size_t i;
	int error;

	if ((error = indexer_open(&mine, &cache, sh->store, sh->own)) == 0)
		for (i = sh->first; i > sh->last && error == 0; i--)
			error = index_commit(&sh->lines, cache, &mine, &sh->pending[i - 1],
				sh->walked ? &sh->walked[i - 1] : NULL);
	indexer_close(&mine, cache, sh->store);
	share_failed(&sh->error, &sh->message, error);
	return NULL;
}

/* Below this many commits, the calling thread indexes them alone. */
#define INDEX_PARALLEL_MIN 2048
#define INDEX_THREADS_MAX 8

/*
 * Appends the lines of the pending commits (newest first in the array) to lines, oldest first.
 * Commits are independent once the list is known: a long list is cut into one run a thread, each
 * run's lines kept apart and appended in order, so the journal is the same on any number of
 * threads.
 */
static int index_all(ct_buf *lines, ct_store *store, const git_oid *pending,
	const walked_commit *walked, size_t npending)
{
	index_share shares[INDEX_THREADS_MAX];
	size_t t = npending < INDEX_PARALLEL_MIN ? 1 : ct__parallel_threads(0, INDEX_THREADS_MAX);
	size_t k;
	int error = 0;

	for (k = 0; k < t; k++) {
		memset(&shares[k], 0, sizeof(shares[k]));
		shares[k].store = store;
		shares[k].pending = pending;
		shares[k].walked = walked;
		shares[k].first = npending - npending * k / t;
		shares[k].last = npending - npending * (k + 1) / t;
		shares[k].own = (unsigned)k;
	}
	ct__parallel(shares, sizeof(shares[0]), t, index_some);
	for (k = 0; k < t; k++) {
		if (error == 0 && shares[k].error < 0)
			error = shares[k].message
				? ct_error_set(shares[k].error, "%s", shares[k].message)
				: shares[k].error;
		if (error == 0)
			error = ct_buf_put(lines, shares[k].lines.ptr, shares[k].lines.len);
		ct_buf_free(&shares[k].lines);
		free(shares[k].message);
	}
	return error;
}

/* The commit's message in its raw bytes (len): what follows the headers' blank line, less the
 * newlines it may begin with (as git_commit_message gives it); NULL when there is none. */
static const char *raw_message(const char *data, size_t len, size_t *mlen)
{
	const char *end = data + len, *p = data;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return NULL;
		if (nl == p)
			break; /* the blank line */
		p = nl + 1;
	}
	if (p >= end)
		return NULL;
	for (p++; p < end && *p == '\n'; p++)
		;
	*mlen = (size_t)(end - p);
	return p;
}

/* Whether a message (len bytes) has a line that begins "Claimtrail-Blob: " after its first. */
static int names_blobs(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) && end - p > 18) {
		if (memcmp(p + 1, "Claimtrail-Blob: ", 17) == 0)
			return 1;
		p++;
	}
	return 0;
}

/*
 * Reads commit `at` into w: its id, tree and first parent, and its message when it names blobs
 * (and has one parent); how many parents it has into *parents (more than 1 for a malformed
 * one too: libgit2's walk then says what is wrong). 0, or an error.
 */
static int read_walked(walked_commit *w, size_t *parents, git_odb *odb, const git_oid *at)
{
	git_odb_object *obj = NULL;
	const char *data, *msg;
	size_t len, mlen = 0;
	int error = 0;

	memset(w, 0, sizeof(*w));
	*parents = 0;
	w->id = *at;
	if (git_odb_read(&obj, odb, at) < 0)
		return ct__git_error(CT_EIO, "journal: reading history");
	data = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	if (git_odb_object_type(obj) != GIT_OBJECT_COMMIT || len < 46 ||
		memcmp(data, "tree ", 5) != 0 || data[45] != '\n' ||
		git_oid_fromstrn(&w->tree, data + 5, GIT_OID_HEXSZ) < 0) {
		error = ct_error_set(CT_EIO, "journal: a malformed commit");
		goto done;
	}
	for (data += 46, len -= 46;
		len >= 48 && memcmp(data, "parent ", 7) == 0 && data[47] == '\n';
		data += 48, len -= 48)
		if ((*parents)++ == 0 && git_oid_fromstrn(&w->parent, data + 7, GIT_OID_HEXSZ) < 0)
			*parents = 3;
	msg = raw_message(data, len, &mlen);
	if (*parents == 1 && msg && names_blobs(msg, mlen) && !(w->message = strndup(msg, mlen)))
		error = ct__oom();
done:
	git_odb_object_free(obj);
	return error;
}

/*
 * Walks the branch from its head through first parents down to stop (the journal's head; NULL:
 * to the root), reading each commit once, into *out (newest first, *n of them): 1 when the
 * history there has no merge, 0 when it has one or the journal's head is not on that line (the
 * caller walks with libgit2's revwalk, whose order a merge's branches need), or an error. The
 * message of a commit with Claimtrail-Blob trailers is kept for index_walked, so that indexing
 * does not read such a commit again unless its trailers do not confirm it.
 */
static int walk_linear(walked_commit **out, size_t *n, ct_store *store, const git_oid *stop)
{
	git_odb *odb = NULL;
	walked_commit *list = NULL;
	size_t count = 0, cap = 0, parents = 0;
	git_oid at = store->head;
	int error = 0, linear = 1;

	if (git_repository_odb(&odb, store->repo) < 0)
		return ct__git_error(CT_EIO, "journal: opening the object database");
	while (!(stop && git_oid_equal(&at, stop))) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			walked_commit *t = realloc(list, ncap * sizeof(*t));
			if (!t) {
				error = ct__oom();
				break;
			}
			list = t;
			cap = ncap;
		}
		if ((error = read_walked(&list[count], &parents, odb, &at)) < 0)
			break;
		count++;
		if (parents != 1) {
			/* a merge; or the root, which the journal's head should have come before */
			linear = parents == 0 && !stop;
			break;
		}
		at = list[count - 1].parent;
	}
	git_odb_free(odb);
	if (error < 0 || !linear) {
		while (count > 0)
			free(list[--count].message);
		free(list);
		return error < 0 ? error : 0;
	}
	*out = list;
	*n = count;
	return 1;
}

/*
 * Indexing a history without merges from both ends at once (the first read after a clone). The
 * calling thread walks it from the head, reading each commit once, and publishes each commit as
 * it goes; meanwhile a second thread indexes them backward, newest first, confirming each
 * claimtrail commit by taking its Claimtrail-Blob files out of its tree (ct__treehash_remove)
 * and comparing with its parent's. When the walk reaches the root, the calling thread indexes
 * forward from the oldest, as index_some does, until the two meet. The walk costs no thread's
 * time alone, and neither end reads a tree from the middle of history, the deepest deltas of a
 * cloned pack (the head's trees are the pack's bases). The lines are put in history's order at
 * the end, so the journal is the one any other way writes.
 */
#define WALK_BLOCK 4096
#define WALK_BLOCKS 4096 /* commits in blocks that never move: at most 16,777,216 */

typedef struct {
	walked_commit *block[WALK_BLOCKS];
	size_t count;	  /* walked and published, newest first */
	int done;	  /* the walk reached the root: count is all */
	int abandon;	  /* a merge, an error: the revwalk's way instead */
	size_t next_back; /* the backward thread's next commit */
	size_t low_fwd;	  /* the forward side's last commit taken; SIZE_MAX before it starts */
	pthread_mutex_t lock;
	pthread_cond_t more;
} walk_log;

static walked_commit *walked_at(walk_log *wl, size_t i)
{
	return &wl->block[i / WALK_BLOCK][i % WALK_BLOCK];
}

typedef struct {
	walk_log *wl;
	ct_store *store;
	unsigned own;	/* 0: the walk and the forward side; 1: the backward side */
	ct_buf lines;	/* forward: oldest first; backward: newest first, commit by commit */
	size_t *starts; /* backward: where commit i's lines begin in lines */
	size_t nstarts, cap;
	int error;
	char *message;
} both_ends_share;

/* A commit indexed backward: confirmed when taking its files out of its tree gives its parent's
 * (parent_tree; NULL for a root), else compared tree by tree. 0, or an error. */
static int index_back(ct_buf *lines, tree_cache *cache, ct_store *store, const walked_commit *w,
	const git_oid *parent_tree)
{
	ct__tree_file files[CT__BLOB_TRAILERS_MAX];
	git_message_trailer_array trailers = {0};
	git_oid computed;
	size_t i, n;
	int rc = 0;

	if (w->message && parent_tree && git_message_trailers(&trailers, w->message) == 0 &&
		(n = blob_files(files, CT__BLOB_TRAILERS_MAX, &trailers, store)) > 0 &&
		(rc = ct__treehash_remove(&computed, cache->computed, &w->tree, files, n)) == 1 &&
		git_oid_equal(&computed, parent_tree)) {
		/* its parent lacks every one of the files: each was added */
		indexing ix;
		memset(&ix, 0, sizeof(ix));
		ix.lines = lines;
		ix.store = store;
		ix.cache = cache;
		ix.trailers = &trailers;
		git_oid_tostr(ix.hex, sizeof(ix.hex), &w->id);
		for (i = 0; i < n && rc >= 0; i++)
			rc = emit(&ix, files[i].path, files[i].blob.id);
		git_message_trailer_array_free(&trailers);
		return rc < 0 ? rc : 0;
	}
	git_message_trailer_array_free(&trailers);
	if (rc < 0)
		return rc;
	return index_commit(lines, cache, store, &w->id, NULL);
}

/* The next commit for the backward side: 1 and *i, or 0 when there is none left. */
static int take_back(walk_log *wl, size_t *i, const git_oid **parent_tree)
{
	int got = 0;

	pthread_mutex_lock(&wl->lock);
	/* a commit and its parent both walked, or the walk over */
	while (!wl->abandon && !wl->done && wl->next_back + 1 >= wl->count)
		pthread_cond_wait(&wl->more, &wl->lock);
	if (!wl->abandon && wl->next_back < (wl->low_fwd == SIZE_MAX ? wl->count : wl->low_fwd)) {
		*i = wl->next_back++;
		*parent_tree = *i + 1 < wl->count ? &walked_at(wl, *i + 1)->tree : NULL;
		got = 1;
	}
	pthread_mutex_unlock(&wl->lock);
	return got;
}

/* The next commit for the forward side, from the oldest: 1 and *i, or 0 when the two met. */
static int take_forward(walk_log *wl, size_t *i)
{
	int got = 0;

	pthread_mutex_lock(&wl->lock);
	if (wl->low_fwd == SIZE_MAX)
		wl->low_fwd = wl->count;
	if (wl->low_fwd > wl->next_back) {
		*i = --wl->low_fwd;
		got = 1;
	}
	pthread_mutex_unlock(&wl->lock);
	return got;
}

static void walk_publish(walk_log *wl, size_t count, int done, int abandon)
{
	pthread_mutex_lock(&wl->lock);
	wl->count = count;
	wl->done = done;
	wl->abandon = abandon;
	pthread_cond_broadcast(&wl->more);
	pthread_mutex_unlock(&wl->lock);
}

/* The walk, from the head to the root, publishing every commit (the calling thread). 1 when the
 * history has no merge, 0 when it has one (abandoned), or an error (abandoned too). */
static int walk_both_ends(walk_log *wl, ct_store *store)
{
	git_odb *odb = NULL;
	git_oid at = store->head;
	size_t count = 0, parents = 0;
	int error = 0, linear = 1;

	if (git_repository_odb(&odb, store->repo) < 0)
		error = ct__git_error(CT_EIO, "journal: opening the object database");
	while (error == 0) {
		walked_commit *block;
		if (count / WALK_BLOCK == WALK_BLOCKS) {
			linear = 0; /* too long a history for the blocks: the revwalk's way */
			break;
		}
		if (!(block = wl->block[count / WALK_BLOCK]) &&
			!(block = wl->block[count / WALK_BLOCK] =
					calloc(WALK_BLOCK, sizeof(walked_commit)))) {
			error = ct__oom();
			break;
		}
		if ((error = read_walked(&block[count % WALK_BLOCK], &parents, odb, &at)) < 0)
			break;
		if (parents > 1) {
			linear = 0;
			break;
		}
		at = block[count % WALK_BLOCK].parent;
		count++;
		/* publish now and then: each is a lock and a wake-up */
		if (parents == 0 || count % 64 == 0)
			walk_publish(wl, count, parents == 0, 0);
		if (parents == 0)
			break;
	}
	if (error < 0 || !linear)
		walk_publish(wl, count, 0, 1);
	git_odb_free(odb);
	return error < 0 ? error : linear;
}

static void *index_both_ends(void *arg)
{
	both_ends_share *sh = arg;
	walk_log *wl = sh->wl;
	const git_oid *parent_tree = NULL;
	ct_store mine;
	tree_cache *cache = NULL;
	size_t i;
	int error = 0;

	if (sh->own == 0 && (error = walk_both_ends(wl, sh->store)) <= 0) {
		share_failed(&sh->error, &sh->message, error);
		return NULL;
	}
	if ((error = indexer_open(&mine, &cache, sh->store, sh->own)) < 0) {
		walk_publish(wl, wl->count, wl->done, 1); /* the other side stops too */
	} else if (sh->own == 0) {
		while (error == 0 && take_forward(wl, &i))
			error = index_commit(
				&sh->lines, cache, &mine, &walked_at(wl, i)->id, walked_at(wl, i));
	} else {
		while (error == 0 && take_back(wl, &i, &parent_tree)) {
			if (sh->nstarts == sh->cap) {
				size_t ncap = sh->cap ? sh->cap * 2 : 1024;
				size_t *t = realloc(sh->starts, ncap * sizeof(*t));
				if (!t) {
					error = ct__oom();
					break;
				}
				sh->starts = t;
				sh->cap = ncap;
			}
			sh->starts[sh->nstarts++] = sh->lines.len;
			error = index_back(&sh->lines, cache, &mine, walked_at(wl, i), parent_tree);
		}
	}
	indexer_close(&mine, cache, sh->store);
	share_failed(&sh->error, &sh->message, error);
	return NULL;
}

/*
 * Indexes the whole history from both ends into lines (oldest first): 1, 0 when it has a merge
 * (nothing done: the caller walks with libgit2's revwalk), or an error.
 */
static int index_from_both_ends(ct_buf *lines, ct_store *store)
{
	walk_log *wl = calloc(1, sizeof(*wl));
	both_ends_share sh[2];
	size_t k, b;
	int error = 0, linear;

	if (!wl)
		return ct__oom();
	memset(sh, 0, sizeof(sh));
	wl->low_fwd = SIZE_MAX;
	pthread_mutex_init(&wl->lock, NULL);
	pthread_cond_init(&wl->more, NULL);
	for (k = 0; k < 2; k++) {
		sh[k].wl = wl;
		sh[k].store = store;
		sh[k].own = (unsigned)k;
	}
	ct__parallel(sh, sizeof(sh[0]), 2, index_both_ends);
	linear = wl->done && !wl->abandon;
	for (k = 0; k < 2 && error == 0; k++)
		if (sh[k].error < 0)
			error = sh[k].message ? ct_error_set(sh[k].error, "%s", sh[k].message)
					      : sh[k].error;
	/* the forward side's lines (the oldest commits), then the backward side's commits from
	 * the last it took to the first */
	if (error == 0 && linear)
		error = ct_buf_put(lines, sh[0].lines.ptr, sh[0].lines.len);
	for (b = sh[1].nstarts; error == 0 && linear && b > 0; b--) {
		size_t from = sh[1].starts[b - 1];
		size_t to = b < sh[1].nstarts ? sh[1].starts[b] : sh[1].lines.len;
		error = ct_buf_put(lines, sh[1].lines.ptr + from, to - from);
	}
	for (k = 0; k < 2; k++) {
		ct_buf_free(&sh[k].lines);
		free(sh[k].starts);
		free(sh[k].message);
	}
	for (b = 0; b < wl->count; b++)
		free(walked_at(wl, b)->message);
	for (b = 0; b < WALK_BLOCKS && wl->block[b]; b++)
		free(wl->block[b]);
	pthread_cond_destroy(&wl->more);
	pthread_mutex_destroy(&wl->lock);
	free(wl);
	return error < 0 ? error : linear;
}

/* Indexes the commits between the journal's head and the branch head, oldest first: those on
 * merged branches too, so that a file merged in is attributed to the commit that wrote it. */
static int refresh(journal *j, ct_store *store)
{
	git_revwalk *walk = NULL;
	git_oid head, oid;
	git_oid *pending = NULL;
	walked_commit *walked = NULL;
	size_t npending = 0, cap = 0;
	ct_buf lines = CT_BUF_INIT;
	int have_head = read_head(j, store, &head);
	int rebuild = 0;
	int error = 0;
	int rc;

	if (!store->has_head || (have_head && git_oid_equal(&head, &store->head)))
		return 0;
	if (have_head) {
		/* Rebuild unless the journal's head is an ancestor of the branch. */
		rc = git_graph_descendant_of(store->repo, &store->head, &head);
		rebuild = rc != 1;
	} else {
		rebuild = 1;
	}
	/* libgit2's object cache would keep every commit and small tree read here (180 MB at
	 * 20,000 commits, and a third of the time in the allocator); the trees worth keeping are
	 * in ours. Nothing in claimtrail turns libgit2's cache off otherwise. */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	if (rebuild && ct__parallel_threads(0, 2) > 1) {
		/* built from a history without merges: from both ends at once */
		if ((rc = index_from_both_ends(&lines, store)) < 0) {
			error = rc;
			goto done;
		}
		if (rc == 1)
			goto write;
	} else if ((rc = walk_linear(&walked, &npending, store, rebuild ? NULL : &head)) < 0) {
		/* a history without merges is walked reading each commit once, for the threads too */
		error = rc;
		goto done;
	} else if (rc == 1) {
		size_t i;
		if (!(pending = malloc((npending ? npending : 1) * sizeof(*pending)))) {
			error = ct__oom();
			goto done;
		}
		for (i = 0; i < npending; i++)
			pending[i] = walked[i].id;
		goto index;
	}
	if (git_revwalk_new(&walk, store->repo) < 0 || git_revwalk_push(walk, &store->head) < 0) {
		error = ct__git_error(CT_EIO, "journal: walking history");
		goto done;
	}
	/* every commit, merged branches included, parents before children */
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL);
	if (!rebuild && git_revwalk_hide(walk, &head) < 0) {
		error = ct__git_error(CT_EIO, "journal: walking history");
		goto done;
	}
	while ((rc = git_revwalk_next(&oid, walk)) == 0) {
		if (npending == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			git_oid *t = realloc(pending, ncap * sizeof(*t));
			if (!t) {
				error = ct__oom();
				goto done;
			}
			pending = t;
			cap = ncap;
		}
		pending[npending++] = oid;
	}
	if (rc != GIT_ITEROVER) {
		error = ct__git_error(CT_EIO, "journal: walking history");
		goto done;
	}
index:
	if ((error = index_all(&lines, store, pending, walked, npending)) < 0)
		goto done;
write:
	if (rebuild && ftruncate(j->fd, 0) < 0) {
		error = ct_error_set(CT_EIO, "journal: %s", strerror(errno));
		goto done;
	}
	if ((error = append(j, &lines)) < 0)
		goto done;
	error = write_head(j, store, &store->head);
done:
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 1);
	ct_buf_free(&lines);
	free(pending);
	while (walked && npending > 0)
		free(walked[--npending].message);
	free(walked);
	git_revwalk_free(walk);
	return error;
}

int ct__journal_scan(ct_store *store, const char *prefix, ct_journal_fn fn, void *payload)
{
	journal j;
	ct_buf data = CT_BUF_INIT;
	size_t plen = strlen(prefix);
	char *line, *end;
	int error;

	if ((error = journal_open(&j, store)) < 0 || (error = refresh(&j, store)) < 0)
		goto done;
	if ((error = ct_file_read(&data, j.path.ptr, JOURNAL_MAX)) < 0)
		goto done;
	for (line = data.ptr; line < data.ptr + data.len; line = end + 1) {
		ct_journal_line l;
		end = memchr(line, '\n', (size_t)(data.ptr + data.len - line));
		if (!end)
			break; /* a torn last line from a crash: ignore it */
		if (end - line < 44 || line[40] != ' ' || line[42] != ' ')
			continue;
		if ((size_t)(end - line - 43) < plen || memcmp(line + 43, prefix, plen) != 0)
			continue;
		memcpy(l.commit, line, 40);
		l.commit[40] = '\0';
		l.by_claimtrail = line[41] == 'c';
		l.deleted = line[41] == 'd';
		l.path = line + 43;
		l.path_len = (size_t)(end - line - 43);
		if ((error = fn(&l, payload)) != 0)
			goto done;
	}
done:
	ct_buf_free(&data);
	journal_close(&j);
	return error;
}
