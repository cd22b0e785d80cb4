/*
 * Search: an SQLite FTS5 index of the store's claims and sources, kept in the git directory
 * (<gitdir>/claimtrail/search.<12 hex>.sqlite, never in the store's history), and queries on it.
 *
 * The index remembers the commit it was brought up to, the tree id of every fan-out folder
 * ("claim/ab") and of every record folder it indexed. When the branch has moved (a claimtrail
 * write, a git pull, a reset: it does not matter how), only the fan-out folders whose tree id
 * changed are opened, and in them only the record folders whose tree id changed are indexed
 * again, as the list summaries are (summary.c). A missing, unreadable or older index is made
 * again from the branch. Losing it loses nothing. docs/search.md has the details.
 */
#include "claimtrail/search.h"
#include "store_internal.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bumped whenever what is indexed or how changes: an index of another version is made again. */
#define INDEX_VERSION "1"

/* BM25 weights, in column order: a word in the statement counts most. */
#define RANK_WEIGHTS "bm25(10.0, 4.0, 5.0, 5.0, 2.0, 1.0)"

/* Ranking costs about a microsecond a hit: past this many, hits are ordered by a cheaper rule
 * (docs/search.md), so that a search stays well under 50 ms at 100,000 claims. */
#define RANK_MAX 20000

static const char *const field_names[CT_SEARCH_FIELDS] = {
	"statement", "quote", "tags", "title", "notes", "reasons"};

const char *ct_search_field_name(ct_search_field field)
{
	return (unsigned)field < CT_SEARCH_FIELDS ? field_names[field] : "unknown";
}

static const char schema[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE folder(path TEXT PRIMARY KEY, oid TEXT NOT NULL);"
	"CREATE TABLE doc(rowid INTEGER PRIMARY KEY, kind INTEGER NOT NULL, id TEXT NOT NULL,"
	" fan TEXT NOT NULL, oid TEXT NOT NULL, UNIQUE(kind, id));"
	"CREATE INDEX doc_fan ON doc(kind, fan);"
	"CREATE VIRTUAL TABLE fts USING fts5(statement, quote, tags, title, notes, reasons,"
	" tokenize = 'porter unicode61 remove_diacritics 2');"
	"INSERT INTO fts(fts, rank) VALUES('rank', '" RANK_WEIGHTS "');"
	"INSERT INTO meta VALUES('version', '" INDEX_VERSION "');";

typedef struct {
	sqlite3 *db;
	ct_buf path;
	ct_store *store;
	ct_search_info info;
} search_index;

static int db_error(search_index *ix, const char *what)
{
	return ct_error_set(CT_EIO, "search index %s: %s: %s", ix->path.ptr, what,
		ix->db ? sqlite3_errmsg(ix->db) : "cannot open");
}

static int exec(search_index *ix, const char *sql)
{
	return sqlite3_exec(ix->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_error(ix, sql);
}

static int prepare(search_index *ix, sqlite3_stmt **stmt, const char *sql)
{
	return sqlite3_prepare_v2(ix->db, sql, -1, stmt, NULL) == SQLITE_OK ? 0 : db_error(ix, sql);
}

/* The value of key in meta into out (size bytes): 1 when there is one, 0 when not. */
static int meta_get(search_index *ix, const char *key, char *out, size_t size)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(ix->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) ==
			SQLITE_OK &&
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
		sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (v && strlen(v) < size) {
			strcpy(out, v);
			found = 1;
		}
	}
	sqlite3_finalize(st);
	return found;
}

static int meta_set(search_index *ix, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int error = 0;

	if ((error = prepare(ix, &st, "INSERT OR REPLACE INTO meta VALUES(?, ?)")) < 0)
		return error;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = db_error(ix, "cannot write");
	sqlite3_finalize(st);
	return error;
}

