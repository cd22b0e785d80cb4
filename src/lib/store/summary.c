/*
 * Claim summaries for listing: id, revision, status, statement, source, tags and signers of
 * every claim. Deriving a status reads a claim's latest revision and all its annotations; for a
 * store of 100,000 claims that is too slow to do on every `list`. A claim folder's tree id
 * changes exactly when one of its files does, so summaries are cached in the git directory by
 * that id: a listing reads the fan-out trees and derives only what changed.
 *
 * Cache file <git-dir>/claimtrail/summaries: a first line "claimtrail-summaries 2 <key tree>",
 * then one line per claim folder: tree id, id, revision, status, source, tags, signers,
 * verification, statement, separated by tabs, with "\\", tab and newline in the last two escaped
 * as \\\\, \\t and \\n. Whether a claim verifies also depends on the store's key records: the
 * header names the id of the key folder's tree, and a cache made with other keys is not used.
 * Before the lines of the claims of a fan-out folder whose every entry is a claim with a line
 * comes a fan line, "<fan tree id> <name> <count>" (a space, so no claim line): a listing takes
 * those lines as they are when the fan-out tree is the same, without reading it (the 256 fan-out
 * trees, each at the end of a delta chain, were most of a listing with nothing to derive).
 */
#include "keyring.h"
#include "parallel.h"
#include "store_internal.h"
#include "claimtrail/status.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SUMMARY_HEADER "claimtrail-summaries 2 "
#define SUMMARY_FIELDS 9
#define SUMMARY_MAX ((size_t)1 << 31)

typedef struct {
	git_oid oid;
	const char *line; /* into the cache buffer, or NULL for an empty slot */
} slot;

typedef struct {
	slot *slots;
	size_t mask;
} table;

static size_t hash_oid(const git_oid *oid)
{
	size_t h;

	memcpy(&h, oid->id, sizeof(h));
	return h;
}

static int table_init(table *t, size_t n)
{
	size_t cap = 16;

	while (cap < n * 2)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->mask = cap - 1;
	return t->slots ? 0 : ct__oom();
}

static void table_put(table *t, const git_oid *oid, const char *line)
{
	size_t i = hash_oid(oid) & t->mask;

	while (t->slots[i].line && !git_oid_equal(&t->slots[i].oid, oid))
		i = (i + 1) & t->mask;
	t->slots[i].oid = *oid;
	t->slots[i].line = line;
}

static const char *table_get(const table *t, const git_oid *oid)
{
	size_t i = hash_oid(oid) & t->mask;

	while (t->slots[i].line) {
		if (git_oid_equal(&t->slots[i].oid, oid))
			return t->slots[i].line;
		i = (i + 1) & t->mask;
	}
	return NULL;
}

/* One row: the fields of a cache line, split in place. */
typedef struct {
	char *field[SUMMARY_FIELDS];
} row;

static int split(row *r, char *line)
{
	int n = 0;
	char *p = line;

	r->field[n++] = p;
	while (*p && *p != '\n') {
		if (*p == '\t') {
			*p = '\0';
			if (n == SUMMARY_FIELDS)
				return -1;
			r->field[n++] = p + 1;
		}
		p++;
	}
	*p = '\0';
	return n == SUMMARY_FIELDS ? 0 : -1;
}

static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*out++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static int put_escaped(ct_buf *out, const char *s)
{
	int error = 0;

	for (; *s && error == 0; s++) {
		if (*s == '\\')
			error = ct_buf_puts(out, "\\\\");
		else if (*s == '\t')
			error = ct_buf_puts(out, "\\t");
		else if (*s == '\n')
			error = ct_buf_puts(out, "\\n");
		else if (*s == '\r')
			error = ct_buf_puts(out, " ");
		else
			error = ct_buf_putc(out, *s);
	}
	return error;
}

/*
 * The latest revision of the claim whose folder is the tree `folder`, read straight from that
 * tree (no lookups from the root), and its annotations (none to read for most claims).
 */
