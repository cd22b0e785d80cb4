/*
 * claimtrail import claimreview: schema.org ClaimReview JSON-LD as other fact-checkers publish
 * it (one object, an array, or a @graph) becomes, per review, a source for where the claim
 * appeared, a source for the review itself (its url kept as evidence), a claim and a verdict,
 * all signed by the importer and written as one commit (the transaction of claim_import.c).
 * What cannot be mapped is reported per item; the mapping is in docs/export.md.
 */
#include "claim.h"
#include "revision.h"
#include "store_internal.h"
#include "claimtrail/status.h"
#include "claimtrail/workflow.h"
#include "utf8.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CR_INPUT_MAX (64 * 1024 * 1024)

/* A member that may be one value or an array of them: the first. */
static const json_t *first(const json_t *v)
{
	return json_is_array(v) ? json_array_get(v, 0) : v;
}

/* A non-empty string member, else NULL. */
static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(first(json_object_get(obj, key)));
	return s && *s ? s : NULL;
}

/* The name of a Person or Organization given as an object or a bare string. */
static const char *name_of(const json_t *who)
{
	who = first(who);
	if (json_is_string(who))
		return *json_string_value(who) ? json_string_value(who) : NULL;
	return str(who, "name");
}

static int is_type(const json_t *obj, const char *type)
{
	const json_t *t = json_object_get(obj, "@type"), *v;
	size_t i;

	if (json_is_string(t))
		return strcmp(json_string_value(t), type) == 0;
	json_array_foreach (t, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), type) == 0)
			return 1;
	return 0;
}

