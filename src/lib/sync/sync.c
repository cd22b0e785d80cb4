/*
 * Sync over git remotes (docs/sync.md). A fetch brings the remote's branch into a quarantine
 * ref, refs/claimtrail/incoming/<remote>, never into the branch; what it brings is checked with
 * check's own code (ct__check_incoming) against the clone's trust list; a pull merges what
 * verified by rule, through the store's write transaction, so that a kill leaves the branch, the
 * index and the work tree as they were or as they are after the merge; a push refuses when the
 * remote moved. Records are immutable files whose paths differ when their content does (a
 * claim's revisions from 2 on are named by their digest), so the merge is the union of the two
 * store folders: no path is ever merged by text.
 */
#include "fetch_local.h"
#include "keyring.h"
#include "store_internal.h"
#include "runtime.h"
#include "claimtrail/sync.h"
#include "claimtrail/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INCOMING_PREFIX "refs/claimtrail/incoming/"
#define VERIFIED_PREFIX "refs/claimtrail/verified/"

typedef struct {
	ct_store *store;
	const ct_sync_opts *opts;
	ct_sync_report *out;
	git_remote *remote;
	ct_keyring *trust;
	ct__sigmemo *memo;     /* a pull's: the signatures its verification found valid, or NULL */
	char branch_name[256]; /* "main" */
	int has_incoming;
	git_oid incoming;
	git_commit *incoming_commit;
	git_tree *incoming_tree;
	git_tree *base_tree;   /* the merge base's tree, or NULL */
	json_t *fresh;	       /* store paths the local store lacks -> true */
	json_t *bad;	       /* fresh paths with a problem -> true */
	git_oid verified_head; /* the branch head the verification was made against */
	int verified_has_head;
	int credential_tries;  /* the kinds of credential given: 1 user name, 2 agent, 4 default */
	char push_status[256]; /* the first ref the remote refused to update, and why */
	int lock_fd;	       /* <common git dir>/claimtrail/sync.lock, flock'd, or -1 */
	int push_elsewhere;    /* a push goes to remote.<name>.pushurl, not where fetch reads */
	int opts_pull;	       /* a pull: its verification is followed by a merge */
} sync_state;

static void problem(sync_state *s, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void problem(sync_state *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->out->problems++;
	if (s->opts->problem)
		s->opts->problem(line, s->opts->problem_payload);
}

static void check_problem(const char *line, void *payload)
{
	problem(payload, "%s", line);
}

/* A remote's name goes into ref names: letters, digits, '.', '_', '-', not starting with '.'. */
static int check_remote_name(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= 100 || name[0] == '.' || name[0] == '-' || strstr(name, ".."))
		goto bad;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
			    (name[i] >= '0' && name[i] <= '9') || name[i] == '.' ||
			    name[i] == '_' || name[i] == '-'))
			goto bad;
	if (len >= 5 && strcmp(name + len - 5, ".lock") == 0)
		goto bad;
	return 0;
bad:
	return ct_error_set(CT_EINVALID,
		"remote \"%.100s\": claimtrail syncs with a remote named in git's configuration, "
		"by a name of letters, digits, '.', '_' and '-' (git remote add NAME URL)",
		name);
}

/* The user name for an ssh URL that names none: the local user's, as ssh takes it. */
static void local_user(char *out, size_t size)
{
	struct passwd pw, *found = NULL;
	char buf[4096];

	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found && found->pw_name &&
		*found->pw_name)
		snprintf(out, size, "%s", found->pw_name);
	else
		snprintf(out, size, "git");
}

static int credentials(git_credential **out, const char *url, const char *username,
	unsigned int allowed, void *payload)
{
	sync_state *s = payload;
	char user[256];

	(void)url;
	if (username && *username)
		snprintf(user, sizeof(user), "%s", username);
	else
		local_user(user, sizeof(user));
	/* one try of each kind: libgit2 asks again when a credential is refused */
	if (allowed & GIT_CREDENTIAL_USERNAME) {
		/* an ssh URL without a user name: libgit2 asks for one before anything else */
		if (s->credential_tries & 1)
			return GIT_PASSTHROUGH;
		s->credential_tries |= 1;
		return git_credential_username_new(out, user);
	}
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		/* every key the agent holds is offered (libgit2 walks the agent's identities) */
		if (s->credential_tries & 2)
			return GIT_PASSTHROUGH;
		s->credential_tries |= 2;
		return git_credential_ssh_key_from_agent(out, user);
	}
	if (allowed & GIT_CREDENTIAL_DEFAULT) {
		if (s->credential_tries & 4)
			return GIT_PASSTHROUGH;
		s->credential_tries |= 4;
		return git_credential_default_new(out);
	}
	return GIT_PASSTHROUGH;
}

static int transfer_progress(const git_indexer_progress *stats, void *payload)
{
	sync_state *s = payload;

	s->out->objects = stats->received_objects;
	s->out->bytes = stats->received_bytes;
	if (s->opts->progress) {
		ct_progress p = {"receiving", stats->received_objects, stats->total_objects};
		s->opts->progress(&p, s->opts->progress_payload);
	}
	return 0;
}

