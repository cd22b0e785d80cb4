/* Checking committed git trees the way git fsck does, before claimtrail builds on them. */
#ifndef CT_TREECHECK_H
#define CT_TREECHECK_H

#include <git2.h>

/*
 * Checks the entries of tree (found at path, "" for the root; for messages) against the rules
 * git fsck applies to a tree: no empty name, no "/" in a name, no ".", ".." or ".git" (in any
 * case, or the names Windows and macOS read as ".git"), a known file mode, entries sorted and no
 * name twice. Returns 0, or CT_EINVALID naming the entry and git fsck's message id.
 */
int ct__tree_check(const git_tree *tree, const char *path);

/*
 * Checks tree and every tree below it with ct__tree_check, except the subtrees that known (a
 * tree checked before, or NULL) holds unchanged under the same path: so a check against the
 * tree checked last costs what changed since. Deeper than 4096 levels is refused as well.
 * Returns 0, CT_EINVALID naming the first bad entry, or CT_EIO when a tree cannot be read.
 */
int ct__tree_check_all(git_repository *repo, const git_tree *tree, const git_tree *known);

#endif
