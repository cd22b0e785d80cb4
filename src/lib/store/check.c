/*
 * Checking a whole store: every file under the store folder is a record where it belongs, in
 * the form claimtrail writes, with valid signatures; every revision chain links by digest; every
 * reference between records resolves; and the commit that last wrote each file was a claimtrail
 * commit that named the record (so a hand edit committed with plain git is reported).
 */
#include "parallel.h"
#include "record_internal.h"
#include "store_internal.h"
#include "claimtrail/trust.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	ct_store *store;
	const ct_check_opts *opts;
	const ct_keyring *trust;
	ct_finding_fn fn;
	void *payload;
	size_t findings;
	json_t *revs;	      /* "kind/id" -> {"<n>": {"digest", "prev"}} */
	json_t *records;      /* "kind/id" or "annotation/claim/aid" -> record (latest revision) */
	json_t *files;	      /* path -> 1 for every record file, for the provenance check */
	json_t *texts;	      /* "source/id/<n>" -> {"<revision's file name>": text's sha256} */
	json_t *kept;	      /* "source/id/<file name>" -> archive.sha256 of revisions "stored" */
	json_t *checkpoints;  /* the checkpoint records, for check_checkpoints */
	ct__vouch *vouch;     /* what vouches for a revoked or expired key's signatures */
	uint64_t checked;     /* files checked, for opts->progress */
	struct preload *next; /* the current file's record, loaded ahead (load_record) */
	/* Checking what a fetch brought (ct__check_incoming): only the files in fresh are
	 * reported on, and the chains and references of their records; NULL for a whole check. */
	const json_t *fresh;
	json_t *fresh_keys;  /* "kind/id" or "annotation/claim/aid" -> [fresh paths] */
	json_t *bad;	     /* fresh paths with a finding */
	json_t *fresh_dirs;  /* "claim/<fan>/<id>" folders holding a fresh file -> true */
	const char *current; /* the fresh file being checked, or NULL */
	const char *focus;   /* the record key a chain or reference finding is about, or NULL */
	int quiet;	     /* not about anything fresh: no finding */
} checker;

/* A .json file of the store read, parsed, form-checked and verified ahead of check_file, on
 * every core (preload_all); load_record then only reports what was found, in the walk's order. */
typedef struct preload {
	char *path;
	git_oid oid;
	json_t *record; /* NULL when it could not be read or parsed: failed says why */
	char *failed;
	char *form;   /* the "not in the form claimtrail writes" finding, or NULL */
	int reverify; /* ct_record_verify failed, or a revocation: load_record decides, serially */
	char digest[CT_DIGEST_LEN + 1]; /* a claim's or source's, "" when it has none */
} preload;