static int push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	sync_state *s = payload;

	s->out->objects = current;
	s->out->bytes = bytes;
	if (s->opts->progress) {
		ct_progress p = {"pushing", current, total};
		s->opts->progress(&p, s->opts->progress_payload);
	}
	return 0;
}

static void set_callbacks(git_remote_callbacks *cb, sync_state *s)
{
	cb->credentials = credentials;
	cb->transfer_progress = transfer_progress;
	cb->push_transfer_progress = push_progress;
	cb->payload = s;
}

/*
 * Sync commands of one clone queue on <common git dir>/claimtrail/sync.lock (flock: the kernel
 * lets it go when a process dies). Holding it, a lock file of this remote's claimtrail refs can
 * only be left by a killed sync command, and is removed (docs/sync.md, "Recovery").
 */
static int take_sync_lock(sync_state *s)
{
	const char *common = git_repository_commondir(s->store->repo);
	ct_buf path = CT_BUF_INIT;
	struct timespec pause = {0, 50 * 1000 * 1000};
	double waited = 0;
	const char *prefixes[2] = {INCOMING_PREFIX, VERIFIED_PREFIX};
	size_t i;
	int error = 0;

	if ((error = ct_buf_printf(&path, "%sclaimtrail", common)) < 0)
		goto done;
	if (mkdir(path.ptr, 0755) < 0 && errno != EEXIST) {
		error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
		goto done;
	}
	if ((error = ct_buf_puts(&path, "/sync.lock")) < 0)
		goto done;
	if ((s->lock_fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
		goto done;
	}
	while (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || waited >= ct__lock_timeout()) {
			error = ct_error_set(CT_ECONFLICT,
				"another claimtrail fetch, pull or push of this repository kept running "
				"for %.0f s (it holds %s)",
				waited, path.ptr);
			goto done;
		}
		nanosleep(&pause, NULL);
		waited += 0.05;
	}
	for (i = 0; i < 2; i++) {
		ct_buf_clear(&path);
		if ((error = ct_buf_printf(
			     &path, "%s%s%s.lock", common, prefixes[i], s->out->remote)) < 0)
			goto done;
		unlink(path.ptr);
	}
done:
	ct_buf_free(&path);
	return error;
}

static void state_free(sync_state *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* lets the flock go */
	git_remote_free(s->remote);
	git_commit_free(s->incoming_commit);
	git_tree_free(s->incoming_tree);
	git_tree_free(s->base_tree);
	ct_keyring_free(s->trust);
	ct__sigmemo_free(s->memo);
	json_decref(s->fresh);
	json_decref(s->bad);
}

/* url, or url made absolute when it is a relative path: git runs in the work tree, and -C
 * leaves the process elsewhere, so a relative path is taken relative to the repository. */
static int absolute_url(ct_buf *out, sync_state *s, const char *url)
{
	const char *base;

	ct_buf_clear(out);
	if (url[0] == '/' || strstr(url, "://") ||
		(strchr(url, ':') && (!strchr(url, '/') || strchr(url, ':') < strchr(url, '/'))))
		return ct_buf_puts(out, url); /* absolute, a URL, or scp-like host:path */
	base = git_repository_workdir(s->store->repo);
	if (!base)
		base = git_repository_path(s->store->repo);
	return ct_buf_printf(out, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", url);
}

/*
 * The remote named name, as git configures it: libgit2's lookup reads remote.<name>.url and
 * remote.<name>.pushurl and applies url.<base>.insteadOf to them. A fetch, or a push (push
 * set), is made through an in-memory remote whose url is the one git would use for it (the
 * pushurl when set, for a push; a relative path made absolute) and which has no refspec of its
 * own: a fetch through the named remote would also move its remote-tracking branches
 * (libgit2's opportunistic update) to commits not verified yet, and libgit2's local transport
 * pushes to a remote's url whatever its pushurl (libgit2 1.5).
 */
static int open_remote(sync_state *s, const char *name, int push)
{
	git_remote *named = NULL;
	const char *url, *pushurl;
	ct_buf abs = CT_BUF_INIT;
	git_remote_create_options copts;
	int rc, error = 0;

	if ((rc = git_remote_lookup(&named, s->store->repo, name)) < 0) {
		if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
			git_error_clear();
			error = ct_error_set(CT_ENOTFOUND,
				"no remote \"%s\" in this repository (add one with 'git remote add %s "
				"URL')",
				name, name);
		} else
			error = ct__git_error(CT_EIO, name);
		goto done;
	}
	url = git_remote_url(named);
	pushurl = git_remote_pushurl(named);
	if (!url || !*url) {
		error = ct_error_set(CT_ENOTFOUND,
			"remote \"%s\" has no url (set one with 'git remote set-url %s URL')", name,
			name);
		goto done;
	}
	if (push && pushurl && *pushurl && strcmp(pushurl, url) != 0) {
		url = pushurl;
		s->push_elsewhere = 1;
	}
	if ((error = absolute_url(&abs, s, url)) < 0)
		goto done;
	git_remote_create_options_init(&copts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	copts.repository = s->store->repo;
	copts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&s->remote, abs.ptr, &copts) < 0) {
		error = ct__git_error(CT_EIO, abs.ptr);
		goto done;
	}
