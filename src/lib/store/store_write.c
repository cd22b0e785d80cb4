/*
 * Writing to the store: a transaction collects files and a commit message against the current
 * snapshot; committing writes blobs and trees, makes the commit, and moves the branch with a
 * compare-and-swap on its old value (libgit2 takes the ref's lock file). The whole write runs
 * under the store's write lock and git's index.lock (store_lock.c): the new index is in place
 * before the branch moves, the work tree files are written after. When a git command moved the
 * branch first, the transaction is built again on the new snapshot.
 */
#include "fileio.h"
#include "store_internal.h"
#include "gitindex.h"
#include "packwrite.h"
#include "treecheck.h"
#include "store_lock.h"
#include "runtime.h"
#include "parallel.h"

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
	char *path;
	git_oid oid;
	char *data; /* kept for the work tree copy, which is written after the commit */
	size_t len;
	int tracked; /* what check_clean accepted: HEAD, the index and the work tree all had the */
	git_oid was; /* blob `was` at path (1), or none of them had the path (0) */
	int stored;  /* the repository holds the blob already (ct__txn_put_stored): not packed */
} txn_file;

struct ct_txn {
	ct_store *store;
	git_repository *wrepo;	  /* where new objects go: the store's repository, or for bulk */
	git_odb_backend *mempack; /* writes a second handle whose objects collect in memory */
	json_t *index;		  /* path -> position in files, so a bulk import stays linear */
	txn_file *files;
	size_t nfiles;
	size_t cap;
	ct_buf subject;
	ct_buf body;
	ct_buf trailers;
	int bulk;
	int signer_key_done;
	int merge;     /* ct__txn_merge: 1 a merge commit, 2 a fast-forward; 0 neither */
	git_oid other; /* its other parent, or the commit fast-forwarded to */
};

/* Drops a bulk write's in-memory objects (they were either packed or are not needed). */
static void txn_end_bulk(ct_txn *txn)
{
	if (txn->wrepo && txn->wrepo != txn->store->repo)
		git_repository_free(txn->wrepo); /* frees its odb and the mempack backend */
	txn->wrepo = txn->store->repo;
	txn->mempack = NULL;
}

static void txn_reset(ct_txn *txn)
{
	size_t i;

	txn_end_bulk(txn);
	for (i = 0; i < txn->nfiles; i++) {
		free(txn->files[i].path);
		free(txn->files[i].data);
	}
	txn->nfiles = 0;
	if (txn->index)
		json_object_clear(txn->index);
	ct_buf_clear(&txn->subject);
	ct_buf_clear(&txn->body);
	ct_buf_clear(&txn->trailers);
	txn->bulk = 0;
	txn->signer_key_done = 0;
	txn->merge = 0;
}

static void txn_free(ct_txn *txn)
{
	txn_reset(txn);
	json_decref(txn->index);
	free(txn->files);
	ct_buf_free(&txn->subject);
	ct_buf_free(&txn->body);
	ct_buf_free(&txn->trailers);
}

/* Checks that path is inside the store folder. */
static int check_path(const ct_txn *txn, const char *path)
{
	size_t rootlen = strlen(txn->store->root);

	if (strncmp(path, txn->store->root, rootlen) != 0 || path[rootlen] != '/' ||
		strstr(path, "/../") || strstr(path, "//"))
		return ct_error_set(CT_EINVALID, "%s: outside the store", path);
	return 0;
}

/* Records that the commit writes data (owned: taken over, freed on failure) as the blob oid
 * at path, replacing an earlier put of the same path. */
static int txn_add(ct_txn *txn, const char *path, char *data, size_t len, const git_oid *oid)
{
	json_t *pos;

	if (!txn->index && !(txn->index = json_object())) {
		free(data);
		return ct__oom();
	}
	if ((pos = json_object_get(txn->index, path))) {
		txn_file *f = &txn->files[json_integer_value(pos)];
		f->oid = *oid;
		free(f->data);
		f->data = data;
		f->len = len;
		f->stored = 0;
		return 0;
	}
	if (txn->nfiles == txn->cap) {
		size_t cap = txn->cap ? txn->cap * 2 : 8;
		txn_file *files = realloc(txn->files, cap * sizeof(*files));
		if (!files) {
			free(data);
			return ct__oom();
		}
		txn->files = files;
		txn->cap = cap;
	}
	if (!(txn->files[txn->nfiles].path = strdup(path)) ||
		json_object_set_new(txn->index, path, json_integer((json_int_t)txn->nfiles)) < 0) {
		free(txn->files[txn->nfiles].path);
		free(data);
		return ct__oom();
	}
	txn->files[txn->nfiles].oid = *oid;
	txn->files[txn->nfiles].data = data;
	txn->files[txn->nfiles].len = len;
	txn->files[txn->nfiles].stored = 0;
	txn->nfiles++;
	return 0;
}

int ct__txn_put(ct_txn *txn, const char *path, const void *data, size_t len)
{
	char *copy;
	git_oid oid;
	int error;

	if ((error = check_path(txn, path)) < 0)
		return error;
	if (txn->mempack) {
		/* straight into memory: the odb would first look for the object on disk */
		if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) < 0 ||
			txn->mempack->write(txn->mempack, &oid, data, len, GIT_OBJECT_BLOB) < 0)
			return ct__git_error(CT_EIO, path);
	} else if (git_blob_create_from_buffer(&oid, txn->wrepo, data, len) < 0) {
		return ct__git_error(CT_EIO, path);
	}
	if (!(copy = malloc(len ? len : 1)))
		return ct__oom();
	if (len)
		memcpy(copy, data, len);
	return txn_add(txn, path, copy, len, &oid);
}

int ct__txn_put_hashed(ct_txn *txn, const char *path, char *data, size_t len, const git_oid *oid)
{
	int error;

	if ((error = check_path(txn, path)) < 0) {
		free(data);
		return error;
	}
	if (txn->mempack) {
		if (txn->mempack->write(txn->mempack, oid, data, len, GIT_OBJECT_BLOB) < 0) {
			free(data);
			return ct__git_error(CT_EIO, path);
		}
	} else {
		git_oid written;
		if (git_blob_create_from_buffer(&written, txn->wrepo, data, len) < 0 ||
			!git_oid_equal(&written, oid)) {
			free(data);
			return ct__git_error(CT_EIO, path);
		}
	}
	return txn_add(txn, path, data, len, oid);
}