static void finding(checker *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void finding(checker *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (c->quiet)
		return;
	if (c->bad && c->current)
		json_object_set_new(c->bad, c->current, json_true());
	if (c->bad && c->focus) {
		size_t i;
		json_t *path;
		json_array_foreach (json_object_get(c->fresh_keys, c->focus), i, path)
			json_object_set(c->bad, json_string_value(path), json_true());
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->findings++;
	if (c->fn)
		c->fn(line, c->payload);
}

static int read_blob(ct_buf *out, checker *c, const git_oid *oid, size_t max)
{
	git_blob *blob = NULL;
	int error = 0;

	if (git_blob_lookup(&blob, c->store->repo, oid) < 0)
		return ct__git_error(CT_EIO, "reading a blob");
	if (git_blob_rawsize(blob) > max)
		error = ct_error_set(CT_EINVALID, "larger than %zu bytes", max);
	else
		error = ct_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return error;
}

/* Verifies one record's signatures, a finding when they fail: signatures by a revoked or expired
 * key count where a checkpoint vouches for them; a revocation is the key's own signed word,
 * whatever the trust in it now, or an admin key's that the trust list grants the right. */
static void verify_record(
	checker *c, const char *path, const json_t *record, ct_kind kind, size_t threshold)
{
	ct_verify_report report;
	int error;

	if (kind == CT_KIND_KEY && json_object_get(record, "revoked")) {
		/* one made by another key applies only where the trust list grants that key the
		 * right (trust.md); otherwise the key stays live, and that is a finding */
		if ((error = ct_key_record_check(record)) == 0)
			error = ct_key_revocation_verify(record, c->trust);
	} else
		error = ct_record_verify_vouched(
			&report, record, c->trust, threshold, ct__vouch_fn, c->vouch);
	if (error < 0)
		finding(c, "%s: %s", path, ct_error_last());
}

/* The digest of a claim's or source's revision, its name in the revision chain; "" when it
 * cannot be computed (no finding of its own: the record failed its checks already). */
static void revision_digest(char digest[CT_DIGEST_LEN + 1], const json_t *record)
{
	ct_kind kind;

	digest[0] = '\0';
	if (ct_record_kind(&kind, record) == 0 &&
		(kind == CT_KIND_CLAIM || kind == CT_KIND_SOURCE) &&
		ct_record_digest(digest, record) < 0)
		digest[0] = '\0';
	ct_error_clear();
}

/* Parses, schema-checks and form-checks one record file; verifies its signatures. digest (may
 * be NULL) receives a claim's or source's digest (revision_digest). */
static json_t *load_record(checker *c, const char *path, const git_oid *oid, ct_kind want,
	size_t threshold, char *digest)
{
	ct_buf data = CT_BUF_INIT;
	json_t *record = NULL;
	ct_kind kind;

	if (threshold == 1 && c->next && git_oid_equal(&c->next->oid, oid) &&
		strcmp(c->next->path, path) == 0) {
		preload *pl = c->next; /* loaded ahead: report what was found, in this order */
		c->next = NULL;
		if (!pl->record) {
			finding(c, "%s", pl->failed ? pl->failed : "out of memory");
			return NULL;
		}
		ct_record_kind(&kind, pl->record);
		if (kind != want) {
			finding(c, "%s: holds a %s record where a %s belongs", path,
				ct_kind_name(kind), ct_kind_name(want));
			return NULL;
		}
		if (pl->form)
			finding(c, "%s", pl->form);
		if (pl->reverify && !c->quiet)
			verify_record(c, path, pl->record, kind, threshold);
		if (digest)
			memcpy(digest, pl->digest, sizeof(pl->digest));
		return json_incref(pl->record);
	}
	if (read_blob(&data, c, oid, CT_RECORD_MAX) < 0 ||
		ct__parse_record(&record, &data, path) < 0) {
		finding(c, "%s", ct_error_last());
		goto done;
	}
	ct_record_kind(&kind, record);
	if (kind != want) {
		finding(c, "%s: holds a %s record where a %s belongs", path, ct_kind_name(kind),
			ct_kind_name(want));
		json_decref(record);
		record = NULL;
		goto done;
	}
	if (ct__record_stored_form(record, &data) == 0)
		finding(c, "%s %s: %s is not in the form claimtrail writes (edited by hand?)",
			ct_kind_name(kind), ct_record_id(record), path);
	/* what the local store had already is not checked again when checking a fetch */
	if (!c->quiet)
		verify_record(c, path, record, kind, threshold);
	if (digest)
		revision_digest(digest, record);
done:
	ct_buf_free(&data);
	return record;
}

/* Remembers that the fresh file being checked holds a record of key. */
static void note_fresh(checker *c, const char *key)
{
	json_t *list;

	if (!c->fresh_keys || !c->current)
		return;
	if (!(list = json_object_get(c->fresh_keys, key))) {
		list = json_array();
		json_object_set_new(c->fresh_keys, key, list);
	}
	json_array_append_new(list, json_string(c->current));
}

static void note_revision(
	checker *c, const char *key, json_int_t n, const json_t *record, const char *digest)
{
	json_t *revs = json_object_get(c->revs, key);

	if (!revs) {
		revs = json_object();
		json_object_set_new(c->revs, key, revs);
	}
	if (!digest[0])
		return;
	json_object_set_new(revs, digest,
		json_pack("{s:I, s:o}", "n", (json_int_t)n, "prev",
			json_object_get(record, "prev")
				? json_incref(json_object_get(record, "prev"))
				: json_null()));
}

static size_t claim_threshold(checker *c)
{
	return c->opts && c->opts->threshold > 1 ? c->opts->threshold : 1;
}

/* An annotation's id is derived from its content and first signer (workflow.md). */
static void check_annotation_id(checker *c, const json_t *record)
{
	const json_t *first = json_array_get(json_object_get(record, "signatures"), 0);
	const char *signer = json_string_value(json_object_get(first, "key_id"));
	char id[CT_ID_MAX + 1];

	if (signer && ct_annotation_id(id, record, signer) == 0 &&
		strcmp(id, ct_record_id(record)) != 0)
		finding(c,
			"annotation %s: its id is not the one its content and first signer (key "
			"%s) give, %s",
			ct_record_id(record), signer, id);
}

/* One file of the store: path is relative to the repository. */
/* Editorial warnings: reported through fn, "warning: " first, but not counted as problems. */
static void check_quantities(checker *c)
{
	const char *key;
	json_t *rec;
	char line[1024], shown[2 * CT_AMOUNT_MAX];

	json_object_foreach (c->records, key, rec) {
		const char *amount = json_string_value(
			json_object_get(json_object_get(rec, "quantity"), "amount"));
		const char *quote = json_string_value(
			json_object_get(json_object_get(rec, "attribution"), "quote"));
		if (strncmp(key, "claim/", 6) != 0 || !amount || !quote ||
			json_is_true(json_object_get(rec, "retracted")) ||
			ct_quantity_in_text(amount, quote))
			continue;
		if (ct_amount_format(shown, sizeof(shown), amount) < 0)
			ct_error_clear();
		snprintf(line, sizeof(line),
			"warning: claim %s: the quantity %s matches no number in its quote \"%.400s\"",
			ct_record_id(rec), shown, quote);
		if (c->fn)
			c->fn(line, c->payload);
	}
}

static void check_file(checker *c, const char *path, const git_oid *oid)
{
	const char *rel = path + strlen(c->store->root) + 1;
	char part[5][128];
	int n = 0;
	const char *p = rel;
	json_t *record = NULL;
	char key[300];
	char fan[3];

	while (*p && n < 5) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len >= sizeof(part[0])) {
			finding(c, "%s: unexpected file in the store", path);
			return;
		}
		memcpy(part[n], p, len);
		part[n][len] = '\0';
		n++;
		p += len + (slash ? 1 : 0);
		if (!slash)
			break;
	}
	if (*p) {
		finding(c, "%s: unexpected file in the store", path);
		return;
	}
	if (n == 1 && strcmp(part[0], "store.json") == 0)
		return;
	if (n == 2 && strcmp(part[0], "key") == 0) {
		size_t len = strlen(part[1]);
		if (len != CT_KEY_ID_LEN + 5 || strcmp(part[1] + CT_KEY_ID_LEN, ".json") != 0) {
			finding(c, "%s: unexpected file in the key folder", path);
			return;
		}
		record = load_record(c, path, oid, CT_KIND_KEY, 1, NULL);
		if (record && strncmp(ct_record_id(record), part[1], CT_KEY_ID_LEN) != 0)
			finding(c, "key %s: stored as %s", ct_record_id(record), path);
		if (record)
			json_object_set_new(c->files, path, json_true());
		json_decref(record);
		return;
	}
	if (n == 2 && strcmp(part[0], "checkpoint") == 0) {
		size_t len = strlen(part[1]);
		if (len < 6 || strcmp(part[1] + len - 5, ".json") != 0) {
			finding(c, "%s: unexpected file in the checkpoint folder", path);
			return;
		}
		record = load_record(c, path, oid, CT_KIND_CHECKPOINT, 1, NULL);
		if (!record)
			return;
		snprintf(key, sizeof(key), "%.120s.json", ct_record_id(record));
		if (strcmp(key, part[1]) != 0)
			finding(c, "checkpoint %s: stored as %s", ct_record_id(record), path);
		json_array_append(c->checkpoints, record);
		json_object_set_new(c->files, path, json_true());
		json_decref(record);
		return;
	}
	if (n >= 4 && (strcmp(part[0], "claim") == 0 || strcmp(part[0], "source") == 0)) {
		ct_kind kind = part[0][0] == 'c' ? CT_KIND_CLAIM : CT_KIND_SOURCE;
		const char *id = part[2];
		const char *name = part[3];
		size_t len = strlen(name);
		json_int_t rev = 0;
		size_t k;
		char digest[CT_DIGEST_LEN + 1];

		ct__fanout(fan, id);
		if (ct_id_validate(id, part[0]) < 0 || strcmp(fan, part[1]) != 0) {
			finding(c, "%s: not where a %s with that id belongs", path, part[0]);
			return;
		}
		if (n == 5 && kind == CT_KIND_CLAIM && strcmp(part[3], "annotations") == 0) {
			record = load_record(c, path, oid, CT_KIND_ANNOTATION, 1, NULL);
			if (!record)
				return;
			check_annotation_id(c, record);
			snprintf(key, sizeof(key), "%.120s.json", ct_record_id(record));
			if (strcmp(key, part[4]) != 0 ||
				strcmp(json_string_value(json_object_get(record, "claim")), id) !=
					0)
				finding(c, "annotation %s: stored as %s", ct_record_id(record),
					path);
			snprintf(key, sizeof(key), "annotation/%s/%s", id, ct_record_id(record));
			note_fresh(c, key);
			json_object_set_new(c->records, key, record);
			json_object_set_new(c->files, path, json_true());
			return;
		}
		if (n != 4 || len < 7 || name[0] != 'r') {
			finding(c, "%s: unexpected file in the store", path);
			return;
		}
		for (k = 1; k < len && name[k] >= '0' && name[k] <= '9' && rev < 100000000; k++)
			rev = rev * 10 + (name[k] - '0');
		if (kind == CT_KIND_SOURCE && len > 4 && strcmp(name + len - 4, ".txt") == 0) {
			/* a kept text: "rNNNN.txt", or "rNNNN-<12 hex>.txt" beside its revision */
			ct_buf text = CT_BUF_INIT;
			char hex[65], as_json[96];
			json_t *set;
			snprintf(as_json, sizeof(as_json), "%.*s.json", (int)(len - 4), name);
			if (len - 4 > 60 || (rev = ct__revision_file(as_json, NULL)) < 1) {
				finding(c, "%s: unexpected file in the store", path);
				return;
			}
			if (read_blob(&text, c, oid, CT_TEXT_MAX) == 0) {
				ct_sha256_hex(hex, (const uint8_t *)text.ptr, text.len);
				snprintf(key, sizeof(key), "source/%s/%lld", id, (long long)rev);
				if (!(set = json_object_get(c->texts, key)))
					json_object_set_new(c->texts, key, set = json_object());
				json_object_set_new(set, as_json, json_string(hex));
				json_object_set_new(c->files, path, json_true());
			}
			ct_buf_free(&text);
			return;
		}
		if (strcmp(name + k, ".json") != 0 || rev < 1) {
			const char *hex = NULL;
			if ((rev = ct__revision_file(name, &hex)) < 1 || !hex) {
				finding(c, "%s: unexpected file in the store", path);
				return;
			}
		}
		/* every revision's signatures must verify; the threshold is for the current one
		 * (check_thresholds): a sign-off signs the current revision, not the history */
		record = load_record(c, path, oid, kind, 1, digest);
		if (!record)
			return;
		if (strcmp(ct_record_id(record), id) != 0 ||
			json_integer_value(json_object_get(record, "revision")) != rev) {
			finding(c, "%s %s: %s holds revision %lld of %s", part[0], id, path,
				(long long)json_integer_value(json_object_get(record, "revision")),
				ct_record_id(record));
			json_decref(record);
			return;
		}
		if (kind == CT_KIND_SOURCE &&
			json_is_true(
				json_object_get(json_object_get(record, "archive"), "stored"))) {
			snprintf(key, sizeof(key), "source/%s/%s", id, name);
			json_object_set(c->kept, key,
				json_object_get(json_object_get(record, "archive"), "sha256"));
		}
		{
			const char *hex = NULL;
			ct__revision_file(name, &hex);
			if (hex && digest[0] && strncmp(hex, digest + 7, CT__REVISION_HEX) != 0)
				finding(c,
					"%s %s: %s is not named by the revision's digest (%.19s)",
					part[0], id, path, digest);
		}
		snprintf(key, sizeof(key), "%s/%s", part[0], id);
		note_fresh(c, key);
		note_revision(c, key, rev, record, digest);
		{
			json_t *cur = json_object_get(c->records, key);
			if (!cur || json_integer_value(json_object_get(cur, "revision")) < rev)
				json_object_set(c->records, key, record);
		}
		json_object_set_new(c->files, path, json_true());
		json_decref(record);
		return;
	}
	finding(c, "%s: unexpected file in the store", path);
}