done:
	git_remote_free(named);
	ct_buf_free(&abs);
	return error;
}

static int state_init(sync_state *s, ct_sync_report *out, ct_store *store, const char *remote,
	const ct_sync_opts *opts, int push)
{
	static const ct_sync_opts defaults = CT_SYNC_OPTS_INIT;
	int error;

	memset(s, 0, sizeof(*s));
	memset(out, 0, sizeof(*out));
	s->lock_fd = -1;
	s->store = store;
	s->out = out;
	s->opts = opts ? opts : &defaults;
	if (!remote)
		remote = "origin";
	/* verifying and merging read every fresh record through the claim/ and source/ trees,
	 * larger than libgit2 caches by default (4 KiB): they were inflated again for each one */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)1 << 20);
	if (opts &&
		(error = ct__opts_version(opts->version, CT_SYNC_OPTS_VERSION, "ct_sync_opts")) < 0)
		return error;
	if ((error = check_remote_name(remote)) < 0 || (error = ct__store_refresh(store)) < 0)
		return error;
	snprintf(out->remote, sizeof(out->remote), "%s", remote);
	if (store->detached || strncmp(store->branch, "refs/heads/", 11) != 0)
		return ct_error_set(
			CT_ECONFLICT, "HEAD is detached: check out the branch to sync first");
	snprintf(out->branch, sizeof(out->branch), "%s", store->branch);
	snprintf(s->branch_name, sizeof(s->branch_name), "%s", store->branch + 11);
	if ((error = take_sync_lock(s)) < 0)
		return error;
	return open_remote(s, remote, push);
}

static int ref_name(char *out, size_t size, const char *prefix, const char *remote)
{
	if ((size_t)snprintf(out, size, "%s%s", prefix, remote) >= size)
		return ct_error_set(CT_EINVALID, "remote \"%s\": name too long", remote);
	return 0;
}

/* 1 when commit a is b or descends from it. */
static int contains(git_repository *repo, const git_oid *a, const git_oid *b)
{
	int rc;

	if (git_oid_equal(a, b))
		return 1;
	rc = git_graph_descendant_of(repo, a, b);
	if (rc < 0)
		git_error_clear();
	return rc == 1;
}

/*
 * Fetches the remote's branch into the quarantine ref: from a repository on this machine
 * through ct__fetch_local (the same pack as libgit2's local transport makes, handed to the
 * indexer in large chunks; `git config claimtrail.localFetch libgit2` turns that off), else
 * through libgit2's transport for the URL.
 */
static int fetch_incoming(sync_state *s)
{
	git_fetch_options fo;
	git_reference *ref = NULL;
	char refspec[600], incoming[200];
	char *specs[1] = {refspec};
	git_strarray arr = {specs, 1};
	int error = 0, fetched;

	if ((error = ref_name(incoming, sizeof(incoming), INCOMING_PREFIX, s->out->remote)) < 0)
		return error;
	snprintf(refspec, sizeof(refspec), "+refs/heads/%s:%s", s->branch_name, incoming);
	/* the quarantine holds what this fetch brought, or nothing when the remote has no branch */
	if (git_reference_lookup(&ref, s->store->repo, incoming) == 0)
		git_reference_delete(ref);
	git_reference_free(ref);
	ref = NULL;
	git_error_clear();
	error = ct__fetch_local(s->store->repo, git_remote_url(s->remote), s->branch_name, incoming,
		"claimtrail fetch", transfer_progress, s);
	if (error < 0)
		return ct__git_error(CT_EIO, s->out->remote);
	fetched = error != CT__FETCH_NOT_LOCAL;
	error = 0;
	if (!fetched) {
		git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
		set_callbacks(&fo.callbacks, s);
		fo.update_fetchhead = 0;
		fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
		fo.prune = GIT_FETCH_NO_PRUNE;
		if (git_remote_fetch(s->remote, &arr, &fo, "claimtrail fetch") < 0)
			return ct__git_error(CT_EIO, s->out->remote);
	}
	if (git_reference_name_to_id(&s->incoming, s->store->repo, incoming) < 0) {
		git_error_clear();
		return 0; /* the remote has no such branch (yet) */
	}
	s->has_incoming = 1;
	git_oid_tostr(s->out->incoming, sizeof(s->out->incoming), &s->incoming);
	return 0;
}

/* A key's record as stored at oid, or NULL. */
static json_t *stored_key(sync_state *s, const git_oid *oid)
{
	git_blob *blob = NULL;
	json_t *rec = NULL;
	ct_kind kind;

	if (git_blob_lookup(&blob, s->store->repo, oid) == 0)
		rec = json_loadb(
			git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), 0, NULL);
	git_blob_free(blob);
	git_error_clear();
	if (rec && (ct_record_kind(&kind, rec) < 0 || kind != CT_KIND_KEY)) {
		ct_error_clear();
		json_decref(rec);
		rec = NULL;
	}
	return rec;
}

