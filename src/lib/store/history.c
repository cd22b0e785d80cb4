/*
 * A record's story: its revisions and annotations, newest first, each with the commit that
 * wrote it. Revisions and annotations are read from the current tree (their count is the
 * cost); commits come from the journal (see journal.c), not from a walk of the history.
 */
#include "store_internal.h"
#include "claimtrail/status.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ct_log {
	ct_log_entry *entries;
	size_t count;
};

size_t ct_log_count(const ct_log *log)
{
	return log ? log->count : 0;
}

const ct_log_entry *ct_log_get(const ct_log *log, size_t i)
{
	return log && i < log->count ? &log->entries[i] : NULL;
}

void ct_log_free(ct_log *log)
{
	size_t i;

	if (!log)
		return;
	for (i = 0; i < log->count; i++)
		json_decref(log->entries[i].record);
	free(log->entries);
	free(log);
}

typedef struct {
	ct_log *log;
	size_t dir_len; /* length of the record folder prefix, slash included */
} journal_match;

/* The first commit that wrote each file is the one that made the revision or annotation; later
 * ones (a sign-off adding a signature) do not change what it says. */
static int match_line(const ct_journal_line *line, void *payload)
{
	journal_match *m = payload;
	const char *name = line->path + m->dir_len;
	size_t nlen = line->path_len - m->dir_len;
	size_t i;

	for (i = 0; i < m->log->count; i++) {
		ct_log_entry *e = &m->log->entries[i];
		char want[96];
		int n;
		/* a file removed and written again: its writer is the one after the removal */
		if (e->commit[0] && !line->deleted)
			continue;
		if (e->kind == CT_KIND_ANNOTATION)
			n = snprintf(
				want, sizeof(want), "annotations/%s.json", ct_record_id(e->record));
		else
			n = snprintf(want, sizeof(want), "r%04lld.json", (long long)e->revision);
		if ((e->kind == CT_KIND_CLAIM || e->kind == CT_KIND_SOURCE) && n > 0 &&
			((size_t)n != nlen || memcmp(want, name, nlen) != 0)) {
			/* a claim or source revision from 2 on is named by its digest too
			 * (docs/store.md) */
			char digest[CT_DIGEST_LEN + 1];
			if (ct_record_digest(digest, e->record) == 0)
				n = snprintf(want, sizeof(want), "r%04lld-%.*s.json",
					(long long)e->revision, CT__REVISION_HEX, digest + 7);
		}
		if (n > 0 && (size_t)n == nlen && memcmp(want, name, nlen) == 0) {
			if (line->deleted)
				e->commit[0] = '\0';
			else
				memcpy(e->commit, line->commit, 41);
			break;
		}
	}
	return 0;
}

/* Newest first: by "created", revisions after the annotations made at the same second that
 * judged the revision before them, then by revision number. */
static int newest_first(const void *a, const void *b)
{
	const ct_log_entry *x = a, *y = b;
	int c = strcmp(json_string_value(json_object_get(y->record, "created")),
		json_string_value(json_object_get(x->record, "created")));

	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind == CT_KIND_ANNOTATION ? 1 : -1;
	if (x->revision != y->revision)
		return x->revision < y->revision ? 1 : -1;
	return strcmp(ct_record_id(y->record), ct_record_id(x->record));
}

static int push(ct_log *log, size_t *cap, ct_kind kind, json_int_t revision, json_t *record)
{
	if (log->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		ct_log_entry *e = realloc(log->entries, ncap * sizeof(*e));
		if (!e) {
			json_decref(record);
			return ct__oom();
		}
		log->entries = e;
		*cap = ncap;
	}
	memset(&log->entries[log->count], 0, sizeof(log->entries[0]));
	log->entries[log->count].kind = kind;
	log->entries[log->count].revision = revision;
	log->entries[log->count].record = record;
	log->count++;
	return 0;
}