typedef struct {
	checker *c;
	int error;
	preload *files; /* every file of the store, in the walk's order */
	size_t count, cap;
} walk_state;

static int walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	walk_state *w = payload;
	ct_buf path = CT_BUF_INIT;

	if (git_tree_entry_type(entry) == GIT_OBJECT_TREE && w->c->fresh_dirs &&
		strncmp(root, "claim/", 6) == 0 && strchr(root + 6, '/') &&
		!strchr(strchr(root + 6, '/') + 1, '/')) {
		/* a fetch check: a claim folder with nothing fresh is what the local store has;
		 * no fresh record refers into it (annotations live in their claim's folder) */
		char key[300];
		snprintf(key, sizeof(key), "%s%s", root, git_tree_entry_name(entry));
		return json_object_get(w->c->fresh_dirs, key) ? 0 : 1;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		preload *files = realloc(w->files, cap * sizeof(*files));
		if (!files) {
			w->error = CT_ENOMEM;
			return -1;
		}
		w->files = files;
		w->cap = cap;
	}
	if (ct_buf_printf(&path, "%s/%s%s", w->c->store->root, root, git_tree_entry_name(entry)) <
		0) {
		w->error = CT_ENOMEM;
		return -1;
	}
	memset(&w->files[w->count], 0, sizeof(w->files[0]));
	w->files[w->count].path = ct_buf_detach(&path);
	w->files[w->count++].oid = *git_tree_entry_id(entry);
	return 0;
}

typedef struct {
	checker *c;
	preload *files;
	size_t first, step, count;
	int own; /* a repository handle of its own (all but the calling thread's share) */
} preload_share;

static int is_json(const char *path)
{
	size_t len = strlen(path);
	return len > 5 && strcmp(path + len - 5, ".json") == 0;
}

static char *dup_last(void)
{
	char *s = strdup(ct_error_last());
	ct_error_clear();
	return s;
}

/* Reads, parses, form-checks and verifies files first, first + step, ... (those ending in
 * .json: check_file decides later which of them are records); the keyring is shared, as bundle
 * verify shares it. */
static void *preload_some(void *arg)
{
	preload_share *sh = arg;
	checker mine = *sh->c;
	ct_store store = *sh->c->store;
	ct_buf data = CT_BUF_INIT;
	size_t i;
	int setup = 0;

	store.fans = NULL; /* not shared between threads (ct__store_bypath) */
	if (sh->own) {
		store.repo = NULL;
		store.tree = NULL;
		setup = git_repository_open(&store.repo, git_repository_path(sh->c->store->repo));
	}
	mine.store = &store;
	for (i = sh->first; i < sh->count; i += sh->step) {
		preload *pl = &sh->files[i];
		ct_verify_report report;
		ct_kind kind;
		if (!is_json(pl->path))
			continue;
		ct_buf_clear(&data);
		if (setup < 0) {
			pl->failed = strdup("cannot open the repository on a thread");
			continue;
		}
		if (read_blob(&data, &mine, &pl->oid, CT_RECORD_MAX) < 0 ||
			ct__parse_record(&pl->record, &data, pl->path) < 0) {
			json_decref(pl->record);
			pl->record = NULL;
			pl->failed = dup_last();
			continue;
		}
		ct_record_kind(&kind, pl->record);
		if (ct__record_stored_form(pl->record, &data) == 0) {
			ct_buf fmt = CT_BUF_INIT;
			if (ct_buf_printf(&fmt,
				    "%s %s: %s is not in the form claimtrail writes (edited by "
				    "hand?)",
				    ct_kind_name(kind), ct_record_id(pl->record), pl->path) == 0)
				pl->form = ct_buf_detach(&fmt);
			ct_buf_free(&fmt);
		}
		ct_error_clear();
		/* what no vouching can change is decided here; a failure may yet be a revoked or
		 * expired key's signature that a checkpoint vouches for (ct__vouch is not shared
		 * between threads), and a revocation is checked on its own terms: load_record */
		if ((kind == CT_KIND_KEY && json_object_get(pl->record, "revoked")) ||
			ct_record_verify(&report, pl->record, mine.trust, 1) < 0)
			pl->reverify = 1;
		ct_error_clear();
		revision_digest(pl->digest, pl->record);
	}
	ct_buf_free(&data);
	ct__fan_cache_free(store.fans);
	if (sh->own)
		git_repository_free(store.repo);
	return NULL;
}