/* 1 when the remote changed the key record at rel (under key/) from the local one, not
 * revoked, to a revocation of the same key that passes ct_key_record_check: the one change
 * claimtrail makes to a record (docs/keys.md). Whether the revocation is applied is the
 * keyring's to say (a revocation by another key needs the trust list's grant); the incoming
 * check verifies the record as it verifies every fresh one. */
static int is_revocation_of(sync_state *s, const char *rel, const git_oid *was, const git_oid *now)
{
	json_t *old = NULL, *rec = NULL;
	int yes = 0;

	if (strncmp(rel, "key/", 4) != 0 || !(old = stored_key(s, was)) ||
		!(rec = stored_key(s, now)))
		goto done;
	yes = !json_object_get(old, "revoked") && json_object_get(rec, "revoked") &&
		json_equal(json_object_get(old, "key_id"), json_object_get(rec, "key_id")) &&
		json_equal(
			json_object_get(old, "public_key"), json_object_get(rec, "public_key")) &&
		ct_key_record_check(rec) == 0;
	ct_error_clear();
done:
	json_decref(old);
	json_decref(rec);
	return yes;
}

/* Compares the fetched store folder with the local one: new paths are fresh; a path both have
 * with other bytes, or one the local store has, the merge base had and the remote dropped, is a
 * problem (records are never changed or removed: docs/sync.md). Paths outside the store folder
 * that the remote changed since the merge base are problems too: sync carries the store. */
static int compare_trees(sync_state *s, git_tree *local)
{
	git_tree *lroot = NULL, *iroot = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts;
	const char *root = s->store->root;
	size_t rlen = strlen(root), i, n;
	ct_buf path = CT_BUF_INIT;
	int error = 0;

	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	ct__subtree(&lroot, s->store, local, root);
	ct__subtree(&iroot, s->store, s->incoming_tree, root);
	if (git_diff_tree_to_tree(&diff, s->store->repo, lroot, iroot, &dopts) < 0) {
		error = ct__git_error(CT_EIO, "comparing the fetched store");
		goto done;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *rel =
			d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		git_tree_entry *was = NULL;
		ct_buf_clear(&path);
		if ((error = ct_buf_printf(&path, "%s/%s", root, rel)) < 0)
			goto done;
		if (s->opts->progress) {
			ct_progress p = {"comparing", i + 1, n};
			s->opts->progress(&p, s->opts->progress_payload);
		}
		switch (d->status) {
		case GIT_DELTA_ADDED:
			if (d->new_file.mode != GIT_FILEMODE_BLOB) {
				problem(s, "%s: not a plain file on %s; not merged", path.ptr,
					s->out->remote);
				break;
			}
			if (s->base_tree &&
				git_tree_entry_bypath(&was, s->base_tree, path.ptr) == 0) {
				/* the merge base had it: this clone removed it with plain git */
				problem(s,
					"%s: removed in this clone with plain git (records are never "
					"removed); not merged: restore it (git checkout %.12s -- %s)",
					path.ptr, s->out->incoming, path.ptr);
				git_tree_entry_free(was);
				break;
			}
			git_error_clear();
			json_object_set_new(s->fresh, path.ptr, json_true());
			break;
		case GIT_DELTA_DELETED:
			if (s->base_tree &&
				git_tree_entry_bypath(&was, s->base_tree, path.ptr) == 0)
				problem(s,
					"%s: removed on %s with plain git (records are never removed: "
					"a retraction or an annotation says why); not merged",
					path.ptr, s->out->remote);
			git_error_clear();
			git_tree_entry_free(was);
			break;
		default: {
			const char *where = NULL;
			if (is_revocation_of(s, rel, &d->old_file.id, &d->new_file.id)) {
				/* claimtrail rewrites a key's record once: to revoke it */
				json_object_set_new(s->fresh, path.ptr, json_true());
				break;
			}
			if (is_revocation_of(s, rel, &d->new_file.id, &d->old_file.id))
				break; /* this clone revoked it: the merge keeps the revocation */
			if (s->base_tree &&
				git_tree_entry_bypath(&was, s->base_tree, path.ptr) == 0)
				where = git_oid_equal(git_tree_entry_id(was), &d->old_file.id)
					? "on the remote"
					: "in this clone";
			git_error_clear();
			git_tree_entry_free(was);
			if (where)
				problem(s,
					"%s: changed with plain git %s (this branch and %s hold different "
					"bytes; records are never rewritten); not merged",
					path.ptr, where, s->out->remote);
			else
				problem(s,
					"%s: written differently on both sides (a claim id, or a revision "
					"of a source, made in both clones); not merged",
					path.ptr);
		}
		}
	}
	git_diff_free(diff);
	diff = NULL;
	/* outside the store folder: what the remote changed since the merge base */
	if (git_diff_tree_to_tree(&diff, s->store->repo, s->base_tree ? s->base_tree : local,
		    s->incoming_tree, &dopts) < 0) {
		error = ct__git_error(CT_EIO, "comparing the fetched tree");
		goto done;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *p =
			d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		if (strncmp(p, root, rlen) == 0 && p[rlen] == '/')
			continue;
		problem(s,
			"%s: changed on %s outside the store folder %s/; sync carries only the store "
			"(merge it with git)",
			p, s->out->remote, root);
	}
done:
	ct_buf_free(&path);
	git_diff_free(diff);
	git_tree_free(lroot);
	git_tree_free(iroot);
	return error;
}