static int load_latest(json_t **rec, json_t **annotations, int *conflicted, ct_store *store,
	const char *id, const git_oid *folder)
{
	git_tree *tree = NULL;
	git_blob *blob = NULL;
	const git_tree_entry *latest;
	json_int_t best;
	ct_buf data = CT_BUF_INIT;
	int error = 0;

	*rec = *annotations = NULL;
	if (git_tree_lookup(&tree, store->repo, folder) < 0) {
		error = ct__git_error(CT_EIO, id);
		goto done;
	}
	if (!(latest = ct__latest_revision(&best, tree))) {
		error = ct_error_set(CT_EINVALID, "claim %s: no revision files", id);
		goto done;
	}
	/* a crafted tree may hold a folder (or a link, a submodule) by a revision's name */
	if (git_tree_entry_filemode(latest) != GIT_FILEMODE_BLOB &&
		git_tree_entry_filemode(latest) != GIT_FILEMODE_BLOB_EXECUTABLE) {
		error = ct_error_set(
			CT_EINVALID, "claim %s: %s is not a file", id, git_tree_entry_name(latest));
		goto done;
	}
	if (git_blob_lookup(&blob, store->repo, git_tree_entry_id(latest)) < 0 ||
		ct_buf_put(&data, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0) {
		error = ct__git_error(CT_EIO, id);
		goto done;
	}
	if ((error = ct__parse_record(rec, &data, id)) < 0)
		goto done;
	*conflicted = 0;
	if (ct__revision_forked(tree)) { /* concurrent revisions (docs/sync.md) */
		json_t *heads = NULL;
		if ((error = ct__revision_heads(&heads, store, tree, id)) < 0)
			goto done;
		*conflicted = json_array_size(heads) > 1;
		json_decref(heads);
	}
	if (git_tree_entry_byname(tree, "annotations"))
		error = ct_store_annotations(annotations, store, id);
	else if (!(*annotations = json_array()))
		error = ct__oom();
done:
	ct_buf_free(&data);
	git_blob_free(blob);
	git_tree_free(tree);
	return error;
}

/* Derives the summary of one claim and appends its cache line. ring: the store's keys. A claim
 * whose current revision does not verify is "unverified", with no signers; annotations that do
 * not verify count for nothing. */
static int derive(
	ct_buf *lines, ct_store *store, const ct_keyring *ring, const char *id, const git_oid *tree)
{
	json_t *rec = NULL, *annotations = NULL, *same = NULL, *item;
	const json_t *sigs;
	const char *status = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	ct_buf tags = CT_BUF_INIT, signers = CT_BUF_INIT;
	ct_verification v;
	size_t i;
	int conflicted = 0;
	int error;

	if ((error = load_latest(&rec, &annotations, &conflicted, store, id, tree)) < 0 ||
		(error = ct__verify_record(&v, store, ring, rec)) < 0 ||
		(error = ct__drop_unverified(annotations, store, ring)) < 0)
		goto done;
	if (v.state != CT_RECORD_VERIFIED)
		status = "unverified";
	else if ((json_array_size(annotations) &&
			 (error = ct_store_claim_same(&same, store, rec)) < 0) ||
		(error = ct_claim_status_same(&status, NULL, rec, annotations, same)) < 0)
		goto done;
	if (conflicted && v.state == CT_RECORD_VERIFIED)
		status = "conflicted";
	ct_buf_puts(&tags, "");
	ct_buf_puts(&signers, "");
	json_array_foreach (json_object_get(rec, "tags"), i, item)
		if ((error = ct_buf_printf(&tags, "%s%s", i ? "," : "", json_string_value(item))) <
			0)
			goto done;
	sigs = v.state == CT_RECORD_VERIFIED ? json_object_get(rec, "signatures") : NULL;
	json_array_foreach (sigs, i, item) {
		const char *k = json_string_value(json_object_get(item, "key_id"));
		if (strstr(signers.ptr, k))
			continue;
		if ((error = ct_buf_printf(&signers, "%s%s", signers.len ? "," : "", k)) < 0)
			goto done;
	}
	git_oid_tostr(hex, sizeof(hex), tree);
	if ((error = ct_buf_printf(lines, "%s\t%s\t%lld\t%s\t%s\t%s\t%s\t", hex, id,
		     (long long)json_integer_value(json_object_get(rec, "revision")), status,
		     json_string_value(
			     json_object_get(json_object_get(rec, "attribution"), "source")),
		     tags.ptr, signers.ptr)) < 0 ||
		(error = put_escaped(lines, v.reason)) < 0 ||
		(error = ct_buf_putc(lines, '\t')) < 0 ||
		(error = put_escaped(lines, json_string_value(json_object_get(rec, "statement")))) <
			0 ||
		(error = ct_buf_putc(lines, '\n')) < 0)
		goto done;
done:
	ct_buf_free(&tags);
	ct_buf_free(&signers);
	json_decref(rec);
	json_decref(annotations);
	json_decref(same);
	return error;
}

typedef struct {
	char *line; /* the cache line; NULL until derived, or when skipped */
	const char *id;
	int owned; /* line is a copy of its own (else in the cache file's text, cut there) */
} entry;

/* A fan-out folder of the walk: its entries are list[at, at + count); clean when each is a claim
 * folder (nothing skipped), so that its lines can carry a fan line. */
typedef struct {
	git_oid tree;
	char name[8];
	size_t at, count;
	int clean;
	int from_cache; /* its lines came from the cache's fan line */
} fanrec;

/* A fan line of the cache: the fan-out tree, its name, and its claims' lines (count, from
 * first on). */
typedef struct {
	git_oid tree;
	const char *name;
	size_t namelen;
	const char *first;
	size_t count;
} fanline;

/* A claim folder the cache does not know: derived after the walk, on every core. */
typedef struct {
	size_t at;    /* its place in the list */
	char *id;     /* the folder's name */
	char *fandir; /* the folder it is in, for a skip report */
	git_oid tree;
	char *skip; /* why it was left out (a folder with no readable revision), or NULL */
	int error;  /* another failure: the code, and its message in message */
	char *message;
} miss;

/* Claims a thread takes from the shared counter at a time: a few, so that a thread the machine
 * gives less time to (or one still opening its repository) holds back no more than these. */
#define DERIVE_CHUNK 8

typedef struct {
	ct_store *store;
	const ct_keyring *ring;
	miss *misses;
	entry *list;
	atomic_size_t *next; /* the next miss no thread has taken, shared by every share */
	size_t count;
	int own; /* open a repository handle of its own (every share but the calling thread's) */
} derive_share;

/* Derives one miss into its list entry; setup: the thread's failure to open its repository. */
static void derive_one(const derive_share *sh, ct_store *use, ct_buf *line, miss *m, int setup)
{
	int error = setup;

	ct_buf_clear(line);
	if (error == 0)
		error = derive(line, use, sh->ring, m->id, &m->tree);
	if (error == CT_EINVALID) {
		m->skip = strdup(ct_error_last()); /* NULL: told without a reason */
		ct_error_clear();
	} else if (error < 0) {
		m->error = error;
		m->message = strdup(ct_error_last());
	} else if (!(sh->list[m->at].line = malloc(line->len))) {
		m->error = CT_ENOMEM;
	} else {
		memcpy(sh->list[m->at].line, line->ptr, line->len - 1); /* less its newline */
		sh->list[m->at].line[line->len - 1] = '\0';
	}
}

/* Derives the misses it takes, DERIVE_CHUNK at a time from the shared counter, each into its list
 * entry (so the list's order does not depend on which thread derived what), through a
 * repository handle and a snapshot tree of its own when own is set (libgit2 objects are not
 * shared between threads); the keyring is shared (read-only, or published with atomics:
 * keyring.c). */
static void *derive_some(void *arg)
{
	derive_share *sh = arg;
	ct_store mine = *sh->store;
	ct_store *use = sh->own ? &mine : sh->store; /* the calling thread's: the store itself */
	ct_buf line = CT_BUF_INIT;
	size_t i, first, end;
	int setup = 0;

	mine.fans = NULL; /* a cache of its own (ct__store_bypath) */
	if (sh->own) {
		mine.repo = NULL;
		mine.tree = NULL;
		if (git_repository_open(&mine.repo, git_repository_path(sh->store->repo)) < 0 ||
			(sh->store->tree &&
				git_tree_lookup(
					&mine.tree, mine.repo, git_tree_id(sh->store->tree)) < 0))
			setup = ct__git_error(CT_EIO, "opening the repository on a thread");
	}
	while ((first = atomic_fetch_add(sh->next, DERIVE_CHUNK)) < sh->count) {
		end = sh->count - first < DERIVE_CHUNK ? sh->count : first + DERIVE_CHUNK;
		for (i = first; i < end; i++)
			derive_one(sh, use, &line, &sh->misses[i], setup);
	}
	ct_buf_free(&line);
	ct__fan_cache_free(mine.fans);
	if (sh->own) {
		git_tree_free(mine.tree);
		git_repository_free(mine.repo);
	}
	return NULL;
}

/* Below this many claims to derive, the calling thread derives them alone. */
#define DERIVE_PARALLEL_MIN 64
#define DERIVE_THREADS_MAX 8

static void derive_all(
	ct_store *store, const ct_keyring *ring, miss *misses, size_t count, entry *list)
{
	derive_share shares[DERIVE_THREADS_MAX];
	atomic_size_t next = 0;
	size_t t = count < DERIVE_PARALLEL_MIN ? 1 : ct__parallel_threads(0, DERIVE_THREADS_MAX);
	size_t k;

	for (k = 0; k < t; k++)
		shares[k] = (derive_share){store, ring, misses, list, &next, count, k > 0};
	ct__parallel(shares, sizeof(shares[0]), t, derive_some);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->id, ((const entry *)b)->id);
}

