/*
 * Creating a bundle from a store (docs/bundle.md): selecting claims by tag or status, writing
 * their revisions, annotations, sources and signers' keys as record lines, and the signed
 * trailer with the Merkle root of the record lines.
 */
#include "bundle_internal.h"
#include "fileio.h"
#include "parallel.h"
#include "record_internal.h"
#include "signing.h"
#include "store_internal.h"
#include "claimtrail/status.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct {
	char **v;
	size_t n, cap;
} strvec;

static int strvec_push(strvec *s, const char *str)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return ct__oom();
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(str)))
		return ct__oom();
	s->n++;
	return 0;
}

static void strvec_free(strvec *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Sorts and drops duplicates. */
static void strvec_sort_unique(strvec *s)
{
	size_t i, j = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = 1; i < s->n; i++) {
		if (strcmp(s->v[i], s->v[j]) == 0)
			free(s->v[i]);
		else
			s->v[++j] = s->v[i];
	}
	s->n = j + 1;
}

typedef struct {
	ct_store *store;
	const ct_bundle_create_opts *opts;
	strvec ids;	 /* selected claims */
	json_t *keys;	 /* key id -> true */
	json_t *sources; /* source id -> {"all": true} or {"<revision>": true, ...} */
	FILE *spill;	 /* claim and annotation lines, in bundle order */
	ct_bundle_info *info;
	ct_buf line;
	ct_keyring *ring;	   /* the store's keys, loaded once (ct__require_verified_ring) */
	const ct__bundle_how *how; /* NULL: ct_bundle_create's own */
	json_t *vouchees;	   /* carried records signed by a revoked or expiring key */
	json_t *resolved; /* "<source id>\n<revision named>" -> its number (resolve_source) */
} creator;

/* A selected claim's latest revision, read and verified ahead of spill_claim on every core
 * (preload_claims); spill_claim then writes it, in the bundle's order, and reports what failed
 * where it would have failed itself. */
typedef struct {
	json_t *record; /* NULL when it could not be read */
	int error;	/* ct_store_get's error, or require_verified's when verify is set */
	int verify;	/* the error is require_verified's */
	int checked;	/* how->verified said it is verified: not verified again */
	char *message;	/* the error's message */
	ct_buf line;	/* its bundle line, made once it verified */
} preloaded;

/* ct__require_verified against a keyring loaded once: the caller's when it gave one, else the
 * store's (c->ring). */
static int require_verified(const creator *c, const json_t *record)
{
	return ct__require_verified_ring(
		c->store, c->how && c->how->ring ? c->how->ring : c->ring, record);
}

static int collect_id(const char *id, void *payload)
{
	return strvec_push(payload, id);
}

static int note_signers(creator *c, const json_t *record)
{
	const json_t *e;
	size_t i;

	json_array_foreach (json_object_get(record, "signatures"), i, e) {
		const char *k = json_string_value(json_object_get(e, "key_id"));
		if (k && json_object_set_new(c->keys, k, json_true()) < 0)
			return ct__oom();
	}
	return 0;
}

/* Notes that source id is needed: at revision rev (0: the latest), or all with --history. */
static int note_source(creator *c, const char *id, json_int_t rev)
{
	json_t *want = json_object_get(c->sources, id);
	char key[32];
	int error;

	if ((error = ct_id_validate(id, "source")) < 0)
		return error;
	if (!want) {
		if (!(want = json_object()) || json_object_set_new(c->sources, id, want) < 0)
			return ct__oom();
	}
	if (c->opts->history)
		return json_object_set_new(want, "all", json_true()) < 0 ? ct__oom() : 0;
	if (rev == 0 && (error = ct__revision_count(&rev, c->store, CT_KIND_SOURCE, id)) < 0)
		return error;
	if (rev == 0)
		return ct_error_set(CT_ENOTFOUND, "source %s is cited but not in the store", id);
	snprintf(key, sizeof(key), "%lld", (long long)rev);
	return json_object_set_new(want, key, json_true()) < 0 ? ct__oom() : 0;
}

/* Notes a carried record that a revoked or expiring key signed: a checkpoint may vouch for it
 * (docs/bundle.md 1.5). Keys and checkpoints are not vouched for. */
static int note_vouchee(creator *c, const json_t *record, ct_kind kind)
{
	const json_t *e;
	size_t i;

	if (kind == CT_KIND_KEY || kind == CT_KIND_CHECKPOINT)
		return 0;
	json_array_foreach (json_object_get(record, "signatures"), i, e) {
		const char *k = json_string_value(json_object_get(e, "key_id"));
		char until[CT_TIMESTAMP_LEN + 1];
		if (!k)
			continue;
		if (ct_keyring_key_state(c->ring, k, until) != CT_KEY_LIVE ||
			json_object_get(ct_keyring_find(c->ring, k), "expires")) {
			if (!c->vouchees && !(c->vouchees = json_array()))
				return ct__oom();
			return json_array_append(c->vouchees, (json_t *)record) < 0 ? ct__oom() : 0;
		}
	}
	return 0;
}

