/*
 * RFC 6902 JSON Patch (docs/diff.md, "JSON Patch"): generating the patch that turns one document
 * into another, and applying any patch all or nothing, with RFC 6901 JSON Pointers. The record
 * diff's "patch" member; internal (diff_internal.h).
 */
#include "diff_internal.h"
#include "claimtrail/json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON Pointer and JSON Patch ---- */

int ct__json_pointer_append(ct_buf *pointer, const char *token)
{
	int error = ct_buf_putc(pointer, '/');

	for (; error == 0 && *token; token++) {
		if (*token == '~')
			error = ct_buf_puts(pointer, "~0");
		else if (*token == '/')
			error = ct_buf_puts(pointer, "~1");
		else
			error = ct_buf_putc(pointer, *token);
	}
	return error;
}

static int add_op(json_t *ops, const char *op, const ct_buf *path, const json_t *value)
{
	json_t *o = json_pack("{s:s, s:s}", "op", op, "path", path->ptr ? path->ptr : "");

	if (!o)
		return ct__oom();
	if (value && json_object_set_new(o, "value", json_deep_copy(value)) < 0) {
		json_decref(o);
		return ct__oom();
	}
	return jappend(ops, o);
}

static int by_string(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The keys of obj, sorted (a new array of borrowed strings, NULL when empty). */
static int sorted_keys(const char ***out, size_t *n, const json_t *obj)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	*out = NULL;
	*n = json_object_size(obj);
	if (*n == 0)
		return 0;
	if (!(*out = malloc(*n * sizeof(**out))))
		return ct__oom();
	json_object_foreach ((json_t *)obj, key, v)
		(*out)[i++] = key;
	qsort(*out, *n, sizeof(**out), by_string);
	return 0;
}

static int patch_diff(json_t *ops, ct_buf *path, const json_t *a, const json_t *b, int depth);

static int patch_object(json_t *ops, ct_buf *path, const json_t *a, const json_t *b, int depth)
{
	const char **ka = NULL, **kb = NULL;
	size_t na, nb, i, len = path->len;
	int error;

	if ((error = sorted_keys(&ka, &na, a)) < 0 || (error = sorted_keys(&kb, &nb, b)) < 0)
		goto done;
	for (i = 0; i < na && error == 0; i++)
		if (!json_object_get(b, ka[i]) &&
			(error = ct__json_pointer_append(path, ka[i])) == 0) {
			error = add_op(ops, "remove", path, NULL);
			ct_buf_truncate(path, len);
		}
	for (i = 0; i < na && error == 0; i++) {
		const json_t *vb = json_object_get(b, ka[i]);
		if (vb && (error = ct__json_pointer_append(path, ka[i])) == 0) {
			error = patch_diff(ops, path, json_object_get(a, ka[i]), vb, depth + 1);
			ct_buf_truncate(path, len);
		}
	}
	for (i = 0; i < nb && error == 0; i++)
		if (!json_object_get(a, kb[i]) &&
			(error = ct__json_pointer_append(path, kb[i])) == 0) {
			error = add_op(ops, "add", path, json_object_get(b, kb[i]));
			ct_buf_truncate(path, len);
		}
done:
	free(ka);
	free(kb);
	return error;
}

static int patch_array(json_t *ops, ct_buf *path, const json_t *a, const json_t *b, int depth)
{
	size_t na = json_array_size(a), nb = json_array_size(b), p = 0, s = 0, ma, mb, k, i;
	size_t len = path->len;
	int error = 0;

	while (p < na && p < nb && json_equal(json_array_get(a, p), json_array_get(b, p)))
		p++;
	while (s < na - p && s < nb - p &&
		json_equal(json_array_get(a, na - 1 - s), json_array_get(b, nb - 1 - s)))
		s++;
	ma = na - p - s;
	mb = nb - p - s;
	k = ma < mb ? ma : mb;
	/* Change the elements both middles have, then add b's extra ones or remove a's. */
	for (i = 0; i < (ma > mb ? ma : mb) && error == 0; i++) {
		if ((error = ct_buf_printf(path, "/%zu", p + (i < mb ? i : k))) < 0)
			break;
		if (i < k)
			error = patch_diff(ops, path, json_array_get(a, p + i),
				json_array_get(b, p + i), depth + 1);
		else if (mb > ma)
			error = add_op(ops, "add", path, json_array_get(b, p + i));
		else
			error = add_op(ops, "remove", path, NULL);
		ct_buf_truncate(path, len);
	}
	return error;
}

