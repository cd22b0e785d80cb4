/*
 * claimtrail publish: the store's claims as a static web site (docs/publish.md). Every page is
 * made in memory and written only when its bytes differ from the file already there; a claim's
 * page is not even made again when nothing it shows can have changed (the fingerprint of its
 * claim folder, its cited source, the store's keys and the options, kept in the site's
 * manifest). The site is plain files with relative links, so it reads the same from file:// and
 * from a web server, and it loads nothing from elsewhere.
 */
#define _GNU_SOURCE /* nftw, syncfs */
#include "claimtrail/bundle.h"
#include "claimtrail/diff.h"
#include "claimtrail/publish.h"
#include "claimtrail/record.h"
#include "claimtrail/status.h"
#include "claimtrail/store.h"
#include "claimtrail/workflow.h"
#include "publish_internal.h"
#include "bundle_internal.h"
#include "fileio.h"
#include "parallel.h"
#include "sha256.h"
#include "store_internal.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when the pages change for the same store, so that a publish rebuilds them all. */
#define PUBLISH_GENERATION "claimtrail-publish-5 " CT_VERSION
#define MANIFEST ".claimtrail-publish.json"
#define MANIFEST_FORMAT "claimtrail-publish-manifest"
#define MANIFEST_LINES MANIFEST_FORMAT " 3\n"
#define MANIFEST_LINES_2 MANIFEST_FORMAT " 2\n"
#define DEFAULT_TITLE "Fact checks"

/* Claim pages are made on every core, PAGE_CHUNK claims at a time (bounding the pages held in
 * memory), then written in order. */
#define PAGE_THREADS_MAX 8
#define PAGE_CHUNK 512

/* A page being written: appends stop at the first failure, which is returned at the end. */
typedef struct {
	ct_buf buf;
	int error;
} html;

static void put(html *h, const char *s)
{
	if (h->error == 0)
		h->error = ct_buf_puts(&h->buf, s);
}

static void esc(html *h, const char *s)
{
	if (h->error == 0)
		h->error = ct__html_put(&h->buf, s);
}

static void link_to(html *h, const char *url, const char *text)
{
	if (h->error == 0)
		h->error = ct__html_link(&h->buf, url, text);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
putf(html *h, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	int n;

	if (h->error)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(small))
		h->error = ct_error_set(CT_EINVALID, "publish: a line of markup is too long");
	else
		h->error = ct_buf_puts(&h->buf, small);
}

/* What the site's other files use of a claim's index row: its strings, unescaped, in one block
 * (lists: strings one after the other, each ended by a NUL). Made from the row as parsed, or
 * straight from its text in the manifest (row_scan) without building it. */
typedef struct {
	char *mem;
	const char *statement, *status, *verdict, *source, *source_title; /* NULL: none */
	const char *tags, *keys, *evidence;
	size_t ntags, nkeys, nevidence;
	int bundle;
} rowview;

/* A part of the last manifest (its files, claims or sources): key -> value, both NUL-terminated
 * strings in the manifest's own text (or in its JSON document, earlier versions), in the
 * manifest's order, found by a hash of the key. A manifest of 10,000 claims made 30,000 JSON
 * values and copied every row: a third of an incremental publish. */
typedef struct {
	const char *key;
	const char *val; /* NULL: not a string (an earlier version's JSON) */
	size_t vlen;
	int current; /* a claim's: published now too (incremental) */
} mline;

typedef struct {
	mline *v;
	size_t n, cap;
	size_t *slot; /* index + 1 into v; 0 empty */
	size_t mask;
} mtable;

/* One claim to publish: what the listing says of it, and whether its page is made again. */
typedef struct {
	char *id;
	char *status;
	char *source;
	char *tags; /* comma-separated */
	int rebuild;
	ct_buf page;	/* its page, made ahead (pages_ahead) */
	int page_error; /* what making it returned */
	char *page_why; /* and the error's message (owned) */
	json_t *row;	/* its entry in the index (owned; NULL for a page kept: view and row_text
			 * are what is used of it) */
	rowview view;
	char *row_text;	  /* the same, compact with sorted keys, as index.json and the manifest
			   hold it (NULL until needed) */
	int row_borrowed; /* row_text is the last manifest's text (not owned) */
} pclaim;

typedef struct {
	ct_store *store;
	const ct_publish_opts *opts;
	const char *dir;
	ct_publish_report *report;
	ct_publish_file_fn fn;
	void *payload;
	ct_keyring *ring;
	ct_buf base; /* base_url without a trailing slash */
	const char *title;
	pclaim *claims;
	size_t n, cap;
	mtable old_claims;     /* the last manifest's claims: id -> the text of its row */
	mtable old_files;      /* the last manifest's files: path -> what lstat said ("" unknown) */
	ct_buf manifest_text;  /* the last manifest's text, which the tables point into */
	json_t *manifest_json; /* the last manifest's document (earlier versions), the same */
	const char *old_bundle_fp;
	const char *old_options, *old_tree; /* the last manifest's "options" and "tree" */
	int manifest_version;		    /* of the last manifest: 0 none, 1 JSON, 2, 3 */
	json_t *files; /* what this publish makes: path -> true, or what lstat said of it */
	/* how this publish decides which pages to make: incremental (the last publish's tree
	 * diffed against the store's) or full, and why (report->full) */
	int incremental;
	json_t *changed_claims;	 /* incremental: the claims whose folder changed: id -> true */
	json_t *changed_sources; /* incremental: the sources whose folder changed: id -> true */
	size_t *by_source;	 /* the claims' indexes ordered by source, then as listed */
	/* the stores of the threads that make pages, each with a repository of its own; the
	 * first thread is the calling one, with the site's own store */
	ct_store workers[PAGE_THREADS_MAX];
	size_t nworkers;
	char options[5 * (CT_SHA256_HEX_LEN + 1)]; /* what the options make of the pages */
	char tree[GIT_OID_HEXSZ + 1];		   /* the store folder's tree id, "" none */
	char commit[GIT_OID_HEXSZ + 1];		   /* the branch's commit id, "" none */
	const char *skip_key;	    /* ct_publish_bundle's own key: not part of the site */
	const char *offered_bundle; /* ct_publish_bundle without a signer: the bundle given */
	json_t *source_keys;	    /* the keys whose signatures on the source pages verified */
	mtable old_sources;  /* the last manifest's source pages: id -> "KEY KEY..." (their keys) */
	json_t *sources_now; /* this publish's source pages: id -> "KEY KEY..." */
	json_t *verified;    /* ct_store_verify_record's answers, by kind, id and revision */
	json_t *checked;     /* claims whose every record was verified in this run: id -> true */
	FILE *spills[3];     /* the bundles' temporary files, made once (NULLs: per bundle) */
} site;

static void hex32(char *out, const uint8_t d[32])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

/* ---- files ---- */

static int make_dirs(const char *path)
{
	char *p = strdup(path), *s;
	int error = 0;

	if (!p)
		return ct__oom();
	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			error = ct_error_set(CT_EIO, "%s: %s", p, strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (error == 0) {
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			error = ct_error_set(CT_EINVALID, "%s is not a folder", path);
	}
	free(p);
	return error;
}

/* 1 when the file at path holds exactly data (compared a block at a time: the index files are
 * megabytes, and a copy of each was a tenth of an incremental publish). */
static int same_bytes(const char *path, const void *data, size_t len)
{
	struct stat st;
	char block[65536];
	const char *want = data;
	size_t at = 0;
	ssize_t n;
	int fd, same = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
		same = 1;
		while (same && at < len) {
			n = read(fd, block, len - at < sizeof(block) ? len - at : sizeof(block));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || memcmp(block, want + at, (size_t)n) != 0)
				same = 0;
			else
				at += (size_t)n;
		}
		/* and nothing after it (the file grew since fstat) */
		if (same && read(fd, block, 1) != 0)
			same = 0;
	}
	close(fd);
	return same;
}

static void note(site *s, const char *rel, const char *action)
{
	if (s->fn)
		s->fn(rel, action, s->payload);
}

/* Marks rel as part of the site. */
static int keep(site *s, const char *rel)
{
	return json_object_set_new(s->files, rel, json_true()) < 0 ? ct__oom() : 0;
}

/* Writes data to rel under the site's folder unless it holds it already (a temporary file
 * renamed into place: a reader sees the old page or the new one). */
static int write_file(site *s, const char *rel, const void *data, size_t len)
{
	ct_buf path = CT_BUF_INIT, tmp = CT_BUF_INIT;
	int fd = -1, error;

	if ((error = keep(s, rel)) < 0 || (error = ct_buf_printf(&path, "%s/%s", s->dir, rel)) < 0)
		goto done;
	if (same_bytes(path.ptr, data, len)) {
		s->report->unchanged++;
		goto done;
	}
	/* a new file: written where it goes (no reader follows a link to it before the index
	 * that names it is written; a publish killed half way makes it again next time) */
	fd = open(path.ptr, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		error = ct__write_all(fd, data, len, path.ptr);
		if (close(fd) < 0 && error == 0)
			error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
		fd = -1;
		if (error < 0) {
			unlink(path.ptr);
			goto done;
		}
		goto written;
	}
	if (errno != EEXIST) {
		error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
		goto done;
	}
	if ((error = ct_buf_printf(&tmp, "%s.tmp-XXXXXX", path.ptr)) < 0)
		goto done;
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
		goto done;
	}
	if (fchmod(fd, 0644) < 0 || (error = ct__write_all(fd, data, len, path.ptr)) < 0 ||
		close(fd) < 0 || rename(tmp.ptr, path.ptr) < 0) {
		if (error == 0)
			error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
		unlink(tmp.ptr);
		goto done;
	}
	fd = -1;
written:
	s->report->written++;
	note(s, rel, "written");
done:
	ct_buf_free(&tmp);
	ct_buf_free(&path);
	return error;
}

/* A file name the manifest may name: ours, never outside the site's folder. */
/* Appends the strings up to the NULL, one after the other: what a "%s%s..." printf would, without
 * formatting (a per-claim line of the manifest; printf was a tenth of an incremental publish). */
static int put_strs(ct_buf *out, ...)
{
	va_list ap;
	const char *p;
	int error = 0;

	va_start(ap, out);
	while (error == 0 && (p = va_arg(ap, const char *)) != NULL)
		error = ct_buf_puts(out, p);
	va_end(ap);
	return error;
}

static int safe_rel(const char *rel)
{
	const char *p;

	if (!*rel || *rel == '/' || *rel == '.' || strstr(rel, "..") || strstr(rel, "//"))
		return 0;
	for (p = rel; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
			    *p == '.' || *p == '/'))
			return 0;
	return 1;
}

/* ---- selecting the claims ---- */

static int has_tag(const char *tags, const char *tag)
{
	size_t n = strlen(tag);
	const char *p = tags;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, tag, n) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int selected(const site *s, const ct_claim_summary *sum)
{
	const ct_publish_opts *o = s->opts;
	size_t i;

	switch (o->select) {
	case CT_BUNDLE_ALL: return 1;
	case CT_BUNDLE_TAG: return has_tag(sum->tags, o->tag);
	case CT_BUNDLE_STATUS: return strcmp(sum->status, o->status) == 0;
	case CT_BUNDLE_IDS:
		for (i = 0; i < o->nids; i++)
			if (strcmp(o->ids[i], sum->id) == 0)
				return 1;
		return 0;
	}
	return 0;
}

static int collect(const ct_claim_summary *sum, void *payload)
{
	site *s = payload;
	pclaim *c;

	if (!selected(s, sum))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		pclaim *more = realloc(s->claims, cap * sizeof(*more));
		if (!more)
			return ct__oom();
		s->claims = more;
		s->cap = cap;
	}
	c = &s->claims[s->n];
	memset(c, 0, sizeof(*c));
	s->n++;
	if (!(c->id = strdup(sum->id)) || !(c->status = strdup(sum->status)) ||
		!(c->source = strdup(sum->source ? sum->source : "")) ||
		!(c->tags = strdup(sum->tags ? sum->tags : "")))
		return ct__oom();
	return 0;
}

/* The next string of a list (l: where it is, moved past it). */
static const char *next_str(const char **l)
{
	const char *str = *l;
	*l += strlen(str) + 1;
	return str;
}

enum {
	V_STATEMENT,
	V_STATUS,
	V_VERDICT,
	V_SOURCE,
	V_SOURCE_TITLE,
	V_TAGS,
	V_KEYS,
	V_EVIDENCE,
	V_BUNDLE,
	V_N
};
static const char *const view_names[V_N] = {"statement", "status", "verdict", "source",
	"source_title", "tags", "keys", "evidence", "bundle"};

static int view_member(const char *key, size_t len)
{
	int m;
	for (m = 0; m < V_N; m++)
		if (strlen(view_names[m]) == len && memcmp(view_names[m], key, len) == 0)
			return m;
	return -1;
}

/* The block being filled: offsets into mem until view_finish makes them pointers. */
typedef struct {
	ct_buf mem;
	size_t at[V_N]; /* SIZE_MAX: none */
	size_t count[V_N];
	int bundle;
} viewfill;

static void view_start(viewfill *f)
{
	size_t m;
	memset(f, 0, sizeof(*f));
	for (m = 0; m < V_N; m++)
		f->at[m] = SIZE_MAX;
}

static int view_finish(rowview *v, viewfill *f)
{
	const char **str[V_N] = {&v->statement, &v->status, &v->verdict, &v->source,
		&v->source_title, &v->tags, &v->keys, &v->evidence, NULL};
	size_t m;
	int error;

	if ((error = ct_buf_put(&f->mem, "", 1)) < 0) { /* never empty: mem is not NULL */
		ct_buf_free(&f->mem);
		return error;
	}
	free(v->mem);
	memset(v, 0, sizeof(*v));
	v->mem = ct_buf_detach(&f->mem);
	for (m = 0; m < V_BUNDLE; m++)
		*str[m] = f->at[m] == SIZE_MAX ? NULL : v->mem + f->at[m];
	if (!v->tags)
		v->tags = v->mem + strlen(v->mem); /* an empty list: at the final NUL */
	if (!v->keys)
		v->keys = v->tags;
	if (!v->evidence)
		v->evidence = v->tags;
	v->ntags = f->count[V_TAGS];
	v->nkeys = f->count[V_KEYS];
	v->nevidence = f->count[V_EVIDENCE];
	v->bundle = f->bundle;
	return 0;
}

static int view_put(viewfill *f, int m, const char *str, size_t len)
{
	int error;
	if (f->at[m] == SIZE_MAX)
		f->at[m] = f->mem.len;
	f->count[m]++;
	if ((error = ct_buf_put(&f->mem, str, len)) == 0)
		error = ct_buf_put(&f->mem, "", 1);
	return error;
}