static int push_entry(entry **list, size_t *n, size_t *cap, const char *line, size_t len)
{
	char *copy;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		entry *l = realloc(*list, ncap * sizeof(*l));
		if (!l)
			return ct__oom();
		*list = l;
		*cap = ncap;
	}
	if (!line) { /* a claim to derive: filled in later */
		(*list)[*n].line = NULL;
		(*list)[*n].id = NULL;
		(*list)[*n].owned = 1;
		(*n)++;
		return 0;
	}
	if (!(copy = malloc(len + 1)))
		return ct__oom();
	memcpy(copy, line, len);
	copy[len] = '\0';
	(*list)[*n].line = copy;
	(*list)[*n].id = NULL;
	(*list)[*n].owned = 1;
	(*n)++;
	return 0;
}

/* A line of the cache file's text to the list: cut where it is (its newline made its end) and
 * not copied, or copied when it was cut already (a tree two folders share). */
static int take_line(entry **list, size_t *n, size_t *cap, char *line)
{
	size_t len = strcspn(line, "\n");
	int error;

	if (line[len] != '\n')
		return push_entry(list, n, cap, line, len);
	if ((error = push_entry(list, n, cap, NULL, 0)) < 0)
		return error;
	line[len] = '\0';
	(*list)[*n - 1].line = line;
	(*list)[*n - 1].owned = 0;
	return 0;
}