/* The envelope line of record (without its LF) into line, emptied first. */
static int record_line(ct_buf *line, const json_t *record)
{
	ct_buf body = CT_BUF_INIT;
	ct_kind kind;
	int error;

	ct_buf_clear(line);
	if ((error = ct_record_kind(&kind, record)) == 0 &&
		(error = ct_record_body(&body, record)) == 0)
		error = ct__envelope_write(line, ct_kind_payload_type(kind),
			(const uint8_t *)body.ptr, body.len, json_object_get(record, "signatures"));
	ct_buf_free(&body);
	return error;
}

/* Appends the record's envelope line and a LF to the spill file; made (NULL: made here) is that
 * line made ahead on a reading thread (preload_some). */
static int spill_record(creator *c, FILE *f, const json_t *record, const ct_buf *made)
{
	const ct_buf *line = made ? made : &c->line;
	ct_kind kind;
	int error;

	if ((error = ct_record_kind(&kind, record)) < 0 ||
		(error = note_vouchee(c, record, kind)) < 0 ||
		(!made && (error = record_line(&c->line, record)) < 0))
		return error;
	if (line->len > CT_BUNDLE_LINE_MAX) {
		char label[CT_LABEL_MAX];
		ct__record_label(label, record);
		return ct_error_set(CT_EINVALID, "%s: too large for a bundle line", label);
	}
	if (fwrite(line->ptr, 1, line->len, f) != line->len || fputc('\n', f) == EOF)
		return ct_error_set(CT_EIO, "writing the bundle: %s", strerror(errno));
	if (kind == CT_KIND_KEY)
		c->info->keys++;
	else if (kind == CT_KIND_SOURCE)
		c->info->sources++;
	else if (kind == CT_KIND_CLAIM)
		c->info->claims++;
	else if (kind == CT_KIND_ANNOTATION)
		c->info->annots++;
	return 0;
}

static int cmp_annotation_id(const void *a, const void *b)
{
	return strcmp(ct_record_id(*(json_t *const *)a), ct_record_id(*(json_t *const *)b));
}

static int has_tag(const json_t *claim, const char *tag)
{
	const json_t *t;
	size_t i;

	json_array_foreach (json_object_get(claim, "tags"), i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), tag) == 0)
			return 1;
	return 0;
}

/* Is claim id selected by --tag or --status? */
static int selected(int *out, creator *c, const char *id)
{
	json_t *claim = NULL, *annotations = NULL, *same = NULL;
	const char *status;
	int error;

	*out = 0;
	if ((error = ct_store_get(&claim, c->store, CT_KIND_CLAIM, id, 0)) < 0)
		goto done;
	if (c->opts->select == CT_BUNDLE_TAG) {
		*out = has_tag(claim, c->opts->tag);
	} else {
		if ((error = ct_store_annotations(&annotations, c->store, id)) < 0 ||
			(error = ct_store_claim_same(&same, c->store, claim)) < 0 ||
			(error = ct_claim_status_same(&status, NULL, claim, annotations, same)) < 0)
			goto done;
		*out = strcmp(status, c->opts->status) == 0;
	}
done:
	json_decref(claim);
	json_decref(same);
	json_decref(annotations);
	return error;
}

static int select_claims(creator *c)
{
	strvec all = {0};
	size_t i;
	int error = 0;

	if (c->opts->select == CT_BUNDLE_IDS) {
		for (i = 0; i < c->opts->nids; i++) {
			json_int_t n;
			if ((error = ct_id_validate(c->opts->ids[i], "claim")) < 0 ||
				(error = ct__revision_count(
					 &n, c->store, CT_KIND_CLAIM, c->opts->ids[i])) < 0)
				goto done;
			if (n == 0) {
				error = ct_error_set(CT_ENOTFOUND, "no claim \"%s\" in the store",
					c->opts->ids[i]);
				goto done;
			}
			if ((error = strvec_push(&c->ids, c->opts->ids[i])) < 0)
				goto done;
		}
		strvec_sort_unique(&c->ids);
		goto done;
	}
	if ((error = ct_store_foreach_id(c->store, CT_KIND_CLAIM, collect_id, &all)) < 0)
		goto done;
	strvec_sort_unique(&all);
	for (i = 0; i < all.n; i++) {
		int yes = 1;
		if (c->opts->select != CT_BUNDLE_ALL && (error = selected(&yes, c, all.v[i])) < 0)
			goto done;
		if (yes && (error = strvec_push(&c->ids, all.v[i])) < 0)
			goto done;
	}
done:
	strvec_free(&all);
	return error;
}

/* ct_store_resolve_revision of a source revision a claim names, each answer kept: thousands
 * of claims name the same few source revisions. */