/* The view of a row as parsed (members not of the expected type are left out). */
static int view_from_json(rowview *v, const json_t *row)
{
	viewfill f;
	const json_t *x;
	size_t i;
	int m, error = 0;

	view_start(&f);
	for (m = 0; m < V_N && error == 0; m++) {
		const json_t *value = json_object_get(row, view_names[m]);
		if (m == V_BUNDLE)
			f.bundle = json_is_true(value);
		else if (m >= V_TAGS) {
			json_array_foreach (value, i, x)
				if (error == 0 && json_is_string(x))
					error = view_put(
						&f, m, json_string_value(x), json_string_length(x));
		} else if (json_is_string(value))
			error = view_put(
				&f, m, json_string_value(value), json_string_length(value));
	}
	if (error < 0) {
		ct_buf_free(&f.mem);
		return error;
	}
	return view_finish(v, &f);
}

/* A JSON string at *p (after its opening quote) up to its closing quote, unescaped into out
 * when out is not NULL; *p moved past it. 0, or -1 when it is not one row_scan takes (an
 * escape \uXXXX, a control character, the end of the text). */
static int scan_string(const char **p, const char *end, viewfill *out, int m)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *q = *p, *run = q, *e;
	int error;

	if (out && out->at[m] == SIZE_MAX) /* a list's first string, or the string */
		out->at[m] = out->mem.len;
	for (;; q++) {
		if (q >= end || (unsigned char)*q < 0x20)
			return -1;
		if (*q != '"' && *q != '\\')
			continue;
		if (out && q > run && (error = ct_buf_put(&out->mem, run, (size_t)(q - run))) < 0)
			return error;
		if (*q == '"')
			break;
		if (q + 1 >= end || !(e = memchr(from, q[1], sizeof(from) - 1)))
			return -1; /* \uXXXX: left to jansson */
		if (out && (error = ct_buf_put(&out->mem, &to[e - from], 1)) < 0)
			return error;
		q++;
		run = q + 1;
	}
	if (out) {
		out->count[m]++;
		if ((error = ct_buf_put(&out->mem, "", 1)) < 0)
			return error;
	}
	*p = q + 1;
	return 0;
}

/*
 * The view of an index row straight from its text (a manifest's), without building it: only
 * the shape the rows have (one object of strings, null, true, false, whole numbers and arrays
 * of strings; each member once; valid UTF-8; nothing after it), else -1 and the row is left to
 * jansson. What passes is JSON, so what is spliced into index.js is JSON too.
 */
static int row_scan(rowview *v, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	viewfill f;
	unsigned seen = 0;
	int error = -1;

	view_start(&f);
	if (ct__utf8_check(text, len, "a row") < 0) {
		ct_error_clear();
		return -1;
	}
	if (p >= end || *p++ != '{')
		goto done;
	if (p < end && *p == '}') {
		p++;
		goto close;
	}
	for (;;) {
		const char *key;
		int m;
		if (p >= end || *p++ != '"')
			goto done;
		key = p;
		if (scan_string(&p, end, NULL, 0) < 0 || memchr(key, '\\', (size_t)(p - 1 - key)))
			goto done;
		m = view_member(key, (size_t)(p - 1 - key));
		if (m >= 0) {
			if (seen & (1u << m))
				goto done; /* twice */
			seen |= 1u << m;
		}
		if (p >= end || *p++ != ':' || p >= end)
			goto done;
		if (*p == '"') {
			p++;
			if (m >= V_TAGS ||
				(error = scan_string(&p, end, m >= 0 ? &f : NULL, m)) != 0)
				goto done;
			error = -1;
		} else if (*p == '[') {
			p++;
			if (m >= 0 && m < V_TAGS)
				goto done;
			if (p < end && *p == ']')
				p++;
			else
				for (;;) {
					if (p >= end || *p++ != '"' ||
						(error = scan_string(
							 &p, end, m >= 0 ? &f : NULL, m)) != 0)
						goto done;
					error = -1;
					if (p < end && *p == ',') {
						p++;
						continue;
					}
					if (p < end && *p == ']') {
						p++;
						break;
					}
					goto done;
				}
		} else if ((size_t)(end - p) >= 4 && memcmp(p, "null", 4) == 0) {
			if (m >= V_TAGS)
				goto done;
			p += 4;
		} else if ((size_t)(end - p) >= 4 && memcmp(p, "true", 4) == 0) {
			if (m >= 0 && m != V_BUNDLE)
				goto done;
			if (m == V_BUNDLE)
				f.bundle = 1;
			p += 4;
		} else if ((size_t)(end - p) >= 5 && memcmp(p, "false", 5) == 0) {
			if (m >= 0 && m != V_BUNDLE)
				goto done;
			p += 5;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			if (m >= 0)
				goto done;
			if (*p == '-')
				p++;
			if (p >= end || *p < '0' || *p > '9' ||
				(*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9'))
				goto done;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
		} else
			goto done;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}') {
			p++;
			break;
		}
		goto done;
	}
close:
	if (p != end)
		goto done;
	error = view_finish(v, &f);
	return error;
done:
	ct_buf_free(&f.mem);
	return error < -1 ? error : -1;
}

/* ---- pieces of pages ---- */

static const char style_css[] =
	"/* claimtrail publish: one style sheet, no web fonts, no external resources */\n"
	":root { color-scheme: light; --fg: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8;\n"
	"  --link: #0b4f9c; --ok: #1d6b2f; --bad: #a4161a; --warn: #7a4d00; }\n"
	"* { box-sizing: border-box; }\n"
	"body { margin: 0 auto; max-width: 60rem; padding: 1rem; color: var(--fg);\n"
	"  background: #fff; font: 1rem/1.5 system-ui, -apple-system, \"Segoe UI\", sans-serif; }\n"
	"a { color: var(--link); }\n"
	"a:focus, input:focus, select:focus { outline: 3px solid #f5b800; outline-offset: 2px; }\n"
	"header.site { border-bottom: 1px solid var(--line); margin-bottom: 1rem; }\n"
	"footer { border-top: 1px solid var(--line); margin-top: 2rem; color: var(--muted); }\n"
	"h1 { font-size: 1.6rem; line-height: 1.25; }\n"
	"h2 { font-size: 1.25rem; margin-top: 2rem; }\n"
	"h3 { font-size: 1.05rem; }\n"
	"dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }\n"
	"dl.facts dt { font-weight: 600; }\n"
	"dl.facts dd { margin: 0; }\n"
	".status { font-weight: 700; }\n"
	".status-supported { color: var(--ok); }\n"
	".status-refuted, .status-unverified { color: var(--bad); }\n"
	".status-disputed, .status-mixed, .status-misleading, .status-needs-review { color: "
	"var(--warn); }\n"
	".bad { color: var(--bad); font-weight: 700; }\n"
	".ok { color: var(--ok); }\n"
	"blockquote { margin: 0; padding: .5rem 1rem; border-left: 4px solid var(--line); }\n"
	"mark { background: #fff1a8; color: inherit; }\n"
	"del { background: #fde2e2; color: #7a0d10; }\n"
	"ins { background: #dcf5e0; color: #0f4d1c; text-decoration: underline; }\n"
	"code, pre { font-family: ui-monospace, \"DejaVu Sans Mono\", monospace; font-size: .9rem; "
	"}\n"
	"pre { overflow-x: auto; background: #f4f4f4; padding: .5rem; }\n"
	"code { overflow-wrap: anywhere; }\n"
	"table { border-collapse: collapse; width: 100%; }\n"
	"th, td { text-align: left; vertical-align: top; padding: .4rem; border-bottom: 1px solid "
	"var(--line); }\n"
	"form#filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; "
	"margin: 1rem 0; }\n"
	"form#filters[hidden] { display: none; }\n"
	"form#filters label { display: flex; flex-direction: column; font-weight: 600; }\n"
	"input, select { font: inherit; padding: .3rem; border: 1px solid #767676; "
	"border-radius: 3px; }\n"
	"ol.revisions > li, ol.annotations > li { margin-bottom: 1rem; }\n"
	"@media (max-width: 40rem) {\n"
	"  table, thead, tbody, tr, th, td { display: block; }\n"
	"  thead { position: absolute; left: -9999px; }\n"
	"  tr { border-bottom: 2px solid var(--line); padding: .5rem 0; }\n"
	"  td { border: 0; padding: .1rem 0; }\n"
	"  dl.facts { grid-template-columns: 1fr; }\n"
	"}\n"
	"@media print {\n"
	"  form#filters, #count { display: none; }\n"
	"  body { max-width: none; font-size: 11pt; }\n"
	"  a { color: inherit; }\n"
	"  main a[href^=\"http\"]::after { content: \" (\" attr(href) \")\"; font-size: 90%; }\n"
	"  tr[hidden] { display: table-row; }\n"
	"}\n";

/* The search box and filters of index.html, over the index in index.js (the same document as
 * index.json, loaded by a script element so that it works from file:// too). */
static const char search_js[] =
	"/* claimtrail publish: the index page's search box and filters (no external code). */\n"
	"(function () {\n"
	"  'use strict';\n"
	"  var data = window.claimtrailIndex;\n"
	"  var form = document.getElementById('filters');\n"
	"  var count = document.getElementById('count');\n"
	"  if (!data || !form || !count) return;\n"
	"  function words(text) {\n"
	"    return String(text || '').toLowerCase().normalize('NFKD')\n"
	"      .replace(/[\\u0300-\\u036f]/g, '').split(/[^\\p{L}\\p{N}]+/u)\n"
	"      .filter(function (w) { return w.length > 0; });\n"
	"  }\n"
	"  var claims = data.claims.map(function (c) {\n"
	"    var text = [c.id, c.statement, c.quote].concat(c.notes || []).join(' ');\n"
	"    return { c: c, words: words(text), row: document.getElementById('claim-' + c.id) };\n"
	"  });\n"
	"  var q = document.getElementById('q');\n"
	"  var status = document.getElementById('status');\n"
	"  var tag = document.getElementById('tag');\n"
	"  var source = document.getElementById('source');\n"
	"  function apply() {\n"
	"    var want = words(q.value), shown = 0;\n"
	"    claims.forEach(function (e) {\n"
	"      var c = e.c;\n"
	"      var ok = (!status.value || c.status === status.value) &&\n"
	"        (!tag.value || (c.tags || []).indexOf(tag.value) >= 0) &&\n"
	"        (!source.value || c.source === source.value) &&\n"
	"        want.every(function (w) {\n"
	"          return e.words.some(function (h) { return h.indexOf(w) === 0; });\n"
	"        });\n"
	"      if (e.row) e.row.hidden = !ok;\n"
	"      if (ok) shown++;\n"
	"    });\n"
	"    count.textContent = shown + ' of ' + claims.length + ' claims shown';\n"
	"  }\n"
	"  var params = new URLSearchParams(window.location.search);\n"
	"  [q, status, tag, source].forEach(function (el) {\n"
	"    if (params.has(el.name)) el.value = params.get(el.name);\n"
	"    el.addEventListener('input', apply);\n"
	"    el.addEventListener('change', apply);\n"
	"  });\n"
	"  form.addEventListener('submit', function (ev) { ev.preventDefault(); apply(); });\n"
	"  form.hidden = false;\n"
	"  apply();\n"
	"})();\n";

/* up: "" on index.html, "../" one folder down. */
static void page_head(html *h, const site *s, const char *up, const char *title,
	const char *canonical, const json_t *jsonld)
{
	put(h,
		"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<meta name=\"generator\" content=\"claimtrail " CT_VERSION "\">\n"
		"<link rel=\"icon\" href=\"data:,\">\n<title>");
	esc(h, title);
	if (strcmp(title, s->title) != 0) {
		put(h, " - ");
		esc(h, s->title);
	}
	put(h, "</title>\n<link rel=\"stylesheet\" href=\"");
	put(h, up);
	put(h, "style.css\">\n");
	if (canonical) {
		put(h, "<link rel=\"canonical\" href=\"");
		esc(h, canonical);
		put(h, "\">\n");
	}
	if (jsonld && h->error == 0) {
		put(h, "<script type=\"application/ld+json\">\n");
		if (h->error == 0)
			h->error = ct__html_json(&h->buf, jsonld, JSON_INDENT(2));
		put(h, "\n</script>\n");
	}
	put(h, "</head>\n<body>\n<header class=\"site\"><p><a href=\"");
	put(h, up);
	put(h, "index.html\">");
	esc(h, s->title);
	put(h, "</a></p></header>\n<main>\n");
}

static void page_foot(html *h, const char *up)
{
	put(h,
		"</main>\n<footer><p>Published with claimtrail " CT_VERSION
		". Every record on this site is signed: <a href=\"");
	put(h, up);
	put(h, "index.html#verify\">verify it yourself</a>.</p></footer>\n</body>\n</html>\n");
}

/* "Name (Org), key <code>id</code>" from the store's key record, else the key id alone. */
static void signer_name(html *h, const site *s, const char *key_id)
{
	const json_t *key = key_id ? ct_keyring_find(s->ring, key_id) : NULL;
	const char *name = json_string_value(json_object_get(key, "name"));
	const char *org = json_string_value(json_object_get(key, "org"));

	if (name) {
		esc(h, name);
		if (org) {
			put(h, " (");
			esc(h, org);
			put(h, ")");
		}
		put(h, ", key ");
	} else {
		put(h, "key ");
	}
	put(h, "<code>");
	esc(h, key_id ? key_id : "(none named)");
	put(h, "</code>");
}

/* Whether the one signature sig of record verifies against the store's keys. */
static const char *signature_state(int *ok, const site *s, const json_t *record, const json_t *sig)
{
	json_t *one = json_deep_copy(record), *sigs = json_array();
	ct_verify_report rep;
	const char *key_id = json_string_value(json_object_get(sig, "key_id"));
	const char *state = "does not verify";
	int error;

	*ok = 0;
	if (!one || !sigs || json_array_append(sigs, (json_t *)sig) < 0 ||
		json_object_set(one, "signatures", sigs) < 0) {
		state = "could not be checked";
		goto done;
	}
	error = ct_record_verify(&rep, one, s->ring, 1);
	ct_error_clear();
	if (error == 0 && rep.revoked == 0) {
		*ok = 1;
		state = "verified";
	} else if (error == 0 || (rep.revoked > 0 && rep.bad == 0)) {
		state = "verifies, but the key is revoked";
	} else if (rep.expired > 0 && rep.bad == 0) {
		state = "verifies, but the key has expired";
	} else if (!key_id || !ct_keyring_find(s->ring, key_id)) {
		state = "not checked: no valid key record in the store";
	}
done:
	json_decref(sigs);
	json_decref(one);
	return state;
}

