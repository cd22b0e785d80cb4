/* Ids as people type them: a whole id, or a unique prefix of one (as git takes short hashes);
 * an ambiguous prefix names its candidates, and an unknown id the nearest one in the store. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

/* How many candidates an ambiguous prefix names before "and N more". */
#define RESOLVE_SHOWN 8
/* Ids longer than this are not compared for "did you mean" (none is: ids are short). */
#define RESOLVE_DISTANCE_MAX_LEN 128

typedef struct {
	const char *typed;
	size_t typed_len;
	json_t *matches;     /* the ids typed is a prefix of */
	char *nearest;	     /* the id nearest to typed so far */
	size_t nearest_dist; /* its distance */
} resolve_job;

/* The Levenshtein distance of a (la bytes) and b (lb bytes), both at most
 * RESOLVE_DISTANCE_MAX_LEN long. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[RESOLVE_DISTANCE_MAX_LEN + 1];
	size_t i, j;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* How far typed is from id: from the whole id, or from its start as long as typed (a mistyped
 * prefix is near the ids it was meant to begin). */
static size_t id_distance(const char *typed, size_t lt, const char *id)
{
	size_t li = strlen(id);
	size_t whole, start;

	if (lt > RESOLVE_DISTANCE_MAX_LEN || li > RESOLVE_DISTANCE_MAX_LEN)
		return (size_t)-1;
	whole = distance(typed, lt, id, li);
	if (li <= lt)
		return whole;
	start = distance(typed, lt, id, lt);
	return start < whole ? start : whole;
}

static int consider(const char *id, void *payload)
{
	resolve_job *job = payload;
	size_t d;

	if (strncmp(id, job->typed, job->typed_len) == 0) {
		json_t *s = json_string(id);
		if (!s || json_array_append_new(job->matches, s) < 0)
			return ct__oom();
		return 0;
	}
	d = id_distance(job->typed, job->typed_len, id);
	if (d < job->nearest_dist ||
		(d == job->nearest_dist && job->nearest && strcmp(id, job->nearest) < 0)) {
		char *copy = strdup(id);
		if (!copy)
			return ct__oom();
		free(job->nearest);
		job->nearest = copy;
		job->nearest_dist = d;
	}
	return 0;
}

/* Whether a record of kind with exactly this id is in the store. */
static int exists(int *out, ct_store *store, ct_kind kind, const char *id)
{
	json_int_t n = 0;
	json_t *rec = NULL;
	int error;

	*out = 0;
	if (ct_id_validate(id, ct_kind_name(kind)) < 0) {
		ct_error_clear();
		return 0;
	}
	if (kind == CT_KIND_KEY) {
		error = ct_store_get(&rec, store, kind, id, 0);
		json_decref(rec);
		if (error == CT_ENOTFOUND || error == CT_EINVALID) {
			ct_error_clear();
			return 0;
		}
		*out = error == 0;
		return error < 0 ? error : 0;
	}
	if ((error = ct__revision_count(&n, store, kind, id)) < 0)
		return error;
	*out = n > 0;
	return 0;
}

/* Feeds the ids of claim_id's annotations to consider. */
static int annotation_ids(ct_store *store, const char *claim_id, resolve_job *job)
{
	json_t *list = NULL, *item;
	size_t i;
	int error;

	if ((error = ct_store_annotations(&list, store, claim_id)) < 0)
		return error;
	json_array_foreach (list, i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));
		if (id && (error = consider(id, job)) < 0)
			break;
	}
	json_decref(list);
	return error;
}

/* The most edits a typed id may be from an id that "did you mean" names. */
static size_t near_enough(size_t len)
{
	return len <= 4 ? 1 : len <= 10 ? 2 : 3;
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp(
		json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static int ambiguous(const char *what, const char *typed, json_t *matches)
{
	ct_buf line = CT_BUF_INIT;
	size_t n = json_array_size(matches);
	json_t **items = calloc(n, sizeof(*items));
	size_t i;
	int error = 0;

	if (!items)
		return ct__oom();
	for (i = 0; i < n; i++)
		items[i] = json_array_get(matches, i);
	qsort(items, n, sizeof(*items), compare_ids);
	for (i = 0; i < n && i < RESOLVE_SHOWN && error == 0; i++)
		error = ct_buf_printf(&line, "%s%s", i ? ", " : "", json_string_value(items[i]));
	if (error == 0 && n > RESOLVE_SHOWN)
		error = ct_buf_printf(&line, " and %zu more", n - RESOLVE_SHOWN);
	if (error == 0)
		error = ct_error_set(CT_EAMBIGUOUS,
			"%s \"%s\" is ambiguous: %zu %ss begin with it: %s", what, typed, n, what,
			line.ptr);
	free(items);
	ct_buf_free(&line);
	return error;
}

int ct_store_resolve_id(
	ct_buf *out, ct_store *store, ct_kind kind, const char *claim_id, const char *typed)
{
	resolve_job job = {typed, 0, NULL, NULL, (size_t)-1};
	const char *what = ct_kind_name(kind);
	int found = 0;
	int error = 0;

	if ((unsigned)kind >= CT_KIND_COUNT || !typed)
		return ct_error_set(CT_EINVALID, "resolve id: no kind or no id");
	if (kind == CT_KIND_ANNOTATION && !claim_id)
		return ct_error_set(CT_EINVALID, "resolve id: an annotation needs its claim");
	/* a prefix of an id is a valid id (ids may end in '-'), so this rejects only what no id
	 * can begin with */
	if ((error = ct_id_validate(typed, what)) < 0)
		return error;
	job.typed_len = strlen(typed);
	if (kind != CT_KIND_ANNOTATION && (error = exists(&found, store, kind, typed)) < 0)
		return error;
	if (found) {
		ct_buf_clear(out);
		return ct_buf_puts(out, typed);
	}
	if (!(job.matches = json_array()))
		return ct__oom();
	if (kind == CT_KIND_ANNOTATION)
		error = annotation_ids(store, claim_id, &job);
	else
		error = ct_store_foreach_id(store, kind, consider, &job);
	if (error < 0)
		goto done;
	if (kind == CT_KIND_ANNOTATION) {
		size_t i;
		json_t *m;
		json_array_foreach (job.matches, i, m) {
			if (strcmp(json_string_value(m), typed) == 0) {
				json_array_clear(job.matches);
				json_array_append_new(job.matches, json_string(typed));
				break;
			}
		}
	}
	if (json_array_size(job.matches) == 1) {
		ct_buf_clear(out);
		error = ct_buf_puts(out, json_string_value(json_array_get(job.matches, 0)));
	} else if (json_array_size(job.matches) > 1) {
		error = ambiguous(what, typed, job.matches);
	} else if (job.nearest && job.nearest_dist <= near_enough(job.typed_len)) {
		error = kind == CT_KIND_ANNOTATION
			? ct_error_set(CT_ENOTFOUND,
				  "claim %s has no annotation \"%s\" (did you mean \"%s\"?)",
				  claim_id, typed, job.nearest)
			: ct_error_set(CT_ENOTFOUND,
				  "no %s \"%s\" in the store (did you mean \"%s\"?)", what, typed,
				  job.nearest);
	} else {
		error = kind == CT_KIND_ANNOTATION
			? ct_error_set(CT_ENOTFOUND, "claim %s has no annotation \"%s\"", claim_id,
				  typed)
			: ct_error_set(CT_ENOTFOUND, "no %s \"%s\" in the store", what, typed);
	}
done:
	free(job.nearest);
	json_decref(job.matches);
	return error;
}