int ct__txn_put_stored(
	ct_txn *txn, const char *path, const void *data, size_t len, const git_oid *oid)
{
	char *copy;
	git_oid hashed;
	int error;

	if ((error = check_path(txn, path)) < 0)
		return error;
	/* the copy must be the blob named: the work tree gets data, the commit names oid */
	if (git_odb_hash(&hashed, data, len, GIT_OBJECT_BLOB) < 0)
		return ct__git_error(CT_EIO, path);
	if (!git_oid_equal(&hashed, oid))
		return ct_error_set(CT_EIO, "%s: the content is not the blob it names", path);
	if (!(copy = malloc(len ? len : 1)))
		return ct__oom();
	if (len)
		memcpy(copy, data, len);
	if ((error = txn_add(txn, path, copy, len, oid)) < 0)
		return error;
	txn->files[json_integer_value(json_object_get(txn->index, path))].stored = 1;
	return 0;
}

int ct__txn_put_record(ct_txn *txn, const json_t *record)
{
	ct_buf path = CT_BUF_INIT;
	ct_buf data = CT_BUF_INIT;
	int error;

	if ((error = ct_record_validate(record)) < 0 ||
		(error = ct__record_file_path(&path, txn->store, record)) < 0)
		goto done;
	if ((error = ct__record_serialize(&data, record)) < 0)
		goto done;
	error = ct__txn_put(txn, path.ptr, data.ptr, data.len);
done:
	ct_buf_free(&data);
	ct_buf_free(&path);
	return error;
}

/* A revoked or expired key signs nothing new (docs/keys.md): its record in the store (data,
 * when the store has one) or its own record says so. */
int ct__signer_live(ct_store *store, const ct_key *signer, const ct_buf *data)
{
	const json_t *own = ct_key_public_record(signer);
	json_t *stored = NULL;
	const json_t *rv;
	const char *expires;
	char now[CT_TIMESTAMP_LEN + 1];
	int error = 0;

	(void)store;
	if (data && ct__parse_record(&stored, data, "the signer's key record") < 0) {
		ct_error_clear(); /* a damaged record is check's to report; writes go on */
		stored = NULL;
	}
	rv = json_object_get(stored, "revoked");
	if (!rv)
		rv = json_object_get(own, "revoked");
	expires = json_string_value(json_object_get(stored ? stored : own, "expires"));
	ct_timestamp_now(now);
	if (rv)
		error = ct_error_set(CT_EUNTRUSTED,
			"key %s is revoked (%.80s): it signs nothing new (docs/keys.md)",
			ct_key_id(signer), json_string_value(json_object_get(rv, "reason")));
	else if (expires && strcmp(expires, now) <= 0)
		error = ct_error_set(CT_EUNTRUSTED,
			"key %s expired at %s: it signs nothing new (docs/keys.md)",
			ct_key_id(signer), expires);
	json_decref(stored);
	return error;
}

int ct__txn_put_signer_key(ct_txn *txn, ct_store *store, const ct_key *signer)
{
	ct_buf path = CT_BUF_INIT;
	ct_buf data = CT_BUF_INIT;
	int error;

	if (txn->signer_key_done) /* once per commit: a bulk import signs thousands of records */
		return 0;
	if ((error = ct_store_record_path(&path, store, CT_KIND_KEY, ct_key_id(signer), 0)) < 0)
		goto done;
	error = ct__read_path(&data, store, path.ptr, CT_RECORD_MAX);
	if (error == 0 && (error = ct__signer_live(store, signer, &data)) < 0)
		goto done;
	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		if ((error = ct__signer_live(store, signer, NULL)) == 0 &&
			(error = ct__txn_put_record(txn, ct_key_public_record(signer))) == 0)
			error = ct__txn_trailer(
				txn, "Claimtrail-Record", "key/%s", ct_key_id(signer));
	}
	if (error == 0)
		txn->signer_key_done = 1;
done:
	ct_buf_free(&data);
	ct_buf_free(&path);
	return error;
}

int ct__txn_subject(ct_txn *txn, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return ct_error_set(CT_EINVALID, "bad commit subject");
	if ((size_t)n >= sizeof(line)) /* a subject is one short line: cut, marked */
		memcpy(line + sizeof(line) - 4, "...", 4);
	ct_buf_clear(&txn->subject);
	return ct_buf_puts(&txn->subject, line);
}

int ct__txn_body(ct_txn *txn, const char *text)
{
	int error = 0;

	if (txn->body.len && (error = ct_buf_puts(&txn->body, "\n\n")) < 0)
		return error;
	return ct_buf_puts(&txn->body, text);
}

int ct__txn_trailer(ct_txn *txn, const char *name, const char *fmt, ...)
{
	char value[512];
	va_list ap;
	int n;
	int error;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value))
		return ct_error_set(CT_EINVALID, "trailer %s too long", name);
	if ((error = ct_buf_printf(&txn->trailers, "%s: %s\n", name, value)) < 0)
		return error;
	return 0;
}

int ct__txn_merge(ct_txn *txn, const git_oid *other, int fast_forward)
{
	txn->merge = fast_forward ? 2 : 1;
	txn->other = *other;
	return 0;
}

void ct__txn_reset_message(ct_txn *txn)
{
	ct_buf_clear(&txn->subject);
	ct_buf_clear(&txn->body);
	ct_buf_clear(&txn->trailers);
}

static int txn_use_mempack(ct_txn *txn);

int ct__txn_bulk(ct_txn *txn)
{
	txn->bulk = 1;
	return txn_use_mempack(txn);
}

/* New objects collect in memory (libgit2's mempack), to be written as one pack by write_pack. */
static int txn_use_mempack(ct_txn *txn)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	git_odb_backend *mempack = NULL;

	if (txn->mempack)
		return 0;
	/* Thousands of loose objects cost a file each; collect them in memory and write one pack. */
	if (git_repository_open(&repo, git_repository_path(txn->store->repo)) < 0 ||
		git_mempack_new(&mempack) < 0 || git_repository_odb(&odb, repo) < 0 ||
		git_odb_add_backend(odb, mempack, 999) < 0) {
		git_odb_free(odb);
		git_repository_free(repo);
		return ct__git_error(CT_EIO, "preparing a bulk write");
	}
	git_odb_free(odb);
	txn->wrepo = repo;
	txn->mempack = mempack;
	return 0;
}