static int patch_diff(json_t *ops, ct_buf *path, const json_t *a, const json_t *b, int depth)
{
	if (depth > CT_JSON_MAX_DEPTH)
		return ct_error_set(
			CT_EINVALID, "JSON patch: nesting deeper than %d", CT_JSON_MAX_DEPTH);
	if (json_equal((json_t *)a, (json_t *)b))
		return 0;
	if (json_is_object(a) && json_is_object(b))
		return patch_object(ops, path, a, b, depth);
	if (json_is_array(a) && json_is_array(b))
		return patch_array(ops, path, a, b, depth);
	return add_op(ops, "replace", path, b);
}

int ct__json_patch_diff(json_t **out, const json_t *a, const json_t *b)
{
	json_t *ops = json_array();
	ct_buf path = CT_BUF_INIT;
	int error;

	*out = NULL;
	if (!ops || (error = ct_buf_puts(&path, "")) < 0) {
		json_decref(ops);
		return ct__oom();
	}
	if ((error = patch_diff(ops, &path, a, b, 0)) < 0)
		json_decref(ops);
	else
		*out = ops;
	ct_buf_free(&path);
	return error;
}

/* One reference token of a pointer, unescaped, into tok. *p moves past it. */
static int next_token(ct_buf *tok, const char **p)
{
	const char *s = *p;

	ct_buf_clear(tok);
	if (ct_buf_puts(tok, "") < 0)
		return ct__oom();
	for (; *s && *s != '/'; s++) {
		char c = *s;
		if (c == '~') {
			if (s[1] == '0')
				c = '~';
			else if (s[1] == '1')
				c = '/';
			else
				return ct_error_set(CT_EINVALID, "'~' not followed by 0 or 1");
			s++;
		}
		if (ct_buf_putc(tok, c) < 0)
			return ct__oom();
	}
	*p = s;
	return 0;
}

/* An array index as RFC 6901 spells it: "0" or digits without a leading zero. */
static int parse_index(size_t *out, const char *tok, size_t size, int allow_end)
{
	size_t len = strlen(tok), i, v = 0;

	if (allow_end && strcmp(tok, "-") == 0) {
		*out = size;
		return 0;
	}
	if (len == 0 || len > 15 || (len > 1 && tok[0] == '0'))
		return ct_error_set(CT_EINVALID, "\"%.40s\" is not an array index", tok);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)tok[i]))
			return ct_error_set(CT_EINVALID, "\"%.40s\" is not an array index", tok);
		v = v * 10 + (size_t)(tok[i] - '0');
	}
	if (v > size || (!allow_end && v == size))
		return ct_error_set(CT_EINVALID, "index %zu is out of range", v);
	*out = v;
	return 0;
}

/*
 * Finds the container that holds the pointer's last token: *parent (borrowed; NULL when the
 * pointer is "", the whole document) and the last token in last.
 */
static int resolve_parent(json_t **parent, ct_buf *last, json_t *root, const char *pointer)
{
	const char *p = pointer;
	json_t *cur = root;
	int error;

	*parent = NULL;
	if (*p == '\0')
		return 0;
	if (*p != '/')
		return ct_error_set(CT_EINVALID, "a JSON pointer must be empty or start with '/'");
	for (;;) {
		p++;
		if ((error = next_token(last, &p)) < 0)
			return error;
		if (*p == '\0') {
			*parent = cur;
			return 0;
		}
		if (json_is_object(cur)) {
			cur = json_object_get(cur, last->ptr);
		} else if (json_is_array(cur)) {
			size_t i;
			if ((error = parse_index(&i, last->ptr, json_array_size(cur), 0)) < 0)
				return error;
			cur = json_array_get(cur, i);
		} else {
			cur = NULL;
		}
		if (!cur)
			return ct_error_set(CT_EINVALID, "\"%.80s\" does not exist", pointer);
	}
}

/* The value at pointer (borrowed) or NULL with an error. */
static json_t *pointer_get(json_t *root, const char *pointer)
{
	ct_buf last = CT_BUF_INIT;
	json_t *parent, *v = NULL;
	size_t i;

	if (resolve_parent(&parent, &last, root, pointer) < 0)
		goto done;
	if (!parent)
		v = root;
	else if (json_is_object(parent))
		v = json_object_get(parent, last.ptr);
	else if (json_is_array(parent) &&
		parse_index(&i, last.ptr, json_array_size(parent), 0) == 0)
		v = json_array_get(parent, i);
	if (!v)
		ct_error_set(CT_EINVALID, "\"%.80s\" does not exist", pointer);
done:
	ct_buf_free(&last);
	return v;
}

enum { P_ADD, P_REMOVE, P_REPLACE };

