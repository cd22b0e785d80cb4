/* Unit tests for treehash.c: the tree it computes from a parent's tree and a list of files has,
 * in every case, the id libgit2 gives the same change written as trees (git_tree_create_updated,
 * the route claimtrail's writes take), and it says when a list cannot be applied by setting
 * files. Built on both hashing routes (-Dtree_hash=openssl, the default, and libgit2, the ASan
 * suite). */
#include "test.h"
#include "store_internal.h"

#include <unistd.h>

static char dir[] = "/tmp/ct-test-treehash.XXXXXX";
static git_repository *repo;

static git_oid blob_of(const char *text)
{
	git_oid id;

	CHECK(git_blob_create_from_buffer(&id, repo, text, strlen(text)) == 0);
	return id;
}

/* base with the files set (paths, texts: n of each), written by libgit2 */
static git_oid written(
	const git_oid *base, const char *const *paths, const char *const *texts, size_t n)
{
	git_tree_update up[16];
	git_tree *tree = NULL;
	git_oid out;
	size_t i;

	for (i = 0; i < n; i++) {
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].id = blob_of(texts[i]);
		up[i].filemode = GIT_FILEMODE_BLOB;
		up[i].path = paths[i];
	}
	if (base)
		CHECK(git_tree_lookup(&tree, repo, base) == 0);
	CHECK(git_tree_create_updated(&out, repo, tree, n, up) == 0);
	git_tree_free(tree);
	return out;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const ct__tree_file *)a)->path, ((const ct__tree_file *)b)->path);
}

/* ct__treehash_apply of the same change: 1 and libgit2's id, or what it returned */
static int computed(git_oid *out, ct__treehash *th, const git_oid *base, const char *const *paths,
	const char *const *texts, size_t n, ct__tree_file *files)
{
	size_t i;

	for (i = 0; i < n; i++) {
		files[i].path = paths[i];
		files[i].blob = blob_of(texts[i]);
	}
	qsort(files, n, sizeof(files[0]), by_path);
	return ct__treehash_apply(out, th, base, files, n);
}

/* Applies the change both ways from base and checks they agree; returns the new tree. */
static git_oid same(ct__treehash *th, const git_oid *base, const char *const *paths,
	const char *const *texts, size_t n)
{
	ct__tree_file files[16];
	git_oid want = written(base, paths, texts, n), got;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];

	CHECK_INT(computed(&got, th, base, paths, texts, n, files), 1);
	CHECK_STR(git_oid_tostr(a, sizeof(a), &got), git_oid_tostr(b, sizeof(b), &want));
	return want;
}