/*
 * The revocations the fetched commit carries of keys this clone trusts count for what it sent
 * (docs/keys.md): a key's own (it can only take trust away), or one by a key the trust list
 * grants the right (ct_keyring_apply_revocations). So a record the remote's key signed after
 * it was compromised is refused with "revoked" (unless a checkpoint vouches for it), not merged.
 * A damaged key record is left to the check of what was fetched.
 */
static int add_incoming_revocations(sync_state *s)
{
	ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT;
	git_tree *dir = NULL;
	json_t *rec = NULL;
	size_t i;
	int error = 0;

	if ((error = ct_buf_printf(&path, "%s/key", s->store->root)) < 0)
		goto done;
	if (!ct__subtree(&dir, s->store, s->incoming_tree, path.ptr))
		goto done;
	for (i = 0; i < git_tree_entrycount(dir); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(dir, i);
		git_blob *blob = NULL;
		const char *id;
		json_decref(rec);
		rec = NULL;
		ct_buf_clear(&data);
		if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
			git_blob_lookup(&blob, s->store->repo, git_tree_entry_id(e)) < 0) {
			git_error_clear();
			continue;
		}
		error = git_blob_rawsize(blob) > CT_RECORD_MAX
			? CT_EINVALID
			: ct_buf_put(
				  &data, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
		if (error == CT_ENOMEM)
			goto done;
		error = 0;
		if (data.len == 0 || ct__parse_record(&rec, &data, git_tree_entry_name(e)) < 0) {
			ct_error_clear();
			continue;
		}
		id = json_string_value(json_object_get(rec, "key_id"));
		if (!json_object_get(rec, "revoked") || !id || !ct_keyring_find(s->trust, id))
			continue;
		if (ct_keyring_add(s->trust, rec) < 0) /* not a valid key record: check says so */
			ct_error_clear();
	}
	ct_keyring_apply_revocations(s->trust, s->trust);
done:
	json_decref(rec);
	git_tree_free(dir);
	ct_buf_free(&path);
	ct_buf_free(&data);
	return error;
}

/* Fetches and verifies; the problems are counted in s->out->problems. */
static int fetch_and_verify(sync_state *s)
{
	ct_trust_info info;
	git_oid base, verified;
	git_commit *base_commit = NULL;
	char verified_ref[200];
	size_t findings = 0;
	int error;

	if ((error = fetch_incoming(s)) < 0 || !s->has_incoming)
		return error;
	if ((error = ct__store_refresh(s->store)) < 0)
		return error;
	s->verified_has_head = s->store->has_head;
	s->verified_head = s->store->head;
	if (!(s->fresh = json_object()) || !(s->bad = json_object()))
		return ct__oom();
	if (git_commit_lookup(&s->incoming_commit, s->store->repo, &s->incoming) < 0 ||
		git_commit_tree(&s->incoming_tree, s->incoming_commit) < 0)
		return ct__git_error(CT_EIO, "reading the fetched commit");
	/* a rewritten history: the commit verified last from this remote is not in it */
	if ((error = ref_name(
		     verified_ref, sizeof(verified_ref), VERIFIED_PREFIX, s->out->remote)) < 0)
		return error;
	if (git_reference_name_to_id(&verified, s->store->repo, verified_ref) == 0 &&
		!contains(s->store->repo, &s->incoming, &verified)) {
		char a[13], b[13];
		git_oid_tostr(a, sizeof(a), &verified);
		git_oid_tostr(b, sizeof(b), &s->incoming);
		s->out->rewritten = 1;
		problem(s,
			"%s rewrote its history: its %s (%s) does not contain commit %s, verified from "
			"it before (a force-push can hide a retraction or a dispute); look at "
			"'git log %s%s', and pull with --accept-rewrite to take it",
			s->out->remote, s->branch_name, b, a, INCOMING_PREFIX, s->out->remote);
	}
	git_error_clear();
	if (s->store->has_head &&
		git_merge_base(&base, s->store->repo, &s->store->head, &s->incoming) == 0) {
		if (git_commit_lookup(&base_commit, s->store->repo, &base) < 0 ||
			git_commit_tree(&s->base_tree, base_commit) < 0) {
			git_commit_free(base_commit);
			return ct__git_error(CT_EIO, "reading the merge base");
		}
		git_commit_free(base_commit);
	}
	git_error_clear();
	if ((error = compare_trees(s, s->store->tree)) < 0)
		return error;
	s->out->fresh = json_object_size(s->fresh);
	if ((error = ct_store_trust(&s->trust, &info, s->store, s->opts->trust)) < 0)
		return error;
	s->out->trust_fallback = info.store_keys > 0;
	if ((error = add_incoming_revocations(s)) < 0)
		return error;
	/* a pull notes the signatures found valid, for the list summaries after its merge */
	if (s->opts_pull && s->out->fresh && ct__sigmemo_new(&s->memo, 0) == 0)
		ct__keyring_memo_record(s->trust, s->memo);
	ct_error_clear();
	error = 0;
	if (s->out->fresh)
		error = ct__check_incoming_at(&findings, s->bad, s->store, s->incoming_tree,
			&s->incoming, s->fresh, s->trust, check_problem, s);
	if (s->memo)
		ct__keyring_memo_record(s->trust, NULL);
	return error;
}