/* Tells skipped (when given) about the entry name under the folder dir. */
static void report_skip(ct_claim_skipped_fn skipped, void *payload, ct_buf *scratch,
	const char *dir, const char *name, const char *why)
{
	if (!skipped)
		return;
	ct_buf_clear(scratch);
	if (ct_buf_printf(scratch, "%s/%s", dir, name) == 0)
		skipped(scratch->ptr, why, payload);
}

/* The claims' lines of the fan line at fan (in the cache, which ends at end) when it names the
 * fan-out folder name and is followed by as many claim lines as it says: their number, the first
 * in *first; else (size_t)-1. */
static size_t fan_lines(const char **first, const char *fan, const char *end, const char *name)
{
	const char *p = fan + GIT_OID_HEXSZ + 1, *nl = memchr(p, '\n', (size_t)(end - p)), *q;
	size_t len = strlen(name), count = 0, i;
	git_oid oid;

	if (!nl || (size_t)(nl - p) <= len + 1 || memcmp(p, name, len) != 0 || p[len] != ' ')
		return (size_t)-1;
	for (q = p + len + 1; q < nl; q++) {
		if (*q < '0' || *q > '9' || count > SUMMARY_MAX)
			return (size_t)-1;
		count = count * 10 + (size_t)(*q - '0');
	}
	*first = q = nl + 1;
	for (i = 0; i < count; i++) {
		if (end - q <= GIT_OID_HEXSZ || q[GIT_OID_HEXSZ] != '\t' ||
			git_oid_fromstrn(&oid, q, GIT_OID_HEXSZ) < 0 ||
			!(nl = memchr(q, '\n', (size_t)(end - q))) ||
			memchr(q, '\0', (size_t)(nl - q))) /* taken already (a crafted cache) */
			return (size_t)-1;
		q = nl + 1;
	}
	return count;
}