#define PRELOAD_CHUNK 4096
#define PRELOAD_THREADS_MAX 8

static void preload_free(preload *pl)
{
	free(pl->path);
	json_decref(pl->record);
	free(pl->failed);
	free(pl->form);
}

/* Checks the files in the walk's order, PRELOAD_CHUNK at a time, each chunk's records loaded
 * ahead on every core (a chunk bounds the records held at once). */
static void check_files(checker *c, preload *files, size_t count)
{
	size_t t = ct__parallel_threads(0, PRELOAD_THREADS_MAX), at, i, k;

	for (at = 0; at < count; at += PRELOAD_CHUNK) {
		size_t n = count - at < PRELOAD_CHUNK ? count - at : PRELOAD_CHUNK;
		preload_share shares[PRELOAD_THREADS_MAX];
		size_t use = n < 64 ? 1 : t;
		for (k = 0; k < use; k++)
			shares[k] = (preload_share){c, files + at, k, use, n, k > 0};
		ct__parallel(shares, sizeof(shares[0]), use, preload_some);
		for (i = at; i < at + n; i++) {
			c->next = is_json(files[i].path) ? &files[i] : NULL;
			if (c->fresh) { /* a fetch check: findings only about what it brought */
				c->quiet = !json_object_get(c->fresh, files[i].path);
				c->current = c->quiet ? NULL : files[i].path;
			}
			check_file(c, files[i].path, &files[i].oid);
			c->next = NULL;
			c->quiet = 0;
			c->current = NULL;
			preload_free(&files[i]);
			memset(&files[i], 0, sizeof(files[i]));
			c->checked++;
			if (c->opts && c->opts->progress) {
				ct_progress pr = {"checking", c->checked, count};
				c->opts->progress(&pr, c->opts->progress_payload);
			}
		}
	}
}

/* Findings from here on are about the record key (a fetch check reports only fresh ones). */
static void focus(checker *c, const char *key)
{
	c->focus = key;
	c->quiet = c->fresh && !json_object_get(c->fresh_keys, key);
}

/* Each claim's current revision needs claim_threshold distinct trusted signers. */
static void check_thresholds(checker *c)
{
	const char *key;
	json_t *rec;
	size_t need = claim_threshold(c);

	if (need <= 1)
		return;
	json_object_foreach (c->records, key, rec) {
		ct_verify_report report;
		ct_kind kind;
		if (strncmp(key, "claim/", 6) != 0 || ct_record_kind(&kind, rec) < 0 ||
			kind != CT_KIND_CLAIM)
			continue;
		char untrusted[96] = "";
		size_t have = 0;
		if (ct_record_verify_vouched(
			    &report, rec, c->trust, need, ct__vouch_fn, c->vouch) != CT_EUNTRUSTED)
			continue;
		/* sign-offs of a revision this one only re-anchored stand (history.c) */
		if (ct_store_claim_signer_count(&have, NULL, c->store, rec, c->trust) < 0)
			ct_error_clear();
		if (have >= need)
			continue;
		if (have > report.trusted)
			report.trusted = have;
		/* a signature by a key the user does not trust is there, but does not count */
		if (report.untrusted)
			snprintf(untrusted, sizeof(untrusted),
				"; %zu signature%s by untrusted keys not counted", report.untrusted,
				report.untrusted == 1 ? "" : "s");
		finding(c,
			"claim %s revision %lld: signed by %zu trusted key%s, %zu needed%s (sign "
			"off with 'claimtrail sign-off %s')",
			ct_record_id(rec),
			(long long)json_integer_value(json_object_get(rec, "revision")),
			report.trusted, report.trusted == 1 ? "" : "s", need, untrusted,
			ct_record_id(rec));
	}
}

/* Each checkpoint names a commit of the branch's history whose records give its root and
 * count: a rewritten history (or a hand-made checkpoint) fails. */
static int check_checkpoints(checker *c)
{
	ct_buf why = CT_BUF_INIT;
	json_t *cp;
	size_t i;
	int error = 0;

	json_array_foreach (c->checkpoints, i, cp) {
		if ((error = ct__checkpoint_consistent(&why, c->store, cp)) < 0)
			break;
		if (why.len > 0)
			finding(c, "checkpoint %s: %s", ct_record_id(cp), why.ptr);
	}
	ct_buf_free(&why);
	return error;
}

/* Revisions 1..n present, each (from 2 on) naming by digest revisions below it, the highest one
 * below; a claim whose revisions forked has two or more heads (revisions no other one names):
 * conflicted until a merge revision names them all (docs/sync.md). */
static void check_chains(checker *c)
{
	const char *key;
	json_t *revs;

	json_object_foreach (c->revs, key, revs) {
		json_t *named = json_object(), *r, *d, *prev;
		json_int_t max = 0, i;
		const char *digest;
		size_t k, heads = 0;
		focus(c, key);
		json_object_foreach (revs, digest, r) {
			json_int_t n = json_integer_value(json_object_get(r, "n"));
			max = n > max ? n : max;
		}
		for (i = 1; i <= max; i++) {
			int found = 0;
			json_object_foreach (revs, digest, r)
				found |= json_integer_value(json_object_get(r, "n")) == i;
			if (!found) {
				finding(c, "%s: revision %lld is missing", key, (long long)i);
				break;
			}
		}
		json_object_foreach (revs, digest, r) {
			json_int_t n = json_integer_value(json_object_get(r, "n")), high = 0;
			int bad = 0;
			prev = json_object_get(r, "prev");
			if (n == 1)
				continue;
			if (json_is_string(prev))
				json_object_set_new(named, json_string_value(prev), json_true());
			json_array_foreach (prev, k, d)
				json_object_set_new(named, json_string_value(d), json_true());
			if (json_is_string(prev)) {
				json_t *p = json_object_get(revs, json_string_value(prev));
				high = p ? json_integer_value(json_object_get(p, "n")) : 0;
				bad = !p;
			}
			json_array_foreach (prev, k, d) {
				json_t *p = json_object_get(revs, json_string_value(d));
				json_int_t m = p ? json_integer_value(json_object_get(p, "n")) : 0;
				bad |= !p || m >= n;
				high = m > high ? m : high;
			}
			if (bad || high != n - 1)
				finding(c,
					"%s: revision %lld does not name revision %lld as prev "
					"(the chain is broken)",
					key, (long long)n, (long long)(n - 1));
		}
		json_object_foreach (revs, digest, r)
			if (!json_object_get(named, digest))
				heads++;
		if (heads > 1 && !c->fresh) /* a fetch may bring a conflict: sync keeps both */
			finding(c,
				"%s: conflicted: %zu concurrent revisions (end it with 'claimtrail %.*s "
				"revise %s --merge')",
				key, heads, (int)(strchr(key, '/') - key), key,
				strchr(key, '/') + 1);
		json_decref(named);
	}
	focus(c, NULL);
}