/* The commit and trees a bulk write packs besides its blobs, as the mempack holds them. */
typedef struct {
	ct__pack_object *items;
	size_t count, cap;
} raw_objects;

static void raw_objects_free(raw_objects *a)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		git_odb_backend_data_free(NULL, (void *)(uintptr_t)a->items[i].data);
	free(a->items);
}

/* Adds the object `id` from the mempack, if the bulk write made it: 1 when it did, else 0. */
static int take_new(raw_objects *a, ct_txn *txn, const git_oid *id)
{
	git_odb_backend *mp = txn->mempack;
	ct__pack_object *o;
	void *data = NULL;
	size_t len = 0;
	git_object_t type;

	/* the mempack holds only what the odb did not have: a write of a known object freshens it */
	if (!mp->exists(mp, id))
		return 0;
	if (a->count == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		ct__pack_object *items = realloc(a->items, cap * sizeof(*items));
		if (!items)
			return ct__oom();
		a->items = items;
		a->cap = cap;
	}
	if (mp->read(&data, &len, &type, mp, id) < 0)
		return ct__git_error(CT_EIO, "reading a new object");
	o = &a->items[a->count++];
	o->oid = *id;
	o->type = type;
	o->data = data;
	o->len = len;
	return 1;
}

/* Adds the tree `id` and the trees below it that the bulk write made. A tree the repository
 * had already is left out, and so is everything below it. Entries are "<mode> <name>\0<id>". */
static int collect_trees(raw_objects *out, ct_txn *txn, const git_oid *id)
{
	const char *p, *end;
	size_t at;
	int rc;

	if ((rc = take_new(out, txn, id)) <= 0)
		return rc;
	at = out->count - 1;
	if (out->items[at].type != GIT_OBJECT_TREE)
		return ct_error_set(CT_EIO, "a new tree is not a tree");
	p = out->items[at].data;
	end = p + out->items[at].len;
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		git_oid sub;

		if (!nul || end - nul < 1 + GIT_OID_RAWSZ)
			return ct_error_set(CT_EIO, "a new tree is malformed");
		git_oid_fromraw(&sub, (const unsigned char *)nul + 1);
		/* items may move as the array grows: p points into the object, which does not */
		if (strncmp(p, "40000 ", 6) == 0 && (rc = collect_trees(out, txn, &sub)) < 0)
			return rc;
		p = nul + 1 + GIT_OID_RAWSZ;
	}
	return 0;
}

/* Writes a bulk transaction's objects into the repository as one pack (packwrite.c): the
 * commit, the trees it made, and the files' blobs (less what the repository already had, such as
 * the objects an earlier attempt packed). The pack's .keep file, if it got one, is added to keeps
 * (paths, each ended by a NUL) for drop_keeps, and the pack itself to made (ct__pack_entry
 * items) for ct__pack_settle. */
static int write_pack(ct_txn *txn, const git_oid *commit, ct_buf *keeps, ct_buf *made)
{
	ct__pack_entry entry = {{0}, 0};
	ct_buf keep = CT_BUF_INIT;
	raw_objects raw = {NULL, 0, 0};
	ct__pack_object *objects = NULL;
	git_odb *stored = NULL;
	git_commit *c = NULL;
	size_t i, n = 0;
	int error = 0;

	if (git_repository_odb(&stored, txn->store->repo) < 0 ||
		git_commit_lookup(&c, txn->wrepo, commit) < 0) {
		error = ct__git_error(CT_EIO, "writing a pack");
		goto done;
	}
	if ((error = take_new(&raw, txn, commit)) < 0 ||
		(error = collect_trees(&raw, txn, git_commit_tree_id(c))) < 0)
		goto done;
	if (!(objects = calloc(raw.count + txn->nfiles, sizeof(*objects)))) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; i < raw.count; i++)
		objects[n++] = raw.items[i];
	for (i = 0; i < txn->nfiles; i++)
		if (!txn->files[i].stored)
			objects[n++] = (ct__pack_object){txn->files[i].oid, GIT_OBJECT_BLOB,
				txn->files[i].data, txn->files[i].len};
	error = ct__pack_write_named(txn->store->repo, objects, n, 0, &keep, &entry);
	if (error == 0 && entry.count && ct_buf_put(made, &entry, sizeof(entry)) < 0)
		error = ct__oom(); /* the pack stays out of the list: merged by git gc only */
	if (keep.len && ct_buf_put(keeps, keep.ptr, keep.len + 1) < 0) { /* with its NUL */
		unlink(keep.ptr); /* cannot remember it: do not leave it behind */
		error = ct__oom();
	}
	if (error == 0 && git_odb_refresh(stored) < 0)
		error = ct__git_error(CT_EIO, "reading the new pack");
done:
	ct_buf_free(&keep);
	raw_objects_free(&raw);
	free(objects);
	git_commit_free(c);
	git_odb_free(stored);
	return error;
}

/* Once the write is over, its packs are ordinary: referenced by the branch, or garbage. Every
 * attempt's .keep stays until then, since a retry does not pack again the objects an earlier
 * attempt's pack holds (libgit2 finds them there), and may need them. */
static void drop_keeps(ct_buf *keeps)
{
	size_t at = 0;

	while (at < keeps->len) {
		unlink(keeps->ptr + at);
		at += strlen(keeps->ptr + at) + 1;
	}
	ct_buf_clear(keeps);
}

/* git identity: what the command passed in (ct_runtime_set: GIT_COMMITTER_* / GIT_AUTHOR_*
 * from its environment, as git does), then the repository's configuration, then the signer's
 * name with the key id as address. */
static int make_signature(git_signature **out, ct_store *store, const ct_key *signer, int committer)
{
	const char *name, *email;
	git_signature *def = NULL;
	time_t when = ct__now();
	int offset = 0;
	char fallback_email[64];
	int error = 0;

	ct__identity(&name, &email, committer);
	if ((!name || !email) && git_signature_default(&def, store->repo) == 0) {
		if (!name)
			name = def->name;
		if (!email)
			email = def->email;
	}
	if (!name)
		name = signer
			? json_string_value(json_object_get(ct_key_public_record(signer), "name"))
			: NULL;
	if (!name)
		name = "claimtrail";
	if (!email) {
		snprintf(fallback_email, sizeof(fallback_email), "%s@claimtrail.invalid",
			signer ? ct_key_id(signer) : "unknown");
		email = fallback_email;
	}
	if (git_signature_new(out, name, email, (git_time_t)when, offset) < 0)
		error = ct__git_error(CT_EINVALID, "git identity");
	git_signature_free(def);
	return error;
}

