/*
 * Writing a bulk write's objects as one git pack (format version 2) and its index (version 2),
 * as gitformat-pack(5) describes them. A bulk import makes a hundred thousand small blobs;
 * libgit2's own route (git_mempack_dump, then its indexer) searches deltas among all of them on
 * one thread and then inflates and hashes every object again to index it, which cost more than
 * signing them. Here every object is stored whole, compressed on every core, and the index is
 * written from what we already know (ids, offsets, CRC-32s). `git gc` later finds the deltas.
 *
 * Files appear the way git's own pack writers make them appear: the pack and then the index are
 * written under temporary names in objects/pack/ and renamed; readers look for packs by their
 * index, so a crash leaves either no new objects or a complete pack (and at worst a temporary
 * file that `git gc` removes).
 */
#include "parallel.h"
#include "fileio.h"
#include "packwrite.h"

#include "sha1.h"
#include "error.h"

#include <git2/sys/odb_backend.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define THREADS_MAX 8

/* An object as it sits in the pack: its header and zlib stream, and their CRC-32. */
typedef struct {
	uint8_t *bytes;
	size_t len;
	uint32_t crc;
} packed;

typedef struct {
	ct__pack_object **objects;
	packed *out;
	size_t count, first, step;
	int level;
	int failed;
} share;

/* The object header: type and inflated size, 4 bits then 7 bits a byte, low bits first. */
static size_t object_header(uint8_t out[16], git_object_t type, size_t size)
{
	size_t n = 0;

	out[n] = (uint8_t)(((unsigned)type << 4) | (size & 15));
	size >>= 4;
	while (size) {
		out[n++] |= 0x80;
		out[n] = size & 0x7f;
		size >>= 7;
	}
	return n + 1;
}

static int pack_one(z_stream *z, const ct__pack_object *o, packed *p)
{
	uint8_t head[16];
	size_t hlen = object_header(head, o->type, o->len);
	size_t cap = hlen + deflateBound(z, (uLong)o->len);

	if (!(p->bytes = malloc(cap)))
		return -1;
	memcpy(p->bytes, head, hlen);
	z->next_in = (Bytef *)(uintptr_t)o->data;
	z->avail_in = (uInt)o->len;
	z->next_out = p->bytes + hlen;
	z->avail_out = (uInt)(cap - hlen);
	if (deflate(z, Z_FINISH) != Z_STREAM_END || deflateReset(z) != Z_OK)
		return -1;
	p->len = cap - z->avail_out;
	{
		/* deflateBound is generous: keep only what was used (a pack holds 100,000s of these) */
		uint8_t *fit = realloc(p->bytes, p->len);
		if (fit)
			p->bytes = fit;
	}
	p->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), p->bytes, (uInt)p->len);
	return 0;
}

static void *pack_some(void *arg)
{
	share *sh = arg;
	z_stream z;
	size_t i;

	memset(&z, 0, sizeof(z));
	if (deflateInit(&z, sh->level) != Z_OK) {
		sh->failed = 1;
		return NULL;
	}
	for (i = sh->first; i < sh->count && !sh->failed; i += sh->step)
		if (sh->objects[i]->len > UINT32_MAX ||
			pack_one(&z, sh->objects[i], &sh->out[i]) < 0)
			sh->failed = 1;
	deflateEnd(&z);
	return NULL;
}

/* Compresses every object, each thread taking every nth. */
static int pack_all(
	ct__pack_object **objects, packed *out, size_t count, unsigned threads, int level)
{
	share sh[THREADS_MAX];
	size_t n = ct__parallel_threads(threads, THREADS_MAX), i;
	int failed = 0;

	if (count < 256)
		n = 1;
	for (i = 0; i < n; i++)
		sh[i] = (share){objects, out, count, i, n, level, 0};
	ct__parallel(sh, sizeof(sh[0]), n, pack_some);
	for (i = 0; i < n; i++)
		failed |= sh[i].failed;
	return failed ? -1 : 0;
}