static int has_revision(checker *c, const char *kind, const char *id, const char *digest)
{
	char key[160];

	snprintf(key, sizeof(key), "%s/%s", kind, id);
	return json_object_get(json_object_get(c->revs, key), digest) != NULL;
}

static int source_exists(checker *c, const char *id)
{
	char key[160];

	snprintf(key, sizeof(key), "source/%s", id);
	return json_object_get(c->records, key) != NULL;
}

/* Every source revision that says its text is kept: the text it uses (its own, named as it is, or
 * one of the newest earlier number: the revision before it, or one concurrent with that) must
 * have its sha256. A text that is not here is no finding: bundles do not carry texts. */
static void check_texts(checker *c)
{
	const char *key;
	json_t *want;

	json_object_foreach (c->kept, key, want) {
		char id[160], tk[200];
		const char *slash = strrchr(key, '/'), *name, *k2;
		json_int_t r, n;
		json_t *set, *hex, *own = NULL;
		int match = 0, any = 0;
		if (!slash || (size_t)(slash - key) >= sizeof(id))
			continue;
		memcpy(id, key, (size_t)(slash - key));
		id[slash - key] = '\0';
		name = slash + 1;
		n = ct__revision_file(name, NULL);
		snprintf(tk, sizeof(tk), "%s/%lld", id, (long long)n);
		own = json_object_get(json_object_get(c->texts, tk), name);
		if (own) {
			match = json_equal(own, want);
			any = 1;
		}
		for (r = n - 1; !own && r >= 1 && !any; r--) {
			snprintf(tk, sizeof(tk), "%s/%lld", id, (long long)r);
			set = json_object_get(c->texts, tk);
			json_object_foreach (set, k2, hex) {
				any = 1;
				match |= json_equal(hex, want);
			}
		}
		if (any && !match)
			finding(c,
				"source %s revision %lld: the stored text does not match its sha256",
				id + 7, (long long)n);
	}
}

static void check_references(checker *c)
{
	const char *key;
	json_t *rec;

	json_object_foreach (c->records, key, rec) {
		ct_kind kind;
		focus(c, key);
		ct_record_kind(&kind, rec);
		if (kind == CT_KIND_CLAIM) {
			json_t *a = json_object_get(rec, "attribution");
			const char *src = json_string_value(json_object_get(a, "source"));
			const char *srev = json_string_value(json_object_get(a, "source_revision"));
			if (!source_exists(c, src))
				finding(c, "claim %s: cites source %s, which is not in the store",
					ct_record_id(rec), src);
			else if (srev && !has_revision(c, "source", src, srev))
				finding(c,
					"claim %s: cites a revision of source %s that does not exist",
					ct_record_id(rec), src);
		} else if (kind == CT_KIND_ANNOTATION) {
			const char *claim = json_string_value(json_object_get(rec, "claim"));
			const char *crev =
				json_string_value(json_object_get(rec, "claim_revision"));
			json_t *ev = json_object_get(rec, "evidence");
			const char *dsrc = json_string_value(
				json_object_get(json_object_get(rec, "dispute"), "source"));
			const char *resolves = json_string_value(json_object_get(rec, "resolves"));
			size_t i;
			json_t *item;
			if (!has_revision(c, "claim", claim, crev))
				finding(c,
					"annotation %s: judges a revision of claim %s that does not exist",
					ct_record_id(rec), claim);
			json_array_foreach (ev, i, item)
				if (!source_exists(c, json_string_value(item)))
					finding(c,
						"annotation %s: evidence source %s is not in the store",
						ct_record_id(rec), json_string_value(item));
			if (dsrc && !source_exists(c, dsrc))
				finding(c, "annotation %s: dispute source %s is not in the store",
					ct_record_id(rec), dsrc);
			if (resolves) {
				char dk[256];
				json_t *d;
				snprintf(dk, sizeof(dk), "annotation/%s/%s", claim, resolves);
				d = json_object_get(c->records, dk);
				if (!d ||
					strcmp(json_string_value(json_object_get(d, "kind")),
						"dispute"))
					finding(c,
						"annotation %s: resolves %s, which is not a dispute of "
						"claim %s",
						ct_record_id(rec), resolves, claim);
			}
		}
	}
	focus(c, NULL);
	check_texts(c);
}

typedef struct {
	checker *c;
	json_t *last; /* path -> "c<commit> <n>" / "g<commit> <n>" / "d<commit> <n>" (removed),
			 n the line's place in the journal */
	size_t seq;
	json_t *suspect; /* second pass: path -> [claimtrail commits that wrote it] */
} provenance;

static int provenance_line(const ct_journal_line *line, void *payload)
{
	provenance *p = payload;
	char path[512];
	char val[64];

	if (line->path_len >= sizeof(path))
		return 0;
	memcpy(path, line->path, line->path_len);
	path[line->path_len] = '\0';
	if (p->suspect) {
		json_t *commits = json_object_get(p->suspect, path);
		if (commits && line->by_claimtrail && !line->deleted)
			json_array_append_new(commits, json_string(line->commit));
		return 0;
	}
	snprintf(val, sizeof(val), "%c%s %zu",
		line->deleted		      ? 'd'
			: line->by_claimtrail ? 'c'
					      : 'g',
		line->commit, p->seq++);
	json_object_set_new(p->last, path, json_string(val));
	return 0;
}

/* 1 when one of the claimtrail commits wrote at path exactly the blob the branch has there:
 * a later plain commit (git revert, a checkout of the old file) restored what claimtrail wrote,
 * so the file is claimtrail's again. A key record counts only as the last claimtrail commit
 * wrote it: an older one may be the key before its revocation. */
static int restored(checker *c, const char *path, const json_t *commits)
{
	git_tree_entry *now = NULL;
	size_t i, from = 0, rlen = strlen(c->store->root);
	json_t *hex;
	int found = 0;

	if (git_tree_entry_bypath(&now, c->store->tree, path) < 0)
		return 0;
	if (strncmp(path + rlen, "/key/", 5) == 0 && json_array_size(commits) > 0)
		from = json_array_size(commits) - 1;
	json_array_foreach (commits, i, hex) {
		git_oid oid;
		if (i < from)
			continue;
		git_commit *commit = NULL;
		git_tree *tree = NULL;
		git_tree_entry *then = NULL;
		if (git_oid_fromstr(&oid, json_string_value(hex)) == 0 &&
			git_commit_lookup(&commit, c->store->repo, &oid) == 0 &&
			git_commit_tree(&tree, commit) == 0 &&
			git_tree_entry_bypath(&then, tree, path) == 0)
			found = git_oid_equal(git_tree_entry_id(then), git_tree_entry_id(now));
		git_tree_entry_free(then);
		git_tree_free(tree);
		git_commit_free(commit);
		if (found)
			break;
	}
	git_tree_entry_free(now);
	return found;
}