static int absolute_url(const char *u)
{
	const char *colon = u ? strstr(u, "://") : NULL;
	const char *p;

	if (!colon || colon == u || !colon[3])
		return 0;
	for (p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/* "YYYY-MM-DD" from a date or date-time, else "". */
static void date_of(char out[11], const char *s)
{
	out[0] = '\0';
	if (!s || strlen(s) < 10)
		return;
	memcpy(out, s, 10);
	out[10] = '\0';
	if (ct_date_validate(out, "date") < 0) {
		ct_error_clear();
		out[0] = '\0';
	}
}

/* Lower case, with '-' and '_' as spaces, for comparing rating names. */
static void fold(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++)
		out[n++] = (*s == '-' || *s == '_') ? ' ' : (char)tolower((unsigned char)*s);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* The words fact-checkers use for the steps of the scale, besides its own names. */
static const struct {
	const char *word;
	const char *verdict;
} synonyms[] = {
	{"correct", "true"},
	{"accurate", "true"},
	{"half true", "mixed"},
	{"partly true", "mixed"},
	{"partly false", "mixed"},
	{"mixture", "mixed"},
	{"pants on fire", "false"},
	{"incorrect", "false"},
	{"fake", "false"},
	{"missing context", "misleading"},
	{"unproven", "unverifiable"},
	{"unsubstantiated", "unverifiable"},
};

/* The verdict a reviewRating maps to: its alternateName, else its ratingValue on its own scale
 * (worstRating to bestRating, default 1 to 5) put on ours; NULL when neither does. */
static const ct_verdict *verdict_of(const json_t *rating)
{
	const char *alt = str(rating, "alternateName");
	const json_t *value = json_object_get(rating, "ratingValue");
	const ct_verdict *scale;
	size_t n, i;
	char want[64], have[64];

	scale = ct_verdict_scale(&n);
	if (alt) {
		fold(want, sizeof(want), alt);
		for (i = 0; i < n; i++) {
			fold(have, sizeof(have), scale[i].alternate);
			if (strcmp(want, have) == 0)
				return &scale[i];
		}
		for (i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++)
			if (strcmp(want, synonyms[i].word) == 0)
				return ct_verdict_find(synonyms[i].verdict);
	}
	if (json_is_number(value) || json_is_string(value)) {
		double v = json_is_number(value) ? json_number_value(value)
						 : strtod(json_string_value(value), NULL);
		const json_t *b = json_object_get(rating, "bestRating");
		const json_t *w = json_object_get(rating, "worstRating");
		double best = json_is_number(b) ? json_number_value(b) : CT_RATING_BEST;
		double worst = json_is_number(w) ? json_number_value(w) : CT_RATING_WORST;
		long r;
		if (!isfinite(v) || !isfinite(best) || !isfinite(worst) || best == worst ||
			(v - worst) / (best - worst) < 0 || (v - worst) / (best - worst) > 1)
			return NULL;
		r = lround(CT_RATING_WORST +
			(CT_RATING_BEST - CT_RATING_WORST) * (v - worst) / (best - worst));
		for (i = 0; i < n; i++)
			if (scale[i].rating == r)
				return &scale[i];
	}
	return NULL;
}

typedef struct {
	json_t *items;		   /* the ClaimReview objects, in input order */
	json_t *positions;	   /* each one's 1-based position among the input's items */
	json_t *problems;	   /* position -> why it cannot be mapped */
	int skip_unmapped;	   /* write the others when some cannot be mapped */
	const ct_write_opts *opts; /* records: no reason */
	const char *reason;	   /* for the commit */
	ct_claimreview_item_fn fn;
	void *payload;
	size_t count;
	size_t n_input; /* the items of the input, reviews or not */
	json_t *report; /* what each mapped item became (reported once written) */
} cr_job;

/* A source id for fields not yet taken in the store or by this import; a source already there
 * with the same url is reused (*reuse set). */
static int source_id(
	char *id, size_t size, int *reuse, ct_store *store, const json_t *fields, json_t *taken)
{
	const char *url = json_string_value(json_object_get(fields, "url"));
	char base[CT_ID_MAX + 1];
	int error, k;

	*reuse = 0;
	if ((error = ct_id_from_text(base, sizeof(base) - 4,
		     json_string_value(json_object_get(fields, "title")))) < 0)
		return error;
	for (k = 1; k < 100; k++) {
		json_t *have = NULL, *mine;
		if ((k == 1 ? snprintf(id, size, "%s", base)
			    : snprintf(id, size, "%s-%d", base, k)) >= (int)size)
			return ct_error_set(CT_EINVALID, "source %s: the id is too long", base);
		mine = json_object_get(taken, id);
		if (mine) {
			if (url &&
				json_equal(json_object_get(mine, "url"),
					json_object_get(fields, "url"))) {
				*reuse = 1;
				return 0;
			}
			continue;
		}
		error = ct_store_get(&have, store, CT_KIND_SOURCE, id, 0);
		if (error == CT_ENOTFOUND) {
			ct_error_clear();
			return 0;
		}
		if (error < 0)
			return error;
		if (url &&
			json_equal(json_object_get(have, "url"), json_object_get(fields, "url"))) {
			*reuse = 1;
			json_decref(have);
			return 0;
		}
		json_decref(have);
	}
	return ct_error_set(CT_EEXISTS, "source %s: 99 sources of that name already exist", base);
}

/* Writes a new source (revision 1) in txn, or reuses the one with its url; the cache entry
 * lets claims in this transaction cite it. */
static int put_source(char *id, size_t size, ct_txn *txn, ct_store *store, json_t *fields,
	const ct_write_opts *opts, json_t *taken, json_t *cache)
{
	char digest[CT_DIGEST_LEN + 1];
	int reuse, error;

	if ((error = source_id(id, size, &reuse, store, fields, taken)) < 0)
		return error;
	if (reuse)
		return 0;
	if ((error = ct__revision_check_fields(fields, "source")) < 0 ||
		(error = ct__revision_finish(
			 fields, txn, store, CT_KIND_SOURCE, id, 1, NULL, opts)) < 0 ||
		(error = ct_record_digest(digest, fields)) < 0)
		return error;
	json_object_set(taken, id, fields);
	json_object_set_new(cache, id, json_pack("{s:O, s:s}", "record", fields, "digest", digest));
	return 0;
}

/* The sources, claim and verdict of one review, or a problem (*problem set, nothing put). */
static int map_item(json_t **report, const char **problem, ct_txn *txn, ct_store *store,
	const json_t *cr, cr_job *job, json_t *taken, json_t *cache)
{
	const json_t *item = first(json_object_get(cr, "itemReviewed"));
	const json_t *rating = first(json_object_get(cr, "reviewRating"));
	const json_t *appearance = first(json_object_get(item, "appearance"));
	const char *statement = str(cr, "claimReviewed"), *url = str(cr, "url");
	const char *reviewer = name_of(json_object_get(cr, "author"));
	const char *claim_author = name_of(json_object_get(item, "author"));
	const char *alt = str(rating, "alternateName"), *why = str(rating, "ratingExplanation");
	const ct_verdict *v = NULL;
	json_t *src = NULL, *rev = NULL, *fields = NULL, *claim = NULL, *verdict = NULL;
	json_t *dropped = json_array();
	char claim_src[CT_ID_MAX + 1], review_src[CT_ID_MAX + 1], cid[CT_ID_MAX + 1];
	char aid[CT_ID_MAX + 8], date[11], created[CT_TIMESTAMP_LEN + 1];
	char digest[CT_DIGEST_LEN + 1];
	ct_buf text = CT_BUF_INIT;
	const char *key;
	json_t *value;
	json_int_t n;
	int error = 0;
	static const char *const kept[] = {"@context", "@type", "@id", "claimReviewed", "url",
		"reviewRating", "author", "datePublished", "itemReviewed", "name", "headline",
		NULL};

	*report = NULL;
	*problem = NULL;
	if (!dropped)
		return ct__oom();
	if (!statement)
		*problem = "no claimReviewed: there is no claim";
	else if (!url)
		*problem = "no url: the review cannot be kept as evidence";
	else if (!absolute_url(url))
		*problem = "its url is not an absolute url";
	else if (!json_is_object(rating))
		*problem = "no reviewRating";
	else if (!(v = verdict_of(rating)))
		*problem = "its reviewRating maps to no verdict on the scale (docs/workflow.md)";
	else if (!json_is_object(item) || !is_type(item, "Claim"))
		*problem = "itemReviewed is not a Claim";
	else if (!claim_author && !(json_is_object(appearance) && str(appearance, "url")))
		*problem = "itemReviewed names neither an author nor an appearance with a url: the "
			   "claim cannot be attributed to a source";
	if (*problem)
		goto done;

	/* where the claim appeared */
	date_of(date,
		str(appearance, "datePublished") ? str(appearance, "datePublished")
						 : str(item, "datePublished"));
	if (json_is_object(appearance) && str(appearance, "url")) {
		const char *title = str(appearance, "name") ? str(appearance, "name")
							    : str(appearance, "headline");
		const char *pub = name_of(json_object_get(appearance, "publisher"));
		if (!pub)
			pub = name_of(json_object_get(appearance, "author"));
		if (!pub)
			pub = claim_author;
		src = json_pack("{s:s, s:s, s:s, s:s}", "title",
			title ? title : str(appearance, "url"), "publisher",
			pub ? pub : str(appearance, "url"), "url", str(appearance, "url"), "kind",
			"web-page");
		if (src && !absolute_url(str(appearance, "url"))) {
			*problem = "itemReviewed.appearance's url is not an absolute url";
			goto done;
		}
	} else {
		if ((error = ct_buf_printf(&text, "Statement by %s", claim_author)) < 0)
			goto done;
		src = json_pack("{s:s, s:s, s:s}", "title", text.ptr, "publisher", claim_author,
			"kind", "statement");
	}
	if (!src) {
		error = ct__oom();
		goto done;
	}
	if (claim_author)
		json_object_set_new(src, "authors", json_pack("[s]", claim_author));
	if (date[0])
		json_object_set_new(src, "published", json_string(date));
	if ((error = put_source(
		     claim_src, sizeof(claim_src), txn, store, src, job->opts, taken, cache)) < 0)
		goto done;

	/* the review itself */
	ct_buf_clear(&text);
	date_of(date, str(cr, "datePublished"));
	if (!str(cr, "name") && !str(cr, "headline") &&
		(error = ct_buf_printf(&text, "Fact check: %s", statement)) < 0)
		goto done;
	rev = json_pack("{s:s, s:s, s:s, s:s}", "title",
		str(cr, "name")		      ? str(cr, "name")
			: str(cr, "headline") ? str(cr, "headline")
					      : text.ptr,
		"publisher", reviewer ? reviewer : url, "url", url, "kind", "article");
	if (!rev) {
		error = ct__oom();
		goto done;
	}
	if (date[0])
		json_object_set_new(rev, "published", json_string(date));
	if ((error = put_source(
		     review_src, sizeof(review_src), txn, store, rev, job->opts, taken, cache)) < 0)
		goto done;

	/* the claim */
	if ((error = ct_id_from_text(cid, sizeof(cid), statement)) < 0 ||
		(error = ct__revision_count(&n, store, CT_KIND_CLAIM, cid)) < 0)
		goto done;
	snprintf(aid, sizeof(aid), "claim:%s", cid); /* source ids have no ':' */
	if (n > 0 || json_object_get(taken, aid)) {
		*problem = "a claim with its id is already in the store or earlier in the input";
		goto done;
	}
	fields = json_pack("{s:s, s:s, s:{s:s}}", "id", cid, "statement", statement, "attribution",
		"source", claim_src);
	if (!fields) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct__claim_from_fields(
		     &claim, cid, sizeof(cid), store, fields, job->opts, cache)) < 0 ||
		(error = ct__revision_finish(
			 claim, txn, store, CT_KIND_CLAIM, cid, 1, NULL, job->opts)) < 0 ||
		(error = ct_record_digest(digest, claim)) < 0)
		goto done;
	snprintf(aid, sizeof(aid), "claim:%s", cid);
	json_object_set_new(taken, aid, json_true());

	/* the verdict, citing the review */
	ct_buf_clear(&text);
	if ((error = ct_buf_printf(&text, "Imported from %s: rated \"%s\" by %s.%s%s", url,
		     alt ? alt : v->alternate, reviewer ? reviewer : "the reviewer", why ? " " : "",
		     why ? why : "")) < 0)
		goto done;
	ct_timestamp_now(created);
	verdict = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "type", "annotation",
		"created", created, "claim", cid, "claim_revision", digest, "kind", "verdict",
		"verdict", v->name, "note", text.ptr, "evidence", review_src);
	if (!verdict) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct_annotation_id(aid, verdict, ct_key_id(job->opts->signer))) < 0)
		goto done;
	json_object_set_new(verdict, "id", json_string(aid));
	if ((error = ct_record_validate(verdict)) < 0 ||
		(error = ct_record_sign(verdict, job->opts->signer)) < 0 ||
		(error = ct__txn_put_record(txn, verdict)) < 0)
		goto done;

	/* what was not kept */
	json_object_foreach ((json_t *)cr, key, value) {
		size_t i;
		int used = 0;
		for (i = 0; kept[i]; i++)
			used |= strcmp(kept[i], key) == 0;
		if (!used)
			json_array_append_new(dropped, json_string(key));
	}
	*report = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "claim", cid, "verdict", v->name,
		"source", claim_src, "review_source", review_src, "annotation", aid, "dropped",
		dropped);
	if (!*report)
		error = ct__oom();
