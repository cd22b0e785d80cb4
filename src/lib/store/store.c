/*
 * The store on libgit2: opening it, its configuration, where each record lives (fan-out folders
 * and paths), the snapshot of the branch that reads see, a record's stored form, and tree lookups.
 * Creating a store is in store_init.c; reading records in store_read.c; writing (one commit per
 * change) in store_write.c.
 */
#include "store_internal.h"
#include "claimtrail/trust.h"
#include "record_internal.h"
#include "store_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ct__fanout(char out[3], const char *id)
{
	char hex[65];

	ct_sha256_hex(hex, (const uint8_t *)id, strlen(id));
	out[0] = hex[0];
	out[1] = hex[1];
	out[2] = '\0';
}

int ct__record_dir(ct_buf *out, const ct_store *store, ct_kind kind, const char *id)
{
	char fan[3];

	if (kind == CT_KIND_KEY)
		return ct_buf_printf(out, "%s/key", store->root);
	if (kind == CT_KIND_CHECKPOINT)
		return ct_buf_printf(out, "%s/checkpoint", store->root);
	ct__fanout(fan, id);
	return ct_buf_printf(out, "%s/%s/%s/%s", store->root, ct_kind_name(kind), fan, id);
}

int ct_store_record_path(
	ct_buf *out, const ct_store *store, ct_kind kind, const char *id, json_int_t revision)
{
	int error;

	if (kind == CT_KIND_ANNOTATION)
		return ct_error_set(CT_EINVALID, "annotations are found through their claim");
	if ((error = ct_id_validate(id, ct_kind_name(kind))) < 0)
		return error;
	if ((error = ct__record_dir(out, store, kind, id)) < 0)
		return error;
	if (kind == CT_KIND_KEY || kind == CT_KIND_CHECKPOINT)
		return ct_buf_printf(out, "/%s.json", id);
	return ct_buf_printf(out, "/r%04lld.json", (long long)revision);
}

int ct__record_file_path(ct_buf *out, ct_store *store, const json_t *record)
{
	json_int_t revision = json_integer_value(json_object_get(record, "revision"));
	char digest[CT_DIGEST_LEN + 1];
	ct_kind kind;
	int error;

	if ((error = ct_record_kind(&kind, record)) < 0)
		return error;
	if (kind == CT_KIND_ANNOTATION) {
		if ((error = ct__record_dir(out, store, CT_KIND_CLAIM,
			     json_string_value(json_object_get(record, "claim")))) < 0)
			return error;
		return ct_buf_printf(out, "/annotations/%s.json", ct_record_id(record));
	}
	if ((kind != CT_KIND_CLAIM && kind != CT_KIND_SOURCE) || revision < 2)
		return ct_store_record_path(out, store, kind, ct_record_id(record), revision);
	if ((error = ct_id_validate(ct_record_id(record), ct_kind_name(kind))) < 0 ||
		(error = ct_record_digest(digest, record)) < 0 ||
		(error = ct__record_dir(out, store, kind, ct_record_id(record))) < 0)
		return error;
	return ct_buf_printf(
		out, "/r%04lld-%.*s.json", (long long)revision, CT__REVISION_HEX, digest + 7);
}

int ct__source_text_path(ct_buf *out, ct_store *store, const json_t *record)
{
	int error;

	/* the record's own name with ".txt" for ".json": "r0001.txt", "r0002-<12 hex>.txt" */
	if ((error = ct__record_file_path(out, store, record)) < 0)
		return error;
	ct_buf_truncate(out, out->len - 5);
	return ct_buf_puts(out, ".txt");
}

const char *ct_store_root(const ct_store *store)
{
	return store->root;
}

int ct_store_is_bare(const ct_store *store)
{
	return git_repository_is_bare(store->repo);
}

const json_t *ct_store_config(const ct_store *store)
{
	return store->config;
}

#define FAN_SLOTS 1024 /* a power of 2: 256 fan-out folders each of claim/ and source/, and more */

