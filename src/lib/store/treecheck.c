/*
 * What git fsck rejects in a tree, checked on the trees a write builds on: libgit2 copies the
 * entries of an existing tree into the new one as they are, so a crafted entry (a "..", a
 * ".git", two entries of one name) would otherwise be carried into every later commit, and a
 * host that checks what it receives (receive.fsckObjects) would refuse the branch.
 */
#include "treecheck.h"
#include "claimtrail/common.h"

#include <string.h>
#include <strings.h>

/* ".git" as git reads it on any file system: in any case, and the short name "git~1" that
 * Windows gives it; with trailing dots or spaces, which Windows drops. */
static int is_dotgit(const char *name)
{
	size_t n = strlen(name);

	while (n > 0 && (name[n - 1] == '.' || name[n - 1] == ' '))
		n--;
	return (n == 4 && strncasecmp(name, ".git", 4) == 0) ||
		(n == 5 && strncasecmp(name, "git~1", 5) == 0);
}

/* git's order of tree entries: by name, a tree's name compared as if it ended in "/". */
static int entry_cmp(const git_tree_entry *a, const git_tree_entry *b)
{
	const char *na = git_tree_entry_name(a), *nb = git_tree_entry_name(b);
	size_t la = strlen(na), lb = strlen(nb), n = la < lb ? la : lb;
	int c = memcmp(na, nb, n);
	unsigned char ca, cb;

	if (c)
		return c;
	ca = na[n] ? (unsigned char)na[n]
		   : (git_tree_entry_type(a) == GIT_OBJECT_TREE && la == n ? '/' : '\0');
	cb = nb[n] ? (unsigned char)nb[n]
		   : (git_tree_entry_type(b) == GIT_OBJECT_TREE && lb == n ? '/' : '\0');
	return (int)ca - (int)cb;
}

/* The name for a one-line message: at most 120 bytes, control characters as '?'. */
static void printable(char out[121], const char *name)
{
	size_t i;

	for (i = 0; i < 120 && name[i]; i++)
		out[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
	out[i] = '\0';
}

int ct__tree_check(const git_tree *tree, const char *path)
{
	size_t i, count = git_tree_entrycount(tree);
	const git_tree_entry *prev = NULL;

	for (i = 0; i < count; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		const char *why = NULL;

		switch (git_tree_entry_filemode_raw(e)) {
		case GIT_FILEMODE_TREE:
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
		case GIT_FILEMODE_LINK:
		case GIT_FILEMODE_COMMIT: break;
		default: why = "badFilemode: a file mode git does not know";
		}
		if (!*name)
			why = "emptyName: an entry with no name";
		else if (strchr(name, '/'))
			why = "fullPathname: a name with a slash";
		else if (strcmp(name, ".") == 0)
			why = "hasDot: an entry named '.'";
		else if (strcmp(name, "..") == 0)
			why = "hasDotdot: an entry named '..'";
		else if (is_dotgit(name))
			why = "hasDotgit: an entry git reads as '.git'";
		else if (prev && strcmp(git_tree_entry_name(prev), name) == 0)
			why = "duplicateEntries: two entries of one name";
		else if (prev && entry_cmp(prev, e) > 0)
			why = "treeNotSorted: entries out of order";
		if (why) {
			char shown[121];
			printable(shown, name);
			return ct_error_set(CT_EINVALID,
				"%s%s%s: the committed tree has an entry git fsck rejects (%s); "
				"claimtrail does not commit on top of it: remove it with git first",
				path, *path ? "/" : "", shown, why);
		}
		prev = e;
	}
	return 0;
}

#define TREE_DEPTH_MAX 4096

static int check_below(git_repository *repo, const git_tree *tree, const git_tree *known,
	ct_buf *path, size_t depth)
{
	size_t i, len = path->len;
	int error;

	if (depth > TREE_DEPTH_MAX)
		return ct_error_set(CT_EINVALID, "%s: trees nested deeper than %d levels",
			path->ptr, TREE_DEPTH_MAX);
	if ((error = ct__tree_check(tree, path->ptr)) < 0)
		return error;
	for (i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const git_tree_entry *was;
		git_tree *sub = NULL, *oldsub = NULL;
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
			continue;
		was = known ? git_tree_entry_byname(known, git_tree_entry_name(e)) : NULL;
		if (was && git_oid_equal(git_tree_entry_id(was), git_tree_entry_id(e)))
			continue; /* checked before, and trees do not change */
		if ((error = ct_buf_printf(path, "%s%s", len ? "/" : "", git_tree_entry_name(e))) <
			0)
			return error;
		if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0) {
			error = ct_error_set(CT_EIO, "%s: cannot read the tree: %s", path->ptr,
				git_error_last() ? git_error_last()->message : "unknown error");
			return error;
		}
		if (was && git_tree_entry_type(was) == GIT_OBJECT_TREE)
			git_tree_lookup(&oldsub, repo, git_tree_entry_id(was));
		error = check_below(repo, sub, oldsub, path, depth + 1);
		git_tree_free(sub);
		git_tree_free(oldsub);
		if (error < 0)
			return error;
		ct_buf_truncate(path, len);
	}
	return 0;
}

int ct__tree_check_all(git_repository *repo, const git_tree *tree, const git_tree *known)
{
	ct_buf path = CT_BUF_INIT;
	int error;

	if ((error = ct_buf_puts(&path, "")) == 0)
		error = check_below(repo, tree, known, &path, 0);
	ct_buf_free(&path);
	return error;
}