int ct_store_log(ct_log **out, ct_store *store, ct_kind kind, const char *id)
{
	ct_log *log = calloc(1, sizeof(*log));
	json_t *revisions = NULL, *annotations = NULL;
	ct_buf dir = CT_BUF_INIT;
	journal_match m;
	size_t cap = 0, i;
	int error;

	*out = NULL;
	if (!log)
		return ct__oom();
	if (kind != CT_KIND_CLAIM && kind != CT_KIND_SOURCE) {
		error = ct_error_set(CT_EINVALID, "only claims and sources have a log");
		goto done;
	}
	if ((error = ct_store_revisions(&revisions, store, kind, id)) < 0)
		goto done;
	for (i = 0; i < json_array_size(revisions); i++)
		if ((error = push(log, &cap, kind,
			     json_integer_value(
				     json_object_get(json_array_get(revisions, i), "revision")),
			     json_incref(json_array_get(revisions, i)))) < 0)
			goto done;
	if (kind == CT_KIND_CLAIM) {
		if ((error = ct_store_annotations(&annotations, store, id)) < 0)
			goto done;
		for (i = 0; i < json_array_size(annotations); i++)
			if ((error = push(log, &cap, CT_KIND_ANNOTATION, 0,
				     json_incref(json_array_get(annotations, i)))) < 0)
				goto done;
	}
	if ((error = ct__record_dir(&dir, store, kind, id)) < 0 ||
		(error = ct_buf_putc(&dir, '/')) < 0)
		goto done;
	m.log = log;
	m.dir_len = dir.len;
	if ((error = ct__journal_scan(store, dir.ptr, match_line, &m)) < 0)
		goto done;
	qsort(log->entries, log->count, sizeof(log->entries[0]), newest_first);
	*out = log;
	log = NULL;
done:
	ct_buf_free(&dir);
	json_decref(revisions);
	json_decref(annotations);
	ct_log_free(log);
	return error;
}

typedef struct {
	size_t dir_len;
	char want[32];	 /* "r0001.json" */
	json_t *commits; /* the commits that wrote it, oldest first (after its last removal) */
} sign_off_match;

static int match_revision(const ct_journal_line *line, void *payload)
{
	sign_off_match *m = payload;
	size_t n = strlen(m->want);

	if (line->path_len - m->dir_len != n || memcmp(line->path + m->dir_len, m->want, n) != 0)
		return 0;
	if (line->deleted)
		return json_array_clear(m->commits) < 0 ? ct__oom() : 0;
	if (json_array_append_new(m->commits, json_string(line->commit)) < 0)
		return ct__oom();
	return 0;
}

/* The value of trailer name ("Claimtrail-Sign-Off") in message, into out; 0 when absent. */
static int trailer_value(char *out, size_t size, const char *message, const char *name)
{
	size_t n = strlen(name);
	const char *p = message;

	while (p && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
			size_t len = strcspn(p + n + 2, "\n");
			if (len >= size)
				len = size - 1;
			memcpy(out, p + n + 2, len);
			out[len] = '\0';
			return 1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

int ct_store_sign_offs(json_t **out, ct_store *store, const char *claim_id, ct_revision revision)
{
	sign_off_match m = {0, "", NULL};
	ct_buf dir = CT_BUF_INIT;
	json_t *result = json_array();
	git_commit *commit = NULL;
	size_t i;
	int error = 0;

	*out = NULL;
	if (!result || !(m.commits = json_array())) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct__revision_path(&dir, store, NULL, CT_KIND_CLAIM, claim_id, revision)) < 0)
		goto done;
	snprintf(m.want, sizeof(m.want), "%s", strrchr(dir.ptr, '/') + 1);
	ct_buf_clear(&dir);
	if ((error = ct__record_dir(&dir, store, CT_KIND_CLAIM, claim_id)) < 0 ||
		(error = ct_buf_putc(&dir, '/')) < 0)
		goto done;
	m.dir_len = dir.len;
	if ((error = ct__journal_scan(store, dir.ptr, match_revision, &m)) < 0)
		goto done;
	/* the first commit made the revision; each later one that says so signed it off */
	for (i = 1; i < json_array_size(m.commits); i++) {
		const char *hex = json_string_value(json_array_get(m.commits, i));
		const char *msg, *body, *end;
		char key[CT_KEY_ID_LEN + 1], at[CT_TIMESTAMP_LEN + 1];
		git_oid oid;
		time_t t;
		struct tm tm;
		json_t *item;

		if (git_oid_fromstr(&oid, hex) < 0 ||
			git_commit_lookup(&commit, store->repo, &oid) < 0) {
			error = ct__git_error(CT_EIO, "reading a sign-off commit");
			goto done;
		}
		msg = git_commit_message(commit);
		if (!msg || !trailer_value(key, sizeof(key), msg, "Claimtrail-Sign-Off")) {
			git_commit_free(commit);
			commit = NULL;
			continue;
		}
		t = (time_t)git_commit_time(commit);
		gmtime_r(&t, &tm);
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
		item = json_pack("{s:s, s:s, s:s}", "key_id", key, "at", at, "commit", hex);
		/* the note is the body: between the subject's blank line and the trailers' */
		body = strstr(msg, "\n\n");
		end = body ? strstr(body + 2, "\n\nClaimtrail-") : NULL;
		if (item && body && end && end > body + 2)
			json_object_set_new(
				item, "note", json_stringn(body + 2, (size_t)(end - body - 2)));
		if (!item || json_array_append_new(result, item) < 0) {
			error = ct__oom();
			goto done;
		}
		git_commit_free(commit);
		commit = NULL;
	}
	*out = result;
	result = NULL;
done:
	git_commit_free(commit);
	json_decref(result);
	json_decref(m.commits);
	ct_buf_free(&dir);
	return error;
}