struct ct__fan_cache {
	size_t used;
	struct {
		char *dir; /* "<root>/<kind>/<fan>" */
		git_tree *tree;
	} slot[FAN_SLOTS];
};

void ct__fan_cache_free(struct ct__fan_cache *cache)
{
	size_t i;

	if (!cache)
		return;
	for (i = 0; i < FAN_SLOTS; i++) {
		free(cache->slot[i].dir);
		git_tree_free(cache->slot[i].tree);
	}
	free(cache);
}

/* The tree at dir (dlen bytes of it) in the snapshot, looked up once: borrowed, or NULL. */
static git_tree *fan_tree(ct_store *store, const char *dir, size_t dlen)
{
	git_tree_entry *entry = NULL;
	git_tree *tree = NULL;
	char *copy;
	uint32_t h = 2166136261u;
	size_t i, at;

	for (i = 0; i < dlen; i++)
		h = (h ^ (uint8_t)dir[i]) * 16777619u;
	if (!store->fans && !(store->fans = calloc(1, sizeof(*store->fans))))
		return NULL;
	for (i = 0; i < FAN_SLOTS; i++) {
		at = (h + i) & (FAN_SLOTS - 1);
		if (!store->fans->slot[at].dir)
			break;
		if (strncmp(store->fans->slot[at].dir, dir, dlen) == 0 &&
			store->fans->slot[at].dir[dlen] == '\0')
			return store->fans->slot[at].tree;
	}
	if (i == FAN_SLOTS || store->fans->used * 2 >= FAN_SLOTS || !(copy = strndup(dir, dlen)))
		return NULL; /* full: looked up from the root, as without a cache */
	if (git_tree_entry_bypath(&entry, store->tree, copy) == 0 &&
		git_tree_entry_type(entry) == GIT_OBJECT_TREE &&
		git_tree_lookup(&tree, store->repo, git_tree_entry_id(entry)) < 0)
		tree = NULL;
	git_tree_entry_free(entry);
	git_error_clear();
	if (!tree) {
		free(copy);
		return NULL; /* absent (or not a folder): not cached, looked up from the root */
	}
	store->fans->slot[at].dir = copy;
	store->fans->slot[at].tree = tree;
	store->fans->used++;
	return tree;
}

int ct__store_bypath(git_tree_entry **out, ct_store *store, git_tree *root, const char *path)
{
	size_t rlen = strlen(store->root);
	const char *kind, *fan, *rest;
	git_tree *tree;

	if (root && root == store->tree && strncmp(path, store->root, rlen) == 0 &&
		path[rlen] == '/' && (kind = path + rlen + 1) && (fan = strchr(kind, '/')) &&
		(rest = strchr(fan + 1, '/')) && rest[1] &&
		(tree = fan_tree(store, path, (size_t)(rest - path))))
		return git_tree_entry_bypath(out, tree, rest + 1);
	return git_tree_entry_bypath(out, root, path);
}

void ct_store_free(ct_store *store)
{
	if (!store)
		return;
	ct__fan_cache_free(store->fans);
	git_tree_free(store->tree);
	git_repository_free(store->repo);
	json_decref(store->config);
	free(store->root);
	free(store->branch);
	free(store);
}