static int db_open(search_index *ix)
{
	if (sqlite3_open_v2(ix->path.ptr, &ix->db,
		    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
		    NULL) != SQLITE_OK)
		return db_error(ix, "cannot open");
	sqlite3_busy_timeout(ix->db, 120000); /* another search may be building it */
	sqlite3_exec(ix->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	return 0;
}

/* 1 when the file is an index of this version for this store folder, 0 when it is not (empty,
 * damaged, another version's), or an error when it cannot be read now (another search holds it
 * beyond the busy timeout): such an index is waited for, never deleted. */
static int index_valid(search_index *ix)
{
	sqlite3_stmt *st = NULL;
	int rc, valid = 0;

	rc = sqlite3_prepare_v2(ix->db,
		"SELECT (SELECT value FROM meta WHERE key = 'version'),"
		" (SELECT value FROM meta WHERE key = 'root')",
		-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *version = (const char *)sqlite3_column_text(st, 0);
		const char *root = (const char *)sqlite3_column_text(st, 1);
		valid = version && root && strcmp(version, INDEX_VERSION) == 0 &&
			strcmp(root, ix->store->root) == 0;
	} else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		valid = db_error(ix, "in use by another search");
	}
	sqlite3_finalize(st);
	return valid;
}

/* Opens the index, making it anew when it is missing, not an index, or of another version. The
 * check and the making happen under an exclusive flock on search.<tag>.lock, so that no search
 * deletes a file another has just made and opened. */
static int index_open(search_index *ix, ct_store *store)
{
	char hex[65];
	ct_buf lock = CT_BUF_INIT;
	int fd = -1, error = 0;

	memset(ix, 0, sizeof(*ix));
	ix->store = store;
	ct_sha256_hex(hex, (const uint8_t *)store->root, strlen(store->root));
	hex[12] = '\0';
	if ((error = ct_buf_printf(&ix->path, "%sclaimtrail", git_repository_path(store->repo))) <
		0)
		goto done;
	if (mkdir(ix->path.ptr, 0755) < 0 && errno != EEXIST) {
		error = ct_error_set(CT_EIO, "%s: %s", ix->path.ptr, strerror(errno));
		goto done;
	}
	if ((error = ct_buf_printf(&lock, "%s/search.%s.lock", ix->path.ptr, hex)) < 0 ||
		(error = ct_buf_printf(&ix->path, "/search.%s.sqlite", hex)) < 0)
		goto done;
	fd = open(lock.ptr, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", lock.ptr, strerror(errno));
		goto done;
	}
	if ((error = db_open(ix)) < 0 || (error = index_valid(ix)) != 0)
		goto done;
	/* missing, damaged or another version's: made again from nothing */
	sqlite3_close(ix->db);
	ix->db = NULL;
	if (unlink(ix->path.ptr) < 0 && errno != ENOENT) {
		error = ct_error_set(CT_EIO, "%s: %s", ix->path.ptr, strerror(errno));
		goto done;
	}
	if ((error = db_open(ix)) < 0 || (error = exec(ix, "BEGIN IMMEDIATE")) < 0 ||
		(error = exec(ix, schema)) < 0 || (error = meta_set(ix, "root", store->root)) < 0 ||
		(error = exec(ix, "COMMIT")) < 0)
		goto done;
	ix->info.rebuilt = 1;
done:
	if (fd >= 0)
		close(fd); /* releases the lock */
	ct_buf_free(&lock);
	return error < 0 ? error : 0;
}

static void index_close(search_index *ix)
{
	if (ix->db)
		sqlite3_close(ix->db);
	ct_buf_free(&ix->path);
}

/* ---- reading a record folder ---- */

/* The latest revision of a record folder, parsed (NULL when it cannot be read or parsed: a
 * crafted tree indexes as empty, and `check` is what reports it). */
static json_t *latest_record(git_repository *repo, const git_tree *folder)
{
	const git_tree_entry *latest;
	git_blob *blob = NULL;
	json_int_t n;
	json_t *rec = NULL;

	if (!(latest = ct__latest_revision(&n, folder)) ||
		git_tree_entry_type(latest) != GIT_OBJECT_BLOB ||
		git_blob_lookup(&blob, repo, git_tree_entry_id(latest)) < 0)
		goto done;
	if (git_blob_rawsize(blob) <= CT_RECORD_MAX)
		rec = json_loadb(
			git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), 0, NULL);
done:
	git_blob_free(blob);
	git_error_clear();
	return rec;
}

static int put_word(ct_buf *out, const char *s)
{
	if (!s || !*s)
		return 0;
	return ct_buf_printf(out, "%s%s", out->len ? "\n" : "", s);
}