static int remember_verified(sync_state *s, const git_oid *commit)
{
	git_reference *ref = NULL;
	char name[200];
	int error;

	if ((error = ref_name(name, sizeof(name), VERIFIED_PREFIX, s->out->remote)) < 0)
		return error;
	if (git_reference_create(&ref, s->store->repo, name, commit, 1, "claimtrail: verified") < 0)
		return ct__git_error(CT_EIO, name);
	git_reference_free(ref);
	return 0;
}

int ct_sync_fetch(
	ct_sync_report *out, ct_store *store, const char *remote, const ct_sync_opts *opts)
{
	sync_state s;
	int error;

	if ((error = state_init(&s, out, store, remote, opts, 0)) < 0 ||
		(error = fetch_and_verify(&s)) < 0)
		goto done;
	if (!s.has_incoming)
		goto done;
	if (out->problems) {
		error = ct_error_set(CT_EBADSIG, "%zu problem%s in what %s sent", out->problems,
			out->problems == 1 ? "" : "s", out->remote);
		goto done;
	}
	/* the pull that merges it remembers it: a fetch alone verified it, nothing more */
done:
	state_free(&s);
	return error;
}

/* ---- pull ---- */

typedef struct {
	sync_state *s;
	int mode; /* 0 a commit of the trusted records, 1 a merge, 2 a fast-forward */
	size_t files;
} pull_job;

static int pull_build(ct_txn *txn, ct_store *store, void *payload)
{
	pull_job *job = payload;
	sync_state *s = job->s;
	const char *path;
	json_t *v;
	char hex[13];
	int error = 0;

	if (store->has_head != s->verified_has_head ||
		(store->has_head && !git_oid_equal(&store->head, &s->verified_head)))
		return ct_error_set(CT_ECONFLICT,
			"%s moved during the pull (another write); nothing was merged, pull again",
			store->branch);
	job->files = 0;
	json_object_foreach (s->fresh, path, v) {
		git_tree_entry *e = NULL;
		git_blob *blob = NULL;
		if (json_object_get(s->bad, path))
			continue;
		if (git_tree_entry_bypath(&e, s->incoming_tree, path) < 0 ||
			git_blob_lookup(&blob, store->repo, git_tree_entry_id(e)) < 0) {
			git_tree_entry_free(e);
			return ct__git_error(CT_EIO, path);
		}
		/* the fetch brought the blob: the merge refers to it, it is not packed again */
		error = ct__txn_put_stored(txn, path, git_blob_rawcontent(blob),
			(size_t)git_blob_rawsize(blob), git_tree_entry_id(e));
		git_blob_free(blob);
		git_tree_entry_free(e);
		if (error < 0)
			return error;
		job->files++;
	}
	if (job->mode && (error = ct__txn_merge(txn, &s->incoming, job->mode == 2)) < 0)
		return error;
	git_oid_tostr(hex, sizeof(hex), &s->incoming);
	if (job->mode == 1)
		error = ct__txn_subject(txn, "merge %s/%s (%zu record%s)", s->out->remote,
			s->branch_name, job->files, job->files == 1 ? "" : "s");
	else if (job->mode == 2)
		error = ct__txn_subject(txn, "pull %s/%s (%zu record%s)", s->out->remote,
			s->branch_name, job->files, job->files == 1 ? "" : "s");
	else
		error = ct__txn_subject(txn,
			"pull %s/%s: %zu trusted record%s (%zu left in quarantine)", s->out->remote,
			s->branch_name, job->files, job->files == 1 ? "" : "s",
			json_object_size(s->bad));
	if (error == 0)
		error = ct__txn_trailer(
			txn, "Claimtrail-Sync", "%s %s", s->out->remote, s->out->incoming);
	return error;
}