static int by_oid(const void *a, const void *b)
{
	return git_oid_cmp(
		&(*(ct__pack_object *const *)a)->oid, &(*(ct__pack_object *const *)b)->oid);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int put_u32(ct_buf *b, uint32_t v)
{
	uint8_t p[4];

	put_be32(p, v);
	return ct_buf_put(b, p, 4);
}

/* The pack: "PACK", version 2, the count, the objects in order, and the SHA-1 of all that. It
 * is never put together in memory: `pieces` lists its parts (the header, then each object) for
 * the checksum and the file, and `offsets` says where each object starts. */
typedef struct {
	uint8_t header[12];
	uint8_t sum[20];
	const void **ptr; /* the parts: the header, each object, the checksum */
	size_t *len;
	size_t count;
} pack_pieces;

static int pack_layout(pack_pieces *pk, uint64_t *offsets, const packed *p, size_t count)
{
	uint64_t at = sizeof(pk->header);
	size_t i;

	memcpy(pk->header, "PACK", 4);
	put_be32(pk->header + 4, 2);
	put_be32(pk->header + 8, (uint32_t)count);
	if (!(pk->ptr = malloc((count + 2) * sizeof(*pk->ptr))) ||
		!(pk->len = malloc((count + 2) * sizeof(*pk->len))))
		return ct__oom();
	pk->count = count + 2;
	pk->ptr[0] = pk->header;
	pk->len[0] = sizeof(pk->header);
	for (i = 0; i < count; i++) {
		offsets[i] = at;
		at += p[i].len;
		pk->ptr[i + 1] = p[i].bytes;
		pk->len[i + 1] = p[i].len;
	}
	if (ct__sha1(pk->sum, (const void *const *)pk->ptr, pk->len, count + 1) < 0)
		return ct_error_set(CT_EIO, "SHA-1 failed");
	pk->ptr[count + 1] = pk->sum;
	pk->len[count + 1] = sizeof(pk->sum);
	return 0;
}

static void pack_pieces_free(pack_pieces *pk)
{
	free(pk->ptr);
	free(pk->len);
}

/* The index: magic, version 2, the fan-out table, the sorted ids, their CRC-32s, their offsets
 * (31 bits, or a reference into a table of 64-bit offsets), the pack's checksum, and the SHA-1
 * of all that. `sorted` lists the objects in id order, as they are in the pack. */
static int build_index(ct_buf *idx, ct__pack_object **sorted, const packed *p,
	const uint64_t *offsets, size_t count, const uint8_t pack_sum[20])
{
	uint32_t fanout[256];
	uint8_t sum[20];
	size_t i, large = 0;
	int error;

	memset(fanout, 0, sizeof(fanout));
	for (i = 0; i < count; i++)
		fanout[sorted[i]->oid.id[0]]++;
	for (i = 1; i < 256; i++)
		fanout[i] += fanout[i - 1];
	if ((error = ct_buf_put(idx, "\377tOc", 4)) < 0 || (error = put_u32(idx, 2)) < 0)
		return error;
	for (i = 0; i < 256; i++)
		if ((error = put_u32(idx, fanout[i])) < 0)
			return error;
	for (i = 0; i < count; i++)
		if ((error = ct_buf_put(idx, sorted[i]->oid.id, GIT_OID_RAWSZ)) < 0)
			return error;
	for (i = 0; i < count; i++)
		if ((error = put_u32(idx, p[i].crc)) < 0)
			return error;
	for (i = 0; i < count; i++)
		if ((error = put_u32(idx,
			     offsets[i] < 0x80000000u ? (uint32_t)offsets[i]
						      : 0x80000000u | (uint32_t)large++)) < 0)
			return error;
	for (i = 0; i < count; i++)
		if (offsets[i] >= 0x80000000u &&
			((error = put_u32(idx, (uint32_t)(offsets[i] >> 32))) < 0 ||
				(error = put_u32(idx, (uint32_t)offsets[i])) < 0))
			return error;
	if ((error = ct_buf_put(idx, pack_sum, 20)) < 0)
		return error;
	if (ct__sha1(sum, (const void *const[]){idx->ptr}, (const size_t[]){idx->len}, 1) < 0)
		return ct_error_set(CT_EIO, "SHA-1 failed");
	return ct_buf_put(idx, sum, 20);
}

#define STAGE_BYTES ((size_t)1 << 20)

/* Writes the n parts to fd, gathered into writes of about a megabyte (a pack has one part per
 * object). */
static int write_parts(
	int fd, const void *const *ptr, const size_t *len, size_t n, const char *name)
{
	ct_buf stage = CT_BUF_INIT;
	size_t i;
	int error = 0;

	for (i = 0; i < n && error == 0; i++) {
		if (stage.len && stage.len + len[i] > STAGE_BYTES) {
			error = ct__write_all(fd, stage.ptr, stage.len, name);
			ct_buf_clear(&stage);
		}
		if (error == 0)
			error = len[i] >= STAGE_BYTES ? ct__write_all(fd, ptr[i], len[i], name)
						      : ct_buf_put(&stage, ptr[i], len[i]);
	}
	if (error == 0 && stage.len)
		error = ct__write_all(fd, stage.ptr, stage.len, name);
	ct_buf_free(&stage);
	return error;
}

/* Creates a new temporary file in dir (its name left in tmp) with mode 0444, which the umask
 * narrows as it does for git's own packs (0400 under umask 077); opened for writing all the
 * same, since it is being created. */
static int create_tmp(ct_buf *tmp, const char *dir)
{
	int attempt, fd = -1;

	for (attempt = 0; attempt < 16 && fd < 0; attempt++) {
		uint8_t r[6];
		char hex[13];
		int error;

		randombytes_buf(r, sizeof(r));
		ct_hex(hex, r, sizeof(r));
		ct_buf_clear(tmp);
		if ((error = ct_buf_printf(tmp, "%s/tmp_claimtrail_%s", dir, hex)) < 0)
			return error;
		fd = open(tmp->ptr, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		int error = ct_error_set(CT_EIO, "%s: %s", tmp->ptr, strerror(errno));
		ct_buf_clear(tmp);
		return error;
	}
	return fd;
}

/* Writes the parts to a new temporary file in dir (its name left in tmp), read-only and
 * flushed to disk as git's packs are. On failure the file is removed. */
static int write_tmp(
	ct_buf *tmp, const char *dir, const void *const *ptr, const size_t *len, size_t n)
{
	int fd, error;

	if ((fd = create_tmp(tmp, dir)) < 0)
		return fd;
	error = write_parts(fd, ptr, len, n, tmp->ptr);
	/* git syncs pack files by default (core.fsync): the branch will point into this one */
	if (error == 0 && fsync(fd) < 0)
		error = ct_error_set(CT_EIO, "%s: %s", tmp->ptr, strerror(errno));
	if (close(fd) < 0 && error == 0)
		error = ct_error_set(CT_EIO, "%s: %s", tmp->ptr, strerror(errno));
	if (error < 0) {
		unlink(tmp->ptr);
		ct_buf_clear(tmp);
	}
	return error;
}

/* Renames the temporary file tmp to dir/pack-<hex>.<ext>; on success tmp is emptied. */
static int rename_tmp(ct_buf *tmp, const char *dir, const char *hex, const char *ext)
{
	ct_buf final = CT_BUF_INIT;
	int error;

	if ((error = ct_buf_printf(&final, "%s/pack-%s.%s", dir, hex, ext)) == 0) {
		if (rename(tmp->ptr, final.ptr) < 0)
			error = ct_error_set(CT_EIO, "%s: %s", final.ptr, strerror(errno));
		else
			ct_buf_clear(tmp);
	}
	ct_buf_free(&final);
	return error;
}

/* Creates dir/pack-<hex>.keep and sets keep to its path; keep stays empty if the file was there
 * already (an identical pack, kept by whoever made it). */
static int create_keep(ct_buf *keep, const char *dir, const char *hex)
{
	static const char why[] = "claimtrail: pack written, branch not moved yet\n";
	int fd, error;

	ct_buf_clear(keep);
	if ((error = ct_buf_printf(keep, "%s/pack-%s.keep", dir, hex)) < 0)
		return error;
	if ((fd = open(keep->ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0) {
		error = errno == EEXIST
			? 0
			: ct_error_set(CT_EIO, "%s: %s", keep->ptr, strerror(errno));
		ct_buf_clear(keep);
		return error;
	}
	error = ct__write_all(fd, why, sizeof(why) - 1, keep->ptr);
	if (close(fd) < 0 && error == 0)
		error = ct_error_set(CT_EIO, "%s: %s", keep->ptr, strerror(errno));
	if (error < 0) {
		unlink(keep->ptr);
		ct_buf_clear(keep);
	}
	return error;
}

/* pack.compression, else core.compression, else zlib's default (as git chooses). */
static int compression_level(git_repository *repo)
{
	git_config *cfg = NULL;
	int32_t level = Z_DEFAULT_COMPRESSION;

	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
		git_config_get_int32(&level, cfg, "pack.compression") < 0 &&
		git_config_get_int32(&level, cfg, "core.compression") < 0)
		level = Z_DEFAULT_COMPRESSION;
	git_error_clear();
	git_config_free(cfg);
	return level < -1 || level > 9 ? Z_DEFAULT_COMPRESSION : level;
}

int ct__pack_write(git_repository *repo, ct__pack_object *objects, size_t count, unsigned threads,
	ct_buf *keep)
{
	return ct__pack_write_named(repo, objects, count, threads, keep, NULL);
}

int ct__pack_write_named(git_repository *repo, ct__pack_object *objects, size_t count,
	unsigned threads, ct_buf *keep, ct__pack_entry *made)
{
	ct__pack_object **sorted = NULL;
	packed *p = NULL;
	uint64_t *offsets = NULL;
	pack_pieces pk = {{0}, {0}, NULL, NULL, 0};
	ct_buf idx = CT_BUF_INIT, name = CT_BUF_INIT, tmpdir = CT_BUF_INIT;
	ct_buf tmp_pack = CT_BUF_INIT, tmp_idx = CT_BUF_INIT;
	git_buf objdir = GIT_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t i, n = 0;
	int error = 0;

	if (count == 0)
		return 0;
	if (count > UINT32_MAX)
		return ct_error_set(CT_EINVALID, "too many objects for one pack");
	if (!(sorted = malloc(count * sizeof(*sorted)))) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; i < count; i++)
		sorted[i] = &objects[i];
	qsort(sorted, count, sizeof(*sorted), by_oid);
	for (i = 0; i < count; i++) /* drop repeated ids: one copy each */
		if (n == 0 || !git_oid_equal(&sorted[n - 1]->oid, &sorted[i]->oid))
			sorted[n++] = sorted[i];
	if (!(p = calloc(n, sizeof(*p))) || !(offsets = calloc(n, sizeof(*offsets)))) {
		error = ct__oom();
		goto done;
	}
	if (pack_all(sorted, p, n, threads, compression_level(repo)) < 0) {
		error = ct_error_set(CT_ENOMEM, "compressing objects failed");
		goto done;
	}
	if ((error = pack_layout(&pk, offsets, p, n)) < 0 ||
		(error = build_index(&idx, sorted, p, offsets, n, pk.sum)) < 0)
		goto done;
	if (git_repository_item_path(&objdir, repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0) {
		error = ct__git_error(CT_EIO, "finding the objects folder");
		goto done;
	}
	ct_hex(hex, pk.sum, sizeof(pk.sum)); /* the pack is named by its checksum */
	if ((error = ct_buf_printf(&name, "%spack", objdir.ptr)) < 0)
		goto done;
	if (mkdir(name.ptr, 0777) < 0 && errno != EEXIST) { /* less the umask, as git makes it */
		error = ct_error_set(CT_EIO, "%s: %s", name.ptr, strerror(errno));
		goto done;
	}
	/* The files are written under <common git dir>/claimtrail/, not in objects/pack/ as git's
	 * tmp_pack_* are: `git gc --prune=now` (git prune) deletes every temporary file in
	 * objects/pack, also one still being written. The renames stay on one file system. */
	if ((error = ct_buf_printf(&tmpdir, "%sclaimtrail", git_repository_commondir(repo))) < 0)
		goto done;
	if (mkdir(tmpdir.ptr, 0755) < 0 && errno != EEXIST) {
		error = ct_error_set(CT_EIO, "%s: %s", tmpdir.ptr, strerror(errno));
		goto done;
	}
	/* Both files are complete under temporary names before either is renamed, the pack first:
	 * readers find a pack through its index, renamed last, and `git gc` deletes a pack that has
	 * no index, so the two renames follow each other at once, as in git's own pack writers. */
	{
		const void *idx_ptr[1] = {idx.ptr};
		size_t idx_len[1] = {idx.len};

		if ((error = write_tmp(&tmp_pack, tmpdir.ptr, (const void *const *)pk.ptr, pk.len,
			     pk.count)) < 0 ||
			(error = write_tmp(&tmp_idx, tmpdir.ptr, idx_ptr, idx_len, 1)) < 0)
			goto done;
	}
	if ((keep && (error = create_keep(keep, name.ptr, hex)) < 0) ||
		(error = rename_tmp(&tmp_pack, name.ptr, hex, "pack")) < 0)
		goto done;
	if ((error = rename_tmp(&tmp_idx, name.ptr, hex, "idx")) == 0 && made) {
		memcpy(made->hex, hex, sizeof(made->hex));
		made->count = n;
	}
done:
	if (keep && keep->len && tmp_pack.len) { /* the pack never arrived: nothing to keep */
		unlink(keep->ptr);
		ct_buf_clear(keep);
	}
	if (tmp_pack.len)
		unlink(tmp_pack.ptr);
	if (tmp_idx.len)
		unlink(tmp_idx.ptr);
	ct_buf_free(&tmp_pack);
	ct_buf_free(&tmp_idx);
	for (i = 0; p && i < n; i++)
		free(p[i].bytes);
	free(p);
	free(offsets);
	free(sorted);
	pack_pieces_free(&pk);
	ct_buf_free(&idx);
	ct_buf_free(&name);
	ct_buf_free(&tmpdir);
	git_buf_dispose(&objdir);
	return error;
}

/* The list of claimtrail's packs: "<hex> <objects>" a line. */
typedef struct {
	ct__pack_entry *items;
	size_t count, cap;
} pack_list;

static int list_add(pack_list *l, const char *hex, size_t count)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->items[i].hex, hex) == 0)
			return 0;
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		ct__pack_entry *items = realloc(l->items, cap * sizeof(*items));
		if (!items)
			return ct__oom();
		l->items = items;
		l->cap = cap;
	}
	memcpy(l->items[l->count].hex, hex, GIT_OID_HEXSZ);
	l->items[l->count].hex[GIT_OID_HEXSZ] = '\0';
	l->items[l->count++].count = count;
	return 0;
}