/* The record's verification and each of its signatures, as checked now. */
/* ct_store_verify_record, once per record of a publish: a page shows a record's state where
 * it derives the status too. */
static int verify_record(ct_verification *out, const site *s, const json_t *record)
{
	ct_buf key = CT_BUF_INIT;
	const json_t *have;
	int error;

	if ((error = ct_buf_printf(&key, "%s %s %lld",
		     json_string_value(json_object_get(record, "type")), ct_record_id(record),
		     (long long)json_integer_value(json_object_get(record, "revision")))) < 0)
		return error;
	if ((have = json_object_get(s->verified, key.ptr))) {
		out->state = (ct_record_state)json_integer_value(json_array_get(have, 0));
		snprintf(out->reason, sizeof(out->reason), "%s",
			json_string_value(json_array_get(have, 1)));
		goto done;
	}
	/* as ct_store_verify_record, with the keyring read once */
	if ((error = ct__verify_record(out, s->store, s->ring, record)) < 0)
		goto done;
	if (json_object_set_new(
		    s->verified, key.ptr, json_pack("[i, s]", (int)out->state, out->reason)) < 0)
		error = ct__oom();
done:
	ct_buf_free(&key);
	return error;
}

/* Appends key_id to the array of strings set unless it holds it. */
static int add_unique(json_t *set, const char *key_id)
{
	const json_t *k;
	size_t i;

	json_array_foreach (set, i, k)
		if (strcmp(json_string_value(k), key_id) == 0)
			return 0;
	return json_array_append_new(set, json_string(key_id)) < 0 ? ct__oom() : 0;
}

/* signers and keys (either may be NULL) receive the keys whose signature on record verified;
 * *unverified (may be NULL) counts the records that do not verify. */
static int signatures(html *h, const site *s, const json_t *record, json_t *signers, json_t *keys,
	size_t *unverified)
{
	ct_verification v;
	const json_t *sig;
	char until[CT_TIMESTAMP_LEN + 1];
	size_t i;
	int error;

	if ((error = verify_record(&v, s, record)) < 0)
		return error;
	if (v.state == CT_RECORD_VERIFIED)
		put(h, "<p class=\"ok\">Verified when published.</p>\n");
	else {
		if (unverified)
			(*unverified)++;
		put(h, "<p class=\"bad\">NOT VERIFIED when published (");
		esc(h, ct_record_state_name(v.state));
		put(h, "): ");
		esc(h, v.reason);
		put(h, "</p>\n");
	}
	put(h, "<ul class=\"signatures\">\n");
	json_array_foreach (json_object_get(record, "signatures"), i, sig) {
		const char *key_id = json_string_value(json_object_get(sig, "key_id"));
		int ok = 1;
		const char *state = "verified";
		/* a record that verifies has every signature verify against the key it names */
		if (v.state != CT_RECORD_VERIFIED)
			state = signature_state(&ok, s, record, sig);
		else if (key_id && ct_keyring_revoked(s->ring, key_id)) {
			ok = 0;
			state = "verifies, but the key is revoked";
		} else if (key_id &&
			ct_keyring_key_state(s->ring, key_id, until) == CT_KEY_EXPIRED) {
			ok = 0;
			state = "verifies, but the key has expired";
		}
		put(h, "<li>Signed by ");
		signer_name(h, s, key_id);
		put(h, ok ? ": <span class=\"ok\">" : ": <span class=\"bad\">");
		esc(h, state);
		put(h, "</span></li>\n");
		if (ok && key_id && v.state == CT_RECORD_VERIFIED &&
			((signers && (error = add_unique(signers, key_id)) < 0) ||
				(keys && (error = add_unique(keys, key_id)) < 0)))
			return error;
	}
	if (json_array_size(json_object_get(record, "signatures")) == 0)
		put(h, "<li class=\"bad\">No signature.</li>\n");
	put(h, "</ul>\n");
	return 0;
}

/* A JSON value as a reader would say it: strings as they are, arrays of strings joined. */
static void value_text(html *h, const json_t *v)
{
	if (!v || json_is_null(v)) {
		put(h, "<em>(none)</em>");
	} else if (json_is_string(v)) {
		esc(h, json_string_value(v));
	} else if (json_is_array(v) && json_array_size(v) == 0) {
		put(h, "<em>(none)</em>");
	} else {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!text) {
			if (h->error == 0)
				h->error = ct__oom();
			return;
		}
		esc(h, text);
		free(text);
	}
}

/* The changes of one revision diff: word diffs marked with del and ins, the rest old -> new. */
static void diff_html(html *h, const json_t *diff)
{
	const json_t *change, *hunk;
	size_t i, j;

	put(h, "<ul class=\"changes\">\n");
	json_array_foreach (json_object_get(diff, "changes"), i, change) {
		const json_t *hunks = json_object_get(change, "words");
		put(h, "<li><code>");
		esc(h, json_string_value(json_object_get(change, "field")));
		put(h, "</code>: ");
		if (hunks) {
			json_array_foreach (hunks, j, hunk) {
				const char *op = json_string_value(json_object_get(hunk, "op"));
				const char *text = json_string_value(json_object_get(hunk, "text"));
				const char *tag = op && strcmp(op, "delete") == 0 ? "del"
					: op && strcmp(op, "insert") == 0	  ? "ins"
										  : NULL;
				if (tag)
					putf(h, "<%s>", tag);
				esc(h, text);
				if (tag)
					putf(h, "</%s>", tag);
			}
		} else {
			put(h, "<del>");
			value_text(h, json_object_get(change, "old"));
			put(h, "</del> &rarr; <ins>");
			value_text(h, json_object_get(change, "new"));
			put(h, "</ins>");
		}
		put(h, "</li>\n");
	}
	if (json_array_size(json_object_get(diff, "changes")) == 0)
		put(h, "<li>No change but the revision's own members.</li>\n");
	put(h, "</ul>\n");
}

static void source_link(html *h, const char *up, const char *id, const char *text)
{
	put(h, "<a href=\"");
	put(h, up);
	put(h, "source/");
	esc(h, id);
	put(h, ".html\">");
	esc(h, text ? text : id);
	put(h, "</a>");
}

/* The annotations of a claim, oldest first, each with what it says and its signatures. */
static int annotations_html(html *h, const site *s, const json_t *annotations, const json_t *revs,
	json_t *keys, size_t *unverified)
{
	const json_t *a, *e;
	size_t i, j, k;
	int error;

	put(h,
		"<section aria-labelledby=\"annotations\">\n<h2 id=\"annotations\">Annotations, "
		"disputes and resolutions</h2>\n");
	if (json_array_size(annotations) == 0) {
		put(h, "<p>None.</p>\n</section>\n");
		return 0;
	}
	put(h, "<ol class=\"annotations\">\n");
	json_array_foreach (annotations, i, a) {
		const char *kind = json_string_value(json_object_get(a, "kind"));
		const char *judged = json_string_value(json_object_get(a, "claim_revision"));
		const json_t *d = json_object_get(a, "dispute");
		size_t judged_rev = 0;

		json_array_foreach (revs, k, e) {
			char digest[CT_DIGEST_LEN + 1];
			if (judged && ct_record_digest(digest, e) == 0 &&
				strcmp(digest, judged) == 0)
				judged_rev = k + 1;
			ct_error_clear();
		}
		put(h, "<li id=\"");
		esc(h, ct_record_id(a));
		put(h, "\"><h3>");
		esc(h, kind);
		if (strcmp(kind, "verdict") == 0) {
			const ct_verdict *v =
				ct_verdict_find(json_string_value(json_object_get(a, "verdict")));
			put(h, ": ");
			esc(h, v ? v->alternate : json_string_value(json_object_get(a, "verdict")));
		}
		put(h, "</h3>\n<p>");
		esc(h, json_string_value(json_object_get(a, "created")));
		if (judged_rev)
			putf(h, ", on revision %zu", judged_rev);
		else
			put(h, ", on a revision that is not in the store");
		put(h, ".</p>\n");
		if (d) {
			put(h, "<p>Disputed by ");
			esc(h, json_string_value(json_object_get(d, "by")));
			put(h, ": ");
			esc(h, json_string_value(json_object_get(d, "reason")));
			if (json_object_get(d, "source")) {
				put(h, " (source: ");
				source_link(h, "../",
					json_string_value(json_object_get(d, "source")), NULL);
				put(h, ")");
			}
			put(h, "</p>\n");
		}
		if (json_object_get(a, "resolves")) {
			put(h, "<p>Resolves <a href=\"#");
			esc(h, json_string_value(json_object_get(a, "resolves")));
			put(h, "\">");
			esc(h, json_string_value(json_object_get(a, "resolves")));
			put(h, "</a>: ");
			esc(h, json_string_value(json_object_get(a, "outcome")));
			put(h, "</p>\n");
		}
		if (json_object_get(a, "note")) {
			put(h, "<p>");
			esc(h, json_string_value(json_object_get(a, "note")));
			put(h, "</p>\n");
		}
		if (json_array_size(json_object_get(a, "evidence"))) {
			put(h, "<p>Evidence: ");
			json_array_foreach (json_object_get(a, "evidence"), j, e) {
				if (j)
					put(h, ", ");
				source_link(h, "../", json_string_value(e), NULL);
			}
			put(h, "</p>\n");
		}
		if ((error = signatures(h, s, a, NULL, keys, unverified)) < 0)
			return error;
		put(h, "</li>\n");
	}
	put(h, "</ol>\n</section>\n");
	return 0;
}

/* The claim's status as `show` derives it, from the annotations that verify. */
static int claim_status(const char **status, ct_buf *why, const json_t **verdict, json_t **counted,
	json_t **same, const site *s, const json_t *latest, const json_t *annotations)
{
	ct_verification v;
	const json_t *a;
	size_t i;
	int error;

	*verdict = NULL;
	if ((error = verify_record(&v, s, latest)) < 0)
		return error;
	if (v.state != CT_RECORD_VERIFIED) {
		*status = "unverified";
		return ct_buf_printf(why, "revision %lld does not verify: %s",
			(long long)json_integer_value(json_object_get(latest, "revision")),
			v.reason);
	}
	if (!(*counted = json_array()))
		return ct__oom();
	json_array_foreach (annotations, i, a) {
		if ((error = verify_record(&v, s, a)) < 0)
			return error;
		if (v.state == CT_RECORD_VERIFIED &&
			json_array_append((json_t *)*counted, (json_t *)a) < 0)
			return ct__oom();
	}
	if ((error = ct_store_claim_same(same, s->store, latest)) < 0 ||
		(error = ct_claim_status_same(status, why, latest, *counted, *same)) < 0)
		return error;
	return ct_claim_current_verdict_same(verdict, NULL, latest, *counted, *same);
}