/* The claim lines of the cache's text from p to end by tree id (a line cut already, taken for
 * the list, ends at its NUL). */
static int claim_table(table *t, const char *p, const char *end)
{
	int error;

	if ((error = table_init(t, (size_t)(p && end > p ? end - p : 0) / 64 + 16)) < 0)
		return error;
	while (p && p < end) {
		size_t len = strcspn(p, "\n");
		git_oid oid;
		if (len > GIT_OID_HEXSZ && p[GIT_OID_HEXSZ] == '\t' &&
			git_oid_fromstrn(&oid, p, GIT_OID_HEXSZ) == 0)
			table_put(t, &oid, p);
		p += len + 1;
	}
	return 0;
}

/* The line of the n claim lines from first on whose tree id is oid, or NULL. */
static const char *local_line(const char *first, size_t n, const git_oid *oid)
{
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;

	git_oid_tostr(hex, sizeof(hex), oid);
	for (i = 0; i < n; i++, first += strcspn(first, "\n") + 1)
		if (memcmp(first, hex, GIT_OID_HEXSZ) == 0)
			return first;
	return NULL;
}

int ct_store_list_claims(ct_store *store, ct_claim_summary_fn fn, void *payload)
{
	return ct_store_list_claims_report(store, fn, payload, NULL, NULL);
}

/* The listing; fn NULL: only brings the cache up to date. memo: signatures already seen
 * verifying (a bulk import's), or NULL. */