/* The journal place of a "<x><commit> <n>" value; 0 when there is none. */
static size_t line_seq(const char *val)
{
	return val && strlen(val) > 42 ? (size_t)strtoull(val + 42, NULL, 10) : 0;
}

/* 1 when claim id's current revision is a retraction signed by a trusted key and written (by
 * claimtrail) after journal place `after`: a signed record that says why the claim's records
 * changed. */
static int retracted_since(checker *c, provenance *p, const char *id, size_t after)
{
	char key[160];
	ct_buf path = CT_BUF_INIT;
	const json_t *rec;
	const char *val;
	ct_verify_report report;
	int yes = 0;

	snprintf(key, sizeof(key), "claim/%s", id);
	rec = json_object_get(c->records, key);
	if (!rec || !json_is_true(json_object_get(rec, "retracted")) ||
		ct_record_verify(&report, rec, c->trust, 1) < 0 ||
		ct__revision_path(&path, c->store, NULL, CT_KIND_CLAIM, id,
			json_integer_value(json_object_get(rec, "revision"))) < 0)
		goto done;
	val = json_string_value(json_object_get(p->last, path.ptr));
	yes = val && val[0] == 'c' && line_seq(val) > after;
done:
	ct_error_clear();
	ct_buf_free(&path);
	return yes;
}

/*
 * A record file that history shows was removed (by commit hex) and that the branch does not
 * have now. Reported when it held a record whose signature verifies (a key record's
 * self-signature; any other record's by a trusted key), unless a signed retraction of its claim
 * was written since. The file is read from the removing commit's first parent.
 */
static void check_removed(checker *c, provenance *p, const char *path, const char *val)
{
	git_oid oid;
	git_commit *commit = NULL, *parent = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	ct_buf data = CT_BUF_INIT;
	json_t *rec = NULL;
	ct_verify_report report;
	char label[CT_LABEL_MAX], hex[41];
	const char *claim = NULL;
	size_t len = strlen(path);
	unsigned i;
	ct_kind kind;
	int valid;

	if (len < 5 || strcmp(path + len - 5, ".json") != 0 ||
		git_tree_entry_bypath(&entry, c->store->tree, path) == 0)
		goto done; /* not a record file, or there again */
	memcpy(hex, val + 1, 40);
	hex[40] = '\0';
	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&commit, c->store->repo, &oid) < 0)
		goto done;
	/* the file as the first parent that had it held it (a merge may have dropped it from
	 * another parent's side) */
	for (i = 0; i < git_commit_parentcount(commit) && !entry; i++) {
		if (git_commit_parent(&parent, commit, i) == 0 &&
			git_commit_tree(&tree, parent) == 0 &&
			git_tree_entry_bypath(&entry, tree, path) == 0 &&
			git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
			git_tree_entry_free(entry);
			entry = NULL;
		}
		git_tree_free(tree);
		tree = NULL;
		git_commit_free(parent);
		parent = NULL;
	}
	if (!entry)
		goto done;
	if (read_blob(&data, c, git_tree_entry_id(entry), CT_RECORD_MAX) < 0 ||
		ct__parse_record(&rec, &data, path) < 0 || ct_record_kind(&kind, rec) < 0)
		goto done; /* it held no record: nothing signed was lost */
	if (kind == CT_KIND_KEY)
		valid = ct_key_record_check(rec) == 0;
	else
		valid = ct_record_verify(&report, rec, c->trust, 1) == 0;
	if (!valid)
		goto done;
	if (kind == CT_KIND_CLAIM)
		claim = ct_record_id(rec);
	else if (kind == CT_KIND_ANNOTATION)
		claim = json_string_value(json_object_get(rec, "claim"));
	if (claim && retracted_since(c, p, claim, line_seq(val)))
		goto done;
	ct__record_label(label, rec);
	if (json_object_get(rec, "revision"))
		finding(c,
			"%s revision %lld: removed in commit %.12s (%s), and no signed record says "
			"why",
			label, (long long)json_integer_value(json_object_get(rec, "revision")), hex,
			path);
	else
		finding(c, "%s%s%s: removed in commit %.12s (%s), and no signed record says why",
			label, kind == CT_KIND_ANNOTATION ? " of claim " : "",
			kind == CT_KIND_ANNOTATION ? claim : "", hex, path);
done:
	ct_error_clear();
	json_decref(rec);
	ct_buf_free(&data);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(parent);
	git_commit_free(commit);
}

static int check_provenance(checker *c)
{
	provenance p = {c, json_object(), 1, NULL};
	ct_buf prefix = CT_BUF_INIT;
	const char *path;
	json_t *v;
	int error = 0;

	/* A shallow clone lacks the commits that wrote the older files: nothing to judge by. */
	if (git_repository_is_shallow(c->store->repo) == 1)
		goto done;
	if ((error = ct_buf_printf(&prefix, "%s/", c->store->root)) < 0 ||
		(error = ct__journal_scan(c->store, prefix.ptr, provenance_line, &p)) < 0)
		goto done;
	/* Files last written by a plain commit: a second pass gathers the claimtrail commits that
	 * wrote them, in case the plain commit only restored what one of them wrote. */
	p.suspect = json_object();
	json_object_foreach (c->files, path, v) {
		const char *last = json_string_value(json_object_get(p.last, path));
		if (last && last[0] == 'g')
			json_object_set_new(p.suspect, path, json_array());
	}
	if (json_object_size(p.suspect) > 0 &&
		(error = ct__journal_scan(c->store, prefix.ptr, provenance_line, &p)) < 0)
		goto done;
	json_object_foreach (p.suspect, path, v) {
		const char *last = json_string_value(json_object_get(p.last, path));
		if (!restored(c, path, v))
			finding(c, "%s: changed outside claimtrail in commit %.12s", path,
				last + 1);
	}
	/* what history wrote and the branch no longer has: removed or rolled back */
	json_object_foreach (p.last, path, v)
		if (json_string_value(v)[0] == 'd')
			check_removed(c, &p, path, json_string_value(v));
done:
	ct_buf_free(&prefix);
	json_decref(p.last);
	json_decref(p.suspect);
	return error;
}

static const char *repository_state_name(int state)
{
	switch (state) {
	case GIT_REPOSITORY_STATE_MERGE:
		return "a merge (MERGE_HEAD): finish it with 'git commit' "
		       "or undo it with 'git merge --abort'";
	case GIT_REPOSITORY_STATE_REVERT:
	case GIT_REPOSITORY_STATE_REVERT_SEQUENCE:
		return "a revert: finish it with 'git revert --continue' or undo it with "
		       "'git revert --abort'";
	case GIT_REPOSITORY_STATE_CHERRYPICK:
	case GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE:
		return "a cherry-pick: finish it with 'git cherry-pick --continue' or undo it with "
		       "'git cherry-pick --abort'";
	case GIT_REPOSITORY_STATE_REBASE:
	case GIT_REPOSITORY_STATE_REBASE_INTERACTIVE:
	case GIT_REPOSITORY_STATE_REBASE_MERGE:
		return "a rebase: finish it with 'git rebase --continue' or undo it with "
		       "'git rebase --abort'";
	default: return "a git operation (see 'git status')";
	}
}