static int claim_page(html *h, json_t **row_out, site *s, pclaim *c)
{
	json_t *revs = NULL, *annotations = NULL, *counted = NULL, *same = NULL, *source = NULL;
	json_t *review = NULL, *row = NULL, *notes = NULL, *signers = NULL, *tags = NULL;
	json_t *diff = NULL, *evidence = NULL, *pagekeys = NULL;
	const json_t *latest, *attr, *sel, *verdict = NULL, *r, *a;
	const ct_verdict *scale = NULL;
	const char *status = NULL, *quote;
	ct_buf why = CT_BUF_INIT, url = CT_BUF_INIT;
	size_t i, n, unverified = 0;
	int error;

	*row_out = NULL;
	if ((error = ct_store_revisions(&revs, s->store, CT_KIND_CLAIM, c->id)) < 0 ||
		(error = ct_store_annotations(&annotations, s->store, c->id)) < 0)
		goto done;
	n = json_array_size(revs);
	latest = json_array_get(revs, n - 1);
	attr = json_object_get(latest, "attribution");
	sel = json_object_get(attr, "selector");
	quote = json_string_value(json_object_get(attr, "quote"));
	if ((error = claim_status(
		     &status, &why, &verdict, &counted, &same, s, latest, annotations)) < 0)
		goto done;
	if (verdict)
		scale = ct_verdict_find(json_string_value(json_object_get(verdict, "verdict")));
	if (ct_store_get(&source, s->store, CT_KIND_SOURCE, c->source, 0) < 0)
		ct_error_clear(); /* shown as missing below */
	if ((error = ct_buf_printf(&url, "%s/claim/%s.html", s->base.ptr, c->id)) < 0)
		goto done;
	if (verdict) {
		error = ct_claim_review(&review, s->store, c->id, url.ptr);
		if (error == CT_ENOTFOUND || error == CT_EBADSIG || error == CT_EINVALID) {
			ct_error_clear(); /* no review stands: the page says why */
			error = 0;
		} else if (error < 0) {
			goto done;
		}
	}
	if (!(signers = json_array()) || !(notes = json_array()) || !(tags = json_array()) ||
		!(evidence = json_array()) || !(pagekeys = json_array())) {
		error = ct__oom();
		goto done;
	}

	page_head(h, s, "../", json_string_value(json_object_get(latest, "statement")), url.ptr,
		review);
	put(h, "<article>\n<h1>");
	esc(h, json_string_value(json_object_get(latest, "statement")));
	put(h, "</h1>\n<dl class=\"facts\">\n<dt>Status</dt><dd><span class=\"status status-");
	esc(h, status);
	put(h, "\">");
	esc(h, status);
	put(h, "</span>: ");
	esc(h, why.ptr);
	put(h, "</dd>\n<dt>Verdict</dt><dd>");
	if (scale) {
		put(h, "<strong>");
		esc(h, scale->alternate);
		put(h, "</strong>");
		if (scale->rating > 0)
			putf(h, " (rated %d on a scale from %d, false, to %d, true)", scale->rating,
				CT_RATING_WORST, CT_RATING_BEST);
		else
			put(h, " (off the true-false scale)");
		if (json_object_get(verdict, "note")) {
			put(h, ": ");
			esc(h, json_string_value(json_object_get(verdict, "note")));
		}
	} else {
		put(h, "No verdict stands on the current revision.");
	}
	put(h, "</dd>\n<dt>Claim id</dt><dd><code>");
	esc(h, c->id);
	putf(h, "</code>, revision %zu</dd>\n", n);
	if (json_array_size(json_object_get(latest, "tags"))) {
		put(h, "<dt>Tags</dt><dd>");
		json_array_foreach (json_object_get(latest, "tags"), i, r) {
			if (i)
				put(h, ", ");
			esc(h, json_string_value(r));
			if (json_array_append(tags, (json_t *)r) < 0)
				error = ct__oom();
		}
		put(h, "</dd>\n");
	}
	if (json_object_get(latest, "quantity")) {
		const json_t *q = json_object_get(latest, "quantity");
		put(h, "<dt>Quantity</dt><dd>");
		if (json_object_get(q, "qualifier")) {
			esc(h, json_string_value(json_object_get(q, "qualifier")));
			put(h, " ");
		}
		esc(h, json_string_value(json_object_get(q, "amount")));
		if (json_object_get(q, "unit")) {
			put(h, " ");
			esc(h, json_string_value(json_object_get(q, "unit")));
		}
		if (json_object_get(q, "text")) {
			put(h, " (&ldquo;");
			esc(h, json_string_value(json_object_get(q, "text")));
			put(h, "&rdquo;)");
		}
		put(h, "</dd>\n");
	}
	put(h, "</dl>\n");

	put(h, "<section aria-labelledby=\"source\">\n<h2 id=\"source\">Attributed to</h2>\n<p>");
	source_link(h, "../", c->source,
		source ? json_string_value(json_object_get(source, "title")) : NULL);
	if (source) {
		put(h, ", ");
		esc(h, json_string_value(json_object_get(source, "publisher")));
		if (json_object_get(source, "published")) {
			put(h, ", ");
			esc(h, json_string_value(json_object_get(source, "published")));
		}
		if (json_object_get(source, "url")) {
			put(h, ". Original: ");
			link_to(h, json_string_value(json_object_get(source, "url")), NULL);
		}
	} else {
		put(h, " (<span class=\"bad\">the source is not in the store</span>)");
	}
	put(h, "</p>\n");
	if (quote) {
		put(h, "<figure>\n<blockquote><p>");
		if (sel) {
			put(h, "&hellip;");
			esc(h, json_string_value(json_object_get(sel, "prefix")));
			put(h, "<mark>");
			esc(h, json_string_value(json_object_get(sel, "exact")));
			put(h, "</mark>");
			esc(h, json_string_value(json_object_get(sel, "suffix")));
			put(h, "&hellip;");
		} else {
			put(h, "&ldquo;");
			esc(h, quote);
			put(h, "&rdquo;");
		}
		put(h, "</p></blockquote>\n<figcaption>");
		if (sel)
			putf(h,
				"The quote (marked) in its context: characters %lld to %lld of the "
				"source's text",
				(long long)json_integer_value(json_object_get(sel, "start")),
				(long long)json_integer_value(json_object_get(sel, "end")));
		else
			put(h, "The quote, not anchored: the source's text was not given");
		if (json_object_get(attr, "location")) {
			put(h, "; location: ");
			esc(h, json_string_value(json_object_get(attr, "location")));
		}
		put(h, ".</figcaption>\n</figure>\n");
	}
	put(h, "</section>\n");

	put(h,
		"<section aria-labelledby=\"revisions\">\n<h2 id=\"revisions\">Revisions</h2>\n"
		"<ol class=\"revisions\" reversed>\n");
	for (i = n; i > 0 && h->error == 0; i--) {
		r = json_array_get(revs, i - 1);
		putf(h, "<li id=\"r%zu\"><h3>Revision %zu", i, i);
		if (json_is_true(json_object_get(r, "retracted")))
			put(h, ": retraction");
		put(h, "</h3>\n<p>");
		esc(h, json_string_value(json_object_get(r, "created")));
		if (json_object_get(r, "reason")) {
			put(h, ". Why: ");
			esc(h, json_string_value(json_object_get(r, "reason")));
		}
		put(h, "</p>\n");
		if (i > 1) {
			if ((error = ct_record_diff(&diff, json_array_get(revs, i - 2), r)) < 0)
				goto done;
			diff_html(h, diff);
			json_decref(diff);
			diff = NULL;
		}
		if ((error = signatures(h, s, r, i == n ? signers : NULL, pagekeys, &unverified)) <
			0)
			goto done;
		put(h, "</li>\n");
	}
	put(h, "</ol>\n</section>\n");
	if ((error = annotations_html(h, s, annotations, revs, pagekeys, &unverified)) < 0)
		goto done;

	put(h, "<section aria-labelledby=\"verify\">\n<h2 id=\"verify\">Verify it yourself</h2>\n");
	if (s->opts->signer && unverified) {
		put(h,
			"<p class=\"bad\">No bundle of this claim is offered: some of its records do not "
			"verify (above), and a bundle never carries a record that does not verify.</p>\n");
	} else if (s->opts->signer) {
		put(h, "<p><a href=\"../bundle/");
		esc(h, c->id);
		put(h,
			".bundle\" download>Download the signed bundle of this claim</a> (every "
			"revision, annotation, the sources it cites and the signers' keys) and check it "
			"with the signers' public keys from keys/ (<a href=\"../index.html#verify\">listed on the index</a>):</p>\n"
			"<pre><code>claimtrail verify ");
		esc(h, c->id);
		put(h, ".bundle --trust keys/</code></pre>\n");
	} else if (s->offered_bundle) {
		put(h,
			"<p>This claim is in <a href=\"../claims.bundle\" download>the signed bundle "
			"this site was made from</a>; check it with the signers' public keys from "
			"keys/ (<a href=\"../index.html#verify\">listed on the index</a>):</p>\n<pre><code>claimtrail verify "
			"claims.bundle --trust keys/</code></pre>\n");
	} else {
		put(h, "<p>No bundle was published with this site.</p>\n");
	}
	put(h, "</section>\n</article>\n");
	page_foot(h, "../");
	if (h->error) {
		error = h->error;
		goto done;
	}

	json_array_foreach (annotations, i, a) {
		const json_t *d = json_object_get(a, "dispute");
		const json_t *e;
		size_t j;
		json_array_foreach (json_object_get(a, "evidence"), j, e)
			if (json_array_append(evidence, (json_t *)e) < 0)
				error = ct__oom();
		if (json_object_get(d, "source") &&
			json_array_append(evidence, json_object_get(d, "source")) < 0)
			error = ct__oom();
		if (json_object_get(a, "note") &&
			json_array_append(notes, json_object_get(a, "note")) < 0)
			error = ct__oom();
		if (d && json_array_append(notes, json_object_get(d, "reason")) < 0)
			error = ct__oom();
	}
	row = json_pack(
		"{s:s, s:s, s:s, s:s?, s:o?, s:s, s:s?, s:O, s:s?, s:O, s:O, s:O, s:O, s:b, s:s, s:s}",
		"id", c->id, "statement", json_string_value(json_object_get(latest, "statement")),
		"status", status, "verdict", scale ? scale->alternate : NULL, "rating",
		scale && scale->rating > 0 ? json_integer(scale->rating) : NULL, "source",
		c->source, "source_title",
		source ? json_string_value(json_object_get(source, "title")) : NULL, "tags", tags,
		"quote", quote, "notes", notes, "signers", signers, "evidence", evidence, "keys",
		pagekeys, "bundle", unverified == 0, "updated",
		json_string_value(json_object_get(latest, "created")), "page", "");
	if (!row || error < 0) {
		error = error < 0 ? error : ct__oom();
		goto done;
	}
	{
		ct_buf page = CT_BUF_INIT;
		if ((error = ct_buf_printf(&page, "claim/%s.html", c->id)) == 0)
			error = json_object_set_new(row, "page", json_string(page.ptr)) < 0
				? ct__oom()
				: 0;
		ct_buf_free(&page);
		if (error < 0)
			goto done;
	}
	*row_out = row;
	row = NULL;
done:
	json_decref(diff);
	json_decref(evidence);
	json_decref(pagekeys);
	json_decref(row);
	json_decref(tags);
	json_decref(signers);
	json_decref(notes);
	json_decref(review);
	json_decref(source);
	json_decref(same);
	json_decref(counted);
	json_decref(annotations);
	json_decref(revs);
	ct_buf_free(&url);
	ct_buf_free(&why);
	return error;
}