int ct_store_claim_same(json_t **out, ct_store *store, const json_t *claim)
{
	json_t *same = json_array(), *newer = json_incref((json_t *)claim), *older = NULL;
	json_int_t n = json_integer_value(json_object_get(claim, "revision"));
	char digest[CT_DIGEST_LEN + 1];
	int error = 0;

	*out = NULL;
	if (!same) {
		error = ct__oom();
		goto done;
	}
	/* back through the chain while each revision only moved the quote of the one before */
	for (; n > 1; n--) {
		if ((error = ct_store_get(
			     &older, store, CT_KIND_CLAIM, ct_record_id(claim), n - 1)) < 0)
			goto done;
		if (!ct_claim_moves_quote_only(newer, older))
			break;
		if ((error = ct_record_digest(digest, older)) < 0)
			goto done;
		if (json_array_append_new(same, json_string(digest)) < 0) {
			error = ct__oom();
			goto done;
		}
		json_decref(newer);
		newer = older;
		older = NULL;
	}
	*out = same;
	same = NULL;
done:
	json_decref(same);
	json_decref(newer);
	json_decref(older);
	return error;
}

/* The trusted signers whose signatures on record verify, into signers (key id -> the revision
 * they signed, the newest kept). *trusted receives their count as ct_record_verify gives it
 * (it names only the first CT_VERIFY_SIGNERS_MAX). Returns 0, 1 when a trusted signature on
 * record does not verify (then none is added), or an error. */
static int add_signers(
	size_t *trusted, json_t *signers, const json_t *record, const ct_keyring *trust)
{
	ct_verify_report report;
	json_int_t revision = json_integer_value(json_object_get(record, "revision"));
	size_t i, named;
	int rc;

	*trusted = 0;
	rc = ct_record_verify(&report, record, trust, 1);
	ct_error_clear();
	if (rc < 0 && rc != CT_EUNTRUSTED)
		return 1;
	*trusted = report.trusted;
	named = report.trusted < CT_VERIFY_SIGNERS_MAX ? report.trusted : CT_VERIFY_SIGNERS_MAX;
	for (i = 0; i < named; i++)
		if (!json_object_get(signers, report.signers[i]) &&
			json_object_set_new(signers, report.signers[i], json_integer(revision)) < 0)
			return ct__oom();
	return 0;
}

int ct_store_claim_signer_count(size_t *count, json_t **carried, ct_store *store,
	const json_t *claim, const ct_keyring *trust)
{
	json_t *same = NULL, *signers = json_object(), *older = NULL, *list = NULL;
	json_int_t n = json_integer_value(json_object_get(claim, "revision"));
	char digest[CT_DIGEST_LEN + 1];
	size_t current, trusted, i;
	const char *key;
	json_t *rev;
	int error;

	*count = 0;
	if (carried)
		*carried = NULL;
	if (!signers || (carried && !(list = json_array()))) {
		error = ct__oom();
		goto done;
	}
	if ((error = add_signers(&current, signers, claim, trust)) != 0) {
		error = error > 0 ? 0 : error; /* a current revision that fails: no sign-offs */
		goto done;
	}
	if ((error = ct_store_claim_same(&same, store, claim)) < 0)
		goto done;
	/* same is newest first: revision n-1, n-2, ... each only re-anchored by the one after */
	for (i = 0; i < json_array_size(same); i++) {
		if ((error = ct_store_get(&older, store, CT_KIND_CLAIM, ct_record_id(claim),
			     n - 1 - (json_int_t)i)) < 0 ||
			(error = ct_record_digest(digest, older)) < 0)
			goto done;
		if (strcmp(digest, json_string_value(json_array_get(same, i))) != 0)
			break; /* not the revision ct_store_claim_same followed: count nothing more */
		if ((error = add_signers(&trusted, signers, older, trust)) < 0)
			goto done;
		error = 0;
		json_decref(older);
		older = NULL;
	}
	/* the named signers, or the current revision's count when it names fewer than it has */
	*count = json_object_size(signers) > current ? json_object_size(signers) : current;
	if (list) {
		json_object_foreach (signers, key, rev) {
			if (json_integer_value(rev) == n)
				continue;
			if (json_array_append_new(list,
				    json_pack("{s:s, s:I}", "key_id", key, "revision",
					    json_integer_value(rev))) < 0) {
				error = ct__oom();
				goto done;
			}
		}
		*carried = list;
		list = NULL;
	}
done:
	json_decref(list);
	json_decref(older);
	json_decref(same);
	json_decref(signers);
	return error;
}