done:
	if (error < 0 || *problem)
		*report = NULL;
	ct_buf_free(&text);
	json_decref(dropped);
	json_decref(src);
	json_decref(rev);
	json_decref(fields);
	json_decref(claim);
	json_decref(verdict);
	return error;
}

static int cr_build(ct_txn *txn, ct_store *store, void *payload)
{
	cr_job *job = payload;
	json_t *taken = json_object(), *cache = json_object(), *cr;
	size_t i;
	int error;

	job->count = 0;
	json_decref(job->report);
	job->report = json_array();
	if (!taken || !cache || !job->report) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct__txn_bulk(txn)) < 0)
		goto done;
	json_array_foreach (job->items, i, cr) {
		json_t *report = NULL;
		const char *problem = NULL;
		json_int_t pos = json_integer_value(json_array_get(job->positions, i));
		char k[32];
		if ((error = map_item(&report, &problem, txn, store, cr, job, taken, cache)) < 0) {
			error = ct_error_prefix(error, "item %lld", (long long)pos);
			goto done;
		}
		snprintf(k, sizeof(k), "%lld", (long long)pos);
		if (problem) {
			json_object_set_new(job->problems, k, json_string(problem));
			continue;
		}
		json_object_set_new(report, "index", json_integer(pos));
		json_array_append_new(job->report, report);
		job->count++;
	}
	if (json_object_size(job->problems) > 0 && !job->skip_unmapped) {
		error = ct_error_set(CT_EINVALID,
			"%zu of %zu items cannot be mapped; nothing imported (--skip-unmapped "
			"imports the others)",
			json_object_size(job->problems), job->n_input);
		goto done;
	}
	if (job->count == 0) {
		error = ct_error_set(CT_EINVALID, "nothing to import: no review could be mapped");
		goto done;
	}
	if ((error = ct__txn_put_signer_key(txn, store, job->opts->signer)) < 0)
		goto done;
	ct__txn_reset_message(txn);
	if ((error = ct__txn_subject(txn, "import claimreview: %zu claim%s", job->count,
		     job->count == 1 ? "" : "s")) < 0 ||
		(job->reason && *job->reason && (error = ct__txn_body(txn, job->reason)) < 0) ||
		(error = ct__txn_trailer(txn, "Claimtrail-Import", "%zu ClaimReview%s", job->count,
			 job->count == 1 ? "" : "s")) < 0 ||
		(error = ct__txn_trailer(
			 txn, "Claimtrail-Signer", "%s", ct_key_id(job->opts->signer))) < 0)
		goto done;
