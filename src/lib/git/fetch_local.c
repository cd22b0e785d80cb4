/*
 * Fetching from a repository on this machine (docs/sync.md, "Transports"). libgit2 1.5's local
 * transport packs what the clone lacks with git_packbuilder and hands the pack to the indexer
 * one object at a time; the indexer unmaps its pack windows on every call it is given, so a
 * fetch of N objects makes about N munmap calls, each a TLB flush (30,282 for a pull of 10,000
 * claims; 28% of that pull's CPU time on this machine). This makes the same pack from the same
 * libgit2 pieces (a revision walk of the remote's branch hiding what this clone's refs hold,
 * git_packbuilder_insert_walk, git_odb_write_pack) and gives the indexer the pack in chunks of
 * CHUNK bytes. `git config claimtrail.localFetch libgit2` sends such fetches through libgit2's
 * transport again (the default is `chunked`).
 */
#include "fetch_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1024 * 1024)

/* The pack on its way to the indexer: bytes gathered until CHUNK of them are there. */
typedef struct {
	git_odb_writepack *wp;
	git_indexer_progress stats;
	unsigned char *buf;
	size_t len;
} pack_feed;

static int feed_flush(pack_feed *f)
{
	int error = 0;

	if (f->len > 0)
		error = f->wp->append(f->wp, f->buf, f->len, &f->stats);
	f->len = 0;
	return error;
}

static int feed(void *data, size_t size, void *payload)
{
	pack_feed *f = payload;
	int error;

	if (f->len + size > CHUNK && (error = feed_flush(f)) < 0)
		return error;
	if (size > CHUNK) /* larger than a chunk by itself: given as it is */
		return f->wp->append(f->wp, data, size, &f->stats);
	memcpy(f->buf + f->len, data, size);
	f->len += size;
	return 0;
}

/* The path of a repository on this machine that url names, or NULL. */
static const char *local_path(const char *url)
{
	if (strncmp(url, "file://", 7) == 0)
		url += 7; /* file:///srv/hub.git; escapes (%20) are libgit2's to decode */
	return url[0] == '/' && !strchr(url, '%') ? url : NULL;
}

typedef struct {
	git_repository *local;
	git_odb *remote_odb;
	git_revwalk *walk;
} hide_state;

/* Hides from the walk the commit a local ref points to, when the remote has it. */
static int hide_ref(const char *name, void *payload)
{
	hide_state *h = payload;
	git_object_t type;
	git_oid oid;
	size_t len;

	if (git_reference_name_to_id(&oid, h->local, name) == 0 &&
		git_odb_read_header(&len, &type, h->remote_odb, &oid) == 0 &&
		type == GIT_OBJECT_COMMIT && git_revwalk_hide(h->walk, &oid) < 0)
		return -1;
	git_error_clear(); /* a ref to something else, or to what the remote lacks: no help */
	return 0;
}

/* Writes into repo's odb the objects reachable from tip in remote that repo's refs do not
 * reach. */
static int copy_objects(git_repository *repo, git_repository *remote, const git_oid *tip,
	git_indexer_progress_cb progress, void *payload)
{
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	git_odb *odb = NULL, *remote_odb = NULL;
	pack_feed f = {0};
	hide_state h;
	int error;

	if ((error = git_repository_odb(&odb, repo)) < 0 ||
		(error = git_repository_odb(&remote_odb, remote)) < 0 ||
		(error = git_revwalk_new(&walk, remote)) < 0 ||
		(error = git_revwalk_push(walk, tip)) < 0)
		goto done;
	h = (hide_state){repo, remote_odb, walk};
	if ((error = git_reference_foreach_name(repo, hide_ref, &h)) < 0 ||
		(error = git_packbuilder_new(&pb, remote)) < 0)
		goto done;
	git_packbuilder_set_threads(pb, 0); /* its delta search on every core */
	if ((error = git_packbuilder_insert_walk(pb, walk)) < 0)
		goto done;
	if (git_packbuilder_object_count(pb) == 0)
		goto done;
	if (!(f.buf = malloc(CHUNK))) {
		git_error_set_oom();
		error = -1;
		goto done;
	}
	if ((error = git_odb_write_pack(&f.wp, odb, progress, payload)) < 0)
		goto done;
	if ((error = git_packbuilder_foreach(pb, feed, &f)) < 0 || (error = feed_flush(&f)) < 0)
		goto done;
	error = f.wp->commit(f.wp, &f.stats);
done:
	if (f.wp)
		f.wp->free(f.wp);
	free(f.buf);
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	git_odb_free(remote_odb);
	git_odb_free(odb);
	return error;
}

/* 1 when the clone's claimtrail.localFetch says to take this route, 0 when it says libgit2's,
 * -1 (a libgit2 error set) when it says something else. */
static int route_chosen(git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;
	int rc = 1;

	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
		git_config_get_string_buf(&value, cfg, "claimtrail.localFetch") == 0) {
		if (strcmp(value.ptr, "libgit2") == 0)
			rc = 0;
		else if (strcmp(value.ptr, "chunked") != 0) {
			git_error_set_str(GIT_ERROR_CONFIG,
				"claimtrail.localFetch: unknown value (chunked or libgit2)");
			rc = -1;
		}
	}
	if (rc >= 0)
		git_error_clear();
	git_buf_dispose(&value);
	git_config_free(cfg);
	return rc;
}

int ct__fetch_local(git_repository *repo, const char *url, const char *branch, const char *ref,
	const char *reflog, git_indexer_progress_cb progress, void *payload)
{
	git_repository *remote = NULL;
	git_reference *out = NULL;
	git_object_t type;
	char name[300];
	const char *path = local_path(url);
	git_odb *odb = NULL;
	git_oid tip;
	size_t len;
	int error;

	if ((error = route_chosen(repo)) <= 0)
		return error < 0 ? error : CT__FETCH_NOT_LOCAL;
	if (!path ||
		(size_t)snprintf(name, sizeof(name), "refs/heads/%s", branch) >= sizeof(name) ||
		git_repository_open_ext(&remote, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_error_clear();
		return CT__FETCH_NOT_LOCAL;
	}
	if ((error = git_reference_name_to_id(&tip, remote, name)) == GIT_ENOTFOUND) {
		git_error_clear();
		error = 0;
		goto done;
	}
	if (error < 0 || (error = git_repository_odb(&odb, remote)) < 0)
		goto done;
	if (git_odb_read_header(&len, &type, odb, &tip) < 0 || type != GIT_OBJECT_COMMIT) {
		git_error_clear();
		error = CT__FETCH_NOT_LOCAL;
		goto done;
	}
	git_odb_free(odb);
	odb = NULL;
	/* a commit the clone has, it has whole: nothing to copy (a fetch of nothing new) */
	if ((error = git_repository_odb(&odb, repo)) < 0 ||
		(!git_odb_exists(odb, &tip) &&
			(error = copy_objects(repo, remote, &tip, progress, payload)) < 0) ||
		(error = git_reference_create(&out, repo, ref, &tip, 1, reflog)) < 0)
		goto done;
done:
	git_reference_free(out);
	git_odb_free(odb);
	git_repository_free(remote);
	return error;
}