static int list_claims(ct_store *store, ct_claim_summary_fn fn, void *payload,
	ct_claim_skipped_fn skipped, void *skipped_payload, const ct__sigmemo *memo)
{
	ct_buf where = CT_BUF_INIT, fandir = CT_BUF_INIT;
	ct_buf path = CT_BUF_INIT, cache = CT_BUF_INIT, out = CT_BUF_INIT;
	ct_buf dir = CT_BUF_INIT, header = CT_BUF_INIT;
	ct_keyring *ring = NULL;
	git_tree *keys = NULL;
	char keyhex[GIT_OID_HEXSZ + 1] = "none";
	table t = {NULL, 0}, ft = {NULL, 0};
	const char **fanl_list = NULL, *local = NULL;
	size_t nfanl = 0, fanlcap = 0, nlocal = 0;
	fanrec *fans = NULL;
	size_t nfans = 0, fcap = 0, walked_clean = 0, kept;
	entry *list = NULL;
	miss *mv = NULL;
	size_t n = 0, cap = 0, misses = 0, mcap = 0, cached = 0, i, j;
	git_tree *top = NULL;
	char *p;
	int error = 0;

	if ((error = ct_buf_printf(&dir, "%sclaimtrail", git_repository_path(store->repo))) < 0 ||
		(error = ct_buf_printf(&path, "%s/summaries", dir.ptr)) < 0 ||
		(error = ct_buf_printf(&out, "%s/key", store->root)) < 0 ||
		(error = ct_store_keyring(&ring, store)) < 0)
		goto done;
	ct__keyring_set_memo(ring, memo);
	if (ct__subtree(&keys, store, store->tree, out.ptr))
		git_oid_tostr(keyhex, sizeof(keyhex), git_tree_id(keys));
	ct_buf_clear(&out);
	/* A revoked or expired key's signatures count where a checkpoint vouches for them, and a
	 * key expires with time: the checkpoints' tree and the number of keys not live now are
	 * part of what the cache was made with (docs/keys.md). */
	{
		git_tree *cps = NULL;
		char cphex[GIT_OID_HEXSZ + 1] = "none", until[CT_TIMESTAMP_LEN + 1];
		size_t dead = 0, k;
		if ((error = ct_buf_printf(&out, "%s/checkpoint", store->root)) < 0)
			goto done;
		if (ct__subtree(&cps, store, store->tree, out.ptr))
			git_oid_tostr(cphex, sizeof(cphex), git_tree_id(cps));
		git_tree_free(cps);
		ct_buf_clear(&out);
		for (k = 0; k < ct_keyring_count(ring); k++)
			dead += ct_keyring_key_state(ring,
					json_string_value(
						json_object_get(ct_keyring_get(ring, k), "key_id")),
					until) != CT_KEY_LIVE;
		if ((error = ct_buf_printf(
			     &header, "%s%s %s %zu\n", SUMMARY_HEADER, keyhex, cphex, dead)) < 0)
			goto done;
	}
	if (ct_file_read(&cache, path.ptr, SUMMARY_MAX) < 0 || cache.len < header.len ||
		memcmp(cache.ptr, header.ptr, header.len) != 0)
		ct_buf_clear(&cache);
	ct_error_clear();
	/* the fan lines, by tree id and in a list; the claim lines counted (their table by tree
	 * id is made only when a fan-out tree read has no fan line by its name) */
	if ((error = table_init(&ft, cache.len / 64 + 16)) < 0) /* as many slots as lines */
		goto done;
	for (p = cache.ptr ? cache.ptr + header.len : NULL; p && p < cache.ptr + cache.len;) {
		char *nl = memchr(p, '\n', (size_t)(cache.ptr + cache.len - p));
		git_oid oid;
		if (!nl)
			break;
		if (nl - p > GIT_OID_HEXSZ && p[GIT_OID_HEXSZ] == '\t')
			cached++;
		else if (nl - p > GIT_OID_HEXSZ && p[GIT_OID_HEXSZ] == ' ' &&
			git_oid_fromstrn(&oid, p, GIT_OID_HEXSZ) == 0) {
			table_put(&ft, &oid, p); /* a fan line */
			if (nfanl == fanlcap) {
				size_t ncap = fanlcap ? fanlcap * 2 : 256;
				const char **grown = realloc(fanl_list, ncap * sizeof(*grown));
				if (!grown) {
					error = ct__oom();
					goto done;
				}
				fanl_list = grown;
				fanlcap = ncap;
			}
			fanl_list[nfanl++] = p;
		}
		p = nl + 1;
	}

	/* Walk claim/<fan>/<id>: one tree read per fan folder. */
	if ((error = ct_buf_printf(&out, "%s/claim", store->root)) < 0)
		goto done;
	ct__subtree(&top, store, store->tree, out.ptr);
	for (i = 0; top && i < git_tree_entrycount(top); i++) {
		const git_tree_entry *fe = git_tree_entry_byindex(top, i);
		const char *fanl, *first = NULL;
		size_t count = (size_t)-1;
		git_tree *fan = NULL;
		fanrec *fr;
		if (nfans == fcap) {
			size_t ncap = fcap ? fcap * 2 : 256;
			fanrec *grown = realloc(fans, ncap * sizeof(*grown));
			if (!grown) {
				error = ct__oom();
				goto done;
			}
			fans = grown;
			fcap = ncap;
		}
		fr = &fans[nfans];
		memset(fr, 0, sizeof(*fr));
		fr->tree = *git_tree_entry_id(fe);
		fr->at = n;
		fr->clean = strlen(git_tree_entry_name(fe)) < sizeof(fr->name) &&
			!strpbrk(git_tree_entry_name(fe), " \t\n");
		if (fr->clean)
			strcpy(fr->name, git_tree_entry_name(fe));
		/* a fan-out tree the cache has a fan line for: its lines, without reading it */
		if (git_tree_entry_type(fe) == GIT_OBJECT_TREE && fr->clean &&
			(fanl = table_get(&ft, git_tree_entry_id(fe))) != NULL)
			count = fan_lines(&first, fanl, cache.ptr + cache.len, fr->name);
		if (count != (size_t)-1) {
			for (j = 0; j < count && error == 0; j++) {
				char *line = (char *)first; /* in cache, ours */
				first += strcspn(first, "\n") + 1;
				error = take_line(&list, &n, &cap, line);
			}
			if (error < 0)
				goto done;
			fr->count = count;
			fr->from_cache = 1;
			nfans++;
			continue;
		}
		if (git_tree_entry_type(fe) != GIT_OBJECT_TREE ||
			git_tree_lookup(&fan, store->repo, git_tree_entry_id(fe)) < 0) {
			report_skip(skipped, skipped_payload, &where, out.ptr,
				git_tree_entry_name(fe), "not a folder of claim folders");
			continue;
		}
		ct_buf_clear(&fandir);
		if ((error = ct_buf_printf(&fandir, "%s/%s", out.ptr, git_tree_entry_name(fe))) <
			0) {
			git_tree_free(fan);
			goto done;
		}
		/* its claims' lines: those after the fan line of its name (the tree changed, most of
		 * its claims did not), or, with none, any line by its tree id */
		nlocal = (size_t)-1;
		for (j = 0; j < nfanl && fr->clean && nlocal == (size_t)-1; j++)
			nlocal = fan_lines(&local, fanl_list[j], cache.ptr + cache.len, fr->name);
		if (nlocal == (size_t)-1 && !t.slots &&
			(error = claim_table(&t,
				 cache.len >= header.len ? cache.ptr + header.len : NULL,
				 cache.ptr + cache.len)) < 0) {
			git_tree_free(fan);
			goto done;
		}
		for (j = 0; j < git_tree_entrycount(fan); j++) {
			const git_tree_entry *ce = git_tree_entry_byindex(fan, j);
			const char *line;
			/* what is not a claim folder (a hand-made folder, a bad id) is left out, and
			 * told to skipped; check says what it is */
			if (git_tree_entry_type(ce) != GIT_OBJECT_TREE) {
				fr->clean = 0;
				report_skip(skipped, skipped_payload, &where, fandir.ptr,
					git_tree_entry_name(ce), "not a claim folder");
				continue;
			}
			if (ct_id_validate(git_tree_entry_name(ce), "claim") < 0) {
				ct_error_clear();
				fr->clean = 0;
				report_skip(skipped, skipped_payload, &where, fandir.ptr,
					git_tree_entry_name(ce), "not a claim id");
				continue;
			}
			line = nlocal != (size_t)-1
				? local_line(local, nlocal, git_tree_entry_id(ce))
				: table_get(&t, git_tree_entry_id(ce));
			if (!line) {
				miss *m;
				if (misses == mcap) {
					size_t ncap = mcap ? mcap * 2 : 256;
					miss *grown = realloc(mv, ncap * sizeof(*grown));
					if (!grown) {
						error = ct__oom();
						break;
					}
					mv = grown;
					mcap = ncap;
				}
				m = &mv[misses++];
				memset(m, 0, sizeof(*m));
				m->at = n;
				m->tree = *git_tree_entry_id(ce);
				m->id = strdup(git_tree_entry_name(ce));
				m->fandir = strdup(fandir.ptr);
				if (!m->id || !m->fandir) {
					error = ct__oom();
					break;
				}
				error = push_entry(&list, &n, &cap, NULL, 0);
			} else
				error = take_line(&list, &n, &cap, (char *)line); /* in cache */
			if (error < 0)
				break;
		}
		git_tree_free(fan);
		if (error < 0)
			goto done;
		fr->count = n - fr->at;
		nfans++;
	}

	/* Derive what the cache did not know, on every core; then, in the walk's order, tell
	 * skipped about the folders with no readable revision (check says why): they are
	 * dropped, and their fan-out folder gets no fan line. */
	kept = n;
	if (misses > 0) {
		derive_all(store, ring, mv, misses, list);
		for (i = 0; i < misses; i++) {
			if (mv[i].error) {
				error = mv[i].message
					? ct_error_set(mv[i].error, "%s", mv[i].message)
					: ct__oom();
				goto done;
			}
			if (!list[mv[i].at].line) {
				report_skip(skipped, skipped_payload, &where, mv[i].fandir,
					mv[i].id, mv[i].skip ? mv[i].skip : "no readable revision");
				kept--;
			}
		}
	}
	for (i = 0; i < nfans; i++) {
		for (j = fans[i].at; fans[i].clean && j < fans[i].at + fans[i].count; j++)
			if (!list[j].line)
				fans[i].clean = 0;
		walked_clean += fans[i].clean && !fans[i].from_cache;
	}

	/* Rewrite the cache when anything changed (dropping entries of old trees), or a fan line
	 * it could have is not in it. */
	if (misses > 0 || cached != kept || walked_clean > 0) {
		char hex[GIT_OID_HEXSZ + 1];
		ct_buf_clear(&out);
		if ((error = ct_buf_reserve(&out, cache.len + 4096)) < 0 ||
			(error = ct_buf_puts(&out, header.ptr)) < 0)
			goto done;
		for (i = 0; i < nfans; i++) {
			if (fans[i].clean) {
				git_oid_tostr(hex, sizeof(hex), &fans[i].tree);
				if ((error = ct_buf_printf(&out, "%s %s %zu\n", hex, fans[i].name,
					     fans[i].count)) < 0)
					goto done;
			}
			for (j = fans[i].at; j < fans[i].at + fans[i].count; j++)
				if (list[j].line &&
					((error = ct_buf_puts(&out, list[j].line)) < 0 ||
						(error = ct_buf_putc(&out, '\n')) < 0))
					goto done;
		}
		if (mkdir(dir.ptr, 0755) == 0 || errno == EEXIST)
			ct_file_write_atomic(path.ptr, out.ptr, out.len, 0644);
		ct_error_clear(); /* a cache that cannot be written is only slower */
	}
	if (kept < n) {
		for (i = 0, j = 0; i < n; i++)
			if (list[i].line)
				list[j++] = list[i];
		n = j;
	}

	for (i = 0; i < n; i++) {
		row r;
		if (split(&r, list[i].line) < 0) {
			error = ct_error_set(
				CT_EIO, "%s: malformed line (delete the file)", path.ptr);
			goto done;
		}
		list[i].id = r.field[1];
	}
	if (n > 1) /* qsort must not be given a NULL list, even of none */
		qsort(list, n, sizeof(*list), by_id);
	for (i = 0; fn && i < n; i++) {
		ct_claim_summary s;
		char *f = list[i].line;
		const char *fields[SUMMARY_FIELDS];
		size_t k;
		/* fields were split in place above: walk the NUL-separated run */
		for (k = 0; k < SUMMARY_FIELDS; k++) {
			fields[k] = f;
			f += strlen(f) + 1;
		}
		unescape((char *)fields[7]);
		unescape((char *)fields[8]);
		s.id = fields[1];
		s.revision = strtoll(fields[2], NULL, 10);
		s.status = fields[3];
		s.source = fields[4];
		s.tags = fields[5];
		s.signers = fields[6];
		s.unverified = fields[7];
		s.statement = fields[8];
		if ((error = fn(&s, payload)) != 0)
			goto done;
	}
done:
	for (i = 0; i < n; i++)
		if (list[i].owned)
			free(list[i].line);
	free(list);
	for (i = 0; i < misses; i++) {
		free(mv[i].id);
		free(mv[i].fandir);
		free(mv[i].skip);
		free(mv[i].message);
	}
	free(mv);
	free(t.slots);
	free(ft.slots);
	free(fans);
	free(fanl_list);
	git_tree_free(top);
	git_tree_free(keys);
	ct_keyring_free(ring);
	ct_buf_free(&header);
	ct_buf_free(&where);
	ct_buf_free(&fandir);
	ct_buf_free(&dir);
	ct_buf_free(&path);
	ct_buf_free(&cache);
	ct_buf_free(&out);
	return error;
}

int ct_store_list_claims_report(ct_store *store, ct_claim_summary_fn fn, void *payload,
	ct_claim_skipped_fn skipped, void *skipped_payload)
{
	return list_claims(store, fn, payload, skipped, skipped_payload, NULL);
}

int ct__summaries_prime(ct_store *store, const ct__sigmemo *memo)
{
	return list_claims(store, NULL, NULL, NULL, NULL, memo);
}