int ct__store_refresh(ct_store *store)
{
	git_reference *head = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	int error = 0;
	int rc;

	rc = git_reference_lookup(&head, store->repo, "HEAD");
	if (rc < 0) {
		error = ct__git_error(CT_EIO, "reading HEAD");
		goto done;
	}
	/* A detached HEAD can be read (CI checks out commits); ct__store_write refuses to write
	 * to it. The journal then follows "HEAD". */
	store->detached = git_reference_type(head) != GIT_REFERENCE_SYMBOLIC;
	free(store->branch);
	if (!(store->branch = strdup(
		      store->detached ? "HEAD" : git_reference_symbolic_target(head)))) {
		error = ct__oom();
		goto done;
	}
	rc = git_reference_name_to_id(&store->head, store->repo, store->branch);
	ct__fan_cache_free(store->fans); /* of the snapshot being replaced */
	store->fans = NULL;
	if (rc == GIT_ENOTFOUND) {
		store->has_head = 0;
		git_tree_free(store->tree);
		store->tree = NULL;
		goto done;
	}
	if (rc < 0 || git_commit_lookup(&commit, store->repo, &store->head) < 0 ||
		git_commit_tree(&tree, commit) < 0) {
		error = ct__git_error(CT_EIO, store->branch);
		goto done;
	}
	store->has_head = 1;
	git_tree_free(store->tree);
	store->tree = tree;
	tree = NULL;
done:
	git_tree_free(tree);
	git_commit_free(commit);
	git_reference_free(head);
	return error;
}

int ct__read_path(ct_buf *out, ct_store *store, const char *path, size_t max)
{
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int error = 0;
	git_object_size_t size;

	if (!store->tree || ct__store_bypath(&entry, store, store->tree, path) < 0) {
		error = ct_error_set(CT_ENOTFOUND, "%s: not in the store", path);
		goto done;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		error = ct_error_set(CT_EINVALID, "%s: not a file", path);
		goto done;
	}
	if (git_blob_lookup(&blob, store->repo, git_tree_entry_id(entry)) < 0) {
		error = ct__git_error(CT_EIO, path);
		goto done;
	}
	size = git_blob_rawsize(blob);
	if (size > max) {
		error = ct_error_set(CT_EINVALID, "%s: larger than %zu bytes", path, max);
		goto done;
	}
	error = ct_buf_put(out, git_blob_rawcontent(blob), (size_t)size);
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	return error;
}

int ct__parse_record(json_t **out, const ct_buf *data, const char *what)
{
	json_t *record = NULL;
	int error;

	if ((error = ct_json_parse(
		     &record, (const uint8_t *)data->ptr, data->len, CT_JSON_RECORD)) < 0)
		return ct_error_prefix(error, "%s", what);
	if ((error = ct_record_validate(record)) < 0) {
		json_decref(record);
		return ct_error_prefix(error, "%s", what);
	}
	*out = record;
	return 0;
}

int ct__record_serialize(ct_buf *out, const json_t *record)
{
	char *text = json_dumps(record, JSON_INDENT(2) | JSON_SORT_KEYS);
	int error;

	if (!text)
		return ct_error_set(CT_ENOMEM, "cannot serialize record");
	error = ct_buf_puts(out, text);
	free(text);
	if (error == 0)
		error = ct_buf_putc(out, '\n');
	/* every reader refuses a larger file: one could neither be read nor replaced */
	if (error == 0 && out->len > CT_RECORD_MAX) {
		char label[CT_LABEL_MAX];
		ct__record_label(label, record);
		error = ct_error_set(CT_EINVALID, "%s: %zu bytes as stored, over the %d-byte limit",
			label, out->len, CT_RECORD_MAX);
	}
	return error;
}

typedef struct {
	const char *ptr;
	size_t len, at;
	int differs;
} form_compare;

static int compare_chunk(const char *chunk, size_t size, void *payload)
{
	form_compare *f = payload;

	if (size > f->len - f->at || memcmp(f->ptr + f->at, chunk, size) != 0) {
		f->differs = 1;
		return -1;
	}
	f->at += size;
	return 0;
}

int ct__record_stored_form(const json_t *record, const ct_buf *data)
{
	form_compare f = {data->ptr, data->len, 0, 0};

	/* ct__record_serialize's bytes, compared as jansson produces them: no copy of them */
	if (json_dump_callback(record, compare_chunk, &f, JSON_INDENT(2) | JSON_SORT_KEYS) < 0)
		return f.differs ? 0 : ct_error_set(CT_ENOMEM, "cannot serialize record");
	return f.len - f.at == 1 && f.ptr[f.at] == '\n';
}

