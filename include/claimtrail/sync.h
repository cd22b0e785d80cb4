/*
 * Sync over git remotes (docs/sync.md): fetch a remote's branch into a quarantine ref, verify
 * every record the local store does not have yet, merge what verified by rule (the union of
 * immutable records, concurrent revisions kept side by side), push.
 */
#ifndef CLAIMTRAIL_SYNC_H
#define CLAIMTRAIL_SYNC_H

#include "common.h"
#include "key.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_SYNC_OPTS_VERSION 1

typedef struct {
	unsigned int version;
	/* Keys trusted besides the clone's trust list (--trust); may be NULL. With neither, the
	 * key records of the local store are trusted as given (ct_store_trust). */
	const ct_keyring *trust;
	/* pull: merge the records that verify, leave the others in quarantine */
	int only_trusted;
	/* pull: merge although the remote's branch no longer descends from the commit last
	 * verified from it (a force-push) */
	int accept_rewrite;
	/* one line per problem found in what was fetched */
	ct_finding_fn problem;
	void *problem_payload;
	/* "receiving" (objects), "pushing" (objects) and "verifying" (records) */
	ct_progress_fn progress;
	void *progress_payload;
} ct_sync_opts;

#define CT_SYNC_OPTS_INIT \
	{ \
		CT_SYNC_OPTS_VERSION, NULL, 0, 0, NULL, NULL, NULL, NULL \
	}

typedef struct {
	char remote[128];
	char branch[256];		      /* the branch synced: "refs/heads/main" */
	char incoming[CT_COMMIT_HEX_LEN + 1]; /* the fetched commit ("" when the remote has
						 no such branch) */
	char merged[CT_COMMIT_HEX_LEN + 1];   /* pull: the branch's new commit, "" when it did
						 not move */
	size_t fresh;			      /* records fetched that the local store lacks */
	size_t problems;		      /* problem lines reported */
	size_t quarantined;		      /* fresh records left out (--only-trusted) */
	size_t conflicted;		      /* claims with concurrent revisions after a pull */
	int rewritten;			      /* the remote's branch does not descend from the
						 commit last verified from it */
	int fast_forward;		      /* pull moved the branch to the fetched commit */
	int up_to_date;			      /* nothing to merge or push */
	int trust_fallback;		      /* no trust list, no given keys: the local store's
						 key records were trusted as given */
	size_t objects;			      /* objects received or pushed */
	size_t bytes;			      /* bytes received */
	size_t conflicted_sources;	      /* sources with concurrent revisions after a pull */
} ct_sync_report;

/*
 * Fetches the branch HEAD names from remote (a remote of the repository's git configuration,
 * "origin" when NULL) into refs/claimtrail/incoming/<remote>, never the branch itself, and
 * verifies every record of the fetched store folder that the local store does not have (as
 * `check` does: form, schema, signatures by trusted keys, chains, references), and that no
 * record the local store has was changed or removed there. Problems go to opts->problem; then
 * CT_EBADSIG ("<n> problems in what <remote> sent"). A remote branch that does not descend from
 * the commit last verified from that remote (refs/claimtrail/verified/<remote>) is a problem too.
 */
int ct_sync_fetch(
	ct_sync_report *out, ct_store *store, const char *remote, const ct_sync_opts *opts);

/*
 * ct_sync_fetch, then merges: a fast-forward when the branch is behind, else one merge commit
 * whose parents are the branch and the fetched commit and whose store folder is the union of
 * both. Refuses (nothing merged) when anything failed verification, unless opts->only_trusted
 * (then one commit of the records that verified, with the branch as its only parent), and when
 * the remote's history was rewritten, unless opts->accept_rewrite.
 */
int ct_sync_pull(
	ct_sync_report *out, ct_store *store, const char *remote, const ct_sync_opts *opts);

/* Pushes the branch to the remote's branch of the same name. CT_ECONFLICT ("pull first") when
 * the remote's branch moved to a commit the branch does not contain. */
int ct_sync_push(
	ct_sync_report *out, ct_store *store, const char *remote, const ct_sync_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