done:
	json_decref(taken);
	json_decref(cache);
	return error;
}

/* The ClaimReviews of a document: one object, an array of them, or an object with @graph (whose
 * other nodes are not reviews and are passed over). */
static int collect(cr_job *job, const json_t *doc)
{
	const json_t *list = doc, *v;
	int graph = 0;
	size_t i;

	if (json_is_object(doc) && json_is_array(json_object_get(doc, "@graph"))) {
		list = json_object_get(doc, "@graph");
		graph = 1;
	} else if (json_is_object(doc)) {
		list = NULL;
		if (json_array_append(job->items, (json_t *)doc) < 0 ||
			json_array_append_new(job->positions, json_integer(1)) < 0)
			return ct__oom();
	} else if (!json_is_array(doc)) {
		return ct_error_set(CT_EINVALID,
			"not ClaimReview JSON-LD: expected an object, an array or a @graph");
	}
	json_array_foreach (list, i, v) {
		char k[32];
		snprintf(k, sizeof(k), "%zu", i + 1);
		if (!json_is_object(v) || !is_type(v, "ClaimReview")) {
			if (!graph)
				json_object_set_new(
					job->problems, k, json_string("not a ClaimReview object"));
			continue;
		}
		if (json_array_append(job->items, (json_t *)v) < 0 ||
			json_array_append_new(job->positions, json_integer((json_int_t)i + 1)) < 0)
			return ct__oom();
	}
	return 0;
}