/* The notes and dispute reasons of a claim folder's annotations. */
static int annotation_notes(ct_buf *out, git_repository *repo, const git_tree *folder)
{
	const git_tree_entry *e = git_tree_entry_byname(folder, "annotations");
	git_tree *notes = NULL;
	size_t i;
	int error = 0;

	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	if (git_tree_lookup(&notes, repo, git_tree_entry_id(e)) < 0) {
		git_error_clear();
		return 0;
	}
	for (i = 0; i < git_tree_entrycount(notes) && error == 0; i++) {
		const git_tree_entry *a = git_tree_entry_byindex(notes, i);
		git_blob *blob = NULL;
		json_t *rec;
		if (git_tree_entry_type(a) != GIT_OBJECT_BLOB ||
			git_blob_lookup(&blob, repo, git_tree_entry_id(a)) < 0) {
			git_error_clear();
			continue;
		}
		rec = git_blob_rawsize(blob) <= CT_RECORD_MAX
			? json_loadb(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), 0,
				  NULL)
			: NULL;
		if ((error = put_word(out, json_string_value(json_object_get(rec, "note")))) == 0)
			error = put_word(out,
				json_string_value(json_object_get(
					json_object_get(rec, "dispute"), "reason")));
		json_decref(rec);
		git_blob_free(blob);
	}
	git_tree_free(notes);
	return error;
}

/* The fields of one record folder, in column order. */
static int record_fields(
	ct_buf fields[CT_SEARCH_FIELDS], git_repository *repo, ct_kind kind, const git_tree *folder)
{
	json_t *rec = latest_record(repo, folder), *item;
	size_t i;
	int error = 0;

	if (!rec)
		return 0;
	if ((error = put_word(&fields[CT_SEARCH_REASONS],
		     json_string_value(json_object_get(rec, "reason")))) < 0)
		goto done;
	if (kind == CT_KIND_SOURCE) {
		if ((error = put_word(&fields[CT_SEARCH_TITLE],
			     json_string_value(json_object_get(rec, "title")))) < 0 ||
			(error = put_word(&fields[CT_SEARCH_TITLE],
				 json_string_value(json_object_get(rec, "publisher")))) < 0)
			goto done;
		goto done;
	}
	if ((error = put_word(&fields[CT_SEARCH_STATEMENT],
		     json_string_value(json_object_get(rec, "statement")))) < 0 ||
		(error = put_word(&fields[CT_SEARCH_QUOTE],
			 json_string_value(json_object_get(
				 json_object_get(rec, "attribution"), "quote")))) < 0)
		goto done;
	json_array_foreach (json_object_get(rec, "tags"), i, item)
		if (json_is_string(item) &&
			(error = ct_buf_printf(&fields[CT_SEARCH_TAGS], "%s%s", i ? " " : "",
				 json_string_value(item))) < 0)
			goto done;
	error = annotation_notes(&fields[CT_SEARCH_NOTES], repo, folder);
done:
	json_decref(rec);
	return error;
}

/* ---- bringing the index up to the branch ---- */

typedef struct {
	sqlite3_stmt *del_doc, *del_fts, *ins_doc, *ins_fts, *fan_docs, *get_folder, *set_folder;
} statements;

static void statements_free(statements *s)
{
	sqlite3_finalize(s->del_doc);
	sqlite3_finalize(s->del_fts);
	sqlite3_finalize(s->ins_doc);
	sqlite3_finalize(s->ins_fts);
	sqlite3_finalize(s->fan_docs);
	sqlite3_finalize(s->get_folder);
	sqlite3_finalize(s->set_folder);
}

static int statements_init(statements *s, search_index *ix)
{
	int error;

	memset(s, 0, sizeof(*s));
	if ((error = prepare(ix, &s->del_doc, "DELETE FROM doc WHERE rowid = ?")) < 0 ||
		(error = prepare(ix, &s->del_fts, "DELETE FROM fts WHERE rowid = ?")) < 0 ||
		(error = prepare(ix, &s->ins_doc,
			 "INSERT INTO doc(kind, id, fan, oid) VALUES(?, ?, ?, ?)")) < 0 ||
		(error = prepare(ix, &s->ins_fts,
			 "INSERT INTO fts(rowid, statement, quote, tags, title, notes, reasons)"
			 " VALUES(?, ?, ?, ?, ?, ?, ?)")) < 0 ||
		(error = prepare(ix, &s->fan_docs,
			 "SELECT rowid, id, oid FROM doc WHERE kind = ? AND fan = ?")) < 0 ||
		(error = prepare(ix, &s->get_folder, "SELECT oid FROM folder WHERE path = ?")) <
			0 ||
		(error = prepare(
			 ix, &s->set_folder, "INSERT OR REPLACE INTO folder VALUES(?, ?)")) < 0)
		return error;
	return 0;
}