int ct__store_load_config(ct_store *store)
{
	ct_buf path = CT_BUF_INIT;
	ct_buf data = CT_BUF_INIT;
	json_t *config = NULL;
	const char *format;
	int error;

	if ((error = ct_buf_printf(&path, "%s/store.json", store->root)) < 0)
		goto done;
	if ((error = ct__read_path(&data, store, path.ptr, CT_RECORD_MAX)) < 0) {
		if (error == CT_ENOTFOUND)
			error = ct_error_set(CT_ENOTFOUND,
				"no claimtrail store at %s/ in this repository (run 'claimtrail init')",
				store->root);
		goto done;
	}
	if ((error = ct_json_parse(&config, (const uint8_t *)data.ptr, data.len, CT_JSON_RECORD)) <
		0) {
		error = ct_error_prefix(error, "%s", path.ptr);
		goto done;
	}
	format = json_string_value(json_object_get(config, "format"));
	if (!format || strcmp(format, CT__STORE_FORMAT) != 0) {
		error = ct_error_set(
			CT_EINVALID, "%s: not a claimtrail store configuration", path.ptr);
		goto done;
	}
	if (json_integer_value(json_object_get(config, "version")) != CT__STORE_VERSION) {
		error = ct_error_set(CT_EINVALID, "%s: unsupported store version %lld", path.ptr,
			(long long)json_integer_value(json_object_get(config, "version")));
		goto done;
	}
	json_decref(store->config);
	store->config = config;
	config = NULL;
done:
	json_decref(config);
	ct_buf_free(&data);
	ct_buf_free(&path);
	return error;
}

/* A store root is a relative path of safe segments: no "..", no absolute paths, no ".git". */
static int validate_root(const char *root)
{
	const char *p = root;
	size_t len = strlen(root);

	if (len == 0 || len > 200 || root[0] == '/' || root[len - 1] == '/')
		goto bad;
	while (*p) {
		const char *seg = p;
		size_t n;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
			(n == 2 && seg[0] == '.' && seg[1] == '.') ||
			(n == 4 && strncmp(seg, ".git", 4) == 0))
			goto bad;
		for (; seg < p; seg++)
			if ((unsigned char)*seg < 0x20 || *seg == '\\')
				goto bad;
		if (*p)
			p++;
	}
	return 0;
bad:
	return ct_error_set(CT_EINVALID,
		"store root \"%.80s\" must be a relative folder inside the repository", root);
}

int ct__store_new(ct_store **out, const char *path, const char *root, int create_repo)
{
	ct_store *store = calloc(1, sizeof(*store));
	int error = 0;
	int rc;

	*out = NULL;
	if (!store)
		return ct__oom();
	if (!root)
		root = CT_STORE_DEFAULT_ROOT;
	if ((error = validate_root(root)) < 0)
		goto done;
	if (!(store->root = strdup(root))) {
		error = ct__oom();
		goto done;
	}
	rc = git_repository_open_ext(&store->repo, path, 0, NULL);
	if (rc == GIT_ENOTFOUND && create_repo) {
		git_repository_init_options o;
		git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		o.flags = GIT_REPOSITORY_INIT_MKPATH;
		o.initial_head = "main";
		rc = git_repository_init_ext(&store->repo, path, &o);
	}
	if (rc == GIT_ENOTFOUND) {
		error = ct_error_set(CT_ENOTFOUND, "%s: not in a git repository", path);
		goto done;
	}
	if (rc < 0) {
		error = ct__git_error(CT_EIO, path);
		goto done;
	}
	/* a write killed after moving the branch left the index to finish (store_lock.c) */
	ct__store_recover_if_needed(store->repo);
	error = ct__store_refresh(store);
done:
	if (error < 0)
		ct_store_free(store);
	else
		*out = store;
	return error;
}

