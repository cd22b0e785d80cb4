/*
 * Publishing: a static web site of the store's claims (docs/publish.md) that works from file://
 * and from any web server, with nothing loaded from elsewhere: an index with filters and a
 * search box, one page per claim (with its schema.org ClaimReview) and per source, and the
 * signed bundles a reader verifies for themselves.
 */
#ifndef CLAIMTRAIL_PUBLISH_H
#define CLAIMTRAIL_PUBLISH_H

#include <jansson.h>
#include "common.h"
#include "key.h"
#include "store.h"
#include "bundle.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_PUBLISH_OPTS_VERSION 2
typedef struct {
	unsigned version;	 /* CT_PUBLISH_OPTS_VERSION (CT_PUBLISH_OPTS_INIT sets it): an
				 * unknown version is refused (CT_EINVALID) */
	const char *base_url;	 /* required: the http or https address the site will be served
				 * from; a ClaimReview's url is <base_url>/claim/<id>.html */
	const char *title;	 /* the site's title (NULL: "Fact checks") */
	ct_bundle_select select; /* which claims, as for bundles */
	const char *const *ids;	 /* CT_BUNDLE_IDS: whole claim ids */
	size_t nids;
	const char *tag;	 /* CT_BUNDLE_TAG */
	const char *status;	 /* CT_BUNDLE_STATUS */
	const ct_key *signer;	 /* signs the bundles offered for download; NULL: none are made
				  * (ct_publish_bundle then offers the bundle it was given) */
	ct_progress_fn progress; /* NULL, or called per claim */
	void *progress_payload;
	unsigned threads; /* the threads that make claim pages (0: the CPUs it may run on; the
			   * command passes CLAIMTRAIL_THREADS); the site is the same with any */
} ct_publish_opts;

#define CT_PUBLISH_OPTS_INIT \
	{ \
		CT_PUBLISH_OPTS_VERSION, NULL, NULL, CT_BUNDLE_ALL, NULL, 0, NULL, NULL, NULL, \
			NULL, NULL, 0 \
	}

/* What a publish did. */
typedef struct {
	size_t claims;	  /* claims published */
	size_t sources;	  /* source pages */
	size_t written;	  /* files written (new or changed) */
	size_t unchanged; /* files left as they were */
	size_t removed;	  /* files of an earlier publish that are no longer part of the site */
	char full[256];	  /* why every page was made ("" when the publish was incremental: only
			   * the pages of what changed in the store since the last publish) */
} ct_publish_report;

/* Called for each file written ("written") or removed ("removed"); path is relative to the
 * site's folder and borrowed for the call. */
typedef void (*ct_publish_file_fn)(const char *path, const char *action, void *payload);

/*
 * Writes the site of the selected claims of store into the folder dir (made when missing).
 * Publishing again into the same folder rewrites only what changed: the manifest
 * (.claimtrail-publish.json) names the tree the last publish read, and a git diff of that tree
 * against the store's says which claims and sources changed; only their pages (and the claim
 * pages of a changed source) are made again, and every other file only when its bytes differ.
 * What the diff cannot decide (no manifest, other options, another version, a key record
 * changed, a file on disk not as the manifest says) makes every page again; report->full says
 * why. Files an earlier publish wrote that are no longer part of the site are
 * removed; nothing else in dir is touched. report and fn may be NULL.
 */
int ct_publish(ct_publish_report *report, ct_store *store, const char *dir,
	const ct_publish_opts *opts, ct_publish_file_fn fn, void *payload);

/*
 * The same site from the bundle at path, without a store: the bundle is verified against
 * vopts->trust (as ct_bundle_verify; nothing is written when it fails), its records are read
 * into a temporary store inside dir that is removed afterwards, and that store is published.
 * Without opts->signer the site offers the given bundle itself for download.
 */
int ct_publish_bundle(ct_publish_report *report, const char *path,
	const ct_bundle_verify_opts *vopts, const char *dir, const ct_publish_opts *opts,
	ct_publish_file_fn fn, void *payload);

#ifdef __cplusplus
}
#endif

#endif