static int cmp_json_str(const void *a, const void *b)
{
	return strcmp(
		json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* *array (of strings) sorted into a new array (qsort: a site has as many sources as claims, an
 * insertion sort of them was quadratic). */
static int sort_strings(json_t **array)
{
	size_t n = json_array_size(*array), j;
	json_t **tmp = calloc(n ? n : 1, sizeof(*tmp)), *sorted = json_array();

	if (!tmp || !sorted) {
		free(tmp);
		json_decref(sorted);
		return ct__oom();
	}
	for (j = 0; j < n; j++)
		tmp[j] = json_array_get(*array, j);
	qsort(tmp, n, sizeof(*tmp), cmp_json_str);
	for (j = 0; j < n; j++)
		if (json_array_append(sorted, tmp[j]) < 0) {
			free(tmp);
			json_decref(sorted);
			return ct__oom();
		}
	free(tmp);
	json_decref(*array);
	*array = sorted;
	return 0;
}

/* The claims attributed to source id: *first, the index into s->by_source of the first, and
 * their number (by_source: the claims' indexes ordered by source, then as listed). */
static size_t source_claims(const site *s, const char *id, size_t *first)
{
	size_t lo = 0, hi = s->n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->claims[s->by_source[mid]].source, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (end = lo; end < s->n && strcmp(s->claims[s->by_source[end]].source, id) == 0; end++)
		;
	return end - lo;
}

/* ---- source pages ---- */

static int source_page(html *h, site *s, const char *id)
{
	json_t *revs = NULL;
	const json_t *latest, *r, *x;
	size_t i, j, k, n, first, cited;
	int error;

	if ((error = ct_store_revisions(&revs, s->store, CT_KIND_SOURCE, id)) < 0)
		goto done;
	n = json_array_size(revs);
	/* the current revision as ct_store_get gives it: of concurrent revisions (docs/sync.md),
	 * the first of the highest number */
	latest = json_array_get(revs, n - 1);
	for (j = n; j > 1 &&
		json_integer_value(json_object_get(json_array_get(revs, j - 2), "revision")) ==
			json_integer_value(json_object_get(latest, "revision"));
		j--)
		latest = json_array_get(revs, j - 2);
	page_head(h, s, "../", json_string_value(json_object_get(latest, "title")), NULL, NULL);
	put(h, "<article>\n<h1>");
	esc(h, json_string_value(json_object_get(latest, "title")));
	put(h, "</h1>\n<dl class=\"facts\">\n<dt>Publisher</dt><dd>");
	esc(h, json_string_value(json_object_get(latest, "publisher")));
	put(h, "</dd>\n");
	if (json_array_size(json_object_get(latest, "authors"))) {
		put(h, "<dt>Authors</dt><dd>");
		json_array_foreach (json_object_get(latest, "authors"), i, x) {
			if (i)
				put(h, ", ");
			esc(h, json_string_value(x));
		}
		put(h, "</dd>\n");
	}
	if (json_object_get(latest, "kind")) {
		put(h, "<dt>Kind</dt><dd>");
		esc(h, json_string_value(json_object_get(latest, "kind")));
		put(h, "</dd>\n");
	}
	if (json_object_get(latest, "published")) {
		put(h, "<dt>Published</dt><dd>");
		esc(h, json_string_value(json_object_get(latest, "published")));
		put(h, "</dd>\n");
	}
	if (json_object_get(latest, "retrieved")) {
		put(h, "<dt>Retrieved</dt><dd>");
		esc(h, json_string_value(json_object_get(latest, "retrieved")));
		put(h, "</dd>\n");
	}
	if (json_object_get(latest, "url")) {
		put(h, "<dt>Address</dt><dd>");
		link_to(h, json_string_value(json_object_get(latest, "url")), NULL);
		put(h, "</dd>\n");
	}
	if (json_object_get(latest, "archive")) {
		put(h, "<dt>Text</dt><dd>SHA-256 <code>");
		esc(h,
			json_string_value(
				json_object_get(json_object_get(latest, "archive"), "sha256")));
		putf(h, "</code>, %lld bytes</dd>\n",
			(long long)json_integer_value(
				json_object_get(json_object_get(latest, "archive"), "length")));
	}
	put(h, "<dt>Source id</dt><dd><code>");
	esc(h, id);
	put(h, "</code></dd>\n</dl>\n");

	put(h,
		"<section aria-labelledby=\"claims\">\n<h2 id=\"claims\">Published claims "
		"attributed to it</h2>\n<ul>\n");
	cited = source_claims(s, id, &first);
	for (k = first; k < first + cited; k++) {
		const pclaim *c = &s->claims[s->by_source[k]];
		put(h, "<li><a href=\"../claim/");
		esc(h, c->id);
		put(h, ".html\">");
		esc(h, c->view.statement);
		put(h, "</a> (<span class=\"status status-");
		esc(h, c->status);
		put(h, "\">");
		esc(h, c->view.status);
		put(h, "</span>)</li>\n");
	}
	if (!cited)
		put(h, "<li>None: this source is cited as evidence or by a dispute.</li>\n");
	put(h, "</ul>\n</section>\n");

	put(h,
		"<section aria-labelledby=\"revisions\">\n<h2 id=\"revisions\">Revisions</h2>\n"
		"<ol class=\"revisions\" reversed>\n");
	for (j = n; j > 0 && h->error == 0; j--) {
		r = json_array_get(revs, j - 1);
		putf(h, "<li><h3>Revision %lld</h3>\n<p>",
			(long long)json_integer_value(json_object_get(r, "revision")));
		esc(h, json_string_value(json_object_get(r, "created")));
		if (json_object_get(r, "reason")) {
			put(h, ". Why: ");
			esc(h, json_string_value(json_object_get(r, "reason")));
		}
		put(h, "</p>\n");
		if ((error = signatures(h, s, r, NULL, s->source_keys, NULL)) < 0)
			goto done;
		put(h, "</li>\n");
	}
	put(h, "</ol>\n</section>\n</article>\n");
	page_foot(h, "../");
	error = h->error;
done:
	json_decref(revs);
	return error;
}

/* ---- the index ---- */

/* The distinct strings of member (a string or an array of strings) over the rows, sorted. */
static int distinct(json_t **out, const site *s, int member)
{
	json_t *seen = json_object(), *v;
	const char *key;
	size_t i, j;

	*out = NULL;
	if (!seen)
		return ct__oom();
	for (i = 0; i < s->n; i++) {
		const rowview *rv = &s->claims[i].view;
		const char *one = member == V_STATUS ? rv->status : rv->source, *l = rv->tags;
		if (member != V_TAGS && one)
			json_object_set_new(seen, one, json_true());
		for (j = 0; member == V_TAGS && j < rv->ntags; j++)
			json_object_set_new(seen, next_str(&l), json_true());
	}
	*out = json_array();
	json_object_foreach (seen, key, v)
		json_array_append_new(*out, json_string(key));
	json_decref(seen);
	if (!*out)
		return ct__oom();
	/* jansson keeps insertion order: sort by name */
	return sort_strings(out);
}

/* A filter's choices; for sources, each shown by its title (the value is its id). */
static void select_box(
	html *h, const site *s, const char *name, const char *label, const json_t *values)
{
	const json_t *v;
	size_t i, j;

	putf(h,
		"<label for=\"%s\">%s <select id=\"%s\" name=\"%s\">\n<option value=\"\">any"
		"</option>\n",
		name, label, name, name);
	json_array_foreach (values, i, v) {
		const char *shown = json_string_value(v);
		size_t first = 0,
		       n = strcmp(name, "source") == 0
			? source_claims(s, json_string_value(v), &first)
			: 0;
		for (j = first; j < first + n; j++)
			if (s->claims[s->by_source[j]].view.source_title) {
				shown = s->claims[s->by_source[j]].view.source_title;
				break;
			}
		put(h, "<option value=\"");
		esc(h, json_string_value(v));
		put(h, "\">");
		esc(h, shown);
		put(h, "</option>\n");
	}
	put(h, "</select></label>\n");
}

static void verify_section(html *h, const site *s, const json_t *keys)
{
	const json_t *k;
	size_t i, n;

	put(h, "<section aria-labelledby=\"verify\">\n<h2 id=\"verify\">Verify it yourself</h2>\n");
	if (s->opts->signer || s->offered_bundle) {
		put(h,
			"<p><a href=\"claims.bundle\" download>claims.bundle</a> holds every claim "
			"published here with all its revisions and annotations, the sources they cite "
			"and the signers' public keys, all signed");
		if (s->opts->signer)
			put(h, "; each claim's page also offers a bundle of that claim alone");
		for (i = 0, n = 0; i < s->n; i++)
			n += !s->claims[i].view.bundle;
		if (s->opts->signer && n)
			putf(h, ". %zu claim%s whose records do not all verify %s left out", n,
				n == 1 ? "" : "s", n == 1 ? "is" : "are");
		put(h,
			". Check it offline with claimtrail against the public keys below (or "
			"keys you got from the signers themselves):</p>\n"
			"<pre><code>claimtrail verify claims.bundle --trust keys/</code></pre>\n");
	} else {
		put(h, "<p>No bundle was published with this site.</p>\n");
	}
	put(h, "<p>The keys that signed what this site shows:</p>\n<ul>\n");
	json_array_foreach (keys, i, k) {
		const char *id = json_string_value(k);
		put(h, "<li>");
		signer_name(h, s, id);
		put(h, ": <a href=\"keys/");
		esc(h, id);
		put(h, ".json\">public key record</a></li>\n");
	}
	if (json_array_size(keys) == 0)
		put(h, "<li>None verified.</li>\n");
	put(h, "</ul>\n</section>\n");
}

static int index_page(html *h, site *s, const json_t *keys)
{
	json_t *statuses = NULL, *tags = NULL, *sources = NULL;
	size_t i, j;
	int error;

	if ((error = distinct(&statuses, s, V_STATUS)) < 0 ||
		(error = distinct(&tags, s, V_TAGS)) < 0 ||
		(error = distinct(&sources, s, V_SOURCE)) < 0)
		goto done;
	page_head(h, s, "", s->title, NULL, NULL);
	put(h, "<h1>");
	esc(h, s->title);
	put(h,
		"</h1>\n<form id=\"filters\" role=\"search\" hidden>\n<label for=\"q\">Search "
		"<input type=\"search\" id=\"q\" name=\"q\" placeholder=\"any word of a statement, "
		"quote or note\"></label>\n");
	select_box(h, s, "status", "Status", statuses);
	select_box(h, s, "tag", "Tag", tags);
	select_box(h, s, "source", "Source", sources);
	put(h, "</form>\n");
	putf(h, "<p id=\"count\" aria-live=\"polite\">%zu claim%s</p>\n", s->n,
		s->n == 1 ? "" : "s");
	put(h,
		"<table id=\"claims\">\n<caption>Published claims, their status and verdict"
		"</caption>\n<thead><tr><th scope=\"col\">Claim</th><th scope=\"col\">Status</th>"
		"<th scope=\"col\">Verdict</th><th scope=\"col\">Source</th><th scope=\"col\">Tags"
		"</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < s->n && h->error == 0; i++) {
		const rowview *rv = &s->claims[i].view;
		const char *l = rv->tags;
		put(h, "<tr id=\"claim-");
		esc(h, s->claims[i].id);
		put(h, "\"><td><a href=\"claim/");
		esc(h, s->claims[i].id);
		put(h, ".html\">");
		esc(h, rv->statement);
		put(h, "</a></td><td><span class=\"status status-");
		esc(h, rv->status);
		put(h, "\">");
		esc(h, rv->status);
		put(h, "</span></td><td>");
		esc(h, rv->verdict);
		put(h, "</td><td>");
		source_link(h, "", s->claims[i].source, rv->source_title);
		put(h, "</td><td>");
		for (j = 0; j < rv->ntags; j++) {
			if (j)
				put(h, ", ");
			esc(h, next_str(&l));
		}
		put(h, "</td></tr>\n");
	}
	put(h, "</tbody>\n</table>\n");
	verify_section(h, s, keys);
	put(h, "<script src=\"index.js\"></script>\n<script src=\"search.js\"></script>\n");
	page_foot(h, "");
	error = h->error;
done:
	json_decref(statuses);
	json_decref(tags);
	json_decref(sources);
	return error;
}

/* ---- putting it together ---- */

static int write_html(site *s, const char *rel, html *h)
{
	int error = h->error ? h->error : write_file(s, rel, h->buf.ptr, h->buf.len);
	ct_buf_clear(&h->buf);
	h->error = 0;
	return error;
}

/* index.json, and index.js holding the same document: the bytes json_dumps(JSON_COMPACT |
 * JSON_SORT_KEYS) gives for {"base_url", "claims": [rows], "format", "title", "version"}, made
 * by joining the rows' texts (kept from the manifest for the pages not made again) instead of
 * building and dumping the whole document. */
static int write_index_json(site *s)
{
	static const char js_before[] =
		"/* the same document as index.json, for pages read from file:// */\n"
		"window.claimtrailIndex = ";
	ct_buf b = CT_BUF_INIT;
	json_t *base = json_string(s->base.ptr), *title = json_string(s->title);
	char *base_text = json_dumps(base, JSON_ENCODE_ANY | JSON_COMPACT);
	char *title_text = json_dumps(title, JSON_ENCODE_ANY | JSON_COMPACT);
	size_t i, size = 0, end;
	int error;

	if (!base_text || !title_text) {
		error = ct__oom();
		goto done;
	}
	/* index.js is js_before, the document and ";\n"; index.json the document and "\n": one
	 * buffer of the right size holds both (the rows are megabytes: no copy of them) */
	for (i = 0; i < s->n; i++)
		size += strlen(s->claims[i].row_text) + 1;
	if ((error = ct_buf_reserve(
		     &b, sizeof(js_before) + size + strlen(base_text) + strlen(title_text) + 128)) <
			0 ||
		(error = put_strs(
			 &b, js_before, "{\"base_url\":", base_text, ",\"claims\":[", NULL)) < 0)
		goto done;
	for (i = 0; i < s->n && error == 0; i++) {
		if (i && (error = ct_buf_putc(&b, ',')) < 0)
			break;
		error = ct_buf_puts(&b, s->claims[i].row_text);
	}
	if (error == 0)
		error = put_strs(&b, "],\"format\":\"claimtrail-site\",\"title\":", title_text,
			",\"version\":1}\n", NULL);
	if (error < 0)
		goto done;
	end = b.len - 1; /* where the document ends */
	if ((error = write_file(s, "index.json", b.ptr + sizeof(js_before) - 1,
		     b.len - (sizeof(js_before) - 1))) < 0)
		goto done;
	ct_buf_truncate(&b, end);
	if ((error = ct_buf_puts(&b, ";\n")) == 0)
		error = write_file(s, "index.js", b.ptr, b.len);
done:
	free(base_text);
	free(title_text);
	json_decref(base);
	json_decref(title);
	ct_buf_free(&b);
	return error;
}

static const char *str_or_empty(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

/* ---- the last manifest ---- */

static size_t mhash(const char *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ull;
	return (size_t)h;
}

static int mtable_grow(mtable *t)
{
	size_t cap = t->slot ? 2 * (t->mask + 1) : 64, i, h;
	size_t *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return ct__oom();
	for (i = 0; i < t->n; i++) {
		for (h = mhash(t->v[i].key) & (cap - 1); slot[h]; h = (h + 1) & (cap - 1))
			;
		slot[h] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->mask = cap - 1;
	return 0;
}

/* key -> val (a key given twice: the last value, at the first place) */
static int mtable_put(mtable *t, const char *key, const char *val, size_t vlen)
{
	size_t h;
	int error;

	if ((!t->slot || (t->n + 1) * 2 > t->mask + 1) && (error = mtable_grow(t)) < 0)
		return error;
	for (h = mhash(key) & t->mask; t->slot[h]; h = (h + 1) & t->mask) {
		mline *e = &t->v[t->slot[h] - 1];
		if (strcmp(e->key, key) == 0) {
			e->val = val;
			e->vlen = vlen;
			return 0;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		mline *more = realloc(t->v, cap * sizeof(*more));
		if (!more)
			return ct__oom();
		t->v = more;
		t->cap = cap;
	}
	t->v[t->n] = (mline){key, val, vlen, 0};
	t->slot[h] = ++t->n;
	return 0;
}

static mline *mtable_get(const mtable *t, const char *key)
{
	size_t h;

	if (!t->slot)
		return NULL;
	for (h = mhash(key) & t->mask; t->slot[h]; h = (h + 1) & t->mask)
		if (strcmp(t->v[t->slot[h] - 1].key, key) == 0)
			return &t->v[t->slot[h] - 1];
	return NULL;
}

static void mtable_free(mtable *t)
{
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/* A value of the manifest, "" when it is none. */
static const char *mval(const mline *e)
{
	return e && e->val ? e->val : "";
}

/*
 * The manifest as lines (docs/publish.md). Version 3: the header, "options O1 O2 O3 O4 O5",
 * "tree OID", "commit OID", "bundle FP", one "file PATH STAT" per file (STAT what lstat said of
 * it: mtime, size, inode), one "source ID KEY..." per source page and one "claim ID ROW" per
 * claim, ROW the claim's index row as index.json holds it. Version 2 had "file PATH" and "claim
 * ID FP ROW" (only its files are used: a publish after it makes every page). The text is cut
 * into strings in place (each line's separators and end become NULs) and the tables point into
 * it: the rows are parsed only for the claims whose page is kept, and spliced into index.json and
 * the next manifest as they are. Returns 1 when a line is not one of these (or holds a NUL).
 */
static int read_manifest_lines(site *s, char *text, size_t len, int version)
{
	char *p = text + sizeof(MANIFEST_LINES) - 1, *end = text + len;
	static const char *const single[] = {"options", "tree", "commit", "bundle"};
	const char **to[4];
	int error = 0;

	to[0] = &s->old_options;
	to[1] = &s->old_tree;
	to[2] = NULL;
	to[3] = &s->old_bundle_fp;
	while (p < end && error == 0) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *sp1, *sp2;
		size_t n, i, k = 0;
		if (!nl || memchr(p, '\0', (size_t)(nl - p)))
			return 1;
		n = (size_t)(nl - p);
		*nl = '\0';
		for (i = 0; i < 4; i++) {
			k = strlen(single[i]);
			if (n > k && memcmp(p, single[i], k) == 0 && p[k] == ' ')
				break;
		}
		if (i < 4) {
			if (to[i])
				*to[i] = p + k + 1;
		} else if (n > 5 && memcmp(p, "file ", 5) == 0) {
			sp1 = version >= 3 ? memchr(p + 5, ' ', n - 5) : NULL;
			if (version >= 3 && !sp1)
				return 1;
			if (sp1)
				*sp1 = '\0';
			error = mtable_put(&s->old_files, p + 5, sp1 ? sp1 + 1 : nl,
				sp1 ? (size_t)(nl - sp1 - 1) : 0);
		} else if (version >= 3 && n > 7 && memcmp(p, "source ", 7) == 0) {
			sp1 = memchr(p + 7, ' ', n - 7);
			if (sp1)
				*sp1 = '\0';
			error = mtable_put(&s->old_sources, p + 7, sp1 ? sp1 + 1 : nl,
				sp1 ? (size_t)(nl - sp1 - 1) : 0);
		} else if (n > 6 && memcmp(p, "claim ", 6) == 0) {
			if (!(sp1 = memchr(p + 6, ' ', n - 6)))
				return 1;
			sp2 = sp1;
			if (version < 3 && !(sp2 = memchr(sp1 + 1, ' ', (size_t)(nl - sp1 - 1))))
				return 1;
			*sp1 = '\0';
			error = mtable_put(&s->old_claims, p + 6, sp2 + 1, (size_t)(nl - sp2 - 1));
		} else
			return 1;
		p = nl + 1;
	}
	return error;
}

/* The JSON manifest of earlier versions: its files (only they are used: a publish after it
 * makes every page). Returns 1 when it is not one. */
static int read_manifest_json(site *s, const json_t *m)
{
	const char *key;
	json_t *v;
	int error = 0;

	if (!json_is_object(m) ||
		strcmp(str_or_empty(json_object_get(m, "format")), MANIFEST_FORMAT) != 0)
		return 1;
	json_object_foreach ((json_t *)json_object_get(m, "files"), key, v)
		if (error == 0)
			error = mtable_put(&s->old_files, key, NULL, 0);
	return error;
}

static void manifest_forget(site *s)
{
	mtable_free(&s->old_claims);
	mtable_free(&s->old_files);
	mtable_free(&s->old_sources);
	s->old_options = s->old_tree = s->old_bundle_fp = NULL;
}

static int read_manifest(site *s)
{
	ct_buf path = CT_BUF_INIT;
	ct_buf *text = &s->manifest_text;
	json_error_t jerr;
	int error, bad = 1;

	s->manifest_version = 0;
	if ((error = ct_buf_printf(&path, "%s/" MANIFEST, s->dir)) < 0)
		return error;
	/* read whole, then parsed: json_load_file reads a byte at a time */
	if (ct_file_read(text, path.ptr, SIZE_MAX) == 0) {
		if (text->len >= sizeof(MANIFEST_LINES) - 1 &&
			memcmp(text->ptr, MANIFEST_LINES, sizeof(MANIFEST_LINES) - 1) == 0) {
			bad = read_manifest_lines(s, text->ptr, text->len, 3);
			s->manifest_version = 3;
		} else if (text->len >= sizeof(MANIFEST_LINES_2) - 1 &&
			memcmp(text->ptr, MANIFEST_LINES_2, sizeof(MANIFEST_LINES_2) - 1) == 0) {
			bad = read_manifest_lines(s, text->ptr, text->len, 2);
			s->manifest_version = 2;
		} else { /* the JSON manifest of earlier versions */
			s->manifest_json =
				json_loadb(text->ptr ? text->ptr : "", text->len, 0, &jerr);
			bad = read_manifest_json(s, s->manifest_json);
			s->manifest_version = 1;
		}
		/* an unreadable manifest only costs a full publish */
		if (bad)
			manifest_forget(s);
		if (bad > 0)
			s->manifest_version = 1;
	}
	ct_error_clear();
	ct_buf_free(&path);
	return bad < 0 ? bad : 0;
}

/* ---- deciding what to make: the tree diff ---- */

/* What lstat says of a file, as the manifest keeps it: mtime, size, inode. */
static void stat_text(char out[96], const struct stat *st)
{
	snprintf(out, 96, "%lld.%09ld %lld %llu", (long long)st->st_mtim.tv_sec,
		(long)st->st_mtim.tv_nsec, (long long)st->st_size, (unsigned long long)st->st_ino);
}

/* Marks rel as part of the site, as the last publish left it (what its manifest said of it). */
static int keep_old(site *s, const char *rel)
{
	const mline *e = mtable_get(&s->old_files, rel);

	if (!*mval(e))
		return keep(s, rel);
	return json_object_set_new(s->files, rel, json_stringn_nocheck(e->val, e->vlen)) < 0
		? ct__oom()
		: 0;
}

static void sha_hex(char *out, const char *text)
{
	uint8_t d[32];

	ct__sha256(d, text, strlen(text));
	hex32(out, d);
}

/* What the options make of the pages, as five fingerprints (the generator and its version,
 * the base url, the title, the selection, the bundles), so that the one that changed is named. */
static int make_options(site *s)
{
	ct_buf sel = CT_BUF_INIT;
	const char *part[5];
	char *o = s->options;
	size_t i;
	int error;

	if ((error = ct_buf_printf(&sel, "%d\n%s\n%s\n", (int)s->opts->select,
		     s->opts->tag ? s->opts->tag : "", s->opts->status ? s->opts->status : "")) < 0)
		goto done;
	for (i = 0; i < s->opts->nids && s->opts->select == CT_BUNDLE_IDS && error == 0; i++)
		error = put_strs(&sel, s->opts->ids[i], "\n", NULL);
	if (error < 0)
		goto done;
	part[0] = PUBLISH_GENERATION;
	part[1] = s->base.ptr;
	part[2] = s->title;
	part[3] = sel.ptr;
	part[4] = s->opts->signer ? ct_key_id(s->opts->signer) : s->offered_bundle ? "offered" : "";
	for (i = 0; i < 5; i++) {
		sha_hex(o, part[i]);
		o[CT_SHA256_HEX_LEN] = i < 4 ? ' ' : '\0';
		o += CT_SHA256_HEX_LEN + 1;
	}
done:
	ct_buf_free(&sel);
	return error;
}

/* Says why every page is made. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
full_because(site *s, const char *fmt, ...)
{
	va_list ap;

	s->incremental = 0;
	va_start(ap, fmt);
	vsnprintf(s->report->full, sizeof(s->report->full), fmt, ap);
	va_end(ap);
}

/* The store folder's tree in the snapshot, and the branch's commit. */
static int store_tree(git_tree **out, site *s)
{
	ct_buf dir = CT_BUF_INIT;
	int error;

	*out = NULL;
	s->tree[0] = s->commit[0] = '\0';
	if (s->store->has_head)
		git_oid_tostr(s->commit, sizeof(s->commit), &s->store->head);
	if ((error = ct__record_dir(&dir, s->store, CT_KIND_KEY, NULL)) < 0)
		return error;
	ct_buf_truncate(&dir, dir.len - strlen("/key"));
	if (s->store->tree && ct__subtree(out, s->store, s->store->tree, dir.ptr))
		git_oid_tostr(s->tree, sizeof(s->tree), git_tree_id(*out));
	ct_buf_free(&dir);
	return 0;
}

/* The entry of t (NULL: an empty tree) named name, or NULL. */
static const git_tree_entry *entry_named(const git_tree *t, const char *name)
{
	return t ? git_tree_entry_byname(t, name) : NULL;
}

static int diff_level(site *s, git_tree *then, git_tree *now, int depth, json_t *set);

/* One name whose entries differ between the two trees (either may be NULL: not there). */
static int diff_entry(
	site *s, const git_tree_entry *a, const git_tree_entry *b, int depth, json_t *set)
{
	const char *name = git_tree_entry_name(a ? a : b);
	git_tree *ta = NULL, *tb = NULL;
	int error = 0;

	if (depth == 2) /* claim/<fan>/<id> or source/<fan>/<id>: that record's folder */
		return json_object_set_new(set, name, json_true()) < 0 ? ct__oom() : 0;
	if (depth == 0) {
		set = strcmp(name, "claim") == 0      ? s->changed_claims
			: strcmp(name, "source") == 0 ? s->changed_sources
						      : NULL;
		if (!set) {
			full_because(s,
				strcmp(name, "key") == 0
					? "the store's key records changed: any signature shown may "
					  "read differently"
					: "%.100s changed in the store, which the tree diff does not "
					  "map to pages",
				name);
			return 1;
		}
	}
	if ((a && git_tree_entry_type(a) != GIT_OBJECT_TREE) ||
		(b && git_tree_entry_type(b) != GIT_OBJECT_TREE)) {
		full_because(s,
			"%.100s changed in the store, which the tree diff does not map to "
			"pages",
			name);
		return 1;
	}
	if ((a && git_tree_lookup(&ta, s->store->repo, git_tree_entry_id(a)) < 0) ||
		(b && git_tree_lookup(&tb, s->store->repo, git_tree_entry_id(b)) < 0))
		error = ct__git_error(CT_EIO, "publish: the tree diff");
	else
		error = diff_level(s, ta, tb, depth + 1, set);
	git_tree_free(ta);
	git_tree_free(tb);
	return error;
}

/*
 * The tree diff: the store folder's trees of the last publish and of now, compared entry by
 * entry and descended only where the ids differ (claim/<fan>/<id>, source/<fan>/<id>), so that
 * one changed claim costs the few trees on its path. The ids of the changed claim and source
 * folders go to changed_claims and changed_sources; anything else that changed makes every
 * page (full_because; returns 1 to stop).
 */
static int diff_level(site *s, git_tree *then, git_tree *now, int depth, json_t *set)
{
	size_t i, n;
	int error = 0;

	n = then ? git_tree_entrycount(then) : 0;
	for (i = 0; i < n && error == 0; i++) {
		const git_tree_entry *a = git_tree_entry_byindex(then, i);
		const git_tree_entry *b = entry_named(now, git_tree_entry_name(a));
		if (!b || !git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b)) ||
			git_tree_entry_filemode(a) != git_tree_entry_filemode(b))
			error = diff_entry(s, a, b, depth, set);
	}
	n = now ? git_tree_entrycount(now) : 0;
	for (i = 0; i < n && error == 0; i++) {
		const git_tree_entry *b = git_tree_entry_byindex(now, i);
		if (!entry_named(then, git_tree_entry_name(b)))
			error = diff_entry(s, NULL, b, depth, set);
	}
	return error;
}

/*
 * Incremental or full: incremental when the last manifest is this version's, made with the same
 * options, from a tree the store still holds, and every file it names is on disk as it left
 * it; the claims and sources whose folders changed between that tree and the store's are then
 * in changed_claims and changed_sources. Otherwise report->full says why.
 */
static int plan(site *s)
{
	static const char *const what[5] = {"another claimtrail version or page generation",
		"another base url", "another title", "another selection of claims",
		"another key signs the bundles (or none)"};
	git_tree *now = NULL, *then = NULL;
	git_oid oid;
	size_t i;
	int error, dirfd = -1;

	s->incremental = 1;
	s->report->full[0] = '\0';
	if ((error = make_options(s)) < 0 || (error = store_tree(&now, s)) < 0)
		goto done;
	if (s->skip_key) {
		full_because(s, "a site made from a bundle has no tree to compare");
		goto done;
	}
	if (s->manifest_version == 0) {
		full_because(s, "no earlier publish in this folder");
		goto done;
	}
	if (s->manifest_version < 3) {
		full_because(s, "the manifest is of an earlier version or unreadable");
		goto done;
	}
	if (!s->old_options || strlen(s->old_options) != strlen(s->options)) {
		full_because(s, "the manifest names no options");
		goto done;
	}
	for (i = 0; i < 5; i++)
		if (memcmp(s->old_options + i * (CT_SHA256_HEX_LEN + 1),
			    s->options + i * (CT_SHA256_HEX_LEN + 1), CT_SHA256_HEX_LEN) != 0) {
			full_because(s, "%s than the last publish", what[i]);
			goto done;
		}
	if (!now || !s->old_tree || git_oid_fromstr(&oid, s->old_tree) < 0 ||
		git_tree_lookup(&then, s->store->repo, &oid) < 0) {
		full_because(s, "the store does not hold the tree the last publish read (%.12s)",
			s->old_tree ? s->old_tree : "none");
		goto done;
	}
	/* the files: as the last publish left them (a page changed by hand is made again) */
	/* (each looked up from the folder: no path made, the folder's path walked once) */
	if ((dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		full_because(s, "%.150s cannot be read: %s", s->dir, strerror(errno));
		goto done;
	}
	for (i = 0; i < s->old_files.n; i++) {
		const char *rel = s->old_files.v[i].key;
		struct stat st;
		char now_stat[96];
		int same = 0;
		if (safe_rel(rel) && fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			S_ISREG(st.st_mode)) {
			stat_text(now_stat, &st);
			same = strcmp(now_stat, mval(&s->old_files.v[i])) == 0;
		}
		if (!same) {
			full_because(s, "%.150s is not as the last publish left it", rel);
			goto done;
		}
	}
	if ((error = diff_level(s, then, now, 0, NULL)) > 0) /* stopped: every page is made */
		error = 0;
done:
	if (dirfd >= 0)
		close(dirfd);
	if (!s->incremental) {
		json_object_clear(s->changed_claims);
		json_object_clear(s->changed_sources);
	}
	git_tree_free(then);
	git_tree_free(now);
	return error;
}

/* Whether c's page is kept as the last publish wrote it (its row read from the manifest) or
 * made again (c->rebuild). */
static int keep_claim(site *s, pclaim *c)
{
	mline *old = s->incremental ? mtable_get(&s->old_claims, c->id) : NULL;
	ct_buf rel = CT_BUF_INIT;
	int error;

	if ((error = ct_buf_printf(&rel, "claim/%s.html", c->id)) < 0)
		goto done;
	if (old)
		old->current = 1;
	/* incremental: a page is kept when neither its claim's folder nor its cited source's
	 * changed (plan() checked that it is on disk as the last publish left it) */
	if (old && old->val && !json_object_get(s->changed_claims, c->id) &&
		!json_object_get(s->changed_sources, c->source) &&
		mtable_get(&s->old_files, rel.ptr)) {
		json_error_t jerr;
		json_t *row;
		int kept;
		/* the row as it is when it has the shape rows have; else parsed (a row that does
		 * not parse as an object only costs the page) */
		error = row_scan(&c->view, old->val, old->vlen);
		if (error < -1)
			goto done;
		kept = error == 0;
		if (error == -1) {
			row = json_loadb(old->val, old->vlen, JSON_REJECT_DUPLICATES, &jerr);
			kept = json_is_object(row);
			error = kept ? view_from_json(&c->view, row) : 0;
			json_decref(row);
			if (error < 0)
				goto done;
		}
		if (kept) {
			/* its text stays in the manifest's, which the site holds to the end */
			c->row_text = (char *)old->val;
			c->row_borrowed = 1;
			s->report->unchanged++;
			error = keep_old(s, rel.ptr);
			goto done;
		}
	}
	c->rebuild = 1;
done:
	ct_buf_free(&rel);
	return error;
}

typedef struct {
	site *s;
	ct_store *store;
	size_t at, end, first, step;
} page_share;

/* Makes the pages of the claims at, at + step, ... of the chunk that are made again, into
 * their page buffers: a site of its own but for the store (each thread's: a repository of its
 * own) and the records it has verified. */
static void *pages_some(void *arg)
{
	page_share *sh = arg;
	site mine = *sh->s;
	html h = {CT_BUF_INIT, 0};
	size_t i, k = 0;

	mine.store = sh->store;
	mine.verified = json_object();
	for (i = sh->at; i < sh->end; i++) {
		pclaim *c = &sh->s->claims[i];
		if (!c->rebuild || k++ % sh->step != sh->first)
			continue;
		if (!mine.verified)
			c->page_error = ct__oom();
		else if ((c->page_error = claim_page(&h, &c->row, &mine, c)) == 0)
			c->page_error = view_from_json(&c->view, c->row);
		if (c->page_error < 0) {
			c->page_why = strdup(ct_error_last());
			ct_error_clear();
		} else {
			c->page = h.buf;
			memset(&h.buf, 0, sizeof(h.buf));
		}
		ct_buf_clear(&h.buf);
		h.error = 0;
	}
	ct_buf_free(&h.buf);
	json_decref(mine.verified);
	return NULL;
}

/* A store for thread k (k > 0): the site's, with a repository and snapshot of its own. */
static int worker_store(site *s, size_t k)
{
	ct_store *w = &s->workers[k];

	*w = *s->store;
	w->fans = NULL;
	w->repo = NULL;
	w->tree = NULL;
	s->nworkers = k + 1;
	if (git_repository_open(&w->repo, git_repository_path(s->store->repo)) < 0 ||
		(s->store->tree &&
			git_tree_lookup(&w->tree, w->repo, git_tree_id(s->store->tree)) < 0))
		return ct__git_error(CT_EIO, "publish: opening the store on a thread");
	return 0;
}

/* The pages of the claims at..end made again, made on every core. */
static int pages_ahead(site *s, size_t at, size_t end)
{
	page_share shares[PAGE_THREADS_MAX];
	size_t i, k, n = 0, use = ct__parallel_threads(s->opts->threads, PAGE_THREADS_MAX);
	int error;

	for (i = at; i < end; i++)
		n += s->claims[i].rebuild;
	if (use > n) /* fewer pages than threads */
		use = n ? n : 1;
	/* with a key each claim's bundle reads its records again right after its page: read on
	 * this thread's repository they are still in its caches, read on another's they are
	 * inflated again (10% more CPU and no shorter a publish at 10,000 claims, measured) */
	if (s->opts->signer)
		use = 1;
	for (k = 1; k < use; k++)
		if (k >= s->nworkers && (error = worker_store(s, k)) < 0)
			return error;
	for (k = 0; k < use; k++)
		shares[k] = (page_share){s, k ? &s->workers[k] : s->store, at, end, k, use};
	ct__parallel(shares, sizeof(shares[0]), use, pages_some);
	for (i = at; i < end; i++) {
		pclaim *c = &s->claims[i];
		if (c->rebuild && c->page_error < 0)
			return ct_error_set(c->page_error, "%s",
				c->page_why ? c->page_why : "publish: out of memory");
	}
	return 0;
}

/* Writes c's page made ahead, or marks it kept. */
static int publish_claim(site *s, pclaim *c)
{
	ct_buf rel = CT_BUF_INIT;
	int error = 0;

	if (!c->rebuild)
		return 0;
	if ((error = ct_buf_printf(&rel, "claim/%s.html", c->id)) < 0)
		goto done;
	/* the page verified every record of the claim: a bundle of it need not again */
	if (c->view.bundle && json_object_set_new(s->checked, c->id, json_true()) < 0) {
		error = ct__oom();
		goto done;
	}
	error = write_file(s, rel.ptr, c->page.ptr, c->page.len);
done:
	ct_buf_free(&c->page);
	ct_buf_free(&rel);
	return error;
}

static int checked_in_this_run(const char *id, void *payload)
{
	const site *s = payload;
	return json_object_get(s->checked, id) != NULL;
}

/* How the site's bundles are made: flushed to disk once for the whole site, against the
 * keyring read once, without verifying again the records its pages verified. */
static ct__bundle_how bundle_how(site *s)
{
	ct__bundle_how how = {
		1, s->ring, checked_in_this_run, s, {s->spills[0], s->spills[1], s->spills[2]}};
	return how;
}

/* A bundle with every revision (--history), or, when a claim or a source its claims cite forked
 * (concurrent revisions kept by a sync, docs/sync.md: no one line of revisions to carry), with
 * the current revisions only, which verify (docs/publish.md). */
static int bundle_create_history(
	site *s, const char *path, ct_bundle_create_opts *bo, const ct__bundle_how *how)
{
	int error = ct__bundle_create(NULL, s->store, path, bo, how);

	if (error != CT_ECONFLICT)
		return error;
	ct_error_clear();
	bo->history = 0;
	return ct__bundle_create(NULL, s->store, path, bo, how);
}

/* The claim's own bundle, when the claim page was made again or the bundle is missing. */
static int publish_claim_bundle(site *s, pclaim *c)
{
	ct_bundle_create_opts bo = CT_BUNDLE_CREATE_OPTS_INIT;
	ct__bundle_how how = bundle_how(s);
	ct_buf rel = CT_BUF_INIT, path = CT_BUF_INIT;
	const char *ids[1];
	int error = 0;

	/* a bundle never carries a record that does not verify: such a claim has none */
	if (!c->view.bundle)
		goto done;
	if ((error = ct_buf_printf(&rel, "bundle/%s.bundle", c->id)) < 0 ||
		(error = ct_buf_printf(&path, "%s/%s", s->dir, rel.ptr)) < 0 ||
		(error = keep(s, rel.ptr)) < 0)
		goto done;
	if (!c->rebuild && mtable_get(&s->old_files, rel.ptr)) {
		s->report->unchanged++;
		error = keep_old(s, rel.ptr);
		goto done;
	}
	ids[0] = c->id;
	bo.creator = s->opts->signer;
	bo.select = CT_BUNDLE_IDS;
	bo.ids = ids;
	bo.nids = 1;
	bo.history = 1;
	bo.annotations = 1;
	if ((error = bundle_create_history(s, path.ptr, &bo, &how)) < 0)
		goto done;
	s->report->written++;
	note(s, rel.ptr, "written");
done:
	ct_buf_free(&path);
	ct_buf_free(&rel);
	return error;
}

/* claims.bundle: every published claim, made again when any claim's page was made (rebuilt of
 * them) or the claims it holds are others (bundle_fp, over their ids). */
static int publish_all_bundle(site *s, const char *bundle_fp, size_t rebuilt)
{
	ct_bundle_create_opts bo = CT_BUNDLE_CREATE_OPTS_INIT;
	ct__bundle_how how = bundle_how(s);
	ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT;
	const char **ids = NULL;
	size_t i, n = 0;
	int error;

	for (i = 0; i < s->n; i++)
		n += s->claims[i].view.bundle;
	if (s->opts->signer && n == 0)
		return 0; /* no claim verifies: no bundle */
	if ((error = ct_buf_printf(&path, "%s/claims.bundle", s->dir)) < 0 ||
		(error = keep(s, "claims.bundle")) < 0)
		goto done;
	if (!s->opts->signer) {
		/* the bundle the site was made from, as it was signed */
		if ((error = ct_file_read(&data, s->offered_bundle, SIZE_MAX)) < 0)
			goto done;
		error = write_file(s, "claims.bundle", data.ptr, data.len);
		goto done;
	}
	if (s->incremental && !rebuilt && s->old_bundle_fp &&
		strcmp(s->old_bundle_fp, bundle_fp) == 0 &&
		mtable_get(&s->old_files, "claims.bundle")) {
		s->report->unchanged++;
		error = keep_old(s, "claims.bundle");
		goto done;
	}
	if (!(ids = calloc(s->n, sizeof(*ids)))) {
		error = ct__oom();
		goto done;
	}
	for (i = 0, n = 0; i < s->n; i++)
		if (s->claims[i].view.bundle)
			ids[n++] = s->claims[i].id;
	bo.creator = s->opts->signer;
	bo.select = CT_BUNDLE_IDS;
	bo.ids = ids;
	bo.nids = n;
	bo.history = 1;
	bo.annotations = 1;
	if ((error = bundle_create_history(s, path.ptr, &bo, &how)) < 0)
		goto done;
	s->report->written++;
	note(s, "claims.bundle", "written");
done:
	free(ids);
	ct_buf_free(&data);
	ct_buf_free(&path);
	return error;
}

/* The public key records of the signers and of the bundles' signer, as stored. */
static int publish_keys(site *s, json_t *keys)
{
	ct_buf rel = CT_BUF_INIT, raw = CT_BUF_INIT;
	const json_t *k;
	size_t i;
	int error = 0;

	json_array_foreach (keys, i, k) {
		ct_buf_clear(&rel);
		ct_buf_clear(&raw);
		if ((error = ct_buf_printf(&rel, "keys/%s.json", json_string_value(k))) < 0)
			goto done;
		if (ct_store_get_raw(&raw, s->store, CT_KIND_KEY, json_string_value(k), 0) < 0) {
			/* the bundle signer's own key need not be in the store */
			char *text;
			ct_error_clear();
			if (!s->opts->signer ||
				strcmp(ct_key_id(s->opts->signer), json_string_value(k)) != 0)
				continue; /* no record of it: no file (the others still made) */
			if (!(text = json_dumps(ct_key_public_record(s->opts->signer),
				      JSON_INDENT(2) | JSON_SORT_KEYS))) {
				error = ct__oom();
				goto done;
			}
			error = ct_buf_printf(&raw, "%s\n", text);
			free(text);
			if (error < 0)
				goto done;
		}
		if ((error = write_file(s, rel.ptr, raw.ptr, raw.len)) < 0)
			goto done;
	}
done:
	ct_buf_free(&raw);
	ct_buf_free(&rel);
	return error;
}

/* The pages and bundles are written without a flush each (derived output, made again from the
 * store when lost): one syncfs of the folder's file system before the manifest names them, so
 * that a manifest on disk never vouches for a file that is not. */
static int sync_site(const site *s)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), error = 0;

	if (fd < 0 || syncfs(fd) < 0)
		error = ct_error_set(CT_EIO, "%s: %s", s->dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return error;
}

static int remove_stale(site *s)
{
	ct_buf path = CT_BUF_INIT;
	size_t i;
	int error = 0;

	for (i = 0; i < s->old_files.n; i++) {
		const char *rel = s->old_files.v[i].key;
		if (json_object_get(s->files, rel) || !safe_rel(rel))
			continue;
		ct_buf_clear(&path);
		if ((error = ct_buf_printf(&path, "%s/%s", s->dir, rel)) < 0)
			break;
		if (unlink(path.ptr) < 0 && errno != ENOENT) {
			error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
			break;
		}
		s->report->removed++;
		note(s, rel, "removed");
	}
	ct_buf_free(&path);
	return error;
}

static int check_opts(const ct_publish_opts *opts)
{
	const char *u;
	int error;

	if (!opts)
		return ct_error_set(CT_EINVALID, "publish: no options");
	if ((error = ct__opts_version(opts->version, CT_PUBLISH_OPTS_VERSION, "ct_publish_opts")) <
		0)
		return error;
	u = opts->base_url;
	if (!u || !*u)
		return ct_error_set(CT_EINVALID,
			"publish needs the address the site will be served from (--base-url): a "
			"ClaimReview without its url is not read by search engines");
	if (!ct__html_url_ok(u) || strchr(u, '?') || strchr(u, '#'))
		return ct_error_set(CT_EINVALID,
			"publish: base url \"%.200s\" is not an http or https address without a query "
			"or fragment",
			u);
	if ((opts->select == CT_BUNDLE_TAG && !opts->tag) ||
		(opts->select == CT_BUNDLE_STATUS && !opts->status) ||
		(opts->select == CT_BUNDLE_IDS && opts->nids == 0))
		return ct_error_set(CT_EINVALID, "publish: nothing selected");
	if (opts->title && ct__utf8_check(opts->title, strlen(opts->title), "the title") < 0)
		return ct_error_last_code();
	return 0;
}

/* The source and the evidence of an index row into set. */
static int row_sources(json_t *set, const json_t *row)
{
	const json_t *v;
	size_t j;

	if (json_is_string(json_object_get(row, "source")) &&
		json_object_set_new(
			set, json_string_value(json_object_get(row, "source")), json_true()) < 0)
		return ct__oom();
	json_array_foreach (json_object_get(row, "evidence"), j, v)
		if (json_is_string(v) &&
			json_object_set_new(set, json_string_value(v), json_true()) < 0)
			return ct__oom();
	return 0;
}

/* The source and the evidence of the row text of the last manifest into set. */
static int old_row_sources(json_t *set, const mline *old)
{
	json_error_t jerr;
	json_t *row;
	int error;

	if (!old || !old->val)
		return 0;
	row = json_loadb(old->val, old->vlen, 0, &jerr);
	error = row_sources(set, row);
	json_decref(row);
	return error;
}

/* Incremental: the sources whose pages change: those whose folder changed, and those a claim
 * whose page was made, or that is published no more, cites (in its row now or in the last). */
static int affected_sources(site *s, json_t **out)
{
	const json_t *v;
	const char *id;
	size_t i;
	int error = 0;

	if (!(*out = json_deep_copy(s->changed_sources)))
		return ct__oom();
	for (i = 0; i < s->n && error == 0; i++)
		if (s->claims[i].rebuild) {
			const rowview *rv = &s->claims[i].view;
			const char *l = rv->evidence;
			size_t j;
			if (rv->source && json_object_set_new(*out, rv->source, json_true()) < 0)
				error = ct__oom();
			for (j = 0; j < rv->nevidence && error == 0; j++)
				if (json_object_set_new(*out, next_str(&l), json_true()) < 0)
					error = ct__oom();
		}
	/* the earlier rows of the claims whose folder changed */
	json_object_foreach (s->changed_claims, id, v)
		if (error == 0)
			error = old_row_sources(*out, mtable_get(&s->old_claims, id));
	/* the claims published before and not now (every row is looked at: removing claims
	 * from the site is rare, and their number is not known without looking) */
	for (i = 0; i < s->old_claims.n && error == 0; i++)
		if (!s->old_claims.v[i].current)
			error = old_row_sources(*out, &s->old_claims.v[i]);
	return error;
}

/* The keys whose signatures a source page made now showed verified (s->source_keys), into
 * all_keys and, as "KEY KEY...", into the next manifest. */
static int source_keys_made(site *s, const char *id, json_t *all_keys)
{
	ct_buf text = CT_BUF_INIT;
	const json_t *k;
	size_t i;
	int error = 0;

	json_array_foreach (s->source_keys, i, k) {
		if ((error = add_unique(all_keys, json_string_value(k))) < 0 ||
			(i && (error = ct_buf_puts(&text, " ")) < 0) ||
			(error = ct_buf_puts(&text, json_string_value(k))) < 0)
			break;
	}
	if (error == 0 &&
		json_object_set_new(s->sources_now, id, json_string(text.ptr ? text.ptr : "")) < 0)
		error = ct__oom();
	ct_buf_free(&text);
	return error;
}

/* The same for a source page kept: its keys as the last manifest names them, those the store
 * has a record of. */
static int source_keys_kept(site *s, const char *id, const char *keys)
{
	const char *p = keys;
	int error = 0;

	while (*p && error == 0) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *key = strndup(p, len);
		if (!key)
			return ct__oom();
		if (ct_keyring_find(s->ring, key))
			error = add_unique(s->source_keys, key);
		free(key);
		p += len + (end ? 1 : 0);
	}
	if (error == 0 && json_object_set_new(s->sources_now, id, json_string(keys)) < 0)
		error = ct__oom();
	return error;
}

typedef struct {
	const char *source;
	size_t i;
} by_source_item;

static int cmp_by_source(const void *a, const void *b)
{
	const by_source_item *x = a, *y = b;
	int c = strcmp(x->source, y->source);
	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

static int make_by_source(site *s)
{
	by_source_item *items = calloc(s->n ? s->n : 1, sizeof(*items));
	size_t i;

	if (!items || !(s->by_source = calloc(s->n ? s->n : 1, sizeof(*s->by_source)))) {
		free(items);
		return ct__oom();
	}
	for (i = 0; i < s->n; i++)
		items[i] = (by_source_item){s->claims[i].source, i};
	qsort(items, s->n, sizeof(*items), cmp_by_source);
	for (i = 0; i < s->n; i++)
		s->by_source[i] = items[i].i;
	free(items);
	return 0;
}

static int publish_site(site *s)
{
	json_t *keys = NULL, *keyset = NULL, *sources = NULL, *affected = NULL;
	html h = {CT_BUF_INIT, 0};
	ct_buf all = CT_BUF_INIT;
	char bundle_fp[CT_SHA256_HEX_LEN + 1];
	const char *key, *l;
	json_t *v;
	uint8_t d[32];
	size_t i, j, rebuilt = 0;
	int error;

	/* a page reads its records through the claim/ and source/ trees, larger than libgit2
	 * caches by default (4 KiB): inflating them again for every record was a third of the
	 * time of a publish */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)1 << 20);
	if ((error = make_dirs(s->dir)) < 0 || (error = read_manifest(s)) < 0 ||
		(error = ct_store_keyring(&s->ring, s->store)) < 0 || (error = plan(s)) < 0)
		goto done;
	if ((error = ct_store_list_claims(s->store, collect, s)) < 0)
		goto done;
	if (s->opts->select == CT_BUNDLE_IDS && s->n != s->opts->nids) {
		for (i = 0; i < s->opts->nids; i++) {
			for (j = 0; j < s->n && strcmp(s->claims[j].id, s->opts->ids[i]) != 0; j++)
				;
			if (j == s->n) {
				error = ct_error_set(CT_ENOTFOUND, "no claim \"%s\" in the store",
					s->opts->ids[i]);
				goto done;
			}
		}
	}
	if (s->n == 0) {
		error = ct_error_set(CT_ENOTFOUND, "publish: no claim matches the selection");
		goto done;
	}
	for (i = 0; i < 4; i++) {
		static const char *const sub[] = {"claim", "source", "bundle", "keys"};
		ct_buf p = CT_BUF_INIT;
		if (i == 2 && !s->opts->signer)
			continue;
		if ((error = ct_buf_printf(&p, "%s/%s", s->dir, sub[i])) == 0)
			error = make_dirs(p.ptr);
		ct_buf_free(&p);
		if (error < 0)
			goto done;
	}
	if (!(keys = json_array()) || !(keyset = json_object()) || !(sources = json_object())) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; i < s->n; i++) {
		pclaim *c = &s->claims[i];
		if (i % PAGE_CHUNK == 0) {
			size_t end = i + PAGE_CHUNK < s->n ? i + PAGE_CHUNK : s->n;
			for (j = i; j < end; j++)
				if ((error = keep_claim(s, &s->claims[j])) < 0)
					goto done;
			if ((error = pages_ahead(s, i, end)) < 0)
				goto done;
		}
		if ((error = publish_claim(s, c)) < 0)
			goto done;
		if (s->opts->signer && (error = publish_claim_bundle(s, c)) < 0)
			goto done;
		if (c->view.bundle && (error = put_strs(&all, c->id, "\n", NULL)) < 0)
			goto done;
		rebuilt += c->rebuild;
		if (!c->row_text &&
			!(c->row_text = json_dumps(c->row, JSON_COMPACT | JSON_SORT_KEYS))) {
			error = ct__oom();
			goto done;
		}
		json_decref(c->row); /* what the rest uses of it: view and row_text */
		c->row = NULL;
		json_object_set_new(sources, c->source, json_true());
		for (j = 0, l = c->view.evidence; j < c->view.nevidence; j++)
			json_object_set_new(sources, next_str(&l), json_true());
		for (j = 0, l = c->view.keys; j < c->view.nkeys; j++)
			if (json_object_set_new(keyset, next_str(&l), json_true()) < 0) {
				error = ct__oom();
				goto done;
			}
		if (s->opts->progress) {
			ct_progress pr = {"publishing", i + 1, s->n};
			s->opts->progress(&pr, s->opts->progress_payload);
		}
	}
	if ((error = make_by_source(s)) < 0 ||
		(s->incremental && (error = affected_sources(s, &affected)) < 0))
		goto done;
	json_object_foreach (sources, key, v) {
		ct_buf rel = CT_BUF_INIT;
		const mline *old_source = NULL;
		if (!*key)
			continue;
		if (ct_id_validate(key, "source") < 0) {
			ct_error_clear(); /* a hand-edited manifest's row: no page */
			continue;
		}
		if ((error = ct_buf_printf(&rel, "source/%s.html", key)) < 0) {
			ct_buf_free(&rel);
			goto done;
		}
		/* incremental: a source page lists the claims attributed to it and the source's
		 * revisions: kept unless one of those changed */
		if (s->incremental && !json_object_get(affected, key) &&
			mtable_get(&s->old_files, rel.ptr) &&
			(old_source = mtable_get(&s->old_sources, key)) != NULL) {
			/* kept, with the keys whose signatures it showed verified */
			error = keep_old(s, rel.ptr);
			if (error == 0)
				error = source_keys_kept(s, key, mval(old_source));
			s->report->unchanged++;
		} else {
			json_t *all_keys = s->source_keys;
			if (!(s->source_keys = json_array()))
				error = ct__oom();
			else if ((error = source_page(&h, s, key)) == 0)
				error = write_html(s, rel.ptr, &h);
			if (error == 0)
				error = source_keys_made(s, key, all_keys);
			json_decref(s->source_keys);
			s->source_keys = all_keys;
		}
		ct_buf_clear(&h.buf);
		h.error = 0;
		ct_buf_free(&rel);
		if (error == CT_ENOTFOUND) {
			ct_error_clear(); /* a source no longer in the store: its links lead nowhere */
			error = 0;
			continue;
		}
		if (error < 0)
			goto done;
		s->report->sources++;
	}
	json_array_foreach (s->source_keys, j, v)
		if (json_object_set_new(keyset, json_string_value(v), json_true()) < 0) {
			error = ct__oom();
			goto done;
		}
	if (s->opts->signer &&
		json_object_set_new(keyset, ct_key_id(s->opts->signer), json_true()) < 0) {
		error = ct__oom();
		goto done;
	}
	/* sorted key list: the pages do not depend on the order claims were read */
	json_object_foreach (keyset, key, v)
		if (json_array_append_new(keys, json_string(key)) < 0) {
			error = ct__oom();
			goto done;
		}
	if ((error = sort_strings(&keys)) < 0)
		goto done;

	if ((error = write_file(s, "style.css", style_css, sizeof(style_css) - 1)) < 0 ||
		(error = write_file(s, "search.js", search_js, sizeof(search_js) - 1)) < 0)
		goto done;
	if ((error = write_index_json(s)) < 0 || (error = index_page(&h, s, keys)) < 0 ||
		(error = write_html(s, "index.html", &h)) < 0)
		goto done;
	if ((error = publish_keys(s, keys)) < 0)
		goto done;
	ct__sha256(d, all.ptr ? all.ptr : "", all.len);
	hex32(bundle_fp, d);
	if ((s->opts->signer || s->offered_bundle) &&
		(error = publish_all_bundle(s, bundle_fp, rebuilt)) < 0)
		goto done;
	if ((error = remove_stale(s)) < 0)
		goto done;
	if ((s->report->written || s->report->removed) && (error = sync_site(s)) < 0)
		goto done;

	{
		/* the manifest itself is ours but not listed among the files; its rows are the
		 * index's, joined as they are (read_manifest_lines) */
		ct_buf text = CT_BUF_INIT;
		ct_buf path = CT_BUF_INIT;
		struct stat st;
		/* about the last one's size: no buffer doubled and copied a dozen times */
		error = ct_buf_reserve(&text, s->manifest_text.len + 65536);
		if (error == 0)
			error = ct_buf_printf(&text,
				MANIFEST_LINES "options %s\ntree %s\ncommit %s\nbundle %s\n",
				s->options, *s->tree ? s->tree : "none",
				*s->commit ? s->commit : "none", bundle_fp);
		json_object_foreach (s->files, key, v) {
			char st_text[96];
			if (error < 0)
				break;
			if (json_is_string(v)) {
				error = put_strs(
					&text, "file ", key, " ", json_string_value(v), "\n", NULL);
				continue;
			}
			/* what lstat says of it now, to tell the next publish whether it is
			 * still as this one left it */
			ct_buf_clear(&path);
			if ((error = ct_buf_printf(&path, "%s/%s", s->dir, key)) < 0)
				break;
			if (lstat(path.ptr, &st) < 0) {
				error = ct_error_set(CT_EIO, "%s: %s", path.ptr, strerror(errno));
				break;
			}
			stat_text(st_text, &st);
			error = put_strs(&text, "file ", key, " ", st_text, "\n", NULL);
		}
		json_object_foreach (s->sources_now, key, v)
			if (error == 0)
				error = put_strs(&text, "source ", key,
					*json_string_value(v) ? " " : "", json_string_value(v),
					"\n", NULL);
		for (i = 0; i < s->n && error == 0; i++)
			error = put_strs(&text, "claim ", s->claims[i].id, " ",
				s->claims[i].row_text, "\n", NULL);
		ct_buf_clear(&path);
		if (error == 0 && (error = ct_buf_printf(&path, "%s/" MANIFEST, s->dir)) == 0 &&
			!same_bytes(path.ptr, text.ptr, text.len)) {
			ct__outfile out;
			if ((error = ct__outfile_open(&out, path.ptr, 0644)) == 0) {
				if ((error = ct__write_all(out.fd, text.ptr, text.len, path.ptr)) <
					0)
					ct__outfile_abort(&out);
				else
					error = ct__outfile_commit(&out);
			}
		}
		ct_buf_free(&text);
		ct_buf_free(&path);
	}
	s->report->claims = s->n;
done:
	ct_buf_free(&all);
	ct_buf_free(&h.buf);
	json_decref(affected);
	json_decref(keyset);
	json_decref(sources);
	json_decref(keys);
	return error;
}