static int is_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < GIT_OID_HEXSZ; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[GIT_OID_HEXSZ] == '\0';
}

/* Whether objects/pack/pack-<hex>.<ext> exists. */
static int pack_has(const char *packdir, const char *hex, const char *ext)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/pack-%s.%s", packdir, hex, ext);
	return access(path, F_OK) == 0;
}

/* Reads the list, keeping the packs that are still there (git gc removes them). A damaged list
 * is a list of nothing: the packs it named are left as they are. */
static int list_read(pack_list *l, const char *path, const char *packdir)
{
	ct_buf text = CT_BUF_INIT;
	char *line, *save = NULL;
	int error = 0;

	if (ct_file_read(&text, path, 1 << 24) < 0) {
		ct_error_clear();
		goto done;
	}
	for (line = strtok_r(text.ptr, "\n", &save); line && error == 0;
		line = strtok_r(NULL, "\n", &save)) {
		char *end = NULL;
		unsigned long long count;

		if (strlen(line) < GIT_OID_HEXSZ + 2 || line[GIT_OID_HEXSZ] != ' ')
			continue;
		line[GIT_OID_HEXSZ] = '\0';
		count = strtoull(line + GIT_OID_HEXSZ + 1, &end, 10);
		if (!is_hex40(line) || *end || !pack_has(packdir, line, "idx") ||
			!pack_has(packdir, line, "pack"))
			continue;
		error = list_add(l, line, (size_t)count);
	}
done:
	ct_buf_free(&text);
	return error;
}