/* What check reads is the branch; what a person sees is the work tree. The scan of the work tree
 * (git status of the store folder: a stat of every file and a read of every folder) runs on a
 * thread of its own with a repository handle of its own while the records are checked
 * (worktree_start); its findings are reported after theirs (check_worktree). */
typedef struct {
	git_repository *repo; /* the scan's own handle, or the store's (then it runs in turn) */
	int own, running;     /* running: on its thread, until ct__background_join */
	char *spec;	      /* "<store folder>/"; NULL for a bare repository: no scan */
	json_t *lines;	      /* the findings, in git status's order */
	int error;	      /* CT_ENOMEM */
	ct__background bg;
} worktree_scan;

/* Collects what the work tree and the index have under the store folder that the branch does
 * not: conflicted entries, staged changes, untracked, deleted and changed files. */
static void *scan_worktree(void *arg)
{
	worktree_scan *ws = arg;
	git_status_options opts;
	git_status_list *list = NULL;
	char line[1024];
	size_t i, n;

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
	opts.pathspec.strings = &ws->spec;
	opts.pathspec.count = 1;
	if (git_status_list_new(&list, ws->repo, &opts) < 0) {
		/* an index libgit2 cannot read (split, sparse): say so rather than say OK */
		snprintf(line, sizeof(line), "cannot compare the work tree with the branch: %s",
			git_error_last() ? git_error_last()->message : "unknown error");
		if (json_array_append_new(ws->lines, json_string(line)) < 0)
			ws->error = CT_ENOMEM;
		return NULL;
	}
	n = git_status_list_entrycount(list);
	for (i = 0; i < n && !ws->error; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d =
			e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
		const char *path =
			d ? (d->new_file.path ? d->new_file.path : d->old_file.path) : "?";
		const char *what;
		if (strncmp(path, ws->spec, strlen(ws->spec)) != 0)
			continue;
		if (e->status & GIT_STATUS_CONFLICTED)
			what = "has a merge conflict (unmerged in the index)";
		else if (e->status &
			(GIT_STATUS_INDEX_NEW | GIT_STATUS_INDEX_MODIFIED |
				GIT_STATUS_INDEX_DELETED | GIT_STATUS_INDEX_RENAMED |
				GIT_STATUS_INDEX_TYPECHANGE))
			what = "has staged changes that are not committed";
		else if (e->status & GIT_STATUS_WT_NEW)
			what = "is not committed (untracked)";
		else if (e->status & GIT_STATUS_WT_DELETED)
			what = "is deleted in the work tree, not in the branch";
		else if (e->status &
			(GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_TYPECHANGE | GIT_STATUS_WT_RENAMED))
			what = "has uncommitted changes in the work tree";
		else
			continue;
		snprintf(line, sizeof(line), "%s: %s (check reads the branch, not the work tree)",
			path, what);
		if (json_array_append_new(ws->lines, json_string(line)) < 0)
			ws->error = CT_ENOMEM;
	}
	git_status_list_free(list);
	return NULL;
}

/* Starts the scan on a thread when a handle of its own opens on the same work tree; otherwise
 * check_worktree runs it on the store's handle. Nothing to scan in a bare repository. */
static int worktree_start(worktree_scan *ws, ct_store *store)
{
	git_repository *own = NULL;
	size_t len = strlen(store->root);

	memset(ws, 0, sizeof(*ws));
	if (git_repository_is_bare(store->repo))
		return 0;
	if (!(ws->spec = malloc(len + 2)) || !(ws->lines = json_array()))
		return ct__oom();
	memcpy(ws->spec, store->root, len);
	memcpy(ws->spec + len, "/", 2);
	ws->repo = store->repo;
	if (git_repository_open(&own, git_repository_path(store->repo)) == 0 &&
		git_repository_workdir(own) &&
		strcmp(git_repository_workdir(own), git_repository_workdir(store->repo)) == 0) {
		ws->repo = own;
		ws->own = ws->running = 1;
		ct__background_start(&ws->bg, scan_worktree, ws);
	} else {
		git_repository_free(own);
		git_error_clear();
	}
	return 0;
}

/* Waits for the scan (if it still runs) and frees it. */
static void worktree_end(worktree_scan *ws)
{
	if (ws->running)
		ct__background_join(&ws->bg);
	ws->running = 0;
	if (ws->own)
		git_repository_free(ws->repo);
	json_decref(ws->lines);
	free(ws->spec);
	memset(ws, 0, sizeof(*ws));
}

/* Reports an unfinished merge (or rebase, revert, cherry-pick), then what the scan found. */
static int check_worktree(checker *c, worktree_scan *ws)
{
	size_t i;
	json_t *line;
	int state;

	if (!ws->spec)
		return 0;
	state = git_repository_state(c->store->repo);
	if (state != GIT_REPOSITORY_STATE_NONE)
		finding(c, "the repository is in the middle of %s", repository_state_name(state));
	if (ws->running)
		ct__background_join(&ws->bg);
	else
		scan_worktree(ws);
	ws->running = 0;
	if (ws->error)
		return ct__oom();
	json_array_foreach (ws->lines, i, line)
		finding(c, "%s", json_string_value(line));
	return 0;
}

/* claim id -> its latest revision, from what the walk loaded (c->records, in the walk's order,
 * which is ct_store_foreach_id's: fan-out folder, then id). */
static int latest_claims(json_t **out, const checker *c)
{
	json_t *claims = json_object(), *rec;
	const char *key;

	if (!claims)
		return ct__oom();
	json_object_foreach (c->records, key, rec)
		if (strncmp(key, "claim/", 6) == 0 && json_object_set(claims, key + 6, rec) < 0) {
			json_decref(claims);
			return ct__oom();
		}
	*out = claims;
	return 0;
}

int ct_store_check(size_t *findings, ct_store *store, const ct_check_opts *opts, ct_finding_fn fn,
	void *payload)
{
	return ct__store_check(findings, NULL, store, opts, fn, payload);
}