/* Tells fn what became of every item, in input order. */
static void report_all(cr_job *job, size_t n_input)
{
	size_t pos, j;
	json_t *r;

	if (!job->fn)
		return;
	for (pos = 1; pos <= n_input; pos++) {
		ct_claimreview_item it;
		char k[32];
		snprintf(k, sizeof(k), "%zu", pos);
		memset(&it, 0, sizeof(it));
		it.index = pos;
		it.problem = json_string_value(json_object_get(job->problems, k));
		json_array_foreach (job->report, j, r) {
			if ((size_t)json_integer_value(json_object_get(r, "index")) != pos)
				continue;
			it.claim = json_string_value(json_object_get(r, "claim"));
			it.verdict = json_string_value(json_object_get(r, "verdict"));
			it.source = json_string_value(json_object_get(r, "source"));
			it.review_source = json_string_value(json_object_get(r, "review_source"));
			it.annotation = json_string_value(json_object_get(r, "annotation"));
			it.dropped = json_object_get(r, "dropped");
		}
		if (it.problem || it.claim)
			job->fn(&it, job->payload);
	}
}

int ct_claim_review_import(size_t *count, ct_store *store, const char *path, int skip_unmapped,
	const ct_write_opts *opts, ct_claimreview_item_fn fn, void *payload)
{
	ct_write_opts quiet;
	cr_job job;
	ct_buf data = CT_BUF_INIT;
	json_t *doc = NULL;
	size_t n_input = 0;
	int error;

	*count = 0;
	memset(&job, 0, sizeof(job));
	if ((error = ct__revision_check_opts(opts, 0, "import claimreview")) < 0)
		return error;
	quiet = *opts;
	quiet.reason = NULL; /* the import's reason goes into the commit, not each record */
	job.opts = &quiet;
	job.reason = opts->reason;
	job.skip_unmapped = skip_unmapped;
	job.fn = fn;
	job.payload = payload;
	job.items = json_array();
	job.positions = json_array();
	job.problems = json_object();
	if (!job.items || !job.positions || !job.problems) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct_file_read(&data, path, CR_INPUT_MAX)) < 0 ||
		(error = ct_json_parse(&doc, (const uint8_t *)data.ptr, data.len, CT_JSON_TEXT)) <
			0) {
		error = ct_error_prefix(error, "%s", path);
		goto done;
	}
	if ((error = collect(&job, doc)) < 0)
		goto done;
	n_input = json_is_object(doc) && !json_object_get(doc, "@graph")
		? 1
		: json_array_size(json_is_array(doc) ? doc : json_object_get(doc, "@graph"));
	job.n_input = n_input;
	if (json_array_size(job.items) == 0) {
		report_all(&job, n_input);
		error = ct_error_set(CT_EINVALID, "%s: no ClaimReview in it", path);
		goto done;
	}
	error = ct__store_write(store, opts->signer, opts->max_retries, cr_build, &job);
	/* written or not, say what became of each item (a refused import: only the problems) */
	if (error < 0) {
		json_decref(job.report);
		job.report = NULL;
	}
	report_all(&job, n_input);
	if (error == 0)
		*count = job.count;
done:
	json_decref(doc);
	json_decref(job.items);
	json_decref(job.positions);
	json_decref(job.problems);
	json_decref(job.report);
	ct_buf_free(&data);
	return error;
}