int main(void)
{
	git_odb *odb = NULL;
	ct__treehash *th = NULL, *cold = NULL;
	ct__tree_file files[16];
	git_oid t0, t1, t2, t3, t4, out;

	git_libgit2_init();
	CHECK(mkdtemp(dir) != NULL);
	CHECK(git_repository_init(&repo, dir, 1) == 0);
	CHECK(git_repository_odb(&odb, repo) == 0);
	CHECK(ct__treehash_new(&th, odb, 3) == 0);
	CHECK(ct__treehash_new(&cold, odb, 3) == 0);

	/* from nothing: the first files make every tree on their way */
	{
		const char *p[] = {
			"claims/store.json", "claims/claim/7d/a/r0001.json", "notes.txt"};
		const char *t[] = {"{}\n", "one\n", "notes\n"};
		t0 = same(th, NULL, p, t, 3);
	}
	/* names that sort around a folder's '/': a file "a-b", "a.json", "a0" beside folder "a" */
	{
		const char *p[] = {"claims/claim/7d/a-b", "claims/claim/7d/a.json",
			"claims/claim/7d/a0", "claims/claim/7d/a/r0002-0123456789ab.json"};
		const char *t[] = {"1\n", "2\n", "3\n", "4\n"};
		t1 = same(th, &t0, p, t, 4);
	}
	/* one file replaced, deep, among many: the usual claimtrail commit */
	{
		const char *p[] = {"claims/claim/7d/a/r0001.json"};
		const char *t[] = {"one, changed\n"};
		t2 = same(th, &t1, p, t, 1);
		/* the was fields: the parent's blob */
		CHECK_INT(computed(&out, cold, &t1, p, t, 1, files), 1);
		CHECK_INT(files[0].was, 1);
		CHECK(git_oid_equal(&files[0].was_blob, &(git_oid){{0}}) == 0);
		CHECK(git_oid_equal(&files[0].was_blob, &files[0].blob) == 0);
	}
	/* files in several folders at once, one of them new; from a cold state (trees read) */
	{
		const char *p[] = {"claims/claim/00/z/r0001.json", "claims/key/k.json",
			"claims/claim/7d/a/annotations/n1.json", "zz/top"};
		const char *t[] = {"z\n", "k\n", "n\n", "t\n"};
		ct__tree_file f2[16];
		git_oid want = written(&t2, p, t, 4);
		t3 = same(th, &t2, p, t, 4);
		CHECK_INT(computed(&out, cold, &t2, p, t, 4, f2), 1);
		CHECK(git_oid_equal(&out, &want));
	}
	/* a file set to the blob it has: the tree does not change, was says so */
	{
		const char *p[] = {"claims/key/k.json"};
		const char *t[] = {"k\n"};
		t4 = same(th, &t3, p, t, 1);
		CHECK(git_oid_equal(&t4, &t3));
		CHECK_INT(computed(&out, th, &t3, p, t, 1, files), 1);
		CHECK_INT(files[0].was, 1);
		CHECK(git_oid_equal(&files[0].was_blob, &files[0].blob));
	}
	/* what setting files cannot do: a file where a folder is, a folder where a file is */
	{
		const char *p[] = {"claims/claim/7d/a"};
		const char *t[] = {"x\n"};
		CHECK_INT(computed(&out, th, &t3, p, t, 1, files), 0);
	}
	{
		const char *p[] = {"notes.txt/inner"};
		const char *t[] = {"x\n"};
		CHECK_INT(computed(&out, th, &t3, p, t, 1, files), 0);
	}
	/* lists it does not take: unordered, twice, an empty part */
	{
		ct__tree_file l[2];
		l[0].path = "b/x";
		l[1].path = "a/x";
		l[0].blob = l[1].blob = blob_of("x\n");
		CHECK_INT(ct__treehash_apply(&out, th, &t3, l, 2), 0);
		l[1].path = "b/x";
		CHECK_INT(ct__treehash_apply(&out, th, &t3, l, 2), 0);
		l[0].path = "b//x";
		CHECK_INT(ct__treehash_apply(&out, th, &t3, l, 1), 0);
		l[0].path = "/b";
		CHECK_INT(ct__treehash_apply(&out, th, &t3, l, 1), 0);
	}
	/* taking files out: the parent's tree again, a folder left empty gone with its file */
	{
		const char *p[] = {"claims/claim/00/z/r0001.json", "claims/key/k.json",
			"claims/claim/7d/a/annotations/n1.json", "zz/top"};
		const char *t[] = {"z\n", "k\n", "n\n", "t\n"};
		ct__tree_file f2[16];
		char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
		size_t i;
		for (i = 0; i < 4; i++) {
			f2[i].path = p[i];
			f2[i].blob = blob_of(t[i]);
		}
		qsort(f2, 4, sizeof(f2[0]), by_path);
		CHECK_INT(ct__treehash_remove(&out, th, &t3, f2, 4), 1);
		CHECK_STR(git_oid_tostr(a, sizeof(a), &out), git_oid_tostr(b, sizeof(b), &t2));
		/* and from a cold state */
		CHECK_INT(ct__treehash_remove(&out, cold, &t3, f2, 4), 1);
		CHECK(git_oid_equal(&out, &t2));
		/* one that is not there, or not with that blob, cannot be taken out */
		f2[0].path = "claims/claim/00/z/r0002.json";
		CHECK_INT(ct__treehash_remove(&out, th, &t3, f2, 1), 0);
		f2[0].path = "claims/claim/00/z/r0001.json";
		f2[0].blob = blob_of("not z\n");
		CHECK_INT(ct__treehash_remove(&out, th, &t3, f2, 1), 0);
		/* nor a folder named as a file */
		f2[0].path = "claims/claim/00/z";
		f2[0].blob = blob_of("z\n");
		CHECK_INT(ct__treehash_remove(&out, th, &t3, f2, 1), 0);
	}
	/* a base that is not a tree is an error, not an answer */
	{
		ct__tree_file l[1];
		git_oid notree = blob_of("not a tree\n");
		l[0].path = "a";
		l[0].blob = notree;
		CHECK(ct__treehash_apply(&out, cold, &notree, l, 1) < 0);
	}

	ct__treehash_free(th);
	ct__treehash_free(cold);
	git_odb_free(odb);
	git_repository_free(repo);
	test_remove_dir(dir);
	return test_finish();
}