static int step_done(search_index *ix, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : db_error(ix, "cannot write");
}

static int drop_doc(search_index *ix, statements *s, sqlite3_int64 rowid)
{
	int error;

	sqlite3_bind_int64(s->del_fts, 1, rowid);
	sqlite3_bind_int64(s->del_doc, 1, rowid);
	if ((error = step_done(ix, s->del_fts)) == 0 && (error = step_done(ix, s->del_doc)) == 0)
		ix->info.updated++;
	return error;
}

static int add_doc(search_index *ix, statements *s, ct_kind kind, const char *id, const char *fan,
	const git_tree_entry *entry)
{
	ct_buf fields[CT_SEARCH_FIELDS];
	git_tree *folder = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	sqlite3_int64 rowid;
	int i, error = 0;

	for (i = 0; i < CT_SEARCH_FIELDS; i++)
		fields[i] = (ct_buf)CT_BUF_INIT;
	git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(entry));
	if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
		if (git_tree_lookup(&folder, ix->store->repo, git_tree_entry_id(entry)) < 0) {
			error = ct__git_error(CT_EIO, id);
			goto done;
		}
		if ((error = record_fields(fields, ix->store->repo, kind, folder)) < 0)
			goto done;
	}
	sqlite3_bind_int(s->ins_doc, 1, (int)kind);
	sqlite3_bind_text(s->ins_doc, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_doc, 3, fan, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_doc, 4, hex, -1, SQLITE_STATIC);
	if ((error = step_done(ix, s->ins_doc)) < 0)
		goto done;
	rowid = sqlite3_last_insert_rowid(ix->db);
	sqlite3_bind_int64(s->ins_fts, 1, rowid);
	for (i = 0; i < CT_SEARCH_FIELDS; i++)
		sqlite3_bind_text(s->ins_fts, i + 2, fields[i].ptr ? fields[i].ptr : "",
			(int)fields[i].len, SQLITE_STATIC);
	if ((error = step_done(ix, s->ins_fts)) < 0)
		goto done;
	ix->info.updated++;
done:
	for (i = 0; i < CT_SEARCH_FIELDS; i++)
		ct_buf_free(&fields[i]);
	git_tree_free(folder);
	return error;
}

typedef struct {
	sqlite3_int64 rowid;
	char *id;
	char oid[GIT_OID_HEXSZ + 1];
	int seen;
} known;

/* One fan-out folder whose tree changed: its record folders indexed again where they changed,
 * dropped where they are gone. fan_tree NULL: the folder is gone. */
static int sync_fan(
	search_index *ix, statements *s, ct_kind kind, const char *fan, const git_tree *fan_tree)
{
	known *list = NULL;
	size_t n = 0, cap = 0, i, j;
	int error = 0;

	sqlite3_bind_int(s->fan_docs, 1, (int)kind);
	sqlite3_bind_text(s->fan_docs, 2, fan, -1, SQLITE_STATIC);
	while (sqlite3_step(s->fan_docs) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s->fan_docs, 1);
		const char *oid = (const char *)sqlite3_column_text(s->fan_docs, 2);
		if (n == cap) {
			known *grown;
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(list, cap * sizeof(*list)))) {
				error = ct__oom();
				break;
			}
			list = grown;
		}
		list[n].rowid = sqlite3_column_int64(s->fan_docs, 0);
		list[n].id = strdup(id ? id : "");
		snprintf(list[n].oid, sizeof(list[n].oid), "%s", oid ? oid : "");
		list[n].seen = 0;
		if (!list[n++].id) {
			error = ct__oom();
			break;
		}
	}
	sqlite3_reset(s->fan_docs);
	sqlite3_clear_bindings(s->fan_docs);
	for (i = 0; fan_tree && error == 0 && i < git_tree_entrycount(fan_tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(fan_tree, i);
		const char *id = git_tree_entry_name(e);
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
		for (j = 0; j < n && strcmp(list[j].id, id) != 0; j++)
			;
		if (j < n) {
			list[j].seen = 1;
			if (strcmp(list[j].oid, hex) == 0)
				continue;
			if ((error = drop_doc(ix, s, list[j].rowid)) < 0)
				break;
		}
		error = add_doc(ix, s, kind, id, fan, e);
	}
	for (j = 0; j < n && error == 0; j++)
		if (!list[j].seen)
			error = drop_doc(ix, s, list[j].rowid);
	for (j = 0; j < n; j++)
		free(list[j].id);
	free(list);
	return error;
}

