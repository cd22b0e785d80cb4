/*
 * Benchmark: verifying a bundle of N claims (default 100,000) against its baseline, a plain C
 * loop of crypto_sign_verify_detached over the same signed messages on one core; and against
 * `minisign -V` per file, the peer a user would otherwise script; and (e) the same loop through
 * claimtrail's own verifier (src/lib/crypto/ed25519.c), the part of (b) that is Ed25519. Prints figures
 * and ratios;
 * never passes or fails on time.
 *
 * usage: bench_bundle_verify [--claims N] [--minisign M] [--claimtrail PATH] [--rounds R] [--dir DIR]
 *
 * The bundle is written directly from the library's pieces (records signed with
 * ct_record_sign, envelopes as docs/bundle.md specifies, ct_merkle), not through N commits.
 */
#include "claimtrail.h"
#include "sigloop.h"
#ifdef CT_ED25519_TABLES
#include "ed25519.h"
#else
/* the default build has no fast path: (e) is not measured, and no loop has tables */
typedef struct ct__ed25519_key ct__ed25519_key;
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define now sigloop_now

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, ct_error_last());
	exit(1);
}

/* Writes record as one envelope line, adds its leaf, and keeps its PAE and signature. */
static void put_record(FILE *f, ct_merkle *tree, const json_t *record, signed_msg *keep)
{
	ct_buf body = CT_BUF_INIT, line = CT_BUF_INIT, pae = CT_BUF_INIT;
	const json_t *sigs = json_object_get(record, "signatures"), *e;
	uint8_t leaf[CT_HASH_LEN];
	ct_kind kind;
	size_t i, n;

	if (ct_record_kind(&kind, record) < 0 || ct_record_body(&body, record) < 0)
		die("record");
	ct_buf_puts(&line, "{\"payload\":\"");
	ct_base64_encode(&line, (const uint8_t *)body.ptr, body.len);
	ct_buf_printf(
		&line, "\",\"payloadType\":\"%s\",\"signatures\":[", ct_kind_payload_type(kind));
	json_array_foreach (sigs, i, e)
		ct_buf_printf(&line, "%s{\"keyid\":\"%s\",\"sig\":\"%s\"}", i ? "," : "",
			json_string_value(json_object_get(e, "key_id")),
			json_string_value(json_object_get(e, "sig")));
	ct_buf_puts(&line, "]}");
	ct_merkle_leaf_hash(leaf, (const uint8_t *)line.ptr, line.len);
	ct_merkle_add(tree, leaf);
	fwrite(line.ptr, 1, line.len, f);
	fputc('\n', f);
	if (keep) {
		ct_pae(&pae, ct_kind_payload_type(kind), (const uint8_t *)body.ptr, body.len);
		keep->len = pae.len;
		keep->msg = (uint8_t *)ct_buf_detach(&pae);
		if (ct_base64_decode(keep->sig, 64, &n,
			    json_string_value(json_object_get(json_array_get(sigs, 0), "sig"))) < 0)
			die("sig");
	}
	ct_buf_free(&body);
	ct_buf_free(&line);
	ct_buf_free(&pae);
}

