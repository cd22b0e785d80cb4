/* The pack writer (packwrite.c): objects of every header length, a tree and a commit, an id
 * given twice, and both compression settings are read back through libgit2 and checked by
 * stock git (fsck --strict, verify-pack). */
#include "test.h"
#include "packwrite.h"

#include <dirent.h>
#include <git2.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define NBLOBS 10

static const size_t sizes[NBLOBS] = {0, 1, 15, 16, 127, 128, 2047, 2048, 70000, 1u << 21};

static int run(const char *cmd)
{
	int rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

/* Packs the blobs, a tree naming them, and a commit into a new bare repository at dir. */
static void pack_and_read_back(const char *dir, const char *compression)
{
	git_repository *repo = NULL;
	ct__pack_object objects[NBLOBS + 3];
	char *blobs[NBLOBS];
	char tree[NBLOBS * 64], commit[256], cmd[512];
	size_t tlen = 0, i, n = 0;
	git_oid tree_id, commit_id;
	git_odb *odb = NULL;

	CHECK(git_repository_init(&repo, dir, 1) == 0);
	if (compression) {
		git_config *cfg = NULL;
		CHECK(git_repository_config(&cfg, repo) == 0);
		CHECK(git_config_set_string(cfg, "pack.compression", compression) == 0);
		git_config_free(cfg);
	}
	for (i = 0; i < NBLOBS; i++) {
		size_t k;
		blobs[i] = malloc(sizes[i] + 1);
		for (k = 0; k < sizes[i]; k++) /* text that compresses, with some noise */
			blobs[i][k] = (char)('a' + (k * 7 + i + (k >> 5) * 13) % 26);
		objects[n].type = GIT_OBJECT_BLOB;
		objects[n].data = blobs[i];
		objects[n].len = sizes[i];
		CHECK(git_odb_hash(&objects[n].oid, blobs[i], sizes[i], GIT_OBJECT_BLOB) == 0);
		/* a tree entry: "100644 bN\0<20-byte id>" (names sort as written: b0..b9) */
		tlen += (size_t)snprintf(tree + tlen, sizeof(tree) - tlen, "100644 b%zu", i) + 1;
		memcpy(tree + tlen, objects[n].oid.id, GIT_OID_RAWSZ);
		tlen += GIT_OID_RAWSZ;
		n++;
	}
	CHECK(git_odb_hash(&tree_id, tree, tlen, GIT_OBJECT_TREE) == 0);
	objects[n++] = (ct__pack_object){tree_id, GIT_OBJECT_TREE, tree, tlen};
	{
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &tree_id);
		snprintf(commit, sizeof(commit),
			"tree %s\nauthor T <t@example.org> 1700000000 +0000\n"
			"committer T <t@example.org> 1700000000 +0000\n\npacked\n",
			hex);
	}
	CHECK(git_odb_hash(&commit_id, commit, strlen(commit), GIT_OBJECT_COMMIT) == 0);
	objects[n++] = (ct__pack_object){commit_id, GIT_OBJECT_COMMIT, commit, strlen(commit)};
	objects[n++] = objects[3]; /* the same id again: packed once */

	CHECK_INT(ct__pack_write(repo, objects, n, 2, NULL), 0);
	CHECK(git_repository_odb(&odb, repo) == 0);
	CHECK(git_odb_refresh(odb) == 0);
	for (i = 0; i < n; i++) {
		git_odb_object *obj = NULL;
		CHECK(git_odb_read(&obj, odb, &objects[i].oid) == 0);
		if (!obj)
			continue;
		CHECK_INT(git_odb_object_type(obj), objects[i].type);
		CHECK_INT(git_odb_object_size(obj), objects[i].len);
		CHECK(memcmp(git_odb_object_data(obj), objects[i].data, objects[i].len) == 0);
		git_odb_object_free(obj);
	}
	{
		git_reference *ref = NULL;
		CHECK(git_reference_create(&ref, repo, "refs/heads/main", &commit_id, 1, "test") ==
			0);
		git_reference_free(ref);
	}
	snprintf(cmd, sizeof(cmd),
		"git -C '%s' fsck --strict >/dev/null 2>&1 && "
		"git -C '%s' verify-pack \"$(ls '%s'/objects/pack/pack-*.idx)\" && "
		"[ \"$(git -C '%s' count-objects -v | awk '/^in-pack/ {print $2}')\" = %d ]",
		dir, dir, dir, dir, NBLOBS + 2);
	CHECK(run(cmd) == 0);
	git_odb_free(odb);
	git_repository_free(repo);
	for (i = 0; i < NBLOBS; i++)
		free(blobs[i]);
}