/* Writes the list whole under a temporary name and renames it into place. */
static int list_write(const pack_list *l, const char *path)
{
	ct_buf text = CT_BUF_INIT, tmp = CT_BUF_INIT;
	size_t i;
	int fd = -1, error = 0;

	for (i = 0; i < l->count && error == 0; i++)
		error = ct_buf_printf(&text, "%s %zu\n", l->items[i].hex, l->items[i].count);
	if (error < 0 || (error = ct_buf_printf(&tmp, "%s.tmp", path)) < 0)
		goto done;
	if ((fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", tmp.ptr, strerror(errno));
		goto done;
	}
	error = ct__write_all(fd, text.ptr ? text.ptr : "", text.len, tmp.ptr);
	if (close(fd) < 0 && error == 0)
		error = ct_error_set(CT_EIO, "%s: %s", tmp.ptr, strerror(errno));
	if (error == 0 && rename(tmp.ptr, path) < 0)
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	if (error < 0)
		unlink(tmp.ptr);
done:
	ct_buf_free(&text);
	ct_buf_free(&tmp);
	return error;
}

static int by_count(const void *a, const void *b)
{
	size_t x = ((const ct__pack_entry *)a)->count, y = ((const ct__pack_entry *)b)->count;
	return x < y ? -1 : x > y;
}

typedef struct {
	git_oid *ids;
	size_t count, cap;
} oid_list;

static int collect_oid(const git_oid *id, void *payload)
{
	oid_list *o = payload;

	if (o->count == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		git_oid *ids = realloc(o->ids, cap * sizeof(*ids));
		if (!ids)
			return -1;
		o->ids = ids;
		o->cap = cap;
	}
	o->ids[o->count++] = *id;
	return 0;
}

/* Removes a merged pack: its index first, so that no reader finds an index without its pack. */
static void pack_remove(const char *packdir, const char *hex)
{
	static const char *const ext[] = {"idx", "pack", "rev", "bitmap"};
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "%s/pack-%s.%s", packdir, hex, ext[i]);
		unlink(path);
	}
}