static void site_free(site *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->claims[i].id);
		free(s->claims[i].status);
		free(s->claims[i].source);
		free(s->claims[i].tags);
		ct_buf_free(&s->claims[i].page);
		free(s->claims[i].page_why);
		free(s->claims[i].view.mem);
		json_decref(s->claims[i].row);
		if (!s->claims[i].row_borrowed)
			free(s->claims[i].row_text);
	}
	free(s->claims);
	free(s->by_source);
	for (i = 1; i < s->nworkers; i++) {
		ct__fan_cache_free(s->workers[i].fans);
		git_tree_free(s->workers[i].tree);
		git_repository_free(s->workers[i].repo);
	}
	json_decref(s->files);
	json_decref(s->changed_claims);
	json_decref(s->changed_sources);
	json_decref(s->source_keys);
	json_decref(s->sources_now);
	json_decref(s->verified);
	json_decref(s->checked);
	for (i = 0; i < 3; i++)
		if (s->spills[i])
			fclose(s->spills[i]);
	ct_keyring_free(s->ring);
	ct_buf_free(&s->base);
	manifest_forget(s);
	ct_buf_free(&s->manifest_text);
	json_decref(s->manifest_json);
}

static int site_init(site *s, ct_publish_report *report, ct_store *store, const char *dir,
	const ct_publish_opts *opts, ct_publish_file_fn fn, void *payload)
{
	size_t i;
	int error;

	memset(s, 0, sizeof(*s));
	memset(report, 0, sizeof(*report));
	s->store = store;
	s->opts = opts;
	s->dir = dir;
	s->report = report;
	s->fn = fn;
	s->payload = payload;
	s->title = opts->title && *opts->title ? opts->title : DEFAULT_TITLE;
	if (!(s->files = json_object()) || !(s->source_keys = json_array()) ||
		!(s->sources_now = json_object()) || !(s->changed_claims = json_object()) ||
		!(s->changed_sources = json_object()) || !(s->verified = json_object()) ||
		!(s->checked = json_object()))
		return ct__oom();
	if ((error = ct_buf_puts(&s->base, opts->base_url)) < 0)
		return error;
	for (i = 0; opts->signer && i < 3; i++)
		s->spills[i] = tmpfile(); /* best effort: with a NULL each bundle makes its own */
	while (s->base.len > 0 && s->base.ptr[s->base.len - 1] == '/')
		ct_buf_truncate(&s->base, s->base.len - 1);
	return 0;
}