/* Counts the claims and sources among the fresh paths that now have concurrent revisions. */
static void count_conflicted(sync_state *s)
{
	const char *path;
	json_t *v, *seen = json_object();
	size_t rlen = strlen(s->store->root);
	ct_buf dir = CT_BUF_INIT;
	git_tree *folder = NULL;

	json_object_foreach (s->fresh, path, v) {
		/* <root>/claim/<fan>/<id>/<file>, <root>/source/<fan>/<id>/<file> */
		const char *p = path + rlen + 1, *id, *end;
		char buf[256], seen_key[264];
		json_t *heads = NULL;
		ct_kind kind;
		if (strncmp(p, "claim/", 6) == 0)
			kind = CT_KIND_CLAIM;
		else if (strncmp(p, "source/", 7) == 0)
			kind = CT_KIND_SOURCE;
		else
			continue;
		if (!(id = strchr(strchr(p, '/') + 1, '/')))
			continue;
		id++;
		if (!(end = strchr(id, '/')) || (size_t)(end - id) >= sizeof(buf))
			continue;
		memcpy(buf, id, (size_t)(end - id));
		buf[end - id] = '\0';
		snprintf(seen_key, sizeof(seen_key), "%c/%s", p[0], buf);
		if (json_object_get(seen, seen_key))
			continue;
		json_object_set_new(seen, seen_key, json_true());
		/* only a folder with two revisions of one number can hold a conflict */
		ct_buf_clear(&dir);
		if (ct__record_dir(&dir, s->store, kind, buf) == 0 &&
			ct__subtree(&folder, s->store, s->store->tree, dir.ptr) &&
			ct__revision_forked(folder) &&
			ct__revision_heads(&heads, s->store, folder, buf) == 0 &&
			json_array_size(heads) > 1)
			*(kind == CT_KIND_CLAIM ? &s->out->conflicted
						: &s->out->conflicted_sources) += 1;
		ct_error_clear();
		git_tree_free(folder);
		folder = NULL;
		json_decref(heads);
		heads = NULL;
	}
	json_decref(seen);
	ct_buf_free(&dir);
}

/*
 * A pull that merges only the trusted records (--only-trusted) does not bring the fetched
 * commits into the branch's history, so a fetched checkpoint naming one of them would be
 * inconsistent with the branch the moment it landed ('check' reports it). Such checkpoints stay
 * in quarantine with the records that failed, each reported; one naming a commit the branch
 * already has, with its records, is taken. Returns how many it left in quarantine.
 */
static int quarantine_checkpoints(sync_state *s)
{
	int moved = 0;
	ct_buf dir = CT_BUF_INIT, why = CT_BUF_INIT;
	const char *path;
	json_t *v;
	int error;

	if ((error = ct__record_dir(&dir, s->store, CT_KIND_CHECKPOINT, NULL)) < 0 ||
		(error = ct_buf_puts(&dir, "/")) < 0)
		goto done;
	json_object_foreach (s->fresh, path, v) {
		git_tree_entry *e = NULL;
		git_blob *blob = NULL;
		json_t *cp = NULL;

		if (strncmp(path, dir.ptr, dir.len) != 0 || json_object_get(s->bad, path))
			continue;
		ct_buf_clear(&why);
		if (git_tree_entry_bypath(&e, s->incoming_tree, path) == 0 &&
			git_blob_lookup(&blob, s->store->repo, git_tree_entry_id(e)) == 0)
			cp = json_loadb(
				git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), 0, NULL);
		git_blob_free(blob);
		git_tree_entry_free(e);
		git_error_clear();
		if (!cp)
			error = ct_buf_puts(&why, "it cannot be read");
		else
			error = ct__checkpoint_consistent(&why, s->store, cp);
		json_decref(cp);
		if (error < 0)
			goto done;
		if (why.len) {
			problem(s,
				"%s: a checkpoint of %s's history, which --only-trusted does not merge "
				"(%s); left in quarantine",
				path, s->out->remote, why.ptr);
			if (json_object_set(s->bad, path, json_true()) < 0) {
				error = ct__oom();
				goto done;
			}
			moved++;
		}
	}
	error = moved;
done:
	ct_buf_free(&dir);
	ct_buf_free(&why);
	return error;
}

/*
 * After quarantine_checkpoints left some checkpoints out: the records the fetch accepted may have
 * counted on them (a revoked or expired key's signature that a fetched checkpoint vouched for).
 * What goes in is checked again without the fetched checkpoints' vouching, so only the branch's
 * own rules apply; what fails now joins the quarantine, reported.
 */
static int recheck_without_fetched_vouches(sync_state *s)
{
	json_t *rest = json_object();
	const char *path;
	json_t *v;
	size_t findings;
	int error;

	if (!rest)
		return ct__oom();
	json_object_foreach (s->fresh, path, v)
		if (!json_object_get(s->bad, path) && json_object_set(rest, path, v) < 0) {
			json_decref(rest);
			return ct__oom();
		}
	error = ct__check_incoming_at(&findings, s->bad, s->store, s->incoming_tree, NULL, rest,
		s->trust, check_problem, s);
	json_decref(rest);
	return error;
}