/*
 * Refuses (CT_EINVALID, naming it) a symbolic link among the folders of path in the work tree:
 * a file written through it would land outside the repository, where git does not look (git
 * itself never writes through a link in the work tree). A folder not there yet ends the walk:
 * mkdir makes the rest. verified caches the last folder found free of links, with its slash, so
 * that the files of one folder cost one walk, and a new folder beside the last one one lstat.
 */
static int check_folders(const char *workdir, const char *path, ct_buf *verified)
{
	const char *slash = strrchr(path, '/');
	ct_buf full = CT_BUF_INIT;
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0, wlen = strlen(workdir), i;
	size_t ok = 0; /* the length of path's folders verified so far, with their slash */
	int error = 0;

	if (dirlen == 0 || (verified->len == dirlen && memcmp(verified->ptr, path, dirlen) == 0))
		return 0;
	if ((error = ct_buf_puts(&full, workdir)) < 0 ||
		(error = ct_buf_put(&full, path, dirlen)) < 0)
		goto done;
	for (i = 0; i < dirlen; i++) {
		struct stat st;
		if (path[i] != '/')
			continue;
		/* a folder that is a prefix of the one verified last is verified */
		if (verified->len > i && memcmp(verified->ptr, path, i + 1) == 0) {
			ok = i + 1;
			continue;
		}
		full.ptr[wlen + i] = '\0';
		if (lstat(full.ptr, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR) {
				/* made by mkdir, or refused by the caller's own checks; the folders
				 * above it are verified, for the next record's new folder beside it */
				if (ok) {
					ct_buf_clear(verified);
					error = ct_buf_put(verified, path, ok);
				}
				goto done;
			}
			error = ct_error_set(CT_EIO, "%s: %s", full.ptr, strerror(errno));
			goto done;
		}
		full.ptr[wlen + i] = '/';
		if (S_ISLNK(st.st_mode)) {
			error = ct_error_set(CT_EINVALID,
				"%.*s is a symbolic link in the work tree: claimtrail does not write "
				"through one (the files would land outside the repository); make it a "
				"folder",
				(int)i, path);
			goto done;
		}
		if (!S_ISDIR(st.st_mode))
			goto done;
		ok = i + 1;
	}
	ct_buf_clear(verified);
	error = ct_buf_put(verified, path, dirlen);
done:
	ct_buf_free(&full);
	return error;
}

/* Refuses to write over anything the user has not committed: staged or unstaged changes to,
 * or an untracked file at, any path the transaction writes; and to write through a link. */
static int check_clean(ct_store *store, ct_txn *txn, const ct__index *index)
{
	const char *workdir = git_repository_workdir(store->repo);
	ct_buf full = CT_BUF_INIT, verified = CT_BUF_INIT;
	size_t i;
	int error = 0;

	for (i = 0; i < txn->nfiles && error == 0; i++) {
		const char *path = txn->files[i].path;
		git_tree_entry *head = NULL;
		git_oid staged_id;
		int staged = ct__index_find(index, path, &staged_id);
		struct stat st;
		git_oid oid;

		if ((error = check_folders(workdir, path, &verified)) < 0)
			break;
		if (store->tree)
			git_tree_entry_bypath(&head, store->tree, path);
		/* remembered for sync_worktree, which checks it again before replacing the file */
		if ((txn->files[i].tracked = head != NULL))
			txn->files[i].was = *git_tree_entry_id(head);
		if (staged < 0)
			error = ct_error_set(CT_ECONFLICT,
				"%s is in conflict in the index: resolve it first", path);
		else if ((staged &&
				 (!head || !git_oid_equal(&staged_id, git_tree_entry_id(head)))) ||
			(!staged && head))
			error = ct_error_set(CT_ECONFLICT,
				"%s has staged changes: commit or reset them first", path);
		ct_buf_clear(&full);
		if (error == 0 && (error = ct_buf_printf(&full, "%s%s", workdir, path)) == 0) {
			if (lstat(full.ptr, &st) == 0) {
				if (!head)
					error = ct_error_set(CT_ECONFLICT,
						"%s: an untracked file is in the way", path);
				else if (git_odb_hashfile(&oid, full.ptr, GIT_OBJECT_BLOB) < 0 ||
					!git_oid_equal(&oid, git_tree_entry_id(head)))
					error = ct_error_set(CT_ECONFLICT,
						"%s has uncommitted changes: commit or discard them first",
						path);
			} else if (errno == ENOTDIR) {
				/* a file where one of its folders should be: the copy could not be made */
				error = ct_error_set(CT_ECONFLICT,
					"%s: an untracked file is in the way of its folder", path);
			} else if (head) {
				error = ct_error_set(CT_ECONFLICT,
					"%s was deleted in the work tree: restore it first", path);
			}
		}
		git_tree_entry_free(head);
	}
	ct_buf_free(&full);
	ct_buf_free(&verified);
	return error;
}

/* Makes the folders of path below its first `from` bytes: the deepest first, since its parent
 * usually exists already (one mkdir per new record folder, not one per level). */
static int mkdirs_for(char *path, size_t from)
{
	char *slash = strrchr(path, '/');
	int error = 0;

	if (!slash || (size_t)(slash - path) <= from)
		return 0;
	*slash = '\0';
	if (mkdir(path, 0755) < 0) {
		if (errno == ENOENT && (error = mkdirs_for(path, from)) == 0 &&
			mkdir(path, 0755) < 0 && errno != EEXIST)
			error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
		else if (errno != EEXIST && errno != ENOENT && error == 0)
			error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	}
	*slash = '/';
	return error;
}