static int resolve_source(json_int_t *rev, creator *c, const char *sid, const char *srev)
{
	ct_buf key = CT_BUF_INIT;
	json_t *hit;
	int error;

	if ((error = ct_buf_printf(&key, "%s\n%s", sid, srev)) < 0)
		goto done;
	if ((hit = json_object_get(c->resolved, key.ptr))) {
		*rev = json_integer_value(hit);
		goto done;
	}
	if ((error = ct_store_resolve_revision(rev, c->store, CT_KIND_SOURCE, sid, srev)) == 0 &&
		json_object_set_new(c->resolved, key.ptr, json_integer(*rev)) < 0)
		error = ct__oom();
done:
	ct_buf_free(&key);
	return error;
}

/* Notes the sources of a claim revision's attribution chain ("sources": docs/format.md 5.3),
 * each at the revision the link names, so that the chain travels with the claim. */
static int note_link_sources(creator *c, const json_t *r, const char *id)
{
	const json_t *link;
	size_t i;
	int error;

	json_array_foreach (json_object_get(r, "sources"), i, link) {
		const char *sid = json_string_value(json_object_get(link, "source"));
		const char *srev = json_string_value(json_object_get(link, "source_revision"));
		json_int_t rev = 0;
		if (srev && !c->opts->history && (error = resolve_source(&rev, c, sid, srev)) < 0)
			return ct_error_prefix(error, "claim %s cites source %s", id, sid);
		if ((error = note_source(c, sid, rev)) < 0)
			return error;
	}
	return 0;
}

/* The error a preloaded claim's read or verification ended in, set again on this thread. */
static int preloaded_error(const preloaded *pre)
{
	return ct_error_set(pre->error, "%s", pre->message ? pre->message : "out of memory");
}

/*
 * A bundle's history is one line of revisions (docs/bundle.md): a claim or source whose
 * revisions forked (concurrent revisions kept by a sync, docs/sync.md), or a merge revision that
 * names them, has none to give. CT_ECONFLICT then, naming it (kind: "claim" or "source").
 */
static int one_line_of_revisions(const json_t *revs, const char *kind, const char *id)
{
	const json_t *r;
	size_t j;

	json_array_foreach (revs, j, r)
		if ((j > 0 &&
			    json_integer_value(json_object_get(r, "revision")) ==
				    json_integer_value(json_object_get(
					    json_array_get(revs, j - 1), "revision"))) ||
			json_is_array(json_object_get(r, "prev")))
			return ct_error_set(CT_ECONFLICT,
				"%s %s: its revisions forked (concurrent revisions kept by a sync), "
				"and --history carries one line of revisions; bundle without "
				"--history",
				kind, id);
	return 0;
}

/*
 * Writes one claim's revisions and annotations to the spill, noting sources and signers; pre
 * (NULL with --history) is its latest revision read and verified ahead.
 */