int ct_publish(ct_publish_report *report, ct_store *store, const char *dir,
	const ct_publish_opts *opts, ct_publish_file_fn fn, void *payload)
{
	ct_publish_report local;
	site s;
	int error;

	if ((error = check_opts(opts)) < 0)
		return error;
	if ((error = site_init(&s, report ? report : &local, store, dir, opts, fn, payload)) == 0)
		error = publish_site(&s);
	site_free(&s);
	return error;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int ct_publish_bundle(ct_publish_report *report, const char *path,
	const ct_bundle_verify_opts *vopts, const char *dir, const ct_publish_opts *opts,
	ct_publish_file_fn fn, void *payload)
{
	ct_publish_report local;
	ct_write_opts wopts = CT_WRITE_OPTS_INIT;
	ct_store *store = NULL;
	ct_key *own = NULL;
	ct_buf tmp = CT_BUF_INIT;
	size_t count = 0;
	site s;
	int made = 0, error;

	memset(&s, 0, sizeof(s));
	if ((error = check_opts(opts)) < 0)
		return error;
	if (!vopts || !vopts->trust)
		return ct_error_set(
			CT_EINVALID, "publish --from: no trusted keys to verify %s", path);
	if ((error = make_dirs(dir)) < 0 ||
		(error = ct_buf_printf(&tmp, "%s/.claimtrail-from-XXXXXX", dir)) < 0)
		goto done;
	if (!mkdtemp(tmp.ptr)) {
		error = ct_error_set(CT_EIO, "%s: %s", tmp.ptr, strerror(errno));
		goto done;
	}
	made = 1;
	/* its own repository first: the store must not be looked for in (or made in) a repository
	 * around DIR */
	{
		git_repository_init_options o;
		git_repository *repo = NULL;
		git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		o.flags = GIT_REPOSITORY_INIT_NO_REINIT;
		o.initial_head = "main";
		if (git_repository_init_ext(&repo, tmp.ptr, &o) < 0) {
			error = ct__git_error(CT_EIO, tmp.ptr);
			goto done;
		}
		git_repository_free(repo);
	}
	/* the temporary store's own key signs only its first commit, never a published record */
	if ((error = ct_key_generate(&own, "claimtrail publish --from", NULL)) < 0 ||
		(error = ct_store_init(&store, tmp.ptr, NULL, own)) < 0)
		goto done;
	wopts.signer = own;
	wopts.reason = "publish --from";
	if ((error = ct_bundle_import(&count, store, path, vopts, &wopts)) < 0)
		goto done;
	if ((error = site_init(&s, report ? report : &local, store, dir, opts, fn, payload)) < 0)
		goto done;
	s.skip_key = ct_key_id(own);
	if (!opts->signer)
		s.offered_bundle = path;
	error = publish_site(&s);
done:
	site_free(&s);
	ct_store_free(store);
	ct_key_free(own);
	if (made)
		nftw(tmp.ptr, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	ct_buf_free(&tmp);
	return error;
}