int ct_store_open(ct_store **out, const char *path, const char *root)
{
	ct_store *store = NULL;
	int error;

	*out = NULL;
	if ((error = ct__store_new(&store, path, root, 0)) < 0)
		return error;
	if ((error = ct__store_load_config(store)) < 0) {
		ct_store_free(store);
		return error;
	}
	*out = store;
	return 0;
}

int ct__subtree(git_tree **out, ct_store *store, git_tree *parent, const char *path)
{
	git_tree_entry *entry = NULL;
	int found = 0;

	*out = NULL;
	if (parent && ct__store_bypath(&entry, store, parent, path) == 0 &&
		git_tree_entry_type(entry) == GIT_OBJECT_TREE &&
		git_tree_lookup(out, store->repo, git_tree_entry_id(entry)) == 0)
		found = 1;
	git_tree_entry_free(entry);
	return found;
}

/* The end of `when` as a time: a date YYYY-MM-DD is its last second, a timestamp itself. */
static int as_of_time(git_time_t *out, const char *when)
{
	struct tm tm;
	char ts[CT_TIMESTAMP_LEN + 1];

	if (when && strlen(when) == 10) {
		if (ct_date_validate(when, "--as-of") < 0)
			return ct_error_last_code();
		snprintf(ts, sizeof(ts), "%sT23:59:59Z", when);
	} else if (!when || ct_timestamp_validate(when, "--as-of") < 0) {
		ct_error_clear();
		return ct_error_set(CT_EINVALID,
			"--as-of \"%.40s\" is neither a date YYYY-MM-DD nor a UTC time "
			"YYYY-MM-DDThh:mm:ssZ",
			when ? when : "");
	} else {
		snprintf(ts, sizeof(ts), "%s", when);
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(ts) - 1900;
	tm.tm_mon = atoi(ts + 5) - 1;
	tm.tm_mday = atoi(ts + 8);
	tm.tm_hour = atoi(ts + 11);
	tm.tm_min = atoi(ts + 14);
	tm.tm_sec = atoi(ts + 17);
	*out = (git_time_t)timegm(&tm);
	return 0;
}

int ct_store_as_of(ct_store *store, const char *when, char commit_out[41])
{
	git_commit *commit = NULL, *parent = NULL;
	git_tree *tree = NULL;
	git_time_t t = 0;
	int error;

	if ((error = as_of_time(&t, when)) < 0)
		return error;
	if (!store->has_head)
		return ct_error_set(CT_ENOTFOUND, "the store has no history yet");
	if (git_commit_lookup(&commit, store->repo, &store->head) < 0)
		return ct__git_error(CT_EIO, "reading the store's history");
	/* the branch as it stood: back along first parents to the first commit made by then */
	while (git_commit_time(commit) > t) {
		if (git_commit_parentcount(commit) == 0) {
			error = ct_error_set(CT_ENOTFOUND,
				"the store has no commit on or before %s (its first is later)",
				when);
			goto done;
		}
		if (git_commit_parent(&parent, commit, 0) < 0) {
			error = ct__git_error(CT_EIO, "reading the store's history");
			goto done;
		}
		git_commit_free(commit);
		commit = parent;
		parent = NULL;
	}
	if (git_commit_tree(&tree, commit) < 0) {
		error = ct__git_error(CT_EIO, "reading the store's history");
		goto done;
	}
	{
		git_tree_entry *root = NULL;
		int found = git_tree_entry_bypath(&root, tree, store->root) == 0;
		git_tree_entry_free(root);
		if (!found) {
			error = ct_error_set(CT_ENOTFOUND, "the store %s/ did not exist yet on %s",
				store->root, when);
			goto done;
		}
	}
	store->head = *git_commit_id(commit);
	git_tree_free(store->tree);
	store->tree = tree;
	tree = NULL;
	/* a store seen as it was is read-only: a write refuses a detached HEAD */
	store->detached = 1;
	if (commit_out)
		git_oid_tostr(commit_out, 41, git_commit_id(commit));
done:
	git_tree_free(tree);
	git_commit_free(parent);
	git_commit_free(commit);
	return error;
}
