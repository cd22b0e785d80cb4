/* Writing git pack files for bulk writes (packwrite.c). */
#ifndef CT_PACKWRITE_H
#define CT_PACKWRITE_H

#include "claimtrail/common.h"

#include <git2.h>

/* One object to pack: its id (as git computes it), type and raw content (borrowed). */
typedef struct {
	git_oid oid;
	git_object_t type;
	const void *data;
	size_t len;
} ct__pack_object;

/*
 * Writes objects into repo's objects/pack/ as one pack and its index (version 2), every object
 * whole (no deltas), compressed on up to `threads` threads (0: one per core). The objects may be
 * given in any order; an id given twice is packed once. Callers give the ids git computes for
 * the content: they are not recomputed here. Returns 0, or CT_EIO / CT_ENOMEM / CT_EINVALID
 * with nothing visible to readers (a pack becomes visible when its index is renamed into place,
 * last).
 *
 * With keep, the pack also gets a pack-<hex>.keep file, created before the pack is renamed into
 * place, and keep is set to its path: until the caller removes it (once a branch refers to the
 * objects), `git gc` and `git repack` leave the pack alone, as they do for git's own
 * receive-pack. keep is left empty when such a file already existed (someone else's to remove).
 * When the write fails after the pack was renamed into place (its index could not be), keep is
 * still set: the caller removes that file too.
 */
int ct__pack_write(git_repository *repo, ct__pack_object *objects, size_t count, unsigned threads,
	ct_buf *keep);

/* A pack claimtrail wrote: its name (the hex of pack-<hex>.pack) and how many objects it holds. */
typedef struct {
	char hex[GIT_OID_HEXSZ + 1];
	size_t count;
} ct__pack_entry;

/* ct__pack_write that also fills made (when not NULL and a pack was written: count > 0). */
int ct__pack_write_named(git_repository *repo, ct__pack_object *objects, size_t count,
	unsigned threads, ct_buf *keep, ct__pack_entry *made);

/*
 * Keeps the number of packs claimtrail's writes make small. Called by a writer holding the
 * write lock, after the branch refers to the objects of the packs in made (n of them). The
 * packs claimtrail made are listed in <statedir>/packs; once more than CT__PACKS_LOOSE of them
 * (each under CT__PACK_SETTLED objects, none with a .keep) are there, the smaller ones are
 * merged into one new pack (sizes kept in a geometric progression, as `git repack --geometric=2`
 * does, so an object is rewritten a few times at most). The new pack is written with a .keep
 * file, every object of the merged packs is checked to be in it, and only then are the merged
 * packs removed and the .keep with them. Packs claimtrail did not write (a clone's, git gc's)
 * are never touched. Returns 0 or a negative CT_E* code; on failure nothing is removed.
 */
int ct__pack_settle(
	git_repository *repo, const char *statedir, const ct__pack_entry *made, size_t n);

#define CT__PACKS_LOOSE 8
#define CT__PACK_SETTLED 50000

#endif