/* Merges the packs merge[0..n) into one: returns 0 with made filled, having removed them. */
static int merge_packs(git_repository *repo, const char *packdir, const ct__pack_entry *merge,
	size_t n, pack_list *list, const char *listpath, ct__pack_entry *made)
{
	git_odb *odb = NULL;
	git_odb_backend *check = NULL;
	git_odb_object **read = NULL;
	ct__pack_object *objects = NULL;
	oid_list ids = {NULL, 0, 0};
	ct_buf keep = CT_BUF_INIT;
	char path[4096];
	size_t i;
	int error = 0;

	if (git_odb_new(&odb) < 0) {
		error = ct__git_error(CT_EIO, "merging packs");
		goto done;
	}
	for (i = 0; i < n; i++) {
		git_odb_backend *b = NULL;
		snprintf(path, sizeof(path), "%s/pack-%s.idx", packdir, merge[i].hex);
		if (git_odb_backend_one_pack(&b, path) < 0 ||
			git_odb_add_backend(odb, b, (int)(n - i)) < 0) {
			if (b)
				b->free(b);
			error = ct__git_error(CT_EIO, "reading a pack to merge");
			goto done;
		}
	}
	if (git_odb_foreach(odb, collect_oid, &ids) < 0) {
		error = ct__git_error(CT_EIO, "listing the objects of the packs to merge");
		goto done;
	}
	if (!(read = calloc(ids.count ? ids.count : 1, sizeof(*read))) ||
		!(objects = calloc(ids.count ? ids.count : 1, sizeof(*objects)))) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; i < ids.count; i++) {
		if (git_odb_read(&read[i], odb, &ids.ids[i]) < 0) {
			error = ct__git_error(CT_EIO, "reading an object of a pack to merge");
			goto done;
		}
		objects[i] = (ct__pack_object){ids.ids[i], git_odb_object_type(read[i]),
			git_odb_object_data(read[i]), git_odb_object_size(read[i])};
	}
	if ((error = ct__pack_write_named(repo, objects, ids.count, 0, &keep, made)) < 0)
		goto done;
	/* every object of the merged packs must be in the new one before any of them goes */
	snprintf(path, sizeof(path), "%s/pack-%s.idx", packdir, made->hex);
	if (git_odb_backend_one_pack(&check, path) < 0) {
		error = ct__git_error(CT_EIO, "reading the merged pack");
		goto done;
	}
	for (i = 0; i < ids.count; i++)
		if (!check->exists(check, &ids.ids[i])) {
			error = ct_error_set(
				CT_EIO, "the merged pack pack-%s lacks an object", made->hex);
			goto done;
		}
	/* listed with the packs it replaces until they are gone: a kill in between leaves them
	 * listed, to be merged (again) by a later write */
	if ((error = list_add(list, made->hex, made->count)) < 0 ||
		(error = list_write(list, listpath)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if (strcmp(merge[i].hex, made->hex) != 0)
			pack_remove(packdir, merge[i].hex);
done:
	if (keep.len)
		unlink(keep.ptr);
	ct_buf_free(&keep);
	if (check)
		check->free(check);
	for (i = 0; read && i < ids.count; i++)
		git_odb_object_free(read[i]);
	free(read);
	free(objects);
	free(ids.ids);
	git_odb_free(odb);
	return error;
}

int ct__pack_settle(
	git_repository *repo, const char *statedir, const ct__pack_entry *made, size_t n)
{
	pack_list list = {NULL, 0, 0}, rest = {NULL, 0, 0};
	ct__pack_entry *cand = NULL, merged = {{0}, 0};
	ct_buf listpath = CT_BUF_INIT, packdir = CT_BUF_INIT;
	git_buf objdir = GIT_BUF_INIT;
	size_t i, ncand = 0, split = 0, total = 0;
	int error = 0;

	if (git_repository_item_path(&objdir, repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0) {
		error = ct__git_error(CT_EIO, "finding the objects folder");
		goto done;
	}
	if ((error = ct_buf_printf(&packdir, "%spack", objdir.ptr)) < 0 ||
		(error = ct_buf_printf(&listpath, "%s/packs", statedir)) < 0 ||
		(error = list_read(&list, listpath.ptr, packdir.ptr)) < 0)
		goto done;
	for (i = 0; i < n && error == 0; i++)
		if (made[i].count > 0 && made[i].count < CT__PACK_SETTLED)
			error = list_add(&list, made[i].hex, made[i].count);
	if (error < 0)
		goto done;
	/* candidates: listed, small, not kept by anyone */
	if (!(cand = calloc(list.count ? list.count : 1, sizeof(*cand)))) {
		error = ct__oom();
		goto done;
	}
	for (i = 0; i < list.count && error == 0; i++) {
		if (list.items[i].count < CT__PACK_SETTLED &&
			!pack_has(packdir.ptr, list.items[i].hex, "keep"))
			cand[ncand++] = list.items[i];
		else
			error = list_add(&rest, list.items[i].hex, list.items[i].count);
	}
	if (error < 0)
		goto done;
	if (ncand <= CT__PACKS_LOOSE) {
		error = list_write(&list, listpath.ptr);
		goto done;
	}
	/* Sizes ascending: the larger packs that already grow by a factor of 2 stay; below the
	 * first place the progression breaks, everything is merged, and the merged size then takes
	 * in each next pack smaller than twice it. */
	qsort(cand, ncand, sizeof(*cand), by_count);
	for (i = ncand - 1; i > 0; i--)
		if (cand[i].count < 2 * cand[i - 1].count) {
			split = i;
			break;
		}
	if (split < 1)
		split = ncand - CT__PACKS_LOOSE; /* a perfect progression: merge the smallest */
	for (i = 0; i < split; i++)
		total += cand[i].count;
	while (split < ncand && cand[split].count < 2 * total &&
		total + cand[split].count < CT__PACK_SETTLED)
		total += cand[split++].count;
	if (split < 2)
		split = 2;
	for (i = split; i < ncand && error == 0; i++)
		error = list_add(&rest, cand[i].hex, cand[i].count);
	for (i = 0; i < split && error == 0; i++) /* until they are removed */
		error = list_add(&rest, cand[i].hex, cand[i].count);
	if (error < 0 ||
		(error = merge_packs(
			 repo, packdir.ptr, cand, split, &rest, listpath.ptr, &merged)) < 0)
		goto done;
	{
		pack_list final = {NULL, 0, 0};
		for (i = 0; i < rest.count && error == 0; i++) {
			size_t k;
			int gone = 0;
			for (k = 0; k < split; k++)
				if (strcmp(rest.items[i].hex, cand[k].hex) == 0 &&
					strcmp(cand[k].hex, merged.hex) != 0)
					gone = 1;
			if (!gone)
				error = list_add(&final, rest.items[i].hex, rest.items[i].count);
		}
		if (error == 0)
			error = list_write(&final, listpath.ptr);
		free(final.items);
	}
done:
	free(cand);
	free(list.items);
	free(rest.items);
	ct_buf_free(&listpath);
	ct_buf_free(&packdir);
	git_buf_dispose(&objdir);
	return error;
}