static int sync_kind(search_index *ix, statements *s, ct_kind kind)
{
	git_tree *kind_tree = NULL, *fan_tree = NULL;
	sqlite3_stmt *gone = NULL;
	ct_buf path = CT_BUF_INIT;
	const char *name = ct_kind_name(kind);
	char gone_fans[256][3];
	size_t i, ngone = 0;
	int error = 0;

	if ((error = ct_buf_printf(&path, "%s/%s", ix->store->root, name)) < 0 ||
		(error = ct__subtree(&kind_tree, ix->store, ix->store->tree, path.ptr)) < 0)
		goto done;
	for (i = 0; kind_tree && i < git_tree_entrycount(kind_tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(kind_tree, i);
		char hex[GIT_OID_HEXSZ + 1], old[GIT_OID_HEXSZ + 1] = "";
		const char *fan = git_tree_entry_name(e);
		ct_buf_clear(&path);
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE || strlen(fan) != 2)
			continue;
		git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
		if ((error = ct_buf_printf(&path, "%s/%s", name, fan)) < 0)
			goto done;
		sqlite3_bind_text(s->get_folder, 1, path.ptr, -1, SQLITE_STATIC);
		if (sqlite3_step(s->get_folder) == SQLITE_ROW)
			snprintf(old, sizeof(old), "%s",
				(const char *)sqlite3_column_text(s->get_folder, 0));
		sqlite3_reset(s->get_folder);
		sqlite3_clear_bindings(s->get_folder);
		if (strcmp(old, hex) == 0)
			continue;
		if (git_tree_lookup(&fan_tree, ix->store->repo, git_tree_entry_id(e)) < 0) {
			error = ct__git_error(CT_EIO, path.ptr);
			goto done;
		}
		if ((error = sync_fan(ix, s, kind, fan, fan_tree)) < 0)
			goto done;
		git_tree_free(fan_tree);
		fan_tree = NULL;
		sqlite3_bind_text(s->set_folder, 1, path.ptr, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->set_folder, 2, hex, -1, SQLITE_STATIC);
		if ((error = step_done(ix, s->set_folder)) < 0)
			goto done;
	}
	/* fan-out folders the index has and the branch no longer has */
	ct_buf_clear(&path);
	if ((error = ct_buf_printf(&path, "%s/", name)) < 0 ||
		(error = prepare(
			 ix, &gone, "SELECT path FROM folder WHERE substr(path, 1, ?) = ?")) < 0)
		goto done;
	sqlite3_bind_int(gone, 1, (int)path.len);
	sqlite3_bind_text(gone, 2, path.ptr, -1, SQLITE_STATIC);
	while (error == 0 && sqlite3_step(gone) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(gone, 0);
		const git_tree_entry *e =
			kind_tree ? git_tree_entry_byname(kind_tree, p + path.len) : NULL;
		if (ngone == 256 || strlen(p) != path.len + 2 ||
			(e && git_tree_entry_type(e) == GIT_OBJECT_TREE))
			continue;
		memcpy(gone_fans[ngone++], p + path.len, 3);
	}
	sqlite3_finalize(gone);
	gone = NULL;
	if ((error = prepare(ix, &gone, "DELETE FROM folder WHERE path = ?")) < 0)
		goto done;
	for (i = 0; error == 0 && i < ngone; i++) {
		ct_buf_clear(&path);
		if ((error = sync_fan(ix, s, kind, gone_fans[i], NULL)) < 0 ||
			(error = ct_buf_printf(&path, "%s/%s", name, gone_fans[i])) < 0)
			break;
		sqlite3_bind_text(gone, 1, path.ptr, -1, SQLITE_STATIC);
		error = step_done(ix, gone);
	}
done:
	sqlite3_finalize(gone);
	git_tree_free(fan_tree);
	git_tree_free(kind_tree);
	ct_buf_free(&path);
	return error;
}