int ct__store_check(size_t *findings, json_t **claims, ct_store *store, const ct_check_opts *opts,
	ct_finding_fn fn, void *payload)
{
	checker c;
	ct_keyring *own = NULL;
	git_tree *root = NULL;
	walk_state w;
	worktree_scan ws;
	size_t i;
	int error = 0;

	*findings = 0;
	if (claims)
		*claims = NULL;
	memset(&w, 0, sizeof(w));
	memset(&ws, 0, sizeof(ws));
	if (opts &&
		(error = ct__opts_version(opts->version, CT_CHECK_OPTS_VERSION, "ct_check_opts")) <
			0)
		return error;
	memset(&c, 0, sizeof(c));
	c.store = store;
	c.opts = opts;
	c.fn = fn;
	c.payload = payload;
	c.revs = json_object();
	c.records = json_object();
	c.files = json_object();
	c.texts = json_object();
	c.kept = json_object();
	c.checkpoints = json_array();
	*findings = 0;
	if ((error = ct__store_refresh(store)) < 0)
		goto done;
	if (opts && opts->trust) {
		c.trust = opts->trust;
	} else {
		ct_trust_info info;
		if ((error = ct_store_trust(&own, &info, store, NULL)) < 0) {
			finding(&c, "%s", ct_error_last());
			error = 0;
			if ((error = ct_keyring_new(&own)) < 0)
				goto done;
		}
		c.trust = own;
	}
	if ((error = ct__vouch_new(&c.vouch, store, c.trust)) < 0)
		goto done;
	if (!ct__subtree(&root, store, store->tree, store->root)) {
		error = ct_error_set(CT_ENOTFOUND, "no store at %s/", store->root);
		goto done;
	}
	if ((error = worktree_start(&ws, store)) < 0)
		goto done;
	memset(&w, 0, sizeof(w));
	w.c = &c;
	if (git_tree_walk(root, GIT_TREEWALK_PRE, walk_cb, &w) < 0) {
		error = w.error ? ct_error_set(w.error, "out of memory")
				: ct__git_error(CT_EIO, "walking the store");
		goto done;
	}
	check_files(&c, w.files, w.count);
	check_chains(&c);
	if ((error = check_checkpoints(&c)) < 0)
		goto done;
	check_thresholds(&c);
	check_references(&c);
	check_quantities(&c);
	if ((error = check_provenance(&c)) < 0)
		goto done;
	if ((error = check_worktree(&c, &ws)) < 0)
		goto done;
	if (claims && c.findings == 0)
		error = latest_claims(claims, &c);
done:
	*findings = c.findings;
	if (error == 0 && c.findings > 0)
		error = ct_error_set(CT_EBADSIG, "check found %zu problem%s", c.findings,
			c.findings == 1 ? "" : "s");
	json_decref(c.revs);
	json_decref(c.records);
	json_decref(c.files);
	json_decref(c.texts);
	json_decref(c.kept);
	json_decref(c.checkpoints);
	ct__vouch_free(c.vouch);
	worktree_end(&ws);
	for (i = 0; i < w.count; i++)
		preload_free(&w.files[i]);
	free(w.files);
	git_tree_free(root);
	ct_keyring_free(own);
	return error;
}

int ct__check_incoming(size_t *findings, json_t *bad, ct_store *store, git_tree *tree,
	const json_t *fresh, const ct_keyring *trust, ct_finding_fn fn, void *payload)
{
	return ct__check_incoming_at(findings, bad, store, tree, NULL, fresh, trust, fn, payload);
}

/* Each fresh checkpoint names a commit of tip's history whose records give its root and count
 * (docs/sync.md): a fetched history rewritten under a checkpoint fails. */
static int check_incoming_checkpoints(checker *c, const git_oid *tip)
{
	ct_buf why = CT_BUF_INIT, path = CT_BUF_INIT;
	json_t *cp;
	size_t i;
	int error = 0;

	json_array_foreach (c->checkpoints, i, cp) {
		ct_buf_clear(&path);
		if ((error = ct_buf_printf(
			     &path, "%s/checkpoint/%s.json", c->store->root, ct_record_id(cp))) < 0)
			break;
		if (!json_object_get(c->fresh, path.ptr))
			continue;
		if ((error = ct__checkpoint_consistent_at(&why, c->store, cp, tip)) < 0)
			break;
		if (why.len == 0)
			continue;
		c->current = path.ptr;
		c->focus = NULL;
		c->quiet = 0;
		finding(c, "checkpoint %s: %s", ct_record_id(cp), why.ptr);
		c->current = NULL;
	}
	ct_buf_free(&why);
	ct_buf_free(&path);
	return error;
}

int ct__check_incoming_at(size_t *findings, json_t *bad, ct_store *store, git_tree *tree,
	const git_oid *tip, const json_t *fresh, const ct_keyring *trust, ct_finding_fn fn,
	void *payload)
{
	checker c;
	git_tree *root = NULL;
	walk_state w;
	size_t i;
	int error = 0;

	*findings = 0;
	memset(&c, 0, sizeof(c));
	memset(&w, 0, sizeof(w));
	c.store = store;
	c.fn = fn;
	c.payload = payload;
	c.trust = trust;
	c.fresh = fresh;
	c.bad = bad;
	c.revs = json_object();
	c.records = json_object();
	c.files = json_object();
	c.texts = json_object();
	c.kept = json_object();
	c.fresh_keys = json_object();
	c.fresh_dirs = json_object();
	c.checkpoints = json_array();
	if (!c.revs || !c.records || !c.files || !c.texts || !c.kept || !c.fresh_keys ||
		!c.fresh_dirs || !c.checkpoints) {
		error = ct__oom();
		goto done;
	}
	/* a revoked or expired key's signatures count where a checkpoint of the fetched commit,
	 * consistent with its history, vouches for them (docs/keys.md), as check's do */
	if (tip && (error = ct__vouch_new_at(&c.vouch, store, trust, tree, tip)) < 0)
		goto done;
	{
		/* the claim folders to read: those holding a fresh file */
		size_t rlen = strlen(store->root);
		const char *path, *p;
		json_t *v;
		json_object_foreach ((json_t *)fresh, path, v) {
			const char *rel = path + rlen + 1;
			int slashes = 0;
			if (strncmp(path, store->root, rlen) != 0 || path[rlen] != '/' ||
				strncmp(rel, "claim/", 6) != 0)
				continue;
			for (p = rel; *p && !(*p == '/' && ++slashes == 3); p++)
				;
			if (slashes == 3)
				json_object_setn_new(
					c.fresh_dirs, rel, (size_t)(p - rel), json_true());
		}
	}
	if (!ct__subtree(&root, store, tree, store->root))
		goto done; /* no store folder: nothing fresh either */
	w.c = &c;
	if (git_tree_walk(root, GIT_TREEWALK_PRE, walk_cb, &w) < 0) {
		error = w.error ? ct_error_set(w.error, "out of memory")
				: ct__git_error(CT_EIO, "walking the fetched store");
		goto done;
	}
	check_files(&c, w.files, w.count);
	check_chains(&c);
	check_references(&c);
	if (tip && (error = check_incoming_checkpoints(&c, tip)) < 0)
		goto done;
done:
	for (i = 0; i < w.count; i++)
		preload_free(&w.files[i]);
	free(w.files);
	*findings = c.findings;
	json_decref(c.revs);
	json_decref(c.records);
	json_decref(c.files);
	json_decref(c.texts);
	json_decref(c.kept);
	json_decref(c.fresh_keys);
	json_decref(c.fresh_dirs);
	json_decref(c.checkpoints);
	ct__vouch_free(c.vouch);
	git_tree_free(root);
	return error;
}
