/* Unit tests for store writes in a work tree (store_write.c): a path the user changes between
 * the clean check and the copy into the work tree is left as the user made it. The change is
 * made by the store's test hook, which runs after the branch has moved and before the copy. */
#include "test.h"
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/ct-test-store.XXXXXX";
static ct_key *key;

static const char *at(const char *name)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void write_text(const char *name, const char *text)
{
	char parent[1024];
	char *slash;
	FILE *f;

	snprintf(parent, sizeof(parent), "%s", at(name));
	if ((slash = strrchr(parent, '/'))) {
		*slash = '\0';
		mkdir(parent, 0755);
	}
	f = fopen(at(name), "wb");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The work tree file's content ("(absent)" when there is none). */
static const char *read_text(const char *name)
{
	static char text[256];
	FILE *f = fopen(at(name), "rb");
	size_t n;

	if (!f)
		return "(absent)";
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* The blob id staged for name at stage 0, as hex ("(none)" when not staged). */
static const char *staged_hex(const char *name)
{
	static char hex[GIT_OID_HEXSZ + 1];
	git_repository *repo = NULL;
	git_index *index = NULL;
	const git_index_entry *e;

	snprintf(hex, sizeof(hex), "(none)");
	if (git_repository_open(&repo, dir) == 0 && git_repository_index(&index, repo) == 0 &&
		(e = git_index_get_bypath(index, name, 0)))
		git_oid_tostr(hex, sizeof(hex), &e->id);
	git_index_free(index);
	git_repository_free(repo);
	return hex;
}

static const char *blob_hex(const char *text)
{
	static char hex[GIT_OID_HEXSZ + 1];
	git_oid id;

	git_odb_hash(&id, text, strlen(text), GIT_OBJECT_BLOB);
	return git_oid_tostr(hex, sizeof(hex), &id);
}

/* What name holds in the branch's commit ("(absent)" when nothing). */
static const char *head_text(ct_store *store, const char *name)
{
	static char text[256];
	ct_buf buf = CT_BUF_INIT;

	if (ct__read_path(&buf, store, name, sizeof(text) - 1) < 0) {
		ct_error_clear();
		return "(absent)";
	}
	snprintf(text, sizeof(text), "%.*s", (int)buf.len, buf.ptr);
	ct_buf_free(&buf);
	return text;
}

typedef struct {
	const char *path[2];
	const char *text[2];
} files;

static int put_files(ct_txn *txn, ct_store *store, void *payload)
{
	const files *f = payload;
	int i, error = 0;

	(void)store;
	for (i = 0; i < 2 && f->path[i] && error == 0; i++)
		error = ct__txn_put(txn, f->path[i], f->text[i], strlen(f->text[i]));
	if (error == 0)
		error = ct__txn_subject(txn, "test write");
	return error;
}

/* What the hook does to path between the commit and the copy into the work tree. */
typedef enum { NOTHING, EDIT, EDIT_BOTH, DELETE, STAGE, BLOCK_DIR, GIT_COMMIT_A } change;

typedef struct {
	change what;
	const char *path, *path2;
	int calls;
} hook;

static void run_hook(ct_store *store, void *payload)
{
	hook *h = payload;
	git_repository *repo = NULL;
	git_index *index = NULL;

	(void)store;
	h->calls++;
	switch (h->what) {
	case NOTHING: break;
	case EDIT: write_text(h->path, "the user's text\n"); break;
	case EDIT_BOTH:
		write_text(h->path, "the user's text\n");
		write_text(h->path2, "the user's other text\n");
		break;
	case DELETE: CHECK(unlink(at(h->path)) == 0); break;
	case STAGE: {
		/* `git add` of an edit, then the edit undone: only the index differs */
		char old[256];
		snprintf(old, sizeof(old), "%s", read_text(h->path));
		write_text(h->path, "staged by the user\n");
		CHECK(git_repository_open(&repo, dir) == 0 &&
			git_repository_index(&index, repo) == 0 &&
			git_index_add_bypath(index, h->path) == 0);
		CHECK(git_index_write(index) == GIT_ELOCKED); /* index.lock is the write's */
		write_text(h->path, old);
		break;
	}
	case BLOCK_DIR: {
		/* a file where path2's folder would go: path2 cannot be written, path can */
		char parent[256];
		snprintf(parent, sizeof(parent), "%s", h->path2);
		*strrchr(parent, '/') = '\0';
		write_text(parent, "in the way\n");
		break;
	}
	case GIT_COMMIT_A: {
		/* a person's `git commit -a` of their own file, after the branch moved: it must not
		 * commit an index without the write's file (deleting it), so git has to refuse */
		char cmd[1200];
		write_text(h->path2, "a person's edit\n");
		snprintf(cmd, sizeof(cmd),
			"git -C '%s' -c user.name=P -c user.email=p@example.org commit -qam person "
			">/dev/null 2>&1",
			dir);
		CHECK(system(cmd) != 0);
		/* git commit reads HEAD and then the index without index.lock, and takes the lock
		 * only after: once the branch has the record, the index must have it too, or such a
		 * commit, taking the lock just after the write lets it go, deletes the record */
		CHECK_STR(staged_hex(h->path), blob_hex("ours\n"));
		break;
	}
	}
	git_index_free(index);
	git_repository_free(repo);
}

/* Writes path = text (and path2 = text2 when given) with the hook doing what to path. */
static int write_with(ct_store *store, change what, const char *path, const char *text,
	const char *path2, const char *text2)
{
	files f = {{path, path2}, {text, text2}};
	hook h = {what, path, path2, 0};
	int error;

	store->test_before_worktree = run_hook;
	store->test_before_worktree_payload = &h;
	error = ct__store_write(store, key, 8, put_files, &f);
	store->test_before_worktree = NULL;
	store->test_before_worktree_payload = NULL;
	CHECK_INT(h.calls, 1);
	return error;
}

/* Every case on its own paths below prefix ("claims/v2" ...), so that one case's leftovers do not
 * get in the way of the next. */
static void test_changed_during_write(ct_store *store, const char *prefix)
{
	char p[10][256], blocked[256];
	int i;

	for (i = 0; i < 10; i++)
		snprintf(p[i], sizeof(p[i]), "%s/f%d.txt", prefix, i);
	snprintf(blocked, sizeof(blocked), "%s/zz/f.txt", prefix);

	/* nothing changes: written and staged */
	CHECK_INT(write_with(store, NOTHING, p[0], "ours 0\n", NULL, NULL), 0);
	CHECK_STR(read_text(p[0]), "ours 0\n");
	CHECK_STR(staged_hex(p[0]), blob_hex("ours 0\n"));

	/* a new path: the user creates a file there; the other file of the write goes in */
	CHECK_INT(write_with(store, EDIT, p[1], "ours 1\n", p[2], "ours 2\n"), CT_ECONFLICT);
	CHECK_ERROR_HAS("committed, but the work tree was not updated: ");
	CHECK_ERROR_HAS(p[1]);
	CHECK_ERROR_HAS("was changed during the write and is left as it is");
	CHECK_STR(read_text(p[1]), "the user's text\n");
	/* the index stages what was committed (it was in index.lock before the branch moved):
	 * `git diff` shows the user's file against it, nothing is staged to undo the commit */
	CHECK_STR(staged_hex(p[1]), blob_hex("ours 1\n"));
	CHECK_STR(head_text(store, p[1]), "ours 1\n");
	CHECK_STR(read_text(p[2]), "ours 2\n");
	CHECK_STR(staged_hex(p[2]), blob_hex("ours 2\n"));

	/* a tracked path: the user edits it */
	CHECK_INT(write_with(store, NOTHING, p[3], "ours 3\n", NULL, NULL), 0);
	CHECK_INT(write_with(store, EDIT, p[3], "ours 3, new\n", NULL, NULL), CT_ECONFLICT);
	CHECK_ERROR_HAS(p[3]);
	CHECK_STR(read_text(p[3]), "the user's text\n");
	CHECK_STR(staged_hex(p[3]), blob_hex("ours 3, new\n"));
	CHECK_STR(head_text(store, p[3]), "ours 3, new\n");

	/* the user deletes it */
	CHECK_INT(write_with(store, NOTHING, p[4], "ours 4\n", NULL, NULL), 0);
	CHECK_INT(write_with(store, DELETE, p[4], "ours 4, new\n", NULL, NULL), CT_ECONFLICT);
	CHECK_ERROR_HAS(p[4]);
	CHECK_STR(read_text(p[4]), "(absent)");
	CHECK_STR(staged_hex(p[4]), blob_hex("ours 4, new\n"));

	/* the user tries to stage a change to it: the index is locked for the whole write, so the
	 * `git add` fails (the hook checks) and the write goes through */
	CHECK_INT(write_with(store, NOTHING, p[5], "ours 5\n", NULL, NULL), 0);
	CHECK_INT(write_with(store, STAGE, p[5], "ours 5, new\n", NULL, NULL), 0);
	CHECK_STR(read_text(p[5]), "ours 5, new\n");
	CHECK_STR(staged_hex(p[5]), blob_hex("ours 5, new\n"));

	/* both paths of a write changed: one line names the first and counts the other */
	CHECK_INT(write_with(store, EDIT_BOTH, p[6], "ours 6\n", p[7], "ours 7\n"), CT_ECONFLICT);
	CHECK_ERROR_HAS(" and 1 more were changed during the write and are left as they are");
	CHECK_STR(read_text(p[6]), "the user's text\n");
	CHECK_STR(read_text(p[7]), "the user's other text\n");
	CHECK_STR(staged_hex(p[7]), blob_hex("ours 7\n"));

	/* the second file cannot be written: the first, already in place, is staged, so that the
	 * index matches the work tree for it */
	CHECK_INT(write_with(store, BLOCK_DIR, p[9], "ours 9\n", blocked, "ours z\n"), CT_EIO);
	CHECK_ERROR_HAS("committed, but the work tree was not updated: ");
	CHECK_ERROR_HAS("zz/f.txt");
	CHECK_ERROR_HAS("(any claimtrail command finishes it)");
	CHECK_STR(read_text(p[9]), "ours 9\n");
	/* the index stages the commit (it was in place before the branch moved), and index.lock
	 * stays meanwhile: a person's `git commit -a` would otherwise record the file that is not
	 * there as deleted; git refuses instead */
	CHECK(access(at(".git/index.lock"), F_OK) == 0);
	CHECK_STR(staged_hex(p[9]), blob_hex("ours 9\n"));
	CHECK_STR(staged_hex(blocked), blob_hex("ours z\n"));
	{
		/* once the way is clear, the next command writes the file and puts the index in place */
		char parent[256];
		ct_store *again = NULL;
		snprintf(parent, sizeof(parent), "%s", blocked);
		*strrchr(parent, '/') = '\0';
		CHECK_INT(unlink(at(parent)), 0);
		CHECK_INT(ct_store_open(&again, dir, NULL), 0);
		ct_store_free(again);
		CHECK(access(at(".git/index.lock"), F_OK) != 0);
		CHECK_STR(read_text(blocked), "ours z\n");
		CHECK_STR(staged_hex(p[9]), blob_hex("ours 9\n"));
		CHECK_STR(staged_hex(blocked), blob_hex("ours z\n"));
	}
}

/* A person's `git commit -a` while a write is between moving the branch and updating the index:
 * git refuses (index.lock), and the record stays committed, staged and in the work tree. */
static void test_person_commit_during_write(ct_store *store)
{
	files f = {{"claims/person/ours.txt", NULL}, {"ours\n", NULL}};
	hook h = {GIT_COMMIT_A, "claims/person/ours.txt", "notes.txt", 0};
	char cmd[1200];

	write_text("notes.txt", "notes\n");
	snprintf(cmd, sizeof(cmd),
		"git -C '%s' add notes.txt && git -C '%s' -c user.name=P -c user.email=p@example.org "
		"commit -qm notes >/dev/null 2>&1",
		dir, dir);
	CHECK(system(cmd) == 0);
	store->test_before_worktree = run_hook;
	store->test_before_worktree_payload = &h;
	CHECK_INT(ct__store_write(store, key, 8, put_files, &f), 0);
	store->test_before_worktree = NULL;
	store->test_before_worktree_payload = NULL;
	CHECK_INT(h.calls, 1);
	CHECK_INT(ct__store_refresh(store), 0);
	CHECK_STR(head_text(store, "claims/person/ours.txt"), "ours\n");
	CHECK_STR(staged_hex("claims/person/ours.txt"), blob_hex("ours\n"));
	CHECK_STR(read_text("claims/person/ours.txt"), "ours\n");
	/* afterwards the person's commit goes through, and keeps the record */
	snprintf(cmd, sizeof(cmd),
		"git -C '%s' -c user.name=P -c user.email=p@example.org commit -qam person "
		">/dev/null 2>&1 && git -C '%s' cat-file -e HEAD:claims/person/ours.txt",
		dir, dir);
	CHECK(system(cmd) == 0);
}

/* A bulk write whose first attempt loses the race for the branch: the retry's pack leaves out
 * what the first attempt's pack already holds, so that pack keeps its .keep (guarding it from
 * `git gc`) until the write is over, and neither is left behind afterwards. */
typedef struct {
	int calls;
	int keeps_at_retry;
} retry_state;

static int count_keeps(void)
{
	char cmd[1200];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls '%s/.git/objects/pack' | grep -c '\\.keep$'", dir);
	if ((p = popen(cmd, "r"))) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static int bulk_losing_once(ct_txn *txn, ct_store *store, void *payload)
{
	retry_state *r = payload;
	char cmd[1200];
	int error;

	(void)store;
	if (++r->calls == 2)
		r->keeps_at_retry = count_keeps();
	if ((error = ct__txn_bulk(txn)) < 0 ||
		(error = ct__txn_put(txn, "claims/bulk/sub/a.txt", "a\n", 2)) < 0 ||
		(error = ct__txn_put(txn, "claims/bulk/sub/b.txt", "b\n", 2)) < 0 ||
		(error = ct__txn_subject(txn, "bulk test write")) < 0)
		return error;
	if (r->calls == 1) { /* someone else moves the branch meanwhile (`git commit` would wait
			      * for index.lock, which the write holds: plumbing does not) */
		snprintf(cmd, sizeof(cmd),
			"cd '%s' && c=$(git -c user.name=T -c user.email=t@example.org commit-tree "
			"-p HEAD -m meanwhile 'HEAD^{tree}') && git update-ref HEAD \"$c\" >/dev/null 2>&1",
			dir);
		CHECK(system(cmd) == 0);
	}
	return 0;
}

static void test_bulk_retry_keeps(ct_store *store)
{
	retry_state r = {0, -1};
	char cmd[1200];

	CHECK_INT(ct__store_write(store, key, 8, bulk_losing_once, &r), 0);
	CHECK_INT(r.calls, 2);
	CHECK_INT(r.keeps_at_retry, 1);
	CHECK_INT(count_keeps(), 0);
	CHECK_STR(head_text(store, "claims/bulk/sub/b.txt"), "b\n");
	snprintf(cmd, sizeof(cmd), "git -C '%s' fsck --strict >/dev/null 2>&1", dir);
	CHECK(system(cmd) == 0);
}

/* check's progress: the total is known from the start (counted before the files are read), so
 * the progress line can say how long is left; the last call has done == total. */
typedef struct {
	size_t calls;
	uint64_t done, total, first_total;
} progress_seen;

static void on_progress(const ct_progress *p, void *payload)
{
	progress_seen *s = payload;

	if (s->calls++ == 0)
		s->first_total = p->total;
	s->done = p->done;
	s->total = p->total;
}

static void test_check_progress(ct_store *store)
{
	ct_check_opts opts = CT_CHECK_OPTS_INIT;
	progress_seen seen = {0, 0, 0, 0};
	size_t findings = 0;

	opts.progress = on_progress;
	opts.progress_payload = &seen;
	CHECK_INT(ct_store_check(&findings, store, &opts, NULL, NULL), 0);
	CHECK(seen.calls >= 2); /* store.json and the key's record */
	CHECK_INT(seen.first_total, seen.calls);
	CHECK_INT(seen.total, seen.calls);
	CHECK_INT(seen.done, seen.total);
}

/* Reads after writes in one process see the new snapshot: the fan-out folders a read looked up
 * (ct__store_bypath) are dropped when a write moves the branch. */
static void test_reads_after_writes(ct_store *store)
{
	ct_write_opts wo = CT_WRITE_OPTS_INIT;
	json_t *fields, *src = NULL, *got = NULL, *changes;

	wo.signer = key;
	fields = json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "T", "publisher", "P", "published",
		"2024-01-01", "kind", "article", "url", "https://example.org/t");
	CHECK_INT(ct_source_add(&src, store, fields, NULL, 0, &wo), 0);
	json_decref(fields);
	fields = json_pack("{s:s, s:s, s:{s:s}}", "id", "fan-one", "statement", "One",
		"attribution", "source", src ? ct_record_id(src) : "x");
	CHECK_INT(ct_claim_add(NULL, store, fields, &wo), 0);
	json_decref(fields);
	CHECK_INT(ct_store_get(&got, store, CT_KIND_CLAIM, "fan-one", 0), 0);
	CHECK_INT(json_integer_value(json_object_get(got, "revision")), 1);
	json_decref(got);
	got = NULL;
	CHECK_INT(ct_store_get(&got, store, CT_KIND_CLAIM, "fan-two", 0), CT_ENOTFOUND);
	ct_error_clear();
	changes = json_pack("{s:s}", "statement", "One, revised");
	wo.reason = "revised";
	CHECK_INT(ct_claim_revise(NULL, store, "fan-one", changes, &wo), 0);
	json_decref(changes);
	CHECK_INT(ct_store_get(&got, store, CT_KIND_CLAIM, "fan-one", 0), 0);
	CHECK_INT(json_integer_value(json_object_get(got, "revision")), 2);
	json_decref(got);
	got = NULL;
	wo.reason = NULL;
	fields = json_pack("{s:s, s:s, s:{s:s}}", "id", "fan-two", "statement", "Two",
		"attribution", "source", src ? ct_record_id(src) : "x");
	CHECK_INT(ct_claim_add(NULL, store, fields, &wo), 0);
	json_decref(fields);
	CHECK_INT(ct_store_get(&got, store, CT_KIND_CLAIM, "fan-two", 0), 0);
	json_decref(got);
	json_decref(src);
}

/* Revision file names: "rNNNN.json", and a claim revision's "rNNNN-<12 hex>.json" (docs/store.md). */
static void test_revision_file_names(void)
{
	const char *hex;

	CHECK_INT(ct__revision_file("r0001.json", &hex), 1);
	CHECK(hex == NULL);
	CHECK_INT(ct__revision_file("r12.json", NULL), 12);
	CHECK_INT(ct__revision_file("r0002-5c0d1e2f3a4b.json", &hex), 2);
	CHECK(hex && strncmp(hex, "5c0d1e2f3a4b", 12) == 0);
	CHECK_INT(ct__revision_file("r0002-5c0d1e2f3a4.json", NULL), 0);  /* 11 digits */
	CHECK_INT(ct__revision_file("r0002-5C0D1E2F3A4B.json", NULL), 0); /* upper case */
	CHECK_INT(ct__revision_file("r0002_5c0d1e2f3a4b.json", NULL), 0); /* not a dash */
	CHECK_INT(ct__revision_file("r.json", NULL), 0);
	CHECK_INT(ct__revision_file("r0002.txt", NULL), 0);
	CHECK_INT(ct__revision_file("r0002-5c0d1e2f3a4b5.json", NULL), 0); /* 13 digits */
}

int main(void)
{
	ct_runtime_opts rt = CT_RUNTIME_OPTS_INIT;
	ct_store *store = NULL;
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_object *tree = NULL;

	rt.time = 1700000000; /* the command passes SOURCE_DATE_EPOCH in this way */
	umask(022);
	if (ct_init() < 0 || ct_runtime_set(&rt) < 0 || !mkdtemp(dir) ||
		ct_key_generate(&key, "Test", NULL) < 0 ||
		ct_store_init(&store, dir, NULL, key) < 0) {
		fprintf(stderr, "setup: %s\n", ct_error_last());
		return 99;
	}
	test_check_progress(store);
	test_revision_file_names();
	test_changed_during_write(store, "claims/v2");
	/* version 4 goes through libgit2, which reads the index inside the lock; the index, damaged
	 * by the last case, is made again from HEAD */
	if (unlink(at(".git/index")) < 0 || git_repository_open(&repo, dir) < 0 ||
		git_revparse_single(&tree, repo, "HEAD^{tree}") < 0 ||
		git_repository_index(&index, repo) < 0 || git_index_read(index, 1) < 0 ||
		git_index_read_tree(index, (git_tree *)tree) < 0 ||
		git_index_set_version(index, 4) < 0 || git_index_write(index) < 0) {
		fprintf(stderr, "index v4: %s\n", git_error_last()->message);
		return 99;
	}
	git_object_free(tree);
	git_index_free(index);
	git_repository_free(repo);
	test_changed_during_write(store, "claims/v4");
	test_bulk_retry_keeps(store);
	test_person_commit_during_write(store);
	test_reads_after_writes(store);
	ct_store_free(store);
	ct_key_free(key);
	test_remove_dir(dir);
	ct_shutdown();
	return test_finish();
}