static int count_records(search_index *ix)
{
	sqlite3_stmt *st = NULL;
	int error;

	if ((error = prepare(ix, &st, "SELECT count(*) FROM doc")) < 0)
		return error;
	if (sqlite3_step(st) == SQLITE_ROW)
		ix->info.records = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* The index up to the branch's current commit. */
static int index_update(search_index *ix)
{
	char head[GIT_OID_HEXSZ + 1] = "none", indexed[GIT_OID_HEXSZ + 1];
	statements s;
	int error = 0;

	memset(&s, 0, sizeof(s));
	if (ix->store->has_head)
		git_oid_tostr(head, sizeof(head), &ix->store->head);
	if (meta_get(ix, "commit", indexed, sizeof(indexed)) && strcmp(indexed, head) == 0)
		return 0;
	if ((error = exec(ix, "BEGIN IMMEDIATE")) < 0)
		return error;
	/* another search may have brought it up while this one waited for the lock */
	if (meta_get(ix, "commit", indexed, sizeof(indexed)) && strcmp(indexed, head) == 0)
		goto commit;
	if ((error = statements_init(&s, ix)) < 0 ||
		(error = sync_kind(ix, &s, CT_KIND_CLAIM)) < 0 ||
		(error = sync_kind(ix, &s, CT_KIND_SOURCE)) < 0 ||
		(error = meta_set(ix, "commit", head)) < 0 ||
		(error = meta_set(ix, "branch", ix->store->branch)) < 0)
		goto done;
	statements_free(&s);
	memset(&s, 0, sizeof(s));
commit:
	error = exec(ix, "COMMIT");
done:
	statements_free(&s);
	if (error < 0)
		sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
	return error;
}

int ct_search_index_update(ct_search_info *info, ct_store *store)
{
	search_index ix;
	int error;

	if ((error = index_open(&ix, store)) == 0 && (error = index_update(&ix)) == 0 && info)
		error = count_records(&ix);
	if (info)
		*info = ix.info;
	index_close(&ix);
	return error;
}

/* ---- queries ---- */

static int is_word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		c >= 0x80;
}

/* The words of query as an FTS5 query: each word a quoted string (so nothing in it is syntax),
 * all of them required. Returns the number of words. */
static int fts_query(ct_buf *out, const char *query)
{
	const unsigned char *p = (const unsigned char *)query;
	int error = 0, words = 0;

	while (*p && error == 0) {
		const unsigned char *start;
		if (!is_word_byte(*p)) {
			p++;
			continue;
		}
		for (start = p; *p && is_word_byte(*p); p++)
			;
		if ((error = ct_buf_printf(out, "%s\"%.*s\"", words++ ? " " : "", (int)(p - start),
			     (const char *)start)) < 0)
			return error;
	}
	return words;
}

typedef struct {
	sqlite3_int64 rowid;
	double rank;
} found;

typedef struct {
	found *v;
	size_t cap;
} found_list;

/* How many records hold every word of q, counted up to RANK_MAX + 1. */
static int count_matches(sqlite3_int64 *out, search_index *ix, const char *q)
{
	sqlite3_stmt *st = NULL;
	int error;

	*out = 0;
	if ((error = prepare(ix, &st,
		     "SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT ?)")) < 0)
		return error;
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, RANK_MAX + 1);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		error = db_error(ix, "query");
	sqlite3_finalize(st);
	return error;
}

/* Appends the (rowid, rank) rows of sql, given q and limit, to the hits. */
static int collect(found_list *hits, size_t *n, search_index *ix, const char *sql, const char *q,
	sqlite3_int64 limit)
{
	sqlite3_stmt *st = NULL;
	int rc, error;

	if ((error = prepare(ix, &st, sql)) < 0)
		return error;
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == hits->cap) {
			size_t cap = hits->cap ? hits->cap * 2 : 32;
			found *grown = realloc(hits->v, cap * sizeof(*grown));
			if (!grown) {
				error = ct__oom();
				goto done;
			}
			hits->v = grown;
			hits->cap = cap;
		}
		hits->v[*n].rowid = sqlite3_column_int64(st, 0);
		hits->v[(*n)++].rank = sqlite3_column_double(st, 1);
	}
	if (rc != SQLITE_DONE)
		error = db_error(ix, "query");
done:
	sqlite3_finalize(st);
	return error;
}

