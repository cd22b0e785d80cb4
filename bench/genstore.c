/*
 * genstore: writes synthetic but valid claimtrail data for the benchmarks.
 *
 *   genstore stream N KEY   a `git fast-import` stream of a store with N claims, one claimtrail-
 *                           style commit per claim (signed records, fanned-out paths, trailers)
 *   genstore jsonl N        N claims as `claimtrail import` lines (source "bench-source")
 *   genstore files N KEY    a fast-import stream adding the same N claim files in ONE commit
 *                           (the baseline for `claimtrail import`)
 *
 * The records are signed with KEY (an unencrypted key file), so the store passes `check`.
 */
#include "claimtrail.h"

#include <git2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const topics[] = {"attack", "fighters", "report", "casualties", "estimate",
	"attribution", "border", "prison", "airport", "embassy"};

static void statement(char *out, size_t size, long i)
{
	snprintf(out, size, "Synthetic claim %ld about the %s: more than %ld people were counted.",
		i, topics[i % 10], 100 + i % 900);
}

static void claim_id(char *out, size_t size, long i)
{
	snprintf(out, size, "bench-claim-%s-%ld", topics[i % 10], i);
}

static void fanout(char out[3], const char *id)
{
	char hex[65];

	ct_sha256_hex(hex, (const uint8_t *)id, strlen(id));
	out[0] = hex[0];
	out[1] = hex[1];
	out[2] = '\0';
}

static void emit_blob(const char *path, const char *data, size_t len)
{
	printf("M 100644 inline %s\ndata %zu\n", path, len);
	fwrite(data, 1, len, stdout);
	printf("\n");
}

/* A record file's bytes, as claimtrail writes them (docs/store.md), and their blob id in hex. */
static char *record_file(size_t *len, char hex[GIT_OID_HEXSZ + 1], const json_t *rec)
{
	char *text = json_dumps(rec, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *file;
	git_oid oid;

	*len = strlen(text) + 1;
	if (!(file = realloc(text, *len + 1)))
		exit(1);
	file[*len - 1] = '\n';
	file[*len] = '\0';
	git_odb_hash(&oid, file, *len, GIT_OBJECT_BLOB);
	git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &oid);
	return file;
}

static void emit_record(const char *path, const json_t *rec)
{
	char hex[GIT_OID_HEXSZ + 1];
	size_t len;
	char *file = record_file(&len, hex, rec);

	emit_blob(path, file, len);
	free(file);
}

static long when = 1700000000;

static void commit_header(const char *msg, int first)
{
	printf("commit refs/heads/main\n");
	printf("committer Bench <bench@claimtrail.invalid> %ld +0000\n", when++);
	printf("data %zu\n%s\n", strlen(msg), msg);
	(void)first;
}

static json_t *make_claim(long i, const ct_key *key, const char *src_digest)
{
	char id[96], st[200], amount[24];
	json_t *rec;

	claim_id(id, sizeof(id), i);
	statement(st, sizeof(st), i);
	snprintf(amount, sizeof(amount), "%ld", 100 + i % 900);
	rec = json_pack("{s:s, s:s, s:i, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:[s]}", "type",
		"claim", "id", id, "revision", 1, "created", "2024-03-25T12:00:00Z", "statement",
		st, "attribution", "source", "bench-source", "source_revision", src_digest,
		"quantity", "amount", amount, "unit", "people", "qualifier", "more than", "tags",
		topics[i % 10]);
	if (ct_record_sign(rec, key) < 0) {
		fprintf(stderr, "genstore: %s\n", ct_error_last());
		exit(1);
	}
	return rec;
}

int main(int argc, char **argv)
{
	ct_key *key = NULL;
	long n, i;
	const char *mode;
	json_t *src;
	char src_digest[CT_DIGEST_LEN + 1];
	char path[256], fan[3], id[96], msg[768], hex[GIT_OID_HEXSZ + 1], *file;
	size_t len;

	if (argc < 3 || ct_init() < 0) {
		fprintf(stderr, "usage: genstore stream|jsonl|files N [KEY]\n");
		return 2;
	}
	git_libgit2_init();
	mode = argv[1];
	n = strtol(argv[2], NULL, 10);
	if (strcmp(mode, "jsonl") == 0) {
		for (i = 0; i < n; i++) {
			char st[200];
			claim_id(id, sizeof(id), i);
			statement(st, sizeof(st), i);
			printf("{\"id\":\"%s\",\"statement\":\"%s\",\"attribution\":{\"source\":"
			       "\"bench-source\"},\"quantity\":{\"amount\":\"%ld\",\"unit\":\"people\"},"
			       "\"tags\":[\"%s\"]}\n",
				id, st, 100 + i % 900, topics[i % 10]);
		}
		return 0;
	}
	if (argc < 4 || ct_key_read(&key, argv[3], NULL, 0) < 0) {
		fprintf(stderr, "genstore: %s\n", ct_error_last());
		return 1;
	}
	src = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", "source", "id", "bench-source",
		"revision", 1, "created", "2024-03-25T12:00:00Z", "title", "Benchmark source",
		"publisher", "Bench");
	ct_record_sign(src, key);
	ct_record_digest(src_digest, src);

	/* the first commit: the store, the key, the source */
	snprintf(msg, sizeof(msg),
		"init: claimtrail store at claims/\n\nClaimtrail-Record: key/%s\n"
		"Claimtrail-Record: source/bench-source@1\nClaimtrail-Signer: %s\n",
		ct_key_id(key), ct_key_id(key));
	commit_header(msg, 1);
	{
		const char *cfg = "{\n  \"format\": \"claimtrail-store\",\n  \"keep_source_text\": "
				  "true,\n  \"sign_off_threshold\": 2,\n  \"version\": 1\n}\n";
		emit_blob("claims/store.json", cfg, strlen(cfg));
	}
	snprintf(path, sizeof(path), "claims/key/%s.json", ct_key_id(key));
	emit_record(path, ct_key_public_record(key));
	fanout(fan, "bench-source");
	snprintf(path, sizeof(path), "claims/source/%s/bench-source/r0001.json", fan);
	emit_record(path, src);
	printf("\n");

	if (strcmp(mode, "files") == 0) {
		snprintf(msg, sizeof(msg), "import %ld claims\n\nClaimtrail-Import: %ld claims\n",
			n, n);
		commit_header(msg, 0);
	}
	for (i = 0; i < n; i++) {
		json_t *rec = make_claim(i, key, src_digest);
		claim_id(id, sizeof(id), i);
		fanout(fan, id);
		snprintf(path, sizeof(path), "claims/claim/%s/%s/r0001.json", fan, id);
		file = record_file(&len, hex, rec);
		if (strcmp(mode, "stream") == 0) {
			/* the trailers claimtrail writes: the record, the signer, the file's blob */
			snprintf(msg, sizeof(msg),
				"claim add %s\n\nClaimtrail-Record: claim/%s@1\nClaimtrail-Signer: %s\n"
				"Claimtrail-Blob: %s %s\n",
				id, id, ct_key_id(key), hex, path);
			commit_header(msg, 0);
		}
		emit_blob(path, file, len);
		if (strcmp(mode, "stream") == 0)
			printf("\n");
		free(file);
		json_decref(rec);
	}
	printf("done\n");
	json_decref(src);
	ct_key_free(key);
	return 0;
}