/* Lists what is in dir/objects/pack (names joined by spaces) into out. */
static void pack_dir(char *out, size_t cap, const char *dir)
{
	char path[256];
	DIR *d;
	struct dirent *e;
	size_t len = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/objects/pack", dir);
	CHECK((d = opendir(path)) != NULL);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && len + strlen(e->d_name) + 2 < cap)
			len += (size_t)snprintf(out + len, cap - len, "%s ", e->d_name);
	if (d)
		closedir(d);
}

/* When the index cannot be written (here: a file size limit the pack fits under and the index
 * of many tiny objects does not), the write fails and leaves nothing in objects/pack, not a
 * pack without its index, nor its .keep. Written, the pack has its .keep. */
static void index_write_fails(const char *dir)
{
	enum { N = 2000 };
	static ct__pack_object objects[N];
	static char texts[N][8];
	git_repository *repo = NULL;
	struct rlimit was, limit;
	ct_buf keep = CT_BUF_INIT, second = CT_BUF_INIT;
	char left[512];
	size_t i;

	CHECK(git_repository_init(&repo, dir, 1) == 0);
	for (i = 0; i < N; i++) {
		int len = snprintf(texts[i], sizeof(texts[i]), "%zu", i);
		objects[i].type = GIT_OBJECT_BLOB;
		objects[i].data = texts[i];
		objects[i].len = (size_t)len;
		CHECK(git_odb_hash(&objects[i].oid, texts[i], (size_t)len, GIT_OBJECT_BLOB) == 0);
	}
	/* the pack is about 12 bytes an object, its index 28 */
	CHECK(getrlimit(RLIMIT_FSIZE, &was) == 0);
	limit = was;
	limit.rlim_cur = 40000;
	signal(SIGXFSZ, SIG_IGN);
	CHECK(setrlimit(RLIMIT_FSIZE, &limit) == 0);
	CHECK_INT(ct__pack_write(repo, objects, N, 2, &keep), CT_EIO);
	CHECK(setrlimit(RLIMIT_FSIZE, &was) == 0);
	signal(SIGXFSZ, SIG_DFL);
	CHECK_INT(keep.len, 0);
	pack_dir(left, sizeof(left), dir);
	CHECK_STR(left, ""); /* no .keep either */
	/* and without the limit the same objects are written, with a .keep beside the pack */
	CHECK_INT(ct__pack_write(repo, objects, N, 2, &keep), 0);
	pack_dir(left, sizeof(left), dir);
	CHECK(strstr(left, ".pack ") && strstr(left, ".idx ") && strstr(left, ".keep "));
	CHECK(keep.len > 5 && access(keep.ptr, F_OK) == 0);
	if (keep.len > 5) {
		char pack[600];
		snprintf(pack, sizeof(pack), "%.*s.pack", (int)keep.len - 5, keep.ptr);
		CHECK(access(pack, F_OK) == 0); /* named after its pack */
	}
	/* the same pack again: the .keep is the first writer's, not this one's to remove */
	CHECK_INT(ct__pack_write(repo, objects, N, 2, &second), 0);
	CHECK_INT(second.len, 0);
	CHECK(access(keep.ptr, F_OK) == 0);
	/* the pack cannot be renamed into place (a folder has its name): its .keep goes too */
	if (keep.len > 5) {
		char pack[600], idx[600];
		snprintf(pack, sizeof(pack), "%.*s.pack", (int)keep.len - 5, keep.ptr);
		snprintf(idx, sizeof(idx), "%.*s.idx", (int)keep.len - 5, keep.ptr);
		CHECK(unlink(pack) == 0 && unlink(idx) == 0 && unlink(keep.ptr) == 0);
		CHECK(mkdir(pack, 0755) == 0);
		CHECK_INT(ct__pack_write(repo, objects, N, 2, &second), CT_EIO);
		CHECK_INT(second.len, 0);
		pack_dir(left, sizeof(left), dir);
		CHECK(strstr(left, ".pack ") && !strstr(left, ".keep") && !strstr(left, "tmp_") &&
			!strstr(left, ".idx"));
		rmdir(pack);
	}
	ct_buf_free(&keep);
	ct_buf_free(&second);
	git_repository_free(repo);
}

/* Every file in dir/objects/pack has mode `want`. */
static void check_modes(const char *dir, unsigned want)
{
	char path[256], file[600];
	DIR *d;
	struct dirent *e;
	struct stat st;
	int seen = 0;

	snprintf(path, sizeof(path), "%s/objects/pack", dir);
	CHECK((d = opendir(path)) != NULL);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		CHECK(stat(file, &st) == 0);
		CHECK_INT(st.st_mode & 0777, want);
		seen++;
	}
	if (d)
		closedir(d);
	CHECK_INT(seen, 2);
}