int ct_search(ct_search_info *info, ct_store *store, const char *query, const ct_search_opts *opts,
	ct_search_fn fn, void *payload)
{
	static const ct_search_opts defaults = CT_SEARCH_OPTS_INIT;
	search_index ix;
	sqlite3_stmt *hit_st = NULL;
	ct_buf q = CT_BUF_INIT, tier = CT_BUF_INIT;
	found_list hits = {NULL, 0};
	sqlite3_int64 limit, matches;
	size_t n = 0, i;
	int error = 0, f;

	memset(&ix, 0, sizeof(ix));
	if (!opts)
		opts = &defaults;
	if ((error = ct__opts_version(opts->version, CT_SEARCH_OPTS_VERSION, "ct_search_opts")) <
			0 ||
		(error = fts_query(&q, query)) <= 0)
		goto done; /* no word: no hit */
	if ((error = index_open(&ix, store)) < 0 || (error = index_update(&ix)) < 0 ||
		(info && (error = count_records(&ix)) < 0))
		goto done;
	limit = opts->limit ? (sqlite3_int64)opts->limit : -1;
	if ((error = count_matches(&matches, &ix, q.ptr)) < 0)
		goto done;
	if (matches <= RANK_MAX) {
		error = collect(&hits, &n, &ix,
			"SELECT rowid, rank FROM fts WHERE fts MATCH ? ORDER BY rank, rowid LIMIT ?",
			q.ptr, limit);
	} else {
		/* so many hold every word that BM25 gives the words next to no weight: the hits with
		 * every word in the statement first, then the others, each in index order */
		if ((error = ct_buf_printf(&tier, "{statement} : (%s)", q.ptr)) < 0 ||
			(error = collect(&hits, &n, &ix,
				 "SELECT rowid, 0 FROM fts WHERE fts MATCH ? LIMIT ?", tier.ptr,
				 limit)) < 0)
			goto done;
		ct_buf_clear(&tier);
		if ((limit < 0 || (sqlite3_int64)n < limit) &&
			(error = ct_buf_printf(
				 &tier, "(%s) NOT {statement} : (%s)", q.ptr, q.ptr)) == 0)
			error = collect(&hits, &n, &ix,
				"SELECT rowid, 1 FROM fts WHERE fts MATCH ? LIMIT ?", tier.ptr,
				limit < 0 ? -1 : limit - (sqlite3_int64)n);
	}
	if (error < 0)
		goto done;
	/* the marks only for the hits shown, not for every match */
	if ((error = prepare(&ix, &hit_st,
		     "SELECT d.kind, d.id, highlight(fts, 0, ?1, ?2), highlight(fts, 1, ?1, ?2),"
		     " highlight(fts, 2, ?1, ?2), highlight(fts, 3, ?1, ?2),"
		     " highlight(fts, 4, ?1, ?2), highlight(fts, 5, ?1, ?2),"
		     " fts.statement, fts.quote, fts.tags, fts.title, fts.notes, fts.reasons"
		     " FROM fts JOIN doc d ON d.rowid = fts.rowid"
		     " WHERE fts MATCH ?3 AND fts.rowid = ?4")) < 0)
		goto done;
	sqlite3_bind_text(hit_st, 1, opts->mark_open ? opts->mark_open : "[", -1, SQLITE_STATIC);
	sqlite3_bind_text(hit_st, 2, opts->mark_close ? opts->mark_close : "]", -1, SQLITE_STATIC);
	sqlite3_bind_text(hit_st, 3, q.ptr, -1, SQLITE_STATIC);
	for (i = 0; i < n; i++) {
		ct_search_hit hit;
		sqlite3_bind_int64(hit_st, 4, hits.v[i].rowid);
		if (sqlite3_step(hit_st) != SQLITE_ROW) {
			error = db_error(&ix, "query");
			goto done;
		}
		memset(&hit, 0, sizeof(hit));
		hit.kind = (ct_kind)sqlite3_column_int(hit_st, 0);
		hit.id = (const char *)sqlite3_column_text(hit_st, 1);
		hit.score = -hits.v[i].rank;
		for (f = 0; f < CT_SEARCH_FIELDS; f++) {
			const char *marked = (const char *)sqlite3_column_text(hit_st, 2 + f);
			const char *plain = (const char *)sqlite3_column_text(hit_st, 8 + f);
			hit.text[f] = marked ? marked : "";
			if (strcmp(hit.text[f], plain ? plain : "") != 0)
				hit.matched |= 1u << f;
		}
		if (!hit.id)
			hit.id = "";
		error = fn(&hit, payload);
		sqlite3_reset(hit_st);
		if (error != 0)
			goto done;
	}
done:
	if (info)
		*info = ix.info;
	sqlite3_finalize(hit_st);
	free(hits.v);
	ct_buf_free(&q);
	ct_buf_free(&tier);
	index_close(&ix);
	return error;
}