static int spill_claim(creator *c, const char *id, const preloaded *pre)
{
	json_t *revs = NULL, *annotations = NULL, *latest = NULL;
	json_t **sorted = NULL;
	const json_t *r, *e;
	size_t i, j;
	int error = 0,
	    checked = pre ? pre->checked
			  : c->how && c->how->verified && c->how->verified(id, c->how->payload);

	if (c->opts->history) {
		if ((error = ct_store_revisions(&revs, c->store, CT_KIND_CLAIM, id)) < 0 ||
			(error = one_line_of_revisions(revs, "claim", id)) < 0)
			goto done;
	} else {
		if (pre && pre->error < 0 && !pre->verify) {
			error = preloaded_error(pre);
			goto done;
		}
		if (pre)
			latest = json_incref(pre->record);
		else if ((error = ct_store_get(&latest, c->store, CT_KIND_CLAIM, id, 0)) < 0)
			goto done;
		if (!(revs = json_array()) || json_array_append(revs, latest) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	json_array_foreach (revs, i, r) {
		const json_t *attr = json_object_get(r, "attribution");
		const char *sid = json_string_value(json_object_get(attr, "source"));
		const char *srev = json_string_value(json_object_get(attr, "source_revision"));
		json_int_t rev = 0;

		if (sid && srev && !c->opts->history &&
			(error = resolve_source(&rev, c, sid, srev)) < 0) {
			ct_error_prefix(error, "claim %s cites source %s", id, sid);
			goto done;
		}
		/* a bundle re-publishes its records as signed: never one that does not verify */
		if ((!checked && pre && pre->error < 0 && (error = preloaded_error(pre)) < 0) ||
			(!checked && !pre && (error = require_verified(c, r)) < 0) ||
			(sid && (error = note_source(c, sid, rev)) < 0) ||
			(error = note_link_sources(c, r, id)) < 0 ||
			(error = note_signers(c, r)) < 0 ||
			(error = spill_record(c, c->spill, r, pre ? &pre->line : NULL)) < 0)
			goto done;
	}
	if (!c->opts->annotations)
		goto done;
	if ((error = ct_store_annotations(&annotations, c->store, id)) < 0)
		goto done;
	if (json_array_size(annotations) == 0)
		goto done;
	if (!(sorted = calloc(json_array_size(annotations), sizeof(*sorted)))) {
		error = ct__oom();
		goto done;
	}
	json_array_foreach (annotations, i, e)
		sorted[i] = (json_t *)e;
	qsort(sorted, json_array_size(annotations), sizeof(*sorted), cmp_annotation_id);
	for (i = 0; i < json_array_size(annotations); i++) {
		const json_t *a = sorted[i];
		const json_t *ev;
		const char *dsrc =
			json_string_value(json_object_get(json_object_get(a, "dispute"), "source"));

		json_array_foreach (json_object_get(a, "evidence"), j, ev)
			if ((error = note_source(c, json_string_value(ev), 0)) < 0)
				goto done;
		if ((!checked && (error = require_verified(c, a)) < 0) ||
			(dsrc && (error = note_source(c, dsrc, 0)) < 0) ||
			(error = note_signers(c, a)) < 0 ||
			(error = spill_record(c, c->spill, a, NULL)) < 0)
			goto done;
	}
done:
	free(sorted);
	json_decref(latest);
	json_decref(revs);
	json_decref(annotations);
	return error;
}

typedef struct {
	creator *c;
	char **ids;
	preloaded *pre;
	size_t first, step, count;
	int own; /* a repository handle and snapshot of its own (all but the calling thread's) */
} preload_share;

/* Reads and verifies the latest revision of claims first, first + step, ... through a
 * repository handle and snapshot tree of its own when own is set (libgit2 objects are not shared
 * between threads); the keyring is shared, as check and the list summaries share it. */
static void *preload_some(void *arg)
{
	preload_share *sh = arg;
	ct_store mine = *sh->c->store;
	ct_store *use = sh->own ? &mine : sh->c->store;
	const ct_keyring *ring = sh->c->how && sh->c->how->ring ? sh->c->how->ring : sh->c->ring;
	size_t i;
	int setup = 0;

	mine.fans = NULL; /* a cache of its own (ct__store_bypath) */
	if (sh->own) {
		mine.repo = NULL;
		mine.tree = NULL;
		if (git_repository_open(&mine.repo, git_repository_path(sh->c->store->repo)) < 0 ||
			(sh->c->store->tree &&
				git_tree_lookup(&mine.tree, mine.repo,
					git_tree_id(sh->c->store->tree)) < 0))
			setup = ct__git_error(CT_EIO, "opening the repository on a thread");
	}
	for (i = sh->first; i < sh->count; i += sh->step) {
		preloaded *p = &sh->pre[i];
		int error = setup;
		if (error == 0)
			error = ct__store_get_latest(&p->record, use, CT_KIND_CLAIM, sh->ids[i]);
		if (error == 0 && !p->checked &&
			(error = ct__require_verified_ring(use, ring, p->record)) < 0)
			p->verify = 1;
		if (error == 0)
			error = record_line(&p->line, p->record);
		if (error < 0) {
			p->error = error;
			p->message = strdup(ct_error_last());
		}
		ct_error_clear();
	}
	ct__fan_cache_free(mine.fans);
	if (sh->own) {
		git_tree_free(mine.tree);
		git_repository_free(mine.repo);
	}
	return NULL;
}

#define PRELOAD_CHUNK 4096
#define PRELOAD_THREADS_MAX 8

static void preloaded_free(preloaded *pre, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_decref(pre[i].record);
		free(pre[i].message);
		ct_buf_free(&pre[i].line);
	}
	memset(pre, 0, n * sizeof(*pre));
}

/* Writes the selected claims to the spill, PRELOAD_CHUNK at a time, each chunk's latest
 * revisions read and verified ahead on every core (a chunk bounds the records held at once). */
static int spill_claims(creator *c)
{
	size_t t = ct__parallel_threads(0, PRELOAD_THREADS_MAX), at, i, k;
	preloaded *pre = NULL;
	int error = 0;

	if (c->opts->history) {
		for (i = 0; i < c->ids.n && error == 0; i++) {
			if ((error = spill_claim(c, c->ids.v[i], NULL)) == 0 && c->opts->progress) {
				ct_progress pr = {"reading", i + 1, c->ids.n};
				c->opts->progress(&pr, c->opts->progress_payload);
			}
		}
		return error;
	}
	if (c->ids.n &&
		!(pre = calloc(c->ids.n < PRELOAD_CHUNK ? c->ids.n : PRELOAD_CHUNK, sizeof(*pre))))
		return ct__oom();
	for (at = 0; at < c->ids.n && error == 0; at += PRELOAD_CHUNK) {
		size_t n = c->ids.n - at < PRELOAD_CHUNK ? c->ids.n - at : PRELOAD_CHUNK;
		preload_share shares[PRELOAD_THREADS_MAX];
		size_t use = n < 64 ? 1 : t;
		for (i = 0; i < n; i++)
			pre[i].checked = c->how && c->how->verified &&
				c->how->verified(c->ids.v[at + i], c->how->payload);
		for (k = 0; k < use; k++)
			shares[k] = (preload_share){c, c->ids.v + at, pre, k, use, n, k > 0};
		ct__parallel(shares, sizeof(shares[0]), use, preload_some);
		for (i = 0; i < n && error == 0; i++) {
			if ((error = spill_claim(c, c->ids.v[at + i], &pre[i])) == 0 &&
				c->opts->progress) {
				ct_progress pr = {"reading", at + i + 1, c->ids.n};
				c->opts->progress(&pr, c->opts->progress_payload);
			}
		}
		preloaded_free(pre, n);
	}
	free(pre);
	return error;
}

/* The writer of the final file: every record line goes into the Merkle tree. */
typedef struct {
	FILE *f;
	ct_merkle tree;
	uint64_t records;
} bundle_writer;

static int put_line(bundle_writer *w, const char *line, size_t len, int leaf)
{
	if (leaf) {
		uint8_t h[CT_HASH_LEN];
		ct_merkle_leaf_hash(h, (const uint8_t *)line, len);
		ct_merkle_add(&w->tree, h);
		w->records++;
	}
	if (fwrite(line, 1, len, w->f) != len || fputc('\n', w->f) == EOF)
		return ct_error_set(CT_EIO, "writing the bundle: %s", strerror(errno));
	return 0;
}

/* Copies the lines of a spill file into the bundle. */
static int copy_spill(bundle_writer *w, FILE *spill, ct_buf *scratch)
{
	char chunk[65536];
	size_t n;
	int error;

	if (fflush(spill) != 0 || fseek(spill, 0, SEEK_SET) != 0)
		return ct_error_set(CT_EIO, "reading back the spill file: %s", strerror(errno));
	ct_buf_clear(scratch);
	while ((n = fread(chunk, 1, sizeof(chunk), spill)) > 0) {
		size_t i, start = 0;
		for (i = 0; i < n; i++) {
			if (chunk[i] != '\n')
				continue;
			if ((error = ct_buf_put(scratch, chunk + start, i - start)) < 0 ||
				(error = put_line(w, scratch->ptr, scratch->len, 1)) < 0)
				return error;
			ct_buf_clear(scratch);
			start = i + 1;
		}
		if ((error = ct_buf_put(scratch, chunk + start, n - start)) < 0)
			return error;
	}
	if (ferror(spill))
		return ct_error_set(CT_EIO, "reading back the spill file: %s", strerror(errno));
	return 0;
}

static int cmp_revision(const void *a, const void *b)
{
	long long x = strtoll(*(const char *const *)a, NULL, 10);
	long long y = strtoll(*(const char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

/*
 * Appends to line the envelope of body (payload type type) signed by key, the signature checked
 * before it is written, as minisign does; what names what was signed in that error.
 */
static int signed_envelope(ct_buf *line, const ct_key *key, const char *type, const char *body,
	size_t len, const char *what)
{
	ct_buf pae = CT_BUF_INIT, b64 = CT_BUF_INIT;
	uint8_t sig[64];
	json_t *sigs = NULL;
	int error;

	if ((error = ct_pae(&pae, type, (const uint8_t *)body, len)) < 0 ||
		(error = ct_key_sign_bytes(sig, key, (const uint8_t *)pae.ptr, pae.len)) < 0)
		goto done;
	if (ct__signature_verify(ct_key_public_bytes(key), sig, (const uint8_t *)pae.ptr, pae.len) <
		0) {
		error = ct_error_set(CT_EBADSIG, "the new %s signature does not verify", what);
		goto done;
	}
	if ((error = ct_base64_encode(&b64, sig, sizeof(sig))) < 0)
		goto done;
	if (!(sigs = json_pack("[{s:s, s:s}]", "key_id", ct_key_id(key), "sig", b64.ptr))) {
		error = ct__oom();
		goto done;
	}
	error = ct__envelope_write(line, type, (const uint8_t *)body, len, sigs);
done:
	json_decref(sigs);
	ct_buf_free(&pae);
	ct_buf_free(&b64);
	return error;
}

/*
 * Writes the text line of source revision rec after it when the store keeps its text
 * (docs/bundle.md 1.4), signed by the creator. A text the store does not have, or too long for
 * a line, is left out: the record's archive still names it by sha256.
 */
static int spill_text(creator *c, FILE *f, const json_t *rec)
{
	ct_buf text = CT_BUF_INIT;
	const json_t *archive = json_object_get(rec, "archive");
	int error;

	if (!json_is_true(json_object_get(archive, "stored")))
		return 0;
	error = ct_store_source_text(&text, c->store, ct_record_id(rec),
		json_integer_value(json_object_get(rec, "revision")));
	/* base64 makes 4 bytes of 3; the envelope around it is under 256 bytes */
	if (error == CT_ENOTFOUND || (error == 0 && text.len / 3 * 4 + 256 > CT_BUNDLE_LINE_MAX)) {
		ct_error_clear();
		error = 0;
		goto done;
	}
	ct_buf_clear(&c->line);
	if (error < 0 ||
		(error = signed_envelope(&c->line, c->opts->creator, CT_BUNDLE_TEXT_TYPE, text.ptr,
			 text.len, "text")) < 0)
		goto done;
	if (fwrite(c->line.ptr, 1, c->line.len, f) != c->line.len || fputc('\n', f) == EOF) {
		error = ct_error_set(CT_EIO, "writing the bundle: %s", strerror(errno));
		goto done;
	}
	c->info->texts++;
done:
	ct_buf_free(&text);
	return error;
}

/* Writes the sources (noting their signers) into a second spill. */
static int spill_sources(creator *c, FILE *f)
{
	strvec ids = {0};
	const char *id;
	json_t *want;
	size_t i, j;
	int error = 0;

	json_object_foreach (c->sources, id, want)
		if ((error = strvec_push(&ids, id)) < 0)
			goto done;
	strvec_sort_unique(&ids);
	for (i = 0; i < ids.n; i++) {
		json_t *revs = NULL;
		const json_t *r;
		want = json_object_get(c->sources, ids.v[i]);
		if (json_object_get(want, "all")) {
			if ((error = ct_store_revisions(
				     &revs, c->store, CT_KIND_SOURCE, ids.v[i])) < 0)
				goto done;
			if ((error = one_line_of_revisions(revs, "source", ids.v[i])) < 0) {
				json_decref(revs);
				goto done;
			}
		} else {
			strvec nums = {0};
			const char *k;
			json_t *v;
			if (!(revs = json_array())) {
				error = ct__oom();
				goto done;
			}
			json_object_foreach (want, k, v)
				if ((error = strvec_push(&nums, k)) < 0)
					break;
			if (error == 0)
				qsort(nums.v, nums.n, sizeof(*nums.v), cmp_revision);
			for (j = 0; error == 0 && j < nums.n; j++) {
				json_t *rec = NULL;
				if ((error = ct_store_get(&rec, c->store, CT_KIND_SOURCE, ids.v[i],
					     strtoll(nums.v[j], NULL, 10))) == 0)
					json_array_append_new(revs, rec);
			}
			strvec_free(&nums);
			if (error < 0) {
				json_decref(revs);
				goto done;
			}
		}
		json_array_foreach (revs, j, r)
			if ((error = require_verified(c, r)) < 0 ||
				(error = note_signers(c, r)) < 0 ||
				(error = spill_record(c, f, r, NULL)) < 0 ||
				(error = spill_text(c, f, r)) < 0)
				break;
		json_decref(revs);
		if (error < 0)
			goto done;
	}
done:
	strvec_free(&ids);
	return error;
}

static int write_keys(creator *c, FILE *f)
{
	strvec ids = {0};
	const char *id;
	json_t *v;
	size_t i;
	int error = 0;

	json_object_foreach (c->keys, id, v)
		if ((error = strvec_push(&ids, id)) < 0)
			goto done;
	strvec_sort_unique(&ids);
	for (i = 0; i < ids.n; i++) {
		json_t *rec = NULL;
		error = ct_store_get(&rec, c->store, CT_KIND_KEY, ids.v[i], 0);
		if (error == CT_ENOTFOUND && strcmp(ids.v[i], ct_key_id(c->opts->creator)) == 0) {
			ct_error_clear();
			rec = json_incref((json_t *)ct_key_public_record(c->opts->creator));
			error = 0;
		} else if (error == CT_ENOTFOUND) {
			error = ct_error_set(CT_ENOTFOUND,
				"signer key %s is not in the store (%s/key/%s.json)", ids.v[i],
				ct_store_root(c->store), ids.v[i]);
		}
		if (error < 0)
			goto done;
		error = spill_record(c, f, rec, NULL);
		json_decref(rec);
		if (error < 0)
			goto done;
	}
done:
	strvec_free(&ids);
	return error;
}

/*
 * Writes every checkpoint of the store that is consistent with its history (docs/bundle.md
 * 1.5), in id order, each followed by its proof line when it holds a record that a revoked or
 * expiring key signed: that record's inclusion proof for each such signature, signed by the
 * creator.
 */
static int write_checkpoints(creator *c, FILE **fp)
{
	FILE *f = NULL;
	json_t *cps = NULL, *cp, *leaves = NULL, *rec, *sig, *entry = NULL, *body = NULL;
	ct__cp_prover *prover = NULL;
	ct_buf text = CT_BUF_INIT;
	size_t i, j, k;
	int error;

	if ((error = ct__checkpoint_list(&cps, c->store)) < 0)
		goto done;
	/* a store without checkpoints makes no temporary file (publish makes many bundles) */
	if (json_array_size(cps) > 0 && !(f = *fp = tmpfile())) {
		error = ct_error_set(CT_EIO, "cannot make a temporary file: %s", strerror(errno));
		goto done;
	}
	json_array_foreach (cps, i, cp) {
		const char *created = json_string_value(json_object_get(cp, "created"));
		if ((error = note_signers(c, cp)) < 0 || (error = spill_record(c, f, cp, NULL)) < 0)
			goto done;
		json_decref(leaves);
		leaves = NULL;
		ct__cp_prover_free(prover);
		prover = NULL;
		if (!(leaves = json_array())) {
			error = ct__oom();
			goto done;
		}
		if ((error = ct__cp_prover_new(&prover, c->store, cp)) < 0)
			goto done;
		json_array_foreach (c->vouchees, j, rec) {
			json_array_foreach (json_object_get(rec, "signatures"), k, sig) {
				const char *kid = json_string_value(json_object_get(sig, "key_id"));
				char until[CT_TIMESTAMP_LEN + 1];
				ct_key_state st = ct_keyring_key_state(c->ring, kid, until);
				const char *expires = json_string_value(
					json_object_get(ct_keyring_find(c->ring, kid), "expires"));
				/* a proof is useful only for a checkpoint made by the key's limit */
				if (st == CT_KEY_LIVE && expires)
					memcpy(until, expires, CT_TIMESTAMP_LEN + 1);
				if (!until[0] || !created || strcmp(created, until) > 0)
					continue;
				if ((error = ct__cp_prove(&entry, prover, rec, kid,
					     json_string_value(json_object_get(sig, "sig")))) < 0)
					goto done;
				if (!entry)
					continue;
				if (json_array_append_new(leaves, entry) < 0) {
					entry = NULL;
					error = ct__oom();
					goto done;
				}
				entry = NULL;
				break; /* one proof per record: it holds all its signatures then */
			}
		}
		if (json_array_size(leaves) == 0)
			continue;
		json_decref(body);
		if (!(body = json_pack(
			      "{s:s, s:O}", "checkpoint", ct_record_id(cp), "leaves", leaves))) {
			error = ct__oom();
			goto done;
		}
		ct_buf_clear(&text);
		ct_buf_clear(&c->line);
		if ((error = ct_json_canon(&text, body)) < 0 ||
			(error = signed_envelope(&c->line, c->opts->creator, CT_BUNDLE_PROOF_TYPE,
				 text.ptr, text.len, "checkpoint proof")) < 0)
			goto done;
		if (c->line.len > CT_BUNDLE_LINE_MAX) {
			error = ct_error_set(CT_EINVALID,
				"checkpoint %s: its proofs are too large for a bundle line",
				ct_record_id(cp));
			goto done;
		}
		if (fwrite(c->line.ptr, 1, c->line.len, f) != c->line.len ||
			fputc('\n', f) == EOF) {
			error = ct_error_set(CT_EIO, "writing the bundle: %s", strerror(errno));
			goto done;
		}
	}
done:
	ct__cp_prover_free(prover);
	json_decref(entry);
	json_decref(body);
	json_decref(leaves);
	json_decref(cps);
	ct_buf_free(&text);
	return error;
}

/* The canonical trailer body. */
static int trailer_body(ct_buf *out, const ct_bundle_info *info)
{
	json_t *t = json_pack("{s:b, s:s, s:s, s:b, s:s, s:I, s:s, s:i}", "annotations",
		info->annotations, "created", info->created, "creator", info->creator, "history",
		info->history, "merkle_root", info->root, "records", (json_int_t)info->records,
		"type", "bundle", "version", 1);
	int error;

	if (!t)
		return ct__oom();
	error = ct_json_canon(out, t);
	json_decref(t);
	return error;
}

static int write_trailer(bundle_writer *w, ct_bundle_info *info, const ct_key *key)
{
	ct_buf body = CT_BUF_INIT, line = CT_BUF_INIT;
	uint8_t root[CT_HASH_LEN];
	int error;

	ct_merkle_root(&w->tree, root);
	ct_hex(info->root, root, CT_HASH_LEN);
	info->records = w->records;
	if ((error = trailer_body(&body, info)) < 0 ||
		(error = signed_envelope(
			 &line, key, CT_BUNDLE_PAYLOAD_TYPE, body.ptr, body.len, "bundle")) < 0)
		goto done;
	error = put_line(w, line.ptr, line.len, 0);
done:
	ct_buf_free(&body);
	ct_buf_free(&line);
	return error;
}

int ct_bundle_create(
	ct_bundle_info *info, ct_store *store, const char *path, const ct_bundle_create_opts *opts)
{
	return ct__bundle_create(info, store, path, opts, NULL);
}

int ct__bundle_create(ct_bundle_info *info, ct_store *store, const char *path,
	const ct_bundle_create_opts *opts, const ct__bundle_how *how)
{
	ct_bundle_info local;
	creator c;
	bundle_writer w;
	FILE *sources = NULL, *keys = NULL, *checkpoints = NULL;
	ct_buf scratch = CT_BUF_INIT;
	ct__outfile out;
	int fd = -1, opened = 0;
	size_t i;
	int error;

	memset(&c, 0, sizeof(c));
	memset(&w, 0, sizeof(w));
	ct_merkle_init(&w.tree);
	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (!opts || !opts->creator)
		return ct_error_set(CT_EINVALID, "bundle create needs a signing key");
	if ((error = ct__opts_version(
		     opts->version, CT_BUNDLE_CREATE_OPTS_VERSION, "ct_bundle_create_opts")) < 0)
		return error;
	if ((opts->select == CT_BUNDLE_TAG && !opts->tag) ||
		(opts->select == CT_BUNDLE_STATUS && !opts->status) ||
		(opts->select == CT_BUNDLE_IDS && opts->nids == 0))
		return ct_error_set(CT_EINVALID, "bundle create: nothing selected");
	c.store = store;
	c.opts = opts;
	c.how = how;
	c.info = info;
	info->history = opts->history != 0;
	info->annotations = opts->annotations != 0;
	memcpy(info->creator, ct_key_id(opts->creator), CT_KEY_ID_LEN + 1);
	ct_timestamp_now(info->created);
	if (!(c.keys = json_object()) || !(c.sources = json_object()) ||
		!(c.resolved = json_object())) {
		error = ct__oom();
		goto done;
	}
	if (json_object_set_new(c.keys, ct_key_id(opts->creator), json_true()) < 0) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct_store_keyring(&c.ring, store)) < 0 || (error = select_claims(&c)) < 0)
		goto done;
	if (c.ids.n == 0) {
		error = ct_error_set(CT_ENOTFOUND, "bundle create: no claim matches the selection");
		goto done;
	}
	if (how && how->spills[0] && how->spills[1] && how->spills[2]) {
		/* the caller's, emptied: no temporary file made and removed per bundle */
		for (i = 0; i < 3; i++) {
			rewind(how->spills[i]);
			if (ftruncate(fileno(how->spills[i]), 0) < 0) {
				error = ct_error_set(CT_EIO, "cannot empty a temporary file: %s",
					strerror(errno));
				goto done;
			}
		}
		c.spill = how->spills[0];
		sources = how->spills[1];
		keys = how->spills[2];
	} else if (!(c.spill = tmpfile()) || !(sources = tmpfile()) || !(keys = tmpfile())) {
		error = ct_error_set(CT_EIO, "cannot make a temporary file: %s", strerror(errno));
		goto done;
	}
	if ((error = spill_claims(&c)) < 0 || (error = spill_sources(&c, sources)) < 0 ||
		(error = write_checkpoints(&c, &checkpoints)) < 0 ||
		(error = write_keys(&c, keys)) < 0)
		goto done;
	/* the stream writes through its own descriptor; the output file keeps the original */
	if ((error = ct__outfile_open(&out, path, 0644)) < 0)
		goto done;
	out.nosync = how && how->nosync;
	opened = 1;
	if ((fd = dup(out.fd)) < 0 || !(w.f = fdopen(fd, "wb"))) {
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	fd = -1;
	if ((error = put_line(&w, CT_BUNDLE_HEADER, strlen(CT_BUNDLE_HEADER), 0)) < 0 ||
		(error = copy_spill(&w, keys, &scratch)) < 0 ||
		(checkpoints && (error = copy_spill(&w, checkpoints, &scratch)) < 0) ||
		(error = copy_spill(&w, sources, &scratch)) < 0 ||
		(error = copy_spill(&w, c.spill, &scratch)) < 0 ||
		(error = write_trailer(&w, info, opts->creator)) < 0)
		goto done;
	if (fclose(w.f) != 0) {
		w.f = NULL;
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	w.f = NULL;
	opened = 0;
	if ((error = ct__outfile_commit(&out)) < 0)
		goto done;
done:
	if (w.f)
		fclose(w.f);
	if (fd >= 0)
		close(fd);
	if (opened)
		ct__outfile_abort(&out);
	if (c.spill && (!how || c.spill != how->spills[0]))
		fclose(c.spill);
	if (sources && (!how || sources != how->spills[1]))
		fclose(sources);
	if (keys && (!how || keys != how->spills[2]))
		fclose(keys);
	if (checkpoints)
		fclose(checkpoints);
	json_decref(c.vouchees);
	strvec_free(&c.ids);
	ct_keyring_free(c.ring);
	json_decref(c.keys);
	json_decref(c.sources);
	json_decref(c.resolved);
	ct_buf_free(&c.line);
	ct_buf_free(&scratch);
	return error;
}