/* Writes the new content of a work tree file to tmp, beside it, without fsync (as git does). */
static int write_tmp(const char *tmp, const void *data, size_t len, struct stat *st)
{
	int fd;
	int error;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return ct_error_set(CT_EIO, "%s: %s", tmp, strerror(errno));
	if ((error = ct__write_all(fd, data, len, tmp)) == 0 && fstat(fd, st) < 0)
		error = ct_error_set(CT_EIO, "%s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && error == 0)
		error = ct_error_set(CT_EIO, "%s: %s", tmp, strerror(errno));
	if (error < 0)
		unlink(tmp);
	return error;
}

/*
 * Whether path is still as check_clean accepted it, in the index as read inside index.lock and in
 * the work tree: absent from both, or the blob HEAD had then. 1 when it is, 0 when the user
 * changed it (edited, deleted, created, staged), or an error.
 */
static int still_clean(const ct__index *locked, const char *full, const txn_file *f)
{
	struct stat st;
	git_oid id;
	int staged = ct__index_find(locked, f->path, &id);

	if (staged != f->tracked || (staged && !git_oid_equal(&id, &f->was)))
		return 0;
	if (lstat(full, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return !f->tracked;
		return ct_error_set(CT_EIO, "%s: %s", full, strerror(errno));
	}
	if (!f->tracked || !S_ISREG(st.st_mode))
		return 0;
	if (git_odb_hashfile(&id, full, GIT_OBJECT_BLOB) < 0)
		return ct__git_error(CT_EIO, f->path);
	return git_oid_equal(&id, &f->was);
}

typedef struct {
	const ct_txn *txn;
	const char *workdir;
	const char *left; /* the first path the user changed since check_clean, left as it is */
	size_t nleft;
	int error;	    /* a file that could not be placed: the ones before it are staged */
	char message[1024]; /* as long as error.c keeps */
} place_state;

/* One thread's run of place_files: entries [first, first + count), of which it keeps the placed
 * ones at their start (kept), with a place_state of its own; stop is shared: set by the first
 * error, it stops the other runs too. */
typedef struct {
	place_state ps;
	const ct__index *locked;
	ct__index_new *entries;
	size_t first, count, kept;
	atomic_int *stop;
} place_run;

static void *place_some(void *arg)
{
	place_run *run = arg;
	place_state *ps = &run->ps;
	ct__index_new *entries = run->entries + run->first;
	size_t wlen = strlen(ps->workdir), i, kept = 0;
	ct_buf full = CT_BUF_INIT, tmp = CT_BUF_INIT, verified = CT_BUF_INIT;
	int error = 0;

	for (i = 0; i < run->count && !atomic_load(run->stop); i++) {
		const txn_file *f = &ps->txn->files[entries[i].ref];
		int clean;

		ct_buf_clear(&full);
		ct_buf_clear(&tmp);
		/* again: a link may have been made since check_clean */
		if ((error = check_folders(ps->workdir, f->path, &verified)) < 0 ||
			(error = ct_buf_printf(&full, "%s%s", ps->workdir, f->path)) < 0 ||
			/* one name (writers queue): a killed write's is found and removed */
			(error = ct_buf_printf(&tmp, "%s" CT__WORKTREE_TMP, full.ptr)) < 0 ||
			(error = mkdirs_for(full.ptr, wlen)) < 0 ||
			(error = write_tmp(tmp.ptr, f->data, f->len, &entries[i].st)) < 0)
			goto done;
		/* checked last, with the new content ready, so that the rename follows at once */
		if ((clean = still_clean(run->locked, full.ptr, f)) <= 0) {
			unlink(tmp.ptr);
			if ((error = clean) < 0)
				goto done;
			if (ps->nleft++ == 0)
				ps->left = f->path;
			continue;
		}
		if (rename(tmp.ptr, full.ptr) < 0) {
			error = ct_error_set(CT_EIO, "%s: %s", full.ptr, strerror(errno));
			unlink(tmp.ptr);
			goto done;
		}
		entries[kept++] = entries[i];
	}
done:
	run->kept = kept;
	if (error < 0) {
		atomic_store(run->stop, 1);
		ps->error = error;
		snprintf(ps->message, sizeof(ps->message), "%s", ct_error_last());
	}
	ct_buf_free(&full);
	ct_buf_free(&tmp);
	ct_buf_free(&verified);
	return NULL;
}

/* A write of one file places it on the calling thread; any more go to every core (a thread costs
 * tens of microseconds, a file's creation more, and so the crash tests, which import a few
 * claims, run the threads' code). */
#define PLACE_PARALLEL_MIN 2
#define PLACE_THREADS_MAX 4

/*
 * Runs inside index.lock: writes each file beside its place, checks the path once more, and only
 * then renames it into place, so that a user's edit or new file made since check_clean is not
 * overwritten. Such a path is left alone and dropped from entries (*n: how many were placed).
 * The first error stops it and is kept in ps for sync_worktree. A write of PLACE_PARALLEL_MIN
 * files or more places them on every core, each thread a run of them, each file as above: the
 * kernel's file creation is most of a bulk import's time, and files in different folders are
 * created side by side.
 */
static int place_files(const ct__index *locked, ct__index_new *entries, size_t *n, void *payload)
{
	place_state *ps = payload;
	place_run runs[PLACE_THREADS_MAX];
	atomic_int stop = 0;
	size_t t = *n < PLACE_PARALLEL_MIN || !ct__index_find_shared(locked)
		? 1
		: ct__parallel_threads(0, PLACE_THREADS_MAX);
	size_t k, at = 0, kept = 0;

	for (k = 0; k < t; k++) {
		size_t count = *n / t + (k < *n % t);
		runs[k] = (place_run){{ps->txn, ps->workdir, NULL, 0, 0, ""}, locked, entries, at,
			count, 0, &stop};
		at += count;
	}
	ct__parallel(runs, sizeof(runs[0]), t, place_some);
	/* the runs in order: their placed entries together, the first error and left path */
	for (k = 0; k < t; k++) {
		const place_state *r = &runs[k].ps;
		if (kept != runs[k].first)
			memmove(entries + kept, entries + runs[k].first,
				runs[k].kept * sizeof(*entries));
		kept += runs[k].kept;
		if (r->nleft && ps->nleft == 0)
			ps->left = r->left;
		ps->nleft += r->nleft;
		if (r->error < 0 && ps->error == 0) {
			ps->error = r->error;
			memcpy(ps->message, r->message, sizeof(ps->message));
		}
	}
	*n = kept;
	return 0;
}

/*
 * After the branch moved, still holding index.lock (whose new index already stages our files):
 * writes our files into the work tree, each only if its path is still as check_clean (run on
 * `locked`, the index as read inside the lock) found it. The commit is already safe if this fails.
 */
static int sync_worktree(ct_store *store, const ct_txn *txn, const ct__index *locked,
	ct__index_new *entries, size_t *placed)
{
	place_state ps = {txn, git_repository_workdir(store->repo), NULL, 0, 0, ""};
	size_t n = txn->nfiles;
	int error = 0;

	*placed = 0;
	if (!ps.workdir)
		return 0;
	if (store->test_before_worktree)
		store->test_before_worktree(store, store->test_before_worktree_payload);
	place_files(locked, entries, &n, &ps);
	*placed = n;
	if (ps.error < 0)
		error = ct_error_set(ps.error, "%s", ps.message);
	else if (ps.nleft == 1)
		error = ct_error_set(CT_ECONFLICT,
			"%s was changed during the write and is left as it is", ps.left);
	else if (ps.nleft > 1)
		error = ct_error_set(CT_ECONFLICT,
			"%s and %zu more were changed during the write and are left as they are",
			ps.left, ps.nleft - 1);
	if (error < 0)
		ct_error_prefix(error, "committed, but the work tree was not updated");
	return error;
}

/*
 * After a bulk write placed all n of its files (entries, as place_files left them: each with the
 * stat data of the file it wrote, before the rename): the index again, each entry with its file's
 * stat data, as git checkout records it, so that the next git status or check compares the files
 * by stat instead of reading every one. A file that is no longer the one written (another inode,
 * size or time) keeps no stat data, as before. Only speed: a failure leaves the first index.
 */
static void restat_index(ct_store *store, ct__write_lock *lock, const ct__index *locked,
	ct__index_new *entries, size_t n, const char *tmppath)
{
	const char *workdir = git_repository_workdir(store->repo);
	ct_buf full = CT_BUF_INIT, out = CT_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		struct stat st;
		ct_buf_clear(&full);
		if (ct_buf_printf(&full, "%s%s", workdir, entries[i].path) < 0)
			goto done;
		if (lstat(full.ptr, &st) == 0 && S_ISREG(st.st_mode) &&
			st.st_ino == entries[i].st.st_ino && st.st_size == entries[i].st.st_size &&
			st.st_mtim.tv_sec == entries[i].st.st_mtim.tv_sec &&
			st.st_mtim.tv_nsec == entries[i].st.st_mtim.tv_nsec)
			entries[i].st = st; /* the rename changed its ctime */
		else
			memset(&entries[i].st, 0, sizeof(entries[i].st));
	}
	if (ct__index_build(&out, locked, entries, n, tmppath) == 0)
		ct__write_lock_restage(lock, &out);
done:
	ct_error_clear();
	ct_buf_free(&full);
	ct_buf_free(&out);
}

/* The index that stages every file of the transaction as committed, built on `locked`. The new
 * entries carry no stat data (size 0, as `git update-index --cacheinfo` leaves them): git and
 * libgit2 compare such an entry with its file by content, and `git status` then records the
 * file's stat data. */
static int build_index(ct_buf *out, ct_store *store, const ct_txn *txn, const ct__index *locked,
	ct__index_new *entries, const char *tmppath)
{
	size_t i;

	(void)store;
	for (i = 0; i < txn->nfiles; i++) {
		memset(&entries[i], 0, sizeof(entries[i]));
		entries[i].path = txn->files[i].path;
		entries[i].id = txn->files[i].oid;
		entries[i].ref = i;
	}
	return ct__index_build(out, locked, entries, txn->nfiles, tmppath);
}

/*
 * Refuses to build on a committed tree that git fsck would reject (treecheck.c): libgit2 copies
 * the old trees into the new commit entries and all, so a crafted entry would be carried into
 * every later commit. The whole tree is checked, but only what changed since the tree checked
 * last, whose id is kept in <git-dir>/claimtrail/tree-checked: a write on claimtrail's own last
 * commit checks nothing again.
 */
static int tree_checked_path(ct_buf *dir, ct_buf *path, ct_store *store)
{
	int error;

	if ((error = ct_buf_printf(dir, "%sclaimtrail", git_repository_path(store->repo))) == 0)
		error = ct_buf_printf(path, "%s/tree-checked", dir->ptr);
	return error;
}

/*
 * Remembers tree (the base just checked, with the write's own sound entries) as checked. Only a
 * cache, so not flushed to disk: lost, it costs the next write a longer check.
 */
static void remember_tree_checked(ct_store *store, const git_oid *tree)
{
	ct_buf dir = CT_BUF_INIT, path = CT_BUF_INIT, tmp = CT_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 2];
	int fd;

	git_oid_tostr(hex, GIT_OID_HEXSZ + 1, tree);
	hex[GIT_OID_HEXSZ] = '\n';
	if (tree_checked_path(&dir, &path, store) < 0 ||
		ct_buf_printf(&tmp, "%s.tmp.%ld", path.ptr, (long)getpid()) < 0 ||
		(mkdir(dir.ptr, 0755) < 0 && errno != EEXIST))
		goto done;
	if ((fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
		goto done;
	if (ct__write_all(fd, hex, GIT_OID_HEXSZ + 1, tmp.ptr) < 0 || close(fd) < 0 ||
		rename(tmp.ptr, path.ptr) < 0)
		unlink(tmp.ptr);
done:
	ct_error_clear();
	ct_buf_free(&dir);
	ct_buf_free(&path);
	ct_buf_free(&tmp);
}

static int check_base_tree(ct_store *store)
{
	ct_buf dir = CT_BUF_INIT, path = CT_BUF_INIT, data = CT_BUF_INIT;
	git_tree *known = NULL;
	git_oid id;
	int error;

	if (!store->tree)
		return 0;
	if ((error = tree_checked_path(&dir, &path, store)) < 0)
		goto done;
	if (ct_file_read(&data, path.ptr, 64) == 0 && data.len == GIT_OID_HEXSZ + 1 &&
		git_oid_fromstrn(&id, data.ptr, GIT_OID_HEXSZ) == 0) {
		if (git_oid_equal(&id, git_tree_id(store->tree)))
			goto done;
		git_tree_lookup(&known, store->repo, &id); /* gone (gc): check it all */
	}
	ct_error_clear();
	error = ct__tree_check_all(store->repo, store->tree, known);
done:
	git_tree_free(known);
	ct_buf_free(&dir);
	ct_buf_free(&path);
	ct_buf_free(&data);
	return error;
}

/*
 * A "Claimtrail-Blob: <blob> <path>" trailer for every file the commit writes, so that the
 * journal of a clone can confirm what the commit changed by hashing the trees it should have
 * instead of reading them (treehash.c, docs/store.md). Not for a bulk import or a merge (the
 * journal compares their trees), nor for more files than CT__BLOB_TRAILERS_MAX.
 */
static int put_blob_trailers(ct_buf *message, const ct_txn *txn)
{
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;
	int error = 0;

	if (txn->bulk || txn->merge || txn->nfiles == 0 || txn->nfiles > CT__BLOB_TRAILERS_MAX)
		return 0;
	if (!txn->trailers.len)
		error = ct_buf_puts(message, "\n");
	for (i = 0; i < txn->nfiles && error == 0; i++)
		error = ct_buf_printf(message, "Claimtrail-Blob: %s %s\n",
			git_oid_tostr(hex, sizeof(hex), &txn->files[i].oid), txn->files[i].path);
	return error;
}

static int make_commit(git_oid *out, ct_store *store, ct_txn *txn, const ct_key *signer)
{
	git_tree_update *updates = NULL;
	git_oid tree_oid;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *author = NULL, *committer = NULL;
	ct_buf message = CT_BUF_INIT;
	size_t i;
	int error = 0;

	if (!(updates = calloc(txn->nfiles ? txn->nfiles : 1, sizeof(*updates))))
		return ct__oom();
	for (i = 0; i < txn->nfiles; i++) {
		updates[i].action = GIT_TREE_UPDATE_UPSERT;
		updates[i].id = txn->files[i].oid;
		updates[i].filemode = GIT_FILEMODE_BLOB;
		updates[i].path = txn->files[i].path;
	}
	if ((error = check_base_tree(store)) < 0)
		goto done;
	if (git_tree_create_updated(&tree_oid, txn->wrepo, store->tree, txn->nfiles, updates) < 0 ||
		git_tree_lookup(&tree, txn->wrepo, &tree_oid) < 0) {
		error = ct__git_error(CT_EIO, "writing trees");
		goto done;
	}
	remember_tree_checked(store, &tree_oid);
	if (txn->merge == 2) {
		/* a fast-forward: the files must make exactly the tree of the commit */
		git_commit *to = NULL;
		if (git_commit_lookup(&to, txn->wrepo, &txn->other) < 0) {
			error = ct__git_error(CT_EIO, "reading the fetched commit");
			goto done;
		}
		if (!git_oid_equal(git_commit_tree_id(to), &tree_oid))
			error = ct_error_set(CT_ECONFLICT,
				"the fetched commit's tree is not the branch's with the fetched records "
				"added; nothing was written");
		git_commit_free(to);
		*out = txn->other;
		goto done;
	}
	if (store->has_head && git_commit_lookup(&parent, txn->wrepo, &store->head) < 0) {
		error = ct__git_error(CT_EIO, "reading the branch head");
		goto done;
	}
	if ((error = make_signature(&author, store, signer, 0)) < 0 ||
		(error = make_signature(&committer, store, signer, 1)) < 0)
		goto done;
	if ((error = ct_buf_printf(&message, "%s\n", txn->subject.ptr ? txn->subject.ptr : "")) <
			0 ||
		(txn->body.len && (error = ct_buf_printf(&message, "\n%s\n", txn->body.ptr)) < 0) ||
		(txn->trailers.len &&
			(error = ct_buf_printf(&message, "\n%s", txn->trailers.ptr)) < 0) ||
		(error = put_blob_trailers(&message, txn)) < 0)
		goto done;
	if (txn->merge == 1) {
		/* a merge: the branch and the fetched commit, both histories (docs/sync.md) */
		const git_commit *parents[2] = {parent, NULL};
		git_commit *other = NULL;
		if (git_commit_lookup(&other, txn->wrepo, &txn->other) < 0) {
			error = ct__git_error(CT_EIO, "reading the fetched commit");
			goto done;
		}
		parents[parent ? 1 : 0] = other;
		if (git_commit_create(out, txn->wrepo, NULL, author, committer, NULL, message.ptr,
			    tree, parent ? 2 : 1, parents) < 0)
			error = ct__git_error(CT_EIO, "writing the merge commit");
		git_commit_free(other);
	} else if (git_commit_create(out, txn->wrepo, NULL, author, committer, NULL, message.ptr,
			   tree, parent ? 1 : 0, (const git_commit **)&parent) < 0)
		error = ct__git_error(CT_EIO, "writing the commit");
done:
	ct_buf_free(&message);
	git_signature_free(author);
	git_signature_free(committer);
	git_commit_free(parent);
	git_tree_free(tree);
	free(updates);
	return error;
}

/* Sleeps 1 ms to 4 << attempt ms (capped), a different sequence in each process, so that
 * writers that collided do not collide again in step. */
static void backoff(int attempt)
{
	static unsigned seed;
	struct timespec ts;

	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&ts;
	seed = seed * 1103515245u + 12345u;
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000L * (1 + (long)((seed >> 8) % (4u << (attempt < 5 ? attempt : 5))));
	nanosleep(&ts, NULL);
}

/* The one-line error for a compare-and-swap that kept failing. */
static int cas_error(ct_store *store, int rc, int attempts)
{
	ct_buf lock = CT_BUF_INIT;
	struct stat st;
	int error;

	if (rc == GIT_ELOCKED &&
		ct_buf_printf(&lock, "%s%s.lock", git_repository_commondir(store->repo),
			store->branch) == 0 &&
		lstat(lock.ptr, &st) == 0)
		error = ct_error_set(CT_ECONFLICT,
			"%s exists: another git command is updating %s, or one was killed; if none is "
			"running, remove it (rm '%s') and try again; nothing was written",
			lock.ptr, store->branch, lock.ptr);
	else if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED)
		error = ct_error_set(CT_ECONFLICT,
			"%s kept being moved by other git commands while writing (%d attempts in %.0f s); "
			"nothing was written, try again",
			store->branch, attempts, ct__lock_timeout());
	else
		error = ct__git_error(CT_EIO, store->branch);
	ct_buf_free(&lock);
	return error;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ct__store_write(ct_store *store, const ct_key *signer, int max_retries, ct_txn_build_fn build,
	void *payload)
{
	ct_txn txn;
	ct__write_lock lock;
	ct__index *index = NULL;
	ct__index_new *entries = NULL;
	git_reference *ref = NULL;
	const char **paths = NULL;
	ct_buf keeps = CT_BUF_INIT, newindex = CT_BUF_INIT, v4tmp = CT_BUF_INIT;
	ct_buf made = CT_BUF_INIT;
	git_oid commit, parent;
	int has_parent;
	int attempt;
	int bare = git_repository_is_bare(store->repo);
	int locked = 0, moved = 0;
	double deadline;
	int error = 0;
	int rc;

	memset(&txn, 0, sizeof(txn));
	txn.store = store;
	txn.wrepo = store->repo;
	if (max_retries <= 0)
		max_retries = 8;
	/* Queued behind other claimtrail writers, holding index.lock from before the branch is read
	 * until the index matches the new commit: a person's git waits or refuses meanwhile. */
	if ((error = ct__write_lock_take(&lock, store->repo)) < 0)
		goto done;
	locked = 1;
	deadline = mono_now() + ct__lock_timeout();
	if ((error = ct_buf_printf(&v4tmp, "%s/index.v4", lock.dir.ptr)) < 0)
		goto done;
	for (attempt = 0;; attempt++) {
		txn_reset(&txn);
		/* every write's objects go into a pack guarded by a .keep file until the branch
		 * refers to them: `git gc --prune=now` meanwhile would drop loose ones */
		if ((error = txn_use_mempack(&txn)) < 0 || (error = ct__store_refresh(store)) < 0)
			goto done;
		if (store->detached) {
			error = ct_error_set(CT_ECONFLICT,
				"HEAD is detached: check out a branch before writing to the store");
			goto done;
		}
		if ((error = build(&txn, store, payload)) < 0)
			goto done;
		if (txn.nfiles == 0 && !txn.merge) {
			error = ct_error_set(CT_EINVALID, "nothing to write");
			goto done;
		}
		/* The index is read and checked here, inside index.lock, before the commit: one
		 * that could not be updated (damaged, split, sparse) is refused while nothing is
		 * written. */
		if (!bare) {
			ct__index_free(index);
			index = NULL;
			if ((error = ct__index_read(&index, store->repo)) < 0 ||
				(error = check_clean(store, &txn, index)) < 0)
				goto done;
		}
		if ((error = make_commit(&commit, store, &txn, signer)) < 0 ||
			(error = write_pack(&txn, &commit, &keeps, &made)) < 0)
			goto done;
		if (!bare) {
			free(entries);
			if (!(entries = calloc(txn.nfiles ? txn.nfiles : 1, sizeof(*entries)))) {
				error = ct__oom();
				goto done;
			}
			if ((error = build_index(
				     &newindex, store, &txn, index, entries, v4tmp.ptr)) < 0)
				goto done;
		}
		if ((error = ct__write_lock_stage(
			     &lock, store->branch, &commit, bare ? NULL : &newindex)) < 0)
			goto done;
		has_parent = store->has_head;
		parent = store->head;
		rc = git_reference_create_matching(&ref, store->repo, store->branch, &commit,
			has_parent, has_parent ? &parent : NULL, txn.subject.ptr);
		git_reference_free(ref);
		ref = NULL;
		if (rc == 0)
			break;
		if ((error = ct__write_lock_unstage(&lock)) < 0)
			goto done;
		/* Only other git commands move the branch or hold its lock now (claimtrail's writers
		 * queue): try again until the deadline, and at least max_retries times. */
		if ((rc != GIT_EMODIFIED && rc != GIT_EEXISTS && rc != GIT_ELOCKED) ||
			(attempt + 1 >= max_retries && mono_now() >= deadline)) {
			error = cas_error(store, rc, attempt + 1);
			goto done;
		}
		git_error_clear();
		backoff(attempt);
	}
	moved = 1;
	drop_keeps(&keeps);
	if ((error = ct__store_refresh(store)) < 0)
		goto done;
	{
		size_t i;
		if (!(paths = calloc(txn.nfiles ? txn.nfiles : 1, sizeof(*paths)))) {
			error = ct__oom();
			goto done;
		}
		for (i = 0; i < txn.nfiles; i++)
			paths[i] = txn.files[i].path;
		/* The journal is a cache: a failure here is repaired by the next read. A merge or
		 * a fast-forward brings commits of another history, each of which wrote its own
		 * files: the next read indexes them from history (journal.c), so that each record
		 * is attributed to the commit that wrote it, not to the merge. */
		if (!txn.merge)
			ct__journal_record(store, &commit, &parent, has_parent, paths, txn.nfiles);
	}
	if (!bare) {
		size_t placed;
		error = sync_worktree(store, &txn, index, entries, &placed);
		if (error == 0 && txn.bulk && placed == txn.nfiles && placed > 0)
			restat_index(store, &lock, index, entries, placed, v4tmp.ptr);
	}
done:
	if (locked && moved) {
		/* the index already stages the commit's files: it goes in place whatever the work
		 * tree copy did (a kill before this is finished by the next command) */
		if (error < 0 && error != CT_ECONFLICT && !bare) {
			/* a file could not be written (not a user's change): the index stays in
			 * index.lock, so that no git commit -a records the file as deleted, until
			 * the next claimtrail command has written the files */
			char message[1024];
			ct__write_lock_leave(&lock);
			snprintf(message, sizeof(message), "%s", ct_error_last());
			ct_error_set(error, "%s (any claimtrail command finishes it)", message);
		} else {
			int rc2 = ct__write_lock_commit(&lock, error < 0);
			if (rc2 < 0 && error == 0)
				error = ct_error_prefix(
					rc2, "committed, but the index was not updated");
		}
	}
	/* The branch refers to this write's objects now: its pack joins the list of claimtrail's
	 * packs and the small ones are merged (docs/store.md, "Objects and git gc"). This is
	 * upkeep: the write is done whatever it does, and a failure leaves every pack in place. */
	if (locked && moved && error == 0) {
		drop_keeps(&keeps);
		if (ct__pack_settle(store->repo, lock.common_dir.ptr, (ct__pack_entry *)made.ptr,
			    made.len / sizeof(ct__pack_entry)) < 0)
			ct_error_clear();
	}
	if (locked)
		ct__write_lock_release(&lock);
	drop_keeps(&keeps);
	ct_buf_free(&keeps);
	ct_buf_free(&made);
	ct_buf_free(&newindex);
	ct_buf_free(&v4tmp);
	free(entries);
	free(paths);
	ct__index_free(index);
	txn_free(&txn);
	return error;
}