/* Adds, removes or replaces at pointer in *root; value is stolen (NULL for remove). */
static int pointer_change(json_t **root, const char *pointer, json_t *value, int what)
{
	ct_buf last = CT_BUF_INIT;
	json_t *parent;
	size_t i;
	int error;

	if ((error = resolve_parent(&parent, &last, *root, pointer)) < 0)
		goto done;
	if (!parent) {
		if (what == P_REMOVE) {
			error = ct_error_set(CT_EINVALID, "cannot remove the whole document");
			goto done;
		}
		json_decref(*root);
		*root = value;
		value = NULL;
	} else if (json_is_object(parent)) {
		if (what != P_ADD && !json_object_get(parent, last.ptr)) {
			error = ct_error_set(CT_EINVALID, "\"%.80s\" does not exist", pointer);
			goto done;
		}
		if (what == P_REMOVE)
			error = json_object_del(parent, last.ptr) < 0 ? ct__oom() : 0;
		else
			error = json_object_set_new(parent, last.ptr, value) < 0 ? ct__oom() : 0;
		value = NULL;
	} else if (json_is_array(parent)) {
		if ((error = parse_index(&i, last.ptr, json_array_size(parent), what == P_ADD)) < 0)
			goto done;
		if (what == P_REMOVE)
			error = json_array_remove(parent, i) < 0 ? ct__oom() : 0;
		else if (what == P_REPLACE)
			error = json_array_set_new(parent, i, value) < 0 ? ct__oom() : 0;
		else
			error = json_array_insert_new(parent, i, value) < 0 ? ct__oom() : 0;
		value = NULL;
	} else {
		error = ct_error_set(
			CT_EINVALID, "the parent of \"%.80s\" is not a container", pointer);
	}
done:
	json_decref(value);
	ct_buf_free(&last);
	return error;
}

static int apply_one(json_t **root, const json_t *op)
{
	const char *name = json_string_value(json_object_get(op, "op"));
	const char *path = json_string_value(json_object_get(op, "path"));
	const char *from = json_string_value(json_object_get(op, "from"));
	json_t *value = json_object_get(op, "value");
	json_t *v;
	size_t flen;

	if (!name || !path)
		return ct_error_set(CT_EINVALID, "needs \"op\" and \"path\" strings");
	if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
		if (!value)
			return ct_error_set(CT_EINVALID, "needs a \"value\"");
		return pointer_change(
			root, path, json_deep_copy(value), name[0] == 'a' ? P_ADD : P_REPLACE);
	}
	if (strcmp(name, "remove") == 0)
		return pointer_change(root, path, NULL, P_REMOVE);
	if (strcmp(name, "test") == 0) {
		if (!value)
			return ct_error_set(CT_EINVALID, "needs a \"value\"");
		if (!(v = pointer_get(*root, path)))
			return ct_error_last_code();
		return json_equal(v, value) ? 0 : ct_error_set(CT_EINVALID, "test failed");
	}
	if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		int error;
		if (!from)
			return ct_error_set(CT_EINVALID, "needs a \"from\" string");
		flen = strlen(from);
		if (name[0] == 'm' && strncmp(path, from, flen) == 0 && path[flen] == '/')
			return ct_error_set(CT_EINVALID, "cannot move a value into itself");
		if (!(v = pointer_get(*root, from)))
			return ct_error_last_code();
		if (!(v = json_deep_copy(v)))
			return ct__oom();
		if (name[0] == 'm' && strcmp(path, from) != 0 &&
			(error = pointer_change(root, from, NULL, P_REMOVE)) < 0) {
			json_decref(v);
			return error;
		}
		if (name[0] == 'm' && strcmp(path, from) == 0) {
			json_decref(v);
			return 0;
		}
		return pointer_change(root, path, v, P_ADD);
	}
	return ct_error_set(CT_EINVALID, "unknown operation \"%.20s\"", name);
}

int ct__json_patch_apply(json_t **out, const json_t *doc, const json_t *patch)
{
	json_t *root = NULL;
	size_t i;
	int error = 0;

	*out = NULL;
	if (!json_is_array(patch))
		return ct_error_set(CT_EINVALID, "a JSON patch must be an array of operations");
	if (!(root = json_deep_copy(doc)))
		return ct__oom();
	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *op = json_array_get(patch, i);
		if (!json_is_object(op)) {
			error = ct_error_set(
				CT_EINVALID, "JSON patch operation %zu is not an object", i);
			goto done;
		}
		if ((error = apply_one(&root, op)) < 0) {
			error = ct_error_prefix(error, "JSON patch operation %zu (%s %.80s)", i,
				json_string_value(json_object_get(op, "op"))
					? json_string_value(json_object_get(op, "op"))
					: "?",
				json_string_value(json_object_get(op, "path"))
					? json_string_value(json_object_get(op, "path"))
					: "?");
			goto done;
		}
	}
	*out = root;
	root = NULL;
done:
	json_decref(root);
	return error;
}