int ct_sync_pull(ct_sync_report *out, ct_store *store, const char *remote, const ct_sync_opts *opts)
{
	sync_state s;
	pull_job job;
	int error;

	error = state_init(&s, out, store, remote, opts, 0);
	s.opts_pull = 1;
	if (error < 0 || (error = fetch_and_verify(&s)) < 0)
		goto done;
	if (!s.has_incoming) {
		out->up_to_date = 1;
		goto done;
	}
	if (out->rewritten && !s.opts->accept_rewrite) {
		error = ct_error_set(CT_ECONFLICT,
			"nothing merged: %s rewrote its history (pull --accept-rewrite to take it)",
			out->remote);
		goto done;
	}
	if (out->problems > (size_t)out->rewritten && !s.opts->only_trusted) {
		error = ct_error_set(CT_EBADSIG,
			"nothing merged: %zu problem%s in what %s sent (--only-trusted merges the "
			"records that verify and leaves the rest in quarantine)",
			out->problems - (size_t)out->rewritten,
			out->problems - (size_t)out->rewritten == 1 ? "" : "s", out->remote);
		goto done;
	}
	if (json_object_size(s.bad) || out->problems > (size_t)out->rewritten) {
		if ((error = quarantine_checkpoints(&s)) > 0)
			error = recheck_without_fetched_vouches(&s);
		if (error < 0)
			goto done;
		error = 0;
	}
	out->quarantined = json_object_size(s.bad);
	memset(&job, 0, sizeof(job));
	job.s = &s;
	if (store->has_head && contains(store->repo, &store->head, &s.incoming)) {
		out->up_to_date = 1;
		error = remember_verified(&s, &s.incoming);
		goto done;
	}
	if (out->quarantined || out->problems > (size_t)out->rewritten) {
		/* what failed stays out: the fetched commit is not merged, only its good records */
		job.mode = 0;
		if (json_object_size(s.fresh) == out->quarantined) {
			out->up_to_date = 1;
			goto done;
		}
	} else if (!store->has_head || contains(store->repo, &s.incoming, &store->head)) {
		job.mode = 2;
	} else {
		job.mode = 1;
	}
	if ((error = ct__store_write(store, NULL, 0, pull_build, &job)) < 0)
		goto done;
	/* the first list need not verify again what the fetch has just verified (as after a bulk
	 * import); the cache is only speed: on a failure, list derives what is missing */
	if (s.memo) {
		ct__sigmemo_seal(s.memo);
		if (ct__summaries_prime(store, s.memo) < 0)
			ct_error_clear();
	}
	out->fast_forward = job.mode == 2;
	git_oid_tostr(out->merged, sizeof(out->merged), &store->head);
	if (job.mode != 0 || !out->quarantined)
		error = remember_verified(&s, &s.incoming);
	count_conflicted(&s);
done:
	state_free(&s);
	return error;
}

/* ---- push ---- */

static int push_update(const char *refname, const char *status, void *payload)
{
	sync_state *s = payload;

	if (status && !s->push_status[0])
		snprintf(s->push_status, sizeof(s->push_status), "%s: %s", refname, status);
	return 0;
}

int ct_sync_push(ct_sync_report *out, ct_store *store, const char *remote, const ct_sync_opts *opts)
{
	sync_state s;
	git_remote_callbacks cb;
	git_push_options po;
	const git_remote_head **heads = NULL;
	size_t nheads = 0, i;
	char want[300], refspec[600];
	char *specs[1] = {refspec};
	git_strarray arr = {specs, 1};
	int connected = 0;
	int error;

	if ((error = state_init(&s, out, store, remote, opts, 1)) < 0)
		goto done;
	if (!store->has_head) {
		error = ct_error_set(CT_ENOTFOUND, "%s has no commit to push", store->branch);
		goto done;
	}
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	set_callbacks(&cb, &s);
	if (git_remote_connect(s.remote, GIT_DIRECTION_PUSH, &cb, NULL, NULL) < 0 ||
		git_remote_ls(&heads, &nheads, s.remote) < 0) {
		error = ct__git_error(CT_EIO, out->remote);
		goto done;
	}
	connected = 1;
	snprintf(want, sizeof(want), "refs/heads/%s", s.branch_name);
	for (i = 0; i < nheads; i++) {
		if (strcmp(heads[i]->name, want) != 0)
			continue;
		if (git_oid_equal(&heads[i]->oid, &store->head)) {
			out->up_to_date = 1;
			break;
		}
		if (!contains(store->repo, &store->head, &heads[i]->oid)) {
			char hex[13];
			git_oid_tostr(hex, sizeof(hex), &heads[i]->oid);
			error = ct_error_set(CT_ECONFLICT,
				"%s's %s moved to %s, which this branch does not contain: pull first "
				"('claimtrail pull %s'); nothing was pushed",
				out->remote, s.branch_name, hex, out->remote);
			goto done;
		}
	}
	git_remote_disconnect(s.remote);
	connected = 0;
	if (out->up_to_date)
		goto remember;
	snprintf(refspec, sizeof(refspec), "refs/heads/%s:refs/heads/%s", s.branch_name,
		s.branch_name);
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	set_callbacks(&po.callbacks, &s);
	po.callbacks.push_update_reference = push_update;
	s.credential_tries = 0; /* a connection of its own: its credentials are asked again */
	if (git_remote_push(s.remote, &arr, &po) < 0) {
		error = ct__git_error(CT_EIO, out->remote);
		goto done;
	}
	if (s.push_status[0]) {
		error = ct_error_set(CT_ECONFLICT, "%s refused the push (%s): pull first",
			out->remote, s.push_status);
		goto done;
	}
remember:
	/* what a fetch from the remote must contain; a push to another url says nothing of it */
	if (!s.push_elsewhere)
		error = remember_verified(&s, &store->head);
done:
	if (connected)
		git_remote_disconnect(s.remote);
	state_free(&s);
	return error;
}