/* Counts the files in dir/objects/pack whose names end in ext. */
static int count_ext(const char *dir, const char *ext)
{
	char path[256];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/objects/pack", dir);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), el = strlen(ext);
		if (len > el && strcmp(e->d_name + len - el, ext) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* ct__pack_settle: 60 writes of 3 objects each, every one settled as a claimtrail write settles
 * its pack, leave few packs, every object still readable, a pack claimtrail did not list and a
 * kept one untouched, and the list naming only packs that exist. */
static void settle(const char *dir)
{
	enum { WRITES = 60, PER = 3 };
	static char texts[WRITES * PER][32];
	git_oid ids[WRITES * PER];
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	char state[256], foreign[160], kept[160], cmd[600];
	ct__pack_entry made;
	size_t w, k, i;
	int packs;

	CHECK(git_repository_init(&repo, dir, 1) == 0);
	snprintf(state, sizeof(state), "%s/claimtrail", dir);
	CHECK(mkdir(state, 0755) == 0);
	for (w = 0; w < WRITES; w++) {
		ct__pack_object objects[PER];
		ct_buf keep = CT_BUF_INIT;
		for (k = 0; k < PER; k++) {
			i = w * PER + k;
			snprintf(texts[i], sizeof(texts[i]), "write %zu object %zu", w, k);
			objects[k] = (ct__pack_object){
				{{0}}, GIT_OBJECT_BLOB, texts[i], strlen(texts[i])};
			CHECK(git_odb_hash(&objects[k].oid, texts[i], strlen(texts[i]),
				      GIT_OBJECT_BLOB) == 0);
			ids[i] = objects[k].oid;
		}
		memset(&made, 0, sizeof(made));
		CHECK_INT(ct__pack_write_named(repo, objects, PER, 1, &keep, &made), 0);
		CHECK_INT(made.count, PER);
		if (w == 0) { /* written by someone else: never listed, never merged */
			snprintf(foreign, sizeof(foreign), "%s/objects/pack/pack-%s.idx", dir,
				made.hex);
			unlink(keep.ptr);
			ct_buf_free(&keep);
			continue;
		}
		if (w == 1) /* kept by someone (its .keep stays): listed, never merged */
			snprintf(kept, sizeof(kept), "%s/objects/pack/pack-%s.idx", dir, made.hex);
		else
			unlink(keep.ptr);
		ct_buf_free(&keep);
		CHECK_INT(ct__pack_settle(repo, state, &made, 1), 0);
		/* at most CT__PACKS_LOOSE small packs after every write, plus the two above */
		CHECK((packs = count_ext(dir, ".pack")) <= CT__PACKS_LOOSE + 2);
	}
	CHECK(access(foreign, F_OK) == 0);
	CHECK(access(kept, F_OK) == 0);
	CHECK_INT(count_ext(dir, ".keep"), 1);
	CHECK(count_ext(dir, ".pack") < 10);
	CHECK_INT(count_ext(dir, ".pack"), count_ext(dir, ".idx"));
	CHECK(git_repository_odb(&odb, repo) == 0);
	CHECK(git_odb_refresh(odb) == 0);
	for (i = 0; i < WRITES * PER; i++)
		CHECK(git_odb_exists(odb, &ids[i]));
	/* every listed pack exists, and git agrees the packs hold every object */
	snprintf(cmd, sizeof(cmd),
		"cd '%s' && while read -r h n; do [ -f objects/pack/pack-$h.pack ] || exit 1; "
		"done < claimtrail/packs && git fsck --strict >/dev/null 2>&1 && "
		"[ \"$(git count-objects -v | awk '/^in-pack/ {print $2}')\" = %d ]",
		dir, WRITES * PER);
	CHECK(run(cmd) == 0);
	git_odb_free(odb);
	git_repository_free(repo);
}

int main(void)
{
	char dir[] = "/tmp/ct-packwrite-XXXXXX", cmd[128], sub[160];

	git_libgit2_init();
	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/default", dir);
	umask(022);
	pack_and_read_back(sub, NULL);
	check_modes(sub, 0444); /* read-only, as git's packs are */
	snprintf(sub, sizeof(sub), "%s/private", dir);
	umask(077);
	pack_and_read_back(sub, NULL);
	check_modes(sub, 0400); /* and narrowed by the umask, as git's are */
	umask(022);
	snprintf(sub, sizeof(sub), "%s/stored", dir);
	pack_and_read_back(sub, "0");
	snprintf(sub, sizeof(sub), "%s/full", dir);
	index_write_fails(sub);
	snprintf(sub, sizeof(sub), "%s/settle", dir);
	settle(sub);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(run(cmd) == 0);
	git_libgit2_shutdown();
	return test_finish();
}