static void put_trailer(FILE *f, const ct_merkle *tree, uint64_t records, const ct_key *key)
{
	uint8_t root[CT_HASH_LEN], sig[64];
	char hex[65], created[21];
	ct_buf body = CT_BUF_INIT, pae = CT_BUF_INIT, b64 = CT_BUF_INIT, sb = CT_BUF_INIT;
	json_t *t;

	ct_merkle_root(tree, root);
	ct_hex(hex, root, CT_HASH_LEN);
	ct_timestamp_now(created);
	t = json_pack("{s:b, s:s, s:s, s:b, s:s, s:I, s:s, s:i}", "annotations", 0, "created",
		created, "creator", ct_key_id(key), "history", 0, "merkle_root", hex, "records",
		(json_int_t)records, "type", "bundle", "version", 1);
	ct_json_canon(&body, t);
	ct_pae(&pae, CT_BUNDLE_PAYLOAD_TYPE, (const uint8_t *)body.ptr, body.len);
	ct_key_sign_bytes(sig, key, (const uint8_t *)pae.ptr, pae.len);
	ct_base64_encode(&b64, (const uint8_t *)body.ptr, body.len);
	ct_base64_encode(&sb, sig, 64);
	fprintf(f,
		"{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":[{\"keyid\":\"%s\","
		"\"sig\":\"%s\"}]}\n",
		b64.ptr, CT_BUNDLE_PAYLOAD_TYPE, ct_key_id(key), sb.ptr);
	json_decref(t);
	ct_buf_free(&body);
	ct_buf_free(&pae);
	ct_buf_free(&b64);
	ct_buf_free(&sb);
}

/* Runs argv (stdout to /dev/null) and returns the wall time. With rss_kb, runs it under
 * /usr/bin/time to get the command's own peak RSS (a forked child's ru_maxrss would include the
 * benchmark's memory from before exec) and, with cpu, its user+sys CPU time (-1 unknown). */
static double run(char *const argv[], const char *threads, long *rss_kb, double *cpu, int *status)
{
	char *timed[16];
	char out[64] = "/tmp/ct-bench-rss.XXXXXX";
	double t0;
	pid_t pid;
	int st = 0, fd = -1;
	size_t i, n = 0;

	if (cpu)
		*cpu = -1;
	if (rss_kb) {
		*rss_kb = -1;
		if (access("/usr/bin/time", X_OK) == 0 && (fd = mkstemp(out)) >= 0) {
			close(fd);
			timed[n++] = "/usr/bin/time";
			timed[n++] = "-f";
			timed[n++] = "%M %U %S";
			timed[n++] = "-o";
			timed[n++] = out;
		}
	}
	for (i = 0; argv[i] && n < 15; i++)
		timed[n++] = argv[i];
	timed[n] = NULL;
	fflush(stdout);
	t0 = now();
	pid = fork();
	if (pid == 0) {
		if (threads)
			setenv("CLAIMTRAIL_THREADS", threads, 1);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(timed[0], timed);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0) {
		fprintf(stderr, "bench: cannot run %s\n", argv[0]);
		exit(1);
	}
	t0 = now() - t0;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	if (rss_kb && fd >= 0) {
		FILE *f = fopen(out, "r");
		double user, sys;
		if (f && fscanf(f, "%ld %lf %lf", rss_kb, &user, &sys) != 3)
			*rss_kb = -1;
		else if (cpu)
			*cpu = user + sys;
		if (f)
			fclose(f);
		unlink(out);
	}
	return t0;
}

#ifdef CT_ED25519_TABLES
static int tables_verify(const void *ctx, const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	return ct__ed25519_verify(ctx, sig, msg, len);
}
#endif

/* Times crypto_sign_verify_detached (or, with tables, ct__ed25519_verify) over every message,
 * split over `threads` threads; *cpu gets its CPU time. */
static double verify_loop(const signed_msg *msgs, size_t count, const uint8_t *pk,
	const ct__ed25519_key *tables, size_t threads, double *cpu)
{
	double t;

#ifdef CT_ED25519_TABLES
	if (tables)
		t = sigloop_run(msgs, count, pk, tables_verify, tables, threads, cpu);
	else
#endif
		t = sigloop_run(msgs, count, pk, NULL, NULL, threads, cpu);
	if (t < 0)
		die(tables ? "verify through claimtrail's verifier" : "baseline verify");
	return t;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	size_t claims = 100000, sample = 1000, sources = 100, rounds = 3, i;
	const char *ct = getenv("CLAIMTRAIL");
	const char *minisign = "/usr/bin/minisign";
	char dir[256] = "";
	char path[512], pub[512], keyfile[512];
	signed_msg *msgs;
	ct_key *key = NULL;
	ct_merkle tree;
	FILE *f;
	double t, loop, one, two;
	long rss1, rss2;
	int st;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--claims") == 0 && i + 1 < (size_t)argc)
			claims = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--minisign") == 0 && i + 1 < (size_t)argc)
			sample = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--claimtrail") == 0 && i + 1 < (size_t)argc)
			ct = argv[++i];
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < (size_t)argc)
			rounds = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < (size_t)argc)
			snprintf(dir, sizeof(dir), "%s", argv[++i]);
		else {
			fprintf(stderr,
				"usage: %s [--claims N] [--minisign M] [--claimtrail PATH] "
				"[--rounds R] [--dir DIR]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1)
		rounds = 1;
	if (!ct) {
		fprintf(stderr,
			"bench: name the claimtrail binary (--claimtrail or $CLAIMTRAIL)\n");
		return 2;
	}
	if (ct_init() < 0)
		die("init");
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/ct-bench-XXXXXX");
		if (!mkdtemp(dir))
			die("mkdtemp");
	}
	if (claims < sources)
		sources = claims;
	snprintf(keyfile, sizeof(keyfile), "%s/bench.key", dir);
	snprintf(pub, sizeof(pub), "%s/bench.key.pub", dir);
	snprintf(path, sizeof(path), "%s/bench.bundle", dir);
	unlink(keyfile);
	unlink(pub);
	if (ct_key_generate(&key, "Bench", "claimtrail") < 0 ||
		ct_key_write(key, keyfile, NULL, 0) < 0)
		die("key");
	if (!(msgs = calloc(claims, sizeof(*msgs))) || !(f = fopen(path, "wb")))
		die("alloc");
	printf("generating a bundle of %zu claims (%zu sources) in %s ...\n", claims, sources, dir);
	t = now();
	ct_merkle_init(&tree);
	fputs("{\"format\":\"claimtrail-bundle\",\"version\":1}\n", f);
	put_record(f, &tree, ct_key_public_record(key), NULL);
	{
		char(*digests)[CT_DIGEST_LEN + 1] = calloc(sources, sizeof(*digests));
		for (i = 0; i < sources; i++) {
			char id[32], title[64];
			json_t *s;
			snprintf(id, sizeof(id), "source-%06zu", i);
			snprintf(title, sizeof(title), "Report number %zu", i);
			s = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "type", "source", "id",
				id, "revision", 1, "created", "2024-04-01T12:00:00Z", "title",
				title, "publisher", "The Daily Record", "url",
				"https://example.org/report");
			if (ct_record_sign(s, key) < 0 || ct_record_digest(digests[i], s) < 0)
				die("source");
			put_record(f, &tree, s, NULL);
			json_decref(s);
		}
		for (i = 0; i < claims; i++) {
			char id[32], statement[160];
			json_t *c;
			snprintf(id, sizeof(id), "claim-%07zu", i);
			snprintf(statement, sizeof(statement),
				"As many as %zu foreign fighters may have moved into the region, "
				"according to security reports and experts.",
				1000 + i);
			c = json_pack(
				"{s:s, s:s, s:i, s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:[s]}",
				"type", "claim", "id", id, "revision", 1, "created",
				"2024-04-01T12:00:00Z", "statement", statement, "attribution",
				"source", "source-000000", "source_revision", digests[0], "quote",
				"as many as 6,000 foreign fighters", "quantity", "amount", "6000",
				"qualifier", "as many as", "tags", "iskp");
			{
				char sid[32];
				snprintf(sid, sizeof(sid), "source-%06zu", i % sources);
				json_object_set_new(json_object_get(c, "attribution"), "source",
					json_string(sid));
				json_object_set_new(json_object_get(c, "attribution"),
					"source_revision", json_string(digests[i % sources]));
			}
			if (ct_record_sign(c, key) < 0)
				die("claim");
			put_record(f, &tree, c, &msgs[i]);
			json_decref(c);
		}
		free(digests);
	}
	put_trailer(f, &tree, 1 + sources + claims, key);
	if (fclose(f) != 0)
		die("write");
	{
		struct stat sb;
		stat(path, &sb);
		printf("  %.1f s, %.1f MB\n\n", now() - t, (double)sb.st_size / 1e6);
	}

	/*
	 * (a) the baseline: the same signatures, one core, nothing else; (a2) the same loop on two
	 * threads: how far libsodium's Ed25519 alone scales here; (b), (c) claimtrail verify on one
	 * and two threads, which also read, decode and hash every line; (e) the loop of (a) through
	 * claimtrail's verifier (the key's tables built once, outside the timing; (b) and (c) pay
	 * for theirs). This machine's speed drifts from minute to minute (a shared virtual
	 * machine), so the five run in turn, `rounds` times, and each figure is the median of its
	 * rounds; every ratio compares figures of the same run.
	 */
	{
		char *args[] = {(char *)ct, "verify", path, "--trust", pub, NULL};
		double *ta = calloc(rounds, sizeof(double)), *ta2 = calloc(rounds, sizeof(double));
		double *tb = calloc(rounds, sizeof(double)), *tc = calloc(rounds, sizeof(double));
		double *te = calloc(rounds, sizeof(double));
		/* CPU seconds of (a), (a2), (b), (c): the comparison a loaded machine leaves intact */
		double *ca = calloc(rounds, sizeof(double)), *ca2 = calloc(rounds, sizeof(double));
		double *cb = calloc(rounds, sizeof(double)), *cc = calloc(rounds, sizeof(double));
		double loop2, own = 0, cloop, cloop2, cone, ctwo;
		size_t r;
#ifdef CT_ED25519_TABLES
		ct__ed25519_key *tables = ct__ed25519_key_new(ct_key_public_bytes(key));

		if (!tables)
			die("alloc");
		/* (e) must time the tables, not libsodium behind them */
		if (!ct__ed25519_fast_accepts(tables, msgs[0].sig, msgs[0].msg, msgs[0].len))
			die("the fast path refused a valid signature");
#endif
		if (!ta || !ta2 || !tb || !tc || !te || !ca || !ca2 || !cb || !cc)
			die("alloc");
		for (r = 0; r < rounds; r++) {
			ta[r] = verify_loop(
				msgs, claims, ct_key_public_bytes(key), NULL, 1, &ca[r]);
			ta2[r] = verify_loop(
				msgs, claims, ct_key_public_bytes(key), NULL, 2, &ca2[r]);
#ifdef CT_ED25519_TABLES
			te[r] = verify_loop(
				msgs, claims, ct_key_public_bytes(key), tables, 1, NULL);
#endif
			tb[r] = run(args, "1", &rss1, &cb[r], &st);
			if (st != 0)
				fprintf(stderr, "bench: claimtrail verify exited %d\n", st);
			tc[r] = run(args, "2", &rss2, &cc[r], &st);
			if (st != 0)
				fprintf(stderr, "bench: claimtrail verify exited %d\n", st);
#ifdef CT_ED25519_TABLES
			printf("  round %zu: (a) %.3f s  (a2) %.3f s  (e) %.3f s  (b) %.3f s  (c) %.3f s\n",
				r + 1, ta[r], ta2[r], te[r], tb[r], tc[r]);
#else
			printf("  round %zu: (a) %.3f s  (a2) %.3f s  (b) %.3f s  (c) %.3f s\n",
				r + 1, ta[r], ta2[r], tb[r], tc[r]);
#endif
		}
		loop = median(ta, rounds);
		loop2 = median(ta2, rounds);
#ifdef CT_ED25519_TABLES
		own = median(te, rounds);
#endif
		one = median(tb, rounds);
		two = median(tc, rounds);
		cloop = median(ca, rounds);
		cloop2 = median(ca2, rounds);
		cone = median(cb, rounds);
		ctwo = median(cc, rounds);
		printf("\nmedians of %zu rounds:\n", rounds);
		printf("(a) C loop of crypto_sign_verify_detached, 1 core: %8.3f s  %6.1f us/claim\n",
			loop, loop / (double)claims * 1e6);
		printf("(a2) the same loop on 2 threads:                 %8.3f s  %6.1f us/claim  "
		       "%.2fx faster than (a)\n",
			loop2, loop2 / (double)claims * 1e6, loop / loop2);
		if (own > 0)
			printf("(e) the loop through claimtrail's verifier, 1 core:%7.3f s  %6.1f "
			       "us/claim  %.2fx faster than (a)\n",
				own, own / (double)claims * 1e6, loop / own);
		else
			printf("(e) not measured: this build has no fast path (-Ded25519_tables=false)\n");
		printf("(b) claimtrail verify, 1 thread:                  %8.3f s  %6.1f us/claim  "
		       "%.2fx (a)  peak RSS %ld MiB\n",
			one, one / (double)claims * 1e6, one / loop, rss1 / 1024);
		printf("(c) claimtrail verify, 2 threads:                 %8.3f s  %6.1f us/claim  "
		       "%.2fx faster than (a)  peak RSS %ld MiB\n",
			two, two / (double)claims * 1e6, loop / two, rss2 / 1024);
		/* issue 19, point 4: verify against the loop on as many threads, wall and CPU */
		printf("point 4: (b) %.2fx (a), (c) %.2fx (a2) in wall time; in user+sys CPU time "
		       "(b) %.3f s %.2fx (a) %.3f s, (c) %.3f s %.2fx (a2) %.3f s; target <= 1.1x\n",
			one / loop, two / loop2, cone, cone / cloop, cloop, ctwo, ctwo / cloop2,
			cloop2);
		free(ca);
		free(ca2);
		free(cb);
		free(cc);
		free(ta);
		free(ta2);
		free(tb);
		free(tc);
		free(te);
#ifdef CT_ED25519_TABLES
		ct__ed25519_key_free(tables);
#endif
	}

	/* (d) minisign -V per file, over a sample, extrapolated */
	if (sample > 0 && access(minisign, X_OK) == 0) {
		char mpub[512], msec[512], file[600], sigf[700];
		double ms;
		size_t n = sample < claims ? sample : claims;
		snprintf(mpub, sizeof(mpub), "%s/minisign.pub", dir);
		snprintf(msec, sizeof(msec), "%s/minisign.key", dir);
		unlink(mpub);
		unlink(msec);
		{
			char *gen[] = {(char *)minisign, "-G", "-W", "-p", mpub, "-s", msec, NULL};
			run(gen, NULL, NULL, NULL, &st);
			if (st != 0)
				die("minisign -G");
		}
		for (i = 0; i < n; i++) {
			FILE *m;
			snprintf(file, sizeof(file), "%s/m%06zu.json", dir, i);
			if (!(m = fopen(file, "wb")))
				die("minisign file");
			fwrite(msgs[i].msg, 1, msgs[i].len, m);
			fclose(m);
			{
				char *sign[] = {
					(char *)minisign, "-S", "-s", msec, "-m", file, NULL};
				run(sign, NULL, NULL, NULL, &st);
				if (st != 0)
					die("minisign -S");
			}
		}
		t = now();
		for (i = 0; i < n; i++) {
			snprintf(file, sizeof(file), "%s/m%06zu.json", dir, i);
			snprintf(sigf, sizeof(sigf), "%s.minisig", file);
			{
				char *ver[] = {
					(char *)minisign, "-V", "-q", "-p", mpub, "-m", file, NULL};
				run(ver, NULL, NULL, NULL, &st);
				if (st != 0)
					die("minisign -V");
			}
		}
		ms = (now() - t) / (double)n;
		printf("(d) minisign -V per file (%zu-file sample, extrapolated to %zu): %8.3f s  "
		       "%6.1f us/claim  %.2fx (a)\n",
			n, claims, ms * (double)claims, ms * 1e6, ms * (double)claims / loop);
	}
	printf("\ntargets (issue 6): (b) <= 1.3x (a); (c) >= 1.8x faster than (a)\n");
	for (i = 0; i < claims; i++)
		free(msgs[i].msg);
	free(msgs);
	ct_key_free(key);
	return 0;
}
