/*
 * libFuzzer target: git tree objects as claimtrail reads them, from arbitrary bytes. The input
 * is stored as a tree object in an in-memory repository (libgit2's mempack, nothing on disk),
 * read by libgit2's tree parser, and checked by the git fsck rules writers apply
 * (ct__tree_check), alone and as the subtree "sub" of a second tree (ct__tree_check_all, which
 * walks into it and its own subtrees, most of them missing). Nothing may crash or leak; an
 * accepted tree must have no entry named "", ".", ".." or ".git" and no name twice in a row.
 *   mkdir -p /tmp/tree && build-fuzz/tests/fuzz_tree -max_total_time=120 /tmp/tree tests/fuzz/corpus/tree
 * (libFuzzer adds what it finds to the first folder: keep the committed seeds as they are).
 */
#include "claimtrail.h"
#include "treecheck.h"

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/repository.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static git_repository *repo;
static git_odb_backend *mempack;

static void setup(void)
{
	git_odb *odb = NULL;

	/* no object cache: a run parses millions of trees, each new */
	if (ct_init() < 0 || git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0) < 0 ||
		git_odb_new(&odb) < 0 || git_mempack_new(&mempack) < 0 ||
		git_odb_add_backend(odb, mempack, 1) < 0 || git_repository_wrap_odb(&repo, odb) < 0)
		abort();
	git_odb_free(odb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	git_oid id, outer_id;
	git_tree *tree = NULL, *outer = NULL;
	git_treebuilder *tb = NULL;
	size_t i;

	if (!ready) {
		setup();
		ready = 1;
	}
	{
		git_odb *odb = NULL;
		if (git_repository_odb(&odb, repo) < 0)
			abort();
		if (git_odb_write(&id, odb, data, size, GIT_OBJECT_TREE) < 0) {
			git_odb_free(odb);
			return 0;
		}
		git_odb_free(odb);
	}
	if (git_tree_lookup(&tree, repo, &id) < 0)
		goto done; /* libgit2 refused to parse it */
	if (ct__tree_check(tree, "") == 0) {
		const char *prev = NULL;
		for (i = 0; i < git_tree_entrycount(tree); i++) {
			const char *name = git_tree_entry_name(git_tree_entry_byindex(tree, i));
			if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
				strcasecmp(name, ".git") == 0 || strchr(name, '/') ||
				(prev && strcmp(prev, name) == 0))
				abort();
			prev = name;
		}
	}
	ct_error_clear();
	(void)ct__tree_check_all(repo, tree, NULL);
	/* as a subtree, compared with itself as the tree checked before, and with nothing */
	if (git_treebuilder_new(&tb, repo, NULL) == 0 &&
		git_treebuilder_insert(NULL, tb, "sub", &id, GIT_FILEMODE_TREE) == 0 &&
		git_treebuilder_write(&outer_id, tb) == 0 &&
		git_tree_lookup(&outer, repo, &outer_id) == 0) {
		(void)ct__tree_check_all(repo, outer, NULL);
		(void)ct__tree_check_all(repo, outer, outer);
		(void)ct__tree_check_all(repo, tree, outer);
	}
done:
	git_treebuilder_free(tb);
	git_tree_free(outer);
	git_tree_free(tree);
	/* the mempack would grow without bound over a run */
	git_mempack_reset(mempack);
	return 0;
}
