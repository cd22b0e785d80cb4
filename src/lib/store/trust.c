/*
 * The trust list: which public keys this clone trusts. It lives in the git directory
 * (<common git dir>/claimtrail/trust.json), never in history: keys that arrive in a bundle, a
 * pull or a commit are not trusted by arriving. Changes are made under a lock file
 * (trust.lock, flock) and written atomically. Format: docs/trust.md.
 */
#include "fileio.h"
#include "store_internal.h"
#include "utf8.h"
#include "claimtrail/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRUST_FORMAT "claimtrail-trust"
#define TRUST_VERSION 1
#define TRUST_MAX ((size_t)16 << 20)
#define NAME_MAX_LEN 200

/* "<common git dir>/claimtrail" of the repository containing path. */
static int trust_dir(ct_buf *out, const char *path)
{
	git_repository *repo = NULL;
	int rc, error = 0;

	rc = git_repository_open_ext(&repo, path, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return ct_error_set(CT_ENOTFOUND, "%s: not in a git repository", path);
	if (rc < 0)
		return ct__git_error(CT_EIO, path);
	error = ct_buf_printf(out, "%sclaimtrail", git_repository_commondir(repo));
	git_repository_free(repo);
	return error;
}

int ct_repo_config_path(ct_buf *out, const char *path, const char *name)
{
	git_repository *repo = NULL;
	git_config *config = NULL;
	git_buf value = {NULL, 0, 0};
	int rc, error = 0;

	ct_buf_clear(out);
	rc = git_repository_open_ext(&repo, path, 0, NULL);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return ct__git_error(CT_EIO, path);
	/* outside a repository: the global and system configuration */
	if (repo ? git_repository_config_snapshot(&config, repo) < 0
		 : git_config_open_default(&config) < 0) {
		error = ct__git_error(CT_EIO, path);
		goto done;
	}
	rc = git_config_get_path(&value, config, name);
	if (rc == GIT_ENOTFOUND)
		error = ct_error_set(CT_ENOTFOUND, "git config %s is not set", name);
	else if (rc < 0)
		error = ct__git_error(CT_EINVALID, name);
	else
		error = ct_buf_puts(out, value.ptr);
done:
	git_buf_dispose(&value);
	git_config_free(config);
	git_repository_free(repo);
	return error;
}

/* An entry's "can_revoke": an array of key ids, or ["all"] alone. */
static int can_revoke_valid(const json_t *a)
{
	const json_t *v;
	size_t i, j;

	if (!json_is_array(a))
		return 0;
	json_array_foreach (a, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			return 0;
		if (strcmp(s, "all") == 0) {
			if (json_array_size(a) != 1)
				return 0;
			continue;
		}
		for (j = 0; s[j]; j++)
			if (!((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f')))
				return 0;
		if (j != CT_KEY_ID_LEN)
			return 0;
	}
	return 1;
}

/* Parses the list file at file: *out the entries (new), or NULL when there is no file. */
static int read_list(json_t **out, const char *file)
{
	ct_buf data = CT_BUF_INIT;
	json_t *doc = NULL, *keys, *e;
	const char *format;
	size_t i;
	int error;

	*out = NULL;
	if ((error = ct_file_read(&data, file, TRUST_MAX)) == CT_ENOTFOUND) {
		ct_error_clear();
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	if ((error = ct_json_parse(&doc, (const uint8_t *)data.ptr, data.len, CT_JSON_RECORD)) <
		0) {
		ct_error_prefix(error, "trust list %s", file);
		goto done;
	}
	keys = json_object_get(doc, "keys");
	format = json_string_value(json_object_get(doc, "format"));
	if (!format || strcmp(format, TRUST_FORMAT) != 0 ||
		json_integer_value(json_object_get(doc, "version")) != TRUST_VERSION ||
		!json_is_array(keys)) {
		error = ct_error_set(CT_EINVALID,
			"trust list %s: not a claimtrail trust list of "
			"version %d",
			file, TRUST_VERSION);
		goto done;
	}
	json_array_foreach (keys, i, e) {
		const json_t *rec = json_object_get(e, "record");
		const char *id = json_string_value(json_object_get(e, "key_id"));
		if (!json_is_string(json_object_get(e, "name")) || !id ||
			(error = ct_key_record_check(rec)) < 0 ||
			strcmp(id, json_string_value(json_object_get(rec, "key_id"))) != 0 ||
			(json_object_get(e, "can_revoke") &&
				!can_revoke_valid(json_object_get(e, "can_revoke")))) {
			if (error == 0)
				error = ct_error_set(CT_EINVALID, "entry %zu is malformed", i + 1);
			ct_error_prefix(error, "trust list %s", file);
			goto done;
		}
	}
	*out = json_incref(keys);
done:
	json_decref(doc);
	ct_buf_free(&data);
	return error;
}

/* Runs change on the list under the lock and writes the result. */
typedef int (*change_fn)(json_t *keys, const void *arg, const char *name);

static int change_list(const char *path, change_fn change, const void *arg, const char *name)
{
	ct_buf dir = CT_BUF_INIT, file = CT_BUF_INIT, lock = CT_BUF_INIT;
	json_t *keys = NULL, *doc = NULL;
	char *text = NULL;
	int fd = -1;
	int error;

	if ((error = trust_dir(&dir, path)) < 0 ||
		(error = ct_buf_printf(&file, "%s/trust.json", dir.ptr)) < 0 ||
		(error = ct_buf_printf(&lock, "%s/trust.lock", dir.ptr)) < 0)
		goto done;
	if (mkdir(dir.ptr, 0755) < 0 && errno != EEXIST) {
		error = ct_error_set(CT_EIO, "%s: %s", dir.ptr, strerror(errno));
		goto done;
	}
	fd = open(lock.ptr, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", lock.ptr, strerror(errno));
		goto done;
	}
	if ((error = read_list(&keys, file.ptr)) < 0)
		goto done;
	if (!keys && !(keys = json_array())) {
		error = ct__oom();
		goto done;
	}
	if ((error = change(keys, arg, name)) < 0)
		goto done;
	doc = json_pack(
		"{s:s, s:i, s:O}", "format", TRUST_FORMAT, "version", TRUST_VERSION, "keys", keys);
	if (!doc || !(text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS))) {
		error = ct__oom();
		goto done;
	}
	{
		size_t len = strlen(text);
		text[len] = '\n';
		error = ct_file_write_atomic(file.ptr, text, len + 1, 0644);
		text[len] = '\0';
	}
done:
	if (fd >= 0)
		close(fd);
	free(text);
	json_decref(doc);
	json_decref(keys);
	ct_buf_free(&dir);
	ct_buf_free(&file);
	ct_buf_free(&lock);
	return error;
}

static ssize_t find_key(const json_t *keys, const char *key_id)
{
	size_t i;
	json_t *e;

	json_array_foreach (keys, i, e)
		if (strcmp(json_string_value(json_object_get(e, "key_id")), key_id) == 0)
			return (ssize_t)i;
	return -1;
}

typedef struct {
	const json_t *record;
	const json_t *can_revoke;
} add_arg;

static int add_change(json_t *keys, const void *arg, const char *name)
{
	const add_arg *add = arg;
	const json_t *rec = add->record;
	const char *id = json_string_value(json_object_get(rec, "key_id"));
	char added[21];
	json_t *e;

	if (find_key(keys, id) >= 0)
		return ct_error_set(CT_EEXISTS, "key %s is in the trust list already", id);
	if (!name)
		name = json_string_value(json_object_get(rec, "name"));
	ct_timestamp_now(added);
	e = json_pack("{s:s, s:s, s:s, s:O}", "key_id", id, "name", name ? name : "", "added",
		added, "record", rec);
	if (e && add->can_revoke && json_array_size(add->can_revoke) > 0 &&
		json_object_set(e, "can_revoke", (json_t *)add->can_revoke) < 0) {
		json_decref(e);
		e = NULL;
	}
	if (!e || json_array_append_new(keys, e) < 0)
		return ct__oom();
	return 0;
}

static int remove_change(json_t *keys, const void *arg, const char *name)
{
	ssize_t i = find_key(keys, arg);

	(void)name;
	if (i < 0)
		return ct_error_set(
			CT_ENOTFOUND, "key %s is not in the trust list", (const char *)arg);
	json_array_remove(keys, (size_t)i);
	return 0;
}

int ct_trust_read(json_t **out, const char *path)
{
	ct_buf dir = CT_BUF_INIT;
	int error;

	*out = NULL;
	if ((error = trust_dir(&dir, path)) == 0 && (error = ct_buf_puts(&dir, "/trust.json")) == 0)
		error = read_list(out, dir.ptr);
	ct_buf_free(&dir);
	return error;
}

int ct_trust_add(const char *path, const json_t *key_record, const char *name)
{
	return ct_trust_add_with(path, key_record, name, NULL);
}

int ct_trust_add_with(
	const char *path, const json_t *key_record, const char *name, const json_t *can_revoke)
{
	add_arg add = {key_record, can_revoke};
	int error;

	if ((error = ct_key_record_check(key_record)) < 0)
		return error;
	/* the list holds a key's own word: a record another key revoked is not self-signed */
	if (ct_key_record_revoked_by(key_record))
		return ct_error_set(CT_EINVALID,
			"key %s: the record is a revocation by key %s, not the key's own record",
			json_string_value(json_object_get(key_record, "key_id")),
			ct_key_record_revoked_by(key_record));
	if (can_revoke && !can_revoke_valid(can_revoke))
		return ct_error_set(CT_EINVALID,
			"--can-revoke: expected key ids of %d lowercase hex digits, or 'all' alone",
			CT_KEY_ID_LEN);
	if (name && (strlen(name) > NAME_MAX_LEN || strpbrk(name, "\n\r\t")))
		return ct_error_set(CT_EINVALID,
			"trust name \"%.40s\": at most %d characters on "
			"one line",
			name, NAME_MAX_LEN);
	/* jansson refuses invalid UTF-8 with the NULL it gives when out of memory: check first */
	if (name && (error = ct__utf8_check(name, strlen(name), "the trust name")) < 0)
		return error;
	return change_list(path, add_change, &add, name);
}

int ct_trust_remove(const char *path, const char *key_id)
{
	size_t i, len = strlen(key_id);

	for (i = 0; i < len; i++)
		if (!((key_id[i] >= '0' && key_id[i] <= '9') ||
			    (key_id[i] >= 'a' && key_id[i] <= 'f')))
			break;
	if (len != CT_KEY_ID_LEN || i != len)
		return ct_error_set(CT_EINVALID,
			"key id \"%.40s\": expected %d lowercase hex digits", key_id,
			CT_KEY_ID_LEN);
	return change_list(path, remove_change, key_id, NULL);
}

int ct_trust_keyring_add(ct_keyring *ring, size_t *listed, int *has_list, const char *path)
{
	json_t *keys = NULL, *e;
	size_t i;
	int error;

	if (listed)
		*listed = 0;
	if (has_list)
		*has_list = 0;
	if ((error = ct_trust_read(&keys, path)) == CT_ENOTFOUND) {
		ct_error_clear();
		return 0;
	}
	if (error < 0)
		return error;
	if (has_list)
		*has_list = keys != NULL;
	json_array_foreach (keys, i, e) {
		if ((error = ct_keyring_add(ring, json_object_get(e, "record"))) < 0 ||
			(error = ct_keyring_grant(ring,
				 json_string_value(json_object_get(e, "key_id")),
				 json_object_get(e, "can_revoke"))) < 0)
			break;
		if (listed)
			(*listed)++;
	}
	json_decref(keys);
	return error;
}

int ct_store_trust(ct_keyring **out, ct_trust_info *info, ct_store *store, const ct_keyring *given)
{
	ct_keyring *ring = NULL, *own = NULL;
	size_t i;
	int error;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	if ((error = ct_keyring_new(&ring)) < 0)
		return error;
	for (i = 0; given && i < ct_keyring_count(given); i++)
		if ((error = ct_keyring_add(ring, ct_keyring_get(given, i))) < 0)
			goto done;
	info->given = given ? ct_keyring_count(given) : 0;
	if ((error = ct_trust_keyring_add(ring, &info->listed, &info->has_list,
		     git_repository_commondir(store->repo))) < 0)
		goto done;
	/* A damaged key record is check's finding to report, file by file: here it only leaves
	 * that key out (the lenient loader), so that the store's other keys, and the revocations
	 * they carry, still count. */
	if ((error = ct_store_keyring(&own, store)) < 0)
		goto done;
	if (info->given == 0 && !info->has_list) {
		/* No trust configured at all: the keys of the store, as given (the caller says so). */
		ct_keyring_free(ring);
		ring = own;
		own = NULL;
		info->store_keys = ct_keyring_count(ring);
		goto done;
	}
	/* A revocation the store holds of a trusted key is the key's own signed word: it applies
	 * (it can only take trust away). */
	for (i = 0; i < ct_keyring_count(own); i++) {
		const json_t *rec = ct_keyring_get(own, i);
		if (json_object_get(rec, "revoked") &&
			ct_keyring_find(ring, json_string_value(json_object_get(rec, "key_id"))) &&
			(error = ct_keyring_add(ring, rec)) < 0)
			goto done;
	}
	/* A revocation made by another key applies when the trust list names that key as able
	 * to revoke this one (trust.md); otherwise the key stays live and check says why. */
	ct_keyring_apply_revocations(ring, ring);
	/* A key rotated from a trusted key, signed by it, is trusted through it (docs/keys.md);
	 * then its own revocation, when the store holds one, applies as above. */
	if ((error = ct_keyring_add_successors(ring, own, NULL)) < 0)
		goto done;
done:
	ct_keyring_free(own);
	if (error < 0)
		ct_keyring_free(ring);
	else
		*out = ring;
	return error;
}
