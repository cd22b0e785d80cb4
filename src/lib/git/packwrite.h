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

#endif
